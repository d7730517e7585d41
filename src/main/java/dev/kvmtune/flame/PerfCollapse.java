package dev.kvmtune.flame;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * perf script text to folded stacks ({@code comm;frame;frame count}), with the same output as
 * FlameGraph's stackcollapse-perf.pl for the same input and options: a sample's header line names
 * the process (and pid/tid with --pid/--tid), its indented frame lines are added leaf last, a
 * blank line ends it; only the first event type seen is kept unless --event-filter names one;
 * function names are tidied the same way (offsets, argument lists, quotes, Java's L-prefix), with
 * _[k] / _[j] / _[i] annotations. Text is handled as bytes (ISO-8859-1 in, the same out), so any
 * encoding passes through and sorting is the script's byte order.
 *
 * <p>Memory grows with distinct stacks, not with samples: each finished sample only adds to its
 * stack's count.
 */
public final class PerfCollapse {
    /** The script's options that change output (its --inline/--context/--srcline are not supported). */
    public record Options(boolean pid, boolean tid, boolean kernel, boolean jit, boolean addrs, String eventFilter) {
        public static Options defaults() {
            return new Options(false, false, false, false, false, null);
        }
    }

    private static final Pattern HEADER = Pattern.compile("^(\\S.+?)\\s+(\\d+)/*(\\d+)*\\s+");
    private static final Pattern EVENT = Pattern.compile(":\\s*(\\d+)*\\s+(\\S+):\\s*$");
    private static final Pattern FRAME = Pattern.compile("^\\s*(\\w+)\\s*(.+) \\((.*)\\)");
    private static final Pattern OFFSET = Pattern.compile("\\+0x[\\da-f]+$");
    private static final Pattern GO_METHOD = Pattern.compile("\\.\\(.*\\)\\.");
    private static final Pattern ARGS = Pattern.compile("\\((?!anonymous namespace\\)).*");
    private static final Pattern KERNEL_MOD = Pattern.compile("(^\\[|vmlinux$)");
    private static final Pattern JIT_MOD = Pattern.compile("/tmp/perf-\\d+\\.map");

    private final Options options;
    private final Consumer<String> warn;
    private final Map<String, long[]> collapsed = new HashMap<>();
    private String eventFilter;
    private boolean eventDefaulted;
    private boolean eventWarning;
    private final List<String> stack = new ArrayList<>();
    private String pname;
    private long period;
    private long unrecognized;
    private String firstUnrecognized;
    private long lineNo;

    /** @param warn gets the script's stderr messages (event filtering, the first unrecognized line) */
    public PerfCollapse(Options options, Consumer<String> warn) {
        this.options = options;
        this.warn = warn;
        this.eventFilter = options.eventFilter() == null ? "" : options.eventFilter();
    }

    /** Reads perf script text to its end. */
    public void read(InputStream in) throws IOException {
        byte[] buf = new byte[1 << 16];
        byte[] line = new byte[256];
        int len = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] != '\n') continue;
                int add = i - start;
                if (len + add > line.length) line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, len + add));
                System.arraycopy(buf, start, line, len, add);
                len += add;
                line(new String(line, 0, len, StandardCharsets.ISO_8859_1));
                len = 0;
                start = i + 1;
            }
            int add = n - start;
            if (len + add > line.length) line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, len + add));
            System.arraycopy(buf, start, line, len, add);
            len += add;
        }
        if (len > 0) line(new String(line, 0, len, StandardCharsets.ISO_8859_1));
    }

    /** One line without its newline. */
    void line(String l) {
        lineNo++;
        if (l.startsWith("#")) return;
        if (l.isEmpty()) {
            if (!truthy(pname)) return;
            stack.add(0, pname);
            remember(String.join(";", stack), period);
            stack.clear();
            pname = null;
            return;
        }
        Matcher h = HEADER.matcher(l);
        if (h.find()) {
            String comm = h.group(1);
            String pid = h.group(2);
            String tid = h.group(3);
            if (!truthy(tid)) {
                tid = pid;
                pid = "?";
            }
            String p = "";
            Matcher e = EVENT.matcher(l);
            if (e.find()) {
                p = e.group(1) == null ? "" : e.group(1);
                String event = e.group(2);
                if (eventFilter.isEmpty()) {
                    eventFilter = event;
                    eventDefaulted = true;
                } else if (!event.equals(eventFilter)) {
                    if (eventDefaulted && !eventWarning) {
                        warn.accept("Filtering for events of type: " + event);
                        eventWarning = true;
                    }
                    return;
                }
            }
            period = truthy(p) ? parsePeriod(p) : 1;
            String name = options.tid() ? comm + "-" + pid + "/" + tid : options.pid() ? comm + "-" + pid : comm;
            pname = name.replace(' ', '_');
            return;
        }
        Matcher f = FRAME.matcher(l);
        if (f.find()) {
            if (!truthy(pname)) return;
            frame(f.group(1), f.group(2), f.group(3));
            return;
        }
        unrecognized++;
        if (firstUnrecognized == null) {
            firstUnrecognized = "line " + lineNo + ": " + l;
            warn.accept("Unrecognized line " + lineNo + ": " + l);
        }
    }

    private void frame(String pc, String rawfunc, String mod) {
        rawfunc = OFFSET.matcher(rawfunc).replaceFirst("");
        if (rawfunc.startsWith("(")) return;
        if (rawfunc.isEmpty()) return;
        List<String> inline = new ArrayList<>(2);
        for (String part : splitArrows(rawfunc)) {
            String func = part;
            if (func.equals("[unknown]")) {
                if (!mod.equals("[unknown]")) {
                    func = mod.substring(mod.lastIndexOf('/') + 1);
                } else {
                    func = "unknown";
                }
                func = options.addrs() ? "[" + func + " <" + pc + ">]" : "[" + func + "]";
            }
            func = func.replace(';', ':');
            if (!GO_METHOD.matcher(func).find()) func = ARGS.matcher(func).replaceFirst("");
            if (func.indexOf('"') >= 0 || func.indexOf('\'') >= 0) func = func.replace("\"", "").replace("'", "");
            if (pname.startsWith("java") && func.indexOf('/') >= 0 && func.startsWith("L")) func = func.substring(1);
            if (!inline.isEmpty()) {
                if (!func.contains("_[i]")) func += "_[i]";
            } else if (options.kernel() && KERNEL_MOD.matcher(mod).find() && !mod.contains("unknown")) {
                func += "_[k]";
            } else if (options.jit() && JIT_MOD.matcher(mod).find()) {
                if (!func.contains("_[j]")) func += "_[j]";
            }
            inline.add(func);
        }
        stack.addAll(0, inline);
    }

    /** Perl's split /->/: trailing empty fields dropped. */
    private static List<String> splitArrows(String s) {
        List<String> out = new ArrayList<>(2);
        int from = 0;
        for (int i = s.indexOf("->"); i >= 0; i = s.indexOf("->", from)) {
            out.add(s.substring(from, i));
            from = i + 2;
        }
        out.add(s.substring(from));
        int n = out.size();
        while (n > 0 && out.get(n - 1).isEmpty()) n--;
        return out.subList(0, n);
    }

    /** Perl truth for a string: not undefined, not "" and not "0". */
    private static boolean truthy(String s) {
        return s != null && !s.isEmpty() && !s.equals("0");
    }

    private static long parsePeriod(String p) {
        try {
            return Long.parseLong(p);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private void remember(String key, long count) {
        collapsed.computeIfAbsent(key, k -> new long[1])[0] += count;
    }

    public long unrecognized() {
        return unrecognized;
    }

    /** The folded stacks in the script's order (byte order of the stack), one "stack count" line each. */
    public void write(OutputStream out) throws IOException {
        TreeMap<String, long[]> sorted = new TreeMap<>(collapsed);
        StringBuilder sb = new StringBuilder(1 << 16);
        for (var e : sorted.entrySet()) {
            sb.append(e.getKey()).append(' ').append(e.getValue()[0]).append('\n');
            if (sb.length() > 1 << 15) {
                out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
                sb.setLength(0);
            }
        }
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    public Map<String, Long> stacks() {
        Map<String, Long> out = new TreeMap<>();
        collapsed.forEach((k, v) -> out.put(k, v[0]));
        return out;
    }
}

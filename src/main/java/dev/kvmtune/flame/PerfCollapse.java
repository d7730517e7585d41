package dev.kvmtune.flame;

import dev.kvmtune.util.ByteKeyMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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

    // The script's line regexes, as the specification PerfLineShapes matches in linear time (PerfLineShapesTest).
    static final Pattern HEADER = Pattern.compile("^(\\S.+?)\\s+(\\d+)/*(\\d+)*\\s+", Pattern.UNIX_LINES);
    static final Pattern EVENT = Pattern.compile(":\\s*(\\d+)*\\s+(\\S+):\\s*$", Pattern.UNIX_LINES);
    static final Pattern FRAME = Pattern.compile("^\\s*(\\w+)\\s*(.+) \\((.*)\\)", Pattern.UNIX_LINES);
    private static final Pattern OFFSET = Pattern.compile("\\+0x[\\da-f]+$", Pattern.UNIX_LINES);
    private static final Pattern GO_METHOD = Pattern.compile("\\.\\(.*\\)\\.", Pattern.UNIX_LINES);
    private static final Pattern ARGS = Pattern.compile("\\((?!anonymous namespace\\)).*", Pattern.UNIX_LINES);
    private static final Pattern KERNEL_MOD = Pattern.compile("(^\\[|vmlinux$)", Pattern.UNIX_LINES);
    private static final Pattern JIT_MOD = Pattern.compile("/tmp/perf-\\d+\\.map", Pattern.UNIX_LINES);

    private final Options options;
    private final Consumer<String> warn;
    private String eventFilter;
    private boolean eventDefaulted;
    private boolean eventWarning;
    private String pname;
    private int pnameId = -1;
    private boolean javaName;
    private long period;
    private long samples;
    private long unrecognized;
    private boolean warned;
    private long lineNo;
    /** Where the two warnings first arose (line numbers in this reader's input), for the parallel reader to place them. */
    long firstUnrecognizedLine = -1;
    String firstUnrecognizedText;
    long filterWarningLine = -1;
    String filterWarningEvent;

    /** Frame and process names, interned: stacks are int arrays of their ids. */
    private final List<String> names = new ArrayList<>();
    private final Map<String, Integer> nameIds = new HashMap<>();
    /** A frame line's text (after its address, or all of it with --addrs) → the ids of its frames. */
    private final ByteKeyMap frameCache = new ByteKeyMap();
    private int[] frames = new int[64];
    private int depth;
    private final IntArrayCounts stacks = new IntArrayCounts();

    /** @param warn gets the script's stderr messages (event filtering, the first unrecognized line) */
    public PerfCollapse(Options options, Consumer<String> warn) {
        this.options = options;
        this.warn = warn;
        this.eventFilter = options.eventFilter() == null ? "" : options.eventFilter();
        if (!eventFilter.isEmpty()) filterBytes = eventFilter.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Starts as if {@code event} had been the first event seen (the filter it sets, with the
     * warning for other events still due): how a reader of a later part of the input behaves.
     */
    void presetFirstEvent(String event) {
        if (!eventFilter.isEmpty()) return;
        eventFilter = event;
        eventDefaulted = true;
        filterBytes = event.getBytes(StandardCharsets.ISO_8859_1);
    }

    long lines() {
        return lineNo;
    }

    /** perf script lines are short; a longer one is a file of another kind (a sparse or endless file), not a frame. */
    public static final int MAX_LINE = 32 << 20;

    /** The event of the first sample header that names one, as the script would take it; null when none does. */
    static String firstEvent(String line) {
        if (line.isEmpty() || line.charAt(0) == '#' || space((byte) line.charAt(0))) return null;
        if (PerfLineShapes.header(line) == null) return null;
        String[] e = PerfLineShapes.event(line);
        return e != null ? e[1] : null;
    }

    /**
     * Reads perf script text to its end. A line over {@link #MAX_LINE} (a sparse or endless file has no
     * newline at all) ends the read with a bad-input error naming {@code name} and the line.
     */
    public void read(InputStream in, String name) throws IOException {
        dev.kvmtune.util.ByteLines.read(in, MAX_LINE, this::line, () -> {
            throw new dev.kvmtune.BadInputException(name + ":" + (lineNo + 1) + ": a line longer than " + (MAX_LINE >> 20) + " MiB; not perf script text");
        });
    }

    /** One line [s, e) without its newline. */
    void line(byte[] b, int s, int e) {
        lineNo++;
        if (e == s) {
            endOfSample();
            return;
        }
        byte c = b[s];
        if (c == '#') return;
        if (!space(c)) {
            if (!header(b, s, e)) line(new String(b, s, e - s, StandardCharsets.ISO_8859_1));
            return;
        }
        // An indented line can only be a frame: try the common shape without a regex.
        int p = b[s] == '\t' ? s + 1 : s; // perf script indents with a tab and pads addresses with spaces
        while (p + 8 <= e && (long) LONGS.get(b, p) == SPACES) p += 8;
        while (p < e && space(b[p])) p++;
        int pc = p;
        // The key is the line from its address: equal keys are equally shaped lines with the same
        // frames, so only a line not seen before is taken apart into address, name and module.
        int[] ids = frameCache.get(b, pc, e, javaName);
        if (ids == null) {
            while (p < e && word(b[p])) p++;
            int pcEnd = p;
            while (p < e && space(b[p])) p++;
            int r = e - 1;
            while (r > p && b[r] != ')') r--;
            int q = r - 2;
            while (q > p && !(b[q] == ' ' && b[q + 1] == '(')) q--;
            if (pcEnd == pc || r <= p || q <= p) {
                line(new String(b, s, e - s, StandardCharsets.ISO_8859_1));
                return;
            }
            if (pnameId < 0) return;
            List<String> funcs = funcs(new String(b, pc, pcEnd - pc, StandardCharsets.ISO_8859_1),
                    new String(b, p, q - p, StandardCharsets.ISO_8859_1), new String(b, q + 2, r - q - 2, StandardCharsets.ISO_8859_1));
            ids = ids(funcs);
            frameCache.put(b, pc, e, javaName, ids);
        }
        if (pnameId < 0) return;
        push(ids);
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long SPACES = 0x2020202020202020L;

    /** A sample header's process name (with pid/tid) by the header's leading bytes. */
    private final ByteKeyMap pnames = new ByteKeyMap();
    private byte[] filterBytes;

    /**
     * The script's two header expressions, {@code ^(\\S.+?)\\s+(\\d+)/*(\\d+)*\\s+} and
     * {@code :\\s*(\\d+)*\\s+(\\S+):\\s*$}, matched by hand on the bytes with the same leftmost and
     * greedy choices; false (and the regular expressions decide) for the first header of a kind
     * and when a line is not in the usual shape.
     */
    private boolean header(byte[] b, int s, int e) {
        // comm: the shortest prefix of two or more bytes followed by whitespace, digits, '/'*, digits*, whitespace
        int commEnd = -1;
        int pidFrom = 0;
        int pidTo = 0;
        int tidFrom = 0;
        int tidTo = 0;
        for (int i = s + 2; i < e; i++) {
            if (!space(b[i])) continue;
            int d = i;
            while (d < e && space(b[d])) d++;
            int d2 = d;
            while (d2 < e && b[d2] >= '0' && b[d2] <= '9') d2++;
            if (d2 == d) continue;
            int d3 = d2;
            while (d3 < e && b[d3] == '/') d3++;
            int d4 = d3;
            while (d4 < e && b[d4] >= '0' && b[d4] <= '9') d4++;
            if (d4 < e && space(b[d4])) {
                commEnd = i;
                pidFrom = d;
                pidTo = d2;
                tidFrom = d3;
                tidTo = d4;
                break;
            }
        }
        if (commEnd < 0) return false;
        // the event: the last token ends with ':', after whitespace, digits (the period), whitespace, from the leftmost ':' that fits
        int t = e;
        while (t > s && space(b[t - 1])) t--;
        long p = 0;
        boolean hasPeriod = false;
        boolean zeroString = false;
        int evFrom = -1;
        int evTo = -1;
        if (t > s && b[t - 1] == ':') {
            int u = t - 1;
            while (u > s && !space(b[u - 1])) u--;
            if (t - 1 - u < 1) return false;
            for (int c = s; c < u; c++) {
                if (b[c] != ':') continue;
                int x = c + 1;
                while (x < u && space(b[x])) x++;
                int y = x;
                while (y < u && b[y] >= '0' && b[y] <= '9') y++;
                int z = y;
                while (z < u && space(b[z])) z++;
                if (z == u && (y > x ? z > y : z > c + 1)) {
                    evFrom = u;
                    evTo = t - 1;
                    if (y > x) {
                        if (y - x > 18) return false;
                        for (int k = x; k < y; k++) p = p * 10 + (b[k] - '0');
                        hasPeriod = true;
                        zeroString = y - x == 1 && b[x] == '0';
                    }
                    break;
                }
            }
        }
        if (evFrom >= 0) {
            if (filterBytes == null) return false; // the first event seen sets the filter: the text path does that
            if (!Arrays.equals(b, evFrom, evTo, filterBytes, 0, filterBytes.length)) {
                if (eventDefaulted && !eventWarning) return false; // the text path prints the warning once
                return true;
            }
        }
        // Perl truth: only the string "0" (or none) falls back to 1; "00" counts 0.
        period = hasPeriod && !zeroString ? p : 1;
        int keyTo = tidTo > tidFrom ? tidTo : pidTo;
        int[] id = pnames.get(b, s, keyTo, false);
        if (id == null) {
            String comm = new String(b, s, commEnd - s, StandardCharsets.ISO_8859_1);
            String pid = new String(b, pidFrom, pidTo - pidFrom, StandardCharsets.ISO_8859_1);
            String tid = tidTo > tidFrom ? new String(b, tidFrom, tidTo - tidFrom, StandardCharsets.ISO_8859_1) : null;
            if (!truthy(tid)) {
                tid = pid;
                pid = "?";
            }
            String name = (options.tid() ? comm + "-" + pid + "/" + tid : options.pid() ? comm + "-" + pid : comm).replace(' ', '_');
            id = new int[] {truthy(name) ? id(name) : -1};
            pnames.put(b, s, keyTo, false, id);
        }
        pnameId = id[0];
        pname = pnameId < 0 ? null : names.get(pnameId);
        javaName = pname != null && pname.startsWith("java");
        return true;
    }

    /** A non-blank, non-comment line as text, through the script's own regular expressions. */
    private void line(String l) {
        String[] h = PerfLineShapes.header(l);
        if (h != null) {
            header(l, h[0], h[1], h[2]);
            return;
        }
        String[] f = PerfLineShapes.frame(l);
        if (f != null) {
            if (!truthy(pname)) return;
            push(ids(funcs(f[0], f[1], f[2])));
            return;
        }
        unrecognized++;
        if (!warned) {
            warned = true;
            firstUnrecognizedLine = lineNo;
            firstUnrecognizedText = quoted(l);
            warn.accept("Unrecognized line " + lineNo + ": " + firstUnrecognizedText);
        }
    }

    /** How much of an unrecognized line a warning quotes: one terminal line, not a megabyte. */
    static final int QUOTED = 200;

    static String quoted(String l) {
        return l.length() <= QUOTED ? l : l.substring(0, QUOTED) + "... (" + l.length() + " bytes)";
    }

    private void header(String l, String comm, String pid, String tid) {
        if (!truthy(tid)) {
            tid = pid;
            pid = "?";
        }
        String p = "";
        String[] e = PerfLineShapes.event(l);
        if (e != null) {
            p = e[0] == null ? "" : e[0];
            String event = e[1];
            if (eventFilter.isEmpty()) {
                eventFilter = event;
                eventDefaulted = true;
                filterBytes = event.getBytes(StandardCharsets.ISO_8859_1);
            } else if (!event.equals(eventFilter)) {
                if (eventDefaulted && !eventWarning) {
                    filterWarningLine = lineNo;
                    filterWarningEvent = event;
                    warn.accept("Filtering for events of type: " + event);
                    eventWarning = true;
                }
                return;
            }
        }
        period = truthy(p) ? parsePeriod(p) : 1;
        String name = options.tid() ? comm + "-" + pid + "/" + tid : options.pid() ? comm + "-" + pid : comm;
        pname = name.replace(' ', '_');
        pnameId = truthy(pname) ? id(pname) : -1;
        javaName = pname.startsWith("java");
    }

    private void endOfSample() {
        if (!truthy(pname)) {
            depth = 0;
            return;
        }
        // Frames were appended line by line, each line's frames reversed; the sample reads root first.
        int[] key = new int[depth + 1];
        key[0] = pnameId;
        for (int i = 0; i < depth; i++) key[i + 1] = frames[depth - 1 - i];
        stacks.add(key, period);
        samples++;
        depth = 0;
        pname = null;
        pnameId = -1;
    }

    private void push(int[] ids) {
        if (depth + ids.length > frames.length) frames = java.util.Arrays.copyOf(frames, Math.max(frames.length * 2, depth + ids.length));
        for (int i = ids.length - 1; i >= 0; i--) frames[depth++] = ids[i];
    }

    private int[] ids(List<String> funcs) {
        int[] out = new int[funcs.size()];
        for (int i = 0; i < out.length; i++) out[i] = id(funcs.get(i));
        return out;
    }

    private int id(String name) {
        Integer id = nameIds.get(name);
        if (id != null) return id;
        names.add(name);
        nameIds.put(name, names.size() - 1);
        return names.size() - 1;
    }

    /** Byte classes as Perl's \\s and \\w see them in a byte string: 1 space, 2 word. */
    private static final byte[] CLASS = new byte[256];

    static {
        for (char c : " \t\r\f\u000b".toCharArray()) CLASS[c] = 1;
        for (int c = 0; c < 128; c++) {
            if (Character.isLetterOrDigit(c) || c == '_') CLASS[c] = 2;
        }
    }

    private static boolean space(byte c) {
        return CLASS[c & 0xff] == 1;
    }

    private static boolean word(byte c) {
        return CLASS[c & 0xff] == 2;
    }

    /** A frame line's functions, tidied and annotated as the script does (several when perf shows inlined frames a->b). */
    private List<String> funcs(String pc, String rawfunc, String mod) {
        rawfunc = OFFSET.matcher(rawfunc).replaceFirst("");
        List<String> inline = new ArrayList<>(2);
        if (rawfunc.startsWith("(") || rawfunc.isEmpty()) return inline;
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
            if (javaName && func.indexOf('/') >= 0 && func.startsWith("L")) func = func.substring(1);
            if (!inline.isEmpty()) {
                if (!func.contains("_[i]")) func += "_[i]";
            } else if (options.kernel() && KERNEL_MOD.matcher(mod).find() && !mod.contains("unknown")) {
                func += "_[k]";
            } else if (options.jit() && JIT_MOD.matcher(mod).find()) {
                if (!func.contains("_[j]")) func += "_[j]";
            }
            inline.add(func);
        }
        return inline;
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

    /** Samples collapsed: a stack's count is the sum of its samples' periods (nanoseconds for cpu-clock), not this. */
    public long samples() {
        return samples;
    }

    public long unrecognized() {
        return unrecognized;
    }

    /** Distinct stacks as the script keys them (joined text), with their counts. */
    public java.util.SortedMap<String, Long> stacks() {
        TreeMap<String, Long> out = new TreeMap<>();
        StringBuilder sb = new StringBuilder();
        stacks.forEach((key, count) -> {
            sb.setLength(0);
            for (int i = 0; i < key.length; i++) {
                if (i > 0) sb.append(';');
                sb.append(names.get(key[i]));
            }
            out.merge(sb.toString(), count, Long::sum);
        });
        return out;
    }

    /** The folded stacks in the script's order (byte order of the stack), one "stack count" line each. */
    public void write(OutputStream out) throws IOException {
        write(stacks(), out);
    }

    /** Sorted stacks (ISO-8859-1 text, so String order is byte order) as folded lines. */
    public static void write(java.util.SortedMap<String, Long> stacks, OutputStream out) throws IOException {
        StringBuilder sb = new StringBuilder(1 << 16);
        for (var e : stacks.entrySet()) {
            sb.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
            if (sb.length() > 1 << 15) {
                out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
                sb.setLength(0);
            }
        }
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }
}

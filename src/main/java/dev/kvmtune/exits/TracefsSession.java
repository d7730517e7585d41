package dev.kvmtune.exits;

import dev.kvmtune.util.Numbers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * kvm_exit (with kvm_entry and kvm_msr) recorded through tracefs in a trace instance of its own
 * ({@code instances/kvmtune-exits-PID}), so the global buffer, its tracer and other users' events
 * are never touched. With hist triggers (CONFIG_HIST_TRIGGERS) the kernel aggregates by exit
 * reason and thread; without, the instance's trace_pipe is read as it fills (a 4 MiB per-CPU
 * ring; the kernel reports what it had to drop). {@link #close} disables what it enabled and
 * removes the instance — also on errors, and from the shutdown hook on Ctrl-C.
 */
public final class TracefsSession implements AutoCloseable {
    static final String[] EVENTS = {"kvm_exit", "kvm_entry", "kvm_msr"};
    private static final Pattern LOST = Pattern.compile("CPU:(\\d+) \\[LOST (\\d+) EVENTS\\]");
    private static final String STOP = "kvmtune-exits-stop";
    private static final String EXIT_HIST = "hist:keys=exit_reason,common_pid:vals=hitcount:size=8192";
    private static final String MSR_HIST = "hist:keys=ecx,write:vals=hitcount:size=2048";

    private final Path instance;
    private final boolean hist;
    private final List<String> cleanupErrors = new ArrayList<>();
    private final List<String> enabled = new ArrayList<>();
    private Thread reader;
    private InputStream pipe;
    private volatile IOException readError;
    private long lost;
    private boolean closed;
    private TraceLineParser parser;

    private TracefsSession(Path instance, boolean hist) {
        this.instance = instance;
        this.hist = hist;
    }

    /** Where tracefs is, mounting it at /sys/kernel/tracing when it is not; null with {@code why} filled when it cannot be. */
    public static Path tracefs(StringBuilder why) {
        for (String p : List.of("/sys/kernel/tracing", "/sys/kernel/debug/tracing")) {
            if (Files.isDirectory(Path.of(p, "events"))) return Path.of(p);
        }
        Path mount = Path.of("/sys/kernel/tracing");
        if (!Files.isDirectory(mount)) {
            why.append("no /sys/kernel/tracing (kernel without tracefs)");
            return null;
        }
        try {
            Process p = new ProcessBuilder("mount", "-t", "tracefs", "nodev", mount.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                why.append("tracefs is not mounted and mounting it failed: ").append(out);
                return null;
            }
        } catch (IOException e) {
            why.append("tracefs is not mounted and mount could not run: ").append(e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why.append("interrupted");
            return null;
        }
        return Files.isDirectory(mount.resolve("events")) ? mount : null;
    }

    /**
     * Creates the instance and starts recording the threads {@code tids} (all of the VM's threads).
     *
     * @param noHist stream trace_pipe even where hist triggers exist (tests use it)
     */
    public static TracefsSession start(Path tracing, String name, List<Integer> tids, boolean noHist) throws IOException {
        if (!Files.isDirectory(tracing.resolve("events/kvm/kvm_exit"))) {
            throw new IOException(tracing + "/events/kvm/kvm_exit: no such tracepoint (is the kvm module loaded?)");
        }
        Path inst = tracing.resolve("instances").resolve(name);
        if (Files.isDirectory(inst)) removeStale(inst);
        Files.createDirectory(inst);
        boolean hist = !noHist && Files.exists(inst.resolve("events/kvm/kvm_exit/hist"));
        TracefsSession s = new TracefsSession(inst, hist);
        try {
            s.begin(tids);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    public boolean usesHist() {
        return hist;
    }

    public Path instance() {
        return instance;
    }

    private void begin(List<Integer> tids) throws IOException {
        String filter = filter(tids);
        if (hist) {
            write(instance.resolve("events/kvm/kvm_exit/trigger"), EXIT_HIST + ifFilter(filter));
            enabled.add("events/kvm/kvm_exit/trigger");
            write(instance.resolve("events/kvm/kvm_msr/trigger"), MSR_HIST + ifFilter(filter));
            enabled.add("events/kvm/kvm_msr/trigger");
            return;
        }
        write(instance.resolve("buffer_size_kb"), "4096");
        for (String e : EVENTS) {
            Path dir = instance.resolve("events/kvm/" + e);
            if (!Files.isDirectory(dir)) continue;
            if (!filter.isEmpty()) write(dir.resolve("filter"), filter);
            write(dir.resolve("enable"), "1");
            enabled.add("events/kvm/" + e + "/enable");
        }
        write(instance.resolve("tracing_on"), "1");
    }

    /** Starts reading trace_pipe into a tally (stream mode only). */
    public void stream(ExitTally tally, Warnings warnings) throws IOException {
        if (hist) return;
        this.parser = new TraceLineParser(tally, instance.resolve("trace_pipe").toString(), warnings);
        pipe = Files.newInputStream(instance.resolve("trace_pipe"));
        reader = new Thread(this::pump, "kvmtune-trace-pipe");
        reader.setDaemon(true);
        reader.start();
    }

    private void pump() {
        byte[] buf = new byte[1 << 16];
        byte[] line = new byte[1 << 16];
        int len = 0;
        try {
            for (int n; (n = pipe.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    byte c = buf[i];
                    if (c != '\n') {
                        if (len < line.length) line[len++] = c;
                        continue;
                    }
                    String text = len > 10 && len < 200 ? new String(line, 0, len, StandardCharsets.US_ASCII) : "";
                    if (text.contains(STOP)) return;
                    Matcher m = LOST.matcher(text);
                    if (m.find()) lost += Numbers.parseLong(m.group(2), 0);
                    else parser.line(line, 0, len);
                    len = 0;
                }
            }
        } catch (IOException e) {
            if (!closed) readError = e;
        }
    }

    /** Stops the events and collects: the hist tables, or what the reader got. */
    public void finish(ExitTally tally, Warnings warnings, ExitFormat.Options options) throws IOException {
        if (hist) {
            String exits = Files.readString(instance.resolve("events/kvm/kvm_exit/hist"));
            new HistTriggerFormat().read(new java.io.ByteArrayInputStream(exits.getBytes(StandardCharsets.UTF_8)),
                    instance.resolve("events/kvm/kvm_exit/hist").toString(), tally, warnings, options);
            Path msrHist = instance.resolve("events/kvm/kvm_msr/hist");
            if (Files.exists(msrHist)) msrHist(Files.readString(msrHist), tally);
            return;
        }
        for (String e : EVENTS) {
            Path en = instance.resolve("events/kvm/" + e + "/enable");
            if (Files.exists(en)) write(en, "0");
        }
        try {
            write(instance.resolve("trace_marker"), STOP + "\n");
        } catch (IOException e) {
            // the reader then ends when close() removes the instance
        }
        try {
            reader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (readError != null) throw readError;
        if (lost > 0) tally.note("the kernel dropped " + lost + " trace events (the reader fell behind)");
    }

    private static final Pattern MSR_ENTRY = Pattern.compile("\\{\\s*ecx:\\s*(\\d+|0x[0-9a-f]+),\\s*write:\\s*(\\d+)\\s*\\}\\s*hitcount:\\s*(\\d+)");

    static void msrHist(String text, ExitTally tally) {
        Matcher m = MSR_ENTRY.matcher(text);
        while (m.find()) {
            long idx = Long.decode(m.group(1));
            tally.msr(idx, !m.group(2).equals("0"), Long.parseLong(m.group(3)));
        }
    }

    private static String filter(List<Integer> tids) {
        if (tids.isEmpty() || tids.size() > 64) return "";
        StringBuilder sb = new StringBuilder();
        for (int t : tids) sb.append(sb.length() == 0 ? "" : " || ").append("common_pid == ").append(t);
        return sb.toString();
    }

    private static String ifFilter(String filter) {
        return filter.isEmpty() ? "" : " if " + filter;
    }

    private static void write(Path p, String value) throws IOException {
        Files.writeString(p, value);
    }

    private static void removeStale(Path inst) throws IOException {
        for (String e : EVENTS) {
            Path en = inst.resolve("events/kvm/" + e + "/enable");
            if (Files.exists(en)) Files.writeString(en, "0");
        }
        Files.delete(inst);
    }

    /** Undoes everything, newest first; failures are kept for {@link #cleanupErrors}. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (int i = enabled.size() - 1; i >= 0; i--) {
            String what = enabled.get(i);
            Path p = instance.resolve(what);
            try {
                if (what.endsWith("trigger")) {
                    // The trigger file lists what is set ("hist:... [active]"); each is removed by writing it back with '!'.
                    for (String line : Files.readString(p).lines().toList()) {
                        if (line.startsWith("hist:")) Files.writeString(p, "!" + line.replaceAll("\\s*\\[active\\].*$", ""));
                    }
                } else {
                    Files.writeString(p, "0");
                }
            } catch (IOException e) {
                cleanupErrors.add(p + ": " + e.getMessage());
            }
        }
        if (reader != null && reader.isAlive()) {
            try {
                write(instance.resolve("trace_marker"), STOP + "\n");
                reader.join(2000);
            } catch (IOException e) {
                cleanupErrors.add(instance.resolve("trace_marker") + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (pipe != null) {
            try {
                pipe.close();
            } catch (IOException e) {
                cleanupErrors.add(instance.resolve("trace_pipe") + ": " + e.getMessage());
            }
        }
        try {
            Files.deleteIfExists(instance);
        } catch (IOException e) {
            cleanupErrors.add(instance + ": " + e.getMessage() + " (remove it with: rmdir " + instance + ")");
        }
    }

    public List<String> cleanupErrors() {
        return List.copyOf(cleanupErrors);
    }
}

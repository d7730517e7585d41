package dev.kvmtune.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.qemutrace.LogTraceReader;
import dev.kvmtune.qemutrace.SimpleTraceReader;
import dev.kvmtune.qemutrace.SimpletraceText;
import dev.kvmtune.qemutrace.TraceEvent;
import dev.kvmtune.qemutrace.TraceEventsFile;
import dev.kvmtune.qemutrace.TraceRecord;
import dev.kvmtune.qemutrace.TraceStats;
import dev.kvmtune.util.AsyncOutputStream;
import dev.kvmtune.util.ByteOut;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune qemu-trace}: QEMU's trace files, printed like simpletrace.py or summarized. */
@Command(name = "qemu-trace", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Read a QEMU trace (seed 000): the simple backend's binary file (log versions 2, 3, 4) with the",
            "trace-events files that define its events, or the log backend's text ('-trace enable=...,file=...',",
            "which distribution builds write). Prints one line per record as QEMU's simpletrace.py does",
            "(name, microseconds since the previous record, pid, arguments), or with --stats the count per event",
            "and the latency between paired events (*_enter/*_exit, *_begin/*_end, or --pair START,END).",
            "",
            "Examples:",
            "  kvmtune qemu-trace /usr/share/qemu/trace-events-all trace-12345",
            "  qemu-system-x86_64 -msg timestamp=on -trace 'enable=qmp_*,file=/tmp/qmp.log' ...",
            "  kvmtune qemu-trace /tmp/qmp.log --stats"})
public final class QemuTraceCommand implements Callable<Integer> {
    static final Path DEFAULT_EVENTS = Path.of("/usr/share/qemu/trace-events-all");

    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE",
            description = "TRACE-EVENTS... TRACE-FILE: the trace-events files (default for a binary trace: "
                    + "/usr/share/qemu/trace-events-all when present), then the trace.")
    List<Path> files;

    @Option(names = "--stats", description = "Count per event and latency between paired events instead of the records.")
    boolean stats;

    @Option(names = "--pair", paramLabel = "START,END", description = "Also pair these two events for --stats (repeatable).")
    List<String> pairs = new ArrayList<>();

    @Option(names = "--no-header", description = "A binary trace without the file header (flight-recorder dump).")
    boolean noHeader;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        List<TraceStats.Pair> explicit = new ArrayList<>();
        for (String p : pairs) {
            try {
                explicit.add(TraceStats.Pair.parse(p));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--pair " + e.getMessage());
            }
        }
        Path trace = files.get(files.size() - 1);
        List<Path> eventFiles = files.subList(0, files.size() - 1);
        OutputFormat format = parent == null ? OutputFormat.text : parent.format;
        try (BufferedInputStream in = new BufferedInputStream(open(trace), 1 << 16)) {
            in.mark(16);
            byte[] head = in.readNBytes(8);
            in.reset();
            if (head.length == 0) throw new BadInputException(trace + ": the file is empty");
            boolean binary = noHeader || SimpleTraceReader.looksLikeSimpleTrace(head, head.length);
            List<TraceEvent> events;
            if (!eventFiles.isEmpty()) {
                events = TraceEventsFile.read(eventFiles);
            } else if (binary && Files.isReadable(DEFAULT_EVENTS)) {
                events = TraceEventsFile.read(DEFAULT_EVENTS);
            } else if (binary) {
                throw new BadInputException(trace + ": a binary simple trace needs the trace-events files of the QEMU that wrote it "
                        + "(kvmtune qemu-trace trace-events-all " + trace + ")");
            } else {
                events = List.of();
            }
            ByteStdout out = new ByteStdout(spec.commandLine().getOut(), StandardCharsets.UTF_8);
            TraceStats st = new TraceStats(explicit);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("file", trace.toString());
            if (stats) {
                read(binary, events, in, trace, st, err, summary);
                TraceStats.Result r = st.result();
                if (format == OutputFormat.json) {
                    summary.put("stats", r);
                    out.text(Json.write(summary));
                } else {
                    out.text(statsText(r, summary));
                }
            } else if (format == OutputFormat.json) {
                JsonGenerator g = new JsonFactory().createGenerator(out.stream(), JsonEncoding.UTF8);
                g.writeStartObject();
                g.writeStringField("file", trace.toString());
                g.writeArrayFieldStart("records");
                read(binary, events, in, trace, new JsonRecords(g), err, summary);
                g.writeEndArray();
                summary.remove("file");
                g.writeFieldName("summary");
                g.setCodec(new com.fasterxml.jackson.databind.ObjectMapper());
                g.writeObject(summary);
                g.writeEndObject();
                g.writeRaw('\n');
                g.flush();
            } else {
                try (AsyncOutputStream async = new AsyncOutputStream(out.stream(), 1 << 20, 4)) {
                    ByteOut bo = new ByteOut(async);
                    read(binary, events, in, trace, new SimpletraceText(bo), err, summary);
                    bo.flush();
                }
            }
            out.finish();
        }
        err.flush();
        return ExitCodes.OK;
    }

    private void read(boolean binary, List<TraceEvent> events, InputStream in, Path trace, TraceRecord.Sink sink,
            PrintWriter err, Map<String, Object> summary) throws IOException {
        if (binary) {
            binarySummary(new SimpleTraceReader(events, noHeader).read(in, trace.toString(), sink), trace, err, summary);
        } else {
            LogTraceReader.Summary s = new LogTraceReader(events).read(in, trace.toString(), sink, m -> err.println("kvmtune: " + dev.kvmtune.util.Printable.line(m)));
            summary.put("format", "log" + (s.timestamps() ? "" : " (no timestamps: run QEMU with -msg timestamp=on for deltas and latencies)"));
            summary.put("records", s.records());
            if (s.otherLines() > 0) err.println("kvmtune: " + trace + ": " + s.otherLines() + " lines were not trace lines");
        }
    }

    private void binarySummary(SimpleTraceReader.Summary s, Path trace, PrintWriter err, Map<String, Object> summary) {
        summary.put("format", noHeader ? "simple (no header)" : "simple v" + s.version());
        summary.put("records", s.records());
        summary.put("mappingRecords", s.mappings());
        summary.put("droppedEvents", s.droppedEvents());
        if (s.droppedEvents() > 0) err.println("kvmtune: " + trace + ": QEMU dropped " + s.droppedEvents() + " events (its trace buffer was full)");
    }

    static String statsText(TraceStats.Result r, Map<String, Object> summary) {
        StringBuilder b = new StringBuilder();
        b.append(summary.get("file")).append(": ").append(summary.get("format")).append(", ").append(r.records()).append(" records");
        if (r.durationNs() != null) b.append(String.format(" over %.6f s", r.durationNs() / 1e9));
        if (r.droppedEvents() > 0) b.append(", ").append(r.droppedEvents()).append(" events dropped by QEMU");
        b.append("\n\n");
        int w = Math.max(5, r.events().stream().mapToInt(e -> e.name().length()).max().orElse(5));
        b.append(String.format("%-" + w + "s %10s %7s%s%n", "EVENT", "COUNT", "SHARE", r.durationNs() != null && r.durationNs() > 0 ? "     RATE/s" : ""));
        for (TraceStats.EventCount e : r.events()) {
            b.append(String.format("%-" + w + "s %10d %6.1f%%", e.name(), e.count(), 100.0 * e.count() / r.records()));
            if (r.durationNs() != null && r.durationNs() > 0) b.append(String.format(" %11.1f", e.count() / (r.durationNs() / 1e9)));
            b.append('\n');
        }
        if (!r.pairs().isEmpty()) {
            b.append("\nLatency between paired events (same pid, innermost first), microseconds:\n");
            int pw = Math.max(4, r.pairs().stream().mapToInt(p -> p.start().length() + p.end().length() + 3).max().orElse(4));
            b.append(String.format("%-" + pw + "s %8s %10s %10s %10s %10s %10s %10s %9s%n", "PAIR", "COUNT", "MIN", "P50", "P90", "P99", "MAX",
                    "MEAN", "UNPAIRED"));
            for (TraceStats.PairLatency p : r.pairs()) {
                b.append(String.format("%-" + pw + "s %8d %10.3f %10.3f %10.3f %10.3f %10.3f %10.3f %9d%n", p.start() + " -> " + p.end(), p.count(),
                        p.minNs() / 1e3, p.p50Ns() / 1e3, p.p90Ns() / 1e3, p.p99Ns() / 1e3, p.maxNs() / 1e3, p.meanNs() / 1e3,
                        p.unmatchedStarts() + p.unmatchedEnds()));
            }
        } else {
            b.append("\nNo paired events (*_enter/*_exit, *_begin/*_end); name pairs with --pair START,END.\n");
        }
        return b.toString();
    }

    /** Records as JSON objects, streamed. */
    private static final class JsonRecords implements TraceRecord.Sink {
        private final JsonGenerator g;
        private long last;
        private boolean first = true;

        JsonRecords(JsonGenerator g) {
            this.g = g;
        }

        @Override
        public void record(TraceRecord r) throws IOException {
            g.writeStartObject();
            g.writeStringField("event", r.event().name());
            if (r.hasTimestamp()) {
                unsigned("timestampNs", r.timestampNs());
                if (first) {
                    last = r.timestampNs();
                    first = false;
                }
                g.writeNumberField("deltaNs", r.timestampNs() - last);
                last = r.timestampNs();
            }
            if (r.hasPid()) g.writeNumberField("pid", r.pid());
            if (r.isText()) {
                g.writeStringField("text", r.argumentText());
            } else {
                g.writeObjectFieldStart("args");
                List<TraceEvent.Arg> args = r.event().args();
                for (int i = 0; i < args.size(); i++) {
                    if (args.get(i).isString()) g.writeStringField(args.get(i).name(), r.string(i));
                    else unsigned(args.get(i).name(), r.value(i));
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeRaw('\n');
        }

        private void unsigned(String field, long v) throws IOException {
            if (v >= 0) g.writeNumberField(field, v);
            else g.writeNumberField(field, new BigInteger(Long.toUnsignedString(v)));
        }
    }

    private static InputStream open(Path file) {
        return InputFiles.open(file);
    }
}

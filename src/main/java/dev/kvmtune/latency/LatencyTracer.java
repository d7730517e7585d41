package dev.kvmtune.latency;

import dev.kvmtune.BadInputException;
import dev.kvmtune.util.Numbers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An ftrace latency tracer (Documentation/trace/ftrace.rst: irqsoff, preemptoff, preemptirqsoff,
 * wakeup, wakeup_rt, wakeup_dl): sets it, clears tracing_max_latency, waits, reads the worst
 * latency and its trace, and puts current_tracer, tracing_max_latency and tracing_on back as they
 * were.
 */
public final class LatencyTracer {
    public static final List<String> TRACERS = List.of("irqsoff", "preemptoff", "preemptirqsoff", "wakeup", "wakeup_rt", "wakeup_dl");

    public record Result(String tracer, long maxLatencyUs, String trace) {
    }

    private final Path tracefs;

    public LatencyTracer(Path tracefs) {
        this.tracefs = tracefs;
    }

    /** Refuses, with the reason, when tracefs or the tracer is not there. */
    public void check(String tracer) {
        if (!TRACERS.contains(tracer)) throw new BadInputException("--tracer takes " + String.join(", ", TRACERS) + ", not '" + tracer + "'");
        Path avail = tracefs.resolve("available_tracers");
        if (!Files.isReadable(avail)) {
            throw new BadInputException(avail + " is not readable: mount tracefs (mount -t tracefs nodev " + tracefs + ") and run as root");
        }
        String have;
        try {
            have = Files.readString(avail).strip();
        } catch (IOException e) {
            throw new BadInputException(avail + ": " + e.getMessage());
        }
        if (!List.of(have.split("\\s+")).contains(tracer)) {
            throw new BadInputException("this kernel has no " + tracer + " tracer (available_tracers: " + have + "); it needs CONFIG_"
                    + switch (tracer) {
                        case "irqsoff" -> "IRQSOFF_TRACER";
                        case "preemptoff" -> "PREEMPT_TRACER";
                        case "preemptirqsoff" -> "IRQSOFF_TRACER and CONFIG_PREEMPT_TRACER";
                        default -> "SCHED_TRACER";
                    } + "=y");
        }
    }

    public Result run(String tracer, Duration duration) throws IOException, InterruptedException {
        check(tracer);
        String oldTracer = read("current_tracer");
        String oldMax = read("tracing_max_latency");
        String oldOn = read("tracing_on");
        try {
            write("current_tracer", tracer);
            write("tracing_max_latency", "0");
            write("tracing_on", "1");
            Thread.sleep(duration.toMillis());
            write("tracing_on", "0");
            String text = read("tracing_max_latency");
            long max = Numbers.parseLong(text).orElseThrow(() -> new IOException("tracing_max_latency reads '" + text.strip() + "', not a number"));
            return new Result(tracer, max, Files.readString(tracefs.resolve("trace")));
        } finally {
            write("current_tracer", oldTracer);
            write("tracing_max_latency", oldMax);
            write("tracing_on", oldOn);
        }
    }

    private String read(String f) throws IOException {
        return Files.readString(tracefs.resolve(f)).strip();
    }

    private void write(String f, String v) throws IOException {
        Files.writeString(tracefs.resolve(f), v + "\n");
    }
}

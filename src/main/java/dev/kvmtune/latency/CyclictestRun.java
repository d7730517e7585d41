package dev.kvmtune.latency;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * One cyclictest run as kvmtune reads it: where it came from, the cyclictest version and command
 * line when known, and one entry per measuring thread.
 *
 * @param histogramBuckets number of 1 µs buckets of the -h histogram (0 without one); latencies at
 *                         or above it are overflows
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"source", "format", "version", "cmdline", "histogramBuckets", "threads"})
public record CyclictestRun(String source, String format, String version, String cmdline, int histogramBuckets,
                            List<ThreadResult> threads) {

    /**
     * One measuring thread. Latencies in µs.
     *
     * @param samples        wake-ups measured: the histogram total plus overflows when there is a
     *                       histogram, else the summary's C: count
     * @param histogram      counts per 1 µs bucket, index = latency; null without -h
     * @param overflowCycles the cycle numbers cyclictest lists for overflows (at most its first 1024)
     * @param percentiles    p50 ... p99.99 from the histogram; null without one
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"thread", "tid", "priority", "intervalUs", "cpu", "samples", "min", "avg", "max", "overflows",
            "overflowCycles", "percentiles"})
    public record ThreadResult(int thread, Integer tid, Integer priority, Integer intervalUs, Integer cpu, long samples, long min,
                         double avg, long max, long overflows, List<Long> overflowCycles,
                         Map<String, Percentile> percentiles, @JsonIgnore long[] histogram) {
    }

    /**
     * A percentile read from the histogram. {@code atLeast} is set when the rank falls among the
     * overflows: the latency is then only known to be at or above {@code us}.
     */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record Percentile(long us, boolean atLeast) {
        @Override
        public String toString() {
            return (atLeast ? ">=" : "") + us;
        }
    }

    /** The worst of all threads' maxima. */
    public long max() {
        return threads.stream().mapToLong(ThreadResult::max).max().orElse(0);
    }

    /** All threads' histograms added up, or null when the run has none. */
    public long[] combinedHistogram() {
        if (histogramBuckets == 0) return null;
        long[] sum = new long[histogramBuckets];
        for (ThreadResult t : threads) {
            if (t.histogram() == null) continue;
            for (int i = 0; i < Math.min(sum.length, t.histogram().length); i++) sum[i] += t.histogram()[i];
        }
        return sum;
    }
}

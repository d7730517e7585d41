package dev.kvmtune.exporter;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.latency.CyclictestRun;
import dev.kvmtune.rules.Audit;
import dev.kvmtune.rules.Profile;
import dev.kvmtune.rules.ProfileLoader;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Reads the host once per interval ({@link #collectNow}, on the exporter's own thread) and serves
 * the last reading to every scrape ({@link #collect}): a scrape costs the formatting of what is
 * already there, never a reading of /proc, however many scrapers there are. Each part that fails
 * (facts, audit, latency) is counted in {@code kvmtune_exporter_collect_errors_total} and said once
 * on {@code log}; the others are still served.
 */
public final class Exporter implements MultiCollector {
    /** The largest latency result read; a bigger file is an error, not an out-of-memory. */
    static final long LATENCY_MAX_BYTES = 16L << 20;

    /**
     * @param profile a profile name, or null / "auto" for the audit's own choice
     * @param latency a latency result (kvmtune latency run's BASE.json), or a directory holding such
     *                results or measure bundles (DIR/latency.json); null for none
     */
    public record Options(String profile, Path latency) {
    }

    private final Root root;
    private final Options options;
    private final Consumer<String> log;
    private volatile List<MetricSnapshot> last = List.of();
    private volatile double lastSeconds = Double.NaN;
    private volatile double lastTimestamp = Double.NaN;
    private final AtomicLong collections = new AtomicLong();
    private final AtomicLong scrapes = new AtomicLong();
    private final Map<String, AtomicLong> errors = new TreeMap<>();
    private final Map<String, String> lastError = new TreeMap<>();

    public Exporter(Root root, Options options, Consumer<String> log) {
        this.root = root;
        this.options = options;
        this.log = log;
        for (String part : List.of("facts", "audit", "latency", "metrics")) errors.put(part, new AtomicLong());
    }

    /** One reading of the host, kept for the scrapes until the next. */
    public void collectNow() {
        long t0 = System.nanoTime();
        HostFacts facts = null;
        try {
            facts = HostFactsCollector.collect(root);
        } catch (RuntimeException e) {
            failed("facts", e);
        }
        Audit.Report audit = null;
        if (facts != null) {
            try {
                String[] choice = Audit.chooseProfile(options.profile(), facts, root.exists("dev/kvm"), false);
                Profile p = ProfileLoader.load(choice[0]);
                audit = Audit.run(facts, root, p, choice[1], null);
            } catch (RuntimeException e) {
                failed("audit", e);
            }
        }
        HostMetrics.LatencyResult latency = null;
        if (options.latency() != null) {
            try {
                latency = latest(options.latency());
            } catch (IOException | RuntimeException e) {
                failed("latency", e);
            }
        }
        List<MetricSnapshot> now = List.of();
        if (facts != null) {
            try {
                now = HostMetrics.of(root, facts, audit, latency);
            } catch (RuntimeException e) {
                failed("metrics", e);
            }
        }
        last = now;
        lastSeconds = (System.nanoTime() - t0) / 1e9;
        lastTimestamp = System.currentTimeMillis() / 1000.0;
        collections.incrementAndGet();
    }

    private void failed(String part, Exception e) {
        errors.get(part).incrementAndGet();
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        synchronized (lastError) {
            if (!msg.equals(lastError.put(part, msg))) log.accept("kvmtune: " + part + ": " + msg);
        }
    }

    /** The last reading and the exporter's own counters, as served to a scrape. */
    @Override
    public MetricSnapshots collect() {
        scrapes.incrementAndGet();
        List<MetricSnapshot> all = new ArrayList<>(last);
        all.addAll(own());
        return new MetricSnapshots(all);
    }

    /** The last reading without counting a scrape (for --textfile). */
    public MetricSnapshots snapshot() {
        List<MetricSnapshot> all = new ArrayList<>(last);
        all.addAll(own());
        return new MetricSnapshots(all);
    }

    public long collections() {
        return collections.get();
    }

    private List<MetricSnapshot> own() {
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(CounterSnapshot.builder().name("kvmtune_exporter_collections").help("Readings of the host since the exporter started (one per --interval)")
                .dataPoint(HostMetrics.counter(collections.get())).build());
        CounterSnapshot.Builder err = CounterSnapshot.builder().name("kvmtune_exporter_collect_errors")
                .help("Readings in which a part failed (facts, audit, latency, metrics); the exporter's log says why");
        errors.forEach((part, n) -> err.dataPoint(HostMetrics.counter(n.get(), "part", part)));
        out.add(err.build());
        out.add(CounterSnapshot.builder().name("kvmtune_exporter_scrapes").help("Scrapes served since the exporter started")
                .dataPoint(HostMetrics.counter(scrapes.get())).build());
        if (!Double.isNaN(lastSeconds)) {
            out.add(GaugeSnapshot.builder().name("kvmtune_exporter_last_collect_duration_seconds").unit(Unit.SECONDS)
                    .help("How long the last reading of the host took").dataPoint(HostMetrics.gauge(lastSeconds)).build());
            out.add(GaugeSnapshot.builder().name("kvmtune_exporter_last_collect_timestamp_seconds").unit(Unit.SECONDS)
                    .help("When the last reading of the host ended (Unix time)").dataPoint(HostMetrics.gauge(lastTimestamp)).build());
        }
        return out;
    }

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * --latency checked when the exporter starts, so that a wrong path or a file that is no latency
     * result is refused at once (exit 2, naming it and the line) rather than counted every interval.
     */
    public static void checkLatency(Path p) {
        try {
            latest(p);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new dev.kvmtune.BadInputException(p + ": permission denied");
        } catch (IOException | RuntimeException e) {
            throw new dev.kvmtune.BadInputException("--latency " + (e.getMessage() == null ? p.toString() : e.getMessage()));
        }
    }

    /** The newest latency result at {@code p}: the file itself, or the newest BASE.json / bundle latency.json in the directory. */
    static HostMetrics.LatencyResult latest(Path p) throws IOException {
        if (!Files.isDirectory(p)) return read(p);
        Path best = null;
        long bestTime = Long.MIN_VALUE;
        for (Path c : candidates(p)) {
            long t = Files.getLastModifiedTime(c).toMillis();
            if (t > bestTime) {
                best = c;
                bestTime = t;
            }
        }
        return best == null ? null : read(best);
    }

    private static List<Path> candidates(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path c : ds) {
                String n = c.getFileName().toString();
                if (Files.isRegularFile(c, LinkOption.NOFOLLOW_LINKS) && n.endsWith(".json") && !n.endsWith(".cyclictest.json")
                        && (n.equals("latency.json") || n.startsWith("cyclictest-") || n.startsWith("latency"))) {
                    out.add(c);
                } else if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(c.resolve("latency.json"), LinkOption.NOFOLLOW_LINKS)) {
                    out.add(c.resolve("latency.json"));
                }
            }
        }
        return out;
    }

    private static HostMetrics.LatencyResult read(Path f) throws IOException {
        if (!Files.isRegularFile(f)) throw new IOException(f + ": not a regular file");
        if (Files.size(f) > LATENCY_MAX_BYTES) throw new IOException(f + ": over " + (LATENCY_MAX_BYTES >> 20) + " MiB, not a latency result");
        CyclictestRun run;
        try (InputStream in = Files.newInputStream(f)) {
            run = JSON.readValue(in, CyclictestRun.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(f + (e.getLocation() == null || e.getLocation().getLineNr() < 1 ? "" : ":" + e.getLocation().getLineNr())
                    + ": not a kvmtune latency result: " + dev.kvmtune.util.JsonErrors.describe(e));
        }
        if (run.threads() == null) throw new IOException(f + ": not a kvmtune latency result: no \"threads\"");
        return new HostMetrics.LatencyResult(f.toString(), run, Files.getLastModifiedTime(f).toMillis());
    }
}

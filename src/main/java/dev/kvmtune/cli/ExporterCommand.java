package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.ExitCodes;
import dev.kvmtune.exporter.Exporter;
import dev.kvmtune.exporter.HttpGuard;
import dev.kvmtune.facts.cpu.IsolationReader;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.OutputFile;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune exporter}: the host's tuning state for Prometheus, over HTTP and/or node_exporter's textfile collector. */
@Command(name = "exporter", addMethodSubcommands = false, mixinStandardHelpOptions = true,
        description = {"Serve this host's tuning state as Prometheus metrics: the audit's findings by rule and severity, timer",
            "ticks, IPIs and device interrupts on the isolated and vCPU CPUs, each VM's vCPU run-queue delay and memory",
            "(guest RAM, resident, hugetlb, per NUMA node), and the last latency result. The host is read once per",
            "--interval on the exporter's own thread; scrapes are served from that reading. Read-only; loopback unless",
            "--listen says otherwise; kvmtune moves itself off the isolated and nohz_full CPUs first.",
            "The metrics: docs/exporter.md.",
            "",
            "Examples:",
            "  kvmtune exporter                                   # http://127.0.0.1:9477/metrics",
            "  kvmtune exporter --textfile /var/lib/node_exporter/textfile --listen none",
            "  kvmtune exporter --textfile /var/lib/node_exporter/textfile --once   # from cron",
            "  kvmtune exporter --latency /var/lib/kvmtune/measure --profile realtime-virtual-host"})
public final class ExporterCommand implements Callable<Integer> {
    /** The port kvmtune asks for by default (none of node_exporter's, libvirt-exporter's or Prometheus's). */
    static final int DEFAULT_PORT = 9477;

    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", defaultValue = "127.0.0.1:" + DEFAULT_PORT, paramLabel = "HOST:PORT",
            description = "Where to serve /metrics (default: ${DEFAULT-VALUE}); port 0 picks a free one; 'none' serves nothing (--textfile only).")
    String listen;

    @Option(names = "--interval", defaultValue = "15s", converter = Converters.Seconds.class,
            description = "How often to read the host (default: ${DEFAULT-VALUE}); at least 1s.")
    Duration interval;

    @Option(names = "--textfile", paramLabel = "DIR",
            description = "Also write the metrics to DIR/kvmtune.prom after each reading (atomically: node_exporter's textfile collector).")
    Path textfile;

    @Option(names = "--once", description = "Read the host once, write --textfile, and exit.")
    boolean once;

    @Option(names = "--profile", paramLabel = "NAME", description = "The audit's profile (default: the audit's own choice).")
    String profile;

    @Option(names = "--latency", paramLabel = "PATH",
            description = "A latency result (latency run's BASE.json), or a directory of them or of measure bundles: the newest is exported.")
    Path latency;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (interval.toMillis() < 1000) throw new BadInputException("--interval must be at least 1s");
        if (once && textfile == null) throw new BadInputException("--once writes --textfile DIR; give it");
        if (latency != null) {
            if (!Files.exists(latency)) throw new BadInputException(latency + ": --latency: no such file or directory");
            Exporter.checkLatency(latency);
        }
        if (textfile != null) {
            if (!Files.isDirectory(textfile)) throw new BadInputException(textfile + ": --textfile must name a directory (the file is DIR/kvmtune.prom)");
            OutputFile.checkDerived(textfile.resolve("kvmtune.prom"));
        }
        InetAddress address = null;
        int port = -1;
        if (!once && !listen.equals("none")) {
            int colon = listen.lastIndexOf(':');
            if (colon <= 0) throw new BadInputException("--listen " + listen + ": give HOST:PORT, e.g. 127.0.0.1:" + DEFAULT_PORT);
            String host = listen.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            try {
                port = Integer.parseInt(listen.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) throw new BadInputException("--listen " + listen + ": the port must be 0 to 65535");
            try {
                address = InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new BadInputException("--listen " + listen + ": unknown host " + host);
            }
        } else if (textfile == null) {
            throw new BadInputException("--listen none serves nothing; give --textfile DIR");
        }
        PrintWriter err = spec.commandLine().getErr();
        Root root = parent.openRoot();
        if (root.isLive()) {
            // never on the CPUs being kept quiet
            CpuSet online = CpuSet.parseList(root.read("sys/devices/system/cpu/online").map(String::strip).orElse("0"));
            CpuSet housekeeping = online.minus(IsolationReader.kernelIsolated(root));
            if (!housekeeping.isEmpty() && !housekeeping.equals(online) && !TicksCommand.taskset(housekeeping)) {
                err.println("kvmtune: could not move myself to the housekeeping CPUs " + housekeeping.toList() + " with taskset");
            }
        }
        Exporter exporter = new Exporter(root, new Exporter.Options(profile, latency), line -> {
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        });
        if (once) {
            exporter.collectNow();
            writeTextfile(exporter);
            err.println("kvmtune: wrote " + textfile.resolve("kvmtune.prom"));
            err.flush();
            root.close();
            return ExitCodes.OK;
        }
        ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kvmtune-exporter-reader"));
        ExecutorService scrapers = Executors.newFixedThreadPool(2, r -> daemon(r, "kvmtune-exporter-http"));
        HTTPServer server = null;
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "kvmtune-exporter-stop");
        try {
            exporter.collectNow();
            if (textfile != null) writeTextfile(exporter);
            reader.scheduleWithFixedDelay(() -> {
                exporter.collectNow();
                if (textfile != null) {
                    try {
                        writeTextfile(exporter);
                    } catch (RuntimeException e) {
                        synchronized (err) {
                            err.println("kvmtune: " + e.getMessage());
                            err.flush();
                        }
                    }
                }
            }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
            if (address != null) {
                PrometheusRegistry registry = new PrometheusRegistry();
                registry.register(exporter);
                try {
                    server = HTTPServer.builder().inetAddress(address).port(port).registry(registry).executorService(scrapers)
                            .authenticator(HttpGuard.readOnly()).defaultHandler(HttpGuard.landing()).buildAndStart();
                } catch (BindException e) {
                    throw new BadInputException("--listen " + listen + ": " + (e.getMessage() == null ? "cannot listen there" : e.getMessage().toLowerCase(java.util.Locale.ROOT)));
                }
                String shown = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
                err.println("kvmtune: serving http://" + shown + ":" + server.getPort() + "/metrics, reading the host every "
                        + interval.toSeconds() + "s" + (textfile != null ? ", writing " + textfile.resolve("kvmtune.prom") : ""));
            } else {
                err.println("kvmtune: writing " + textfile.resolve("kvmtune.prom") + " every " + interval.toSeconds() + "s");
            }
            err.flush();
            Runtime.getRuntime().addShutdownHook(hook);
            stop.await();
            return ExitCodes.OK;
        } finally {
            if (server != null) server.close();
            reader.shutdownNow();
            scrapers.shutdownNow();
            root.close();
        }
    }

    private void writeTextfile(Exporter exporter) {
        var snapshot = exporter.snapshot();
        OutputFile.writeDerived(textfile.resolve("kvmtune.prom"), out -> PrometheusTextFormatWriter.create().write(out, snapshot));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}

package dev.kvmtune.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.kvmtune.BadInputException;
import dev.kvmtune.apply.Journal;
import dev.kvmtune.exits.ExitInputs;
import dev.kvmtune.exits.Warnings;
import dev.kvmtune.facts.snapshot.SnapshotRoot;
import dev.kvmtune.facts.vm.DomainXml;
import dev.kvmtune.facts.vm.Qcow2;
import dev.kvmtune.facts.vm.QemuArgs;
import dev.kvmtune.flame.PerfCollapse;
import dev.kvmtune.latency.CyclictestParser;
import dev.kvmtune.plan.PlanFile;
import dev.kvmtune.qemutrace.SimpleTraceReader;
import dev.kvmtune.qemutrace.TraceEventsFile;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of every parser that reads a user's file: whatever the bytes, the
 * parser returns or throws {@link BadInputException} (exit 2 with a message); any other exception,
 * a hang or an OutOfMemoryError is a finding. Plain {@code ./mvnw verify} runs each target on its
 * checked-in inputs (src/test/resources/dev/kvmtune/fuzz/ParsersFuzzTestInputs/METHOD/: real files
 * and the crashes found so far); {@code JAZZER_FUZZ=1} fuzzes one target (docs/fuzzing.md).
 */
class ParsersFuzzTest {
    private static final List<dev.kvmtune.qemutrace.TraceEvent> EVENTS =
            TraceEventsFile.read(Path.of("src/test/resources/qemutrace/trace-events"));

    private interface Parse {
        void run() throws Exception;
    }

    /** Bad input is allowed to be refused, with a message; nothing else may escape. */
    private static void refusedOrParsed(Parse p) throws Exception {
        try {
            p.run();
        } catch (BadInputException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) throw new AssertionError("a refusal without a message", expected);
        }
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @FuzzTest(maxDuration = "10s")
    void snapshot(byte[] data) throws Exception {
        refusedOrParsed(() -> SnapshotRoot.open(new ByteArrayInputStream(data), "fuzz.tar.gz").read("proc/cmdline"));
    }

    @FuzzTest(maxDuration = "10s")
    void profile(byte[] data) throws Exception {
        // a user's profile file: read from the YAML parser's tokens, then merged with the built-in it extends
        Path file = Files.createTempFile("fuzz", ".yaml");
        try {
            Files.write(file, data);
            refusedOrParsed(() -> dev.kvmtune.rules.ProfileLoader.load(file.toString()));
        } finally {
            Files.delete(file);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void plan(byte[] data) throws Exception {
        refusedOrParsed(() -> PlanFile.parse(text(data), "plan.json"));
    }

    @FuzzTest(maxDuration = "10s")
    void journal(byte[] data) throws Exception {
        Path f = Files.createTempFile("kvmtune-fuzz", ".jsonl");
        try {
            Files.write(f, data);
            refusedOrParsed(() -> Journal.status(Journal.read(f)));
        } finally {
            Files.delete(f);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void cyclictest(byte[] data) throws Exception {
        refusedOrParsed(() -> CyclictestParser.parse(text(data), "cyclictest.txt"));
    }

    @FuzzTest(maxDuration = "10s")
    void exits(byte[] data) throws Exception {
        refusedOrParsed(() -> ExitInputs.read(new BufferedInputStream(new ByteArrayInputStream(data), 1 << 16), "exits.txt", null, new Warnings()));
    }

    @FuzzTest(maxDuration = "10s")
    void domainXml(byte[] data) throws Exception {
        refusedOrParsed(() -> DomainXml.parse(text(data), "domain.xml"));
    }

    /**
     * A QEMU process's command line as /proc/PID/cmdline holds it (arguments ending in NUL bytes), with its JSON option
     * arguments: any process on the host can be named qemu-system-x86_64 and carry any arguments.
     */
    @FuzzTest(maxDuration = "10s")
    void qemuArgs(byte[] data) throws Exception {
        refusedOrParsed(() -> QemuArgs.parse(List.of(text(data).split("\0", -1)), 1, "proc/1/cmdline",
                path -> new QemuArgs.Mount("hugetlbfs", 2L << 20)));
    }

    @FuzzTest(maxDuration = "10s")
    void qcow2(byte[] data) throws Exception {
        refusedOrParsed(() -> Qcow2.parse(data, "disk.qcow2"));
    }

    @FuzzTest(maxDuration = "10s")
    void perfScript(byte[] data) throws Exception {
        refusedOrParsed(() -> new PerfCollapse(PerfCollapse.Options.defaults(), m -> { }).read(new ByteArrayInputStream(data), "perf.txt"));
    }

    /** Folded stacks (or perf script) to a flame graph: refused with a message, or an SVG that is well-formed XML. */
    @FuzzTest(maxDuration = "10s")
    void foldedSvg(byte[] data) throws Exception {
        refusedOrParsed(() -> {
            boolean reverse = data.length > 0 && (data[0] & 1) != 0;
            dev.kvmtune.flame.FlameGraph g = new dev.kvmtune.flame.FlameGraph(new dev.kvmtune.flame.FlameGraph.Options("t", null, 1200,
                    dev.kvmtune.flame.FlameGraph.Palette.java, reverse, false, "samples", 0.1));
            dev.kvmtune.flame.Folded.read(new ByteArrayInputStream(data), "stacks.folded", m -> { }, g::add);
            if (g.total() == 0) return;
            java.io.ByteArrayOutputStream svg = new java.io.ByteArrayOutputStream();
            g.writeSvg(svg);
            javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.toByteArray()));
        });
    }

    @FuzzTest(maxDuration = "10s")
    void traceEvents(byte[] data) throws Exception {
        refusedOrParsed(() -> TraceEventsFile.parse(text(data), "trace-events"));
    }

    @FuzzTest(maxDuration = "10s")
    void simpleTrace(byte[] data) throws Exception {
        refusedOrParsed(() -> new SimpleTraceReader(EVENTS, false).read(new ByteArrayInputStream(data), "trace", r -> { }));
    }

    /** The memory files of proc: smaps, smaps_rollup, status, numa_maps, ksm_stat, meminfo. */
    @FuzzTest(maxDuration = "10s")
    void procMemory(byte[] data) throws Exception {
        String t = text(data);
        refusedOrParsed(() -> {
            dev.kvmtune.facts.memory.Smaps.totals(dev.kvmtune.facts.memory.Smaps.parse(t));
            dev.kvmtune.facts.memory.Smaps.kbFields(t);
            dev.kvmtune.facts.memory.NumaMaps.parse(t).totalKb();
            var k = dev.kvmtune.facts.memory.KsmStat.parse(t);
            k.mergingPages();
            k.profitBytes();
            k.mergeable();
        });
    }

    /** An smemcap archive (a plain tar) read as mem reads it: every process's smaps, then each view. */
    @FuzzTest(maxDuration = "10s")
    void smemcap(byte[] data) throws Exception {
        refusedOrParsed(() -> {
            try (var root = SnapshotRoot.open(new ByteArrayInputStream(data), "memorycapture.tar")) {
                var reading = dev.kvmtune.facts.memory.ProcessMemoryReader.read(root, dev.kvmtune.facts.memory.ProcessMemoryReader.Options.all(
                        dev.kvmtune.facts.memory.ProcessMemoryReader.Depth.SMAPS, true));
                dev.kvmtune.memory.MemViews.processes(reading.processes(), List.of()).sorted("pss", false).totals();
                dev.kvmtune.memory.MemViews.users(reading.processes(), List.of()).sorted("user", true).totals();
                dev.kvmtune.memory.MemViews.mappings(reading.samples(), null, List.of()).sorted("map", false).totals();
                dev.kvmtune.memory.MemViews.system(dev.kvmtune.facts.memory.SystemMemory.areas(root, null), List.of());
            }
        });
    }

    /** proc/interrupts, proc/softirqs and proc/stat, read twice (the second reading the same bytes cut short) and reported. */
    @FuzzTest(maxDuration = "10s")
    void interrupts(byte[] data) throws Exception {
        String t = text(data);
        refusedOrParsed(() -> {
            var a = new dev.kvmtune.irq.IrqReport.Reading(dev.kvmtune.facts.irq.InterruptsReader.parse(t, "proc/interrupts"),
                    dev.kvmtune.facts.irq.SoftirqsReader.parse(t), dev.kvmtune.facts.irq.CpuTimes.parse(t), 0);
            String half = t.substring(0, t.length() / 2);
            var b = new dev.kvmtune.irq.IrqReport.Reading(dev.kvmtune.facts.irq.InterruptsReader.parse(half, "proc/interrupts"),
                    dev.kvmtune.facts.irq.SoftirqsReader.parse(half), dev.kvmtune.facts.irq.CpuTimes.parse(half), 1_000_000_000L);
            dev.kvmtune.irq.IrqReport.build("fuzz", a, b, List.of(), java.util.Map.of(), null, null, java.util.Map.of(), null);
            dev.kvmtune.irq.IrqReport.build("fuzz", a, null, List.of(), java.util.Map.of(), null, null, java.util.Map.of(), null);
        });
    }

    /** perf sched latency's table and a thread's schedstat line. */
    @FuzzTest(maxDuration = "10s")
    void perfSched(byte[] data) throws Exception {
        String t = text(data);
        refusedOrParsed(() -> {
            dev.kvmtune.latency.PerfSchedLatency.parse(t);
            dev.kvmtune.facts.proc.SchedstatReader.parse(t);
        });
    }

    /** A bundle whose manifest (and, the same bytes, its ticks and threads parts) is the input, compared and rendered. */
    @FuzzTest(maxDuration = "10s")
    void bundle(byte[] data) throws Exception {
        Path dir = Files.createTempDirectory("kvmtune-fuzz-bundle");
        try {
            Files.write(dir.resolve("manifest.json"), data);
            Files.write(dir.resolve("ticks.json"), data);
            Files.write(dir.resolve("threads-x.json"), data);
            refusedOrParsed(() -> {
                var b = dev.kvmtune.report.Bundle.open(dir);
                var c = dev.kvmtune.report.Comparison.of(List.of(b), false);
                dev.kvmtune.report.HtmlReport.render(c, List.of(b));
            });
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) Files.delete(p);
            }
            Files.delete(dir);
        }
    }
}

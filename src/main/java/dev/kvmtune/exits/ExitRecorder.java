package dev.kvmtune.exits;

import dev.kvmtune.exits.ExitProfile.Source;
import dev.kvmtune.facts.vm.qmp.Qmp;
import dev.kvmtune.facts.vm.qmp.QmpClient;
import dev.kvmtune.facts.vm.qmp.QmpException;
import dev.kvmtune.util.Numbers;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * Records one running VM's exits for a while from every source asked for, at the same time:
 * tracefs (exit reasons, entries, MSRs), QMP query-stats (KVM's per-vCPU counters, sampled at
 * start and end), debugfs {@code kvm/PID-FD/} (the same counters where QMP is not there). Each
 * source's outcome is kept in the recording, so "nothing seen" is said, not shown as an empty table.
 */
public final class ExitRecorder {
    public enum SourceKind { TRACEFS, QMP, DEBUGFS }

    /** The VM: its QEMU pid, all its thread ids, its QMP socket (may be null) and what the diagnosis should know. */
    /** @param accel the VM's accelerator from its command line (kvm, tcg, ...), or null when unknown */
    public record Target(int pid, List<Integer> tids, Path qmp, VmContext context, String accel) {

        /** Why a source saw nothing when the VM does not run under KVM at all; null when it does or it is unknown. */
        String notKvm() {
            return accel == null || accel.startsWith("kvm") ? null
                    : "the VM runs under " + accel + ", not KVM: KVM sees none of its exits (start it with -accel kvm)";
        }
    }

    /**
     * @param tracing tracefs mount (null: find or mount it)
     * @param debugfs debugfs kvm directory (normally /sys/kernel/debug/kvm)
     * @param noHist  stream trace_pipe even where hist triggers exist
     */
    public record Options(Duration duration, Set<SourceKind> sources, Path tracing, Path debugfs, boolean noHist, Duration qmpTimeout) {
    }

    private final List<Source> outcomes = new ArrayList<>();
    private volatile TracefsSession session;

    /** Stops a recording in progress from another thread (a shutdown hook): the trace instance is removed. */
    public void abort() {
        TracefsSession s = session;
        if (s != null) s.close();
    }

    /** @param tick called about once a second with the seconds elapsed */
    public ExitProfile record(Target t, Options o, Warnings warnings, LongConsumer tick) throws InterruptedException {
        ExitTally tally = new ExitTally(null);
        Set<SourceKind> want = o.sources().isEmpty() ? EnumSet.allOf(SourceKind.class) : o.sources();
        try {
            if (want.contains(SourceKind.TRACEFS)) startTracefs(t, o, tally, warnings);
            Map<String, Map<String, Long>> qmpStart = want.contains(SourceKind.QMP) ? qmpSample(t, o, "start") : null;
            Map<String, Long> dbgStart = want.contains(SourceKind.DEBUGFS) ? debugfsSample(t, o, "start") : null;
            long t0 = System.nanoTime();
            long end = t0 + o.duration().toNanos();
            long next = 1;
            while (System.nanoTime() < end) {
                long left = end - System.nanoTime();
                Thread.sleep(Math.max(1, Math.min(left / 1_000_000, 250)));
                long s = (System.nanoTime() - t0) / 1_000_000_000L;
                if (s >= next) {
                    tick.accept(s);
                    next = s + 1;
                }
            }
            Map<String, Map<String, Long>> qmpEnd = qmpStart != null ? qmpSample(t, o, "end") : null;
            Map<String, Long> dbgEnd = dbgStart != null ? debugfsSample(t, o, "end") : null;
            double seconds = (System.nanoTime() - t0) / 1e9;
            finishTracefs(t, tally, warnings);
            boolean qmpCounters = false;
            if (qmpStart != null && qmpEnd != null) qmpCounters = qmpDeltas(qmpStart, qmpEnd, tally);
            if (dbgStart != null && dbgEnd != null) {
                if (qmpCounters) outcome("debugfs", "ok", "read, counters taken from QMP (the same KVM statistics)");
                else {
                    for (var e : dbgEnd.entrySet()) tally.counter(e.getKey(), e.getValue() - dbgStart.getOrDefault(e.getKey(), 0L));
                }
            }
            ExitProfile p = tally.profile("live:" + t.pid(), "recording", Math.round(seconds * 1000) / 1000.0, "recording");
            return new ExitProfile(ExitProfile.MARKER, p.input(), "recording", List.copyOf(outcomes), p.isa(), p.seconds(), "recording",
                    t.context(), p.events(), p.reasons(), p.counters(), p.msrs(), p.unknownLines(), p.notes());
        } finally {
            abort();
            if (session != null && !session.cleanupErrors().isEmpty()) {
                for (String e : session.cleanupErrors()) warnings.once("cleanup " + e, "tracefs cleanup: " + e);
            }
        }
    }

    private void startTracefs(Target t, Options o, ExitTally tally, Warnings warnings) {
        StringBuilder why = new StringBuilder();
        Path tracing = o.tracing() != null ? o.tracing() : TracefsSession.tracefs(why);
        if (tracing == null) {
            outcome("tracefs", "unavailable", why.toString());
            return;
        }
        try {
            session = TracefsSession.start(tracing, "kvmtune-exits-" + t.pid(), t.tids(), o.noHist());
            session.stream(tally, warnings);
        } catch (IOException e) {
            abort();
            session = null;
            outcome("tracefs", "failed", describe(e));
        }
    }

    private void finishTracefs(Target t, ExitTally tally, Warnings warnings) {
        if (session == null) return;
        try {
            long before = tally.events();
            session.finish(tally, warnings, new ExitFormat.Options(null));
            long got = tally.events() - before;
            String mode = session.usesHist() ? "hist trigger in " + session.instance() : "trace_pipe of " + session.instance();
            if (tally.events() == 0) {
                outcome("tracefs", "empty", "no kvm_exit events for this VM through the " + mode + " ("
                        + (t.notKvm() != null ? t.notKvm() : "a nested or paravirtualized KVM may not emit them; the QMP counters still count exits") + ")");
            } else {
                outcome("tracefs", "ok", (session.usesHist() ? got : tally.events()) + " exits through the " + mode);
            }
        } catch (IOException e) {
            outcome("tracefs", "failed", describe(e));
        } finally {
            abort();
        }
    }

    private Map<String, Map<String, Long>> qmpSample(Target t, Options o, String when) {
        if (t.qmp() == null) {
            if (when.equals("start")) outcome("qmp", "unavailable", "the VM has no QMP socket kvmtune can reach (-qmp unix:PATH,server=on,wait=off)");
            return null;
        }
        try (QmpClient c = QmpClient.connect(t.qmp(), o.qmpTimeout())) {
            Map<String, Map<String, Long>> byPath = Qmp.stats(c, "vcpu");
            Map<String, Map<String, Long>> out = new TreeMap<>(ExitReport::compareSlots);
            Map<String, Integer> index = new LinkedHashMap<>();
            for (Qmp.Vcpu v : Qmp.vcpus(c)) index.put(v.qomPath(), v.index());
            for (var e : byPath.entrySet()) {
                Integer i = index.get(e.getKey());
                out.put(i == null ? e.getKey() : "vcpu " + i, e.getValue());
            }
            if (out.isEmpty()) {
                outcome("qmp", "empty", "query-stats gave no vCPU statistics (" + (t.notKvm() != null ? t.notKvm() : "QEMU 7.1+ with KVM needed") + ")");
                return null;
            }
            return out;
        } catch (QmpException e) {
            if (when.equals("start")) outcome("qmp", "failed", t.qmp() + ": " + e.getMessage());
            else outcome("qmp", "failed", "at the end: " + t.qmp() + ": " + e.getMessage());
            return null;
        }
    }

    private boolean qmpDeltas(Map<String, Map<String, Long>> start, Map<String, Map<String, Long>> end, ExitTally tally) {
        long exits = 0;
        for (var v : end.entrySet()) {
            Map<String, Long> s = start.getOrDefault(v.getKey(), Map.of());
            for (String name : Qmp.EXIT_COUNTERS) {
                Long b = v.getValue().get(name);
                if (b == null) continue;
                long d = b - s.getOrDefault(name, 0L);
                tally.counter(name, v.getKey(), d);
                if (name.equals("exits")) exits += d;
            }
        }
        outcome("qmp", exits > 0 ? "ok" : "empty", "query-stats of " + end.size() + " vCPUs at start and end: " + exits + " exits");
        return true;
    }

    private Map<String, Long> debugfsSample(Target t, Options o, String when) {
        Path kvm = o.debugfs();
        if (!Files.isDirectory(kvm)) {
            if (when.equals("start")) outcome("debugfs", "unavailable", kvm + " missing (debugfs not mounted: mount -t debugfs none /sys/kernel/debug)");
            return null;
        }
        Map<String, Long> out = new TreeMap<>();
        try (DirectoryStream<Path> vms = Files.newDirectoryStream(kvm, t.pid() + "-*")) {
            boolean any = false;
            for (Path dir : vms) {
                any = true;
                for (String name : Qmp.EXIT_COUNTERS) {
                    Path f = dir.resolve(name);
                    if (!Files.exists(f)) continue;
                    long v = Numbers.parseLong(Files.readString(f), -1);
                    if (v >= 0) out.merge(name, v, Long::sum);
                }
            }
            if (!any) {
                if (when.equals("start")) outcome("debugfs", "unavailable", kvm + "/" + t.pid() + "-*: no directory for this VM");
                return null;
            }
        } catch (AccessDeniedException e) {
            if (when.equals("start")) outcome("debugfs", "unreadable", describe(e));
            return null;
        } catch (IOException | NumberFormatException e) {
            if (when.equals("start")) outcome("debugfs", "unreadable", describe(e));
            return null;
        }
        if (when.equals("end") && outcomes.stream().noneMatch(s -> s.name().equals("debugfs"))) outcome("debugfs", "ok", kvm + "/" + t.pid() + "-*");
        return out;
    }

    private void outcome(String name, String status, String detail) {
        outcomes.removeIf(s -> s.name().equals(name));
        outcomes.add(new Source(name, status, detail));
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) m = f.getFile() + ": " + f.getReason();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}

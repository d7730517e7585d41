package dev.kvmtune.cli;

import dev.kvmtune.facts.vm.Vm;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Text for {@code kvmtune vms} and {@code kvmtune threads}. */
final class VmText {
    private VmText() {
    }

    static String vms(List<VmFacts> vms) {
        if (vms.isEmpty()) return "No VMs: no QEMU process and no libvirt domain file.\n";
        StringBuilder sb = new StringBuilder();
        for (VmFacts f : vms) {
            Vm v = f.vm();
            sb.append(f.label()).append("  ").append(f.state());
            if (v.pid() != null) sb.append("  pid ").append(v.pid());
            if (v.domainXml() != null) sb.append("  ").append(v.domainXml());
            sb.append('\n');
            if (f.state().equals("unreadable")) {
                v.notUnderstood().forEach(n -> sb.append("  ").append(n).append('\n'));
                continue;
            }
            line(sb, "accel", v.accel() + (v.machine() == null ? "" : ", machine " + v.machine()));
            if (v.cpu() != null) {
                line(sb, "cpu", (v.cpu().model() == null ? "default" : v.cpu().model()) + flags(v.cpu().flags()));
            }
            line(sb, "vcpus", v.vcpus() + topology(v.smp()));
            Vm.Memory m = v.memory();
            if (m != null) {
                StringBuilder mem = new StringBuilder(m.bytes() == null ? "?" : size(m.bytes()));
                mem.append(", ").append(m.backend());
                if (m.memPath() != null) mem.append(" ").append(m.memPath());
                mem.append(Boolean.TRUE.equals(m.hugepages()) ? ", hugepages" + (m.pageSize() == null ? "" : " " + size(m.pageSize()))
                        : Boolean.FALSE.equals(m.hugepages()) ? ", no hugepages" : "");
                if (m.hostNodes() != null) mem.append(", host nodes ").append(m.hostNodes().toList())
                        .append(m.policy() == null ? "" : " (" + m.policy() + ")");
                if (Boolean.TRUE.equals(m.prealloc())) mem.append(", prealloc");
                if (Boolean.TRUE.equals(m.share())) mem.append(", shared");
                if (Boolean.TRUE.equals(m.locked())) mem.append(", locked");
                if (Boolean.TRUE.equals(m.cpuPm())) mem.append(", cpu-pm=on");
                line(sb, "memory", mem.toString());
            }
            for (Vm.NumaCell c : v.numa()) {
                line(sb, "numa", "node " + c.id() + " cpus " + (c.cpus() == null ? "?" : c.cpus().toList())
                        + (c.bytes() == null ? "" : " " + size(c.bytes())) + (c.hostNodes() == null ? "" : " on host node " + c.hostNodes().toList()));
            }
            for (Vm.Nic n : v.nics()) {
                line(sb, "nic", join(n.id(), n.model() == null ? "default model" : n.model(), n.backend() == null ? null : "backend " + n.backend(),
                        n.vhost() == null ? null : "vhost=" + (n.vhost() ? "on" : "off"), n.queues() == null ? null : "queues=" + n.queues()));
            }
            for (Vm.Disk d : v.disks()) {
                line(sb, "disk", join(d.id(), d.bus(), d.cdrom() ? "cdrom" : null, d.file(), d.format(),
                        d.cache() == null ? null : "cache=" + d.cache(), d.aio() == null ? null : "aio=" + d.aio(),
                        d.iothread() == null ? null : "iothread=" + d.iothread(),
                        d.l2CacheSize() == null ? null : "l2-cache-size=" + d.l2CacheSize()));
            }
            if (!v.iothreads().isEmpty()) line(sb, "iothreads", String.join(", ", v.iothreads()));
            line(sb, "balloon", v.balloon() == null ? "none" : v.balloon());
            if (!v.usb().isEmpty()) line(sb, "usb", String.join(", ", v.usb()));
            if (v.display() != null) line(sb, "display", v.display());
            if (!v.qmp().isEmpty()) line(sb, "qmp", String.join(", ", v.qmp()));
            if (v.timers() != null && !v.timers().isEmpty()) line(sb, "timers", flags(v.timers()).strip());
            Vm.Pinning p = v.pinning();
            if (p != null) {
                List<String> pins = new ArrayList<>();
                p.vcpupin().forEach((k, s) -> pins.add("vCPU" + k + "→" + s.toList()));
                if (p.emulatorpin() != null) pins.add("emulator→" + p.emulatorpin().toList());
                p.iothreadpin().forEach((k, s) -> pins.add(k + "→" + s.toList()));
                if (p.vcpuDefault() != null) pins.add("default→" + p.vcpuDefault().toList());
                line(sb, "pins", pins.isEmpty() ? "none" : String.join(" ", pins));
                if (!p.vcpusched().isEmpty()) line(sb, "vcpusched", p.vcpusched().toString());
            }
            VmFacts.QmpInfo q = f.qmp();
            if (q != null) {
                if (q.error() != null) {
                    line(sb, "qmp", "not asked: " + q.error());
                } else if (q.vmStats() != null) {
                    line(sb, "kvm stats", "QEMU " + q.qemuVersion() + ", per vCPU (query-stats):");
                    q.vcpuStats().forEach((cpu, st) -> sb.append("    vCPU").append(cpu).append(": exits ").append(st.getOrDefault("exits", 0L))
                            .append(", halt_exits ").append(st.getOrDefault("halt_exits", 0L))
                            .append(", io_exits ").append(st.getOrDefault("io_exits", 0L))
                            .append(", mmio_exits ").append(st.getOrDefault("mmio_exits", 0L))
                            .append(", irq_exits ").append(st.getOrDefault("irq_exits", 0L))
                            .append(", insn_emulation ").append(st.getOrDefault("insn_emulation", 0L)).append('\n'));
                }
            }
            if (!f.threads().isEmpty()) {
                line(sb, "threads", f.byRole("vcpu").size() + " vCPU, " + f.byRole("iothread").size() + " iothread, "
                        + f.threads().stream().filter(t -> t.group().equals("emulator")).count() + " emulator, "
                        + (f.byRole("vhost").size()) + " vhost (kvmtune threads)");
            }
            for (String n : v.notUnderstood()) line(sb, "not read", n);
            sb.append('\n');
        }
        return sb.toString();
    }

    static String threads(List<VmFacts> vms, List<ThreadsCommand.VmThreads> delays) {
        if (vms.isEmpty()) return "No running QEMU process.\n";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < vms.size(); i++) {
            VmFacts f = vms.get(i);
            ThreadsCommand.VmThreads d = delays.get(i);
            Map<Integer, ThreadsCommand.RunDelay> byTid = new java.util.HashMap<>();
            for (ThreadsCommand.RunDelay r : d.runDelay()) byTid.put(r.tid(), r);
            sb.append(f.label()).append("  pid ").append(f.vm().pid());
            sb.append(d.intervalNs() == null ? "  (run-queue wait since each thread started)"
                    : String.format("  (run-queue wait over %.1f s)", d.intervalNs() / 1e9)).append('\n');
            sb.append(String.format("  %-8s %-12s %-18s %-9s %4s  %-6s %4s %10s %10s %12s%n", "TID", "ROLE", "NAME", "ALLOWED", "LAST", "POLICY",
                    "PRIO", "VOLUNTARY", "INVOLUNT.", "RUNQ WAIT"));
            for (VmThread t : f.threads()) {
                String role = switch (t.role()) {
                    case "vcpu" -> "vcpu " + t.vcpu();
                    case "iothread" -> "io " + t.iothread();
                    default -> t.role();
                };
                if (t.roleFrom().equals("qmp")) role += "*";
                sb.append(String.format("  %-8d %-12s %-18s %-9s %4d  %-6s %4d %10d %10d %12s%n", t.tid(), role, t.comm(),
                        t.allowed() == null ? "?" : t.allowed().toList(), t.lastCpu(), t.policy(), t.priority(),
                        t.voluntarySwitches(), t.involuntarySwitches(), wait(byTid.get(t.tid()))));
            }
            d.runDelay().stream().filter(r -> r.missing() != null).findFirst()
                    .ifPresent(r -> sb.append("  n/a: ").append(r.missing()).append('\n'));
            if (f.threads().stream().anyMatch(t -> t.roleFrom().equals("qmp"))) {
                sb.append("  * role from QMP (QEMU runs without -name ...,debug-threads=on)\n");
            }
            if (f.byRole("vcpu").isEmpty()) {
                sb.append("  no vCPU thread found: start QEMU with -name NAME,debug-threads=on, or give it a QMP socket\n");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Milliseconds waited, with the share of the interval when sampled; "n/a" when schedstat was absent or unparseable. */
    private static String wait(ThreadsCommand.RunDelay r) {
        if (r == null || r.waitNs() == null) return "n/a";
        String ms = String.format(java.util.Locale.ROOT, "%.1f ms", r.waitNs() / 1e6);
        return r.waitShare() == null ? ms : ms + String.format(java.util.Locale.ROOT, " %.1f%%", 100 * r.waitShare());
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(String.format("  %-10s %s%n", key, value));
    }

    private static String flags(Map<String, Boolean> flags) {
        if (flags == null || flags.isEmpty()) return "";
        StringBuilder sb = new StringBuilder();
        flags.forEach((k, on) -> sb.append(' ').append(on ? '+' : '-').append(k));
        return sb.toString();
    }

    private static String topology(Vm.Topology t) {
        if (t == null || (t.sockets() | t.cores() | t.threads()) == 0) return "";
        return " (" + Math.max(t.sockets(), 1) + " sockets × " + Math.max(t.cores(), 1) + " cores × " + Math.max(t.threads(), 1) + " threads)";
    }

    static String size(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) return bytes / (1L << 30) + " GiB";
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) return bytes / (1L << 20) + " MiB";
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) return bytes / (1L << 10) + " KiB";
        return bytes + " B";
    }

    private static String join(String... parts) {
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            if (p == null) continue;
            if (sb.length() > 0) sb.append(' ');
            sb.append(p);
        }
        return sb.toString();
    }
}

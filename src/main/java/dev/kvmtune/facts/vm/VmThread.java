package dev.kvmtune.facts.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.proc.ProcessReader;
import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One thread that works for a VM, with its role. QEMU names its threads when started with
 * {@code -name ...,debug-threads=on} (libvirt always does): "CPU 2/KVM" (vCPU 2), "IO iothread1"
 * (that iothread), "worker" (the thread pool), "call_rcu", "vnc_worker", "SPICE Worker". The
 * kernel adds "vhost-PID" (vhost-net/-scsi workers: kernel threads before Linux 6.4, threads of
 * the QEMU process since) and "kvm-nx-lpage-re" (huge page recovery) and "kvm-pit/PID".
 *
 * @param role   vcpu, iothread, main, monitor (the QMP out-of-band iothread), call_rcu, worker, vnc, spice, migration, vhost, kvm-kernel,
 *               or emulator for any other QEMU thread
 * @param vcpu   vCPU index for role vcpu
 * @param iothread iothread id for role iothread
 * @param roleFrom how the role was told: name, qmp (query-cpus-fast / query-iothreads thread-id), or kernel (a kernel thread named after the pid)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VmThread(int tid, String comm, String role, Integer vcpu, String iothread, String roleFrom, CpuSet allowed,
                       int lastCpu, SchedPolicy policy, int priority, long voluntarySwitches, long involuntarySwitches) {

    private static final Pattern VCPU = Pattern.compile("^CPU (\\d+)/(KVM|TCG|HVF|WHPX|NVMM|HAX)$");
    private static final Pattern IOTHREAD = Pattern.compile("^IO (.+)$");

    /** vCPU, iothread, or the emulator threads libvirt's emulatorpin covers (everything else of QEMU's own). */
    public String group() {
        return switch (role) {
            case "vcpu", "iothread", "vhost", "kvm-kernel" -> role;
            default -> "emulator";
        };
    }

    /**
     * Roles for the threads of one QEMU process.
     *
     * @param tasks       the process's threads
     * @param kernel      kernel threads on the host (for vhost-PID and kvm-pit/PID kernel threads)
     * @param qmpVcpus    vCPU index → thread id from QMP query-cpus-fast, or empty
     * @param qmpIothreads iothread id → thread id from QMP query-iothreads, or empty
     */
    public static List<VmThread> roles(int pid, List<ProcessReader.Task> tasks, List<ProcessReader.Task> kernel,
                                       Map<Integer, Integer> qmpVcpus, Map<String, Integer> qmpIothreads) {
        List<VmThread> out = new ArrayList<>();
        for (ProcessReader.Task t : tasks) {
            String comm = t.comm();
            String role;
            Integer vcpu = null;
            String io = null;
            String from = "name";
            Matcher m;
            Integer qv = keyOf(qmpVcpus, t.tid());
            String qi = keyOf(qmpIothreads, t.tid());
            if ((m = VCPU.matcher(comm)).matches()) {
                role = "vcpu";
                long n = Numbers.parseLong(m.group(1), -1);
                vcpu = n >= 0 && n <= Integer.MAX_VALUE ? (int) n : null;
            } else if (qv != null) {
                role = "vcpu";
                vcpu = qv;
                from = "qmp";
            } else if (qi != null) {
                role = "iothread";
                io = qi;
                from = "qmp";
            } else if (comm.equals("IO mon_iothread")) {
                role = "monitor";
            } else if ((m = IOTHREAD.matcher(comm)).matches()) {
                role = "iothread";
                io = m.group(1);
            } else if (t.tid() == pid) {
                role = "main";
            } else if (comm.equals("call_rcu")) {
                role = "call_rcu";
            } else if (comm.equals("worker")) {
                role = "worker";
            } else if (comm.equals("vnc_worker")) {
                role = "vnc";
            } else if (comm.startsWith("SPICE")) {
                role = "spice";
            } else if (comm.equals("live_migration") || comm.startsWith("multifd") || comm.startsWith("mig/")
                    || comm.equals("return path")) {
                role = "migration";
            } else if (comm.startsWith("vhost-")) {
                role = "vhost";
            } else if (comm.startsWith("kvm-nx-lpage") || comm.startsWith("kvm-pit")) {
                role = "kvm-kernel";
            } else {
                role = "emulator";
            }
            out.add(of(t, role, vcpu, io, from));
        }
        for (ProcessReader.Task k : kernel) {
            String c = k.comm();
            if (c.equals("vhost-" + pid)) out.add(of(k, "vhost", null, null, "kernel"));
            else if (c.equals("kvm-pit/" + pid)) out.add(of(k, "kvm-kernel", null, null, "kernel"));
        }
        return out;
    }

    /** This list with roles told by QMP for threads their names did not tell (no debug-threads=on). */
    public static List<VmThread> withQmp(List<VmThread> threads, Map<Integer, Integer> qmpVcpus, Map<String, Integer> qmpIothreads) {
        List<VmThread> out = new ArrayList<>();
        for (VmThread t : threads) {
            Integer v = keyOf(qmpVcpus, t.tid());
            String io = keyOf(qmpIothreads, t.tid());
            if (v != null && !t.role().equals("vcpu")) {
                t = new VmThread(t.tid(), t.comm(), "vcpu", v, null, "qmp", t.allowed(), t.lastCpu(), t.policy(), t.priority(),
                        t.voluntarySwitches(), t.involuntarySwitches());
            } else if (io != null && !t.role().equals("iothread")) {
                t = new VmThread(t.tid(), t.comm(), "iothread", null, io, "qmp", t.allowed(), t.lastCpu(), t.policy(), t.priority(),
                        t.voluntarySwitches(), t.involuntarySwitches());
            }
            out.add(t);
        }
        return out;
    }

    private static <K> K keyOf(Map<K, Integer> map, int tid) {
        for (Map.Entry<K, Integer> e : map.entrySet()) {
            if (e.getValue() == tid) return e.getKey();
        }
        return null;
    }

    private static VmThread of(ProcessReader.Task t, String role, Integer vcpu, String io, String from) {
        return new VmThread(t.tid(), t.comm(), role, vcpu, io, from, t.allowed(), t.lastCpu(), t.policy(), t.priority(),
                t.voluntarySwitches(), t.involuntarySwitches());
    }
}

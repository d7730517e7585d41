package dev.kvmtune.facts.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.kvmtune.util.CpuSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One virtual machine as kvmtune sees it: the same model whether it was read from a running QEMU's
 * command line or from a libvirt domain XML. Fields the source does not say are null (not
 * defaults), so a rule can tell "not set" from "set to the default".
 *
 * @param source    {@code proc/<pid>/cmdline} or the domain XML path
 * @param pinning   libvirt {@code <cputune>}; null for a bare QEMU (its pins are its threads' affinity)
 * @param timers    clock timers by name: kvmclock, hpet, pit, rtc, tsc, hypervclock → present (true/false)
 * @param features  machine features that are not CPU flags: apic-eoi, pmu, kvm-hint-dedicated,
 *                  kvm-poll-control ... → on/off
 * @param notUnderstood arguments or elements kvmtune could not read into the model, with why
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "pid", "source", "domainXml", "binary", "accel", "machine", "cpu", "smp", "memory", "numa",
        "nics", "disks", "iothreads", "balloon", "usb", "display", "qmp", "monitors", "pinning", "timers", "features",
        "notUnderstood"})
public record Vm(
        String name,
        Integer pid,
        String source,
        String domainXml,
        String binary,
        String accel,
        String machine,
        CpuModel cpu,
        Topology smp,
        Memory memory,
        List<NumaCell> numa,
        List<Nic> nics,
        List<Disk> disks,
        List<String> iothreads,
        String balloon,
        List<String> usb,
        String display,
        List<String> qmp,
        List<String> monitors,
        Pinning pinning,
        Map<String, Boolean> timers,
        Map<String, Boolean> features,
        List<String> notUnderstood) {

    /**
     * @param model  QEMU -cpu model (host, qemu64, Skylake-Server, ...) or libvirt mode
     *               (host-passthrough, host-model, custom:NAME)
     * @param flags  CPU properties by canonical name (underscores as dashes: kvm-pv-eoi, x2apic,
     *               kvmclock, pmu, kvm-hint-dedicated) → on/off
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CpuModel(String model, Map<String, Boolean> flags) {
        /** The flag by any spelling (kvm_pv_eoi, kvm-pv-eoi); null when not mentioned. */
        public Boolean flag(String name) {
            return flags.get(canonical(name));
        }

        public static String canonical(String flag) {
            return flag.toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** -smp / libvirt vcpu and cpu topology; zero means not given. */
    public record Topology(int cpus, int maxcpus, int sockets, int dies, int cores, int threads) {
    }

    /**
     * @param backend   ram (anonymous), file, memfd
     * @param hugepages backed by hugetlbfs (a mem-path on a hugetlbfs mount, memfd hugetlb=on, or
     *                  libvirt {@code <hugepages/>}); null when it cannot be told
     * @param pageSize  hugepage size in bytes when stated (hugetlbsize, libvirt page size)
     * @param hostNodes host NUMA nodes the memory is bound to (host-nodes / numatune nodeset)
     * @param policy    bind, preferred, interleave, strict, restrictive
     * @param locked    -overcommit mem-lock=on, -realtime mlock=on, libvirt {@code <locked/>}
     * @param cpuPm     -overcommit cpu-pm=on (guest may halt/mwait without exiting)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Memory(Long bytes, String backend, String memPath, Boolean hugepages, Long pageSize, Boolean prealloc,
                         Boolean share, CpuSet hostNodes, String policy, Boolean locked, Boolean cpuPm) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NumaCell(int id, CpuSet cpus, Long bytes, String memdev, CpuSet hostNodes) {
    }

    /**
     * @param model   e1000, e1000e, rtl8139, virtio-net-pci, ...
     * @param backend netdev type: tap, user, bridge, vhost-user, network, direct
     * @param vhost   vhost=on/off (libvirt driver name='vhost'|'qemu'); null when not said
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Nic(String id, String model, String backend, Boolean vhost, Integer queues) {
        public boolean virtio() {
            return model != null && model.startsWith("virtio-net");
        }
    }

    /**
     * @param bus       virtio-blk, virtio-scsi, scsi, ide, sata, nvme, usb, floppy
     * @param cache     the -drive cache= mode (none, writeback, writethrough, directsync, unsafe),
     *                  derived from cache.direct / cache.no-flush / write-cache when those were given
     * @param direct    O_DIRECT on the image (cache.direct)
     * @param aio       threads, native, io_uring
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Disk(String id, String bus, String device, String file, String format, String cache, Boolean direct,
                       String aio, String iothread, Long l2CacheSize, Long refcountCacheSize, Long cacheCleanInterval,
                       boolean cdrom) {
    }

    /**
     * libvirt {@code <cputune>}: which host CPUs each vCPU, the emulator threads and each iothread
     * may run on, and the vCPU scheduler.
     *
     * @param vcpusched vCPU number → policy[:priority] (fifo:1)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Pinning(Map<Integer, CpuSet> vcpupin, CpuSet emulatorpin, Map<String, CpuSet> iothreadpin,
                          Map<Integer, String> vcpusched, CpuSet vcpuDefault) {
        /** Where vCPU {@code vcpu} may run: its vcpupin, else the vcpu element's cpuset, else {@code all}. */
        public CpuSet vcpu(int vcpu, CpuSet all) {
            if (vcpupin.containsKey(vcpu)) return vcpupin.get(vcpu);
            return vcpuDefault != null ? vcpuDefault : all;
        }

        /** As {@link #vcpu} for pins that may be absent altogether (no cputune): {@code all}. */
        public static CpuSet vcpu(Pinning p, int vcpu, CpuSet all) {
            return p == null ? all : p.vcpu(vcpu, all);
        }
    }

    /** A domain file that could not be read: only where it is and why. */
    public static Vm unreadable(String source, String why) {
        return new Vm(null, null, source, source, null, null, null, null, null, null, List.of(), List.of(), List.of(), List.of(),
                null, List.of(), null, List.of(), List.of(), null, null, null, List.of(why));
    }

    /** Number of vCPUs at start; 1 when nothing says otherwise (QEMU's default). */
    public int vcpus() {
        return smp == null || smp.cpus() <= 0 ? 1 : smp.cpus();
    }

    /** Both machine features and CPU flags are looked up by {@link #enabled}. */
    public Boolean enabled(String name) {
        String c = CpuModel.canonical(name);
        if (features != null && features.containsKey(c)) return features.get(c);
        return cpu == null ? null : cpu.flag(c);
    }
}

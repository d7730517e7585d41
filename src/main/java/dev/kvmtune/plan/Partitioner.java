package dev.kvmtune.plan;

import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Splits a host between housekeeping and VMs. The rules, in order:
 * <ul>
 * <li>CPUs move in whole cores: a core's SMT siblings are all housekeeping or all isolated. A realtime
 *     VM gets one vCPU per core; the core's other threads stay isolated and idle, so no sibling
 *     competes with a vCPU for the core's execution units.</li>
 * <li>The boot CPU's core is housekeeping, and every node that hosts a VM keeps
 *     {@code housekeepingCoresPerNode} cores for the host's threads, the emulator threads and
 *     device interrupts. A node without VMs is all housekeeping.</li>
 * <li>A realtime VM's vCPUs and hugepages come from one node. Larger VMs are placed first, each on
 *     the node that fits it most tightly (then the lowest node id), so the result does not depend on
 *     the order of the request.</li>
 * <li>Other VMs float over the housekeeping CPUs of the node holding their hugepages, or over all
 *     housekeeping CPUs when their memory is not bound. Their hugepages come from a node with CPUs:
 *     a memory-only node (CXL) is taken only when the request names it.</li>
 * </ul>
 */
public final class Partitioner {
    /**
     * @param housekeepingCoresPerNode cores each VM-hosting node keeps for the host (at least 1)
     * @param isolate                  the profile isolates CPUs (realtime-virtual-host); without it
     *                                 realtime VMs are refused and nothing is isolated
     * @param hostReserveKb            memory per node kept out of hugepages for the host
     */
    /** @param assumeNodeKb memory taken for a node whose size the tree does not show (--assume-node-memory); 0 refuses to guess */
    public record Options(int housekeepingCoresPerNode, boolean isolate, long hostReserveKb, long assumeNodeKb) {
        public static final long DEFAULT_RESERVE_KB = 1L << 20;

        public Options {
            if (housekeepingCoresPerNode < 1) throw new IllegalArgumentException("housekeeping cores per node must be at least 1");
        }

        public Options(int housekeepingCoresPerNode, boolean isolate, long hostReserveKb) {
            this(housekeepingCoresPerNode, isolate, hostReserveKb, 0);
        }
    }

    private static final long GIB_KB = 1L << 20;
    private static final long MIB2_KB = 2048;

    private Partitioner() {
    }

    public static Partition partition(HostTopology host, List<VmRequest> requests, Options opt) {
        checkNames(requests);
        List<HostTopology.Core> cores = host.cores();
        if (cores.isEmpty()) throw new PlanException("the host has no online CPU to plan for");
        Map<Integer, List<HostTopology.Core>> coresByNode = new TreeMap<>();
        for (HostTopology.Core c : cores) coresByNode.computeIfAbsent(c.node(), k -> new ArrayList<>()).add(c);
        HostTopology.Core bootCore = cores.stream().filter(c -> c.threads().contains(host.bootCpu())).findFirst().orElse(cores.get(0));

        Map<Integer, Long> freeKb = new TreeMap<>();
        java.util.Set<Integer> unknownMemory = new java.util.TreeSet<>();
        List<String> assumed = new ArrayList<>();
        long knownKb = 0;
        for (HostTopology.Node n : host.nodes()) {
            long memKb = n.memKb();
            if (memKb < 0 && opt.assumeNodeKb() > 0) {
                memKb = opt.assumeNodeKb();
                assumed.add(String.valueOf(n.id()));
            }
            if (memKb < 0) unknownMemory.add(n.id());
            else knownKb += memKb;
            freeKb.put(n.id(), Math.max(0, memKb - opt.hostReserveKb()));
        }
        long hostKb = unknownMemory.isEmpty() ? knownKb : 0;
        for (VmRequest vm : requests) {
            // a VM larger than the whole host cannot run at all, hugepages or not (unknown host memory is not a reason)
            if (hostKb > 0 && vm.memoryKb() > hostKb) {
                throw new PlanException("VM " + vm.name() + " asks for " + gib(vm.memoryKb()) + " of memory; the host has " + gib(hostKb) + " in all");
            }
        }
        List<String> notes = new ArrayList<>();
        if (!assumed.isEmpty()) {
            notes.add("node" + (assumed.size() == 1 ? " " : "s ") + String.join(", ", assumed) + ": memory not in the tree; "
                    + gib(opt.assumeNodeKb()) + " assumed (--assume-node-memory)");
        }

        // Realtime VMs first, largest first; ties by name, so the request order does not matter.
        List<VmRequest> rt = requests.stream().filter(VmRequest::rt).sorted(Comparator.comparingInt(VmRequest::vcpus).reversed()
                .thenComparing(Comparator.comparingLong(VmRequest::memoryBytes).reversed()).thenComparing(VmRequest::name)).toList();
        if (!rt.isEmpty() && !opt.isolate()) {
            throw new PlanException("VM " + rt.get(0).name() + " is realtime, but this profile does not isolate CPUs; use --profile realtime-virtual-host");
        }
        Map<Integer, List<HostTopology.Core>> taken = new HashMap<>();
        Map<String, Placed> placed = new HashMap<>();
        for (VmRequest vm : rt) {
            long pageKb = pageSize(host, vm, true);
            long needKb = roundUp(vm.memoryKb(), pageKb);
            Integer best = null;
            int bestLeft = Integer.MAX_VALUE;
            List<String> shortfalls = new ArrayList<>();
            for (var e : coresByNode.entrySet()) {
                int node = e.getKey();
                if (vm.node() != null && vm.node() != node) continue;
                int keep = opt.housekeepingCoresPerNode();
                int usable = e.getValue().size() - keep - taken.getOrDefault(node, List.of()).size();
                long mem = freeKb.getOrDefault(node, 0L);
                List<String> shortHere = new ArrayList<>();
                if (usable < vm.vcpus()) {
                    shortHere.add("cores: " + Math.max(0, usable) + " free of " + e.getValue().size() + " (" + keep + " kept for housekeeping)");
                }
                if (unknownMemory.contains(node)) {
                    shortHere.add("memory: unknown (the tree has no sys/devices/system/node/node" + node + "/meminfo; --assume-node-memory SIZE plans anyway)");
                } else if (mem < needKb) {
                    shortHere.add("memory: " + gib(mem) + " free for hugepages");
                }
                if (!shortHere.isEmpty()) {
                    shortfalls.add("node " + node + " " + String.join(", ", shortHere));
                    continue;
                }
                int left = usable - vm.vcpus();
                if (left < bestLeft) {
                    best = node;
                    bestLeft = left;
                }
            }
            if (best == null) {
                String where = vm.node() != null && !coresByNode.containsKey(vm.node()) ? "node " + vm.node() + " has no online CPU"
                        : String.join("; ", shortfalls);
                throw new PlanException("VM " + vm.name() + " needs " + vm.vcpus() + " isolated core" + (vm.vcpus() == 1 ? "" : "s") + " and "
                        + gib(needKb) + " of " + pageName(pageKb) + " hugepages on one NUMA node; no node has them (" + where + ")");
            }
            List<HostTopology.Core> nodeCores = coresByNode.get(best);
            List<HostTopology.Core> used = taken.computeIfAbsent(best, k -> new ArrayList<>());
            List<HostTopology.Core> mine = new ArrayList<>();
            // Housekeeping keeps the node's first cores (the boot core among them); vCPUs take the next free ones.
            List<HostTopology.Core> candidates = candidates(nodeCores, bootCore, opt.housekeepingCoresPerNode());
            for (HostTopology.Core c : candidates) {
                if (mine.size() == vm.vcpus()) break;
                if (!used.contains(c)) mine.add(c);
            }
            used.addAll(mine);
            speedNote(vm, nodeCores, mine, cores).ifPresent(notes::add);
            freeKb.merge(best, -needKb, Long::sum);
            placed.put(vm.name(), new Placed(best, mine, pageKb, needKb / pageKb));
        }

        // Isolated = the cores realtime VMs took; everything else online is housekeeping.
        CpuSet isolated = CpuSet.EMPTY;
        for (List<HostTopology.Core> l : taken.values()) for (HostTopology.Core c : l) isolated = isolated.union(c.threads());
        CpuSet online = host.online();
        CpuSet housekeeping = online.minus(isolated);
        CpuSet offline = CpuSet.EMPTY;
        for (HostTopology.Cpu c : host.cpus()) if (!c.online()) offline = offline.union(CpuSet.of(c.cpu()));

        // Other VMs: hugepages on the node with the most free memory, CPUs from its housekeeping set.
        List<VmRequest> others = requests.stream().filter(v -> !v.rt()).sorted(Comparator.comparingLong(VmRequest::memoryBytes).reversed()
                .thenComparing(VmRequest::name)).toList();
        for (VmRequest vm : others) {
            if (vm.hugepages() < 0) {
                placed.put(vm.name(), new Placed(vm.node(), List.of(), 0, 0));
                continue;
            }
            long pageKb = pageSize(host, vm, false);
            long needKb = roundUp(vm.memoryKb(), pageKb);
            Integer best = null;
            for (var e : freeKb.entrySet()) {
                if (vm.node() != null && vm.node() != e.getKey().intValue()) continue;
                // a node without CPUs (CXL or other memory-only node) is far from every vCPU: only when asked for
                if (vm.node() == null && !coresByNode.containsKey(e.getKey())) continue;
                if (e.getValue() >= needKb && (best == null || e.getValue() > freeKb.get(best))) best = e.getKey();
            }
            if (best == null) {
                if (vm.hugepages() > 0 || vm.node() != null) {
                    throw new PlanException("VM " + vm.name() + " needs " + gib(needKb) + " of " + pageName(pageKb) + " hugepages on "
                            + (vm.node() != null ? "node " + vm.node() : "one NUMA node") + "; the most any node has free is "
                            + gib(freeKb.values().stream().mapToLong(Long::longValue).max().orElse(0)));
                }
                notes.add(vm.name() + ": no node has " + gib(needKb) + " free for hugepages, so its memory is normal pages (KSM can share them)");
                placed.put(vm.name(), new Placed(null, List.of(), 0, 0));
                continue;
            }
            freeKb.merge(best, -needKb, Long::sum);
            placed.put(vm.name(), new Placed(best, List.of(), pageKb, needKb / pageKb));
        }

        List<Partition.VmPlacement> vms = new ArrayList<>();
        Map<Integer, VcpuAt> vcpuOf = new HashMap<>();
        for (VmRequest vm : requests) {
            Placed p = placed.get(vm.name());
            CpuSet nodeHk = p.node == null ? housekeeping : housekeeping.intersect(nodeCpus(host, p.node));
            if (nodeHk.isEmpty()) nodeHk = housekeeping;
            List<Integer> pins = new ArrayList<>();
            CpuSet vcpuCpus;
            if (vm.rt()) {
                for (int i = 0; i < p.cores.size(); i++) {
                    int cpu = p.cores.get(i).threads().first();
                    pins.add(cpu);
                    vcpuOf.put(cpu, new VcpuAt(vm.name(), i));
                }
                vcpuCpus = CpuSet.of(pins.stream().mapToInt(Integer::intValue).toArray());
            } else {
                vcpuCpus = nodeHk;
                if (vm.vcpus() > nodeHk.size()) {
                    notes.add(vm.name() + ": " + vm.vcpus() + " vCPUs share " + nodeHk.size() + " housekeeping CPU" + (nodeHk.size() == 1 ? "" : "s")
                            + " (" + nodeHk.toList() + ") with the host and the emulator threads");
                }
            }
            vms.add(new Partition.VmPlacement(vm.name(), vm.rt(), vm.vcpus(), vm.memoryKb(), p.node, pins, vcpuCpus, nodeHk,
                    vm.iothreads(), p.pageKb, p.count, vm.vcpus(), vm.disks()));
        }

        List<Partition.CpuRow> rows = new ArrayList<>();
        Map<Integer, HostTopology.Core> coreOf = new HashMap<>();
        for (HostTopology.Core c : cores) for (int t : c.threads()) coreOf.put(t, c);
        for (HostTopology.Cpu c : host.cpus()) {
            String role;
            String vmName = null;
            Integer vcpu = null;
            if (!c.online()) {
                role = "offline";
            } else if (vcpuOf.containsKey(c.cpu())) {
                role = "vcpu";
                vmName = vcpuOf.get(c.cpu()).vm();
                vcpu = vcpuOf.get(c.cpu()).index();
            } else if (isolated.contains(c.cpu())) {
                role = "isolated-spare";
                VcpuAt owner = vcpuOf.get(coreOf.get(c.cpu()).threads().first());
                if (owner != null) vmName = owner.vm();
            } else {
                role = "housekeeping";
            }
            rows.add(new Partition.CpuRow(c.cpu(), c.socket(), c.coreId(), c.node(), role, vmName, vcpu));
        }

        Map<Integer, Map<Long, Long>> pages = new TreeMap<>();
        for (Placed p : placed.values()) {
            if (p.count > 0) pages.computeIfAbsent(p.node, k -> new TreeMap<>()).merge(p.pageKb, p.count, Long::sum);
        }
        List<Partition.Hugepages> hp = new ArrayList<>();
        pages.forEach((node, bySize) -> bySize.forEach((size, count) -> hp.add(new Partition.Hugepages(node, size, count))));
        if (opt.isolate() && rt.isEmpty()) notes.add("no realtime VM was requested, so no CPU is isolated");
        return new Partition(housekeeping, isolated, offline, rows, vms, hp, notes);
    }

    private record Placed(Integer node, List<HostTopology.Core> cores, long pageKb, long count) {
    }

    private record VcpuAt(String vm, int index) {
    }

    /**
     * The node's cores in the order vCPUs take them: after the ones kept for housekeeping (the boot
     * core among those). Where the node's cores differ in speed (hybrid, big.LITTLE), housekeeping
     * keeps the boot core and the slowest ones and vCPUs take the fastest first.
     */
    private static List<HostTopology.Core> candidates(List<HostTopology.Core> nodeCores, HostTopology.Core bootCore, int keep) {
        List<HostTopology.Core> order = new ArrayList<>(nodeCores);
        if (nodeCores.stream().mapToInt(HostTopology.Core::speed).distinct().count() > 1) {
            int kept = order.remove(bootCore) ? 1 : 0;
            order.sort(Comparator.comparingInt(HostTopology.Core::speed).reversed()); // stable: CPU order within a speed
            while (kept < keep && !order.isEmpty()) {
                order.remove(order.size() - 1);
                kept++;
            }
            return order;
        }
        if (order.remove(bootCore)) order.add(0, bootCore);
        return order.subList(Math.min(keep, order.size()), order.size());
    }

    /** On a host whose cores differ in speed: which kind a realtime VM's vCPUs got, and whether it is the fastest. */
    private static Optional<String> speedNote(VmRequest vm, List<HostTopology.Core> nodeCores, List<HostTopology.Core> mine,
                                              List<HostTopology.Core> all) {
        if (all.stream().mapToInt(HostTopology.Core::speed).distinct().count() < 2) return Optional.empty();
        int hostFastest = all.stream().mapToInt(HostTopology.Core::speed).max().orElse(0);
        long slow = mine.stream().filter(c -> c.speed() < hostFastest).count();
        CpuSet cpus = CpuSet.EMPTY;
        for (HostTopology.Core c : mine) cpus = cpus.union(c.threads());
        if (slow == 0) return Optional.of(vm.name() + ": vCPUs on the host's fastest cores (" + cpus.toList() + ")");
        int nodeFastest = nodeCores.stream().mapToInt(HostTopology.Core::speed).max().orElse(0);
        return Optional.of(vm.name() + ": " + slow + " of " + mine.size() + " vCPUs on slower cores (" + cpus.toList() + "): "
                + (nodeFastest < hostFastest ? "its node has none of the fastest kind" : "the node's fastest cores are too few after housekeeping")
                + "; latency will differ between its vCPUs");
    }

    private static CpuSet nodeCpus(HostTopology host, int node) {
        CpuSet s = CpuSet.EMPTY;
        for (HostTopology.Cpu c : host.cpus()) if (c.online() && c.node() == node) s = s.union(CpuSet.of(c.cpu()));
        return s;
    }

    /** 1 GiB pages when the CPU has pdpe1gb and the memory is whole GiB, else 2 MiB; an explicit request is checked. */
    static long pageSize(HostTopology host, VmRequest vm, boolean rt) {
        long kb = vm.memoryKb();
        if (vm.hugepages() == GIB_KB) {
            if (!host.pdpe1gb()) throw new PlanException("VM " + vm.name() + " asks for 1G hugepages, but the CPU lacks the pdpe1gb flag");
            if (kb % GIB_KB != 0) throw new PlanException("VM " + vm.name() + ": memory " + gib(kb) + " is not a whole number of 1G hugepages");
            return GIB_KB;
        }
        if (vm.hugepages() == MIB2_KB || !host.pdpe1gb() || kb % GIB_KB != 0) {
            if (kb % MIB2_KB != 0) throw new PlanException("VM " + vm.name() + ": memory " + kb + "K is not a whole number of 2M hugepages");
            return MIB2_KB;
        }
        return GIB_KB;
    }

    private static long roundUp(long kb, long page) {
        return (kb + page - 1) / page * page;
    }

    private static void checkNames(List<VmRequest> requests) {
        Set<String> seen = new HashSet<>();
        for (VmRequest r : requests) {
            if (!seen.add(r.name())) throw new PlanException("VM " + r.name() + " is named twice");
        }
    }

    /** A page size as the kernel command line writes it: 1G, 2M. */
    public static String pageName(long kb) {
        return kb == GIB_KB ? "1G" : kb == MIB2_KB ? "2M" : kb + "K";
    }

    static String gib(long kb) {
        if (kb % GIB_KB == 0) return (kb / GIB_KB) + " GiB";
        return String.format(java.util.Locale.ROOT, "%.1f GiB", kb / (double) GIB_KB);
    }
}

package dev.kvmtune.facts.vm;

import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Reads a QEMU command line into a {@link Vm}. Option spellings and defaults follow
 * qemu-options.hx and docs/system/invocation: options take one argument except the switches in
 * {@link #SWITCHES}; either one or two leading dashes; a bare word is the first disk image.
 * Nothing here throws on odd input: what cannot be read is listed in {@link Vm#notUnderstood()}.
 */
public final class QemuArgs {
    /** Options without an argument. */
    static final Set<String> SWITCHES = Set.of("enable-kvm", "nodefaults", "no-user-config", "nodefconfig", "nographic",
            "daemonize", "S", "s", "mem-prealloc", "no-reboot", "no-shutdown", "no-hpet", "no-acpi", "usb", "snapshot",
            "full-screen", "no-fd-bootchk", "enable-fips", "only-migratable", "no-quit", "alt-grab", "ctrl-grab",
            "win2k-hack", "no-frame", "version", "h", "help", "preconfig", "enable-sync-profile", "old-param",
            "semihosting", "no-kvm", "no-kvm-irqchip", "no-kvm-pit", "no-kvm-pit-reinjection", "singlestep",
            "one-step", "rtc-td-hack", "no-graphic");

    /** Where a -mem-path points: the filesystem type and its page size (hugetlbfs pagesize=). */
    public record Mount(String fsType, Long pageSize) {
    }

    private final String source;
    private final Function<String, Mount> mounts;
    private final List<String> notUnderstood = new ArrayList<>();
    private final Map<String, Map<String, String>> netdevs = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> drives = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> blockdevs = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> memBackends = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> chardevs = new LinkedHashMap<>();
    private final List<Map<String, String>> devices = new ArrayList<>();
    private final List<Map<String, String>> numaOpts = new ArrayList<>();
    private final List<Map<String, String>> legacyNets = new ArrayList<>();
    private final List<String> iothreads = new ArrayList<>();
    private final List<String> usb = new ArrayList<>();
    private final List<String> qmp = new ArrayList<>();
    private final List<String> monitors = new ArrayList<>();
    private final List<Vm.Nic> nics = new ArrayList<>();
    private final List<Vm.Disk> disks = new ArrayList<>();
    private String name;
    private String accel;
    private String machine;
    private String machineMemdev;
    private Vm.CpuModel cpu;
    private Vm.Topology smp;
    private Long memBytes;
    private String memPath;
    private Boolean prealloc;
    private Boolean memLock;
    private Boolean cpuPm;
    private String display;
    private String balloon;

    private QemuArgs(String source, Function<String, Mount> mounts) {
        this.source = source;
        this.mounts = mounts;
    }

    /**
     * @param argv   the whole command line, argv[0] included
     * @param source where it was read, for the model and messages
     * @param mounts tells what filesystem a -mem-path is on; may answer null
     */
    public static Vm parse(List<String> argv, Integer pid, String source, Function<String, Mount> mounts) {
        return new QemuArgs(source, mounts).read(argv, pid);
    }

    /** True for a QEMU system emulator binary name or path (qemu-system-x86_64, qemu-kvm, kvm). */
    public static boolean isQemu(String argv0) {
        String base = argv0.substring(argv0.lastIndexOf('/') + 1);
        return base.startsWith("qemu-system-") || base.equals("qemu-kvm") || base.equals("kvm");
    }

    private Vm read(List<String> argv, Integer pid) {
        String binary = argv.isEmpty() ? null : argv.get(0);
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            if (!a.startsWith("-") || a.equals("-")) {
                addLegacyDrive("ide", a, false, "hda");
                continue;
            }
            String opt = a.startsWith("--") ? a.substring(2) : a.substring(1);
            String value = null;
            int eq = opt.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = opt.substring(eq + 1);
                opt = opt.substring(0, eq);
            }
            if (SWITCHES.contains(opt)) {
                switchOption(opt);
                continue;
            }
            if (value == null) {
                if (i + 1 >= argv.size()) {
                    notUnderstood.add("-" + opt + ": the option's argument is missing at the end of the command line");
                    break;
                }
                value = argv.get(++i);
            }
            try {
                option(opt, value);
            } catch (QemuOpts.BadOptsException e) {
                notUnderstood.add("-" + opt + " " + value + ": " + e.getMessage());
            }
        }
        resolveDevices();
        return new Vm(name, pid, source, null, binary, accel == null ? "tcg" : accel, machine, cpu, smp, memory(),
                numa(), List.copyOf(nics), List.copyOf(disks), List.copyOf(iothreads), balloon, List.copyOf(usb),
                display, List.copyOf(qmp), List.copyOf(monitors), null, timers(), null, List.copyOf(notUnderstood));
    }

    private void switchOption(String opt) {
        switch (opt) {
            case "enable-kvm" -> accel = accel == null ? "kvm" : accel;
            case "mem-prealloc" -> prealloc = true;
            case "usb" -> usb.add("usb (legacy controller)");
            case "nographic", "no-graphic" -> display = "none";
            default -> {
            }
        }
    }

    private void option(String opt, String value) throws QemuOpts.BadOptsException {
        switch (opt) {
            case "name" -> name = QemuOpts.parse(value, "guest").get("guest");
            case "accel" -> {
                if (accel == null) accel = QemuOpts.parse(value, "accel").get("accel");
            }
            case "machine", "M" -> {
                Map<String, String> m = QemuOpts.parse(value, "type");
                machine = m.getOrDefault("type", machine);
                if (m.containsKey("accel") && accel == null) accel = m.get("accel").split(":")[0];
                if (m.containsKey("memory-backend")) machineMemdev = m.get("memory-backend");
                if (m.containsKey("usb") && Boolean.TRUE.equals(QemuOpts.bool(m.get("usb")))) usb.add("usb (machine option)");
            }
            case "cpu" -> cpu = cpuModel(QemuOpts.parse(value, "model"));
            case "smp" -> smp = topology(QemuOpts.parse(value, "cpus"));
            case "m" -> {
                Map<String, String> m = QemuOpts.parse(value, "size");
                memBytes = QemuOpts.size(m.get("size"), 1L << 20);
                if (m.get("size") != null && memBytes == null) notUnderstood.add("-m " + value + ": size is not a number");
            }
            case "mem-path" -> memPath = value;
            case "overcommit" -> {
                Map<String, String> m = QemuOpts.parse(value, null);
                if (m.containsKey("mem-lock")) memLock = QemuOpts.bool(m.get("mem-lock"));
                if (m.containsKey("cpu-pm")) cpuPm = QemuOpts.bool(m.get("cpu-pm"));
            }
            case "realtime" -> {
                Map<String, String> m = QemuOpts.parse(value, null);
                if (m.containsKey("mlock")) memLock = QemuOpts.bool(m.get("mlock"));
            }
            case "numa" -> numaOpts.add(QemuOpts.parse(value, "type"));
            case "object" -> object(QemuOpts.parse(value, "qom-type"));
            case "netdev" -> {
                Map<String, String> m = QemuOpts.parse(value, "type");
                netdevs.put(m.getOrDefault("id", "netdev" + netdevs.size()), m);
            }
            case "nic" -> {
                Map<String, String> m = QemuOpts.parse(value, "type");
                nics.add(new Vm.Nic(m.get("id"), m.getOrDefault("model", "e1000"), m.get("type"), QemuOpts.bool(m.get("vhost")),
                        intOrNull(m.get("queues"))));
            }
            case "net" -> legacyNets.add(QemuOpts.parse(value, "type"));
            case "device" -> devices.add(QemuOpts.parse(value, "driver"));
            case "drive" -> {
                Map<String, String> m = QemuOpts.parse(value, null);
                drives.put(m.getOrDefault("id", "drive" + drives.size()), m);
            }
            case "blockdev" -> {
                Map<String, String> m = QemuOpts.parse(value, null);
                blockdevs.put(m.getOrDefault("node-name", "node" + blockdevs.size()), m);
            }
            case "hda", "hdb", "hdc", "hdd" -> addLegacyDrive("ide", value, false, opt);
            case "cdrom" -> addLegacyDrive("ide", value, true, "cdrom");
            case "fda", "fdb" -> addLegacyDrive("floppy", value, false, opt);
            case "chardev" -> {
                Map<String, String> m = QemuOpts.parse(value, "backend");
                chardevs.put(m.getOrDefault("id", ""), m);
            }
            case "mon" -> {
                Map<String, String> m = QemuOpts.parse(value, null);
                Map<String, String> chr = chardevs.getOrDefault(m.getOrDefault("chardev", ""), Map.of());
                String where = chr.containsKey("path") ? chr.get("path") : m.getOrDefault("chardev", value);
                if ("control".equals(m.get("mode"))) qmp.add(where);
                else monitors.add(where);
            }
            case "qmp", "qmp-pretty" -> qmp.add(monitorAddress(value));
            case "monitor" -> monitors.add(monitorAddress(value));
            case "display" -> display = QemuOpts.parse(value, "type").get("type");
            case "vnc" -> display = "vnc " + value;
            case "spice" -> display = "spice";
            case "balloon" -> balloon = value.startsWith("none") ? null : "virtio-balloon";
            case "usbdevice" -> usb.add(value);
            case "readconfig" -> notUnderstood.add("-readconfig " + value
                    + ": options in a config file are not read; the VM model may miss devices and settings from it");
            default -> {
            }
        }
    }

    private static String monitorAddress(String value) {
        String v = value.startsWith("unix:") ? value.substring(5) : value;
        int comma = v.indexOf(',');
        return comma < 0 ? v : v.substring(0, comma);
    }

    private void object(Map<String, String> m) {
        String type = m.getOrDefault("qom-type", "");
        String id = m.getOrDefault("id", type);
        if (type.equals("iothread")) iothreads.add(id);
        else if (type.startsWith("memory-backend-")) memBackends.put(id, m);
    }

    static Vm.CpuModel cpuModel(Map<String, String> m) {
        Map<String, Boolean> flags = new TreeMap<>();
        String model = null;
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (e.getKey().equals("model")) {
                model = e.getValue();
                continue;
            }
            Boolean b = QemuOpts.bool(e.getValue());
            if (b != null) flags.put(Vm.CpuModel.canonical(e.getKey()), b);
        }
        return new Vm.CpuModel(model, flags);
    }

    private Vm.Topology topology(Map<String, String> m) {
        int sockets = intOr(m.get("sockets"));
        int dies = intOr(m.get("dies"));
        int cores = intOr(m.get("cores"));
        int threads = intOr(m.get("threads"));
        int cpus = intOr(m.get("cpus"));
        int maxcpus = intOr(m.get("maxcpus"));
        if (cpus == 0 && (sockets | cores | threads) != 0) {
            cpus = Math.max(sockets, 1) * Math.max(dies, 1) * Math.max(cores, 1) * Math.max(threads, 1);
        }
        return new Vm.Topology(cpus, maxcpus, sockets, dies, cores, threads);
    }

    private Vm.Memory memory() {
        Map<String, String> backend = machineMemdev == null ? null : memBackends.get(machineMemdev);
        if (backend == null && !numaOpts.isEmpty()) {
            for (Map<String, String> n : numaOpts) {
                if (n.containsKey("memdev") && memBackends.containsKey(n.get("memdev"))) {
                    backend = memBackends.get(n.get("memdev"));
                    break;
                }
            }
        }
        String kind = "ram";
        String path = memPath;
        Boolean huge = null;
        Long pageSize = null;
        Boolean pre = prealloc;
        Boolean share = null;
        CpuSet hostNodes = null;
        String policy = null;
        Long bytes = memBytes == null ? 128L << 20 : memBytes;
        if (backend != null) {
            String type = backend.get("qom-type");
            kind = type.substring("memory-backend-".length());
            if (backend.containsKey("mem-path")) path = backend.get("mem-path");
            if (backend.containsKey("prealloc")) pre = QemuOpts.bool(backend.get("prealloc"));
            if (backend.containsKey("share")) share = QemuOpts.bool(backend.get("share"));
            if (backend.containsKey("policy")) policy = backend.get("policy");
            if (backend.containsKey("host-nodes")) hostNodes = cpuSetOrNull(backend.get("host-nodes"));
            if (kind.equals("memfd")) {
                huge = Boolean.TRUE.equals(QemuOpts.bool(backend.get("hugetlb")));
                if (huge) pageSize = QemuOpts.size(backend.get("hugetlbsize"), 1);
            }
            if (machineMemdev != null && backend.containsKey("size")) bytes = QemuOpts.size(backend.get("size"), 1);
        } else if (memPath != null) {
            kind = "file";
        }
        if (path != null && huge == null) {
            Mount mount = mounts.apply(path);
            if (mount != null) {
                huge = mount.fsType().equals("hugetlbfs");
                pageSize = huge ? mount.pageSize() : null;
            }
        }
        if (huge == null && kind.equals("ram")) huge = false;
        return new Vm.Memory(bytes, kind, path, huge, pageSize, pre, share, hostNodes, policy, memLock, cpuPm);
    }

    private List<Vm.NumaCell> numa() {
        List<Vm.NumaCell> out = new ArrayList<>();
        for (Map<String, String> n : numaOpts) {
            if (!"node".equals(n.get("type"))) continue;
            int id = n.containsKey("nodeid") ? intOr(n.get("nodeid")) : out.size();
            Long bytes = QemuOpts.size(n.get("mem"), 1L << 20);
            CpuSet hostNodes = null;
            String memdev = n.get("memdev");
            if (memdev != null && memBackends.containsKey(memdev)) {
                Map<String, String> b = memBackends.get(memdev);
                bytes = QemuOpts.size(b.get("size"), 1);
                hostNodes = cpuSetOrNull(b.get("host-nodes"));
            }
            out.add(new Vm.NumaCell(id, cpuSetOrNull(n.get("cpus")), bytes, memdev, hostNodes));
        }
        return out;
    }

    private Map<String, Boolean> timers() {
        if (cpu == null || cpu.flag("kvmclock") == null) return null;
        return Map.of("kvmclock", cpu.flag("kvmclock"));
    }

    private void addLegacyDrive(String bus, String file, boolean cdrom, String id) {
        disks.add(new Vm.Disk(id, bus, bus.equals("ide") ? (cdrom ? "ide-cd" : "ide-hd") : bus, file, null, null, null, null,
                null, null, null, null, cdrom));
    }

    /** Matches devices to their drives, block nodes and netdevs; drives with if= other than none are devices themselves. */
    private void resolveDevices() {
        boolean virtioScsi = devices.stream().anyMatch(d -> d.getOrDefault("driver", "").startsWith("virtio-scsi"));
        boolean ahci = devices.stream().anyMatch(d -> d.getOrDefault("driver", "").equals("ahci"))
                || (machine != null && machine.contains("q35"));
        for (Map<String, String> d : devices) {
            String driver = d.getOrDefault("driver", "");
            if (isNic(driver)) {
                Map<String, String> nd = netdevs.getOrDefault(d.getOrDefault("netdev", ""), Map.of());
                Integer queues = intOrNull(nd.get("queues"));
                nics.add(new Vm.Nic(d.getOrDefault("id", d.get("netdev")), driver, nd.get("type"), QemuOpts.bool(nd.get("vhost")),
                        queues));
            } else if (driver.startsWith("virtio-balloon")) {
                balloon = driver;
            } else if (driver.startsWith("usb-") || driver.endsWith("-xhci") || driver.contains("usb-uhci")
                    || driver.contains("usb-ehci") || driver.contains("usb-ohci")) {
                usb.add(driver);
                if (driver.equals("usb-storage")) disk(d, "usb");
            } else {
                String bus = diskBus(driver, virtioScsi, ahci && d.getOrDefault("bus", "").startsWith("ide.") && machine != null
                        && machine.contains("q35"));
                if (bus != null) disk(d, bus);
            }
        }
        for (Map.Entry<String, Map<String, String>> e : drives.entrySet()) {
            Map<String, String> m = e.getValue();
            String iface = m.getOrDefault("if", "ide");
            if (iface.equals("none")) continue;
            String bus = switch (iface) {
                case "virtio" -> "virtio-blk";
                case "scsi" -> virtioScsi ? "virtio-scsi" : "scsi";
                case "floppy" -> "floppy";
                case "pflash" -> null;
                default -> iface;
            };
            if (bus == null) continue;
            boolean cdrom = "cdrom".equals(m.get("media"));
            disks.add(diskFrom(e.getKey(), bus, iface + (cdrom ? "-cd" : ""), m, null, cdrom, null));
        }
        for (Map<String, String> n : legacyNets) {
            if ("nic".equals(n.get("type"))) {
                nics.add(new Vm.Nic(n.get("name"), n.getOrDefault("model", "e1000"), legacyNetBackend(), null, null));
            }
        }
    }

    private String legacyNetBackend() {
        for (Map<String, String> n : legacyNets) {
            if (!"nic".equals(n.get("type"))) return n.get("type");
        }
        return null;
    }

    static boolean isNic(String driver) {
        return driver.startsWith("virtio-net") || driver.startsWith("e1000") || driver.equals("rtl8139")
                || driver.equals("ne2k_pci") || driver.equals("pcnet") || driver.startsWith("vmxnet3") || driver.equals("igb");
    }

    static String diskBus(String driver, boolean virtioScsi, boolean sata) {
        if (driver.startsWith("virtio-blk") || driver.equals("vhost-user-blk-pci")) return "virtio-blk";
        if (driver.startsWith("ide-")) return sata ? "sata" : "ide";
        if (driver.startsWith("scsi-")) return virtioScsi ? "virtio-scsi" : "scsi";
        if (driver.equals("nvme")) return "nvme";
        if (driver.equals("floppy")) return "floppy";
        return null;
    }

    private void disk(Map<String, String> device, String bus) {
        String ref = device.get("drive");
        String id = device.getOrDefault("id", ref);
        Boolean writeCache = QemuOpts.bool(device.get("write-cache"));
        String iothread = device.get("iothread");
        boolean cdrom = device.getOrDefault("driver", "").endsWith("-cd");
        if (ref != null && drives.containsKey(ref)) {
            Map<String, String> m = drives.get(ref);
            disks.add(diskFrom(id, bus, device.get("driver"), m, writeCache, cdrom || "cdrom".equals(m.get("media")), iothread));
        } else if (ref != null && blockdevs.containsKey(ref)) {
            disks.add(diskFrom(id, bus, device.get("driver"), blockChain(ref), writeCache, cdrom, iothread));
        } else {
            disks.add(new Vm.Disk(id, bus, device.get("driver"), null, null, null, null, null, iothread, null, null, null, cdrom));
            if (ref != null) notUnderstood.add("-device " + device.get("driver") + ",drive=" + ref + ": no -drive or -blockdev with that id");
        }
    }

    /**
     * Flattens a -blockdev graph below one node into -drive style keys: the format node's options
     * as they are, its protocol child's as {@code file.*}, the child found by node-name reference
     * or inline as dotted keys.
     */
    private Map<String, String> blockChain(String nodeName) {
        Map<String, String> top = blockdevs.get(nodeName);
        Map<String, String> out = new LinkedHashMap<>();
        String driver = top.getOrDefault("driver", "");
        if (isProtocol(driver)) {
            out.put("file", top.getOrDefault("filename", top.get("path")));
            copyProtocol(top, "", out);
            out.put("format", "raw");
            return out;
        }
        out.put("format", driver);
        for (Map.Entry<String, String> e : top.entrySet()) {
            if (!e.getKey().startsWith("file")) out.put(e.getKey(), e.getValue());
        }
        String childRef = top.get("file");
        if (childRef != null && blockdevs.containsKey(childRef)) {
            Map<String, String> child = blockdevs.get(childRef);
            if (isProtocol(child.getOrDefault("driver", ""))) {
                out.put("file", child.getOrDefault("filename", child.get("path")));
                copyProtocol(child, "", out);
            } else {
                out.put("file", "node " + childRef);
            }
        } else {
            out.put("file", top.getOrDefault("file.filename", top.getOrDefault("file.path", childRef)));
            copyProtocol(top, "file.", out);
        }
        return out;
    }

    private static void copyProtocol(Map<String, String> node, String prefix, Map<String, String> out) {
        for (String k : List.of("aio", "cache.direct", "cache.no-flush")) {
            String v = node.get(prefix + k);
            if (v != null) out.putIfAbsent(k, v);
        }
    }

    /** Block drivers that reach storage (a protocol node), as opposed to image formats. */
    private static final Set<String> PROTOCOLS = Set.of("file", "host_device", "host_cdrom", "nbd", "iscsi", "rbd", "gluster",
            "nvme", "http", "https", "ssh", "null-co", "null-aio", "io_uring", "nfs");

    private static boolean isProtocol(String driver) {
        return PROTOCOLS.contains(driver);
    }

    private static Vm.Disk diskFrom(String id, String bus, String device, Map<String, String> m, Boolean writeCache,
                                    boolean cdrom, String iothread) {
        String aio = m.getOrDefault("aio", m.get("file.aio"));
        Boolean direct = QemuOpts.bool(m.getOrDefault("cache.direct", m.get("file.cache.direct")));
        Boolean noFlush = QemuOpts.bool(m.getOrDefault("cache.no-flush", m.get("file.cache.no-flush")));
        Boolean writeback = QemuOpts.bool(m.get("cache.writeback"));
        if (writeCache == null) writeCache = writeback;
        String cache = m.get("cache");
        if (cache != null) {
            direct = cache.equals("none") || cache.equals("directsync");
        } else if (direct != null || noFlush != null || writeCache != null) {
            boolean wc = writeCache == null || writeCache;
            if (Boolean.TRUE.equals(noFlush)) cache = "unsafe";
            else if (Boolean.TRUE.equals(direct)) cache = wc ? "none" : "directsync";
            else cache = wc ? "writeback" : "writethrough";
        }
        return new Vm.Disk(id, bus, device, m.get("file"), m.get("format"), cache, direct, aio, iothread,
                QemuOpts.size(m.get("l2-cache-size"), 1), QemuOpts.size(m.get("refcount-cache-size"), 1),
                longOrNull(m.get("cache-clean-interval")), cdrom);
    }

    private static CpuSet cpuSetOrNull(String v) {
        if (v == null) return null;
        try {
            return CpuSet.parseList(v.replace(';', ','));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int intOr(String v) {
        Integer i = intOrNull(v);
        return i == null ? 0 : i;
    }

    private static Integer intOrNull(String v) {
        OptionalLong n = Numbers.parseLong(v);
        return n.isPresent() && n.getAsLong() == (int) n.getAsLong() ? (int) n.getAsLong() : null;
    }

    private static Long longOrNull(String v) {
        OptionalLong n = Numbers.parseLong(v);
        return n.isPresent() ? n.getAsLong() : null;
    }
}

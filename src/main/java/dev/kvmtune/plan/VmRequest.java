package dev.kvmtune.plan;

import dev.kvmtune.BadInputException;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * What one VM needs, from {@code --vm name=rt1,vcpus=4,memory=16G,rt}.
 *
 * @param rt        realtime: vCPUs pinned 1:1 on isolated CPUs of one NUMA node, SCHED_FIFO, hugepages
 * @param node      the NUMA node the VM must use, or null to let the partitioner choose
 * @param iothreads iothreads to define (they run on housekeeping CPUs with the emulator)
 * @param hugepages page size wanted in kB, 0 for "choose", -1 for "no hugepages"
 * @param disks     disk images whose qcow2 cache options the plan sizes
 */
public record VmRequest(String name, int vcpus, long memoryBytes, boolean rt, Integer node, int iothreads, long hugepages,
                        List<String> disks) {

    public static final String SYNTAX = "name=NAME,vcpus=N,memory=SIZE[,rt][,node=N][,iothreads=N][,hugepages=1G|2M|none][,disk=IMAGE]";

    public VmRequest {
        disks = List.copyOf(disks);
    }

    public long memoryKb() {
        return memoryBytes / 1024;
    }

    /** Parses one {@code --vm} value; a bad one is a {@link BadInputException} naming the key. */
    public static VmRequest parse(String spec) {
        String name = null;
        Integer vcpus = null;
        Long memory = null;
        boolean rt = false;
        Integer node = null;
        int iothreads = 0;
        long hugepages = 0;
        List<String> disks = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String part : spec.split(",")) {
            if (part.isBlank()) continue;
            int eq = part.indexOf('=');
            String key = (eq < 0 ? part : part.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? null : part.substring(eq + 1).strip();
            if (!key.equals("disk") && !seen.add(key)) {
                throw new BadInputException("--vm " + spec + ": " + key + "= is given twice (only disk= repeats)");
            }
            switch (key) {
                case "name" -> name = need(spec, key, value);
                case "vcpus" -> vcpus = positive(spec, key, value, 1, 4096);
                case "memory" -> memory = size(spec, key, value);
                case "rt" -> rt = value == null || flag(spec, key, value);
                case "node" -> node = positive(spec, key, value, 0, 1023);
                case "iothreads" -> iothreads = positive(spec, key, value, 0, 64);
                case "hugepages" -> hugepages = pageSize(spec, need(spec, key, value));
                case "disk" -> disks.add(need(spec, key, value));
                default -> throw new BadInputException("--vm " + spec + ": unknown key '" + key + "' (syntax: " + SYNTAX + ")");
            }
        }
        if (name == null) throw new BadInputException("--vm " + spec + ": name= is missing (syntax: " + SYNTAX + ")");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")) {
            throw new BadInputException("--vm " + spec + ": name '" + name + "' must be letters, digits, '_', '.', '+' or '-'");
        }
        return new VmRequest(name, vcpus == null ? 0 : vcpus, memory == null ? 0 : memory, rt, node, iothreads, hugepages, disks);
    }

    /**
     * Fills what the request left out from the VM's domain XML (vCPUs, memory, disk images), and
     * insists on the rest: without a domain, vcpus= and memory= are required.
     */
    public VmRequest complete(dev.kvmtune.facts.vm.Vm domain) {
        int v = vcpus;
        long m = memoryBytes;
        int io = iothreads;
        List<String> d = new ArrayList<>(disks);
        if (domain != null) {
            if (v == 0 && domain.smp() != null) v = domain.smp().maxcpus() > 0 ? domain.smp().maxcpus() : domain.smp().cpus();
            if (m == 0 && domain.memory() != null && domain.memory().bytes() != null) m = domain.memory().bytes();
            for (var disk : domain.disks()) if (disk.file() != null && !disk.cdrom() && !d.contains(disk.file())) d.add(disk.file());
            if (io == 0 && domain.iothreads() != null) io = domain.iothreads().size();
        }
        if (v == 0) throw new BadInputException("--vm " + name + ": vcpus= is missing (syntax: " + SYNTAX + ", or give --xml " + name + "=FILE)");
        if (m == 0) throw new BadInputException("--vm " + name + ": memory= is missing (syntax: " + SYNTAX + ", or give --xml " + name + "=FILE)");
        if (io == 0 && !d.isEmpty()) io = 1; // disk I/O off the vCPU threads
        return new VmRequest(name, v, m, rt, node, io, hugepages, d);
    }

    private static String need(String spec, String key, String value) {
        if (value == null || value.isEmpty()) throw new BadInputException("--vm " + spec + ": " + key + "= needs a value");
        return value;
    }

    private static int positive(String spec, String key, String value, int min, int max) {
        OptionalLong n = Numbers.parseLong(need(spec, key, value));
        if (n.isEmpty() || n.getAsLong() < min || n.getAsLong() > max) {
            throw new BadInputException("--vm " + spec + ": " + key + "=" + value + " is not a number from " + min + " to " + max);
        }
        return (int) n.getAsLong();
    }

    private static long size(String spec, String key, String value) {
        OptionalLong n;
        try {
            n = Numbers.parseSize(need(spec, key, value));
        } catch (ArithmeticException e) {
            n = OptionalLong.empty();
        }
        if (n.isEmpty() || n.getAsLong() < 2L << 20) {
            throw new BadInputException("--vm " + spec + ": " + key + "=" + value + " is not a size of at least 2M (like 4G or 512M)");
        }
        return n.getAsLong();
    }

    private static boolean flag(String spec, String key, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "on", "yes", "true", "1" -> true;
            case "off", "no", "false", "0" -> false;
            default -> throw new BadInputException("--vm " + spec + ": " + key + "=" + value + " is not on or off");
        };
    }

    private static long pageSize(String spec, String value) {
        return switch (value.toUpperCase(Locale.ROOT)) {
            case "1G", "1GB", "1048576K" -> 1048576;
            case "2M", "2MB", "2048K" -> 2048;
            case "NONE", "OFF", "NO" -> -1;
            default -> throw new BadInputException("--vm " + spec + ": hugepages=" + value + " is not 1G, 2M or none");
        };
    }
}

package dev.kvmtune.facts.cpu;

import dev.kvmtune.facts.source.Root;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads {@code /proc/cpuinfo} (arch/x86/kernel/cpu/proc.c; arch/arm64/kernel/cpuinfo.c;
 * arch/powerpc/kernel/setup-common.c): vendor, model name and the flags kvmtune reasons about. x86
 * prints {@code vendor_id}, {@code model name} and {@code flags}; arm64 prints {@code CPU implementer}
 * and {@code Features} instead; POWER names its model in {@code cpu} and has no vendor line.
 */
public final class CpuInfoReader {
    public static final String PATH = "proc/cpuinfo";

    /** CPU flags that matter for virtualization and realtime tuning (Documentation/arch/x86/cpuinfo.rst). */
    public static final List<String> RELEVANT_FLAGS = List.of(
            "vmx", "svm", "x2apic", "pdpe1gb", "pse", "constant_tsc", "nonstop_tsc",
            "tsc_deadline_timer", "hypervisor");

    /**
     * @param arch      the architecture the cpuinfo layout belongs to: x86_64, aarch64, riscv64,
     *                  ppc64le, s390x; null when the layout is none of those
     * @param vendor    vendor_id (x86) or "CPU implementer" (arm64); null when absent
     * @param modelName model name; null when absent
     * @param flags     all flags of the first processor
     * @param relevant  each relevant flag and whether it is present
     */
    public record CpuInfo(String source, String arch, String vendor, String modelName, Set<String> flags, Map<String, Boolean> relevant) {
        public boolean has(String flag) {
            return flags.contains(flag);
        }
    }

    private CpuInfoReader() {
    }

    public static Optional<CpuInfo> read(Root root) {
        return root.read(PATH).map(CpuInfoReader::parse);
    }

    /** Parses the first processor block; the others repeat it on every machine kvmtune targets. */
    static CpuInfo parse(String text) {
        String vendor = null;
        String model = null;
        String part = null;
        String arch = null;
        Set<String> flags = new TreeSet<>();
        boolean seenProcessor = false;
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                if (line.isBlank() && seenProcessor && (vendor != null || !flags.isEmpty())) break;
                continue;
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            switch (key) {
                case "processor" -> seenProcessor = true;
                case "vendor_id", "CPU implementer" -> {
                    if (vendor == null) vendor = value;
                    if (arch == null) arch = key.equals("CPU implementer") ? "aarch64" : value.startsWith("IBM/S390") ? "s390x" : "x86_64";
                }
                case "isa" -> {
                    if (arch == null && value.startsWith("rv64")) arch = "riscv64";
                }
                case "cpu" -> {
                    // POWER: "cpu : POWER9 (architected), altivec supported" is the model lscpu shows
                    if (arch == null && value.startsWith("POWER")) arch = "ppc64le";
                    if (model == null && value.startsWith("POWER")) model = value;
                }
                case "model name" -> {
                    if (model == null) model = value;
                }
                case "CPU part" -> {
                    if (part == null) part = value;
                }
                case "flags", "Features" -> {
                    if (flags.isEmpty()) {
                        for (String f : value.split("\\s+")) {
                            if (!f.isEmpty()) flags.add(f);
                        }
                    }
                }
                default -> {
                }
            }
        }
        if (vendor != null && vendor.startsWith("0x")) {
            // arm64 prints codes: name them as lscpu does, keeping the code when the table lacks it
            if (model == null && part != null) {
                String named = ArmCpuNames.part(vendor, part);
                model = named != null ? named : "part " + part + " of implementer " + vendor;
            }
            String maker = ArmCpuNames.implementer(vendor);
            if (maker != null) vendor = maker;
        }
        // the flags kvmtune checks are x86's; other architectures' feature lists have none of them
        Map<String, Boolean> relevant = new TreeMap<>();
        if (arch == null || arch.equals("x86_64")) for (String f : RELEVANT_FLAGS) relevant.put(f, flags.contains(f));
        return new CpuInfo(PATH, arch, vendor, model, flags, relevant);
    }
}

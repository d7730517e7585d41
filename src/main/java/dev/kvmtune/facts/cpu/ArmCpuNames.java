package dev.kvmtune.facts.cpu;

import dev.kvmtune.util.Numbers;
import java.util.Map;

/**
 * Names for the codes arm64's /proc/cpuinfo prints instead of vendor_id and model name: the
 * {@code CPU implementer} (MIDR_EL1 bits 31:24) and {@code CPU part} (bits 15:4). The numbers are
 * the public ones (Arm's MIDR values, the kernel's arch/arm64/include/asm/cputype.h, util-linux's
 * lscpu), with the names lscpu prints, so that facts agree with lscpu on the same tree.
 */
final class ArmCpuNames {
    private ArmCpuNames() {
    }

    private static final Map<Integer, String> IMPLEMENTERS = Map.ofEntries(
            Map.entry(0x41, "ARM"), Map.entry(0x42, "Broadcom"), Map.entry(0x43, "Cavium"), Map.entry(0x46, "FUJITSU"),
            Map.entry(0x48, "HiSilicon"), Map.entry(0x4e, "NVIDIA"), Map.entry(0x50, "APM"), Map.entry(0x51, "Qualcomm"),
            Map.entry(0x53, "Samsung"), Map.entry(0x56, "Marvell"), Map.entry(0x61, "Apple"), Map.entry(0x69, "Intel"),
            Map.entry(0xc0, "Ampere"));

    /** Parts by implementer << 12 | part. */
    private static final Map<Integer, String> PARTS = Map.ofEntries(
            arm(0xd03, "Cortex-A53"), arm(0xd04, "Cortex-A35"), arm(0xd05, "Cortex-A55"), arm(0xd07, "Cortex-A57"),
            arm(0xd08, "Cortex-A72"), arm(0xd09, "Cortex-A73"), arm(0xd0a, "Cortex-A75"), arm(0xd0b, "Cortex-A76"),
            arm(0xd0c, "Neoverse-N1"), arm(0xd0d, "Cortex-A77"), arm(0xd40, "Neoverse-V1"), arm(0xd41, "Cortex-A78"),
            arm(0xd44, "Cortex-X1"), arm(0xd46, "Cortex-A510"), arm(0xd47, "Cortex-A710"), arm(0xd48, "Cortex-X2"),
            arm(0xd49, "Neoverse-N2"), arm(0xd4a, "Neoverse-E1"), arm(0xd4f, "Neoverse-V2"),
            Map.entry(0x43 << 12 | 0x0a1, "ThunderX 88XX"), Map.entry(0x43 << 12 | 0x0af, "ThunderX2 99xx"),
            Map.entry(0x42 << 12 | 0x516, "ThunderX2"));

    private static Map.Entry<Integer, String> arm(int part, String name) {
        return Map.entry(0x41 << 12 | part, name);
    }

    /** "0x41" → "ARM"; null when the text is not a code or the code is not in the table. */
    static String implementer(String code) {
        Integer c = hex(code);
        return c == null ? null : IMPLEMENTERS.get(c);
    }

    /** The core's name from implementer and part codes; null when either is not a code or the pair is not in the table. */
    static String part(String implementer, String part) {
        Integer i = hex(implementer);
        Integer p = hex(part);
        return i == null || p == null ? null : PARTS.get(i << 12 | p);
    }

    private static Integer hex(String s) {
        if (s == null || !s.strip().matches("0[xX][0-9a-fA-F]{1,4}")) return null;
        return (int) Numbers.parseHex(s).getAsLong();
    }
}

package dev.kvmtune.facts.irq;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.Numbers;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What stands behind each device IRQ: the PCI device that raises it (its MSI/MSI-X vectors under
 * {@code sys/bus/pci/devices/ADDR/msi_irqs/}, or its legacy {@code irq}), the network interface of
 * that device, the NUMA node ({@code proc/irq/N/node}, else the device's {@code numa_node}; -1 means
 * none and is left absent), and whether the kernel manages its affinity (MSI vectors spread by the
 * driver, which refuse a new smp_affinity): the {@code IRQD_AFFINITY_MANAGED} flag in debugfs
 * ({@code sys/kernel/debug/irq/irqs/N}), unknown (absent) when debugfs is not mounted.
 */
public final class IrqDevices {
    private static final Pattern PCI = Pattern.compile("([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7])");

    /** One IRQ's device; what is not known is absent. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Device(int irq, String pci, String nic, Integer node, Boolean managed) {
    }

    private IrqDevices() {
    }

    public static Map<Integer, Device> read(Root root) {
        Map<Integer, String> pciOf = new HashMap<>();
        Map<String, Integer> pciNode = new HashMap<>();
        for (String dev : root.list("sys/bus/pci/devices")) {
            String d = "sys/bus/pci/devices/" + dev;
            for (String irq : root.list(d + "/msi_irqs")) {
                long n = Numbers.parseLong(irq, -1);
                // read, not only listed: the entry's mode (msi, msix) and, through capture, its place in a snapshot
                if (n >= 0 && n <= Integer.MAX_VALUE && root.read(d + "/msi_irqs/" + irq).isPresent()) pciOf.put((int) n, dev);
            }
            root.read(d + "/irq").map(String::strip).map(s -> Numbers.parseLong(s, -1)).filter(n -> n > 0)
                    .ifPresent(n -> pciOf.putIfAbsent(n.intValue(), dev));
            root.read(d + "/numa_node").map(s -> Numbers.parseLong(s.strip(), -1)).filter(n -> n >= 0)
                    .ifPresent(n -> pciNode.put(dev, n.intValue()));
        }
        Map<String, String> nicOf = new HashMap<>();
        for (String nic : root.list("sys/class/net")) {
            Optional<String> link = root.readLink("sys/class/net/" + nic);
            if (link.isEmpty()) continue;
            Matcher m = PCI.matcher(link.get());
            String last = null;
            while (m.find()) last = m.group(1);
            if (last != null) nicOf.merge(last, nic, (a, b) -> a + "," + b);
        }
        Map<Integer, Device> out = new TreeMap<>();
        for (String name : root.list("proc/irq")) {
            long n = Numbers.parseLong(name, -1);
            if (n < 0) continue;
            int irq = (int) n;
            String pci = pciOf.get(irq);
            Integer node = root.read("proc/irq/" + irq + "/node").map(s -> Numbers.parseLong(s.strip(), -1)).filter(v -> v >= 0)
                    .map(Long::intValue).orElse(pci == null ? null : pciNode.get(pci));
            Boolean managed = root.read("sys/kernel/debug/irq/irqs/" + irq).map(t -> t.contains("IRQD_AFFINITY_MANAGED")).orElse(null);
            out.put(irq, new Device(irq, pci, pci == null ? null : nicOf.get(pci), node, managed));
        }
        return out;
    }
}

package dev.kvmtune.facts.irq;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * The receive and transmit steering masks of each network interface's queues
 * (Documentation/networking/scaling.rst): {@code sys/class/net/IF/queues/rx-N/rps_cpus}, the CPUs
 * that RPS hands received packets to (0: RPS off, processed where the IRQ landed), and
 * {@code tx-N/xps_cpus}, the CPUs that transmit through queue N. A mask that cannot be read (a
 * single-queue device without XPS answers ENOENT; some drivers EINVAL) is left absent.
 */
public final class NetQueues {
    /** At most this many queues per interface are read: a hostile tree must not make the reading endless. */
    static final int MAX_QUEUES = 4096;

    /**
     * One queue's mask.
     *
     * @param path root-relative path of the mask file
     * @param kind rps or xps
     * @param mask the CPUs in it, absent when the file could not be read or parsed
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Queue(String nic, String queue, String kind, String path, CpuSet mask) {
    }

    private NetQueues() {
    }

    public static List<Queue> read(Root root) {
        List<Queue> out = new ArrayList<>();
        List<String> nics = new ArrayList<>(root.list("sys/class/net"));
        nics.sort(null);
        for (String nic : nics) {
            if (nic.equals("lo") || nic.contains("/")) continue;
            String base = "sys/class/net/" + nic + "/queues";
            List<String> queues = new ArrayList<>(root.list(base).stream()
                    .filter(q -> (q.startsWith("rx-") || q.startsWith("tx-")) && index(q) >= 0).toList());
            queues.sort((a, b) -> {
                int c = a.substring(0, 2).compareTo(b.substring(0, 2));
                return c != 0 ? c : Long.compare(index(a), index(b));
            });
            int n = 0;
            for (String q : queues) {
                String kind = q.startsWith("rx-") ? "rps" : "xps";
                if (++n > MAX_QUEUES) break;
                String path = base + "/" + q + "/" + kind + "_cpus";
                CpuSet mask = root.read(path).map(String::strip).map(NetQueues::mask).orElse(null);
                if (mask != null || root.exists(path)) out.add(new Queue(nic, q, kind, path, mask));
            }
        }
        return out;
    }

    private static long index(String q) {
        return q.length() < 4 ? -1 : Numbers.parseLong(q.substring(3), -1);
    }

    private static CpuSet mask(String s) {
        try {
            return CpuSet.parseMask(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

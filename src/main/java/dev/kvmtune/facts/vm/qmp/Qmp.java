package dev.kvmtune.facts.vm.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The QMP commands kvmtune uses, with their answers as plain values (qapi/machine.json, qapi/stats.json, qapi/trace.json). */
public final class Qmp {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private Qmp() {
    }

    /** One vCPU as query-cpus-fast gives it: its index, its host thread and its QOM path (which query-stats names). */
    public record Vcpu(int index, int threadId, String qomPath) {
    }

    /** query-cpus-fast. */
    public static List<Vcpu> vcpus(QmpClient c) throws QmpException {
        List<Vcpu> out = new ArrayList<>();
        for (JsonNode cpu : c.execute("query-cpus-fast", null, DEFAULT_TIMEOUT)) {
            out.add(new Vcpu(cpu.path("cpu-index").asInt(), cpu.path("thread-id").asInt(), cpu.path("qom-path").asText()));
        }
        return out;
    }

    /** vCPU index → host thread id. */
    public static Map<Integer, Integer> vcpuThreads(List<Vcpu> vcpus) {
        Map<Integer, Integer> out = new TreeMap<>();
        for (Vcpu v : vcpus) out.put(v.index(), v.threadId());
        return out;
    }

    /** query-iothreads: iothread id → host thread id. */
    public static Map<String, Integer> iothreads(QmpClient c) throws QmpException {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (JsonNode t : c.execute("query-iothreads", null, DEFAULT_TIMEOUT)) {
            out.put(t.path("id").asText(), t.path("thread-id").asInt());
        }
        return out;
    }

    /** query-name: the -name guest name, or null when the VM has none. */
    public static String name(QmpClient c) throws QmpException {
        JsonNode n = c.execute("query-name", null, DEFAULT_TIMEOUT).get("name");
        return n == null ? null : n.asText();
    }

    /**
     * KVM statistics from query-stats (QEMU 7.1+), numeric ones only (histograms summed).
     *
     * @return for target vm: {"vm" → name → value}; for target vcpu: qom-path → name → value
     */
    public static Map<String, Map<String, Long>> stats(QmpClient c, String target) throws QmpException {
        JsonNode r = c.execute("query-stats", Map.of("target", target), DEFAULT_TIMEOUT);
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (JsonNode result : r) {
            String key = result.has("qom-path") ? result.get("qom-path").asText() : target;
            Map<String, Long> values = out.computeIfAbsent(key, k -> new TreeMap<>());
            for (JsonNode s : result.path("stats")) {
                JsonNode v = s.path("value");
                if (v.isIntegralNumber()) values.put(s.path("name").asText(), v.asLong());
                else if (v.isArray()) {
                    long sum = 0;
                    for (JsonNode b : v) sum += b.asLong();
                    values.put(s.path("name").asText(), sum);
                }
            }
        }
        return out;
    }

    /** trace-event-get-state: event name → state (enabled, disabled, unavailable) for a name pattern. */
    public static Map<String, String> traceEvents(QmpClient c, String pattern) throws QmpException {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode e : c.execute("trace-event-get-state", Map.of("name", pattern), DEFAULT_TIMEOUT)) {
            out.put(e.path("name").asText(), e.path("state").asText());
        }
        return out;
    }

    /** trace-event-set-state for a name pattern. */
    public static void setTraceEvents(QmpClient c, String pattern, boolean enable) throws QmpException {
        c.execute("trace-event-set-state", Map.of("name", pattern, "enable", enable), DEFAULT_TIMEOUT);
    }

    /** The counters of seed 001 and issue 7 that say where vCPU time goes. */
    public static final List<String> EXIT_COUNTERS = List.of("exits", "halt_exits", "io_exits", "mmio_exits", "irq_exits",
            "signal_exits", "insn_emulation", "irq_window_exits", "nmi_window_exits", "request_irq_exits", "hypercalls",
            "irq_injections", "halt_successful_poll", "halt_attempted_poll", "halt_wakeup", "pf_taken", "tlb_flush");
}

package dev.kvmtune.facts.proc;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ProcessReaderTest {
    // proc_pid_stat(5): 52 fields; comm may hold spaces and ')'
    static final String STAT = "4242 (CPU 0/KVM) S 4200 4200 4200 0 -1 4194368 100 0 0 0 5000 300 0 0 -2 0 8 0 "
            + "12345 1000000 2000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 -1 3 1 1 0 0 0 0 0 0 0 0 0 0 0\n";

    @Test
    void readsStatFieldsAfterTheLastParenthesis() {
        ProcessReader.Stat s = ProcessReader.parseStat(STAT).orElseThrow();
        assertThat(s.pid()).isEqualTo(4242);
        assertThat(s.comm()).isEqualTo("CPU 0/KVM");
        assertThat(s.state()).isEqualTo('S');
        assertThat(s.ppid()).isEqualTo(4200);
        assertThat(s.processor()).isEqualTo(3);
        assertThat(s.rtPriority()).isEqualTo(1);
        assertThat(SchedPolicy.of(s.policy())).isEqualTo(SchedPolicy.FIFO);
        assertThat((s.flags() & ProcessReader.PF_KTHREAD) != 0).isFalse();
    }

    @Test
    void commWithParenthesesAndKernelThreadFlag() {
        String stat = "15 (rcu_preempt) I 2 0 0 0 -1 2129984 0 0 0 0 0 10 0 0 20 0 1 0 3 0 0 18446744073709551615 "
                + "0 0 0 0 0 0 0 2147483647 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        ProcessReader.Stat s = ProcessReader.parseStat(stat).orElseThrow();
        assertThat((s.flags() & ProcessReader.PF_KTHREAD) != 0).isTrue();
        assertThat(s.processor()).isEqualTo(1);
        String weird = STAT.replace("(CPU 0/KVM)", "(a) b (c))");
        assertThat(ProcessReader.parseStat(weird).orElseThrow().comm()).isEqualTo("a) b (c)");
    }

    @Test
    void truncatedStatIsEmpty() {
        assertThat(ProcessReader.parseStat("4242 (x) S 1 2 3")).isEmpty();
        assertThat(ProcessReader.parseStat("")).isEmpty();
    }

    @Test
    void readsStatus() {
        ProcessReader.Status st = ProcessReader.parseStatus("""
                Name:\tqemu-system-x86
                Tgid:\t4200
                Cpus_allowed:\t3
                Cpus_allowed_list:\t0-1
                voluntary_ctxt_switches:\t150
                nonvoluntary_ctxt_switches:\t545
                """);
        assertThat(st.allowed().toList()).isEqualTo("0-1");
        assertThat(st.voluntary()).isEqualTo(150);
        assertThat(st.involuntary()).isEqualTo(545);
        assertThat(st.tgid()).isEqualTo(4200);
    }

    @Test
    void cmdlineSplitsOnNul() {
        assertThat(ProcessReader.parseCmdline("qemu\0-name\0vm1\0")).containsExactly("qemu", "-name", "vm1");
        assertThat(ProcessReader.parseCmdline("")).isEmpty();
    }

    @Test
    void classifiesKernelThreads() {
        assertThat(kind("ksoftirqd/3")).isEqualTo("ksoftirqd@3");
        assertThat(kind("rcuc/12")).isEqualTo("rcuc@12");
        assertThat(kind("kworker/2:1H-kblockd")).isEqualTo("kworker@2");
        assertThat(kind("kworker/u8:3-events_unbound")).isEqualTo("kworker@-1");
        assertThat(kind("irq/24-nvme0q0")).isEqualTo("irq@-1");
        assertThat(kind("rcu_preempt")).isEqualTo("rcu_preempt@-1");
        assertThat(kind("kthreadd")).isNull();
    }

    private static String kind(String comm) {
        var t = new ProcessReader.Task(1, 1, comm, 'S', 2, true, 0, 0, SchedPolicy.OTHER, 0, null, 0, 0, "proc/1");
        var k = ThreadsReader.classify(t);
        return k == null ? null : k.kind() + "@" + k.boundCpu();
    }

    /** Strings of the characters the stat and status parsers cut at, among others. */
    @Provide
    Arbitrary<String> procText() {
        return Arbitraries.strings().withChars(" \t\n\u000B\f\r\u0000\u0085\u00a0\u2003:()_-0123456789abxyzCTgidvolun").ofMaxLength(120);
    }

    @Property(tries = 2000)
    void fieldsAreTheWhitespaceSplitOfTheTrimmedText(@ForAll("procText") String text) {
        assertThat(ProcessReader.fields(text)).containsExactly(text.trim().split("\\s+"));
    }

    @Property(tries = 2000)
    void statusReadsWhatALineByLineSplitReads(@ForAll("procText") String body, @ForAll int tgid, @ForAll long switches) {
        String text = body + "\nTgid:\t" + tgid + "\nvoluntary_ctxt_switches:\t" + switches + "\n" + body
                + "\nCpus_allowed_list:\t0-3,8\n" + body;
        assertThat(ProcessReader.parseStatus(text)).isEqualTo(statusBySplit(text));
        assertThat(ProcessReader.parseStatus(body)).isEqualTo(statusBySplit(body));
    }

    /** The reading parseStatus replaced: every line split out and trimmed. */
    private static ProcessReader.Status statusBySplit(String text) {
        dev.kvmtune.util.CpuSet allowed = null;
        long vol = -1;
        long invol = -1;
        int tgid = -1;
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String v = line.substring(colon + 1).strip();
            switch (line.substring(0, colon)) {
                case "Cpus_allowed_list" -> {
                    try {
                        allowed = dev.kvmtune.util.CpuSet.parseList(v);
                    } catch (IllegalArgumentException e) {
                        allowed = null;
                    }
                }
                case "voluntary_ctxt_switches" -> vol = dev.kvmtune.util.Numbers.parseLong(v, -1);
                case "nonvoluntary_ctxt_switches" -> invol = dev.kvmtune.util.Numbers.parseLong(v, -1);
                case "Tgid" -> tgid = (int) dev.kvmtune.util.Numbers.parseLong(v, -1);
                default -> {
                }
            }
        }
        return new ProcessReader.Status(allowed, vol, invol, tgid);
    }

    @Property
    void parsersNeverThrow(@ForAll String text) {
        ProcessReader.parseStat(text);
        ProcessReader.parseStatus(text);
        ProcessReader.parseCmdline(text);
    }
}

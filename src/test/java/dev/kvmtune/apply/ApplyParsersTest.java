package dev.kvmtune.apply;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.plan.PlanFile;
import dev.kvmtune.settings.change.JournalRecord;
import dev.kvmtune.settings.change.SchedState;
import dev.kvmtune.util.CpuSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The edits and formats apply reads and writes: grub defaults, shell variables, journals, plans, thread states. */
class ApplyParsersTest {

    static Map<String, String> want(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    /**
     * A journal written by the version before journal records had a type per kind (the fuzz corpus
     * keeps one from a real apply and rollback): every line reads as its kind and writes back the same
     * bytes, so journals of either version roll back.
     */
    @Test
    void journalsOfTheEarlierRecordLayoutReadAndWriteTheSame() throws Exception {
        Path earlier = Path.of("src/test/resources/dev/kvmtune/fuzz/ParsersFuzzTestInputs/journal/rolled-back.jsonl");
        java.util.List<String> lines = Files.readAllLines(earlier);
        java.util.List<JournalRecord> records = Journal.read(earlier);
        assertThat(records).hasSize(lines.size());
        for (int i = 0; i < lines.size(); i++) assertThat(Journal.line(records.get(i))).as("line " + (i + 1)).isEqualTo(lines.get(i));
        assertThat(records).filteredOn(r -> r instanceof JournalRecord.Step).extracting(r -> ((JournalRecord.Step) r).action())
                .contains("value", "file", "mkdir", "thread");
        assertThat(Journal.status(records)).isEqualTo(JournalRecord.Status.ROLLED_BACK);
    }

    @Test
    void grubDefaultsGetTheParametersOnceInCmdlineLinux() {
        String text = "# comment\nGRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash isolcpus=3\"\nGRUB_CMDLINE_LINUX=\"console=ttyS0\"\n";
        String out = GrubDefaults.edit(text, want("isolcpus", "1", "nohz_full", "1"), "etc/default/grub");
        assertThat(out).isEqualTo("# comment\nGRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"
                + "GRUB_CMDLINE_LINUX=\"console=ttyS0 isolcpus=1 nohz_full=1\"\n");
        assertThat(GrubDefaults.edit(out, want("isolcpus", "1", "nohz_full", "1"), "etc/default/grub")).as("a second edit").isEqualTo(out);
        assertThat(GrubDefaults.edit("GRUB_TIMEOUT=5\n", want("mce", "off"), "f")).isEqualTo("GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"mce=off\"\n");
        assertThat(GrubDefaults.edit("export GRUB_CMDLINE_LINUX='a b'\n", want("c", ""), "f")).isEqualTo("export GRUB_CMDLINE_LINUX=\"a b c\"\n");
    }

    @Test
    void aComputedGrubLineIsLeftToAPerson() {
        assertThatThrownBy(() -> GrubDefaults.edit("X=1\nGRUB_CMDLINE_LINUX=\"$(cat /etc/args)\"\n", want("a", "1"), "etc/default/grub"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("/etc/default/grub:2:");
    }

    @Test
    void schedStatesRoundTripAndRefuseWhatCannotBeSet() {
        SchedState s = new SchedState(SchedPolicy.FIFO, 2, CpuSet.parseList("1,3-5"));
        assertThat(s.toString()).isEqualTo("fifo:2 cpus=1,3-5");
        assertThat(SchedState.parse(s.toString())).isEqualTo(s);
        assertThat(s.with(SchedPolicy.OTHER, 7, null)).isEqualTo(new SchedState(SchedPolicy.OTHER, 0, CpuSet.parseList("1,3-5")));
        assertThatThrownBy(() -> new SchedState(SchedPolicy.FIFO, 0, CpuSet.of(0))).hasMessageContaining("1-99");
        assertThatThrownBy(() -> SchedState.parse("fifo cpus=1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void masksKeepTheShapeTheyHad() {
        assertThat(TreeThreadScheduler.maskLike("3", CpuSet.of(0))).isEqualTo("1");
        assertThat(TreeThreadScheduler.maskLike("ffff", CpuSet.of(2))).isEqualTo("0004");
        assertThat(TreeThreadScheduler.maskLike("ff,ffffffff", CpuSet.of(33))).isEqualTo("02,00000000");
    }

    @Test
    void aJournalCutShortLosesOnlyItsLastLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("apply-x.jsonl");
        Files.writeString(f, "{\"type\":\"begin\",\"version\":1}\n{\"type\":\"step\",\"n\":1,\"action\":\"mkdir\",\"target\":\"etc/x\"}\n{\"type\":\"do");
        assertThat(Journal.read(f)).extracting(JournalRecord::type).containsExactly("begin", "step");
        assertThat(Journal.status(Journal.read(f))).isEqualTo(JournalRecord.Status.UNFINISHED);
        try (Journal j = Journal.append(f)) {
            j.write(new JournalRecord.End(JournalRecord.Status.ROLLED_BACK));
        }
        assertThat(Journal.status(Journal.read(f))).isEqualTo(JournalRecord.Status.ROLLED_BACK);
        assertThat(Files.readString(f)).doesNotContain("{\"type\":\"do").endsWith("{\"type\":\"end\",\"status\":\"rolled-back\"}\n");
    }

    /** Any bytes as a journal: records, or exit 2 naming the file and line; never another failure. */
    @Property(tries = 500)
    void garbageJournalsAreBadInputOrRecords(@ForAll byte[] bytes, @ForAll @IntRange(min = 0, max = 3) int validLines) throws Exception {
        Path f = Files.createTempFile("journal", ".jsonl");
        try {
            String good = "{\"type\":\"begin\",\"version\":1}\n".repeat(validLines);
            Files.write(f, (good + new String(bytes, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.UTF_8));
            try {
                var records = Journal.read(f);
                assertThat(records.size()).isGreaterThanOrEqualTo(validLines);
            } catch (BadInputException e) {
                assertThat(e.getMessage()).startsWith(f + ":");
            }
        } finally {
            Files.delete(f);
        }
    }

    /** A plan.json cut anywhere or with a byte changed: a plan, or exit 2 with the file and line. */
    @Property(tries = 300)
    void damagedPlansAreBadInput(@ForAll @IntRange(min = 0, max = 100_000) int cut, @ForAll byte junk) throws Exception {
        byte[] plan = Files.readAllBytes(Path.of("src/test/resources/roots/nested-kvm-2cpu/plan/plan.json"));
        int at = cut % plan.length;
        byte[] damaged = java.util.Arrays.copyOf(plan, plan.length);
        damaged[at] = junk;
        for (String text : new String[] {new String(plan, 0, at, StandardCharsets.UTF_8), new String(damaged, StandardCharsets.UTF_8)}) {
            try {
                PlanFile.parse(text, "plan.json");
            } catch (BadInputException e) {
                assertThat(e.getMessage()).matches("(?s)plan\\.json:\\d+: .*");
            }
        }
    }
}

package dev.kvmtune.apply;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.plan.Partitioner;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlanException;
import dev.kvmtune.plan.PlannedSetting;
import dev.kvmtune.plan.Planner;
import dev.kvmtune.plan.VmRequest;
import dev.kvmtune.rules.ProfileLoader;
import dev.kvmtune.settings.change.HostAccess;
import dev.kvmtune.settings.change.JournalRecord;
import dev.kvmtune.testing.TreeManifest;
import dev.kvmtune.util.CpuSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Apply then rollback on directory roots copied from the captured fixtures leaves every file
 * byte-identical, for random plans: the real planner's settings for random VMs and profiles, a
 * random subset of them with random values (sysctls, CPU masks and lists, hugepage counts,
 * thread policies), and a random subset of the rendered files. Applying the same plan twice
 * changes nothing the second time, and a second rollback finds nothing to undo.
 */
class ApplyRollbackPropertiesTest {
    static final List<String> SCENARIOS = List.of("nested-kvm-2cpu", "nested-kvm-2cpu-tuned", "qemu-2socket-4node");
    static Path work;
    static final Map<String, Path> TREES = new HashMap<>();
    static final Map<String, Map<String, String>> MANIFESTS = new HashMap<>();
    static final Map<String, HostFacts> FACTS = new HashMap<>();
    static final Map<String, Path> PLAN_DIRS = new HashMap<>();
    static final Map<String, List<String>> FILES = new HashMap<>();

    @BeforeContainer
    static void extract() throws Exception {
        work = Files.createTempDirectory("kvmtune-apply-prop");
        for (String s : SCENARIOS) {
            Path tree = TreeManifest.extract(s, work.resolve(s));
            TREES.put(s, tree);
            MANIFESTS.put(s, TreeManifest.of(tree));
            try (DirectoryRoot root = DirectoryRoot.of(tree)) {
                FACTS.put(s, HostFactsCollector.collect(root));
            }
            String planFrom = s.equals("nested-kvm-2cpu-tuned") ? "nested-kvm-2cpu" : s;
            Path dir = Path.of("src/test/resources/roots", planFrom, "plan").toAbsolutePath();
            Path copy = work.resolve(s + "-plan");
            List<String> files = new ArrayList<>();
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path f : all.filter(Files::isRegularFile).toList()) {
                    String rel = dir.relativize(f).toString();
                    if (rel.equals("plan.json") || rel.equals("plan.txt")) continue;
                    Files.createDirectories(copy.resolve(rel).getParent());
                    Files.copy(f, copy.resolve(rel));
                    files.add(rel);
                }
            }
            files.sort(null);
            PLAN_DIRS.put(s, copy);
            FILES.put(s, files);
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (Stream<Path> all = Files.walk(work)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    record Case(int scenario, String profile, List<String> vms, long seed) {
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<String> vm = Arbitraries.integers().between(1, 4).flatMap(vcpus -> Arbitraries.of("512M", "1G", "2G", "3G").flatMap(mem ->
                Arbitraries.of(true, false).map(rt -> "vcpus=" + vcpus + ",memory=" + mem + (rt ? ",rt" : ""))));
        return Arbitraries.integers().between(0, SCENARIOS.size() - 1).flatMap(sc ->
                Arbitraries.of("realtime-virtual-host", "virtual-host").flatMap(profile ->
                        vm.list().ofMinSize(0).ofMaxSize(3).flatMap(vms ->
                                Arbitraries.longs().map(seed -> new Case(sc, profile, vms, seed)))));
    }

    @Property(tries = 1000, shrinking = ShrinkingMode.OFF)
    void applyThenRollbackLeavesEveryFileByteIdentical(@ForAll("cases") Case c) throws Exception {
        String scenario = SCENARIOS.get(c.scenario());
        Path tree = TREES.get(scenario);
        Random rnd = new Random(c.seed());
        Plan plan = randomPlan(scenario, c, rnd);
        Path planDir = PLAN_DIRS.get(scenario);
        Path journals = Files.createTempDirectory(work, "journal");
        JournalStore store = new JournalStore(journals);
        HostAccess host = FileHostAccess.onTree(tree);
        ChangeSet set = ChangeSet.of(plan, planDir, host, new ChangeSet.Options(false, false));
        Applier.PlanInfo info = new Applier.PlanInfo("plan.json", Long.toHexString(c.seed()) + "00000000");

        Applier.Result first = Applier.apply(set.changes(), host, store, info, null);
        assertThat(first.failure()).as("%s", first.failure()).isNull();
        Statistics.label("outcome").collect(first.status().toString());
        if (first.status() == JournalRecord.Status.APPLIED) {
            assertThat(first.changed()).isPositive();
            assertThat(TreeManifest.diff(MANIFESTS.get(scenario), TreeManifest.of(tree))).as("an apply that changed something changed the tree").isNotEmpty();
        }
        Applier.Result again = Applier.apply(ChangeSet.of(plan, planDir, host, new ChangeSet.Options(false, false)).changes(), host, store, info, null);
        assertThat(again.status()).as("the same plan a second time").isEqualTo(JournalRecord.Status.UNCHANGED);

        if (first.journal() != null) {
            Rollback.Result rb = Rollback.run(first.journal(), host);
            assertThat(rb.failures()).isEmpty();
            assertThat(rb.undone()).isEqualTo(first.changed());
            Rollback.Result twice = Rollback.run(first.journal(), host);
            assertThat(twice.undone()).as("a second rollback has nothing left").isZero();
            assertThat(Journal.status(Journal.read(first.journal()))).isEqualTo(JournalRecord.Status.ROLLED_BACK);
        }
        Map<String, String> after = TreeManifest.of(tree);
        assertThat(TreeManifest.diff(MANIFESTS.get(scenario), after)).as("tree %s after apply and rollback (seed %d)", scenario, c.seed()).isEmpty();
    }

    /** The planner's plan for random VMs (or none), then a random subset of its settings with random values. */
    static Plan randomPlan(String scenario, Case c, Random rnd) {
        HostFacts facts = FACTS.get(scenario);
        List<VmRequest> requests = new ArrayList<>();
        for (int i = 0; i < c.vms().size(); i++) requests.add(VmRequest.parse("name=vm" + i + "," + c.vms().get(i)));
        var profile = ProfileLoader.load(c.profile());
        Plan plan;
        try {
            plan = Planner.plan(facts, profile, requests, new Partitioner.Options(1, profile.needsIsolation(), Partitioner.Options.DEFAULT_RESERVE_KB / 1024));
        } catch (PlanException e) {
            plan = Planner.plan(facts, profile, List.of(), new Partitioner.Options(1, profile.needsIsolation(), Partitioner.Options.DEFAULT_RESERVE_KB / 1024));
        }
        CpuSet online = facts.cpu().online();
        int cpus = plan.host().cpus();
        List<PlannedSetting> settings = new ArrayList<>();
        for (PlannedSetting s : plan.settings()) {
            if (rnd.nextInt(4) == 0) continue;
            String v = rnd.nextBoolean() ? s.value() : randomValue(s, online, cpus, rnd);
            settings.add(new PlannedSetting(s.kind(), s.key(), v, s.cpus(), s.rule(), s.reboot(), s.title()));
        }
        List<String> files = new ArrayList<>(List.of("plan.json"));
        for (String f : FILES.get(scenario)) if (rnd.nextBoolean()) files.add(f);
        return new Plan(plan.schema(), plan.profile(), plan.root(), plan.host(), plan.partition(), settings, files, plan.notes());
    }

    static String randomValue(PlannedSetting s, CpuSet online, int cpus, Random rnd) {
        return switch (s.kind()) {
            case "sysctl" -> String.valueOf(rnd.nextInt(300) - (rnd.nextInt(10) == 0 ? 301 : 0));
            case "sysfs" -> s.key().endsWith("/cpumask") ? randomCpus(online, rnd).toMask(cpus)
                    : s.key().endsWith("nr_hugepages") ? String.valueOf(rnd.nextInt(4))
                    : s.key().endsWith("transparent_hugepage/enabled") ? List.of("always", "madvise", "never").get(rnd.nextInt(3)) : s.value();
            case "irq-affinity" -> randomCpus(online, rnd).toList();
            case "thread-sched" -> List.of("fifo:" + (1 + rnd.nextInt(99)), "rr:" + (1 + rnd.nextInt(99)), "other", "fifo:2 affinity="
                    + randomCpus(online, rnd).toList()).get(rnd.nextInt(4));
            case "module-param" -> rnd.nextBoolean() ? "Y" : "N";
            default -> s.value();
        };
    }

    static CpuSet randomCpus(CpuSet online, Random rnd) {
        List<Integer> all = new ArrayList<>();
        online.forEachCpu(all::add);
        List<Integer> pick = new ArrayList<>();
        for (int cpu : all) if (rnd.nextBoolean()) pick.add(cpu);
        if (pick.isEmpty()) pick.add(all.get(rnd.nextInt(all.size())));
        return CpuSet.of(pick.stream().mapToInt(Integer::intValue).toArray());
    }
}

package dev.kvmtune.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.HostFactsCollector;
import dev.kvmtune.facts.source.DirectoryRoot;
import dev.kvmtune.plan.Partitioner;
import dev.kvmtune.plan.Plan;
import dev.kvmtune.plan.PlanException;
import dev.kvmtune.plan.PlannedSetting;
import dev.kvmtune.plan.Planner;
import dev.kvmtune.plan.VmRequest;
import dev.kvmtune.rules.Audit;
import dev.kvmtune.rules.Profile;
import dev.kvmtune.rules.ProfileLoader;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.settings.change.HostAccess;
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

/**
 * Verify, apply and undo are one code path per setting kind: for random plans on trees of the
 * captured fixtures, after apply the audit (with the plan's profile and isolated CPUs) passes every
 * profile setting apply changed or found already right, and after rollback it says exactly what it
 * said before. (The plan's own settings for VMs, hugepages and thread pins, are checked by the VM
 * rules against running VMs, which a tree has none of.) Settings that only a reboot applies are left out, and so is the movable-IRQ affinity: the
 * kernel moves an IRQ's effective affinity (what the audit reads) when it next fires, which a tree
 * never does.
 */
class AuditAfterApplyPropertiesTest {
    static final List<String> SCENARIOS = List.of("nested-kvm-2cpu", "qemu-2socket-4node", "firecracker-amd-2cpu");
    static Path work;
    static final Map<String, Path> TREES = new HashMap<>();

    @BeforeContainer
    static void extract() throws Exception {
        work = Files.createTempDirectory("kvmtune-audit-apply");
        for (String s : SCENARIOS) TREES.put(s, TreeManifest.extract(s, work.resolve(s)));
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
        Arbitrary<String> vm = Arbitraries.integers().between(1, 3).flatMap(vcpus -> Arbitraries.of("512M", "1G").flatMap(mem ->
                Arbitraries.of(true, false).map(rt -> "vcpus=" + vcpus + ",memory=" + mem + (rt ? ",rt" : ""))));
        return Arbitraries.integers().between(0, SCENARIOS.size() - 1).flatMap(sc ->
                Arbitraries.of("realtime-virtual-host", "virtual-host").flatMap(profile ->
                        vm.list().ofMinSize(0).ofMaxSize(2).flatMap(vms -> Arbitraries.longs().map(seed -> new Case(sc, profile, vms, seed)))));
    }

    @Property(tries = 60, shrinking = ShrinkingMode.OFF)
    void applyPassesWhatItChangedAndRollbackRestoresTheAudit(@ForAll("cases") Case c) throws Exception {
        String scenario = SCENARIOS.get(c.scenario());
        Path tree = TREES.get(scenario);
        Profile profile = ProfileLoader.load(c.profile());
        Plan plan = plan(tree, profile, c);
        // the plan's own isolated set, also when it is empty (no realtime VM): the audit verifies the plan
        CpuSet isolated = plan.partition().isolated();
        List<Finding> before = audit(tree, profile, isolated);

        HostAccess host = FileHostAccess.onTree(tree);
        JournalStore store = new JournalStore(Files.createTempDirectory(work, "journal"));
        ChangeSet set = ChangeSet.of(plan, null, host, new ChangeSet.Options(false, false));
        Applier.Result applied = Applier.apply(set.changes(), host, store, new Applier.PlanInfo("plan.json", Long.toHexString(c.seed())), null);
        assertThat(applied.failure()).as("%s", applied.failure()).isNull();

        // the settings every one of whose changes was made or found in place
        Map<String, List<Applier.Outcome>> outcomes = new HashMap<>();
        for (Applier.StepResult r : applied.steps()) outcomes.computeIfAbsent(r.change().setting(), k -> new ArrayList<>()).add(r.outcome());
        List<Finding> after = audit(tree, profile, isolated);
        int checked = 0;
        // the profile's settings: each kind checks them in the audit with the code that changed them
        java.util.Set<String> kinds = new java.util.HashSet<>();
        profile.settings().forEach(spec -> kinds.add(spec.id()));
        for (PlannedSetting s : plan.settings()) {
            if (s.rule() == null || !kinds.contains(s.rule()) || s.reboot() || s.kind().equals("irq-affinity") && s.key().equals("movable")) continue;
            List<Applier.Outcome> o = outcomes.get(s.kind() + " " + s.key());
            if (o == null || o.isEmpty() || !o.stream().allMatch(x -> x == Applier.Outcome.CHANGED || x == Applier.Outcome.UNCHANGED)) continue;
            Finding f = after.stream().filter(x -> x.id().equals(s.rule())).findFirst().orElse(null);
            assertThat(f).as("a finding for %s after apply (%s)", s.rule(), scenario).isNotNull();
            assertThat(f.severity()).as("%s after apply: expected %s, actual %s (%s, %s)", s.rule(), f.expected(), f.actual(), scenario, f.evidence())
                    .isEqualTo(Severity.PASS);
            checked++;
        }
        net.jqwik.api.statistics.Statistics.label("settings checked").collect(checked > 0 ? "some" : "none");

        if (applied.journal() != null) {
            Rollback.Result rb = Rollback.run(applied.journal(), host);
            assertThat(rb.failures()).isEmpty();
        }
        assertThat(summary(audit(tree, profile, isolated))).as("the audit after rollback (%s)", scenario).isEqualTo(summary(before));
    }

    static Plan plan(Path tree, Profile profile, Case c) {
        HostFacts facts;
        try (DirectoryRoot root = DirectoryRoot.of(tree)) {
            facts = HostFactsCollector.collect(root);
        }
        List<VmRequest> requests = new ArrayList<>();
        for (int i = 0; i < c.vms().size(); i++) requests.add(VmRequest.parse("name=vm" + i + "," + c.vms().get(i)));
        Partitioner.Options opt = new Partitioner.Options(1, profile.needsIsolation(), 256 * 1024);
        Plan plan;
        try {
            plan = Planner.plan(facts, profile, requests, opt);
        } catch (PlanException e) {
            plan = Planner.plan(facts, profile, List.of(), opt);
        }
        // a random subset of the planner's own settings, with its own values
        Random rnd = new Random(c.seed());
        List<PlannedSetting> some = plan.settings().stream().filter(s -> rnd.nextInt(3) != 0).toList();
        return new Plan(plan.schema(), plan.profile(), plan.root(), plan.host(), plan.partition(), some, List.of(), plan.notes());
    }

    static List<Finding> audit(Path tree, Profile profile, CpuSet isolated) {
        try (DirectoryRoot root = DirectoryRoot.of(tree)) {
            return Audit.run(HostFactsCollector.collect(root), root, profile, "test", isolated).findings();
        }
    }

    static List<String> summary(List<Finding> findings) {
        return findings.stream().map(f -> f.id() + " " + f.severity() + " " + f.actual()).toList();
    }
}

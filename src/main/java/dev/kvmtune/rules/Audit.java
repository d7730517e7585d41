package dev.kvmtune.rules;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.HostFacts;
import dev.kvmtune.facts.cpu.CpuTopology;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.rules.checks.Rule;
import dev.kvmtune.rules.checks.Rules;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.SettingSpec;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.settings.SettingKinds;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Runs a profile's settings and rules against a host's facts. */
public final class Audit {

    /** The whole result: which profile and why, which CPUs count as isolated and why, the findings. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Report(int schema, String root, String profile, String profileReason, String isolated, String isolatedSource,
                         String housekeeping, List<Finding> findings) {
        public Severity worst() {
            return findings.stream().map(Finding::severity).max(Comparator.naturalOrder()).orElse(Severity.PASS);
        }
    }

    private Audit() {
    }

    /** "auto": a guest profile when the CPU says it is virtualized and offers no vmx/svm, else a host profile. */
    public static String[] chooseProfile(String requested, HostFacts facts) {
        return chooseProfile(requested, facts, false, false);
    }

    /**
     * @param hasDevKvm whether the root has dev/kvm, mentioned when a guest can host VMs too
     * @param vmNamed   a VM running here was named (audit --vm): this is its host, whatever the CPU flags say
     */
    public static String[] chooseProfile(String requested, HostFacts facts, boolean hasDevKvm, boolean vmNamed) {
        if (requested != null && !requested.equals("auto")) return new String[] {requested, "given with --profile"};
        if (vmNamed) return new String[] {"virtual-host", "auto: the VM named runs here, so this is its host"};
        var id = facts.cpu().identity();
        if (id == null) return new String[] {"virtual-host", "auto: proc/cpuinfo unreadable, assuming a host"};
        boolean hyper = id.has("hypervisor");
        boolean virt = id.has("vmx") || id.has("svm");
        if (hyper && !virt) {
            return new String[] {"virtual-guest", "auto: the CPU has the hypervisor flag and no vmx/svm, so this is a guest"
                    + (hasDevKvm ? " (it has /dev/kvm too: --profile virtual-host audits it as a KVM host)" : "")};
        }
        return new String[] {"virtual-host", "auto: " + (virt ? "the CPU offers " + (id.has("vmx") ? "vmx" : "svm") : "no hypervisor flag") + ", so this is a host"};
    }

    public static Report run(HostFacts facts, Root root, Profile profile, String profileReason, CpuSet isolatedOption) {
        CpuSet online = facts.cpu().online();
        CpuSet isolated;
        String source;
        if (isolatedOption != null) {
            if (!online.containsAll(isolatedOption)) {
                throw new BadInputException("--isolated " + isolatedOption + " names CPUs that are not online (online: " + online + ")");
            }
            isolated = isolatedOption;
            source = "--isolated";
        } else if (!requested(facts).isEmpty()) {
            isolated = requested(facts);
            source = "kernel command line (isolcpus / nohz_full)";
        } else if (profile.needsIsolation()) {
            isolated = defaultIsolated(facts);
            source = "profile default: whole cores, the first core of each NUMA node kept for housekeeping";
        } else {
            isolated = CpuSet.EMPTY;
            source = "none: no isolcpus/nohz_full and the profile does not need isolation";
        }
        CpuSet housekeeping = online.minus(isolated);
        AuditContext ctx = new AuditContext(facts, root, isolated, source, housekeeping);
        List<Finding> findings = new ArrayList<>();
        String vendor = facts.cpu().identity() == null ? null : facts.cpu().identity().vendor();
        String arch = facts.cpu().identity() == null ? null : facts.cpu().identity().arch();
        for (SettingSpec s : profile.settings() == null ? List.<SettingSpec>of() : profile.settings()) {
            if (s.needsIsolated() && !ctx.hasIsolation()) continue;
            if (!s.appliesTo(vendor, arch)) continue;
            findings.add(SettingKinds.KINDS.get(s.kind()).check(ctx, s));
        }
        Set<String> seen = new HashSet<>();
        for (String id : profile.rules() == null ? List.<String>of() : profile.rules()) {
            Rule r = Rules.ALL.get(id);
            if (r == null) throw new BadInputException("profile " + profile.name() + " names an unknown rule '" + id + "'");
            if (seen.add(id)) findings.addAll(r.check(ctx));
        }
        findings.sort(Comparator.comparing(Finding::area).thenComparing(Finding::id));
        return new Report(1, root.describe(), profile.name(), profileReason, isolated.toList(), source, housekeeping.toList(), List.copyOf(findings));
    }

    private static CpuSet requested(HostFacts facts) {
        CpuSet s = CpuSet.EMPTY;
        var iso = facts.isolation();
        if (iso.isolcpus() != null && iso.isolcpus().cpus() != null) s = s.union(iso.isolcpus().cpus());
        if (iso.nohzFullParam() != null && iso.nohzFullParam().cpus() != null) s = s.union(iso.nohzFullParam().cpus());
        return s;
    }

    /** Whole cores; the first core of each NUMA node (and the boot CPU's core) stays housekeeping. */
    static CpuSet defaultIsolated(HostFacts facts) {
        Set<String> keptCores = new HashSet<>();
        Set<Integer> seenNodes = new HashSet<>();
        for (CpuTopology t : facts.cpu().cpus()) {
            if (!t.online()) continue;
            if (seenNodes.add(t.node()) || t.cpu() == 0) keptCores.add(t.packageId() + "/" + t.dieId() + "/" + t.coreId());
        }
        CpuSet iso = CpuSet.EMPTY;
        for (CpuTopology t : facts.cpu().cpus()) {
            if (t.online() && !keptCores.contains(t.packageId() + "/" + t.dieId() + "/" + t.coreId())) iso = iso.union(CpuSet.of(t.cpu()));
        }
        return iso;
    }
}

package dev.kvmtune.rules.checks;

import dev.kvmtune.facts.cpu.CpuTopology;
import dev.kvmtune.facts.power.PowerFacts;
import dev.kvmtune.rules.core.AuditContext;
import dev.kvmtune.rules.core.Finding;
import dev.kvmtune.rules.core.Severity;
import dev.kvmtune.util.CpuSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The firmware settings of seed 002's BIOS list, checked through what the running kernel shows:
 * C-states through cpuidle, Hyper-Threading through SMT, VT-x/AMD-V through the CPU flags, VT-d
 * through the DMAR/IVRS table and IOMMU groups, NUMA through the node count. What the OS cannot
 * see is listed as a manual checklist, never passed.
 */
public final class BiosRules {
    /** Idle states whose exit latency is above this (C1E, C3, C6 ...) are deep enough to matter. */
    public static final long DEEP_STATE_US = 2;

    private BiosRules() {
    }

    /** The host is x86 or says too little to tell (cpuinfo absent or of no known layout). */
    static boolean x86(AuditContext ctx) {
        var id = ctx.facts().cpu().identity();
        return id == null || id.arch() == null || id.arch().equals("x86_64");
    }

    static final class CStates implements Rule {
        public String id() {
            return "bios.cstates";
        }

        public List<Finding> check(AuditContext ctx) {
            var power = ctx.facts().power();
            CpuSet scope = ctx.hasIsolation() ? ctx.isolated() : ctx.facts().cpu().online();
            var cmdline = ctx.facts().kernel().cmdline().orElse(null);
            List<String> evidence = new ArrayList<>();
            evidence.add(power.cpuidleDriver().source() + " = " + power.cpuidleDriver());
            if (cmdline != null && cmdline.last("idle").map("poll"::equals).orElse(false)) {
                evidence.add("proc/cmdline: idle=poll");
                return List.of(finding(Severity.PASS, evidence, "idle=poll: the CPUs never enter a C-state", null));
            }
            Set<String> deep = new java.util.TreeSet<>();
            for (PowerFacts.CpuPower c : power.cpus()) {
                if (!scope.contains(c.cpu())) continue;
                for (PowerFacts.IdleState s : c.idleStates()) {
                    if (!s.disabled() && s.latencyUs() > DEEP_STATE_US) deep.add(s.name() + " (" + s.latencyUs() + " µs)");
                }
            }
            if (deep.isEmpty()) {
                evidence.add("sys/devices/system/cpu/cpu*/cpuidle/state*: no enabled state above " + DEEP_STATE_US + " µs on CPUs " + scope);
                return List.of(finding(Severity.PASS, evidence, "no deep C-state enabled", null));
            }
            evidence.add("enabled on CPUs " + scope + ": " + String.join(", ", deep));
            return List.of(finding(Severity.WARN, evidence, String.join(", ", deep), new Finding.Fix(
                    "echo 1 > /sys/devices/system/cpu/cpuN/cpuidle/stateS/disable for each CPU N in " + scope
                            + " and each state S deeper than C1 (or hold /dev/cpu_dma_latency open at 0)",
                    x86(ctx) ? "BIOS: CPU C-State, C1E Autopromote, Processor C3 and C6 Disabled; or intel_idle.max_cstate=0 processor.max_cstate=1 "
                            + "on the kernel command line" : "firmware: deep idle states off; or cpuidle.off=1 on the kernel command line")));
        }

        private Finding finding(Severity s, List<String> evidence, String actual, Finding.Fix fix) {
            return Rules.finding(id(), s, "bios")
                    .title("No deep C-states on the CPUs that run vCPUs")
                    .why("Waking a CPU from C3 or C6 takes tens to hundreds of microseconds, which lands directly on the latency of "
                            + "the interrupt or timer that woke it. Turning them off keeps every CPU at full power draw.")
                    .evidence(evidence)
                    .expected("C-states deeper than " + DEEP_STATE_US + " µs disabled (BIOS) or idle=poll")
                    .actual(actual)
                    .fix(fix)
                    .reboot(false)
                    .reference("Documentation/admin-guide/pm/cpuidle.rst; seed 002 (BIOS: CPU C-State Disabled)")
                    .build();
        }
    }

    static final class Smt implements Rule {
        public String id() {
            return "bios.smt";
        }

        public List<Finding> check(AuditContext ctx) {
            var smt = ctx.facts().cpu().smtActive();
            if (!smt.isPresent()) return List.of();
            boolean on = smt.value();
            return List.of(Rules.finding(id(), on ? Severity.WARN : Severity.PASS, "bios")
                    .title("Hyper-Threading is off")
                    .why("Two hardware threads of one core share its execution units and caches, so whatever runs on the sibling "
                            + "slows a vCPU unpredictably. Turning SMT off costs throughput; isolating whole cores is the alternative.")
                    .evidence(List.of(smt.source() + " = " + (on ? 1 : 0)))
                    .expected("SMT inactive")
                    .actual(on ? "SMT active" : "SMT inactive")
                    .fix(on ? new Finding.Fix("echo off > /sys/devices/system/cpu/smt/control", "BIOS: Intel(R) Hyper-Threading Disabled, or nosmt on the kernel command line") : null)
                    .reboot(false)
                    .reference("Documentation/admin-guide/hw-vuln/core-scheduling.rst; seed 002 (BIOS: Hyper-Threading Disabled)")
                    .build());
        }
    }

    static final class Virtualization implements Rule {
        public String id() {
            return "bios.virtualization";
        }

        public List<Finding> check(AuditContext ctx) {
            var id = ctx.facts().cpu().identity();
            if (id == null) return List.of();
            boolean dev = ctx.root().exists("dev/kvm");
            boolean kvm = ctx.root().isDirectory("sys/module/kvm");
            if (!x86(ctx)) return List.of(other(id.arch(), id.source(), dev, kvm));
            boolean flag = id.has("vmx") || id.has("svm");
            // a sandboxed or nested host can offer /dev/kvm while its cpuinfo hides the flag
            Severity s = flag ? Severity.PASS : dev ? Severity.INFO : Severity.FAIL;
            String actual = flag ? (id.has("vmx") ? "vmx" : "svm") : dev ? "no vmx/svm flag, but /dev/kvm exists (nested or sandboxed host)" : "neither";
            return List.of(Rules.finding(id(), s, "bios")
                    .title("Hardware virtualization (VT-x / AMD-V) is on")
                    .why("KVM needs the CPU's virtualization extensions; when firmware turns them off the vmx/svm flag disappears "
                            + "from cpuinfo, /dev/kvm is missing and QEMU can only emulate, tens of times slower.")
                    .evidence(List.of(id.source() + ": vmx " + (id.has("vmx") ? "present" : "absent") + ", svm " + (id.has("svm") ? "present" : "absent"),
                            "dev/kvm " + (dev ? "present" : "absent"), "sys/module/kvm " + (kvm ? "present" : "absent")))
                    .expected("vmx or svm flag")
                    .actual(actual)
                    .fix(s == Severity.FAIL ? new Finding.Fix(null, "BIOS: Intel(R) Virtualization Technology (or SVM Mode) Enabled") : null)
                    .reboot(s == Severity.FAIL)
                    .reference("seed 002 (BIOS: Intel(R) Virtualization Technology Enabled)")
                    .build());
        }

        /**
         * arm64 and the others have no vmx/svm flag: KVM is there when /dev/kvm is. On arm64 the
         * kernel must be entered at EL2 for KVM to initialise; built-in KVM shows sys/module/kvm either way.
         */
        private Finding other(String arch, String cpuinfo, boolean dev, boolean kvm) {
            boolean arm = "aarch64".equals(arch);
            return Rules.finding(id(), dev ? Severity.PASS : Severity.FAIL, "bios")
                    .title("Hardware virtualization is available to KVM")
                    .why(arm ? "KVM on arm64 runs the host kernel with the EL2 hypervisor mode; when the firmware or boot loader enters the "
                            + "kernel at EL1 (as inside a guest), KVM does not initialise, /dev/kvm is missing and QEMU can only emulate."
                            : "KVM needs the CPU's virtualization extension; without it /dev/kvm is missing and QEMU can only emulate.")
                    .evidence(List.of(cpuinfo + ": " + arch + " (no vmx/svm flag on this architecture)", "dev/kvm " + (dev ? "present" : "absent"),
                            "sys/module/kvm " + (kvm ? "present" : "absent")))
                    .expected("/dev/kvm")
                    .actual(dev ? "/dev/kvm present" : "/dev/kvm absent")
                    .fix(dev ? null : new Finding.Fix(null, arm ? "firmware/boot loader: enter the kernel at EL2 (kvm-arm.mode=nvhe or protected if needed)"
                            : "enable the CPU's virtualization extension in firmware"))
                    .reboot(!dev)
                    .reference(arm ? "Documentation/virt/kvm/arm/index.rst; Documentation/admin-guide/kernel-parameters.txt (kvm-arm.mode)"
                            : "Documentation/virt/kvm/api.rst")
                    .build();
        }
    }

    static final class Iommu implements Rule {
        public String id() {
            return "bios.iommu";
        }

        public List<Finding> check(AuditContext ctx) {
            var id = ctx.facts().cpu().identity();
            if (!x86(ctx)) return List.of(smmu(ctx, id == null ? null : id.arch()));
            boolean amd = id != null && id.vendor() != null && id.vendor().contains("AMD");
            String table = amd ? "IVRS" : "DMAR";
            boolean acpi = ctx.root().exists("sys/firmware/acpi/tables/" + table);
            List<String> units = ctx.root().list("sys/class/iommu");
            int groups = ctx.root().list("sys/kernel/iommu_groups").size();
            boolean ok = !units.isEmpty() && groups > 0;
            List<String> evidence = List.of(
                    "sys/firmware/acpi/tables/" + table + (acpi ? " present" : " absent"),
                    "sys/class/iommu: " + (units.isEmpty() ? "empty" : String.join(", ", units)),
                    "sys/kernel/iommu_groups: " + groups + " groups");
            String actual = ok ? units.size() + " IOMMU units, " + groups + " groups"
                    : acpi ? "firmware has " + table + " but the kernel enabled no IOMMU" : "no " + table + " table: VT-d/AMD-Vi off in firmware or absent";
            return List.of(Rules.finding(id(), ok ? Severity.PASS : Severity.INFO, "bios")
                    .title("The IOMMU (VT-d / AMD-Vi) is on")
                    .why("Passing a NIC or NVMe device straight to a guest (VFIO) needs the IOMMU to confine its DMA, and "
                            + "posted interrupts need its interrupt remapping. Without passthrough the IOMMU only adds DMA mapping cost.")
                    .evidence(evidence)
                    .expected(table + " table and IOMMU groups")
                    .actual(actual)
                    .fix(ok ? null : new Finding.Fix(null, acpi ? (amd ? "amd_iommu=on" : "intel_iommu=on") + " iommu=pt on the kernel command line"
                            : "BIOS: Intel(R) VT for Directed I/O (or AMD IOMMU) Enabled, then intel_iommu=on iommu=pt"))
                    .reboot(!ok)
                    .reference("Documentation/driver-api/vfio.rst; seed 002 (intel_iommu=on iommu=pt)")
                    .build());
        }

        /**
         * arm64's IOMMU is the SMMU, described by the ACPI IORT table or the device tree; POWER's are
         * the hypervisor's TCE tables. Neither has an intel_/amd_iommu= switch.
         */
        private Finding smmu(AuditContext ctx, String arch) {
            boolean arm = "aarch64".equals(arch);
            boolean iort = ctx.root().exists("sys/firmware/acpi/tables/IORT");
            List<String> units = ctx.root().list("sys/class/iommu");
            int groups = ctx.root().list("sys/kernel/iommu_groups").size();
            boolean ok = !units.isEmpty() && groups > 0;
            return Rules.finding(id(), ok ? Severity.PASS : Severity.INFO, "bios")
                    .title(arm ? "The IOMMU (SMMU) is on" : "The IOMMU is on")
                    .why("Passing a NIC or NVMe device straight to a guest (VFIO) needs the IOMMU to confine its DMA. Without passthrough "
                            + "the IOMMU only adds DMA mapping cost.")
                    .evidence(List.of("sys/firmware/acpi/tables/IORT" + (iort ? " present" : " absent"),
                            "sys/class/iommu: " + (units.isEmpty() ? "empty" : String.join(", ", units)),
                            "sys/kernel/iommu_groups: " + groups + " groups"))
                    .expected("IOMMU units and groups")
                    .actual(ok ? units.size() + " IOMMU units, " + groups + " groups" : "no IOMMU unit")
                    .fix(ok ? null : new Finding.Fix(null, arm ? "firmware: SMMU enabled and described (IORT or device tree); iommu.passthrough=1 on the "
                            + "kernel command line for passthrough-only use" : "firmware or hypervisor: an IOMMU for the devices to pass through"))
                    .reboot(!ok)
                    .reference("Documentation/driver-api/vfio.rst; Documentation/admin-guide/kernel-parameters.txt (iommu.passthrough)")
                    .build();
        }
    }

    static final class Numa implements Rule {
        public String id() {
            return "bios.numa";
        }

        public List<Finding> check(AuditContext ctx) {
            Set<Integer> packages = new HashSet<>();
            for (CpuTopology t : ctx.facts().cpu().cpus()) {
                if (t.online() && t.packageId() >= 0) packages.add(t.packageId());
            }
            int nodes = ctx.facts().numa().size();
            if (packages.isEmpty() || nodes == 0) return List.of();
            boolean ok = nodes >= packages.size();
            return List.of(Rules.finding(id(), ok ? Severity.PASS : Severity.WARN, "bios")
                    .title("NUMA is exposed to the kernel")
                    .why("With node interleaving (NUMA off) in firmware, a multi-socket host shows one node and every page is striped "
                            + "across sockets, so half of a VM's memory accesses are remote whatever the pinning.")
                    .evidence(List.of("sys/devices/system/node: " + nodes + " nodes", "topology/physical_package_id: " + packages.size() + " packages"))
                    .expected("at least one node per package")
                    .actual(nodes + " nodes for " + packages.size() + " packages")
                    .fix(ok ? null : new Finding.Fix(null, "BIOS: NUMA Optimized Enabled (node interleaving Disabled)"))
                    .reboot(!ok)
                    .reference("Documentation/admin-guide/mm/numa_memory_policy.rst; seed 002 (BIOS: NUMA Optimized Enabled)")
                    .build());
        }
    }

    /** Seed 002's BIOS items the OS cannot see, each left to a person: never a pass. */
    static final class Manual implements Rule {
        static final List<String> ITEMS = List.of(
                "CPU Power and Performance: Performance",
                "Select Memory RAS: Maximum Performance",
                "Cluster-on-Die (sub-NUMA clustering): Disabled",
                "Patrol Scrub and Demand Scrub: Disabled",
                "Correctable Error threshold: 10",
                "Intel(R) TXT: Disabled",
                "Enhanced Error Containment Mode: Disabled",
                "Legacy USB Support and Port 60/64 Emulation: Disabled (SMIs)",
                "Execute Disable Bit: Enabled",
                "Active Processor Cores: All");

        public String id() {
            return "bios.manual_checklist";
        }

        public List<Finding> check(AuditContext ctx) {
            // the list names x86 server firmware's menus (seed 002); other architectures' firmware has none of them
            if (!x86(ctx)) return List.of();
            return List.of(Rules.finding(id(), Severity.INFO, "bios")
                    .title("Firmware settings to check by hand")
                    .why("These firmware settings cause System Management Interrupts, memory scrubbing or power decisions that no "
                            + "kernel file reveals; each can stall a CPU for microseconds to milliseconds. Check them in the firmware setup.")
                    .evidence(ITEMS)
                    .expected("each as listed")
                    .actual("not visible from the OS")
                    .fix(null)
                    .reboot(false)
                    .reference("seed 002 (BIOS settings)")
                    .build());
        }
    }
}

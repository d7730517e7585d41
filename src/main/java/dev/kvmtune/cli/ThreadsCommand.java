package dev.kvmtune.cli;

import dev.kvmtune.ExitCodes;
import dev.kvmtune.facts.source.Root;
import dev.kvmtune.facts.vm.VmFacts;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvmtune threads}: every thread of each QEMU with its role (seed 000's find_thread_name.sh). */
@Command(name = "threads", mixinStandardHelpOptions = true,
        description = {"Show every thread of each running QEMU with its role: vCPU n (from 'CPU n/KVM' names, or from",
            "QMP query-cpus-fast when QEMU runs without debug-threads=on), iothread, main loop, worker, call_rcu,",
            "vnc/spice, and the vhost-PID and kvm-pit kernel threads that serve the VM; with allowed CPUs, the",
            "CPU it last ran on, policy and priority, and context switches.",
            "",
            "Examples:",
            "  kvmtune threads",
            "  kvmtune threads --vm rt1 --format json"})
public final class ThreadsCommand implements Callable<Integer> {
    @ParentCommand
    KvmtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Mixin
    VmSelection selection;

    @Override
    public Integer call() {
        try (Root root = parent.openRoot()) {
            List<VmFacts> vms = selection.load(root).stream().filter(v -> v.state().equals("running")).toList();
            PrintWriter out = spec.commandLine().getOut();
            switch (parent.format) {
                case json -> out.print(Json.write(vms.stream().map(ThreadsCommand::json).toList()));
                case text, markdown -> out.print(VmText.threads(vms));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    record VmThreads(String name, Integer pid, List<dev.kvmtune.facts.vm.VmThread> threads) {
    }

    private static VmThreads json(VmFacts v) {
        return new VmThreads(v.vm().name(), v.vm().pid(), v.threads());
    }
}

package dev.kvmtune.cli;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.vm.VmFacts;
import picocli.CommandLine.Option;

/** {@code --vm NAME} / {@code --pid PID}: one VM by its name or by its QEMU process, declared once for every command that takes one. */
public final class VmTarget {
    @Option(names = "--vm", paramLabel = "NAME", description = "The VM by name (QEMU -name or libvirt domain name).")
    String name;

    @Option(names = "--pid", paramLabel = "PID", description = "The VM by its QEMU process id.")
    Integer pid;

    /** Either was given. */
    boolean given() {
        return name != null || pid != null;
    }

    /** Exactly one is given, or the command's one-line refusal naming both. */
    void requireOne(String command) {
        if ((name == null) == (pid == null)) throw new BadInputException(command + " needs --vm NAME or --pid PID");
    }

    boolean matches(VmFacts v) {
        return (name == null || name.equals(v.vm().name())) && (pid == null || pid.equals(v.vm().pid()));
    }

    /** The refusal when no VM matches: what there is instead (running QEMUs, libvirt domains), and where to look. */
    BadInputException notFound(java.util.List<VmFacts> all, String where) {
        java.util.List<String> names = all.stream().filter(v -> v.vm().name() != null)
                .map(v -> v.vm().name() + (v.vm().pid() != null ? " (pid " + v.vm().pid() + ")" : " (" + v.state() + ")")).distinct().toList();
        return new BadInputException("no VM " + describe() + " on " + where + (names.isEmpty() ? ": no QEMU runs and libvirt defines no domain there"
                : ": there are " + String.join(", ", names)) + "; kvmtune vms lists them (a libvirt domain by its name in etc/libvirt/qemu "
                + "and run/libvirt/qemu)");
    }

    /** "named web1" / "with pid 4242", for messages. */
    String describe() {
        return name != null ? "named " + name : "with pid " + pid;
    }
}

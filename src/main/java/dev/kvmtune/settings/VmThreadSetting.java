package dev.kvmtune.settings;

import dev.kvmtune.BadInputException;
import dev.kvmtune.facts.proc.SchedPolicy;
import dev.kvmtune.facts.vm.VmFacts;
import dev.kvmtune.facts.vm.VmThread;
import dev.kvmtune.settings.change.Change;
import dev.kvmtune.util.CpuSet;
import dev.kvmtune.util.Numbers;
import java.util.ArrayList;
import java.util.List;

/**
 * A running VM's threads by role (key {@code VM/vcpus}, {@code VM/vcpuN}, {@code VM/emulator};
 * value {@code cpus=LIST} with an optional {@code fifo:P}). A VM that is not running gets its pins
 * from the rendered libvirt XML or pin script when it starts.
 */
final class VmThreadSetting implements Applied {
    @Override
    public void checkKey(String key) {
        int slash = key.lastIndexOf('/');
        String role = slash < 0 ? "" : key.substring(slash + 1);
        if (slash <= 0 || !(role.equals("vcpus") || role.equals("emulator") || role.matches("vcpu\\d{1,4}"))) {
            throw new IllegalArgumentException("vm-thread setting '" + key + "' is not VM/vcpus, VM/vcpuN or VM/emulator");
        }
    }

    @Override
    public Changes changes(Desired d, ApplyContext c) {
        int slash = d.key().lastIndexOf('/');
        String vmName = d.key().substring(0, slash);
        String role = d.key().substring(slash + 1);
        SchedPolicy policy = null;
        int prio = 0;
        CpuSet cpus = null;
        for (String tok : d.value().split("\\s+")) {
            if (tok.startsWith("cpus=")) {
                try {
                    cpus = CpuSet.parseList(tok.substring(5));
                } catch (IllegalArgumentException e) {
                    throw new BadInputException("plan setting vm-thread '" + d.key() + "': " + e.getMessage());
                }
            } else if (tok.startsWith("fifo:")) {
                policy = SchedPolicy.FIFO;
                long p = Numbers.parseLong(tok.substring(5), -1);
                if (p < 1 || p > 99) throw new BadInputException("plan setting vm-thread '" + d.key() + "': '" + tok + "' is not fifo:1..99");
                prio = (int) p;
            }
        }
        VmFacts vm = c.vms().get().stream().filter(v -> vmName.equals(v.vm().name()) && v.vm().pid() != null).findFirst().orElse(null);
        if (vm == null) {
            return Changes.none(d, false, "VM " + vmName + " is not running; the rendered libvirt XML or qemu/" + vmName + "-pin.sh pins it when it starts");
        }
        int pid = vm.vm().pid();
        List<Change> out = new ArrayList<>();
        for (VmThread t : vm.threads()) {
            boolean mine = switch (role) {
                case "vcpus" -> t.role().equals("vcpu");
                case "emulator" -> !t.role().equals("vcpu");
                default -> role.startsWith("vcpu") && t.role().equals("vcpu") && t.vcpu() != null && role.equals("vcpu" + t.vcpu());
            };
            if (!mine) continue;
            // Kernel threads serving the VM (vhost-PID before 6.4, kvm-pit/PID) are processes of their own.
            int owner = "kernel".equals(t.roleFrom()) ? t.tid() : pid;
            out.add(new Change.Thread(d.label(), vmName + " " + t.comm() + " (" + t.tid() + ")", owner, t.tid(), policy, prio, cpus));
        }
        return Changes.of(d, out, out.isEmpty() ? "VM " + vmName + " has no " + role + " thread" : null);
    }
}

package dev.kvmtune.facts.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One VM on the host: its model and, when it runs, its threads by role.
 *
 * @param state   running (a QEMU process) or defined (a libvirt domain XML without a process)
 * @param threads the QEMU threads and the kernel threads that serve it; empty when not running
 * @param qmp     what QMP answered, when it was asked (live hosts)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VmFacts(String state, Vm vm, List<VmThread> threads, QmpInfo qmp) {

    public VmFacts(String state, Vm vm, List<VmThread> threads) {
        this(state, vm, threads, null);
    }

    /**
     * What QMP said (live only). Stats are KVM's query-stats counters (QEMU 7.1+).
     *
     * @param error why QMP could not be asked, when it could not
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record QmpInfo(String socket, String qemuVersion, String name, java.util.Map<Integer, Integer> vcpuThreads,
                          java.util.Map<String, Integer> iothreads, java.util.Map<String, Long> vmStats,
                          java.util.Map<Integer, java.util.Map<String, Long>> vcpuStats, String error) {
    }

    public List<VmThread> byRole(String role) {
        return threads.stream().filter(t -> t.role().equals(role)).toList();
    }

    public String label() {
        return vm.name() != null ? vm.name() : vm.pid() != null ? "pid " + vm.pid() : vm.source();
    }
}

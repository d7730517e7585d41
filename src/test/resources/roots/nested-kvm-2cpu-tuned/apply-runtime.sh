#!/bin/bash
# The runtime half of kvmtune's realtime-virtual-host profile, applied for real on the captured
# host (2 CPUs: CPU 1 isolated, CPU 0 housekeeping) before `kvmtune capture`. The boot half
# cannot be applied without a reboot; the snapshot's proc/cmdline was then replaced with
# cmdline.txt (see README.md). Run as root; restore with the values printed first.
set -eu
HK=0 ISO=1
for k in kernel.watchdog kernel.nmi_watchdog kernel.sched_rt_runtime_us kernel.timer_migration kernel.ftrace_enabled \
         vm.stat_interval kernel.numa_balancing kernel.hung_task_timeout_secs vm.swappiness vm.dirty_ratio vm.dirty_background_ratio; do
    echo "was: $k=$(sysctl -n $k)"
done
for kv in kernel.watchdog=0 kernel.nmi_watchdog=0 kernel.sched_rt_runtime_us=-1 kernel.timer_migration=0 \
          kernel.ftrace_enabled=0 vm.stat_interval=10 kernel.numa_balancing=0 kernel.hung_task_timeout_secs=600 \
          vm.swappiness=10 vm.dirty_ratio=40 vm.dirty_background_ratio=5; do
    sysctl -q -w $kv 2>/dev/null || echo "cannot set $kv (the kernel refused it; the audit shows what it holds)"
done
echo 0 > /sys/kernel/mm/ksm/run
echo never > /sys/kernel/mm/transparent_hugepage/enabled
echo 1 > /sys/devices/virtual/workqueue/cpumask
echo 1 > /sys/bus/workqueue/devices/writeback/cpumask
echo 1 > /proc/irq/default_smp_affinity
for i in /proc/irq/[0-9]*; do echo $HK > $i/smp_affinity_list 2>/dev/null || echo "irq ${i##*/}: cannot move"; done
chrt -f -p 2 "$(pgrep '^ksoftirqd/1$')"
for p in $(pgrep '^rcu|^kworker/u|^kworker/R'); do taskset -pc $HK $p >/dev/null 2>&1 || true; done
# every user thread off the isolated CPU, as systemd CPUAffinity= would do at boot
for t in /proc/[0-9]*/task/[0-9]*; do
    tid=${t##*/}
    grep -q '^Cpus_allowed_list:' $t/status 2>/dev/null || continue
    [ -n "$(cat ${t%/task/*}/cmdline 2>/dev/null | head -c1)" ] || continue   # kernel threads have no cmdline
    taskset -pc $HK $tid >/dev/null 2>&1 || true
done

#!/bin/sh
# Pins the threads of the running VM rt1 by role (needs root, taskset and chrt).
# Written by kvmtune plan (profile realtime-virtual-host) for snapshot ROOT/snapshot.tar.gz; housekeeping CPUs 0-3,6-7, isolated CPUs 4-5.
# Usage: rt1-pin.sh [QEMU_PID]   (default: the QEMU started with -name rt1,...)
set -eu
pid=${1:-$(pgrep -f -- '-name (guest=)?rt1,' | head -n 1)}
[ -n "$pid" ] && [ -d "/proc/$pid/task" ] || { echo "rt1-pin.sh: no QEMU process for rt1" >&2; exit 2; }
emulator=0-3,6-7
vcpus=4-5
for task in /proc/$pid/task/*; do
  tid=${task##*/}
  comm=$(cat "$task/comm" 2>/dev/null) || continue
  case "$comm" in
    "CPU 0/KVM"|"CPU 0/TCG") taskset -pc 4 "$tid" >/dev/null && chrt -f -p 1 "$tid" ;;
    "CPU 1/KVM"|"CPU 1/TCG") taskset -pc 5 "$tid" >/dev/null && chrt -f -p 1 "$tid" ;;
    "CPU "*) echo "rt1-pin.sh: vCPU thread '$comm' is not in the plan" >&2; exit 3 ;;
    *) taskset -pc "$emulator" "$tid" >/dev/null ;;
  esac
done
# The kernel threads KVM and vhost start for this VM (vhost-PID before Linux 6.4, the in-kernel PIT's kvm-pit/PID): housekeeping too.
for tid in $(pgrep -x "vhost-$pid|kvm-pit/$pid" || true); do taskset -pc "$emulator" "$tid" >/dev/null; done
echo "rt1: threads of $pid pinned"

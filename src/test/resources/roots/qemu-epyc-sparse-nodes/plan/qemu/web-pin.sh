#!/bin/sh
# Pins the threads of the running VM web by role (needs root, taskset and chrt).
# Written by kvmtune plan (profile realtime-virtual-host) for snapshot ROOT/snapshot.tar.gz; housekeeping CPUs 0-4,6-8,11, isolated CPUs 9-10.
# Usage: web-pin.sh [QEMU_PID]   (default: the QEMU started with -name web,...)
set -eu
pid=${1:-$(pgrep -f -- '-name (guest=)?web,' | head -n 1)}
[ -n "$pid" ] && [ -d "/proc/$pid/task" ] || { echo "web-pin.sh: no QEMU process for web" >&2; exit 2; }
emulator=0-4,6-7
vcpus=0-4,6-7
for task in /proc/$pid/task/*; do
  tid=${task##*/}
  comm=$(cat "$task/comm" 2>/dev/null) || continue
  case "$comm" in
    "CPU "*) taskset -pc "$vcpus" "$tid" >/dev/null ;;
    *) taskset -pc "$emulator" "$tid" >/dev/null ;;
  esac
done
# The kernel threads KVM and vhost start for this VM (vhost-PID before Linux 6.4, the in-kernel PIT's kvm-pit/PID): housekeeping too.
for tid in $(pgrep -x "vhost-$pid|kvm-pit/$pid" || true); do taskset -pc "$emulator" "$tid" >/dev/null; done
echo "web: threads of $pid pinned"

#!/bin/sh
# Pins the threads of the running VM legacy by role (needs root, taskset and chrt).
# Written by kvmtune plan (profile realtime-virtual-host) for snapshot ROOT/snapshot.tar.gz; housekeeping CPUs 0, isolated CPUs 1.
# Usage: legacy-pin.sh [QEMU_PID]   (default: the QEMU started with -name legacy,...)
set -eu
pid=${1:-$(pgrep -f -- '-name (guest=)?legacy,' | head -n 1)}
[ -n "$pid" ] && [ -d "/proc/$pid/task" ] || { echo "legacy-pin.sh: no QEMU process for legacy" >&2; exit 2; }
emulator=0
vcpus=0
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
echo "legacy: threads of $pid pinned"

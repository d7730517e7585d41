#!/usr/bin/env bash
# kvmtune exporter on a host with 8 VMs: the cost of one reading of the host (wall, from the exporter's own
# kvmtune_exporter_last_collect_duration_seconds, and CPU, from its /proc/PID/stat over many readings), what
# that costs at the default 15 s interval as a share of one CPU, and the wall time of a scrape, alternated
# pair by pair with a scrape of node_exporter (Debian's prometheus-node-exporter) on the same host.
#   bench/exporter.sh [SCRAPES] [VMS]
# Needs qemu-system-x86_64, curl, bc and prometheus-node-exporter. The guests are TCG, stopped (-S): their
# threads, schedstat and memory are there for the exporter to read, and they take no CPU from the measure.
set -euo pipefail
cd "$(dirname "$0")/.."
scrapes=${1:-31}
vms=${2:-8}
port=19477 nport=19100
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
./kvmtune --version >/dev/null   # builds first when the sources changed
for i in $(seq 1 "$vms"); do
  qemu-system-x86_64 -accel tcg -S -m 64 -smp 2 -name "bench$i,debug-threads=on" -display none -nodefaults \
    -qmp "unix:$work/qmp$i.sock,server=on,wait=off" >"$work/qemu$i.log" 2>&1 &
  pids+=($!)
done
sleep 2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# one reading per second, to count many of them
./kvmtune exporter --listen 127.0.0.1:$port --interval 1s 2>"$work/exporter.err" &
exp=$!
pids+=($exp)
for _ in $(seq 1 100); do grep -q serving "$work/exporter.err" && break; sleep 0.2; done
sleep 5   # JIT warm-up: the first readings run interpreted
echo "VMs the exporter sees: $(curl -s http://127.0.0.1:$port/metrics | grep -c '^kvmtune_vm_vcpus{')"
c0=$(metric kvmtune_exporter_collections_total); t0=$(cpu_ticks "$exp")
walls=()
for _ in $(seq 1 30); do sleep 1; walls+=("$(metric kvmtune_exporter_last_collect_duration_seconds)"); done
c1=$(metric kvmtune_exporter_collections_total); t1=$(cpu_ticks "$exp")
hz=$(getconf CLK_TCK)
readings=$(echo "$c1 - $c0" | bc)
cpu_per=$(echo "scale=4; ($t1 - $t0) / $hz / $readings" | bc)
echo "reading of the host: median wall $(med "${walls[@]}") s over 30 samples; CPU $cpu_per s per reading ($readings readings, the 30 sampling scrapes included)"
echo "at --interval 15s: $(echo "scale=3; 100 * $cpu_per / 15" | bc) % of one CPU"

# scrapes, alternated with node_exporter's
prometheus-node-exporter --web.listen-address=127.0.0.1:$nport >"$work/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$nport/metrics" >/dev/null && break; sleep 0.2; done
kw=() nw=() ratio=()
for _ in $(seq 1 "$scrapes"); do
  k=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/metrics")
  n=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$nport/metrics")
  kw+=("$k"); nw+=("$n"); ratio+=("$(echo "scale=3; $k / $n" | bc)")
done
echo "scrape wall: kvmtune median $(med "${kw[@]}") s, node_exporter median $(med "${nw[@]}") s; kvmtune/node_exporter pair by pair: ${ratio[*]}"
echo "scrape sizes: kvmtune $(curl -s http://127.0.0.1:$port/metrics | wc -c) bytes, node_exporter $(curl -s http://127.0.0.1:$nport/metrics | wc -c) bytes"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

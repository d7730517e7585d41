#!/usr/bin/env bash
# How `flame collapse -j N` scales with the CPUs it is given, in a warm JVM (bench/CollapseScaling.java:
# JVM start and JIT compilation left out, output checked equal across thread counts). A machine with
# more cores is simulated by limiting this one with taskset: one CPU, then CPUS_MAX CPUs (default: all),
# threads 1..that many each time. Same input as bench/flame-collapse.sh (SIZE_MB of this machine's perf
# run repeated). Prints the load average before and after.
# Usage: bench/collapse-scaling.sh [ROUNDS] [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
size=${2:-500}
dir=${TMPDIR:-/tmp}/kvmtune-bench
file=$dir/perf-stacks-${size}m.txt
mkdir -p "$dir"
if [ ! -f "$file" ]; then
  src=src/test/resources/flame/perf-system-cpu-clock.txt
  n=$(( size * 1048576 / $(stat -c %s "$src") + 1 ))
  for _ in $(seq 1 "$n"); do cat "$src"; done > "$file"
fi
./kvmtune --version >/dev/null   # builds when needed
cpus=${CPUS_MAX:-$(nproc)}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for set in 0 "0-$((cpus - 1))"; do
  n=$([ "$set" = 0 ] && echo 1 || echo "$cpus")
  echo "taskset -c $set ($n CPU$([ "$n" = 1 ] || echo s)):"
  taskset -c "$set" java -XX:+UseSerialGC -cp "target/kvmtune.jar:target/lib/*" bench/CollapseScaling.java "$file" "$cpus" "$rounds" 3 | sed 's/^/  /'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

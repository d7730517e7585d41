#!/usr/bin/env bash
# How `flame collapse -j N` scales with the CPUs it is given, in a warm JVM (bench/CollapseScaling.java:
# JVM start and JIT compilation left out, output checked equal across thread counts). A machine with
# more cores is simulated by limiting this one with taskset: one CPU, then CPUS_MAX CPUs (default: all),
# threads 1..that many each time. Same input as bench/flame-collapse.sh (SIZE_MB of this machine's perf
# run repeated). Then the whole command as a user runs it (JVM start and JIT included): `./kvmtune flame
# collapse -j 1` on one CPU, `-j 1` and `-j CPUS_MAX` on CPUS_MAX CPUs, alternated ROUNDS times, wall and CPU
# (user+sys) medians. Prints the load average before and after.
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
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
all="0-$((cpus - 1))"
declare -A wall cpu
for _ in $(seq 1 "$rounds"); do
  for run in "0 1" "$all 1" "$all $cpus"; do
    read -r set j <<<"$run"
    /usr/bin/time -o "$dir/t" -f "%e %U %S" taskset -c "$set" ./kvmtune flame collapse -j "$j" "$file" >/dev/null
    read -r w u s <"$dir/t"
    wall[$run]+="$w " cpu[$run]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}') "
  done
done
echo "the whole command (./kvmtune flame collapse -j N, JVM start included), medians of $rounds:"
for run in "0 1" "$all 1" "$all $cpus"; do
  read -r set j <<<"$run"
  # shellcheck disable=SC2086
  printf '  taskset -c %-4s -j %d: wall %s s, CPU %s s\n' "$set" "$j" "$(med ${wall[$run]})" "$(med ${cpu[$run]})"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

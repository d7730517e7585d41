#!/usr/bin/env bash
# kvmtune irq on a 1,152-CPU, 1,000-IRQ host (issue 23): the parse time of /proc/interrupts, and the
# whole command's wall and CPU time, median over RUNS (default 10), with the load average before and
# after. The tree is generated once by bench/gen-interrupts.py.
#   bench/irq.sh [RUNS] [CPUS] [IRQS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10} cpus=${2:-1152} irqs=${3:-1000}
tree=target/bench/irq-$cpus-$irqs
[ -f "$tree/proc/interrupts" ] || python3 bench/gen-interrupts.py "$tree" "$cpus" "$irqs"
./kvmtune --version >/dev/null   # build, and the class-data archive, once
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "target/kvmtune.jar:target/lib/*" bench/IrqParse.java "$tree/proc/interrupts" 20
for mode in report json tree; do
  case $mode in
    report) args=(irq --interval 0) ;;
    json) args=(irq --interval 0 --format json) ;;
    tree) args=(irq --interval 0 --tree) ;;
  esac
  walls=() cpus_=()
  for _ in $(seq 1 "$runs"); do
    t=$( { /usr/bin/time -f "%e %U %S" ./kvmtune --root "$tree" "${args[@]}" >/dev/null; } 2>&1 | tail -1)
    read -r w u s <<<"$t"
    walls+=("$w"); cpus_+=("$(echo "$u + $s" | bc)")
  done
  med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
  echo "irq ($mode): wall $(med "${walls[@]}") s, CPU $(med "${cpus_[@]}") s (median of $runs; walls: ${walls[*]})"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

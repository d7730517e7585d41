#!/usr/bin/env bash
# `kvmtune flame svg` against FlameGraph's flamegraph.pl on the same folded stacks, alternated run by
# run: a small input (this machine's real perf run, collapsed: about 110 KB) and a large one (distinct
# stacks made from it by numbering its leaf frames, to SIZE_MB). Wall and CPU (user+sys) of every
# run, the medians, the ratio pair by pair, and the load average. JVM start is included in kvmtune's
# times, as a user would run it. Needs perl and a FlameGraph checkout (FLAMEGRAPH_DIR, default
# /tmp/FlameGraph; not part of this repository).
#   bench/flame-svg.sh [RUNS] [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
size=${2:-20}
fg=${FLAMEGRAPH_DIR:-/tmp/FlameGraph}
[ -f "$fg/flamegraph.pl" ] || { echo "no $fg/flamegraph.pl (set FLAMEGRAPH_DIR)" >&2; exit 2; }
dir=${TMPDIR:-/tmp}/kvmtune-bench
mkdir -p "$dir"
small=$dir/small.folded
large=$dir/large-${size}m.folded
./kvmtune flame collapse src/test/resources/flame/perf-system-cpu-clock.txt >"$small"
if [ ! -f "$large" ]; then
  # each copy's leaf frames get the copy's number, so the stacks stay distinct and the graph grows
  i=0
  while [ "$(stat -c %s "$large" 2>/dev/null || echo 0)" -lt $((size * 1048576)) ]; do
    i=$((i + 1))
    sed "s/^\(.*\);\([^;]*\) \([0-9]*\)$/\1;\2_$i \3/" "$small" >>"$large"
  done
fi
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
time_of() { /usr/bin/time -o "$dir/t" -f "%e %U %S" "$@" >"$dir/out.svg" 2>/dev/null; awk '{printf "%.2f %.2f", $1, $2 + $3}' "$dir/t"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for input in "$small" "$large"; do
  kw=() kc=() pw=() pc=() pairs=() cpairs=()
  for _ in $(seq 1 "$runs"); do
    read -r w c <<<"$(time_of ./kvmtune flame svg "$input")"
    kw+=("$w"); kc+=("$c")
    read -r w2 c2 <<<"$(time_of perl "$fg/flamegraph.pl" "$input")"
    pw+=("$w2"); pc+=("$c2")
    pairs+=("$(awk -v a="$w2" -v b="$w" 'BEGIN {printf "%.2f", a / b}')")
    cpairs+=("$(awk -v a="$c2" -v b="$c" 'BEGIN {printf "%.2f", a / b}')")
  done
  printf '%s (%d KB, %d stacks)\n' "$input" "$(( $(stat -c %s "$input") / 1024 ))" "$(wc -l <"$input")"
  printf '  kvmtune flame svg: wall %s s, CPU %s s (medians of %d)\n' "$(med "${kw[@]}")" "$(med "${kc[@]}")" "$runs"
  printf '  flamegraph.pl:     wall %s s, CPU %s s\n' "$(med "${pw[@]}")" "$(med "${pc[@]}")"
  echo "  flamegraph.pl over kvmtune, pair by pair (wall): ${pairs[*]}"
  echo "  flamegraph.pl over kvmtune, pair by pair (CPU):  ${cpairs[*]}"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

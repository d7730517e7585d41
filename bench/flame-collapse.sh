#!/usr/bin/env bash
# `kvmtune flame collapse` against FlameGraph's stackcollapse-perf.pl on the same perf-script text
# (default 500 MB, made by repeating this machine's perf run in src/test/resources/flame), JVM start
# included, one parsing thread. The perl runs (PERL_RUNS, default 3) are spread among kvmtune's so
# that both see the same state of a noisy machine. Needs perl and a FlameGraph checkout
# (FLAMEGRAPH_DIR, default /tmp/FlameGraph; not part of this repository). Checks the outputs are the
# same bytes, then prints each run's seconds and MB/s, the medians, and the ratio of the medians.
# JOBS=N times kvmtune's `-j N` (parallel parsing) instead of one thread.
# Usage: [JOBS=N] [PERL_RUNS=N] bench/flame-collapse.sh [RUNS] [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
size=${2:-500}
fg=${FLAMEGRAPH_DIR:-/tmp/FlameGraph}
[ -f "$fg/stackcollapse-perf.pl" ] || { echo "no $fg/stackcollapse-perf.pl (set FLAMEGRAPH_DIR)" >&2; exit 2; }
dir=${TMPDIR:-/tmp}/kvmtune-bench
file=$dir/perf-stacks-${size}m.txt
mkdir -p "$dir"
if [ ! -f "$file" ]; then
  src=src/test/resources/flame/perf-system-cpu-clock.txt
  n=$(( size * 1048576 / $(stat -c %s "$src") + 1 ))
  for _ in $(seq 1 "$n"); do cat "$src"; done > "$file"
fi
bytes=$(stat -c %s "$file")
./kvmtune flame collapse "$file" > "$dir/kvmtune.folded"
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mbs() { awk -v b="$bytes" -v s="$1" 'BEGIN {printf "%.0f", b / 1048576 / s}'; }
time_of() { local s e; s=$(date +%s%N); "$@" > "$dir/out.folded"; e=$(date +%s%N); awk -v d=$((e - s)) 'BEGIN {printf "%.2f", d / 1e9}'; }
k=(); p=()
jobs=()
[ -n "${JOBS:-}" ] && jobs=(-j "$JOBS")
perl_runs=${PERL_RUNS:-3}
for i in $(seq 1 "$runs"); do
  k+=("$(time_of ./kvmtune flame collapse "$file" "${jobs[@]}")")
  cmp "$dir/out.folded" "$dir/kvmtune.folded"
  # perl after kvmtune runs spread evenly over the series
  if [ $(( i * perl_runs / runs )) -gt $(( (i - 1) * perl_runs / runs )) ]; then
    p+=("$(time_of perl "$fg/stackcollapse-perf.pl" "$file")")
    cmp "$dir/out.folded" "$dir/kvmtune.folded"
  fi
done
echo "outputs identical"
km=$(median "${k[@]}"); pm=$(median "${p[@]}")
printf 'input: %s (%d MB)\n' "$file" "$((bytes / 1048576))"
printf 'kvmtune seconds: %s  (median %s s = %s MB/s)\n' "${k[*]}" "$km" "$(mbs "$km")"
printf 'perl seconds:    %s  (median %s s = %s MB/s)\n' "${p[*]}" "$pm" "$(mbs "$pm")"
awk -v a="$pm" -v b="$km" 'BEGIN {printf "ratio of medians: %.1fx\n", a / b}'

#!/usr/bin/env bash
# `kvmtune flame collapse` against FlameGraph's stackcollapse-perf.pl on the same perf-script text
# (default 500 MB, made by repeating this machine's perf run in src/test/resources/flame), JVM start
# included, one parsing thread. The perl runs (PERL_RUNS, default 3) are spread among kvmtune's so
# that both see the same state of a noisy machine. Needs perl and a FlameGraph checkout
# (FLAMEGRAPH_DIR, default /tmp/FlameGraph; not part of this repository). Checks the outputs are the
# same bytes, then prints each run's wall and CPU (user+sys) seconds, the medians of both, the ratio of
# the medians, each perl run over the kvmtune run before it, and the load average before and after.
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
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mbs() { awk -v b="$bytes" -v s="$1" 'BEGIN {printf "%.0f", b / 1048576 / s}'; }
time_of() { /usr/bin/time -o "$dir/t" -f "%e %U %S" "$@" > "$dir/out.folded"; awk '{printf "%.2f %.2f", $1, $2 + $3}' "$dir/t"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
kw=(); kc=(); pw=(); pc=(); pairs=()
jobs=()
[ -n "${JOBS:-}" ] && jobs=(-j "$JOBS")
perl_runs=${PERL_RUNS:-3}
for i in $(seq 1 "$runs"); do
  read -r w c <<<"$(time_of ./kvmtune flame collapse "$file" "${jobs[@]}")"
  kw+=("$w"); kc+=("$c")
  cmp "$dir/out.folded" "$dir/kvmtune.folded"
  # perl after kvmtune runs spread evenly over the series
  if [ $(( i * perl_runs / runs )) -gt $(( (i - 1) * perl_runs / runs )) ]; then
    read -r pwi pci <<<"$(time_of perl "$fg/stackcollapse-perf.pl" "$file")"
    pw+=("$pwi"); pc+=("$pci")
    pairs+=("$(awk -v a="$pwi" -v b="$w" -v c="$pci" -v d="$c" 'BEGIN {printf "%.1fx/%.1fx", a / b, c / d}')")
    cmp "$dir/out.folded" "$dir/kvmtune.folded"
  fi
done
echo "outputs identical"
printf 'input: %s (%d MB)\n' "$file" "$((bytes / 1048576))"
printf 'kvmtune wall: %s  (median %s s = %s MB/s); CPU: %s (median %s s)\n' "${kw[*]}" "$(median "${kw[@]}")" "$(mbs "$(median "${kw[@]}")")" "${kc[*]}" "$(median "${kc[@]}")"
printf 'perl wall:    %s  (median %s s = %s MB/s); CPU: %s (median %s s)\n' "${pw[*]}" "$(median "${pw[@]}")" "$(mbs "$(median "${pw[@]}")")" "${pc[*]}" "$(median "${pc[@]}")"
awk -v a="$(median "${pw[@]}")" -v b="$(median "${kw[@]}")" -v c="$(median "${pc[@]}")" -v d="$(median "${kc[@]}")" \
  'BEGIN {printf "ratio of medians: wall %.1fx, CPU %.1fx\n", a / b, c / d}'
echo "each perl run over the kvmtune run before it (wall/CPU): ${pairs[*]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# `kvmtune qemu-trace` against QEMU's scripts/simpletrace.py on the same simple-backend trace
# (default 1 GB, written by gen-simpletrace.py from the real trace-events-all of the installed QEMU),
# JVM start included, both writing their text to a file (removed before each run, outside the
# timing). The simpletrace.py runs (PY_RUNS, default 3) are spread among kvmtune's so that both see
# the same state of a noisy machine. Needs python3 and a copy of QEMU's scripts/ (simpletrace.py and
# tracetool/; QEMU_SCRIPTS_DIR, default /tmp/qemu-scripts; not part of this repository). Checks the
# outputs are the same bytes, then prints each run's seconds, MB/s of trace read, the medians and
# the ratio of the medians.
# Usage: [PY_RUNS=N] bench/qemu-trace.sh [RUNS] [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
size=${2:-1024}
scripts=${QEMU_SCRIPTS_DIR:-/tmp/qemu-scripts}
events=${TRACE_EVENTS:-/usr/share/qemu/trace-events-all}
[ -f "$scripts/simpletrace.py" ] || { echo "no $scripts/simpletrace.py (set QEMU_SCRIPTS_DIR)" >&2; exit 2; }
dir=${TMPDIR:-/tmp}/kvmtune-bench
file=$dir/simpletrace-${size}m.bin
mkdir -p "$dir"
[ -f "$file" ] || python3 bench/gen-simpletrace.py "$events" "$file" "$size"
bytes=$(stat -c %s "$file")
./kvmtune qemu-trace "$events" "$file" > "$dir/kvmtune.txt"
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mbs() { awk -v b="$bytes" -v s="$1" 'BEGIN {printf "%.0f", b / 1048576 / s}'; }
time_of() { local s e; rm -f "$dir/out.txt"; s=$(date +%s%N); "$@" > "$dir/out.txt"; e=$(date +%s%N); awk -v d=$((e - s)) 'BEGIN {printf "%.2f", d / 1e9}'; }
k=(); p=()
py_runs=${PY_RUNS:-3}
for i in $(seq 1 "$runs"); do
  k+=("$(time_of ./kvmtune qemu-trace "$events" "$file")")
  cmp "$dir/out.txt" "$dir/kvmtune.txt"
  # simpletrace.py after kvmtune runs spread evenly over the series
  if [ $(( i * py_runs / runs )) -gt $(( (i - 1) * py_runs / runs )) ]; then
    p+=("$(time_of python3 "$scripts/simpletrace.py" "$events" "$file")")
    cmp "$dir/out.txt" "$dir/kvmtune.txt"
  fi
done
echo "outputs identical ($(wc -l < "$dir/kvmtune.txt") lines)"
km=$(median "${k[@]}"); pm=$(median "${p[@]}")
printf 'input: %s (%d MB)\n' "$file" "$((bytes / 1048576))"
printf 'kvmtune seconds: %s  (median %s s = %s MB/s)\n' "${k[*]}" "$km" "$(mbs "$km")"
printf 'simpletrace.py seconds: %s  (median %s s = %s MB/s)\n' "${p[*]}" "$pm" "$(mbs "$pm")"
awk -v a="$pm" -v b="$km" 'BEGIN {printf "ratio of medians: %.1fx\n", a / b}'

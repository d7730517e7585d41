#!/usr/bin/env bash
# Throughput of `kvmtune exits report` on a perf-script text of kvm_exit/kvm_entry/kvm_msr lines
# (default 1024 MB), JVM start included, single-threaded parser, heap capped at 64 MB to show the
# memory stays flat. Prints each run's seconds, MB/s and peak RSS, then the medians.
# Usage: bench/exits-report.sh [RUNS] [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
size=${2:-1024}
dir=${TMPDIR:-/tmp}/kvmtune-bench
file=$dir/perf-script-${size}m.txt
mkdir -p "$dir"
if [ ! -f "$file" ]; then
  echo "generating $file ..." >&2
  python3 bench/gen-perf-script.py "$file" "$size"
fi
bytes=$(stat -c %s "$file")
./kvmtune exits report "$file" >/dev/null   # build and warm the class-data archive once
secs=(); rates=(); rss=()
for _ in $(seq 1 "$runs"); do
  JAVA_TOOL_OPTIONS=-Xmx64m /usr/bin/time -o "$dir/time.txt" -f '%e %M' ./kvmtune exits report "$file" >/dev/null 2>/dev/null
  out=$(tail -1 "$dir/time.txt")
  s=${out% *}; m=${out#* }
  secs+=("$s"); rss+=("$m")
  rates+=("$(awk -v b="$bytes" -v s="$s" 'BEGIN {printf "%.0f", b / 1048576 / s}')")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
printf 'input: %s (%d MB)\n' "$file" "$((bytes / 1048576))"
printf 'seconds: %s\n' "${secs[*]}"
printf 'MB/s:    %s\n' "${rates[*]}"
printf 'peak RSS (KB): %s\n' "${rss[*]}"
printf 'median: %s s, %s MB/s, %s KB RSS over %d runs\n' "$(median "${secs[@]}")" "$(median "${rates[@]}")" "$(median "${rss[@]}")" "$runs"

#!/usr/bin/env bash
# `kvmtune exits report` against a plain awk aggregation of the same numbers (bench/exits-report.awk:
# exits per reason, share, rate, time in exit, MSR reads and writes), alternated run by run on one
# perf-script text of kvm_exit/kvm_entry/kvm_msr lines (default 1024 MB, made once by
# bench/gen-perf-script.py). Prints the input's line and exit counts (from grep, and checked equal to
# both tools' totals), the median wall and CPU (user+sys) time of both, the ratio pair by pair, kvmtune's
# peak RSS with the heap capped at 64 MB (memory stays flat), and the load average before and after.
# JVM start is included in kvmtune's times, as a user would run it; its parser is one thread.
#   bench/exits-report.sh [RUNS] [SIZE_MB] [AWK]          e.g. bench/exits-report.sh 7 1024 mawk
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
size=${2:-1024}
awk_bin=${3:-$(command -v mawk || command -v awk)}
dir=${TMPDIR:-/tmp}/kvmtune-bench
file=$dir/perf-script-${size}m.txt
mkdir -p "$dir"
if [ ! -f "$file" ]; then
  echo "generating $file ..." >&2
  python3 bench/gen-perf-script.py "$file" "$size"
fi
bytes=$(stat -c %s "$file")
lines=$(wc -l <"$file")
exits=$(grep -c 'kvm:kvm_exit:' "$file")
# each tool's total, checked against grep's count: the two aggregate the same exits
k_total=$(./kvmtune exits report "$file" | awk '$1 == "total" {print $2; exit}')   # also builds and trains once
a_total=$("$awk_bin" -f bench/exits-report.awk "$file" | awk '$1 == "total" {print $2}')
if [ "$k_total" != "$exits" ] || [ "$a_total" != "$exits" ]; then
  echo "totals differ: grep $exits, kvmtune $k_total, awk $a_total" >&2
  exit 1
fi
printf 'input: %s (%d MB, %d lines, %d exits)\n' "$file" "$((bytes / 1048576))" "$lines" "$exits"
echo "reference: $awk_bin -f bench/exits-report.awk ($("$awk_bin" -W version 2>&1 | head -n 1))"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
kw=() kc=() krss=() aw=() ac=() rw=() rc=()
for _ in $(seq 1 "$runs"); do
  JAVA_TOOL_OPTIONS=-Xmx64m /usr/bin/time -o "$dir/t" -f '%e %U %S %M' ./kvmtune exits report "$file" >/dev/null 2>/dev/null
  read -r w u s m <"$dir/t"
  kw+=("$w") kc+=("$(echo "$u + $s" | bc)") krss+=("$m")
  /usr/bin/time -o "$dir/t" -f '%e %U %S' "$awk_bin" -f bench/exits-report.awk "$file" >/dev/null
  read -r w u s <"$dir/t"
  aw+=("$w") ac+=("$(echo "$u + $s" | bc)")
  rw+=("$(echo "scale=2; ${aw[-1]} / ${kw[-1]}" | bc)") rc+=("$(echo "scale=2; ${ac[-1]} / ${kc[-1]}" | bc)")
done
printf 'kvmtune exits report: wall %s s (%s MB/s), CPU %s s, peak RSS %s KB (medians of %d)\n' "$(med "${kw[@]}")" \
  "$(awk -v b="$bytes" -v s="$(med "${kw[@]}")" 'BEGIN {printf "%.0f", b / 1048576 / s}')" "$(med "${kc[@]}")" "$(med "${krss[@]}")" "$runs"
printf 'awk aggregation:      wall %s s (%s MB/s), CPU %s s\n' "$(med "${aw[@]}")" \
  "$(awk -v b="$bytes" -v s="$(med "${aw[@]}")" 'BEGIN {printf "%.0f", b / 1048576 / s}')" "$(med "${ac[@]}")"
echo "awk over kvmtune, pair by pair (wall): ${rw[*]}"
echo "awk over kvmtune, pair by pair (CPU):  ${rc[*]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

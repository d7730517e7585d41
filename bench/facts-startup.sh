#!/usr/bin/env bash
# Wall time of `kvmtune facts` including JVM start, over N runs (default 10): prints every run
# and the median. Usage: bench/facts-startup.sh [RUNS] [extra kvmtune args...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
shift || true
./kvmtune facts "$@" >/dev/null   # build and warm the class-data archive once
times=()
for _ in $(seq 1 "$runs"); do
  s=$(date +%s%N)
  ./kvmtune facts "$@" >/dev/null
  e=$(date +%s%N)
  times+=("$(( (e - s) / 1000000 ))")
done
printf 'runs (ms): %s\n' "${times[*]}"
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "median: %d ms over %d runs\n", m, NR}'

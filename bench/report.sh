#!/usr/bin/env bash
# kvmtune report of two bundles, alternated with 'kvmtune --version' (the launcher and JVM start alone),
# wall and CPU time of each run, medians, the report's cost over start-up pair by pair, and the load average.
#   bench/report.sh [RUNS] [BEFORE] [AFTER]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
a=${2:-src/test/resources/report/bundle-spin}
b=${3:-src/test/resources/report/bundle-spin}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
./kvmtune --version >/dev/null   # builds first when the sources changed
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
rw=() rc=() vw=() vc=() diff=()
for i in $(seq 1 "$runs"); do
  /usr/bin/time -o "$out/t" -f "%e %U %S" ./kvmtune report "$a" "$b" -o "$out/r$i.html" >/dev/null 2>&1
  read -r w u s <"$out/t"
  rw+=("$w"); rc+=("$(echo "$u + $s" | bc)")
  /usr/bin/time -o "$out/t" -f "%e %U %S" ./kvmtune --version >/dev/null 2>&1
  read -r w2 u s <"$out/t"
  vw+=("$w2"); vc+=("$(echo "$u + $s" | bc)")
  diff+=("$(echo "$w - $w2" | bc)")
done
echo "report: wall $(med "${rw[@]}") s, CPU $(med "${rc[@]}") s (walls: ${rw[*]})"
echo "--version: wall $(med "${vw[@]}") s, CPU $(med "${vc[@]}") s (walls: ${vw[*]})"
echo "report minus start-up, pair by pair: ${diff[*]} s"
echo "page: $(stat -c %s "$out/r1.html") bytes"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

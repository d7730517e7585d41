#!/usr/bin/env bash
# `kvmtune mem` against Debian's smem on the same live processes: PROCS (default 2000) stopped
# sleepers are started beside whatever the host runs (KIND=static: busybox sleep, 12 mappings each;
# KIND=dynamic: coreutils' /bin/sleep with libc, 25 or so; KIND=perl: perl -e sleep, about 40), then the two tools run alternately,
# RUNS (default 7) pairs, each to /dev/null with their default view (per process, sorted by PSS).
# For every run: wall seconds (date +%s%N) and CPU seconds (user+sys of the command, from GNU time's
# %U %S); then the median wall and CPU of each tool, the ratio pair by pair, the medians of those
# ratios, and the load average at the start and at the end. JVM start is included.
# Usage: bench/mem.sh [RUNS] [PROCS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
procs=${2:-2000}
command -v smem >/dev/null || { echo "smem is not installed (apt-get install smem)" >&2; exit 2; }
bb=$(command -v busybox) || { echo "busybox is not installed (apt-get install busybox-static)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is not installed (apt-get install time)" >&2; exit 2; }
./kvmtune mem > /dev/null
pids=()
cleanup() { [ ${#pids[@]} -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT
case "${KIND:-static}" in
  static) sleeper=("$bb" sleep 3600) ;;
  dynamic) sleeper=(/bin/sleep 3600) ;;
  perl) sleeper=(perl -e 'sleep 3600') ;;
  *) echo "KIND is static, dynamic or perl" >&2; exit 2 ;;
esac
for _ in $(seq 1 "$procs"); do "${sleeper[@]}" & pids+=($!); done
sleep 1
kill -STOP "${pids[@]}"
total=$(ls /proc | grep -c '^[0-9]')
echo "processes on the host: $total (of which $procs stopped '${sleeper[*]}', $(grep -c . /proc/${pids[0]}/maps) mappings each)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
tmp=$(mktemp)
one() { # prints "wall cpu"
  local s e
  s=$(date +%s%N)
  /usr/bin/time -f '%U %S' -o "$tmp" "$@" > /dev/null
  e=$(date +%s%N)
  awk -v d=$((e - s)) -v f="$(cat "$tmp")" 'BEGIN {split(f, t, " "); printf "%.3f %.3f", d / 1e9, t[1] + t[2]}'
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
kw=(); kc=(); sw=(); sc=(); rw=(); rc=()
printf '%4s %10s %10s %10s %10s %8s %8s\n' run kv_wall kv_cpu smem_wall smem_cpu r_wall r_cpu
for i in $(seq 1 "$runs"); do
  read -r a b <<< "$(one ./kvmtune mem)"
  read -r c d <<< "$(one smem -c 'pid user command swap uss pss rss')"
  kw+=("$a"); kc+=("$b"); sw+=("$c"); sc+=("$d")
  x=$(awk -v s="$c" -v k="$a" 'BEGIN {printf "%.1f", s / k}'); y=$(awk -v s="$d" -v k="$b" 'BEGIN {printf "%.1f", (k > 0) ? s / k : 0}')
  rw+=("$x"); rc+=("$y")
  printf '%4d %10s %10s %10s %10s %7sx %7sx\n' "$i" "$a" "$b" "$c" "$d" "$x" "$y"
done
rm -f "$tmp"
printf 'median kvmtune: wall %s s, cpu %s s\n' "$(median "${kw[@]}")" "$(median "${kc[@]}")"
printf 'median smem:    wall %s s, cpu %s s\n' "$(median "${sw[@]}")" "$(median "${sc[@]}")"
printf 'median ratio (pair by pair): wall %sx, cpu %sx\n' "$(median "${rw[@]}")" "$(median "${rc[@]}")"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

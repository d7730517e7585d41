#!/usr/bin/env bash
# Start-up of this checkout against another (an earlier commit in a git worktree), alternated run by run in one
# loop: for each command, median wall and CPU (user+sys) of both, this one over the other pair by pair, and the
# load average before and after. Both checkouts build and train their class archive first.
#   git worktree add /tmp/before <commit> && bench/startup-compare.sh 11 /tmp/before
#   bench/startup-compare.sh 11 /tmp/before /usr/lib/jvm/temurin-25-jdk-amd64     # both on another JDK
#   COMMANDS='flame svg src/test/resources/flame/perf-system-cpu-clock.txt;facts' bench/startup-compare.sh 11 /tmp/before
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-11}
other=${2:?usage: bench/startup-compare.sh RUNS OTHER_CHECKOUT [JAVA_HOME]}
if [ -n "${3:-}" ]; then export JAVA_HOME=$3; fi
[ -x "$other/kvmtune" ] || { echo "startup-compare: $other has no kvmtune launcher" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
./kvmtune --version >/dev/null
"$other/kvmtune" --version >/dev/null
echo "JDK: $(sed -n '2s/ .*//p' target/launcher.cache); this: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src kvmtune pom.xml || echo '+changes'); other: $other ($(git -C "$other" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
IFS=';' read -r -a commands <<<"${COMMANDS:---version;facts;audit}"
for c in "${commands[@]}"; do
  tw=() tc=() ow=() oc=() ratios=()
  for _ in $(seq 1 "$runs"); do
    for side in this other; do
      if [ $side = this ]; then k=./kvmtune; else k=$other/kvmtune; fi
      # shellcheck disable=SC2086
      /usr/bin/time -o "$out/t" -f "%e %U %S" $k $c >/dev/null 2>&1 || true
      read -r w u s <"$out/t"
      cpu=$(echo "$u + $s" | bc)
      if [ $side = this ]; then tw+=("$w") tc+=("$cpu") v=$w; else ow+=("$w") oc+=("$cpu") ratios+=("$(echo "scale=2; $v / $w" | bc)"); fi
    done
  done
  printf '%s\n           this: wall %s s, CPU %s s   other: wall %s s, CPU %s s   (median of %d)\n' "$c" \
    "$(med "${tw[@]}")" "$(med "${tc[@]}")" "$(med "${ow[@]}")" "$(med "${oc[@]}")" "$runs"
  echo "           this over other, wall, pair by pair: ${ratios[*]}"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

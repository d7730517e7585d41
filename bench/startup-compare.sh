#!/usr/bin/env bash
# Start-up of this checkout against another (an earlier commit in a git worktree), alternated run by run in one
# loop: for each command, median wall and CPU (user+sys) of both, this one over the other pair by pair, and the
# load average before and after. Both checkouts build and train their class archives first.
#
# MEASURE=instructions counts instead the machine instructions of each cold start, under valgrind's callgrind:
# the work done, whatever else the machine is doing, where wall and CPU time on a shared two-CPU VM move by a
# fifth from one minute to the next. The count is of the java process the launcher execs (all its threads:
# interpreter, compiler, GC). It is not a time: page faults and threads waiting on each other are not in it, and
# under valgrind the threads run one at a time, so the JIT compiles at other moments than in a real run and
# counts of one build vary by a few per cent: take the median of several runs.
#   git worktree add /tmp/before <commit> && bench/startup-compare.sh 11 /tmp/before
#   bench/startup-compare.sh 11 /tmp/before /usr/lib/jvm/temurin-25-jdk-amd64     # both on another JDK
#   git worktree add /tmp/same HEAD && OTHER_JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 bench/startup-compare.sh 11 /tmp/same
#                                                              # this JDK against another, same commit
#   COMMANDS='flame svg src/test/resources/flame/perf-system-cpu-clock.txt;facts' bench/startup-compare.sh 11 /tmp/before
#   MEASURE=instructions bench/startup-compare.sh 5 /tmp/before
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-11}
other=${2:?usage: bench/startup-compare.sh RUNS OTHER_CHECKOUT [JAVA_HOME]}
if [ -n "${3:-}" ]; then export JAVA_HOME=$3; fi
measure=${MEASURE:-time}
case $measure in
  time) ;;
  instructions) command -v valgrind >/dev/null || { echo "startup-compare: needs valgrind (apt-get install valgrind)" >&2; exit 2; } ;;
  *) echo "startup-compare: MEASURE is time or instructions, not $measure" >&2; exit 2 ;;
esac
[ -x "$other/kvmtune" ] || { echo "startup-compare: $other has no kvmtune launcher" >&2; exit 2; }
# the other checkout on a JDK of its own: env sets JAVA_HOME for its launcher alone
other_env=()
if [ -n "${OTHER_JAVA_HOME:-}" ]; then other_env=(env JAVA_HOME="$OTHER_JAVA_HOME"); fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
IFS=';' read -r -a commands <<<"${COMMANDS:---version;facts;audit}"
# each command once on both sides, untimed: the build, the JDK choice and each set's class archive are made now
for c in "${commands[@]}"; do
  # shellcheck disable=SC2086
  ./kvmtune $c >/dev/null 2>&1 || true
  # shellcheck disable=SC2086
  "${other_env[@]}" "$other/kvmtune" $c >/dev/null 2>&1 || true
done
echo "JDK: $(sed -n '2s/ .*//p' target/launcher.cache), other's: $(sed -n '2s/ .*//p' "$other/target/launcher.cache"); this: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src kvmtune pom.xml || echo '+changes'); other: $other ($(git -C "$other" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
millions() { med "$@" | awk '{printf "%d", $1 / 1e6}'; }
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%d-%d", lo / 1e6, hi / 1e6}'; }
# one run of a command: "wall cpu" in seconds, or the instructions of the last process valgrind reports (the
# launcher execs bash, then java, in one process)
run() {
  if [ "$measure" = time ]; then
    # to the millisecond, where /usr/bin/time rounds to 10 ms (a twentieth of a start): the wall clock from bash's
    # EPOCHREALTIME, the CPU from the subshell's times (its second line: its children's user and system time)
    local start end
    start=$EPOCHREALTIME
    ( "$@" >/dev/null 2>&1 || true; times ) >"$out/t"
    end=$EPOCHREALTIME
    awk -v wall="$(echo "$end - $start" | bc)" 'function s(t) { split(t, p, "m"); sub("s", "", p[2]); return p[1] * 60 + p[2] }
      NR == 2 { printf "%.3f %.3f\n", wall, s($1) + s($2) }' "$out/t"
  else
    valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$out/cg.%p" "$@" >/dev/null 2>"$out/log" || true
    rm -f "$out"/cg.*
    sed -n 's/^==[0-9]*== I *refs: *//p' "$out/log" | tail -1 | tr -d ,
  fi
}
for c in "${commands[@]}"; do
  tw=() tc=() ow=() oc=() ratios=()
  for _ in $(seq 1 "$runs"); do
    # shellcheck disable=SC2086
    read -r w cpu <<<"$(run ./kvmtune $c)"
    tw+=("$w") tc+=("${cpu:-0}")
    # shellcheck disable=SC2086
    read -r o ocpu <<<"$(run "${other_env[@]}" "$other/kvmtune" $c)"
    ow+=("$o") oc+=("${ocpu:-0}") ratios+=("$(echo "scale=3; $w / $o" | bc)")
  done
  if [ "$measure" = time ]; then
    printf '%s\n           this: wall %s s, CPU %s s   other: wall %s s, CPU %s s   (median of %d)\n' "$c" \
      "$(med "${tw[@]}")" "$(med "${tc[@]}")" "$(med "${ow[@]}")" "$(med "${oc[@]}")" "$runs"
    echo "           this over other, wall, pair by pair: ${ratios[*]}"
  else
    printf '%s\n           this: %d M instructions (%s)   other: %d M (%s)   (median and range of %d)\n' "$c" \
      "$(millions "${tw[@]}")" "$(range "${tw[@]}")" "$(millions "${ow[@]}")" "$(range "${ow[@]}")" "$runs"
    echo "           this over other, pair by pair: ${ratios[*]}"
  fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

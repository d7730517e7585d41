#!/usr/bin/env bash
# The work of a cold start, counted in machine instructions: this checkout against another (an earlier commit in
# a git worktree), alternated run by run. Each run is `valgrind --tool=callgrind ./kvmtune COMMAND`; the count
# is of the java process the launcher execs (all its threads: interpreter, compiler, GC), and does not depend on
# what else the machine is doing, where wall and CPU time on a shared two-CPU VM vary by a fifth from one minute
# to the next. It is not a time: a cold JVM's page faults and its threads waiting on each other are not in it.
# Under valgrind the threads run one at a time, so the JIT compiles at other moments than in a real run: counts
# of the same build vary by a few per cent, hence the median of several runs.
#   git worktree add /tmp/before <commit> && bench/startup-instructions.sh 5 /tmp/before
#   COMMANDS='facts;flame svg src/test/resources/flame/perf-system-cpu-clock.txt' bench/startup-instructions.sh 5 /tmp/before
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
other=${2:?usage: bench/startup-instructions.sh RUNS OTHER_CHECKOUT [JAVA_HOME]}
if [ -n "${3:-}" ]; then export JAVA_HOME=$3; fi
command -v valgrind >/dev/null || { echo "startup-instructions: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
[ -x "$other/kvmtune" ] || { echo "startup-instructions: $other has no kvmtune launcher" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
./kvmtune --version >/dev/null
"$other/kvmtune" --version >/dev/null
echo "JDK: $(sed -n '2s/ .*//p' target/launcher.cache); this: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src kvmtune pom.xml || echo '+changes'); other: $other ($(git -C "$other" rev-parse --short HEAD 2>/dev/null || echo '?'))"
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# the instructions of the last process valgrind reports: the launcher execs env, bash, then java, in one process
count() {
  valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$out/cg.%p" "$@" >/dev/null 2>"$out/log" || true
  rm -f "$out"/cg.*
  sed -n 's/^==[0-9]*== I *refs: *//p' "$out/log" | tail -1 | tr -d ,
}
IFS=';' read -r -a commands <<<"${COMMANDS:---version;facts;audit}"
for c in "${commands[@]}"; do
  this=() that=() ratios=()
  for _ in $(seq 1 "$runs"); do
    # shellcheck disable=SC2086
    t=$(count ./kvmtune $c)
    # shellcheck disable=SC2086
    o=$(count "$other/kvmtune" $c)
    this+=("$t") that+=("$o") ratios+=("$(echo "scale=3; $t / $o" | bc)")
  done
  printf '%s\n           this: %s M instructions (%s-%s)   other: %s M (%s-%s)   (median, range of %d)\n' "$c" \
    "$(( $(med "${this[@]}") / 1000000 ))" "$(( $(printf '%s\n' "${this[@]}" | sort -g | head -1) / 1000000 ))" \
    "$(( $(printf '%s\n' "${this[@]}" | sort -g | tail -1) / 1000000 ))" \
    "$(( $(med "${that[@]}") / 1000000 ))" "$(( $(printf '%s\n' "${that[@]}" | sort -g | head -1) / 1000000 ))" \
    "$(( $(printf '%s\n' "${that[@]}" | sort -g | tail -1) / 1000000 ))" "$runs"
  echo "           this over other, pair by pair: ${ratios[*]}"
done

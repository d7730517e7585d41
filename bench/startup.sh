#!/usr/bin/env bash
# Start-up of short kvmtune commands, alternated in one loop with the floor under them: the bare JVM
# (java -version with the launcher's flags) and lscpu. Wall and CPU (user+sys) of every run, medians,
# kvmtune over the bare JVM pair by pair, and the load average. Then, once per command, where the time
# went: the launcher (bash), the JVM until main, building the command line, the command, and exit,
# from strace -ttt's exec of java and exit_group set beside KVMTUNE_STARTUP_TRACE's timestamps.
#   bench/startup.sh [RUNS] [JAVA_HOME]      e.g. bench/startup.sh 11 /usr/lib/jvm/temurin-25-jdk-amd64
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-11}
if [ -n "${2:-}" ]; then export JAVA_HOME=$2; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
./kvmtune --version >/dev/null   # build, JDK choice and class archive, once
java=$(sed -n '2s/ .*//p' target/launcher.cache)
echo "JDK: $java ($("$java" -version 2>&1 | head -n 1)); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -A wall cpu
names=("kvmtune --version" "kvmtune facts" "kvmtune audit" "java -version" "lscpu")
cmds=("./kvmtune --version" "./kvmtune facts" "./kvmtune audit" "$java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto -version" "lscpu")
ratios=()
for _ in $(seq 1 "$runs"); do
  for i in "${!cmds[@]}"; do
    # shellcheck disable=SC2086
    /usr/bin/time -o "$out/t" -f "%e %U %S" ${cmds[$i]} >/dev/null 2>&1 || true
    read -r w u s <"$out/t"
    wall[$i]="${wall[$i]:-} $w"
    cpu[$i]="${cpu[$i]:-} $(echo "$u + $s" | bc)"
    [ "$i" = 0 ] && v=$w
    [ "$i" = 3 ] && ratios+=("$(echo "scale=2; $v / $w" | bc)")
  done
done
for i in "${!cmds[@]}"; do
  # shellcheck disable=SC2086
  printf '%-18s wall %s s, CPU %s s (median of %d)\n' "${names[$i]}" "$(med ${wall[$i]})" "$(med ${cpu[$i]})" "$runs"
done
echo "kvmtune --version over java -version, pair by pair: ${ratios[*]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v strace >/dev/null 2>&1; then
  echo "where the time went (one run each, under strace, which slows every exec):"
  for c in "--version" "facts" "audit"; do
    # shellcheck disable=SC2086
    KVMTUNE_STARTUP_TRACE=1 strace -f -ttt -e trace=execve,exit_group -o "$out/s" ./kvmtune $c >/dev/null 2>"$out/e" || true
    t0=$(awk '/execve\(/ && / = 0$/ {print $2; exit}' "$out/s")
    tj=$(awk '/execve\(/ && /bin\/java"/ && / = 0$/ {print $2; exit}' "$out/s")
    te=$(awk '/exit_group/ {t=$2} END {print t}' "$out/s")
    read -r _ _ _ _ main _ built _ done <<<"$(grep 'startup trace' "$out/e")"
    ms() { echo "scale=0; ($2 - $1) * 1000 / 1" | bc; }
    printf '  %-10s launcher %s ms, JVM to main %s ms, command line %s ms, command %s ms, exit %s ms\n' "$c" \
      "$(ms "$t0" "$tj")" "$(ms "$tj" "$(echo "scale=3; $main / 1000" | bc)")" "$((built - main))" "$((done - built))" \
      "$(ms "$(echo "scale=3; $done / 1000" | bc)" "$te")"
  done
fi

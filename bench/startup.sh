#!/usr/bin/env bash
# Start-up of short kvmtune commands, alternated in one loop with the floor under them: the bare JVM
# (java -version with the launcher's flags) and lscpu. Wall and CPU (user+sys) of every run, medians,
# kvmtune over the bare JVM pair by pair, and the load average. Then, once per command, where the time
# went: the launcher (bash), the JVM until main, building the command line, the command, and exit,
# from the shell's clock ($EPOCHREALTIME) and KVMTUNE_STARTUP_TRACE's timestamps (launcher and main).
#   bench/startup.sh [RUNS] [JAVA_HOME]      e.g. bench/startup.sh 11 /usr/lib/jvm/temurin-25-jdk-amd64
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-11}
if [ -n "${2:-}" ]; then export JAVA_HOME=$2; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# the build, the JDK choice and each command's class archive, untimed
for c in --version facts audit; do ./kvmtune $c >/dev/null 2>&1 || true; done
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
echo "where the time went (median of $runs runs each; timestamps from the shell, the launcher and main):"
for c in "--version" "facts" "audit"; do
  l=() j=() b=() k=() x=()
  for _ in $(seq 1 "$runs"); do
    t0=$EPOCHREALTIME
    # shellcheck disable=SC2086
    KVMTUNE_STARTUP_TRACE=1 ./kvmtune $c >/dev/null 2>"$out/e" || true
    t9=$EPOCHREALTIME
    exec_s=$(sed -n 's/.*startup trace: exec //p' "$out/e")
    read -r main built done <<<"$(sed -n 's/.*startup trace: main \([0-9]*\) built \([0-9]*\) done \([0-9]*\)/\1 \2 \3/p' "$out/e")"
    l+=("$(echo "($exec_s - $t0) * 1000" | bc)")
    j+=("$(echo "$main - $exec_s * 1000" | bc)")
    b+=("$((built - main))")
    k+=("$((done - built))")
    x+=("$(echo "$t9 * 1000 - $done" | bc)")
  done
  printf '  %-10s launcher %.0f ms, JVM start to main %.0f ms, command line %.0f ms, command %.0f ms, exit %.0f ms\n' "$c" \
    "$(med "${l[@]}")" "$(med "${j[@]}")" "$(med "${b[@]}")" "$(med "${k[@]}")" "$(med "${x[@]}")"
done

# The reference for bench/exits-report.sh: the same numbers as `kvmtune exits report` (exits per
# reason with their share, time in exit from each kvm_exit to the vCPU's next kvm_entry: minimum,
# average, maximum; reads and writes per MSR), from perf-script text, by field position alone.
# It trusts its input: no validation, no other formats, no diagnosis.
#   awk -f bench/exits-report.awk FILE
{
  for (i = 1; i <= NF; i++) if ($i ~ /^kvm:kvm_/) break
  if (i > NF) next
  ts = $(i - 1); sub(/:$/, "", ts)
  if ($i == "kvm:kvm_exit:") {
    vcpu = $(i + 2); reason = $(i + 4)
    count[reason]++; total++
    open_reason[vcpu] = reason; open_ts[vcpu] = ts
    if (first == "") first = ts
    last = ts
  } else if ($i == "kvm:kvm_entry:") {
    vcpu = $(i + 2); sub(/,$/, "", vcpu)
    if (vcpu in open_reason) {
      r = open_reason[vcpu]; us = (ts - open_ts[vcpu]) * 1e6
      sum[r] += us; n[r]++
      if (!(r in min) || us < min[r]) min[r] = us
      if (us > max[r]) max[r] = us
      delete open_reason[vcpu]
    }
    last = ts
  } else if ($i == "kvm:kvm_msr:") {
    if ($(i + 1) == "msr_read") reads[$(i + 2)]++; else writes[$(i + 2)]++
  }
}
END {
  secs = last - first
  printf "%-22s %10s %8s %12s %10s %10s %12s\n", "REASON", "COUNT", "SHARE", "PER SEC", "MIN us", "AVG us", "MAX us"
  for (r in count)
    printf "%-22s %10d %7.2f%% %12.1f %10.2f %10.2f %12.2f\n", r, count[r], 100 * count[r] / total, count[r] / secs,
      min[r], (n[r] ? sum[r] / n[r] : 0), max[r]
  printf "%-22s %10d\n", "total", total
  for (m in reads) msr[m] = 1
  for (m in writes) msr[m] = 1
  for (m in msr) printf "msr 0x%s reads %d writes %d\n", m, reads[m], writes[m]
}

#!/usr/bin/env python3
"""Writes perf-script text of kvm:kvm_exit / kvm:kvm_entry / kvm:kvm_msr lines (Linux 6.x TP_printk
formats, four vCPU threads with seed 001's e1000 mix of reasons) until the file reaches SIZE bytes.
Usage: gen-perf-script.py OUT SIZE_MB"""
import random
import sys

out_path, size_mb = sys.argv[1], int(sys.argv[2])
limit = size_mb * 1024 * 1024
# seed 001, e1000 under load: reason -> exits in one second
mix = {"EPT_MISCONFIG": 61918, "MSR_WRITE": 13325, "HLT": 9617, "IO_INSTRUCTION": 6763, "MSR_READ": 6763,
       "EXTERNAL_INTERRUPT": 2198, "PAUSE_INSTRUCTION": 2056, "INTERRUPT_WINDOW": 339, "EPT_VIOLATION": 45, "CPUID": 18}
reasons = list(mix)
weights = [mix[r] for r in reasons]
msrs = {"MSR_WRITE": ["830", "80b", "6e0"], "MSR_READ": ["6e0", "10"]}
rnd = random.Random(1)
t_us = 1_000_000_000  # 1000 s in µs
written = 0
with open(out_path, "w") as out:
    while written < limit:
        lines = []
        for r in rnd.choices(reasons, weights, k=20000):
            v = rnd.randrange(4)
            tid = 4243 + v
            head = "       CPU %d/KVM %5d [%03d] %d.%06d: " % (v, tid, v + 2, t_us // 1_000_000, t_us % 1_000_000)
            lines.append(head + "kvm:kvm_exit: vcpu %d reason %s rip 0xffffffff8104d8f6 info1 0x0000000000000000 "
                         "info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000 requests 0x0000000000000000\n" % (v, r))
            if r in msrs:
                lines.append(head + "kvm:kvm_msr: msr_%s %s = 0x4000000fd\n" % ("write" if r == "MSR_WRITE" else "read", rnd.choice(msrs[r])))
            t_us += rnd.randrange(1, 6)
            head = "       CPU %d/KVM %5d [%03d] %d.%06d: " % (v, tid, v + 2, t_us // 1_000_000, t_us % 1_000_000)
            lines.append(head + "kvm:kvm_entry: vcpu %d, rip 0xffffffff8104d8f9 intr_info 0x00000000 error_code 0x00000000\n" % v)
            t_us += rnd.randrange(1, 20)
        block = "".join(lines)
        out.write(block)
        written += len(block)

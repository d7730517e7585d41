#!/usr/bin/env python3
"""Writes a root tree of a large x86 host for bench/irq.sh: /proc/interrupts with CPUS columns and
IRQS device rows in the kernel's layout (IR-PCI-MSIX chips, per-CPU system rows, ERR/MIS single
values), /proc/irq/N/{smp_affinity_list,effective_affinity_list,node}, /proc/softirqs and /proc/stat.

    bench/gen-interrupts.py DIR [CPUS] [IRQS]        defaults 1152 and 1000
"""
import os
import random
import sys

out = sys.argv[1]
cpus = int(sys.argv[2]) if len(sys.argv) > 2 else 1152
irqs = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
rnd = random.Random(23)
os.makedirs(f"{out}/proc/irq", exist_ok=True)
os.makedirs(f"{out}/sys/devices/system/cpu", exist_ok=True)
for f in ("online", "possible", "present"):
    with open(f"{out}/sys/devices/system/cpu/{f}", "w") as w:
        w.write(f"0-{cpus - 1}\n")

width = len(str(irqs + 100))


def counts(active):
    return "".join(f" {(rnd.randrange(1, 10**9) if c in active else 0):10d}" for c in range(cpus))


with open(f"{out}/proc/interrupts", "w") as w:
    w.write(" " * (width + 1) + "".join(f"CPU{c:<7d} " for c in range(cpus)).rstrip() + "\n")
    for i in range(irqs):
        n = 24 + i
        cpu = rnd.randrange(cpus)
        active = {cpu} if rnd.random() < 0.8 else set(rnd.sample(range(cpus), 8))
        dev = f"0000:{(i // 64) + 0x17:02x}:00.{i % 2}"
        name = f"mlx5_comp{i % 64}@pci:{dev}" if i % 3 else f"nvme{i // 64}q{i % 64}"
        w.write(f"{n:>{width}}:{counts(active)}  IR-PCI-MSIX-{dev} {i % 64}-edge      {name}\n")
        d = f"{out}/proc/irq/{n}"
        os.makedirs(d, exist_ok=True)
        with open(f"{d}/smp_affinity_list", "w") as a:
            a.write(f"0-{cpus - 1}\n")
        with open(f"{d}/effective_affinity_list", "w") as a:
            a.write(f"{cpu}\n")
        with open(f"{d}/node", "w") as a:
            a.write(f"{(i // 64) % 2}\n")
    for sym, desc in (("NMI", "Non-maskable interrupts"), ("LOC", "Local timer interrupts"), ("SPU", "Spurious interrupts"),
                      ("PMI", "Performance monitoring interrupts"), ("IWI", "IRQ work interrupts"),
                      ("RES", "Rescheduling interrupts"), ("CAL", "Function call interrupts"), ("TLB", "TLB shootdowns"),
                      ("TRM", "Thermal event interrupts"), ("MCE", "Machine check exceptions"), ("PIN", "Posted-interrupt notification event"),
                      ("NPI", "Nested posted-interrupt event"), ("PIW", "Posted-interrupt wakeup event")):
        w.write(f"{sym:>{width}}:{counts(set(range(cpus)))}   {desc}\n")
    w.write(f"{'ERR':>{width}}:          0\n{'MIS':>{width}}:          0\n")

with open(f"{out}/proc/softirqs", "w") as w:
    w.write(" " * 12 + "".join(f"CPU{c:<7d} " for c in range(cpus)).rstrip() + "\n")
    for s in ("HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"):
        w.write(f"{s + ':':>12}{counts(set(range(cpus)))}\n")

with open(f"{out}/proc/stat", "w") as w:
    w.write("cpu  1 2 3 4 5 6 7 0 0 0\n")
    for c in range(cpus):
        w.write(f"cpu{c} {rnd.randrange(10**6)} 0 {rnd.randrange(10**6)} {rnd.randrange(10**8)} 0 {rnd.randrange(10**4)} {rnd.randrange(10**4)} 0 0 0\n")
    w.write("intr 0\nctxt 0\nbtime 0\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n")

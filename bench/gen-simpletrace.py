#!/usr/bin/env python3
"""Writes a QEMU simple-backend trace (log version 4) of about SIZE_MB for bench/qemu-trace.sh.

The events are real ones from QEMU's trace-events-all (vCPU exits, MMIO, virtio notifications, QMP
commands): mapping records first, then a repeating mix of event records with u64 and string
arguments, pids and increasing timestamps, and a dropped-events record now and then.
Usage: gen-simpletrace.py TRACE-EVENTS OUT SIZE_MB
"""
import random
import re
import struct
import sys

events_file, out, size_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
wanted = ["kvm_run_exit", "kvm_vcpu_ioctl", "memory_region_ops_write", "memory_region_ops_read",
          "virtio_queue_notify", "virtio_notify", "virtio_blk_handle_write", "virtio_blk_req_complete",
          "handle_qmp_command", "savevm_section_start", "savevm_section_end"]
defs = {}
for line in open(events_file):
    m = re.match(r"\s*(?:disable\s+)?(\w+)\(([^)]*)\)", line)
    if m and m.group(1) in wanted:
        args = [a.strip() for a in m.group(2).split(",") if a.strip() and a.strip() != "void"]
        defs[m.group(1)] = [a.lstrip().startswith(("const char*", "char*", "const char *", "char *")) for a in args]
missing = [w for w in wanted if w not in defs]
if missing:
    sys.exit("events missing from %s: %s" % (events_file, missing))

rnd = random.Random(1)
ids = {name: 100 + 7 * i for i, name in enumerate(wanted)}
strings = [b"pci-mmio", b"virtio-pci-notify", b"vga-lowmem", b"{\"execute\": \"query-status\"}", b"ram"]
weights = [30, 10, 20, 10, 10, 8, 4, 4, 1, 1, 1]
names = rnd.choices(wanted, weights, k=4096)

with open(out, "wb") as f:
    f.write(struct.pack("=QQQ", 0xffffffffffffffff, 0xf2b177cb0aa429b4, 4))
    for name in wanted:
        b = name.encode()
        f.write(struct.pack("=QQL", 0, ids[name], len(b)) + b)
    target = size_mb * 1048576
    written = 0
    ts = 1_000_000_000
    k = 0
    while written < target:
        chunk = []
        for name in names:
            ts += rnd.randrange(200, 4000)
            body = []
            for i, is_str in enumerate(defs[name]):
                if is_str:
                    s = strings[(k + i) % len(strings)]
                    body.append(struct.pack("=L", len(s)) + s)
                else:
                    body.append(struct.pack("=Q", (k * 2654435761 + i * 97) & 0xffffffffffff))
            payload = b"".join(body)
            chunk.append(struct.pack("=QQQII", 1, ids[name], ts, 24 + len(payload), 5000 + k % 4) + payload)
            k += 1
        if k % (4096 * 64) == 0:
            chunk.append(struct.pack("=QQQIIQ", 1, 0xfffffffffffffffe, ts, 32, 5000, 3))
        data = b"".join(chunk)
        f.write(data)
        written += len(data)

#!/usr/bin/env python3
"""Summarise BENCH lines from bench/vm-guest.sh: median (min-max) per
scheduler and metric, and the ratio of each median to the kernel's."""
import statistics
import sys
from collections import defaultdict

values = defaultdict(list)  # (scheduler, metric) -> [float]
info = ""
for line in sys.stdin:
    parts = line.split()
    if parts[0] == "BENCH-INFO":
        info = " ".join(parts[1:])
        continue
    if len(parts) != 4:
        continue
    _, sched, metric, value = parts
    try:
        values[(sched, metric)].append(float(value))
    except ValueError:
        print(f"{sched} {metric}: {value}")

print(f"machine: {info}")
print(f"{'scheduler':<10} {'metric':<32} {'median':>9} {'min':>9} {'max':>9} {'n':>3} {'vs kernel':>9}")
for (sched, metric), v in sorted(values.items(), key=lambda kv: (kv[0][1], kv[0][0] != "kernel", kv[0][0])):
    med = statistics.median(v)
    base = values.get(("kernel", metric))
    ratio = f"{med / statistics.median(base):.3f}x" if base and sched != "kernel" else ""
    print(f"{sched:<10} {metric:<32} {med:>9.3f} {min(v):>9.3f} {max(v):>9.3f} {len(v):>3} {ratio:>9}")

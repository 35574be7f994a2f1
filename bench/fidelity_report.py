#!/usr/bin/env python3
"""bench/fidelity_report.py FILE...: bench/fidelity.sh's lines as a table.

Each FILE is one boot. Per workload and policy, for the wait-to-run p50
and p99: the replay's figure over the recording's, the median over every
run of every boot, and the lowest and highest boot (each boot's median).
"""
import re
import statistics
import sys
from collections import defaultdict

UNITS = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}


def ns(text):
    m = re.fullmatch(r"([0-9.]+)(ns|us|ms|s)", text)
    if not m:
        raise ValueError(f"not a duration: {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def main():
    ratios = defaultdict(list)
    boots = defaultdict(lambda: defaultdict(list))
    raw = defaultdict(list)
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) != 6 or parts[0] != "FIDELITY":
                    continue
                _, work, policy, figure, rec, rep = parts
                r, p = ns(rec), ns(rep)
                raw[(work, policy, figure)].append(f"{rec} -> {rep}")
                if r > 0:
                    ratios[(work, policy, figure)].append(p / r)
                    boots[(work, policy, figure)][path].append(p / r)
    if not raw:
        sys.exit(f"{' '.join(sys.argv[1:])}: no FIDELITY lines")
    print(f"{len(sys.argv) - 1} boot(s)")
    print(f"{'workload':10} {'policy':9} {'figure':9} {'replay / recording':>18} "
          f"{'boots':>11}  runs (recorded -> replayed)")
    for key in sorted(raw):
        rs = ratios.get(key, [])
        med = f"{statistics.median(rs):.2f}x" if rs else "n/a"
        per_boot = [statistics.median(v) for v in boots[key].values()]
        spread = f"{min(per_boot):.2f}-{max(per_boot):.2f}" if len(per_boot) > 1 else "-"
        print(f"{key[0]:10} {key[1]:9} {key[2]:9} {med:>18} {spread:>11}  {'; '.join(raw[key])}")


if __name__ == "__main__":
    main()

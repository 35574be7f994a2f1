#!/usr/bin/env python3
"""Summarise the lines bench/vm-guest.sh prints (BENCH, BENCH-HIST,
BENCH-INFO, BENCH-LOG): median (min-max) per scheduler and metric, and the
ratio of each median to the kernel scheduler's.

  bench/summarize.py < bench/results/vm-2cpu.txt

Also a module for bench/report.py (load(), rows(), METRICS)."""
import statistics
import sys
from collections import defaultdict

# metric -> (what, better): "lower" or "higher" (or "for reference"); order of the tables
METRICS = {
    "hackbench_s": ("hackbench -g 4 -l 200, s", "lower"),
    "cyclictest_p50_us": ("cyclictest wake-up latency p50, us", "lower"),
    "cyclictest_p99_us": ("cyclictest wake-up latency p99, us", "lower"),
    "cyclictest_max_us": ("cyclictest wake-up latency max, us", "lower"),
    "cyclictest_wakeups": ("cyclictest wake-ups measured in a run", "higher"),
    "stressng_cpu_ops_s": ("stress-ng cpu, bogo ops/s", "higher"),
    "stressng_fork_ops_s": ("stress-ng fork, bogo ops/s", "higher"),
    "stressng_switch_ops_s": ("stress-ng switch, bogo ops/s", "higher"),
    "reqserve_rps": ("reqserve requests/s (closed loop, fixed work each)", "higher"),
    "reqserve_wakeup_p50_us": ("reqserve worker wake-up latency p50, us", "lower"),
    "reqserve_wakeup_p99_us": ("reqserve worker wake-up latency p99, us", "lower"),
    "reqserve_request_p99_us": ("reqserve request latency p99 (post to done), us", "lower"),
    "schbench_rps": ("schbench average requests/s (-F 4 -n 1)", "higher"),
    "schbench_wakeup_p50_us": ("schbench wake-up latency p50, us", "lower"),
    "schbench_wakeup_p99_us": ("schbench wake-up latency p99, us", "lower"),
    "schbench_request_p99_us": ("schbench request latency p99, us", "lower"),
    "hackbench_idle_pct": ("hackbench: CPUs idle, % of their time", "for reference"),
    "hackbench_ctxt_per_s": ("hackbench: context switches per second", "for reference"),
    "reqserve_idle_pct": ("reqserve: CPUs idle, % of their time", "for reference"),
    "reqserve_ctxt_per_s": ("reqserve: context switches per second", "for reference"),
    "reqserve_migrations_per_req": ("reqserve: threads woken on another CPU than they last ran on, per request", "for reference"),
    "reqserve_on_poster_cpu_pct": ("reqserve: workers run on the CPU their request was posted from, %", "for reference"),
    "schbench_idle_pct": ("schbench: CPUs idle, % of their time", "for reference"),
    "schbench_ctxt_per_s": ("schbench: context switches per second", "for reference"),
    "host_cpu_pct_idle": ("scx_plugland CPU, idle 10 s, % of a CPU", "lower"),
    "host_wakeups_per_s_idle": ("scx_plugland context switches/s, idle", "lower"),
    "host_cpu_pct_hackbench": ("scx_plugland CPU during hackbench, %", "lower"),
    "host_cpu_pct_cyclictest": ("scx_plugland CPU during cyclictest + load, %", "lower"),
    "host_cpu_pct_stressng": ("scx_plugland CPU during stress-ng, %", "lower"),
    "host_cpu_pct_reqserve": ("scx_plugland CPU during reqserve, %", "lower"),
    "host_cpu_pct_schbench": ("scx_plugland CPU during schbench, %", "lower"),
    # decisions during each workload: user decisions applied plus BPF's own
    # dispatches (`ctl stats`); scx_plugland's CPU time per decision, us
    "decisions_hackbench": ("decisions during hackbench", "for reference"),
    "decisions_cyclictest": ("decisions during cyclictest + load", "for reference"),
    "decisions_stressng": ("decisions during stress-ng", "for reference"),
    "decisions_reqserve": ("decisions during reqserve", "for reference"),
    "decisions_schbench": ("decisions during schbench", "for reference"),
    "host_us_per_decision_hackbench": ("scx_plugland CPU per decision, hackbench, us", "lower"),
    "host_us_per_decision_cyclictest": ("scx_plugland CPU per decision, cyclictest, us", "lower"),
    "host_us_per_decision_stressng": ("scx_plugland CPU per decision, stress-ng, us", "lower"),
    "host_us_per_decision_reqserve": ("scx_plugland CPU per decision, reqserve, us", "lower"),
    "host_us_per_decision_schbench": ("scx_plugland CPU per decision, schbench, us", "lower"),
}


class Results:
    def __init__(self):
        self.values = defaultdict(list)  # (sched, metric) -> [float]
        self.errors = []                  # "sched metric value" that are not numbers
        self.info = {}                    # key -> value (first seen)
        self.hist = defaultdict(dict)     # sched -> {lo_us (float) or "over": count}
        self.logs = defaultdict(list)     # sched -> [line]
        self.scheds = []                  # in the order they ran

    def sched(self, s):
        if s not in self.scheds:
            self.scheds.append(s)


def load(lines):
    r = Results()
    for line in lines:
        line = line.rstrip("\n")
        parts = line.split()
        if not parts:
            continue
        tag = parts[0]
        if tag == "BENCH-INFO" and len(parts) >= 2:
            r.info.setdefault(parts[1], " ".join(parts[2:]))
        elif tag == "BENCH-HIST" and len(parts) == 4:
            key = parts[2] if parts[2] == "over" else float(parts[2])
            r.hist[parts[1]][key] = r.hist[parts[1]].get(key, 0) + int(parts[3])
        elif tag == "BENCH-LOG" and len(parts) >= 2:
            r.logs[parts[1]].append(line.split(None, 2)[2] if len(parts) > 2 else "")
        elif tag == "BENCH" and len(parts) == 4:
            _, sched, metric, value = parts
            r.sched(sched)
            try:
                r.values[(sched, metric)].append(float(value))
            except ValueError:
                r.errors.append(f"{sched} {metric} {value}")
    return r


def rows(r):
    """(metric, sched, median, min, max, n, ratio or None), in table order."""
    metrics = [m for m in METRICS if any(k[1] == m for k in r.values)]
    metrics += sorted({k[1] for k in r.values} - set(metrics))
    out = []
    for m in metrics:
        base = r.values.get(("kernel", m))
        for s in r.scheds:
            v = r.values.get((s, m))
            if not v:
                continue
            med = statistics.median(v)
            ratio = None
            if base and s != "kernel" and statistics.median(base):
                ratio = med / statistics.median(base)
            out.append((m, s, med, min(v), max(v), len(v), ratio))
    return out


def percentile(hist, q):
    """q-th percentile (0-100) of a BENCH-HIST histogram: the bucket's low
    edge; None when it lies among the overflows."""
    total = sum(hist.values())
    want, c = total * q / 100, 0
    for lo in sorted(k for k in hist if k != "over"):
        c += hist[lo]
        if c >= want:
            return lo
    return None


def main():
    r = load(sys.stdin)
    print("machine: " + ", ".join(f"{k} {r.info[k]}" for k in ("kernel", "cpus") if k in r.info))
    print(f"{'scheduler':<10} {'metric':<32} {'median':>10} {'min':>10} {'max':>10} {'n':>3} {'vs kernel':>9}")
    for m, s, med, lo, hi, n, ratio in rows(r):
        rs = f"{ratio:.3f}x" if ratio is not None else ""
        print(f"{s:<10} {m:<32} {med:>10.2f} {lo:>10.2f} {hi:>10.2f} {n:>3} {rs:>9}")
    for e in r.errors:
        print(f"error: {e}")
    return 1 if r.errors else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes the measured figures from bench/results/ into docs/performance.md
(the summaries, between its <!-- bench:NAME --> and <!-- /bench:NAME -->
markers; the prose around them is left alone) and docs/performance-details.md
(every table, generated whole), draws docs/latency-<N>cpu.png with gnuplot,
and prints the figures.

  bench/report.py [--results DIR] [--doc FILE] [--details FILE] [--no-plot]

Inputs (each optional: a block whose input is missing says so):
  inproc.txt            bench/inproc.sh     decisions/s in process
  callgrind.txt         bench/callgrind.py  instructions per decision
  vm-<N>cpu-boot*.txt   bench/run.sh -c N -o ...  one boot each: the VM's
                        summary and goals over several boots
  vm-<N>cpu.txt         bench/run.sh -c N   one boot: used for N vCPUs when
                        there is no vm-<N>cpu-boot*.txt
  exp-<NAME>.txt        bench/run.sh -o     experiments
  log.txt               make bench-log      the decision log's own figures
"""
import argparse
import glob
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summarize  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def interleaved(r):
    """A boot in rounds (bench/vm-guest.sh): the kernel ran in every round."""
    return r.info.get("design", "").startswith("interleaved")


def kv(line):
    return dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return None


# ---- in process ---------------------------------------------------------

def load_inproc(lines):
    info, loops = {}, {}
    for line in lines or []:
        if line.startswith("INFO "):
            parts = line.split(None, 2)
            info[parts[1]] = parts[2] if len(parts) > 2 else ""
        elif line.startswith("LOOP "):
            d = kv(line)
            loops[(d["policy"], d.get("backend", "synth"), d["log"])] = d
    return info, loops


def load_callgrind(lines):
    cg, top = {}, {}
    for line in lines or []:
        if line.startswith("CGINFO source "):
            cg.setdefault("_source", line.split(None, 2)[2])
        elif line.startswith("CG "):
            d = kv(line)
            cg[d["policy"]] = d
        elif line.startswith("CGTOP "):
            d = kv(line)
            top.setdefault(d["policy"], []).append(d)
    return cg, top


def block_machine(inproc_info, vmsets):
    out = []
    if inproc_info:
        out.append(f"- In process: {inproc_info.get('cpu_model', '?')}, {inproc_info.get('cores', '?')} cores, "
                   f"Linux {inproc_info.get('kernel', '?')}, {inproc_info.get('compiler', '?')}; "
                   f"measured {inproc_info.get('date', '?')}, source {inproc_info.get('source', '?')}; "
                   f"load average {inproc_info.get('loadavg_before', '?')} before.")
    for n, vs in vmsets:
        for fname, r in vs.boots:
            i = r.info
            what = f"VM, {n} vCPUs" + (f" (`{fname}`)" if vs.multi else "")
            out.append(f"- {what}: guest kernel {i.get('kernel', '?')}, qemu TCG multi-threaded "
                       f"({i.get('qemu', '?')}) on {i.get('host_cpu_model', '?')}, "
                       f"{i.get('host_cores', '?')} host cores"
                       + (" (**oversubscribed**: more vCPUs than host cores)"
                          if i.get("host_cores", "").isdigit() and n > int(i["host_cores"]) else "")
                       + f"; {i.get('tools', '').rstrip(', ')}; measured {i.get('date', '?')}, "
                       f"source {i.get('source', '?')}, {i.get('elapsed_s', '?')} s in the guest.")
    return "\n".join(out) if out else "_Not measured yet: run `make bench`._"


def inproc_note(info, loops):
    any_d = next(iter(loops.values()))
    return (f"{any_d.get('runs', '?')} runs of {int(any_d.get('decisions', 0)):,} decisions each, "
            f"{any_d.get('cpus', '?')} CPUs and {any_d.get('tasks', '?')} "
            "CPU-bound tasks; decisions per second of the loop thread's CPU time. "
            f"Load average before/after: {info.get('loadavg_before', '?')} / "
            f"{info.get('loadavg_after', '?')}; plugland VMs running before/after: "
            f"{info.get('vms_running_before', '?') or 0} / {info.get('vms_running_after', '?') or 0}.")


def block_inproc(info, loops, link):
    """The medians, one row per policy."""
    if not loops:
        return "_Not measured yet: run `make bench` (or `make bench-inproc`)._"
    cols = [(be, log) for be in ("loopback", "synth") for log in ("off", "on")
            if any(k[1] == be and k[2] == log for k in loops)]
    out = ["| policy | " + " | ".join(f"{be}, log {log}" for be, log in cols) + " |",
           "|---|" + "---:|" * len(cols)]
    for p in sorted({k[0] for k in loops}, key=order):
        cells = []
        for be, log in cols:
            d = loops.get((p, be, log))
            cells.append("" if d is None else
                         (f"**{float(d['mdps_median']):.2f} M**" if be == "loopback"
                          else f"{float(d['mdps_median']):.2f} M"))
        out.append(f"| {p} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("Medians: " + inproc_note(info, loops)
               + (f" Min, max and ns per decision: {link}." if link else ""))
    return "\n".join(out)


def details_inproc(info, loops):
    out = ["| policy | backend | log | decisions/s per core (median) | min | max | ns per decision |",
           "|---|---|---|---:|---:|---:|---:|"]
    for (p, be, log), d in sorted(loops.items(),
                                  key=lambda kv_: (kv_[0][1] != "loopback", order(kv_[0][0]),
                                                   kv_[0][2] == "on")):
        out.append(f"| {p} | {be} | {log} | **{float(d['mdps_median']):.2f} M** | "
                   f"{float(d['mdps_min']):.2f} M | {float(d['mdps_max']):.2f} M | "
                   f"{float(d['ns_per_decision']):.0f} |")
    out.append("")
    out.append(inproc_note(info, loops))
    out.append("")
    return out


POLICY_ORDER = ["fifo", "deadline", "lottery", "rules", "fifo+idle"]


def order(p):
    base = p.replace("+log", "")
    return (POLICY_ORDER.index(base) if base in POLICY_ORDER else 99, p)


def block_callgrind(cg, link):
    if not cg:
        return "_Not measured yet: run `make bench` (or `make bench-callgrind`)._"
    out = ["| policy | host + policy | host | policy | synthetic backend | total |",
           "|---|---:|---:|---:|---:|---:|"]
    for p in sorted((p for p in cg if p != "_source"), key=order):
        d = cg[p]
        out.append(f"| {p} | **{float(d['host_policy']):.0f}** | {float(d['host']):.0f} | "
                   f"{float(d['plugin']):.0f} | {float(d['synth']):.0f} | {float(d['total']):.0f} |")
    n = next((d.get("n") for p, d in cg.items() if p != "_source" and d.get("n")), "?")
    out.append("")
    out.append(f"Instructions per decision: ({n} decisions - 1 decision) / {int(n) - 1 if n != '?' else '?'}, "
               "exclusive cost of each function by the file that defines it; source "
               f"{cg.get('_source', '?')}." + (f" Each policy's top functions: {link}." if link else ""))
    return "\n".join(out)


def details_callgrind(top):
    out = []
    for p in sorted(top, key=order):
        out.append(f"### {p}")
        out.append("")
        out.append("| instructions | part | function | file |")
        out.append("|---:|---|---|---|")
        for d in top[p]:
            out.append(f"| {float(d['ir']):.1f} | {d['component']} | `{d['function']}` | {d['file']} |")
        out.append("")
    return out


# ---- VM -----------------------------------------------------------------

SHORT = {
    "hackbench_s": "hackbench",
    "cyclictest_p50_us": "ct p50",
    "cyclictest_p99_us": "ct p99",
    "cyclictest_max_us": "ct max",
    "stressng_cpu_ops_s": "sng cpu",
    "stressng_fork_ops_s": "sng fork",
    "stressng_switch_ops_s": "sng switch",
    "reqserve_rps": "rq req/s",
    "reqserve_wakeup_p99_us": "rq wake p99",
    "reqserve_request_p99_us": "rq req p99",
    "host_us_per_decision_reqserve": "rq host us/decision",
}


def fmt(v):
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def summary_table(r):
    """The medians of the main figures, one row per scheduler, with the
    ratio to the kernel's."""
    rows = summarize.rows(r)
    by = {(m, s): (med, lo, hi, k, ratio) for m, s, med, lo, hi, k, ratio in rows}
    scheds = r.scheds
    out = []
    # The summary: medians and their ratio to the kernel's.
    metrics = [m for m in SHORT if any(k[0] == m for k in by)]
    out.append("| scheduler | " + " | ".join(SHORT[m] for m in metrics) + " | plugland idle: CPU, wake-ups/s |")
    out.append("|---|" + "---:|" * (len(metrics) + 1))
    for s in scheds:
        cells = []
        for m in metrics:
            if (m, s) not in by:
                cells.append("")
                continue
            med, _, _, _, ratio = by[(m, s)]
            cells.append(fmt(med) + (f" ({ratio:.2f}×)" if ratio is not None else ""))
        idle = by.get(("host_cpu_pct_idle", s))
        wake = by.get(("host_wakeups_per_s_idle", s))
        cells.append((f"{idle[0]:.2f} %" if idle else "") + (f", {wake[0]:.0f}/s" if wake else ""))
        out.append(f"| {s} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("Medians; in parentheses the ratio to the kernel's scheduler (hackbench, ct = cyclictest "
               "latency in us: lower is better; sng = stress-ng bogo ops/s: higher is better; rq = reqserve: "
               "requests/s higher is better, wake-up and request latency p99 in us lower; rq host us/decision: "
               "scx_plugland's CPU time per decision during reqserve, lower is better)."
               + (" The kernel's figures pool its runs of every round (an interleaved boot)."
                  if interleaved(r) else
                  " The kernel's figures pool its two phases, first and last in the boot."
                  if "workloads" in r.info else ""))
    if r.errors:
        out.append("")
        out.append("**Errors during the run:** " + "; ".join(f"`{e}`" for e in r.errors))
    return out, rows


def all_figures(r):
    """Every metric: median, min, max, runs, ratio; then scx_plugland's
    counters at exit."""
    out = ["| metric | scheduler | median | min | max | runs | vs kernel |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for m, s, med, lo, hi, k, ratio in summarize.rows(r):
        what = summarize.METRICS.get(m, (m, ""))[0]
        out.append(f"| {what} | {s} | {fmt(med)} | {fmt(lo)} | {fmt(hi)} | {k} | "
                   f"{f'{ratio:.3f}×' if ratio is not None else ''} |")
    counters = []
    for s in r.scheds:
        for line in r.logs.get(s, []):
            if re.search(r"queued to user space|dispatched directly by BPF|failsafe entered|policy .* enqueued", line):
                counters.append(f"| {s} | {line.strip()} |")
    if counters:
        out.append("")
        out.append("scx_plugland's counters at exit (whole session of that scheduler):")
        out.append("")
        out.append("| scheduler | counter |")
        out.append("|---|---|")
        out.extend(counters)
    return out


class VmSet:
    """The boots behind one VM size's summary and goals: the
    vm-<N>cpu-boot*.txt files if there are any, else vm-<N>cpu.txt."""

    def __init__(self, n, boots, single, multi):
        self.n = n
        self.boots = boots          # [(file name, Results)] behind the summary
        self.unused = single if multi and single else None  # vm-<N>cpu.txt beside boot files
        self.multi = multi          # True: from vm-<N>cpu-boot*.txt
        self.scheds = []
        for _, r in boots:
            for sc in r.scheds:
                if sc not in self.scheds:
                    self.scheds.append(sc)

    def files(self):
        names = [f for f, _ in self.boots]
        if len(names) > 3:
            return f"`{names[0]}` ... `{names[-1]}`"
        return ", ".join(f"`{f}`" for f in names)


def across(boots, m, s, ratio, against="kernel"):
    """A figure over the boots: (value, lowest, highest, boots with it) or None.
    ratio: each boot's median over that boot's median of `against` (the
    kernel's: its phases pooled); else the median itself. One boot: lowest
    and highest are its runs (over that median); several: the median of
    the boots' figures, lowest and highest boot."""
    per_boot = []
    for r in boots:
        v = r.values.get((s, m))
        if not v:
            continue
        div = 1.0
        if ratio:
            base = r.values.get((against, m))
            if not base or not statistics.median(base):
                continue
            div = statistics.median(base)
        per_boot.append((statistics.median(v) / div, min(v) / div, max(v) / div))
    if not per_boot:
        return None
    if len(per_boot) == 1:
        return per_boot[0] + (1,)
    xs = [x for x, _, _ in per_boot]
    return statistics.median(xs), min(xs), max(xs), len(xs)


# The summary's columns: metric, header, ratio to the kernel's (else the
# figure itself, with its unit).
COMPACT = [
    ("reqserve_rps", "requests/s", True, ""),
    ("reqserve_wakeup_p99_us", "reqserve wake-up p99", True, ""),
    ("reqserve_request_p99_us", "request p99", True, ""),
    ("hackbench_s", "hackbench", True, ""),
    ("cyclictest_p99_us", "cyclictest p99", True, ""),
    ("host_cpu_pct_hackbench", "CPU, hackbench", False, " %"),
    ("host_cpu_pct_reqserve", "CPU, reqserve", False, " %"),
    ("host_us_per_decision_reqserve", "µs per decision, reqserve", False, " µs"),
]
# The kernel row's unit where it is not µs; a figure kept as it is (not a
# ratio) shows in the kernel row only when it has one here.
KERNEL_UNIT = {"reqserve_rps": "/s", "hackbench_s": " s", "schbench_rps": "/s", "schbench_idle_pct": " %"}
# What a column that is not a ratio means, for the table's note.
COLUMN_NOTES = [
    ("host_cpu_pct_", "CPU: scx_plugland's CPU time during the workload, % of one CPU"),
    ("host_us_per_decision_reqserve", "µs per decision: its CPU time per decision during reqserve"),
    ("schbench_idle_pct", "CPUs idle: the guest's idle time, % of all CPUs'"),
]


# The schbench table's columns (bench/run.sh -e: schbench and reqserve in
# the same boots)
SCHBENCH_COLS = [
    ("schbench_rps", "schbench requests/s", True, ""),
    ("schbench_wakeup_p99_us", "schbench wake-up p99", True, ""),
    ("schbench_request_p99_us", "schbench request p99", True, ""),
    ("reqserve_rps", "reqserve requests/s", True, ""),
    ("reqserve_wakeup_p99_us", "reqserve wake-up p99", True, ""),
    ("schbench_idle_pct", "CPUs idle, schbench", False, " %"),
    ("host_cpu_pct_schbench", "CPU, schbench", False, " %"),
]


def compact_table(vs, more="", columns=None):
    boots = [r for _, r in vs.boots]
    cols = [c for c in (columns or COMPACT) if any((sc, c[0]) in r.values for r in boots for sc in vs.scheds)]
    if not cols:
        return ["_No figure of the summary in these results._"]
    out = ["| scheduler | " + " | ".join(c[1] for c in cols) + " |",
           "|---|" + "---:|" * len(cols)]
    for sc in vs.scheds:
        cells = []
        for m, _, ratio, unit in cols:
            if sc == "kernel":
                a = across(boots, m, sc, False) if ratio or m in KERNEL_UNIT else None
                unit = KERNEL_UNIT.get(m, " µs")
            else:
                a = across(boots, m, sc, ratio)
            if a is None:
                cells.append("")
                continue
            few = f", {a[3]} boot{'s' if a[3] > 1 else ''}" if vs.multi and a[3] < len(boots) else ""
            if ratio and sc != "kernel":
                cells.append(f"**{a[0]:.2f}×** ({a[1]:.2f}-{a[2]:.2f}{few})")
            elif a[1] == a[2] and not few:
                cells.append(f"{fmt(a[0])}{unit}")
            else:
                cells.append(f"{fmt(a[0])}{unit} ({fmt(a[1])}-{fmt(a[2])}{few})")
        out.append(f"| {sc} | " + " | ".join(cells) + " |")
    out.append("")
    if vs.multi:
        spread = (f"{len(boots)} boot{'s' if len(boots) > 1 else ''} ({vs.files()}): the median over the boots of each boot's figure, "
                  "in parentheses the lowest and the highest boot")
    else:
        runs = boots[0].info.get("runs", "?")
        spread = (f"one boot (`{vs.boots[0][0]}`), {runs} runs per scheduler: the median, "
                  "in parentheses the lowest and the highest run")
    pooled_k = any("workloads" in r.info for r in boots)  # the boots whose kernel runs first and last
    inter = all(interleaved(r) for r in boots)
    out.append(f"From {spread}. Ratios are to the kernel's median in the same boot ("
               + ("its runs of every round pooled; " if inter else "its two phases pooled; " if pooled_k else "")
               + "the kernel row gives its own figures): below 1× is better for a time or a latency, above 1× "
               "for requests/s. "
               + "; ".join(note for prefix, note in COLUMN_NOTES if any(c[0].startswith(prefix) for c in cols))
               + "." + more)
    errors = [f"`{e}`" + (f" ({f})" if vs.multi else "") for f, r in vs.boots for e in r.errors]
    if errors:
        out.append("")
        out.append("**Errors during the run:** " + "; ".join(errors))
    return out


def block_vm(n, vs, png, link):
    if vs is None:
        return f"_Not measured yet: run `make bench` (BENCH_CPUS includes {n})._"
    out = compact_table(vs, f" Every figure (stress-ng, latencies p50 and max, min and max of each, "
                               f"scx_plugland's counters): {link}." if link else "")
    if png:
        out.append("")
        out.append(f"![cyclictest wake-up latency, {n} vCPUs]({os.path.basename(png)})")
    return "\n".join(out)


def details_vm(vs):
    out = []
    files = list(vs.boots) + ([vs.unused] if vs.unused else [])
    for fname, r in files:
        i = r.info
        out.append(f"### {fname}")
        out.append("")
        if vs.unused and fname == vs.unused[0]:
            out.append("_Not in the summary, which is taken from the boot files._")
            out.append("")
        out.append(f"{i.get('date', '?')}, source {i.get('source', '?')}, guest kernel {i.get('kernel', '?')}, "
                   f"{i.get('runs', '?')} runs per scheduler: `{i.get('command', '?')}`")
        out.append("")
        table, _ = summary_table(r)
        out.extend(table)
        out.append("")
        out.extend(all_figures(r))
        out.append("")
    return out


def ccdf(hist):
    """[(x_us, fraction of wake-ups with latency >= x)] from a BENCH-HIST
    histogram (buckets' low edges), the overflow last at the histogram's end."""
    total = sum(hist.values())
    if not total:
        return []
    pts, above = [], total
    for lo in sorted(k for k in hist if k != "over"):
        pts.append((max(lo, 1.0), above / total))
        above -= hist[lo]
    if hist.get("over"):
        pts.append((50000.0, hist["over"] / total))
    return pts


# kernel first: black; then distinct colours (colour-blind safe order)
COLOURS = ["#000000", "#0072b2", "#d55e00", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#999999"]


def plot(n, r, png, boots=None):
    if not shutil.which("gnuplot") or not r.hist:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        plots_h, plots_c = [], []
        for i, s in enumerate(s for s in r.scheds if s in r.hist):
            h = r.hist[s]
            total = sum(h.values())
            dat = os.path.join(tmp, f"{i}.dat")
            with open(dat, "w") as f:
                for lo in sorted(k for k in h if k != "over"):
                    f.write(f"{max(lo, 1.0)} {h[lo] / total}\n")
            cdat = os.path.join(tmp, f"{i}.ccdf")
            with open(cdat, "w") as f:
                for x, y in ccdf(h):
                    f.write(f"{x} {y}\n")
            med = {m: statistics.median(r.values[(s, m)]) for m in
                   ("cyclictest_p50_us", "cyclictest_p99_us") if r.values.get((s, m))}
            title = s + (f": p50 {fmt(med['cyclictest_p50_us'])}, p99 {fmt(med['cyclictest_p99_us'])} us"
                         if len(med) == 2 else "")
            lw = 3 if s == "kernel" else 2
            style = f"lc rgb '{COLOURS[i % len(COLOURS)]}' lw {lw} dt {2 if '+' in s or '@' in s else 1}"
            plots_h.append(f"'{dat}' using 1:2 with linespoints {style} pt 7 ps 0.4 notitle")
            plots_c.append(f"'{cdat}' using 1:2 with steps {style} title '{title}' noenhanced")
        runs = r.info.get("runs", "?")
        if boots:
            runs = f"{boots} boots x {runs}"
        secs = r.info.get("cyclictest_s", "?")
        script = f"""
set terminal pngcairo size 1400,600 font 'sans,11'
set output '{png}'
set multiplot layout 1,2 title "cyclictest wake-up latency, {n} vCPUs (qemu TCG), kernel {r.info.get('kernel', '?')}\\nSCHED\\\\_OTHER, 1 ms period, stress-ng --cpu {n} running; {runs} runs of {secs} s per scheduler; legend: medians of the runs" font 'sans,12'
set logscale x 10
set xrange [10:100000]
set xlabel 'latency (us)'
set grid
set format x '10^{{%T}}'
set ylabel 'fraction of wake-ups (20 buckets per decade)'
set title 'Distribution (colours as on the right)'
plot {', '.join(plots_h)}
set logscale y 10
set format y '10^{{%T}}'
set yrange [1e-5:1.1]
set ylabel 'fraction of wake-ups with latency >= x'
set title 'Tail (complementary CDF): lower and further left is better'
set key bottom left box opaque
plot {', '.join(plots_c)}
unset multiplot
"""
        res = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if res.returncode != 0:
            print(f"report: gnuplot failed: {res.stderr}", file=sys.stderr)
            return None
    return png


def short_source(src):
    first = (src or "?").split()[0]
    return first + (" (corrected by hand)" if "corrected by hand" in (src or "") else "")


def index_experiments(exps):
    """One line per experiment, linking to its table below it."""
    out = []
    for name, r in exps:
        others = [sc for sc in r.scheds if sc != "kernel"]
        metrics = {m for _, m in r.values}
        work = ", ".join(w for w, prefix in (("hackbench", "hackbench_"), ("cyclictest", "cyclictest_"),
                                             ("stress-ng", "stressng_"), ("reqserve", "reqserve_"),
                                             ("schbench", "schbench_"))
                         if any(m.startswith(prefix) for m in metrics)) or "no workload"
        link = f"[{name}](#{anchor(name)})"
        out.append(f"- {link}: {r.info.get('date', '?')}, source {short_source(r.info.get('source'))}, "
                   f"{r.info.get('cpus', '?')} vCPUs, {r.info.get('runs', '?')} runs of {work}; "
                   + ", ".join(f"`{sc}`" for sc in others) + " against the kernel"
                   + (" (a note by hand in the details)" if r.info.get("note") else "") + ".")
    return out


def details_experiments(exps):
    out = []
    for name, r in exps:
        out.append(f"### {name}")
        out.append("")
        out.append(f"{r.info.get('cpus', '?')} vCPUs, kernel {r.info.get('kernel', '?')}, "
                   f"{r.info.get('date', '?')}, source {r.info.get('source', '?')}: "
                   f"`{r.info.get('command', '?')}`")
        if r.info.get("note"):  # added by hand to the raw file, and says so
            out.append("")
            out.append(r.info["note"])
        out.append("")
        table, _ = summary_table(r)
        out.extend(table)
        out.append("")
    return out


# ---- goals --------------------------------------------------------------

BOOTS_NEEDED = 3

# (vCPUs, scheduler, metric, ">=" or "<=", limit, ratio to the kernel's?, what)
VM_GOALS = [
    (2, "deadline", "reqserve_rps", ">=", 1.0, True, "reqserve requests/s"),
    (2, "deadline", "reqserve_wakeup_p99_us", "<=", 1.0, True, "reqserve wake-up p99"),
    (2, "deadline", "reqserve_request_p99_us", "<=", 1.2, True, "reqserve request p99"),
    (2, "deadline", "hackbench_s", "<=", 1.0, True, "hackbench"),
    (2, "deadline", "cyclictest_p99_us", "<=", 1.0, True, "cyclictest p99"),
    (2, "fifo", "reqserve_rps", ">=", 0.9, True, "reqserve requests/s"),
    (2, "deadline", "host_cpu_pct_hackbench", "<=", 5.0, False, "scx_plugland CPU during hackbench"),
    (2, "fifo", "host_cpu_pct_hackbench", "<=", 5.0, False, "scx_plugland CPU during hackbench"),
    ("schbench", "deadline", "schbench_rps", ">=", 1.0, True, "schbench requests/s"),
    ("schbench", "deadline", "schbench_wakeup_p99_us", "<=", 1.0, True, "schbench wake-up p99"),
    ("schbench", "deadline", "schbench_request_p99_us", "<=", 1.2, True, "schbench request p99"),
    ("schbench", "fifo", "schbench_rps", ">=", 0.9, True, "schbench requests/s"),
    (4, "deadline", "cyclictest_p99_us", "<=", 1.5, True, "cyclictest p99"),
    (4, "deadline", "hackbench_s", "<=", 1.05, True, "hackbench"),
]

# (scheduler, metric, limit, baseline, what, recorded): a ratio to another
# scheduler of the same boot (bench/run.sh -B) when that boot's baseline
# is the build before this wave's work (BASE_BUILD; a later -B build is an
# A/B of its own), or else to `recorded` = (its median over the last boots
# that ran it, where that was)
BASE_BUILD = "bb81fd2"
VM_BASE_GOALS = [
    ("deadline", "host_us_per_decision_reqserve", 1 / 3, "base:deadline",
     "scx_plugland CPU per decision on reqserve",
     (44.8, "bb81fd2 in the 3 boots of 431770f, bench/results/vm-2cpu-boot*.txt at 2be1383")),
    ("fifo", "host_us_per_decision_reqserve", 1 / 3, "base:fifo",
     "scx_plugland CPU per decision on reqserve",
     (44.9, "bb81fd2 in the 3 boots of 431770f, bench/results/vm-2cpu-boot*.txt at 2be1383")),
]


# A policy's default ran under another label in some boots: at 30502b4
# deadline asked for an ordered queue per CPU, and the 2 vCPU goal boots
# of that code (by their sources) ran its one queue, its default again
# from c7b371d on, as "deadline@bpf.local_queues=false". A goal is the
# default's.
DEFAULT_AS = {
    "deadline": ("deadline@bpf.local_queues=false", ("30502b4", "511742c", "b35321e")),
}


class _Relabelled:
    """A boot's results with `alias`'s figures under the name `sc`."""

    def __init__(self, r, sc, alias):
        self.info = r.info
        self.values = {k: v for k, v in r.values.items() if k[0] != sc}
        self.values.update({(sc, m): v for (s, m), v in r.values.items() if s == alias})


def as_default(r, sc):
    """r, or r with the label of sc's default in that boot read as sc."""
    alias, sources = DEFAULT_AS.get(sc, (None, ()))
    if alias and r.info.get("source", "").startswith(sources):
        return _Relabelled(r, sc, alias)
    return r


def default_note(vmsets):
    """What the goals' note says of DEFAULT_AS, for the boots it touched."""
    out = []
    for sc, (alias, sources) in DEFAULT_AS.items():
        files = [f for _, vs in vmsets for f, r in vs.boots
                 if r.info.get("source", "").startswith(sources)]
        if files:
            out.append(f"In {', '.join(f'`{f}`' for f in files)} {sc}'s default ran as "
                       f"`{alias}` (`{sc}` there had a queue per CPU): its goals read that row.")
    return out


def block_goals(loops, cg, vmsets, sb=None):
    out = ["| goal | measured | met? |", "|---|---|---|"]

    def row(goal, measured, ok):
        verdict = ("for reference" if ok == "ref" else "yes" if ok is True else
                   "**no**" if ok is False else "not measured" if ok is None else ok)
        out.append(f"| {goal} | {measured} | {verdict} |")

    goal = "FIFO ≥ 10 M decisions/s per core in process, log on"
    for be, what in (("loopback", "the host's pipeline alone (loopback backend)"),
                     ("synth", "with the synthetic machine's simulation")):
        d = loops.get(("fifo", be, "on"))
        if d:
            m = float(d["mdps_median"])
            row(goal, f"{m:.2f} M/s, {what}", m >= 10 if be == "loopback" else "ref")
        elif be == "loopback":
            row(goal, "not measured", None)
    for key, label in (("fifo", "log off"), ("fifo+log", "log on")):
        c = cg.get(key)
        if c:
            v = float(c["host_policy"])
            row(f"≤ 300 instructions per decision, host + FIFO ({label})", f"{v:.0f}", v <= 300)

    sets = dict(vmsets)
    if sb is not None:
        sets["schbench"] = sb
    for n, sc, m, op, limit, ratio, what in VM_GOALS:
        unit = "×" if ratio else " %"
        goal = (f"{sc}: {what} {op.replace('>=', '≥').replace('<=', '≤')} "
                + (re.sub(r"(\.\d)0$", r"\1", f"{limit:.2f}") + "× the kernel's" if ratio else f"{limit:g} % of a CPU")
                + (" (2 vCPUs, schbench's boots)" if n == "schbench" else
                   f" ({n} vCPUs" + (", indicative)" if n != 2 else ")")))
        vs = sets.get(n)
        a = across([as_default(r, sc) for _, r in vs.boots], m, sc, ratio) if vs else None
        if a is None:
            row(goal, "not measured", None)
            continue
        v, lo, hi, k = a
        f = (lambda x: f"{x:.2f}") if ratio else (lambda x: f"{x:.1f}")
        if vs.multi:
            measured = f"{f(v)}{unit} ({f(lo)}-{f(hi)}{'' if ratio else ' %'}, {k} boot{'s' if k > 1 else ''})"
        else:
            r = as_default(vs.boots[0][1], sc)
            measured = (f"{f(v)}{unit} (1 boot: {fmt(statistics.median(r.values[(sc, m)]))} vs "
                        f"{fmt(statistics.median(r.values[('kernel', m)]))})" if ratio
                        else f"{f(v)}{unit} (1 boot)")
        ok = v >= limit if op == ">=" else v <= limit
        row(goal, measured, ok if k >= BOOTS_NEEDED else
            f"not enough boots ({k}; {'within' if ok else 'outside'} the goal)")
    vs = sets.get(2)
    for sc, m, limit, against, what, (rec, rec_where) in VM_BASE_GOALS:
        goal = f"{sc}: {what} ≤ {limit:.2f}× `{against}`'s (2 vCPUs)"
        wave_base = [r for _, r in vs.boots
                     if r.info.get("base_source", "").startswith(BASE_BUILD)] if vs else []
        a = across(wave_base, m, sc, True, against) if wave_base else None
        against_what = "in the same boots"
        if a is None and vs:
            a = across([as_default(r, sc) for _, r in vs.boots], m, sc, False)
            if a is not None:
                a = tuple(x / rec for x in a[:3]) + (a[3],)
                against_what = f"against its {rec:g} µs ({rec_where})"
        if a is None:
            row(goal, "not measured", None)
            continue
        v, lo, hi, k = a
        ok = v <= limit
        row(goal, f"{v:.3f}× ({lo:.3f}-{hi:.3f}, {k} boot{'s' if k > 1 else ''}; {against_what})",
            ok if k >= BOOTS_NEEDED else
            f"not enough boots ({k}; {'within' if ok else 'outside'} the goal)")
    out.append("")
    where = []
    for n, vs in vmsets:
        where.append(f"{n} vCPUs " + (f"over {len(vs.boots)} boots ({vs.files()})" if vs.multi
                                      else f"over one boot (`{vs.boots[0][0]}`)"))
    if sb is not None:
        where.append(f"schbench over {len(sb.boots)} boots ({sb.files()})")
    out.append("VM goals: " + ("; ".join(where) if where else "no VM results") +
               f". A VM goal is judged on the median over the boots of each boot's figure (a ratio to "
               f"that boot's kernel, its runs pooled), with the lowest and highest boot in "
               f"parentheses, and only with at least {BOOTS_NEEDED} boots.")
    note = default_note(vmsets)
    out.extend([""] + note if note else [])
    return "\n".join(out)


# ---- the decision log (bench_log) ---------------------------------------

def block_log(lines):
    if not lines:
        return "_Not measured yet: run `make bench-log`._"
    keys = ("source ", "date ", "cpu ")
    head = [l for l in lines if l.startswith(keys)]
    body = [l for l in lines if not l.startswith(keys)]
    meta = dict(l.split(" ", 1) for l in head)
    return (f"`make bench-log` (`bench/bench_log.c`), measured {meta.get('date', '?')}, "
            f"source {meta.get('source', '?')}, on {meta.get('cpu', 'a machine not recorded')}:\n\n```\n"
            + "\n".join(body) + "\n```")


# ---- the document -------------------------------------------------------

def replace_block(text, name, body):
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    pat = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pat.search(text):
        print(f"report: no {begin} ... {end} in the document; block not written", file=sys.stderr)
        return text
    return pat.sub(lambda _: f"{begin}\n{body}\n{end}", text)


def anchor(heading):
    """GitHub's anchor for a Markdown heading."""
    a = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return a.replace(" ", "-")


def load_vmsets(results):
    """[(N, VmSet)] for each VM size with results."""
    found = {}
    for path in glob.glob(os.path.join(results, "vm-*cpu*.txt")):
        mt = re.fullmatch(r"vm-(\d+)cpu(-boot(\d+)[^/]*)?\.txt", os.path.basename(path))
        if not mt:
            continue
        n = int(mt.group(1))
        d = found.setdefault(n, {"boots": [], "single": None})
        r = summarize.load(read_lines(path))
        if mt.group(2):
            d["boots"].append((int(mt.group(3)), os.path.basename(path), r))
        else:
            d["single"] = (os.path.basename(path), r)
    out = []
    for n, d in sorted(found.items()):
        if d["boots"]:
            boots = [(f, r) for _, f, r in sorted(d["boots"], key=lambda b: (b[0], b[1]))]
            out.append((n, VmSet(n, boots, d["single"], True)))
        else:
            out.append((n, VmSet(n, [d["single"]], None, False)))
    return out


def load_schbench(results):
    """The schbench boots (schbench-<N>cpu-boot*.txt, bench/run.sh -e) as
    a VmSet named "schbench", or None."""
    boots = []
    for path in glob.glob(os.path.join(results, "schbench-*cpu-boot*.txt")):
        mt = re.fullmatch(r"schbench-(\d+)cpu-boot(\d+)\.txt", os.path.basename(path))
        if mt:
            boots.append((int(mt.group(2)), os.path.basename(path), summarize.load(read_lines(path))))
    if not boots:
        return None
    return VmSet("schbench", [(f, r) for _, f, r in sorted(boots)], None, True)


def block_schbench(vs):
    if vs is None:
        return "_Not measured yet: bench/run.sh -e SCHBENCH -w reqserve,schbench (bench/README.md)._"
    return "\n".join(compact_table(vs, "", SCHBENCH_COLS))


def pooled(vs, results):
    """All the boots' lines read as one: for the plot."""
    if not vs.multi:
        return vs.boots[0][1]
    lines = []
    for f, _ in vs.boots:
        lines += read_lines(os.path.join(results, f))
    return summarize.load(lines)


def write_details(path, doc, info, loops, vmsets, top, exps, sb=None):
    doc_rel = os.path.relpath(doc, os.path.dirname(path))
    out = ["# Performance: every figure", "",
           "_Generated by `bench/report.py` from `bench/results/`: do not edit by hand. "
           f"The summary, how to reproduce these figures and how to read them: [{os.path.basename(doc)}]"
           f"({doc_rel})._", ""]
    out.append("## In process: decisions per second")
    out.append("")
    if loops:
        out.append("Median, min and max of the runs, in millions of decisions per second of the loop "
                   "thread's CPU time, and the median as nanoseconds per decision.")
        out.append("")
        out.extend(details_inproc(info, loops))
    else:
        out.append("_Not measured yet: run `make bench` (or `make bench-inproc`)._")
        out.append("")
    for n, vs in vmsets:
        out.append(f"## In the VM, {n} vCPUs")
        out.append("")
        out.append("Medians of the runs in each boot; in parentheses the ratio to the kernel's in the same "
                   "boot. Then every metric with its min and max, and scx_plugland's counters at exit.")
        out.append("")
        out.extend(details_vm(vs))
    if sb is not None:
        out.append("## schbench, 2 vCPUs")
        out.append("")
        out.append("schbench and reqserve in the same boots (bench/run.sh -e). Medians of the runs in each "
                   "boot; in parentheses the ratio to the kernel's in the same boot.")
        out.append("")
        out.extend(details_vm(sb))
    out.append("## Instructions per decision: top functions")
    out.append("")
    if top:
        out.append("Per decision, by callgrind: the functions that cost the most, exclusive cost.")
        out.append("")
        out.extend(details_callgrind(top))
    else:
        out.append("_Not measured yet: run `make bench` (or `make bench-callgrind`)._")
        out.append("")
    out.append("## Experiments")
    out.append("")
    if exps:
        out.append("Boots of `bench/run.sh -o bench/results/exp-NAME.txt`, each to test one explanation. "
                   "Compare a setting with the default in the same table, never across tables. "
                   "Some ran at a tree with uncommitted changes (a `-dirty` source): read them as "
                   "leads, not figures. The cyclictest columns of boots at sources before 05b0e21 "
                   "are misread (bench/README.md).")
        out.append("")
        out.extend(index_experiments(exps))
        out.append("")
        out.extend(details_experiments(exps))
    else:
        out.append("_None in bench/results/._")
        out.append("")
    with open(path, "w") as f:
        f.write("\n".join(out).rstrip("\n") + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=os.path.join(TOP, "bench", "results"))
    ap.add_argument("--doc", default=os.path.join(TOP, "docs", "performance.md"))
    ap.add_argument("--details", help="default: performance-details.md beside --doc")
    ap.add_argument("--no-plot", action="store_true")
    a = ap.parse_args()
    details = a.details or os.path.join(os.path.dirname(os.path.abspath(a.doc)), "performance-details.md")
    drel = os.path.relpath(details, os.path.dirname(os.path.abspath(a.doc)))

    def link(heading):
        return f"[{os.path.basename(details)}]({drel}#{anchor(heading)})"

    info, loops = load_inproc(read_lines(os.path.join(a.results, "inproc.txt")))
    cg, top = load_callgrind(read_lines(os.path.join(a.results, "callgrind.txt")))
    vmsets = load_vmsets(a.results)
    exps = []
    for path in sorted(glob.glob(os.path.join(a.results, "exp-*.txt"))):
        exps.append((os.path.basename(path)[4:-4], summarize.load(read_lines(path))))

    with open(a.doc) as f:
        text = f.read()
    text = replace_block(text, "machine", block_machine(info, vmsets))
    text = replace_block(text, "inproc", block_inproc(info, loops, link("In process: decisions per second")))
    text = replace_block(text, "callgrind",
                         block_callgrind(cg, link("Instructions per decision: top functions") if top else None))
    for n in (2, 4):
        vs = dict(vmsets).get(n)
        png = None
        png_path = os.path.join(os.path.dirname(a.doc), f"latency-{n}cpu.png")
        if vs is not None and not a.no_plot:
            png = plot(n, pooled(vs, a.results), png_path, len(vs.boots) if vs.multi else None)
        elif vs is not None and os.path.exists(png_path):  # --no-plot: keep the plot there is
            png = png_path
        text = replace_block(text, f"vm-{n}cpu", block_vm(n, vs, png, link(f"In the VM, {n} vCPUs")))
    sb = load_schbench(a.results)
    if "<!-- bench:schbench -->" in text or sb is not None:
        text = replace_block(text, "schbench", block_schbench(sb))
    text = replace_block(text, "goals", block_goals(loops, cg, vmsets, sb))
    log = read_lines(os.path.join(a.results, "log.txt"))
    text = replace_block(text, "log", block_log(log))
    with open(a.doc, "w") as f:
        f.write(text)
    write_details(details, os.path.abspath(a.doc), info, loops, vmsets, top, exps, sb)

    # What make bench prints: the generated blocks, as text.
    print(f"== {os.path.relpath(a.doc, TOP)} and {os.path.relpath(details, TOP)} updated; the figures:")
    print("\n-- in process (decisions/s per core)")
    for (p, be, log), d in sorted(loops.items(),
                                  key=lambda x: (x[0][1] != "loopback", order(x[0][0]), x[0][2] == "on")):
        print(f"  {p:<9} {be:<8} log {log:<3}  {float(d['mdps_median']):6.2f} M/s  "
              f"(min {float(d['mdps_min']):.2f}, max {float(d['mdps_max']):.2f})")
    print("\n-- instructions per decision (callgrind), host + policy [total with the synthetic backend]")
    for p in sorted((p for p in cg if p != "_source"), key=order):
        d = cg[p]
        print(f"  {p:<12} {float(d['host_policy']):7.1f}  [{float(d['total']):.1f}]")
    for n, vs in vmsets:
        for fname, r in vs.boots:
            print(f"\n-- VM, {n} vCPUs ({fname})")
            for m, s, med, lo, hi, k, ratio in summarize.rows(r):
                rs = f"{ratio:.3f}x" if ratio is not None else ""
                print(f"  {s:<10} {m:<32} {med:>10.2f} {lo:>10.2f} {hi:>10.2f} {k:>3} {rs:>8}")
            for e in r.errors:
                print(f"  error: {e}")
    print("\n-- goals")
    for line in block_goals(loops, cg, vmsets).splitlines()[2:]:
        if line.startswith("| "):
            print("  " + line.strip("| ").replace(" | ", "  |  "))
        elif line:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

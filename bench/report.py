#!/usr/bin/env python3
"""Writes the measured figures from bench/results/ into docs/performance.md
(between its <!-- bench:NAME --> and <!-- /bench:NAME --> markers; the
prose around them is left alone), draws docs/latency-<N>cpu.png with
gnuplot, and prints the figures.

  bench/report.py [--results DIR] [--doc FILE] [--no-plot]

Inputs (each optional: a block whose input is missing says so):
  inproc.txt      bench/inproc.sh     decisions/s in process
  callgrind.txt   bench/callgrind.py  instructions per decision
  vm-<N>cpu.txt   bench/run.sh -c N   the VM's workloads
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


def block_machine(inproc_info, vms):
    out = []
    if inproc_info:
        out.append(f"- In process: {inproc_info.get('cpu_model', '?')}, {inproc_info.get('cores', '?')} cores, "
                   f"Linux {inproc_info.get('kernel', '?')}, {inproc_info.get('compiler', '?')}; "
                   f"measured {inproc_info.get('date', '?')}, source {inproc_info.get('source', '?')}; "
                   f"load average {inproc_info.get('loadavg_before', '?')} before.")
    for n, r in vms:
        i = r.info
        out.append(f"- VM, {n} vCPUs: guest kernel {i.get('kernel', '?')}, qemu TCG multi-threaded "
                   f"({i.get('qemu', '?')}) on {i.get('host_cpu_model', '?')}, "
                   f"{i.get('host_cores', '?')} host cores"
                   + (" (**oversubscribed**: more vCPUs than host cores)"
                      if i.get("host_cores", "").isdigit() and n > int(i["host_cores"]) else "")
                   + f"; {i.get('tools', '').rstrip(', ')}; measured {i.get('date', '?')}, "
                   f"source {i.get('source', '?')}, {i.get('elapsed_s', '?')} s in the guest.")
    return "\n".join(out) if out else "_Not measured yet: run `make bench`._"


def block_inproc(info, loops, cg):
    if not loops:
        return "_Not measured yet: run `make bench` (or `make bench-inproc`)._"
    out = ["| policy | backend | log | decisions/s per core (median) | min | max | ns per decision |",
           "|---|---|---|---:|---:|---:|---:|"]
    for (p, be, log), d in sorted(loops.items(),
                                  key=lambda kv_: (kv_[0][1] != "loopback", order(kv_[0][0]),
                                                   kv_[0][2] == "on")):
        out.append(f"| {p} | {be} | {log} | **{float(d['mdps_median']):.2f} M** | "
                   f"{float(d['mdps_min']):.2f} M | {float(d['mdps_max']):.2f} M | "
                   f"{float(d['ns_per_decision']):.0f} |")
    any_d = next(iter(loops.values()))
    out.append("")
    out.append(f"{any_d.get('runs', '?')} runs of {int(any_d.get('decisions', 0)):,} decisions each, "
               f"{any_d.get('cpus', '?')} CPUs and {any_d.get('tasks', '?')} "
               "CPU-bound tasks; decisions per second of the loop thread's CPU time. "
               f"Load average before/after: {info.get('loadavg_before', '?')} / "
               f"{info.get('loadavg_after', '?')}; plugland VMs running before/after: "
               f"{info.get('vms_running_before', '?') or 0} / {info.get('vms_running_after', '?') or 0}.")
    return "\n".join(out)


POLICY_ORDER = ["fifo", "deadline", "lottery", "rules", "fifo+idle"]


def order(p):
    base = p.replace("+log", "")
    return (POLICY_ORDER.index(base) if base in POLICY_ORDER else 99, p)


def block_callgrind(cg, top):
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
               f"{cg.get('_source', '?')}.")
    for p in sorted(top, key=order):
        out.append("")
        out.append(f"<details><summary>Where the instructions of <b>{p}</b> go (per decision, top functions)</summary>")
        out.append("")
        out.append("| instructions | part | function | file |")
        out.append("|---:|---|---|---|")
        for d in top[p]:
            out.append(f"| {float(d['ir']):.1f} | {d['component']} | `{d['function']}` | {d['file']} |")
        out.append("")
        out.append("</details>")
    return "\n".join(out)


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
               + (" The kernel's figures pool its two phases, first and last in the boot."
                  if "workloads" in r.info else ""))
    if r.errors:
        out.append("")
        out.append("**Errors during the run:** " + "; ".join(f"`{e}`" for e in r.errors))
    return out, rows


def block_vm(n, r, png):
    if r is None:
        return f"_Not measured yet: run `make bench` (BENCH_CPUS includes {n})._"
    out, rows = summary_table(r)
    scheds = r.scheds
    if png:
        out.append("")
        out.append(f"![cyclictest wake-up latency, {n} vCPUs]({os.path.basename(png)})")
    # Everything: median, min, max, n, ratio.
    out.append("")
    out.append(f"<details><summary>All figures, {n} vCPUs: median, min, max of each</summary>")
    out.append("")
    out.append("| metric | scheduler | median | min | max | runs | vs kernel |")
    out.append("|---|---|---:|---:|---:|---:|---:|")
    for m, s, med, lo, hi, k, ratio in rows:
        what = summarize.METRICS.get(m, (m, ""))[0]
        out.append(f"| {what} | {s} | {fmt(med)} | {fmt(lo)} | {fmt(hi)} | {k} | "
                   f"{f'{ratio:.3f}×' if ratio is not None else ''} |")
    counters = []
    for s in scheds:
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
    out.append("")
    out.append("</details>")
    return "\n".join(out)


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


def plot(n, r, png):
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
            plots_c.append(f"'{cdat}' using 1:2 with steps {style} title '{title}'")
        runs = r.info.get("runs", "?")
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


def block_experiments(exps):
    if not exps:
        return "_None in bench/results/ (exp-NAME.txt, from `bench/run.sh -o`)._"
    out = []
    for name, r in exps:
        out.append(f"**{name}** ({r.info.get('cpus', '?')} vCPUs, kernel {r.info.get('kernel', '?')}, "
                   f"{r.info.get('date', '?')}, source {r.info.get('source', '?')}): "
                   f"`{r.info.get('command', '?')}`")
        if r.info.get("note"):  # added by hand to the raw file, and says so
            out.append("")
            out.append(r.info["note"])
        out.append("")
        table, _ = summary_table(r)
        out.extend(table)
        out.append("")
    return "\n".join(out)


# ---- goals --------------------------------------------------------------

def block_goals(loops, cg, vms):
    out = ["| goal | measured | met? |", "|---|---|---|"]

    def row(goal, measured, ok):
        verdict = ("for reference" if ok == "ref" else "yes" if ok else
                   "**no**" if ok is not None else "not measured")
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
    for n, r in vms:
        med = {}
        for m, s, md, lo, hi, k, ratio in summarize.rows(r):
            med[(m, s)] = (md, ratio)

        def ratio_row(goal, m, s, limit):
            v = med.get((m, s))
            if v and v[1] is not None:
                row(f"{goal} ({n} vCPUs)", f"{v[1]:.2f}× ({fmt(v[0])} vs {fmt(med[(m, 'kernel')][0])})",
                    v[1] <= limit)
            else:
                row(f"{goal} ({n} vCPUs)", "not measured", None)

        ratio_row("deadline hackbench ≤ 1.05× the kernel's", "hackbench_s", "deadline", 1.05)
        ratio_row("deadline cyclictest p99 ≤ 1.5× the kernel's", "cyclictest_p99_us", "deadline", 1.5)
        ratio_row("fifo hackbench ≤ 1.15× the kernel's", "hackbench_s", "fifo", 1.15)
        idle = [(s, med[("host_cpu_pct_idle", s)][0]) for s in r.scheds if ("host_cpu_pct_idle", s) in med]
        if idle:
            fifo = dict(idle).get("fifo")
            row(f"scx_plugland idle CPU ≤ 1 %, fifo ({n} vCPUs; the others for reference)",
                ", ".join(f"{s} {v:.2f} %" for s, v in idle), None if fifo is None else fifo <= 1)
    return "\n".join(out)


# ---- the decision log (bench_log) ---------------------------------------

def block_log(lines):
    if not lines:
        return "_Not measured yet: run `make bench-log`._"
    head = [l for l in lines if l.startswith(("source ", "date "))]
    body = [l for l in lines if not l.startswith(("source ", "date "))]
    meta = dict(l.split(" ", 1) for l in head)
    return (f"`make bench-log` (`bench/bench_log.c`), measured {meta.get('date', '?')}, "
            f"source {meta.get('source', '?')}, same machine as above:\n\n```\n"
            + "\n".join(body) + "\n```")


# ---- the document -------------------------------------------------------

def replace_block(text, name, body):
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    pat = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pat.search(text):
        print(f"report: no {begin} ... {end} in the document; block not written", file=sys.stderr)
        return text
    return pat.sub(lambda _: f"{begin}\n{body}\n{end}", text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=os.path.join(TOP, "bench", "results"))
    ap.add_argument("--doc", default=os.path.join(TOP, "docs", "performance.md"))
    ap.add_argument("--no-plot", action="store_true")
    a = ap.parse_args()

    info, loops = load_inproc(read_lines(os.path.join(a.results, "inproc.txt")))
    cg, top = load_callgrind(read_lines(os.path.join(a.results, "callgrind.txt")))
    vms = []
    for path in glob.glob(os.path.join(a.results, "vm-*cpu.txt")):
        n = int(re.search(r"vm-(\d+)cpu", path).group(1))
        vms.append((n, summarize.load(read_lines(path))))
    vms.sort()

    with open(a.doc) as f:
        text = f.read()
    text = replace_block(text, "machine", block_machine(info, vms))
    text = replace_block(text, "inproc", block_inproc(info, loops, cg))
    text = replace_block(text, "callgrind", block_callgrind(cg, top))
    for n in (2, 4):
        r = dict(vms).get(n)
        png = None
        if r is not None and not a.no_plot:
            png = plot(n, r, os.path.join(os.path.dirname(a.doc), f"latency-{n}cpu.png"))
        text = replace_block(text, f"vm-{n}cpu", block_vm(n, r, png))
    text = replace_block(text, "goals", block_goals(loops, cg, vms))
    log = read_lines(os.path.join(a.results, "log.txt"))
    text = replace_block(text, "log", block_log(log))
    exps = []
    for path in sorted(glob.glob(os.path.join(a.results, "exp-*.txt"))):
        exps.append((os.path.basename(path)[4:-4], summarize.load(read_lines(path))))
    text = replace_block(text, "experiments", block_experiments(exps))
    with open(a.doc, "w") as f:
        f.write(text)

    # What make bench prints: the generated blocks, as text.
    print(f"== {os.path.relpath(a.doc, TOP)} updated; the figures:")
    print("\n-- in process (decisions/s per core)")
    for (p, be, log), d in sorted(loops.items(),
                                  key=lambda x: (x[0][1] != "loopback", order(x[0][0]), x[0][2] == "on")):
        print(f"  {p:<9} {be:<8} log {log:<3}  {float(d['mdps_median']):6.2f} M/s  "
              f"(min {float(d['mdps_min']):.2f}, max {float(d['mdps_max']):.2f})")
    print("\n-- instructions per decision (callgrind), host + policy [total with the synthetic backend]")
    for p in sorted((p for p in cg if p != "_source"), key=order):
        d = cg[p]
        print(f"  {p:<12} {float(d['host_policy']):7.1f}  [{float(d['total']):.1f}]")
    for n, r in vms:
        print(f"\n-- VM, {n} vCPUs")
        for m, s, med, lo, hi, k, ratio in summarize.rows(r):
            rs = f"{ratio:.3f}x" if ratio is not None else ""
            print(f"  {s:<10} {m:<32} {med:>10.2f} {lo:>10.2f} {hi:>10.2f} {k:>3} {rs:>8}")
        for e in r.errors:
            print(f"  error: {e}")
    print("\n-- goals")
    for line in block_goals(loops, cg, vms).splitlines()[2:]:
        print("  " + line.strip("| ").replace(" | ", "  |  "))
    return 0


if __name__ == "__main__":
    sys.exit(main())

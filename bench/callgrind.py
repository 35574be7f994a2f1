#!/usr/bin/env python3
"""Instructions per decision, counted by callgrind (deterministic).

For each policy, build/bench/bench_loop runs under valgrind --tool=callgrind
twice: with N decisions and with 1. The difference of the instruction
counts, divided by N - 1, is the cost of one decision without start-up and
exit. It is split by where the instructions ran (exclusive cost of each
function, by the file that defines it):

  policy  the plugin (its .so, or plugins/ sources built into the host)
  host    the loop and everything else: host/*.c, libc, the vDSO clock
  synth   host/synth_backend.c, the simulated machine: absent from a real
          run (there the BPF backend's ring buffers take its place)

host + policy is what the budget and the goal speak of.

  bench/callgrind.py [-b BUILD] [-n N] [-o OUT] [-c BUDGET] [POLICY...]

POLICY is a plugin name, "NAME+log" for the same with the decision log on.
-o writes the figures (CG and CGTOP lines; in CG, plugin= is the policy's
part) to OUT; -c compares host +
policy with BUDGET (lines "NAME INSTRUCTIONS") and exits 1 when one grew
more than 10 % past it.
"""
import argparse
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

TOLERANCE = 0.10
DEFAULT_POLICIES = ["fifo", "deadline", "lottery", "rules",
                    "fifo+log", "deadline+log", "lottery+log", "rules+log"]


def parse(path):
    """Exclusive Ir per (object, file, function) from a callgrind.out file
    written with --compress-strings=no."""
    cost = defaultdict(int)
    ob = fl = fn = None
    skip_next = False
    with open(path) as f:
        for line in f:
            if skip_next:  # the inclusive cost of a call: not this function's
                skip_next = False
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                if len(parts) >= 2 and fn is not None:
                    cost[(ob, fl, fn)] += int(parts[1])
                continue
            if line.startswith("ob="):
                ob = line[3:].strip()
            elif line.startswith("fl="):
                fl = line[3:].strip()
            elif line.startswith("fn="):
                fn = line[3:].strip()
            elif line.startswith("calls="):
                skip_next = True
    return cost


def component(ob, fl):
    if fl.endswith("host/synth_backend.c"):
        return "synth"
    if ("/plugins/" in ob and ob.endswith(".so")) or "/plugins/" in fl or fl.startswith("plugins/"):
        return "policy"
    return "host"


def short(path):
    for mark in ("/host/", "/plugins/", "/include/", "/bench/"):
        i = path.rfind(mark)
        if i >= 0:
            return path[i + 1:]
    return os.path.basename(path)


SETS = []  # -s SECTION.KEY=VALUE for every run (--set)


def run(build, policy, n, outdir):
    name, _, extra = policy.partition("+")
    args = [os.path.join(build, "bench", "bench_loop"), "-p", name, "-P",
            os.path.join(build, "plugins"), "-n", str(n), "-r", "1"]
    for s in SETS:
        args += ["-s", s]
    if extra == "log":
        args.append("-L")
    out = os.path.join(outdir, f"cg.{policy}.{n}")
    res = subprocess.run(["valgrind", "--tool=callgrind", "--compress-strings=no",
                          "--compress-pos=no", "--dump-instr=no",
                          f"--callgrind-out-file={out}"] + args,
                         capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"callgrind: {' '.join(args)} failed:\n{res.stdout}{res.stderr}")
    return parse(out)


def per_decision(build, policy, n, outdir):
    big = run(build, policy, n, outdir)
    small = run(build, policy, 1, outdir)
    delta = {k: (v - small.get(k, 0)) / (n - 1) for k, v in big.items()}
    comp = defaultdict(float)
    for (ob, fl, _), v in delta.items():
        comp[component(ob, fl)] += v
    top = sorted(((v, k) for k, v in delta.items() if v > 0.5), reverse=True)
    return comp, top


def read_budget(path):
    budget = {}
    with open(path) as f:
        for line in f:
            line = line.split("#")[0].split()
            if len(line) == 2:
                budget[line[0]] = float(line[1])
    return budget


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-b", "--build", default="build")
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("-o", "--out")
    ap.add_argument("-c", "--check")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("-s", "--set", action="append", default=[],
                    help="SECTION.KEY=VALUE for bench_loop, every run")
    ap.add_argument("policies", nargs="*")
    a = ap.parse_args()
    SETS.extend(a.set)
    budget = read_budget(a.check) if a.check else {}
    policies = a.policies or (list(budget) if budget else DEFAULT_POLICIES)

    here = os.path.dirname(os.path.abspath(__file__))
    src = subprocess.run([os.path.join(here, "source-id.sh")], capture_output=True,
                         text=True).stdout.strip()
    lines, failed = [f"CGINFO source {src or 'unknown'}"], False
    print(f"instructions per decision (callgrind, {a.n} decisions minus 1, "
          "synthetic backend 4 CPUs 16 CPU-bound tasks)")
    hdr = f"{'policy':<12} {'host+policy':>11} {'host':>7} {'policy':>7} {'synth':>7} {'total':>7}"
    if budget:
        hdr += f" {'budget':>7} {'change':>8}  verdict"
    print(hdr)
    with tempfile.TemporaryDirectory() as tmp:
        for p in policies:
            comp, top = per_decision(a.build, p, a.n, tmp)
            hp = comp["host"] + comp["policy"]
            total = hp + comp["synth"]
            row = (f"{p:<12} {hp:>11.1f} {comp['host']:>7.1f} {comp['policy']:>7.1f} "
                   f"{comp['synth']:>7.1f} {total:>7.1f}")
            if p in budget:
                b = budget[p]
                change = hp / b - 1
                verdict = "ok"
                if change > TOLERANCE:
                    verdict, failed = f"FAIL: more than {TOLERANCE:.0%} over budget", True
                elif change < -TOLERANCE:
                    verdict = "ok (well under budget: lower it in bench/budget.txt?)"
                row += f" {b:>7.0f} {change:>+8.1%}  {verdict}"
            elif budget:
                row += f" {'-':>7} {'':>8}  (no budget)"
            print(row, flush=True)
            lines.append(f"CG policy={p} n={a.n} host_policy={hp:.1f} host={comp['host']:.1f} "
                         f"plugin={comp['policy']:.1f} synth={comp['synth']:.1f} total={total:.1f}")
            for rank, (v, (ob, fl, fn)) in enumerate(top[:a.top], 1):
                lines.append(f"CGTOP policy={p} rank={rank} ir={v:.1f} "
                             f"component={component(ob, fl)} file={short(fl)} function={fn}")
    if a.out:
        os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
        with open(a.out, "w") as f:
            f.write("\n".join(lines) + "\n")
    if budget:
        print(f"bench-check: {'FAILED' if failed else 'ok'} "
              f"(host+policy against {a.check}, tolerance +{TOLERANCE:.0%})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

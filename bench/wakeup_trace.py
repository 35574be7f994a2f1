#!/usr/bin/env python3
"""Where a wake-up's time goes: reads the ftrace text that
bench/trace-guest.sh wrote (TRACE-BEGIN/TRACE-END sections, one per
scheduler) and prints, for each scheduler:

  - wake-to-run latency of the traced task's most woken thread
    (sched_waking to the sched_switch that runs it; for cyclictest, its
    measuring thread), in percentiles and buckets;
  - under scx_plugland, how much of it passed before the host's
    scheduling thread got a CPU ("to host") and after ("host to run");
  - what the CPUs ran while the long waits (over --long-us) waited;
  - the --worst longest waits, event by event.

usage: bench/wakeup_trace.py TRACE_FILE [--comm cyclictest] [--worst 3]
"""
import argparse
import bisect
import collections
import re
import sys

EVENT = re.compile(r"^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+\S+\s+([\d.]+): (sched_\w+): (.*)$")
FIELD = re.compile(r"(\w+)=(\S+)")
HOST_COMM = "scx_plugland"
BUCKETS_US = (250, 500, 1000, 2000, 4000, 8000, 16000)


def sections(lines):
    """{scheduler: [lines]} from TRACE-BEGIN/TRACE-END markers."""
    out, name, cur = {}, None, []
    for line in lines:
        if line.startswith("TRACE-BEGIN "):
            name, cur = line.split()[1], []
        elif line.startswith("TRACE-END ") and name:
            out[name] = cur
            name = None
        elif name:
            cur.append(line)
    return out


def parse(lines):
    """Events as (t, cpu, event, fields, line), in time order."""
    evs = []
    for line in lines:
        m = EVENT.match(line)
        if not m:
            continue
        rest = m.group(6)
        if m.group(5) == "sched_switch":
            prev, _, nxt = rest.partition(" ==> ")
            f = {"prev_" + k[5:] if k.startswith("prev_") else k: v for k, v in FIELD.findall(prev)}
            f.update(FIELD.findall(nxt))
        else:
            f = dict(FIELD.findall(rest))
        evs.append((float(m.group(4)), int(m.group(3)), m.group(5), f, line.strip()))
    evs.sort(key=lambda e: e[0])
    return evs


def cpu_segments(evs):
    """Per CPU: sorted starts and (start, end, comm) of what ran."""
    segs = collections.defaultdict(list)
    cur = {}
    for t, cpu, name, f, _ in evs:
        if name != "sched_switch":
            continue
        if cpu in cur:
            segs[cpu].append((cur[cpu][0], t, cur[cpu][1]))
        else:  # what ran before the first switch: prev
            segs[cpu].append((evs[0][0], t, f.get("prev_comm", "?")))
        cur[cpu] = (t, f.get("next_comm", "?"))
    end = evs[-1][0] if evs else 0
    for cpu, (t, comm) in cur.items():
        segs[cpu].append((t, end, comm))
    return {cpu: ([s[0] for s in v], v) for cpu, v in segs.items()}


def ran_during(segs, t0, t1):
    """CPU time by comm, all CPUs, within [t0, t1)."""
    got = collections.Counter()
    for starts, v in segs.values():
        i = max(bisect.bisect_right(starts, t0) - 1, 0)
        while i < len(v) and v[i][0] < t1:
            a, b, comm = v[i]
            lo, hi = max(a, t0), min(b, t1)
            if hi > lo:
                got[comm] += hi - lo
            i += 1
    return got


def waits(evs, comm):
    """(wake_t, run_t, wake_index, run_index, host_t or None) per wake-up."""
    out, pending, host_on = [], {}, set()
    for i, (t, cpu, name, f, _) in enumerate(evs):
        if name == "sched_switch":
            if f.get("prev_comm") == HOST_COMM:
                host_on.discard(cpu)
            if f.get("next_comm") == HOST_COMM:
                host_on.add(cpu)
                for p in pending.values():
                    if p[2] is None:
                        p[2] = t
            pid = f.get("next_pid")
            if f.get("next_comm") == comm and pid in pending:
                wt, wi, ht = pending.pop(pid)
                out.append((wt, t, wi, i, ht))
        elif name == "sched_waking" and f.get("comm") == comm:
            pending[f.get("pid")] = [t, i, t if host_on else None]
    return out


def pct(sorted_vals, q):
    return sorted_vals[min(int(len(sorted_vals) * q), len(sorted_vals) - 1)]


def busiest_thread(evs, comm):
    """The pid of comm woken most often (cyclictest's measuring thread, not
    its main thread), or None."""
    n = collections.Counter(f.get("pid") for _, _, name, f, _ in evs
                            if name == "sched_waking" and f.get("comm") == comm)
    return n.most_common(1)[0][0] if n else None


def report(name, evs, comm, long_us, worst):
    pid = busiest_thread(evs, comm)
    ws = [x for x in waits(evs, comm) if evs[x[2]][3].get("pid") == pid]
    print(f"== {name}: {len(ws)} wake-ups of {comm}/{pid} (its most woken thread), {len(evs)} events")
    if not ws:
        return
    lat = sorted((r - w) * 1e6 for w, r, *_ in ws)
    print("  wake to run, us:  p50 %.0f  p90 %.0f  p99 %.0f  max %.0f" %
          (pct(lat, .5), pct(lat, .9), pct(lat, .99), lat[-1]))
    counts, lo = [], 0
    for hi in BUCKETS_US + (float("inf"),):
        n = sum(1 for x in lat if lo <= x < hi)
        label = f">= {lo / 1000:g} ms" if hi == float("inf") else f"< {hi / 1000:g} ms"
        counts.append(f"{label}: {n}")
        lo = hi
    print("  buckets:          " + ", ".join(counts))
    host = [(h - w, r - h) for w, r, _, _, h in ws if h is not None and h <= r]
    if host:
        a = sorted(x * 1e6 for x, _ in host)
        b = sorted(x * 1e6 for _, x in host)
        print("  to host, us:      p50 %.0f  p99 %.0f   host to run: p50 %.0f  p99 %.0f  (%d wake-ups)" %
              (pct(a, .5), pct(a, .99), pct(b, .5), pct(b, .99), len(host)))
    longs = [(w, r) for w, r, *_ in ws if (r - w) * 1e6 >= long_us]
    if longs:
        segs = cpu_segments(evs)
        got = collections.Counter()
        for w, r in longs:
            got.update(ran_during(segs, w, r))
        total = sum(got.values()) or 1
        top = ", ".join(f"{c} {v / total:.0%}" for c, v in got.most_common(5))
        print(f"  while the {len(longs)} waits >= {long_us / 1000:g} ms waited, the CPUs ran: {top}")
    for w, r, wi, ri, _ in sorted(ws, key=lambda x: x[0] - x[1])[:worst]:
        print(f"  -- a wait of {(r - w) * 1e6:.0f} us (t={w:.6f}): every switch and wake-up meanwhile")
        shown = 0
        for t, cpu, ename, f, _ in evs[wi:ri + 1]:
            if ename == "sched_waking" and f.get("comm") != comm:
                continue
            if shown == 60:
                print("     ...")
                break
            if ename == "sched_switch":
                what = f"{f.get('prev_comm')} ({f.get('prev_state')}) -> {f.get('next_comm')}"
            else:
                what = f"{ename[6:]} {f.get('comm')}/{f.get('pid')} on {f.get('target_cpu')}"
            print(f"     {(t - w) * 1e6:8.0f} us  cpu {cpu}  {what}")
            shown += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trace")
    ap.add_argument("--comm", default="cyclictest", help="the task whose wake-ups are measured")
    ap.add_argument("--worst", type=int, default=3, help="longest waits shown event by event")
    ap.add_argument("--long-us", type=float, default=1000, help="a long wait, for 'the CPUs ran'")
    a = ap.parse_args()
    with open(a.trace, errors="replace") as f:
        secs = sections(f.read().splitlines())
    if not secs:
        sys.exit(f"wakeup_trace: {a.trace}: no TRACE-BEGIN/TRACE-END section")
    for name, lines in secs.items():
        report(name, parse(lines), a.comm, a.long_us, a.worst)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# In-process figures: decisions per second of the scheduling loop with each
# policy, decision log off and on (bench_loop.c), on two backends: the
# loopback backend (the host's pipeline alone) and the synthetic machine
# (its simulation of CPUs and time included).
#
#   bench/inproc.sh BUILD_DIR [RUNS] [DECISIONS]    (defaults: 5 runs, 2000000)
#
# Writes bench/results/inproc.txt (the RUN and LOOP lines) and prints the
# LOOP lines. Pinned to one CPU; on a busy machine the figures drop.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
runs=${2:-5}
n=${3:-2000000}
out=$top/bench/results/inproc.txt
mkdir -p "$(dirname "$out")"
# No plugland VM (ours or another's) may run meanwhile: take the lock
# scripts/vm-run.sh takes, waiting for a VM that runs.
exec 9>"${TMPDIR:-/tmp}/plugland-vm.lock"
if ! flock -n 9; then
	echo "bench: a plugland VM is running; waiting for it before measuring" >&2
	flock 9
fi
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then
	pin=(taskset -c "$(($(nproc) - 1))")
fi
{
	echo "INFO cpu_model $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	echo "INFO cores $(nproc)"
	echo "INFO kernel $(uname -r)"
	echo "INFO compiler $(${CC:-gcc} --version | head -n1)"
	echo "INFO date $(date -u +%Y-%m-%d)"
	echo "INFO source $("$top/bench/source-id.sh" "$top")"
	echo "INFO command bench/inproc.sh BUILD $runs $n"
	# Anything else running skews these: say so in the results.
	echo "INFO loadavg_before $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "INFO vms_running_before $(pgrep -c qemu-system || true)"
	for b in loopback synth; do
		for p in fifo deadline lottery rules; do
			for log in "" -L; do
				"${pin[@]}" "$build/bench/bench_loop" -b "$b" -p "$p" -P "$build/plugins" \
					-n "$n" -r "$runs" $log
			done
		done
	done
	echo "INFO loadavg_after $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "INFO vms_running_after $(pgrep -c qemu-system || true)"
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "in process: $n decisions per run, $runs runs, 4 CPUs 16 CPU-bound tasks"
grep -E '^LOOP' "$out"

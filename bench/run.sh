#!/usr/bin/env bash
# In-VM benchmark: the kernel's scheduler, then scx_plugland with each
# policy, then the kernel's again, the same workloads in one boot
# (bench/vm-guest.sh says which); medians with min and max, ratio to the
# kernel (both its phases).
#
#   bench/run.sh [-c CPUS] [-o OUT] [-w WORKLOADS] [-B BASE_BINARY] [-S] [-b] [-x NAME.bpf.o]
#                [-e PROGRAM] BUILD_DIR [POLICIES] [RUNS]
#                                      (defaults: 2, bench/results/vm-2cpu.txt, all, fifo, 5)
#   -w hackbench,cyclictest,reqserve   only those (of hackbench, cyclictest,
#                                      stressng, reqserve; schbench with -e)
#   -b                                 blocks: each scheduler's runs in one
#                                      block, the kernel first and last (no
#                                      rounds; fewer attaches, for 4 vCPUs)
#   -S                                 time every BPF callback (a diagnostic,
#                                      not for goal figures: BENCH-BPF lines)
#   -x NAME.bpf.o                      another sched_ext scheduler that needs
#                                      no user space (repeatable), run as the
#                                      scheduler bpf:NAME by bench/floor's loader
#   -e PROGRAM                         a program for the guest's /usr/local/bin
#                                      (repeatable): schbench, built from its
#                                      own source, for the workload schbench
#   KERNEL=7.3 bench/run.sh build     (another kernel)
#
# The raw lines go to OUT (bench/report.py turns bench/results/vm-*cpu.txt
# into docs/performance.md, exp-*.txt into its experiments), the console
# log to BUILD_DIR/vm/bench-<OUT name>-console.log. Multi-threaded TCG (-j):
# one host thread per vCPU; more vCPUs than host cores are oversubscribed.
# POLICIES: see bench/vm-guest.sh (POLICY+idle, POLICY@SECTION.KEY=VALUE).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cpus=2 out="" workloads=hackbench,cyclictest,stressng,reqserve base="" bpf_stats=0 blocks=0
objects=() programs=()
while [ $# -gt 0 ]; do
	case $1 in
	-c) cpus=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	-w) workloads=$2; shift 2 ;;
	-B) base=$2; shift 2 ;;
	-S) bpf_stats=1; shift ;;
	-b) blocks=1; shift ;;
	-e)
		[ -x "$2" ] || { echo "bench: -e $2: not an executable file" >&2; exit 2; }
		programs+=("$2"); shift 2 ;;
	-x)
		case $2 in *.bpf.o) ;; *) echo "bench: -x $2: not a NAME.bpf.o" >&2; exit 2 ;; esac
		[ -r "$2" ] || { echo "bench: -x $2: no such file" >&2; exit 2; }
		objects+=("$2"); shift 2 ;;
	*) break ;;
	esac
done
build=${1:-$top/build}
policies=${2:-fifo}
runs=${3:-5}
initrd=$build/vm/bench.cpio.gz
out=${out:-$top/bench/results/vm-${cpus}cpu.txt}
# One console log per result file: two runs queued for the VM must not
# share one (the second truncated it before the first read it).
log=$build/vm/bench-$(basename "$out" .txt)-console.log
mkdir -p "$build/vm" "$(dirname "$out")"
# What the binaries were built from (roughly: the tree now, not at build
# time).
src=$("$top/bench/source-id.sh" "$top")
# -B BINARY: a baseline scx_plugland (another commit's build), run by the
# policies named base:POLICY (with this build's plugins)
extra=()
if [ -n "$base" ]; then
	mkdir -p "$build/vm/base"
	cp "$base" "$build/vm/base/scx_plugland_base"
	extra=("$build/vm/base/scx_plugland_base")
	echo "bench: baseline binary $base ($(git -C "$(dirname "$base")" describe --always --dirty 2>/dev/null || echo '?'))"
fi
"$top/scripts/mkinitramfs.sh" "$initrd" "$top/bench/vm-guest.sh" \
	"$top/bench/ct-percentiles" "$build/scx_plugland" "$build"/plugins/*.so \
	"$build/bench/reqserve" "$build/bench/floor" "$build/bench/floor.bpf.o" "${extra[@]}" "${objects[@]}" "${programs[@]}"
# Each scheduler: about 3 minutes with every workload; the kernel's runs
# once more than the others (bench/vm-guest.sh interleaves them).
phases=$((2 + $(echo "$policies" | tr , ' ' | wc -w)))
if [ "$blocks" = 1 ]; then
	layout="in blocks: the kernel, then $policies, then the kernel, $runs runs each of $workloads"
else
	layout="$runs rounds of the kernel then $policies (odd rounds in this order, even ones reversed),"
	layout="$layout then the kernel, each round one run of $workloads"
fi
echo "bench: booting ${KERNEL:-6.18} with $cpus vCPUs, $layout" \
	"(at most about $((3 * phases)) minutes; started $(date +%H:%M))"
t0=$(date +%s)
rc=0
args="plugland.policies=$policies plugland.runs=$runs plugland.workloads=$workloads"
[ "$bpf_stats" = 0 ] || args="$args plugland.bpf_stats=1"
[ "$blocks" = 0 ] || args="$args plugland.blocks=1"
"$top/scripts/vm-run.sh" -j -q -t $((600 + 300 * phases)) -c "$cpus" -l "$log" \
	-a "$args" "$initrd" || rc=$?
t1=$(date +%s)
{
	echo "BENCH-INFO host_cpu_model $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	echo "BENCH-INFO host_cores $(nproc)"
	echo "BENCH-INFO host_kernel $(uname -r)"
	echo "BENCH-INFO qemu $(qemu-system-x86_64 --version | head -n1)"
	echo "BENCH-INFO tools $(dpkg-query -W -f='${Package} ${Version}, ' rt-tests stress-ng 2>/dev/null)"
	echo "BENCH-INFO command vm-run.sh -j -c $cpus -a $args (kernel ${KERNEL:-6.18})"
	echo "BENCH-INFO boot_s $((t1 - t0))"
	echo "BENCH-INFO date $(date -u +%Y-%m-%d)"
	echo "BENCH-INFO source $src"
	for o in "${objects[@]}"; do echo "BENCH-INFO object $(basename "$o" .bpf.o) $(sha256sum <"$o" | cut -c1-16)"; done
	[ -z "$base" ] || echo "BENCH-INFO base_source $(git -C "$(dirname "$base")" describe --always --dirty 2>/dev/null || echo unknown) ($base)"
	grep -aE '^BENCH' "$log" || true
} >"$out"
if [ "$rc" != 0 ]; then
	echo "bench: the VM failed (status $rc); console log: $log" >&2
	exit "$rc"
fi
echo "bench: $cpus vCPUs done in $((t1 - t0)) s (including any wait for another VM)"
python3 "$top/bench/summarize.py" <"$out"

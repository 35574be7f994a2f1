#!/usr/bin/env bash
# Where a wake-up's time goes: boots the test kernel (2 vCPUs, as
# bench/run.sh) and traces cyclictest's wake-ups under a CPU hog per CPU,
# for the kernel's own scheduler and then each policy, with the kernel's
# scheduler events (ftrace); bench/wakeup_trace.py then splits each wait
# into the time until scx_plugland's scheduling thread ran and after, says
# what the CPUs ran during the long waits, and shows the longest event by
# event.
#
#   bench/wakeup-trace.sh [-c CPUS] BUILD_DIR [POLICIES] [CT_SECS]
#                          (defaults: 2, deadline, 6)
#
# The raw trace is kept in BUILD_DIR/vm/wakeup-trace.txt (re-read it with
# bench/wakeup_trace.py --worst N), the report goes to stdout. An
# investigation tool, not a benchmark: tracing costs time of its own, so
# the untraced cyclictest figures of the same boot are printed beside it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cpus=2
if [ "${1:-}" = -c ]; then
	cpus=$2
	shift 2
fi
build=${1:-$top/build}
policies=${2:-deadline}
ct_secs=${3:-6}
initrd=$build/vm/trace.cpio.gz
trace=$build/vm/wakeup-trace.txt
log=$build/vm/wakeup-trace-console.log
mkdir -p "$build/vm"
"$top/scripts/mkinitramfs.sh" "$initrd" "$top/bench/trace-guest.sh" \
	"$top/bench/ct-percentiles" "$build/scx_plugland" "$build"/plugins/*.so
: >"$trace"
echo "wakeup-trace: booting ${KERNEL:-6.18} with $cpus vCPUs, kernel then $policies (a few minutes)"
rc=0
"$top/scripts/vm-run.sh" -j -q -t 1200 -c "$cpus" -l "$log" -s "$trace" \
	-a "plugland.policies=$policies plugland.ct_secs=$ct_secs" "$initrd" || rc=$?
grep -aE '^TRACE-(INFO|CT|LOG)|^trace-guest' "$log" || true
if [ "$rc" != 0 ]; then
	echo "wakeup-trace: the VM failed (status $rc); console log: $log" >&2
	exit "$rc"
fi
python3 "$top/bench/wakeup_trace.py" "$trace"

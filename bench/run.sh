#!/usr/bin/env bash
# In-VM benchmark: hackbench under the kernel's scheduler and under
# scx_plugland, one boot, medians with min and max, ratio to the kernel.
#
#   bench/run.sh BUILD_DIR [POLICIES] [RUNS]     (defaults: fifo, 5)
#   KERNEL=7.3 bench/run.sh build                (another kernel)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
policies=${2:-fifo}
runs=${3:-5}
initrd=$build/vm/bench.cpio.gz
log=$build/vm/bench-console.log
mkdir -p "$build/vm"
"$top/scripts/mkinitramfs.sh" "$initrd" "$top/bench/vm-guest.sh" \
	"$build/scx_plugland" "$build"/plugins/*.so
echo "bench: booting ${KERNEL:-6.18}, policies $policies, $runs runs each (takes a few minutes)"
"$top/scripts/vm-run.sh" -j -q -t 1800 -l "$log" \
	-a "plugland.policies=$policies plugland.runs=$runs" "$initrd"
grep '^BENCH' "$log" | python3 "$top/bench/summarize.py"

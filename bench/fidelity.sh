#!/usr/bin/env bash
# The policy lab's fidelity, in the VM: record hackbench and reqserve
# under each policy (debug mode), replay each dump through the policy that
# recorded it, and compare the wait-to-run p50 and p99 (docs/policy-lab.md,
# "How faithful a replay is").
#
#   bench/fidelity.sh [-o OUT] [-r RUNS] [BUILD_DIR] [POLICIES] [WORKLOADS]
#                     (defaults: bench/results/fidelity.txt, 3, build,
#                      deadline,fifo, hackbench,reqserve)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="" runs=3
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	-r) runs=$2; shift 2 ;;
	*) break ;;
	esac
done
build=${1:-$top/build}
policies=${2:-deadline,fifo}
workloads=${3:-hackbench,reqserve}
out=${out:-$top/bench/results/fidelity.txt}
initrd=$build/vm/fidelity.cpio.gz
log=$build/vm/fidelity-console.log
mkdir -p "$build/vm" "$(dirname "$out")"
"$top/scripts/mkinitramfs.sh" "$initrd" "$top/bench/fidelity-guest.sh" \
	"$build/scx_plugland" "$build"/plugins/*.so "$build/bench/reqserve" \
	"$build/plugland-dump" "$build/plugland-replay"
echo "fidelity: booting ${KERNEL:-6.18}, $policies x $workloads, $runs run(s) each (started $(date +%H:%M))"
rc=0
"$top/scripts/vm-run.sh" -j -q -t 1800 -c 2 -l "$log" \
	-a "plugland.policies=$policies plugland.workloads=$workloads plugland.runs=$runs" "$initrd" || rc=$?
{
	echo "FIDELITY-INFO source $(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "FIDELITY-INFO date $(date -u +%Y-%m-%d)"
	tr -d '\r' <"$log" | grep -aE '^FIDELITY' || true
} >"$out"
[ "$rc" = 0 ] || { echo "fidelity: the VM failed (status $rc); console log: $log" >&2; exit "$rc"; }
python3 "$top/bench/fidelity_report.py" "$out"

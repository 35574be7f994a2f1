#!/usr/bin/env bash
# The policy lab's fidelity, in the VM: record hackbench and reqserve
# under each policy (debug mode), replay each dump through the policy that
# recorded it, and compare the wait-to-run p50 and p99 (docs/policy-lab.md,
# "How faithful a replay is").
#
#   bench/fidelity.sh [-o OUT] [-r RUNS] [-k DIR] [BUILD_DIR] [POLICIES] [WORKLOADS]
#                     (defaults: bench/results/fidelity.txt, 3, build,
#                      deadline,fifo, hackbench,reqserve)
#
# -k DIR keeps the recordings, as DIR/<workload>-<policy>-<run>.dump, to
# replay again on this machine (plugland-replay) without booting.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="" runs=3 keep=""
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	-r) runs=$2; shift 2 ;;
	-k) keep=$2; shift 2 ;;
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
rc=0 serial=() keep_arg=""
if [ -n "$keep" ]; then
	mkdir -p "$keep"
	serial=(-s "$build/vm/fidelity-dumps.txt")
	keep_arg=" plugland.keep=1"
fi
"$top/scripts/vm-run.sh" -j -q -t 1800 -c 2 -l "$log" "${serial[@]}" \
	-a "plugland.policies=$policies plugland.workloads=$workloads plugland.runs=$runs$keep_arg" "$initrd" || rc=$?
if [ -n "$keep" ]; then
	# Each DUMP-BEGIN ... DUMP-END block, base64 of a gzip'ed dump.
	tr -d '\r' <"$build/vm/fidelity-dumps.txt" | awk -v dir="$keep" '
		$1 == "DUMP-BEGIN" { f = dir "/" $2 ".dump.gz.b64"; next }
		$1 == "DUMP-END" { close(f); f = ""; next }
		f != "" { print > f }'
	for b in "$keep"/*.dump.gz.b64; do
		[ -e "$b" ] || continue
		base64 -d "$b" | gunzip >"${b%.gz.b64}" && rm -f "$b"
		fallocate -d "${b%.gz.b64}" 2>/dev/null || true # the log's unused part: holes
	done
	echo "fidelity: recordings kept in $keep: $(cd "$keep" && ls ./*.dump 2>/dev/null | wc -l) dump(s)"
fi
{
	echo "FIDELITY-INFO source $(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "FIDELITY-INFO date $(date -u +%Y-%m-%d)"
	tr -d '\r' <"$log" | grep -aE '^FIDELITY' || true
} >"$out"
[ "$rc" = 0 ] || { echo "fidelity: the VM failed (status $rc); console log: $log" >&2; exit "$rc"; }
python3 "$top/bench/fidelity_report.py" "$out"

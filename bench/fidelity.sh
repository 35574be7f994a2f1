#!/usr/bin/env bash
# The policy lab's fidelity, in the VM: record hackbench and reqserve
# under each policy (debug mode), replay each dump through the policy that
# recorded it, and compare the wait-to-run p50 and p99 (docs/policy-lab.md,
# "How faithful a replay is").
#
#   bench/fidelity.sh [-o OUT] [-b BOOTS] [-r RUNS] [-k DIR] [BUILD_DIR] [POLICIES] [WORKLOADS]
#                     (defaults: bench/results/fidelity, 3 boots, 2 runs,
#                      build, deadline,fifo, hackbench,reqserve)
#
# Boot i writes OUT-boot<i>.txt; the report is over every boot (median,
# lowest and highest boot). -k DIR keeps the recordings, as
# DIR/boot<i>-<workload>-<policy>-<run>.dump, to replay again on this
# machine (plugland-replay) without booting.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="" boots=3 runs=2 keep=""
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	-b) boots=$2; shift 2 ;;
	-r) runs=$2; shift 2 ;;
	-k) keep=$2; shift 2 ;;
	*) break ;;
	esac
done
build=${1:-$top/build}
policies=${2:-deadline,fifo}
workloads=${3:-hackbench,reqserve}
out=${out:-$top/bench/results/fidelity}
initrd=$build/vm/fidelity.cpio.gz
log=$build/vm/fidelity-console.log
mkdir -p "$build/vm" "$(dirname "$out")"
"$top/scripts/mkinitramfs.sh" "$initrd" "$top/bench/fidelity-guest.sh" \
	"$build/scx_plugland" "$build"/plugins/*.so "$build/bench/reqserve" \
	"$build/plugland-dump" "$build/plugland-replay"
# The tree measured, before this script writes its own (tracked) results.
source=$("$top/bench/source-id.sh" "$top")
# One boot: its FIDELITY lines in $out-boot$1.txt, its recordings in $keep.
one_boot() {
	local boot=$1 rc=0 serial=() keep_arg="" b
	echo "fidelity: boot $boot of $boots: ${KERNEL:-6.18}, $policies x $workloads, $runs run(s) each (started $(date +%H:%M))"
	if [ -n "$keep" ]; then
		mkdir -p "$keep"
		serial=(-s "$build/vm/fidelity-dumps.txt")
		keep_arg=" plugland.keep=1"
	fi
	for attempt in 1 2 3; do
		rc=0
		"$top/scripts/vm-run.sh" -j -q -t 1800 -c 2 -l "$log" "${serial[@]}" \
			-a "plugland.policies=$policies plugland.workloads=$workloads plugland.runs=$runs$keep_arg" \
			"$initrd" || rc=$?
		# Multi-threaded TCG's own fault (scripts/vm-run.sh -j): boot again.
		[ "$rc" != 0 ] && grep -aq 'Oops: int3' "$log" || break
		echo "fidelity: boot $boot, attempt $attempt: the emulator's int3 oops (vm-run.sh -j); booting again"
	done
	if [ -n "$keep" ]; then
		# Each DUMP-BEGIN ... DUMP-END block, base64 of a gzip'ed dump.
		tr -d '\r' <"$build/vm/fidelity-dumps.txt" | awk -v dir="$keep" -v boot="$boot" '
			$1 == "DUMP-BEGIN" { f = dir "/boot" boot "-" $2 ".dump.gz.b64"; next }
			$1 == "DUMP-END" { close(f); f = ""; next }
			f != "" { print > f }'
		for b in "$keep"/boot"$boot"-*.dump.gz.b64; do
			[ -e "$b" ] || continue
			base64 -d "$b" | gunzip >"${b%.gz.b64}" && rm -f "$b"
			fallocate -d "${b%.gz.b64}" 2>/dev/null || true # the log's unused part: holes
		done
	fi
	{
		echo "FIDELITY-INFO source $source"
		echo "FIDELITY-INFO date $(date -u +%Y-%m-%d)"
		echo "FIDELITY-INFO boot $boot"
		tr -d '\r' <"$log" | grep -aE '^FIDELITY' || true
	} >"$out-boot$boot.txt"
	[ "$rc" = 0 ] || { echo "fidelity: the VM failed (status $rc); console log: $log" >&2; exit "$rc"; }
}

files=()
for ((i = 1; i <= boots; i++)); do
	one_boot "$i"
	files+=("$out-boot$i.txt")
done
[ -z "$keep" ] || echo "fidelity: recordings kept in $keep"
python3 "$top/bench/fidelity_report.py" "${files[@]}"

#!/usr/bin/env bash
# Boots an initramfs made by mkinitramfs.sh in qemu (TCG) and exits with the
# status its /test.sh reported.
#
#   scripts/vm-run.sh [-k KERNEL_SERIES] [-c CPUS] [-m MEM_MB] [-t TIMEOUT_S]
#                     [-a "extra kernel args"] [-l LOGFILE] [-q] INITRAMFS
#
# -k  kernel series for fetch-kernel.sh (default $KERNEL, else 6.18)
# -c  CPUs (2)   -m  memory in MB (2048)   -t  timeout in seconds (300)
# -a  extra kernel arguments, e.g. "plugland.test=attach"
# -l  console log file (kept); default a temporary file, deleted on success
# -q  do not stream the console to stdout
# -j  multi-threaded TCG (one host thread per vCPU: faster, for benchmarks).
#     The default is single-threaded TCG: with MTTCG, guests have been seen
#     to oops on int3 while the kernel patches code (static keys flipped as
#     sched_ext enables and disables), a cross-vCPU code-modification race
#     of the emulator, not of the guest.
# -s  a second serial port (the guest's /dev/ttyS1) written to FILE: bulk
#     output (a trace) without the console's noise
# Exit status: N from the guest's last "PLUGLAND_VM_EXIT=N" line; 124 on
# timeout; 125 if the guest ended without reporting one. The console log is
# kept on failure and its path printed on stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

series=${KERNEL:-6.18} cpus=2 mem=2048 tmo=300 extra="" log="" quiet=0 tcg_thread=single
console=(-nographic)
usage() {
	echo "usage: $0 [-k SERIES] [-c CPUS] [-m MEM_MB] [-t TIMEOUT_S] [-a ARGS] [-l LOG] [-q] [-j] [-s FILE] INITRAMFS" >&2
	exit 2
}
while getopts k:c:m:t:a:l:qjs: opt; do
	case $opt in
	k) series=$OPTARG ;; c) cpus=$OPTARG ;; m) mem=$OPTARG ;;
	t) tmo=$OPTARG ;; a) extra=$OPTARG ;; l) log=$OPTARG ;; q) quiet=1 ;;
	j) tcg_thread=multi ;;
	s) console=(-display none -serial mon:stdio -serial "file:$OPTARG") ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
initrd=$1
[ -f "$initrd" ] || { echo "vm-run: no such file: $initrd" >&2; exit 2; }

kernel=$("$here/fetch-kernel.sh" "$series")
keep_log=1
if [ -z "$log" ]; then
	log=$(mktemp --tmpdir plugland-vm.XXXXXX.log)
	keep_log=0
fi

# One VM at a time on this machine: a second waits here for the first.
exec 9>"${TMPDIR:-/tmp}/plugland-vm.lock"
if ! flock -n 9; then
	echo "vm-run: another plugland VM is running; waiting for it" >&2
	flock 9
fi

# noautogroup: under sched_ext, Debian's 6.18.15 oopsed twice in setsid()
# (stress-ng's fork stressor calls it) while creating the session's
# autogroup: a NULL cfs_rq in online_fair_sched_group(), then a fault in
# the slab allocator under alloc_fair_sched_group(). (A third oops, in the
# slab allocator under a socket send, may be the same corruption found
# later.) Autogroups weigh nothing under sched_ext; without them that path
# is never taken.
# stdin from /dev/null: qemu must not touch the terminal.
set +e
timeout -k 10 "$tmo" qemu-system-x86_64 -accel "tcg,thread=$tcg_thread" -cpu max -smp "$cpus" -m "$mem" \
	-kernel "$kernel" -initrd "$initrd" "${console[@]}" -no-reboot -nic none \
	-append "console=ttyS0 panic=-1 quiet loglevel=4 noautogroup $extra" </dev/null 2>&1 |
	sed -u 's/\r//g' | if [ "$quiet" = 1 ]; then cat >"$log"; else tee "$log"; fi
qemu_rc=${PIPESTATUS[0]}
set -e

status=$(sed -n 's/.*PLUGLAND_VM_EXIT=\([0-9]\+\)[[:space:]]*$/\1/p' "$log" | tail -n1)
if [ -n "$status" ]; then
	rc=$status
elif [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "vm-run: timed out after ${tmo}s" >&2
	rc=124
else
	echo "vm-run: guest ended without reporting a status; the console's last lines:" >&2
	tail -n 40 "$log" | sed 's/^/vm-run:   /' >&2
	rc=125
fi

if [ "$rc" != 0 ]; then
	echo "vm-run: console log kept in $log" >&2
elif [ "$keep_log" = 0 ]; then
	rm -f "$log"
fi
exit "$rc"

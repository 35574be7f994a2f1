#!/usr/bin/env bash
# make demo: boot a sched_ext kernel under qemu and show scx_plugland at
# work. Shows the guest's "demo| " lines as they come; the whole console
# log is kept if something goes wrong.
#
#   scripts/demo.sh BUILD_DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
initrd=$build/vm/demo.cpio.gz
log=$build/vm/demo-console.log
mkdir -p "$build/vm"

"$top/scripts/fetch-kernel.sh" >/dev/null
"$top/scripts/mkinitramfs.sh" "$initrd" "$top/scripts/demo-guest.sh" \
	"$build/scx_plugland" "$build"/plugins/*.so
echo "Booting Linux ${KERNEL:-6.18} (trixie-backports, sched_ext built in) under qemu..."
: >"$log"
"$top/scripts/vm-run.sh" -q -t 300 -l "$log" "$initrd" &
vm=$!
tail -n +1 -f --pid="$vm" "$log" | sed -u -n 's/^demo| \{0,1\}//p'
if wait "$vm"; then
	echo
	echo "Demo complete. Full console log: $log"
else
	echo "The demo failed; full console log: $log" >&2
	exit 1
fi

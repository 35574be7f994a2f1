#!/usr/bin/env bash
# Builds the test initramfs and runs the VM integration tests in one boot.
#
#   tests/vm/run.sh BUILD_DIR [TESTS]      (TESTS: comma list, default all)
#
# KERNEL=7.3 (or latest) picks another trixie-backports kernel.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
tests=${2:-${PLUGLAND_TESTS:-}}
initrd=$build/vm/core.cpio.gz
mkdir -p "$build/vm"
"$top/scripts/mkinitramfs.sh" "$initrd" "$top/tests/vm/guest.sh" \
	"$build/scx_plugland" "$top/tests/vm/lib.sh" "$(command -v setpriv)" "$build"/plugins/*.so \
	"$build"/tests/plugins/hang.so "$build"/tests/plugins/crash.so \
	"$build/plugland-dump" "$build/tests/vm/json_check" "$build/tests/vm/compute"
echo "  VM       kernel ${KERNEL:-6.18}: ${tests:-all core tests}"
# Settings for the guest, as kernel arguments plugland.NAME=VALUE.
args="${tests:+plugland.tests=$tests}"
for v in HOSTARGS POLICIES SWAP; do
	eval "val=\${PLUGLAND_$v:-}"
	# shellcheck disable=SC2154 # set by eval
	[ -n "$val" ] && args="$args plugland.$(echo "$v" | tr 'A-Z' 'a-z')=$val"
done
# The whole suite takes about 15 minutes under single-threaded TCG.
exec "$top/scripts/vm-run.sh" -t 1800 -a "$args" "$initrd"

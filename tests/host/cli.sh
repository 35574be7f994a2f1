#!/usr/bin/env bash
# scx_plugland's command line on this machine (no sched_ext needed): bad
# input gets one clear message and the documented exit status.
#
#   tests/host/cli.sh BUILD_DIR
set -uo pipefail
bin=${1:-build}/scx_plugland
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# expect STATUS PATTERN LINES -- ARGS...: exit status, stderr matches
# PATTERN, and has LINES lines (0: any).
expect() {
	local status=$1 pattern=$2 lines=$3 got n
	shift 4
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	n=$(wc -l <"$tmp/err")
	if [ "$got" != "$status" ] || ! grep -qE -- "$pattern" "$tmp/err" ||
		{ [ "$lines" != 0 ] && [ "$n" != "$lines" ]; }; then
		echo "FAIL scx_plugland $*: exit $got (want $status), stderr:"
		sed 's/^/    /' "$tmp/err"
		failed=$((failed + 1))
	else
		echo "PASS scx_plugland $*"
	fi
}

if [ -e /sys/kernel/sched_ext/state ]; then
	echo "SKIP no-sched_ext case: this kernel has sched_ext"
else
	expect 1 "has no sched_ext .*make demo" 1 -- 
fi
expect 2 "unrecognized option" 0 -- --bogus
expect 2 "unexpected argument 'extra'" 0 -- extra
expect 2 "/nonexistent.ini: No such file or directory" 1 -- -c /nonexistent.ini
printf '[scheduler]\nslice_us = 5000\nslice_us = 9\n' >"$tmp/dup.ini"
expect 2 "$tmp/dup.ini:3: duplicate key 'slice_us'" 1 -- -c "$tmp/dup.ini"
printf '[scheduler]\n\nslice_us = 1\n' >"$tmp/range.ini"
expect 2 "$tmp/range.ini:3: scheduler.slice_us: 1 is out of range" 1 -- -c "$tmp/range.ini"
expect 2 "expected section.key=value" 1 -- --set nodot
expect 2 "--stats: expected seconds" 1 -- -s 0

"$bin" -V | grep -q '^scx_plugland [0-9]' && echo "PASS scx_plugland -V" ||
	{ echo "FAIL scx_plugland -V"; failed=$((failed + 1)); }
printf '[scheduler]\nslice_us = 7000\n[fifo]\ncapacity = 1024\n' >"$tmp/ok.ini"
if "$bin" -c "$tmp/ok.ini" --set bpf.heartbeat_ms=50 -p fifo --print-config >"$tmp/out" &&
	grep -qx 'slice_us = 7000' "$tmp/out" && grep -qx 'heartbeat_ms = 50' "$tmp/out" &&
	grep -qx 'capacity = 1024' "$tmp/out"; then
	echo "PASS scx_plugland --print-config: file plus overrides"
else
	echo "FAIL scx_plugland --print-config"; cat "$tmp/out"; failed=$((failed + 1))
fi
[ "$failed" = 0 ]

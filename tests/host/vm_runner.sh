#!/usr/bin/env bash
# tests/vm/run.sh's verdicts when boots go wrong, with a fake qemu
# (VM_RUN): a guest kernel that dies in a case fails the run even when
# the second boot, for the cases after it, passes; a failed case fails it.
#
#   tests/host/vm_runner.sh BUILD_DIR
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
# A build directory of its own, so that the fake boots' logs never mix
# with the real ones: the artifacts linked, vm/ its own.
mkdir -p "$tmp/b/vm"
for f in scx_plugland plugland-dump plugland-replay plugins tests bench; do ln -s "$build/$f" "$tmp/b/$f"; done

# The fake: each call appends its -a argument to $tmp/boots, writes the
# console log that $tmp/script-N says, exits with the status it says.
cat >"$tmp/vm-run" <<'FAKE'
#!/usr/bin/env bash
log=/dev/null args=
while getopts c:t:l:a:k:m:qjs: o; do
	case $o in l) log=$OPTARG ;; a) args=$OPTARG ;; esac
done
echo "$args" >>"$FAKE_DIR/boots"
n=$(wc -l <"$FAKE_DIR/boots")
head -n -1 "$FAKE_DIR/script-$n" >"$log"
cat "$log"
exit "$(tail -n 1 "$FAKE_DIR/script-$n")"
FAKE
chmod +x "$tmp/vm-run"

# run NAME WANT_STATUS TESTS: tests/vm/run.sh with the fake
run() {
	rm -f "$tmp/boots"
	FAKE_DIR=$tmp VM_RUN=$tmp/vm-run "$top/tests/vm/run.sh" "$tmp/b" "$3" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" != "$2" ]; then
		echo "FAIL vm runner $1: exit $got, want $2:"
		sed 's/^/    /' "$tmp/out"
		failed=$((failed + 1))
		return 1
	fi
}

# The kernel dies in 'hang' (no exit status: 125); the second boot runs
# only 'crash' and 'eject', and passes: the run still fails.
printf '== nonroot\nPASS nonroot\n== hang\n125\n' >"$tmp/script-1"
printf '== crash\nPASS crash\n== eject\nPASS eject\nPLUGLAND_VM_EXIT=0\n0\n' >"$tmp/script-2"
if run died 1 nonroot,hang,crash,eject; then
	second=$(sed -n 2p "$tmp/boots")
	if [[ $second != *"plugland.tests=crash,eject"* ]]; then
		echo "FAIL vm runner died: the second boot ran '$second', not the cases after 'hang'"
		failed=$((failed + 1))
	elif ! grep -q "^FAIL hang: the guest kernel died" "$tmp/b/vm/console.log"; then
		echo "FAIL vm runner died: the console log does not record the death as a FAIL"
		failed=$((failed + 1))
	else
		echo "PASS vm runner: a guest kernel that died fails the run; the second boot ran the rest"
	fi
fi

# A case fails, the guest reports it: one boot, the run fails.
printf '== nonroot\nFAIL nonroot: x\nPLUGLAND_VM_EXIT=1\n1\n' >"$tmp/script-1"
run failed 1 nonroot && [ "$(wc -l <"$tmp/boots")" = 1 ] &&
	echo "PASS vm runner: a failed case fails the run, one boot"
# All pass: exit 0.
printf '== nonroot\nPASS nonroot\nPLUGLAND_VM_EXIT=0\n0\n' >"$tmp/script-1"
run passed 0 nonroot && echo "PASS vm runner: all passed, exit 0"
exit $((failed > 0))

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
expect 2 "/nonexistent.ini: No such file or directory" 2 -- -c /nonexistent.ini
printf '[scheduler]\nslice_us = 5000\nslice_us = 9\n' >"$tmp/dup.ini"
expect 2 "$tmp/dup.ini:3: duplicate key 'slice_us'" 2 -- -c "$tmp/dup.ini"
printf '[scheduler]\n\nslice_us = 1\n' >"$tmp/range.ini"
expect 2 "$tmp/range.ini:3: scheduler.slice_us: 1 is out of range" 2 -- -c "$tmp/range.ini"
expect 2 "^Usage: scx_plugland" 2 -- -c "$tmp/range.ini"
printf '[scheduler]\npolicy = fifo\n[schedular]\nslice_us = 5\n' >"$tmp/typo.ini"
expect 2 "$tmp/typo.ini:4: \[schedular\]: no plugin of that name \(schedular.so\)" 1 \
	-- -c "$tmp/typo.ini"
expect 2 "--set fifoo.capacity: \[fifoo\]: no plugin of that name" 1 -- --set fifoo.capacity=4
expect 2 "bpf.ringbuf_kib: 100 is not a power of two" 1 -- --set bpf.ringbuf_kib=100
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
# Which policy runs: exactly one; none configured or a broken one is the
# built-in fifo with a warning, or exit 2 with strict = true.
plugins=(-P "$(dirname "$bin")/tests/plugins")
expect 2 "scheduler.policy: exactly one policy runs; 'fifo,deadline' names several" 1 \
	-- --set scheduler.policy=fifo,deadline --simulate 100
expect 0 "no policy configured; using the built-in fifo" 1 -- --set scheduler.policy= --simulate 100
expect 2 "no policy configured \(\[scheduler\] policy\) and strict = true" 1 \
	-- --set scheduler.policy= --set scheduler.strict=true --simulate 100
expect 0 "policy 'init_fails': .*init_fails.so: init\(\) failed: .*; using the built-in fifo" 0 \
	-- "${plugins[@]}" -p init_fails --simulate 100
expect 2 "policy 'init_fails': .*init_fails.so: init\(\) failed: " 0 \
	-- "${plugins[@]}" -p init_fails --set scheduler.strict=true --simulate 100
expect 2 "policy 'nosuch': .*nosuch.so" 0 \
	-- "${plugins[@]}" -p nosuch --set scheduler.strict=true --simulate 100

# A plugin section's keys are the ones the plugin reads in init(): any
# other is refused with file:line, the keys it has, and exit 2; even for
# an async plugin, and before anything would be attached.
policies=(-P "$(dirname "$bin")/plugins")
printf '[scheduler]\npolicy = fifo\n\n[fifo]\ncapcity = 5\n' >"$tmp/key.ini"
expect 2 "$tmp/key.ini:5: \[fifo\] capcity: 'fifo' has no such setting \(it reads: capacity\)" 1 \
	-- -c "$tmp/key.ini" --simulate 100
expect 2 "^scx_plugland: error: --set deadline.slise_us: \[deadline\] slise_us: 'deadline' has no such setting \(it reads: slice_us, .*preempt" 1 \
	-- "${policies[@]}" -p deadline --set deadline.slise_us=5 --simulate 100
printf '[scheduler]\npolicy = deadline\n[async]\nplugins = stats\n[stats]\nformatt = json\n' \
	>"$tmp/async_key.ini"
expect 2 "$tmp/async_key.ini:6: \[stats\] formatt: 'stats' has no such setting \(it reads: .*format" 0 \
	-- "${policies[@]}" -c "$tmp/async_key.ini" --simulate 100
# A refused value: the plugin names the key, the host where it was set.
expect 0 "init\(\) failed: Invalid argument \(its settings: slice_us = 3 \(--set deadline.slice_us\)\); using the built-in fifo" 0 \
	-- "${policies[@]}" -p deadline --set deadline.slice_us=3 --simulate 100
# A fast path the policy asks for and the operator refuses: said, and it runs.
expect 0 "policy 'deadline' asks BPF to run waking tasks on idle CPUs itself; \[bpf\] idle_direct = false: every wake-up goes to its enqueue\(\)" 0 \
	-- "${policies[@]}" -p deadline --set bpf.idle_direct=false --simulate 100
printf '[bpf]\nidle_direct = maybe\n' >"$tmp/fast.ini"
expect 2 "$tmp/fast.ini:2: bpf.idle_direct: expected policy, true or false, got 'maybe'" 0 \
	-- -c "$tmp/fast.ini" --simulate 100
# The fallback does not fail on a [fifo] section meant for the chosen fifo.
expect 0 "\[fifo\] capcity: .*; the built-in fifo runs on its defaults" 0 \
	-- "${plugins[@]}" -p init_fails --set fifo.capcity=5 --simulate 100
grep -q "simulated 100 decisions of policy 'fifo'" "$tmp/out" && echo "PASS fallback ran" ||
	{ echo "FAIL the fallback fifo did not run"; failed=$((failed + 1)); }

# --simulate N makes exactly N decisions, even when fewer than one
# dispatch() of every task (16 of them) would carry.
for policy in fifo deadline lottery rules; do
	for n in 1 10 17 1000; do
		if "$bin" "${policies[@]}" -p "$policy" --simulate "$n" >"$tmp/out" 2>"$tmp/err" &&
			grep -q "^simulated $n decisions of policy '$policy'" "$tmp/out"; then
			echo "PASS --simulate $n -p $policy"
		else
			echo "FAIL --simulate $n -p $policy:"; cat "$tmp/out" "$tmp/err"
			failed=$((failed + 1))
		fi
	done
done

# The simulated machine is the one the policy is told of (its 4 CPUs, its
# clock, its idle CPUs): a CPU-bound background task among 15 normal ones
# runs about once in background_max_wait_ms (1 s), and no CPU idles.
printf '[bg]\ncomm = synth-0\nclass = background\n' >"$tmp/bg.rules"
if "$bin" "${policies[@]}" -p rules --set rules.file="$tmp/bg.rules" --simulate 20000 \
	>"$tmp/out" 2>"$tmp/err" &&
	awk '/CPUs busy/ { busy = $NF + 0 } /per-task runs/ { min = $(NF - 2) + 0; max = $NF + 0 }
	     /s of simulated time/ { secs = $1 }
	     END { exit !(busy >= 99 && max <= 20000 / 15 + 1 && min >= int(secs) - 1 &&
			  min <= secs + 1) }' "$tmp/out"; then
	echo "PASS --simulate -p rules: background waits, normal tasks fill the CPUs"
else
	echo "FAIL --simulate -p rules with a background task:"; cat "$tmp/out" "$tmp/err"
	failed=$((failed + 1))
fi

# A faulty policy under --simulate meets the same guards as a real run:
# the crash handler names the policy, the callback and the signal, and
# the process dies of that signal; the watchdog takes a stuck callback
# over (the fifo then runs every task to the end) or exits, as configured.
faulty=(-P "$(dirname "$bin")/tests/plugins" --simulate 20000)
for sig in segv:139:"Segmentation fault" bus:135:"Bus error" fpe:136:"Floating point exception" \
	abort:134:Aborted; do
	IFS=: read -r how status text <<<"$sig"
	expect "$status" "policy 'crash' crashed in enqueue\(\): $text" 0 -- "${faulty[@]}" -p crash \
		--set crash.after=100 --set crash.signal="$how"
done
expect 0 "policy 'hang' has been stuck in enqueue\(\) for [0-9]+ ms: switching to the built-in fifo" 0 \
	-- "${faulty[@]}" -p hang --set hang.after=100 --set watchdog.timeout_ms=200
if ! grep -q "double 0, unknown 0" "$tmp/out" || ! grep -q "min 1249, max 1250" "$tmp/out"; then
	echo "FAIL hang: the fifo did not run every task after the switch:"; cat "$tmp/out"
	failed=$((failed + 1))
fi
expect 3 "policy 'hang' has been stuck in enqueue\(\) for [0-9]+ ms: detaching and exiting" 0 \
	-- "${faulty[@]}" -p hang --set hang.after=100 --set watchdog.timeout_ms=200 \
	--set watchdog.action=exit
[ "$failed" = 0 ]

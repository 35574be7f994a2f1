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

# shown ARGS...: as a verdict shows them, no raw control characters.
shown() { printf '%s' "$*" | sed -z 's/\n/^J/g' | cat -v; }

# expect STATUS PATTERN LINES -- ARGS...: exit status, stderr matches
# PATTERN, and has LINES lines (0: any).
expect() {
	local status=$1 pattern=$2 lines=$3 got n
	shift 4
	# Bounded: a guard that fails may leave scx_plugland stuck for ever.
	timeout -k 5 120 "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	n=$(wc -l <"$tmp/err")
	if [ "$got" != "$status" ] || ! grep -qE -- "$pattern" "$tmp/err" ||
		{ [ "$lines" != 0 ] && [ "$n" != "$lines" ]; }; then
		echo "FAIL scx_plugland $(shown "$@"): exit $got (want $status), stderr:"
		sed 's/^/    /' "$tmp/err" | cat -v
		failed=$((failed + 1))
	else
		echo "PASS scx_plugland $(shown "$@")"
	fi
}

# expect_escaped: expect, and stderr holds no control character but newlines.
expect_escaped() {
	expect "$@"
	if tr -d '\n' <"$tmp/err" | LC_ALL=C grep -q '[[:cntrl:]]'; then
		echo "FAIL scx_plugland $(shown "${@:5}"): a control character on stderr:"
		sed -n l "$tmp/err" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}

if [ -e /sys/kernel/sched_ext/state ]; then
	echo "SKIP no-sched_ext case: this kernel has sched_ext"
else
	expect 1 "has no sched_ext .*make demo" 1 -- 
fi
expect 2 "^scx_plugland: error: unrecognized option '--bogus'" 0 -- --bogus
# getopt's own messages echoed the option raw: ours escape it
expect 2 "^scx_plugland: error: unrecognized option '--bo\\\\x1bgus'" 0 -- $'--bo\x1bgus'
if grep -q $'\x1b' "$tmp/err"; then
	echo "FAIL an unknown option's raw control byte reached the terminal"; failed=$((failed + 1))
fi
expect 2 "^scx_plugland: error: option '--simulate' needs an argument" 0 -- --simulate
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
# What the user typed is echoed escaped: the terminal never gets raw controls.
expect_escaped 2 "unexpected argument 'a\\\\x1b\\[2Jb'" 0 -- $'a\e[2Jb'
expect_escaped 2 "--simulate: .*got '\\\\x1b\\]0;x\\\\x07'" 1 -- --simulate $'\e]0;x\a'
expect_escaped 2 "/nonexistent/\\\\n\\\\x1b\\[2J\\.ini: No such file" 2 -- -c $'/nonexistent/\n\e[2J.ini'

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
# A control character in --set is refused before anything runs: a newline
# in a value made lines of its own in --print-config (here, a [scheduler]).
expect_escaped 2 "^scx_plugland: error: --set fifo.capacity=4\\\\n\\[scheduler\\]\\\\npolicy=evil: control character \\\\n in the value" 1 \
	-- --set $'fifo.capacity=4\n[scheduler]\npolicy=evil' --print-config
if [ -s "$tmp/out" ]; then
	echo "FAIL --print-config printed what --set injected:"; cat -v "$tmp/out"; failed=$((failed + 1))
else
	echo "PASS --print-config printed nothing of a refused --set"
fi
expect_escaped 2 "--set deadline.slice_us=5\\\\x1b\\[2J: control character \\\\x1b in the value" 1 \
	-- -P "$(dirname "$bin")/plugins" -p deadline --set $'deadline.slice_us=5\e[2J' --simulate 100
if grep -q simulated "$tmp/out"; then
	echo "FAIL --simulate ran with a refused --set"; failed=$((failed + 1))
fi
expect_escaped 2 "--set sched\\\\x1buler.policy=fifo: control character \\\\x1b in section.key" 1 \
	-- --set $'sched\euler.policy=fifo' --print-config
printf '[scheduler]\npolicy = \033[2Jfifo\n' >"$tmp/bin.ini"
expect_escaped 2 "$tmp/bin.ini:2: control character \\\\x1b at byte 10 \\(only tab is accepted\\)" 2 \
	-- -c "$tmp/bin.ini" --print-config

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
expect 2 "-p nosuch: no such policy in .*tests/plugins \(there: fifo \(built in\), .*init_fails" 1 \
	-- "${plugins[@]}" -p nosuch --simulate 100

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
expect 0 "policy 'deadline' asks BPF to place waking tasks itself; \[bpf\] idle_direct = false: every wake-up goes to its enqueue\(\)" 0 \
	-- "${policies[@]}" -p deadline --set bpf.idle_direct=false --simulate 100
printf '[bpf]\nidle_direct = maybe\n' >"$tmp/fast.ini"
expect 2 "$tmp/fast.ini:2: bpf.idle_direct: expected policy, true or false, got 'maybe'" 0 \
	-- -c "$tmp/fast.ini" --simulate 100
# The fallback does not fail on a [fifo] section meant for the chosen fifo.
expect 0 "\[fifo\] capcity: .*; the built-in fifo runs on its defaults" 0 \
	-- "${plugins[@]}" -p init_fails --set fifo.capcity=5 --simulate 100
grep -q "simulated 100 decisions of policy 'fifo'" "$tmp/out" && echo "PASS fallback ran" ||
	{ echo "FAIL the fallback fifo did not run"; failed=$((failed + 1)); }

# A newcomer's first minutes (issue 16): a typo in -p is an error naming
# what there is; absurd numbers and a folder for -c are refused; from the
# build tree, its own plugins run; --print-config refuses what a run
# refuses.
expect 2 "^scx_plugland: error: -p deadlin: no such policy in .*/plugins \(there: fifo \(built in\), deadline, lottery, rules\)" 1 \
	-- "${policies[@]}" -p deadlin --simulate 100
expect 2 "--simulate: expected a number of decisions in 1\.\.[0-9]*, got '-5'" 1 -- --simulate -5
expect 2 "--simulate: expected a number of decisions in 1\.\.[0-9]*, got '99999999999'" 1 \
	-- --simulate 99999999999
expect 2 "^scx_plugland: error: $tmp: Is a directory" 2 -- -c "$tmp" --simulate 10
printf '[scheduler]\npolicy = deadline\n[deadline]\nslise_us = 5\n' >"$tmp/pc.ini"
expect 2 "$tmp/pc.ini:4: \[deadline\] slise_us: 'deadline' has no such setting" 1 \
	-- "${policies[@]}" -c "$tmp/pc.ini" --print-config
abs_bin=$(cd "$(dirname "$bin")" && pwd)/scx_plugland
(cd "$tmp" && "$abs_bin" -p deadline --simulate 100 >"$tmp/out" 2>"$tmp/err")
if [ $? = 0 ] && grep -q "^simulated 100 decisions of policy 'deadline'" "$tmp/out" && [ ! -s "$tmp/err" ]; then
	echo "PASS build/scx_plugland -p deadline (no -P): the build tree's deadline runs"
else
	echo "FAIL build/scx_plugland -p deadline (no -P) did not run the built deadline:"
	cat "$tmp/out" "$tmp/err"; failed=$((failed + 1))
fi
# Non-root, on the defaults: the decision log cannot be locked in memory
# (RLIMIT_MEMLOCK); a simulation goes on without, and says so.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$tmp"
	if setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" -p deadline --simulate 100 \
		>"$tmp/out" 2>"$tmp/err" && grep -q "^simulated 100 decisions" "$tmp/out"; then
		echo "PASS --simulate as a user, on the defaults"
	else
		echo "FAIL --simulate as a user, on the defaults:"; cat "$tmp/out" "$tmp/err"
		failed=$((failed + 1))
	fi
else
	echo "SKIP --simulate as a user: needs root and setpriv to become one"
fi
# Ctrl-C ends a simulation as it ends a run: the report, exit 0, a clean
# dump whose time line starts at 0 (the simulated clock) on 4 CPUs.
"$bin" -p deadline --simulate 4000000000 --set debug.enabled=true --set debug.size_mb=16 \
	--set debug.on_full=stop --set debug.dump="$tmp/sim.dump" >"$tmp/out" 2>"$tmp/err" &
sim=$!
sleep 2
kill -INT $sim
for _ in $(seq 50); do kill -0 $sim 2>/dev/null || break; sleep 0.2; done
kill -9 $sim 2>/dev/null # still running 10 s after Ctrl-C: fails below
wait $sim
rc=$?
sum=$("$(dirname "$bin")/plugland-dump" "$tmp/sim.dump" 2>&1)
if [ $rc = 0 ] && grep -q "^simulated [0-9]* decisions of policy 'deadline'" "$tmp/out" &&
	grep -q '^format .*clean' <<<"$sum" && grep -q '^cpus *4$' <<<"$sum" &&
	grep -q '^time span   0\.000000000 s \.\. ' <<<"$sum"; then
	echo "PASS --simulate, Ctrl-C: report, exit 0, clean dump on the simulated time line"
else
	echo "FAIL --simulate, Ctrl-C: exit $rc:"; cat "$tmp/out" "$tmp/err"; echo "$sum"
	failed=$((failed + 1))
fi

# --simulate meets the guards of a real run: the starvation guard
# dispatches what a policy took and never gave back (it ran for ever), and
# a watchdog fallback is logged under its own name, the stuck policy's
# decisions under the stuck policy's (all were logged as fifo's).
if timeout 60 "$bin" -P "$(dirname "$bin")/tests/plugins" -p hoard --set hoard.comm=synth \
	--simulate 2000 >"$tmp/out" 2>"$tmp/err" &&
	grep -q "^simulated 2000 decisions of policy 'hoard'" "$tmp/out" &&
	grep -q "starved 2000," "$tmp/out"; then
	echo "PASS --simulate: the starvation guard dispatches what the policy keeps"
else
	echo "FAIL --simulate with a policy that keeps every task:"; cat "$tmp/out" "$tmp/err"
	failed=$((failed + 1))
fi
"$bin" -P "$(dirname "$bin")/tests/plugins" -p hang --set hang.after=100 \
	--set watchdog.timeout_ms=200 --simulate 20000 --set debug.enabled=true --set debug.size_mb=16 \
	--set debug.dump="$tmp/hang.dump" >/dev/null 2>&1
sum=$("$(dirname "$bin")/plugland-dump" "$tmp/hang.dump" 2>&1)
if grep -q '^policy      hang (id 0): [0-9]* decisions' <<<"$sum" &&
	grep -q '^policy      fifo (id 1): [0-9]* decisions' <<<"$sum"; then
	echo "PASS --simulate: the watchdog's fallback logged under its own name"
else
	echo "FAIL --simulate: the dump after a watchdog fallback:"; grep '^policy' <<<"$sum"
	failed=$((failed + 1))
fi

# A simulation offers the control socket when given one: ctl works on it
# as on a run (status, a switch, the counters of the simulated machine).
"$bin" -p deadline --simulate 4000000000 --set control.socket="$tmp/sim.sock" \
	>"$tmp/out" 2>"$tmp/err" &
sim=$!
for _ in $(seq 50); do [ -S "$tmp/sim.sock" ] && break; sleep 0.1; done
st1=$("$bin" ctl -S "$tmp/sim.sock" --json status 2>&1)
sw=$("$bin" ctl -S "$tmp/sim.sock" switch lottery 2>&1)
st2=$("$bin" ctl -S "$tmp/sim.sock" --json stats 2>&1)
kill -INT $sim
wait $sim
rc=$?
if [ $rc = 0 ] && grep -q '"policy":"deadline"' <<<"$st1" && grep -q '"policy":"lottery"' <<<"$st2" &&
	grep -q '"nr_user_dispatches":[1-9]' <<<"$st2" && grep -q '"nr_switches":1' <<<"$st2" &&
	grep -q "policy 'deadline' replaced by 'lottery'" "$tmp/err"; then
	echo "PASS --simulate with a control socket: ctl status, switch, stats"
else
	echo "FAIL --simulate with a control socket (exit $rc):"; echo "$st1"; echo "$sw"; echo "$st2"
	cat "$tmp/err"; failed=$((failed + 1))
fi

# A switch runs the new policy's init() on the scheduling thread while
# attached: under the watchdog, with its own limit; past it, detach and exit.
"$bin" -P "$(dirname "$bin")/tests/plugins" -p fifo --simulate 4000000000 \
	--set control.socket="$tmp/initsw.sock" --set watchdog.init_timeout_ms=300 \
	--set hang.where=init >"$tmp/out" 2>"$tmp/err" &
sim=$!
for _ in $(seq 50); do [ -S "$tmp/initsw.sock" ] && break; sleep 0.1; done
timeout 10 "$bin" ctl -S "$tmp/initsw.sock" switch hang >/dev/null 2>&1
for _ in $(seq 100); do kill -0 $sim 2>/dev/null || break; sleep 0.1; done
kill -9 $sim 2>/dev/null
wait $sim
rc=$?
if [ $rc = 3 ] && grep -qE "policy 'hang' has been stuck in init\(\) for [0-9]+ ms \(the limit for a switch's load, init\(\) and exit\(\) is 300 ms\): detaching and exiting" "$tmp/err"; then
	echo "PASS ctl switch to a policy whose init() hangs: the watchdog detached and exited 3"
else
	echo "FAIL ctl switch to a policy whose init() hangs (exit $rc):"; cat "$tmp/err"
	failed=$((failed + 1))
fi

# [control] watch_config_ms: a change of the file reloads it as SIGHUP
# does, here the way Kubernetes updates a ConfigMap (the ..data symlink
# swapped); a broken new file is refused, with its line, and changes
# nothing.
cm=$tmp/configmap
mkdir -p "$cm/v1" "$cm/v2" "$cm/v3"
printf '[control]\nwatch_config_ms = 100\nsocket =\n[fifo]\n' >"$cm/v1/plugland.ini"
printf '[control]\nwatch_config_ms = 100\nsocket =\n[fifo]\ncapacity = 4096\n' >"$cm/v2/plugland.ini"
printf '[control]\nwatch_config_ms = 100\nsocket =\n[watchdog]\ntimeout_ms = lots\n' >"$cm/v3/plugland.ini"
ln -s v1 "$cm/..data"
ln -s ..data/plugland.ini "$cm/plugland.ini"
swap() { ln -sfn "$1" "$cm/..data.tmp" && mv -T "$cm/..data.tmp" "$cm/..data"; }
"$bin" -c "$cm/plugland.ini" --simulate 4000000000 >"$tmp/out" 2>"$tmp/err" &
sim=$!
sleep 0.5
swap v2
for _ in $(seq 50); do grep -q "configuration reloaded" "$tmp/err" && break; sleep 0.1; done
swap v3
for _ in $(seq 50); do grep -q "configuration unchanged" "$tmp/err" && break; sleep 0.1; done
kill -INT $sim
wait $sim
rc=$?
if [ $rc = 0 ] && grep -q "plugland.ini changed: reloading it" "$tmp/err" &&
	grep -q "configuration reloaded from $cm/plugland.ini" "$tmp/err" &&
	grep -q "plugland.ini:5: .*timeout_ms.*configuration unchanged" "$tmp/err"; then
	echo "PASS control.watch_config_ms: a ConfigMap-style swap reloads; a broken file is refused at its line"
else
	echo "FAIL control.watch_config_ms (exit $rc):"; cat "$tmp/err"; failed=$((failed + 1))
fi

# An async plugin stuck in consume() while the log laps it: live (ctl) and
# at exit its lost records are counted, though it never reads again, and
# consumed + lost + pending adds up to what was appended.
stall_num() { grep -o "\"$1\":[0-9]*" <<<"$2" | head -1 | cut -d: -f2; }
stall_ok() { # STATUS_JSON: what ctl says of the stuck plugin adds up
	local st=$1 c appended lost pending
	c=$(grep -o '"stall":{[^}]*}' <<<"$st") || return 1
	appended=$(stall_num appended "$st") lost=$(stall_num lost "$c")
	pending=$(stall_num pending "$c")
	# appended was read just before the plugin's report: at most equal
	[ "$(stall_num consumed "$c")" = 0 ] && [ "$(stall_num in_consume "$c")" -gt 0 ] &&
		[ "$lost" -gt 0 ] && [ $((lost + pending)) -ge "$appended" ] &&
		[ "$pending" -le $((1024 + 4096)) ]
}
printf '[scheduler]\npolicy = fifo\n[log]\ncapacity = 1024\n[async]\nplugins = stall\n' \
	>"$tmp/stall.ini"
"$bin" -P "$(dirname "$bin")/plugins:$(dirname "$bin")/tests/plugins" -c "$tmp/stall.ini" \
	--simulate 4000000000 --set control.socket="$tmp/stall.sock" >"$tmp/out" 2>"$tmp/err" &
sim=$!
for _ in $(seq 50); do [ -S "$tmp/stall.sock" ] && break; sleep 0.1; done
for _ in $(seq 50); do # until it is stuck in its first consume()
	st1=$("$bin" ctl -S "$tmp/stall.sock" --json status 2>&1)
	grep -q '"in_consume":[1-9]' <<<"$st1" && break
	sleep 0.1
done
sleep 0.2
st2=$("$bin" ctl -S "$tmp/stall.sock" --json status 2>&1)
kill -INT $sim
wait $sim
rc=$?
n=$(sed -n 's/^simulated \([0-9]*\) decisions.*/\1/p' "$tmp/out")
line=$(grep -o 'async stall: STUCK .*' "$tmp/err")
re='consumed, ([0-9]+) lost, ([0-9]+) left unread, ([0-9]+) in its unfinished consume\(\) call$'
if [ $rc = 0 ] && stall_ok "$st1" && stall_ok "$st2" &&
	[ "$(stall_num lost "$st2")" -gt "$(stall_num lost "$st1")" ] &&
	[[ $line =~ ': 0 records '$re ]] && [ "${BASH_REMATCH[1]}" -gt 0 ] &&
	[ $((BASH_REMATCH[1] + BASH_REMATCH[2] + BASH_REMATCH[3])) = "$n" ]; then
	echo "PASS a stuck async plugin: its lost records counted live and at exit"
else
	echo "FAIL a stuck async plugin's counts (exit $rc, $n decisions):"; echo "$st1"; echo "$st2"
	cat "$tmp/err"; failed=$((failed + 1))
fi

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

# --workload: a bad file is refused before anything runs, with FILE:LINE;
# the shipped ones run; the default is conf/workloads/cpu-bound.ini to the
# byte but for the line naming it; --json is one JSON object.
workloads=$(cd "$(dirname "$0")/../../conf/workloads" && pwd)
printf '[machine]\ncpus = 2\n\n[group web]\ncount = 4\ncpus = 0-2\n' >"$tmp/bad.workload"
expect 2 "^scx_plugland: error: $tmp/bad.workload:6: \[group web\]: cpus: CPU 2 is not on the machine" 1 \
	-- --simulate 100 --workload "$tmp/bad.workload"
grep -q simulated "$tmp/out" && { echo "FAIL a refused workload ran"; failed=$((failed + 1)); }
expect 2 "^scx_plugland: error: --workload: only with --simulate N" 1 -- --workload "$tmp/bad.workload"
expect 2 "^scx_plugland: error: --json: only with --simulate N" 1 -- --json
expect 2 "^scx_plugland: error: $tmp/none: No such file or directory" 1 \
	-- --simulate 100 --workload "$tmp/none"
for policy in fifo deadline lottery rules; do
	for f in "$workloads"/*.ini; do
		if "$bin" "${policies[@]}" -p "$policy" --set lottery.seed=1 --simulate 5000 --workload "$f" \
			>"$tmp/out" 2>"$tmp/err" && grep -q "^  all " "$tmp/out" &&
			"$bin" "${policies[@]}" -p "$policy" --set lottery.seed=1 --simulate 5000 \
			--workload "$f" >"$tmp/again" 2>&1 && cmp -s "$tmp/out" "$tmp/again"; then
			echo "PASS --simulate --workload ${f##*/} -p $policy, twice the same"
		else
			echo "FAIL --simulate --workload ${f##*/} -p $policy:"; cat "$tmp/out" "$tmp/err"
			failed=$((failed + 1))
		fi
	done
done
if "$bin" "${policies[@]}" -p deadline --simulate 3000 | grep -v '^  workload ' >"$tmp/default" &&
	"$bin" "${policies[@]}" -p deadline --simulate 3000 --workload "$workloads/cpu-bound.ini" |
	grep -v '^  workload ' >"$tmp/file" && cmp -s "$tmp/default" "$tmp/file"; then
	echo "PASS --simulate alone runs conf/workloads/cpu-bound.ini"
else
	echo "FAIL --simulate alone and conf/workloads/cpu-bound.ini differ:"
	diff "$tmp/default" "$tmp/file"; failed=$((failed + 1))
fi
if "$bin" "${policies[@]}" -p fifo --simulate 3000 --workload "$workloads/mixed.ini" --json \
	>"$tmp/json" 2>"$tmp/err" && head -c1 "$tmp/json" | grep -q '{' &&
	grep -q '"policy":.*"fifo"' "$tmp/json" && grep -q '"jain":' "$tmp/json" &&
	{ ! command -v python3 >/dev/null || python3 -m json.tool "$tmp/json" >/dev/null; }; then
	echo "PASS --simulate --json: one JSON object"
else
	echo "FAIL --simulate --json:"; cat "$tmp/json" "$tmp/err"; failed=$((failed + 1))
fi

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
expect 0 "policy 'hang' has been stuck in enqueue\(\) for [0-9]+ ms: making it leave, for the built-in fifo" 0 \
	-- "${faulty[@]}" -p hang --set hang.after=100 --set watchdog.timeout_ms=200
if ! grep -q "double 0, unknown 0" "$tmp/out" || ! grep -q "min 1249, max 1250" "$tmp/out"; then
	echo "FAIL hang: the fifo did not run every task after the switch:"; cat "$tmp/out"
	failed=$((failed + 1))
fi
expect 3 "policy 'hang' has been stuck in enqueue\(\) for [0-9]+ ms: detaching and exiting" 0 \
	-- "${faulty[@]}" -p hang --set hang.after=100 --set watchdog.timeout_ms=200 \
	--set watchdog.action=exit

# A stuck callback that blocks the watchdog's signal is not recovered,
# and the log does not say it was: the watchdog detaches and exits after
# one more timeout.
expect 3 "policy 'hang' did not leave enqueue\(\) in the 200 ms after the watchdog's signal \(stuck [0-9]+ ms; does it block SIGUSR2\?\): no recovery, detaching and exiting" 0 \
	-- "${faulty[@]}" -p hang --set hang.after=100 --set hang.block=true \
	--set watchdog.timeout_ms=200
if grep -q "abandoned in" "$tmp/err"; then
	echo "FAIL hang (signal blocked): a recovery was claimed"; failed=$((failed + 1))
fi

# A crash is the crashing thread's: an async plugin's consume(), a thread
# a policy started; not the policy the scheduling thread happens to be in.
expect 139 "^scx_plugland: async 'crashasync' crashed in consume\(\): Segmentation fault" 0 \
	-- "${faulty[@]}" -p crash --set crash.after=100000000 --set async.plugins=crashasync \
	--set async.interval_ms=10
expect 139 "^scx_plugland: policy 'crash' crashed on a thread it started: Segmentation fault" 0 \
	-- "${faulty[@]}" -p crash --set crash.after=100000000 --set crash.where=thread

# A fatal signal sent from outside is nobody's crash, whatever callback
# the scheduling thread happens to be in.
"$bin" -p fifo --simulate 4000000000 >"$tmp/out" 2>"$tmp/err" &
sim=$!
sleep 0.5
kill -SEGV $sim
wait $sim
rc=$?
if [ $rc = 139 ] && grep -q "^scx_plugland: Segmentation fault sent by process $$, not a fault of its own" "$tmp/err" &&
	! grep -q "crashed" "$tmp/err"; then
	echo "PASS a SIGSEGV sent by kill(1) is not reported as a crash of the policy"
else
	echo "FAIL a SIGSEGV sent by kill(1) (exit $rc):"; cat "$tmp/err"; failed=$((failed + 1))
fi

# ... and the debug dump survives it, readable.
expect 139 "^scx_plugland: async 'crashasync' crashed in consume\(\): Segmentation fault" 0 \
	-- "${faulty[@]}" -p fifo --set async.plugins=crashasync --set debug.enabled=true \
	--set debug.size_mb=16 --set debug.dump="$tmp/crashasync.dump"
if "$(dirname "$bin")/plugland-dump" "$tmp/crashasync.dump" >"$tmp/sum" 2>&1 &&
	grep -q '^records *20000 present' "$tmp/sum"; then
	echo "PASS the debug dump of a run whose async plugin crashed: 20000 decisions, readable"
else
	echo "FAIL the debug dump of a run whose async plugin crashed:"; cat "$tmp/sum"
	failed=$((failed + 1))
fi

# Plugin code that ends the process is named, and the status says so.
for how in exit _exit _Exit; do
	expect 4 "policy 'quit' called $how\(0\) in enqueue\(\): a plugin must never end the process" 0 \
		-- "${faulty[@]}" -p quit --set quit.after=100 --set quit.how="$how"
done
export PLUGLAND_TEST_QUIT_IN_CONSTRUCTOR=exit
expect 4 "policy 'quit' called exit\(0\) in constructor\(\)" 0 -- "${faulty[@]}" -p quit
# ... and checks that need no code run before any code does: a plugin
# with the wrong ABI is refused before its constructor could run.
expect 2 "built for plugin ABI [0-9.]+, newer than this host's" 1 -- "${faulty[@]}" -p wrong_abi \
	--set scheduler.strict=true
unset PLUGLAND_TEST_QUIT_IN_CONSTRUCTOR

# A policy that leaves a thread running after its exit() stays loaded
# (unloading it would crash the thread), and is named.
expect 0 "policy 'stray' \(.*/stray.so\) left 1 thread\(s\) running after its exit\(\): it stays loaded" 0 \
	-- "${faulty[@]}" -p stray
[ "$failed" = 0 ]

# shellcheck shell=sh
# Helpers for the guest test scripts (busybox sh inside the VM).

SCX=/sys/kernel/sched_ext
FAILED=0

state() { cat "$SCX/state"; }
ops() { cat "$SCX/root/ops" 2>/dev/null; }

# Every verdict goes to the console and to RESULTS, which the runner in
# guest.sh counts (a case runs in a process of its own).
RESULTS=/tmp/vm-results

# case_failed: whether CASE failed so far (read from RESULTS: a fail in a
# subshell, $(...), counts too).
case_failed() {
	grep -qF "FAIL $CASE: " "$RESULTS" 2>/dev/null
}

# pass MESSAGE: only when the case has not failed.
pass() {
	case_failed && return
	echo "PASS $CASE${1:+: $1}"
	echo "PASS $CASE" >>"$RESULTS"
}
fail() {
	echo "FAIL $CASE: $*"
	echo "FAIL $CASE: $*" >>"$RESULTS"
	FAILED=$((FAILED + 1))
}
# skip REASON: the case did not run here; counted apart, never as passed.
skip() {
	echo "SKIP $CASE: $*"
	echo "SKIP $CASE: $*" >>"$RESULTS"
}

# jget FILE PATH...: values from a JSON document (json_check --get), one
# a line; fails the case when one is missing.
jget() {
	json_check --get "$@" 2>/tmp/jget.err || { fail "$(cat /tmp/jget.err) in $(head -c 300 "$1")"; return 1; }
}

# show_host_log: the host's whole output, when the case failed (a passing
# case's log would only bury the failure: CI keeps a bounded part of it).
show_host_log() {
	case_failed && [ "${LOG_SHOWN:-}" != "$CASE" ] && [ -f /tmp/host.log ] ||
		return 0
	LOG_SHOWN=$CASE
	echo "--- $CASE: the host's output"
	cat /tmp/host.log
	echo "--- $CASE: end of the host's output"
}

# wait_state STATE TENTHS: poll every 0.1 s; 0 when reached in time.
wait_state() {
	i=0
	while [ "$i" -lt "$2" ]; do
		[ "$(state)" = "$1" ] && return 0
		usleep 100000
		i=$((i + 1))
	done
	[ "$(state)" = "$1" ]
}

# start_host ARGS...: scx_plugland in the background, output in /tmp/host.log
start_host() {
	# shellcheck disable=SC2086 # plugland.hostargs=-v adds flags
	scx_plugland ${PLUGLAND_HOSTARGS:-} "$@" >/tmp/host.log 2>&1 &
	HOST=$!
	if ! wait_state enabled 100; then
		fail "sched_ext not enabled 10 s after start (state $(state))"
		cat /tmp/host.log
		return 1
	fi
}

# stop_host SIGNAL: 0 when the host exits 0 and sched_ext is disabled.
stop_host() {
	kill "-$1" "$HOST"
	wait "$HOST"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "host exited $rc after SIG$1"
		return 1
	fi
	if [ "$(state)" != disabled ]; then
		fail "state is $(state) after the host exited"
		return 1
	fi
	if ! grep -q 'sched_ext disabled: unregistered from user space' /tmp/host.log; then
		fail "no exit info in the host's output"
		return 1
	fi
}

# user_dispatches: the last "total" of user-space dispatches in the stats lines
user_dispatches() {
	sed -n 's/^stats: user-space [0-9]*\/s (total \([0-9]*\)).*/\1/p' /tmp/host.log | tail -n1
}

# kernel_errors: sched_ext, RCU or lockup trouble in the kernel log. (Not
# "clocksource: Watchdog ... read timed out": a TCG artefact of slow IPIs.)
kernel_errors() {
	dmesg | grep -iE 'stall|runnable task|sched_ext:.*(error|disabled)|BUG:|Oops|hung task|lockup' |
		grep -v 'disabled (unregistered from user space)'
}

# load_with_hackbench LOOPS STRESS-NG-ARGS...: the stress-ng workload with
# rounds of hackbench -g 2 -l LOOPS alongside. Fails on a failed round, a
# look at sched_ext that finds it not enabled, or trouble in the kernel
# log (call dmesg -c before). Sets ROUNDS.
load_with_hackbench() {
	loops=$1
	shift
	stress-ng "$@" --quiet &
	stress=$!
	ROUNDS=0 hb_fail=0 not_enabled=0
	while kill -0 "$stress" 2>/dev/null; do
		hackbench -g 2 -l "$loops" >/dev/null 2>&1 || hb_fail=$((hb_fail + 1))
		ROUNDS=$((ROUNDS + 1))
		[ "$(state)" = enabled ] || not_enabled=$((not_enabled + 1))
	done
	wait "$stress" || fail "stress-ng exited $?"
	[ "$hb_fail" -eq 0 ] || fail "$hb_fail of $ROUNDS hackbench rounds failed"
	[ "$not_enabled" -eq 0 ] || fail "sched_ext was not enabled $not_enabled times"
	errs=$(kernel_errors)
	[ -z "$errs" ] || fail "kernel log: $errs"
}

# wait_gone PID SECONDS: 0 once PID has exited, 1 if it still runs then.
wait_gone() {
	i=0
	while kill -0 "$1" 2>/dev/null; do
		[ "$i" -ge "$2" ] && return 1
		sleep 1
		i=$((i + 1))
	done
}

# task_states COMM: how many of COMM's tasks are in each state (R, S, T...).
task_states() {
	cat /proc/[0-9]*/task/[0-9]*/stat 2>/dev/null |
		awk -v c="($1)" '$2 == c { n[$3]++ } END { for (s in n) printf "%s %d, ", s, n[s] }'
}

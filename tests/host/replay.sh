#!/usr/bin/env bash
# plugland-replay: a hand-made recording with a known answer (2 CPUs, 3
# CPU-bound tasks, fifo), the same bytes twice, candidates that crash or
# hang reported in their columns while the others finish, bad input as one
# line and exit 2, --pid, --json, --plot with and without gnuplot, and the
# time to replay a 60 s recording of a 2-CPU machine.
#
#   tests/host/replay.sh BUILD_DIR
set -uo pipefail
build=${1:-build}
bin=$build/plugland-replay
mkdump=$build/tests/host/mkdump
events=$(dirname "$0")/events
faulty=$build/tests/plugins
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

pass() { echo "PASS plugland-replay $*"; }
fail() { echo "FAIL plugland-replay $*"; failed=$((failed + 1)); }

# expect STATUS PATTERN -- ARGS...: exit status, and stderr is one line
# matching PATTERN (0 for STATUS 0: stderr empty).
expect() {
	local status=$1 pattern=$2 got n
	shift 3
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	n=$(wc -l <"$tmp/err")
	if [ "$got" != "$status" ] || { [ "$status" = 0 ] && [ "$n" != 0 ]; } ||
		{ [ "$status" = 2 ] && { [ "$n" != 1 ] || ! grep -qE -- "$pattern" "$tmp/err"; }; }; then
		fail "$*: exit $got (want $status), stderr:"
		sed 's/^/    /' "$tmp/err"
	else
		pass "$*"
	fi
}

# row LABEL: the cells of that row of $tmp/out
row() { grep -E "^$1 {2,}" "$tmp/out" | sed -E "s/^$1 +//; s/ +/ /g"; }
want_row() {
	local got
	got=$(row "$1")
	[ "$got" = "$2" ] && pass "row '$1': $2" || fail "row '$1': got '$got', want '$2'"
}

"$mkdump" -n 0 -C 2 -e "$events/three-hogs.txt" "$tmp/three.dump" || { echo "FAIL mkdump"; exit 1; }
"$mkdump" -n 0 -C 2 -c 65536 -g 2,6,800 "$tmp/gen.dump" || { echo "FAIL mkdump -g"; exit 1; }

# --- the known answer: 2 CPUs, 3 CPU-bound tasks of 10 ms, 5 ms slices,
# all queued at 0. fifo: two run [0, 5 ms); the third starts at 5 ms
# (waited 5 ms) on CPU 0, the first goes on on CPU 1 (a migration), the
# second waits until 10 ms (5 ms); then the second and third run to 15
# ms. Waits 0, 0, 0, 0, 5 ms, 5 ms; CPU share while runnable 1, 2/3, 2/3
# (Jain (7/3)^2 / (3 (1 + 8/9)) = 0.9608); 6 decisions. The recording is
# that very schedule.
expect 0 "" -- "$tmp/three.dump" -p fifo
want_row "status" "recorded ok"
want_row "makespan" "15.00ms 15.00ms"
want_row "wait p50" "0ns 0ns"
want_row "wait p99" "5.00ms 5.00ms"
want_row "wait max" "5.00ms 5.00ms"
want_row "fairness \(Jain\)" "0.9608 0.9608"
want_row "migrations" "1 1"
want_row "decisions" "0 6"
want_row "hog wait p99" "5.00ms 5.00ms"
head -1 "$tmp/out" | grep -q "2 CPUs, 3 tasks (3 bursts), 15.00ms recorded" &&
	pass "header line" || { fail "header line"; head -1 "$tmp/out"; }
expect 0 "" -- "$tmp/three.dump" -p fifo --json
python3 - "$tmp/out" <<'PY' && pass "--json: the same figures" || fail "--json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r['cpus'] == 2 and r['tasks'] == 3, r
rec, fifo = r['columns']
assert rec['name'] == 'recording' and fifo['name'] == 'fifo' and fifo['status'] == 'ok'
for c in (rec, fifo):
    assert c['makespan_ns'] == 15000000, c
    assert c['wait_ns'] == {'n': 6, 'p50': 0, 'p99': 5000000, 'max': 5000000}, c['wait_ns']
    assert abs(c['jain'] - 49 / 51) < 1e-9, c['jain']
    assert c['migrations'] == 1 and c['comms']['hog']['n'] == 6
assert fifo['decisions'] == 6 and fifo['kernel_decisions'] == 0
PY
expect 0 "" -- "$tmp/three.dump" -p fifo --pid 3
grep -q '^task 3 (hog): weight 100, 1 bursts' "$tmp/out" &&
	[ "$(row '  ran while runnable')" = "66.7% 66.7%" ] &&
	[ "$(row '  last burst ended')" = "15.00ms 15.00ms" ] &&
	[ "$(row '  wait max')" = "5.00ms 5.00ms" ] &&
	pass "--pid 3: that task's figures" || { fail "--pid 3"; cat "$tmp/out"; }

# A FIFO-made recording (one any-CPU queue) replayed through fifo with
# one any-CPU queue too (the host's [bpf] local_queues = false; fifo asks
# for a queue per CPU; and direct_local = false: no task straight onto a
# busy CPU's own run queue), with the same slice and the recorded sleeps:
# the same waits (what the recording measured is what the replay measures).
expect 0 "" -- "$tmp/gen.dump" -p fifo@bpf.local_queues=false,bpf.direct_local=false --wakeups recorded
for r in "wait p50" "wait p99" "wait max"; do
	set -- $(row "$r")
	[ "$#" = 2 ] && [ "$1" = "$2" ] && pass "FIFO recording, fifo replay: $r $1" ||
		fail "FIFO recording, fifo replay: $r: $*"
done

# --- wake-ups: 1 CPU; the waker (pid 1) wakes the wakee (pid 2) 500 us
# into a burst that ends at 3 ms; in the recording the wakee waited 500 us
# for the CPU. Replayed by waker, it is runnable 500 us into the waker's
# burst again, and waits as long.
"$mkdump" -n 0 -C 1 -e "$events/wake-by-waker.txt" "$tmp/wake.dump"
expect 0 "" -- "$tmp/wake.dump" -p fifo --pid 2
grep -q "^  wake-ups following their waker's burst: 1$" "$tmp/out" &&
	[ "$(row '  wait p50')" = "507.9us 507.9us" ] && [ "$(row '  wait max')" = "1.00ms 1.00ms" ] &&
	[ "$(row makespan)" = "3.10ms 3.10ms" ] &&
	pass "a wake-up comes as far into its waker's burst as recorded" ||
	{ fail "wake-up by waker"; cat "$tmp/out"; }

# The waker ran late in the recording (woken at 2 ms, running at 3 ms);
# replayed it runs at 2 ms, and the wake-up 500 us into its burst comes
# with it: the wakee runs 2.5..3 ms earlier than recorded, its burst ends
# at 3.10 ms. Replayed as recorded, the wakee comes after its recorded
# sleep (at 3.5 ms) and ends at 3.60 ms.
"$mkdump" -n 0 -C 1 -e "$events/wake-late-waker.txt" "$tmp/late.dump"
expect 0 "" -- "$tmp/late.dump" -p fifo --pid 2
[ "$(row '  last burst ended')" = "4.10ms 3.10ms" ] && [ "$(row '  wait max')" = "1.00ms 1.00ms" ] &&
	pass "a wake-up follows its waker when the waker runs earlier than recorded" ||
	{ fail "wake-up follows a late waker"; cat "$tmp/out"; }
expect 0 "" -- "$tmp/late.dump" -p fifo --pid 2 --wakeups recorded
[ "$(row '  last burst ended')" = "4.10ms 3.60ms" ] &&
	pass "--wakeups recorded: the wakee comes after its recorded sleep" ||
	{ fail "--wakeups recorded, late waker"; cat "$tmp/out"; }
expect 0 "" -- "$tmp/wake.dump" -p fifo --pid 2 --wakeups recorded
! grep -q "wake-ups following" "$tmp/out" && [ "$(row '  wait p50')" = "507.9us 507.9us" ] &&
	pass "--wakeups recorded: the recorded sleep" || { fail "--wakeups recorded"; cat "$tmp/out"; }

# --- the host's own runs (host_run records): said in the header and the
# JSON, and never replayed as tasks: the two recorded tasks only.
"$mkdump" -n 0 -C 2 -e "$events/host-runs.txt" "$tmp/host.dump"
expect 0 "" -- "$tmp/host.dump" -p fifo
grep -q "^replay of .*: 2 CPUs, 2 tasks " "$tmp/out" &&
	grep -q "^  the host's scheduling thread: 2 runs recorded, 1 of them begun on an idle CPU$" "$tmp/out" &&
	pass "the host's runs: counted, not tasks" || { fail "the host's runs"; cat "$tmp/out"; }
expect 0 "" -- "$tmp/host.dump" -p fifo --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert (d["host_sched_runs"], d["host_idle_runs"], d["tasks"]) == (2, 1, 2), d' "$tmp/out" &&
	pass "--json: host_sched_runs, host_idle_runs" || { fail "--json host runs"; cat "$tmp/out"; }

# --- determinism: two replays, the same bytes ---
"$bin" "$tmp/gen.dump" -p fifo -p deadline -p deadline@slice_us=1000 -p deadline@preempt=true \
	--pid 1003 >"$tmp/a" 2>&1
"$bin" "$tmp/gen.dump" -p fifo -p deadline -p deadline@slice_us=1000 -p deadline@preempt=true \
	--pid 1003 >"$tmp/b" 2>&1
"$bin" "$tmp/gen.dump" -p fifo -p deadline --json >"$tmp/c" 2>&1
"$bin" "$tmp/gen.dump" -p fifo -p deadline --json >"$tmp/d" 2>&1
cmp -s "$tmp/a" "$tmp/b" && cmp -s "$tmp/c" "$tmp/d" && [ -s "$tmp/a" ] &&
	! grep -q 'CPU per decision' "$tmp/a" && pass "the same dump and candidates: the same bytes" ||
	{ fail "two replays differ"; diff "$tmp/a" "$tmp/b" | head; }
# The settings reach the policy: a shorter slice changes the figures.
[ "$(sed -n '/^makespan/p' "$tmp/a" | awk '{print $4}')" != \
  "$(sed -n '/^makespan/p' "$tmp/a" | awk '{print $5}')" ] &&
	pass "deadline@slice_us=1000 differs from deadline" || { fail "settings had no effect"; cat "$tmp/a"; }

# --- a candidate that crashes or hangs: its column says so, the rest finish ---
"$bin" "$tmp/three.dump" --plugin-dir "$faulty:$build/plugins" --timeout 3 -p fifo -p crash@after=2 \
	-p hang@after=2 -p deadline >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] && [ "$(row status)" = "recorded ok crashed (SIGSEGV) hung ok" ] &&
	[ "$(row makespan)" = "15.00ms 15.00ms - - 20.00ms" ] && # deadline: 20 ms slices, no interleaving
	grep -q "^plugland-replay: crash@after=2: .*policy 'crash' crashed in enqueue()" "$tmp/err" &&
	pass "crash and hang isolated, exit 1" ||
	{ fail "crash and hang: exit $rc"; cat "$tmp/out" "$tmp/err"; }

# --- the kernel's tick: the recording has none (mkdump writes no rate),
# so slices end exactly unless --tick sets one. At 125 Hz (8 ms ticks) the
# 5 ms slices end at 8 ms: the first two run [0, 8 ms), the third waits 8
# ms and runs [8, 16 ms) and [16, 18 ms); the first runs [8, 10 ms), the
# second waits 2 ms and runs [10, 12 ms). ---
expect 0 "" -- "$tmp/three.dump" -p fifo
grep -q "^  slices end exactly: the recording has no tick rate$" "$tmp/out" &&
	pass "no tick rate recorded: slices end exactly" || fail "no tick rate: $(sed -n 2p "$tmp/out")"
expect 0 "" -- "$tmp/three.dump" -p fifo --tick 125
grep -q "^  slices end on the kernel's tick: 125 Hz (--tick)$" "$tmp/out" &&
	pass "--tick 125: said so" || fail "--tick 125: $(sed -n 2p "$tmp/out")"
want_row "makespan" "15.00ms 18.00ms"
want_row "wait p99" "5.00ms 8.00ms"
"$bin" "$tmp/three.dump" -p fifo --tick 125 --json | grep -q '"tick_hz":125,' &&
	pass "--json: tick_hz" || fail "--json: no tick_hz 125"
expect 0 "" -- "$tmp/three.dump" -p fifo --tick none
want_row "makespan" "15.00ms 15.00ms"

# --- bad input: one line naming it, exit 2 ---
printf 'just some text\n' >"$tmp/text.txt"
"$mkdump" -n 50 "$tmp/decisions.dump"
expect 2 "^plugland-replay: $tmp/text.txt: not a plugland decision dump" -- "$tmp/text.txt" -p fifo
expect 2 "^plugland-replay: $tmp/decisions.dump: no task events to replay \(50 decisions\)" -- \
	"$tmp/decisions.dump" -p fifo
expect 2 "^plugland-replay: /nonexistent.dump: No such file or directory" -- /nonexistent.dump -p fifo
expect 2 "^plugland-replay: -p nosuch: no policy 'nosuch' in " -- "$tmp/three.dump" -p nosuch
expect 2 "^plugland-replay: -p 'fifo@': expected KEY=VALUE after '@'" -- "$tmp/three.dump" -p 'fifo@'
expect 2 "^plugland-replay: -p 'fifo@a=1,': expected KEY=VALUE after ','" -- "$tmp/three.dump" -p 'fifo@a=1,'
expect 2 "^plugland-replay: -p '../x': expected POLICY" -- "$tmp/three.dump" -p '../x'
expect 2 "^plugland-replay: -p deadline@bogus=1: .*'deadline' has no such setting" -- \
	"$tmp/three.dump" -p deadline@bogus=1
expect 2 "^plugland-replay: expected at least one -p POLICY" -- "$tmp/three.dump"
expect 2 "^plugland-replay: expected a dump FILE" -- -p fifo
expect 2 "^plugland-replay: --timeout: expected 1..86400 seconds, got '0'" -- "$tmp/three.dump" -p fifo --timeout 0
expect 2 "^plugland-replay: --pid: expected a pid, got 'x'" -- "$tmp/three.dump" -p fifo --pid x
expect 2 "^plugland-replay: --wakeups: expected waker or recorded, got 'soon'" -- \
	"$tmp/three.dump" -p fifo --wakeups soon
expect 2 "^plugland-replay: --latency: expected recorded or none, got 'low'" -- \
	"$tmp/three.dump" -p fifo --latency low
expect 2 "^plugland-replay: --tick: expected a rate in Hz \(10..10000\) or none, got '0'" -- \
	"$tmp/three.dump" -p fifo --tick 0

# --- --plot ---
if command -v gnuplot >/dev/null; then
	expect 0 "" -- "$tmp/three.dump" -p fifo -p deadline --plot "$tmp/w.png"
	head -c 8 "$tmp/w.png" | od -An -c | grep -q 'P   N   G' && pass "--plot: a PNG" || fail "--plot: no PNG"
else
	echo "SKIP plugland-replay --plot with gnuplot: gnuplot is not installed"
fi
mkdir -p "$tmp/nobin"
PATH="$tmp/nobin" "$bin" "$tmp/three.dump" -p fifo --plot "$tmp/none.png" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] && [ ! -e "$tmp/none.png" ] && grep -q "gnuplot is not installed: no plot written" "$tmp/err" &&
	grep -q '^makespan' "$tmp/out" && pass "--plot without gnuplot: a message, the table, exit 0" ||
	{ fail "--plot without gnuplot: exit $rc"; cat "$tmp/err"; }

# --- speed: a 60 s recording of a 2-CPU machine (16 tasks, bursts of 20 to
# 200 us: some 3.3 million events), through fifo, well under 60 s ---
"$mkdump" -n 0 -C 2 -c 4194304 -g 60,16,200 "$tmp/big.dump"
start=$(date +%s%N)
"$bin" "$tmp/big.dump" -p fifo >"$tmp/out" 2>"$tmp/err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" = 0 ] && [ "$ms" -lt 20000 ] && grep -q '60.000s recorded' "$tmp/out" &&
	pass "a 60 s recording of 2 CPUs replayed through fifo in $ms ms" ||
	{ fail "the 60 s recording: exit $rc in $ms ms"; cat "$tmp/err"; }

[ "$failed" = 0 ]

#!/usr/bin/env bash
# Shadow mode on the simulated machine (no sched_ext needed): a second
# policy fed the same tasks, compared, logged, never applied; what ctl and
# plugland-dump --shadow say of it; a shadow that names nothing refused.
#
#   tests/host/shadow.sh BUILD_DIR
set -uo pipefail
build=${1:-build}
bin=$build/scx_plugland
dump=$build/plugland-dump
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
plugins=(-P "$build/plugins")

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; [ $# -lt 2 ] || sed 's/^/    /' <<<"$2"; failed=$((failed + 1)); }

# refused [-p] WHAT PATTERN ARGS...: scx_plugland ARGS refuses at start:
# exit 2, one line on stderr matching PATTERN (-p: the policy's own line
# before it too), nothing simulated.
refused() {
	local lines=1 rc
	[ "$1" = -p ] && { lines=2; shift; }
	local what=$1 pattern=$2
	shift 2
	timeout 60 "$bin" "${plugins[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc = 2 ] && grep -q "$pattern" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = $lines ] &&
		! grep -q simulated "$tmp/out"; then
		pass "$what: exit 2, $lines line(s), nothing run"
	else
		fail "$what (exit $rc)" "$(cat "$tmp/err")"
	fi
}

# A name that names no plugin, or not a name: one line naming where.
refused "--shadow nosuch" "^scx_plugland: error: --shadow: no such policy 'nosuch' in .* (there: .*lottery" \
	-p fifo --shadow nosuch --simulate 100
printf '[scheduler]\npolicy = fifo\nshadow = nosuch\n' >"$tmp/bad.ini"
refused "shadow = nosuch in the ini" "^scx_plugland: error: $tmp/bad.ini:3: scheduler.shadow: no such policy 'nosuch'" \
	-c "$tmp/bad.ini" --simulate 100
refused "--shadow 'a b'" "scheduler.shadow: 'a b': expected POLICY.*a policy's name is letters" \
	--shadow 'a b' --simulate 100
refused "--shadow deadline@slice_us" "scheduler.shadow: 'deadline@slice_us': expected KEY=VALUE after '@'" \
	--shadow 'deadline@slice_us' --simulate 100

# pct LINE WHAT: the percentage of WHAT (agreed, cpu, slice, order) in the
# summary line a shadow's stop prints.
pct() { sed -nE "s/.* ([0-9.]+)% $2.*/\1/p; s/.* $2 ([0-9.]+)%.*/\1/p" <<<"$1" | head -1; }
# at_most VALUE LIMIT
at_most() { awk -v v="$1" -v l="$2" 'BEGIN { exit !(v != "" && v + 0 <= l + 0) }'; }

# The same policy as its own shadow sees the same tasks in the same order:
# on the default machine (CPU-bound tasks, no idle CPU) it agrees on
# everything. With idle CPUs (interactive) only the CPU differs: the
# shadow's pick_idle_cpu() finds none (shadow.h), so it sends to any CPU.
# A shadow that falls behind (this machine busy) loses rounds, which are
# not compared, and may then release a task the real one released long
# before (a different order): at most 1%.
timeout 120 "$bin" "${plugins[@]}" -p deadline --shadow deadline --simulate 200000 >"$tmp/out" 2>"$tmp/same"
rc=$?
line=$(grep "shadow 'deadline':" "$tmp/same")
if [ $rc = 0 ] && at_most "$(pct "$line" cpu)" 1 && at_most "$(pct "$line" slice)" 0 &&
	at_most "$(pct "$line" order)" 1 && grep -qE " (99\.[0-9]|100\.0)% agreed" <<<"$line"; then
	pass "deadline shadowing deadline: full agreement (${line#scx_plugland: })"
else
	fail "deadline shadowing deadline (exit $rc)" "$(cat "$tmp/same")"
fi
timeout 120 "$bin" "${plugins[@]}" -p deadline --shadow deadline --simulate 200000 \
	--workload "$(dirname "$0")/../../conf/workloads/interactive.ini" >"$tmp/out" 2>"$tmp/same"
rc=$?
line=$(grep "shadow 'deadline':" "$tmp/same")
if [ $rc = 0 ] && ! at_most "$(pct "$line" cpu)" 1 && at_most "$(pct "$line" slice)" 0 &&
	at_most "$(pct "$line" order)" 1; then
	pass "deadline shadowing deadline with idle CPUs: only CPUs differ (${line#scx_plugland: })"
else
	fail "deadline shadowing deadline with idle CPUs (exit $rc)" "$(cat "$tmp/same")"
fi

# The same policy with other settings (POLICY@KEY=VALUE, as plugland-replay
# names candidates): deadline with 1 ms slices beside deadline's 5 ms on
# CPU-bound tasks gives every task another slice, the same CPU and order.
# A setting the policy does not read, or a value it refuses: an error at
# start, before anything is attached (the shadow is tried first).
timeout 120 "$bin" "${plugins[@]}" -p deadline --shadow deadline@slice_us=1000,min_slice_us=500 \
	--simulate 100000 >"$tmp/out" 2>"$tmp/set"
rc=$?
line=$(grep "shadow 'deadline@slice_us=1000,min_slice_us=500':" "$tmp/set")
if [ $rc = 0 ] && at_most 99.9 "$(pct "$line" slice)" && at_most "$(pct "$line" cpu)" 1 &&
	at_most "$(pct "$line" order)" 1; then
	pass "deadline@slice_us=1000 shadowing deadline: every slice differs, nothing else (${line#scx_plugland: })"
else
	fail "deadline@slice_us=1000 shadowing deadline (exit $rc)" "$(cat "$tmp/set")"
fi
refused "--shadow deadline@bogus=1" "^scx_plugland: error: --shadow deadline@bogus=1: .*'deadline' has no such setting" \
	-p deadline --shadow deadline@bogus=1 --simulate 1000
printf '[scheduler]\npolicy = fifo\n\nshadow = deadline@slice_us=1\n' >"$tmp/badset.ini"
refused -p "shadow = deadline@slice_us=1 in the ini" \
	"^scx_plugland: error: $tmp/badset.ini:4: scheduler.shadow: 'deadline@slice_us=1': .*slice_us" \
	-c "$tmp/badset.ini" --simulate 1000

# fifo with lottery as its shadow, live: ctl reports the disagreement;
# off, the report is gone; another shadow starts; the dump reader says
# the same from the dump (the first 256 Ki records: the log stops when full), and plain plugland-dump shows the real
# decisions only.
"$bin" "${plugins[@]}" -p fifo --shadow lottery --simulate 4000000000 \
	--set control.socket="$tmp/sim.sock" --set debug.enabled=true --set debug.size_mb=16 \
	--set debug.on_full=stop --set debug.dump="$tmp/sim.dump" >"$tmp/out" 2>"$tmp/err" &
sim=$!
for _ in $(seq 50); do [ -S "$tmp/sim.sock" ] && break; sleep 0.1; done
sleep 0.5
rep=$("$bin" ctl -S "$tmp/sim.sock" shadow 2>&1)
json=$("$bin" ctl -S "$tmp/sim.sock" --json shadow 2>&1)
off=$("$bin" ctl -S "$tmp/sim.sock" shadow off 2>&1)
none=$("$bin" ctl -S "$tmp/sim.sock" shadow 2>&1)
none_rc=$?
bad=$("$bin" ctl -S "$tmp/sim.sock" shadow nosuch 2>&1)
bad_rc=$?
again=$("$bin" ctl -S "$tmp/sim.sock" shadow fifo 2>&1)
st=$("$bin" ctl -S "$tmp/sim.sock" --json stats 2>&1)
kill -INT $sim
wait $sim
rc=$?
if grep -qE '^  policy +lottery' <<<"$rep" && grep -qE '^  compared +[1-9]' <<<"$rep" &&
	grep -qE '^    order +[1-9]' <<<"$rep" && grep -qE '^  top_tasks' <<<"$rep" &&
	grep -qE '^    [0-9]+ synth-[0-9]+' <<<"$rep" && grep -qE '^      shadow_slice_us +[0-9]' <<<"$rep" &&
	grep -q '"real_policy":"fifo"' <<<"$json" && grep -q '"dropped":' <<<"$json"; then
	pass "ctl shadow: compared, differed by order, top tasks with what the shadow gives"
else
	fail "ctl shadow" "$rep"$'\n'"$json"
fi
if grep -qE '^  compared +[1-9]' <<<"$off" && [ $none_rc = 1 ] && grep -q "no shadow policy runs" <<<"$none" &&
	[ $bad_rc = 1 ] && grep -q "shadow 'nosuch': .*nosuch" <<<"$bad" &&
	grep -qE '^shadow +fifo' <<<"$again" && grep -q '"shadow_policy":"fifo"' <<<"$st"; then
	pass "ctl shadow off, then none; a bad name refused; another started"
else
	fail "ctl shadow off / nosuch / fifo" "$off"$'\n'"$none"$'\n'"$bad"$'\n'"$again"$'\n'"$st"
fi
if [ $rc = 0 ] && grep -q "shadow 'lottery': [0-9]* compared" "$tmp/err"; then
	pass "the run: exit 0, the shadow's summary at its stop"
else
	fail "the run (exit $rc)" "$(cat "$tmp/err")"
fi

"$dump" --shadow "$tmp/sim.dump" >"$tmp/dshadow" 2>&1
drc=$?
if [ $drc = 0 ] && grep -q '^shadow      lottery (id 1): [1-9][0-9]* decisions' "$tmp/dshadow" &&
	grep -qE '^differed    cpu [0-9]+ \(.*order [1-9][0-9]*' "$tmp/dshadow" &&
	grep -qE '^ +[0-9]+ synth-[0-9]+ ' "$tmp/dshadow"; then
	pass "plugland-dump --shadow: each shadow's report from the dump"
else
	fail "plugland-dump --shadow (exit $drc)" "$(cat "$tmp/dshadow")"
fi
"$dump" "$tmp/sim.dump" >"$tmp/sum" 2>&1
real=$(sed -nE 's/^policy +fifo \(id 0\): ([0-9]+) decisions$/\1/p' "$tmp/sum")
rows=$("$dump" --csv "$tmp/sim.dump" | tail -n +2 | wc -l)
shadowed=$("$dump" --csv "$tmp/sim.dump" | awk -F, 'NR > 1 && int($14 / 16384) % 2' | wc -l)
if [ -n "$real" ] && [ "$rows" = "$real" ] && [ "$shadowed" = 0 ] &&
	! grep -q '^policy .*lottery' "$tmp/sum" &&
	grep -qE '^shadow +[1-9][0-9]* decisions of a shadow policy, never applied' "$tmp/sum"; then
	pass "plain plugland-dump: the real decisions only ($rows), the shadow's counted apart"
else
	fail "plain plugland-dump (real '$real', CSV rows $rows, shadow rows $shadowed)" "$(cat "$tmp/sum")"
fi

echo "shadow: $failed failed"
exit $((failed > 0))

#!/usr/bin/env bash
# plugland-dump on this machine: bad files get one line naming the file and
# what is wrong, exit 2; the CSV, JSON lines and Perfetto outputs are valid
# and hold what the dump holds.
#
#   tests/host/dump.sh BUILD_DIR
set -uo pipefail
build=${1:-build}
bin=$build/plugland-dump
mkdump=$build/tests/host/mkdump
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

pass() { echo "PASS plugland-dump $*"; }
fail() { echo "FAIL plugland-dump $*"; failed=$((failed + 1)); }

# expect STATUS PATTERN -- ARGS...: exit status, and stderr is one line
# matching PATTERN (0 for STATUS 0: stderr empty).
expect() {
	local status=$1 pattern=$2 got n
	shift 3
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	n=$(wc -l <"$tmp/err")
	if [ "$got" != "$status" ] || { [ "$status" = 0 ] && [ "$n" != 0 ]; } ||
		{ [ "$status" != 0 ] && { [ "$n" != 1 ] || ! grep -qE -- "$pattern" "$tmp/err"; }; }; then
		fail "$*: exit $got (want $status), stderr:"
		sed 's/^/    /' "$tmp/err"
	else
		pass "$*"
	fi
}

# A python check on a file; $1 names it.
check_py() {
	local what=$1
	shift
	if python3 - "$@" >"$tmp/py" 2>&1; then
		pass "$what"
	else
		fail "$what"
		sed 's/^/    /' "$tmp/py"
	fi
}

"$mkdump" -n 3000 -c 4096 -C 2 "$tmp/good.dump" || { echo "FAIL mkdump"; exit 1; }
"$mkdump" -n 5000 -c 1024 -C 2 -u "$tmp/unclean.dump"
good_size=$(stat -c %s "$tmp/good.dump")

# --- bad files and usage ---
: >"$tmp/empty.dump"
expect 2 "^plugland-dump: $tmp/empty.dump: empty file$" -- "$tmp/empty.dump"
head -c 10000 "$tmp/good.dump" >"$tmp/trunc.dump"
expect 2 "^plugland-dump: $tmp/trunc.dump: truncated: 10000 bytes, $good_size expected" -- "$tmp/trunc.dump"
head -c 100 "$tmp/good.dump" >"$tmp/trunc-header.dump"
expect 2 "$tmp/trunc-header.dump: truncated: 100 bytes, shorter than the 4096-byte header" -- "$tmp/trunc-header.dump"
cp "$tmp/good.dump" "$tmp/version.dump"
printf '\x04' | dd of="$tmp/version.dump" bs=1 seek=8 conv=notrunc status=none
expect 2 "$tmp/version.dump: format version 4 is not supported \(this reader knows 1 to 3\)" -- "$tmp/version.dump"
printf '\x00' | dd of="$tmp/version.dump" bs=1 seek=8 conv=notrunc status=none
expect 2 "$tmp/version.dump: format version 0 is not supported" -- "$tmp/version.dump"
cp "$tmp/good.dump" "$tmp/corrupt.dump"
printf 'X' | dd of="$tmp/corrupt.dump" bs=1 seek=130 conv=notrunc status=none
expect 2 "$tmp/corrupt.dump: corrupted: header checksum mismatch" -- "$tmp/corrupt.dump"
cp "$tmp/good.dump" "$tmp/state.dump"
printf '\x07' | dd of="$tmp/state.dump" bs=1 seek=288 conv=notrunc status=none
expect 2 "$tmp/state.dump: corrupted: unknown state 7" -- "$tmp/state.dump"
printf 'just some text\n' >"$tmp/text.txt"
expect 2 "$tmp/text.txt: not a plugland decision dump" -- "$tmp/text.txt"
expect 2 "$tmp: is a directory" -- "$tmp"
expect 2 "/nonexistent.dump: No such file or directory" -- /nonexistent.dump
expect 2 "expected a dump FILE" --
expect 2 "--cpu: expected -1..32767, got 'x'" -- --cpu x "$tmp/good.dump"
expect 2 "--from: expected seconds, got 'soon'" -- --from soon "$tmp/good.dump"
expect 2 "pick one" -- --csv --jsonl "$tmp/good.dump"
expect 1 "/nonexistent/dir/trace.json: No such file or directory" -- \
	--perfetto /nonexistent/dir/trace.json "$tmp/good.dump"
"$bin" --help | grep -q -- '--perfetto FILE' && pass "--help" || fail "--help"

# --- summary ---
expect 0 "" -- "$tmp/good.dump"
if grep -q '^format      version 3, clean' "$tmp/out" &&
	grep -q '^records     3000 present (seq 0..2999), 3000 appended, 0 lost' "$tmp/out" &&
	grep -q '^cpus        2$' "$tmp/out" && grep -q '^policy      fifo (id 0)' "$tmp/out" &&
	grep -q '^time span   0.000010000 s .. 0.030000000 s after the start (0.029990000 s)' "$tmp/out" &&
	grep -qE '^ +102 +100 stress-ng +600 +20.0%' "$tmp/out"; then
	pass "summary of a clean dump"
else
	fail "summary of a clean dump:"; sed 's/^/    /' "$tmp/out"
fi
# The tick rate and who the scheduling thread preempted: pid 102 is
# resumed by BPF at 150 of its 600 decisions (mkdump -r), the others never.
"$mkdump" -n 3000 -c 4096 -C 2 -r -z 250 "$tmp/resumed.dump"
expect 0 "" -- "$tmp/resumed.dump"
if grep -q '^kernel      .*, ticking at 250 Hz$' "$tmp/out" &&
	grep -q '^top tasks, by decisions (RESUMED: of them, after the scheduling thread preempted it):' "$tmp/out" &&
	grep -qE '^ +102 +100 stress-ng +600 +20.0% +[0-9.]+ +150$' "$tmp/out" &&
	grep -qE '^ +100 +100 worker +600 +20.0% +[0-9.]+ +0$' "$tmp/out" &&
	grep -q 'resumed 150)' "$tmp/out"; then
	pass "summary: the tick rate, and the tasks the scheduling thread preempted"
else
	fail "summary: the tick rate and RESUMED:"; sed 's/^/    /' "$tmp/out"
fi
grep -q '^kernel .*ticking' <("$bin" "$tmp/good.dump") &&
	fail "summary: a tick rate shown for a dump without one" ||
	pass "summary: no tick rate for a dump without one"
expect 0 "" -- "$tmp/unclean.dump"
if grep -q 'UNCLEAN: not closed by its writer' "$tmp/out" &&
	grep -q '^records     1023 present (seq 3977..4999), 5000 appended, 3977 lost' "$tmp/out"; then
	pass "summary of an unclean dump"
else
	fail "summary of an unclean dump:"; sed 's/^/    /' "$tmp/out"
fi
expect 0 "" -- --pid 103 --top 1 "$tmp/good.dump"
grep -q '^matching    600 records match the filters' "$tmp/out" &&
	grep -qE '^ +103 .*kworker/0:1 +600 +100.0%' "$tmp/out" &&
	pass "summary with --pid" || { fail "summary with --pid"; cat "$tmp/out"; }

# --- CSV ---
"$bin" --csv "$tmp/good.dump" >"$tmp/all.csv"
check_py "--csv: a header and 3000 rows of 16 fields, comm unescaped" "$tmp/all.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
assert rows[0][:3] == ['seq', 'time_s', 'dispatch_ns'], rows[0]
assert len(rows) == 3001, len(rows)
assert all(len(r) == 16 for r in rows), 'ragged'
assert [int(r[0]) for r in rows[1:]] == list(range(3000))
weird = [r for r in rows[1:] if r[5] == '104']
assert weird[0][7] == 'we"ird,\\\\\\x01\\xe9', repr(weird[0][7])
assert {r[15] for r in rows[1:]} == {'fifo', 'deadline'}
EOF
"$bin" --csv --comm 'kworker*' --cpu 1 "$tmp/good.dump" >"$tmp/some.csv"
check_py "--csv --comm 'kworker*' --cpu 1: only those" "$tmp/some.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))[1:]
assert rows and all(r[7] == 'kworker/0:1' and r[8] == '1' for r in rows), rows[:3]
assert len(rows) == 200, len(rows)
EOF

# --- JSON lines ---
"$bin" --jsonl --from 0.01 --to 0.02 "$tmp/good.dump" >"$tmp/some.jsonl"
check_py "--jsonl --from 0.01 --to 0.02: valid, in range, comm round trip" "$tmp/some.jsonl" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
# record i is dispatched (i + 1) * 10 us after the start: seq 999..1998
assert [r['seq'] for r in recs] == list(range(999, 1999)), (recs[0]['seq'], recs[-1]['seq'])
assert all(0.01 <= r['time_s'] < 0.02 for r in recs)
weird = [r for r in recs if r['pid'] == 104][0]
assert weird['comm'] == 'we"ird,\\\x01\xe9', repr(weird['comm'])
assert {r['policy'] for r in recs} == {'fifo', 'deadline'}
EOF

# --- Perfetto ---
expect 0 "" -- --perfetto "$tmp/trace.json" "$tmp/good.dump"
check_py "--perfetto: valid JSON, a named track per CPU, slices that do not overlap" "$tmp/trace.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
ev = t['traceEvents']
names = {e['tid']: e['args']['name'] for e in ev if e['ph'] == 'M' and e['name'] == 'thread_name'}
assert names == {1: 'CPU 0', 2: 'CPU 1', 3: 'any CPU (shared queue)'}, names
assert any(e['ph'] == 'M' and e['name'] == 'process_name' for e in ev)
x = [e for e in ev if e['ph'] == 'X']
inst = [e for e in ev if e['ph'] == 'i']
assert len(x) + len(inst) == 3000, (len(x), len(inst))
assert all(e['tid'] in (1, 2) and e['dur'] >= 0 for e in x)
assert all(e['tid'] == 3 for e in inst)
for tid in (1, 2):
    s = sorted((e['ts'], e['dur']) for e in x if e['tid'] == tid)
    assert all(a[0] + a[1] <= b[0] + 1e-9 for a, b in zip(s, s[1:])), 'overlap on %d' % tid
# CPU 0 gets every third record, 30 us apart, slices of 2 ms or the
# default 5 ms: each ends at the next decision on the CPU
assert all(abs(e['dur'] - 30.0) < 1e-6 for e in sorted(x, key=lambda e: e['ts'])[:-2])
EOF
"$bin" --perfetto - --pid 101 "$tmp/good.dump" | python3 -m json.tool >/dev/null &&
	pass "--perfetto - --pid 101: valid JSON on stdout" || fail "--perfetto - --pid 101"

# --- task events (format 2) and dumps of format 1 ---
events=$(dirname "$0")/events/basic.txt
"$mkdump" -n 3000 -c 4096 -C 2 -V 1 "$tmp/v1.dump"
expect 0 "" -- "$tmp/v1.dump"
sed 's/^file .*//; s/^format .*//; s/^started .*//' "$tmp/out" >"$tmp/v1.sum"
"$bin" "$tmp/good.dump" | sed 's/^file .*//; s/^format .*//; s/^started .*//' >"$tmp/v2.sum"
grep -q '^format      version 1, clean' "$tmp/out" && cmp -s "$tmp/v1.sum" "$tmp/v2.sum" &&
	"$bin" --csv "$tmp/v1.dump" | cut -d, -f1,2,5- | cmp -s - <("$bin" --csv "$tmp/good.dump" | cut -d, -f1,2,5-) &&
	pass "a version 1 dump reads as before" || { fail "a version 1 dump"; diff "$tmp/v1.sum" "$tmp/v2.sum"; }
"$mkdump" -n 3000 -c 8192 -C 2 -e "$events" "$tmp/events.dump" || fail "mkdump -e"
# Without --events, the decisions exactly as in a dump without events
# (but for their sequence numbers: events take some).
"$bin" --csv "$tmp/events.dump" | cut -d, -f2,5- >"$tmp/ev-dec.csv"
"$bin" --csv "$tmp/good.dump" | cut -d, -f2,5- >"$tmp/good-dec.csv"
cmp -s "$tmp/ev-dec.csv" "$tmp/good-dec.csv" && pass "--csv of a dump with events: its decisions alone" ||
	{ fail "--csv of a dump with events"; diff "$tmp/ev-dec.csv" "$tmp/good-dec.csv" | head; }
"$bin" --jsonl "$tmp/events.dump" | grep -c '"seq"' | grep -qx 3000 &&
	! "$bin" --jsonl "$tmp/events.dump" | grep -q '"kind"' &&
	pass "--jsonl without --events: decisions only, no kind" || fail "--jsonl without --events"
expect 0 "" -- "$tmp/events.dump"
grep -q '^records     3021 present' "$tmp/out" && ! grep -q '^events' "$tmp/out" &&
	grep -qE '^ +102 +100 stress-ng +600 +20.0%' "$tmp/out" &&
	pass "summary without --events: decisions only" || { fail "summary without --events"; cat "$tmp/out"; }
expect 0 "" -- --events "$tmp/events.dump"
grep -q '^events      21 (runnable 5, running 4, stopping 4, quiescent 3, weight 1, cpumask 2, fork 1, exit 1, host_run 0)$' "$tmp/out" &&
	pass "summary --events: counts per kind" || { fail "summary --events"; cat "$tmp/out"; }
expect 0 "" -- --events --pid 201 "$tmp/events.dump"
grep -q '^events      9 (runnable 3, running 2, stopping 2, quiescent 1, weight 0, cpumask 1, fork 0, exit 0, host_run 0)$' "$tmp/out" &&
	pass "summary --events --pid 201" || { fail "summary --events --pid 201"; cat "$tmp/out"; }
"$bin" --events --csv "$tmp/events.dump" >"$tmp/ev.csv"
check_py "--events --csv: a kind column, every event and decision, fields by kind" "$tmp/ev.csv" <<'EOF2'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert len(rows) == 3021, len(rows)
kinds = [r['kind'] for r in rows]
assert kinds.count('decision') == 3000
ev = [r for r in rows if r['kind'] != 'decision']
assert [r['kind'] for r in ev][:4] == ['fork', 'runnable', 'running', 'runnable'], [r['kind'] for r in ev][:4]
assert ev[0]['other_pid'] == '1' and ev[0]['comm'] == 'alpha'
assert ev[1]['detail'] == 'new' and ev[1]['time_s'] == '0.000005000'
assert ev[2]['cpu'] == '0' and ev[2]['dispatch_ns'] == ''
st = [r for r in ev if r['kind'] == 'stopping']
assert [(r['pid'], r['detail'], r['runtime_ns']) for r in st] == [
    ('201', 'runnable', '6000'), ('200', 'sleeps', '14000'), ('201', 'sleeps', '19000'),
    ('200', 'sleeps', '15000')], st
assert [r['weight'] for r in ev if r['kind'] == 'weight'] == ['500']
masks = [(r['nr_cpus'], r['cpus'], r['detail']) for r in ev if r['kind'] == 'cpumask']
assert masks == [('2', '0x3', ''), ('200', '0x20000000000000001', 'partial')], masks
wk = [r for r in ev if r['kind'] == 'runnable' and r['detail'] == 'wakeup']
assert [r['other_pid'] for r in wk] == ['', '201'], wk
assert {r['detail'] for r in ev if r['kind'] == 'runnable'} == {'new', 'wakeup', 'preempted', 'yield'}
seqs = [int(r['seq']) for r in rows]
assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
EOF2
"$bin" --events --jsonl --pid 200 "$tmp/events.dump" >"$tmp/ev.jsonl"
check_py "--events --jsonl --pid 200: valid, a kind on every line" "$tmp/ev.jsonl" <<'EOF2'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r['kind'] for r in recs] == ['fork', 'runnable', 'running', 'stopping', 'quiescent',
    'weight', 'cpumask', 'runnable', 'running', 'stopping', 'quiescent', 'exit'], [r['kind'] for r in recs]
assert recs[0]['parent_pid'] == 1 and recs[7]['waker_pid'] == 201 and recs[5]['weight'] == 500
assert recs[6]['cpus'] == '0x3' and recs[6]['nr_cpus'] == 2 and recs[3]['runtime_ns'] == 14000
EOF2
# The host's own runs (host_run): counted, and in CSV and JSON lines with
# their CPU, which thread, and their length.
"$mkdump" -n 0 -C 2 -e "$(dirname "$0")/events/host-runs.txt" "$tmp/host.dump" || fail "mkdump -e host-runs"
expect 0 "" -- --events "$tmp/host.dump"
grep -q '^events      13 (runnable 2, running 3, stopping 3, quiescent 2, weight 0, cpumask 0, fork 0, exit 0, host_run 3)$' "$tmp/out" &&
	pass "summary --events: the host's runs counted" || { fail "summary --events (host_run)"; cat "$tmp/out"; }
"$bin" --events --csv "$tmp/host.dump" >"$tmp/host.csv"
"$bin" --events --jsonl "$tmp/host.dump" >"$tmp/host.jsonl"
check_py "--events: host_run rows and lines" "$tmp/host.csv" "$tmp/host.jsonl" <<'EOF2'
import csv, json, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline='')) if r['kind'] == 'host_run']
got = [(r['pid'], r['cpu'], r['detail'], r['runtime_ns'], r['time_s']) for r in rows]
assert got == [('900', '0', 'sched', '200000', '0.001400000'), ('900', '1', 'sched', '50000', '0.002050000'),
               ('901', '0', 'other', '30000', '0.002500000')], got
recs = [json.loads(l) for l in open(sys.argv[2])]
h = [r for r in recs if r['kind'] == 'host_run']
assert [(r['cpu'], r['detail'], r['runtime_ns']) for r in h] == [(0, 'sched', 200000), (1, 'sched', 50000), (0, 'other', 30000)], h
EOF2
"$bin" --perfetto - --events "$tmp/events.dump" | python3 -c '
import json, sys
ev = json.load(sys.stdin)["traceEvents"]
assert len([e for e in ev if e["ph"] in "Xi"]) == 3000' && pass "--perfetto: decisions only, --events or not" ||
	fail "--perfetto of a dump with events"

[ "$failed" = 0 ]

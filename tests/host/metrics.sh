#!/usr/bin/env bash
# The openmetrics async plugin against the real consumers: promtool's
# linter and a Prometheus server scraping it, then clients that misbehave.
# Needs prometheus and promtool (scripts/setup-deps.sh installs them);
# ports are free loopback ones, never 9090 (Debian's prometheus service).
#
#   tests/host/metrics.sh BUILD_DIR
set -uo pipefail
build=${1:-build}
bin=$build/scx_plugland
here=$(cd "$(dirname "$0")" && pwd)
client="python3 $here/om_client.py"
tmp=$(mktemp -d)
failed=0
sim_pid= prom_pid=

cleanup() {
	[ -z "$prom_pid" ] || { kill "$prom_pid" 2>/dev/null; wait "$prom_pid" 2>/dev/null; }
	[ -z "$sim_pid" ] || { kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT

pass() { echo "PASS metrics: $1"; }
fail() {
	echo "FAIL metrics: $1"
	shift
	[ $# = 0 ] || sed 's/^/    /' "$@" | head -40 | cat -v
	failed=$((failed + 1))
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for FILE PATTERN SECONDS: FILE has a line matching PATTERN in time
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# promq QUERY: the value of the query's first sample at Prometheus, or nothing
promq() {
	python3 - "http://127.0.0.1:$web_port/api/v1/query" "$1" <<'EOF'
import json, sys, urllib.parse, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    with opener.open(sys.argv[1] + "?" + urllib.parse.urlencode({"query": sys.argv[2]}), timeout=5) as r:
        res = json.load(r)["data"]["result"]
    if res:
        print(res[0]["value"][1])
except Exception:
    pass
EOF
}

for tool in prometheus promtool python3; do
	if ! command -v $tool >/dev/null; then
		echo "SKIP metrics: no $tool (scripts/setup-deps.sh installs it)"
		exit 0
	fi
done

# --- Off by default: no [async] plugins, no server.
if timeout 60 "$bin" -p fifo --simulate 200000 >"$tmp/off.out" 2>"$tmp/off.err" &&
	! grep -q openmetrics "$tmp/off.err"; then
	pass "off unless listed in [async] plugins"
else
	fail "a run without async plugins mentions openmetrics, or failed" "$tmp/off.err"
fi

# --- The default address is loopback: served there, or refused there when
# something else has the port.
timeout 60 "$bin" -p fifo --simulate 200000 --set async.plugins=openmetrics \
	>"$tmp/dflt.out" 2>"$tmp/dflt.err"
if grep -qE 'openmetrics: (serving http://127\.0\.0\.1:9464/metrics|error: listen 127\.0\.0\.1:9464: )' \
	"$tmp/dflt.err"; then
	pass "the default listen address is 127.0.0.1:9464"
else
	fail "the default listen address" "$tmp/dflt.err"
fi

# --- A long simulation serving on a port of its own choosing (port 0).
timeout -k 5 300 "$bin" -p deadline --simulate 4000000000 --set async.plugins=openmetrics \
	--set async.interval_ms=100 --set openmetrics.listen=127.0.0.1:0 \
	--set openmetrics.timeout_ms=3000 --set openmetrics.socket="$tmp/om.sock" \
	>"$tmp/sim.out" 2>"$tmp/sim.err" &
sim_pid=$!
if ! wait_for "$tmp/sim.err" 'openmetrics: serving http://127\.0\.0\.1:[0-9]+/metrics' 20; then
	fail "no 'serving http://127.0.0.1:PORT/metrics' line" "$tmp/sim.err"
	exit 1
fi
port=$(grep -oE 'serving http://127\.0\.0\.1:[0-9]+' "$tmp/sim.err" | grep -oE '[0-9]+$')
addr=127.0.0.1:$port
pass "listening on $addr (port 0: the kernel's choice, logged)"
sleep 0.5 # a snapshot with decisions

# --- What a scrape gets: OpenMetrics by default, 0.0.4 for text/plain.
$client get "$addr" /metrics >"$tmp/om.txt"
if [ "$(sed -n 1p "$tmp/om.txt")" = "HTTP/1.1 200 OK" ] &&
	[ "$(sed -n 2p "$tmp/om.txt")" = "application/openmetrics-text; version=1.0.0; charset=utf-8" ] &&
	[ "$(tail -n 1 "$tmp/om.txt")" = "# EOF" ] &&
	grep -qx '# TYPE plugland_decisions counter' "$tmp/om.txt" &&
	grep -qx '# UNIT plugland_wait_seconds seconds' "$tmp/om.txt" &&
	grep -qE '^plugland_decisions_total\{policy_id="0",by="policy"\} [1-9][0-9]*$' "$tmp/om.txt" &&
	grep -qE '^plugland_wait_seconds_bucket\{policy_id="0",le="\+Inf"\} [1-9]' "$tmp/om.txt" &&
	grep -qE '^plugland_comm_wait_seconds_count\{comm="[^"]+"\} [1-9]' "$tmp/om.txt"; then
	pass "GET /metrics: OpenMetrics 1.0.0, # TYPE/# UNIT/# EOF, decisions and histograms counted"
else
	fail "GET /metrics (OpenMetrics)" "$tmp/om.txt"
fi
$client get "$addr" /metrics 'text/plain;version=0.0.4;q=0.5,*/*;q=0.1' >"$tmp/text.txt"
if [ "$(sed -n 2p "$tmp/text.txt")" = "text/plain; version=0.0.4; charset=utf-8" ] &&
	! grep -q '^# EOF' "$tmp/text.txt" && grep -qx '# TYPE plugland_decisions_total counter' "$tmp/text.txt"; then
	pass "Accept: text/plain gets the text format 0.0.4"
else
	fail "Accept: text/plain" "$tmp/text.txt"
fi
if sed 1,2d "$tmp/text.txt" | promtool check metrics >"$tmp/lint" 2>&1 && [ ! -s "$tmp/lint" ]; then
	pass "promtool check metrics: no problem"
else
	fail "promtool check metrics" "$tmp/lint"
fi
$client get "$tmp/om.sock" /metrics >"$tmp/unix.txt"
if [ "$(sed -n 1p "$tmp/unix.txt")" = "HTTP/1.1 200 OK" ] && [ "$(tail -n 1 "$tmp/unix.txt")" = "# EOF" ]; then
	pass "the same on the Unix socket"
else
	fail "GET /metrics on the Unix socket" "$tmp/unix.txt"
fi
$client get "$addr" /nothing >"$tmp/404.txt"
status=$(head -1 "$tmp/404.txt")
[ "$status" = "HTTP/1.1 404 Not Found" ] && pass "GET /nothing: 404" || { echo "$status" >"$tmp/s"; fail "GET /nothing: want 404" "$tmp/s"; }
status=$($client raw "$addr" "$(printf 'hello there\r\n\r\n' | od -An -tx1 | tr -d ' \n')")
[ "$status" = "HTTP/1.1 400 Bad Request" ] && pass "a garbage request: 400" || { echo "$status" >"$tmp/s"; fail "garbage: want 400" "$tmp/s"; }
status=$($client raw "$addr" "$(printf 'POST /metrics HTTP/1.1\r\n\r\n' | od -An -tx1 | tr -d ' \n')")
[ "$status" = "HTTP/1.1 405 Method Not Allowed" ] && pass "POST: 405" || { echo "$status" >"$tmp/s"; fail "POST: want 405" "$tmp/s"; }

# --- A real Prometheus scraping it every second.
web_port=$(free_port)
mkdir -p "$tmp/tsdb"
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: plugland
    static_configs:
      - targets: ['$addr']
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$web_port" --log.level=warn >"$tmp/prom.log" 2>&1 &
prom_pid=$!
up= first=
for ((i = 0; i < 60; i++)); do
	sleep 0.5
	up=$(promq 'up{job="plugland"}')
	first=$(promq 'sum(plugland_decisions_total)')
	[ "$up" = 1 ] && [ -n "$first" ] && break
done
if [ "$up" = 1 ] && [ -n "$first" ]; then
	pass "Prometheus scrapes it: up == 1, sum(plugland_decisions_total) = $first"
	sleep 3
	second=$(promq 'sum(plugland_decisions_total)')
	if [ -n "$second" ] && python3 -c "import sys; sys.exit(not float('$second') > float('$first'))"; then
		pass "the counter grew between two queries ($first -> $second)"
	else
		echo "first $first, second '$second'" >"$tmp/s"
		fail "plugland_decisions_total did not grow at Prometheus" "$tmp/s"
	fi
	om=$(promq 'max(plugland_openmetrics_scrapes_total{format="openmetrics"})')
	hist=$(promq 'histogram_quantile(0.99, sum by (le) (plugland_wait_seconds_bucket))')
	if [ -n "$om" ] && [ "${om%%.*}" -gt 0 ] && [ -n "$hist" ]; then
		pass "Prometheus negotiated OpenMetrics ($om scrapes so far) and reads the histogram (p99 $hist s)"
	else
		echo "openmetrics scrapes '$om', p99 '$hist'" >"$tmp/s"
		fail "Prometheus's scrapes were not OpenMetrics, or no histogram" "$tmp/s"
	fi
else
	{ echo "up '$up', decisions '$first'"; cat "$tmp/prom.log"; promq 'up'; } >"$tmp/s" 2>&1
	fail "Prometheus never scraped it" "$tmp/s"
fi
kill "$prom_pid" 2>/dev/null
wait "$prom_pid" 2>/dev/null
prom_pid=

# --- Misbehaving clients do not block the others (timeout_ms = 3000).
for mode in garbage silent partial; do
	if $client hold "$addr" $mode 3 >"$tmp/hold" 2>&1; then
		pass "$(cat "$tmp/hold")"
	else
		fail "a $mode connection" "$tmp/hold"
	fi
done

# --- The port is taken now: one clear line, and the simulation runs to its end.
timeout 120 "$bin" -p fifo --simulate 300000 --set async.plugins=openmetrics \
	--set openmetrics.listen="$addr" >"$tmp/busy.out" 2>"$tmp/busy.err"
rc=$?
n=$(grep -c "listen $addr: Address already in use" "$tmp/busy.err")
# ... and that is the only line of the failure until the exit report
# (its "async openmetrics: init failed ..., never ran" line)
others=$(grep -v "listen $addr: Address already in use" "$tmp/busy.err" | grep -v "never ran" |
	grep -ci "in use\|init failed")
if [ $rc = 0 ] && [ "$n" = 1 ] && [ "$others" = 0 ] && grep -q 'simulated time' "$tmp/busy.out"; then
	pass "port in use: one line ($(grep "listen $addr" "$tmp/busy.err")), the simulation completes"
else
	{ echo "exit $rc, $n lines"; cat "$tmp/busy.err"; } >"$tmp/s"
	fail "port already in use" "$tmp/s"
fi

# --- A clean stop: the server thread is joined, the socket removed.
kill -INT "$sim_pid"
wait "$sim_pid"
rc=$?
sim_pid=
if [ $rc = 0 ] && [ ! -e "$tmp/om.sock" ] && grep -q 'async openmetrics: .*records consumed' "$tmp/sim.err" &&
	! grep -qiE 'error|still runs|stuck' "$tmp/sim.err"; then
	pass "SIGINT: exit 0, server thread joined, Unix socket removed"
else
	{ echo "exit $rc"; ls -l "$tmp"; cat "$tmp/sim.err"; } >"$tmp/s"
	fail "clean stop" "$tmp/s"
fi

# --- The node_exporter textfile, written by rename.
timeout 120 "$bin" -p fifo --simulate 300000 --set async.plugins=openmetrics \
	--set openmetrics.listen= --set openmetrics.textfile="$tmp/plugland.prom" \
	>"$tmp/tf.out" 2>"$tmp/tf.err"
if [ -s "$tmp/plugland.prom" ] && [ ! -e "$tmp/plugland.prom.tmp" ] &&
	grep -qE '^plugland_decisions_total\{policy_id="0",by="policy"\} [1-9]' "$tmp/plugland.prom" &&
	promtool check metrics <"$tmp/plugland.prom" >"$tmp/lint" 2>&1 && [ ! -s "$tmp/lint" ]; then
	pass "textfile: text format 0.0.4 with the final counts, promtool-clean, no .tmp left"
else
	{ cat "$tmp/tf.err" "$tmp/lint"; head "$tmp/plugland.prom"; } >"$tmp/s" 2>&1
	fail "textfile" "$tmp/s"
fi

# --- A shadow policy's counters, while it runs (read mid-run: at the end
# the shadow has stopped before the last write).
"$bin" -p fifo --shadow lottery --simulate 4000000000 --set async.plugins=openmetrics \
	--set async.interval_ms=50 --set openmetrics.listen= \
	--set openmetrics.textfile="$tmp/shadow.prom" >"$tmp/sh.out" 2>"$tmp/sh.err" &
sim=$!
for _ in $(seq 60); do
	grep -qE '^plugland_shadow_compared_total [1-9]' "$tmp/shadow.prom" 2>/dev/null && break
	sleep 0.1
done
cp "$tmp/shadow.prom" "$tmp/shadow-mid.prom" 2>/dev/null
kill -INT $sim
wait $sim
if grep -qE '^plugland_shadow_compared_total [1-9]' "$tmp/shadow-mid.prom" &&
	grep -qE '^plugland_shadow_differed_order_total [1-9]' "$tmp/shadow-mid.prom" &&
	grep -qE '^plugland_shadow_dropped_total [0-9]' "$tmp/shadow-mid.prom" &&
	promtool check metrics <"$tmp/shadow-mid.prom" >"$tmp/lint" 2>&1 && [ ! -s "$tmp/lint" ]; then
	pass "a shadow's counters (plugland_shadow_*), promtool-clean"
else
	{ cat "$tmp/sh.err" "$tmp/lint"; grep -E 'shadow|policy_info' "$tmp/shadow-mid.prom"; } >"$tmp/s" 2>&1
	fail "a shadow's counters" "$tmp/s"
fi

# --- The host's own counters and the policies' names (ABI 2.1 services),
# read while the loop runs: what ctl stats shows, beside the records'.
timeout 120 "$bin" -p deadline --simulate 3000000 --set async.plugins=openmetrics \
	--set async.interval_ms=50 --set openmetrics.listen= \
	--set openmetrics.textfile="$tmp/host.prom" >"$tmp/hc.out" 2>"$tmp/hc.err"
if grep -qE '^plugland_loop_enqueued_total [1-9]' "$tmp/host.prom" &&
	grep -qE '^plugland_loop_in_flight [0-9]' "$tmp/host.prom" &&
	grep -q '^# TYPE plugland_loop_in_flight gauge' "$tmp/host.prom" &&
	grep -q '^plugland_policy_info{policy_id="0",policy="deadline"} 1$' "$tmp/host.prom" &&
	promtool check metrics <"$tmp/host.prom" >"$tmp/lint" 2>&1 && [ ! -s "$tmp/lint" ]; then
	pass "the host's counters (plugland_loop_*) and plugland_policy_info, promtool-clean"
else
	{ cat "$tmp/hc.err" "$tmp/lint"; grep -E 'loop_|policy_info' "$tmp/host.prom"; } >"$tmp/s" 2>&1
	fail "the host's counters and policy names" "$tmp/s"
fi

[ $failed = 0 ]

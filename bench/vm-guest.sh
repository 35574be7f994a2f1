#!/bin/sh
# Benchmarks run inside the VM (busybox sh), in one boot, in rounds: each
# round runs the kernel's own scheduler, then scx_plugland with each
# policy (odd rounds in the order given, even ones reversed), one run of
# each workload under each; the kernel's runs once more at the end. The
# figures drift within a boot (and between boots), so every scheduler's
# runs are spread over the whole boot; the kernel's are pooled under
# "kernel", the ratios are against them all; "BENCH-INFO phase SCHED TIME
# round R" says when each ran. (Boots before the rounds ran each
# scheduler's runs in one block, the kernel first and last: "BENCH-INFO
# phase kernel TIME first|last".) bench/run.sh boots it;
# bench/summarize.py reads what it prints:
#
#   BENCH <scheduler> <metric> <value>       one figure (one run)
#   BENCH-HIST <scheduler> <lo_us> <count>   cyclictest wake-up latencies of
#                                            all runs, 20 log buckets a decade
#                                            (lo_us "over": past the histogram)
#   BENCH-INFO <key> <value...>              the machine, the tools
#   BENCH-LOG <scheduler> <line>             the end of scx_plugland's output
#
# Kernel arguments: plugland.policies=fifo,deadline,fifo+idle  plugland.runs=5
# (rounds: each scheduler's runs of each workload)
# (the schedulers "floor", "floor-vtime", "floor-local",
# "floor-local-vtime" and "floor-direct" are not policies: bench/floor.bpf.c, the least a
# sched_ext scheduler does, one queue or a queue per CPU, FIFO or by
# vtime, for what sched_ext
# itself costs here; nor is "bpf:NAME", the
# sched_ext object NAME.bpf.o that bench/run.sh -x put in the image)
# plugland.workloads=hackbench,cyclictest,stressng,reqserve (the default:
# all; a subset runs only those, in this order)
# plugland.bpf_stats=1: the kernel times every BPF program (a diagnostic:
# it adds two clock reads to each callback), and scx_plugland prints calls
# and ns per call of each at exit (BENCH-BPF <scheduler> <program> <calls>
# <ns/call> <total ms>, over all its workloads)
# ("POLICY+idle": POLICY with --set bpf.idle_direct=true; for experiments,
# "POLICY@SECTION.KEY=VALUE[@...]" adds --set SECTION.KEY=VALUE).
#
# Workloads, for each scheduler:
#   idle        10 s of nothing, in the first round: scx_plugland's CPU time (it must sleep) and
#               how often its threads ran (context switches per second)
#   hackbench   hackbench -g 4 -l 200: seconds (lower is better)
#   cyclictest  SCHED_OTHER wake-up latency, 1 ms period, for CT_SECS s (a
#               time, not a number of loops: a scheduler with long latencies
#               must not make the run last minutes), with stress-ng --cpu
#               <nr CPUs> running: p50, p99, max in us, and the wake-ups.
#               SCHED_OTHER on purpose: SCHED_FIFO tasks belong to the RT
#               class, above sched_ext, and never reach plugland. (Note that
#               with -h, cyclictest -p 0 silently becomes SCHED_FIFO
#               priority 2: --policy=other and no -p.)
#   stress-ng   stress-ng --cpu 1 --fork 1 --switch 1 --timeout 10s: bogo
#               ops/s (real time) of each stressor (higher is better)
#   reqserve    bench/reqserve -d RQ_SECS: a message thread wakes 2 x CPUs
#               workers (futex), each does RQ_WORK_US of CPU work per
#               request (a loop count calibrated once at boot under the
#               kernel's scheduler, the same for every scheduler): requests/s,
#               wake-up latency p50/p99 and request latency p99 (post ->
#               work done) in us
#   schbench    schbench -m 1 -t 2 x CPUs -F 4 -n 1 -r SB_SECS, only when
#               asked for (bench/run.sh -e puts a schbench binary, built from
#               its own source, in the image; Debian has no package): its
#               average requests/s, wake-up p50/p99 and request p99 in us,
#               for comparing reqserve with the benchmark it follows
# and scx_plugland's CPU time during each, in % of one CPU, and the
# decisions made during each about ordinary tasks (`scx_plugland ctl
# stats`: the policy's decisions applied plus the placements BPF made
# itself and told the host of; not kernel threads and scx_plugland's own,
# which never reach user space) with scx_plugland's CPU time per decision
# in us.
runs=${PLUGLAND_RUNS:-5}
policies=$(echo "${PLUGLAND_POLICIES:-fifo}" | tr , ' ')
CT_SECS=${PLUGLAND_CT_SECS:-6}
CT_HIST_US=50000 # cyclictest -h: 1 us buckets up to 50 ms
SNG_S=${PLUGLAND_SNG_S:-10}
RQ_SECS=${PLUGLAND_RQ_SECS:-8}
RQ_WORK_US=50
SB_SECS=${PLUGLAND_SB_SECS:-8}
WORKLOADS=$(echo "${PLUGLAND_WORKLOADS:-hackbench,cyclictest,stressng,reqserve}" | tr , ' ')
if [ "${PLUGLAND_BPF_STATS:-0}" = 1 ]; then
	echo 1 >/proc/sys/kernel/bpf_stats_enabled && echo "BENCH-INFO bpf_stats on"
fi
HZ=100 # USER_HZ: /proc/PID/stat times are in 1/100 s
NCPU=$(nproc)
SB_ARGS="-m 1 -t $((2 * NCPU)) -F 4 -n 1" # schbench: one message thread, 2 workers a CPU
SCX=/sys/kernel/sched_ext
host=""

state() { cat "$SCX/state"; }
now() { cut -d' ' -f1 /proc/uptime; }
# context switches of all scx_plugland's threads: how often it wakes up
ctx_switches() {
	cat /proc/$host/task/*/status 2>/dev/null |
		awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }'
}
cpu_ticks() { if [ -n "$host" ]; then awk '{ print $14 + $15 }' "/proc/$host/stat"; else echo 0; fi; }

# The counters of scx_plugland's decisions (`ctl stats`), in this order:
# the policy's decisions applied, then the placements of ordinary tasks BPF
# made itself (idle fast path, FIFO queue, ordered queue, ring buffer full, failsafe, failsafe
# rescue, resumed after the host preempted). Empty when ctl fails.
DECISION_COUNTERS="nr_user_dispatches nr_idle_direct nr_fast_queued nr_fast_ordered nr_congested nr_failsafe_dispatches nr_failsafe_rescued nr_resumed"
decision_counters() {
	[ -n "$host" ] && [ "$bin" != floor ] || return 0
	$bin ctl stats 2>/dev/null | awk -v names="$DECISION_COUNTERS" '
		BEGIN { n = split(names, k, " ") }
		{ v[$1] = $2 }
		END {
			# none: ctl stats failed; one missing: an older build
			# (a -B baseline) without that path, which made none
			if (!NR) exit
			for (i = 1; i <= n; i++)
				out = out (i > 1 ? " " : "") (k[i] in v ? v[k[i]] : 0)
			print out
		}'
}

# phase_begin / phase_end SCHED NAME: scx_plugland's CPU time over a phase,
# in % of one CPU, and a check that sched_ext was not switched off under it
# (the figures would then be the kernel's); for a workload, the decisions
# made during it and scx_plugland's CPU time per decision.
phase_begin() { d0=$(decision_counters); t0=$(cpu_ticks); s0=$(now); }
phase_end() {
	[ -n "$host" ] || return 0
	if [ ! -e "/proc/$host/stat" ]; then
		echo "BENCH $1 error host_exited_during_$2 (sched_ext $(state))"
		return 1
	fi
	t1=$(cpu_ticks)
	s1=$(now)
	echo "BENCH $1 host_cpu_pct_$2 $(awk -v a="$t0" -v b="$t1" -v s0="$s0" -v s1="$s1" -v hz=$HZ \
		'BEGIN { printf "%.2f", (b - a) / hz / (s1 - s0) * 100 }')"
	if [ "$2" != idle ] && [ "$bin" != floor ]; then
		d1=$(decision_counters)
		if [ -n "$d0" ] && [ -n "$d1" ]; then
			# one BENCH-INFO line with each counter's part, then the total
			awk -v s="$1" -v w="$2" -v a="$d0" -v b="$d1" -v names="$DECISION_COUNTERS" \
				-v t0="$t0" -v t1="$t1" -v hz=$HZ 'BEGIN {
				n = split(names, k, " "); split(a, x, " "); split(b, y, " ")
				line = "BENCH-INFO decisions " s " " w
				for (i = 1; i <= n; i++) {
					d = y[i] - x[i]; tot += d
					line = line " " substr(k[i], 4) "=" sprintf("%.0f", d)
				}
				print line
				printf "BENCH %s decisions_%s %.0f\n", s, w, tot
				if (tot > 0)
					printf "BENCH %s host_us_per_decision_%s %.3f\n", s, w, (t1 - t0) / hz * 1e6 / tot
			}'
		else
			echo "BENCH-INFO warning $1 ctl_stats_failed_$2"
		fi
	fi
	if [ "$(state)" != enabled ]; then
		echo "BENCH $1 error sched_ext_$(state)_after_$2"
		return 1
	fi
}

# The CPUs' idle and busy jiffies and the context switches so far
# (/proc/stat): where a workload's time went, besides its own figures.
cpu_jiffies() { awk '$1 == "cpu" { print $5 + $6, $2 + $3 + $4 + $7 + $8 + $9 } $1 == "ctxt" { print $2 }' /proc/stat; }
# cpu_use SCHED WORKLOAD "IDLE0 BUSY0 CTXT0" "IDLE1 BUSY1 CTXT1": the CPUs'
# idle share and the context switches per second over a run
cpu_use() {
	echo $3 $4 | awk -v s="$1" -v w="$2" -v n="$NCPU" '{ i = $4 - $1; b = $5 - $2
		if (i + b <= 0) exit
		printf "BENCH %s %s_idle_pct %.1f\n", s, w, 100 * i / (i + b)
		printf "BENCH %s %s_ctxt_per_s %.0f\n", s, w, ($6 - $3) / (i + b) * 100 * n }'
}

hackbench_runs() {
	i=0
	while [ $i -lt "$runs" ]; do
		j0=$(cpu_jiffies)
		t=$(hackbench -g 4 -l 200 2>/dev/null | sed -n 's/^Time: //p')
		echo "BENCH $1 hackbench_s ${t:-fail}"
		[ -z "$t" ] || cpu_use "$1" hackbench "$j0" "$(cpu_jiffies)"
		i=$((i + 1))
	done
}

cyclictest_runs() {
	: >/tmp/ct-all
	stress-ng --cpu "$NCPU" --quiet &
	load=$!
	sleep 1
	i=0
	while [ $i -lt "$runs" ]; do
		cyclictest -t1 --policy=other -i 1000 -D "$CT_SECS" -q -m -h $CT_HIST_US >/tmp/ct 2>/dev/null
		if [ $i = 0 ] && [ "$1" = kernel ]; then
			grep -q 'defaulting realtime' /tmp/ct && echo "BENCH-INFO warning cyclictest_ran_realtime"
		fi
		# shellcheck disable=SC2046 # three words, split on purpose
		set -- "$1" $(ct-percentiles /tmp/ct)
		echo "BENCH $1 cyclictest_p50_us $2"
		echo "BENCH $1 cyclictest_p99_us $3"
		echo "BENCH $1 cyclictest_max_us $4"
		echo "BENCH $1 cyclictest_wakeups $(sed -n 's/^# Total: *0*\([0-9]\)/\1/p' /tmp/ct)"
		# zeros stripped: busybox awk reads "000150" as octal (bench/ct-percentiles)
		sed -n 's/^# Histogram Overflows: *0*\([0-9]\)/over \1/p; /^#/d; s/^0*\([0-9]\)/\1/; s/\([[:space:]]\)0*\([0-9]\)/\1\2/; /[[:space:]]0$/d; /^[0-9]/p' /tmp/ct >>/tmp/ct-all
		i=$((i + 1))
	done
	kill $load
	wait $load 2>/dev/null
	# 20 buckets a decade: bucket b holds [lo[b], lo[b+1]) us, lo[b] = 10^(b/20)
	# (by multiplication: busybox awk may have no math functions)
	awk -v s="$1" '
	BEGIN { lo[0] = 1; for (b = 1; b <= 140; b++) lo[b] = lo[b - 1] * 1.1220184543019633 }
	$1 == "over" { over += $2; next }
	{
		v = $1 + 0; b = -1
		if (v >= 1) { b = 0; while (b < 140 && lo[b + 1] <= v + 1e-9) b++ }
		h[b] += $2
	}
	END {
		for (b in h) printf "BENCH-HIST %s %.3f %d\n", s, b < 0 ? 0 : lo[b], h[b]
		printf "BENCH-HIST %s over %d\n", s, over
	}' /tmp/ct-all
}

stressng_runs() {
	i=0
	while [ $i -lt "$runs" ]; do
		stress-ng --cpu 1 --fork 1 --switch 1 --timeout "${SNG_S}s" --metrics-brief 2>&1 |
			awk -v s="$1" '($4 == "cpu" || $4 == "fork" || $4 == "switch") && $5 ~ /^[0-9]+$/ {
				printf "BENCH %s stressng_%s_ops_s %s\n", s, $4, $9 }'
		i=$((i + 1))
	done
}

reqserve_runs() {
	i=0
	while [ $i -lt "$runs" ]; do
		j0=$(cpu_jiffies)
		if reqserve -d "$RQ_SECS" -l "$RQ_LOOPS" >/tmp/rq 2>/tmp/rq.err; then
			cpu_use "$1" reqserve "$j0" "$(cpu_jiffies)"
			awk -v s="$1" '
				$1 == "requests_per_s" { m = "reqserve_rps" }
				$1 == "wakeup_p50_us" { m = "reqserve_wakeup_p50_us" }
				$1 == "wakeup_p99_us" { m = "reqserve_wakeup_p99_us" }
				$1 == "request_p99_us" { m = "reqserve_request_p99_us" }
				$1 == "migrations_per_request" { m = "reqserve_migrations_per_req" }
				$1 == "wake_on_poster_cpu_pct" { m = "reqserve_on_poster_cpu_pct" }
				m { print "BENCH", s, m, $2; m = "" }' /tmp/rq
		else
			echo "BENCH $1 reqserve_rps fail"
		fi
		sed "s/^/BENCH-LOG $1 /" /tmp/rq.err
		i=$((i + 1))
	done
}

# schbench's summary: blocks "Wakeup Latencies", "Request Latencies", "RPS",
# each with "50.0th: N" and "* 99.0th: N" lines; then "average rps: N"
schbench_runs() {
	i=0
	while [ $i -lt "$runs" ]; do
		j0=$(cpu_jiffies)
		# its exit status is not the verdict: at exit it reads its threads'
		# /proc/PID/schedstat, and fails on one that has just gone
		# shellcheck disable=SC2086 # options, split on purpose
		schbench $SB_ARGS -r "$SB_SECS" >/tmp/sb 2>&1
		if grep -q '^average rps: [0-9]' /tmp/sb; then
			cpu_use "$1" schbench "$j0" "$(cpu_jiffies)"
			awk -v s="$1" '
				/^Wakeup Latencies/ { b = "wakeup" }
				/^Request Latencies/ { b = "request" }
				/^RPS/ { b = "" }
				b && $1 == "50.0th:" { print "BENCH", s, "schbench_" b "_p50_us", $2 }
				b && $2 == "99.0th:" { print "BENCH", s, "schbench_" b "_p99_us", $3 }
				$1 == "average" && $2 == "rps:" { print "BENCH", s, "schbench_rps", $3 }' /tmp/sb
		else
			echo "BENCH $1 schbench_rps fail"
			sed "s/^/BENCH-LOG $1 /" /tmp/sb
		fi
		i=$((i + 1))
	done
}

# workloads SCHED: everything but idle, in this order, those of WORKLOADS
workloads() {
	for w in hackbench cyclictest stressng reqserve schbench; do
		case " $WORKLOADS " in *" $w "*) ;; *) continue ;; esac
		phase_begin
		"${w}_runs" "$1"
		phase_end "$1" "$w" || return 1
	done
}

echo "BENCH-INFO kernel $(uname -r)"
echo "BENCH-INFO cpus $NCPU"
echo "BENCH-INFO cpu_model $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo "BENCH-INFO runs $runs"
echo "BENCH-INFO cyclictest_s $CT_SECS"
echo "BENCH-INFO stress-ng $(stress-ng --version 2>&1 | head -n1)"
for w in $WORKLOADS; do
	case $w in hackbench | cyclictest | stressng | reqserve) ;;
	schbench)
		command -v schbench >/dev/null || { echo "vm-guest: workload schbench: no schbench in the image (bench/run.sh -e)"; exit 2; } ;;
	*)
		echo "vm-guest: unknown workload '$w' (plugland.workloads: hackbench,cyclictest,stressng,reqserve,schbench)"
		exit 2 ;;
	esac
done
echo "BENCH-INFO workloads $WORKLOADS"
case " $WORKLOADS " in *" reqserve "*)
	# once, under the kernel's scheduler: the same work for every scheduler
	RQ_LOOPS=$(reqserve --calibrate $RQ_WORK_US) || { echo "vm-guest: reqserve --calibrate failed"; exit 1; }
	echo "BENCH-INFO reqserve_s $RQ_SECS"
	echo "BENCH-INFO reqserve_work_us $RQ_WORK_US"
	echo "BENCH-INFO reqserve_work_loops $RQ_LOOPS"
	;;
esac
case " $WORKLOADS " in *" schbench "*)
	echo "BENCH-INFO schbench_s $SB_SECS"
	echo "BENCH-INFO schbench_args $SB_ARGS"
	;;
esac
# await_state STATE: wait up to 10 s for sched_ext to reach STATE.
await_state() {
	i=0
	while [ "$(state)" != "$1" ] && [ $i -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	[ "$(state)" = "$1" ]
}

# run_kernel ROUND: the kernel's scheduler, once sched_ext is off.
run_kernel() {
	if ! await_state disabled; then
		echo "BENCH kernel error sched_ext_$(state)_before_round_$1"
		return
	fi
	echo "BENCH-INFO phase kernel $(now) round $1"
	workloads kernel
}

# run_policy P: scx_plugland with policy P (or floor, or bpf:NAME)
# attached, for round $round: one run of each workload (all of them in
# blocks); in the first round, 10 s idle first.
run_policy() {
	p=$1
	echo "BENCH-INFO phase $p $(now) round $round"
	# [base:]POLICY[@SECTION.KEY=VALUE...][+idle]: settings for experiments;
	# base: the baseline binary (bench/run.sh -B), for a before/after in one boot
	bin=scx_plugland spec=$p
	case $spec in base:*) bin=scx_plugland_base spec=${spec#base:} ;; esac
	name=${spec%+idle}
	set -- -p "${name%%@*}"
	[ "$name" = "$spec" ] || set -- "$@" --set bpf.idle_direct=true
	rest=${name#*@}
	while [ "$rest" != "$name" ] && [ -n "$rest" ]; do
		set -- "$@" --set "${rest%%@*}"
		case $rest in *@*) rest=${rest#*@} ;; *) rest="" ;; esac
	done
	# "floor": the minimal sched_ext scheduler (bench/floor.bpf.c), what
	# sched_ext itself costs here; no decisions to count
	case $p in
	floor) bin=floor; set -- /usr/local/lib/plugland/floor.bpf.o ;;
	floor-vtime) bin=floor; set -- -m vtime /usr/local/lib/plugland/floor.bpf.o ;;
	floor-local) bin=floor; set -- -m local /usr/local/lib/plugland/floor.bpf.o ;;
	floor-local-vtime) bin=floor; set -- -m local-vtime /usr/local/lib/plugland/floor.bpf.o ;;
	floor-direct) bin=floor; set -- -m direct /usr/local/lib/plugland/floor.bpf.o ;;
	bpf:*) bin=floor; set -- "/usr/local/lib/plugland/${p#bpf:}.bpf.o" ;; # bench/run.sh -x
	esac
	[ "$round" -gt 1 ] || echo "BENCH-INFO host_args $p $bin $*"
	$bin "$@" >"/tmp/host-$p.log" 2>&1 &
	host=$!
	if ! await_state enabled; then
		echo "BENCH $p error not_enabled"
		sed "s/^/BENCH-LOG $p /" "/tmp/host-$p.log"
		kill -INT $host 2>/dev/null
		wait $host
		host=""
		return
	fi
	sleep 1
	ok=1
	if [ "$round" = 1 ]; then
		# Idle: 10 s with nothing to do; the host must sleep, not spin.
		phase_begin
		c0=$(ctx_switches)
		sleep 10
		c1=$(ctx_switches)
		echo "BENCH $p host_wakeups_per_s_idle $(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.1f", (b - a) / 10 }')"
		phase_end "$p" idle || ok=0
	fi
	[ $ok = 0 ] || workloads "$p" || ok=0
	kill -INT $host
	wait $host || { echo "BENCH $p error exit_$?"; ok=0; }
	# the end of its log: after the last round, or when something failed
	if [ "$round" = "$rounds" ] || [ $ok = 0 ]; then
		tail -n 20 "/tmp/host-$p.log" | sed "s/^/BENCH-LOG $p /"
	fi
	sed -n '/BPF callbacks/,/^[^ ]/{/^  [a-z]/p}' "/tmp/host-$p.log" |
		grep -v '^  program ' | sed "s/^ */BENCH-BPF $p /"
	host=""
}

# Interleaved: round r runs the kernel's scheduler, then every scheduler,
# one run of each workload; the odd rounds in the order given, the even
# ones in reverse; then the kernel's once more. A drift over the boot
# (the kernel's own runs drifted 15 to 33 % between the first and the
# last of a boot that ran each scheduler's runs in one block) then lands
# on every scheduler alike, where the blocks' order decided who got it.
# plugland.blocks=1 (bench/run.sh -b): one round of all the runs, each
# scheduler's in one block, as before the rounds; five times fewer
# attaches, for 4 vCPUs, where the emulator's int3 oops on kernel text
# patching killed both boots in rounds tried.
reversed=""
for p in $policies; do reversed="$p $reversed"; done
if [ "${PLUGLAND_BLOCKS:-0}" = 1 ]; then
	rounds=1
	echo "BENCH-INFO design blocks"
else
	rounds=$runs
	runs=1
	echo "BENCH-INFO design interleaved $rounds rounds"
fi
start=$(now)
round=1
while [ $round -le "$rounds" ]; do
	run_kernel $round
	order=$policies
	[ $((round % 2)) = 1 ] || order=$reversed
	for p in $order; do run_policy "$p"; done
	round=$((round + 1))
done
run_kernel last
dmesg | grep -iE 'sched_ext|stall|lockup|BUG:' | tail -n 20 | sed 's/^/BENCH-LOG dmesg /'
echo "BENCH-INFO elapsed_s $(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }')"

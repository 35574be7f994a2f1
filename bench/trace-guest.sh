#!/bin/sh
# Where a wake-up's time goes, run inside the VM (busybox sh) by
# bench/wakeup-trace.sh: for the kernel's own scheduler, then scx_plugland
# with each policy, cyclictest (SCHED_OTHER, 1 ms period) under
# `stress-ng --cpu <nr CPUs>`, once as is and once with the kernel's
# sched_waking / sched_wakeup / sched_switch events recorded in ftrace.
# The trace goes to the second serial port (/dev/ttyS1) between
#   TRACE-BEGIN <scheduler>   and   TRACE-END <scheduler>
# and bench/wakeup_trace.py reads it. The console gets, per scheduler:
#   TRACE-CT <scheduler> <traced|untraced> p50=US p99=US max=US n=WAKEUPS
#   TRACE-LOG <scheduler> <line>   the end of scx_plugland's output (its
#                                  counters at exit)
#
# Kernel arguments: plugland.policies=deadline,fifo  plugland.ct_secs=6
# (POLICY@SECTION.KEY=VALUE adds --set SECTION.KEY=VALUE, as in vm-guest.sh)
policies=$(echo "${PLUGLAND_POLICIES:-deadline}" | tr , ' ')
CT_SECS=${PLUGLAND_CT_SECS:-6}
NCPU=$(nproc)
T=/sys/kernel/tracing
SCX=/sys/kernel/sched_ext

cyclictest_once() {
	cyclictest -t1 --policy=other -i 1000 -D "$CT_SECS" -q -m -h 50000 >/tmp/ct 2>/dev/null
	# shellcheck disable=SC2046 # four words, split on purpose
	set -- "$1" "$2" $(ct-percentiles /tmp/ct)
	echo "TRACE-CT $1 $2 p50=$3 p99=$4 max=$5 n=$6"
}

# measure SCHED: an untraced run, then a traced one, under a CPU hog per CPU
measure() {
	stress-ng --cpu "$NCPU" --quiet &
	load=$!
	sleep 1
	cyclictest_once "$1" untraced
	echo 0 >$T/tracing_on
	echo >$T/trace
	echo 32768 >$T/buffer_size_kb
	for e in sched_waking sched_wakeup sched_switch; do
		echo 1 >$T/events/sched/$e/enable
	done
	echo 1 >$T/tracing_on
	cyclictest_once "$1" traced
	echo 0 >$T/tracing_on
	kill $load
	wait $load 2>/dev/null
	{
		echo "TRACE-BEGIN $1"
		cat $T/trace
		echo "TRACE-END $1"
	} >/dev/ttyS1
	echo >$T/trace
}

if [ ! -w $T/tracing_on ]; then
	echo "trace-guest: no tracefs at $T"
	exit 1
fi
echo "TRACE-INFO kernel $(uname -r) cpus $NCPU"
measure kernel
for p in $policies; do
	# POLICY[@SECTION.KEY=VALUE...], as in bench/vm-guest.sh
	set -- -p "${p%%@*}"
	rest=${p#*@}
	while [ "$rest" != "$p" ] && [ -n "$rest" ]; do
		set -- "$@" --set "${rest%%@*}"
		case $rest in *@*) rest=${rest#*@} ;; *) rest="" ;; esac
	done
	scx_plugland "$@" >"/tmp/host-$p.log" 2>&1 &
	host=$!
	i=0
	while [ "$(cat $SCX/state)" != enabled ] && [ $i -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	if [ "$(cat $SCX/state)" != enabled ]; then
		echo "trace-guest: $p: sched_ext not enabled"
		cat "/tmp/host-$p.log"
		exit 1
	fi
	sleep 1
	measure "$p"
	kill -INT $host
	wait $host || echo "trace-guest: $p: scx_plugland exited with $?"
	# its counters at exit: which path each wake-up took
	tail -n 80 "/tmp/host-$p.log" | sed "s/^/TRACE-LOG $p /"
done

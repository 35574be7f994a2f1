#!/bin/sh
# Benchmarks run inside the VM, in one boot: the kernel's own scheduler
# first, then scx_plugland with each policy, the same workloads. Prints
# "BENCH <scheduler> <metric> <value>" lines; bench/run.sh summarises them.
# Kernel arguments: plugland.policies=fifo,deadline  plugland.runs=5
runs=${PLUGLAND_RUNS:-5}
policies=$(echo "${PLUGLAND_POLICIES:-fifo}" | tr , ' ')
HZ=100 # USER_HZ: /proc/PID/stat times are in 1/100 s

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# hackbench_runs NAME: $runs timed rounds of hackbench -g 4 -l 200
hackbench_runs() {
	i=0
	while [ $i -lt "$runs" ]; do
		t=$(hackbench -g 4 -l 200 2>/dev/null | sed -n 's/^Time: //p')
		echo "BENCH $1 hackbench_s ${t:-fail}"
		i=$((i + 1))
	done
}

echo "BENCH-INFO kernel $(uname -r) cpus $(nproc)"
hackbench_runs kernel

for p in $policies; do
	# "POLICY+idle": the same policy with the BPF idle fast path on
	case $p in
	*+idle) scx_plugland -p "${p%+idle}" --set bpf.idle_direct=true >/tmp/host-$p.log 2>&1 & ;;
	*) scx_plugland -p "$p" >/tmp/host-$p.log 2>&1 & ;;
	esac
	host=$!
	i=0
	while [ "$(cat /sys/kernel/sched_ext/state)" != enabled ] && [ $i -lt 100 ]; do
		usleep 100000; i=$((i + 1))
	done
	if [ "$(cat /sys/kernel/sched_ext/state)" != enabled ]; then
		echo "BENCH $p error not_enabled"
		cat /tmp/host-$p.log
		continue
	fi
	sleep 1
	# Idle: 10 s with nothing to do; the host must sleep, not spin.
	t0=$(cpu_ticks $host)
	sleep 10
	t1=$(cpu_ticks $host)
	echo "BENCH $p idle_cpu_pct $(awk -v a="$t0" -v b="$t1" -v hz=$HZ 'BEGIN { printf "%.2f", (b - a) / hz / 10 * 100 }')"
	t0=$(cpu_ticks $host)
	s0=$(cut -d' ' -f1 /proc/uptime)
	hackbench_runs "$p"
	t1=$(cpu_ticks $host)
	s1=$(cut -d' ' -f1 /proc/uptime)
	echo "BENCH $p host_cpu_pct_during_hackbench $(awk -v a="$t0" -v b="$t1" -v s0="$s0" -v s1="$s1" -v hz=$HZ 'BEGIN { printf "%.1f", (b - a) / hz / (s1 - s0) * 100 }')"
	kill -INT $host
	wait $host || echo "BENCH $p error exit_$?"
done

#!/bin/sh
# The demo, run inside the VM. Lines for the audience start with "demo| ";
# scripts/demo.sh shows only those.
say() { echo "demo| $*"; }
state() { cat /sys/kernel/sched_ext/state; }
count() { sed -n "s/^  $1  *\([0-9]*\).*/\1/p" /tmp/host.log; }

say ""
say "plugland demo: Linux $(uname -r), $(nproc) CPUs (qemu, software emulation)"
say "sched_ext before we start: $(state)"
say ""
say "\$ scx_plugland --stats 5        # the default policy: deadline (docs/policies.md)"
scx_plugland --stats 5 >/tmp/host.log 2>&1 &
host=$!
i=0
while [ "$(state)" != enabled ] && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
say "sched_ext is now: $(state), ops: $(cat /sys/kernel/sched_ext/root/ops 2>/dev/null)"
sed -n "s/^scx_plugland: sched_ext enabled: ops 'plugland', /demo| scx_plugland: /p" /tmp/host.log
say ""
say "Mixed workload for 20 s: 2 CPU hogs, a fork storm, a memory hog (stress-ng)"
say "and hackbench message-passing rounds alongside. Live counters:"
stress-ng --cpu 2 --fork 2 --vm 1 --vm-bytes 64M --timeout 20s --quiet &
stress=$!
(
	last=""
	while sleep 1; do
		l=$(grep '^stats:' /tmp/host.log | tail -n1)
		[ -n "$l" ] && [ "$l" != "$last" ] && echo "demo|   ${l#stats: }"
		last=$l
	done
) &
tailer=$!
rounds=0
while kill -0 $stress 2>/dev/null; do
	hackbench -g 2 -l 50 >/dev/null 2>&1 && rounds=$((rounds + 1))
done
wait $stress && say "stress-ng finished cleanly; $rounds hackbench rounds completed"
sleep 1
kill $tailer 2>/dev/null
say ""
say "\$ kill -INT $host          # Ctrl-C"
kill -INT $host
wait $host
rc=$?
say "scx_plugland exited with status $rc; sched_ext is now: $(state)"
sed -n 's/^scx_plugland: sched_ext disabled: /demo| kernel exit info: /p' /tmp/host.log
say ""
say "What happened, from scx_plugland's counters:"
sed -n '/^scx_plugland: counters/,$p' /tmp/host.log | sed -n 's/^  /demo|   /p'
user=$(count "dispatched by user space")
direct=$(count "dispatched directly by BPF")
say ""
say "=> $user scheduling decisions were made in user space by the policy plugin;"
say "   $direct wake-ups of kernel threads and of scx_plugland's own threads"
say "   were dispatched by BPF directly so they never wait for user space."
[ "$rc" = 0 ] && [ "$(state)" = disabled ]

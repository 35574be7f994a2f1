#!/bin/sh
# In the VM (bench/fidelity.sh boots it): the policy lab's fidelity. For
# each workload and policy: record a run in debug mode (scx_plugland's
# task events), replay the dump through the policy that recorded it
# (plugland-replay), and print the recording's wait-to-run p50 and p99
# beside the replay's:
#
#   FIDELITY <workload> <policy> <figure> <recorded> <replayed>
#
# figures wait_p50, wait_p99 (text as plugland-replay prints it: a number
# and its unit). Kernel arguments: plugland.policies=deadline,fifo
# plugland.workloads=hackbench,reqserve plugland.runs=N; plugland.keep=1
# also writes each recording to the second serial port (/dev/ttyS1),
# gzip'ed and base64'ed between "DUMP-BEGIN <name>" and "DUMP-END" lines,
# for bench/fidelity.sh -k to keep.
policies=$(echo "${PLUGLAND_POLICIES:-deadline,fifo}" | tr , ' ')
workloads=$(echo "${PLUGLAND_WORKLOADS:-hackbench,reqserve}" | tr , ' ')
runs=${PLUGLAND_RUNS:-1}
SCX=/sys/kernel/sched_ext
state() { cat "$SCX/state"; }

echo "FIDELITY-INFO kernel $(uname -r)"
echo "FIDELITY-INFO cpus $(nproc)"
loops=$(reqserve --calibrate 50) || { echo "FIDELITY-INFO error reqserve --calibrate"; exit 1; }

workload() {
	case $1 in
	hackbench) hackbench -g 2 -l 100 >/dev/null 2>&1 ;;
	reqserve) reqserve -d 4 -l "$loops" >/dev/null 2>&1 ;;
	esac
}

for w in $workloads; do
	for p in $policies; do
		i=0
		while [ $i -lt "$runs" ]; do
			i=$((i + 1))
			rm -f /dev/shm/rec.dump
			printf '[scheduler]\npolicy = %s\n[debug]\nenabled = true\nsize_mb = 256\ndump = /dev/shm/rec.dump\n' \
				"$p" >/tmp/rec.ini
			scx_plugland -c /tmp/rec.ini >/tmp/rec.log 2>&1 &
			host=$!
			n=0
			while [ "$(state)" != enabled ] && [ $n -lt 100 ]; do usleep 100000; n=$((n + 1)); done
			workload "$w" || echo "FIDELITY-INFO error $w $p workload failed"
			kill -INT $host
			wait $host || echo "FIDELITY-INFO error $w $p scx_plugland exited $?"
			plugland-dump --events /dev/shm/rec.dump 2>&1 | grep -E '^(records|events)' |
				sed "s/^/FIDELITY-INFO $w $p /"
			if [ "${PLUGLAND_KEEP:-0}" = 1 ]; then
				{
					echo "DUMP-BEGIN $w-$p-$i"
					gzip -c /dev/shm/rec.dump | base64
					echo "DUMP-END"
				} >/dev/ttyS1
			fi
			if plugland-replay /dev/shm/rec.dump -p "$p" >/tmp/replay 2>&1; then
				awk -v w="$w" -v p="$p" '
					$1 == "wait" && ($2 == "p50" || $2 == "p99") { print "FIDELITY", w, p, "wait_" $2, $3, $4 }
					$1 == "status" { print "FIDELITY-INFO", w, p, "status", $3 }' /tmp/replay
			else
				echo "FIDELITY-INFO error $w $p replay: $(head -n 2 /tmp/replay | tr '\n' ' ')"
			fi
		done
	done
done

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recording's workload, rebuilt from the task events of a decision dump
 * (struct plugland_event): per task its CPU bursts and the sleeps between
 * them, its start and exit, its weight and CPU set, who woke it; and the
 * recording's own measures (wait-to-run, CPU share, migrations), for the
 * replay (tools/plugland-replay.c) to run through other policies and
 * compare with.
 *
 * A burst is the CPU time from the task becoming runnable to it going
 * quiescent, summed over its RUNNING..STOPPING intervals; its sleep runs
 * from QUIESCENT to the next RUNNABLE. A wait runs from RUNNABLE (or a
 * STOPPING that leaves it runnable: preempted) to the next RUNNING. A
 * wake-up by a waker in a burst says how far into that burst (its CPU
 * time so far, counting the run it is in up to the wake-up).
 *
 * Truncation. The log may have lost a task's first events (overwritten)
 * and the recording may end while it runs. A task's events before the
 * first RUNNABLE, RUNNING, STOPPING or QUIESCENT are kept (fork, weight,
 * CPU set) but nothing is measured: a first RUNNING starts a burst whose
 * wait is unknown (not counted), a first STOPPING or QUIESCENT one whose
 * CPU time before it is unknown (0). A burst that used no CPU time seen
 * here (only waited, or only its end was recorded) is dropped: its time
 * counts as sleep. A burst running or waiting at the end of the
 * recording is cut there (`unfinished`).
 */
#ifndef PLUGLAND_REPLAY_TRACE_H
#define PLUGLAND_REPLAY_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <plugland/plugin.h>
#include "decision_dump.h"
#include "wait_hist.h"

#define REPLAY_AT_BURST_END UINT64_MAX
#define REPLAY_NO_PICKUP UINT64_MAX
/* replay_task.round_trip of a wait BPF's fast path ended: no round trip. */
#define REPLAY_FAST SIZE_MAX

/* Times are ns since the recording's first event. */
struct replay_burst {
	uint64_t runnable_ns;	/* it became runnable (its first RUNNING when unknown) */
	uint64_t cpu_ns;	/* CPU time, > 0 */
	uint64_t end_ns;	/* it went quiescent (or exited, or the recording ended) */
	uint64_t sleep_ns;	/* until its next burst; 0 after the last */
	int32_t waker;		/* pid that woke it for this burst; 0: not known */
	uint64_t waker_cpu_ns;	/* the waker's CPU time into its own burst then;
				   REPLAY_AT_BURST_END: not known */
	bool unfinished;	/* cut by the end of the recording */
};

struct replay_task {
	int32_t pid, tgid;
	char comm[PLUGLAND_COMM_LEN];	/* the last one recorded */
	uint64_t first_ns, last_ns;	/* its first and last event */
	bool forked, exited;
	int32_t parent;			/* FORK's parent; 0: not recorded */
	/* The weight and CPU set in force at its first burst (the last
	 * recorded before it, else the first after it; changes later are
	 * counted, not replayed). Weight 100 and every CPU when none was. */
	uint32_t weight;
	uint32_t nr_weight_changes;
	bool has_cpus, cpus_partial;	/* cpus_partial: CPUs above 127 too */
	uint64_t cpus_lo, cpus_hi;	/* CPUs 0..63, 64..127 */
	uint32_t nr_cpus_allowed;
	uint32_t nr_cpumask_changes;

	struct replay_burst *bursts;
	uint32_t nr_bursts;

	/* The recording's measures. */
	uint64_t cpu_ns;		/* over its bursts */
	uint64_t runnable_ns;		/* waits seen + CPU time: what it wanted */
	uint64_t nr_runs;		/* RUNNINGs */
	uint64_t nr_waits;		/* of them, with a known wait */
	uint64_t wait_sum_ns, wait_max_ns;
	uint32_t wait_hist[WAIT_HIST_BUCKETS];
	uint64_t nr_migrations;		/* RUNNING on another CPU than the previous one */
	uint64_t nr_wakeups_with_waker;
	uint64_t nr_inconsistent;	/* events out of order for its state (ignored) */

	/* Building state, private to replay_trace.c. */
	int state;
	uint64_t mark_ns;		/* when the current state began */
	int32_t last_cpu;
	struct replay_burst cur;
	uint64_t last_quiescent_ns;
	bool in_burst, weight_set, cpus_set;
	bool decided;			/* the current wait's decision is seen ... */
	uint64_t decided_ns;		/* ... then, its round trip this one */
	size_t round_trip;		/* (REPLAY_FAST: BPF's fast path, none) */
	bool fast_ahead;		/* BPF's idle path placed it before its
					   RUNNABLE (select_cpu comes first) ... */
	uint64_t fast_ahead_ns;		/* ... then */
	uint32_t bursts_cap;
};

struct replay_idle_wake;
struct replay_host_span;

struct replay_trace {
	struct replay_task *tasks;	/* in the order of their first event */
	uint32_t nr_tasks;
	uint64_t t0_ns;			/* the first event's at_ns: time 0 */
	uint64_t end_ns;		/* the last event, since t0 */
	uint32_t nr_cpus;		/* the machine: the dump's CPUs, or more if seen */
	uint32_t nr_cpus_seen;		/* highest CPU in an event + 1 */
	uint64_t nr_events, nr_decisions;
	uint64_t nr_unknown;		/* events of an unknown kind (ignored) */
	uint64_t nr_inconsistent;	/* over every task */
	uint64_t nr_truncated;		/* tasks whose first event was not RUNNABLE,
					   FORK or a weight or CPU set */
	uint64_t nr_unfinished;		/* tasks runnable when the recording ended */

	/* The host's round trip as recorded: for each decision the policy
	 * made (not BPF's, not the host's own) for a task waiting since a
	 * RUNNABLE or a preemption, the time from then to the decision, in
	 * the log's order. (Under a policy that holds tasks back, it
	 * includes the holding.) */
	uint64_t *round_trip_ns;
	size_t nr_round_trips;
	/* How long an idle CPU took to run a task the policy, or BPF's fast
	 * path (an idle CPU, the FIFO queue), gave it: from the decision to
	 * the task's RUNNING, where that CPU had run nothing recorded from
	 * before the decision until then (the kick, the CPU's wake-up from
	 * idle, BPF's dispatch). A replay draws from them for every task an
	 * idle CPU runs, so the fast paths' must be among them: a fifo that
	 * gives BPF nearly every wake-up has only a few round trips. */
	uint64_t *pickup_ns;
	size_t nr_pickups;
	/* Per round trip, the pickup of the same task after it, or
	 * REPLAY_NO_PICKUP: both come from the same moments of the machine
	 * (a slow host and a slow wake-up go together), so a replay draws
	 * them as pairs. */
	uint64_t *round_trip_pickup_ns;
	/* Per round trip, with the host's runs recorded (else NULL): 1 when
	 * the host's scheduling thread was running as the wait began, so
	 * the round trip needed no wake-up of it (they are shorter: in
	 * VM recordings of reqserve under deadline 60 us against 115 on
	 * average), 0 otherwise. */
	uint8_t *round_trip_host_on;
	/* The host's own runs on a busy CPU: where the scheduling thread
	 * preempted a task (BPF resumed it: PLUGLAND_KERNEL_RESUMED), from
	 * that task's STOPPING to the next RUNNING on that CPU, which ran
	 * nothing recorded in between. Fewer than the round trips: a round
	 * that found a CPU idle took nothing from a task. */
	uint64_t *host_run_ns;
	size_t nr_host_runs;
	/* From the host's own records (PLUGLAND_EVENT_HOST_RUN, in dumps
	 * that have them): how many times the scheduling thread ran, and
	 * how long each run lasted that began on a CPU running nothing
	 * recorded (it took no task's CPU, but held one a waking task then
	 * found busy). The host's other threads' runs are counted. */
	uint64_t nr_host_sched_runs;
	uint64_t *host_idle_run_ns;
	size_t nr_host_idle_runs;
	uint64_t nr_host_other_runs, host_other_ns;
	/* A CPU going from one task straight to another that was already
	 * waiting, decided before the CPU stopped (not a pickup) and with no
	 * run of the host's thread between: from the STOPPING to the next
	 * task's RUNNING (the kernel's context switch and BPF's dispatch;
	 * in VM recordings of reqserve 6.6 us median, against bursts of
	 * 35 to 80 us). A replay pays one each time a CPU does the same. */
	uint64_t *switch_ns;
	size_t nr_switches;
	/* BPF's idle fast path as the recording shows it: of the wake-ups
	 * that found a CPU they may use running neither a recorded task nor
	 * the host's scheduling thread, how many it placed itself
	 * (PLUGLAND_KERNEL_IDLE). The kernel's own view of idle CPUs, which
	 * the events do not show, decides that. Counted only in a recording
	 * with the host's runs (the CPUs it held are not idle). */
	uint64_t nr_idle_wakeups, nr_idle_wakeups_fast;

	/* Building state. */
	int32_t *index;			/* open addressing: pid -> task + 1 */
	uint32_t index_cap;
	uint32_t tasks_cap;
	size_t round_trips_cap, pickups_cap, paired_cap, nr_paired, host_runs_cap;
	size_t host_idle_runs_cap, switches_cap;
	struct replay_idle_wake *idle_wakes;	/* wake-ups that found a CPU idle */
	size_t nr_idle_wakes, idle_wakes_cap;
	struct replay_host_span *host_spans;	/* the scheduling thread's runs */
	size_t nr_host_spans, host_spans_cap;
	uint64_t *round_trip_from_ns;	/* when each round trip's wait began */
	size_t nr_round_trip_from, round_trip_from_cap;
	struct replay_cpu_slot *cpus;	/* per CPU (replay_trace.c) */
	uint32_t nr_cpu_slots;
};

/*
 * Rebuild from records ev[0..n) in order (the log's), on a machine of
 * nr_cpus CPUs (0: as many as the events show): events, and decisions
 * (a record without PLUGLAND_RECORD_EVENT is read as struct
 * plugland_decision) for the round trips. 0, or -1 when out of
 * memory (err says so). Never fails on what the events say: what does
 * not fit a task's state is counted as inconsistent and skipped.
 */
int replay_trace_build(struct replay_trace *t, const struct plugland_event *ev, size_t n,
		       uint32_t nr_cpus, char *err, size_t errlen);
/* The same from every record of a dump, with its header's CPUs. -1 with
 * one line in err when the dump has no task events. */
int replay_trace_from_dump(struct replay_trace *t, const struct decision_dump *d, char *err,
			   size_t errlen);
void replay_trace_free(struct replay_trace *t);

/* The task of pid alive at the end (the last one with that pid), or NULL. */
const struct replay_task *replay_trace_task(const struct replay_trace *t, int32_t pid);

#endif

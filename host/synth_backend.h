/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An in-process backend: a closed population of tasks on simulated CPUs
 * with a virtual clock. A task dispatched to a CPU runs min(slice, rest of
 * its CPU burst) there as soon as that CPU is free (a CPU serves what it
 * is given in order, as its local DSQ does); one dispatched to any CPU
 * waits, as in the kernel's ordered DSQ, until a CPU is free, lowest vtime
 * first (FIFO among equal ones). Then it is queued again: at once
 * when the slice ran out, after its sleep when the burst ended. By
 * default every task is CPU-bound (an endless burst). It checks what the
 * kernel would: stale cookies, double dispatches, unknown pids. For unit
 * tests and benchmarks on machines without sched_ext.
 *
 * pick_preempt_cpu() stops the task a CPU runs now (the last one it was
 * given) and queues it again at once, with the CPU time it did not use.
 *
 * Time only moves in wait(): to the next moment something happens (a
 * task wakes or finishes its slice, a CPU becomes free), so a policy that
 * holds tasks is asked again exactly when a CPU needs work.
 */
#ifndef PLUGLAND_SYNTH_BACKEND_H
#define PLUGLAND_SYNTH_BACKEND_H

#include "backend.h"
#include "topology.h"
#include "wait_hist.h"

/* How a task behaves: runs burst_ns of CPU time, then sleeps sleep_ns. */
struct synth_behaviour {
	uint64_t burst_ns;	/* 0: CPU-bound, never sleeps */
	uint64_t sleep_ns;	/* SYNTH_EXIT: it exits after this burst */
};

/* A sleep that never ends: the task exits after its burst (a replayed
 * recording's last). The machine exits once every task has. */
#define SYNTH_EXIT UINT64_MAX
/* A sleep until synth_backend_wake() (a replayed wake-up by a waker):
 * at once after the burst when the wake came while it was still busy. */
#define SYNTH_WAIT_WAKE (UINT64_MAX - 1)

/* Task idx finished a CPU burst at end_ns (the clock has reached it). */
typedef void (*synth_burst_end_fn)(void *ctx, struct backend *be, uint32_t idx,
				   uint64_t end_ns);

#define SYNTH_NO_PICKUP UINT64_MAX

/* No mark in the current burst (synth_next_mark_fn). */
#define SYNTH_NO_MARK UINT64_MAX

/* The CPU time into task idx's current burst at which it next does
 * something mid-burst (a replayed wake-up), or SYNTH_NO_MARK. */
typedef uint64_t (*synth_next_mark_fn)(void *ctx, uint32_t idx);
/* Task idx reached that mark at at_ns (the clock has reached it). */
typedef void (*synth_mark_fn)(void *ctx, struct backend *be, uint32_t idx, uint64_t at_ns);

/* Task idx's next CPU burst and the sleep after it (a workload's
 * distributions, workload.h). Called as each burst starts, in order, so
 * that a task's sequence of bursts does not depend on the policy. A task
 * is CPU-bound if the first one has burst_ns 0; one that sleeps must
 * never return burst_ns 0. */
typedef struct synth_behaviour (*synth_draw_fn)(void *ctx, uint32_t idx);

#define SYNTH_MAX_CPUS 1024
#define SYNTH_MASK_WORDS (SYNTH_MAX_CPUS / 64)

/* A set of CPUs, bit c for CPU c. */
struct synth_cpumask {
	uint64_t bits[SYNTH_MASK_WORDS];
};

static inline bool synth_cpumask_has(const struct synth_cpumask *m, uint32_t cpu)
{
	return cpu < SYNTH_MAX_CPUS && (m->bits[cpu / 64] >> (cpu % 64) & 1);
}

static inline void synth_cpumask_set(struct synth_cpumask *m, uint32_t cpu)
{
	if (cpu < SYNTH_MAX_CPUS)
		m->bits[cpu / 64] |= 1ull << (cpu % 64);
}

struct synth_opts {
	uint32_t nr_cpus;	/* 1..SYNTH_MAX_CPUS */
	uint32_t nr_tasks;
	uint64_t slice_ns;	    /* the default slice (0: 5 ms) */
	/* The kernel's tick (0: none): a run its slice cuts short ends at the
	 * first tick at or after the slice is used up, as sched_ext checks a
	 * slice only at a tick. The CPUs tick together, from time 0 (the
	 * kernel does not skew its ticks unless booted with skew_tick=1). */
	uint64_t tick_ns;
	/* Decisions, the policy's and BPF's fast paths' together: this many,
	 * then exited() (0: never). */
	uint64_t max_decisions;
	uint64_t max_ns;	    /* exited() once the virtual clock reaches it (0: never) */
	const uint64_t *weights;    /* nr_tasks weights, or NULL: all 100 */
	const struct synth_behaviour *behaviours; /* nr_tasks, or NULL: all CPU-bound */
	const char *const *comms;   /* nr_tasks names, or NULL: "synth-N" */
	uint32_t max_per_call;	    /* dispatch() accepts at most this (0: all),
				       as a full ring buffer would */
	const struct topology *topo; /* where pick_idle_cpu() looks first (NULL:
					the previous CPU, then any); kept */
	synth_draw_fn draw;	    /* when set, each task's bursts and sleeps
				       (behaviours is then not read) */
	void *draw_ctx;
	const uint64_t *start_ns;   /* nr_tasks: when each is first queued, or
				       NULL: all at 0 */
	/* nr_tasks CPU sets (kept), or NULL: every task may run on every CPU.
	 * As on the kernel: the task's nr_cpus_allowed says how many; a
	 * decision naming a CPU outside its set goes to any CPU of its set
	 * instead (counted in nr_bounced, as BPF counts nr_bounce_dispatches);
	 * a CPU takes from the any-CPU queue only what it may run; the idle
	 * CPUs pick_idle_cpu() returns are in the set; pick_preempt_cpu()
	 * finds none for a task restricted so (as bpf_backend.c). */
	const struct synth_cpumask *allowed;
	/* When set, called as each task's burst ends, in time order (ties:
	 * the order the runs were given), once the clock reaches it: what a
	 * waker's end wakes. A run cut short by pick_preempt_cpu() does not
	 * end its burst. */
	synth_burst_end_fn burst_end;
	void *burst_end_ctx;
	/* The host's round trip (a replayed recording's, replay_trace.h):
	 * a task queued for the policy reaches it only this long after it
	 * became runnable, drawn for each from these nr_round_trips values
	 * by a fixed pseudo-random sequence (the same run gives the same
	 * draws); a task placed by the fast path pays none. NULL: none, the
	 * policy sees each task the moment it is runnable. Kept. */
	const uint64_t *round_trip_ns;
	size_t nr_round_trips;
	/* An idle CPU's pickup (a replayed recording's, replay_trace.h): a
	 * task given to a CPU that has been idle starts only this long later
	 * (the kick, the CPU's wake-up), drawn as round trips are. NULL: at
	 * once. Kept. */
	const uint64_t *pickup_ns;
	size_t nr_pickups;
	/* A CPU's switch from one task straight to another (a replayed
	 * recording's, replay_trace.h): the next task starts only this long
	 * after the previous one's run ends, drawn as round trips are; not
	 * when the CPU runs the same task again. NULL: at once. Kept. */
	const uint64_t *switch_ns;
	size_t nr_switches;
	/* Or, for a task that made a round trip, the pickup recorded with
	 * the round trip drawn (nr_round_trips of them, SYNTH_NO_PICKUP:
	 * none recorded, one drawn from pickup_ns). NULL: always drawn. */
	const uint64_t *round_trip_pickup_ns;
	/* The host's own CPU time (a replayed recording's host runs,
	 * replay_trace.h): a round that gives the policy a task after its
	 * round trip is the host's thread waking. With no CPU idle it takes
	 * one from its task (the CPU of the waker that woke the task, when a
	 * replayed wake-up says, else the one it last ran on) as often as
	 * the recording's thread did per round trip (a draw among
	 * nr_round_trips that falls on one of these nr_host_runs); that task
	 * waits the run drawn, and all it does next comes that much later.
	 * An idle CPU it takes costs nothing: the pickups carry that. NULL:
	 * the host costs no CPU. Kept. */
	const uint64_t *host_run_ns;
	size_t nr_host_runs;
	/* Or, from a recording with the host's own runs (replay_trace.h):
	 * the thread ran nr_host_sched_runs times, which sets how often per
	 * round trip it runs here, wherever it then finds a CPU; on an idle
	 * one it holds it for one of these idle runs (a waking task finds
	 * it busy, a task given to it starts when the run ends), on none it
	 * takes one as above. A round while the thread still runs is part
	 * of that run. 0: as above. Kept. */
	uint64_t nr_host_sched_runs;
	const uint64_t *host_idle_run_ns;
	size_t nr_host_idle_runs;
	/* Of the waking tasks that find a CPU idle, how many per million
	 * BPF's fast path places (a replayed recording's: the kernel's view
	 * of idle CPUs lags the events); the others go to the policy, or
	 * FIFO with FAST_WAKE_QUEUE. 0: every one. */
	uint32_t fast_idle_ppm;
	/* With the host's runs recorded: per round trip, 1 when the host's
	 * thread was running as the wait began (replay_trace.h). A task
	 * that becomes runnable while the thread runs here draws among
	 * those, the others among the rest. NULL: one pool. Kept. */
	const uint8_t *round_trip_host_on;
	/* When set: points within a task's bursts, by CPU time, at which
	 * mark is called once the clock reaches them, in time order with
	 * the burst ends (a mark first at the same moment). next_mark is
	 * asked as each run of the task begins and after each of its marks;
	 * a mark before the run's start comes at its start; one at or past
	 * the burst's CPU time never comes (burst_end is told). A run cut
	 * short by pick_preempt_cpu() loses its marks still to come: the
	 * next run asks again. */
	synth_next_mark_fn next_mark;
	synth_mark_fn mark;
	void *mark_ctx;
};

/* Waits in log buckets: 4 per power of two, exact below 16 ns (wait_hist.h). */
#define SYNTH_WAIT_BUCKETS WAIT_HIST_BUCKETS

struct synth_task_stats {
	uint64_t nr_dispatched;
	uint64_t runtime_ns;	/* CPU time it got */
	uint64_t wait_sum_ns;	/* queued -> running, over nr_dispatched runs */
	uint64_t wait_max_ns;
	uint32_t wait_hist[SYNTH_WAIT_BUCKETS];
	uint64_t nr_bursts;	/* bursts it completed (each then slept) */
	struct synth_cpumask ran_on; /* every CPU it ran on */
	uint64_t nr_migrations;	/* runs on another CPU than its previous run's */
	bool exited;		/* its last burst (SYNTH_EXIT) is done ... */
	uint64_t exit_ns;	/* ... at this time */
};

struct synth_stats {
	uint64_t nr_queued;	/* tasks delivered to the loop */
	uint64_t nr_dispatched;	/* valid decisions */
	uint64_t nr_stale;	/* cookie did not match the latest enqueue */
	uint64_t nr_unknown;	/* pid never delivered */
	uint64_t nr_double;	/* task dispatched while not waiting */
	uint64_t nr_held_published;
	uint64_t now_ns;	/* virtual clock */
	uint64_t busy_ns;	/* CPU time handed out, all CPUs */
	uint64_t nr_preempted;	/* runs cut short by pick_preempt_cpu */
	uint64_t nr_fast_wake;	/* placed on an idle CPU without the policy */
	uint64_t nr_fast_queued; /* queued without the policy (FAST_WAKE_QUEUE, _VTIME) */
	uint64_t nr_fast_ordered; /* ... of them by vtime (FAST_WAKE_VTIME) */
	uint64_t nr_wake_preempts; /* ... and run at once on a CPU preempted for them */
	uint64_t nr_local_stolen; /* FAST_WAKE_LOCAL: run by another CPU than its queue's */
	uint64_t nr_direct_local; /* of nr_fast_queued, FAST_WAKE_DIRECT_LOCAL: onto its CPU */
	uint64_t nr_bounced;	/* decisions naming a CPU the task may not use
				   (or none): any CPU instead */
	uint64_t round_trip_ns;	/* o.round_trip_ns: the sum of the delays drawn */
	uint64_t pickup_ns;	/* o.pickup_ns: the sum of the delays drawn */
	uint64_t switch_ns;	/* o.switch_ns: the sum of the delays drawn */
	uint64_t host_run_ns;	/* o.host_run_ns: the CPU time the host took */
	uint64_t nr_host_runs;	/* ... in this many runs on a busy CPU */
	uint64_t host_idle_run_ns; /* o.host_idle_run_ns: the idle CPUs' time it held */
	uint64_t nr_host_idle_runs; /* ... in this many runs */
	uint32_t nr_exited;	/* tasks done with their last burst (SYNTH_EXIT) */
};

#define SYNTH_PID_BASE 1000

struct backend *synth_backend_new(const struct synth_opts *o);
void synth_backend_free(struct backend *be);
const struct synth_stats *synth_backend_stats(const struct backend *be);
/* The ordered fast path's rule the policy last posted (set_wake_rule). */
const struct plugland_wake_rule *synth_backend_wake_rule(const struct backend *be);

/* The placements BPF's fast paths made (an idle CPU, the FIFO queue). */
static inline uint64_t synth_by_kernel(const struct synth_stats *st)
{
	return st->nr_fast_wake + st->nr_fast_queued;
}

/* Every decision: the policy's and the fast paths'. */
static inline uint64_t synth_decisions(const struct synth_stats *st)
{
	return st->nr_dispatched + synth_by_kernel(st);
}
/* Per-task statistics; index = pid - SYNTH_PID_BASE. */
const struct synth_task_stats *synth_backend_task(const struct backend *be, uint32_t idx);
/* The pct-th percentile of a task's waits (upper bound of its bucket). */
uint64_t synth_wait_percentile(const struct synth_task_stats *st, unsigned int pct);
/* Whether a task waits on the loop: delivered, no decision applied yet. */
bool synth_backend_waiting(const struct backend *be, uint32_t idx);
/* Re-queue a task now with a new cookie, as a dequeue + enqueue would:
 * a decision already in flight for it becomes stale. */
void synth_backend_requeue(struct backend *be, uint32_t idx);
/* Wake task idx at `at` (>= now) from a SYNTH_WAIT_WAKE sleep; when it is
 * not in one yet, its next such sleep ends as soon as it begins. */
void synth_backend_wake(struct backend *be, uint32_t idx, uint64_t at);

#endif

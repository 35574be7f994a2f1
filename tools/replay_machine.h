/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recording's workload on the simulated machine (synth_backend.h): one
 * task per recorded task that used CPU time, in the recording's order,
 * with its comm, its weight and CPU set as at its first burst, queued
 * first when its first burst became runnable, then running its recorded
 * bursts and sleeping its recorded sleeps, and exiting after its last.
 *
 * Wake-ups: a burst whose wake-up names a waker that was running then
 * (the waker's burst that covers the moment of the wake-up) becomes
 * runnable when the waker has run, in the replay, as much of that burst
 * as it had when it woke the wakee in the recording (the end of the
 * burst when that is not known), however late or early the policy ran
 * it (REPLAY_WAKE_BY_WAKER); at once when that came before the wakee's
 * previous burst ended. Other bursts (no waker recorded,
 * a waker not running then or not replayed, and every burst with
 * REPLAY_WAKE_AS_RECORDED) come the recorded sleep after the previous
 * one. A task's first burst comes at its recorded time. Weight and CPU
 * set changes after a task's first burst are not replayed.
 *
 * Latency: each time a task becomes runnable it reaches the policy after
 * a delay drawn from the recording's round trips (replay_trace.h), the
 * time the real host took from a task becoming runnable to the policy's
 * decision about it; a CPU that was idle runs what it is given after a
 * delay drawn from the recording's pickups (from a decision to the task
 * running on a CPU that had been idle), and a CPU that goes from one task
 * straight to another starts it after a delay drawn from the recording's
 * switches.
 */
#ifndef PLUGLAND_REPLAY_MACHINE_H
#define PLUGLAND_REPLAY_MACHINE_H

#include "replay_trace.h"
#include "synth_backend.h"

enum replay_wake_mode {
	REPLAY_WAKE_BY_WAKER,	/* when the waker's burst ends */
	REPLAY_WAKE_AS_RECORDED, /* the recorded sleep after the previous burst */
};

/* Burst `burst` of machine task `waker` wakes machine task `wakee`, when
 * it has run offset_ns of it (REPLAY_AT_BURST_END: at its end). */
struct replay_wake_dep {
	uint32_t waker, burst, wakee, wakee_burst;
	uint64_t offset_ns;
};

struct replay_machine {
	const struct replay_trace *trace;
	uint32_t nr_tasks;
	uint32_t *task_of;	/* machine task i is trace->tasks[task_of[i]] */
	uint32_t *next_burst;	/* per machine task: the next burst draw() hands out */
	uint64_t *weights, *start_ns;
	const char **comms;
	char (*comm_buf)[PLUGLAND_COMM_LEN + 1]; /* NUL-terminated copies */
	struct synth_cpumask *allowed;	/* NULL when no task has a CPU set */
	/* REPLAY_WAKE_BY_WAKER: the wake-ups tied to a waker's burst, by
	 * (waker, burst); per machine task, its bursts ended so far and where
	 * its wake-ups start in deps. */
	struct replay_wake_dep *deps;
	uint32_t nr_deps;
	uint32_t *bursts_done, *dep_first, *dep_next;
	bool *waits_wake;		/* per (task, burst): flat, at burst_base[task] */
	uint64_t *burst_base;
	/* The recorded machine's latencies (synth_opts.round_trip_ns,
	 * pickup_ns): true from init; false makes them free. */
	bool latency;
};

/* 0, or -1 (no memory, or no task used CPU time: err says which). */
int replay_machine_init(struct replay_machine *m, const struct replay_trace *t,
			enum replay_wake_mode wake, char *err, size_t errlen);
/* The machine's options: nr_cpus, tasks, their draws; the caller sets
 * the slice and limits. Draws start again from each task's first burst. */
void replay_machine_opts(struct replay_machine *m, struct synth_opts *o);
void replay_machine_fini(struct replay_machine *m);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An in-process backend: a closed population of CPU-bound tasks on
 * simulated CPUs and a virtual clock. Every dispatched task "runs" its
 * slice and is queued again. It checks what the kernel would: stale
 * cookies, double dispatches, unknown pids. For unit tests and benchmarks
 * on machines without sched_ext.
 */
#ifndef PLUGLAND_SYNTH_BACKEND_H
#define PLUGLAND_SYNTH_BACKEND_H

#include "backend.h"

struct synth_opts {
	uint32_t nr_cpus;
	uint32_t nr_tasks;
	uint64_t slice_ns;	    /* the default slice (0: 5 ms) */
	uint64_t max_dispatches;    /* exited() after this many (0: never) */
	const uint64_t *weights;    /* nr_tasks weights, or NULL: all 100 */
	uint32_t max_per_call;	    /* dispatch() accepts at most this (0: all),
				       as a full ring buffer would */
};

struct synth_task_stats {
	uint64_t nr_dispatched;
	uint64_t runtime_ns;
};

struct synth_stats {
	uint64_t nr_queued;	/* tasks delivered to the loop */
	uint64_t nr_dispatched;	/* valid decisions */
	uint64_t nr_stale;	/* cookie did not match the latest enqueue */
	uint64_t nr_unknown;	/* pid never delivered */
	uint64_t nr_double;	/* task dispatched while not waiting */
	uint64_t nr_held_published;
	uint64_t now_ns;	/* virtual clock */
};

#define SYNTH_PID_BASE 1000

struct backend *synth_backend_new(const struct synth_opts *o);
void synth_backend_free(struct backend *be);
const struct synth_stats *synth_backend_stats(const struct backend *be);
/* Per-task statistics; index = pid - SYNTH_PID_BASE. */
const struct synth_task_stats *synth_backend_task(const struct backend *be, uint32_t idx);
/* Re-queue a task now with a new cookie, as a dequeue + enqueue would:
 * a decision already in flight for it becomes stale. */
void synth_backend_requeue(struct backend *be, uint32_t idx);

#endif

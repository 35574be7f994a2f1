/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recording's workload on the simulated machine (synth_backend.h): one
 * task per recorded task that used CPU time, in the recording's order,
 * with its comm, its weight and CPU set as at its first burst, queued
 * first when its first burst became runnable, then running its recorded
 * bursts and sleeping its recorded sleeps, and exiting after its last.
 *
 * Sleeps are replayed as recorded: a wakee becomes runnable a fixed time
 * after its previous burst ended, not when its waker's burst does (the
 * waker is known, but the synthetic machine draws a task's sleep as its
 * burst starts, before the waker has run). Weight and CPU set changes
 * after a task's first burst are not replayed.
 */
#ifndef PLUGLAND_REPLAY_MACHINE_H
#define PLUGLAND_REPLAY_MACHINE_H

#include "replay_trace.h"
#include "synth_backend.h"

struct replay_machine {
	const struct replay_trace *trace;
	uint32_t nr_tasks;
	uint32_t *task_of;	/* machine task i is trace->tasks[task_of[i]] */
	uint32_t *next_burst;	/* per machine task: the next burst draw() hands out */
	uint64_t *weights, *start_ns;
	const char **comms;
	char (*comm_buf)[PLUGLAND_COMM_LEN + 1]; /* NUL-terminated copies */
	struct synth_cpumask *allowed;	/* NULL when no task has a CPU set */
};

/* 0, or -1 (no memory, or no task used CPU time: err says which). */
int replay_machine_init(struct replay_machine *m, const struct replay_trace *t, char *err,
			size_t errlen);
/* The machine's options: nr_cpus, tasks, their draws; the caller sets
 * the slice and limits. Draws start again from each task's first burst. */
void replay_machine_opts(struct replay_machine *m, struct synth_opts *o);
void replay_machine_fini(struct replay_machine *m);

#endif

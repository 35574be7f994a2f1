/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plugland-replay's comparison: one table, the recording first, then each
 * candidate: status, makespan, wait-to-run p50/p99/max over every task and
 * per comm, Jain's index of CPU share against weight, migrations,
 * decisions; a task's own figures with --pid; the same as one JSON
 * object; wait-time CDFs drawn by gnuplot. docs/policy-lab.md says how to
 * read them. Every figure comes from the simulated clock (or the
 * recording's): the same inputs print the same bytes, but for the
 * candidates' CPU time, shown only when asked for.
 */
#ifndef PLUGLAND_REPLAY_REPORT_H
#define PLUGLAND_REPLAY_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "replay_candidate.h"

struct replay_column {
	const char *name;		/* "recording", or the -p spec */
	struct replay_result res;
};

struct replay_report_in {
	const char *dump_path;
	const struct replay_machine *m;
	const struct replay_column *cols;
	unsigned int nr_cols;
	bool by_pid;			/* --pid */
	int32_t pid;
	bool cpu_time;			/* --cpu-time: the candidates' CPU time per decision */
	uint32_t tick_hz;		/* the tick the replay's slices end on; 0: none */
	bool tick_recorded;		/* ... as the dump recorded it (not --tick) */
};

/*
 * Jain's index of x_i = (CPU time / time runnable) / weight over the
 * tasks that were runnable at all: 1 when every task got CPU in
 * proportion to its weight while it wanted it, 1/n when one got it all.
 */
double replay_report_jain(const struct replay_machine *m, const struct replay_result *r);

/* The table, or JSON. 0, or -1: a write error or no memory (errno). */
int replay_report_print(const struct replay_report_in *in, bool json, FILE *out);
/* Wait-time CDFs of every column that ran, as a PNG by gnuplot. 0; 1 when
 * gnuplot is not installed (nothing written, a message on stderr); -1
 * when it failed (a message on stderr). */
int replay_report_plot(const struct replay_report_in *in, const char *png);

#endif

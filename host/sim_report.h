/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What --simulate prints at the end: the run (decisions, simulated time,
 * how busy the CPUs were, what the loop and the machine counted), then a
 * table per task group of the workload (runs, CPU share, bursts
 * completed per simulated second, wait-to-run p50/p99/max) and the whole,
 * the fairness of CPU time to weight (Jain's index), who decided; or the
 * same as one JSON object (--json). docs/policy-lab.md says how to read it.
 */
#ifndef PLUGLAND_SIM_REPORT_H
#define PLUGLAND_SIM_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "backend.h"
#include "sched_loop.h"
#include "workload.h"

struct sim_report_in {
	const struct workload_machine *wm; /* the workload and which task is whose */
	const struct backend *machine;	    /* a synthetic one, after the run */
	const char *policy;		    /* its name */
	const struct sched_stats *loop;	    /* the loop's counters */
};

/* Jain's fairness index of CPU time per weight per second runnable, over
 * the tasks that were runnable all the time since their start (burst =
 * forever) and may use every CPU; *n says how many (0: none, index 0). */
double sim_report_jain(const struct sim_report_in *in, uint32_t *n);
/* The report, as text or as JSON; 0, or -1 when out of memory (JSON). */
int sim_report_print(const struct sim_report_in *in, bool json, FILE *out);

#endif

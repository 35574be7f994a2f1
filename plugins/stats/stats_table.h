/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the stats plugin accumulates from decisions: per task (a fixed
 * number of them; the rest are added up as "(other)") and per CPU, with
 * a fixed-size wait histogram per task. Memory is allocated once.
 */
#ifndef PLUGLAND_STATS_TABLE_H
#define PLUGLAND_STATS_TABLE_H

#include <stdbool.h>
#include <stdio.h>
#include <plugland/plugin.h>
#include "../common/log_hist.h"
#include "../common/pid_table.h"

struct task_stats {
	int32_t pid, tgid;
	char comm[PLUGLAND_COMM_LEN];
	uint64_t nr_sched;	/* decisions for it */
	uint64_t slice_ns;	/* slices granted, summed */
	uint64_t wait_ns;	/* enqueue -> decision, summed */
	uint64_t nr_waits;	/* decisions with a known enqueue time */
	uint64_t wait_max_ns;
	struct log_hist wait;
	/* CPU time, read from PROC/TGID/task/PID/schedstat when printed
	 * (decisions do not carry it); the last value read once it exits. */
	uint64_t cpu_ns;
	bool cpu_known;
};

struct stats {
	struct pid_table tasks;	/* pid -> struct task_stats */
	struct task_stats other; /* tasks past the table's size */
	uint64_t *per_cpu;	/* [0]: any CPU, [1 + c]: CPU c */
	uint32_t nr_cpus;
	uint64_t nr_decisions, nr_lost;
	uint64_t default_slice_ns;
	const struct task_stats **sorted; /* room for every task + other */
	char proc_root[256];	/* where TGID/task/PID/schedstat is read */
};

enum stats_format { STATS_TABLE, STATS_JSON };

int stats_init(struct stats *s, uint32_t max_tasks, uint32_t nr_cpus, uint64_t default_slice_ns);
void stats_fini(struct stats *s);
void stats_add(struct stats *s, const struct plugland_decision *d);
/* s->sorted: the tasks by times scheduled, most first, pid breaking
 * ties; returns how many. */
size_t stats_sort(struct stats *s);
/* The `top` most scheduled tasks (0: all), with their CPU time read
 * afresh, and the per-CPU counts. */
void stats_print(struct stats *s, FILE *out, enum stats_format fmt, size_t top);

#endif

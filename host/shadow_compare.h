/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a shadow policy and the real one disagreed: counts, and per task
 * what the shadow would have given it. Pure bookkeeping, no threads: the
 * shadow runner feeds it round by round (shadow.c), plugland-dump from the
 * records of a dump.
 *
 * One comparison is a real decision and the shadow's for the same task
 * enqueue (same pid and cookie, or pid and enqueue time in a dump), or a
 * decision either made that the other did not in that round. A pair
 * agrees when the CPU, the slice (0 read as the default) and the place
 * (the round and the position within it) are the same. A decision only
 * one side made counts as a different order: the other released the task
 * earlier, later or never.
 */
#ifndef PLUGLAND_SHADOW_COMPARE_H
#define PLUGLAND_SHADOW_COMPARE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <plugland/plugin.h>

#define SHADOW_MAX_TASKS 1024	/* tasks with aggregates; the rest only in the totals */
#define SHADOW_TOP_TASKS 10

/* One side's decision, as compared. */
struct shadow_decision {
	int32_t pid;
	int32_t cpu;		/* PLUGLAND_CPU_ANY or a CPU */
	uint64_t cookie;	/* the enqueue it answers (a dump: its enq_ns) */
	uint64_t slice_ns;	/* 0 already read as the default */
	const char *comm;	/* PLUGLAND_COMM_LEN bytes, or NULL */
};

struct shadow_task_stats {
	int32_t pid;		/* 0: unused */
	char comm[PLUGLAND_COMM_LEN];
	uint64_t nr_real, nr_shadow;	/* decisions each side made for it */
	uint64_t nr_agreed;
	uint64_t diff_cpu, diff_slice, diff_order;
	uint64_t real_slice_ns, shadow_slice_ns; /* sums: the mean is sum / nr */
	uint64_t nr_shadow_any;		/* shadow decisions for any CPU */
	int32_t real_cpu, shadow_cpu;	/* the last of each */
};

struct shadow_totals {
	uint64_t rounds;	/* rounds compared */
	uint64_t compared;	/* pairs + decisions only one side made */
	uint64_t agreed;
	uint64_t diff_cpu, diff_slice, diff_order; /* a pair may differ in several */
	uint64_t nr_real, nr_shadow;
	uint64_t untracked;	/* decisions about tasks past SHADOW_MAX_TASKS */
};

struct shadow_compare {
	struct shadow_totals t;
	struct shadow_task_stats *tasks; /* open addressing by pid */
	uint32_t mask;
	uint32_t nr_tasks;
};

/* 0, or -1: no memory. */
int shadow_compare_init(struct shadow_compare *c);
void shadow_compare_fini(struct shadow_compare *c);
void shadow_compare_reset(struct shadow_compare *c);

/*
 * One comparison: real and shadow for the same enqueue (same_place: in
 * the same round at the same position), or one of them NULL.
 */
void shadow_compare_add(struct shadow_compare *c, const struct shadow_decision *real,
			const struct shadow_decision *shadow, bool same_place);
/*
 * One round: the real policy's decisions real[0..nr) and the shadow's
 * shadow[0..ns), each in the order made, paired by pid and cookie.
 * real_pos[i] (when not NULL) is where shadow[i]'s task stands among the
 * real ones, or -1.
 */
void shadow_compare_round(struct shadow_compare *c, const struct shadow_decision *real,
			  unsigned int nr, const struct shadow_decision *shadow, unsigned int ns,
			  int *real_pos);
/* The tasks with the most disagreements (then the most decisions), up to
 * n, into out; returns how many. */
unsigned int shadow_compare_top(const struct shadow_compare *c, struct shadow_task_stats *out,
				unsigned int n);
/* The report for people, as ctl and plugland-dump --shadow print it. */
void shadow_compare_print(FILE *out, const struct shadow_compare *c, unsigned int top_n);

#endif

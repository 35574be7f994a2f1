/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A workload for the simulated machine (--simulate N --workload FILE): an
 * ini file, [machine] (CPUs, SMT, LLCs, seed) and one [group NAME] per
 * group of like tasks (count, weight or nice, comm, burst and sleep
 * distributions, CPU set, start delay); docs/policy-lab.md is the
 * reference. workload_load() refuses a bad file with "FILE:LINE: what is
 * wrong". A workload_machine turns it into the synthetic backend's tasks
 * (synth_backend.h), each with its own deterministic random stream: the
 * same file gives every policy the same bursts, sleeps and start times.
 */
#ifndef PLUGLAND_WORKLOAD_H
#define PLUGLAND_WORKLOAD_H

#include <stdint.h>
#include <stdio.h>
#include <plugland/plugin.h>
#include "synth_backend.h"

#define WORKLOAD_MAX_GROUPS 64
#define WORKLOAD_MAX_TASKS 4096
#define WORKLOAD_NAME_MAX 32	/* a group's name, with its NUL */
/* What a duration may be at most: an hour. */
#define WORKLOAD_MAX_NS (3600ull * 1000000000ull)

enum workload_dist_kind {
	WORKLOAD_FOREVER,	/* burst = forever: CPU-bound, never sleeps */
	WORKLOAD_FIXED,		/* 50us: always a_ns */
	WORKLOAD_UNIFORM,	/* uniform:10us-2ms: a_ns..b_ns, each as likely */
	WORKLOAD_EXP,		/* exp:500us: exponential of mean a_ns */
};

struct workload_dist {
	enum workload_dist_kind kind;
	uint64_t a_ns, b_ns;
};

struct workload_group {
	char name[WORKLOAD_NAME_MAX];
	char comm[PLUGLAND_COMM_LEN]; /* its tasks are COMM-0, COMM-1, ... */
	uint32_t count;
	uint64_t weight;		/* 1..10000; nice = N sets it as the kernel does */
	struct workload_dist burst, sleep, start;
	bool pinned;			/* cpus = ... named fewer than every CPU */
	struct synth_cpumask cpus;	/* where its tasks may run */
	int line;			/* of its [group NAME] line; 0: built in */
};

struct workload {
	uint32_t nr_cpus, smt, llcs;
	uint64_t seed;
	struct workload_group groups[WORKLOAD_MAX_GROUPS];
	uint32_t nr_groups, nr_tasks;
	char source[256];		/* the file, or "built-in" */
};

/* What --simulate N runs without --workload: 4 CPUs, 16 CPU-bound tasks
 * synth-0..synth-15 of weight 100 (conf/workloads/cpu-bound.ini). */
void workload_default(struct workload *w);
/* 0, or -1 and "FILE:LINE: message" in err; *w is then undefined. */
int workload_load(struct workload *w, const char *path, char *err, size_t errlen);
/* The same from an open stream; name is used in messages. */
int workload_load_stream(struct workload *w, FILE *f, const char *name, char *err, size_t errlen);
/* d as the file would say it ("uniform:10us-2ms"), into buf. */
const char *workload_dist_text(const struct workload_dist *d, char *buf, size_t len);
/* The mean of d in ns (0 for forever). */
double workload_dist_mean(const struct workload_dist *d);
/* One draw of d from the random stream *rng (splitmix64), in ns. */
uint64_t workload_sample(const struct workload_dist *d, uint64_t *rng);

/* A workload's tasks for the synthetic backend; task i is of group
 * group_of[i]. Keeps w: it must outlive the machine. */
struct workload_machine {
	const struct workload *w;
	uint32_t *group_of;
	uint64_t *weights, *start_ns, *rng;
	char (*comm)[PLUGLAND_COMM_LEN];
	const char **comms;
	struct synth_cpumask *allowed;	/* NULL when no group is pinned */
};

/* 0, or -1 when out of memory. */
int workload_machine_init(struct workload_machine *m, const struct workload *w);
/* Its tasks into o (nr_cpus, nr_tasks, weights, comms, draw, start_ns, allowed). */
void workload_machine_opts(struct workload_machine *m, struct synth_opts *o);
void workload_machine_fini(struct workload_machine *m);
/* synth_draw_fn: the next burst and sleep of task idx (ctx: the machine). */
struct synth_behaviour workload_draw(void *ctx, uint32_t idx);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One candidate of a replay: a policy and its settings (-p
 * POLICY[@KEY=VALUE,...]), run on the recording's simulated machine in a
 * forked child under a time limit, so that a candidate that crashes or
 * hangs is reported as such and the others still run. The child runs the
 * whole host (host.h) on the machine, as --simulate does, with the policy
 * watchdog off (a stuck policy would otherwise be replaced by fifo and
 * measured under its name) and strict loading (no fallback to fifo).
 *
 * The result of a candidate and the recording's own figures have the same
 * shape (struct replay_result), so the report treats every column alike.
 */
#ifndef PLUGLAND_REPLAY_CANDIDATE_H
#define PLUGLAND_REPLAY_CANDIDATE_H

#include <stdbool.h>
#include <stdint.h>
#include "policy_spec.h"
#include "replay_machine.h"
#include "wait_hist.h"

struct replay_candidate {
	const char *spec;		/* as given: the column's name */
	struct policy_spec p;
};

enum replay_status {
	REPLAY_OK,		/* every task ran all its bursts */
	REPLAY_UNFINISHED,	/* the simulated time limit came first */
	REPLAY_CRASHED,		/* the child died of a signal */
	REPLAY_HUNG,		/* killed at the time limit */
	REPLAY_REFUSED,		/* the policy or a setting was refused (exit 2) */
	REPLAY_FAILED,		/* any other exit of the child */
};

/* What a column shows of one task: per machine task, in its order. */
struct replay_task_result {
	uint64_t cpu_ns;
	uint64_t runnable_ns;		/* waiting or running */
	uint64_t nr_waits;		/* waits counted in wait_hist */
	uint64_t wait_sum_ns, wait_max_ns;
	uint64_t nr_migrations;
	uint64_t end_ns;		/* its last burst ended; 0: it did not */
	uint32_t wait_hist[WAIT_HIST_BUCKETS];
};

struct replay_result {
	enum replay_status status;
	int signal;			/* REPLAY_CRASHED */
	int exit_code;			/* REPLAY_FAILED, REPLAY_REFUSED */
	char message[256];		/* the child's last line on stderr */
	uint64_t nr_decisions;		/* by the policy and by BPF's fast path */
	uint64_t nr_by_kernel;		/* of them, BPF's fast path */
	uint64_t makespan_ns;		/* the last burst's end */
	uint64_t cpu_time_ns;		/* the child's CPU time: wall-clock, not deterministic */
	uint32_t nr_tasks;
	struct replay_task_result *tasks;
};

/*
 * Parse "POLICY[@KEY=VALUE[,KEY=VALUE...]]" into c (c->spec keeps spec).
 * 0, or -1 with what is wrong in err.
 */
int replay_candidate_parse(struct replay_candidate *c, const char *spec, char *err, size_t errlen);

struct replay_run_opts {
	const char *plugin_dir;
	uint64_t slice_ns;		/* the recording's default slice; 0: the host's */
	uint32_t tick_hz;		/* the kernel tick slices end on; 0: none */
	uint64_t max_sim_ns;		/* simulated time limit */
	unsigned int timeout_s;		/* wall-clock limit of the child */
};

/* Run c on machine m in a child; *res filled (tasks allocated: free them
 * with replay_result_free()). 0, or -1 when no child could run (err). */
int replay_candidate_run(const struct replay_candidate *c, struct replay_machine *m,
			 const struct replay_run_opts *o, struct replay_result *res, char *err,
			 size_t errlen);
/* The recording's own figures, for m's tasks. 0, or -1: no memory. */
int replay_result_of_recording(const struct replay_machine *m, struct replay_result *res);
void replay_result_free(struct replay_result *res);
/* "ok", "crashed (SIGSEGV)", "hung", ... */
const char *replay_status_text(const struct replay_result *res, char *buf, size_t len);

#endif

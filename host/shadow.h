/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A shadow policy: a second policy instance fed the same tasks as the
 * real one (shadow_feed.h), on a thread of its own, whose decisions are
 * compared with the real ones (shadow_compare.h) and logged with
 * PLUGLAND_DECISION_SHADOW, never applied. For trying a candidate on the
 * live machine: `scx_plugland --shadow POLICY`, `ctl shadow POLICY`.
 *
 * Its struct plugland_host has no effect on the machine:
 *   now_ns()         the loop's clock where the shadow is in the stream:
 *                    the latest enqueue, round or tick it was told of
 *                    (the clock of task->enq_ns; it never reads the
 *                    machine's, which under --simulate is not thread-safe)
 *   nr_idle_cpus()   the idle CPUs the loop saw just before the real
 *                    policy's dispatch() of the same round: a read-only
 *                    snapshot
 *   pick_idle_cpu()  -1 always (reserving a CPU would take it from the real
 *                    policy): a policy that asks for idle CPUs dispatches
 *                    to any CPU instead, which shows as CPU disagreements
 *   preempt_cpu()    -1 always: it never preempts
 *   for_each_counter(), policy_name(): -ENOTSUP / -ENOENT
 * The rest (log, config of its own [NAME] section, cpu_topology) as for
 * the real policy.
 *
 * The shadow never delays the real policy: the loop only pushes into a
 * ring, and a shadow that falls behind loses entries (counted) and is out
 * of sync: its rounds are run but not compared until the real policy has
 * released every task it held with no loss since (a point where both
 * start from the same tasks, the shadow's own extras aside).
 *
 * All of this runs on the scheduling thread between rounds (a control
 * command or start-up) but the shadow's thread itself.
 */
#ifndef PLUGLAND_SHADOW_H
#define PLUGLAND_SHADOW_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "shadow_compare.h"
#include "shadow_feed.h"
#include "topology.h"

struct shadow;

struct shadow_opts {
	const char *name;		/* the policy: POLICY[@KEY=VALUE,...] (policy_spec.h) */
	const struct config *cfg;	/* plugin_dir, its [POLICY] section (the spec's
					   settings over it, for the shadow alone),
					   init timeout */
	uint32_t nr_cpus;		/* the machine's */
	const struct topology *topo;
	uint16_t policy_id;		/* its records' policy_id in the decision log */
};

struct shadow_report {
	char name[64];
	struct shadow_totals t;
	struct shadow_task_stats top[SHADOW_TOP_TASKS];
	unsigned int nr_top;
	uint64_t dropped;		/* feed entries the loop could not push */
	uint64_t log_dropped;		/* shadow records the log ring refused */
	uint64_t logged;		/* shadow records in the decision log */
	uint64_t rounds_unsynced;	/* rounds run but not compared */
	uint64_t refused;		/* tasks the shadow's enqueue() refused */
	uint64_t invalid;		/* shadow decisions fixed up (bad CPU, too many) */
	bool out_of_sync;
};

/*
 * Load policy o->name, start its thread, wait for its init() there (at
 * most [watchdog] init_timeout_ms) and check its section's keys. NULL,
 * with one line in err, when any of it fails.
 */
struct shadow *shadow_start(const struct shadow_opts *o, char *err, size_t errlen);
/* What the loop pushes into (sched_loop.shadow). */
struct shadow_feed *shadow_feed_of(struct shadow *s);
const char *shadow_name(const struct shadow *s);
/*
 * Stop: the shadow first catches up with what the loop pushed (bounded),
 * then exit(); its last records go to log (when recording). The loop must
 * not push any more (sched_loop.shadow NULL). A shadow stuck in a callback
 * is abandoned, never unloaded, with a warning.
 */
void shadow_stop(struct shadow *s, struct decision_log *log, bool recording);
/* Counters and the top tasks, now; any thread. */
void shadow_report(struct shadow *s, struct shadow_report *r);
/* One line for people: "shadow 'lottery': 1000 compared, 12.3% agreed, ..." */
void shadow_report_line(const struct shadow_report *r, char *buf, size_t len);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs one async plugin (struct plugland_async) on its own thread with its
 * own reader of the decision log: a slow or stuck plugin only loses
 * records (counted), it never delays the scheduling thread or the others.
 *
 *   periodic: every interval_ms, consume() gets what was appended since,
 *             in batches of at most `batch` records;
 *   at stop:  (debug mode) nothing until stop, then the whole log.
 *
 * init() runs on the plugin's thread before any consume(), exit() after
 * the last one. The records a plugin sees are copies, checked whole (see
 * decision_log.h), valid only during the call.
 */
#ifndef PLUGLAND_ASYNC_RUNNER_H
#define PLUGLAND_ASYNC_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <plugland/plugin.h>
#include "decision_log.h"

enum async_mode {
	ASYNC_PERIODIC,
	ASYNC_AT_STOP,
};

struct plugin_id;

struct async_runner_opts {
	const struct plugland_async *plugin;	/* resolved by the loader */
	const struct plugin_id *id;		/* the guards' name for it, or NULL */
	/* Errors the plugin logged itself: when init() fails after one, the
	 * runner adds no line of its own (NULL: it always does). */
	const _Atomic unsigned int *plugin_errors;
	const struct plugland_host *host;	/* handed to init() */
	struct decision_log *log;		/* must outlive the runner, unless abandoned */
	enum async_mode mode;
	uint32_t interval_ms;			/* periodic: 0 means 100 */
	uint32_t batch;				/* records per consume(): 0 means 4096 */
};

enum async_status {
	ASYNC_RUNNING,
	ASYNC_DONE,		/* stopped, exit() called */
	ASYNC_INIT_FAILED,	/* init() refused: never consumed */
	ASYNC_STUCK,		/* did not finish within the stop timeout: abandoned */
};

/*
 * Where the plugin stands at the moment of the report, of the records
 * appended by then: nr_consumed + nr_lost + nr_pending == appended. A
 * plugin that is not reading (stuck in consume(), never scheduled) goes
 * on losing: its lost count grows with the head, not only when it reads.
 */
struct async_report {
	char name[64];
	enum async_status status;
	int init_error;		/* ASYNC_INIT_FAILED: init()'s negative errno */
	uint64_t nr_consumed;	/* records in consume() calls that returned
				   (and task events, skipped: never handed out) */
	uint64_t nr_lost;	/* overwritten before the plugin got to them,
				   whether its reader has noticed yet or not */
	uint64_t nr_pending;	/* neither yet: still in the log, unread, or
				   in a consume() call not returned */
	uint64_t nr_in_call;	/* of nr_pending: in that consume() call */
	uint64_t nr_calls;	/* consume() calls that returned */
};

struct async_runner;

/* Start the plugin's thread. NULL with a message in err: bad plugin
 * (no consume()), no memory or no thread. */
struct async_runner *async_runner_start(const struct async_runner_opts *o, char *err,
					size_t errlen);
/*
 * Wait up to timeout_ms for the plugin's init() to return: 0 when it
 * succeeded, its negative errno when it failed (the plugin is not run),
 * -ETIMEDOUT when it is still in init().
 */
int async_runner_wait_init(struct async_runner *r, unsigned int timeout_ms);
/* Ask it to stop: a last consume() of what is left, then exit(). */
void async_runner_request_stop(struct async_runner *r);
/*
 * Wait until `deadline` (CLOCK_REALTIME, for pthread_timedjoin_np) for the
 * thread, fill *rep and free the runner. A plugin still running by then
 * (stuck in init(), consume() or exit()) is abandoned: status ASYNC_STUCK,
 * its thread detached and never again touching the log, so the log may be
 * destroyed. Its shared object must then stay loaded (no dlclose()).
 */
void async_runner_join(struct async_runner *r, const struct timespec *deadline,
		       struct async_report *rep);
/* Stop n runners together, within timeout_ms in all; reports in rep[]. */
void async_runners_stop(struct async_runner **r, size_t n, unsigned int timeout_ms,
			struct async_report *rep);
/* Its counts now (name, status, consumed, lost, pending, calls), from
 * any thread; takes the runner's lock briefly. */
void async_runner_progress(struct async_runner *r, struct async_report *rep);
/* One line for the host's report: "NAME: 123 records consumed in 2 calls,
 * 4 lost", and what is pending when anything is. */
void async_report_format(const struct async_report *rep, char *buf, size_t len);

#endif

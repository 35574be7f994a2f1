// SPDX-License-Identifier: GPL-2.0
/*
 * Async plugin threads. The plugin's code (init, consume, exit) always
 * runs without any lock held; the runner's lock only covers touching the
 * log (one bounded copy) and the stop/abandon handshake, so a stuck plugin
 * can delay nobody, and once abandoned its thread never touches the log
 * again: whoever finishes last, joiner or thread, frees the runner.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "async_runner.h"
#include "clock.h"
#include "culprit.h"

#define DEFAULT_INTERVAL_MS 100
#define DEFAULT_BATCH 4096

struct async_runner {
	struct async_runner_opts o;
	char name[64];
	pthread_t thread;
	struct plugland_decision *buf;	/* o.batch records: what consume() sees */
	void *ctx;			/* what the plugin's init() stored */

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* stop was requested, or init() returned */
	/* Under lock: */
	bool stop;
	bool init_returned;
	bool abandoned;			/* the joiner gave up: do not touch the log */
	bool finished;			/* the thread is past the plugin's code */
	struct decision_log_reader reader;
	enum async_status status;
	int init_error;
	uint64_t nr_consumed, nr_calls;
};

static void free_runner(struct async_runner *r)
{
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->buf);
	free(r);
}

/* Not for async plugins: task events, and a shadow policy's decisions,
 * which were never applied (plugin.h). */
static inline bool not_for_plugins(const struct plugland_decision *rec)
{
	return rec->flags & (PLUGLAND_RECORD_EVENT | PLUGLAND_DECISION_SHADOW);
}

/*
 * Hand the plugin the decisions among buf[0..n) (sequence numbers from
 * span->first), each run of consecutive ones in one consume(): task
 * events and shadow decisions are not for async plugins (plugin.h), and
 * count as consumed (handled) all the same. Returns how many consume() calls it made.
 */
static unsigned int consume_decisions(struct async_runner *r, size_t n,
				      const struct plugland_log_span *span)
{
	struct plugland_log_span run = *span;
	unsigned int calls = 0;
	size_t i = 0, start;

	while (i < n) {
		while (i < n && not_for_plugins(&r->buf[i]))
			i++;
		start = i;
		while (i < n && !not_for_plugins(&r->buf[i]))
			i++;
		if (i == start)
			break;
		run.first = span->first + start;
		culprit_enter(r->o.id, "consume");
		r->o.plugin->consume(r->ctx, r->buf + start, i - start, &run);
		culprit_leave();
		calls++;
	}
	return calls;
}

/*
 * Hand the plugin what the log holds up to its head now. Returns false
 * when abandoned. Periodic feeds give way to a stop request (the final
 * feed takes over from the same cursor).
 */
static bool feed(struct async_runner *r, bool final)
{
	struct plugland_log_span span;
	uint64_t target = 0;
	bool first = true;
	unsigned int calls;
	size_t n;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		if (r->abandoned) {
			pthread_mutex_unlock(&r->lock);
			return false;
		}
		if (first)
			target = decision_log_head(r->o.log);
		first = false;
		n = 0;
		if (r->reader.next < target && (final || !r->stop))
			n = decision_log_read(&r->reader, r->buf, r->o.batch, &span);
		pthread_mutex_unlock(&r->lock);
		if (!n)
			return true;
		calls = consume_decisions(r, n, &span);
		pthread_mutex_lock(&r->lock);
		r->nr_consumed += n;
		r->nr_calls += calls;
		pthread_mutex_unlock(&r->lock);
	}
}

/* Sleep until the next period or a stop request; true when stopping. */
static bool wait_period(struct async_runner *r, struct timespec *next)
{
	struct timespec now;
	bool stop;

	pthread_mutex_lock(&r->lock);
	while (!r->stop && pthread_cond_timedwait(&r->cond, &r->lock, next) != ETIMEDOUT)
		;
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	pl_timespec_add_ms(next, r->o.interval_ms);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (next->tv_sec < now.tv_sec ||
	    (next->tv_sec == now.tv_sec && next->tv_nsec < now.tv_nsec)) {
		*next = now; /* a slow consume(): do not try to catch up */
		pl_timespec_add_ms(next, r->o.interval_ms);
	}
	return stop;
}

static void *runner_main(void *arg)
{
	struct async_runner *r = arg;
	const struct plugland_async *p = r->o.plugin;
	struct timespec next;
	bool abandoned, fed = true;
	int ret = 0;

	if (p->init) {
		culprit_enter(r->o.id, "init");
		ret = p->init(r->o.host, &r->ctx);
		culprit_leave();
	}

	pthread_mutex_lock(&r->lock);
	r->init_returned = true;
	if (ret) {
		r->status = ASYNC_INIT_FAILED;
		r->init_error = ret;
	}
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (ret) {
		/* One line for one failure: the plugin's own, when it said why. */
		if (r->o.host && r->o.host->log &&
		    !(r->o.plugin_errors && atomic_load(r->o.plugin_errors)))
			r->o.host->log(r->o.host, PLUGLAND_LOG_ERROR, "init failed: %s; not run",
				       strerror(ret < 0 ? -ret : ret));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	pl_timespec_add_ms(&next, r->o.interval_ms);
	if (r->o.mode == ASYNC_PERIODIC) {
		while (!wait_period(r, &next))
			if (!(fed = feed(r, false)))
				break;
	} else {
		pthread_mutex_lock(&r->lock);
		while (!r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		pthread_mutex_unlock(&r->lock);
	}
	if (fed && feed(r, true) && p->exit) {
		culprit_enter(r->o.id, "exit");
		p->exit(r->ctx);
		culprit_leave();
	}
out:
	pthread_mutex_lock(&r->lock);
	r->finished = true;
	if (r->status == ASYNC_RUNNING)
		r->status = ASYNC_DONE;
	abandoned = r->abandoned;
	pthread_mutex_unlock(&r->lock);
	if (abandoned) /* the joiner is gone: we are the last user */
		free_runner(r);
	return NULL;
}

struct async_runner *async_runner_start(const struct async_runner_opts *o, char *err,
					size_t errlen)
{
	struct async_runner *r;
	pthread_condattr_t ca;
	int ret;

	if (!o->plugin || !o->plugin->consume || !o->log) {
		snprintf(err, errlen, "async plugin '%s': no consume() callback",
			 o->plugin && o->plugin->name ? o->plugin->name : "?");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "async plugin '%s': out of memory", o->plugin->name);
		return NULL;
	}
	r->o = *o;
	if (!r->o.interval_ms)
		r->o.interval_ms = DEFAULT_INTERVAL_MS;
	if (!r->o.batch)
		r->o.batch = DEFAULT_BATCH;
	snprintf(r->name, sizeof(r->name), "%s", o->plugin->name ? o->plugin->name : "?");
	r->buf = calloc(r->o.batch, sizeof(*r->buf));
	if (!r->buf) {
		snprintf(err, errlen, "async plugin '%s': out of memory", r->name);
		free(r);
		return NULL;
	}
	decision_log_reader_init(&r->reader, o->log);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	ret = pthread_create(&r->thread, NULL, runner_main, r);
	if (ret) {
		snprintf(err, errlen, "async plugin '%s': cannot start its thread: %s", r->name,
			 strerror(ret));
		free_runner(r);
		return NULL;
	}
	return r;
}

int async_runner_wait_init(struct async_runner *r, unsigned int timeout_ms)
{
	struct timespec until;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	pl_timespec_add_ms(&until, timeout_ms);
	pthread_mutex_lock(&r->lock);
	while (!r->init_returned && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&r->cond, &r->lock, &until);
	ret = !r->init_returned ? -ETIMEDOUT : r->status == ASYNC_INIT_FAILED ?
	      (r->init_error < 0 ? r->init_error : -EINVAL) : 0;
	pthread_mutex_unlock(&r->lock);
	return ret;
}

void async_runner_request_stop(struct async_runner *r)
{
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

/*
 * Under r's lock (or with its thread gone), so the reader stands still
 * while the head is read. What it has read went to consume(); the records
 * overwritten beyond its cursor are lost now, though it counts them only
 * when it reads again, and then from the same cursor: never twice.
 */
static void fill_report(const struct async_runner *r, struct async_report *rep)
{
	uint64_t lapped, unread;

	memset(rep, 0, sizeof(*rep));
	snprintf(rep->name, sizeof(rep->name), "%s", r->name);
	rep->status = r->status;
	rep->init_error = r->init_error;
	decision_log_reader_lag(&r->reader, &lapped, &unread);
	rep->nr_consumed = r->nr_consumed;
	rep->nr_lost = r->reader.nr_lost + lapped;
	rep->nr_in_call = r->reader.nr_read - r->nr_consumed;
	rep->nr_pending = unread + rep->nr_in_call;
	rep->nr_calls = r->nr_calls;
}

void async_runner_progress(struct async_runner *r, struct async_report *rep)
{
	pthread_mutex_lock(&r->lock);
	fill_report(r, rep);
	pthread_mutex_unlock(&r->lock);
}

void async_runner_join(struct async_runner *r, const struct timespec *deadline,
		       struct async_report *rep)
{
	pthread_t thread = r->thread;
	bool finished;

	if (pthread_timedjoin_np(thread, NULL, deadline) == 0) {
		fill_report(r, rep);
		free_runner(r);
		return;
	}
	pthread_mutex_lock(&r->lock);
	finished = r->finished;
	if (!finished) {
		r->abandoned = true;
		r->status = ASYNC_STUCK;
	}
	fill_report(r, rep);
	pthread_mutex_unlock(&r->lock);
	if (finished) { /* it finished just now: it is not waiting for us */
		pthread_join(thread, NULL);
		free_runner(r);
		return;
	}
	/* From here the thread owns r and frees it, if it ever returns. */
	pthread_detach(thread);
}

void async_runners_stop(struct async_runner **r, size_t n, unsigned int timeout_ms,
			struct async_report *rep)
{
	struct timespec deadline;
	size_t i;

	for (i = 0; i < n; i++)
		async_runner_request_stop(r[i]);
	clock_gettime(CLOCK_REALTIME, &deadline);
	pl_timespec_add_ms(&deadline, timeout_ms);
	for (i = 0; i < n; i++)
		async_runner_join(r[i], &deadline, &rep[i]);
}

/* What is pending, said for the state the plugin is in; "" when nothing. */
static void format_pending(const struct async_report *rep, char *buf, size_t len)
{
	unsigned long long unread = rep->nr_pending - rep->nr_in_call;
	int n = 0;

	*buf = 0;
	if (rep->status == ASYNC_STUCK)
		n = snprintf(buf, len, ", %llu left unread", unread);
	else if (unread)
		n = snprintf(buf, len, rep->status == ASYNC_DONE ?
			     ", %llu appended after its last read" : ", %llu unread", unread);
	if (rep->nr_in_call && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", %llu in its unfinished consume() call",
			 (unsigned long long)rep->nr_in_call);
}

void async_report_format(const struct async_report *rep, char *buf, size_t len)
{
	char pending[128];

	format_pending(rep, pending, sizeof(pending));
	switch (rep->status) {
	case ASYNC_INIT_FAILED:
		snprintf(buf, len, "%s: init failed (%s), never ran", rep->name,
			 strerror(rep->init_error < 0 ? -rep->init_error : rep->init_error));
		return;
	case ASYNC_STUCK:
		snprintf(buf, len, "%s: STUCK (did not stop in time; left running): %llu records "
			 "consumed, %llu lost%s", rep->name, (unsigned long long)rep->nr_consumed,
			 (unsigned long long)rep->nr_lost, pending);
		return;
	default:
		snprintf(buf, len, "%s: %llu records consumed in %llu calls, %llu lost%s", rep->name,
			 (unsigned long long)rep->nr_consumed, (unsigned long long)rep->nr_calls,
			 (unsigned long long)rep->nr_lost, pending);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Async plugins on their threads: periodic delivery in order and in
 * batches, debug mode (everything at stop), init failure, a slow plugin
 * that loses records (counted exactly), a stuck one that is reported by
 * name and abandoned while the others and the producer carry on, and the
 * records a stuck one loses while it is not reading: counted at once,
 * live and at exit, and not again when it reads.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "async_runner.h"

/* What a test plugin saw; written on its thread, read after the join. */
struct seen {
	pthread_t init_thread;
	uint64_t nr_init, nr_exit, nr_calls, nr_records, max_n;
	uint64_t next, lost;		/* expected next sequence, lost so far */
	uint64_t nr_bad;		/* out of order, wrong lost count, wrong bytes */
	uint64_t first_seq;		/* of the first consume() */
	unsigned int delay_us;		/* per consume() */
	int init_ret;
};

static struct seen seen_a, seen_b;
static char last_log[256];

/* Stuck plugin: blocks in consume() until released. */
static pthread_mutex_t stuck_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stuck_cond = PTHREAD_COND_INITIALIZER;
static bool stuck_release, stuck_inside, stuck_returned;

static struct plugland_decision rec_of(uint64_t seq)
{
	struct plugland_decision d = { .enq_ns = seq, .dispatch_ns = seq * 3, .vtime = ~seq,
				       .pid = (int32_t)seq };

	return d;
}

static void check(struct seen *s, const struct plugland_decision *recs, size_t n,
		  const struct plugland_log_span *span)
{
	size_t i;

	if (!s->nr_calls)
		s->first_seq = span->first;
	if (span->first < s->next || span->nr_lost - s->lost != span->first - s->next)
		s->nr_bad++;
	for (i = 0; i < n; i++)
		if (recs[i].enq_ns != span->first + i || recs[i].vtime != ~(span->first + i) ||
		    recs[i].pid != (int32_t)(span->first + i))
			s->nr_bad++;
	s->next = span->first + n;
	s->lost = span->nr_lost;
	s->nr_calls++;
	s->nr_records += n;
	if (n > s->max_n)
		s->max_n = n;
	if (s->delay_us)
		usleep(s->delay_us);
}

/* Each instance's context is its record: what reaches consume() and
 * exit() is what its init() stored. */
static int a_init(const struct plugland_host *h, void **ctx)
{
	(void)h;
	seen_a.init_thread = pthread_self();
	seen_a.nr_init++;
	*ctx = &seen_a;
	return seen_a.init_ret;
}
static void a_consume(void *ctx, const struct plugland_decision *r, size_t n,
		      const struct plugland_log_span *s)
{
	check(ctx, r, n, s);
}
static void a_exit(void *ctx) { ((struct seen *)ctx)->nr_exit++; }

static int b_init(const struct plugland_host *h, void **ctx)
{
	(void)h;
	seen_b.nr_init++;
	*ctx = &seen_b;
	return 0;
}
static void b_consume(void *ctx, const struct plugland_decision *r, size_t n,
		      const struct plugland_log_span *s)
{
	check(ctx, r, n, s);
}
static void b_exit(void *ctx) { ((struct seen *)ctx)->nr_exit++; }

/* Checks what it gets in seen_b (no other test's plugin uses it then). */
static void stuck_consume(void *ctx, const struct plugland_decision *r, size_t n,
			  const struct plugland_log_span *s)
{
	(void)ctx;
	check(&seen_b, r, n, s);
	pthread_mutex_lock(&stuck_lock);
	stuck_inside = true;
	pthread_cond_broadcast(&stuck_cond);
	while (!stuck_release)
		pthread_cond_wait(&stuck_cond, &stuck_lock);
	stuck_returned = true;
	pthread_cond_broadcast(&stuck_cond);
	pthread_mutex_unlock(&stuck_lock);
}

#define ASYNC(nm, i, c, e) { .sz = sizeof(struct plugland_async), \
	.abi_version = PLUGLAND_ABI_VERSION, .name = nm, .init = i, .consume = c, .exit = e }

/* An init() that returns when the test says so. */
static bool slow_init_release;
static int slow_init(const struct plugland_host *h, void **ctx)
{
	(void)h;
	*ctx = &seen_b; /* it shares b_consume() */
	pthread_mutex_lock(&stuck_lock);
	while (!slow_init_release)
		pthread_cond_wait(&stuck_cond, &stuck_lock);
	pthread_mutex_unlock(&stuck_lock);
	return 0;
}

static const struct plugland_async plugin_a = ASYNC("alpha", a_init, a_consume, a_exit);
static const struct plugland_async plugin_b = ASYNC("beta", b_init, b_consume, b_exit);
static const struct plugland_async plugin_stuck = ASYNC("stucky", NULL, stuck_consume, NULL);
static const struct plugland_async plugin_slow_init = ASYNC("slow", slow_init, b_consume, NULL);
static const struct plugland_async plugin_no_consume = ASYNC("empty", NULL, NULL, NULL);

static void host_log(const struct plugland_host *h, enum plugland_log_level level,
		     const char *fmt, ...)
{
	va_list ap;

	(void)h, (void)level;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

static const struct plugland_host host = {
	.sz = sizeof(struct plugland_host),
	.abi_version = PLUGLAND_ABI_VERSION,
	.nr_cpus = 4,
	.log = host_log,
};

static struct decision_log *make_log(uint64_t cap)
{
	struct decision_log_opts o = { .capacity = cap };
	char err[256];
	struct decision_log *log = decision_log_create(&o, err, sizeof(err));

	if (!log)
		fail_msg("%s", err);
	return log;
}

static void append(struct decision_log *log, uint64_t from, uint64_t to)
{
	struct plugland_decision d;

	for (; from < to; from++) {
		d = rec_of(from);
		decision_log_append(log, &d);
	}
}

static struct async_runner *start(const struct plugland_async *p, struct decision_log *log,
				  enum async_mode mode, uint32_t interval_ms, uint32_t batch)
{
	struct async_runner_opts o = { .plugin = p, .host = &host, .log = log, .mode = mode,
				       .interval_ms = interval_ms, .batch = batch };
	char err[256];
	struct async_runner *r = async_runner_start(&o, err, sizeof(err));

	if (!r)
		fail_msg("%s", err);
	return r;
}

static int reset(void **state)
{
	(void)state;
	memset(&seen_a, 0, sizeof(seen_a));
	memset(&seen_b, 0, sizeof(seen_b));
	return 0;
}

static void test_periodic_in_order_and_batches(void **state)
{
	struct decision_log *log = make_log(1 << 16);
	struct async_runner *r[2];
	struct async_report rep[2];
	uint64_t i;

	(void)state;
	r[0] = start(&plugin_a, log, ASYNC_PERIODIC, 5, 0);
	r[1] = start(&plugin_b, log, ASYNC_PERIODIC, 7, 100);
	for (i = 0; i < 50; i++) { /* 50,000 records over about 50 ms */
		append(log, i * 1000, (i + 1) * 1000);
		usleep(1000);
	}
	async_runners_stop(r, 2, 5000, rep);
	decision_log_destroy(log);

	assert_int_equal(rep[0].status, ASYNC_DONE);
	assert_string_equal(rep[0].name, "alpha");
	assert_int_equal(rep[0].nr_consumed, 50000);
	assert_int_equal(rep[0].nr_lost, 0);
	assert_int_equal(seen_a.nr_records, 50000);
	assert_int_equal(seen_a.nr_bad, 0);
	assert_int_equal(seen_a.nr_init, 1);
	assert_int_equal(seen_a.nr_exit, 1);
	assert_false(pthread_equal(seen_a.init_thread, pthread_self()));
	assert_true(seen_a.nr_calls >= 2); /* woke up periodically */
	assert_true(seen_a.max_n <= 4096);

	assert_int_equal(rep[1].nr_consumed, 50000);
	assert_int_equal(seen_b.nr_bad, 0);
	assert_true(seen_b.max_n <= 100);
	assert_true(seen_b.nr_calls >= 500);
	assert_int_equal(rep[1].nr_calls, seen_b.nr_calls);
}

static void test_debug_mode_everything_at_stop(void **state)
{
	struct decision_log *log = make_log(256);
	struct async_runner *r;
	struct async_report rep;
	char line[256];

	(void)state;
	r = start(&plugin_a, log, ASYNC_AT_STOP, 1, 0);
	append(log, 0, 300);
	usleep(30000);
	assert_int_equal(seen_a.nr_records, 0); /* nothing before stop (racy read, but
						   the plugin must not have run) */
	decision_log_seal(log); /* the loop stopped first: the whole log is whole */
	async_runners_stop(&r, 1, 5000, &rep);
	decision_log_destroy(log);
	assert_int_equal(rep.status, ASYNC_DONE);
	assert_int_equal(seen_a.nr_records, 256);
	assert_int_equal(seen_a.first_seq, 44);
	assert_int_equal(rep.nr_lost, 44);
	assert_int_equal(seen_a.nr_bad, 0);
	assert_int_equal(seen_a.nr_exit, 1);
	async_report_format(&rep, line, sizeof(line));
	assert_string_equal(line, "alpha: 256 records consumed in 1 calls, 44 lost");
}

/* Records not for plugins, every third: task events (at seq % 3 == 1),
 * or a shadow policy's decisions, never applied (PLUGLAND_DECISION_SHADOW,
 * at seq % 3 == 2). The plugin gets the decisions alone, each call a run
 * of consecutive sequence numbers. */
#define EVENTS_AT 1
#define SHADOW_AT 2

static struct {
	uint64_t nr_records, nr_filtered, nr_calls, nr_bad;
	uint64_t skipped;	/* EVENTS_AT or SHADOW_AT */
} seen_f;

static void filtered_consume(void *ctx, const struct plugland_decision *r, size_t n,
			     const struct plugland_log_span *s)
{
	size_t i;

	(void)ctx;
	seen_f.nr_calls++;
	for (i = 0; i < n; i++) {
		if (plugland_record_is_event(&r[i]) || r[i].flags & PLUGLAND_DECISION_SHADOW)
			seen_f.nr_filtered++;
		else if (r[i].pid != (int32_t)(s->first + i) || (s->first + i) % 3 == seen_f.skipped)
			seen_f.nr_bad++;
		else
			seen_f.nr_records++;
	}
}

static const struct plugland_async plugin_f = ASYNC("filtered", NULL, filtered_consume, NULL);

/* 300 records, every third at `skipped` not for plugins, to a runner in
 * mode `mode`; its report once stopped. */
static struct async_report run_filtered(uint64_t skipped, enum async_mode mode)
{
	struct decision_log *log = make_log(1024);
	struct async_runner *r;
	struct async_report rep;
	struct plugland_decision d;
	uint64_t seq;

	memset(&seen_f, 0, sizeof(seen_f));
	seen_f.skipped = skipped;
	r = start(&plugin_f, log, mode, 1, 16);
	for (seq = 0; seq < 300; seq++) {
		if (seq % 3 == skipped && skipped == EVENTS_AT) {
			struct plugland_event e = { .at_ns = seq, .pid = (int32_t)seq, .cpu = -1,
						    .kind = PLUGLAND_EVENT_RUNNABLE };

			decision_log_append_event(log, &e);
			continue;
		}
		d = rec_of(seq);
		if (seq % 3 == skipped)
			d.flags |= PLUGLAND_DECISION_SHADOW;
		decision_log_append(log, &d);
	}
	decision_log_seal(log);
	async_runners_stop(&r, 1, 5000, &rep);
	decision_log_destroy(log);
	return rep;
}

/* What run_filtered() must show: the 200 decisions handed over, none of
 * the 100 kept back, and every record handled (consumed + lost + pending
 * == appended). */
static void assert_only_decisions_reached(const struct async_report *rep)
{
	assert_int_equal(rep->status, ASYNC_DONE);
	assert_int_equal(seen_f.nr_filtered, 0);
	assert_int_equal(seen_f.nr_bad, 0);
	assert_int_equal(seen_f.nr_records, 200);
	assert_int_equal(rep->nr_consumed, 300);
}

static void test_events_never_reach_plugins(void **state)
{
	struct async_report rep = run_filtered(EVENTS_AT, ASYNC_AT_STOP);

	(void)state;
	assert_only_decisions_reached(&rep);
	assert_int_equal(rep.nr_calls, seen_f.nr_calls);
	assert_true(seen_f.nr_calls >= 100); /* one per run of decisions */
}

static void test_shadow_decisions_never_reach_plugins(void **state)
{
	struct async_report rep = run_filtered(SHADOW_AT, ASYNC_PERIODIC);

	(void)state;
	assert_only_decisions_reached(&rep);
}

static void test_init_failure(void **state)
{
	struct decision_log *log = make_log(64);
	struct async_runner *r;
	struct async_report rep;
	char line[256];

	(void)state;
	seen_a.init_ret = -EINVAL;
	r = start(&plugin_a, log, ASYNC_PERIODIC, 1, 0);
	assert_int_equal(async_runner_wait_init(r, 5000), -EINVAL);
	append(log, 0, 10);
	async_runners_stop(&r, 1, 5000, &rep);
	decision_log_destroy(log);
	assert_int_equal(rep.status, ASYNC_INIT_FAILED);
	assert_int_equal(rep.init_error, -EINVAL);
	assert_int_equal(seen_a.nr_calls, 0);
	assert_int_equal(seen_a.nr_exit, 0);
	assert_non_null(strstr(last_log, "init failed"));
	async_report_format(&rep, line, sizeof(line));
	assert_string_equal(line, "alpha: init failed (Invalid argument), never ran");
}

/* Start-up waits for init() (bounded): success, and still running. */
static void test_wait_init(void **state)
{
	struct decision_log *log = make_log(64);
	struct async_runner *r;
	struct async_report rep;

	(void)state;
	r = start(&plugin_a, log, ASYNC_PERIODIC, 1, 0);
	assert_int_equal(async_runner_wait_init(r, 5000), 0);
	assert_int_equal(seen_a.nr_init, 1);
	async_runners_stop(&r, 1, 5000, &rep);

	slow_init_release = false;
	r = start(&plugin_slow_init, log, ASYNC_PERIODIC, 1, 0);
	assert_int_equal(async_runner_wait_init(r, 50), -ETIMEDOUT);
	pthread_mutex_lock(&stuck_lock);
	slow_init_release = true;
	pthread_cond_broadcast(&stuck_cond);
	pthread_mutex_unlock(&stuck_lock);
	assert_int_equal(async_runner_wait_init(r, 5000), 0);
	async_runners_stop(&r, 1, 5000, &rep);
	assert_int_equal(rep.status, ASYNC_DONE);
	decision_log_destroy(log);
}

static void test_no_consume_refused(void **state)
{
	struct decision_log *log = make_log(64);
	struct async_runner_opts o = { .plugin = &plugin_no_consume, .host = &host, .log = log };
	char err[256];

	(void)state;
	assert_null(async_runner_start(&o, err, sizeof(err)));
	assert_string_equal(err, "async plugin 'empty': no consume() callback");
	decision_log_destroy(log);
}

/* A plugin slower than the producer loses records: exactly counted. */
static void test_slow_plugin_loses_exactly(void **state)
{
	struct decision_log *log = make_log(1024);
	struct async_runner *r;
	struct async_report rep;
	uint64_t i;

	(void)state;
	seen_a.delay_us = 2000;
	r = start(&plugin_a, log, ASYNC_PERIODIC, 1, 64);
	for (i = 0; i < 100; i++) {
		append(log, i * 1000, (i + 1) * 1000);
		usleep(500);
	}
	decision_log_seal(log);
	async_runners_stop(&r, 1, 10000, &rep);
	decision_log_destroy(log);
	assert_int_equal(rep.status, ASYNC_DONE);
	assert_int_equal(seen_a.nr_bad, 0);
	assert_true(rep.nr_lost > 0);
	assert_int_equal(rep.nr_consumed + rep.nr_lost, 100000);
	assert_int_equal(seen_a.lost, rep.nr_lost);
}

/* A plugin stuck in consume(): reported by name, abandoned; the producer
 * and the other plugin never noticed. */
static void wait_stuck_inside(void)
{
	pthread_mutex_lock(&stuck_lock);
	while (!stuck_inside)
		pthread_cond_wait(&stuck_cond, &stuck_lock);
	pthread_mutex_unlock(&stuck_lock);
}

static void release_stuck(void)
{
	pthread_mutex_lock(&stuck_lock);
	stuck_release = true;
	pthread_cond_broadcast(&stuck_cond);
	while (!stuck_returned)
		pthread_cond_wait(&stuck_cond, &stuck_lock);
	pthread_mutex_unlock(&stuck_lock);
}

static void test_stuck_plugin_abandoned(void **state)
{
	struct decision_log *log = make_log(1024);
	struct async_runner *r[2];
	struct async_report rep[2];
	char line[256];

	(void)state;
	stuck_release = stuck_inside = stuck_returned = false;
	r[0] = start(&plugin_stuck, log, ASYNC_PERIODIC, 1, 0);
	r[1] = start(&plugin_a, log, ASYNC_PERIODIC, 1, 0);
	append(log, 0, 10);
	pthread_mutex_lock(&stuck_lock);
	while (!stuck_inside)
		pthread_cond_wait(&stuck_cond, &stuck_lock);
	pthread_mutex_unlock(&stuck_lock);
	append(log, 10, 5000); /* the producer does not wait for anyone */
	assert_int_equal(decision_log_head(log), 5000);
	decision_log_seal(log);

	async_runners_stop(r, 2, 200, rep);
	assert_int_equal(rep[0].status, ASYNC_STUCK);
	assert_string_equal(rep[0].name, "stucky");
	async_report_format(&rep[0], line, sizeof(line));
	assert_non_null(strstr(line, "stucky: STUCK"));
	assert_int_equal(rep[1].status, ASYNC_DONE);
	assert_int_equal(rep[1].nr_consumed + rep[1].nr_lost, 5000);
	assert_int_equal(seen_a.nr_bad, 0);

	/* Abandoned: the log can go, then the plugin wakes up; its thread
	 * must not touch the log again, and frees its runner. */
	decision_log_destroy(log);
	release_stuck();
	usleep(50000); /* let it finish (and free) before the next test */
}

/* Poll r's live report until it has caught up (nothing pending). */
static void wait_caught_up(struct async_runner *r, struct async_report *rep)
{
	unsigned int i;

	for (i = 0; i < 20000; i++) {
		async_runner_progress(r, rep);
		if (!rep->nr_pending)
			return;
		usleep(1000);
	}
	fail_msg("%s: %llu records still pending after 20 s", rep->name,
		 (unsigned long long)rep->nr_pending);
}

/*
 * The stuck plugin takes its first batch, STUCK_BATCH of the STUCK_FIRST
 * records there before it starts, and blocks in consume() while the log
 * (STUCK_CAP records) takes STUCK_APPENDED in all: it missed records
 * [STUCK_BATCH, STUCK_APPENDED - STUCK_CAP) without reading again.
 */
#define STUCK_CAP 1024
#define STUCK_BATCH 10
#define STUCK_FIRST 25
#define STUCK_APPENDED 2000000
#define STUCK_LOST (STUCK_APPENDED - STUCK_CAP - STUCK_BATCH)

static struct async_runner *start_stuck_and_lap(struct decision_log *log)
{
	struct async_runner *r;

	stuck_release = stuck_inside = stuck_returned = false;
	append(log, 0, STUCK_FIRST); /* before it starts: its first batch is known */
	r = start(&plugin_stuck, log, ASYNC_PERIODIC, 1, STUCK_BATCH);
	wait_stuck_inside();
	append(log, STUCK_FIRST, STUCK_APPENDED);
	return r;
}

/* What the report of the stuck plugin says: every record accounted for. */
static void assert_stuck_report(const struct async_report *rep, enum async_status status)
{
	assert_int_equal(rep->status, status);
	assert_int_equal(rep->nr_consumed, 0);
	assert_int_equal(rep->nr_calls, 0);
	assert_int_equal(rep->nr_lost, STUCK_LOST);
	assert_int_equal(rep->nr_pending, STUCK_CAP + STUCK_BATCH);
	assert_int_equal(rep->nr_in_call, STUCK_BATCH);
	assert_int_equal(rep->nr_lost, STUCK_APPENDED - rep->nr_consumed - rep->nr_pending);
}

/* Stuck in consume() while the producer laps it ~2000 times: lost is
 * the truth at once, live and in the exit report of an abandoned one. */
static void test_stuck_plugin_lost_counted_live(void **state)
{
	struct decision_log *log = make_log(STUCK_CAP);
	struct async_runner *r = start_stuck_and_lap(log);
	struct async_report rep;
	char line[384];

	(void)state;
	async_runner_progress(r, &rep);
	assert_stuck_report(&rep, ASYNC_RUNNING);
	async_report_format(&rep, line, sizeof(line));
	assert_string_equal(line, "stucky: 0 records consumed in 0 calls, 1998966 lost, "
			    "1024 unread, 10 in its unfinished consume() call");
	/* The oldest record still there stays pending, sealed or not. */
	decision_log_seal(log);
	async_runner_progress(r, &rep);
	assert_stuck_report(&rep, ASYNC_RUNNING);

	async_runners_stop(&r, 1, 100, &rep);
	assert_stuck_report(&rep, ASYNC_STUCK);
	async_report_format(&rep, line, sizeof(line));
	assert_string_equal(line, "stucky: STUCK (did not stop in time; left running): 0 records "
			    "consumed, 1998966 lost, 1024 left unread, 10 in its unfinished "
			    "consume() call");
	decision_log_destroy(log);
	release_stuck();
	usleep(50000); /* let it finish (and free) before the next test */
}

/*
 * Released, it reads again from its cursor and counts the lap itself:
 * the records the report already called lost are not counted again. The
 * log is not sealed, so the oldest record it finds might be mid-overwrite
 * and is dropped too (decision_log_read()): one more lost, no more.
 */
static void test_stuck_plugin_resumes_without_double_count(void **state)
{
	struct decision_log *log = make_log(STUCK_CAP);
	struct async_runner *r = start_stuck_and_lap(log);
	struct async_report rep;

	(void)state;
	async_runner_progress(r, &rep);
	assert_stuck_report(&rep, ASYNC_RUNNING);

	release_stuck();
	wait_caught_up(r, &rep);
	assert_int_equal(rep.nr_lost, STUCK_LOST + 1);
	assert_int_equal(rep.nr_consumed, STUCK_BATCH + STUCK_CAP - 1);
	assert_int_equal(rep.nr_in_call, 0);
	assert_int_equal(rep.nr_consumed + rep.nr_lost, STUCK_APPENDED);

	/* Caught up, it keeps up with a few more; then the host's stop. */
	append(log, STUCK_APPENDED, STUCK_APPENDED + 500);
	decision_log_seal(log);
	async_runners_stop(&r, 1, 10000, &rep);
	decision_log_destroy(log);
	assert_int_equal(rep.status, ASYNC_DONE);
	assert_int_equal(rep.nr_lost, STUCK_LOST + 1);
	assert_int_equal(rep.nr_pending, 0);
	assert_int_equal(rep.nr_consumed + rep.nr_lost, STUCK_APPENDED + 500);
	/* The plugin was told the same, in order. */
	assert_int_equal(seen_b.nr_bad, 0);
	assert_int_equal(seen_b.lost, rep.nr_lost);
	assert_int_equal(seen_b.nr_records, rep.nr_consumed);
	assert_int_equal(seen_b.nr_calls, rep.nr_calls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_periodic_in_order_and_batches, reset),
		cmocka_unit_test_setup(test_debug_mode_everything_at_stop, reset),
		cmocka_unit_test_setup(test_events_never_reach_plugins, reset),
		cmocka_unit_test_setup(test_shadow_decisions_never_reach_plugins, reset),
		cmocka_unit_test_setup(test_init_failure, reset),
		cmocka_unit_test_setup(test_wait_init, reset),
		cmocka_unit_test_setup(test_no_consume_refused, reset),
		cmocka_unit_test_setup(test_slow_plugin_loses_exactly, reset),
		cmocka_unit_test_setup(test_stuck_plugin_abandoned, reset),
		cmocka_unit_test_setup(test_stuck_plugin_lost_counted_live, reset),
		cmocka_unit_test_setup(test_stuck_plugin_resumes_without_double_count, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

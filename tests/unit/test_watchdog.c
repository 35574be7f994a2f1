// SPDX-License-Identifier: GPL-2.0
/*
 * The policy watchdog, in the host as scx_plugland builds it (host.h):
 * it parks while the scheduling loop sleeps (no polling ten times a
 * second on an idle machine), and a callback that gets stuck right after
 * such a sleep is still caught within the timeout plus 100 ms, the host
 * going on with the built-in FIFO; the time stuck it reports is the
 * true one. Also run at the 500, 1000 and 3000 ms timeouts whose figures
 * docs/policies.md gives (printed as "watchdog: ...").
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "clock.h"
#include "config.h"
#include "host.h"
#include "watchdog.h"

#define TIMEOUT_MS 300
#define IDLE_MS 600	/* the loop sleeps this long before the task comes */

/* A backend that is idle (real sleeps) until task_at_ns, then queues one
 * task, then stays idle. */
struct idle_backend {
	struct backend be;
	uint64_t task_at_ns;
	bool given;
	uint64_t nr_dispatched;
};

static struct idle_backend ib;
static volatile sig_atomic_t stop, no_reload;
static uint64_t hang_start_ns, recovered_ns;
static struct config cfg;
static struct host host;

static int ib_consume(struct backend *be, backend_task_fn fn, void *ctx)
{
	struct plugland_task t = { .pid = 42, .tgid = 42, .weight = PLUGLAND_WEIGHT_DEFAULT,
				   .cookie = 1, .flags = PLUGLAND_TASK_WAKEUP };

	(void)be;
	if (ib.given || pl_now_ns() < ib.task_at_ns)
		return 0;
	ib.given = true;
	hang_start_ns = pl_now_ns();
	fn(ctx, PL_REC_TASK, &t);
	return 1;
}

static unsigned int ib_dispatch(struct backend *be, const struct plugland_dispatch *d,
				unsigned int n)
{
	(void)be, (void)d;
	if (n && !ib.nr_dispatched) { /* the task the stuck policy held went out */
		recovered_ns = pl_now_ns();
		stop = 1;
	}
	ib.nr_dispatched += n;
	return n;
}

static void ib_kick(struct backend *be)
{
	(void)be;
}

static void ib_publish(struct backend *be, uint64_t nr_held, uint64_t now_ns)
{
	(void)be, (void)nr_held, (void)now_ns;
}

static int ib_wait(struct backend *be, int timeout_ms)
{
	struct timespec ts = { 0, 20 * 1000000L };

	(void)be;
	if (timeout_ms < 20)
		ts.tv_nsec = (long)timeout_ms * 1000000L;
	nanosleep(&ts, NULL);
	return 0;
}

static bool ib_exited(struct backend *be)
{
	(void)be;
	return false;
}

static const struct backend_ops ib_ops = {
	.name = "idle",
	.consume = ib_consume,
	.dispatch = ib_dispatch,
	.kick = ib_kick,
	.publish = ib_publish,
	.wait = ib_wait,
	.exited = ib_exited,
};

/* A policy whose enqueue never returns. */
static int hang_init(const struct plugland_host *h, void **ctx)
{
	(void)h, (void)ctx;
	return 0;
}

static int hang_enqueue(void *ctx, const struct plugland_task *t)
{
	/* Stuck, as on a lock that never comes free. (Sleeping, not
	 * spinning: ThreadSanitizer delivers signals only at calls.) */
	struct timespec ms = { 0, 1000000L };
	volatile int forever = 1;

	(void)ctx, (void)t;
	while (forever)
		nanosleep(&ms, NULL);
	return 0;
}

static unsigned int hang_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	(void)ctx, (void)out, (void)max;
	return 0;
}

static void hang_exit(void *ctx)
{
	(void)ctx;
}

static const struct plugland_policy hang = {
	.sz = sizeof(struct plugland_policy),
	.abi_version = PLUGLAND_ABI_VERSION,
	.name = "hang",
	.init = hang_init,
	.enqueue = hang_enqueue,
	.dispatch = hang_dispatch,
	.exit = hang_exit,
};

/* A hang under timeout_ms: from its start to the fifo running its task. */
static uint64_t hang_and_recover(uint32_t timeout_ms, uint64_t *parked)
{
	struct host_opts ho = { .cfg = &cfg, .machine = &ib.be, .policy = &hang, .stop = &stop,
				.reload = &no_reload };
	int64_t told;

	stop = 0;
	config_defaults(&cfg);
	cfg.log_capacity = 0;
	cfg.watchdog_ms = timeout_ms; /* action: the built-in fifo */
	ib = (struct idle_backend){ .be = { .ops = &ib_ops, .nr_cpus = 2 } };
	ib.task_at_ns = pl_now_ns() + IDLE_MS * 1000000ull;
	assert_int_equal(host_open(&host, &ho), 0);
	assert_int_equal(host_begin(&host), 0);
	assert_non_null(host.wd);

	assert_int_equal(sched_loop_run(&host.loop, &stop), 0);
	*parked = watchdog_nr_parked(host.wd);

	/* The stuck enqueue was caught, named, and the time it says it was
	 * stuck is the true one (the loop's phase began just before the
	 * backend handed the task over). */
	assert_int_equal(host.nr_abandoned, 1);
	assert_string_equal(host.abandoned_in, "enqueue");
	told = (int64_t)host.abandoned_after_ms - (int64_t)((recovered_ns - hang_start_ns) / 1000000ull);
	assert_true(told >= -2 && told <= 2);
	/* The task the stuck policy held went on with the fifo. */
	assert_string_equal(host.loop.policy->name, "fifo");
	assert_string_equal(host_active_slot(&host)->lp.path, "built-in");
	assert_int_equal(ib.nr_dispatched, 1);
	host_end(&host);
	host_close(&host);
	return recovered_ns - hang_start_ns;
}

static void test_parks_and_still_catches_a_stuck_callback(void **state)
{
	uint64_t parked, took = hang_and_recover(TIMEOUT_MS, &parked);

	(void)state;
	/* It slept through the idle part instead of polling. */
	assert_true(parked >= 1);
	/* Caught in time: never before the timeout. */
	assert_true(took >= TIMEOUT_MS * 1000000ull);
	assert_true(took < (TIMEOUT_MS + 100) * 1000000ull);
}

/* The figures the docs promise: printed, not asserted beyond the floor. */
static void test_timeouts_the_docs_give(void **state)
{
	static const uint32_t timeouts[] = { 500, 1000, 3000 };
	uint64_t parked, took;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		took = hang_and_recover(timeouts[i], &parked);
		assert_true(took >= timeouts[i] * 1000000ull);
		printf("watchdog: timeout %u ms: the fifo ran the stuck policy's task %.1f ms "
		       "after the hang began (%.1f ms over)\n", timeouts[i], (double)took / 1e6,
		       (double)took / 1e6 - timeouts[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parks_and_still_catches_a_stuck_callback),
		cmocka_unit_test(test_timeouts_the_docs_give),
	};

	alarm(60); /* a watchdog that never fires must not hang the suite */
	return cmocka_run_group_tests(tests, NULL, NULL);
}

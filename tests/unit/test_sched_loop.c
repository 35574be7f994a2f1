// SPDX-License-Identifier: GPL-2.0
/* The scheduling loop with the built-in FIFO on the synthetic backend. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "config.h"
#include "host.h"
#include "sched_loop.h"
#include "services.h"
#include "synth_backend.h"

extern const struct plugland_policy plugland_builtin_fifo;

static volatile sig_atomic_t no_stop;

/*
 * The host, built as scx_plugland builds it (host.h), with the policy
 * under test handed over, on a synthetic machine; the tests drive its
 * loop. The starvation guard is off but where a test turns it on
 * (max_wait_ns): the others hold tasks on purpose.
 */
struct fixture {
	struct backend *be;
	struct host host;
	struct config cfg;
};

static volatile sig_atomic_t no_reload;

static void setup_on(struct fixture *f, struct backend *be, const struct plugland_policy *policy)
{
	struct host_opts ho = { .cfg = &f->cfg, .machine = be, .policy = policy,
				.stop = &no_stop, .reload = &no_reload };

	config_defaults(&f->cfg);
	f->cfg.log_capacity = 0;
	f->cfg.max_wait_ms = 0;
	f->be = be;
	assert_int_equal(host_open(&f->host, &ho), 0);
	assert_int_equal(host_begin(&f->host), 0);
}

static void setup_with(struct fixture *f, const struct synth_opts *o,
		       const struct plugland_policy *policy)
{
	struct backend *be = synth_backend_new(o);

	assert_non_null(be);
	setup_on(f, be, policy);
}

static void teardown(struct fixture *f)
{
	host_end(&f->host);
	host_close(&f->host);
	synth_backend_free(f->be);
}

/* Every decision reaches the backend once, with the right cookie. */
static void assert_consistent(struct fixture *f)
{
	const struct synth_stats *st = synth_backend_stats(f->be);

	assert_int_equal(st->nr_stale, 0);
	assert_int_equal(st->nr_double, 0);
	assert_int_equal(st->nr_unknown, 0);
	/* taken = dispatched + in flight: nothing lost, nothing invented */
	assert_int_equal(f->host.loop.st.nr_enqueued + f->host.loop.st.nr_refused + f->host.loop.st.nr_starved,
			 f->host.loop.st.nr_dispatched + sched_loop_in_flight(&f->host.loop) +
			 f->host.loop.st.nr_dropped);
	assert_int_equal(st->nr_dispatched, f->host.loop.st.nr_dispatched);
}

static void test_fifo_round_robin(void **state)
{
	struct synth_opts o = { .nr_cpus = 4, .nr_tasks = 10, .max_decisions = 100000 };
	struct fixture f;
	uint32_t i;

	(void)state;
	setup_with(&f, &o, &plugland_builtin_fifo);
	assert_int_equal(sched_loop_run(&f.host.loop, &no_stop), 0);
	assert_consistent(&f);
	assert_true(synth_backend_stats(f.be)->nr_dispatched >= 100000);
	/* FIFO with equal CPU-bound tasks: each runs in turn, so counts
	 * differ by at most one. */
	for (i = 0; i < o.nr_tasks; i++) {
		uint64_t n = synth_backend_task(f.be, i)->nr_dispatched;

		assert_true(n >= 100000 / o.nr_tasks - 1 && n <= 100000 / o.nr_tasks + 1);
	}
	teardown(&f);
}

static const struct plugland_policy *wrapped;
static unsigned int refuse_every;
static unsigned int calls;
static int32_t forced_cpu;
static bool hold; /* dispatch nothing */
static int32_t hoard_pid; /* taken and forgotten, never dispatched */
static unsigned int dispatch_max; /* at most this many a call (0: no limit) */

static int wrap_init(const struct plugland_host *h, void **ctx) { return wrapped->init(h, ctx); }
static void wrap_exit(void *ctx) { wrapped->exit(ctx); }
static int wrap_enqueue(void *ctx, const struct plugland_task *t)
{
	if (refuse_every && ++calls % refuse_every == 0)
		return -ENOSPC;
	if (t->pid == hoard_pid)
		return 0;
	return wrapped->enqueue(ctx, t);
}
static unsigned int wrap_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	unsigned int n, i;

	if (dispatch_max && max > dispatch_max)
		max = dispatch_max;
	n = hold ? 0 : wrapped->dispatch(ctx, out, max);

	for (i = 0; i < n; i++)
		if (forced_cpu)
			out[i].cpu = forced_cpu;
	return n;
}

static const struct plugland_policy wrapper = {
	.sz = sizeof(struct plugland_policy),
	.abi_version = PLUGLAND_ABI_VERSION,
	.name = "wrapper",
	.init = wrap_init,
	.enqueue = wrap_enqueue,
	.dispatch = wrap_dispatch,
	.exit = wrap_exit,
};

/* A task re-enqueued while the policy holds it: the old decision is stale,
 * the task is dispatched again from its new enqueue, never lost. */
static void test_stale_decision_dropped(void **state)
{
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 4, .max_decisions = 400 };
	const struct synth_stats *st;
	struct fixture f;

	(void)state;
	wrapped = &plugland_builtin_fifo;
	hold = true;
	setup_with(&f, &o, &wrapper);
	assert_int_equal(sched_loop_round(&f.host.loop), 4); /* all held by the policy */
	assert_int_equal(f.host.loop.nr_held, 4);
	synth_backend_requeue(f.be, 1); /* dequeue + enqueue in the kernel */
	hold = false;
	assert_int_equal(sched_loop_run(&f.host.loop, &no_stop), 0);
	st = synth_backend_stats(f.be);
	assert_int_equal(st->nr_stale, 1);
	assert_int_equal(st->nr_double, 0);
	assert_true(synth_backend_task(f.be, 1)->nr_dispatched >= 90);
	teardown(&f);
}

static void test_refused_tasks_dispatched_by_host(void **state)
{
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 7, .max_decisions = 7000 };
	struct fixture f;
	uint32_t i;

	(void)state;
	wrapped = &plugland_builtin_fifo;
	refuse_every = 3;
	calls = 0;
	forced_cpu = 0;
	setup_with(&f, &o, &wrapper);
	assert_int_equal(sched_loop_run(&f.host.loop, &no_stop), 0);
	assert_consistent(&f);
	assert_true(f.host.loop.st.nr_refused >= 7000 / 3 - 2);
	for (i = 0; i < o.nr_tasks; i++)
		assert_true(synth_backend_task(f.be, i)->nr_dispatched > 0);
	refuse_every = 0;
	teardown(&f);
}

/* CPUs past the last one (the first of them too) and below "any": each
 * decision is fixed up to any CPU, none reaches the backend as is. */
static void test_invalid_cpu_fixed_up(void **state)
{
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 3, .max_decisions = 300 };
	const int32_t bad[] = { 999, 2, -2 };
	struct fixture f;
	size_t i;

	(void)state;
	wrapped = &plugland_builtin_fifo;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		forced_cpu = bad[i];
		setup_with(&f, &o, &wrapper);
		assert_int_equal(sched_loop_run(&f.host.loop, &no_stop), 0);
		assert_consistent(&f);
		assert_true(f.host.loop.st.nr_invalid >= 300);
		teardown(&f);
	}
	forced_cpu = 0;
}

/*
 * The starvation guard: a task the policy took and forgot (as a buggy
 * policy would) is dispatched by the host once it waited max_wait, at the
 * next tick, every time it comes back. The others, released one a round,
 * are held too at each tick, for less than max_wait: not touched.
 */
static void test_starved_task_dispatched_by_host(void **state)
{
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 6, .max_decisions = 20000 };
	const uint64_t max_wait_ns = 50 * 1000000ull, tick_ns = 100 * 1000000ull;
	const struct synth_task_stats *hoarded;
	struct fixture f;

	(void)state;
	wrapped = &plugland_builtin_fifo;
	hoard_pid = SYNTH_PID_BASE + 3;
	dispatch_max = 1;
	setup_with(&f, &o, &wrapper);
	f.host.loop.max_wait_ns = max_wait_ns;
	assert_int_equal(sched_loop_run(&f.host.loop, &no_stop), 0);
	assert_consistent(&f);
	hoarded = synth_backend_task(f.be, 3);
	/* 20000 slices of 5 ms on 2 CPUs: 50 s, a rescue every 150 ms at most */
	assert_true(hoarded->nr_dispatched >= 50000 / 150);
	assert_true(hoarded->wait_max_ns <= max_wait_ns + tick_ns);
	/* only the hoarded task starved */
	assert_int_equal(f.host.loop.st.nr_starved, hoarded->nr_dispatched);
	hoard_pid = 0;
	dispatch_max = 0;
	teardown(&f);
}

/* The backend takes 3 decisions per call, as a nearly full ring buffer
 * would: the rest wait in the loop, none is lost or sent twice. */
static void test_backend_full_backlog(void **state)
{
	struct synth_opts o = { .nr_cpus = 4, .nr_tasks = 50, .max_decisions = 20000,
				.max_per_call = 3 };
	struct fixture f;

	(void)state;
	setup_with(&f, &o, &plugland_builtin_fifo);
	assert_int_equal(sched_loop_run(&f.host.loop, &no_stop), 0);
	assert_consistent(&f);
	assert_true(f.host.loop.st.nr_backlog > 0);
	teardown(&f);
}

/* A second policy for switching: last in, first out. */
static struct plugland_dispatch lifo[4096];
static unsigned int lifo_n;
static int lifo_init(const struct plugland_host *h, void **ctx)
{
	(void)h, (void)ctx;
	lifo_n = 0;
	return 0;
}
static void lifo_exit(void *ctx) { (void)ctx; }
static int lifo_enqueue(void *ctx, const struct plugland_task *t)
{
	(void)ctx;
	if (lifo_n == 4096)
		return -ENOSPC;
	lifo[lifo_n++] = plugland_dispatch_of(t);
	return 0;
}
static unsigned int lifo_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	unsigned int n = 0;

	(void)ctx;
	while (n < max && lifo_n)
		out[n++] = lifo[--lifo_n];
	return n;
}
static const struct plugland_policy lifo_policy = {
	.sz = sizeof(struct plugland_policy), .abi_version = PLUGLAND_ABI_VERSION,
	.name = "lifo", .init = lifo_init, .enqueue = lifo_enqueue,
	.dispatch = lifo_dispatch, .exit = lifo_exit,
};

/* Switch while the old policy holds every task: each moves to the new
 * policy once, none is lost or dispatched twice. */
static void test_switch_moves_held_tasks(void **state)
{
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 100, .max_decisions = 10000 };
	struct fixture f;
	uint32_t i;

	(void)state;
	wrapped = &plugland_builtin_fifo;
	hold = true;
	setup_with(&f, &o, &wrapper);
	assert_int_equal(sched_loop_round(&f.host.loop), 100);
	assert_int_equal(f.host.loop.nr_held, 100);
	synth_backend_requeue(f.be, 7); /* a stale duplicate in the old policy */
	assert_int_equal(sched_loop_round(&f.host.loop), 1);
	assert_int_equal(f.host.loop.nr_held, 101);
	assert_int_equal(f.host.loop.held.count, 100);

	lifo_init(NULL, NULL);
	sched_loop_switch_policy(&f.host.loop, &lifo_policy, NULL);
	assert_int_equal(f.host.loop.nr_held, 100); /* the duplicate is gone */
	assert_int_equal(f.host.loop.st.nr_dropped, 1);
	assert_int_equal(f.host.loop.st.nr_switches, 1);
	hold = false;
	assert_int_equal(sched_loop_run(&f.host.loop, &no_stop), 0);
	assert_int_equal(synth_backend_stats(f.be)->nr_stale, 0);
	assert_int_equal(synth_backend_stats(f.be)->nr_double, 0);
	for (i = 0; i < o.nr_tasks; i++)
		assert_true(synth_backend_task(f.be, i)->nr_dispatched > 0);
	teardown(&f); /* ends the fifo the wrapper wraps: the host's slot */
}

/* A backend that queues task 7, then reports that 7 and 8 exited. */
static int gone_step;

static int gone_consume(struct backend *be, backend_task_fn fn, void *ctx)
{
	struct plugland_task t = { .pid = 7, .tgid = 7, .cookie = 1, .weight = 100 };
	struct plugland_task g7 = { .pid = 7, .tgid = 7 };
	struct plugland_task g8 = { .pid = 8, .tgid = 8 };

	(void)be;
	if (gone_step++)
		return 0;
	fn(ctx, PL_REC_TASK, &t);
	fn(ctx, PL_REC_GONE, &g7);
	fn(ctx, PL_REC_GONE, &g8);
	return 3;
}

static unsigned int gone_dispatch(struct backend *be, const struct plugland_dispatch *d,
				  unsigned int n)
{
	(void)be, (void)d;
	return n;
}

static void gone_publish(struct backend *be, uint64_t nr_held, uint64_t now_ns)
{
	(void)be, (void)nr_held, (void)now_ns;
}

static int32_t forgotten[4];
static unsigned int nr_forgotten;

static void note_gone(void *ctx, int32_t pid)
{
	(void)ctx;
	if (nr_forgotten < 4)
		forgotten[nr_forgotten++] = pid;
}

/* Exit records reach the policy's task_gone(), not its enqueue(). */
static void test_exits_reach_task_gone(void **state)
{
	static const struct backend_ops ops = {
		.name = "gone", .consume = gone_consume, .dispatch = gone_dispatch,
		.publish = gone_publish,
	};
	struct backend be = { .ops = &ops, .nr_cpus = 1 };
	struct plugland_policy policy = plugland_builtin_fifo;
	struct fixture f;

	(void)state;
	policy.task_gone = note_gone;
	setup_on(&f, &be, &policy);
	assert_int_equal(sched_loop_round(&f.host.loop), 3);
	assert_int_equal(f.host.loop.st.nr_enqueued, 1);	/* only the task */
	assert_int_equal(f.host.loop.st.nr_dispatched, 1);
	assert_int_equal(f.host.loop.st.nr_gone, 2);
	assert_int_equal(nr_forgotten, 2);
	assert_int_equal(forgotten[0], 7);
	assert_int_equal(forgotten[1], 8);
	host_end(&f.host);
	host_close(&f.host);
}

/*
 * After a round that did work the loop parks when the backend parks (and
 * then does not kick), and kicks when it does not; an idle round waits.
 */
static unsigned int park_rounds, nr_parks, nr_kicks, nr_waits;
static bool park_grants;
static volatile sig_atomic_t park_stop;

static int park_consume(struct backend *be, backend_task_fn fn, void *ctx)
{
	struct plugland_task t = { .pid = 42, .cpu = 0, .weight = 100,
				   .nr_cpus_allowed = 1, .comm = "parked" };

	(void)be;
	if (park_rounds >= 3)
		return 0;
	t.cookie = ++park_rounds;
	fn(ctx, PL_REC_TASK, &t);
	return 1;
}

static bool park_park(struct backend *be)
{
	(void)be;
	nr_parks++;
	return park_grants;
}

static void park_kick(struct backend *be)
{
	(void)be;
	nr_kicks++;
}

static int park_wait(struct backend *be, int timeout_ms)
{
	(void)be, (void)timeout_ms;
	nr_waits++;
	park_stop = 1;
	return 0;
}

static bool park_exited(struct backend *be)
{
	(void)be;
	return false;
}

static void run_parking(bool grants)
{
	static const struct backend_ops ops = {
		.name = "park", .consume = park_consume, .dispatch = gone_dispatch,
		.publish = gone_publish, .park = park_park, .kick = park_kick,
		.wait = park_wait, .exited = park_exited,
	};
	struct backend be = { .ops = &ops, .nr_cpus = 1 };
	struct plugland_policy policy = plugland_builtin_fifo;
	struct fixture f;

	park_rounds = nr_parks = nr_kicks = nr_waits = 0;
	park_grants = grants;
	park_stop = 0;
	setup_on(&f, &be, &policy);
	assert_int_equal(sched_loop_run(&f.host.loop, &park_stop), 0);
	assert_int_equal(f.host.loop.st.nr_dispatched, 3);
	assert_int_equal(nr_parks, 3);		/* once per round that did work */
	assert_int_equal(nr_kicks, grants ? 0 : 3);
	assert_int_equal(nr_waits, 1);		/* the idle round sleeps */
	host_end(&f.host);
	host_close(&f.host);
}

static void test_busy_rounds_park(void **state)
{
	(void)state;
	run_parking(true);
	run_parking(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_round_robin),
		cmocka_unit_test(test_stale_decision_dropped),
		cmocka_unit_test(test_refused_tasks_dispatched_by_host),
		cmocka_unit_test(test_invalid_cpu_fixed_up),
		cmocka_unit_test(test_starved_task_dispatched_by_host),
		cmocka_unit_test(test_backend_full_backlog),
		cmocka_unit_test(test_switch_moves_held_tasks),
		cmocka_unit_test(test_exits_reach_task_gone),
		cmocka_unit_test(test_busy_rounds_park),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Plugin ABI 2.0: a policy's state lives in the context its init()
 * returns, so two instances of one .so, with different settings, run side
 * by side in one process without touching each other. Each shipped
 * policy runs twice, in two hosts (host.h) on two synthetic machines,
 * round for round in turn;
 * each instance must schedule exactly as it does alone. A policy that
 * kept its state in statics would mix the two (the instance started last
 * overwrites the settings, the queues are shared) and differ.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "policy_harness.h"

#define NR_TASKS 12
#define DECISIONS 20000

/* Half the tasks sleep often, half are CPU-bound: every policy has
 * something to order, and holds tasks between rounds. */
static const struct synth_behaviour mix[NR_TASKS] = {
	{ 200000, 1000000 }, { 0, 0 }, { 300000, 700000 }, { 0, 0 },
	{ 100000, 2000000 }, { 0, 0 }, { 500000, 500000 }, { 0, 0 },
	{ 150000, 900000 },  { 0, 0 }, { 250000, 1500000 }, { 0, 0 },
};
static const uint64_t weights[NR_TASKS] = { 100, 100, 300, 100, 50, 200,
					    100, 1000, 100, 100, 20, 100 };

static const struct synth_opts machine = {
	.nr_cpus = 3, .nr_tasks = NR_TASKS, .max_decisions = DECISIONS,
	.weights = weights, .behaviours = mix,
};

/* What an instance did: each task's runs, CPU time and waiting. */
struct outcome {
	uint64_t runs[NR_TASKS], runtime[NR_TASKS], wait[NR_TASKS];
};

static void start(struct harness *h, const char *policy, const char *const *sets)
{
	harness_load(h, policy);
	for (; *sets; sets++)
		harness_set(h, *sets);
	harness_start(h, &machine);
}

/* One round; false once the machine has made its decisions. */
static bool step(struct harness *h)
{
	int n;

	if (h->be->ops->exited(h->be))
		return false;
	n = sched_loop_round(&h->host.loop);
	assert_true(n >= 0);
	if (!n)
		h->be->ops->wait(h->be, 0);
	return true;
}

static void finish(struct harness *h, struct outcome *out)
{
	const struct synth_stats *st = synth_backend_stats(h->be);
	uint32_t i;

	assert_int_equal(st->nr_stale + st->nr_double + st->nr_unknown, 0);
	for (i = 0; i < NR_TASKS; i++) {
		out->runs[i] = synth_backend_task(h->be, i)->nr_dispatched;
		out->runtime[i] = synth_backend_task(h->be, i)->runtime_ns;
		out->wait[i] = synth_backend_task(h->be, i)->wait_sum_ns;
	}
	harness_stop(h);
}

static void run_alone(const char *policy, const char *const *sets, struct outcome *out)
{
	static struct harness h;

	memset(out, 0, sizeof(*out));
	start(&h, policy, sets);
	while (step(&h))
		;
	finish(&h, out);
}

static void check_policy(const char *policy, const char *const *sets_a,
			 const char *const *sets_b)
{
	static struct harness a, b;
	struct outcome alone_a, alone_b, side_a, side_b;
	bool more_a = true, more_b = true;

	run_alone(policy, sets_a, &alone_a);
	run_alone(policy, sets_b, &alone_b);
	/* the settings make a difference, or the comparison shows nothing */
	assert_memory_not_equal(&alone_a, &alone_b, sizeof(alone_a));

	memset(&side_a, 0, sizeof(side_a));
	memset(&side_b, 0, sizeof(side_b));
	start(&a, policy, sets_a);
	start(&b, policy, sets_b);
	/* one .so, two instances */
	assert_ptr_equal(host_active_slot(&a.host)->lp.handle, host_active_slot(&b.host)->lp.handle);
	assert_ptr_not_equal(host_active_slot(&a.host)->ctx, host_active_slot(&b.host)->ctx);
	while (more_a || more_b) {
		if (more_a)
			more_a = step(&a);
		if (more_b)
			more_b = step(&b);
	}
	finish(&a, &side_a);
	finish(&b, &side_b);
	if (memcmp(&side_a, &alone_a, sizeof(side_a)) || memcmp(&side_b, &alone_b, sizeof(side_b)))
		fail_msg("%s: two instances side by side did not schedule as each did alone "
			 "(task 0 ran %llu/%llu times beside the other, %llu/%llu alone)",
			 policy, (unsigned long long)side_a.runs[0],
			 (unsigned long long)side_b.runs[0], (unsigned long long)alone_a.runs[0],
			 (unsigned long long)alone_b.runs[0]);
}

static void test_fifo_twice(void **state)
{
	static const char *const a[] = { "fifo.capacity=4", NULL };
	static const char *const b[] = { "fifo.capacity=4096", NULL };

	(void)state;
	check_policy("fifo", a, b);
}

static void test_deadline_twice(void **state)
{
	static const char *const a[] = { "deadline.slice_us=2000", "deadline.hold=true", NULL };
	static const char *const b[] = { "deadline.slice_us=8000", NULL };

	(void)state;
	check_policy("deadline", a, b);
}

static void test_lottery_twice(void **state)
{
	static const char *const a[] = { "lottery.seed=1", "lottery.slice_us=1000", NULL };
	static const char *const b[] = { "lottery.seed=2", "lottery.slice_us=3000", NULL };

	(void)state;
	check_policy("lottery", a, b);
}

static void test_rules_twice(void **state)
{
	static const char *const a[] = { "rules.latency_slice_us=500", "rules.slice_us=2000", NULL };
	static const char *const b[] = { "rules.latency_slice_us=2000", "rules.slice_us=7000", NULL };

	(void)state;
	check_policy("rules", a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_twice),
		cmocka_unit_test(test_deadline_twice),
		cmocka_unit_test(test_lottery_twice),
		cmocka_unit_test(test_rules_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* The lottery policy (plugins/lottery) on the synthetic backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "policy_harness.h"

#define MS 1000000ull
#define NR 4

static const uint64_t tickets[NR] = { 100, 200, 300, 400 };

/* Run four CPU hogs holding 100..400 tickets on `cpus` CPUs; their
 * dispatch counts in counts[]. */
static void run_lottery(const char *seed, uint32_t cpus, uint64_t ms, uint64_t counts[NR],
			double shares[NR])
{
	struct synth_opts o = { .nr_cpus = cpus, .nr_tasks = NR, .max_ns = ms * MS,
				.weights = tickets };
	struct harness h;
	uint32_t i;

	harness_load(&h, "lottery");
	harness_set(&h, seed);
	harness_set(&h, "lottery.slice_us=5000");
	harness_start(&h, &o);
	harness_run(&h);
	for (i = 0; i < NR; i++) {
		counts[i] = synth_backend_task(h.be, i)->nr_dispatched;
		if (shares)
			shares[i] = harness_share(&h, i, NR);
	}
	harness_stop(&h);
}

/* One CPU, 20000 draws: each task's share is its tickets / 1000. */
static void test_shares_follow_tickets(void **state)
{
	uint64_t counts[NR];
	double shares[NR];
	uint32_t i;

	(void)state;
	run_lottery("lottery.seed=42", 1, 100000, counts, shares);
	for (i = 0; i < NR; i++) {
		double want = (double)tickets[i] / 1000;

		printf("  %3llu tickets: %.4f of the CPU time (want %.4f), %llu draws\n",
		       (unsigned long long)tickets[i], shares[i], want, (unsigned long long)counts[i]);
		if (shares[i] < want * 0.9 || shares[i] > want * 1.1)
			fail_msg("%llu tickets: share %.4f, want %.4f +- 10%%",
				 (unsigned long long)tickets[i], shares[i], want);
	}
}

#define DRAWS 5000

/* The draws themselves, in order: four tasks queued, one dispatched at a
 * time and queued again at once, DRAWS times; seq[k] is the k-th pid. */
static void draw_sequence(const char *seed, int32_t seq[DRAWS])
{
	struct plugland_dispatch d;
	struct plugland_task t;
	struct harness h;
	uint32_t i;

	harness_load(&h, "lottery");
	harness_set(&h, seed);
	harness_services(&h, "lottery", 1);
	assert_int_equal(h.ops.init(&h.svc.host, &h.ctx), 0);
	for (i = 0; i < NR; i++) {
		t = (struct plugland_task){ .pid = (int32_t)i + 1, .tgid = (int32_t)i + 1,
					    .weight = tickets[i], .cookie = 1 };
		assert_int_equal(h.ops.enqueue(h.ctx, &t), 0);
	}
	for (i = 0; i < DRAWS; i++) {
		assert_int_equal(h.ops.dispatch(h.ctx, &d, 1), 1);
		seq[i] = d.pid;
		t = (struct plugland_task){ .pid = d.pid, .tgid = d.pid,
					    .weight = tickets[d.pid - 1], .cookie = d.cookie + 1 };
		assert_int_equal(h.ops.enqueue(h.ctx, &t), 0);
	}
	h.ops.exit(h.ctx);
	harness_close(h.handle);
}

static void test_same_seed_same_schedule(void **state)
{
	static int32_t a[DRAWS], b[DRAWS], c[DRAWS];
	uint64_t ca[NR], cb[NR];

	(void)state;
	/* The whole schedule on the synthetic machine: the same counts... */
	run_lottery("lottery.seed=7", 2, 2000, ca, NULL);
	run_lottery("lottery.seed=7", 2, 2000, cb, NULL);
	assert_memory_equal(ca, cb, sizeof(ca));
	/* ... and the same draws, one by one; another seed, other draws. */
	draw_sequence("lottery.seed=7", a);
	draw_sequence("lottery.seed=7", b);
	draw_sequence("lottery.seed=8", c);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
}

static void test_bad_seed_refused(void **state)
{
	struct harness h;

	(void)state;
	harness_load(&h, "lottery");
	harness_set(&h, "lottery.seed=-1");
	harness_services(&h, "lottery", 1);
	assert_int_not_equal(h.ops.init(&h.svc.host, &h.ctx), 0);
	assert_non_null(strstr(harness_last_log, "seed: expected a number"));
	harness_close(h.handle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shares_follow_tickets),
		cmocka_unit_test(test_same_seed_same_schedule),
		cmocka_unit_test(test_bad_seed_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

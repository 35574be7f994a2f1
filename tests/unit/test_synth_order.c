// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic backend's queue for any-CPU decisions, as the kernel's:
 * FIFO, or by vtime for a PLUGLAND_POLICY_ORDERED policy. Four CPU-bound
 * tasks on one CPU, all released at once; the order they first run in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "synth_backend.h"

#define NR 4

struct delivered {
	struct plugland_task t[NR];
	unsigned int n;
};

static int collect(void *ctx, unsigned int kind, const struct plugland_task *t)
{
	struct delivered *d = ctx;

	(void)kind;
	if (d->n < NR)
		d->t[d->n++] = *t;
	return 0;
}

static int ignore(void *ctx, unsigned int kind, const struct plugland_task *t)
{
	(void)ctx;
	(void)kind;
	(void)t;
	return 0;
}

/* Release the four tasks with vtimes[i], in index order; fill order[]. */
static void first_run_order(bool ordered, const uint64_t vtimes[NR], uint32_t order[NR])
{
	struct synth_opts o = { .nr_cpus = 1, .nr_tasks = NR, .slice_ns = 1000000 };
	struct plugland_dispatch d[NR];
	struct delivered got = { .n = 0 };
	struct backend *be = synth_backend_new(&o);
	bool seen[NR] = { false };
	unsigned int i, n = 0, steps;

	assert_non_null(be);
	be->ops->set_ordered(be, ordered);
	assert_int_equal(be->ops->consume(be, collect, &got), NR);
	for (i = 0; i < NR; i++) {
		d[i] = plugland_dispatch_of(&got.t[i]);
		d[i].vtime = vtimes[got.t[i].pid - SYNTH_PID_BASE];
	}
	assert_int_equal(be->ops->dispatch(be, d, NR), NR);
	/* One task starts at once (the CPU is free); one more per slice. */
	for (steps = 0; n < NR && steps < 4 * NR; steps++) {
		for (i = 0; i < NR; i++) {
			if (!seen[i] && synth_backend_task(be, i)->nr_dispatched) {
				seen[i] = true;
				order[n++] = i;
			}
		}
		/* Take what comes back (and keep it) so that the clock moves. */
		be->ops->consume(be, ignore, NULL);
		be->ops->wait(be, 0);
	}
	assert_int_equal(n, NR);
	assert_int_equal(synth_backend_stats(be)->nr_stale, 0);
	synth_backend_free(be);
}

static void test_ordered_by_vtime(void **state)
{
	static const uint64_t vtimes[NR] = { 40, 10, 30, 20 };
	uint32_t order[NR];

	(void)state;
	first_run_order(true, vtimes, order);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 3);
	assert_int_equal(order[2], 2);
	assert_int_equal(order[3], 0);
}

static void test_equal_vtimes_fifo(void **state)
{
	static const uint64_t vtimes[NR] = { 7, 7, 7, 7 };
	uint32_t order[NR], i;

	(void)state;
	first_run_order(true, vtimes, order);
	for (i = 0; i < NR; i++)
		assert_int_equal(order[i], i);
}

static void test_unordered_fifo(void **state)
{
	static const uint64_t vtimes[NR] = { 40, 10, 30, 20 };
	uint32_t order[NR], i;

	(void)state;
	first_run_order(false, vtimes, order);
	for (i = 0; i < NR; i++)
		assert_int_equal(order[i], i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordered_by_vtime),
		cmocka_unit_test(test_equal_vtimes_fifo),
		cmocka_unit_test(test_unordered_fifo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

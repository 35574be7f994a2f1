// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic backend's tasks as a workload describes them (workload.h):
 * CPU sets honoured as the kernel honours them, bursts and sleeps drawn
 * as each burst starts, a first queueing after a start delay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "synth_backend.h"

#define MAX_GOT 64

struct delivered {
	struct plugland_task t[MAX_GOT];
	unsigned int n;
};

static int collect(void *ctx, unsigned int kind, const struct plugland_task *t)
{
	struct delivered *d = ctx;

	if (kind == PL_REC_TASK && d->n < MAX_GOT)
		d->t[d->n++] = *t;
	return 0;
}

static struct synth_cpumask cpus_of(uint64_t bits)
{
	struct synth_cpumask m = { { bits } };

	return m;
}

/* Task 0 may use CPU 1 only, task 1 CPUs 0 and 2, task 2 any of 3. */
static const struct synth_cpumask three_sets[3] = { { { 0x2 } }, { { 0x5 } }, { { 0x7 } } };

static void test_nr_cpus_allowed_and_first_cpu(void **state)
{
	struct synth_opts o = { .nr_cpus = 3, .nr_tasks = 3, .allowed = three_sets };
	struct delivered got = { .n = 0 };
	struct backend *be = synth_backend_new(&o);

	(void)state;
	assert_non_null(be);
	assert_int_equal(be->ops->consume(be, collect, &got), 3);
	assert_int_equal(got.t[0].nr_cpus_allowed, 1);
	assert_int_equal(got.t[0].cpu, 1);
	assert_int_equal(got.t[1].nr_cpus_allowed, 2);
	assert_int_equal(got.t[1].cpu, 2); /* its 1 % 3 is not in its set: the next one */
	assert_int_equal(got.t[2].nr_cpus_allowed, 3);
	assert_int_equal(got.t[2].cpu, 2);
	synth_backend_free(be);
}

static void test_empty_set_refused(void **state)
{
	struct synth_cpumask beyond = cpus_of(0x10); /* CPU 4 of a 2-CPU machine */
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 1, .allowed = &beyond };

	(void)state;
	assert_null(synth_backend_new(&o));
	o.nr_cpus = SYNTH_MAX_CPUS + 1;
	o.allowed = NULL;
	assert_null(synth_backend_new(&o));
}

/* A decision for CPU 0 of a task that may use CPU 1 only: as BPF, any
 * CPU of its set instead, counted. */
static void test_bad_cpu_bounces(void **state)
{
	struct synth_cpumask only1 = cpus_of(0x2);
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 1, .slice_ns = 1000, .allowed = &only1 };
	struct delivered got = { .n = 0 };
	struct backend *be = synth_backend_new(&o);
	struct plugland_dispatch d;
	struct plugland_counters c;

	(void)state;
	assert_non_null(be);
	assert_int_equal(be->ops->consume(be, collect, &got), 1);
	d = plugland_dispatch_of(&got.t[0]);
	d.cpu = 0;
	assert_int_equal(be->ops->dispatch(be, &d, 1), 1);
	assert_int_equal(synth_backend_stats(be)->nr_dispatched, 1);
	assert_int_equal(synth_backend_stats(be)->nr_bounced, 1);
	assert_int_equal(synth_backend_task(be, 0)->ran_on.bits[0], 0x2);
	assert_int_equal(be->ops->counters(be, &c), 0);
	assert_int_equal(c.nr_bounce_dispatches, 1);
	synth_backend_free(be);
}

/*
 * Two CPUs, CPU 1 busy with task 2; task 0 (CPU 1 only) released before
 * task 1 (any CPU): the free CPU 0 takes task 1, task 0 waits for CPU 1.
 */
static void test_free_cpu_skips_what_it_may_not_run(void **state)
{
	const struct synth_cpumask sets[3] = { { { 0x2 } }, { { 0x3 } }, { { 0x3 } } };
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 3, .slice_ns = 1000, .allowed = sets };
	struct delivered got = { .n = 0 };
	struct backend *be = synth_backend_new(&o);
	struct plugland_dispatch d[3];
	unsigned int i;

	(void)state;
	assert_non_null(be);
	assert_int_equal(be->ops->consume(be, collect, &got), 3);
	for (i = 0; i < 3; i++)
		d[i] = plugland_dispatch_of(&got.t[i]);
	d[2].cpu = 1;
	assert_int_equal(be->ops->dispatch(be, &d[2], 1), 1); /* CPU 1 busy until 1000 */
	assert_int_equal(be->ops->dispatch(be, d, 2), 2);
	assert_int_equal(synth_backend_task(be, 1)->nr_dispatched, 1);
	assert_int_equal(synth_backend_task(be, 1)->ran_on.bits[0], 0x1);
	assert_int_equal(synth_backend_task(be, 0)->nr_dispatched, 0);
	be->ops->wait(be, 0); /* CPU 0 and 1 free at 1000: task 0 on CPU 1 */
	assert_int_equal(synth_backend_task(be, 0)->nr_dispatched, 1);
	assert_int_equal(synth_backend_task(be, 0)->ran_on.bits[0], 0x2);
	synth_backend_free(be);
}

static void test_idle_and_preempt_cpus_in_the_set(void **state)
{
	struct synth_cpumask sets[2] = { cpus_of(0x4), cpus_of(0xf) };
	struct synth_opts o = { .nr_cpus = 4, .nr_tasks = 2, .allowed = sets };
	struct delivered got = { .n = 0 };
	struct backend *be = synth_backend_new(&o);

	(void)state;
	assert_non_null(be);
	assert_int_equal(be->ops->consume(be, collect, &got), 2);
	assert_int_equal(be->ops->pick_idle_cpu(be, &got.t[0]), 2);
	assert_int_equal(be->ops->pick_idle_cpu(be, &got.t[0]), -1); /* CPU 2 claimed */
	assert_true(be->ops->pick_idle_cpu(be, &got.t[1]) >= 0);
	/* as bpf_backend.c: no victim for a task restricted to some CPUs */
	assert_int_equal(be->ops->pick_preempt_cpu(be, &got.t[0], 0, 0), -1);
	synth_backend_free(be);
}

/* draw(): task 0 bursts 10, 20, 30... ns and sleeps 1000 after each. */
static struct synth_behaviour counting_draw(void *ctx, uint32_t idx)
{
	uint64_t *n = ctx;

	(void)idx;
	++*n;
	return (struct synth_behaviour){ .burst_ns = 10 * *n, .sleep_ns = 1000 };
}

/* Each burst drawn as it starts, first queued at its start time. */
static void test_draw_and_start(void **state)
{
	const uint64_t start[1] = { 5000 };
	uint64_t draws = 0;
	struct synth_opts o = { .nr_cpus = 1, .nr_tasks = 1, .slice_ns = 1000000,
				.draw = counting_draw, .draw_ctx = &draws, .start_ns = start };
	struct backend *be = synth_backend_new(&o);
	struct plugland_dispatch d;
	unsigned int round;

	(void)state;
	assert_non_null(be);
	assert_int_equal(draws, 1);
	for (round = 1; round <= 3; round++) {
		struct delivered got = { .n = 0 };

		while (!be->ops->consume(be, collect, &got))
			be->ops->wait(be, 0);
		assert_int_equal(got.t[0].enq_ns, round == 1 ? 5000 :
				 synth_backend_stats(be)->now_ns);
		assert_true(synth_backend_stats(be)->now_ns >= 5000);
		d = plugland_dispatch_of(&got.t[0]);
		assert_int_equal(be->ops->dispatch(be, &d, 1), 1);
		assert_int_equal(synth_backend_task(be, 0)->runtime_ns, 10 * round * (round + 1) / 2);
		assert_int_equal(synth_backend_task(be, 0)->nr_bursts, round);
		assert_int_equal(draws, round);
	}
	synth_backend_free(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nr_cpus_allowed_and_first_cpu),
		cmocka_unit_test(test_empty_set_refused),
		cmocka_unit_test(test_bad_cpu_bounces),
		cmocka_unit_test(test_free_cpu_skips_what_it_may_not_run),
		cmocka_unit_test(test_idle_and_preempt_cpus_in_the_set),
		cmocka_unit_test(test_draw_and_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The deadline core (plugins/common/edf.c) driven directly, enqueue by
 * enqueue, for what the synthetic machine does not produce: hogs whose
 * vruntimes drift apart, as one that ran a long stretch alone does on a
 * real kernel.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../../plugins/common/edf.h"

#define MS 1000000ull

static uint64_t fake_now = 1000;

static uint64_t now_ns(const struct plugland_host *h) { (void)h; return fake_now; }
static int no_idle_cpu(const struct plugland_host *h, const struct plugland_task *t)
{
	(void)h, (void)t;
	return -1;
}

static const struct plugland_host host = {
	.sz = sizeof(struct plugland_host),
	.abi_version = PLUGLAND_ABI_VERSION,
	.nr_cpus = 2,
	.now_ns = now_ns,
	.pick_idle_cpu = no_idle_cpu,
};

static const struct edf_params params = {
	.slice_ns = 5 * MS,
	.min_slice_ns = MS / 2,
	.burst_cap_ns = 20 * MS,
	.forget_ns = 10000 * MS,
	.max_tasks = 64,
};

struct core {
	struct edf edf;
	struct run_heap rq;
	struct cpu_gate gate;
};

/* What one task has done so far, as the kernel reports it. */
struct sim_task {
	int32_t pid;
	uint64_t runtime_ns;
	uint64_t nvcsw;
	bool started;
};

static void core_init(struct core *c)
{
	assert_int_equal(edf_init(&c->edf, &params), 0);
	assert_int_equal(run_heap_init(&c->rq, params.max_tasks), 0);
	cpu_gate_init(&c->gate, &host, params.slice_ns);
	cpu_gate_set_open(&c->gate, true); /* released at once, as deadline does */
}

static void core_fini(struct core *c)
{
	run_heap_fini(&c->rq);
	edf_fini(&c->edf);
}

/* t is enqueued after running ran_ns (and sleeping first if woke): its
 * deadline as released. */
static uint64_t run_then_enqueue(struct core *c, struct sim_task *t, uint64_t ran_ns, bool woke)
{
	struct plugland_task pt = { .pid = t->pid, .tgid = t->pid, .weight = 100, .cpu = 0,
				    .nr_cpus_allowed = 2 };
	struct plugland_dispatch d;
	struct edf_verdict v;
	struct run_item it;

	t->runtime_ns += ran_ns;
	if (woke)
		t->nvcsw++;
	pt.exec_runtime = t->runtime_ns;
	pt.nvcsw = t->nvcsw;
	pt.flags = !t->started ? PLUGLAND_TASK_NEW : woke ? PLUGLAND_TASK_WAKEUP : 0;
	t->started = true;
	fake_now += ran_ns;
	pt.enq_ns = fake_now;
	edf_account(&c->edf, &pt, &v);
	it = edf_item(&pt, &v);
	assert_int_equal(run_heap_push(&c->rq, &it), 0);
	cpu_gate_begin(&c->gate);
	assert_true(edf_release(&c->edf, &c->rq, &c->gate, 1, true, &d));
	assert_int_equal(d.pid, t->pid);
	assert_int_equal(d.vtime, v.deadline);
	return d.vtime;
}

/*
 * Two hogs, one of which ran 30 ms alone while the other ran 1 ms (the
 * trailing one shared its CPU), and a task that wakes up: it must run
 * before both hogs. The trailing hog is kept within burst_cap of the leader.
 * With virtual time kept at deadlines and runnable tasks never clamped,
 * the waking task came 24 ms after the trailing hog.
 */
static void test_waking_task_ahead_of_drifted_hogs(void **state)
{
	struct sim_task a = { .pid = 10 }, b = { .pid = 11 }, s = { .pid = 12 };
	uint64_t a_dl, b_dl, s_dl;
	struct core c;
	int i;

	(void)state;
	core_init(&c);
	run_then_enqueue(&c, &a, 0, false);
	run_then_enqueue(&c, &b, 0, false);
	run_then_enqueue(&c, &s, 0, false);
	/* Both hogs run 1 ms slices, long enough to reach the burst cap. */
	for (i = 0; i < 25; i++) {
		run_then_enqueue(&c, &a, MS, false);
		run_then_enqueue(&c, &b, MS, false);
	}
	s_dl = run_then_enqueue(&c, &s, MS / 10, true); /* a short run, a sleep */
	a_dl = run_then_enqueue(&c, &a, 30 * MS, false);
	b_dl = run_then_enqueue(&c, &b, MS, false);
	/* Both at the burst cap: b's vruntime within burst_cap of a's. */
	assert_true(b_dl + params.burst_cap_ns >= a_dl);
	s_dl = run_then_enqueue(&c, &s, MS / 10, true);
	assert_true(s_dl < b_dl);
	assert_true(s_dl < a_dl);
	/* No more than a slice of credit against the leader's vruntime. */
	assert_int_equal(s_dl, a_dl - params.burst_cap_ns - params.slice_ns);
	core_fini(&c);
}

/* A task back from a long sleep starts one slice behind the furthest
 * vruntime dispatched, not at the vruntime it left with. */
static void test_sleeper_credit_is_one_slice(void **state)
{
	struct sim_task a = { .pid = 10 }, s = { .pid = 12 };
	uint64_t a_dl, s_dl;
	struct core c;
	int i;

	(void)state;
	core_init(&c);
	run_then_enqueue(&c, &a, 0, false);
	run_then_enqueue(&c, &s, 0, false);
	for (i = 0; i < 100; i++)
		a_dl = run_then_enqueue(&c, &a, MS, false);
	/* a: vruntime 100 ms (deadline 120 ms); s slept all along */
	s_dl = run_then_enqueue(&c, &s, 0, true);
	assert_int_equal(s_dl, a_dl - params.burst_cap_ns - params.slice_ns);
	core_fini(&c);
}

/* Slices scale with the weight, within [EDF_SLICE_FLOOR_NS, burst_cap]. */
static void test_slice_scales_with_weight(void **state)
{
	struct core c;

	(void)state;
	core_init(&c);
	assert_int_equal(edf_weighted_slice(&c.edf, 1, 100), 5 * MS);
	assert_int_equal(edf_weighted_slice(&c.edf, 10, 100), MS / 2);	  /* the floor */
	assert_int_equal(edf_weighted_slice(&c.edf, 10, 400), 2 * MS);
	assert_int_equal(edf_weighted_slice(&c.edf, 10, 0), MS / 2);	  /* unknown: nice 0 */
	assert_int_equal(edf_weighted_slice(&c.edf, 10, 1), EDF_SLICE_FLOOR_NS);
	assert_int_equal(edf_weighted_slice(&c.edf, 1, 10000), 20 * MS); /* burst_cap */
	core_fini(&c);
}

/*
 * BPF placed a task itself (kernel_decided): its CPU time is charged as an
 * enqueue would charge it, it counts as out on a CPU, virtual time follows
 * it; its next enqueue charges only what it ran since. A rescued task
 * (still held by the policy) changes nothing.
 */
static void test_kernel_decided_charges_and_counts_out(void **state)
{
	struct plugland_task pt = { .pid = 7, .tgid = 7, .weight = 100, .nr_cpus_allowed = 2,
				    .flags = PLUGLAND_TASK_NEW };
	struct edf_verdict v;
	struct core c;
	uint64_t vr0;

	(void)state;
	core_init(&c);
	edf_account(&c.edf, &pt, &v);	/* first seen: starts at the clock */
	vr0 = v.vruntime;
	pt.flags = PLUGLAND_TASK_WAKEUP;
	pt.exec_runtime = 3 * MS;
	pt.nvcsw = 1;
	edf_kernel_decided(&c.edf, &pt, PLUGLAND_KERNEL_IDLE, true);
	assert_int_equal(c.edf.nr_out, 1);
	assert_int_equal(c.edf.vclock, vr0 + 3 * MS);
	/* a rescue (the policy still holds the task) changes nothing */
	edf_kernel_decided(&c.edf, &pt, PLUGLAND_KERNEL_RESCUED, true);
	assert_int_equal(c.edf.nr_out, 1);
	/* back at the policy after 2 ms more: charged 2 ms, not 5 */
	pt.flags = 0;
	pt.exec_runtime = 5 * MS;
	edf_account(&c.edf, &pt, &v);
	assert_int_equal(v.vruntime, vr0 + 5 * MS);
	assert_int_equal(v.burst, 2 * MS);
	assert_int_equal(c.edf.nr_out, 0);
	core_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waking_task_ahead_of_drifted_hogs),
		cmocka_unit_test(test_sleeper_credit_is_one_slice),
		cmocka_unit_test(test_slice_scales_with_weight),
		cmocka_unit_test(test_kernel_decided_charges_and_counts_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The gate the ordering policies share (plugins/common/cpu_gate.c),
 * against a scripted host: credits, stalls, preemption, the open gate.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../../plugins/common/cpu_gate.h"

static uint64_t fake_now;
static uint32_t fake_idle;
static int fake_victim = -1;
static uint64_t asked_vtime;

static uint64_t now_ns(const struct plugland_host *h) { (void)h; return fake_now; }
static uint32_t nr_idle(const struct plugland_host *h) { (void)h; return fake_idle; }
static int no_idle_cpu(const struct plugland_host *h, const struct plugland_task *t)
{
	(void)h, (void)t;
	return -1;
}
static int preempt(const struct plugland_host *h, const struct plugland_task *t, uint64_t vtime,
		   uint64_t min_run_ns)
{
	(void)h, (void)t, (void)min_run_ns;
	asked_vtime = vtime;
	return fake_victim;
}
static const char *config(const struct plugland_host *h, const char *key)
{
	(void)h, (void)key;
	return NULL;
}
static void log_msg(const struct plugland_host *h, enum plugland_log_level l, const char *fmt, ...)
{
	(void)h, (void)l, (void)fmt;
}

static struct plugland_host host = {
	.sz = sizeof(struct plugland_host),
	.abi_version = PLUGLAND_ABI_VERSION,
	.nr_cpus = 2,
	.now_ns = now_ns,
	.pick_idle_cpu = no_idle_cpu,
	.log = log_msg,
	.config = config,
	.nr_idle_cpus = nr_idle,
	.preempt_cpu = preempt,
};

static void reset(void)
{
	fake_now = 1000;
	fake_idle = 0;
	fake_victim = -1;
}

/* Every CPU starts free (one credit each), then the gate shuts. */
static void test_credits_then_shut(void **state)
{
	struct cpu_gate g;

	(void)state;
	reset();
	cpu_gate_init(&g, &host, 1000000);
	cpu_gate_begin(&g);
	assert_int_equal(cpu_gate_pick(&g, 1, 0), PLUGLAND_CPU_ANY);
	assert_int_equal(cpu_gate_pick(&g, 2, 1), PLUGLAND_CPU_ANY);
	assert_int_equal(cpu_gate_pick(&g, 3, 0), CPU_GATE_SHUT);
	/* a preempted task came back: its CPU takes the next */
	cpu_gate_enqueued(&g, &(struct plugland_task){ .pid = 1 });
	assert_int_equal(cpu_gate_pick(&g, 3, 0), PLUGLAND_CPU_ANY);
	assert_int_equal(cpu_gate_pick(&g, 4, 0), CPU_GATE_SHUT);
	/* a stall: one goes after stall_ns */
	fake_now += 1000000;
	assert_int_equal(cpu_gate_pick(&g, 4, 0), PLUGLAND_CPU_ANY);
	assert_int_equal(cpu_gate_pick(&g, 5, 0), CPU_GATE_SHUT);
}

/*
 * A preemption asks the host with the task's vtime; the victim's return
 * is a credit as any preempted task's (a debt instead starved the policy
 * when victims did not come back preempted).
 */
static void test_preempt(void **state)
{
	struct cpu_gate g;

	(void)state;
	reset();
	cpu_gate_init(&g, &host, 1000000);
	g.credits = 0;
	cpu_gate_begin(&g);
	assert_int_equal(cpu_gate_preempt(&g, 7, 0, 2, 500, 1000), CPU_GATE_SHUT);
	assert_int_equal(asked_vtime, 500);
	fake_victim = 1;
	assert_int_equal(cpu_gate_preempt(&g, 7, 0, 2, 500, 1000), 1);
	assert_int_equal(cpu_gate_pick(&g, 8, 0), CPU_GATE_SHUT);
	cpu_gate_enqueued(&g, &(struct plugland_task){ .pid = 9 }); /* the victim */
	assert_int_equal(cpu_gate_pick(&g, 8, 0), PLUGLAND_CPU_ANY);
}

/* Open: past the credits every task still goes, to any CPU. */
static void test_open_never_shuts(void **state)
{
	struct cpu_gate g;
	int32_t pid;

	(void)state;
	reset();
	cpu_gate_init(&g, &host, 1000000);
	cpu_gate_set_open(&g, true);
	cpu_gate_begin(&g);
	for (pid = 1; pid <= 10; pid++)
		assert_int_equal(cpu_gate_pick(&g, pid, 0), PLUGLAND_CPU_ANY);
	cpu_gate_set_open(&g, false);
	assert_int_equal(cpu_gate_pick(&g, 11, 0), PLUGLAND_CPU_ANY); /* the credits */
	assert_int_equal(cpu_gate_pick(&g, 12, 0), PLUGLAND_CPU_ANY);
	assert_int_equal(cpu_gate_pick(&g, 13, 0), CPU_GATE_SHUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_credits_then_shut),
		cmocka_unit_test(test_open_never_shuts),
		cmocka_unit_test(test_preempt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Hot-swapping the real policy plugins on the synthetic backend, as the
 * control socket's `switch` does: every task keeps being scheduled, none
 * is lost or dispatched twice, and the loop's counters reconcile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "config.h"
#include "policy_slot.h"
#include "sched_loop.h"
#include "synth_backend.h"
#include "topology.h"

/* One round of sched_loop_run(): the clock moves when nothing was queued. */
static void step(struct sched_loop *l)
{
	int n = sched_loop_round(l);

	assert_true(n >= 0);
	if (!n)
		l->be->ops->wait(l->be, 0);
}

static void test_switch_between_plugins(void **state)
{
	static const char *const order[] = { "fifo", "deadline", "lottery", "rules", "deadline",
					     "fifo", "lottery" };
	struct synth_opts o = { .nr_cpus = 4, .nr_tasks = 64 };
	static struct policy_slot slots[2];
	static struct sched_loop loop;
	static struct config cfg;
	const struct synth_stats *st;
	volatile sig_atomic_t stop = 0;
	struct backend *be;
	char err[512];
	int active = 0, round;
	size_t i;
	uint32_t t;

	(void)state;
	config_defaults(&cfg);
	snprintf(cfg.plugin_dir, sizeof(cfg.plugin_dir), "%s", TEST_PLUGINS_BUILT);
	topology_load("", 4);
	be = synth_backend_new(&o);
	assert_non_null(be);
	if (policy_slot_open(&slots[0], &cfg, order[0], err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(sched_loop_init(&loop, be, &slots[0].lp.ops, 100), 0);
	for (i = 1; i < sizeof(order) / sizeof(order[0]); i++) {
		for (round = 0; round < 500; round++)
			step(&loop);
		if (policy_slot_open(&slots[!active], &cfg, order[i], err, sizeof(err)))
			fail_msg("%s", err);
		sched_loop_switch_policy(&loop, &slots[!active].lp.ops);
		policy_slot_close(&slots[active]);
		active = !active;
	}
	for (round = 0; round < 500; round++)
		step(&loop);
	(void)stop;
	st = synth_backend_stats(be);
	assert_int_equal(st->nr_double, 0);
	assert_int_equal(st->nr_unknown, 0);
	assert_int_equal(loop.st.nr_switches, sizeof(order) / sizeof(order[0]) - 1);
	assert_int_equal(loop.st.nr_enqueued + loop.st.nr_refused + loop.st.nr_starved,
			 loop.st.nr_dispatched + sched_loop_in_flight(&loop) + loop.st.nr_dropped);
	for (t = 0; t < o.nr_tasks; t++)
		assert_true(synth_backend_task(be, t)->nr_dispatched > 0);
	policy_slot_close(&slots[active]);
	sched_loop_fini(&loop);
	synth_backend_free(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_between_plugins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Hot-swapping the real policy plugins on the synthetic backend, as the
 * control socket's `switch` does: every task waiting at a switch is
 * dispatched after it (by identity, not by counts: the pids waiting then
 * are followed), none is dispatched twice, nothing is dropped when the
 * old policy held no duplicates, and the loop's counters reconcile.
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

#define NR_TASKS 64

/*
 * fifo and deadline release what they get at once: a switch would find
 * them holding nothing. Through this wrapper a policy holds every task
 * while `hold` is set (dispatch() returns none), so that each switch
 * hands over what the old policy held.
 */
static bool hold;
static const struct plugland_policy *held_by;

static unsigned int holding_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	return hold ? 0 : held_by->dispatch(ctx, out, max);
}

static const struct plugland_policy *holding(struct plugland_policy *w,
					     const struct plugland_policy *p)
{
	*w = *p;
	w->dispatch = holding_dispatch;
	return w;
}

/*
 * The tasks waiting on the loop now (delivered, no decision applied: the
 * old policy holds them, or the host does), with how often each ran.
 */
static unsigned int waiting_now(const struct backend *be, bool waiting[NR_TASKS],
				uint64_t runs[NR_TASKS])
{
	unsigned int n = 0;
	uint32_t t;

	for (t = 0; t < NR_TASKS; t++) {
		waiting[t] = synth_backend_waiting(be, t);
		runs[t] = synth_backend_task(be, t)->nr_dispatched;
		n += waiting[t];
	}
	return n;
}

/* Rounds until each task in waiting[] ran once more (at most `max`
 * rounds); the pid of the first that did not, or 0. */
static int32_t run_until_dispatched(struct sched_loop *l, const bool waiting[NR_TASKS],
				    const uint64_t runs[NR_TASKS], int max)
{
	uint32_t t = 0;
	int round;

	for (round = 0; round < max; round++) {
		while (t < NR_TASKS && (!waiting[t] || synth_backend_task(l->be, t)->nr_dispatched > runs[t]))
			t++;
		if (t == NR_TASKS)
			return 0;
		step(l);
	}
	return SYNTH_PID_BASE + (int32_t)t;
}

static void test_switch_between_plugins(void **state)
{
	static const char *const order[] = { "fifo", "deadline", "lottery", "rules", "deadline",
					     "fifo", "lottery" };
	struct synth_opts o = { .nr_cpus = 4, .nr_tasks = NR_TASKS };
	bool waiting[NR_TASKS];
	uint64_t runs[NR_TASKS];
	unsigned int nr_waiting;
	int32_t lost;
	static struct policy_slot slots[2];
	static struct plugland_policy wrapped[2];
	static struct sched_loop loop;
	static struct config cfg;
	const struct synth_stats *st;
	struct backend *be;
	struct topology *topo;
	char err[512];
	int active = 0, round;
	size_t i;

	(void)state;
	config_defaults(&cfg);
	snprintf(cfg.plugin_dir, sizeof(cfg.plugin_dir), "%s", TEST_PLUGINS_BUILT);
	topo = topology_new(NULL, 4);
	assert_non_null(topo);
	o.topo = topo;
	be = synth_backend_new(&o);
	assert_non_null(be);
	slots[0].be = slots[1].be = &be; /* the policies' services: this machine */
	slots[0].topo = slots[1].topo = topo;
	if (policy_slot_open(&slots[0], &cfg, order[0], err, sizeof(err)))
		fail_msg("%s", err);
	held_by = &slots[0].lp.ops;
	assert_int_equal(sched_loop_init(&loop, be, holding(&wrapped[0], held_by), slots[0].ctx, 100),
			 0);
	for (i = 1; i < sizeof(order) / sizeof(order[0]); i++) {
		for (round = 0; round < 500; round++)
			step(&loop);
		if (policy_slot_open(&slots[!active], &cfg, order[i], err, sizeof(err)))
			fail_msg("%s", err);
		hold = true;
		for (round = 0; round < 20; round++)
			step(&loop);
		nr_waiting = waiting_now(be, waiting, runs);
		/* 64 CPU-bound tasks on 4 CPUs: most wait, held by the policy */
		assert_true(loop.held.count >= NR_TASKS / 2);
		assert_true(nr_waiting >= loop.held.count);
		held_by = &slots[!active].lp.ops;
		sched_loop_switch_policy(&loop, holding(&wrapped[!active], held_by), slots[!active].ctx);
		hold = false;
		policy_slot_close(&slots[active]);
		active = !active;
		lost = run_until_dispatched(&loop, waiting, runs, 20000);
		if (lost)
			fail_msg("switch %zu (to %s): pid %d waited at the switch and never ran after it",
				 i, order[i], lost);
	}
	for (round = 0; round < 500; round++)
		step(&loop);
	st = synth_backend_stats(be);
	assert_int_equal(st->nr_double, 0);
	assert_int_equal(st->nr_unknown, 0);
	assert_int_equal(loop.st.nr_switches, sizeof(order) / sizeof(order[0]) - 1);
	/* a synthetic task is queued again only once it ran: no duplicates */
	assert_int_equal(loop.st.nr_dropped, 0);
	assert_int_equal(loop.st.nr_enqueued + loop.st.nr_refused + loop.st.nr_starved,
			 loop.st.nr_dispatched + sched_loop_in_flight(&loop) + loop.st.nr_dropped);
	policy_slot_close(&slots[active]);
	sched_loop_fini(&loop);
	synth_backend_free(be);
	topology_free(topo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_between_plugins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

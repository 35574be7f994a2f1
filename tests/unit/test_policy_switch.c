// SPDX-License-Identifier: GPL-2.0
/*
 * Hot-swapping the real policy plugins in the host (host.h), on the
 * synthetic backend, as the control socket's `switch` does
 * (host_switch_policy()): every task waiting at a switch is
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
#include "host.h"
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
 * them holding nothing. The test makes the active policy hold every task
 * while `hold` is set (its dispatch() replaced in the host's slot by one
 * that returns none), so that each switch hands over what the old policy
 * held.
 */
static bool hold;
static unsigned int (*held_dispatch)(void *ctx, struct plugland_dispatch *out, unsigned int max);

static unsigned int holding_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	return hold ? 0 : held_dispatch(ctx, out, max);
}

static void hold_active(struct host *h)
{
	struct plugland_policy *ops = &host_active_slot(h)->lp.ops;

	held_dispatch = ops->dispatch;
	ops->dispatch = holding_dispatch;
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
	static volatile sig_atomic_t no_stop, no_reload;
	struct host_opts ho = { .stop = &no_stop, .reload = &no_reload };
	bool waiting[NR_TASKS];
	uint64_t runs[NR_TASKS];
	unsigned int nr_waiting;
	int32_t lost;
	static struct config cfg;
	static struct host host;
	const struct sched_loop *l = &host.loop;
	const struct synth_stats *st;
	struct topology *topo;
	char err[512];
	int round;
	size_t i;

	(void)state;
	config_defaults(&cfg);
	snprintf(cfg.plugin_dir, sizeof(cfg.plugin_dir), "%s", TEST_PLUGINS_BUILT);
	snprintf(cfg.policy, sizeof(cfg.policy), "%s", order[0]);
	cfg.strict = true;
	cfg.log_capacity = 0;
	cfg.max_wait_ms = 0; /* tasks are held on purpose */
	topo = topology_new(NULL, 4);
	assert_non_null(topo);
	o.topo = topo;
	ho.cfg = &cfg;
	ho.machine = synth_backend_new(&o);
	assert_non_null(ho.machine);
	assert_int_equal(host_open(&host, &ho), 0);
	assert_int_equal(host_begin(&host), 0);
	hold_active(&host);
	for (i = 1; i < sizeof(order) / sizeof(order[0]); i++) {
		for (round = 0; round < 500; round++)
			step(&host.loop);
		hold = true;
		for (round = 0; round < 20; round++)
			step(&host.loop);
		nr_waiting = waiting_now(ho.machine, waiting, runs);
		/* 64 CPU-bound tasks on 4 CPUs: most wait, held by the policy */
		assert_true(l->held.count >= NR_TASKS / 2);
		assert_true(nr_waiting >= l->held.count);
		if (host_switch_policy(&host, order[i], err, sizeof(err)))
			fail_msg("switch %zu (to %s): %s", i, order[i], err);
		hold_active(&host);
		hold = false;
		lost = run_until_dispatched(&host.loop, waiting, runs, 20000);
		if (lost)
			fail_msg("switch %zu (to %s): pid %d waited at the switch and never ran after it",
				 i, order[i], lost);
	}
	for (round = 0; round < 500; round++)
		step(&host.loop);
	st = synth_backend_stats(ho.machine);
	assert_int_equal(st->nr_double, 0);
	assert_int_equal(st->nr_unknown, 0);
	assert_int_equal(l->st.nr_switches, sizeof(order) / sizeof(order[0]) - 1);
	/* a synthetic task is queued again only once it ran: no duplicates */
	assert_int_equal(l->st.nr_dropped, 0);
	assert_int_equal(l->st.nr_enqueued + l->st.nr_refused + l->st.nr_starved,
			 l->st.nr_dispatched + sched_loop_in_flight(l) + l->st.nr_dropped);
	host_end(&host);
	host_close(&host);
	synth_backend_free(ho.machine);
	topology_free(topo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_between_plugins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

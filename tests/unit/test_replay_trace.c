// SPDX-License-Identifier: GPL-2.0
/*
 * Rebuilding a recording from task events (host/replay_trace.c) on
 * hand-made sequences with known bursts, sleeps and waits: a whole life,
 * a start the log lost (first event RUNNING, or STOPPING), a task still
 * running at the end, weight and CPU set changes, events out of order
 * for a task's state, a pid reused after an exit, the machine's size;
 * how far into its burst a waker was; the host's round trips, from the
 * decisions among the events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "replay_trace.h"

#define T0 1000000000ull

struct seq {
	struct plugland_event ev[64];
	size_t n;
};

static void ev(struct seq *s, uint64_t at, uint16_t kind, int32_t pid, int16_t cpu, uint32_t arg,
	       uint16_t detail, uint64_t value)
{
	struct plugland_event *e = &s->ev[s->n++];

	memset(e, 0, sizeof(*e));
	e->at_ns = T0 + at;
	e->kind = kind;
	e->pid = e->tgid = pid;
	e->cpu = cpu;
	e->arg = arg;
	e->detail = detail;
	e->value = value;
	e->flags = PLUGLAND_RECORD_EVENT;
	snprintf(e->comm, sizeof(e->comm), "t%d", pid);
}

#define RUNNABLE(s, at, pid, why, waker) ev(s, at, PLUGLAND_EVENT_RUNNABLE, pid, -1, waker, why, 0)
#define RUNNING(s, at, pid, cpu) ev(s, at, PLUGLAND_EVENT_RUNNING, pid, cpu, 0, 0, 0)
#define STOPPING(s, at, pid, cpu, runnable) \
	ev(s, at, PLUGLAND_EVENT_STOPPING, pid, cpu, 0, (runnable) ? PLUGLAND_STOPPING_RUNNABLE : 0, 0)
#define QUIESCENT(s, at, pid) ev(s, at, PLUGLAND_EVENT_QUIESCENT, pid, -1, 0, 0, 0)

/* A decision about pid at `at` (the policy's unless flags say otherwise). */
static void decided(struct seq *s, uint64_t at, int32_t pid, uint16_t flags)
{
	struct plugland_decision d = { .enq_ns = T0 + at, .dispatch_ns = T0 + at, .pid = pid,
				       .tgid = pid, .cpu = -1, .flags = flags };

	_Static_assert(sizeof(d) == sizeof(s->ev[0]), "a record is a record");
	memcpy(&s->ev[s->n++], &d, sizeof(d));
}

static void build(struct replay_trace *t, const struct seq *s, uint32_t nr_cpus)
{
	char err[256];

	assert_int_equal(replay_trace_build(t, s->ev, s->n, nr_cpus, err, sizeof(err)), 0);
}

/* Task 10: forked, waits 10, runs 100 on CPU 0, preempted, waits 40, runs
 * 100 on CPU 1, sleeps 1000, woken by 11, waits 10, runs 40, exits. */
static void test_whole_life(void **state)
{
	struct replay_trace t;
	const struct replay_task *k;
	struct seq s = { .n = 0 };

	(void)state;
	ev(&s, 0, PLUGLAND_EVENT_FORK, 10, -1, 1, 0, 0);
	RUNNABLE(&s, 0, 10, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 10, 10, 0);
	STOPPING(&s, 110, 10, 0, true);
	RUNNABLE(&s, 110, 10, PLUGLAND_RUNNABLE_PREEMPTED, 0);
	RUNNING(&s, 150, 10, 1);
	STOPPING(&s, 250, 10, 1, false);
	QUIESCENT(&s, 250, 10);
	RUNNABLE(&s, 1250, 10, PLUGLAND_RUNNABLE_WAKEUP, 11);
	RUNNING(&s, 1260, 10, 1);
	STOPPING(&s, 1300, 10, 1, false);
	QUIESCENT(&s, 1300, 10);
	ev(&s, 1400, PLUGLAND_EVENT_EXIT, 10, -1, 0, 0, 0);
	build(&t, &s, 2);
	assert_int_equal(t.nr_tasks, 1);
	k = replay_trace_task(&t, 10);
	assert_non_null(k);
	assert_true(k->forked && k->exited);
	assert_int_equal(k->parent, 1);
	assert_int_equal(k->nr_bursts, 2);
	assert_int_equal(k->bursts[0].runnable_ns, 0);
	assert_int_equal(k->bursts[0].cpu_ns, 200);
	assert_int_equal(k->bursts[0].end_ns, 250);
	assert_int_equal(k->bursts[0].sleep_ns, 1000);
	assert_int_equal(k->bursts[0].waker, 0);
	assert_int_equal(k->bursts[1].runnable_ns, 1250);
	assert_int_equal(k->bursts[1].cpu_ns, 40);
	assert_int_equal(k->bursts[1].sleep_ns, 0);
	assert_int_equal(k->bursts[1].waker, 11);
	assert_false(k->bursts[1].unfinished);
	assert_int_equal(k->cpu_ns, 240);
	assert_int_equal(k->nr_runs, 3);
	assert_int_equal(k->nr_waits, 3);
	assert_int_equal(k->wait_sum_ns, 60);
	assert_int_equal(k->wait_max_ns, 40);
	assert_int_equal(k->runnable_ns, 300);
	assert_int_equal(k->nr_migrations, 1);
	assert_int_equal(k->nr_wakeups_with_waker, 1);
	assert_int_equal(k->weight, PLUGLAND_WEIGHT_DEFAULT);
	assert_false(k->has_cpus);
	assert_int_equal(k->first_ns, 0);
	assert_int_equal(k->last_ns, 1400);
	assert_int_equal(t.end_ns, 1400);
	assert_int_equal(t.nr_truncated, 0);
	assert_int_equal(t.nr_unfinished, 0);
	assert_int_equal(t.nr_inconsistent, 0);
	assert_int_equal(t.nr_cpus, 2);
	assert_int_equal(t.nr_cpus_seen, 2);
	assert_string_equal(k->comm, "t10");
	replay_trace_free(&t);
}

/* Task 20 was running when the log began (its first event is RUNNING:
 * no wait known); task 21 stopped (STOPPING first: its CPU time before is
 * unknown, a burst of none is dropped); task 20 is running at the end. */
static void test_truncated_both_ends(void **state)
{
	struct replay_trace t;
	const struct replay_task *a, *b;
	struct seq s = { .n = 0 };

	(void)state;
	RUNNING(&s, 0, 20, 0);
	STOPPING(&s, 50, 21, 1, false);
	QUIESCENT(&s, 50, 21);
	STOPPING(&s, 100, 20, 0, false);
	QUIESCENT(&s, 100, 20);
	RUNNABLE(&s, 120, 21, PLUGLAND_RUNNABLE_WAKEUP, 0);
	RUNNING(&s, 125, 21, 1);
	STOPPING(&s, 165, 21, 1, false);
	QUIESCENT(&s, 165, 21);
	RUNNABLE(&s, 200, 20, PLUGLAND_RUNNABLE_WAKEUP, 0);
	RUNNING(&s, 250, 20, 0);
	RUNNABLE(&s, 300, 21, PLUGLAND_RUNNABLE_WAKEUP, 0); /* waits at the end */
	build(&t, &s, 0);
	a = replay_trace_task(&t, 20);
	b = replay_trace_task(&t, 21);
	assert_int_equal(t.nr_truncated, 2);
	assert_int_equal(t.nr_unfinished, 2);
	assert_int_equal(t.end_ns, 300);
	assert_int_equal(a->nr_bursts, 2);
	assert_int_equal(a->bursts[0].runnable_ns, 0);
	assert_int_equal(a->bursts[0].cpu_ns, 100);
	assert_int_equal(a->bursts[0].sleep_ns, 100);
	assert_int_equal(a->bursts[1].cpu_ns, 50); /* cut at the end: 250..300 */
	assert_true(a->bursts[1].unfinished);
	assert_int_equal(a->nr_waits, 1); /* the first wait is unknown */
	assert_int_equal(a->wait_sum_ns, 50);
	assert_int_equal(b->nr_bursts, 1); /* the truncated one used no CPU seen */
	assert_int_equal(b->bursts[0].runnable_ns, 120);
	assert_int_equal(b->bursts[0].cpu_ns, 40);
	assert_int_equal(b->bursts[0].sleep_ns, 135); /* until it was runnable again */
	assert_int_equal(b->nr_waits, 1);
	assert_int_equal(b->wait_sum_ns, 5);
	assert_int_equal(t.nr_cpus, 2); /* as many as seen */
	replay_trace_free(&t);
}

/* A burst that only waited (dequeued before it ran) is sleep. */
static void test_burst_without_cpu_is_sleep(void **state)
{
	struct replay_trace t;
	const struct replay_task *k;
	struct seq s = { .n = 0 };

	(void)state;
	RUNNABLE(&s, 0, 30, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 0, 30, 0);
	STOPPING(&s, 10, 30, 0, false);
	QUIESCENT(&s, 10, 30);
	RUNNABLE(&s, 20, 30, PLUGLAND_RUNNABLE_WAKEUP, 0);
	QUIESCENT(&s, 30, 30);
	RUNNABLE(&s, 110, 30, PLUGLAND_RUNNABLE_WAKEUP, 0);
	RUNNING(&s, 111, 30, 0);
	STOPPING(&s, 121, 30, 0, false);
	QUIESCENT(&s, 121, 30);
	build(&t, &s, 1);
	k = replay_trace_task(&t, 30);
	assert_int_equal(k->nr_bursts, 2);
	assert_int_equal(k->bursts[0].sleep_ns, 100); /* 10 .. 110 */
	assert_int_equal(k->cpu_ns, 20);
	replay_trace_free(&t);
}

/* The weight and CPU set in force at the first burst; later changes
 * counted. Another task's first weight comes after its first burst. */
static void test_weight_and_cpus(void **state)
{
	struct replay_trace t;
	const struct replay_task *a, *b;
	struct seq s = { .n = 0 };

	(void)state;
	ev(&s, 0, PLUGLAND_EVENT_WEIGHT, 40, -1, 200, 0, 0);
	ev(&s, 0, PLUGLAND_EVENT_CPUMASK, 40, -1, 2, 0, 0x6);
	ev(&s, 1, PLUGLAND_EVENT_WEIGHT, 40, -1, 250, 0, 0);
	RUNNABLE(&s, 2, 40, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNABLE(&s, 2, 41, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 3, 40, 1);
	ev(&s, 4, PLUGLAND_EVENT_WEIGHT, 40, -1, 9000, 0, 0);
	ev(&s, 4, PLUGLAND_EVENT_CPUMASK, 40, -1, 1, 0, 0x1);
	ev(&s, 5, PLUGLAND_EVENT_WEIGHT, 41, -1, 50, 0, 0);
	STOPPING(&s, 9, 40, 1, false);
	QUIESCENT(&s, 9, 40);
	build(&t, &s, 4);
	a = replay_trace_task(&t, 40);
	b = replay_trace_task(&t, 41);
	assert_int_equal(a->weight, 250);
	assert_int_equal(a->nr_weight_changes, 2);
	assert_true(a->has_cpus);
	assert_int_equal(a->cpus_lo, 0x6);
	assert_int_equal(a->nr_cpus_allowed, 2);
	assert_int_equal(a->nr_cpumask_changes, 1);
	assert_int_equal(b->weight, 50);
	assert_int_equal(b->nr_weight_changes, 0);
	assert_int_equal(t.nr_cpus, 4);
	replay_trace_free(&t);
}

/* Events that do not fit: counted, skipped; a pid reused after its exit
 * is a new task; unknown kinds are ignored. */
static void test_inconsistent_and_reuse(void **state)
{
	struct replay_trace t;
	const struct replay_task *k;
	struct seq s = { .n = 0 };

	(void)state;
	RUNNABLE(&s, 0, 50, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 5, 50, 0);
	RUNNING(&s, 6, 50, 0);		/* running twice */
	STOPPING(&s, 15, 50, 0, false);
	STOPPING(&s, 16, 50, 0, false);	/* stopping twice */
	QUIESCENT(&s, 16, 50);
	ev(&s, 20, PLUGLAND_EVENT_EXIT, 50, -1, 0, 0, 0);
	ev(&s, 21, 99, 50, -1, 0, 0, 0);	/* unknown kind */
	RUNNABLE(&s, 30, 50, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 31, 50, 3);
	STOPPING(&s, 41, 50, 3, false);
	QUIESCENT(&s, 41, 50);
	build(&t, &s, 2);
	assert_int_equal(t.nr_tasks, 2);
	assert_int_equal(t.nr_inconsistent, 2);
	assert_int_equal(t.nr_unknown, 1);
	assert_int_equal(t.tasks[0].cpu_ns, 10);
	assert_true(t.tasks[0].exited);
	k = replay_trace_task(&t, 50);
	assert_ptr_equal(k, &t.tasks[1]);
	assert_false(k->exited);
	assert_int_equal(k->cpu_ns, 10);
	assert_int_equal(k->first_ns, 30);
	assert_int_equal(t.nr_cpus, 4); /* CPU 3 seen on a 2-CPU header */
	replay_trace_free(&t);
}

/* Many tasks: the pid index grows and keeps every one. */
static void test_many_tasks(void **state)
{
	static struct plugland_event evs[3 * 5000];
	struct replay_trace t;
	char err[256];
	size_t n = 0;
	int32_t i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		evs[n++] = (struct plugland_event){ .at_ns = T0 + (uint64_t)i, .pid = 7 * i + 1,
			.kind = PLUGLAND_EVENT_RUNNABLE, .cpu = -1, .flags = PLUGLAND_RECORD_EVENT };
		evs[n++] = (struct plugland_event){ .at_ns = T0 + (uint64_t)i + 1, .pid = 7 * i + 1,
			.kind = PLUGLAND_EVENT_RUNNING, .cpu = 0, .flags = PLUGLAND_RECORD_EVENT };
		evs[n++] = (struct plugland_event){ .at_ns = T0 + (uint64_t)i + 3, .pid = 7 * i + 1,
			.kind = PLUGLAND_EVENT_STOPPING, .cpu = 0, .flags = PLUGLAND_RECORD_EVENT };
	}
	assert_int_equal(replay_trace_build(&t, evs, n, 1, err, sizeof(err)), 0);
	assert_int_equal(t.nr_tasks, 5000);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(t.tasks[i].pid, 7 * i + 1);
		assert_int_equal(t.tasks[i].nr_bursts, 1); /* cut at the end */
		assert_int_equal(t.tasks[i].cpu_ns, 2);
	}
	assert_int_equal(t.nr_unfinished, 5000);
	replay_trace_free(&t);
}

/* Task 10 runs [0, 1000) on CPU 0 and, 300 into that, wakes 11; 11 runs
 * [1000, 1100), then 10 again [1100, 1500) (after a preemption at 1000,
 * it has run 1000 of its burst) and wakes 11 at 1200, 1100 into its burst.
 * A waker that is not running (12, never seen) tells nothing. */
static void test_waker_cpu_time(void **state)
{
	struct seq s = { .n = 0 };
	struct replay_trace t;
	const struct replay_task *k;

	(void)state;
	RUNNABLE(&s, 0, 10, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 0, 10, 0);
	RUNNABLE(&s, 300, 11, PLUGLAND_RUNNABLE_NEW, 0);
	QUIESCENT(&s, 300, 11); /* only to let 11 be woken */
	RUNNABLE(&s, 300, 11, PLUGLAND_RUNNABLE_WAKEUP, 10);
	STOPPING(&s, 1000, 10, 0, true);
	RUNNING(&s, 1000, 11, 0);
	STOPPING(&s, 1100, 11, 0, false);
	QUIESCENT(&s, 1100, 11);
	RUNNING(&s, 1100, 10, 0);
	RUNNABLE(&s, 1200, 11, PLUGLAND_RUNNABLE_WAKEUP, 10);
	RUNNING(&s, 1500, 11, 1);
	STOPPING(&s, 1550, 11, 1, false);
	QUIESCENT(&s, 1550, 11);
	RUNNABLE(&s, 1600, 11, PLUGLAND_RUNNABLE_WAKEUP, 12);
	build(&t, &s, 2);
	k = replay_trace_task(&t, 11);
	assert_non_null(k);
	assert_int_equal(k->nr_bursts, 2);
	assert_int_equal(k->bursts[0].waker, 10);
	assert_int_equal(k->bursts[0].waker_cpu_ns, 300);
	assert_int_equal(k->bursts[1].waker_cpu_ns, 1100);
	replay_trace_free(&t);
}

/* Round trips: from RUNNABLE (or a preemption) to the policy's first
 * decision for that wait; BPF's and the host's own decisions, and a
 * second one for the same wait, are not round trips. In the log's order. */
static void test_round_trips(void **state)
{
	struct seq s = { .n = 0 };
	struct replay_trace t;

	(void)state;
	RUNNABLE(&s, 0, 10, PLUGLAND_RUNNABLE_NEW, 0);
	decided(&s, 70, 10, 0);
	decided(&s, 80, 10, 0); /* stale: not another round trip */
	RUNNING(&s, 100, 10, 0);
	STOPPING(&s, 1000, 10, 0, true);
	decided(&s, 1030, 10, 0);
	RUNNING(&s, 1040, 10, 0);
	STOPPING(&s, 2000, 10, 0, true);
	decided(&s, 2000, 10, PLUGLAND_DECISION_BY_KERNEL);
	RUNNING(&s, 2001, 10, 0);
	STOPPING(&s, 3000, 10, 0, true);
	decided(&s, 3005, 10, PLUGLAND_DECISION_BY_HOST);
	decided(&s, 3010, 11, 0); /* a task never seen */
	RUNNING(&s, 3010, 10, 0);
	build(&t, &s, 1);
	assert_int_equal(t.nr_round_trips, 2);
	assert_int_equal(t.round_trip_ns[0], 70);
	assert_int_equal(t.round_trip_ns[1], 30);
	replay_trace_free(&t);
}

/* Pickups: CPU 0 is idle from 500 (10 stops there); 11's decision at
 * 600 finds it idle and 11 runs there at 700: a pickup of 100. 12's
 * decision at 800 finds CPU 0 busy (11 runs): none. CPU 1 ran nothing
 * recorded yet when 13's decision came: not known to be idle, none. */
static void test_pickups(void **state)
{
	struct seq s = { .n = 0 };
	struct replay_trace t;

	(void)state;
	RUNNABLE(&s, 0, 10, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 0, 10, 0);
	STOPPING(&s, 500, 10, 0, false);
	QUIESCENT(&s, 500, 10);
	RUNNABLE(&s, 550, 11, PLUGLAND_RUNNABLE_NEW, 0);
	decided(&s, 600, 11, 0);
	RUNNING(&s, 700, 11, 0);
	RUNNABLE(&s, 750, 12, PLUGLAND_RUNNABLE_NEW, 0);
	decided(&s, 800, 12, 0);
	STOPPING(&s, 900, 11, 0, false);
	RUNNING(&s, 950, 12, 0);
	RUNNABLE(&s, 960, 13, PLUGLAND_RUNNABLE_NEW, 0);
	decided(&s, 970, 13, 0);
	RUNNING(&s, 990, 13, 1);
	build(&t, &s, 2);
	assert_int_equal(t.nr_pickups, 1);
	assert_int_equal(t.pickup_ns[0], 100);
	assert_int_equal(t.nr_round_trips, 3);
	/* 11's round trip (50) and its pickup, a pair; 12's and 13's alone */
	assert_int_equal(t.round_trip_ns[0], 50);
	assert_int_equal(t.round_trip_pickup_ns[0], 100);
	assert_int_equal(t.round_trip_pickup_ns[1], REPLAY_NO_PICKUP);
	assert_int_equal(t.round_trip_pickup_ns[2], REPLAY_NO_PICKUP);
	replay_trace_free(&t);
}

#define RESUMED (PLUGLAND_DECISION_BY_KERNEL | PLUGLAND_DECISION_REASON_FLAGS(PLUGLAND_KERNEL_RESUMED))
#define BY_FAST(why) (PLUGLAND_DECISION_BY_KERNEL | PLUGLAND_DECISION_REASON_FLAGS(why))

/* Switches: 11, queued at 50 by BPF's fast path while 10 runs on CPU 0,
 * runs there at 107 when 10 sleeps at 100: a switch of 7. Preempted at
 * 200 and run again at 205 on CPU 0, it switches from nothing (the same
 * task). CPU 0 idle from 300, 12's decision at 320 and run at 340 make a
 * pickup, not a switch. 13, waiting since 350 while 12 runs, takes CPU 0
 * at 410 after 12 stops at 400 and the host's thread preempts there
 * (resumed): the host's run, not a switch. */
static void test_switches(void **state)
{
	struct seq s = { .n = 0 };
	struct replay_trace t;

	(void)state;
	RUNNABLE(&s, 0, 10, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 0, 10, 0);
	RUNNABLE(&s, 50, 11, PLUGLAND_RUNNABLE_WAKEUP, 10);
	decided(&s, 50, 11, BY_FAST(PLUGLAND_KERNEL_QUEUED));
	STOPPING(&s, 100, 10, 0, false);
	QUIESCENT(&s, 100, 10);
	RUNNING(&s, 107, 11, 0);
	STOPPING(&s, 200, 11, 0, true);
	RUNNING(&s, 205, 11, 0);
	STOPPING(&s, 300, 11, 0, false);
	QUIESCENT(&s, 300, 11);
	RUNNABLE(&s, 310, 12, PLUGLAND_RUNNABLE_NEW, 0);
	decided(&s, 320, 12, 0);
	RUNNING(&s, 340, 12, 0);
	RUNNABLE(&s, 350, 13, PLUGLAND_RUNNABLE_NEW, 0);
	decided(&s, 360, 13, 0);
	STOPPING(&s, 400, 12, 0, true);
	decided(&s, 400, 12, RESUMED);
	RUNNING(&s, 410, 13, 0);
	build(&t, &s, 1);
	assert_int_equal(t.nr_switches, 1);
	assert_int_equal(t.switch_ns[0], 7);
	assert_int_equal(t.nr_pickups, 1);
	assert_int_equal(t.pickup_ns[0], 20);
	assert_int_equal(t.nr_host_runs, 1);
	assert_int_equal(t.host_run_ns[0], 10);
	replay_trace_free(&t);
}

/* BPF's fast paths have pickups and no round trip: CPU 0 idle from 500;
 * 11, placed on it by the idle path at 600, runs at 640 (40); 12, queued
 * at 1060 while CPU 0 idles from 1000, runs at 1090 (30). A failsafe
 * placement is not a fast path: 13's run on idle CPU 1 is no pickup. */
static void test_fast_path_pickups(void **state)
{
	struct seq s = { .n = 0 };
	struct replay_trace t;

	(void)state;
	RUNNABLE(&s, 0, 10, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 0, 10, 0);
	RUNNABLE(&s, 0, 13, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 0, 13, 1);
	STOPPING(&s, 100, 13, 1, true);
	STOPPING(&s, 500, 10, 0, false);
	QUIESCENT(&s, 500, 10);
	RUNNABLE(&s, 600, 11, PLUGLAND_RUNNABLE_NEW, 0);
	decided(&s, 600, 11, BY_FAST(PLUGLAND_KERNEL_IDLE));
	RUNNING(&s, 640, 11, 0);
	STOPPING(&s, 1000, 11, 0, false);
	QUIESCENT(&s, 1000, 11);
	RUNNABLE(&s, 1060, 12, PLUGLAND_RUNNABLE_NEW, 0);
	decided(&s, 1060, 12, BY_FAST(PLUGLAND_KERNEL_QUEUED));
	RUNNING(&s, 1090, 12, 0);
	decided(&s, 1100, 13, BY_FAST(PLUGLAND_KERNEL_FAILSAFE));
	RUNNING(&s, 1200, 13, 1);
	build(&t, &s, 2);
	assert_int_equal(t.nr_round_trips, 0);
	assert_int_equal(t.nr_pickups, 2);
	assert_int_equal(t.pickup_ns[0], 40);
	assert_int_equal(t.pickup_ns[1], 30);
	replay_trace_free(&t);
}

/* The host's runs: 10, stopped at 1000 on CPU 0 and resumed, runs there
 * again at 1080: the host ran 80. Stopped at 2000 and resumed, it runs on
 * CPU 1 at 2010, and 11 runs on CPU 0 at 2100: the host ran 100 there. At
 * 3000, 11 is stopped and resumed, but 12 ran on CPU 0 at 3000 before the
 * resume was told: CPU 0 was not the host's alone, none. A preemption the
 * policy decided (not a resume) is not the host's: none. */
static void test_host_runs(void **state)
{
	struct seq s = { .n = 0 };
	struct replay_trace t;

	(void)state;
	RUNNABLE(&s, 0, 10, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 0, 10, 0);
	STOPPING(&s, 1000, 10, 0, true);
	decided(&s, 1000, 10, RESUMED);
	RUNNING(&s, 1080, 10, 0);
	RUNNABLE(&s, 1500, 11, PLUGLAND_RUNNABLE_NEW, 0);
	STOPPING(&s, 2000, 10, 0, true);
	decided(&s, 2000, 10, RESUMED);
	RUNNING(&s, 2010, 10, 1);
	RUNNING(&s, 2100, 11, 0);
	RUNNABLE(&s, 2500, 12, PLUGLAND_RUNNABLE_NEW, 0);
	STOPPING(&s, 3000, 11, 0, true);
	RUNNING(&s, 3000, 12, 0);
	decided(&s, 3001, 11, RESUMED);
	STOPPING(&s, 4000, 12, 0, true);
	decided(&s, 4010, 12, 0);
	RUNNING(&s, 4020, 12, 0);
	build(&t, &s, 2);
	assert_int_equal(t.nr_host_runs, 2);
	assert_int_equal(t.host_run_ns[0], 80);
	assert_int_equal(t.host_run_ns[1], 100);
	replay_trace_free(&t);
}

#define HOST_RUN(s, from, to, pid, cpu, sched) \
	ev(s, to, PLUGLAND_EVENT_HOST_RUN, pid, cpu, 0, (sched) ? PLUGLAND_HOST_RUN_SCHED : 0, T0 + (from))

/* The host's own records: 10 sleeps on CPU 0 at 100, and the scheduling
 * thread (pid 99) runs there from 150 to 250: an idle run of 100. It
 * preempts 10 on CPU 1 from 1000 to 1080: a run, not an idle one (its
 * length is measured from the resume, as before). Another host thread
 * (98) runs 30 on CPU 0: counted apart. A host run that began before the
 * first task event is not the recording's. None of them is a task. */
static void test_host_own_runs(void **state)
{
	struct seq s = { .n = 0 };
	struct replay_trace t;

	(void)state;
	HOST_RUN(&s, (uint64_t)-30, (uint64_t)-10, 99, 1, true); /* ends before T0 */
	RUNNABLE(&s, 0, 10, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 10, 10, 0);
	STOPPING(&s, 100, 10, 0, false);
	QUIESCENT(&s, 100, 10);
	HOST_RUN(&s, 150, 250, 99, 0, true);
	RUNNABLE(&s, 500, 10, PLUGLAND_RUNNABLE_WAKEUP, 0);
	RUNNING(&s, 510, 10, 1);
	STOPPING(&s, 1000, 10, 1, true);
	HOST_RUN(&s, 1000, 1080, 99, 1, true);
	decided(&s, 1080, 10, RESUMED);
	RUNNING(&s, 1080, 10, 1);
	HOST_RUN(&s, 1100, 1130, 98, 0, false);
	build(&t, &s, 2);
	assert_int_equal(t.nr_tasks, 1);
	assert_int_equal(t.nr_unknown, 0);
	assert_int_equal(t.t0_ns, T0);
	assert_int_equal(t.nr_host_sched_runs, 2);
	assert_int_equal(t.nr_host_idle_runs, 1);
	assert_int_equal(t.host_idle_run_ns[0], 100);
	assert_int_equal(t.nr_host_runs, 1);
	assert_int_equal(t.host_run_ns[0], 80);
	assert_int_equal(t.nr_host_other_runs, 1);
	assert_int_equal(t.host_other_ns, 30);
	replay_trace_free(&t);
}

/* BPF's idle path as a kernel records it: its decision comes in
 * select_cpu, before the RUNNABLE. 10 runs on CPU 0 throughout; 11 sleeps
 * on CPU 1 at 100. At 200 the idle path places it (pickup 30, from the
 * placement). At 400 it wakes while the host's scheduling thread holds
 * idle-looking CPU 1 (350 to 450): not an idle wake-up; its round trip
 * (to 440) began with the host running; pickup 20. At 600 it wakes with
 * CPU 1 idle and the host asleep: an idle wake-up the policy got; round
 * trip with the host off; pickup 50. At 850 a placement comes, but the
 * next of 11's events is not its RUNNABLE (a weight change): the wake-up
 * at 900 is an idle one the policy got, not the idle path's. */
static void test_idle_path_as_recorded(void **state)
{
	struct seq s = { .n = 0 };
	struct replay_trace t;

	(void)state;
	RUNNABLE(&s, 0, 10, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 0, 10, 0);
	RUNNABLE(&s, 0, 11, PLUGLAND_RUNNABLE_NEW, 0);
	RUNNING(&s, 0, 11, 1);
	STOPPING(&s, 100, 11, 1, false);
	QUIESCENT(&s, 100, 11);
	decided(&s, 200, 11, BY_FAST(PLUGLAND_KERNEL_IDLE));
	RUNNABLE(&s, 200, 11, PLUGLAND_RUNNABLE_WAKEUP, 10);
	RUNNING(&s, 230, 11, 1);
	STOPPING(&s, 300, 11, 1, false);
	QUIESCENT(&s, 300, 11);
	RUNNABLE(&s, 400, 11, PLUGLAND_RUNNABLE_WAKEUP, 10);
	decided(&s, 440, 11, 0);
	HOST_RUN(&s, 350, 450, 99, 1, true);
	RUNNING(&s, 460, 11, 1);
	STOPPING(&s, 500, 11, 1, false);
	QUIESCENT(&s, 500, 11);
	RUNNABLE(&s, 600, 11, PLUGLAND_RUNNABLE_WAKEUP, 10);
	decided(&s, 700, 11, 0);
	RUNNING(&s, 750, 11, 1);
	STOPPING(&s, 800, 11, 1, false);
	QUIESCENT(&s, 800, 11);
	decided(&s, 850, 11, BY_FAST(PLUGLAND_KERNEL_IDLE));
	ev(&s, 860, PLUGLAND_EVENT_WEIGHT, 11, -1, 200, 0, 0);
	RUNNABLE(&s, 900, 11, PLUGLAND_RUNNABLE_WAKEUP, 10);
	build(&t, &s, 2);
	assert_int_equal(t.nr_idle_wakeups, 3);
	assert_int_equal(t.nr_idle_wakeups_fast, 1);
	assert_int_equal(t.nr_round_trips, 2);
	assert_int_equal(t.round_trip_ns[0], 40);
	assert_int_equal(t.round_trip_ns[1], 100);
	assert_non_null(t.round_trip_host_on);
	assert_int_equal(t.round_trip_host_on[0], 1);
	assert_int_equal(t.round_trip_host_on[1], 0);
	assert_int_equal(t.nr_pickups, 3);
	assert_int_equal(t.pickup_ns[0], 30);
	assert_int_equal(t.pickup_ns[1], 20);
	assert_int_equal(t.pickup_ns[2], 50);
	replay_trace_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waker_cpu_time),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_pickups),
		cmocka_unit_test(test_fast_path_pickups),
		cmocka_unit_test(test_host_runs),
		cmocka_unit_test(test_host_own_runs),
		cmocka_unit_test(test_idle_path_as_recorded),
		cmocka_unit_test(test_whole_life),
		cmocka_unit_test(test_truncated_both_ends),
		cmocka_unit_test(test_burst_without_cpu_is_sleep),
		cmocka_unit_test(test_weight_and_cpus),
		cmocka_unit_test(test_inconsistent_and_reuse),
		cmocka_unit_test(test_many_tasks),
		cmocka_unit_test(test_switches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

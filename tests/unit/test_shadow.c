// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow mode's parts: the feed from the loop (a full ring drops and
 * counts, a round goes in whole or not at all; one producer and one
 * consumer thread, for make tsan), and the comparison of hand-made rounds
 * with known disagreements.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "shadow_compare.h"
#include "shadow_feed.h"

static struct plugland_task task(int32_t pid, uint64_t cookie)
{
	struct plugland_task t = { .pid = pid, .tgid = pid, .cookie = cookie, .enq_ns = cookie };

	return t;
}

/* Pop everything: how many entries of each kind, in order of pids. */
static unsigned int pop_all(struct shadow_feed *f, unsigned int *nr_rounds)
{
	const struct shadow_entry *e;
	unsigned int n = 0;

	*nr_rounds = 0;
	while ((e = spsc_ring_peek(&f->to_shadow))) {
		*nr_rounds += e->kind == SHADOW_ROUND;
		n++;
		spsc_ring_pop(&f->to_shadow);
	}
	return n;
}

static void test_full_feed_drops_and_counts(void **state)
{
	struct plugland_dispatch out[4] = { { 0 } };
	static struct shadow_feed f;
	struct plugland_task t;
	const struct shadow_entry *e;
	unsigned int i, rounds;

	(void)state;
	assert_int_equal(shadow_feed_init(&f), 0);
	for (i = 0; i < SHADOW_FEED_ENTRIES + 10; i++) {
		t = task((int32_t)i + 1, i);
		shadow_feed_task(&f, &t);
	}
	assert_int_equal(atomic_load(&f.dropped), 10);
	/* In order, the first ones kept. */
	e = spsc_ring_peek(&f.to_shadow);
	assert_non_null(e);
	assert_int_equal(e->kind, SHADOW_TASK);
	assert_int_equal(e->task.pid, 1);
	/* Room for 3 entries: a round of 4 decisions (5 entries) is refused
	 * whole; one of 2 (3 entries) goes in. */
	for (i = 0; i < 3; i++)
		spsc_ring_pop(&f.to_shadow);
	shadow_feed_round(&f, 64, out, 4, 100, 2, 0);
	assert_int_equal(atomic_load(&f.dropped), 15);
	out[0].pid = 7;
	out[1].pid = 8;
	shadow_feed_round(&f, 64, out, 2, 100, 2, 0);
	assert_int_equal(atomic_load(&f.dropped), 15);
	assert_int_equal(pop_all(&f, &rounds), SHADOW_FEED_ENTRIES);
	assert_int_equal(rounds, 1);
	/* The round carries the drops so far: the shadow knows it missed some. */
	shadow_feed_round(&f, 64, out, 0, 200, 0, 0);
	e = spsc_ring_peek(&f.to_shadow);
	assert_int_equal(e->kind, SHADOW_ROUND);
	assert_int_equal(e->dropped, 15);
	shadow_feed_fini(&f);
}

/* One producer, one consumer, on two threads: every entry arrives once,
 * in order, or is counted as dropped. */
#define STRESS_ENTRIES 400000
static struct shadow_feed stress;
static _Atomic int producer_done;

static void *produce(void *arg)
{
	struct plugland_task t;
	uint64_t i;

	(void)arg;
	for (i = 1; i <= STRESS_ENTRIES; i++) {
		t = task((int32_t)(i & 0x7fffffff), i);
		shadow_feed_task(&stress, &t);
	}
	atomic_store(&producer_done, 1);
	return NULL;
}

static void test_feed_two_threads(void **state)
{
	const struct shadow_entry *e;
	uint64_t got = 0, last = 0;
	bool ordered = true;
	pthread_t p;

	(void)state;
	assert_int_equal(shadow_feed_init(&stress), 0);
	atomic_store(&producer_done, 0);
	assert_int_equal(pthread_create(&p, NULL, produce, NULL), 0);
	for (;;) {
		e = spsc_ring_peek(&stress.to_shadow);
		if (!e) {
			if (atomic_load(&producer_done) && !spsc_ring_peek(&stress.to_shadow))
				break;
			continue;
		}
		ordered = ordered && e->task.cookie > last && e->task.pid == (int32_t)e->task.cookie;
		last = e->task.cookie;
		got++;
		spsc_ring_pop(&stress.to_shadow);
	}
	pthread_join(p, NULL);
	assert_true(ordered);
	assert_int_equal(got + atomic_load(&stress.dropped), STRESS_ENTRIES);
	shadow_feed_fini(&stress);
}

static struct shadow_decision dec(int32_t pid, uint64_t cookie, int32_t cpu, uint64_t slice_ns)
{
	struct shadow_decision d = { .pid = pid, .cookie = cookie, .cpu = cpu, .slice_ns = slice_ns };

	return d;
}

static const struct shadow_task_stats *stats_of(const struct shadow_compare *c, int32_t pid)
{
	uint32_t i;

	for (i = 0; i <= c->mask; i++)
		if (c->tasks[i].pid == pid)
			return &c->tasks[i];
	return NULL;
}

static void test_compare_round(void **state)
{
	/* real: A B C; shadow: A (same), C (other CPU, one place up), D.
	 * A agrees; C differs by CPU and order; B and D only one side made. */
	const struct shadow_decision real[] = {
		dec(1, 10, 0, 5000), dec(2, 20, PLUGLAND_CPU_ANY, 5000), dec(3, 30, 1, 5000),
	};
	const struct shadow_decision mine[] = {
		dec(1, 10, 0, 5000), dec(3, 30, 2, 5000), dec(4, 40, 3, 9000),
	};
	const struct shadow_task_stats *s;
	struct shadow_compare c;
	int pos[3];

	(void)state;
	assert_int_equal(shadow_compare_init(&c), 0);
	shadow_compare_round(&c, real, 3, mine, 3, pos);
	assert_int_equal(c.t.rounds, 1);
	assert_int_equal(c.t.compared, 4);
	assert_int_equal(c.t.agreed, 1);
	assert_int_equal(c.t.diff_cpu, 1);
	assert_int_equal(c.t.diff_slice, 0);
	assert_int_equal(c.t.diff_order, 3);
	assert_int_equal(c.t.nr_real, 3);
	assert_int_equal(c.t.nr_shadow, 3);
	assert_int_equal(pos[0], 0);
	assert_int_equal(pos[1], 2);
	assert_int_equal(pos[2], -1);

	/* The same task, another enqueue (cookie): not a pair. A slice the
	 * shadow would have made longer. */
	const struct shadow_decision real2[] = { dec(1, 11, 0, 5000), dec(2, 21, 1, 5000) };
	const struct shadow_decision mine2[] = { dec(1, 10, 0, 5000), dec(2, 21, 1, 20000) };

	shadow_compare_round(&c, real2, 2, mine2, 2, pos);
	assert_int_equal(c.t.compared, 4 + 3);
	assert_int_equal(c.t.agreed, 1);
	assert_int_equal(c.t.diff_slice, 1);
	assert_int_equal(c.t.diff_order, 3 + 2);
	assert_int_equal(pos[0], -1);
	assert_int_equal(pos[1], 1);

	/* What the shadow would have given each task. */
	s = stats_of(&c, 2);
	assert_non_null(s);
	assert_int_equal(s->nr_real, 2);
	assert_int_equal(s->nr_shadow, 1);
	assert_int_equal(s->diff_slice, 1);
	assert_int_equal(s->diff_order, 1);
	assert_int_equal(s->shadow_slice_ns, 20000);
	assert_int_equal(s->real_slice_ns, 10000);
	s = stats_of(&c, 4);
	assert_int_equal(s->nr_real, 0);
	assert_int_equal(s->nr_shadow, 1);
	assert_int_equal(s->shadow_cpu, 3);
	s = stats_of(&c, 1);
	assert_int_equal(s->nr_agreed, 1);
	assert_int_equal(s->diff_order, 2);

	/* Top by disagreement: 1, 2 and 3 have 2 each (more decisions
	 * first: 4, 3, 2), then 4 with 1. */
	struct shadow_task_stats top[SHADOW_TOP_TASKS];
	unsigned int n = shadow_compare_top(&c, top, SHADOW_TOP_TASKS);

	assert_int_equal(n, 4);
	assert_int_equal(top[0].pid, 1);
	assert_int_equal(top[1].pid, 2);
	assert_int_equal(top[2].pid, 3);
	assert_int_equal(top[3].pid, 4);
	shadow_compare_fini(&c);
}

static void test_compare_full_agreement(void **state)
{
	struct shadow_decision real[64];
	struct shadow_compare c;
	unsigned int i;

	(void)state;
	assert_int_equal(shadow_compare_init(&c), 0);
	for (i = 0; i < 64; i++)
		real[i] = dec((int32_t)i + 100, i, (int)i % 4, 5000);
	shadow_compare_round(&c, real, 64, real, 64, NULL);
	shadow_compare_round(&c, real, 0, real, 0, NULL);
	assert_int_equal(c.t.rounds, 2);
	assert_int_equal(c.t.compared, 64);
	assert_int_equal(c.t.agreed, 64);
	assert_int_equal(c.t.diff_cpu + c.t.diff_slice + c.t.diff_order, 0);
	shadow_compare_fini(&c);
}

/* Past SHADOW_MAX_TASKS tasks, decisions count in the totals only. */
static void test_compare_bounded(void **state)
{
	struct shadow_compare c;
	struct shadow_decision d;
	int32_t pid;

	(void)state;
	assert_int_equal(shadow_compare_init(&c), 0);
	for (pid = 1; pid <= SHADOW_MAX_TASKS + 5; pid++) {
		d = dec(pid, 1, 0, 1);
		shadow_compare_add(&c, &d, &d, true);
	}
	assert_int_equal(c.nr_tasks, SHADOW_MAX_TASKS);
	assert_int_equal(c.t.untracked, 5);
	assert_int_equal(c.t.agreed, SHADOW_MAX_TASKS + 5);
	shadow_compare_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_feed_drops_and_counts),
		cmocka_unit_test(test_feed_two_threads),
		cmocka_unit_test(test_compare_round),
		cmocka_unit_test(test_compare_full_agreement),
		cmocka_unit_test(test_compare_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

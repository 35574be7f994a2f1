// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic machine's replayed wake-ups (SYNTH_WAIT_WAKE,
 * synth_backend_wake(), o.burst_end): a task sleeps until woken, never
 * before its burst ends; wakes that come while it is busy are each kept
 * for one sleep (none lost, none doubled); every burst's end is told in
 * time order, once; the machine ends when every task has exited. Marks
 * (o.next_mark) come as far into a burst's CPU time as asked, across
 * slices; a round trip (o.round_trip_ns) delays each task's delivery,
 * a pickup (o.pickup_ns) the start of a task given to an idle CPU, a
 * switch (o.switch_ns) that of one a CPU takes straight after another, a
 * kernel tick (o.tick_ns) makes a slice end at the next tick, the host's
 * run (o.host_run_ns) on a busy CPU delays what runs there, and, its
 * runs recorded, an idle CPU it runs on (o.host_idle_run_ns) is busy.
 * Driven by hand: every task queued is dispatched to any CPU at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "synth_backend.h"

/* Task 0: three bursts of 100 ns, each sleep until woken, then exits.
 * Task 1 (the waker): bursts of 1000 ns, 10 ns sleeps, 4 of them. */
struct world {
	uint32_t drawn[2];
	uint64_t ends[2][8];
	uint32_t nr_ends[2];
	bool wake_on_end;	/* task 1's end wakes task 0 */
	uint64_t mark_at;	/* task 1 wakes task 0 this far into each burst */
	uint64_t marks[8];	/* when task 1 reached them */
	uint32_t nr_marks, marked_burst;
	uint64_t slice_ns, tick_ns;
	const uint64_t *round_trip_ns, *pickup_ns, *paired_pickup_ns, *host_run_ns, *switch_ns;
	const uint64_t *host_idle_run_ns; /* the host's runs recorded: one per round trip */
	uint32_t fast_idle_ppm;
	struct backend *be;
};

static struct synth_behaviour draw(void *ctx, uint32_t idx)
{
	struct world *w = ctx;
	uint32_t b = w->drawn[idx]++;

	if (idx == 0)
		return (struct synth_behaviour){ 100, b == 2 ? SYNTH_EXIT : SYNTH_WAIT_WAKE };
	return (struct synth_behaviour){ 1000, b == 3 ? SYNTH_EXIT : 10 };
}

static void burst_end(void *ctx, struct backend *be, uint32_t idx, uint64_t end_ns)
{
	struct world *w = ctx;

	w->ends[idx][w->nr_ends[idx]++] = end_ns;
	if (w->wake_on_end && idx == 1)
		synth_backend_wake(be, 0, end_ns);
}

static uint64_t next_mark(void *ctx, uint32_t idx)
{
	struct world *w = ctx;

	/* Once per burst: asked again after the mark, it has none. */
	if (idx != 1 || w->marked_burst == w->drawn[1])
		return SYNTH_NO_MARK;
	return w->mark_at;
}

static void mark(void *ctx, struct backend *be, uint32_t idx, uint64_t at_ns)
{
	struct world *w = ctx;

	assert_int_equal(idx, 1);
	w->marked_burst = w->drawn[1];
	w->marks[w->nr_marks++] = at_ns;
	synth_backend_wake(be, 0, at_ns);
}

struct queued {
	struct plugland_task t[4];
	unsigned int n;
};

static int collect(void *ctx, unsigned int kind, const struct plugland_task *t)
{
	struct queued *q = ctx;

	(void)kind;
	q->t[q->n++] = *t;
	return 0;
}

/* Every queued task to any CPU, until the machine exits (or 1000 rounds). */
static void run(struct backend *be)
{
	unsigned int rounds, i;

	for (rounds = 0; rounds < 1000 && !be->ops->exited(be); rounds++) {
		struct queued q = { .n = 0 };
		struct plugland_dispatch d[4];

		be->ops->consume(be, collect, &q);
		for (i = 0; i < q.n; i++)
			d[i] = plugland_dispatch_of(&q.t[i]);
		if (q.n)
			assert_int_equal(be->ops->dispatch(be, d, q.n), q.n);
		be->ops->wait(be, 0);
	}
	assert_true(be->ops->exited(be));
}

static struct backend *machine(struct world *w, uint32_t nr_cpus)
{
	struct synth_opts o = { .nr_cpus = nr_cpus, .nr_tasks = 2, .slice_ns = 1000000,
				.draw = draw, .draw_ctx = w, .burst_end = burst_end,
				.burst_end_ctx = w };

	if (w->mark_at) {
		o.next_mark = next_mark;
		o.mark = mark;
		o.mark_ctx = w;
		o.slice_ns = w->slice_ns;
		o.tick_ns = w->tick_ns;
		o.round_trip_ns = w->round_trip_ns;
		o.nr_round_trips = w->round_trip_ns ? 1 : 0;
		o.pickup_ns = w->pickup_ns;
		o.nr_pickups = w->pickup_ns ? 1 : 0;
		o.round_trip_pickup_ns = w->paired_pickup_ns;
		o.switch_ns = w->switch_ns;
		o.nr_switches = w->switch_ns ? 1 : 0;
		o.host_run_ns = w->host_run_ns;
		o.nr_host_runs = w->host_run_ns ? 1 : 0;
		o.host_idle_run_ns = w->host_idle_run_ns;
		o.nr_host_idle_runs = o.nr_host_sched_runs = w->host_idle_run_ns ? 1 : 0;
		o.fast_idle_ppm = w->fast_idle_ppm;
	}

	memset(w->drawn, 0, sizeof(w->drawn));
	w->be = synth_backend_new(&o);
	assert_non_null(w->be);
	return w->be;
}

/* Two CPUs: task 0 runs [0, 100), sleeps until task 1's first burst ends
 * at 1000, runs [1000, 1100), then [2010, 2110) after the second. */
static void test_woken_when_the_waker_ends(void **state)
{
	struct world w = { .wake_on_end = true };
	struct backend *be = machine(&w, 2);
	const struct synth_task_stats *t0;

	(void)state;
	run(be);
	t0 = synth_backend_task(be, 0);
	assert_int_equal(w.nr_ends[0], 3);
	assert_int_equal(w.ends[0][0], 100);
	assert_int_equal(w.ends[0][1], 1100);
	assert_int_equal(w.ends[0][2], 2110);
	assert_int_equal(w.nr_ends[1], 4);
	assert_int_equal(w.ends[1][0], 1000);
	assert_int_equal(w.ends[1][1], 2010);
	assert_true(t0->exited);
	assert_int_equal(t0->exit_ns, 2110);
	assert_int_equal(t0->runtime_ns, 300);
	assert_int_equal(synth_backend_stats(be)->nr_exited, 2);
	synth_backend_free(be);
}

/* Woken twice before its first burst is even done (one CPU, the waker
 * first, then wakes given by hand): both wakes are kept, one per sleep,
 * and it never runs before its burst ends. */
static void test_early_wakes_kept_one_per_sleep(void **state)
{
	struct world w = { .wake_on_end = false };
	struct backend *be = machine(&w, 1);

	(void)state;
	synth_backend_wake(be, 0, 0);
	synth_backend_wake(be, 0, 0);
	run(be);
	/* Task 0 is queued first: [0, 100), then at once [100, 200), then
	 * [200, 300), both sleeps taken by the early wakes. */
	assert_int_equal(w.nr_ends[0], 3);
	assert_int_equal(w.ends[0][0], 100);
	assert_true(w.ends[0][1] >= 200);
	assert_true(w.ends[0][2] >= w.ends[0][1] + 100);
	assert_true(synth_backend_task(be, 0)->exited);
	synth_backend_free(be);
}

/* A wake while the task sleeps comes no earlier than its burst's end. */
static void test_a_third_wake_is_not_invented(void **state)
{
	struct world w = { .wake_on_end = false };
	struct backend *be = machine(&w, 1);
	unsigned int rounds;

	(void)state;
	synth_backend_wake(be, 0, 0); /* one wake: task 0 runs two bursts, then waits */
	for (rounds = 0; rounds < 200; rounds++) {
		struct queued q = { .n = 0 };
		struct plugland_dispatch d[4];
		unsigned int i;

		be->ops->consume(be, collect, &q);
		for (i = 0; i < q.n; i++)
			d[i] = plugland_dispatch_of(&q.t[i]);
		if (q.n)
			be->ops->dispatch(be, d, q.n);
		be->ops->wait(be, 0);
	}
	assert_int_equal(w.nr_ends[0], 2);
	assert_false(synth_backend_task(be, 0)->exited);
	assert_false(be->ops->exited(be));
	synth_backend_wake(be, 0, synth_backend_stats(be)->now_ns);
	run(be);
	assert_int_equal(w.nr_ends[0], 3);
	synth_backend_free(be);
}

/* A wake during its last run (three CPUs: one is free) comes at the
 * burst's end, not before: a task never runs beside itself. */
static void test_wake_waits_for_the_burst_end(void **state)
{
	struct world w = { .wake_on_end = false };
	struct backend *be = machine(&w, 3);
	struct queued q = { .n = 0 };
	struct plugland_dispatch d[4];
	unsigned int i;

	(void)state;
	be->ops->consume(be, collect, &q);
	for (i = 0; i < q.n; i++)
		d[i] = plugland_dispatch_of(&q.t[i]);
	be->ops->dispatch(be, d, q.n); /* task 0 runs [0, 100), parked after it */
	synth_backend_wake(be, 0, 50);
	synth_backend_wake(be, 0, 50); /* for its second sleep, taken at once */
	run(be);
	assert_int_equal(w.ends[0][0], 100);
	assert_int_equal(w.ends[0][1], 200);
	assert_int_equal(w.ends[0][2], 300);
	synth_backend_free(be);
}

/* Two CPUs: task 1 wakes task 0 400 ns into each of its bursts (the
 * first: [0, 1000), the next: [1010, 2010)): task 0 runs [400, 500),
 * then [1410, 1510), no later. */
static void test_woken_mid_burst(void **state)
{
	struct world w = { .mark_at = 400, .slice_ns = 1000000 };
	struct backend *be = machine(&w, 2);

	(void)state;
	run(be);
	assert_int_equal(w.nr_marks, 4); /* one per burst of task 1 */
	assert_int_equal(w.marks[0], 400);
	assert_int_equal(w.marks[1], 1410);
	assert_int_equal(w.ends[0][1], 500);
	assert_int_equal(w.ends[0][2], 1510);
	synth_backend_free(be);
}

/* A mark counts CPU time, not wall time: with 300 ns slices and a 50 ns
 * round trip, task 1 runs [50, 350), [400, 700): 400 ns of CPU time are
 * reached at 500. Task 0, woken then, reaches the policy at 550 and runs
 * [550, 650): its wait counts from 500. */
static void test_mark_across_slices_with_a_round_trip(void **state)
{
	static const uint64_t round_trip = 50;
	struct world w = { .mark_at = 400, .slice_ns = 300, .round_trip_ns = &round_trip };
	struct backend *be = machine(&w, 2);

	(void)state;
	run(be);
	assert_int_equal(w.marks[0], 500);
	assert_int_equal(w.ends[0][0], 150); /* [50, 150): delivered 50 late */
	assert_int_equal(w.ends[0][1], 650);
	assert_int_equal(synth_backend_task(be, 0)->wait_max_ns, 50);
	assert_int_equal(synth_backend_stats(be)->round_trip_ns % 50, 0);
	synth_backend_free(be);
}

/* A pickup of 30: task 0, woken 400 into task 1's first burst, is given
 * CPU 1, idle since 100: it runs [430, 530). Task 1 is given CPU 0 at 0,
 * when the machine starts: not idle before, no pickup. Task 1's second
 * burst comes after its 10 ns sleep, at 1010, to CPU 0 idle since 1000:
 * [1040, 2040), and its mark at 1440. */
static void test_pickup_of_an_idle_cpu(void **state)
{
	static const uint64_t pickup = 30;
	struct world w = { .mark_at = 400, .slice_ns = 1000000, .pickup_ns = &pickup };
	struct backend *be = machine(&w, 2);

	(void)state;
	run(be);
	assert_int_equal(w.ends[0][0], 100);
	assert_int_equal(w.marks[0], 400);
	assert_int_equal(w.ends[0][1], 530);
	assert_int_equal(w.ends[1][0], 1000);
	assert_int_equal(w.marks[1], 1440);
	assert_int_equal(synth_backend_task(be, 0)->wait_max_ns, 30);
	synth_backend_free(be);
}

/* A round trip of 50 drawn with its recorded pickup of 70 (the lone
 * pickups say 30): both tasks reach the policy at 50, and the CPUs, idle
 * since 0, run them at 120: task 0 [120, 220), task 1 [120, 1120). Woken
 * 400 into task 1's burst, at 520, task 0 reaches the policy at 570 and a
 * CPU idle since 220 runs it 70 later, not 30: [640, 740). */
static void test_pickup_paired_with_its_round_trip(void **state)
{
	static const uint64_t round_trip = 50, pickup = 30, paired = 70;
	struct world w = { .mark_at = 400, .slice_ns = 1000000, .round_trip_ns = &round_trip,
			   .pickup_ns = &pickup, .paired_pickup_ns = &paired };
	struct backend *be = machine(&w, 2);

	(void)state;
	run(be);
	assert_int_equal(w.ends[0][0], 220);
	assert_int_equal(w.marks[0], 520);
	assert_int_equal(w.ends[0][1], 740);
	synth_backend_free(be);
}

/* One CPU, 300 ns slices, switches of 7. Task 0 runs [0, 100); task 1,
 * queued behind it, starts 7 later: [107, 407). Woken at 157, 50 into
 * task 1's burst, task 0 runs [414, 514), and task 1 [521, 821), then
 * [821, 1221) with no switch: the CPU takes the same task again. Task
 * 1's next burst, at 1231, finds the CPU idle: no switch either. In all
 * five: task 0 at 414 and 1538, task 1 at 107, 521 and 1645. */
static void test_switch_to_another_task(void **state)
{
	static const uint64_t switch_ns = 7;
	struct world w = { .mark_at = 50, .slice_ns = 300, .switch_ns = &switch_ns };
	struct backend *be = machine(&w, 1);

	(void)state;
	run(be);
	assert_int_equal(w.ends[0][0], 100);
	assert_int_equal(w.marks[0], 157);
	assert_int_equal(w.ends[0][1], 514);
	assert_int_equal(w.ends[1][0], 1221);
	assert_int_equal(w.ends[0][2], 1638);
	assert_int_equal(w.ends[1][1], 2345);
	assert_int_equal(synth_backend_stats(be)->switch_ns, 5 * 7);
	synth_backend_free(be);
}

/* One CPU, 300 ns slices, a tick every 250 ns. Task 0 runs [0, 100) and
 * waits to be woken; task 1's slice, from 100, is used up at 400 and ends
 * at the tick at 500. Woken at 150, 50 into task 1's burst, task 0 runs
 * [500, 600). With no tick, task 1's slice ends at 400: [400, 500). */
static void test_slice_ends_at_the_next_tick(void **state)
{
	struct world w = { .mark_at = 50, .slice_ns = 300, .tick_ns = 250 };
	struct backend *be = machine(&w, 1);

	(void)state;
	run(be);
	assert_int_equal(w.marks[0], 150);
	assert_int_equal(w.ends[0][1], 600);
	synth_backend_free(be);

	w = (struct world){ .mark_at = 50, .slice_ns = 300 };
	be = machine(&w, 1);
	run(be);
	assert_int_equal(w.ends[0][1], 500);
	synth_backend_free(be);
}

/* One CPU, round trips of 50, host runs of 30 (one per round trip). Both
 * tasks reach the policy at 50, with the CPU idle: the host costs
 * nothing. Task 0 runs [50, 150), task 1 from 150; 400 into its burst, at
 * 550, it wakes task 0, which reaches the policy at 600 with the CPU busy:
 * the host takes it for 30, task 1 waits those 30 and its burst ends at
 * 1180, not 1150. Task 0 runs from 1180; at 1240 task 1, its sleep and
 * round trip over, reaches the policy with the CPU busy again: task 0
 * waits 30 in turn and ends at 1310. */
static void test_host_run_on_a_busy_cpu(void **state)
{
	static const uint64_t round_trip = 50, host_run = 30;
	struct world w = { .mark_at = 400, .slice_ns = 1000000, .round_trip_ns = &round_trip,
			   .host_run_ns = &host_run };
	struct backend *be = machine(&w, 1);

	(void)state;
	run(be);
	assert_int_equal(w.marks[0], 550);
	assert_int_equal(w.ends[1][0], 1180);
	assert_int_equal(w.ends[0][1], 1310);
	assert_int_equal(synth_backend_stats(be)->host_run_ns,
			 30 * synth_backend_stats(be)->nr_host_runs);
	assert_true(synth_backend_stats(be)->nr_host_runs >= 2);
	/* Each run the host took is one more wait of the task it stopped. */
	assert_int_equal(synth_backend_task(be, 0)->nr_dispatched +
			 synth_backend_task(be, 1)->nr_dispatched,
			 3 + 4 + synth_backend_stats(be)->nr_host_runs);
	synth_backend_free(be);
}

/* Two CPUs, round trips of 50, the host's runs recorded: one per round
 * trip, 70 on an idle CPU. Both tasks reach the policy at 50: the host
 * holds CPU 0 until 120, so task 0 runs [50, 150) on CPU 1 and task 1
 * [120, 1120) on CPU 0. 400 into that burst, at 520, task 1 wakes task 0,
 * which reaches the policy at 570: the host now holds CPU 1, idle since
 * 150, until 640, and task 0 runs [640, 740) there, not [570, 670). */
static void test_host_holds_an_idle_cpu(void **state)
{
	static const uint64_t round_trip = 50, idle_run = 70;
	struct world w = { .mark_at = 400, .slice_ns = 1000000, .round_trip_ns = &round_trip,
			   .host_idle_run_ns = &idle_run };
	struct backend *be = machine(&w, 2);
	const struct synth_stats *st;

	(void)state;
	run(be);
	st = synth_backend_stats(be);
	assert_int_equal(w.marks[0], 520);
	assert_int_equal(w.ends[1][0], 1120);
	assert_int_equal(w.ends[0][1], 740);
	assert_true(st->nr_host_idle_runs >= 2);
	assert_int_equal(st->host_idle_run_ns, 70 * st->nr_host_idle_runs);
	assert_int_equal(st->nr_host_runs, 0); /* no preemption recorded to draw */
	synth_backend_free(be);
}

/* As above, but the host's idle runs last 700 and it preempts for 30: it
 * holds CPU 0 [50, 750), task 0 runs [50, 150) on CPU 1, task 1 [150,
 * 1150) after it. Task 0, woken at 550, reaches the policy at 600 while
 * the host still runs: that round is part of the same run, so nobody is
 * preempted (task 1's burst still ends at 1150), and task 0 runs when
 * the host's CPU frees, [750, 850). */
static void test_host_round_within_its_run(void **state)
{
	static const uint64_t round_trip = 50, idle_run = 700, host_run = 30;
	struct world w = { .mark_at = 400, .slice_ns = 1000000, .round_trip_ns = &round_trip,
			   .host_idle_run_ns = &idle_run, .host_run_ns = &host_run };
	struct backend *be = machine(&w, 2);

	(void)state;
	run(be);
	assert_int_equal(w.marks[0], 550);
	assert_int_equal(w.ends[1][0], 1150);
	assert_int_equal(w.ends[0][1], 850);
	synth_backend_free(be);
}

/* BPF's idle path on a machine whose recording shows it placing few of
 * the wake-ups that found a CPU idle (o.fast_idle_ppm): two CPUs, task 1
 * wakes task 0 mid-burst, and wakes itself after each short sleep, with
 * the other CPU idle each time. With every one placed (0), all five
 * wake-ups take the idle path; with 1 per million, none does (the
 * policy, here the hand-driven loop, gets them). */
static void test_idle_path_as_often_as_recorded(void **state)
{
	static const uint32_t ppm[2] = { 0, 1 };
	static const uint64_t placed[2] = { 5, 0 };
	unsigned int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct world w = { .mark_at = 400, .slice_ns = 1000000, .fast_idle_ppm = ppm[i] };
		struct backend *be = machine(&w, 2);

		be->ops->set_fast_wake(be, PLUGLAND_POLICY_FAST_WAKE_IDLE);
		run(be);
		assert_int_equal(synth_backend_stats(be)->nr_fast_wake, placed[i]);
		assert_int_equal(w.ends[0][2] > 0, 1); /* task 0 ran its three bursts */
		synth_backend_free(be);
	}
}

/* Round trips drawn by the host's state (o.round_trip_host_on): 10 when
 * the recording's thread was running as the wait began, 500 (4 of them)
 * when not. The thread, its runs recorded, holds an idle CPU 1000 per
 * round. At 0 it is asleep: both tasks reach the policy at 500; it holds
 * CPU 0 [500, 1500), task 0 runs [500, 600) on CPU 1, task 1 [600, 1600)
 * there. Task 0, woken 400 into that burst at 1000 while the thread runs,
 * draws 10: at 1010 it waits for the first CPU free, CPU 0 at 1500, and
 * its burst ends at 1600 (with 500 drawn it would reach the policy at
 * 1500, as the thread takes CPU 0 again, and end at 1700). */
static void test_round_trip_by_host_state(void **state)
{
	static const uint64_t trips[5] = { 10, 500, 500, 500, 500 }, idle_run = 1000;
	static const uint8_t host_on[5] = { 1, 0, 0, 0, 0 };
	struct world w = { .mark_at = 400, .slice_ns = 1000000, .round_trip_ns = trips };
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 2, .slice_ns = 1000000,
				.draw = draw, .draw_ctx = &w, .burst_end = burst_end,
				.burst_end_ctx = &w, .next_mark = next_mark, .mark = mark,
				.mark_ctx = &w, .round_trip_ns = trips, .nr_round_trips = 5,
				.round_trip_host_on = host_on, .nr_host_sched_runs = 5,
				.host_idle_run_ns = &idle_run, .nr_host_idle_runs = 1 };
	struct backend *be = synth_backend_new(&o);

	(void)state;
	assert_non_null(be);
	w.be = be;
	run(be);
	assert_int_equal(w.marks[0], 1000);
	assert_int_equal(w.ends[0][1], 1600);
	synth_backend_free(be);
}

/* Three tasks on two CPUs for the host's choice of CPU: 0 runs 100 ns,
 * sleeps until woken, runs 100 ns and exits; 1 wakes it 400 ns into its
 * one 1000 ns burst; 2 runs 3000 ns. */
static struct synth_behaviour three_draw(void *ctx, uint32_t idx)
{
	uint32_t *drawn = ctx;
	uint32_t b = drawn[idx]++;

	if (idx == 0)
		return (struct synth_behaviour){ 100, b ? SYNTH_EXIT : SYNTH_WAIT_WAKE };
	return (struct synth_behaviour){ idx == 1 ? 1000 : 3000, SYNTH_EXIT };
}

static uint64_t three_next_mark(void *ctx, uint32_t idx)
{
	uint32_t *drawn = ctx;

	return idx == 1 && !drawn[3]++ ? 400 : SYNTH_NO_MARK;
}

static void three_mark(void *ctx, struct backend *be, uint32_t idx, uint64_t at_ns)
{
	(void)ctx;
	(void)idx;
	synth_backend_wake(be, 0, at_ns);
}

/* Round trips of 50, host runs of 30. All three reach the policy at 50,
 * CPUs idle: 0 runs [50, 150) on CPU 0, 1 [50, ...) on CPU 1, 2 from 150
 * on CPU 0. 1 wakes 0 at 450, which reaches the policy at 500 with both
 * CPUs busy: the host takes CPU 1, its waker's, not CPU 0 where it last
 * ran. 1 waits those 30 (a second run) and ends at 1080; 2 runs on. */
static void test_host_takes_the_wakers_cpu(void **state)
{
	static const uint64_t round_trip = 50, host_run = 30;
	uint32_t drawn[4] = { 0 };
	uint64_t ends[3] = { 0 };
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 3, .slice_ns = 1000000,
				.draw = three_draw, .draw_ctx = drawn,
				.next_mark = three_next_mark, .mark = three_mark, .mark_ctx = drawn,
				.round_trip_ns = &round_trip, .nr_round_trips = 1,
				.host_run_ns = &host_run, .nr_host_runs = 1 };
	struct backend *be;
	uint32_t i;

	(void)state;
	be = synth_backend_new(&o);
	assert_non_null(be);
	run(be);
	for (i = 0; i < 3; i++)
		ends[i] = synth_backend_task(be, i)->exit_ns;
	assert_int_equal(synth_backend_stats(be)->nr_host_runs, 1);
	assert_int_equal(synth_backend_task(be, 1)->nr_dispatched, 2);
	assert_int_equal(synth_backend_task(be, 2)->nr_dispatched, 1);
	assert_int_equal(ends[1], 1080);
	assert_int_equal(ends[2], 3150);
	synth_backend_free(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_woken_when_the_waker_ends),
		cmocka_unit_test(test_early_wakes_kept_one_per_sleep),
		cmocka_unit_test(test_a_third_wake_is_not_invented),
		cmocka_unit_test(test_wake_waits_for_the_burst_end),
		cmocka_unit_test(test_woken_mid_burst),
		cmocka_unit_test(test_mark_across_slices_with_a_round_trip),
		cmocka_unit_test(test_pickup_of_an_idle_cpu),
		cmocka_unit_test(test_pickup_paired_with_its_round_trip),
		cmocka_unit_test(test_slice_ends_at_the_next_tick),
		cmocka_unit_test(test_switch_to_another_task),
		cmocka_unit_test(test_host_run_on_a_busy_cpu),
		cmocka_unit_test(test_host_takes_the_wakers_cpu),
		cmocka_unit_test(test_host_holds_an_idle_cpu),
		cmocka_unit_test(test_host_round_within_its_run),
		cmocka_unit_test(test_idle_path_as_often_as_recorded),
		cmocka_unit_test(test_round_trip_by_host_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/* The deadline policy (plugins/deadline) on the synthetic backend. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "policy_harness.h"

#define MS 1000000ull

/* Relative distance of got from want. */
static double off(double got, double want)
{
	return got > want ? (got - want) / want : (want - got) / want;
}

/* Released at once (the default) or held until a CPU is free: the same shares. */
static void equal_shares(const char *hold)
{
	struct synth_opts o = { .nr_cpus = 4, .nr_tasks = 10, .max_ns = 10000 * MS };
	const struct synth_stats *st;
	struct harness h;
	uint32_t i;

	harness_load(&h, "deadline");
	harness_set(&h, hold);
	harness_start(&h, &o);
	harness_run(&h);
	for (i = 0; i < o.nr_tasks; i++) {
		double s = harness_share(&h, i, o.nr_tasks);

		if (off(s, 0.1) > 0.05)
			fail_msg("%s: task %u got %.4f of the CPU time, want 0.1 +- 5%%", hold, i, s);
	}
	/* Work-conserving: more tasks than CPUs keeps every CPU busy. */
	st = synth_backend_stats(h.be);
	assert_true(st->busy_ns >= st->now_ns * o.nr_cpus / 100 * 99);
	harness_stop(&h);
}

static void test_equal_weights_equal_shares(void **state)
{
	(void)state;
	equal_shares("deadline.hold=false");
	equal_shares("deadline.hold=true");
}

/* One task sleeps 4.1 ms after each 0.3 ms of work among six CPU hogs. */
static void test_sleeper_waits_less(void **state)
{
	struct synth_behaviour b[7] = { [6] = { .burst_ns = 300000, .sleep_ns = 4100000 } };
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 7, .max_ns = 10000 * MS, .behaviours = b };
	uint64_t hog_mean = 0, hog_p99 = 0, mean, p99;
	struct harness h;
	uint32_t i;

	(void)state;
	harness_load(&h, "deadline");
	harness_start(&h, &o);
	harness_run(&h);
	for (i = 0; i < 6; i++) {
		hog_mean += harness_mean_wait(&h, i) / 6;
		hog_p99 += synth_wait_percentile(synth_backend_task(h.be, i), 99) / 6;
	}
	mean = harness_mean_wait(&h, 6);
	p99 = synth_wait_percentile(synth_backend_task(h.be, 6), 99);
	printf("  sleeper waits mean %llu us, p99 %llu us; hogs mean %llu us, p99 %llu us\n",
	       (unsigned long long)mean / 1000, (unsigned long long)p99 / 1000,
	       (unsigned long long)hog_mean / 1000, (unsigned long long)hog_p99 / 1000);
	assert_true(synth_backend_task(h.be, 6)->nr_dispatched > 1000);
	assert_true(mean * 4 < hog_mean);
	assert_true(p99 < hog_p99);
	harness_stop(&h);
}

/*
 * Preemption: a task that wakes every 1 ms for 50 us among four hogs on
 * two CPUs. With preempt=true it takes a hog's CPU at once; with
 * preempt=false and wake_preempt=false it waits for one of two slices to
 * end. With wake_preempt (the default) BPF's ordered fast path preempts
 * for it all the same. Returns its p99 wait and checks that shares
 * stay fair to the hogs either way. min_slice_us is set below the
 * harness's 1 ms slice_us: only a hog that has run it can be preempted.
 */
static uint64_t sleeper_p99(const char *preempt, const char *wake_preempt, uint64_t *nr_preempted,
			    uint64_t *nr_by_bpf)
{
	struct synth_behaviour b[5] = { [4] = { .burst_ns = 50000, .sleep_ns = 1 * MS } };
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 5, .max_ns = 5000 * MS, .behaviours = b };
	struct harness h;
	uint64_t p99;
	uint32_t i;

	harness_load(&h, "deadline");
	harness_set(&h, preempt);
	harness_set(&h, wake_preempt);
	harness_set(&h, "deadline.min_slice_us=500");
	harness_start(&h, &o);
	harness_run(&h);
	p99 = synth_wait_percentile(synth_backend_task(h.be, 4), 99);
	*nr_preempted = synth_backend_stats(h.be)->nr_preempted;
	*nr_by_bpf = synth_backend_stats(h.be)->nr_wake_preempts;
	for (i = 0; i < 4; i++) {
		double s = harness_share(&h, i, o.nr_tasks);

		if (s < 0.22)
			fail_msg("%s: hog %u got %.3f of the CPU time", preempt, i, s);
	}
	harness_stop(&h);
	return p99;
}

static void test_wakeup_preempts_hogs(void **state)
{
	uint64_t with, without, in_bpf, nr_with, nr_without, nr_in_bpf, by_bpf, wide, nr_wide;

	(void)state;
	with = sleeper_p99("deadline.preempt=true", "deadline.wake_preempt=false", &nr_with, &by_bpf);
	without = sleeper_p99("deadline.preempt=false", "deadline.wake_preempt=false", &nr_without,
			      &by_bpf);
	assert_int_equal(by_bpf, 0);
	in_bpf = sleeper_p99("deadline.preempt=false", "deadline.wake_preempt=true", &nr_in_bpf,
			     &by_bpf);
	printf("  sleeper p99 wait: %llu us preempting (%llu preemptions), %llu us not, "
	       "%llu us by BPF's fast path (%llu preemptions, %llu by it)\n",
	       (unsigned long long)with / 1000, (unsigned long long)nr_with,
	       (unsigned long long)without / 1000, (unsigned long long)in_bpf / 1000,
	       (unsigned long long)nr_in_bpf, (unsigned long long)by_bpf);
	assert_int_equal(nr_without, 0);
	assert_true(nr_with > 1000);
	assert_true(with < 100000);	/* well under the 500 us minimum slice */
	assert_true(without > 200000); /* about half a 500 us minimum slice */
	assert_true(by_bpf > 1000);
	assert_true(nr_in_bpf >= by_bpf);
	assert_true(in_bpf < 100000);
	/* BPF's margin is wake_preempt_margin_us: a second is more than any
	 * hog gets ahead here, so BPF never preempts and the sleeper waits. */
	wide = sleeper_p99("deadline.preempt=false", "deadline.wake_preempt_margin_us=1000000",
			   &nr_wide, &by_bpf);
	printf("  with a 1 s wake_preempt_margin_us: %llu us (%llu by BPF)\n",
	       (unsigned long long)wide / 1000, (unsigned long long)by_bpf);
	assert_int_equal(by_bpf, 0);
	assert_true(wide > 200000);
}

/*
 * Shares follow the weights with slices that shrink (5 ms / 4 waiting,
 * over a 0.5 ms floor) and with the shipped ones, which stay at the
 * 2.5 ms floor under load: a task never runs two slices in a row, so
 * only a slice scaled by its weight gets a weight-400 hog more than half
 * a CPU once slices stop shrinking.
 */
static void weights_proportional(const char *slice, const char *min_slice)
{
	static const uint64_t w[6] = { 100, 100, 200, 200, 400, 400 };
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 6, .max_ns = 20000 * MS, .weights = w };
	struct harness h;
	uint32_t i;

	harness_load(&h, "deadline");
	harness_set(&h, slice);
	harness_set(&h, min_slice);
	harness_start(&h, &o);
	harness_run(&h);
	for (i = 0; i < o.nr_tasks; i++) {
		double s = harness_share(&h, i, o.nr_tasks), want = (double)w[i] / 1400;

		printf("  %s, %s: weight %3llu: %.4f of the CPU time (want %.4f)\n", slice,
		       min_slice, (unsigned long long)w[i], s, want);
		if (off(s, want) > 0.10)
			fail_msg("%s, %s: weight %llu got %.4f, want %.4f +- 10%%", slice, min_slice,
				 (unsigned long long)w[i], s, want);
	}
	harness_stop(&h);
}

static void test_weights_proportional(void **state)
{
	(void)state;
	weights_proportional("deadline.slice_us=5000", "deadline.min_slice_us=500");
	weights_proportional("deadline.slice_us=5000", "deadline.min_slice_us=2500");
}

/* A task back from a long sleep runs first, but only for about a slice
 * of credit: it cannot starve the hogs for its whole 50 ms burst. */
static void test_wakeup_credit_bounded(void **state)
{
	struct synth_behaviour b[3] = { [2] = { .burst_ns = 50 * MS, .sleep_ns = 500 * MS } };
	struct synth_opts o = { .nr_cpus = 1, .nr_tasks = 3, .max_ns = 5000 * MS, .behaviours = b };
	struct harness h;

	(void)state;
	harness_load(&h, "deadline");
	harness_set(&h, "deadline.slice_us=5000"); /* the bound: a slice, not the burst */
	harness_start(&h, &o);
	harness_run(&h);
	assert_true(synth_backend_task(h.be, 0)->wait_max_ns < 20 * MS);
	assert_true(synth_backend_task(h.be, 1)->wait_max_ns < 20 * MS);
	harness_stop(&h);
}

/* slice = max(min_slice, slice / waiting): ten hogs on one CPU.
 * min_slice NULL: deadline's default, the slice itself. */
static void check_slice(const char *min_slice, uint64_t want_ns)
{
	struct synth_opts o = { .nr_cpus = 1, .nr_tasks = 10, .max_ns = 2000 * MS };
	const struct synth_task_stats *st;
	struct harness h;
	uint64_t per_run;

	harness_load(&h, "deadline");
	harness_set(&h, "deadline.slice_us=5000");
	if (min_slice)
		harness_set(&h, min_slice);
	harness_start(&h, &o);
	harness_run(&h);
	st = synth_backend_task(h.be, 3);
	per_run = st->runtime_ns / st->nr_dispatched;
	if (off((double)per_run, (double)want_ns) > 0.05)
		fail_msg("%s: %llu ns per run, want %llu", min_slice ? min_slice : "default",
			 (unsigned long long)per_run, (unsigned long long)want_ns);
	harness_stop(&h);
}

static void test_slice_shrinks_with_waiting(void **state)
{
	(void)state;
	check_slice("deadline.min_slice_us=100", 500000);  /* 5 ms / 10 */
	check_slice("deadline.min_slice_us=1000", 1000000); /* the floor */
	check_slice(NULL, 5000000); /* by default a fixed slice, however many wait */
}

/* The defaults (DEADLINE_SLICE_NS, DEADLINE_WAKE_MARGIN_US): ten hogs on
 * one CPU run 20 ms at a time, and BPF's rule preempts for a waking task
 * 15 ms (virtual time) more urgent, with the same 20 ms slice. */
static void test_defaults(void **state)
{
	struct synth_opts o = { .nr_cpus = 1, .nr_tasks = 10, .max_ns = 4000 * MS };
	const struct plugland_wake_rule *r;
	const struct synth_task_stats *st;
	struct harness h;

	(void)state;
	harness_load(&h, "deadline");
	harness_start(&h, &o);
	harness_run(&h);
	st = synth_backend_task(h.be, 3);
	assert_true(off((double)(st->runtime_ns / st->nr_dispatched), 20.0 * MS) < 0.05);
	r = synth_backend_wake_rule(h.be);
	assert_int_equal(r->preempt_margin, 15 * MS);
	assert_int_equal(r->slice_ns, 20 * MS);
	harness_stop(&h);
}

static void test_bad_config_refused(void **state)
{
	struct harness h;

	(void)state;
	harness_load(&h, "deadline");
	harness_set(&h, "deadline.slice_us=1000");
	harness_set(&h, "deadline.min_slice_us=2000");
	harness_services(&h, "deadline", 2);
	assert_int_equal(h.ops.init(&h.svc.host, &h.ctx), -EINVAL);
	assert_non_null(strstr(harness_last_log, "min_slice_us"));
	harness_set(&h, "deadline.min_slice_us=abc");
	assert_int_equal(h.ops.init(&h.svc.host, &h.ctx), -EINVAL);
	assert_non_null(strstr(harness_last_log, "min_slice_us: expected a number"));
	harness_set(&h, "deadline.min_slice_us=1000");
	harness_set(&h, "deadline.wake_preempt_margin_us=0");
	assert_int_equal(h.ops.init(&h.svc.host, &h.ctx), -EINVAL);
	assert_non_null(strstr(harness_last_log, "wake_preempt_margin_us"));
	harness_set(&h, "deadline.wake_preempt_margin_us=15000");
	harness_set(&h, "deadline.wake_preempt_hog_slices=256");
	assert_int_equal(h.ops.init(&h.svc.host, &h.ctx), -EINVAL);
	assert_non_null(strstr(harness_last_log, "wake_preempt_hog_slices"));
	harness_close(h.handle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_weights_equal_shares),
		cmocka_unit_test(test_sleeper_waits_less),
		cmocka_unit_test(test_wakeup_preempts_hogs),
		cmocka_unit_test(test_weights_proportional),
		cmocka_unit_test(test_wakeup_credit_bounded),
		cmocka_unit_test(test_slice_shrinks_with_waiting),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_config_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * No policy allocates in enqueue() or dispatch(): malloc, calloc and
 * realloc are replaced by counting wrappers (they count only on the
 * scheduling thread, only inside those callbacks), and each policy runs a
 * mixed workload. AddressSanitizer owns malloc: there the check is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "skip_because.h"
#include "policy_harness.h"

#define MS 1000000ull

#ifndef __SANITIZE_ADDRESS__
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);

/* volatile: the compiler takes malloc() for a builtin that touches no
 * other memory. Thread-local: other threads (the resolver) may allocate. */
static __thread volatile bool counting;
static volatile uint64_t nr_allocs;

void *malloc(size_t n)
{
	nr_allocs += counting;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	nr_allocs += counting;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	nr_allocs += counting;
	return __libc_realloc(p, n);
}
#endif

static struct plugland_policy inner_ops, *inner = &inner_ops;
static uint64_t nr_calls;

static int counted_init(const struct plugland_host *h) { return inner->init(h); }
static void counted_exit(void) { inner->exit(); }

static int counted_enqueue(const struct plugland_task *t)
{
	int ret;

#ifndef __SANITIZE_ADDRESS__
	counting = true;
#endif
	ret = inner->enqueue(t);
#ifndef __SANITIZE_ADDRESS__
	counting = false;
#endif
	nr_calls++;
	return ret;
}

static unsigned int counted_dispatch(struct plugland_dispatch *out, unsigned int max)
{
	unsigned int n;

#ifndef __SANITIZE_ADDRESS__
	counting = true;
#endif
	n = inner->dispatch(out, max);
#ifndef __SANITIZE_ADDRESS__
	counting = false;
#endif
	nr_calls++;
	return n;
}

static void counted_tick(uint64_t now)
{
	if (inner->tick)
		inner->tick(now);
}

/* Hogs, sleepers and names that hit every kind of rule. */
static void run_counted(const char *policy, const char *const *settings)
{
	static const char *const comms[8] = { "hog", "hog", "player", "indexer", "make", "bash",
					      "postgres", "x" };
	static const uint64_t weights[8] = { 100, 400, 100, 100, 100, 200, 100, 50 };
	struct synth_behaviour b[8] = {
		[2] = { .burst_ns = 300000, .sleep_ns = 2100000 },
		[3] = { .burst_ns = 900000, .sleep_ns = 700000 },
		[5] = { .burst_ns = 100000, .sleep_ns = 9000000 },
		[7] = { .burst_ns = 2000000, .sleep_ns = 100000 },
	};
	struct synth_opts o = { .nr_cpus = 3, .nr_tasks = 8, .max_ns = 3000 * MS, .weights = weights,
				.behaviours = b, .comms = comms };
	struct plugland_policy wrapper;
	struct harness h;

	harness_load(&h, policy);
	for (; settings && *settings; settings++)
		harness_set(&h, *settings);
	inner_ops = h.ops;
	wrapper = (struct plugland_policy){
		.sz = sizeof(wrapper), .abi_version = PLUGLAND_ABI_VERSION, .name = policy,
		.init = counted_init, .enqueue = counted_enqueue, .dispatch = counted_dispatch,
		.exit = counted_exit, .tick = counted_tick,
	};
	h.ops = wrapper;
	nr_calls = 0;
#ifndef __SANITIZE_ADDRESS__
	nr_allocs = 0;
#endif
	harness_start(&h, &o);
	harness_run(&h);
	printf("  %s: %llu enqueue/dispatch calls\n", policy, (unsigned long long)nr_calls);
	assert_true(nr_calls > 5000);
#ifndef __SANITIZE_ADDRESS__
	assert_int_equal(nr_allocs, 0);
#endif
	h.ops = inner_ops; /* harness_stop calls exit() */
	harness_stop(&h);
}

static void skip_under_asan(void)
{
#ifdef __SANITIZE_ADDRESS__
	skip_because("AddressSanitizer owns malloc: allocations cannot be counted");
#endif
}

/* The wrappers do count: otherwise every other test here proves nothing. */
static void test_wrappers_count(void **state)
{
	(void)state;
	skip_under_asan();
#ifndef __SANITIZE_ADDRESS__
	void *volatile p;

	nr_allocs = 0;
	counting = true;
	p = malloc(16);
	p = realloc(p, 32);
	counting = false;
	free(p);
	p = calloc(1, 16);
	free(p);
	assert_int_equal(nr_allocs, 2);
#endif
}

static void test_deadline_no_alloc(void **state)
{
	(void)state;
	skip_under_asan();
	run_counted("deadline", NULL);
}

/* The other paths of deadline: preempting, and holding tasks (the gate). */
static void test_deadline_variants_no_alloc(void **state)
{
	static const char *const preempt[] = { "deadline.preempt=true", NULL };
	static const char *const hold[] = { "deadline.hold=true", NULL };

	(void)state;
	skip_under_asan();
	run_counted("deadline", preempt);
	run_counted("deadline", hold);
}

static void test_fifo_no_alloc(void **state)
{
	(void)state;
	skip_under_asan();
	run_counted("fifo", NULL);
}

static void test_lottery_no_alloc(void **state)
{
	static const char *const settings[] = { "lottery.seed=3", NULL };

	(void)state;
	skip_under_asan();
	run_counted("lottery", settings);
}

static void test_rules_no_alloc(void **state)
{
	char path[64] = "/tmp/plugland-alloc-XXXXXX", file[128], set[160];
	const char *settings[] = { set, "rules.proc_root=/nonexistent", NULL };
	FILE *f;

	(void)state;
	skip_under_asan();
	assert_non_null(mkdtemp(path));
	snprintf(file, sizeof(file), "%s/rules.ini", path);
	snprintf(set, sizeof(set), "rules.file=%s", file);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("[a]\ncomm = play*\nclass = latency\n[b]\ncomm_regex = ^index\nclass = background\n"
	      "[c]\ncgroup = /system.slice/*\nslice_us = 900\n[d]\ncomm = make\ncpus = 1-2\n"
	      "[e]\npid = 1005\nclass = background\n", f);
	fclose(f);
	run_counted("rules", settings);
	unlink(file);
	rmdir(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrappers_count),
		cmocka_unit_test(test_deadline_no_alloc),
		cmocka_unit_test(test_deadline_variants_no_alloc),
		cmocka_unit_test(test_fifo_no_alloc),
		cmocka_unit_test(test_lottery_no_alloc),
		cmocka_unit_test(test_rules_no_alloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

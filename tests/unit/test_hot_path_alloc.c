// SPDX-License-Identifier: GPL-2.0
/*
 * Nothing on the scheduling path allocates (docs/ARCHITECTURE.md). malloc,
 * calloc, realloc, aligned_alloc, posix_memalign and free are replaced by
 * counting wrappers that count on the scheduling thread only, from the
 * first round of the loop (after sched_loop_init) until it stops: whole
 * rounds (consume and the policy's enqueue, dispatch and the backlog, the
 * starvation guard, the policy's tick, the decision log's append) and the
 * loop's sleep between them. Each policy runs a mixed workload with a tick
 * every round and the log recording. AddressSanitizer owns malloc: there
 * the check is skipped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "skip_because.h"
#include "decision_log.h"
#include "policy_harness.h"

#define MS 1000000ull

#ifndef __SANITIZE_ADDRESS__
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

/* volatile: the compiler takes malloc() for a builtin that touches no
 * other memory. Thread-local: other threads (the resolver) may allocate. */
static __thread volatile bool counting;
static volatile uint64_t nr_allocs, nr_frees;

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

void *aligned_alloc(size_t align, size_t n)
{
	nr_allocs += counting;
	return __libc_memalign(align, n);
}

int posix_memalign(void **p, size_t align, size_t n)
{
	nr_allocs += counting;
	*p = __libc_memalign(align, n);
	return *p ? 0 : ENOMEM;
}

/* free(NULL) does nothing; a real free on the path is as bad as a malloc
 * (the arena's lock, trimming). */
void free(void *p)
{
	nr_frees += counting && p;
	__libc_free(p);
}
#endif

struct counted_opts {
	uint64_t max_wait_ns;	/* the starvation guard (0: off, as in the harness) */
	uint32_t max_per_call;	/* the backend takes at most this many decisions a call */
};

static uint64_t nr_rounds;

/* The loop's between_rounds hook (the operator's, which may allocate, is
 * not installed here): counting starts with the first round and stays on
 * until sched_loop_run() returns. A tick every round: the loop's clock
 * is the real one, of which a simulated run takes a fraction of a second. */
static void before_round(void *ctx)
{
	struct sched_loop *l = ctx;

	nr_rounds++;
#ifndef __SANITIZE_ADDRESS__
	counting = true;
#endif
	l->next_tick_ns = 0;
}

/* Hogs, sleepers and names that hit every kind of rule; 12 s of simulated
 * time: deadline's and rules' tick() sweep their tables from 10 s on. */
static void run_counted(const char *policy, const char *const *settings,
			const struct counted_opts *co)
{
	static const char *const comms[8] = { "hog", "hog", "player", "indexer", "make", "bash",
					      "postgres", "x" };
	static const uint64_t weights[8] = { 100, 400, 100, 100, 100, 200, 100, 50 };
	static volatile sig_atomic_t no_stop;
	struct synth_behaviour b[8] = {
		[2] = { .burst_ns = 300000, .sleep_ns = 2100000 },
		[3] = { .burst_ns = 900000, .sleep_ns = 700000 },
		[5] = { .burst_ns = 100000, .sleep_ns = 9000000 },
		[7] = { .burst_ns = 2000000, .sleep_ns = 100000 },
	};
	struct synth_opts o = { .nr_cpus = 3, .nr_tasks = 8, .max_ns = 12000 * MS,
				.weights = weights, .behaviours = b, .comms = comms,
				.max_per_call = co ? co->max_per_call : 0 };
	struct decision_log_opts lo = { .capacity = 4096, .backing = DECISION_LOG_ANON,
					.on_full = DECISION_LOG_WRAP, .nr_cpus = o.nr_cpus,
					.policies = { policy } };
	const struct synth_stats *st;
	struct decision_log *log;
	struct sched_loop *l;
	char err[256] = "";
	struct harness h;

	harness_load(&h, policy);
	for (; settings && *settings; settings++)
		harness_set(&h, *settings);
	harness_start(&h, &o);
	l = &h.host.loop;
	st = synth_backend_stats(h.be);
	log = decision_log_create(&lo, err, sizeof(err));
	if (!log)
		fail_msg("decision_log_create: %s", err);
	l->log = log;
	atomic_store(&l->recording, true);
	l->max_wait_ns = co ? co->max_wait_ns : 0;
	l->between_rounds = before_round;
	l->between_ctx = l;
	nr_rounds = 0;
#ifndef __SANITIZE_ADDRESS__
	nr_allocs = nr_frees = 0;
#endif

	assert_int_equal(sched_loop_run(l, &no_stop), 0);
#ifndef __SANITIZE_ADDRESS__
	counting = false;
#endif

	printf("  %s: %llu rounds, %llu ticks (tick() %s), %llu enqueued, %llu starved, "
	       "%llu backlogged, %llu logged\n", policy, (unsigned long long)nr_rounds,
	       (unsigned long long)l->st.nr_ticks, h.ops.tick ? "the policy's" : "none",
	       (unsigned long long)l->st.nr_enqueued, (unsigned long long)l->st.nr_starved,
	       (unsigned long long)l->st.nr_backlog, (unsigned long long)decision_log_head(log));
#ifndef __SANITIZE_ADDRESS__
	assert_int_equal(nr_allocs, 0);
	assert_int_equal(nr_frees, 0);
#endif
	/* The path this test claims to cover did run (deadline, whose fast
	 * path places the wake-ups, enqueues about 4,100 times in 12 s). */
	assert_true(l->st.nr_enqueued > 3000);
	assert_true(l->st.nr_ticks >= nr_rounds);
	assert_true(decision_log_head(log) >= l->st.nr_dispatched);
	assert_true(!co || !co->max_wait_ns || l->st.nr_starved > 0);
	assert_true(!co || !co->max_per_call || l->st.nr_backlog > 0);
	/* The books balance (starved tasks make the policy's decisions late). */
	assert_int_equal(st->nr_unknown, 0);
	assert_int_equal(l->st.nr_refused, 0);
	assert_int_equal(l->st.nr_invalid, 0);
	assert_int_equal(l->st.nr_enqueued + l->st.nr_starved,
			 l->st.nr_dispatched + sched_loop_in_flight(l) + l->st.nr_dropped);
	if (!l->st.nr_starved) {
		assert_int_equal(st->nr_stale, 0);
		assert_int_equal(st->nr_double, 0);
	}
	harness_stop(&h);
	decision_log_destroy(log);
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
	void *volatile p, *q = NULL;

	nr_allocs = nr_frees = 0;
	counting = true;
	p = malloc(16);
	p = realloc(p, 32);
	free(p);
	p = aligned_alloc(64, 64);
	free(p);
	assert_int_equal(posix_memalign(&q, 64, 64), 0);
	free(q);
	free(NULL);
	counting = false;
	p = calloc(1, 16);
	free(p);
	assert_int_equal(nr_allocs, 4);
	assert_int_equal(nr_frees, 3);
#endif
}

static void test_deadline_no_alloc(void **state)
{
	(void)state;
	skip_under_asan();
	run_counted("deadline", NULL, NULL);
}

/* The other paths of deadline: preempting, and holding tasks (the gate);
 * with 5 ms slices (the default before 20 ms), for ends of slices enough. */
static void test_deadline_variants_no_alloc(void **state)
{
	static const char *const preempt[] = { "deadline.preempt=true", "deadline.slice_us=5000",
					       NULL };
	static const char *const hold[] = { "deadline.hold=true", "deadline.slice_us=5000", NULL };

	(void)state;
	skip_under_asan();
	run_counted("deadline", preempt, NULL);
	run_counted("deadline", hold, NULL);
}

static void test_fifo_no_alloc(void **state)
{
	(void)state;
	skip_under_asan();
	run_counted("fifo", NULL, NULL);
}

static void test_lottery_no_alloc(void **state)
{
	static const char *const settings[] = { "lottery.seed=3", NULL };

	(void)state;
	skip_under_asan();
	run_counted("lottery", settings, NULL);
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
	run_counted("rules", settings, NULL);
	unlink(file);
	rmdir(path);
}

/*
 * The host's own dispatches: the starvation guard firing (into the
 * fallback ring, logged as the host's, the policy's later decision logged
 * as late) and a backend that takes few decisions a call (the backlog).
 * Under the synthetic backend every task held at a tick counts as
 * starved (the guard reads the real clock, enq_ns the simulated one):
 * deadline's gate holds some at every tick; fifo never holds one.
 */
static void test_host_dispatch_paths_no_alloc(void **state)
{
	/* The 2.5 ms slice floor under 5 ms slices (deadline's default
	 * before its fixed slice): more ends of slices, so tasks are held at
	 * ticks. */
	static const char *const hold[] = { "deadline.hold=true", "deadline.slice_us=5000",
					    "deadline.min_slice_us=2500", NULL };
	const struct counted_opts starve = { .max_wait_ns = 1 * MS };
	const struct counted_opts backlog = { .max_per_call = 1 };

	(void)state;
	skip_under_asan();
	run_counted("deadline", hold, &starve);
	run_counted("lottery", NULL, &backlog);
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
		cmocka_unit_test(test_host_dispatch_paths_no_alloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

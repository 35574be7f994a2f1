// SPDX-License-Identifier: GPL-2.0
/*
 * The ordered queue's fast path (PLUGLAND_POLICY_FAST_WAKE_VTIME) through
 * the loop on the synthetic backend, which places waking tasks as BPF's
 * enqueue does: a task with a base goes into the ordered queue at
 * max(base + weighted CPU time since, floor). The test policy keeps the
 * same clock itself, so every key BPF computed is checked against the
 * policy's own: exact, for tasks of different weights. Without a base,
 * or without PLUGLAND_POLICY_ORDERED, wake-ups come to enqueue().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../bpf/intf.h"
#include "config.h"
#include "decision_log.h"
#include "fast_wake.h"
#include "host.h"
#include "sched_loop.h"
#include "synth_backend.h"

#define NR_TASKS 6
#define SLICE_NS 1000000ull

static volatile sig_atomic_t no_stop, no_reload;

/*
 * "vclock": each task's weighted vruntime; a waking task no more than a
 * slice behind the clock (the largest vruntime released); every task
 * released at once for any CPU, by vruntime. Counts what it is told.
 */
struct vclock {
	const struct plugland_host *host;
	uint64_t vr[NR_TASKS], rt[NR_TASKS], clock;
	struct plugland_dispatch held[NR_TASKS];
	unsigned int nr_held;
	struct plugland_wake_rule posted;
};

static bool post_bases;	/* calls set_wake_vtime() */
/* At this dispatch() the fast paths are set again, as at a policy
 * switch (0: never): the bases given so far are void. */
static struct sched_loop *loop_now;
static uint64_t reset_at, nr_dispatches;
static uint64_t rule_margin;	/* the rule's preemption */
static uint32_t rule_flags, rule_hog_slices;
static uint64_t nr_enq_wakeup, nr_told_ordered, nr_told_idle, nr_key_wrong, nr_told_bad;
static const char *local_queues = "true"; /* run_on's [bpf] local_queues */
static bool local_granted;	/* queued placements name a CPU (FAST_WAKE_LOCAL) */

/* A queued placement's CPU: its own (FAST_WAKE_LOCAL), else any. */
static bool queued_cpu_right(int32_t cpu)
{
	return local_granted ? cpu >= 0 && cpu < 2 : cpu == PLUGLAND_CPU_ANY;
}

static uint64_t charge(const struct vclock *v, const struct plugland_task *t, uint32_t i)
{
	return (t->exec_runtime - v->rt[i]) * PLUGLAND_WEIGHT_DEFAULT / t->weight;
}

static uint64_t floor_of(const struct vclock *v)
{
	return v->clock > SLICE_NS ? v->clock - SLICE_NS : 0;
}

static void post_rule(struct vclock *v)
{
	v->posted = (struct plugland_wake_rule){ .floor = floor_of(v), .slice_ns = SLICE_NS,
						 .preempt_margin = rule_margin,
						 .preempt_flags = rule_flags,
						 .preempt_hog_slices = rule_hog_slices };
	v->host->set_wake_rule(v->host, &v->posted);
}

static int vc_init(const struct plugland_host *h, void **ctx)
{
	struct vclock *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	v->host = h;
	*ctx = v;
	return 0;
}

static void vc_exit(void *ctx) { free(ctx); }

static int vc_enqueue(void *ctx, const struct plugland_task *t)
{
	struct vclock *v = ctx;
	uint32_t i = (uint32_t)(t->pid - SYNTH_PID_BASE);

	nr_enq_wakeup += !!(t->flags & PLUGLAND_TASK_WAKEUP);
	v->vr[i] += charge(v, t, i);
	if ((t->flags & PLUGLAND_TASK_WAKEUP) && v->vr[i] < floor_of(v))
		v->vr[i] = floor_of(v);
	v->rt[i] = t->exec_runtime;
	if (post_bases)
		v->host->set_wake_vtime(v->host, t, v->vr[i]);
	v->held[v->nr_held] = plugland_dispatch_of(t);
	v->held[v->nr_held++].vtime = v->vr[i];
	return 0;
}

static unsigned int vc_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	struct vclock *v = ctx;
	unsigned int n = 0;

	for (; n < v->nr_held && n < max; n++) {
		out[n] = v->held[n];
		if (out[n].vtime > v->clock)
			v->clock = out[n].vtime;
	}
	memmove(v->held, v->held + n, (v->nr_held - n) * sizeof(v->held[0]));
	v->nr_held -= n;
	if (reset_at && ++nr_dispatches == reset_at)
		sched_loop_set_fast_wake_mode(loop_now, FAST_WAKE_AS_POLICY, true, true);
	post_rule(v);
	return n;
}

/* BPF's key must be this policy's own: its vruntime plus the weighted CPU
 * time since, no lower than the floor it last posted. */
static void vc_kernel_decided(void *ctx, const struct plugland_task *t,
			      const struct plugland_dispatch *d, unsigned int reason)
{
	struct vclock *v = ctx;
	uint32_t i = (uint32_t)(t->pid - SYNTH_PID_BASE);
	uint64_t key = v->vr[i] + charge(v, t, i);

	if (key < v->posted.floor)
		key = v->posted.floor;
	nr_told_ordered += reason == PLUGLAND_KERNEL_QUEUED;
	nr_told_idle += reason == PLUGLAND_KERNEL_IDLE;
	if (reason == PLUGLAND_KERNEL_QUEUED && (!queued_cpu_right(d->cpu) || d->slice_ns != SLICE_NS))
		nr_told_bad++;
	if (reason != PLUGLAND_KERNEL_QUEUED && reason != PLUGLAND_KERNEL_IDLE)
		nr_told_bad++;
	/* (An idle CPU's placement of a task whose base a reset voided keeps
	 * its old vtime: checked in runs without a reset.) */
	if ((reason == PLUGLAND_KERNEL_QUEUED || !reset_at) && (t->vtime != key || d->vtime != key))
		nr_key_wrong++;
	v->vr[i] = key;
	v->rt[i] = t->exec_runtime;
	if (key > v->clock)
		v->clock = key;
	post_rule(v);
}

static struct plugland_policy vclock = {
	.sz = sizeof(struct plugland_policy),
	.abi_version = PLUGLAND_ABI_VERSION,
	.name = "vclock",
	.init = vc_init,
	.enqueue = vc_enqueue,
	.dispatch = vc_dispatch,
	.exit = vc_exit,
	.kernel_decided = vc_kernel_decided,
};

/* Four tasks that run 0.1-0.4 ms and sleep 0.3-0.9 ms and two CPU hogs,
 * of weights 50 to 400, on 2 CPUs: most wake-ups find no CPU idle. */
static const struct synth_behaviour mixed[NR_TASKS] = {
	{ 100000, 300000 }, { 200000, 900000 }, { 300000, 500000 }, { 400000, 700000 },
};
static const uint64_t weights[NR_TASKS] = { 100, 50, 400, 200, 100, 300 };
/* Six sleepers, no hog. */
static const struct synth_behaviour sleepers[NR_TASKS] = {
	{ 100000, 300000 }, { 200000, 900000 }, { 300000, 500000 }, { 400000, 700000 },
	{ 500000, 400000 }, { 250000, 600000 },
};

/* Four sleepers and two tasks that run a slice and a half, then sleep:
 * each runs out one slice at a time, never two in a row. */
static const struct synth_behaviour bursty[NR_TASKS] = {
	{ 100000, 300000 }, { 200000, 900000 }, { 300000, 500000 }, { 400000, 700000 },
	{ 1500000, 1000000 }, { 1500000, 700000 },
};

struct run {
	struct backend *be;
	struct host host;
	struct config cfg;
	uint64_t ordered_recs, ordered_recs_bad;
};

static void run_on(struct run *r, uint32_t flags, bool bases, const struct synth_behaviour *b)
{
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = NR_TASKS, .max_ns = 500000000ull,
				.behaviours = b, .weights = weights, .slice_ns = SLICE_NS };
	struct host_opts ho = { .cfg = &r->cfg, .policy = &vclock, .stop = &no_stop,
				.reload = &no_reload };
	struct decision_log_reader rd;
	struct plugland_log_span span;
	struct plugland_decision rec;
	char set[64], err[256];

	nr_enq_wakeup = nr_told_ordered = nr_told_idle = nr_key_wrong = nr_told_bad = 0;
	post_bases = bases;
	vclock.flags = flags;
	r->be = synth_backend_new(&o);
	assert_non_null(r->be);
	ho.machine = r->be;
	config_defaults(&r->cfg);
	r->cfg.log_capacity = 1u << 16;
	snprintf(set, sizeof(set), "bpf.local_queues=%s", local_queues);
	if (config_set(&r->cfg, set, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(host_open(&r->host, &ho), 0);
	assert_int_equal(host_begin(&r->host), 0);
	local_granted = r->host.loop.fast_wake & PLUGLAND_POLICY_FAST_WAKE_LOCAL;
	loop_now = &r->host.loop;
	nr_dispatches = 0;
	assert_int_equal(sched_loop_run(&r->host.loop, &no_stop), 0);
	reset_at = 0;

	r->ordered_recs = r->ordered_recs_bad = 0;
	decision_log_reader_init(&rd, r->host.obs.log);
	while (decision_log_read(&rd, &rec, 1, &span) == 1) {
		if (!(rec.flags & PLUGLAND_DECISION_BY_KERNEL) ||
		    PLUGLAND_DECISION_REASON(rec.flags) != PLUGLAND_KERNEL_QUEUED)
			continue;
		r->ordered_recs++;
		/* for any CPU (or its own), at its wake-up, with the key it was
		 * queued at */
		if (!queued_cpu_right(rec.cpu) || !(rec.flags & PLUGLAND_TASK_WAKEUP) || !rec.vtime)
			r->ordered_recs_bad++;
	}
}

static void run_with(struct run *r, uint32_t flags, bool bases)
{
	run_on(r, flags, bases, mixed);
}

static void done(struct run *r)
{
	const struct synth_stats *st = synth_backend_stats(r->be);

	assert_int_equal(st->nr_stale + st->nr_double + st->nr_unknown, 0);
	host_end(&r->host);
	host_close(&r->host);
	synth_backend_free(r->be);
}

#define ORDERED_FAST                                                                               \
	(PLUGLAND_POLICY_ORDERED | PLUGLAND_POLICY_FAST_WAKE_IDLE | PLUGLAND_POLICY_FAST_WAKE_VTIME)

/* Granted to an ordered policy that gives bases: most wake-ups that find
 * no idle CPU are queued by the backend at the policy's own key, told
 * and logged; tasks whose slice ran out (the hogs) still come to it. */
static void test_keys_are_the_policys(void **state)
{
	const struct synth_stats *st;
	struct run r;

	(void)state;
	run_with(&r, ORDERED_FAST, true);
	st = synth_backend_stats(r.be);
	print_message("ordered %llu, idle %llu, by the policy %llu, wake-ups to it %llu\n",
		      (unsigned long long)st->nr_fast_ordered, (unsigned long long)st->nr_fast_wake,
		      (unsigned long long)st->nr_dispatched, (unsigned long long)nr_enq_wakeup);
	assert_int_equal(r.host.loop.fast_wake,
			 PLUGLAND_POLICY_FAST_WAKE_IDLE | PLUGLAND_POLICY_FAST_WAKE_VTIME);
	assert_true(st->nr_fast_ordered > 1000);
	assert_int_equal(st->nr_fast_ordered, st->nr_fast_queued);
	assert_int_equal(nr_told_ordered, st->nr_fast_ordered);
	assert_int_equal(nr_told_idle, st->nr_fast_wake);
	assert_int_equal(nr_key_wrong, 0);
	assert_int_equal(nr_told_bad, 0);
	assert_int_equal(r.ordered_recs, st->nr_fast_ordered);
	assert_int_equal(r.ordered_recs_bad, 0);
	/* a wake-up reaches the policy only before the task has a base */
	assert_true(nr_enq_wakeup <= NR_TASKS);
	assert_true(st->nr_dispatched > 100);
	assert_int_equal(st->nr_wake_preempts, 0); /* no margin posted */
	done(&r);
}

/* No base given: the path has nothing to start from, every wake-up that
 * finds no idle CPU goes to the policy. */
static void test_no_base_no_path(void **state)
{
	struct run r;

	(void)state;
	run_with(&r, ORDERED_FAST, false);
	assert_int_equal(synth_backend_stats(r.be)->nr_fast_ordered, 0);
	assert_int_equal(nr_told_ordered, 0);
	assert_true(nr_enq_wakeup > 1000);
	done(&r);
}

/* Without PLUGLAND_POLICY_ORDERED the host refuses it (it places tasks in
 * the ordered queue); the operator's "false" takes it away too. */
static void test_refused(void **state)
{
	struct run r;

	(void)state;
	run_with(&r, PLUGLAND_POLICY_FAST_WAKE_VTIME, true);
	assert_int_equal(r.host.loop.fast_wake, 0);
	assert_int_equal(synth_backend_stats(r.be)->nr_fast_ordered, 0);
	assert_true(nr_enq_wakeup > 1000);
	done(&r);

	assert_int_equal(fast_wake_granted(ORDERED_FAST, FAST_WAKE_NEVER, true), 0);
	assert_int_equal(fast_wake_granted(ORDERED_FAST, FAST_WAKE_ALWAYS, true),
			 PLUGLAND_POLICY_FAST_WAKE_IDLE | PLUGLAND_POLICY_FAST_WAKE_VTIME);
	assert_int_equal(fast_wake_granted(PLUGLAND_POLICY_FAST_WAKE_VTIME, FAST_WAKE_ALWAYS, true),
			 PLUGLAND_POLICY_FAST_WAKE_IDLE);
}

/* Threads woken on another CPU than they last ran on, over the run. */
static uint64_t migrations(const struct run *r)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < NR_TASKS; i++)
		n += synth_backend_task(r->be, i)->nr_migrations;
	return n;
}

/*
 * With FAST_WAKE_LOCAL the ordered path queues a waking task on its own
 * CPU's ordered queue, at the same key, told and logged with that CPU; a
 * free CPU runs, of its own queue's head and the any-CPU queue's, the
 * lower vtime, and takes from the other's only with nothing in either:
 * tasks move less often than through the one ordered queue, and the
 * policy's own decisions (the hogs' slices that ran out) still get their
 * share of the CPUs. [bpf] local_queues = false, or no queue path,
 * refuses it.
 */
static void test_local_ordered_queues(void **state)
{
	const uint32_t local = ORDERED_FAST | PLUGLAND_POLICY_FAST_WAKE_LOCAL;
	uint64_t moved_any, moved_local, hogs_ns = 0, hogs_local_ns = 0;
	const struct synth_stats *st;
	struct run r;

	(void)state;
	run_with(&r, ORDERED_FAST, true);
	moved_any = migrations(&r);
	for (uint32_t i = 4; i < NR_TASKS; i++)
		hogs_ns += synth_backend_task(r.be, i)->runtime_ns;
	done(&r);

	run_with(&r, local, true);
	st = synth_backend_stats(r.be);
	moved_local = migrations(&r);
	for (uint32_t i = 4; i < NR_TASKS; i++)
		hogs_local_ns += synth_backend_task(r.be, i)->runtime_ns;
	print_message("ordered %llu, taken by another CPU %llu; migrations %llu, one queue %llu; "
		      "hogs %llu ms, one queue %llu ms\n",
		      (unsigned long long)st->nr_fast_ordered, (unsigned long long)st->nr_local_stolen,
		      (unsigned long long)moved_local, (unsigned long long)moved_any,
		      (unsigned long long)(hogs_local_ns / 1000000),
		      (unsigned long long)(hogs_ns / 1000000));
	assert_int_equal(r.host.loop.fast_wake, local & ~PLUGLAND_POLICY_ORDERED);
	assert_true(st->nr_fast_ordered > 500);
	assert_int_equal(nr_told_ordered, st->nr_fast_ordered);
	assert_int_equal(nr_key_wrong, 0);
	assert_int_equal(nr_told_bad, 0);
	assert_int_equal(r.ordered_recs, st->nr_fast_ordered);
	assert_int_equal(r.ordered_recs_bad, 0);
	assert_true(moved_local < moved_any);
	assert_true(hogs_ns > 100000000);
	assert_true(hogs_local_ns * 10 >= hogs_ns * 8 && hogs_local_ns * 10 <= hogs_ns * 12);
	done(&r);

	/* six sleepers, no hog: a CPU with nothing of its own takes from the
	 * other's queue */
	run_on(&r, local, true, sleepers);
	st = synth_backend_stats(r.be);
	print_message("sleepers: ordered %llu, taken by another CPU %llu\n",
		      (unsigned long long)st->nr_fast_ordered, (unsigned long long)st->nr_local_stolen);
	assert_true(st->nr_local_stolen > 0);
	assert_true(st->nr_local_stolen < st->nr_fast_ordered);
	assert_int_equal(nr_key_wrong + nr_told_bad + r.ordered_recs_bad, 0);
	done(&r);

	/* with a preemption margin: queued on the CPU preempted for it */
	rule_margin = 1;
	run_with(&r, local, true);
	rule_margin = 0;
	assert_true(synth_backend_stats(r.be)->nr_wake_preempts > 100);
	assert_int_equal(nr_key_wrong + nr_told_bad + r.ordered_recs_bad, 0);
	done(&r);

	local_queues = "false";
	run_with(&r, local, true);
	local_queues = "true";
	st = synth_backend_stats(r.be);
	assert_int_equal(r.host.loop.fast_wake,
			 PLUGLAND_POLICY_FAST_WAKE_IDLE | PLUGLAND_POLICY_FAST_WAKE_VTIME);
	assert_int_equal(st->nr_local_stolen, 0);
	assert_int_equal(migrations(&r), moved_any);
	assert_int_equal(r.ordered_recs_bad + nr_told_bad, 0);
	done(&r);

	assert_int_equal(fast_wake_granted(local, FAST_WAKE_ALWAYS, true),
			 local & ~PLUGLAND_POLICY_ORDERED);
	assert_int_equal(fast_wake_granted(local, FAST_WAKE_NEVER, true), 0);
	/* no queue path: the ordered one needs PLUGLAND_POLICY_ORDERED */
	assert_int_equal(fast_wake_granted(PLUGLAND_POLICY_FAST_WAKE_IDLE | PLUGLAND_POLICY_FAST_WAKE_VTIME |
						   PLUGLAND_POLICY_FAST_WAKE_LOCAL,
					   FAST_WAKE_AS_POLICY, true),
			 PLUGLAND_POLICY_FAST_WAKE_IDLE);
}

/* Setting the fast paths again (a policy switch, a reload) voids the
 * bases: each task's next wake-up goes to the policy, which gives it a
 * base in its own virtual time; before that none is placed from an old
 * one (the keys stay the policy's). */
static void test_bases_void_after_reset(void **state)
{
	struct run r;

	(void)state;
	run_with(&r, ORDERED_FAST, true);
	assert_int_equal(nr_enq_wakeup, 0);
	done(&r);
	reset_at = 200;
	run_with(&r, ORDERED_FAST, true);
	print_message("wake-ups to the policy after the reset: %llu\n",
		      (unsigned long long)nr_enq_wakeup);
	assert_true(nr_enq_wakeup > 0);
	assert_true(nr_enq_wakeup <= NR_TASKS);
	assert_int_equal(nr_key_wrong, 0);
	assert_true(synth_backend_stats(r.be)->nr_fast_ordered > 1000);
	done(&r);
}

/* With a margin the path preempts; HOGS_ONLY keeps sleepers from
 * preempting each other (none among six sleepers) but not a CPU hog. */
static void test_preempts_hogs_only(void **state)
{
	uint64_t any, hogs_only, sleepers_any, sleepers_hogs_only;
	struct run r;

	(void)state;
	rule_margin = 1;
	rule_flags = 0;
	run_on(&r, ORDERED_FAST, true, sleepers);
	sleepers_any = synth_backend_stats(r.be)->nr_wake_preempts;
	assert_int_equal(nr_key_wrong, 0);
	done(&r);
	run_with(&r, ORDERED_FAST, true);
	any = synth_backend_stats(r.be)->nr_wake_preempts;
	done(&r);
	rule_flags = PLUGLAND_WAKE_PREEMPT_HOGS_ONLY;
	run_on(&r, ORDERED_FAST, true, sleepers);
	sleepers_hogs_only = synth_backend_stats(r.be)->nr_wake_preempts;
	done(&r);
	run_with(&r, ORDERED_FAST, true);
	hogs_only = synth_backend_stats(r.be)->nr_wake_preempts;
	assert_int_equal(nr_key_wrong, 0);
	done(&r);
	rule_margin = 0;
	rule_flags = 0;
	print_message("preemptions: sleepers %llu, %llu hogs only; mixed %llu, %llu hogs only\n",
		      (unsigned long long)sleepers_any, (unsigned long long)sleepers_hogs_only,
		      (unsigned long long)any, (unsigned long long)hogs_only);
	assert_true(sleepers_any > 100);
	assert_int_equal(sleepers_hogs_only, 0);
	assert_true(hogs_only > 100);
	assert_true(any > hogs_only);
}

/* preempt_hog_slices = 2: a task that ran out one slice is no victim any
 * more, one that runs out slice after slice still is. */
static uint64_t wake_preempts(const struct synth_behaviour *b, uint32_t hog_slices)
{
	uint64_t n;
	struct run r;

	rule_margin = 1;
	rule_flags = PLUGLAND_WAKE_PREEMPT_HOGS_ONLY;
	rule_hog_slices = hog_slices;
	run_on(&r, ORDERED_FAST, true, b);
	n = synth_backend_stats(r.be)->nr_wake_preempts;
	assert_int_equal(nr_key_wrong, 0);
	done(&r);
	rule_margin = 0;
	rule_flags = rule_hog_slices = 0;
	return n;
}

static void test_preempts_hogs_of_slices_in_a_row(void **state)
{
	uint64_t bursty_1 = wake_preempts(bursty, 1), bursty_2 = wake_preempts(bursty, 2);
	uint64_t hogs_2 = wake_preempts(mixed, 2), hogs_3 = wake_preempts(mixed, 3);

	(void)state;
	print_message("preemptions: bursty %llu (1 slice), %llu (2 in a row); hogs %llu (2), %llu (3)\n",
		      (unsigned long long)bursty_1, (unsigned long long)bursty_2,
		      (unsigned long long)hogs_2, (unsigned long long)hogs_3);
	assert_true(bursty_1 > 100);
	assert_int_equal(bursty_2, 0);
	assert_true(hogs_2 > 100);
	assert_true(hogs_3 > 100);
}

/*
 * The hog count that HOGS_ONLY reads, as BPF and the synthetic machine
 * keep it: slices that ran out in a row. A wake-up clears it; a task cut
 * short with slice left, a CPU hog preempted for a waking task, keeps
 * it: it must stay a victim for the next waking task. (BPF used to clear
 * it when the preempted hog went back to the policy rather than resume,
 * as when its vCPU was away: the hog then kept its CPU for a whole slice
 * against every wake-up.)
 */
static void test_hog_count(void **state)
{
	uint32_t n = 0;
	int i;

	(void)state;
	n = pl_hog_count(n, 0, 1);
	assert_int_equal(n, 1);
	for (i = 0; i < 5; i++) /* preempted again and again */
		n = pl_hog_count(n, 0, 0);
	assert_int_equal(n, 1);
	n = pl_hog_count(n, 0, 1);
	assert_int_equal(n, 2);
	assert_int_equal(pl_hog_count(n, 1, 0), 0); /* it slept */
	assert_int_equal(pl_hog_count(n, 1, 1), 0);
	assert_int_equal(pl_hog_count(255, 0, 1), 255);
	assert_int_equal(pl_hog_count(0, 0, 0), 0); /* new, or cut short before any */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_are_the_policys),
		cmocka_unit_test(test_no_base_no_path),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_preempts_hogs_only),
		cmocka_unit_test(test_preempts_hogs_of_slices_in_a_row),
		cmocka_unit_test(test_bases_void_after_reset),
		cmocka_unit_test(test_hog_count),
		cmocka_unit_test(test_local_ordered_queues),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The policy's fast paths (PLUGLAND_POLICY_FAST_WAKE_*) through the loop on
 * the synthetic backend, which places waking tasks as BPF's select_cpu
 * and enqueue do (an idle CPU; else, with FAST_WAKE_QUEUE, the tail of
 * the any-CPU queue, or with FAST_WAKE_LOCAL its CPU's own queue): every placement the backend makes itself reaches the policy's
 * kernel_decided() and the decision log (flagged, with its reason), the
 * operator's [bpf] idle_direct overrides the policy, and the loop's books
 * still balance.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "config.h"
#include "decision_log.h"
#include "host.h"
#include "sched_loop.h"
#include "synth_backend.h"

extern const struct plugland_policy plugland_builtin_fifo;

static volatile sig_atomic_t no_stop;

/* fifo, with the fast path asked for and kernel_decided() counted */
static uint64_t nr_told, nr_told_wakeup, nr_told_bad, nr_told_queued, nr_enq_wakeup;
static uint32_t flags_asked, flags_granted;
static const char *local_queues = "true"; /* run_with's [bpf] local_queues */
static const char *direct_local = "true"; /* ... and [bpf] direct_local */

static int fw_init(const struct plugland_host *h, void **ctx)
{
	return plugland_builtin_fifo.init(h, ctx);
}
static void fw_exit(void *ctx) { plugland_builtin_fifo.exit(ctx); }
static int fw_enqueue(void *ctx, const struct plugland_task *t)
{
	nr_enq_wakeup += !!(t->flags & PLUGLAND_TASK_WAKEUP);
	return plugland_builtin_fifo.enqueue(ctx, t);
}
static unsigned int fw_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	return plugland_builtin_fifo.dispatch(ctx, out, max);
}

/* A queued placement's CPU: its own (FAST_WAKE_LOCAL), else any, or
 * its own all the same when it went onto its CPU's own run queue
 * ([bpf] direct_local). */
static bool queued_cpu_right(int32_t cpu)
{
	if ((flags_granted & PLUGLAND_POLICY_FAST_WAKE_LOCAL) ||
	    (!strcmp(direct_local, "true") && cpu != PLUGLAND_CPU_ANY))
		return cpu >= 0 && cpu < 2;
	return cpu == PLUGLAND_CPU_ANY;
}

static void fw_kernel_decided(void *ctx, const struct plugland_task *t,
			      const struct plugland_dispatch *d, unsigned int reason)
{
	(void)ctx;
	nr_told++;
	nr_told_wakeup += !!(t->flags & PLUGLAND_TASK_WAKEUP);
	nr_told_queued += reason == PLUGLAND_KERNEL_QUEUED;
	/* what the policy is told: its own task, placed on a real CPU (or
	 * queued for any CPU, or with FAST_WAKE_LOCAL on its CPU's queue),
	 * with none of the host's private flag bits */
	if (reason == PLUGLAND_KERNEL_QUEUED ? !queued_cpu_right(d->cpu) ||
						       !(flags_asked & PLUGLAND_POLICY_FAST_WAKE_QUEUE)
					     : reason != PLUGLAND_KERNEL_IDLE || d->cpu < 0 || d->cpu >= 2)
		nr_told_bad++;
	if (d->pid != t->pid || (t->flags & ~(PLUGLAND_TASK_WAKEUP | PLUGLAND_TASK_NEW)) ||
	    !d->slice_ns)
		nr_told_bad++;
	if (flags_asked == PLUGLAND_POLICY_FAST_WAKE_PREV && reason == PLUGLAND_KERNEL_IDLE &&
	    d->cpu != t->cpu)
		nr_told_bad++;
}

static struct plugland_policy fast_fifo = {
	.sz = sizeof(struct plugland_policy),
	.abi_version = PLUGLAND_ABI_VERSION,
	.name = "fastfifo",
	.init = fw_init,
	.enqueue = fw_enqueue,
	.dispatch = fw_dispatch,
	.exit = fw_exit,
	.kernel_decided = fw_kernel_decided,
};

/* Tasks that run 0.1-0.35 ms and sleep 0.7-1.3 ms, out of step: on 2 CPUs
 * most wake-ups find one idle, not always the one they last ran on. */
static const struct synth_behaviour sleepy[6] = {
	{ 100000, 700000 }, { 150000, 1300000 }, { 200000, 900000 },
	{ 250000, 1100000 }, { 300000, 800000 }, { 350000, 1200000 },
};

/* Three CPU-bound tasks and three that sleep, on 2 CPUs: slices run out,
 * and the policy decides again for each (PLUGLAND_CPU_ANY). */
static const struct synth_behaviour hogs[6] = {
	{ 0, 0 }, { 0, 0 }, { 0, 0 }, { 200000, 700000 }, { 300000, 900000 }, { 400000, 1100000 },
};
/* Two CPU hogs and four tasks that sleep briefly (30-60 us) between
 * bursts: on 2 CPUs the wake-ups alone would keep both CPUs' queues full. */
static const struct synth_behaviour busy_wakers[6] = {
	{ 0, 0 }, { 0, 0 }, { 200000, 50000 }, { 250000, 40000 },
	{ 150000, 60000 }, { 200000, 30000 },
};
/* A CPU hog and five tasks that run about 0.1 ms and sleep 0.25 ms: the
 * CPUs are busy, and a waking task often finds nothing queued. */
static const struct synth_behaviour hog_and_wakers[6] = {
	{ 0, 0 }, { 100000, 250000 }, { 120000, 230000 }, { 90000, 260000 },
	{ 110000, 240000 }, { 100000, 250000 },
};
static const struct synth_behaviour *behaviours = sleepy; /* run_with's */

struct run {
	struct backend *be;
	struct host host;	/* fastfifo handed over, on the synthetic machine */
	struct config cfg;
	uint64_t by_kernel_recs, by_policy_recs, bad_recs, queued_recs;
};

static volatile sig_atomic_t no_reload;

/* fastfifo asking for `flags`, under the operator's [bpf] idle_direct. */
static void run_with(struct run *r, uint32_t flags, const char *idle_direct)
{
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 6, .max_ns = 500000000ull,
				.behaviours = behaviours };
	struct host_opts ho = { .cfg = &r->cfg, .policy = &fast_fifo, .stop = &no_stop,
				.reload = &no_reload };
	struct decision_log_reader rd;
	struct plugland_log_span span;
	struct plugland_decision rec;
	char set[64], err[256];

	nr_told = nr_told_wakeup = nr_told_bad = nr_told_queued = nr_enq_wakeup = 0;
	fast_fifo.flags = flags_asked = flags;
	r->be = synth_backend_new(&o);
	assert_non_null(r->be);
	ho.machine = r->be;
	config_defaults(&r->cfg);
	r->cfg.log_capacity = 1u << 16; /* the decision log, as a run makes it */
	snprintf(set, sizeof(set), "bpf.idle_direct=%s", idle_direct);
	if (config_set(&r->cfg, set, err, sizeof(err)))
		fail_msg("%s", err);
	snprintf(set, sizeof(set), "bpf.local_queues=%s", local_queues);
	if (config_set(&r->cfg, set, err, sizeof(err)))
		fail_msg("%s", err);
	snprintf(set, sizeof(set), "bpf.direct_local=%s", direct_local);
	if (config_set(&r->cfg, set, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(host_open(&r->host, &ho), 0);
	assert_int_equal(host_begin(&r->host), 0);
	flags_granted = r->host.loop.fast_wake;
	assert_non_null(r->host.obs.log);
	assert_int_equal(sched_loop_run(&r->host.loop, &no_stop), 0);

	r->by_kernel_recs = r->by_policy_recs = r->bad_recs = r->queued_recs = 0;
	decision_log_reader_init(&rd, r->host.obs.log);
	while (decision_log_read(&rd, &rec, 1, &span) == 1) {
		if (!(rec.flags & PLUGLAND_DECISION_BY_KERNEL)) {
			r->by_policy_recs++;
			continue;
		}
		r->by_kernel_recs++;
		/* a placement, flagged with why, on a CPU (queued: any CPU), at
		 * its wake-up */
		if (PLUGLAND_DECISION_REASON(rec.flags) == PLUGLAND_KERNEL_QUEUED) {
			r->queued_recs++;
			if (!queued_cpu_right(rec.cpu))
				r->bad_recs++;
		} else if (PLUGLAND_DECISION_REASON(rec.flags) != PLUGLAND_KERNEL_IDLE ||
			   rec.cpu < 0 || rec.cpu >= 2) {
			r->bad_recs++;
		}
		if (rec.pid < SYNTH_PID_BASE || !rec.enq_ns ||
		    rec.enq_ns != rec.dispatch_ns || !(rec.flags & PLUGLAND_TASK_WAKEUP))
			r->bad_recs++;
	}
}

static void done(struct run *r)
{
	const struct synth_stats *st = synth_backend_stats(r->be);

	/* the books balance whoever decided */
	assert_int_equal(st->nr_stale + st->nr_double + st->nr_unknown, 0);
	assert_int_equal(r->host.loop.st.nr_enqueued + r->host.loop.st.nr_refused + r->host.loop.st.nr_starved,
			 r->host.loop.st.nr_dispatched + sched_loop_in_flight(&r->host.loop) +
			 r->host.loop.st.nr_dropped);
	host_end(&r->host);
	host_close(&r->host);
	synth_backend_free(r->be);
}

/* Asked for: most wake-ups are placed by the backend, and every one of
 * them is told to the policy and logged, flagged, exactly once. */
static void test_fast_wake_told_and_logged(void **state)
{
	struct run r;
	uint64_t fast;

	(void)state;
	run_with(&r, PLUGLAND_POLICY_FAST_WAKE_IDLE, "policy");
	fast = synth_backend_stats(r.be)->nr_fast_wake;
	assert_true(fast > 100);
	assert_int_equal(r.host.loop.fast_wake, PLUGLAND_POLICY_FAST_WAKE_IDLE);
	assert_int_equal(r.host.loop.st.nr_by_kernel, fast);
	assert_int_equal(nr_told, fast);
	assert_int_equal(nr_told_wakeup, fast);
	assert_int_equal(nr_told_bad, 0);
	assert_int_equal(r.by_kernel_recs, fast);
	assert_int_equal(r.bad_recs, 0);
	assert_int_equal(r.by_policy_recs, r.host.loop.st.nr_dispatched);
	done(&r);
}

/* Not asked for, or refused by the operator: every wake-up goes to the
 * policy; the operator can also grant it to a policy that did not ask. */
static void test_fast_wake_modes(void **state)
{
	struct run r;

	(void)state;
	run_with(&r, 0, "policy");
	assert_int_equal(r.host.loop.fast_wake, 0);
	assert_int_equal(synth_backend_stats(r.be)->nr_fast_wake, 0);
	assert_int_equal(r.by_kernel_recs + nr_told, 0);
	done(&r);

	run_with(&r, PLUGLAND_POLICY_FAST_WAKE_IDLE, "false");
	assert_int_equal(r.host.loop.fast_wake, 0);
	assert_int_equal(synth_backend_stats(r.be)->nr_fast_wake, 0);
	assert_int_equal(r.by_kernel_recs + nr_told, 0);
	done(&r);

	run_with(&r, 0, "true");
	assert_int_equal(r.host.loop.fast_wake, PLUGLAND_POLICY_FAST_WAKE_IDLE);
	assert_true(synth_backend_stats(r.be)->nr_fast_wake > 100);
	assert_int_equal(nr_told, r.by_kernel_recs);
	done(&r);
}

/* FAST_WAKE_PREV takes only the CPU the task last ran on: fewer than
 * FAST_WAKE_IDLE, never another CPU. */
static void test_fast_wake_prev_only(void **state)
{
	struct run r;
	uint64_t prev, any;

	(void)state;
	run_with(&r, PLUGLAND_POLICY_FAST_WAKE_PREV, "policy");
	prev = synth_backend_stats(r.be)->nr_fast_wake;
	assert_int_equal(nr_told, prev);
	assert_int_equal(nr_told_bad, 0);
	done(&r);
	run_with(&r, PLUGLAND_POLICY_FAST_WAKE_IDLE, "policy");
	any = synth_backend_stats(r.be)->nr_fast_wake;
	done(&r);
	assert_true(prev > 0);
	print_message("fast wake-ups: prev %llu, any %llu\n", (unsigned long long)prev, (unsigned long long)any);
	assert_true(prev < any);
}

/* FAST_WAKE_QUEUE: a wake-up that finds no CPU idle is queued by the
 * backend too, so no wake-up reaches the policy; every placement is told
 * and logged, the queued ones for any CPU. */
static void test_fast_queue_told_and_logged(void **state)
{
	const uint32_t both = PLUGLAND_POLICY_FAST_WAKE_IDLE | PLUGLAND_POLICY_FAST_WAKE_QUEUE;
	const struct synth_stats *st;
	struct run r;

	(void)state;
	run_with(&r, both, "policy");
	st = synth_backend_stats(r.be);
	print_message("idle %llu, queued %llu, by the policy %llu\n",
		      (unsigned long long)st->nr_fast_wake, (unsigned long long)st->nr_fast_queued,
		      (unsigned long long)st->nr_dispatched);
	assert_int_equal(r.host.loop.fast_wake, both);
	assert_true(st->nr_fast_wake > 100);
	assert_true(st->nr_fast_queued > 100);
	assert_int_equal(nr_enq_wakeup, 0);
	assert_int_equal(nr_told, st->nr_fast_wake + st->nr_fast_queued);
	assert_int_equal(nr_told_queued, st->nr_fast_queued);
	assert_int_equal(nr_told_wakeup, nr_told);
	assert_int_equal(nr_told_bad, 0);
	assert_int_equal(r.host.loop.st.nr_by_kernel, nr_told);
	assert_int_equal(r.by_kernel_recs, nr_told);
	assert_int_equal(r.queued_recs, st->nr_fast_queued);
	assert_int_equal(r.bad_recs, 0);
	done(&r);

	/* alone: the wake-ups an idle CPU could take are queued as well */
	run_with(&r, PLUGLAND_POLICY_FAST_WAKE_QUEUE, "policy");
	st = synth_backend_stats(r.be);
	assert_int_equal(st->nr_fast_wake, 0);
	assert_true(st->nr_fast_queued > 100);
	assert_int_equal(nr_enq_wakeup, 0);
	assert_int_equal(nr_told, st->nr_fast_queued);
	assert_int_equal(nr_told_bad, 0);
	done(&r);

	/* the operator's "true" adds the idle path and keeps the queue;
	 * "false" takes both */
	run_with(&r, PLUGLAND_POLICY_FAST_WAKE_QUEUE, "true");
	assert_int_equal(r.host.loop.fast_wake, both);
	done(&r);
	run_with(&r, both, "false");
	assert_int_equal(r.host.loop.fast_wake, 0);
	assert_int_equal(synth_backend_stats(r.be)->nr_fast_queued, 0);
	assert_true(nr_enq_wakeup > 100);
	done(&r);
}

/* Threads woken on another CPU than they last ran on, over the run. */
static uint64_t migrations(const struct run *r)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < 6; i++)
		n += synth_backend_task(r->be, i)->nr_migrations;
	return n;
}

/* The hogs (tasks 0-2) ran in turn: as many slices each, give or take
 * one, and as much CPU time, give or take a slice. */
static void assert_hogs_take_turns(const struct run *r)
{
	uint64_t lo = UINT64_MAX, hi = 0, lo_ns = UINT64_MAX, hi_ns = 0;

	for (uint32_t i = 0; i < 3; i++) {
		const struct synth_task_stats *t = synth_backend_task(r->be, i);

		print_message("hog %u: %llu slices, %llu ms\n", i, (unsigned long long)t->nr_dispatched,
			      (unsigned long long)(t->runtime_ns / 1000000));
		lo = t->nr_dispatched < lo ? t->nr_dispatched : lo;
		hi = t->nr_dispatched > hi ? t->nr_dispatched : hi;
		lo_ns = t->runtime_ns < lo_ns ? t->runtime_ns : lo_ns;
		hi_ns = t->runtime_ns > hi_ns ? t->runtime_ns : hi_ns;
	}
	assert_true(lo > 10);
	assert_true(hi - lo <= 1);
	assert_true(hi_ns - lo_ns <= r->cfg.slice_us * 1000ull);
}

/* FAST_WAKE_LOCAL: the queued wake-ups wait on their own CPU's queue,
 * told and logged with that CPU; a free CPU runs, of its own queue's
 * first task and the any-CPU queue's, the one queued first, and takes
 * from the other's only with nothing in either, so tasks move less often
 * than through the one any-CPU queue. Without FAST_WAKE_QUEUE
 * it is refused. */
static void test_fast_queue_local(void **state)
{
	const uint32_t fifo = PLUGLAND_POLICY_FAST_WAKE_IDLE | PLUGLAND_POLICY_FAST_WAKE_QUEUE;
	const uint32_t local = fifo | PLUGLAND_POLICY_FAST_WAKE_LOCAL;
	const struct synth_stats *st;
	uint64_t moved_any, moved_local, hog_ns;
	struct run r;

	(void)state;
	direct_local = "false"; /* the queues alone (test_fast_queue_direct_local) */
	run_with(&r, fifo, "policy");
	moved_any = migrations(&r);
	done(&r);

	run_with(&r, local, "policy");
	st = synth_backend_stats(r.be);
	moved_local = migrations(&r);
	print_message("queued %llu, taken by another CPU %llu; migrations %llu, any-CPU queue %llu\n",
		      (unsigned long long)st->nr_fast_queued, (unsigned long long)st->nr_local_stolen,
		      (unsigned long long)moved_local, (unsigned long long)moved_any);
	assert_int_equal(r.host.loop.fast_wake, local);
	assert_true(st->nr_fast_queued > 100);
	assert_true(st->nr_local_stolen > 0);
	assert_true(st->nr_local_stolen < st->nr_fast_queued);
	assert_int_equal(nr_told_queued, st->nr_fast_queued);
	assert_int_equal(nr_told_bad, 0);
	assert_int_equal(r.queued_recs, st->nr_fast_queued);
	assert_int_equal(r.bad_recs, 0);
	assert_true(moved_local < moved_any);
	done(&r);

	/* the policy's own any-CPU decisions (slices that ran out) stay in
	 * the any-CPU queue, and a CPU takes whichever head came first: the
	 * three CPU hogs on 2 CPUs take turns, as through the one queue (on
	 * their last CPU's queue, one hog had a CPU to itself) */
	behaviours = hogs;
	run_with(&r, local, "policy");
	assert_true(r.host.loop.st.nr_dispatched > 100);
	assert_hogs_take_turns(&r);
	done(&r);
	/* ...and a hog is not held back behind wake-ups that keep its CPU's
	 * queue full: as much CPU time as through the one queue, within 20 % */
	behaviours = busy_wakers;
	run_with(&r, fifo, "policy");
	hog_ns = synth_backend_task(r.be, 0)->runtime_ns;
	done(&r);
	run_with(&r, local, "policy");
	print_message("hog among busy wakers: %llu ms, one queue %llu ms\n",
		      (unsigned long long)(synth_backend_task(r.be, 0)->runtime_ns / 1000000),
		      (unsigned long long)(hog_ns / 1000000));
	assert_true(hog_ns > 50000000);
	assert_true(synth_backend_task(r.be, 0)->runtime_ns * 10 >= hog_ns * 8);
	done(&r);
	behaviours = sleepy;

	/* the operator's "true" keeps it with the queue; [bpf] local_queues =
	 * false refuses it: the one any-CPU queue, as without it */
	run_with(&r, PLUGLAND_POLICY_FAST_WAKE_QUEUE | PLUGLAND_POLICY_FAST_WAKE_LOCAL, "true");
	assert_int_equal(r.host.loop.fast_wake, local);
	done(&r);
	local_queues = "false";
	run_with(&r, local, "policy");
	local_queues = "true";
	st = synth_backend_stats(r.be);
	assert_int_equal(r.host.loop.fast_wake, fifo);
	assert_true(st->nr_fast_queued > 100);
	assert_int_equal(st->nr_local_stolen, 0);
	assert_int_equal(migrations(&r), moved_any);
	assert_int_equal(r.queued_recs, st->nr_fast_queued);
	assert_int_equal(r.bad_recs + nr_told_bad, 0);
	done(&r);
	/* alone, or for an ordered policy (no FIFO queue): refused */
	run_with(&r, PLUGLAND_POLICY_FAST_WAKE_IDLE | PLUGLAND_POLICY_FAST_WAKE_LOCAL, "policy");
	assert_int_equal(r.host.loop.fast_wake, PLUGLAND_POLICY_FAST_WAKE_IDLE);
	assert_int_equal(synth_backend_stats(r.be)->nr_local_stolen, 0);
	done(&r);
	run_with(&r, PLUGLAND_POLICY_ORDERED | local, "policy");
	assert_int_equal(r.host.loop.fast_wake, PLUGLAND_POLICY_FAST_WAKE_IDLE);
	assert_int_equal(nr_told_queued, 0);
	done(&r);
}

/* [bpf] direct_local: with every CPU busy and nothing queued for its
 * CPU or for any, a waking task that the FIFO queue path takes goes onto
 * its CPU's own run queue: told and logged as queued there, counted by
 * the backend; the CPU hogs still get their CPU time (the policy's
 * decisions are not held back). Off, none goes so. Not for an ordered
 * policy (its queue path is by vtime). */
static void test_fast_queue_direct_local(void **state)
{
	const uint32_t fifo = PLUGLAND_POLICY_FAST_WAKE_IDLE | PLUGLAND_POLICY_FAST_WAKE_QUEUE;
	const uint32_t local = fifo | PLUGLAND_POLICY_FAST_WAKE_LOCAL;
	struct plugland_counters c;
	const struct synth_stats *st;
	uint64_t hog_ns, direct;
	struct run r;

	(void)state;
	behaviours = hog_and_wakers;
	direct_local = "false";
	run_with(&r, local, "policy");
	assert_int_equal(synth_backend_stats(r.be)->nr_direct_local, 0);
	hog_ns = synth_backend_task(r.be, 0)->runtime_ns;
	done(&r);
	direct_local = "true";
	for (int one_queue = 0; one_queue < 2; one_queue++) {
		run_with(&r, one_queue ? fifo : local, "policy");
		st = synth_backend_stats(r.be);
		direct = st->nr_direct_local;
		print_message("%s: queued %llu, of them onto their CPU %llu; hog %llu ms, without %llu ms\n",
			      one_queue ? "one queue" : "queue per CPU",
			      (unsigned long long)st->nr_fast_queued, (unsigned long long)direct,
			      (unsigned long long)(synth_backend_task(r.be, 0)->runtime_ns / 1000000),
			      (unsigned long long)(hog_ns / 1000000));
		assert_true(direct > 100);
		assert_true(direct < st->nr_fast_queued);
		assert_int_equal(r.be->ops->counters(r.be, &c), 0);
		assert_int_equal(c.nr_direct_local, direct);
		assert_int_equal(nr_told_queued, st->nr_fast_queued);
		assert_int_equal(r.queued_recs, st->nr_fast_queued);
		assert_int_equal(r.bad_recs + nr_told_bad, 0);
		assert_true(synth_backend_task(r.be, 0)->runtime_ns * 10 >= hog_ns * 8);
		done(&r);
	}
	run_with(&r, PLUGLAND_POLICY_ORDERED | PLUGLAND_POLICY_FAST_WAKE_IDLE |
			     PLUGLAND_POLICY_FAST_WAKE_VTIME, "policy");
	assert_int_equal(synth_backend_stats(r.be)->nr_direct_local, 0);
	done(&r);
}

/* An ordered policy's queue is ordered by a vtime only the policy
 * computes: the host refuses it the FIFO queue (and keeps the idle path). */
static void test_fast_queue_refused_when_ordered(void **state)
{
	struct run r;

	(void)state;
	run_with(&r, PLUGLAND_POLICY_ORDERED | PLUGLAND_POLICY_FAST_WAKE_IDLE |
			     PLUGLAND_POLICY_FAST_WAKE_QUEUE, "policy");
	assert_int_equal(r.host.loop.fast_wake, PLUGLAND_POLICY_FAST_WAKE_IDLE);
	assert_int_equal(synth_backend_stats(r.be)->nr_fast_queued, 0);
	assert_int_equal(nr_told_queued, 0);
	assert_true(nr_enq_wakeup > 100);
	done(&r);
}

/* run_with's defaults, before each test: one that failed midway may
 * have left its own. */
static int defaults(void **state)
{
	(void)state;
	behaviours = sleepy;
	local_queues = "true";
	direct_local = "true";
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fast_wake_told_and_logged, defaults),
		cmocka_unit_test_setup(test_fast_queue_told_and_logged, defaults),
		cmocka_unit_test_setup(test_fast_queue_refused_when_ordered, defaults),
		cmocka_unit_test_setup(test_fast_queue_local, defaults),
		cmocka_unit_test_setup(test_fast_queue_direct_local, defaults),
		cmocka_unit_test_setup(test_fast_wake_modes, defaults),
		cmocka_unit_test_setup(test_fast_wake_prev_only, defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

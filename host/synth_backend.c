// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../bpf/intf.h"
#include "fast_wake.h"
#include "synth_backend.h"
#include "topology.h"
#include "wait_hist.h"

enum synth_state {
	SYNTH_PENDING,		/* queued to the policy at ready_ns */
	SYNTH_IN_POLICY,	/* the policy holds it */
	SYNTH_RELEASED,		/* in the any-CPU queue */
	SYNTH_PARKED,		/* asleep until synth_backend_wake() (SYNTH_WAIT_WAKE) */
};

struct synth_task {
	struct plugland_task t;	/* what the next delivery hands out */
	enum synth_state state;
	uint64_t ready_ns;	/* PENDING: when it is queued to the policy */
	bool delayed;		/* PENDING: ready_ns includes its round trip ... */
	uint64_t pickup_ns;	/* ... and its pickup, if an idle CPU runs it, is
				   this one (SYNTH_NO_PICKUP: drawn) */
	uint64_t seq;		/* PENDING, RELEASED: order among equal keys */
	uint64_t slice_ns;	/* RELEASED: the slice it was given */
	uint64_t burst_left;	/* CPU time until it sleeps; 0: a new burst next */
	struct synth_behaviour beh; /* the burst it is in and the sleep after */
	struct synth_task_stats st;
	/* Replayed wake-ups (o.burst_end, SYNTH_WAIT_WAKE): */
	uint64_t done_ns, done_seq; /* its burst ends then (in s->done) */
	bool in_done;
	/* o.next_mark: its run now, by the burst's CPU time [run_from,
	 * run_from + run_ns) from run_start; its next mark (in s->marks). */
	uint64_t run_from, run_start, run_ns;
	uint64_t mark_ns, mark_seq;
	bool in_marks;
	int32_t wake_cpu;	/* PENDING: where its waker ran when it woke it; -1 */
	uint32_t wakes_pending;	/* wakes come before their SYNTH_WAIT_WAKE sleep began */
	bool wake_used;		/* its last run took one of them (undone on preemption) */
	/* FAST_WAKE_VTIME: it stood at wake_vtime at CPU time wake_runtime */
	bool has_wake_base;
	uint64_t wake_vtime, wake_runtime;
	/* As BPF's ran_out: its last slices in a row that ran out (queued to
	 * the policy not at a wake-up; a preemption does not count) */
	uint32_t ran_out;
	bool cut_short;
	int32_t own_cpu;	/* RELEASED by FAST_WAKE_LOCAL: the CPU whose queue holds it; -1 */
};

struct synth_cpu {
	uint64_t free_ns;	/* done with what it was given */
	bool reserved;		/* claimed by pick_idle_cpu, not yet used */
	/* the last task given to it: runs [start, free_ns) */
	uint32_t last;
	bool has_last;
	bool last_sleeps;	/* it sleeps when done, rather than being preempted */
	uint64_t last_start;
	uint64_t last_vtime;
};

/* A binary min-heap of task indices; `before` orders two of them. */
struct synth_backend;
struct task_heap {
	uint32_t *v;
	uint32_t n;
	bool (*before)(const struct synth_backend *s, uint32_t a, uint32_t b);
};

struct synth_backend {
	struct backend be;
	struct synth_opts o;
	struct synth_task *tasks;
	struct synth_cpu *cpus;
	struct task_heap pending;  /* PENDING tasks by (ready_ns, seq) */
	struct task_heap released; /* RELEASED (any CPU) by (vtime, seq) when
				      ordered, else by seq: the kernel's DSQ */
	uint32_t *aside;	/* run_released(), run_cpu_queues(): tasks no free CPU takes now */
	struct task_heap done;	/* o.burst_end: bursts to end, by (done_ns, done_seq) */
	struct task_heap marks;	/* o.next_mark: marks to reach, by (mark_ns, mark_seq) */
	bool ordered;
	uint32_t fast_wake;	/* PLUGLAND_POLICY_FAST_WAKE_* */
	struct plugland_wake_rule wake_rule; /* FAST_WAKE_VTIME's */
	uint64_t next_seq;
	uint32_t next_cpu;
	uint64_t rng;		/* o.round_trip_ns draws: splitmix64 */
	uint32_t host_cpu;	/* where the host's thread last ran */
	uint64_t host_until;	/* o.nr_host_sched_runs: it runs until then */
	/* o.round_trip_host_on: the round trips begun while the host's
	 * thread ran [0], and while it did not [1] (indices) */
	size_t *trips_by_host[2];
	size_t nr_trips_by_host[2];
	int32_t waker_cpu;	/* in o.mark or o.burst_end: the waker's CPU; -1 */
	struct synth_stats st;
};

#define SYNTH(be) ((struct synth_backend *)(be))
#define SYNTH_IDLE_STEP_NS 1000000ull /* nothing scheduled: let time pass */

/* Whether task idx may run on CPU c (a CPU of the machine, in its set). */
static bool may_run(const struct synth_backend *s, uint32_t idx, int32_t c)
{
	return c >= 0 && (uint32_t)c < s->o.nr_cpus &&
	       (!s->o.allowed || synth_cpumask_has(&s->o.allowed[idx], (uint32_t)c));
}

static bool pending_before(const struct synth_backend *s, uint32_t a, uint32_t b)
{
	const struct synth_task *x = &s->tasks[a], *y = &s->tasks[b];

	return x->ready_ns < y->ready_ns || (x->ready_ns == y->ready_ns && x->seq < y->seq);
}

static bool released_before(const struct synth_backend *s, uint32_t a, uint32_t b)
{
	const struct synth_task *x = &s->tasks[a], *y = &s->tasks[b];

	if (!s->ordered)
		return x->seq < y->seq;
	return x->t.vtime < y->t.vtime || (x->t.vtime == y->t.vtime && x->seq < y->seq);
}

static bool mark_before(const struct synth_backend *s, uint32_t a, uint32_t b)
{
	const struct synth_task *x = &s->tasks[a], *y = &s->tasks[b];

	return x->mark_ns < y->mark_ns || (x->mark_ns == y->mark_ns && x->mark_seq < y->mark_seq);
}

static bool done_before(const struct synth_backend *s, uint32_t a, uint32_t b)
{
	const struct synth_task *x = &s->tasks[a], *y = &s->tasks[b];

	return x->done_ns < y->done_ns || (x->done_ns == y->done_ns && x->done_seq < y->done_seq);
}

static void heap_swap(struct task_heap *h, uint32_t i, uint32_t j)
{
	uint32_t tmp = h->v[i];

	h->v[i] = h->v[j];
	h->v[j] = tmp;
}

static void heap_up(const struct synth_backend *s, struct task_heap *h, uint32_t i)
{
	while (i && h->before(s, h->v[i], h->v[(i - 1) / 2])) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_push(const struct synth_backend *s, struct task_heap *h, uint32_t idx)
{
	h->v[h->n] = idx;
	heap_up(s, h, h->n++);
}

static void heap_down(const struct synth_backend *s, struct task_heap *h, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < h->n && h->before(s, h->v[l], h->v[m]))
			m = l;
		if (r < h->n && h->before(s, h->v[r], h->v[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(h, i, m);
		i = m;
	}
}

static uint32_t heap_pop(const struct synth_backend *s, struct task_heap *h)
{
	uint32_t top = h->v[0];

	h->v[0] = h->v[--h->n];
	heap_down(s, h, 0);
	return top;
}

/* Take task idx out of heap h, wherever it is. */
static void heap_remove(const struct synth_backend *s, struct task_heap *h, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < h->n && h->v[i] != idx; i++)
		;
	if (i == h->n)
		return;
	h->v[i] = h->v[--h->n];
	if (i < h->n) {
		heap_up(s, h, i);
		heap_down(s, h, i);
	}
}

/* The task will be queued to the policy at `at`, with a new cookie. */
static void push_pending(struct synth_backend *s, uint32_t idx, uint64_t at)
{
	struct synth_task *k = &s->tasks[idx];

	k->state = SYNTH_PENDING;
	k->delayed = false;
	k->wake_cpu = -1;
	k->pickup_ns = SYNTH_NO_PICKUP;
	k->t.cookie++;
	k->t.enq_ns = at;
	k->ready_ns = at;
	k->seq = s->next_seq++;
	heap_push(s, &s->pending, idx);
}

uint64_t synth_wait_percentile(const struct synth_task_stats *st, unsigned int pct)
{
	return wait_hist_percentile(st->wait_hist, st->nr_dispatched, pct);
}

static void run_task(struct synth_backend *s, uint32_t idx, int32_t cpu, uint64_t slice);
static bool cpu_free(const struct synth_backend *s, int32_t c);
static bool any_cpu_free(const struct synth_backend *s);
static int32_t first_free_cpu(const struct synth_backend *s, uint32_t idx);

static void release_task(struct synth_backend *s, uint32_t idx, uint64_t slice);
static void run_released(struct synth_backend *s);
static size_t draw(struct synth_backend *s, size_t n);

/* The idle CPU BPF's select_cpu would give waking task idx under the
 * policy's fast path; -1: none. */
static int32_t fast_wake_cpu(const struct synth_backend *s, uint32_t idx)
{
	int32_t c = s->tasks[idx].t.cpu;

	if (!(s->fast_wake & (PLUGLAND_POLICY_FAST_WAKE_PREV | PLUGLAND_POLICY_FAST_WAKE_IDLE)))
		return -1;
	if (cpu_free(s, c) && may_run(s, idx, c))
		return c;
	return s->fast_wake & PLUGLAND_POLICY_FAST_WAKE_IDLE ? first_free_cpu(s, idx) : -1;
}

/* FAST_WAKE_VTIME, as BPF's advance_wake_base(): the key of waking task
 * k by the policy's rule; it stands there from now. */
static uint64_t advance_wake_base(struct synth_backend *s, struct synth_task *k)
{
	uint64_t key = pl_wake_key(k->wake_vtime, k->wake_runtime, k->t.exec_runtime, k->t.weight,
				   s->wake_rule.floor);

	k->wake_vtime = key;
	k->wake_runtime = k->t.exec_runtime;
	k->t.vtime = key;
	return key;
}

static int preempt_cpu(struct synth_backend *s, const struct plugland_task *task, uint64_t vtime,
		       uint64_t min_run_ns, uint32_t hog_slices);

/*
 * FAST_WAKE_DIRECT_LOCAL, as BPF's queue_direct(): waking task idx
 * goes onto the CPU it last ran on, to start when what runs there ends,
 * when nothing else waits for that CPU: no CPU free, none waiting to
 * start there, no task released for it (its own queue) or for any CPU.
 * No other CPU takes it then.
 */
static bool direct_local(const struct synth_backend *s, uint32_t idx)
{
	int32_t c = s->tasks[idx].t.cpu;
	uint32_t i;

	if (!(s->fast_wake & FAST_WAKE_DIRECT_LOCAL) || !may_run(s, idx, c) || any_cpu_free(s) ||
	    s->cpus[c].last_start > s->st.now_ns)
		return false;
	for (i = 0; i < s->released.n; i++) {
		int32_t q = s->tasks[s->released.v[i]].own_cpu;

		if (q < 0 || q == c)
			return false;
	}
	return true;
}

/*
 * The policy's fast paths, as BPF takes them: a waking task with an idle
 * CPU runs there at once; one without goes to the tail of the any-CPU
 * queue (FAST_WAKE_QUEUE) or, with a base, into the ordered queue at the
 * key of the policy's rule (FAST_WAKE_VTIME), preempting a less urgent
 * task when the rule says so. The loop is told either way. (The task
 * preempted goes back to the policy here, as for the host's own
 * preemptions; BPF resumes it in the ordered queue.)
 */
static bool fast_wake(struct synth_backend *s, uint32_t idx, backend_task_fn fn, void *ctx)
{
	struct synth_task *k = &s->tasks[idx];
	bool vtime = (s->fast_wake & PLUGLAND_POLICY_FAST_WAKE_VTIME) && k->has_wake_base;
	uint64_t slice = s->o.slice_ns;
	struct backend_decided d;
	int32_t c;

	if (!s->fast_wake || !(k->t.flags & PLUGLAND_TASK_WAKEUP))
		return false;
	c = fast_wake_cpu(s, idx);
	if (c >= 0 && s->o.fast_idle_ppm && draw(s, 1000000) >= s->o.fast_idle_ppm)
		c = -1; /* as often as on the recorded kernel, it looked busy */
	if (c < 0 && !(s->fast_wake & PLUGLAND_POLICY_FAST_WAKE_QUEUE) && !vtime)
		return false;
	if (vtime)
		advance_wake_base(s, k);
	if (c < 0 && vtime && s->wake_rule.slice_ns)
		slice = s->wake_rule.slice_ns;
	d.task = k->t;
	d.cpu = c < 0 ? PL_CPU_ANY : c;
	d.reason = c < 0 ? PLUGLAND_KERNEL_QUEUED : PLUGLAND_KERNEL_IDLE;
	d.slice_ns = slice;
	d.at_ns = s->st.now_ns;
	k->t.flags &= ~(PLUGLAND_TASK_NEW | PLUGLAND_TASK_WAKEUP);
	k->ran_out = 0;
	k->cut_short = false;
	if (c < 0 && vtime && s->wake_rule.preempt_margin) {
		c = preempt_cpu(s, &k->t, k->t.vtime + s->wake_rule.preempt_margin,
				s->wake_rule.preempt_min_run_ns, wake_rule_hog_slices(&s->wake_rule));
		if (c >= 0)
			s->st.nr_wake_preempts++;
	}
	if (c < 0 && (s->fast_wake & PLUGLAND_POLICY_FAST_WAKE_LOCAL) && may_run(s, idx, k->t.cpu))
		d.cpu = k->t.cpu; /* its own queue: run_released() */
	else if (c >= 0 && d.reason == PLUGLAND_KERNEL_QUEUED &&
		 (s->fast_wake & PLUGLAND_POLICY_FAST_WAKE_LOCAL))
		d.cpu = c; /* the preempted CPU's own queue, as BPF names it */
	if (c >= 0 && d.reason == PLUGLAND_KERNEL_IDLE) {
		s->st.nr_fast_wake++;
		run_task(s, idx, c, slice);
	} else if (c >= 0) { /* a CPU preempted for it: it runs there */
		s->st.nr_fast_queued++;
		s->st.nr_fast_ordered++;
		run_task(s, idx, c, slice);
	} else if (direct_local(s, idx)) { /* a FIFO path: never with vtime */
		s->st.nr_fast_queued++;
		s->st.nr_direct_local++;
		d.cpu = k->t.cpu;
		run_task(s, idx, d.cpu, slice);
	} else {
		s->st.nr_fast_queued++;
		s->st.nr_fast_ordered += vtime;
		release_task(s, idx, slice);
		k->own_cpu = d.cpu;
		run_released(s);
	}
	fn(ctx, PL_REC_DECIDED, &d.task);
	return true;
}

/* An index in [0, n), drawn uniformly (splitmix64). */
static size_t draw(struct synth_backend *s, size_t n)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (size_t)(z % n);
}

/* A round trip's index: among those begun, on the recorded machine, as
 * the host's thread here is running or not, when both kinds were seen. */
static size_t draw_round_trip(struct synth_backend *s)
{
	int off = s->host_until <= s->st.now_ns;

	if (!s->nr_trips_by_host[0] || !s->nr_trips_by_host[1])
		return draw(s, s->o.nr_round_trips);
	return s->trips_by_host[off][draw(s, s->nr_trips_by_host[off])];
}

/* Task idx, runnable, reaches the policy after its round trip: false
 * when it has made it (or there is none). */
static bool delay_for_round_trip(struct synth_backend *s, uint32_t idx)
{
	struct synth_task *k = &s->tasks[idx];
	uint64_t d;
	size_t i;

	if (!s->o.nr_round_trips || k->delayed)
		return false;
	k->delayed = true;
	i = draw_round_trip(s);
	d = s->o.round_trip_ns[i];
	k->pickup_ns = s->o.round_trip_pickup_ns ? s->o.round_trip_pickup_ns[i] : SYNTH_NO_PICKUP;
	s->st.round_trip_ns += d;
	if (!d)
		return false;
	k->ready_ns += d;
	k->seq = s->next_seq++;
	heap_push(s, &s->pending, idx);
	return true;
}

/* Task k runs again after waiting `wait`. */
static void count_run(struct synth_task *k, uint64_t wait)
{
	k->st.nr_dispatched++;
	k->st.wait_sum_ns += wait;
	if (wait > k->st.wait_max_ns)
		k->st.wait_max_ns = wait;
	k->st.wait_hist[wait_hist_bucket(wait)]++;
}

/* Task idx's next event in heap h comes `by` later. */
static void heap_delay(struct synth_backend *s, struct task_heap *h, uint32_t idx, uint64_t *at,
		       uint64_t by)
{
	heap_remove(s, h, idx);
	*at += by;
	heap_push(s, h, idx);
}

/*
 * The host's thread takes `cpu` for `run` now, as BPF lets it preempt
 * (bpf/plugland.bpf.c, resume_after_host): the task running there stops,
 * waits that long and runs on with the rest of its slice, so all it was
 * to do from now on comes that much later.
 */
static void host_preempts(struct synth_backend *s, struct synth_cpu *cpu, uint64_t run)
{
	uint64_t now = s->st.now_ns;
	struct synth_task *k;
	uint32_t idx;

	cpu->free_ns = (cpu->free_ns > now ? cpu->free_ns : now) + run;
	/* Idle (or claimed) now: only the CPU is later. A task given to it
	 * that has not started yet (queued behind the one running) keeps its
	 * start: the host's run then counts after it, not now. */
	if (!cpu->has_last || cpu->last_start > now || cpu->free_ns - run <= now)
		return;
	idx = cpu->last;
	k = &s->tasks[idx];
	count_run(k, run);
	k->run_start += run;
	if (k->in_done && k->done_ns > now)
		heap_delay(s, &s->done, idx, &k->done_ns, run);
	if (k->in_marks && k->mark_ns > now)
		heap_delay(s, &s->marks, idx, &k->mark_ns, run);
	if (k->state == SYNTH_PENDING && k->ready_ns > now) {
		heap_delay(s, &s->pending, idx, &k->ready_ns, run);
		k->t.enq_ns = k->ready_ns;
	} else if (k->state == SYNTH_PARKED) {
		k->ready_ns += run; /* its burst's end: no wake before */
	}
	if (k->st.exited && k->st.exit_ns > now)
		k->st.exit_ns += run;
}

/*
 * The host's thread woke for a round (o.host_run_ns): on the CPU it last
 * ran on when idle, else on an idle one (as scx_bpf_select_cpu_dfl
 * places it), else it takes a busy one from its task: the CPU of the
 * waker whose wake-up it serves when known (in VM recordings of reqserve
 * the task the thread preempted was the waker of the task it then
 * decided in 83 % of its preemptions), else the one it last ran on.
 * From a recording of the host's own runs (o.nr_host_sched_runs) it
 * runs as often per round trip as the recorded thread did, a round while
 * it still runs is part of that run, and on an idle CPU it holds that
 * CPU for a recorded idle run.
 */
static void host_runs(struct synth_backend *s, int32_t waker_cpu)
{
	bool recorded = s->o.nr_host_sched_runs; /* the thread's every run */
	uint64_t run;
	uint32_t c;
	size_t i;

	if (recorded) {
		if (s->host_until > s->st.now_ns)
			return; /* still running: this round is part of that run */
		if (draw(s, s->o.nr_round_trips) >= s->o.nr_host_sched_runs)
			return; /* as in the recording's rounds within one run */
	}
	if (!cpu_free(s, (int32_t)s->host_cpu)) {
		for (c = 0; c < s->o.nr_cpus && !cpu_free(s, (int32_t)c); c++)
			;
		if (c < s->o.nr_cpus)
			s->host_cpu = c;
	}
	if (cpu_free(s, (int32_t)s->host_cpu)) {
		struct synth_cpu *cpu = &s->cpus[s->host_cpu];

		if (!recorded || !s->o.nr_host_idle_runs)
			return; /* without the host's records: the pickups carry it */
		run = s->o.host_idle_run_ns[draw(s, s->o.nr_host_idle_runs)];
		cpu->free_ns = s->st.now_ns + run;
		cpu->has_last = false; /* it runs nothing preemptible */
		s->host_until = cpu->free_ns;
		s->st.host_idle_run_ns += run;
		s->st.nr_host_idle_runs++;
		return;
	}
	if (waker_cpu >= 0 && (uint32_t)waker_cpu < s->o.nr_cpus)
		s->host_cpu = (uint32_t)waker_cpu;
	if (recorded) {
		if (!s->o.nr_host_runs)
			return;
		i = draw(s, s->o.nr_host_runs);
	} else if ((i = draw(s, s->o.nr_round_trips)) >= s->o.nr_host_runs) {
		return; /* as often per round trip as in the recording */
	}
	run = s->o.host_run_ns[i];
	host_preempts(s, &s->cpus[s->host_cpu], run);
	s->host_until = s->st.now_ns + run;
	s->st.host_run_ns += run;
	s->st.nr_host_runs++;
}

static int synth_consume(struct backend *be, backend_task_fn fn, void *ctx)
{
	struct synth_backend *s = SYNTH(be);
	int32_t waker_cpu = -1;
	bool host_woke = false;
	int n = 0;

	while (s->pending.n && s->tasks[s->pending.v[0]].ready_ns <= s->st.now_ns) {
		uint32_t idx;

		if (s->o.max_decisions && synth_decisions(&s->st) >= s->o.max_decisions)
			break; /* the run is over: exited() says so next */
		idx = heap_pop(s, &s->pending);
		struct synth_task *k = &s->tasks[idx];

		/* The fast path decides before any round trip, or not at all. */
		if ((!k->delayed && fast_wake(s, idx, fn, ctx)) || delay_for_round_trip(s, idx))
			continue;
		k->state = SYNTH_IN_POLICY;
		/* A new task has had no slice yet (BPF grants it none). */
		k->ran_out = pl_hog_count(k->ran_out,
					  !!(k->t.flags & (PLUGLAND_TASK_WAKEUP | PLUGLAND_TASK_NEW)),
					  !k->cut_short);
		k->cut_short = false;
		s->st.nr_queued++;
		n++;
		if (k->delayed && !host_woke)
			waker_cpu = k->wake_cpu;
		host_woke |= k->delayed;
		if (fn(ctx, PL_REC_TASK, &k->t))
			break;
		k->t.flags &= ~(PLUGLAND_TASK_NEW | PLUGLAND_TASK_WAKEUP);
	}
	if (host_woke && (s->o.nr_host_runs || s->o.nr_host_sched_runs) && s->o.nr_round_trips)
		host_runs(s, waker_cpu);
	return n;
}

/* Task idx's next mark within the run it is given (o.next_mark). */
static void plan_mark(struct synth_backend *s, uint32_t idx)
{
	struct synth_task *k = &s->tasks[idx];
	uint64_t m;

	if (!s->o.next_mark)
		return;
	m = s->o.next_mark(s->o.mark_ctx, idx);
	if (m == SYNTH_NO_MARK || m >= k->run_from + k->run_ns)
		return;
	k->mark_ns = k->run_start + (m > k->run_from ? m - k->run_from : 0);
	k->mark_seq = s->next_seq++;
	k->in_marks = true;
	heap_push(s, &s->marks, idx);
}

/* How long a run from `start` lasts with `slice`, unless its burst ends
 * first: to the first tick at or after the slice is used up. */
static uint64_t slice_run(const struct synth_backend *s, uint64_t start, uint64_t slice)
{
	uint64_t tick = s->o.tick_ns, end = start + slice;

	if (!tick)
		return slice;
	return (end + tick - 1) / tick * tick - start;
}

/* Task idx runs `slice` on a CPU from when that CPU is free. */
static void run_task(struct synth_backend *s, uint32_t idx, int32_t cpu, uint64_t slice)
{
	struct synth_task *k = &s->tasks[idx];
	uint32_t c = (uint32_t)cpu;
	uint64_t start = s->cpus[c].free_ns > s->st.now_ns ? s->cpus[c].free_ns : s->st.now_ns;
	uint64_t run, wait;
	bool sleeps = false;

	if (s->o.nr_pickups && s->cpus[c].free_ns < s->st.now_ns) { /* it was idle */
		uint64_t d = k->pickup_ns != SYNTH_NO_PICKUP ? k->pickup_ns :
			     s->o.pickup_ns[draw(s, s->o.nr_pickups)];

		start += d;
		s->st.pickup_ns += d;
	} else if (s->o.nr_switches && s->cpus[c].has_last && s->cpus[c].last != idx) {
		/* straight from another task: the recorded machine's switch */
		uint64_t d = s->o.switch_ns[draw(s, s->o.nr_switches)];

		start += d;
		s->st.switch_ns += d;
	}
	k->pickup_ns = SYNTH_NO_PICKUP; /* its round trip's, for this run only */
	wait = start - k->t.enq_ns;
	run = slice_run(s, start, slice);

	if (k->beh.burst_ns) {
		if (!k->burst_left) { /* its previous burst ended: a new one */
			if (s->o.draw)
				k->beh = s->o.draw(s->o.draw_ctx, idx);
			k->burst_left = k->beh.burst_ns;
		}
		if (run >= k->burst_left) {
			run = k->burst_left;
			sleeps = true;
		}
		k->run_from = k->beh.burst_ns - k->burst_left;
		k->run_start = start;
		k->run_ns = run;
		k->burst_left -= run;
		plan_mark(s, idx);
	}
	s->cpus[c].free_ns = start + run;
	s->cpus[c].reserved = false;
	s->cpus[c].last = idx;
	s->cpus[c].has_last = true;
	s->cpus[c].last_sleeps = sleeps;
	s->cpus[c].last_start = start;
	s->cpus[c].last_vtime = k->t.vtime;
	s->st.busy_ns += run;

	count_run(k, wait);
	k->st.runtime_ns += run;
	if (k->st.nr_dispatched > 1 && k->t.cpu != (int32_t)c)
		k->st.nr_migrations++;
	synth_cpumask_set(&k->st.ran_on, c);

	k->t.exec_runtime += run;
	k->t.cpu = (int32_t)c;
	if (!sleeps) {
		push_pending(s, idx, start + run); /* preempted: runnable again */
		return;
	}
	k->st.nr_bursts++;
	k->t.nvcsw++;
	k->t.flags |= PLUGLAND_TASK_WAKEUP;
	if (s->o.burst_end) { /* told once the clock reaches its end */
		k->done_ns = start + run;
		k->done_seq = s->next_seq++;
		k->in_done = true;
		heap_push(s, &s->done, idx);
	}
	k->wake_used = false;
	if (k->beh.sleep_ns == SYNTH_WAIT_WAKE) {
		if (!k->wakes_pending) { /* until its waker wakes it */
			k->state = SYNTH_PARKED;
			k->ready_ns = start + run; /* not before its burst ends */
			return;
		}
		k->wakes_pending--;
		k->wake_used = true;
		push_pending(s, idx, start + run);
		return;
	}
	if (k->beh.sleep_ns == SYNTH_EXIT) { /* its last burst: never queued again */
		k->st.exited = true;
		k->st.exit_ns = start + run;
		s->st.nr_exited++;
		return;
	}
	push_pending(s, idx, start + run + k->beh.sleep_ns);
}

static bool cpu_free(const struct synth_backend *s, int32_t c)
{
	return c >= 0 && (uint32_t)c < s->o.nr_cpus && s->cpus[c].free_ns <= s->st.now_ns &&
	       !s->cpus[c].reserved;
}

static bool any_cpu_free(const struct synth_backend *s)
{
	int32_t c;

	for (c = 0; c < (int32_t)s->o.nr_cpus; c++)
		if (cpu_free(s, c))
			return true;
	return false;
}

/* The lowest-numbered free CPU task idx may run on, or -1. */
static int32_t first_free_cpu(const struct synth_backend *s, uint32_t idx)
{
	int32_t c;

	for (c = 0; c < (int32_t)s->o.nr_cpus; c++)
		if (cpu_free(s, c) && may_run(s, idx, c))
			return c;
	return -1;
}

/* FAST_WAKE_LOCAL: the first task of the other CPUs' own queues, the
 * next CPUs' first, that free CPU c may run (UINT32_MAX: none). */
static uint32_t steal_pick(const struct synth_backend *s, uint32_t c)
{
	uint32_t best = UINT32_MAX, best_dist = 0, i;

	for (i = 0; i < s->released.n; i++) {
		uint32_t idx = s->released.v[i], dist;
		int32_t q = s->tasks[idx].own_cpu;

		if (q < 0 || q == (int32_t)c || !may_run(s, idx, (int32_t)c))
			continue;
		dist = ((uint32_t)q + s->o.nr_cpus - c) % s->o.nr_cpus;
		if (best == UINT32_MAX || dist < best_dist ||
		    (dist == best_dist && released_before(s, idx, best))) {
			best = idx;
			best_dist = dist;
		}
	}
	return best;
}

/*
 * FAST_WAKE_LOCAL, as BPF's ops.dispatch: a free CPU takes, of its own
 * queue's first task and the shared queue's, the one queued first; with
 * nothing in either, the first of the next CPUs' queues (stolen). So, in
 * queueing order: a task of a CPU's own queue runs there if that CPU is
 * free; one of the shared queue on its last CPU if free, else on the
 * first free one it may use. Then free CPUs steal. (BPF compares the
 * heads before skipping a task the CPU may not run, and takes the shared
 * queue first every 8th time; neither is modelled.)
 */
static void run_cpu_queues(struct synth_backend *s)
{
	uint32_t nr_aside = 0, i;

	while (s->released.n && any_cpu_free(s)) {
		uint32_t idx = s->released.v[0];
		int32_t c = s->tasks[idx].own_cpu;

		if (c >= 0 && !cpu_free(s, c))
			c = -1; /* its CPU is busy: it waits there, or is stolen */
		else if (c < 0 && (!cpu_free(s, c = s->tasks[idx].t.cpu) || !may_run(s, idx, c)))
			c = first_free_cpu(s, idx);
		heap_pop(s, &s->released);
		if (c < 0)
			s->aside[nr_aside++] = idx;
		else
			run_task(s, idx, c, s->tasks[idx].slice_ns);
	}
	for (i = 0; i < nr_aside; i++)
		heap_push(s, &s->released, s->aside[i]);
	for (uint32_t c = 0; c < s->o.nr_cpus && s->released.n; c++) {
		uint32_t idx;

		if (!cpu_free(s, (int32_t)c) || (idx = steal_pick(s, c)) == UINT32_MAX)
			continue;
		s->st.nr_local_stolen++;
		heap_remove(s, &s->released, idx);
		run_task(s, idx, (int32_t)c, s->tasks[idx].slice_ns);
	}
}

/*
 * Free CPUs take released tasks, lowest vtime first; a task's previous
 * CPU when that one is free. A task no free CPU may run waits, set
 * aside, and those behind it go first, as the kernel's CPUs skip in a DSQ
 * what they may not run; set-aside tasks keep their place (their keys).
 * With FAST_WAKE_LOCAL, each CPU's queues instead (run_cpu_queues).
 */
static void run_released(struct synth_backend *s)
{
	uint32_t nr_aside = 0, i;

	if (s->fast_wake & PLUGLAND_POLICY_FAST_WAKE_LOCAL) {
		run_cpu_queues(s);
		return;
	}

	while (s->released.n) {
		uint32_t idx = s->released.v[0];
		int32_t c = s->tasks[idx].t.cpu;

		if (!cpu_free(s, c) || !may_run(s, idx, c))
			c = first_free_cpu(s, idx);
		if (c < 0 && (!s->o.allowed || !any_cpu_free(s)))
			break; /* no CPU free at all */
		heap_pop(s, &s->released);
		if (c < 0) {
			s->aside[nr_aside++] = idx;
			continue;
		}
		run_task(s, idx, c, s->tasks[idx].slice_ns);
	}
	for (i = 0; i < nr_aside; i++)
		heap_push(s, &s->released, s->aside[i]);
}

/* Any CPU: the kernel's DSQ, taken by CPUs as they free. */
static void release_task(struct synth_backend *s, uint32_t idx, uint64_t slice)
{
	struct synth_task *k = &s->tasks[idx];

	k->state = SYNTH_RELEASED;
	k->slice_ns = slice;
	k->own_cpu = -1;
	k->seq = s->next_seq++;
	heap_push(s, &s->released, idx);
}

static unsigned int synth_dispatch(struct backend *be, const struct plugland_dispatch *d,
				   unsigned int n)
{
	struct synth_backend *s = SYNTH(be);
	unsigned int i;

	if (s->o.max_per_call && n > s->o.max_per_call)
		n = s->o.max_per_call;
	/* The run ends after exactly max_decisions: exited() is only asked
	 * between rounds, and one dispatch() may carry every task. */
	if (s->o.max_decisions && n > s->o.max_decisions - synth_decisions(&s->st))
		n = (unsigned int)(s->o.max_decisions - synth_decisions(&s->st));
	for (i = 0; i < n; i++) {
		uint32_t idx = (uint32_t)(d[i].pid - SYNTH_PID_BASE);
		uint64_t slice = d[i].slice_ns ? d[i].slice_ns : s->o.slice_ns;
		struct synth_task *k;

		if (d[i].pid < SYNTH_PID_BASE || idx >= s->o.nr_tasks) {
			s->st.nr_unknown++;
			continue;
		}
		k = &s->tasks[idx];
		if (d[i].cookie != k->t.cookie) {
			s->st.nr_stale++;
			continue;
		}
		if (k->state != SYNTH_IN_POLICY) {
			s->st.nr_double++;
			continue;
		}
		k->t.vtime = d[i].vtime;
		s->st.nr_dispatched++;
		if (may_run(s, idx, d[i].cpu)) {
			run_task(s, idx, d[i].cpu, slice);
			continue;
		}
		/* As BPF: a CPU it may not use (or none) means any CPU. */
		if (d[i].cpu != PL_CPU_ANY)
			s->st.nr_bounced++;
		release_task(s, idx, slice);
	}
	run_released(s);
	return n;
}

static void synth_kick(struct backend *be)
{
	(void)be;
}

static void synth_publish(struct backend *be, uint64_t nr_held, uint64_t now_ns)
{
	(void)now_ns;
	SYNTH(be)->st.nr_held_published = nr_held;
}

/* Marks reached and bursts that ended by now, told in time order (a
 * mark first at the same moment): what they wake is queued from then. */
static void end_bursts(struct synth_backend *s)
{
	for (;;) {
		uint64_t mark = s->marks.n ? s->tasks[s->marks.v[0]].mark_ns : UINT64_MAX;
		uint64_t done = s->done.n ? s->tasks[s->done.v[0]].done_ns : UINT64_MAX;
		uint32_t idx;

		if (mark <= done && mark <= s->st.now_ns) {
			idx = heap_pop(s, &s->marks);
			s->tasks[idx].in_marks = false;
			s->waker_cpu = s->tasks[idx].t.cpu;
			s->o.mark(s->o.mark_ctx, &s->be, idx, mark);
			s->waker_cpu = -1;
			plan_mark(s, idx);
		} else if (done <= s->st.now_ns) {
			idx = heap_pop(s, &s->done);
			s->tasks[idx].in_done = false;
			s->waker_cpu = s->tasks[idx].t.cpu;
			s->o.burst_end(s->o.burst_end_ctx, &s->be, idx, done);
			s->waker_cpu = -1;
		} else {
			return;
		}
	}
}

/* Advance the clock to the next event: a task queued, a CPU free. */
static int synth_wait(struct backend *be, int timeout_ms)
{
	struct synth_backend *s = SYNTH(be);
	uint64_t now = s->st.now_ns, next = UINT64_MAX;
	uint32_t c;

	(void)timeout_ms;
	run_released(s);
	if (s->pending.n) {
		next = s->tasks[s->pending.v[0]].ready_ns;
		if (next <= now)
			return 1;
	}
	for (c = 0; c < s->o.nr_cpus; c++) {
		if (s->cpus[c].free_ns > now && s->cpus[c].free_ns < next)
			next = s->cpus[c].free_ns;
		s->cpus[c].reserved = false; /* claims last one moment */
	}
	/* A burst's end is a moment of its own: its CPU may have more queued. */
	if (s->done.n && s->tasks[s->done.v[0]].done_ns < next)
		next = s->tasks[s->done.v[0]].done_ns;
	if (s->marks.n && s->tasks[s->marks.v[0]].mark_ns < next)
		next = s->tasks[s->marks.v[0]].mark_ns;
	s->st.now_ns = next != UINT64_MAX ? next : now + SYNTH_IDLE_STEP_NS;
	end_bursts(s);
	/* A CPU that frees takes a released task at once, as in the kernel:
	 * it never looks idle while one waits. */
	run_released(s);
	return 1;
}

/* An idle CPU, preferring the task's previous one; claimed until used or
 * until the clock moves. idx: the task's index, or nr_tasks for a pid the
 * machine does not know (then any CPU). */
static bool claim_if_free(struct synth_backend *s, uint32_t idx, uint32_t c)
{
	if (c >= s->o.nr_cpus || s->cpus[c].free_ns > s->st.now_ns || s->cpus[c].reserved ||
	    (idx < s->o.nr_tasks && !may_run(s, idx, (int32_t)c)))
		return false;
	s->cpus[c].reserved = true;
	return true;
}

/* As the BPF backend: the previous CPU, its SMT siblings, its LLC's
 * (o.topo), then any free CPU. */
static int synth_pick_idle_cpu(struct backend *be, const struct plugland_task *task)
{
	struct synth_backend *s = SYNTH(be);
	int32_t cands[PL_PICK_CANDS];
	int n = topology_idle_order(s->o.topo, task->cpu, cands, PL_PICK_CANDS), k;
	uint32_t i, c, idx = (uint32_t)(task->pid - SYNTH_PID_BASE);

	if (!n && task->cpu >= 0) /* no topology loaded: the previous CPU */
		cands[n++] = task->cpu;
	for (k = 0; k < n; k++)
		if (claim_if_free(s, idx, (uint32_t)cands[k]))
			return cands[k];
	for (i = 0; i < s->o.nr_cpus; i++) {
		c = s->next_cpu++ % s->o.nr_cpus;
		if (claim_if_free(s, idx, c))
			return (int)c;
	}
	return -1;
}

/* Pending task idx is queued again at `at` (earlier than planned). */
static void pending_move_earlier(struct synth_backend *s, uint32_t idx, uint64_t at)
{
	uint32_t i;

	for (i = 0; i < s->pending.n && s->pending.v[i] != idx; i++)
		;
	if (i == s->pending.n)
		return;
	s->tasks[idx].ready_ns = at;
	s->tasks[idx].delayed = false; /* its round trip starts again */
	s->tasks[idx].t.enq_ns = at;
	s->tasks[idx].seq = s->next_seq++;
	heap_up(s, &s->pending, i);
}

/*
 * Preemption: the CPU running (for min_run_ns, nothing queued behind it)
 * the task with the largest vtime above `vtime` stops it now. The task gets back
 * the CPU time it did not use and is queued again at once, runnable.
 */
static int synth_pick_preempt_cpu(struct backend *be, const struct plugland_task *task,
				  uint64_t vtime, uint64_t min_run_ns)
{
	return preempt_cpu(SYNTH(be), task, vtime, min_run_ns, 0);
}

/* hog_slices: with PLUGLAND_WAKE_PREEMPT_HOGS_ONLY, a task whose last
 * hog_slices slices all ran out; 0: any task */
static int preempt_cpu(struct synth_backend *s, const struct plugland_task *task, uint64_t vtime,
		       uint64_t min_run_ns, uint32_t hog_slices)
{
	uint64_t now = s->st.now_ns, worst = vtime, refund;
	struct synth_cpu *cpu = NULL;
	struct synth_task *k;
	uint32_t c;

	/* As bpf_backend.c, which does not know the task's CPU set there. */
	if (task->nr_cpus_allowed < s->o.nr_cpus)
		return -1;
	for (c = 0; c < s->o.nr_cpus; c++) {
		struct synth_cpu *x = &s->cpus[c];

		if (x->has_last && !x->reserved && x->last_start + min_run_ns <= now &&
		    x->free_ns > now && x->last_vtime > worst &&
		    s->tasks[x->last].ran_out >= hog_slices) {
			worst = x->last_vtime;
			cpu = x;
		}
	}
	if (!cpu)
		return -1;
	k = &s->tasks[cpu->last];
	refund = cpu->free_ns - now;
	k->st.runtime_ns -= refund;
	k->t.exec_runtime -= refund;
	s->st.busy_ns -= refund;
	if (k->beh.burst_ns) {
		if (cpu->last_sleeps) { /* it will not reach its sleep now */
			k->burst_left = 0;
			k->st.nr_bursts--;
			k->t.nvcsw--;
			k->t.flags &= ~PLUGLAND_TASK_WAKEUP;
			if (k->st.exited) { /* nor its exit: queued again */
				k->st.exited = false;
				s->st.nr_exited--;
				push_pending(s, cpu->last, now);
			}
			if (k->in_done) { /* nor does its burst end then */
				heap_remove(s, &s->done, cpu->last);
				k->in_done = false;
			}
			if (k->state == SYNTH_PARKED)
				push_pending(s, cpu->last, now);
			if (k->wake_used) { /* the wake waits for the burst's new end */
				k->wake_used = false;
				k->wakes_pending++;
			}
		}
		k->burst_left += refund;
		if (k->in_marks) { /* its next run asks again */
			heap_remove(s, &s->marks, cpu->last);
			k->in_marks = false;
		}
	}
	k->cut_short = true;
	pending_move_earlier(s, cpu->last, now);
	cpu->free_ns = now;
	cpu->has_last = false;
	cpu->reserved = true;
	s->st.nr_preempted++;
	return (int)(cpu - s->cpus);
}

static uint32_t synth_nr_idle_cpus(struct backend *be)
{
	struct synth_backend *s = SYNTH(be);
	uint32_t c, n = 0;

	for (c = 0; c < s->o.nr_cpus; c++)
		n += s->cpus[c].free_ns <= s->st.now_ns && !s->cpus[c].reserved;
	return n;
}

static uint32_t synth_set_fast_wake(struct backend *be, uint32_t flags)
{
	struct synth_backend *s = SYNTH(be);
	uint32_t i;

	s->fast_wake = flags;
	memset(&s->wake_rule, 0, sizeof(s->wake_rule));
	/* As BPF: the bases given so far belong to the policy before. */
	for (i = 0; i < s->o.nr_tasks; i++)
		s->tasks[i].has_wake_base = false;
	return flags;
}

static void synth_set_wake_vtime(struct backend *be, int32_t pid, uint64_t runtime_ns,
				 uint64_t vtime)
{
	struct synth_backend *s = SYNTH(be);
	uint32_t idx = (uint32_t)(pid - SYNTH_PID_BASE);

	if (pid < SYNTH_PID_BASE || idx >= s->o.nr_tasks)
		return;
	s->tasks[idx].has_wake_base = true;
	s->tasks[idx].wake_vtime = vtime;
	s->tasks[idx].wake_runtime = runtime_ns;
}

static void synth_set_wake_rule(struct backend *be, const struct plugland_wake_rule *r)
{
	SYNTH(be)->wake_rule = *r;
}

/* Tasks already released keep their place: re-sort them by the new rule. */
static void synth_set_ordered(struct backend *be, bool ordered)
{
	struct synth_backend *s = SYNTH(be);
	uint32_t i;

	s->ordered = ordered;
	for (i = 1; i < s->released.n; i++)
		heap_up(s, &s->released, i);
}

static bool synth_exited(struct backend *be)
{
	struct synth_backend *s = SYNTH(be);

	return (s->o.max_decisions && synth_decisions(&s->st) >= s->o.max_decisions) ||
	       (s->o.max_ns && s->st.now_ns >= s->o.max_ns) ||
	       (s->st.nr_exited && s->st.nr_exited == s->o.nr_tasks);
}

static uint64_t synth_now_ns(struct backend *be)
{
	return SYNTH(be)->st.now_ns;
}

/* What the simulated machine has of BPF's counters: the ring and the
 * decisions applied, stale ones cancelled, the idle fast path. */
static int synth_counters(struct backend *be, struct plugland_counters *out)
{
	const struct synth_backend *s = SYNTH(be);

	memset(out, 0, sizeof(*out));
	out->nr_queued = s->st.nr_queued;
	out->nr_user_dispatches = s->st.nr_dispatched;
	out->nr_cancel_dispatches = s->st.nr_stale;
	out->nr_idle_direct = s->st.nr_fast_wake;
	out->nr_fast_queued = s->st.nr_fast_queued - s->st.nr_fast_ordered;
	out->nr_fast_ordered = s->st.nr_fast_ordered;
	out->nr_wake_preempts = s->st.nr_wake_preempts;
	out->nr_local_stolen = s->st.nr_local_stolen;
	out->nr_direct_local = s->st.nr_direct_local;
	out->nr_bounce_dispatches = s->st.nr_bounced;
	return 0;
}

static const struct backend_ops synth_ops = {
	.name = "synthetic",
	.consume = synth_consume,
	.dispatch = synth_dispatch,
	.kick = synth_kick,
	.publish = synth_publish,
	.wait = synth_wait,
	.pick_idle_cpu = synth_pick_idle_cpu,
	.pick_preempt_cpu = synth_pick_preempt_cpu,
	.set_ordered = synth_set_ordered,
	.set_fast_wake = synth_set_fast_wake,
	.set_wake_vtime = synth_set_wake_vtime,
	.set_wake_rule = synth_set_wake_rule,
	.exited = synth_exited,
	.now_ns = synth_now_ns,
	.counters = synth_counters,
	.nr_idle_cpus = synth_nr_idle_cpus,
};

/* Task i's nr_cpus_allowed, and a first CPU in its set (its i % nr_cpus
 * when it may, as for every task without a set). -1: an empty set. */
static int place_in_set(struct synth_backend *s, uint32_t i)
{
	struct plugland_task *t = &s->tasks[i].t;
	uint32_t c, n = 0;

	for (c = 0; c < s->o.nr_cpus; c++)
		n += may_run(s, i, (int32_t)c);
	if (!n)
		return -1;
	t->nr_cpus_allowed = n;
	for (c = 0; !may_run(s, i, t->cpu); c++)
		t->cpu = (int32_t)((i + c) % s->o.nr_cpus);
	return 0;
}

/* o.round_trip_host_on into the two index lists draw_round_trip() uses. */
static int split_round_trips(struct synth_backend *s)
{
	size_t i;
	int k;

	if (!s->o.round_trip_host_on || !s->o.nr_round_trips)
		return 0;
	for (k = 0; k < 2; k++) {
		s->trips_by_host[k] = calloc(s->o.nr_round_trips, sizeof(size_t));
		if (!s->trips_by_host[k])
			return -1;
	}
	for (i = 0; i < s->o.nr_round_trips; i++) {
		k = !s->o.round_trip_host_on[i];
		s->trips_by_host[k][s->nr_trips_by_host[k]++] = i;
	}
	return 0;
}

struct backend *synth_backend_new(const struct synth_opts *o)
{
	struct synth_backend *s;
	uint32_t i;

	if (!o->nr_cpus || o->nr_cpus > SYNTH_MAX_CPUS || !o->nr_tasks) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->o = *o;
	if (!s->o.slice_ns)
		s->o.slice_ns = 5000000;
	s->tasks = calloc(o->nr_tasks, sizeof(*s->tasks));
	s->cpus = calloc(o->nr_cpus, sizeof(*s->cpus));
	s->pending.v = calloc(o->nr_tasks, sizeof(*s->pending.v));
	s->pending.before = pending_before;
	s->released.v = calloc(o->nr_tasks, sizeof(*s->released.v));
	s->released.before = released_before;
	s->aside = calloc(o->nr_tasks, sizeof(*s->aside));
	s->done.v = calloc(o->nr_tasks, sizeof(*s->done.v));
	s->done.before = done_before;
	s->marks.v = calloc(o->nr_tasks, sizeof(*s->marks.v));
	s->marks.before = mark_before;
	if (!s->tasks || !s->cpus || !s->pending.v || !s->released.v || !s->aside || !s->done.v ||
	    !s->marks.v || split_round_trips(s)) {
		synth_backend_free(&s->be);
		return NULL;
	}
	s->be.ops = &synth_ops;
	s->be.nr_cpus = o->nr_cpus;
	s->waker_cpu = -1;
	for (i = 0; i < o->nr_tasks; i++) {
		struct plugland_task *t = &s->tasks[i].t;

		t->pid = t->tgid = (int32_t)(SYNTH_PID_BASE + i);
		t->cpu = (int32_t)(i % o->nr_cpus);
		t->flags = PLUGLAND_TASK_NEW;
		t->weight = o->weights ? o->weights[i] : PLUGLAND_WEIGHT_DEFAULT;
		t->nr_cpus_allowed = o->nr_cpus;
		if (o->allowed && place_in_set(s, i)) {
			synth_backend_free(&s->be);
			errno = EINVAL;
			return NULL;
		}
		if (o->comms)
			snprintf(t->comm, sizeof(t->comm), "%s", o->comms[i]);
		else
			snprintf(t->comm, sizeof(t->comm), "synth-%u", i % 1000000000u);
		if (o->draw)
			s->tasks[i].beh = o->draw(o->draw_ctx, i);
		else if (o->behaviours)
			s->tasks[i].beh = o->behaviours[i];
		s->tasks[i].burst_left = s->tasks[i].beh.burst_ns;
		push_pending(s, i, o->start_ns ? o->start_ns[i] : 0);
	}
	return &s->be;
}

void synth_backend_free(struct backend *be)
{
	struct synth_backend *s = SYNTH(be);

	if (!s)
		return;
	free(s->tasks);
	free(s->cpus);
	free(s->pending.v);
	free(s->released.v);
	free(s->aside);
	free(s->done.v);
	free(s->marks.v);
	free(s->trips_by_host[0]);
	free(s->trips_by_host[1]);
	free(s);
}

const struct synth_stats *synth_backend_stats(const struct backend *be)
{
	return &((const struct synth_backend *)be)->st;
}

const struct plugland_wake_rule *synth_backend_wake_rule(const struct backend *be)
{
	return &((const struct synth_backend *)be)->wake_rule;
}

const struct synth_task_stats *synth_backend_task(const struct backend *be, uint32_t idx)
{
	const struct synth_backend *s = (const struct synth_backend *)be;

	return idx < s->o.nr_tasks ? &s->tasks[idx].st : NULL;
}

bool synth_backend_waiting(const struct backend *be, uint32_t idx)
{
	const struct synth_backend *s = (const struct synth_backend *)be;

	return idx < s->o.nr_tasks && s->tasks[idx].state == SYNTH_IN_POLICY;
}

void synth_backend_requeue(struct backend *be, uint32_t idx)
{
	struct synth_backend *s = SYNTH(be);

	if (idx < s->o.nr_tasks && s->tasks[idx].state == SYNTH_IN_POLICY)
		push_pending(s, idx, s->st.now_ns);
}

void synth_backend_wake(struct backend *be, uint32_t idx, uint64_t at)
{
	struct synth_backend *s = SYNTH(be);
	struct synth_task *k;

	if (idx >= s->o.nr_tasks)
		return;
	k = &s->tasks[idx];
	if (k->state != SYNTH_PARKED) {
		k->wakes_pending++; /* each for one sleep: none is lost */
		return;
	}
	if (at < k->ready_ns) /* woken before its burst's end: at its end */
		at = k->ready_ns;
	push_pending(s, idx, at < s->st.now_ns ? s->st.now_ns : at);
	k->wake_cpu = s->waker_cpu;
}

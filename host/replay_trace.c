// SPDX-License-Identifier: GPL-2.0
/*
 * Rebuilding a recording's workload from its task events: one pass, a
 * state machine per task (replay_trace.h has the rules).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay_trace.h"
#include "fail_msg.h"

enum task_state {
	T_UNKNOWN,	/* nothing measured yet: the log may have lost its start */
	T_SLEEPING,	/* quiescent */
	T_WAITING,	/* runnable, not running: since mark_ns */
	T_RUNNING,	/* on last_cpu since mark_ns */
	T_STOPPED,	/* stopped, not runnable: quiescent next */
	T_GONE,		/* exited: a later event with its pid is a new task */
};

static uint64_t since(uint64_t from, uint64_t to)
{
	return to > from ? to - from : 0; /* CPUs' clocks may disagree a little */
}

static uint32_t hash_pid(int32_t pid, uint32_t cap)
{
	return ((uint32_t)pid * 2654435761u) & (cap - 1);
}

/* The slot of pid in the index: its task + 1, or 0 where it would go. */
static int32_t *index_slot(struct replay_trace *t, int32_t pid)
{
	uint32_t i = hash_pid(pid, t->index_cap);

	while (t->index[i] && t->tasks[t->index[i] - 1].pid != pid)
		i = (i + 1) & (t->index_cap - 1);
	return &t->index[i];
}

static int grow_index(struct replay_trace *t)
{
	uint32_t old_cap = t->index_cap, i;
	int32_t *old = t->index;

	t->index_cap = old_cap ? old_cap * 2 : 1024;
	t->index = calloc(t->index_cap, sizeof(*t->index));
	if (!t->index) {
		t->index = old;
		t->index_cap = old_cap;
		return -1;
	}
	for (i = 0; i < old_cap; i++)
		if (old[i])
			*index_slot(t, t->tasks[old[i] - 1].pid) = old[i];
	free(old);
	return 0;
}

/* The live task of pid, created at its first event (or after an EXIT). */
static struct replay_task *task_of(struct replay_trace *t, const struct plugland_event *e)
{
	struct replay_task *k;
	int32_t *slot;

	if ((t->nr_tasks + 1) * 2 > t->index_cap && grow_index(t))
		return NULL;
	slot = index_slot(t, e->pid);
	if (*slot && t->tasks[*slot - 1].state != T_GONE)
		return &t->tasks[*slot - 1];
	if (t->nr_tasks == t->tasks_cap) {
		uint32_t cap = t->tasks_cap ? t->tasks_cap * 2 : 64;
		struct replay_task *v = realloc(t->tasks, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->tasks = v;
		t->tasks_cap = cap;
	}
	k = &t->tasks[t->nr_tasks++];
	memset(k, 0, sizeof(*k));
	k->pid = e->pid;
	k->tgid = e->tgid;
	k->weight = PLUGLAND_WEIGHT_DEFAULT;
	k->last_cpu = -1;
	k->first_ns = since(t->t0_ns, e->at_ns);
	k->state = T_UNKNOWN;
	*slot = (int32_t)t->nr_tasks;
	return k;
}

/* Room for one more element of `size` bytes at the end of *a: its
 * address, or NULL when out of memory. */
static void *push_slot(void **a, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		void *x = realloc(*a, c * size);

		if (!x)
			return NULL;
		*a = x;
		*cap = c;
	}
	return (char *)*a + (*n)++ * size;
}

/* Append v to a growing array of uint64_t. 0, or -1 out of memory. */
static int push_u64(uint64_t **a, size_t *n, size_t *cap, uint64_t v)
{
	uint64_t *slot = push_slot((void **)a, n, cap, sizeof(v));

	if (!slot)
		return -1;
	*slot = v;
	return 0;
}

/* A wake-up that found a CPU no recorded task was running. */
struct replay_idle_wake {
	uint64_t at;
	int32_t cpu;	/* the only such CPU; -1: more than one */
	bool fast;	/* BPF's idle path placed it */
};

/* A run of the host's scheduling thread, [from, to). */
struct replay_host_span {
	uint64_t from, to;
	int32_t cpu;
};

/* What the trace knows of a CPU while it is built. */
struct replay_cpu_slot {
	uint64_t idle_since;	/* its last STOPPING, while it runs nothing
				   recorded; UINT64_MAX: busy or not known */
	uint64_t host_since;	/* the host's thread took it from a task
				   then; UINT64_MAX: not */
	bool preempted;		/* idle since a STOPPING that left its task
				   runnable */
	int32_t stopped_pid;	/* the task of that STOPPING */
};

/* CPU cpu's slot, grown on demand (NULL: out of memory, or not a CPU). */
static struct replay_cpu_slot *cpu_slot(struct replay_trace *t, int16_t cpu)
{
	struct replay_cpu_slot *v;
	uint32_t i, n;

	if (cpu < 0)
		return NULL;
	if ((uint32_t)cpu >= t->nr_cpu_slots) {
		n = (uint32_t)cpu + 64;
		v = realloc(t->cpus, n * sizeof(*v));
		if (!v)
			return NULL;
		for (i = t->nr_cpu_slots; i < n; i++)
			v[i] = (struct replay_cpu_slot){ .idle_since = UINT64_MAX, .host_since = UINT64_MAX };
		t->cpus = v;
		t->nr_cpu_slots = n;
	}
	return &t->cpus[cpu];
}

static void begin_burst(struct replay_task *k, uint64_t at, int32_t waker)
{
	k->in_burst = true;
	memset(&k->cur, 0, sizeof(k->cur));
	k->cur.runnable_ns = at;
	k->cur.waker = waker;
	k->cur.waker_cpu_ns = REPLAY_AT_BURST_END;
}

/* How far into its burst the waker pid is at `at`: its CPU time so far. */
static uint64_t waker_cpu_at(struct replay_trace *t, int32_t pid, uint64_t at)
{
	int32_t slot = pid ? *index_slot(t, pid) : 0;
	const struct replay_task *w = slot ? &t->tasks[slot - 1] : NULL;

	if (!w || !w->in_burst)
		return REPLAY_AT_BURST_END;
	return w->cur.cpu_ns + (w->state == T_RUNNING ? since(w->mark_ns, at) : 0);
}

/* The burst ends at `at`; kept when it used CPU time, else its time is
 * sleep (the previous burst's sleep runs on). */
static int end_burst(struct replay_task *k, uint64_t at, bool unfinished)
{
	struct replay_burst *b;

	k->in_burst = false;
	if (!k->cur.cpu_ns)
		return 0;
	if (k->nr_bursts == k->bursts_cap) {
		uint32_t cap = k->bursts_cap ? k->bursts_cap * 2 : 16;
		struct replay_burst *v = realloc(k->bursts, cap * sizeof(*v));

		if (!v)
			return -1;
		k->bursts = v;
		k->bursts_cap = cap;
	}
	b = &k->bursts[k->nr_bursts++];
	*b = k->cur;
	b->end_ns = at;
	b->unfinished = unfinished;
	k->cpu_ns += b->cpu_ns;
	if (b->waker)
		k->nr_wakeups_with_waker++;
	k->last_quiescent_ns = at;
	return 0;
}

static void inconsistent(struct replay_trace *t, struct replay_task *k)
{
	k->nr_inconsistent++;
	t->nr_inconsistent++;
}

static void count_wait(struct replay_task *k, uint64_t wait)
{
	k->nr_waits++;
	k->wait_sum_ns += wait;
	k->runnable_ns += wait;
	if (wait > k->wait_max_ns)
		k->wait_max_ns = wait;
	k->wait_hist[wait_hist_bucket(wait)]++;
}

/* The first event that says what state the task is in. */
static void first_state(struct replay_trace *t, struct replay_task *k, uint16_t kind)
{
	if (k->state == T_UNKNOWN && kind != PLUGLAND_EVENT_RUNNABLE)
		t->nr_truncated++;
}

/* Whether task k may run on CPU c, as far as the recording says. */
static bool may_use(const struct replay_task *k, uint32_t c)
{
	if (!k->has_cpus || c >= 128)
		return !k->has_cpus || k->cpus_partial;
	return (c < 64 ? k->cpus_lo >> c : k->cpus_hi >> (c - 64)) & 1;
}

/* Waking task k found these CPUs running no recorded task: kept, to
 * learn once the host's runs are known whether one was truly idle. */
static int note_idle_wake(struct replay_trace *t, const struct replay_task *k, uint64_t at)
{
	struct replay_idle_wake *w;
	int32_t idle = -2;	/* -2: none, -1: several, else the one */
	uint32_t c;

	for (c = 0; c < t->nr_cpu_slots && idle != -1; c++)
		if (t->cpus[c].idle_since != UINT64_MAX && may_use(k, c))
			idle = idle == -2 ? (int32_t)c : -1;
	if (idle == -2)
		return 0;
	w = push_slot((void **)&t->idle_wakes, &t->nr_idle_wakes, &t->idle_wakes_cap, sizeof(*w));
	if (!w)
		return -1;
	*w = (struct replay_idle_wake){ .at = at, .cpu = idle, .fast = k->fast_ahead };
	return 0;
}

static int on_runnable(struct replay_trace *t, struct replay_task *k, const struct plugland_event *e,
		       uint64_t at)
{
	int32_t waker = e->detail == PLUGLAND_RUNNABLE_WAKEUP ? (int32_t)e->arg : 0;

	switch (k->state) {
	case T_STOPPED: /* its QUIESCENT was lost: the burst ended when it stopped */
		inconsistent(t, k);
		if (end_burst(k, k->mark_ns, false))
			return -1;
		/* fall through */
	case T_UNKNOWN:
	case T_SLEEPING:
		if (k->nr_bursts && !k->in_burst)
			k->bursts[k->nr_bursts - 1].sleep_ns = since(k->last_quiescent_ns, at);
		begin_burst(k, at, waker);
		k->cur.waker_cpu_ns = waker_cpu_at(t, waker, at);
		k->state = T_WAITING;
		k->mark_ns = at;
		k->decided = k->fast_ahead;
		if (k->fast_ahead) { /* its pickup counts from BPF's placement */
			k->decided_ns = k->fast_ahead_ns;
			k->round_trip = REPLAY_FAST;
		}
		if (e->detail == PLUGLAND_RUNNABLE_WAKEUP && note_idle_wake(t, k, at))
			return -1;
		k->fast_ahead = false;
		break;
	case T_WAITING:
		break; /* preempted: its wait began when it stopped */
	default:
		inconsistent(t, k);
	}
	return 0;
}

static int on_running(struct replay_trace *t, struct replay_task *k, const struct plugland_event *e,
		      uint64_t at)
{
	struct replay_cpu_slot *c = cpu_slot(t, e->cpu);

	if (e->cpu >= 0 && !c)
		return -1;
	bool host_took = c && c->host_since != UINT64_MAX;

	/* The first run on a CPU since the host's thread took it. */
	if (host_took) {
		if (push_u64(&t->host_run_ns, &t->nr_host_runs, &t->host_runs_cap,
			     since(c->host_since, at)))
			return -1;
		c->host_since = UINT64_MAX;
	}
	switch (k->state) {
	case T_WAITING:
		count_wait(k, since(k->mark_ns, at));
		break;
	case T_UNKNOWN:
		begin_burst(k, at, 0); /* runnable before the log began: wait unknown */
		break;
	case T_SLEEPING:
		inconsistent(t, k); /* its RUNNABLE was lost: the burst starts here */
		if (k->nr_bursts)
			k->bursts[k->nr_bursts - 1].sleep_ns = since(k->last_quiescent_ns, at);
		begin_burst(k, at, 0);
		break;
	default:
		inconsistent(t, k);
		return 0;
	}
	/* Its CPU ran nothing recorded since before the decision: a pickup. */
	if (c && c->idle_since != UINT64_MAX && k->state == T_WAITING && k->decided &&
	    c->idle_since <= k->decided_ns) {
		uint64_t pickup = since(k->decided_ns, at);

		if (push_u64(&t->pickup_ns, &t->nr_pickups, &t->pickups_cap, pickup))
			return -1;
		if (k->round_trip != REPLAY_FAST)
			t->round_trip_pickup_ns[k->round_trip] = pickup;
	} else if (c && c->idle_since != UINT64_MAX && !host_took && k->state == T_WAITING &&
		   k->mark_ns <= c->idle_since && c->stopped_pid != k->pid) {
		/* Waiting as its CPU stopped another task: a switch. */
		if (push_u64(&t->switch_ns, &t->nr_switches, &t->switches_cap,
			     since(c->idle_since, at)))
			return -1;
	}
	if (c)
		c->idle_since = UINT64_MAX;
	k->nr_runs++;
	if (k->last_cpu >= 0 && e->cpu != k->last_cpu)
		k->nr_migrations++;
	k->last_cpu = e->cpu;
	if (e->cpu >= 0 && (uint32_t)e->cpu + 1 > t->nr_cpus_seen)
		t->nr_cpus_seen = (uint32_t)e->cpu + 1;
	k->state = T_RUNNING;
	k->mark_ns = at;
	return 0;
}

static void on_stopping(struct replay_trace *t, struct replay_task *k, const struct plugland_event *e,
			uint64_t at)
{
	bool runnable = e->detail & PLUGLAND_STOPPING_RUNNABLE;
	struct replay_cpu_slot *c = cpu_slot(t, e->cpu);

	if (c) { /* (out of memory: that CPU's pickups are not measured) */
		c->idle_since = at;
		c->preempted = runnable;
		c->stopped_pid = k->pid;
	}

	if (k->state == T_RUNNING) {
		uint64_t ran = since(k->mark_ns, at);

		k->cur.cpu_ns += ran;
		k->runnable_ns += ran;
	} else if (k->state == T_UNKNOWN) {
		begin_burst(k, at, 0); /* it ran before the log began: that time is unknown */
	} else {
		inconsistent(t, k);
		return;
	}
	k->state = runnable ? T_WAITING : T_STOPPED;
	k->mark_ns = at;
	k->decided = false;
}

static int on_quiescent(struct replay_trace *t, struct replay_task *k, uint64_t at)
{
	switch (k->state) {
	case T_UNKNOWN:
		k->last_quiescent_ns = at;
		break;
	case T_RUNNING: /* its STOPPING was lost */
		inconsistent(t, k);
		k->cur.cpu_ns += since(k->mark_ns, at);
		k->runnable_ns += since(k->mark_ns, at);
		/* fall through */
	case T_WAITING: /* dequeued while waiting */
	case T_STOPPED:
		if (end_burst(k, at, false))
			return -1;
		break;
	default:
		inconsistent(t, k);
		return 0;
	}
	k->state = T_SLEEPING;
	return 0;
}

static int on_task_exit(struct replay_task *k, uint64_t at)
{
	if (k->state == T_RUNNING) {
		k->cur.cpu_ns += since(k->mark_ns, at);
		k->runnable_ns += since(k->mark_ns, at);
	}
	if (k->in_burst && end_burst(k, at, false))
		return -1;
	k->exited = true;
	k->state = T_GONE;
	return 0;
}

static void on_weight(struct replay_task *k, const struct plugland_event *e)
{
	if (k->weight_set)
		k->nr_weight_changes++;
	/* The one in force at its first burst: later ones are counted only. */
	if (!k->nr_bursts && !k->in_burst) {
		k->weight = e->arg ? e->arg : 1;
	} else if (!k->weight_set) {
		k->weight = e->arg ? e->arg : 1;
	}
	k->weight_set = true;
}

static void on_cpumask(struct replay_task *k, const struct plugland_event *e)
{
	if (k->cpus_set)
		k->nr_cpumask_changes++;
	if ((!k->nr_bursts && !k->in_burst) || !k->cpus_set) {
		k->has_cpus = true;
		k->cpus_lo = e->value;
		k->cpus_hi = e->value_hi;
		k->cpus_partial = e->detail & PLUGLAND_CPUMASK_PARTIAL;
		k->nr_cpus_allowed = e->arg;
	}
	k->cpus_set = true;
}

/*
 * A run of one of the host's own threads, from e->value to e->at_ns. One of the
 * scheduling thread's that began on a CPU idle since a task slept (not
 * one it preempted: those are measured as host_run_ns) is an idle run.
 */
static int on_host_run(struct replay_trace *t, const struct plugland_event *e)
{
	struct replay_cpu_slot *c = cpu_slot(t, e->cpu);
	uint64_t ran = e->at_ns > e->value ? e->at_ns - e->value : 0;
	struct replay_host_span *span;

	if (!(e->detail & PLUGLAND_HOST_RUN_SCHED)) {
		t->nr_host_other_runs++;
		t->host_other_ns += ran;
		return 0;
	}
	t->nr_host_sched_runs++;
	span = push_slot((void **)&t->host_spans, &t->nr_host_spans, &t->host_spans_cap,
			 sizeof(*span));
	if (!span)
		return -1;
	*span = (struct replay_host_span){ .from = since(t->t0_ns, e->value),
					   .to = since(t->t0_ns, e->at_ns), .cpu = e->cpu };
	if (!c || c->idle_since == UINT64_MAX || c->preempted ||
	    c->idle_since > since(t->t0_ns, e->value))
		return 0;
	return push_u64(&t->host_idle_run_ns, &t->nr_host_idle_runs, &t->host_idle_runs_cap, ran);
}

/* Whether an event of this kind is an ordinary task's (not the host's). */
static bool task_event(uint16_t kind)
{
	return kind >= 1 && kind <= PLUGLAND_EVENT_MAX && kind != PLUGLAND_EVENT_HOST_RUN;
}

static int add_event(struct replay_trace *t, const struct plugland_event *e)
{
	uint64_t at = since(t->t0_ns, e->at_ns);
	struct replay_task *k;

	if (e->kind == PLUGLAND_EVENT_HOST_RUN)
		return e->at_ns < t->t0_ns ? 0 : on_host_run(t, e);
	if (!task_event(e->kind)) {
		t->nr_unknown++;
		return 0;
	}
	k = task_of(t, e);
	if (!k)
		return -1;
	t->nr_events++;
	k->last_ns = at;
	k->tgid = e->tgid;
	if (e->kind != PLUGLAND_EVENT_RUNNABLE)
		k->fast_ahead = false; /* its RUNNABLE did not follow: not a placement */
	memcpy(k->comm, e->comm, sizeof(k->comm));
	if (at > t->end_ns)
		t->end_ns = at;
	switch (e->kind) {
	case PLUGLAND_EVENT_RUNNABLE:
		first_state(t, k, e->kind);
		return on_runnable(t, k, e, at);
	case PLUGLAND_EVENT_RUNNING:
		first_state(t, k, e->kind);
		return on_running(t, k, e, at);
	case PLUGLAND_EVENT_STOPPING:
		first_state(t, k, e->kind);
		on_stopping(t, k, e, at);
		break;
	case PLUGLAND_EVENT_QUIESCENT:
		first_state(t, k, e->kind);
		return on_quiescent(t, k, at);
	case PLUGLAND_EVENT_WEIGHT:
		on_weight(k, e);
		break;
	case PLUGLAND_EVENT_CPUMASK:
		on_cpumask(k, e);
		break;
	case PLUGLAND_EVENT_FORK:
		k->forked = true;
		k->parent = (int32_t)e->arg;
		break;
	case PLUGLAND_EVENT_EXIT:
		return on_task_exit(k, at);
	}
	return 0;
}

/* A decision for a task waiting since mark_ns: the host's round trip. */
static int add_decision(struct replay_trace *t, const struct plugland_decision *d)
{
	const uint16_t not_policy = PLUGLAND_DECISION_BY_HOST | PLUGLAND_DECISION_BY_KERNEL |
				    PLUGLAND_DECISION_LATE;
	struct replay_task *k;
	int32_t slot;

	if (d->dispatch_ns < t->t0_ns)
		return 0;
	slot = *index_slot(t, d->pid);
	if (!slot)
		return 0;
	k = &t->tasks[slot - 1];
	/* Resumed after the host's thread preempted it, its CPU having run
	 * nothing recorded since: the thread runs there now. */
	if ((d->flags & PLUGLAND_DECISION_BY_KERNEL) &&
	    PLUGLAND_DECISION_REASON(d->flags) == PLUGLAND_KERNEL_RESUMED && k->state == T_WAITING) {
		struct replay_cpu_slot *c = cpu_slot(t, (int16_t)k->last_cpu);

		if (c && c->idle_since == k->mark_ns)
			c->host_since = k->mark_ns;
	}
	/* BPF's idle path places a waking task in select_cpu, before the
	 * kernel makes it runnable: its RUNNABLE comes next. */
	if ((d->flags & PLUGLAND_DECISION_BY_KERNEL) && k->state != T_WAITING &&
	    PLUGLAND_DECISION_REASON(d->flags) == PLUGLAND_KERNEL_IDLE) {
		k->fast_ahead = true;
		k->fast_ahead_ns = d->dispatch_ns - t->t0_ns;
		return 0;
	}
	/* BPF's fast path placed it: no round trip, but its pickup counts. */
	if ((d->flags & PLUGLAND_DECISION_BY_KERNEL) && k->state == T_WAITING && !k->decided &&
	    (PLUGLAND_DECISION_REASON(d->flags) == PLUGLAND_KERNEL_IDLE ||
	     PLUGLAND_DECISION_REASON(d->flags) == PLUGLAND_KERNEL_QUEUED)) {
		k->decided = true;
		k->decided_ns = d->dispatch_ns - t->t0_ns;
		k->round_trip = REPLAY_FAST;
		return 0;
	}
	if (d->flags & not_policy)
		return 0;
	/* Only the first: a second one for the same wait is stale. */
	if (k->state != T_WAITING || k->decided)
		return 0;
	k->decided = true;
	k->decided_ns = d->dispatch_ns - t->t0_ns;
	k->round_trip = t->nr_round_trips;
	if (push_u64(&t->round_trip_pickup_ns, &t->nr_paired, &t->paired_cap, REPLAY_NO_PICKUP) ||
	    push_u64(&t->round_trip_from_ns, &t->nr_round_trip_from, &t->round_trip_from_cap,
		     k->mark_ns))
		return -1;
	return push_u64(&t->round_trip_ns, &t->nr_round_trips, &t->round_trips_cap,
			since(k->mark_ns, k->decided_ns));
}

static int by_from(const void *a, const void *b)
{
	const struct replay_host_span *x = a, *y = b;

	return x->from < y->from ? -1 : x->from > y->from;
}

/* The host's scheduling thread's run going on at `at`, or NULL (spans
 * sorted by start; one thread, so they do not overlap). */
static const struct replay_host_span *host_span_at(const struct replay_trace *t, uint64_t at)
{
	size_t lo = 0, hi = t->nr_host_spans;

	while (lo < hi) { /* the first span starting after at */
		size_t mid = lo + (hi - lo) / 2;

		if (t->host_spans[mid].from <= at)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && t->host_spans[lo - 1].to > at ? &t->host_spans[lo - 1] : NULL;
}

/* With the host's runs known: which idle-looking CPUs were its, and
 * which round trips began while it ran. */
static int after_host_runs(struct replay_trace *t)
{
	const struct replay_host_span *h;
	size_t i;

	if (!t->nr_host_spans)
		return 0; /* an older recording: the host's CPUs are not known */
	qsort(t->host_spans, t->nr_host_spans, sizeof(*t->host_spans), by_from);
	for (i = 0; i < t->nr_idle_wakes; i++) {
		const struct replay_idle_wake *w = &t->idle_wakes[i];

		if (!w->fast && w->cpu >= 0 && (h = host_span_at(t, w->at)) && h->cpu == w->cpu)
			continue;
		t->nr_idle_wakeups++;
		t->nr_idle_wakeups_fast += w->fast;
	}
	t->round_trip_host_on = calloc(t->nr_round_trips ? t->nr_round_trips : 1, 1);
	if (!t->round_trip_host_on)
		return -1;
	for (i = 0; i < t->nr_round_trips; i++)
		t->round_trip_host_on[i] = host_span_at(t, t->round_trip_from_ns[i]) != NULL;
	return 0;
}

/* The recording ended: bursts still going are cut at its end. */
static int finish(struct replay_trace *t)
{
	uint32_t i;

	if (after_host_runs(t))
		return -1;
	for (i = 0; i < t->nr_tasks; i++) {
		struct replay_task *k = &t->tasks[i];

		if (!k->in_burst)
			continue;
		if (k->state == T_RUNNING) {
			k->cur.cpu_ns += since(k->mark_ns, t->end_ns);
			k->runnable_ns += since(k->mark_ns, t->end_ns);
		}
		t->nr_unfinished++;
		if (end_burst(k, t->end_ns, true))
			return -1;
	}
	return 0;
}

static uint64_t first_at(const struct plugland_event *ev, size_t n)
{
	uint64_t t0 = UINT64_MAX;
	size_t i;

	for (i = 0; i < n; i++)
		if (ev[i].flags & PLUGLAND_RECORD_EVENT && task_event(ev[i].kind) &&
		    ev[i].at_ns < t0)
			t0 = ev[i].at_ns;
	return t0 == UINT64_MAX ? 0 : t0;
}

static int build_begin(struct replay_trace *t, uint32_t nr_cpus, uint64_t t0)
{
	memset(t, 0, sizeof(*t));
	t->nr_cpus = nr_cpus;
	t->t0_ns = t0;
	return grow_index(t);
}

/* What only building needs. */
static void drop_building_state(struct replay_trace *t)
{
	free(t->index);
	t->index = NULL;
	free(t->cpus);
	t->cpus = NULL;
	free(t->idle_wakes);
	t->idle_wakes = NULL;
	free(t->host_spans);
	t->host_spans = NULL;
	free(t->round_trip_from_ns);
	t->round_trip_from_ns = NULL;
}

static int build_end(struct replay_trace *t, char *err, size_t errlen)
{
	if (finish(t))
		return fail_msg(err, errlen, "out of memory");
	if (t->nr_cpus_seen > t->nr_cpus)
		t->nr_cpus = t->nr_cpus_seen;
	if (!t->nr_cpus)
		t->nr_cpus = 1;
	drop_building_state(t);
	return 0;
}

int replay_trace_build(struct replay_trace *t, const struct plugland_event *ev, size_t n,
		       uint32_t nr_cpus, char *err, size_t errlen)
{
	size_t i;

	if (build_begin(t, nr_cpus, first_at(ev, n)))
		return fail_msg(err, errlen, "out of memory");
	for (i = 0; i < n; i++) {
		union plugland_record r;

		memcpy(&r, &ev[i], sizeof(r)); /* an event, or a decision */
		if (plugland_record_is_event(&r.decision) ? add_event(t, &r.event) :
							    add_decision(t, &r.decision)) {
			replay_trace_free(t);
			return fail_msg(err, errlen, "out of memory");
		}
	}
	return build_end(t, err, errlen);
}

int replay_trace_from_dump(struct replay_trace *t, const struct decision_dump *d, char *err,
			   size_t errlen)
{
	union plugland_record rec;
	uint64_t seq, t0 = UINT64_MAX, nr_decisions = 0;

	for (seq = d->first; seq < d->head; seq++) {
		decision_dump_get(d, seq, &rec.decision);
		if (!decision_dump_is_event(d, &rec.decision))
			nr_decisions += !decision_dump_is_shadow(d, &rec.decision);
		else if (task_event(rec.event.kind) && rec.event.at_ns < t0)
			t0 = rec.event.at_ns;
	}
	if (t0 == UINT64_MAX)
		return fail_msg(err, errlen, "no task events to replay (%llu decisions%s): record "
			    "with events (format 2, debug mode)", (unsigned long long)nr_decisions,
			    d->version < 2 ? ", format 1" : "");
	if (build_begin(t, d->nr_cpus, t0))
		return fail_msg(err, errlen, "out of memory");
	t->nr_decisions = nr_decisions;
	for (seq = d->first; seq < d->head; seq++) {
		decision_dump_get(d, seq, &rec.decision);
		if (decision_dump_is_event(d, &rec.decision) ? add_event(t, &rec.event) :
							       add_decision(t, &rec.decision)) {
			replay_trace_free(t);
			return fail_msg(err, errlen, "out of memory");
		}
	}
	return build_end(t, err, errlen);
}

void replay_trace_free(struct replay_trace *t)
{
	uint32_t i;

	for (i = 0; i < t->nr_tasks; i++)
		free(t->tasks[i].bursts);
	free(t->tasks);
	drop_building_state(t);
	free(t->round_trip_ns);
	free(t->pickup_ns);
	free(t->round_trip_pickup_ns);
	free(t->host_run_ns);
	free(t->switch_ns);
	free(t->host_idle_run_ns);
	free(t->round_trip_host_on);
	memset(t, 0, sizeof(*t));
}

const struct replay_task *replay_trace_task(const struct replay_trace *t, int32_t pid)
{
	uint32_t i;

	for (i = t->nr_tasks; i-- > 0;)
		if (t->tasks[i].pid == pid)
			return &t->tasks[i];
	return NULL;
}

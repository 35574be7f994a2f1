// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include "clock.h"
#include "decision_log.h"
#include "decision_record.h"
#include "sched_loop.h"
#include "shadow_feed.h"

/* The active policy, the order its any-CPU decisions wait in, and the
 * fast paths it gives to the kernel. */
static void set_policy(struct sched_loop *l, const struct plugland_policy *policy, void *ctx)
{
	uint32_t fast = fast_wake_granted(policy->flags, l->fast_wake_mode, l->local_queues);

	l->policy = policy;
	l->policy_ctx = ctx;
	if (l->be->ops->set_ordered)
		l->be->ops->set_ordered(l->be, policy->flags & PLUGLAND_POLICY_ORDERED);
	fast = fast_wake_for_backend(fast, l->direct_local);
	l->fast_wake = l->be->ops->set_fast_wake ?
			       l->be->ops->set_fast_wake(l->be, fast) & FAST_WAKE_FLAGS : 0;
}

void sched_loop_set_fast_wake_mode(struct sched_loop *l, enum fast_wake_mode mode,
				   bool local_queues, bool direct_local)
{
	l->fast_wake_mode = mode;
	l->local_queues = local_queues;
	l->direct_local = direct_local;
	set_policy(l, l->policy, l->policy_ctx);
}

int sched_loop_init(struct sched_loop *l, struct backend *be,
		    const struct plugland_policy *policy, void *policy_ctx, uint32_t tick_ms)
{
	memset(l, 0, sizeof(*l));
	l->be = be;
	set_policy(l, policy, policy_ctx);
	l->held_oldest_ns = UINT64_MAX;
	l->tick_ms = tick_ms ? tick_ms : 100;
	l->wait_ms = l->tick_ms;
	l->idle_wait_ms = LOOP_IDLE_WAIT_MS;
	l->fallback = calloc(LOOP_FALLBACK_CAP, sizeof(*l->fallback));
	if (!l->fallback || held_set_init(&l->held, LOOP_MAX_TASKS) ||
	    held_set_init(&l->spare, LOOP_MAX_TASKS)) {
		sched_loop_fini(l);
		return -ENOMEM;
	}
	return 0;
}

void sched_loop_fini(struct sched_loop *l)
{
	free(l->fallback);
	l->fallback = NULL;
	held_set_fini(&l->held);
	held_set_fini(&l->spare);
}

static inline void watch_enter(struct sched_loop *l, const char *callback)
{
	policy_watch_enter(&l->watch, callback);
}

static inline void watch_leave(struct sched_loop *l)
{
	policy_watch_leave(&l->watch);
}

/* Policy calls are bracketed so that the signal handler knows whether a
 * longjmp would leave the policy (allowed) or the host (never). */
#define IN_POLICY(l, call)                                                              \
	({                                                                              \
		atomic_store_explicit(&(l)->watch.in_policy, 1, memory_order_relaxed);  \
		atomic_signal_fence(memory_order_seq_cst);                              \
		__auto_type __r = (call);                                               \
		atomic_signal_fence(memory_order_seq_cst);                              \
		atomic_store_explicit(&(l)->watch.in_policy, 0, memory_order_relaxed);  \
		__r;                                                                    \
	})

/* The backend's clock: the clock of task->enq_ns (virtual in simulations). */
static inline uint64_t loop_now(const struct sched_loop *l)
{
	return l->be->ops->now_ns ? l->be->ops->now_ns(l->be) : pl_now_ns();
}

/* Append decision d (for task t, if the loop still has it) to the log.
 * Inlined: it runs for every decision. */
static inline __attribute__((always_inline)) void record(struct sched_loop *l, const struct plugland_task *t,
		   const struct plugland_dispatch *d, uint64_t now, uint16_t flags)
{
	struct plugland_decision rec;

	if (!l->log || !atomic_load_explicit(&l->recording, memory_order_relaxed))
		return;
	decision_record(&rec, d, t, now, l->policy_id);
	rec.flags |= flags;
	decision_log_append(l->log, &rec);
}

/* Refused (full or error), or orphaned by a switch: the host keeps the
 * task moving itself. Past the fallback's capacity it is dropped; the
 * kernel's watchdog then ejects the scheduler, the safe outcome. */
static void host_dispatches(struct sched_loop *l, const struct plugland_task *task)
{
	struct plugland_dispatch d = plugland_dispatch_of(task);

	if (l->fb_tail - l->fb_head == LOOP_FALLBACK_CAP)
		return;
	l->fallback[l->fb_tail++ & (LOOP_FALLBACK_CAP - 1)] = d;
	record(l, task, &d, loop_now(l), PLUGLAND_DECISION_BY_HOST);
}

/*
 * A shadow policy (shadow.h) is told what the real one is, without ever
 * waiting for it: each place below costs one branch, well predicted,
 * when there is none.
 */
#define SHADOWED(l) __builtin_expect((l)->shadow != NULL, 0)

/* task->pid exited: the policy may forget it (not a task to schedule). */
static void on_gone(struct sched_loop *l, const struct plugland_task *task)
{
	l->st.nr_gone++;
	if (SHADOWED(l))
		shadow_feed_other(l->shadow, SHADOW_GONE, 0, task, NULL, 0);
	if (!l->policy->task_gone)
		return;
	watch_enter(l, "task_gone");
	IN_POLICY(l, (l->policy->task_gone(l->policy_ctx, task->pid), 0));
	watch_enter(l, "enqueue");
}

/*
 * The backend placed a task itself: into the log, flagged, and told to the
 * policy so that its accounting stays exact. Not a task the loop holds:
 * the books are untouched.
 */
static void log_decided(struct sched_loop *l, const struct backend_decided *k,
			struct plugland_task *t, struct plugland_dispatch *d)
{
	*t = k->task;
	t->reserved = 0; /* the record's kind, for the BPF backend */
	*d = plugland_dispatch_of(t);
	d->cpu = k->cpu >= (int32_t)l->be->nr_cpus ? PLUGLAND_CPU_ANY : k->cpu;
	d->slice_ns = k->slice_ns;
	l->st.nr_by_kernel++;
	record(l, t, d, k->at_ns,
	       PLUGLAND_DECISION_BY_KERNEL | PLUGLAND_DECISION_REASON_FLAGS(k->reason));
}

static void on_decided(struct sched_loop *l, const struct backend_decided *k)
{
	struct plugland_task t;
	struct plugland_dispatch d;

	log_decided(l, k, &t, &d);
	if (SHADOWED(l))
		shadow_feed_other(l->shadow, SHADOW_DECIDED, 0, &t, &d, k->reason);
	if (!l->policy->kernel_decided)
		return;
	watch_enter(l, "kernel_decided");
	IN_POLICY(l, (l->policy->kernel_decided(l->policy_ctx, &t, &d, k->reason), 0));
	watch_enter(l, "enqueue");
}

/* Debug mode: what the kernel saw happen to a task, into the decision
 * log in the order it came, among the decisions. */
static void on_event(struct sched_loop *l, const struct backend_event *e)
{
	struct plugland_event ev = {
		.at_ns = e->task.enq_ns,
		.value = e->value,
		.value_hi = e->value_hi,
		.pid = e->task.pid,
		.tgid = e->task.tgid,
		.cpu = -1,
		.kind = (uint16_t)e->event,
		.arg = e->arg,
		.detail = (uint16_t)e->detail,
	};

	l->st.nr_task_events++;
	if (!l->log || !atomic_load_explicit(&l->recording, memory_order_relaxed))
		return;
	if (plugland_event_has_cpu(e->event))
		ev.cpu = (int16_t)e->task.cpu;
	memcpy(ev.comm, e->task.comm, sizeof(ev.comm));
	decision_log_append_event(l->log, &ev);
}

static int on_task(void *ctx, unsigned int kind, const struct plugland_task *task)
{
	struct sched_loop *l = ctx;
	bool tracked;

	if (__builtin_expect(kind != PL_REC_TASK, 0)) {
		if (kind == PL_REC_DECIDED)
			on_decided(l, (const struct backend_decided *)task);
		else if (kind == PL_REC_GONE)
			on_gone(l, task);
		else if (kind == PL_REC_EVENT)
			on_event(l, (const struct backend_event *)task);
		return 0;
	}
	/*
	 * Counted and in the held set before the call: an enqueue() that
	 * never returns (the watchdog jumps out of it) leaves the task where
	 * the switch to the fallback finds it, and the books balanced.
	 */
	tracked = held_set_put(&l->held, task);
	if (task->enq_ns < l->held_oldest_ns)
		l->held_oldest_ns = task->enq_ns;

	l->nr_held++;
	l->st.nr_enqueued++;
	if (SHADOWED(l))
		shadow_feed_task(l->shadow, task);
	if (IN_POLICY(l, l->policy->enqueue(l->policy_ctx, task)) == 0) {
		if (!tracked)
			l->st.nr_untracked++;
		return 0;
	}
	l->nr_held--;
	l->st.nr_enqueued--;
	if (tracked)
		held_set_take(&l->held, task->pid, task->cookie);
	l->st.nr_refused++;
	host_dispatches(l, task);
	return 0;
}

/* Send out[out_off..out_n); false when the backend is full. */
static bool flush_out(struct sched_loop *l)
{
	unsigned int want = l->out_n - l->out_off, sent;

	if (!want)
		return true;
	sent = l->be->ops->dispatch(l->be, l->out + l->out_off, want);
	l->out_off += sent;
	l->st.nr_dispatched += sent;
	if (sent < want) {
		l->st.nr_backlog++;
		return false;
	}
	l->out_off = l->out_n = 0;
	return true;
}

static bool refill_from_fallback(struct sched_loop *l)
{
	unsigned int n = 0;

	while (n < LOOP_BATCH && l->fb_head != l->fb_tail)
		l->out[n++] = l->fallback[l->fb_head++ & (LOOP_FALLBACK_CAP - 1)];
	l->out_off = 0;
	l->out_n = n;
	return n > 0;
}

/* Ask the policy for up to a batch; sanitise what it returns. */
static unsigned int refill_policy(struct sched_loop *l)
{
	unsigned int n = IN_POLICY(l, l->policy->dispatch(l->policy_ctx, l->out, LOOP_BATCH)), i;
	int32_t nr_cpus = (int32_t)l->be->nr_cpus;
	uint64_t now;

	if (n > LOOP_BATCH) {
		l->st.nr_invalid++;
		n = LOOP_BATCH;
	}
	if (n > l->nr_held) { /* a policy dispatching what it never got */
		l->st.nr_invalid++;
		l->nr_held = n;
	}
	l->nr_held -= n;
	now = n ? loop_now(l) : 0;
	l->refill_now = now;
	for (i = 0; i < n; i++) {
		struct plugland_task *t = held_set_find(&l->held, l->out[i].pid, l->out[i].cookie);

		if (l->out[i].cpu >= nr_cpus || l->out[i].cpu < PLUGLAND_CPU_ANY) {
			l->out[i].cpu = PLUGLAND_CPU_ANY;
			l->st.nr_invalid++;
		}
		/* Recorded from the entry in place, then the entry goes. */
		record(l, t, &l->out[i], now, t ? 0 : PLUGLAND_DECISION_LATE);
		if (t)
			held_set_remove(&l->held, t);
	}
	l->out_off = 0;
	l->out_n = n;
	return n;
}

/* The same, and the shadow told: the idle CPUs the real policy could
 * see, what it was asked and what it decided. */
static __attribute__((noinline)) unsigned int refill_shadowed(struct sched_loop *l)
{
	uint32_t idle = l->be->ops->nr_idle_cpus ? l->be->ops->nr_idle_cpus(l->be) : 0;
	unsigned int n = refill_policy(l);

	shadow_feed_round(l->shadow, LOOP_BATCH, l->out, n, n ? l->refill_now : loop_now(l), idle,
			  l->nr_held);
	return n;
}

static inline unsigned int refill_from_policy(struct sched_loop *l)
{
	return SHADOWED(l) ? refill_shadowed(l) : refill_policy(l);
}

static void dispatch_all(struct sched_loop *l)
{
	if (!flush_out(l))
		return;
	while (refill_from_fallback(l))
		if (!flush_out(l))
			return;
	while (l->nr_held) {
		unsigned int n = refill_from_policy(l);

		if (!flush_out(l) || n < LOOP_BATCH)
			return;
	}
}

struct starve_ctx {
	struct sched_loop *l;
	uint64_t deadline;	/* enqueued before this: waited too long */
};

/*
 * The starvation guard, once per tick: a task the policy has held for
 * more than max_wait is dispatched by the host, any CPU. The kernel would
 * otherwise eject the whole scheduler when its watchdog sees the task
 * waiting (5 s); the policy's own, later decision for it is dropped as
 * stale (the task has been re-enqueued by then, or is dispatched twice at
 * worst, which the kernel ignores).
 *
 * Cheap when nothing starves: held_oldest_ns, at most the enq_ns of every
 * held task (lowered as tasks come in, made exact by each walk), skips
 * the walk until a task may have waited max_wait, and the walk reads the
 * held set's bitmap, not its 64 Ki slots. (Walking the slots at every
 * tick cost lottery 1.5x its instructions per decision on the synthetic
 * machine.)
 */
static void rescue_starved(struct sched_loop *l, uint64_t now)
{
	uint64_t oldest = UINT64_MAX;
	uint32_t i = 0;

	if (!l->max_wait_ns || now < l->max_wait_ns)
		return;
	if (!l->held.count) {
		l->held_oldest_ns = UINT64_MAX;
		return;
	}
	if (l->held_oldest_ns > now - l->max_wait_ns)
		return;
	while (held_set_next(&l->held, &i)) {
		struct plugland_task *t = &l->held.slots[i];

		if (t->enq_ns > now - l->max_wait_ns) {
			oldest = t->enq_ns < oldest ? t->enq_ns : oldest;
			i++;
			continue;
		}
		if (l->fb_tail - l->fb_head == LOOP_FALLBACK_CAP) {
			oldest = 0; /* not all seen: look again at the next tick */
			break;
		}
		host_dispatches(l, t);
		l->st.nr_starved++;
		/* backward shift may move another entry here: i again */
		held_set_remove(&l->held, t);
	}
	l->held_oldest_ns = oldest;
}

int sched_loop_round(struct sched_loop *l)
{
	uint64_t now;
	int n;

	if (SHADOWED(l)) /* what the shadow decided, into the log: it has one producer */
		shadow_feed_drain(l->shadow, l->log,
				  atomic_load_explicit(&l->recording, memory_order_relaxed));
	watch_enter(l, "enqueue");
	n = l->be->ops->consume(l->be, on_task, l);
	if (n < 0) {
		watch_leave(l);
		return n;
	}
	watch_enter(l, "dispatch");
	dispatch_all(l);
	l->st.nr_rounds++;

	now = loop_now(l); /* the clock of enq_ns: the starvation guard compares them */
	if (now >= l->next_tick_ns) {
		l->next_tick_ns = now + (uint64_t)l->tick_ms * 1000000ull;
		l->st.nr_ticks++;
		rescue_starved(l, now);
		if (SHADOWED(l))
			shadow_feed_other(l->shadow, SHADOW_TICK, now, NULL, NULL, 0);
		if (l->policy->tick) {
			watch_enter(l, "tick");
			IN_POLICY(l, (l->policy->tick(l->policy_ctx, now), 0));
		}
		watch_enter(l, "dispatch");
		dispatch_all(l); /* a tick may release tasks */
	}
	watch_leave(l);
	l->be->ops->publish(l->be, sched_loop_in_flight(l), now);
	return n;
}

static int drain_decided(void *ctx, unsigned int kind, const struct plugland_task *task)
{
	struct plugland_task t;
	struct plugland_dispatch d;

	if (kind == PL_REC_DECIDED)
		log_decided(ctx, (const struct backend_decided *)task, &t, &d);
	return 0;
}

void sched_loop_drain_decided(struct sched_loop *l)
{
	l->be->ops->consume(l->be, drain_decided, l);
}

uint64_t sched_loop_in_flight(const struct sched_loop *l)
{
	return l->nr_held + (l->out_n - l->out_off) + (l->fb_tail - l->fb_head);
}

struct switch_ctx {
	struct sched_loop *l;
	uint64_t moved, refused;
};

static void move_task(void *arg, const struct plugland_task *t)
{
	struct switch_ctx *c = arg;
	struct sched_loop *l = c->l;

	if (IN_POLICY(l, l->policy->enqueue(l->policy_ctx, t)) == 0) {
		c->moved++;
		held_set_put(&l->held, t);
		if (t->enq_ns < l->held_oldest_ns)
			l->held_oldest_ns = t->enq_ns;
	} else {
		/* already counted when it came in: not a new refusal */
		host_dispatches(l, t);
		c->refused++;
	}
}

void sched_loop_switch_policy(struct sched_loop *l, const struct plugland_policy *next,
			      void *next_ctx)
{
	struct switch_ctx c = { .l = l };
	struct held_set old = l->held;
	/*
	 * The set has one entry per task (its latest enqueue); what the old
	 * policy holds beyond it are stale duplicates (a task enqueued again
	 * before its first decision), which go away with it. Counted from
	 * the set before the move, so that a task the move loses shows as a
	 * hole in the books rather than as one more duplicate.
	 */
	uint64_t stale = l->nr_held > old.count ? l->nr_held - old.count : 0;

	/*
	 * Enqueue into the new policy from a swapped-out copy of the set, so
	 * that the entries move_task() puts back are not visited again.
	 */
	l->held = l->spare;
	l->spare = old;
	set_policy(l, next, next_ctx);
	watch_enter(l, "enqueue");
	held_set_drain(&l->spare, move_task, &c);
	l->st.nr_dropped += stale;
	l->nr_held = c.moved;
	l->st.nr_switches++;
	watch_leave(l);
}

int sched_loop_run(struct sched_loop *l, volatile sig_atomic_t *stop)
{
	const struct plugland_policy *next;
	void *next_ctx = NULL;
	int ret = 0;

	/*
	 * The watchdog's signal handler jumps back here out of a policy
	 * callback that does not return. Only the policy's frames are
	 * abandoned: the handler jumps only while watch.in_policy is set.
	 */
	if (sigsetjmp(l->recover, 1)) {
		atomic_store_explicit(&l->watch.in_policy, 0, memory_order_relaxed);
		next = l->recovered ? l->recovered(l->recovered_ctx, l->policy,
						   atomic_load(&l->watch.callback), &next_ctx) : NULL;
		watch_leave(l);
		if (!next)
			return -ETIMEDOUT;
		sched_loop_switch_policy(l, next, next_ctx);
	}
	l->recover_armed = 1;

	while (!*stop && !l->be->ops->exited(l->be)) {
		if (l->between_rounds &&
		    (*l->reload_word || atomic_load_explicit(l->control_word, memory_order_acquire)))
			l->between_rounds(l->between_ctx);
		ret = sched_loop_round(l);
		if (ret < 0 && ret != -EINTR)
			break;
		if (ret > 0) {
			/* More may come at once: park until a CPU switches
			 * with work waiting, or (not parking) have an idle
			 * CPU apply the decisions and look again. */
			if (!l->be->ops->park || !l->be->ops->park(l->be))
				l->be->ops->kick(l->be);
			continue;
		}
		/* Nothing held or queued: no tick is due for anyone (the
		 * kernel wakes us when a task comes), sleep long. */
		ret = l->be->ops->wait(l->be, (int)(sched_loop_in_flight(l) ? l->wait_ms :
						    l->idle_wait_ms > l->wait_ms ? l->idle_wait_ms :
						    l->wait_ms));
		if (ret < 0 && ret != -EINTR)
			break;
		ret = 0;
	}
	l->recover_armed = 0;
	return ret < 0 ? ret : 0;
}

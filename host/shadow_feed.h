/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the scheduling loop tells a shadow policy (shadow.h), and what the
 * shadow hands back for the decision log: two single-producer
 * single-consumer rings (spsc_ring.h), preallocated.
 *
 *   loop -> shadow   every task delivered to the real policy (a copy), a
 *                    round (the real policy was asked for up to `max`
 *                    decisions) followed by the real decisions of it, the
 *                    ticks, the exits and BPF's own placements
 *   shadow -> loop   the shadow's decisions as decision log records
 *                    (PLUGLAND_DECISION_SHADOW), which the loop appends:
 *                    the log has one producer
 *
 * The loop never waits: when the ring to the shadow is full it drops the
 * entry and counts it (`dropped`); a round and its decisions go in whole
 * or not at all. A drop puts the shadow out of sync (shadow.c says until
 * when). What the shadow hands back and finds no room for it counts in
 * `log_dropped`.
 */
#ifndef PLUGLAND_SHADOW_FEED_H
#define PLUGLAND_SHADOW_FEED_H

#include <stdatomic.h>
#include <plugland/plugin.h>
#include "spsc_ring.h"

struct decision_log;

#define SHADOW_FEED_ENTRIES (1u << 15) /* loop -> shadow, about 5 MiB */
#define SHADOW_LOG_ENTRIES (1u << 14)  /* shadow -> loop, 1 MiB */

enum shadow_kind {
	SHADOW_TASK = 1,	/* task: delivered to the real policy's enqueue() */
	SHADOW_ROUND,		/* the real dispatch(max) returned n: n SHADOW_REAL follow */
	SHADOW_REAL,		/* d: the real decision at position n of its round */
	SHADOW_TICK,		/* the real policy's tick(now) */
	SHADOW_GONE,		/* task.pid exited */
	SHADOW_DECIDED,		/* BPF placed task itself: d, reason n */
};

struct shadow_entry {
	uint32_t kind;		/* enum shadow_kind */
	uint32_t n;		/* ROUND: decisions that follow; REAL: position; DECIDED: reason */
	uint32_t max;		/* ROUND: what the real policy was asked for */
	uint32_t nr_idle;	/* ROUND: idle CPUs before the real dispatch() */
	uint64_t now;		/* ROUND, TICK: the loop's clock (that of enq_ns) */
	uint64_t real_held;	/* ROUND: tasks the real policy holds after it */
	uint64_t dropped;	/* ROUND: the feed's drops so far */
	struct plugland_dispatch d;
	struct plugland_task task;
};

struct shadow_feed {
	struct spsc_ring to_shadow;	/* struct shadow_entry */
	struct spsc_ring to_log;	/* struct plugland_decision */
	/* Written by one side, read by the other for reports. */
	_Atomic uint64_t dropped;	/* loop: entries the full ring refused */
	_Atomic uint64_t log_dropped;	/* shadow: records the full ring refused */
	_Atomic uint64_t logged;	/* loop: shadow records appended to the log */
};

/* 0, or -1: no memory. */
int shadow_feed_init(struct shadow_feed *f);
void shadow_feed_fini(struct shadow_feed *f);

/* --- the loop's side: never blocks, never allocates --- */

static inline void shadow_feed_drop(struct shadow_feed *f, uint64_t n)
{
	atomic_store_explicit(&f->dropped,
			      atomic_load_explicit(&f->dropped, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline void shadow_feed_task(struct shadow_feed *f, const struct plugland_task *t)
{
	struct shadow_entry *e;

	if (!spsc_ring_room(&f->to_shadow, 1)) {
		shadow_feed_drop(f, 1);
		return;
	}
	e = spsc_ring_slot(&f->to_shadow, 0);
	e->kind = SHADOW_TASK;
	e->task = *t;
	spsc_ring_publish(&f->to_shadow, 1);
}

/* The real dispatch(max) returned out[0..n); after it the real policy
 * holds real_held tasks. */
static inline void shadow_feed_round(struct shadow_feed *f, unsigned int max,
				     const struct plugland_dispatch *out, unsigned int n,
				     uint64_t now, uint32_t nr_idle, uint64_t real_held)
{
	struct shadow_entry *e;
	unsigned int i;

	if (!spsc_ring_room(&f->to_shadow, n + 1)) {
		shadow_feed_drop(f, n + 1);
		return;
	}
	e = spsc_ring_slot(&f->to_shadow, 0);
	e->kind = SHADOW_ROUND;
	e->n = n;
	e->max = max;
	e->nr_idle = nr_idle;
	e->now = now;
	e->real_held = real_held;
	e->dropped = atomic_load_explicit(&f->dropped, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		e = spsc_ring_slot(&f->to_shadow, i + 1);
		e->kind = SHADOW_REAL;
		e->n = i;
		e->d = out[i];
	}
	spsc_ring_publish(&f->to_shadow, n + 1);
}

/* kind TICK (now) or GONE (t->pid) or DECIDED (t, d, reason). */
static inline void shadow_feed_other(struct shadow_feed *f, enum shadow_kind kind, uint64_t now,
				     const struct plugland_task *t,
				     const struct plugland_dispatch *d, unsigned int reason)
{
	struct shadow_entry *e;

	if (!spsc_ring_room(&f->to_shadow, 1)) {
		shadow_feed_drop(f, 1);
		return;
	}
	e = spsc_ring_slot(&f->to_shadow, 0);
	e->kind = kind;
	e->now = now;
	e->n = reason;
	if (t)
		e->task = *t;
	if (d)
		e->d = *d;
	spsc_ring_publish(&f->to_shadow, 1);
}

/*
 * The loop: append what the shadow handed back to log (NULL or not
 * recording: dropped, uncounted, as the loop's own records would be).
 * Returns how many it took.
 */
unsigned int shadow_feed_drain(struct shadow_feed *f, struct decision_log *log, bool recording);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tasks handed to the policy and not yet dispatched, by pid: what a
 * hot-swap or the watchdog re-enqueues into the next policy, and where
 * the decision log finds a dispatched task's enqueue-time fields.
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones), with a bitmap of used slots for walking the entries;
 * preallocated: no allocation after held_set_init(). One
 * entry per pid: a newer enqueue of the same pid replaces the older one
 * (whose decision is stale anyway).
 */
#ifndef PLUGLAND_HELD_SET_H
#define PLUGLAND_HELD_SET_H

#include <stdbool.h>
#include <stdint.h>
#include <plugland/plugin.h>

struct held_set {
	struct plugland_task *slots; /* pid 0: empty */
	/* A bit per slot, set when it takes an entry, cleared by the next
	 * walk once the slot is empty (not on the hot path): a walk reads
	 * capacity / 8 bytes and the slots used since the last one, not all
	 * the slots (MBs). */
	uint64_t *used;
	uint32_t mask;		     /* capacity - 1 */
	uint32_t count;
};

/* Room for at least max_tasks tasks. 0 or -ENOMEM. */
int held_set_init(struct held_set *h, uint32_t max_tasks);
void held_set_fini(struct held_set *h);
/* Insert or replace; false when full. */
bool held_set_put(struct held_set *h, const struct plugland_task *t);
/* The entry for pid, or NULL. */
const struct plugland_task *held_set_get(const struct held_set *h, int32_t pid);
/* pid's entry if its cookie matches, else NULL; valid until the set changes. */
struct plugland_task *held_set_find(struct held_set *h, int32_t pid, uint64_t cookie);
/* Remove entry e, found by held_set_find(). */
void held_set_remove(struct held_set *h, struct plugland_task *e);
/* Remove pid's entry if its cookie matches; true when removed. */
bool held_set_take(struct held_set *h, int32_t pid, uint64_t cookie);
/* The first used slot at or after *slot, into *slot; false when none.
 * Walk with i = 0; while (held_set_next(h, &i)) { ...; i++; }. */
bool held_set_next(struct held_set *h, uint32_t *slot);
/* Call fn for each entry, then empty the set. */
void held_set_drain(struct held_set *h, void (*fn)(void *ctx, const struct plugland_task *t),
		    void *ctx);

#endif

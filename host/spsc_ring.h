/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bounded ring of fixed-size entries between exactly one producer
 * thread and one consumer thread, lock-free, preallocated: pushing never
 * allocates, blocks or waits for the consumer (a full ring says so and
 * the producer decides what to drop).
 *
 * Ordering: the producer writes entries, then publishes them with a
 * release store of `head`; the consumer's acquire load of `head` makes
 * them visible. The consumer releases entries with a release store of
 * `tail`; the producer reuses a slot only after an acquire load of `tail`
 * shows it free. Each side caches the other's index and reloads it only
 * when the cache says the ring is full (empty): one shared load per lap,
 * not per entry.
 */
#ifndef PLUGLAND_SPSC_RING_H
#define PLUGLAND_SPSC_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct spsc_ring {
	/* The producer's line. */
	_Atomic uint64_t head __attribute__((aligned(64)));
	uint64_t tail_cache;
	/* The consumer's line. */
	_Atomic uint64_t tail __attribute__((aligned(64)));
	uint64_t head_cache;
	/* Set at init, then only read. */
	char *slots __attribute__((aligned(64)));
	size_t entry_size;
	uint64_t mask;
};

/* capacity: entries, a power of two. 0, or -1 (no memory, bad size). */
static inline int spsc_ring_init(struct spsc_ring *r, uint64_t capacity, size_t entry_size)
{
	if (!capacity || (capacity & (capacity - 1)) || !entry_size)
		return -1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->tail_cache = r->head_cache = 0;
	r->entry_size = entry_size;
	r->mask = capacity - 1;
	r->slots = calloc(capacity, entry_size);
	return r->slots ? 0 : -1;
}

static inline void spsc_ring_fini(struct spsc_ring *r)
{
	free(r->slots);
	r->slots = NULL;
}

/* Producer: whether n more entries fit now. */
static inline bool spsc_ring_room(struct spsc_ring *r, uint64_t n)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (head + n - r->tail_cache <= r->mask + 1)
		return true;
	r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
	return head + n - r->tail_cache <= r->mask + 1;
}

/* Producer: the i-th entry after those published, to fill (after
 * spsc_ring_room() said i + 1 fit). */
static inline void *spsc_ring_slot(struct spsc_ring *r, uint64_t i)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	return r->slots + ((head + i) & r->mask) * r->entry_size;
}

/* Producer: hand the next n filled entries to the consumer. */
static inline void spsc_ring_publish(struct spsc_ring *r, uint64_t n)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);

	atomic_store_explicit(&r->head, head + n, memory_order_release);
}

/* Producer: copy one entry in, or false when the ring is full. */
static inline bool spsc_ring_push(struct spsc_ring *r, const void *entry)
{
	if (!spsc_ring_room(r, 1))
		return false;
	__builtin_memcpy(spsc_ring_slot(r, 0), entry, r->entry_size);
	spsc_ring_publish(r, 1);
	return true;
}

/* Consumer: the oldest entry, or NULL when none is published. Valid
 * until spsc_ring_pop(). */
static inline const void *spsc_ring_peek(struct spsc_ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	if (tail == r->head_cache) {
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		if (tail == r->head_cache)
			return NULL;
	}
	return r->slots + (tail & r->mask) * r->entry_size;
}

/* Consumer: done with the entry spsc_ring_peek() returned. */
static inline void spsc_ring_pop(struct spsc_ring *r)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
}

/* Either side: entries published and not yet popped (a snapshot). */
static inline uint64_t spsc_ring_count(struct spsc_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) -
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}

#endif

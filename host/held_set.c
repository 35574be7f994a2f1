// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "held_set.h"

/* Fibonacci hashing: pids are dense, this spreads them. */
static inline uint32_t slot_of(const struct held_set *h, int32_t pid)
{
	return (uint32_t)(((uint64_t)(uint32_t)pid * 0x9e3779b97f4a7c15ull) >> 32) & h->mask;
}

int held_set_init(struct held_set *h, uint32_t max_tasks)
{
	uint32_t cap = 16;

	while (cap < 2 * max_tasks) /* load factor <= 1/2 keeps probes short */
		cap <<= 1;
	h->slots = calloc(cap, sizeof(*h->slots));
	h->used = calloc((cap + 63) / 64, sizeof(*h->used)); /* cap may be 16 */
	h->mask = cap - 1;
	h->count = 0;
	if (h->slots && h->used)
		return 0;
	held_set_fini(h);
	return -ENOMEM;
}

void held_set_fini(struct held_set *h)
{
	free(h->slots);
	free(h->used);
	h->slots = NULL;
	h->used = NULL;
}

bool held_set_put(struct held_set *h, const struct plugland_task *t)
{
	uint32_t i = slot_of(h, t->pid);

	while (h->slots[i].pid && h->slots[i].pid != t->pid)
		i = (i + 1) & h->mask;
	if (!h->slots[i].pid) {
		if (h->count >= (h->mask + 1) / 2)
			return false;
		h->count++;
		h->used[i / 64] |= 1ull << (i % 64);
	}
	h->slots[i] = *t;
	return true;
}

const struct plugland_task *held_set_get(const struct held_set *h, int32_t pid)
{
	uint32_t i = slot_of(h, pid);

	while (h->slots[i].pid) {
		if (h->slots[i].pid == pid)
			return &h->slots[i];
		i = (i + 1) & h->mask;
	}
	return NULL;
}

struct plugland_task *held_set_find(struct held_set *h, int32_t pid, uint64_t cookie)
{
	uint32_t i = slot_of(h, pid);

	while (h->slots[i].pid && h->slots[i].pid != pid)
		i = (i + 1) & h->mask;
	if (!h->slots[i].pid || h->slots[i].cookie != cookie)
		return NULL;
	return &h->slots[i];
}

void held_set_remove(struct held_set *h, struct plugland_task *e)
{
	uint32_t i = (uint32_t)(e - h->slots), j, home;

	/* Backward shift: move later entries of the cluster into the hole
	 * when their home slot does not lie (cyclically) between hole and them. */
	for (j = (i + 1) & h->mask; h->slots[j].pid; j = (j + 1) & h->mask) {
		home = slot_of(h, h->slots[j].pid);
		if (((j - home) & h->mask) >= ((j - i) & h->mask)) {
			h->slots[i] = h->slots[j];
			i = j;
		}
	}
	h->slots[i].pid = 0; /* its bit stays: held_set_next() clears it */
	h->count--;
}

bool held_set_take(struct held_set *h, int32_t pid, uint64_t cookie)
{
	struct plugland_task *e = held_set_find(h, pid, cookie);

	if (e)
		held_set_remove(h, e);
	return e != NULL;
}

void held_set_drain(struct held_set *h, void (*fn)(void *ctx, const struct plugland_task *t),
		    void *ctx)
{
	uint32_t i = 0;

	while (held_set_next(h, &i)) {
		fn(ctx, &h->slots[i]);
		h->slots[i].pid = 0;
		h->used[i / 64] &= ~(1ull << (i % 64));
	}
	h->count = 0;
}

bool held_set_next(struct held_set *h, uint32_t *slot)
{
	uint32_t w = *slot / 64, nr_words = (h->mask + 64) / 64, i;
	uint64_t bits;

	if (*slot > h->mask)
		return false;
	bits = h->used[w] & (~0ull << (*slot % 64));
	for (;;) {
		while (!bits) {
			if (++w == nr_words)
				return false;
			bits = h->used[w];
		}
		i = w * 64 + (uint32_t)__builtin_ctzll(bits);
		if (h->slots[i].pid) {
			*slot = i;
			return true;
		}
		h->used[w] &= ~(1ull << (i % 64)); /* emptied since: clear it now */
		bits &= bits - 1;
	}
}

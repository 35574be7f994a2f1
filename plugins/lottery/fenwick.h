/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A Fenwick (binary indexed) tree of ticket counts over a fixed number of
 * slots: change a slot's count and find the slot holding the r-th ticket,
 * both O(log n), no allocation after init.
 */
#ifndef PLUGLAND_FENWICK_H
#define PLUGLAND_FENWICK_H

#include <stdint.h>

struct fenwick {
	uint64_t *tree;		/* 1-based */
	uint32_t n;
	uint32_t top;		/* highest power of two <= n */
};

int fenwick_init(struct fenwick *f, uint32_t n);
void fenwick_fini(struct fenwick *f);
/* Slot i (0-based) gains delta tickets (negative: loses). */
void fenwick_add(struct fenwick *f, uint32_t i, int64_t delta);
/* The slot holding ticket r, r < the total: the smallest i with
 * count(0..i) > r. */
uint32_t fenwick_find(const struct fenwick *f, uint64_t r);

#endif

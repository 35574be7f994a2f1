/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A run queue: binary min-heap of waiting tasks by (key, arrival), in an
 * array allocated once. Push and pop are O(log n) and never allocate.
 */
#ifndef PLUGLAND_RUN_HEAP_H
#define PLUGLAND_RUN_HEAP_H

#include <stdint.h>
#include <plugland/plugin.h>

struct run_item {
	uint64_t key;		/* smallest runs first: a deadline, a time */
	uint64_t seq;		/* arrival: first come first among equal keys */
	struct plugland_dispatch d; /* the decision; cpu is chosen on release */
	int32_t prev_cpu;	/* where it ran last: the CPU to prefer */
	int32_t pin_cpu;	/* >= 0: it must run there */
	uint32_t flags;		/* PLUGLAND_TASK_* of its enqueue */
	uint32_t nr_cpus_allowed;
	uint32_t weight;	/* the task's weight at its enqueue */
};

struct run_heap {
	struct run_item *items;
	uint32_t nr, cap;
	uint64_t next_seq;
};

int run_heap_init(struct run_heap *q, uint32_t cap);
void run_heap_fini(struct run_heap *q);
/* 0, or -ENOSPC when full. Sets item->seq. */
int run_heap_push(struct run_heap *q, struct run_item *item);
/* The first item, or NULL when empty. */
const struct run_item *run_heap_peek(const struct run_heap *q);
/* Remove the first item into *out (the heap must not be empty). */
void run_heap_pop(struct run_heap *q, struct run_item *out);

#endif

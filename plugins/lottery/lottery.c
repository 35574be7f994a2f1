// SPDX-License-Identifier: GPL-2.0
/*
 * lottery: each waiting task holds tickets, as many as its weight (100 at
 * nice 0); when a CPU can take a task, a draw picks the winner, so over
 * many draws CPU time follows the tickets. Draws use a PRNG seeded from
 * `seed`: the same seed and the same workload give the same schedule.
 * A Fenwick tree over the queue's slots makes a draw O(log n).
 *
 * Config ([lottery]): slice_us, seed, max_tasks; see docs/policies.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <plugland/plugin.h>
#include "../common/cpu_gate.h"
#include "../common/plugin_conf.h"
#include "fenwick.h"

struct ticket_holder {
	struct plugland_dispatch d;
	int32_t prev_cpu;
	uint32_t tickets;
};

struct lottery {
	struct ticket_holder *slots;	/* max_tasks, indexed like the tree */
	uint32_t *free_slots, nr_free;	/* a stack of unused slots */
	uint32_t max_tasks;
	uint64_t total_tickets, slice_ns, rng;
	struct fenwick tree;
	struct cpu_gate gate;
};

/* splitmix64: small, fast, and every seed gives a good sequence. */
static uint64_t next_random(struct lottery *l)
{
	uint64_t z = (l->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), by multiply-shift (Lemire): no division. */
static uint64_t draw_below(struct lottery *l, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)next_random(l) * n) >> 64);
}

static void lottery_exit(void *ctx)
{
	struct lottery *l = ctx;

	free(l->slots);
	free(l->free_slots);
	fenwick_fini(&l->tree);
	free(l);
}

static int lottery_init(const struct plugland_host *host, void **ctx)
{
	uint64_t n = 16384, slice_us = host->default_slice_ns / 1000, seed;
	struct lottery *l;
	uint32_t i;

	seed = host->now_ns(host) ^ ((uint64_t)getpid() << 32);
	if (conf_u64(host, "max_tasks", 16, 1u << 22, &n) ||
	    conf_u64(host, "slice_us", 50, 1000000, &slice_us) ||
	    conf_u64(host, "seed", 0, UINT64_MAX, &seed))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->max_tasks = (uint32_t)n;
	l->slice_ns = slice_us * 1000;
	l->rng = seed;
	l->slots = calloc(l->max_tasks, sizeof(*l->slots));
	l->free_slots = calloc(l->max_tasks, sizeof(*l->free_slots));
	if (!l->slots || !l->free_slots || fenwick_init(&l->tree, l->max_tasks)) {
		lottery_exit(l);
		return -ENOMEM;
	}
	/* Lowest slots first: deterministic placement for a given seed. */
	for (i = 0; i < l->max_tasks; i++)
		l->free_slots[i] = l->max_tasks - 1 - i;
	l->nr_free = l->max_tasks;
	cpu_gate_init(&l->gate, host, l->slice_ns);
	*ctx = l;
	return 0;
}

static int lottery_enqueue(void *ctx, const struct plugland_task *t)
{
	struct lottery *l = ctx;
	struct ticket_holder *h;
	uint32_t slot;

	if (!l->nr_free)
		return -ENOSPC;
	cpu_gate_enqueued(&l->gate, t);
	slot = l->free_slots[--l->nr_free];
	h = &l->slots[slot];
	h->d = plugland_dispatch_of(t);
	h->d.slice_ns = l->slice_ns;
	h->prev_cpu = t->cpu;
	h->tickets = (uint32_t)(t->weight < 1 ? 1 : t->weight > 10000 ? 10000 : t->weight);
	fenwick_add(&l->tree, slot, h->tickets);
	l->total_tickets += h->tickets;
	return 0;
}

static unsigned int lottery_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	struct lottery *l = ctx;
	unsigned int n = 0;

	cpu_gate_begin(&l->gate);
	while (n < max && l->total_tickets) {
		uint32_t slot = fenwick_find(&l->tree, draw_below(l, l->total_tickets));
		struct ticket_holder *h = &l->slots[slot];
		int cpu = cpu_gate_pick(&l->gate, h->d.pid, h->prev_cpu);

		if (cpu == CPU_GATE_SHUT)
			break;
		out[n] = h->d;
		out[n++].cpu = cpu;
		fenwick_add(&l->tree, slot, -(int64_t)h->tickets);
		l->total_tickets -= h->tickets;
		l->free_slots[l->nr_free++] = slot;
	}
	return n;
}

PLUGLAND_POLICY(
	.name = "lottery",
	.description = "lottery scheduling: CPU time in proportion to tickets (weights)",
	.init = lottery_init,
	.enqueue = lottery_enqueue,
	.dispatch = lottery_dispatch,
	.exit = lottery_exit,
);

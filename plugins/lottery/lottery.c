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

static struct ticket_holder *slots;	/* max_tasks, indexed like the tree */
static uint32_t *free_slots, nr_free;	/* a stack of unused slots */
static uint32_t max_tasks;
static uint64_t total_tickets, slice_ns, rng;
static struct fenwick tree;
static struct cpu_gate gate;

/* splitmix64: small, fast, and every seed gives a good sequence. */
static uint64_t next_random(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), by multiply-shift (Lemire): no division. */
static uint64_t draw_below(uint64_t n)
{
	return (uint64_t)(((unsigned __int128)next_random() * n) >> 64);
}

static void lottery_exit(void)
{
	free(slots);
	free(free_slots);
	fenwick_fini(&tree);
	slots = NULL;
	free_slots = NULL;
}

static int lottery_init(const struct plugland_host *host)
{
	uint64_t n = 16384, slice_us = host->default_slice_ns / 1000, seed;
	uint32_t i;

	seed = host->now_ns() ^ ((uint64_t)getpid() << 32);
	if (conf_u64(host, "max_tasks", 16, 1u << 22, &n) ||
	    conf_u64(host, "slice_us", 50, 1000000, &slice_us) ||
	    conf_u64(host, "seed", 0, UINT64_MAX, &seed))
		return -EINVAL;
	max_tasks = (uint32_t)n;
	slice_ns = slice_us * 1000;
	rng = seed;
	total_tickets = 0;
	slots = calloc(max_tasks, sizeof(*slots));
	free_slots = calloc(max_tasks, sizeof(*free_slots));
	if (!slots || !free_slots || fenwick_init(&tree, max_tasks)) {
		lottery_exit();
		return -ENOMEM;
	}
	/* Lowest slots first: deterministic placement for a given seed. */
	for (i = 0; i < max_tasks; i++)
		free_slots[i] = max_tasks - 1 - i;
	nr_free = max_tasks;
	cpu_gate_init(&gate, host, slice_ns);
	return 0;
}

static int lottery_enqueue(const struct plugland_task *t)
{
	struct ticket_holder *h;
	uint32_t slot;

	if (!nr_free)
		return -ENOSPC;
	cpu_gate_enqueued(&gate, t);
	slot = free_slots[--nr_free];
	h = &slots[slot];
	h->d = plugland_dispatch_of(t);
	h->d.slice_ns = slice_ns;
	h->prev_cpu = t->cpu;
	h->tickets = (uint32_t)(t->weight < 1 ? 1 : t->weight > 10000 ? 10000 : t->weight);
	fenwick_add(&tree, slot, h->tickets);
	total_tickets += h->tickets;
	return 0;
}

static unsigned int lottery_dispatch(struct plugland_dispatch *out, unsigned int max)
{
	unsigned int n = 0;

	cpu_gate_begin(&gate);
	while (n < max && total_tickets) {
		uint32_t slot = fenwick_find(&tree, draw_below(total_tickets));
		struct ticket_holder *h = &slots[slot];
		int cpu = cpu_gate_pick(&gate, h->d.pid, h->prev_cpu);

		if (cpu == CPU_GATE_SHUT)
			break;
		out[n] = h->d;
		out[n++].cpu = cpu;
		fenwick_add(&tree, slot, -(int64_t)h->tickets);
		total_tickets -= h->tickets;
		free_slots[nr_free++] = slot;
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

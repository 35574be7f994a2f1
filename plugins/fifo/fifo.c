/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fifo: first come, first served. The shortest complete policy, and the
 * host's built-in fallback (the same source is compiled into
 * scx_plugland).
 *
 * Config ([fifo]): capacity = tasks held at once (power of two,
 * default 32768); a full queue makes the host dispatch directly.
 */
#include <errno.h>
#include <stdlib.h>
#include <plugland/plugin.h>

struct fifo {
	uint32_t capacity, head, tail; /* free-running; index & (capacity-1) */
	struct plugland_dispatch ring[]; /* preallocated: no malloc later */
};

static int fifo_init(const struct plugland_host *host, void **ctx)
{
	const char *v = host->config(host, "capacity");
	uint32_t capacity = v ? (uint32_t)strtoul(v, NULL, 0) : 32768;
	struct fifo *f;

	if (capacity < 2 || (capacity & (capacity - 1))) {
		host->log(host, PLUGLAND_LOG_ERROR, "capacity must be a power of two >= 2");
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f) + capacity * sizeof(f->ring[0]));
	if (!f)
		return -ENOMEM;
	f->capacity = capacity;
	*ctx = f;
	return 0;
}

static int fifo_enqueue(void *ctx, const struct plugland_task *task)
{
	struct fifo *f = ctx;

	if (f->tail - f->head == f->capacity)
		return -ENOSPC;
	f->ring[f->tail++ & (f->capacity - 1)] = plugland_dispatch_of(task);
	return 0;
}

static unsigned int fifo_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	struct fifo *f = ctx;
	unsigned int n = 0;

	while (n < max && f->head != f->tail)
		out[n++] = f->ring[f->head++ & (f->capacity - 1)];
	return n;
}

static void fifo_exit(void *ctx)
{
	free(ctx);
}

PLUGLAND_POLICY(
	.name = "fifo",
	.description = "first come, first served, on any CPU",
	.init = fifo_init,
	.enqueue = fifo_enqueue,
	.dispatch = fifo_dispatch,
	.exit = fifo_exit,
	/* A waking task goes to an idle CPU, or when none is to the tail of
	 * the queue of the CPU it woke on (an idle CPU takes from it): first
	 * come, first served, decided in BPF without the round trip, and the
	 * kernel's migrations of one shared queue saved (docs/performance.md).
	 * fifo still decides tasks whose slice ran out and new ones, for any
	 * CPU; a CPU takes whichever of its own queue's and the any-CPU
	 * queue's first tasks came first, so those still take turns. */
	.flags = PLUGLAND_POLICY_FAST_WAKE_IDLE | PLUGLAND_POLICY_FAST_WAKE_QUEUE |
		 PLUGLAND_POLICY_FAST_WAKE_LOCAL,
);

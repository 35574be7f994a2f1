/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fifo: first come, first served, on any CPU. The shortest complete
 * policy, and the host's built-in fallback (the same source is compiled
 * into scx_plugland).
 *
 * Config ([fifo]): capacity = tasks held at once (power of two,
 * default 32768); a full queue makes the host dispatch directly.
 */
#include <errno.h>
#include <stdlib.h>
#include <plugland/plugin.h>

static struct plugland_dispatch *ring; /* preallocated: no malloc later */
static uint32_t capacity, head, tail;  /* free-running; index & (capacity-1) */

static int fifo_init(const struct plugland_host *host)
{
	const char *v = PLUGLAND_HOST_HAS(host, config) ? host->config(host, "capacity") : NULL;

	capacity = v ? (uint32_t)strtoul(v, NULL, 0) : 32768;
	if (capacity < 2 || (capacity & (capacity - 1))) {
		host->log(host, PLUGLAND_LOG_ERROR, "capacity must be a power of two >= 2");
		return -EINVAL;
	}
	head = tail = 0;
	ring = calloc(capacity, sizeof(*ring));
	return ring ? 0 : -ENOMEM;
}

static int fifo_enqueue(const struct plugland_task *task)
{
	if (tail - head == capacity)
		return -ENOSPC;
	ring[tail++ & (capacity - 1)] = plugland_dispatch_of(task);
	return 0;
}

static unsigned int fifo_dispatch(struct plugland_dispatch *out, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && head != tail)
		out[n++] = ring[head++ & (capacity - 1)];
	return n;
}

static void fifo_exit(void)
{
	free(ring);
	ring = NULL;
}

PLUGLAND_POLICY(
	.name = "fifo",
	.description = "first come, first served, on any CPU",
	.init = fifo_init,
	.enqueue = fifo_enqueue,
	.dispatch = fifo_dispatch,
	.exit = fifo_exit,
	/* an idle CPU takes a waking task at once: what fifo would do anyway,
	 * decided in BPF without the round trip */
	.flags = PLUGLAND_POLICY_FAST_WAKE_IDLE,
);

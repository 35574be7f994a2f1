/* SPDX-License-Identifier: 0BSD */
/*
 * An out-of-tree policy built against the installed SDK:
 *
 *   cc -shared -fPIC $(pkg-config --cflags plugland) my_policy.c -o my_policy.so
 *   sudo cp my_policy.so "$(pkg-config --variable=plugindir plugland)"
 *   sudo scx_plugland -p my_policy          # or: --simulate 100000
 *
 * Last come, first served (a stack), on the CPU the task last ran on when
 * it is idle: not a good policy, just a short complete one.
 */
#include <errno.h>
#include <stdlib.h>
#include <plugland/plugin.h>

#define MAX_TASKS 65536

/* One instance: every callback gets it back as ctx. */
struct lcfs {
	const struct plugland_host *host;
	unsigned int depth;
	struct plugland_task stack[MAX_TASKS];
};

static int my_init(const struct plugland_host *host, void **ctx)
{
	struct lcfs *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->host = host;
	*ctx = p;
	return 0;
}

static int my_enqueue(void *ctx, const struct plugland_task *task)
{
	struct lcfs *p = ctx;

	if (p->depth == MAX_TASKS)
		return -ENOSPC;
	p->stack[p->depth++] = *task;
	return 0;
}

static unsigned int my_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	struct lcfs *p = ctx;
	unsigned int n = 0;

	while (n < max && p->depth) {
		const struct plugland_task *t = &p->stack[--p->depth];

		out[n] = plugland_dispatch_of(t);
		out[n].cpu = p->host->pick_idle_cpu(p->host, t); /* -1 == PLUGLAND_CPU_ANY */
		n++;
	}
	return n;
}

static void my_exit(void *ctx)
{
	free(ctx);
}

PLUGLAND_POLICY(
	.name = "my_policy",
	.description = "example: last come, first served",
	.init = my_init,
	.enqueue = my_enqueue,
	.dispatch = my_dispatch,
	.exit = my_exit,
);

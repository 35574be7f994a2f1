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

static const struct plugland_host *host;
static struct plugland_task *stack;
static unsigned int depth;

static int my_init(const struct plugland_host *h)
{
	host = h;
	stack = calloc(MAX_TASKS, sizeof(*stack));
	return stack ? 0 : -ENOMEM;
}

static int my_enqueue(const struct plugland_task *task)
{
	if (depth == MAX_TASKS)
		return -ENOSPC;
	stack[depth++] = *task;
	return 0;
}

static unsigned int my_dispatch(struct plugland_dispatch *out, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && depth) {
		const struct plugland_task *t = &stack[--depth];

		out[n] = plugland_dispatch_of(t);
		out[n].cpu = host->pick_idle_cpu(t); /* -1 == PLUGLAND_CPU_ANY */
		n++;
	}
	return n;
}

static void my_exit(void)
{
	free(stack);
}

PLUGLAND_POLICY(
	.name = "my_policy",
	.description = "example: last come, first served",
	.init = my_init,
	.enqueue = my_enqueue,
	.dispatch = my_dispatch,
	.exit = my_exit,
);

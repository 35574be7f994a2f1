// SPDX-License-Identifier: GPL-2.0
/*
 * An async plugin that never returns from its first consume(), as one
 * stuck on a lock or a full pipe would: the host goes on appending, and
 * its live and exit reports must count what this one loses meanwhile.
 */
#include <unistd.h>
#include <plugland/plugin.h>

static void stall_consume(void *ctx, const struct plugland_decision *recs, size_t n,
			  const struct plugland_log_span *span)
{
	(void)ctx, (void)recs, (void)n, (void)span;
	for (;;)
		pause(); /* until the process exits */
}

PLUGLAND_ASYNC(.name = "stall", .description = "stuck in its first consume() (tests)",
	       .consume = stall_consume);

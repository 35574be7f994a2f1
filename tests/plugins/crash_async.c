// SPDX-License-Identifier: GPL-2.0
/* An async plugin whose consume() dies of a NULL dereference: the crash
 * report must name it, not the policy the scheduling thread is in. */
#include <plugland/plugin.h>

static void crash_consume(void *ctx, const struct plugland_decision *recs, size_t n,
			  const struct plugland_log_span *span)
{
	(void)ctx, (void)recs, (void)n, (void)span;
	*(volatile int *)0 = 1;
}

PLUGLAND_ASYNC(.name = "crashasync", .description = "dies in consume() (tests)",
	       .consume = crash_consume);

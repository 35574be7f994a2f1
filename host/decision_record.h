/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decision log's record of one dispatched decision, from what the
 * scheduling loop has at dispatch time: the decision itself (after the
 * loop's fix-ups) and the task as it was enqueued, found in the loop's
 * held set by pid. A task the held set does not know (it was full, or the
 * cookie is stale) gets a record with the decision's fields only.
 */
#ifndef PLUGLAND_DECISION_RECORD_H
#define PLUGLAND_DECISION_RECORD_H

#include <stdint.h>
#include <string.h>
#include <plugland/plugin.h>

static inline void decision_record(struct plugland_decision *out, const struct plugland_dispatch *d,
				   const struct plugland_task *t, uint64_t now_ns,
				   uint16_t policy_id)
{
	uint64_t slice_us = d->slice_ns / 1000;

	/* Every field is set (the struct has no padding): no memset first,
	 * this runs for every decision. */
	out->dispatch_ns = now_ns;
	out->vtime = d->vtime;
	out->pid = d->pid;
	out->cpu = (int16_t)d->cpu; /* the loop keeps it in -1..nr_cpus-1 */
	out->slice_us = slice_us > UINT32_MAX ? UINT32_MAX : (uint32_t)slice_us;
	out->policy_id = policy_id;
	if (!t || t->pid != d->pid || t->cookie != d->cookie) {
		out->enq_ns = 0;
		out->tgid = 0;
		out->prev_cpu = 0;
		out->flags = 0;
		out->weight = 0;
		memset(out->comm, 0, sizeof(out->comm));
		return;
	}
	out->enq_ns = t->enq_ns;
	out->tgid = t->tgid;
	out->prev_cpu = (int16_t)t->cpu;
	/* Never the event bit, whatever a task's flags say. */
	out->flags = (uint16_t)(t->flags & ~PLUGLAND_RECORD_EVENT);
	out->weight = t->weight > UINT32_MAX ? UINT32_MAX : (uint32_t)t->weight;
	memcpy(out->comm, t->comm, sizeof(out->comm));
}

_Static_assert(sizeof(struct plugland_decision) == 8 * 3 + 4 * 2 + 2 * 2 + 4 + 2 * 2 + 4 +
					       PLUGLAND_COMM_LEN,
	       "decision_record() sets every field: a new one (or padding) needs a line there");

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which waking tasks BPF places itself, on an idle CPU or at the tail of
 * the any-CPU queue: what the policy asks for (PLUGLAND_POLICY_FAST_WAKE_*
 * in its flags) as the operator's [bpf] idle_direct allows: "policy" (as
 * asked), "true" (any idle CPU, whatever the policy asks), "false" (never
 * any); and [bpf] local_queues = false refuses FAST_WAKE_LOCAL (the
 * queue path then uses the one any-CPU queue, FIFO or ordered).
 */
#ifndef PLUGLAND_FAST_WAKE_H
#define PLUGLAND_FAST_WAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <plugland/plugin.h>

enum fast_wake_mode { FAST_WAKE_AS_POLICY, FAST_WAKE_ALWAYS, FAST_WAKE_NEVER };

#define FAST_WAKE_FLAGS                                                                            \
	(PLUGLAND_POLICY_FAST_WAKE_PREV | PLUGLAND_POLICY_FAST_WAKE_IDLE |                         \
	 PLUGLAND_POLICY_FAST_WAKE_QUEUE | PLUGLAND_POLICY_FAST_WAKE_VTIME |                       \
	 PLUGLAND_POLICY_FAST_WAKE_LOCAL)
#define FAST_WAKE_QUEUES                                                                           \
	(PLUGLAND_POLICY_FAST_WAKE_QUEUE | PLUGLAND_POLICY_FAST_WAKE_VTIME |                       \
	 PLUGLAND_POLICY_FAST_WAKE_LOCAL)

/*
 * Not a policy's flag: the operator's [bpf] direct_local, which the loop
 * adds for the backend to a FIFO queue path it grants (set_fast_wake). A
 * waking task that path queues goes straight onto its CPU's own run
 * queue when nothing else waits for that CPU (no task queued for it or
 * for any CPU, no decision on its way, no CPU idle): the CPU reaches it
 * without BPF's dispatch, and no other CPU takes it from there. FIFO
 * only: there it passes nobody, where in an ordered queue a more urgent
 * task arriving after it could not pass it.
 */
#define FAST_WAKE_DIRECT_LOCAL (1u << 31)

/* The flags a backend is given: the policy's, as granted, and this one. */
static inline uint32_t fast_wake_for_backend(uint32_t granted, bool direct_local)
{
	if (direct_local && (granted & PLUGLAND_POLICY_FAST_WAKE_QUEUE))
		granted |= FAST_WAKE_DIRECT_LOCAL;
	return granted;
}

/* How many slices in a row a task must have run out to be preempted for
 * a waking one under the wake rule: 0 for any task (no
 * PLUGLAND_WAKE_PREEMPT_HOGS_ONLY), else preempt_hog_slices in [1, 255].
 * BPF and the synthetic backend both read the rule through this. */
static inline uint32_t wake_rule_hog_slices(const struct plugland_wake_rule *r)
{
	if (!(r->preempt_flags & PLUGLAND_WAKE_PREEMPT_HOGS_ONLY))
		return 0;
	return r->preempt_hog_slices < 1 ? 1 : r->preempt_hog_slices > 255 ? 255 : r->preempt_hog_slices;
}

/* From the ini value (config.c has checked it). */
static inline enum fast_wake_mode fast_wake_mode_of(const char *idle_direct)
{
	if (!strcmp(idle_direct, "true"))
		return FAST_WAKE_ALWAYS;
	if (!strcmp(idle_direct, "false"))
		return FAST_WAKE_NEVER;
	return FAST_WAKE_AS_POLICY;
}

/*
 * The PLUGLAND_POLICY_FAST_WAKE_* flags in force for a policy's flags.
 * "true" adds the idle fast path and keeps the policy's queue path; an
 * ordered policy never gets the FIFO queue (its order is a vtime only it
 * computes), and only an ordered one gets the ordered queue's path;
 * FAST_WAKE_LOCAL only with a queue path it changes (the FIFO queue's or
 * the ordered queue's).
 */
static inline uint32_t fast_wake_granted(uint32_t policy_flags, enum fast_wake_mode mode,
					 bool local_queues)
{
	uint32_t fast = policy_flags & FAST_WAKE_FLAGS;

	if (policy_flags & PLUGLAND_POLICY_ORDERED)
		fast &= ~PLUGLAND_POLICY_FAST_WAKE_QUEUE;
	else
		fast &= ~PLUGLAND_POLICY_FAST_WAKE_VTIME;
	if (!(fast & (PLUGLAND_POLICY_FAST_WAKE_QUEUE | PLUGLAND_POLICY_FAST_WAKE_VTIME)) ||
	    !local_queues)
		fast &= ~PLUGLAND_POLICY_FAST_WAKE_LOCAL;
	switch (mode) {
	case FAST_WAKE_ALWAYS:
		return (fast & FAST_WAKE_QUEUES) | PLUGLAND_POLICY_FAST_WAKE_IDLE;
	case FAST_WAKE_NEVER:
		return 0;
	default:
		return fast;
	}
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between the scheduling loop and whatever produces tasks and
 * consumes decisions: the kernel (bpf_backend.c) or an in-process
 * simulation (synth_backend.c) for tests and benchmarks.
 */
#ifndef PLUGLAND_BACKEND_H
#define PLUGLAND_BACKEND_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <plugland/plugin.h>
#include "../bpf/intf.h"

struct backend;
struct plugland_counters;	/* bpf/intf.h */

/*
 * Called for each record a backend queued; returns 0 to continue. `kind`
 * says what it is (PL_REC_*, bpf/intf.h): PL_REC_TASK, a task waiting for
 * a decision; PL_REC_GONE, task->pid exited (only pid and tgid are set);
 * PL_REC_EVENT (debug mode), what happened to a task, `task` the first
 * member of a struct backend_event; PL_REC_DECIDED, a task the backend
 * placed itself, `task` the first
 * member of a struct backend_decided. (Heartbeats stay in the backend.)
 */
typedef int (*backend_task_fn)(void *ctx, unsigned int kind, const struct plugland_task *task);

/* A placement the backend made itself (the BPF side's fast path or
 * safety nets): the same bytes as BPF's struct plugland_kernel_decision. */
struct backend_decided {
	struct plugland_task task;	/* as enqueue() would have seen it */
	int32_t cpu;			/* a CPU, or PLUGLAND_CPU_ANY */
	uint32_t reason;		/* PLUGLAND_KERNEL_* */
	uint64_t slice_ns;
	uint64_t at_ns;			/* when, on the backend's clock */
};

/* Debug mode: what happened to a task (the kernel's sched_ext callbacks),
 * the same bytes as BPF's struct plugland_task_event: event is
 * PLUGLAND_EVENT_*, task.enq_ns when it happened, the other fields as
 * struct plugland_event's of the same names (plugin.h). */
struct backend_event {
	struct plugland_task task;
	uint32_t event;
	uint32_t detail;
	uint32_t arg;
	uint32_t reserved;
	uint64_t value;
	uint64_t value_hi;
};

struct backend_ops {
	const char *name;
	/* Hand every queued task to fn, without blocking. Returns how many,
	 * or a negative errno. */
	int (*consume)(struct backend *be, backend_task_fn fn, void *ctx);
	/* Send n decisions; returns how many were accepted (fewer: full).
	 * Then preempt the CPUs pick_preempt_cpu() chose. */
	unsigned int (*dispatch)(struct backend *be, const struct plugland_dispatch *d,
				 unsigned int n);
	/* Make the kernel apply the decisions sent so far now (wake an idle
	 * CPU to drain them) rather than at the next reschedule. */
	void (*kick)(struct backend *be);
	/* Optional, after a round that did work: give the CPU away until a
	 * CPU switches while work waits (applying the decisions sent), as
	 * kick() + the next round would. False: not parking here; the loop
	 * kicks and goes on. */
	bool (*park)(struct backend *be);
	/* Tell the kernel how many tasks the policy holds; the host is alive. */
	void (*publish)(struct backend *be, uint64_t nr_held, uint64_t now_ns);
	/* Sleep until tasks are queued, a wake-up arrives or timeout_ms passes.
	 * Returns >= 0, or -EINTR when a signal arrived. */
	int (*wait)(struct backend *be, int timeout_ms);
	/* An idle CPU for the task, reserved; -1 if none. */
	int (*pick_idle_cpu)(struct backend *be, const struct plugland_task *task);
	/* A CPU running, for min_run_ns at least, a task with a vtime above
	 * `vtime` (the largest), to be preempted for `task` once the next
	 * dispatch() has sent its decision; -1 if none. NULL: not supported. */
	int (*pick_preempt_cpu)(struct backend *be, const struct plugland_task *task,
				uint64_t vtime, uint64_t min_run_ns);
	/* True once the kernel has ended the scheduler (exit info recorded). */
	bool (*exited)(struct backend *be);
	/* CPUs idle right now (NULL: unknown, 0). */
	uint32_t (*nr_idle_cpus)(struct backend *be);
	/* Decisions for any CPU wait ordered by vtime (true) or FIFO. */
	void (*set_ordered)(struct backend *be, bool ordered);
	/* Waking tasks the backend places itself on an idle CPU:
	 * PLUGLAND_POLICY_FAST_WAKE_* flags (0: none), and the loop's
	 * FAST_WAKE_DIRECT_LOCAL (fast_wake.h). Returns the flags it
	 * applies; NULL: none supported. */
	uint32_t (*set_fast_wake)(struct backend *be, uint32_t flags);
	/* PLUGLAND_POLICY_FAST_WAKE_VTIME (plugin.h): task pid stands at
	 * vtime at CPU time runtime_ns; the rule for every wake-up. NULL:
	 * the fast path is not supported (set_fast_wake() never grants it). */
	void (*set_wake_vtime)(struct backend *be, int32_t pid, uint64_t runtime_ns,
			       uint64_t vtime);
	void (*set_wake_rule)(struct backend *be, const struct plugland_wake_rule *rule);
	/* The clock of task->enq_ns; NULL: CLOCK_MONOTONIC (the kernel's). */
	uint64_t (*now_ns)(struct backend *be);
	/* The BPF side's counters (bpf/intf.h), or what the backend has of
	 * them; 0 or a negative errno. NULL: none. */
	int (*counters)(struct backend *be, struct plugland_counters *out);
	/* Whether the backend runs tasks itself while the host is silent
	 * (BPF's failsafe). NULL: never. */
	bool (*failsafe)(struct backend *be);
};

struct backend {
	const struct backend_ops *ops;
	uint32_t nr_cpus;
};

static inline int backend_counters(struct backend *be, struct plugland_counters *out)
{
	return be->ops->counters ? be->ops->counters(be, out) : -EOPNOTSUPP;
}

static inline bool backend_failsafe(struct backend *be)
{
	return be->ops->failsafe && be->ops->failsafe(be);
}

#endif /* PLUGLAND_BACKEND_H */

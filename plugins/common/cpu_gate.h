/* SPDX-License-Identifier: GPL-2.0 */
/*
 * When to hand a waiting task to the kernel, and where.
 *
 * An ordering policy must hold its tasks until a CPU can take one: what
 * it releases early waits in the kernel's FIFO queues, out of its
 * control. The host says how many CPUs are idle: that many
 * tasks go at once, to an idle CPU picked near their last one. Besides
 * that, the gate lets a task go when
 *   - host->pick_idle_cpu() finds (and claims) an idle CPU: it goes there;
 *   - a task we ran came back preempted (not woken, not new): the CPU it
 *     left takes the next one, to any CPU (a "credit", at most nr_cpus);
 *   - nothing was released for stall_ns while tasks wait (the host's own
 *     thread may be what keeps the only idle CPU busy): one, to any CPU.
 * An open gate lets every task go: to an idle CPU when it finds one, else
 * to any CPU (for a policy whose decisions wait in the kernel by vtime).
 * Besides, a task may take the CPU of a less urgent running one
 *     (cpu_gate_preempt). The preempted task brings back a credit all the
 *     same: one task more than there are free CPUs may then wait in the
 *     kernel. Not counting that credit as spent is deliberate: a victim
 *     that never comes back preempted (it slept first, or the CPU had
 *     already switched to a kernel thread) would otherwise cost the gate
 *     a credit for good, and the policy would starve.
 */
#ifndef PLUGLAND_CPU_GATE_H
#define PLUGLAND_CPU_GATE_H

#include <stdbool.h>
#include <stdint.h>
#include <plugland/plugin.h>

#define CPU_GATE_SHUT (-2) /* hold the task */

struct cpu_gate {
	const struct plugland_host *host;
	uint32_t credits, max_credits;
	uint64_t stall_ns;
	uint64_t last_release_ns;
	bool probe_idle;	/* this dispatch() may still look for idle CPUs */
	bool idle_count;	/* the host counts idle CPUs (it may not, in a test) */
	uint32_t idle_budget;	/* idle CPUs this dispatch() may still fill */
	bool open;		/* let every task go (to an idle CPU if one is found) */
};

void cpu_gate_init(struct cpu_gate *g, const struct plugland_host *host, uint64_t stall_ns);
/* Open: never hold a task; those no free CPU takes now wait in the kernel. */
void cpu_gate_set_open(struct cpu_gate *g, bool open);
/* Every enqueue: a preempted task means a CPU it left. */
void cpu_gate_enqueued(struct cpu_gate *g, const struct plugland_task *t);
/* At the start of each dispatch(). */
void cpu_gate_begin(struct cpu_gate *g);
/* Where task pid (last on prev_cpu) may run now: a claimed idle CPU,
 * PLUGLAND_CPU_ANY, or CPU_GATE_SHUT. */
int cpu_gate_pick(struct cpu_gate *g, int32_t pid, int32_t prev_cpu);
/* The CPU of a task running for min_run_ns whose vtime is above `vtime`,
 * preempted for task pid; CPU_GATE_SHUT if none (or the host cannot). */
int cpu_gate_preempt(struct cpu_gate *g, int32_t pid, int32_t prev_cpu,
		     uint32_t nr_cpus_allowed, uint64_t vtime, uint64_t min_run_ns);
/* A task was released without asking (pinned to a CPU). */
void cpu_gate_released(struct cpu_gate *g);

#endif

// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "cpu_gate.h"

void cpu_gate_init(struct cpu_gate *g, const struct plugland_host *host, uint64_t stall_ns)
{
	memset(g, 0, sizeof(*g));
	g->host = host;
	g->max_credits = host->nr_cpus ? host->nr_cpus : 1;
	g->credits = g->max_credits; /* every CPU is free to start with */
	g->stall_ns = stall_ns;
	g->last_release_ns = host->now_ns(host);
	g->idle_count = host->nr_idle_cpus != NULL;
}

void cpu_gate_set_open(struct cpu_gate *g, bool open)
{
	g->open = open;
}

void cpu_gate_enqueued(struct cpu_gate *g, const struct plugland_task *t)
{
	if (!(t->flags & (PLUGLAND_TASK_WAKEUP | PLUGLAND_TASK_NEW)) && g->credits < g->max_credits)
		g->credits++;
}

void cpu_gate_begin(struct cpu_gate *g)
{
	g->probe_idle = g->host->pick_idle_cpu != NULL;
	if (g->idle_count) {
		/* No idle CPU: no system call to look for one. */
		g->idle_budget = g->host->nr_idle_cpus(g->host);
		g->probe_idle = g->probe_idle && g->idle_budget;
	}
}

void cpu_gate_released(struct cpu_gate *g)
{
	g->last_release_ns = g->host->now_ns(g->host);
}

int cpu_gate_pick(struct cpu_gate *g, int32_t pid, int32_t prev_cpu)
{
	uint64_t now = g->host->now_ns(g->host);

	if (g->probe_idle) {
		struct plugland_task t = { .pid = pid, .tgid = pid, .cpu = prev_cpu };
		int cpu = g->host->pick_idle_cpu(g->host, &t);

		if (cpu >= 0) {
			if (g->credits)
				g->credits--; /* that CPU was probably the credit's */
			if (g->idle_budget)
				g->idle_budget--;
			g->last_release_ns = now;
			return cpu;
		}
		g->probe_idle = false; /* one system call per dispatch() that finds none */
	}
	/* Open: no idle CPU found, so the kernel's queue; credits do not apply. */
	if (g->open) {
		g->last_release_ns = now;
		return PLUGLAND_CPU_ANY;
	}
	if (g->idle_budget) { /* idle, but claimed meanwhile: any CPU */
		g->idle_budget--;
		g->last_release_ns = now;
		return PLUGLAND_CPU_ANY;
	}
	if (g->credits) {
		g->credits--;
		g->last_release_ns = now;
		return PLUGLAND_CPU_ANY;
	}
	if (now - g->last_release_ns >= g->stall_ns) {
		g->last_release_ns = now;
		return PLUGLAND_CPU_ANY;
	}
	return CPU_GATE_SHUT;
}

int cpu_gate_preempt(struct cpu_gate *g, int32_t pid, int32_t prev_cpu,
		     uint32_t nr_cpus_allowed, uint64_t vtime, uint64_t min_run_ns)
{
	struct plugland_task t = {
		.pid = pid, .tgid = pid, .cpu = prev_cpu, .nr_cpus_allowed = nr_cpus_allowed,
	};
	int cpu;

	if (!g->host->preempt_cpu)
		return CPU_GATE_SHUT;
	cpu = g->host->preempt_cpu(g->host, &t, vtime, min_run_ns);
	if (cpu < 0)
		return CPU_GATE_SHUT;
	g->last_release_ns = g->host->now_ns(g->host);
	return cpu;
}

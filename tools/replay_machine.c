// SPDX-License-Identifier: GPL-2.0
/* A recording's tasks as the synthetic machine's (replay_machine.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay_machine.h"

/* synth_draw_fn: machine task idx's next recorded burst and its sleep. */
static struct synth_behaviour replay_draw(void *ctx, uint32_t idx)
{
	struct replay_machine *m = ctx;
	const struct replay_task *k = &m->trace->tasks[m->task_of[idx]];
	uint32_t b = m->next_burst[idx];
	struct synth_behaviour beh;

	/* The machine never asks past the last: the task has exited then. */
	if (b >= k->nr_bursts)
		b = k->nr_bursts - 1;
	m->next_burst[idx] = b + 1;
	beh.burst_ns = k->bursts[b].cpu_ns;
	beh.sleep_ns = b + 1 == k->nr_bursts ? SYNTH_EXIT : k->bursts[b].sleep_ns;
	return beh;
}

/* Task k's CPU set on a machine of nr_cpus CPUs: the recorded bits, every
 * CPU above 127 when the record could not say (partial), every CPU when
 * none of them is on this machine. */
static void cpus_of(const struct replay_task *k, uint32_t nr_cpus, struct synth_cpumask *out)
{
	uint32_t c, n = 0;

	memset(out, 0, sizeof(*out));
	for (c = 0; c < nr_cpus; c++) {
		bool in = c < 64 ? k->cpus_lo >> c & 1 : c < 128 ? k->cpus_hi >> (c - 64) & 1 :
			  k->cpus_partial;

		if (!k->has_cpus || in) {
			synth_cpumask_set(out, c);
			n++;
		}
	}
	if (!n)
		for (c = 0; c < nr_cpus; c++)
			synth_cpumask_set(out, c);
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int replay_machine_init(struct replay_machine *m, const struct replay_trace *t, char *err,
			size_t errlen)
{
	bool any_cpus = false;
	uint32_t i, n = 0;

	memset(m, 0, sizeof(*m));
	m->trace = t;
	for (i = 0; i < t->nr_tasks; i++) {
		n += t->tasks[i].nr_bursts > 0;
		any_cpus |= t->tasks[i].nr_bursts && t->tasks[i].has_cpus;
	}
	if (!n)
		return fail(err, errlen, "no task used CPU time in the recording: nothing to replay");
	if (t->nr_cpus > SYNTH_MAX_CPUS)
		return fail(err, errlen, "%u CPUs: the simulated machine has at most %d",
			    t->nr_cpus, SYNTH_MAX_CPUS);
	m->task_of = calloc(n, sizeof(*m->task_of));
	m->next_burst = calloc(n, sizeof(*m->next_burst));
	m->weights = calloc(n, sizeof(*m->weights));
	m->start_ns = calloc(n, sizeof(*m->start_ns));
	m->comms = calloc(n, sizeof(*m->comms));
	m->comm_buf = calloc(n, sizeof(*m->comm_buf));
	m->allowed = any_cpus ? calloc(n, sizeof(*m->allowed)) : NULL;
	if (!m->task_of || !m->next_burst || !m->weights || !m->start_ns || !m->comms ||
	    !m->comm_buf || (any_cpus && !m->allowed)) {
		replay_machine_fini(m);
		return fail(err, errlen, "out of memory");
	}
	for (i = 0; i < t->nr_tasks; i++) {
		const struct replay_task *k = &t->tasks[i];

		if (!k->nr_bursts)
			continue;
		m->task_of[m->nr_tasks] = i;
		m->weights[m->nr_tasks] = k->weight;
		m->start_ns[m->nr_tasks] = k->bursts[0].runnable_ns;
		memcpy(m->comm_buf[m->nr_tasks], k->comm, PLUGLAND_COMM_LEN);
		m->comms[m->nr_tasks] = m->comm_buf[m->nr_tasks];
		if (any_cpus)
			cpus_of(k, t->nr_cpus, &m->allowed[m->nr_tasks]);
		m->nr_tasks++;
	}
	return 0;
}

void replay_machine_opts(struct replay_machine *m, struct synth_opts *o)
{
	memset(m->next_burst, 0, m->nr_tasks * sizeof(*m->next_burst));
	o->nr_cpus = m->trace->nr_cpus;
	o->nr_tasks = m->nr_tasks;
	o->weights = m->weights;
	o->start_ns = m->start_ns;
	o->comms = m->comms;
	o->allowed = m->allowed;
	o->draw = replay_draw;
	o->draw_ctx = m;
}

void replay_machine_fini(struct replay_machine *m)
{
	free(m->task_of);
	free(m->next_burst);
	free(m->weights);
	free(m->start_ns);
	free(m->comms);
	free(m->comm_buf);
	free(m->allowed);
	memset(m, 0, sizeof(*m));
}

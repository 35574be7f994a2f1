// SPDX-License-Identifier: GPL-2.0
/* A recording's tasks as the synthetic machine's (replay_machine.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "replay_machine.h"
#include "fail_msg.h"

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
	if (b + 1 == k->nr_bursts)
		beh.sleep_ns = SYNTH_EXIT;
	else if (m->waits_wake && m->waits_wake[m->burst_base[idx] + b + 1])
		beh.sleep_ns = SYNTH_WAIT_WAKE;
	else
		beh.sleep_ns = k->bursts[b].sleep_ns;
	return beh;
}

/* The wake-ups of deps from i on that waker idx's current burst makes
 * by the time it has run `upto` of it. The next one after them. */
static uint32_t wake_upto(struct replay_machine *m, struct backend *be, uint32_t idx, uint32_t i,
			  uint64_t upto, uint64_t at)
{
	uint32_t burst = m->bursts_done[idx];

	while (i < m->nr_deps && m->deps[i].waker == idx && m->deps[i].burst < burst)
		i++;
	for (; i < m->nr_deps && m->deps[i].waker == idx && m->deps[i].burst == burst &&
	       (m->deps[i].offset_ns <= upto || upto == REPLAY_AT_BURST_END); i++)
		synth_backend_wake(be, m->deps[i].wakee, at);
	return i;
}

/* synth_next_mark_fn: where in its current burst machine task idx next
 * wakes someone, before the burst's end. */
static uint64_t replay_next_mark(void *ctx, uint32_t idx)
{
	struct replay_machine *m = ctx;
	uint32_t burst = m->bursts_done[idx], i = m->dep_next[idx];

	while (i < m->nr_deps && m->deps[i].waker == idx && m->deps[i].burst < burst)
		i++;
	m->dep_next[idx] = i;
	if (i < m->nr_deps && m->deps[i].waker == idx && m->deps[i].burst == burst)
		return m->deps[i].offset_ns; /* the machine ignores one past the burst */
	return SYNTH_NO_MARK;
}

/* synth_mark_fn: machine task idx reached its next wake-up(s). */
static void replay_mark(void *ctx, struct backend *be, uint32_t idx, uint64_t at_ns)
{
	struct replay_machine *m = ctx;
	uint32_t i = m->dep_next[idx];

	m->dep_next[idx] = wake_upto(m, be, idx, i, m->deps[i].offset_ns, at_ns);
}

/* synth_burst_end_fn: what machine task idx's burst that just ended wakes. */
static void replay_burst_end(void *ctx, struct backend *be, uint32_t idx, uint64_t end_ns)
{
	struct replay_machine *m = ctx;

	m->dep_next[idx] = wake_upto(m, be, idx, m->dep_next[idx], REPLAY_AT_BURST_END, end_ns);
	m->bursts_done[idx]++;
}

static int cmp_dep(const void *a, const void *b)
{
	const struct replay_wake_dep *x = a, *y = b;

	if (x->waker != y->waker)
		return x->waker < y->waker ? -1 : 1;
	if (x->burst != y->burst)
		return x->burst < y->burst ? -1 : 1;
	if (x->offset_ns != y->offset_ns)
		return x->offset_ns < y->offset_ns ? -1 : 1;
	if (x->wakee != y->wakee)
		return x->wakee < y->wakee ? -1 : 1;
	return (x->wakee_burst > y->wakee_burst) - (x->wakee_burst < y->wakee_burst);
}

/* The burst of machine task w running (or waiting to) at time t, or -1. */
static int64_t burst_at(const struct replay_task *w, uint64_t t)
{
	uint32_t lo = 0, hi = w->nr_bursts;

	while (lo < hi) { /* the last burst that became runnable by t */
		uint32_t mid = lo + (hi - lo) / 2;

		if (w->bursts[mid].runnable_ns <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || w->bursts[lo - 1].end_ns < t)
		return -1;
	return lo - 1;
}

/* The machine task of pid alive at time t, or -1. */
static int64_t machine_task_at(const struct replay_machine *m, int32_t pid, uint64_t t)
{
	uint32_t i;

	for (i = 0; i < m->nr_tasks; i++) {
		const struct replay_task *k = &m->trace->tasks[m->task_of[i]];

		if (k->pid == pid && k->first_ns <= t && t <= k->last_ns)
			return i;
	}
	return -1;
}

/* The wake-ups tied to a waker's burst (REPLAY_WAKE_BY_WAKER). */
static int find_wakers(struct replay_machine *m)
{
	const struct replay_trace *t = m->trace;
	uint64_t total = 0, cap = 0;
	uint32_t i, b;
	m->burst_base = calloc(m->nr_tasks, sizeof(*m->burst_base));
	m->bursts_done = calloc(m->nr_tasks, sizeof(*m->bursts_done));
	m->dep_first = calloc(m->nr_tasks, sizeof(*m->dep_first));
	m->dep_next = calloc(m->nr_tasks, sizeof(*m->dep_next));
	if (!m->burst_base || !m->bursts_done || !m->dep_first || !m->dep_next)
		return -1;
	for (i = 0; i < m->nr_tasks; i++) {
		m->burst_base[i] = total;
		total += t->tasks[m->task_of[i]].nr_bursts;
	}
	m->waits_wake = calloc(total ? total : 1, sizeof(*m->waits_wake));
	if (!m->waits_wake)
		return -1;
	for (i = 0; i < m->nr_tasks; i++) {
		const struct replay_task *k = &t->tasks[m->task_of[i]];

		for (b = 1; b < k->nr_bursts; b++) {
			uint64_t at = k->bursts[b].runnable_ns;
			int64_t w, wb;

			if (!k->bursts[b].waker || k->bursts[b].waker == k->pid)
				continue;
			w = machine_task_at(m, k->bursts[b].waker, at);
			if (w < 0 || (uint32_t)w == i)
				continue;
			wb = burst_at(&t->tasks[m->task_of[w]], at);
			if (wb < 0)
				continue;
			if (m->nr_deps == cap) {
				struct replay_wake_dep *v;

				cap = cap ? cap * 2 : 256;
				v = realloc(m->deps, cap * sizeof(*v));
				if (!v)
					return -1;
				m->deps = v;
			}
			m->deps[m->nr_deps++] = (struct replay_wake_dep){
				.waker = (uint32_t)w, .burst = (uint32_t)wb, .wakee = i, .wakee_burst = b,
				.offset_ns = k->bursts[b].waker_cpu_ns };
			m->waits_wake[m->burst_base[i] + b] = true;
		}
	}
	if (m->nr_deps > 1)
		qsort(m->deps, m->nr_deps, sizeof(*m->deps), cmp_dep);
	/* Where each waker's wake-ups begin (a waker with none: past the end
	 * of the one before, where none of its own can be). */
	for (i = m->nr_tasks; i-- > 0;)
		m->dep_first[i] = m->nr_deps;
	for (i = m->nr_deps; i-- > 0;)
		m->dep_first[m->deps[i].waker] = i;
	return 0;
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

int replay_machine_init(struct replay_machine *m, const struct replay_trace *t,
			enum replay_wake_mode wake, char *err, size_t errlen)
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
		return fail_msg(err, errlen, "no task used CPU time in the recording: nothing to replay");
	if (t->nr_cpus > SYNTH_MAX_CPUS)
		return fail_msg(err, errlen, "%u CPUs: the simulated machine has at most %d",
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
		return fail_msg(err, errlen, "out of memory");
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
	m->latency = true;
	if (wake == REPLAY_WAKE_BY_WAKER && find_wakers(m)) {
		replay_machine_fini(m);
		return fail_msg(err, errlen, "out of memory");
	}
	return 0;
}

void replay_machine_opts(struct replay_machine *m, struct synth_opts *o)
{
	memset(m->next_burst, 0, m->nr_tasks * sizeof(*m->next_burst));
	if (m->bursts_done) {
		memset(m->bursts_done, 0, m->nr_tasks * sizeof(*m->bursts_done));
		memcpy(m->dep_next, m->dep_first, m->nr_tasks * sizeof(*m->dep_next));
		if (m->nr_deps) {
			o->burst_end = replay_burst_end;
			o->burst_end_ctx = m;
			o->next_mark = replay_next_mark;
			o->mark = replay_mark;
			o->mark_ctx = m;
		}
	}
	o->nr_cpus = m->trace->nr_cpus;
	o->nr_tasks = m->nr_tasks;
	o->weights = m->weights;
	o->start_ns = m->start_ns;
	o->comms = m->comms;
	o->allowed = m->allowed;
	o->draw = replay_draw;
	o->draw_ctx = m;
	o->round_trip_ns = m->latency ? m->trace->round_trip_ns : NULL;
	o->nr_round_trips = m->latency ? m->trace->nr_round_trips : 0;
	o->pickup_ns = m->latency ? m->trace->pickup_ns : NULL;
	o->nr_pickups = m->latency ? m->trace->nr_pickups : 0;
	o->round_trip_pickup_ns = m->latency ? m->trace->round_trip_pickup_ns : NULL;
	o->switch_ns = m->latency ? m->trace->switch_ns : NULL;
	o->nr_switches = m->latency ? m->trace->nr_switches : 0;
	o->host_run_ns = m->latency ? m->trace->host_run_ns : NULL;
	o->nr_host_runs = m->latency ? m->trace->nr_host_runs : 0;
	o->nr_host_sched_runs = m->latency ? m->trace->nr_host_sched_runs : 0;
	o->host_idle_run_ns = m->latency ? m->trace->host_idle_run_ns : NULL;
	o->nr_host_idle_runs = m->latency ? m->trace->nr_host_idle_runs : 0;
	o->round_trip_host_on = m->latency ? m->trace->round_trip_host_on : NULL;
	if (m->latency && m->trace->nr_idle_wakeups_fast) /* at least 1 per million */
		o->fast_idle_ppm = (uint32_t)((m->trace->nr_idle_wakeups_fast * 1000000 +
					       m->trace->nr_idle_wakeups - 1) /
					      m->trace->nr_idle_wakeups);
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
	free(m->deps);
	free(m->bursts_done);
	free(m->dep_first);
	free(m->dep_next);
	free(m->waits_wake);
	free(m->burst_base);
	memset(m, 0, sizeof(*m));
}

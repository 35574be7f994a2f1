// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "synth_backend.h"

enum synth_state { SYNTH_PENDING, SYNTH_IN_POLICY };

struct synth_task {
	struct plugland_task t;	/* what the next delivery hands out */
	enum synth_state state;
	struct synth_task_stats st;
};

struct synth_backend {
	struct backend be;
	struct synth_opts o;
	struct synth_task *tasks;
	uint32_t *pending;	/* FIFO of task indices awaiting delivery */
	uint32_t cap, head, tail;
	uint32_t next_cpu;
	struct synth_stats st;
};

#define SYNTH(be) ((struct synth_backend *)(be))

static void push_pending(struct synth_backend *s, uint32_t idx)
{
	struct synth_task *k = &s->tasks[idx];

	k->state = SYNTH_PENDING;
	k->t.cookie++;
	k->t.enq_ns = s->st.now_ns;
	s->pending[s->tail++ & (s->cap - 1)] = idx;
}

static int synth_consume(struct backend *be, backend_task_fn fn, void *ctx)
{
	struct synth_backend *s = SYNTH(be);
	int n = 0;

	while (s->head != s->tail) {
		struct synth_task *k = &s->tasks[s->pending[s->head++ & (s->cap - 1)]];

		k->state = SYNTH_IN_POLICY;
		s->st.nr_queued++;
		n++;
		if (fn(ctx, &k->t))
			break;
		k->t.flags &= ~PLUGLAND_TASK_NEW;
	}
	return n;
}

static unsigned int synth_dispatch(struct backend *be, const struct plugland_dispatch *d,
				   unsigned int n)
{
	struct synth_backend *s = SYNTH(be);
	unsigned int i;

	if (s->o.max_per_call && n > s->o.max_per_call)
		n = s->o.max_per_call;
	for (i = 0; i < n; i++) {
		uint32_t idx = (uint32_t)(d[i].pid - SYNTH_PID_BASE);
		uint64_t slice = d[i].slice_ns ? d[i].slice_ns : s->o.slice_ns;
		struct synth_task *k;

		if (d[i].pid < SYNTH_PID_BASE || idx >= s->o.nr_tasks) {
			s->st.nr_unknown++;
			continue;
		}
		k = &s->tasks[idx];
		if (d[i].cookie != k->t.cookie) {
			s->st.nr_stale++;
			continue;
		}
		if (k->state != SYNTH_IN_POLICY) {
			s->st.nr_double++;
			continue;
		}
		/* The task runs its slice on a CPU, then is runnable again. */
		k->st.nr_dispatched++;
		k->st.runtime_ns += slice;
		k->t.exec_runtime += slice;
		k->t.vtime = d[i].vtime;
		k->t.cpu = d[i].cpu >= 0 ? d[i].cpu : (int32_t)(s->next_cpu++ % s->o.nr_cpus);
		s->st.now_ns += slice / s->o.nr_cpus;
		s->st.nr_dispatched++;
		push_pending(s, idx);
	}
	return n;
}

static void synth_kick(struct backend *be)
{
	(void)be;
}

static void synth_publish(struct backend *be, uint64_t nr_held, uint64_t now_ns)
{
	(void)now_ns;
	SYNTH(be)->st.nr_held_published = nr_held;
}

static int synth_wait(struct backend *be, int timeout_ms)
{
	(void)timeout_ms;
	/* Virtual time: nothing to wait for; an empty round just ends. */
	return SYNTH(be)->head != SYNTH(be)->tail;
}

static int synth_pick_idle_cpu(struct backend *be, const struct plugland_task *task)
{
	(void)task;
	return (int)(SYNTH(be)->next_cpu++ % be->nr_cpus);
}

static bool synth_exited(struct backend *be)
{
	struct synth_backend *s = SYNTH(be);

	return s->o.max_dispatches && s->st.nr_dispatched >= s->o.max_dispatches;
}

static const struct backend_ops synth_ops = {
	.name = "synthetic",
	.consume = synth_consume,
	.dispatch = synth_dispatch,
	.kick = synth_kick,
	.publish = synth_publish,
	.wait = synth_wait,
	.pick_idle_cpu = synth_pick_idle_cpu,
	.exited = synth_exited,
};

struct backend *synth_backend_new(const struct synth_opts *o)
{
	struct synth_backend *s;
	uint32_t i;

	if (!o->nr_cpus || !o->nr_tasks) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->o = *o;
	if (!s->o.slice_ns)
		s->o.slice_ns = 5000000;
	for (s->cap = 1; s->cap < o->nr_tasks; s->cap <<= 1)
		;
	s->tasks = calloc(o->nr_tasks, sizeof(*s->tasks));
	s->pending = calloc(s->cap, sizeof(*s->pending));
	if (!s->tasks || !s->pending) {
		synth_backend_free(&s->be);
		return NULL;
	}
	s->be.ops = &synth_ops;
	s->be.nr_cpus = o->nr_cpus;
	for (i = 0; i < o->nr_tasks; i++) {
		struct plugland_task *t = &s->tasks[i].t;

		t->pid = t->tgid = (int32_t)(SYNTH_PID_BASE + i);
		t->cpu = (int32_t)(i % o->nr_cpus);
		t->flags = PLUGLAND_TASK_NEW;
		t->weight = o->weights ? o->weights[i] : PLUGLAND_WEIGHT_DEFAULT;
		t->nr_cpus_allowed = o->nr_cpus;
		snprintf(t->comm, sizeof(t->comm), "synth-%u", i % 1000000000u);
		push_pending(s, i);
	}
	return &s->be;
}

void synth_backend_free(struct backend *be)
{
	struct synth_backend *s = SYNTH(be);

	if (!s)
		return;
	free(s->tasks);
	free(s->pending);
	free(s);
}

const struct synth_stats *synth_backend_stats(const struct backend *be)
{
	return &((const struct synth_backend *)be)->st;
}

const struct synth_task_stats *synth_backend_task(const struct backend *be, uint32_t idx)
{
	const struct synth_backend *s = (const struct synth_backend *)be;

	return idx < s->o.nr_tasks ? &s->tasks[idx].st : NULL;
}

void synth_backend_requeue(struct backend *be, uint32_t idx)
{
	struct synth_backend *s = SYNTH(be);

	if (idx < s->o.nr_tasks && s->tasks[idx].state == SYNTH_IN_POLICY)
		push_pending(s, idx);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The loopback backend: the cheapest backend that still closes the loop,
 * to measure the host's pipeline (scheduling loop, policy, decision log)
 * without the synthetic backend's simulation of CPUs and time.
 *
 * nr_tasks CPU-bound tasks: each one dispatched comes back, queued again,
 * in the next round, as a task does at the end of its slice on CPUs that
 * are always free (pick_idle_cpu hands them out round-robin). Every
 * decision is still checked: a pid never queued, a stale cookie or a task
 * decided twice is counted in nr_bad, and bench_loop fails the run.
 *
 * Its clock is a counter (1 us a decision), not the system's: no system
 * call on this side of the seam.
 */
#include <stdlib.h>
#include "loopback_backend.h"

struct loopback {
	struct backend be;
	struct plugland_task *tasks;	/* task i has pid i + 1 */
	uint8_t *in_policy;		/* queued, no decision yet */
	uint32_t *ready;		/* ring of task indices to queue next */
	uint32_t nr_tasks, ring_mask, head, tail;
	uint32_t next_cpu;
	uint64_t max_dispatches, now_ns;
	struct loopback_stats st;
};

#define LOOPBACK(be) ((struct loopback *)(be))

static int lb_consume(struct backend *be, backend_task_fn fn, void *ctx)
{
	struct loopback *lb = LOOPBACK(be);
	uint32_t end = lb->tail;
	int n = 0;

	while (lb->head != end) {
		struct plugland_task *t = &lb->tasks[lb->ready[lb->head++ & lb->ring_mask]];

		lb->in_policy[t->pid - 1] = 1;
		n++;
		if (fn(ctx, PL_REC_TASK, t))
			break;
		t->flags = 0; /* new and waking only on the first delivery */
	}
	return n;
}

static unsigned int lb_dispatch(struct backend *be, const struct plugland_dispatch *d,
				unsigned int n)
{
	struct loopback *lb = LOOPBACK(be);
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint32_t idx = (uint32_t)d[i].pid - 1;
		struct plugland_task *t;

		if (idx >= lb->nr_tasks || !lb->in_policy[idx] ||
		    lb->tasks[idx].cookie != d[i].cookie) {
			lb->st.nr_bad++;
			continue;
		}
		t = &lb->tasks[idx];
		lb->in_policy[idx] = 0;
		lb->now_ns += 1000;
		t->cookie++;
		t->vtime = d[i].vtime;
		t->exec_runtime += d[i].slice_ns ? d[i].slice_ns : 5000000;
		t->enq_ns = lb->now_ns;
		t->cpu = d[i].cpu >= 0 ? d[i].cpu : 0;
		lb->ready[lb->tail++ & lb->ring_mask] = idx;
		lb->st.nr_dispatched++;
	}
	return n;
}

static void lb_kick(struct backend *be)
{
	(void)be;
}

static void lb_publish(struct backend *be, uint64_t nr_held, uint64_t now_ns)
{
	(void)be, (void)nr_held, (void)now_ns;
}

static int lb_wait(struct backend *be, int timeout_ms)
{
	(void)be, (void)timeout_ms;
	return 0;
}

static int lb_pick_idle_cpu(struct backend *be, const struct plugland_task *task)
{
	struct loopback *lb = LOOPBACK(be);

	(void)task;
	if (++lb->next_cpu >= lb->be.nr_cpus)
		lb->next_cpu = 0;
	return (int)lb->next_cpu;
}

static bool lb_exited(struct backend *be)
{
	struct loopback *lb = LOOPBACK(be);

	return lb->st.nr_dispatched >= lb->max_dispatches;
}

static uint32_t lb_nr_idle_cpus(struct backend *be)
{
	return be->nr_cpus;
}

static uint64_t lb_now_ns(struct backend *be)
{
	return LOOPBACK(be)->now_ns;
}

static const struct backend_ops loopback_ops = {
	.name = "loopback",
	.consume = lb_consume,
	.dispatch = lb_dispatch,
	.kick = lb_kick,
	.publish = lb_publish,
	.wait = lb_wait,
	.pick_idle_cpu = lb_pick_idle_cpu,
	.exited = lb_exited,
	.nr_idle_cpus = lb_nr_idle_cpus,
	.now_ns = lb_now_ns,
};

struct backend *loopback_backend_new(uint32_t nr_cpus, uint32_t nr_tasks, uint64_t max_dispatches)
{
	struct loopback *lb = calloc(1, sizeof(*lb));
	uint32_t cap = 1, i;

	if (!lb || !nr_cpus || !nr_tasks)
		goto fail;
	while (cap < nr_tasks)
		cap <<= 1;
	lb->tasks = calloc(cap, sizeof(*lb->tasks));
	lb->in_policy = calloc(cap, 1);
	lb->ready = calloc(cap, sizeof(*lb->ready));
	if (!lb->tasks || !lb->in_policy || !lb->ready)
		goto fail;
	lb->be.ops = &loopback_ops;
	lb->be.nr_cpus = nr_cpus;
	lb->nr_tasks = nr_tasks;
	lb->ring_mask = cap - 1;
	lb->max_dispatches = max_dispatches;
	for (i = 0; i < nr_tasks; i++) {
		struct plugland_task *t = &lb->tasks[i];

		t->pid = t->tgid = (int32_t)i + 1;
		t->cpu = (int32_t)(i % nr_cpus);
		t->flags = PLUGLAND_TASK_NEW | PLUGLAND_TASK_WAKEUP;
		t->weight = PLUGLAND_WEIGHT_DEFAULT;
		t->nr_cpus_allowed = nr_cpus;
		t->cookie = 1;
		t->comm[0] = 'l', t->comm[1] = 'b';
		lb->ready[lb->tail++] = i;
	}
	return &lb->be;
fail:
	loopback_backend_free(lb ? &lb->be : NULL);
	return NULL;
}

const struct loopback_stats *loopback_backend_stats(const struct backend *be)
{
	return &((const struct loopback *)be)->st;
}

void loopback_backend_free(struct backend *be)
{
	struct loopback *lb = LOOPBACK(be);

	if (!lb)
		return;
	free(lb->tasks);
	free(lb->in_policy);
	free(lb->ready);
	free(lb);
}

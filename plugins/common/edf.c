// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include "edf.h"
#include "plugin_conf.h"

int edf_params_read(const struct plugland_host *host, struct edf_params *p, bool preempt_default,
		    uint64_t slice_default_ns, uint64_t min_slice_default_ns)
{
	uint64_t slice_us, min_slice_us, burst_cap_us, max_tasks = EDF_DEFAULT_MAX_TASKS;
	uint64_t margin_us;
	bool preempt = preempt_default; /* see docs/policies.md */

	if (!slice_default_ns)
		slice_default_ns = host->default_slice_ns ? host->default_slice_ns : 5000000;
	slice_us = slice_default_ns / 1000;
	burst_cap_us = EDF_DEFAULT_BURST_CAP_NS / 1000;
	if (conf_u64(host, "slice_us", 50, 1000000, &slice_us) ||
	    conf_u64(host, "burst_cap_us", 0, 10000000, &burst_cap_us) ||
	    conf_u64(host, "max_tasks", 16, 1u << 22, &max_tasks))
		return -EINVAL;
	min_slice_us = min_slice_default_ns && min_slice_default_ns / 1000 < slice_us ?
		       min_slice_default_ns / 1000 : slice_us;
	if (conf_u64(host, "min_slice_us", 50, 1000000, &min_slice_us))
		return -EINVAL;
	margin_us = min_slice_us;
	if (conf_bool(host, "preempt", &preempt) ||
	    conf_u64(host, "preempt_margin_us", 0, 1000000, &margin_us))
		return -EINVAL;
	if (min_slice_us > slice_us) {
		host->log(host, PLUGLAND_LOG_ERROR, "min_slice_us (%llu) is larger than slice_us (%llu)",
			  (unsigned long long)min_slice_us, (unsigned long long)slice_us);
		return -EINVAL;
	}
	p->slice_ns = slice_us * 1000;
	p->min_slice_ns = min_slice_us * 1000;
	p->burst_cap_ns = burst_cap_us * 1000;
	p->forget_ns = EDF_DEFAULT_FORGET_NS;
	p->max_tasks = (uint32_t)max_tasks;
	/* The margin is in virtual time; 0 would be "never": keep 1 ns. */
	p->preempt_margin_ns = preempt ? (margin_us ? margin_us * 1000 : 1) : 0;
	return 0;
}

int edf_init(struct edf *e, const struct edf_params *p)
{
	memset(e, 0, sizeof(*e));
	e->p = *p;
	return pid_table_init(&e->tasks, p->max_tasks, sizeof(struct edf_task));
}

void edf_fini(struct edf *e)
{
	pid_table_fini(&e->tasks);
}

static uint64_t weight_of(const struct plugland_task *t)
{
	if (!t->weight)
		return PLUGLAND_WEIGHT_DEFAULT;
	return t->weight > 10000 ? 10000 : t->weight;
}

void edf_account(struct edf *e, const struct plugland_task *t, struct edf_verdict *v)
{
	uint64_t w = weight_of(t), credit = e->p.slice_ns;
	uint64_t debt = e->p.burst_cap_ns > credit ? e->p.burst_cap_ns : credit;
	uint64_t floor = e->vclock > credit ? e->vclock - credit : 0;
	uint64_t lag;
	bool created, slept;
	struct edf_task *s = pid_table_insert(&e->tasks, t->pid, &created);

	if (!s) {
		/* No room for its state: charge it a slice, no credit. */
		v->vruntime = (t->vtime > floor ? t->vtime : floor) + e->p.slice_ns * 100 / w;
		v->burst = 0;
		v->deadline = v->vruntime;
		return;
	}
	if (created || (t->flags & PLUGLAND_TASK_NEW) || t->exec_runtime < s->exec_runtime) {
		/* New (or its state was dropped, or the pid was reused): it
		 * starts now in virtual time, or where it was when we know. */
		s->vruntime = (t->flags & PLUGLAND_TASK_NEW) ? e->vclock : t->vtime;
		s->burst = 0;
		slept = true;
	} else {
		uint64_t charge = (t->exec_runtime - s->exec_runtime) * 100 / w;

		slept = (t->flags & PLUGLAND_TASK_WAKEUP) || t->nvcsw != s->nvcsw;
		s->vruntime += charge;
		s->burst = slept ? 0 : s->burst + charge;
		if (s->burst > e->p.burst_cap_ns)
			s->burst = e->p.burst_cap_ns;
	}
	if (s->out) {
		s->out = false;
		e->nr_out--;
	}
	/*
	 * A sleeper lags the clock by a slice at most: the credit it banked.
	 * A runnable task by max(slice, burst_cap) at most: the debt owed to
	 * it (a hog that shares its CPU with interactive tasks falls behind
	 * the others, and one far behind would have a deadline ahead of
	 * every task that wakes up). With the debt bounded so, a hog at the
	 * burst cap has a deadline no earlier than the clock: behind a task
	 * that wakes up.
	 */
	lag = slept ? credit : debt;
	if (e->vclock > lag && s->vruntime < e->vclock - lag)
		s->vruntime = e->vclock - lag;
	s->exec_runtime = t->exec_runtime;
	s->nvcsw = t->nvcsw;
	s->seen_ns = t->enq_ns;
	v->vruntime = s->vruntime;
	v->burst = s->burst;
	v->deadline = s->vruntime + s->burst;
}

struct run_item edf_item(const struct plugland_task *t, const struct edf_verdict *v)
{
	struct run_item it = {
		.key = v->deadline,
		.d = plugland_dispatch_of(t),
		.prev_cpu = t->cpu,
		.pin_cpu = -1,
		.flags = t->flags,
		.nr_cpus_allowed = t->nr_cpus_allowed,
		.weight = (uint32_t)weight_of(t),
	};

	it.d.vtime = v->deadline;
	return it;
}

uint64_t edf_slice(const struct edf *e, uint64_t nr_waiting)
{
	uint64_t s = e->p.slice_ns / (nr_waiting ? nr_waiting : 1);

	return s > e->p.min_slice_ns ? s : e->p.min_slice_ns;
}

uint64_t edf_weighted_slice(const struct edf *e, uint64_t nr_waiting, uint32_t weight)
{
	uint64_t ceiling = e->p.burst_cap_ns > e->p.slice_ns ? e->p.burst_cap_ns : e->p.slice_ns;
	uint64_t s = edf_slice(e, nr_waiting) * (weight ? weight : PLUGLAND_WEIGHT_DEFAULT) /
		     PLUGLAND_WEIGHT_DEFAULT;

	if (s < EDF_SLICE_FLOOR_NS)
		return EDF_SLICE_FLOOR_NS;
	return s < ceiling ? s : ceiling;
}

/* The task leaves for a CPU; its state (NULL when none is kept). */
static const struct edf_task *mark_out(struct edf *e, int32_t pid)
{
	struct edf_task *s = pid_table_find(&e->tasks, pid);

	if (s && !s->out) {
		s->out = true;
		e->nr_out++;
	}
	return s;
}

uint64_t edf_nr_waiting(const struct edf *e, const struct run_heap *q, uint32_t nr_cpus)
{
	/* The CPU this task will take is running the last of the others. */
	uint32_t others_running = nr_cpus ? nr_cpus - 1 : 0;

	return q->nr + (e->nr_out > others_running ? e->nr_out - others_running : 0);
}

bool edf_release(struct edf *e, struct run_heap *q, struct cpu_gate *g, uint64_t nr_waiting,
		 bool by_deadline, struct plugland_dispatch *out)
{
	const struct run_item *head = run_heap_peek(q);
	const struct edf_task *s;
	struct run_item it;
	uint64_t vruntime;
	int cpu;

	if (!head)
		return false;
	if (head->pin_cpu >= 0) {
		cpu = head->pin_cpu;
		cpu_gate_released(g);
	} else {
		cpu = cpu_gate_pick(g, head->d.pid, head->prev_cpu);
		/* No idle CPU for a waking task: take a less urgent one's? */
		if ((cpu == CPU_GATE_SHUT || (cpu == PLUGLAND_CPU_ANY && g->open)) && by_deadline &&
		    e->p.preempt_margin_ns && (head->flags & PLUGLAND_TASK_WAKEUP)) {
			int victim = cpu_gate_preempt(g, head->d.pid, head->prev_cpu,
						      head->nr_cpus_allowed,
						      head->key + e->p.preempt_margin_ns,
						      e->p.min_slice_ns);

			if (victim >= 0)
				cpu = victim;
		}
		if (cpu == CPU_GATE_SHUT)
			return false;
	}
	run_heap_pop(q, &it);
	s = mark_out(e, it.d.pid);
	/*
	 * Virtual time follows the vruntime of what runs, not its deadline:
	 * a hog's deadline is up to burst_cap ahead of its vruntime, and a
	 * clock at the deadline put waking tasks that far behind the other
	 * hogs (cyclictest waited out 40 ms of them under stress-ng).
	 */
	vruntime = s ? s->vruntime : it.key;
	if (by_deadline && vruntime > e->vclock)
		e->vclock = vruntime;
	*out = it.d;
	out->cpu = cpu;
	if (!out->slice_ns)
		out->slice_ns = edf_weighted_slice(e, nr_waiting, it.weight);
	return true;
}

void edf_kernel_decided(struct edf *e, const struct plugland_task *t, unsigned int reason,
			bool by_deadline)
{
	const struct edf_task *s;
	struct edf_verdict v;

	if (reason == PLUGLAND_KERNEL_RESCUED)
		return;
	edf_account(e, t, &v);
	s = mark_out(e, t->pid);
	if (by_deadline && s && s->vruntime > e->vclock)
		e->vclock = s->vruntime;
}

void edf_forget(struct edf *e, int32_t pid)
{
	struct edf_task *s = pid_table_find(&e->tasks, pid);

	if (s && s->out)
		e->nr_out--;
	pid_table_remove(&e->tasks, pid);
}

struct sweep_ctx {
	struct edf *e;
	uint64_t cutoff;
};

static bool quiet_too_long(const void *val, void *ctx)
{
	const struct edf_task *s = val;
	struct sweep_ctx *c = ctx;

	if (s->seen_ns >= c->cutoff)
		return false;
	if (s->out) /* released long ago and never back: it exited */
		c->e->nr_out--;
	return true;
}

void edf_tick(struct edf *e, uint64_t now_ns)
{
	struct sweep_ctx c = { .e = e };

	if (now_ns < e->p.forget_ns)
		return;
	c.cutoff = now_ns - e->p.forget_ns;
	/* A sixteenth of the table per tick: all of it every 16 ticks. */
	pid_table_sweep(&e->tasks, &e->sweep_cursor, (e->tasks.mask + 1) / 16, quiet_too_long, &c);
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "stats_table.h"

int stats_init(struct stats *s, uint32_t max_tasks, uint32_t nr_cpus, uint64_t default_slice_ns)
{
	memset(s, 0, sizeof(*s));
	s->nr_cpus = nr_cpus;
	s->default_slice_ns = default_slice_ns;
	snprintf(s->proc_root, sizeof(s->proc_root), "/proc");
	s->other.pid = s->other.tgid = -1;
	snprintf(s->other.comm, sizeof(s->other.comm), "(other)");
	s->per_cpu = calloc((size_t)nr_cpus + 1, sizeof(*s->per_cpu));
	s->sorted = calloc((size_t)max_tasks + 1, sizeof(*s->sorted));
	if (!s->per_cpu || !s->sorted ||
	    pid_table_init(&s->tasks, max_tasks, sizeof(struct task_stats))) {
		stats_fini(s);
		return -ENOMEM;
	}
	return 0;
}

void stats_fini(struct stats *s)
{
	pid_table_fini(&s->tasks);
	free(s->per_cpu);
	free(s->sorted);
	s->per_cpu = NULL;
	s->sorted = NULL;
}

void stats_add(struct stats *s, const struct plugland_decision *d)
{
	/* A late decision (the task was no longer waiting for it) carries no
	 * enqueue-time fields: no comm, no wait to count. */
	bool has_task = d->enq_ns && !(d->flags & PLUGLAND_DECISION_LATE);
	uint64_t wait = has_task && d->dispatch_ns > d->enq_ns ? d->dispatch_ns - d->enq_ns : 0;
	struct task_stats *t;
	bool created;

	t = pid_table_insert(&s->tasks, d->pid, &created);
	if (!t)
		t = &s->other;
	else if (created)
		t->pid = d->pid;
	if (t != &s->other && has_task) {
		t->tgid = d->tgid;
		memcpy(t->comm, d->comm, sizeof(t->comm)); /* the latest: exec changes it */
	}
	t->nr_sched++;
	t->slice_ns += d->slice_us ? (uint64_t)d->slice_us * 1000 : s->default_slice_ns;
	if (has_task) {
		t->wait_ns += wait;
		t->nr_waits++;
		if (wait > t->wait_max_ns)
			t->wait_max_ns = wait;
		log_hist_add(&t->wait, wait);
	}
	s->nr_decisions++;
	if (d->cpu >= 0 && (uint32_t)d->cpu < s->nr_cpus)
		s->per_cpu[1 + d->cpu]++;
	else
		s->per_cpu[0]++;
}

static int by_sched(const void *a, const void *b)
{
	const struct task_stats *x = *(const struct task_stats *const *)a;
	const struct task_stats *y = *(const struct task_stats *const *)b;

	if (x->nr_sched != y->nr_sched)
		return x->nr_sched > y->nr_sched ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

size_t stats_sort(struct stats *s)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i <= s->tasks.mask; i++) {
		const struct task_stats *t = pid_table_slot(&s->tasks, i);

		if (t)
			s->sorted[n++] = t;
	}
	if (s->other.nr_sched)
		s->sorted[n++] = &s->other;
	qsort(s->sorted, n, sizeof(*s->sorted), by_sched);
	return n;
}

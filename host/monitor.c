// SPDX-License-Identifier: GPL-2.0
/*
 * A thread of the host process, so BPF dispatches it directly: it can
 * never delay the scheduling thread, and printing (which may block on a
 * slow terminal) stays off the scheduling path.
 */
#include <errno.h>
#include <pthread.h>
#include "stoppable.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bpf_backend.h"
#include "monitor.h"

struct monitor {
	struct stoppable t;
	unsigned int secs;
	struct backend *be;
	const struct sched_loop *loop;
};

static void print_line(struct monitor *m, struct plugland_counters *prev, double dt)
{
	struct plugland_counters c;

	if (backend_counters(m->be, &c))
		return;
	/* The loop's counters are read without a lock: approximate is fine. */
	printf("stats: user-space %llu/s (total %llu)  direct %llu/s (total %llu)  "
	       "bounced %llu  cancelled %llu  congested %llu  heartbeats %llu  held %llu\n",
	       (unsigned long long)((double)(c.nr_user_dispatches - prev->nr_user_dispatches) / dt),
	       (unsigned long long)c.nr_user_dispatches,
	       (unsigned long long)((double)(c.nr_kernel_dispatches - prev->nr_kernel_dispatches) / dt),
	       (unsigned long long)c.nr_kernel_dispatches, (unsigned long long)c.nr_bounce_dispatches,
	       (unsigned long long)c.nr_cancel_dispatches, (unsigned long long)c.nr_congested,
	       (unsigned long long)c.nr_heartbeats,
	       (unsigned long long)__atomic_load_n(&m->loop->nr_held, __ATOMIC_RELAXED));
	fflush(stdout);
	*prev = c;
}

static void *monitor_main(void *arg)
{
	struct monitor *m = arg;
	struct plugland_counters prev = { 0 };
	struct timespec deadline;

	pthread_mutex_lock(&m->t.lock);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	while (!m->t.stop) {
		deadline.tv_sec += m->secs;
		while (!m->t.stop && pthread_cond_timedwait(&m->t.cond, &m->t.lock, &deadline) != ETIMEDOUT)
			;
		if (!m->t.stop)
			print_line(m, &prev, m->secs);
	}
	pthread_mutex_unlock(&m->t.lock);
	return NULL;
}

struct monitor *monitor_start(struct backend *be, const struct sched_loop *l, unsigned int secs)
{
	struct monitor *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return NULL;
	m->be = be;
	m->loop = l;
	m->secs = secs;
	err = stoppable_start(&m->t, monitor_main, m);
	if (err) {
		free(m);
		errno = err;
		return NULL;
	}
	return m;
}

void monitor_stop(struct monitor *m)
{
	if (!m)
		return;
	stoppable_stop(&m->t);
	free(m);
}

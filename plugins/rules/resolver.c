// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "resolver.h"

#define RESOLVER_STACK (256 * 1024)

struct ring {
	struct resolve_msg *slots;
	uint32_t mask;
	_Atomic uint32_t head;	/* next to read: the consumer's */
	_Atomic uint32_t tail;	/* next to write: the producer's */
};

struct resolver {
	pthread_t thread;
	struct ring asks;	/* scheduling thread -> resolver */
	struct ring answers;	/* resolver -> scheduling thread */
	sem_t wake;		/* posted per request; sem_post never blocks */
	atomic_bool stop;
	pthread_mutex_t lock;	/* rs and gen: the thread holds it while matching */
	const struct ruleset *rs;
	uint32_t gen;
	char proc_root[256];
};

static bool ring_push(struct ring *q, const struct resolve_msg *m)
{
	uint32_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);

	if (tail - atomic_load_explicit(&q->head, memory_order_acquire) > q->mask)
		return false;
	q->slots[tail & q->mask] = *m;
	atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
	return true;
}

static bool ring_pop(struct ring *q, struct resolve_msg *m)
{
	uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);

	if (head == atomic_load_explicit(&q->tail, memory_order_acquire))
		return false;
	*m = q->slots[head & q->mask];
	atomic_store_explicit(&q->head, head + 1, memory_order_release);
	return true;
}

/* The cgroup v2 path of pid ("0::/path" in PROC/PID/cgroup), or false. */
static bool read_cgroup(const struct resolver *r, int32_t pid, char *out, size_t len)
{
	char path[300], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/cgroup", r->proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(out, len, "%s", line + 3);
		found = true;
	}
	fclose(f);
	return found;
}

static void answer(struct resolver *r, struct resolve_msg *m)
{
	char comm[PLUGLAND_COMM_LEN + 1], cgroup[4096];
	bool has_cgroup = false;

	memcpy(comm, m->comm, PLUGLAND_COMM_LEN);
	comm[PLUGLAND_COMM_LEN] = 0;
	pthread_mutex_lock(&r->lock);
	m->rule = -1;
	if (m->gen == r->gen && r->rs) { /* else the asker has newer rules */
		if (r->rs->uses_cgroup)
			has_cgroup = read_cgroup(r, m->pid, cgroup, sizeof(cgroup));
		m->rule = ruleset_match_all(r->rs, m->pid, m->tgid, comm, has_cgroup ? cgroup : NULL);
	}
	pthread_mutex_unlock(&r->lock);
}

static void *resolver_main(void *arg)
{
	struct resolver *r = arg;
	struct timespec pause = { .tv_nsec = 1000000 };
	struct resolve_msg m;

	while (!atomic_load(&r->stop)) {
		if (sem_wait(&r->wake) && errno == EINTR)
			continue;
		while (!atomic_load(&r->stop) && ring_pop(&r->asks, &m)) {
			answer(r, &m);
			/* The answers ring is full until dispatch() drains it. */
			while (!ring_push(&r->answers, &m) && !atomic_load(&r->stop))
				nanosleep(&pause, NULL);
		}
	}
	return NULL;
}

static int ring_init(struct ring *q, uint32_t capacity)
{
	q->slots = calloc(capacity, sizeof(*q->slots));
	q->mask = capacity - 1;
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	return q->slots ? 0 : -ENOMEM;
}

/*
 * The thread: signals blocked (the host's handlers expect its own
 * threads), a small stack (the host locks all its memory).
 */
static int spawn(struct resolver *r)
{
	sigset_t all, old;
	pthread_attr_t attr;
	int ret;

	if (pthread_attr_init(&attr))
		return -1;
	pthread_attr_setstacksize(&attr, RESOLVER_STACK);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&r->thread, &attr, resolver_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return ret;
}

struct resolver *resolver_start(const char *proc_root, uint32_t capacity)
{
	struct resolver *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	snprintf(r->proc_root, sizeof(r->proc_root), "%s", proc_root);
	atomic_init(&r->stop, false);
	if (ring_init(&r->asks, capacity) || ring_init(&r->answers, capacity) ||
	    sem_init(&r->wake, 0, 0)) {
		free(r->asks.slots);
		free(r->answers.slots);
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	if (spawn(r)) {
		pthread_mutex_destroy(&r->lock);
		sem_destroy(&r->wake);
		free(r->asks.slots);
		free(r->answers.slots);
		free(r);
		return NULL;
	}
	pthread_setname_np(r->thread, "plugland-rules");
	return r;
}

void resolver_stop(struct resolver *r)
{
	if (!r)
		return;
	atomic_store(&r->stop, true);
	sem_post(&r->wake);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->lock);
	sem_destroy(&r->wake);
	free(r->asks.slots);
	free(r->answers.slots);
	free(r);
}

void resolver_set_rules(struct resolver *r, const struct ruleset *rs, uint32_t gen)
{
	pthread_mutex_lock(&r->lock);
	r->rs = rs;
	r->gen = gen;
	pthread_mutex_unlock(&r->lock);
}

bool resolver_ask(struct resolver *r, const struct resolve_msg *m)
{
	if (!ring_push(&r->asks, m))
		return false;
	sem_post(&r->wake);
	return true;
}

bool resolver_answer(struct resolver *r, struct resolve_msg *m)
{
	return ring_pop(&r->answers, m);
}

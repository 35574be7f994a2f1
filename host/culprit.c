// SPDX-License-Identifier: GPL-2.0
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "culprit.h"
#include "sched_loop.h"

#define MAX_PLUGIN_IDS 64

static struct plugin_id ids[MAX_PLUGIN_IDS];
static pthread_mutex_t ids_lock = PTHREAD_MUTEX_INITIALIZER;

/* Thread-locals of the executable: safe to read in a signal handler. */
static __thread const struct plugin_id *frame_id;
static __thread const char *frame_callback;
static __thread const struct plugin_id *thread_owner; /* a plugin started this thread */
static __thread struct sched_loop *my_loop;	      /* this is the scheduling thread */

void culprit_say(const char *first, ...)
{
	const char *s;
	va_list ap;
	ssize_t r;

	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *))
		r = write(STDERR_FILENO, s, strlen(s));
	va_end(ap);
	(void)r;
}

struct plugin_id *plugin_id_new(const char *kind, const char *name)
{
	struct plugin_id *id = NULL;
	int i;

	pthread_mutex_lock(&ids_lock);
	for (i = 0; i < MAX_PLUGIN_IDS && !id; i++)
		if (!atomic_load(&ids[i].used))
			id = &ids[i];
	if (id) {
		snprintf(id->kind, sizeof(id->kind), "%s", kind);
		snprintf(id->name, sizeof(id->name), "%s", name);
		atomic_store(&id->nr_threads, 0);
		atomic_store(&id->used, true);
	}
	pthread_mutex_unlock(&ids_lock);
	return id;
}

bool plugin_id_release(struct plugin_id *id, uint32_t wait_ms)
{
	struct timespec ms = { 0, 1000000L };
	uint32_t waited = 0;

	if (!id)
		return true;
	while (atomic_load(&id->nr_threads) > 0 && waited++ < wait_ms)
		nanosleep(&ms, NULL);
	if (atomic_load(&id->nr_threads) > 0)
		return false; /* the identity stays taken: its threads still name it */
	atomic_store(&id->used, false);
	return true;
}

void culprit_enter(const struct plugin_id *id, const char *callback)
{
	frame_callback = callback;
	atomic_signal_fence(memory_order_seq_cst);
	frame_id = id;
}

void culprit_leave(void)
{
	frame_id = NULL;
	atomic_signal_fence(memory_order_seq_cst);
}

void culprit_set_sched_thread(struct sched_loop *l)
{
	my_loop = l;
}

bool culprit_here(struct culprit *c)
{
	struct sched_loop *l = my_loop;

	if (frame_id) {
		*c = (struct culprit){ frame_id->kind, frame_id->name, frame_callback };
		return true;
	}
	if (l && atomic_load_explicit(&l->watch.in_policy, memory_order_relaxed)) {
		const struct plugland_policy *p = atomic_load_explicit(&l->policy,
								       memory_order_relaxed);
		const char *cb = atomic_load_explicit(&l->watch.callback, memory_order_relaxed);

		*c = (struct culprit){ "policy", p && p->name ? p->name : "?", cb ? cb : "?" };
		return true;
	}
	if (thread_owner) {
		*c = (struct culprit){ thread_owner->kind, thread_owner->name, NULL };
		return true;
	}
	return false;
}

const struct plugin_id *culprit_owner_here(void)
{
	struct sched_loop *l = my_loop;

	if (frame_id)
		return frame_id;
	if (l && atomic_load_explicit(&l->watch.in_policy, memory_order_relaxed))
		return l->guard_id;
	return thread_owner;
}

static void append(char *buf, unsigned int len, const char *s)
{
	size_t n = strlen(buf);

	while (*s && n + 1 < len)
		buf[n++] = *s++;
	buf[n] = 0;
}

void culprit_describe(const struct culprit *c, const char *did, char *buf, unsigned int len)
{
	buf[0] = 0;
	append(buf, len, c->kind);
	append(buf, len, " '");
	append(buf, len, c->name);
	append(buf, len, "' ");
	append(buf, len, did);
	if (c->callback) {
		append(buf, len, " in ");
		append(buf, len, c->callback);
		append(buf, len, "()");
	} else {
		append(buf, len, " on a thread it started");
	}
}

void culprit_ended_process(const char *how, int status)
{
	char who[200], did[32];
	struct culprit c;

	if (!culprit_here(&c))
		return;
	snprintf(did, sizeof(did), "called %s(%d)", how, status);
	culprit_describe(&c, did, who, sizeof(who));
	culprit_say("scx_plugland: error: ", who, ": a plugin must never end the process; "
		    "scx_plugland exits with status 4 (the kernel takes the CPUs back)\n", NULL);
	syscall(SYS_exit_group, PL_EXIT_PLUGIN_ENDED);
	__builtin_unreachable();
}

/* exit() anywhere, from plugin code or through a library it called. */
static void on_process_exit(int status, void *arg)
{
	(void)arg;
	culprit_ended_process("exit", status);
}

static void register_exit_hook(void)
{
	on_exit(on_process_exit, NULL);
}

void culprit_guard_exits(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, register_exit_hook);
}

void culprit_adopt_thread(const struct plugin_id *owner)
{
	thread_owner = owner;
}

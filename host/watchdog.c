// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "log.h"
#include "watchdog.h"

#define RECOVER_SIGNAL SIGUSR2

/*
 * The loop the signal handlers report on and jump back into. Globals
 * because a signal handler gets no context: the only process-wide mutable
 * state of the host besides main.c's signal flags. Set by
 * crash_handlers_install() before the loop runs: with two hosts in one
 * process (tests step two loops in turn), a stuck or crashed policy is
 * caught on the loop that installed them last.
 */
static struct sched_loop *watched;
static pthread_t sched_thread;

struct watchdog {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	uint32_t timeout_ms;
	enum watchdog_action action;
	struct sched_loop *l;
	uint64_t nr_parked;	/* under lock */
};

/* async-signal-safe: write the NULL-terminated strings to stderr */
static void say(const char *first, ...)
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

static void on_recover_signal(int sig)
{
	(void)sig;
	/* Only ever jump out of the policy's frames, never the host's. */
	if (watched && atomic_load_explicit(&watched->watch.in_policy, memory_order_relaxed) &&
	    watched->recover_armed)
		siglongjmp(watched->recover, 1);
}

static void on_crash(int sig)
{
	const char *cb = watched ? atomic_load(&watched->watch.callback) : NULL;

	if (watched && atomic_load_explicit(&watched->watch.in_policy, memory_order_relaxed))
		say("scx_plugland: policy '", watched->policy->name, "' crashed in ", cb ? cb : "?",
		    "(): ", strsignal(sig), "; the kernel takes the CPUs back\n", NULL);
	else
		say("scx_plugland: crashed: ", strsignal(sig),
		    "; the kernel takes the CPUs back\n", NULL);
	/* SA_RESETHAND restored the default action: die of the same signal. */
	raise(sig);
}

void crash_handlers_install(struct sched_loop *l)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	static char altstack[64 * 1024]; /* a policy overflowing its stack */
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = on_crash, .sa_flags = SA_RESETHAND | SA_ONSTACK };
	struct sigaction rec = { .sa_handler = on_recover_signal };
	size_t i;

	watched = l;
	sched_thread = pthread_self();
	sigaltstack(&ss, NULL);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	sigaction(RECOVER_SIGNAL, &rec, NULL);
}

/* The policy has been in a callback for longer than allowed. */
static void fire(struct watchdog *w, const char *cb, uint64_t ms)
{
	const char *name = w->l->policy->name;

	/* The fallback itself stuck (compared by code: slots hold copies). */
	if (w->action == WATCHDOG_EXIT || !w->l->fallback_policy ||
	    w->l->policy->enqueue == w->l->fallback_policy->enqueue) {
		pl_err("policy '%s' has been stuck in %s() for %llu ms: detaching and exiting",
		       name, cb, (unsigned long long)ms);
		_exit(3); /* the struct_ops link closes with us: the kernel takes over */
	}
	pl_err("policy '%s' has been stuck in %s() for %llu ms: switching to the built-in fifo",
	       name, cb, (unsigned long long)ms);
	pthread_kill(sched_thread, RECOVER_SIGNAL);
}

/* On the scheduling thread, at the first phase after the watchdog parked. */
static void unpark(void *ctx)
{
	struct watchdog *w = ctx;

	pthread_mutex_lock(&w->lock);
	atomic_store_explicit(&w->l->watch.parked, 0, memory_order_relaxed);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/*
 * The loop is outside the policy (asleep, or between two phases): wait
 * for its next phase instead of looking ten times a second. Returns with
 * the lock held and parked clear.
 */
static void park(struct watchdog *w)
{
	atomic_store_explicit(&w->l->watch.parked, 1, memory_order_seq_cst);
	/* Store, then load the loop's word: see struct policy_watch. */
	if (!atomic_load_explicit(&w->l->watch.callback, memory_order_seq_cst))
		w->nr_parked++;
	while (!w->stop && atomic_load_explicit(&w->l->watch.parked, memory_order_relaxed) &&
	       !atomic_load_explicit(&w->l->watch.callback, memory_order_seq_cst))
		pthread_cond_wait(&w->cond, &w->lock);
	atomic_store_explicit(&w->l->watch.parked, 0, memory_order_relaxed);
}

static void add_ns(struct timespec *t, uint64_t ns)
{
	t->tv_nsec += (long)(ns % 1000000000ull);
	t->tv_sec += (time_t)(ns / 1000000000ull);
	if (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	uint64_t seen_phase = 0, seen_ns = 0, fired_phase = 0, timeout_ns;
	struct timespec next;

	timeout_ns = (uint64_t)w->timeout_ms * 1000000ull;
	pthread_mutex_lock(&w->lock);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!w->stop) {
		const char *cb;
		uint64_t phase, now;

		/* Look ten times per timeout: a stuck callback is caught
		 * within 1.1 timeouts at most. */
		add_ns(&next, timeout_ns / 10);
		while (!w->stop && pthread_cond_timedwait(&w->cond, &w->lock, &next) != ETIMEDOUT)
			;
		cb = atomic_load_explicit(&w->l->watch.callback, memory_order_acquire);
		if (!cb && !w->stop) {
			park(w);
			clock_gettime(CLOCK_MONOTONIC, &next);
			seen_phase = atomic_load_explicit(&w->l->watch.phase, memory_order_relaxed);
			seen_ns = pl_now_ns();
			continue;
		}
		phase = atomic_load_explicit(&w->l->watch.phase, memory_order_relaxed);
		now = pl_now_ns();
		if (phase != seen_phase) {
			/* The loop moved on since we last looked: time anew. */
			seen_phase = phase;
			seen_ns = now;
			continue;
		}
		if (w->stop || !atomic_load_explicit(&w->l->watch.in_policy, memory_order_relaxed) ||
		    phase == fired_phase ||
		    now - seen_ns < timeout_ns)
			continue;
		fired_phase = phase; /* once per stuck call */
		fire(w, cb, (now - seen_ns) / 1000000ull);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct watchdog *watchdog_start(struct sched_loop *l, uint32_t timeout_ms,
				enum watchdog_action action)
{
	struct watchdog *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	int err;

	if (!w)
		return NULL;
	w->l = l;
	w->timeout_ms = timeout_ms;
	w->action = action;
	l->watch.unpark_ctx = w;
	l->watch.unpark = unpark;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&w->thread, NULL, watchdog_main, w);
	if (err) {
		free(w);
		errno = err;
		return NULL;
	}
	return w;
}

uint64_t watchdog_nr_parked(struct watchdog *w)
{
	uint64_t n;

	pthread_mutex_lock(&w->lock);
	n = w->nr_parked;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void watchdog_stop(struct watchdog *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->l->watch.unpark = NULL;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

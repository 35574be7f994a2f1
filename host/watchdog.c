// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "culprit.h"
#include "log.h"
#include "stoppable.h"
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
	struct stoppable t;	/* its lock also covers nr_parked */
	uint32_t timeout_ms;
	uint32_t slot_ms;	/* for a switch's load, init() and exit() */
	enum watchdog_action action;
	struct sched_loop *l;
	uint64_t nr_parked;	/* under lock */
};

static void on_recover_signal(int sig)
{
	(void)sig;
	/* Only ever jump out of the policy's frames, never the host's. */
	if (watched && atomic_load_explicit(&watched->watch.in_policy, memory_order_relaxed) &&
	    watched->recover_armed)
		siglongjmp(watched->recover, 1);
}

/* n in decimal, async-signal-safe. */
static const char *decimal(char *buf, size_t len, long n)
{
	char *p = buf + len;

	*--p = 0;
	do
		*--p = (char)('0' + n % 10);
	while ((n /= 10) && p > buf + 1);
	return p;
}

/* Name whose code crashed: the thread's, not the process's (culprit.h). */
static void on_crash(int sig, siginfo_t *si, void *uc)
{
	char thread[17] = "?", pid[24], who[200];
	struct culprit c;

	(void)uc;
	if (si && si->si_code <= 0 && si->si_pid != getpid()) {
		/* kill(1), not a fault: nobody's code is to blame. */
		culprit_say("scx_plugland: ", strsignal(sig), " sent by process ",
			    decimal(pid, sizeof(pid), si->si_pid),
			    ", not a fault of its own; the kernel takes the CPUs back\n", NULL);
	} else if (culprit_here(&c)) {
		culprit_describe(&c, "crashed", who, sizeof(who));
		culprit_say("scx_plugland: ", who, ": ", strsignal(sig),
			    "; the kernel takes the CPUs back\n", NULL);
	} else {
		prctl(PR_GET_NAME, thread);
		culprit_say("scx_plugland: crashed on thread '", thread,
			    "', which runs no plugin's code: ", strsignal(sig),
			    "; the kernel takes the CPUs back\n", NULL);
	}
	/* SA_RESETHAND restored the default action: die of the same signal. */
	raise(sig);
}

void crash_handlers_install(struct sched_loop *l)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	static char altstack[64 * 1024]; /* a policy overflowing its stack */
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_sigaction = on_crash,
				.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK };
	struct sigaction rec = { .sa_handler = on_recover_signal };
	size_t i;

	watched = l;
	sched_thread = pthread_self();
	culprit_set_sched_thread(l);
	culprit_guard_exits();
	sigaltstack(&ss, NULL);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	sigaction(RECOVER_SIGNAL, &rec, NULL);
}

/* Whose callback this is: the watch's plugin (a switch's load, init(),
 * exit()) or the loop's policy. */
static const char *stuck_name(struct watchdog *w)
{
	const char *plugin = atomic_load_explicit(&w->l->watch.plugin, memory_order_relaxed);

	return plugin ? plugin : w->l->policy->name;
}

/* Give up: the kernel takes over when our struct_ops link closes with us. */
static void __attribute__((noreturn)) detach_and_exit(void)
{
	fflush(stdout);
	_exit(3);
}

/* The policy has been in a callback for longer than allowed. */
static void fire(struct watchdog *w, const char *cb, uint64_t stuck_ns, bool slot_call)
{
	const char *name = stuck_name(w);
	unsigned long long ms = stuck_ns / 1000000ull;

	/* A switch's init() or exit(), or a stuck fallback (compared by
	 * code: slots hold copies): nothing safe to jump back to. */
	if (slot_call) {
		pl_err("policy '%s' has been stuck in %s() for %llu ms (the limit for a switch's "
		       "load, init() and exit() is %u ms): detaching and exiting",
		       name, cb, ms, w->slot_ms);
		detach_and_exit();
	}
	if (w->action == WATCHDOG_EXIT || !w->l->fallback_policy ||
	    w->l->policy->enqueue == w->l->fallback_policy->enqueue) {
		pl_err("policy '%s' has been stuck in %s() for %llu ms: detaching and exiting",
		       name, cb, ms);
		detach_and_exit();
	}
	pl_err("policy '%s' has been stuck in %s() for %llu ms: making it leave, for the "
	       "built-in fifo", name, cb, ms);
	pthread_kill(sched_thread, RECOVER_SIGNAL);
}

/* It did not come back to the signal: blocked, ignored, or never
 * reaching a point where a signal is taken. */
static void escalate(struct watchdog *w, const char *cb, uint64_t stuck_ns)
{
	pl_err("policy '%s' did not leave %s() in the %u ms after the watchdog's signal (stuck "
	       "%llu ms; does it block SIGUSR2?): no recovery, detaching and exiting",
	       stuck_name(w), cb, w->timeout_ms, (unsigned long long)(stuck_ns / 1000000ull));
	detach_and_exit();
}

/* On the scheduling thread, at the first phase after the watchdog parked. */
static void unpark(void *ctx)
{
	struct watchdog *w = ctx;

	pthread_mutex_lock(&w->t.lock);
	atomic_store_explicit(&w->l->watch.parked, 0, memory_order_relaxed);
	pthread_cond_signal(&w->t.cond);
	pthread_mutex_unlock(&w->t.lock);
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
	while (!w->t.stop && atomic_load_explicit(&w->l->watch.parked, memory_order_relaxed) &&
	       !atomic_load_explicit(&w->l->watch.callback, memory_order_seq_cst))
		pthread_cond_wait(&w->t.cond, &w->t.lock);
	atomic_store_explicit(&w->l->watch.parked, 0, memory_order_relaxed);
}

/* Wait (lock held) until deadline_ns on CLOCK_MONOTONIC, or a stop. */
static void sleep_until(struct watchdog *w, uint64_t deadline_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(deadline_ns / 1000000000ull),
			       .tv_nsec = (long)(deadline_ns % 1000000000ull) };

	while (!w->t.stop && pl_now_ns() < deadline_ns &&
	       pthread_cond_timedwait(&w->t.cond, &w->t.lock, &ts) != ETIMEDOUT)
		;
}

/*
 * Sleep until the current phase's deadline (its start stamp + the
 * limit), then look: the same phase still in the policy is stuck. A
 * stuck callback is caught at its limit (never before) plus this
 * thread's wake-up.
 */
static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	uint64_t fired_phase = 0, fired_ns = 0, timeout_ns, slot_ns;
	struct policy_watch *pw = &w->l->watch;

	timeout_ns = (uint64_t)w->timeout_ms * 1000000ull;
	slot_ns = (uint64_t)w->slot_ms * 1000000ull;
	pthread_mutex_lock(&w->t.lock);
	while (!w->t.stop) {
		const char *cb = atomic_load_explicit(&pw->callback, memory_order_acquire);
		uint64_t phase, start, now, limit;
		bool slot_call;

		if (!cb) {
			park(w);
			continue;
		}
		phase = atomic_load_explicit(&pw->phase, memory_order_acquire);
		start = atomic_load_explicit(&pw->start_ns, memory_order_relaxed);
		slot_call = atomic_load_explicit(&pw->plugin, memory_order_relaxed) != NULL;
		limit = slot_call ? slot_ns : timeout_ns;
		now = pl_now_ns();
		if (phase == fired_phase) {
			/* Signalled: it has one more timeout to come back. */
			if (now < fired_ns + timeout_ns) {
				sleep_until(w, fired_ns + timeout_ns);
				continue;
			}
			escalate(w, cb, now - start);
		}
		if (now < start + limit) {
			sleep_until(w, start + limit);
			continue;
		}
		if (!slot_call && !atomic_load_explicit(&pw->in_policy, memory_order_relaxed)) {
			/* A long phase, but in the host's code: look again soon. */
			sleep_until(w, now + timeout_ns / 10);
			continue;
		}
		if (atomic_load_explicit(&pw->phase, memory_order_acquire) != phase)
			continue; /* it moved on meanwhile */
		fired_phase = phase; /* once per stuck call */
		fired_ns = now;
		fire(w, cb, now - start, slot_call);
	}
	pthread_mutex_unlock(&w->t.lock);
	return NULL;
}

struct watchdog *watchdog_start(struct sched_loop *l, uint32_t timeout_ms, uint32_t slot_ms,
				enum watchdog_action action)
{
	struct watchdog *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return NULL;
	w->l = l;
	w->timeout_ms = timeout_ms;
	w->slot_ms = slot_ms;
	w->action = action;
	l->watch.unpark_ctx = w;
	l->watch.unpark = unpark;
	err = stoppable_start(&w->t, watchdog_main, w);
	if (err) {
		l->watch.unpark = NULL;
		free(w);
		errno = err;
		return NULL;
	}
	return w;
}

uint64_t watchdog_nr_parked(struct watchdog *w)
{
	uint64_t n;

	pthread_mutex_lock(&w->t.lock);
	n = w->nr_parked;
	pthread_mutex_unlock(&w->t.lock);
	return n;
}

void watchdog_stop(struct watchdog *w)
{
	if (!w)
		return;
	stoppable_stop(&w->t);
	w->l->watch.unpark = NULL;
	free(w);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A FIFO that turns bad after `after` enqueues ([hang] or [crash] section):
 * VARIANT_hang loops forever in enqueue() (with `block` = true, first
 * blocking the watchdog's SIGUSR2), or in init() with `where` = init;
 * VARIANT_crash dies there: of `signal` = segv (a NULL dereference, the
 * default), bus, fpe (a division by zero) or abort; with `where` =
 * thread, a thread it started in init() dies instead. VARIANT_hoard never
 * dispatches a task whose name starts with `comm` ([hoard] section; it
 * waits until the kernel's watchdog ejects the scheduler, as a policy
 * that loses a task would). VARIANT_quit ends the process with `how` =
 * exit, _exit or _Exit(0) there, or in its constructor with `where` =
 * constructor (read from PLUGLAND_TEST_QUIT_IN_CONSTRUCTOR: there is no
 * configuration yet). VARIANT_stray starts a thread in init() that its
 * exit() leaves running.
 * For the tests of the watchdog, the crash handler and the exit report.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <plugland/plugin.h>

#if defined(VARIANT_hang)
#define NAME "hang"
#elif defined(VARIANT_crash)
#define NAME "crash"
#elif defined(VARIANT_hoard)
#define NAME "hoard"
#elif defined(VARIANT_quit)
#define NAME "quit"
#elif defined(VARIANT_stray)
#define NAME "stray"
#else
#error "define VARIANT_hang, VARIANT_crash, VARIANT_hoard, VARIANT_quit or VARIANT_stray"
#endif

#define CAP 65536
struct faulty {
	struct plugland_dispatch ring[CAP];
	uint32_t head, tail;
	uint64_t calls, after;
	const struct plugland_host *host;
	const char *how;
	char hoarded[PLUGLAND_COMM_LEN];
	bool block;
};

static void __attribute__((unused)) quit(const char *how)
{
	if (!strcmp(how, "_exit"))
		_exit(0);
	if (!strcmp(how, "_Exit"))
		_Exit(0);
	exit(0);
}

#if defined(VARIANT_quit)
__attribute__((constructor)) static void quit_early(void)
{
	const char *how = getenv("PLUGLAND_TEST_QUIT_IN_CONSTRUCTOR");

	if (how)
		quit(how);
}
#endif

/* A thread the plugin starts and never joins: it sleeps, or crashes. */
static void *stray_thread(void *arg)
{
	struct timespec ms = { 0, 1000000L };

	if (arg) {
		nanosleep(&ms, NULL);
		*(volatile int *)NULL = 1;
	}
	for (;;)
		nanosleep(&ms, NULL);
	return NULL;
}

static void __attribute__((unused)) start_stray(bool crash)
{
	pthread_t t;

	if (!pthread_create(&t, NULL, stray_thread, crash ? (void *)1 : NULL))
		pthread_detach(t);
}

static int f_init(const struct plugland_host *h, void **ctx)
{
	struct faulty *f = calloc(1, sizeof(*f));
	const char *v = h->config(h, "after");
	const char *where = h->config(h, "where");

	if (!f)
		return -ENOMEM;
	f->host = h;
	f->after = v ? strtoull(v, NULL, 0) : 1000;
	f->how = h->config(h, "signal");
	f->how = f->how ? f->how : "segv";
	v = h->config(h, "comm");
	snprintf(f->hoarded, sizeof(f->hoarded), "%s", v ? v : "hoarded");
	v = h->config(h, "block");
	f->block = v && !strcmp(v, "true");
	v = h->config(h, "how");
	f->how = v ? v : f->how;
	*ctx = f;
	if (where && !strcmp(where, "init"))
		for (;;)
			__asm__ volatile("" ::: "memory");
	if (where && !strcmp(where, "thread"))
		start_stray(!strcmp(NAME, "crash"));
#if defined(VARIANT_stray)
	start_stray(false);
#endif
	return 0;
}

static int f_enqueue(void *ctx, const struct plugland_task *t)
{
	struct faulty *f = ctx;

#if defined(VARIANT_hoard)
	if (!strncmp(t->comm, f->hoarded, strlen(f->hoarded)))
		return 0; /* taken, never to be dispatched */
#endif
	if (++f->calls == f->after && strcmp(NAME, "hoard") && strcmp(NAME, "stray")) {
		f->host->log(f->host, PLUGLAND_LOG_WARN, "turning bad now, at %llu ns",
			     (unsigned long long)f->host->now_ns(f->host));
#if defined(VARIANT_hang)
		if (f->block) {
			sigset_t usr2;

			sigemptyset(&usr2);
			sigaddset(&usr2, SIGUSR2);
			pthread_sigmask(SIG_BLOCK, &usr2, NULL);
		}
		for (;;)
			__asm__ volatile("" ::: "memory");
#elif defined(VARIANT_quit)
		quit(f->how);
#else
		if (!strcmp(f->how, "bus")) {
			raise(SIGBUS);
		} else if (!strcmp(f->how, "fpe")) {
			volatile int zero = 0;

			f->calls /= (uint64_t)zero;
		} else if (!strcmp(f->how, "abort")) {
			abort();
		}
		*(volatile int *)NULL = 1;
#endif
	}
	if (f->tail - f->head == CAP)
		return -ENOSPC;
	f->ring[f->tail++ % CAP] = plugland_dispatch_of(t);
	return 0;
}

static unsigned int f_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	struct faulty *f = ctx;
	unsigned int n = 0;

	while (n < max && f->head != f->tail)
		out[n++] = f->ring[f->head++ % CAP];
	return n;
}

static void f_exit(void *ctx)
{
	free(ctx);
}

PLUGLAND_POLICY(.name = NAME, .description = "turns bad after N enqueues (tests)",
		.init = f_init, .enqueue = f_enqueue, .dispatch = f_dispatch, .exit = f_exit);

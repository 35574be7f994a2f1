// SPDX-License-Identifier: GPL-2.0
/*
 * A FIFO that turns bad after `after` enqueues ([hang] or [crash] section):
 * VARIANT_hang loops forever in enqueue(), VARIANT_crash dies there: of
 * `signal` = segv (a NULL dereference, the default), bus, fpe (a division
 * by zero) or abort. VARIANT_hoard never dispatches a task whose name
 * starts with `comm` ([hoard] section; it waits until the kernel's
 * watchdog ejects the scheduler, as a policy that loses a task would).
 * For the tests of the watchdog, the crash handler and the exit report.
 */
#include <errno.h>
#include <signal.h>
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
#else
#error "define VARIANT_hang, VARIANT_crash or VARIANT_hoard"
#endif

#define CAP 65536
struct faulty {
	struct plugland_dispatch ring[CAP];
	uint32_t head, tail;
	uint64_t calls, after;
	const struct plugland_host *host;
	const char *how;
	char hoarded[PLUGLAND_COMM_LEN];
};

static int f_init(const struct plugland_host *h, void **ctx)
{
	struct faulty *f = calloc(1, sizeof(*f));
	const char *v = h->config(h, "after");

	if (!f)
		return -ENOMEM;
	f->host = h;
	f->after = v ? strtoull(v, NULL, 0) : 1000;
	f->how = h->config(h, "signal");
	f->how = f->how ? f->how : "segv";
	v = h->config(h, "comm");
	snprintf(f->hoarded, sizeof(f->hoarded), "%s", v ? v : "hoarded");
	*ctx = f;
	return 0;
}

static int f_enqueue(void *ctx, const struct plugland_task *t)
{
	struct faulty *f = ctx;

#if defined(VARIANT_hoard)
	if (!strncmp(t->comm, f->hoarded, strlen(f->hoarded)))
		return 0; /* taken, never to be dispatched */
#endif
	if (++f->calls == f->after && strcmp(NAME, "hoard")) {
		f->host->log(f->host, PLUGLAND_LOG_WARN, "turning bad now, at %llu ns",
			     (unsigned long long)f->host->now_ns(f->host));
#if defined(VARIANT_hang)
		for (;;)
			__asm__ volatile("" ::: "memory");
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

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
static struct plugland_dispatch ring[CAP];
static uint32_t head, tail;
static uint64_t calls, after;
static const struct plugland_host *host;
static const char *how;
static char hoarded[PLUGLAND_COMM_LEN];

static int f_init(const struct plugland_host *h)
{
	const char *v = h->config(h, "after");

	host = h;
	after = v ? strtoull(v, NULL, 0) : 1000;
	how = h->config(h, "signal");
	how = how ? how : "segv";
	v = h->config(h, "comm");
	snprintf(hoarded, sizeof(hoarded), "%s", v ? v : "hoarded");
	head = tail = 0;
	calls = 0;
	return 0;
}

static int f_enqueue(const struct plugland_task *t)
{
#if defined(VARIANT_hoard)
	if (!strncmp(t->comm, hoarded, strlen(hoarded)))
		return 0; /* taken, never to be dispatched */
#endif
	if (++calls == after && strcmp(NAME, "hoard")) {
		host->log(host, PLUGLAND_LOG_WARN, "turning bad now, at %llu ns",
			  (unsigned long long)host->now_ns());
#if defined(VARIANT_hang)
		for (;;)
			__asm__ volatile("" ::: "memory");
#else
		if (!strcmp(how, "bus")) {
			raise(SIGBUS);
		} else if (!strcmp(how, "fpe")) {
			volatile int zero = 0;

			calls /= (uint64_t)zero;
		} else if (!strcmp(how, "abort")) {
			abort();
		}
		*(volatile int *)NULL = 1;
#endif
	}
	if (tail - head == CAP)
		return -ENOSPC;
	ring[tail++ % CAP] = plugland_dispatch_of(t);
	return 0;
}

static unsigned int f_dispatch(struct plugland_dispatch *out, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && head != tail)
		out[n++] = ring[head++ % CAP];
	return n;
}

static void f_exit(void)
{
}

PLUGLAND_POLICY(.name = NAME, .description = "turns bad after N enqueues (tests)",
		.init = f_init, .enqueue = f_enqueue, .dispatch = f_dispatch, .exit = f_exit);

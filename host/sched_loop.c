// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "sched_loop.h"

int sched_loop_init(struct sched_loop *l, struct backend *be,
		    const struct plugland_policy *policy, uint32_t tick_ms)
{
	memset(l, 0, sizeof(*l));
	l->be = be;
	l->policy = policy;
	l->tick_ms = tick_ms ? tick_ms : 100;
	l->fallback = calloc(LOOP_FALLBACK_CAP, sizeof(*l->fallback));
	return l->fallback ? 0 : -ENOMEM;
}

void sched_loop_fini(struct sched_loop *l)
{
	free(l->fallback);
	l->fallback = NULL;
}

static int on_task(void *ctx, const struct plugland_task *task)
{
	struct sched_loop *l = ctx;

	if (l->policy->enqueue(task) == 0) {
		l->nr_held++;
		l->st.nr_enqueued++;
		return 0;
	}
	/*
	 * Refused (full or error): the host keeps the task moving itself. Past
	 * the fallback's capacity it is dropped; the kernel's watchdog then
	 * ejects the scheduler, which is the safe outcome.
	 */
	l->st.nr_refused++;
	if (l->fb_tail - l->fb_head < LOOP_FALLBACK_CAP)
		l->fallback[l->fb_tail++ & (LOOP_FALLBACK_CAP - 1)] = plugland_dispatch_of(task);
	return 0;
}

/* Send out[out_off..out_n); false when the backend is full. */
static bool flush_out(struct sched_loop *l)
{
	unsigned int want = l->out_n - l->out_off, sent;

	if (!want)
		return true;
	sent = l->be->ops->dispatch(l->be, l->out + l->out_off, want);
	l->out_off += sent;
	l->st.nr_dispatched += sent;
	if (sent < want) {
		l->st.nr_backlog++;
		return false;
	}
	l->out_off = l->out_n = 0;
	return true;
}

static bool refill_from_fallback(struct sched_loop *l)
{
	unsigned int n = 0;

	while (n < LOOP_BATCH && l->fb_head != l->fb_tail)
		l->out[n++] = l->fallback[l->fb_head++ & (LOOP_FALLBACK_CAP - 1)];
	l->out_off = 0;
	l->out_n = n;
	return n > 0;
}

/* Ask the policy for up to a batch; sanitise what it returns. */
static unsigned int refill_from_policy(struct sched_loop *l)
{
	unsigned int n = l->policy->dispatch(l->out, LOOP_BATCH), i;
	int32_t nr_cpus = (int32_t)l->be->nr_cpus;

	if (n > LOOP_BATCH) {
		l->st.nr_invalid++;
		n = LOOP_BATCH;
	}
	if (n > l->nr_held) { /* a policy dispatching what it never got */
		l->st.nr_invalid++;
		l->nr_held = n;
	}
	l->nr_held -= n;
	for (i = 0; i < n; i++) {
		if (l->out[i].cpu >= nr_cpus || l->out[i].cpu < PLUGLAND_CPU_ANY) {
			l->out[i].cpu = PLUGLAND_CPU_ANY;
			l->st.nr_invalid++;
		}
	}
	l->out_off = 0;
	l->out_n = n;
	return n;
}

static void dispatch_all(struct sched_loop *l)
{
	if (!flush_out(l))
		return;
	while (refill_from_fallback(l))
		if (!flush_out(l))
			return;
	while (l->nr_held) {
		unsigned int n = refill_from_policy(l);

		if (!flush_out(l) || n < LOOP_BATCH)
			return;
	}
}

int sched_loop_round(struct sched_loop *l)
{
	int n = l->be->ops->consume(l->be, on_task, l);
	uint64_t now;

	if (n < 0)
		return n;
	dispatch_all(l);
	l->st.nr_rounds++;

	now = pl_now_ns();
	if (l->policy->tick && now >= l->next_tick_ns) {
		l->policy->tick(now);
		l->next_tick_ns = now + (uint64_t)l->tick_ms * 1000000ull;
		l->st.nr_ticks++;
		dispatch_all(l); /* a tick may release tasks */
	}
	l->be->ops->publish(l->be, sched_loop_in_flight(l), now);
	return n;
}

uint64_t sched_loop_in_flight(const struct sched_loop *l)
{
	return l->nr_held + (l->out_n - l->out_off) + (l->fb_tail - l->fb_head);
}

int sched_loop_run(struct sched_loop *l, volatile sig_atomic_t *stop)
{
	int ret;

	while (!*stop && !l->be->ops->exited(l->be)) {
		if (l->reload_req && *l->reload_req) {
			*l->reload_req = 0;
			l->reload(l->reload_ctx);
		}
		ret = sched_loop_round(l);
		if (ret < 0 && ret != -EINTR)
			return ret;
		if (ret > 0) {
			/* Not going to sleep (which would drain our CPU's
			 * decisions): have an idle CPU apply them. */
			l->be->ops->kick(l->be);
			continue;
		}
		ret = l->be->ops->wait(l->be, (int)l->tick_ms);
		if (ret < 0 && ret != -EINTR)
			return ret;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* The shadow runner (shadow.h): a second policy on its own thread. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "culprit.h"
#include "decision_record.h"
#include "held_set.h"
#include "log.h"
#include "plugin_loader.h"
#include "sched_loop.h"
#include "clock.h"
#include "policy_slot.h"
#include "policy_spec.h"
#include "services.h"
#include "shadow.h"

#define SHADOW_STOP_MS 2000	/* to catch up and exit() at a stop */
#define SHADOW_IDLE_NS 50000	/* sleep when the feed is empty */

struct shadow {
	struct plugin_services svc;	/* first: the shadow's struct plugland_host */
	struct loaded_policy lp;
	char spec[64];			/* POLICY[@KEY=VALUE,...], as named */
	struct config cfg;		/* the host's, with the spec's settings */
	void *ctx;
	struct shadow_feed feed;
	struct held_set held;		/* the shadow's tasks, for its log records */
	uint16_t policy_id;
	uint32_t nr_cpus;
	pthread_t thread;

	/* The shadow thread's own. */
	uint64_t now;			/* now_ns(): where it is in the stream */
	uint32_t nr_idle;		/* nr_idle_cpus(): the round's snapshot */
	uint64_t last_dropped;
	struct plugland_dispatch out[LOOP_BATCH];
	struct shadow_decision real[LOOP_BATCH], mine[LOOP_BATCH];
	int real_pos[LOOP_BATCH];

	pthread_mutex_t lock;		/* what follows */
	pthread_cond_t cond;
	bool init_done, stop, finished, abandoned;
	int init_ret;
	struct shadow_compare cmp;
	uint64_t rounds_unsynced, refused, invalid;
	bool out_of_sync;
};

static struct shadow *of(const struct plugland_host *h)
{
	return (struct shadow *)((char *)h - offsetof(struct shadow, svc.host));
}

static uint64_t shadow_now_ns(const struct plugland_host *h)
{
	return of(h)->now;
}

static int shadow_pick_idle_cpu(const struct plugland_host *h, const struct plugland_task *t)
{
	(void)h;
	(void)t;
	return -1;
}

static uint32_t shadow_nr_idle_cpus(const struct plugland_host *h)
{
	return of(h)->nr_idle;
}

static int shadow_preempt_cpu(const struct plugland_host *h, const struct plugland_task *t,
			      uint64_t vtime, uint64_t min_run_ns)
{
	(void)h;
	(void)t;
	(void)vtime;
	(void)min_run_ns;
	return -1;
}

static void advance(struct shadow *s, uint64_t now)
{
	if (now > s->now)
		s->now = now;
}

static void on_task(struct shadow *s, const struct plugland_task *t)
{
	bool tracked;

	advance(s, t->enq_ns);
	tracked = held_set_put(&s->held, t);
	culprit_enter(s->lp.id, "enqueue (shadow)");
	if (s->lp.ops.enqueue(s->ctx, t)) {
		if (tracked)
			held_set_take(&s->held, t->pid, t->cookie);
		s->refused++; /* not compared: the real host would dispatch it itself */
	}
	culprit_leave();
}

static uint64_t slice_of(const struct shadow *s, uint64_t slice_ns)
{
	return slice_ns ? slice_ns : s->svc.host.default_slice_ns;
}

/* Positions only, when the round is not compared. */
static void pair_only(struct shadow *s, unsigned int nr, unsigned int ns)
{
	unsigned int i, j;

	for (i = 0; i < ns; i++) {
		for (j = 0; j < nr; j++)
			if (s->real[j].pid == s->mine[i].pid && s->real[j].cookie == s->mine[i].cookie)
				break;
		s->real_pos[i] = j < nr ? (int)j : -1;
	}
}

/* A round: the real decisions follow the marker in the ring, whole. */
static void on_round(struct shadow *s, const struct shadow_entry *m)
{
	struct shadow_feed *f = &s->feed;
	unsigned int nr = m->n < LOOP_BATCH ? m->n : LOOP_BATCH, ns, i, max;
	bool compare;

	advance(s, m->now);
	s->nr_idle = m->nr_idle;
	for (i = 0; i < m->n; i++) {
		const struct shadow_entry *e = spsc_ring_peek(&f->to_shadow);
		const struct plugland_task *t;

		if (!e) /* cannot happen: published with the marker */
			break;
		if (i < nr) {
			t = held_set_get(&s->held, e->d.pid);
			s->real[i] = (struct shadow_decision){
				.pid = e->d.pid, .cpu = e->d.cpu, .cookie = e->d.cookie,
				.slice_ns = slice_of(s, e->d.slice_ns), .comm = t ? t->comm : NULL,
			};
		}
		spsc_ring_pop(&f->to_shadow);
	}
	max = m->max < LOOP_BATCH ? m->max : LOOP_BATCH;
	culprit_enter(s->lp.id, "dispatch (shadow)");
	ns = s->lp.ops.dispatch(s->ctx, s->out, max);
	culprit_leave();
	if (ns > max) {
		s->invalid++;
		ns = max;
	}
	for (i = 0; i < ns; i++) {
		const struct plugland_task *t = held_set_get(&s->held, s->out[i].pid);

		if (s->out[i].cpu >= (int32_t)s->nr_cpus || s->out[i].cpu < PLUGLAND_CPU_ANY) {
			s->out[i].cpu = PLUGLAND_CPU_ANY;
			s->invalid++;
		}
		s->mine[i] = (struct shadow_decision){
			.pid = s->out[i].pid, .cpu = s->out[i].cpu, .cookie = s->out[i].cookie,
			.slice_ns = slice_of(s, s->out[i].slice_ns), .comm = t ? t->comm : NULL,
		};
	}

	pthread_mutex_lock(&s->lock);
	if (m->dropped != s->last_dropped) {
		s->last_dropped = m->dropped;
		s->out_of_sync = true;
	}
	compare = !s->out_of_sync;
	if (compare)
		shadow_compare_round(&s->cmp, s->real, nr, s->mine, ns, s->real_pos);
	else
		s->rounds_unsynced++;
	/* Back in step from the next round: the real policy holds nothing,
	 * and nothing was lost since the loss that put us out. */
	if (s->out_of_sync && !m->real_held)
		s->out_of_sync = false;
	pthread_mutex_unlock(&s->lock);
	if (!compare)
		pair_only(s, nr, ns);

	for (i = 0; i < ns; i++) {
		struct plugland_task *t = held_set_find(&s->held, s->out[i].pid, s->out[i].cookie);
		struct plugland_decision rec;

		decision_record(&rec, &s->out[i], t, m->now, s->policy_id);
		rec.flags |= PLUGLAND_DECISION_SHADOW;
		/* A shadow record's own layout (docs/decision-dump.md): where it
		 * stood in its round, and where the real decision for the same
		 * enqueue stood (UINT32_MAX: not in that round). */
		rec.prev_cpu = (int16_t)i;
		rec.weight = s->real_pos[i] < 0 ? UINT32_MAX : (uint32_t)s->real_pos[i];
		if (t)
			held_set_remove(&s->held, t);
		if (!spsc_ring_push(&s->feed.to_log, &rec))
			atomic_fetch_add_explicit(&s->feed.log_dropped, 1, memory_order_relaxed);
	}
}

static void on_entry(struct shadow *s, const struct shadow_entry *e)
{
	switch (e->kind) {
	case SHADOW_TASK:
		on_task(s, &e->task);
		break;
	case SHADOW_TICK:
		advance(s, e->now);
		if (s->lp.ops.tick) {
			culprit_enter(s->lp.id, "tick (shadow)");
			s->lp.ops.tick(s->ctx, e->now);
			culprit_leave();
		}
		break;
	case SHADOW_GONE:
		if (s->lp.ops.task_gone) {
			culprit_enter(s->lp.id, "task_gone (shadow)");
			s->lp.ops.task_gone(s->ctx, e->task.pid);
			culprit_leave();
		}
		break;
	case SHADOW_DECIDED:
		if (s->lp.ops.kernel_decided) {
			culprit_enter(s->lp.id, "kernel_decided (shadow)");
			s->lp.ops.kernel_decided(s->ctx, &e->task, &e->d, e->n);
			culprit_leave();
		}
		break;
	}
}

static bool stopping(struct shadow *s)
{
	bool stop;

	pthread_mutex_lock(&s->lock);
	stop = s->stop;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

static void *shadow_thread(void *arg)
{
	struct shadow *s = arg;
	const struct timespec idle = { .tv_nsec = SHADOW_IDLE_NS };
	const struct shadow_entry *e;
	struct shadow_entry round;
	int ret;

	culprit_enter(s->lp.id, "init (shadow)");
	ret = s->lp.ops.init(&s->svc.host, &s->ctx);
	culprit_leave();
	pthread_mutex_lock(&s->lock);
	s->init_done = true;
	s->init_ret = ret;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (ret)
		goto out;
	for (;;) {
		e = spsc_ring_peek(&s->feed.to_shadow);
		if (!e) {
			/* Stopped, and caught up with all the loop pushed before. */
			if (stopping(s) && !spsc_ring_peek(&s->feed.to_shadow))
				break;
			nanosleep(&idle, NULL);
			continue;
		}
		if (e->kind == SHADOW_ROUND) {
			round = *e; /* its decisions come next, in the same ring */
			spsc_ring_pop(&s->feed.to_shadow);
			on_round(s, &round);
			continue;
		}
		on_entry(s, e);
		spsc_ring_pop(&s->feed.to_shadow);
	}
	culprit_enter(s->lp.id, "exit (shadow)");
	s->lp.ops.exit(s->ctx);
	culprit_leave();
out:
	pthread_mutex_lock(&s->lock);
	s->finished = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void free_shadow(struct shadow *s)
{
	shadow_compare_fini(&s->cmp);
	held_set_fini(&s->held);
	shadow_feed_fini(&s->feed);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

/* Wait until `done` is set under lock, at most ms. False on timeout. */
static bool wait_for(struct shadow *s, bool *done, uint32_t ms)
{
	struct timespec until;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &until);
	pl_timespec_add_ms(&until, ms);
	pthread_mutex_lock(&s->lock);
	while (!*done && pthread_cond_timedwait(&s->cond, &s->lock, &until) != ETIMEDOUT)
		;
	ok = *done;
	if (!ok)
		s->abandoned = true;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

/*
 * Stop the thread and wait for it to catch up and exit(), at most
 * SHADOW_STOP_MS, taking its records for log meanwhile (the loop no longer
 * does). False when it is stuck (abandoned).
 */
static bool stop_thread(struct shadow *s, struct decision_log *log, bool recording)
{
	const struct timespec tick = { .tv_nsec = 1000000 };
	unsigned int ms;
	bool done = false;

	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_mutex_unlock(&s->lock);
	for (ms = 0; ms < SHADOW_STOP_MS && !done; ms++) {
		shadow_feed_drain(&s->feed, log, recording);
		pthread_mutex_lock(&s->lock);
		done = s->finished;
		pthread_mutex_unlock(&s->lock);
		if (!done)
			nanosleep(&tick, NULL);
	}
	if (!done) {
		pthread_mutex_lock(&s->lock);
		s->abandoned = true;
		pthread_mutex_unlock(&s->lock);
		pthread_detach(s->thread);
		return false;
	}
	pthread_join(s->thread, NULL);
	shadow_feed_drain(&s->feed, log, recording);
	return true;
}

/* The policy of spec p, and its settings over the host's config. */
static int load(struct shadow *s, const struct shadow_opts *o, const struct policy_spec *p,
		char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	s->cfg = *o->cfg;
	for (i = 0; i < p->nr_settings; i++)
		if (config_set(&s->cfg, p->settings[i], err, errlen))
			return -1;
	ret = policy_load(o->cfg->plugin_dir, p->policy, &s->lp, err, errlen);
	if (ret == -ENOENT && !strcmp(p->policy, plugland_builtin_fifo.name)) {
		policy_load_builtin(&s->lp); /* no fifo.so */
		return 0;
	}
	return ret ? -1 : 0;
}

struct shadow *shadow_start(const struct shadow_opts *o, char *err, size_t errlen)
{
	struct shadow *s = calloc(1, sizeof(*s));
	struct policy_spec spec;
	char why[1024];

	if (!s || shadow_feed_init(&s->feed) || held_set_init(&s->held, LOOP_MAX_TASKS) ||
	    shadow_compare_init(&s->cmp)) {
		snprintf(err, errlen, "shadow '%s': out of memory", o->name);
		if (s)
			free_shadow(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->policy_id = o->policy_id;
	s->nr_cpus = o->nr_cpus;
	snprintf(s->spec, sizeof(s->spec), "%s", o->name);
	if (policy_spec_parse(&spec, o->name, why, sizeof(why)) ||
	    load(s, o, &spec, why, sizeof(why))) {
		snprintf(err, errlen, "shadow '%s': %s", o->name, why);
		free_shadow(s);
		return NULL;
	}
	/* No backend: its services cannot reach the machine (shadow.h). */
	services_init(&s->svc, s->lp.ops.name, &s->cfg, NULL, o->topo,
		      s->cfg.slice_us * 1000);
	s->svc.host.nr_cpus = o->nr_cpus;
	s->svc.host.now_ns = shadow_now_ns;
	s->svc.host.pick_idle_cpu = shadow_pick_idle_cpu;
	s->svc.host.nr_idle_cpus = shadow_nr_idle_cpus;
	s->svc.host.preempt_cpu = shadow_preempt_cpu;
	s->svc.host.fast_wake = 0; /* BPF takes no fast path for it */
	if (pthread_create(&s->thread, NULL, shadow_thread, s)) {
		snprintf(err, errlen, "shadow '%s': cannot start its thread", o->name);
		policy_unload(&s->lp);
		free_shadow(s);
		return NULL;
	}
	if (!wait_for(s, &s->init_done, o->cfg->watchdog_init_ms)) {
		snprintf(err, errlen, "shadow '%s': init() did not return within %u ms; abandoned",
			 o->name, o->cfg->watchdog_init_ms);
		pthread_detach(s->thread);
		return NULL; /* its thread may still run: never freed nor unloaded */
	}
	if (s->init_ret) {
		pthread_join(s->thread, NULL);
		snprintf(err, errlen, "shadow '%s': init() failed: %s", o->name,
			 s->init_ret < 0 ? strerror(-s->init_ret) : "a positive return");
		policy_unload(&s->lp);
		free_shadow(s);
		return NULL;
	}
	if (services_check_keys(&s->svc, &s->cfg, why, sizeof(why))) {
		snprintf(err, errlen, "shadow '%s': %s", o->name, why);
		if (stop_thread(s, NULL, false)) {
			policy_unload(&s->lp);
			free_shadow(s);
		}
		return NULL;
	}
	return s;
}

struct shadow_feed *shadow_feed_of(struct shadow *s)
{
	return &s->feed;
}

const char *shadow_name(const struct shadow *s)
{
	return s->spec;
}

void shadow_stop(struct shadow *s, struct decision_log *log, bool recording)
{
	struct shadow_report r;
	char line[512];

	if (!s)
		return;
	if (!stop_thread(s, log, recording)) {
		pl_warn("shadow '%s' is stuck in a callback: abandoned (never unloaded)",
			shadow_name(s));
		return;
	}
	shadow_report(s, &r);
	shadow_report_line(&r, line, sizeof(line));
	pl_info("%s", line);
	policy_unload(&s->lp);
	free_shadow(s);
}

void shadow_report(struct shadow *s, struct shadow_report *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", shadow_name(s));
	pthread_mutex_lock(&s->lock);
	r->t = s->cmp.t;
	r->nr_top = shadow_compare_top(&s->cmp, r->top, SHADOW_TOP_TASKS);
	r->rounds_unsynced = s->rounds_unsynced;
	r->refused = s->refused;
	r->invalid = s->invalid;
	r->out_of_sync = s->out_of_sync;
	pthread_mutex_unlock(&s->lock);
	r->dropped = atomic_load_explicit(&s->feed.dropped, memory_order_relaxed);
	r->log_dropped = atomic_load_explicit(&s->feed.log_dropped, memory_order_relaxed);
	r->logged = atomic_load_explicit(&s->feed.logged, memory_order_relaxed);
}

void shadow_report_line(const struct shadow_report *r, char *buf, size_t len)
{
	const struct shadow_totals *t = &r->t;
	double c = t->compared ? (double)t->compared : 1.0;

	snprintf(buf, len, "shadow '%s': %llu compared, %.1f%% agreed, differed by cpu %.1f%%, "
		 "slice %.1f%%, order %.1f%%; %llu dropped%s", r->name,
		 (unsigned long long)t->compared, 100.0 * (double)t->agreed / c,
		 100.0 * (double)t->diff_cpu / c, 100.0 * (double)t->diff_slice / c,
		 100.0 * (double)t->diff_order / c, (unsigned long long)r->dropped,
		 r->out_of_sync ? " (out of sync now)" : "");
}

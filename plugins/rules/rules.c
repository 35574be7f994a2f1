// SPDX-License-Identifier: GPL-2.0
/*
 * rules: scheduling policy as configuration. A rules file (ruleset.h)
 * gives tasks, by command name, pid, tgid or cgroup, a class:
 *   latency     dispatched before anything else, with a short slice, for
 *               as long as it runs in short bursts (latency_burst_us);
 *   normal      the deadline policy (plugins/common/edf.h);
 *   background  only when nothing else waits, or once it waited
 *               background_max_wait_ms (the kernel ejects a scheduler
 *               that leaves a task waiting 5 s);
 * and optionally a slice and a CPU set. Unmatched tasks are normal.
 *
 * Classification is cached per pid and redone when the comm or the rules
 * change. Rules that need /proc or a regex are decided by the resolver
 * thread (resolver.h); until it answers, the task is normal. SIGHUP
 * reloads the file: a bad one is refused with file:line and the old rules
 * stay.
 *
 * Config ([rules]): file, latency_slice_us, latency_burst_us,
 * background_max_wait_ms, proc_root, and the deadline keys; see
 * docs/policies.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <plugland/plugin.h>
#include "../common/cpu_gate.h"
#include "../common/edf.h"
#include "../common/plugin_conf.h"
#include "resolver.h"
#include "ruleset.h"

#define RESOLVER_RING 1024

enum verdict_state {
	VERDICT_KNOWN,		/* rule is final for (comm, gen) */
	VERDICT_ASKED,		/* the resolver will answer */
	VERDICT_UNASKED,	/* the resolver's ring was full: ask again */
};

/* The classification cache: pid -> this. */
struct verdict {
	char comm[PLUGLAND_COMM_LEN];
	uint32_t gen;		/* of the rules it was made with */
	int32_t rule;		/* index, -1 none */
	uint32_t state;
	uint64_t seen_ns;
};

/* One instance of the policy. */
struct rules_policy {
	const struct plugland_host *host;
	struct edf edf;
	struct cpu_gate gate;
	struct run_heap latency_q, normal_q, background_q;
	struct pid_table verdicts;
	uint32_t verdict_cursor;
	struct ruleset *rules;	/* NULL: no rules file */
	uint32_t rules_gen;
	struct resolver *resolver;
	uint64_t latency_slice_ns, latency_burst_ns, background_max_wait_ns;
};

/* Load the rules named by `file`; NULL rs and 0 when unset. */
static int load_rules(struct rules_policy *s, struct ruleset **rs)
{
	const char *path = conf_str(s->host, "file");
	char err[512];

	*rs = NULL;
	if (!path || !*path)
		return 0;
	*rs = ruleset_load(path, s->host->nr_cpus, err, sizeof(err));
	if (!*rs) {
		s->host->log(s->host, PLUGLAND_LOG_ERROR, "%s", err);
		return -EINVAL;
	}
	return 0;
}

static int read_settings(struct rules_policy *s, uint64_t *lat_slice, uint64_t *lat_burst,
			 uint64_t *bg_wait)
{
	uint64_t slice_us = 1000, burst_us = 5000, wait_ms = 1000;

	if (conf_u64(s->host, "latency_slice_us", 50, 1000000, &slice_us) ||
	    conf_u64(s->host, "latency_burst_us", 0, 10000000, &burst_us) ||
	    conf_u64(s->host, "background_max_wait_ms", 1, 4000, &wait_ms))
		return -EINVAL;
	*lat_slice = slice_us * 1000;
	*lat_burst = burst_us * 1000;
	*bg_wait = wait_ms * 1000000;
	return 0;
}

static void rules_exit(void *ctx)
{
	struct rules_policy *s = ctx;

	resolver_stop(s->resolver);
	s->resolver = NULL;
	ruleset_free(s->rules);
	s->rules = NULL;
	run_heap_fini(&s->latency_q);
	run_heap_fini(&s->normal_q);
	run_heap_fini(&s->background_q);
	pid_table_fini(&s->verdicts);
	edf_fini(&s->edf);
	free(s);
}

static int rules_init(const struct plugland_host *h, void **ctx)
{
	struct rules_policy *s = calloc(1, sizeof(*s));
	const char *proc_root;
	struct edf_params p;
	int ret;

	if (!s)
		return -ENOMEM;
	s->host = h;
	/* rules holds its tasks: preempting them stormed (docs/policies.md). */
	ret = edf_params_read(h, &p, false, 0, EDF_DEFAULT_MIN_SLICE_NS);
	if (!ret)
		ret = read_settings(s, &s->latency_slice_ns, &s->latency_burst_ns,
				    &s->background_max_wait_ns);
	if (!ret)
		ret = load_rules(s, &s->rules);
	if (ret) {
		free(s);
		return ret;
	}
	proc_root = conf_str(h, "proc_root");
	if (edf_init(&s->edf, &p) || run_heap_init(&s->latency_q, p.max_tasks) ||
	    run_heap_init(&s->normal_q, p.max_tasks) || run_heap_init(&s->background_q, p.max_tasks) ||
	    pid_table_init(&s->verdicts, p.max_tasks, sizeof(struct verdict)) ||
	    !(s->resolver = resolver_start(proc_root ? proc_root : "/proc", RESOLVER_RING))) {
		rules_exit(s);
		return -ENOMEM;
	}
	s->rules_gen = 1;
	resolver_set_rules(s->resolver, s->rules, s->rules_gen);
	/* The longest slice decides when holding tasks looks like a stall. */
	cpu_gate_init(&s->gate, h, p.slice_ns > s->latency_slice_ns ? p.slice_ns : s->latency_slice_ns);
	if (s->rules)
		h->log(h, PLUGLAND_LOG_INFO, "%u rules from %s", s->rules->nr, s->rules->path);
	*ctx = s;
	return 0;
}

/* The rule of t, -1 for none (or not known yet). Never blocks or allocates. */
static int classify(struct rules_policy *s, const struct plugland_task *t)
{
	struct resolve_msg m;
	struct verdict *v;
	bool created, unsure;
	int rule;

	if (!s->rules)
		return -1;
	v = pid_table_insert(&s->verdicts, t->pid, &created);
	if (v && !created && v->gen == s->rules_gen && !memcmp(v->comm, t->comm, PLUGLAND_COMM_LEN)) {
		v->seen_ns = t->enq_ns;
		if (v->state != VERDICT_UNASKED)
			return v->rule;
	} else {
		rule = ruleset_match_now(s->rules, t, &unsure);
		if (!v)
			return rule; /* no room to cache it: decide every time */
		memcpy(v->comm, t->comm, PLUGLAND_COMM_LEN);
		v->gen = s->rules_gen;
		v->rule = rule;
		v->seen_ns = t->enq_ns;
		v->state = VERDICT_KNOWN;
		if (!unsure)
			return rule;
	}
	/* The resolver decides; meanwhile the task is unmatched. */
	m = (struct resolve_msg){ .pid = t->pid, .tgid = t->tgid, .gen = s->rules_gen, .rule = -1 };
	memcpy(m.comm, t->comm, PLUGLAND_COMM_LEN);
	v->state = resolver_ask(s->resolver, &m) ? VERDICT_ASKED : VERDICT_UNASKED;
	return -1;
}

/* Answers of the resolver into the cache, if still about the same task. */
static void take_answers(struct rules_policy *s)
{
	struct resolve_msg m;
	struct verdict *v;

	while (resolver_answer(s->resolver, &m)) {
		v = pid_table_find(&s->verdicts, m.pid);
		if (v && v->gen == m.gen && v->gen == s->rules_gen && v->state == VERDICT_ASKED &&
		    !memcmp(v->comm, m.comm, PLUGLAND_COMM_LEN)) {
			v->rule = m.rule;
			v->state = VERDICT_KNOWN;
		}
	}
}

static int rules_enqueue(void *ctx, const struct plugland_task *t)
{
	struct rules_policy *s = ctx;
	struct edf_verdict ev;
	const struct rule *r;
	enum rule_class class;
	struct run_item it;
	int idx;

	if (s->latency_q.nr + s->normal_q.nr + s->background_q.nr >= s->normal_q.cap)
		return -ENOSPC;
	cpu_gate_enqueued(&s->gate, t);
	edf_account(&s->edf, t, &ev);
	idx = classify(s, t);
	r = idx >= 0 ? &s->rules->rules[idx] : NULL;
	class = r ? r->class : RULE_NORMAL;
	/* Latency-critical while it behaves so: a long burst demotes it. */
	if (class == RULE_LATENCY && ev.burst > s->latency_burst_ns)
		class = RULE_NORMAL;

	it = edf_item(t, &ev);
	if (r && r->slice_ns)
		it.d.slice_ns = r->slice_ns;
	else if (class == RULE_LATENCY)
		it.d.slice_ns = s->latency_slice_ns;
	if (r && r->cpus)
		it.pin_cpu = rule_cpu(s->rules, r, t->pid, t->cpu);
	switch (class) {
	case RULE_LATENCY:
		return run_heap_push(&s->latency_q, &it);
	case RULE_BACKGROUND:
		it.key = t->enq_ns; /* oldest first: see who starves */
		return run_heap_push(&s->background_q, &it);
	default:
		return run_heap_push(&s->normal_q, &it);
	}
}

/* The queue to take the next task from, or NULL. */
static struct run_heap *next_queue(struct rules_policy *s)
{
	const struct run_item *bg = run_heap_peek(&s->background_q);
	uint64_t now = s->host->now_ns(s->host);

	if (s->latency_q.nr)
		return &s->latency_q;
	if (bg && now > bg->key && now - bg->key >= s->background_max_wait_ns)
		return &s->background_q;
	if (s->normal_q.nr)
		return &s->normal_q;
	return bg ? &s->background_q : NULL;
}

static unsigned int rules_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	struct rules_policy *s = ctx;
	uint64_t waiting = s->latency_q.nr + s->normal_q.nr + s->background_q.nr;
	struct run_heap *q;
	unsigned int n = 0;

	take_answers(s);
	cpu_gate_begin(&s->gate);
	while (n < max && (q = next_queue(s)) &&
	       edf_release(&s->edf, q, &s->gate, waiting, q != &s->background_q, &out[n]))
		n++;
	return n;
}

static int rules_reconfigure(void *ctx)
{
	struct rules_policy *s = ctx;
	uint64_t lat_slice, lat_burst, bg_wait;
	struct ruleset *fresh, *old = s->rules;
	int ret;

	ret = read_settings(s, &lat_slice, &lat_burst, &bg_wait);
	if (!ret)
		ret = load_rules(s, &fresh);
	if (ret) {
		s->host->log(s->host, PLUGLAND_LOG_WARN, "reload refused: the previous rules stay");
		return ret;
	}
	/* One switch: the cache is stale from the new generation on, and the
	 * resolver stops using the old rules before they are freed. */
	s->rules = fresh;
	s->rules_gen++;
	resolver_set_rules(s->resolver, s->rules, s->rules_gen);
	ruleset_free(old);
	s->latency_slice_ns = lat_slice;
	s->latency_burst_ns = lat_burst;
	s->background_max_wait_ns = bg_wait;
	s->host->log(s->host, PLUGLAND_LOG_INFO, "%u rules from %s", s->rules ? s->rules->nr : 0,
		     s->rules ? s->rules->path : "(no file)");
	return 0;
}

static bool quiet_too_long(const void *val, void *ctx)
{
	return ((const struct verdict *)val)->seen_ns < *(const uint64_t *)ctx;
}

static void rules_tick(void *ctx, uint64_t now_ns)
{
	struct rules_policy *s = ctx;
	uint64_t now = now_ns, cutoff;

	edf_tick(&s->edf, now);
	if (now < s->edf.p.forget_ns)
		return;
	cutoff = now - s->edf.p.forget_ns;
	pid_table_sweep(&s->verdicts, &s->verdict_cursor, (s->verdicts.mask + 1) / 16, quiet_too_long,
			&cutoff);
}

/* BPF placed t itself (a safety net: rules asks for no fast path):
 * account it as a release would; background tasks do not move the clock. */
static void rules_kernel_decided(void *ctx, const struct plugland_task *t,
				 const struct plugland_dispatch *d, unsigned int reason)
{
	struct rules_policy *s = ctx;
	int idx = classify(s, t);

	(void)d;
	edf_kernel_decided(&s->edf, t, reason,
			   idx < 0 || s->rules->rules[idx].class != RULE_BACKGROUND);
}

static void rules_task_gone(void *ctx, int32_t pid)
{
	struct rules_policy *s = ctx;

	edf_forget(&s->edf, pid);
	pid_table_remove(&s->verdicts, pid);
}

PLUGLAND_POLICY(
	.name = "rules",
	.description = "classes from a rules file (comm, pid, cgroup); deadline for the rest",
	.init = rules_init,
	.enqueue = rules_enqueue,
	.dispatch = rules_dispatch,
	.exit = rules_exit,
	.tick = rules_tick,
	.task_gone = rules_task_gone,
	.kernel_decided = rules_kernel_decided,
	.reconfigure = rules_reconfigure,
);

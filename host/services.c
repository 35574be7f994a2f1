// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "decision_log.h"
#include "fast_wake.h"
#include "log.h"
#include "sched_loop.h"
#include "services.h"
#include "shadow.h"
#include "topology.h"

static const struct plugin_services *of(const struct plugland_host *h)
{
	return (const struct plugin_services *)((const char *)h - offsetof(struct plugin_services, host));
}

/* The backend this instance's host runs on now, or NULL (not attached). */
static struct backend *backend_of(const struct plugland_host *h)
{
	const struct plugin_services *s = of(h);

	return s->be ? *s->be : NULL;
}

/* The clock of task->enq_ns: a simulated machine keeps its own. */
static uint64_t svc_now_ns(const struct plugland_host *h)
{
	struct backend *be = backend_of(h);

	return be && be->ops->now_ns ? be->ops->now_ns(be) : pl_now_ns();
}

uint32_t services_nr_cpus(const struct backend *be)
{
	return be ? be->nr_cpus : (uint32_t)sysconf(_SC_NPROCESSORS_CONF);
}

static int svc_pick_idle_cpu(const struct plugland_host *h, const struct plugland_task *task)
{
	struct backend *be = backend_of(h);

	return be ? be->ops->pick_idle_cpu(be, task) : -1;
}

static int svc_preempt_cpu(const struct plugland_host *h, const struct plugland_task *task,
			   uint64_t vtime, uint64_t min_run_ns)
{
	struct backend *be = backend_of(h);

	if (!be || !be->ops->pick_preempt_cpu)
		return -1;
	return be->ops->pick_preempt_cpu(be, task, vtime, min_run_ns);
}

static void svc_set_wake_vtime(const struct plugland_host *h, const struct plugland_task *task,
			       uint64_t vtime)
{
	struct backend *be = backend_of(h);

	if (be && be->ops->set_wake_vtime && (h->fast_wake & PLUGLAND_POLICY_FAST_WAKE_VTIME))
		be->ops->set_wake_vtime(be, task->pid, task->exec_runtime, vtime);
}

static void svc_set_wake_rule(const struct plugland_host *h, const struct plugland_wake_rule *r)
{
	struct backend *be = backend_of(h);

	if (be && be->ops->set_wake_rule && (h->fast_wake & PLUGLAND_POLICY_FAST_WAKE_VTIME))
		be->ops->set_wake_rule(be, r);
}

static uint32_t svc_nr_idle_cpus(const struct plugland_host *h)
{
	struct backend *be = backend_of(h);

	return be && be->ops->nr_idle_cpus ? be->ops->nr_idle_cpus(be) : 0;
}

static int svc_cpu_topology(const struct plugland_host *h, int cpu, struct plugland_cpu_topology *out)
{
	return topology_get(of(h)->topo, cpu, out);
}

static struct plugin_services *of_mut(const struct plugland_host *h);

static void svc_log(const struct plugland_host *h, enum plugland_log_level level, const char *fmt, ...)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (level == PLUGLAND_LOG_ERROR)
		atomic_fetch_add(&of_mut(h)->nr_errors, 1);
	fprintf(stderr, "scx_plugland: %s: %s%s\n", of(h)->name,
		(unsigned)level < 4 ? tag[level] : "", line);
}

static struct plugin_services *of_mut(const struct plugland_host *h)
{
	return (struct plugin_services *)of(h);
}

/* Under keys_lock. */
static bool knows_key(const struct plugin_services *s, const char *key)
{
	unsigned int i;

	for (i = 0; i < s->nr_keys; i++)
		if (!strcmp(s->keys[i], key))
			return true;
	return false;
}

static const char *svc_config(const struct plugland_host *h, const char *key)
{
	struct plugin_services *s = of_mut(h);

	pthread_mutex_lock(&s->keys_lock);
	if (!knows_key(s, key)) {
		if (s->nr_keys < PLUGIN_MAX_KEYS && strlen(key) < sizeof(s->keys[0]))
			snprintf(s->keys[s->nr_keys++], sizeof(s->keys[0]), "%s", key);
		else
			s->keys_overflow = true;
	}
	pthread_mutex_unlock(&s->keys_lock);
	return s->cfg ? config_plugin_value(s->cfg, s->name, key) : NULL;
}

int services_check_keys(struct plugin_services *s, const struct config *cfg, char *err,
			size_t errlen)
{
	char where[320], known[512] = "";
	const struct config_kv *bad = NULL;
	unsigned int i;
	size_t n = 0;

	pthread_mutex_lock(&s->keys_lock);
	/* Past what we can remember, every key is given the benefit of the doubt. */
	for (i = 0; i < cfg->nr_extra && !bad && !s->keys_overflow; i++)
		if (!strcmp(cfg->extra[i].section, s->name) && !knows_key(s, cfg->extra[i].key))
			bad = &cfg->extra[i];
	for (i = 0; bad && i < s->nr_keys && n < sizeof(known); i++)
		n += snprintf(known + n, sizeof(known) - n, "%s%s", i ? ", " : "", s->keys[i]);
	pthread_mutex_unlock(&s->keys_lock);
	if (!bad)
		return 0;
	config_kv_where(cfg, bad, where, sizeof(where));
	if (*known)
		snprintf(err, errlen, "%s: [%s] %s: '%s' has no such setting (it reads: %s)", where,
			 bad->section, bad->key, s->name, known);
	else
		snprintf(err, errlen, "%s: [%s] %s: '%s' reads no settings", where, bad->section,
			 bad->key, s->name);
	return -1;
}

void services_settings_read(struct plugin_services *s, char *buf, size_t len)
{
	const struct config_kv *kv;
	char where[320];
	unsigned int i;
	size_t n = 0;

	*buf = 0;
	pthread_mutex_lock(&s->keys_lock);
	for (i = 0; s->cfg && i < s->nr_keys && n < len; i++) {
		kv = config_plugin_kv(s->cfg, s->name, s->keys[i]);
		if (!kv)
			continue;
		config_kv_where(s->cfg, kv, where, sizeof(where));
		n += snprintf(buf + n, len - n, "%s%s = %s (%s)", n ? ", " : "", kv->key, kv->value,
			      where);
	}
	pthread_mutex_unlock(&s->keys_lock);
}

void services_grant_fast_wake(struct plugin_services *s, uint32_t policy_flags)
{
	enum fast_wake_mode mode = s->cfg ? fast_wake_mode_of(s->cfg->idle_direct) : FAST_WAKE_AS_POLICY;
	uint32_t asked = policy_flags & FAST_WAKE_FLAGS;
	bool local = s->cfg ? s->cfg->local_queues : true;

	s->host.fast_wake = fast_wake_granted(policy_flags, mode, local);
	if (asked && !s->host.fast_wake && mode == FAST_WAKE_NEVER)
		pl_info("policy '%s' asks BPF to place waking tasks itself; "
			"[bpf] idle_direct = false: every wake-up goes to its enqueue()", s->name);
	else if ((asked & ~s->host.fast_wake) & PLUGLAND_POLICY_FAST_WAKE_QUEUE)
		pl_warn("policy '%s' asks for PLUGLAND_POLICY_FAST_WAKE_QUEUE with "
			"PLUGLAND_POLICY_ORDERED: refused (the ordered queue's order is a vtime "
			"only the policy computes); the waking tasks no idle CPU takes come to its enqueue()", s->name);
	else if ((asked & ~s->host.fast_wake) & PLUGLAND_POLICY_FAST_WAKE_LOCAL && !local)
		pl_info("policy '%s' asks for PLUGLAND_POLICY_FAST_WAKE_LOCAL; [bpf] local_queues = "
			"false: its queue path uses the one any-CPU queue", s->name);
	else if ((asked & ~s->host.fast_wake) & PLUGLAND_POLICY_FAST_WAKE_LOCAL)
		pl_warn("policy '%s' asks for PLUGLAND_POLICY_FAST_WAKE_LOCAL without a queue path "
			"(PLUGLAND_POLICY_FAST_WAKE_QUEUE, or _VTIME with PLUGLAND_POLICY_ORDERED): refused "
			"(it changes where that path queues)", s->name);
	else if ((asked & ~s->host.fast_wake) & PLUGLAND_POLICY_FAST_WAKE_VTIME)
		pl_warn("policy '%s' asks for PLUGLAND_POLICY_FAST_WAKE_VTIME without "
			"PLUGLAND_POLICY_ORDERED: refused (it places tasks in the ordered queue); "
			"the waking tasks no idle CPU takes come to its enqueue()", s->name);
}

/* The loop's counters, as for_each_counter() names them. */
static const struct {
	const char *name, *help;
	size_t off;
} loop_counters[] = {
#define LOOP_COUNTER(f, help) { "loop_" #f, help, offsetof(struct sched_stats, nr_##f) }
	LOOP_COUNTER(enqueued, "Tasks the policy accepted."),
	LOOP_COUNTER(dispatched, "Decisions sent to the kernel."),
	LOOP_COUNTER(refused, "Tasks the policy refused: the host dispatched them."),
	LOOP_COUNTER(invalid, "Decisions fixed up (a bad CPU, more than the policy held)."),
	LOOP_COUNTER(backlog, "Times the kernel's queue was full and decisions waited."),
	LOOP_COUNTER(rounds, "Rounds of the scheduling loop."),
	LOOP_COUNTER(ticks, "Ticks given to the policy."),
	LOOP_COUNTER(untracked, "Tasks a policy switch could not move (held set full)."),
	LOOP_COUNTER(gone, "Task exits reported to the policy."),
	LOOP_COUNTER(switches, "Policy switches while attached."),
	LOOP_COUNTER(starved, "Tasks held past max_wait_ms: dispatched by the host."),
	LOOP_COUNTER(dropped, "Stale or untracked tasks dropped at a policy switch."),
	LOOP_COUNTER(by_kernel, "Placements BPF made itself, told to the policy afterwards."),
#undef LOOP_COUNTER
};

static int svc_for_each_counter(const struct plugland_host *h, plugland_counter_fn fn, void *arg)
{
	const struct plugin_services *s = (const void *)h;
	struct host_view *v = s->view;
	struct plugland_counters c;
	char name[64];
	int n = 0;
	size_t i;

	if (!v)
		return -ENOTSUP;
	pthread_mutex_lock(&v->lock);
	if (v->loop) {
		for (i = 0; i < sizeof(loop_counters) / sizeof(loop_counters[0]); i++, n++)
			fn(arg, loop_counters[i].name, loop_counters[i].help,
			   *(const uint64_t *)((const char *)&v->loop->st + loop_counters[i].off), 0);
		fn(arg, "loop_in_flight", "Tasks taken from the kernel and not yet handed back.",
		   sched_loop_in_flight(v->loop), 1);
		n++;
	}
	if (v->shadow) { /* counts since it started: a new one starts at 0 */
		struct shadow_report r;

		shadow_report(v->shadow, &r);
		fn(arg, "shadow_compared", "Decisions compared with the shadow policy's.", r.t.compared, 0);
		fn(arg, "shadow_agreed", "Of them, the same CPU, slice and place.", r.t.agreed, 0);
		fn(arg, "shadow_differed_cpu", "Of them, another CPU.", r.t.diff_cpu, 0);
		fn(arg, "shadow_differed_slice", "Of them, another slice.", r.t.diff_slice, 0);
		fn(arg, "shadow_differed_order", "Of them, another place in the round (or only one side "
		   "released the task).", r.t.diff_order, 0);
		fn(arg, "shadow_dropped", "Feed entries the loop could not hand the shadow (it was behind).",
		   r.dropped, 0);
		n += 6;
	}
	if (v->be && !backend_counters(v->be, &c)) {
#define KERNEL_COUNTER(f, where, what)                                   \
		snprintf(name, sizeof(name), "kernel_%s", #f + 3); /* no nr_ */ \
		fn(arg, name, what, c.f, 0);                                      \
		n++;
		PL_COUNTERS(KERNEL_COUNTER)
#undef KERNEL_COUNTER
	}
	pthread_mutex_unlock(&v->lock);
	return n;
}

static int svc_policy_name(const struct plugland_host *h, uint16_t policy_id, char *buf, size_t len)
{
	const struct plugin_services *s = (const void *)h;
	struct host_view *v = s->view;
	int ret = -ENOENT;

	if (!v || !len)
		return -ENOENT;
	pthread_mutex_lock(&v->lock);
	if (v->log && decision_log_policy_name(v->log, policy_id, buf, len))
		ret = 0;
	pthread_mutex_unlock(&v->lock);
	return ret;
}

void services_init(struct plugin_services *s, const char *name, const struct config *cfg,
		   struct backend *const *be, const struct topology *topo,
		   uint64_t default_slice_ns)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->keys_lock, NULL);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->cfg = cfg;
	s->be = be;
	s->topo = topo;
	s->host.sz = sizeof(s->host);
	s->host.abi_version = PLUGLAND_ABI_VERSION;
	s->host.nr_cpus = services_nr_cpus(be ? *be : NULL);
	s->host.default_slice_ns = default_slice_ns;
	s->host.now_ns = svc_now_ns;
	s->host.pick_idle_cpu = svc_pick_idle_cpu;
	s->host.log = svc_log;
	s->host.config = svc_config;
	s->host.cpu_topology = svc_cpu_topology;
	s->host.nr_idle_cpus = svc_nr_idle_cpus;
	s->host.preempt_cpu = svc_preempt_cpu;
	s->host.for_each_counter = svc_for_each_counter;
	s->host.policy_name = svc_policy_name;
	s->host.set_wake_vtime = svc_set_wake_vtime;
	s->host.set_wake_rule = svc_set_wake_rule;
}

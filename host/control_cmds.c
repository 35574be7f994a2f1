// SPDX-License-Identifier: GPL-2.0
/* What the control socket's commands do. See control.h for the transport. */
#include <errno.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>
#include "bpf_backend.h"
#include "clock.h"
#include "host.h"
#include "log.h"

#define DEFAULT_DUMP_NOW "/var/tmp/plugland-now.dump"

static const char *const help[][2] = {
	{ "status", "policy, uptime, failsafe state, plugin settings, main counters" },
	{ "stats", "every counter of the kernel side and of the loop (a consistent snapshot)" },
	{ "switch POLICY", "replace the policy while attached; its tasks move over" },
	{ "reload", "re-read the ini file's plugin sections (like SIGHUP)" },
	{ "set SECTION.KEY=VALUE", "change one plugin setting and reconfigure" },
	{ "shadow [POLICY|off]", "the shadow policy's report; start or replace one; stop it" },
	{ "debug start|stop", "start or stop recording decisions in the decision log" },
	{ "dump [PATH]", "write the decision log to PATH now (default " DEFAULT_DUMP_NOW ")" },
	{ "help", "this list" },
};

bool control_command_needs_sched(const char *cmd)
{
	/* stats too: one consistent snapshot of the loop's counters */
	return !strcmp(cmd, "switch") || !strcmp(cmd, "reload") || !strcmp(cmd, "set") ||
	       !strcmp(cmd, "stats") || !strcmp(cmd, "shadow");
}

static cJSON *reply_ok(void)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddBoolToObject(r, "ok", true);
	return r;
}

static cJSON *reply_error(const char *msg)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddBoolToObject(r, "ok", false);
	cJSON_AddStringToObject(r, "error", msg);
	return r;
}

#define ADD(obj, s, f) cJSON_AddNumberToObject(obj, #f, (double)(s).f)

static void add_counters(struct host *h, cJSON *r, bool all)
{
	struct plugland_counters c;
	cJSON *o;

	if (backend_counters(h->be, &c))
		return;
	o = cJSON_AddObjectToObject(r, "kernel");
#define ADD_COUNTER(name, where, what) \
	if (all || (where) == PL_CTR_STATUS) \
		cJSON_AddNumberToObject(o, #name, (double)c.name);
	PL_COUNTERS(ADD_COUNTER)
#undef ADD_COUNTER
}

/* The loop's counters are read from another thread: approximate. */
static void add_loop(struct host *h, cJSON *r, bool all)
{
	const struct sched_loop *l = &h->loop;
	cJSON *o = cJSON_AddObjectToObject(r, "loop");

	ADD(o, l->st, nr_enqueued);
	ADD(o, l->st, nr_dispatched);
	ADD(o, l->st, nr_refused);
	ADD(o, l->st, nr_switches);
	cJSON_AddNumberToObject(o, "held", (double)l->nr_held);
	cJSON_AddNumberToObject(o, "in_flight", (double)sched_loop_in_flight(l));
	if (!all)
		return;
	ADD(o, l->st, nr_invalid);
	ADD(o, l->st, nr_backlog);
	ADD(o, l->st, nr_rounds);
	ADD(o, l->st, nr_ticks);
	ADD(o, l->st, nr_untracked);
	ADD(o, l->st, nr_gone);
	ADD(o, l->st, nr_starved);
	ADD(o, l->st, nr_dropped);
	ADD(o, l->st, nr_by_kernel);
	ADD(o, l->st, nr_task_events);
}

/*
 * The decision log: what was appended and dropped, and, off the
 * scheduling thread only (it takes each runner's lock), how far each
 * async plugin got: consumed + lost + pending == appended when its report
 * was taken (a little after "appended" above). A stuck plugin's lost
 * grows with the head; in_consume (part of pending) is what its
 * unfinished consume() call holds.
 */
static void add_log(struct host *h, cJSON *r, bool on_sched)
{
	const struct observers *o = &h->obs;
	struct async_report rep;
	cJSON *lo, *cs, *c;
	unsigned int i;

	if (!o->log)
		return;
	lo = cJSON_AddObjectToObject(r, "log");
	cJSON_AddNumberToObject(lo, "capacity", (double)o->log->capacity);
	cJSON_AddNumberToObject(lo, "appended", (double)decision_log_head(o->log));
	cJSON_AddNumberToObject(lo, "dropped", (double)decision_log_dropped(o->log));
	cJSON_AddBoolToObject(lo, "recording", atomic_load(&h->loop.recording));
	if (on_sched)
		return;
	cs = cJSON_AddObjectToObject(lo, "consumers");
	for (i = 0; i < o->nr; i++) {
		if (!o->runners[i])
			continue;
		async_runner_progress(o->runners[i], &rep);
		c = cJSON_AddObjectToObject(cs, rep.name);
		cJSON_AddNumberToObject(c, "consumed", (double)rep.nr_consumed);
		cJSON_AddNumberToObject(c, "lost", (double)rep.nr_lost);
		cJSON_AddNumberToObject(c, "pending", (double)rep.nr_pending);
		cJSON_AddNumberToObject(c, "in_consume", (double)rep.nr_in_call);
	}
}

/* The plugin settings in effect, by section: what reload and set changed. */
static void add_settings(struct host *h, cJSON *r)
{
	const struct config *c = h->o.cfg;
	cJSON *all = cJSON_AddObjectToObject(r, "settings"), *sec;
	unsigned int i;

	for (i = 0; i < c->nr_extra; i++) {
		const struct config_kv *kv = &c->extra[i];

		sec = cJSON_GetObjectItemCaseSensitive(all, kv->section);
		if (!sec)
			sec = cJSON_AddObjectToObject(all, kv->section);
		cJSON_DeleteItemFromObjectCaseSensitive(sec, kv->key);
		cJSON_AddStringToObject(sec, kv->key, kv->value);
	}
}

/* What the shadow policy would have done: counts, and the tasks it
 * disagreed most about. On the scheduling thread: h->shadow stays put. */
static void add_shadow(cJSON *r, struct host *h)
{
	struct shadow_report rep;
	cJSON *o, *d, *tasks, *t;
	char key[64];
	unsigned int i;

	shadow_report(h->shadow, &rep);
	o = cJSON_AddObjectToObject(r, "shadow");
	cJSON_AddStringToObject(o, "policy", rep.name);
	cJSON_AddStringToObject(o, "real_policy", h->loop.policy->name);
	cJSON_AddBoolToObject(o, "in_sync", !rep.out_of_sync);
	cJSON_AddNumberToObject(o, "rounds", (double)rep.t.rounds);
	cJSON_AddNumberToObject(o, "rounds_unsynced", (double)rep.rounds_unsynced);
	cJSON_AddNumberToObject(o, "compared", (double)rep.t.compared);
	cJSON_AddNumberToObject(o, "agreed", (double)rep.t.agreed);
	d = cJSON_AddObjectToObject(o, "differed");
	cJSON_AddNumberToObject(d, "cpu", (double)rep.t.diff_cpu);
	cJSON_AddNumberToObject(d, "slice", (double)rep.t.diff_slice);
	cJSON_AddNumberToObject(d, "order", (double)rep.t.diff_order);
	cJSON_AddNumberToObject(o, "real_decisions", (double)rep.t.nr_real);
	cJSON_AddNumberToObject(o, "shadow_decisions", (double)rep.t.nr_shadow);
	cJSON_AddNumberToObject(o, "dropped", (double)rep.dropped);
	cJSON_AddNumberToObject(o, "log_dropped", (double)rep.log_dropped);
	cJSON_AddNumberToObject(o, "logged", (double)rep.logged);
	cJSON_AddNumberToObject(o, "refused", (double)rep.refused);
	cJSON_AddNumberToObject(o, "invalid", (double)rep.invalid);
	cJSON_AddNumberToObject(o, "untracked", (double)rep.t.untracked);
	tasks = cJSON_AddObjectToObject(o, "top_tasks");
	for (i = 0; i < rep.nr_top; i++) {
		const struct shadow_task_stats *s = &rep.top[i];
		char comm[PLUGLAND_COMM_LEN + 1];
		unsigned int k;

		for (k = 0; k < PLUGLAND_COMM_LEN && s->comm[k]; k++)
			comm[k] = s->comm[k] >= 0x20 && s->comm[k] < 0x7f ? s->comm[k] : '?';
		comm[k] = 0;
		snprintf(key, sizeof(key), "%d %s", s->pid, k ? comm : "-");
		t = cJSON_AddObjectToObject(tasks, key);
		cJSON_AddNumberToObject(t, "real", (double)s->nr_real);
		cJSON_AddNumberToObject(t, "shadow", (double)s->nr_shadow);
		cJSON_AddNumberToObject(t, "agreed", (double)s->nr_agreed);
		cJSON_AddNumberToObject(t, "differed_cpu", (double)s->diff_cpu);
		cJSON_AddNumberToObject(t, "differed_slice", (double)s->diff_slice);
		cJSON_AddNumberToObject(t, "differed_order", (double)s->diff_order);
		cJSON_AddNumberToObject(t, "real_slice_us", s->nr_real ?
					(double)s->real_slice_ns / (double)s->nr_real / 1e3 : 0.0);
		cJSON_AddNumberToObject(t, "shadow_slice_us", s->nr_shadow ?
					(double)s->shadow_slice_ns / (double)s->nr_shadow / 1e3 : 0.0);
		cJSON_AddNumberToObject(t, "shadow_any_cpu", (double)s->nr_shadow_any);
		cJSON_AddNumberToObject(t, "real_cpu_last", s->real_cpu);
		cJSON_AddNumberToObject(t, "shadow_cpu_last", s->shadow_cpu);
	}
}

static cJSON *shadow_cmd(struct host *h, const char *arg)
{
	char err[512];
	cJSON *r;

	if (!*arg) {
		if (!h->shadow)
			return reply_error("no shadow policy runs ('shadow POLICY' starts one)");
		r = reply_ok();
		add_shadow(r, h);
		return r;
	}
	if (!strcmp(arg, "off")) {
		if (!h->shadow)
			return reply_error("no shadow policy runs");
		r = reply_ok();
		add_shadow(r, h); /* the last report */
		host_shadow_stop(h);
		return r;
	}
	if (host_shadow_start(h, arg, err, sizeof(err)))
		return reply_error(err);
	r = reply_ok();
	cJSON_AddStringToObject(r, "shadow", arg);
	cJSON_AddStringToObject(r, "real_policy", h->loop.policy->name);
	return r;
}

static cJSON *status(struct host *h, bool all, bool on_sched)
{
	cJSON *r = reply_ok();

	cJSON_AddStringToObject(r, "policy", h->loop.policy->name);
	cJSON_AddStringToObject(r, "policy_path", host_active_slot(h)->lp.path);
	if (on_sched && h->shadow) /* h->shadow changes on the scheduling thread only */
		cJSON_AddStringToObject(r, "shadow_policy", shadow_name(h->shadow));
	cJSON_AddNumberToObject(r, "uptime_s", (double)(pl_now_ns() - h->attached_ns) / 1e9);
	cJSON_AddNumberToObject(r, "cpus", h->be->nr_cpus);
	cJSON_AddBoolToObject(r, "failsafe", backend_failsafe(h->be));
	add_settings(h, r);
	add_counters(h, r, all);
	add_loop(h, r, all);
	add_log(h, r, on_sched);
	return r;
}

cJSON *control_command(void *ctx, const char *cmd, const char *arg, bool on_sched)
{
	struct host *h = ctx;
	char err[512];
	cJSON *r, *list;
	size_t i;

	if (!strcmp(cmd, "status") || !strcmp(cmd, "stats"))
		return status(h, !strcmp(cmd, "stats"), on_sched);
	if (!strcmp(cmd, "help")) {
		r = reply_ok();
		list = cJSON_AddObjectToObject(r, "commands");
		for (i = 0; i < sizeof(help) / sizeof(help[0]); i++)
			cJSON_AddStringToObject(list, help[i][0], help[i][1]);
		return r;
	}
	if (!strcmp(cmd, "switch")) {
		if (!*arg)
			return reply_error("switch: which policy? (switch NAME)");
		if (host_switch_policy(h, arg, err, sizeof(err)))
			return reply_error(err);
		r = reply_ok();
		cJSON_AddStringToObject(r, "policy", h->loop.policy->name);
		cJSON_AddNumberToObject(r, "moved", (double)h->loop.nr_held);
		return r;
	}
	if (!strcmp(cmd, "shadow"))
		return shadow_cmd(h, arg);
	if (!strcmp(cmd, "reload"))
		return host_reload(h, err, sizeof(err)) ? reply_error(err) : reply_ok();
	if (!strcmp(cmd, "set"))
		return host_set(h, arg, err, sizeof(err)) ? reply_error(err) : reply_ok();
	if (!strcmp(cmd, "debug")) {
		if (!h->obs.log)
			return reply_error("there is no decision log ([log] capacity = 0)");
		if (strcmp(arg, "start") && strcmp(arg, "stop"))
			return reply_error("debug: start or stop");
		atomic_store(&h->loop.recording, !strcmp(arg, "start"));
		r = reply_ok();
		cJSON_AddBoolToObject(r, "recording", !strcmp(arg, "start"));
		return r;
	}
	if (!strcmp(cmd, "dump")) {
		struct decision_log_dump_result res;
		const char *path = *arg ? arg : DEFAULT_DUMP_NOW;

		if (!h->obs.log)
			return reply_error("there is no decision log ([log] capacity = 0)");
		if (decision_log_dump(h->obs.log, path, &res, err, sizeof(err)))
			return reply_error(err);
		r = reply_ok();
		cJSON_AddStringToObject(r, "path", path);
		cJSON_AddNumberToObject(r, "records", (double)(res.head - res.first));
		cJSON_AddNumberToObject(r, "seconds", res.seconds);
		return r;
	}
	snprintf(err, sizeof(err), "unknown command '%.64s'; try 'help'", cmd);
	return reply_error(err);
}

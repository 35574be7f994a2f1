// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "culprit.h"
#include "log.h"
#include "policy_slot.h"

/* While attached, the watchdog times what the host runs on the
 * scheduling thread outside the loop (with its longer limit). */
static void watch_slot_call(struct policy_slot *s, const char *plugin, const char *callback)
{
	if (!s->watch)
		return;
	atomic_store_explicit(&s->watch->plugin, plugin, memory_order_relaxed);
	policy_watch_enter(s->watch, callback);
}

static void unwatch_slot_call(struct policy_slot *s)
{
	if (!s->watch)
		return;
	policy_watch_leave(s->watch);
	atomic_store_explicit(&s->watch->plugin, NULL, memory_order_relaxed);
}

static int call_init(struct policy_slot *s)
{
	int ret;

	watch_slot_call(s, s->lp.ops.name, "init");
	culprit_enter(s->lp.id, "init");
	ret = s->lp.ops.init(&s->svc.host, &s->ctx);
	culprit_leave();
	unwatch_slot_call(s);
	return ret;
}

static void call_exit(struct policy_slot *s)
{
	watch_slot_call(s, s->lp.ops.name, "exit");
	culprit_enter(s->lp.id, "exit");
	s->lp.ops.exit(s->ctx);
	culprit_leave();
	unwatch_slot_call(s);
}

/* init() with the policy's ini section, or on its defaults (section false). */
static int init_slot(struct policy_slot *s, const struct config *cfg, bool section)
{
	int ret;

	services_init(&s->svc, s->lp.ops.name, cfg, s->be, s->topo, cfg->slice_us * 1000);
	s->svc.view = s->view;
	services_grant_fast_wake(&s->svc, s->lp.ops.flags);
	if (!section)
		s->svc.cfg = NULL;
	s->abandoned = false;
	s->ctx = NULL;
	ret = call_init(s);
	s->open = ret == 0;
	return ret;
}

/* "PATH: init() failed: what its return value says (the settings it read)" */
static void init_failed(char *err, size_t errlen, struct policy_slot *s, int ret)
{
	char settings[1024];

	services_settings_read(&s->svc, settings, sizeof(settings));
	snprintf(err, errlen, "%s: init() failed: %s%s%s%s", s->lp.path,
		 ret < 0 ? strerror(-ret) : "a positive return (0 or a negative errno expected)",
		 *settings ? " (its settings: " : "", settings, *settings ? ")" : "");
}

/* init() with the section, which must hold only keys the policy read. */
static int open_slot(struct policy_slot *s, const struct config *cfg, char *err, size_t errlen)
{
	int ret = init_slot(s, cfg, true);

	if (ret) {
		init_failed(err, errlen, s, ret);
		return -EINVAL;
	}
	if (services_check_keys(&s->svc, cfg, err, errlen)) {
		call_exit(s);
		s->open = false;
		return -ENOKEY;
	}
	return 0;
}

void policy_load_builtin(struct loaded_policy *lp)
{
	memset(lp, 0, sizeof(*lp));
	lp->ops = plugland_builtin_fifo;
	snprintf(lp->path, sizeof(lp->path), "built-in");
}

static void load_builtin(struct policy_slot *s)
{
	policy_load_builtin(&s->lp);
}

int policy_slot_open_builtin(struct policy_slot *s, const struct config *cfg, char *err,
			     size_t errlen)
{
	load_builtin(s);
	return open_slot(s, cfg, err, errlen) ? -1 : 0;
}

int policy_slot_open_given(struct policy_slot *s, const struct config *cfg,
			   const struct plugland_policy *policy, char *err, size_t errlen)
{
	memset(&s->lp, 0, sizeof(s->lp));
	if (policy_check(policy, &s->lp.ops, err, errlen))
		return -1;
	snprintf(s->lp.path, sizeof(s->lp.path), "given by the caller");
	return open_slot(s, cfg, err, errlen) ? -1 : 0;
}

int policy_slot_open_fallback(struct policy_slot *s, const struct config *cfg)
{
	char err[PATH_MAX + 1024];

	load_builtin(s);
	if (!open_slot(s, cfg, err, sizeof(err)))
		return 0;
	/* A fallback must not fail on a setting nobody meant for it. */
	pl_warn("%s; the built-in fifo runs on its defaults", err);
	return init_slot(s, cfg, false) ? -1 : 0;
}

int policy_slot_open(struct policy_slot *s, const struct config *cfg, const char *name,
		     char *err, size_t errlen)
{
	int ret;

	watch_slot_call(s, name, "load");
	ret = policy_load(cfg->plugin_dir, name, &s->lp, err, errlen);
	unwatch_slot_call(s);

	if (ret == -ENOENT && !strcmp(name, plugland_builtin_fifo.name))
		return policy_slot_open_builtin(s, cfg, err, errlen); /* no fifo.so */
	if (ret)
		return -1;
	if (open_slot(s, cfg, err, errlen)) {
		policy_unload(&s->lp);
		return -1;
	}
	return 0;
}

int policy_slot_open_configured(struct policy_slot *s, const struct config *cfg)
{
	char err[PATH_MAX + 1024];
	int ret;

	if (!*cfg->policy) {
		if (cfg->strict) {
			pl_err("no policy configured ([scheduler] policy) and strict = true");
			return 2;
		}
		pl_warn("no policy configured; using the built-in fifo");
		goto builtin;
	}
	ret = policy_load(cfg->plugin_dir, cfg->policy, &s->lp, err, sizeof(err));
	if (ret == -ENOENT && !strcmp(cfg->policy, plugland_builtin_fifo.name))
		goto builtin; /* "fifo" with no fifo.so around: no warning */
	if (!ret) {
		ret = open_slot(s, cfg, err, sizeof(err));
		if (!ret)
			return 0;
		policy_unload(&s->lp);
		if (ret == -ENOKEY) { /* a typo in the file, not a broken policy */
			pl_err("%s", err);
			return 2;
		}
	}
	if (cfg->strict) {
		pl_err("policy '%s': %s", cfg->policy, err);
		return 2;
	}
	pl_warn("policy '%s': %s; using the built-in fifo", cfg->policy, err);
	return policy_slot_open_fallback(s, cfg) ? 1 : 0;
builtin:
	/* The built-in chosen (or no choice made): its section must be right. */
	if (policy_slot_open_builtin(s, cfg, err, sizeof(err))) {
		pl_err("%s", err);
		return 2;
	}
	return 0;
}

int policy_slot_restart(struct policy_slot *s)
{
	call_exit(s);
	s->ctx = NULL;
	s->open = call_init(s) == 0;
	return s->open ? 0 : -EINVAL;
}

void policy_slot_close(struct policy_slot *s)
{
	if (s->open && !s->abandoned) {
		call_exit(s);
		policy_unload(&s->lp);
	}
	s->open = false;
}

bool plugin_exists(const char *name, const void *dirs)
{
	char path[PATH_MAX], err[PATH_MAX + 128];
	int ret;

	if (!strcmp(name, plugland_builtin_fifo.name))
		return true;
	ret = plugin_find(dirs, name, path, sizeof(path), err, sizeof(err));
	return ret != -ENOENT && ret != -EINVAL;
}

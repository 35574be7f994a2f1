// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "policy_slot.h"

static int init_slot(struct policy_slot *s, const struct config *cfg)
{
	services_init(&s->svc, s->lp.ops.name, cfg, (uint32_t)sysconf(_SC_NPROCESSORS_CONF),
		      cfg->slice_us * 1000);
	int ret;

	s->abandoned = false;
	ret = s->lp.ops.init(&s->svc.host);
	s->open = ret == 0;
	return ret;
}

/* "PATH: init() failed: what its return value says" */
static void init_failed(char *err, size_t errlen, const struct policy_slot *s, int ret)
{
	snprintf(err, errlen, "%s: init() failed: %s", s->lp.path,
		 ret < 0 ? strerror(-ret) : "a positive return (0 or a negative errno expected)");
}

int policy_slot_open_builtin(struct policy_slot *s, const struct config *cfg)
{
	memset(&s->lp, 0, sizeof(s->lp));
	s->lp.ops = plugland_builtin_fifo;
	snprintf(s->lp.path, sizeof(s->lp.path), "built-in");
	return init_slot(s, cfg);
}

int policy_slot_open(struct policy_slot *s, const struct config *cfg, const char *name,
		     char *err, size_t errlen)
{
	int ret = policy_load(cfg->plugin_dir, name, &s->lp, err, errlen);

	if (ret == -ENOENT && !strcmp(name, plugland_builtin_fifo.name))
		return policy_slot_open_builtin(s, cfg); /* no fifo.so: the built-in */
	if (ret)
		return -1;
	if ((ret = init_slot(s, cfg))) {
		init_failed(err, errlen, s, ret);
		policy_unload(&s->lp);
		return -1;
	}
	return 0;
}

int policy_slot_open_configured(struct policy_slot *s, const struct config *cfg)
{
	char err[PATH_MAX + 256];
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
		if (!(ret = init_slot(s, cfg)))
			return 0;
		init_failed(err, sizeof(err), s, ret);
		policy_unload(&s->lp);
	}
	if (cfg->strict) {
		pl_err("policy '%s': %s", cfg->policy, err);
		return 2;
	}
	pl_warn("policy '%s': %s; using the built-in fifo", cfg->policy, err);
builtin:
	if (policy_slot_open_builtin(s, cfg)) {
		pl_err("the built-in fifo failed to initialise");
		return 1;
	}
	return 0;
}

int policy_slot_restart(struct policy_slot *s)
{
	s->lp.ops.exit();
	s->open = s->lp.ops.init(&s->svc.host) == 0;
	return s->open ? 0 : -EINVAL;
}

void policy_slot_close(struct policy_slot *s)
{
	if (s->open && !s->abandoned) {
		s->lp.ops.exit();
		policy_unload(&s->lp);
	}
	s->open = false;
}

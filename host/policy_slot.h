/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A policy's life in the host: found and loaded (plugin or built-in),
 * given its services, initialised, and ended with exit() and dlclose() --
 * unless it was abandoned (stuck or crashed), then it is never called or
 * unloaded again.
 */
#ifndef PLUGLAND_POLICY_SLOT_H
#define PLUGLAND_POLICY_SLOT_H

#include <stdbool.h>
#include "config.h"
#include "plugin_loader.h"
#include "sched_loop.h"
#include "services.h"

struct policy_slot {
	struct loaded_policy lp; /* lp.ops is the policy the loop calls */
	void *ctx;		 /* what lp.ops.init() stored, while open */
	struct plugin_services svc;
	/* Set by the owner before opening: where the backend the policy
	 * runs on will be (its services read it), or NULL for none. */
	struct backend *const *be;
	const struct topology *topo;	/* the machine's, for cpu_topology() */
	struct host_view *view;		/* for for_each_counter(), policy_name() */
	/* Set by the owner while attached: the loop's watch, which then
	 * times this slot's load, init() and exit() (watchdog.h). */
	struct policy_watch *watch;
	bool open;
	bool abandoned;
};

extern const struct plugland_policy plugland_builtin_fifo;

/* lp is the built-in fifo (what "fifo" means with no fifo.so around). */
void policy_load_builtin(struct loaded_policy *lp);

/*
 * The configured policy with the fallback rules (warning and the built-in
 * fifo, or with strict = true an error). A key of its section that it
 * does not read is an error either way. 0, or the exit status (1 or 2).
 */
int policy_slot_open_configured(struct policy_slot *s, const struct config *cfg);
/* Policy `name` exactly, no fallback (switching while attached): 0, or -1
 * with one line in err. */
int policy_slot_open(struct policy_slot *s, const struct config *cfg, const char *name,
		     char *err, size_t errlen);
/* The built-in fifo, chosen: with its [fifo] section, checked. 0, or -1
 * with one line in err. */
int policy_slot_open_builtin(struct policy_slot *s, const struct config *cfg, char *err,
			     size_t errlen);
/* A policy the caller hands over (tests: a wrapper, a policy built into
 * the test), checked as a plugin's descriptor is, with its section. 0, or
 * -1 with one line in err. */
int policy_slot_open_given(struct policy_slot *s, const struct config *cfg,
			   const struct plugland_policy *policy, char *err, size_t errlen);
/* The built-in fifo as the fallback: when its [fifo] section is wrong,
 * warns and runs on its defaults. 0, or -1. */
int policy_slot_open_fallback(struct policy_slot *s, const struct config *cfg);
/* exit() then init() again (after a kernel restart). 0 or a negative errno. */
int policy_slot_restart(struct policy_slot *s);
void policy_slot_close(struct policy_slot *s);

/* A plugin section's name: the built-in fifo, or a NAME.so in the plugin
 * folders `dirs` (unsafe or broken ones included: loading them says what
 * is wrong). The shape config_check_sections() takes. */
bool plugin_exists(const char *name, const void *dirs);

#endif

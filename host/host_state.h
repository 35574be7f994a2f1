/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the scheduling thread works with while attached: the
 * configuration, two policy slots (the active one and the one a switch
 * opens next), the loop and the backend. Changed only on the scheduling
 * thread (SIGHUP reloads, watchdog recoveries, control commands run there).
 */
#ifndef PLUGLAND_HOST_STATE_H
#define PLUGLAND_HOST_STATE_H

#include <cjson/cJSON.h>
#include "backend.h"
#include "observers.h"
#include "config.h"
#include "policy_slot.h"
#include "sched_loop.h"

struct host_state {
	struct config *cfg;
	struct policy_slot slots[2];
	int active;
	struct sched_loop *loop;
	struct backend *be;
	uint64_t attached_ns;
	struct observers obs;
	uint16_t next_policy_id;	/* the decision log's name for the next policy */
};

extern struct host_state host;

static inline struct policy_slot *active_slot(void)
{
	return &host.slots[host.active];
}

/* Re-read the ini file's plugin sections and reconfigure the policy.
 * 0, or -1 with a message in err. */
int host_reload(char *err, size_t errlen);
/* `ctl set SECTION.KEY=VALUE` of a plugin section, checked and applied
 * like a reload. 0, or -1 with one line in err. */
int host_set(const char *assignment, char *err, size_t errlen);
/* Switch to policy `name` with the held tasks. 0, or -1 with err. */
int host_switch_policy(const char *name, char *err, size_t errlen);

/* The control socket's commands (control.h's handler and predicate). */
cJSON *control_command(void *ctx, const char *cmd, const char *arg, bool on_sched);
bool control_command_needs_sched(const char *cmd);

#endif

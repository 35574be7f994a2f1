/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PLUGLAND_COMMANDS_H
#define PLUGLAND_COMMANDS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <plugland/plugin.h>
#include "config.h"

/* --list-plugins: every NAME.so of every plugin folder, loadable or why not. */
int list_plugins(const struct config *cfg);
/* The policies the plugin folders hold, and the built-in one: "fifo (built
 * in), deadline, ..." (async plugins left out), for messages. */
void policy_names(const struct config *cfg, char *buf, size_t len);
struct decision_log;
struct sched_loop;

/* What guards a simulated policy, as it guards a real one. */
struct simulate_guard {
	uint32_t watchdog_ms;		/* 0: no watchdog */
	uint64_t max_wait_ns;		/* the starvation guard (0: off) */
	bool watchdog_exits;		/* [watchdog] action = exit */
	/* sched_loop.recovered: the policy after a stuck one (ctx: the loop) */
	const struct plugland_policy *(*recovered)(void *ctx, const struct plugland_policy *stuck,
						   const char *callback);
};

struct backend;

/* The simulated machine of --simulate, which exits after `decisions`:
 * made before the policy starts, which is told its CPUs and its clock
 * (services_set_backend()). NULL when out of memory. */
struct backend *simulate_backend_new(uint64_t decisions);
/* --simulate N: the policy on that backend, decisions appended to log
 * when there is one, under the watchdog and the crash handlers of a real
 * run; the exit status. */
int simulate(struct backend *be, const struct plugland_policy *policy,
	     volatile sig_atomic_t *stop, struct decision_log *log,
	     const struct simulate_guard *guard);

#endif

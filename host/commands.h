/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PLUGLAND_COMMANDS_H
#define PLUGLAND_COMMANDS_H

#include <signal.h>
#include <stdint.h>
#include <plugland/plugin.h>
#include "config.h"

/* --list-plugins: every NAME.so of every plugin folder, loadable or why not. */
int list_plugins(const struct config *cfg);
struct decision_log;
/* --simulate N: the policy on the synthetic backend, decisions appended to
 * log when there is one; the exit status. */
int simulate(const struct plugland_policy *policy, uint64_t decisions,
	     volatile sig_atomic_t *stop, struct decision_log *log);

#endif

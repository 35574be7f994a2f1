/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PLUGLAND_COMMANDS_H
#define PLUGLAND_COMMANDS_H

#include <stdbool.h>
#include "config.h"

/* --list-plugins: every NAME.so of every plugin folder, loadable or why not. */
int list_plugins(const struct config *cfg);
/* The policies the plugin folders hold, and the built-in one: "fifo (built
 * in), deadline, ..." (async plugins left out), for messages. */
void policy_names(const struct config *cfg, char *buf, size_t len);
#endif

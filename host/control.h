/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket: a Unix stream socket (mode 0600; peers must be root
 * or our own user) served by its own thread, off the scheduling path.
 * One request per connection: a line "COMMAND [ARGUMENT]\n" (at most
 * CONTROL_MAX_REQUEST bytes; ending the write side also ends it), one
 * JSON object back. Malformed, oversized, slow or half-closed requests get
 * an error or are dropped; none can block scheduling.
 *
 * Commands that change scheduling (switch, reload, set, debug, dump) run
 * on the scheduling thread: the control thread posts them to a mailbox the
 * loop looks at between rounds, and waits for the answer (bounded).
 */
#ifndef PLUGLAND_CONTROL_H
#define PLUGLAND_CONTROL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stddef.h>

#define CONTROL_MAX_REQUEST 4096
#define CONTROL_CLIENT_TIMEOUT_MS 2000 /* to send a whole request */
#define CONTROL_EXEC_TIMEOUT_MS 5000   /* for the scheduling thread to answer */

struct control;

/* Answers a command; returns a new cJSON object (the reply). `on_sched`
 * says whether it runs on the scheduling thread (mailbox) or the control
 * thread. */
typedef cJSON *(*control_handler)(void *ctx, const char *cmd, const char *arg, bool on_sched);
/* Which commands must run on the scheduling thread. */
typedef bool (*control_needs_sched)(const char *cmd);

struct control *control_start(const char *path, control_handler handler,
			      control_needs_sched needs_sched, void *ctx, char *err, size_t errlen);
void control_stop(struct control *c);
/* On the scheduling thread, between rounds: run the posted request, if any.
 * A relaxed load when there is none. */
void control_service(struct control *c);
/* Non-zero while a request waits for control_service(): a word the
 * scheduling loop may read each round instead of calling it. */
const atomic_int *control_pending(const struct control *c);

#endif

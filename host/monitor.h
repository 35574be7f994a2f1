/* SPDX-License-Identifier: GPL-2.0 */
/* -s SECS: a thread that prints the counters every SECS seconds. */
#ifndef PLUGLAND_MONITOR_H
#define PLUGLAND_MONITOR_H

#include "backend.h"
#include "sched_loop.h"

struct monitor;

/* Start printing; NULL on failure (errno set). */
struct monitor *monitor_start(struct backend *be, const struct sched_loop *l, unsigned int secs);
void monitor_stop(struct monitor *m);

#endif

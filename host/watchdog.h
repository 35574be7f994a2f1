/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guards against a broken policy:
 *  - a watchdog thread notices a policy callback that has not returned
 *    within timeout_ms and either makes the scheduling thread jump out of
 *    it (the loop then continues with the built-in fifo) or exits;
 *  - crash handlers name the policy and the callback on SIGSEGV, SIGBUS,
 *    SIGFPE, SIGILL and SIGABRT, then let the process die: the kernel
 *    takes the CPUs back when scx_plugland's struct_ops link goes.
 */
#ifndef PLUGLAND_WATCHDOG_H
#define PLUGLAND_WATCHDOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "sched_loop.h"

enum watchdog_action { WATCHDOG_FIFO, WATCHDOG_EXIT };

struct watchdog;

/* Install the handlers for the loop run by the calling thread. */
void crash_handlers_install(struct sched_loop *l);
/* Watch l's policy callbacks from a new thread; NULL on failure. */
struct watchdog *watchdog_start(struct sched_loop *l, uint32_t timeout_ms,
				enum watchdog_action action);
void watchdog_stop(struct watchdog *w);
/* How often the watchdog parked while the loop slept (tests). */
uint64_t watchdog_nr_parked(struct watchdog *w);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guards against a broken plugin:
 *  - a watchdog thread notices a policy callback that has not returned
 *    within timeout_ms of its start and either makes the scheduling
 *    thread jump out of it (signal + siglongjmp; the loop then continues
 *    with the built-in fifo) or detaches and exits. A callback that does
 *    not come back within one more timeout of the signal (it blocks the
 *    signal, say) is not recovered: the watchdog detaches and exits.
 *    A switch's load, init() and exit() on the scheduling thread get
 *    slot_ms, and past it exit: the host is mid-switch, nothing safe to
 *    jump back to.
 *  - crash handlers name whose code crashed on the crashing thread (the
 *    policy and its callback, an async plugin and its callback, a thread
 *    a plugin started, or nobody: culprit.h) on SIGSEGV, SIGBUS, SIGFPE,
 *    SIGILL and SIGABRT, then let the process die: the kernel takes the
 *    CPUs back when scx_plugland's struct_ops link goes.
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
struct watchdog *watchdog_start(struct sched_loop *l, uint32_t timeout_ms, uint32_t slot_ms,
				enum watchdog_action action);
void watchdog_stop(struct watchdog *w);
/* How often the watchdog parked while the loop slept (tests). */
uint64_t watchdog_nr_parked(struct watchdog *w);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A host thread its owner stops: a lock, a wake-up on CLOCK_MONOTONIC and
 * a stop flag (the watchdog, the --stats monitor, the config watcher).
 */
#ifndef PLUGLAND_STOPPABLE_H
#define PLUGLAND_STOPPABLE_H

#include <pthread.h>
#include <stdbool.h>

struct stoppable {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* timed waits take CLOCK_MONOTONIC deadlines */
	bool stop;		/* under lock */
};

/* Run fn(arg) on a new thread. 0, or an errno (nothing left to undo). */
int stoppable_start(struct stoppable *s, void *(*fn)(void *), void *arg);
/* Set stop, wake the thread, join it, and free the lock and wake-up. */
void stoppable_stop(struct stoppable *s);

#endif

// SPDX-License-Identifier: GPL-2.0
#include <time.h>
#include "stoppable.h"

int stoppable_start(struct stoppable *s, void *(*fn)(void *), void *arg)
{
	pthread_condattr_t ca;
	int err;

	s->stop = false;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&s->thread, NULL, fn, arg);
	if (err) {
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->cond);
	}
	return err;
}

void stoppable_stop(struct stoppable *s)
{
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
}

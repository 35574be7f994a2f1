// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "config_watch.h"
#include "log.h"
#include "stoppable.h"

struct config_watch {
	struct stoppable t;
	uint32_t period_ms;
	char path[4096];
};

/* What a change of the file changes; all zero when it is missing. */
struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static struct file_id file_id_of(const char *path)
{
	struct file_id id = { 0 };
	struct stat st;

	if (!stat(path, &st))
		id = (struct file_id){ st.st_dev, st.st_ino, st.st_size, st.st_mtim };
	return id;
}

static bool same(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static void *watch_main(void *arg)
{
	struct config_watch *w = arg;
	struct file_id seen = file_id_of(w->path), now;
	struct timespec next;

	pthread_mutex_lock(&w->t.lock);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!w->t.stop) {
		uint64_t ns = (uint64_t)next.tv_nsec + (uint64_t)w->period_ms * 1000000ull;

		next.tv_sec += (time_t)(ns / 1000000000ull);
		next.tv_nsec = (long)(ns % 1000000000ull);
		while (!w->t.stop && pthread_cond_timedwait(&w->t.cond, &w->t.lock, &next) != ETIMEDOUT)
			;
		if (w->t.stop)
			break;
		now = file_id_of(w->path);
		/* A missing file (mid-swap) is no change to act on yet. */
		if (!now.ino || same(&now, &seen))
			continue;
		seen = now;
		pl_info("%s changed: reloading it", w->path);
		kill(getpid(), SIGHUP);
	}
	pthread_mutex_unlock(&w->t.lock);
	return NULL;
}

struct config_watch *config_watch_start(const char *path, uint32_t period_ms)
{
	struct config_watch *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return NULL;
	w->period_ms = period_ms;
	snprintf(w->path, sizeof(w->path), "%s", path);
	err = stoppable_start(&w->t, watch_main, w);
	if (err) {
		free(w);
		errno = err;
		return NULL;
	}
	return w;
}

void config_watch_stop(struct config_watch *w)
{
	if (!w)
		return;
	stoppable_stop(&w->t);
	free(w);
}

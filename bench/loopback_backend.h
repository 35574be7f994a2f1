/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loopback backend (loopback_backend.c): tasks come straight back
 * after each decision, for measuring the host's pipeline alone.
 */
#ifndef PLUGLAND_LOOPBACK_BACKEND_H
#define PLUGLAND_LOOPBACK_BACKEND_H

#include "backend.h"

struct loopback_stats {
	uint64_t nr_dispatched;	/* valid decisions taken */
	uint64_t nr_bad;	/* unknown pid, stale cookie, or decided twice */
};

/* nr_tasks CPU-bound tasks on nr_cpus CPUs; exited() after max_dispatches. */
struct backend *loopback_backend_new(uint32_t nr_cpus, uint32_t nr_tasks, uint64_t max_dispatches);
const struct loopback_stats *loopback_backend_stats(const struct backend *be);
void loopback_backend_free(struct backend *be);

#endif

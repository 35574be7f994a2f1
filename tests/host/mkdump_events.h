/* SPDX-License-Identifier: GPL-2.0 */
/* mkdump's task events: a hand-made script, or a generated recording. */
#ifndef PLUGLAND_MKDUMP_EVENTS_H
#define PLUGLAND_MKDUMP_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <plugland/plugin.h>

/* The events of script `path` (mkdump_events.c), times from start_ns,
 * in file order, into a malloc()ed *out. 0, or -1 with a message. */
int mkdump_events_script(const char *path, uint64_t start_ns, struct plugland_event **out,
			 size_t *n);

typedef void (*mkdump_emit_fn)(void *ctx, const struct plugland_event *e);
/* A FIFO machine's events for secs seconds, in time order, to emit. */
uint64_t mkdump_events_generate(uint64_t start_ns, double secs, unsigned int nr_cpus,
				unsigned int nr_tasks, uint64_t max_burst_ns, uint64_t slice_ns,
				mkdump_emit_fn emit, void *ctx);

#endif

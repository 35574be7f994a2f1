/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-task state keyed by pid: open addressing with linear probing over
 * slots allocated once, at most half of them used, deletion by backward
 * shift (no tombstones). Lookups and inserts never allocate.
 */
#ifndef PLUGLAND_PID_TABLE_H
#define PLUGLAND_PID_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pid_table {
	int32_t *keys;		/* 0: free slot (pid 0 is never a task here) */
	unsigned char *vals;	/* val_size bytes per slot */
	size_t val_size;
	uint32_t mask;		/* slots - 1 */
	uint32_t nr, max;
};

/* Room for `max` pids of val_size bytes each. 0 or -ENOMEM. */
int pid_table_init(struct pid_table *t, uint32_t max, size_t val_size);
void pid_table_fini(struct pid_table *t);
/* The value of pid, or NULL. */
void *pid_table_find(const struct pid_table *t, int32_t pid);
/* The value of pid, added zeroed (*created) when absent; NULL when full
 * or pid <= 0. */
void *pid_table_insert(struct pid_table *t, int32_t pid, bool *created);
void pid_table_remove(struct pid_table *t, int32_t pid);
void pid_table_clear(struct pid_table *t);
/* Slot i's value (i <= mask), or NULL when the slot is free: iteration. */
void *pid_table_slot(const struct pid_table *t, uint32_t i);
/* Look at the next n slots from *cursor (which wraps) and remove the
 * entries drop() says to: spreads a clean-up over many calls. */
void pid_table_sweep(struct pid_table *t, uint32_t *cursor, uint32_t n,
		     bool (*drop)(const void *val, void *ctx), void *ctx);

#endif

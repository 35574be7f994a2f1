// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pid_table.h"

int pid_table_init(struct pid_table *t, uint32_t max, size_t val_size)
{
	uint32_t slots = 2;

	memset(t, 0, sizeof(*t));
	if (!max || max > (1u << 30))
		return -EINVAL;
	while (slots < 2 * max)
		slots <<= 1;
	t->keys = calloc(slots, sizeof(*t->keys));
	t->vals = calloc(slots, val_size);
	if (!t->keys || !t->vals) {
		pid_table_fini(t);
		return -ENOMEM;
	}
	t->val_size = val_size;
	t->mask = slots - 1;
	t->max = max;
	return 0;
}

void pid_table_fini(struct pid_table *t)
{
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof(*t));
}

static uint32_t home_of(const struct pid_table *t, int32_t pid)
{
	uint32_t h = (uint32_t)pid * 0x9e3779b1u; /* Fibonacci hashing */

	return (h ^ (h >> 15)) & t->mask;
}

static void *val_at(const struct pid_table *t, uint32_t slot)
{
	return t->vals + (size_t)slot * t->val_size;
}

/* The slot of pid, or of the free slot ending its probe. */
static uint32_t probe(const struct pid_table *t, int32_t pid)
{
	uint32_t i = home_of(t, pid);

	while (t->keys[i] && t->keys[i] != pid)
		i = (i + 1) & t->mask;
	return i;
}

void *pid_table_find(const struct pid_table *t, int32_t pid)
{
	uint32_t i;

	if (pid <= 0 || !t->keys)
		return NULL;
	i = probe(t, pid);
	return t->keys[i] ? val_at(t, i) : NULL;
}

void *pid_table_insert(struct pid_table *t, int32_t pid, bool *created)
{
	uint32_t i;

	*created = false;
	if (pid <= 0 || !t->keys)
		return NULL;
	i = probe(t, pid);
	if (t->keys[i])
		return val_at(t, i);
	if (t->nr == t->max)
		return NULL;
	t->keys[i] = pid;
	memset(val_at(t, i), 0, t->val_size);
	t->nr++;
	*created = true;
	return val_at(t, i);
}

/* Empty slot i, moving back the entries whose probe passed through it. */
static void remove_at(struct pid_table *t, uint32_t i)
{
	uint32_t j = i, k;

	for (;;) {
		j = (j + 1) & t->mask;
		if (!t->keys[j])
			break;
		k = home_of(t, t->keys[j]);
		/* Entry j may move to i unless its home lies in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		t->keys[i] = t->keys[j];
		memcpy(val_at(t, i), val_at(t, j), t->val_size);
		i = j;
	}
	t->keys[i] = 0;
	t->nr--;
}

void pid_table_remove(struct pid_table *t, int32_t pid)
{
	uint32_t i;

	if (pid <= 0 || !t->keys)
		return;
	i = probe(t, pid);
	if (t->keys[i])
		remove_at(t, i);
}

void pid_table_clear(struct pid_table *t)
{
	memset(t->keys, 0, ((size_t)t->mask + 1) * sizeof(*t->keys));
	t->nr = 0;
}

void *pid_table_slot(const struct pid_table *t, uint32_t i)
{
	return t->keys[i] ? val_at(t, i) : NULL;
}

void pid_table_sweep(struct pid_table *t, uint32_t *cursor, uint32_t n,
		     bool (*drop)(const void *val, void *ctx), void *ctx)
{
	uint32_t i = *cursor & t->mask;

	while (n--) {
		/* A removal pulls a later entry into slot i: look again. */
		while (t->keys[i] && drop(val_at(t, i), ctx))
			remove_at(t, i);
		i = (i + 1) & t->mask;
	}
	*cursor = i;
}

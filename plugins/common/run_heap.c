// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "run_heap.h"

int run_heap_init(struct run_heap *q, uint32_t cap)
{
	memset(q, 0, sizeof(*q));
	q->items = calloc(cap, sizeof(*q->items));
	if (!q->items)
		return -ENOMEM;
	q->cap = cap;
	return 0;
}

void run_heap_fini(struct run_heap *q)
{
	free(q->items);
	memset(q, 0, sizeof(*q));
}

static bool before(const struct run_item *a, const struct run_item *b)
{
	return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

int run_heap_push(struct run_heap *q, struct run_item *item)
{
	uint32_t i;

	if (q->nr == q->cap)
		return -ENOSPC;
	item->seq = q->next_seq++;
	/* Sift up: move parents down until item's place is found. */
	for (i = q->nr++; i && before(item, &q->items[(i - 1) / 2]); i = (i - 1) / 2)
		q->items[i] = q->items[(i - 1) / 2];
	q->items[i] = *item;
	return 0;
}

const struct run_item *run_heap_peek(const struct run_heap *q)
{
	return q->nr ? &q->items[0] : NULL;
}

void run_heap_pop(struct run_heap *q, struct run_item *out)
{
	struct run_item last;
	uint32_t i = 0, c;

	*out = q->items[0];
	last = q->items[--q->nr];
	/* Sift down the last item from the root. */
	while ((c = 2 * i + 1) < q->nr) {
		if (c + 1 < q->nr && before(&q->items[c + 1], &q->items[c]))
			c++;
		if (!before(&q->items[c], &last))
			break;
		q->items[i] = q->items[c];
		i = c;
	}
	q->items[i] = last;
}

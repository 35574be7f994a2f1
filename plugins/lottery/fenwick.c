// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fenwick.h"

int fenwick_init(struct fenwick *f, uint32_t n)
{
	memset(f, 0, sizeof(*f));
	f->tree = calloc((size_t)n + 1, sizeof(*f->tree));
	if (!f->tree)
		return -ENOMEM;
	f->n = n;
	for (f->top = 1; f->top * 2 <= n; f->top *= 2)
		;
	return 0;
}

void fenwick_fini(struct fenwick *f)
{
	free(f->tree);
	memset(f, 0, sizeof(*f));
}

void fenwick_add(struct fenwick *f, uint32_t i, int64_t delta)
{
	for (i++; i <= f->n; i += i & -i)
		f->tree[i] += (uint64_t)delta;
}

uint32_t fenwick_find(const struct fenwick *f, uint64_t r)
{
	uint32_t pos = 0, step;

	/* Descend: take each subtree whose tickets all lie below r. */
	for (step = f->top; step; step >>= 1) {
		if (pos + step <= f->n && f->tree[pos + step] <= r) {
			pos += step;
			r -= f->tree[pos];
		}
	}
	return pos; /* 1-based pos + 1, minus one */
}

// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "decision_log.h"
#include "shadow_feed.h"

int shadow_feed_init(struct shadow_feed *f)
{
	memset(f, 0, sizeof(*f));
	if (spsc_ring_init(&f->to_shadow, SHADOW_FEED_ENTRIES, sizeof(struct shadow_entry)) ||
	    spsc_ring_init(&f->to_log, SHADOW_LOG_ENTRIES, sizeof(struct plugland_decision))) {
		shadow_feed_fini(f);
		return -1;
	}
	return 0;
}

void shadow_feed_fini(struct shadow_feed *f)
{
	spsc_ring_fini(&f->to_shadow);
	spsc_ring_fini(&f->to_log);
}

unsigned int shadow_feed_drain(struct shadow_feed *f, struct decision_log *log, bool recording)
{
	const struct plugland_decision *rec;
	unsigned int n = 0;

	/* Bounded: the shadow may hand records back as fast as we take them. */
	while (n < SHADOW_LOG_ENTRIES && (rec = spsc_ring_peek(&f->to_log))) {
		if (log && recording)
			decision_log_append(log, rec);
		spsc_ring_pop(&f->to_log);
		n++;
	}
	if (log && recording)
		atomic_store_explicit(&f->logged,
				      atomic_load_explicit(&f->logged, memory_order_relaxed) + n,
				      memory_order_relaxed);
	return n;
}

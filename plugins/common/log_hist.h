/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fixed-size histogram of durations in ns: exact below 16 ns, then four
 * buckets per power of two (at most 19% wide), up to 2^40 ns (18 min).
 * Percentiles are read as the upper bound of their bucket, capped at the
 * largest sample: the top bucket's bound may be 19% above anything seen.
 */
#ifndef PLUGLAND_LOG_HIST_H
#define PLUGLAND_LOG_HIST_H

#include <stdint.h>

#define LOG_HIST_MAX_MSB 40
#define LOG_HIST_BUCKETS (16 + (LOG_HIST_MAX_MSB - 4 + 1) * 4)

struct log_hist {
	uint32_t count[LOG_HIST_BUCKETS];
};

static inline unsigned int log_hist_bucket(uint64_t v)
{
	unsigned int msb;

	if (v < 16)
		return (unsigned int)v;
	msb = 63 - (unsigned int)__builtin_clzll(v);
	if (msb > LOG_HIST_MAX_MSB)
		return LOG_HIST_BUCKETS - 1;
	return 16 + (msb - 4) * 4 + (unsigned int)((v >> (msb - 2)) & 3);
}

static inline uint64_t log_hist_upper(unsigned int b)
{
	unsigned int msb = (b - 16) / 4 + 4, sub = (b - 16) % 4;

	if (b < 16)
		return b;
	return (1ull << msb) + ((uint64_t)(sub + 1) << (msb - 2)) - 1;
}

static inline void log_hist_add(struct log_hist *h, uint64_t v)
{
	h->count[log_hist_bucket(v)]++;
}

/* The pct-th percentile of n samples (n = the sum of the counts), the
 * largest of which was max. */
static inline uint64_t log_hist_percentile(const struct log_hist *h, uint64_t n, unsigned int pct,
					   uint64_t max)
{
	uint64_t want = (n * pct + 99) / 100, seen = 0;
	unsigned int b;

	for (b = 0; b < LOG_HIST_BUCKETS; b++) {
		seen += h->count[b];
		if (seen && seen >= want)
			return log_hist_upper(b) < max ? log_hist_upper(b) : max;
	}
	return 0;
}

#endif

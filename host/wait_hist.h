/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A histogram of waits in ns: 4 buckets per power of two, exact below 16
 * ns. The simulated machine keeps one per task (synth_backend.h) and the
 * replay one per recorded task (replay_trace.h), so that a recording and
 * its replays are measured alike. A percentile is its bucket's upper end
 * (up to 25 % above the true value).
 */
#ifndef PLUGLAND_WAIT_HIST_H
#define PLUGLAND_WAIT_HIST_H

#include <stdint.h>

#define WAIT_HIST_BUCKETS 256

static inline unsigned int wait_hist_bucket(uint64_t v)
{
	unsigned int msb;

	if (v < 16)
		return (unsigned int)v;
	msb = 63 - (unsigned int)__builtin_clzll(v);
	return 16 + (msb - 4) * 4 + (unsigned int)((v >> (msb - 2)) & 3);
}

static inline uint64_t wait_hist_upper(unsigned int b)
{
	unsigned int msb = (b - 16) / 4 + 4, sub = (b - 16) % 4;

	if (b < 16)
		return b;
	return (1ull << msb) + ((uint64_t)sub << (msb - 2)) + (1ull << (msb - 2)) - 1;
}

/* The pct-th percentile of the n waits counted in hist; 0 when n is 0. */
static inline uint64_t wait_hist_percentile(const uint32_t hist[WAIT_HIST_BUCKETS], uint64_t n,
					    unsigned int pct)
{
	uint64_t want = (n * pct + 99) / 100, seen = 0;
	unsigned int b;

	for (b = 0; b < WAIT_HIST_BUCKETS; b++) {
		seen += hist[b];
		if (seen && seen >= want)
			return wait_hist_upper(b);
	}
	return 0;
}

#endif

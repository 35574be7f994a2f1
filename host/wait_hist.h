/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A histogram of waits in ns: 16 buckets per power of two, exact below 16
 * ns. The simulated machine keeps one per task (synth_backend.h) and the
 * replay one per recorded task (replay_trace.h), so that a recording and
 * its replays are measured alike. A percentile is its bucket's upper end,
 * at most 1/16 (6.25 %) above the true value: fine enough that the ratio
 * of two percentiles, by which the replay's fidelity is judged, moves in
 * steps of about 6 % (with 4 buckets per power of two it was 19 %).
 */
#ifndef PLUGLAND_WAIT_HIST_H
#define PLUGLAND_WAIT_HIST_H

#include <stdint.h>

#define WAIT_HIST_SUB_BITS 4
#define WAIT_HIST_SUB (1u << WAIT_HIST_SUB_BITS)	/* buckets per power of two */
/* Values below WAIT_HIST_SUB are exact; above, WAIT_HIST_SUB buckets for
 * each most significant bit from WAIT_HIST_SUB_BITS to 63. */
#define WAIT_HIST_BUCKETS (WAIT_HIST_SUB * (64 - WAIT_HIST_SUB_BITS + 1))

static inline unsigned int wait_hist_bucket(uint64_t v)
{
	unsigned int msb;

	if (v < WAIT_HIST_SUB)
		return (unsigned int)v;
	msb = 63 - (unsigned int)__builtin_clzll(v);
	return WAIT_HIST_SUB + (msb - WAIT_HIST_SUB_BITS) * WAIT_HIST_SUB +
	       (unsigned int)((v >> (msb - WAIT_HIST_SUB_BITS)) & (WAIT_HIST_SUB - 1));
}

/* The largest value that falls in bucket b. */
static inline uint64_t wait_hist_upper(unsigned int b)
{
	unsigned int msb, sub;

	if (b < WAIT_HIST_SUB)
		return b;
	msb = (b - WAIT_HIST_SUB) / WAIT_HIST_SUB + WAIT_HIST_SUB_BITS;
	sub = (b - WAIT_HIST_SUB) % WAIT_HIST_SUB;
	/* 2^msb + (sub + 1) * width - 1, summed so that the last bucket
	 * (msb 63) ends at UINT64_MAX without overflowing */
	return (1ull << msb) + ((uint64_t)sub << (msb - WAIT_HIST_SUB_BITS)) +
	       ((1ull << (msb - WAIT_HIST_SUB_BITS)) - 1);
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

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PLUGLAND_CLOCK_H
#define PLUGLAND_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns(). */
static inline uint64_t pl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif

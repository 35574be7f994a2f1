/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's tick rate (CONFIG_HZ), from a measured tick length. User
 * space cannot read it, yet it shapes every slice: sched_ext ends a slice
 * at the first tick after it is used up, so a 2.5 ms slice under a 250 Hz
 * kernel runs 2.5 to 6.5 ms. A recording keeps the rate (the dump
 * header's kernel_hz) for its replay to do the same.
 */
#ifndef PLUGLAND_KERNEL_TICK_H
#define PLUGLAND_KERNEL_TICK_H

#include <stdint.h>

/* The rates kernels are built with; a measurement within 5 % of one is
 * taken as that one (an emulator's clock jitters). */
static const uint32_t kernel_tick_rates[] = { 100, 250, 300, 1000 };

/* Ticks per second of a tick period_ns long; 0 for a period no kernel
 * has (under 1 ms or over 1 s). */
static inline uint32_t kernel_tick_hz(uint64_t period_ns)
{
	uint64_t hz;
	unsigned int i;

	if (period_ns < 900000 || period_ns > 1000000000)
		return 0;
	hz = (1000000000ull + period_ns / 2) / period_ns;
	for (i = 0; i < sizeof(kernel_tick_rates) / sizeof(kernel_tick_rates[0]); i++) {
		uint64_t r = kernel_tick_rates[i];

		if ((hz > r ? hz - r : r - hz) * 20 <= r)
			return (uint32_t)r;
	}
	return (uint32_t)hz;
}

#endif

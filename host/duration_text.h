/* SPDX-License-Identifier: GPL-2.0 */
/* A duration in the unit that reads best, for reports: 850ns, 12.3us, 4.56ms, 1.234s. */
#ifndef PLUGLAND_DURATION_TEXT_H
#define PLUGLAND_DURATION_TEXT_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

static inline const char *duration_text(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.3fs", (double)ns / 1e9);
	return buf;
}

#endif

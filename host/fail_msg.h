/* SPDX-License-Identifier: GPL-2.0 */
/* The message of a refusal into err (printf-style), and -1 to return. */
#ifndef PLUGLAND_FAIL_MSG_H
#define PLUGLAND_FAIL_MSG_H

#include <stdarg.h>
#include <stdio.h>

__attribute__((format(printf, 3, 4)))
static inline int fail_msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

#endif

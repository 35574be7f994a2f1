// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

int pl_verbose;

static void vlog(const char *tag, const char *fmt, va_list ap)
{
	char line[1024];

	/* One write per message, so lines of different threads never mix. */
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "scx_plugland: %s%s\n", tag, line);
}

#define DEFINE_LOG(fn, tag, cond)                \
	void fn(const char *fmt, ...)            \
	{                                        \
		va_list ap;                      \
		if (!(cond))                     \
			return;                  \
		va_start(ap, fmt);               \
		vlog(tag, fmt, ap);              \
		va_end(ap);                      \
	}

DEFINE_LOG(pl_err, "error: ", 1)
DEFINE_LOG(pl_warn, "warning: ", 1)
DEFINE_LOG(pl_info, "", 1)
DEFINE_LOG(pl_debug, "debug: ", pl_verbose > 0)

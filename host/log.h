/* SPDX-License-Identifier: GPL-2.0 */
/* Messages of the host: one line each, prefixed "scx_plugland: ". */
#ifndef PLUGLAND_LOG_H
#define PLUGLAND_LOG_H

#include <stdbool.h>

extern int pl_verbose; /* -v: 1, -vv: 2 */

void pl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pl_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pl_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* A decision as one line of CSV or JSON (JSON lines), with its newline. */
#ifndef PLUGLAND_LOG_FORMAT_H
#define PLUGLAND_LOG_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <plugland/plugin.h>

enum log_format { LOG_CSV, LOG_JSONL };

#define LOG_LINE_MAX 512

/* The CSV header line (the column names), or NULL for JSON lines. */
const char *log_format_header(enum log_format fmt);
/* Record seq into buf; its length. */
size_t log_format_line(enum log_format fmt, uint64_t seq, const struct plugland_decision *d,
		       char buf[LOG_LINE_MAX]);

#endif

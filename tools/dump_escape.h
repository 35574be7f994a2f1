/* SPDX-License-Identifier: GPL-2.0 */
/* Printing untrusted bytes (comm, policy names) and times, for tools/. */
#ifndef PLUGLAND_DUMP_ESCAPE_H
#define PLUGLAND_DUMP_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <plugland/plugin.h>
#include "decision_dump.h"

/* A JSON string, quotes included. Bytes >= 0x80 become \u0080..\u00ff
 * (read as Latin-1), so the output is ASCII and always valid JSON. */
void put_json_str(FILE *out, const char *s, size_t len);
/* A CSV field, always quoted: '"' doubled; '\' and bytes outside
 * 0x20..0x7e written as \\ and \xNN. */
void put_csv_str(FILE *out, const char *s, size_t len);
/* Printable for a terminal: as put_csv_str() without the quotes. */
void put_plain_str(FILE *out, const char *s, size_t len);
/* ns / 10^digits with `digits` decimals, exactly: put_scaled(out, ns, 9)
 * prints seconds ("-1.000000500"), put_scaled(out, ns, 3) microseconds. */
void put_scaled(FILE *out, int64_t ns, unsigned int digits);
/* The record's comm: at most 16 bytes, up to the first NUL. */
size_t comm_len(const struct plugland_decision *rec);
/* Nanoseconds since the log's start (negative for a corrupted record). */
int64_t since_start_ns(const struct decision_dump *d, uint64_t ns);

#endif

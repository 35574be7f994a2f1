/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the ini-style parsers promise about a refusal, checked by their
 * fuzz targets: the message starts "NAME:LINE:" with a line of the input,
 * and holds printable ASCII only (input bytes reach it escaped).
 */
#ifndef PLUGLAND_FUZZ_LINE_ERROR_H
#define PLUGLAND_FUZZ_LINE_ERROR_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline void check_printable(const char *msg)
{
	for (; *msg; msg++)
		if ((unsigned char)*msg < 0x20 || (unsigned char)*msg >= 0x7f)
			abort();
}

static inline void check_line_error(const char *err, const char *name, const uint8_t *data,
				    size_t size)
{
	size_t i, lines = 1, n = strlen(name);
	char *end;
	long line;

	if (strncmp(err, name, n) || err[n] != ':')
		abort();
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	line = strtol(err + n + 1, &end, 10);
	if (line < 1 || (size_t)line > lines || *end != ':')
		abort();
	check_printable(err);
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A task's command name (16 bytes, any bytes) as a JSON string or a CSV
 * field. Header-only: the stats and logger plugins include it.
 */
#ifndef PLUGLAND_TEXT_ESCAPE_H
#define PLUGLAND_TEXT_ESCAPE_H

#include <stdio.h>
#include <string.h>
#include <plugland/plugin.h>

/* Worst case: every byte as \u00XX, plus quotes and NUL. */
#define COMM_ESCAPED_MAX (PLUGLAND_COMM_LEN * 6 + 3)

/* "...": quotes and backslashes escaped, control and non-ASCII bytes as
 * \u00XX (comm need not be UTF-8; the output always is). */
static inline const char *comm_json(const char comm[PLUGLAND_COMM_LEN], char out[COMM_ESCAPED_MAX])
{
	size_t i, o = 0;

	out[o++] = '"';
	for (i = 0; i < PLUGLAND_COMM_LEN && comm[i]; i++) {
		unsigned char c = (unsigned char)comm[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(out + o, 7, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = 0;
	return out;
}

/* RFC 4180: quoted, inner quotes doubled, when it holds , " CR or LF. */
static inline const char *comm_csv(const char comm[PLUGLAND_COMM_LEN], char out[COMM_ESCAPED_MAX])
{
	char plain[PLUGLAND_COMM_LEN + 1];
	size_t i, o = 0;

	memcpy(plain, comm, PLUGLAND_COMM_LEN);
	plain[PLUGLAND_COMM_LEN] = 0;
	if (!strpbrk(plain, ",\"\r\n")) {
		memcpy(out, plain, sizeof(plain));
		return out;
	}
	out[o++] = '"';
	for (i = 0; plain[i]; i++) {
		if (plain[i] == '"')
			out[o++] = '"';
		out[o++] = plain[i];
	}
	out[o++] = '"';
	out[o] = 0;
	return out;
}

#endif

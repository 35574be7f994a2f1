/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For plugins (and the host) that parse their own ini files with libinih's
 * ini_parse_stream(): a reader that counts lines, so that errors can say
 * file:line (Debian's inih hands the handler no line number).
 *
 *	struct ini_lines in = { .f = fopen(path, "r"), .at_line_start = true };
 *	ini_parse_stream(ini_lines_read, &in, handler, ctx);
 *	... in the handler, in.line is the line being parsed ...
 */
#ifndef PLUGLAND_INI_LINES_H
#define PLUGLAND_INI_LINES_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct ini_lines {
	FILE *f;
	int line;		/* the line inih is on */
	bool at_line_start;	/* start true */
};

/*
 * inih's reader: fgets that counts lines. A line longer than inih's
 * buffer comes in pieces; only a piece that starts a line advances the
 * count. `user` is the struct ini_lines.
 */
static inline char *ini_lines_read(char *buf, int size, void *user)
{
	struct ini_lines *in = user;
	char *r = fgets(buf, size, in->f);

	if (r) {
		if (in->at_line_start)
			in->line++;
		in->at_line_start = strchr(buf, '\n') != NULL;
	}
	return r;
}

#endif

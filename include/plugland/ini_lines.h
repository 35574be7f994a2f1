/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For plugins (and the host) that parse their own ini files with libinih's
 * ini_parse_stream(): a reader that counts lines, so that errors can say
 * file:line (Debian's inih hands the handler no line number).
 *
 *	struct ini_lines in = { .f = fopen(path, "r") };
 *	int line = ini_parse_stream(ini_lines_read, &in, handler, ctx);
 *	... in the handler, in.line is the line being parsed ...
 *	if (in.bad_line && (!line || in.bad_line < line))
 *		error at in.bad_line: in.why
 *	else if (line)
 *		error at line: the handler's message, or inih's syntax error
 */
#ifndef PLUGLAND_INI_LINES_H
#define PLUGLAND_INI_LINES_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct ini_lines {
	FILE *f;
	int line;		/* the line inih is on: inih's own count agrees */
	bool at_line_start;	/* unused since plugland 0.2.1 (kept so that
				   code setting it still builds) */
	int bad_line;		/* a line refused before inih saw it, 0: none */
	char why[96];		/* ... and why, for "FILE:bad_line: why" */
};

/* A byte no ini line may hold (tab aside). */
static inline bool ini_lines_control(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/*
 * inih's reader: exactly one line of the file a call, so that inih's line
 * numbers are the file's (fgets() would hand a long line over in pieces,
 * each parsed and counted as a line of its own). `user` is the struct
 * ini_lines. A comment or blank line of any length goes over as an empty
 * one; a line that holds a control character (tab aside), or is longer
 * than inih's buffer takes whole, ends the parse: ini_parse_stream()
 * returns what it returned so far (0 if no error before), and bad_line
 * and why say what is wrong. Check bad_line first.
 */
static inline char *ini_lines_read(char *buf, int size, void *user)
{
	struct ini_lines *in = user;
	size_t n = 0, len = 0, lead = 0, ctl_at = 0;
	int c, ctl = 0;

	if (in->bad_line || size < 3)
		return NULL;
	while ((c = getc(in->f)) != EOF && c != '\n') {
		if ((size_t)n < (size_t)size - 1)
			buf[n++] = (char)c;
		len++;
		if (!ctl_at && c != '\r' && ini_lines_control(c)) {
			ctl = c;
			ctl_at = len;
		}
	}
	if (c == EOF && !len)
		return NULL;
	in->line++;
	if (len && n == len && buf[n - 1] == '\r') { /* inih strips it too */
		n--;
		len--;
	}
	if (in->line == 1 && n >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		lead = 3; /* a UTF-8 BOM */
	while (lead < n && (buf[lead] == ' ' || buf[lead] == '\t'))
		lead++;
	if (lead == len || (lead < n && (buf[lead] == ';' || buf[lead] == '#'))) {
		strcpy(buf, "\n");
		return buf;
	}
	if (ctl_at) {
		snprintf(in->why, sizeof(in->why), "control character 0x%02x at byte %zu "
			 "(only tab is accepted)", (unsigned)ctl, ctl_at);
	} else if (len > (size_t)size - 2) { /* room for '\n' and NUL */
		snprintf(in->why, sizeof(in->why), "line is %zu bytes, the longest accepted is %d",
			 len, size - 2);
	} else {
		buf[n] = '\n';
		buf[n + 1] = 0;
		return buf;
	}
	in->bad_line = in->line;
	return NULL;
}

#endif

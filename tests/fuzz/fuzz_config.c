// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the ini parser on arbitrary bytes, and the same bytes
 * as a --set. Either loads or fails with a "name:line: message" whose line
 * is one of the input's; never crashes or reads out of bounds; no message
 * holds a byte a terminal could take for a command. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

static void check_printable(const char *msg)
{
	for (; *msg; msg++)
		if ((unsigned char)*msg < 0x20 || (unsigned char)*msg >= 0x7f)
			abort();
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	static struct config c;
	char err[512], *end;
	size_t i, lines = 1;
	long line;
	FILE *f;

	config_defaults(&c);
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return;
	if (config_load_stream(&c, f, "fuzz.ini", err, sizeof(err))) {
		/* every failure names the input and a line of it */
		if (strncmp(err, "fuzz.ini:", 9))
			abort();
		for (i = 0; i < size; i++)
			lines += data[i] == '\n';
		line = strtol(err + 9, &end, 10);
		if (line < 1 || (size_t)line > lines || *end != ':')
			abort();
		check_printable(err);
	}
	fclose(f);
}

static void fuzz_set(const uint8_t *data, size_t size)
{
	static struct config c;
	char text[1024], err[512];

	if (size >= sizeof(text))
		return;
	memcpy(text, data, size);
	text[size] = 0;
	config_defaults(&c);
	if (config_set(&c, text, err, sizeof(err)))
		check_printable(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_file(data, size);
	fuzz_set(data, size);
	return 0;
}

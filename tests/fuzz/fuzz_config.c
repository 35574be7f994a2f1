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
#include "line_error.h"

static void fuzz_file(const uint8_t *data, size_t size)
{
	static struct config c;
	char err[512];
	FILE *f;

	config_defaults(&c);
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return;
	if (config_load_stream(&c, f, "fuzz.ini", err, sizeof(err)))
		check_line_error(err, "fuzz.ini", data, size);
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

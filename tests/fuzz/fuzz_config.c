// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the ini parser on arbitrary bytes. It must either load
 * or fail with a "name:line: message", never crash or read out of bounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	char err[512];
	FILE *f;

	config_defaults(&c);
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	if (config_load_stream(&c, f, "fuzz.ini", err, sizeof(err))) {
		/* every failure names the input and a line */
		if (strncmp(err, "fuzz.ini:", 9))
			abort();
	}
	fclose(f);
	return 0;
}

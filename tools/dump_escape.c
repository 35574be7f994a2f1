// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>
#include "dump_escape.h"

void put_json_str(FILE *out, const char *s, size_t len)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void put_plain_str(FILE *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			fputs("\\\\", out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

void put_csv_str(FILE *out, const char *s, size_t len)
{
	size_t i, start = 0;

	fputc('"', out);
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '"')
			continue;
		put_plain_str(out, s + start, i - start);
		if (i < len)
			fputs("\"\"", out);
		start = i + 1;
	}
	fputc('"', out);
}

void put_scaled(FILE *out, int64_t ns, unsigned int digits)
{
	uint64_t mag = ns < 0 ? -(uint64_t)ns : (uint64_t)ns, div = 1;
	unsigned int i;

	for (i = 0; i < digits; i++)
		div *= 10;
	fprintf(out, "%s%" PRIu64, ns < 0 ? "-" : "", mag / div);
	if (digits)
		fprintf(out, ".%0*" PRIu64, (int)digits, mag % div);
}

size_t comm_len(const struct plugland_decision *rec)
{
	return strnlen(rec->comm, sizeof(rec->comm));
}

int64_t since_start_ns(const struct decision_dump *d, uint64_t ns)
{
	return (int64_t)(ns - d->start_monotonic_ns);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * json_check FILE          FILE is one valid JSON document
 * json_check --lines FILE  every line of FILE is one (JSON lines)
 * For the VM tests, which have no Python; cJSON does the parsing.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(2);
	}
	fclose(f);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}

int main(int argc, char **argv)
{
	int lines = argc == 3 && !strcmp(argv[1], "--lines");
	const char *path = argv[argc - 1];
	unsigned long n = 0;
	char *buf, *line, *save = NULL;
	size_t len;
	cJSON *j;

	if (argc != 2 && !lines) {
		fprintf(stderr, "usage: json_check [--lines] FILE\n");
		return 2;
	}
	buf = slurp(path, &len);
	if (!lines) {
		j = cJSON_ParseWithLength(buf, len);
		if (!j) {
			fprintf(stderr, "%s: not valid JSON near byte %ld\n", path,
				(long)(cJSON_GetErrorPtr() - buf));
			return 1;
		}
		printf("%s: valid JSON\n", path);
		return 0;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		j = cJSON_Parse(line);
		if (!j) {
			fprintf(stderr, "%s:%lu: not valid JSON\n", path, n + 1);
			return 1;
		}
		cJSON_Delete(j);
	}
	printf("%s: %lu valid JSON lines\n", path, n);
	return n ? 0 : 1;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * json_check FILE          FILE is one valid JSON document
 * json_check --lines FILE  every line of FILE is one (JSON lines)
 * json_check --get FILE PATH...
 *                          FILE is one JSON document: print the value at
 *                          each PATH (keys joined by dots, "loop.nr_switches")
 *                          on a line of its own; exit 1 when one is missing
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

/* The value at a dotted path, printed: numbers as integers when whole. */
static int get(const cJSON *root, const char *path)
{
	char buf[256], *key, *save = NULL;
	const cJSON *j = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (key = strtok_r(buf, ".", &save); key && j; key = strtok_r(NULL, ".", &save))
		j = cJSON_GetObjectItemCaseSensitive(j, key);
	if (!j || cJSON_IsObject(j) || cJSON_IsArray(j) || cJSON_IsNull(j)) {
		fprintf(stderr, "json_check: %s: %s\n", path, j ? "not a plain value" : "missing");
		return 1;
	}
	if (cJSON_IsString(j))
		printf("%s\n", j->valuestring);
	else if (cJSON_IsBool(j))
		printf("%s\n", cJSON_IsTrue(j) ? "true" : "false");
	else if (j->valuedouble == (double)(long long)j->valuedouble)
		printf("%lld\n", (long long)j->valuedouble);
	else
		printf("%g\n", j->valuedouble);
	return 0;
}

int main(int argc, char **argv)
{
	int lines = argc == 3 && !strcmp(argv[1], "--lines");
	const char *path = argv[argc - 1];
	unsigned long n = 0;
	char *buf, *line, *save = NULL;
	size_t len;
	cJSON *j;

	if (argc >= 4 && !strcmp(argv[1], "--get")) {
		int i, bad = 0;

		buf = slurp(argv[2], &len);
		j = cJSON_ParseWithLength(buf, len);
		if (!j) {
			fprintf(stderr, "%s: not valid JSON\n", argv[2]);
			return 1;
		}
		for (i = 3; i < argc; i++)
			bad |= get(j, argv[i]);
		return bad;
	}
	if (argc != 2 && !lines) {
		fprintf(stderr, "usage: json_check [--lines] FILE | --get FILE PATH...\n");
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

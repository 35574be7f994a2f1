// SPDX-License-Identifier: GPL-2.0
/* The logger async plugin (plugins/logger), fed decisions directly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "policy_harness.h"

#define MIB (1ull << 20)

static char dir[64], path[128];

static int make_dir(void **state)
{
	(void)state;
	if (harness_tmpdir("logger", dir))
		return -1;
	snprintf(path, sizeof(path), "%s/decisions.log", dir);
	return 0;
}

static int remove_dir(void **state)
{
	(void)state;
	return harness_tmpdir_remove(dir);
}

static void clean(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -f %s*", path);
	assert_int_equal(system(cmd), 0);
}

static const char *const comms[4] = { "plain", "with,comma", "q\"uote", "t\tab\xc3\xa9" };

static void decision(struct plugland_decision *d, uint64_t seq)
{
	memset(d, 0, sizeof(*d));
	d->enq_ns = 1000 * seq;
	d->dispatch_ns = 1000 * seq + 77;
	d->vtime = seq * 3;
	d->pid = (int32_t)(1000 + seq % 50);
	d->tgid = 1000;
	d->cpu = (int16_t)(seq % 3) - 1;
	d->prev_cpu = 2;
	d->slice_us = 5000;
	d->weight = 100;
	d->flags = PLUGLAND_TASK_WAKEUP;
	snprintf(d->comm, sizeof(d->comm), "%s", comms[seq % 4]);
}

/* Start the logger with settings, feed n decisions in batches of 1000. */
static void run_logger(uint64_t n, const char *const *settings)
{
	static struct plugland_decision batch[1000];
	const struct plugland_async *a;
	struct plugland_log_span span = { 0 };
	struct harness h;
	char set[200];
	uint64_t i;

	a = harness_load_async(&h, "logger");
	snprintf(set, sizeof(set), "logger.path=%s", path);
	harness_set(&h, set);
	for (; settings && *settings; settings++)
		harness_set(&h, *settings);
	harness_services(&h, "logger", 3);
	assert_int_equal(a->init(&h.svc.host, &h.ctx), 0);
	for (span.first = 0; span.first < n; span.first += i) {
		for (i = 0; i < 1000 && span.first + i < n; i++)
			decision(&batch[i], span.first + i);
		a->consume(h.ctx, batch, i, &span);
	}
	a->exit(h.ctx);
	harness_close(h.handle);
}

/* Split one CSV line (RFC 4180 quoting) into fields; how many. */
static int csv_split(char *line, char *fields[16])
{
	int n = 0;
	char *r = line, *w;

	for (;;) {
		fields[n++] = w = r;
		if (*r == '"') {
			for (r++;; r++) {
				if (*r == '"' && r[1] == '"')
					*w++ = *r++;
				else if (*r == '"')
					break;
				else
					*w++ = *r;
			}
			r++;
		} else {
			while (*r && *r != ',' && *r != '\n')
				*w++ = *r++;
		}
		if (*r != ',') {
			*w = 0;
			return n;
		}
		*w = 0;
		r++;
		if (n == 16)
			return -1;
	}
}

/* Check a CSV stream (plain or gzip: gzgets reads both): header, then
 * lines with consecutive seq from *next. Returns the data lines. */
static uint64_t check_csv(const char *file, uint64_t *next)
{
	char line[1024], *f[16];
	uint64_t lines = 0;
	gzFile gz = gzopen(file, "rb");

	assert_non_null(gz);
	assert_non_null(gzgets(gz, line, sizeof(line)));
	assert_string_equal(line, "seq,enq_ns,dispatch_ns,pid,tgid,comm,cpu,prev_cpu,slice_us,"
			    "vtime,weight,flags,policy_id\n");
	while (gzgets(gz, line, sizeof(line))) {
		struct plugland_decision want;
		uint64_t seq = *next;

		decision(&want, seq);
		assert_int_equal(csv_split(line, f), 13);
		assert_int_equal(strtoull(f[0], NULL, 10), seq);
		assert_int_equal(strtoull(f[2], NULL, 10), want.dispatch_ns);
		assert_int_equal(atoi(f[3]), want.pid);
		assert_string_equal(f[5], want.comm);
		assert_int_equal(atoi(f[6]), want.cpu);
		assert_int_equal(strtoull(f[9], NULL, 10), want.vtime);
		(*next)++;
		lines++;
	}
	gzclose(gz);
	return lines;
}

static void test_csv(void **state)
{
	uint64_t next = 0;

	(void)state;
	clean();
	run_logger(5000, NULL);
	assert_int_equal(check_csv(path, &next), 5000);
}

/* A minimal JSON reader for flat objects of strings and integers. */
static const char *json_string(const char *p, char *out, size_t len)
{
	size_t o = 0;

	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		unsigned int c = (unsigned char)*p++;

		if (c < 0x20 || c >= 0x7f)
			return NULL; /* must be escaped: keeps the line valid UTF-8 */
		if (c == '\\') {
			c = (unsigned char)*p++;
			if (c == 'u') {
				if (sscanf(p, "%4x", &c) != 1)
					return NULL;
				p += 4;
			} else if (c != '"' && c != '\\') {
				return NULL;
			}
		}
		if (o + 1 < len)
			out[o++] = (char)c;
	}
	out[o] = 0;
	return p + 1;
}

static void check_json_line(const char *line, uint64_t seq)
{
	struct plugland_decision want;
	const char *p = line;
	char key[32], comm[64] = "";
	unsigned long long got_seq = ~0ull, pid = 0;
	int keys = 0;

	decision(&want, seq);
	assert_int_equal(*p++, '{');
	for (;;) {
		p = json_string(p, key, sizeof(key));
		assert_non_null(p);
		assert_int_equal(*p++, ':');
		if (*p == '"') {
			p = json_string(p, comm, sizeof(comm));
			assert_non_null(p);
		} else {
			char *end;
			long long v = strtoll(p, &end, 10);

			assert_true(end != p);
			p = end;
			if (!strcmp(key, "seq"))
				got_seq = (unsigned long long)v;
			if (!strcmp(key, "pid"))
				pid = (unsigned long long)v;
		}
		keys++;
		if (*p == '}')
			break;
		assert_int_equal(*p++, ',');
	}
	assert_string_equal(p, "}\n");
	assert_int_equal(keys, 13);
	assert_int_equal(got_seq, seq);
	assert_int_equal(pid, want.pid);
	assert_string_equal(comm, want.comm);
}

static void test_jsonl(void **state)
{
	static const char *const settings[] = { "logger.format=jsonl", NULL };
	char line[1024];
	uint64_t seq = 0;
	FILE *f;

	(void)state;
	clean();
	run_logger(3000, settings);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		check_json_line(line, seq++);
	fclose(f);
	assert_int_equal(seq, 3000);
}

/* Records the log overwrote before the logger got to them: a gap in seq
 * and one warning per batch that lost some, with the count. */
static void test_lost_records_reported(void **state)
{
	static struct plugland_decision batch[10];
	struct plugland_log_span span = { .first = 0, .nr_lost = 0 };
	const struct plugland_async *a;
	struct harness h;
	char set[200], line[1024];
	uint64_t i, seen = 0;
	FILE *f;

	(void)state;
	clean();
	a = harness_load_async(&h, "logger");
	snprintf(set, sizeof(set), "logger.path=%s", path);
	harness_set(&h, set);
	harness_set(&h, "logger.format=jsonl");
	harness_services(&h, "logger", 3);
	assert_int_equal(a->init(&h.svc.host, &h.ctx), 0);
	for (i = 0; i < 10; i++)
		decision(&batch[i], i);
	a->consume(h.ctx, batch, 10, &span);
	harness_last_log[0] = 0;
	span.first = 25;	/* 15 overwritten */
	span.nr_lost = 15;
	for (i = 0; i < 10; i++)
		decision(&batch[i], 25 + i);
	a->consume(h.ctx, batch, 10, &span);
	assert_non_null(strstr(harness_last_log, "15 decisions lost (not written)"));
	harness_last_log[0] = 0;
	span.first = 35;	/* none lost since */
	a->consume(h.ctx, batch, 10, &span);
	assert_string_equal(harness_last_log, "");
	a->exit(h.ctx);
	harness_close(h.handle);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		seen++;
	fclose(f);
	assert_int_equal(seen, 30);
}

static void test_gzip(void **state)
{
	static const char *const settings[] = { "logger.gzip=true", NULL };
	unsigned char magic[2];
	uint64_t next = 0;
	FILE *f;

	(void)state;
	clean();
	run_logger(20000, settings);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 2, f), 2);
	fclose(f);
	assert_true(magic[0] == 0x1f && magic[1] == 0x8b); /* really compressed */
	assert_int_equal(check_csv(path, &next), 20000);
}

static uint64_t size_of(const char *file)
{
	struct stat st;

	return stat(file, &st) ? 0 : (uint64_t)st.st_size;
}

/* rotate_mb = 1, keep = 2: PATH.2, PATH.1 and PATH hold the last records,
 * in order; rotated files are at most 1 MiB, and full. */
static void test_rotation(void **state)
{
	static const char *const settings[] = { "logger.rotate_mb=1", "logger.keep=2", NULL };
	char old[160];
	uint64_t next, total = 60000, lines = 0;
	int i;

	(void)state;
	clean();
	run_logger(total, settings);
	snprintf(old, sizeof(old), "%s.3", path);
	assert_int_equal(access(old, F_OK), -1);
	/* The oldest kept file starts where the dropped ones ended. */
	snprintf(old, sizeof(old), "%s.2", path);
	{
		FILE *f = fopen(old, "r");
		char line[1024];

		assert_non_null(f);
		assert_non_null(fgets(line, sizeof(line), f));
		assert_non_null(fgets(line, sizeof(line), f));
		next = strtoull(line, NULL, 10);
		fclose(f);
	}
	assert_true(next > 0);
	for (i = 2; i >= 0; i--) {
		if (i)
			snprintf(old, sizeof(old), "%s.%d", path, i);
		else
			snprintf(old, sizeof(old), "%s", path);
		if (i) {
			assert_true(size_of(old) <= MIB);
			assert_true(size_of(old) > MIB - 200);
		}
		lines += check_csv(old, &next);
	}
	assert_int_equal(next, total);
	assert_true(lines < total);
}

/* gzip files rotate too; each rotated file is a whole gzip stream. */
static void test_gzip_rotation(void **state)
{
	static const char *const settings[] = { "logger.gzip=true", "logger.rotate_mb=1",
						"logger.keep=20", NULL };
	uint64_t next = 0, total = 300000, lines = 0;
	char old[160];
	int i, last;

	(void)state;
	clean();
	run_logger(total, settings);
	for (last = 1;; last++) {
		snprintf(old, sizeof(old), "%s.%d", path, last);
		if (access(old, F_OK))
			break;
	}
	last--;
	assert_true(last >= 2 && last < 20);
	for (i = last; i >= 0; i--) {
		if (i)
			snprintf(old, sizeof(old), "%s.%d", path, i);
		else
			snprintf(old, sizeof(old), "%s", path);
		if (i)
			assert_true(size_of(old) <= MIB + 64 * 1024); /* zlib writes in blocks */
		lines += check_csv(old, &next);
	}
	assert_int_equal(lines, total);
}

static void test_no_path_refused(void **state)
{
	const struct plugland_async *a;
	struct harness h;

	(void)state;
	a = harness_load_async(&h, "logger");
	harness_services(&h, "logger", 1);
	assert_int_equal(a->init(&h.svc.host, &h.ctx), -EINVAL);
	assert_string_equal(harness_last_log, "path: no file to write to");
	harness_set(&h, "logger.path=/nonexistent/dir/x.log");
	assert_int_equal(a->init(&h.svc.host, &h.ctx), -ENOENT);
	harness_close(h.handle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_lost_records_reported),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_gzip_rotation),
		cmocka_unit_test(test_no_path_refused),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}

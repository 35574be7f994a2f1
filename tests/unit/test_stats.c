// SPDX-License-Identifier: GPL-2.0
/* The stats async plugin (plugins/stats), fed decisions directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "policy_harness.h"

static char out_path[64], setting[128];

static int make_file(void **state)
{
	int fd;

	(void)state;
	strcpy(out_path, "/tmp/plugland-stats-XXXXXX");
	fd = mkstemp(out_path);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(setting, sizeof(setting), "stats.output=%s", out_path);
	return 0;
}

static int remove_file(void **state)
{
	(void)state;
	return unlink(out_path);
}

static char *read_all(void)
{
	FILE *f = fopen(out_path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* n decisions for pid, waiting wait_ns each, on cpu. */
static size_t add(struct plugland_decision *d, size_t at, int32_t pid, const char *comm,
		  unsigned int n, uint64_t wait_ns, int16_t cpu)
{
	unsigned int i;

	for (i = 0; i < n; i++, at++) {
		memset(&d[at], 0, sizeof(d[at]));
		d[at].pid = d[at].tgid = pid;
		d[at].enq_ns = 1000000 + at;
		d[at].dispatch_ns = d[at].enq_ns + wait_ns;
		d[at].cpu = cpu;
		d[at].slice_us = 2000;
		snprintf(d[at].comm, sizeof(d[at].comm), "%s", comm);
	}
	return at;
}

/* Five tasks scheduled 5, 3, 9, 1, 3 times: most first, pid breaks ties. */
static size_t workload(struct plugland_decision *d)
{
	size_t n = 0;

	n = add(d, n, 101, "alpha", 5, 1000, 0);
	n = add(d, n, 102, "beta", 3, 2000, 1);
	n = add(d, n, 103, "compute_0", 9, 500, PLUGLAND_CPU_ANY);
	n = add(d, n, 104, "delta", 1, 100, 1);
	n = add(d, n, 105, "eps\"x", 3, 2000, 0);
	return n;
}

/* Settings after format: NULL-terminated. */
static const struct plugland_async *start(struct harness *h, const char *format, ...)
{
	const struct plugland_async *a = harness_load_async(h, "stats");
	const char *extra;
	char fmt[64];
	va_list ap;

	assert_int_equal(truncate(out_path, 0), 0);
	snprintf(fmt, sizeof(fmt), "stats.format=%s", format);
	harness_set(h, setting);
	harness_set(h, fmt);
	harness_set(h, "stats.interval_s=0");
	/* Test pids are not these processes: no CPU time unless a test
	 * makes a /proc of its own. */
	harness_set(h, "stats.proc_root=/nonexistent");
	va_start(ap, format);
	while ((extra = va_arg(ap, const char *)))
		harness_set(h, extra);
	va_end(ap);
	harness_services(h, "stats", 4);
	assert_int_equal(a->init(&h->svc.host, &h->ctx), 0);
	return a;
}

static void test_table_counts_and_order(void **state)
{
	static const int32_t order[5] = { 103, 101, 102, 105, 104 };
	static const unsigned int sched[5] = { 9, 5, 3, 3, 1 };
	struct plugland_log_span span = { .first = 0, .nr_lost = 7 };
	struct plugland_decision d[32];
	const struct plugland_async *a;
	char *text, *line, *save = NULL;
	struct harness h;
	unsigned int row = 0, cpu_any = 0;
	size_t n;

	(void)state;
	a = start(&h, "table", (char *)NULL);
	n = workload(d);
	a->consume(h.ctx, d, 10, &span);
	span.first = 10;
	a->consume(h.ctx, d + 10, n - 10, &span);
	a->exit(h.ctx);
	text = read_all();
	printf("%s", text);
	assert_non_null(strstr(text, "plugland stats: 21 decisions, 7 lost, 5 tasks\n"));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int pid, tgid;
		char comm[32], name[16];
		unsigned long long nsched, count;
		double slice_ms, avg, p99, max;

		if (sscanf(line, "%d %d %31s %llu %lf %lf %lf %lf", &pid, &tgid, comm, &nsched,
			   &slice_ms, &avg, &p99, &max) == 8) {
			assert_true(row < 5);
			assert_int_equal(pid, order[row]);
			assert_int_equal(nsched, sched[row]);
			assert_true(slice_ms > 2.0 * nsched - 0.001 && slice_ms < 2.0 * nsched + 0.001);
			if (pid == 103) {
				assert_string_equal(comm, "compute_0");
				assert_true(avg > 0.49 && avg < 0.51 && max > 0.49 && max < 0.51);
			}
			row++;
		} else if (sscanf(line, "%15s %llu", name, &count) == 2 && !strcmp(name, "any")) {
			cpu_any = (unsigned int)count;
		}
	}
	assert_int_equal(row, 5);
	assert_int_equal(cpu_any, 9);
	free(text);
	harness_close(h.handle);
}

/* p99 comes from the histogram: 99 short waits and one long one. */
static void test_json_and_p99(void **state)
{
	struct plugland_log_span span = { 0 };
	static struct plugland_decision d[128];
	const struct plugland_async *a;
	struct harness h;
	char *text, *p1, *p2;
	size_t n;

	(void)state;
	a = start(&h, "json", (char *)NULL);
	n = add(d, 0, 7, "worker", 99, 1000, 2);
	n = add(d, n, 7, "worker", 1, 1000000, 2);
	n = workload(d + n) + n;
	a->consume(h.ctx, d, n, &span);
	a->exit(h.ctx);
	text = read_all();
	printf("%s", text);
	assert_non_null(strstr(text, "{\"decisions\":121,\"lost\":0,\"nr_tasks\":6,\"tasks\":["));
	assert_non_null(strstr(text, "{\"pid\":7,\"tgid\":7,\"comm\":\"worker\",\"sched\":100,"
			       "\"slice_ms\":200.000,\"wait_avg_us\":11.0,\"wait_p99_us\":1.0,"
			       "\"wait_max_us\":1000.0,\"cpu_ms\":null}"));
	assert_non_null(strstr(text, "\"comm\":\"eps\\\"x\""));
	assert_non_null(strstr(text, "\"cpus\":{\"any\":9,\"0\":8,\"1\":4,\"2\":100}}"));
	p1 = strstr(text, "\"pid\":7,");
	p2 = strstr(text, "\"pid\":103,");
	assert_true(p1 && p2 && p1 < p2);
	free(text);
	harness_close(h.handle);
}

/* A percentile is its bucket's upper bound, but never above the largest
 * wait: waits of 37.5 ms fall in the bucket [33.6, 41.9) ms. */
static void test_p99_not_above_max(void **state)
{
	struct plugland_log_span span = { 0 };
	static struct plugland_decision d[256];
	const struct plugland_async *a;
	struct harness h;
	char *text;
	size_t n;

	(void)state;
	a = start(&h, "json", (char *)NULL);
	n = add(d, 0, 7, "worker", 100, 37500000, 2);
	n = add(d, n, 8, "mixed", 98, 1000, 2);
	n = add(d, n, 8, "mixed", 2, 37500000, 2);
	a->consume(h.ctx, d, n, &span);
	a->exit(h.ctx);
	text = read_all();
	printf("%s", text);
	assert_non_null(strstr(text, "\"wait_p99_us\":37500.0,\"wait_max_us\":37500.0,"));
	/* The 99th of 100 is one of the two long waits. */
	assert_non_null(strstr(text, "\"comm\":\"mixed\",\"sched\":100,\"slice_ms\":200.000,"
			       "\"wait_avg_us\":751.0,\"wait_p99_us\":37500.0,"));
	free(text);
	harness_close(h.handle);
}

/* Past max_tasks, tasks add up as (other); top limits the rows. */
static void test_table_bounded(void **state)
{
	struct plugland_log_span span = { 0 };
	struct plugland_decision d[32];
	const struct plugland_async *a;
	struct harness h;
	char *text;

	(void)state;
	a = start(&h, "table", "stats.max_tasks=2", "stats.top=2", (char *)NULL);
	a->consume(h.ctx, d, workload(d), &span);
	a->exit(h.ctx);
	text = read_all();
	printf("%s", text);
	assert_non_null(strstr(text, "21 decisions, 0 lost, 3 tasks"));
	assert_non_null(strstr(text, "      -1       -1 (other)                  13"));
	assert_non_null(strstr(text, "(1 more tasks)"));
	free(text);
	harness_close(h.handle);
}

/* CPU time comes from PROC/TGID/task/PID/schedstat, read when printing;
 * a task whose file went away keeps the last value read. */
static void test_cpu_time(void **state)
{
	struct plugland_log_span span = { 0 };
	struct plugland_decision d[32];
	const struct plugland_async *a;
	char dir[64], root[96], path[160];
	struct harness h;
	char *text, *p;
	FILE *f;

	(void)state;
	assert_int_equal(harness_tmpdir("stats-proc", dir), 0);
	snprintf(path, sizeof(path), "%s/101", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/101/task", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/101/task/101", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/101/task/101/schedstat", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "123456789 5000 7\n");
	fclose(f);
	snprintf(root, sizeof(root), "stats.proc_root=%s", dir);
	harness_fake_now = 0;
	a = start(&h, "table", root, "stats.interval_s=1", (char *)NULL);
	harness_fake_now = 1200000000;
	a->consume(h.ctx, d, workload(d), &span); /* prints, 101 running */
	unlink(path);	/* 101 exits: its CPU time stays */
	a->exit(h.ctx);	/* prints again */
	harness_fake_now = 0;
	text = read_all();
	printf("%s", text);
	assert_non_null(strstr(text, "CPU_MS\n"));
	p = strstr(text, "     101      101 alpha                     5");
	assert_non_null(p);
	assert_non_null(strstr(p, "      123.457\n"));
	p = strstr(p + 1, "     101      101 alpha                     5");
	assert_non_null(p);
	assert_non_null(strstr(p, "      123.457\n"));
	/* the others have no schedstat here: unknown, not 0 */
	assert_non_null(strstr(text, "compute_0"));
	assert_non_null(strstr(text, "            -\n"));
	free(text);
	harness_close(h.handle);
	assert_int_equal(harness_tmpdir_remove(dir), 0);
}

/* Every interval_s (host clock), and once more at exit. */
static void test_periodic(void **state)
{
	struct plugland_log_span span = { 0 };
	struct plugland_decision d[32];
	const struct plugland_async *a;
	struct harness h;
	char *text, *p;
	int prints = 0;
	size_t n;

	(void)state;
	harness_fake_now = 0;
	a = start(&h, "json", "stats.interval_s=1", (char *)NULL);
	n = workload(d);
	harness_fake_now = 500000000;
	a->consume(h.ctx, d, n, &span);	/* 0.5 s: not yet */
	harness_fake_now = 1200000000;
	a->consume(h.ctx, d, n, &span);	/* 1.2 s: print */
	harness_fake_now = 1700000000;
	a->consume(h.ctx, d, n, &span);	/* 0.5 s later: not yet */
	a->exit(h.ctx);			/* and at exit */
	text = read_all();
	for (p = text; (p = strstr(p, "{\"decisions\":")); p++)
		prints++;
	assert_int_equal(prints, 2);
	assert_non_null(strstr(text, "{\"decisions\":42,"));
	assert_non_null(strstr(text, "{\"decisions\":63,"));
	free(text);
	harness_fake_now = 0;
	harness_close(h.handle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_counts_and_order),
		cmocka_unit_test(test_json_and_p99),
		cmocka_unit_test(test_p99_not_above_max),
		cmocka_unit_test(test_table_bounded),
		cmocka_unit_test(test_cpu_time),
		cmocka_unit_test(test_periodic),
	};

	return cmocka_run_group_tests(tests, make_file, remove_file);
}

// SPDX-License-Identifier: GPL-2.0
/* The ini parser: defaults, values, and a message with file:line for
 * every kind of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"

static char path[64];

/* Write text to a temporary file; its name in path. */
static void write_file(const char *text)
{
	int fd;

	strcpy(path, "/tmp/plugland-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Load text; returns the error message ("" when it loaded). */
static const char *load(struct config *c, const char *text)
{
	static char err[512];

	err[0] = 0;
	config_defaults(c);
	write_file(text);
	if (config_load(c, path, err, sizeof(err)) == 0)
		err[0] = 0;
	unlink(path);
	return err;
}

static void assert_error(const char *text, int line, const char *what)
{
	struct config c;
	char want[128];
	const char *err = load(&c, text);

	snprintf(want, sizeof(want), "%s:%d: ", path, line);
	if (strncmp(err, want, strlen(want)) || !strstr(err, what))
		fail_msg("for:\n%s\ngot '%s', want '%s...%s'", text, err, want, what);
}

static void test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_string_equal(c.policy, "deadline");
	assert_int_equal(c.slice_us, 5000);
	assert_int_equal(c.bpf.heartbeat_ms, 100);
	assert_true(c.bpf.all_kthreads);
}

static void test_values(void **state)
{
	struct config c;

	(void)state;
	assert_string_equal(load(&c, "; comment\n[scheduler]\npolicy = deadline\nslice_us = 20000\n"
				     "[bpf]\nall_kthreads = no\n[deadline]\nmax_tasks = 4096\n"), "");
	assert_string_equal(c.policy, "deadline");
	assert_int_equal(c.slice_us, 20000);
	assert_false(c.bpf.all_kthreads);
	assert_string_equal(config_plugin_value(&c, "deadline", "max_tasks"), "4096");
	assert_null(config_plugin_value(&c, "deadline", "nope"));
}

static void test_empty_file(void **state)
{
	struct config c;

	(void)state;
	assert_string_equal(load(&c, ""), "");
	assert_string_equal(c.policy, "deadline");
}

static void test_bad_input(void **state)
{
	char longline[400];

	(void)state;
	assert_error("[scheduler]\nbogus = 1\n", 2, "unknown key 'bogus' in [scheduler]");
	assert_error("[scheduler]\n\nslice_us = 10\n", 3, "out of range");
	assert_error("[scheduler]\nslice_us = fast\n", 2, "expected a number");
	assert_error("[scheduler]\nslice_us = -5\n", 2, "expected a number");
	assert_error("[bpf]\nall_kthreads = maybe\n", 2, "expected true or false");
	assert_error("[scheduler]\npolicy = a\npolicy = b\n", 3, "duplicate key 'policy'");
	assert_error("[deadline]\nx = 1\nx = 2\n", 3, "duplicate key 'x' in [deadline]");
	assert_error("policy = fifo\n", 1, "outside any [section]");
	assert_error("[scheduler\npolicy = fifo\n", 1, "syntax error");
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "[scheduler]\npolicy = ", 21);
	strcpy(longline + sizeof(longline) - 2, "\n");
	assert_error(longline, 2, "");
}

static void test_missing_file(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/plugland.ini", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/plugland.ini: No such file or directory");
}

static void test_set_overrides(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "scheduler.policy=lottery", err, sizeof(err)), 0);
	assert_string_equal(c.policy, "lottery");
	assert_int_equal(config_set(&c, "lottery.seed=42", err, sizeof(err)), 0);
	assert_string_equal(config_plugin_value(&c, "lottery", "seed"), "42");
	assert_int_equal(config_set(&c, "scheduler.nope=1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key 'nope'"));
	assert_int_equal(config_set(&c, "policy=fifo", err, sizeof(err)), -1);
	assert_int_equal(config_set(&c, "bpf.heartbeat_ms=1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "out of range"));
}

/*
 * Every line of the [bpf] table (bpf_settings.h) is a key of the file:
 * its default in struct config's bpf, its minimum and maximum taken, one
 * past the maximum refused, a bool's "false" read. ringbuf_kib's range is
 * of powers of two: its check refuses what is not.
 */
static void test_bpf_table(void **state)
{
	char set[96], err[256];
	struct config c;

	(void)state;
	config_defaults(&c);
#define CHECK_U32(key, d, lo, hi, chk, ...)                                              \
	assert_int_equal(c.bpf.key, strtoul(d, NULL, 10));                               \
	snprintf(set, sizeof(set), "bpf.%s=%llu", #key, (unsigned long long)(lo));        \
	assert_int_equal(config_set(&c, set, err, sizeof(err)), 0);                      \
	assert_int_equal(c.bpf.key, lo);                                                 \
	snprintf(set, sizeof(set), "bpf.%s=%llu", #key, (unsigned long long)(hi));        \
	assert_int_equal(config_set(&c, set, err, sizeof(err)), 0);                      \
	assert_int_equal(c.bpf.key, hi);                                                 \
	snprintf(set, sizeof(set), "bpf.%s=%llu", #key, (unsigned long long)(hi) + 1);    \
	assert_int_equal(config_set(&c, set, err, sizeof(err)), -1);
#define CHECK_BOOL(key, d, ...)                                                          \
	assert_int_equal(c.bpf.key, !strcmp(d, "true"));                                 \
	assert_int_equal(config_set(&c, "bpf." #key "=false", err, sizeof(err)), 0);     \
	assert_false(c.bpf.key);
	PL_BPF_SETTINGS(CHECK_U32, CHECK_BOOL)
#undef CHECK_U32
#undef CHECK_BOOL
	assert_int_equal(config_set(&c, "bpf.ringbuf_kib=100", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a power of two"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_set_overrides),
		cmocka_unit_test(test_bpf_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

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
#include <fcntl.h>
#include <ini.h>
#include <cmocka.h>
#include "config.h"

static char path[64];

/* Write len bytes to a temporary file; its name in path. */
static void write_file(const char *text, size_t len)
{
	int fd;

	strcpy(path, "/tmp/plugland-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* Load len bytes; returns the error message ("" when it loaded). */
static const char *load_bytes(struct config *c, const char *text, size_t len)
{
	static char err[512];

	err[0] = 0;
	config_defaults(c);
	write_file(text, len);
	if (config_load(c, path, err, sizeof(err)) == 0)
		err[0] = 0;
	unlink(path);
	return err;
}

static const char *load(struct config *c, const char *text)
{
	return load_bytes(c, text, strlen(text));
}

static void assert_error(const char *text, int line, const char *what)
{
	char want[128], t[CONFIG_ESCAPED_MAX], e[CONFIG_ESCAPED_MAX];
	struct config c;
	const char *err = load(&c, text);

	snprintf(want, sizeof(want), "%s:%d: ", path, line);
	if (strncmp(err, want, strlen(want)) || !strstr(err, what))
		fail_msg("for '%s':\ngot '%s', want '%s...%s'", config_escape(text, t, sizeof(t)),
			 config_escape(err, e, sizeof(e)), want, what);
}

/* What reaches a terminal: no byte a terminal could take for a command. */
static void assert_printable(const char *msg)
{
	const unsigned char *c;

	for (c = (const unsigned char *)msg; *c; c++)
		if (*c < 0x20 || *c >= 0x7f)
			fail_msg("byte 0x%02x at %td of '%s'", *c, (const char *)c - msg, msg);
}

/* An error at line, saying what, with nothing raw for the terminal. */
static void assert_escaped_error(const char *text, int line, const char *what)
{
	struct config c;

	assert_error(text, line, what);
	assert_printable(load(&c, text));
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
	assert_error(longline, 2, "the longest accepted is");
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

/* text with "<N:c>" replaced by N times c, in a static buffer */
static const char *expand(const char *text)
{
	static char out[32768];
	const char *t = text;
	size_t o = 0;
	int n, used;
	char c;

	while (*t) {
		if (sscanf(t, "<%d:%c>%n", &n, &c, &used) == 2 && used) {
			assert_true(o + (size_t)n < sizeof(out));
			memset(out + o, c, (size_t)n);
			o += (size_t)n;
			t += used;
		} else {
			assert_true(o + 1 < sizeof(out));
			out[o++] = *t++;
		}
	}
	out[o] = 0;
	return out;
}

/* inih takes a line of up to INI_MAX_LINE - 2 bytes, then its '\n' and NUL. */
#define LONGEST_LINE (INI_MAX_LINE - 2)

/* A comment or blank line of any length is one line, and no error. */
static void test_long_comment_lines(void **state)
{
	const char *text = expand("; <5000:x>\n"
				  "[scheduler]\n"
				  "#<3000:y>\n"
				  "   ;<300:z>\n"
				  "<1000: >\n"
				  "\t# <250:;>\n"
				  "policy = fifo\n"
				  "slice_us = 7000\n");
	char with_bom[16384];
	struct config c;

	(void)state;
	assert_string_equal(load(&c, text), "");
	assert_string_equal(c.policy, "fifo");
	assert_int_equal(c.slice_us, 7000);
	snprintf(with_bom, sizeof(with_bom), "\xef\xbb\xbf%s", text);
	assert_string_equal(load(&c, with_bom), "");
	assert_string_equal(c.policy, "fifo");
	/* the last line, without its newline */
	assert_string_equal(load(&c, expand("[scheduler]\npolicy = fifo\n;<400:c>")), "");
	/* after them, errors are at the line they are on */
	assert_error(expand("; <5000:x>\n[scheduler]\n#<3000:y>\nbogus = 1\n"), 4,
		     "unknown key 'bogus' in [scheduler]");
	assert_error(expand("[scheduler]\n; <900:x>\n\n[scheduler\npolicy = fifo\n"), 4,
		     "syntax error");
	assert_error(expand("<600: >\n[scheduler]\nslice_us = 10\n"), 3, "out of range");
}

/* Any other line too long for inih is refused at its line, never cut. */
static void test_long_lines(void **state)
{
	char want[128], line[LONGEST_LINE + 8];
	struct config c;

	(void)state;
	assert_error(expand("[scheduler]\n; <5000:x>\npolicy = <5000:a>\n"), 3,
		     "line is 5009 bytes, the longest accepted is");
	/* cut where the rest looks like a comment, it loaded cut short */
	snprintf(line, sizeof(line), "[fifo]\nk = <%d:v>#tail\n", INI_MAX_LINE - 1 - 4);
	assert_error(expand(line), 2, "the longest accepted is");
	/* where the rest looks like a line of its own, it was one */
	snprintf(line, sizeof(line), "[fifo]\nk = <%d:v>other = 1\n", INI_MAX_LINE - 1 - 4);
	assert_error(expand(line), 2, "the longest accepted is");
	assert_error(expand("[<400:s>]\nk = 1\n"), 1, "line is 402 bytes");

	/* the longest is taken, to the byte; one more is not */
	snprintf(line, sizeof(line), "[fifo]\nk = <%d:v>\n", LONGEST_LINE - 4);
	assert_string_equal(load(&c, expand(line)), "");
	assert_int_equal(strlen(config_plugin_value(&c, "fifo", "k")), LONGEST_LINE - 4);
	snprintf(line, sizeof(line), "[fifo]\r\nk = <%d:v>\r\n", LONGEST_LINE - 4);
	assert_string_equal(load(&c, expand(line)), "");
	assert_int_equal(strlen(config_plugin_value(&c, "fifo", "k")), LONGEST_LINE - 4);
	snprintf(line, sizeof(line), "[fifo]\nk = <%d:v>\n", LONGEST_LINE - 3);
	snprintf(want, sizeof(want), "line is %d bytes, the longest accepted is %d",
		 LONGEST_LINE + 1, LONGEST_LINE);
	assert_error(expand(line), 2, want);
}

/* inih cuts a section name longer than 49 bytes: refused instead. */
static void test_long_section_name(void **state)
{
	struct config c;

	(void)state;
	assert_error(expand("; x\n[<50:a>]\nk = 1\n"), 2,
		     "section name is 50 bytes, the longest accepted is 49");
	assert_error(expand("  [<60:b>]\n"), 1, "section name is 60 bytes");
	assert_string_equal(load(&c, expand("[<49:a>]\nk = 1\n")), "");
	assert_string_equal(config_plugin_value(&c, expand("<49:a>"), "k"), "1");
}

/* Binary garbage in a line (but a comment) is refused, escaped, at its line. */
static void test_control_chars_in_ini(void **state)
{
	static const char nul[] = "[scheduler]\npolicy = fifo\0garbage\nslice_us = 7000\n";
	struct config c;
	const char *err;

	(void)state;
	/* inih stopped at the NUL: the rest of the line was dropped unsaid */
	err = load_bytes(&c, nul, sizeof(nul) - 1);
	assert_non_null(strstr(err, ":2: control character \\x00 at byte 14"));
	assert_escaped_error("[fifo]\nk = a\x1b[2Jb\n", 2, "control character \\x1b at byte 6");
	assert_escaped_error("[fifo]\nk = 1\nk2 = a\rb\n", 3, "control character \\r at byte 7");
	assert_escaped_error("[fifo]\nk = a\x7f\n", 2, "control character \\x7f at byte 6");
	assert_escaped_error("[fi\x01" "fo]\n", 1, "control character \\x01 at byte 4");
	assert_escaped_error("[scheduler]\n\x01\x02\xff\xfe garbage\x9b\n", 2,
			     "control character \\x01 at byte 1 (only tab is accepted)");

	/* tabs, CRLF line ends, and anything in a comment are fine */
	assert_string_equal(load(&c, "; \x1b[2J\x07\x7f\r\n[fifo]\r\nk =\ta\tb\r\n"), "");
	assert_string_equal(config_plugin_value(&c, "fifo", "k"), "a\tb");
	assert_string_equal(load_bytes(&c, "#\0\n[fifo]\nk = 1\n", 15), "");
	assert_string_equal(config_plugin_value(&c, "fifo", "k"), "1");
}

/* --set text with a control character is refused, whole: nothing is set. */
static void test_set_control_chars(void **state)
{
	char err[512];
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_set(&c, "fifo.capacity=4\n[scheduler]\npolicy=evil", err, sizeof(err)), -1);
	assert_printable(err);
	assert_string_equal(err, "--set fifo.capacity=4\\n[scheduler]\\npolicy=evil: "
			    "control character \\n in the value (only tab is accepted)");
	assert_null(config_plugin_value(&c, "fifo", "capacity"));
	assert_int_equal(config_set(&c, "sched\x1buler.policy=fifo", err, sizeof(err)), -1);
	assert_string_equal(err, "--set sched\\x1buler.policy=fifo: control character \\x1b in section.key");
	assert_int_equal(config_set(&c, "scheduler.policy=fifo\r", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control character \\r in the value"));
	assert_string_equal(c.policy, "deadline");
	assert_int_equal(config_set(&c, "fifo.k=\x7f", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control character \\x7f in the value"));
	assert_int_equal(config_set(&c, "fifo.k\t=1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control character \\t in section.key"));
	assert_int_equal(config_set(&c, "nodot\x1b", err, sizeof(err)), -1);
	assert_printable(err);
	assert_int_equal(c.nr_extra, 0);

	/* a tab in a value is taken, as in the file */
	assert_int_equal(config_set(&c, "fifo.k=a\tb", err, sizeof(err)), 0);
	assert_string_equal(config_plugin_value(&c, "fifo", "k"), "a\tb");
}

static bool no_plugin(const char *name, const void *ctx)
{
	(void)name;
	(void)ctx;
	return false;
}

static void test_escape(void **state)
{
	char buf[CONFIG_ESCAPED_MAX], small[5];

	(void)state;
	assert_string_equal(config_escape("plain text, [x] = 1", buf, sizeof(buf)),
			    "plain text, [x] = 1");
	assert_string_equal(config_escape("a\x1b[2J\n\t\r\x7f\x07" "caf\xc3\xa9", buf, sizeof(buf)),
			    "a\\x1b[2J\\n\\t\\r\\x7f\\x07caf\\xc3\\xa9");
	/* cut at a whole character: never half an escape */
	assert_string_equal(config_escape("ab\x1b", small, sizeof(small)), "ab");
	assert_string_equal(config_escape("abcdef", small, sizeof(small)), "abcd");
	assert_string_equal(config_escape("\n", small, 1), "");
}

/* Whatever the ini holds, a message shows it escaped. */
static void test_escaped_ini_text(void **state)
{
	char where[64], err[512];
	struct config c;

	(void)state;
	assert_escaped_error("[scheduler]\npolicy = a\x1b]0;pwned\x07" "b\n", 2, "\\x1b");
	assert_escaped_error("[scheduler]\npolicy = caf\xc3\xa9\n", 2, "'caf\\xc3\\xa9' is not a plugin name");
	assert_escaped_error("[scheduler]\nca\tpacity = 3\n", 2, "unknown key 'ca\\tpacity'");
	assert_escaped_error("[debug]\non_full = \xff\xfe\n", 2, "got '\\xff\\xfe'");
	assert_escaped_error("[async]\nplugins = st\x9b" "ats\n", 2, "'st\\x9bats' is not a plugin name");
	assert_escaped_error("[fifo]\nk\xe9y = 1\nk\xe9y = 2\n", 3, "duplicate key 'k\\xe9y' in [fifo]");
	assert_escaped_error("\xe9 = 1\n", 1, "'\\xe9' is outside any [section]");

	/* a plugin section that names no plugin, and where it was set */
	assert_string_equal(load(&c, "[sch\xe9" "duler]\nx = 1\n"), "");
	strcpy(c.plugin_dir, "/usr/lib/\x1b[2J");
	strcpy(c.path, "/tmp/a\nb.ini");
	config_kv_where(&c, &c.extra[0], where, sizeof(where));
	assert_string_equal(where, "/tmp/a\\nb.ini:2");
	assert_int_equal(config_check_sections(&c, no_plugin, NULL, err, sizeof(err)), -1);
	assert_printable(err);
	assert_non_null(strstr(err, "[sch\\xe9duler]: no plugin of that name (sch\\xe9duler.so) "
				    "in /usr/lib/\\x1b[2J"));
}

/* File names are the user's text too: in messages and in --print-config. */
static void test_escaped_file_name(void **state)
{
	char err[256], name[] = "/tmp/plugland-test\n[evil]\x1b[2J-XXXXXX", *out = NULL;
	struct config c;
	size_t len;
	FILE *f;
	int fd;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/\x1b[2J.ini", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/\\x1b[2J.ini: No such file or directory");

	fd = mkstemp(name);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[scheduler]\nbogus = 1\n", 23), 23);
	close(fd);
	assert_int_equal(config_load(&c, name, err, sizeof(err)), -1);
	assert_printable(err);
	assert_non_null(strstr(err, "\\n[evil]\\x1b[2J-"));
	assert_non_null(strstr(err, ":2: unknown key 'bogus'"));

	/* loaded from it: --print-config's first line stays one line */
	fd = open(name, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[fifo]\nk = 1\n", 13), 13);
	close(fd);
	config_defaults(&c);
	assert_int_equal(config_load(&c, name, err, sizeof(err)), 0);
	unlink(name);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	config_print(&c, f);
	fclose(f);
	assert_null(strstr(out, "\n[evil]"));
	*strchr(out, '\n') = 0;
	assert_printable(out);
	assert_non_null(strstr(out, " from /tmp/plugland-test\\n[evil]\\x1b[2J-"));
	free(out);
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
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escaped_ini_text),
		cmocka_unit_test(test_escaped_file_name),
		cmocka_unit_test(test_long_comment_lines),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_long_section_name),
		cmocka_unit_test(test_control_chars_in_ini),
		cmocka_unit_test(test_set_control_chars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

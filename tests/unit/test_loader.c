// SPDX-License-Identifier: GPL-2.0
/*
 * The plugin loader against deliberately broken plugins (built from
 * tests/plugins/variants.c). Each is refused with its own message and
 * closed again: no handle or file descriptor outlives a refusal.
 */
#include <dirent.h>
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
#include <cmocka.h>
#include "plugin_loader.h"

static char dir[64], outside[64];

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
	assert_int_equal(chmod(to, mode), 0);
}

static void install(const char *variant, const char *as, mode_t mode)
{
	char from[256], to[256];

	snprintf(from, sizeof(from), "%s/%s.so", TEST_PLUGIN_DIR, variant);
	snprintf(to, sizeof(to), "%s/%s.so", dir, as);
	copy_file(from, to, mode);
}

static int setup(void **state)
{
	char path[256], target[256];
	FILE *f;

	(void)state;
	strcpy(dir, "/tmp/plugland-plugins-XXXXXX");
	strcpy(outside, "/tmp/plugland-outside-XXXXXX");
	if (!mkdtemp(dir) || !mkdtemp(outside))
		return -1;
	chmod(dir, 0755);
	install("no_symbol", "no_symbol", 0644);
	install("wrong_abi", "wrong_abi", 0644);
	install("newer_abi", "newer_abi", 0644);
	install("abi_1", "abi_1", 0644);
	install("null_enqueue", "null_enqueue", 0644);
	install("init_fails", "init_fails", 0644);
	install("misnamed", "misnamed", 0644);
	install("good", "good", 0644);
	install("good", "group_writable", 0664);
	install("good", "world_writable", 0646);
	install("async_wrong_abi", "async_wrong_abi", 0644);
	install("async_small", "async_small", 0644);
	install("async_good", "async_good", 0644);
	snprintf(path, sizeof(path), "%s/not_elf.so", dir);
	f = fopen(path, "w");
	fputs("#!/bin/sh\necho this is not a shared object\n", f);
	fclose(f);
	/* a symlink that leaves the folder */
	snprintf(path, sizeof(path), "%s/good.so", outside);
	copy_file(TEST_PLUGIN_DIR "/good.so", path, 0644);
	snprintf(target, sizeof(target), "%s/escape.so", dir);
	if (symlink(path, target))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, outside);
	return system(cmd);
}

/* Loading `name` fails with errno `want` and a message containing `what`. */
static void assert_refused(const char *name, int want, const char *what)
{
	struct loaded_policy lp;
	char err[1024] = "";
	int fds = count_fds(), ret;

	ret = policy_load(dir, name, &lp, err, sizeof(err));
	if (ret != want || !strstr(err, what))
		fail_msg("%s: got %d '%s', want %d '...%s...'", name, ret, err, want, what);
	assert_null(lp.handle);
	assert_int_equal(count_fds(), fds);
}

static void test_good_plugin_loads(void **state)
{
	struct loaded_policy lp;
	char err[512];

	(void)state;
	assert_int_equal(policy_load(dir, "good", &lp, err, sizeof(err)), 0);
	assert_non_null(lp.handle);
	assert_string_equal(lp.ops.name, "good");
	assert_int_equal(lp.ops.sz, sizeof(struct plugland_policy));
	assert_non_null(strstr(lp.path, "/good.so"));
	policy_unload(&lp);
	assert_null(lp.handle);
}

static void test_newer_compatible_abi_loads(void **state)
{
	struct loaded_policy lp;
	char err[512];

	(void)state;
	assert_int_equal(policy_load(dir, "newer_abi", &lp, err, sizeof(err)), 0);
	assert_string_equal(lp.ops.name, "newer_abi");
	assert_int_equal(lp.ops.abi_version & 0xffff, PLUGLAND_ABI_MINOR + 7);
	policy_unload(&lp);
}

/* An ABI 1.x plugin: refused, told to rebuild, none of it called (its
 * callbacks take other arguments). */
static void test_abi_1_refused(void **state)
{
	char why[256];

	(void)state;
	snprintf(why, sizeof(why), "built for plugin ABI 1.4, this host speaks %d.%d: rebuild it "
		 "against the installed <plugland/plugin.h>", PLUGLAND_ABI_MAJOR, PLUGLAND_ABI_MINOR);
	assert_refused("abi_1", -ENOEXEC, why);
}

static void test_broken_plugins_refused(void **state)
{
	char newer[128];

	(void)state;
	assert_refused("no_symbol", -ENOEXEC, "no 'plugland_policy' symbol");
	snprintf(newer, sizeof(newer), "built for plugin ABI 3.0, newer than this host's %d.%d: "
		 "update scx_plugland", PLUGLAND_ABI_MAJOR, PLUGLAND_ABI_MINOR);
	assert_refused("wrong_abi", -ENOEXEC, newer);
	assert_refused("null_enqueue", -ENOEXEC, "mandatory 'enqueue' is NULL");
	assert_refused("misnamed", -ENOEXEC, "calls itself 'something_else'");
	assert_refused("not_elf", -ENOEXEC, "not_elf.so: ");
	assert_refused("group_writable", -EACCES, "writable by its group");
	assert_refused("world_writable", -EACCES, "writable by everyone");
	assert_refused("escape", -EACCES, "outside the plugin folder");
	assert_refused("missing", -ENOENT, "no missing.so in");
	assert_refused("../good", -EINVAL, "is not a plugin name");
	assert_refused("", -EINVAL, "is not a plugin name");
}

static void test_writable_folder_refused(void **state)
{
	(void)state;
	assert_int_equal(chmod(dir, 0777), 0);
	assert_refused("good", -EACCES, "writable by everyone");
	assert_int_equal(chmod(dir, 0755), 0);
}

/* A folder above the plugin folder that others may write is refused; a
 * root-owned sticky one (like /tmp) is not. */
static void test_writable_parent_refused(void **state)
{
	struct loaded_policy lp;
	char sub[128], err[1024];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	copy_file(TEST_PLUGIN_DIR "/good.so", strcat(strcpy(err, sub), "/good.so"), 0644);
	assert_int_equal(policy_load(sub, "good", &lp, err, sizeof(err)), 0);
	policy_unload(&lp);

	assert_int_equal(chmod(dir, 0775), 0);
	assert_int_equal(policy_load(sub, "good", &lp, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, "writable by its group"));
	assert_non_null(strstr(err, "(a folder above"));
	assert_null(lp.handle);

	assert_int_equal(chmod(dir, 01777), 0); /* root's and sticky: allowed */
	assert_int_equal(policy_load(sub, "good", &lp, err, sizeof(err)), 0);
	policy_unload(&lp);
	assert_int_equal(chmod(dir, 0755), 0);
}

/* Two plugins loaded at once are two objects (loaded through fds whose
 * numbers a careless loader would reuse). */
static void test_two_plugins_at_once(void **state)
{
	struct loaded_policy a, b;
	char err[1024];

	(void)state;
	assert_int_equal(policy_load(dir, "good", &a, err, sizeof(err)), 0);
	assert_int_equal(policy_load(dir, "newer_abi", &b, err, sizeof(err)), 0);
	assert_string_equal(a.ops.name, "good");
	assert_string_equal(b.ops.name, "newer_abi");
	assert_ptr_not_equal(a.handle, b.handle);
	policy_unload(&a);
	assert_int_equal(policy_load(dir, "good", &a, err, sizeof(err)), 0);
	assert_string_equal(a.ops.name, "good");
	policy_unload(&a);
	policy_unload(&b);
}

/* Messages name the file, not the descriptor it was loaded through. */
static void test_message_names_the_file(void **state)
{
	struct loaded_policy lp;
	char err[1024];

	(void)state;
	assert_int_equal(policy_load(dir, "not_elf", &lp, err, sizeof(err)), -ENOEXEC);
	assert_non_null(strstr(err, dir));
	assert_null(strstr(err, "/proc/self/fd"));
}

/* init is the host's call; the loader hands out a working descriptor. */
static void test_init_failure_reported(void **state)
{
	struct loaded_policy lp;
	char err[512];
	void *ctx;

	(void)state;
	assert_int_equal(policy_load(dir, "init_fails", &lp, err, sizeof(err)), 0);

	assert_int_equal(lp.ops.init(NULL, &ctx), -EIO);
	policy_unload(&lp);
}

static void test_search_path(void **state)
{
	struct loaded_policy lp;
	char dirs[200], err[512];

	(void)state;
	snprintf(dirs, sizeof(dirs), "/nonexistent:%s", dir);
	assert_int_equal(policy_load(dirs, "good", &lp, err, sizeof(err)), 0);
	policy_unload(&lp);
}

/* Loading async plugin `name` fails with -ENOEXEC and exactly "DIR/NAME.so: why". */
static void assert_async_refused(const char *name, const char *why)
{
	struct loaded_async la;
	char err[1024] = "", want[1024];
	int fds = count_fds(), ret;

	snprintf(want, sizeof(want), "%s/%s.so: %s", dir, name, why);
	ret = async_load(dir, name, &la, err, sizeof(err));
	if (ret != -ENOEXEC || strcmp(err, want))
		fail_msg("%s: got %d '%s', want %d '%s'", name, ret, err, -ENOEXEC, want);
	assert_null(la.handle);
	assert_int_equal(count_fds(), fds);
}

static void test_async_good_loads(void **state)
{
	struct loaded_async la;
	char err[512] = "";

	(void)state;
	if (async_load(dir, "async_good", &la, err, sizeof(err)))
		fail_msg("async_good: %s", err);
	assert_non_null(la.handle);
	assert_string_equal(la.ops.name, "async_good");
	assert_int_equal(la.ops.abi_version, PLUGLAND_ABI_VERSION);
	assert_int_equal(la.ops.sz, sizeof(struct plugland_async));
	assert_non_null(la.ops.consume);
	assert_non_null(la.ops.exit);
	async_unload(&la);
	assert_null(la.handle);
}

/* Another major's callbacks may take other arguments: never called. */
static void test_async_wrong_major_refused(void **state)
{
	char why[256];

	(void)state;
	snprintf(why, sizeof(why), "built for plugin ABI %d.3, newer than this host's %d.%d: "
		 "update scx_plugland, or rebuild it against this host's header",
		 PLUGLAND_ABI_MAJOR + 1, PLUGLAND_ABI_MAJOR, PLUGLAND_ABI_MINOR);
	assert_async_refused("async_wrong_abi", why);
}

/* A descriptor that ends before exit(): reading exit() would read past it. */
static void test_async_too_small_refused(void **state)
{
	char why[256];

	(void)state;
	/* ABI 2.0's descriptor ends with exit(), whatever later ones add */
	snprintf(why, sizeof(why), "descriptor size %zu is smaller than ABI 2.0's (%zu)",
		 offsetof(struct plugland_async, exit),
		 offsetof(struct plugland_async, exit) + sizeof(void (*)(void)));
	assert_async_refused("async_small", why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_plugin_loads),
		cmocka_unit_test(test_newer_compatible_abi_loads),
		cmocka_unit_test(test_abi_1_refused),
		cmocka_unit_test(test_writable_parent_refused),
		cmocka_unit_test(test_message_names_the_file),
		cmocka_unit_test(test_two_plugins_at_once),
		cmocka_unit_test(test_broken_plugins_refused),
		cmocka_unit_test(test_writable_folder_refused),
		cmocka_unit_test(test_init_failure_reported),
		cmocka_unit_test(test_search_path),
		cmocka_unit_test(test_async_good_loads),
		cmocka_unit_test(test_async_wrong_major_refused),
		cmocka_unit_test(test_async_too_small_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

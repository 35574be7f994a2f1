// SPDX-License-Identifier: GPL-2.0
/* The rules policy (plugins/rules): classes, reloads, the resolver. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "policy_harness.h"

#define MS 1000000ull

static char dir[64], rules_path[128], setting[256];

static int make_dir(void **state)
{
	(void)state;
	if (harness_tmpdir("rules", dir))
		return -1;
	snprintf(rules_path, sizeof(rules_path), "%s/rules.ini", dir);
	snprintf(setting, sizeof(setting), "rules.file=%s", rules_path);
	return 0;
}

static int remove_dir(void **state)
{
	(void)state;
	return harness_tmpdir_remove(dir);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Under saturation (four CPU hogs on two CPUs) two identical tasks, one
 * latency-critical, one background: the first hardly waits. */
static void test_latency_before_background(void **state)
{
	static const char *const comms[6] = { "hog", "hog", "hog", "hog", "player", "indexer" };
	struct synth_behaviour b[6] = {
		[4] = { .burst_ns = 700000, .sleep_ns = 3300000 },
		[5] = { .burst_ns = 700000, .sleep_ns = 3300000 },
	};
	struct synth_opts o = { .nr_cpus = 2, .nr_tasks = 6, .max_ns = 10000 * MS,
				.behaviours = b, .comms = comms };
	uint64_t lc_p99, bg_p99;
	struct harness h;

	(void)state;
	/* Globs: decided in enqueue(). (Regex and cgroup rules are decided
	 * by the resolver in real time, not in the simulation's time.) */
	write_file(rules_path, "[audio]\ncomm = play*\nclass = latency\n\n"
			       "[batch]\ncomm = index*\nclass = background\n");
	harness_load(&h, "rules");
	harness_set(&h, setting);
	harness_start(&h, &o);
	harness_run(&h);
	lc_p99 = synth_wait_percentile(synth_backend_task(h.be, 4), 99);
	bg_p99 = synth_wait_percentile(synth_backend_task(h.be, 5), 99);
	printf("  p99 wait: latency %llu us, background %llu us, hog %llu us\n",
	       (unsigned long long)lc_p99 / 1000, (unsigned long long)bg_p99 / 1000,
	       (unsigned long long)synth_wait_percentile(synth_backend_task(h.be, 0), 99) / 1000);
	assert_true(lc_p99 * 10 < bg_p99);
	/* background still runs: the starvation bound lets it through */
	assert_true(synth_backend_task(h.be, 5)->nr_dispatched > 5);
	assert_true(synth_backend_task(h.be, 5)->wait_max_ns < 1100 * MS);
	harness_stop(&h);
}

/* Direct calls: a preempted task (flags 0) gives the gate a CPU, so the
 * next dispatch() releases it. */
static uint64_t slice_of(struct harness *h, int32_t pid, const char *comm)
{
	static uint64_t cookie;
	struct plugland_task t = { .pid = pid, .tgid = pid, .cpu = 0, .weight = 100,
				   .cookie = ++cookie, .nr_cpus_allowed = 2 };
	struct plugland_dispatch d;

	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	assert_int_equal(h->ops.enqueue(&t), 0);
	assert_int_equal(h->ops.dispatch(&d, 1), 1);
	assert_int_equal(d.pid, pid);
	assert_int_equal(d.cookie, cookie);
	return d.slice_ns;
}

/* extra: one more setting, or NULL. */
static void start_direct(struct harness *h, const char *extra)
{
	harness_load(h, "rules");
	harness_set(h, setting);
	harness_set(h, "rules.slice_us=5000");
	harness_set(h, "rules.min_slice_us=5000");
	if (extra)
		harness_set(h, extra);
	harness_services(h, "rules", 2);
	assert_int_equal(h->ops.init(&h->svc.host), 0);
}

static void test_reload_swaps_rules(void **state)
{
	struct harness h;

	(void)state;
	write_file(rules_path, "[a]\ncomm = foo*\nslice_us = 1111\n");
	start_direct(&h, NULL);
	assert_int_equal(slice_of(&h, 100, "foobar"), 1111000);
	assert_int_equal(slice_of(&h, 101, "other"), 5000000);

	/* A bad file: refused with file:line, the old rules stay. */
	write_file(rules_path, "[a]\ncomm = foo*\nslice_us = 2222\nclass = urgent\n");
	assert_int_equal(h.ops.reconfigure(), -EINVAL);
	assert_int_equal(slice_of(&h, 100, "foobar"), 1111000);

	/* A good one: every task is classified again by it. */
	write_file(rules_path, "[a]\ncomm = foo*\nslice_us = 2222\n[b]\npid = 101\nslice_us = 3333\n");
	assert_int_equal(h.ops.reconfigure(), 0);
	assert_int_equal(slice_of(&h, 100, "foobar"), 2222000);
	assert_int_equal(slice_of(&h, 101, "other"), 3333000);
	/* A comm change is a new classification too (exec). */
	assert_int_equal(slice_of(&h, 100, "bash"), 5000000);

	/* The file key itself may change; unset means no rules. */
	harness_set(&h, "rules.file=");
	assert_int_equal(h.ops.reconfigure(), 0);
	assert_int_equal(slice_of(&h, 101, "other"), 5000000);
	h.ops.exit();
	harness_close(h.handle);
}

static void expect_error(const char *text, const char *want)
{
	char full[512];
	struct harness h;

	write_file(rules_path, text);
	harness_load(&h, "rules");
	harness_set(&h, setting);
	harness_services(&h, "rules", 4);
	assert_int_equal(h.ops.init(&h.svc.host), -EINVAL);
	snprintf(full, sizeof(full), "%s:%s", rules_path, want);
	if (strcmp(harness_last_log, full))
		fail_msg("got '%s', want '%s'", harness_last_log, full);
	harness_close(h.handle);
}

static void test_bad_rules_located(void **state)
{
	(void)state;
	expect_error("[a]\ncomm = x\n\nclass = fast\n",
		     "4: class: expected latency, normal or background, got 'fast'");
	expect_error("[a]\ncomm = x\ncolour = red\n", "3: unknown key 'colour' in [a]");
	expect_error("[a]\ncomm = x\ncomm = y\n", "3: duplicate key 'comm' in [a]");
	expect_error("[a]\nclass = latency\n", "2: rule [a] matches nothing: give it comm, "
		     "comm_regex, pid, tgid or cgroup (comm = * for every task)");
	expect_error("[a]\ncomm_regex = (unclosed\n",
		     "2: comm_regex: Unmatched ( or \\( in '(unclosed'"); /* glibc's words */
	expect_error("[a]\ncomm = x\ncpus = 0-9\n",
		     "3: cpus: CPU 9 does not exist (this machine has 0-3)");
	expect_error("[a]\npid = -4\n", "2: pid: expected a process id, got '-4'");
	expect_error("comm = x\n", "1: 'comm' is outside any [rule]");
	expect_error("[a]\ncomm = x\n[b]\ncomm = y\n[a]\ntgid = 1\n",
		     "6: rule [a] again (first at line 2)");
	expect_error("[a\ncomm = x\n", "1: syntax error (or a line too long)");
}

static void test_cpu_set(void **state)
{
	struct plugland_task t = { .pid = 300, .tgid = 300, .cpu = 0, .weight = 100,
				   .comm = "pinned" };
	struct plugland_dispatch d;
	struct harness h;

	(void)state;
	write_file(rules_path, "[pin]\ncomm = pinned\ncpus = 1\n");
	start_direct(&h, NULL);
	assert_int_equal(h.ops.enqueue(&t), 0);
	assert_int_equal(h.ops.dispatch(&d, 1), 1);
	assert_int_equal(d.cpu, 1);
	h.ops.exit();
	harness_close(h.handle);
}

/* Enqueue until the resolver's answer shows in the slice (2 s at most). */
static uint64_t resolved_slice(struct harness *h, int32_t pid, const char *comm, uint64_t want)
{
	struct timespec pause = { .tv_nsec = 1000000 };
	uint64_t got = 0;
	int i;

	for (i = 0; i < 2000 && got != want; i++) {
		got = slice_of(h, pid, comm);
		nanosleep(&pause, NULL);
	}
	return got;
}

/* cgroup and regex rules are decided by the resolver thread, reading a
 * fake /proc; a quick rule before them is decided at once. */
static void test_resolver_classifies(void **state)
{
	char path[256], proc_root[128], rules[512];
	struct harness h;

	(void)state;
	snprintf(proc_root, sizeof(proc_root), "%s/proc", dir);
	snprintf(path, sizeof(path), "%s/4242", proc_root);
	assert_int_equal(mkdir(proc_root, 0755) || mkdir(path, 0755), 0);
	strcat(path, "/cgroup");
	write_file(path, "0::/system.slice/db.service\n");
	snprintf(rules, sizeof(rules),
		 "[shell]\ncomm = bash\nslice_us = 1000\n"
		 "[db]\ncgroup = /system.slice/db*\nslice_us = 3333\n"
		 "[re]\ncomm_regex = ^(make|ninja)$\nslice_us = 4444\n");
	write_file(rules_path, rules);
	snprintf(path, sizeof(path), "rules.proc_root=%s", proc_root);
	start_direct(&h, path);

	assert_int_equal(slice_of(&h, 4241, "bash"), 1000000); /* no resolver needed */
	assert_int_equal(resolved_slice(&h, 4242, "postgres", 3333000), 3333000);
	assert_int_equal(resolved_slice(&h, 4243, "ninja", 4444000), 4444000);
	assert_int_equal(resolved_slice(&h, 4244, "cc1", 5000000), 5000000); /* no rule */

	/* A reload while answers for the old rules may be in flight: they
	 * are dropped, the new rules decide. */
	slice_of(&h, 4245, "make");
	write_file(rules_path, "[db]\ncgroup = /system.slice/*\nslice_us = 6666\n"
			       "[re]\ncomm_regex = ^make$\nslice_us = 7777\n");
	assert_int_equal(h.ops.reconfigure(), 0);
	assert_int_equal(resolved_slice(&h, 4242, "postgres", 6666000), 6666000);
	assert_int_equal(resolved_slice(&h, 4245, "make", 7777000), 7777000);
	h.ops.exit();
	harness_close(h.handle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latency_before_background),
		cmocka_unit_test(test_reload_swaps_rules),
		cmocka_unit_test(test_bad_rules_located),
		cmocka_unit_test(test_cpu_set),
		cmocka_unit_test(test_resolver_classifies),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}

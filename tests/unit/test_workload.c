// SPDX-License-Identifier: GPL-2.0
/*
 * The workload file (workload.h): every bad input refused with its exact
 * "FILE:LINE: message"; a good one read as written; the distributions'
 * draws (means over many, bounds, the same stream for the same seed); the
 * built-in 4x16 of --simulate equal to conf/workloads/cpu-bound.ini.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "workload.h"

static struct workload w;

/* Load text as "t.ini": 0, or -1 with the message in err. */
static int load(const char *text, char *err, size_t len)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	ret = workload_load_stream(&w, f, "t.ini", err, len);
	fclose(f);
	return ret;
}

#define GROUP "[group g]\ncount = 2\n"

static const struct {
	const char *text, *err;
} bad[] = {
	{ "", "t.ini:1: no [group NAME] section: nothing would run" },
	{ "[machine]\ncpus = 4\n", "t.ini:1: no [group NAME] section: nothing would run" },
	{ "cpus = 4\n" GROUP, "t.ini:1: 'cpus' is outside any section: start with [machine] or "
			      "[group NAME]" },
	{ "[machine]\ncpu = 4\n" GROUP, "t.ini:2: unknown key 'cpu' in [machine] (cpus, smt, llcs, "
					"seed)" },
	{ "[machines]\n", "t.ini:1: unknown section [machines]: expected [machine] or [group NAME]" },
	{ "[group]\ncount = 1\n", "t.ini:1: unknown section [group]: expected [machine] or "
				  "[group NAME]" },
	{ "[group a b]\ncount = 1\n", "t.ini:1: [group a b]: a group's name is 1 to 31 letters, "
				      "digits, '_' or '-'" },
	{ GROUP "\n[group g]\ncount = 1\n", "t.ini:4: a second [group g] (the first is on line 1)" },
	{ "[machine]\n[machine]\n" GROUP, "t.ini:2: a second [machine] (the first is on line 1)" },
	{ GROUP "count = 3\n", "t.ini:3: duplicate key 'count' in [group g] (first on line 2)" },
	{ GROUP "speed = 3\n", "t.ini:3: unknown key 'speed' in [group g] (count, weight, nice, "
			       "comm, burst, sleep, cpus, start)" },
	{ "[group g]\ncount = 0\n", "t.ini:2: count: expected a number of tasks in 1..4096, got '0'" },
	{ "[group g]\ncount = -1\n", "t.ini:2: count: expected a number of tasks in 1..4096, "
				     "got '-1'" },
	{ "[group g]\ncount = 4000\n[group h]\ncount = 97\n",
	  "t.ini:4: count: 97 more tasks make 4097, more than the 4096 a simulation takes" },
	{ "[group g]\n", "t.ini:1: [group g] has no count" },
	{ "[machine]\ncpus = 0\n" GROUP, "t.ini:2: cpus: expected a number of CPUs in 1..1024, "
					 "got '0'" },
	{ "[machine]\ncpus = 4x\n" GROUP, "t.ini:2: cpus: expected a number of CPUs in 1..1024, "
					  "got '4x'" },
	{ "[machine]\ncpus = 6\nsmt = 2\nllcs = 2\n" GROUP,
	  "t.ini:1: [machine]: cpus = 6 do not make 2 last-level caches of whole cores of 2 CPUs "
	  "(smt)" },
	{ "[machine]\nsmt = 9\n" GROUP, "t.ini:2: smt: expected CPUs per core in 1..8, got '9'" },
	{ "[machine]\nseed = x\n" GROUP, "t.ini:2: seed: expected a number in "
					 "0..18446744073709551615, got 'x'" },
	{ GROUP "burst = 50\n", "t.ini:3: burst: expected a duration like 50us (a whole number and "
				"ns, us, ms or s; at most 3600s), got '50'" },
	{ GROUP "burst = 50 us\n", "t.ini:3: burst: expected a duration like 50us (a whole number "
				   "and ns, us, ms or s; at most 3600s), got '50 us'" },
	{ GROUP "burst = 1.5ms\n", "t.ini:3: burst: expected a duration like 50us (a whole number "
				   "and ns, us, ms or s; at most 3600s), got '1.5ms'" },
	{ GROUP "burst = 3601s\n", "t.ini:3: burst: expected a duration like 50us (a whole number "
				   "and ns, us, ms or s; at most 3600s), got '3601s'" },
	{ GROUP "burst = 0\nsleep = 1ms\n", "t.ini:3: burst: at least 1 ns (0 CPU time is no "
					    "burst)" },
	{ GROUP "burst = uniform:2ms-1ms\nsleep = 0\n", "t.ini:3: burst: uniform:2ms-1ms: the low "
							"end is above the high end" },
	{ GROUP "burst = uniform:1ms\nsleep = 0\n", "t.ini:3: burst: expected uniform:LO-HI, like "
						    "uniform:10us-2ms, got 'uniform:1ms'" },
	{ GROUP "burst = exp:0\nsleep = 0\n", "t.ini:3: burst: exp:0 has no mean: use a fixed 0" },
	{ GROUP "burst = gauss:1ms\nsleep = 0\n", "t.ini:3: burst: expected a duration like 50us "
						  "(a whole number and ns, us, ms or s; at most "
						  "3600s), got 'gauss:1ms'" },
	{ GROUP "sleep = forever\n", "t.ini:3: sleep: only a burst may be forever" },
	{ GROUP "burst = 1ms\n", "t.ini:3: [group g]: burst = 1ms needs a sleep (sleep = 0 to "
				 "queue again at once)" },
	{ GROUP "sleep = 1ms\n", "t.ini:3: [group g]: sleep: a task whose burst is forever never "
				 "sleeps" },
	{ GROUP "weight = 0\n", "t.ini:3: weight: expected a number in 1..10000 (100: nice 0), "
				"got '0'" },
	{ GROUP "weight = 10001\n", "t.ini:3: weight: expected a number in 1..10000 (100: nice 0), "
				    "got '10001'" },
	{ GROUP "nice = 20\n", "t.ini:3: nice: expected a number in -20..19, got '20'" },
	{ GROUP "weight = 5\nnice = 1\n", "t.ini:4: [group g]: weight or nice, not both (the other "
					  "is on line 3)" },
	{ GROUP "comm = 0123456789abcdef\n", "t.ini:3: comm: expected 1 to 15 bytes, got "
					     "'0123456789abcdef'" },
	{ "[group g]\ncount = 100\ncomm = 0123456789abc\n",
	  "t.ini:3: [group g]: comm '0123456789abc-99' is longer than 15 bytes: set a shorter comm" },
	/* what came from the file is shown escaped */
	{ "[group g]\ncount = 100\ncomm = ab\xfb" "cdefghijkl\n",
	  "t.ini:3: [group g]: comm 'ab\\xfbcdefghijkl-99' is longer than 15 bytes: set a shorter "
	  "comm" },
	{ "[group a_very_long_group_name]\ncount = 1\n",
	  "t.ini:1: [group a_very_long_group_name]: comm 'a_very_long_gro-0' is longer than 15 "
	  "bytes: set a shorter comm" },
	{ GROUP "cpus =\n", "t.ini:3: cpus: an empty list: name the CPUs, like 0-1,3" },
	{ GROUP "cpus = 0-4\n", "t.ini:3: [group g]: cpus: CPU 4 is not on the machine (cpus = 4: "
				"0..3)" },
	{ "[machine]\ncpus = 2\n" GROUP "cpus = 1,2\n",
	  "t.ini:5: [group g]: cpus: CPU 2 is not on the machine (cpus = 2: 0..1)" },
	{ GROUP "cpus = 3-1\n", "t.ini:3: cpus: 3-1 runs backwards" },
	{ GROUP "cpus = 0,\n", "t.ini:3: cpus: expected a list of CPUs like 0-1,3, got '0,'" },
	{ GROUP "cpus = 0 1\n", "t.ini:3: cpus: expected a list of CPUs like 0-1,3, got '0 1'" },
	{ GROUP "cpus = 1024\n", "t.ini:3: cpus: '1024' names a CPU above 1023" },
	{ GROUP "start = forever\n", "t.ini:3: start: only a burst may be forever" },
	{ GROUP "count\n", "t.ini:3: syntax error: not a [section], a key = value or a comment" },
	{ GROUP "comm = a\x1b[2J\n", "t.ini:3: control character 0x1b at byte 9 (only tab is "
				     "accepted)" },
};

static void test_bad_files(void **state)
{
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (load(bad[i].text, err, sizeof(err)) != -1 || strcmp(err, bad[i].err))
			fail_msg("input %zu:\n%s\nwant: %s\ngot:  %s", i, bad[i].text, bad[i].err, err);
	}
}

static void test_missing_file(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(workload_load(&w, "/nonexistent/x.ini", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/x.ini: No such file or directory");
	assert_int_equal(workload_load(&w, "/tmp", err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: Is a directory");
}

static void test_good_file(void **state)
{
	static const char text[] =
		"# a comment\n"
		"[machine]\ncpus = 8\nsmt = 2\nllcs = 2\nseed = 99\n"
		"[group web]\ncount = 3\nnice = -5\ncomm = nginx\nburst = uniform:10us-2ms\n"
		"sleep = exp:5ms ; inline comment\ncpus = 0-1,6\nstart = 100ms\n"
		"[group batch]\ncount = 2\nweight = 50\n";
	const struct workload_group *g;
	char err[512] = "", buf[64];

	(void)state;
	assert_int_equal(load(text, err, sizeof(err)), 0);
	assert_string_equal(w.source, "t.ini");
	assert_int_equal(w.nr_cpus, 8);
	assert_int_equal(w.smt, 2);
	assert_int_equal(w.llcs, 2);
	assert_int_equal(w.seed, 99);
	assert_int_equal(w.nr_groups, 2);
	assert_int_equal(w.nr_tasks, 5);
	g = &w.groups[0];
	assert_string_equal(g->name, "web");
	assert_string_equal(g->comm, "nginx");
	assert_int_equal(g->line, 7);
	assert_int_equal(g->weight, 305); /* the kernel's 3121 * 100 / 1024, rounded */
	assert_string_equal(workload_dist_text(&g->burst, buf, sizeof(buf)), "uniform:10us-2ms");
	assert_string_equal(workload_dist_text(&g->sleep, buf, sizeof(buf)), "exp:5ms");
	assert_string_equal(workload_dist_text(&g->start, buf, sizeof(buf)), "100ms");
	assert_true(g->pinned);
	assert_int_equal(g->cpus.bits[0], 0x43);
	g = &w.groups[1];
	assert_string_equal(g->comm, "batch");
	assert_int_equal(g->weight, 50);
	assert_int_equal(g->burst.kind, WORKLOAD_FOREVER);
	assert_false(g->pinned);
	assert_int_equal(g->cpus.bits[0], 0xff);
	/* every CPU named is no restriction */
	assert_int_equal(load("[machine]\ncpus = 2\n[group a]\ncount = 1\ncpus = 0-1\n", err,
			      sizeof(err)), 0);
	assert_false(w.groups[0].pinned);
	/* the nice extremes, as sched_ext weighs them */
	assert_int_equal(load(GROUP "nice = -20\n", err, sizeof(err)), 0);
	assert_int_equal(w.groups[0].weight, 8668);
	assert_int_equal(load(GROUP "nice = 19\n", err, sizeof(err)), 0);
	assert_int_equal(w.groups[0].weight, 1);
}

/* Over many draws, each distribution's mean is its own, within 2 %;
 * every draw in its bounds. */
static void test_distribution_means(void **state)
{
	static const struct workload_dist dists[] = {
		{ WORKLOAD_FIXED, 50000, 0 },
		{ WORKLOAD_UNIFORM, 10000, 2000000 },
		{ WORKLOAD_UNIFORM, 7, 7 },
		{ WORKLOAD_EXP, 500000, 0 },
		{ WORKLOAD_EXP, 3, 0 },
	};
	const unsigned int n = 200000;
	size_t d;

	(void)state;
	for (d = 0; d < sizeof(dists) / sizeof(dists[0]); d++) {
		uint64_t rng = 12345, v, lo = UINT64_MAX, hi = 0;
		double sum = 0, mean = workload_dist_mean(&dists[d]);
		unsigned int i;

		for (i = 0; i < n; i++) {
			v = workload_sample(&dists[d], &rng);
			sum += (double)v;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		if (sum / n < mean * 0.98 || sum / n > mean * 1.02)
			fail_msg("distribution %zu: mean %.1f over %u draws, want %.1f", d, sum / n, n,
				 mean);
		if (dists[d].kind == WORKLOAD_UNIFORM) {
			assert_true(lo >= dists[d].a_ns && hi <= dists[d].b_ns);
			/* the ends are drawn too */
			assert_true(lo < dists[d].a_ns + (dists[d].b_ns - dists[d].a_ns) / 100 + 1);
			assert_true(hi + (dists[d].b_ns - dists[d].a_ns) / 100 + 1 > dists[d].b_ns);
		}
		if (dists[d].kind == WORKLOAD_EXP) /* a long tail, not a bound */
			assert_true(hi > 5 * dists[d].a_ns);
	}
}

/* A task's draws come from its own stream, from the seed and its group's
 * name: the same file draws the same; another seed, others; a group added
 * before it changes nothing of it. */
static void test_streams(void **state)
{
	static const char one[] = "[machine]\nseed = 5\n[group web]\ncount = 2\nburst = exp:1ms\n"
				  "sleep = uniform:0-10ms\nstart = uniform:0-1s\n";
	static const char two[] = "[machine]\nseed = 5\n[group other]\ncount = 3\n"
				  "[group web]\ncount = 2\nburst = exp:1ms\nsleep = uniform:0-10ms\n"
				  "start = uniform:0-1s\n";
	struct synth_behaviour a[2][8], b[8];
	struct workload_machine m;
	char err[512];
	int run, i;

	(void)state;
	for (run = 0; run < 2; run++) {
		assert_int_equal(load(one, err, sizeof(err)), 0);
		assert_int_equal(workload_machine_init(&m, &w), 0);
		for (i = 0; i < 8; i++)
			a[run][i] = workload_draw(&m, 1);
		assert_true(m.start_ns[0] != m.start_ns[1]);
		workload_machine_fini(&m);
	}
	assert_memory_equal(a[0], a[1], sizeof(a[0]));
	for (i = 0; i < 8; i++)
		assert_true(a[0][i].burst_ns >= 1 && a[0][i].sleep_ns <= 10000000);
	assert_int_equal(load(two, err, sizeof(err)), 0);
	assert_int_equal(workload_machine_init(&m, &w), 0);
	assert_string_equal(m.comms[4], "web-1");
	for (i = 0; i < 8; i++)
		b[i] = workload_draw(&m, 4);
	assert_memory_equal(a[0], b, sizeof(b));
	workload_machine_fini(&m);
	w.seed = 6;
	assert_int_equal(workload_machine_init(&m, &w), 0);
	for (i = 0; i < 8; i++)
		b[i] = workload_draw(&m, 4);
	assert_memory_not_equal(a[0], b, sizeof(b));
	workload_machine_fini(&m);
}

/* --simulate N alone runs conf/workloads/cpu-bound.ini, field for field. */
static void test_default_is_the_shipped_cpu_bound(void **state)
{
	static struct workload builtin;
	char err[512];
	uint32_t i;

	(void)state;
	workload_default(&builtin);
	assert_int_equal(workload_load(&w, WORKLOADS_DIR "/cpu-bound.ini", err, sizeof(err)), 0);
	assert_int_equal(w.nr_groups, 1);
	/* what only says where it came from */
	memcpy(w.source, builtin.source, sizeof(w.source));
	w.groups[0].line = builtin.groups[0].line;
	assert_memory_equal(&w, &builtin, sizeof(w));
	/* and the tasks made of it */
	{
		struct workload_machine a, b;
		struct synth_opts oa = { 0 }, ob = { 0 };

		assert_int_equal(workload_machine_init(&a, &w), 0);
		assert_int_equal(workload_machine_init(&b, &builtin), 0);
		workload_machine_opts(&a, &oa);
		workload_machine_opts(&b, &ob);
		assert_int_equal(oa.nr_tasks, 16);
		assert_int_equal(oa.nr_cpus, 4);
		assert_null(oa.allowed);
		for (i = 0; i < 16; i++) {
			char want[16];

			snprintf(want, sizeof(want), "synth-%u", i);
			assert_string_equal(oa.comms[i], want);
			assert_string_equal(ob.comms[i], want);
			assert_int_equal(oa.weights[i], 100);
			assert_int_equal(oa.start_ns[i], 0);
			assert_int_equal(workload_draw(&a, i).burst_ns, 0);
		}
		workload_machine_fini(&a);
		workload_machine_fini(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_distribution_means),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_default_is_the_shipped_cpu_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

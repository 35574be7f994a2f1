// SPDX-License-Identifier: GPL-2.0
/*
 * The shipped workloads (conf/workloads/) under every shipped policy, on
 * the host as --simulate builds it: every decision consistent, no task
 * ever on a CPU outside its set (a rules file that pins a pinned group
 * elsewhere included: those decisions bounce), the same report byte for
 * byte when run again, and the built-in 4x16 reporting as its file does.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "policy_harness.h"
#include "sim_report.h"
#include "topology.h"
#include "workload.h"

#define DECISIONS 20000

static const char *const examples[] = { "cpu-bound", "interactive", "request-serving", "mixed" };
static const char *const policies[] = { "fifo", "deadline", "lottery", "rules" };
#define NR(a) (sizeof(a) / sizeof((a)[0]))

static struct harness h;
static struct workload w;

static void load_example(const char *name)
{
	char path[512], err[512];

	snprintf(path, sizeof(path), "%s/%s.ini", WORKLOADS_DIR, name);
	if (workload_load(&w, path, err, sizeof(err)))
		fail_msg("%s", err);
}

/*
 * Run policy (with its --set lines) on workload wl for DECISIONS; check
 * every task ran only where it may; the report into *report (malloc()ed)
 * if asked. Returns the decisions that named a CPU outside the task's set.
 */
static uint64_t run(const struct workload *wl, const char *policy, const char *const *sets,
		    char **report)
{
	struct synth_opts o = { .max_decisions = DECISIONS };
	struct workload_machine wm;
	struct topology *topo = topology_new_simulated((int)wl->nr_cpus, (int)wl->smt,
						       (int)wl->llcs);
	uint64_t bounced;
	uint32_t i, c;
	size_t len;
	FILE *out;

	assert_non_null(topo);
	assert_int_equal(workload_machine_init(&wm, wl), 0);
	workload_machine_opts(&wm, &o);
	o.topo = topo;
	harness_load(&h, policy);
	harness_set(&h, "lottery.seed=3"); /* else seeded from the clock and pid */
	for (; sets && *sets; sets++)
		harness_set(&h, *sets);
	harness_start(&h, &o);
	harness_run(&h);
	for (i = 0; i < wl->nr_tasks; i++) {
		const struct synth_task_stats *st = synth_backend_task(h.be, i);
		const struct workload_group *g = &wl->groups[wm.group_of[i]];

		for (c = 0; c < SYNTH_MAX_CPUS; c++)
			if (synth_cpumask_has(&st->ran_on, c) && !synth_cpumask_has(&g->cpus, c))
				fail_msg("%s, %s: task %s ran on CPU %u, outside its cpus", wl->source,
					 policy, wm.comms[i], c);
		assert_true(st->nr_dispatched > 0 || wm.start_ns[i] > 0);
	}
	if (report) {
		const struct sim_report_in in = {
			.wm = &wm, .machine = h.be, .policy = policy, .loop = &h.host.loop.st,
		};

		out = open_memstream(report, &len);
		assert_non_null(out);
		assert_int_equal(sim_report_print(&in, false, out), 0);
		assert_int_equal(sim_report_print(&in, true, out), 0);
		fclose(out);
	}
	bounced = synth_backend_stats(h.be)->nr_bounced;
	harness_stop(&h);
	workload_machine_fini(&wm);
	topology_free(topo);
	return bounced;
}

/* Each example under each policy, twice: consistent, in its CPU sets,
 * and the same report to the byte. */
static void test_examples_under_every_policy(void **state)
{
	size_t e, p;

	(void)state;
	for (e = 0; e < NR(examples); e++) {
		load_example(examples[e]);
		for (p = 0; p < NR(policies); p++) {
			char *first = NULL, *again = NULL;

			run(&w, policies[p], NULL, &first);
			run(&w, policies[p], NULL, &again);
			if (strcmp(first, again))
				fail_msg("%s under %s: two runs reported differently:\n%s\n---\n%s",
					 examples[e], policies[p], first, again);
			free(first);
			free(again);
		}
	}
}

/* The rules policy pins mixed.ini's irq-poll (cpus = 3) to CPU 0: every
 * such decision is refused as the kernel refuses it, the task runs on 3. */
static void test_policy_pinning_elsewhere_bounces(void **state)
{
	static const char rules[] = "[poll]\ncomm = irq-poll-*\ncpus = 0\n";
	char dir[64], path[128], set[160];
	const char *sets[] = { set, NULL };
	FILE *f;

	(void)state;
	assert_int_equal(harness_tmpdir("workload", dir), 0);
	snprintf(path, sizeof(path), "%s/pin.rules", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(rules, f);
	fclose(f);
	snprintf(set, sizeof(set), "rules.file=%s", path);
	load_example("mixed");
	assert_true(run(&w, "rules", sets, NULL) > 0);
	assert_int_equal(harness_tmpdir_remove(dir), 0);
}

/* --simulate N alone reports as --workload conf/workloads/cpu-bound.ini. */
static void test_default_reports_as_its_file(void **state)
{
	static struct workload builtin;
	char *from_file = NULL, *from_default = NULL;
	size_t p;

	(void)state;
	workload_default(&builtin);
	load_example("cpu-bound");
	memcpy(w.source, builtin.source, sizeof(w.source));
	for (p = 0; p < NR(policies); p++) {
		run(&w, policies[p], NULL, &from_file);
		run(&builtin, policies[p], NULL, &from_default);
		assert_string_equal(from_file, from_default);
		free(from_file);
		free(from_default);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples_under_every_policy),
		cmocka_unit_test(test_policy_pinning_elsewhere_bounces),
		cmocka_unit_test(test_default_reports_as_its_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

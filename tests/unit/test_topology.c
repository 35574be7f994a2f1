// SPDX-License-Identifier: GPL-2.0
/*
 * CPU topology from a fake sysfs tree, and the order in which an idle CPU
 * is looked for: the previous CPU, its SMT siblings, its last-level
 * cache, then any (host/topology.c; the synthetic backend follows it as
 * the BPF program does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "synth_backend.h"
#include "topology.h"

#define NR 8

static char root[64];
static struct topology *topo;

static void put(const char *rel, const char *text)
{
	char path[256], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", text);
	fclose(f);
}

/* 8 CPUs: cores {0,1} {2,3} {4,5} {6,7} (SMT pairs), LLCs {0-3} {4-7},
 * nodes 0 (CPUs 0-3) and 1 (4-7). */
static int make_tree(void **state)
{
	char rel[160], text[16];
	int cpu;

	(void)state;
	strcpy(root, "/tmp/plugland-topology-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	for (cpu = 0; cpu < NR; cpu++) {
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
			 cpu);
		snprintf(text, sizeof(text), "%d-%d", cpu & ~1, (cpu & ~1) + 1);
		put(rel, text);
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cache/index0/shared_cpu_list",
			 cpu);
		put(rel, text); /* L1: the core's */
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/cache/index1/shared_cpu_list",
			 cpu);
		snprintf(text, sizeof(text), "%d-%d", cpu & ~3, (cpu & ~3) + 3);
		put(rel, text); /* L3: four CPUs */
		snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/node%d/cpulist", cpu, cpu / 4);
		put(rel, text);
	}
	topo = topology_new(root, NR);
	return topo ? 0 : -1;
}

static int remove_tree(void **state)
{
	char cmd[96];

	(void)state;
	topology_free(topo);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

static void test_ids(void **state)
{
	struct plugland_cpu_topology t;

	(void)state;
	assert_int_equal(topology_get(topo, 5, &t), 0);
	assert_int_equal(t.core_id, 4);
	assert_int_equal(t.llc_id, 4);
	assert_int_equal(t.node_id, 1);
	assert_int_equal(topology_get(topo, NR, &t), -1);
}

static void test_idle_order(void **state)
{
	static const int32_t from0[] = { 0, 1, 2, 3 }, from5[] = { 5, 4, 6, 7 };
	int32_t o[16];

	(void)state;
	assert_int_equal(topology_idle_order(topo, 0, o, 16), 4);
	assert_memory_equal(o, from0, sizeof(from0));
	assert_int_equal(topology_idle_order(topo, 5, o, 16), 4);
	assert_memory_equal(o, from5, sizeof(from5));
	assert_int_equal(topology_idle_order(topo, 5, o, 2), 2); /* bounded by max */
	assert_int_equal(topology_idle_order(topo, -1, o, 16), 0);
	assert_int_equal(topology_idle_order(topo, NR, o, 16), 0);
}

/* On the synthetic machine, with every CPU free and each pick claiming
 * one: the task's CPU, its SMT sibling, its LLC, then the other LLC. */
static void test_synth_picks_in_that_order(void **state)
{
	struct synth_opts so = { .nr_cpus = NR, .nr_tasks = 1, .max_decisions = 1, .topo = topo };
	struct backend *be = synth_backend_new(&so);
	struct plugland_task t = { .pid = 1, .tgid = 1, .cpu = 6 };
	int got[NR], i;

	(void)state;
	assert_non_null(be);
	for (i = 0; i < NR; i++)
		got[i] = be->ops->pick_idle_cpu(be, &t);
	assert_int_equal(got[0], 6);
	assert_int_equal(got[1], 7);
	assert_true((got[2] == 4 && got[3] == 5) || (got[2] == 5 && got[3] == 4));
	for (i = 4; i < NR; i++)
		assert_true(got[i] >= 0 && got[i] < 4);
	assert_int_equal(be->ops->pick_idle_cpu(be, &t), -1); /* all claimed */
	synth_backend_free(be);
}

/* A simulated machine's topology: no SMT, one LLC, one node; its own
 * CPUs, whatever this machine has. */
static void test_flat(void **state)
{
	struct topology *flat = topology_new(NULL, 6);
	struct plugland_cpu_topology t;
	int32_t o[16];

	(void)state;
	assert_non_null(flat);
	assert_int_equal(topology_get(flat, 5, &t), 0);
	assert_int_equal(t.core_id, 5);
	assert_int_equal(t.llc_id, 0);
	assert_int_equal(t.node_id, 0);
	assert_int_equal(topology_get(flat, 6, &t), -1);
	assert_int_equal(topology_idle_order(flat, 3, o, 16), 6); /* itself, then the LLC */
	assert_int_equal(o[0], 3);
	assert_int_equal(topology_get(NULL, 0, &t), -1);
	assert_int_equal(topology_idle_order(NULL, 0, o, 16), 0);
	topology_free(flat);
}

/* A workload's machine ([machine] smt, llcs): siblings adjacent, LLCs of
 * consecutive CPUs; an idle CPU is looked for in that order. */
static void test_simulated_shape(void **state)
{
	struct topology *t = topology_new_simulated(8, 2, 2);
	struct plugland_cpu_topology c;
	int32_t o[16];

	(void)state;
	assert_non_null(t);
	assert_int_equal(topology_get(t, 5, &c), 0);
	assert_int_equal(c.core_id, 4);
	assert_int_equal(c.llc_id, 4);
	assert_int_equal(topology_get(t, 3, &c), 0);
	assert_int_equal(c.core_id, 2);
	assert_int_equal(c.llc_id, 0);
	/* 5, its sibling 4, then the rest of its LLC: 6, 7 */
	assert_int_equal(topology_idle_order(t, 5, o, 16), 4);
	assert_int_equal(o[0], 5);
	assert_int_equal(o[1], 4);
	assert_int_equal(o[2], 6);
	assert_int_equal(o[3], 7);
	topology_free(t);
	/* cores split across LLCs, or nothing to split: refused */
	assert_null(topology_new_simulated(6, 2, 2));
	assert_null(topology_new_simulated(0, 1, 1));
	assert_null(topology_new_simulated(4, 0, 1));
	/* smt = 1, llcs = 1 is the flat machine */
	t = topology_new_simulated(4, 1, 1);
	assert_non_null(t);
	assert_int_equal(topology_get(t, 3, &c), 0);
	assert_int_equal(c.core_id, 3);
	assert_int_equal(c.llc_id, 0);
	topology_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_simulated_shape),
		cmocka_unit_test(test_idle_order),
		cmocka_unit_test(test_synth_picks_in_that_order),
	};

	return cmocka_run_group_tests(tests, make_tree, remove_tree);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Each id is the lowest CPU of the group, so CPUs compare equal exactly
 * when they share the core (SMT siblings), the last-level cache, or the
 * NUMA node. Missing sysfs files leave a CPU in a group of its own (core,
 * LLC) or on node 0: a policy then simply sees less structure.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../bpf/intf.h"
#include "topology.h"

struct topology {
	int nr;
	struct plugland_cpu_topology cpu[PL_MAX_CPUS];
	/* topology_idle_order() for each CPU, computed once */
	int32_t idle_order[PL_MAX_CPUS][PL_PICK_CANDS];
	uint8_t idle_order_nr[PL_MAX_CPUS];
};

/* prev, SMT siblings, then the rest of the LLC, each group in CPU order */
static void build_idle_order(struct topology *t, int prev)
{
	const struct plugland_cpu_topology *topo = t->cpu;
	int32_t *o = t->idle_order[prev];
	int n = 0, pass, cpu;

	o[n++] = prev;
	for (pass = 0; pass < 2; pass++) {
		for (cpu = 0; cpu < t->nr && n < PL_PICK_CANDS; cpu++) {
			bool smt = topo[cpu].core_id == topo[prev].core_id &&
				   topo[cpu].node_id == topo[prev].node_id;

			if (cpu == prev || (pass == 0 ? !smt : smt) ||
			    (pass == 1 && topo[cpu].llc_id != topo[prev].llc_id))
				continue;
			o[n++] = cpu;
		}
	}
	t->idle_order_nr[prev] = (uint8_t)n;
}

/* The first CPU of a sysfs cpu list ("0-3,8"), or -1. */
static int first_cpu_of(const char *path)
{
	FILE *f = fopen(path, "r");
	int cpu = -1;

	if (f) {
		if (fscanf(f, "%d", &cpu) != 1)
			cpu = -1;
		fclose(f);
	}
	return cpu;
}

/* The highest cache level's shared_cpu_list: the last-level cache. */
static int llc_of(const char *root, int cpu)
{
	char path[256];
	int idx, first = -1;

	for (idx = 0; idx < 8; idx++) {
		snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list",
			 root, cpu, idx);
		int c = first_cpu_of(path);

		if (c < 0)
			break;
		first = c;
	}
	return first;
}

static int node_of(const char *root, int cpu)
{
	char path[256];
	struct dirent *e;
	DIR *d;
	int node = 0;

	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu%d", root, cpu);
	d = opendir(path);
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9')
			node = atoi(e->d_name + 4);
	if (d)
		closedir(d);
	return node;
}

struct topology *topology_new(const char *root, int nr_cpus)
{
	struct topology *t = calloc(1, sizeof(*t));
	char path[256];
	int cpu, id;

	if (!t)
		return NULL;
	t->nr = nr_cpus < 0 ? 0 : nr_cpus < PL_MAX_CPUS ? nr_cpus : PL_MAX_CPUS;
	for (cpu = 0; cpu < t->nr; cpu++) {
		struct plugland_cpu_topology *c = &t->cpu[cpu];

		c->cpu = cpu;
		c->core_id = cpu;
		c->llc_id = 0; /* flat: one LLC, one node */
		c->node_id = 0;
		if (!root)
			continue;
		snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
			 root, cpu);
		id = first_cpu_of(path);
		c->core_id = id >= 0 ? id : cpu;
		id = llc_of(root, cpu);
		c->llc_id = id >= 0 ? id : cpu;
		c->node_id = node_of(root, cpu);
	}
	for (cpu = 0; cpu < t->nr; cpu++)
		build_idle_order(t, cpu);
	return t;
}

struct topology *topology_new_simulated(int nr_cpus, int smt, int llcs)
{
	struct topology *t;
	int cpu, per_llc;

	if (nr_cpus < 1 || nr_cpus > PL_MAX_CPUS || smt < 1 || llcs < 1 ||
	    nr_cpus % (smt * llcs))
		return NULL;
	t = topology_new(NULL, nr_cpus);
	if (!t)
		return NULL;
	per_llc = nr_cpus / llcs;
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		t->cpu[cpu].core_id = cpu - cpu % smt;
		t->cpu[cpu].llc_id = cpu - cpu % per_llc;
	}
	for (cpu = 0; cpu < t->nr; cpu++)
		build_idle_order(t, cpu);
	return t;
}

void topology_free(struct topology *t)
{
	free(t);
}

int topology_idle_order(const struct topology *t, int prev, int32_t *out, int max)
{
	int n;

	if (!t || prev < 0 || prev >= t->nr)
		return 0;
	n = t->idle_order_nr[prev] < max ? t->idle_order_nr[prev] : max;
	memcpy(out, t->idle_order[prev], (size_t)n * sizeof(*out));
	return n;
}

int topology_get(const struct topology *t, int cpu, struct plugland_cpu_topology *out)
{
	if (!t || cpu < 0 || cpu >= t->nr)
		return -1;
	*out = t->cpu[cpu];
	return 0;
}

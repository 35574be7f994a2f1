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

static struct plugland_cpu_topology topo[PL_MAX_CPUS];
static int topo_nr;
/* topology_idle_order() for each CPU, computed once */
static int32_t idle_order[PL_MAX_CPUS][PL_PICK_CANDS];
static uint8_t idle_order_nr[PL_MAX_CPUS];

/* prev, SMT siblings, then the rest of the LLC, each group in CPU order */
static void build_idle_order(int prev)
{
	int32_t *o = idle_order[prev];
	int n = 0, pass, cpu;

	o[n++] = prev;
	for (pass = 0; pass < 2; pass++) {
		for (cpu = 0; cpu < topo_nr && n < PL_PICK_CANDS; cpu++) {
			bool smt = topo[cpu].core_id == topo[prev].core_id &&
				   topo[cpu].node_id == topo[prev].node_id;

			if (cpu == prev || (pass == 0 ? !smt : smt) ||
			    (pass == 1 && topo[cpu].llc_id != topo[prev].llc_id))
				continue;
			o[n++] = cpu;
		}
	}
	idle_order_nr[prev] = (uint8_t)n;
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

void topology_load(const char *root, int nr_cpus)
{
	char path[256];
	int cpu, id;

	topo_nr = nr_cpus < PL_MAX_CPUS ? nr_cpus : PL_MAX_CPUS;
	for (cpu = 0; cpu < topo_nr; cpu++) {
		topo[cpu].cpu = cpu;
		snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
			 root, cpu);
		id = first_cpu_of(path);
		topo[cpu].core_id = id >= 0 ? id : cpu;
		id = llc_of(root, cpu);
		topo[cpu].llc_id = id >= 0 ? id : cpu;
		topo[cpu].node_id = node_of(root, cpu);
	}
	for (cpu = 0; cpu < topo_nr; cpu++)
		build_idle_order(cpu);
}

int topology_idle_order(int prev, int32_t *out, int max)
{
	int n;

	if (prev < 0 || prev >= topo_nr)
		return 0;
	n = idle_order_nr[prev] < max ? idle_order_nr[prev] : max;
	memcpy(out, idle_order[prev], (size_t)n * sizeof(*out));
	return n;
}

int topology_get(int cpu, struct plugland_cpu_topology *out)
{
	if (cpu < 0 || cpu >= topo_nr)
		return -1;
	*out = topo[cpu];
	return 0;
}

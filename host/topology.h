/* SPDX-License-Identifier: GPL-2.0 */
/* CPU topology read from sysfs once at start-up, served read-only. */
#ifndef PLUGLAND_TOPOLOGY_H
#define PLUGLAND_TOPOLOGY_H

#include <plugland/plugin.h>

/* Read sysfs (root: "" for the real one; tests pass a fake tree). */
void topology_load(const char *root, int nr_cpus);
/* 0, or -1 for a CPU that does not exist. Lock-free, never blocks. */
int topology_get(int cpu, struct plugland_cpu_topology *out);
/*
 * Where to look for an idle CPU for a task that last ran on prev, best
 * first: prev, its SMT siblings, the other CPUs of its last-level cache,
 * at most max (precomputed by topology_load(): a copy, no search). Returns
 * how many; 0 for a CPU that does not exist.
 */
int topology_idle_order(int prev, int32_t *out, int max);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* CPU topology read from sysfs once at start-up, then read-only. */
#ifndef PLUGLAND_TOPOLOGY_H
#define PLUGLAND_TOPOLOGY_H

#include <plugland/plugin.h>

struct topology;

/*
 * The topology of nr_cpus CPUs, read from sysfs under root ("" for the
 * real one; tests pass a fake tree), or, root NULL, a flat machine (no
 * SMT, one LLC, one node: a simulated one). NULL when out of memory.
 */
struct topology *topology_new(const char *root, int nr_cpus);
/*
 * A simulated machine's: nr_cpus CPUs in llcs last-level caches of equal
 * size, each of whole cores of smt CPUs, numbered in order (CPUs 0 and 1
 * are siblings when smt = 2; CPUs 0..nr_cpus/llcs-1 share the first LLC);
 * one node. NULL when out of memory or when nr_cpus does not split so.
 * topology_new(NULL, n) is topology_new_simulated(n, 1, 1).
 */
struct topology *topology_new_simulated(int nr_cpus, int smt, int llcs);
void topology_free(struct topology *t);
/* 0, or -1 for a CPU that does not exist (or t NULL). Never blocks. */
int topology_get(const struct topology *t, int cpu, struct plugland_cpu_topology *out);
/*
 * Where to look for an idle CPU for a task that last ran on prev, best
 * first: prev, its SMT siblings, the other CPUs of its last-level cache,
 * at most max (precomputed by topology_new(): a copy, no search). Returns
 * how many; 0 for a CPU that does not exist, or t NULL.
 */
int topology_idle_order(const struct topology *t, int prev, int32_t *out, int max);

#endif

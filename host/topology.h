/* SPDX-License-Identifier: GPL-2.0 */
/* CPU topology read from sysfs once at start-up, served read-only. */
#ifndef PLUGLAND_TOPOLOGY_H
#define PLUGLAND_TOPOLOGY_H

#include <plugland/plugin.h>

/* Read sysfs (root: "" for the real one; tests pass a fake tree). */
void topology_load(const char *root, int nr_cpus);
/* 0, or -1 for a CPU that does not exist. Lock-free, never blocks. */
int topology_get(int cpu, struct plugland_cpu_topology *out);

#endif

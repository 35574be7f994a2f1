// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the workload parser (host/workload.c) on arbitrary
 * bytes. Either it loads or fails with a "fuzz.ini:LINE: message" whose
 * line is one of the input's, printable; never crashes or reads out of
 * bounds. What loads is a machine that can be built (its topology, its
 * tasks, each in a CPU set of the machine) and run: a few rounds of the
 * synthetic backend, every task dispatched to its previous CPU, then the
 * next one (a CPU outside its set now and then), and none runs outside.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "synth_backend.h"
#include "topology.h"
#include "workload.h"
#include "line_error.h"

struct delivered {
	struct plugland_dispatch d[64];
	unsigned int n;
};

static int collect(void *ctx, unsigned int kind, const struct plugland_task *t)
{
	struct delivered *got = ctx;

	if (kind == PL_REC_TASK && got->n < 64) {
		got->d[got->n] = plugland_dispatch_of(t);
		got->d[got->n].cpu = (t->cpu + (int32_t)got->n % 2) % 1024;
		got->n++;
	}
	return got->n == 64;
}

static void run_machine(const struct workload *w)
{
	struct synth_opts o = { .max_decisions = 200 };
	struct workload_machine m;
	struct topology *topo = topology_new_simulated((int)w->nr_cpus, (int)w->smt, (int)w->llcs);
	struct backend *be;
	uint32_t i, c, round;

	if (!topo)
		abort(); /* the parser checked the shape */
	if (workload_machine_init(&m, w))
		abort();
	workload_machine_opts(&m, &o);
	o.topo = topo;
	be = synth_backend_new(&o);
	if (!be)
		abort(); /* every set holds a CPU of the machine */
	for (round = 0; round < 50 && !be->ops->exited(be); round++) {
		struct delivered got = { .n = 0 };

		be->ops->consume(be, collect, &got);
		be->ops->dispatch(be, got.d, got.n);
		be->ops->wait(be, 0);
	}
	for (i = 0; i < w->nr_tasks; i++)
		for (c = 0; c < SYNTH_MAX_CPUS; c++)
			if (synth_cpumask_has(&synth_backend_task(be, i)->ran_on, c) &&
			    !synth_cpumask_has(&w->groups[m.group_of[i]].cpus, c))
				abort();
	synth_backend_free(be);
	workload_machine_fini(&m);
	topology_free(topo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct workload w;
	char err[512];
	uint32_t g, total = 0;
	FILE *f = fmemopen((void *)data, size, "r");

	if (!f)
		return 0;
	if (workload_load_stream(&w, f, "fuzz.ini", err, sizeof(err))) {
		check_line_error(err, "fuzz.ini", data, size);
		fclose(f);
		return 0;
	}
	fclose(f);
	for (g = 0; g < w.nr_groups; g++)
		total += w.groups[g].count;
	if (!w.nr_groups || total != w.nr_tasks || total > WORKLOAD_MAX_TASKS)
		abort();
	run_machine(&w);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the decision dump parser, then every output of
 * plugland-dump on what it accepted, with and without task events, and
 * plugland-replay's reconstruction of the events. Any bytes must give either one line
 * saying what is wrong, or a dump whose record range fits its capacity
 * and whose outputs are written without a crash or an out-of-bounds read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "decision_dump.h"
#include "dump_output.h"
#include "replay_trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	static const struct dump_filter all, events = { .events = true }, some_events = {
		.events = true, .by_pid = true, .pid = 200, .by_cpu = true, .cpu = 1,
	}, some = {
		.by_pid = true, .pid = 101, .comm_glob = "w*[a-z]",
		.by_from = true, .from_ns = 0, .by_to = true, .to_ns = 1000000000,
	};
	struct decision_dump d;
	struct replay_trace trace;
	char err[512] = "";

	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	if (decision_dump_parse(data, size, &d, err, sizeof(err))) {
		if (!*err || strchr(err, '\n'))
			abort(); /* one line, never empty */
		return 0;
	}
	if (d.first > d.head || d.head - d.first > d.capacity || d.lost > d.head ||
	    !d.nr_cpus || d.nr_cpus > DUMP_MAX_CPUS)
		abort();
	dump_summary(null, &d, &all, 10);
	dump_summary(null, &d, &some, 3);
	dump_summary(null, &d, &events, 3);
	dump_csv(null, &d, &events);
	dump_jsonl(null, &d, &events);
	dump_jsonl(null, &d, &some_events);
	dump_perfetto(null, &d, &events);
	/* What plugland-replay rebuilds from the events: any content. */
	if (!replay_trace_from_dump(&trace, &d, err, sizeof(err))) {
		uint32_t i;

		if (!trace.nr_cpus)
			abort();
		for (i = 0; i < trace.nr_tasks; i++)
			if (trace.tasks[i].nr_bursts && !trace.tasks[i].bursts[0].cpu_ns)
				abort(); /* a burst without CPU time is never kept */
		replay_trace_free(&trace);
	} else if (!*err || strchr(err, '\n')) {
		abort();
	}
	dump_csv(null, &d, &all);
	dump_jsonl(null, &d, &some);
	dump_perfetto(null, &d, &all);
	dump_perfetto(null, &d, &some);
	return 0;
}

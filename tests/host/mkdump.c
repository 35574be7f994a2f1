// SPDX-License-Identifier: GPL-2.0
/*
 * Writes decision dumps for tests/host/dump.sh and the fuzz seeds:
 *
 *   mkdump [-n RECORDS] [-c CAPACITY] [-C CPUS] [-s] [-u | -a]
 *          [-e SCRIPT | -g SECS,TASKS[,MAX_BURST_US]] [-V VERSION] [-r] [-z HZ] FILE
 *
 * -s: the log stops when full; -u: file-backed, then _exit() without
 * closing (an unclean dump, as after a crash); -a: anonymous log written
 * with decision_log_dump(); default: file-backed, closed cleanly.
 *
 * Record i: task i % 5 (pid 100 + task), CPU i % (CPUS + 1) - 1 (so -1,
 * any CPU, too), dispatched at start + (i + 1) * 10 us, slice 0 (default)
 * every third. Task 4's comm has a quote, a comma, a backslash, a control
 * byte and a Latin-1 byte, to exercise escaping.
 *
 * -e SCRIPT: the task events of SCRIPT too (mkdump_events.c says how to
 * write one), each before the first decision that comes later. -g
 * SECS,TASKS[,MAX_BURST_US]: after the decisions, a recording of TASKS
 * tasks on the CPUS of -C for SECS seconds, bursts of 20 us to
 * MAX_BURST_US (default 3000) cut into slices of the log's default slice
 * (5 ms) (mkdump_events_generate()). -V 1: a
 * version 1 header (as the writers before task events), decisions only.
 * -r: every 4th decision about task 2 (pid 102, stress-ng) is BPF's resume
 * after the scheduling thread preempted it. -z HZ: the kernel's tick rate
 * in the header, as debug mode records it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "decision_log.h"
#include "mkdump_events.h"

static const char *const comms[5] = {
	"worker", "worker", "stress-ng", "kworker/0:1", "we\"ird,\\\x01\xe9",
};

static void append_event(void *ctx, const struct plugland_event *e)
{
	decision_log_append_event(ctx, e);
}

int main(int argc, char **argv)
{
	struct decision_log_opts o = {
		.capacity = 1024,
		.backing = DECISION_LOG_FILE,
		.default_slice_ns = 5000000,
		.nr_cpus = 2,
		.policies = { "fifo", "deadline" },
	};
	struct decision_log_dump_result res;
	uint64_t n = 100, i, start;
	const char *script = NULL;
	struct plugland_event *events = NULL;
	size_t nr_events = 0, next_event = 0;
	double gen_secs = 0;
	unsigned int gen_tasks = 0, version = DUMP_VERSION;
	double gen_max_burst_us = 3000;
	bool unclean = false, anon = false, resumes = false;
	uint32_t kernel_hz = 0;
	struct decision_log *log;
	char err[512];
	int opt;

	while ((opt = getopt(argc, argv, "n:c:C:suae:g:V:rz:")) != -1) {
		switch (opt) {
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 'c': o.capacity = strtoull(optarg, NULL, 0); break;
		case 'C': o.nr_cpus = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': o.on_full = DECISION_LOG_STOP; break;
		case 'u': unclean = true; break;
		case 'a': anon = true; break;
		case 'e': script = optarg; break;
		case 'V': version = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'r': resumes = true; break;
		case 'z': kernel_hz = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'g':
			if (sscanf(optarg, "%lf,%u,%lf", &gen_secs, &gen_tasks, &gen_max_burst_us) < 2 ||
			    !gen_tasks || gen_max_burst_us < 20)
				return 2;
			break;
		default: return 2;
		}
	}
	if (optind != argc - 1)
		return 2;
	if (anon)
		o.backing = DECISION_LOG_ANON;
	else
		o.path = argv[optind];
	log = decision_log_create(&o, err, sizeof(err));
	if (!log) {
		fprintf(stderr, "mkdump: %s\n", err);
		return 1;
	}
	start = log->hdr->start_monotonic_ns;
	if (kernel_hz) /* -z: as scx_plugland's debug mode measured it */
		decision_log_set_kernel_hz(log, kernel_hz);
	if (version != DUMP_VERSION) { /* before any record: as that writer made it */
		log->hdr->version = version;
		log->hdr->header_crc = decision_dump_header_crc(log->hdr);
	}
	if (script && mkdump_events_script(script, start, &events, &nr_events))
		return 1;
	for (i = 0; i < n; i++) {
		unsigned int task = (unsigned int)(i % 5);
		struct plugland_decision d = {
			.enq_ns = start + (i + 1) * 10000 - 1000 * task,
			.dispatch_ns = start + (i + 1) * 10000,
			.vtime = i * 1000,
			.pid = (int32_t)(100 + task),
			.tgid = 100,
			.cpu = (int16_t)(i % (o.nr_cpus + 1)) - 1,
			.prev_cpu = 0,
			.slice_us = i % 3 ? 2000 : 0,
			.flags = PLUGLAND_TASK_WAKEUP,
			.policy_id = (uint16_t)(i % 7 == 6),
			.weight = PLUGLAND_WEIGHT_DEFAULT,
		};

		/* -r: every 4th decision about stress-ng (102) is BPF's resume
		 * after the host's thread preempted it */
		if (resumes && task == 2 && i % 20 == 2)
			d.flags |= PLUGLAND_DECISION_BY_KERNEL |
				   PLUGLAND_DECISION_REASON_FLAGS(PLUGLAND_KERNEL_RESUMED);
		memcpy(d.comm, comms[task], strlen(comms[task]));
		while (next_event < nr_events && events[next_event].at_ns <= d.dispatch_ns)
			decision_log_append_event(log, &events[next_event++]);
		decision_log_append(log, &d);
	}
	while (next_event < nr_events)
		decision_log_append_event(log, &events[next_event++]);
	free(events);
	if (gen_tasks)
		mkdump_events_generate(start, gen_secs, o.nr_cpus, gen_tasks,
				       (uint64_t)(gen_max_burst_us * 1000), o.default_slice_ns,
				       append_event, log);
	if (unclean)
		_exit(0); /* no decision_log_destroy(): as a crash would */
	decision_log_seal(log);
	if (anon && decision_log_dump(log, argv[optind], &res, err, sizeof(err))) {
		fprintf(stderr, "mkdump: %s\n", err);
		return 1;
	}
	decision_log_destroy(log);
	return 0;
}

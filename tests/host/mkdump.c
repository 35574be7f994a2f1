// SPDX-License-Identifier: GPL-2.0
/*
 * Writes decision dumps for tests/host/dump.sh and the fuzz seeds:
 *
 *   mkdump [-n RECORDS] [-c CAPACITY] [-C CPUS] [-s] [-u | -a] FILE
 *
 * -s: the log stops when full; -u: file-backed, then _exit() without
 * closing (an unclean dump, as after a crash); -a: anonymous log written
 * with decision_log_dump(); default: file-backed, closed cleanly.
 *
 * Record i: task i % 5 (pid 100 + task), CPU i % (CPUS + 1) - 1 (so -1,
 * any CPU, too), dispatched at start + (i + 1) * 10 us, slice 0 (default)
 * every third. Task 4's comm has a quote, a comma, a backslash, a control
 * byte and a Latin-1 byte, to exercise escaping.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "decision_log.h"

static const char *const comms[5] = {
	"worker", "worker", "stress-ng", "kworker/0:1", "we\"ird,\\\x01\xe9",
};

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
	bool unclean = false, anon = false;
	struct decision_log *log;
	char err[512];
	int opt;

	while ((opt = getopt(argc, argv, "n:c:C:sua")) != -1) {
		switch (opt) {
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 'c': o.capacity = strtoull(optarg, NULL, 0); break;
		case 'C': o.nr_cpus = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': o.on_full = DECISION_LOG_STOP; break;
		case 'u': unclean = true; break;
		case 'a': anon = true; break;
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

		memcpy(d.comm, comms[task], strlen(comms[task]));
		decision_log_append(log, &d);
	}
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

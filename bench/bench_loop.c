// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduling loop in process (make bench, make bench-check): a policy
 * driven by the host's loop (host/sched_loop.c), no kernel, no root. The
 * host is built as scx_plugland builds it (host.h: the policy loaded and
 * checked, its services, the guards, the decision log), on a machine of
 * the benchmark's own.
 *
 *   bench_loop [-p POLICY] [-P PLUGIN_DIR] [-n DECISIONS] [-r RUNS]
 *              [-c CPUS] [-t TASKS] [-b synth|loopback] [-L]
 *              [-s SECTION.KEY=VALUE]...
 *
 *   -b   the backend: synth (default), the synthetic machine
 *        (host/synth_backend.c: simulated CPUs, time and tasks), or
 *        loopback (bench/loopback_backend.c: each task comes back at once,
 *        next to no cost of its own: the host's pipeline alone).
 *   -L   the decision log on: every decision appended to the log
 *        scx_plugland makes ([log] capacity, hugetlb/THP when it can);
 *        off, [log] capacity is 0.
 *
 * Each run: a host is opened afresh (the policy initialised), the loop
 * runs until the backend has taken DECISIONS decisions, and the loop
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID) and the wall time are taken
 * around sched_loop_run(). Prints one "RUN" line per run, then
 *
 *   LOOP policy=fifo log=off cpus=4 tasks=16 decisions=N runs=R \
 *        mdps_median=.. mdps_min=.. mdps_max=.. ns_per_decision=..
 *
 * mdps: millions of decisions per second of the loop thread's CPU time
 * (= per core: the loop is one thread). With -b synth these include the
 * synthetic backend's own work (simulated CPUs and tasks, its checks),
 * which the real backend does not do; bench/callgrind.py separates it.
 *
 * Under callgrind (bench/callgrind.sh) it runs once with DECISIONS and once
 * with 1: the difference divided by DECISIONS - 1 is the cost of a decision
 * without start-up.
 */
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "config.h"
#include "host.h"
#include "loopback_backend.h"
#include "synth_backend.h"

#define MAX_RUNS 101
#define MAX_SETS 32

static volatile sig_atomic_t no_stop, no_reload;

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The backend -b names: synth or loopback. */
static bool use_loopback;

static struct backend *bench_backend_new(uint32_t nr_cpus, uint32_t nr_tasks, uint64_t decisions,
					 const struct topology *topo)
{
	struct synth_opts o = { .nr_cpus = nr_cpus, .nr_tasks = nr_tasks,
				.max_decisions = decisions, .topo = topo };

	if (use_loopback)
		return loopback_backend_new(nr_cpus, nr_tasks, decisions);
	return synth_backend_new(&o);
}

/* Decisions the backend took; *bad: unknown, stale or double ones. */
static uint64_t bench_backend_decisions(const struct backend *be, uint64_t *bad)
{
	const struct synth_stats *st;

	if (use_loopback) {
		*bad = loopback_backend_stats(be)->nr_bad;
		return loopback_backend_stats(be)->nr_dispatched;
	}
	st = synth_backend_stats(be);
	*bad = st->nr_double + st->nr_unknown;
	return st->nr_dispatched;
}

static void bench_backend_free(struct backend *be)
{
	if (use_loopback)
		loopback_backend_free(be);
	else
		synth_backend_free(be);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_loop [-p POLICY] [-P PLUGIN_DIR] [-n DECISIONS] [-r RUNS]\n"
			"                  [-c CPUS] [-t TASKS] [-b synth|loopback] [-L]\n"
			"                  [-s SECTION.KEY=VALUE]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *policy = "fifo", *backend = "synth", *sets[MAX_SETS];
	uint64_t decisions = 2000000;
	uint32_t nr_cpus = 4, nr_tasks = 16;
	unsigned int runs = 5, nr_sets = 0, i;
	double mdps[MAX_RUNS], ns_dec[MAX_RUNS];
	struct topology *topo;
	struct config cfg;
	bool use_log = false;
	char err[PATH_MAX + 256];
	int opt, ret;

	config_defaults(&cfg);
	snprintf(cfg.plugin_dir, sizeof(cfg.plugin_dir), "%s", "build/plugins");
	while ((opt = getopt(argc, argv, "p:P:n:r:c:t:b:Ls:h")) != -1) {
		switch (opt) {
		case 'p': policy = optarg; break;
		case 'P': snprintf(cfg.plugin_dir, sizeof(cfg.plugin_dir), "%s", optarg); break;
		case 'n': decisions = strtoull(optarg, NULL, 10); break;
		case 'r': runs = (unsigned int)atoi(optarg); break;
		case 'c': nr_cpus = (uint32_t)atoi(optarg); break;
		case 't': nr_tasks = (uint32_t)atoi(optarg); break;
		case 'b': backend = optarg; break;
		case 'L': use_log = true; break;
		case 's':
			if (nr_sets == MAX_SETS)
				usage();
			sets[nr_sets++] = optarg;
			break;
		default: usage();
		}
	}
	use_loopback = !strcmp(backend, "loopback");
	if (optind != argc || !decisions || !runs || runs > MAX_RUNS || !nr_cpus || !nr_tasks ||
	    (strcmp(backend, "synth") && strcmp(backend, "loopback")))
		usage();
	/* Reproducible draws unless the caller sets a seed. */
	if (config_set(&cfg, "lottery.seed=1", err, sizeof(err)))
		fprintf(stderr, "bench_loop: %s\n", err);
	for (i = 0; i < nr_sets; i++) {
		if (config_set(&cfg, sets[i], err, sizeof(err))) {
			fprintf(stderr, "bench_loop: %s\n", err);
			return 2;
		}
	}

	/* the synthetic machine's: flat, as the host's own for a simulation */
	topo = topology_new(NULL, (int)nr_cpus);
	if (!topo) {
		fprintf(stderr, "bench_loop: out of memory\n");
		return 1;
	}
	/* "builtin": the fifo compiled into the host (no fifo.so found) */
	if (!strcmp(policy, "builtin")) {
		snprintf(cfg.policy, sizeof(cfg.policy), "fifo");
		snprintf(cfg.plugin_dir, sizeof(cfg.plugin_dir), "/nonexistent");
	} else {
		snprintf(cfg.policy, sizeof(cfg.policy), "%s", policy);
	}
	cfg.strict = true;
	if (!use_log)
		cfg.log_capacity = 0;
	else if (!cfg.log_capacity)
		cfg.log_capacity = 262144; /* -L asks for one whatever [log] says */

	for (i = 0; i < runs; i++) {
		struct backend *be = bench_backend_new(nr_cpus, nr_tasks, decisions, topo);
		struct host_opts ho = { .cfg = &cfg, .machine = be, .stop = &no_stop,
					.reload = &no_reload };
		static struct host host;
		uint64_t c0, c1, w0, w1, n, bad;

		if (!be) {
			fprintf(stderr, "bench_loop: out of memory\n");
			return 1;
		}
		if (host_open(&host, &ho) || host_begin(&host)) {
			fprintf(stderr, "bench_loop: policy %s: the host did not start\n", policy);
			return 1;
		}

		w0 = wall_ns();
		c0 = thread_cpu_ns();
		ret = sched_loop_run(&host.loop, &no_stop);
		c1 = thread_cpu_ns();
		w1 = wall_ns();

		n = bench_backend_decisions(be, &bad);
		if (ret || bad || n < decisions) {
			fprintf(stderr, "bench_loop: run %u: ret %d, %llu decisions, %llu unknown, "
					"stale or double\n", i, ret, (unsigned long long)n,
				(unsigned long long)bad);
			return 1;
		}
		mdps[i] = (double)n / ((double)(c1 - c0) / 1e9) / 1e6;
		ns_dec[i] = (double)(c1 - c0) / (double)n;
		printf("RUN policy=%s backend=%s log=%s run=%u decisions=%llu cpu_s=%.4f wall_s=%.4f mdps=%.3f "
		       "ns_per_decision=%.1f refused=%llu\n",
		       policy, backend, use_log ? "on" : "off", i, (unsigned long long)n,
		       (double)(c1 - c0) / 1e9, (double)(w1 - w0) / 1e9, mdps[i], ns_dec[i],
		       (unsigned long long)host.loop.st.nr_refused);
		host_end(&host);
		host_close(&host);
		bench_backend_free(be);
	}

	qsort(mdps, runs, sizeof(mdps[0]), cmp_double);
	qsort(ns_dec, runs, sizeof(ns_dec[0]), cmp_double);
	printf("LOOP policy=%s backend=%s log=%s cpus=%u tasks=%u decisions=%llu runs=%u "
	       "mdps_median=%.3f mdps_min=%.3f mdps_max=%.3f ns_per_decision=%.1f\n",
	       policy, backend, use_log ? "on" : "off", nr_cpus, nr_tasks,
	       (unsigned long long)decisions, runs,
	       runs % 2 ? mdps[runs / 2] : (mdps[runs / 2 - 1] + mdps[runs / 2]) / 2, mdps[0],
	       mdps[runs - 1],
	       runs % 2 ? ns_dec[runs / 2] : (ns_dec[runs / 2 - 1] + ns_dec[runs / 2]) / 2);
	topology_free(topo);
	return 0;
}

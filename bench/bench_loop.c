// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduling loop in process (make bench, make bench-check): a policy
 * driven by the host's loop (host/sched_loop.c), no kernel, no root. The
 * policy is loaded and given its services as scx_plugland does
 * (plugin_loader, services).
 *
 *   bench_loop [-p POLICY] [-P PLUGIN_DIR] [-n DECISIONS] [-r RUNS]
 *              [-c CPUS] [-t TASKS] [-b synth|loopback] [-L]
 *              [-s SECTION.KEY=VALUE]...
 *
 *   -b   the backend: synth (default), the synthetic machine
 *        (host/synth_backend.c: simulated CPUs, time and tasks), or
 *        loopback (bench/loopback_backend.c: each task comes back at once,
 *        next to no cost of its own: the host's pipeline alone).
 *   -L   the decision log on: every decision appended to a log made as
 *        scx_plugland makes it ([log] capacity, hugetlb/THP when it can).
 *
 * Each run: the policy is initialised afresh, the loop runs until the
 * backend has taken DECISIONS decisions, and the loop thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID) and the wall time are taken around
 * sched_loop_run(). Prints one "RUN" line per run, then
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
#include "decision_log.h"
#include "loopback_backend.h"
#include "plugin_loader.h"
#include "sched_loop.h"
#include "services.h"
#include "synth_backend.h"
#include "topology.h"

extern const struct plugland_policy plugland_builtin_fifo;

#define MAX_RUNS 101
#define MAX_SETS 32

static volatile sig_atomic_t no_stop;

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

/* Turn the log on for this loop as scx_plugland does (host/observers.c):
 * hugetlb or THP backing, wrap when full. */
static struct decision_log *log_attach(struct sched_loop *l, const struct config *cfg,
				       const char *policy, uint32_t nr_cpus)
{
	struct decision_log_opts o = {
		/* 0 turns scx_plugland's log off; -L asks for one all the same */
		.capacity = cfg->log_capacity ? cfg->log_capacity : 262144,
		.backing = DECISION_LOG_HUGE,
		.on_full = DECISION_LOG_WRAP,
		.nr_cpus = nr_cpus,
		.default_slice_ns = cfg->slice_us * 1000,
		.policies = { policy },
	};
	char err[512];
	struct decision_log *log = decision_log_create(&o, err, sizeof(err));

	if (!log) {
		fprintf(stderr, "bench_loop: decision log: %s\n", err);
		exit(1);
	}
	l->log = log;
	l->policy_id = 0;
	atomic_store(&l->recording, true);
	return log;
}

static void log_detach(struct sched_loop *l, struct decision_log *log)
{
	l->log = NULL;
	decision_log_destroy(log);
}

/* The backend -b names: synth or loopback. */
static bool use_loopback;

static struct backend *bench_backend_new(uint32_t nr_cpus, uint32_t nr_tasks, uint64_t decisions)
{
	struct synth_opts o = { .nr_cpus = nr_cpus, .nr_tasks = nr_tasks,
				.max_dispatches = decisions };

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
	struct loaded_policy lp;
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

	topology_load("", (int)nr_cpus);
	ret = policy_load(cfg.plugin_dir, policy, &lp, err, sizeof(err));
	if (ret && !strcmp(policy, "builtin")) {
		memset(&lp, 0, sizeof(lp));
		lp.ops = plugland_builtin_fifo;
		ret = 0;
	}
	if (ret) {
		fprintf(stderr, "bench_loop: %s\n", err);
		return 1;
	}

	for (i = 0; i < runs; i++) {
		struct plugin_services svc;
		struct decision_log *log = NULL;
		struct sched_loop loop;
		struct backend *be = bench_backend_new(nr_cpus, nr_tasks, decisions);
		uint64_t c0, c1, w0, w1, n, bad;
		void *ctx;

		if (!be) {
			fprintf(stderr, "bench_loop: out of memory\n");
			return 1;
		}
		services_init(&svc, lp.ops.name, &cfg, &be, cfg.slice_us * 1000);
		if (lp.ops.init(&svc.host, &ctx)) {
			fprintf(stderr, "bench_loop: policy %s: init failed\n", policy);
			return 1;
		}
		if (sched_loop_init(&loop, be, &lp.ops, ctx, cfg.tick_ms)) {
			fprintf(stderr, "bench_loop: out of memory\n");
			return 1;
		}
		if (use_log)
			log = log_attach(&loop, &cfg, lp.ops.name, nr_cpus);

		w0 = wall_ns();
		c0 = thread_cpu_ns();
		ret = sched_loop_run(&loop, &no_stop);
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
		       lp.ops.name, backend, use_log ? "on" : "off", i, (unsigned long long)n,
		       (double)(c1 - c0) / 1e9, (double)(w1 - w0) / 1e9, mdps[i], ns_dec[i],
		       (unsigned long long)loop.st.nr_refused);

		if (log)
			log_detach(&loop, log);
		sched_loop_fini(&loop);
		lp.ops.exit(ctx);
		bench_backend_free(be);
	}

	qsort(mdps, runs, sizeof(mdps[0]), cmp_double);
	qsort(ns_dec, runs, sizeof(ns_dec[0]), cmp_double);
	printf("LOOP policy=%s backend=%s log=%s cpus=%u tasks=%u decisions=%llu runs=%u "
	       "mdps_median=%.3f mdps_min=%.3f mdps_max=%.3f ns_per_decision=%.1f\n",
	       lp.ops.name, backend, use_log ? "on" : "off", nr_cpus, nr_tasks,
	       (unsigned long long)decisions, runs,
	       runs % 2 ? mdps[runs / 2] : (mdps[runs / 2 - 1] + mdps[runs / 2]) / 2, mdps[0],
	       mdps[runs - 1],
	       runs % 2 ? ns_dec[runs / 2] : (ns_dec[runs / 2 - 1] + ns_dec[runs / 2]) / 2);
	if (lp.handle)
		policy_unload(&lp);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The decision log's figures (make bench-log): what a 1 GiB debug log
 * holds and costs to set up, the producer's append cost alone and with
 * two consumers running, a consumer's read rate, and dump write speed.
 *
 *   bench_log [--mib N] [--dir DIR]... [--debug-dir DIR]
 *
 * --mib: the log's size (1024); --dir: where "dump now" writes (/tmp and
 * /dev/shm); --debug-dir: where the file-backed debug log goes (/dev/shm;
 * a hugetlbfs mount with free pages measures the `dump = auto` case).
 *
 * Times are wall clock on whatever else the machine is doing: run it on
 * a quiet machine, and read the figures as orders of magnitude.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "clock.h"
#include "decision_log.h"

#define NR_SAMPLES 1024 /* distinct records the producer cycles through */
#define MAX_DIRS 8

static struct plugland_decision samples[NR_SAMPLES];
static _Atomic bool stop_readers;

struct consumer {
	pthread_t thread;
	struct decision_log *log;
	uint64_t nr_read, nr_lost;
};

static void make_samples(void)
{
	unsigned int i;

	for (i = 0; i < NR_SAMPLES; i++) {
		samples[i] = (struct plugland_decision){
			.enq_ns = i * 1000ull, .dispatch_ns = i * 1000ull + 300, .vtime = i,
			.pid = (int32_t)(1000 + i % 97), .tgid = 1000, .cpu = (int16_t)(i % 8),
			.prev_cpu = (int16_t)(i % 8), .slice_us = 5000, .weight = 100,
		};
		snprintf(samples[i].comm, sizeof(samples[i].comm), "task-%u", i % 97);
	}
}

static struct decision_log *make_log(uint64_t bytes, enum decision_log_backing backing,
				     const char *path, double *secs)
{
	struct decision_log_opts o = { .size_bytes = bytes, .backing = backing, .path = path,
				       .policies = { "bench" } };
	uint64_t t0 = pl_now_ns();
	char err[512];
	struct decision_log *log = decision_log_create(&o, err, sizeof(err));

	if (!log) {
		fprintf(stderr, "bench_log: %s\n", err);
		exit(1);
	}
	*secs = (double)(pl_now_ns() - t0) / 1e9;
	return log;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ns per append over n appends, wall clock; *cpu_ns: the thread's CPU
 * time per append (what it costs when other threads share the CPUs). */
static double time_appends_cpu(struct decision_log *log, uint64_t n, double *cpu_ns)
{
	uint64_t t0 = pl_now_ns(), c0 = thread_cpu_ns(), i;

	for (i = 0; i < n; i++)
		decision_log_append(log, &samples[i & (NR_SAMPLES - 1)]);
	if (cpu_ns)
		*cpu_ns = (double)(thread_cpu_ns() - c0) / (double)n;
	return (double)(pl_now_ns() - t0) / (double)n;
}

static double time_appends(struct decision_log *log, uint64_t n)
{
	return time_appends_cpu(log, n, NULL);
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	struct decision_log_reader r;
	struct plugland_log_span span;
	static __thread struct plugland_decision buf[4096];

	decision_log_reader_init(&r, c->log);
	while (!atomic_load_explicit(&stop_readers, memory_order_relaxed))
		if (!decision_log_read(&r, buf, 4096, &span))
			usleep(100); /* as a periodic async plugin would: not spinning */
	c->nr_read = r.nr_read;
	c->nr_lost = r.nr_lost;
	return NULL;
}

static void bench_with_consumers(struct decision_log *log, uint64_t n)
{
	struct consumer c[2] = { { .log = log }, { .log = log } };
	uint64_t t0;
	double ns, cpu_ns, secs;
	int i;

	atomic_store(&stop_readers, false);
	for (i = 0; i < 2; i++)
		pthread_create(&c[i].thread, NULL, consumer_main, &c[i]);
	usleep(10000);
	t0 = pl_now_ns();
	ns = time_appends_cpu(log, n, &cpu_ns);
	secs = (double)(pl_now_ns() - t0) / 1e9;
	atomic_store(&stop_readers, true);
	for (i = 0; i < 2; i++)
		pthread_join(c[i].thread, NULL);
	printf("  %-44s %8.2f ns/record wall, %.2f ns of its own CPU time\n",
	       "append, 2 consumers reading", ns, cpu_ns);
	for (i = 0; i < 2; i++)
		printf("  %-44s %8.1f M records/s (lapped: %llu lost)\n",
		       i ? "  consumer 2" : "  consumer 1", (double)c[i].nr_read / secs / 1e6,
		       (unsigned long long)c[i].nr_lost);
}

static void bench_read(struct decision_log *log)
{
	static struct plugland_decision buf[4096];
	struct decision_log_reader r;
	struct plugland_log_span span;
	uint64_t t0 = pl_now_ns();
	double secs;

	decision_log_reader_init(&r, log);
	while (decision_log_read(&r, buf, 4096, &span))
		;
	secs = (double)(pl_now_ns() - t0) / 1e9;
	printf("  %-44s %8.1f M records/s (%.2f GB/s, %llu records)\n",
	       "read, one consumer, whole log", (double)r.nr_read / secs / 1e6,
	       (double)r.nr_read * 64 / secs / 1e9, (unsigned long long)r.nr_read);
}

static void bench_dump(struct decision_log *log, const char *dir)
{
	struct decision_log_dump_result res;
	char path[512], err[512];

	snprintf(path, sizeof(path), "%s/bench-log-%d.dump", dir, (int)getpid());
	if (decision_log_dump(log, path, &res, err, sizeof(err))) {
		printf("  dump to %s: %s\n", dir, err);
		return;
	}
	printf("  %-44s %8.0f MB/s (%llu MiB in %.2f s)\n", "", (double)res.bytes / res.seconds / 1e6,
	       (unsigned long long)(res.bytes >> 20), res.seconds);
	unlink(path);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mib", required_argument, NULL, 'm' },
		{ "dir", required_argument, NULL, 'd' },
		{ "debug-dir", required_argument, NULL, 'D' },
		{ 0 },
	};
	const char *dirs[MAX_DIRS] = { "/tmp", "/dev/shm" }, *debug_dir = "/dev/shm";
	unsigned int nr_dirs = 0, i;
	uint64_t bytes = DECISION_LOG_DEBUG_BYTES, cap;
	struct decision_log *log;
	char path[512], label[600];
	double secs;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'm')
			bytes = strtoull(optarg, NULL, 0) << 20;
		else if (opt == 'd' && nr_dirs < MAX_DIRS)
			dirs[nr_dirs++] = optarg;
		else if (opt == 'D')
			debug_dir = optarg;
		else
			return 2;
	}
	if (!nr_dirs)
		nr_dirs = 2;
	make_samples();

	log = make_log(bytes, DECISION_LOG_HUGE, NULL, &secs);
	cap = log->capacity;
	printf("decision log, %llu MiB debug log (DECISION_LOG_HUGE):\n", (unsigned long long)(bytes >> 20));
	printf("  %-44s %8llu records (%llu bytes each)\n", "holds", (unsigned long long)cap,
	       (unsigned long long)DUMP_RECORD_SIZE);
	printf("  %-44s %s\n", "backing", decision_log_backing(log));
	printf("  %-44s %8.2f s (mmap + mlock + pre-fault)\n", "created in", secs);

	printf("producer (single thread):\n");
	printf("  %-44s %8.2f ns/record\n", "append, 1 GiB ring (first lap)", time_appends(log, cap));
	printf("  %-44s %8.2f ns/record\n", "append, 1 GiB ring (wrapping)", time_appends(log, cap));
	printf("  (the 1 GiB ring is written at memory speed; cache-resident below)\n");
	bench_with_consumers(log, cap);
	decision_log_seal(log);

	printf("consumer:\n");
	bench_read(log);

	printf("dump now (decision_log_dump of the full log):\n");
	for (i = 0; i < nr_dirs; i++) {
		snprintf(label, sizeof(label), "  to %s", dirs[i]);
		printf("%-20s", label);
		bench_dump(log, dirs[i]);
	}
	decision_log_destroy(log);

	{
		struct decision_log *small = make_log(1 << 22, DECISION_LOG_ANON, NULL, &secs);

		printf("producer, 4 MiB ring (65536 records, cache-resident):\n");
		time_appends(small, 1 << 20); /* warm */
		printf("  %-44s %8.2f ns/record\n", "append", time_appends(small, 1 << 26));
		decision_log_destroy(small);
	}

	snprintf(path, sizeof(path), "%s/bench-log-%d.dump", debug_dir, (int)getpid());
	log = make_log(bytes, DECISION_LOG_FILE, path, &secs);
	printf("file-backed debug log on %s (survives a crash):\n", debug_dir);
	printf("  %-44s %s\n", "backing", decision_log_backing(log));
	printf("  %-44s %8.2f s\n", "created in", secs);
	printf("  %-44s %8.2f ns/record\n", "append (first lap)", time_appends(log, cap));
	decision_log_destroy(log);
	unlink(path);
	return 0;
}

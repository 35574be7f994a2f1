// SPDX-License-Identifier: GPL-2.0
/*
 * reqserve: a request-serving workload for the VM benchmark (in the spirit
 * of schbench; our own code).
 *
 * M message threads (-m, default 1) each own W/M of the W worker threads
 * (-t, default 2 x online CPUs). A message thread posts a request to a
 * worker (a timestamp, a sequence number, a futex wake); the worker wakes,
 * records its wake-up latency (post -> running, CLOCK_MONOTONIC), does a
 * fixed amount of CPU work (-l LOOPS of a dependent multiply-add loop;
 * `--calibrate USEC` prints the count that takes USEC us here), records the
 * request latency (post -> work done), tells its message thread and sleeps
 * on its futex again. The loop is closed: a message thread gives a worker
 * its next request as soon as it sees the completion, after a tiny bit of
 * work of its own (LOOPS / 50). Samples of the warm-up (-W, default 1 s)
 * are left out; the figures cover the -d SECONDS after it.
 *
 * Output, one "name value" line per figure, e.g.
 *   requests_per_s 12345.6
 *   wakeup_p50_us 12
 *   wakeup_p99_us 345
 *   request_p50_us 64
 *   request_p99_us 410
 * and where the threads ran, over the whole run (warm-up included):
 *   migrations_per_request 0.42  (a worker or a message thread woke on
 *                                 another CPU than it last ran on)
 *   wake_on_poster_cpu_pct 37    (the worker ran on the CPU its request
 *                                 was posted from)
 * Latencies are the low edge of their histogram bucket: 1 us buckets below
 * 10 ms, 100 us buckets up to 1 s, then an overflow count (a percentile
 * among the overflows prints as 1000000 and warns on stderr).
 *
 * Never hangs: every futex wait has a timeout (100 ms) and the end of the
 * run wakes every thread; all threads are joined.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS	1024
#define MAX_MSG		64
#define MAX_SECS	86400
#define WAIT_NS		100000000L /* every futex wait: 100 ms at most */
#define DEFAULT_WORK_US	50

/* Histogram: FINE_N 1 us buckets, then COARSE_N buckets of COARSE_US. */
#define FINE_N		10000
#define COARSE_US	100
#define COARSE_N	((1000000 - FINE_N) / COARSE_US)
#define HIST_N		(FINE_N + COARSE_N)
#define HIST_TOP_US	1000000

struct hist {
	uint32_t b[HIST_N];
	uint64_t over;
	uint64_t n;
	uint64_t max_us;
};

struct msg;

struct worker {
	/* written by the message thread */
	_Atomic uint32_t req;		/* futex: sequence number of the request */
	uint64_t post_ns;		/* when it was posted (before req is stored) */
	uint32_t posted;		/* the message thread's copy of req */
	int post_cpu;			/* the CPU it was posted from */
	/* written by the worker */
	_Atomic uint32_t done __attribute__((aligned(64))); /* last request done */
	struct msg *msg;
	pthread_t th;
	struct hist wake, request;
	uint64_t served, migrations, on_poster_cpu; /* the whole run */
} __attribute__((aligned(64)));

struct msg {
	_Atomic uint32_t completions;	/* futex: bumped by each completion */
	_Atomic uint32_t sleeping;	/* waiting on completions: wake it */
	struct worker **w;
	unsigned int nr;
	pthread_t th;
	uint64_t migrations;		/* the whole run */
} __attribute__((aligned(64)));

static _Atomic bool stop;
static _Atomic uint64_t win_start_ns = UINT64_MAX, win_end_ns = UINT64_MAX;
static uint64_t work_loops, msg_loops;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The CPU work: a dependent chain the compiler cannot fold away. */
static uint64_t spin(uint64_t n)
{
	uint64_t x = 88172645463325252ull;

	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static void futex_wait(_Atomic uint32_t *addr, uint32_t val)
{
	struct timespec t = { 0, WAIT_NS };

	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, &t, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

static void hist_add(struct hist *h, uint64_t ns)
{
	uint64_t us = ns / 1000;

	h->n++;
	if (us > h->max_us)
		h->max_us = us;
	if (us < FINE_N)
		h->b[us]++;
	else if (us < HIST_TOP_US)
		h->b[FINE_N + (us - FINE_N) / COARSE_US]++;
	else
		h->over++;
}

static void hist_merge(struct hist *to, const struct hist *from)
{
	for (int i = 0; i < HIST_N; i++)
		to->b[i] += from->b[i];
	to->over += from->over;
	to->n += from->n;
	if (from->max_us > to->max_us)
		to->max_us = from->max_us;
}

static uint64_t bucket_us(int i)
{
	return i < FINE_N ? (uint64_t)i : FINE_N + (uint64_t)(i - FINE_N) * COARSE_US;
}

/* q-th percentile (0-100], in us: the low edge of its bucket. */
static uint64_t hist_pct(const struct hist *h, double q, const char *name)
{
	uint64_t want = (uint64_t)((double)h->n * q / 100.0 + 0.999999), c = 0;

	if (!want)
		want = 1;
	for (int i = 0; i < HIST_N; i++) {
		c += h->b[i];
		if (c >= want)
			return bucket_us(i);
	}
	fprintf(stderr, "reqserve: %s p%g is past the histogram (%d us)\n", name, q, HIST_TOP_US);
	return HIST_TOP_US;
}

/* cpu: where the caller runs now; *last: where it ran before (-1: never).
 * True if it moved. */
static bool moved(int cpu, int *last)
{
	bool m = *last >= 0 && cpu != *last;

	*last = cpu;
	return m;
}

static void post(struct worker *w, int cpu)
{
	w->post_ns = now_ns();
	w->post_cpu = cpu;
	w->posted++;
	atomic_store_explicit(&w->req, w->posted, memory_order_release);
	futex_wake(&w->req, 1);
}

static void *msg_main(void *arg)
{
	struct msg *m = arg;
	uint32_t seen;
	unsigned int i;
	int cpu = sched_getcpu(), last = -1;

	for (i = 0; i < m->nr; i++)
		post(m->w[i], cpu);
	while (!atomic_load(&stop)) {
		cpu = sched_getcpu();
		m->migrations += moved(cpu, &last);
		seen = atomic_load(&m->completions);
		for (i = 0; i < m->nr && !atomic_load_explicit(&stop, memory_order_relaxed); i++) {
			struct worker *w = m->w[i];

			if (atomic_load_explicit(&w->done, memory_order_acquire) != w->posted)
				continue;
			spin(msg_loops);
			post(w, cpu);
		}
		/* Sleep until a completion: `sleeping` then `completions`, the
		 * worker the other way round (both seq_cst), and the futex
		 * compares: no completion is missed. */
		atomic_store(&m->sleeping, 1);
		if (atomic_load(&m->completions) == seen && !atomic_load(&stop))
			futex_wait(&m->completions, seen);
		atomic_store(&m->sleeping, 0);
	}
	return NULL;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct msg *m = w->msg;
	uint32_t seen = 0, r;
	uint64_t t_run, t_done, posted;
	int cpu, last = -1;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		r = atomic_load_explicit(&w->req, memory_order_acquire);
		if (r == seen) {
			futex_wait(&w->req, seen);
			continue;
		}
		t_run = now_ns();
		posted = w->post_ns;
		cpu = sched_getcpu();
		w->served++;
		w->migrations += moved(cpu, &last);
		w->on_poster_cpu += cpu == w->post_cpu;
		spin(work_loops);
		t_done = now_ns();
		if (posted >= atomic_load_explicit(&win_start_ns, memory_order_acquire) &&
		    t_done <= atomic_load_explicit(&win_end_ns, memory_order_relaxed)) {
			hist_add(&w->wake, t_run - posted);
			hist_add(&w->request, t_done - posted);
		}
		seen = r;
		atomic_store_explicit(&w->done, r, memory_order_release);
		atomic_fetch_add(&m->completions, 1);
		if (atomic_load(&m->sleeping))
			futex_wake(&m->completions, 1);
	}
	return NULL;
}

/* Loops that take `usec` us on this CPU: the fastest of a few timings of
 * a run long enough (>= 20 ms) to dwarf the clock's cost. */
static uint64_t calibrate(uint64_t usec)
{
	uint64_t n = 1000, t0, dt, best = UINT64_MAX;

	for (;;) {
		t0 = now_ns();
		spin(n);
		dt = now_ns() - t0;
		if (dt >= 20000000 || n >= (UINT64_MAX >> 2))
			break;
		n *= 2;
	}
	for (int i = 0; i < 5; i++) {
		t0 = now_ns();
		spin(n);
		dt = now_ns() - t0;
		if (dt < best)
			best = dt;
	}
	if (!best)
		best = 1;
	return (uint64_t)((double)n * (double)usec * 1000.0 / (double)best + 0.5);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: reqserve [-m MSG_THREADS] [-t WORKERS] [-d SECONDS] [-W SECONDS] [-l LOOPS]\n"
		"       reqserve --calibrate USEC\n"
		"A request-serving workload: message threads wake worker threads (futex)\n"
		"with requests, each worker does a fixed amount of CPU work per request.\n"
		"\n"
		"  -m N             message threads (default 1; at most the workers, <= %d)\n"
		"  -t N             worker threads (default 2 x online CPUs, <= %d)\n"
		"  -d SECONDS       measured time (default 10, <= %d)\n"
		"  -W SECONDS       warm-up before it, not measured (default 1)\n"
		"  -l LOOPS         work loops per request (default: calibrated to %d us now)\n"
		"  --calibrate USEC print the loop count that takes USEC us here, and exit\n"
		"\n"
		"Prints one \"name value\" line per figure: requests_per_s, wakeup_p50_us,\n"
		"wakeup_p99_us, request_p50_us, request_p99_us and more.\n",
		MAX_MSG, MAX_WORKERS, MAX_SECS, DEFAULT_WORK_US);
}

/* A decimal number in [min, max], nothing else. */
static bool parse_num(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		goto bad;
	*out = v;
	return true;
bad:
	fprintf(stderr, "reqserve: %s: '%s' is not a number from %llu to %llu\n", what, s,
		(unsigned long long)min, (unsigned long long)max);
	return false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "calibrate", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t nmsg = 1, nwork = 0, secs = 10, warm = 1, loops = 0, cal = 0;
	bool have_loops = false;
	struct worker *workers = NULL;
	struct msg *msgs = NULL;
	struct worker **wlist = NULL;
	unsigned int started_w = 0, started_m = 0, i;
	struct hist *wake = NULL, *req = NULL;
	struct timespec until;
	uint64_t start, end, served = 0, migrations = 0, on_poster = 0;
	int opt, rc = 0;

	if (ncpu < 1)
		ncpu = 1;
	while ((opt = getopt_long(argc, argv, "m:t:d:W:l:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (!parse_num(optarg, 1, MAX_MSG, &nmsg, "-m"))
				return 2;
			break;
		case 't':
			if (!parse_num(optarg, 1, MAX_WORKERS, &nwork, "-t"))
				return 2;
			break;
		case 'd':
			if (!parse_num(optarg, 1, MAX_SECS, &secs, "-d"))
				return 2;
			break;
		case 'W':
			if (!parse_num(optarg, 0, 3600, &warm, "-W"))
				return 2;
			break;
		case 'l':
			if (!parse_num(optarg, 0, 1000000000000ull, &loops, "-l"))
				return 2;
			have_loops = true;
			break;
		case 'C':
			if (!parse_num(optarg, 1, 10000000, &cal, "--calibrate"))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "reqserve: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (cal) {
		printf("%llu\n", (unsigned long long)calibrate(cal));
		return 0;
	}
	if (!nwork)
		nwork = (uint64_t)ncpu * 2 > MAX_WORKERS ? MAX_WORKERS : (uint64_t)ncpu * 2;
	if (nmsg > nwork) {
		fprintf(stderr, "reqserve: -m %llu: more message threads than workers (%llu)\n",
			(unsigned long long)nmsg, (unsigned long long)nwork);
		return 2;
	}
	work_loops = have_loops ? loops : calibrate(DEFAULT_WORK_US);
	msg_loops = work_loops / 50;

	/* Everything before the threads start, touched now (no page faults
	 * later): the histograms are written in the timed loop. */
	workers = aligned_alloc(64, sizeof(*workers) * nwork);
	msgs = aligned_alloc(64, sizeof(*msgs) * nmsg);
	wlist = calloc(nwork, sizeof(*wlist));
	wake = calloc(1, sizeof(*wake));
	req = calloc(1, sizeof(*req));
	if (!workers || !msgs || !wlist || !wake || !req) {
		fprintf(stderr, "reqserve: out of memory\n");
		return 1;
	}
	memset(workers, 0, sizeof(*workers) * nwork);
	memset(msgs, 0, sizeof(*msgs) * nmsg);
	for (i = 0; i < nmsg; i++)
		msgs[i].w = wlist + i * (nwork / nmsg) + (i < nwork % nmsg ? i : nwork % nmsg);
	for (i = 0; i < nwork; i++) {
		struct msg *m = &msgs[i % nmsg];

		workers[i].msg = m;
		m->w[m->nr++] = &workers[i];
	}

	for (i = 0; i < nwork; i++, started_w++)
		if ((errno = pthread_create(&workers[i].th, NULL, worker_main, &workers[i]))) {
			perror("reqserve: pthread_create");
			rc = 1;
			goto out;
		}
	for (i = 0; i < nmsg; i++, started_m++)
		if ((errno = pthread_create(&msgs[i].th, NULL, msg_main, &msgs[i]))) {
			perror("reqserve: pthread_create");
			rc = 1;
			goto out;
		}

	/* Warm-up, then the window: requests posted in it and done by its end. */
	start = now_ns() + warm * 1000000000ull;
	end = start + secs * 1000000000ull;
	atomic_store(&win_end_ns, end);
	atomic_store(&win_start_ns, start);
	until.tv_sec = (time_t)(end / 1000000000ull);
	until.tv_nsec = (long)(end % 1000000000ull);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
out:
	atomic_store(&stop, true);
	for (i = 0; i < started_w; i++)
		futex_wake(&workers[i].req, INT_MAX);
	for (i = 0; i < started_m; i++)
		futex_wake(&msgs[i].completions, INT_MAX);
	for (i = 0; i < started_m; i++)
		pthread_join(msgs[i].th, NULL);
	for (i = 0; i < started_w; i++)
		pthread_join(workers[i].th, NULL);
	if (rc)
		return rc;

	for (i = 0; i < nwork; i++) {
		hist_merge(wake, &workers[i].wake);
		hist_merge(req, &workers[i].request);
		served += workers[i].served;
		migrations += workers[i].migrations;
		on_poster += workers[i].on_poster_cpu;
	}
	for (i = 0; i < nmsg; i++)
		migrations += msgs[i].migrations;
	printf("requests_per_s %.1f\n", (double)req->n / (double)secs);
	printf("requests %llu\n", (unsigned long long)req->n);
	if (!req->n) {
		fprintf(stderr, "reqserve: no request completed in %llu s\n", (unsigned long long)secs);
		return 1;
	}
	printf("wakeup_p50_us %llu\n", (unsigned long long)hist_pct(wake, 50, "wakeup"));
	printf("wakeup_p90_us %llu\n", (unsigned long long)hist_pct(wake, 90, "wakeup"));
	printf("wakeup_p99_us %llu\n", (unsigned long long)hist_pct(wake, 99, "wakeup"));
	printf("wakeup_max_us %llu\n", (unsigned long long)wake->max_us);
	printf("request_p50_us %llu\n", (unsigned long long)hist_pct(req, 50, "request"));
	printf("request_p90_us %llu\n", (unsigned long long)hist_pct(req, 90, "request"));
	printf("request_p99_us %llu\n", (unsigned long long)hist_pct(req, 99, "request"));
	printf("request_max_us %llu\n", (unsigned long long)req->max_us);
	printf("migrations_per_request %.3f\n", served ? (double)migrations / (double)served : 0.0);
	printf("wake_on_poster_cpu_pct %.1f\n", served ? 100.0 * (double)on_poster / (double)served : 0.0);
	printf("workers %llu\n", (unsigned long long)nwork);
	printf("message_threads %llu\n", (unsigned long long)nmsg);
	printf("work_loops %llu\n", (unsigned long long)work_loops);
	printf("seconds %llu\n", (unsigned long long)secs);
	free(req);
	free(wake);
	free(wlist);
	free(msgs);
	free(workers);
	return 0;
}

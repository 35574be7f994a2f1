// SPDX-License-Identifier: GPL-2.0
/*
 * One producer, four readers of different speeds and a dumper, on a small
 * ring so that readers are lapped all the time. Every byte of record `seq`
 * follows from seq, so each reader checks that what it got is whole (not
 * torn), in order, and that seen + lost == appended exactly.
 *
 * PLUGLAND_STRESS_RECORDS sets the number of records (default 2 million;
 * `make tsan` runs tens of millions under ThreadSanitizer).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "decision_log.h"

#define NR_READERS 4
#define WORDS (DUMP_RECORD_SIZE / 8)

enum reader_kind { READ_BIG, READ_TINY, READ_SLOW, READ_ODD };

struct reader {
	pthread_t thread;
	struct decision_log *log;
	enum reader_kind kind;
	uint64_t seen, lost, calls;
	uint64_t torn, disorder, bad_lost; /* must stay 0 */
};

static _Atomic bool producer_done;
static uint64_t nr_records;

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull; /* splitmix64 */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void make_rec(uint64_t seq, struct plugland_decision *d)
{
	uint64_t w[WORDS];
	unsigned int i;

	for (i = 0; i < WORDS; i++)
		w[i] = mix(seq * WORDS + i);
	memcpy(d, w, sizeof(w));
}

static bool rec_ok(const struct plugland_decision *d, uint64_t seq)
{
	struct plugland_decision want;

	make_rec(seq, &want);
	return !memcmp(d, &want, sizeof(want));
}

static size_t batch_of(struct reader *r)
{
	switch (r->kind) {
	case READ_BIG: return 1024;
	case READ_TINY: return 1 + r->calls % 7;
	case READ_SLOW: return 64;
	default: return 1 + (size_t)(mix(r->calls) % 1000);
	}
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct decision_log_reader rd;
	struct plugland_log_span span;
	struct plugland_decision buf[1024];
	uint64_t expect = 0, prev_lost = 0;
	size_t n, i;
	bool done;

	decision_log_reader_init(&rd, r->log);
	for (;;) {
		/* Loaded before the read: once the producer is done and the
		 * read returns nothing, the reader has everything. */
		done = atomic_load_explicit(&producer_done, memory_order_acquire);
		n = decision_log_read(&rd, buf, batch_of(r), &span);
		r->calls++;
		if (!n) {
			if (done)
				break;
			sched_yield();
			continue;
		}
		if (span.first < expect)
			r->disorder++;
		else if (span.nr_lost - prev_lost != span.first - expect)
			r->bad_lost++;
		for (i = 0; i < n; i++)
			if (!rec_ok(&buf[i], span.first + i))
				r->torn++;
		expect = span.first + n;
		prev_lost = span.nr_lost;
		r->seen += n;
		if (r->kind == READ_SLOW && r->calls % 16 == 0)
			usleep(100);
	}
	r->lost = rd.nr_lost;
	return NULL;
}

struct dumper {
	pthread_t thread;
	struct decision_log *log;
	char path[128];
	uint64_t nr_dumps, nr_bad;
	char why[256];
};

/* "Dump now" while the producer runs: every dump is a sound snapshot. */
static void *dumper_main(void *arg)
{
	struct dumper *dp = arg;
	struct plugland_decision rec;
	struct decision_dump d;
	char err[256];
	uint64_t s;

	while (!atomic_load_explicit(&producer_done, memory_order_acquire)) {
		if (decision_log_dump(dp->log, dp->path, NULL, err, sizeof(err)) ||
		    decision_dump_open(dp->path, &d, err, sizeof(err))) {
			snprintf(dp->why, sizeof(dp->why), "%s", err);
			dp->nr_bad++;
			break;
		}
		if (!d.clean || d.head - d.first > d.capacity || d.lost != d.first)
			dp->nr_bad++;
		for (s = d.first; s < d.head; s++) {
			decision_dump_get(&d, s, &rec);
			if (!rec_ok(&rec, s)) {
				snprintf(dp->why, sizeof(dp->why), "record %llu torn in a dump",
					 (unsigned long long)s);
				dp->nr_bad++;
				break;
			}
		}
		decision_dump_close(&d);
		dp->nr_dumps++;
		usleep(2000);
	}
	return NULL;
}

static void produce(struct decision_log *log, uint64_t n)
{
	struct plugland_decision d;
	uint64_t s;

	for (s = 0; s < n; s++) {
		make_rec(s, &d);
		decision_log_append(log, &d);
		if ((s & 0xffff) == 0xffff)
			sched_yield(); /* let the readers catch up now and then */
	}
	decision_log_seal(log);
	atomic_store_explicit(&producer_done, true, memory_order_release);
}

static struct decision_log *make_log(uint64_t cap, enum decision_log_on_full full)
{
	struct decision_log_opts o = { .capacity = cap, .on_full = full };
	char err[256];
	struct decision_log *log = decision_log_create(&o, err, sizeof(err));

	if (!log)
		fail_msg("%s", err);
	return log;
}

static void test_one_producer_many_readers(void **state)
{
	struct decision_log *log = make_log(4096, DECISION_LOG_WRAP);
	struct reader rd[NR_READERS];
	struct dumper dp = { .log = log };
	uint64_t total_seen = 0;
	unsigned int i;

	(void)state;
	atomic_store(&producer_done, false);
	snprintf(dp.path, sizeof(dp.path), "/tmp/plugland-stress-%d.dump", (int)getpid());
	for (i = 0; i < NR_READERS; i++) {
		rd[i] = (struct reader){ .log = log, .kind = (enum reader_kind)i };
		assert_int_equal(pthread_create(&rd[i].thread, NULL, reader_main, &rd[i]), 0);
	}
	assert_int_equal(pthread_create(&dp.thread, NULL, dumper_main, &dp), 0);
	produce(log, nr_records);
	for (i = 0; i < NR_READERS; i++)
		assert_int_equal(pthread_join(rd[i].thread, NULL), 0);
	assert_int_equal(pthread_join(dp.thread, NULL), 0);
	unlink(dp.path);

	assert_int_equal(decision_log_head(log), nr_records);
	for (i = 0; i < NR_READERS; i++) {
		print_message("reader %u: %llu seen, %llu lost, %llu reads\n", i,
			      (unsigned long long)rd[i].seen, (unsigned long long)rd[i].lost,
			      (unsigned long long)rd[i].calls);
		assert_int_equal(rd[i].torn, 0);
		assert_int_equal(rd[i].disorder, 0);
		assert_int_equal(rd[i].bad_lost, 0);
		assert_int_equal(rd[i].seen + rd[i].lost, nr_records);
		total_seen += rd[i].seen;
	}
	print_message("dumper: %llu dumps\n", (unsigned long long)dp.nr_dumps);
	if (dp.nr_bad)
		fail_msg("dumper: %s", dp.why);
	assert_true(total_seen > 0);
	decision_log_destroy(log);
}

/* Stop mode: the first capacity records, every reader sees all of them. */
static void test_stop_mode_readers(void **state)
{
	uint64_t cap = 1 << 16, n = cap * 3;
	struct decision_log *log = make_log(cap, DECISION_LOG_STOP);
	struct reader rd[NR_READERS];
	unsigned int i;

	(void)state;
	atomic_store(&producer_done, false);
	for (i = 0; i < NR_READERS; i++) {
		rd[i] = (struct reader){ .log = log, .kind = (enum reader_kind)i };
		assert_int_equal(pthread_create(&rd[i].thread, NULL, reader_main, &rd[i]), 0);
	}
	produce(log, n);
	for (i = 0; i < NR_READERS; i++) {
		assert_int_equal(pthread_join(rd[i].thread, NULL), 0);
		assert_int_equal(rd[i].torn + rd[i].disorder + rd[i].bad_lost, 0);
		assert_int_equal(rd[i].seen, cap);
		assert_int_equal(rd[i].lost, 0);
	}
	assert_int_equal(decision_log_dropped(log), n - cap);
	decision_log_destroy(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_producer_many_readers),
		cmocka_unit_test(test_stop_mode_readers),
	};
	const char *env = getenv("PLUGLAND_STRESS_RECORDS");

	nr_records = env ? strtoull(env, NULL, 0) : 2000000;
	if (!nr_records)
		nr_records = 2000000;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The decision log on one thread: order, wrap, stop when full, exact lost
 * counts, dumps (round trip, after a clean close, after a kill) and the
 * dump parser's refusals. tests/unit/test_log_stress.c does the threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "skip_because.h"
#include "decision_log.h"
#include "decision_record.h"

static char dir[64];

/* Every byte of record `seq` follows from seq. */
static struct plugland_decision rec_of(uint64_t seq)
{
	struct plugland_decision d = {
		.enq_ns = seq * 1000,
		.dispatch_ns = seq * 1000 + 500,
		.vtime = ~seq,
		.pid = (int32_t)(seq % 1000) + 1,
		.tgid = (int32_t)(seq >> 32),
		.cpu = (int16_t)(seq % 4),
		.prev_cpu = (int16_t)(seq % 3),
		.slice_us = (uint32_t)seq,
		.flags = (uint16_t)(seq & 7),
		.policy_id = (uint16_t)(seq % 2),
		.weight = 100,
	};

	snprintf(d.comm, sizeof(d.comm), "t%llu", (unsigned long long)seq);
	return d;
}

static void assert_rec(const struct plugland_decision *d, uint64_t seq)
{
	struct plugland_decision want = rec_of(seq);

	assert_memory_equal(d, &want, sizeof(want));
}

static struct decision_log *make_log(uint64_t cap, enum decision_log_on_full full,
				     enum decision_log_backing backing, const char *path)
{
	struct decision_log_opts o = {
		.capacity = cap,
		.on_full = full,
		.backing = backing,
		.path = path,
		.nr_cpus = 4,
		.default_slice_ns = 5000000,
		.policies = { "fifo", "deadline" },
	};
	char err[512] = "";
	struct decision_log *log = decision_log_create(&o, err, sizeof(err));

	if (!log)
		fail_msg("decision_log_create: %s", err);
	return log;
}

static void append_range(struct decision_log *log, uint64_t from, uint64_t to)
{
	struct plugland_decision d;
	uint64_t s;

	for (s = from; s < to; s++) {
		d = rec_of(s);
		decision_log_append(log, &d);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/plugland-dlog-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_order(void **state)
{
	struct decision_log *log = make_log(64, DECISION_LOG_WRAP, DECISION_LOG_ANON, NULL);
	struct decision_log_reader r;
	struct plugland_log_span span;
	struct plugland_decision buf[16];
	uint64_t expect = 0;
	size_t n, i;

	(void)state;
	decision_log_reader_init(&r, log);
	assert_int_equal(decision_log_read(&r, buf, 16, &span), 0);
	append_range(log, 0, 50);
	assert_int_equal(decision_log_head(log), 50);
	while ((n = decision_log_read(&r, buf, 16, &span)) > 0) {
		assert_int_equal(span.first, expect);
		assert_int_equal(span.nr_lost, 0);
		for (i = 0; i < n; i++)
			assert_rec(&buf[i], expect + i);
		expect += n;
	}
	assert_int_equal(expect, 50);
	append_range(log, 50, 53); /* more later: picked up where it left off */
	assert_int_equal(decision_log_read(&r, buf, 16, &span), 3);
	assert_int_equal(span.first, 50);
	assert_rec(&buf[2], 52);
	assert_int_equal(r.nr_read, 53);
	decision_log_destroy(log);
}

static void test_wrap(void **state)
{
	struct decision_log *log = make_log(8, DECISION_LOG_WRAP, DECISION_LOG_ANON, NULL);
	struct decision_log_reader r;
	struct plugland_log_span span;
	struct plugland_decision buf[32];
	size_t n, i;

	(void)state;
	append_range(log, 0, 20);
	/* While the producer may still append, the oldest slot (12) might be
	 * mid-overwrite: counted lost, not returned. */
	decision_log_reader_init(&r, log);
	n = decision_log_read(&r, buf, 32, &span);
	assert_int_equal(n, 7);
	assert_int_equal(span.first, 13);
	assert_int_equal(span.nr_lost, 13);
	for (i = 0; i < n; i++)
		assert_rec(&buf[i], 13 + i);
	/* Sealed: all capacity records. */
	decision_log_seal(log);
	decision_log_reader_init(&r, log);
	n = decision_log_read(&r, buf, 32, &span);
	assert_int_equal(n, 8);
	assert_int_equal(span.first, 12);
	assert_int_equal(span.nr_lost, 12);
	for (i = 0; i < n; i++)
		assert_rec(&buf[i], 12 + i);
	assert_int_equal(decision_log_dropped(log), 0);
	decision_log_destroy(log);
}

static void test_stop_when_full(void **state)
{
	struct decision_log *log = make_log(8, DECISION_LOG_STOP, DECISION_LOG_ANON, NULL);
	struct decision_log_reader r;
	struct plugland_log_span span;
	struct plugland_decision buf[32];
	size_t i;

	(void)state;
	append_range(log, 0, 20);
	assert_int_equal(decision_log_head(log), 8);
	assert_int_equal(decision_log_dropped(log), 12);
	decision_log_reader_init(&r, log);
	assert_int_equal(decision_log_read(&r, buf, 32, &span), 8);
	assert_int_equal(span.first, 0);
	assert_int_equal(span.nr_lost, 0);
	for (i = 0; i < 8; i++)
		assert_rec(&buf[i], i);
	decision_log_destroy(log);
}

/* A reader 40 behind in a 16-record log: exactly how many it missed. */
static void test_lagging_reader_exact_lost(void **state)
{
	struct decision_log *log = make_log(16, DECISION_LOG_WRAP, DECISION_LOG_ANON, NULL);
	struct decision_log_reader r;
	struct plugland_log_span span;
	struct plugland_decision buf[64];
	size_t n, i;

	(void)state;
	decision_log_reader_init(&r, log);
	append_range(log, 0, 5);
	assert_int_equal(decision_log_read(&r, buf, 64, &span), 5);
	append_range(log, 5, 45);
	n = decision_log_read(&r, buf, 64, &span);
	/* 5..28 overwritten (24) and 29 possibly mid-overwrite: 25 lost. */
	assert_int_equal(span.nr_lost, 25);
	assert_int_equal(span.first, 30);
	assert_int_equal(n, 15);
	for (i = 0; i < n; i++)
		assert_rec(&buf[i], 30 + i);
	append_range(log, 45, 48);
	assert_int_equal(decision_log_read(&r, buf, 64, &span), 3);
	assert_int_equal(span.first, 45);
	assert_int_equal(span.nr_lost, 25);
	assert_int_equal(r.nr_read + r.nr_lost, decision_log_head(log));
	/* Overrun again, reading 2 at a time: 48..83 overwritten, 84 maybe. */
	append_range(log, 48, 100);
	assert_int_equal(decision_log_read(&r, buf, 2, &span), 1);
	assert_int_equal(span.first, 85);
	assert_rec(&buf[0], 85);
	assert_int_equal(span.nr_lost, 25 + 37);
	decision_log_destroy(log);
}

/* How far a reader is behind, asked without reading: what it then finds. */
static void test_reader_lag(void **state)
{
	struct decision_log *log = make_log(16, DECISION_LOG_WRAP, DECISION_LOG_ANON, NULL);
	struct decision_log_reader r;
	struct plugland_log_span span;
	struct plugland_decision buf[64];
	uint64_t lapped, unread;

	(void)state;
	decision_log_reader_init(&r, log);
	decision_log_reader_lag(&r, &lapped, &unread);
	assert_int_equal(lapped, 0);
	assert_int_equal(unread, 0);
	append_range(log, 0, 16); /* exactly full: nothing overwritten yet */
	decision_log_reader_lag(&r, &lapped, &unread);
	assert_int_equal(lapped, 0);
	assert_int_equal(unread, 16);
	assert_int_equal(decision_log_read(&r, buf, 4, &span), 3); /* 0 might be going */
	append_range(log, 16, 1000);
	decision_log_reader_lag(&r, &lapped, &unread);
	assert_int_equal(lapped, 1000 - 16 - 4); /* 4..983 */
	assert_int_equal(unread, 16);
	assert_int_equal(r.nr_lost, 1); /* asking moved nothing */
	assert_int_equal(r.next, 4);
	/* The read counts those, plus the oldest (it might be going). */
	assert_int_equal(decision_log_read(&r, buf, 64, &span), 15);
	assert_int_equal(span.nr_lost, 1 + 980 + 1);
	decision_log_reader_lag(&r, &lapped, &unread);
	assert_int_equal(lapped + unread, 0);
	assert_int_equal(r.nr_read + r.nr_lost, 1000);
	decision_log_destroy(log);

	/* Stop mode: never lapped, whatever was refused. */
	log = make_log(8, DECISION_LOG_STOP, DECISION_LOG_ANON, NULL);
	decision_log_reader_init(&r, log);
	append_range(log, 0, 20);
	decision_log_reader_lag(&r, &lapped, &unread);
	assert_int_equal(lapped, 0);
	assert_int_equal(unread, 8);
	decision_log_destroy(log);
}

static void test_capacity_of(void **state)
{
	struct decision_log_opts o = { .size_bytes = DECISION_LOG_DEBUG_BYTES };

	(void)state;
	assert_int_equal(decision_log_capacity_of(&o), 16777216);
	o.size_bytes = 1000; /* 15 records: rounded down to 8 */
	assert_int_equal(decision_log_capacity_of(&o), 8);
	o.size_bytes = 63;
	assert_int_equal(decision_log_capacity_of(&o), 0);
	o.capacity = 3;
	assert_int_equal(decision_log_capacity_of(&o), 0);
	o.capacity = 1ull << 35;
	assert_int_equal(decision_log_capacity_of(&o), 0);
	o.capacity = 1024; /* records win over bytes */
	assert_int_equal(decision_log_capacity_of(&o), 1024);
}

static void test_bad_options(void **state)
{
	struct decision_log_opts o = { .capacity = 3 };
	char err[512], path[128];

	(void)state;
	assert_null(decision_log_create(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "power of two"));
	o.capacity = 8;
	o.backing = DECISION_LOG_FILE;
	assert_null(decision_log_create(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "needs a path"));
	snprintf(path, sizeof(path), "%s/no/such/dir/log.dump", dir);
	o.path = path;
	assert_null(decision_log_create(&o, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file"));
}

static void assert_dump_records(const struct decision_dump *d, uint64_t first, uint64_t head)
{
	struct plugland_decision rec;
	uint64_t s;

	assert_int_equal(d->first, first);
	assert_int_equal(d->head, head);
	assert_int_equal(decision_dump_count(d), head - first);
	for (s = first; s < head; s++) {
		decision_dump_get(d, s, &rec);
		assert_rec(&rec, s);
	}
}

static void test_dump_round_trip(void **state)
{
	struct decision_log *log = make_log(64, DECISION_LOG_WRAP, DECISION_LOG_ANON, NULL);
	struct decision_log_dump_result res;
	struct decision_dump d;
	struct utsname u;
	char path[128], err[512];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/round.dump", dir);
	decision_log_set_policy(log, 5, "five");
	append_range(log, 0, 10);
	assert_int_equal(decision_log_dump(log, path, &res, err, sizeof(err)), 0);
	assert_int_equal(res.first, 0);
	assert_int_equal(res.head, 10);
	assert_int_equal(decision_dump_open(path, &d, err, sizeof(err)), 0);
	assert_true(d.clean);
	assert_int_equal(d.capacity, 64);
	assert_int_equal(d.nr_cpus, 4);
	assert_int_equal(d.default_slice_ns, 5000000);
	assert_int_equal(d.lost, 0);
	assert_int_equal(d.writer_pid, getpid());
	assert_string_equal(decision_dump_policy(&d, 0), "fifo");
	assert_string_equal(decision_dump_policy(&d, 1), "deadline");
	assert_string_equal(decision_dump_policy(&d, 5), "five");
	assert_null(decision_dump_policy(&d, 2));
	assert_int_equal(uname(&u), 0);
	assert_string_equal(d.kernel_release, u.release);
	assert_string_equal(d.backing, decision_log_backing(log));
	assert_int_equal(d.kernel_hz, 0); /* not set: unknown */
	assert_dump_records(&d, 0, 10);
	decision_dump_close(&d);

	/* Wrapped and sealed: the last capacity records, the rest lost. */
	append_range(log, 10, 100);
	decision_log_set_kernel_hz(log, 250);
	decision_log_seal(log);
	assert_int_equal(decision_log_dump(log, path, &res, err, sizeof(err)), 0);
	assert_int_equal(res.bytes, 64 * 64);
	assert_int_equal(decision_dump_open(path, &d, err, sizeof(err)), 0);
	assert_int_equal(d.kernel_hz, 250);
	assert_int_equal(d.lost, 36);
	assert_dump_records(&d, 36, 100);
	decision_dump_close(&d);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, DUMP_HEADER_SIZE + 64 * 64);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), ".tmp");
	assert_int_equal(access(path, F_OK), -1); /* renamed into place */
	decision_log_destroy(log);
}

static void test_file_clean_close(void **state)
{
	struct statfs fs;
	struct decision_log *log;
	struct decision_dump d;
	char path[128], old[140], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/clean.dump", dir);
	log = make_log(32, DECISION_LOG_WRAP, DECISION_LOG_FILE, path);
	assert_non_null(strstr(decision_log_backing(log), "file"));
	assert_int_equal(statfs(dir, &fs), 0);
	if (fs.f_type == TMPFS_MAGIC)
		assert_null(decision_log_warning(log));
	else /* a disk filesystem: the host is told it may fault */
		assert_non_null(strstr(decision_log_warning(log), "is not on tmpfs"));
	append_range(log, 0, 40);
	decision_log_destroy(log);
	assert_int_equal(decision_dump_open(path, &d, err, sizeof(err)), 0);
	assert_true(d.clean);
	assert_int_equal(d.lost, 8);
	assert_dump_records(&d, 8, 40);
	decision_dump_close(&d);

	/* A new log at the same path keeps the previous file as PATH.old. */
	log = make_log(32, DECISION_LOG_STOP, DECISION_LOG_FILE, path);
	append_range(log, 0, 3);
	decision_log_destroy(log);
	snprintf(old, sizeof(old), "%s.old", path);
	assert_int_equal(decision_dump_open(old, &d, err, sizeof(err)), 0);
	assert_int_equal(d.head, 40);
	decision_dump_close(&d);
	assert_int_equal(decision_dump_open(path, &d, err, sizeof(err)), 0);
	assert_int_equal(d.on_full, DUMP_ON_FULL_STOP);
	assert_dump_records(&d, 0, 3);
	decision_dump_close(&d);
}

/* A child appends `n` records to a file-backed log and is killed. */
static void append_then_die(const char *path, uint64_t cap, uint64_t n, int how)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct decision_log_opts o = {
			.capacity = cap, .backing = DECISION_LOG_FILE, .path = path,
		};
		struct decision_log *log = decision_log_create(&o, NULL, 0);

		if (!log)
			_exit(3);
		append_range(log, 0, n);
		if (how == SIGKILL)
			raise(SIGKILL);
		_exit(0); /* no decision_log_destroy() */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (how == SIGKILL) {
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGKILL);
	} else {
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

static void test_file_on_tmpfs(void **state)
{
	struct decision_log *log;
	char path[128];

	(void)state;
	if (access("/dev/shm", W_OK))
		skip_because("/dev/shm is not writable");
	snprintf(path, sizeof(path), "/dev/shm/plugland-test-%d.dump", (int)getpid());
	log = make_log(1 << 16, DECISION_LOG_WRAP, DECISION_LOG_FILE, path);
	assert_null(decision_log_warning(log));
	append_range(log, 0, 10);
	decision_log_destroy(log);
	assert_int_equal(unlink(path), 0);
}

static void test_unclean_end(void **state)
{
	struct decision_dump d;
	char path[128], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/killed.dump", dir);
	append_then_die(path, 64, 50, SIGKILL);
	assert_int_equal(decision_dump_open(path, &d, err, sizeof(err)), 0);
	assert_false(d.clean);
	assert_int_equal(d.lost, 0);
	assert_dump_records(&d, 0, 50); /* every record appended */
	decision_dump_close(&d);

	/* Wrapped: all but the oldest slot, which may have been mid-write. */
	append_then_die(path, 64, 1000, SIGKILL);
	assert_int_equal(decision_dump_open(path, &d, err, sizeof(err)), 0);
	assert_false(d.clean);
	assert_int_equal(d.lost, 1000 - 63);
	assert_dump_records(&d, 1000 - 63, 1000);
	decision_dump_close(&d);

	append_then_die(path, 16, 7, 0); /* _exit() without closing */
	assert_int_equal(decision_dump_open(path, &d, err, sizeof(err)), 0);
	assert_false(d.clean);
	assert_dump_records(&d, 0, 7);
	decision_dump_close(&d);
}

/* A valid dump's bytes, to break in various ways. */
static unsigned char *dump_bytes(size_t *len, enum decision_log_on_full full)
{
	struct decision_log *log = make_log(16, full, DECISION_LOG_ANON, NULL);
	char path[128], err[512];
	unsigned char *buf;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bytes.dump", dir);
	append_range(log, 0, 10);
	assert_int_equal(decision_log_dump(log, path, NULL, err, sizeof(err)), 0);
	decision_log_destroy(log);
	assert_int_equal(stat(path, &st), 0);
	*len = (size_t)st.st_size;
	buf = malloc(*len + 64);
	assert_non_null(buf);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static void expect_refusal(const void *buf, size_t len, const char *msg)
{
	struct decision_dump d;
	char err[512] = "";

	assert_int_equal(decision_dump_parse(buf, len, &d, err, sizeof(err)), -1);
	if (!strstr(err, msg))
		fail_msg("expected '%s', got '%s'", msg, err);
}

static void put32(unsigned char *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put64(unsigned char *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

#define OFF(f) offsetof(struct decision_dump_header, f)

static void test_parse_refusals(void **state)
{
	struct decision_dump d;
	unsigned char *b;
	size_t len;
	char err[512];

	(void)state;
	b = dump_bytes(&len, DECISION_LOG_WRAP);
	assert_int_equal(decision_dump_parse(b, len, &d, err, sizeof(err)), 0);
	assert_dump_records(&d, 0, 10);

	expect_refusal(b, 0, "empty file");
	expect_refusal("hello, world\n", 13, "not a plugland decision dump");
	expect_refusal(b, 5, "not a plugland decision dump");
	expect_refusal(b, 100, "truncated: 100 bytes, shorter than the 4096-byte header");
	expect_refusal(b, len - 1, "truncated");
	expect_refusal(b, DUMP_HEADER_SIZE, "truncated");
	/* Zeros after the records are a hugetlbfs file's last page; anything
	 * else there is not ours. */
	memset(b + len, 0, 64);
	assert_int_equal(decision_dump_parse(b, len + 64, &d, err, sizeof(err)), 0);
	assert_dump_records(&d, 0, 10);
	b[len + 63] = 1;
	expect_refusal(b, len + 64, "corrupted: 5184 bytes, 5120 expected");

	put32(b, OFF(version), 4);
	expect_refusal(b, len, "format version 4 is not supported (this reader knows 1 to 3)");
	put32(b, OFF(version), 0);
	expect_refusal(b, len, "format version 0 is not supported (this reader knows 1 to 3)");
	put32(b, OFF(version), DUMP_VERSION);

	b[OFF(nr_cpus)] ^= 1;
	expect_refusal(b, len, "corrupted: header checksum mismatch");
	b[OFF(nr_cpus)] ^= 1;
	b[OFF(kernel_release) + 3] ^= 0x20;
	expect_refusal(b, len, "checksum");
	b[OFF(kernel_release) + 3] ^= 0x20;

	/* The live part is not checksummed: checked for consistency. */
	put32(b, OFF(state), 7);
	expect_refusal(b, len, "corrupted: unknown state 7");
	put32(b, OFF(state), DUMP_STATE_CLEAN);
	put64(b, OFF(first), 11);
	expect_refusal(b, len, "do not fit");
	put64(b, OFF(first), 0);
	put64(b, OFF(head), 100);
	expect_refusal(b, len, "do not fit"); /* 100 records in a 16-slot dump */
	put32(b, OFF(state), DUMP_STATE_OPEN); /* unclean: derived, fine */
	assert_int_equal(decision_dump_parse(b, len, &d, err, sizeof(err)), 0);
	assert_int_equal(d.first, 100 - 15);
	free(b);

	b = dump_bytes(&len, DECISION_LOG_STOP);
	put64(b, OFF(head), 17);
	expect_refusal(b, len, "stops when full");
	free(b);
}

static void test_huge_backing(void **state)
{
	struct decision_log *log = make_log(1 << 16, DECISION_LOG_WRAP, DECISION_LOG_HUGE, NULL);
	struct decision_log_reader r;
	struct plugland_log_span span;
	struct plugland_decision buf[4];

	(void)state;
	/* hugetlb when reserved, else THP when enabled, else 4 KiB pages:
	 * whichever, it says so and works. */
	assert_non_null(strstr(decision_log_backing(log), "anonymous, "));
	assert_non_null(strstr(decision_log_backing(log), "pages"));
	append_range(log, 0, 3);
	decision_log_reader_init(&r, log);
	assert_int_equal(decision_log_read(&r, buf, 4, &span), 3);
	assert_rec(&buf[2], 2);
	decision_log_destroy(log);
}

/* What the scheduling loop would record for a dispatch. */
static void test_record_of_dispatch(void **state)
{
	struct plugland_task t = {
		.pid = 42, .tgid = 40, .cpu = 3, .flags = PLUGLAND_TASK_WAKEUP, .weight = 250,
		.enq_ns = 1000, .cookie = 7, .comm = "make",
	};
	struct plugland_dispatch d = plugland_dispatch_of(&t);
	struct plugland_decision r;

	(void)state;
	d.cpu = 1;
	d.slice_ns = 2500000;
	d.vtime = 99;
	decision_record(&r, &d, &t, 5000, 2);
	assert_int_equal(r.enq_ns, 1000);
	assert_int_equal(r.dispatch_ns, 5000);
	assert_int_equal(r.vtime, 99);
	assert_int_equal(r.pid, 42);
	assert_int_equal(r.tgid, 40);
	assert_int_equal(r.cpu, 1);
	assert_int_equal(r.prev_cpu, 3);
	assert_int_equal(r.slice_us, 2500);
	assert_int_equal(r.flags, PLUGLAND_TASK_WAKEUP);
	assert_int_equal(r.policy_id, 2);
	assert_int_equal(r.weight, 250);
	assert_string_equal(r.comm, "make");

	/* Stale or unknown: the decision's own fields only. */
	t.cookie = 8;
	d.cpu = PLUGLAND_CPU_ANY;
	decision_record(&r, &d, &t, 6000, 0);
	assert_int_equal(r.pid, 42);
	assert_int_equal(r.cpu, -1);
	assert_int_equal(r.enq_ns, 0);
	assert_int_equal(r.tgid, 0);
	assert_int_equal(r.comm[0], 0);
	decision_record(&r, &d, NULL, 6000, 0);
	assert_int_equal(r.dispatch_ns, 6000);
	assert_int_equal(r.weight, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_stop_when_full),
		cmocka_unit_test(test_lagging_reader_exact_lost),
		cmocka_unit_test(test_reader_lag),
		cmocka_unit_test(test_capacity_of),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_dump_round_trip),
		cmocka_unit_test(test_file_clean_close),
		cmocka_unit_test(test_file_on_tmpfs),
		cmocka_unit_test(test_unclean_end),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_huge_backing),
		cmocka_unit_test(test_record_of_dispatch),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

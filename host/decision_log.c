// SPDX-License-Identifier: GPL-2.0
/*
 * The decision log. One producer appends; readers copy and validate.
 *
 * Why a reader's copy is never torn. The producer writes record s into
 * slot s & mask, which held record s - capacity:
 *
 *	P1  fence(release)
 *	P2  slot words = record s		(relaxed stores)
 *	P3  head = s + 1			(release store)
 *
 * A reader of records [c, c + n):
 *
 *	R1  h1 = head				(acquire load)
 *	R2  copy the slots of [c, c + n), c + n <= h1	(relaxed loads)
 *	R3  fence(acquire)
 *	R4  h2 = head				(relaxed load)
 *	R5  keep only records r with r + capacity > h2
 *
 * R1 reads from some P3 (h1 > r), which makes record r's stores visible:
 * the copy sees record r or something newer. Suppose a load in R2 saw a
 * store of a newer record w = r + k * capacity (k >= 1). That store
 * follows P1 of append w, and R3 follows the load, so the two fences
 * synchronise: everything before P1 of append w, including P3 of append
 * w - 1 (head = w), happens before R4, which therefore reads h2 >= w >=
 * r + capacity. So a record with r + capacity > h2 was copied whole. The
 * test also rejects record h2 - capacity when its overwrite had not
 * actually started: such a record counts as lost, never as torn. Once
 * the producer has sealed the log (release, after its last append), a
 * reader that saw the seal before copying (acquire) skips the test.
 *
 * Every word is a relaxed atomic, so there is no data race: ThreadSanitizer
 * needs no suppression. On x86 the fences compile to nothing, the stores to
 * plain moves.
 *
 * A file-backed log's head is in the file: a killed process leaves records
 * [head - capacity + 1, head) whole (the oldest slot may be mid-overwrite).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "decision_log.h"

#define DUMP_CHUNK 16384 /* records copied per write() of a dump: 1 MiB */
#define MAX_READ_RETRIES 4

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t round_down_pow2(uint64_t v)
{
	return v ? 1ull << (63 - __builtin_clzll(v)) : 0;
}

uint64_t decision_log_capacity_of(const struct decision_log_opts *o)
{
	uint64_t cap = o->capacity;

	if (!cap)
		cap = round_down_pow2(o->size_bytes / DUMP_RECORD_SIZE);
	if (!cap || (cap & (cap - 1)) || cap > DECISION_LOG_MAX_RECORDS)
		return 0;
	return cap;
}

static void fill_header(struct decision_log *log, const struct decision_log_opts *o)
{
	struct decision_dump_header *h = log->hdr;
	struct utsname u;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	unsigned int i;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, DUMP_MAGIC, sizeof(h->magic));
	h->version = DUMP_VERSION;
	h->header_size = DUMP_HEADER_SIZE;
	h->record_size = DUMP_RECORD_SIZE;
	h->capacity = log->capacity;
	h->nr_cpus = o->nr_cpus ? o->nr_cpus : (uint32_t)(ncpu > 0 ? ncpu : 1);
	if (h->nr_cpus > DUMP_MAX_CPUS)
		h->nr_cpus = DUMP_MAX_CPUS;
	h->on_full = log->wrap ? DUMP_ON_FULL_WRAP : DUMP_ON_FULL_STOP;
	h->default_slice_ns = o->default_slice_ns;
	h->start_realtime_ns = clock_ns(CLOCK_REALTIME);
	h->start_monotonic_ns = o->simulated ? 0 : clock_ns(CLOCK_MONOTONIC);
	h->writer_pid = (uint32_t)getpid();
	if (uname(&u) == 0)
		snprintf(h->kernel_release, sizeof(h->kernel_release), "%.63s", u.release);
	snprintf(h->backing, sizeof(h->backing), "%.63s", log->rec_mem.desc);
	h->header_crc = decision_dump_header_crc(h);
	for (i = 0; i < DUMP_MAX_POLICIES; i++)
		if (o->policies[i])
			snprintf(h->policies[i], DUMP_POLICY_NAME_LEN, "%s", o->policies[i]);
	atomic_store_explicit(&h->state, DUMP_STATE_OPEN, memory_order_relaxed);
}

/* The dump file: the old one (a crash's evidence) kept as PATH.old. */
static int open_dump_file(const char *path, uint64_t len, char *err, size_t errlen)
{
	char old[PATH_MAX];
	size_t page;
	int fd;

	if (snprintf(old, sizeof(old), "%s.old", path) >= (int)sizeof(old)) {
		set_err(err, errlen, "%s: path too long", path);
		return -1;
	}
	if (rename(path, old) && errno != ENOENT) {
		set_err(err, errlen, "%s: cannot rename to %s: %s", path, old, strerror(errno));
		return -1;
	}
	/* O_EXCL: never follow a symlink planted at the path. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* hugetlbfs holds whole huge pages: the tail of the last is zeros. */
	page = locked_mem_file_page(fd);
	if (page)
		len = (len + page - 1) & ~(uint64_t)(page - 1);
	if (ftruncate(fd, (off_t)len)) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* Reserve the blocks now: a full filesystem is an error here rather
	 * than a SIGBUS in the scheduling thread later. */
	if (fallocate(fd, 0, 0, (off_t)len) && errno != EOPNOTSUPP) {
		set_err(err, errlen, "%s: reserving %llu MiB: %s%s", path,
			(unsigned long long)(len >> 20), strerror(errno),
			page && !access(old, F_OK) ? " (the previous dump, .old, holds huge pages)" :
			"");
		goto fail;
	}
	return fd;
fail:
	close(fd);
	unlink(path);
	return -1;
}

/* A file on tmpfs or ramfs is never written back: its pages stay writable. */
static void check_filesystem(struct decision_log *log, const char *path)
{
	struct statfs fs;

	if (fstatfs(log->fd, &fs) == 0 &&
	    (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC || fs.f_type == HUGETLBFS_MAGIC))
		return;
	snprintf(log->warning, sizeof(log->warning), "%.60s is not on tmpfs: writeback can make "
		 "appends page-fault; put dump_path on tmpfs (/run, /dev/shm)", path);
}

struct decision_log *decision_log_create(const struct decision_log_opts *o, char *err,
					 size_t errlen)
{
	uint64_t cap = decision_log_capacity_of(o);
	unsigned int lock_flags = o->simulated ? LOCKED_MEM_UNLOCKED_OK : 0;
	struct decision_log *log;
	char merr[256];
	int ret;

	if (!cap) {
		set_err(err, errlen, "decision log: capacity %llu records / %llu bytes: expected a "
			"power of two from 1 to %llu records", (unsigned long long)o->capacity,
			(unsigned long long)o->size_bytes, DECISION_LOG_MAX_RECORDS);
		return NULL;
	}
	if (o->backing == DECISION_LOG_FILE && (!o->path || !*o->path)) {
		set_err(err, errlen, "decision log: a file backing needs a path");
		return NULL;
	}
	log = aligned_alloc(64, sizeof(*log));
	if (!log) {
		set_err(err, errlen, "decision log: out of memory");
		return NULL;
	}
	memset(log, 0, sizeof(*log));
	log->capacity = cap;
	log->mask = cap - 1;
	log->wrap = o->on_full == DECISION_LOG_WRAP;
	log->backing = o->backing;
	log->fd = -1;
	pthread_mutex_init(&log->names_lock, NULL);

	if (o->backing == DECISION_LOG_FILE) {
		uint64_t len = DUMP_HEADER_SIZE + cap * DUMP_RECORD_SIZE;

		log->fd = open_dump_file(o->path, len, err, errlen);
		if (log->fd < 0)
			goto fail;
		ret = locked_mem_file(&log->rec_mem, log->fd, len, lock_flags, merr, sizeof(merr));
		if (ret) {
			unlink(o->path);
			set_err(err, errlen, "decision log %s: %s", o->path, merr);
			goto fail;
		}
		log->hdr = log->rec_mem.addr;
		log->slots = (void *)((char *)log->rec_mem.addr + DUMP_HEADER_SIZE);
		check_filesystem(log, o->path);
	} else {
		ret = locked_mem_anon(&log->rec_mem, cap * DUMP_RECORD_SIZE,
				      lock_flags | (o->backing == DECISION_LOG_HUGE ? LOCKED_MEM_TRY_HUGE : 0),
				      merr, sizeof(merr));
		if (!ret)
			ret = locked_mem_anon(&log->hdr_mem, DUMP_HEADER_SIZE, lock_flags, merr,
					      sizeof(merr));
		if (ret) {
			set_err(err, errlen, "decision log: %s", merr);
			goto fail;
		}
		log->hdr = log->hdr_mem.addr;
		log->slots = log->rec_mem.addr;
	}
	if (log->rec_mem.unlocked || log->hdr_mem.unlocked)
		snprintf(log->warning, sizeof(log->warning), "not locked in memory (RLIMIT_MEMLOCK "
			 "too low for its %llu MiB): fine for a simulation",
			 (unsigned long long)(cap * DUMP_RECORD_SIZE) >> 20);
	fill_header(log, o);
	return log;
fail:
	locked_mem_free(&log->rec_mem);
	locked_mem_free(&log->hdr_mem);
	if (log->fd >= 0)
		close(log->fd);
	pthread_mutex_destroy(&log->names_lock);
	free(log);
	return NULL;
}

void decision_log_destroy(struct decision_log *log)
{
	struct decision_dump_header *h;
	uint64_t head;

	if (!log)
		return;
	h = log->hdr;
	if (log->backing == DECISION_LOG_FILE) {
		head = atomic_load_explicit(&h->head, memory_order_relaxed);
		h->first = log->wrap && head > log->capacity ? head - log->capacity : 0;
		h->lost = h->first;
		/* Last: a reader trusts first and lost only in a clean file. */
		atomic_store_explicit(&h->state, DUMP_STATE_CLEAN, memory_order_release);
		close(log->fd);
	}
	locked_mem_free(&log->rec_mem);
	locked_mem_free(&log->hdr_mem);
	pthread_mutex_destroy(&log->names_lock);
	free(log);
}

void decision_log_set_kernel_hz(struct decision_log *log, uint32_t hz)
{
	log->hdr->kernel_hz = hz;
}

const char *decision_log_backing(const struct decision_log *log)
{
	return log->rec_mem.desc;
}

const char *decision_log_warning(const struct decision_log *log)
{
	return *log->warning ? log->warning : NULL;
}

void decision_log_set_policy(struct decision_log *log, uint16_t policy_id, const char *name)
{
	if (policy_id >= DUMP_MAX_POLICIES)
		return;
	pthread_mutex_lock(&log->names_lock);
	snprintf(log->hdr->policies[policy_id], DUMP_POLICY_NAME_LEN, "%s", name ? name : "");
	pthread_mutex_unlock(&log->names_lock);
}

bool decision_log_policy_name(struct decision_log *log, uint16_t policy_id, char *buf,
			      size_t len)
{
	bool named;

	if (policy_id >= DUMP_MAX_POLICIES)
		return false;
	pthread_mutex_lock(&log->names_lock);
	named = log->hdr->policies[policy_id][0] != 0;
	if (named)
		snprintf(buf, len, "%.*s", DUMP_POLICY_NAME_LEN, log->hdr->policies[policy_id]);
	pthread_mutex_unlock(&log->names_lock);
	return named;
}

void decision_log_seal(struct decision_log *log)
{
	atomic_store_explicit(&log->sealed, true, memory_order_release);
}

void decision_log_reader_init(struct decision_log_reader *r, const struct decision_log *log)
{
	memset(r, 0, sizeof(*r));
	r->log = log;
}

static void copy_slot(struct plugland_decision *dst, const struct decision_log_slot *s)
{
	uint64_t w[DUMP_RECORD_SIZE / 8];
	unsigned int i;

	for (i = 0; i < DUMP_RECORD_SIZE / 8; i++)
		w[i] = atomic_load_explicit(&s->w[i], memory_order_relaxed);
	memcpy(dst, w, sizeof(w));
}

size_t decision_log_read(struct decision_log_reader *r, struct plugland_decision *buf,
			 size_t max, struct plugland_log_span *span)
{
	const struct decision_log *log = r->log;
	uint64_t cap = log->capacity, c, h1, h2, n, i, bad;
	unsigned int tries;
	bool sealed;

	for (tries = 0;; tries++) {
		/* Before R1: a seal seen here covers every append. */
		sealed = atomic_load_explicit(&log->sealed, memory_order_acquire);
		c = r->next;
		h1 = atomic_load_explicit(&log->hdr->head, memory_order_acquire);	/* R1 */
		if (h1 - c > cap) {	/* already overwritten: skip */
			r->nr_lost += h1 - cap - c;
			c = h1 - cap;
		}
		n = h1 - c < max ? h1 - c : max;
		for (i = 0; i < n; i++)						/* R2 */
			copy_slot(&buf[i], &log->slots[(c + i) & log->mask]);
		bad = 0;
		if (log->wrap && !sealed && n) { /* stop mode never overwrites */
			atomic_thread_fence(memory_order_acquire);		/* R3 */
			h2 = atomic_load_explicit(&log->hdr->head, memory_order_relaxed); /* R4 */
			if (c + cap <= h2)					/* R5 */
				bad = h2 - cap + 1 - c < n ? h2 - cap + 1 - c : n;
		}
		r->nr_lost += bad;
		r->next = c + n;
		n -= bad;
		if (bad && n)
			memmove(buf, buf + bad, n * sizeof(*buf));
		/* All of it overwritten while copying: try again further on,
		 * boundedly (a producer lapping us forever must not trap us). */
		if (n || !bad || tries == MAX_READ_RETRIES)
			break;
	}
	r->nr_read += n;
	if (span) {
		span->first = r->next - n;
		span->nr_lost = r->nr_lost;
	}
	return n;
}

void decision_log_reader_lag(const struct decision_log_reader *r, uint64_t *lapped,
			     uint64_t *unread)
{
	/* r's last read happened before this (r's lock or thread): head is
	 * at least what that read saw, so r->next <= head. */
	uint64_t behind = decision_log_head(r->log) - r->next;

	/* Stop mode never overwrites: head <= capacity there. */
	*lapped = behind > r->log->capacity ? behind - r->log->capacity : 0;
	*unread = behind - *lapped;
}

/* Write buf (records [first, first + n)) into their slots of the file. */
static int write_slots(int fd, const struct decision_log *log, const struct plugland_decision *buf,
		       uint64_t first, uint64_t n)
{
	while (n) {
		uint64_t slot = first & log->mask, run = log->capacity - slot;
		size_t len;
		ssize_t w;

		if (run > n)
			run = n;
		len = run * sizeof(*buf);
		w = pwrite(fd, buf, len, DUMP_HEADER_SIZE + (off_t)(slot * DUMP_RECORD_SIZE));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		/* A short write: go on from where it stopped. */
		run = (uint64_t)w / sizeof(*buf);
		if (!run) {
			errno = EIO;
			return -1;
		}
		buf += run;
		first += run;
		n -= run;
	}
	return 0;
}

int decision_log_dump(struct decision_log *log, const char *path,
		      struct decision_log_dump_result *res, char *err, size_t errlen)
{
	struct decision_dump_header h;
	struct decision_log_reader r;
	struct plugland_log_span span;
	struct plugland_decision *buf;
	uint64_t target, first, end, t0 = clock_ns(CLOCK_MONOTONIC);
	char tmp[PATH_MAX];
	size_t n;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		set_err(err, errlen, "%s: path too long", path);
		return -1;
	}
	buf = malloc(DUMP_CHUNK * sizeof(*buf));
	if (!buf) {
		set_err(err, errlen, "dump: out of memory");
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		set_err(err, errlen, "%s: %s", tmp, strerror(errno));
		free(buf);
		return -1;
	}
	/* Full size, sparse: slots never written stay holes. */
	if (ftruncate(fd, DUMP_HEADER_SIZE + (off_t)(log->capacity * DUMP_RECORD_SIZE)))
		goto io_fail;

	/* The snapshot: what the log holds now. Records overwritten while we
	 * copy are skipped; the dump holds the last unbroken run. */
	decision_log_reader_init(&r, log);
	target = decision_log_head(log);
	r.next = target > log->capacity ? target - log->capacity : 0;
	first = end = r.next;
	while (r.next < target) {
		n = decision_log_read(&r, buf, target - r.next < DUMP_CHUNK ? target - r.next : DUMP_CHUNK,
				      &span);
		if (!n)
			continue; /* all overwritten: r.next moved on */
		if (span.first != end)
			first = span.first;
		if (write_slots(fd, log, buf, span.first, n))
			goto io_fail;
		end = span.first + n;
	}

	/* The header last, built from the live one without copying its live
	 * words non-atomically. */
	memcpy(&h, log->hdr, DUMP_CRC_BYTES); /* written once at creation */
	memset((char *)&h + DUMP_CRC_BYTES, 0, sizeof(h) - DUMP_CRC_BYTES);
	atomic_store_explicit(&h.head, end, memory_order_relaxed);
	atomic_store_explicit(&h.dropped, decision_log_dropped(log), memory_order_relaxed);
	h.first = first;
	h.lost = first;
	atomic_store_explicit(&h.state, DUMP_STATE_CLEAN, memory_order_relaxed);
	h.kernel_hz = log->hdr->kernel_hz;
	pthread_mutex_lock(&log->names_lock);
	memcpy(h.policies, log->hdr->policies, sizeof(h.policies));
	pthread_mutex_unlock(&log->names_lock);
	if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		goto io_fail;
	if (close(fd)) {
		fd = -1;
		goto io_fail;
	}
	free(buf);
	if (rename(tmp, path)) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (res) {
		res->first = first;
		res->head = end;
		res->bytes = (end - first) * DUMP_RECORD_SIZE;
		res->seconds = (double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	}
	return 0;
io_fail:
	set_err(err, errlen, "%s: %s", tmp, strerror(errno ? errno : EIO));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(buf);
	return -1;
}

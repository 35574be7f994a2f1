// SPDX-License-Identifier: GPL-2.0
/*
 * Reading decision dumps. Every check names what is wrong in one line;
 * nothing is trusted before it is checked and nothing outside the buffer
 * is read, so arbitrary bytes (tests/fuzz/) give a message, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "decision_dump.h"
#include "fail_msg.h"

#define OFF(field) offsetof(struct decision_dump_header, field)

static uint32_t le32_at(const unsigned char *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v)); /* little-endian host: asserted */
	return v;
}

static uint64_t le64_at(const unsigned char *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

/* A NUL-terminated string field; a missing NUL is cut, not trusted. */
static bool all_zero(const unsigned char *p, size_t len)
{
	return !len || (!p[0] && !memcmp(p, p + 1, len - 1));
}

static void str_at(char *dst, size_t dstlen, const unsigned char *p, size_t off, size_t len)
{
	size_t n = strnlen((const char *)p + off, len);

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, p + off, n);
	dst[n] = 0;
}

uint32_t decision_dump_header_crc(const void *header)
{
	unsigned char copy[DUMP_CRC_BYTES];
	uLong crc = crc32(0L, Z_NULL, 0);

	memcpy(copy, header, sizeof(copy));
	memset(copy + OFF(header_crc), 0, sizeof(uint32_t));
	return (uint32_t)crc32(crc, copy, sizeof(copy));
}

int decision_dump_parse(const void *buf, size_t len, struct decision_dump *d,
			char *err, size_t errlen)
{
	const unsigned char *p = buf;
	uint64_t cap, want, head;
	uint32_t v, state;
	unsigned int i;

	memset(d, 0, sizeof(*d));
	if (len == 0)
		return fail_msg(err, errlen, "empty file");
	if (len < sizeof(DUMP_MAGIC) - 1 || memcmp(p, DUMP_MAGIC, sizeof(DUMP_MAGIC) - 1))
		return fail_msg(err, errlen, "not a plugland decision dump (no '%s' magic)", DUMP_MAGIC);
	if (len < DUMP_HEADER_SIZE)
		return fail_msg(err, errlen, "truncated: %zu bytes, shorter than the %d-byte header",
			    len, DUMP_HEADER_SIZE);
	v = le32_at(p, OFF(version));
	if (v < DUMP_MIN_VERSION || v > DUMP_VERSION)
		return fail_msg(err, errlen, "format version %u is not supported (this reader knows %d "
			    "to %d)", v, DUMP_MIN_VERSION, DUMP_VERSION);
	if (le32_at(p, OFF(header_crc)) != decision_dump_header_crc(p))
		return fail_msg(err, errlen, "corrupted: header checksum mismatch");
	/* The CRC matched: what follows is as written, or written by a bug. */
	if (le32_at(p, OFF(header_size)) != DUMP_HEADER_SIZE ||
	    le32_at(p, OFF(record_size)) != DUMP_RECORD_SIZE)
		return fail_msg(err, errlen, "corrupted: header size %u, record size %u (expected %d, %d)",
			    le32_at(p, OFF(header_size)), le32_at(p, OFF(record_size)),
			    DUMP_HEADER_SIZE, DUMP_RECORD_SIZE);
	cap = le64_at(p, OFF(capacity));
	if (cap == 0 || (cap & (cap - 1)) || cap > (SIZE_MAX - DUMP_HEADER_SIZE) / DUMP_RECORD_SIZE)
		return fail_msg(err, errlen, "corrupted: capacity %llu is not a power of two",
			    (unsigned long long)cap);
	want = DUMP_HEADER_SIZE + cap * DUMP_RECORD_SIZE;
	if (len < want)
		return fail_msg(err, errlen, "truncated: %zu bytes, %llu expected (header + %llu records)",
			    len, (unsigned long long)want, (unsigned long long)cap);
	/* A file on hugetlbfs is whole huge pages: the tail is zeros. */
	if (len > want && (len - want >= DUMP_MAX_PADDING || !all_zero(p + want, len - want)))
		return fail_msg(err, errlen, "corrupted: %zu bytes, %llu expected (header + %llu records)",
			    len, (unsigned long long)want, (unsigned long long)cap);

	d->version = v;
	d->capacity = cap;
	d->nr_cpus = le32_at(p, OFF(nr_cpus));
	d->on_full = le32_at(p, OFF(on_full));
	d->writer_pid = le32_at(p, OFF(writer_pid));
	d->default_slice_ns = le64_at(p, OFF(default_slice_ns));
	d->start_realtime_ns = le64_at(p, OFF(start_realtime_ns));
	d->start_monotonic_ns = le64_at(p, OFF(start_monotonic_ns));
	if (d->nr_cpus == 0 || d->nr_cpus > DUMP_MAX_CPUS)
		return fail_msg(err, errlen, "corrupted: %u CPUs", d->nr_cpus);
	if (d->on_full != DUMP_ON_FULL_WRAP && d->on_full != DUMP_ON_FULL_STOP)
		return fail_msg(err, errlen, "corrupted: unknown on_full mode %u", d->on_full);
	str_at(d->kernel_release, sizeof(d->kernel_release), p, OFF(kernel_release), 64);
	str_at(d->backing, sizeof(d->backing), p, OFF(backing), 64);
	for (i = 0; i < DUMP_MAX_POLICIES; i++)
		str_at(d->policies[i], DUMP_POLICY_NAME_LEN, p,
		       OFF(policies) + i * DUMP_POLICY_NAME_LEN, DUMP_POLICY_NAME_LEN);

	/* The live part: not in the CRC, so checked for consistency. */
	head = d->head = le64_at(p, OFF(head));
	d->dropped = le64_at(p, OFF(dropped));
	d->kernel_hz = le32_at(p, OFF(kernel_hz));
	state = le32_at(p, OFF(state));
	if (state != DUMP_STATE_OPEN && state != DUMP_STATE_CLEAN)
		return fail_msg(err, errlen, "corrupted: unknown state %u", state);
	if (d->on_full == DUMP_ON_FULL_STOP && head > cap)
		return fail_msg(err, errlen, "corrupted: %llu records appended to a %llu-record log "
			    "that stops when full", (unsigned long long)head, (unsigned long long)cap);
	d->clean = state == DUMP_STATE_CLEAN;
	if (d->clean) {
		d->first = le64_at(p, OFF(first));
		d->lost = le64_at(p, OFF(lost));
		if (d->first > head || head - d->first > cap || d->lost > head)
			return fail_msg(err, errlen, "corrupted: records %llu..%llu (lost %llu) do not "
				    "fit a %llu-record log", (unsigned long long)d->first,
				    (unsigned long long)head, (unsigned long long)d->lost,
				    (unsigned long long)cap);
	} else {
		/*
		 * Not closed: the writer may have died while overwriting slot
		 * head & (capacity - 1), which held record head - capacity.
		 * That one may be torn; the rest is whole (decision_log.c).
		 */
		d->first = d->on_full == DUMP_ON_FULL_WRAP && head >= cap ? head - cap + 1 : 0;
		d->lost = d->first;
	}
	d->slots = p + DUMP_HEADER_SIZE;
	return 0;
}

int decision_dump_open(const char *path, struct decision_dump *d, char *err, size_t errlen)
{
	struct stat st;
	void *map = NULL;
	int fd, ret;

	memset(d, 0, sizeof(*d));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_msg(err, errlen, "%s", strerror(errno));
	if (fstat(fd, &st)) {
		ret = fail_msg(err, errlen, "%s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = fail_msg(err, errlen, "is a directory");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = fail_msg(err, errlen, "not a regular file");
		goto out;
	}
	if (st.st_size > 0) {
		/* Shared: a private map of a hugetlbfs file reserves pages. */
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			ret = fail_msg(err, errlen, "mmap: %s", strerror(errno));
			goto out;
		}
		madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	}
	ret = decision_dump_parse(map ? map : "", (size_t)st.st_size, d, err, errlen);
	if (ret) {
		if (map)
			munmap(map, (size_t)st.st_size);
		goto out;
	}
	d->path = path;
	d->map = map;
	d->map_len = (size_t)st.st_size;
out:
	close(fd);
	return ret;
}

void decision_dump_close(struct decision_dump *d)
{
	if (d->map)
		munmap(d->map, d->map_len);
	d->map = NULL;
}

void decision_dump_get(const struct decision_dump *d, uint64_t seq, struct plugland_decision *out)
{
	memcpy(out, d->slots + (seq & (d->capacity - 1)) * DUMP_RECORD_SIZE, sizeof(*out));
}

const char *decision_dump_policy(const struct decision_dump *d, uint16_t policy_id)
{
	if (policy_id >= DUMP_MAX_POLICIES || !d->policies[policy_id][0])
		return NULL;
	return d->policies[policy_id];
}

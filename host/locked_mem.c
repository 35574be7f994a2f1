// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "locked_mem.h"

#define SZ_2M (2ull << 20)
#define SZ_1G (1ull << 30)
#define HUGE_FLAG(shift) ((unsigned long)(shift) << MAP_HUGE_SHIFT)

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	int ret = -errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret ? ret : -ENOMEM;
}

/* KiB of [addr, addr + len) mapped by huge pages, from /proc/self/smaps. */
static uint64_t huge_kib(const void *addr, size_t len)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + len, start = 0, end = 0;
	uint64_t kib = 0, v;
	char line[256];
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = start < hi && end > lo;
			continue;
		}
		if (in && (sscanf(line, "AnonHugePages: %" SCNu64, &v) == 1 ||
			   sscanf(line, "ShmemPmdMapped: %" SCNu64, &v) == 1 ||
			   sscanf(line, "FilePmdMapped: %" SCNu64, &v) == 1))
			kib += v;
	}
	fclose(f);
	return kib;
}

/* Lock, then make every page present and writable now: a shared file
 * mapping would otherwise take a write fault on the first store to each
 * page even when locked (mlock() populates it read-only). */
static int lock_and_prefault(struct locked_mem *m, unsigned int flags, char *err, size_t errlen)
{
	struct rlimit rl;
	size_t i;

	if (mlock(m->addr, m->len)) {
		int e = errno;

		if ((e == ENOMEM || e == EPERM) && (flags & LOCKED_MEM_UNLOCKED_OK)) {
			m->unlocked = true;
			goto prefault;
		}

		getrlimit(RLIMIT_MEMLOCK, &rl);
		errno = e;
		if (e == ENOMEM || e == EPERM)
			return fail(err, errlen, "mlock %zu MiB: %s (RLIMIT_MEMLOCK %llu KiB: run as "
				    "root or raise it)", m->len >> 20, strerror(e),
				    rl.rlim_cur == RLIM_INFINITY ? ~0ull :
				    (unsigned long long)rl.rlim_cur >> 10);
		return fail(err, errlen, "mlock %zu MiB: %s", m->len >> 20, strerror(e));
	}
prefault:
	if (madvise(m->addr, m->len, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL) /* EFAULT: no memory, or a full filesystem */
		return fail(err, errlen, "pre-faulting %zu MiB: %s", m->len >> 20, strerror(errno));
	for (i = 0; i < m->len; i += 4096) /* kernels before 5.14 */
		((volatile char *)m->addr)[i] = 0;
	return 0;
}

static bool map_hugetlb(struct locked_mem *m, size_t len, unsigned int shift, size_t page)
{
	void *p;

	if (len % page)
		return false;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | HUGE_FLAG(shift) | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return false; /* none reserved (vm.nr_hugepages), or not that size */
	m->addr = m->map_addr = p;
	m->map_len = len;
	m->kind = shift == 30 ? LOCKED_MEM_HUGETLB_1G : LOCKED_MEM_HUGETLB_2M;
	snprintf(m->desc, sizeof(m->desc), "anonymous, %s hugetlb pages",
		 shift == 30 ? "1 GiB" : "2 MiB");
	return true;
}

/* A mapping of len bytes starting on an `align` boundary (a power of two):
 * 2 MiB so that transparent huge pages can map all of it (a file at
 * offset 0 too); a hugetlbfs file needs its page size. */
static void *map_aligned(size_t len, int flags, int fd, size_t align)
{
	size_t over = len + align;
	char *r, *q, *p;

	/* Reserve a larger range, map at its aligned start, trim the rest. */
	r = mmap(NULL, over, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return MAP_FAILED;
	q = (char *)(((uintptr_t)r + align - 1) & ~(uintptr_t)(align - 1));
	p = mmap(q, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		munmap(r, over);
		return MAP_FAILED;
	}
	if (q > r)
		munmap(r, (size_t)(q - r));
	if (r + over > q + len)
		munmap(q + len, (size_t)(r + over - (q + len)));
	return p;
}

static void describe_thp(struct locked_mem *m, const char *what)
{
	uint64_t huge = huge_kib(m->addr, m->len);

	if (huge)
		snprintf(m->desc, sizeof(m->desc), "%s, transparent huge pages (%" PRIu64 " of %zu MiB)",
			 what, huge >> 10, m->len >> 20);
	else
		snprintf(m->desc, sizeof(m->desc), "%s, 4 KiB pages (no huge pages given)", what);
}

int locked_mem_anon(struct locked_mem *m, size_t len, unsigned int flags, char *err,
		    size_t errlen)
{
	bool try_huge = flags & LOCKED_MEM_TRY_HUGE;
	int ret;

	memset(m, 0, sizeof(*m));
	m->len = len;
	if (try_huge && (map_hugetlb(m, len, 30, SZ_1G) || map_hugetlb(m, len, 21, SZ_2M))) {
		ret = lock_and_prefault(m, flags, err, errlen);
		if (ret)
			locked_mem_free(m);
		return ret;
	}

	if (try_huge && len >= SZ_2M) {
		m->addr = map_aligned(len, MAP_PRIVATE | MAP_ANONYMOUS, -1, SZ_2M);
		if (m->addr != MAP_FAILED && madvise(m->addr, len, MADV_HUGEPAGE) == 0)
			m->kind = LOCKED_MEM_THP;
	} else {
		m->addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (m->addr == MAP_FAILED) {
		m->addr = NULL;
		return fail(err, errlen, "mmap %zu MiB: %s", len >> 20, strerror(errno));
	}
	m->map_addr = m->addr;
	m->map_len = len;
	ret = lock_and_prefault(m, flags, err, errlen);
	if (ret) {
		locked_mem_free(m);
		return ret;
	}
	if (try_huge)
		describe_thp(m, "anonymous");
	else
		snprintf(m->desc, sizeof(m->desc), "anonymous, 4 KiB pages");
	return 0;
}

int locked_mem_file(struct locked_mem *m, int fd, size_t len, unsigned int flags, char *err,
		    size_t errlen)
{
	size_t page = locked_mem_file_page(fd);
	int ret;

	memset(m, 0, sizeof(*m));
	m->len = len;
	m->kind = page ? LOCKED_MEM_HUGETLBFS : LOCKED_MEM_FILE;
	/* Aligned so a filesystem with huge pages (tmpfs huge=) can use them;
	 * hugetlbfs maps whole pages only. */
	m->map_len = page ? (len + page - 1) & ~(page - 1) : len;
	m->addr = map_aligned(m->map_len, MAP_SHARED, fd, page > SZ_2M ? page : SZ_2M);
	if (m->addr == MAP_FAILED) {
		m->addr = NULL;
		return fail(err, errlen, "mmap %zu MiB: %s", len >> 20, strerror(errno));
	}
	m->map_addr = m->addr;
	if (!page)
		madvise(m->addr, len, MADV_HUGEPAGE); /* EINVAL: not for this filesystem */
	ret = lock_and_prefault(m, flags, err, errlen);
	if (ret) {
		locked_mem_free(m);
		return ret;
	}
	if (page)
		snprintf(m->desc, sizeof(m->desc), "file on hugetlbfs, %s hugetlb pages",
			 page == SZ_1G ? "1 GiB" : page == SZ_2M ? "2 MiB" : "huge");
	else
		describe_thp(m, "file");
	return 0;
}

size_t locked_mem_file_page(int fd)
{
	struct statfs fs;

	if (fstatfs(fd, &fs) || fs.f_type != HUGETLBFS_MAGIC || fs.f_bsize <= 0)
		return 0;
	return (size_t)fs.f_bsize;
}

void locked_mem_free(struct locked_mem *m)
{
	if (m->map_addr)
		munmap(m->map_addr, m->map_len);
	memset(m, 0, sizeof(*m));
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory the scheduling thread may write without ever page-faulting:
 * mapped, mlock()ed and written once per page before use. A fault on the
 * scheduling path can deadlock the machine: the kthread that would resolve
 * it may be waiting to be scheduled by us.
 */
#ifndef PLUGLAND_LOCKED_MEM_H
#define PLUGLAND_LOCKED_MEM_H

#include <stdbool.h>
#include <stddef.h>

enum locked_mem_kind {
	LOCKED_MEM_NORMAL,	/* anonymous, base pages */
	LOCKED_MEM_HUGETLB_1G,	/* anonymous, MAP_HUGETLB 1 GiB pages */
	LOCKED_MEM_HUGETLB_2M,	/* anonymous, MAP_HUGETLB 2 MiB pages */
	LOCKED_MEM_THP,		/* anonymous, transparent huge pages asked (madvise) */
	LOCKED_MEM_FILE,	/* MAP_SHARED file; THP asked, the filesystem decides */
	LOCKED_MEM_HUGETLBFS,	/* MAP_SHARED file on hugetlbfs: its hugetlb pages */
};

/* How to map: flags of locked_mem_anon() and locked_mem_file(). */
#define LOCKED_MEM_TRY_HUGE	 (1u << 0) /* anonymous: huge pages if any */
#define LOCKED_MEM_UNLOCKED_OK	 (1u << 1) /* mlock() refused (a user's
					      RLIMIT_MEMLOCK): unlocked will do,
					      as for a simulation */

struct locked_mem {
	void *addr;
	bool unlocked;		/* LOCKED_MEM_UNLOCKED_OK was needed */
	size_t len;		/* as asked; the mapping may be longer */
	size_t map_len;		/* what to munmap() */
	void *map_addr;
	enum locked_mem_kind kind;
	char desc[96];		/* "anonymous, 1 GiB hugetlb pages", ... */
};

/*
 * Anonymous memory, zeroed. LOCKED_MEM_TRY_HUGE: hugetlb 1 GiB pages (when len is a
 * multiple of 1 GiB), then 2 MiB, then transparent huge pages, then base
 * pages; m->desc says what was used. 0, or a negative errno and a message.
 */
int locked_mem_anon(struct locked_mem *m, size_t len, unsigned int flags, char *err,
		    size_t errlen);
/*
 * The first len bytes of file fd (already that long), MAP_SHARED. A file
 * on hugetlbfs is mapped in whole huge pages: make it a multiple of
 * locked_mem_file_page() long.
 */
int locked_mem_file(struct locked_mem *m, int fd, size_t len, unsigned int flags, char *err,
		    size_t errlen);
/* The huge page size of fd's hugetlbfs, or 0 when fd is not on hugetlbfs. */
size_t locked_mem_file_page(int fd);
void locked_mem_free(struct locked_mem *m);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decision log: a ring of fixed 64-byte records (struct
 * plugland_decision) with one producer, the scheduling loop, and any
 * number of consumers, lock-free.
 *
 * The producer never waits and never looks at the consumers. Each
 * consumer has its own cursor (struct decision_log_reader); one that falls
 * behind by more than the capacity finds its records overwritten, skips
 * them and counts exactly how many it lost. Records are never torn: a
 * reader copies, then checks that the producer had not begun to overwrite
 * what it copied (decision_log.c explains the memory ordering).
 *
 * Memory is mlock()ed and pre-faulted at creation: appending never
 * page-faults. With a file backing the ring is the file (a decision dump,
 * see decision_dump.h): what was appended survives a crash of the process.
 */
#ifndef PLUGLAND_DECISION_LOG_H
#define PLUGLAND_DECISION_LOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <plugland/plugin.h>
#include "decision_dump.h"
#include "locked_mem.h"

#define DECISION_LOG_DEBUG_BYTES (1ull << 30)	/* debug default: 16 Mi records */
#define DECISION_LOG_MAX_RECORDS (1ull << 34)

enum decision_log_backing {
	DECISION_LOG_ANON,	/* anonymous memory, base pages */
	DECISION_LOG_HUGE,	/* anonymous: hugetlb 1 GiB, 2 MiB, THP, base pages */
	DECISION_LOG_FILE,	/* MAP_SHARED file `path`: survives a crash */
};

enum decision_log_on_full {
	DECISION_LOG_WRAP = DUMP_ON_FULL_WRAP, /* overwrite the oldest */
	DECISION_LOG_STOP = DUMP_ON_FULL_STOP, /* keep the first capacity records */
};

struct decision_log_opts {
	uint64_t capacity;	/* records, a power of two; 0: from size_bytes */
	uint64_t size_bytes;	/* record memory, rounded down to a power of two records */
	enum decision_log_backing backing;
	enum decision_log_on_full on_full;
	const char *path;	/* DECISION_LOG_FILE: the dump file (an existing
				   one is first renamed to PATH.old) */
	uint32_t nr_cpus;	/* for the header; 0: the configured CPUs */
	uint64_t default_slice_ns; /* for the header: what slice_us == 0 means */
	const char *policies[DUMP_MAX_POLICIES]; /* policy_id -> name, or NULL */
	bool simulated;		/* --simulate: records carry the simulated clock,
				   which starts at 0 with the log; mlock()
				   refused, it goes on unlocked (no page fault
				   can stall a machine it does not schedule) */
};

/* One 64-byte record as the ring holds it: words accessed atomically. */
struct decision_log_slot {
	_Atomic uint64_t w[DUMP_RECORD_SIZE / 8];
};

struct decision_log {
	/* Set at creation, then only read: shared by all threads. */
	struct decision_dump_header *hdr;	/* head and dropped live here */
	struct decision_log_slot *slots;
	uint64_t capacity;
	uint64_t mask;
	bool wrap;
	enum decision_log_backing backing;
	struct locked_mem rec_mem, hdr_mem;	/* hdr_mem unused for a file */
	int fd;					/* DECISION_LOG_FILE, else -1 */
	pthread_mutex_t names_lock;		/* hdr->policies vs. dumps */
	_Atomic bool sealed;			/* the producer is done */
	char warning[160];			/* decision_log_warning() */

	/* The producer's own: a cache line the consumers never read. */
	uint64_t head __attribute__((aligned(64)));
	uint64_t dropped;
};

/* A consumer's cursor. Private to one thread. */
struct decision_log_reader {
	const struct decision_log *log;
	uint64_t next;		/* sequence number of the next record to read */
	uint64_t nr_lost;	/* overwritten before this reader got to them */
	uint64_t nr_read;
};

/* How many records opts describe (a power of two), or 0 when invalid. */
uint64_t decision_log_capacity_of(const struct decision_log_opts *o);

/* NULL with a message in err on failure (bad size, mlock, file). */
struct decision_log *decision_log_create(const struct decision_log_opts *o, char *err,
					 size_t errlen);
/*
 * No producer or reader may use the log any more. A file-backed log is
 * marked clean (the only place that does) and stays on disk.
 */
void decision_log_destroy(struct decision_log *log);

/* The running kernel's tick rate, for a replay (the header's kernel_hz). */
void decision_log_set_kernel_hz(struct decision_log *log, uint32_t hz);
/* What backs the records: "anonymous, 2 MiB hugetlb pages", ... */
const char *decision_log_backing(const struct decision_log *log);
/*
 * NULL, or why this log can still make the scheduling thread fault: a
 * file on a filesystem with writeback (ext4, xfs, ...) has its pages
 * write-protected again each time they are written back, and the next
 * append takes a fault into the filesystem. tmpfs has no writeback.
 */
const char *decision_log_warning(const struct decision_log *log);
/* Name policy_id in the header (for readers of dumps). Not on the hot path. */
void decision_log_set_policy(struct decision_log *log, uint16_t policy_id, const char *name);
/* Copy policy_id's name into buf: true, or false when it has none. */
bool decision_log_policy_name(struct decision_log *log, uint16_t policy_id, char *buf,
			      size_t len);

/*
 * Append one 64-byte record (a decision or an event): the scheduling thread only. Never blocks, never
 * faults. In stop mode a full log counts the record as dropped instead.
 *
 * The release fence orders the previous append's head store before this
 * record's data stores, and the release store of head orders the data
 * before the new head: together they let a reader detect that a slot it
 * copied was being overwritten (see decision_log_read()).
 */
static inline void decision_log_append_record(struct decision_log *log, const void *d)
{
	uint64_t head = log->head, w;
	struct decision_log_slot *slot;
	unsigned int i;

	if (__builtin_expect(!log->wrap && head > log->mask, 0)) {
		atomic_store_explicit(&log->hdr->dropped, ++log->dropped, memory_order_relaxed);
		return;
	}
	slot = &log->slots[head & log->mask];
	/* A big ring is written at memory speed: ask for the line early. */
	__builtin_prefetch(&log->slots[(head + 16) & log->mask], 1, 3);
	atomic_thread_fence(memory_order_release);
#pragma GCC unroll 8
	for (i = 0; i < DUMP_RECORD_SIZE / 8; i++) {
		memcpy(&w, (const char *)d + i * 8, sizeof(w)); /* no aliasing games */
		atomic_store_explicit(&slot->w[i], w, memory_order_relaxed);
	}
	log->head = head + 1;
	atomic_store_explicit(&log->hdr->head, head + 1, memory_order_release);
}

/* Append a decision (decision_log_append_record()'s rules). */
static inline void decision_log_append(struct decision_log *log, const struct plugland_decision *d)
{
	decision_log_append_record(log, d);
}

/*
 * Append a task event (struct plugland_event, plugin.h): the scheduling
 * thread only, as it receives them from BPF, so that events and decisions
 * keep their order. PLUGLAND_RECORD_EVENT is set here whatever e->flags
 * says: an event can never be read as a decision.
 */
static inline void decision_log_append_event(struct decision_log *log,
					     const struct plugland_event *e)
{
	struct plugland_event rec = *e;

	rec.flags |= PLUGLAND_RECORD_EVENT;
	decision_log_append_record(log, &rec);
}

/*
 * The producer appends no more (the scheduling loop stopped). Readers
 * then take every record the log holds: without it, one that is exactly
 * capacity behind the head counts as lost, since it might be the one
 * being overwritten.
 */
void decision_log_seal(struct decision_log *log);

/* Records appended so far (the sequence number of the next one). */
static inline uint64_t decision_log_head(const struct decision_log *log)
{
	return atomic_load_explicit(&log->hdr->head, memory_order_acquire);
}

/* Appends refused because the log was full (stop mode). */
static inline uint64_t decision_log_dropped(const struct decision_log *log)
{
	return atomic_load_explicit(&log->hdr->dropped, memory_order_relaxed);
}

/* A reader at sequence number 0: records the log no longer holds count
 * as lost, so read + lost == appended once it has caught up. */
void decision_log_reader_init(struct decision_log_reader *r, const struct decision_log *log);
/*
 * Copy up to max records, in order, into buf. span->first is the sequence
 * number of buf[0] and span->nr_lost this reader's lost total. Returns how
 * many; 0 when caught up. Any thread, concurrently with the producer.
 */
size_t decision_log_read(struct decision_log_reader *r, struct plugland_decision *buf,
			 size_t max, struct plugland_log_span *span);
/*
 * How far reader r is behind the head now, without moving it: *lapped of
 * the records from its cursor on are overwritten already (its next read
 * adds them to nr_lost; not counted there yet), *unread are still whole
 * in the log. The oldest record is counted unread though the next append
 * may take it: what is lapped stays lost. r must not move meanwhile (its
 * owner's lock, or its own thread); the producer may append.
 */
void decision_log_reader_lag(const struct decision_log_reader *r, uint64_t *lapped,
			     uint64_t *unread);

struct decision_log_dump_result {
	uint64_t first, head;	/* the dump holds [first, head) */
	uint64_t bytes;		/* record bytes written */
	double seconds;
};

/*
 * Write the log's records to `path` as a decision dump ("dump now"), from
 * any thread, while the producer runs: a snapshot of the records present
 * when it starts, minus any overwritten while it copies. Written to
 * PATH.tmp and renamed, so a reader never sees half a dump; not fsync()ed.
 */
int decision_log_dump(struct decision_log *log, const char *path,
		      struct decision_log_dump_result *res, char *err, size_t errlen);

#endif

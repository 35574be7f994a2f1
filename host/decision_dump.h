/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decision dump: a file of one header page and the decision log's
 * ring of records, exactly as the log keeps them in memory (a debug log
 * maps this file MAP_SHARED, so a killed scx_plugland leaves it behind).
 * docs/decision-dump.md documents the layout; the struct below is its
 * single source of truth (the parser reads fields at these offsets).
 *
 * Records present: sequence numbers [first, head); record `seq` is in slot
 * seq & (capacity - 1).
 */
#ifndef PLUGLAND_DECISION_DUMP_H
#define PLUGLAND_DECISION_DUMP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <plugland/plugin.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the dump is the log's memory, and the format is little-endian");

#define DUMP_MAGIC "PLDECLOG"	/* 8 bytes, no NUL */
#define DUMP_VERSION 3	/* what the log writes: 2 may hold task events, 3 a
				   shadow policy's decisions too */
#define DUMP_MIN_VERSION 1	/* the oldest this reader reads: 1 has decisions only */
#define DUMP_HEADER_SIZE 4096	/* the records start here */
#define DUMP_RECORD_SIZE 64
/* A file may end in zeros up to its huge page (1 GiB at most): hugetlbfs. */
#define DUMP_MAX_PADDING (1ull << 30)
#define DUMP_CRC_BYTES 256	/* the header CRC covers bytes [0, 256) */
#define DUMP_MAX_POLICIES 16
#define DUMP_POLICY_NAME_LEN 32
#define DUMP_MAX_CPUS 32768	/* struct plugland_decision.cpu is an int16_t */

#define DUMP_ON_FULL_WRAP 0	/* the newest records overwrite the oldest */
#define DUMP_ON_FULL_STOP 1	/* past capacity, appends are dropped */

#define DUMP_STATE_OPEN 0	/* being written, or the writer died */
#define DUMP_STATE_CLEAN 1	/* closed by the writer */

struct decision_dump_header {
	/* Written once at creation, covered by header_crc. */
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint32_t record_size;
	uint32_t header_crc;		/* zlib crc32 of [0, 256), this field 0 */
	uint64_t capacity;		/* records, a power of two */
	uint32_t nr_cpus;
	uint32_t on_full;		/* DUMP_ON_FULL_* */
	uint64_t default_slice_ns;	/* what slice_us == 0 means */
	uint64_t start_realtime_ns;	/* CLOCK_REALTIME at creation */
	uint64_t start_monotonic_ns;	/* CLOCK_MONOTONIC at creation (= dispatch_ns) */
	uint32_t writer_pid;
	uint8_t reserved0[60];
	char kernel_release[64];	/* uname -r, NUL-terminated */
	char backing[64];		/* where the records lived, NUL-terminated */

	/* Live: the producer updates these while it runs. */
	_Atomic uint64_t head;		/* records appended = sequence of the next one */
	_Atomic uint64_t dropped;	/* appends refused: full, on_full = stop */
	/* Written at a clean close (state = CLEAN); derived by readers otherwise. */
	uint64_t first;			/* sequence of the oldest record present */
	uint64_t lost;			/* appended but overwritten: not present (= first) */
	_Atomic uint32_t state;		/* DUMP_STATE_* */
	/* Set once the writer knows it (kernel_tick.h); 0: unknown, as in
	 * every dump written before it was kept. */
	uint32_t kernel_hz;		/* the recorded kernel's tick rate */
	uint8_t reserved1[216];

	/* policy_id -> name, NUL-terminated; "" = unused. Not in the CRC. */
	char policies[DUMP_MAX_POLICIES][DUMP_POLICY_NAME_LEN];
	uint8_t reserved2[DUMP_HEADER_SIZE - 1024];
};

_Static_assert(sizeof(struct decision_dump_header) == DUMP_HEADER_SIZE, "one page");
_Static_assert(offsetof(struct decision_dump_header, kernel_release) == 128, "layout");
_Static_assert(offsetof(struct decision_dump_header, head) == DUMP_CRC_BYTES, "layout");
_Static_assert(offsetof(struct decision_dump_header, state) == 288, "layout");
_Static_assert(offsetof(struct decision_dump_header, kernel_hz) == 292, "layout");
_Static_assert(offsetof(struct decision_dump_header, policies) == 512, "layout");
_Static_assert(sizeof(_Atomic uint64_t) == 8 && sizeof(_Atomic uint32_t) == 4, "layout");

/* The CRC of a header as stored (its header_crc field is ignored). */
uint32_t decision_dump_header_crc(const void *header);

/* A parsed dump: the header decoded, the records still in the buffer. */
struct decision_dump {
	uint32_t version;
	uint32_t nr_cpus;
	uint32_t on_full;
	uint32_t writer_pid;
	bool clean;
	uint64_t capacity;
	uint64_t default_slice_ns;
	uint64_t start_realtime_ns;
	uint64_t start_monotonic_ns;
	uint64_t head;		/* records appended */
	uint64_t first;		/* oldest present: [first, head) */
	uint64_t lost;		/* appended, not present */
	uint64_t dropped;
	uint32_t kernel_hz;	/* the kernel's tick rate; 0: not recorded */
	char kernel_release[64];
	char backing[64];
	char policies[DUMP_MAX_POLICIES][DUMP_POLICY_NAME_LEN];

	const unsigned char *slots; /* capacity records, in the caller's buffer */
	const char *path;	    /* set by decision_dump_open(); NULL otherwise */
	void *map;		    /* decision_dump_open()'s mapping */
	size_t map_len;
};

/*
 * Check and decode a dump held in buf (len bytes, any alignment). Returns
 * 0, or -1 with one line in err saying what is wrong ("empty", "truncated:
 * ...", "format version 9 ..."). Never reads outside buf. The records are
 * not copied: *d points into buf.
 */
int decision_dump_parse(const void *buf, size_t len, struct decision_dump *d,
			char *err, size_t errlen);
/* Map `path` read-only and parse it. 0, or -1 with the reason in err. */
int decision_dump_open(const char *path, struct decision_dump *d, char *err, size_t errlen);
void decision_dump_close(struct decision_dump *d);

/* Records present. */
static inline uint64_t decision_dump_count(const struct decision_dump *d)
{
	return d->head - d->first;
}

/* Copy record `seq` (first <= seq < head) into *out. */
void decision_dump_get(const struct decision_dump *d, uint64_t seq,
		       struct plugland_decision *out);
/* Whether record rec of d is a task event (struct plugland_event): never
 * in a version 1 dump, whose writers knew only decisions. */
static inline bool decision_dump_is_event(const struct decision_dump *d,
					  const struct plugland_decision *rec)
{
	return d->version >= 2 && plugland_record_is_event(rec);
}

/* Whether record rec of d is a shadow policy's decision, never applied
 * (PLUGLAND_DECISION_SHADOW): only in a version 3 dump. */
static inline bool decision_dump_is_shadow(const struct decision_dump *d,
					   const struct plugland_decision *rec)
{
	return d->version >= 3 && !plugland_record_is_event(rec) &&
	       (rec->flags & PLUGLAND_DECISION_SHADOW);
}

/* Name of policy_id, or NULL when the table has none. */
const char *decision_dump_policy(const struct decision_dump *d, uint16_t policy_id);

#endif

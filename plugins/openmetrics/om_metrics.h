/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the openmetrics plugin counts from the decisions it consumes, and
 * its rendering as OpenMetrics 1.0 or the Prometheus text format 0.0.4.
 * Owned by the consume() thread; the server thread only ever sees the
 * rendered text. Memory is allocated once, in om_metrics_init().
 */
#ifndef PLUGLAND_OM_METRICS_H
#define PLUGLAND_OM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <plugland/plugin.h>

/* Bucket upper bounds of every wait histogram (the last, +Inf, implied). */
#define OM_NR_BUCKETS 19
/* policy_id values counted apart; larger ones add up in the last. */
#define OM_MAX_POLICIES 16
/* PLUGLAND_KERNEL_* reasons, 0 (none/unknown) .. 7 */
#define OM_NR_REASONS 8

enum om_by { OM_BY_POLICY, OM_BY_HOST, OM_BY_KERNEL, OM_NR_BY };

struct om_hist {
	uint64_t bucket[OM_NR_BUCKETS + 1]; /* not cumulative; [OM_NR_BUCKETS]: +Inf */
	uint64_t count;
	uint64_t sum_ns;
};

struct om_comm {
	char comm[PLUGLAND_COMM_LEN];
	bool used;
	uint64_t decisions;
	struct om_hist wait;
};

#define OM_MAX_HOST_COUNTERS 64
#define OM_POLICY_NAME_LEN 33

/* One of the host's counters (host->for_each_counter(), ABI 2.1). */
struct om_host_counter {
	char name[48];
	char help[120];
	uint64_t value;
	bool gauge;
};

struct om_metrics {
	uint32_t nr_cpus;
	uint64_t default_slice_ns;
	uint64_t decisions[OM_MAX_POLICIES][OM_NR_BY];
	uint64_t late[OM_MAX_POLICIES];
	uint64_t slice_ns[OM_MAX_POLICIES];
	bool policy_seen[OM_MAX_POLICIES];
	struct om_hist wait[OM_MAX_POLICIES];
	uint64_t kernel_reason[OM_NR_REASONS];
	uint64_t *per_cpu;		/* [0]: any CPU, [1 + c]: CPU c */
	uint64_t nr_lost;
	struct om_comm *comms;		/* open addressing, comm_slots entries */
	uint32_t comm_slots, nr_comms, max_comms;
	struct om_comm other;		/* commands past max_comms */
	/* From the host, at each snapshot (om_metrics_take_host()). */
	struct om_host_counter host[OM_MAX_HOST_COUNTERS];
	unsigned int nr_host;
	char policy_name[OM_MAX_POLICIES][OM_POLICY_NAME_LEN]; /* "": unknown */
};

/* The host's counters and the names of the policies seen, when the host
 * has the services (ABI 2.1); the last ones taken are kept otherwise. */
void om_metrics_take_host(struct om_metrics *m, const struct plugland_host *h);

int om_metrics_init(struct om_metrics *m, uint32_t nr_cpus, uint32_t max_comms,
		    uint64_t default_slice_ns);
void om_metrics_fini(struct om_metrics *m);
void om_metrics_add(struct om_metrics *m, const struct plugland_decision *d);

/* A growing text buffer (allocation fails: `failed`, the text is cut). */
struct om_buf {
	char *p;
	size_t len, cap;
	bool failed;
};

void om_buf_printf(struct om_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

enum om_format { OM_OPENMETRICS, OM_TEXT_004 };

/* The whole exposition (b->len reset first); scrapes[]: the server's
 * counts by format. */
void om_render(const struct om_metrics *m, enum om_format fmt, const uint64_t scrapes[2],
	       struct om_buf *b);

#endif

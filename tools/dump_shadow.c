// SPDX-License-Identifier: GPL-2.0
/*
 * plugland-dump --shadow: where a shadow policy disagreed with the real
 * one, from the records alone. A shadow record (PLUGLAND_DECISION_SHADOW)
 * is paired with the real policy's decision for the same task enqueue:
 * the same pid and enq_ns. Its prev_cpu holds its position within its
 * round and its weight the real decision's position in that round
 * (UINT32_MAX: the real policy did not release the task in that round),
 * so the place is compared as the live report compares it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "dump_output.h"
#include "shadow_compare.h"

struct real_dec {
	int32_t pid;
	int16_t cpu;
	bool paired;
	uint64_t enq_ns, dispatch_ns, slice_ns;
	char comm[PLUGLAND_COMM_LEN];
};

static int by_key(const void *a, const void *b)
{
	const struct real_dec *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->enq_ns < y->enq_ns ? -1 : x->enq_ns > y->enq_ns;
}

/* The real policy's own decisions: not the host's, BPF's, nor late ones. */
static bool is_real_policy(const struct decision_dump *d, const struct plugland_decision *rec)
{
	return !decision_dump_is_event(d, rec) && !decision_dump_is_shadow(d, rec) && rec->enq_ns &&
	       !(rec->flags & (PLUGLAND_DECISION_BY_HOST | PLUGLAND_DECISION_BY_KERNEL |
			       PLUGLAND_DECISION_LATE));
}

/* The filters, for a shadow record as for a decision. */
static bool match(const struct dump_filter *f, const struct decision_dump *d,
		  const struct plugland_decision *rec)
{
	struct plugland_decision r = *rec;

	r.flags &= (uint16_t)~PLUGLAND_DECISION_SHADOW;
	return dump_filter_match(f, d, &r);
}

static uint64_t slice_of(const struct decision_dump *d, uint32_t slice_us)
{
	return slice_us ? (uint64_t)slice_us * 1000 : d->default_slice_ns;
}

/* The report of the shadow policy `id`: its time span's real decisions. */
static int report(FILE *out, const struct decision_dump *d, const struct dump_filter *f,
		  unsigned int top_n, uint16_t id, struct real_dec *real, size_t nr_real,
		  struct shadow_compare *c)
{
	uint64_t seq, from = UINT64_MAX, to = 0, nr = 0;
	struct plugland_decision rec;
	const char *name = decision_dump_policy(d, id);
	size_t i;

	shadow_compare_reset(c);
	for (i = 0; i < nr_real; i++)
		real[i].paired = false;
	for (seq = d->first; seq < d->head; seq++) {
		struct shadow_decision s, r;
		struct real_dec key, *hit;

		decision_dump_get(d, seq, &rec);
		if (!decision_dump_is_shadow(d, &rec) || rec.policy_id != id || !match(f, d, &rec))
			continue;
		nr++;
		from = rec.dispatch_ns < from ? rec.dispatch_ns : from;
		to = rec.dispatch_ns > to ? rec.dispatch_ns : to;
		s = (struct shadow_decision){ .pid = rec.pid, .cpu = rec.cpu, .cookie = rec.enq_ns,
					      .slice_ns = slice_of(d, rec.slice_us), .comm = rec.comm };
		key = (struct real_dec){ .pid = rec.pid, .enq_ns = rec.enq_ns };
		hit = rec.enq_ns ? bsearch(&key, real, nr_real, sizeof(*real), by_key) : NULL;
		if (!hit || hit->paired) {
			shadow_compare_add(c, NULL, &s, false);
			continue;
		}
		hit->paired = true;
		r = (struct shadow_decision){ .pid = hit->pid, .cpu = hit->cpu, .cookie = hit->enq_ns,
					      .slice_ns = hit->slice_ns, .comm = hit->comm };
		shadow_compare_add(c, &r, &s, rec.weight == (uint32_t)(uint16_t)rec.prev_cpu);
	}
	/* What the real policy released that the shadow never did, while it ran. */
	for (i = 0; i < nr_real; i++) {
		struct shadow_decision r = {
			.pid = real[i].pid, .cpu = real[i].cpu, .cookie = real[i].enq_ns,
			.slice_ns = real[i].slice_ns, .comm = real[i].comm,
		};

		if (!real[i].paired && real[i].dispatch_ns >= from && real[i].dispatch_ns <= to)
			shadow_compare_add(c, &r, NULL, false);
	}
	fprintf(out, "%-12s", "shadow");
	if (name)
		fprintf(out, "%s", name); /* the log's own names: plugin names, checked */
	else
		fputs("(unnamed)", out);
	fprintf(out, " (id %u): %" PRIu64 " decisions, paired with the real policy's by pid and "
		"enqueue time\n", id, nr);
	shadow_compare_print(out, c, top_n);
	return 0;
}

int dump_shadow(FILE *out, const struct decision_dump *d, const struct dump_filter *f,
		unsigned int top_n)
{
	bool ids[DUMP_MAX_POLICIES] = { false }, any = false;
	struct plugland_decision rec;
	struct shadow_compare c;
	struct real_dec *real;
	size_t nr_real = 0;
	uint64_t seq;
	unsigned int id;

	real = malloc((decision_dump_count(d) + 1) * sizeof(*real));
	if (!real || shadow_compare_init(&c)) {
		free(real);
		errno = ENOMEM;
		return -1;
	}
	for (seq = d->first; seq < d->head; seq++) {
		decision_dump_get(d, seq, &rec);
		if (decision_dump_is_shadow(d, &rec) && rec.policy_id < DUMP_MAX_POLICIES)
			any = ids[rec.policy_id] = true;
		if (!is_real_policy(d, &rec) || !dump_filter_match(f, d, &rec))
			continue;
		real[nr_real] = (struct real_dec){
			.pid = rec.pid, .cpu = rec.cpu, .enq_ns = rec.enq_ns,
			.dispatch_ns = rec.dispatch_ns, .slice_ns = slice_of(d, rec.slice_us),
		};
		memcpy(real[nr_real].comm, rec.comm, sizeof(rec.comm));
		nr_real++;
	}
	qsort(real, nr_real, sizeof(*real), by_key);
	if (!any)
		fprintf(out, "no shadow decisions in this dump (scx_plugland --shadow POLICY, "
			"or ctl shadow POLICY, with the decision log recording)\n");
	for (id = 0; id < DUMP_MAX_POLICIES; id++)
		if (ids[id])
			report(out, d, f, top_n, (uint16_t)id, real, nr_real, &c);
	shadow_compare_fini(&c);
	free(real);
	return fflush(out) || ferror(out) ? -1 : 0;
}

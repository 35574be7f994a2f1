// SPDX-License-Identifier: GPL-2.0
/* The summary: where the dump comes from, what it holds, the top tasks. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dump_escape.h"
#include "dump_output.h"

#define MAX_TOP 1000

struct task_count {
	int32_t pid;
	uint64_t n;
};

struct top_task {
	int32_t pid, tgid;
	uint64_t n, wait_ns, nr_wait;
	uint64_t nr_resumed;	/* BPF resumed it after the host's thread preempted it */
	char comm[PLUGLAND_COMM_LEN];
};

static int cmp_pid(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

static int cmp_count_desc(const void *a, const void *b)
{
	const struct task_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static void put_start_time(FILE *out, uint64_t realtime_ns)
{
	time_t secs = (time_t)(realtime_ns / 1000000000ull);
	struct tm tm;
	char buf[64];

	if (!gmtime_r(&secs, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm)) {
		fprintf(out, "%" PRIu64 " ns since the epoch\n", realtime_ns);
		return;
	}
	fprintf(out, "%s.%03u UTC\n", buf, (unsigned int)(realtime_ns % 1000000000ull / 1000000));
}

/* The top_n pids by number of decisions among the matching records. */
static int top_tasks(const struct decision_dump *d, const struct dump_filter *f,
		     struct top_task *top, unsigned int *nr_top)
{
	uint64_t seq, n = 0, i, nr_pids = 0;
	struct plugland_decision rec;
	struct task_count *counts;
	int32_t *pids;
	unsigned int k;

	pids = malloc((d->head - d->first + 1) * sizeof(*pids));
	if (!pids)
		return -1;
	for (seq = d->first; seq < d->head; seq++) {
		decision_dump_get(d, seq, &rec);
		if (!decision_dump_is_event(d, &rec) && dump_filter_match(f, d, &rec))
			pids[n++] = rec.pid;
	}
	qsort(pids, n, sizeof(*pids), cmp_pid);
	counts = malloc((n + 1) * sizeof(*counts));
	if (!counts) {
		free(pids);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!i || pids[i] != pids[i - 1])
			counts[nr_pids++] = (struct task_count){ .pid = pids[i] };
		counts[nr_pids - 1].n++;
	}
	free(pids);
	qsort(counts, nr_pids, sizeof(*counts), cmp_count_desc);
	if (*nr_top > nr_pids)
		*nr_top = (unsigned int)nr_pids;
	for (k = 0; k < *nr_top; k++)
		top[k] = (struct top_task){ .pid = counts[k].pid, .n = counts[k].n };
	free(counts);

	/* The comm, tgid and wait of each: a second pass (the last seen wins). */
	for (seq = d->first; seq < d->head && *nr_top; seq++) {
		decision_dump_get(d, seq, &rec);
		if (decision_dump_is_event(d, &rec) || !dump_filter_match(f, d, &rec))
			continue;
		for (k = 0; k < *nr_top && top[k].pid != rec.pid; k++)
			;
		if (k == *nr_top)
			continue;
		top[k].tgid = rec.tgid;
		memcpy(top[k].comm, rec.comm, sizeof(top[k].comm));
		top[k].nr_resumed += (rec.flags & PLUGLAND_DECISION_BY_KERNEL) &&
				     PLUGLAND_DECISION_REASON(rec.flags) == PLUGLAND_KERNEL_RESUMED;
		if (rec.enq_ns && rec.enq_ns <= rec.dispatch_ns) {
			top[k].wait_ns += rec.dispatch_ns - rec.enq_ns;
			top[k].nr_wait++;
		}
	}
	return 0;
}

/* An event's kind as an index of nr_events[]: unknown kinds last. */
static unsigned int rec_event_kind(const struct plugland_decision *rec)
{
	const struct plugland_event *e = (const void *)rec;

	return e->kind >= 1 && e->kind <= PLUGLAND_EVENT_MAX ? e->kind : PLUGLAND_EVENT_MAX + 1;
}

/* --events: the task events matching the filters, per kind. */
static void put_event_counts(FILE *out, const uint64_t nr_events[PLUGLAND_EVENT_MAX + 2])
{
	uint64_t total = 0;
	unsigned int k;

	for (k = 1; k <= PLUGLAND_EVENT_MAX + 1; k++)
		total += nr_events[k];
	fprintf(out, "%-12s%" PRIu64, "events", total);
	for (k = 1; k <= PLUGLAND_EVENT_MAX + 1; k++)
		if (k <= PLUGLAND_EVENT_MAX || nr_events[k])
			fprintf(out, "%s%s %" PRIu64, k == 1 ? " (" : ", ",
				k <= PLUGLAND_EVENT_MAX ? dump_event_kind_name(k) : "unknown",
				nr_events[k]);
	fputs(")\n", out);
}

/* Who made the decisions: the policy, the host (refused or starved
 * tasks), BPF itself and why (PLUGLAND_KERNEL_*). */
static void put_deciders(FILE *out, uint64_t matched, uint64_t by_host, const uint64_t by_kernel[8])
{
	static const char *const why[8] = { "?", "idle CPU", "resumed", "congested", "failsafe",
					    "rescued", "queued", "?" };
	uint64_t kernel = 0;
	unsigned int i;
	bool first = true;

	for (i = 0; i < 8; i++)
		kernel += by_kernel[i];
	fprintf(out, "%-12spolicy %" PRIu64 ", host %" PRIu64 " (refused or starved), BPF %" PRIu64,
		"decided by", matched - by_host - kernel, by_host, kernel);
	for (i = 0; i < 8; i++) {
		if (!by_kernel[i])
			continue;
		fprintf(out, "%s%s %" PRIu64, first ? " (" : ", ", why[i], by_kernel[i]);
		first = false;
	}
	fputs(first ? "\n" : ")\n", out);
}

int dump_summary(FILE *out, const struct decision_dump *d, const struct dump_filter *f,
		 unsigned int top_n)
{
	uint64_t per_policy[DUMP_MAX_POLICIES + 1] = { 0 }, seq, matched = 0;
	uint64_t by_kernel[8] = { 0 }, by_host = 0, nr_events[PLUGLAND_EVENT_MAX + 2] = { 0 };
	uint64_t nr_shadow = 0;
	int64_t t_first = 0, t_last = 0, t;
	uint64_t span;
	struct plugland_decision rec;
	struct top_task *top;
	unsigned int i, nr_top = top_n > MAX_TOP ? MAX_TOP : top_n;
	const char *name;

	fprintf(out, "%-12s", "file");
	put_plain_str(out, d->path ? d->path : "-", strlen(d->path ? d->path : "-"));
	fprintf(out, "\n%-12sversion %u, ", "format", d->version);
	if (d->clean)
		fprintf(out, "clean (closed by its writer, pid %u)\n", d->writer_pid);
	else
		fprintf(out, "UNCLEAN: not closed by its writer (pid %u): it crashed, was "
			"killed, or is still running\n", d->writer_pid);
	fprintf(out, "%-12s", "kernel");
	put_plain_str(out, d->kernel_release, strlen(d->kernel_release));
	if (d->kernel_hz) /* recorded in debug mode, for plugland-replay --tick */
		fprintf(out, ", ticking at %u Hz", d->kernel_hz);
	fprintf(out, "\n%-12s%u\n%-12s", "cpus", d->nr_cpus, "started");
	put_start_time(out, d->start_realtime_ns);
	fprintf(out, "%-12s", "backing");
	put_plain_str(out, d->backing, strlen(d->backing));
	fprintf(out, "\n%-12s%" PRIu64 " records, %s when full\n", "log", d->capacity,
		d->on_full == DUMP_ON_FULL_WRAP ? "wraps" : "stops");
	fprintf(out, "%-12s%" PRIu64 " present", "records", decision_dump_count(d));
	if (decision_dump_count(d))
		fprintf(out, " (seq %" PRIu64 "..%" PRIu64 ")", d->first, d->head - 1);
	fprintf(out, ", %" PRIu64 " appended, %" PRIu64 " lost (overwritten), %" PRIu64
		" dropped (log full)\n", d->head, d->lost, d->dropped);

	for (seq = d->first; seq < d->head; seq++) {
		decision_dump_get(d, seq, &rec);
		nr_shadow += decision_dump_is_shadow(d, &rec);
		if (!dump_filter_match(f, d, &rec))
			continue;
		if (decision_dump_is_event(d, &rec)) { /* only with --events */
			nr_events[rec_event_kind(&rec)]++;
			continue;
		}
		t = since_start_ns(d, rec.dispatch_ns);
		if (!matched++ || t < t_first)
			t_first = t;
		if (matched == 1 || t > t_last)
			t_last = t;
		per_policy[rec.policy_id < DUMP_MAX_POLICIES ? rec.policy_id : DUMP_MAX_POLICIES]++;
		if (rec.flags & PLUGLAND_DECISION_BY_KERNEL)
			by_kernel[PLUGLAND_DECISION_REASON(rec.flags)]++;
		else if (rec.flags & PLUGLAND_DECISION_BY_HOST)
			by_host++;
	}
	if (f->by_pid || f->by_cpu || f->by_from || f->by_to || f->comm_glob)
		fprintf(out, "%-12s%" PRIu64 " records match the filters\n", "matching", matched);
	if (f->events)
		put_event_counts(out, nr_events);
	if (nr_shadow) /* not counted below: never applied */
		fprintf(out, "%-12s%" PRIu64 " decisions of a shadow policy, never applied "
			"(plugland-dump --shadow)\n", "shadow", nr_shadow);
	if (!matched)
		return fflush(out) || ferror(out) ? -1 : 0;
	fprintf(out, "%-12s", "time span");
	put_scaled(out, t_first, 9);
	fputs(" s .. ", out);
	put_scaled(out, t_last, 9);
	fputs(" s after the start (", out);
	/* Unsigned: corrupted times may be further apart than an int64. */
	span = (uint64_t)t_last - (uint64_t)t_first;
	put_scaled(out, span > INT64_MAX ? INT64_MAX : (int64_t)span, 9);
	fputs(" s)\n", out);
	for (i = 0; i <= DUMP_MAX_POLICIES; i++) {
		if (!per_policy[i])
			continue;
		name = i < DUMP_MAX_POLICIES ? decision_dump_policy(d, (uint16_t)i) : NULL;
		fprintf(out, "%-12s", "policy");
		if (name)
			put_plain_str(out, name, strlen(name));
		else
			fputs("(unnamed)", out);
		if (i < DUMP_MAX_POLICIES)
			fprintf(out, " (id %u)", i);
		else
			fprintf(out, " (id >= %d)", DUMP_MAX_POLICIES);
		fprintf(out, ": %" PRIu64 " decisions\n", per_policy[i]);
	}
	put_deciders(out, matched, by_host, by_kernel);

	if (!nr_top)
		return fflush(out) || ferror(out) ? -1 : 0;
	top = calloc(nr_top, sizeof(*top));
	if (!top || top_tasks(d, f, top, &nr_top)) {
		free(top);
		errno = ENOMEM;
		return -1;
	}
	fprintf(out, "top tasks, by decisions (RESUMED: of them, after the scheduling thread "
		"preempted it):\n  %8s %8s %-16s %10s %6s %12s %10s\n", "PID", "TGID", "COMM",
		"DECISIONS", "SHARE", "AVG WAIT us", "RESUMED");
	for (i = 0; i < nr_top; i++) {
		fprintf(out, "  %8" PRId32 " %8" PRId32 " ", top[i].pid, top[i].tgid);
		put_plain_str(out, top[i].comm, strnlen(top[i].comm, sizeof(top[i].comm)));
		fprintf(out, "%*s %10" PRIu64 " %5.1f%% ",
			16 - (int)strnlen(top[i].comm, sizeof(top[i].comm)), "", top[i].n,
			100.0 * (double)top[i].n / (double)matched);
		if (top[i].nr_wait)
			fprintf(out, "%12.1f", (double)top[i].wait_ns / (double)top[i].nr_wait / 1e3);
		else
			fprintf(out, "%12s", "-");
		fprintf(out, " %10" PRIu64 "\n", top[i].nr_resumed);
	}
	free(top);
	return fflush(out) || ferror(out) ? -1 : 0;
}

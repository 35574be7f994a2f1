// SPDX-License-Identifier: GPL-2.0
/*
 * A Chrome trace event file (JSON) for ui.perfetto.dev or chrome://tracing:
 * process "plugland decisions", one thread track per CPU ("CPU 3"), and a
 * complete event ("ph":"X") per decision from its dispatch to the next
 * decision on the same CPU or the end of its slice, whichever is first.
 * That is when the policy let go of the CPU, an approximation of when the
 * task ran: the kernel may run it later, or preempt it. Decisions for any
 * CPU (PLUGLAND_CPU_ANY) are instants on a track of their own. Times are
 * microseconds since the log's start, with ns precision.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "dump_escape.h"
#include "dump_output.h"

#define TRACE_PID 1

struct cpu_track {
	bool named;		/* its metadata is out */
	bool pending;		/* rec waits for the next decision on this CPU */
	bool match;		/* rec passed the filter */
	uint64_t seq;
	struct plugland_decision rec;
};

struct trace {
	FILE *out;
	const struct decision_dump *d;
	struct cpu_track *cpus;	/* nr_cpus + 1: the last is "any CPU" */
	bool first_event;
};

static void separator(struct trace *t)
{
	fputs(t->first_event ? "\n" : ",\n", t->out);
	t->first_event = false;
}

static void name_track(struct trace *t, uint32_t idx)
{
	if (t->cpus[idx].named)
		return;
	t->cpus[idx].named = true;
	separator(t);
	if (idx < t->d->nr_cpus)
		fprintf(t->out, "{\"ph\":\"M\",\"pid\":%d,\"tid\":%u,\"name\":\"thread_name\","
			"\"args\":{\"name\":\"CPU %u\"}}", TRACE_PID, idx + 1, idx);
	else
		fprintf(t->out, "{\"ph\":\"M\",\"pid\":%d,\"tid\":%u,\"name\":\"thread_name\","
			"\"args\":{\"name\":\"any CPU (shared queue)\"}}", TRACE_PID, idx + 1);
	separator(t);
	fprintf(t->out, "{\"ph\":\"M\",\"pid\":%d,\"tid\":%u,\"name\":\"thread_sort_index\","
		"\"args\":{\"sort_index\":%u}}", TRACE_PID, idx + 1, idx);
}

static void put_name_and_args(struct trace *t, const struct plugland_decision *rec, uint64_t seq)
{
	const char *policy = decision_dump_policy(t->d, rec->policy_id);
	size_t len = comm_len(rec);

	fputs(",\"name\":", t->out);
	if (len)
		put_json_str(t->out, rec->comm, len);
	else
		fprintf(t->out, "\"pid %" PRId32 "\"", rec->pid);
	fprintf(t->out, ",\"args\":{\"pid\":%" PRId32 ",\"tgid\":%" PRId32 ",\"seq\":%" PRIu64
		",\"slice_us\":%" PRIu32 ",\"wait_us\":", rec->pid, rec->tgid, seq, rec->slice_us);
	put_scaled(t->out, (int64_t)(rec->dispatch_ns - rec->enq_ns), 3);
	/* A string: a u64 is not exact as a JSON (double) number. */
	fprintf(t->out, ",\"vtime\":\"%" PRIu64 "\",\"weight\":%" PRIu32 ",\"prev_cpu\":%d"
		",\"flags\":%u,\"policy\":", rec->vtime, rec->weight, rec->prev_cpu, rec->flags);
	if (policy)
		put_json_str(t->out, policy, strlen(policy));
	else
		fprintf(t->out, "%u", rec->policy_id);
	fputs("}}", t->out);
}

/* The CPU's pending decision ends at next_ns (when has_next) or with its
 * slice; a slice of 0 is the default slice. */
static void emit_slice(struct trace *t, uint32_t cpu, bool has_next, uint64_t next_ns)
{
	struct cpu_track *c = &t->cpus[cpu];
	uint64_t start = c->rec.dispatch_ns, slice, end;

	c->pending = false;
	if (!c->match)
		return;
	slice = c->rec.slice_us ? (uint64_t)c->rec.slice_us * 1000 : t->d->default_slice_ns;
	end = slice > UINT64_MAX - start ? UINT64_MAX : start + slice;
	if (has_next && next_ns < end)
		end = next_ns;
	if (end < start) /* time went backwards: a corrupted record */
		end = start;
	if (end - start > INT64_MAX)
		end = start + INT64_MAX;
	name_track(t, cpu);
	separator(t);
	fprintf(t->out, "{\"ph\":\"X\",\"pid\":%d,\"tid\":%u,\"ts\":", TRACE_PID, cpu + 1);
	put_scaled(t->out, since_start_ns(t->d, start), 3);
	fputs(",\"dur\":", t->out);
	put_scaled(t->out, (int64_t)(end - start), 3);
	put_name_and_args(t, &c->rec, c->seq);
}

static void emit_instant(struct trace *t, const struct plugland_decision *rec, uint64_t seq)
{
	uint32_t any = t->d->nr_cpus;

	name_track(t, any);
	separator(t);
	fprintf(t->out, "{\"ph\":\"i\",\"s\":\"t\",\"pid\":%d,\"tid\":%u,\"ts\":", TRACE_PID, any + 1);
	put_scaled(t->out, since_start_ns(t->d, rec->dispatch_ns), 3);
	put_name_and_args(t, rec, seq);
}

int dump_perfetto(FILE *out, const struct decision_dump *d, const struct dump_filter *f)
{
	struct trace t = { .out = out, .d = d, .first_event = true };
	struct plugland_decision rec;
	struct cpu_track *c;
	uint64_t seq;
	uint32_t cpu;

	t.cpus = calloc(d->nr_cpus + 1, sizeof(*t.cpus));
	if (!t.cpus)
		return -1;
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);
	separator(&t);
	fprintf(out, "{\"ph\":\"M\",\"pid\":%d,\"name\":\"process_name\",\"args\":{\"name\":",
		TRACE_PID);
	put_json_str(out, "plugland decisions", strlen("plugland decisions"));
	fputs("}}", out);
	for (seq = d->first; seq < d->head; seq++) {
		bool match;

		decision_dump_get(d, seq, &rec);
		if (decision_dump_is_event(d, &rec) || decision_dump_is_shadow(d, &rec))
			continue; /* applied decisions only: a CPU's timeline of who it was given */
		match = dump_filter_match(f, d, &rec);
		if (rec.cpu < 0 || (uint32_t)rec.cpu >= d->nr_cpus) {
			if (match)
				emit_instant(&t, &rec, seq);
			continue;
		}
		cpu = (uint32_t)rec.cpu;
		c = &t.cpus[cpu];
		if (c->pending)
			emit_slice(&t, cpu, true, rec.dispatch_ns);
		c->pending = true;
		c->match = match;
		c->seq = seq;
		c->rec = rec;
	}
	for (cpu = 0; cpu < d->nr_cpus; cpu++)
		if (t.cpus[cpu].pending)
			emit_slice(&t, cpu, false, 0);
	fputs("\n]}\n", out);
	free(t.cpus);
	if (fflush(out) || ferror(out)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* The filter, and the records as CSV or JSON lines. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <string.h>
#include "dump_escape.h"
#include "dump_output.h"

static const char *const kind_names[PLUGLAND_EVENT_MAX + 1] = {
	[0] = "decision",
	[PLUGLAND_EVENT_RUNNABLE] = "runnable",
	[PLUGLAND_EVENT_RUNNING] = "running",
	[PLUGLAND_EVENT_STOPPING] = "stopping",
	[PLUGLAND_EVENT_QUIESCENT] = "quiescent",
	[PLUGLAND_EVENT_WEIGHT] = "weight",
	[PLUGLAND_EVENT_CPUMASK] = "cpumask",
	[PLUGLAND_EVENT_FORK] = "fork",
	[PLUGLAND_EVENT_EXIT] = "exit",
	[PLUGLAND_EVENT_HOST_RUN] = "host_run",
};

const char *dump_event_kind_name(unsigned int kind)
{
	return kind <= PLUGLAND_EVENT_MAX ? kind_names[kind] : "?";
}

static const char *runnable_why(unsigned int detail)
{
	static const char *const why[] = { "unknown", "wakeup", "new", "preempted", "yield" };

	return detail < sizeof(why) / sizeof(why[0]) ? why[detail] : "?";
}

bool dump_filter_match(const struct dump_filter *f, const struct decision_dump *d,
		       const struct plugland_decision *rec)
{
	bool event = decision_dump_is_event(d, rec);
	int64_t t = since_start_ns(d, event ? rec->enq_ns : rec->dispatch_ns);
	char comm[PLUGLAND_COMM_LEN + 1];

	if (event && !f->events)
		return false;
	if (decision_dump_is_shadow(d, rec)) /* only plugland-dump --shadow reads them */
		return false;
	if (f->by_pid && rec->pid != f->pid)
		return false;
	if (f->by_cpu && rec->cpu != f->cpu)
		return false;
	if ((f->by_from && t < f->from_ns) || (f->by_to && t >= f->to_ns))
		return false;
	if (f->comm_glob) {
		memcpy(comm, rec->comm, sizeof(rec->comm));
		comm[comm_len(rec)] = 0;
		if (fnmatch(f->comm_glob, comm, 0))
			return false;
	}
	return true;
}

static int finish(FILE *out)
{
	if (fflush(out) || ferror(out)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* What an event says beyond its kind, pid and CPU, as a CSV row's or a
 * JSON object's fields: detail is a word, the others numbers. */
struct event_fields {
	const char *detail;	/* NULL: none */
	bool has_runtime, has_other, has_mask;
	uint64_t runtime_ns;
	uint32_t other_pid;	/* the waker (runnable) or the parent (fork) */
	uint32_t nr_cpus;
	uint64_t lo, hi;
};

static struct event_fields event_fields(const struct plugland_event *e)
{
	struct event_fields x = { 0 };

	switch (e->kind) {
	case PLUGLAND_EVENT_RUNNABLE:
		x.detail = runnable_why(e->detail);
		x.has_other = e->arg != 0;
		x.other_pid = e->arg;
		break;
	case PLUGLAND_EVENT_STOPPING:
		x.detail = e->detail & PLUGLAND_STOPPING_RUNNABLE ? "runnable" : "sleeps";
		x.has_runtime = true;
		x.runtime_ns = e->value;
		break;
	case PLUGLAND_EVENT_HOST_RUN: /* the run's length, from its start in value */
		x.detail = e->detail & PLUGLAND_HOST_RUN_SCHED ? "sched" : "other";
		x.has_runtime = true;
		x.runtime_ns = e->at_ns > e->value ? e->at_ns - e->value : 0;
		break;
	case PLUGLAND_EVENT_FORK:
		x.has_other = true;
		x.other_pid = e->arg;
		break;
	case PLUGLAND_EVENT_CPUMASK:
		x.detail = e->detail & PLUGLAND_CPUMASK_PARTIAL ? "partial" : NULL;
		x.has_mask = true;
		x.nr_cpus = e->arg;
		x.lo = e->value;
		x.hi = e->value_hi;
		break;
	}
	return x;
}

/* The mask as one hex number, CPU 0 the lowest bit. */
static void put_mask(FILE *out, uint64_t lo, uint64_t hi)
{
	if (hi)
		fprintf(out, "0x%" PRIx64 "%016" PRIx64, hi, lo);
	else
		fprintf(out, "0x%" PRIx64, lo);
}

static void csv_event(FILE *out, const struct decision_dump *d, uint64_t seq,
		      const struct plugland_decision *rec)
{
	const struct plugland_event *e = (const void *)rec;
	struct event_fields x = event_fields(e);

	fprintf(out, "%" PRIu64 ",", seq);
	put_scaled(out, since_start_ns(d, e->at_ns), 9);
	fprintf(out, ",,,,%" PRId32 ",%" PRId32 ",", e->pid, e->tgid);
	put_csv_str(out, e->comm, comm_len(rec));
	if (plugland_event_has_cpu(e->kind))
		fprintf(out, ",%d", e->cpu);
	else
		fputc(',', out);
	fputs(",,,,", out);
	if (e->kind == PLUGLAND_EVENT_WEIGHT)
		fprintf(out, "%" PRIu32, e->arg);
	fprintf(out, ",%u,,,%s,%s,", e->flags, dump_event_kind_name(e->kind),
		x.detail ? x.detail : "");
	if (x.has_runtime)
		fprintf(out, "%" PRIu64, x.runtime_ns);
	fputc(',', out);
	if (x.has_other)
		fprintf(out, "%" PRIu32, x.other_pid);
	fputc(',', out);
	if (x.has_mask) {
		fprintf(out, "%" PRIu32 ",", x.nr_cpus);
		put_mask(out, x.lo, x.hi);
	} else {
		fputc(',', out);
	}
	fputc('\n', out);
}

static void jsonl_event(FILE *out, const struct decision_dump *d, uint64_t seq,
			const struct plugland_decision *rec)
{
	const struct plugland_event *e = (const void *)rec;
	struct event_fields x = event_fields(e);

	fprintf(out, "{\"seq\":%" PRIu64 ",\"kind\":\"%s\",\"time_s\":", seq,
		dump_event_kind_name(e->kind));
	put_scaled(out, since_start_ns(d, e->at_ns), 9);
	fprintf(out, ",\"at_ns\":%" PRIu64 ",\"pid\":%" PRId32 ",\"tgid\":%" PRId32
		",\"comm\":", e->at_ns, e->pid, e->tgid);
	put_json_str(out, e->comm, comm_len(rec));
	if (plugland_event_has_cpu(e->kind))
		fprintf(out, ",\"cpu\":%d", e->cpu);
	if (e->kind == PLUGLAND_EVENT_WEIGHT)
		fprintf(out, ",\"weight\":%" PRIu32, e->arg);
	if (x.detail)
		fprintf(out, ",\"detail\":\"%s\"", x.detail);
	if (x.has_runtime)
		fprintf(out, ",\"runtime_ns\":%" PRIu64, x.runtime_ns);
	if (x.has_other)
		fprintf(out, ",\"%s\":%" PRIu32,
			e->kind == PLUGLAND_EVENT_FORK ? "parent_pid" : "waker_pid", x.other_pid);
	if (x.has_mask) {
		fprintf(out, ",\"nr_cpus\":%" PRIu32 ",\"cpus\":\"", x.nr_cpus);
		put_mask(out, x.lo, x.hi);
		fputc('"', out);
	}
	fprintf(out, ",\"flags\":%u}\n", e->flags);
}

int dump_csv(FILE *out, const struct decision_dump *d, const struct dump_filter *f)
{
	struct plugland_decision rec;
	const char *policy;
	uint64_t seq;

	fputs("seq,time_s,dispatch_ns,enq_ns,wait_ns,pid,tgid,comm,cpu,prev_cpu,slice_us,"
	      "vtime,weight,flags,policy_id,policy", out);
	fputs(f->events ? ",kind,detail,runtime_ns,other_pid,nr_cpus,cpus\n" : "\n", out);
	for (seq = d->first; seq < d->head; seq++) {
		decision_dump_get(d, seq, &rec);
		if (!dump_filter_match(f, d, &rec))
			continue;
		if (decision_dump_is_event(d, &rec)) {
			csv_event(out, d, seq, &rec);
			continue;
		}
		fprintf(out, "%" PRIu64 ",", seq);
		put_scaled(out, since_start_ns(d, rec.dispatch_ns), 9);
		fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%" PRId32 ",%" PRId32 ",",
			rec.dispatch_ns, rec.enq_ns, (int64_t)(rec.dispatch_ns - rec.enq_ns),
			rec.pid, rec.tgid);
		put_csv_str(out, rec.comm, comm_len(&rec));
		fprintf(out, ",%d,%d,%" PRIu32 ",%" PRIu64 ",%" PRIu32 ",%u,%u,", rec.cpu,
			rec.prev_cpu, rec.slice_us, rec.vtime, rec.weight, rec.flags, rec.policy_id);
		policy = decision_dump_policy(d, rec.policy_id);
		if (policy)
			put_csv_str(out, policy, strlen(policy));
		fputs(f->events ? ",decision,,,,,\n" : "\n", out);
	}
	return finish(out);
}

int dump_jsonl(FILE *out, const struct decision_dump *d, const struct dump_filter *f)
{
	struct plugland_decision rec;
	const char *policy;
	uint64_t seq;

	for (seq = d->first; seq < d->head; seq++) {
		decision_dump_get(d, seq, &rec);
		if (!dump_filter_match(f, d, &rec))
			continue;
		if (decision_dump_is_event(d, &rec)) {
			jsonl_event(out, d, seq, &rec);
			continue;
		}
		fprintf(out, "{\"seq\":%" PRIu64 ",\"time_s\":", seq);
		put_scaled(out, since_start_ns(d, rec.dispatch_ns), 9);
		fprintf(out, ",\"dispatch_ns\":%" PRIu64 ",\"enq_ns\":%" PRIu64 ",\"wait_ns\":%" PRId64
			",\"pid\":%" PRId32 ",\"tgid\":%" PRId32 ",\"comm\":",
			rec.dispatch_ns, rec.enq_ns, (int64_t)(rec.dispatch_ns - rec.enq_ns),
			rec.pid, rec.tgid);
		put_json_str(out, rec.comm, comm_len(&rec));
		fprintf(out, ",\"cpu\":%d,\"prev_cpu\":%d,\"slice_us\":%" PRIu32 ",\"vtime\":%" PRIu64
			",\"weight\":%" PRIu32 ",\"flags\":%u,\"policy_id\":%u,\"policy\":",
			rec.cpu, rec.prev_cpu, rec.slice_us, rec.vtime, rec.weight, rec.flags,
			rec.policy_id);
		policy = decision_dump_policy(d, rec.policy_id);
		if (policy)
			put_json_str(out, policy, strlen(policy));
		else
			fputs("null", out);
		fputs(f->events ? ",\"kind\":\"decision\"}\n" : "}\n", out);
	}
	return finish(out);
}

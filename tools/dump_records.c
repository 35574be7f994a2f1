// SPDX-License-Identifier: GPL-2.0
/* The filter, and the records as CSV or JSON lines. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <string.h>
#include "dump_escape.h"
#include "dump_output.h"

bool dump_filter_match(const struct dump_filter *f, const struct decision_dump *d,
		       const struct plugland_decision *rec)
{
	int64_t t = since_start_ns(d, rec->dispatch_ns);
	char comm[PLUGLAND_COMM_LEN + 1];

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

int dump_csv(FILE *out, const struct decision_dump *d, const struct dump_filter *f)
{
	struct plugland_decision rec;
	const char *policy;
	uint64_t seq;

	fputs("seq,time_s,dispatch_ns,enq_ns,wait_ns,pid,tgid,comm,cpu,prev_cpu,slice_us,"
	      "vtime,weight,flags,policy_id,policy\n", out);
	for (seq = d->first; seq < d->head; seq++) {
		decision_dump_get(d, seq, &rec);
		if (!dump_filter_match(f, d, &rec))
			continue;
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
		fputc('\n', out);
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
		fputs("}\n", out);
	}
	return finish(out);
}

// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>
#include "../common/text_escape.h"
#include "log_format.h"

const char *log_format_header(enum log_format fmt)
{
	return fmt == LOG_CSV ? "seq,enq_ns,dispatch_ns,pid,tgid,comm,cpu,prev_cpu,slice_us,"
				"vtime,weight,flags,policy_id\n" : NULL;
}

size_t log_format_line(enum log_format fmt, uint64_t seq, const struct plugland_decision *d,
		       char buf[LOG_LINE_MAX])
{
	char comm[COMM_ESCAPED_MAX];
	int n;

	if (fmt == LOG_CSV)
		n = snprintf(buf, LOG_LINE_MAX, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%d,%d,%s,%d,%d,%u,%"
			     PRIu64 ",%u,%u,%u\n", seq, d->enq_ns, d->dispatch_ns, d->pid, d->tgid,
			     comm_csv(d->comm, comm), d->cpu, d->prev_cpu, d->slice_us, d->vtime,
			     d->weight, d->flags, d->policy_id);
	else
		n = snprintf(buf, LOG_LINE_MAX, "{\"seq\":%" PRIu64 ",\"enq_ns\":%" PRIu64
			     ",\"dispatch_ns\":%" PRIu64 ",\"pid\":%d,\"tgid\":%d,\"comm\":%s,"
			     "\"cpu\":%d,\"prev_cpu\":%d,\"slice_us\":%u,\"vtime\":%" PRIu64
			     ",\"weight\":%u,\"flags\":%u,\"policy_id\":%u}\n", seq, d->enq_ns,
			     d->dispatch_ns, d->pid, d->tgid, comm_json(d->comm, comm), d->cpu,
			     d->prev_cpu, d->slice_us, d->vtime, d->weight, d->flags, d->policy_id);
	return n < 0 ? 0 : (size_t)n < LOG_LINE_MAX ? (size_t)n : LOG_LINE_MAX - 1;
}

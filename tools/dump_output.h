/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What plugland-dump prints from a parsed decision dump: the summary,
 * CSV, JSON lines, and a Chrome trace event file for ui.perfetto.dev.
 * Record contents are not trusted (they are not checksummed): any bytes
 * give valid output.
 */
#ifndef PLUGLAND_DUMP_OUTPUT_H
#define PLUGLAND_DUMP_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "decision_dump.h"

struct dump_filter {
	bool events;		/* task events too (--events); else decisions only */
	bool by_pid, by_cpu, by_from, by_to;
	int32_t pid;
	int32_t cpu;
	const char *comm_glob;	/* fnmatch() pattern, or NULL */
	int64_t from_ns, to_ns;	/* since the log's start: from <= t < to */
};

/* Whether rec passes f: a task event only with f->events, then by its
 * own time (at_ns) and CPU (-1 for kinds that have none). */
bool dump_filter_match(const struct dump_filter *f, const struct decision_dump *d,
		       const struct plugland_decision *rec);
/* An event kind's name ("runnable"), "decision" for 0, "?" when unknown. */
const char *dump_event_kind_name(unsigned int kind);

/* Each returns 0, or -1 on a write error or no memory (errno set). */
int dump_summary(FILE *out, const struct decision_dump *d, const struct dump_filter *f,
		 unsigned int top_n);
int dump_csv(FILE *out, const struct decision_dump *d, const struct dump_filter *f);
int dump_jsonl(FILE *out, const struct decision_dump *d, const struct dump_filter *f);
/* Where each shadow policy of the dump disagreed with the real one: its
 * records paired with the real policy's by pid and enqueue time. */
int dump_shadow(FILE *out, const struct decision_dump *d, const struct dump_filter *f,
		unsigned int top_n);
/* One track per CPU; a slice per decision from its dispatch to the next
 * decision on that CPU or the end of its slice, whichever comes first. */
int dump_perfetto(FILE *out, const struct decision_dump *d, const struct dump_filter *f);

#endif

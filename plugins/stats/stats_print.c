// SPDX-License-Identifier: GPL-2.0
/* The stats plugin's output: a fixed-width table, or one JSON object. */
#include <inttypes.h>
#include <stdlib.h>
#include "../common/text_escape.h"
#include "stats_table.h"

/* The shown tasks' CPU time so far, from the kernel's schedstat (its
 * first field: ns on a CPU). On the plugin's thread, when printing. */
static void read_cpu_times(struct stats *s, size_t shown)
{
	char path[sizeof(s->proc_root) + 48];
	size_t i;

	for (i = 0; i < shown; i++) {
		struct task_stats *t = (struct task_stats *)s->sorted[i];
		unsigned long long ns;
		FILE *f;

		if (t == &s->other || t->pid <= 0)
			continue;
		snprintf(path, sizeof(path), "%s/%d/task/%d/schedstat", s->proc_root, t->tgid,
			 t->pid);
		f = fopen(path, "re");
		if (!f)
			continue; /* exited: keep what was read before */
		if (fscanf(f, "%llu", &ns) == 1) {
			t->cpu_ns = ns;
			t->cpu_known = true;
		}
		fclose(f);
	}
}

static double wait_avg_us(const struct task_stats *t)
{
	return t->nr_waits ? (double)t->wait_ns / (double)t->nr_waits / 1000 : 0;
}

static double wait_p99_us(const struct task_stats *t)
{
	return (double)log_hist_percentile(&t->wait, t->nr_waits, 99, t->wait_max_ns) / 1000;
}

static void print_table(const struct stats *s, FILE *out, size_t n, size_t shown)
{
	size_t i;

	fprintf(out, "plugland stats: %" PRIu64 " decisions, %" PRIu64 " lost, %zu tasks\n",
		s->nr_decisions, s->nr_lost, n);
	fprintf(out, "%8s %8s %-16s %10s %12s %12s %12s %12s %12s\n", "PID", "TGID", "COMM",
		"SCHED", "SLICE_MS", "WAIT_AVG_US", "WAIT_P99_US", "WAIT_MAX_US", "CPU_MS");
	for (i = 0; i < shown; i++) {
		const struct task_stats *t = s->sorted[i];
		char cpu[32] = "-";

		if (t->cpu_known)
			snprintf(cpu, sizeof(cpu), "%.3f", (double)t->cpu_ns / 1e6);
		fprintf(out, "%8d %8d %-16.16s %10" PRIu64 " %12.3f %12.1f %12.1f %12.1f %12s\n",
			t->pid, t->tgid, t->comm, t->nr_sched, (double)t->slice_ns / 1e6,
			wait_avg_us(t), wait_p99_us(t), (double)t->wait_max_ns / 1000, cpu);
	}
	if (shown < n)
		fprintf(out, "(%zu more tasks)\n", n - shown);
	fprintf(out, "%8s %10s\n", "CPU", "DECISIONS");
	fprintf(out, "%8s %10" PRIu64 "\n", "any", s->per_cpu[0]);
	for (i = 0; i < s->nr_cpus; i++)
		if (s->per_cpu[1 + i])
			fprintf(out, "%8zu %10" PRIu64 "\n", i, s->per_cpu[1 + i]);
	fputc('\n', out);
}

static void print_json(const struct stats *s, FILE *out, size_t n, size_t shown)
{
	char comm[COMM_ESCAPED_MAX];
	size_t i;

	fprintf(out, "{\"decisions\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"nr_tasks\":%zu,\"tasks\":[",
		s->nr_decisions, s->nr_lost, n);
	for (i = 0; i < shown; i++) {
		const struct task_stats *t = s->sorted[i];

		char cpu[32] = "null";

		if (t->cpu_known)
			snprintf(cpu, sizeof(cpu), "%.3f", (double)t->cpu_ns / 1e6);
		fprintf(out, "%s{\"pid\":%d,\"tgid\":%d,\"comm\":%s,\"sched\":%" PRIu64
			",\"slice_ms\":%.3f,\"wait_avg_us\":%.1f,\"wait_p99_us\":%.1f,"
			"\"wait_max_us\":%.1f,\"cpu_ms\":%s}", i ? "," : "", t->pid, t->tgid,
			comm_json(t->comm, comm), t->nr_sched, (double)t->slice_ns / 1e6,
			wait_avg_us(t), wait_p99_us(t), (double)t->wait_max_ns / 1000, cpu);
	}
	fprintf(out, "],\"cpus\":{\"any\":%" PRIu64, s->per_cpu[0]);
	for (i = 0; i < s->nr_cpus; i++)
		if (s->per_cpu[1 + i])
			fprintf(out, ",\"%zu\":%" PRIu64, i, s->per_cpu[1 + i]);
	fprintf(out, "}}\n");
}

void stats_print(struct stats *s, FILE *out, enum stats_format fmt, size_t top)
{
	size_t n = stats_sort(s), shown = top && top < n ? top : n;

	read_cpu_times(s, shown);
	if (fmt == STATS_JSON)
		print_json(s, out, n, shown);
	else
		print_table(s, out, n, shown);
	fflush(out);
}

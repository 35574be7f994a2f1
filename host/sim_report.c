// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "sim_report.h"
#include "duration_text.h"
#include "synth_backend.h"

/* A group's tasks (or all of them) summed. */
struct row {
	const char *name, *comm;
	uint32_t tasks;
	uint64_t weight;		/* 0: several */
	uint64_t runtime_ns, nr_bursts;
	bool cpu_bound;			/* bursts mean nothing: never sleeps */
	struct synth_task_stats waits;	/* nr_dispatched, wait_* summed */
};

static void add_task(struct row *r, const struct synth_task_stats *st)
{
	unsigned int b;

	r->tasks++;
	r->runtime_ns += st->runtime_ns;
	r->nr_bursts += st->nr_bursts;
	r->waits.nr_dispatched += st->nr_dispatched;
	r->waits.wait_sum_ns += st->wait_sum_ns;
	if (st->wait_max_ns > r->waits.wait_max_ns)
		r->waits.wait_max_ns = st->wait_max_ns;
	for (b = 0; b < SYNTH_WAIT_BUCKETS; b++)
		r->waits.wait_hist[b] += st->wait_hist[b];
}

/* rows[0..nr_groups) per group, rows[nr_groups] all tasks. */
static struct row *sum_rows(const struct sim_report_in *in)
{
	const struct workload *w = in->wm->w;
	struct row *rows = calloc(w->nr_groups + 1, sizeof(*rows));
	struct row *all;
	uint32_t i;

	if (!rows)
		return NULL;
	all = &rows[w->nr_groups];
	all->name = "all";
	all->comm = "";
	all->cpu_bound = true;
	for (i = 0; i < w->nr_groups; i++) {
		rows[i].name = w->groups[i].name;
		rows[i].comm = w->groups[i].comm;
		rows[i].weight = w->groups[i].weight;
		rows[i].cpu_bound = w->groups[i].burst.kind == WORKLOAD_FOREVER;
		all->cpu_bound &= rows[i].cpu_bound;
	}
	for (i = 0; i < w->nr_tasks; i++) {
		const struct synth_task_stats *st = synth_backend_task(in->machine, i);

		add_task(&rows[in->wm->group_of[i]], st);
		add_task(all, st);
	}
	return rows;
}

double sim_report_jain(const struct sim_report_in *in, uint32_t *n)
{
	const struct workload *w = in->wm->w;
	uint64_t now = synth_backend_stats(in->machine)->now_ns;
	double sum = 0, sum_sq = 0;
	uint32_t i;

	*n = 0;
	for (i = 0; i < w->nr_tasks; i++) {
		const struct workload_group *g = &w->groups[in->wm->group_of[i]];
		uint64_t start = in->wm->start_ns[i];
		double x;

		if (g->burst.kind != WORKLOAD_FOREVER || g->pinned || start >= now)
			continue;
		x = (double)synth_backend_task(in->machine, i)->runtime_ns / (double)g->weight /
		    (double)(now - start);
		sum += x;
		sum_sq += x * x;
		++*n;
	}
	return *n && sum_sq > 0 ? sum * sum / (*n * sum_sq) : 0;
}

/* The pct-th percentile of a row's waits: the upper end of its bucket
 * (within 25 % above), but never above the exact max. */
static uint64_t wait_pct(const struct row *r, unsigned int pct)
{
	uint64_t v = synth_wait_percentile(&r->waits, pct);

	return v < r->waits.wait_max_ns ? v : r->waits.wait_max_ns;
}

static double cpu_pct(const struct row *r, uint64_t now, uint32_t nr_cpus)
{
	return now ? 100.0 * (double)r->runtime_ns / (double)now / nr_cpus : 0;
}

static double bursts_per_s(const struct row *r, uint64_t now)
{
	return now ? (double)r->nr_bursts * 1e9 / (double)now : 0;
}

static void print_row(const struct row *r, int name_w, uint64_t now, uint32_t nr_cpus, FILE *out)
{
	char weight[24], bursts[24], p50[24], p99[24], max[24];

	if (r->weight)
		snprintf(weight, sizeof(weight), "%" PRIu64, r->weight);
	else
		snprintf(weight, sizeof(weight), "-");
	if (r->cpu_bound)
		snprintf(bursts, sizeof(bursts), "-");
	else
		snprintf(bursts, sizeof(bursts), "%.1f", bursts_per_s(r, now));
	fprintf(out, "  %-*s %-15s %5u %6s %10" PRIu64 " %6.1f %10s %9s %9s %9s\n", name_w, r->name,
		r->comm, r->tasks, weight, r->waits.nr_dispatched, cpu_pct(r, now, nr_cpus), bursts,
		duration_text(wait_pct(r, 50), p50, sizeof(p50)),
		duration_text(wait_pct(r, 99), p99, sizeof(p99)),
		duration_text(r->waits.wait_max_ns, max, sizeof(max)));
}

static void print_text(const struct sim_report_in *in, const struct row *rows, FILE *out)
{
	const struct workload *w = in->wm->w;
	const struct synth_stats *st = synth_backend_stats(in->machine);
	const struct sched_stats *l = in->loop;
	uint32_t nr_cpus = in->machine->nr_cpus, nr_bound = 0, i, n;
	uint64_t min = UINT64_MAX, max = 0;
	int name_w = 5;
	double jain;

	for (i = 0; i < w->nr_tasks; i++) {
		uint64_t runs = synth_backend_task(in->machine, i)->nr_dispatched;

		min = runs < min ? runs : min;
		max = runs > max ? runs : max;
		nr_bound += w->groups[in->wm->group_of[i]].burst.kind == WORKLOAD_FOREVER;
	}
	/* the policy's and its fast paths' (the last line splits them) */
	fprintf(out, "simulated %" PRIu64 " decisions of policy '%s': %u CPUs, ",
		synth_decisions(st), in->policy, nr_cpus);
	if (nr_bound == w->nr_tasks)
		fprintf(out, "%u CPU-bound tasks\n", w->nr_tasks);
	else
		fprintf(out, "%u tasks (%u CPU-bound)\n", w->nr_tasks, nr_bound);
	fprintf(out, "  workload %s: %u group%s, seed %" PRIu64 ", smt %u, llcs %u\n", w->source,
		w->nr_groups, w->nr_groups == 1 ? "" : "s", w->seed, w->smt, w->llcs);
	fprintf(out, "  %.3f s of simulated time, CPUs busy %.1f%%\n"
		"  per-task runs (decisions a CPU took up): min %" PRIu64 ", max %" PRIu64 "\n"
		"  refused %" PRIu64 ", starved %" PRIu64 ", invalid %" PRIu64 ", stale %" PRIu64
		", double %" PRIu64 ", unknown %" PRIu64 "\n",
		(double)st->now_ns / 1e9,
		st->now_ns ? 100.0 * (double)st->busy_ns / (double)st->now_ns / nr_cpus : 0.0,
		min, max, l->nr_refused, l->nr_starved, l->nr_invalid, st->nr_stale, st->nr_double,
		st->nr_unknown);
	for (i = 0; i < w->nr_groups; i++)
		if ((int)strlen(rows[i].name) > name_w)
			name_w = (int)strlen(rows[i].name);
	fprintf(out, "\n  %-*s %-15s %5s %6s %10s %6s %10s %9s %9s %9s\n", name_w, "group", "comm",
		"tasks", "weight", "runs", "CPU%", "bursts/s", "wait p50", "wait p99", "wait max");
	for (i = 0; i <= w->nr_groups; i++)
		print_row(&rows[i], name_w, st->now_ns, nr_cpus, out);
	jain = sim_report_jain(in, &n);
	if (n)
		fprintf(out, "\n  fairness (Jain's index of CPU time / weight over the %u CPU-bound "
			"tasks free to use every CPU): %.4f\n", n, jain);
	else
		fprintf(out, "\n  fairness: no CPU-bound task free to use every CPU to compare\n");
	fprintf(out, "  decisions: %" PRIu64 " by the policy, %" PRIu64 " by BPF's fast paths (%" PRIu64
		" on an idle CPU, %" PRIu64 " queued FIFO, %" PRIu64 " queued by vtime), %" PRIu64
		" to a CPU the task may not use (run elsewhere)\n",
		st->nr_dispatched, synth_by_kernel(st), st->nr_fast_wake,
		st->nr_fast_queued - st->nr_fast_ordered, st->nr_fast_ordered, st->nr_bounced);
}

static cJSON *row_json(const struct row *r, uint64_t now, uint32_t nr_cpus)
{
	cJSON *o = cJSON_CreateObject(), *wait = cJSON_CreateObject();

	if (!o || !wait) {
		cJSON_Delete(o);
		cJSON_Delete(wait);
		return NULL;
	}
	cJSON_AddStringToObject(o, "group", r->name);
	cJSON_AddStringToObject(o, "comm", r->comm);
	cJSON_AddNumberToObject(o, "tasks", r->tasks);
	if (r->weight)
		cJSON_AddNumberToObject(o, "weight", (double)r->weight);
	cJSON_AddNumberToObject(o, "runs", (double)r->waits.nr_dispatched);
	cJSON_AddNumberToObject(o, "cpu_ns", (double)r->runtime_ns);
	cJSON_AddNumberToObject(o, "cpu_pct", cpu_pct(r, now, nr_cpus));
	if (!r->cpu_bound) {
		cJSON_AddNumberToObject(o, "bursts", (double)r->nr_bursts);
		cJSON_AddNumberToObject(o, "bursts_per_s", bursts_per_s(r, now));
	}
	cJSON_AddNumberToObject(wait, "p50", (double)wait_pct(r, 50));
	cJSON_AddNumberToObject(wait, "p99", (double)wait_pct(r, 99));
	cJSON_AddNumberToObject(wait, "max", (double)r->waits.wait_max_ns);
	cJSON_AddItemToObject(o, "wait_ns", wait);
	return o;
}

static int print_json(const struct sim_report_in *in, const struct row *rows, FILE *out)
{
	const struct workload *w = in->wm->w;
	const struct synth_stats *st = synth_backend_stats(in->machine);
	const struct sched_stats *l = in->loop;
	uint32_t nr_cpus = in->machine->nr_cpus, i, n;
	cJSON *o = cJSON_CreateObject(), *groups = cJSON_CreateArray(), *fair, *all;
	double jain = sim_report_jain(in, &n);
	char *text;

	if (!o || !groups)
		goto oom;
	cJSON_AddStringToObject(o, "policy", in->policy);
	cJSON_AddStringToObject(o, "workload", w->source);
	cJSON_AddNumberToObject(o, "cpus", nr_cpus);
	cJSON_AddNumberToObject(o, "seed", (double)w->seed);
	cJSON_AddNumberToObject(o, "decisions", (double)st->nr_dispatched);
	cJSON_AddNumberToObject(o, "kernel_decisions", (double)synth_by_kernel(st));
	cJSON_AddNumberToObject(o, "kernel_queued", (double)st->nr_fast_queued);
	cJSON_AddNumberToObject(o, "kernel_ordered", (double)st->nr_fast_ordered);
	cJSON_AddNumberToObject(o, "bounced", (double)st->nr_bounced);
	cJSON_AddNumberToObject(o, "simulated_ns", (double)st->now_ns);
	cJSON_AddNumberToObject(o, "busy_ns", (double)st->busy_ns);
	cJSON_AddNumberToObject(o, "refused", (double)l->nr_refused);
	cJSON_AddNumberToObject(o, "starved", (double)l->nr_starved);
	cJSON_AddNumberToObject(o, "invalid", (double)l->nr_invalid);
	cJSON_AddNumberToObject(o, "stale", (double)st->nr_stale);
	cJSON_AddNumberToObject(o, "double", (double)st->nr_double);
	cJSON_AddNumberToObject(o, "unknown", (double)st->nr_unknown);
	for (i = 0; i < w->nr_groups; i++)
		cJSON_AddItemToArray(groups, row_json(&rows[i], st->now_ns, nr_cpus));
	cJSON_AddItemToObject(o, "groups", groups);
	groups = NULL;
	all = row_json(&rows[w->nr_groups], st->now_ns, nr_cpus);
	if (!all)
		goto oom;
	cJSON_DeleteItemFromObject(all, "group");
	cJSON_DeleteItemFromObject(all, "comm");
	cJSON_AddItemToObject(o, "all", all);
	fair = cJSON_AddObjectToObject(o, "fairness");
	if (!fair)
		goto oom;
	cJSON_AddNumberToObject(fair, "tasks", n);
	if (n)
		cJSON_AddNumberToObject(fair, "jain", jain);
	else
		cJSON_AddNullToObject(fair, "jain");
	text = cJSON_Print(o);
	if (!text)
		goto oom;
	fprintf(out, "%s\n", text);
	free(text);
	cJSON_Delete(o);
	return 0;
oom:
	cJSON_Delete(groups);
	cJSON_Delete(o);
	return -1;
}

int sim_report_print(const struct sim_report_in *in, bool json, FILE *out)
{
	struct row *rows = sum_rows(in);
	int ret = 0;

	if (!rows)
		return -1;
	if (json)
		ret = print_json(in, rows, out);
	else
		print_text(in, rows, out);
	free(rows);
	return ret;
}

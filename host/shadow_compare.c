// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "shadow_compare.h"

int shadow_compare_init(struct shadow_compare *c)
{
	memset(c, 0, sizeof(*c));
	/* Twice the tasks kept: probes stay short when it is full. */
	c->tasks = calloc(2 * SHADOW_MAX_TASKS, sizeof(*c->tasks));
	c->mask = 2 * SHADOW_MAX_TASKS - 1;
	return c->tasks ? 0 : -1;
}

void shadow_compare_fini(struct shadow_compare *c)
{
	free(c->tasks);
	c->tasks = NULL;
}

void shadow_compare_reset(struct shadow_compare *c)
{
	memset(&c->t, 0, sizeof(c->t));
	memset(c->tasks, 0, (c->mask + 1) * sizeof(*c->tasks));
	c->nr_tasks = 0;
}

/* pid's aggregates, made on first sight; NULL past SHADOW_MAX_TASKS. */
static struct shadow_task_stats *task_of(struct shadow_compare *c, int32_t pid, const char *comm)
{
	uint32_t i = ((uint32_t)pid * 2654435761u) & c->mask;
	struct shadow_task_stats *s;

	for (;; i = (i + 1) & c->mask) {
		s = &c->tasks[i];
		if (s->pid == pid && pid)
			break;
		if (!s->pid) {
			if (c->nr_tasks == SHADOW_MAX_TASKS || !pid)
				return NULL;
			c->nr_tasks++;
			s->pid = pid;
			break;
		}
	}
	if (comm && comm[0])
		memcpy(s->comm, comm, sizeof(s->comm));
	return s;
}

void shadow_compare_add(struct shadow_compare *c, const struct shadow_decision *real,
			const struct shadow_decision *shadow, bool same_place)
{
	const struct shadow_decision *any = real ? real : shadow;
	struct shadow_task_stats *s;
	bool cpu = false, slice = false, order = !real || !shadow || !same_place;

	if (!any)
		return;
	s = task_of(c, any->pid, real && real->comm ? real->comm : shadow ? shadow->comm : NULL);
	if (!s)
		c->t.untracked++;
	if (real && shadow) {
		cpu = real->cpu != shadow->cpu;
		slice = real->slice_ns != shadow->slice_ns;
	}
	c->t.compared++;
	c->t.diff_cpu += cpu;
	c->t.diff_slice += slice;
	c->t.diff_order += order;
	c->t.agreed += !cpu && !slice && !order;
	c->t.nr_real += real != NULL;
	c->t.nr_shadow += shadow != NULL;
	if (!s)
		return;
	s->diff_cpu += cpu;
	s->diff_slice += slice;
	s->diff_order += order;
	s->nr_agreed += !cpu && !slice && !order;
	if (real) {
		s->nr_real++;
		s->real_slice_ns += real->slice_ns;
		s->real_cpu = real->cpu;
	}
	if (shadow) {
		s->nr_shadow++;
		s->shadow_slice_ns += shadow->slice_ns;
		s->shadow_cpu = shadow->cpu;
		s->nr_shadow_any += shadow->cpu == PLUGLAND_CPU_ANY;
	}
}

void shadow_compare_round(struct shadow_compare *c, const struct shadow_decision *real,
			  unsigned int nr, const struct shadow_decision *shadow, unsigned int ns,
			  int *real_pos)
{
	/* A round is at most a batch on each side: quadratic is 4096 looks. */
	uint64_t paired[(nr + 63) / 64 + 1];
	unsigned int i, j;

	memset(paired, 0, sizeof(paired));
	c->t.rounds++;
	for (i = 0; i < ns; i++) {
		for (j = 0; j < nr; j++)
			if (!(paired[j / 64] & (1ull << (j % 64))) && real[j].pid == shadow[i].pid &&
			    real[j].cookie == shadow[i].cookie)
				break;
		if (real_pos)
			real_pos[i] = j < nr ? (int)j : -1;
		if (j == nr) {
			shadow_compare_add(c, NULL, &shadow[i], false);
			continue;
		}
		paired[j / 64] |= 1ull << (j % 64);
		shadow_compare_add(c, &real[j], &shadow[i], i == j);
	}
	for (j = 0; j < nr; j++)
		if (!(paired[j / 64] & (1ull << (j % 64))))
			shadow_compare_add(c, &real[j], NULL, false);
}

static uint64_t disagreements(const struct shadow_task_stats *s)
{
	return s->diff_cpu + s->diff_slice + s->diff_order;
}

static int by_disagreement(const void *a, const void *b)
{
	const struct shadow_task_stats *x = a, *y = b;
	uint64_t dx = disagreements(x), dy = disagreements(y);

	if (dx != dy)
		return dx > dy ? -1 : 1;
	if (x->nr_real + x->nr_shadow != y->nr_real + y->nr_shadow)
		return x->nr_real + x->nr_shadow > y->nr_real + y->nr_shadow ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

unsigned int shadow_compare_top(const struct shadow_compare *c, struct shadow_task_stats *out,
				unsigned int n)
{
	struct shadow_task_stats *all = malloc((c->nr_tasks + 1) * sizeof(*all));
	unsigned int k = 0, i;

	if (!all)
		return 0;
	for (i = 0; i <= c->mask; i++)
		if (c->tasks[i].pid)
			all[k++] = c->tasks[i];
	qsort(all, k, sizeof(*all), by_disagreement);
	if (n > k)
		n = k;
	memcpy(out, all, n * sizeof(*out));
	free(all);
	return n;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static double mean_us(uint64_t sum_ns, uint64_t n)
{
	return n ? (double)sum_ns / (double)n / 1e3 : 0.0;
}

void shadow_compare_print(FILE *out, const struct shadow_compare *c, unsigned int top_n)
{
	const struct shadow_totals *t = &c->t;
	struct shadow_task_stats top[SHADOW_TOP_TASKS * 10];
	unsigned int i, n;

	fprintf(out, "compared    %" PRIu64 " (%" PRIu64 " real decisions, %" PRIu64 " shadow)\n",
		t->compared, t->nr_real, t->nr_shadow);
	fprintf(out, "agreed      %" PRIu64 " (%.1f%%)\n", t->agreed, pct(t->agreed, t->compared));
	fprintf(out, "differed    cpu %" PRIu64 " (%.1f%%), slice %" PRIu64 " (%.1f%%), order %" PRIu64
		" (%.1f%%)\n", t->diff_cpu, pct(t->diff_cpu, t->compared), t->diff_slice,
		pct(t->diff_slice, t->compared), t->diff_order, pct(t->diff_order, t->compared));
	if (t->untracked)
		fprintf(out, "untracked   %" PRIu64 " decisions about tasks past the first %d\n",
			t->untracked, SHADOW_MAX_TASKS);
	n = shadow_compare_top(c, top, top_n < sizeof(top) / sizeof(top[0]) ? top_n :
				     (unsigned int)(sizeof(top) / sizeof(top[0])));
	if (!n)
		return;
	fprintf(out, "top tasks, by disagreement (what the shadow would have given each):\n"
		"  %8s %-16s %7s %7s %6s %6s %6s %11s %11s %6s\n", "PID", "COMM", "REAL", "SHADOW",
		"CPU", "SLICE", "ORDER", "REAL us", "SHADOW us", "ANY%");
	for (i = 0; i < n; i++) {
		const struct shadow_task_stats *s = &top[i];
		char comm[PLUGLAND_COMM_LEN + 1];
		unsigned int k;

		for (k = 0; k < PLUGLAND_COMM_LEN && s->comm[k]; k++)
			comm[k] = s->comm[k] >= 0x20 && s->comm[k] < 0x7f ? s->comm[k] : '?';
		comm[k] = 0;
		fprintf(out, "  %8" PRId32 " %-16s %7" PRIu64 " %7" PRIu64 " %6" PRIu64 " %6" PRIu64
			" %6" PRIu64 " %11.1f %11.1f %5.1f%%\n", s->pid, k ? comm : "-", s->nr_real,
			s->nr_shadow, s->diff_cpu, s->diff_slice, s->diff_order,
			mean_us(s->real_slice_ns, s->nr_real), mean_us(s->shadow_slice_ns, s->nr_shadow),
			pct(s->nr_shadow_any, s->nr_shadow));
	}
}

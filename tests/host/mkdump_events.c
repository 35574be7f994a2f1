// SPDX-License-Identifier: GPL-2.0
/*
 * The task events mkdump writes: from a script of hand-made events, or a
 * generated recording of a machine (for the replay's speed test).
 *
 * A script has one event per line ('#' starts a comment):
 *
 *   TIME_US KIND PID [comm=NAME] [tgid=N] [cpu=N] [why=wakeup|new|preempted|yield]
 *           [waker=PID] [runnable=1] [runtime=NS] [weight=N] [parent=PID]
 *           [mask=0xHEX] [mask_hi=0xHEX] [nr=N] [partial=1] [from=US] [sched=1]
 *
 * KIND: runnable, running, stopping, quiescent, weight, cpumask, fork,
 * exit, host_run (from: when the host's run began; sched: its scheduling
 * thread's). TIME_US is microseconds after the log's start.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mkdump_events.h"

static const char *const kinds[] = { NULL, "runnable", "running", "stopping", "quiescent",
				     "weight", "cpumask", "fork", "exit", "host_run" };
#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))
static const char *const whys[] = { "unknown", "wakeup", "new", "preempted", "yield" };

static int index_of(const char *const *names, unsigned int n, const char *s)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

static int set_field(struct plugland_event *e, const char *key, const char *val,
		     uint64_t start_ns)
{
	uint64_t v = strtoull(val, NULL, 0);

	if (!strcmp(key, "comm")) {
		memset(e->comm, 0, sizeof(e->comm));
		memcpy(e->comm, val, strnlen(val, sizeof(e->comm)));
	}
	else if (!strcmp(key, "tgid"))
		e->tgid = (int32_t)v;
	else if (!strcmp(key, "cpu"))
		e->cpu = (int16_t)v;
	else if (!strcmp(key, "why")) {
		int w = index_of(whys, 5, val);

		if (w < 0)
			return -1;
		e->detail = (uint16_t)w;
	} else if (!strcmp(key, "waker") || !strcmp(key, "parent") || !strcmp(key, "weight") ||
		   !strcmp(key, "nr"))
		e->arg = (uint32_t)v;
	else if (!strcmp(key, "from")) /* host_run: when it began, in us */
		e->value = start_ns + (uint64_t)(strtod(val, NULL) * 1000.0 + 0.5);
	else if (!strcmp(key, "runnable") || !strcmp(key, "partial") || !strcmp(key, "sched"))
		e->detail = v ? 1 : 0;
	else if (!strcmp(key, "runtime") || !strcmp(key, "mask"))
		e->value = v;
	else if (!strcmp(key, "mask_hi"))
		e->value_hi = v;
	else
		return -1;
	return 0;
}

int mkdump_events_script(const char *path, uint64_t start_ns, struct plugland_event **out,
			 size_t *n)
{
	FILE *f = fopen(path, "r");
	struct plugland_event *v = NULL;
	size_t cap = 0, nr = 0;
	char line[512];
	int lineno = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *save, *tok, *hash = strchr(line, '#');
		struct plugland_event e = { .cpu = -1 };
		double us;
		int k;

		lineno++;
		if (hash)
			*hash = 0;
		tok = strtok_r(line, " \t\n", &save);
		if (!tok)
			continue;
		us = strtod(tok, NULL);
		tok = strtok_r(NULL, " \t\n", &save);
		k = tok ? index_of(kinds, NR_KINDS, tok) : -1;
		tok = strtok_r(NULL, " \t\n", &save);
		if (k < 0 || !tok) {
			fprintf(stderr, "%s:%d: expected TIME_US KIND PID\n", path, lineno);
			goto fail;
		}
		e.at_ns = start_ns + (uint64_t)(us * 1000.0 + 0.5);
		e.kind = (uint16_t)k;
		e.pid = e.tgid = (int32_t)strtol(tok, NULL, 0);
		snprintf(e.comm, sizeof(e.comm), "task-%d", e.pid);
		while ((tok = strtok_r(NULL, " \t\n", &save))) {
			char *eq = strchr(tok, '=');

			if (!eq || (*eq = 0, set_field(&e, tok, eq + 1, start_ns))) {
				fprintf(stderr, "%s:%d: bad field '%s'\n", path, lineno, tok);
				goto fail;
			}
		}
		if (nr == cap) {
			struct plugland_event *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto fail;
			v = nv;
		}
		v[nr++] = e;
	}
	fclose(f);
	*out = v;
	*n = nr;
	return 0;
fail:
	fclose(f);
	free(v);
	return -1;
}

/* splitmix64: the generator's draws, the same on every run. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t draw(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + next_rand(s) % (hi - lo + 1);
}

struct gen_task {
	uint64_t wake_ns;	/* sleeping: when it wakes; 0: runnable or running */
	uint64_t left_ns;	/* CPU time left in this burst */
	uint64_t runtime_ns;
	uint64_t queued_seq;	/* FIFO order among the runnable */
	int cpu;		/* running on, or -1 */
	bool runnable;
};

static void gen_event(mkdump_emit_fn emit, void *ctx, uint64_t at, uint16_t kind, int32_t pid,
		      int16_t cpu, uint32_t arg, uint16_t detail, uint64_t value)
{
	struct plugland_event e = { .at_ns = at, .pid = pid, .tgid = pid, .cpu = cpu,
				    .kind = kind, .arg = arg, .detail = detail, .value = value };

	snprintf(e.comm, sizeof(e.comm), "gen-%d", pid % 4);
	emit(ctx, &e);
}

/*
 * A FIFO machine of nr_cpus CPUs running nr_tasks tasks for secs seconds:
 * bursts of 20 us..max_burst_ns cut into slices of slice_ns, sleeps of 1
 * us..2 ms, every event as sched_ext would tell it; a task is woken by
 * what CPU (its number % CPUs) runs then, or by a timer when that CPU is
 * idle. Returns how many events it emitted.
 */
uint64_t mkdump_events_generate(uint64_t start_ns, double secs, unsigned int nr_cpus,
				unsigned int nr_tasks, uint64_t max_burst_ns, uint64_t slice_ns,
				mkdump_emit_fn emit, void *ctx)
{
	const uint64_t slice = slice_ns, end = start_ns + (uint64_t)(secs * 1e9);
	struct gen_task *t = calloc(nr_tasks, sizeof(*t));
	uint64_t *cpu_until = calloc(nr_cpus, sizeof(*cpu_until)), now = start_ns, seq = 0, n = 0;
	int *cpu_task = malloc(nr_cpus * sizeof(*cpu_task));
	uint64_t rng = 42;
	unsigned int i, c;

	if (!t || !cpu_until || !cpu_task)
		goto out;
	for (c = 0; c < nr_cpus; c++)
		cpu_task[c] = -1;
	for (i = 0; i < nr_tasks; i++) {
		int32_t pid = (int32_t)(1000 + i);

		gen_event(emit, ctx, now, PLUGLAND_EVENT_FORK, pid, -1, 1, 0, 0), n++;
		gen_event(emit, ctx, now, PLUGLAND_EVENT_RUNNABLE, pid, -1, 0,
			  PLUGLAND_RUNNABLE_NEW, 0), n++;
		t[i].runnable = true;
		t[i].cpu = -1;
		t[i].queued_seq = seq++;
		t[i].left_ns = draw(&rng, 20000, max_burst_ns);
	}
	while (now < end) {
		uint64_t next = UINT64_MAX;

		/* CPUs whose run ends now: the task stops, sleeps or queues again. */
		for (c = 0; c < nr_cpus; c++) {
			struct gen_task *k;
			int32_t pid;

			if (cpu_task[c] < 0 || cpu_until[c] != now)
				continue;
			k = &t[cpu_task[c]];
			pid = 1000 + cpu_task[c];
			cpu_task[c] = -1;
			k->cpu = -1;
			if (k->left_ns) {
				gen_event(emit, ctx, now, PLUGLAND_EVENT_STOPPING, pid, (int16_t)c, 0,
					  PLUGLAND_STOPPING_RUNNABLE, k->runtime_ns), n++;
				k->queued_seq = seq++;
				continue;
			}
			gen_event(emit, ctx, now, PLUGLAND_EVENT_STOPPING, pid, (int16_t)c, 0, 0,
				  k->runtime_ns), n++;
			gen_event(emit, ctx, now, PLUGLAND_EVENT_QUIESCENT, pid, -1, 0, 0, 0), n++;
			k->runnable = false;
			k->wake_ns = now + draw(&rng, 1000, 2000000);
		}
		/* Tasks that wake now. */
		for (i = 0; i < nr_tasks; i++) {
			if (t[i].runnable || t[i].wake_ns != now)
				continue;
			t[i].runnable = true;
			t[i].left_ns = draw(&rng, 20000, max_burst_ns);
			t[i].queued_seq = seq++;
			/* Woken by what CPU i % nr_cpus runs (a timer when idle). */
			c = i % nr_cpus;
			gen_event(emit, ctx, now, PLUGLAND_EVENT_RUNNABLE, (int32_t)(1000 + i), -1,
				  cpu_task[c] >= 0 ? (uint32_t)(1000 + cpu_task[c]) : 0,
				  PLUGLAND_RUNNABLE_WAKEUP, 0), n++;
		}
		/* Free CPUs take the longest-queued runnable tasks. */
		for (c = 0; c < nr_cpus; c++) {
			int best = -1;
			uint64_t run;

			if (cpu_task[c] >= 0)
				continue;
			for (i = 0; i < nr_tasks; i++)
				if (t[i].runnable && t[i].cpu < 0 &&
				    (best < 0 || t[i].queued_seq < t[best].queued_seq))
					best = (int)i;
			if (best < 0)
				break;
			run = t[best].left_ns < slice ? t[best].left_ns : slice;
			t[best].left_ns -= run;
			t[best].runtime_ns += run;
			t[best].cpu = (int)c;
			cpu_task[c] = best;
			cpu_until[c] = now + run;
			gen_event(emit, ctx, now, PLUGLAND_EVENT_RUNNING, 1000 + best, (int16_t)c, 0,
				  0, 0), n++;
		}
		for (c = 0; c < nr_cpus; c++)
			if (cpu_task[c] >= 0 && cpu_until[c] < next)
				next = cpu_until[c];
		for (i = 0; i < nr_tasks; i++)
			if (!t[i].runnable && t[i].wake_ns < next)
				next = t[i].wake_ns;
		if (next == UINT64_MAX)
			break;
		now = next;
	}
out:
	free(t);
	free(cpu_until);
	free(cpu_task);
	return n;
}

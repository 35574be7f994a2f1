// SPDX-License-Identifier: GPL-2.0
/* plugland-replay's table, JSON and plot (replay_report.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "replay_report.h"
#include "duration_text.h"

/* Wait-to-run over a set of tasks. */
struct wait_figures {
	uint64_t n, p50, p99, max;
};

/* The tasks of m whose comm is `comm` (NULL: every task; pid: only that). */
struct task_set {
	const char *comm;
	bool by_pid;
	int32_t pid;
};

static bool in_set(const struct replay_machine *m, uint32_t i, const struct task_set *s)
{
	const struct replay_task *k = &m->trace->tasks[m->task_of[i]];

	if (s->by_pid)
		return k->pid == s->pid;
	return !s->comm || !strcmp(m->comms[i], s->comm);
}

static struct wait_figures waits_of(const struct replay_machine *m, const struct replay_result *r,
				    const struct task_set *s)
{
	uint32_t hist[WAIT_HIST_BUCKETS] = { 0 };
	struct wait_figures w = { 0 };
	uint32_t i, b;

	for (i = 0; i < m->nr_tasks; i++) {
		const struct replay_task_result *t = &r->tasks[i];

		if (!in_set(m, i, s))
			continue;
		w.n += t->nr_waits;
		for (b = 0; b < WAIT_HIST_BUCKETS; b++)
			hist[b] += t->wait_hist[b];
		if (t->wait_max_ns > w.max)
			w.max = t->wait_max_ns;
	}
	w.p50 = wait_hist_percentile(hist, w.n, 50);
	w.p99 = wait_hist_percentile(hist, w.n, 99);
	/* A bucket's upper end may pass the exact max: never show more. */
	if (w.p50 > w.max)
		w.p50 = w.max;
	if (w.p99 > w.max)
		w.p99 = w.max;
	return w;
}

double replay_report_jain(const struct replay_machine *m, const struct replay_result *r)
{
	double sum = 0, sq = 0;
	uint32_t i, n = 0;

	for (i = 0; i < m->nr_tasks; i++) {
		const struct replay_task_result *t = &r->tasks[i];
		double x;

		if (!t->runnable_ns)
			continue;
		x = (double)t->cpu_ns / (double)t->runnable_ns / (double)m->weights[i];
		sum += x;
		sq += x * x;
		n++;
	}
	return n && sq > 0 ? sum * sum / ((double)n * sq) : 0;
}

static uint64_t migrations_of(const struct replay_result *r, const struct replay_machine *m,
			      const struct task_set *s)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < r->nr_tasks; i++)
		if (in_set(m, i, s))
			n += r->tasks[i].nr_migrations;
	return n;
}

/* Whether a column has figures: it ran to the end or to its time limit. */
static bool has_figures(const struct replay_result *r)
{
	return r->status == REPLAY_OK || r->status == REPLAY_UNFINISHED;
}

/* The comms of m's tasks, each once, sorted. */
static const char **comms_of(const struct replay_machine *m, uint32_t *n)
{
	const char **v = calloc(m->nr_tasks ? m->nr_tasks : 1, sizeof(*v));
	uint32_t i, j;

	*n = 0;
	if (!v)
		return NULL;
	for (i = 0; i < m->nr_tasks; i++) {
		uint32_t at = 0;

		for (j = 0; j < *n && strcmp(v[j], m->comms[i]) < 0; j++)
			;
		at = j;
		if (at < *n && !strcmp(v[at], m->comms[i]))
			continue;
		memmove(v + at + 1, v + at, (*n - at) * sizeof(*v));
		v[at] = m->comms[i];
		(*n)++;
	}
	return v;
}

#define MAX_COLS 64

/* Wide enough for its name and its status ("crashed (SIGSEGV)"). */
static int col_width(const struct replay_report_in *in, unsigned int c)
{
	char buf[64];
	int w = (int)strlen(in->cols[c].name) + 2,
	    ws = (int)strlen(replay_status_text(&in->cols[c].res, buf, sizeof(buf))) + 2;

	if (ws > w)
		w = ws;
	return w < 14 ? 14 : w;
}

static void put_row(FILE *out, const struct replay_report_in *in, const char *label,
		    char cells[][32])
{
	unsigned int c;

	fprintf(out, "%-26s", label);
	for (c = 0; c < in->nr_cols; c++)
		fprintf(out, "%*s", col_width(in, c), cells[c]);
	fputc('\n', out);
}

/* The rows of wait figures (p50, p99, max) over set s. */
static void put_waits(FILE *out, const struct replay_report_in *in, const char *what,
		      const struct task_set *s)
{
	static const char *const name[3] = { "p50", "p99", "max" };
	char cells[MAX_COLS][32], label[64];
	unsigned int c, k;

	for (k = 0; k < 3; k++) {
		for (c = 0; c < in->nr_cols; c++) {
			const struct replay_result *r = &in->cols[c].res;
			struct wait_figures w;

			if (!has_figures(r)) {
				snprintf(cells[c], sizeof(cells[c]), "-");
				continue;
			}
			w = waits_of(in->m, r, s);
			if (!w.n)
				snprintf(cells[c], sizeof(cells[c]), "-");
			else
				duration_text(k == 0 ? w.p50 : k == 1 ? w.p99 : w.max, cells[c], sizeof(cells[c]));
		}
		snprintf(label, sizeof(label), "%s %s", what, name[k]);
		put_row(out, in, label, cells);
	}
}

static const struct replay_task *pid_task(const struct replay_report_in *in, uint32_t *idx)
{
	const struct replay_machine *m = in->m;
	uint32_t i;

	for (i = 0; i < m->nr_tasks; i++) {
		if (m->trace->tasks[m->task_of[i]].pid == in->pid) {
			*idx = i;
			return &m->trace->tasks[m->task_of[i]];
		}
	}
	return NULL;
}

/* The recording's switches from one task to another, on average. */
static uint64_t switch_mean_ns(const struct replay_trace *t)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < t->nr_switches; i++)
		sum += t->switch_ns[i];
	return t->nr_switches ? sum / t->nr_switches : 0;
}

static int print_text(const struct replay_report_in *in, FILE *out)
{
	const struct replay_machine *m = in->m;
	const struct replay_trace *t = m->trace;
	const struct task_set all = { 0 };
	char cells[MAX_COLS][32], buf[64], label[64];
	const char **comms;
	uint32_t nr_comms, i, idx = 0;
	uint64_t nr_bursts = 0;
	unsigned int c;

	for (i = 0; i < m->nr_tasks; i++)
		nr_bursts += t->tasks[m->task_of[i]].nr_bursts;
	duration_text(t->end_ns, buf, sizeof(buf));
	fprintf(out, "replay of %s: %u CPU%s, %u tasks (%" PRIu64 " bursts), %s recorded\n",
		in->dump_path, t->nr_cpus, t->nr_cpus == 1 ? "" : "s", m->nr_tasks, nr_bursts, buf);
	if (in->tick_hz)
		fprintf(out, "  slices end on the kernel's tick: %u Hz (%s)\n", in->tick_hz,
			in->tick_recorded ? "recorded" : "--tick");
	else
		fprintf(out, "  slices end exactly: %s\n",
			in->tick_recorded ? "the recording has no tick rate" : "--tick none");
	if (m->nr_deps)
		fprintf(out, "  wake-ups following their waker's burst: %u\n", m->nr_deps);
	if (t->nr_host_sched_runs)
		fprintf(out, "  the host's scheduling thread: %" PRIu64 " runs recorded, %zu of them "
			"begun on an idle CPU\n", t->nr_host_sched_runs, t->nr_host_idle_runs);
	if (t->nr_idle_wakeups_fast)
		fprintf(out, "  BPF's idle fast path: %" PRIu64 " of %" PRIu64 " wake-ups that found a CPU "
			"idle (%.0f %%)\n", t->nr_idle_wakeups_fast, t->nr_idle_wakeups,
			100.0 * (double)t->nr_idle_wakeups_fast / (double)t->nr_idle_wakeups);
	if (t->nr_switches) {
		duration_text(switch_mean_ns(t), buf, sizeof(buf));
		fprintf(out, "  a CPU's switch from one task to another: %zu recorded, %s on average\n",
			t->nr_switches, buf);
	}
	if (t->nr_truncated || t->nr_unfinished || t->nr_inconsistent || t->nr_tasks > m->nr_tasks)
		fprintf(out, "  recording: tasks begun before it %" PRIu64 ", runnable at its end %"
			PRIu64 ", events out of order %" PRIu64 ", tasks without CPU time %u\n",
			t->nr_truncated, t->nr_unfinished, t->nr_inconsistent,
			t->nr_tasks - m->nr_tasks);
	fputc('\n', out);

	for (c = 0; c < in->nr_cols; c++)
		snprintf(cells[c], sizeof(cells[c]), "%s", in->cols[c].name);
	put_row(out, in, "", cells);
	for (c = 0; c < in->nr_cols; c++)
		snprintf(cells[c], sizeof(cells[c]), "%s",
			 c ? replay_status_text(&in->cols[c].res, buf, sizeof(buf)) : "recorded");
	put_row(out, in, "status", cells);
	for (c = 0; c < in->nr_cols; c++) {
		if (has_figures(&in->cols[c].res))
			duration_text(in->cols[c].res.makespan_ns, cells[c], sizeof(cells[c]));
		else
			snprintf(cells[c], sizeof(cells[c]), "-");
	}
	put_row(out, in, "makespan", cells);
	put_waits(out, in, "wait", &all);
	for (c = 0; c < in->nr_cols; c++) {
		if (has_figures(&in->cols[c].res))
			snprintf(cells[c], sizeof(cells[c]), "%.4f",
				 replay_report_jain(m, &in->cols[c].res));
		else
			snprintf(cells[c], sizeof(cells[c]), "-");
	}
	put_row(out, in, "fairness (Jain)", cells);
	for (c = 0; c < in->nr_cols; c++) {
		if (has_figures(&in->cols[c].res))
			snprintf(cells[c], sizeof(cells[c]), "%" PRIu64,
				 migrations_of(&in->cols[c].res, m, &all));
		else
			snprintf(cells[c], sizeof(cells[c]), "-");
	}
	put_row(out, in, "migrations", cells);
	for (c = 0; c < in->nr_cols; c++) {
		if (has_figures(&in->cols[c].res))
			snprintf(cells[c], sizeof(cells[c]), "%" PRIu64, in->cols[c].res.nr_decisions);
		else
			snprintf(cells[c], sizeof(cells[c]), "-");
	}
	put_row(out, in, "decisions", cells);
	if (in->cpu_time) {
		for (c = 0; c < in->nr_cols; c++) {
			const struct replay_result *r = &in->cols[c].res;

			if (c && r->status == REPLAY_OK && r->nr_decisions)
				duration_text(r->cpu_time_ns / r->nr_decisions, cells[c], sizeof(cells[c]));
			else
				snprintf(cells[c], sizeof(cells[c]), "-");
		}
		put_row(out, in, "CPU per decision (wall)", cells);
	}

	comms = comms_of(m, &nr_comms);
	if (!comms)
		return -1;
	for (i = 0; i < nr_comms; i++) {
		struct task_set s = { .comm = comms[i] };

		fputc('\n', out);
		snprintf(label, sizeof(label), "%.16s wait", comms[i]);
		put_waits(out, in, label, &s);
	}
	free(comms);

	if (in->by_pid) {
		const struct replay_task *k = pid_task(in, &idx);
		struct task_set s = { .by_pid = true, .pid = in->pid };

		fputc('\n', out);
		if (!k) {
			fprintf(out, "task %d: not in the replay (no CPU time recorded)\n", in->pid);
		} else {
			snprintf(label, sizeof(label), "task %d (%.16s)", k->pid, in->m->comms[idx]);
			fprintf(out, "%s: weight %u, %u bursts\n", label, k->weight, k->nr_bursts);
			for (c = 0; c < in->nr_cols; c++) {
				const struct replay_result *r = &in->cols[c].res;

				if (has_figures(r) && r->tasks[idx].runnable_ns)
					snprintf(cells[c], sizeof(cells[c]), "%.1f%%",
						 100.0 * (double)r->tasks[idx].cpu_ns /
						 (double)r->tasks[idx].runnable_ns);
				else
					snprintf(cells[c], sizeof(cells[c]), "-");
			}
			put_row(out, in, "  ran while runnable", cells);
			for (c = 0; c < in->nr_cols; c++) {
				const struct replay_result *r = &in->cols[c].res;

				if (has_figures(r) && r->tasks[idx].end_ns)
					duration_text(r->tasks[idx].end_ns, cells[c], sizeof(cells[c]));
				else
					snprintf(cells[c], sizeof(cells[c]), "-");
			}
			put_row(out, in, "  last burst ended", cells);
			put_waits(out, in, "  wait", &s);
			for (c = 0; c < in->nr_cols; c++) {
				const struct replay_result *r = &in->cols[c].res;

				if (has_figures(r))
					snprintf(cells[c], sizeof(cells[c]), "%" PRIu64,
						 r->tasks[idx].nr_migrations);
				else
					snprintf(cells[c], sizeof(cells[c]), "-");
			}
			put_row(out, in, "  migrations", cells);
		}
	}
	return fflush(out) || ferror(out) ? -1 : 0;
}

static cJSON *json_waits(const struct replay_machine *m, const struct replay_result *r,
			 const struct task_set *s)
{
	struct wait_figures w = waits_of(m, r, s);
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "n", (double)w.n);
	cJSON_AddNumberToObject(o, "p50", (double)w.p50);
	cJSON_AddNumberToObject(o, "p99", (double)w.p99);
	cJSON_AddNumberToObject(o, "max", (double)w.max);
	return o;
}

static cJSON *json_column(const struct replay_report_in *in, unsigned int c, const char **comms,
			  uint32_t nr_comms)
{
	const struct replay_result *r = &in->cols[c].res;
	const struct task_set all = { 0 };
	cJSON *o = cJSON_CreateObject(), *per;
	char buf[64];
	uint32_t i, idx;

	cJSON_AddStringToObject(o, "name", in->cols[c].name);
	cJSON_AddStringToObject(o, "status", c ? replay_status_text(r, buf, sizeof(buf)) : "recorded");
	if (c && r->status != REPLAY_OK && *r->message)
		cJSON_AddStringToObject(o, "message", r->message);
	if (!has_figures(r))
		return o;
	cJSON_AddNumberToObject(o, "makespan_ns", (double)r->makespan_ns);
	cJSON_AddItemToObject(o, "wait_ns", json_waits(in->m, r, &all));
	cJSON_AddNumberToObject(o, "jain", replay_report_jain(in->m, r));
	cJSON_AddNumberToObject(o, "migrations", (double)migrations_of(r, in->m, &all));
	cJSON_AddNumberToObject(o, "decisions", (double)r->nr_decisions);
	if (c)
		cJSON_AddNumberToObject(o, "kernel_decisions", (double)r->nr_by_kernel);
	if (in->cpu_time && c && r->nr_decisions)
		cJSON_AddNumberToObject(o, "cpu_ns_per_decision",
					(double)(r->cpu_time_ns / r->nr_decisions));
	per = cJSON_AddObjectToObject(o, "comms");
	for (i = 0; i < nr_comms; i++) {
		struct task_set s = { .comm = comms[i] };

		cJSON_AddItemToObject(per, comms[i], json_waits(in->m, r, &s));
	}
	if (in->by_pid && pid_task(in, &idx)) {
		struct task_set s = { .by_pid = true, .pid = in->pid };
		cJSON *t = cJSON_AddObjectToObject(o, "task");

		cJSON_AddNumberToObject(t, "pid", in->pid);
		cJSON_AddNumberToObject(t, "cpu_ns", (double)r->tasks[idx].cpu_ns);
		cJSON_AddNumberToObject(t, "runnable_ns", (double)r->tasks[idx].runnable_ns);
		cJSON_AddNumberToObject(t, "end_ns", (double)r->tasks[idx].end_ns);
		cJSON_AddNumberToObject(t, "migrations", (double)r->tasks[idx].nr_migrations);
		cJSON_AddItemToObject(t, "wait_ns", json_waits(in->m, r, &s));
	}
	return o;
}

static int print_json(const struct replay_report_in *in, FILE *out)
{
	const struct replay_trace *t = in->m->trace;
	cJSON *root = cJSON_CreateObject(), *cols;
	const char **comms;
	uint32_t nr_comms;
	unsigned int c;
	char *s;
	int ret;

	comms = comms_of(in->m, &nr_comms);
	if (!root || !comms) {
		cJSON_Delete(root);
		free(comms);
		errno = ENOMEM;
		return -1;
	}
	cJSON_AddStringToObject(root, "dump", in->dump_path);
	cJSON_AddNumberToObject(root, "cpus", t->nr_cpus);
	cJSON_AddNumberToObject(root, "tasks", in->m->nr_tasks);
	cJSON_AddNumberToObject(root, "recorded_ns", (double)t->end_ns);
	cJSON_AddNumberToObject(root, "tick_hz", in->tick_hz);
	cJSON_AddNumberToObject(root, "waker_wakeups", in->m->nr_deps);
	cJSON_AddNumberToObject(root, "host_sched_runs", (double)t->nr_host_sched_runs);
	cJSON_AddNumberToObject(root, "host_idle_runs", (double)t->nr_host_idle_runs);
	cJSON_AddNumberToObject(root, "idle_wakeups", (double)t->nr_idle_wakeups);
	cJSON_AddNumberToObject(root, "idle_wakeups_fast", (double)t->nr_idle_wakeups_fast);
	cJSON_AddNumberToObject(root, "switches", (double)t->nr_switches);
	cJSON_AddNumberToObject(root, "switch_mean_ns", (double)switch_mean_ns(t));
	cJSON_AddNumberToObject(root, "truncated_tasks", (double)t->nr_truncated);
	cJSON_AddNumberToObject(root, "unfinished_tasks", (double)t->nr_unfinished);
	cJSON_AddNumberToObject(root, "inconsistent_events", (double)t->nr_inconsistent);
	cols = cJSON_AddArrayToObject(root, "columns");
	for (c = 0; c < in->nr_cols; c++)
		cJSON_AddItemToArray(cols, json_column(in, c, comms, nr_comms));
	free(comms);
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	fprintf(out, "%s\n", s);
	free(s);
	ret = fflush(out) || ferror(out) ? -1 : 0;
	return ret;
}

int replay_report_print(const struct replay_report_in *in, bool json, FILE *out)
{
	if (in->nr_cols > MAX_COLS) {
		errno = E2BIG;
		return -1;
	}
	return json ? print_json(in, out) : print_text(in, out);
}

static bool have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char dir[4096], exe[4200];
	const char *p = path, *end;

	while (p && *p) {
		end = strchr(p, ':');
		snprintf(dir, sizeof(dir), "%.*s", end ? (int)(end - p) : (int)strlen(p), p);
		snprintf(exe, sizeof(exe), "%s/gnuplot", *dir ? dir : ".");
		if (!access(exe, X_OK))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* The CDF of column r's waits over every task: bucket ends (us) and
 * the fraction of waits at or below. */
static int write_cdf(const char *path, const struct replay_machine *m, const struct replay_result *r)
{
	uint32_t hist[WAIT_HIST_BUCKETS] = { 0 };
	uint64_t n = 0, seen = 0;
	uint32_t i, b;
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	for (i = 0; i < m->nr_tasks; i++) {
		n += r->tasks[i].nr_waits;
		for (b = 0; b < WAIT_HIST_BUCKETS; b++)
			hist[b] += r->tasks[i].wait_hist[b];
	}
	for (b = 0; b < WAIT_HIST_BUCKETS && n; b++) {
		if (!hist[b])
			continue;
		seen += hist[b];
		fprintf(f, "%.4f %.6f\n", (double)wait_hist_upper(b) / 1e3 < 0.001 ? 0.001 :
			(double)wait_hist_upper(b) / 1e3, (double)seen / (double)n);
	}
	return fclose(f);
}

int replay_report_plot(const struct replay_report_in *in, const char *png)
{
	char dir[] = "/tmp/plugland-replay-XXXXXX", path[64], *script = NULL;
	size_t len = 0;
	FILE *s;
	unsigned int c, nr = 0;
	int ret = -1, status;
	pid_t pid;

	if (!have_gnuplot()) {
		fprintf(stderr, "plugland-replay: --plot %s: gnuplot is not installed: no plot written\n",
			png);
		return 1;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "plugland-replay: --plot: %s\n", strerror(errno));
		return -1;
	}
	s = open_memstream(&script, &len);
	if (!s)
		goto out;
	fprintf(s, "set terminal pngcairo size 1000,600 font 'sans,11'\nset output '%s'\n"
		"set title 'wait-to-run: %s' noenhanced\nset logscale x 10\nset grid\n"
		"set xlabel 'wait (us)'\nset ylabel 'fraction of waits <= x'\nset yrange [0:1.02]\n"
		"set key bottom right box opaque noenhanced\nplot ", png, in->dump_path);
	for (c = 0; c < in->nr_cols; c++) {
		if (!has_figures(&in->cols[c].res))
			continue;
		snprintf(path, sizeof(path), "%s/%u.dat", dir, c);
		if (write_cdf(path, in->m, &in->cols[c].res))
			goto out_close;
		fprintf(s, "%s'%s' using 1:2 with steps lw %d title '%s'", nr++ ? ", " : "", path,
			c ? 2 : 3, in->cols[c].name);
	}
	fputc('\n', s);
	if (fclose(s))
		goto out;
	s = NULL;
	snprintf(path, sizeof(path), "%s/plot.gp", dir);
	s = fopen(path, "w");
	if (!s || fputs(script, s) < 0 || fclose(s))
		goto out;
	s = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status))
		ret = 0;
	else
		fprintf(stderr, "plugland-replay: --plot %s: gnuplot failed\n", png);
	goto out;
out_close:
	fclose(s);
out:
	free(script);
	for (c = 0; c < in->nr_cols; c++) {
		snprintf(path, sizeof(path), "%s/%u.dat", dir, c);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/plot.gp", dir);
	unlink(path);
	rmdir(dir);
	return ret;
}

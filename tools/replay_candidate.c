// SPDX-License-Identifier: GPL-2.0
/*
 * Running one candidate of a replay in a forked child under a time limit
 * (replay_candidate.h). The child writes its result to a temporary file
 * and its messages to another; the parent reads both once the child is
 * gone, or kills it at the limit.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "config.h"
#include "host.h"
#include "policy_slot.h"
#include "replay_candidate.h"
#include "fail_msg.h"

int replay_candidate_parse(struct replay_candidate *c, const char *spec, char *err, size_t errlen)
{
	c->spec = spec;
	return policy_spec_parse(&c->p, spec, err, errlen);
}

static uint64_t cpu_time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The result of the machine after the run, for m's tasks. */
static void collect(const struct backend *machine, const struct replay_machine *m,
		    struct replay_result *res)
{
	const struct synth_stats *st = synth_backend_stats(machine);
	uint32_t i;

	res->nr_decisions = synth_decisions(st);
	res->nr_by_kernel = synth_by_kernel(st);
	res->status = st->nr_exited == m->nr_tasks ? REPLAY_OK : REPLAY_UNFINISHED;
	for (i = 0; i < m->nr_tasks; i++) {
		const struct synth_task_stats *ts = synth_backend_task(machine, i);
		struct replay_task_result *r = &res->tasks[i];

		r->cpu_ns = ts->runtime_ns;
		r->runnable_ns = ts->runtime_ns + ts->wait_sum_ns;
		r->nr_waits = ts->nr_dispatched;
		r->wait_sum_ns = ts->wait_sum_ns;
		r->wait_max_ns = ts->wait_max_ns;
		r->nr_migrations = ts->nr_migrations;
		r->end_ns = ts->exited ? ts->exit_ns : 0;
		memcpy(r->wait_hist, ts->wait_hist, sizeof(r->wait_hist));
		if (r->end_ns > res->makespan_ns)
			res->makespan_ns = r->end_ns;
	}
}

/* In the child: the host with the candidate on the recording's machine.
 * The exit status: 0 (the result written), 2 refused, 1 otherwise. */
static int child_run(const struct replay_candidate *c, struct replay_machine *m,
		     const struct replay_run_opts *o, FILE *out)
{
	static volatile sig_atomic_t stop, reload;
	struct synth_opts so = { .slice_ns = o->slice_ns, .max_ns = o->max_sim_ns,
				 .tick_ns = o->tick_hz ? 1000000000ull / o->tick_hz : 0 };
	struct replay_result res = { .nr_tasks = m->nr_tasks };
	struct config *cfg = calloc(1, sizeof(*cfg));
	struct host *h = calloc(1, sizeof(*h));
	struct backend *machine;
	uint64_t t0 = cpu_time_ns();
	char err[1024];
	unsigned int i;
	int ret;

	res.tasks = calloc(m->nr_tasks, sizeof(*res.tasks));
	if (!cfg || !h || !res.tasks)
		return 1;
	config_defaults(cfg);
	snprintf(cfg->plugin_dir, sizeof(cfg->plugin_dir), "%s", o->plugin_dir);
	snprintf(cfg->policy, sizeof(cfg->policy), "%s", c->p.policy);
	cfg->strict = true;		/* no fifo in its place */
	cfg->watchdog_ms = 0;		/* a stuck policy is hung, not replaced */
	cfg->control_socket[0] = 0;
	cfg->debug = false;
	if (o->slice_ns)
		cfg->slice_us = o->slice_ns / 1000;
	for (i = 0; i < c->p.nr_settings; i++) {
		/* "POLICY.bpf.KEY=VALUE": the host's [bpf] KEY, not the policy's */
		const char *set = c->p.settings[i], *own = set + strlen(c->p.policy) + 1;

		if (!strncmp(own, "bpf.", 4))
			set = own;
		if (config_set(cfg, set, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
	}
	if (config_check_sections(cfg, plugin_exists, cfg->plugin_dir, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	so.slice_ns = cfg->slice_us * 1000;
	replay_machine_opts(m, &so);
	machine = synth_backend_new(&so);
	if (!machine) {
		fprintf(stderr, "the simulated machine: %s\n", strerror(errno));
		return 1;
	}
	ret = host_open(h, &(struct host_opts){ .cfg = cfg, .machine = machine, .stop = &stop,
						.reload = &reload });
	if (ret)
		return ret == 2 ? 2 : 1;
	ret = host_run(h);
	host_close(h);
	if (ret)
		return 1;
	collect(machine, m, &res);
	res.cpu_time_ns = cpu_time_ns() - t0;
	synth_backend_free(machine);
	if (fwrite(&res, sizeof(res), 1, out) != 1 ||
	    fwrite(res.tasks, sizeof(*res.tasks), m->nr_tasks, out) != m->nr_tasks || fflush(out))
		return 1;
	return 0;
}

/* The last non-empty line of f, into buf. */
static void last_line(FILE *f, char *buf, size_t len)
{
	char line[1024];

	*buf = 0;
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (*line)
			snprintf(buf, len, "%.*s", (int)(len - 1), line);
	}
}

/* Copy f (the child's messages) to stderr, each line prefixed. */
static void relay(FILE *f, const char *spec)
{
	char line[1024];

	rewind(f);
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "plugland-replay: %s: %s%s", spec, line,
			strchr(line, '\n') ? "" : "\n");
}

/* Wait for the child until the time limit, then kill it. True: it ended
 * by itself (*status set). */
static bool wait_child(pid_t pid, unsigned int timeout_s, int *status)
{
	struct timespec step = { .tv_nsec = 2000000 }, now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_s;
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid || (w < 0 && errno != EINTR))
			return w == pid;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		nanosleep(&step, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return false;
}

int replay_candidate_run(const struct replay_candidate *c, struct replay_machine *m,
			 const struct replay_run_opts *o, struct replay_result *res, char *err,
			 size_t errlen)
{
	FILE *out = tmpfile(), *msgs = tmpfile();
	struct replay_result got;
	int status = 0;
	bool ended;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->nr_tasks = m->nr_tasks;
	res->tasks = calloc(m->nr_tasks, sizeof(*res->tasks));
	if (!out || !msgs || !res->tasks) {
		if (out)
			fclose(out);
		if (msgs)
			fclose(msgs);
		free(res->tasks);
		return fail_msg(err, errlen, "%s: temporary files: %s", c->spec, strerror(errno));
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fclose(out);
		fclose(msgs);
		free(res->tasks);
		return fail_msg(err, errlen, "%s: fork: %s", c->spec, strerror(errno));
	}
	if (pid == 0) {
		/* Everything it says is kept for the parent; stdout stays the report's. */
		dup2(fileno(msgs), 1);
		dup2(fileno(msgs), 2);
		_exit(child_run(c, m, o, out));
	}
	ended = wait_child(pid, o->timeout_s, &status);
	last_line(msgs, res->message, sizeof(res->message));
	if (!ended) {
		res->status = REPLAY_HUNG;
	} else if (WIFSIGNALED(status)) {
		res->status = REPLAY_CRASHED;
		res->signal = WTERMSIG(status);
	} else if (WEXITSTATUS(status) == 2) {
		res->status = REPLAY_REFUSED;
		res->exit_code = 2;
	} else if (WEXITSTATUS(status)) {
		res->status = REPLAY_FAILED;
		res->exit_code = WEXITSTATUS(status);
	} else {
		rewind(out);
		if (fread(&got, sizeof(got), 1, out) != 1 || got.nr_tasks != m->nr_tasks ||
		    fread(res->tasks, sizeof(*res->tasks), m->nr_tasks, out) != m->nr_tasks) {
			res->status = REPLAY_FAILED;
			snprintf(res->message, sizeof(res->message), "no result from the child");
		} else {
			got.tasks = res->tasks;
			*res = got;
		}
	}
	if (res->status != REPLAY_OK && res->status != REPLAY_REFUSED)
		relay(msgs, c->spec);
	fclose(out);
	fclose(msgs);
	return 0;
}

int replay_result_of_recording(const struct replay_machine *m, struct replay_result *res)
{
	const struct replay_trace *t = m->trace;
	uint32_t i;

	memset(res, 0, sizeof(*res));
	res->nr_tasks = m->nr_tasks;
	res->tasks = calloc(m->nr_tasks, sizeof(*res->tasks));
	if (!res->tasks)
		return -1;
	res->nr_decisions = t->nr_decisions;
	for (i = 0; i < m->nr_tasks; i++) {
		const struct replay_task *k = &t->tasks[m->task_of[i]];
		struct replay_task_result *r = &res->tasks[i];

		r->cpu_ns = k->cpu_ns;
		r->runnable_ns = k->runnable_ns;
		r->nr_waits = k->nr_waits;
		r->wait_sum_ns = k->wait_sum_ns;
		r->wait_max_ns = k->wait_max_ns;
		r->nr_migrations = k->nr_migrations;
		r->end_ns = k->bursts[k->nr_bursts - 1].end_ns;
		memcpy(r->wait_hist, k->wait_hist, sizeof(r->wait_hist));
		if (r->end_ns > res->makespan_ns)
			res->makespan_ns = r->end_ns;
	}
	return 0;
}

void replay_result_free(struct replay_result *res)
{
	free(res->tasks);
	res->tasks = NULL;
}

const char *replay_status_text(const struct replay_result *res, char *buf, size_t len)
{
	switch (res->status) {
	case REPLAY_OK:
		return "ok";
	case REPLAY_UNFINISHED:
		return "unfinished";
	case REPLAY_CRASHED:
		snprintf(buf, len, "crashed (SIG%s)", sigabbrev_np(res->signal) ?
			 sigabbrev_np(res->signal) : "?");
		return buf;
	case REPLAY_HUNG:
		return "hung";
	case REPLAY_REFUSED:
		return "refused";
	case REPLAY_FAILED:
		snprintf(buf, len, "failed (exit %d)", res->exit_code);
		return buf;
	}
	return "?";
}

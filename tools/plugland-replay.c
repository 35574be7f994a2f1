// SPDX-License-Identifier: GPL-2.0
/*
 * plugland-replay: a recording (a decision dump with task events) replayed
 * through candidate policies on a simulated machine of its size, each in
 * a child of its own under a time limit, and compared side by side with
 * the recording. docs/policy-lab.md, "Recording and replaying".
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "build_tree.h"
#include "config.h"
#include "decision_dump.h"
#include "policy_slot.h"
#include "replay_candidate.h"
#include "replay_machine.h"
#include "replay_report.h"
#include "replay_trace.h"

#ifndef PLUGLAND_VERSION
#define PLUGLAND_VERSION "dev"
#endif

#define MAX_CANDIDATES 16
#define DEFAULT_TIMEOUT_S 60
/* A replay that has not ended by this many times the recording's span
 * (plus a minute) is reported unfinished: a policy that starves tasks. */
#define SIM_TIME_FACTOR 100
#define SIM_TIME_EXTRA_NS 60000000000ull

static const char *dump_path; /* for the SIGBUS message */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: plugland-replay DUMP -p POLICY [-p POLICY@KEY=VALUE[,KEY=VALUE...] ...]\n"
		"                       [--json] [--plot FILE.png] [--pid PID]\n"
		"Replay a recording (a decision dump with task events) through each policy on a\n"
		"simulated machine of the recorded size, and compare them with the recording.\n"
		"\n"
		"  -p, --policy SPEC     a candidate: a policy, and settings of its ini section\n"
		"                        (deadline@slice_us=3000) or of the host's [bpf]\n"
		"                        (fifo@bpf.local_queues=false); once per candidate, up\n"
		"                        to %d\n"
		"      --json            the comparison as one JSON object\n"
		"      --plot FILE       wait-time CDFs as a PNG (needs gnuplot)\n"
		"      --pid PID         that task's figures too\n"
		"      --timeout SECS    a candidate's limit in wall-clock seconds (default %d);\n"
		"                        one still running then is reported as hung\n"
		"      --plugin-dir DIR  where the policies are (default: the build tree's, or\n"
		"                        %s)\n"
		"      --cpu-time        the candidates' CPU time per decision: wall-clock, not\n"
		"                        deterministic, unlike every other figure\n"
		"      --wakeups MODE    waker (default): a wake-up by a recorded waker comes when\n"
		"                        the waker's burst ends in the replay; recorded: the\n"
		"                        recorded sleep after the wakee's previous burst\n"
		"      --latency MODE    recorded (default): a task reaches the policy, an idle\n"
		"                        CPU runs what it is given, a CPU goes from one task to\n"
		"                        the next, and the host's thread takes a busy CPU from\n"
		"                        its task, as late, as often and as long as on the\n"
		"                        recorded machine (drawn from the recording's);\n"
		"                        none: at once, as on a host that costs nothing\n"
		"      --tick HZ         the kernel tick a slice ends on: sched_ext ends a used-up\n"
		"                        slice at the next tick (default: the rate the dump\n"
		"                        recorded; none: slices end exactly)\n"
		"  -h, --help            this help\n"
		"  -V, --version         print the version and exit\n"
		"\n"
		"Exit status: 0 every candidate ran to the end, 1 one crashed, hung or did not\n"
		"finish, 2 bad usage, a file that is not a dump with task events, an unknown\n"
		"policy or a refused setting.\n", MAX_CANDIDATES, DEFAULT_TIMEOUT_S,
		PLUGLAND_PLUGIN_DIR);
}

static void on_sigbus(int sig)
{
	static const char msg[] = ": truncated while being read\n";

	(void)sig;
	if (write(2, "plugland-replay: ", 17) < 0 ||
	    write(2, dump_path, strlen(dump_path)) < 0 || write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(2);
}

/* The build tree's plugins when run from there (build_tree.h), else the
 * installed ones. */
static void default_plugin_dir(char *dir, size_t len)
{
	if (!build_tree_plugin_dir(dir, len))
		snprintf(dir, len, "%s", PLUGLAND_PLUGIN_DIR);
}

static bool parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return *s && *s != '-' && !*end && !errno && *out >= lo && *out <= hi;
}

int main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_PLOT, OPT_PID, OPT_TIMEOUT, OPT_PLUGIN_DIR, OPT_CPU_TIME,
	       OPT_WAKEUPS, OPT_LATENCY, OPT_TICK };
	static const struct option long_opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
		{ "cpu-time", no_argument, NULL, OPT_CPU_TIME },
		{ "wakeups", required_argument, NULL, OPT_WAKEUPS },
		{ "latency", required_argument, NULL, OPT_LATENCY },
		{ "tick", required_argument, NULL, OPT_TICK },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	static struct replay_candidate cands[MAX_CANDIDATES];
	static struct replay_column cols[MAX_CANDIDATES + 1];
	struct sigaction sa = { .sa_handler = on_sigbus };
	struct replay_run_opts ro = { .timeout_s = DEFAULT_TIMEOUT_S };
	struct replay_report_in in = { .cols = cols };
	char plugin_dir[256], err[1024];
	const char *plot = NULL;
	unsigned int nr_cands = 0, i;
	struct decision_dump d;
	struct replay_trace trace;
	struct replay_machine m;
	enum replay_wake_mode wake = REPLAY_WAKE_BY_WAKER;
	bool json = false, failed = false, latency = true, tick_given = false;
	unsigned long v;
	int opt, ret = 0;

	default_plugin_dir(plugin_dir, sizeof(plugin_dir));
	while ((opt = getopt_long(argc, argv, "p:hV", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (nr_cands == MAX_CANDIDATES) {
				fprintf(stderr, "plugland-replay: -p %s: at most %d candidates\n", optarg,
					MAX_CANDIDATES);
				return 2;
			}
			if (replay_candidate_parse(&cands[nr_cands], optarg, err, sizeof(err))) {
				fprintf(stderr, "plugland-replay: -p '%s': %s\n", optarg, err);
				return 2;
			}
			nr_cands++;
			break;
		case OPT_JSON: json = true; break;
		case OPT_PLOT: plot = optarg; break;
		case OPT_PID:
			if (!parse_uint(optarg, 1, INT32_MAX, &v)) {
				fprintf(stderr, "plugland-replay: --pid: expected a pid, got '%s'\n", optarg);
				return 2;
			}
			in.by_pid = true;
			in.pid = (int32_t)v;
			break;
		case OPT_TIMEOUT:
			if (!parse_uint(optarg, 1, 86400, &v)) {
				fprintf(stderr, "plugland-replay: --timeout: expected 1..86400 seconds, "
					"got '%s'\n", optarg);
				return 2;
			}
			ro.timeout_s = (unsigned int)v;
			break;
		case OPT_PLUGIN_DIR:
			if (strlen(optarg) >= sizeof(plugin_dir)) {
				fprintf(stderr, "plugland-replay: --plugin-dir: too long\n");
				return 2;
			}
			snprintf(plugin_dir, sizeof(plugin_dir), "%s", optarg);
			break;
		case OPT_CPU_TIME: in.cpu_time = true; break;
		case OPT_WAKEUPS:
			if (!strcmp(optarg, "waker")) {
				wake = REPLAY_WAKE_BY_WAKER;
			} else if (!strcmp(optarg, "recorded")) {
				wake = REPLAY_WAKE_AS_RECORDED;
			} else {
				fprintf(stderr, "plugland-replay: --wakeups: expected waker or recorded, "
					"got '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_LATENCY:
			if (!strcmp(optarg, "recorded") || !strcmp(optarg, "none")) {
				latency = !strcmp(optarg, "recorded");
			} else {
				fprintf(stderr, "plugland-replay: --latency: expected recorded or none, "
					"got '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_TICK:
			if (!strcmp(optarg, "none")) {
				v = 0;
			} else if (!parse_uint(optarg, 10, 10000, &v)) {
				fprintf(stderr, "plugland-replay: --tick: expected a rate in Hz (10..10000) "
					"or none, got '%s'\n", optarg);
				return 2;
			}
			ro.tick_hz = (uint32_t)v;
			tick_given = true;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("plugland-replay %s (dump formats %d to %d)\n", PLUGLAND_VERSION,
				 DUMP_MIN_VERSION, DUMP_VERSION);
			return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "plugland-replay: expected %s dump FILE (see --help)\n",
			optind == argc ? "a" : "one");
		return 2;
	}
	if (!nr_cands) {
		fprintf(stderr, "plugland-replay: expected at least one -p POLICY (see --help)\n");
		return 2;
	}
	for (i = 0; i < nr_cands; i++) {
		if (!plugin_exists(cands[i].p.policy, plugin_dir)) {
			fprintf(stderr, "plugland-replay: -p %s: no policy '%s' in %s\n", cands[i].spec,
				cands[i].p.policy, plugin_dir);
			return 2;
		}
	}
	dump_path = argv[optind];
	sigaction(SIGBUS, &sa, NULL);
	if (decision_dump_open(dump_path, &d, err, sizeof(err))) {
		fprintf(stderr, "plugland-replay: %s: %s\n", dump_path, err);
		return 2;
	}
	if (replay_trace_from_dump(&trace, &d, err, sizeof(err))) {
		fprintf(stderr, "plugland-replay: %s: %s\n", dump_path, err);
		decision_dump_close(&d);
		return 2;
	}
	ro.slice_ns = d.default_slice_ns;
	if (!tick_given)
		ro.tick_hz = d.kernel_hz;
	in.tick_hz = ro.tick_hz;
	in.tick_recorded = !tick_given;
	decision_dump_close(&d);
	if (replay_machine_init(&m, &trace, wake, err, sizeof(err))) {
		fprintf(stderr, "plugland-replay: %s: %s\n", dump_path, err);
		replay_trace_free(&trace);
		return 2;
	}
	m.latency &= latency;
	ro.plugin_dir = plugin_dir;
	ro.max_sim_ns = trace.end_ns * SIM_TIME_FACTOR + SIM_TIME_EXTRA_NS;

	cols[0].name = "recording";
	if (replay_result_of_recording(&m, &cols[0].res)) {
		fprintf(stderr, "plugland-replay: out of memory\n");
		ret = 1;
		goto out;
	}
	in.nr_cols = 1;
	for (i = 0; i < nr_cands; i++) {
		struct replay_column *c = &cols[in.nr_cols];

		c->name = cands[i].spec;
		if (replay_candidate_run(&cands[i], &m, &ro, &c->res, err, sizeof(err))) {
			fprintf(stderr, "plugland-replay: %s\n", err);
			ret = 1;
			goto out;
		}
		in.nr_cols++;
		if (c->res.status == REPLAY_REFUSED) {
			fprintf(stderr, "plugland-replay: -p %s: %s\n", c->name,
				*c->res.message ? c->res.message : "refused");
			ret = 2;
			goto out;
		}
		failed |= c->res.status != REPLAY_OK;
	}
	in.dump_path = dump_path;
	in.m = &m;
	if (replay_report_print(&in, json, stdout)) {
		fprintf(stderr, "plugland-replay: writing the output: %s\n", strerror(errno));
		ret = 1;
		goto out;
	}
	if (plot && replay_report_plot(&in, plot) < 0)
		failed = true;
	ret = failed ? 1 : 0;
out:
	for (i = 0; i < in.nr_cols; i++)
		replay_result_free(&cols[i].res);
	replay_machine_fini(&m);
	replay_trace_free(&trace);
	return ret;
}

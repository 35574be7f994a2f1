// SPDX-License-Identifier: GPL-2.0
/*
 * plugland-dump: reads a decision dump (a debug log file of scx_plugland,
 * or a "dump now" snapshot) and prints a summary, CSV, JSON lines or a
 * Perfetto trace. A file that is not a sound dump gets one line naming
 * it and what is wrong, and exit status 2.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "decision_dump.h"
#include "dump_output.h"

#ifndef PLUGLAND_VERSION
#define PLUGLAND_VERSION "dev"
#endif

static const char *dump_path; /* for the SIGBUS message */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: plugland-dump [OPTIONS] FILE\n"
		"Read a decision dump written by scx_plugland (docs/decision-dump.md).\n"
		"\n"
		"Without an output option it prints a summary: kernel, policy, CPUs, records,\n"
		"lost and dropped counts, clean or unclean end, time span, top tasks.\n"
		"\n"
		"Output:\n"
		"      --csv             the records as CSV, on stdout\n"
		"      --jsonl           the records as JSON lines, on stdout\n"
		"      --perfetto FILE   per-CPU timelines as Chrome trace event JSON, for\n"
		"                        ui.perfetto.dev ('-': stdout)\n"
		"      --shadow          where a shadow policy's decisions (scx_plugland --shadow)\n"
		"                        differed from the real ones, and what it would have\n"
		"                        given each task (--top N of them)\n"
		"      --top N           tasks in the summary (default 10; 0: none)\n"
		"      --events          task events too (runnable, running, ...): CSV and JSON\n"
		"                        lines gain a kind column, the summary counts per kind\n"
		"Filters (for every output):\n"
		"      --pid PID         decisions about this thread\n"
		"      --comm GLOB       ... whose command name matches GLOB ('kworker/*')\n"
		"      --cpu CPU         ... sent to this CPU (-1: any CPU)\n"
		"      --from SECS       ... made SECS seconds or more after the log started\n"
		"      --to SECS         ... made before SECS seconds after it started\n"
		"  -h, --help            this help\n"
		"  -V, --version         print the version and exit\n"
		"\n"
		"Exit status: 0 done, 1 the output could not be written, 2 bad usage or a\n"
		"file that is not a readable dump (truncated, corrupted, other version).\n");
}

/* The file shrank under our mapping: a message rather than a core dump. */
static void on_sigbus(int sig)
{
	static const char msg[] = ": truncated while being read\n";

	(void)sig;
	if (write(2, "plugland-dump: ", 15) < 0 ||
	    write(2, dump_path, strlen(dump_path)) < 0 || write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(2);
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return *s && !*end && !errno && *out >= lo && *out <= hi;
}

static bool parse_secs(const char *s, int64_t *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || fabs(v) > 9e9)
		return false;
	*ns = llround(v * 1e9);
	return true;
}

int main(int argc, char **argv)
{
	enum { OPT_CSV = 256, OPT_JSONL, OPT_PERFETTO, OPT_TOP, OPT_PID, OPT_COMM, OPT_CPU,
	       OPT_FROM, OPT_TO, OPT_EVENTS, OPT_SHADOW };
	static const struct option long_opts[] = {
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "jsonl", no_argument, NULL, OPT_JSONL },
		{ "perfetto", required_argument, NULL, OPT_PERFETTO },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "events", no_argument, NULL, OPT_EVENTS },
		{ "shadow", no_argument, NULL, OPT_SHADOW },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct sigaction sa = { .sa_handler = on_sigbus };
	struct dump_filter f = { 0 };
	const char *perfetto = NULL;
	bool csv = false, jsonl = false, shadow = false;
	struct decision_dump d;
	long top = 10, v;
	FILE *out;
	char err[512];
	int opt, ret = 0;

	while ((opt = getopt_long(argc, argv, "hV", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_CSV: csv = true; break;
		case OPT_JSONL: jsonl = true; break;
		case OPT_PERFETTO: perfetto = optarg; break;
		case OPT_TOP:
			if (!parse_long(optarg, 0, 1000, &top)) {
				fprintf(stderr, "plugland-dump: --top: expected 0..1000, got '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_PID:
			if (!parse_long(optarg, INT32_MIN, INT32_MAX, &v)) {
				fprintf(stderr, "plugland-dump: --pid: expected a number, got '%s'\n", optarg);
				return 2;
			}
			f.by_pid = true;
			f.pid = (int32_t)v;
			break;
		case OPT_COMM: f.comm_glob = optarg; break;
		case OPT_EVENTS: f.events = true; break;
		case OPT_SHADOW: shadow = true; break;
		case OPT_CPU:
			if (!parse_long(optarg, -1, DUMP_MAX_CPUS - 1, &v)) {
				fprintf(stderr, "plugland-dump: --cpu: expected -1..%d, got '%s'\n",
					DUMP_MAX_CPUS - 1, optarg);
				return 2;
			}
			f.by_cpu = true;
			f.cpu = (int32_t)v;
			break;
		case OPT_FROM:
		case OPT_TO:
			if (!parse_secs(optarg, opt == OPT_FROM ? &f.from_ns : &f.to_ns)) {
				fprintf(stderr, "plugland-dump: --%s: expected seconds, got '%s'\n",
					opt == OPT_FROM ? "from" : "to", optarg);
				return 2;
			}
			*(opt == OPT_FROM ? &f.by_from : &f.by_to) = true;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("plugland-dump %s (dump formats %d to %d)\n", PLUGLAND_VERSION,
			       DUMP_MIN_VERSION, DUMP_VERSION);
			return 0;
		default: usage(stderr); return 2;
		}
	}
	if (csv + jsonl + shadow + (perfetto && !strcmp(perfetto, "-")) > 1) {
		fprintf(stderr, "plugland-dump: --csv, --jsonl, --shadow and --perfetto - all write to "
			"stdout: pick one\n");
		return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "plugland-dump: expected %s dump FILE (see --help)\n",
			optind == argc ? "a" : "one");
		return 2;
	}
	dump_path = argv[optind];
	sigaction(SIGBUS, &sa, NULL);
	if (decision_dump_open(dump_path, &d, err, sizeof(err))) {
		fprintf(stderr, "plugland-dump: %s: %s\n", dump_path, err);
		return 2;
	}

	if (perfetto) {
		out = strcmp(perfetto, "-") ? fopen(perfetto, "w") : stdout;
		if (!out || dump_perfetto(out, &d, &f) || (out != stdout && fclose(out))) {
			fprintf(stderr, "plugland-dump: %s: %s\n", perfetto, strerror(errno));
			ret = 1;
		}
	}
	if (!ret && (csv || jsonl || shadow || !perfetto)) {
		if (shadow)
			ret = dump_shadow(stdout, &d, &f, (unsigned int)top);
		else if (csv)
			ret = dump_csv(stdout, &d, &f);
		else if (jsonl)
			ret = dump_jsonl(stdout, &d, &f);
		else
			ret = dump_summary(stdout, &d, &f, (unsigned int)top);
		if (ret) {
			fprintf(stderr, "plugland-dump: writing the output: %s\n", strerror(errno));
			ret = 1;
		}
	}
	decision_dump_close(&d);
	return ret;
}

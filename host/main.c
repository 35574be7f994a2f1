// SPDX-License-Identifier: GPL-2.0
/*
 * scx_plugland: replaces the kernel's CPU scheduler with a sched_ext BPF
 * program whose decisions are made in user space by a policy plugin.
 *
 * main() is: arguments -> configuration -> checks (sched_ext, root) ->
 * the host (host.h): open, run, close. Its only state is what the signal
 * handlers set.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "build_tree.h"
#include "commands.h"
#include "host.h"
#include "config.h"
#include "config_watch.h"
#include "log.h"
#include "plugin_loader.h"
#include "services.h"
#include "policy_slot.h"
#include "policy_spec.h"
#include "ctl_client.h"
#include "workload.h"

#define SCX_STATE_PATH "/sys/kernel/sched_ext/state"
#define MAX_OVERRIDES 64


/* What the signal handlers set, for the host to read between rounds. */
static volatile sig_atomic_t stop, reload_req;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_req = 1;
	else
		stop = 1;
}

/* --simulate N at most: an hour of decisions at a million a second. */
#define SIMULATE_MAX 4000000000ull

/* Run from the build tree, its plugins are the default plugin folder
 * (build_tree.h); the config file and -P still choose. */
static void default_to_build_tree(struct config *cfg)
{
	build_tree_plugin_dir(cfg->plugin_dir, sizeof(cfg->plugin_dir));
}

/*
 * The shadow named at start (--shadow, [scheduler] shadow), tried before
 * anything is attached: loaded, its init() run with its own settings and
 * every one of them read, then let go. 0, or 2 with one line said.
 */
static int probe_shadow(const struct config *cfg, const struct policy_spec *p)
{
	static struct config c;
	static struct policy_slot slot;
	char err[1024], e[CONFIG_ESCAPED_MAX], e2[CONFIG_ESCAPED_MAX];
	unsigned int i;

	c = *cfg;
	for (i = 0; i < p->nr_settings; i++) {
		if (config_set(&c, p->settings[i], err, sizeof(err)))
			goto refused;
	}
	if (policy_slot_open(&slot, &c, p->policy, err, sizeof(err)))
		goto refused;
	policy_slot_close(&slot);
	return 0;
refused:
	if (cfg->shadow_line)
		pl_err("%s:%d: scheduler.shadow: '%s': %s", config_escape(cfg->path, e2, sizeof(e2)),
		       cfg->shadow_line, config_escape(cfg->shadow, e, sizeof(e)), err);
	else
		pl_err("--shadow %s: %s", config_escape(cfg->shadow, e, sizeof(e)), err);
	return 2;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: scx_plugland [OPTIONS]\n"
		"       scx_plugland ctl [--json] COMMAND    (control a running one; ctl --help)\n"
		"Replace the kernel's CPU scheduler with a user-space policy plugin (sched_ext).\n"
		"\n"
		"  -c, --config FILE     ini file (default: " PLUGLAND_CONF_FILE " if it exists)\n"
		"  -p, --policy NAME     policy to run (overrides [scheduler] policy)\n"
		"  -P, --plugin-dir DIR  where policy plugins are (overrides [scheduler] plugin_dir)\n"
		"      --set SEC.KEY=VAL override one setting of the ini file\n"
		"      --print-config    print the effective configuration and exit\n"
		"      --list-plugins    list the plugins found and whether they load\n"
		"      --shadow POLICY[@KEY=VALUE,...]\n"
		"                        run POLICY (with settings of its own) beside the\n"
		"                        policy on the same tasks, its decisions compared\n"
		"                        and logged, never applied (overrides [scheduler]\n"
		"                        shadow)\n"
		"      --simulate N      run the policy for N decisions on a simulated machine\n"
		"                        (no kernel support or root needed) and report\n"
		"      --workload FILE   with --simulate: the machine and tasks FILE describes\n"
		"                        (default: 4 CPUs, 16 CPU-bound tasks)\n"
		"      --json            with --simulate: the report as JSON\n"
		"  -s, --stats SECS      print the counters every SECS seconds\n"
		"  -v, --verbose         more messages; twice: libbpf debug output\n"
		"  -V, --version         print the version and exit\n"
		"  -h, --help            this help\n"
		"\n"
		"Runs until SIGINT (Ctrl-C) or SIGTERM, then gives the CPUs back to the kernel.\n");
}

/* One line and false when the kernel cannot run us. */
static bool sched_ext_usable(void)
{
	char state[32] = "";
	struct utsname u;
	FILE *f = fopen(SCX_STATE_PATH, "r");

	if (!f) {
		uname(&u);
		pl_err("this kernel (%s) has no sched_ext (CONFIG_SCHED_CLASS_EXT); "
		       "run 'make demo' to try plugland in a VM", u.release);
		return false;
	}
	if (!fgets(state, sizeof(state), f))
		state[0] = 0;
	fclose(f);
	state[strcspn(state, "\n")] = 0;
	if (strcmp(state, "disabled")) {
		pl_err("another sched_ext scheduler is active (state: %s)", state);
		return false;
	}
	return true;
}

/* What getopt_long() refused, escaped, then the usage. */
static void bad_option(const char *fmt, int argc, char **argv)
{
	char e[CONFIG_ESCAPED_MAX], shorts[3] = { '-', (char)optopt, 0 };
	const char *what = optopt > ' ' && optopt < 127 ? shorts :
			   optind > 0 && optind <= argc ? argv[optind - 1] : "?";

	pl_err(fmt, config_escape(what, e, sizeof(e)));
	usage(stderr);
}

int main(int argc, char **argv)
{
	enum { OPT_SET = 256, OPT_PRINT_CONFIG, OPT_LIST_PLUGINS, OPT_SIMULATE, OPT_WORKLOAD,
	       OPT_JSON, OPT_SHADOW };
	static const struct option long_opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'p' },
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "set", required_argument, NULL, OPT_SET },
		{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
		{ "list-plugins", no_argument, NULL, OPT_LIST_PLUGINS },
		{ "simulate", required_argument, NULL, OPT_SIMULATE },
		{ "shadow", required_argument, NULL, OPT_SHADOW },
		{ "workload", required_argument, NULL, OPT_WORKLOAD },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "stats", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static char override_buf[MAX_OVERRIDES][300];
	const char *config_path = NULL, *cli_policy = NULL, *overrides[MAX_OVERRIDES];
	const char *workload_path = NULL;
	static struct workload workload;
	bool report_json = false;
	unsigned int nr_overrides = 0, i;
	static struct config cfg;
	bool print_config = false, list = false;
	unsigned long long simulate_n = 0;
	unsigned int stats_secs = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	static struct policy_slot probe;
	static struct policy_spec shadow;
	static struct host host;
	struct config_watch *watch = NULL;
	char err[512], e[CONFIG_ESCAPED_MAX], e2[CONFIG_ESCAPED_MAX];
	int opt, ret;
	char *end;

	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return ctl_main(argc - 1, argv + 1);
	/* The leading ':' silences getopt, whose messages echo the argument
	 * raw: bad_option() escapes it. */
	while ((opt = getopt_long(argc, argv, ":c:p:P:s:vVh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'p':
			cli_policy = optarg;
			/* fall through */
		case 'P':
		case OPT_SHADOW:
		case OPT_SET:
			/* Applied after the file, in order; -p and -P are shorthands. */
			if (nr_overrides == MAX_OVERRIDES) {
				pl_err("more than %d overrides", MAX_OVERRIDES);
				return 2;
			}
			if (opt == OPT_SET) {
				overrides[nr_overrides++] = optarg;
				break;
			}
			snprintf(override_buf[nr_overrides], sizeof(override_buf[0]), "scheduler.%s=%s",
				 opt == 'p' ? "policy" : opt == 'P' ? "plugin_dir" : "shadow", optarg);
			overrides[nr_overrides] = override_buf[nr_overrides];
			nr_overrides++;
			break;
		case OPT_PRINT_CONFIG: print_config = true; break;
		case OPT_LIST_PLUGINS: list = true; break;
		case OPT_SIMULATE:
			/* strtoull takes "-5" for 2^64 - 5: digits only */
			simulate_n = strtoull(optarg, &end, 10);
			if (*end || !isdigit((unsigned char)*optarg) || simulate_n == 0 ||
			    simulate_n > SIMULATE_MAX) {
				pl_err("--simulate: expected a number of decisions in 1..%llu, got '%s'",
				       SIMULATE_MAX, config_escape(optarg, e, sizeof(e)));
				return 2;
			}
			break;
		case OPT_WORKLOAD: workload_path = optarg; break;
		case OPT_JSON: report_json = true; break;
		case 's':
			stats_secs = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !*optarg || stats_secs == 0 || stats_secs > 3600) {
				pl_err("--stats: expected seconds in 1..3600, got '%s'",
				       config_escape(optarg, e, sizeof(e)));
				return 2;
			}
			break;
		case 'v': pl_verbose++; break;
		case 'V': printf("scx_plugland %s (plugin ABI %d.%d)\n", PLUGLAND_VERSION,
				 PLUGLAND_ABI_MAJOR, PLUGLAND_ABI_MINOR);
			return 0;
		case 'h': usage(stdout); return 0;
		case ':':
			bad_option("option '%s' needs an argument", argc, argv);
			return 2;
		default:
			bad_option("unrecognized option '%s'", argc, argv);
			return 2;
		}
	}
	if (optind < argc) {
		pl_err("unexpected argument '%s'", config_escape(argv[optind], e, sizeof(e)));
		usage(stderr);
		return 2;
	}
	if ((workload_path || report_json) && !simulate_n) {
		pl_err("%s: only with --simulate N", workload_path ? "--workload" : "--json");
		return 2;
	}
	/* Read before anything runs: a bad file is refused as a bad flag is. */
	if (workload_path && workload_load(&workload, workload_path, err, sizeof(err))) {
		pl_err("%s", err);
		return 2;
	}

	config_defaults(&cfg);
	default_to_build_tree(&cfg);
	if (!config_path && access(PLUGLAND_CONF_FILE, R_OK) == 0)
		config_path = PLUGLAND_CONF_FILE;
	if (config_path && config_load(&cfg, config_path, err, sizeof(err))) {
		pl_err("%s", err);
		fprintf(stderr, "Usage: scx_plugland [-c CONFIG] [OPTIONS]; scx_plugland --help for more\n");
		return 2;
	}
	for (i = 0; i < nr_overrides; i++) {
		if (config_set(&cfg, overrides[i], err, sizeof(err))) {
			pl_err("%s", err);
			return 2;
		}
	}
	if (config_check_sections(&cfg, plugin_exists, cfg.plugin_dir, err, sizeof(err))) {
		pl_err("%s", err);
		return 2;
	}
	/* A name typed on the command line that names nothing is a typo; the
	 * fallback to the built-in fifo is for plugins that exist but fail. */
	if (cli_policy && !strcmp(cli_policy, cfg.policy) && !plugin_exists(cli_policy, cfg.plugin_dir)) {
		char found[1024];

		policy_names(&cfg, found, sizeof(found));
		pl_err("-p %s: no such policy in %s (there: %s)", config_escape(cli_policy, e, sizeof(e)),
		       config_escape(cfg.plugin_dir, e2, sizeof(e2)), found);
		return 2;
	}
	/* A shadow that names nothing, or cannot start, is refused before
	 * anything is attached. */
	if (*cfg.shadow && (policy_spec_parse(&shadow, cfg.shadow, e, sizeof(e)) ||
			    !plugin_exists(shadow.policy, cfg.plugin_dir))) {
		char found[1024], where[300];
		/* (its shape was checked with the config: the policy is missing) */

		policy_names(&cfg, found, sizeof(found));
		if (cfg.shadow_line)
			snprintf(where, sizeof(where), "%s:%d: scheduler.shadow",
				 config_escape(cfg.path, e2, sizeof(e2)), cfg.shadow_line);
		else
			snprintf(where, sizeof(where), "--shadow");
		pl_err("%s: no such policy '%s' in %s (there: %s)", where,
		       config_escape(shadow.policy, e, sizeof(e)),
		       config_escape(cfg.plugin_dir, e2, sizeof(e2)), found);
		return 2;
	}
	if (*cfg.shadow && !print_config && !list && probe_shadow(&cfg, &shadow))
		return 2;
	if (print_config) {
		config_print(&cfg, stdout);
		/* what a run would refuse too: a key the policy does not read */
		ret = policy_slot_open_configured(&probe, &cfg);
		policy_slot_close(&probe);
		return ret;
	}
	if (list)
		return list_plugins(&cfg);

	if (!simulate_n && !sched_ext_usable())
		return 1;
	if (!simulate_n && geteuid() != 0) {
		pl_err("must run as root: it replaces the kernel's CPU scheduler");
		return 1;
	}

	/* Ctrl-C ends a simulation as it ends a run: a report, a sealed dump. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	ret = host_open(&host, &(struct host_opts){ .cfg = &cfg, .simulate = simulate_n,
						   .workload = workload_path ? &workload : NULL,
						   .report_json = report_json,
						   .stats_secs = stats_secs,
						   .stop = &stop, .reload = &reload_req });
	if (ret)
		return ret;
	if (cfg.watch_config_ms && *cfg.path &&
	    !(watch = config_watch_start(cfg.path, cfg.watch_config_ms)))
		pl_warn("control.watch_config_ms: cannot watch %s: %s", cfg.path, strerror(errno));
	ret = host_run(&host);
	config_watch_stop(watch);
	host_close(&host);
	return ret;
}

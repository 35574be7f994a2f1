// SPDX-License-Identifier: GPL-2.0
/*
 * scx_plugland: replaces the kernel's CPU scheduler with a sched_ext BPF
 * program whose decisions are made in user space by a policy plugin.
 *
 * main() is: options -> checks (sched_ext, root) -> policy init -> lock
 * memory -> load and attach -> scheduling loop -> detach -> report, with
 * a bounded restart when the kernel asks for one.
 */
#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "bpf_backend.h"
#include "commands.h"
#include "config.h"
#include "log.h"
#include "monitor.h"
#include "plugin_loader.h"
#include "sched_loop.h"
#include "synth_backend.h"
#include "services.h"
#include "topology.h"
#include "policy_slot.h"
#include "watchdog.h"
#include "control.h"
#include "host_state.h"
#include "ctl_client.h"
#include "clock.h"
#include <stdatomic.h>

#define SCX_STATE_PATH "/sys/kernel/sched_ext/state"
#define MAX_RESTARTS 8
/* A run this long ends a series of restarts (say, two CPU hotplugs a day apart). */
#define RESTART_QUIET_NS (30 * 1000000000ull)
#define MAX_OVERRIDES 64


static volatile sig_atomic_t stop, reload_req;
static unsigned int stats_secs; /* -s: 0 = off */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_req = 1;
	else
		stop = 1;
}

struct host_state host;

/* A plugin section's name: the built-in fifo, or a NAME.so in the plugin
 * folders `ctx` (unsafe or broken ones included: loading them says what is
 * wrong). */
static bool plugin_exists(const char *name, const void *ctx)
{
	char path[PATH_MAX], err[PATH_MAX + 128];
	int ret;

	if (!strcmp(name, plugland_builtin_fifo.name))
		return true;
	ret = plugin_find(ctx, name, path, sizeof(path), err, sizeof(err));
	return ret != -ENOENT && ret != -EINVAL;
}

/* --simulate N at most: an hour of decisions at a million a second. */
#define SIMULATE_MAX 4000000000ull

/*
 * Run from the build tree (the binary beside bpf/plugland.bpf.o), its
 * plugins are the default plugin folder: `make && build/scx_plugland -p
 * deadline` runs the deadline just built, not an installed one or none.
 * The config file and -P still choose.
 */
static void default_to_build_tree(struct config *cfg)
{
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = 0;
	snprintf(probe, sizeof(probe), "%s/bpf/plugland.bpf.o", exe);
	if (access(probe, R_OK))
		return;
	snprintf(probe, sizeof(probe), "%s/plugins", exe);
	if (access(probe, X_OK) == 0 && strlen(probe) < sizeof(cfg->plugin_dir))
		snprintf(cfg->plugin_dir, sizeof(cfg->plugin_dir), "%s", probe);
}

/*
 * Make fresh's plugin sections the running ones: every key one that its
 * plugin reads, then the policy reconfigured. On any refusal nothing
 * changes. Only the plugin sections change: they are what plugins read.
 */
static int apply_plugin_sections(const struct config *fresh, char *err, size_t errlen)
{
	const struct plugland_policy *policy = host.loop->policy;
	static struct config_kv saved[CONFIG_MAX_EXTRA];
	struct config *cfg = host.cfg;
	unsigned int nr_saved = cfg->nr_extra;
	int ret;

	if (config_check_sections(fresh, plugin_exists, fresh->plugin_dir, err, errlen) ||
	    services_check_keys(&active_slot()->svc, fresh, err, errlen) ||
	    observers_check_keys(&host.obs, fresh, err, errlen))
		return -1;
	memcpy(saved, cfg->extra, sizeof(saved));
	memcpy(cfg->extra, fresh->extra, sizeof(fresh->extra));
	cfg->nr_extra = fresh->nr_extra;
	ret = policy->reconfigure ? policy->reconfigure() : 0;
	if (ret) {
		memcpy(cfg->extra, saved, sizeof(saved));
		cfg->nr_extra = nr_saved;
		snprintf(err, errlen, "policy '%s' kept its settings: %s", policy->name,
			 strerror(-ret));
		return -1;
	}
	return 0;
}

int host_reload(char *err, size_t errlen)
{
	static struct config fresh;
	struct config *cfg = host.cfg;

	if (!*cfg->path) {
		snprintf(err, errlen, "no configuration file to reload (started without -c)");
		return -1;
	}
	config_defaults(&fresh);
	if (config_load(&fresh, cfg->path, err, errlen) ||
	    apply_plugin_sections(&fresh, err, errlen))
		return -1;
	if (strcmp(fresh.policy, cfg->policy) || fresh.slice_us != cfg->slice_us)
		pl_warn("reload: [scheduler] and [bpf] changes take effect at the next start");
	pl_info("configuration reloaded from %s", cfg->path);
	return 0;
}

int host_set(const char *assignment, char *err, size_t errlen)
{
	static struct config next;
	char section[64];

	snprintf(section, sizeof(section), "%.*s", (int)strcspn(assignment, "."), assignment);
	if (config_is_host_section(section)) {
		snprintf(err, errlen, "[%s] settings take effect at the next start; "
			 "only plugin sections change while attached", section);
		return -1;
	}
	next = *host.cfg;
	if (config_set(&next, assignment, err, errlen) ||
	    apply_plugin_sections(&next, err, errlen))
		return -1;
	pl_info("set %s", assignment);
	return 0;
}

/* From now on the decision log attributes decisions to `name`. */
static void name_policy(const char *name)
{
	host.loop->policy_id = host.next_policy_id++;
	if (host.obs.log)
		decision_log_set_policy(host.obs.log, host.loop->policy_id, name);
}

int host_switch_policy(const char *name, char *err, size_t errlen)
{
	int next = !host.active;
	char old[64];

	/* A copy: the name lives in the old plugin, unmapped by its close. */
	snprintf(old, sizeof(old), "%s", host.loop->policy->name);

	/* Both slots would share one .so's globals. */
	if (!strcmp(name, old)) {
		snprintf(err, errlen, "policy '%s' is already running", name);
		return -1;
	}
	if (policy_slot_open(&host.slots[next], host.cfg, name, err, errlen))
		return -1;
	name_policy(name);
	sched_loop_switch_policy(host.loop, &host.slots[next].lp.ops);
	policy_slot_close(active_slot());
	host.active = next;
	pl_info("policy '%s' replaced by '%s' (%s); %llu tasks moved over", old, name,
		active_slot()->lp.path, (unsigned long long)host.loop->nr_held);
	return 0;
}

/* Before each round, on the scheduling thread. */
static void between_rounds(void *ctx)
{
	char err[512];

	if (reload_req) {
		reload_req = 0;
		if (host_reload(err, sizeof(err)))
			pl_err("SIGHUP: %s; configuration unchanged", err);
	}
	control_service(ctx);
}

/*
 * The watchdog made the scheduling thread leave a stuck policy callback:
 * the policy is abandoned (never called or unloaded again) and the
 * built-in fifo takes over the tasks it held.
 */
static const struct plugland_policy *on_recovered(void *ctx, const struct plugland_policy *stuck,
						  const char *callback)
{
	struct sched_loop *l = ctx;
	int next = !host.active;

	host.loop = l; /* --simulate runs a loop of its own */

	active_slot()->abandoned = true;
	policy_slot_close(active_slot());
	if (policy_slot_open_fallback(&host.slots[next], host.cfg)) {
		pl_err("the built-in fifo failed to initialise");
		return NULL;
	}
	host.active = next;
	name_policy(plugland_builtin_fifo.name);
	pl_warn("policy '%s' abandoned in %s(); the built-in fifo runs its %u held tasks now",
		stuck->name, callback ? callback : "?", l->held.count);
	return &active_slot()->lp.ops;
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
		"      --simulate N      run the policy for N decisions on a simulated machine\n"
		"                        (no kernel support or root needed) and report\n"
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

static void print_counters(struct backend *be, const struct sched_loop *l)
{
	struct plugland_counters c;

	if (backend_counters(be, &c)) {
		pl_warn("could not read the BPF counters");
		return;
	}
	printf("scx_plugland: counters\n");
#define PRINT_COUNTER(name, where, what) \
	printf("  %-34s %12llu\n", what, (unsigned long long)c.name);
	PL_COUNTERS(PRINT_COUNTER)
#undef PRINT_COUNTER
	printf("  policy %-27s %12llu enqueued, %llu dispatched, %llu refused, %llu invalid, "
	       "%llu starved, %llu exits reported, %llu placed by BPF\n",
	       l->policy->name, (unsigned long long)l->st.nr_enqueued,
	       (unsigned long long)l->st.nr_dispatched, (unsigned long long)l->st.nr_refused,
	       (unsigned long long)l->st.nr_invalid, (unsigned long long)l->st.nr_starved,
	       (unsigned long long)l->st.nr_gone, (unsigned long long)l->st.nr_by_kernel);
	fflush(stdout);
}

/* The kernel's state when it ejected us: what a stall report needs. */
static void print_kernel_dump(const char *dump)
{
	size_t len = strlen(dump);

	pl_err("the kernel's debug dump follows (CPUs, runnable tasks, their queues):");
	fflush(stdout);
	fputs(dump, stderr);
	if (len && dump[len - 1] != '\n')
		fputc('\n', stderr);
	if (len == PL_EXIT_DUMP_LEN - 1)
		fputs("(dump truncated)\n", stderr);
}

/* Attach, schedule until stopped, detach. Returns the process exit code,
 * or -1 when the kernel asked to restart. */
static int run_once(struct config *cfg)
{
	struct bpf_backend_opts bo = {
		.slice_ns = cfg->slice_us * 1000,
		.heartbeat_ms = cfg->heartbeat_ms,
		.ringbuf_kib = cfg->ringbuf_kib,
		.all_kthreads = cfg->all_kthreads,
		.resume_after_host = cfg->resume_after_host,
		.defer_sync_wakeups = cfg->defer_sync_wakeups,
		.failsafe_ms = cfg->failsafe_ms,
	};
	const struct policy_slot *slot = active_slot();
	struct watchdog *wd = NULL;
	struct control *ctl = NULL;
	static struct bpf_exit_info ei; /* 32 KiB: the kernel's dump */
	struct monitor *mon = NULL;
	static struct sched_loop loop;
	struct backend *be;
	char err[512];
	int ret;

	be = bpf_backend_open(&bo, err, sizeof(err));
	if (!be) {
		pl_err("%s", err);
		return 1;
	}
	services_set_backend(be);
	if (sched_loop_init(&loop, be, &slot->lp.ops, cfg->tick_ms)) {
		pl_err("out of memory");
		bpf_backend_close(be, NULL);
		return 1;
	}
	sched_loop_set_fast_wake_mode(&loop, fast_wake_mode_of(cfg->idle_direct));
	host.loop = &loop;
	loop.log = host.obs.log;
	atomic_store(&loop.recording, true);
	name_policy(slot->lp.ops.name);
	loop.max_wait_ns = (uint64_t)cfg->max_wait_ms * 1000000ull;
	host.be = be;
	host.attached_ns = pl_now_ns();
	/* Wake often enough that BPF never mistakes an idle host for a stuck
	 * one (it leaves failsafe below failsafe_ms / 2 of silence). */
	if (loop.wait_ms > cfg->failsafe_ms / 4)
		loop.wait_ms = cfg->failsafe_ms / 4;
	if (*cfg->control_socket &&
	    !(ctl = control_start(cfg->control_socket, control_command,
				  control_command_needs_sched, NULL, err, sizeof(err))))
		pl_warn("control socket: %s", err);
	loop.between_rounds = between_rounds;
	loop.between_ctx = ctl;
	loop.recovered = on_recovered;
	loop.recovered_ctx = &loop;
	loop.fallback_policy = &plugland_builtin_fifo;
	crash_handlers_install(&loop);
	pl_info("sched_ext enabled: ops 'plugland', policy '%s' (%s), %u CPUs", slot->lp.ops.name,
		slot->lp.path, be->nr_cpus);

	if (cfg->watchdog_ms &&
	    !(wd = watchdog_start(&loop, cfg->watchdog_ms,
				  strcmp(cfg->watchdog_action, "exit") ? WATCHDOG_FIFO : WATCHDOG_EXIT)))
		pl_warn("cannot start the policy watchdog: %s", strerror(errno));
	if (stats_secs && !(mon = monitor_start(be, &loop, stats_secs)))
		pl_warn("--stats: cannot start the monitor thread: %s", strerror(errno));
	ret = sched_loop_run(&loop, &stop);
	control_stop(ctl);
	monitor_stop(mon);
	watchdog_stop(wd);
	bpf_backend_detach(be);
	sched_loop_drain_decided(&loop);
	print_counters(be, &loop);
	services_set_backend(NULL);
	bpf_backend_close(be, &ei);
	sched_loop_fini(&loop);

	pl_info("sched_ext disabled: %s", *ei.reason ? ei.reason : scx_exit_kind_str(ei.kind));
	if (*ei.msg)
		pl_info("kernel message: %s", ei.msg);
	if (ei.kind >= 1024 /* SCX_EXIT_ERROR */ && *ei.dump)
		print_kernel_dump(ei.dump);
	if (ret < 0) {
		pl_err("scheduling loop failed: %s", strerror(-ret));
		return 1;
	}
	if (scx_exit_wants_restart(&ei))
		return -1;
	/* Stopped by a signal (we unregistered): success. Ejected: failure. */
	return ei.kind == 64 /* SCX_EXIT_UNREG */ || ei.kind == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	enum { OPT_SET = 256, OPT_PRINT_CONFIG, OPT_LIST_PLUGINS, OPT_SIMULATE };
	static const struct option long_opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'p' },
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "set", required_argument, NULL, OPT_SET },
		{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
		{ "list-plugins", no_argument, NULL, OPT_LIST_PLUGINS },
		{ "simulate", required_argument, NULL, OPT_SIMULATE },
		{ "stats", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static char override_buf[MAX_OVERRIDES][300];
	const char *config_path = NULL, *cli_policy = NULL, *overrides[MAX_OVERRIDES];
	unsigned int nr_overrides = 0, i;
	static struct config cfg;
	bool print_config = false, list = false;
	unsigned long long simulate_n = 0;
	struct backend *sim_be = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512];
	int opt, ret, restarts;
	char *end;

	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return ctl_main(argc - 1, argv + 1);
	while ((opt = getopt_long(argc, argv, "c:p:P:s:vVh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'p':
			cli_policy = optarg;
			/* fall through */
		case 'P':
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
				 opt == 'p' ? "policy" : "plugin_dir", optarg);
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
				       SIMULATE_MAX, optarg);
				return 2;
			}
			break;
		case 's':
			stats_secs = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !*optarg || stats_secs == 0 || stats_secs > 3600) {
				pl_err("--stats: expected seconds in 1..3600, got '%s'", optarg);
				return 2;
			}
			break;
		case 'v': pl_verbose++; break;
		case 'V': printf("scx_plugland %s (plugin ABI %d.%d)\n", PLUGLAND_VERSION,
				 PLUGLAND_ABI_MAJOR, PLUGLAND_ABI_MINOR);
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		pl_err("unexpected argument '%s'", argv[optind]);
		usage(stderr);
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
		pl_err("-p %s: no such policy in %s (there: %s)", cli_policy, cfg.plugin_dir, found);
		return 2;
	}
	if (print_config) {
		config_print(&cfg, stdout);
		/* what a run would refuse too: a key the policy does not read */
		topology_load("", (int)services_nr_cpus());
		ret = policy_slot_open_configured(active_slot(), &cfg);
		policy_slot_close(active_slot());
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

	/* A simulated machine comes first: plugins are told its CPUs, and
	 * read its clock (that of task->enq_ns) and its idle CPUs. */
	if (simulate_n) {
		sim_be = simulate_backend_new(simulate_n);
		if (!sim_be) {
			pl_err("out of memory");
			return 1;
		}
		services_set_backend(sim_be);
	}
	/* The policy is loaded and initialised before anything is attached:
	 * a broken one is refused while the kernel's scheduler still runs. */
	topology_load("", (int)services_nr_cpus());
	host.cfg = &cfg;
	ret = policy_slot_open_configured(active_slot(), &cfg);
	if (ret)
		return ret;
	pl_debug("policy '%s' from %s", active_slot()->lp.ops.name, active_slot()->lp.path);

	/* Ctrl-C ends a simulation as it ends a run: a report, a sealed dump. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	ret = observers_start(&host.obs, &cfg, active_slot()->lp.ops.name, simulate_n != 0);
	if (ret || simulate_n) {
		struct simulate_guard guard = {
			.watchdog_ms = cfg.watchdog_ms,
			.max_wait_ns = (uint64_t)cfg.max_wait_ms * 1000000ull,
			.watchdog_exits = !strcmp(cfg.watchdog_action, "exit"),
			.recovered = on_recovered,
		};

		/* the log was made with the policy as id 0: a fallback is 1 */
		host.next_policy_id = 1;
		if (!ret)
			ret = simulate(sim_be, &active_slot()->lp.ops, &stop, host.obs.log, &guard);
		observers_stop(&host.obs);
		policy_slot_close(active_slot());
		services_set_backend(NULL);
		synth_backend_free(sim_be);
		return ret;
	}

	/* Everything is allocated: from now on no page fault may wait for us. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		pl_warn("mlockall: %s: the scheduler may page-fault under memory pressure",
			strerror(errno));

	for (restarts = 0;; restarts++) {
		uint64_t started_ns = pl_now_ns();

		ret = run_once(&cfg);
		if (ret != -1 || stop)
			break;
		/* Only restarts in quick succession count towards the bound. */
		if (pl_now_ns() - started_ns >= RESTART_QUIET_NS)
			restarts = 0;
		if (restarts == MAX_RESTARTS) {
			pl_err("the kernel asked to restart %d times; giving up", MAX_RESTARTS);
			ret = 1;
			break;
		}
		pl_info("the kernel asked for a restart (%d of %d)", restarts + 1, MAX_RESTARTS);
		/* The kernel re-enqueues every task: start the policy afresh. */
		if (policy_slot_restart(active_slot())) {
			pl_err("policy '%s': init failed after the restart", active_slot()->lp.ops.name);
			ret = 1;
			break;
		}
	}
	observers_stop(&host.obs);
	policy_slot_close(active_slot());
	return ret < 0 ? 1 : ret;
}

// SPDX-License-Identifier: GPL-2.0
/* The commands that do not attach: --list-plugins and --simulate. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include "commands.h"
#include "log.h"
#include "plugin_loader.h"
#include "sched_loop.h"
#include "synth_backend.h"
#include "watchdog.h"

extern const struct plugland_policy plugland_builtin_fifo;

void policy_names(const struct config *cfg, char *buf, size_t len)
{
	char dirs[sizeof(cfg->plugin_dir)], *dir, *save = NULL;
	struct dirent **names;
	size_t used;
	int i, n;

	snprintf(buf, len, "%s (built in)", plugland_builtin_fifo.name);
	snprintf(dirs, sizeof(dirs), "%s", cfg->plugin_dir);
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		n = scandir(dir, &names, NULL, alphasort);
		for (i = 0; i < n; i++) {
			size_t nlen = strlen(names[i]->d_name);
			char name[256];

			if (nlen > 3 && !strcmp(names[i]->d_name + nlen - 3, ".so")) {
				snprintf(name, sizeof(name), "%.*s", (int)(nlen - 3), names[i]->d_name);
				used = strlen(buf);
				if (strcmp(name, plugland_builtin_fifo.name) &&
				    !plugin_is_async(dir, name) && used < len)
					snprintf(buf + used, len - used, ", %s", name);
			}
			free(names[i]);
		}
		if (n >= 0)
			free(names);
	}
}

/* --list-plugins: every NAME.so of every plugin folder, loadable or why not. */
int list_plugins(const struct config *cfg)
{
	char dirs[sizeof(cfg->plugin_dir)], *dir, *save = NULL, err[PATH_MAX + 256];
	struct loaded_policy lp;
	struct loaded_async la;
	struct dirent **names;
	int i, n, found = 0;

	printf("%-12s %-8s %s\n", "NAME", "STATUS", "DETAILS");
	printf("%-12s %-8s %s\n", plugland_builtin_fifo.name, "ok", "policy: built-in: first come, first served");
	snprintf(dirs, sizeof(dirs), "%s", cfg->plugin_dir);
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		n = scandir(dir, &names, NULL, alphasort);
		if (n < 0) {
			printf("%-12s %-8s %s: %s\n", "-", "missing", dir, strerror(errno));
			continue;
		}
		for (i = 0; i < n; i++) {
			size_t len = strlen(names[i]->d_name);
			char name[256];

			if (len > 3 && !strcmp(names[i]->d_name + len - 3, ".so")) {
				snprintf(name, sizeof(name), "%.*s", (int)(len - 3), names[i]->d_name);
				found++;
				if (plugin_is_async(dir, name)) {
					if (async_load(dir, name, &la, err, sizeof(err)) == 0) {
						printf("%-12s %-8s async: %s: %s\n", name, "ok", la.path,
						       la.ops.description ? la.ops.description : "");
						async_unload(&la);
					} else {
						printf("%-12s %-8s %s\n", name, "refused", err);
					}
				} else if (policy_load(dir, name, &lp, err, sizeof(err)) == 0) {
					printf("%-12s %-8s policy: %s: %s\n", name, "ok", lp.path,
					       lp.ops.description ? lp.ops.description : "");
					policy_unload(&lp);
				} else {
					printf("%-12s %-8s %s\n", name, "refused", err);
				}
			}
			free(names[i]);
		}
		free(names);
	}
	if (!found)
		printf("(no plugins in %s)\n", cfg->plugin_dir);
	return 0;
}

#define SIMULATE_CPUS 4
#define SIMULATE_TASKS 16

struct backend *simulate_backend_new(uint64_t decisions)
{
	struct synth_opts o = { .nr_cpus = SIMULATE_CPUS, .nr_tasks = SIMULATE_TASKS,
				.max_dispatches = decisions };

	return synth_backend_new(&o);
}

/*
 * --simulate N: run the policy on the synthetic backend (no kernel, no
 * root) for N decisions and report what each task got. For trying a
 * policy on any machine, and for the SDK's out-of-tree test. The policy
 * must have started with be as the services' backend: a policy told
 * another machine's CPUs, or reading the real clock against the virtual
 * enq_ns, schedules nothing like it would (a background task of rules
 * looked starved for hours and took half the decisions).
 */
int simulate(struct backend *be, const struct plugland_policy *policy,
	     volatile sig_atomic_t *stop, struct decision_log *log,
	     const struct simulate_guard *guard)
{
	struct watchdog *wd = NULL;
	uint64_t min = UINT64_MAX, max = 0;
	const struct synth_stats *st;
	struct sched_loop loop;
	uint32_t i;
	int ret;

	if (sched_loop_init(&loop, be, policy, 100)) {
		pl_err("out of memory");
		return 1;
	}
	loop.log = log;
	loop.max_wait_ns = guard->max_wait_ns;
	atomic_store(&loop.recording, log != NULL);
	loop.recovered = guard->recovered;
	loop.recovered_ctx = &loop;
	loop.fallback_policy = &plugland_builtin_fifo;
	crash_handlers_install(&loop);
	if (guard->watchdog_ms &&
	    !(wd = watchdog_start(&loop, guard->watchdog_ms,
				  guard->watchdog_exits ? WATCHDOG_EXIT : WATCHDOG_FIFO)))
		pl_warn("cannot start the policy watchdog: %s", strerror(errno));
	ret = sched_loop_run(&loop, stop);
	watchdog_stop(wd);
	st = synth_backend_stats(be);
	for (i = 0; i < SIMULATE_TASKS; i++) {
		uint64_t n = synth_backend_task(be, i)->nr_dispatched;

		min = n < min ? n : min;
		max = n > max ? n : max;
	}
	printf("simulated %llu decisions of policy '%s': %u CPUs, %u CPU-bound tasks\n"
	       "  %.3f s of simulated time, CPUs busy %.1f%%\n"
	       "  per-task runs (decisions a CPU took up): min %llu, max %llu\n"
	       "  refused %llu, starved %llu, invalid %llu, stale %llu, double %llu, unknown %llu\n",
	       (unsigned long long)st->nr_dispatched, loop.policy->name, be->nr_cpus, SIMULATE_TASKS,
	       (double)st->now_ns / 1e9,
	       st->now_ns ? 100.0 * (double)st->busy_ns / (double)st->now_ns / be->nr_cpus : 0.0,
	       (unsigned long long)min, (unsigned long long)max,
	       (unsigned long long)loop.st.nr_refused, (unsigned long long)loop.st.nr_starved,
	       (unsigned long long)loop.st.nr_invalid,
	       (unsigned long long)st->nr_stale, (unsigned long long)st->nr_double,
	       (unsigned long long)st->nr_unknown);
	ret = ret || st->nr_double || st->nr_unknown || !st->nr_dispatched ? 1 : 0;
	sched_loop_fini(&loop);
	return ret;
}


// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "observers.h"

#define ASYNC_STOP_TIMEOUT_MS 5000
/* How long start-up waits for an async plugin's init(): its section is
 * checked, and a failure reported, before anything is attached. */
#define ASYNC_INIT_WAIT_MS 5000

/* Where `[debug] dump = auto` goes when no hugetlbfs has room. */
#define DEBUG_DUMP_TMPFS "/dev/shm/plugland.dump"

/*
 * [debug] dump = auto: the log on huge pages where the system has them, in
 * a file so that it survives a crash: the first hugetlbfs mount with room
 * for it (its pages reserved: vm.nr_hugepages), else tmpfs. The path
 * chosen goes to o->dump_path.
 */
static struct decision_log *create_auto_dump(struct observers *o, struct decision_log_opts *lo,
					     char *err, size_t errlen)
{
	FILE *mounts = setmntent("/proc/mounts", "re");
	struct decision_log *log;
	struct mntent *m;

	while (mounts && (m = getmntent(mounts))) {
		if (strcmp(m->mnt_type, "hugetlbfs") ||
		    snprintf(o->dump_path, sizeof(o->dump_path), "%s/plugland.dump", m->mnt_dir) >=
		    (int)sizeof(o->dump_path))
			continue;
		lo->path = o->dump_path;
		log = decision_log_create(lo, err, errlen);
		if (log) {
			endmntent(mounts);
			return log;
		}
		pl_info("debug: no room on hugetlbfs %s (%s); trying the next place", m->mnt_dir,
			err);
	}
	if (mounts)
		endmntent(mounts);
	snprintf(o->dump_path, sizeof(o->dump_path), "%s", DEBUG_DUMP_TMPFS);
	lo->path = o->dump_path;
	return decision_log_create(lo, err, errlen);
}

static int create_log(struct observers *o, const struct config *cfg, const char *policy,
		      const struct backend *sim)
{
	struct decision_log_opts lo = {
		.nr_cpus = services_nr_cpus(sim),
		.default_slice_ns = cfg->slice_us * 1000,
		.policies = { policy },
		.simulated = o->simulated,
	};
	const char *warning;
	char err[512];

	if (cfg->debug) {
		lo.size_bytes = (uint64_t)cfg->debug_size_mb << 20;
		lo.backing = DECISION_LOG_FILE;
		lo.path = o->dump_path;
		lo.on_full = strcmp(cfg->debug_on_full, "stop") ? DECISION_LOG_WRAP : DECISION_LOG_STOP;
	} else if (cfg->log_capacity) {
		/* a power of two, rounded down (conf/plugland.ini says so) */
		lo.capacity = 1ull << (63 - __builtin_clzll(cfg->log_capacity));
		lo.backing = DECISION_LOG_HUGE;
		lo.on_full = DECISION_LOG_WRAP;
	} else {
		return 0;
	}
	if (cfg->debug && !strcmp(cfg->debug_dump, "auto"))
		o->log = create_auto_dump(o, &lo, err, sizeof(err));
	else
		o->log = decision_log_create(&lo, err, sizeof(err));
	if (!o->log) {
		pl_err("%s", err); /* "decision log: ..." */
		return 1;
	}
	if (cfg->debug)
		pl_info("debug: every decision goes to %s, up to %llu records (%s when full), %s",
			o->dump_path, (unsigned long long)o->log->capacity, cfg->debug_on_full,
			decision_log_backing(o->log));
	else
		pl_debug("decision log: %llu records, %s", (unsigned long long)o->log->capacity,
			 decision_log_backing(o->log));
	warning = decision_log_warning(o->log);
	if (warning)
		pl_warn("decision log: %s", warning);
	return 0;
}

int observers_start(struct observers *o, const struct config *cfg, const char *policy,
		    struct host_view *view, struct backend *const *sim, const struct topology *topo)
{
	char list[sizeof(cfg->async_plugins)], *name, *save = NULL, err[512];
	int ret;

	memset(o, 0, sizeof(*o));
	o->simulated = sim && *sim;
	o->debug = cfg->debug;
	snprintf(o->dump_path, sizeof(o->dump_path), "%s", cfg->debug_dump);
	ret = create_log(o, cfg, policy, sim ? *sim : NULL);
	if (ret)
		return ret;

	snprintf(list, sizeof(list), "%s", cfg->async_plugins);
	for (name = strtok_r(list, ", ", &save); name; name = strtok_r(NULL, ", ", &save)) {
		struct async_runner_opts ro = {
			.log = o->log,
			.mode = cfg->debug ? ASYNC_AT_STOP : ASYNC_PERIODIC,
			.interval_ms = cfg->async_interval_ms,
		};

		if (o->nr == MAX_ASYNC) {
			pl_err("async.plugins: more than %d plugins", MAX_ASYNC);
			return 2;
		}
		if (!o->log) {
			pl_err("async plugin '%s': there is no decision log ([log] capacity = 0)", name);
			return 2;
		}
		ret = async_load(cfg->plugin_dir, name, &o->plugins[o->nr], err, sizeof(err));
		if (ret) {
			if (cfg->strict) {
				pl_err("async plugin '%s': %s", name, err);
				return 2;
			}
			pl_warn("async plugin '%s': %s; not run", name, err);
			continue;
		}
		services_init(&o->svc[o->nr], name, cfg, sim, topo, cfg->slice_us * 1000);
		o->svc[o->nr].view = view;
		ro.plugin_errors = &o->svc[o->nr].nr_errors;
		ro.plugin = &o->plugins[o->nr].ops;
		ro.id = o->plugins[o->nr].id;
		ro.host = &o->svc[o->nr].host;
		o->runners[o->nr] = async_runner_start(&ro, err, sizeof(err));
		if (!o->runners[o->nr]) {
			pl_warn("async plugin '%s': %s; not run", name, err);
			async_unload(&o->plugins[o->nr]);
			continue;
		}
		pl_debug("async plugin '%s' from %s", name, o->plugins[o->nr].path);
		ret = async_runner_wait_init(o->runners[o->nr], ASYNC_INIT_WAIT_MS);
		o->nr++; /* stopped and reported by observers_stop() whatever follows */
		if (ret == -ETIMEDOUT) {
			pl_warn("async plugin '%s': still in init() after %d ms; its section is not "
				"checked", name, ASYNC_INIT_WAIT_MS);
		} else if (ret) {
			if (cfg->strict) /* the plugin logged why */
				return 2;
		} else if (services_check_keys(&o->svc[o->nr - 1], cfg, err, sizeof(err))) {
			pl_err("%s", err);
			return 2;
		}
	}
	return 0;
}

int observers_check_keys(struct observers *o, const struct config *cfg, char *err,
			 size_t errlen)
{
	unsigned int i;

	for (i = 0; i < o->nr; i++)
		if (services_check_keys(&o->svc[i], cfg, err, errlen))
			return -1;
	return 0;
}

void observers_stop(struct observers *o)
{
	struct async_report rep[MAX_ASYNC];
	char line[384];
	unsigned int i;
	uint64_t n;

	if (o->log)
		decision_log_seal(o->log);
	async_runners_stop(o->runners, o->nr, ASYNC_STOP_TIMEOUT_MS, rep);
	for (i = 0; i < o->nr; i++) {
		async_report_format(&rep[i], line, sizeof(line));
		pl_info("async %s", line);
		/* An abandoned plugin's thread may still run its code. */
		if (rep[i].status != ASYNC_STUCK)
			async_unload(&o->plugins[i]);
	}
	if (!o->log)
		return;
	n = decision_log_head(o->log); /* the log holds the last `capacity` of them */
	if (o->debug)
		pl_info("debug dump: %s holds %llu of %llu records%s; read it with plugland-dump %s",
			o->dump_path, (unsigned long long)(n < o->log->capacity ? n : o->log->capacity),
			(unsigned long long)(n + decision_log_dropped(o->log)),
			decision_log_dropped(o->log) ? " (the log was full)" : "", o->dump_path);
	decision_log_destroy(o->log);
	o->log = NULL;
}

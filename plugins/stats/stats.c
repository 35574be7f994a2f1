// SPDX-License-Identifier: GPL-2.0
/*
 * stats: an async plugin that counts decisions per task (times scheduled,
 * slices granted, wait from enqueue to decision: mean, p99, max; CPU time
 * from the kernel's schedstat) and per CPU, and prints them sorted by
 * times scheduled every interval_s and at exit, as a fixed-width table or
 * one JSON object per print.
 *
 * Config ([stats]): interval_s, format, output, top, max_tasks, proc_root; see
 * docs/policies.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <plugland/plugin.h>
#include "../common/plugin_conf.h"
#include "stats_table.h"

static const struct plugland_host *host;
static struct stats stats;
static FILE *out;
static enum stats_format format;
static uint64_t interval_ns, last_print_ns, top;

static void stats_plugin_exit(void)
{
	if (out) {
		stats_print(&stats, out, format, (size_t)top);
		if (out != stdout)
			fclose(out);
		out = NULL;
	}
	stats_fini(&stats);
}

static int stats_plugin_init(const struct plugland_host *h)
{
	static const char *const formats[] = { "table", "json", NULL };
	uint64_t interval_s = 10, max_tasks = 4096;
	unsigned int fmt = STATS_TABLE;
	const char *path;

	host = h;
	top = 20;
	if (conf_u64(h, "interval_s", 0, 86400, &interval_s) ||
	    conf_u64(h, "max_tasks", 1, 1u << 20, &max_tasks) ||
	    conf_u64(h, "top", 0, 1u << 20, &top) || conf_word(h, "format", formats, &fmt))
		return -EINVAL;
	format = (enum stats_format)fmt;
	interval_ns = interval_s * 1000000000ull;
	path = conf_str(h, "output");
	if (!path || !strcmp(path, "-")) {
		out = stdout;
	} else if (!(out = fopen(path, "ae"))) {
		h->log(h, PLUGLAND_LOG_ERROR, "output: %s: %s", path, strerror(errno));
		return -errno;
	}
	if (stats_init(&stats, (uint32_t)max_tasks, h->nr_cpus, h->default_slice_ns)) {
		if (out != stdout)
			fclose(out);
		out = NULL;
		return -ENOMEM;
	}
	path = conf_str(h, "proc_root");
	if (path)
		snprintf(stats.proc_root, sizeof(stats.proc_root), "%s", path);
	last_print_ns = h->now_ns();
	return 0;
}

static void stats_consume(const struct plugland_decision *recs, size_t n,
			  const struct plugland_log_span *span)
{
	uint64_t now;
	size_t i;

	for (i = 0; i < n; i++)
		stats_add(&stats, &recs[i]);
	stats.nr_lost = span->nr_lost;
	now = host->now_ns();
	if (interval_ns && now - last_print_ns >= interval_ns) {
		stats_print(&stats, out, format, (size_t)top);
		last_print_ns = now;
	}
}

PLUGLAND_ASYNC(
	.name = "stats",
	.description = "per-task and per-CPU decision statistics, as a table or JSON",
	.init = stats_plugin_init,
	.consume = stats_consume,
	.exit = stats_plugin_exit,
);

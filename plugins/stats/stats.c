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
#include <stdlib.h>
#include <string.h>
#include <plugland/plugin.h>
#include "../common/plugin_conf.h"
#include "stats_table.h"

struct stats_plugin {
	const struct plugland_host *host;
	struct stats stats;
	FILE *out;
	enum stats_format format;
	uint64_t interval_ns, last_print_ns, top;
};

static void stats_plugin_exit(void *ctx)
{
	struct stats_plugin *sp = ctx;

	if (sp->out) {
		stats_print(&sp->stats, sp->out, sp->format, (size_t)sp->top);
		if (sp->out != stdout)
			fclose(sp->out);
	}
	stats_fini(&sp->stats);
	free(sp);
}

static int stats_plugin_init(const struct plugland_host *h, void **ctx)
{
	static const char *const formats[] = { "table", "json", NULL };
	uint64_t interval_s = 10, max_tasks = 4096;
	unsigned int fmt = STATS_TABLE;
	struct stats_plugin *sp;
	const char *path;
	int ret = -EINVAL;

	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->host = h;
	sp->top = 20;
	if (conf_u64(h, "interval_s", 0, 86400, &interval_s) ||
	    conf_u64(h, "max_tasks", 1, 1u << 20, &max_tasks) ||
	    conf_u64(h, "top", 0, 1u << 20, &sp->top) || conf_word(h, "format", formats, &fmt))
		goto fail;
	sp->format = (enum stats_format)fmt;
	sp->interval_ns = interval_s * 1000000000ull;
	path = conf_str(h, "output");
	if (!path || !strcmp(path, "-")) {
		sp->out = stdout;
	} else if (!(sp->out = fopen(path, "ae"))) {
		ret = -errno;
		h->log(h, PLUGLAND_LOG_ERROR, "output: %s: %s", path, strerror(errno));
		goto fail;
	}
	if (stats_init(&sp->stats, (uint32_t)max_tasks, h->nr_cpus, h->default_slice_ns)) {
		if (sp->out != stdout)
			fclose(sp->out);
		ret = -ENOMEM;
		goto fail;
	}
	path = conf_str(h, "proc_root");
	if (path)
		snprintf(sp->stats.proc_root, sizeof(sp->stats.proc_root), "%s", path);
	sp->last_print_ns = h->now_ns(h);
	*ctx = sp;
	return 0;
fail:
	free(sp);
	return ret;
}

static void stats_consume(void *ctx, const struct plugland_decision *recs, size_t n,
			  const struct plugland_log_span *span)
{
	struct stats_plugin *sp = ctx;
	uint64_t now;
	size_t i;

	for (i = 0; i < n; i++)
		stats_add(&sp->stats, &recs[i]);
	sp->stats.nr_lost = span->nr_lost;
	now = sp->host->now_ns(sp->host);
	if (sp->interval_ns && now - sp->last_print_ns >= sp->interval_ns) {
		stats_print(&sp->stats, sp->out, sp->format, (size_t)sp->top);
		sp->last_print_ns = now;
	}
}

PLUGLAND_ASYNC(
	.name = "stats",
	.description = "per-task and per-CPU decision statistics, as a table or JSON",
	.init = stats_plugin_init,
	.consume = stats_consume,
	.exit = stats_plugin_exit,
);

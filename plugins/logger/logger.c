// SPDX-License-Identifier: GPL-2.0
/*
 * logger: an async plugin writing every decision to a file, one line
 * each, as CSV (with a header) or JSON lines, optionally gzip-compressed,
 * rotated by size. Lines carry the decision's sequence number: a gap
 * shows records this plugin missed (also reported in the log).
 *
 * Config ([logger]): path, format, gzip, rotate_mb, keep; see
 * docs/policies.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <plugland/plugin.h>
#include "../common/plugin_conf.h"
#include "log_format.h"
#include "log_sink.h"

struct logger {
	const struct plugland_host *host;
	struct log_sink sink;
	enum log_format format;
	uint64_t lost_reported;
	bool failed;	/* a write failed: stop, once reported */
};

static int logger_init(const struct plugland_host *h, void **ctx)
{
	static const char *const formats[] = { "csv", "jsonl", NULL };
	uint64_t rotate_mb = 100, keep = 5;
	unsigned int fmt = LOG_CSV;
	struct logger *lg;
	const char *path;
	int ret = -EINVAL;

	lg = calloc(1, sizeof(*lg));
	if (!lg)
		return -ENOMEM;
	lg->host = h;
	path = conf_str(h, "path");
	if (!path || !*path) {
		h->log(h, PLUGLAND_LOG_ERROR, "path: no file to write to");
		goto fail;
	}
	if (strlen(path) >= sizeof(lg->sink.path)) {
		h->log(h, PLUGLAND_LOG_ERROR, "path: too long");
		goto fail;
	}
	if (conf_word(h, "format", formats, &fmt) || conf_bool(h, "gzip", &lg->sink.gzip) ||
	    conf_u64(h, "rotate_mb", 0, 1u << 20, &rotate_mb) || conf_u64(h, "keep", 0, 1000, &keep))
		goto fail;
	lg->format = (enum log_format)fmt;
	strcpy(lg->sink.path, path);
	lg->sink.rotate_bytes = rotate_mb << 20;
	lg->sink.keep = (unsigned int)keep;
	lg->sink.header = log_format_header(lg->format);
	ret = log_sink_open(&lg->sink);
	if (ret) {
		h->log(h, PLUGLAND_LOG_ERROR, "%s: %s", lg->sink.path, strerror(-ret));
		goto fail;
	}
	*ctx = lg;
	return 0;
fail:
	free(lg);
	return ret;
}

static void logger_consume(void *ctx, const struct plugland_decision *recs, size_t n,
			   const struct plugland_log_span *span)
{
	struct logger *lg = ctx;
	char line[LOG_LINE_MAX];
	size_t i, len;
	int ret = 0;

	if (span->nr_lost > lg->lost_reported) {
		lg->host->log(lg->host, PLUGLAND_LOG_WARN, "%llu decisions lost (not written)",
			      (unsigned long long)(span->nr_lost - lg->lost_reported));
		lg->lost_reported = span->nr_lost;
	}
	for (i = 0; i < n && !lg->failed && !ret; i++) {
		len = log_format_line(lg->format, span->first + i, &recs[i], line);
		ret = log_sink_write(&lg->sink, line, len);
	}
	if (!ret && !lg->failed)
		ret = log_sink_flush(&lg->sink);
	if (ret && !lg->failed) {
		lg->host->log(lg->host, PLUGLAND_LOG_ERROR, "%s: %s; no more decisions are written",
			      lg->sink.path, strerror(-ret));
		lg->failed = true;
	}
}

static void logger_exit(void *ctx)
{
	struct logger *lg = ctx;

	log_sink_close(&lg->sink);
	free(lg);
}

PLUGLAND_ASYNC(
	.name = "logger",
	.description = "every decision to a file: CSV or JSON lines, gzip, rotated by size",
	.init = logger_init,
	.consume = logger_consume,
	.exit = logger_exit,
);

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
#include <string.h>
#include <plugland/plugin.h>
#include "../common/plugin_conf.h"
#include "log_format.h"
#include "log_sink.h"

static const struct plugland_host *host;
static struct log_sink sink;
static enum log_format format;
static uint64_t lost_reported;
static bool failed;	/* a write failed: stop, once reported */

static int logger_init(const struct plugland_host *h)
{
	static const char *const formats[] = { "csv", "jsonl", NULL };
	uint64_t rotate_mb = 100, keep = 5;
	unsigned int fmt = LOG_CSV;
	const char *path;
	int ret;

	host = h;
	memset(&sink, 0, sizeof(sink));
	lost_reported = 0;
	failed = false;
	path = conf_str(h, "path");
	if (!path || !*path) {
		h->log(h, PLUGLAND_LOG_ERROR, "path: no file to write to");
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(sink.path)) {
		h->log(h, PLUGLAND_LOG_ERROR, "path: too long");
		return -EINVAL;
	}
	if (conf_word(h, "format", formats, &fmt) || conf_bool(h, "gzip", &sink.gzip) ||
	    conf_u64(h, "rotate_mb", 0, 1u << 20, &rotate_mb) || conf_u64(h, "keep", 0, 1000, &keep))
		return -EINVAL;
	format = (enum log_format)fmt;
	strcpy(sink.path, path);
	sink.rotate_bytes = rotate_mb << 20;
	sink.keep = (unsigned int)keep;
	sink.header = log_format_header(format);
	ret = log_sink_open(&sink);
	if (ret)
		h->log(h, PLUGLAND_LOG_ERROR, "%s: %s", sink.path, strerror(-ret));
	return ret;
}

static void logger_consume(const struct plugland_decision *recs, size_t n,
			   const struct plugland_log_span *span)
{
	char line[LOG_LINE_MAX];
	size_t i, len;
	int ret = 0;

	if (span->nr_lost > lost_reported) {
		host->log(host, PLUGLAND_LOG_WARN, "%llu decisions lost (not written)",
			  (unsigned long long)(span->nr_lost - lost_reported));
		lost_reported = span->nr_lost;
	}
	for (i = 0; i < n && !failed && !ret; i++) {
		len = log_format_line(format, span->first + i, &recs[i], line);
		ret = log_sink_write(&sink, line, len);
	}
	if (!ret && !failed)
		ret = log_sink_flush(&sink);
	if (ret && !failed) {
		host->log(host, PLUGLAND_LOG_ERROR, "%s: %s; no more decisions are written",
			  sink.path, strerror(-ret));
		failed = true;
	}
}

static void logger_exit(void)
{
	log_sink_close(&sink);
}

PLUGLAND_ASYNC(
	.name = "logger",
	.description = "every decision to a file: CSV or JSON lines, gzip, rotated by size",
	.init = logger_init,
	.consume = logger_consume,
	.exit = logger_exit,
);

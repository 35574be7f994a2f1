// SPDX-License-Identifier: GPL-2.0
/*
 * openmetrics: an async plugin serving what the decisions it consumes
 * add up to (decisions by policy and by who decided, per CPU, wait
 * histograms by policy and by command name) for Prometheus to scrape:
 * OpenMetrics 1.0 text, or the text format 0.0.4 when asked for
 * text/plain, over HTTP on a TCP address and/or a Unix socket, and
 * optionally as a node_exporter textfile.
 *
 * Threads: consume() (the host's async thread for this plugin) counts and
 * renders a snapshot at most every RENDER_MIN_MS; the plugin's own server
 * thread (started in init(), joined in exit()) only serves the last one.
 * Neither ever touches the scheduling thread.
 *
 * Config ([openmetrics]): listen, socket, textfile, timeout_ms,
 * max_connections, max_comms; see docs/policies.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <plugland/plugin.h>
#include "../common/plugin_conf.h"
#include "om_metrics.h"
#include "om_server.h"

#define RENDER_MIN_MS 200
#define DEFAULT_LISTEN "127.0.0.1:9464"

struct om_plugin {
	const struct plugland_host *host;
	struct om_metrics m;
	struct om_server srv;
	bool srv_ready;
	struct om_buf buf;		/* what the next snapshot is rendered into */
	char textfile[4096];
	bool textfile_failed;		/* reported once */
	uint64_t last_render_ms;
};

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* The text format to PATH, atomically: PATH.tmp, then rename(). */
static void write_textfile(struct om_plugin *op, const struct om_buf *b)
{
	char tmp[sizeof(op->textfile) + 8];
	int fd, err = 0;
	size_t off = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", op->textfile);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno;
	} else {
		while (off < b->len && !err) {
			ssize_t n = write(fd, b->p + off, b->len - off);

			if (n < 0 && errno != EINTR)
				err = errno;
			else if (n > 0)
				off += (size_t)n;
		}
		if (close(fd) && !err)
			err = errno;
		if (!err && rename(tmp, op->textfile))
			err = errno;
		if (err)
			unlink(tmp);
	}
	if (err && !op->textfile_failed)
		op->host->log(op->host, PLUGLAND_LOG_WARN, "textfile %s: %s (reported once)",
			      op->textfile, strerror(err));
	op->textfile_failed = op->textfile_failed || err;
}

static void render(struct om_plugin *op)
{
	uint64_t scrapes[2] = { 0, 0 };

	if (op->srv_ready) {
		scrapes[OM_OPENMETRICS] = atomic_load(&op->srv.scrapes[OM_OPENMETRICS]);
		scrapes[OM_TEXT_004] = atomic_load(&op->srv.scrapes[OM_TEXT_004]);
	}

	om_metrics_take_host(&op->m, op->host);
	om_render(&op->m, OM_TEXT_004, scrapes, &op->buf);
	if (op->textfile[0] && !op->buf.failed)
		write_textfile(op, &op->buf);
	if (op->srv_ready) {
		om_server_publish(&op->srv, OM_TEXT_004, &op->buf);
		om_render(&op->m, OM_OPENMETRICS, scrapes, &op->buf);
		om_server_publish(&op->srv, OM_OPENMETRICS, &op->buf);
	}
	op->last_render_ms = mono_ms();
}

static void om_exit(void *ctx)
{
	struct om_plugin *op = ctx;

	if (op->textfile[0])
		render(op); /* the final figures */
	if (op->srv_ready)
		om_server_fini(&op->srv); /* joins the server thread */
	om_metrics_fini(&op->m);
	free(op->buf.p);
	free(op);
}

static int om_init(const struct plugland_host *h, void **ctx)
{
	uint64_t timeout_ms = 2000, max_conns = 16, max_comms = 64;
	const char *listen = conf_str(h, "listen"), *sock = conf_str(h, "socket"),
		   *textfile = conf_str(h, "textfile");
	struct om_plugin *op;
	int ret = -EINVAL;

	op = calloc(1, sizeof(*op));
	if (!op)
		return -ENOMEM;
	op->host = h;
	if (conf_u64(h, "timeout_ms", 10, 600000, &timeout_ms) ||
	    conf_u64(h, "max_connections", 1, 4096, &max_conns) ||
	    conf_u64(h, "max_comms", 1, 65536, &max_comms))
		goto fail;
	if (!listen)
		listen = DEFAULT_LISTEN;
	if (textfile && strlen(textfile) >= sizeof(op->textfile)) {
		h->log(h, PLUGLAND_LOG_ERROR, "textfile: path too long");
		goto fail;
	}
	if (textfile)
		snprintf(op->textfile, sizeof(op->textfile), "%s", textfile);
	if (!*listen && (!sock || !*sock) && !op->textfile[0]) {
		h->log(h, PLUGLAND_LOG_ERROR, "listen, socket and textfile are all empty: "
		       "nothing to serve metrics on");
		goto fail;
	}
	ret = om_metrics_init(&op->m, h->nr_cpus, (uint32_t)max_comms, h->default_slice_ns);
	if (ret)
		goto fail;
	if (*listen || (sock && *sock)) {
		ret = om_server_init(&op->srv, h, (unsigned int)timeout_ms, (unsigned int)max_conns);
		if (ret)
			goto fail_metrics;
		if (*listen)
			ret = om_server_listen_tcp(&op->srv, listen);
		if (!ret && sock && *sock)
			ret = om_server_listen_unix(&op->srv, sock);
		if (!ret)
			ret = om_server_start(&op->srv);
		if (ret) {
			om_server_fini(&op->srv);
			goto fail_metrics;
		}
		op->srv_ready = true;
	}
	render(op); /* an empty snapshot: served before any decision */
	*ctx = op;
	return 0;
fail_metrics:
	om_metrics_fini(&op->m);
fail:
	free(op->buf.p);
	free(op);
	return ret;
}

static void om_consume(void *ctx, const struct plugland_decision *recs, size_t n,
		       const struct plugland_log_span *span)
{
	struct om_plugin *op = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		om_metrics_add(&op->m, &recs[i]);
	op->m.nr_lost = span->nr_lost;
	if (mono_ms() - op->last_render_ms >= RENDER_MIN_MS)
		render(op);
}

PLUGLAND_ASYNC(
	.name = "openmetrics",
	.description = "decision counters and wait histograms for Prometheus (OpenMetrics over HTTP)",
	.init = om_init,
	.consume = om_consume,
	.exit = om_exit,
);

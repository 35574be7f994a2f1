/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The openmetrics plugin's HTTP server: one thread of its own, non-blocking
 * sockets and poll(), a buffer and a deadline per connection, so a slow or
 * malformed client delays no other. It serves the last snapshot published
 * (double buffered: the consume() thread renders into its own buffer and
 * swaps it in under a mutex; the server copies it out under that mutex).
 */
#ifndef PLUGLAND_OM_SERVER_H
#define PLUGLAND_OM_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <plugland/plugin.h>
#include "om_metrics.h"

#define OM_MAX_LISTEN 2

struct om_server {
	const struct plugland_host *host;
	int listen_fd[OM_MAX_LISTEN];
	unsigned int nr_listen;
	char unix_path[108];		/* to unlink at stop; "" when none */
	int wake[2];			/* a byte here: stop */
	unsigned int timeout_ms;	/* per connection, from accept() to the last byte */
	unsigned int max_conns;
	pthread_t thread;
	bool running;

	pthread_mutex_t lock;		/* covers snap[] */
	struct om_buf snap[2];		/* [enum om_format]: what is served */
	atomic_ullong scrapes[2];	/* [enum om_format]: 200 answers to GET /metrics */
};

/* Set up `s` (no socket yet). 0 or -errno. */
int om_server_init(struct om_server *s, const struct plugland_host *h, unsigned int timeout_ms,
		   unsigned int max_conns);
/* Listen on ADDR:PORT ([V6]:PORT), numeric, port 0 for any: logged with
 * the port bound. 0, or -errno logged in one line. */
int om_server_listen_tcp(struct om_server *s, const char *addr);
/* Listen on a Unix socket at `path` (a stale socket there is replaced,
 * one something answers on is not). 0, or -errno logged. */
int om_server_listen_unix(struct om_server *s, const char *path);
/* Start the thread. 0 or -errno. */
int om_server_start(struct om_server *s);
/* Serve *b as format fmt from now on; *b gets the buffer served before,
 * to render the next snapshot into. */
void om_server_publish(struct om_server *s, enum om_format fmt, struct om_buf *b);
/* Stop and join the thread, close every socket, free the snapshots. */
void om_server_fini(struct om_server *s);

#endif

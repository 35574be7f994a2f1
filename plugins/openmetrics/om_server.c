// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "om_server.h"

#define REQ_MAX 4096
#define DRAIN_MS 1000

enum conn_state { CONN_READ, CONN_WRITE, CONN_DRAIN };

struct conn {
	int fd;
	enum conn_state state;
	uint64_t deadline_ms;
	size_t in_len;
	char in[REQ_MAX];
	char *out;
	size_t out_len, out_off;
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int om_server_init(struct om_server *s, const struct plugland_host *h, unsigned int timeout_ms,
		   unsigned int max_conns)
{
	memset(s, 0, sizeof(*s));
	s->host = h;
	s->timeout_ms = timeout_ms;
	s->max_conns = max_conns;
	s->wake[0] = s->wake[1] = -1;
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	pthread_mutex_init(&s->lock, NULL);
	return 0;
}

static int add_listener(struct om_server *s, int fd)
{
	if (listen(fd, 64)) {
		int err = -errno;

		close(fd);
		return err;
	}
	s->listen_fd[s->nr_listen++] = fd;
	return 0;
}

int om_server_listen_tcp(struct om_server *s, const char *spec)
{
	const struct plugland_host *h = s->host;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[64], serv[16], shown[96];
	const char *colon = strrchr(spec, ':'), *hs = spec;
	size_t hl = colon ? (size_t)(colon - spec) : 0;
	struct addrinfo *ai;
	int fd, one = 1, rc;

	if (hl && spec[0] == '[' && spec[hl - 1] == ']') {
		hs++;
		hl -= 2;
	}
	if (!colon || !hl || hl >= sizeof(host) || !colon[1] || strlen(colon + 1) >= sizeof(serv)) {
		h->log(h, PLUGLAND_LOG_ERROR, "listen: expected ADDRESS:PORT (127.0.0.1:9464, "
		       "[::1]:9464), got '%s'", spec);
		return -EINVAL;
	}
	memcpy(host, hs, hl);
	host[hl] = 0;
	snprintf(serv, sizeof(serv), "%s", colon + 1);
	rc = getaddrinfo(host, serv, &hints, &ai);
	if (rc) {
		h->log(h, PLUGLAND_LOG_ERROR, "listen: '%s': %s (a numeric address and port)", spec,
		       gai_strerror(rc));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		rc = -errno;
		h->log(h, PLUGLAND_LOG_ERROR, "listen %s: %s%s; not serving metrics", spec,
		       strerror(-rc), rc == -EADDRINUSE ? " (another exporter on that port? "
		       "set [openmetrics] listen)" : "");
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return rc;
	}
	freeaddrinfo(ai);
	rc = add_listener(s, fd);
	if (rc) {
		h->log(h, PLUGLAND_LOG_ERROR, "listen %s: %s; not serving metrics", spec,
		       strerror(-rc));
		return rc;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		char ip[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(shown, sizeof(shown), "[%s]:%u", ip, ntohs(a->sin6_port));
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(shown, sizeof(shown), "%s:%u", ip, ntohs(a->sin_port));
	}
	h->log(h, PLUGLAND_LOG_INFO, "serving http://%s/metrics", shown);
	return 0;
}

int om_server_listen_unix(struct om_server *s, const char *path)
{
	const struct plugland_host *h = s->host;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		h->log(h, PLUGLAND_LOG_ERROR, "socket: path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!lstat(path, &st)) {
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (!S_ISSOCK(st.st_mode) || probe < 0 ||
		    !connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
			h->log(h, PLUGLAND_LOG_ERROR, "socket %s: %s; not serving metrics there", path,
			       S_ISSOCK(st.st_mode) ? "in use by another process" :
			       "exists and is not a socket");
			if (probe >= 0)
				close(probe);
			close(fd);
			return -EADDRINUSE;
		}
		close(probe);
		unlink(path); /* stale: nobody answers */
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0660)) {
		rc = -errno;
		h->log(h, PLUGLAND_LOG_ERROR, "socket %s: %s; not serving metrics there", path,
		       strerror(-rc));
		close(fd);
		return rc;
	}
	rc = add_listener(s, fd);
	if (rc) {
		unlink(path);
		return rc;
	}
	snprintf(s->unix_path, sizeof(s->unix_path), "%s", path);
	h->log(h, PLUGLAND_LOG_INFO, "serving /metrics on unix socket %s", path);
	return 0;
}

void om_server_publish(struct om_server *s, enum om_format fmt, struct om_buf *b)
{
	struct om_buf old;

	pthread_mutex_lock(&s->lock);
	old = s->snap[fmt];
	s->snap[fmt] = *b;
	pthread_mutex_unlock(&s->lock);
	*b = old;
}

static void respond(struct conn *c, const char *status, const char *extra, const char *body,
		    size_t body_len)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
			 extra, body_len);

	c->out = malloc((size_t)n + body_len);
	if (!c->out) {
		c->state = CONN_DRAIN;
		return;
	}
	memcpy(c->out, head, (size_t)n);
	if (body_len)
		memcpy(c->out + n, body, body_len);
	c->out_len = (size_t)n + body_len;
	c->out_off = 0;
	c->state = CONN_WRITE;
}

static void respond_text(struct conn *c, const char *status, const char *extra)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "%s\n", status + 4);

	respond(c, status, extra ? extra : "Content-Type: text/plain; charset=utf-8\r\n", body,
		(size_t)n);
}

/* The value of header `name` (lower case) in the request, or NULL. */
static const char *header(const char *req, const char *name, size_t *len)
{
	const char *line = strchr(req, '\n');
	size_t nl = strlen(name);

	while (line && line[1] && line[1] != '\r' && line[1] != '\n') {
		line++;
		if (!strncasecmp(line, name, nl) && line[nl] == ':') {
			const char *v = line + nl + 1, *end = v + strcspn(v, "\r\n");

			while (*v == ' ' || *v == '\t')
				v++;
			*len = (size_t)(end - v);
			return v;
		}
		line = strchr(line, '\n');
	}
	return NULL;
}

static bool mem_has(const char *p, size_t len, const char *what)
{
	return memmem(p, len, what, strlen(what)) != NULL;
}

/* A whole request head is in c->in (NUL-terminated). */
static void handle(struct om_server *s, struct conn *c)
{
	char method[17], target[256], version[16];
	enum om_format fmt = OM_OPENMETRICS;
	const char *accept, *q;
	size_t alen = 0, tl, body_len;
	bool head;

	if (sscanf(c->in, "%16[A-Z] %255[^ \r\n] %15[^ \r\n]", method, target, version) != 3 ||
	    target[0] != '/' || (strcmp(version, "HTTP/1.0") && strcmp(version, "HTTP/1.1")) ||
	    c->in[strcspn(c->in, "\r\n")] == 0 ||
	    strlen(method) + strlen(target) + strlen(version) + 2 != strcspn(c->in, "\r\n")) {
		respond_text(c, "400 Bad Request", NULL);
		return;
	}
	head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		respond_text(c, "405 Method Not Allowed",
			     "Allow: GET, HEAD\r\nContent-Type: text/plain; charset=utf-8\r\n");
		return;
	}
	q = strchr(target, '?');
	tl = q ? (size_t)(q - target) : strlen(target);
	if (tl != strlen("/metrics") || strncmp(target, "/metrics", tl)) {
		respond_text(c, "404 Not Found", NULL);
		return;
	}
	accept = header(c->in, "accept", &alen);
	if (accept && !mem_has(accept, alen, "application/openmetrics-text") &&
	    mem_has(accept, alen, "text/plain"))
		fmt = OM_TEXT_004;
	pthread_mutex_lock(&s->lock);
	body_len = s->snap[fmt].len;
	respond(c, "200 OK", fmt == OM_OPENMETRICS ?
		"Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n" :
		"Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n",
		s->snap[fmt].p, body_len);
	pthread_mutex_unlock(&s->lock);
	if (head && c->state == CONN_WRITE) /* the same head, no body */
		c->out_len -= body_len;
	atomic_fetch_add(&s->scrapes[fmt], 1);
}

/* New bytes in c->in[from..]: answer garbage at once, a whole head when in. */
static void got_bytes(struct om_server *s, struct conn *c, size_t from)
{
	size_t i, sp = strcspn(c->in, " ");

	for (i = from; i < c->in_len; i++) {
		unsigned char ch = (unsigned char)c->in[i];

		if ((ch < 0x20 && ch != '\r' && ch != '\n' && ch != '\t') || ch >= 0x7f ||
		    (i < sp && (ch < 'A' || ch > 'Z')) || (i == sp && i == 0) || sp > 16) {
			respond_text(c, "400 Bad Request", NULL);
			return;
		}
	}
	if (strstr(c->in, "\r\n\r\n") || strstr(c->in, "\n\n"))
		handle(s, c);
	else if (c->in_len == REQ_MAX - 1)
		respond_text(c, "431 Request Header Fields Too Large", NULL);
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
}

static void conn_io(struct om_server *s, struct conn *c, short revents)
{
	ssize_t n;

	if (c->state == CONN_READ && (revents & (POLLIN | POLLHUP | POLLERR))) {
		size_t from = c->in_len;

		n = recv(c->fd, c->in + c->in_len, REQ_MAX - 1 - c->in_len, 0);
		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				conn_close(c);
			return;
		}
		c->in_len += (size_t)n;
		c->in[c->in_len] = 0;
		if (memchr(c->in + from, 0, (size_t)n)) { /* a NUL: garbage */
			respond_text(c, "400 Bad Request", NULL);
		} else {
			got_bytes(s, c, from);
		}
		if (c->state != CONN_WRITE)
			return;
	}
	if (c->state == CONN_WRITE) {
		while (c->out_off < c->out_len) {
			n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno != EAGAIN && errno != EINTR)
					conn_close(c);
				return;
			}
			c->out_off += (size_t)n;
		}
		/* All sent: read what the client still sends, for closing
		 * with unread bytes would reset the connection and could
		 * lose the answer before the client read it. */
		shutdown(c->fd, SHUT_WR);
		c->state = CONN_DRAIN;
		c->deadline_ms = now_ms() + DRAIN_MS;
		return;
	}
	if (c->state == CONN_DRAIN && (revents & (POLLIN | POLLHUP | POLLERR))) {
		char junk[1024];

		n = recv(c->fd, junk, sizeof(junk), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			conn_close(c);
	}
}

static void *server_main(void *arg)
{
	struct om_server *s = arg;
	unsigned int nfix = 1 + s->nr_listen, i, nr = 0;
	struct pollfd *pfd = calloc(nfix + s->max_conns, sizeof(*pfd));
	struct conn *conns = calloc(s->max_conns, sizeof(*conns));

	if (!pfd || !conns) {
		s->host->log(s->host, PLUGLAND_LOG_ERROR, "out of memory: not serving metrics");
		goto out;
	}
	for (;;) {
		uint64_t now = now_ms(), first = UINT64_MAX;
		int timeout, ready;

		/* Deadlines passed, closed connections out of the array. */
		for (i = 0; i < nr;) {
			if (conns[i].fd >= 0 && conns[i].deadline_ms <= now)
				conn_close(&conns[i]);
			if (conns[i].fd < 0) {
				conns[i] = conns[--nr];
				continue;
			}
			if (conns[i].deadline_ms < first)
				first = conns[i].deadline_ms;
			i++;
		}
		pfd[0] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		for (i = 0; i < s->nr_listen; i++)
			pfd[1 + i] = (struct pollfd){ .fd = s->listen_fd[i], .events = POLLIN };
		for (i = 0; i < nr; i++)
			pfd[nfix + i] = (struct pollfd){
				.fd = conns[i].fd,
				.events = conns[i].state == CONN_WRITE ? POLLOUT : POLLIN,
			};
		timeout = first == UINT64_MAX ? -1 : (int)(first - now + 1);
		ready = poll(pfd, nfix + nr, timeout);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready <= 0)
			continue;
		if (pfd[0].revents)
			break;
		for (i = 0; i < nr; i++)
			if (pfd[nfix + i].revents)
				conn_io(s, &conns[i], pfd[nfix + i].revents);
		for (i = 0; i < s->nr_listen; i++) {
			int fd;

			if (!pfd[1 + i].revents)
				continue;
			while ((fd = accept4(s->listen_fd[i], NULL, NULL,
					     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				unsigned int j, victim = 0;

				if (nr == s->max_conns) {
					/* Full: the oldest connection gives way. */
					for (j = 1; j < nr; j++)
						if (conns[j].deadline_ms < conns[victim].deadline_ms)
							victim = j;
					conn_close(&conns[victim]);
					conns[victim] = conns[--nr];
				}
				memset(&conns[nr], 0, offsetof(struct conn, in) + 1);
				conns[nr].fd = fd;
				conns[nr].state = CONN_READ;
				conns[nr].deadline_ms = now_ms() + s->timeout_ms;
				nr++;
			}
		}
	}
	for (i = 0; i < nr; i++)
		if (conns[i].fd >= 0)
			conn_close(&conns[i]);
out:
	free(pfd);
	free(conns);
	return NULL;
}

int om_server_start(struct om_server *s)
{
	sigset_t all, old;
	int rc;

	/* The process's signals (SIGINT, SIGTERM, SIGHUP) are the host's:
	 * the server thread takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&s->thread, NULL, server_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	s->running = true;
	return 0;
}

void om_server_fini(struct om_server *s)
{
	unsigned int i;

	if (s->running) {
		char b = 1;

		while (write(s->wake[1], &b, 1) < 0 && errno == EINTR)
			;
		pthread_join(s->thread, NULL);
		s->running = false;
	}
	for (i = 0; i < s->nr_listen; i++)
		close(s->listen_fd[i]);
	s->nr_listen = 0;
	if (s->unix_path[0])
		unlink(s->unix_path);
	for (i = 0; i < 2; i++)
		if (s->wake[i] >= 0)
			close(s->wake[i]);
	free(s->snap[0].p);
	free(s->snap[1].p);
	pthread_mutex_destroy(&s->lock);
}

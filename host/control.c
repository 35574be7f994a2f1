// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "control.h"
#include "log.h"

#define MAX_CLIENTS 16

struct client {
	int fd;
	size_t len;
	uint64_t deadline_ns;
	char buf[CONTROL_MAX_REQUEST + 1];
};

/* A request for the scheduling thread, and its answer. */
struct mailbox {
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	atomic_int pending;	/* 1: posted, not yet run */
	bool done;
	bool running;		/* the scheduling thread is executing one */
	bool abandoned;		/* the poster gave up waiting */
	char cmd[64];
	char arg[CONTROL_MAX_REQUEST];
	cJSON *reply;
};

struct control {
	int listen_fd;
	int wake_pipe[2];	/* control_stop() -> thread */
	pthread_t thread;
	char path[108];
	control_handler handler;
	control_needs_sched needs_sched;
	void *ctx;
	struct mailbox mb;
	/* What control_service() runs, copied out of the mailbox's lock. */
	char run_cmd[sizeof(((struct mailbox *)0)->cmd)];
	char run_arg[sizeof(((struct mailbox *)0)->arg)];
	struct client clients[MAX_CLIENTS];
};

static cJSON *error_reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static cJSON *error_reply(const char *fmt, ...)
{
	cJSON *r = cJSON_CreateObject();
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddBoolToObject(r, "ok", false);
	cJSON_AddStringToObject(r, "error", msg);
	return r;
}

/* Best effort, never blocking: a client that does not read loses it. */
static void send_reply(int fd, cJSON *reply)
{
	char *text = reply ? cJSON_PrintUnformatted(reply) : NULL;
	ssize_t r;

	if (text) {
		r = send(fd, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL);
		r = send(fd, "\n", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)r;
	}
	free(text);
	cJSON_Delete(reply);
}

/* Run cmd on the scheduling thread and wait (bounded) for the answer. */
static cJSON *post(struct control *c, const char *cmd, const char *arg)
{
	struct mailbox *mb = &c->mb;
	struct timespec until;
	cJSON *reply;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += CONTROL_EXEC_TIMEOUT_MS / 1000;
	pthread_mutex_lock(&mb->lock);
	if (mb->running) { /* an abandoned request still runs */
		pthread_mutex_unlock(&mb->lock);
		return error_reply("busy: the previous command is still running");
	}
	snprintf(mb->cmd, sizeof(mb->cmd), "%s", cmd);
	snprintf(mb->arg, sizeof(mb->arg), "%s", arg);
	mb->done = mb->abandoned = false;
	mb->reply = NULL;
	atomic_store_explicit(&mb->pending, 1, memory_order_release);
	while (!mb->done && pthread_cond_timedwait(&mb->done_cond, &mb->lock, &until) != ETIMEDOUT)
		;
	if (!mb->done) {
		mb->abandoned = true;
		/* Not yet picked up: withdraw it. */
		atomic_store_explicit(&mb->pending, 0, memory_order_relaxed);
		pthread_mutex_unlock(&mb->lock);
		return error_reply("the scheduling thread did not answer within %d ms",
				   CONTROL_EXEC_TIMEOUT_MS);
	}
	reply = mb->reply;
	mb->reply = NULL;
	pthread_mutex_unlock(&mb->lock);
	return reply;
}

const atomic_int *control_pending(const struct control *c)
{
	return &c->mb.pending;
}

void control_service(struct control *c)
{
	char *cmd = c ? c->run_cmd : NULL, *arg = c ? c->run_arg : NULL;
	struct mailbox *mb;
	cJSON *reply;

	if (!c || !atomic_load_explicit(&c->mb.pending, memory_order_acquire))
		return;
	mb = &c->mb;
	pthread_mutex_lock(&mb->lock);
	if (!atomic_load_explicit(&mb->pending, memory_order_relaxed)) {
		pthread_mutex_unlock(&mb->lock);
		return; /* withdrawn */
	}
	atomic_store_explicit(&mb->pending, 0, memory_order_relaxed);
	mb->running = true;
	memcpy(cmd, mb->cmd, sizeof(c->run_cmd));
	memcpy(arg, mb->arg, sizeof(c->run_arg));
	pthread_mutex_unlock(&mb->lock);

	/* Not under the lock: the command may take a while (loading a policy). */
	reply = c->handler(c->ctx, cmd, arg, true);

	pthread_mutex_lock(&mb->lock);
	mb->running = false;
	if (mb->abandoned) {
		cJSON_Delete(reply);
	} else {
		mb->reply = reply;
		mb->done = true;
		pthread_cond_signal(&mb->done_cond);
	}
	pthread_mutex_unlock(&mb->lock);
}

static void handle_request(struct control *c, struct client *cl)
{
	char *line = cl->buf, *arg, *end;
	cJSON *reply;

	cl->buf[cl->len] = 0;
	end = strchr(line, '\n');
	if (end)
		*end = 0;
	while (*line == ' ' || *line == '\t')
		line++;
	arg = line + strcspn(line, " \t\r");
	if (*arg)
		*arg++ = 0;
	while (*arg == ' ' || *arg == '\t')
		arg++;
	arg[strcspn(arg, "\r")] = 0;

	if (!*line)
		reply = error_reply("empty request; try 'help'");
	else if (strlen(line) >= sizeof(c->mb.cmd))
		reply = error_reply("unknown command; try 'help'");
	else if (c->needs_sched(line))
		reply = post(c, line, arg);
	else
		reply = c->handler(c->ctx, line, arg, false);
	send_reply(cl->fd, reply);
}

static void drop(struct client *cl)
{
	close(cl->fd);
	cl->fd = -1;
}

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void accept_client(struct control *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int i;

	if (fd < 0)
		return;
	if (!peer_allowed(fd)) {
		send_reply(fd, error_reply("permission denied: only root or the owner of "
					   "scx_plugland may control it"));
		close(fd);
		return;
	}
	for (i = 0; i < MAX_CLIENTS && c->clients[i].fd >= 0; i++)
		;
	if (i == MAX_CLIENTS) {
		send_reply(fd, error_reply("busy: too many connections"));
		close(fd);
		return;
	}
	c->clients[i].fd = fd;
	c->clients[i].len = 0;
	c->clients[i].deadline_ns = pl_now_ns() + CONTROL_CLIENT_TIMEOUT_MS * 1000000ull;
}

static void read_client(struct control *c, struct client *cl)
{
	ssize_t n = recv(cl->fd, cl->buf + cl->len, CONTROL_MAX_REQUEST - cl->len, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* EOF (half-closed) ends a request without newline */
		if (cl->len)
			handle_request(c, cl);
		drop(cl);
		return;
	}
	cl->len += (size_t)n;
	if (memchr(cl->buf + cl->len - n, '\n', (size_t)n)) {
		handle_request(c, cl);
		drop(cl);
	} else if (cl->len == CONTROL_MAX_REQUEST) {
		send_reply(cl->fd, error_reply("request longer than %d bytes", CONTROL_MAX_REQUEST));
		drop(cl);
	}
}

static void *control_main(void *arg)
{
	struct control *c = arg;
	struct pollfd pfd[MAX_CLIENTS + 2];
	int map[MAX_CLIENTS + 2];

	for (;;) {
		uint64_t now = pl_now_ns();
		int n = 0, i, timeout = -1;

		pfd[n++] = (struct pollfd){ .fd = c->wake_pipe[0], .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
		for (i = 0; i < MAX_CLIENTS; i++) {
			struct client *cl = &c->clients[i];
			int left;

			if (cl->fd < 0)
				continue;
			if (now >= cl->deadline_ns) { /* too slow: dropped */
				drop(cl);
				continue;
			}
			left = (int)((cl->deadline_ns - now) / 1000000ull) + 1;
			timeout = timeout < 0 || left < timeout ? left : timeout;
			map[n] = i;
			pfd[n++] = (struct pollfd){ .fd = cl->fd, .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break; /* control_stop() */
		if (pfd[1].revents & POLLIN)
			accept_client(c);
		for (i = 2; i < n; i++)
			if (pfd[i].revents)
				read_client(c, &c->clients[map[i]]);
	}
	return NULL;
}

/* A socket file left by a dead instance may go; a live one may not. */
static int claim_path(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, live;

	if (lstat(path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	live = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	if (live) {
		snprintf(err, errlen, "%s: another scx_plugland is listening there", path);
		return -1;
	}
	unlink(path);
	return 0;
}

struct control *control_start(const char *path, control_handler handler,
			      control_needs_sched needs_sched, void *ctx, char *err, size_t errlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct control *c;
	mode_t old_umask;
	int i, ret;

	if (strlen(path) >= sizeof(a.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return NULL;
	}
	if (claim_path(path, err, errlen))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	c->handler = handler;
	c->needs_sched = needs_sched;
	c->ctx = ctx;
	for (i = 0; i < MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	pthread_mutex_init(&c->mb.lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&c->mb.done_cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0 || pipe2(c->wake_pipe, O_CLOEXEC))
		goto fail;
	/* Created 0600 (no window where others could connect). */
	old_umask = umask(0177);
	ret = bind(c->listen_fd, (struct sockaddr *)&a, sizeof(a));
	umask(old_umask);
	if (ret || listen(c->listen_fd, 8))
		goto fail;
	ret = pthread_create(&c->thread, NULL, control_main, c);
	if (ret) {
		errno = ret;
		unlink(path);
		goto fail;
	}
	return c;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	free(c);
	return NULL;
}

void control_stop(struct control *c)
{
	ssize_t r;
	int i;

	if (!c)
		return;
	r = write(c->wake_pipe[1], "x", 1);
	(void)r;
	pthread_join(c->thread, NULL);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			close(c->clients[i].fd);
	close(c->listen_fd);
	close(c->wake_pipe[0]);
	close(c->wake_pipe[1]);
	unlink(c->path);
	pthread_mutex_destroy(&c->mb.lock);
	pthread_cond_destroy(&c->mb.done_cond);
	free(c);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket, with a stand-in for the scheduling thread: replies,
 * the mailbox, and hostile clients (random bytes, oversized, half-closed,
 * slow, a foreign user). None may crash it or stop it from answering.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "skip_because.h"
#include "control.h"

static char path[64];
static struct control *ctl;
static volatile int sched_running;
static pthread_t sched_thread;
static int sched_calls;

static cJSON *handler(void *ctx, const char *cmd, const char *arg, bool on_sched)
{
	cJSON *r = cJSON_CreateObject();

	(void)ctx;
	cJSON_AddBoolToObject(r, "ok", strcmp(cmd, "fail") != 0);
	cJSON_AddStringToObject(r, "cmd", cmd);
	cJSON_AddStringToObject(r, "arg", arg);
	cJSON_AddBoolToObject(r, "on_sched", on_sched);
	if (on_sched)
		sched_calls++;
	return r;
}

static bool needs_sched(const char *cmd)
{
	return !strcmp(cmd, "switch");
}

/* Stands for the scheduling loop: services the mailbox between "rounds". */
static void *fake_loop(void *arg)
{
	(void)arg;
	while (sched_running) {
		control_service(ctl);
		usleep(1000);
	}
	return NULL;
}

static int connect_ctl(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	return fd;
}

/* Send bytes (optionally half-closing), return the reply parsed, or NULL. */
static cJSON *exchange(const void *req, size_t len, bool half_close)
{
	static char buf[65536];
	size_t got = 0;
	ssize_t n;
	int fd = connect_ctl();

	assert_true(fd >= 0);
	if (len)
		assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	if (half_close)
		shutdown(fd, SHUT_WR);
	while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = 0;
	return got ? cJSON_Parse(buf) : NULL;
}

static const char *str(const cJSON *r, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	snprintf(path, sizeof(path), "/tmp/plugland-ctl-%d.sock", getpid());
	ctl = control_start(path, handler, needs_sched, NULL, err, sizeof(err));
	if (!ctl)
		return -1;
	sched_running = 1;
	return pthread_create(&sched_thread, NULL, fake_loop, NULL);
}

static int teardown(void **state)
{
	(void)state;
	sched_running = 0;
	pthread_join(sched_thread, NULL);
	control_stop(ctl);
	return access(path, F_OK) == 0; /* the socket file is removed */
}

static void test_socket_mode(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_commands(void **state)
{
	cJSON *r;

	(void)state;
	r = exchange("status\n", 7, false);
	assert_non_null(r);
	assert_string_equal(str(r, "cmd"), "status");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r, "on_sched")));
	cJSON_Delete(r);

	r = exchange("  switch   lottery \r\n", 21, false);
	assert_string_equal(str(r, "cmd"), "switch");
	assert_string_equal(str(r, "arg"), "lottery ");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "on_sched")));
	cJSON_Delete(r);

	/* ended by shutdown(SHUT_WR) rather than a newline */
	r = exchange("status", 6, true);
	assert_string_equal(str(r, "cmd"), "status");
	cJSON_Delete(r);
}

static void test_hostile_clients(void **state)
{
	static char big[CONTROL_MAX_REQUEST + 100];
	unsigned char junk[512];
	int i, fd, slow;
	cJSON *r;

	(void)state;
	/* oversized */
	memset(big, 'a', sizeof(big));
	r = exchange(big, sizeof(big), false);
	assert_non_null(strstr(str(r, "error"), "longer than"));
	cJSON_Delete(r);

	/* empty, then connect-and-close */
	r = exchange("\n", 1, false);
	assert_non_null(strstr(str(r, "error"), "empty request"));
	cJSON_Delete(r);
	assert_null(exchange("", 0, true));

	/* random bytes: some reply, never a crash */
	srand(7);
	for (i = 0; i < 200; i++) {
		size_t j, n = 1 + (size_t)(rand() % (int)sizeof(junk));

		for (j = 0; j < n; j++)
			junk[j] = (unsigned char)rand();
		cJSON_Delete(exchange(junk, n, true));
	}

	/* a slow client holds no one up and is dropped after its deadline */
	slow = connect_ctl();
	assert_true(slow >= 0);
	assert_int_equal(send(slow, "sta", 3, 0), 3);
	r = exchange("status\n", 7, false);
	assert_string_equal(str(r, "cmd"), "status");
	cJSON_Delete(r);
	usleep((CONTROL_CLIENT_TIMEOUT_MS + 500) * 1000);
	{
		char c;

		assert_int_equal(recv(slow, &c, 1, 0), 0); /* closed by the server */
	}
	close(slow);

	/* still serving */
	fd = connect_ctl();
	assert_true(fd >= 0);
	close(fd);
	r = exchange("status\n", 7, false);
	assert_string_equal(str(r, "cmd"), "status");
	cJSON_Delete(r);
}

/* A user other than root and us: the file mode keeps them out; with the
 * mode opened up, the peer-credential check still refuses them. */
static void test_foreign_user_refused(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip_because("needs root to act as another user");
	pid = fork();
	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		fd = connect_ctl();
		if (fd >= 0 || errno != EACCES)
			_exit(11);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	assert_int_equal(WEXITSTATUS(status), 0);

	chmod(path, 0666);
	pid = fork();
	if (pid == 0) {
		/* no cmocka asserts in the child: the server may reply and
		 * close before our request is even sent */
		char buf[512] = "";
		ssize_t n;
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		fd = connect_ctl();
		if (fd < 0)
			_exit(11);
		n = send(fd, "status\n", 7, MSG_NOSIGNAL);
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		_exit(n > 0 && strstr(buf, "permission denied") ? 0 : 12);
	}
	waitpid(pid, &status, 0);
	chmod(path, 0600);
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_mode),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_hostile_clients),
		cmocka_unit_test(test_foreign_user_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

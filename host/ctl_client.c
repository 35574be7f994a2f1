// SPDX-License-Identifier: GPL-2.0
/*
 * scx_plugland ctl: the control socket's command-line front end. Sends
 * one request, prints the JSON reply as is (--json) or for people.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "control.h"
#include "ctl_client.h"

#define REPLY_MAX (1 << 20)
#define REPLY_TIMEOUT_MS (CONTROL_EXEC_TIMEOUT_MS + 2000)

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: scx_plugland ctl [-S SOCKET] [--json] COMMAND [ARGUMENT]\n"
		"Talk to a running scx_plugland (default socket " PLUGLAND_CONTROL_SOCKET ").\n"
		"\n"
		"  status                    policy, uptime, failsafe, plugin settings, main counters\n"
		"  stats                     every counter\n"
		"  switch POLICY             replace the policy while attached\n"
		"  reload                    re-read the ini file's plugin sections\n"
		"  set SECTION.KEY=VALUE     change one plugin setting\n"
		"  shadow [POLICY|off]       where a shadow policy disagreed with the real one;\n"
		"                            start or replace one; stop it\n"
		"  debug start|stop          start or stop recording decisions\n"
		"  dump [PATH]               write the decision log to a file now\n"
		"  help                      the commands this scx_plugland knows\n");
}

/* Print a reply for people: "key: value", nested objects indented. */
static void print_human(const cJSON *o, int depth)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, o) {
		if (!strcmp(it->string, "ok") && depth == 0)
			continue;
		printf("%*s%-24s", depth * 2, "", it->string);
		if (cJSON_IsObject(it)) {
			putchar('\n');
			print_human(it, depth + 1);
		} else if (cJSON_IsString(it)) {
			printf(" %s\n", it->valuestring);
		} else if (cJSON_IsBool(it)) {
			printf(" %s\n", cJSON_IsTrue(it) ? "yes" : "no");
		} else if (cJSON_IsNumber(it)) {
			double v = it->valuedouble;

			if (v == (double)(long long)v)
				printf(" %lld\n", (long long)v);
			else
				printf(" %.3f\n", v);
		} else {
			putchar('\n');
		}
	}
}

int ctl_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *path = PLUGLAND_CONTROL_SOCKET;
	char request[CONTROL_MAX_REQUEST], *reply;
	struct pollfd pfd;
	bool json = false;
	size_t len = 0;
	cJSON *r, *ok;
	int opt, fd, i, status;
	ssize_t n;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+S:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'S': path = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	request[0] = 0;
	for (i = optind; i < argc; i++) {
		size_t used = strlen(request);

		if (snprintf(request + used, sizeof(request) - used, "%s%s", i > optind ? " " : "",
			     argv[i]) >= (int)(sizeof(request) - used - 1)) {
			fprintf(stderr, "scx_plugland ctl: request too long\n");
			return 2;
		}
	}
	strcat(request, "\n");

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "scx_plugland ctl: %s: socket path too long\n", path);
		return 2;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "scx_plugland ctl: cannot connect to %s: %s%s\n", path, strerror(errno),
			errno == ENOENT || errno == ECONNREFUSED ? " (is scx_plugland running?)" : "");
		return 1;
	}
	if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "scx_plugland ctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	reply = malloc(REPLY_MAX + 1);
	if (!reply)
		return 1;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (len < REPLY_MAX && poll(&pfd, 1, REPLY_TIMEOUT_MS) == 1 &&
	       (n = recv(fd, reply + len, REPLY_MAX - len, 0)) > 0) {
		len += (size_t)n;
		if (memchr(reply, '\n', len))
			break;
	}
	close(fd);
	reply[len] = 0;
	r = cJSON_Parse(reply);
	if (!r) {
		fprintf(stderr, "scx_plugland ctl: %s: %s\n", path,
			len ? "the reply is not JSON" : "no reply (timed out or refused)");
		free(reply);
		return 1;
	}
	ok = cJSON_GetObjectItemCaseSensitive(r, "ok");
	status = cJSON_IsTrue(ok) ? 0 : 1;
	if (json) {
		fputs(reply, stdout);
		if (!memchr(reply, '\n', len))
			putchar('\n');
	} else if (status) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");

		fprintf(stderr, "scx_plugland ctl: %s\n", cJSON_IsString(e) ? e->valuestring : "failed");
	} else {
		print_human(r, 0);
	}
	cJSON_Delete(r);
	free(reply);
	return status;
}

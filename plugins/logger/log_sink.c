// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "log_sink.h"

static int put(struct log_sink *s, const char *buf, size_t len)
{
	if (s->gzip) {
		if (gzwrite(s->gz, buf, (unsigned int)len) != (int)len)
			return -EIO;
		s->size = (uint64_t)gzoffset(s->gz);
		return 0;
	}
	if (fwrite(buf, 1, len, s->f) != len)
		return -errno;
	s->size += len;
	return 0;
}

int log_sink_open(struct log_sink *s)
{
	off_t end;
	int fd;

	fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* At the end, the file offset is its size: gzoffset() reads it. */
	end = lseek(fd, 0, SEEK_END);
	s->size = end > 0 ? (uint64_t)end : 0;
	if (s->gzip)
		s->gz = gzdopen(fd, "ab");
	else
		s->f = fdopen(fd, "a");
	if (!s->gz && !s->f) {
		close(fd);
		return -ENOMEM;
	}
	/* A file already there has its header (gzip: in its first member). */
	return !s->size && s->header ? put(s, s->header, strlen(s->header)) : 0;
}

void log_sink_close(struct log_sink *s)
{
	if (s->gz)
		gzclose(s->gz);
	if (s->f)
		fclose(s->f);
	s->gz = NULL;
	s->f = NULL;
}

static int rotate(struct log_sink *s)
{
	char from[sizeof(s->path) + 16], to[sizeof(s->path) + 16];
	unsigned int i;

	log_sink_close(s);
	for (i = s->keep; i > 1; i--) {
		snprintf(from, sizeof(from), "%s.%u", s->path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", s->path, i);
		if (rename(from, to) && errno != ENOENT)
			return -errno;
	}
	snprintf(to, sizeof(to), "%s.1", s->path);
	if (s->keep ? rename(s->path, to) : unlink(s->path))
		return -errno;
	s->nr_rotations++;
	return log_sink_open(s);
}

int log_sink_write(struct log_sink *s, const char *line, size_t len)
{
	int ret;

	if (s->rotate_bytes && s->size && s->size + len > s->rotate_bytes) {
		ret = rotate(s);
		if (ret)
			return ret;
	}
	return put(s, line, len);
}

int log_sink_flush(struct log_sink *s)
{
	if (s->gzip)
		return gzflush(s->gz, Z_SYNC_FLUSH) == Z_OK ? 0 : -EIO;
	return fflush(s->f) ? -errno : 0;
}

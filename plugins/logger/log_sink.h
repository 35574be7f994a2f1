/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A log file, plain or gzip (zlib), rotated by size: before a line would
 * take the file past rotate_bytes, it is closed and renamed PATH.1 (PATH.1
 * becomes PATH.2, ..., up to PATH.keep; older ones are deleted) and a new
 * PATH starts with the header. For gzip the size is the compressed size
 * written so far: zlib holds back what it is still compressing, so a file
 * may go past the limit by that much (tens of KiB). An existing PATH is
 * appended to (gzip: a new member, which gunzip reads as one stream).
 */
#ifndef PLUGLAND_LOG_SINK_H
#define PLUGLAND_LOG_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

struct log_sink {
	char path[4096];
	bool gzip;
	uint64_t rotate_bytes;	/* 0: never */
	unsigned int keep;	/* rotated files kept */
	const char *header;	/* first line of each new file, or NULL */
	FILE *f;
	gzFile gz;
	uint64_t size;		/* of the current file */
	uint64_t nr_rotations;
};

/* Open s->path (the fields above set). 0, or a negative errno. */
int log_sink_open(struct log_sink *s);
/* One line (with its newline). 0, or a negative errno. */
int log_sink_write(struct log_sink *s, const char *line, size_t len);
int log_sink_flush(struct log_sink *s);
void log_sink_close(struct log_sink *s);

#endif

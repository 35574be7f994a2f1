/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The effective configuration: defaults, then the ini file, then flags.
 * One table (config.c) drives the defaults, the parser and --print-config.
 */
#ifndef PLUGLAND_CONFIG_H
#define PLUGLAND_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include "bpf_settings.h"
#include <stdio.h>

#define CONFIG_MAX_EXTRA 256 /* key/values of plugin sections */

struct config_kv {
	char section[64];
	char key[64];
	char value[200];
	int line;		/* in config.path; 0: from --set */
};

struct config {
	/* [scheduler] */
	char policy[64];
	char shadow[64];	/* a shadow policy (shadow.h); "": none */
	int shadow_line;	/* where the file set it; 0: the command line or unset */
	char plugin_dir[256];
	bool strict;
	uint64_t slice_us;
	uint32_t tick_ms;
	uint32_t max_wait_ms;
	/* [log] */
	uint32_t log_capacity;
	/* [debug] */
	bool debug;
	uint32_t debug_size_mb;
	char debug_on_full[8];
	char debug_dump[200];
	/* [async] */
	char async_plugins[200];
	uint32_t async_interval_ms;
	/* [control] */
	char control_socket[108];
	uint32_t watch_config_ms; /* reload when the file changes; 0: only on SIGHUP */
	/* [watchdog] */
	uint32_t watchdog_ms;
	uint32_t watchdog_init_ms; /* a switch's load, init() and exit() */
	char watchdog_action[8];
	/* [bpf] */
	struct bpf_settings bpf; /* what BPF reads: bpf_settings.h */
	char idle_direct[8];	/* policy, true (every policy), false (none) */
	bool local_queues;	/* false: PLUGLAND_POLICY_FAST_WAKE_LOCAL refused */
	bool direct_local;	/* FIFO queue paths: FAST_WAKE_DIRECT_LOCAL */

	/* sections other than the host's: handed to plugins */
	struct config_kv extra[CONFIG_MAX_EXTRA];
	unsigned int nr_extra;
	char path[256];		/* file it came from, "" for defaults only */
};

void config_defaults(struct config *c);
/*
 * Every plugin section names a plugin: is_plugin(name) says whether one
 * of that name exists. On error: -1 and "file:line: message" (or
 * "--set section.key: message") in err.
 */
int config_check_sections(const struct config *c,
			  bool (*is_plugin)(const char *name, const void *ctx), const void *ctx, char *err, size_t errlen);
/* Parse `path` over *c. On error: -1 and "file:line: message" in err. */
/* path opened for reading, or NULL and "PATH: why" in err (a folder is
 * refused: it opens, and would read as an empty file). */
FILE *config_open(const char *path, char *err, size_t errlen);
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/* The same, from an open stream; `name` is used in messages. */
int config_load_stream(struct config *c, FILE *f, const char *name, char *err, size_t errlen);
/* Apply "section.key=value" (--set). On error: -1 and a message. */
int config_set(struct config *c, const char *assignment, char *err, size_t errlen);
/* Sections of the host itself (not handed to plugins). */
bool config_is_host_section(const char *section);
/* The value of key in a plugin section, or NULL. */
const char *config_plugin_value(const struct config *c, const char *section, const char *key);
/* The same, with where it was set; NULL when unset. */
const struct config_kv *config_plugin_kv(const struct config *c, const char *section,
					 const char *key);
/* Where kv was set, for messages: "FILE:LINE", or "--set SECTION.KEY". */
void config_kv_where(const struct config *c, const struct config_kv *kv, char *buf, size_t len);
void config_print(const struct config *c, FILE *out);
/*
 * s as it may be echoed in a message: the bytes a terminal could take for
 * commands (below 0x20, 0x7f and up) as \n, \t, \r or \xNN. A backslash
 * stays as it is, so that escaping twice changes nothing. Cut at a whole
 * character to fit len (> 0); returns buf.
 */
const char *config_escape(const char *s, char *buf, size_t len);
#define CONFIG_ESCAPED_MAX 256	/* what a message shows of one text */

#endif

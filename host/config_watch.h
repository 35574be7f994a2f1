/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reload when the configuration file changes, as SIGHUP does: a thread
 * stat()s the file every period_ms and, when what the path resolves to
 * changed (another inode, size or modification time: an editor's rename,
 * a Kubernetes ConfigMap's symlink swap), sends the process SIGHUP. The
 * reload itself is the operator's: checked whole, refused with a message
 * and no change when wrong ([control] watch_config_ms).
 */
#ifndef PLUGLAND_CONFIG_WATCH_H
#define PLUGLAND_CONFIG_WATCH_H

#include <stdint.h>

struct config_watch;

/* NULL with errno set when the thread cannot start. */
struct config_watch *config_watch_start(const char *path, uint32_t period_ms);
void config_watch_stop(struct config_watch *w);

#endif

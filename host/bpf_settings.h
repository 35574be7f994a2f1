/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The [bpf] settings that BPF reads: one line each, from the ini key to
 * the field of .rodata's struct plugland_config (bpf/intf.h). config.c's
 * table, struct config and bpf_backend_open() all expand this list, so a
 * new setting is a line here, its field in plugland_config, and its use in
 * the BPF program (conf/plugland.ini documents each).
 *
 *   U32(key, default, min, max, check, rodata field, conversion)
 *   BOOL(key, default, rodata field)
 *
 * check: a config.c validator of the text (NULL: the range is enough).
 * ([bpf] idle_direct is not here: the loop applies it, not BPF.)
 */
#ifndef PLUGLAND_BPF_SETTINGS_H
#define PLUGLAND_BPF_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#define PL_BPF_NS_OF_MS(v)     ((uint64_t)(v) * 1000000ull)
#define PL_BPF_BYTES_OF_KIB(v) ((uint32_t)(v) * 1024u)

#define PL_BPF_SETTINGS(U32, BOOL)                                                              \
	U32(heartbeat_ms, "100", 10, 10000, NULL, heartbeat_ns, PL_BPF_NS_OF_MS)                  \
	U32(ringbuf_kib, "4096", 64, 1048576, check_ringbuf_kib, ringbuf_bytes, PL_BPF_BYTES_OF_KIB) \
	BOOL(all_kthreads, "true", direct_all_kthreads)                                          \
	BOOL(resume_after_host, "true", resume_after_host)                                       \
	BOOL(defer_sync_wakeups, "true", defer_sync_wakeups)                                     \
	BOOL(park_host, "false", park_host)                                                      \
	U32(failsafe_ms, "500", 50, 4000, NULL, failsafe_ns, PL_BPF_NS_OF_MS)

/* The values, in the ini's units (struct config's `bpf`). */
struct bpf_settings {
#define PL_BPF_U32_FIELD(key, ...) uint32_t key;
#define PL_BPF_BOOL_FIELD(key, ...) bool key;
	PL_BPF_SETTINGS(PL_BPF_U32_FIELD, PL_BPF_BOOL_FIELD)
#undef PL_BPF_U32_FIELD
#undef PL_BPF_BOOL_FIELD
};

#endif

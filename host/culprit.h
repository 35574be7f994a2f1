/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who is running plugin code on this thread: what a crash report, an
 * exit() from plugin code and an unload with threads still running need
 * to name somebody. Three sources, looked at in this order:
 *   - the scheduling thread inside a policy callback (the loop's watch);
 *   - a frame a thread entered around plugin code: an async plugin's
 *     callbacks, or a plugin being loaded (its constructors run then);
 *   - a thread a plugin started: scx_plugland's pthread_create() records
 *     whose code called it (the frame of the caller), and counts the
 *     plugin's threads until they end.
 * culprit_here() is async-signal-safe: it reads thread-locals and atomics.
 *
 * An on_exit() hook (culprit_guard_exits()) and scx_plugland's own _exit()
 * and _Exit() (interpose.c) name plugin code that ends the process, and
 * the status is then PL_EXIT_PLUGIN_ENDED.
 */
#ifndef PLUGLAND_CULPRIT_H
#define PLUGLAND_CULPRIT_H

#include <stdbool.h>
#include <stdint.h>

struct sched_loop;

/* The exit status when plugin code called exit(), _exit() or _Exit(). */
#define PL_EXIT_PLUGIN_ENDED 4

/* A loaded plugin, as the guards know it (a copy of its names). */
struct plugin_id {
	char kind[8];		/* "policy", "async" */
	char name[65];
	_Atomic int nr_threads;	/* started by its code, not yet ended */
	_Atomic bool used;
};

struct culprit {
	const char *kind, *name;
	const char *callback;	/* NULL on a thread the plugin started */
};

/* A new identity for plugin `name` (NULL when all are taken: the plugin
 * then runs unnamed by the guards). */
struct plugin_id *plugin_id_new(const char *kind, const char *name);
/*
 * The plugin is being unloaded: wait up to wait_ms for the threads its
 * code started to end. true (and the identity freed) when none is left;
 * false when some still run: the caller must not dlclose() it.
 */
bool plugin_id_release(struct plugin_id *id, uint32_t wait_ms);

/* The calling thread runs plugin `id`'s `callback` until culprit_leave(). */
void culprit_enter(const struct plugin_id *id, const char *callback);
void culprit_leave(void);

/* The scheduling thread is the calling thread, running loop l. */
void culprit_set_sched_thread(struct sched_loop *l);
/* Whose plugin code the calling thread runs. false: nobody's. */
bool culprit_here(struct culprit *c);
/* Arm the on_exit() hook (once per process). */
void culprit_guard_exits(void);
/* If plugin code runs here: name it and exit with PL_EXIT_PLUGIN_ENDED
 * (how: "exit", "_exit", ...; status: what it asked for). */
void culprit_ended_process(const char *how, int status);
/* The plugin whose code runs here (it owns the threads it starts), or NULL. */
const struct plugin_id *culprit_owner_here(void);
/* The calling thread was started by `owner`'s code (interpose.c). */
void culprit_adopt_thread(const struct plugin_id *owner);

/* async-signal-safe: write the NULL-terminated strings to stderr. */
void culprit_say(const char *first, ...);
/* "policy 'x' DID in enqueue()" (or "DID on a thread it started") into
buf; async-signal-safe. */
void culprit_describe(const struct culprit *c, const char *did, char *buf, unsigned int len);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finds, checks and dlopen()s plugins. A plugin is refused, with one
 * message naming the file and what is wrong, and closed again, unless:
 *   - its name is a plain name (no '/', no "..") and NAME.so is in one of
 *     the configured folders (':'-separated), after resolving symlinks;
 *   - the file, its folder and every folder above are owned by root or
 *     by us and writable by nobody else, as sshd checks key files (a
 *     root-owned sticky folder such as /tmp may be above);
 *   - the file is opened once, checked through the open descriptor and
 *     loaded from it (/proc/self/fd), so what was checked is what runs;
 *   - before any of its code runs (read from the file, plugin_elf.h): it
 *     is an ELF shared object for this machine, exports the descriptor
 *     symbol, and the descriptor has the host's ABI major and a size no
 *     smaller than ABI 2.0's;
 *   - then dlopen() runs its constructors (as the plugin's code:
 *     culprit.h), and the descriptor is checked again, with every
 *     mandatory callback and its name.
 * Unloading a plugin whose threads still run leaves it loaded.
 */
#ifndef PLUGLAND_PLUGIN_LOADER_H
#define PLUGLAND_PLUGIN_LOADER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <plugland/plugin.h>

struct plugin_id;

struct loaded_policy {
	struct plugland_policy ops; /* normalised: fields past the plugin's sz are 0 */
	void *handle;		    /* NULL for the built-in */
	struct plugin_id *id;	    /* the guards' name for it (culprit.h) */
	int fd;			    /* the file, open while loaded (with handle) */
	char path[PATH_MAX];	    /* "built-in" for the built-in */
};

bool plugin_name_valid(const char *name);
/* Find NAME.so in dirs and resolve its real path, with the safety checks.
 * 0, or a negative errno with the reason in err: -ENOENT not found,
 * -EINVAL not a plugin name, -EACCES unsafe or unreadable. */
int plugin_find(const char *dirs, const char *name, char *path, size_t pathlen,
		char *err, size_t errlen);
/* Find, dlopen and check policy `name`. 0, or a negative errno (as
 * plugin_find(), or -ENOEXEC: not a valid policy) with one line in err. */
int policy_load(const char *dirs, const char *name, struct loaded_policy *out,
		char *err, size_t errlen);
/* Check a descriptor; 0, or -1 with the reason in err. */
int policy_check(const struct plugland_policy *p, struct plugland_policy *normalised,
		 char *err, size_t errlen);
void policy_unload(struct loaded_policy *lp);

struct loaded_async {
	struct plugland_async ops; /* normalised like loaded_policy.ops */
	void *handle;
	struct plugin_id *id;
	int fd;			   /* as in loaded_policy */
	char path[PATH_MAX];
};

/* Find, dlopen and check async plugin `name` (consume() is mandatory). */
int async_load(const char *dirs, const char *name, struct loaded_async *out,
	       char *err, size_t errlen);
void async_unload(struct loaded_async *la);
/* NAME.so exports an async plugin (for --list-plugins). */
bool plugin_is_async(const char *dirs, const char *name);

#endif

// SPDX-License-Identifier: GPL-2.0
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "plugin_loader.h"

#define POLICY_SYMBOL "plugland_policy"
/* The smallest descriptor ever valid: ABI 1.0 ends with exit(). */
#define POLICY_MIN_SZ (offsetof(struct plugland_policy, exit) + sizeof(void (*)(void)))

bool plugin_name_valid(const char *name)
{
	const char *c;

	if (!*name || strlen(name) > 64)
		return false;
	for (c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return false;
	return true;
}

/* Owned by root or us, writable by nobody else. */
static int check_owner_mode(const char *path, const struct stat *st, char *err, size_t errlen)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %u, not by root or by us", path,
			 (unsigned)st->st_uid);
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "%s: writable by %s: refusing to load code from it", path,
			 st->st_mode & S_IWOTH ? "everyone" : "its group");
		return -1;
	}
	return 0;
}

/* path lies inside dir (both resolved). */
static bool inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || (n == 1 && dir[0] == '/'));
}

int plugin_find(const char *dirs, const char *name, char *path, size_t pathlen,
		char *err, size_t errlen)
{
	char dir[PATH_MAX], real_dir[PATH_MAX], candidate[PATH_MAX + 80], real[PATH_MAX];
	const char *p = dirs, *end;
	struct stat st;

	if (!plugin_name_valid(name)) {
		snprintf(err, errlen, "'%s' is not a plugin name (letters, digits, '_', '-' only)", name);
		return -EINVAL;
	}
	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (end == p || (size_t)(end - p) >= sizeof(dir))
			continue;
		snprintf(dir, sizeof(dir), "%.*s", (int)(end - p), p);
		snprintf(candidate, sizeof(candidate), "%s/%s.so", dir, name);
		if (access(candidate, F_OK))
			continue;
		if (!realpath(dir, real_dir) || !realpath(candidate, real)) {
			snprintf(err, errlen, "%s: %s", candidate, strerror(errno));
			return -EACCES;
		}
		if (!inside(real, real_dir)) {
			snprintf(err, errlen, "%s: resolves to %s, outside the plugin folder %s",
				 candidate, real, real_dir);
			return -EACCES;
		}
		if (stat(real_dir, &st) || check_owner_mode(real_dir, &st, err, errlen))
			return -EACCES;
		if (stat(real, &st)) {
			snprintf(err, errlen, "%s: %s", real, strerror(errno));
			return -EACCES;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: not a regular file", real);
			return -EACCES;
		}
		if (check_owner_mode(real, &st, err, errlen))
			return -EACCES;
		snprintf(path, pathlen, "%s", real);
		return 0;
	}
	snprintf(err, errlen, "no %s.so in %s", name, dirs);
	return -ENOENT;
}

int policy_check(const struct plugland_policy *p, struct plugland_policy *normalised,
		 char *err, size_t errlen)
{
	const char *missing = NULL;

	if (p->sz < POLICY_MIN_SZ) {
		snprintf(err, errlen, "descriptor size %zu is smaller than ABI 1.0's (%zu)", p->sz,
			 POLICY_MIN_SZ);
		return -1;
	}
	if (p->abi_version >> 16 != PLUGLAND_ABI_MAJOR) {
		snprintf(err, errlen, "built for plugin ABI %u.%u, this host speaks %d.x",
			 p->abi_version >> 16, p->abi_version & 0xffff, PLUGLAND_ABI_MAJOR);
		return -1;
	}
	/* A newer plugin's extra fields are ignored; an older one's missing
	 * fields read as NULL. */
	memset(normalised, 0, sizeof(*normalised));
	memcpy(normalised, p, p->sz < sizeof(*normalised) ? p->sz : sizeof(*normalised));
	normalised->sz = sizeof(*normalised);
	if (!normalised->name || !*normalised->name)
		missing = "name";
	else if (!normalised->init)
		missing = "init";
	else if (!normalised->enqueue)
		missing = "enqueue";
	else if (!normalised->dispatch)
		missing = "dispatch";
	else if (!normalised->exit)
		missing = "exit";
	if (missing) {
		snprintf(err, errlen, "mandatory '%s' is NULL", missing);
		return -1;
	}
	return 0;
}

int policy_load(const char *dirs, const char *name, struct loaded_policy *out,
		char *err, size_t errlen)
{
	const struct plugland_policy *desc;
	char why[PATH_MAX + 256];
	const char *dlerr;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = plugin_find(dirs, name, out->path, sizeof(out->path), err, errlen);
	if (ret)
		return ret;
	out->handle = dlopen(out->path, RTLD_NOW | RTLD_LOCAL);
	if (!out->handle) {
		dlerr = dlerror();
		snprintf(err, errlen, "%s", dlerr ? dlerr : "dlopen failed");
		return -ENOEXEC;
	}
	desc = dlsym(out->handle, POLICY_SYMBOL);
	if (!desc) {
		snprintf(err, errlen, "%s: no '" POLICY_SYMBOL "' symbol: not a plugland policy "
			 "(define it with PLUGLAND_POLICY())", out->path);
		goto fail;
	}
	if (policy_check(desc, &out->ops, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", out->path, why);
		goto fail;
	}
	if (strcmp(out->ops.name, name)) {
		snprintf(err, errlen, "%s: calls itself '%s', not '%s'", out->path, out->ops.name, name);
		goto fail;
	}
	return 0;
fail:
	dlclose(out->handle);
	out->handle = NULL;
	return -ENOEXEC;
}

void policy_unload(struct loaded_policy *lp)
{
	if (lp->handle)
		dlclose(lp->handle);
	lp->handle = NULL;
}

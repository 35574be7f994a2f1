// SPDX-License-Identifier: GPL-2.0
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "culprit.h"
#include "log.h"
#include "plugin_elf.h"
#include "plugin_loader.h"

#define POLICY_SYMBOL "plugland_policy"
#define ASYNC_SYMBOL "plugland_async"
/* ABI 2.0's descriptors end with kernel_decided() and exit(). */
#define POLICY_MIN_SZ (offsetof(struct plugland_policy, kernel_decided) + sizeof(void (*)(void)))
#define ASYNC_MIN_SZ (offsetof(struct plugland_async, exit) + sizeof(void (*)(void)))

/*
 * The descriptor's ABI: its major must be the host's (abi_version sits
 * at the same place in every version), and it must be whole. 0, or -1
 * with the reason in err.
 */
static int abi_check(size_t sz, uint32_t abi_version, size_t min_sz, char *err, size_t errlen)
{
	unsigned int major = abi_version >> 16, minor = abi_version & 0xffff;

	if (major < PLUGLAND_ABI_MAJOR) {
		snprintf(err, errlen, "built for plugin ABI %u.%u, this host speaks %d.%d: "
			 "rebuild it against the installed <plugland/plugin.h> "
			 "(pkg-config --cflags plugland; docs/policies.md says what changed)",
			 major, minor, PLUGLAND_ABI_MAJOR, PLUGLAND_ABI_MINOR);
		return -1;
	}
	if (major > PLUGLAND_ABI_MAJOR) {
		snprintf(err, errlen, "built for plugin ABI %u.%u, newer than this host's %d.%d: "
			 "update scx_plugland, or rebuild it against this host's header",
			 major, minor, PLUGLAND_ABI_MAJOR, PLUGLAND_ABI_MINOR);
		return -1;
	}
	if (sz < min_sz) {
		snprintf(err, errlen, "descriptor size %zu is smaller than ABI %d.0's (%zu)", sz,
			 PLUGLAND_ABI_MAJOR, min_sz);
		return -1;
	}
	return 0;
}

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

/*
 * Each folder above the plugin folder `dir` (resolved) passes the same
 * test, or could have the plugin folder swapped under us. The one
 * exception is a root-owned sticky folder such as /tmp: there nobody
 * else can rename or remove what we own.
 */
static int check_parents(const char *dir, char *err, size_t errlen)
{
	char up[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(up, sizeof(up), "%s", dir);
	while ((slash = strrchr(up, '/'))) {
		slash[slash == up] = 0; /* "/a/b" -> "/a" -> "/" */
		if (stat(up, &st)) {
			snprintf(err, errlen, "%s: %s", up, strerror(errno));
			return -1;
		}
		if (!(st.st_uid == 0 && (st.st_mode & S_ISVTX)) &&
		    check_owner_mode(up, &st, err, errlen)) {
			snprintf(err + strlen(err), errlen - strlen(err), " (a folder above %s)", dir);
			return -1;
		}
		if (!strcmp(up, "/"))
			break;
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
		if (stat(real_dir, &st) || check_owner_mode(real_dir, &st, err, errlen) ||
		    check_parents(real_dir, err, errlen))
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

	if (abi_check(p->sz, p->abi_version, POLICY_MIN_SZ, err, errlen))
		return -1;
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

/*
 * dlopen() the file open on `fd`: what was checked is what is loaded,
 * even if the path is changed in between. The fd stays open while the
 * plugin is loaded: the dynamic loader knows objects by name, and a
 * second plugin loaded through a reused fd number would be taken for
 * the first.
 */
static void plugin_close(void **handle, int *fd, struct plugin_id **id, const char *path)
{
	/* A thread its code started may still be in that code: unmapping
	 * it would crash the thread. Such a plugin stays loaded. */
	if (*id && !plugin_id_release(*id, 200)) {
		pl_err("%s '%s' (%s) left %d thread(s) running after its exit(): it stays loaded "
		       "(a plugin must end and join the threads it starts before exit() returns)",
		       (*id)->kind, (*id)->name, path, atomic_load(&(*id)->nr_threads));
	} else if (*handle) {
		dlclose(*handle);
		close(*fd);
	}
	*id = NULL;
	*handle = NULL;
	*fd = -1;
}

static void *dlopen_fd(int fd, const char *path, char *err, size_t errlen)
{
	char fd_path[32];
	const char *dlerr;
	void *handle;

	snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
	if (access(fd_path, F_OK)) {
		snprintf(err, errlen, "%s: cannot load it through /proc/self/fd (is /proc mounted?)",
			 path);
		return NULL;
	}
	handle = dlopen(fd_path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		/* dlerror() names the fd's path: name the file instead. */
		dlerr = dlerror();
		if (dlerr && !strncmp(dlerr, fd_path, strlen(fd_path)) && dlerr[strlen(fd_path)] == ':')
			dlerr += strlen(fd_path) + 2;
		snprintf(err, errlen, "%s: %s", path, dlerr ? dlerr : "dlopen failed");
	}
	return handle;
}

/* The head every descriptor starts with (struct plugland_policy, _async). */
struct descriptor_head {
	size_t sz;
	uint32_t abi_version;
};

/* Before any of its code runs: the file exports `symbol` with our ABI. */
static int peek_descriptor(int fd, const char *symbol, const char *what, size_t min_sz,
			   char *err, size_t errlen)
{
	struct descriptor_head h;
	int ret = plugin_elf_peek(fd, symbol, &h, offsetof(struct descriptor_head, abi_version) +
				  sizeof(h.abi_version), err, errlen);

	if (ret == -1)
		snprintf(err, errlen, "no '%s' symbol: not a plugland %s", symbol, what);
	if (ret)
		return -1;
	return abi_check(h.sz, h.abi_version, min_sz, err, errlen);
}

/*
 * Find NAME.so, dlopen it and look up `symbol`. Returns the symbol, or
 * NULL with err set (and *ret a negative errno); the handle in *handle.
 */
static const void *plugin_open(const char *dirs, const char *name, const char *symbol,
			       const char *what, size_t min_sz, void **handle, int *fdp,
			       struct plugin_id **id, char *path, size_t pathlen, int *ret,
			       char *err, size_t errlen)
{
	char why[256];
	const void *desc;
	struct stat st;
	int fd;

	*handle = NULL;
	*fdp = -1;
	*ret = plugin_find(dirs, name, path, pathlen, err, errlen);
	if (*ret)
		return NULL;
	*ret = -EACCES;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* The checks again, on the file itself this time. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (check_owner_mode(path, &st, err, errlen)) {
		close(fd);
		return NULL;
	}
	*ret = -ENOEXEC;
	if (peek_descriptor(fd, symbol, what, min_sz, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		close(fd);
		return NULL;
	}
	/* Its constructors run in dlopen(): what they do is the plugin's. */
	culprit_guard_exits();
	*id = plugin_id_new(strcmp(symbol, POLICY_SYMBOL) ? "async" : "policy", name);
	culprit_enter(*id, "constructor");
	*handle = dlopen_fd(fd, path, err, errlen);
	culprit_leave();
	if (!*handle) {
		plugin_id_release(*id, 0);
		*id = NULL;
		close(fd);
		return NULL;
	}
	desc = dlsym(*handle, symbol);
	if (!desc) {
		snprintf(err, errlen, "%s: no '%s' symbol: not a plugland %s", path, symbol, what);
		plugin_close(handle, &fd, id, path);
		return NULL;
	}
	*fdp = fd;
	return desc;
}

static int refuse(void **handle, int *fd, struct plugin_id **id, char *err, size_t errlen,
		  const char *path, const char *why)
{
	snprintf(err, errlen, "%s: %s", path, why);
	plugin_close(handle, fd, id, path);
	return -ENOEXEC;
}

int policy_load(const char *dirs, const char *name, struct loaded_policy *out,
		char *err, size_t errlen)
{
	const struct plugland_policy *desc;
	char why[PATH_MAX + 256];
	int ret;

	memset(out, 0, sizeof(*out));
	desc = plugin_open(dirs, name, POLICY_SYMBOL, "policy (define it with PLUGLAND_POLICY())",
			   POLICY_MIN_SZ, &out->handle, &out->fd, &out->id, out->path,
			   sizeof(out->path), &ret, err, errlen);
	if (!desc)
		return ret;
	if (policy_check(desc, &out->ops, why, sizeof(why)))
		return refuse(&out->handle, &out->fd, &out->id, err, errlen, out->path, why);
	if (strcmp(out->ops.name, name)) {
		snprintf(why, sizeof(why), "calls itself '%s', not '%s'", out->ops.name, name);
		return refuse(&out->handle, &out->fd, &out->id, err, errlen, out->path, why);
	}
	return 0;
}

int async_load(const char *dirs, const char *name, struct loaded_async *out,
	       char *err, size_t errlen)
{
	const struct plugland_async *desc;
	char why[PATH_MAX + 256];
	int ret;

	memset(out, 0, sizeof(*out));
	desc = plugin_open(dirs, name, ASYNC_SYMBOL, "async plugin (define it with PLUGLAND_ASYNC())",
			   ASYNC_MIN_SZ, &out->handle, &out->fd, &out->id, out->path,
			   sizeof(out->path), &ret, err, errlen);
	if (!desc) /* its ABI and size were read from the file it was loaded from */
		return ret;
	memcpy(&out->ops, desc, desc->sz < sizeof(out->ops) ? desc->sz : sizeof(out->ops));
	out->ops.sz = sizeof(out->ops);
	if (!out->ops.name || strcmp(out->ops.name, name) || !out->ops.consume) {
		snprintf(why, sizeof(why), !out->ops.consume ? "mandatory 'consume' is NULL" :
			 "its name is not '%s'", name);
		return refuse(&out->handle, &out->fd, &out->id, err, errlen, out->path, why);
	}
	return 0;
}

/* Read from the file only: listing plugins runs none of their code. */
bool plugin_is_async(const char *dirs, const char *name)
{
	char path[PATH_MAX], err[PATH_MAX + 256];
	struct descriptor_head h;
	bool async;
	int fd;

	if (plugin_find(dirs, name, path, sizeof(path), err, sizeof(err)))
		return false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	async = !plugin_elf_peek(fd, ASYNC_SYMBOL, &h, sizeof(h.sz), err, sizeof(err));
	close(fd);
	return async;
}

void async_unload(struct loaded_async *la)
{
	plugin_close(&la->handle, &la->fd, &la->id, la->path);
}

void policy_unload(struct loaded_policy *lp)
{
	plugin_close(&lp->handle, &lp->fd, &lp->id, lp->path);
}

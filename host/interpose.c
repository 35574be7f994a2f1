// SPDX-License-Identifier: GPL-2.0
/*
 * libc functions scx_plugland defines over libc's, exported (Makefile:
 * EXPORTS) so that plugins bind to these: _exit() and _Exit() (plugin
 * code that ends the process is named: culprit.h) and pthread_create()
 * (a thread plugin code starts is counted as the plugin's until it ends).
 * Each does what libc's does when no plugin code is calling.
 *
 * Linked into scx_plugland and the tests of it only: a build whose
 * sanitizer runtime is part of the executable (clang's) has its own
 * pthread_create(), which this one would hide.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "culprit.h"

/*
 * _exit() and _Exit() skip atexit hooks: scx_plugland defines them (the
 * Makefile exports them, so a plugin binds to these) and looks first.
 */
void _exit(int status)
{
	culprit_ended_process("_exit", status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

void _Exit(int status)
{
	culprit_ended_process("_Exit", status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

/* A thread started by plugin code: counted until it ends. */
struct owned_start {
	void *(*fn)(void *);
	void *arg;
	const struct plugin_id *owner;
};

static pthread_key_t owned_key;
static pthread_once_t owned_once = PTHREAD_ONCE_INIT;

/* Runs when the thread ends, however it ends (return, pthread_exit()). */
static void owned_thread_ended(void *owner)
{
	atomic_fetch_sub(&((struct plugin_id *)owner)->nr_threads, 1);
}

static void make_owned_key(void)
{
	if (pthread_key_create(&owned_key, owned_thread_ended))
		abort();
}

static void *owned_thread(void *arg)
{
	struct owned_start s = *(struct owned_start *)arg;

	free(arg);
	culprit_adopt_thread(s.owner);
	pthread_setspecific(owned_key, s.owner);
	return s.fn(s.arg);
}

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	static _Atomic pthread_create_fn real;
	const struct plugin_id *owner = culprit_owner_here();
	pthread_create_fn create = atomic_load(&real);
	struct owned_start *s;
	int err;

	if (!create) {
		create = (pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
		atomic_store(&real, create);
	}
	if (!owner)
		return create(t, attr, fn, arg);
	pthread_once(&owned_once, make_owned_key);
	s = malloc(sizeof(*s));
	if (!s)
		return EAGAIN;
	*s = (struct owned_start){ fn, arg, owner };
	atomic_fetch_add(&((struct plugin_id *)owner)->nr_threads, 1);
	err = create(t, attr, owned_thread, s);
	if (err) {
		atomic_fetch_sub(&((struct plugin_id *)owner)->nr_threads, 1);
		free(s);
	}
	return err;
}

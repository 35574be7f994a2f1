// SPDX-License-Identifier: GPL-2.0
/*
 * Plugins for the loader's tests, one per -DVARIANT_* (async_*: async
 * plugins): each is broken in exactly one way (newer_abi is valid, with a
 * bigger descriptor than this header's; abi_1 is of the previous major).
 * Built as build/tests/plugins/<variant>.so by the Makefile.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <plugland/plugin.h>

__attribute__((unused)) static int init_ok(const struct plugland_host *h, void **ctx)
{
	(void)h;
	*ctx = NULL;
	return 0;
}
__attribute__((unused)) static int init_fail(const struct plugland_host *h, void **ctx)
{
	(void)h;
	(void)ctx;
	return -EIO;
}
__attribute__((unused)) static int enqueue(void *ctx, const struct plugland_task *t)
{
	(void)ctx;
	(void)t;
	return -ENOSPC;
}
__attribute__((unused)) static unsigned int dispatch(void *ctx, struct plugland_dispatch *o,
						     unsigned int m)
{
	(void)ctx;
	(void)o;
	(void)m;
	return 0;
}
__attribute__((unused)) static void fini(void *ctx) { (void)ctx; }
__attribute__((unused)) static void consume(void *ctx, const struct plugland_decision *r, size_t n,
					    const struct plugland_log_span *s)
{
	(void)ctx;
	(void)r;
	(void)n;
	(void)s;
}

#if defined(VARIANT_no_symbol)
/* a shared object, but no plugland_policy */
__attribute__((visibility("default"))) int not_a_policy = 1;
#elif defined(VARIANT_wrong_abi)
/* Refused before dlopen() runs this (its ABI is read from the file). */
__attribute__((constructor)) static void quit_early(void)
{
	if (getenv("PLUGLAND_TEST_QUIT_IN_CONSTRUCTOR"))
		exit(0);
}

__attribute__((visibility("default"))) const struct plugland_policy plugland_policy = {
	.sz = sizeof(struct plugland_policy),
	.abi_version = (PLUGLAND_ABI_MAJOR + 1) << 16,
	.name = "wrong_abi", .init = init_ok, .enqueue = enqueue, .dispatch = dispatch, .exit = fini,
};
#elif defined(VARIANT_newer_abi)
/* A plugin built against a future header: same major, fields appended. */
struct future_policy {
	struct plugland_policy v2;
	void (*future_callback)(void);
	uint64_t future_flags;
};
__attribute__((visibility("default"))) const struct future_policy plugland_policy = {
	.v2 = {
		.sz = sizeof(struct future_policy),
		.abi_version = PLUGLAND_ABI_VERSION + 7,
		.name = "newer_abi", .init = init_ok, .enqueue = enqueue, .dispatch = dispatch,
		.exit = fini,
	},
	.future_flags = 1,
};
#elif defined(VARIANT_abi_1)
/*
 * A plugin built against ABI 1.4's header: no context, callbacks of other
 * arguments. It must be refused with a word on rebuilding, never called.
 */
struct policy_abi_1_4 {
	size_t sz;
	uint32_t abi_version;
	const char *name, *description;
	int (*init)(const struct plugland_host *host);
	int (*enqueue)(const struct plugland_task *task);
	unsigned int (*dispatch)(struct plugland_dispatch *out, unsigned int max);
	void (*exit)(void);
	void (*tick)(uint64_t now_ns);
	void (*task_gone)(int32_t pid);
	void (*cpu_online)(int cpu);
	void (*cpu_offline)(int cpu);
	int (*reconfigure)(void);
	uint32_t flags;
	void (*kernel_decided)(void);
};
static int init_1(const struct plugland_host *h) { (void)h; return 0; }
static int enqueue_1(const struct plugland_task *t) { (void)t; return -ENOSPC; }
static unsigned int dispatch_1(struct plugland_dispatch *o, unsigned int m) { (void)o; (void)m; return 0; }
static void fini_1(void) {}
__attribute__((visibility("default"))) const struct policy_abi_1_4 plugland_policy = {
	.sz = sizeof(struct policy_abi_1_4),
	.abi_version = 1 << 16 | 4,
	.name = "abi_1", .init = init_1, .enqueue = enqueue_1, .dispatch = dispatch_1,
	.exit = fini_1,
};
#elif defined(VARIANT_null_enqueue)
PLUGLAND_POLICY(.name = "null_enqueue", .init = init_ok, .dispatch = dispatch, .exit = fini);
#elif defined(VARIANT_init_fails)
PLUGLAND_POLICY(.name = "init_fails", .init = init_fail, .enqueue = enqueue,
		.dispatch = dispatch, .exit = fini);
#elif defined(VARIANT_misnamed)
PLUGLAND_POLICY(.name = "something_else", .init = init_ok, .enqueue = enqueue,
		.dispatch = dispatch, .exit = fini);
#elif defined(VARIANT_good)
PLUGLAND_POLICY(.name = "good", .description = "loads fine", .init = init_ok,
		.enqueue = enqueue, .dispatch = dispatch, .exit = fini);
#elif defined(VARIANT_async_wrong_abi)
/* An async plugin from a host one major version on: its callbacks may
 * take other arguments, and nothing it exports may be called. */
__attribute__((visibility("default"))) const struct plugland_async plugland_async = {
	.sz = sizeof(struct plugland_async),
	.abi_version = (PLUGLAND_ABI_MAJOR + 1) << 16 | 3,
	.name = "async_wrong_abi", .init = init_ok, .consume = consume, .exit = fini,
};
#elif defined(VARIANT_async_small)
/* A descriptor that claims to end before exit(): smaller than ABI 2.0's. */
__attribute__((visibility("default"))) const struct plugland_async plugland_async = {
	.sz = offsetof(struct plugland_async, exit),
	.abi_version = PLUGLAND_ABI_VERSION,
	.name = "async_small", .init = init_ok, .consume = consume, .exit = fini,
};
#elif defined(VARIANT_async_good)
PLUGLAND_ASYNC(.name = "async_good", .description = "loads fine", .init = init_ok,
	       .consume = consume, .exit = fini);
#else
#error "define VARIANT_<name>"
#endif

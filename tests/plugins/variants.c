// SPDX-License-Identifier: GPL-2.0
/*
 * Plugins for the loader's tests, one per -DVARIANT_* (async_*: async
 * plugins): each is broken in exactly one way (or, for newer_abi and
 * older_abi, valid with a bigger or smaller descriptor than this header's).
 * Built as build/tests/plugins/<variant>.so by the Makefile.
 */
#include <errno.h>
#include <stddef.h>
#include <plugland/plugin.h>

__attribute__((unused)) static int init_ok(const struct plugland_host *h) { (void)h; return 0; }
__attribute__((unused)) static int init_fail(const struct plugland_host *h) { (void)h; return -EIO; }
__attribute__((unused)) static int enqueue(const struct plugland_task *t) { (void)t; return -ENOSPC; }
__attribute__((unused)) static unsigned int dispatch(struct plugland_dispatch *o, unsigned int m) { (void)o; (void)m; return 0; }
__attribute__((unused)) static void fini(void) {}
__attribute__((unused)) static void consume(const struct plugland_decision *r, size_t n,
					    const struct plugland_log_span *s) { (void)r; (void)n; (void)s; }

#if defined(VARIANT_no_symbol)
/* a shared object, but no plugland_policy */
__attribute__((visibility("default"))) int not_a_policy = 1;
#elif defined(VARIANT_wrong_abi)
__attribute__((visibility("default"))) const struct plugland_policy plugland_policy = {
	.sz = sizeof(struct plugland_policy),
	.abi_version = (PLUGLAND_ABI_MAJOR + 1) << 16,
	.name = "wrong_abi", .init = init_ok, .enqueue = enqueue, .dispatch = dispatch, .exit = fini,
};
#elif defined(VARIANT_newer_abi)
/* A plugin built against a future header: same major, fields appended. */
struct future_policy {
	struct plugland_policy v1;
	void (*future_callback)(void);
	uint64_t future_flags;
};
__attribute__((visibility("default"))) const struct future_policy plugland_policy = {
	.v1 = {
		.sz = sizeof(struct future_policy),
		.abi_version = PLUGLAND_ABI_VERSION + 7,
		.name = "newer_abi", .init = init_ok, .enqueue = enqueue, .dispatch = dispatch,
		.exit = fini,
	},
	.future_flags = 1,
};
#elif defined(VARIANT_older_abi)
/*
 * A plugin built against ABI 1.0's header, whose descriptor ended with
 * exit(). What follows it in memory must not be read as the optional
 * callbacks of a newer ABI: the trap is there to be misread.
 */
struct policy_abi_1_0 {
	size_t sz;
	uint32_t abi_version;
	const char *name, *description;
	int (*init)(const struct plugland_host *host);
	int (*enqueue)(const struct plugland_task *task);
	unsigned int (*dispatch)(struct plugland_dispatch *out, unsigned int max);
	void (*exit)(void);
};
__attribute__((visibility("default"))) const struct {
	struct policy_abi_1_0 v1_0;
	uintptr_t trap[8];
} plugland_policy = {
	.v1_0 = {
		.sz = sizeof(struct policy_abi_1_0),
		.abi_version = PLUGLAND_ABI_MAJOR << 16,
		.name = "older_abi", .init = init_ok, .enqueue = enqueue, .dispatch = dispatch,
		.exit = fini,
	},
	.trap = { 0xdead, 0xdead, 0xdead, 0xdead, 0xdead, 0xdead, 0xdead, 0xdead },
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
/* A descriptor that claims to end before exit(): smaller than ABI 1.0's. */
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

// SPDX-License-Identifier: GPL-2.0
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "plugin_loader.h"
#include "policy_harness.h"

char harness_last_log[1024];
uint64_t harness_fake_now;

static volatile sig_atomic_t no_stop, no_reload;

/* The synthetic machine's clock, or harness_fake_now without one. */
static uint64_t virtual_now(const struct plugland_host *host)
{
	const struct harness *h = (const void *)((const char *)host -
						 offsetof(struct harness, svc.host));

	return h->be ? synth_backend_stats(h->be)->now_ns : harness_fake_now;
}

static void capture_log(const struct plugland_host *host, enum plugland_log_level level,
			const char *fmt, ...)
{
	va_list ap;

	(void)host;
	va_start(ap, fmt);
	vsnprintf(harness_last_log, sizeof(harness_last_log), fmt, ap);
	va_end(ap);
	if (level <= PLUGLAND_LOG_WARN)
		fprintf(stderr, "  (plugin says: %s)\n", harness_last_log);
}

const void *harness_open(const char *name, const char *symbol, void **handle)
{
	char path[512];
	const void *sym;

	snprintf(path, sizeof(path), "%s/%s.so", PLUGIN_BUILD_DIR, name);
	*handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!*handle)
		fail_msg("dlopen %s: %s", path, dlerror());
	sym = dlsym(*handle, symbol);
	if (!sym)
		fail_msg("%s: no symbol %s", path, symbol);
	return sym;
}

void harness_close(void *handle)
{
	if (handle)
		dlclose(handle);
}

void harness_load(struct harness *h, const char *policy)
{
	const struct plugland_policy *p;
	char err[256];

	memset(h, 0, sizeof(*h));
	config_defaults(&h->cfg);
	/* What harness_start()'s host opens: this build's .so, no fallback,
	 * no decision log (a test that wants one sets log.capacity). */
	snprintf(h->cfg.plugin_dir, sizeof(h->cfg.plugin_dir), "%s", PLUGIN_BUILD_DIR);
	snprintf(h->cfg.policy, sizeof(h->cfg.policy), "%s", policy);
	h->cfg.strict = true;
	h->cfg.log_capacity = 0;
	p = harness_open(policy, "plugland_policy", &h->handle);
	if (policy_check(p, &h->ops, err, sizeof(err)))
		fail_msg("%s: %s", policy, err);
}

const struct plugland_async *harness_load_async(struct harness *h, const char *name)
{
	const struct plugland_async *a;

	memset(h, 0, sizeof(*h));
	config_defaults(&h->cfg);
	a = harness_open(name, "plugland_async", &h->handle);
	assert_int_equal(a->abi_version >> 16, PLUGLAND_ABI_MAJOR);
	assert_true(a->sz >= sizeof(*a));
	assert_non_null(a->init);
	assert_non_null(a->consume);
	assert_non_null(a->exit);
	return a;
}

void harness_set(struct harness *h, const char *assignment)
{
	char err[256];

	if (config_set(&h->cfg, assignment, err, sizeof(err)))
		fail_msg("%s", err);
}

void harness_services(struct harness *h, const char *name, uint32_t nr_cpus)
{
	services_init(&h->svc, name, &h->cfg, &h->be, NULL, 5000000);
	h->svc.host.nr_cpus = nr_cpus;
	h->svc.host.now_ns = virtual_now;
	h->svc.host.log = capture_log;
}

void harness_start(struct harness *h, const struct synth_opts *o)
{
	struct host_opts ho = { .cfg = &h->cfg, .stop = &no_stop, .reload = &no_reload };

	h->be = synth_backend_new(o);
	assert_non_null(h->be);
	ho.machine = h->be;
	assert_int_equal(host_open(&h->host, &ho), 0);
	assert_int_equal(host_begin(&h->host), 0);
	h->started = true;
}

void harness_run(struct harness *h)
{
	const struct synth_stats *st = synth_backend_stats(h->be);

	const struct sched_loop *l = &h->host.loop;

	assert_int_equal(sched_loop_run(&h->host.loop, &no_stop), 0);
	assert_int_equal(st->nr_stale, 0);
	assert_int_equal(st->nr_double, 0);
	assert_int_equal(st->nr_unknown, 0);
	assert_int_equal(l->st.nr_refused, 0);
	assert_int_equal(l->st.nr_invalid, 0);
	assert_int_equal(l->st.nr_enqueued + l->st.nr_starved,
			 l->st.nr_dispatched + sched_loop_in_flight(l) + l->st.nr_dropped);
}

void harness_stop(struct harness *h)
{
	if (h->started) {
		host_end(&h->host);
		host_close(&h->host);
		h->started = false;
	}
	synth_backend_free(h->be);
	h->be = NULL;
	harness_close(h->handle);
	h->handle = NULL;
}

double harness_share(const struct harness *h, uint32_t idx, uint32_t nr_tasks)
{
	uint64_t total = 0;
	uint32_t i;

	for (i = 0; i < nr_tasks; i++)
		total += synth_backend_task(h->be, i)->runtime_ns;
	return total ? (double)synth_backend_task(h->be, idx)->runtime_ns / (double)total : 0;
}

uint64_t harness_mean_wait(const struct harness *h, uint32_t idx)
{
	const struct synth_task_stats *st = synth_backend_task(h->be, idx);

	return st->nr_dispatched ? st->wait_sum_ns / st->nr_dispatched : 0;
}

int harness_tmpdir(const char *name, char dir[64])
{
	snprintf(dir, 64, "/tmp/plugland-%s-XXXXXX", name);
	return mkdtemp(dir) ? 0 : -1;
}

int harness_tmpdir_remove(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

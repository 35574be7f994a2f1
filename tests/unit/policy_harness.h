/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the policy and async plugin tests share: load a built plugin .so
 * (PLUGIN_BUILD_DIR), give it a config section, run it on the synthetic
 * backend with the backend's virtual clock as host->now_ns(), and check
 * that no decision was lost, stale or doubled.
 */
#ifndef PLUGLAND_POLICY_HARNESS_H
#define PLUGLAND_POLICY_HARNESS_H

#include <stdint.h>
#include <plugland/plugin.h>
#include "config.h"
#include "host.h"
#include "sched_loop.h"
#include "services.h"
#include "synth_backend.h"

/*
 * Two ways to run a plugin: harness_start() builds the host on a
 * synthetic machine, as scx_plugland does (host.loop is its loop); or a
 * test calls the callbacks of `ops` itself, with harness_services().
 */
struct harness {
	struct config cfg;
	struct host host;		/* harness_start() .. harness_stop() */
	bool started;
	struct backend *be;		/* the synthetic machine */
	/* The callbacks called directly: */
	struct plugin_services svc;
	struct plugland_policy ops;	/* as loaded: normalised */
	void *ctx;			/* what ops.init() stored */
	void *handle;
};

/* The last message a plugin logged through the harness's host. */
extern char harness_last_log[1024];
/* host->now_ns() when no synthetic machine runs (async plugin tests). */
extern uint64_t harness_fake_now;

/* dlopen PLUGIN_BUILD_DIR/NAME.so and return its symbol (fails the test
 * when absent); *handle for harness_close(). */
const void *harness_open(const char *name, const char *symbol, void **handle);
void harness_close(void *handle);

/* config_defaults + the policy's descriptor; set keys next, then start. */
void harness_load(struct harness *h, const char *policy);
/* config_defaults + an async plugin's descriptor (checked: ABI, callbacks). */
const struct plugland_async *harness_load_async(struct harness *h, const char *name);
/* "section.key=value", as --set. */
void harness_set(struct harness *h, const char *assignment);
/* The services a plugin named `name` gets (virtual clock, capturing log):
 * usable without a backend (pick_idle_cpu then finds no CPU). */
void harness_services(struct harness *h, const char *name, uint32_t nr_cpus);
/* The host, with the policy, on a synthetic machine: host_open() and
 * host_begin() (asserts they succeed). */
void harness_start(struct harness *h, const struct synth_opts *o);
/* Run until the backend exits; assert every decision was consistent. */
void harness_run(struct harness *h);
void harness_stop(struct harness *h);

/* A fresh directory /tmp/plugland-NAME-XXXXXX into dir[64]; 0 or -1. */
int harness_tmpdir(const char *name, char dir[64]);
/* rm -rf it; the exit status of rm. */
int harness_tmpdir_remove(const char *dir);

/* Fraction of all CPU time that task idx got. */
double harness_share(const struct harness *h, uint32_t idx, uint32_t nr_tasks);
uint64_t harness_mean_wait(const struct harness *h, uint32_t idx);

#endif

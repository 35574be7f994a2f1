/* SPDX-License-Identifier: GPL-2.0 */
/* The struct plugland_host each plugin receives: the host's services. */
#ifndef PLUGLAND_SERVICES_H
#define PLUGLAND_SERVICES_H

#include <pthread.h>
#include <stdatomic.h>
#include <plugland/plugin.h>
#include "backend.h"
#include "config.h"
#include "topology.h"

#define PLUGIN_MAX_KEYS 32

struct sched_loop;
struct decision_log;

/*
 * What plugins on other threads may read of the running host (the
 * counters, the policies' names), under `lock`: the host sets it once the
 * loop runs and clears it before the backend goes (host.c).
 */
struct shadow;

struct host_view {
	pthread_mutex_t lock;
	const struct sched_loop *loop;	/* NULL: not running */
	struct backend *be;		/* its counters, while running */
	struct decision_log *log;	/* the policies' names */
	struct shadow *shadow;		/* its counters, while one runs */
};

struct plugin_services {
	struct plugland_host host;	/* what the plugin sees; first member */
	char name[64];			/* log prefix and config section */
	const struct config *cfg;	/* NULL: the plugin runs on its defaults */
	/* Where the host keeps the backend it runs on (NULL in it until one
	 * is attached: plugins init before); NULL: never one. */
	struct backend *const *be;
	const struct topology *topo;	/* what cpu_topology() serves; NULL: none */
	struct host_view *view;		/* for_each_counter(), policy_name(); NULL: none */
	_Atomic unsigned int nr_errors;	/* lines the plugin logged as errors */
	/* The keys the plugin asked host->config() for, set or not: the
	 * ones it knows. Any thread may ask (async plugins init on theirs). */
	pthread_mutex_t keys_lock;
	char keys[PLUGIN_MAX_KEYS][64];
	unsigned int nr_keys;
	bool keys_overflow;		/* more keys than that: none checked */
};

/*
 * Fill *s for plugin `name`. *be serves the clock (a simulated machine
 * keeps its own), idle CPUs and preemption whenever it is set; nr_cpus is
 * the backend's when set now (a simulated machine is set before any
 * plugin starts), else this machine's.
 */
void services_init(struct plugin_services *s, const char *name, const struct config *cfg,
		   struct backend *const *be, const struct topology *topo,
		   uint64_t default_slice_ns);
/* The CPUs plugins are told of: be's, or this machine's (be NULL). */
uint32_t services_nr_cpus(const struct backend *be);
/* Set host.fast_wake, before a policy's init(), from its flags and the
 * operator's [bpf] idle_direct; say so when a fast path it asks for is
 * refused. */
void services_grant_fast_wake(struct plugin_services *s, uint32_t policy_flags);
/*
 * After init(): a key of the plugin's section in `cfg` that the plugin
 * never asked for is a typo or a setting it does not have. -1 and
 * "FILE:LINE: [name] key: ..." in err; 0 when every key was asked for.
 */
int services_check_keys(struct plugin_services *s, const struct config *cfg, char *err,
			size_t errlen);
/* "capacity = 3 (FILE:LINE), ...": the settings the plugin read, for a
 * message about its init() failing; "" when it read none that were set. */
void services_settings_read(struct plugin_services *s, char *buf, size_t len);

#endif

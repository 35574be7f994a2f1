/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What watches the scheduling: the decision log every decision is
 * appended to, and the async plugins ([async] plugins) that read it, each
 * on its own thread. In debug mode the log is a large file-backed dump
 * that survives a crash, and the async plugins get it all at exit.
 */
#ifndef PLUGLAND_OBSERVERS_H
#define PLUGLAND_OBSERVERS_H

#include "async_runner.h"
#include "config.h"
#include "decision_log.h"
#include "plugin_loader.h"
#include "services.h"

#define MAX_ASYNC 8

struct observers {
	struct decision_log *log;	/* NULL: [log] capacity = 0, no debug */
	bool debug;
	bool simulated;			/* --simulate: the log may stay unlocked */
	char dump_path[200];
	unsigned int nr;
	struct loaded_async plugins[MAX_ASYNC];
	struct plugin_services svc[MAX_ASYNC];
	struct async_runner *runners[MAX_ASYNC];
};

/*
 * Create the log, load and start the async plugins, and wait for their
 * init(). 0, or the process exit status (1: no memory/file; 2: a key in
 * a plugin's section it does not read, or a bad async plugin with strict).
 * sim: where the host keeps its simulated machine (a --simulate run: the
 * log may stay unlocked in memory, and the plugins read its clock and
 * CPUs), or NULL on the kernel; topo: the machine's topology.
 */
int observers_start(struct observers *o, const struct config *cfg, const char *policy,
		    struct host_view *view,
		    struct backend *const *sim, const struct topology *topo);
/* The async plugins' sections in cfg (a reload) hold only keys they read. */
int observers_check_keys(struct observers *o, const struct config *cfg, char *err,
			 size_t errlen);
/* Stop the plugins (bounded), report, seal and close the log. */
void observers_stop(struct observers *o);

#endif

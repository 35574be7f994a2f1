/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host: one object owns the policy slots, the observers (decision log,
 * async plugins), the loop, the backend and the control socket, for a run
 * on the kernel and for --simulate alike.
 *
 *   host_open()   the backend of a simulation first (plugins are told its
 *                 CPUs and clock), the policy's init(), the observers
 *   host_run()    schedule until stopped: on the kernel, attach, run,
 *                 detach, with a bounded restart when the kernel asks; or
 *                 the simulated machine for its decisions, then a report;
 *                 or the caller's machine (tests, benchmarks)
 *   host_close()  the observers stopped, the policy's exit()
 *
 * Changed only on the scheduling thread while it runs (SIGHUP reloads,
 * watchdog recoveries and control commands run there, between rounds).
 */
#ifndef PLUGLAND_HOST_H
#define PLUGLAND_HOST_H

#include <signal.h>
#include <cjson/cJSON.h>
#include "backend.h"
#include "bpf_backend.h"
#include "config.h"
#include "observers.h"
#include "policy_slot.h"
#include "sched_loop.h"
#include "shadow.h"
#include "workload.h"

struct host_opts {
	struct config *cfg;		/* kept: reload and set change it */
	uint64_t simulate;		/* decisions on a simulated machine; 0: the kernel */
	/* What the simulated machine runs (kept), or NULL: the built-in
	 * 4 CPUs and 16 CPU-bound tasks (workload_default()). */
	const struct workload *workload;
	bool report_json;		/* the simulation's report as JSON */
	/* A machine the caller made and frees (tests, benchmarks): the run
	 * is on it, not on the kernel nor --simulate's. */
	struct backend *machine;
	/* A policy the caller hands over (tests), in place of the one
	 * [scheduler] policy names; NULL: that one. */
	const struct plugland_policy *policy;
	unsigned int stats_secs;	/* --stats period; 0: off */
	/* Set by the caller's signal handlers: stop the run; re-read the file. */
	volatile sig_atomic_t *stop, *reload;
};

struct host {
	struct host_opts o;		/* o.cfg: the configuration in force */
	struct policy_slot slots[2];	/* the active one and the one a switch opens */
	int active;
	struct sched_loop loop;
	struct backend *be;		/* attached, or the machine */
	struct backend *machine;	/* not the kernel: --simulate's or the caller's */
	struct host_view view;		/* what plugins may read of the running loop */
	bool machine_owned;		/* --simulate's: freed by host_close() */
	struct workload_machine wm;	/* --simulate's tasks */
	struct workload builtin_workload; /* when host_opts.workload is NULL */
	struct topology *topo;		/* the machine's: sysfs, or flat when simulated */
	struct watchdog *wd;		/* while the loop runs, if configured */
	const char *abandoned_in;	/* the callback the last stuck policy was in */
	uint32_t nr_abandoned;		/* policies the watchdog made us leave */
	uint64_t abandoned_after_ms;	/* how long the last one was stuck (its log line) */
	struct monitor *mon;		/* --stats */
	struct control *ctl;		/* the control socket while running, or NULL */
	uint64_t attached_ns;
	struct observers obs;
	struct shadow *shadow;		/* a shadow policy (shadow.h), or NULL */
	uint16_t next_policy_id;	/* the decision log's name for the next policy */
	/* Room for what reload, set and detach build: too big for the
	 * scheduling thread's stack, and not statics (two hosts may share a
	 * process). */
	struct config next_cfg;
	struct config_kv saved_extra[CONFIG_MAX_EXTRA];
	struct bpf_exit_info exit_info;	/* 32 KiB: the kernel's dump */
};

/* 0, or the process exit status (1: failure; 2: refused configuration). */
int host_open(struct host *h, const struct host_opts *o);
/* The process exit status. */
int host_run(struct host *h);
/*
 * host_run() in parts, on the caller's machine (host_opts.machine), for
 * a caller that drives the loop itself, round by round (tests) or timed
 * (benchmarks): host_begin() wires the loop as host_run() does (0, or 1:
 * no memory), then sched_loop_round(&h->loop) or sched_loop_run(), then
 * host_end().
 */
int host_begin(struct host *h);
void host_end(struct host *h);
void host_close(struct host *h);

static inline struct policy_slot *host_active_slot(struct host *h)
{
	return &h->slots[h->active];
}

/* Re-read the ini file's plugin sections and reconfigure the policy.
 * 0, or -1 with a message in err. */
int host_reload(struct host *h, char *err, size_t errlen);
/* `ctl set SECTION.KEY=VALUE` of a plugin section, checked and applied
 * like a reload. 0, or -1 with one line in err. */
int host_set(struct host *h, const char *assignment, char *err, size_t errlen);
/* Switch to policy `name` with the held tasks. 0, or -1 with err. */
int host_switch_policy(struct host *h, const char *name, char *err, size_t errlen);

/* Start shadow policy `name` beside the running one, replacing any (the
 * loop must be wired: on the scheduling thread, between rounds). 0, or -1
 * with one line in err. */
int host_shadow_start(struct host *h, const char *name, char *err, size_t errlen);
/* Stop the shadow policy, if any; its summary goes to the log (stderr). */
void host_shadow_stop(struct host *h);

/* The control socket's commands (control.h's handler, ctx: the host). */
cJSON *control_command(void *ctx, const char *cmd, const char *arg, bool on_sched);
bool control_command_needs_sched(const char *cmd);

#endif

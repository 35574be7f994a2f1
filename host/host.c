// SPDX-License-Identifier: GPL-2.0
/*
 * The host object (host.h): one way to assemble the policy, the loop, its
 * guards (watchdog, crash handlers, starvation guard, recovery), the
 * observers and the control socket, whichever backend runs under it.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "bpf_backend.h"
#include "clock.h"
#include "control.h"
#include "fast_wake.h"
#include "host.h"
#include "log.h"
#include "monitor.h"
#include "plugin_loader.h"
#include "services.h"
#include "sim_report.h"
#include "synth_backend.h"
#include "topology.h"
#include "watchdog.h"

#define MAX_RESTARTS 8
/* A run this long ends a series of restarts (say, two CPU hotplugs a day apart). */
#define RESTART_QUIET_NS (30 * 1000000000ull)

extern const struct plugland_policy plugland_builtin_fifo;

/*
 * Make fresh's plugin sections the running ones: every key one that its
 * plugin reads, then the policy reconfigured. On any refusal nothing
 * changes. Only the plugin sections change: they are what plugins read.
 */
static int apply_plugin_sections(struct host *h, const struct config *fresh, char *err,
				 size_t errlen)
{
	const struct plugland_policy *policy = h->loop.policy;
	struct config *cfg = h->o.cfg;
	unsigned int nr_saved = cfg->nr_extra;
	int ret;

	if (config_check_sections(fresh, plugin_exists, fresh->plugin_dir, err, errlen) ||
	    services_check_keys(&host_active_slot(h)->svc, fresh, err, errlen) ||
	    observers_check_keys(&h->obs, fresh, err, errlen))
		return -1;
	memcpy(h->saved_extra, cfg->extra, sizeof(h->saved_extra));
	memcpy(cfg->extra, fresh->extra, sizeof(fresh->extra));
	cfg->nr_extra = fresh->nr_extra;
	ret = policy->reconfigure ? policy->reconfigure(h->loop.policy_ctx) : 0;
	if (ret) {
		memcpy(cfg->extra, h->saved_extra, sizeof(h->saved_extra));
		cfg->nr_extra = nr_saved;
		snprintf(err, errlen, "policy '%s' kept its settings: %s", policy->name,
			 strerror(-ret));
		return -1;
	}
	return 0;
}

int host_reload(struct host *h, char *err, size_t errlen)
{
	struct config *fresh = &h->next_cfg, *cfg = h->o.cfg;

	if (!*cfg->path) {
		snprintf(err, errlen, "no configuration file to reload (started without -c)");
		return -1;
	}
	config_defaults(fresh);
	if (config_load(fresh, cfg->path, err, errlen) ||
	    apply_plugin_sections(h, fresh, err, errlen))
		return -1;
	if (strcmp(fresh->policy, cfg->policy) || fresh->slice_us != cfg->slice_us)
		pl_warn("reload: [scheduler] and [bpf] changes take effect at the next start");
	pl_info("configuration reloaded from %s", cfg->path);
	return 0;
}

int host_set(struct host *h, const char *assignment, char *err, size_t errlen)
{
	struct config *next = &h->next_cfg;
	char section[64];

	snprintf(section, sizeof(section), "%.*s", (int)strcspn(assignment, "."), assignment);
	if (config_is_host_section(section)) {
		snprintf(err, errlen, "[%s] settings take effect at the next start; "
			 "only plugin sections change while attached", section);
		return -1;
	}
	*next = *h->o.cfg;
	if (config_set(next, assignment, err, errlen) ||
	    apply_plugin_sections(h, next, err, errlen))
		return -1;
	pl_info("set %s", assignment);
	return 0;
}

/* From now on the decision log attributes decisions to `name`, and
 * the guards threads started by the policy's callbacks to slot s. */
static void name_policy(struct host *h, const char *name, const struct policy_slot *s)
{
	h->loop.guard_id = s->lp.id;
	h->loop.policy_id = h->next_policy_id++;
	if (h->obs.log)
		decision_log_set_policy(h->obs.log, h->loop.policy_id, name);
}

int host_switch_policy(struct host *h, const char *name, char *err, size_t errlen)
{
	int next = !h->active;
	char old[64];

	/* A copy: the name lives in the old plugin, unmapped by its close. */
	snprintf(old, sizeof(old), "%s", h->loop.policy->name);

	/* Nothing to switch to (and the new instance would get the same settings). */
	if (!strcmp(name, old)) {
		snprintf(err, errlen, "policy '%s' is already running", name);
		return -1;
	}
	if (policy_slot_open(&h->slots[next], h->o.cfg, name, err, errlen))
		return -1;
	name_policy(h, name, &h->slots[next]);
	sched_loop_switch_policy(&h->loop, &h->slots[next].lp.ops, h->slots[next].ctx);
	policy_slot_close(host_active_slot(h));
	h->active = next;
	pl_info("policy '%s' replaced by '%s' (%s); %llu tasks moved over", old, name,
		host_active_slot(h)->lp.path, (unsigned long long)h->loop.nr_held);
	return 0;
}

int host_shadow_start(struct host *h, const char *name, char *err, size_t errlen)
{
	struct shadow_opts so = {
		.name = name, .cfg = h->o.cfg, .nr_cpus = h->be->nr_cpus, .topo = h->topo,
		.policy_id = h->next_policy_id,
	};
	struct shadow *s;

	host_shadow_stop(h);
	s = shadow_start(&so, err, errlen);
	if (!s)
		return -1;
	h->next_policy_id++;
	if (h->obs.log)
		decision_log_set_policy(h->obs.log, so.policy_id, name);
	h->shadow = s;
	h->loop.shadow = shadow_feed_of(s);
	pthread_mutex_lock(&h->view.lock); /* its counters, for plugins */
	h->view.shadow = s;
	pthread_mutex_unlock(&h->view.lock);
	pl_info("shadow policy '%s' runs beside '%s': its decisions are compared and logged, "
		"never applied", name, h->loop.policy->name);
	return 0;
}

void host_shadow_stop(struct host *h)
{
	if (!h->shadow)
		return;
	h->loop.shadow = NULL; /* the loop pushes no more */
	pthread_mutex_lock(&h->view.lock); /* no plugin reads it any more */
	h->view.shadow = NULL;
	pthread_mutex_unlock(&h->view.lock);
	shadow_stop(h->shadow, h->obs.log, atomic_load(&h->loop.recording));
	h->shadow = NULL;
}

/* What the loop reads when there is no control socket: never set. */
static const atomic_int no_request;

/* Before a round, on the scheduling thread, when the loop saw a SIGHUP or
 * a control request posted (reload_word, control_word). */
static void between_rounds(void *ctx)
{
	struct host *h = ctx;
	char err[512];

	if (*h->o.reload) {
		*h->o.reload = 0;
		if (host_reload(h, err, sizeof(err)))
			pl_err("SIGHUP: %s; configuration unchanged", err);
	}
	if (h->ctl)
		control_service(h->ctl);
}

/*
 * The watchdog made the scheduling thread leave a stuck policy callback:
 * the policy is abandoned (never called or unloaded again) and the
 * built-in fifo takes over the tasks it held.
 */
static const struct plugland_policy *on_recovered(void *ctx, const struct plugland_policy *stuck,
						  const char *callback, void **next_ctx)
{
	struct host *h = ctx;
	uint64_t stuck_ms = (pl_now_ns() - atomic_load(&h->loop.watch.start_ns)) / 1000000ull;
	int next = !h->active;

	host_active_slot(h)->abandoned = true;
	h->abandoned_in = callback;
	h->abandoned_after_ms = stuck_ms;
	h->nr_abandoned++;
	policy_slot_close(host_active_slot(h));
	if (policy_slot_open_fallback(&h->slots[next], h->o.cfg)) {
		pl_err("the built-in fifo failed to initialise");
		return NULL;
	}
	h->active = next;
	name_policy(h, plugland_builtin_fifo.name, &h->slots[next]);
	pl_warn("policy '%s' abandoned in %s() after %llu ms stuck; the built-in fifo runs its "
		"%u held tasks now", stuck->name, callback ? callback : "?",
		(unsigned long long)stuck_ms, h->loop.held.count);
	*next_ctx = host_active_slot(h)->ctx;
	return &host_active_slot(h)->lp.ops;
}

static void print_counters(struct host *h)
{
	const struct sched_loop *l = &h->loop;
	struct plugland_counters c;

	if (backend_counters(h->be, &c)) {
		pl_warn("could not read the BPF counters");
		return;
	}
	printf("scx_plugland: counters\n");
#define PRINT_COUNTER(name, where, what) \
	printf("  %-34s %12llu\n", what, (unsigned long long)c.name);
	PL_COUNTERS(PRINT_COUNTER)
#undef PRINT_COUNTER
	printf("  policy %-27s %12llu enqueued, %llu dispatched, %llu refused, %llu invalid, "
	       "%llu starved, %llu exits reported, %llu placed by BPF\n",
	       l->policy->name, (unsigned long long)l->st.nr_enqueued,
	       (unsigned long long)l->st.nr_dispatched, (unsigned long long)l->st.nr_refused,
	       (unsigned long long)l->st.nr_invalid, (unsigned long long)l->st.nr_starved,
	       (unsigned long long)l->st.nr_gone, (unsigned long long)l->st.nr_by_kernel);
	fflush(stdout);
}

/* The kernel's state when it ejected us: what a stall report needs. */
static void print_kernel_dump(const char *dump)
{
	size_t len = strlen(dump);

	pl_err("the kernel's debug dump follows (CPUs, runnable tasks, their queues):");
	fflush(stdout);
	fputs(dump, stderr);
	if (len && dump[len - 1] != '\n')
		fputc('\n', stderr);
	if (len == PL_EXIT_DUMP_LEN - 1)
		fputs("(dump truncated)\n", stderr);
}

/* What the simulated machine gave each task, and whether it stayed sane. */
static int report_simulation(struct host *h, int ret)
{
	const struct synth_stats *st = synth_backend_stats(h->machine);
	const struct sim_report_in in = {
		.wm = &h->wm, .machine = h->machine, .policy = h->loop.policy->name,
		.loop = &h->loop.st,
	};

	if (sim_report_print(&in, h->o.report_json, stdout)) {
		pl_err("out of memory");
		return 1;
	}
	return ret || st->nr_double || st->nr_unknown || !st->nr_dispatched ? 1 : 0;
}

/* What plugins on other threads read of the running loop (services.h). */
static void set_view(struct host *h, const struct sched_loop *l, struct backend *be,
		     struct decision_log *log)
{
	pthread_mutex_lock(&h->view.lock);
	h->view.loop = l;
	h->view.be = be;
	h->view.log = log;
	pthread_mutex_unlock(&h->view.lock);
}

/*
 * Wire the loop to the policy, the log, the guards and the control socket
 * on backend be, whatever it is. 0, or -ENOMEM (nothing left wired).
 */
static int loop_begin(struct host *h, struct backend *be)
{
	const struct config *cfg = h->o.cfg;
	struct sched_loop *l = &h->loop;
	char err[512];

	if (sched_loop_init(l, be, &host_active_slot(h)->lp.ops, host_active_slot(h)->ctx,
			    cfg->tick_ms)) {
		pl_err("out of memory");
		return -ENOMEM;
	}
	h->be = be;
	h->attached_ns = pl_now_ns();
	sched_loop_set_fast_wake_mode(l, fast_wake_mode_of(cfg->idle_direct), cfg->local_queues,
				      cfg->direct_local);
	l->log = h->obs.log;
	atomic_store(&l->recording, h->obs.log != NULL);
	name_policy(h, host_active_slot(h)->lp.ops.name, host_active_slot(h));
	l->max_wait_ns = (uint64_t)cfg->max_wait_ms * 1000000ull;
	/* Wake often enough that BPF never mistakes an idle host for a stuck
	 * one (it leaves failsafe below failsafe_ms / 2 of silence). */
	if (l->wait_ms > cfg->bpf.failsafe_ms / 4)
		l->wait_ms = cfg->bpf.failsafe_ms / 4;
	/* A simulation has one only when asked for ([control] socket set to
	 * another path than a real run's): ctl then works on it as on a run. */
	if (*cfg->control_socket &&
	    (!h->machine || strcmp(cfg->control_socket, PLUGLAND_CONTROL_SOCKET)) &&
	    !(h->ctl = control_start(cfg->control_socket, control_command,
				     control_command_needs_sched, h, err, sizeof(err))))
		pl_warn("control socket: %s", err);
	l->between_rounds = between_rounds;
	l->between_ctx = h;
	l->reload_word = h->o.reload;
	l->control_word = h->ctl ? control_pending(h->ctl) : &no_request;
	l->recovered = on_recovered;
	l->recovered_ctx = h;
	l->fallback_policy = &plugland_builtin_fifo;
	h->slots[0].watch = h->slots[1].watch = &l->watch;
	set_view(h, l, be, h->obs.log);
	if (*cfg->shadow && host_shadow_start(h, cfg->shadow, err, sizeof(err)))
		pl_warn("%s; running without it", err);
	crash_handlers_install(l);
	if (cfg->watchdog_ms &&
	    !(h->wd = watchdog_start(l, cfg->watchdog_ms, cfg->watchdog_init_ms,
				     strcmp(cfg->watchdog_action, "exit") ? WATCHDOG_FIFO : WATCHDOG_EXIT)))
		pl_warn("cannot start the policy watchdog: %s", strerror(errno));
	if (h->o.stats_secs && !(h->mon = monitor_start(be, l, h->o.stats_secs)))
		pl_warn("--stats: cannot start the monitor thread: %s", strerror(errno));
	return 0;
}

/* Unwire what loop_begin() wired but the loop itself (sched_loop_fini()). */
static void loop_end(struct host *h)
{
	host_shadow_stop(h);
	set_view(h, NULL, NULL, NULL); /* before the backend goes */
	h->slots[0].watch = h->slots[1].watch = NULL;
	control_stop(h->ctl);
	h->ctl = NULL;
	monitor_stop(h->mon);
	h->mon = NULL;
	watchdog_stop(h->wd);
	h->wd = NULL;
}

/* One scheduling run on be, until stopped or the backend ends. The
 * loop's return value. */
static int run_loop(struct host *h, struct backend *be)
{
	int ret = loop_begin(h, be);

	if (ret)
		return ret;
	ret = sched_loop_run(&h->loop, h->o.stop);
	loop_end(h);
	return ret;
}

/* Attach, schedule until stopped, detach. Returns the process exit code,
 * or -1 when the kernel asked to restart. */
static int attach_once(struct host *h)
{
	const struct config *cfg = h->o.cfg;
	struct bpf_backend_opts bo = {
		.slice_ns = cfg->slice_us * 1000,
		.bpf = &cfg->bpf,
		.topo = h->topo,
		.record_events = cfg->debug,
	};
	struct bpf_exit_info *ei = &h->exit_info;
	const struct policy_slot *slot = host_active_slot(h);
	struct backend *be;
	char err[512];
	int ret;

	be = bpf_backend_open(&bo, err, sizeof(err));
	if (!be) {
		pl_err("%s", err);
		return 1;
	}
	h->be = be; /* the policy's services now reach it */
	if (cfg->debug && h->obs.log) {
		/* A replay of the dump ends slices on this kernel's ticks. */
		uint32_t hz = bpf_backend_kernel_hz(be);

		decision_log_set_kernel_hz(h->obs.log, hz);
		if (hz)
			pl_debug("debug: the kernel ticks at %u Hz", hz);
		else
			pl_warn("debug: the kernel's tick rate could not be measured: a replay "
				"of the dump ends slices exactly (plugland-replay --tick sets it)");
	}
	pl_info("sched_ext enabled: ops 'plugland', policy '%s' (%s), %u CPUs", slot->lp.ops.name,
		slot->lp.path, be->nr_cpus);
	ret = run_loop(h, be);
	if (ret == -ENOMEM) {
		h->be = NULL;
		bpf_backend_close(be, NULL);
		return 1;
	}
	bpf_backend_detach(be);
	sched_loop_drain_decided(&h->loop);
	print_counters(h);
	bpf_backend_print_prog_stats(be);
	h->be = NULL;
	bpf_backend_close(be, ei);
	sched_loop_fini(&h->loop);

	pl_info("sched_ext disabled: %s", *ei->reason ? ei->reason : scx_exit_kind_str(ei->kind));
	if (*ei->msg)
		pl_info("kernel message: %s", ei->msg);
	if (ei->kind >= 1024 /* SCX_EXIT_ERROR */ && *ei->dump)
		print_kernel_dump(ei->dump);
	if (ret < 0) {
		pl_err("scheduling loop failed: %s", strerror(-ret));
		return 1;
	}
	if (scx_exit_wants_restart(ei))
		return -1;
	/* Stopped by a signal (we unregistered): success. Ejected: failure. */
	return ei->kind == 64 /* SCX_EXIT_UNREG */ || ei->kind == 1 ? 0 : 1;
}

/* On the kernel: attached until stopped, again when the kernel asks (a
 * bounded number of times in quick succession). */
static int run_kernel(struct host *h)
{
	int ret, restarts;

	/* Everything is allocated: from now on no page fault may wait for us. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		pl_warn("mlockall: %s: the scheduler may page-fault under memory pressure",
			strerror(errno));
	for (restarts = 0;; restarts++) {
		uint64_t started_ns = pl_now_ns();

		ret = attach_once(h);
		if (ret != -1 || *h->o.stop)
			break;
		/* Only restarts in quick succession count towards the bound. */
		if (pl_now_ns() - started_ns >= RESTART_QUIET_NS)
			restarts = 0;
		if (restarts == MAX_RESTARTS) {
			pl_err("the kernel asked to restart %d times; giving up", MAX_RESTARTS);
			ret = 1;
			break;
		}
		pl_info("the kernel asked for a restart (%d of %d)", restarts + 1, MAX_RESTARTS);
		/* The kernel re-enqueues every task: start the policy afresh. */
		if (policy_slot_restart(host_active_slot(h))) {
			pl_err("policy '%s': init failed after the restart",
			       host_active_slot(h)->lp.ops.name);
			ret = 1;
			break;
		}
	}
	return ret < 0 ? 1 : ret;
}

/*
 * --simulate N: the policy on the simulated machine (no kernel, no root)
 * for N decisions, under the guards of a real run, and a report of what
 * each task got. For trying a policy on any machine, and for the SDK's
 * out-of-tree test.
 */
static int run_simulated(struct host *h)
{
	int ret = run_loop(h, h->machine);

	if (ret == -ENOMEM)
		return 1;
	ret = report_simulation(h, ret);
	sched_loop_fini(&h->loop);
	return ret;
}

/* The machine (freed if --simulate's) and its topology, gone. */
static void drop_machine(struct host *h)
{
	h->be = NULL;
	if (h->machine_owned)
		synth_backend_free(h->machine);
	workload_machine_fini(&h->wm);
	h->machine = NULL;
	h->machine_owned = false;
	topology_free(h->topo);
	h->topo = NULL;
}

int host_open(struct host *h, const struct host_opts *o)
{
	const struct workload *w = o->workload;
	int ret;

	memset(h, 0, sizeof(*h));
	h->o = *o;
	if (o->simulate && !w) {
		workload_default(&h->builtin_workload);
		w = h->o.workload = &h->builtin_workload;
	}
	/* A machine that is not the kernel comes first: plugins are told its
	 * CPUs, and read its clock (that of task->enq_ns) and its idle CPUs.
	 * A simulated machine's CPUs are the workload's (flat unless it says
	 * smt or llcs), not this machine's. */
	if (o->machine)
		h->topo = topology_new(NULL, (int)o->machine->nr_cpus);
	else if (o->simulate)
		h->topo = topology_new_simulated((int)w->nr_cpus, (int)w->smt, (int)w->llcs);
	else
		h->topo = topology_new("", (int)services_nr_cpus(NULL));
	if (!h->topo) {
		pl_err("out of memory");
		return 1;
	}
	if (o->machine) {
		h->machine = o->machine;
	} else if (o->simulate) {
		struct synth_opts so = { .max_decisions = o->simulate, .topo = h->topo };

		if (workload_machine_init(&h->wm, w)) {
			pl_err("out of memory");
			ret = 1;
			goto fail;
		}
		workload_machine_opts(&h->wm, &so);
		h->machine = synth_backend_new(&so);
		if (!h->machine) {
			pl_err("out of memory");
			ret = 1;
			goto fail;
		}
		h->machine_owned = true;
	}
	h->be = h->machine;
	h->slots[0].be = h->slots[1].be = &h->be;
	h->slots[0].topo = h->slots[1].topo = h->topo;
	pthread_mutex_init(&h->view.lock, NULL);
	h->slots[0].view = h->slots[1].view = &h->view;
	/* Crashes are named from the first plugin code on: constructors,
	 * init(), and the threads they start. */
	crash_handlers_install(&h->loop);
	/* The policy is loaded and initialised before anything is attached:
	 * a broken one is refused while the kernel's scheduler still runs. */
	if (o->policy) {
		char err[512];

		ret = policy_slot_open_given(host_active_slot(h), h->o.cfg, o->policy, err, sizeof(err));
		if (ret) {
			pl_err("%s", err);
			ret = 2;
		}
	} else {
		ret = policy_slot_open_configured(host_active_slot(h), h->o.cfg);
	}
	if (ret)
		goto fail;
	pl_debug("policy '%s' from %s", host_active_slot(h)->lp.ops.name,
		 host_active_slot(h)->lp.path);
	ret = observers_start(&h->obs, h->o.cfg, host_active_slot(h)->lp.ops.name, &h->view,
			      h->machine ? &h->machine : NULL, h->topo);
	if (ret) {
		observers_stop(&h->obs);
		policy_slot_close(host_active_slot(h));
		goto fail;
	}
	return 0;
fail:
	drop_machine(h);
	return ret;
}

int host_run(struct host *h)
{
	int ret;

	if (!h->machine)
		return run_kernel(h);
	if (h->machine_owned)
		return run_simulated(h);
	ret = run_loop(h, h->machine);
	sched_loop_fini(&h->loop);
	return ret < 0 ? 1 : 0;
}

int host_begin(struct host *h)
{
	return loop_begin(h, h->machine) ? 1 : 0;
}

void host_end(struct host *h)
{
	loop_end(h);
	sched_loop_fini(&h->loop);
}

void host_close(struct host *h)
{
	observers_stop(&h->obs);
	policy_slot_close(host_active_slot(h));
	drop_machine(h);
	pthread_mutex_destroy(&h->view.lock);
}

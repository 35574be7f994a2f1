/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * plugland plugin ABI: the only header a scheduling policy needs.
 *
 * A policy is a shared object exporting one symbol, `plugland_policy`, a
 * constant struct plugland_policy (an async plugin: `plugland_async`, see
 * the end of this file). Write it with PLUGLAND_POLICY():
 *
 *	#include <plugland/plugin.h>
 *
 *	struct mine { const struct plugland_host *host; ... };
 *
 *	static int my_init(const struct plugland_host *host, void **ctx)
 *	{
 *		struct mine *m = calloc(1, sizeof(*m));
 *
 *		if (!m)
 *			return -ENOMEM;
 *		m->host = host;
 *		*ctx = m;
 *		return 0;
 *	}
 *	static int my_enqueue(void *ctx, const struct plugland_task *t) { ... }
 *	static unsigned int my_dispatch(void *ctx, struct plugland_dispatch *out,
 *					unsigned int max) { ... }
 *	static void my_exit(void *ctx) { free(ctx); }
 *
 *	PLUGLAND_POLICY(
 *		.name = "mine",
 *		.init = my_init,
 *		.enqueue = my_enqueue,
 *		.dispatch = my_dispatch,
 *		.exit = my_exit,
 *	);
 *
 * State: keep it in the context init() stores, not in statics. Two
 * instances of one policy may live in one process at once (two hosts in
 * one test or tool, each with its own settings), each with its own
 * context and its own struct plugland_host; every callback gets its
 * instance's.
 *
 * Threading: every policy callback is called from the host's scheduling
 * thread, one at a time, never concurrently. While a callback runs no task
 * of the machine is being scheduled by user space, so:
 *   - enqueue() and dispatch() must not block, sleep, do I/O or allocate
 *     memory: allocate everything in init(). (The host runs mlockall(); a
 *     page fault here can deadlock the machine on the kthread that would
 *     resolve it.)
 *   - init(), exit() and the optional callbacks may allocate and block
 *     briefly.
 *
 * What the host does to a plugin that breaks these rules (docs/policies.md,
 * "When a plugin misbehaves"):
 *   - A policy callback that has not returned [watchdog] timeout_ms after
 *     it began is left by a signal (SIGUSR2; do not block it) and the
 *     built-in fifo takes the policy's tasks over, within about a
 *     millisecond of the timeout (measured: tests/unit/test_watchdog).
 *     One that does not come back within one more timeout_ms is not
 *     recovered: scx_plugland detaches and exits with status 3. While a
 *     switch or reload runs, loading a plugin, its init() and the old
 *     policy's exit() get [watchdog] init_timeout_ms (5 s), then the same.
 *   - A crash is reported with the plugin and callback whose code the
 *     crashing thread was running (or "a thread it started").
 *   - Plugin code must never end the process: exit(), _exit() or _Exit()
 *     from a callback, a constructor or a plugin's thread is named and
 *     scx_plugland exits with status 4.
 *   - Threads: a plugin may start threads (pthread_create()), and must end
 *     and join them before its exit() returns. One still running then
 *     keeps the plugin loaded for good (unloading it would crash the
 *     thread), with an error naming it.
 *   - Constructors run when the host dlopen()s the plugin, after the
 *     checks that need no code run: an ELF shared object for this
 *     machine, exporting the descriptor with the host's ABI major and a
 *     size no smaller than ABI 2.0's. Do no work in constructors.
 *
 * Compatibility: structs passed between host and plugin start with a size
 * field (`sz`) and only ever grow at the end, as libbpf's option structs
 * do. The host reads only the fields that fit in the plugin's `sz`, so a
 * plugin built against an older header of the same major version keeps
 * loading; a plugin whose abi_version major differs from the host's is
 * refused, with a message to rebuild it against the installed header.
 * ABI 2.0 (plugland 0.2) gave init() a context and every callback and
 * service an instance; 1.x plugins must be rebuilt (docs/policies.md).
 */
#ifndef PLUGLAND_PLUGIN_H
#define PLUGLAND_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Major in the high 16 bits: a change there breaks old plugins. */
#define PLUGLAND_ABI_MAJOR 2
#define PLUGLAND_ABI_MINOR 5
#define PLUGLAND_ABI_VERSION ((PLUGLAND_ABI_MAJOR << 16) | PLUGLAND_ABI_MINOR)

#define PLUGLAND_CPU_ANY (-1)	  /* dispatch: any CPU the task may use */
#define PLUGLAND_COMM_LEN 16
#define PLUGLAND_WEIGHT_DEFAULT 100 /* weight of a nice-0 task */

#include <plugland/flags.h>

/*
 * A task that waits for the policy's decision. Handed to enqueue() by
 * pointer; the memory belongs to the host and is valid only during the
 * call: copy what you need.
 */
struct plugland_task {
	int32_t pid;		/* thread id */
	int32_t tgid;		/* process id */
	int32_t cpu;		/* CPU it last ran on */
	uint32_t flags;		/* PLUGLAND_TASK_* */
	uint64_t weight;	/* PLUGLAND_WEIGHT_DEFAULT at nice 0, 1..10000 */
	uint64_t exec_runtime;	/* CPU time consumed so far (ns) */
	uint64_t nvcsw;		/* voluntary context switches so far */
	uint64_t vtime;		/* vtime of this task's last dispatch, 0 at first */
	uint64_t enq_ns;	/* when the kernel queued it (CLOCK_MONOTONIC ns) */
	uint64_t cookie;	/* host-private: copy into the dispatch */
	uint32_t nr_cpus_allowed;
	uint32_t reserved;
	char comm[PLUGLAND_COMM_LEN];
};

/*
 * A decision: run task `pid` on `cpu` for `slice_ns`. Filled by dispatch();
 * start from plugland_dispatch_of(task) and change what you decide.
 */
struct plugland_dispatch {
	int32_t pid;
	int32_t cpu;		/* a CPU, or PLUGLAND_CPU_ANY */
	uint64_t slice_ns;	/* 0: the host's default slice */
	uint64_t vtime;		/* kept by the host; reported back in task->vtime;
				   while it runs, how urgent it is (lower: more),
				   for preempt_cpu() */
	uint64_t cookie;	/* task->cookie, unchanged */
};

static inline struct plugland_dispatch plugland_dispatch_of(const struct plugland_task *t)
{
	struct plugland_dispatch d = {
		.pid = t->pid,
		.cpu = PLUGLAND_CPU_ANY,
		.slice_ns = 0,
		.vtime = t->vtime,
		.cookie = t->cookie,
	};
	return d;
}

/* The rule of PLUGLAND_POLICY_FAST_WAKE_VTIME (below): host->set_wake_rule(). */
struct plugland_wake_rule {
	uint64_t floor;			/* no waking task's vtime below this */
	uint64_t slice_ns;		/* the slice it runs for; 0: the default */
	uint64_t preempt_margin;	/* 0: never preempt; else the vtime a
					   running task must exceed the waking
					   one's by, to be preempted for it */
	uint64_t preempt_min_run_ns;	/* ... its slice granted this long ago */
	uint32_t preempt_flags;		/* PLUGLAND_WAKE_PREEMPT_* (flags.h) */
	uint32_t preempt_hog_slices;	/* with ..._HOGS_ONLY: the victim's last
					   this many slices all ran out (0 or
					   1: its last one; at most 255); a
					   preemption between them does not
					   break the row, a sleep does */
};


/*
 * One scheduling decision, as recorded in the host's decision log and
 * handed to async plugins. Exactly 64 bytes (one cache line), and full:
 * a new field needs a new record version (docs/decision-dump.md).
 */
struct plugland_decision {
	uint64_t enq_ns;	/* the kernel queued the task (CLOCK_MONOTONIC) */
	uint64_t dispatch_ns;	/* the policy decided */
	uint64_t vtime;		/* the policy's vtime or deadline for it */
	int32_t pid;
	int32_t tgid;
	int16_t cpu;		/* chosen CPU, or PLUGLAND_CPU_ANY */
	int16_t prev_cpu;	/* CPU it last ran on */
	uint32_t slice_us;	/* 0: the default slice */
	uint16_t flags;		/* PLUGLAND_TASK_* of the enqueue */
	uint16_t policy_id;	/* which policy decided (see the dump header) */
	uint32_t weight;
	char comm[PLUGLAND_COMM_LEN];
};

/*
 * A task event in the decision log: the same 64 bytes as a decision, told
 * apart by PLUGLAND_RECORD_EVENT in `flags` (byte 40 in both). Events come
 * from BPF's sched_ext callbacks in debug mode (runnable, running,
 * stopping, quiescent, set_weight, set_cpumask, init_task, exit_task),
 * and for scx_plugland's own threads one HOST_RUN per run (from running
 * to stopping); the host appends them with decision_log_append_event(), in the order it
 * receives them, interleaved with the decisions. docs/decision-dump.md
 * has the layout. Fields a kind does not use are 0 (cpu: -1).
 *
 * Async plugins never see events: the host hands consume() decisions only
 * (see struct plugland_async), and never a shadow policy's. A reader of a
 * dump tells them apart with plugland_record_is_event().
 */
struct plugland_event {
	uint64_t at_ns;		/* when it happened (CLOCK_MONOTONIC) */
	uint64_t value;		/* STOPPING: the task's CPU time so far (ns);
				   CPUMASK: allowed CPUs 0..63, bit c for CPU c;
				   HOST_RUN: when the run began (at_ns: ended) */
	uint64_t value_hi;	/* CPUMASK: allowed CPUs 64..127 */
	int32_t pid;		/* thread id */
	int32_t tgid;		/* process id */
	int16_t cpu;		/* RUNNING, STOPPING, HOST_RUN: the CPU; others -1 */
	uint16_t kind;		/* PLUGLAND_EVENT_* */
	uint32_t arg;		/* RUNNABLE: the waker's pid (0: not known);
				   FORK: the parent's pid; WEIGHT: the new
				   weight (100 at nice 0); CPUMASK: how many
				   CPUs it may use */
	uint16_t flags;		/* PLUGLAND_RECORD_EVENT */
	uint16_t detail;	/* RUNNABLE: PLUGLAND_RUNNABLE_*; STOPPING:
				   PLUGLAND_STOPPING_RUNNABLE or 0; HOST_RUN:
				   PLUGLAND_HOST_RUN_SCHED or 0; CPUMASK:
				   PLUGLAND_CPUMASK_PARTIAL or 0 */
	uint32_t reserved;	/* 0 */
	char comm[PLUGLAND_COMM_LEN];
};

/* A record of the log, either kind: look at decision.flags first. */
union plugland_record {
	struct plugland_decision decision;
	struct plugland_event event;
};

#ifndef __cplusplus
_Static_assert(sizeof(struct plugland_decision) == 64, "a decision is one cache line");
_Static_assert(sizeof(struct plugland_event) == 64, "an event is a decision's size");
_Static_assert(sizeof(union plugland_record) == 64, "one record, one cache line");
_Static_assert(offsetof(struct plugland_event, flags) == offsetof(struct plugland_decision, flags),
	       "PLUGLAND_RECORD_EVENT is read at the same place in both");
_Static_assert(offsetof(struct plugland_event, pid) == offsetof(struct plugland_decision, pid) &&
	       offsetof(struct plugland_event, tgid) == offsetof(struct plugland_decision, tgid) &&
	       offsetof(struct plugland_event, comm) == offsetof(struct plugland_decision, comm),
	       "pid, tgid and comm are where filters read them, for either kind");
#endif

/* Whether an event of this kind says on which CPU (its cpu field). */
static inline int plugland_event_has_cpu(unsigned int kind)
{
	return kind == PLUGLAND_EVENT_RUNNING || kind == PLUGLAND_EVENT_STOPPING ||
	       kind == PLUGLAND_EVENT_HOST_RUN;
}

/* Whether a log record (read as a decision) is an event. */
static inline int plugland_record_is_event(const struct plugland_decision *rec)
{
	return (rec->flags & PLUGLAND_RECORD_EVENT) != 0;
}

/* A position in the decision log: records [first, first + n). */
struct plugland_log_span {
	uint64_t first;		/* sequence number of the first record */
	uint64_t nr_lost;	/* records this consumer missed so far (overwritten) */
};

/* CPU topology, as the host read it from sysfs at start-up. */
struct plugland_cpu_topology {
	int32_t cpu;
	int32_t core_id;	/* CPUs with the same core_id are SMT siblings */
	int32_t llc_id;		/* ... the same llc_id share the last-level cache */
	int32_t node_id;	/* ... the same node_id are on one NUMA node */
};

enum plugland_log_level {
	PLUGLAND_LOG_ERROR,
	PLUGLAND_LOG_WARN,
	PLUGLAND_LOG_INFO,
	PLUGLAND_LOG_DEBUG,
};

/*
 * Services the host gives plugins. Each plugin instance gets its own
 * struct plugland_host, handed to init() and valid until exit(); every
 * service takes it back as its first argument. All may be called from
 * the plugin's own thread.
 */
/* What for_each_counter() calls for each counter. */
typedef void (*plugland_counter_fn)(void *arg, const char *name, const char *help,
				    uint64_t value, int gauge);

struct plugland_host {
	size_t sz;			/* sizeof(struct plugland_host) of the host */
	uint32_t abi_version;		/* the host's PLUGLAND_ABI_VERSION */
	uint32_t nr_cpus;		/* possible CPUs: valid CPU ids are 0..nr_cpus-1 */
	uint64_t default_slice_ns;	/* what slice_ns == 0 means */
	/*
	 * The fast paths BPF takes for this policy: the PLUGLAND_POLICY_FAST_
	 * WAKE_* flags it asked for that the host grants (the operator's
	 * [bpf] idle_direct, the backend), set before init(). A flag asked
	 * for and missing here was refused, and the host said why in its log;
	 * the policy runs without it (every such wake-up comes to enqueue()).
	 */
	uint32_t fast_wake;

	/* The clock of task->enq_ns, in ns: CLOCK_MONOTONIC on a kernel, the
	 * simulated machine's clock under --simulate. Never blocks. */
	uint64_t (*now_ns)(const struct plugland_host *host);
	/*
	 * An idle CPU the task may run on, or -1 when none is idle. Looks at
	 * task->cpu first, then its SMT siblings, then the other CPUs of its
	 * last-level cache, then any CPU. The CPU is reserved for this task:
	 * dispatch it there. Costs a system call; never blocks.
	 */
	int (*pick_idle_cpu)(const struct plugland_host *host, const struct plugland_task *task);
	/* Log through the host (stderr, prefixed with the plugin's name). */
	void (*log)(const struct plugland_host *host, enum plugland_log_level level,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
	/*
	 * A value of this plugin's own ini section ([NAME]), or NULL when
	 * unset. The string is the host's, valid until exit(). Ask for every
	 * key you accept in init(), set or not: after init() the host
	 * refuses (file:line, exit 2) a key of the section that was never
	 * asked for, as a typo, and names the ones that were. A reload is
	 * checked against the same keys. Async plugins: call it in init()
	 * only (a reload may change the strings under another thread).
	 */
	const char *(*config)(const struct plugland_host *host, const char *key);
	/*
	 * Topology of `cpu` (0..nr_cpus-1) in *out; 0, or -1 for a CPU that
	 * does not exist. Read once at start-up: never blocks.
	 */
	int (*cpu_topology)(const struct plugland_host *host, int cpu,
			    struct plugland_cpu_topology *out);
	/*
	 * How many CPUs are idle right now (a snapshot the kernel keeps up to
	 * date): how many tasks dispatch() can release for them to run at
	 * once. A memory read: call it as often as you like.
	 */
	uint32_t (*nr_idle_cpus)(const struct plugland_host *host);
	/*
	 * A CPU to take from a less urgent task, for `task` to run there now:
	 * of the CPUs running, for min_run_ns at least, a task this policy
	 * dispatched with a vtime larger than `vtime`, the one with the
	 * largest. That task is preempted once this dispatch() returns and
	 * comes back to enqueue() (runnable, not a wake-up): dispatch `task`
	 * to the CPU returned, in this dispatch(). -1 when there is none, or
	 * when `task` may not run on every CPU. Tasks the kernel dispatched
	 * itself (kernel threads, the host) are never preempted. Only the
	 * order of vtimes matters: make `vtime` smaller than the running
	 * task's by the margin it needs to be worth a context switch;
	 * min_run_ns keeps tasks that just started from being preempted in
	 * a storm of wake-ups. Reads shared memory; the preemption itself
	 * costs one system call. Call from dispatch() only.
	 */
	int (*preempt_cpu)(const struct plugland_host *host, const struct plugland_task *task,
			   uint64_t vtime, uint64_t min_run_ns);

	/* --- since ABI 2.1: check with PLUGLAND_HOST_HAS() --- */

	/*
	 * Call fn once for each of the host's counters, now: the loop's
	 * ("loop_enqueued", "loop_refused", "loop_starved", ...: tasks and
	 * decisions since start), while a shadow policy runs its comparison
	 * ("shadow_compared", "shadow_differed_order", ...: since it started)
	 * and, on a kernel, BPF's ("kernel_queued",
	 * "kernel_failsafe_dispatches", ...: what `scx_plugland ctl stats`
	 * shows). Names are stable snake_case; `help` is one line; gauge is 1
	 * for a value that goes down too ("loop_in_flight"). From any thread,
	 * at any time after init(): the values are read while the scheduling
	 * thread runs (each exact, not a snapshot of all). Returns how many,
	 * or a negative errno.
	 */
	int (*for_each_counter)(const struct plugland_host *host, plugland_counter_fn fn,
				void *arg);
	/*
	 * The name of the policy a decision record's policy_id names, into
	 * buf (NUL-terminated, cut to len). 0, or -ENOENT (no such id, or no
	 * decision log). From any thread.
	 */
	int (*policy_name)(const struct plugland_host *host, uint16_t policy_id, char *buf,
			   size_t len);

	/* --- since ABI 2.3: check with PLUGLAND_HOST_HAS() --- */

	/*
	 * PLUGLAND_POLICY_FAST_WAKE_VTIME: `task` stands at `vtime` in the
	 * policy's virtual time now, at task->exec_runtime: where BPF starts
	 * from when it next wakes up (plus the CPU time it uses from then,
	 * weighted). Call it from enqueue() or dispatch() for a task you
	 * decide for, or kernel_decided(); without it a task's wake-ups
	 * come to enqueue(). One record to the kernel each: call it when the
	 * task's place changed, not for nothing. No effect without the fast
	 * path granted (host->fast_wake). Scheduling thread; never blocks.
	 */
	void (*set_wake_vtime)(const struct plugland_host *host, const struct plugland_task *task,
			       uint64_t vtime);
	/*
	 * PLUGLAND_POLICY_FAST_WAKE_VTIME: the rule's floor, slice and
	 * preemption, for every wake-up from now on (a memory write: call it
	 * each dispatch(), say, as your clock moves). Until the first call:
	 * floor 0, the default slice, no preemption. Scheduling thread.
	 */
	void (*set_wake_rule)(const struct plugland_host *host,
			      const struct plugland_wake_rule *rule);
};

/* True when the host passed in `host` provides member `field` (one added
 * in a later minor version than the plugin may run under). */
#define PLUGLAND_HOST_HAS(host, field)                                  \
	(offsetof(struct plugland_host, field) + sizeof((host)->field) <= \
	 (host)->sz)

/*
 * A scheduling policy. Exactly one instance schedules at a time, on the
 * scheduling thread. `ctx` is what its init() stored: each instance's own.
 */
struct plugland_policy {
	size_t sz;		/* sizeof(struct plugland_policy) as built */
	uint32_t abi_version;	/* PLUGLAND_ABI_VERSION as built */
	uint32_t flags;		/* PLUGLAND_POLICY_* */
	const char *name;	/* short, unique: "fifo", "deadline" */
	const char *description; /* one line, shown by --list-plugins */

	/* --- mandatory --- */

	/*
	 * Allocate and initialise an instance: store its context in *ctx
	 * (any pointer, NULL included; the host only hands it back). Returns
	 * 0, or a negative errno and the host refuses the policy (nothing
	 * attached yet, or the previous policy kept) and never calls exit().
	 * Log why it failed with host->log(). May allocate and block.
	 */
	int (*init)(const struct plugland_host *host, void **ctx);
	/*
	 * A task became runnable and waits for a decision. Returns 0 when the
	 * policy took it, or a negative errno (-ENOSPC: full) and the host
	 * dispatches it itself to any CPU (counted). The task must later be
	 * returned by dispatch() exactly once. Must not block or allocate.
	 */
	int (*enqueue)(void *ctx, const struct plugland_task *task);
	/*
	 * Fill up to `max` decisions in out[] and return how many. Called
	 * after each batch of enqueues and whenever a CPU has nothing to
	 * run. Returning fewer than the tasks held is allowed: the host calls
	 * again when a CPU needs work. Must not block or allocate.
	 */
	unsigned int (*dispatch)(void *ctx, struct plugland_dispatch *out, unsigned int max);
	/* Free the instance. Tasks still held are dispatched by the host (a
	 * switch hands them to the next policy). */
	void (*exit)(void *ctx);

	/* --- optional: NULL when not needed --- */

	/* About every tick_ms (default 100) on the scheduling thread while
	 * tasks are in flight; while the host idles (nothing held, nothing
	 * queued) it sleeps, and ticks come about once a second. May release
	 * held tasks (dispatch() is called after it). now_ns is
	 * host->now_ns()'s clock, read at the tick. */
	void (*tick)(void *ctx, uint64_t now_ns);
	/* The task exited or left sched_ext (BPF's ops.exit_task); forget
	 * any state kept for it. Scheduling thread; must not block. Only for
	 * tasks that were queued to user space at least once; may come
	 * after a decision for the task. Advisory: it is dropped when the
	 * kernel's ring buffer is full, so the policy must also cope with
	 * pids it never hears of again. (CPU hotplug makes the kernel
	 * restart the scheduler: the host then calls exit() and init().) */
	void (*task_gone)(void *ctx, int32_t pid);
	/*
	 * The configuration was reloaded (SIGHUP, or the control socket):
	 * re-read host->config(). Return 0, or a negative errno to keep the
	 * previous settings (log why). On the scheduling thread; may allocate
	 * and block briefly.
	 */
	int (*reconfigure)(void *ctx);
	/*
	 * BPF placed `task` itself, without asking the policy: on d->cpu
	 * (PLUGLAND_CPU_ANY: the kernel's any-CPU queue) for d->slice_ns,
	 * for `reason` (PLUGLAND_KERNEL_*): the policy's own fast path, or
	 * one of the host's safety nets. `task` is what enqueue() would have
	 * been handed then (flags, exec_runtime, nvcsw, weight as of that
	 * moment; task->cpu the CPU it last ran on), so the policy can keep
	 * its accounting (vruntime, tickets, shares) exact. It is not a task
	 * to dispatch: it is running or queued already, and comes back to
	 * enqueue() when it next waits for a decision.
	 *
	 * Told in order with the task's enqueues, but late: with the next
	 * records BPF sends, or within about a second while the host idles.
	 * RESCUED is told for a task the policy holds: its decision for it
	 * will be dropped as stale. Scheduling thread; must not block or
	 * allocate. Every such placement is also in the decision log
	 * (PLUGLAND_DECISION_BY_KERNEL), whether or not this is set.
	 */
	void (*kernel_decided)(void *ctx, const struct plugland_task *task,
			       const struct plugland_dispatch *d, unsigned int reason);
};

/*
 * plugland_policy.flags: decisions for PLUGLAND_CPU_ANY wait in the
 * kernel ordered by their vtime (lowest first, FIFO among equal ones)
 * rather than in the order they were made. For a policy that releases
 * tasks before a CPU is free to take them: a later, more urgent decision
 * still runs first, and a CPU that frees takes the most urgent one
 * without a round trip to the host. Set vtime on every decision then (the
 * value of plugland_dispatch_of() is the task's previous one).
 */
#define PLUGLAND_POLICY_ORDERED (1u << 0)

/*
 * plugland_policy.flags: fast paths the policy gives to BPF: a
 * task that wakes up and finds an idle CPU it may use runs there at once
 * for the host's default slice, decided in the kernel without a round
 * trip to the host (two context switches and a wake-up of the scheduling
 * thread saved, and the wait for it). The policy is told afterwards
 * (kernel_decided(), reason PLUGLAND_KERNEL_IDLE) and the decision log
 * records it. Tasks that find every CPU busy still come to enqueue().
 * The CPU is always one the task's affinity allows.
 *   FAST_WAKE_PREV: only when the CPU it last ran on is idle (its cache
 *                   is warm there).
 *   FAST_WAKE_IDLE: any idle CPU it may use, chosen by the kernel's own
 *                   rule (its previous CPU, an idle SMT core, its LLC's,
 *                   any): implies FAST_WAKE_PREV.
 * What the host granted is in host->fast_wake.
 */
#define PLUGLAND_POLICY_FAST_WAKE_PREV (1u << 1)
#define PLUGLAND_POLICY_FAST_WAKE_IDLE (1u << 2)

/*
 * plugland_policy.flags: a task that wakes up and finds no idle CPU for it
 * (none is, or the policy asked for no idle fast path) goes to the tail
 * of the kernel's any-CPU queue for the host's default slice, decided in
 * BPF: first come, first served, without a round trip. The policy is told
 * afterwards (kernel_decided(), reason PLUGLAND_KERNEL_QUEUED) and the
 * decision log records it. What stays the policy's: tasks whose slice ran
 * out, new tasks' first placement on a fork, and every task of a failed
 * or refused fast path. The first CPU its affinity allows to look at the
 * queue runs it. For a policy whose own order is FIFO (plugins/fifo):
 * with PLUGLAND_POLICY_ORDERED the host refuses it (the ordered queue's
 * order is a vtime only the policy can compute) and says so in its log.
 */
#define PLUGLAND_POLICY_FAST_WAKE_QUEUE (1u << 3)

/*
 * plugland_policy.flags, with PLUGLAND_POLICY_FAST_WAKE_QUEUE (ABI 2.4)
 * or PLUGLAND_POLICY_FAST_WAKE_VTIME (ABI 2.5): the queue path's tasks
 * queue on the CPU the kernel chose for them at the wake-up (the one
 * they last ran on, or with FAST_WAKE_IDLE the kernel's pick), not in the
 * any-CPU queue: FIFO with FAST_WAKE_QUEUE, by their vtime with
 * FAST_WAKE_VTIME (on the CPU preempted for the task, when the rule
 * preempts one; the preempted task waits there too). The policy's own
 * PLUGLAND_CPU_ANY decisions stay in the any-CPU queue. A CPU runs, of
 * its own queue's first task and the any-CPU queue's, the one queued
 * first (FIFO) or with the lower vtime (ordered): a task whose slice ran
 * out waits its turn among the waking ones, and CPU-bound tasks take
 * turns on every CPU. Then it takes from the other CPUs' queues; a task
 * queued on a busy CPU has an idle CPU, if any, kicked to take it. The
 * kernel's own shape (a run queue per CPU, stolen from when idle) for
 * waking tasks: fewer migrations, at the price of a strict order across
 * CPUs for them. kernel_decided() and the decision log name the CPU
 * (reason PLUGLAND_KERNEL_QUEUED); another CPU may still take the task
 * (counter nr_local_stolen). Refused without one of the two queue paths
 * (the host says so in its log), and under [bpf] local_queues = false.
 */
#define PLUGLAND_POLICY_FAST_WAKE_LOCAL (1u << 5)

/*
 * plugland_policy.flags, with PLUGLAND_POLICY_ORDERED (ABI 2.3): the
 * ordered queue's fast path. A task that wakes up and finds no idle CPU
 * for it goes into the kernel's ordered queue at a vtime BPF computes by
 * the policy's rule, without a round trip:
 *
 *   vtime = max(base + CPU time used since the base × 100 / weight, floor)
 *
 * base: where the policy last said the task stands in its virtual time
 * (host->set_wake_vtime()), or where this path last put it; floor and the
 * slice: host->set_wake_rule(). That is a weighted-vruntime clock with a
 * bounded sleeper credit, the rule of plugins/common/edf.h for a waking
 * task. With a preemption margin in the rule, a CPU whose task is less
 * urgent by more than the margin (its slice granted preempt_min_run_ns
 * ago, and with PLUGLAND_WAKE_PREEMPT_HOGS_ONLY granted when its previous
 * slice ran out, its last preempt_hog_slices slices all ran out) is
 * preempted for it; the preempted task keeps its place and the rest of
 * its slice (PLUGLAND_KERNEL_RESUMED). The policy is told afterwards
 * (kernel_decided(), PLUGLAND_KERNEL_QUEUED, the vtime in task->vtime) and
 * the decision log records it. A task the policy never gave a base (new,
 * or none set yet) comes to enqueue(), as do tasks whose slice ran out.
 * Refused without PLUGLAND_POLICY_ORDERED (the host says so in its log).
 */
#define PLUGLAND_POLICY_FAST_WAKE_VTIME (1u << 4)

/*
 * An async plugin: logging, statistics, export. Zero or more run, each on
 * its own thread, never on the scheduling path: a slow one cannot delay
 * scheduling or the others (it loses records instead, and is told how
 * many). Export `plugland_async` with PLUGLAND_ASYNC().
 */
struct plugland_async {
	size_t sz;		/* sizeof(struct plugland_async) as built */
	uint32_t abi_version;	/* PLUGLAND_ABI_VERSION as built */
	const char *name;
	const char *description;

	/* On the plugin's thread, before any consume(): store the
	 * instance's context in *ctx. 0, or a negative errno (the plugin is
	 * then not run, and exit() not called). May allocate and block. */
	int (*init)(const struct plugland_host *host, void **ctx);
	/*
	 * New decisions, in order, on the plugin's thread: every interval_ms
	 * (periodic mode) or once with the whole log at exit (debug mode).
	 * recs[i] has sequence number span->first + i. The records belong to
	 * the host and are valid only during the call. May block (it only
	 * delays this plugin) and allocate.
	 *
	 * Decisions only: the host filters the log's task events (struct
	 * plugland_event) out, so a plugin built for decisions alone stays
	 * right; and applied decisions only: a shadow policy's (flag
	 * PLUGLAND_DECISION_SHADOW, never applied) are filtered out too.
	 * A batch with events among its decisions comes as several
	 * calls, each a run of consecutive sequence numbers; the sequence
	 * numbers of events are never handed out. span->nr_lost counts
	 * records of either kind.
	 */
	void (*consume)(void *ctx, const struct plugland_decision *recs, size_t n,
			const struct plugland_log_span *span);
	/* Last call, on the plugin's thread, after the final consume(). */
	void (*exit)(void *ctx);
};

#define PLUGLAND_ASYNC(...)                                         \
	__attribute__((visibility("default")))                      \
	const struct plugland_async plugland_async = {              \
		.sz = sizeof(struct plugland_async),                \
		.abi_version = PLUGLAND_ABI_VERSION, __VA_ARGS__ }

#define PLUGLAND_POLICY(...)                                        \
	__attribute__((visibility("default")))                      \
	const struct plugland_policy plugland_policy = {            \
		.sz = sizeof(struct plugland_policy),               \
		.abi_version = PLUGLAND_ABI_VERSION, __VA_ARGS__ }

#ifdef __cplusplus
}
#endif

#endif /* PLUGLAND_PLUGIN_H */

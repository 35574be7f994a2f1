// SPDX-License-Identifier: GPL-2.0
/*
 * plugland: the kernel half of a sched_ext scheduler whose policy runs in
 * user space. This file is mechanism: ordering and placement of ordinary
 * tasks are the policy plugin's, in the host, except in the cases listed
 * under "Decisions BPF makes itself" below, each of which the host is told
 * of (tell_host_decided) so that the policy's accounting and the decision
 * log see every placement.
 *
 * Flow of an ordinary task:
 *
 *   ops.enqueue ──► "queued" ring buffer ──► host: policy.enqueue()
 *                                               policy.dispatch()
 *   ops.dispatch ◄── "dispatched" user ring buffer ◄──┘
 *      └─► that CPU's local DSQ (policy named a CPU), or for any CPU the
 *          shared DSQ (FIFO) or, for an ordered policy, the ordered one
 *          (by the decision's vtime)
 *
 * Preemption. ops.running publishes, per CPU, the vtime the policy gave
 * the task it runs (0 for tasks dispatched here) and since when it runs.
 * The host reads it to choose a CPU running a less urgent task, sends the
 * decision for that CPU and runs the preempt_cpu syscall program:
 * SCX_KICK_PREEMPT ends the running slice, and the CPU drains the decision
 * in ops.dispatch. ops.running runs at every context switch (a quarter of
 * hackbench's time under qemu): it returns at once until the host's first
 * preemption request sets shared.publish_running.
 *
 * Tasks that must never wait for user space are dispatched here directly:
 *  - every thread of the host process (tgid): if the scheduler had to wait
 *    for itself it would deadlock; its scheduling thread also preempts;
 *  - per-CPU kthreads (and, optionally, all kthreads): the host may take a
 *    page fault whose resolution needs one of them.
 *
 * Waking the host. With park_host (off by default), a busy host parks
 * ("The parked host" below): it yields, waits in PL_HOST_DSQ, and the next CPU to switch
 * while work waits for it runs it. An idle host sleeps in epoll on the
 * queued ring buffer and a submit wakes it when it has caught up, except
 * for a sync wake-up while no CPU is idle (defer_sync_wakeups): that one
 * waits for the next context switch or tick on any CPU, so that a waker's
 * burst costs one wake-up.
 * Two more paths make sure it is never forgotten: ops.dispatch on a CPU
 * with nothing to run, while the policy holds tasks and the host sleeps,
 * sends a wake-up record; and a heartbeat timer does the same when work
 * has waited a whole period.
 *
 * Failsafe. If the host makes no progress for failsafe_ns while work waits
 * (stopped, stuck in a policy, page-faulting under memory pressure), the
 * heartbeat switches BPF into failsafe: newly queued tasks go to the shared
 * DSQ directly, FIFO, until the host publishes progress again. The tasks
 * it already held are taken back too: once per heartbeat, a CPU in
 * ops.dispatch walks all threads and dispatches those still in user
 * space's custody (a per-task flag), bumping their generation so that the
 * host's late decisions for them are dropped as stale. Without this, a
 * task queued just before the host stopped (the shell that would send
 * SIGCONT, say) would wait for the kernel's watchdog.
 *
 * Decisions BPF makes itself, for ordinary tasks (the reason each notice
 * carries, PLUGLAND_KERNEL_*):
 *  - IDLE: the policy's fast path (shared.fast_wake, from its flags): a
 *    waking task whose previous CPU, or any CPU it may use, is idle runs
 *    there at once for the default slice;
 *  - QUEUED: the policy's FIFO fast path (PL_FAST_WAKE_QUEUE): a waking
 *    task that found no idle CPU goes to the shared DSQ's tail, or with
 *    PL_FAST_WAKE_LOCAL to its CPU's own DSQ's; the ordered one
 *    (PL_FAST_WAKE_VTIME): into the ordered DSQ at the vtime of the
 *    policy's rule, or with PL_FAST_WAKE_LOCAL its CPU's own vtime DSQ;
 *  - RESUMED: a task the host's scheduling thread preempted runs on with
 *    the rest of its policy slice (resume_after_host);
 *  - CONGESTED: the ring buffer to the host was full: shared DSQ, FIFO;
 *  - FAILSAFE, RESCUED: the host was silent (below).
 * Not decisions about a task, but choices all the same: when the host is
 * woken (defer_sync_wakeups), and which queue a CPU takes from first
 * (move_any_cpu_task: of its own DSQ and the any-CPU one the head queued
 * first, or under an ordered policy the lower vtime; every 8th time the
 * any-CPU queues first). A notice
 * goes into the task ring buffer without a wake-up: the host reads it
 * with the next records, in order with the task's enqueues.
 *
 * Stale decisions. Each user-space enqueue bumps a per-task generation,
 * echoed back in the dispatch. A dispatch whose generation is not the
 * latest (the task was dequeued, changed affinity or was re-enqueued in the
 * meantime) is dropped and counted: the newer enqueue brings its own.
 *
 * Accepted races: counters are per-CPU and read without synchronisation;
 * the host_sleeping handshake may produce a spurious wake-up, never a lost
 * one (the host re-checks the ring buffer after setting it).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "intf.h"
#include "compat.bpf.h"

char _license[] SEC("license") = "GPL";

#define PF_KTHREAD	0x00200000
#define CLOCK_MONOTONIC 1
#define ESRCH		3
#define EINVAL		22

/* A sched_ext callback; ".s" marks the sleepable ones (ops.init). */
#define PL_OPS(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)
#define PL_OPS_SLEEPABLE(name, args...) SEC("struct_ops.s/" #name) BPF_PROG(name, ##args)

/* Set by the host before load; constant for the verifier afterwards. */
const volatile struct plugland_config cfg = {};
/* mmap()ed by the host: see struct plugland_shared for who writes what. */
struct plugland_shared shared;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by the host before load */
} queued SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4 << 20);
} dispatched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct plugland_counters);
} counters SEC(".maps");

struct task_ctx {
	u64 gen;   /* bumped on each enqueue to user space and on dequeue */
	u64 vtime; /* the policy's vtime, kept here between enqueues */
	/* The slice of the policy's last decision, and the task's CPU time
	 * then (0: no decision stands, BPF dispatched it last). */
	u64 granted;
	u64 runtime_at_grant;
	u64 granted_ns;	/* when (bpf_ktime_get_ns), for wake_preempt */
	u32 in_user; /* queued to user space, no decision applied yet */
	u32 ran_out; /* its last slices that ran out, in a row (at most 255): a CPU hog */
	u32 sync_wake; /* select_cpu saw SCX_WAKE_SYNC: the waker sleeps soon */
	u32 seen_runnable; /* debug mode: a RUNNABLE event was recorded */
	/* wake_vtime/wake_runtime hold for the policy whose bases are
	 * shared.wake_base_gen's (0: never set) */
	u32 wake_base_gen;
	u32 __pad;
	u64 queued_ns; /* when it last went into a FIFO queue (queue_fifo) */
	/* PL_FAST_WAKE_VTIME: the task stood at wake_vtime in the policy's
	 * virtual time when its CPU time was wake_runtime. */
	u64 wake_vtime;
	u64 wake_runtime;
};

/* Set by the heartbeat in failsafe: one ops.dispatch takes tasks back. */
static u32 rescue_requested;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctxs SEC(".maps");

struct heartbeat {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct heartbeat);
} heartbeat SEC(".maps");

#define COUNT(field)                                                   \
	do {                                                           \
		u32 __k = 0;                                           \
		struct plugland_counters *__c =                        \
			bpf_map_lookup_elem(&counters, &__k);          \
		if (__c)                                               \
			__c->field++;                                  \
	} while (0)

static __always_inline bool is_host_thread(const struct task_struct *p)
{
	return p->tgid == cfg.host_tgid;
}

/* Dispatched by BPF, never sent to user space. */
static __always_inline bool bypasses_user(const struct task_struct *p)
{
	if (is_host_thread(p))
		return true;
	if (!(p->flags & PF_KTHREAD))
		return false;
	return cfg.direct_all_kthreads || p->nr_cpus_allowed == 1;
}

/*
 * Wake the host with a heartbeat record. Only one CPU wins the
 * host_sleeping flag, so a burst of idle CPUs sends one record.
 */
/*
 * The parked host (cfg.park_host). After a round that did work, the
 * scheduling thread yields instead of sleeping, with shared.host_parked
 * set first: ops.enqueue puts it in PL_HOST_DSQ, and the next CPU to
 * switch while work waits for it runs it there (ops.dispatch). No
 * wake-up, no IPI and no preemption for work that can wait for a switch,
 * and a burst of records costs one run. Work that cannot wait kicks a CPU
 * (call_parked_host): an idle one, else this one, preempted. An idle host
 * (a round that found nothing) sleeps in epoll as without parking.
 */
u32 wakeup_deferred; /* not static: clang shrank it to a 1-byte bool, which BTF refuses */
/* (wakeup_deferred: see "Deferred wake-ups of the host" below) */
u32 host_wanted; /* a CPU with nothing to run, or the heartbeat, wants it (not static: as wakeup_deferred) */
/* This CPU was preempted to run the parked host: what it ran must not
 * refill its local DSQ, or its ops.dispatch (which runs the host) is
 * skipped. */
static u8 host_pull_here[PL_MAX_CPUS];

static __always_inline bool host_parked_now(void)
{
	/* A full barrier: the record (or host_wanted) is stored before the
	 * flag is read; the host sets the flag before its last look. */
	return cfg.park_host && __sync_fetch_and_or(&shared.host_parked, 0);
}

/* Work waits for the parked host. */
static __always_inline bool host_pull_pending(void)
{
	return shared.usersched_needed || wakeup_deferred || host_wanted;
}

/* ops.dispatch: run the parked host on this CPU. */
static bool pull_parked_host(void)
{
	if (!pl_dsq_move_to_local(PL_HOST_DSQ))
		return false;
	shared.host_parked = 0;
	host_wanted = 0;
	wakeup_deferred = 0;
	COUNT(nr_host_pulls);
	return true;
}

/* Make a CPU switch, so that its ops.dispatch runs the parked host: an
 * idle CPU, else this one. What runs here is preempted and goes back to
 * the policy with the record that called the host, not resumed ahead of
 * it: a timer's wake-up must not wait behind the CPU hog it interrupted
 * (cyclictest's p99 under fifo went from 26 to 151 ms with the resume). */
static void call_parked_host(void)
{
	const struct cpumask *online = scx_bpf_get_online_cpumask();
	s32 cpu = scx_bpf_pick_idle_cpu(online, 0);

	scx_bpf_put_cpumask(online);
	COUNT(nr_host_park_kicks);
	if (cpu >= 0) {
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		return;
	}
	cpu = bpf_get_smp_processor_id();
	if (cpu < 0 || cpu >= PL_MAX_CPUS)
		return;
	host_pull_here[cpu] = 1;
	scx_bpf_kick_cpu(cpu, SCX_KICK_PREEMPT);
}

static void wake_host(bool force)
{
	struct plugland_queued hb = { .pid = 0, .kind = PL_REC_HEARTBEAT };

	if (host_parked_now()) {
		host_wanted = 1;
		call_parked_host();
		return;
	}
	if (!force && !__sync_val_compare_and_swap(&shared.host_sleeping, 1, 0))
		return;
	hb.enq_ns = bpf_ktime_get_ns();
	bpf_ringbuf_output(&queued, &hb, sizeof(hb), BPF_RB_FORCE_WAKEUP);
}

/*
 * Deferred wake-ups of the host. A sync wake-up (a pipe write, say) comes
 * from a task that is about to sleep; while no CPU is idle, nothing can
 * run the woken task before that CPU switches anyway. So its record goes
 * into the ring buffer without waking the host, and the next context
 * switch or tick on any CPU wakes it: one wake-up of the host, one
 * preemption by it, for the whole burst a waker produces (hackbench
 * senders wake a dozen receivers in a row). A record submitted with a
 * wake-up while deferred ones wait forces it: the ring buffer's own
 * wake-up fires only for a record at the head.
 */
/* BPF's own decisions were sent without a wake-up since the last forced
 * one (tell_host_decided): the next record that wakes the host forces it. */
u32 notices_unread;

static void note_sync_wake(struct task_struct *p, u64 wake_flags)
{
	struct task_ctx *tctx;

	if (!cfg.defer_sync_wakeups || bypasses_user(p))
		return;
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	if (tctx)
		tctx->sync_wake = !!(wake_flags & SCX_WAKE_SYNC);
}

/*
 * Submit a record to the host: without a wake-up when `defer`, else with
 * one, forced while deferred records wait ahead of it. Every record goes
 * through here, or one left unread without a wake-up would silence those
 * behind it (the host slept until its timeout: cyclictest saw 28 ms).
 */
static void submit_to_host(struct plugland_queued *q, bool defer)
{
	if (host_parked_now()) {
		/* Not sleeping in epoll: a ring buffer wake-up reaches nobody. */
		bpf_ringbuf_submit(q, BPF_RB_NO_WAKEUP);
		if (defer) {
			wakeup_deferred = 1; /* the next switch runs it */
			COUNT(nr_deferred_wakeups);
		} else {
			call_parked_host();
		}
		return;
	}
	if (defer) {
		bpf_ringbuf_submit(q, BPF_RB_NO_WAKEUP);
		/* After the submit: a flush before it would find no record
		 * and the next one would not come. */
		wakeup_deferred = 1;
		COUNT(nr_deferred_wakeups);
	} else if (wakeup_deferred || notices_unread) {
		wakeup_deferred = 0;
		notices_unread = 0;
		bpf_ringbuf_submit(q, BPF_RB_FORCE_WAKEUP);
	} else {
		bpf_ringbuf_submit(q, 0);
	}
}

/* A context switch or a tick: wake the host for the deferred records. */
static __always_inline void flush_deferred_wakeup(void)
{
	if (!wakeup_deferred)
		return;
	/* Parked, the host runs at this CPU's next ops.dispatch or tick. */
	if (host_parked_now())
		return;
	wakeup_deferred = 0;
	wake_host(false);
}

/* Make an idle CPU look at the shared DSQ; none idle: the next to
 * reschedule will. */
static void kick_idle_cpu_for(struct task_struct *p)
{
	s32 cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);

	if (cpu >= 0)
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
}

/*
 * Every task BPF puts in a FIFO queue of ours (the shared DSQ, a CPU's
 * own) goes through here: the stamp lets a CPU take, of two queues'
 * heads, the one that came first (move_any_cpu_task).
 */
static void queue_fifo(struct task_struct *p, struct task_ctx *tctx, u64 dsq_id, u64 slice,
		       u64 enq_flags)
{
	if (tctx)
		tctx->queued_ns = bpf_ktime_get_ns();
	pl_dsq_insert(p, dsq_id, slice, enq_flags);
}

/* What the host and the policy see of p: a task record (plugin.h's
 * struct plugland_task has the same bytes). */
static void fill_task_record(struct plugland_queued *q, struct task_struct *p,
			     const struct task_ctx *tctx, u32 kind, u32 flags)
{
	q->kind = kind;
	q->flags = flags;
	if (p->flags & PF_KTHREAD)
		q->flags |= PLUGLAND_TASK_KTHREAD;
	q->pid = p->pid;
	q->tgid = p->tgid;
	q->cpu = scx_bpf_task_cpu(p);
	q->weight = p->scx.weight;
	q->exec_runtime = p->se.sum_exec_runtime;
	q->nvcsw = p->nvcsw;
	q->vtime = tctx->vtime;
	q->enq_ns = bpf_ktime_get_ns();
	q->gen = tctx->gen;
	q->nr_cpus_allowed = p->nr_cpus_allowed;
	__builtin_memcpy(q->comm, p->comm, sizeof(q->comm));
}

/*
 * Debug mode (cfg.record_events): what happened to ordinary task p, for
 * the decision log and the policy lab's replay (PLUGLAND_EVENT_*). Without
 * a wake-up, as the notices of BPF's own decisions: the next record that
 * wakes the host forces it (notices_unread), and half a ring buffer of
 * them wakes it at once. Out of debug mode the host does not attach the
 * callbacks that only record (runnable, stopping, quiescent, set_weight,
 * set_cpumask): they cost nothing then.
 */
static __always_inline void emit_event(struct task_struct *p, u32 event, u32 detail, u32 arg,
				       u64 value, u64 value_hi)
{
	struct plugland_task_event *e;
	struct task_ctx none = {};
	struct task_ctx *tctx;

	e = bpf_ringbuf_reserve(&queued, sizeof(*e), 0);
	if (!e) {
		COUNT(nr_events_lost);
		return;
	}
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	fill_task_record(&e->task, p, tctx ? tctx : &none, PL_REC_EVENT, 0);
	e->event = event;
	e->detail = detail;
	e->arg = arg;
	e->__pad = 0;
	e->value = value;
	e->value_hi = value_hi;
	if (bpf_ringbuf_query(&queued, BPF_RB_AVAIL_DATA) > cfg.ringbuf_bytes / 2) {
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	} else {
		bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
		notices_unread = 1;
	}
	COUNT(nr_events);
}

static __always_inline void record_event(struct task_struct *p, u32 event, u32 detail, u32 arg,
					 u64 value, u64 value_hi)
{
	if (cfg.record_events && !bypasses_user(p))
		emit_event(p, event, detail, arg, value, value_hi);
}

/*
 * Debug mode: when each of scx_plugland's own threads ran, and where
 * (PLUGLAND_EVENT_HOST_RUN, one record when it stops). The replay needs
 * them: the host's thread holds a CPU that no ordinary task's events
 * show busy, and a waking task finds it taken.
 */
static u64 host_run_since[PL_MAX_CPUS];

static __always_inline void host_run_begins(struct task_struct *p, s32 cpu)
{
	if (cfg.record_events && is_host_thread(p) && cpu >= 0 && cpu < PL_MAX_CPUS)
		host_run_since[cpu] = bpf_ktime_get_ns();
}

static __always_inline void host_run_ends(struct task_struct *p)
{
	s32 cpu = scx_bpf_task_cpu(p);
	u64 since;

	if (!is_host_thread(p) || cpu < 0 || cpu >= PL_MAX_CPUS)
		return;
	since = host_run_since[cpu];
	host_run_since[cpu] = 0;
	if (since)
		emit_event(p, PLUGLAND_EVENT_HOST_RUN,
			   p->pid == cfg.host_pid ? PLUGLAND_HOST_RUN_SCHED : 0, 0, since, 0);
}

/*
 * BPF placed ordinary task p itself (on `cpu`, or PL_CPU_ANY for the
 * any-CPU queues): tell the host, so that the policy's accounting and the
 * decision log miss no placement. In the task ring buffer, so in order
 * with the task's own enqueues; without a wake-up (the host reads it with
 * the next records, or within a second while idle) unless the ring
 * buffer is half full. Lost, and counted, when it is full.
 */
static void tell_host_decided(struct task_struct *p, const struct task_ctx *tctx, s32 cpu,
			      u32 reason, u64 slice, u32 flags)
{
	struct plugland_kernel_decision *k;

	k = bpf_ringbuf_reserve(&queued, sizeof(*k), 0);
	if (!k) {
		COUNT(nr_notices_lost);
		return;
	}
	fill_task_record(&k->task, p, tctx, PL_REC_DECIDED, flags);
	k->cpu = cpu;
	k->reason = reason;
	k->slice_ns = slice;
	k->at_ns = k->task.enq_ns;
	if (bpf_ringbuf_query(&queued, BPF_RB_AVAIL_DATA) > cfg.ringbuf_bytes / 2) {
		bpf_ringbuf_submit(k, BPF_RB_FORCE_WAKEUP);
	} else {
		bpf_ringbuf_submit(k, BPF_RB_NO_WAKEUP);
		notices_unread = 1;
	}
}

/* A base from the policy now granted the path: not one an earlier policy
 * (or instance) gave, in its own virtual time. */
static __always_inline bool has_wake_base(const struct task_ctx *tctx)
{
	return tctx->wake_base_gen && tctx->wake_base_gen == shared.wake_base_gen;
}

/*
 * PL_FAST_WAKE_VTIME: where waking task p goes in the ordered queue, by
 * the policy's rule (plugin.h: set_wake_vtime(), set_wake_rule()): the
 * vtime it last stood at, plus the CPU time it used since, weighted
 * (x 100 / weight, as a nice-0 task's nanoseconds), and no less than
 * the policy's floor. The task then stands there: its base moves on.
 */
static u64 advance_wake_base(struct task_struct *p, struct task_ctx *tctx)
{
	u64 runtime = p->se.sum_exec_runtime;
	u64 key = pl_wake_key(tctx->wake_vtime, tctx->wake_runtime, runtime, p->scx.weight,
			      shared.wake_floor);

	tctx->wake_vtime = key;
	tctx->wake_runtime = runtime;
	tctx->vtime = key;
	return key;
}

/*
 * The policy's fast path for a waking ordinary task (shared.fast_wake,
 * from the policy's flags): an idle CPU it may use, its previous one or
 * (PL_FAST_WAKE_IDLE) any, runs it at once for the default slice,
 * without a round trip to user space. Only the kernel's own choice of
 * CPU is used, and it honours p->cpus_ptr. False: no idle CPU, the task
 * goes to the policy.
 */
static bool fast_wake(struct task_struct *p, s32 prev_cpu, u64 wake_flags, s32 *cpu)
{
	u32 fast = shared.fast_wake;
	struct task_ctx *tctx;
	bool is_idle = false;

	if (!fast)
		return false;
	if (fast & PL_FAST_WAKE_IDLE) {
		*cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	} else {
		*cpu = prev_cpu;
		is_idle = bpf_cpumask_test_cpu(prev_cpu, p->cpus_ptr) &&
			  scx_bpf_test_and_clear_cpu_idle(prev_cpu);
	}
	if (!is_idle)
		return false;
	pl_dsq_insert(p, SCX_DSQ_LOCAL, cfg.slice_ns, 0);
	COUNT(nr_idle_direct);
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	if (tctx) {
		tctx->granted = 0;
		if ((fast & PL_FAST_WAKE_VTIME) && has_wake_base(tctx))
			advance_wake_base(p, tctx);
		tell_host_decided(p, tctx, *cpu, PLUGLAND_KERNEL_IDLE, cfg.slice_ns,
				  PLUGLAND_TASK_WAKEUP | (tctx->gen ? 0 : PLUGLAND_TASK_NEW));
	}
	return true;
}

/*
 * The task preempted on each CPU by the host's scheduling thread, or by
 * BPF for a more urgent waking task (wake_preempt). The thread preempts
 * whatever runs where it wakes up (every other task waits for it), and
 * the kernel then sends the preempted task to ops.enqueue with its slice
 * zeroed: without this, a round trip to user space per wake-up of the
 * host for a task whose decision still stands. (The kernel treats a task
 * preempted by a higher scheduling class the same way: it keeps its
 * slice and its place.)
 */
struct host_preempted {
	s32 pid;
	u64 at_ns;	/* when; a mark older than the resched is stale */
};
static struct host_preempted host_preempted[PL_MAX_CPUS];

#define HOST_PREEMPT_STALE_NS 2000000 /* the resched follows within an IPI */

static void mark_preempted(s32 cpu, s32 pid)
{
	if (cpu < 0 || cpu >= PL_MAX_CPUS)
		return;
	host_preempted[cpu].pid = pid;
	host_preempted[cpu].at_ns = bpf_ktime_get_ns();
}

/* The scheduling thread is about to preempt `cpu`: note what runs there. */
static void mark_host_preempted(s32 cpu)
{
	struct task_struct *curr;

	if (!cfg.resume_after_host || cpu < 0 || cpu >= PL_MAX_CPUS)
		return;
	curr = scx_bpf_cpu_curr(cpu);
	if (!curr || curr->pid == 0 || bypasses_user(curr))
		return;
	mark_preempted(cpu, curr->pid);
}

/*
 * PL_FAST_WAKE_VTIME with a preemption margin: of the CPUs p may use, the
 * one running the task with the largest vtime, if that exceeds p's key
 * by more than the margin and its slice was granted wake_preempt_min_ns
 * ago or more (and, with PLUGLAND_WAKE_PREEMPT_HOGS_ONLY, when its last
 * wake_preempt_hog_slices slices ran out, not at a wake-up); -1: none.
 * The time since its grant goes on: a task that wakes every millisecond
 * may preempt a hog at each wake-up once the hog's grant is old enough.
 * (Not the time since it last started running: every such preemption
 * would restart it. Not its CPU time: the kernel accounts it at ticks
 * and switches only.) BPF's own tasks (kthreads, the host's threads)
 * have no grant: never chosen. *victim_pid: the task running there.
 */
static s32 wake_victim(struct task_struct *p, u64 key, s32 *victim_pid)
{
	u64 margin = shared.wake_preempt_margin, min_ns = shared.wake_preempt_min_ns;
	u64 worst = key + margin, now;
	u32 hog_slices = shared.wake_preempt_hog_slices; /* 0 without HOGS_ONLY */
	s32 victim = -1;
	u32 cpu;

	if (!margin)
		return -1;
	now = bpf_ktime_get_ns();
	bpf_for(cpu, 0, cfg.nr_cpus) {
		struct task_struct *curr;
		struct task_ctx *ct;

		if (cpu >= PL_MAX_CPUS)
			break;
		if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			continue;
		curr = scx_bpf_cpu_curr(cpu);
		if (!curr || !curr->pid || bypasses_user(curr))
			continue;
		ct = bpf_task_storage_get(&task_ctxs, curr, 0, 0);
		if (!ct || !ct->granted || ct->vtime <= worst || now - ct->granted_ns < min_ns ||
		    ct->ran_out < hog_slices)
			continue;
		worst = ct->vtime;
		victim = cpu;
		*victim_pid = curr->pid;
	}
	return victim;
}

/* The victim's task resumes with the rest of its slice (resume_after_host's
 * mark) once the kick has stopped it. */
static void preempt_victim(s32 victim, s32 victim_pid)
{
	mark_preempted(victim, victim_pid);
	scx_bpf_kick_cpu(victim, SCX_KICK_PREEMPT);
	COUNT(nr_wake_preempts);
}

/* Set at the first task queued on a CPU's own DSQ, FIFO or vtime: from
 * then on every CPU looks at them (a policy swapped out may have left
 * tasks there). */
static bool cpu_dsqs_used, cpu_vtime_dsqs_used;

/* The CPU whose own DSQ waking task p queues on: the one the kernel chose
 * at the wake-up (its previous CPU, or the idle pick's fallback). */
static s32 own_cpu_of(struct task_struct *p)
{
	s32 cpu = scx_bpf_task_cpu(p);

	if (cpu < 0 || (u32)cpu >= cfg.nr_cpus)
		cpu = 0; /* not reached: the kernel gives a CPU of the machine */
	return cpu;
}

/*
 * PL_FAST_WAKE_DIRECT ([bpf] direct_local, FIFO queue paths only): a
 * waking task BPF queues for `cpu`, the CPU this
 * ops.enqueue runs for (its own), goes straight onto that CPU's local
 * DSQ, where the CPU finds it at its next switch without calling
 * ops.dispatch, the costliest callback (a look at the policy's decisions,
 * at two queues' heads, then a move). Only when it passes nobody: the
 * CPU's local DSQ, its own DSQs and the any-CPU ones are empty, no
 * decision of the policy waits to be drained (ops.dispatch drains them,
 * and the CPU would skip it), the parked host wants nothing, and no CPU
 * is idle (an idle CPU cannot take a task from another CPU's local DSQ).
 * So at most one task waits there per CPU; the next queues as before.
 * False: not queued, p goes to a queue of ours.
 */
static bool queue_direct(struct task_struct *p, s32 cpu, u64 enq_flags)
{
	if (!(shared.fast_wake & PL_FAST_WAKE_DIRECT) || shared.nr_idle_cpus > 0 ||
	    shared.dispatch_posted ||
	    (cfg.park_host && host_pull_pending()))
		return false;
	if (scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL_ON | (u64)cpu) ||
	    scx_bpf_dsq_nr_queued(PL_SHARED_DSQ) || scx_bpf_dsq_nr_queued(PL_ORDERED_DSQ))
		return false;
	if (cpu_dsqs_used && scx_bpf_dsq_nr_queued(PL_CPU_DSQ(cpu)))
		return false;
	if (cpu_vtime_dsqs_used && scx_bpf_dsq_nr_queued(PL_CPU_VTIME_DSQ(cpu)))
		return false;
	pl_dsq_insert(p, SCX_DSQ_LOCAL, cfg.slice_ns, enq_flags);
	COUNT(nr_direct_local);
	return true;
}

/* p was queued on cpu's own DSQ: that CPU, if idle, is kicked; a busy one
 * has an idle CPU, if any, kicked to take p from there. */
static void kick_for_cpu_queue(struct task_struct *p, s32 cpu)
{
	if (scx_bpf_test_and_clear_cpu_idle(cpu))
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	else
		kick_idle_cpu_for(p);
}

/*
 * The policy's ordered fast path (PL_FAST_WAKE_VTIME): a waking ordinary
 * task that found no idle CPU, and whose place in virtual time the
 * policy gave (a base), is queued at the key its rule gives
 * (advance_wake_base), for the policy's wake slice, preempting a CPU if
 * the rule says so: in the ordered DSQ, or with PL_FAST_WAKE_LOCAL in its
 * CPU's own vtime DSQ (the preempted CPU's, when one is). A task without
 * a base goes to the policy. *cpu: where it was queued (PL_CPU_ANY: the
 * ordered DSQ).
 */
static bool fast_queue_vtime(struct task_struct *p, struct task_ctx *tctx, u64 enq_flags,
			     s32 *cpu)
{
	u64 slice = shared.wake_slice_ns ?: cfg.slice_ns, key;
	s32 victim, victim_pid = 0;

	if (!has_wake_base(tctx) || !shared.ordered)
		return false;
	key = advance_wake_base(p, tctx);
	victim = wake_victim(p, key, &victim_pid);
	if (shared.fast_wake & PL_FAST_WAKE_LOCAL) {
		*cpu = victim >= 0 ? victim : own_cpu_of(p);
		cpu_vtime_dsqs_used = true;
		pl_dsq_insert_vtime(p, PL_CPU_VTIME_DSQ(*cpu), slice, key, enq_flags);
	} else {
		pl_dsq_insert_vtime(p, PL_ORDERED_DSQ, slice, key, enq_flags);
	}
	COUNT(nr_fast_ordered);
	tctx->granted = slice;
	tctx->runtime_at_grant = p->se.sum_exec_runtime;
	tctx->granted_ns = bpf_ktime_get_ns();
	tctx->ran_out = 0;
	tctx->sync_wake = 0;
	if (victim >= 0)
		preempt_victim(victim, victim_pid);
	else if (*cpu != PL_CPU_ANY)
		kick_for_cpu_queue(p, *cpu);
	else
		kick_idle_cpu_for(p);
	tell_host_decided(p, tctx, *cpu, PLUGLAND_KERNEL_QUEUED, slice,
			  PLUGLAND_TASK_WAKEUP | (tctx->gen ? 0 : PLUGLAND_TASK_NEW));
	return true;
}

/*
 * PL_FAST_WAKE_LOCAL: p queues on its CPU's own FIFO DSQ (own_cpu_of),
 * kicked as kick_for_cpu_queue says. Returns the CPU.
 */
static s32 queue_on_cpu(struct task_struct *p, struct task_ctx *tctx, u64 enq_flags)
{
	s32 cpu = own_cpu_of(p);

	if (queue_direct(p, cpu, enq_flags))
		return cpu;
	cpu_dsqs_used = true;
	queue_fifo(p, tctx, PL_CPU_DSQ(cpu), cfg.slice_ns, enq_flags);
	kick_for_cpu_queue(p, cpu);
	return cpu;
}

/*
 * The policy's FIFO fast path (PL_FAST_WAKE_QUEUE): a waking ordinary
 * task that found no idle CPU queues at the tail of the shared DSQ,
 * behind the policy's own any-CPU decisions, for the default slice, or
 * with PL_FAST_WAKE_LOCAL at the tail of its CPU's own DSQ. A CPU takes
 * it only if p->cpus_ptr allows (the kernel skips it otherwise). Never
 * for an ordered policy: the host does not grant it.
 */
static bool fast_queue(struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tctx;
	s32 cpu = PL_CPU_ANY;

	if (!(shared.fast_wake & (PL_FAST_WAKE_QUEUE | PL_FAST_WAKE_VTIME)) ||
	    !(enq_flags & SCX_ENQ_WAKEUP))
		return false;
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	if (!tctx)
		return false;
	if (shared.fast_wake & PL_FAST_WAKE_VTIME)
		return fast_queue_vtime(p, tctx, enq_flags, &cpu);
	if (shared.fast_wake & PL_FAST_WAKE_LOCAL) {
		cpu = queue_on_cpu(p, tctx, enq_flags);
	} else if (queue_direct(p, own_cpu_of(p), enq_flags)) {
		cpu = own_cpu_of(p);
	} else {
		queue_fifo(p, tctx, PL_SHARED_DSQ, cfg.slice_ns, enq_flags);
		kick_idle_cpu_for(p);
	}
	COUNT(nr_fast_queued);
	tctx->granted = 0;
	tctx->sync_wake = 0;
	tell_host_decided(p, tctx, cpu, PLUGLAND_KERNEL_QUEUED, cfg.slice_ns,
			  PLUGLAND_TASK_WAKEUP | (tctx->gen ? 0 : PLUGLAND_TASK_NEW));
	return true;
}

s32 PL_OPS(plugland_select_cpu, struct task_struct *p, s32 prev_cpu,
		   u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu = prev_cpu;

	note_sync_wake(p, wake_flags);
	/*
	 * Ordinary tasks: placement is the policy's job, so do not claim an
	 * idle CPU here (a claimed CPU nobody dispatches to would sit idle)
	 * unless the policy asked for the fast path.
	 */
	if (!bypasses_user(p)) {
		fast_wake(p, prev_cpu, wake_flags, &cpu);
		return cpu;
	}
	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle) {
		pl_dsq_insert(p, SCX_DSQ_LOCAL, cfg.slice_ns, 0);
		COUNT(nr_kernel_dispatches);
	}
	return cpu;
}

static void queue_to_user(struct task_struct *p, u64 enq_flags)
{
	struct plugland_queued *q;
	struct task_ctx *tctx;
	bool defer;
	u32 flags;

	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	q = tctx ? bpf_ringbuf_reserve(&queued, sizeof(*q), 0) : NULL;
	if (!q) {
		/* Ring buffer full (or no context): BPF decides, FIFO. (The
		 * notice is lost too, and counted, unless room came.) */
		queue_fifo(p, tctx, PL_SHARED_DSQ, cfg.slice_ns, enq_flags);
		kick_idle_cpu_for(p);
		COUNT(nr_congested);
		if (tctx) {
			tctx->granted = 0;
			tell_host_decided(p, tctx, PL_CPU_ANY, PLUGLAND_KERNEL_CONGESTED, cfg.slice_ns,
					  enq_flags & SCX_ENQ_WAKEUP ? PLUGLAND_TASK_WAKEUP : 0);
		}
		return;
	}

	flags = enq_flags & SCX_ENQ_WAKEUP ? PLUGLAND_TASK_WAKEUP : 0;
	if (!tctx->gen)
		flags |= PLUGLAND_TASK_NEW;
	tctx->gen++;
	fill_task_record(q, p, tctx, PL_REC_TASK, flags);
	tctx->in_user = 1;
	/* Its CPU time is up to date here (the kernel accounts it as the
	 * task stops). */
	tctx->ran_out = pl_hog_count(tctx->ran_out, !!(enq_flags & SCX_ENQ_WAKEUP),
				     tctx->granted && p->se.sum_exec_runtime -
				     tctx->runtime_at_grant >= tctx->granted);
	tctx->granted = 0;
	defer = tctx->sync_wake && (enq_flags & SCX_ENQ_WAKEUP) && shared.nr_idle_cpus <= 0;
	tctx->sync_wake = 0;
	/* Before the submit: the host clears it before it consumes. */
	shared.usersched_needed = 1;
	submit_to_host(q, defer);
	COUNT(nr_queued);
}

/*
 * p, put back after the scheduling thread (or a waking task, wake_victim)
 * preempted it, runs on with what is left of the slice the policy gave
 * it, without a round trip: under an ordered policy in the ordered queue
 * by the vtime of that decision, or with PL_FAST_WAKE_LOCAL in its CPU's
 * own vtime DSQ (a more urgent task the thread released meanwhile goes
 * first: a waking cyclictest must not wait behind the CPU hog it
 * interrupted); otherwise
 * on the same CPU, after the thread. Not a task whose slice the kernel
 * refilled (it ran on past the policy's slice, with nothing else queued):
 * that one goes back to the policy. False: not such a task.
 */
static bool resume_after_host(struct task_struct *p, u64 enq_flags)
{
	s32 cpu = bpf_get_smp_processor_id();
	struct host_preempted *hp;
	struct task_ctx *tctx;
	bool any;
	u64 used;

	if (enq_flags & SCX_ENQ_WAKEUP || cpu < 0 || cpu >= PL_MAX_CPUS)
		return false;
	hp = &host_preempted[cpu];
	if (hp->pid != p->pid)
		return false;
	hp->pid = 0;
	if (bpf_ktime_get_ns() - hp->at_ns > HOST_PREEMPT_STALE_NS)
		return false;
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	if (!tctx || !tctx->granted)
		return false;
	used = p->se.sum_exec_runtime - tctx->runtime_at_grant;
	if (used >= tctx->granted)
		return false;
	/* Preempted for the parked host: not back on the local DSQ, or this
	 * CPU's ops.dispatch, which runs the host, is skipped. */
	any = shared.ordered || host_pull_here[cpu];
	host_pull_here[cpu] = 0;
	if (shared.ordered && (shared.fast_wake & PL_FAST_WAKE_LOCAL)) {
		/* its CPU's own queue, where the waker that preempted it waits */
		cpu_vtime_dsqs_used = true;
		pl_dsq_insert_vtime(p, PL_CPU_VTIME_DSQ(cpu), tctx->granted - used, tctx->vtime,
				    enq_flags);
		any = false;
	} else if (shared.ordered)
		pl_dsq_insert_vtime(p, PL_ORDERED_DSQ, tctx->granted - used, tctx->vtime, enq_flags);
	else if (any)
		queue_fifo(p, tctx, PL_SHARED_DSQ, tctx->granted - used, enq_flags);
	else
		pl_dsq_insert(p, SCX_DSQ_LOCAL, tctx->granted - used, enq_flags);
	COUNT(nr_resumed);
	tell_host_decided(p, tctx, any ? PL_CPU_ANY : cpu, PLUGLAND_KERNEL_RESUMED,
			  tctx->granted - used, 0);
	return true;
}

/*
 * The scheduling thread yielded to park (not a wake-up, shared.host_parked
 * set): PL_HOST_DSQ, unless work came since its last look, then at the
 * head of this CPU's queue: it runs again at once.
 */
static bool park_host(struct task_struct *p, u64 enq_flags)
{
	if (!cfg.park_host || (enq_flags & SCX_ENQ_WAKEUP) || !host_parked_now())
		return false;
	if (host_pull_pending()) {
		shared.host_parked = 0;
		host_wanted = 0;
		wakeup_deferred = 0;
		pl_dsq_insert(p, SCX_DSQ_LOCAL, cfg.slice_ns, enq_flags | SCX_ENQ_HEAD);
	} else {
		pl_dsq_insert(p, PL_HOST_DSQ, cfg.slice_ns, enq_flags);
	}
	return true;
}

void PL_OPS(plugland_enqueue, struct task_struct *p, u64 enq_flags)
{
	if (shared.failsafe && !bypasses_user(p)) {
		struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);

		queue_fifo(p, tctx, PL_SHARED_DSQ, cfg.slice_ns, enq_flags);
		kick_idle_cpu_for(p);
		COUNT(nr_failsafe_dispatches);
		if (tctx) {
			tctx->granted = 0;
			tell_host_decided(p, tctx, PL_CPU_ANY, PLUGLAND_KERNEL_FAILSAFE, cfg.slice_ns,
					  enq_flags & SCX_ENQ_WAKEUP ? PLUGLAND_TASK_WAKEUP : 0);
		}
		return;
	}
	if (bypasses_user(p)) {
		if (p->pid == cfg.host_pid && park_host(p, enq_flags))
			return;
		/*
		 * The scheduling thread preempts whatever runs on its CPU:
		 * every other task is waiting for it.
		 */
		if (p->pid == cfg.host_pid) {
			enq_flags |= SCX_ENQ_PREEMPT;
			mark_host_preempted(scx_bpf_task_cpu(p));
		}
		pl_dsq_insert(p, SCX_DSQ_LOCAL, cfg.slice_ns, enq_flags);
		COUNT(nr_kernel_dispatches);
		return;
	}
	if (resume_after_host(p, enq_flags) || fast_queue(p, enq_flags))
		return;
	queue_to_user(p, enq_flags);
}

void PL_OPS(plugland_dequeue, struct task_struct *p, u64 deq_flags)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);

	/* Whatever user space decides for the old enqueue is now stale. */
	if (tctx) {
		tctx->gen++;
		tctx->in_user = 0;
	}
}

/* What one drain of the user ring buffer did for the CPU draining it. */
struct drain_ctx {
	s32 cpu;		/* the CPU in ops.dispatch */
	bool got_local;		/* a decision named it: it has a task to run */
	bool got_any;		/* decisions went to the any-CPU queues */
};

/* One record of the user ring buffer: apply the policy's decision. */
static long apply_dispatch(struct bpf_dynptr *dynptr, void *ctx)
{
	struct drain_ctx *dc = ctx;
	struct plugland_dispatch_rec d;
	struct task_struct *p;
	struct task_ctx *tctx;
	u64 slice;
	s32 cpu;

	if (bpf_dynptr_read(&d, sizeof(d), dynptr, 0, 0))
		return 0; /* malformed record: skip it */

	p = bpf_task_from_pid(d.pid);
	if (!p) {
		if (d.cpu != PL_CPU_WAKE_BASE)
			COUNT(nr_cancel_dispatches); /* exited meanwhile */
		return 0;
	}

	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	if (d.cpu == PL_CPU_WAKE_BASE) {
		/* Not a decision: where the task stands (PL_FAST_WAKE_VTIME). */
		if (tctx) {
			tctx->wake_vtime = d.vtime;
			tctx->wake_runtime = d.slice_ns;
			tctx->wake_base_gen = (u32)d.gen;
		}
		goto out;
	}
	if (!tctx || tctx->gen != d.gen) {
		COUNT(nr_cancel_dispatches);
		goto out;
	}
	tctx->vtime = d.vtime;
	tctx->in_user = 0;
	tctx->gen++; /* one decision per enqueue: a second one is stale */
	slice = d.slice_ns ?: cfg.slice_ns;
	tctx->granted = slice;
	tctx->runtime_at_grant = p->se.sum_exec_runtime;
	tctx->granted_ns = bpf_ktime_get_ns();
	cpu = d.cpu;

	/*
	 * Straight onto the CPU's local DSQ: the kernel moves the task there
	 * when this dispatch round ends, and re-routes it to the global DSQ
	 * (any CPU) when that CPU is not online for sched_ext. (Our own
	 * per-CPU DSQs stranded tasks there: during CPU hotplug a CPU is in
	 * the online mask before it runs ops.dispatch, and the task writing
	 * to sysfs/.../online sat in its queue until the watchdog fired.)
	 */
	if (cpu >= 0 && (u32)cpu < cfg.nr_cpus && bpf_cpumask_test_cpu(cpu, p->cpus_ptr)) {
		pl_dsq_insert(p, SCX_DSQ_LOCAL_ON | (u64)cpu, slice, 0);
		if (cpu == dc->cpu)
			dc->got_local = true;
		else
			scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	} else {
		if (cpu != PL_CPU_ANY)
			COUNT(nr_bounce_dispatches);
		/* PLUGLAND_POLICY_ORDERED: released early, a task still waits
		 * its turn (lowest vtime first, FIFO among equal ones). */
		if (shared.ordered)
			pl_dsq_insert_vtime(p, PL_ORDERED_DSQ, slice, d.vtime, 0);
		else
			queue_fifo(p, tctx, PL_SHARED_DSQ, slice, 0);
		kick_idle_cpu_for(p);
		dc->got_any = true;
	}
	COUNT(nr_user_dispatches);
out:
	bpf_task_release(p);
	/* Stop when this dispatch round has no slot left; the rest waits. */
	return scx_bpf_dispatch_nr_slots() ? 0 : 1;
}

/* Failsafe: dispatch every task still waiting for a silent host. */
static void rescue_user_tasks(void)
{
	struct bpf_iter_task it;
	struct task_struct *p;
	struct task_ctx *tctx;

	bpf_iter_task_new(&it, NULL, BPF_TASK_ITER_ALL_THREADS);
	while ((p = bpf_iter_task_next(&it))) {
		tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
		if (!tctx || !tctx->in_user)
			continue;
		if (!scx_bpf_dispatch_nr_slots()) {
			rescue_requested = 1; /* the rest at the next dispatch */
			break;
		}
		tctx->in_user = 0;
		tctx->gen++;
		queue_fifo(p, tctx, PL_SHARED_DSQ, cfg.slice_ns, 0);
		COUNT(nr_failsafe_rescued);
		tell_host_decided(p, tctx, PL_CPU_ANY, PLUGLAND_KERNEL_RESCUED, cfg.slice_ns, 0);
	}
	bpf_iter_task_destroy(&it);
}

/* Counts ops.dispatch calls (racy across CPUs: only its low bits matter). */
static u32 dispatch_rounds;
/* The CPU's last ops.dispatch returned to let its decisions land first. */
static u8 dispatch_again[PL_MAX_CPUS];

/*
 * Move a task from the two any-CPU queues to this CPU. Under an ordered
 * policy the ordered queue holds its decisions and the shared one what
 * bypassed it (ring buffer full, failsafe, the host's own fallback): the
 * shared one first. Otherwise nothing new enters the ordered queue: it
 * holds what an ordered policy released before a switch or before the
 * failsafe, and goes first, or a shared queue that never empties under
 * load starves it until the kernel's watchdog ejects us (the swap test
 * saw 6.7 s). Every 8th time the other order, so neither queue can
 * starve the other whatever fills them.
 */
static bool move_ordered_task(void)
{
	if (!pl_dsq_move_to_local(PL_ORDERED_DSQ))
		return false;
	if (!shared.ordered)
		COUNT(nr_ordered_leftovers);
	return true;
}

static bool move_shared_task(bool ordered_first)
{
	if (ordered_first)
		return move_ordered_task() || pl_dsq_move_to_local(PL_SHARED_DSQ);
	return pl_dsq_move_to_local(PL_SHARED_DSQ) || move_ordered_task();
}

/* A task of CPU cpu's own vtime DSQ; under a FIFO policy, one an ordered
 * policy left there (counted as the ordered queue's are). */
static bool move_cpu_vtime_task(s32 cpu)
{
	if (!cpu_vtime_dsqs_used || !pl_dsq_move_to_local(PL_CPU_VTIME_DSQ(cpu)))
		return false;
	if (!shared.ordered)
		COUNT(nr_ordered_leftovers);
	return true;
}

static bool move_cpu_fifo_task(s32 cpu)
{
	return cpu_dsqs_used && pl_dsq_move_to_local(PL_CPU_DSQ(cpu));
}

/* A task of CPU cpu's own DSQs (PL_FAST_WAKE_LOCAL), of either kind. */
static bool move_own_task(s32 cpu)
{
	return move_cpu_vtime_task(cpu) || move_cpu_fifo_task(cpu);
}

/* What a policy swapped out left on this CPU's own DSQ of the kind the
 * policy in force does not use (nothing new enters it): first, or a FIFO
 * queue that never empties under load starves it until the kernel's
 * watchdog ejects us (the leftovers case). */
static bool move_own_leftover(s32 cpu)
{
	return shared.ordered ? move_cpu_fifo_task(cpu) : move_cpu_vtime_task(cpu);
}

/* A task another CPU's own DSQs hold, the next CPUs' first: its CPU is
 * busy and this one has nothing else. */
static bool steal_cpu_task(s32 cpu)
{
	u32 n = cfg.nr_cpus < PL_MAX_CPUS ? cfg.nr_cpus : PL_MAX_CPUS, i;

	bpf_for(i, 1, n) {
		if (move_own_task(((u32)cpu + i) % n)) {
			COUNT(nr_local_stolen);
			return true;
		}
	}
	return false;
}

/* When the task at the head of FIFO queue dsq_id was queued (0: not
 * known), or the vtime of vtime queue dsq_id's head; ~0 when empty. */
static u64 head_key(u64 dsq_id, bool vtime)
{
	struct task_struct *p;
	struct task_ctx *tctx;
	u64 key = ~0ULL;

	bpf_for_each(scx_dsq, p, dsq_id, 0) {
		if (vtime) {
			key = p->scx.dsq_vtime;
			break;
		}
		tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
		key = tctx ? tctx->queued_ns : 0;
		break;
	}
	return key;
}

/*
 * This CPU's own DSQ if its head goes before the any-CPU queue's (0:
 * not): under an ordered policy its vtime DSQ against the ordered DSQ,
 * the lower vtime first (as a vtime DSQ orders them: wrap-safe); else
 * its FIFO DSQ against the shared DSQ, the one queued first. The heads
 * are looked at only when both DSQs hold tasks.
 */
static u64 own_dsq_first(s32 cpu)
{
	bool ordered = shared.ordered;
	u64 own = ordered ? PL_CPU_VTIME_DSQ(cpu) : PL_CPU_DSQ(cpu);
	u64 any = ordered ? PL_ORDERED_DSQ : PL_SHARED_DSQ;

	if (!(ordered ? cpu_vtime_dsqs_used : cpu_dsqs_used) || !scx_bpf_dsq_nr_queued(own))
		return 0;
	if (!scx_bpf_dsq_nr_queued(any))
		return own;
	if (ordered)
		return (s64)(head_key(own, true) - head_key(any, true)) <= 0 ? own : 0;
	return head_key(own, false) <= head_key(any, false) ? own : 0;
}

/*
 * Of this CPU's own DSQ (tasks that woke here) and the any-CPU one (the
 * policy's any-CPU decisions, whatever BPF queued for any CPU), the head
 * that goes first: FIFO across both, or by vtime under an ordered
 * policy, so a task whose slice ran out waits its turn among the waking
 * ones and CPU-bound tasks take turns on every CPU. Then the other CPUs'
 * own DSQs. Every 8th time the any-CPU queues first, whatever their
 * heads: neither kind of queue can starve the other.
 */
static bool move_any_cpu_task(s32 cpu)
{
	bool ordered_first = !shared.ordered || shared.failsafe, rotate;
	u64 own;

	rotate = !(++dispatch_rounds & 7);
	if (rotate)
		ordered_first = !ordered_first;
	if (!cpu_dsqs_used && !cpu_vtime_dsqs_used)
		return move_shared_task(ordered_first);
	if (move_own_leftover(cpu))
		return true;
	if (!rotate && (own = own_dsq_first(cpu)) && pl_dsq_move_to_local(own))
		return true;
	return move_shared_task(ordered_first) || move_own_task(cpu) || steal_cpu_task(cpu);
}

void PL_OPS(plugland_dispatch, s32 cpu, struct task_struct *prev)
{
	struct drain_ctx dc = { .cpu = cpu };
	u8 *again;

	if (shared.failsafe && __sync_val_compare_and_swap(&rescue_requested, 1, 0))
		rescue_user_tasks();
	if (cfg.park_host) {
		host_pull_here[cpu & (PL_MAX_CPUS - 1)] = 0;
		if (host_pull_pending()) {
			/* The host yielding with work waiting: it runs on. */
			if (prev && prev->pid == cfg.host_pid && host_parked_now())
				return;
			if (pull_parked_host())
				return;
		}
	}
	flush_deferred_wakeup();
	/*
	 * apply_dispatch stops once an insert took the last slot of this
	 * round, so a record is consumed only when there is room for it; a
	 * drain that started with none (a rescue that filled them all) would
	 * insert one too many, and the kernel ejects the scheduler for a
	 * "dispatch buffer overflow" (rules, 4 vCPUs, a failsafe under
	 * hackbench). The records wait for the next round.
	 */
	if (scx_bpf_dispatch_nr_slots()) {
		/* Cleared before the drain (a full barrier): a record the host
		 * posts after it sets it again (queue_direct). */
		if (shared.dispatch_posted)
			__sync_fetch_and_and(&shared.dispatch_posted, 0);
		bpf_user_ringbuf_drain(&dispatched, apply_dispatch, &dc, BPF_RB_NO_WAKEUP);
		if (!scx_bpf_dispatch_nr_slots())
			shared.dispatch_posted = 1; /* records may be left for later */
	}

	/* Our inserts land when this callback returns: one is enough. */
	if (dc.got_local)
		return;
	/*
	 * Under an ordered policy, having queued decisions for any CPU,
	 * return too: the kernel calls again once they landed, and the
	 * choice then sees them (else a task queued before, say a CPU hog the
	 * host's thread interrupted, would go before the more urgent one just
	 * decided). FIFO queues need no second look: what came first goes
	 * first. Once in a row: a host that never stops deciding must not
	 * keep this CPU choosing.
	 */
	again = &dispatch_again[cpu & (PL_MAX_CPUS - 1)]; /* masked: the verifier */
	if (dc.got_any && shared.ordered && !*again) {
		*again = 1;
		return;
	}
	*again = 0;
	if (move_any_cpu_task(cpu))
		return;
	/* Nothing to run here while the policy holds tasks: ask for them. */
	if (shared.nr_scheduled && !(cfg.park_host && pull_parked_host()))
		wake_host(false);
}

/*
 * Count the idle CPUs for user space (a policy releases as many tasks as
 * there are CPUs to take them). The kernel's own idle tracking stays on
 * (SCX_OPS_KEEP_BUILTIN_IDLE): select_cpu and the kicks rely on it.
 */
static u8 cpu_idle[PL_MAX_CPUS]; /* our view; CPUs idle at attach join at their first wake */

void PL_OPS(plugland_update_idle, s32 cpu, bool idle)
{
	/* Called on `cpu` itself: its entry needs no lock; the count does. */
	if (cpu < 0 || cpu >= PL_MAX_CPUS || cpu_idle[cpu] == idle)
		return;
	cpu_idle[cpu] = idle;
	if (idle) {
		shared.running[cpu].vtime = 0; /* nothing to preempt */
		flush_deferred_wakeup();
	}
	__sync_fetch_and_add(&shared.nr_idle_cpus, idle ? 1 : -1);
}

/* A waker that runs on without switching still wakes the host within a
 * tick of its deferred wake-ups. */
void PL_OPS(plugland_tick, struct task_struct *p)
{
	/* Parked, the host waits for a switch: a tick with records still
	 * waiting makes one here. */
	if (wakeup_deferred && host_parked_now())
		wake_host(false);
	else
		flush_deferred_wakeup();
}

/*
 * Publish what runs here for the host's preemption choice: the policy's
 * vtime for a task user space dispatched; 0 (never preempted) for the
 * tasks BPF dispatched itself.
 */
void PL_OPS(plugland_running, struct task_struct *p)
{
	s32 cpu = scx_bpf_task_cpu(p);
	struct task_ctx *tctx;
	u64 vtime = 0;

	flush_deferred_wakeup();
	record_event(p, PLUGLAND_EVENT_RUNNING, 0, 0, 0, 0);
	host_run_begins(p, cpu);
	/* Most policies never preempt: then this runs at every context
	 * switch for nothing (a quarter of hackbench's time under qemu). */
	if (!shared.publish_running)
		return;
	if (cpu < 0 || cpu >= PL_MAX_CPUS)
		return;
	if (!bypasses_user(p) && (tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0)))
		vtime = tctx->vtime;
	shared.running[cpu].since_ns = bpf_ktime_get_ns();
	shared.running[cpu].vtime = vtime;
}

s32 PL_OPS(plugland_init_task, struct task_struct *p,
		   struct scx_init_task_args *args)
{
	if (!bpf_task_storage_get(&task_ctxs, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		return -12; /* -ENOMEM */
	/* In fork(): the task running is the parent. */
	if (args->fork)
		record_event(p, PLUGLAND_EVENT_FORK, 0, bpf_get_current_pid_tgid() & 0xffffffff, 0, 0);
	return 0;
}

/* Debug mode only: the host leaves the callbacks below out otherwise,
 * which this counter would show. */
static __always_inline bool recording(void)
{
	if (cfg.record_events)
		return true;
	COUNT(nr_record_ops_off);
	return false;
}

/*
 * Runnable and quiescent for a sleep and a wake-up only: the kernel also
 * takes a task off its queue and back to change its properties (its CPU
 * mask, its weight), and that is neither.
 */
void PL_OPS(plugland_runnable, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tctx;
	u32 why = PLUGLAND_RUNNABLE_NEW;
	u32 waker = 0;

	if (!recording())
		return;
	tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	if (enq_flags & SCX_ENQ_WAKEUP) {
		why = PLUGLAND_RUNNABLE_WAKEUP;
		/* The task running here: the waker, or (woken from an
		 * interrupt) whichever task the interrupt found. */
		waker = bpf_get_current_pid_tgid() & 0xffffffff;
		if (waker == (u32)p->pid)
			waker = 0;
	} else if (!tctx || tctx->seen_runnable) {
		return; /* back after a change of its properties */
	}
	if (tctx)
		tctx->seen_runnable = 1;
	record_event(p, PLUGLAND_EVENT_RUNNABLE, why, waker, 0, 0);
}

void PL_OPS(plugland_stopping, struct task_struct *p, bool runnable)
{
	if (!recording())
		return;
	record_event(p, PLUGLAND_EVENT_STOPPING, runnable ? PLUGLAND_STOPPING_RUNNABLE : 0, 0,
		     p->se.sum_exec_runtime, 0);
	host_run_ends(p);
}

void PL_OPS(plugland_quiescent, struct task_struct *p, u64 deq_flags)
{
	if (recording() && (deq_flags & SCX_DEQ_SLEEP))
		record_event(p, PLUGLAND_EVENT_QUIESCENT, 0, 0, 0, 0);
}

void PL_OPS(plugland_set_weight, struct task_struct *p, u32 weight)
{
	if (recording())
		record_event(p, PLUGLAND_EVENT_WEIGHT, 0, weight, 0, 0);
}

/* CPUs 0..127, a bit each; above them the count says how many more. */
void PL_OPS(plugland_set_cpumask, struct task_struct *p, const struct cpumask *cpumask)
{
	u64 bits[2] = {};
	u32 i;

	if (!recording())
		return;
	for (i = 0; i < 128 && i < cfg.nr_cpus; i++)
		if (bpf_cpumask_test_cpu(i, cpumask))
			bits[i / 64] |= 1ull << (i % 64);
	record_event(p, PLUGLAND_EVENT_CPUMASK, cfg.nr_cpus > 128 ? PLUGLAND_CPUMASK_PARTIAL : 0,
		     bpf_cpumask_weight(cpumask), bits[0], bits[1]);
}

/* When the heartbeat first saw work waiting (0: none waits). */
static u64 pending_since;

/*
 * A task that user space knew of has exited (or left sched_ext): tell the
 * host, so the policy can forget it (plugland_policy.task_gone). Advisory:
 * nothing is lost but a hint when the ring buffer is full. Submitted
 * with a wake-up (submit_to_host).
 */
void PL_OPS(plugland_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	struct task_ctx *tctx = bpf_task_storage_get(&task_ctxs, p, 0, 0);
	struct plugland_queued *q;

	record_event(p, PLUGLAND_EVENT_EXIT, 0, 0, 0, 0);
	if (!tctx || !tctx->gen)
		return; /* never queued to user space */
	q = bpf_ringbuf_reserve(&queued, sizeof(*q), 0);
	if (!q)
		return;
	__builtin_memset(q, 0, sizeof(*q));
	q->pid = p->pid;
	q->tgid = p->tgid;
	q->kind = PL_REC_GONE;
	submit_to_host(q, false);
}

static int heartbeat_fn(void *map, int *key, struct bpf_timer *timer)
{
	u64 now = bpf_ktime_get_ns();
	/* Work waits for the host: tasks queued since it last consumed
	 * (usersched_needed), or tasks the policy holds. Not the notices of
	 * BPF's own decisions: they wait for the host's next round. */
	bool pending = shared.usersched_needed || shared.nr_scheduled;
	u64 progress = shared.host_progress_ns;
	/* Since the host last showed life... */
	u64 silent = now - progress;
	/* ... and how long work has waited for a silent host. An idle host
	 * sleeps long (nothing to stamp progress for): its silence before the
	 * work came does not count. */
	u64 waited = 0;

	if (!pending) {
		pending_since = 0;
	} else {
		if (!pending_since)
			pending_since = now;
		waited = now - (progress > pending_since ? progress : pending_since);
	}
	/* A wake-up as soon as work has waited a period on a silent host
	 * (the one that came in while it slept counts: one spare wake-up). */
	if (pending && silent > cfg.heartbeat_ns) {
		wake_host(true);
		COUNT(nr_heartbeats);
	} else if (host_parked_now()) {
		/* Parked and nothing came: run it anyway, to sleep in epoll
		 * (signals, control requests, the kernel's watchdog). */
		wake_host(true);
	}
	if (!shared.failsafe && waited > cfg.failsafe_ns) {
		shared.failsafe = 1;
		COUNT(nr_failsafe_enter);
	} else if (shared.failsafe && silent < cfg.failsafe_ns / 2) {
		/* A live host with work stamps progress at least every
		 * failsafe_ns / 4 (its wait timeout), so it is under this. */
		shared.failsafe = 0;
		COUNT(nr_failsafe_exit);
	}
	if (shared.failsafe) {
		rescue_requested = 1;
		scx_bpf_kick_cpu(bpf_get_smp_processor_id(), 0);
	}
	bpf_timer_start(timer, cfg.heartbeat_ns, 0);
	return 0;
}

s32 PL_OPS_SLEEPABLE(plugland_init)
{
	struct heartbeat *hb;
	u32 key = 0, i;
	s32 err;

	err = scx_bpf_create_dsq(PL_SHARED_DSQ, -1);
	if (err)
		return err;
	err = scx_bpf_create_dsq(PL_ORDERED_DSQ, -1);
	if (err)
		return err;
	err = scx_bpf_create_dsq(PL_HOST_DSQ, -1);
	if (err)
		return err;
	bpf_for(i, 0, cfg.nr_cpus < PL_MAX_CPUS ? cfg.nr_cpus : PL_MAX_CPUS) {
		err = scx_bpf_create_dsq(PL_CPU_DSQ(i), -1);
		if (err)
			return err;
		err = scx_bpf_create_dsq(PL_CPU_VTIME_DSQ(i), -1);
		if (err)
			return err;
	}

	hb = bpf_map_lookup_elem(&heartbeat, &key);
	if (!hb)
		return -2;
	bpf_timer_init(&hb->timer, &heartbeat, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&hb->timer, heartbeat_fn);
	return bpf_timer_start(&hb->timer, cfg.heartbeat_ns, 0);
}

void PL_OPS(plugland_exit, struct scx_exit_info *ei)
{
	bpf_probe_read_kernel_str(shared.exit_reason, sizeof(shared.exit_reason), ei->reason);
	bpf_probe_read_kernel_str(shared.exit_msg, sizeof(shared.exit_msg), ei->msg);
	shared.exit_code = ei->exit_code;
	if (ei->dump)
		bpf_probe_read_kernel_str(shared.exit_dump, sizeof(shared.exit_dump), ei->dump);
	/* Written last: the host polls it to learn that the fields are set. */
	__sync_lock_test_and_set(&shared.exit_kind, ei->kind);
}

/*
 * Run by the host with BPF_PROG_TEST_RUN: an idle CPU the task may use,
 * trying the host's candidates in order (its previous CPU, that CPU's SMT
 * siblings, then its LLC's: the host knows the topology), then any. The
 * CPU found is claimed (its idle bit cleared): the caller is expected to
 * dispatch there, which kicks it.
 */
SEC("syscall")
int pick_idle_cpu(struct plugland_pick_cpu_args *args)
{
	struct task_struct *p = bpf_task_from_pid(args->pid);
	s32 cpu = -1;
	u32 i;

	if (!p) {
		args->ret_cpu = -ESRCH;
		return 0;
	}
	/* Syscall programs are sleepable: p->cpus_ptr is RCU-protected. */
	bpf_rcu_read_lock();
	/* Unrolled: the verifier takes no variable offsets into the context. */
#pragma clang loop unroll(full)
	for (i = 0; i < PL_PICK_CANDS; i++) {
		s32 c = args->cands[i];

		if (i >= args->nr_cands)
			break;
		if (c >= 0 && (u32)c < cfg.nr_cpus && bpf_cpumask_test_cpu(c, p->cpus_ptr) &&
		    scx_bpf_test_and_clear_cpu_idle(c)) {
			cpu = c;
			break;
		}
	}
	if (cpu < 0)
		cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
	bpf_rcu_read_unlock();
	args->ret_cpu = cpu;
	bpf_task_release(p);
	return 0;
}

/*
 * Run by the host after sending decisions while it keeps running: an idle
 * CPU drains the user ring buffer in ops.dispatch (and kicks the CPUs the
 * decisions name). Returns the CPU kicked, or < 0 when none was idle.
 */
SEC("syscall")
int kick_idle_cpu(void *ctx)
{
	const struct cpumask *online = scx_bpf_get_online_cpumask();
	s32 cpu = scx_bpf_pick_idle_cpu(online, 0);

	scx_bpf_put_cpumask(online);
	if (cpu >= 0)
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	return cpu;
}

/*
 * Run by the host after it sent a decision for a CPU it chose to preempt
 * (see shared.running): the task running there goes back to its enqueue,
 * and the CPU drains the decisions in ops.dispatch.
 */
SEC("syscall")
int preempt_cpu(struct plugland_preempt_args *args)
{
	s32 cpu = args->cpu;

	if (cpu < 0 || (u32)cpu >= cfg.nr_cpus)
		return -EINVAL;
	scx_bpf_kick_cpu(cpu, SCX_KICK_PREEMPT);
	COUNT(nr_preempt_kicks);
	return 0;
}

/*
 * Run by the host to learn the kernel's tick (CONFIG_HZ, which user space
 * cannot read): the tick count and the clock, read together. sched_ext
 * ends a slice at the first tick after it is used up, so a recording's
 * replay needs the tick's length.
 */
SEC("syscall")
int read_clock(struct plugland_clock_args *args)
{
	args->jiffies = bpf_jiffies64();
	args->ktime_ns = bpf_ktime_get_ns();
	return 0;
}

SEC(".struct_ops.link")
struct sched_ext_ops plugland_ops = {
	.select_cpu = (void *)plugland_select_cpu,
	.enqueue = (void *)plugland_enqueue,
	.dequeue = (void *)plugland_dequeue,
	.dispatch = (void *)plugland_dispatch,
	.running = (void *)plugland_running,
	/* recording only: the host leaves them out of debug mode */
	.runnable = (void *)plugland_runnable,
	.stopping = (void *)plugland_stopping,
	.quiescent = (void *)plugland_quiescent,
	.set_weight = (void *)plugland_set_weight,
	.set_cpumask = (void *)plugland_set_cpumask,
	.tick = (void *)plugland_tick,
	.init_task = (void *)plugland_init_task,
	.exit_task = (void *)plugland_exit_task,
	.update_idle = (void *)plugland_update_idle,
	.init = (void *)plugland_init,
	.exit = (void *)plugland_exit,
	.dispatch_max_batch = 64,
	.flags = SCX_OPS_KEEP_BUILTIN_IDLE,
	.timeout_ms = 5000,
	.exit_dump_len = PL_EXIT_DUMP_LEN,
	/* .hotplug_seq: set by the host just before load (bpf_backend.c) */
	.name = "plugland",
};

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the BPF half and the host share: record layouts of the two ring
 * buffers, the counters, and the globals the host reads or writes.
 *
 * Plain C types only: this file is compiled both by clang -target bpf
 * (after vmlinux.h) and by the host's C compiler (after <stdint.h>).
 * Every struct has explicit padding so both sides agree on the layout.
 */
#ifndef PLUGLAND_INTF_H
#define PLUGLAND_INTF_H

#ifndef __VMLINUX_H__
#include <stdint.h>
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;
typedef int64_t s64;
#endif

#define PL_MAX_CPUS	 1024
#define PL_COMM_LEN	 16
#define PL_WEIGHT_DEFAULT 100 /* p->scx.weight at nice 0: PLUGLAND_WEIGHT_DEFAULT */
#define PL_CPU_ANY	 (-1)
#define PL_SHARED_DSQ	 ((u64)PL_MAX_CPUS) /* any CPU, FIFO */
#define PL_ORDERED_DSQ	 ((u64)PL_MAX_CPUS + 1) /* any CPU, by vtime: PLUGLAND_POLICY_ORDERED */
#define PL_HOST_DSQ	 ((u64)PL_MAX_CPUS + 2) /* the parked scheduling thread (park_host) */
/* CPU c's queues, for PL_FAST_WAKE_LOCAL: taken by c first, by others when
 * idle; FIFO (with _QUEUE), or by vtime (with _VTIME: a DSQ is one or the
 * other for its whole life, so each has its own ids) */
#define PL_CPU_DSQ(c)	 ((u64)PL_MAX_CPUS + 16 + (u64)(c))
#define PL_CPU_VTIME_DSQ(c) ((u64)2 * PL_MAX_CPUS + 16 + (u64)(c))
#define PL_EXIT_DUMP_LEN 32768 /* the kernel's debug dump on an error exit */

/* The flags: PLUGLAND_TASK_* (plugland_queued.flags), PLUGLAND_KERNEL_*
 * (plugland_kernel_decision.reason), as the plugin ABI defines them. */
#include "../include/plugland/flags.h"

/* plugland_queued.kind: what a record of the kernel -> user ring is */
#define PL_REC_TASK	 0 /* a task waiting for a decision */
#define PL_REC_DECIDED	 1 /* BPF placed the task itself: struct plugland_kernel_decision */
#define PL_REC_GONE	 2 /* pid exited (ops.exit_task): only pid and tgid are set */
#define PL_REC_HEARTBEAT 3 /* a wake-up for the host, nothing else */
#define PL_REC_EVENT	 4 /* debug mode: what happened to a task: struct plugland_task_event */

/* Kernel -> user (BPF_MAP_TYPE_RINGBUF): a task waiting for a decision. */
struct plugland_queued {
	s32 pid;
	s32 tgid;
	s32 cpu;	      /* CPU chosen by select_cpu, or the last one */
	u32 flags;	      /* PLUGLAND_TASK_* */
	u64 weight;	      /* sched_ext weight, 100 == nice 0 */
	u64 exec_runtime;     /* total CPU time consumed (ns) */
	u64 nvcsw;	      /* voluntary context switches so far */
	u64 vtime;	      /* last vtime the policy gave this task */
	u64 enq_ns;	      /* when BPF queued it (CLOCK_MONOTONIC) */
	u64 gen;	      /* enqueue generation; echoed back on dispatch */
	u32 nr_cpus_allowed;
	u32 kind;	      /* PL_REC_* (struct plugland_task.reserved: 0 for a task) */
	char comm[PL_COMM_LEN];
};

/*
 * Kernel -> user, in the same ring buffer and so in order with the tasks
 * queued: a placement BPF made itself for an ordinary task, so that the
 * policy's accounting and the decision log miss none. task.kind is
 * PL_REC_DECIDED; task.cpu is the CPU it last ran on. Submitted without a
 * wake-up: the host reads it with the next records (docs/ARCHITECTURE.md).
 */
struct plugland_kernel_decision {
	struct plugland_queued task;
	s32 cpu;	      /* where BPF put it: a CPU, or PL_CPU_ANY */
	u32 reason;	      /* PLUGLAND_KERNEL_* */
	u64 slice_ns;
	u64 at_ns;	      /* when (CLOCK_MONOTONIC) */
};

/*
 * Kernel -> user, debug mode only (cfg.record_events): what happened to an
 * ordinary task, from sched_ext's own callbacks, for the decision log's
 * task events (struct plugland_event: the same kinds and details,
 * PLUGLAND_EVENT_* in flags.h). `task` is filled as for a queued task
 * (enq_ns: when it happened; exec_runtime: its CPU time so far; cpu:
 * where it is). Sent without a wake-up; lost, and counted, when the ring
 * buffer is full.
 */
struct plugland_task_event {
	struct plugland_queued task;
	u32 event;	      /* PLUGLAND_EVENT_* */
	u32 detail;	      /* PLUGLAND_RUNNABLE_*, PLUGLAND_STOPPING_RUNNABLE, ... */
	u32 arg;	      /* waker, parent, weight, or CPU count, as plugland_event's */
	u32 __pad;
	u64 value;	      /* STOPPING: CPU time so far; CPUMASK: CPUs 0..63 */
	u64 value_hi;	      /* CPUMASK: CPUs 64..127 */
};

/* shared.fast_wake: which waking tasks BPF places itself */
#define PL_FAST_WAKE_PREV	(1u << 0) /* its previous CPU is idle: there */
#define PL_FAST_WAKE_IDLE	(1u << 1) /* any idle CPU it may use */
#define PL_FAST_WAKE_QUEUE	(1u << 2) /* none idle: the shared DSQ's tail */
#define PL_FAST_WAKE_VTIME	(1u << 3) /* none idle: the ordered DSQ at its own vtime */
#define PL_FAST_WAKE_LOCAL	(1u << 4) /* with _QUEUE or _VTIME: its CPU's DSQ, not the any-CPU one */
#define PL_FAST_WAKE_DIRECT	(1u << 5) /* with _QUEUE: its CPU's local DSQ when nothing waits there */

/*
 * A record of the user ring buffer whose cpu is PL_CPU_WAKE_BASE is not a
 * decision: it says where task pid stands in the policy's virtual time
 * (vtime) at the CPU time slice_ns holds (PL_FAST_WAKE_VTIME). gen is the
 * shared.wake_base_gen it was given under: a base from a policy since
 * replaced, in its own virtual time, counts as none.
 */
#define PL_CPU_WAKE_BASE	(-2)

/*
 * PL_FAST_WAKE_VTIME's rule (plugin.h), in one place for BPF and the
 * synthetic backend that models it: a task that stood at base_vtime when
 * its CPU time was base_runtime is now at base_vtime + the CPU time since
 * x 100 / weight (weight 0: 100; at most 10000), and no lower than floor.
 */
static inline u64 pl_wake_key(u64 base_vtime, u64 base_runtime, u64 runtime, u64 weight,
			      u64 floor)
{
	u64 key = base_vtime;

	if (!weight)
		weight = PL_WEIGHT_DEFAULT;
	if (weight > 10000)
		weight = 10000;
	if (runtime > base_runtime)
		key += (runtime - base_runtime) * PL_WEIGHT_DEFAULT / weight;
	return key > floor ? key : floor;
}

/*
 * PLUGLAND_WAKE_PREEMPT_HOGS_ONLY's count, in one place for BPF and the
 * synthetic backend: a task's slices in a row that ran out (at most 255),
 * as it goes back to the policy. A wake-up clears it (the task slept); a
 * slice used up adds one; a task cut short with slice left keeps it. A
 * CPU hog preempted for a waking task stays a hog: had the preemption
 * reset it (when the hog is not resumed at once, say its vCPU was away
 * for milliseconds), the hog could not be preempted for the whole of its
 * next slice.
 */
static inline u32 pl_hog_count(u32 ran_out, int woke, int slice_ran_out)
{
	if (woke)
		return 0;
	if (slice_ran_out)
		return ran_out < 255 ? ran_out + 1 : 255;
	return ran_out;
}

/* User -> kernel (BPF_MAP_TYPE_USER_RINGBUF): the policy's decision. */
struct plugland_dispatch_rec {
	s32 pid;
	s32 cpu;	      /* target CPU or PL_CPU_ANY */
	u64 slice_ns;	      /* 0: the default slice */
	u64 vtime;	      /* stored and reported back on the next enqueue */
	u64 gen;	      /* must equal the gen of the latest enqueue */
};

/*
 * Per-CPU counters (BPF_MAP_TYPE_PERCPU_ARRAY, one entry), summed by the
 * host. One table: the struct, the host's exit report and `ctl stats`
 * are all made from it. X(name, where, what the exit report calls it):
 * where is PL_CTR_STATUS for the few that `ctl status` shows too.
 */
#define PL_CTR_STATUS 1
#define PL_CTR_STATS  0
#define PL_COUNTERS(X)								\
	X(nr_queued, PL_CTR_STATUS, "queued to user space")			\
	X(nr_user_dispatches, PL_CTR_STATUS, "dispatched by user space")	\
	/* kthreads and host threads, dispatched by BPF */			\
	X(nr_kernel_dispatches, PL_CTR_STATUS, "dispatched directly by BPF")	\
	/* target CPU not allowed or invalid: the shared DSQ */		\
	X(nr_bounce_dispatches, PL_CTR_STATS, "bounced (CPU not allowed)")	\
	/* stale generation or task gone */					\
	X(nr_cancel_dispatches, PL_CTR_STATS, "cancelled (stale decision)")	\
	/* ring buffer full: dispatched by BPF */				\
	X(nr_congested, PL_CTR_STATS, "congested (ring buffer full)")		\
	/* the timer woke a host that had work waiting */			\
	X(nr_heartbeats, PL_CTR_STATS, "heartbeat wake-ups")			\
	/* woke up with an idle CPU: run there by BPF */			\
	X(nr_idle_direct, PL_CTR_STATS, "run on an idle CPU by BPF (fast path)") \
	/* woke up with no idle CPU: queued FIFO by BPF */			\
	X(nr_fast_queued, PL_CTR_STATS, "queued FIFO by BPF (fast path)")	\
	/* woke up with no idle CPU: queued by its vtime by BPF */		\
	X(nr_fast_ordered, PL_CTR_STATS, "queued by vtime by BPF (fast path)") \
	/* of those queued, put straight on their CPU's local DSQ		\
	   (cfg.direct_local) */						\
	X(nr_direct_local, PL_CTR_STATS, "queued on their CPU's local DSQ (fast path)") \
	/* queued on a CPU's own queue (PL_FAST_WAKE_LOCAL), taken by another */ \
	X(nr_local_stolen, PL_CTR_STATS, "taken from another CPU's queue")	\
	/* CPUs preempted by BPF for a more urgent waking task */		\
	X(nr_wake_preempts, PL_CTR_STATS, "preempted by BPF for a waking task") \
	/* times the host went silent with work waiting, and came back */	\
	X(nr_failsafe_enter, PL_CTR_STATS, "failsafe entered")			\
	X(nr_failsafe_exit, PL_CTR_STATS, "failsafe left (the host came back)") \
	/* tasks BPF dispatched itself meanwhile */				\
	X(nr_failsafe_dispatches, PL_CTR_STATUS, "dispatched by BPF in failsafe") \
	/* tasks taken back from a silent host */				\
	X(nr_failsafe_rescued, PL_CTR_STATS, "taken back from the host in failsafe") \
	/* CPUs preempted for the policy (preempt_cpu) */			\
	X(nr_preempt_kicks, PL_CTR_STATS, "preempted for the policy")		\
	/* preempted by the host's scheduling thread, run on without a round	\
	   trip (resume_after_host) */						\
	X(nr_resumed, PL_CTR_STATS, "run on after the host's preemption")	\
	/* sync wake-ups queued without waking the host: it wakes at the	\
	   next context switch */						\
	X(nr_deferred_wakeups, PL_CTR_STATS, "host woken at the next switch (sync)") \
	/* BPF's own decisions the host could not be told of (ring full) */	\
	X(nr_notices_lost, PL_CTR_STATS, "BPF decisions not told (ring full)")	\
	/* released by an ordered policy before a switch to a FIFO one, and	\
	   run from the ordered queue after it */				\
	X(nr_ordered_leftovers, PL_CTR_STATS, "ordered-queue leftovers run")	\
	/* the parked scheduling thread run at a CPU's switch (park_host) */	\
	X(nr_host_pulls, PL_CTR_STATS, "host run at a switch (parked)")	\
	/* CPUs kicked to run the parked host: an idle one, or this one	\
	   preempted */								\
	X(nr_host_park_kicks, PL_CTR_STATS, "CPUs kicked for the parked host")	\
	/* debug mode: task events sent, and lost (ring full) */		\
	X(nr_events, PL_CTR_STATS, "task events recorded (debug)")		\
	X(nr_events_lost, PL_CTR_STATS, "task events lost (ring full)")	\
	/* a recording-only callback ran out of debug mode: 0, unless the	\
	   host failed to leave them out */					\
	X(nr_record_ops_off, PL_CTR_STATS, "recording callbacks run, not recording")

#define PL_COUNTER_FIELD(name, where, what) u64 name;
struct plugland_counters {
	PL_COUNTERS(PL_COUNTER_FIELD)
};
#define PL_NR_COUNTERS (sizeof(struct plugland_counters) / sizeof(u64))

/* Tunables: BPF .rodata, set by the host between open and load. */
struct plugland_config {
	s32 host_tgid;		/* every thread of it is dispatched by BPF */
	s32 host_pid;		/* the scheduling thread: preempts on wake-up */
	u32 nr_cpus;
	u32 direct_all_kthreads; /* 1: every kthread bypasses user space */
	u64 slice_ns;		/* default slice */
	u64 heartbeat_ns;	/* timer period */
	u32 ringbuf_bytes;	/* size of the queued ring buffer */
	u32 resume_after_host;	/* 1: a task the scheduling thread preempted runs
				   on after it with the rest of its slice */
	u32 defer_sync_wakeups;	/* 1: a sync wake-up with no CPU idle wakes the
				   host at the next context switch */
	u32 park_host;		/* 1: between busy rounds the scheduling thread
				   yields and waits in PL_HOST_DSQ for a CPU's
				   next switch, instead of a wake-up */
	u64 failsafe_ns;	/* host silent this long while work waits: failsafe */
	u32 record_events;	/* 1 (debug mode): PL_REC_EVENT records */
	u32 __pad2;
};

/*
 * What a CPU runs, for the host's choice of a CPU to preempt: the vtime
 * the policy gave the task when user space dispatched it, 0 when BPF did
 * (kthreads, the host: never preempted), and since when it runs. The host
 * writes vtime 0 itself once it has picked the CPU.
 */
struct plugland_running {
	u64 vtime;
	u64 since_ns;		/* bpf_ktime_get_ns() at ops.running */
};

/* Mutable shared state: BPF .bss, mmap()ed by the host after load. */
struct plugland_shared {
	/* written by the host */
	u64 nr_scheduled;	/* tasks the policy holds, not yet dispatched */
	u64 host_progress_ns;	/* last time the host finished a round */
	u32 host_sleeping;	/* host is (about to be) blocked in poll */
	u32 publish_running;	/* a policy preempts: ops.running fills running[] */
	u32 ordered;		/* any-CPU decisions wait by vtime, not FIFO */
	u32 fast_wake;		/* PL_FAST_WAKE_*: the policy's fast paths */
	u32 host_parked;	/* host is (about to be) parked: set by the host
				   before it yields, cleared by whoever runs it */
	u32 wake_preempt_hog_slices; /* a victim's slices run out in a row, at least
					(0: any task; host/fast_wake.h) */
	/* PL_FAST_WAKE_VTIME, the policy's (plugin.h: set_wake_rule()): no
	 * waking task's vtime below wake_floor; its slice (0: cfg.slice_ns);
	 * a CPU whose task's vtime exceeds the waking one's by more than
	 * wake_preempt_margin (0: never), whose slice was granted
	 * wake_preempt_min_ns ago at least (and, with
	 * PLUGLAND_WAKE_PREEMPT_HOGS_ONLY, not at a wake-up), is preempted
	 * for it. */
	u64 wake_floor;
	u64 wake_slice_ns;
	u64 wake_preempt_margin;
	u64 wake_preempt_min_ns;
	u32 wake_preempt_flags;	/* PLUGLAND_WAKE_PREEMPT_* */
	u32 wake_base_gen;	/* bumped whenever the fast paths are set: the
				   bases of earlier policies are void */
	u32 dispatch_posted;	/* set after records go into the dispatch ring
				   buffer; BPF clears it before it drains */
	/* written by BPF */
	u32 usersched_needed;	/* tasks were queued since the host last looked */
	s32 exit_kind;		/* enum scx_exit_kind, 0 while running */
	u32 failsafe;		/* 1: BPF dispatches new tasks itself */
	s32 nr_idle_cpus;	/* CPUs in their idle loop right now */
	s64 exit_code;
	char exit_reason[128];
	char exit_msg[1024];
	/* Written by BPF in ops.running: what each CPU runs (see below). */
	struct plugland_running running[PL_MAX_CPUS];
	/* Written by ops.exit: the kernel's state dump (CPUs, runnable tasks,
	 * which DSQ each is on) when it ejected the scheduler for an error. */
	char exit_dump[PL_EXIT_DUMP_LEN];
};

/* Candidates pick_idle_cpu tries in order before any idle CPU. */
#define PL_PICK_CANDS	16

/* SEC("syscall") pick_idle_cpu: argument block (ctx) for BPF_PROG_TEST_RUN. */
struct plugland_pick_cpu_args {
	s32 pid;
	s32 prev_cpu;
	s32 ret_cpu;		/* out: an idle CPU the task may use, or < 0 */
	u32 nr_cands;		/* cands[0..nr_cands) first, in order: the
				   previous CPU, its SMT siblings, its LLC's */
	s32 cands[PL_PICK_CANDS];
};

/* SEC("syscall") preempt_cpu: argument block (ctx) for BPF_PROG_TEST_RUN. */
struct plugland_preempt_args {
	s32 cpu;		/* kicked with SCX_KICK_PREEMPT */
	u32 __pad;
};

/* SEC("syscall") read_clock: argument block (ctx) for BPF_PROG_TEST_RUN. */
struct plugland_clock_args {
	u64 jiffies;		/* out: the kernel's tick count */
	u64 ktime_ns;		/* out: CLOCK_MONOTONIC, read with it */
};

#endif /* PLUGLAND_INTF_H */

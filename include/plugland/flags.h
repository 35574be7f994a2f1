/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The flag values of the plugin ABI (<plugland/plugin.h> includes this),
 * defined once for the plugins, the host and the BPF half alike:
 * #defines only, so that clang -target bpf can include it too.
 */
#ifndef PLUGLAND_FLAGS_H
#define PLUGLAND_FLAGS_H

/* struct plugland_task.flags */
#define PLUGLAND_TASK_WAKEUP (1u << 0)  /* queued because it woke up */
#define PLUGLAND_TASK_KTHREAD (1u << 1) /* a kernel thread */
#define PLUGLAND_TASK_NEW (1u << 2)	/* first time queued to the policy */

/* struct plugland_decision.flags, beside the PLUGLAND_TASK_* of the enqueue */
#define PLUGLAND_DECISION_BY_HOST (1u << 8) /* the host decided: policy refused it,
					       or held it past max_wait_ms */
#define PLUGLAND_DECISION_LATE (1u << 9)    /* for a task no longer waiting for
					       this decision: dropped as stale */
#define PLUGLAND_DECISION_BY_KERNEL (1u << 10) /* BPF placed the task itself; why:
						  PLUGLAND_DECISION_REASON() */
/* Why BPF placed a task itself (PLUGLAND_DECISION_BY_KERNEL records; the
 * `reason` of kernel_decided()): */
#define PLUGLAND_KERNEL_IDLE 1	    /* it woke up with an idle CPU: the policy's
				       fast path (PLUGLAND_POLICY_FAST_WAKE_*) */
#define PLUGLAND_KERNEL_RESUMED 2   /* the host's scheduling thread preempted it:
				       it runs on with the rest of its slice */
#define PLUGLAND_KERNEL_CONGESTED 3 /* the ring buffer to the host was full */
#define PLUGLAND_KERNEL_FAILSAFE 4  /* queued while the host was silent */
#define PLUGLAND_KERNEL_RESCUED 5   /* held by the policy, taken back from a
				       silent host (its decision will be stale) */
#define PLUGLAND_KERNEL_QUEUED 6    /* it woke up with no idle CPU: the tail of the
				       any-CPU queue, the policy's fast path
				       (PLUGLAND_POLICY_FAST_WAKE_QUEUE) */
/* plugland_wake_rule.preempt_flags: preempt only a task whose slice was
 * granted when its previous one ran out (a CPU hog), not one that got it
 * at a wake-up: sleepers do not preempt each other. preempt_hog_slices
 * asks for more slices in a row, all run out. */
#define PLUGLAND_WAKE_PREEMPT_HOGS_ONLY (1u << 0)
#define PLUGLAND_DECISION_REASON(flags) (((flags) >> 11) & 7u)
#define PLUGLAND_DECISION_REASON_FLAGS(reason) ((uint16_t)(((reason) & 7u) << 11))
/*
 * What a shadow policy (scx_plugland --shadow) would have decided, logged
 * beside the real decisions and never applied: decision dumps of format 3
 * hold them (docs/decision-dump.md). Async plugins are never handed them,
 * and plugland-dump shows them only with --shadow.
 */
#define PLUGLAND_DECISION_SHADOW (1u << 14)

/*
 * A decision log record that is a task event (struct plugland_event), not
 * a decision: bit 15 of the 16-bit flags word at byte 40, where both kinds
 * of record keep their flags. A decision never has it (PLUGLAND_TASK_*
 * stay below bit 8, PLUGLAND_DECISION_* use bits 8-14).
 */
#define PLUGLAND_RECORD_EVENT (1u << 15)

/* struct plugland_event.kind: what happened to the task, as sched_ext's
 * callbacks of the same names tell it. */
#define PLUGLAND_EVENT_RUNNABLE 1  /* it became runnable; why in `detail` */
#define PLUGLAND_EVENT_RUNNING 2   /* it started running on `cpu` */
#define PLUGLAND_EVENT_STOPPING 3  /* it stopped running on `cpu` */
#define PLUGLAND_EVENT_QUIESCENT 4 /* it went to sleep (not runnable any more) */
#define PLUGLAND_EVENT_WEIGHT 5	   /* its weight changed to `arg` */
#define PLUGLAND_EVENT_CPUMASK 6   /* its allowed CPUs changed */
#define PLUGLAND_EVENT_FORK 7	   /* it was created by `arg` (the parent's pid) */
#define PLUGLAND_EVENT_EXIT 8	   /* it exited */
/* Not an ordinary task's: a thread of scx_plugland itself ran on `cpu`
 * from `value` (ns, CLOCK_MONOTONIC) to at_ns. Dump format 3 readers
 * older than it skip it as an unknown kind. */
#define PLUGLAND_EVENT_HOST_RUN 9
#define PLUGLAND_EVENT_MAX 9

/* RUNNABLE's `detail`: why it became runnable (0: not known). */
#define PLUGLAND_RUNNABLE_WAKEUP 1    /* woken up; `arg` the waker's pid when known */
#define PLUGLAND_RUNNABLE_NEW 2	      /* a new task (fork) */
#define PLUGLAND_RUNNABLE_PREEMPTED 3 /* taken off its CPU while still runnable */
#define PLUGLAND_RUNNABLE_YIELD 4     /* it yielded its CPU */
/* STOPPING's `detail`: it stays runnable (preempted, slice over) rather
 * than going to sleep. */
#define PLUGLAND_STOPPING_RUNNABLE 1
/* HOST_RUN's `detail`: the thread was the scheduling loop's (which calls
 * the policy), not another of the host's (async plugins, control). */
#define PLUGLAND_HOST_RUN_SCHED 1
/* CPUMASK's `detail`: it may also use CPUs above 127, which the record's
 * 128 bits cannot say (its `arg`, the count, includes them). */
#define PLUGLAND_CPUMASK_PARTIAL 1

#endif /* PLUGLAND_FLAGS_H */

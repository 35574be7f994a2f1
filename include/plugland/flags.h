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
#define PLUGLAND_DECISION_REASON(flags) (((flags) >> 11) & 7u)
#define PLUGLAND_DECISION_REASON_FLAGS(reason) ((uint16_t)(((reason) & 7u) << 11))

#endif /* PLUGLAND_FLAGS_H */

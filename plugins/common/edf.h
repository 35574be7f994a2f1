/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The deadline core, shared by the deadline and rules policies: earliest
 * deadline first on weighted virtual runtime, in the spirit of
 * scx_rustland.
 *
 *   vruntime += CPU time used * 100 / weight     (ns at nice 0)
 *   deadline  = vruntime + burst                  (burst capped at burst_cap)
 *
 * where burst is the weighted CPU time used since the task last slept: a
 * task that sleeps often (interactive) has a small burst and runs before
 * CPU hogs of the same vruntime. CPU time comes from exec_runtime deltas,
 * sleeping from the WAKEUP flag or a changed nvcsw. A new or waking task
 * starts no earlier than vclock - slice, vclock being the largest
 * vruntime dispatched: sleeping banks at most one slice of credit. (Not
 * the largest deadline: a hog's deadline runs up to burst_cap ahead of its
 * vruntime, and waking tasks would land that far behind the other hogs.)
 * A runnable task is kept within max(slice, burst_cap) of it: on a real
 * machine a hog that shares its CPU with the interactive tasks trails the
 * others, and a trailing hog far back would have a deadline ahead of every
 * task that wakes up. Shares still follow the weights
 * (tests/unit/test_deadline.c).
 */
#ifndef PLUGLAND_EDF_H
#define PLUGLAND_EDF_H

#include <stdint.h>
#include <plugland/plugin.h>
#include "cpu_gate.h"
#include "pid_table.h"
#include "run_heap.h"

struct edf_params {
	uint64_t slice_ns;	/* slice with one task waiting; also the wake-up credit */
	uint64_t min_slice_ns;	/* however many wait */
	uint64_t burst_cap_ns;
	uint64_t forget_ns;	/* state of tasks not seen for this long is dropped */
	uint32_t max_tasks;	/* tasks whose state is kept */
	/* A waking task takes the CPU of a task that has run min_slice_ns
	 * at least and whose deadline is later than its own by more than
	 * preempt_margin_ns (0: never). */
	uint64_t preempt_margin_ns;
};

/* What the policies read from their ini section for the core. rules'
 * shortest slice; deadline's is its slice (0): docs/policies.md. */
#define EDF_DEFAULT_MIN_SLICE_NS 2500000ull
#define EDF_SLICE_FLOOR_NS 50000ull	/* the shortest slice_us accepted */
#define EDF_DEFAULT_BURST_CAP_NS 20000000ull
#define EDF_DEFAULT_FORGET_NS 10000000000ull
#define EDF_DEFAULT_MAX_TASKS 16384u

struct edf_task {
	uint64_t exec_runtime;	/* task->exec_runtime at its last enqueue */
	uint64_t nvcsw;
	uint64_t vruntime;
	uint64_t burst;
	uint64_t seen_ns;	/* enq_ns of its last enqueue */
	bool out;		/* released, not enqueued again yet */
};

struct edf {
	struct edf_params p;
	struct pid_table tasks;	/* pid -> struct edf_task */
	uint64_t vclock;	/* largest vruntime dispatched */
	uint32_t sweep_cursor;
	uint32_t nr_out;	/* tasks released and not back: running, or
				   waiting in the kernel's queue */
};

struct edf_verdict {
	uint64_t deadline;
	uint64_t vruntime;
	uint64_t burst;		/* weighted runtime since it last slept */
};

/* Read slice_us (default slice_default_ns, or the host's default slice
 * if that is 0), min_slice_us (default min_slice_default_ns, or slice_us
 * if that is 0 or larger: a fixed slice), burst_cap_us, max_tasks,
 * preempt (default preempt_default), preempt_margin_us from the plugin's
 * section over defaults. 0, or -EINVAL (logged). */
int edf_params_read(const struct plugland_host *host, struct edf_params *p, bool preempt_default,
		    uint64_t slice_default_ns, uint64_t min_slice_default_ns);
int edf_init(struct edf *e, const struct edf_params *p);
void edf_fini(struct edf *e);
/* Charge what t used since its last enqueue; its deadline. Never allocates. */
void edf_account(struct edf *e, const struct plugland_task *t, struct edf_verdict *v);
/* A queue item for t with its verdict. */
struct run_item edf_item(const struct plugland_task *t, const struct edf_verdict *v);
/* The slice when nr_waiting tasks wait: max(min_slice, slice / nr_waiting). */
uint64_t edf_slice(const struct edf *e, uint64_t nr_waiting);
/*
 * The slice of a task of that weight: edf_slice() * weight / 100, within
 * [EDF_SLICE_FLOOR_NS, max(slice, burst_cap)]. Each turn then advances
 * every task's vruntime alike, so shares follow the weights even though
 * a task never runs two turns in a row (at the end of a slice it is away
 * at the host while its CPU takes the next task).
 */
uint64_t edf_weighted_slice(const struct edf *e, uint64_t nr_waiting, uint32_t weight);
/*
 * Release the first task of q into *out if the gate lets it go, or, when
 * by_deadline and it woke up, if it can preempt a task with a later
 * deadline: its CPU chosen, a slice of 0 replaced by edf_slice(nr_waiting),
 * virtual time moved to its deadline when by_deadline. The decision's vtime
 * is the deadline (what preemption compares). False: hold it.
 */
bool edf_release(struct edf *e, struct run_heap *q, struct cpu_gate *g, uint64_t nr_waiting,
		 bool by_deadline, struct plugland_dispatch *out);
/* About how many tasks wait for a CPU, the one about to be released
 * included: held in q, or released and not running (in the kernel's
 * queue). What edf_slice() divides by. */
uint64_t edf_nr_waiting(const struct edf *e, const struct run_heap *q, uint32_t nr_cpus);
/*
 * BPF placed t itself (plugin.h: kernel_decided()): charge what it used as
 * an enqueue would, and count it out on a CPU, as a release would; virtual
 * time follows it when by_deadline. Not for RESCUED: the policy still
 * holds that one, and its own release comes.
 */
void edf_kernel_decided(struct edf *e, const struct plugland_task *t, unsigned int reason,
			bool by_deadline);
void edf_forget(struct edf *e, int32_t pid);
/* Drop, a part at a time, the state of tasks not seen for forget_ns. */
void edf_tick(struct edf *e, uint64_t now_ns);

#endif

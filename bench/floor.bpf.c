// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's floor: the least a sched_ext scheduler can do. A waking
 * task takes an idle CPU the kernel finds for it, else every task waits
 * in one queue that any CPU takes from: first come, first served, or
 * (FLOOR_VTIME) by weighted CPU time, a sleeper at most a slice behind the
 * clock (the classic vtime queue); or (FLOOR_LOCAL, FLOOR_LOCAL_VTIME) in
 * a queue per CPU, FIFO or by vtime, the one of the CPU the kernel chose
 * at the wake-up (its previous one or the waker's), a CPU with none of
 * its own taking from the others' (the kernel's own shape: per-CPU
 * queues, stolen from when idle); or (FLOOR_DIRECT) as FLOOR_LOCAL, but a
 * task whose CPU has nothing queued goes straight onto that CPU's local
 * DSQ, where the CPU finds it without calling ops.dispatch (an idle CPU
 * cannot steal it from there: only one task waits so). No
 * user space, no policy, no
 * accounting: what sched_ext itself costs on the benchmark's machine,
 * against which scx_plugland's own cost (its BPF side, its host, its
 * policy) is measured. Not part of the product: bench/floor.c loads it
 * for bench/vm-guest.sh (scheduler "floor").
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "compat.bpf.h"

char _license[] SEC("license") = "GPL";

#define FLOOR_DSQ	1
#define FLOOR_CPU_DSQ	0x100	/* + the CPU: FLOOR_LOCAL's queues */
#define FLOOR_MAX_CPUS	64
#define FLOOR_SLICE_NS	20000000ULL /* sched_ext's default slice */

enum floor_mode { FLOOR_FIFO, FLOOR_VTIME, FLOOR_LOCAL, FLOOR_LOCAL_VTIME, FLOOR_DIRECT };

const volatile u32 floor_mode; /* set by the loader before load */
static u64 vtime_now;		/* the clock: the largest vtime that ran */

SEC("struct_ops/floor_select_cpu")
s32 BPF_PROG(floor_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);

	if (is_idle)
		pl_dsq_insert(p, SCX_DSQ_LOCAL, FLOOR_SLICE_NS, 0);
	return cpu;
}

static __always_inline bool per_cpu(void)
{
	return floor_mode == FLOOR_LOCAL || floor_mode == FLOOR_LOCAL_VTIME ||
	       floor_mode == FLOOR_DIRECT;
}

static __always_inline bool by_vtime(void)
{
	return floor_mode == FLOOR_VTIME || floor_mode == FLOOR_LOCAL_VTIME;
}

SEC("struct_ops/floor_enqueue")
void BPF_PROG(floor_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime, dsq = FLOOR_DSQ;
	s32 cpu = scx_bpf_task_cpu(p);

	if (per_cpu())
		dsq = FLOOR_CPU_DSQ + cpu;
	if (floor_mode == FLOOR_DIRECT && !scx_bpf_dsq_nr_queued(dsq) &&
	    !scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL_ON | cpu)) {
		pl_dsq_insert(p, SCX_DSQ_LOCAL, FLOOR_SLICE_NS, enq_flags);
		return;
	}
	if (by_vtime()) {
		if ((s64)(vtime - (vtime_now - FLOOR_SLICE_NS)) < 0)
			vtime = vtime_now - FLOOR_SLICE_NS; /* a sleeper's credit: one slice */
		pl_dsq_insert_vtime(p, dsq, FLOOR_SLICE_NS, vtime, enq_flags);
	} else {
		pl_dsq_insert(p, dsq, FLOOR_SLICE_NS, enq_flags);
	}
	if (!per_cpu())
		return;
	/* Its CPU busy, an idle one steals it. */
	if (!scx_bpf_test_and_clear_cpu_idle(cpu))
		cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
	if (cpu >= 0)
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
}

SEC("struct_ops/floor_dispatch")
void BPF_PROG(floor_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 n = scx_bpf_nr_cpu_ids();

	if (!per_cpu()) {
		pl_dsq_move_to_local(FLOOR_DSQ);
		return;
	}
	if (pl_dsq_move_to_local(FLOOR_CPU_DSQ + cpu))
		return;
	for (u32 i = 1; i < n && i < FLOOR_MAX_CPUS; i++) /* steal, the next CPU first */
		if (pl_dsq_move_to_local(FLOOR_CPU_DSQ + (cpu + i) % n))
			return;
}

SEC("struct_ops/floor_running")
void BPF_PROG(floor_running, struct task_struct *p)
{
	if (by_vtime() && (s64)(p->scx.dsq_vtime - vtime_now) > 0)
		vtime_now = p->scx.dsq_vtime;
}

/* The CPU time used, weighted: x 100 / weight, a nice-0 task's ns. */
SEC("struct_ops/floor_stopping")
void BPF_PROG(floor_stopping, struct task_struct *p, bool runnable)
{
	if (by_vtime())
		p->scx.dsq_vtime += (FLOOR_SLICE_NS - p->scx.slice) * 100 / p->scx.weight;
}

SEC("struct_ops/floor_enable")
void BPF_PROG(floor_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

SEC("struct_ops.s/floor_init")
s32 BPF_PROG(floor_init)
{
	u32 n = scx_bpf_nr_cpu_ids();
	s32 err = scx_bpf_create_dsq(FLOOR_DSQ, -1);

	if (err || !per_cpu())
		return err;
	if (n > FLOOR_MAX_CPUS)
		return -7; /* -E2BIG */
	for (u32 i = 0; i < n && i < FLOOR_MAX_CPUS; i++)
		if ((err = scx_bpf_create_dsq(FLOOR_CPU_DSQ + i, -1)))
			return err;
	return 0;
}

SEC(".struct_ops.link")
struct sched_ext_ops floor_ops = {
	.select_cpu = (void *)floor_select_cpu,
	.enqueue = (void *)floor_enqueue,
	.dispatch = (void *)floor_dispatch,
	.running = (void *)floor_running,
	.stopping = (void *)floor_stopping,
	.enable = (void *)floor_enable,
	.init = (void *)floor_init,
	.name = "floor",
};

// SPDX-License-Identifier: GPL-2.0
/*
 * enum_probe: a scheduler that works only if its loader fills its
 * __SCX_* read-only variables from the running kernel's enums, as the scx
 * schedulers expect (bench/floor does, for bench/run.sh -x). Unfilled,
 * every task goes to DSQ 0, which does not exist, and the kernel ejects
 * it at once. Used by the VM case "floor".
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "compat.bpf.h"

char _license[] SEC("license") = "GPL";

const volatile u64 __SCX_DSQ_GLOBAL __weak;
const volatile u64 __SCX_SLICE_DFL __weak;

SEC("struct_ops/probe_enqueue")
void BPF_PROG(probe_enqueue, struct task_struct *p, u64 enq_flags)
{
	pl_dsq_insert(p, __SCX_DSQ_GLOBAL, __SCX_SLICE_DFL, enq_flags);
}

SEC(".struct_ops.link")
struct sched_ext_ops probe_ops = {
	.enqueue = (void *)probe_enqueue,
	.name = "enum_probe",
};

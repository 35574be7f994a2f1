/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API drift, wrapped once.
 *
 * 6.13 renamed the dispatch kfuncs: scx_bpf_dispatch -> scx_bpf_dsq_insert,
 * scx_bpf_consume -> scx_bpf_dsq_move_to_local, scx_bpf_dispatch_vtime ->
 * scx_bpf_dsq_insert_vtime. 6.12 (the first sched_ext
 * release, an LTS) only has the old names; 6.18 only the new ones; 7.x has
 * the new ones plus "___v2" variants that return bool. Both spellings are
 * declared weak: libbpf resolves whichever the running kernel has, and the
 * verifier drops the branch whose kfunc is missing (bpf_ksym_exists()).
 * The ___compat suffix is stripped by libbpf when it matches kernel names.
 *
 * Drop the 6.12 fallback when 6.12 leaves LTS (December 2026 + 2 years).
 */
#ifndef PLUGLAND_COMPAT_BPF_H
#define PLUGLAND_COMPAT_BPF_H

void scx_bpf_dispatch___compat(struct task_struct *p, u64 dsq_id, u64 slice,
			       u64 enq_flags) __ksym __weak;
bool scx_bpf_consume___compat(u64 dsq_id) __ksym __weak;
void scx_bpf_dispatch_vtime___compat(struct task_struct *p, u64 dsq_id, u64 slice, u64 vtime,
				     u64 enq_flags) __ksym __weak;

static __always_inline void pl_dsq_insert(struct task_struct *p, u64 dsq_id,
					  u64 slice, u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert))
		scx_bpf_dsq_insert(p, dsq_id, slice, enq_flags);
	else
		scx_bpf_dispatch___compat(p, dsq_id, slice, enq_flags);
}

static __always_inline void pl_dsq_insert_vtime(struct task_struct *p, u64 dsq_id,
						u64 slice, u64 vtime, u64 enq_flags)
{
	if (bpf_ksym_exists(scx_bpf_dsq_insert_vtime))
		scx_bpf_dsq_insert_vtime(p, dsq_id, slice, vtime, enq_flags);
	else
		scx_bpf_dispatch_vtime___compat(p, dsq_id, slice, vtime, enq_flags);
}

static __always_inline bool pl_dsq_move_to_local(u64 dsq_id)
{
	if (bpf_ksym_exists(scx_bpf_dsq_move_to_local))
		return scx_bpf_dsq_move_to_local(dsq_id);
	return scx_bpf_consume___compat(dsq_id);
}

#endif /* PLUGLAND_COMPAT_BPF_H */

/* SPDX-License-Identifier: GPL-2.0 */
/* The real backend: the sched_ext BPF program of bpf/, loaded and attached. */
#ifndef PLUGLAND_BPF_BACKEND_H
#define PLUGLAND_BPF_BACKEND_H

#include "../bpf/intf.h"
#include "backend.h"
#include "bpf_settings.h"
#include "topology.h"

struct bpf_backend_opts {
	uint64_t slice_ns;
	const struct bpf_settings *bpf; /* [bpf]: into .rodata as they say */
	const struct topology *topo; /* where pick_idle_cpu() looks first; kept */
	bool record_events;	/* debug mode: PL_REC_EVENT records of every task */
};

struct bpf_exit_info {
	int32_t kind;		/* enum scx_exit_kind; 0: never attached */
	int64_t exit_code;
	char reason[128];
	char msg[1024];
	char dump[PL_EXIT_DUMP_LEN];	/* the kernel's state dump, on an error exit */
};

/* Load and attach. On failure: NULL, errno set, one line in err. */
struct backend *bpf_backend_open(const struct bpf_backend_opts *o, char *err, size_t errlen);
/* Detach: the kernel takes its tasks back; the ring buffers stay readable. */
void bpf_backend_detach(struct backend *be);
/* Each BPF program's calls and mean run time, to stdout, if the kernel
 * collects them (sysctl kernel.bpf_stats_enabled=1); else nothing. */
void bpf_backend_print_prog_stats(struct backend *be);
/* Detach (if still attached), fill *ei, free everything. */
void bpf_backend_close(struct backend *be, struct bpf_exit_info *ei);
/* The kernel's tick rate (CONFIG_HZ), measured at open when recording
 * task events (o->record_events): up to three ticks of polling before
 * attaching. 0: not measured. */
uint32_t bpf_backend_kernel_hz(struct backend *be);
/* Its counters (summed over CPUs) and failsafe state: backend_counters()
 * and backend_failsafe() (backend.h). */

const char *scx_exit_kind_str(int32_t kind);
/* The kernel asked to be restarted (e.g. CPU hotplug). */
bool scx_exit_wants_restart(const struct bpf_exit_info *ei);

#endif

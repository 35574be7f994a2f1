// SPDX-License-Identifier: GPL-2.0
/*
 * deadline: earliest deadline first on weighted virtual runtime (edf.h),
 * the intended default policy. Tasks that sleep often run before CPU
 * hogs; CPU time follows the tasks' weights (nice); the slice shrinks as
 * more tasks wait. A task goes to an idle CPU when the host finds one,
 * preferring the one it ran on, else to any CPU (cpu_gate.h).
 *
 * Config ([deadline]): slice_us, min_slice_us, burst_cap_us, max_tasks,
 * preempt, preempt_margin_us, hold; see docs/policies.md.
 */
#include <errno.h>
#include <plugland/plugin.h>
#include "../common/cpu_gate.h"
#include "../common/edf.h"
#include "../common/plugin_conf.h"

static const struct plugland_host *host;
static struct edf edf;
static struct run_heap rq;
static struct cpu_gate gate;
/* Hold tasks until a CPU is free (strict order, a round trip per task), or
 * release them at once into the kernel's deadline-ordered queue. */
static bool hold;

static void deadline_exit(void)
{
	run_heap_fini(&rq);
	edf_fini(&edf);
}

static int deadline_init(const struct plugland_host *h)
{
	struct edf_params p;
	int ret;

	host = h;
	/* Off by default: a preemption costs two round trips to the host
	 * (docs/policies.md has the figures). */
	ret = edf_params_read(h, &p, false);
	if (ret)
		return ret;
	if (edf_init(&edf, &p) || run_heap_init(&rq, p.max_tasks)) {
		deadline_exit();
		return -ENOMEM;
	}
	cpu_gate_init(&gate, h, p.slice_ns);
	hold = false;
	if (conf_bool(h, "hold", &hold)) {
		deadline_exit();
		return -EINVAL;
	}
	cpu_gate_set_open(&gate, !hold);
	return 0;
}

static int deadline_enqueue(const struct plugland_task *t)
{
	struct edf_verdict v;
	struct run_item it;

	if (rq.nr == rq.cap)
		return -ENOSPC;
	cpu_gate_enqueued(&gate, t);
	edf_account(&edf, t, &v);
	it = edf_item(t, &v);
	return run_heap_push(&rq, &it);
}

static unsigned int deadline_dispatch(struct plugland_dispatch *out, unsigned int max)
{
	unsigned int n = 0;

	cpu_gate_begin(&gate);
	while (n < max && edf_release(&edf, &rq, &gate, edf_nr_waiting(&edf, &rq, host->nr_cpus),
				      true, &out[n]))
		n++;
	return n;
}

static void deadline_tick(uint64_t now_ns)
{
	edf_tick(&edf, now_ns);
}

static void deadline_kernel_decided(const struct plugland_task *t, const struct plugland_dispatch *d,
				    unsigned int reason)
{
	(void)d;
	edf_kernel_decided(&edf, t, reason, true);
}

static void deadline_task_gone(int32_t pid)
{
	edf_forget(&edf, pid);
}

PLUGLAND_POLICY(
	.name = "deadline",
	.description = "earliest deadline first on weighted vruntime; interactive tasks first",
	.init = deadline_init,
	.enqueue = deadline_enqueue,
	.dispatch = deadline_dispatch,
	.exit = deadline_exit,
	.tick = deadline_tick,
	.task_gone = deadline_task_gone,
	.kernel_decided = deadline_kernel_decided,
	/* decisions carry their deadline as vtime: the kernel keeps the order;
	 * a waking task with an idle CPU runs there at once (BPF decides it,
	 * kernel_decided() charges it) */
	.flags = PLUGLAND_POLICY_ORDERED | PLUGLAND_POLICY_FAST_WAKE_IDLE,
);

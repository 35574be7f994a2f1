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
#include <stdlib.h>
#include <plugland/plugin.h>
#include "../common/cpu_gate.h"
#include "../common/edf.h"
#include "../common/plugin_conf.h"

struct deadline {
	const struct plugland_host *host;
	struct edf edf;
	struct run_heap rq;
	struct cpu_gate gate;
	/* Hold tasks until a CPU is free (strict order, a round trip per
	 * task), or release them at once into the kernel's deadline-ordered
	 * queue. */
	bool hold;
};

static void deadline_exit(void *ctx)
{
	struct deadline *dl = ctx;

	run_heap_fini(&dl->rq);
	edf_fini(&dl->edf);
	free(dl);
}

static int deadline_init(const struct plugland_host *h, void **ctx)
{
	struct deadline *dl;
	struct edf_params p;
	int ret;

	/* Off by default: a preemption costs two round trips to the host
	 * (docs/policies.md has the figures). */
	ret = edf_params_read(h, &p, false);
	if (ret)
		return ret;
	dl = calloc(1, sizeof(*dl));
	if (!dl)
		return -ENOMEM;
	dl->host = h;
	if (edf_init(&dl->edf, &p) || run_heap_init(&dl->rq, p.max_tasks)) {
		deadline_exit(dl);
		return -ENOMEM;
	}
	cpu_gate_init(&dl->gate, h, p.slice_ns);
	if (conf_bool(h, "hold", &dl->hold)) {
		deadline_exit(dl);
		return -EINVAL;
	}
	cpu_gate_set_open(&dl->gate, !dl->hold);
	*ctx = dl;
	return 0;
}

static int deadline_enqueue(void *ctx, const struct plugland_task *t)
{
	struct deadline *dl = ctx;
	struct edf_verdict v;
	struct run_item it;

	if (dl->rq.nr == dl->rq.cap)
		return -ENOSPC;
	cpu_gate_enqueued(&dl->gate, t);
	edf_account(&dl->edf, t, &v);
	it = edf_item(t, &v);
	return run_heap_push(&dl->rq, &it);
}

static unsigned int deadline_dispatch(void *ctx, struct plugland_dispatch *out, unsigned int max)
{
	struct deadline *dl = ctx;
	unsigned int n = 0;

	cpu_gate_begin(&dl->gate);
	while (n < max &&
	       edf_release(&dl->edf, &dl->rq, &dl->gate,
			   edf_nr_waiting(&dl->edf, &dl->rq, dl->host->nr_cpus), true, &out[n]))
		n++;
	return n;
}

static void deadline_tick(void *ctx, uint64_t now_ns)
{
	struct deadline *dl = ctx;

	edf_tick(&dl->edf, now_ns);
}

static void deadline_kernel_decided(void *ctx, const struct plugland_task *t,
				    const struct plugland_dispatch *d, unsigned int reason)
{
	struct deadline *dl = ctx;

	(void)d;
	edf_kernel_decided(&dl->edf, t, reason, true);
}

static void deadline_task_gone(void *ctx, int32_t pid)
{
	struct deadline *dl = ctx;

	edf_forget(&dl->edf, pid);
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

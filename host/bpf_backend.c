// SPDX-License-Identifier: GPL-2.0
/*
 * Loads the embedded BPF object with bpf_object__open_mem() (bookworm's
 * bpftool writes skeletons that need a newer libbpf than it ships), sets
 * the tunables in .rodata, attaches the struct_ops link and moves records
 * through the two ring buffers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf_backend.h"
#include "topology.h"
#include "clock.h"
#include "fast_wake.h"
#include "kernel_tick.h"
#include "log.h"

#define SCX_ECODE_ACT_RESTART (1ull << 48)

/* The kernel's record and the ABI's task are the same bytes. */
_Static_assert(sizeof(struct plugland_queued) == sizeof(struct plugland_task), "queued");
_Static_assert(offsetof(struct plugland_queued, gen) == offsetof(struct plugland_task, cookie), "gen");
_Static_assert(offsetof(struct plugland_queued, comm) == offsetof(struct plugland_task, comm), "comm");
_Static_assert(sizeof(struct plugland_dispatch_rec) == sizeof(struct plugland_dispatch), "dispatch");
_Static_assert(offsetof(struct plugland_dispatch_rec, gen) == offsetof(struct plugland_dispatch, cookie), "cookie");

extern const char plugland_bpf_obj[], plugland_bpf_obj_end[];

struct bpf_backend {
	struct backend be;
	struct bpf_object *obj;
	struct bpf_link *link;
	struct ring_buffer *queued;
	struct user_ring_buffer *dispatched;
	struct plugland_shared *shared;	/* in the mmap()ed .bss */
	void *bss;
	size_t bss_len;
	int epoll_fd;
	int pick_fd, kick_fd, preempt_fd, counters_fd, clock_fd;
	uint32_t kernel_hz;	/* measured before attaching, when recording */
	const struct topology *topo;	/* the host's, for pick_idle_cpu() */
	/* CPUs pick_preempt_cpu() chose, kicked once the decisions are sent */
	int32_t preempt_cpus[PL_MAX_CPUS];
	uint32_t nr_preempt;
	int nr_possible;
	/* the loop's callback, for the duration of one consume() */
	backend_task_fn fn;
	void *fn_ctx;
	uint64_t nr_heartbeats;
	int failsafe_wait_ms;	/* longest sleep while BPF is in failsafe */
	bool park_host;		/* [bpf] park_host: park() yields */
};

#define BPFB(be) ((struct bpf_backend *)(be))

_Static_assert(sizeof(struct plugland_kernel_decision) == sizeof(struct backend_decided), "decided");
_Static_assert(offsetof(struct plugland_kernel_decision, cpu) == offsetof(struct backend_decided, cpu),
	       "decided.cpu");
_Static_assert(offsetof(struct plugland_kernel_decision, at_ns) == offsetof(struct backend_decided, at_ns),
	       "decided.at_ns");
_Static_assert(sizeof(struct plugland_task_event) == sizeof(struct backend_event) &&
	       offsetof(struct plugland_task_event, value) == offsetof(struct backend_event, value) &&
	       offsetof(struct plugland_task_event, value_hi) == offsetof(struct backend_event, value_hi),
	       "an event record is a struct backend_event");
_Static_assert(sizeof(struct plugland_queued) == sizeof(struct plugland_task) &&
	       offsetof(struct plugland_queued, kind) == offsetof(struct plugland_task, reserved),
	       "a queued record is a struct plugland_task, its kind in `reserved`");

static int on_record(void *ctx, void *data, size_t size)
{
	struct bpf_backend *b = ctx;
	const struct plugland_queued *q = data;

	if (size < sizeof(*q))
		return 0;
	switch (q->kind) {
	case PL_REC_HEARTBEAT:
		b->nr_heartbeats++;
		return 0;
	case PL_REC_DECIDED:
		if (size < sizeof(struct plugland_kernel_decision))
			return 0;
		break;
	case PL_REC_EVENT:
		if (size < sizeof(struct plugland_task_event))
			return 0;
		break;
	case PL_REC_TASK:
	case PL_REC_GONE:
		break;
	default:
		return 0; /* from a newer BPF half: not ours to guess */
	}
	return b->fn(b->fn_ctx, q->kind, data);
}

static int bpfb_consume(struct backend *be, backend_task_fn fn, void *ctx)
{
	struct bpf_backend *b = BPFB(be);
	int n;

	b->shared->usersched_needed = 0;
	b->fn = fn;
	b->fn_ctx = ctx;
	n = ring_buffer__consume(b->queued);
	return n < 0 ? n : n;
}

/* Preempt the CPUs chosen since the last call: their decisions are out. */
static void kick_preempted(struct bpf_backend *b)
{
	uint32_t i;

	for (i = 0; i < b->nr_preempt; i++) {
		struct plugland_preempt_args args = { .cpu = b->preempt_cpus[i] };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));

		bpf_prog_test_run_opts(b->preempt_fd, &opts);
	}
	b->nr_preempt = 0;
}

/*
 * Records wait in the dispatch ring buffer: BPF drains it only in
 * ops.dispatch, which a CPU skips while its local DSQ holds a task, so
 * BPF puts no waking task there while this is up (direct_local). Set
 * after the submit; BPF clears it before it drains: a record is never
 * left behind a cleared flag.
 */
static void posted_dispatches(struct bpf_backend *b)
{
	__atomic_store_n(&b->shared->dispatch_posted, 1, __ATOMIC_SEQ_CST);
}

static unsigned int bpfb_dispatch(struct backend *be, const struct plugland_dispatch *d,
				  unsigned int n)
{
	struct bpf_backend *b = BPFB(be);
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *rec = user_ring_buffer__reserve(b->dispatched, sizeof(d[i]));

		if (!rec)
			break; /* full: the loop keeps the rest for later */
		memcpy(rec, &d[i], sizeof(d[i]));
		user_ring_buffer__submit(b->dispatched, rec);
	}
	if (i)
		posted_dispatches(b);
	kick_preempted(b);
	return i;
}

static int read_clock(const struct bpf_backend *b, struct plugland_clock_args *a)
{
	/* A syscall program writes its results back into ctx_in. */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = a, .ctx_size_in = sizeof(*a));

	return bpf_prog_test_run_opts(b->clock_fd, &opts);
}

/* Poll the tick count until it passes `after`: *a holds the first reading
 * that does. -1: it did not within `limit_ns` of the clock. */
static int wait_tick(const struct bpf_backend *b, uint64_t after, uint64_t limit_ns,
		     struct plugland_clock_args *a)
{
	do {
		if (read_clock(b, a))
			return -1;
	} while (a->jiffies <= after && a->ktime_ns < limit_ns);
	return a->jiffies > after ? 0 : -1;
}

/* Whether hz is a rate kernels are built with (kernel_tick_hz() snapped
 * the measurement to it). */
static bool standard_tick_rate(uint32_t hz)
{
	unsigned int i;

	for (i = 0; i < sizeof(kernel_tick_rates) / sizeof(kernel_tick_rates[0]); i++)
		if (hz == kernel_tick_rates[i])
			return true;
	return false;
}

/* One measurement: from a tick's edge to the first edge after a 200 ms
 * sleep. An edge is seen late when the vCPU or the poller is preempted (a
 * loaded emulator: 370 Hz was read over two ticks of a 250 Hz kernel);
 * over 50 ticks a few milliseconds late is still within the 5 % that
 * kernel_tick_hz() snaps. 0: not measurable. */
static uint32_t measure_tick_once(const struct bpf_backend *b)
{
	const struct timespec span = { .tv_sec = 0, .tv_nsec = 200000000 };
	struct plugland_clock_args a0, e1, mid, e2;

	if (read_clock(b, &a0) || wait_tick(b, a0.jiffies, a0.ktime_ns + 100000000, &e1))
		return 0;
	nanosleep(&span, NULL);
	if (read_clock(b, &mid) || wait_tick(b, mid.jiffies, mid.ktime_ns + 100000000, &e2))
		return 0;
	if (e2.jiffies <= e1.jiffies)
		return 0;
	return kernel_tick_hz((e2.ktime_ns - e1.ktime_ns) / (e2.jiffies - e1.jiffies));
}

/* The kernel's tick rate; 0: not measurable. A reading off every standard
 * rate is taken again, twice at most, before it is believed. */
static uint32_t measure_kernel_hz(const struct bpf_backend *b)
{
	uint32_t hz = 0;
	int i;

	for (i = 0; i < 3; i++) {
		hz = measure_tick_once(b);
		if (standard_tick_rate(hz))
			break;
	}
	return hz;
}

uint32_t bpf_backend_kernel_hz(struct backend *be)
{
	return BPFB(be)->kernel_hz;
}

static void bpfb_kick(struct backend *be)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	/* No CPU idle: none to kick; the next to reschedule drains them. */
	if (__atomic_load_n(&BPFB(be)->shared->nr_idle_cpus, __ATOMIC_RELAXED) <= 0)
		return;
	bpf_prog_test_run_opts(BPFB(be)->kick_fd, &opts);
}

/*
 * Park: yield, and let BPF run us again at a CPU's next switch while work
 * waits (bpf/plugland.bpf.c, "The parked host"). The flag goes up before
 * the last look at the ring buffer: a record queued after it sees the flag
 * and calls for us; one queued before is seen here.
 */
static bool bpfb_park(struct backend *be)
{
	struct bpf_backend *b = BPFB(be);

	if (!b->park_host)
		return false;
	__atomic_store_n(&b->shared->host_parked, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&b->shared->usersched_needed, __ATOMIC_SEQ_CST) &&
	    !ring__avail_data_size(ring_buffer__ring(b->queued, 0)))
		sched_yield();
	/* Run by BPF (it cleared the flag) or kept running by the kernel
	 * (nothing else to run here: the flag is still up). */
	__atomic_store_n(&b->shared->host_parked, 0, __ATOMIC_RELAXED);
	return true;
}

static void bpfb_publish(struct backend *be, uint64_t nr_held, uint64_t now_ns)
{
	struct plugland_shared *sh = BPFB(be)->shared;

	__atomic_store_n(&sh->nr_scheduled, nr_held, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->host_progress_ns, now_ns, __ATOMIC_RELEASE);
}

static int bpfb_wait(struct backend *be, int timeout_ms)
{
	struct bpf_backend *b = BPFB(be);
	struct epoll_event ev;
	int n;

	/*
	 * Announce the sleep before the last look at the ring buffer: a CPU
	 * that goes idle after this sees the flag and sends a wake-up; one
	 * that went idle before left data we see here.
	 */
	__atomic_store_n(&b->shared->host_sleeping, 1, __ATOMIC_SEQ_CST);
	if (ring__avail_data_size(ring_buffer__ring(b->queued, 0))) {
		__atomic_store_n(&b->shared->host_sleeping, 0, __ATOMIC_RELAXED);
		return 1;
	}
	/* In failsafe BPF queues nothing to us: stamp progress often enough
	 * (even when idle) for it to see that we are back. */
	if (__atomic_load_n(&b->shared->failsafe, __ATOMIC_RELAXED) &&
	    (timeout_ms < 0 || timeout_ms > b->failsafe_wait_ms))
		timeout_ms = b->failsafe_wait_ms;
	n = epoll_wait(b->epoll_fd, &ev, 1, timeout_ms);
	__atomic_store_n(&b->shared->host_sleeping, 0, __ATOMIC_RELAXED);
	return n < 0 ? -errno : n;
}

static int bpfb_pick_idle_cpu(struct backend *be, const struct plugland_task *task)
{
	struct plugland_pick_cpu_args args = { .pid = task->pid, .prev_cpu = task->cpu };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));

	args.nr_cands = (uint32_t)topology_idle_order(BPFB(be)->topo, task->cpu, args.cands,
						      PL_PICK_CANDS);

	if (bpf_prog_test_run_opts(BPFB(be)->pick_fd, &opts))
		return -1;
	return args.ret_cpu >= 0 ? args.ret_cpu : -1;
}

/*
 * The CPU running the least urgent task (largest vtime) among those
 * running, for min_run_ns at least, one less urgent than `vtime`. The
 * task's CPU mask is not known here: a task that may not run everywhere
 * gets none.
 */
static int bpfb_pick_preempt_cpu(struct backend *be, const struct plugland_task *task,
				 uint64_t vtime, uint64_t min_run_ns)
{
	struct bpf_backend *b = BPFB(be);
	uint64_t worst = vtime, now = pl_now_ns();
	int32_t cpu, found = -1;

	if (task->nr_cpus_allowed < be->nr_cpus || b->nr_preempt == PL_MAX_CPUS)
		return -1;
	/* The first request turns publishing on: nothing to compare yet. */
	if (!__atomic_load_n(&b->shared->publish_running, __ATOMIC_RELAXED)) {
		__atomic_store_n(&b->shared->publish_running, 1, __ATOMIC_RELAXED);
		return -1;
	}
	for (cpu = 0; cpu < (int32_t)be->nr_cpus; cpu++) {
		struct plugland_running *r = &b->shared->running[cpu];
		uint64_t v = __atomic_load_n(&r->vtime, __ATOMIC_RELAXED);

		if (v > worst && now - __atomic_load_n(&r->since_ns, __ATOMIC_RELAXED) >= min_run_ns) {
			worst = v;
			found = cpu;
		}
	}
	if (found < 0)
		return -1;
	/* Claimed: not chosen again before it runs something new. */
	__atomic_store_n(&b->shared->running[found].vtime, 0, __ATOMIC_RELAXED);
	b->preempt_cpus[b->nr_preempt++] = found;
	return found;
}

static void bpfb_set_ordered(struct backend *be, bool ordered)
{
	__atomic_store_n(&BPFB(be)->shared->ordered, ordered, __ATOMIC_RELAXED);
}

/* Not a decision: one record ahead of the decisions of this round, so
 * that BPF has the base before the task can run and wake again. Lost
 * when the ring buffer is full: that task's wake-ups then go the slow way,
 * or from the base it had. */
static void bpfb_set_wake_vtime(struct backend *be, int32_t pid, uint64_t runtime_ns,
				uint64_t vtime)
{
	struct bpf_backend *b = BPFB(be);
	struct plugland_dispatch_rec *rec = user_ring_buffer__reserve(b->dispatched, sizeof(*rec));

	if (!rec)
		return;
	*rec = (struct plugland_dispatch_rec){
		.pid = pid, .cpu = PL_CPU_WAKE_BASE, .slice_ns = runtime_ns, .vtime = vtime,
		.gen = __atomic_load_n(&b->shared->wake_base_gen, __ATOMIC_RELAXED),
	};
	user_ring_buffer__submit(b->dispatched, rec);
	posted_dispatches(b);
}

static void bpfb_set_wake_rule(struct backend *be, const struct plugland_wake_rule *r)
{
	struct plugland_shared *sh = BPFB(be)->shared;

	__atomic_store_n(&sh->wake_floor, r->floor, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->wake_slice_ns, r->slice_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->wake_preempt_min_ns, r->preempt_min_run_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->wake_preempt_flags, r->preempt_flags, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->wake_preempt_hog_slices, wake_rule_hog_slices(r), __ATOMIC_RELAXED);
	__atomic_store_n(&sh->wake_preempt_margin, r->preempt_margin, __ATOMIC_RELAXED);
}

static uint32_t bpfb_set_fast_wake(struct backend *be, uint32_t flags)
{
	uint32_t bits = 0, sh_gen;

	if (flags & PLUGLAND_POLICY_FAST_WAKE_IDLE)
		bits = PL_FAST_WAKE_IDLE | PL_FAST_WAKE_PREV;
	else if (flags & PLUGLAND_POLICY_FAST_WAKE_PREV)
		bits = PL_FAST_WAKE_PREV;
	if (flags & PLUGLAND_POLICY_FAST_WAKE_QUEUE)
		bits |= PL_FAST_WAKE_QUEUE;
	if (flags & PLUGLAND_POLICY_FAST_WAKE_LOCAL)
		bits |= PL_FAST_WAKE_LOCAL;
	if ((flags & FAST_WAKE_DIRECT_LOCAL) && (flags & PLUGLAND_POLICY_FAST_WAKE_QUEUE))
		bits |= PL_FAST_WAKE_DIRECT;
	if (flags & PLUGLAND_POLICY_FAST_WAKE_VTIME) {
		bits |= PL_FAST_WAKE_VTIME;
		/* A new policy's rule starts from nothing: no floor, the
		 * default slice, no preemption, until it sets its own. */
		bpfb_set_wake_rule(be, &(struct plugland_wake_rule){ 0 });
	}
	/* Whoever comes next keeps its own virtual time: the bases given so
	 * far are void (0 is "never set": skipped). */
	sh_gen = __atomic_load_n(&BPFB(be)->shared->wake_base_gen, __ATOMIC_RELAXED) + 1;
	__atomic_store_n(&BPFB(be)->shared->wake_base_gen, sh_gen ? sh_gen : 1, __ATOMIC_RELAXED);
	__atomic_store_n(&BPFB(be)->shared->fast_wake, bits, __ATOMIC_RELAXED);
	return flags & (FAST_WAKE_FLAGS | FAST_WAKE_DIRECT_LOCAL);
}

static bool bpfb_exited(struct backend *be)
{
	return __atomic_load_n(&BPFB(be)->shared->exit_kind, __ATOMIC_ACQUIRE) != 0;
}

static uint32_t bpfb_nr_idle_cpus(struct backend *be)
{
	int32_t n = __atomic_load_n(&BPFB(be)->shared->nr_idle_cpus, __ATOMIC_RELAXED);

	return n > 0 ? (uint32_t)n : 0;
}

static int bpfb_counters(struct backend *be, struct plugland_counters *out);
static bool bpfb_failsafe(struct backend *be);

static const struct backend_ops bpf_ops = {
	.name = "bpf",
	.consume = bpfb_consume,
	.dispatch = bpfb_dispatch,
	.kick = bpfb_kick,
	.park = bpfb_park,
	.publish = bpfb_publish,
	.wait = bpfb_wait,
	.pick_idle_cpu = bpfb_pick_idle_cpu,
	.pick_preempt_cpu = bpfb_pick_preempt_cpu,
	.set_ordered = bpfb_set_ordered,
	.set_fast_wake = bpfb_set_fast_wake,
	.set_wake_vtime = bpfb_set_wake_vtime,
	.set_wake_rule = bpfb_set_wake_rule,
	.exited = bpfb_exited,
	.nr_idle_cpus = bpfb_nr_idle_cpus,
	.counters = bpfb_counters,
	.failsafe = bpfb_failsafe,
};

/* Offset of global `var` in internal map `sec` (".rodata", ".bss"), or -1. */
static long global_var_offset(struct bpf_object *obj, const char *sec, const char *var, size_t want)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	int id, i;

	id = btf ? btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC) : -1;
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(t);
	for (i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, v->name_off), var))
			return vs->size == want ? (long)vs->offset : -1;
	}
	return -1;
}

/*
 * Before load: set a u64 member of the struct_ops map's value, found by
 * name in the object's BTF (the layout is the kernel's, not ours).
 */
static int struct_ops_set_u64(struct bpf_object *obj, const char *map_name, const char *type,
			      const char *member, uint64_t value)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map = bpf_object__find_map_by_name(obj, map_name);
	const struct btf_member *m;
	const struct btf_type *t;
	size_t size;
	char *data;
	int id, i;

	id = btf ? btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT) : -1;
	if (id < 0 || !map || !(data = bpf_map__initial_value(map, &size)))
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		size_t off = btf_member_bit_offset(t, i) / 8;

		if (strcmp(btf__name_by_offset(btf, m->name_off), member))
			continue;
		if (off + sizeof(value) > size)
			return -EINVAL;
		memcpy(data + off, &value, sizeof(value));
		return 0;
	}
	return -ENOENT;
}

/*
 * Out of debug mode the callbacks that only record task events are not
 * attached at all (a NULL op is one the kernel never calls), nor loaded:
 * recording off costs nothing, not even a call per context switch.
 */
static int drop_recording_ops(struct bpf_object *obj)
{
	static const char *const ops[] = { "runnable", "stopping", "quiescent", "set_weight",
					   "set_cpumask" };
	char prog[64];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct bpf_program *p;

		snprintf(prog, sizeof(prog), "plugland_%s", ops[i]);
		p = bpf_object__find_program_by_name(obj, prog);
		ret = struct_ops_set_u64(obj, "plugland_ops", "sched_ext_ops", ops[i], 0);
		if (!p || ret)
			return ret ? ret : -ENOENT;
		bpf_program__set_autoload(p, false);
	}
	return 0;
}

/*
 * The kernel counts CPU hotplug events; a scheduler that names the count
 * it saw before loading is ejected with a "restart" exit when a CPU came or
 * went meanwhile, instead of starting with a stale view of the CPUs.
 * 0 (no check) when the kernel does not publish the count.
 */
static uint64_t read_hotplug_seq(void)
{
	unsigned long long seq = 0;
	FILE *f = fopen("/sys/kernel/sched_ext/hotplug_seq", "re");

	if (f) {
		if (fscanf(f, "%llu", &seq) != 1)
			seq = 0;
		fclose(f);
	}
	return seq;
}

/* Before load: where to write a tunable, in libbpf's copy of .rodata. */
static void *rodata_var(struct bpf_object *obj, const char *var, size_t want)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	long off = global_var_offset(obj, ".rodata", var, want);
	size_t size;
	char *data;

	if (!map || off < 0 || !(data = bpf_map__initial_value(map, &size)) || off + want > size)
		return NULL;
	return data + off;
}

/*
 * After load: a shared mapping of .bss. (Only libbpf's skeleton code
 * remaps internal maps onto the kernel's memory; without a skeleton the
 * initial value stays a private copy.)
 */
static void *bss_var(struct bpf_backend *b, const char *var, size_t want)
{
	struct bpf_map *map = bpf_object__find_map_by_name(b->obj, ".bss");
	long off = global_var_offset(b->obj, ".bss", var, want);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *mem;

	if (!map || off < 0 || off + want > bpf_map__value_size(map))
		return NULL;
	b->bss_len = (bpf_map__value_size(map) + page - 1) / page * page;
	mem = mmap(NULL, b->bss_len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
	if (mem == MAP_FAILED)
		return NULL;
	b->bss = mem;
	return (char *)mem + off;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings and the verifier log only with -v; -vv: all. */
	if (pl_verbose == 0 || (level == LIBBPF_DEBUG && pl_verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -1;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -1;
}

struct backend *bpf_backend_open(const struct bpf_backend_opts *o, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .object_name = "plugland");
	struct epoll_event ev = { .events = EPOLLIN };
	struct plugland_config *cfg;
	struct bpf_backend *b;
	const char *step;
	int ret;

	libbpf_set_print(libbpf_print);
	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->epoll_fd = -1;
	b->be.ops = &bpf_ops;
	b->topo = o->topo;
	b->nr_possible = libbpf_num_possible_cpus();
	b->be.nr_cpus = (uint32_t)b->nr_possible;

	step = "open the BPF object";
	b->obj = bpf_object__open_mem(plugland_bpf_obj, (size_t)(plugland_bpf_obj_end - plugland_bpf_obj),
				      &open_opts);
	if (!b->obj) {
		ret = -errno;
		goto fail;
	}
	step = "find the BPF tunables";
	ret = -ENOENT;
	cfg = rodata_var(b->obj, "cfg", sizeof(*cfg));
	if (!cfg)
		goto fail;
	cfg->host_tgid = getpid();
	cfg->host_pid = gettid();
	cfg->nr_cpus = b->be.nr_cpus;
#define TO_RODATA_U32(key, d, lo, hi, chk, field, conv) cfg->field = conv(o->bpf->key);
#define TO_RODATA_BOOL(key, d, field) cfg->field = o->bpf->key;
	PL_BPF_SETTINGS(TO_RODATA_U32, TO_RODATA_BOOL)
#undef TO_RODATA_U32
#undef TO_RODATA_BOOL
	b->failsafe_wait_ms = (int)(o->bpf->failsafe_ms / 4);
	b->park_host = o->bpf->park_host;
	cfg->slice_ns = o->slice_ns;
	if (b->be.nr_cpus > PL_MAX_CPUS) {
		ret = -E2BIG;
		step = "support this many CPUs";
		goto fail;
	}
	bpf_map__set_max_entries(bpf_object__find_map_by_name(b->obj, "queued"), cfg->ringbuf_bytes);
	bpf_map__set_max_entries(bpf_object__find_map_by_name(b->obj, "dispatched"), cfg->ringbuf_bytes);

	step = "set the CPU hotplug sequence";
	ret = struct_ops_set_u64(b->obj, "plugland_ops", "sched_ext_ops", "hotplug_seq",
				 read_hotplug_seq());
	if (ret)
		goto fail;
	cfg->record_events = o->record_events;
	if (!o->record_events) {
		step = "leave out the callbacks that only record";
		ret = drop_recording_ops(b->obj);
		if (ret)
			goto fail;
	}
	step = "load the BPF scheduler";
	ret = bpf_object__load(b->obj);
	if (ret)
		goto fail;
	step = "map the BPF shared state";
	ret = -ENOENT;
	b->shared = bss_var(b, "shared", sizeof(*b->shared));
	b->pick_fd = prog_fd(b->obj, "pick_idle_cpu");
	b->kick_fd = prog_fd(b->obj, "kick_idle_cpu");
	b->preempt_fd = prog_fd(b->obj, "preempt_cpu");
	b->clock_fd = prog_fd(b->obj, "read_clock");
	b->counters_fd = map_fd(b->obj, "counters");
	if (!b->shared || b->pick_fd < 0 || b->kick_fd < 0 || b->preempt_fd < 0 ||
	    b->clock_fd < 0 || b->counters_fd < 0)
		goto fail;

	step = "set up the ring buffers";
	b->queued = ring_buffer__new(map_fd(b->obj, "queued"), on_record, b, NULL);
	b->dispatched = user_ring_buffer__new(map_fd(b->obj, "dispatched"), NULL);
	if (!b->queued || !b->dispatched) {
		ret = -errno;
		goto fail;
	}
	b->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epoll_fd < 0 ||
	    epoll_ctl(b->epoll_fd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(b->queued), &ev)) {
		ret = -errno;
		goto fail;
	}

	/* Alive from the start, or the first heartbeat sees a silent host. */
	b->shared->host_progress_ns = pl_now_ns();
	/* Before attaching: the polling must not hold tasks up. */
	if (o->record_events)
		b->kernel_hz = measure_kernel_hz(b);
	step = "attach to sched_ext";
	b->link = bpf_map__attach_struct_ops(bpf_object__find_map_by_name(b->obj, "plugland_ops"));
	if (!b->link) {
		ret = -errno;
		goto fail;
	}
	return &b->be;
fail:
	snprintf(err, errlen, "failed to %s: %s%s", step, strerror(-ret),
		 pl_verbose ? "" : " (run with -v for libbpf's log)");
	bpf_backend_close(&b->be, NULL);
	errno = -ret;
	return NULL;
}

void bpf_backend_detach(struct backend *be)
{
	struct bpf_backend *b = BPFB(be);

	/*
	 * Destroying the link starts the kernel's disable path, which runs
	 * ops.exit from a kthread: 6.18 may return before it ran, so give it
	 * a moment to record the exit info.
	 */
	if (b && b->link) {
		bpf_link__destroy(b->link);
		b->link = NULL;
		for (int i = 0; i < 200 && b->shared && !bpfb_exited(&b->be); i++)
			usleep(10000);
	}
}

/* The kernel collects run counts and times of BPF programs only while
 * kernel.bpf_stats_enabled is set (it costs two clock reads a call). */
static bool kernel_bpf_stats_on(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int on = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &on) != 1)
		on = 0;
	fclose(f);
	return on > 0;
}

void bpf_backend_print_prog_stats(struct backend *be)
{
	struct bpf_backend *b = BPFB(be);
	struct bpf_program *prog;
	bool header = false;

	if (!b || !kernel_bpf_stats_on())
		return;
	bpf_object__for_each_program(prog, b->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_prog_get_info_by_fd(fd, &info, &len) || !info.run_cnt)
			continue;
		if (!header) {
			printf("scx_plugland: BPF callbacks (kernel.bpf_stats_enabled)\n");
			printf("  %-28s %12s %10s %12s\n", "program", "calls", "ns/call", "total ms");
			header = true;
		}
		printf("  %-28s %12llu %10llu %12llu\n", bpf_program__name(prog),
		       (unsigned long long)info.run_cnt,
		       (unsigned long long)(info.run_time_ns / info.run_cnt),
		       (unsigned long long)(info.run_time_ns / 1000000));
	}
	fflush(stdout);
}

void bpf_backend_close(struct backend *be, struct bpf_exit_info *ei)
{
	struct bpf_backend *b = BPFB(be);

	if (!b)
		return;
	bpf_backend_detach(be);
	if (ei) {
		memset(ei, 0, sizeof(*ei));
		if (b->shared) {
			ei->kind = __atomic_load_n(&b->shared->exit_kind, __ATOMIC_ACQUIRE);
			ei->exit_code = b->shared->exit_code;
			memcpy(ei->reason, b->shared->exit_reason, sizeof(ei->reason) - 1);
			memcpy(ei->msg, b->shared->exit_msg, sizeof(ei->msg) - 1);
			memcpy(ei->dump, b->shared->exit_dump, sizeof(ei->dump) - 1);
		}
	}
	if (b->epoll_fd >= 0)
		close(b->epoll_fd);
	if (b->bss)
		munmap(b->bss, b->bss_len);
	ring_buffer__free(b->queued);
	user_ring_buffer__free(b->dispatched);
	bpf_object__close(b->obj);
	free(b);
}

static int bpfb_counters(struct backend *be, struct plugland_counters *out)
{
	struct bpf_backend *b = BPFB(be);
	struct plugland_counters *percpu;
	uint32_t key = 0;
	int cpu, ret;
	size_t i;

	percpu = calloc((size_t)b->nr_possible, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	ret = bpf_map_lookup_elem(b->counters_fd, &key, percpu);
	memset(out, 0, sizeof(*out));
	for (cpu = 0; !ret && cpu < b->nr_possible; cpu++)
		for (i = 0; i < PL_NR_COUNTERS; i++)
			((u64 *)out)[i] += ((u64 *)&percpu[cpu])[i];
	free(percpu);
	return ret ? -errno : 0;
}

static bool bpfb_failsafe(struct backend *be)
{
	return __atomic_load_n(&BPFB(be)->shared->failsafe, __ATOMIC_RELAXED);
}

const char *scx_exit_kind_str(int32_t kind)
{
	switch (kind) {
	case 0: return "still attached";
	case 1: return "done";
	case 64: return "unregistered by user space";
	case 65: return "unregistered by the BPF program";
	case 66: return "unregistered by the kernel";
	case 67: return "disabled by sysrq-S";
	case 1024: return "runtime error";
	case 1025: return "error in the BPF program";
	case 1026: return "runnable task stall (watchdog)";
	default: return "unknown exit kind";
	}
}

bool scx_exit_wants_restart(const struct bpf_exit_info *ei)
{
	return (uint64_t)ei->exit_code & SCX_ECODE_ACT_RESTART;
}

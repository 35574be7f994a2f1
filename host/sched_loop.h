/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scheduling loop: moves queued tasks from a backend into the policy
 * and the policy's decisions back to the backend. Single-threaded; no
 * allocation after sched_loop_init().
 */
#ifndef PLUGLAND_SCHED_LOOP_H
#define PLUGLAND_SCHED_LOOP_H

#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <plugland/plugin.h>
#include "backend.h"
#include "clock.h"
#include "fast_wake.h"
#include "held_set.h"

struct decision_log;
struct plugin_id;

#define LOOP_BATCH 64		 /* decisions asked of the policy at once */
#define LOOP_FALLBACK_CAP 65536 /* tasks the policy refused, power of two */
#define LOOP_MAX_TASKS 32768	 /* tasks tracked in the held set */
#define LOOP_IDLE_WAIT_MS 1000	 /* sleep while nothing is in flight */

struct sched_stats {
	uint64_t nr_enqueued;	/* tasks the policy accepted */
	uint64_t nr_dispatched;	/* decisions sent to the backend */
	uint64_t nr_refused;	/* tasks the policy refused: host dispatched them */
	uint64_t nr_invalid;	/* decisions fixed up: bad CPU, more than held */
	uint64_t nr_backlog;	/* times the backend was full and decisions waited */
	uint64_t nr_rounds;
	uint64_t nr_ticks;
	uint64_t nr_untracked;	/* held set full: a swap could not move these */
	uint64_t nr_gone;	/* exits reported (the policy's task_gone) */
	uint64_t nr_switches;	/* policy changes while attached */
	uint64_t nr_starved;	/* held past max_wait: dispatched by the host */
	uint64_t nr_dropped;	/* what the old policy held beyond the held set at a
				   switch: stale duplicates and untracked tasks */
	uint64_t nr_by_kernel;	/* placements BPF made itself, told afterwards */
	uint64_t nr_task_events; /* debug mode: task events received from the kernel */
};

/*
 * The loop's books balance at every moment between rounds:
 *   nr_enqueued + nr_refused + nr_starved == nr_dispatched + in_flight + nr_dropped
 * (a starved task is dispatched by the host and later once more by its
 * policy, whose decision the kernel drops as stale).
 */

/*
 * Which policy callback the scheduling thread is in, for the watchdog
 * thread and the crash handler. `callback` is NULL outside the policy.
 * `phase` counts phases and `start_ns` stamps when the current one began
 * (a vDSO clock read per phase, and a phase is a batch of calls: about 2%
 * of fifo's instructions per decision): the watchdog sleeps until start +
 * limit, and says how long the callback was really stuck. (The coarse
 * clock would cost less, but lags the tick by up to 5 ms here.)
 *
 * `plugin` is set for the calls the host makes outside the loop while
 * attached (a switch's load, init() and exit()): it names their plugin,
 * and the watchdog gives them its longer limit.
 *
 * While the scheduling thread sleeps the watchdog parks (it need not look
 * at a loop that waits in epoll) and sets `parked`; the next phase to
 * begin calls unpark(). Both sides store, then load the other's word,
 * sequentially consistent: one of them sees the other, so a callback
 * never starts unwatched (policy_watch_enter()).
 */
struct policy_watch {
	const char *_Atomic callback;
	_Atomic uint64_t phase;
	_Atomic uint64_t start_ns;
	const char *_Atomic plugin;
	_Atomic int in_policy;	/* for the signal handler and the watchdog */
	_Atomic int parked;
	void (*unpark)(void *ctx);
	void *unpark_ctx;
};

/* Mark the phase the scheduling thread is in, for the watchdog. */
static inline void policy_watch_enter(struct policy_watch *w, const char *callback)
{
	/* The stamp before the phase (release): a watchdog that sees the
	 * phase sees this stamp or a later one, never times it early. */
	atomic_store_explicit(&w->start_ns, pl_now_ns(), memory_order_relaxed);
	atomic_store_explicit(&w->phase, atomic_load_explicit(&w->phase, memory_order_relaxed) + 1,
			      memory_order_release);
	/* Store, then load `parked` (seq_cst both, as the watchdog does):
	 * a watchdog that parked while we slept is woken before the call. */
	atomic_store_explicit(&w->callback, callback, memory_order_seq_cst);
	if (atomic_load_explicit(&w->parked, memory_order_seq_cst) && w->unpark)
		w->unpark(w->unpark_ctx);
}

static inline void policy_watch_leave(struct policy_watch *w)
{
	atomic_store_explicit(&w->callback, NULL, memory_order_release);
}

struct sched_loop {
	struct backend *be;
	/* Atomic: the watchdog thread reads it to name a stuck policy. */
	const struct plugland_policy *_Atomic policy;
	void *policy_ctx;	/* what its init() stored: every call takes it */
	/* The policy's identity for the guards (culprit.h): owns the
	 * threads its callbacks start. NULL: built-in or unnamed. */
	const struct plugin_id *guard_id;
	uint32_t tick_ms;
	uint32_t wait_ms;	/* longest sleep: the host stamps progress this often */
	uint32_t idle_wait_ms;	/* ... while nothing is in flight (>= wait_ms) */
	uint64_t max_wait_ns;	/* a task held longer is dispatched by the host (0: never) */
	uint64_t nr_held;	/* accepted by the policy, not yet dispatched */
	uint64_t held_oldest_ns; /* <= the enq_ns of every task in `held` */
	uint64_t next_tick_ns;
	enum fast_wake_mode fast_wake_mode; /* the operator's [bpf] idle_direct */
	bool local_queues;		    /* ... and [bpf] local_queues */
	bool direct_local;		    /* ... and [bpf] direct_local */
	uint32_t fast_wake;	/* PLUGLAND_POLICY_FAST_WAKE_* the backend applies */
	struct sched_stats st;
	struct policy_watch watch;
	struct held_set held;

	/* Every decision is appended here (NULL: no log). `recording` is
	 * switched by the control socket; policy_id names the policy in it. */
	struct decision_log *log;
	_Atomic bool recording;
	uint16_t policy_id;
	struct held_set spare;	/* the other half of a switch */

	/* The watchdog's way out of a stuck callback: siglongjmp here. */
	sigjmp_buf recover;
	volatile sig_atomic_t recover_armed;
	/* Called on the scheduling thread after a recovery: returns the
	 * policy to continue with (initialised, its context in *next_ctx),
	 * or NULL to stop. */
	const struct plugland_policy *(*recovered)(void *ctx, const struct plugland_policy *stuck,
						   const char *callback, void **next_ctx);
	void *recovered_ctx;
	/* What recovery switches to; a stuck fallback means exit. */
	const struct plugland_policy *fallback_policy;

	/* Decisions taken from the policy but not yet accepted by the backend. */
	struct plugland_dispatch out[LOOP_BATCH];
	unsigned int out_off, out_n;

	/* Called on the scheduling thread before each round: where signals
	 * (SIGHUP) and control commands are acted upon. Must be cheap when
	 * there is nothing to do. */
	void (*between_rounds)(void *ctx);
	void *between_ctx;
	/* ... called only when one of these is set (so a round costs two
	 * loads, not a call): SIGHUP's flag, the control socket's request.
	 * Neither NULL while between_rounds is set. */
	const volatile sig_atomic_t *reload_word;
	const atomic_int *control_word;

	/* A shadow policy's feed (shadow_feed.h), or NULL: none. Set and
	 * cleared by the host between rounds. */
	struct shadow_feed *shadow;
	uint64_t refill_now;	/* the clock of the last batch's decisions */

	/* Tasks the policy refused, dispatched FIFO by the host. */
	struct plugland_dispatch *fallback;
	uint32_t fb_head, fb_tail;
};

/* policy: initialised, with the context its init() stored. */
int sched_loop_init(struct sched_loop *l, struct backend *be,
		    const struct plugland_policy *policy, void *policy_ctx, uint32_t tick_ms);
void sched_loop_fini(struct sched_loop *l);
/* The operator's [bpf] idle_direct, local_queues and direct_local:
 * applied to the policy now and after every switch. */
void sched_loop_set_fast_wake_mode(struct sched_loop *l, enum fast_wake_mode mode,
				   bool local_queues, bool direct_local);
/* One round: consume all queued tasks, dispatch what the policy gives.
 * Returns the number of tasks consumed, or a negative errno. */
int sched_loop_round(struct sched_loop *l);
/* Hand every task the current policy holds to `next` (already
 * initialised) and make it the policy; the caller ends the old one. */
void sched_loop_switch_policy(struct sched_loop *l, const struct plugland_policy *next,
			      void *next_ctx);
/* Tasks taken from the backend and not yet handed back: held by the
 * policy, decided but waiting for room, or refused and waiting. */
uint64_t sched_loop_in_flight(const struct sched_loop *l);
/*
 * Once the backend has stopped (BPF detached): log the placements it made
 * itself and told after the last round, which no wake-up announced. Not
 * to the policy: it is about to exit, or is the one that failed.
 */
void sched_loop_drain_decided(struct sched_loop *l);
/* Rounds until *stop is set or the backend reports that it exited. */
int sched_loop_run(struct sched_loop *l, volatile sig_atomic_t *stop);

#endif

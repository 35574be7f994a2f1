#!/usr/bin/env bash
# tests/mutants.sh [--vm] [NAME...]: the mutation pass of docs/testing.md.
# Each mutant breaks one line on the scheduling path the way a slip
# would; the test named beside it must then fail. Runs in a throwaway
# worktree of HEAD (your tree is not touched); prints one line a mutant:
# CAUGHT (a test failed, or ran past 120 s; its first failure shown, the
# output in build/mutants/), MISSED (the test passed on broken code: a test
# to write) or NOBUILD (the mutant itself is broken).
# --vm also runs the mutants that need the VM (a boot of a few cases
# each, some minutes apiece).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
vm=0
[ "${1:-}" = --vm ] && { vm=1; shift; }
only=" $* "

# NAME#FILE#OLD#NEW#TEST: OLD is exact text found once in FILE (\n
# between lines), NEW replaces it; TEST is a test program, or vm:CASES
mutants=(
"switch-drops#host/sched_loop.c#	if (IN_POLICY(l, l->policy->enqueue(l->policy_ctx, t)) == 0) {#	if (c->moved + c->refused == 0) { c->refused = 1; return; } if (IN_POLICY(l, l->policy->enqueue(l->policy_ctx, t)) == 0) {#build/tests/test_policy_switch"
"synth-direct-passes#host/synth_backend.c#		if (q < 0 || q == c)\n			return false;#		if (q < -1)\n			return false;#build/tests/test_fast_wake"
"direct-not-granted#host/fast_wake.h#	if (direct_local && (granted & PLUGLAND_POLICY_FAST_WAKE_QUEUE))#	if (direct_local && 0)#build/tests/test_fast_wake"
"refused-lost#host/sched_loop.c#	l->st.nr_refused++;#	l->st.nr_refused++; return 0;#build/tests/test_sched_loop"
"starved-not-dispatched#host/sched_loop.c#		host_dispatches(l, t);\n		l->st.nr_starved++;#		l->st.nr_starved++;#build/tests/test_sched_loop"
"starve-at-once#host/sched_loop.c#		if (t->enq_ns > now - l->max_wait_ns) {#		if (0) {#build/tests/test_sched_loop"
"starve-bound-stale#host/sched_loop.c#	tracked = held_set_put(&l->held, task);\n	if (task->enq_ns < l->held_oldest_ns)#	tracked = held_set_put(&l->held, task);\n	if (0)#build/tests/test_sched_loop"
"held-bit-unset#host/held_set.c#		h->used[i / 64] |= 1ull << (i % 64);#		(void)0;#build/tests/test_sched_loop"
"held-walk-stale#host/held_set.c#		if (h->slots[i].pid) {#		if (1) {#build/tests/test_held_set"
"cpu-off-by-one#host/sched_loop.c#		if (l->out[i].cpu >= nr_cpus || l->out[i].cpu < PLUGLAND_CPU_ANY) {#		if (l->out[i].cpu > nr_cpus || l->out[i].cpu < PLUGLAND_CPU_ANY) {#build/tests/test_sched_loop"
"held-shift#host/held_set.c#		if (((j - home) & h->mask) >= ((j - i) & h->mask)) {#		if (((j - home) & h->mask) > ((j - i) & h->mask)) {#build/tests/test_held_set"
"held-overfill#host/held_set.c#		if (h->count >= (h->mask + 1) / 2)#		if (h->count > h->mask)#build/tests/test_held_set"
"loader-major#host/plugin_loader.c#	if (major < PLUGLAND_ABI_MAJOR) {#	if (0) {#build/tests/test_loader"
"loader-newer-major#host/plugin_loader.c#	if (major > PLUGLAND_ABI_MAJOR) {#	if (0) {#build/tests/test_loader"
"shared-state#plugins/fifo/fifo.c#	if (f->tail - f->head == f->capacity)#	static uint32_t first_capacity; if (!first_capacity) first_capacity = f->capacity; if (f->tail - f->head == first_capacity)#build/tests/test_two_instances"
"watch-unstamped#host/sched_loop.h#	atomic_store_explicit(&w->start_ns, pl_now_ns(), memory_order_relaxed);#	(void)0;#build/tests/test_watchdog"
"watchdog-no-escalation#host/watchdog.c#			escalate(w, cb, now - start);#			(void)escalate;#tests/host/cli.sh"
"slot-unwatched#host/policy_slot.c#	if (!s->watch)\n		return;\n	atomic_store_explicit(&s->watch->plugin, plugin, memory_order_relaxed);#	if (1)\n		return;\n	atomic_store_explicit(&s->watch->plugin, plugin, memory_order_relaxed);#tests/host/cli.sh"
"culprit-process-wide#host/culprit.c#	if (frame_id) {\n		*c = #	if (0) {\n		*c = #build/tests/test_culprit"
"threads-uncounted#host/interpose.c#	if (!owner)\n		return create(t, attr, fn, arg);#	if (1)\n		return create(t, attr, fn, arg);#build/tests/test_culprit"
"exit-unguarded#host/interpose.c#	culprit_ended_process(\"_exit\", status);#	(void)0;#tests/host/cli.sh"
"ctor-before-abi#host/plugin_loader.c#	if (peek_descriptor(fd, symbol, what, min_sz, why, sizeof(why))) {#	if (0 && peek_descriptor(fd, symbol, what, min_sz, why, sizeof(why))) {#tests/host/cli.sh"
"shadow-to-plugins#host/async_runner.c#	return rec->flags & (PLUGLAND_RECORD_EVENT | PLUGLAND_DECISION_SHADOW);#	return rec->flags & PLUGLAND_RECORD_EVENT;#build/tests/test_async_runner"
"shadow-round-split#host/shadow_feed.h#	if (!spsc_ring_room(&f->to_shadow, n + 1)) {#	if (!spsc_ring_room(&f->to_shadow, 1)) {#build/tests/test_shadow"
"shadow-order-ignored#host/shadow_compare.c#		shadow_compare_add(c, &real[j], &shadow[i], i == j);#		shadow_compare_add(c, &real[j], &shadow[i], true);#build/tests/test_shadow"
"shadow-in-dump#tools/dump_records.c#	if (decision_dump_is_shadow(d, rec)) /* only plugland-dump --shadow reads them */#	if (0)#tests/host/shadow.sh"
"rules-control-taken#include/plugland/ini_lines.h#		if (!ctl_at && c != '\\r' && ini_lines_control(c)) {#		if (0) {#build/tests/test_rules"
"vm:set-ignored#host/host.c#	memcpy(cfg->extra, fresh->extra, sizeof(fresh->extra));#	(void)0;#vm:ctl"
"vm:switch-uncounted#host/sched_loop.c#	l->st.nr_switches++;#	(void)0;#vm:swap"
"vm:host-to-user#bpf/plugland.bpf.c#	if (is_host_thread(p))\n		return true;#	if (is_host_thread(p) && !cfg.host_tgid)\n		return true;#vm:eject"
"vm:no-rescue#bpf/plugland.bpf.c#		if (!tctx || !tctx->in_user)\n			continue;#		if (1)\n			continue;#vm:sigstop"
"vm:leftovers-stuck#bpf/plugland.bpf.c#	if (!pl_dsq_move_to_local(PL_ORDERED_DSQ))\n		return false;#	if (!shared.ordered || !pl_dsq_move_to_local(PL_ORDERED_DSQ))\n		return false;#vm:leftovers"
"vm:leftovers-uncounted#bpf/plugland.bpf.c#	if (!pl_dsq_move_to_local(PL_ORDERED_DSQ))\n		return false;\n	if (!shared.ordered)\n		COUNT(nr_ordered_leftovers);#	if (!pl_dsq_move_to_local(PL_ORDERED_DSQ))\n		return false;\n	if (!shared.ordered)\n		(void)0;#vm:leftovers"
"vm:park-spins#host/sched_loop.c#		if (ret > 0) {\n			/* More may come#		if (ret > 0 || (l->be->ops->park && l->be->ops->park(l->be))) {\n			/* More may come#vm:park"
"vm:park-never-pulled#bpf/plugland.bpf.c#	if (!pl_dsq_move_to_local(PL_HOST_DSQ))\n		return false;#	if (1)\n		return false;#vm:park"
"vm:shadow-unfed#host/sched_loop.c#	if (SHADOWED(l))\n		shadow_feed_task(l->shadow, task);#	if (0)\n		shadow_feed_task(l->shadow, task);#vm:shadow"
"vm:ordered-local-any#bpf/plugland.bpf.c#	if (shared.fast_wake & PL_FAST_WAKE_LOCAL) {\n		*cpu = victim#	if (0) {\n		*cpu = victim#vm:fastwake"
"vm:no-own-leftover#bpf/plugland.bpf.c#	if (move_own_leftover(cpu))\n		return true;#	if (0 && move_own_leftover(cpu))\n		return true;#vm:leftovers"
"vm:direct-always#bpf/plugland.bpf.c#	if (!(shared.fast_wake & PL_FAST_WAKE_DIRECT) || shared.nr_idle_cpus > 0 ||#	if (shared.nr_idle_cpus > 0 ||#vm:directlocal"
"vm:direct-never#bpf/plugland.bpf.c#	pl_dsq_insert(p, SCX_DSQ_LOCAL, cfg.slice_ns, enq_flags);\n	COUNT(nr_direct_local);\n	return true;#	return false;#vm:directlocal"
"vm:floor-no-direct#bench/floor.c#, \"direct\" }; /* enum floor_mode */# }; /* enum floor_mode */#vm:floor"
"vm:no-bounce#bpf/plugland.bpf.c#	if (cpu >= 0 && (u32)cpu < cfg.nr_cpus && bpf_cpumask_test_cpu(cpu, p->cpus_ptr)) {#	if (cpu >= 0 && (u32)cpu < cfg.nr_cpus) {#vm:fallbacks"
)

wt=$(mktemp -d /tmp/plugland-mutants.XXXXXX)
trap 'git -C "$top" worktree remove --force "$wt" >/dev/null 2>&1; rm -rf "$wt"' EXIT
git -C "$top" worktree add --detach "$wt" HEAD >/dev/null 2>&1 || { echo "cannot make a worktree" >&2; exit 2; }
ln -s "$top/.cache" "$wt/.cache" 2>/dev/null
chmod 755 "$wt" # cli.sh runs scx_plugland as nobody from the build tree
cd "$wt" || exit 2
echo "mutants on $(git rev-parse --short HEAD): building the unbroken tree first"
make -s -j2 all build/tests/test_policy_switch build/tests/test_sched_loop build/tests/test_held_set \
	build/tests/test_loader build/tests/test_two_instances build/tests/test_watchdog \
	build/tests/test_culprit build/tests/test_rules build/tests/test_shadow \
	build/tests/test_async_runner >/dev/null || { echo "the unbroken tree does not build" >&2; exit 2; }

missed=0
logs=$top/build/mutants # each mutant's test output, kept
mkdir -p "$logs"
for m in "${mutants[@]}"; do
	IFS='#' read -r name file old new test <<<"$m"
	old=${old//\\n/$'\n'} new=${new//\\n/$'\n'}
	[ "$only" = "  " ] || [[ "$only" == *" $name "* ]] || continue
	[[ $name == vm:* ]] && [ $vm = 0 ] && { echo "SKIPPED $name (needs --vm)"; continue; }
	OLD=$old NEW=$new python3 - "$file" <<'PY' || { echo "STALE   $name: the line is not in $file"; missed=$((missed + 1)); continue; }
import os, sys
p = sys.argv[1]; s = open(p).read(); o = os.environ["OLD"]
if s.count(o) != 1: sys.exit(1)
open(p, "w").write(s.replace(o, os.environ["NEW"]))
PY
	log=$logs/${name#vm:}.log
	if [[ $test == vm:* ]]; then
		built=$(make -s test-vm-deps 2>&1)
	elif [[ $test == *.sh ]]; then
		built=$(make -s all build/tests/plugins/{hang,crash,hoard,quit,stray,crashasync,wrong_abi,stall}.so 2>&1)
	else
		built=$(make -s "$test" 2>&1)
	fi
	if [ $? != 0 ]; then
		echo "NOBUILD $name ($file): the mutant does not build: $(echo "$built" | grep -m1 error)"
		missed=$((missed + 1))
	elif if [[ $test == vm:* ]]; then tests/vm/run.sh build "${test#vm:}"; else timeout 120 "$test"; fi \
		>"$log" 2>&1; then
		echo "MISSED  $name ($file): $test passed"
		missed=$((missed + 1))
	elif [[ $test == vm:* ]] && ! grep -aq "^FAIL ${test#vm:}" "$log"; then
		echo "MISSED  $name ($file): the boot failed without a FAIL of ${test#vm:} (see $log)"
		missed=$((missed + 1))
	else
		echo "CAUGHT  $name ($file) by $test: $(grep -aE -m1 '^FAIL |ERROR|FAILED' "$log" | cut -c1-160)"
	fi
	git checkout -q -- "$file"
done
exit $((missed > 0))

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The resolver: a thread of the rules plugin that classifies the tasks
 * whose rules enqueue() may not evaluate (cgroup rules read /proc, regex
 * matching allocates). enqueue() posts a request to a lock-free
 * single-producer single-consumer ring; the thread answers through a
 * second one, which dispatch() drains. The scheduling thread never waits:
 * a full ring drops the request, asked again at the task's next enqueue.
 */
#ifndef PLUGLAND_RESOLVER_H
#define PLUGLAND_RESOLVER_H

#include <stdbool.h>
#include <stdint.h>
#include <plugland/plugin.h>
#include "ruleset.h"

struct resolve_msg {
	int32_t pid, tgid;
	uint32_t gen;		/* generation of the rules it is matched against */
	int32_t rule;		/* the answer: index of the rule, -1 none */
	char comm[PLUGLAND_COMM_LEN];
};

struct resolver;

/* A thread reading PROC_ROOT/PID/cgroup; rings of `capacity` (power of two). */
struct resolver *resolver_start(const char *proc_root, uint32_t capacity);
void resolver_stop(struct resolver *r);
/* Rules to match against from now on; when this returns, the thread no
 * longer uses the previous ones (they may be freed). */
void resolver_set_rules(struct resolver *r, const struct ruleset *rs, uint32_t gen);
/* Scheduling thread only; never block or allocate. False: ring full/empty. */
bool resolver_ask(struct resolver *r, const struct resolve_msg *m);
bool resolver_answer(struct resolver *r, struct resolve_msg *m);

#endif

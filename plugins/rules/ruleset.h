/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A rules file: an ini file (libinih) with one section per rule, tried in
 * file order, the first match winning. A rule matches when all its match
 * keys do (comm, comm_regex, pid, tgid, cgroup) and gives the task a
 * class, and optionally a slice and a CPU set. docs/policies.md has the
 * format. Parsing and freeing allocate; matching does not, except
 * comm_regex and cgroup rules (regexec allocates, cgroups need /proc),
 * which only the resolver thread evaluates.
 */
#ifndef PLUGLAND_RULESET_H
#define PLUGLAND_RULESET_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <plugland/plugin.h>

#define RULES_MAX 1024

enum rule_class {
	RULE_NORMAL,		/* the deadline policy */
	RULE_LATENCY,		/* dispatched first, shorter slice */
	RULE_BACKGROUND,	/* only when nothing else waits */
};

struct rule {
	char name[64];		/* its [section] */
	int line;		/* where it starts, for messages */
	char *comm;		/* fnmatch() glob on the command name, or NULL */
	regex_t comm_re;	/* POSIX extended regex, when has_re */
	bool has_re;
	char *cgroup;		/* fnmatch() glob on the cgroup v2 path, or NULL */
	int32_t pid, tgid;	/* 0: any */
	enum rule_class class;
	uint64_t slice_ns;	/* 0: the class's own */
	uint64_t *cpus;		/* CPU bitmap, or NULL: any CPU */
	uint32_t nr_set_cpus;
};

struct ruleset {
	struct rule *rules;
	unsigned int nr;
	uint32_t nr_cpus;	/* CPUs that exist: 0..nr_cpus-1 */
	bool uses_cgroup;
	char path[256];
};

/* Parse `path`. NULL and "file:line: message" (or "file: message") in err. */
struct ruleset *ruleset_load(const char *path, uint32_t nr_cpus, char *err, size_t errlen);
void ruleset_free(struct ruleset *rs);
/* True when r needs the resolver (comm_regex or cgroup). */
bool rule_is_async(const struct rule *r);
/*
 * The first rule t matches, -1 for none, on the scheduling thread: stops
 * at the first rule it cannot evaluate there and sets *unsure (the
 * resolver must decide). Never allocates in the C locale.
 */
int ruleset_match_now(const struct ruleset *rs, const struct plugland_task *t, bool *unsure);
/* The first rule matching everything known about a task (cgroup NULL:
 * unknown, no cgroup rule matches). For the resolver thread. */
int ruleset_match_all(const struct ruleset *rs, int32_t pid, int32_t tgid, const char *comm,
		      const char *cgroup);
/* The CPU of r's set a task goes to: prev when in the set, else one
 * chosen by pid. -1 when r has no CPU set. */
int32_t rule_cpu(const struct ruleset *rs, const struct rule *r, int32_t pid, int32_t prev);

#endif

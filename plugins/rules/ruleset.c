// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <ini.h>
#include <plugland/ini_lines.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ruleset.h"

enum rule_key { KEY_COMM, KEY_COMM_REGEX, KEY_PID, KEY_TGID, KEY_CGROUP, KEY_CLASS, KEY_SLICE,
		KEY_CPUS, NR_KEYS };

static const char *const key_names[NR_KEYS] = {
	"comm", "comm_regex", "pid", "tgid", "cgroup", "class", "slice_us", "cpus",
};
static const char *const class_names[] = { "normal", "latency", "background", NULL };
#define MATCH_KEYS ((1u << KEY_COMM) | (1u << KEY_COMM_REGEX) | (1u << KEY_PID) | \
		    (1u << KEY_TGID) | (1u << KEY_CGROUP))

struct parse_ctx {
	struct ruleset *rs;
	struct ini_lines in;	/* the file; in.line: the line inih is on */
	int err_line;		/* line of msg, 0: no error yet */
	char msg[256];
	unsigned int seen;	/* keys of the current rule, bit per rule_key */
};

bool rule_is_async(const struct rule *r)
{
	return r->has_re || r->cgroup;
}

static int fail(struct parse_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parse_ctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
	p->err_line = p->in.line;
	return 0;
}

static int parse_id(const char *v, int32_t *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n <= 0 || n > INT32_MAX)
		return -1;
	*out = (int32_t)n;
	return 0;
}

/* "0-3,8" into a bitmap of nr_cpus bits. */
static int parse_cpus(struct parse_ctx *p, struct rule *r, const char *v)
{
	uint32_t nr = p->rs->nr_cpus;
	const char *s = v;

	r->cpus = calloc((nr + 63) / 64, sizeof(*r->cpus));
	if (!r->cpus)
		return fail(p, "out of memory");
	while (*s) {
		unsigned long lo, hi;
		char *end;

		lo = hi = strtoul(s, &end, 10);
		if (end == s)
			return fail(p, "cpus: expected a list like 0-3,8, got '%s'", v);
		if (*end == '-') {
			s = end + 1;
			hi = strtoul(s, &end, 10);
			if (end == s || hi < lo)
				return fail(p, "cpus: bad range in '%s'", v);
		}
		if (hi >= nr)
			return fail(p, "cpus: CPU %lu does not exist (this machine has 0-%u)", hi, nr - 1);
		for (; lo <= hi; lo++) {
			if (!(r->cpus[lo / 64] & (1ull << (lo % 64))))
				r->nr_set_cpus++;
			r->cpus[lo / 64] |= 1ull << (lo % 64);
		}
		if (*end && *end != ',')
			return fail(p, "cpus: expected a list like 0-3,8, got '%s'", v);
		s = *end ? end + 1 : end;
	}
	if (!r->nr_set_cpus)
		return fail(p, "cpus: empty list");
	return 1;
}

/* The rule of `section`: the current one, or a new one. NULL: failed. */
static struct rule *rule_of(struct parse_ctx *p, const char *section)
{
	struct ruleset *rs = p->rs;
	struct rule *r;
	unsigned int i;

	if (rs->nr && !strcmp(rs->rules[rs->nr - 1].name, section))
		return &rs->rules[rs->nr - 1];
	for (i = 0; i < rs->nr; i++) {
		if (!strcmp(rs->rules[i].name, section)) {
			fail(p, "rule [%s] again (first at line %d)", section, rs->rules[i].line);
			return NULL;
		}
	}
	if (strlen(section) >= sizeof(r->name)) {
		fail(p, "rule name [%s] longer than %zu characters", section, sizeof(r->name) - 1);
		return NULL;
	}
	if (rs->nr == RULES_MAX) {
		fail(p, "more than %d rules", RULES_MAX);
		return NULL;
	}
	r = realloc(rs->rules, (rs->nr + 1) * sizeof(*r));
	if (!r) {
		fail(p, "out of memory");
		return NULL;
	}
	rs->rules = r;
	r = &rs->rules[rs->nr++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", section);
	r->line = p->in.line;
	p->seen = 0;
	return r;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *p = user;
	unsigned int k, i;
	struct rule *r;
	int ret;

	if (p->err_line)
		return 0; /* keep the first message */
	if (!*section)
		return fail(p, "'%s' is outside any [rule]", key);
	r = rule_of(p, section);
	if (!r)
		return 0;
	for (k = 0; k < NR_KEYS && strcmp(key, key_names[k]); k++)
		;
	if (k == NR_KEYS)
		return fail(p, "unknown key '%s' in [%s]", key, section);
	if (p->seen & (1u << k))
		return fail(p, "duplicate key '%s' in [%s]", key, section);
	p->seen |= 1u << k;
	if (!*value)
		return fail(p, "%s: empty value", key);

	switch (k) {
	case KEY_COMM:
		r->comm = strdup(value);
		return r->comm ? 1 : fail(p, "out of memory");
	case KEY_CGROUP:
		r->cgroup = strdup(value);
		p->rs->uses_cgroup = true;
		return r->cgroup ? 1 : fail(p, "out of memory");
	case KEY_COMM_REGEX:
		ret = regcomp(&r->comm_re, value, REG_EXTENDED | REG_NOSUB);
		if (ret) {
			char why[128];

			regerror(ret, &r->comm_re, why, sizeof(why));
			regfree(&r->comm_re);
			return fail(p, "comm_regex: %s in '%s'", why, value);
		}
		r->has_re = true;
		return 1;
	case KEY_PID:
	case KEY_TGID:
		if (parse_id(value, k == KEY_PID ? &r->pid : &r->tgid))
			return fail(p, "%s: expected a process id, got '%s'", key, value);
		return 1;
	case KEY_CLASS:
		for (i = 0; class_names[i] && strcmp(value, class_names[i]); i++)
			;
		if (!class_names[i])
			return fail(p, "class: expected latency, normal or background, got '%s'", value);
		r->class = (enum rule_class)i;
		return 1;
	case KEY_SLICE: {
		unsigned long long us;
		char *end;

		errno = 0;
		us = strtoull(value, &end, 10);
		if (errno || *end || value[0] == '-' || us < 50 || us > 1000000)
			return fail(p, "slice_us: expected a number in [50, 1000000], got '%s'", value);
		r->slice_ns = us * 1000;
		return 1;
	}
	case KEY_CPUS:
		return parse_cpus(p, r, value);
	}
	return fail(p, "unknown key '%s'", key);
}

struct ruleset *ruleset_load(const char *path, uint32_t nr_cpus, char *err, size_t errlen)
{
	struct parse_ctx p = { 0 };
	unsigned int i;
	int line;

	p.rs = calloc(1, sizeof(*p.rs));
	if (!p.rs) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	p.rs->nr_cpus = nr_cpus ? nr_cpus : 1;
	snprintf(p.rs->path, sizeof(p.rs->path), "%s", path);
	p.in.f = fopen(path, "r");
	if (!p.in.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ruleset_free(p.rs);
		return NULL;
	}
	line = ini_parse_stream(ini_lines_read, &p.in, on_key, &p);
	fclose(p.in.f);
	if (p.in.bad_line && (!line || p.in.bad_line < line)) {
		/* A line the reader refused: it ended the parse. */
		snprintf(err, errlen, "%s:%d: %s", path, p.in.bad_line, p.in.why);
		ruleset_free(p.rs);
		return NULL;
	}
	if (line) {
		/* inih reports the first error's line: ours, or its own syntax error. */
		snprintf(err, errlen, "%s:%d: %s", path, line,
			 line == p.err_line ? p.msg : "syntax error: not a [rule], a key = value or a comment");
		ruleset_free(p.rs);
		return NULL;
	}
	for (i = 0; i < p.rs->nr; i++) {
		const struct rule *r = &p.rs->rules[i];

		if (!r->comm && !r->has_re && !r->cgroup && !r->pid && !r->tgid) {
			snprintf(err, errlen, "%s:%d: rule [%s] matches nothing: give it comm, "
				 "comm_regex, pid, tgid or cgroup (comm = * for every task)",
				 path, r->line, r->name);
			ruleset_free(p.rs);
			return NULL;
		}
	}
	return p.rs;
}

void ruleset_free(struct ruleset *rs)
{
	unsigned int i;

	if (!rs)
		return;
	for (i = 0; i < rs->nr; i++) {
		free(rs->rules[i].comm);
		free(rs->rules[i].cgroup);
		free(rs->rules[i].cpus);
		if (rs->rules[i].has_re)
			regfree(&rs->rules[i].comm_re);
	}
	free(rs->rules);
	free(rs);
}

/* The parts every rule can check anywhere: ids and the comm glob. */
static bool quick_match(const struct rule *r, int32_t pid, int32_t tgid, const char *comm)
{
	return (!r->pid || r->pid == pid) && (!r->tgid || r->tgid == tgid) &&
	       (!r->comm || fnmatch(r->comm, comm, 0) == 0);
}

int ruleset_match_now(const struct ruleset *rs, const struct plugland_task *t, bool *unsure)
{
	char comm[PLUGLAND_COMM_LEN + 1];
	unsigned int i;

	*unsure = false;
	if (!rs)
		return -1;
	memcpy(comm, t->comm, PLUGLAND_COMM_LEN);
	comm[PLUGLAND_COMM_LEN] = 0;
	for (i = 0; i < rs->nr; i++) {
		if (!quick_match(&rs->rules[i], t->pid, t->tgid, comm))
			continue;
		if (rule_is_async(&rs->rules[i])) {
			*unsure = true;
			return -1;
		}
		return (int)i;
	}
	return -1;
}

int ruleset_match_all(const struct ruleset *rs, int32_t pid, int32_t tgid, const char *comm,
		      const char *cgroup)
{
	unsigned int i;

	for (i = 0; rs && i < rs->nr; i++) {
		const struct rule *r = &rs->rules[i];

		if (!quick_match(r, pid, tgid, comm))
			continue;
		if (r->has_re && regexec(&r->comm_re, comm, 0, NULL, 0))
			continue;
		if (r->cgroup && (!cgroup || fnmatch(r->cgroup, cgroup, 0)))
			continue;
		return (int)i;
	}
	return -1;
}

int32_t rule_cpu(const struct ruleset *rs, const struct rule *r, int32_t pid, int32_t prev)
{
	uint32_t nth, c;

	if (!r->cpus)
		return -1;
	if (prev >= 0 && (uint32_t)prev < rs->nr_cpus && (r->cpus[prev / 64] & (1ull << (prev % 64))))
		return prev;
	/* Not there: spread the rule's tasks over its CPUs by pid. */
	nth = (uint32_t)pid % r->nr_set_cpus;
	for (c = 0;; c++)
		if ((r->cpus[c / 64] & (1ull << (c % 64))) && nth-- == 0)
			return (int32_t)c;
}

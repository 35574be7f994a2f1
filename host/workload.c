// SPDX-License-Identifier: GPL-2.0
/*
 * The workload file (workload.h): its parser and the draws of its
 * distributions. Sections are checked on their own line, as the reader
 * hands it to inih (inih calls the handler per key only: an empty or
 * repeated section would pass unseen); keys as inih hands them over;
 * what depends on several keys (a CPU set on the machine, a comm with
 * its suffix, a burst and its sleep) once the file is read, at the line
 * of the key or section concerned.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <plugland/ini_lines.h>
#include "config.h"
#include "workload.h"

#define ESC(text, buf) config_escape(text, buf, sizeof(buf))

enum group_key { G_COUNT, G_WEIGHT, G_NICE, G_COMM, G_BURST, G_SLEEP, G_CPUS, G_START, NR_G_KEYS };
static const char *const group_keys[NR_G_KEYS] = {
	"count", "weight", "nice", "comm", "burst", "sleep", "cpus", "start",
};
enum machine_key { M_CPUS, M_SMT, M_LLCS, M_SEED, NR_M_KEYS };
static const char *const machine_keys[NR_M_KEYS] = { "cpus", "smt", "llcs", "seed" };

/* Where each key was set (0: not set), for messages after the parse. */
struct group_lines {
	int key[NR_G_KEYS];
};

struct parse_ctx {
	struct workload *w;
	struct ini_lines in;
	int err_line;		/* of msg; 0: no error yet */
	char msg[256];
	/* the section the reader is in: "" before any, "machine", or a group */
	char section[INI_MAX_LINE];
	struct workload_group *group; /* NULL in [machine] */
	bool in_machine;
	int machine_line;	/* of [machine]; 0: none */
	int machine_key[NR_M_KEYS];
	struct group_lines lines[WORKLOAD_MAX_GROUPS];
	int count_total_line;	/* where the tasks went over the limit */
};

static int fail_at(struct parse_ctx *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail_at(struct parse_ctx *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line)
		return 0; /* the first message is the one reported */
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
	p->err_line = line;
	return 0;
}

#define fail(p, ...) fail_at(p, (p)->in.line, __VA_ARGS__)

/* --- numbers, durations, distributions, CPU lists ------------------ */

/* Digits only (no sign, no blank): strtoull takes "-5" and " 5". */
static int parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n > max)
		return -1;
	*out = n;
	return 0;
}

/* "50us" (units ns, us, ms, s), or "0"; at most WORKLOAD_MAX_NS. */
static int parse_duration(const char *v, uint64_t *out)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	};
	unsigned long long n;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno)
		return -1;
	if (!*end && n == 0) {
		*out = 0;
		return 0;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (n > WORKLOAD_MAX_NS / units[i].ns)
			return -1;
		*out = n * units[i].ns;
		return 0;
	}
	return -1;
}

/* "forever" (when allowed), "50us", "uniform:LO-HI", "exp:MEAN". */
static int parse_dist(struct parse_ctx *p, const char *key, const char *v, bool forever_ok,
		      uint64_t min_ns, struct workload_dist *d)
{
	char e[CONFIG_ESCAPED_MAX], lo[64];
	const char *dash;

	if (!strcmp(v, "forever")) {
		if (!forever_ok)
			return fail(p, "%s: only a burst may be forever", key);
		d->kind = WORKLOAD_FOREVER;
		d->a_ns = d->b_ns = 0;
		return 1;
	}
	if (!strncmp(v, "uniform:", 8)) {
		v += 8;
		dash = strchr(v, '-');
		if (!dash || (size_t)(dash - v) >= sizeof(lo))
			return fail(p, "%s: expected uniform:LO-HI, like uniform:10us-2ms, got "
				    "'uniform:%s'", key, ESC(v, e));
		snprintf(lo, sizeof(lo), "%.*s", (int)(dash - v), v);
		d->kind = WORKLOAD_UNIFORM;
		if (parse_duration(lo, &d->a_ns) || parse_duration(dash + 1, &d->b_ns))
			goto bad_duration;
		if (d->a_ns > d->b_ns)
			return fail(p, "%s: uniform:%s: the low end is above the high end", key,
				    ESC(v, e));
	} else if (!strncmp(v, "exp:", 4)) {
		v += 4;
		d->kind = WORKLOAD_EXP;
		d->b_ns = 0;
		if (parse_duration(v, &d->a_ns))
			goto bad_duration;
		if (!d->a_ns)
			return fail(p, "%s: exp:0 has no mean: use a fixed 0", key);
	} else {
		d->kind = WORKLOAD_FIXED;
		d->b_ns = 0;
		if (parse_duration(v, &d->a_ns))
			goto bad_duration;
	}
	if (d->a_ns < min_ns)
		return fail(p, "%s: at least %llu ns (0 CPU time is no burst)", key,
			    (unsigned long long)min_ns);
	return 1;
bad_duration:
	return fail(p, "%s: expected a duration like 50us (a whole number and ns, us, ms or s; "
		    "at most 3600s), got '%s'", key, ESC(v, e));
}

/* "0-3,8" into m; every CPU below SYNTH_MAX_CPUS (the machine's checked later). */
static int parse_cpus(struct parse_ctx *p, const char *v, struct synth_cpumask *m)
{
	char e[CONFIG_ESCAPED_MAX];
	const char *s = v;

	memset(m, 0, sizeof(*m));
	if (!*v)
		return fail(p, "cpus: an empty list: name the CPUs, like 0-1,3");
	while (*s) {
		uint64_t lo, hi, c;
		char num[16];
		size_t n = strspn(s, "0123456789");

		if (!n || n >= sizeof(num))
			goto bad;
		snprintf(num, sizeof(num), "%.*s", (int)n, s);
		if (parse_u64(num, SYNTH_MAX_CPUS - 1, &lo))
			goto too_big;
		s += n;
		hi = lo;
		if (*s == '-') {
			s++;
			n = strspn(s, "0123456789");
			if (!n || n >= sizeof(num))
				goto bad;
			snprintf(num, sizeof(num), "%.*s", (int)n, s);
			if (parse_u64(num, SYNTH_MAX_CPUS - 1, &hi))
				goto too_big;
			s += n;
			if (hi < lo)
				return fail(p, "cpus: %llu-%llu runs backwards", (unsigned long long)lo,
					    (unsigned long long)hi);
		}
		for (c = lo; c <= hi; c++)
			synth_cpumask_set(m, (uint32_t)c);
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			goto bad;
	}
	return 1;
bad:
	return fail(p, "cpus: expected a list of CPUs like 0-1,3, got '%s'", ESC(v, e));
too_big:
	return fail(p, "cpus: '%s' names a CPU above %d", ESC(v, e), SYNTH_MAX_CPUS - 1);
}

/* The kernel's sched_prio_to_weight[], nice -20..19 (1024 at nice 0). */
static const uint32_t nice_to_cfs_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
	1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
	110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};

/* As sched_ext scales it for p->scx.weight: 100 at nice 0, rounded. */
static uint64_t weight_of_nice(int nice)
{
	uint64_t w = (nice_to_cfs_weight[nice + 20] * 100ull + 512) / 1024;

	return w ? w : 1;
}

static int parse_nice(const char *v, int *out)
{
	char *end;
	long n;

	if (!*v || isspace((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < -20 || n > 19)
		return -1;
	*out = (int)n;
	return 0;
}

/* --- sections ----------------------------------------------------- */

static bool group_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n && n < WORKLOAD_NAME_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz"
						     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* A new [section] on the current line (inih's name for it: `name`). */
static int enter_section(struct parse_ctx *p, const char *name)
{
	char e[CONFIG_ESCAPED_MAX];
	struct workload_group *g;
	uint32_t i;

	snprintf(p->section, sizeof(p->section), "%s", name);
	p->group = NULL;
	p->in_machine = false;
	if (!strcmp(name, "machine")) {
		if (p->machine_line)
			return fail(p, "a second [machine] (the first is on line %d)", p->machine_line);
		p->machine_line = p->in.line;
		p->in_machine = true;
		return 1;
	}
	if (strncmp(name, "group", 5) || (name[5] != ' ' && name[5] != '\t'))
		return fail(p, "unknown section [%s]: expected [machine] or [group NAME]",
			    ESC(name, e));
	name += 5;
	name += strspn(name, " \t");
	if (!group_name_valid(name))
		return fail(p, "[group %s]: a group's name is 1 to %d letters, digits, '_' or '-'",
			    ESC(name, e), WORKLOAD_NAME_MAX - 1);
	for (i = 0; i < p->w->nr_groups; i++)
		if (!strcmp(p->w->groups[i].name, name))
			return fail(p, "a second [group %s] (the first is on line %d)", name,
				    p->w->groups[i].line);
	if (p->w->nr_groups == WORKLOAD_MAX_GROUPS)
		return fail(p, "more than %d groups", WORKLOAD_MAX_GROUPS);
	g = &p->w->groups[p->w->nr_groups++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	snprintf(g->comm, sizeof(g->comm), "%.*s", (int)sizeof(g->comm) - 1, name);
	g->weight = PLUGLAND_WEIGHT_DEFAULT;
	g->burst.kind = WORKLOAD_FOREVER;
	g->start.kind = WORKLOAD_FIXED;
	g->line = p->in.line;
	p->group = g;
	return 1;
}

/*
 * inih's reader, and where sections are seen: the line is the next one
 * inih parses. A section line is read as inih reads it (the text from
 * '[' to the first ']', or to an inline ';' comment: then inih's syntax
 * error).
 */
static char *read_line(char *buf, int size, void *user)
{
	struct parse_ctx *p = user;
	char *line = ini_lines_read(buf, size, &p->in), *s, *end;
	bool was_space = false;

	if (!line || p->err_line)
		return p->err_line ? NULL : line;
	s = line + strspn(line, " \t");
	if (*s != '[')
		return line;
	for (end = s + 1; *end && *end != ']' && !(was_space && *end == ';'); end++)
		was_space = isspace((unsigned char)*end);
	if (*end == ']') {
		char name[INI_MAX_LINE];

		snprintf(name, sizeof(name), "%.*s", (int)(end - s - 1), s + 1);
		if (!enter_section(p, name))
			return NULL; /* ends the parse: the error is ours */
	}
	return line;
}

/* --- keys ---------------------------------------------------------- */

static int machine_key(struct parse_ctx *p, const char *key, const char *value)
{
	char e[CONFIG_ESCAPED_MAX], v[CONFIG_ESCAPED_MAX];
	struct workload *w = p->w;
	uint64_t n;
	int k;

	for (k = 0; k < NR_M_KEYS && strcmp(key, machine_keys[k]); k++)
		;
	if (k == NR_M_KEYS)
		return fail(p, "unknown key '%s' in [machine] (cpus, smt, llcs, seed)", ESC(key, e));
	if (p->machine_key[k])
		return fail(p, "duplicate key '%s' in [machine] (first on line %d)", key,
			    p->machine_key[k]);
	p->machine_key[k] = p->in.line;
	switch (k) {
	case M_CPUS:
		if (parse_u64(value, SYNTH_MAX_CPUS, &n) || !n)
			return fail(p, "cpus: expected a number of CPUs in 1..%d, got '%s'",
				    SYNTH_MAX_CPUS, ESC(value, v));
		w->nr_cpus = (uint32_t)n;
		return 1;
	case M_SMT:
		if (parse_u64(value, 8, &n) || !n)
			return fail(p, "smt: expected CPUs per core in 1..8, got '%s'", ESC(value, v));
		w->smt = (uint32_t)n;
		return 1;
	case M_LLCS:
		if (parse_u64(value, SYNTH_MAX_CPUS, &n) || !n)
			return fail(p, "llcs: expected a number of last-level caches in 1..%d, got '%s'",
				    SYNTH_MAX_CPUS, ESC(value, v));
		w->llcs = (uint32_t)n;
		return 1;
	default:
		if (parse_u64(value, UINT64_MAX, &n))
			return fail(p, "seed: expected a number in 0..%llu, got '%s'",
				    (unsigned long long)UINT64_MAX, ESC(value, v));
		w->seed = n;
		return 1;
	}
}

static int group_key(struct parse_ctx *p, const char *key, const char *value)
{
	char e[CONFIG_ESCAPED_MAX], v[CONFIG_ESCAPED_MAX];
	struct workload_group *g = p->group;
	struct group_lines *gl = &p->lines[g - p->w->groups];
	uint64_t n;
	int k, nice;

	for (k = 0; k < NR_G_KEYS && strcmp(key, group_keys[k]); k++)
		;
	if (k == NR_G_KEYS)
		return fail(p, "unknown key '%s' in [group %s] (count, weight, nice, comm, burst, "
			    "sleep, cpus, start)", ESC(key, e), g->name);
	if (gl->key[k])
		return fail(p, "duplicate key '%s' in [group %s] (first on line %d)", key, g->name,
			    gl->key[k]);
	if ((k == G_WEIGHT && gl->key[G_NICE]) || (k == G_NICE && gl->key[G_WEIGHT]))
		return fail(p, "[group %s]: weight or nice, not both (the other is on line %d)",
			    g->name, gl->key[k == G_WEIGHT ? G_NICE : G_WEIGHT]);
	gl->key[k] = p->in.line;
	switch (k) {
	case G_COUNT:
		if (parse_u64(value, WORKLOAD_MAX_TASKS, &n) || !n)
			return fail(p, "count: expected a number of tasks in 1..%d, got '%s'",
				    WORKLOAD_MAX_TASKS, ESC(value, v));
		if (p->w->nr_tasks + n > WORKLOAD_MAX_TASKS)
			return fail(p, "count: %llu more tasks make %llu, more than the %d a "
				    "simulation takes", (unsigned long long)n,
				    (unsigned long long)(p->w->nr_tasks + n), WORKLOAD_MAX_TASKS);
		g->count = (uint32_t)n;
		p->w->nr_tasks += g->count;
		return 1;
	case G_WEIGHT:
		if (parse_u64(value, 10000, &n) || !n)
			return fail(p, "weight: expected a number in 1..10000 (100: nice 0), got '%s'",
				    ESC(value, v));
		g->weight = n;
		return 1;
	case G_NICE:
		if (parse_nice(value, &nice))
			return fail(p, "nice: expected a number in -20..19, got '%s'", ESC(value, v));
		g->weight = weight_of_nice(nice);
		return 1;
	case G_COMM:
		if (!*value || strlen(value) >= sizeof(g->comm))
			return fail(p, "comm: expected 1 to %zu bytes, got '%s'", sizeof(g->comm) - 1,
				    ESC(value, v));
		snprintf(g->comm, sizeof(g->comm), "%s", value);
		return 1;
	case G_BURST:
		return parse_dist(p, "burst", value, true, 1, &g->burst);
	case G_SLEEP:
		return parse_dist(p, "sleep", value, false, 0, &g->sleep);
	case G_START:
		return parse_dist(p, "start", value, false, 0, &g->start);
	default:
		if (!parse_cpus(p, value, &g->cpus))
			return 0;
		g->pinned = true; /* until the machine's CPUs are known */
		return 1;
	}
}

/* inih's handler, once per key; 0 is an error at that line. */
static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *p = user;
	char e[CONFIG_ESCAPED_MAX];

	if (p->err_line)
		return 0;
	/* The reader saw every section line inih took; a mismatch would be
	 * a line the two read differently. */
	if (strcmp(section, p->section))
		return fail(p, "section [%s] not understood", ESC(section, e));
	if (!*section)
		return fail(p, "'%s' is outside any section: start with [machine] or [group NAME]",
			    ESC(key, e));
	return p->in_machine ? machine_key(p, key, value) : group_key(p, key, value);
}

/* --- what several keys decide ------------------------------------- */

static uint32_t digits(uint32_t n)
{
	uint32_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

static int check_group(struct parse_ctx *p, struct workload_group *g)
{
	const struct group_lines *gl = &p->lines[g - p->w->groups];
	char b[64], e[CONFIG_ESCAPED_MAX];
	uint32_t c, n = 0;

	if (!g->count)
		return fail_at(p, g->line, "[group %s] has no count", g->name);
	if (g->burst.kind == WORKLOAD_FOREVER && gl->key[G_SLEEP])
		return fail_at(p, gl->key[G_SLEEP], "[group %s]: sleep: a task whose burst is "
			       "forever never sleeps", g->name);
	if (g->burst.kind != WORKLOAD_FOREVER && !gl->key[G_SLEEP])
		return fail_at(p, gl->key[G_BURST], "[group %s]: burst = %s needs a sleep (sleep = "
			       "0 to queue again at once)", g->name,
			       workload_dist_text(&g->burst, b, sizeof(b)));
	/* COMM-N for N up to count - 1 in the kernel's 16 bytes */
	if (strlen(g->comm) + 1 + digits(g->count - 1) >= PLUGLAND_COMM_LEN)
		return fail_at(p, gl->key[G_COMM] ? gl->key[G_COMM] : g->line,
			       "[group %s]: comm '%s-%u' is longer than %d bytes: set a shorter "
			       "comm", g->name, ESC(g->comm, e), g->count - 1, PLUGLAND_COMM_LEN - 1);
	if (!g->pinned) {
		for (c = 0; c < p->w->nr_cpus; c++)
			synth_cpumask_set(&g->cpus, c);
		return 1;
	}
	for (c = 0; c < SYNTH_MAX_CPUS; c++) {
		if (!synth_cpumask_has(&g->cpus, c))
			continue;
		if (c >= p->w->nr_cpus)
			return fail_at(p, gl->key[G_CPUS], "[group %s]: cpus: CPU %u is not on the "
				       "machine (cpus = %u: 0..%u)", g->name, c, p->w->nr_cpus,
				       p->w->nr_cpus - 1);
		n++;
	}
	g->pinned = n < p->w->nr_cpus;
	return 1;
}

static int check_workload(struct parse_ctx *p)
{
	struct workload *w = p->w;
	uint32_t i;

	if (!w->nr_groups)
		return fail_at(p, 1, "no [group NAME] section: nothing would run");
	if (w->nr_cpus % (w->smt * w->llcs))
		return fail_at(p, p->machine_line, "[machine]: cpus = %u do not make %u last-level "
			       "caches of whole cores of %u CPUs (smt)", w->nr_cpus, w->llcs,
			       w->smt);
	for (i = 0; i < w->nr_groups; i++)
		if (!check_group(p, &w->groups[i]))
			return 0;
	return 1;
}

static void machine_defaults(struct workload *w)
{
	memset(w, 0, sizeof(*w));
	w->nr_cpus = 4;
	w->smt = 1;
	w->llcs = 1;
	w->seed = 1;
}

void workload_default(struct workload *w)
{
	struct workload_group *g = &w->groups[0];
	uint32_t c;

	machine_defaults(w);
	snprintf(w->source, sizeof(w->source), "built-in");
	w->nr_groups = 1;
	snprintf(g->name, sizeof(g->name), "synth");
	snprintf(g->comm, sizeof(g->comm), "synth");
	g->count = 16;
	g->weight = PLUGLAND_WEIGHT_DEFAULT;
	g->burst.kind = WORKLOAD_FOREVER;
	g->start.kind = WORKLOAD_FIXED;
	for (c = 0; c < w->nr_cpus; c++)
		synth_cpumask_set(&g->cpus, c);
	w->nr_tasks = g->count;
}

int workload_load_stream(struct workload *w, FILE *f, const char *name, char *err, size_t errlen)
{
	struct parse_ctx *p = calloc(1, sizeof(*p));
	char e[CONFIG_ESCAPED_MAX];
	int line, ret = -1;

	if (!p) {
		snprintf(err, errlen, "%s: out of memory", ESC(name, e));
		return -1;
	}
	machine_defaults(w);
	p->w = w;
	p->in.f = f;
	line = ini_parse_stream(read_line, p, on_key, p);
	if (p->in.bad_line && (!p->err_line || p->in.bad_line < p->err_line) &&
	    (line <= 0 || p->in.bad_line < line)) {
		snprintf(err, errlen, "%s:%d: %s", ESC(name, e), p->in.bad_line, p->in.why);
	} else if (line > 0 && (!p->err_line || line < p->err_line)) {
		snprintf(err, errlen, "%s:%d: syntax error: not a [section], a key = value or a "
			 "comment", ESC(name, e), line);
	} else if (line < 0) {
		snprintf(err, errlen, "%s:%d: libinih could not allocate its line buffer",
			 ESC(name, e), p->in.line + 1);
	} else if (p->err_line || !check_workload(p)) {
		snprintf(err, errlen, "%s:%d: %s", ESC(name, e), p->err_line, p->msg);
	} else {
		snprintf(w->source, sizeof(w->source), "%s", name);
		ret = 0;
	}
	free(p);
	return ret;
}

int workload_load(struct workload *w, const char *path, char *err, size_t errlen)
{
	FILE *f = config_open(path, err, errlen);
	int ret;

	if (!f)
		return -1;
	ret = workload_load_stream(w, f, path, err, errlen);
	fclose(f);
	return ret;
}

/* --- durations as text, draws -------------------------------------- */

static const char *duration_text(uint64_t ns, char *buf, size_t len)
{
	if (ns && !(ns % 1000000000))
		snprintf(buf, len, "%llus", (unsigned long long)(ns / 1000000000));
	else if (ns && !(ns % 1000000))
		snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000));
	else if (ns && !(ns % 1000))
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000));
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	return buf;
}

const char *workload_dist_text(const struct workload_dist *d, char *buf, size_t len)
{
	char a[32], b[32];

	switch (d->kind) {
	case WORKLOAD_FOREVER: snprintf(buf, len, "forever"); break;
	case WORKLOAD_FIXED: snprintf(buf, len, "%s", duration_text(d->a_ns, a, sizeof(a))); break;
	case WORKLOAD_UNIFORM:
		snprintf(buf, len, "uniform:%s-%s", duration_text(d->a_ns, a, sizeof(a)),
			 duration_text(d->b_ns, b, sizeof(b)));
		break;
	case WORKLOAD_EXP: snprintf(buf, len, "exp:%s", duration_text(d->a_ns, a, sizeof(a))); break;
	}
	return buf;
}

double workload_dist_mean(const struct workload_dist *d)
{
	switch (d->kind) {
	case WORKLOAD_FIXED:
	case WORKLOAD_EXP:
		return (double)d->a_ns;
	case WORKLOAD_UNIFORM:
		return ((double)d->a_ns + (double)d->b_ns) / 2;
	default:
		return 0;
	}
}

/* splitmix64: one 64-bit state per task, every seed a good sequence. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t workload_sample(const struct workload_dist *d, uint64_t *rng)
{
	double u;

	switch (d->kind) {
	case WORKLOAD_FIXED:
		return d->a_ns;
	case WORKLOAD_UNIFORM:
		return d->a_ns + (uint64_t)(((unsigned __int128)next_random(rng) *
					     (d->b_ns - d->a_ns + 1)) >> 64);
	case WORKLOAD_EXP:
		/* inverse transform; u in [0, 1) in 53 bits: at most ~37 means */
		u = (double)(next_random(rng) >> 11) * 0x1p-53;
		return (uint64_t)(-(double)d->a_ns * log1p(-u) + 0.5);
	default:
		return 0;
	}
}

/* --- the machine's tasks ------------------------------------------- */

/* FNV-1a: a group's stream depends on its name, not on its place. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

struct synth_behaviour workload_draw(void *ctx, uint32_t idx)
{
	struct workload_machine *m = ctx;
	const struct workload_group *g = &m->w->groups[m->group_of[idx]];
	struct synth_behaviour b = { 0, 0 };
	uint64_t burst;

	if (g->burst.kind == WORKLOAD_FOREVER)
		return b;
	burst = workload_sample(&g->burst, &m->rng[idx]);
	b.burst_ns = burst ? burst : 1; /* an exp: draw rounds to 0 */
	b.sleep_ns = workload_sample(&g->sleep, &m->rng[idx]);
	return b;
}

int workload_machine_init(struct workload_machine *m, const struct workload *w)
{
	uint32_t n = w->nr_tasks, i, j, t = 0;
	bool pinned = false;

	memset(m, 0, sizeof(*m));
	m->w = w;
	for (i = 0; i < w->nr_groups; i++)
		pinned |= w->groups[i].pinned;
	m->group_of = calloc(n, sizeof(*m->group_of));
	m->weights = calloc(n, sizeof(*m->weights));
	m->start_ns = calloc(n, sizeof(*m->start_ns));
	m->rng = calloc(n, sizeof(*m->rng));
	m->comm = calloc(n, sizeof(*m->comm));
	m->comms = calloc(n, sizeof(*m->comms));
	m->allowed = pinned ? calloc(n, sizeof(*m->allowed)) : NULL;
	if (!m->group_of || !m->weights || !m->start_ns || !m->rng || !m->comm || !m->comms ||
	    (pinned && !m->allowed)) {
		workload_machine_fini(m);
		return -1;
	}
	for (i = 0; i < w->nr_groups; i++) {
		const struct workload_group *g = &w->groups[i];
		uint64_t group_rng = name_hash(g->name) ^ w->seed;

		for (j = 0; j < g->count; j++, t++) {
			uint64_t start_rng;

			/* Each task's stream starts at a draw of its group's;
			 * its start comes from another one, so that a start
			 * delay leaves its bursts and sleeps as they were. */
			m->rng[t] = next_random(&group_rng);
			start_rng = ~m->rng[t];
			m->group_of[t] = i;
			m->weights[t] = g->weight;
			m->start_ns[t] = workload_sample(&g->start, &start_rng);
			snprintf(m->comm[t], sizeof(m->comm[t]), "%s-%u", g->comm, j);
			m->comms[t] = m->comm[t];
			if (m->allowed)
				m->allowed[t] = g->cpus;
		}
	}
	return 0;
}

void workload_machine_opts(struct workload_machine *m, struct synth_opts *o)
{
	o->nr_cpus = m->w->nr_cpus;
	o->nr_tasks = m->w->nr_tasks;
	o->weights = m->weights;
	o->comms = m->comms;
	o->draw = workload_draw;
	o->draw_ctx = m;
	o->start_ns = m->start_ns;
	o->allowed = m->allowed;
}

void workload_machine_fini(struct workload_machine *m)
{
	free(m->group_of);
	free(m->weights);
	free(m->start_ns);
	free(m->rng);
	free(m->comm);
	free(m->comms);
	free(m->allowed);
	memset(m, 0, sizeof(*m));
}

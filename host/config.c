// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/stat.h>
#include <ini.h>
#include <ctype.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"
#include "policy_spec.h"
#include "plugin_loader.h"

/* One byte as config_escape() shows it, into out[5]. */
static void escape_byte(unsigned char c, char *out)
{
	if (c == '\n' || c == '\t' || c == '\r')
		snprintf(out, 5, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
	else if (c < 0x20 || c >= 0x7f)
		snprintf(out, 5, "\\x%02x", c);
	else
		snprintf(out, 5, "%c", c);
}

/* Text from the user reaches the terminal in messages: never raw controls. */
const char *config_escape(const char *s, char *buf, size_t len)
{
	size_t o = 0, n;
	char one[5];

	for (; *s; s++) {
		escape_byte((unsigned char)*s, one);
		n = strlen(one);
		if (o + n >= len)
			break;
		memcpy(buf + o, one, n);
		o += n;
	}
	buf[o] = 0;
	return buf;
}

/*
 * The first control character of s[0..n), or NULL: config text has none
 * (but tab, where tab_ok), so that what is set is what --print-config and
 * the plugins show, and no message can carry one.
 */
static const char *find_control(const char *s, size_t n, bool tab_ok)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && !(s[i] == '\t' && tab_ok)) || s[i] == 0x7f)
			return s + i;
	return NULL;
}

/* config_escape() into a local array */
#define ESC(text, buf) config_escape(text, buf, sizeof(buf))

enum opt_type { OPT_STR, OPT_BOOL, OPT_U32, OPT_U64 };

struct opt {
	const char *section, *key;
	enum opt_type type;
	size_t offset, size;
	const char *def;
	uint64_t min, max;
	/* extra validation of the text (numbers: after the range check);
	 * 0, or -1 with a message */
	int (*check)(const char *value, char *err, size_t errlen);
};

#define STR(sec, k, field, d, chk) { sec, k, OPT_STR, offsetof(struct config, field), sizeof(((struct config *)0)->field), d, 0, 0, chk }
#define BOOL(sec, k, field, d) { sec, k, OPT_BOOL, offsetof(struct config, field), 0, d, 0, 1, NULL }
#define U32(sec, k, field, d, lo, hi) { sec, k, OPT_U32, offsetof(struct config, field), 0, d, lo, hi, NULL }
#define U32C(sec, k, field, d, lo, hi, chk) { sec, k, OPT_U32, offsetof(struct config, field), 0, d, lo, hi, chk }
#define U64(sec, k, field, d, lo, hi) { sec, k, OPT_U64, offsetof(struct config, field), 0, d, lo, hi, NULL }

/* Exactly one policy, by plain name; empty means "none configured". */
static int check_policy(const char *value, char *err, size_t errlen)
{
	char v[CONFIG_ESCAPED_MAX];

	if (!*value || plugin_name_valid(value))
		return 0;
	if (strpbrk(value, ", \t"))
		snprintf(err, errlen, "scheduler.policy: exactly one policy runs; '%s' names several",
			 ESC(value, v));
	else
		snprintf(err, errlen, "scheduler.policy: '%s' is not a plugin name "
			 "(letters, digits, '_', '-')", ESC(value, v));
	return -1;
}

/* One policy, POLICY[@KEY=VALUE,...] (policy_spec.h), or "" for none. */
static int check_shadow(const char *value, char *err, size_t errlen)
{
	char v[CONFIG_ESCAPED_MAX], why[256];
	struct policy_spec p;

	if (!*value || !policy_spec_parse(&p, value, why, sizeof(why)))
		return 0;
	snprintf(err, errlen, "scheduler.shadow: '%s': %s", ESC(value, v), why);
	return -1;
}

/* Every key of the host; conf/plugland.ini documents each one. */
static int check_watchdog_action(const char *value, char *err, size_t errlen)
{
	char v[CONFIG_ESCAPED_MAX];

	if (!strcmp(value, "fifo") || !strcmp(value, "exit"))
		return 0;
	snprintf(err, errlen, "watchdog.action: expected fifo or exit, got '%s'", ESC(value, v));
	return -1;
}

/* The kernel takes ring buffers of a power-of-two size only. */
static int check_ringbuf_kib(const char *value, char *err, size_t errlen)
{
	unsigned long long v = strtoull(value, NULL, 10);

	if (!(v & (v - 1)))
		return 0;
	snprintf(err, errlen, "bpf.ringbuf_kib: %llu is not a power of two", v);
	return -1;
}

/* Who decides whether BPF places waking tasks on idle CPUs itself. */
static int check_idle_direct(const char *value, char *err, size_t errlen)
{
	char v[CONFIG_ESCAPED_MAX];

	if (!strcmp(value, "policy") || !strcmp(value, "true") || !strcmp(value, "false"))
		return 0;
	snprintf(err, errlen, "bpf.idle_direct: expected policy, true or false, got '%s'", ESC(value, v));
	return -1;
}

static int check_on_full(const char *value, char *err, size_t errlen)
{
	char v[CONFIG_ESCAPED_MAX];

	if (!strcmp(value, "wrap") || !strcmp(value, "stop"))
		return 0;
	snprintf(err, errlen, "debug.on_full: expected wrap or stop, got '%s'", ESC(value, v));
	return -1;
}

/* A comma-separated list of plugin names, possibly empty. */
static int check_async_list(const char *value, char *err, size_t errlen)
{
	char name[80], e[CONFIG_ESCAPED_MAX];
	const char *p = value, *end;

	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ',');
		while (*p == ' ')
			p++;
		snprintf(name, sizeof(name), "%.*s", (int)(end - p), p);
		name[strcspn(name, " ")] = 0;
		if (!plugin_name_valid(name)) {
			snprintf(err, errlen, "async.plugins: '%s' is not a plugin name", ESC(name, e));
			return -1;
		}
	}
	return 0;
}

static const struct opt opts[] = {
	STR("scheduler", "policy", policy, "deadline", check_policy),
	STR("scheduler", "shadow", shadow, "", check_shadow),
	STR("scheduler", "plugin_dir", plugin_dir, PLUGLAND_PLUGIN_DIR, NULL),
	BOOL("scheduler", "strict", strict, "false"),
	U64("scheduler", "slice_us", slice_us, "5000", 100, 1000000),
	U32("scheduler", "tick_ms", tick_ms, "100", 1, 10000),
	U32("scheduler", "max_wait_ms", max_wait_ms, "2000", 0, 4000),
	U32("log", "capacity", log_capacity, "262144", 0, 1u << 30),
	BOOL("debug", "enabled", debug, "false"),
	U32("debug", "size_mb", debug_size_mb, "1024", 1, 65536),
	STR("debug", "on_full", debug_on_full, "wrap", check_on_full),
	STR("debug", "dump", debug_dump, "auto", NULL),
	STR("async", "plugins", async_plugins, "", check_async_list),
	U32("async", "interval_ms", async_interval_ms, "1000", 10, 3600000),
	STR("control", "socket", control_socket, PLUGLAND_CONTROL_SOCKET, NULL),
	U32("control", "watch_config_ms", watch_config_ms, "0", 0, 3600000),
	U32("watchdog", "timeout_ms", watchdog_ms, "1000", 0, 60000),
	STR("watchdog", "action", watchdog_action, "fifo", check_watchdog_action),
	U32("watchdog", "init_timeout_ms", watchdog_init_ms, "5000", 100, 600000),
#define BPF_U32(k, d, lo, hi, chk, ...) U32C("bpf", #k, bpf.k, d, lo, hi, chk),
#define BPF_BOOL(k, d, ...) BOOL("bpf", #k, bpf.k, d),
	PL_BPF_SETTINGS(BPF_U32, BPF_BOOL)
#undef BPF_U32
#undef BPF_BOOL
	STR("bpf", "idle_direct", idle_direct, "policy", check_idle_direct),
	BOOL("bpf", "local_queues", local_queues, "true"),
	BOOL("bpf", "direct_local", direct_local, "true"),
};
#define NR_OPTS (sizeof(opts) / sizeof(opts[0]))

static bool is_host_section(const char *s)
{
	static const char *const host_sections[] = {
		"scheduler", "bpf", "watchdog", "control", "log", "debug", "async",
	};
	size_t i;

	for (i = 0; i < sizeof(host_sections) / sizeof(host_sections[0]); i++)
		if (!strcmp(s, host_sections[i]))
			return true;
	return false;
}

static const struct opt *find_opt(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < NR_OPTS; i++)
		if (!strcmp(opts[i].section, section) && !strcmp(opts[i].key, key))
			return &opts[i];
	return NULL;
}

/* Store value into the field of o; a message in err when it is not valid. */
static int set_opt(struct config *c, const struct opt *o, const char *value, char *err, size_t errlen)
{
	void *field = (char *)c + o->offset;
	char e[CONFIG_ESCAPED_MAX];
	unsigned long long v;
	char *end;

	switch (o->type) {
	case OPT_STR:
		if (strlen(value) >= o->size) {
			snprintf(err, errlen, "%s.%s: value longer than %zu characters", o->section, o->key, o->size - 1);
			return -1;
		}
		if (o->check && o->check(value, err, errlen))
			return -1;
		strcpy(field, value);
		return 0;
	case OPT_BOOL:
		if (!strcasecmp(value, "true") || !strcmp(value, "1") || !strcasecmp(value, "yes"))
			*(bool *)field = true;
		else if (!strcasecmp(value, "false") || !strcmp(value, "0") || !strcasecmp(value, "no"))
			*(bool *)field = false;
		else {
			snprintf(err, errlen, "%s.%s: expected true or false, got '%s'", o->section, o->key,
				 ESC(value, e));
			return -1;
		}
		return 0;
	case OPT_U32:
	case OPT_U64:
		errno = 0;
		v = strtoull(value, &end, 10);
		if (errno || end == value || *end || value[0] == '-') {
			snprintf(err, errlen, "%s.%s: expected a number, got '%s'", o->section, o->key,
				 ESC(value, e));
			return -1;
		}
		if (v < o->min || v > o->max) {
			snprintf(err, errlen, "%s.%s: %llu is out of range [%" PRIu64 ", %" PRIu64 "]",
				 o->section, o->key, v, o->min, o->max);
			return -1;
		}
		if (o->check && o->check(value, err, errlen))
			return -1;
		if (o->type == OPT_U32)
			*(uint32_t *)field = (uint32_t)v;
		else
			*(uint64_t *)field = v;
		return 0;
	}
	return -1;
}

void config_defaults(struct config *c)
{
	char err[256];
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NR_OPTS; i++)
		set_opt(c, &opts[i], opts[i].def, err, sizeof(err));
}

/* line: where it was set in c->path; 0 for --set (it wins over the file). */
static int set_extra(struct config *c, const char *section, const char *key, const char *value,
		     int line, char *err, size_t errlen)
{
	char s[CONFIG_ESCAPED_MAX], k[CONFIG_ESCAPED_MAX];
	struct config_kv *kv = NULL;
	unsigned int i;

	for (i = 0; i < c->nr_extra; i++)
		if (!strcmp(c->extra[i].section, section) && !strcmp(c->extra[i].key, key))
			kv = &c->extra[i];
	if (!kv) {
		if (c->nr_extra == CONFIG_MAX_EXTRA) {
			snprintf(err, errlen, "more than %d plugin settings", CONFIG_MAX_EXTRA);
			return -1;
		}
		kv = &c->extra[c->nr_extra++];
	}
	if (strlen(section) >= sizeof(kv->section) || strlen(key) >= sizeof(kv->key) ||
	    strlen(value) >= sizeof(kv->value)) {
		snprintf(err, errlen, "%s.%s: name or value too long", ESC(section, s), ESC(key, k));
		return -1;
	}
	strcpy(kv->section, section);
	strcpy(kv->key, key);
	strcpy(kv->value, value);
	kv->line = line;
	return 0;
}

struct parse_ctx {
	struct config *c;
	char *err;
	size_t errlen;
	uint64_t seen;		/* bit i: opts[i] was set by this file */
	unsigned int first_extra; /* extras from index on came from this file */
	FILE *f;
	char *buf;		/* getline()'s: the whole line, however long */
	size_t cap;
	int line;		/* lines read: the one inih is on */
	int err_line;		/* line of the message in err, 0: none */
};

_Static_assert(NR_OPTS <= 64, "parse_ctx.seen is a 64-bit mask");

static int handler_error(struct parse_ctx *p)
{
	p->err_line = p->line;
	return 0;
}

/* inih calls this per key; a zero return is an error at that line. */
static int on_ini(void *user, const char *section, const char *key, const char *value)
{
	char s[CONFIG_ESCAPED_MAX], k[CONFIG_ESCAPED_MAX];
	struct parse_ctx *p = user;
	const struct opt *o;

	if (p->err_line)
		return 0; /* keep the first message only */
	if (is_host_section(section)) {
		o = find_opt(section, key);
		if (!o) {
			snprintf(p->err, p->errlen, "unknown key '%s' in [%s]", ESC(key, k),
				 ESC(section, s));
			return handler_error(p);
		}
		if (p->seen & (1ull << (o - opts))) {
			snprintf(p->err, p->errlen, "duplicate key '%s' in [%s]", ESC(key, k),
				 ESC(section, s));
			return handler_error(p);
		}
		p->seen |= 1ull << (o - opts);
		if (set_opt(p->c, o, value, p->err, p->errlen))
			return handler_error(p);
		if (o->offset == offsetof(struct config, shadow))
			p->c->shadow_line = p->line; /* named in the message if it names nothing */
		return 1;
	}
	if (!*section) {
		snprintf(p->err, p->errlen, "'%s' is outside any [section]", ESC(key, k));
		return handler_error(p);
	}
	for (unsigned int i = p->first_extra; i < p->c->nr_extra; i++) {
		if (!strcmp(p->c->extra[i].section, section) && !strcmp(p->c->extra[i].key, key)) {
			snprintf(p->err, p->errlen, "duplicate key '%s' in [%s]", ESC(key, k),
				 ESC(section, s));
			return handler_error(p);
		}
	}
	return set_extra(p->c, section, key, value, p->line, p->err, p->errlen) ?
		       handler_error(p) : 1;
}

/* inih cuts a section name to its MAX_SECTION - 1 bytes (ini.c, not ini.h). */
#define INIH_MAX_SECTION 50

/* Where inih reads a line from: past a UTF-8 BOM (line 1) and blanks. */
static size_t line_start(const char *s, size_t n, int line)
{
	size_t i = line == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3) ? 3 : 0;

	while (i < n && isspace((unsigned char)s[i]))
		i++;
	return i;
}

/* A line inih takes as a comment, or as blank. */
static bool is_comment(const char *s, size_t n, int line)
{
	size_t i = line_start(s, n, line);

	return i == n || s[i] == ';' || s[i] == '#';
}

/* 0, or -1 with a message: a line inih would not take whole. */
static int check_line(struct parse_ctx *p, const char *s, size_t n, int size)
{
	size_t i = line_start(s, n, p->line);
	const char *end, *ctl = find_control(s, n, true);
	char one[5];

	if (ctl) { /* a NUL would end the line for inih: refused too */
		escape_byte((unsigned char)*ctl, one);
		snprintf(p->err, p->errlen, "control character %s at byte %td (only tab is accepted)",
			 one, ctl - s + 1);
		return -1;
	}
	if ((ssize_t)n > size - 2) { /* room for '\n' and NUL */
		snprintf(p->err, p->errlen, "line is %zu bytes, the longest accepted is %d", n,
			 size - 2);
		return -1;
	}
	end = memchr(s + i, ']', n - i);
	if (s[i] == '[' && end && end - (s + i + 1) >= INIH_MAX_SECTION) {
		snprintf(p->err, p->errlen, "section name is %td bytes, the longest accepted is %d",
			 end - (s + i + 1), INIH_MAX_SECTION - 1);
		return -1;
	}
	return 0;
}

/*
 * inih's reader: exactly one line a call, so that inih's count of lines
 * is ours (fgets() hands a line longer than inih's buffer over in pieces,
 * each counted as a line and parsed as one). A comment or blank line goes
 * over as an empty one, of whatever length; any other line that inih would
 * not take whole ends the parse with a message of ours.
 */
static char *read_line(char *buf, int size, void *user)
{
	struct parse_ctx *p = user;
	ssize_t n;

	if (p->err_line)
		return NULL; /* the first error is the one reported */
	n = getline(&p->buf, &p->cap, p->f);
	if (n < 0)
		return NULL;
	p->line++;
	if (n && p->buf[n - 1] == '\n')
		n--;
	if (n && p->buf[n - 1] == '\r')
		n--; /* inih strips it too: it is not part of the line */
	if (is_comment(p->buf, (size_t)n, p->line)) {
		strcpy(buf, "\n");
		return buf;
	}
	if (check_line(p, p->buf, (size_t)n, size)) {
		p->err_line = p->line;
		return NULL;
	}
	memcpy(buf, p->buf, (size_t)n);
	strcpy(buf + n, "\n");
	return buf;
}

int config_check_sections(const struct config *c,
			  bool (*is_plugin)(const char *name, const void *ctx), const void *ctx, char *err, size_t errlen)
{
	char where[320], s[CONFIG_ESCAPED_MAX], dir[CONFIG_ESCAPED_MAX];
	unsigned int i;

	for (i = 0; i < c->nr_extra; i++) {
		const struct config_kv *kv = &c->extra[i];

		if (is_plugin(kv->section, ctx))
			continue;
		config_kv_where(c, kv, where, sizeof(where));
		ESC(kv->section, s);
		snprintf(err, errlen, "%s: [%s]: no plugin of that name (%s.so) in %s", where, s, s,
			 ESC(c->plugin_dir, dir));
		return -1;
	}
	return 0;
}

int config_load_stream(struct config *c, FILE *f, const char *name, char *err, size_t errlen)
{
	char msg[256] = "", e[CONFIG_ESCAPED_MAX];
	struct parse_ctx p = {
		.c = c, .err = msg, .errlen = sizeof(msg), .first_extra = c->nr_extra, .f = f,
	};
	int line;

	line = ini_parse_stream(read_line, &p, on_ini, &p);
	free(p.buf);
	/* inih goes on after its own errors (syntax) and returns the first
	 * one's line, by its count of read_line()'s lines: ours. */
	if (line > 0 && (!p.err_line || line < p.err_line)) {
		p.err_line = line;
		snprintf(msg, sizeof(msg), "syntax error: not a [section], a key = value or a comment");
	} else if (line < 0) {
		p.err_line = p.line + 1; /* inih's buffer: nothing was parsed */
		snprintf(msg, sizeof(msg), "libinih could not allocate its line buffer");
	}
	if (p.err_line) {
		snprintf(err, errlen, "%s:%d: %s", ESC(name, e), p.err_line, msg);
		return -1;
	}
	snprintf(c->path, sizeof(c->path), "%s", name);
	return 0;
}

FILE *config_open(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char e[CONFIG_ESCAPED_MAX];
	struct stat st;

	if (!f) {
		snprintf(err, errlen, "%s: %s", ESC(path, e), strerror(errno));
		return NULL;
	}
	/* a folder opens, and reads as an empty file */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", ESC(path, e), strerror(EISDIR));
		fclose(f);
		return NULL;
	}
	return f;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = config_open(path, err, errlen);
	int ret;

	if (!f)
		return -1;
	ret = config_load_stream(c, f, path, err, errlen);
	fclose(f);
	return ret;
}

/* --set text holds no control character: a newline in it would make lines
 * of their own in --print-config. A tab is taken in the value. */
static int check_set_text(const char *assignment, const char *eq, char *err, size_t errlen)
{
	const char *ctl = find_control(assignment, eq ? (size_t)(eq - assignment) : strlen(assignment),
				       false);
	char e[CONFIG_ESCAPED_MAX], one[5];

	if (!ctl && eq)
		ctl = find_control(eq + 1, strlen(eq + 1), true);
	if (!ctl)
		return 0;
	escape_byte((unsigned char)*ctl, one);
	if (eq && ctl > eq)
		snprintf(err, errlen, "--set %s: control character %s in the value (only tab is accepted)",
			 ESC(assignment, e), one);
	else
		snprintf(err, errlen, "--set %s: control character %s in section.key",
			 ESC(assignment, e), one);
	return -1;
}

int config_set(struct config *c, const char *assignment, char *err, size_t errlen)
{
	char section[64], key[64], e[CONFIG_ESCAPED_MAX], s[CONFIG_ESCAPED_MAX];
	const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');
	const struct opt *o;

	if (check_set_text(assignment, eq, err, errlen))
		return -1;
	if (!dot || !eq || dot > eq || dot == assignment || eq == dot + 1 ||
	    (size_t)(dot - assignment) >= sizeof(section) || (size_t)(eq - dot - 1) >= sizeof(key)) {
		snprintf(err, errlen, "--set %s: expected section.key=value", ESC(assignment, e));
		return -1;
	}
	snprintf(section, sizeof(section), "%.*s", (int)(dot - assignment), assignment);
	snprintf(key, sizeof(key), "%.*s", (int)(eq - dot - 1), dot + 1);
	if (!is_host_section(section))
		return set_extra(c, section, key, eq + 1, 0, err, errlen);
	o = find_opt(section, key);
	if (!o) {
		snprintf(err, errlen, "--set: unknown key '%s' in [%s]", ESC(key, e), ESC(section, s));
		return -1;
	}
	if (o->offset == offsetof(struct config, shadow))
		c->shadow_line = 0; /* the command line's, not the file's */
	return set_opt(c, o, eq + 1, err, errlen);
}

bool config_is_host_section(const char *section)
{
	return is_host_section(section);
}

const struct config_kv *config_plugin_kv(const struct config *c, const char *section,
					 const char *key)
{
	unsigned int i;

	for (i = 0; i < c->nr_extra; i++)
		if (!strcmp(c->extra[i].section, section) && !strcmp(c->extra[i].key, key))
			return &c->extra[i];
	return NULL;
}

const char *config_plugin_value(const struct config *c, const char *section, const char *key)
{
	const struct config_kv *kv = config_plugin_kv(c, section, key);

	return kv ? kv->value : NULL;
}

void config_kv_where(const struct config *c, const struct config_kv *kv, char *buf, size_t len)
{
	char p[CONFIG_ESCAPED_MAX], k[CONFIG_ESCAPED_MAX];

	if (kv->line)
		snprintf(buf, len, "%s:%d", ESC(c->path, p), kv->line);
	else
		snprintf(buf, len, "--set %s.%s", ESC(kv->section, p), ESC(kv->key, k));
}

static void print_value(const struct config *c, const struct opt *o, FILE *out)
{
	const void *field = (const char *)c + o->offset;

	switch (o->type) {
	case OPT_STR: fprintf(out, "%s", (const char *)field); break;
	case OPT_BOOL: fprintf(out, "%s", *(const bool *)field ? "true" : "false"); break;
	case OPT_U32: fprintf(out, "%" PRIu32, *(const uint32_t *)field); break;
	case OPT_U64: fprintf(out, "%" PRIu64, *(const uint64_t *)field); break;
	}
}

void config_print(const struct config *c, FILE *out)
{
	char path[CONFIG_ESCAPED_MAX];
	const char *section = "";
	unsigned int i, j;
	size_t k;

	/* escaped: a newline in the file name would start lines of its own */
	fprintf(out, "# effective configuration%s%s\n", *c->path ? " from " : " (defaults)",
		ESC(c->path, path));
	for (k = 0; k < NR_OPTS; k++) {
		if (strcmp(section, opts[k].section))
			fprintf(out, "%s[%s]\n", k ? "\n" : "", section = opts[k].section);
		fprintf(out, "%s = ", opts[k].key);
		print_value(c, &opts[k], out);
		fputc('\n', out);
	}
	for (i = 0; i < c->nr_extra; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(c->extra[j].section, c->extra[i].section))
				break;
		if (j < i)
			continue; /* section already printed */
		fprintf(out, "\n[%s]\n", c->extra[i].section);
		for (j = i; j < c->nr_extra; j++)
			if (!strcmp(c->extra[j].section, c->extra[i].section))
				fprintf(out, "%s = %s\n", c->extra[j].key, c->extra[j].value);
	}
}

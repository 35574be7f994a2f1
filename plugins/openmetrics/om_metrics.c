// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "om_metrics.h"

/* Wait histogram bounds: 1 us .. 1 s, 1-2.5-5 per decade. */
static const uint64_t bucket_ns[OM_NR_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 25000000, 50000000,
	100000000, 250000000, 500000000, 1000000000,
};
static const char *const bucket_le[OM_NR_BUCKETS] = {
	"1e-06", "2.5e-06", "5e-06", "1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005",
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0",
};
static const char *const by_name[OM_NR_BY] = { "policy", "host", "kernel" };
static const char *const reason_name[OM_NR_REASONS] = {
	"unknown", "idle", "resumed", "congested", "failsafe", "rescued", "queued", "unknown7",
};

int om_metrics_init(struct om_metrics *m, uint32_t nr_cpus, uint32_t max_comms,
		    uint64_t default_slice_ns)
{
	memset(m, 0, sizeof(*m));
	m->nr_cpus = nr_cpus;
	m->default_slice_ns = default_slice_ns;
	m->max_comms = max_comms;
	m->comm_slots = 1;
	while (m->comm_slots < 2 * max_comms)
		m->comm_slots <<= 1;
	snprintf(m->other.comm, sizeof(m->other.comm), "(other)");
	m->per_cpu = calloc((size_t)nr_cpus + 1, sizeof(*m->per_cpu));
	m->comms = calloc(m->comm_slots, sizeof(*m->comms));
	if (!m->per_cpu || !m->comms) {
		om_metrics_fini(m);
		return -ENOMEM;
	}
	return 0;
}

void om_metrics_fini(struct om_metrics *m)
{
	free(m->per_cpu);
	free(m->comms);
	m->per_cpu = NULL;
	m->comms = NULL;
}

static void hist_add(struct om_hist *h, uint64_t ns)
{
	unsigned int b = 0;

	while (b < OM_NR_BUCKETS && ns > bucket_ns[b])
		b++;
	h->bucket[b]++;
	h->count++;
	h->sum_ns += ns;
}

static struct om_comm *comm_of(struct om_metrics *m, const char comm[PLUGLAND_COMM_LEN])
{
	uint32_t h = 2166136261u, i;
	size_t len = strnlen(comm, PLUGLAND_COMM_LEN);

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)comm[i]) * 16777619u;
	for (i = 0; i < m->comm_slots; i++) {
		struct om_comm *c = &m->comms[(h + i) & (m->comm_slots - 1)];

		if (!c->used) {
			if (m->nr_comms >= m->max_comms)
				return &m->other;
			c->used = true;
			memcpy(c->comm, comm, len);
			m->nr_comms++;
			return c;
		}
		if (!strncmp(c->comm, comm, PLUGLAND_COMM_LEN))
			return c;
	}
	return &m->other;
}

void om_metrics_add(struct om_metrics *m, const struct plugland_decision *d)
{
	/* As the stats plugin: a late decision carries no enqueue time. */
	bool has_wait = d->enq_ns && !(d->flags & PLUGLAND_DECISION_LATE);
	uint64_t wait = has_wait && d->dispatch_ns > d->enq_ns ? d->dispatch_ns - d->enq_ns : 0;
	unsigned int p = d->policy_id < OM_MAX_POLICIES ? d->policy_id : OM_MAX_POLICIES - 1;
	enum om_by by = OM_BY_POLICY;

	if (d->flags & PLUGLAND_DECISION_BY_KERNEL) {
		by = OM_BY_KERNEL;
		m->kernel_reason[PLUGLAND_DECISION_REASON(d->flags)]++;
	} else if (d->flags & PLUGLAND_DECISION_BY_HOST) {
		by = OM_BY_HOST;
	}
	m->policy_seen[p] = true;
	m->decisions[p][by]++;
	if (d->flags & PLUGLAND_DECISION_LATE)
		m->late[p]++;
	m->slice_ns[p] += d->slice_us ? (uint64_t)d->slice_us * 1000 : m->default_slice_ns;
	if (d->cpu >= 0 && (uint32_t)d->cpu < m->nr_cpus)
		m->per_cpu[1 + d->cpu]++;
	else
		m->per_cpu[0]++;
	if (has_wait) {
		struct om_comm *c = comm_of(m, d->comm);

		hist_add(&m->wait[p], wait);
		c->decisions++;
		hist_add(&c->wait, wait);
	}
}

struct take {
	struct om_host_counter c[OM_MAX_HOST_COUNTERS];
	unsigned int n;
};

static void take_counter(void *arg, const char *name, const char *help, uint64_t value, int gauge)
{
	struct take *t = arg;
	struct om_host_counter *c;
	const char *p;

	if (t->n == OM_MAX_HOST_COUNTERS)
		return;
	for (p = name; *p; p++) /* a metric name's characters only */
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return;
	c = &t->c[t->n++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->help, sizeof(c->help), "%s", help ? help : "");
	c->value = value;
	c->gauge = gauge != 0;
}

void om_metrics_take_host(struct om_metrics *m, const struct plugland_host *h)
{
	struct take t; /* on the stack: ~11 KiB, on the consume() thread's */
	unsigned int p;

	if (PLUGLAND_HOST_HAS(h, for_each_counter)) {
		t.n = 0;
		if (h->for_each_counter(h, take_counter, &t) > 0 && t.n) {
			memcpy(m->host, t.c, t.n * sizeof(t.c[0]));
			m->nr_host = t.n;
		}
	}
	if (!PLUGLAND_HOST_HAS(h, policy_name))
		return;
	for (p = 0; p < OM_MAX_POLICIES; p++)
		if (m->policy_seen[p] && !m->policy_name[p][0])
			h->policy_name(h, (uint16_t)p, m->policy_name[p], OM_POLICY_NAME_LEN);
}

void om_buf_printf(struct om_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap : 16384;
		char *p;

		while (cap <= b->len + (size_t)n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

/*
 * A label value: \ " and line feed escaped as both formats say; bytes
 * that are not printable ASCII (comm need not be UTF-8, the exposition
 * must be) and % itself as %XX.
 */
static const char *label_value(const char *s, size_t max, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == '"') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20 || c >= 0x7f || c == '%') {
			o += (size_t)snprintf(out + o, 4, "%%%02X", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = 0;
	return out;
}

/*
 * The metadata of family `name` (its name without _total for a counter).
 * OpenMetrics names a counter family without _total and has # UNIT; the
 * text format names it after its sample and has no unit line.
 */
static void family(struct om_buf *b, enum om_format fmt, const char *name, const char *type,
		   const char *unit, const char *help)
{
	bool counter = !strcmp(type, "counter");

	if (fmt == OM_OPENMETRICS) {
		om_buf_printf(b, "# TYPE %s %s\n", name, type);
		if (unit)
			om_buf_printf(b, "# UNIT %s %s\n", name, unit);
		om_buf_printf(b, "# HELP %s %s\n", name, help);
	} else {
		om_buf_printf(b, "# HELP %s%s %s\n", name, counter ? "_total" : "", help);
		om_buf_printf(b, "# TYPE %s%s %s\n", name, counter ? "_total" : "", type);
	}
}

/* The samples of one histogram; `labels` are its own, "" or `a="x",`. */
static void hist_samples(struct om_buf *b, const char *name, const char *labels,
			 const struct om_hist *h)
{
	uint64_t cum = 0;
	unsigned int i;

	for (i = 0; i < OM_NR_BUCKETS; i++) {
		cum += h->bucket[i];
		om_buf_printf(b, "%s_bucket{%sle=\"%s\"} %llu\n", name, labels, bucket_le[i],
			      (unsigned long long)cum);
	}
	om_buf_printf(b, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels,
		      (unsigned long long)h->count);
	om_buf_printf(b, "%s_count{%.*s} %llu\n", name, *labels ? (int)strlen(labels) - 1 : 0,
		      labels, (unsigned long long)h->count);
	om_buf_printf(b, "%s_sum{%.*s} %llu.%09llu\n", name, *labels ? (int)strlen(labels) - 1 : 0,
		      labels, (unsigned long long)(h->sum_ns / 1000000000ull),
		      (unsigned long long)(h->sum_ns % 1000000000ull));
}

void om_render(const struct om_metrics *m, enum om_format fmt, const uint64_t scrapes[2],
	       struct om_buf *b)
{
	/* label_value() writes up to 3 bytes an input byte */
	char esc[OM_POLICY_NAME_LEN * 3 + 1], labels[OM_POLICY_NAME_LEN * 3 + 32];
	unsigned int p, k, r;
	uint32_t i;

	b->len = 0;
	b->failed = false;
	om_buf_printf(b, "%s", ""); /* allocates: an empty exposition is a string too */

	family(b, fmt, "plugland_decisions", "counter", NULL,
	       "Scheduling decisions by policy_id (the decision log's policy number) and by who "
	       "decided: policy, host (refused or held too long) or kernel (BPF placed the task).");
	for (p = 0; p < OM_MAX_POLICIES; p++)
		for (k = 0; m->policy_seen[p] && k < OM_NR_BY; k++)
			om_buf_printf(b, "plugland_decisions_total{policy_id=\"%u\",by=\"%s\"} %llu\n",
				      p, by_name[k], (unsigned long long)m->decisions[p][k]);
	family(b, fmt, "plugland_late_decisions", "counter", NULL,
	       "Decisions for a task no longer waiting for them, dropped as stale.");
	for (p = 0; p < OM_MAX_POLICIES; p++)
		if (m->policy_seen[p])
			om_buf_printf(b, "plugland_late_decisions_total{policy_id=\"%u\"} %llu\n", p,
				      (unsigned long long)m->late[p]);
	family(b, fmt, "plugland_kernel_placements", "counter", NULL,
	       "Tasks BPF placed itself, by reason (idle: the policy's fast path; the others "
	       "are the host's safety nets).");
	for (r = 1; r <= 5; r++)
		om_buf_printf(b, "plugland_kernel_placements_total{reason=\"%s\"} %llu\n",
			      reason_name[r], (unsigned long long)m->kernel_reason[r]);
	family(b, fmt, "plugland_slice_granted_seconds", "counter", "seconds",
	       "Time slices granted by the decisions, summed.");
	for (p = 0; p < OM_MAX_POLICIES; p++)
		if (m->policy_seen[p])
			om_buf_printf(b, "plugland_slice_granted_seconds_total{policy_id=\"%u\"} "
				      "%llu.%09llu\n", p,
				      (unsigned long long)(m->slice_ns[p] / 1000000000ull),
				      (unsigned long long)(m->slice_ns[p] % 1000000000ull));
	family(b, fmt, "plugland_cpu_decisions", "counter", NULL,
	       "Decisions by the CPU chosen; cpu=any: the kernel's any-CPU queue.");
	om_buf_printf(b, "plugland_cpu_decisions_total{cpu=\"any\"} %llu\n",
		      (unsigned long long)m->per_cpu[0]);
	for (i = 0; i < m->nr_cpus; i++)
		om_buf_printf(b, "plugland_cpu_decisions_total{cpu=\"%u\"} %llu\n", i,
			      (unsigned long long)m->per_cpu[1 + i]);
	family(b, fmt, "plugland_decisions_lost", "counter", NULL,
	       "Decisions this plugin missed: it fell behind the decision log.");
	om_buf_printf(b, "plugland_decisions_lost_total %llu\n", (unsigned long long)m->nr_lost);
	family(b, fmt, "plugland_wait_seconds", "histogram", "seconds",
	       "From the kernel queueing a task to the decision for it, by policy_id.");
	for (p = 0; p < OM_MAX_POLICIES; p++) {
		if (!m->policy_seen[p])
			continue;
		snprintf(labels, sizeof(labels), "policy_id=\"%u\",", p);
		hist_samples(b, "plugland_wait_seconds", labels, &m->wait[p]);
	}
	family(b, fmt, "plugland_comm_wait_seconds", "histogram", "seconds",
	       "From the kernel queueing a task to the decision for it, by command name; the "
	       "names past max_comms add up in comm=(other).");
	for (i = 0; i <= m->comm_slots; i++) {
		const struct om_comm *c = i < m->comm_slots ? &m->comms[i] : &m->other;

		if (i < m->comm_slots ? !c->used : !c->wait.count)
			continue;
		snprintf(labels, sizeof(labels), "comm=\"%s\",",
			 label_value(c->comm, PLUGLAND_COMM_LEN, esc));
		hist_samples(b, "plugland_comm_wait_seconds", labels, &c->wait);
	}
	family(b, fmt, "plugland_policy_info", "gauge", NULL,
	       "The name of each policy_id (1 while known): join on policy_id.");
	for (p = 0; p < OM_MAX_POLICIES; p++)
		if (m->policy_seen[p] && m->policy_name[p][0])
			om_buf_printf(b, "plugland_policy_info{policy_id=\"%u\",policy=\"%s\"} 1\n", p,
				      label_value(m->policy_name[p], OM_POLICY_NAME_LEN, esc));
	for (i = 0; i < m->nr_host; i++) {
		const struct om_host_counter *c = &m->host[i];
		char metric[64];

		snprintf(metric, sizeof(metric), "plugland_%s", c->name);
		family(b, fmt, metric, c->gauge ? "gauge" : "counter", NULL, c->help);
		om_buf_printf(b, "%s%s %llu\n", metric, c->gauge ? "" : "_total",
			      (unsigned long long)c->value);
	}
	family(b, fmt, "plugland_cpus", "gauge", NULL, "Possible CPUs of the machine scheduled.");
	om_buf_printf(b, "plugland_cpus %u\n", m->nr_cpus);
	family(b, fmt, "plugland_openmetrics_scrapes", "counter", NULL,
	       "Scrapes this plugin answered, by format (openmetrics, or text 0.0.4), as of its "
	       "last snapshot.");
	om_buf_printf(b, "plugland_openmetrics_scrapes_total{format=\"openmetrics\"} %llu\n",
		      (unsigned long long)scrapes[OM_OPENMETRICS]);
	om_buf_printf(b, "plugland_openmetrics_scrapes_total{format=\"text\"} %llu\n",
		      (unsigned long long)scrapes[OM_TEXT_004]);
	if (fmt == OM_OPENMETRICS)
		om_buf_printf(b, "# EOF\n");
}

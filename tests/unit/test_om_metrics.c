// SPDX-License-Identifier: GPL-2.0
/*
 * The openmetrics plugin's counting and rendering
 * (plugins/openmetrics/om_metrics.c): who decided, histogram buckets,
 * label escaping, the two formats. The server and the real consumers
 * (promtool, Prometheus) are tests/host/metrics.sh's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "../../plugins/openmetrics/om_metrics.h"

static const uint64_t no_scrapes[2];

static struct plugland_decision rec(uint16_t flags, uint64_t wait_ns, const char *comm, int cpu)
{
	struct plugland_decision d = {
		.enq_ns = 1000000000,
		.dispatch_ns = 1000000000 + wait_ns,
		.pid = 42,
		.tgid = 42,
		.cpu = (int16_t)cpu,
		.slice_us = 1000,
		.flags = flags,
	};

	strncpy(d.comm, comm, sizeof(d.comm));
	return d;
}

/* The text of metrics m in format fmt; free() it. */
static char *render(const struct om_metrics *m, enum om_format fmt)
{
	struct om_buf b = { 0 };

	om_render(m, fmt, no_scrapes, &b);
	assert_false(b.failed);
	return b.p;
}

static void assert_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
		p++;
	}
	fail_msg("no line '%s' in:\n%s", line, text);
}

static void test_who_decided(void **state)
{
	struct om_metrics m;
	struct plugland_decision d;
	char *t;

	(void)state;
	assert_int_equal(om_metrics_init(&m, 2, 8, 5000000), 0);
	d = rec(0, 100, "a", 0);
	om_metrics_add(&m, &d);
	d = rec(PLUGLAND_DECISION_BY_HOST, 100, "a", 1);
	om_metrics_add(&m, &d);
	d = rec(PLUGLAND_DECISION_BY_KERNEL | PLUGLAND_DECISION_REASON_FLAGS(PLUGLAND_KERNEL_IDLE),
		100, "a", -1);
	om_metrics_add(&m, &d);
	d = rec(PLUGLAND_DECISION_LATE, 100, "a", 1);
	d.slice_us = 0; /* the default slice: 5 ms */
	om_metrics_add(&m, &d);
	t = render(&m, OM_OPENMETRICS);
	assert_line(t, "plugland_decisions_total{policy_id=\"0\",by=\"policy\"} 2");
	assert_line(t, "plugland_decisions_total{policy_id=\"0\",by=\"host\"} 1");
	assert_line(t, "plugland_decisions_total{policy_id=\"0\",by=\"kernel\"} 1");
	assert_line(t, "plugland_late_decisions_total{policy_id=\"0\"} 1");
	assert_line(t, "plugland_kernel_placements_total{reason=\"idle\"} 1");
	assert_line(t, "plugland_cpu_decisions_total{cpu=\"any\"} 1");
	assert_line(t, "plugland_cpu_decisions_total{cpu=\"0\"} 1");
	assert_line(t, "plugland_cpu_decisions_total{cpu=\"1\"} 2");
	assert_line(t, "plugland_slice_granted_seconds_total{policy_id=\"0\"} 0.008000000");
	/* the late one has no wait */
	assert_line(t, "plugland_wait_seconds_count{policy_id=\"0\"} 3");
	free(t);
	om_metrics_fini(&m);
}

static void test_histogram(void **state)
{
	struct om_metrics m;
	struct plugland_decision d;
	char *t;

	(void)state;
	assert_int_equal(om_metrics_init(&m, 1, 8, 5000000), 0);
	d = rec(0, 500, "w", 0);
	om_metrics_add(&m, &d);
	d = rec(0, 1000, "w", 0); /* on a bound: le is "less or equal" */
	om_metrics_add(&m, &d);
	d = rec(0, 3000, "w", 0);
	om_metrics_add(&m, &d);
	d = rec(0, 2000000000ull, "w", 0); /* past the last bound */
	om_metrics_add(&m, &d);
	t = render(&m, OM_OPENMETRICS);
	assert_line(t, "plugland_wait_seconds_bucket{policy_id=\"0\",le=\"1e-06\"} 2");
	assert_line(t, "plugland_wait_seconds_bucket{policy_id=\"0\",le=\"2.5e-06\"} 2");
	assert_line(t, "plugland_wait_seconds_bucket{policy_id=\"0\",le=\"5e-06\"} 3");
	assert_line(t, "plugland_wait_seconds_bucket{policy_id=\"0\",le=\"1.0\"} 3");
	assert_line(t, "plugland_wait_seconds_bucket{policy_id=\"0\",le=\"+Inf\"} 4");
	assert_line(t, "plugland_wait_seconds_count{policy_id=\"0\"} 4");
	assert_line(t, "plugland_wait_seconds_sum{policy_id=\"0\"} 2.000004500");
	assert_line(t, "plugland_comm_wait_seconds_count{comm=\"w\"} 4");
	free(t);
	om_metrics_fini(&m);
}

static void test_comm_escaped_and_bounded(void **state)
{
	struct om_metrics m;
	struct plugland_decision d;
	char *t;

	(void)state;
	assert_int_equal(om_metrics_init(&m, 1, 2, 5000000), 0);
	d = rec(0, 10, "q\"b\\s\nn\xff%", 0);
	om_metrics_add(&m, &d);
	d = rec(0, 10, "second", 0);
	om_metrics_add(&m, &d);
	d = rec(0, 10, "third", 0); /* past max_comms = 2 */
	om_metrics_add(&m, &d);
	d = rec(0, 10, "fourth", 0);
	om_metrics_add(&m, &d);
	t = render(&m, OM_OPENMETRICS);
	assert_line(t, "plugland_comm_wait_seconds_count{comm=\"q\\\"b\\\\s\\nn%FF%25\"} 1");
	assert_line(t, "plugland_comm_wait_seconds_count{comm=\"second\"} 1");
	assert_line(t, "plugland_comm_wait_seconds_count{comm=\"(other)\"} 2");
	assert_null(strstr(t, "third"));
	free(t);
	om_metrics_fini(&m);
}

static void test_formats(void **state)
{
	struct om_metrics m;
	char *om, *text;

	(void)state;
	assert_int_equal(om_metrics_init(&m, 1, 8, 5000000), 0);
	om = render(&m, OM_OPENMETRICS);
	text = render(&m, OM_TEXT_004);
	/* OpenMetrics: counter families without _total, units, # EOF last */
	assert_line(om, "# TYPE plugland_decisions counter");
	assert_line(om, "# UNIT plugland_wait_seconds seconds");
	assert_line(om, "# TYPE plugland_cpus gauge");
	assert_string_equal(om + strlen(om) - 6, "# EOF\n");
	/* text 0.0.4: named after the sample, no # UNIT, no # EOF */
	assert_line(text, "# TYPE plugland_decisions_total counter");
	assert_line(text, "# HELP plugland_decisions_lost_total Decisions this plugin missed: it "
		    "fell behind the decision log.");
	assert_null(strstr(text, "# UNIT"));
	assert_null(strstr(text, "# EOF"));
	free(om);
	free(text);
	om_metrics_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_who_decided),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_comm_escaped_and_bounded),
		cmocka_unit_test(test_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The wait histogram (host/wait_hist.h) that the simulated machine, the
 * replay and its recording column all read their percentiles from: every
 * value falls in a bucket whose upper end is at most 1/16 above it, the
 * buckets are in value order, and a percentile is the right bucket's end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "wait_hist.h"

/* v, its bucket's upper end and the bound the header promises */
static void check_value(uint64_t v)
{
	unsigned int b = wait_hist_bucket(v);
	uint64_t up = wait_hist_upper(b);

	assert_true(b < WAIT_HIST_BUCKETS);
	assert_true(up >= v);
	assert_true(up - v <= v / WAIT_HIST_SUB);	/* within 1/16 of v */
	assert_int_equal(wait_hist_bucket(up), b);	/* the end is in it */
	if (b + 1 < WAIT_HIST_BUCKETS)
		assert_int_equal(wait_hist_bucket(up + 1), b + 1);
}

static void test_every_bucket_is_tight(void **state)
{
	unsigned int b;

	(void)state;
	for (b = 0; b < WAIT_HIST_BUCKETS; b++)
		check_value(wait_hist_upper(b));
}

static void test_values_across_the_range(void **state)
{
	uint64_t v;
	unsigned int shift;

	(void)state;
	for (v = 0; v < 100000; v++)
		check_value(v);
	for (shift = 17; shift < 64; shift++) {
		check_value(1ull << shift);
		check_value((1ull << shift) - 1);
		check_value((1ull << shift) + (1ull << (shift - 1)) + 12345);
	}
	check_value(UINT64_MAX);
	assert_int_equal(wait_hist_bucket(UINT64_MAX), WAIT_HIST_BUCKETS - 1);
	assert_true(wait_hist_upper(WAIT_HIST_BUCKETS - 1) == UINT64_MAX);
}

static void test_percentiles(void **state)
{
	static uint32_t hist[WAIT_HIST_BUCKETS];
	uint64_t v, p50, p99;

	(void)state;
	memset(hist, 0, sizeof(hist));
	assert_int_equal(wait_hist_percentile(hist, 0, 50), 0);
	/* 1..1000 us: p50 is 500 us, p99 990 us, each read within 1/16 */
	for (v = 1; v <= 1000; v++)
		hist[wait_hist_bucket(v * 1000)]++;
	p50 = wait_hist_percentile(hist, 1000, 50);
	p99 = wait_hist_percentile(hist, 1000, 99);
	assert_true(p50 >= 500000 && p50 <= 500000 + 500000 / 16);
	assert_true(p99 >= 990000 && p99 <= 990000 + 990000 / 16);
	assert_int_equal(wait_hist_percentile(hist, 1000, 100), wait_hist_upper(wait_hist_bucket(1000000)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_bucket_is_tight),
		cmocka_unit_test(test_values_across_the_range),
		cmocka_unit_test(test_percentiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

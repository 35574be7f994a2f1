// SPDX-License-Identifier: GPL-2.0
/* kernel_tick_hz(): a measured tick length to the kernel's rate, taken as
 * a standard rate when within 5 % of one, and 0 when no kernel has it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "kernel_tick.h"

static void test_exact_rates(void **state)
{
	(void)state;
	assert_int_equal(kernel_tick_hz(4000000), 250);
	assert_int_equal(kernel_tick_hz(1000000), 1000);
	assert_int_equal(kernel_tick_hz(10000000), 100);
	assert_int_equal(kernel_tick_hz(3333333), 300);
}

/* An emulator's jitter: a tick read 3 % long or short is still 250 Hz. */
static void test_jitter_snaps_to_the_rate(void **state)
{
	(void)state;
	assert_int_equal(kernel_tick_hz(4120000), 250);
	assert_int_equal(kernel_tick_hz(3880000), 250);
	assert_int_equal(kernel_tick_hz(1040000), 1000);
}

/* Far from every standard rate: the rate as measured, rounded. */
static void test_other_rates_as_measured(void **state)
{
	(void)state;
	assert_int_equal(kernel_tick_hz(5000000), 200);
	assert_int_equal(kernel_tick_hz(2000000), 500);
}

static void test_impossible_lengths(void **state)
{
	(void)state;
	assert_int_equal(kernel_tick_hz(0), 0);
	assert_int_equal(kernel_tick_hz(100000), 0);	 /* 10 kHz */
	assert_int_equal(kernel_tick_hz(2000000000), 0); /* 0.5 Hz */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_rates),
		cmocka_unit_test(test_jitter_snaps_to_the_rate),
		cmocka_unit_test(test_other_rates_as_measured),
		cmocka_unit_test(test_impossible_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

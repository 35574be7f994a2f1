/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PLUGLAND_TEST_SKIP_BECAUSE_H
#define PLUGLAND_TEST_SKIP_BECAUSE_H
/*
 * skip_because(WHY): cmocka's skip(), with the reason that make test
 * reports beside the skip (tests/unit/results.sh reads the line). After
 * <cmocka.h>.
 */
#define skip_because(why)                                   \
	do {                                                \
		print_message("skipped: %s\n", (why));      \
		skip();                                     \
	} while (0)
#endif

// SPDX-License-Identifier: GPL-2.0
/* The held set against a reference model, under random operations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "held_set.h"

#define MAX_PID 3000

static struct plugland_task model[MAX_PID]; /* pid 0: absent */

static void count_entry(void *ctx, const struct plugland_task *t)
{
	uint32_t *n = ctx;

	assert_int_equal(model[t->pid].pid, t->pid);
	assert_int_equal(model[t->pid].cookie, t->cookie);
	(*n)++;
}

static void test_random_ops_match_model(void **state)
{
	struct held_set h;
	uint32_t i, n = 0, present = 0;

	(void)state;
	memset(model, 0, sizeof(model));
	assert_int_equal(held_set_init(&h, 1024), 0);
	srand(42);
	for (i = 0; i < 2000000; i++) {
		int32_t pid = 1 + rand() % (MAX_PID - 1);
		uint64_t cookie = (uint64_t)rand() % 4;
		const struct plugland_task *got;
		struct plugland_task t = { .pid = pid, .cookie = cookie };

		switch (rand() % 3) {
		case 0:
			if (model[pid].pid || present < 1024) {
				assert_true(held_set_put(&h, &t));
				present += !model[pid].pid;
				model[pid] = t;
			}
			break;
		case 1: {
			bool want = model[pid].pid && model[pid].cookie == cookie;

			assert_int_equal(held_set_take(&h, pid, cookie), want);
			if (want) {
				model[pid].pid = 0;
				present--;
			}
			break;
		}
		default:
			got = held_set_get(&h, pid);
			if (model[pid].pid) {
				assert_non_null(got);
				assert_int_equal(got->cookie, model[pid].cookie);
			} else {
				assert_null(got);
			}
		}
		assert_int_equal(h.count, present);
		if (i % 100000 == 0) { /* a walk sees exactly the entries */
			uint32_t slot = 0, seen = 0;

			while (held_set_next(&h, &slot)) {
				count_entry(&seen, &h.slots[slot]);
				slot++;
			}
			assert_int_equal(seen, present);
		}
	}
	held_set_drain(&h, count_entry, &n);
	assert_int_equal(n, present);
	assert_int_equal(h.count, 0);
	for (i = 1; i < MAX_PID; i++)
		assert_null(held_set_get(&h, (int32_t)i));
	held_set_fini(&h);
}

static void test_full(void **state)
{
	struct held_set h;
	int32_t pid;

	(void)state;
	assert_int_equal(held_set_init(&h, 8), 0); /* 16 slots, 8 entries */
	for (pid = 1; pid <= 8; pid++) {
		struct plugland_task t = { .pid = pid };

		assert_true(held_set_put(&h, &t));
	}
	{
		struct plugland_task t = { .pid = 99 };

		assert_false(held_set_put(&h, &t));
		t.pid = 3; /* replacing needs no room */
		t.cookie = 7;
		assert_true(held_set_put(&h, &t));
		assert_int_equal(held_set_get(&h, 3)->cookie, 7);
	}
	{ /* a walk of the smallest set: all 8, nothing past its 16 slots */
		uint32_t slot = 0, seen = 0;

		assert_true(held_set_take(&h, 5, 0));
		while (held_set_next(&h, &slot)) {
			assert_true(slot <= h.mask);
			seen++;
			slot++;
		}
		assert_int_equal(seen, 7);
	}
	held_set_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_ops_match_model),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

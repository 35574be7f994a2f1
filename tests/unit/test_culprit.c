// SPDX-License-Identifier: GPL-2.0
/*
 * Who runs plugin code on a thread (culprit.h): nobody on a plain thread,
 * the frame a thread entered, and the plugin whose code started a thread
 * (counted until the thread ends, so an unload can wait for it or refuse).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "culprit.h"

static struct culprit seen;
static bool seen_any;
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;

/* Looks who it runs for, then waits until the test opens the gate. */
static void *look(void *arg)
{
	(void)arg;
	seen_any = culprit_here(&seen);
	pthread_mutex_lock(&gate);
	pthread_mutex_unlock(&gate);
	return NULL;
}

static void test_a_plain_thread_runs_nobody(void **state)
{
	struct culprit c;
	pthread_t t;

	(void)state;
	assert_false(culprit_here(&c));
	assert_int_equal(pthread_create(&t, NULL, look, NULL), 0);
	pthread_join(t, NULL);
	assert_false(seen_any);
}

static void test_a_frame_names_plugin_and_callback(void **state)
{
	struct plugin_id *id = plugin_id_new("async", "stats");
	struct culprit c;

	(void)state;
	assert_non_null(id);
	culprit_enter(id, "consume");
	assert_true(culprit_here(&c));
	assert_string_equal(c.kind, "async");
	assert_string_equal(c.name, "stats");
	assert_string_equal(c.callback, "consume");
	culprit_leave();
	assert_false(culprit_here(&c));
	assert_true(plugin_id_release(id, 0));
}

static void test_threads_a_plugin_starts_are_its_own(void **state)
{
	struct plugin_id *id = plugin_id_new("policy", "mine");
	pthread_t t;

	(void)state;
	pthread_mutex_lock(&gate);
	culprit_enter(id, "init");
	assert_int_equal(pthread_create(&t, NULL, look, NULL), 0);
	culprit_leave();
	/* Running: counted, and the plugin cannot be released. */
	assert_int_equal(atomic_load(&id->nr_threads), 1);
	assert_false(plugin_id_release(id, 20));
	pthread_mutex_unlock(&gate);
	pthread_join(t, NULL);
	/* Its crash or exit() would have been named as the plugin's. */
	assert_true(seen_any);
	assert_string_equal(seen.name, "mine");
	assert_null(seen.callback);
	/* Ended: released. */
	assert_true(plugin_id_release(id, 1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_plain_thread_runs_nobody),
		cmocka_unit_test(test_a_frame_names_plugin_and_callback),
		cmocka_unit_test(test_threads_a_plugin_starts_are_its_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

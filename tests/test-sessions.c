/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>

#include "vmds-sessions.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

START_TEST(test_sessions_lifecycle)
{
	g_autoptr(VmdsSessions) sessions = vmds_sessions_new(1800, 16);
	g_autofree gchar *id = vmds_sessions_create(sessions, "admin", 0);
	g_autofree gchar *other = vmds_sessions_create(sessions, "admin", 0);

	ck_assert_uint_eq(strlen(id), 32);
	ck_assert_str_ne(id, other);
	ck_assert(vmds_sessions_check(sessions, id));
	ck_assert(!vmds_sessions_check(sessions, NULL));
	ck_assert(!vmds_sessions_check(sessions, "forged"));
	ck_assert(vmds_sessions_remove(sessions, id));
	ck_assert(!vmds_sessions_check(sessions, id));
	ck_assert(!vmds_sessions_remove(sessions, id));
	ck_assert(vmds_sessions_check(sessions, other));
}
END_TEST

START_TEST(test_sessions_expire)
{
	/* a timeout of 0: a session is idle too long as soon as time passes */
	g_autoptr(VmdsSessions) sessions = vmds_sessions_new(0, 16);
	g_autofree gchar *id = vmds_sessions_create(sessions, "admin", 0);
	gint64 start = g_get_monotonic_time();

	while (g_get_monotonic_time() == start)
		; /* the monotonic clock has µs resolution: this spins a µs */
	ck_assert(!vmds_sessions_check(sessions, id));
	ck_assert_uint_eq(vmds_sessions_get_count(sessions), 0);
}
END_TEST

/* issue 8, point 13: sessions are capped; the one unused the longest makes room */
START_TEST(test_sessions_cap)
{
	g_autoptr(VmdsSessions) sessions = vmds_sessions_new(1800, 3);
	g_autofree gchar *a = vmds_sessions_create(sessions, "admin", 0);
	g_autofree gchar *b = vmds_sessions_create(sessions, "admin", 0);
	g_autofree gchar *c = vmds_sessions_create(sessions, "admin", 0);
	g_autofree gchar *d = NULL;
	g_autofree gchar *e = NULL;

	/* a is used: b is now the one unused the longest */
	ck_assert(vmds_sessions_check(sessions, a));
	d = vmds_sessions_create(sessions, "admin", 0);
	ck_assert_uint_eq(vmds_sessions_get_count(sessions), 3);
	ck_assert(!vmds_sessions_check(sessions, b));
	ck_assert(vmds_sessions_check(sessions, a));
	ck_assert(vmds_sessions_check(sessions, c));
	ck_assert(vmds_sessions_check(sessions, d));
	/* a, c and d were used in that order: a makes room */
	e = vmds_sessions_create(sessions, "admin", 0);
	ck_assert(!vmds_sessions_check(sessions, a));
	ck_assert(vmds_sessions_check(sessions, c));
	ck_assert(vmds_sessions_check(sessions, d));
	ck_assert(vmds_sessions_check(sessions, e));
}
END_TEST

/* issue 8, point 12: a password change ends every session */
START_TEST(test_sessions_remove_all)
{
	g_autoptr(VmdsSessions) sessions = vmds_sessions_new(1800, 16);
	g_autofree gchar *a = vmds_sessions_create(sessions, "admin", 0);
	g_autofree gchar *b = vmds_sessions_create(sessions, "admin", 0);
	g_autofree gchar *c = NULL;

	ck_assert_uint_eq(vmds_sessions_remove_all(sessions), 2);
	ck_assert(!vmds_sessions_check(sessions, a));
	ck_assert(!vmds_sessions_check(sessions, b));
	c = vmds_sessions_create(sessions, "admin", 0);
	ck_assert(vmds_sessions_check(sessions, c));
	ck_assert_uint_eq(vmds_sessions_get_count(sessions), 1);
}
END_TEST

/* a session keeps the stamp it was made with, and lookup renews it */
START_TEST(test_sessions_lookup)
{
	g_autoptr(VmdsSessions) sessions = vmds_sessions_new(1800, 16);
	g_autofree gchar *a = vmds_sessions_create(sessions, "alice", 7);
	g_autofree gchar *b = vmds_sessions_create(sessions, "admin", 0);
	guint64 stamp = 99;

	ck_assert_str_eq(vmds_sessions_lookup(sessions, a, &stamp), "alice");
	ck_assert_uint_eq(stamp, 7);
	ck_assert_str_eq(vmds_sessions_lookup(sessions, b, &stamp), "admin");
	ck_assert_uint_eq(stamp, 0);
	stamp = 99;
	ck_assert_ptr_null(vmds_sessions_lookup(sessions, "0123456789abcdef", &stamp));
	ck_assert_ptr_null(vmds_sessions_lookup(sessions, NULL, &stamp));
	ck_assert_uint_eq(stamp, 99);
	ck_assert(vmds_sessions_remove(sessions, a));
	ck_assert_ptr_null(vmds_sessions_lookup(sessions, a, &stamp));
}
END_TEST

START_TEST(test_sessions_secret_equal)
{
	g_autofree gchar *secret = vmds_secret_new(18);

	ck_assert_uint_eq(strlen(secret), 36);
	ck_assert(vmds_secret_equal(secret, secret));
	ck_assert(vmds_secret_equal("abc", "abc"));
	ck_assert(!vmds_secret_equal("abc", "abd"));
	ck_assert(!vmds_secret_equal("abc", "ab"));
	ck_assert(!vmds_secret_equal("abc", "abcd"));
	ck_assert(!vmds_secret_equal("abc", ""));
	ck_assert(!vmds_secret_equal("", ""));
}
END_TEST

static Suite *
test_sessions_suite(void)
{
	Suite *s = suite_create("sessions");
	TCase *tc = tcase_create("sessions");
	tcase_add_test(tc, test_sessions_lifecycle);
	tcase_add_test(tc, test_sessions_expire);
	tcase_add_test(tc, test_sessions_cap);
	tcase_add_test(tc, test_sessions_remove_all);
	tcase_add_test(tc, test_sessions_lookup);
	tcase_add_test(tc, test_sessions_secret_equal);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_sessions_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

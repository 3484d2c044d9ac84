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
	g_autoptr(VmdsSessions) sessions = vmds_sessions_new(1800);
	g_autofree gchar *id = vmds_sessions_create(sessions, "admin");
	g_autofree gchar *other = vmds_sessions_create(sessions, "admin");

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
	g_autoptr(VmdsSessions) sessions = vmds_sessions_new(0);
	g_autofree gchar *id = vmds_sessions_create(sessions, "admin");
	gint64 start = g_get_monotonic_time();

	while (g_get_monotonic_time() == start)
		; /* the monotonic clock has µs resolution: this spins a µs */
	ck_assert(!vmds_sessions_check(sessions, id));
}
END_TEST

START_TEST(test_sessions_login_backoff)
{
	g_autoptr(VmdsSessions) sessions = vmds_sessions_new(1800);
	guint retry_after = 0;

	/* four failures are free */
	for (guint i = 1; i <= 4; i++) {
		ck_assert(vmds_sessions_login_allowed(sessions, "10.0.0.1", &retry_after));
		ck_assert_uint_eq(vmds_sessions_login_failed(sessions, "10.0.0.1"), i);
	}
	ck_assert(vmds_sessions_login_allowed(sessions, "10.0.0.1", &retry_after));
	/* the fifth makes the client wait a second, the sixth two */
	ck_assert_uint_eq(vmds_sessions_login_failed(sessions, "10.0.0.1"), 5);
	ck_assert(!vmds_sessions_login_allowed(sessions, "10.0.0.1", &retry_after));
	ck_assert_uint_eq(retry_after, 1);
	ck_assert_uint_eq(vmds_sessions_login_failed(sessions, "10.0.0.1"), 6);
	ck_assert(!vmds_sessions_login_allowed(sessions, "10.0.0.1", &retry_after));
	ck_assert_uint_eq(retry_after, 2);
	/* per client: another address is not slowed */
	ck_assert(vmds_sessions_login_allowed(sessions, "10.0.0.2", &retry_after));
	/* a success forgets the failures */
	vmds_sessions_login_succeeded(sessions, "10.0.0.1");
	ck_assert(vmds_sessions_login_allowed(sessions, "10.0.0.1", &retry_after));
	ck_assert_uint_eq(vmds_sessions_login_failed(sessions, "10.0.0.1"), 1);
}
END_TEST

START_TEST(test_sessions_backoff_cap)
{
	g_autoptr(VmdsSessions) sessions = vmds_sessions_new(1800);
	guint retry_after = 0;

	for (guint i = 0; i < 40; i++)
		vmds_sessions_login_failed(sessions, "c");
	ck_assert(!vmds_sessions_login_allowed(sessions, "c", &retry_after));
	ck_assert_uint_le(retry_after, 300);
	ck_assert_uint_ge(retry_after, 299);
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
	suite_add_tcase(s, tc);
	tc = tcase_create("login");
	tcase_add_test(tc, test_sessions_login_backoff);
	tcase_add_test(tc, test_sessions_backoff_cap);
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

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>

#include "vmds-login-throttle.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

/* the throttle takes the time from its caller: these tests pass their own */
#define SEC G_USEC_PER_SEC
#define T0  ((gint64)1000 * SEC)

START_TEST(test_login_throttle_client)
{
	g_autoptr(VmdsLoginThrottle) t = vmds_login_throttle_new(16, 16);
	guint retry_after = 0;

	/* four failures are free */
	for (guint i = 1; i <= 4; i++) {
		ck_assert(vmds_login_throttle_check(t, "10.0.0.1", "admin", T0, &retry_after));
		ck_assert_uint_eq(vmds_login_throttle_failed(t, "10.0.0.1", "admin", T0), i);
	}
	ck_assert(vmds_login_throttle_check(t, "10.0.0.1", "admin", T0, &retry_after));
	/* the fifth makes the client wait a second, the sixth two */
	ck_assert_uint_eq(vmds_login_throttle_failed(t, "10.0.0.1", "admin", T0), 5);
	ck_assert(!vmds_login_throttle_check(t, "10.0.0.1", "admin", T0, &retry_after));
	ck_assert_uint_eq(retry_after, 1);
	ck_assert_uint_eq(vmds_login_throttle_failed(t, "10.0.0.1", "admin", T0), 6);
	ck_assert(!vmds_login_throttle_check(t, "10.0.0.1", "admin", T0, &retry_after));
	ck_assert_uint_eq(retry_after, 2);
	ck_assert(vmds_login_throttle_check(t, "10.0.0.1", "admin", T0 + 2 * SEC, &retry_after));
	/* per client: another address is not slowed (the account has seen 6) */
	ck_assert(vmds_login_throttle_check(t, "10.0.0.2", "admin", T0, &retry_after));
	/* a success forgets the failures */
	vmds_login_throttle_succeeded(t, "10.0.0.1", "admin");
	ck_assert(vmds_login_throttle_check(t, "10.0.0.1", "admin", T0, &retry_after));
	ck_assert_uint_eq(vmds_login_throttle_failed(t, "10.0.0.1", "admin", T0), 1);
}
END_TEST

START_TEST(test_login_throttle_cap)
{
	g_autoptr(VmdsLoginThrottle) t = vmds_login_throttle_new(16, 16);
	guint retry_after = 0;

	for (guint i = 0; i < 40; i++)
		vmds_login_throttle_failed(t, "c", "a", T0);
	ck_assert(!vmds_login_throttle_check(t, "c", "a", T0, &retry_after));
	ck_assert_uint_eq(retry_after, 300);
}
END_TEST

/*
 * Issue 8, point 3: an attacker rotating through addresses (one failure each,
 * never slowed per address) is slowed per account: after the account's free
 * failures every attempt on it waits, from any address, even a new one.
 */
START_TEST(test_login_throttle_account)
{
	g_autoptr(VmdsLoginThrottle) t = vmds_login_throttle_new(4096, 16);
	guint retry_after = 0;

	for (guint i = 0; i < VMDS_LOGIN_THROTTLE_ACCOUNT_FREE_FAILURES - 1; i++) {
		g_autofree gchar *client = g_strdup_printf("127.0.%u.%u", i / 256, i % 256);
		ck_assert(vmds_login_throttle_check(t, client, "admin", T0, &retry_after));
		vmds_login_throttle_failed(t, client, "admin", T0);
	}
	ck_assert(vmds_login_throttle_check(t, "127.1.0.1", "admin", T0, &retry_after));
	vmds_login_throttle_failed(t, "127.1.0.1", "admin", T0);
	ck_assert(!vmds_login_throttle_check(t, "127.1.0.2", "admin", T0, &retry_after));
	ck_assert_uint_eq(retry_after, 1);
	/* another account is not slowed by it */
	ck_assert(vmds_login_throttle_check(t, "127.1.0.2", "", T0, &retry_after));
	/* and the waits grow with each further failure */
	for (guint i = 0; i < 20; i++)
		vmds_login_throttle_failed(t, "127.2.0.1", "admin", T0);
	ck_assert(
	    !vmds_login_throttle_check(t, "127.9.9.9", "admin", T0 + 299 * SEC, &retry_after));
	ck_assert(vmds_login_throttle_check(t, "127.9.9.9", "admin", T0 + 300 * SEC, &retry_after));
}
END_TEST

/*
 * Issue 8, point 3: a full table of addresses makes room without lifting a
 * block: a blocked address is still blocked after thousands of new ones
 * failed once each, and new addresses share a record once every one in the
 * table is blocked.
 */
START_TEST(test_login_throttle_eviction)
{
	g_autoptr(VmdsLoginThrottle) t = vmds_login_throttle_new(8, 16);
	guint retry_after = 0;

	for (guint i = 0; i < 10; i++)
		vmds_login_throttle_failed(t, "blocked", "x", T0);
	ck_assert(!vmds_login_throttle_check(t, "blocked", "admin", T0, &retry_after));
	/* 5,000 addresses fail once each (on other accounts, which they are not
	 * slowed on: only the address table is under test) */
	for (guint i = 0; i < 5000; i++) {
		g_autofree gchar *client = g_strdup_printf("c%u", i);
		g_autofree gchar *account = g_strdup_printf("a%u", i % 8);
		vmds_login_throttle_failed(t, client, account, T0 + i);
		vmds_login_throttle_succeeded(t, "nobody", account);
	}
	ck_assert(!vmds_login_throttle_check(t, "blocked", "admin", T0 + 5000, &retry_after));

	/* block every other record too: new addresses then share one record */
	for (guint i = 0; i < 7; i++) {
		g_autofree gchar *client = g_strdup_printf("b%u", i);
		for (guint j = 0; j < 5; j++)
			vmds_login_throttle_failed(t, client, "y", T0 + 6000);
	}
	for (guint i = 0; i < 5; i++) {
		g_autofree gchar *client = g_strdup_printf("new%u", i);
		ck_assert(vmds_login_throttle_check(t, client, "z", T0 + 6000, &retry_after));
		vmds_login_throttle_failed(t, client, "z", T0 + 6000);
	}
	ck_assert(!vmds_login_throttle_check(t, "new5", "z2", T0 + 6000, &retry_after));
	ck_assert(!vmds_login_throttle_check(t, "blocked", "admin", T0 + 6000, &retry_after));
}
END_TEST

static Suite *
test_login_throttle_suite(void)
{
	Suite *s = suite_create("login-throttle");
	TCase *tc = tcase_create("login-throttle");
	tcase_add_test(tc, test_login_throttle_client);
	tcase_add_test(tc, test_login_throttle_cap);
	tcase_add_test(tc, test_login_throttle_account);
	tcase_add_test(tc, test_login_throttle_eviction);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_login_throttle_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

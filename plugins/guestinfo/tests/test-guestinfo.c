/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmds-guestinfo.h"
#include "vmds-test.h"

/*
 * guestinfo variables in a real store: names after `guestinfo.` in any
 * case, values as sent, the guest's total bounded.
 */

static gchar *test_dir = NULL;
static gchar *test_path = NULL;
static GPtrArray *test_schemas = NULL;

static void
setup(void)
{
	test_dir = g_dir_make_tmp("vmds-test-guestinfo-XXXXXX", NULL);
	ck_assert_ptr_nonnull(test_dir);
	test_path = g_build_filename(test_dir, "vm-1", "vm-1.dsd", NULL);
	test_schemas = g_ptr_array_new();
	g_ptr_array_add(test_schemas, (gpointer)&vmds_guestinfo_schema);
}

static void
teardown(void)
{
	vmds_test_rm_rf(test_dir);
	g_clear_pointer(&test_dir, g_free);
	g_clear_pointer(&test_path, g_free);
	g_clear_pointer(&test_schemas, g_ptr_array_unref);
}

static VmdsStore *
open_store(void)
{
	g_autoptr(GError) error = NULL;
	VmdsStore *store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_msg(store != NULL, "%s", error != NULL ? error->message : "");
	return store;
}

START_TEST(test_guestinfo_parse)
{
	const struct {
		const gchar *args;
		const gchar *name; /* NULL: refused */
		const gchar *value;
	} sets[] = {
	    {"guestinfo.ovfEnv", "ovfEnv", ""},
	    {"guestinfo.x hello world", "x", "hello world"},
	    {"guestinfo.x  ", "x", " "},
	    {"guestinfo.x NULL", "x", "NULL"},
	    {"GuestInfo.Upper v", "Upper", "v"},
	    {"guestinfo.a.b.c v", "a.b.c", "v"},
	    {"guestinfo. v", NULL, NULL},
	    {"guestinfo.", NULL, NULL},
	    {"info.x v", NULL, NULL},
	    {"guestinfox v", NULL, NULL},
	    {" guestinfo.x v", NULL, NULL},
	    {"guestinfo.a\tb v", NULL, NULL},
	    {"guestinfo.\xff v", NULL, NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(sets); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *name = NULL;
		g_autofree gchar *value = NULL;
		gboolean ok = vmds_guestinfo_parse_set(
		    sets[i].args, strlen(sets[i].args), &name, &value, &error);
		ck_assert_msg(ok == (sets[i].name != NULL), "%s", sets[i].args);
		if (!ok) {
			ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
			continue;
		}
		ck_assert_str_eq(name, sets[i].name);
		ck_assert_str_eq(value, sets[i].value);
	}
	{
		g_autofree gchar *name = NULL;
		const gchar with_nul[] = "guestinfo.a\0b";
		ck_assert(!vmds_guestinfo_parse_name(with_nul, sizeof with_nul - 1, &name, NULL));
	}
}
END_TEST

START_TEST(test_guestinfo_case)
{
	g_autoptr(VmdsStore) store = open_store();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) names = NULL;
	g_autofree gchar *value = NULL;

	ck_assert(vmds_guestinfo_set(store, "ovfEnv", "<xml/>", FALSE, 0, &error));
	value = vmds_guestinfo_get(store, "OVFENV", &error);
	ck_assert_str_eq(value, "<xml/>");
	g_clear_pointer(&value, g_free);
	ck_assert(vmds_guestinfo_set(store, "ovfenv", "NULL", TRUE, 1024, &error));
	value = vmds_guestinfo_get(store, "ovfEnv", &error);
	ck_assert_str_eq(value, "NULL");
	names = vmds_guestinfo_list(store, &error);
	ck_assert_uint_eq(names->len, 1);
	/* the case it was first written in */
	ck_assert_str_eq(g_ptr_array_index(names, 0), "ovfEnv");
	g_clear_pointer(&value, g_free);
	ck_assert_ptr_null(vmds_guestinfo_get(store, "missing", &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND));
	ck_assert_str_eq(error->message, "No value found");
}
END_TEST

START_TEST(test_guestinfo_guest_limit)
{
	g_autoptr(VmdsStore) store = open_store();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *value = NULL;

	/* name + value bytes of what the guest wrote last: 10 + 10 = 20 */
	ck_assert(vmds_guestinfo_set(store, "a", "123456789", TRUE, 20, &error));
	ck_assert(vmds_guestinfo_set(store, "b", "123456789", TRUE, 20, &error));
	ck_assert(!vmds_guestinfo_set(store, "c", "x", TRUE, 20, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_QUOTA_EXCEEDED));
	g_clear_error(&error);
	ck_assert_ptr_null(vmds_guestinfo_get(store, "c", NULL));
	/* an overwrite counts once; the host counts for nothing */
	ck_assert(vmds_guestinfo_set(store, "A", "12345", TRUE, 20, &error));
	ck_assert(
	    vmds_guestinfo_set(store, "host", "a long value the host set", FALSE, 20, &error));
	ck_assert(vmds_guestinfo_set(store, "c", "123", TRUE, 20, &error));
	/* the host taking a variable over frees the guest's bytes */
	ck_assert(!vmds_guestinfo_set(store, "d", "1", TRUE, 20, NULL));
	ck_assert(vmds_guestinfo_set(store, "b", "host's now", FALSE, 20, &error));
	ck_assert(vmds_guestinfo_set(store, "d", "1", TRUE, 20, &error));
	value = vmds_guestinfo_get(store, "a", &error);
	ck_assert_str_eq(value, "12345");
}
END_TEST

START_TEST(test_guestinfo_remove_and_restart)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *value = NULL;

	{
		g_autoptr(VmdsStore) store = open_store();
		ck_assert(vmds_guestinfo_set(store, "keep", " ", TRUE, 1024, &error));
		ck_assert(vmds_guestinfo_set(store, "gone", "x", FALSE, 0, &error));
		ck_assert(vmds_guestinfo_remove(store, "GONE", &error));
		ck_assert(!vmds_guestinfo_remove(store, "gone", &error));
		ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND));
		g_clear_error(&error);
	}
	{
		g_autoptr(VmdsStore) store = open_store();
		g_autoptr(GPtrArray) names = vmds_guestinfo_list(store, &error);
		ck_assert_uint_eq(names->len, 1);
		value = vmds_guestinfo_get(store, "keep", &error);
		ck_assert_str_eq(value, " ");
		ck_assert_uint_eq(vmds_store_get_version(store, "guestinfo"), 2);
	}
}
END_TEST

START_TEST(test_guestinfo_settings)
{
	g_autoptr(VmdsStore) store = open_store();
	g_autoptr(GError) error = NULL;
	VmdsGuestinfoSettings settings = {0};
	g_autofree gchar *value = NULL;

	/* none of its own: guests may write, within the daemon's limit */
	ck_assert(vmds_guestinfo_get_settings(store, &settings, &error));
	ck_assert(settings.guest_writes);
	ck_assert_int_eq(settings.guest_size_limit, -1);
	ck_assert_uint_eq(settings.guest_bytes, 0);
	ck_assert(vmds_guestinfo_set(store, "ab", "cde", TRUE, 100, &error));
	ck_assert(vmds_guestinfo_set(store, "host", "xyz", FALSE, 0, &error));
	settings.guest_writes = FALSE;
	settings.guest_size_limit = 0;
	ck_assert(vmds_guestinfo_set_settings(store, &settings, &error));
	memset(&settings, 0, sizeof(settings));
	ck_assert(vmds_guestinfo_get_settings(store, &settings, &error));
	ck_assert(!settings.guest_writes);
	ck_assert_int_eq(settings.guest_size_limit, 0);
	/* what the guest set: its names and values, not the host's */
	ck_assert_uint_eq(settings.guest_bytes, 5);
	settings.guest_size_limit = G_MAXUINT32;
	ck_assert(vmds_guestinfo_set_settings(store, &settings, &error));
	ck_assert(vmds_guestinfo_get_settings(store, &settings, &error));
	ck_assert_int_eq(settings.guest_size_limit, G_MAXUINT32);

	/* remove_host leaves what the guest set last */
	ck_assert(vmds_guestinfo_remove_host(store, "AB", &error));
	ck_assert(vmds_guestinfo_remove_host(store, "HOST", &error));
	ck_assert(vmds_guestinfo_remove_host(store, "none", &error));
	value = vmds_guestinfo_get(store, "ab", &error);
	ck_assert_str_eq(value, "cde");
	ck_assert_ptr_null(vmds_guestinfo_get(store, "host", &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND));
}
END_TEST

static Suite *
guestinfo_suite(void)
{
	Suite *s = suite_create("guestinfo");
	TCase *tc = tcase_create("engine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_guestinfo_parse);
	tcase_add_test(tc, test_guestinfo_case);
	tcase_add_test(tc, test_guestinfo_guest_limit);
	tcase_add_test(tc, test_guestinfo_remove_and_restart);
	tcase_add_test(tc, test_guestinfo_settings);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *runner = srunner_create(guestinfo_suite());
	gint failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

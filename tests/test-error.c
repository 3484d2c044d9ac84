/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <gio/gio.h>

#include "vmds.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

/* the guest error-ids of guest-rpc.md §5 and the REST error types and
 * statuses of management-api.md, written out by hand */
static const struct {
	VmdsError code;
	const gchar *error_id;
	const gchar *error_type;
	guint status;
} expected[] = {
    {VMDS_ERROR_INVALID_ARGUMENT, "invalid-argument", "INVALID_ARGUMENT", 400},
    {VMDS_ERROR_DATASET_NOT_FOUND, "dataset-not-found", "NOT_FOUND", 404},
    {VMDS_ERROR_KEY_NOT_FOUND, "key-not-found", "NOT_FOUND", 404},
    {VMDS_ERROR_ACCESS_DENIED, "access-denied", "UNAUTHORIZED", 403},
    {VMDS_ERROR_TOO_LARGE, "too-large", "INVALID_ARGUMENT", 400},
    {VMDS_ERROR_QUOTA_EXCEEDED, "quota-exceeded", "UNABLE_TO_ALLOCATE_RESOURCE", 400},
    {VMDS_ERROR_STORAGE, "storage-error", "ERROR", 500},
    {VMDS_ERROR_ALREADY_EXISTS, "already-exists", "ALREADY_EXISTS", 400},
    {VMDS_ERROR_RESOURCE_IN_USE, "resource-in-use", "RESOURCE_IN_USE", 400},
    {VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE,
     "not-allowed-in-current-state",
     "NOT_ALLOWED_IN_CURRENT_STATE",
     400},
    {VMDS_ERROR_UNSUPPORTED, "unsupported", "UNSUPPORTED", 400},
    {VMDS_ERROR_UNAUTHENTICATED, "unauthenticated", "UNAUTHENTICATED", 401},
    {VMDS_ERROR_NOT_FOUND, "not-found", "NOT_FOUND", 404},
    /* vSphere's service_unavailable: the REST connection caps */
    {VMDS_ERROR_UNAVAILABLE, "unavailable", "SERVICE_UNAVAILABLE", 503},
};

START_TEST(test_error_map)
{
	for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
		g_autoptr(GError) error = g_error_new_literal(VMDS_ERROR, expected[i].code, "x");
		ck_assert_str_eq(vmds_error_to_error_id(error), expected[i].error_id);
		ck_assert_str_eq(vmds_error_to_error_type(error), expected[i].error_type);
		ck_assert_uint_eq(vmds_error_to_http_status(error), expected[i].status);
	}
}
END_TEST

START_TEST(test_error_quark)
{
	/* clients that match errors by domain name rely on it */
	ck_assert_str_eq(g_quark_to_string(VMDS_ERROR), "vmds-error-quark");
}
END_TEST

START_TEST(test_error_foreign)
{
	g_autoptr(GError) error = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_NO_SPACE, "disk full");
	g_autoptr(GError) other = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, "odd");

	/* never mapped as is: a foreign error is an internal one */
	ck_assert_str_eq(vmds_error_to_error_type(other), "ERROR");
	ck_assert_uint_eq(vmds_error_to_http_status(other), 500);

	vmds_error_convert(&error);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_STORAGE));
	ck_assert_str_eq(error->message, "disk full");
	vmds_error_convert(&other);
	ck_assert(g_error_matches(other, VMDS_ERROR, VMDS_ERROR_INTERNAL));
}
END_TEST

static Suite *
test_error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("map");
	tcase_add_test(tc, test_error_map);
	tcase_add_test(tc, test_error_quark);
	tcase_add_test(tc, test_error_foreign);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_error_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

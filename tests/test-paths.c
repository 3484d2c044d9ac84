/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <unistd.h>

#include "vmds.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

/* the environment wins over the built-in defaults */
START_TEST(test_paths_environment)
{
	g_autofree gchar *state = NULL;
	g_autofree gchar *run = NULL;
	g_autofree gchar *config = NULL;

	g_setenv("VMDS_STATE_DIR", "/srv/state", TRUE);
	g_setenv("VMDS_RUN_DIR", "/srv/run", TRUE);
	g_setenv("VMDS_CONFIG", "/srv/vmds.conf", TRUE);
	state = vmds_paths_state_dir();
	run = vmds_paths_run_dir();
	config = vmds_paths_config_file();
	ck_assert_str_eq(state, "/srv/state");
	ck_assert_str_eq(run, "/srv/run");
	ck_assert_str_eq(config, "/srv/vmds.conf");
}
END_TEST

/* with no environment: the system directories for root, XDG ones otherwise */
START_TEST(test_paths_defaults)
{
	g_autofree gchar *state = NULL;
	g_autofree gchar *run = NULL;
	g_autofree gchar *user_state = g_build_filename(g_get_user_state_dir(), "vmds", NULL);
	g_autofree gchar *user_run = g_build_filename(g_get_user_runtime_dir(), "vmds", NULL);

	g_unsetenv("VMDS_STATE_DIR");
	g_setenv("VMDS_RUN_DIR", "", TRUE); /* empty counts as unset */
	state = vmds_paths_state_dir();
	run = vmds_paths_run_dir();
	if (geteuid() == 0) {
		ck_assert_str_eq(state, "/var/lib/vmds");
		ck_assert_str_eq(run, "/run/vmds");
	} else {
		ck_assert_str_eq(state, user_state);
		ck_assert_str_eq(run, user_run);
	}
}
END_TEST

START_TEST(test_paths_socket)
{
	g_autofree gchar *path = vmds_paths_socket("/run/vmds", "vm-7");
	ck_assert_str_eq(path, "/run/vmds/vm-7.sock");
}
END_TEST

static Suite *
test_paths_suite(void)
{
	Suite *s = suite_create("paths");
	TCase *tc = tcase_create("paths");
	tcase_add_test(tc, test_paths_environment);
	tcase_add_test(tc, test_paths_defaults);
	tcase_add_test(tc, test_paths_socket);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_paths_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

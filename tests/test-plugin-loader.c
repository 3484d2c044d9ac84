/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <glib/gstdio.h>

#include "vmds-plugin-loader.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

static gchar *test_dir = NULL;

static void
test_plugin_loader_setup(void)
{
	test_dir = g_dir_make_tmp("vmds-test-plugins-XXXXXX", NULL);
	ck_assert_ptr_nonnull(test_dir);
}

static void
test_plugin_loader_teardown(void)
{
	g_autoptr(GDir) dir = g_dir_open(test_dir, 0, NULL);
	const gchar *name;

	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(test_dir, name, NULL);
		g_unlink(path);
	}
	g_rmdir(test_dir);
	g_clear_pointer(&test_dir, g_free);
}

/* a copy of @src in the temp dir as libvmds-plugin-@name.so, with @mode */
static gchar *
test_plugin_loader_copy(const gchar *src, const gchar *name, gint mode)
{
	g_autofree gchar *data = NULL;
	g_autofree gchar *file = g_strdup_printf("libvmds-plugin-%s.so", name);
	gchar *path = g_build_filename(test_dir, file, NULL);
	gsize len = 0;

	ck_assert(g_file_get_contents(src, &data, &len, NULL));
	ck_assert(g_file_set_contents(path, data, (gssize)len, NULL));
	ck_assert_int_eq(g_chmod(path, mode), 0);
	return path;
}

START_TEST(test_plugin_loader_datasets)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsPlugin) plugin =
	    vmds_plugin_loader_open(g_getenv("VMDS_TEST_PLUGIN"), &error);

	ck_assert_msg(plugin != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_str_eq(vmds_plugin_get_name(plugin), "datasets");
	ck_assert(vmds_plugin_startup(plugin, &error));
	/* guest-rpc.md §5: six commands and three plural aliases; nine routes */
	ck_assert_uint_eq(vmds_plugin_get_commands(plugin)->len, 9);
	ck_assert_uint_eq(vmds_plugin_get_routes(plugin)->len, 9);
}
END_TEST

START_TEST(test_plugin_loader_writable)
{
	g_autofree gchar *path = test_plugin_loader_copy(g_getenv("VMDS_TEST_PLUGIN"), "ww", 0666);
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsPlugin) plugin = vmds_plugin_loader_open(path, &error);

	ck_assert_ptr_null(plugin);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_ACCESS_DENIED));
}
END_TEST

START_TEST(test_plugin_loader_not_a_plugin)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsPlugin) misnamed =
	    vmds_plugin_loader_open(g_getenv("VMDS_TEST_NOT_PLUGIN"), &error);
	g_autofree gchar *path = NULL;
	g_autoptr(VmdsPlugin) plugin = NULL;

	ck_assert_ptr_null(misnamed);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	g_clear_error(&error);
	/* a shared library without the plugin symbols */
	path = test_plugin_loader_copy(g_getenv("VMDS_TEST_NOT_PLUGIN"), "no", 0644);
	plugin = vmds_plugin_loader_open(path, &error);
	ck_assert_ptr_null(plugin);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
}
END_TEST

START_TEST(test_plugin_loader_dirs)
{
	g_autofree gchar *plugin_dir = g_path_get_dirname(g_getenv("VMDS_TEST_PLUGIN"));
	g_autofree gchar *bad = NULL;
	g_autofree gchar *dirs =
	    g_strdup_printf("/nonexistent:%s:%s:%s", test_dir, plugin_dir, plugin_dir);
	g_autoptr(GPtrArray) plugins = NULL;

	bad = test_plugin_loader_copy(g_getenv("VMDS_TEST_PLUGIN"), "bad", 0666);
	plugins = vmds_plugin_loader_load_dirs(dirs, NULL);
	ck_assert(g_file_test(bad, G_FILE_TEST_EXISTS));
	/* the missing directory and the bad file are skipped with a warning,
	 * and the second copy of datasets is not opened */
	ck_assert_uint_eq(plugins->len, 1);
	ck_assert_str_eq(vmds_plugin_get_name(g_ptr_array_index(plugins, 0)), "datasets");
}
END_TEST

static Suite *
test_plugin_loader_suite(void)
{
	Suite *s = suite_create("plugin-loader");
	TCase *tc = tcase_create("open");
	tcase_add_checked_fixture(tc, test_plugin_loader_setup, test_plugin_loader_teardown);
	tcase_add_test(tc, test_plugin_loader_datasets);
	tcase_add_test(tc, test_plugin_loader_writable);
	tcase_add_test(tc, test_plugin_loader_not_a_plugin);
	tcase_add_test(tc, test_plugin_loader_dirs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_plugin_loader_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

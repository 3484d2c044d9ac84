/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "vmds-plugin-loader.h"
#include "vmds-test.h"

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
	vmds_test_rm_rf(test_dir);
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
	ck_assert_uint_eq(vmds_plugin_get_routes(plugin)->len, 11);
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

/* point 9: the file itself, never a link to it (whoever made the link) */
START_TEST(test_plugin_loader_symlink)
{
	g_autofree gchar *link = g_build_filename(test_dir, "libvmds-plugin-link.so", NULL);
	g_autofree gchar *expected =
	    g_strdup_printf("%s is a symbolic link: only the file itself is accepted", link);
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsPlugin) plugin = NULL;
	g_autoptr(GPtrArray) plugins = NULL;

	ck_assert_int_eq(symlink(g_getenv("VMDS_TEST_PLUGIN"), link), 0);
	plugin = vmds_plugin_loader_open(link, &error);
	ck_assert_ptr_null(plugin);
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	ck_assert_str_eq(error->message, expected);
	/* in a directory, it is left out with a warning */
	plugins = vmds_plugin_loader_load_dirs(test_dir, &error);
	ck_assert_ptr_nonnull(plugins);
	ck_assert_uint_eq(plugins->len, 0);
}
END_TEST

/* point 9: a directory someone else can write is refused, with what is in it */
START_TEST(test_plugin_loader_writable_dir)
{
	const guint modes[] = {0777, 0770, 0775, 0757, 01777};
	g_autofree gchar *plugin_dir = g_path_get_dirname(g_getenv("VMDS_TEST_PLUGIN"));
	g_autofree gchar *path = test_plugin_loader_copy(g_getenv("VMDS_TEST_PLUGIN"), "ds", 0644);

	for (guint i = 0; i < G_N_ELEMENTS(modes); i++) {
		g_autofree gchar *dirs = g_strdup_printf("%s:%s", plugin_dir, test_dir);
		g_autoptr(GError) error = NULL;
		g_autoptr(VmdsPlugin) plugin = NULL;
		g_autoptr(GPtrArray) plugins = NULL;

		ck_assert_int_eq(g_chmod(test_dir, (gint)modes[i]), 0);
		plugin = vmds_plugin_loader_open(path, &error);
		ck_assert_msg(plugin == NULL, "loaded from a directory of mode %04o", modes[i]);
		assert_error(error, VMDS_ERROR_ACCESS_DENIED);
		ck_assert_msg(g_str_has_prefix(error->message, test_dir) &&
				  strstr(error->message, " is writable by ") != NULL,
			      "%s",
			      error->message);
		g_clear_error(&error);
		/* the daemon does not start on such a directory, even after a good one */
		plugins = vmds_plugin_loader_load_dirs(dirs, &error);
		ck_assert_msg(plugins == NULL, "loaded from a directory of mode %04o", modes[i]);
		assert_error(error, VMDS_ERROR_ACCESS_DENIED);
		ck_assert_msg(g_str_has_prefix(error->message, "refusing the plugin directory: "),
			      "%s",
			      error->message);
	}
}
END_TEST

/* a plugin file of another user (root only: chown) */
START_TEST(test_plugin_loader_owner)
{
	g_autofree gchar *path =
	    test_plugin_loader_copy(g_getenv("VMDS_TEST_PLUGIN"), "theirs", 0644);
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsPlugin) plugin = NULL;

	if (geteuid() != 0) {
		g_printerr("SKIP: a file of another owner needs root\n");
		return;
	}
	ck_assert_int_eq(chown(path, 65534, 0), 0);
	plugin = vmds_plugin_loader_open(path, &error);
	ck_assert_ptr_null(plugin);
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
}
END_TEST

/*
 * Two plugins are two modules: each is loaded by its own descriptor, which
 * stays open, so the second never gets the first's module by a descriptor
 * number the first had
 */
START_TEST(test_plugin_loader_two_modules)
{
	g_autofree gchar *first = g_path_get_dirname(g_getenv("VMDS_TEST_PLUGIN"));
	g_autofree gchar *second = g_path_get_dirname(g_getenv("VMDS_TEST_OTHER_PLUGIN"));
	g_autofree gchar *dirs = g_strdup_printf("%s:%s", first, second);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) plugins = vmds_plugin_loader_load_dirs(dirs, &error);
	VmdsPlugin *datasets;
	VmdsPlugin *test;

	ck_assert_msg(plugins != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_uint_eq(plugins->len, 2);
	datasets = g_ptr_array_index(plugins, 0);
	test = g_ptr_array_index(plugins, 1);
	ck_assert_str_eq(vmds_plugin_get_name(datasets), "datasets");
	ck_assert_str_eq(G_OBJECT_TYPE_NAME(datasets), "VmdsDatasetsPlugin");
	ck_assert_str_eq(vmds_plugin_get_name(test), "test");
	ck_assert_str_eq(G_OBJECT_TYPE_NAME(test), "VmdsTestPlugin");
}
END_TEST

/* what is loaded is the file the descriptor holds, whatever its path names by then */
START_TEST(test_plugin_loader_by_descriptor)
{
	gint fd = open(g_getenv("VMDS_TEST_OTHER_PLUGIN"), O_RDONLY | O_CLOEXEC);
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsPlugin) plugin = NULL;

	ck_assert_int_ge(fd, 0);
	/* the path of the datasets plugin, the descriptor of the test plugin */
	plugin = vmds_plugin_loader_open_fd(fd, g_getenv("VMDS_TEST_PLUGIN"), &error);
	ck_assert_msg(plugin != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_str_eq(G_OBJECT_TYPE_NAME(plugin), "VmdsTestPlugin");
	ck_assert_str_eq(vmds_plugin_get_name(plugin), "datasets");
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
	tcase_add_test(tc, test_plugin_loader_symlink);
	tcase_add_test(tc, test_plugin_loader_writable_dir);
	tcase_add_test(tc, test_plugin_loader_owner);
	tcase_add_test(tc, test_plugin_loader_two_modules);
	tcase_add_test(tc, test_plugin_loader_by_descriptor);
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

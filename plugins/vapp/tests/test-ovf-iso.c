/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* after stdint.h and sys/types.h, whose types it uses */
#include <libisofs.h>

#include "vmds-error.h"
#include "vmds-ovf-env.h"
#include "vmds-ovf-iso.h"

/*
 * The OVF environment's ISO image: standard readers (genisoimage's isoinfo,
 * libarchive's bsdtar, util-linux's blkid) find the volume `OVF ENV` and
 * the env as `ovf-env.xml` through Rock Ridge and Joliet, `OVF_ENV.XML;1` in
 * the plain ISO 9660 tree; the same env and time make the same bytes; the
 * guest's reader reads it back and images standard writers make; the file is
 * replaced only when it changes. The tools are installed by
 * scripts/install-deps: a missing one fails the test.
 */

/* 2023-11-14T22:13:20.123456Z */
#define MTIME G_GINT64_CONSTANT(1700000000123456)

static gchar *tmpdir = NULL;

static void
setup(void)
{
	g_autoptr(GError) error = NULL;

	tmpdir = g_dir_make_tmp("vmds-ovf-iso-XXXXXX", &error);
	ck_assert_msg(tmpdir != NULL, "%s", error->message);
}

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			remove_tree(child);
		else
			ck_assert_int_eq(g_unlink(child), 0);
	}
	ck_assert_int_eq(g_rmdir(path), 0);
}

static void
teardown(void)
{
	remove_tree(tmpdir);
	g_clear_pointer(&tmpdir, g_free);
}

static gchar *
tmp_path(const gchar *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

static GBytes *
make_env(const gchar *hostname)
{
	const VmdsOvfEnvProperty props[] = {
	    {"hostname", hostname},
	    {"user-data", "I2Nsb3VkLWNvbmZpZwo="},
	};
	g_autoptr(GError) error = NULL;
	GBytes *env = vmds_ovf_env_write("vm-3", props, G_N_ELEMENTS(props), &error);

	ck_assert_msg(env != NULL, "%s", error->message);
	return env;
}

static GBytes *
build(GBytes *env, gint64 mtime)
{
	g_autoptr(GError) error = NULL;
	GBytes *iso = vmds_ovf_iso_build(env, mtime, &error);

	ck_assert_msg(iso != NULL, "%s", error->message);
	ck_assert(error == NULL);
	return iso;
}

static void
write_file(const gchar *path, GBytes *data)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = g_file_set_contents(
	    path, g_bytes_get_data(data, NULL), (gssize)g_bytes_get_size(data), &error);

	ck_assert_msg(ok, "%s", error->message);
}

static GBytes *
read_file(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;
	gsize len = 0;

	ck_assert_msg(g_file_get_contents(path, &data, &len, &error), "%s", error->message);
	return g_bytes_new_take(data, len);
}

/* a standard tool, which scripts/install-deps installs: PATH, then sbin
 * (blkid), which is not on every user's PATH */
static gchar *
find_tool(const gchar *name)
{
	const gchar *sbin[] = {"/usr/sbin", "/sbin"};
	gchar *path = g_find_program_in_path(name);

	for (guint i = 0; path == NULL && i < G_N_ELEMENTS(sbin); i++) {
		g_autofree gchar *candidate = g_build_filename(sbin[i], name, NULL);
		if (g_file_test(candidate, G_FILE_TEST_IS_EXECUTABLE))
			path = g_steal_pointer(&candidate);
	}
	ck_assert_msg(path != NULL, "%s is not installed: run scripts/install-deps", name);
	return path;
}

/* what the tool writes to stdout, byte for byte (GSubprocess, not
 * g_spawn_sync(): its output is a C string, whose length would hide a NUL
 * or padding a tool added); the test fails when it does not exit with 0 */
static GBytes *
run_argv(const gchar *tool, GPtrArray *args)
{
	g_autofree gchar *exe = find_tool(tool);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GBytes) err = NULL;
	g_autoptr(GError) error = NULL;

	g_ptr_array_add(argv, exe);
	for (guint i = 0; i < args->len; i++)
		g_ptr_array_add(argv, g_ptr_array_index(args, i));
	g_ptr_array_add(argv, NULL);
	proc = g_subprocess_newv((const gchar *const *)argv->pdata,
				 G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
				 &error);
	ck_assert_msg(proc != NULL, "%s: %s", tool, error->message);
	ck_assert_msg(g_subprocess_communicate(proc, NULL, NULL, &out, &err, &error),
		      "%s: %s",
		      tool,
		      error->message);
	ck_assert_msg(g_subprocess_get_if_exited(proc) && g_subprocess_get_exit_status(proc) == 0,
		      "%s failed: %.*s",
		      tool,
		      (int)g_bytes_get_size(err),
		      (const gchar *)g_bytes_get_data(err, NULL));
	return g_steal_pointer(&out);
}

/* run_argv() with the arguments up to a NULL */
static GBytes *
run(const gchar *tool, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	const gchar *arg;
	va_list ap;

	va_start(ap, tool);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(args, (gpointer)arg);
	va_end(ap);
	return run_argv(tool, args);
}

/* the same, as text */
static gchar *
bytes_text(GBytes *bytes)
{
	return g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
}

static void
assert_same(GBytes *got, GBytes *want, const gchar *what)
{
	ck_assert_msg(g_bytes_equal(got, want),
		      "%s: %" G_GSIZE_FORMAT " bytes, not the %" G_GSIZE_FORMAT " written",
		      what,
		      g_bytes_get_size(got),
		      g_bytes_get_size(want));
}

/* standard tools read it: label, names in each tree, the env's bytes */
START_TEST(test_ovf_iso_standard_tools)
{
	g_autoptr(GBytes) env = make_env("web01");
	g_autoptr(GBytes) iso = build(env, MTIME);
	g_autofree gchar *path = tmp_path("env.iso");
	g_autoptr(GBytes) info = NULL;
	g_autoptr(GBytes) plain = NULL;
	g_autoptr(GBytes) joliet = NULL;
	g_autoptr(GBytes) rr = NULL;
	g_autoptr(GBytes) blkid = NULL;
	g_autoptr(GBytes) got = NULL;
	g_autofree gchar *info_text = NULL;
	g_autofree gchar *plain_text = NULL;
	g_autofree gchar *joliet_text = NULL;
	g_autofree gchar *rr_text = NULL;
	g_autofree gchar *blkid_text = NULL;

	ck_assert_str_eq(VMDS_OVF_ISO_VOLUME_ID, "OVF ENV");
	ck_assert_str_eq(VMDS_OVF_ISO_ENV_NAME, "ovf-env.xml");
	/* whole 2048-byte blocks */
	ck_assert_uint_eq(g_bytes_get_size(iso) % 2048, 0);
	write_file(path, iso);

	info = run("isoinfo", "-d", "-i", path, NULL);
	info_text = bytes_text(info);
	ck_assert_msg(strstr(info_text, "\nVolume id: OVF ENV\n") != NULL, "%s", info_text);
	ck_assert_msg(strstr(info_text, "Joliet") != NULL, "%s", info_text);
	ck_assert_msg(strstr(info_text, "Rock Ridge") != NULL, "%s", info_text);

	/* one file in each tree, under the names it has there */
	plain = run("isoinfo", "-l", "-i", path, NULL);
	plain_text = bytes_text(plain);
	ck_assert_msg(g_str_has_suffix(plain_text, "  OVF_ENV.XML;1 \n"), "%s", plain_text);
	joliet = run("isoinfo", "-J", "-l", "-i", path, NULL);
	joliet_text = bytes_text(joliet);
	ck_assert_msg(g_str_has_suffix(joliet_text, "  ovf-env.xml \n"), "%s", joliet_text);
	rr = run("isoinfo", "-R", "-l", "-i", path, NULL);
	rr_text = bytes_text(rr);
	ck_assert_msg(g_str_has_suffix(rr_text, "  ovf-env.xml \n"), "%s", rr_text);
	/* read-only, root's */
	ck_assert_msg(strstr(rr_text, "\n-r--r--r--   1    0    0 ") != NULL, "%s", rr_text);

	/* the env's bytes, exactly, through each name */
	got = run("bsdtar", "-xOf", path, "ovf-env.xml", NULL);
	assert_same(got, env, "bsdtar -x ovf-env.xml");
	g_clear_pointer(&got, g_bytes_unref);
	got = run("isoinfo", "-i", path, "-x", "/OVF_ENV.XML;1", NULL);
	assert_same(got, env, "isoinfo -x /OVF_ENV.XML;1");
	g_clear_pointer(&got, g_bytes_unref);
	got = run("isoinfo", "-J", "-i", path, "-x", "/ovf-env.xml", NULL);
	assert_same(got, env, "isoinfo -J -x /ovf-env.xml");
	g_clear_pointer(&got, g_bytes_unref);
	got = run("isoinfo", "-R", "-i", path, "-x", "/ovf-env.xml", NULL);
	assert_same(got, env, "isoinfo -R -x /ovf-env.xml");

	/* what udev's blkid sees: the label, and a UUID that is the volume's
	 * modification time, the mtime given (2023-11-14T22:13:20.12Z) */
	blkid = run("blkid", "-p", "-o", "export", path, NULL);
	blkid_text = bytes_text(blkid);
	ck_assert_msg(strstr(blkid_text, "\nTYPE=iso9660\n") != NULL, "%s", blkid_text);
	ck_assert_msg(strstr(blkid_text, "\nLABEL=OVF\\ ENV\n") != NULL, "%s", blkid_text);
	ck_assert_msg(
	    strstr(blkid_text, "\nUUID=2023-11-14-22-13-20-12\n") != NULL, "%s", blkid_text);
}
END_TEST

/* the same env and time make the same bytes, whatever the clock and the
 * zone; a different env or time does not */
START_TEST(test_ovf_iso_deterministic)
{
	g_autoptr(GBytes) env = make_env("web01");
	g_autoptr(GBytes) other_env = make_env("web02");
	g_autoptr(GBytes) first = build(env, MTIME);
	g_autoptr(GBytes) again = build(env, MTIME);
	g_autoptr(GBytes) other_time = build(env, MTIME + G_USEC_PER_SEC);
	g_autoptr(GBytes) other = build(other_env, MTIME);
	const gchar *zones[] = {"America/New_York", "Asia/Kolkata", "UTC"};
	const time_t clocks[] = {1000000000, 2000000000};
	time_t now;

	assert_same(again, first, "a second build");
	ck_assert(!g_bytes_equal(other_time, first));
	ck_assert(!g_bytes_equal(other, first));

	/* libisofs's "now" (time(NULL) unless overridden) is in no field */
	for (guint i = 0; i < G_N_ELEMENTS(clocks); i++) {
		g_autoptr(GBytes) iso = NULL;
		now = clocks[i];
		iso_nowtime(&now, 1);
		iso = build(env, MTIME);
		iso_nowtime(&now, 2);
		assert_same(iso, first, "a build at another time");
	}
	/* nor the local time zone */
	for (guint i = 0; i < G_N_ELEMENTS(zones); i++) {
		g_autoptr(GBytes) iso = NULL;
		g_setenv("TZ", zones[i], TRUE);
		tzset();
		iso = build(env, MTIME);
		assert_same(iso, first, zones[i]);
	}
	g_unsetenv("TZ");
	tzset();
}
END_TEST

/* times an ISO 9660 directory record cannot carry (1900 + 255) */
START_TEST(test_ovf_iso_bad_time)
{
	g_autoptr(GBytes) env = make_env("web01");
	/* 2156-01-01T00:00:00Z */
	const gint64 times[] = {-1, G_GINT64_CONSTANT(5892019200) * G_USEC_PER_SEC};

	for (guint i = 0; i < G_N_ELEMENTS(times); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) iso = vmds_ovf_iso_build(env, times[i], &error);
		ck_assert_msg(iso == NULL, "time %u accepted", i);
		ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	}
}
END_TEST

static GBytes *
read_env(const gchar *path, gsize max_size, GError **error)
{
	GBytes *env = vmds_ovf_iso_read_env(path, max_size, error);

	ck_assert((env == NULL) == (*error != NULL));
	return env;
}

/* the guest's reader gets the env back, within its limit */
START_TEST(test_ovf_iso_read)
{
	g_autoptr(GBytes) env = make_env("web01");
	g_autoptr(GBytes) iso = build(env, MTIME);
	g_autofree gchar *path = tmp_path("env.iso");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) got = NULL;
	g_autoptr(GBytes) too_large = NULL;

	write_file(path, iso);
	got = read_env(path, g_bytes_get_size(env), &error);
	ck_assert_msg(got != NULL, "%s", error->message);
	assert_same(got, env, "vmds_ovf_iso_read_env()");

	too_large = read_env(path, g_bytes_get_size(env) - 1, &error);
	ck_assert(too_large == NULL);
	ck_assert_msg(
	    g_error_matches(error, VMDS_ERROR, VMDS_ERROR_TOO_LARGE), "%s", error->message);
	ck_assert_msg(strstr(error->message, path) != NULL, "%s", error->message);
}
END_TEST

/* what is not an ISO 9660 image says so: a text file, a short one, a
 * directory; a missing file is not found */
START_TEST(test_ovf_iso_read_not_iso)
{
	g_autofree gchar *text = tmp_path("env.xml");
	g_autofree gchar *tiny = tmp_path("tiny.iso");
	g_autofree gchar *missing = tmp_path("missing.iso");
	g_autofree gchar *big = g_strnfill(64 * 1024, 'x');
	const gchar *paths[] = {text, tiny, tmpdir};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) got = NULL;

	ck_assert(g_file_set_contents(text, big, -1, NULL));
	ck_assert(g_file_set_contents(tiny, "<Environment/>\n", -1, NULL));
	for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
		g_autofree gchar *want = g_strdup_printf("%s is not an ISO 9660 image", paths[i]);
		g_autoptr(GError) error_local = NULL;
		g_autoptr(GBytes) env = read_env(paths[i], 1024 * 1024, &error_local);
		ck_assert(env == NULL);
		ck_assert_msg(g_error_matches(error_local, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT),
			      "%s",
			      error_local->message);
		ck_assert_str_eq(error_local->message, want);
	}
	got = read_env(missing, 1024 * 1024, &error);
	ck_assert(got == NULL);
	ck_assert_msg(
	    g_error_matches(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND), "%s", error->message);
	ck_assert_msg(strstr(error->message, missing) != NULL, "%s", error->message);
}
END_TEST

/* an image genisoimage made of @dir, labelled OTHER, with Rock Ridge
 * and Joliet as asked */
static gchar *
genisoimage(const gchar *name, const gchar *dir, gboolean rr, gboolean joliet)
{
	gchar *path = tmp_path(name);
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autoptr(GBytes) out = NULL;

	g_ptr_array_add(args, "-quiet");
	if (rr)
		g_ptr_array_add(args, "-r");
	if (joliet)
		g_ptr_array_add(args, "-J");
	g_ptr_array_add(args, "-V");
	g_ptr_array_add(args, "OTHER");
	g_ptr_array_add(args, "-o");
	g_ptr_array_add(args, path);
	g_ptr_array_add(args, (gpointer)dir);
	out = run_argv("genisoimage", args);
	return path;
}

/* images a standard tool made: the env under other cases and in a plain
 * ISO 9660 tree (OVF_ENV.XML;1) is found, an image without it is not */
START_TEST(test_ovf_iso_read_foreign)
{
	g_autoptr(GBytes) env = make_env("web01");
	g_autofree gchar *upper = tmp_path("upper");
	g_autofree gchar *lower = tmp_path("lower");
	g_autofree gchar *none = tmp_path("none");
	g_autofree gchar *upper_env = g_build_filename(upper, "OVF-ENV.XML", NULL);
	g_autofree gchar *lower_env = g_build_filename(lower, "ovf-env.xml", NULL);
	g_autofree gchar *readme = g_build_filename(none, "readme.txt", NULL);
	g_autofree gchar *rr_iso = NULL;
	g_autofree gchar *joliet_iso = NULL;
	g_autofree gchar *plain_iso = NULL;
	g_autofree gchar *none_iso = NULL;
	const gchar *found[3];
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) got = NULL;

	ck_assert_int_eq(g_mkdir(upper, 0700), 0);
	ck_assert_int_eq(g_mkdir(lower, 0700), 0);
	ck_assert_int_eq(g_mkdir(none, 0700), 0);
	write_file(upper_env, env);
	write_file(lower_env, env);
	ck_assert(g_file_set_contents(readme, "no env here\n", -1, NULL));
	rr_iso = genisoimage("rr.iso", upper, TRUE, FALSE);
	joliet_iso = genisoimage("joliet.iso", upper, FALSE, TRUE);
	plain_iso = genisoimage("plain.iso", lower, FALSE, FALSE);
	none_iso = genisoimage("none.iso", none, TRUE, TRUE);

	found[0] = rr_iso;
	found[1] = joliet_iso;
	found[2] = plain_iso;
	for (guint i = 0; i < G_N_ELEMENTS(found); i++) {
		g_autoptr(GError) error_local = NULL;
		g_autoptr(GBytes) got_local = read_env(found[i], 1024 * 1024, &error_local);
		ck_assert_msg(got_local != NULL, "%s", error_local->message);
		assert_same(got_local, env, found[i]);
	}
	got = read_env(none_iso, 1024 * 1024, &error);
	ck_assert(got == NULL);
	ck_assert_msg(
	    g_error_matches(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND), "%s", error->message);
	ck_assert_msg(strstr(error->message, none_iso) != NULL, "%s", error->message);
}
END_TEST

static gboolean
sync_iso(const gchar *path, GBytes *iso, gboolean *changed, GError **error)
{
	gboolean ok = vmds_ovf_iso_sync(path, iso, changed, error);

	ck_assert(ok == (*error == NULL));
	return ok;
}

/* written when it changes, left alone when it does not */
START_TEST(test_ovf_iso_sync)
{
	g_autoptr(GBytes) env = make_env("web01");
	g_autoptr(GBytes) other_env = make_env("web02");
	g_autoptr(GBytes) iso = build(env, MTIME);
	g_autoptr(GBytes) other = build(other_env, MTIME + G_USEC_PER_SEC);
	g_autofree gchar *path = tmp_path("vm-3.iso");
	g_autofree gchar *part = tmp_path("vm-3.iso.part");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) got = NULL;
	gboolean changed = FALSE;
	GStatBuf st1, st2;
	mode_t old_umask;

	/* 0644 whatever the umask */
	old_umask = umask(077);
	ck_assert_msg(sync_iso(path, iso, &changed, &error), "%s", error->message);
	umask(old_umask);
	ck_assert(changed);
	got = read_file(path);
	assert_same(got, iso, path);
	ck_assert(!g_file_test(part, G_FILE_TEST_EXISTS));
	ck_assert_int_eq(g_stat(path, &st1), 0);
	ck_assert_uint_eq(st1.st_mode & 07777, 0644);

	/* the same image again: nothing written, the very same file */
	changed = TRUE;
	ck_assert_msg(sync_iso(path, iso, &changed, &error), "%s", error->message);
	ck_assert(!changed);
	ck_assert_int_eq(g_stat(path, &st2), 0);
	ck_assert_uint_eq(st2.st_ino, st1.st_ino);
	ck_assert_int_eq(st2.st_mtim.tv_sec, st1.st_mtim.tv_sec);
	ck_assert_int_eq(st2.st_mtim.tv_nsec, st1.st_mtim.tv_nsec);
	ck_assert(!g_file_test(part, G_FILE_TEST_EXISTS));

	/* another image replaces it */
	changed = FALSE;
	ck_assert_msg(sync_iso(path, other, &changed, &error), "%s", error->message);
	ck_assert(changed);
	g_clear_pointer(&got, g_bytes_unref);
	got = read_file(path);
	assert_same(got, other, path);
	ck_assert(!g_file_test(part, G_FILE_TEST_EXISTS));
	ck_assert_int_eq(g_stat(path, &st2), 0);
	ck_assert_uint_eq(st2.st_mode & 07777, 0644);
}
END_TEST

/* a failure names the file and leaves the old image */
START_TEST(test_ovf_iso_sync_failure)
{
	g_autoptr(GBytes) env = make_env("web01");
	g_autoptr(GBytes) other_env = make_env("web02");
	g_autoptr(GBytes) iso = build(env, MTIME);
	g_autoptr(GBytes) other = build(other_env, MTIME);
	g_autofree gchar *path = tmp_path("vm-3.iso");
	g_autofree gchar *part = tmp_path("vm-3.iso.part");
	g_autofree gchar *nowhere = tmp_path("missing/vm-3.iso");
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) error_nowhere = NULL;
	g_autoptr(GBytes) got = NULL;
	gboolean changed = TRUE;

	write_file(path, iso);
	/* the .part cannot be created: a directory is in its way */
	ck_assert_int_eq(g_mkdir(part, 0700), 0);
	ck_assert(!sync_iso(path, other, &changed, &error));
	ck_assert(!changed);
	ck_assert(error->domain == VMDS_ERROR);
	ck_assert_msg(strstr(error->message, path) != NULL, "%s", error->message);
	got = read_file(path);
	assert_same(got, iso, "the old image");
	ck_assert_int_eq(g_rmdir(part), 0);

	ck_assert(!sync_iso(nowhere, other, &changed, &error_nowhere));
	ck_assert(!changed);
	ck_assert_msg(g_error_matches(error_nowhere, VMDS_ERROR, VMDS_ERROR_NOT_FOUND),
		      "%s",
		      error_nowhere->message);
	ck_assert_msg(
	    strstr(error_nowhere->message, nowhere) != NULL, "%s", error_nowhere->message);
}
END_TEST

static Suite *
ovf_iso_suite(void)
{
	Suite *s = suite_create("ovf-iso");
	TCase *tc_build = tcase_create("build");
	TCase *tc_read = tcase_create("read");
	TCase *tc_sync = tcase_create("sync");

	tcase_add_checked_fixture(tc_build, setup, teardown);
	tcase_add_test(tc_build, test_ovf_iso_standard_tools);
	tcase_add_test(tc_build, test_ovf_iso_deterministic);
	tcase_add_test(tc_build, test_ovf_iso_bad_time);
	suite_add_tcase(s, tc_build);

	tcase_add_checked_fixture(tc_read, setup, teardown);
	tcase_add_test(tc_read, test_ovf_iso_read);
	tcase_add_test(tc_read, test_ovf_iso_read_not_iso);
	tcase_add_test(tc_read, test_ovf_iso_read_foreign);
	suite_add_tcase(s, tc_read);

	tcase_add_checked_fixture(tc_sync, setup, teardown);
	tcase_add_test(tc_sync, test_ovf_iso_sync);
	tcase_add_test(tc_sync, test_ovf_iso_sync_failure);
	suite_add_tcase(s, tc_sync);
	return s;
}

int
main(void)
{
	SRunner *runner = srunner_create(ovf_iso_suite());
	gint failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmds-safe-path.h"
#include "vmds-test.h"
#include "vmds.h"

/*
 * Which paths the daemon trusts (issue 8, points 8-10): a directory, file or
 * link on the way that someone other than root or the daemon's user can
 * change is refused, with a message naming it, its owner and mode, and the
 * command that fixes it; /tmp-like sticky directories are fine on the way.
 * And a socket's mode and owner are never set through a symlink.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

static gchar *test_dir = NULL;

/* the user the tests (and so the code under test) run as */
static gchar *
test_safe_path_me(void)
{
	struct passwd *pw = getpwuid(geteuid());
	ck_assert_ptr_nonnull(pw);
	return g_strdup(pw->pw_name);
}

static gboolean
test_safe_path_is_root(void)
{
	if (geteuid() != 0) {
		g_printerr("SKIP: files of another owner need root\n");
		return FALSE;
	}
	return TRUE;
}

static void
test_safe_path_setup(void)
{
	test_dir = g_dir_make_tmp("vmds-test-safe-path-XXXXXX", NULL);
	ck_assert_ptr_nonnull(test_dir);
}

static void
test_safe_path_teardown(void)
{
	vmds_test_rm_rf(test_dir);
	g_clear_pointer(&test_dir, g_free);
}

/* @name under the test dir, a directory with exactly @mode (umask aside) */
static gchar *
test_safe_path_mkdir(const gchar *name, guint mode)
{
	gchar *path = g_build_filename(test_dir, name, NULL);

	ck_assert_int_eq(g_mkdir(path, 0700), 0);
	ck_assert_int_eq(g_chmod(path, (gint)mode), 0);
	return path;
}

/* @name under the test dir, a file holding @text with exactly @mode */
static gchar *
test_safe_path_file(const gchar *name, const gchar *text, guint mode)
{
	gchar *path = g_build_filename(test_dir, name, NULL);

	ck_assert(g_file_set_contents(path, text, -1, NULL));
	ck_assert_int_eq(g_chmod(path, (gint)mode), 0);
	return path;
}

static void
test_safe_path_assert_message(const GError *error, const gchar *expected)
{
	ck_assert_ptr_nonnull(error);
	ck_assert_str_eq(error->message, expected);
}

/* "[cannot trust PATH: ]WHAT is writable by WHO (owner U, mode M): run …" */
static gchar *
test_safe_path_writable(const gchar *path, const gchar *what, const gchar *who, guint mode)
{
	g_autofree gchar *me = test_safe_path_me();
	g_autofree gchar *prefix =
	    path != NULL ? g_strdup_printf("cannot trust %s: ", path) : g_strdup("");
	return g_strdup_printf("%s%s is writable by %s (owner %s, mode %04o): run 'chmod go-w %s'",
			       prefix,
			       what,
			       who,
			       me,
			       mode,
			       what);
}

/* "[cannot trust PATH: ]WHAT is owned by nobody …" (the tests run as root) */
static gchar *
test_safe_path_nobodys(const gchar *path, const gchar *what, guint mode, const gchar *chown)
{
	g_autofree gchar *prefix =
	    path != NULL ? g_strdup_printf("cannot trust %s: ", path) : g_strdup("");
	return g_strdup_printf("%s%s is owned by nobody (uid 65534, mode %04o), not by root or "
			       "the daemon's user root: run '%s root %s'",
			       prefix,
			       what,
			       mode,
			       chown,
			       what);
}

/* vmds_safe_path_check_dir() refuses @path with @code and the message @expected */
static void
test_safe_path_refuses_dir(const gchar *path, gint code, const gchar *expected)
{
	g_autoptr(GError) error = NULL;

	ck_assert_msg(!vmds_safe_path_check_dir(path, &error), "%s was trusted", path);
	assert_error(error, code);
	if (expected != NULL)
		test_safe_path_assert_message(error, expected);
}

START_TEST(test_safe_path_dir_trusted)
{
	const guint modes[] = {0700, 0750, 0755, 0711, 0555};

	for (guint i = 0; i < G_N_ELEMENTS(modes); i++) {
		g_autofree gchar *name = g_strdup_printf("d%o", modes[i]);
		g_autofree gchar *dir = test_safe_path_mkdir(name, modes[i]);
		g_autoptr(GError) error = NULL;
		ck_assert_msg(vmds_safe_path_check_dir(dir, &error),
			      "mode %04o: %s",
			      modes[i],
			      error->message);
		/* the same directory by a path with . and .. in it */
		{
			g_autofree gchar *odd =
			    g_strdup_printf("%s/./%s/../%s", test_dir, name, name);
			ck_assert_msg(vmds_safe_path_check_dir(odd, &error), "%s", odd);
		}
	}
	/* the root directory itself */
	ck_assert(vmds_safe_path_check_dir("/", NULL));
}
END_TEST

/* a directory someone else can write is refused, sticky or not */
START_TEST(test_safe_path_dir_writable)
{
	const struct {
		guint mode;
		const gchar *who;
	} rows[] = {
	    {0777, "group and others"},
	    {0775, "its group"},
	    {0770, "its group"},
	    {0757, "others"},
	    {0703, "others"},
	    {01777, "group and others"},
	    {01755 | 0002, "others"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree gchar *name = g_strdup_printf("d%o", rows[i].mode);
		g_autofree gchar *dir = test_safe_path_mkdir(name, rows[i].mode);
		g_autofree gchar *expected =
		    test_safe_path_writable(NULL, dir, rows[i].who, rows[i].mode);

		test_safe_path_refuses_dir(dir, VMDS_ERROR_ACCESS_DENIED, expected);
	}
}
END_TEST

/* what is on the way counts too; a sticky directory there is fine */
START_TEST(test_safe_path_dir_ancestors)
{
	g_autofree gchar *open = test_safe_path_mkdir("open", 0777);
	g_autofree gchar *sticky = test_safe_path_mkdir("sticky", 01777);
	g_autofree gchar *group = test_safe_path_mkdir("group", 0775);
	g_autofree gchar *in_open = g_build_filename(open, "run", NULL);
	g_autofree gchar *deep = g_build_filename(open, "run", "deeper", NULL);
	g_autofree gchar *in_sticky = g_build_filename(sticky, "run", NULL);
	g_autofree gchar *in_group = g_build_filename(group, "run", NULL);
	g_autofree gchar *expected_open =
	    test_safe_path_writable(in_open, open, "group and others", 0777);
	g_autofree gchar *expected_deep =
	    test_safe_path_writable(deep, open, "group and others", 0777);
	g_autofree gchar *expected_group =
	    test_safe_path_writable(in_group, group, "its group", 0775);
	g_autoptr(GError) error = NULL;

	ck_assert_int_eq(g_mkdir_with_parents(deep, 0755), 0);
	ck_assert_int_eq(g_mkdir(in_sticky, 0755), 0);
	ck_assert_int_eq(g_mkdir(in_group, 0755), 0);
	test_safe_path_refuses_dir(in_open, VMDS_ERROR_ACCESS_DENIED, expected_open);
	test_safe_path_refuses_dir(deep, VMDS_ERROR_ACCESS_DENIED, expected_deep);
	test_safe_path_refuses_dir(in_group, VMDS_ERROR_ACCESS_DENIED, expected_group);
	/* what we own in a sticky directory no one else can rename or remove */
	ck_assert_msg(vmds_safe_path_check_dir(in_sticky, &error), "%s", error->message);
}
END_TEST

/* owned by someone else: that someone can change it */
START_TEST(test_safe_path_dir_owner)
{
	g_autofree gchar *theirs = NULL;
	g_autofree gchar *below = NULL;
	g_autofree gchar *sticky = NULL;
	g_autofree gchar *in_sticky = NULL;
	g_autofree gchar *expected = NULL;

	if (!test_safe_path_is_root())
		return;
	theirs = test_safe_path_mkdir("theirs", 0755);
	below = g_build_filename(theirs, "run", NULL);
	ck_assert_int_eq(g_mkdir(below, 0755), 0);
	ck_assert_int_eq(chown(theirs, 65534, 65534), 0);
	expected = test_safe_path_nobodys(NULL, theirs, 0755, "chown");
	test_safe_path_refuses_dir(theirs, VMDS_ERROR_ACCESS_DENIED, expected);
	g_free(expected);
	expected = test_safe_path_nobodys(below, theirs, 0755, "chown");
	test_safe_path_refuses_dir(below, VMDS_ERROR_ACCESS_DENIED, expected);

	/* in a sticky directory, what another user owns is theirs to replace */
	sticky = test_safe_path_mkdir("sticky", 01777);
	in_sticky = g_build_filename(sticky, "run", NULL);
	ck_assert_int_eq(g_mkdir(in_sticky, 0755), 0);
	ck_assert(vmds_safe_path_check_dir(in_sticky, NULL));
	ck_assert_int_eq(chown(in_sticky, 65534, 65534), 0);
	test_safe_path_refuses_dir(in_sticky, VMDS_ERROR_ACCESS_DENIED, NULL);
}
END_TEST

/* a symlink is followed, and what it leads through is checked */
START_TEST(test_safe_path_dir_symlinks)
{
	g_autofree gchar *open = test_safe_path_mkdir("open", 0777);
	g_autofree gchar *good = test_safe_path_mkdir("good", 0755);
	g_autofree gchar *sticky = test_safe_path_mkdir("sticky", 01777);
	g_autofree gchar *to_open = g_build_filename(test_dir, "to-open", NULL);
	g_autofree gchar *to_good = g_build_filename(test_dir, "to-good", NULL);
	g_autofree gchar *relative = g_build_filename(test_dir, "relative", NULL);
	g_autofree gchar *loop_a = g_build_filename(test_dir, "loop-a", NULL);
	g_autofree gchar *loop_b = g_build_filename(test_dir, "loop-b", NULL);
	g_autofree gchar *theirs = g_build_filename(sticky, "theirs", NULL);
	g_autofree gchar *expected =
	    test_safe_path_writable(to_open, open, "group and others", 0777);
	g_autofree gchar *expected_link = NULL;
	g_autoptr(GError) error = NULL;

	ck_assert_int_eq(symlink(open, to_open), 0);
	ck_assert_int_eq(symlink(good, to_good), 0);
	ck_assert_int_eq(symlink("good/../good", relative), 0);
	ck_assert_int_eq(symlink("loop-b", loop_a), 0);
	ck_assert_int_eq(symlink("loop-a", loop_b), 0);

	ck_assert_msg(vmds_safe_path_check_dir(to_good, &error), "%s", error->message);
	ck_assert_msg(vmds_safe_path_check_dir(relative, &error), "%s", error->message);

	test_safe_path_refuses_dir(to_open, VMDS_ERROR_ACCESS_DENIED, expected);
	test_safe_path_refuses_dir(loop_a, VMDS_ERROR_INVALID_ARGUMENT, NULL);

	/* a link another user owns in a sticky directory: they can replace it */
	if (!test_safe_path_is_root())
		return;
	ck_assert_int_eq(symlink(good, theirs), 0);
	ck_assert(vmds_safe_path_check_dir(theirs, NULL));
	ck_assert_int_eq(lchown(theirs, 65534, 65534), 0);
	expected_link = test_safe_path_nobodys(NULL, theirs, 0777, "chown -h");
	test_safe_path_refuses_dir(theirs, VMDS_ERROR_ACCESS_DENIED, expected_link);
}
END_TEST

START_TEST(test_safe_path_dir_missing)
{
	g_autofree gchar *missing = g_build_filename(test_dir, "missing", "run", NULL);
	g_autofree gchar *file = test_safe_path_file("file", "", 0644);

	test_safe_path_refuses_dir(missing, VMDS_ERROR_NOT_FOUND, NULL);
	test_safe_path_refuses_dir(file, VMDS_ERROR_NOT_FOUND, NULL);
}
END_TEST

START_TEST(test_safe_path_read)
{
	g_autofree gchar *ok = test_safe_path_file("ok", "text\n", 0644);
	g_autofree gchar *secret = test_safe_path_file("secret", "s3cret\n", 0600);
	g_autofree gchar *data = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;

	data = vmds_safe_path_read(ok, VMDS_SAFE_PATH_FLAG_NONE, &len, &error);
	ck_assert_msg(data != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_str_eq(data, "text\n");
	ck_assert_uint_eq(len, 5);
	g_clear_pointer(&data, g_free);
	data = vmds_safe_path_read(secret, VMDS_SAFE_PATH_FLAG_PRIVATE, NULL, &error);
	ck_assert_msg(data != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_str_eq(data, "s3cret\n");
}
END_TEST

/* a file someone else can write, or a secret they can read, is refused */
START_TEST(test_safe_path_read_refused)
{
	const struct {
		guint mode;
		VmdsSafePathFlags flags;
		const gchar *who; /* who may write it; NULL: a secret others may use */
	} rows[] = {
	    {0666, VMDS_SAFE_PATH_FLAG_NONE, "group and others"},
	    {0664, VMDS_SAFE_PATH_FLAG_NONE, "its group"},
	    {0602, VMDS_SAFE_PATH_FLAG_NONE, "others"},
	    {0622, VMDS_SAFE_PATH_FLAG_PRIVATE, NULL},
	    {0640, VMDS_SAFE_PATH_FLAG_PRIVATE, NULL},
	    {0604, VMDS_SAFE_PATH_FLAG_PRIVATE, NULL},
	    {0601, VMDS_SAFE_PATH_FLAG_PRIVATE, NULL},
	};
	g_autofree gchar *me = test_safe_path_me();

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree gchar *name = g_strdup_printf("f%u", i);
		g_autofree gchar *path = test_safe_path_file(name, "x", rows[i].mode);
		g_autofree gchar *expected =
		    rows[i].who != NULL
			? test_safe_path_writable(NULL, path, rows[i].who, rows[i].mode)
			: g_strdup_printf("%s is a secret open to group or others (owner %s, "
					  "mode %04o): run 'chmod 0600 %s'",
					  path,
					  me,
					  rows[i].mode,
					  path);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *data = vmds_safe_path_read(path, rows[i].flags, NULL, &error);

		ck_assert_msg(data == NULL, "mode %04o read", rows[i].mode);
		assert_error(error, VMDS_ERROR_ACCESS_DENIED);
		test_safe_path_assert_message(error, expected);
	}
}
END_TEST

/* the file's directories count, links and all */
START_TEST(test_safe_path_read_where)
{
	g_autofree gchar *open = test_safe_path_mkdir("open", 0777);
	g_autofree gchar *in_open = g_build_filename(open, "vmds.conf", NULL);
	g_autofree gchar *target = test_safe_path_file("target", "text", 0644);
	g_autofree gchar *link = g_build_filename(test_dir, "link", NULL);
	g_autofree gchar *fifo = g_build_filename(test_dir, "fifo", NULL);
	g_autofree gchar *expected = NULL;
	g_autofree gchar *data = NULL;
	g_autoptr(GError) error = NULL;

	ck_assert(g_file_set_contents(in_open, "", -1, NULL));
	ck_assert_int_eq(g_chmod(in_open, 0644), 0);
	ck_assert_int_eq(vmds_safe_path_open(in_open, VMDS_SAFE_PATH_FLAG_NONE, &error), -1);
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
	ck_assert(g_str_has_prefix(error->message, "cannot trust "));
	g_clear_error(&error);

	/* a link is followed unless the caller wants the file itself */
	ck_assert_int_eq(symlink("target", link), 0);
	data = vmds_safe_path_read(link, VMDS_SAFE_PATH_FLAG_NONE, NULL, &error);
	ck_assert_msg(data != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_str_eq(data, "text");
	ck_assert_int_eq(vmds_safe_path_open(link, VMDS_SAFE_PATH_FLAG_NOFOLLOW, &error), -1);
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	expected = g_strdup_printf("%s is a symbolic link: only the file itself is accepted", link);
	test_safe_path_assert_message(error, expected);
	g_clear_error(&error);

	/* a FIFO is refused, not opened (that would block) */
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(vmds_safe_path_open(fifo, VMDS_SAFE_PATH_FLAG_NONE, &error), -1);
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	ck_assert_int_eq(vmds_safe_path_open(test_dir, VMDS_SAFE_PATH_FLAG_NONE, &error), -1);
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	/* absent */
	ck_assert_int_eq(vmds_safe_path_open("/nonexistent/vmds.conf", 0, &error), -1);
	assert_error(error, VMDS_ERROR_NOT_FOUND);
	g_clear_error(&error);

	if (!test_safe_path_is_root())
		return;
	ck_assert_int_eq(chown(target, 65534, 65534), 0);
	ck_assert_int_eq(vmds_safe_path_open(target, VMDS_SAFE_PATH_FLAG_NONE, &error), -1);
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
	g_clear_pointer(&expected, g_free);
	expected = test_safe_path_nobodys(NULL, target, 0644, "chown");
	test_safe_path_assert_message(error, expected);
}
END_TEST

/* a listening unix socket at @path */
static gint
test_safe_path_bind(const gchar *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	gint fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

/* a group that is not @gid */
static gid_t
test_safe_path_other_group(gid_t gid)
{
	return gid != 100 ? 100 : 65534;
}

START_TEST(test_safe_path_socket)
{
	g_autofree gchar *path = g_build_filename(test_dir, "vm-1.sock", NULL);
	gint fd = test_safe_path_bind(path);
	gid_t gid = geteuid() == 0 ? test_safe_path_other_group(getegid()) : getegid();
	uid_t uid = geteuid() == 0 ? 65534 : (uid_t)-1;
	g_autoptr(GError) error = NULL;
	GStatBuf st;

	ck_assert_msg(vmds_safe_path_set_socket(path, 0660, uid, gid, &error),
		      "%s",
		      error != NULL ? error->message : "");
	ck_assert_int_eq(g_lstat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	ck_assert_uint_eq(st.st_gid, gid);
	if (uid != (uid_t)-1)
		ck_assert_uint_eq(st.st_uid, uid);
	ck_assert(vmds_safe_path_set_socket(path, 0600, (uid_t)-1, (gid_t)-1, &error));
	ck_assert_int_eq(g_lstat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_gid, gid);
	close(fd);
}
END_TEST

/*
 * point 8: a symlink named like the socket, pointing at a file: the call
 * fails and the file keeps its mode and group; so does a file in its place
 */
START_TEST(test_safe_path_socket_symlink)
{
	g_autofree gchar *victim = test_safe_path_file("victim", "root's", 0600);
	g_autofree gchar *link = g_build_filename(test_dir, "vm-1.sock", NULL);
	g_autofree gchar *expected = g_strdup_printf("%s is not a socket", link);
	gid_t gid = geteuid() == 0 ? test_safe_path_other_group(getegid()) : (gid_t)-1;
	g_autoptr(GError) error = NULL;
	GStatBuf before;
	GStatBuf after;

	ck_assert_int_eq(g_stat(victim, &before), 0);
	ck_assert_int_eq(symlink(victim, link), 0);
	ck_assert(!vmds_safe_path_set_socket(link, 0666, (uid_t)-1, gid, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	test_safe_path_assert_message(error, expected);
	g_clear_error(&error);
	ck_assert_int_eq(g_stat(victim, &after), 0);
	ck_assert_uint_eq(after.st_mode, before.st_mode);
	ck_assert_uint_eq(after.st_gid, before.st_gid);
	ck_assert_uint_eq(after.st_uid, before.st_uid);

	/* the file itself where the socket should be */
	ck_assert(!vmds_safe_path_set_socket(victim, 0666, (uid_t)-1, gid, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	ck_assert_int_eq(g_stat(victim, &after), 0);
	ck_assert_uint_eq(after.st_mode, before.st_mode);
	ck_assert_uint_eq(after.st_gid, before.st_gid);
}
END_TEST

static Suite *
test_safe_path_suite(void)
{
	Suite *s = suite_create("safe-path");
	TCase *tc = tcase_create("dirs");

	tcase_add_checked_fixture(tc, test_safe_path_setup, test_safe_path_teardown);
	tcase_add_test(tc, test_safe_path_dir_trusted);
	tcase_add_test(tc, test_safe_path_dir_writable);
	tcase_add_test(tc, test_safe_path_dir_ancestors);
	tcase_add_test(tc, test_safe_path_dir_owner);
	tcase_add_test(tc, test_safe_path_dir_symlinks);
	tcase_add_test(tc, test_safe_path_dir_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, test_safe_path_setup, test_safe_path_teardown);
	tcase_add_test(tc, test_safe_path_read);
	tcase_add_test(tc, test_safe_path_read_refused);
	tcase_add_test(tc, test_safe_path_read_where);
	suite_add_tcase(s, tc);

	tc = tcase_create("sockets");
	tcase_add_checked_fixture(tc, test_safe_path_setup, test_safe_path_teardown);
	tcase_add_test(tc, test_safe_path_socket);
	tcase_add_test(tc, test_safe_path_socket_symlink);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_safe_path_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

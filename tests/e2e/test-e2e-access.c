/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "vmds-e2e.h"

/*
 * Who may do what: each guest command under each `guest` access mode, each
 * entries route under each `host` access mode (guest-rpc.md §4-5,
 * management-api.md), and callers on the unix socket that are not root, the
 * daemon's user or in the configured group.
 */

#define DS "/api/vcenter/vm/vm-1/data-sets"

static VmdsE2e *e2e = NULL;

static void
setup(void)
{
	e2e = vmds_e2e_new(NULL);
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

/* @tmpl with each "%s" replaced by @name */
static gchar *
fill(const gchar *tmpl, const gchar *name)
{
	g_auto(GStrv) parts = g_strsplit(tmpl, "%s", -1);
	return g_strjoinv(name, parts);
}

START_TEST(test_access_guest_matrix)
{
	const gchar *const modes[] = {"NONE", "READ_ONLY", "READ_WRITE"};
	const gchar *const names[] = {"g-none", "g-ro", "g-rw"};
	/* per command, the least mode that allows it (list and query: always) */
	const struct {
		const gchar *cmd; /* %s is the data set */
		guint needs;	  /* 0 NONE, 1 READ_ONLY, 2 READ_WRITE */
		const gchar *ok;
	} cmds[] = {
	    {"datasets-list-keys {\"dataset\":\"%s\"}",
	     1,
	     "{\"result\":true,\"keys\":[\"k\",\"k3\"]}"},
	    {"datasets-get-entry {\"dataset\":\"%s\",\"keys\":[\"k\"]}",
	     1,
	     "{\"result\":true,\"entries\":[{\"k\":\"v\"}]}"},
	    {"datasets-get-entries {\"dataset\":\"%s\",\"keys\":[\"k\"]}",
	     1,
	     "{\"result\":true,\"entries\":[{\"k\":\"v\"}]}"},
	    {"datasets-set-entry "
	     "{\"dataset\":\"%s\",\"entries\":[{\"key\":\"k2\",\"value\":\"w\"}]}",
	     2,
	     "{\"result\":true}"},
	    {"datasets-set-entries {\"dataset\":\"%s\",\"entries\":[{\"key\":\"k\",\"value\":\"\","
	     "\"append\":true}]}",
	     2,
	     "{\"result\":true}"},
	    {"datasets-delete-entry {\"dataset\":\"%s\",\"keys\":[\"k2\"]}",
	     2,
	     "{\"result\":true}"},
	    {"datasets-delete-entries {\"dataset\":\"%s\",\"keys\":[\"k3\"]}",
	     2,
	     "{\"result\":true}"},
	};

	for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
		vmds_e2e_create_dataset(e2e, NULL, names[m], "READ_WRITE", modes[m]);
		vmds_e2e_put(e2e, names[m], "k", "v");
		vmds_e2e_put(e2e, names[m], "k3", "three");
	}
	for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
		/* every data set shows in datasets-list and datasets-query */
		g_autofree gchar *query =
		    g_strdup_printf("datasets-query {\"dataset\":\"%s\"}", names[m]);
		g_autofree gchar *expect = g_strdup_printf(
		    "{\"result\":true,\"name\":\"%s\",\"description\":\"test\",\"host\":\"READ_"
		    "WRITE\","
		    "\"guest\":\"%s\",\"used\":9,\"omit_from_snapshot_and_clone\":false}",
		    names[m],
		    modes[m]);
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, query);
		vmds_e2e_assert_ok(run, expect);
	}
	{
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, "datasets-list");
		vmds_e2e_assert_ok(
		    run,
		    "{\"result\":true,\"datasets\":[{\"name\":\"g-none\",\"description\":"
		    "\"test\"},{\"name\":\"g-ro\",\"description\":\"test\"},{\"name\":"
		    "\"g-rw\",\"description\":\"test\"}]}");
	}
	for (guint c = 0; c < G_N_ELEMENTS(cmds); c++) {
		for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
			g_autofree gchar *cmd = fill(cmds[c].cmd, names[m]);
			g_autofree gchar *before = vmds_e2e_dump(e2e, names[m]);
			g_autofree gchar *after = NULL;
			g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);

			if (m >= cmds[c].needs) {
				{
					g_autofree gchar *ok = g_strdup_printf("%s\n", cmds[c].ok);
					ck_assert_msg(g_strcmp0(run->out, ok) == 0 &&
							  run->status == 0,
						      "guest %s: %s -> %d [%s]",
						      modes[m],
						      cmd,
						      run->status,
						      run->out);
				}
				continue;
			}
			vmds_e2e_assert_failure(run, "access-denied");
			after = vmds_e2e_dump(e2e, names[m]);
			ck_assert_str_eq(before, after);
		}
		/* restore k3 where a delete took it */
		if (g_str_has_prefix(cmds[c].cmd, "datasets-delete-entries"))
			vmds_e2e_put(e2e, "g-rw", "k3", "three");
	}
}
END_TEST

START_TEST(test_access_host_matrix)
{
	const gchar *const modes[] = {"NONE", "READ_ONLY", "READ_WRITE"};
	const gchar *const names[] = {"h-none", "h-ro", "h-rw"};
	const struct {
		const gchar *method;
		const gchar *path; /* %s is the data set */
		const gchar *body;
		guint needs;
		guint status;
		const gchar *reply;
	} routes[] = {
	    {"GET", DS "/%s/entries", NULL, 1, 200, "[\"k\"]"},
	    {"GET", DS "/%s/entries/k", NULL, 1, 200, "\"v\""},
	    {"PUT", DS "/%s/entries/k2", "\"w\"", 2, 204, ""},
	    {"DELETE", DS "/%s/entries/k2", NULL, 2, 204, ""},
	};

	for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
		g_autofree gchar *cmd = g_strdup_printf(
		    "datasets-set-entry "
		    "{\"dataset\":\"%s\",\"entries\":[{\"key\":\"k\",\"value\":\"v\"}]}",
		    names[m]);
		g_autoptr(VmdsE2eRun) run = NULL;
		vmds_e2e_create_dataset(e2e, NULL, names[m], modes[m], "READ_WRITE");
		run = vmds_e2e_vmtoolsd(e2e, cmd);
		vmds_e2e_assert_ok(run, "{\"result\":true}");
	}
	for (guint r = 0; r < G_N_ELEMENTS(routes); r++) {
		for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
			g_autofree gchar *path = fill(routes[r].path, names[m]);
			g_autofree gchar *query =
			    g_strdup_printf("datasets-list-keys {\"dataset\":\"%s\"}", names[m]);
			g_autoptr(VmdsE2eRun) before = vmds_e2e_vmtoolsd(e2e, query);
			g_autoptr(VmdsE2eRun) after = NULL;
			g_autoptr(VmdsE2eReply) reply =
			    vmds_e2e_rest(e2e, routes[r].method, path, routes[r].body);

			if (m >= routes[r].needs) {
				vmds_e2e_assert_reply(reply, routes[r].status, routes[r].reply);
				continue;
			}
			vmds_e2e_assert_error(reply, 403, "UNAUTHORIZED");
			/* the guest (READ_WRITE) sees the keys unchanged */
			after = vmds_e2e_vmtoolsd(e2e, query);
			ck_assert_str_eq(before->out, after->out);
		}
	}
	/* host access governs entries only: the data set itself is always manageable */
	{
		g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "GET", DS "/h-none", NULL);
		vmds_e2e_assert_reply(
		    reply,
		    200,
		    "{\"name\":\"h-none\",\"description\":\"test\",\"host\":\"NONE\","
		    "\"guest\":\"READ_WRITE\",\"used\":2,"
		    "\"omit_from_snapshot_and_clone\":false}");
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_rest(e2e, "PATCH", DS "/h-none", "{\"description\":\"d\"}");
		vmds_e2e_assert_reply(reply, 204, "");
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_rest(e2e, "DELETE", DS "/h-none?force=true", NULL);
		vmds_e2e_assert_reply(reply, 204, "");
	}
}
END_TEST

static void
setup_0666(void)
{
	e2e = vmds_e2e_new("[backchannel]\nsocket-mode=0666\n");
}

/* an outsider who can reach the socket is refused by the daemon */
START_TEST(test_access_outsider_0666)
{
	g_autofree gchar *socket = vmds_e2e_socket_path(e2e, NULL);
	g_autoptr(VmdsE2eRun) run = NULL;
	GStatBuf st;

	if (!vmds_e2e_can_run_as("unprivileged callers"))
		return;
	ck_assert_int_eq(g_stat(socket, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0666);
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_put(e2e, "rw", "k", "v");
	run = vmds_e2e_vmtoolsd_as(e2e, 65534, 65534, NULL, NULL, "datasets-list");
	vmds_e2e_assert_failure(run, "access-denied");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd_as(e2e,
				   65534,
				   65534,
				   NULL,
				   NULL,
				   "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"k\"]}");
	vmds_e2e_assert_failure(run, "access-denied");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd_as(
	    e2e,
	    65534,
	    65534,
	    NULL,
	    NULL,
	    "datasets-set-entry "
	    "{\"dataset\":\"rw\",\"entries\":[{\"key\":\"k\",\"value\":\"x\"}]}");
	vmds_e2e_assert_failure(run, "access-denied");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"k\"]}");
	vmds_e2e_assert_ok(run, "{\"result\":true,\"entries\":[{\"k\":\"v\"}]}");
}
END_TEST

static void
setup_group(void)
{
	e2e = vmds_e2e_new("[backchannel]\ngroup=users\n");
}

/* a member of the configured group may call, as a supplementary or primary group */
START_TEST(test_access_group_member)
{
	g_autofree gchar *socket = vmds_e2e_socket_path(e2e, NULL);
	struct group *gr = getgrnam("users");
	g_autofree gchar *gid = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;
	GStatBuf st;

	if (!vmds_e2e_can_run_as("unprivileged callers"))
		return;
	ck_assert_msg(gr != NULL, "no group 'users' in /etc/group");
	gid = g_strdup_printf("%u", (guint)gr->gr_gid);
	ck_assert_int_eq(g_stat(socket, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0660);
	ck_assert_uint_eq(st.st_gid, gr->gr_gid);
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");

	run = vmds_e2e_vmtoolsd_as(
	    e2e,
	    65534,
	    65534,
	    gid,
	    NULL,
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"k\","
	    "\"value\":\"from a member\"}]}");
	vmds_e2e_assert_ok(run, "{\"result\":true}");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd_as(e2e,
				   65534,
				   gr->gr_gid,
				   NULL,
				   NULL,
				   "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"k\"]}");
	vmds_e2e_assert_ok(run, "{\"result\":true,\"entries\":[{\"k\":\"from a member\"}]}");
	/* a non-member cannot even connect */
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd_as(e2e, 65534, 65534, NULL, NULL, "datasets-list");
	ck_assert_int_eq(run->status, 1);
	ck_assert_str_eq(run->out, "");
	ck_assert_msg(strstr(run->err, socket) != NULL, "[%s]", run->err);
}
END_TEST

/* with the default mode 0660 an outsider cannot connect at all */
START_TEST(test_access_outsider_default)
{
	g_autofree gchar *socket = vmds_e2e_socket_path(e2e, NULL);
	g_autoptr(VmdsE2eRun) run = NULL;
	GStatBuf st;

	if (!vmds_e2e_can_run_as("unprivileged callers"))
		return;
	ck_assert_int_eq(g_stat(socket, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0660);
	run = vmds_e2e_vmtoolsd_as(e2e, 65534, 65534, NULL, NULL, "datasets-list");
	ck_assert_int_eq(run->status, 1);
	ck_assert_str_eq(run->out, "");
	ck_assert_msg(strstr(run->err, socket) != NULL, "[%s] does not name %s", run->err, socket);
	ck_assert_msg(strchr(run->err, '\n') == run->err + run->err_len - 1, "[%s]", run->err);
}
END_TEST

static Suite *
access_suite(void)
{
	Suite *s = suite_create("e2e-access");
	TCase *tc = tcase_create("matrix");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_access_guest_matrix);
	tcase_add_test(tc, test_access_host_matrix);
	tcase_add_test(tc, test_access_outsider_default);
	suite_add_tcase(s, tc);

	tc = tcase_create("socket-0666");
	tcase_add_checked_fixture(tc, setup_0666, teardown);
	tcase_add_test(tc, test_access_outsider_0666);
	suite_add_tcase(s, tc);

	tc = tcase_create("group");
	tcase_add_checked_fixture(tc, setup_group, teardown);
	tcase_add_test(tc, test_access_group_member);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(access_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

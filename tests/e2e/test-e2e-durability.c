/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>

#include "vmds-e2e.h"

/*
 * What survives: a value acknowledged to the guest survives kill -9 of the
 * daemon; a clean stop removes the sockets and the URL file and a restart on
 * the same directories serves the same VMs and data; a second daemon on the
 * same state directory cannot take a VM that is being served
 * (architecture.md, "The store").
 */

#define DS "/api/vcenter/vm/vm-1/data-sets"

static VmdsE2e *e2e = NULL;

static void
setup(void)
{
	e2e = vmds_e2e_new(NULL);
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

static void
guest_ok(const gchar *cmd, const gchar *json)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
	vmds_e2e_assert_ok(run, json);
}

START_TEST(test_durability_kill9)
{
	g_autofree gchar *socket = vmds_e2e_socket_path(e2e, NULL);
	g_autofree gchar *url_file = g_build_filename(vmds_e2e_get_run_dir(e2e), "vmdsd.url", NULL);
	g_autoptr(VmdsE2eReply) reply = NULL;

	for (guint round = 0; round < 3; round++) {
		for (guint i = 0; i < 10; i++) {
			g_autofree gchar *cmd = g_strdup_printf(
			    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"k%u\","
			    "\"value\":\"round %u\"},{\"key\":\"log\",\"value\":\"%u.%u;\","
			    "\"append\":true}]}",
			    i,
			    round,
			    round,
			    i);
			/* the last write is acknowledged just before the kill */
			guest_ok(cmd, "{\"result\":true}");
		}
		vmds_e2e_kill(e2e);
		/* kill -9 left the socket and URL file behind; the restart copes */
		ck_assert(g_file_test(socket, G_FILE_TEST_EXISTS));
		ck_assert(g_file_test(url_file, G_FILE_TEST_EXISTS));
		vmds_e2e_start(e2e);
		for (guint i = 0; i < 10; i++) {
			g_autofree gchar *cmd = g_strdup_printf(
			    "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"k%u\"]}", i);
			g_autofree gchar *expect = g_strdup_printf(
			    "{\"result\":true,\"entries\":[{\"k%u\":\"round %u\"}]}", i, round);
			guest_ok(cmd, expect);
		}
	}
	reply = vmds_e2e_rest(e2e, "GET", DS "/rw/entries/log", NULL);
	vmds_e2e_assert_reply(
	    reply,
	    200,
	    "\"0.0;0.1;0.2;0.3;0.4;0.5;0.6;0.7;0.8;0.9;1.0;1.1;1.2;1.3;1.4;1.5;1.6;1.7;"
	    "1.8;1.9;2.0;2.1;2.2;2.3;2.4;2.5;2.6;2.7;2.8;2.9;\"");
}
END_TEST

/* a value set over REST (204) survives kill -9 too */
START_TEST(test_durability_kill9_rest)
{
	g_autofree gchar *value = g_strnfill(1048576, 'd');

	vmds_e2e_put(e2e, "rw", "big", value);
	vmds_e2e_put(e2e, "rw", "small", "acknowledged");
	vmds_e2e_kill(e2e);
	vmds_e2e_start(e2e);
	guest_ok("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"small\"]}",
		 "{\"result\":true,\"entries\":[{\"small\":\"acknowledged\"}]}");
	guest_ok(
	    "datasets-query {\"dataset\":\"rw\"}",
	    "{\"result\":true,\"name\":\"rw\",\"description\":\"test\",\"host\":\"READ_WRITE\","
	    "\"guest\":\"READ_WRITE\",\"used\":1048596,\"omit_from_snapshot_and_clone\":false}");
}
END_TEST

START_TEST(test_durability_restart)
{
	g_autofree gchar *socket = vmds_e2e_socket_path(e2e, NULL);
	g_autofree gchar *socket2 = vmds_e2e_socket_path(e2e, "vm-2");
	g_autofree gchar *url_file = g_build_filename(vmds_e2e_get_run_dir(e2e), "vmdsd.url", NULL);
	g_autofree gchar *pw_file =
	    g_build_filename(vmds_e2e_get_state_dir(e2e), "admin-password", NULL);
	g_autofree gchar *pw_before = NULL;
	g_autofree gchar *pw_after = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	GStatBuf st;

	ck_assert(g_file_get_contents(pw_file, &pw_before, NULL, NULL));
	ck_assert_int_eq(g_stat(pw_file, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	reply = vmds_e2e_rest(e2e, "POST", "/api/vcenter/vm", "{\"name\":\"web-01\"}");
	vmds_e2e_assert_reply(reply, 201, "\"vm-2\"");
	vmds_e2e_create_dataset(e2e, "vm-2", "on-2", "READ_WRITE", "READ_ONLY");
	guest_ok(
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"k\",\"value\":\"v\"}]}",
	    "{\"result\":true}");

	/* SIGTERM: exit 0, sockets and URL file gone */
	vmds_e2e_stop(e2e);
	ck_assert(!g_file_test(socket, G_FILE_TEST_EXISTS));
	ck_assert(!g_file_test(socket2, G_FILE_TEST_EXISTS));
	ck_assert(!g_file_test(url_file, G_FILE_TEST_EXISTS));

	/* the same VMs, data and password after a restart; vm-1 is not created anew */
	vmds_e2e_start(e2e);
	ck_assert(g_file_get_contents(pw_file, &pw_after, NULL, NULL));
	ck_assert_str_eq(pw_before, pw_after);
	ck_assert(g_file_test(socket2, G_FILE_TEST_EXISTS));
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm", NULL);
	vmds_e2e_assert_reply(
	    reply,
	    200,
	    "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"},{\"vm\":\"vm-2\",\"name\":\"web-01\"}]");
	guest_ok("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"k\"]}",
		 "{\"result\":true,\"entries\":[{\"k\":\"v\"}]}");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-2/data-sets", NULL);
	vmds_e2e_assert_reply(
	    reply, 200, "[{\"data_set\":\"on-2\",\"name\":\"on-2\",\"description\":\"test\"}]");
	/* ids are not reused */
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "DELETE", "/api/vcenter/vm/vm-2", NULL);
	vmds_e2e_assert_reply(reply, 204, "");
	vmds_e2e_restart(e2e);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "POST", "/api/vcenter/vm", "{\"name\":\"web-02\"}");
	ck_assert_uint_eq(reply->status, 201);
	ck_assert_str_ne(reply->body, "\"vm-1\"");
}
END_TEST

/*
 * A second daemon on the same state directory: vm-1's store is locked by the
 * first, so the second must not serve it, and the first keeps serving.
 */
START_TEST(test_durability_store_lock)
{
	g_autoptr(VmdsE2e) second = vmds_e2e_new_on(NULL, vmds_e2e_get_state_dir(e2e));
	g_autofree gchar *second_socket = vmds_e2e_socket_path(second, NULL);
	g_autoptr(VmdsE2eReply) reply = NULL;

	ck_assert(!g_file_test(second_socket, G_FILE_TEST_EXISTS));
	reply = vmds_e2e_rest(second, "GET", "/api/vcenter/vm/vm-1/data-sets", NULL);
	/* listed, but not served: another process holds its store */
	ck_assert_msg(reply->status == 400 &&
			  strstr(reply->body, "\"error_type\":\"NOT_ALLOWED_IN_CURRENT_STATE\"") !=
			      NULL,
		      "HTTP %u %s",
		      reply->status,
		      reply->body);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(second, "GET", "/api/vcenter/vm", NULL);
	vmds_e2e_assert_reply(reply, 200, "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"}]");
	/* the VM can be looked at (GET needs no store), not removed: the
	 * first daemon serves it */
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(second, "GET", "/api/vcenter/vm/vm-1", NULL);
	ck_assert_msg(reply->status == 200 && g_str_has_prefix(reply->body, "{\"vm\":\"vm-1\",") &&
			  strstr(reply->body, ",\"unavailable\":\"store ") != NULL &&
			  strstr(reply->body, " is in use by another process\",") != NULL,
		      "HTTP %u %s",
		      reply->status,
		      reply->body);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(second, "DELETE", "/api/vcenter/vm/vm-1", NULL);
	ck_assert_msg(reply->status == 400 &&
			  strstr(reply->body, "\"error_type\":\"NOT_ALLOWED_IN_CURRENT_STATE\"") !=
			      NULL &&
			  strstr(reply->body, "VM vm-1 is not served here (store ") != NULL &&
			  strstr(reply->body,
				 " is in use by another process): delete it on the daemon "
				 "that serves it") != NULL,
		      "HTTP %u %s",
		      reply->status,
		      reply->body);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(second, "GET", "/api/vcenter/vm", NULL);
	vmds_e2e_assert_reply(reply, 200, "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"}]");
	guest_ok(
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"k\",\"value\":\"v\"}]}",
	    "{\"result\":true}");
	vmds_e2e_stop(second);
	guest_ok("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"k\"]}",
		 "{\"result\":true,\"entries\":[{\"k\":\"v\"}]}");
	/* and it is still there when the first daemon starts again */
	vmds_e2e_restart(e2e);
	guest_ok("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"k\"]}",
		 "{\"result\":true,\"entries\":[{\"k\":\"v\"}]}");
}
END_TEST

static Suite *
durability_suite(void)
{
	Suite *s = suite_create("e2e-durability");
	TCase *tc = tcase_create("restart");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_durability_kill9);
	tcase_add_test(tc, test_durability_kill9_rest);
	tcase_add_test(tc, test_durability_restart);
	tcase_add_test(tc, test_durability_store_lock);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(durability_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

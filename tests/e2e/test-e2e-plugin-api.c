/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <poll.h>
#include <unistd.h>

#include "vmds-e2e.h"

/*
 * The plugin API serves more than DataSets: the daemon runs with a second
 * plugin, tests/vmds-test-plugin.c (notes kept in a table of its own), next
 * to DataSets. Its schema step creates its table in every store, also in
 * one made before the plugin was installed; its guest commands answer in
 * plain text; one of them and one of its routes defer their reply until a
 * note is written, or until their deadline.
 */

#define NOTES "/api/vmds-test/vm/vm-1/notes/"

static VmdsE2e *e2e = NULL;

static void
start(const gchar *config)
{
	e2e = vmds_e2e_new(config);
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

/* nothing arrived on @fd yet */
static void
assert_no_reply(gint fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
}

/* its own table in the store, its version in `components`, DataSets' next to it */
START_TEST(test_plugin_api_schema)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *cmd = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;

	start(NULL);
	vmds_e2e_stop(e2e);
	path = vmds_e2e_store_path(e2e, "vm-1");
	cmd = g_strdup_printf("sqlite3 '%s' \"SELECT group_concat(name || '=' || version, ' ') "
			      "FROM (SELECT * FROM components ORDER BY name); "
			      "SELECT count(*) FROM test_notes; PRAGMA user_version\"",
			      path);
	run = vmds_e2e_shell(e2e, cmd);
	vmds_e2e_assert_run(run, 0, "datasets=2 test=1\n0\n3\n", "");
}
END_TEST

/*
 * A store made without the plugin gets the plugin's table once the plugin
 * is there, and keeps its data sets; both plugins serve it.
 */
START_TEST(test_plugin_api_schema_added)
{
	g_autofree gchar *plugin_dirs = g_strdup(g_getenv("VMDS_PLUGINDIR"));
	g_autofree gchar *datasets_dir = g_strdup(plugin_dirs);
	g_autoptr(VmdsE2eRun) run = NULL;
	gchar *colon = strchr(datasets_dir, ':');

	ck_assert_ptr_nonnull(colon);
	*colon = '\0';
	/* DataSets alone first */
	g_setenv("VMDS_PLUGINDIR", datasets_dir, TRUE);
	start(NULL);
	g_setenv("VMDS_PLUGINDIR", plugin_dirs, TRUE);
	vmds_e2e_create_dataset(e2e, NULL, "kept", "READ_WRITE", "READ_WRITE");
	vmds_e2e_put(e2e, "kept", "k", "v");
	run = vmds_e2e_vmtoolsd(e2e, "test-note-get a");
	vmds_e2e_assert_run(run, 1, "", "Unknown command\n");
	g_clear_pointer(&run, vmds_e2e_run_free);

	vmds_e2e_restart(e2e);
	run = vmds_e2e_vmtoolsd(e2e, "test-note-set a 1");
	vmds_e2e_assert_run(run, 0, "\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "test-note-get a");
	vmds_e2e_assert_run(run, 0, "1\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "datasets-get-entry {\"dataset\":\"kept\",\"keys\":[\"k\"]}");
	vmds_e2e_assert_ok(run, "{\"result\":true,\"entries\":[{\"k\":\"v\"}]}");
}
END_TEST

/* plain-text replies: `1 VALUE`, `0 No value found`, `0 ` and the error's message */
START_TEST(test_plugin_api_plain_text)
{
	g_autoptr(VmdsE2eRun) run = NULL;

	start(NULL);
	run = vmds_e2e_vmtoolsd(e2e, "test-note-get greeting");
	vmds_e2e_assert_run(run, 1, "", "No value found\n");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "test-note-set greeting hello world");
	vmds_e2e_assert_run(run, 0, "\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "test-note-get greeting");
	vmds_e2e_assert_run(run, 0, "hello world\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "test-note-set lonely");
	vmds_e2e_assert_run(run, 1, "", "usage: test-note-set KEY VALUE\n");
}
END_TEST

/*
 * A deferred guest reply: `test-note-wait` answers once the note is
 * written (here by another guest, then over REST), while the daemon serves
 * the others; its connection serves its next request as usual.
 */
START_TEST(test_plugin_api_deferred_guest)
{
	static const gchar wait[] = "test-note-wait door";
	g_autoptr(VmdsE2eRun) run = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	g_autofree gchar *got = NULL;
	gint fd;

	start(NULL);
	fd = vmds_e2e_connect(e2e, "vm-1");
	vmds_e2e_send_request(fd, wait, strlen(wait), FALSE);
	/* others are served meanwhile; the waiter hears nothing yet */
	run = vmds_e2e_vmtoolsd(e2e, "test-note-get door");
	vmds_e2e_assert_run(run, 1, "", "No value found\n");
	g_clear_pointer(&run, vmds_e2e_run_free);
	assert_no_reply(fd);
	run = vmds_e2e_vmtoolsd(e2e, "test-note-set door open");
	vmds_e2e_assert_run(run, 0, "\n", "");
	got = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(got, "1 open");
	g_clear_pointer(&got, g_free);

	/* the same connection waits again; a write over REST wakes it */
	vmds_e2e_send_request(fd, "test-note-wait bell", strlen("test-note-wait bell"), FALSE);
	reply = vmds_e2e_rest(e2e, "PUT", NOTES "bell", "\"rung\"");
	vmds_e2e_assert_reply(reply, 204, "");
	got = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(got, "1 rung");
	close(fd);
}
END_TEST

/*
 * A write that commits wakes its waiter even when another request of its
 * group commit rolls back (the store says a savepoint rolled back, not
 * whose): the requests are sent together, so that they are likely read in
 * one loop turn and answered as one group.
 */
START_TEST(test_plugin_api_deferred_group)
{
	static const gchar wait[] = "test-note-wait flag";
	const gchar *requests[] = {
	    "test-note-set flag up",
	    "datasets-set-entry "
	    "{\"dataset\":\"missing\",\"entries\":[{\"key\":\"k\",\"value\":\"v\"}]}",
	};
	g_autofree gchar *got = NULL;
	gint fds[G_N_ELEMENTS(requests)];
	gint waiter;

	start("[test]\nwait-ms=20000\n");
	waiter = vmds_e2e_connect(e2e, "vm-1");
	vmds_e2e_send_request(waiter, wait, strlen(wait), FALSE);
	for (guint i = 0; i < G_N_ELEMENTS(requests); i++)
		fds[i] = vmds_e2e_connect(e2e, "vm-1");
	for (guint i = 0; i < G_N_ELEMENTS(requests); i++)
		vmds_e2e_send_request(fds[i], requests[i], strlen(requests[i]), FALSE);
	for (guint i = 0; i < G_N_ELEMENTS(requests); i++) {
		g_autofree gchar *reply = vmds_e2e_read_reply(fds[i], NULL);
		ck_assert_ptr_nonnull(reply);
		ck_assert(g_str_has_prefix(reply, i == 0 ? "1 " : "1 {\"result\":false"));
		close(fds[i]);
	}
	got = vmds_e2e_read_reply(waiter, NULL);
	ck_assert_str_eq(got, "1 up");
	close(waiter);
}
END_TEST

/* a wait past its deadline ([test] wait-ms) is answered, and ends nothing else */
START_TEST(test_plugin_api_deferred_timeout)
{
	static const gchar wait[] = "test-note-wait never";
	g_autofree gchar *got = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;
	gint fd;

	start("[test]\nwait-ms=200\n");
	fd = vmds_e2e_connect(e2e, "vm-1");
	vmds_e2e_send_request(fd, wait, strlen(wait), FALSE);
	got = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(got, "0 no reply came before the deadline");
	g_clear_pointer(&got, g_free);
	/* the connection goes on */
	vmds_e2e_send_request(fd, "test-note-get never", strlen("test-note-get never"), FALSE);
	got = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(got, "0 No value found");
	close(fd);

	/* a waiter that goes is forgotten; the write that comes later is fine */
	fd = vmds_e2e_connect(e2e, "vm-1");
	vmds_e2e_send_request(fd, wait, strlen(wait), FALSE);
	run = vmds_e2e_vmtoolsd(e2e, "test-note-get never");
	vmds_e2e_assert_run(run, 1, "", "No value found\n");
	g_clear_pointer(&run, vmds_e2e_run_free);
	close(fd);
	run = vmds_e2e_vmtoolsd(e2e, "test-note-set never now");
	vmds_e2e_assert_run(run, 0, "\n", "");
}
END_TEST

/*
 * A deferred REST reply: GET ...?wait=MS holds the request (the daemon's
 * request timeout does not cut it) until a guest writes the note; past its
 * deadline it is 504 TIMED_OUT. The plugin's own route, unknown VMs and
 * bad arguments answer as every route does.
 */
START_TEST(test_plugin_api_deferred_rest)
{
	g_autofree gchar *request = NULL;
	g_autoptr(VmdsE2eRawReply) raw = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;
	g_autofree gchar *type = NULL;
	gint fd;

	start("[http]\nrequest-timeout=1\n");
	reply = vmds_e2e_rest(e2e, "GET", NOTES "lamp", NULL);
	type = vmds_e2e_error_type(reply);
	ck_assert_uint_eq(reply->status, 404);
	ck_assert_str_eq(type, "NOT_FOUND");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	g_clear_pointer(&type, g_free);
	reply = vmds_e2e_rest(e2e, "GET", NOTES "lamp?wait=0", NULL);
	ck_assert_uint_eq(reply->status, 400);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", "/api/vmds-test/vm/vm-9/notes/lamp", NULL);
	ck_assert_uint_eq(reply->status, 404);
	g_clear_pointer(&reply, vmds_e2e_reply_free);

	/* longer than the request timeout, woken by the guest */
	fd = vmds_e2e_http_connect(e2e, NULL);
	request = g_strdup_printf("GET " NOTES "lamp?wait=30000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				  "vmware-api-session-id: %s\r\n\r\n",
				  vmds_e2e_get_session(e2e));
	vmds_e2e_send(fd, (const guint8 *)request, strlen(request));
	run = vmds_e2e_vmtoolsd(e2e, "test-note-get lamp");
	vmds_e2e_assert_run(run, 1, "", "No value found\n");
	g_clear_pointer(&run, vmds_e2e_run_free);
	/* the behaviour under test is time passing, not readiness: past the
	 * 1 s request timeout (checked once a second), a long poll is no slow
	 * client and keeps its connection */
	g_usleep(2500 * 1000);
	assert_no_reply(fd);
	run = vmds_e2e_vmtoolsd(e2e, "test-note-set lamp lit");
	vmds_e2e_assert_run(run, 0, "\n", "");
	raw = vmds_e2e_http_read(fd, 10000);
	ck_assert_uint_eq(raw->status, 200);
	ck_assert_str_eq(raw->body, "\"lit\"");
	close(fd);

	/* and past its own deadline */
	reply = vmds_e2e_rest(e2e, "GET", NOTES "switch?wait=100", NULL);
	type = vmds_e2e_error_type(reply);
	ck_assert_uint_eq(reply->status, 504);
	ck_assert_str_eq(type, "TIMED_OUT");
}
END_TEST

/* a GET to @source's connection, with a session: its status (503 while
 * the client holds its one connection) */
static guint
get_status(const gchar *source)
{
	g_autofree gchar *request =
	    g_strdup_printf("GET /api/vcenter/vm HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			    "vmware-api-session-id: %s\r\n\r\n",
			    vmds_e2e_get_session(e2e));
	g_autoptr(VmdsE2eRawReply) raw = NULL;
	gint fd = vmds_e2e_http_connect(e2e, source);

	vmds_e2e_send(fd, (const guint8 *)request, strlen(request));
	raw = vmds_e2e_http_read(fd, 10000);
	close(fd);
	ck_assert_ptr_nonnull(raw);
	return raw->status;
}

/*
 * A client that leaves while its reply is deferred gives its connection back
 * at once, not at the deferral's deadline (a minute here): with one
 * connection per client, the next one from its address is served.
 */
START_TEST(test_plugin_api_deferred_rest_left)
{
	const gchar *const args[] = {"-v", NULL};
	g_autofree gchar *request = NULL;
	g_autofree gchar *log = NULL;
	guint status = 0;
	gint fd;

	e2e = vmds_e2e_new_args("[http]\nmax-connections-per-client=1\n", NULL, args);
	fd = vmds_e2e_http_connect(e2e, "127.0.0.9");
	request = g_strdup_printf("GET " NOTES "door?wait=60000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				  "vmware-api-session-id: %s\r\n\r\n",
				  vmds_e2e_get_session(e2e));
	vmds_e2e_send(fd, (const guint8 *)request, strlen(request));
	/* its connection taken in: the client's one */
	ck_assert_uint_eq(get_status("127.0.0.9"), 503);
	close(fd);
	/* the connection goes once the daemon saw the client leave */
	for (gint64 until = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	     status != 200 && g_get_monotonic_time() < until;) {
		status = get_status("127.0.0.9");
		if (status != 200)
			g_usleep(50 * 1000);
	}
	ck_assert_uint_eq(status, 200);
	log = vmds_e2e_read_log(e2e);
	ck_assert_msg(strstr(log, "GET " NOTES "door: the client left before its deferred reply") !=
			  NULL,
		      "%s",
		      log);
}
END_TEST

static Suite *
test_plugin_api_suite(void)
{
	Suite *s = suite_create("plugin-api");
	TCase *tc = tcase_create("plugin-api");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_plugin_api_schema);
	tcase_add_test(tc, test_plugin_api_schema_added);
	tcase_add_test(tc, test_plugin_api_plain_text);
	tcase_add_test(tc, test_plugin_api_deferred_guest);
	tcase_add_test(tc, test_plugin_api_deferred_group);
	tcase_add_test(tc, test_plugin_api_deferred_timeout);
	tcase_add_test(tc, test_plugin_api_deferred_rest);
	tcase_add_test(tc, test_plugin_api_deferred_rest_left);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_plugin_api_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

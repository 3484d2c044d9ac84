/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "vmds-e2e.h"

/*
 * Access control (management-api.md "Transport and authentication",
 * guest-rpc.md §4): every route refuses a caller without a live session,
 * sessions end on logout and after the idle timeout, failed logins are
 * slowed per client and logged without the password, and an unprivileged
 * caller on the backchannel gets access-denied for every datasets command.
 */

#define DS "/api/vcenter/vm/vm-1/data-sets"

static VmdsE2e *e2e = NULL;

static void
setup(void)
{
	e2e = vmds_e2e_new(NULL);
}

static void
setup_expiry(void)
{
	e2e = vmds_e2e_new("[http]\nsession-timeout=1\n");
}

static void
setup_0666(void)
{
	e2e = vmds_e2e_new("[backchannel]\nsocket-mode=0666\n");
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

/* vm-1 has rw {a: alpha}, vm-2 exists */
static void
populate(void)
{
	g_autoptr(VmdsE2eReply) reply = NULL;

	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_put(e2e, "rw", "a", "alpha");
	reply = vmds_e2e_rest(e2e, "POST", "/api/vcenter/vm", "{\"name\":\"other\"}");
	vmds_e2e_assert_reply(reply, 201, "\"vm-2\"");
}

static gchar *
state_text(void)
{
	g_autoptr(VmdsE2eReply) vms = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm", NULL);
	g_autofree gchar *vm1 = vmds_e2e_dump(e2e, NULL);
	return g_strdup_printf("%u %s\n%s", vms->status, vms->body, vm1);
}

/* POST /api/session from @source with Basic @user:@password */
static VmdsE2eRawReply *
login_from(const gchar *source, const gchar *user, const gchar *password)
{
	g_autofree gchar *auth = vmds_e2e_basic_auth(user, password, -1);
	g_autofree gchar *request =
	    g_strdup_printf("POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
			    "%s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
			    auth);
	return vmds_e2e_http_raw(e2e, source, request, strlen(request));
}

/* a new session's id, logged in from @source */
static gchar *
login(const gchar *source)
{
	g_autoptr(VmdsE2eRawReply) reply = login_from(source, "admin", vmds_e2e_get_password(e2e));
	g_autoptr(JsonNode) node = NULL;

	ck_assert_msg(reply->status == 201, "login: %u %s", reply->status, reply->body);
	node = json_from_string(reply->body, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_VALUE(node));
	return g_strdup(json_node_get_string(node));
}

static VmdsE2eReply *
call(const gchar *session, const gchar *method, const gchar *path, const gchar *body)
{
	const gchar *const headers[] = {"vmware-api-session-id", session, NULL};
	return vmds_e2e_http(e2e,
			     method,
			     path,
			     session != NULL ? headers : NULL,
			     body,
			     body != NULL ? strlen(body) : 0);
}

/*
 * Every route, an unknown path and an unsupported method: 401 UNAUTHENTICATED
 * for @session (NULL: no header at all), and nothing changed.
 */
static void
assert_all_routes_refused(const gchar *session, const gchar *what)
{
	const struct {
		const gchar *method;
		const gchar *path;
		const gchar *body;
	} routes[] = {
	    {"GET", "/api/vcenter/vm", NULL},
	    {"POST", "/api/vcenter/vm", "{\"name\":\"x\"}"},
	    {"GET", "/api/vcenter/vm/vm-1", NULL},
	    {"DELETE", "/api/vcenter/vm/vm-2", NULL},
	    {"GET", DS, NULL},
	    {"POST", DS, "{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\"}"},
	    {"GET", DS "/rw", NULL},
	    {"PATCH", DS "/rw", "{\"guest\":\"NONE\"}"},
	    {"DELETE", DS "/rw?force=true", NULL},
	    {"GET", DS "/rw/entries", NULL},
	    {"GET", DS "/rw/entries/a", NULL},
	    {"PUT", DS "/rw/entries/a", "\"x\""},
	    {"DELETE", DS "/rw/entries/a", NULL},
	    /* the session comes before routing: nothing about paths leaks */
	    {"GET", "/api/nothing-here", NULL},
	    {"PUT", "/api/vcenter/vm", "{}"},
	};
	g_autofree gchar *before = state_text();
	g_autofree gchar *after = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(routes); i++) {
		g_autoptr(VmdsE2eReply) reply =
		    call(session, routes[i].method, routes[i].path, routes[i].body);
		g_autofree gchar *type = vmds_e2e_error_type(reply);
		ck_assert_msg(reply->status == 401 && g_strcmp0(type, "UNAUTHENTICATED") == 0,
			      "%s: %s %s: HTTP %u %s",
			      what,
			      routes[i].method,
			      routes[i].path,
			      reply->status,
			      reply->body);
	}
	after = state_text();
	ck_assert_msg(g_strcmp0(before, after) == 0,
		      "%s changed the state:\n%s\n--- after ---\n%s",
		      what,
		      before,
		      after);
}

START_TEST(test_auth_no_session)
{
	g_autofree gchar *session = NULL;
	g_autofree gchar *forged = NULL;

	populate();
	assert_all_routes_refused(NULL, "no session");
	assert_all_routes_refused("", "an empty session");
	/* a forged id of the right shape */
	session = login("127.0.0.2");
	forged = g_strdup(session);
	forged[0] = forged[0] == '0' ? '1' : '0';
	assert_all_routes_refused(forged, "a forged session");
	/* the real one still works */
	{
		g_autoptr(VmdsE2eReply) reply = call(session, "GET", DS "/rw/entries/a", NULL);
		vmds_e2e_assert_reply(reply, 200, "\"alpha\"");
	}
}
END_TEST

/* DELETE /api/session ends that session only */
START_TEST(test_auth_logout)
{
	g_autofree gchar *a = NULL;
	g_autofree gchar *b = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;

	populate();
	a = login("127.0.0.2");
	b = login("127.0.0.2");
	ck_assert_str_ne(a, b);
	reply = call("00000000000000000000000000000000", "DELETE", "/api/session", NULL);
	vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = call(a, "DELETE", "/api/session", NULL);
	vmds_e2e_assert_reply(reply, 204, "");
	assert_all_routes_refused(a, "a session after logout");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = call(a, "DELETE", "/api/session", NULL);
	vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = call(b, "GET", DS "/rw/entries/a", NULL);
	vmds_e2e_assert_reply(reply, 200, "\"alpha\"");
}
END_TEST

/*
 * [http] session-timeout=1: a session left idle for over a second is gone,
 * one in use stays. The one wait of this file: polling with the live
 * session until the idle one is over a second old.
 */
START_TEST(test_auth_expired)
{
	g_autofree gchar *idle = NULL;
	const gchar *busy = NULL;
	gint64 last_use;
	guint polls = 0;

	populate();
	idle = login("127.0.0.2");
	/* the fixture's own session: the state dumps use it too */
	busy = vmds_e2e_get_session(e2e);
	{
		g_autoptr(VmdsE2eReply) reply = call(idle, "GET", DS "/rw/entries/a", NULL);
		vmds_e2e_assert_reply(reply, 200, "\"alpha\"");
	}
	last_use = g_get_monotonic_time();
	while (g_get_monotonic_time() < last_use + 1200 * 1000) {
		g_autoptr(VmdsE2eReply) reply = call(busy, "GET", DS "/rw/entries/a", NULL);
		vmds_e2e_assert_reply(reply, 200, "\"alpha\"");
		polls++;
	}
	ck_assert_uint_gt(polls, 1);
	assert_all_routes_refused(idle, "an expired session");
	{
		g_autoptr(VmdsE2eReply) reply = call(idle, "DELETE", "/api/session", NULL);
		vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	}
	{
		g_autoptr(VmdsE2eReply) reply = call(busy, "GET", DS "/rw/entries/a", NULL);
		vmds_e2e_assert_reply(reply, 200, "\"alpha\"");
	}
}
END_TEST

/* a failed login: 401, the wrong-credentials message, a challenge, no Retry-After */
static void
assert_login_wrong(const gchar *source, const gchar *password)
{
	g_autoptr(VmdsE2eRawReply) reply = login_from(source, "admin", password);
	g_autofree gchar *type = vmds_e2e_raw_error_type(reply);
	g_autofree gchar *message = vmds_e2e_raw_error_message(reply);
	g_autofree gchar *retry = vmds_e2e_raw_reply_header(reply, "Retry-After");
	g_autofree gchar *challenge = vmds_e2e_raw_reply_header(reply, "WWW-Authenticate");

	ck_assert_msg(reply->status == 401 && g_strcmp0(type, "UNAUTHENTICATED") == 0,
		      "%s: HTTP %u %s",
		      source,
		      reply->status,
		      reply->body);
	ck_assert_str_eq(message, "wrong user name or password");
	ck_assert_ptr_null(retry);
	ck_assert_str_eq(challenge, "Basic realm=\"vmds\"");
}

/* a login refused because @source failed too often: 401 and Retry-After */
static void
assert_login_slowed(const gchar *source, const gchar *password)
{
	g_autoptr(VmdsE2eRawReply) reply = login_from(source, "admin", password);
	g_autofree gchar *type = vmds_e2e_raw_error_type(reply);
	g_autofree gchar *message = vmds_e2e_raw_error_message(reply);
	g_autofree gchar *retry = vmds_e2e_raw_reply_header(reply, "Retry-After");
	g_autofree gchar *expect = NULL;

	ck_assert_msg(reply->status == 401 && g_strcmp0(type, "UNAUTHENTICATED") == 0,
		      "%s: HTTP %u %s",
		      source,
		      reply->status,
		      reply->body);
	ck_assert_msg(retry != NULL, "%s: no Retry-After: %s", source, reply->headers);
	/* the first wait is one second */
	ck_assert_str_eq(retry, "1");
	expect = g_strdup_printf("too many failed logins: try again in %s seconds", retry);
	ck_assert_str_eq(message, expect);
}

static guint
count_lines(const gchar *log, const gchar *needle)
{
	guint n = 0;
	for (const gchar *p = strstr(log, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

START_TEST(test_auth_brute_force)
{
	const gchar *const wrong[] = {"hunter2-Qx7w",
				      "correct horse battery",
				      "P@ssw0rd!-9zz",
				      "admin",
				      "wrong-Kv3b-5",
				      "wrong-Kv3b-6",
				      "wrong-Kv3b-7",
				      "wrong-Kv3b-8",
				      "wrong-Kv3b-9",
				      NULL};
	const gchar *password = vmds_e2e_get_password(e2e);
	g_autofree gchar *log = NULL;
	g_autofree gchar *session = NULL;

	populate();
	/* 127.0.0.2: five failures, then even the right password waits */
	for (guint i = 0; i < 5; i++)
		assert_login_wrong("127.0.0.2", wrong[i]);
	assert_login_slowed("127.0.0.2", password);
	assert_login_slowed("127.0.0.2", wrong[5]);
	/* per client: 127.0.0.3 logs in, the fixture's session still works */
	session = login("127.0.0.3");
	{
		g_autoptr(VmdsE2eReply) reply = call(session, "GET", DS "/rw/entries/a", NULL);
		vmds_e2e_assert_reply(reply, 200, "\"alpha\"");
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_rest(e2e, "GET", DS "/rw/entries/a", NULL);
		vmds_e2e_assert_reply(reply, 200, "\"alpha\"");
	}

	/* 127.0.0.4: a success resets the count: 4 failures, a login, 4 more are
	 * still answered, the fifth in a row makes the next one wait */
	for (guint i = 0; i < 4; i++)
		assert_login_wrong("127.0.0.4", wrong[i]);
	g_free(login("127.0.0.4"));
	for (guint i = 4; i < 9; i++)
		assert_login_wrong("127.0.0.4", wrong[i]);
	assert_login_slowed("127.0.0.4", password);

	/* logged: one line per failure, counting; a refused wait is no failure */
	log = vmds_e2e_read_log(e2e);
	ck_assert_uint_eq(count_lines(log, "refused a login from 127.0.0.2: "), 5);
	ck_assert_uint_eq(count_lines(log, "refused a login from 127.0.0.4: "), 9);
	ck_assert_uint_eq(count_lines(log, "refused a login from 127.0.0.3"), 0);
	ck_assert_msg(strstr(log,
			     "refused a login from 127.0.0.2: wrong user name or password (5 "
			     "failures in a row)") != NULL,
		      "%s",
		      log);
	ck_assert_uint_eq(count_lines(log, "127.0.0.4: wrong user name or password (4 failures"),
			  2);
	ck_assert_uint_eq(count_lines(log, "127.0.0.4: wrong user name or password (5 failures"),
			  1);
	/* and never a password tried, nor the real one, nor their base64 */
	for (guint i = 0; wrong[i] != NULL; i++) {
		g_autofree gchar *basic = vmds_e2e_basic_auth("admin", wrong[i], -1);
		if (g_strcmp0(wrong[i], "admin") == 0)
			continue; /* the user name is logged nowhere either, but is a common word */
		ck_assert_msg(strstr(log, wrong[i]) == NULL, "the log holds '%s'", wrong[i]);
		ck_assert_msg(strstr(log, basic + 6) == NULL, "the log holds '%s'", basic);
	}
	ck_assert_msg(strstr(log, password) == NULL, "the log holds the password");
}
END_TEST

/*
 * An unprivileged caller that can reach the socket (mode 0666): every
 * datasets command, well-formed or not, is access-denied and changes
 * nothing; a name no plugin registered is still `Unknown command`.
 */
START_TEST(test_auth_backchannel_unprivileged)
{
	const gchar *const denied[] = {
	    "datasets-list",
	    "datasets-list {}",
	    "datasets-query {\"dataset\":\"rw\"}",
	    "datasets-list-keys {\"dataset\":\"rw\"}",
	    "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\"]}",
	    "datasets-get-entries {\"dataset\":\"rw\",\"keys\":[\"a\"]}",
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":\"x\"}]}",
	    ("datasets-set-entries "
	     "{\"dataset\":\"rw\",\"entries\":[{\"key\":\"n\",\"value\":\"x\"}]}"),
	    "datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[\"a\"]}",
	    "datasets-delete-entries {\"dataset\":\"rw\",\"keys\":[\"a\"]}",
	    /* refused before the args are read: nothing is told about them */
	    "datasets-get-entry not json",
	    "datasets-query {\"dataset\":\"nope\"}",
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[]}",
	};
	const gchar *const unknown[] = {"no-such-command", "datasets-bogus {}", "DATASETS-LIST"};
	g_autoptr(VmdsE2eRun) run = NULL;

	if (!vmds_e2e_can_run_as("unprivileged callers"))
		return;
	populate();
	for (guint i = 0; i < G_N_ELEMENTS(denied); i++) {
		g_autofree gchar *before = state_text();
		g_autofree gchar *after = NULL;
		g_autoptr(VmdsE2eRun) denied_run =
		    vmds_e2e_vmtoolsd_as(e2e, 65534, 65534, NULL, NULL, denied[i]);
		vmds_e2e_assert_failure(denied_run, "access-denied");
		after = state_text();
		ck_assert_msg(g_strcmp0(before, after) == 0, "%s changed the state", denied[i]);
	}
	for (guint i = 0; i < G_N_ELEMENTS(unknown); i++) {
		g_autoptr(VmdsE2eRun) unknown_run =
		    vmds_e2e_vmtoolsd_as(e2e, 65534, 65534, NULL, NULL, unknown[i]);
		vmds_e2e_assert_run(unknown_run, 1, "", "Unknown command\n");
	}
	/* root still may */
	run = vmds_e2e_vmtoolsd(e2e, "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\"]}");
	vmds_e2e_assert_ok(run, "{\"result\":true,\"entries\":[{\"a\":\"alpha\"}]}");
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("e2e-auth");
	TCase *tc = tcase_create("rest");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_auth_no_session);
	tcase_add_test(tc, test_auth_logout);
	tcase_add_test(tc, test_auth_brute_force);
	suite_add_tcase(s, tc);

	tc = tcase_create("expiry");
	tcase_add_checked_fixture(tc, setup_expiry, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_auth_expired);
	suite_add_tcase(s, tc);

	tc = tcase_create("backchannel");
	tcase_add_checked_fixture(tc, setup_0666, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_auth_backchannel_unprivileged);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(auth_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

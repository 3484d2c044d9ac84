/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <sys/resource.h>

#include "vmds-e2e.h"

/*
 * The REST API end to end (management-api.md): sessions, every route, and
 * every error_type with its HTTP status, each refusal followed by a check
 * that nothing changed. Expected bodies are written from the spec.
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

static void
rest_ok(const gchar *method,
	const gchar *path,
	const gchar *body,
	guint status,
	const gchar *reply_body)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, method, path, body);
	vmds_e2e_assert_reply(reply, status, reply_body);
}

/* a refused call: the status, the error_type, and vm-1's data sets unchanged */
static void
rest_fails(const gchar *method,
	   const gchar *path,
	   const gchar *body,
	   guint status,
	   const gchar *error_type)
{
	g_autofree gchar *before = vmds_e2e_dump(e2e, NULL);
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, method, path, body);
	g_autofree gchar *after = NULL;

	vmds_e2e_assert_error(reply, status, error_type);
	after = vmds_e2e_dump(e2e, NULL);
	ck_assert_msg(g_strcmp0(before, after) == 0,
		      "%s %s changed the state:\n%s\n--- after ---\n%s",
		      method,
		      path,
		      before,
		      after);
}

START_TEST(test_rest_session)
{
	g_autofree gchar *good = g_strdup_printf("admin:%s", vmds_e2e_get_password(e2e));
	g_autofree gchar *good64 = g_base64_encode((const guchar *)good, strlen(good));
	g_autofree gchar *good_auth = g_strdup_printf("Basic %s", good64);
	g_autofree gchar *bad64 = g_base64_encode((const guchar *)"admin:wrong", 11);
	g_autofree gchar *bad_auth = g_strdup_printf("Basic %s", bad64);
	g_autofree gchar *user64 = g_strdup_printf("root:%s", vmds_e2e_get_password(e2e));
	g_autofree gchar *user_b64 = g_base64_encode((const guchar *)user64, strlen(user64));
	g_autofree gchar *user_auth = g_strdup_printf("Basic %s", user_b64);
	g_autoptr(VmdsE2eReply) reply = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autofree gchar *id = NULL;

	/* no credentials, a wrong password, a wrong user: 401 UNAUTHENTICATED */
	reply = vmds_e2e_http(e2e, "POST", "/api/session", NULL, NULL, 0);
	vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	{
		const gchar *const headers[] = {"Authorization", bad_auth, NULL};
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_http(e2e, "POST", "/api/session", headers, NULL, 0);
		vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	}
	{
		const gchar *const headers[] = {"Authorization", user_auth, NULL};
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_http(e2e, "POST", "/api/session", headers, NULL, 0);
		vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	}
	/* the right ones: 201 and the id as a JSON string */
	{
		const gchar *const headers[] = {"Authorization", good_auth, NULL};
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_http(e2e, "POST", "/api/session", headers, NULL, 0);
		ck_assert_uint_eq(reply->status, 201);
		node = json_from_string(reply->body, NULL);
		ck_assert(node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
			  json_node_get_value_type(node) == G_TYPE_STRING);
		id = g_strdup(json_node_get_string(node));
		ck_assert_str_ne(id, "");
	}
	/* every other call needs the header */
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_http(e2e, "GET", "/api/vcenter/vm", NULL, NULL, 0);
	vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	{
		const gchar *const headers[] = {"vmware-api-session-id", "not-a-session", NULL};
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_http(e2e, "GET", "/api/vcenter/vm", headers, NULL, 0);
		vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	}
	{
		/* Basic credentials are no session */
		const gchar *const headers[] = {"Authorization", good_auth, NULL};
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_http(e2e, "GET", "/api/vcenter/vm", headers, NULL, 0);
		vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	}
	{
		const gchar *const headers[] = {"vmware-api-session-id", id, NULL};
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_http(e2e, "GET", "/api/vcenter/vm", headers, NULL, 0);
		ck_assert_uint_eq(reply->status, 200);
		/* /api/session knows POST and DELETE only */
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_http(e2e, "GET", "/api/session", headers, NULL, 0);
		vmds_e2e_assert_error(reply, 400, "UNSUPPORTED");
		/* DELETE ends it */
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_http(e2e, "DELETE", "/api/session", headers, NULL, 0);
		vmds_e2e_assert_reply(reply, 204, "");
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_http(e2e, "GET", "/api/vcenter/vm", headers, NULL, 0);
		vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_http(e2e, "DELETE", "/api/session", headers, NULL, 0);
		vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	}
	/* unauthenticated calls change nothing */
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_http(
	    e2e, "POST", DS, NULL, "{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\"}", 41);
	vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	rest_ok("GET", DS, NULL, 200, "[]");
}
END_TEST

START_TEST(test_rest_vm_routes)
{
	g_autofree gchar *sock2 = vmds_e2e_socket_path(e2e, "vm-2");
	g_autofree gchar *info2 =
	    g_strdup_printf("{\"vm\":\"vm-2\",\"name\":\"web-01\",\"cid\":5,\"backchannel\":\"%s\","
			    "\"snapshot_count\":0,\"snapshots_size\":0}",
			    sock2);
	g_autofree gchar *channel2 = vmds_e2e_channel(e2e, "vm-2");
	g_autofree gchar *channel_env = g_strdup_printf("VMTOOLSD_CHANNEL=%s", channel2);
	g_autoptr(VmdsE2eRun) run = NULL;

	rest_ok("GET", "/api/vcenter/vm", NULL, 200, "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"}]");
	rest_ok("POST", "/api/vcenter/vm", "{\"name\":\"web-01\",\"cid\":5}", 201, "\"vm-2\"");
	rest_ok("POST", "/api/vcenter/vm", "{\"name\":\"web-02\"}", 201, "\"vm-3\"");
	rest_ok(
	    "GET",
	    "/api/vcenter/vm",
	    NULL,
	    200,
	    "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"},{\"vm\":\"vm-2\",\"name\":\"web-01\"},{\"vm\":"
	    "\"vm-3\",\"name\":\"web-02\"}]");
	rest_ok("GET", "/api/vcenter/vm/vm-2", NULL, 200, info2);
	ck_assert(g_file_test(sock2, G_FILE_TEST_EXISTS));

	/* the new VM's guest has its own data sets */
	vmds_e2e_create_dataset(e2e, "vm-2", "only-on-2", "READ_WRITE", "READ_WRITE");
	{
		const gchar *const env[] = {channel_env, NULL};
		const gchar *const args[] = {"--cmd", "datasets-list", NULL};
		run = vmds_e2e_vmtoolsd_argv(e2e, args, env);
		vmds_e2e_assert_ok(run,
				   "{\"result\":true,\"datasets\":[{\"name\":\"only-on-2\","
				   "\"description\":\"test\"}]}");
	}
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "datasets-list");
	vmds_e2e_assert_ok(run, "{\"result\":true,\"datasets\":[]}");

	/* refusals */
	rest_fails(
	    "POST", "/api/vcenter/vm", "{\"name\":\"web-03\",\"cid\":5}", 400, "ALREADY_EXISTS");
	rest_fails("POST", "/api/vcenter/vm", "{\"name\":\"\"}", 400, "INVALID_ARGUMENT");
	rest_fails("POST", "/api/vcenter/vm", "{}", 400, "INVALID_ARGUMENT");
	rest_fails(
	    "POST", "/api/vcenter/vm", "{\"name\":\"x\",\"color\":1}", 400, "INVALID_ARGUMENT");
	rest_fails(
	    "POST", "/api/vcenter/vm", "{\"name\":\"x\",\"cid\":\"5\"}", 400, "INVALID_ARGUMENT");
	rest_fails(
	    "POST", "/api/vcenter/vm", "{\"name\":\"x\",\"cid\":2}", 400, "INVALID_ARGUMENT");
	rest_fails("POST", "/api/vcenter/vm", "{\"name\":", 400, "INVALID_ARGUMENT");
	rest_fails("POST", "/api/vcenter/vm", "[\"x\"]", 400, "INVALID_ARGUMENT");
	rest_fails("GET", "/api/vcenter/vm/vm-9", NULL, 404, "NOT_FOUND");
	rest_fails("PUT", "/api/vcenter/vm/vm-2", "{}", 400, "UNSUPPORTED");
	rest_fails("GET", "/api/vcenter/nothing", NULL, 404, "NOT_FOUND");
	rest_ok(
	    "GET",
	    "/api/vcenter/vm",
	    NULL,
	    200,
	    "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"},{\"vm\":\"vm-2\",\"name\":\"web-01\"},{\"vm\":"
	    "\"vm-3\",\"name\":\"web-02\"}]");

	/* DELETE removes the VM, its store and its socket */
	rest_ok("DELETE", "/api/vcenter/vm/vm-2", NULL, 204, "");
	ck_assert(!g_file_test(sock2, G_FILE_TEST_EXISTS));
	rest_fails("GET", "/api/vcenter/vm/vm-2", NULL, 404, "NOT_FOUND");
	rest_fails("DELETE", "/api/vcenter/vm/vm-2", NULL, 404, "NOT_FOUND");
	rest_fails("GET", "/api/vcenter/vm/vm-2/data-sets", NULL, 404, "NOT_FOUND");
	rest_ok("GET",
		"/api/vcenter/vm",
		NULL,
		200,
		"[{\"vm\":\"vm-1\",\"name\":\"vm-1\"},{\"vm\":\"vm-3\",\"name\":\"web-02\"}]");
	{
		const gchar *const env[] = {channel_env, NULL};
		const gchar *const args[] = {"--cmd", "datasets-list", NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd_argv(e2e, args, env);
		ck_assert_int_eq(run->status, 1);
		ck_assert_msg(strstr(run->err, sock2) != NULL, "[%s]", run->err);
	}
}
END_TEST

START_TEST(test_rest_dataset_routes)
{
	g_autofree gchar *name255 = g_strnfill(255, 'n');
	g_autofree gchar *name256 = g_strnfill(256, 'n');
	g_autofree gchar *desc1024 = g_strnfill(1024, 'd');
	g_autofree gchar *desc1025 = g_strnfill(1025, 'd');
	g_autofree gchar *body = NULL;
	g_autofree gchar *expect = NULL;

	rest_ok("GET", DS, NULL, 200, "[]");
	rest_ok(
	    "POST",
	    DS,
	    "{\"name\":\"com.example.app\",\"description\":\"App config\",\"host\":\"READ_WRITE\","
	    "\"guest\":\"READ_ONLY\"}",
	    201,
	    "\"com.example.app\"");
	rest_ok("POST",
		DS,
		"{\"name\":\"omit\",\"host\":\"NONE\",\"guest\":\"READ_WRITE\","
		"\"omit_from_snapshot_and_clone\":true}",
		201,
		"\"omit\"");
	rest_ok(
	    "GET",
	    DS,
	    NULL,
	    200,
	    "[{\"data_set\":\"com.example.app\",\"name\":\"com.example.app\",\"description\":\"App "
	    "config\"},{\"data_set\":\"omit\",\"name\":\"omit\",\"description\":\"\"}]");
	rest_ok(
	    "GET",
	    DS "/com.example.app",
	    NULL,
	    200,
	    "{\"name\":\"com.example.app\",\"description\":\"App config\",\"host\":\"READ_WRITE\","
	    "\"guest\":\"READ_ONLY\",\"used\":0,\"omit_from_snapshot_and_clone\":false}");
	rest_ok(
	    "GET",
	    DS "/omit",
	    NULL,
	    200,
	    "{\"name\":\"omit\",\"description\":\"\",\"host\":\"NONE\",\"guest\":\"READ_WRITE\","
	    "\"used\":0,\"omit_from_snapshot_and_clone\":true}");

	/* PATCH changes only what it names */
	rest_ok("PATCH", DS "/com.example.app", "{\"guest\":\"READ_WRITE\"}", 204, "");
	rest_ok(
	    "PATCH",
	    DS "/com.example.app",
	    "{\"description\":\"v2\",\"host\":\"READ_ONLY\",\"omit_from_snapshot_and_clone\":true}",
	    204,
	    "");
	rest_ok("PATCH", DS "/com.example.app", "{}", 204, "");
	rest_ok("GET",
		DS "/com.example.app",
		NULL,
		200,
		"{\"name\":\"com.example.app\",\"description\":\"v2\",\"host\":\"READ_ONLY\","
		"\"guest\":\"READ_WRITE\",\"used\":0,\"omit_from_snapshot_and_clone\":true}");
	rest_ok("PATCH", DS "/com.example.app", "{\"host\":\"READ_WRITE\"}", 204, "");

	/* the boundaries: a 255-byte name and a 1,024-byte description are fine */
	body =
	    g_strdup_printf("{\"name\":\"%s\",\"description\":\"%s\",\"host\":\"NONE\",\"guest\":"
			    "\"NONE\"}",
			    name255,
			    desc1024);
	expect = g_strdup_printf("\"%s\"", name255);
	rest_ok("POST", DS, body, 201, expect);

	/* INVALID_ARGUMENT */
	{
		g_autofree gchar *long_name = g_strdup_printf(
		    "{\"name\":\"%s\",\"host\":\"NONE\",\"guest\":\"NONE\"}", name256);
		g_autofree gchar *long_desc = g_strdup_printf(
		    "{\"name\":\"d\",\"description\":\"%s\",\"host\":\"NONE\",\"guest\":\"NONE\"}",
		    desc1025);
		g_autofree gchar *patch_desc =
		    g_strdup_printf("{\"description\":\"%s\"}", desc1025);
		const gchar *const bodies[] = {
		    "{\"name\":\"x\",\"guest\":\"NONE\"}",
		    "{\"name\":\"x\",\"host\":\"NONE\"}",
		    "{\"host\":\"NONE\",\"guest\":\"NONE\"}",
		    "{\"name\":\"\",\"host\":\"NONE\",\"guest\":\"NONE\"}",
		    "{\"name\":\"x\",\"host\":\"read_write\",\"guest\":\"NONE\"}",
		    "{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"WRITE_ONLY\"}",
		    "{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\",\"hots\":\"NONE\"}",
		    "{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\","
		    "\"omit_from_snapshot_and_clone\":\"yes\"}",
		    "{\"name\":7,\"host\":\"NONE\",\"guest\":\"NONE\"}",
		    "{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\"",
		    "\"x\"",
		    "",
		    long_name,
		    long_desc,
		    NULL,
		};
		for (guint i = 0; bodies[i] != NULL; i++)
			rest_fails("POST", DS, bodies[i], 400, "INVALID_ARGUMENT");
		rest_fails("PATCH",
			   DS "/com.example.app",
			   "{\"name\":\"renamed\"}",
			   400,
			   "INVALID_ARGUMENT");
		rest_fails(
		    "PATCH", DS "/com.example.app", "{\"guest\":\"ALL\"}", 400, "INVALID_ARGUMENT");
		rest_fails("PATCH", DS "/com.example.app", patch_desc, 400, "INVALID_ARGUMENT");
		rest_fails("PATCH", DS "/com.example.app", "not json", 400, "INVALID_ARGUMENT");
		rest_fails("DELETE", DS "/omit?force=maybe", NULL, 400, "INVALID_ARGUMENT");
		rest_fails("GET", DS "/bad%FFname", NULL, 400, "INVALID_ARGUMENT");
	}
	/* ALREADY_EXISTS */
	rest_fails("POST",
		   DS,
		   "{\"name\":\"omit\",\"host\":\"READ_WRITE\",\"guest\":\"READ_WRITE\"}",
		   400,
		   "ALREADY_EXISTS");
	/* NOT_FOUND: VM, data set, path */
	rest_fails("GET", "/api/vcenter/vm/vm-7/data-sets", NULL, 404, "NOT_FOUND");
	rest_fails("POST",
		   "/api/vcenter/vm/vm-7/data-sets",
		   "{\"name\":\"x\",\"host\":\"NONE\",\"guest\":\"NONE\"}",
		   404,
		   "NOT_FOUND");
	rest_fails("GET", DS "/nope", NULL, 404, "NOT_FOUND");
	rest_fails("PATCH", DS "/nope", "{\"guest\":\"NONE\"}", 404, "NOT_FOUND");
	rest_fails("DELETE", DS "/nope", NULL, 404, "NOT_FOUND");
	rest_fails("GET", DS "/nope/entries", NULL, 404, "NOT_FOUND");
	rest_fails("GET", DS "/omit/nothing", NULL, 404, "NOT_FOUND");
	/* UNSUPPORTED: a known path, an unknown method */
	rest_fails("PUT", DS, "{}", 400, "UNSUPPORTED");
	rest_fails("POST", DS "/omit", "{}", 400, "UNSUPPORTED");
	rest_fails("POST", DS "/omit/entries", "{}", 400, "UNSUPPORTED");
	rest_fails("PATCH", DS "/omit/entries/k", "\"v\"", 400, "UNSUPPORTED");

	/* DELETE: empty goes; non-empty needs force */
	rest_ok("PUT", DS "/com.example.app/entries/k", "\"v\"", 204, "");
	rest_fails("DELETE", DS "/com.example.app", NULL, 400, "RESOURCE_IN_USE");
	rest_fails("DELETE", DS "/com.example.app?force=false", NULL, 400, "RESOURCE_IN_USE");
	rest_ok("DELETE", DS "/com.example.app?force=true", NULL, 204, "");
	rest_ok("DELETE", DS "/omit", NULL, 204, "");
	rest_fails("GET", DS "/omit", NULL, 404, "NOT_FOUND");
	/* a deleted name can be created again, empty */
	rest_ok("POST",
		DS,
		"{\"name\":\"com.example.app\",\"host\":\"READ_WRITE\",\"guest\":\"READ_WRITE\"}",
		201,
		"\"com.example.app\"");
	rest_ok("GET", DS "/com.example.app/entries", NULL, 200, "[]");
}
END_TEST

START_TEST(test_rest_entry_routes)
{
	g_autofree gchar *key4096 = g_strnfill(4096, 'k');
	g_autofree gchar *key4097 = g_strnfill(4097, 'k');
	g_autofree gchar *path4096 = g_strdup_printf(DS "/rw/entries/%s", key4096);
	g_autofree gchar *path4097 = g_strdup_printf(DS "/rw/entries/%s", key4097);
	g_autoptr(VmdsE2eRun) run = NULL;

	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_create_dataset(e2e, NULL, "ro", "READ_ONLY", "READ_WRITE");
	rest_ok("GET", DS "/rw/entries", NULL, 200, "[]");
	rest_ok("PUT", DS "/rw/entries/plain", "\"one\"", 204, "");
	rest_ok("PUT", DS "/rw/entries/plain", "\"two\"", 204, "");
	rest_ok("GET", DS "/rw/entries/plain", NULL, 200, "\"two\"");
	/* keys are percent-decoded: '/' travels as %2F, and so do spaces and UTF-8 */
	rest_ok("PUT", DS "/rw/entries/a%2Fb%20c", "\"slash\"", 204, "");
	rest_ok("PUT", DS "/rw/entries/%E6%97%A5%E6%9C%AC", "\"日本 \\\"q\\\" \\\\ \\n\"", 204, "");
	rest_ok("PUT", DS "/rw/entries/empty", "\"\"", 204, "");
	rest_ok("GET", DS "/rw/entries", NULL, 200, "[\"a/b c\",\"empty\",\"plain\",\"日本\"]");
	rest_ok("GET", DS "/rw/entries/a%2Fb%20c", NULL, 200, "\"slash\"");
	rest_ok("GET", DS "/rw/entries/empty", NULL, 200, "\"\"");
	/* the guest sees the same bytes */
	run = vmds_e2e_vmtoolsd(
	    e2e, "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a/b c\",\"日本\"]}");
	ck_assert_int_eq(run->status, 0);
	{
		g_autoptr(JsonNode) node = json_from_string(run->out, NULL);
		JsonArray *entries;
		ck_assert(node != NULL);
		entries = json_object_get_array_member(json_node_get_object(node), "entries");
		ck_assert_str_eq(json_object_get_string_member(
				     json_array_get_object_element(entries, 0), "a/b c"),
				 "slash");
		ck_assert_str_eq(json_object_get_string_member(
				     json_array_get_object_element(entries, 1), "日本"),
				 "日本 \"q\" \\ \n");
	}
	rest_ok("GET",
		DS "/rw",
		NULL,
		200,
		"{\"name\":\"rw\",\"description\":\"test\",\"host\":\"READ_WRITE\",\"guest\":"
		"\"READ_WRITE\",\"used\":43,\"omit_from_snapshot_and_clone\":false}");

	/* a 4,096-byte key is fine, 4,097 is INVALID_ARGUMENT */
	rest_ok("PUT", path4096, "\"v\"", 204, "");
	rest_ok("GET", path4096, NULL, 200, "\"v\"");
	rest_ok("DELETE", path4096, NULL, 204, "");
	rest_fails("PUT", path4097, "\"v\"", 400, "INVALID_ARGUMENT");
	/* the body is a JSON string, nothing else */
	rest_fails("PUT", DS "/rw/entries/plain", "7", 400, "INVALID_ARGUMENT");
	rest_fails("PUT", DS "/rw/entries/plain", "{\"value\":\"x\"}", 400, "INVALID_ARGUMENT");
	rest_fails("PUT", DS "/rw/entries/plain", "[\"x\"]", 400, "INVALID_ARGUMENT");
	rest_fails("PUT", DS "/rw/entries/plain", "null", 400, "INVALID_ARGUMENT");
	rest_fails("PUT", DS "/rw/entries/plain", "\"unterminated", 400, "INVALID_ARGUMENT");
	rest_fails("PUT", DS "/rw/entries/plain", "", 400, "INVALID_ARGUMENT");
	/* NOT_FOUND */
	rest_fails("GET", DS "/rw/entries/nope", NULL, 404, "NOT_FOUND");
	rest_fails("DELETE", DS "/rw/entries/nope", NULL, 404, "NOT_FOUND");
	rest_fails("PUT", DS "/nope/entries/k", "\"v\"", 404, "NOT_FOUND");
	rest_fails("PUT", "/api/vcenter/vm/vm-5/data-sets/rw/entries/k", "\"v\"", 404, "NOT_FOUND");
	/* UNAUTHORIZED: host READ_ONLY may not write */
	rest_fails("PUT", DS "/ro/entries/k", "\"v\"", 403, "UNAUTHORIZED");
	/* DELETE */
	rest_ok("DELETE", DS "/rw/entries/plain", NULL, 204, "");
	rest_fails("GET", DS "/rw/entries/plain", NULL, 404, "NOT_FOUND");
	rest_ok("GET", DS "/rw/entries", NULL, 200, "[\"a/b c\",\"empty\",\"日本\"]");
}
END_TEST

/* a body over the cap is INVALID_ARGUMENT without being read; nothing changes */
START_TEST(test_rest_body_cap)
{
	gsize len = 7 * 1024 * 1024;
	g_autofree gchar *body = g_malloc(len);
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;

	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	memset(body, 'a', len);
	body[0] = '"';
	body[len - 1] = '"';
	before = vmds_e2e_dump(e2e, NULL);
	reply = vmds_e2e_rest_len(e2e, "PUT", DS "/rw/entries/big", body, len);
	vmds_e2e_assert_error(reply, 400, "INVALID_ARGUMENT");
	after = vmds_e2e_dump(e2e, NULL);
	ck_assert_str_eq(before, after);
}
END_TEST

/* ERROR (500) for real: the store cannot grow under a file size limit */
START_TEST(test_rest_store_error)
{
	g_autofree gchar *value = g_strnfill(1048576, 'v');
	g_autofree gchar *body = g_strdup_printf("\"%s\"", value);
	struct rlimit small = {256 * 1024, RLIM_INFINITY};
	struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;

	if (!vmds_e2e_is_root()) {
		g_printerr("SKIP: test_rest_store_error needs root\n");
		return;
	}
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_put(e2e, "rw", "a", "alpha");
	before = vmds_e2e_dump(e2e, NULL);
	ck_assert_int_eq(prlimit(vmds_e2e_get_pid(e2e), RLIMIT_FSIZE, &small, NULL), 0);
	reply = vmds_e2e_rest(e2e, "PUT", DS "/rw/entries/big", body);
	vmds_e2e_assert_error(reply, 500, "ERROR");
	after = vmds_e2e_dump(e2e, NULL);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(prlimit(vmds_e2e_get_pid(e2e), RLIMIT_FSIZE, &unlimited, NULL), 0);
	rest_ok("PUT", DS "/rw/entries/big", body, 204, "");
}
END_TEST

/*
 * Issue 9, §2: every key a guest can create is readable, writable and
 * deletable over REST: a leading `/`, `/` alone, `.` and `..`, dot segments
 * inside, `%` itself. The query form (`.../entries?key=K`) carries any key;
 * the path form carries any key but a segment of dots alone (the URI parser
 * resolves it, encoded or not).
 */
START_TEST(test_rest_any_key)
{
	static const struct {
		const gchar *key;
		gboolean path_form;
	} keys[] = {
	    {"/etc/app.conf", TRUE},
	    {"/", TRUE},
	    {"/lead", TRUE},
	    {".", FALSE},
	    {"..", FALSE},
	    {"./x", TRUE},
	    {"a/../b", TRUE},
	    {"../../etc/passwd", TRUE},
	    {"%2F", TRUE},
	    {"ü/ñ ?#&=+", TRUE},
	};

	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree gchar *key_json = vmds_e2e_json_string(keys[i].key, -1);
		g_autofree gchar *cmd = g_strdup_printf(
		    "datasets-set-entry "
		    "{\"dataset\":\"rw\",\"entries\":[{\"key\":%s,\"value\":\"g%u\"}]}",
		    key_json,
		    i);
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
		g_autofree gchar *escaped = g_uri_escape_string(keys[i].key, NULL, FALSE);
		g_autofree gchar *by_query = g_strdup_printf(DS "/rw/entries?key=%s", escaped);
		g_autofree gchar *by_path = g_strdup_printf(DS "/rw/entries/%s", escaped);
		g_autofree gchar *guest = g_strdup_printf("\"g%u\"", i);
		g_autofree gchar *host = g_strdup_printf("\"h%u\"", i);
		g_autofree gchar *get_cmd = g_strdup_printf(
		    "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[%s]}", key_json);
		g_autofree gchar *want =
		    g_strdup_printf("{\"result\":true,\"entries\":[{%s:\"h%u\"}]}", key_json, i);

		vmds_e2e_assert_ok(run, "{\"result\":true}");
		/* the guest's key, read over REST both ways */
		rest_ok("GET", by_query, NULL, 200, guest);
		if (keys[i].path_form)
			rest_ok("GET", by_path, NULL, 200, guest);
		/* written over REST, read by the guest */
		rest_ok("PUT", keys[i].path_form ? by_path : by_query, host, 204, "");
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd(e2e, get_cmd);
		vmds_e2e_assert_ok(run, want);
		rest_ok("PUT", by_query, host, 204, "");
	}
	{
		g_autofree gchar *listed = vmds_e2e_keys(e2e, "rw");
		ck_assert_str_eq(listed,
				 "[\"%2F\",\".\",\"..\",\"../../etc/passwd\",\"./x\",\"/\","
				 "\"/etc/app.conf\",\"/lead\",\"a/../b\",\"ü/ñ ?#&=+\"]");
	}
	/* deleted over REST, each way */
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree gchar *escaped = g_uri_escape_string(keys[i].key, NULL, FALSE);
		g_autofree gchar *path = keys[i].path_form && i % 2 == 0
					     ? g_strdup_printf(DS "/rw/entries/%s", escaped)
					     : g_strdup_printf(DS "/rw/entries?key=%s", escaped);
		rest_ok("DELETE", path, NULL, 204, "");
		rest_fails("GET", path, NULL, 404, "NOT_FOUND");
	}
	{
		g_autofree gchar *listed = vmds_e2e_keys(e2e, "rw");
		ck_assert_str_eq(listed, "[]");
	}
	/* PUT and DELETE on the collection need the key */
	rest_fails("PUT", DS "/rw/entries", "\"v\"", 400, "INVALID_ARGUMENT");
	rest_fails("DELETE", DS "/rw/entries", NULL, 400, "INVALID_ARGUMENT");
	/* the key is checked before the body: its message, not a second error
	 * set over the body's (fuzz-rest saw GLib's warning) */
	{
		g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "PUT", DS "/rw/entries", "{");
		vmds_e2e_assert_error(reply, 400, "INVALID_ARGUMENT");
		ck_assert_msg(strstr(reply->body, "no key") != NULL, "%s", reply->body);
	}
}
END_TEST

/*
 * Issue 9, §2: govmomi's rest.Client logs in on vSphere's older REST API:
 * POST /rest/com/vmware/cis/session with Basic credentials answers 200
 * {"value":"<id>"}, `?~action=get` describes the session, DELETE ends it
 * (200); the id is a session like any other.
 */
START_TEST(test_rest_legacy_session)
{
	g_autofree gchar *auth = vmds_e2e_basic_auth("admin", vmds_e2e_get_password(e2e), -1);
	g_autofree gchar *wrong = vmds_e2e_basic_auth("admin", "wrong", -1);
	const gchar *const login_headers[] = {
	    "Authorization", auth, "vmware-use-header-authn", "true", NULL};
	const gchar *const wrong_headers[] = {"Authorization", wrong, NULL};
	g_autoptr(VmdsE2eReply) login =
	    vmds_e2e_http(e2e, "POST", "/rest/com/vmware/cis/session", login_headers, NULL, 0);
	g_autoptr(VmdsE2eReply) refused =
	    vmds_e2e_http(e2e, "POST", "/rest/com/vmware/cis/session", wrong_headers, NULL, 0);
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(JsonNode) info_node = NULL;
	g_autofree gchar *id = NULL;
	JsonObject *value;

	ck_assert_msg(login->status == 200, "HTTP %u %s", login->status, login->body);
	node = json_from_string(login->body, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_OBJECT(node));
	id = g_strdup(json_object_get_string_member(json_node_get_object(node), "value"));
	ck_assert_uint_eq(strlen(id), 32);
	vmds_e2e_assert_error(refused, 401, "UNAUTHENTICATED");
	{
		const gchar *const with[] = {"vmware-api-session-id", id, NULL};
		g_autoptr(VmdsE2eReply) vms =
		    vmds_e2e_http(e2e, "GET", "/api/vcenter/vm", with, NULL, 0);
		g_autoptr(VmdsE2eReply) info = vmds_e2e_http(
		    e2e, "POST", "/rest/com/vmware/cis/session?~action=get", with, NULL, 0);
		g_autoptr(VmdsE2eReply) logout =
		    vmds_e2e_http(e2e, "DELETE", "/rest/com/vmware/cis/session", with, NULL, 0);
		g_autoptr(VmdsE2eReply) after =
		    vmds_e2e_http(e2e, "GET", "/api/vcenter/vm", with, NULL, 0);

		ck_assert_uint_eq(vms->status, 200);
		ck_assert_msg(info->status == 200, "HTTP %u %s", info->status, info->body);
		info_node = json_from_string(info->body, NULL);
		ck_assert(info_node != NULL && JSON_NODE_HOLDS_OBJECT(info_node));
		value = json_object_get_object_member(json_node_get_object(info_node), "value");
		ck_assert_str_eq(json_object_get_string_member(value, "user"), "admin");
		ck_assert(
		    g_str_has_suffix(json_object_get_string_member(value, "created_time"), "Z"));
		ck_assert(json_object_has_member(value, "last_accessed_time"));
		vmds_e2e_assert_reply(logout, 200, "");
		vmds_e2e_assert_error(after, 401, "UNAUTHENTICATED");
	}
}
END_TEST

static Suite *
rest_suite(void)
{
	Suite *s = suite_create("e2e-rest");
	TCase *tc = tcase_create("routes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_rest_session);
	tcase_add_test(tc, test_rest_vm_routes);
	tcase_add_test(tc, test_rest_dataset_routes);
	tcase_add_test(tc, test_rest_entry_routes);
	tcase_add_test(tc, test_rest_body_cap);
	tcase_add_test(tc, test_rest_store_error);
	tcase_add_test(tc, test_rest_any_key);
	tcase_add_test(tc, test_rest_legacy_session);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(rest_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>

#include "vmds-e2e.h"

/*
 * Object metadata (issue 12, item 2), against the real daemon with the
 * DataSets and metadata plugins: vCD's JSON over REST on VMs and data sets,
 * typed values, domains × visibility × role (an administrator, alice and
 * bob who own a VM each, carol who holds vcenter_metadata), the limits at N
 * and N + 1 per domain, POST's merge, a data set's metadata going with it,
 * metadata following a clone and a snapshot, and `vmds metadata` end to end. Expected
 * bodies are written from vCD's names (plugins/metadata/README.md).
 */

#define VM1 "/api/vcenter/vm/vm-1/metadata"

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

/* @method @path with @body in session @session (NULL: the administrator) */
static VmdsE2eReply *
call_as(const gchar *session, const gchar *method, const gchar *path, const gchar *body)
{
	const gchar *const headers[] = {"vmware-api-session-id", session, NULL};

	if (session == NULL)
		return vmds_e2e_rest(e2e, method, path, body);
	return vmds_e2e_http(e2e, method, path, headers, body, body != NULL ? strlen(body) : 0);
}

/* @status and, unless NULL, exactly @expected (or, for an error, its
 * error_type) */
static void
check_as(const gchar *session,
	 const gchar *method,
	 const gchar *path,
	 const gchar *body,
	 guint status,
	 const gchar *expected)
{
	g_autoptr(VmdsE2eReply) reply = call_as(session, method, path, body);
	g_autofree gchar *error_type = status >= 400 ? vmds_e2e_error_type(reply) : NULL;

	ck_assert_msg(reply->status == status,
		      "%s %s %s: HTTP %u, expected %u: %s",
		      session != NULL ? session : "admin",
		      method,
		      path,
		      reply->status,
		      status,
		      reply->body);
	if (expected != NULL)
		ck_assert_msg(g_strcmp0(status >= 400 ? error_type : reply->body, expected) == 0,
			      "%s %s: %s, expected %s",
			      method,
			      path,
			      reply->body,
			      expected);
}

static void
check(
    const gchar *method, const gchar *path, const gchar *body, guint status, const gchar *expected)
{
	check_as(NULL, method, path, body, status, expected);
}

static gchar *
login(const gchar *user, const gchar *password)
{
	g_autofree gchar *auth = vmds_e2e_basic_auth(user, password, -1);
	const gchar *const headers[] = {"Authorization", auth, NULL};
	g_autoptr(VmdsE2eReply) reply =
	    vmds_e2e_http(e2e, "POST", "/api/session", headers, NULL, 0);
	g_autoptr(JsonNode) node = NULL;

	ck_assert_msg(
	    reply->status == 201, "login %s: HTTP %u %s", user, reply->status, reply->body);
	node = json_from_string(reply->body, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_VALUE(node));
	return g_strdup(json_node_get_string(node));
}

/* user @name (password "@name-password") with a VM of its own: a session */
static gchar *
add_user_with_vm(const gchar *name, gboolean vcenter_metadata, gchar **vm)
{
	g_autofree gchar *body = g_strdup_printf("{\"name\":\"%s\",\"password\":\"%s-password\","
						 "\"role\":\"user\",\"vcenter_metadata\":%s}",
						 name,
						 name,
						 vcenter_metadata ? "true" : "false");
	g_autofree gchar *password = g_strdup_printf("%s-password", name);
	g_autofree gchar *vm_body = g_strdup_printf("{\"name\":\"%s-vm\"}", name);
	g_autofree gchar *session = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	g_autoptr(JsonNode) node = NULL;

	check("POST", "/api/vmds/users", body, 201, NULL);
	session = login(name, password);
	reply = call_as(session, "POST", "/api/vcenter/vm", vm_body);
	ck_assert_msg(reply->status == 201, "HTTP %u %s", reply->status, reply->body);
	node = json_from_string(reply->body, NULL);
	*vm = g_strdup(json_node_get_string(node));
	return g_steal_pointer(&session);
}

/* a PUT body: {"typedValue":{"_type":"Metadata@typeValue","value":@value}},
 * @value as JSON text, with @visibility when not NULL */
static gchar *
value_body(const gchar *visibility, const gchar *type, const gchar *value)
{
	if (visibility != NULL)
		return g_strdup_printf("{\"domain\":{\"visibility\":\"%s\"},\"typedValue\":{"
				       "\"_type\":\"Metadata%sValue\",\"value\":%s}}",
				       visibility,
				       type,
				       value);
	return g_strdup_printf(
	    "{\"typedValue\":{\"_type\":\"Metadata%sValue\",\"value\":%s}}", type, value);
}

/* PUT @path @type @value; 200 and exactly @expected */
static void
put_value(const gchar *path,
	  const gchar *visibility,
	  const gchar *type,
	  const gchar *value,
	  guint status,
	  const gchar *expected)
{
	g_autofree gchar *body = value_body(visibility, type, value);

	check("PUT", path, body, status, expected);
}

/* typed values: each type's forms in, its canonical form out, and what is
 * not of its type refused, nothing written */
START_TEST(test_metadata_types)
{
	static const struct {
		const gchar *type;
		const gchar *in;
		guint status;
		const gchar *out; /* the typedValue's value; an error_type */
	} cases[] = {
	    {"String", "\"caf\\u00e9 ☕\"", 200, "\"café ☕\""},
	    {"String", "\"\"", 200, "\"\""},
	    {"String", "42", 400, "INVALID_ARGUMENT"},
	    {"Number", "\"-42\"", 200, "-42"},
	    {"Number", "9223372036854775807", 200, "9223372036854775807"},
	    {"Number", "\"-9223372036854775808\"", 200, "-9223372036854775808"},
	    {"Number", "\"9223372036854775808\"", 400, "INVALID_ARGUMENT"},
	    {"Number", "\"notANumber\"", 400, "INVALID_ARGUMENT"},
	    {"Number", "1.5", 400, "INVALID_ARGUMENT"},
	    {"Number", "\"1.5\"", 400, "INVALID_ARGUMENT"},
	    {"Boolean", "\"1\"", 200, "true"},
	    {"Boolean", "\"0\"", 200, "false"},
	    {"Boolean", "\"true\"", 200, "true"},
	    {"Boolean", "false", 200, "false"},
	    {"Boolean", "\"notABool\"", 400, "INVALID_ARGUMENT"},
	    {"Boolean", "1", 400, "INVALID_ARGUMENT"},
	    {"DateTime", "\"2012-06-18T12:00:00-05:00\"", 200, "\"2012-06-18T17:00:00Z\""},
	    {"DateTime", "\"2012-06-18T17:00:00Z\"", 200, "\"2012-06-18T17:00:00Z\""},
	    {"DateTime", "\"notADate\"", 400, "INVALID_ARGUMENT"},
	    {"DateTime", "\"2012-13-18T12:00:00Z\"", 400, "INVALID_ARGUMENT"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *path = g_strdup_printf(VM1 "/k%u", i);
		g_autofree gchar *expected =
		    cases[i].status == 200
			? g_strdup_printf("{\"typedValue\":{\"_type\":\"Metadata%sValue\","
					  "\"value\":%s}}",
					  cases[i].type,
					  cases[i].out)
			: g_strdup(cases[i].out);
		put_value(path, NULL, cases[i].type, cases[i].in, cases[i].status, expected);
		if (cases[i].status == 200)
			check("GET", path, NULL, 200, expected);
		else
			check("GET", path, NULL, 404, "NOT_FOUND");
	}
	/* an unknown type, unknown members, members of the wrong type */
	check("PUT",
	      VM1 "/x",
	      "{\"typedValue\":{\"_type\":\"MetadataFooValue\",\"value\":\"1\"}}",
	      400,
	      "INVALID_ARGUMENT");
	check("PUT",
	      VM1 "/x",
	      "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"1\",\"x\":1}}",
	      400,
	      "INVALID_ARGUMENT");
	check("PUT",
	      VM1 "/x",
	      "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"1\"},"
	      "\"key\":\"x\"}",
	      400,
	      "INVALID_ARGUMENT");
	check("PUT", VM1 "/x", "{\"typedValue\":\"1\"}", 400, "INVALID_ARGUMENT");
	check("PUT", VM1 "/x", "{}", 400, "INVALID_ARGUMENT");
	check("PUT", VM1 "/x", "[]", 400, "INVALID_ARGUMENT");
	check("PUT",
	      VM1 "/x",
	      "{\"domain\":\"SYSTEM\",\"typedValue\":{\"_type\":"
	      "\"MetadataStringValue\",\"value\":\"1\"}}",
	      400,
	      "INVALID_ARGUMENT");
	check("PUT",
	      VM1 "/x",
	      "{\"domain\":{\"value\":\"SYSTEM\"},\"typedValue\":{\"_type\":"
	      "\"MetadataStringValue\",\"value\":\"1\"}}",
	      400,
	      "INVALID_ARGUMENT");
	check("PUT",
	      VM1 "/SYSTEM/x",
	      "{\"domain\":{\"visibility\":\"READWRITE\"},\"typedValue\":{"
	      "\"_type\":\"MetadataStringValue\",\"value\":\"1\"}}",
	      400,
	      "INVALID_ARGUMENT");
	check("PUT",
	      VM1 "/SYSTEM/x",
	      "{\"domain\":{\"visibility\":\"SECRET\"},\"typedValue\":{"
	      "\"_type\":\"MetadataStringValue\",\"value\":\"1\"}}",
	      400,
	      "INVALID_ARGUMENT");
	/* keys: percent-decoded from the path, checked */
	put_value(VM1 "/a%2Fb%20c", NULL, "String", "\"v\"", 200, NULL);
	check("GET",
	      VM1 "/a%2Fb%20c",
	      NULL,
	      200,
	      "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"v\"}}");
	put_value(VM1 "/a%3Bb", NULL, "String", "\"v\"", 400, "INVALID_ARGUMENT");
	put_value(VM1 "/a%2F..%2Fb", NULL, "String", "\"v\"", 400, "INVALID_ARGUMENT");
	check("DELETE", VM1 "/a%2Fb%20c", NULL, 204, "");
	check("DELETE", VM1 "/a%2Fb%20c", NULL, 404, "NOT_FOUND");
}
END_TEST

/* the entries of every domain and visibility, as each role sees them */
START_TEST(test_metadata_domains)
{
	g_autofree gchar *alice_vm = NULL;
	g_autofree gchar *bob_vm = NULL;
	g_autofree gchar *carol_vm = NULL;
	g_autofree gchar *alice = add_user_with_vm("alice", FALSE, &alice_vm);
	g_autofree gchar *bob = add_user_with_vm("bob", FALSE, &bob_vm);
	g_autofree gchar *carol = add_user_with_vm("carol", TRUE, &carol_vm);
	const gchar *const sessions[] = {alice, carol};
	const gchar *const vms[] = {alice_vm, carol_vm};
	const gchar *everything =
	    "{\"metadataEntry\":["
	    "{\"key\":\"env\",\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"prod\"}"
	    "},"
	    "{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"PRIVATE\"},\"key\":\"cost\","
	    "\"typedValue\":{\"_type\":\"MetadataNumberValue\",\"value\":7}},"
	    "{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"READONLY\"},\"key\":\"env\","
	    "\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"gold\"}},"
	    "{\"domain\":{\"value\":\"VCENTER\",\"visibility\":\"READWRITE\"},\"key\":\"host\","
	    "\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"esx-1\"}}]}";

	for (guint i = 0; i < G_N_ELEMENTS(vms); i++) {
		const gchar *session = sessions[i];
		gboolean vcenter = session == carol;
		g_autofree gchar *all = g_strdup_printf("/api/vcenter/vm/%s/metadata", vms[i]);
		g_autofree gchar *general = g_strconcat(all, "/env", NULL);
		g_autofree gchar *system_ro = g_strconcat(all, "/SYSTEM/env", NULL);
		g_autofree gchar *system_private = g_strconcat(all, "/SYSTEM/cost", NULL);
		g_autofree gchar *vcenter_host = g_strconcat(all, "/VCENTER/host", NULL);
		g_autofree gchar *others = g_strdup_printf("/api/vcenter/vm/%s/metadata", bob_vm);
		g_autofree gchar *owner_list = NULL;

		/* the administrator writes each domain; a merge answers the list */
		check("POST", all, everything, 200, everything);
		check("GET", all, NULL, 200, everything);
		check("GET",
		      system_private,
		      NULL,
		      200,
		      "{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"PRIVATE\"},"
		      "\"typedValue\":{\"_type\":\"MetadataNumberValue\",\"value\":7}}");

		/* the owner: GENERAL and SYSTEM READONLY; VCENTER with the right */
		owner_list = g_strdup_printf(
		    "{\"metadataEntry\":["
		    "{\"key\":\"env\",\"typedValue\":{\"_type\":\"MetadataStringValue\","
		    "\"value\":\"prod\"}},"
		    "{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"READONLY\"},\"key\":"
		    "\"env\","
		    "\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"gold\"}}%s]}",
		    vcenter ? ",{\"domain\":{\"value\":\"VCENTER\",\"visibility\":\"READWRITE\"},"
			      "\"key\":\"host\",\"typedValue\":{\"_type\":\"MetadataStringValue\","
			      "\"value\":\"esx-1\"}}"
			    : "");
		check_as(session, "GET", all, NULL, 200, owner_list);
		check_as(session,
			 "GET",
			 system_ro,
			 NULL,
			 200,
			 "{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"READONLY\"},"
			 "\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"gold\"}}");
		/* a PRIVATE entry: as if absent, for reading, writing, removing */
		check_as(session, "GET", system_private, NULL, 404, "NOT_FOUND");
		check_as(session, "DELETE", system_private, NULL, 404, "NOT_FOUND");
		/* SYSTEM is the administrators' to write; over a PRIVATE entry the
		 * refusal is that of an absent one */
		check_as(session,
			 "PUT",
			 system_ro,
			 "{\"domain\":{\"visibility\":\"READONLY\"},\"typedValue\":{\"_type\":"
			 "\"MetadataStringValue\",\"value\":\"x\"}}",
			 403,
			 NULL);
		check_as(session,
			 "PUT",
			 system_private,
			 "{\"domain\":{\"visibility\":\"PRIVATE\"},\"typedValue\":{\"_type\":"
			 "\"MetadataStringValue\",\"value\":\"x\"}}",
			 404,
			 "NOT_FOUND");
		check_as(session, "DELETE", system_ro, NULL, 403, NULL);
		/* GENERAL is the owner's; a merge answers what the owner sees */
		check_as(session,
			 "POST",
			 all,
			 "{\"metadataEntry\":[{\"key\":\"env\",\"typedValue\":{\"_type\":"
			 "\"MetadataStringValue\",\"value\":\"prod\"}}]}",
			 200,
			 owner_list);
		check_as(session,
			 "PUT",
			 general,
			 "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"dev\"}}",
			 200,
			 "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"dev\"}}");
		/* VCENTER: the right's holders' only */
		if (vcenter) {
			check_as(session,
				 "GET",
				 vcenter_host,
				 NULL,
				 200,
				 "{\"domain\":{\"value\":\"VCENTER\",\"visibility\":\"READWRITE\"},"
				 "\"typedValue\":{\"_type\":\"MetadataStringValue\","
				 "\"value\":\"esx-1\"}}");
			check_as(session, "DELETE", vcenter_host, NULL, 204, "");
		} else {
			check_as(session, "GET", vcenter_host, NULL, 404, "NOT_FOUND");
			check_as(session,
				 "PUT",
				 vcenter_host,
				 "{\"typedValue\":{\"_type\":\"MetadataStringValue\","
				 "\"value\":\"x\"}}",
				 404,
				 NULL);
			check("GET", vcenter_host, NULL, 200, NULL);
		}
		/* the administrator's view: the owner's change, PRIVATE untouched */
		check("GET", system_private, NULL, 200, NULL);
		check("GET",
		      general,
		      NULL,
		      200,
		      "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"dev\"}}");

		/* another user's VM: absent, by every route */
		check_as(session, "GET", others, NULL, 404, "NOT_FOUND");
		check_as(session, "POST", others, "{\"metadataEntry\":[]}", 404, "NOT_FOUND");
		g_free(general);
		general = g_strconcat(others, "/env", NULL);
		check_as(session,
			 "PUT",
			 general,
			 "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"x\"}}",
			 404,
			 "NOT_FOUND");
		check_as(session, "DELETE", general, NULL, 404, "NOT_FOUND");
		check_as(session, "GET", general, NULL, 404, "NOT_FOUND");
	}
	(void)bob;
}
END_TEST

/* POST merges: same domain and key replaced, others added; all or nothing */
START_TEST(test_metadata_merge)
{
	check(
	    "POST",
	    VM1,
	    "{\"metadataEntry\":[{\"key\":\"a\",\"typedValue\":{\"_type\":\"MetadataStringValue\","
	    "\"value\":\"1\"}},{\"key\":\"b\",\"typedValue\":{\"_type\":\"MetadataStringValue\","
	    "\"value\":\"2\"}}]}",
	    200,
	    NULL);
	/* b replaced, SYSTEM b beside it, c added */
	check(
	    "POST",
	    VM1,
	    "{\"metadataEntry\":[{\"key\":\"b\",\"typedValue\":{\"_type\":\"MetadataNumberValue\","
	    "\"value\":3}},{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"READONLY\"},"
	    "\"key\":\"b\",\"typedValue\":{\"_type\":\"MetadataBooleanValue\",\"value\":true}},"
	    "{\"domain\":{\"value\":\"GENERAL\",\"visibility\":\"READWRITE\"},\"key\":\"c\","
	    "\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"4\"}}]}",
	    200,
	    "{\"metadataEntry\":["
	    "{\"key\":\"a\",\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"1\"}},"
	    "{\"key\":\"b\",\"typedValue\":{\"_type\":\"MetadataNumberValue\",\"value\":3}},"
	    "{\"key\":\"c\",\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"4\"}},"
	    "{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"READONLY\"},\"key\":\"b\","
	    "\"typedValue\":{\"_type\":\"MetadataBooleanValue\",\"value\":true}}"
	    "]}");
	/* one bad entry: nothing of the batch written */
	check(
	    "POST",
	    VM1,
	    "{\"metadataEntry\":[{\"key\":\"a\",\"typedValue\":{\"_type\":\"MetadataStringValue\","
	    "\"value\":\"new\"}},{\"key\":\"d\",\"typedValue\":{\"_type\":\"MetadataNumberValue\","
	    "\"value\":\"notANumber\"}}]}",
	    400,
	    "INVALID_ARGUMENT");
	check("GET",
	      VM1 "/a",
	      NULL,
	      200,
	      "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"1\"}}");
	check("GET", VM1 "/d", NULL, 404, "NOT_FOUND");
	/* malformed bodies */
	check("POST", VM1, "{}", 400, "INVALID_ARGUMENT");
	check("POST", VM1, "{\"metadataEntry\":{}}", 400, "INVALID_ARGUMENT");
	check("POST", VM1, "{\"metadataEntry\":[1]}", 400, "INVALID_ARGUMENT");
	check("POST", VM1, "{\"metadataEntry\":[{\"key\":\"a\"}]}", 400, "INVALID_ARGUMENT");
	check("POST",
	      VM1,
	      "{\"metadataEntry\":[{\"key\":1,\"typedValue\":{\"_type\":"
	      "\"MetadataStringValue\",\"value\":\"1\"}}]}",
	      400,
	      "INVALID_ARGUMENT");
	check("POST", VM1, "{\"metadataEntry\":[],\"x\":1}", 400, "INVALID_ARGUMENT");
	/* an empty batch changes nothing */
	check("POST", VM1, "{\"metadataEntry\":[]}", 200, NULL);
}
END_TEST

/* @n entries "PREFIXi" of @domain in one POST body, @value each */
static gchar *
batch(const gchar *domain, const gchar *prefix, guint from, guint n, const gchar *value)
{
	g_autoptr(GString) out = g_string_new("{\"metadataEntry\":[");

	for (guint i = from; i < from + n; i++) {
		if (i > from)
			g_string_append_c(out, ',');
		if (domain != NULL)
			g_string_append_printf(out, "{\"domain\":{\"value\":\"%s\"},", domain);
		else
			g_string_append_c(out, '{');
		g_string_append_printf(out,
				       "\"key\":\"%s%u\",\"typedValue\":{\"_type\":"
				       "\"MetadataStringValue\",\"value\":\"%s\"}}",
				       prefix,
				       i,
				       value);
	}
	g_string_append(out, "]}");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* PUT @path a string of @len 'x' */
static void
put_long(const gchar *path, const gchar *visibility, gsize len, guint status)
{
	g_autofree gchar *value = g_strnfill(len, 'x');
	g_autofree gchar *quoted = g_strdup_printf("\"%s\"", value);

	put_value(path, visibility, "String", quoted, status, NULL);
}

/* the limits at N and N + 1: entries and bytes (keys + values), per domain;
 * VCENTER counts with SYSTEM */
START_TEST(test_metadata_limits)
{
	g_autofree gchar *general_n = batch(NULL, "g", 0, 1024, "v");
	g_autofree gchar *general_one = batch(NULL, "g", 1024, 1, "v");
	g_autofree gchar *system_n = batch("SYSTEM", "s", 0, 127, "v");
	g_autofree gchar *vcenter_one = batch("VCENTER", "s", 127, 1, "v");
	g_autofree gchar *system_one = batch("SYSTEM", "s", 128, 1, "v");
	g_autofree gchar *system_again = batch("SYSTEM", "s", 0, 1, "w");
	g_autofree gchar *key_256 = g_strnfill(256, 'k');
	g_autofree gchar *key_257 = g_strnfill(257, 'k');
	g_autofree gchar *path = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;

	/* keys: 256 characters, not 257 */
	path = g_strdup_printf(VM1 "/%s", key_256);
	put_value(path, NULL, "String", "\"v\"", 200, NULL);
	check("DELETE", path, NULL, 204, "");
	g_free(path);
	path = g_strdup_printf(VM1 "/%s", key_257);
	put_value(path, NULL, "String", "\"v\"", 400, "INVALID_ARGUMENT");

	/* entries: GENERAL 1,024, SYSTEM and VCENTER 128 together */
	check("POST", VM1, general_n, 200, NULL);
	check("POST", VM1, general_one, 400, NULL);
	check("POST", VM1, system_n, 200, NULL);
	check("POST", VM1, vcenter_one, 200, NULL);
	check("POST", VM1, system_one, 400, NULL);
	reply = vmds_e2e_rest(e2e, "GET", VM1 "/g1024", NULL);
	ck_assert_uint_eq(reply->status, 404);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", VM1 "/SYSTEM/s128", NULL);
	ck_assert_uint_eq(reply->status, 404);
	/* replacing an entry at the limit is no new entry */
	check("POST", VM1, system_again, 200, NULL);
}
END_TEST

/* the byte limits: GENERAL 131,072, SYSTEM 16,384 (key + value), a few
 * large entries */
START_TEST(test_metadata_limit_bytes)
{
	/* GENERAL: 16 entries of key "bN" (2 or 3 bytes) and a value making 8,192 */
	for (guint i = 0; i < 16; i++) {
		g_autofree gchar *path = g_strdup_printf(VM1 "/b%02u", i);
		put_long(path, NULL, 8192 - 3, 200);
	}
	put_long(VM1 "/c", NULL, 0, 400);
	put_long(VM1 "/b00", NULL, 8192 - 3 + 1, 400);
	put_long(VM1 "/b00", NULL, 8192 - 3, 200);
	check("DELETE", VM1 "/b15", NULL, 204, "");
	put_long(VM1 "/b15", NULL, 8192 - 3 + 1, 400);
	put_long(VM1 "/b15", NULL, 8192 - 3, 200);

	/* SYSTEM, VCENTER counted with it: 16,384 */
	put_long(VM1 "/SYSTEM/s0", "PRIVATE", 8192 - 2, 200);
	put_long(VM1 "/VCENTER/s1", NULL, 8192 - 2 + 1, 400);
	put_long(VM1 "/VCENTER/s1", NULL, 8192 - 2, 200);
	put_long(VM1 "/SYSTEM/s2", "READONLY", 0, 400);
}
END_TEST

/* a data set's metadata: its routes, 404 for a data set that is not there,
 * no VCENTER, and gone with the data set */
START_TEST(test_metadata_dataset)
{
	const gchar *ds = "/api/vcenter/vm/vm-1/data-sets/salt-ds/metadata";
	const gchar *one = "{\"metadataEntry\":[{\"key\":\"role\",\"typedValue\":{\"_type\":"
			   "\"MetadataStringValue\",\"value\":\"minion\"}}]}";

	check("GET", ds, NULL, 404, "NOT_FOUND");
	check("POST", ds, one, 404, "NOT_FOUND");
	put_value("/api/vcenter/vm/vm-1/data-sets/salt-ds/metadata/role",
		  NULL,
		  "String",
		  "\"minion\"",
		  404,
		  "NOT_FOUND");
	vmds_e2e_create_dataset(e2e, "vm-1", "salt-ds", "READ_WRITE", "READ_WRITE");
	check("GET", ds, NULL, 200, "{\"metadataEntry\":[]}");
	check("POST", ds, one, 200, one);
	put_value("/api/vcenter/vm/vm-1/data-sets/salt-ds/metadata/SYSTEM/tier",
		  "READONLY",
		  "Number",
		  "2",
		  200,
		  NULL);
	put_value("/api/vcenter/vm/vm-1/data-sets/salt-ds/metadata/VCENTER/host",
		  NULL,
		  "String",
		  "\"esx\"",
		  400,
		  "INVALID_ARGUMENT");
	check("GET",
	      "/api/vcenter/vm/vm-1/data-sets/salt-ds/metadata/role",
	      NULL,
	      200,
	      "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"minion\"}}");
	/* the VM's metadata is its own */
	check("GET", VM1, NULL, 200, "{\"metadataEntry\":[]}");

	/* the data set goes: its metadata with it, not back with a new one */
	check("DELETE", "/api/vcenter/vm/vm-1/data-sets/salt-ds", NULL, 204, NULL);
	check("GET", ds, NULL, 404, "NOT_FOUND");
	vmds_e2e_create_dataset(e2e, "vm-1", "salt-ds", "READ_WRITE", "READ_WRITE");
	check("GET", ds, NULL, 200, "{\"metadataEntry\":[]}");
}
END_TEST

/* metadata follows a clone, a snapshot and an export whole; an omitted
 * data set's does not linger in a clone or a snapshot */
START_TEST(test_metadata_lifecycle)
{
	const gchar *vm_entry = "{\"metadataEntry\":[{\"key\":\"env\",\"typedValue\":{\"_type\":"
				"\"MetadataStringValue\",\"value\":\"prod\"}}]}";
	const gchar *ds_entry = "{\"metadataEntry\":[{\"key\":\"role\",\"typedValue\":{\"_type\":"
				"\"MetadataStringValue\",\"value\":\"kept\"}}]}";

	check("POST", VM1, vm_entry, 200, vm_entry);
	vmds_e2e_create_dataset(e2e, "vm-1", "kept", "READ_WRITE", "READ_WRITE");
	check("POST",
	      "/api/vcenter/vm/vm-1/data-sets",
	      "{\"name\":\"own\",\"description\":\"x\","
	      "\"host\":\"READ_WRITE\",\"guest\":\"READ_WRITE\",\"omit_from_snapshot_and_clone\":"
	      "true}",
	      201,
	      NULL);
	check("POST", "/api/vcenter/vm/vm-1/data-sets/kept/metadata", ds_entry, 200, ds_entry);
	check("POST", "/api/vcenter/vm/vm-1/data-sets/own/metadata", ds_entry, 200, ds_entry);

	/* a clone */
	check("POST",
	      "/api/vcenter/vm?action=clone",
	      "{\"source\":\"vm-1\",\"name\":\"copy\"}",
	      201,
	      "\"vm-2\"");
	check("GET", "/api/vcenter/vm/vm-2/metadata", NULL, 200, vm_entry);
	check("GET", "/api/vcenter/vm/vm-2/data-sets/kept/metadata", NULL, 200, ds_entry);
	check("GET", "/api/vcenter/vm/vm-2/data-sets/own/metadata", NULL, 404, "NOT_FOUND");
	/* a data set of that name in the clone starts with none */
	vmds_e2e_create_dataset(e2e, "vm-2", "own", "READ_WRITE", "READ_WRITE");
	check("GET",
	      "/api/vcenter/vm/vm-2/data-sets/own/metadata",
	      NULL,
	      200,
	      "{\"metadataEntry\":[]}");

	/* a snapshot, changes, a revert */
	check("POST", "/api/vcenter/vm/vm-1/snapshots", "{\"name\":\"s\"}", 201, "\"snapshot-1\"");
	check("DELETE", VM1 "/env", NULL, 204, "");
	check("POST",
	      "/api/vcenter/vm/vm-1/data-sets/kept/metadata",
	      "{\"metadataEntry\":[{\"key\":\"role\",\"typedValue\":{\"_type\":"
	      "\"MetadataStringValue\",\"value\":\"changed\"}}]}",
	      200,
	      NULL);
	check("POST", "/api/vcenter/vm/vm-1/snapshots/snapshot-1?action=revert", NULL, 204, "");
	check("GET", VM1, NULL, 200, vm_entry);
	check("GET", "/api/vcenter/vm/vm-1/data-sets/kept/metadata", NULL, 200, ds_entry);
	check("GET", "/api/vcenter/vm/vm-1/data-sets/own/metadata", NULL, 404, "NOT_FOUND");

	/* an export and its import: everything, the omitted data set's too */
	check("POST",
	      "/api/vcenter/vm/vm-1/data-sets",
	      "{\"name\":\"own\",\"description\":\"x\","
	      "\"host\":\"READ_WRITE\",\"guest\":\"READ_WRITE\",\"omit_from_snapshot_and_clone\":"
	      "true}",
	      201,
	      NULL);
	check("POST", "/api/vcenter/vm/vm-1/data-sets/own/metadata", ds_entry, 200, ds_entry);
	{
		g_autofree gchar *file =
		    g_build_filename(vmds_e2e_get_tmp(e2e), "vm-1.export", NULL);
		const gchar *const export_args[] = {"vm", "export", "vm-1", file, NULL};
		const gchar *const import_args[] = {"vm", "import", file, "--name", "moved", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, export_args);

		vmds_e2e_assert_run(run, 0, "", "");
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmds(e2e, import_args);
		vmds_e2e_assert_run(run, 0, "vm-3\n", "");
	}
	check("GET", "/api/vcenter/vm/vm-3/metadata", NULL, 200, vm_entry);
	check("GET", "/api/vcenter/vm/vm-3/data-sets/kept/metadata", NULL, 200, ds_entry);
	check("GET", "/api/vcenter/vm/vm-3/data-sets/own/metadata", NULL, 200, ds_entry);
}
END_TEST

/* `vmds @args...`: the run */
#define CLI(...) vmds_e2e_vmds(e2e, (const gchar *const[]){__VA_ARGS__, NULL})

/* `vmds metadata` end to end, as the administrator: OBJECT a VM or
 * VM/DATA-SET, every type, domain and visibility, a table, values alone,
 * --json, and its usage errors */
START_TEST(test_metadata_cli)
{
	g_autoptr(VmdsE2eRun) run = NULL;

	run = CLI("metadata", "set", "vm-1", "env", "prod");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata", "set", "vm-1", "tier", "2", "--type", "number");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(
	    "metadata", "set", "vm-1", "when", "2012-06-18T12:00:00-05:00", "--type", "datetime");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata",
		  "set",
		  "vm-1",
		  "secret",
		  "x",
		  "--domain",
		  "system",
		  "--visibility",
		  "PRIVATE");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata", "set", "vm-1", "up", "1", "--type", "boolean", "--domain", "VCENTER");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata", "ls", "vm-1");
	vmds_e2e_assert_run(run,
			    0,
			    "DOMAIN   VISIBILITY  KEY     TYPE      VALUE\n"
			    "GENERAL  READWRITE   env     string    prod\n"
			    "GENERAL  READWRITE   tier    number    2\n"
			    "GENERAL  READWRITE   when    datetime  2012-06-18T17:00:00Z\n"
			    "SYSTEM   PRIVATE     secret  string    x\n"
			    "VCENTER  READWRITE   up      boolean   true\n",
			    "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata", "get", "vm-1", "when");
	vmds_e2e_assert_run(run, 0, "2012-06-18T17:00:00Z\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata", "get", "vm-1", "secret", "--domain", "SYSTEM");
	vmds_e2e_assert_run(run, 0, "x\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("--json", "metadata", "get", "vm-1", "tier");
	vmds_e2e_assert_run(
	    run, 0, "{\"typedValue\":{\"_type\":\"MetadataNumberValue\",\"value\":2}}\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);

	/* a data set: VM/DATA-SET */
	vmds_e2e_create_dataset(e2e, "vm-1", "salt-ds", "READ_WRITE", "READ_WRITE");
	run = CLI("metadata", "set", "vm-1/salt-ds", "role", "minion");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata", "ls", "vm-1/salt-ds");
	vmds_e2e_assert_run(run,
			    0,
			    "DOMAIN   VISIBILITY  KEY   TYPE    VALUE\n"
			    "GENERAL  READWRITE   role  string  minion\n",
			    "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	check("GET",
	      "/api/vcenter/vm/vm-1/data-sets/salt-ds/metadata/role",
	      NULL,
	      200,
	      "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"minion\"}}");
	run = CLI("metadata", "ls", "vm-1/no-such-ds");
	ck_assert_int_eq(run->status, 1);
	g_clear_pointer(&run, vmds_e2e_run_free);

	/* rm, then the entry is gone */
	run = CLI("metadata", "rm", "vm-1", "env");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata", "get", "vm-1", "env");
	ck_assert_int_eq(run->status, 1);
	g_clear_pointer(&run, vmds_e2e_run_free);

	/* the server refuses a value not of its type: 1; usage errors: 2 */
	run = CLI("metadata", "set", "vm-1", "n", "notANumber", "--type", "number");
	ck_assert_int_eq(run->status, 1);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata", "set", "vm-1", "n", "1", "--type", "float");
	ck_assert_int_eq(run->status, 2);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata", "set", "vm-1", "n", "1", "--visibility", "PRIVATE");
	ck_assert_int_eq(run->status, 2);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata", "get", "vm-1", "n", "--domain", "OTHER");
	ck_assert_int_eq(run->status, 2);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI("metadata", "ls", "vm-1/..");
	ck_assert_int_eq(run->status, 2);
	g_clear_pointer(&run, vmds_e2e_run_free);
	check("GET", VM1 "/n", NULL, 404, "NOT_FOUND");
}
END_TEST

/* GET /api/query through the daemon: the index follows every write, owners
 * see their VMs only, a PRIVATE entry never selects nor shows for a user,
 * and after a restart (the index synced from the stores) the same answers */
START_TEST(test_metadata_query)
{
	g_autofree gchar *alice_vm = NULL;
	g_autofree gchar *bob_vm = NULL;
	g_autofree gchar *alice = add_user_with_vm("alice", FALSE, &alice_vm);
	g_autofree gchar *bob = add_user_with_vm("bob", FALSE, &bob_vm);
	const gchar *const vms[] = {alice_vm, bob_vm};
	const gchar *query = "/api/query?type=vm&filter=metadata:env==STRING:prod;"
			     "metadata:tier=ge=NUMBER:2";
	const gchar *secret = "/api/query?type=vm&filter=metadata@SYSTEM:cost==NUMBER:7";

	for (guint i = 0; i < G_N_ELEMENTS(vms); i++) {
		g_autofree gchar *path = g_strdup_printf("/api/vcenter/vm/%s/metadata", vms[i]);
		g_autofree gchar *body = g_strdup_printf(
		    "{\"metadataEntry\":["
		    "{\"key\":\"env\",\"typedValue\":{\"_type\":\"MetadataStringValue\","
		    "\"value\":\"prod\"}},"
		    "{\"key\":\"tier\",\"typedValue\":{\"_type\":\"MetadataNumberValue\","
		    "\"value\":%u}},"
		    "{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"PRIVATE\"},"
		    "\"key\":\"cost\",\"typedValue\":{\"_type\":\"MetadataNumberValue\","
		    "\"value\":7}}]}",
		    i + 2);
		check("POST", path, body, 200, NULL);
	}
	for (guint restart = 0; restart < 2; restart++) {
		g_autoptr(VmdsE2eReply) all = call_as(NULL, "GET", query, NULL);
		g_autoptr(VmdsE2eReply) mine = NULL;
		g_autoptr(VmdsE2eReply) hidden = NULL;
		g_autoptr(VmdsE2eReply) admin_secret = call_as(NULL, "GET", secret, NULL);
		g_autofree gchar *alice_again = NULL;

		ck_assert_msg(all->status == 200, "%s", all->body);
		ck_assert_msg(strstr(all->body, "\"resultTotal\":2") != NULL, "%s", all->body);
		ck_assert_msg(strstr(admin_secret->body, "\"resultTotal\":2") != NULL,
			      "%s",
			      admin_secret->body);
		/* a session survives no restart: log in again */
		alice_again = restart == 0 ? g_strdup(alice) : login("alice", "alice-password");
		mine = call_as(alice_again, "GET", query, NULL);
		ck_assert_msg(mine->status == 200, "%s", mine->body);
		ck_assert_msg(strstr(mine->body, "\"resultTotal\":1") != NULL, "%s", mine->body);
		ck_assert_msg(strstr(mine->body, alice_vm) != NULL, "%s", mine->body);
		ck_assert_msg(strstr(mine->body, bob_vm) == NULL, "%s", mine->body);
		if (restart == 0) {
			g_autoptr(VmdsE2eReply) his = call_as(bob, "GET", query, NULL);
			ck_assert_msg(strstr(his->body, "\"resultTotal\":1") != NULL &&
					  strstr(his->body, bob_vm) != NULL &&
					  strstr(his->body, alice_vm) == NULL,
				      "%s",
				      his->body);
		}
		hidden = call_as(alice_again, "GET", secret, NULL);
		ck_assert_msg(hidden->status == 200, "%s", hidden->body);
		ck_assert_msg(
		    strstr(hidden->body, "\"resultTotal\":0") != NULL, "%s", hidden->body);
		ck_assert_msg(strstr(hidden->body, "cost") == NULL, "%s", hidden->body);
		if (restart == 0) {
			/* a change is found at once; then the index is lost */
			g_autofree gchar *tier =
			    g_strdup_printf("/api/vcenter/vm/%s/metadata/tier", bob_vm);
			g_autofree gchar *index = g_build_filename(
			    vmds_e2e_get_state_dir(e2e), "metadata-index.db", NULL);
			g_autoptr(VmdsE2eReply) fewer = NULL;
			put_value(tier, NULL, "Number", "1", 200, NULL);
			fewer = call_as(NULL, "GET", query, NULL);
			ck_assert_msg(
			    strstr(fewer->body, "\"resultTotal\":1") != NULL, "%s", fewer->body);
			put_value(tier, NULL, "Number", "3", 200, NULL);
			vmds_e2e_stop(e2e);
			ck_assert_int_eq(g_unlink(index), 0);
			vmds_e2e_start(e2e);
		}
	}
	/* vmds query: the same selection, a line per VM; a bad filter exits 1 */
	{
		const gchar *const args[] = {
		    "query", "vm", "metadata:env==STRING:prod;metadata:tier=ge=NUMBER:2", NULL};
		const gchar *const bad[] = {"query", "vm", "metadata:env=~STRING:x", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		g_autoptr(VmdsE2eRun) refused = vmds_e2e_vmds(e2e, bad);
		g_autofree gchar *alice_line = g_strdup_printf("\n%s  alice-vm\n", alice_vm);
		g_autofree gchar *bob_line = g_strdup_printf("\n%s  bob-vm\n", bob_vm);
		ck_assert_msg(run->status == 0, "%s", run->err);
		ck_assert_msg(g_str_has_prefix(run->out, "VM    NAME\n") &&
				  strstr(run->out, alice_line) != NULL &&
				  strstr(run->out, bob_line) != NULL,
			      "%s",
			      run->out);
		ck_assert_int_eq(refused->status, 1);
		ck_assert_msg(
		    strstr(refused->err, "filter: column 13:") != NULL, "%s", refused->err);
	}
	/* its pages: the second of one VM each is bob's (VM number order) */
	{
		const gchar *const args[] = {"query",
					     "vm",
					     "metadata:env==STRING:prod",
					     "--page=2",
					     "--page-size",
					     "1",
					     NULL};
		const gchar *const zero[] = {
		    "query", "vm", "metadata:env==STRING:prod", "--page=0", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		g_autoptr(VmdsE2eRun) refused = vmds_e2e_vmds(e2e, zero);
		g_autofree gchar *expected = g_strdup_printf("VM    NAME\n%s  bob-vm\n", bob_vm);
		vmds_e2e_assert_run(run, 0, expected, "");
		ck_assert_int_eq(refused->status, 2);
		ck_assert_msg(
		    strstr(refused->err, "invalid --page '0'") != NULL, "%s", refused->err);
	}
	/* a malformed filter says where */
	check("GET",
	      "/api/query?type=vm&filter=metadata:env=~STRING:x",
	      NULL,
	      400,
	      "INVALID_ARGUMENT");
}
END_TEST

/* type=dataset lists every data set as soon as it is created or deleted,
 * with metadata or without (a data set's creation and deletion move the
 * store's metadata generation, which the index follows) */
START_TEST(test_metadata_query_datasets)
{
	const gchar *query = "/api/query?type=dataset";
	const gchar *plain = "\"dataSet\":\"plain\"";

	vmds_e2e_create_dataset(e2e, "vm-1", "plain", "READ_WRITE", "READ_WRITE");
	{
		g_autoptr(VmdsE2eReply) listed = call_as(NULL, "GET", query, NULL);
		ck_assert_msg(listed->status == 200 && strstr(listed->body, plain) != NULL,
			      "%s",
			      listed->body);
	}
	check("DELETE", "/api/vcenter/vm/vm-1/data-sets/plain", NULL, 204, NULL);
	{
		g_autoptr(VmdsE2eReply) gone = call_as(NULL, "GET", query, NULL);
		ck_assert_msg(
		    gone->status == 200 && strstr(gone->body, plain) == NULL, "%s", gone->body);
	}
}
END_TEST

/* a VM given another owner (PATCH, administrators only) is found by the
 * new owner's queries and no longer by the old one's, and the daemon lives
 * on (the plugin's ::vm-owner-changed handler once took the previous owner
 * for itself and crashed) */
START_TEST(test_metadata_query_owner_changed)
{
	g_autofree gchar *alice_vm = NULL;
	g_autofree gchar *bob_vm = NULL;
	g_autofree gchar *alice = add_user_with_vm("alice", FALSE, &alice_vm);
	g_autofree gchar *bob = add_user_with_vm("bob", FALSE, &bob_vm);
	g_autofree gchar *path = g_strdup_printf("/api/vcenter/vm/%s", alice_vm);
	const gchar *query = "/api/query?type=vm";

	check("PATCH", path, "{\"owner\":\"bob\"}", 204, NULL);
	{
		g_autoptr(VmdsE2eReply) his = call_as(bob, "GET", query, NULL);
		g_autoptr(VmdsE2eReply) hers = call_as(alice, "GET", query, NULL);
		ck_assert_msg(his->status == 200 &&
				  strstr(his->body, "\"resultTotal\":2") != NULL &&
				  strstr(his->body, alice_vm) != NULL,
			      "%s",
			      his->body);
		ck_assert_msg(hers->status == 200 &&
				  strstr(hers->body, "\"resultTotal\":0") != NULL,
			      "%s",
			      hers->body);
	}
}
END_TEST

/* the VCENTER keys and values the provider allows ([metadata] vcenter-keys,
 * vcenter-values-KEY): others refused to those who may write the domain,
 * the same 404 as ever to those who may not; the VM's info shows its
 * VCENTER entries to administrators and holders of the right only; a
 * wrong [metadata] keeps the daemon from starting, saying which key */
START_TEST(test_metadata_vcenter_rules)
{
	const gchar *config = "[metadata]\n"
			      "vcenter-keys=placement;tier\n"
			      "vcenter-values-placement=rack-1;rack-2\n"
			      "vcenter-values-tier=1;2\n";
	const gchar *placement = VM1 "/VCENTER/placement";
	g_autofree gchar *alice_vm = NULL;
	g_autofree gchar *carol_vm = NULL;
	g_autofree gchar *alice = NULL;
	g_autofree gchar *carol = NULL;
	g_autofree gchar *vm_info = NULL;

	g_clear_pointer(&e2e, vmds_e2e_free);
	e2e = vmds_e2e_new(config);
	alice = add_user_with_vm("alice", FALSE, &alice_vm);
	carol = add_user_with_vm("carol", TRUE, &carol_vm);

	/* allowed: a listed key and value; a value compared canonical */
	put_value(placement, NULL, "String", "\"rack-1\"", 200, NULL);
	put_value(VM1 "/VCENTER/tier", NULL, "Number", "\"+02\"", 200, NULL);
	/* refused, saying what is allowed; nothing written */
	{
		g_autoptr(VmdsE2eReply) value =
		    call_as(NULL,
			    "PUT",
			    placement,
			    "{\"typedValue\":{\"_type\":"
			    "\"MetadataStringValue\",\"value\":\"rack-3\"}}");
		g_autoptr(VmdsE2eReply) key =
		    call_as(NULL,
			    "PUT",
			    VM1 "/VCENTER/zone",
			    "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"a\"}}");
		vmds_e2e_assert_error(value, 400, "INVALID_ARGUMENT");
		ck_assert_msg(strstr(value->body,
				     "'rack-3' is not a value the provider allows for VCENTER key "
				     "'placement': rack-1, rack-2") != NULL,
			      "%s",
			      value->body);
		vmds_e2e_assert_error(key, 400, "INVALID_ARGUMENT");
		ck_assert_msg(strstr(key->body,
				     "VCENTER key 'zone' is not one the provider allows: "
				     "placement, tier") != NULL,
			      "%s",
			      key->body);
	}
	check("GET",
	      placement,
	      NULL,
	      200,
	      "{\"domain\":{\"value\":\"VCENTER\",\"visibility\":"
	      "\"READWRITE\"},\"typedValue\":{\"_type\":"
	      "\"MetadataStringValue\",\"value\":\"rack-1\"}}");
	/* a merge with one entry not allowed writes none */
	check("POST",
	      VM1,
	      "{\"metadataEntry\":[{\"key\":\"env\",\"typedValue\":{\"_type\":"
	      "\"MetadataStringValue\",\"value\":\"prod\"}},{\"domain\":{\"value\":\"VCENTER\","
	      "\"visibility\":\"READWRITE\"},\"key\":\"tier\",\"typedValue\":{\"_type\":"
	      "\"MetadataNumberValue\",\"value\":3}}]}",
	      400,
	      "INVALID_ARGUMENT");
	check("GET", VM1 "/env", NULL, 404, "NOT_FOUND");
	/* carol holds the right: the same rules on her VM */
	{
		g_autofree gchar *hers =
		    g_strdup_printf("/api/vcenter/vm/%s/metadata/VCENTER/placement", carol_vm);
		g_autofree gchar *bad =
		    g_strdup_printf("/api/vcenter/vm/%s/metadata/VCENTER/zone", carol_vm);
		check_as(
		    carol,
		    "PUT",
		    hers,
		    "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"rack-2\"}}",
		    200,
		    NULL);
		check_as(carol,
			 "PUT",
			 bad,
			 "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"a\"}}",
			 400,
			 "INVALID_ARGUMENT");
	}
	/* alice does not: a 404 as for any VCENTER write, learning nothing */
	{
		g_autofree gchar *bad =
		    g_strdup_printf("/api/vcenter/vm/%s/metadata/VCENTER/zone", alice_vm);
		check_as(alice,
			 "PUT",
			 bad,
			 "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"a\"}}",
			 404,
			 "NOT_FOUND");
	}

	/* the VM's info: its VCENTER entries, for those who may see them */
	vm_info = g_strdup("\"metadata_vcenter\":[{\"domain\":{\"value\":\"VCENTER\","
			   "\"visibility\":\"READWRITE\"},\"key\":\"placement\",\"typedValue\":{"
			   "\"_type\":\"MetadataStringValue\",\"value\":\"rack-1\"}},{\"domain\":{"
			   "\"value\":\"VCENTER\",\"visibility\":\"READWRITE\"},\"key\":\"tier\","
			   "\"typedValue\":{\"_type\":\"MetadataNumberValue\",\"value\":2}}]");
	{
		g_autoptr(VmdsE2eReply) admin = call_as(NULL, "GET", "/api/vcenter/vm/vm-1", NULL);
		g_autofree gchar *carol_path = g_strdup_printf("/api/vcenter/vm/%s", carol_vm);
		g_autofree gchar *alice_path = g_strdup_printf("/api/vcenter/vm/%s", alice_vm);
		g_autoptr(VmdsE2eReply) hers = call_as(carol, "GET", carol_path, NULL);
		g_autoptr(VmdsE2eReply) alices = call_as(alice, "GET", alice_path, NULL);
		ck_assert_msg(admin->status == 200 && strstr(admin->body, vm_info) != NULL,
			      "%s",
			      admin->body);
		ck_assert_msg(hers->status == 200 &&
				  strstr(hers->body, "\"metadata_vcenter\":[{") != NULL &&
				  strstr(hers->body, "rack-2") != NULL,
			      "%s",
			      hers->body);
		ck_assert_msg(alices->status == 200 &&
				  strstr(alices->body, "metadata_vcenter") == NULL,
			      "%s",
			      alices->body);
	}

	/* a [metadata] the plugin cannot take: the daemon does not start */
	vmds_e2e_stop(e2e);
	{
		g_autofree gchar *path = g_build_filename(vmds_e2e_get_tmp(e2e), "vmds.conf", NULL);
		const gchar *const bad[] = {
		    "[metadata]\nvcenter-values-zone=a\n",
		    "[metadata]\nvcenter-keys=a;a\n",
		    "[metadata]\nvcenter-key=a\n",
		};
		const gchar *const said[] = {
		    "[metadata] vcenter-values-zone: names a key that vcenter-keys does not list",
		    "[metadata] vcenter-keys: 'a' twice",
		    "unknown key 'vcenter-key' in group [metadata]",
		};
		g_autofree gchar *good = NULL;

		ck_assert(g_file_get_contents(path, &good, NULL, NULL));
		for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
			g_autofree gchar *text = g_strconcat(good, bad[i], NULL);
			g_autofree gchar *log = NULL;
			gint status = 0;

			ck_assert(g_file_set_contents(path, text, -1, NULL));
			ck_assert_msg(!vmds_e2e_try_start(e2e, &status), "started with %s", bad[i]);
			ck_assert_int_eq(status, 1);
			log = vmds_e2e_read_log(e2e);
			ck_assert_msg(strstr(log, said[i]) != NULL, "%s", log);
		}
		ck_assert(g_file_set_contents(path, good, -1, NULL));
	}
	vmds_e2e_start(e2e);
}
END_TEST

static Suite *
test_metadata_suite(void)
{
	Suite *s = suite_create("e2e-metadata");
	TCase *tc = tcase_create("metadata");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_metadata_types);
	tcase_add_test(tc, test_metadata_domains);
	tcase_add_test(tc, test_metadata_merge);
	tcase_add_test(tc, test_metadata_limits);
	tcase_add_test(tc, test_metadata_limit_bytes);
	tcase_add_test(tc, test_metadata_dataset);
	tcase_add_test(tc, test_metadata_lifecycle);
	tcase_add_test(tc, test_metadata_cli);
	tcase_add_test(tc, test_metadata_query);
	tcase_add_test(tc, test_metadata_query_datasets);
	tcase_add_test(tc, test_metadata_query_owner_changed);
	tcase_add_test(tc, test_metadata_vcenter_rules);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_metadata_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

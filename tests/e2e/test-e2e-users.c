/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "vmds-e2e.h"

/*
 * Users and owners (issue 12, item 1), against the real daemon with the
 * DataSets, guestinfo and vApp plugins: users an administrator adds, each
 * with a role; VMs that belong to a user, who alone of the users sees and
 * manages them. Another user's VM answers every route exactly as a VM that
 * does not exist (each route the daemon registers with `{vm}`, listed by
 * the daemon itself, not here); the users routes are administrators'; a
 * wrong password and an unknown user are refused alike; a state directory
 * from before users keeps working, admin its administrator; and `vmds user`
 * end to end.
 */

#define USERS "/api/vmds/users"

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

/* @method @path with @body as the administrator: @status and, unless NULL,
 * exactly @expected */
static void
admin_call(
    const gchar *method, const gchar *path, const gchar *body, guint status, const gchar *expected)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, method, path, body);

	ck_assert_msg(reply->status == status,
		      "%s %s: HTTP %u, expected %u: %s",
		      method,
		      path,
		      reply->status,
		      status,
		      reply->body);
	if (expected != NULL)
		ck_assert_str_eq(reply->body, expected);
}

/* @method @path with @body in session @session (NULL: none) */
static VmdsE2eReply *
call_as(const gchar *session, const gchar *method, const gchar *path, const gchar *body)
{
	const gchar *const headers[] = {"vmware-api-session-id", session, NULL};

	return vmds_e2e_http(e2e,
			     method,
			     path,
			     session != NULL ? headers : NULL,
			     body,
			     body != NULL ? strlen(body) : 0);
}

/* POST /api/session as @user: the reply */
static VmdsE2eReply *
try_login(const gchar *user, const gchar *password)
{
	g_autofree gchar *auth = vmds_e2e_basic_auth(user, password, -1);
	const gchar *const headers[] = {"Authorization", auth, NULL};

	return vmds_e2e_http(e2e, "POST", "/api/session", headers, NULL, 0);
}

/* a session of @user */
static gchar *
login(const gchar *user, const gchar *password)
{
	g_autoptr(VmdsE2eReply) reply = try_login(user, password);
	g_autoptr(JsonNode) node = NULL;

	ck_assert_msg(
	    reply->status == 201, "login %s: HTTP %u %s", user, reply->status, reply->body);
	node = json_from_string(reply->body, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_VALUE(node));
	return g_strdup(json_node_get_string(node));
}

static void
add_user(const gchar *name, const gchar *password, const gchar *role)
{
	g_autofree gchar *body = g_strdup_printf(
	    "{\"name\":\"%s\",\"password\":\"%s\",\"role\":\"%s\"}", name, password, role);
	g_autofree gchar *expected = g_strdup_printf("\"%s\"", name);

	admin_call("POST", USERS, body, 201, expected);
}

/* a VM made by @session: its id */
static gchar *
create_vm(const gchar *session, const gchar *name)
{
	g_autofree gchar *body = g_strdup_printf("{\"name\":\"%s\"}", name);
	g_autoptr(VmdsE2eReply) reply = call_as(session, "POST", "/api/vcenter/vm", body);
	g_autoptr(JsonNode) node = NULL;

	ck_assert_msg(reply->status == 201, "HTTP %u %s", reply->status, reply->body);
	node = json_from_string(reply->body, NULL);
	return g_strdup(json_node_get_string(node));
}

static void
assert_reply(VmdsE2eReply *reply, guint status, const gchar *body, const gchar *what)
{
	ck_assert_msg(reply->status == status && g_strcmp0(reply->body, body) == 0,
		      "%s: HTTP %u %s, expected %u %s",
		      what,
		      reply->status,
		      reply->body,
		      status,
		      body);
}

/* the body of an error, as the router writes it */
static gchar *
error_body(const gchar *type, const gchar *area, const gchar *id, const gchar *message)
{
	return g_strdup_printf("{\"error_type\":\"%s\",\"messages\":[{\"id\":\"vmds.%s.%s\","
			       "\"default_message\":\"%s\",\"args\":[]}]}",
			       type,
			       area,
			       id,
			       message);
}

/* everything of VM @vm an administrator can read: its info, data sets and
 * entries, snapshots, guestinfo variables and settings, vApp, metadata
 * (bob-ds's too) */
static gchar *
dump_vm(const gchar *vm)
{
	const gchar *const parts[] = {"",
				      "/snapshots",
				      "/guest-info",
				      "/guest-info-settings",
				      "/vapp",
				      "/vapp/properties",
				      "/metadata",
				      "/data-sets/bob-ds/metadata"};
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree gchar *datasets = vmds_e2e_dump_vm(e2e, vm);

	for (guint i = 0; i < G_N_ELEMENTS(parts); i++) {
		g_autofree gchar *path = g_strdup_printf("/api/vcenter/vm/%s%s", vm, parts[i]);
		g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "GET", path, NULL);
		g_string_append_printf(out, "%s: %u %s\n", path, reply->status, reply->body);
	}
	g_string_append(out, datasets);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* one route the daemon serves, as GET /api/vmds/routes lists it */
typedef struct {
	gchar *method;
	gchar *path;
	gchar *plugin;
	gboolean admin;
} Route;

static void
route_free(Route *route)
{
	g_free(route->method);
	g_free(route->path);
	g_free(route->plugin);
	g_free(route);
}

/* the routes the daemon registered, from the daemon */
static GPtrArray *
get_routes(void)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "GET", "/api/vmds/routes", NULL);
	g_autoptr(JsonNode) node = NULL;
	GPtrArray *routes = g_ptr_array_new_with_free_func((GDestroyNotify)route_free);
	JsonArray *array;

	ck_assert_msg(reply->status == 200, "HTTP %u %s", reply->status, reply->body);
	node = json_from_string(reply->body, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_ARRAY(node));
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonObject *obj = json_array_get_object_element(array, i);
		Route *route = g_new0(Route, 1);
		route->method = g_strdup(json_object_get_string_member(obj, "method"));
		route->path = g_strdup(json_object_get_string_member(obj, "path"));
		route->plugin = g_strdup(json_object_get_string_member(obj, "plugin"));
		route->admin = json_object_get_boolean_member(obj, "administrators_only");
		g_ptr_array_add(routes, route);
	}
	return routes;
}

/* @pattern with each `{name}` (or `{name*}`) replaced by @values' value for
 * it, percent-encoded, or `x` */
static gchar *
fill_pattern(const gchar *pattern, GHashTable *values)
{
	g_auto(GStrv) segments = g_strsplit(pattern, "/", -1);
	g_autoptr(GString) out = g_string_new(NULL);

	for (guint i = 0; segments[i] != NULL; i++) {
		gchar *seg = segments[i];
		gsize len = strlen(seg);
		if (i > 0)
			g_string_append_c(out, '/');
		if (len > 2 && seg[0] == '{' && seg[len - 1] == '}') {
			g_autofree gchar *name =
			    g_strndup(seg + 1, len - (seg[len - 2] == '*' ? 3 : 2));
			const gchar *value = g_hash_table_lookup(values, name);
			g_autofree gchar *escaped =
			    g_uri_escape_string(value != NULL ? value : "x", NULL, FALSE);
			g_string_append(out, escaped);
		} else {
			g_string_append(out, seg);
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* what alice sends at a VM by each route with `{vm}`: a request line and
 * the reply it got */
typedef struct {
	gchar *method;
	gchar *path;
	guint status;
	gchar *body;
} Probe;

static void
probe_free(Probe *probe)
{
	g_free(probe->method);
	g_free(probe->path);
	g_free(probe->body);
	g_free(probe);
}

/* the requests that reach bob's VM @vm by every route the daemon lists
 * with `{vm}`, the other path parameters naming bob's things */
static GPtrArray *
probes_for(GPtrArray *routes, GHashTable *values)
{
	GPtrArray *probes = g_ptr_array_new_with_free_func((GDestroyNotify)probe_free);

	for (guint i = 0; i < routes->len; i++) {
		Route *route = g_ptr_array_index(routes, i);
		g_autofree gchar *path = NULL;
		/* entries take their key as {key*}, vApp properties and
		 * metadata entries as {key} */
		const gchar *key = strstr(route->path, "{key*}") != NULL       ? "k"
				   : strstr(route->path, "/metadata/") != NULL ? "bob-key"
									       : "0";
		const gchar *const queries[] = {"",
						"?action=export",
						"?action=revert",
						"?action=import",
						"?force=true",
						"?key=k"};

		if (strstr(route->path, "{vm}") == NULL)
			continue;
		g_hash_table_insert(values, g_strdup("key"), g_strdup(key));
		path = fill_pattern(route->path, values);
		/* the plain route, and with the queries routes take */
		for (guint j = 0; j < G_N_ELEMENTS(queries); j++) {
			Probe *probe = g_new0(Probe, 1);
			g_autofree gchar *message =
			    route->admin
				? g_strdup_printf("only administrators may use %s %s",
						  route->method,
						  route->path)
				: g_strdup_printf("no VM '%s'",
						  (const gchar *)g_hash_table_lookup(values, "vm"));
			probe->method = g_strdup(route->method);
			probe->path = g_strconcat(path, queries[j], NULL);
			/* what an absent VM answers; a route for administrators
			 * only refuses a user before it looks at the VM */
			probe->status = route->admin ? 403 : 404;
			probe->body =
			    route->admin
				? error_body(
				      "UNAUTHORIZED", route->plugin, "access_denied", message)
				: error_body("NOT_FOUND", route->plugin, "not_found", message);
			g_ptr_array_add(probes, probe);
		}
	}
	return probes;
}

/* a body each request carries: a request that has one is refused all the
 * same */
static const gchar *
probe_body(const gchar *method)
{
	if (g_strcmp0(method, "GET") == 0 || g_strcmp0(method, "DELETE") == 0)
		return NULL;
	return "{}";
}

/*
 * The acceptance: an administrator makes alice and bob, users; each
 * makes a VM; alice cannot see or touch bob's VM, its data sets, entries,
 * snapshots, guestinfo or vApp by any route: each answers as a VM that does
 * not exist, the same status and the same bytes, and changes nothing.
 */
START_TEST(test_users_isolation)
{
	g_autofree gchar *alice = NULL;
	g_autofree gchar *bob = NULL;
	g_autofree gchar *alice_vm = NULL;
	g_autofree gchar *bob_vm = NULL;
	g_autofree gchar *bob_snapshot = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(GPtrArray) routes = NULL;
	g_autoptr(GPtrArray) probes = NULL;
	g_autoptr(GHashTable) values =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(VmdsE2eReply) reply = NULL;
	guint vm_routes = 0;

	add_user("alice", "alice-password", "user");
	add_user("bob", "bob-password", "user");
	alice = login("alice", "alice-password");
	bob = login("bob", "bob-password");
	alice_vm = create_vm(alice, "alice-vm");
	bob_vm = create_vm(bob, "bob-vm");
	ck_assert_str_eq(alice_vm, "vm-2");
	ck_assert_str_eq(bob_vm, "vm-3");

	/* bob's VM holds something of each plugin */
	{
		const gchar *const calls[][3] = {
		    {"POST",
		     "/api/vcenter/vm/vm-3/data-sets",
		     "{\"name\":\"bob-ds\",\"description\":\"\",\"host\":\"READ_WRITE\","
		     "\"guest\":\"READ_WRITE\"}"},
		    {"PUT", "/api/vcenter/vm/vm-3/data-sets/bob-ds/entries/k", "\"bob's value\""},
		    {"PUT", "/api/vcenter/vm/vm-3/guest-info/guestinfo.bob", "\"bob's variable\""},
		    {"PATCH",
		     "/api/vcenter/vm/vm-3/vapp",
		     "{\"enabled\":true,\"transports\":[\"com.vmware.guestInfo\",\"iso\"]}"},
		    {"POST",
		     "/api/vcenter/vm/vm-3/vapp/properties",
		     "{\"id\":\"bob-prop\",\"type\":\"string\",\"value\":\"bob\"}"},
		    {"PUT",
		     "/api/vcenter/vm/vm-3/metadata/bob-key",
		     "{\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"bob's "
		     "metadata\"}}"},
		    {"PUT",
		     "/api/vcenter/vm/vm-3/data-sets/bob-ds/metadata/bob-key",
		     "{\"typedValue\":{\"_type\":\"MetadataNumberValue\",\"value\":3}}"},
		};
		for (guint i = 0; i < G_N_ELEMENTS(calls); i++) {
			g_autoptr(VmdsE2eReply) r =
			    call_as(bob, calls[i][0], calls[i][1], calls[i][2]);
			ck_assert_msg(r->status >= 200 && r->status < 300,
				      "%s %s: HTTP %u %s",
				      calls[i][0],
				      calls[i][1],
				      r->status,
				      r->body);
		}
		reply = call_as(
		    bob, "POST", "/api/vcenter/vm/vm-3/snapshots", "{\"name\":\"bob-snapshot\"}");
		ck_assert_msg(reply->status == 201, "HTTP %u %s", reply->status, reply->body);
		bob_snapshot = g_strndup(reply->body + 1, strlen(reply->body) - 2);
		g_clear_pointer(&reply, vmds_e2e_reply_free);
	}

	/* the VM list: each user its own, the administrator all */
	reply = call_as(alice, "GET", "/api/vcenter/vm", NULL);
	assert_reply(reply,
		     200,
		     "[{\"vm\":\"vm-2\",\"name\":\"alice-vm\",\"owner\":\"alice\"}]",
		     "alice's list");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = call_as(bob, "GET", "/api/vcenter/vm", NULL);
	assert_reply(
	    reply, 200, "[{\"vm\":\"vm-3\",\"name\":\"bob-vm\",\"owner\":\"bob\"}]", "bob's list");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	admin_call("GET",
		   "/api/vcenter/vm",
		   NULL,
		   200,
		   "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"},"
		   "{\"vm\":\"vm-2\",\"name\":\"alice-vm\",\"owner\":\"alice\"},"
		   "{\"vm\":\"vm-3\",\"name\":\"bob-vm\",\"owner\":\"bob\"}]");
	/* the administrator sees into both */
	admin_call(
	    "GET", "/api/vcenter/vm/vm-3/data-sets/bob-ds/entries/k", NULL, 200, "\"bob's value\"");
	admin_call("GET", "/api/vcenter/vm/vm-2/data-sets", NULL, 200, "[]");
	/* vm-1, the administrators' (no owner), is absent to users */
	reply = call_as(alice, "GET", "/api/vcenter/vm/vm-1/data-sets", NULL);
	{
		g_autofree gchar *absent =
		    error_body("NOT_FOUND", "datasets", "not_found", "no VM 'vm-1'");
		assert_reply(reply, 404, absent, "alice on vm-1");
	}
	g_clear_pointer(&reply, vmds_e2e_reply_free);

	/* every route with {vm}, from the daemon's own list */
	routes = get_routes();
	for (guint i = 0; i < routes->len; i++)
		vm_routes += strstr(((Route *)g_ptr_array_index(routes, i))->path, "{vm}") != NULL;
	/* the list is whole: the VM's, snapshots', and each plugin's */
	ck_assert_uint_ge(vm_routes, 30);
	{
		const gchar *const must[] = {
		    "/api/vcenter/vm/{vm}",
		    "/api/vcenter/vm/{vm}/snapshots/{snapshot}",
		    "/api/vcenter/vm/{vm}/data-sets/{data_set}/entries/{key*}",
		    "/api/vcenter/vm/{vm}/guest-info/{name}",
		    "/api/vcenter/vm/{vm}/vapp/properties/{key}",
		    "/api/vcenter/vm/{vm}/metadata/{key}",
		    "/api/vcenter/vm/{vm}/data-sets/{data_set}/metadata/SYSTEM/{key}",
		};
		for (guint j = 0; j < G_N_ELEMENTS(must); j++) {
			gboolean found = FALSE;
			for (guint i = 0; i < routes->len; i++)
				found |= g_strcmp0(((Route *)g_ptr_array_index(routes, i))->path,
						   must[j]) == 0;
			ck_assert_msg(found, "GET /api/vmds/routes does not list %s", must[j]);
		}
	}
	g_hash_table_insert(values, g_strdup("vm"), g_strdup("vm-3"));
	g_hash_table_insert(values, g_strdup("data_set"), g_strdup("bob-ds"));
	g_hash_table_insert(values, g_strdup("name"), g_strdup("guestinfo.bob"));
	g_hash_table_insert(values, g_strdup("snapshot"), g_strdup(bob_snapshot));
	probes = probes_for(routes, values);

	before = dump_vm("vm-3");
	for (guint i = 0; i < probes->len; i++) {
		Probe *probe = g_ptr_array_index(probes, i);
		g_autofree gchar *what =
		    g_strdup_printf("alice: %s %s", probe->method, probe->path);
		g_autoptr(VmdsE2eReply) r =
		    call_as(alice, probe->method, probe->path, probe_body(probe->method));
		assert_reply(r, probe->status, probe->body, what);
	}
	/* a clone of it: its source is absent too */
	reply = call_as(alice,
			"POST",
			"/api/vcenter/vm?action=clone",
			"{\"source\":\"vm-3\",\"name\":\"stolen\"}");
	{
		g_autofree gchar *absent =
		    error_body("NOT_FOUND", "vm", "not_found", "no VM 'vm-3'");
		assert_reply(reply, 404, absent, "alice clones vm-3");
	}
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	/* bob's snapshot through alice's own VM: no such snapshot, no word of
	 * whose it is (to an administrator it is another VM's) */
	{
		const gchar *const methods[][2] = {
		    {"GET", ""}, {"DELETE", ""}, {"POST", "?action=revert"}};
		for (guint i = 0; i < G_N_ELEMENTS(methods); i++) {
			g_autofree gchar *path = g_strdup_printf(
			    "/api/vcenter/vm/vm-2/snapshots/%s%s", bob_snapshot, methods[i][1]);
			g_autofree gchar *message =
			    g_strdup_printf("VM vm-2 has no snapshot '%s'", bob_snapshot);
			g_autofree gchar *absent =
			    error_body("NOT_FOUND", "vm", "not_found", message);
			g_autoptr(VmdsE2eReply) r =
			    call_as(alice, methods[i][0], path, probe_body(methods[i][0]));
			assert_reply(r, 404, absent, path);
		}
		reply =
		    vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-2/snapshots/snapshot-99", NULL);
		{
			g_autofree gchar *absent =
			    error_body("NOT_FOUND",
				       "vm",
				       "not_found",
				       "VM vm-2 has no snapshot 'snapshot-99'");
			assert_reply(reply, 404, absent, "admin: an absent snapshot");
		}
		g_clear_pointer(&reply, vmds_e2e_reply_free);
	}
	/* a name bob's VM has is taken, and alice is not told by which VM */
	reply = call_as(alice, "POST", "/api/vcenter/vm", "{\"name\":\"bob-vm\"}");
	{
		g_autofree gchar *taken =
		    error_body("ALREADY_EXISTS",
			       "vm",
			       "already_exists",
			       "a VM of that name exists already: choose another name");
		assert_reply(reply, 400, taken, "alice takes bob's VM's name");
	}
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	/* a user binds no VM to the host, and gives no VM to another */
	reply = call_as(alice, "POST", "/api/vcenter/vm", "{\"name\":\"x\",\"owner\":\"bob\"}");
	vmds_e2e_assert_error(reply, 403, "UNAUTHORIZED");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = call_as(alice, "POST", "/api/vcenter/vm", "{\"name\":\"x\",\"cid\":77}");
	vmds_e2e_assert_error(reply, 403, "UNAUTHORIZED");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	/* nothing of bob's changed */
	after = dump_vm("vm-3");
	ck_assert_str_eq(after, before);
	ck_assert(strstr(after, "bob's value") != NULL);
	ck_assert(strstr(after, "bob-prop") != NULL);
	ck_assert(strstr(after, "bob's metadata") != NULL);
	/* nor do alice's queries find bob's VM or data set; the
	 * administrator's do */
	reply = call_as(alice, "GET", "/api/query?type=vm", NULL);
	assert_reply(
	    reply,
	    200,
	    "{\"resultTotal\":1,\"pageCount\":1,\"page\":1,\"pageSize\":25,\"record\":["
	    "{\"vm\":\"vm-2\",\"name\":\"alice-vm\",\"type\":\"vm\",\"metadataEntry\":[]}]}",
	    "alice's query of VMs");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = call_as(
	    alice, "GET", "/api/query?type=dataset&filter=metadata:bob-key==NUMBER:3", NULL);
	assert_reply(reply,
		     200,
		     "{\"resultTotal\":0,\"pageCount\":0,\"page\":1,\"pageSize\":25,\"record\":[]}",
		     "alice's query of data sets");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(
	    e2e, "GET", "/api/query?type=dataset&filter=metadata:bob-key==NUMBER:3", NULL);
	ck_assert_msg(reply->status == 200 && strstr(reply->body, "\"resultTotal\":1") != NULL,
		      "%s",
		      reply->body);
	g_clear_pointer(&reply, vmds_e2e_reply_free);

	/* and once bob's VM is gone, each request gets the very same reply */
	admin_call("DELETE", "/api/vcenter/vm/vm-3", NULL, 204, "");
	for (guint i = 0; i < probes->len; i++) {
		Probe *probe = g_ptr_array_index(probes, i);
		g_autofree gchar *what =
		    g_strdup_printf("alice, vm-3 gone: %s %s", probe->method, probe->path);
		g_autoptr(VmdsE2eReply) r =
		    call_as(alice, probe->method, probe->path, probe_body(probe->method));
		assert_reply(r, probe->status, probe->body, what);
	}
	/* alice's own VM is hers to use */
	reply = call_as(alice, "GET", "/api/vcenter/vm/vm-2", NULL);
	ck_assert_uint_eq(reply->status, 200);
	ck_assert(strstr(reply->body, "\"owner\":\"alice\"") != NULL);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = call_as(alice,
			"POST",
			"/api/vcenter/vm/vm-2/data-sets",
			"{\"name\":\"mine\",\"description\":\"\",\"host\":\"READ_WRITE\","
			"\"guest\":\"READ_WRITE\"}");
	assert_reply(reply, 201, "\"mine\"", "alice's data set");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	/* but not to export or import: an export is the store whole, metadata
	 * only administrators see or write included */
	reply = call_as(alice, "GET", "/api/vcenter/vm/vm-2?action=export", NULL);
	{
		g_autofree gchar *refused = error_body(
		    "UNAUTHORIZED",
		    "vm",
		    "access_denied",
		    "only administrators export a VM: an export carries all of its data, metadata "
		    "its owner may not see included");
		assert_reply(reply, 403, refused, "alice exports her VM");
	}
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = call_as(alice, "POST", "/api/vcenter/vm?action=import", "{}");
	{
		g_autofree gchar *refused =
		    error_body("UNAUTHORIZED",
			       "vm",
			       "access_denied",
			       "only administrators import a VM: an export carries metadata only "
			       "administrators may write");
		assert_reply(reply, 403, refused, "alice imports a VM");
	}
}
END_TEST

/* the users routes and giving a VM another owner: administrators only,
 * refused 403 with nothing changed */
START_TEST(test_users_admin_only)
{
	g_autofree gchar *alice = NULL;
	const gchar *const calls[][3] = {
	    {"GET", USERS, NULL},
	    {"POST", USERS, "{\"name\":\"mallory\",\"password\":\"mallory-password\"}"},
	    {"GET", USERS "/bob", NULL},
	    {"GET", USERS "/nobody", NULL},
	    {"PATCH", USERS "/alice", "{\"role\":\"administrator\"}"},
	    {"PATCH", USERS "/bob", "{\"password\":\"new-bob-password\"}"},
	    {"DELETE", USERS "/bob", NULL},
	    {"GET", "/api/vmds/routes", NULL},
	    {"PATCH", "/api/vcenter/vm/vm-1", "{\"owner\":\"alice\"}"},
	    {"PATCH", "/api/vcenter/vm/vm-99", "{\"owner\":\"alice\"}"},
	};

	add_user("alice", "alice-password", "user");
	add_user("bob", "bob-password", "user");
	alice = login("alice", "alice-password");
	for (guint i = 0; i < G_N_ELEMENTS(calls); i++) {
		g_autoptr(VmdsE2eReply) reply =
		    call_as(alice, calls[i][0], calls[i][1], calls[i][2]);
		g_autofree gchar *type = vmds_e2e_error_type(reply);
		ck_assert_msg(reply->status == 403 && g_strcmp0(type, "UNAUTHORIZED") == 0,
			      "%s %s: HTTP %u %s",
			      calls[i][0],
			      calls[i][1],
			      reply->status,
			      reply->body);
	}
	admin_call("GET",
		   USERS,
		   NULL,
		   200,
		   "[{\"user\":\"admin\",\"role\":\"administrator\",\"vcenter_metadata\":true,"
		   "\"built_in\":true},"
		   "{\"user\":\"alice\",\"role\":\"user\",\"vcenter_metadata\":false,"
		   "\"built_in\":false},"
		   "{\"user\":\"bob\",\"role\":\"user\",\"vcenter_metadata\":false,"
		   "\"built_in\":false}]");
	/* bob's password is as it was, vm-1 has no owner */
	g_free(login("bob", "bob-password"));
	admin_call("GET", "/api/vcenter/vm", NULL, 200, "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"}]");
}
END_TEST

/* a wrong password and an unknown user: the same refusal, byte for byte */
START_TEST(test_users_login_refused)
{
	const gchar *const attempts[][2] = {
	    {"alice", "wrong-password"},
	    {"zed", "wrong-password"},
	    {"zed", "alice-password"},
	    {"Alice", "alice-password"},
	    {"alice", ""},
	};
	g_autofree gchar *first_body = NULL;
	g_autofree gchar *first_challenge = NULL;

	add_user("alice", "alice-password", "user");
	for (guint i = 0; i < G_N_ELEMENTS(attempts); i++) {
		g_autofree gchar *auth = vmds_e2e_basic_auth(attempts[i][0], attempts[i][1], -1);
		g_autofree gchar *source = g_strdup_printf("127.0.0.%u", 10 + i);
		g_autofree gchar *request = g_strdup_printf(
		    "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n",
		    auth);
		g_autoptr(VmdsE2eRawReply) reply =
		    vmds_e2e_http_raw(e2e, source, request, strlen(request));
		g_autofree gchar *challenge = vmds_e2e_raw_reply_header(reply, "WWW-Authenticate");
		g_autofree gchar *retry = vmds_e2e_raw_reply_header(reply, "Retry-After");

		ck_assert_msg(reply->status == 401,
			      "%s: HTTP %u %s",
			      attempts[i][0],
			      reply->status,
			      reply->body);
		ck_assert_ptr_null(retry);
		if (first_body == NULL) {
			first_body = g_strdup(reply->body);
			first_challenge = g_strdup(challenge);
			ck_assert_str_eq(
			    first_body,
			    "{\"error_type\":\"UNAUTHENTICATED\",\"messages\":[{\"id\":"
			    "\"vmds.session.unauthenticated\",\"default_message\":"
			    "\"wrong user name or password\",\"args\":[]}]}");
			ck_assert_str_eq(first_challenge, "Basic realm=\"vmds\"");
			continue;
		}
		ck_assert_str_eq(reply->body, first_body);
		ck_assert_str_eq(challenge, first_challenge);
	}
	/* the log has neither the names tried nor the passwords */
	{
		g_autofree gchar *log = vmds_e2e_read_log(e2e);
		ck_assert_ptr_null(strstr(log, "wrong-password"));
		ck_assert_ptr_null(strstr(log, "alice-password"));
		ck_assert_ptr_null(strstr(log, "zed"));
	}
	/* and the right one still logs in */
	g_free(login("alice", "alice-password"));
}
END_TEST

/* sessions follow the user: a new password or its removal ends them, a new
 * role counts from the next request */
START_TEST(test_users_sessions)
{
	g_autofree gchar *alice = NULL;
	g_autofree gchar *bob = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;

	add_user("alice", "alice-password", "user");
	add_user("bob", "bob-password", "user");
	alice = login("alice", "alice-password");
	bob = login("bob", "bob-password");
	g_free(create_vm(bob, "bob-vm"));

	/* alice, made an administrator, sees bob's VM with her session */
	reply = call_as(alice, "GET", "/api/vcenter/vm/vm-2", NULL);
	ck_assert_uint_eq(reply->status, 404);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	admin_call("PATCH", USERS "/alice", "{\"role\":\"administrator\"}", 204, "");
	reply = call_as(alice, "GET", "/api/vcenter/vm/vm-2", NULL);
	ck_assert_msg(reply->status == 200, "HTTP %u %s", reply->status, reply->body);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = call_as(alice, "GET", USERS "/bob", NULL);
	assert_reply(reply,
		     200,
		     "{\"name\":\"bob\",\"role\":\"user\",\"vcenter_metadata\":false,"
		     "\"built_in\":false}",
		     "alice reads bob");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	/* and back */
	admin_call("PATCH", USERS "/alice", "{\"role\":\"user\"}", 204, "");
	reply = call_as(alice, "GET", "/api/vcenter/vm/vm-2", NULL);
	ck_assert_uint_eq(reply->status, 404);
	g_clear_pointer(&reply, vmds_e2e_reply_free);

	/* a new password ends alice's sessions; the old password is refused */
	reply = call_as(alice, "POST", "/rest/com/vmware/cis/session?~action=get", NULL);
	ck_assert_msg(reply->status == 200 && strstr(reply->body, "\"user\":\"alice\"") != NULL,
		      "HTTP %u %s",
		      reply->status,
		      reply->body);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	admin_call("PATCH", USERS "/alice", "{\"password\":\"alice-new-password\"}", 204, "");
	/* the older API's description of the session too */
	reply = call_as(alice, "POST", "/rest/com/vmware/cis/session?~action=get", NULL);
	vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = call_as(alice, "GET", "/api/vcenter/vm", NULL);
	vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = try_login("alice", "alice-password");
	vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	g_free(alice);
	alice = login("alice", "alice-new-password");
	/* bob's session lives on */
	reply = call_as(bob, "GET", "/api/vcenter/vm", NULL);
	ck_assert_uint_eq(reply->status, 200);
	g_clear_pointer(&reply, vmds_e2e_reply_free);

	/* a user who owns a VM stays; given away, the user goes, sessions too */
	reply = vmds_e2e_rest(e2e, "DELETE", USERS "/bob", NULL);
	vmds_e2e_assert_error(reply, 400, "RESOURCE_IN_USE");
	ck_assert(strstr(reply->body, "vm-2") != NULL);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	admin_call("PATCH", "/api/vcenter/vm/vm-2", "{\"owner\":\"alice\"}", 204, "");
	reply = call_as(bob, "GET", "/api/vcenter/vm", NULL);
	assert_reply(reply, 200, "[]", "bob after his VM went to alice");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = call_as(alice, "GET", "/api/vcenter/vm", NULL);
	assert_reply(reply,
		     200,
		     "[{\"vm\":\"vm-2\",\"name\":\"bob-vm\",\"owner\":\"alice\"}]",
		     "alice after bob's VM came to her");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	admin_call("DELETE", USERS "/bob", NULL, 204, "");
	reply = call_as(bob, "GET", "/api/vcenter/vm", NULL);
	vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = try_login("bob", "bob-password");
	vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	/* bob again is a new user: none of what the old bob had */
	add_user("bob", "bob-password-2", "user");
	g_free(bob);
	bob = login("bob", "bob-password-2");
	reply = call_as(bob, "GET", "/api/vcenter/vm", NULL);
	assert_reply(reply, 200, "[]", "the new bob");
}
END_TEST

/* what the users routes and a VM's owner take: every member checked */
START_TEST(test_users_validation)
{
	g_autofree gchar *max_name = g_strnfill(64, 'n');
	g_autofree gchar *long_name = g_strnfill(65, 'n');
	g_autofree gchar *max_password = g_strnfill(1024, 'p');
	g_autofree gchar *long_password = g_strnfill(1025, 'p');
	g_autofree gchar *body = NULL;
	g_autofree gchar *expected = NULL;
	const struct {
		const gchar *body;
		const gchar *type;
	} bad[] = {
	    {"{\"name\":\"carol\"}", "INVALID_ARGUMENT"},
	    {"{\"password\":\"carol-password\"}", "INVALID_ARGUMENT"},
	    {"{\"name\":\"carol\",\"password\":\"short77\"}", "INVALID_ARGUMENT"},
	    {"{\"name\":\"Carol\",\"password\":\"carol-password\"}", "INVALID_ARGUMENT"},
	    {"{\"name\":\"ca:rol\",\"password\":\"carol-password\"}", "INVALID_ARGUMENT"},
	    {"{\"name\":\"\",\"password\":\"carol-password\"}", "INVALID_ARGUMENT"},
	    {"{\"name\":7,\"password\":\"carol-password\"}", "INVALID_ARGUMENT"},
	    {"{\"name\":\"carol\",\"password\":12345678}", "INVALID_ARGUMENT"},
	    {"{\"name\":\"carol\",\"password\":\"carol-password\",\"role\":\"root\"}",
	     "INVALID_ARGUMENT"},
	    {"{\"name\":\"carol\",\"password\":\"carol-password\",\"role\":null}",
	     "INVALID_ARGUMENT"},
	    {"{\"name\":\"carol\",\"password\":\"carol-password\",\"vcenter_metadata\":\"yes\"}",
	     "INVALID_ARGUMENT"},
	    {"{\"name\":\"carol\",\"password\":\"carol-password\",\"admin\":true}",
	     "INVALID_ARGUMENT"},
	    {"{\"name\":\"carol\",\"password\":\"carol-password\",\"name\":\"dave\"}",
	     "INVALID_ARGUMENT"},
	    {"[\"carol\"]", "INVALID_ARGUMENT"},
	    {"{\"name\":\"alice\",\"password\":\"carol-password\"}", "ALREADY_EXISTS"},
	    {"{\"name\":\"admin\",\"password\":\"carol-password\"}", "ALREADY_EXISTS"},
	};

	add_user("alice", "alice-password", "user");
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "POST", USERS, bad[i].body);
		g_autofree gchar *type = vmds_e2e_error_type(reply);
		ck_assert_msg(reply->status == 400 && g_strcmp0(type, bad[i].type) == 0,
			      "%s: HTTP %u %s",
			      bad[i].body,
			      reply->status,
			      reply->body);
	}
	/* names and passwords at their bounds */
	body = g_strdup_printf("{\"name\":\"%s\",\"password\":\"12345678\"}", max_name);
	expected = g_strdup_printf("\"%s\"", max_name);
	admin_call("POST", USERS, body, 201, expected);
	g_free(body);
	body = g_strdup_printf("{\"name\":\"%s\",\"password\":\"12345678\"}", long_name);
	admin_call("POST", USERS, body, 400, NULL);
	g_free(body);
	body = g_strdup_printf("{\"name\":\"max\",\"password\":\"%s\"}", max_password);
	admin_call("POST", USERS, body, 201, "\"max\"");
	g_free(login("max", max_password));
	g_free(body);
	body = g_strdup_printf("{\"name\":\"over\",\"password\":\"%s\"}", long_password);
	admin_call("POST", USERS, body, 400, NULL);
	admin_call("GET", USERS "/over", NULL, 404, NULL);
	/* a user with the right, and an administrator */
	admin_call("POST",
		   USERS,
		   "{\"name\":\"carol\",\"password\":\"carol-password\",\"role\":\"administrator\","
		   "\"vcenter_metadata\":true}",
		   201,
		   "\"carol\"");
	admin_call("GET",
		   USERS "/carol",
		   NULL,
		   200,
		   "{\"name\":\"carol\",\"role\":\"administrator\",\"vcenter_metadata\":true,"
		   "\"built_in\":false}");

	/* PATCH: the same checks; the configured administrator is its file's */
	admin_call("PATCH", USERS "/alice", "{\"password\":\"short\"}", 400, NULL);
	admin_call("PATCH", USERS "/alice", "{\"name\":\"eve\"}", 400, NULL);
	admin_call("PATCH", USERS "/alice", "{\"vcenter_metadata\":1}", 400, NULL);
	admin_call("PATCH", USERS "/nobody", "{\"role\":\"user\"}", 404, NULL);
	admin_call("PATCH", USERS "/alice", "{\"vcenter_metadata\":true}", 204, "");
	admin_call("GET",
		   USERS "/alice",
		   NULL,
		   200,
		   "{\"name\":\"alice\",\"role\":\"user\",\"vcenter_metadata\":true,"
		   "\"built_in\":false}");
	{
		g_autoptr(VmdsE2eReply) reply =
		    vmds_e2e_rest(e2e, "PATCH", USERS "/admin", "{\"password\":\"new-password\"}");
		vmds_e2e_assert_error(reply, 400, "NOT_ALLOWED_IN_CURRENT_STATE");
		ck_assert(strstr(reply->body, "password file") != NULL);
	}
	admin_call("DELETE", USERS "/admin", NULL, 400, NULL);
	admin_call("DELETE", USERS "/nobody", NULL, 404, NULL);
	admin_call("GET", USERS "/admin", NULL, 200, NULL);

	/* a VM's owner: an existing user or null */
	admin_call("POST", "/api/vcenter/vm", "{\"name\":\"v\",\"owner\":\"nobody\"}", 400, NULL);
	admin_call("POST", "/api/vcenter/vm", "{\"name\":\"v\",\"owner\":\"admin\"}", 400, NULL);
	admin_call("POST", "/api/vcenter/vm", "{\"name\":\"v\",\"owner\":7}", 400, NULL);
	admin_call(
	    "POST", "/api/vcenter/vm", "{\"name\":\"v\",\"owner\":\"alice\"}", 201, "\"vm-2\"");
	admin_call("PATCH", "/api/vcenter/vm/vm-2", "{\"owner\":\"nobody\"}", 400, NULL);
	admin_call("PATCH", "/api/vcenter/vm/vm-2", "{\"owner\":true}", 400, NULL);
	admin_call("PATCH", "/api/vcenter/vm/vm-2", "{\"name\":\"w\"}", 400, NULL);
	admin_call("PATCH", "/api/vcenter/vm/vm-99", "{\"owner\":null}", 404, NULL);
	admin_call("GET",
		   "/api/vcenter/vm",
		   NULL,
		   200,
		   "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"},"
		   "{\"vm\":\"vm-2\",\"name\":\"v\",\"owner\":\"alice\"}]");
	admin_call("PATCH", "/api/vcenter/vm/vm-2", "{\"owner\":null}", 204, "");
	admin_call("GET",
		   "/api/vcenter/vm",
		   NULL,
		   200,
		   "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"},{\"vm\":\"vm-2\",\"name\":\"v\"}]");
	/* a clone has its source's owner unless told, an import none */
	admin_call("PATCH", "/api/vcenter/vm/vm-2", "{\"owner\":\"carol\"}", 204, "");
	admin_call("POST",
		   "/api/vcenter/vm?action=clone",
		   "{\"source\":\"vm-2\",\"name\":\"c1\"}",
		   201,
		   "\"vm-3\"");
	admin_call("POST",
		   "/api/vcenter/vm?action=clone",
		   "{\"source\":\"vm-2\",\"name\":\"c2\",\"owner\":null}",
		   201,
		   "\"vm-4\"");
	admin_call("GET",
		   "/api/vcenter/vm",
		   NULL,
		   200,
		   "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"},"
		   "{\"vm\":\"vm-2\",\"name\":\"v\",\"owner\":\"carol\"},"
		   "{\"vm\":\"vm-3\",\"name\":\"c1\",\"owner\":\"carol\"},"
		   "{\"vm\":\"vm-4\",\"name\":\"c2\"}]");
}
END_TEST

/*
 * A state directory from before users (admin-password and VMs, no
 * users.db): admin logs in with its password file as ever and is an
 * administrator; the VMs, which have no owner, are the administrators'.
 */
START_TEST(test_users_existing_install)
{
	g_autofree gchar *users_db = NULL;
	g_autofree gchar *ini = NULL;
	g_autofree gchar *ini_text = NULL;
	g_autofree gchar *alice = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	const gchar *suffixes[] = {"", "-wal", "-shm"};
	GStatBuf st;

	admin_call("POST", "/api/vcenter/vm", "{\"name\":\"old\"}", 201, "\"vm-2\"");
	vmds_e2e_create_dataset(e2e, "vm-2", "old-ds", "READ_WRITE", "READ_WRITE");
	vmds_e2e_stop(e2e);
	users_db = g_build_filename(vmds_e2e_get_state_dir(e2e), "users.db", NULL);
	for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree gchar *path = g_strconcat(users_db, suffixes[i], NULL);
		g_unlink(path);
	}
	ini = g_build_filename(vmds_e2e_get_state_dir(e2e), "vms", "vm-2", "vm.ini", NULL);
	ck_assert(g_file_get_contents(ini, &ini_text, NULL, NULL));
	ck_assert_ptr_null(strstr(ini_text, "owner"));

	vmds_e2e_start(e2e);
	/* the fixture logs in as admin with <state-dir>/admin-password */
	admin_call("GET",
		   USERS,
		   NULL,
		   200,
		   "[{\"user\":\"admin\",\"role\":\"administrator\",\"vcenter_metadata\":true,"
		   "\"built_in\":true}]");
	admin_call("GET",
		   "/api/vcenter/vm",
		   NULL,
		   200,
		   "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"},{\"vm\":\"vm-2\",\"name\":\"old\"}]");
	admin_call("GET", "/api/vcenter/vm/vm-2/data-sets", NULL, 200, NULL);
	ck_assert_int_eq(g_stat(users_db, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* a user added now sees none of the VMs from before */
	add_user("alice", "alice-password", "user");
	alice = login("alice", "alice-password");
	reply = call_as(alice, "GET", "/api/vcenter/vm", NULL);
	assert_reply(reply, 200, "[]", "alice on an old install");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	/* users and owners survive a restart */
	admin_call("PATCH", "/api/vcenter/vm/vm-2", "{\"owner\":\"alice\"}", 204, "");
	vmds_e2e_restart(e2e);
	g_free(alice);
	alice = login("alice", "alice-password");
	reply = call_as(alice, "GET", "/api/vcenter/vm", NULL);
	assert_reply(reply,
		     200,
		     "[{\"vm\":\"vm-2\",\"name\":\"old\",\"owner\":\"alice\"}]",
		     "alice after a restart");
	g_clear_pointer(&reply, vmds_e2e_reply_free);

	/* a hash an older vmds made with other Argon2id parameters (t=1, 8 MiB;
	 * libargon2's argon2id_hash_encoded() of "alice-password" with the salt
	 * "an-old-salt-1234") logs in, and is made again with today's */
	vmds_e2e_stop(e2e);
	{
		g_autofree gchar *script = g_strdup_printf(
		    "sqlite3 '%s' \"UPDATE users SET password = "
		    "'\\$argon2id\\$v=19\\$m=8192,t=1,p=1\\$YW4tb2xkLXNhbHQtMTIzNA\\$"
		    "K8CBuM7qByVDuveXfKf23/bevqj98egEMTNuv4q+4C4' WHERE name = 'alice'\"",
		    users_db);
		g_autoptr(VmdsE2eRun) run = vmds_e2e_shell(e2e, script);
		ck_assert_msg(run->status == 0, "%s", run->err);
	}
	vmds_e2e_start(e2e);
	g_free(alice);
	alice = login("alice", "alice-password");
	reply = call_as(alice, "GET", "/api/vcenter/vm", NULL);
	ck_assert_uint_eq(reply->status, 200);
	/* a clean stop runs what the logins left for the main thread */
	vmds_e2e_stop(e2e);
	{
		g_autofree gchar *script = g_strdup_printf(
		    "sqlite3 '%s' \"SELECT password FROM users WHERE name = 'alice'\"", users_db);
		g_autoptr(VmdsE2eRun) run = vmds_e2e_shell(e2e, script);
		ck_assert_msg(run->status == 0, "%s", run->err);
		ck_assert_msg(g_str_has_prefix(run->out, "$argon2id$v=19$m=19456,t=2,p=1$"),
			      "alice's hash after her login: %s",
			      run->out);
	}
	vmds_e2e_start(e2e);
	g_free(alice);
	alice = login("alice", "alice-password");
}
END_TEST

/* `vmds @args` with @env and @input */
static VmdsE2eRun *
cli(const gchar *const *env, const gchar *input, const gchar *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	g_ptr_array_add(argv, (gpointer)vmds_e2e_getenv("VMDS_CLI"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	return vmds_e2e_run(
	    e2e, (const gchar *const *)argv->pdata, env, input, input != NULL ? strlen(input) : 0);
}

#define CLI(env, input, ...) cli((env), (input), (const gchar *const[]){__VA_ARGS__, NULL})

/* `vmds user` and owners from the command line: as root on the unix socket
 * (an administrator), and as alice (--user, her password from a file) over
 * the socket and TCP */
START_TEST(test_users_cli)
{
	g_autofree gchar *socket = g_build_filename(vmds_e2e_get_run_dir(e2e), "api.sock", NULL);
	g_autofree gchar *unix_url = g_strdup_printf("VMDS_URL=unix:%s", socket);
	g_autofree gchar *password_file =
	    vmds_e2e_write_file(e2e, "alice.password", "alice-password\n", 15);
	g_autofree gchar *password_env = g_strdup_printf("VMDS_PASSWORD_FILE=%s", password_file);
	const gchar *const root[] = {unix_url, NULL};
	const gchar *const alice_unix[] = {unix_url, password_env, NULL};
	const gchar *const alice_tcp[] = {password_env, NULL};
	g_autoptr(VmdsE2eRun) run = NULL;

	/* the password from standard input, never the command line */
	run = CLI(root, "alice-password\n", "user", "add", "alice");
	vmds_e2e_assert_run(run, 0, "alice\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root,
		  "bob-password",
		  "user",
		  "add",
		  "bob",
		  "--role",
		  "administrator",
		  "--vcenter-metadata");
	vmds_e2e_assert_run(run, 0, "bob\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, "short\n", "user", "add", "carol");
	ck_assert_int_eq(run->status, 1);
	ck_assert_msg(strstr(run->err, "8 to 1024 bytes") != NULL, "[%s]", run->err);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, "", "user", "add", "carol");
	ck_assert_int_eq(run->status, 1);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, NULL, "user", "add", "carol", "--role", "root");
	ck_assert_int_eq(run->status, 2);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, NULL, "user", "ls");
	vmds_e2e_assert_run(run,
			    0,
			    "USER   ROLE           VCENTER-METADATA\n"
			    "admin  administrator  true\n"
			    "alice  user           false\n"
			    "bob    administrator  true\n",
			    "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, NULL, "user", "set", "bob", "--role", "user", "--vcenter-metadata=false");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, NULL, "user", "info", "bob");
	vmds_e2e_assert_run(
	    run, 0, "name: bob\nrole: user\nvcenter_metadata: false\nbuilt_in: false\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);

	/* alice logs in with --user, on the socket and over TCP */
	run = CLI(alice_unix, NULL, "--user", "alice", "vm", "create", "alice-vm");
	vmds_e2e_assert_run(run, 0, "vm-2\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(alice_tcp, NULL, "--user", "alice", "vm", "ls");
	vmds_e2e_assert_run(run, 0, "VM    NAME\nvm-2  alice-vm\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(alice_unix, NULL, "--user", "alice", "vm", "info", "vm-1");
	ck_assert_int_eq(run->status, 1);
	ck_assert_msg(strstr(run->err, "no VM 'vm-1' (NOT_FOUND)") != NULL, "[%s]", run->err);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(alice_unix, NULL, "--user", "alice", "user", "ls");
	ck_assert_int_eq(run->status, 1);
	ck_assert_msg(strstr(run->err, "UNAUTHORIZED") != NULL, "[%s]", run->err);
	g_clear_pointer(&run, vmds_e2e_run_free);
	/* a wrong password */
	{
		g_autofree gchar *wrong = vmds_e2e_write_file(e2e, "wrong", "nope-nope\n", 10);
		g_autofree gchar *wrong_env = g_strdup_printf("VMDS_PASSWORD_FILE=%s", wrong);
		const gchar *const env[] = {unix_url, wrong_env, NULL};
		run = CLI(env, NULL, "--user", "alice", "vm", "ls");
		ck_assert_int_eq(run->status, 1);
		ck_assert_msg(strstr(run->err, "UNAUTHENTICATED") != NULL, "[%s]", run->err);
		ck_assert_ptr_null(strstr(run->err, "nope-nope"));
		g_clear_pointer(&run, vmds_e2e_run_free);
	}

	/* root (the socket) sees both; owners given and changed */
	run = CLI(root, NULL, "vm", "create", "for-bob", "--owner", "bob");
	vmds_e2e_assert_run(run, 0, "vm-3\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, NULL, "vm", "info", "vm-3");
	ck_assert_int_eq(run->status, 0);
	ck_assert_msg(strstr(run->out, "owner: bob\n") != NULL, "[%s]", run->out);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, NULL, "vm", "set", "vm-3", "--owner", "alice");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(alice_unix, NULL, "--user", "alice", "vm", "ls");
	vmds_e2e_assert_run(run, 0, "VM    NAME\nvm-2  alice-vm\nvm-3  for-bob\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	/* only administrators change owners */
	run = CLI(alice_unix, NULL, "--user", "alice", "vm", "set", "vm-3", "--owner", "bob");
	ck_assert_int_eq(run->status, 1);
	ck_assert_msg(strstr(run->err, "UNAUTHORIZED") != NULL, "[%s]", run->err);
	g_clear_pointer(&run, vmds_e2e_run_free);

	/* a new password: the old file no longer logs in */
	run = CLI(root, "alice-password-2\n", "user", "passwd", "alice");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(alice_unix, NULL, "--user", "alice", "vm", "ls");
	ck_assert_int_eq(run->status, 1);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, "new-password\n", "user", "passwd", "admin");
	ck_assert_int_eq(run->status, 1);
	ck_assert_msg(strstr(run->err, "password file") != NULL, "[%s]", run->err);
	g_clear_pointer(&run, vmds_e2e_run_free);

	/* a user who owns VMs is not removed */
	run = CLI(root, NULL, "user", "rm", "alice");
	ck_assert_int_eq(run->status, 1);
	ck_assert_msg(strstr(run->err, "RESOURCE_IN_USE") != NULL, "[%s]", run->err);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, NULL, "vm", "set", "vm-2", "--owner", "");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, NULL, "vm", "rm", "vm-3");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, NULL, "user", "rm", "alice");
	vmds_e2e_assert_run(run, 0, "", "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = CLI(root, NULL, "--json", "user", "ls");
	vmds_e2e_assert_run(run,
			    0,
			    "[{\"user\":\"admin\",\"role\":\"administrator\",\"vcenter_metadata\":"
			    "true,\"built_in\":true},{\"user\":\"bob\",\"role\":\"user\","
			    "\"vcenter_metadata\":false,\"built_in\":false}]\n",
			    "");
}
END_TEST

static Suite *
test_users_suite(void)
{
	Suite *s = suite_create("e2e-users");
	TCase *tc = tcase_create("users");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_users_isolation);
	tcase_add_test(tc, test_users_admin_only);
	tcase_add_test(tc, test_users_login_refused);
	tcase_add_test(tc, test_users_sessions);
	tcase_add_test(tc, test_users_validation);
	tcase_add_test(tc, test_users_existing_install);
	tcase_add_test(tc, test_users_cli);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_users_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

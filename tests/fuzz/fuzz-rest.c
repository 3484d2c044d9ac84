/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "fuzz-common.h"
#include "vmds-daemon.h"
#include "vmds-guestinfo.h"
#include "vmds-ovf-env-reader.h"
#include "vmds-ovf-iso.h"
#include "vmds-router.h"
#include "vmds-vapp-plugin.h"
#include "vmds-vm-plugin.h"

/*
 * REST request handling behind libsoup: the input is
 *
 *   METHOD \n REQUEST-TARGET \n BODY
 *
 * (the body is everything after the second newline and may hold anything).
 * The request-target is split at its first `?` into the raw path and the raw
 * query; the path is percent-decoded as libsoup does before routing
 * (g_uri_unescape_string(); where that fails libsoup answers 400 itself, so
 * the input is skipped). Then vmds_router_handle() runs with the built-in VM
 * routes and those of the DataSets, guestinfo and vApp plugins, in the
 * daemon's order, over a real VmdsDaemon set up in a temp dir with REST off
 * (its inventory and backchannels; no TCP, no vsock). Sessions
 * (/api/session) live in vmds-http.c and are not reached.
 *
 * Oracles (management-api.md, rest-api.md): the status is one the spec
 * lists and never 500 (the store cannot fail here); 204 has an empty body;
 * a body of another type than JSON comes only from the three routes that
 * have one, with a 200: an export, the OVF environment (application/xml,
 * which the guest's reader accepts) and its ISO image (which holds an
 * environment, and is byte for byte the VM's ovf-env.iso); any other body
 * is one JSON value in valid UTF-8; a failure is {"error_type","messages":
 * [{"id","default_message","args"}]} whose error_type belongs to the status;
 * a 201 body is a JSON string, or the key (an integer) of a vApp property.
 * After an input that changed vm-1's store, what it stored reads back
 * under the same oracles: its data sets (valid UTF-8), its guestinfo
 * variables and settings, its vApp settings and properties, and when those
 * changed its environment and ISO image (a 404 of the image: no ovf-env.iso
 * left behind).
 *
 * After each input the state goes back to the start: VM vm-1 alone (the
 * daemon is rebuilt when vm-1 was deleted), its snapshots deleted, holding
 * the fixtures of fuzz-common.c, guestinfo variables of the host and of the
 * guest with the default settings, and vApp disabled (which deletes every
 * property) and then enabled by the import of a descriptor with a property
 * of each type family and both transports. Only the numbers of the next VM
 * and snapshot ids carry over.
 */

/* the plugins the daemon loads, in its order: its plugin-dir lists their
 * directories so */
static const gchar *const vmds_fuzz_plugin_paths[] = {
    VMDS_FUZZ_DATASETS_PLUGIN,
    VMDS_FUZZ_GUESTINFO_PLUGIN,
    VMDS_FUZZ_VAPP_PLUGIN,
};

static VmdsDaemon *vmds_fuzz_daemon;
static GPtrArray *vmds_fuzz_plugins; /* the built-in VM plugin, then those above */
static VmdsRouter *vmds_fuzz_router;
static gchar *vmds_fuzz_tmp;
static gint64 vmds_fuzz_changes;
static gchar *vmds_fuzz_guestcfg_fixture; /* vmds_fuzz_guestcfg_text() of the fixtures */

static const struct {
	guint status;
	const gchar *error_types[7];
} vmds_fuzz_statuses[] = {
    {400,
     {"INVALID_ARGUMENT",
      "ALREADY_EXISTS",
      "RESOURCE_IN_USE",
      "UNABLE_TO_ALLOCATE_RESOURCE",
      "NOT_ALLOWED_IN_CURRENT_STATE",
      "UNSUPPORTED"}},
    {401, {"UNAUTHENTICATED"}},
    {403, {"UNAUTHORIZED"}},
    {404, {"NOT_FOUND"}},
};

#define VMDS_FUZZ_VM1 "/api/vcenter/vm/vm-1"

/* vm-1's vApp fixture: enabled, both transports, a property of each type
 * family (string, password, int, choice, boolean, ip, real) and one of a
 * type the API cannot assign; keys 0 to 7 */
static const gchar vmds_fuzz_vapp_fixture[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" "
    "xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" "
    "xmlns:vmw=\"http://www.vmware.com/schema/ovf\">\n"
    "<References/>\n"
    "<VirtualSystem ovf:id=\"vm\"><Info>A virtual machine</Info>\n"
    "<ProductSection><Info>Properties</Info>\n"
    "<Property ovf:key=\"hostname\" ovf:type=\"string\" "
    "ovf:qualifiers=\"MinLen(1),MaxLen(63)\" ovf:value=\"web-1\"/>\n"
    "<Property ovf:key=\"root_password\" ovf:type=\"string\" ovf:password=\"true\" "
    "ovf:value=\"s3cret\"/>\n"
    "<Property ovf:key=\"port\" ovf:type=\"uint16\" "
    "ovf:qualifiers=\"MinValue(1),MaxValue(65535)\" ovf:value=\"8080\"/>\n"
    "<Property ovf:key=\"mode\" ovf:type=\"string\" "
    "ovf:qualifiers=\"ValueMap{&quot;a&quot;,&quot;b&quot;}\" ovf:value=\"a\"/>\n"
    "</ProductSection>\n"
    "<ProductSection ovf:class=\"vm\" ovf:instance=\"0\"><Info>More</Info>\n"
    "<Property ovf:key=\"ssh\" ovf:type=\"boolean\" ovf:value=\"true\"/>\n"
    "<Property ovf:key=\"ip\" ovf:type=\"string\" vmw:qualifiers=\"Ip\" "
    "ovf:value=\"192.0.2.1\"/>\n"
    "<Property ovf:key=\"ratio\" ovf:type=\"real64\" ovf:value=\"1.5\"/>\n"
    "<Property ovf:key=\"route\" ovf:type=\"expression\" "
    "ovf:value=\"${gateway:VM Network}\"/>\n"
    "</ProductSection>\n"
    "<VirtualHardwareSection ovf:transport=\"com.vmware.guestInfo iso\">"
    "<Info>Virtual hardware requirements</Info></VirtualHardwareSection>\n"
    "</VirtualSystem>\n"
    "</Envelope>\n";

static VmdsVm *
vmds_fuzz_vm1(void)
{
	return vmds_context_lookup_vm(VMDS_CONTEXT(vmds_fuzz_daemon), "vm-1");
}

static VmdsStore *
vmds_fuzz_vm1_store(void)
{
	VmdsVm *vm = vmds_fuzz_vm1();
	return vm != NULL ? vm->store : NULL;
}

/* the VM that @path (as sent) names when it is /api/vcenter/vm/{vm}/vapp/@leaf
 * (one trailing slash or not, as the router matches it), else NULL;
 * @routed: set when @path is that route, VM or not */
static VmdsVm *
vmds_fuzz_vapp_route(const gchar *path, const gchar *leaf, gboolean *routed)
{
	const gchar *prefix = "/api/vcenter/vm/";
	g_autofree gchar *tail = g_strconcat("/vapp/", leaf, NULL);
	g_autofree gchar *id = NULL;
	const gchar *slash;
	const gchar *rest;

	*routed = FALSE;
	if (!g_str_has_prefix(path, prefix))
		return NULL;
	slash = strchr(path + strlen(prefix), '/');
	if (slash == NULL || slash == path + strlen(prefix) || !g_str_has_prefix(slash, tail))
		return NULL;
	rest = slash + strlen(tail);
	if (rest[0] != '\0' && g_strcmp0(rest, "/") != 0)
		return NULL;
	*routed = TRUE;
	id = g_uri_unescape_segment(path + strlen(prefix), slash, NULL);
	return id != NULL ? vmds_context_lookup_vm(VMDS_CONTEXT(vmds_fuzz_daemon), id) : NULL;
}

static void
vmds_fuzz_check_env(GBytes *env, const gchar *what)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsOvfEnvReader) reader = vmds_ovf_env_reader_new(env, &error);

	VMDS_FUZZ_CHECK(
	    reader != NULL, "%s is no OVF environment a guest reads: %s", what, error->message);
}

/* an ISO image served for @vm: it holds an environment, and is what the
 * VM's ovf-env.iso holds */
static void
vmds_fuzz_check_iso(VmdsVm *vm, const gchar *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *served = g_build_filename(vmds_fuzz_tmp, "served.iso", NULL);
	g_autofree gchar *kept = NULL;
	g_autofree gchar *kept_data = NULL;
	g_autoptr(GBytes) env = NULL;
	gsize kept_len = 0;

	if (!g_file_set_contents(served, data, (gssize)len, &error))
		g_error("%s", error->message);
	env = vmds_ovf_iso_read_env(served, VMDS_OVF_ENV_READER_MAX_SIZE, &error);
	VMDS_FUZZ_CHECK(
	    env != NULL, "the ISO image served holds no environment: %s", error->message);
	vmds_fuzz_check_env(env, "the ISO image's ovf-env.xml");
	if (vm == NULL)
		return;
	kept = g_build_filename(vm->dir, VMDS_VAPP_ISO_NAME, NULL);
	VMDS_FUZZ_CHECK(g_file_get_contents(kept, &kept_data, &kept_len, NULL) && kept_len == len &&
			    memcmp(kept_data, data, len) == 0,
			"%s: the ISO image served is not what %s holds",
			vm->id,
			kept);
}

/* no image is served for @vm: none is kept either */
static void
vmds_fuzz_check_no_iso(VmdsVm *vm)
{
	g_autofree gchar *kept = g_build_filename(vm->dir, VMDS_VAPP_ISO_NAME, NULL);

	VMDS_FUZZ_CHECK(!g_file_test(kept, G_FILE_TEST_EXISTS),
			"%s: no ISO image is served, but %s is there",
			vm->id,
			kept);
}

static void
vmds_fuzz_rest_start(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GKeyFile) keyfile = g_key_file_new();
	g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *config = NULL;
	g_autofree gchar *plugin_dir = NULL;
	g_autofree gchar *state_dir = NULL;
	g_autofree gchar *run_dir = NULL;
	VmdsDaemonOptions options = {0};
	VmdsPlugin *vm_plugin;

	vmds_fuzz_tmp = vmds_fuzz_make_tmpdir();
	for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_plugin_paths); i++)
		g_ptr_array_add(dirs, g_path_get_dirname(vmds_fuzz_plugin_paths[i]));
	g_ptr_array_add(dirs, NULL);
	plugin_dir = g_strjoinv(":", (gchar **)dirs->pdata);
	/* REST off: the router is driven directly */
	config = g_strdup_printf("[daemon]\nplugin-dir=%s\n[http]\nlisten=\n", plugin_dir);
	config_path = g_build_filename(vmds_fuzz_tmp, "vmds.conf", NULL);
	state_dir = g_build_filename(vmds_fuzz_tmp, "state", NULL);
	run_dir = g_build_filename(vmds_fuzz_tmp, "run", NULL);
	if (!g_file_set_contents(config_path, config, -1, &error) ||
	    !g_key_file_load_from_data(keyfile, config, -1, G_KEY_FILE_NONE, &error))
		g_error("%s", error->message);
	options.config_path = config_path;
	options.state_dir = state_dir;
	options.run_dir = run_dir;
	vmds_fuzz_daemon = vmds_daemon_new(&options);
	if (!vmds_daemon_setup(vmds_fuzz_daemon, &error))
		g_error("cannot set up the daemon: %s", error->message);
	/* the daemon's order: the built-in routes, then each plugin's */
	vmds_fuzz_plugins = g_ptr_array_new_with_free_func(g_object_unref);
	vm_plugin = vmds_vm_plugin_new();
	vmds_plugin_set_context(vm_plugin, VMDS_CONTEXT(vmds_fuzz_daemon));
	if (!vmds_plugin_startup(vm_plugin, &error))
		g_error("cannot start the vm plugin: %s", error->message);
	g_ptr_array_add(vmds_fuzz_plugins, vm_plugin);
	for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_plugin_paths); i++)
		g_ptr_array_add(vmds_fuzz_plugins,
				vmds_fuzz_load_plugin(vmds_fuzz_plugin_paths[i],
						      VMDS_CONTEXT(vmds_fuzz_daemon),
						      keyfile));
	vmds_fuzz_router = vmds_router_new(VMDS_CONTEXT(vmds_fuzz_daemon));
	for (guint i = 0; i < vmds_fuzz_plugins->len; i++)
		vmds_router_add_routes(
		    vmds_fuzz_router,
		    vmds_plugin_get_routes(g_ptr_array_index(vmds_fuzz_plugins, i)));
	if (vmds_fuzz_vm1_store() == NULL)
		g_error("the daemon did not create vm-1");
}

static void
vmds_fuzz_rest_stop(void)
{
	g_clear_pointer(&vmds_fuzz_router, vmds_router_free);
	if (vmds_fuzz_plugins != NULL) {
		for (guint i = 0; i < vmds_fuzz_plugins->len; i++)
			vmds_plugin_shutdown(g_ptr_array_index(vmds_fuzz_plugins, i));
	}
	g_clear_pointer(&vmds_fuzz_plugins, g_ptr_array_unref);
	g_clear_object(&vmds_fuzz_daemon);
	g_clear_pointer(&vmds_fuzz_guestcfg_fixture, g_free);
	if (vmds_fuzz_tmp != NULL)
		vmds_test_rm_rf(vmds_fuzz_tmp);
	g_clear_pointer(&vmds_fuzz_tmp, g_free);
}

static void
vmds_fuzz_check_error_body(guint status, JsonNode *root, const gchar *body)
{
	JsonObject *obj;
	JsonNode *type;
	JsonArray *messages;
	JsonObject *message;
	gboolean known = FALSE;

	VMDS_FUZZ_CHECK(JSON_NODE_HOLDS_OBJECT(root), "%u: error body is not an object", status);
	obj = json_node_get_object(root);
	type = json_object_get_member(obj, "error_type");
	VMDS_FUZZ_CHECK(type != NULL && JSON_NODE_HOLDS_VALUE(type) &&
			    json_node_get_value_type(type) == G_TYPE_STRING,
			"%u: no error_type: %.400s",
			status,
			body);
	for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_statuses); i++) {
		if (vmds_fuzz_statuses[i].status != status)
			continue;
		for (guint j = 0; vmds_fuzz_statuses[i].error_types[j] != NULL; j++)
			known |= g_strcmp0(json_node_get_string(type),
					   vmds_fuzz_statuses[i].error_types[j]) == 0;
	}
	VMDS_FUZZ_CHECK(known, "%u with error_type %s", status, json_node_get_string(type));
	VMDS_FUZZ_CHECK(json_object_has_member(obj, "messages") &&
			    JSON_NODE_HOLDS_ARRAY(json_object_get_member(obj, "messages")),
			"%u: no messages array",
			status);
	messages = json_object_get_array_member(obj, "messages");
	VMDS_FUZZ_CHECK(json_array_get_length(messages) == 1 &&
			    JSON_NODE_HOLDS_OBJECT(json_array_get_element(messages, 0)),
			"%u: messages is not one object",
			status);
	message = json_array_get_object_element(messages, 0);
	VMDS_FUZZ_CHECK(
	    json_object_has_member(message, "id") &&
		json_object_has_member(message, "default_message") &&
		json_object_has_member(message, "args") &&
		JSON_NODE_HOLDS_VALUE(json_object_get_member(message, "id")) &&
		g_str_has_prefix(json_object_get_string_member_with_default(message, "id", ""),
				 "vmds.") &&
		JSON_NODE_HOLDS_VALUE(json_object_get_member(message, "default_message")) &&
		JSON_NODE_HOLDS_ARRAY(json_object_get_member(message, "args")),
	    "%u: message is not {id,default_message,args}: %.400s",
	    status,
	    body);
}

/*
 * @method @path?@query with @body through the router, and its reply through
 * every oracle; @path is as sent (percent-encoded). Returns the status; the
 * body is appended to @out (nullable).
 */
static guint
vmds_fuzz_rest_call(const gchar *method,
		    const gchar *path,
		    const gchar *query,
		    const gchar *body,
		    gsize body_len,
		    GString *out)
{
	g_autoptr(GString) response = g_string_new(NULL);
	g_autoptr(JsonNode) root = NULL;
	VmdsStream stream = {0};
	VmdsRouterLater later = {0};
	gboolean done = FALSE;
	gboolean env_route = FALSE;
	gboolean iso_route = FALSE;
	gboolean properties_route = FALSE;
	const gchar *content_type;
	VmdsVm *iso_vm;
	guint status;

	status = vmds_router_handle(
	    vmds_fuzz_router, method, path, query, body, body_len, -1, response, &stream, &later);
	VMDS_FUZZ_CHECK(later.deferred == NULL, "%s %s: no route defers its reply", method, path);
	/* a body sent a part at a time is checked whole */
	while (stream.func != NULL && !done) {
		g_autoptr(GString) part = g_string_new(NULL);
		g_autoptr(GError) error = NULL;
		gboolean ok = stream.func(stream.data, part, &done, &error);
		VMDS_FUZZ_CHECK(ok,
				"%s %s: the body failed after its start: %s",
				method,
				path,
				error != NULL ? error->message : "no error set");
		g_string_append_len(response, part->str, part->len);
	}
	/* a body that is not JSON says so */
	content_type = stream.content_type;
	vmds_stream_clear(&stream);
	vmds_fuzz_vapp_route(path, "environment", &env_route);
	iso_vm = vmds_fuzz_vapp_route(path, "iso", &iso_route);
	vmds_fuzz_vapp_route(path, "properties", &properties_route);
	if (g_getenv("VMDS_FUZZ_VERBOSE") != NULL)
		g_printerr("%s %s: %u %.300s\n", method, path, status, response->str);

	VMDS_FUZZ_CHECK(status == 200 || status == 201 || status == 204 || status == 400 ||
			    status == 401 || status == 403 || status == 404,
			"%s %s: status %u: %.400s",
			method,
			path,
			status,
			response->str);
	if (status == 204) {
		VMDS_FUZZ_CHECK(response->len == 0, "204 with a body: %.400s", response->str);
	} else if (content_type != NULL) {
		/* exactly three routes answer something else than JSON */
		g_autoptr(GBytes) bytes = g_bytes_new(response->str, response->len);
		VMDS_FUZZ_CHECK(status == 200, "%u: a body of type %s", status, content_type);
		if (g_strcmp0(content_type, "application/xml") == 0) {
			VMDS_FUZZ_CHECK(
			    env_route, "%s %s: a body of type %s", method, path, content_type);
			vmds_fuzz_check_env(bytes, "GET .../vapp/environment");
		} else if (g_strcmp0(content_type, "application/x-iso9660-image") == 0) {
			VMDS_FUZZ_CHECK(
			    iso_route, "%s %s: a body of type %s", method, path, content_type);
			vmds_fuzz_check_iso(iso_vm, response->str, response->len);
		} else {
			VMDS_FUZZ_CHECK(g_strcmp0(content_type, VMDS_EXPORT_CONTENT_TYPE) == 0 &&
					    !env_route && !iso_route,
					"%s %s: a body of type %s",
					method,
					path,
					content_type);
		}
	} else if (status >= 400 && !g_utf8_validate(response->str, (gssize)response->len, NULL) &&
		   vmds_fuzz_skip_known("utf8-echo")) {
		/* known: an error message echoes invalid UTF-8 */
	} else {
		VMDS_FUZZ_CHECK(g_utf8_validate(response->str, (gssize)response->len, NULL),
				"%u: body is not UTF-8",
				status);
		VMDS_FUZZ_CHECK(vmds_fuzz_json_valid(response->str, response->len, &root),
				"%s %s: %u: body is not JSON: %.400s",
				method,
				path,
				status,
				response->str);
		VMDS_FUZZ_CHECK(status != 200 || (!env_route && !iso_route) ||
				    g_strcmp0(method, "GET") != 0,
				"%s %s: 200 with JSON",
				method,
				path);
		if (status >= 400) {
			vmds_fuzz_check_error_body(status, root, response->str);
		} else if (status == 201 && properties_route) {
			/* a vApp property's key */
			VMDS_FUZZ_CHECK(
			    JSON_NODE_HOLDS_VALUE(root) &&
				json_node_get_value_type(root) == G_TYPE_INT64 &&
				json_node_get_int(root) >= 0 &&
				json_node_get_int(root) <= G_MAXINT32,
			    "201 of a vApp property with a body that is not a key: %.400s",
			    response->str);
		} else if (status == 201) {
			VMDS_FUZZ_CHECK(JSON_NODE_HOLDS_VALUE(root) &&
					    json_node_get_value_type(root) == G_TYPE_STRING,
					"201 with a body that is not a JSON string: %.400s",
					response->str);
		}
	}
	if (status == 404 && iso_vm != NULL)
		vmds_fuzz_check_no_iso(iso_vm);
	if (out != NULL)
		g_string_append_len(out, response->str, (gssize)response->len);
	return status;
}

/* a request of the reset, which must do what it says */
static void
vmds_fuzz_rest_expect(
    const gchar *method, const gchar *path, const gchar *query, const gchar *body, guint status)
{
	guint got = vmds_fuzz_rest_call(method, path, query, body, strlen(body), NULL);

	if (got != status)
		g_error("%s %s: %u, expected %u", method, path, got, status);
}

/* vm-1's guestinfo variables and settings, vApp settings and properties,
 * read under the oracles: what tells its guestinfo and vApp state (the
 * environment is the variable ovfEnv while the fixture's transports are on) */
static gchar *
vmds_fuzz_guestcfg_text(void)
{
	static const gchar *const reads[] = {
	    VMDS_FUZZ_VM1 "/guest-info",
	    VMDS_FUZZ_VM1 "/guest-info-settings",
	    VMDS_FUZZ_VM1 "/vapp",
	    VMDS_FUZZ_VM1 "/vapp/properties",
	};
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(reads); i++) {
		guint status = vmds_fuzz_rest_call("GET", reads[i], NULL, "", 0, text);
		VMDS_FUZZ_CHECK(status == 200, "GET %s after the input: %u", reads[i], status);
		g_string_append_c(text, '\n');
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/* the environment and its ISO image read under the oracles */
static void
vmds_fuzz_guestcfg_read_env(void)
{
	static const gchar *const reads[] = {
	    VMDS_FUZZ_VM1 "/vapp/environment",
	    VMDS_FUZZ_VM1 "/vapp/iso",
	};

	for (guint i = 0; i < G_N_ELEMENTS(reads); i++) {
		guint status = vmds_fuzz_rest_call("GET", reads[i], NULL, "", 0, NULL);
		VMDS_FUZZ_CHECK(
		    status == 200 || status == 404, "GET %s after the input: %u", reads[i], status);
	}
}

/*
 * vm-1's guestinfo and vApp fixtures: every variable deleted and the
 * default settings; vApp disabled through its route (every property, the
 * environment, its variable and ISO image go) and enabled by the import of
 * vmds_fuzz_vapp_fixture; then a variable of the host and one of the guest
 */
static void
vmds_fuzz_guestcfg_reset(VmdsStore *store)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) names = vmds_guestinfo_list(store, &error);
	VmdsGuestinfoSettings settings = {.guest_writes = TRUE, .guest_size_limit = -1};

	if (names == NULL)
		g_error("cannot list the guestinfo variables: %s", error->message);
	for (guint i = 0; i < names->len; i++) {
		if (!vmds_guestinfo_remove(store, g_ptr_array_index(names, i), &error))
			g_error("cannot remove a guestinfo variable: %s", error->message);
	}
	if (!vmds_guestinfo_set_settings(store, &settings, &error))
		g_error("cannot reset the guestinfo settings: %s", error->message);
	vmds_fuzz_rest_expect("PATCH", VMDS_FUZZ_VM1 "/vapp", NULL, "{\"enabled\":false}", 204);
	vmds_fuzz_rest_expect(
	    "POST", VMDS_FUZZ_VM1 "/vapp", "action=import", vmds_fuzz_vapp_fixture, 200);
	if (!vmds_guestinfo_set(store, "hostname", "web-01", FALSE, 0, &error) ||
	    !vmds_guestinfo_set(store,
				"guest.note",
				"set by the guest",
				TRUE,
				VMDS_GUESTINFO_DEFAULT_SIZE_LIMIT,
				&error))
		g_error("cannot set the guestinfo fixtures: %s", error->message);
}

/*
 * vm-1 as at the start; @check: what the input stored is checked first. The
 * guestinfo and vApp fixtures are made again only when an input changed
 * them (their text differs), as making the environment's ISO image costs.
 */
static void
vmds_fuzz_rest_reset(gboolean check)
{
	VmdsStore *store = vmds_fuzz_vm1_store();
	g_autofree gchar *text = NULL;

	if (check) {
		vmds_fuzz_store_check(store);
		text = vmds_fuzz_guestcfg_text();
	}
	if (!check || g_strcmp0(text, vmds_fuzz_guestcfg_fixture) != 0) {
		if (check)
			vmds_fuzz_guestcfg_read_env();
		vmds_fuzz_guestcfg_reset(store);
		g_free(vmds_fuzz_guestcfg_fixture);
		vmds_fuzz_guestcfg_fixture = vmds_fuzz_guestcfg_text();
	}
	vmds_fuzz_store_reset(store);
	vmds_fuzz_changes = vmds_fuzz_store_changes(store);
}

static void
vmds_fuzz_cleanup_cb(void)
{
	vmds_fuzz_rest_stop();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	vmds_fuzz_init_logging();
	/* the daemon takes its plugins from the config file's plugin-dir */
	g_unsetenv("VMDS_PLUGINDIR");
	g_unsetenv("VMDS_STATE_DIR");
	g_unsetenv("VMDS_RUN_DIR");
	g_unsetenv("NOTIFY_SOCKET");
	vmds_fuzz_rest_start();
	vmds_fuzz_rest_reset(FALSE);
	atexit(vmds_fuzz_cleanup_cb);
	return 0;
}

/* back to vm-1 alone, holding the fixtures */
static void
vmds_fuzz_rest_restore(void)
{
	VmdsContext *context = VMDS_CONTEXT(vmds_fuzz_daemon);
	g_autoptr(GPtrArray) vms = vmds_context_list_vms(context);
	VmdsVm *vm1 = vmds_fuzz_vm1();

	if (vm1 == NULL) {
		vmds_fuzz_rest_stop();
		vmds_fuzz_rest_start();
		vmds_fuzz_rest_reset(FALSE);
		return;
	}
	for (guint i = 0; i < vms->len; i++) {
		VmdsVm *vm = g_ptr_array_index(vms, i);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *id = g_strdup(vm->id);
		if (g_strcmp0(id, "vm-1") != 0 && !vmds_context_remove_vm(context, id, &error))
			g_error("cannot remove %s: %s", id, error->message);
	}
	/* snapshots an input took; a revert to one gave vm-1 a new store */
	while (vm1->snapshots->len > 0) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *id =
		    g_strdup(((VmdsSnapshot *)g_ptr_array_index(vm1->snapshots, 0))->id);
		if (!vmds_context_remove_snapshot(context, vm1, id, &error))
			g_error("cannot remove %s: %s", id, error->message);
	}
	if (vmds_fuzz_store_changes(vmds_fuzz_vm1_store()) != vmds_fuzz_changes)
		vmds_fuzz_rest_reset(TRUE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const gchar *text = (const gchar *)data;
	const gchar *nl1 = memchr(text, '\n', size);
	const gchar *nl2;
	const gchar *question;
	g_autofree gchar *method = NULL;
	g_autofree gchar *raw_path = NULL;
	g_autofree gchar *query = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *body = NULL;
	gsize body_len;

	if (nl1 == NULL || nl1 == text)
		return 0;
	if (vmds_fuzz_skip_known("json-escape") && vmds_fuzz_has_bad_escape(data, size))
		return 0;
	nl2 = memchr(nl1 + 1, '\n', size - (gsize)(nl1 + 1 - text));
	if (nl2 == NULL)
		nl2 = text + size;
	method = g_strndup(text, (gsize)(nl1 - text));
	if (strlen(method) != (gsize)(nl1 - text) || memchr(nl1 + 1, '\0', nl2 - nl1 - 1) != NULL)
		return 0; /* not on an HTTP request line */
	question = memchr(nl1 + 1, '?', nl2 - nl1 - 1);
	raw_path = g_strndup(nl1 + 1, (gsize)((question != NULL ? question : nl2) - nl1 - 1));
	if (question != NULL)
		query = g_strndup(question + 1, (gsize)(nl2 - question - 1));
	if (raw_path[0] != '/')
		return 0; /* libsoup answers 400 */
	/* the daemon's server keeps paths as sent (raw-paths): the router
	 * decodes each segment itself */
	path = g_strdup(raw_path);
	if (query != NULL && vmds_fuzz_skip_known("query-500")) {
		g_autoptr(GHashTable) params =
		    g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL);
		if (params == NULL)
			return 0;
	}
	body_len = nl2 < text + size ? size - (gsize)(nl2 + 1 - text) : 0;
	body = g_malloc(body_len + 1);
	if (body_len > 0)
		memcpy(body, nl2 + 1, body_len);
	body[body_len] = '\0';

	vmds_fuzz_rest_call(method, path, query, body, body_len, NULL);
	vmds_fuzz_rest_restore();
	return 0;
}

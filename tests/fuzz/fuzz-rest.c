/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "fuzz-common.h"
#include "vmds-daemon.h"
#include "vmds-router.h"
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
 * routes and the DataSets routes, over a real VmdsDaemon set up in a temp dir
 * with REST off (its inventory and backchannels; no TCP, no vsock). Sessions
 * (/api/session) live in vmds-http.c and are not reached.
 *
 * Oracles (management-api.md): the status is one the spec lists and never
 * 500 (the store cannot fail here); 204 has an empty body; any other body is
 * one JSON value in valid UTF-8; a failure is {"error_type","messages":[{"id",
 * "default_message","args"}]} whose error_type belongs to the status; what
 * a request stored is valid UTF-8.
 *
 * After each input the state goes back to the start: VM vm-1 alone, holding
 * the fixtures of fuzz-common.c (the daemon is rebuilt when vm-1 was
 * deleted), its snapshots deleted. Only the numbers of the next VM and
 * snapshot ids carry over.
 */

static VmdsPlugin *vmds_fuzz_datasets_plugin;
static VmdsDaemon *vmds_fuzz_daemon;
static VmdsPlugin *vmds_fuzz_vm_plugin;
static VmdsRouter *vmds_fuzz_router;
static gchar *vmds_fuzz_tmp;
static gint64 vmds_fuzz_changes;

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

static VmdsStore *
vmds_fuzz_vm1_store(void)
{
	VmdsVm *vm = vmds_context_lookup_vm(VMDS_CONTEXT(vmds_fuzz_daemon), "vm-1");
	return vm != NULL ? vm->store : NULL;
}

static void
vmds_fuzz_rest_start(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *config = NULL;
	g_autofree gchar *plugin_dir = NULL;
	g_autofree gchar *state_dir = NULL;
	g_autofree gchar *run_dir = NULL;
	const gchar *plugin = g_getenv("VMDS_FUZZ_PLUGIN");
	VmdsDaemonOptions options = {0};

	vmds_fuzz_tmp = vmds_fuzz_make_tmpdir();
	plugin_dir = g_path_get_dirname(plugin != NULL ? plugin : VMDS_FUZZ_PLUGIN_PATH);
	/* REST off: the router is driven directly */
	config = g_strdup_printf("[daemon]\nplugin-dir=%s\n[http]\nlisten=\n", plugin_dir);
	config_path = g_build_filename(vmds_fuzz_tmp, "vmds.conf", NULL);
	state_dir = g_build_filename(vmds_fuzz_tmp, "state", NULL);
	run_dir = g_build_filename(vmds_fuzz_tmp, "run", NULL);
	if (!g_file_set_contents(config_path, config, -1, &error))
		g_error("%s", error->message);
	options.config_path = config_path;
	options.state_dir = state_dir;
	options.run_dir = run_dir;
	vmds_fuzz_daemon = vmds_daemon_new(&options);
	if (!vmds_daemon_setup(vmds_fuzz_daemon, &error))
		g_error("cannot set up the daemon: %s", error->message);
	vmds_fuzz_vm_plugin = vmds_vm_plugin_new();
	vmds_plugin_set_context(vmds_fuzz_vm_plugin, VMDS_CONTEXT(vmds_fuzz_daemon));
	if (!vmds_plugin_startup(vmds_fuzz_vm_plugin, &error))
		g_error("cannot start the vm plugin: %s", error->message);
	/* the daemon's order: built-in routes, then the plugins' */
	vmds_fuzz_router = vmds_router_new(VMDS_CONTEXT(vmds_fuzz_daemon));
	vmds_router_add_routes(vmds_fuzz_router, vmds_plugin_get_routes(vmds_fuzz_vm_plugin));
	vmds_router_add_routes(vmds_fuzz_router, vmds_plugin_get_routes(vmds_fuzz_datasets_plugin));
	if (vmds_fuzz_vm1_store() == NULL)
		g_error("the daemon did not create vm-1");
	vmds_fuzz_store_reset(vmds_fuzz_vm1_store());
	vmds_fuzz_changes = vmds_fuzz_store_changes(vmds_fuzz_vm1_store());
}

static void
vmds_fuzz_rest_stop(void)
{
	g_clear_pointer(&vmds_fuzz_router, vmds_router_free);
	g_clear_object(&vmds_fuzz_vm_plugin);
	g_clear_object(&vmds_fuzz_daemon);
	if (vmds_fuzz_tmp != NULL)
		vmds_test_rm_rf(vmds_fuzz_tmp);
	g_clear_pointer(&vmds_fuzz_tmp, g_free);
}

static void
vmds_fuzz_cleanup_cb(void)
{
	vmds_fuzz_rest_stop();
	g_clear_object(&vmds_fuzz_datasets_plugin);
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
	vmds_fuzz_datasets_plugin = vmds_fuzz_load_datasets_plugin();
	vmds_fuzz_rest_start();
	atexit(vmds_fuzz_cleanup_cb);
	return 0;
}

/* back to vm-1 alone, holding the fixtures */
static void
vmds_fuzz_rest_restore(void)
{
	VmdsContext *context = VMDS_CONTEXT(vmds_fuzz_daemon);
	g_autoptr(GPtrArray) vms = vmds_context_list_vms(context);
	VmdsStore *store;

	if (vmds_context_lookup_vm(context, "vm-1") == NULL) {
		vmds_fuzz_rest_stop();
		vmds_fuzz_rest_start();
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
	{
		VmdsVm *vm1 = vmds_context_lookup_vm(context, "vm-1");
		while (vm1->snapshots->len > 0) {
			g_autoptr(GError) error = NULL;
			g_autofree gchar *id =
			    g_strdup(((VmdsSnapshot *)g_ptr_array_index(vm1->snapshots, 0))->id);
			if (!vmds_context_remove_snapshot(context, vm1, id, &error))
				g_error("cannot remove %s: %s", id, error->message);
		}
	}
	store = vmds_fuzz_vm1_store();
	if (vmds_fuzz_store_changes(store) != vmds_fuzz_changes) {
		vmds_fuzz_store_check(store);
		vmds_fuzz_store_reset(store);
		vmds_fuzz_changes = vmds_fuzz_store_changes(store);
	}
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
	g_autoptr(GString) response = g_string_new(NULL);
	g_autoptr(JsonNode) root = NULL;
	VmdsStream stream = {0};
	VmdsRouterLater later = {0};
	gboolean done = FALSE;
	const gchar *content_type;
	gsize body_len;
	guint status;

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
	/* a body that is not JSON (an export) says so */
	content_type = stream.content_type;
	vmds_stream_clear(&stream);

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
		VMDS_FUZZ_CHECK(status == 200, "%u: a body of type %s", status, content_type);
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
		if (status >= 400)
			vmds_fuzz_check_error_body(status, root, response->str);
		else if (status == 201)
			VMDS_FUZZ_CHECK(JSON_NODE_HOLDS_VALUE(root) &&
					    json_node_get_value_type(root) == G_TYPE_STRING,
					"201 with a body that is not a JSON string: %.400s",
					response->str);
	}
	vmds_fuzz_rest_restore();
	return 0;
}

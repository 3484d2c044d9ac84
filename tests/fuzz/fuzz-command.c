/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "fuzz-common.h"

/*
 * The guest command parser: the input is a request payload, `name args`, as
 * the backchannel hands it to the daemon's dispatch (one trailing NUL
 * dropped, NUL-terminated). The daemon's dispatcher runs it in-process,
 * with the DataSets plugin's commands, against a store holding the
 * fixtures of fuzz-common.c, as a privileged caller of VM vm-1.
 * Oracles (guest-rpc.md §5): every reply is one JSON object in valid UTF-8
 * whose first member is "result"; a failure is exactly
 * {"result":false,"error-id","error-message"} with an error id of the spec's
 * table, and never storage-error (the store cannot fail here); what a
 * command stored is valid UTF-8.
 */

static VmdsPlugin *vmds_fuzz_plugin;
static VmdsDispatch *vmds_fuzz_dispatch;
static VmdsVm *vmds_fuzz_vm;
static VmdsStore *vmds_fuzz_store; /* vmds_fuzz_vm's */
static gint64 vmds_fuzz_changes;
static gchar *vmds_fuzz_tmp;

static const gchar *const vmds_fuzz_guest_error_ids[] = {
    "invalid-argument",
    "dataset-not-found",
    "key-not-found",
    "access-denied",
    "too-large",
    "quota-exceeded",
};

/* SQLite refuses to write to an unlinked store: remove it only at exit */
static void
vmds_fuzz_cleanup_cb(void)
{
	g_clear_pointer(&vmds_fuzz_vm, vmds_vm_unref);
	g_clear_pointer(&vmds_fuzz_dispatch, vmds_dispatch_free);
	g_clear_object(&vmds_fuzz_plugin);
	vmds_test_rm_rf(vmds_fuzz_tmp);
	g_clear_pointer(&vmds_fuzz_tmp, g_free);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_autofree gchar *path = NULL;
	g_autoptr(GError) error = NULL;

	vmds_fuzz_init_logging();
	vmds_fuzz_plugin = vmds_fuzz_load_plugin(VMDS_FUZZ_DATASETS_PLUGIN, NULL, NULL);
	vmds_fuzz_tmp = vmds_fuzz_make_tmpdir();
	atexit(vmds_fuzz_cleanup_cb);
	path = g_build_filename(vmds_fuzz_tmp, "vm-1", "vm-1.dsd", NULL);
	vmds_fuzz_dispatch = vmds_dispatch_new();
	vmds_dispatch_add_commands(vmds_fuzz_dispatch, vmds_fuzz_plugin);
	vmds_fuzz_vm = vmds_vm_new("vm-1");
	vmds_fuzz_vm->store =
	    vmds_store_open(path, vmds_plugin_get_schemas(vmds_fuzz_plugin), &error);
	if (vmds_fuzz_vm->store == NULL)
		g_error("cannot open %s: %s", path, error->message);
	vmds_fuzz_store = vmds_fuzz_vm->store;
	vmds_fuzz_store_reset(vmds_fuzz_store);
	vmds_fuzz_changes = vmds_fuzz_store_changes(vmds_fuzz_store);
	return 0;
}

static void
vmds_fuzz_check_reply(const gchar *command, const GString *reply)
{
	g_autoptr(JsonNode) root = NULL;
	JsonObject *obj;
	JsonNode *result;

	if (!g_utf8_validate(reply->str, (gssize)reply->len, NULL) &&
	    g_str_has_prefix(reply->str, "{\"result\":false,") && vmds_fuzz_skip_known("utf8-echo"))
		return;
	VMDS_FUZZ_CHECK(g_utf8_validate(reply->str, (gssize)reply->len, NULL),
			"%s: reply is not UTF-8",
			command);
	VMDS_FUZZ_CHECK(reply->len > 0 && reply->str[0] == '{' &&
			    g_str_has_prefix(reply->str, "{\"result\":"),
			"%s: reply does not start with {\"result\": %.200s",
			command,
			reply->str);
	VMDS_FUZZ_CHECK(vmds_fuzz_json_valid(reply->str, reply->len, &root),
			"%s: reply is not JSON: %.400s",
			command,
			reply->str);
	VMDS_FUZZ_CHECK(JSON_NODE_HOLDS_OBJECT(root), "%s: reply is not an object", command);
	obj = json_node_get_object(root);
	result = json_object_get_member(obj, "result");
	VMDS_FUZZ_CHECK(result != NULL && JSON_NODE_HOLDS_VALUE(result) &&
			    json_node_get_value_type(result) == G_TYPE_BOOLEAN,
			"%s: result is not a boolean",
			command);
	if (json_node_get_boolean(result)) {
		VMDS_FUZZ_CHECK(!json_object_has_member(obj, "error-id"),
				"%s: success with an error-id",
				command);
		return;
	}
	{
		JsonNode *id = json_object_get_member(obj, "error-id");
		JsonNode *message = json_object_get_member(obj, "error-message");
		const gchar *id_str;
		gboolean known = FALSE;
		VMDS_FUZZ_CHECK(
		    json_object_get_size(obj) == 3 && id != NULL && message != NULL &&
			JSON_NODE_HOLDS_VALUE(id) &&
			json_node_get_value_type(id) == G_TYPE_STRING &&
			JSON_NODE_HOLDS_VALUE(message) &&
			json_node_get_value_type(message) == G_TYPE_STRING,
		    "%s: failure envelope is not {result,error-id,error-message}: %.400s",
		    command,
		    reply->str);
		id_str = json_node_get_string(id);
		for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_guest_error_ids); i++)
			known |= g_strcmp0(id_str, vmds_fuzz_guest_error_ids[i]) == 0;
		VMDS_FUZZ_CHECK(
		    known, "%s: error-id %s: %s", command, id_str, json_node_get_string(message));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree guint8 *payload = NULL;
	g_autoptr(GString) reply = g_string_new(NULL);
	VmdsDispatchLater later = {0};
	gboolean ok;
	gint64 changes;

	if (vmds_fuzz_skip_known("json-escape") && vmds_fuzz_has_bad_escape(data, size))
		return 0;
	/* what the backchannel does before dispatch: drop one trailing NUL,
	 * then NUL-terminate */
	if (size > 0 && data[size - 1] == '\0')
		size--;
	payload = g_malloc(size + 1);
	memcpy(payload, data, size);
	payload[size] = '\0';
	ok = vmds_dispatch_run(
	    vmds_fuzz_dispatch, vmds_fuzz_vm, 0, TRUE, payload, size, reply, &later);
	VMDS_FUZZ_CHECK(later.deferred == NULL, "no datasets-* command defers its reply");
	/* the payload is left as it was: a group that fails runs it again */
	VMDS_FUZZ_CHECK(memcmp(payload, data, size) == 0 && payload[size] == '\0',
			"the payload was changed");
	if (!ok) {
		/* a name no command has */
		VMDS_FUZZ_CHECK(g_strcmp0(reply->str, "Unknown command") == 0,
				"`0 ` is for unknown commands alone, not %.200s",
				reply->str);
		return 0;
	}
	vmds_fuzz_check_reply((const gchar *)payload, reply);

	/* the next input starts from the fixtures again */
	changes = vmds_fuzz_store_changes(vmds_fuzz_store);
	if (changes != vmds_fuzz_changes) {
		vmds_fuzz_store_check(vmds_fuzz_store);
		vmds_fuzz_store_reset(vmds_fuzz_store);
		vmds_fuzz_changes = vmds_fuzz_store_changes(vmds_fuzz_store);
	}
	return 0;
}

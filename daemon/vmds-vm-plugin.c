/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-migration-routes.h"
#include "vmds-snapshot-routes.h"
#include "vmds-vm-plugin.h"

/*
 * The VM inventory routes, `/api/vcenter/vm`: built into the daemon, but a
 * plugin like any other, over the context every plugin gets.
 *
 * Owners: a VM a user creates, clones or imports is that user's; an
 * administrator may give it an owner (`owner`), and gives a VM another
 * with `PATCH /api/vcenter/vm/{vm}` (administrators only). What binds a VM
 * to the host (a vsock cid, its socket's owner and group) is for
 * administrators to set. The router has checked a `{vm}` of the path; a VM
 * named in a body (a clone's source) is checked here, with the same rule.
 */

struct _VmdsVmPlugin {
	VmdsPlugin parent_instance;
};

G_DEFINE_FINAL_TYPE(VmdsVmPlugin, vmds_vm_plugin, VMDS_TYPE_PLUGIN)

static void
vmds_vm_plugin_append_summary(GString *out, VmdsVm *vm)
{
	g_string_append(out, "{\"vm\":");
	vmds_json_append_string(out, vm->id, -1);
	g_string_append(out, ",\"name\":");
	vmds_json_append_string(out, vm->name, -1);
	if (vm->owner != NULL) {
		g_string_append(out, ",\"owner\":");
		vmds_json_append_string(out, vm->owner, -1);
	}
}

/* GET /api/vcenter/vm: the VMs the caller sees */
static gboolean
vmds_vm_plugin_list(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(GPtrArray) vms = vmds_context_list_vms(vmds_plugin_get_context(plugin));
	gboolean first = TRUE;

	g_string_append_c(request->response, '[');
	for (guint i = 0; i < vms->len; i++) {
		VmdsVm *vm = g_ptr_array_index(vms, i);
		if (!vmds_caller_can_see_vm(&request->caller, vm))
			continue;
		if (!first)
			g_string_append_c(request->response, ',');
		first = FALSE;
		vmds_vm_plugin_append_summary(request->response, vm);
		g_string_append_c(request->response, '}');
	}
	g_string_append_c(request->response, ']');
	return TRUE;
}

/* what a new VM is given (create, clone): its name, owner, cid and socket
 * owner and group, each type-checked */
typedef struct {
	const gchar *name;
	const gchar *owner;
	gboolean owner_given; /* `"owner": null` too: no owner */
	guint32 cid;
	const gchar *socket_owner;
	const gchar *socket_group;
} VmdsVmPluginSpec;

/* `owner`: a user name, or null for none */
static gboolean
vmds_vm_plugin_parse_owner(JsonObject *obj, VmdsVmPluginSpec *spec, GError **error)
{
	JsonNode *node = json_object_get_member(obj, "owner");

	spec->owner_given = node != NULL;
	if (node == NULL || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "member 'owner' must be a user name or null");
		return FALSE;
	}
	spec->owner = json_node_get_string(node);
	return TRUE;
}

/*
 * Who may ask for what of a new VM: a user's VM is its own (an `owner`
 * naming anyone else is refused) and is not bound to the host (no cid,
 * socket owner or group: an administrator's to give); an administrator's
 * has the owner it asks for, else @fallback.
 */
static gboolean
vmds_vm_plugin_authorize_spec(VmdsRequest *request,
			      VmdsVmPluginSpec *spec,
			      const gchar *fallback,
			      GError **error)
{
	if (request->caller.administrator) {
		if (!spec->owner_given)
			spec->owner = fallback;
		return TRUE;
	}
	if (spec->owner_given && g_strcmp0(spec->owner, request->caller.user) != 0) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_ACCESS_DENIED,
				    "only administrators give a VM another owner than themselves");
		return FALSE;
	}
	if (spec->cid != 0 || spec->socket_owner != NULL || spec->socket_group != NULL) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_ACCESS_DENIED,
				    "only administrators bind a VM to the host: 'cid', "
				    "'socket_owner' and 'socket_group' are theirs to set");
		return FALSE;
	}
	spec->owner = request->caller.user;
	return TRUE;
}

static gboolean
vmds_vm_plugin_parse_spec(JsonObject *obj, VmdsVmPluginSpec *spec, GError **error)
{
	JsonNode *cid_node = json_object_get_member(obj, "cid");
	gint64 cid = 0;

	if (!vmds_json_object_get_string(obj, "name", TRUE, &spec->name, error) ||
	    !vmds_vm_plugin_parse_owner(obj, spec, error) ||
	    !vmds_json_object_get_string(obj, "socket_owner", FALSE, &spec->socket_owner, error) ||
	    !vmds_json_object_get_string(obj, "socket_group", FALSE, &spec->socket_group, error))
		return FALSE;
	if (cid_node != NULL) {
		if (!JSON_NODE_HOLDS_VALUE(cid_node) ||
		    json_node_get_value_type(cid_node) != G_TYPE_INT64 ||
		    (cid = json_node_get_int(cid_node)) < 3 || cid >= G_MAXUINT32) {
			g_set_error_literal(
			    error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "member 'cid' must be a whole number from 3 to 4294967294");
			return FALSE;
		}
	}
	spec->cid = (guint32)cid;
	return TRUE;
}

/**
 * vmds_vm_plugin_reply_created:
 * @request: a create, clone or import
 * @vm: (nullable): the new VM, or %NULL when @error says why not
 * @error: a #GError or %NULL
 *
 * Answers `201` and the new VM's id. To a user, a name another VM has is
 * refused without saying which VM has it: one it may not see.
 *
 * Returns: whether @vm was made
 */
gboolean
vmds_vm_plugin_reply_created(VmdsRequest *request, VmdsVm *vm, GError **error)
{
	if (vm == NULL) {
		if (!request->caller.administrator && error != NULL &&
		    g_error_matches(*error, VMDS_ERROR, VMDS_ERROR_ALREADY_EXISTS)) {
			g_clear_error(error);
			g_set_error_literal(
			    error,
			    VMDS_ERROR,
			    VMDS_ERROR_ALREADY_EXISTS,
			    "a VM of that name exists already: choose another name");
		}
		return FALSE;
	}
	request->status = 201;
	vmds_json_append_string(request->response, vm->id, -1);
	return TRUE;
}

/* POST /api/vcenter/vm?action=clone {"source", "name", ...}: the clone's
 * owner is the caller when a user, else the one given, else the source's */
static gboolean
vmds_vm_plugin_clone(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *const allowed[] = {
	    "source", "name", "owner", "cid", "socket_owner", "socket_group", NULL};
	VmdsContext *context = vmds_plugin_get_context(plugin);
	g_autoptr(JsonObject) obj = vmds_json_parse_object(request->body, request->body_len, error);
	VmdsVmPluginSpec spec = {0};
	const gchar *source_id = NULL;
	VmdsVm *source;

	if (obj == NULL || !vmds_json_object_check_members(obj, allowed, error) ||
	    !vmds_json_object_get_string(obj, "source", TRUE, &source_id, error) ||
	    !vmds_vm_plugin_parse_spec(obj, &spec, error))
		return FALSE;
	source = vmds_context_lookup_vm(context, source_id);
	/* another user's VM is absent, as in a path */
	if (source == NULL || !vmds_caller_can_see_vm(&request->caller, source)) {
		g_set_error(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND, "no VM '%s'", source_id);
		return FALSE;
	}
	if (!vmds_vm_plugin_authorize_spec(request, &spec, source->owner, error))
		return FALSE;
	return vmds_vm_plugin_reply_created(request,
					    vmds_context_clone_vm(context,
								  source,
								  spec.name,
								  spec.owner,
								  spec.cid,
								  spec.socket_owner,
								  spec.socket_group,
								  error),
					    error);
}

/* POST /api/vcenter/vm: creates a VM, or with ?action=clone clones one */
static gboolean
vmds_vm_plugin_create(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *const allowed[] = {
	    "name", "owner", "cid", "socket_owner", "socket_group", NULL};
	const gchar *action =
	    request->query != NULL ? g_hash_table_lookup(request->query, "action") : NULL;
	g_autoptr(JsonObject) obj = NULL;
	VmdsVmPluginSpec spec = {0};

	if (g_strcmp0(action, "clone") == 0)
		return vmds_vm_plugin_clone(plugin, request, error);
	if (g_strcmp0(action, "import") == 0)
		return vmds_migration_routes_import(plugin, request, error);
	if (action != NULL) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "invalid action: POST /api/vcenter/vm takes action=clone or "
				    "action=import, or no action to create a VM");
		return FALSE;
	}
	obj = vmds_json_parse_object(request->body, request->body_len, error);
	if (obj == NULL || !vmds_json_object_check_members(obj, allowed, error) ||
	    !vmds_vm_plugin_parse_spec(obj, &spec, error) ||
	    !vmds_vm_plugin_authorize_spec(request, &spec, NULL, error))
		return FALSE;
	return vmds_vm_plugin_reply_created(request,
					    vmds_context_create_vm(vmds_plugin_get_context(plugin),
								   spec.name,
								   spec.owner,
								   spec.cid,
								   spec.socket_owner,
								   spec.socket_group,
								   error),
					    error);
}

/* the disk space a VM's snapshots take */
static guint64
vmds_vm_plugin_snapshots_size(VmdsVm *vm)
{
	guint64 size = 0;

	for (guint i = 0; i < vm->snapshots->len; i++)
		size += ((VmdsSnapshot *)g_ptr_array_index(vm->snapshots, i))->size;
	return size;
}

/* GET /api/vcenter/vm/{vm}: the VM's settings; ?action=export: the VM */
static gboolean
vmds_vm_plugin_get(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsContext *context = vmds_plugin_get_context(plugin);
	VmdsVm *vm = vmds_context_lookup_vm(context, request->vm);
	const gchar *action =
	    request->query != NULL ? g_hash_table_lookup(request->query, "action") : NULL;
	g_autofree gchar *path = NULL;

	if (g_strcmp0(action, "export") == 0)
		return vmds_migration_routes_export(plugin, request, error);
	if (action != NULL) {
		g_set_error_literal(
		    error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "invalid action: GET /api/vcenter/vm/{vm} takes action=export, or "
		    "no action for the VM's settings");
		return FALSE;
	}
	path = vmds_context_get_backchannel(context, vm);

	vmds_vm_plugin_append_summary(request->response, vm);
	if (vm->cid != 0)
		g_string_append_printf(request->response, ",\"cid\":%u", vm->cid);
	g_string_append(request->response, ",\"backchannel\":");
	vmds_json_append_string(request->response, path, -1);
	if (vm->socket_owner != NULL) {
		g_string_append(request->response, ",\"socket_owner\":");
		vmds_json_append_string(request->response, vm->socket_owner, -1);
	}
	if (vm->socket_group != NULL) {
		g_string_append(request->response, ",\"socket_group\":");
		vmds_json_append_string(request->response, vm->socket_group, -1);
	}
	/* not served: why */
	if (vm->store == NULL && vm->unavailable != NULL) {
		g_string_append(request->response, ",\"unavailable\":");
		vmds_json_append_string(request->response, vm->unavailable, -1);
	}
	/* what its snapshots take on disk */
	g_string_append_printf(request->response,
			       ",\"snapshot_count\":%u,\"snapshots_size\":%" G_GUINT64_FORMAT,
			       vm->snapshots->len,
			       vmds_vm_plugin_snapshots_size(vm));
	/* what the plugins keep of it */
	vmds_context_describe_vm(context, vm, &request->caller, request->response);
	g_string_append_c(request->response, '}');
	return TRUE;
}

/* PATCH /api/vcenter/vm/{vm} {"owner": USER|null}, administrators only: a
 * VM given another owner, or none */
static gboolean
vmds_vm_plugin_update(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *const allowed[] = {"owner", NULL};
	VmdsContext *context = vmds_plugin_get_context(plugin);
	g_autoptr(JsonObject) obj = vmds_json_parse_object(request->body, request->body_len, error);
	VmdsVmPluginSpec spec = {0};

	if (obj == NULL || !vmds_json_object_check_members(obj, allowed, error) ||
	    !vmds_vm_plugin_parse_owner(obj, &spec, error))
		return FALSE;
	if (spec.owner_given &&
	    !vmds_context_set_vm_owner(
		context, vmds_context_lookup_vm(context, request->vm), spec.owner, error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

/* a VM whose store another process holds (another host, on shared
 * storage) is that process's to remove: two daemons never write one VM */
static gboolean
vmds_vm_plugin_delete(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsContext *context = vmds_plugin_get_context(plugin);
	VmdsVm *vm = vmds_context_lookup_vm(context, request->vm);

	if (vm != NULL && vm->store == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE,
			    "VM %s is not served here (%s): delete it on the daemon that serves "
			    "it",
			    vm->id,
			    vm->unavailable != NULL ? vm->unavailable : "no store");
		return FALSE;
	}
	if (!vmds_context_remove_vm(context, request->vm, error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

static gboolean
vmds_vm_plugin_startup(VmdsPlugin *plugin, GError **error)
{
	/* a VM whose store another process holds can be looked at */
	vmds_plugin_add_route(
	    plugin, "GET", "/api/vcenter/vm", vmds_vm_plugin_list, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(
	    plugin, "POST", "/api/vcenter/vm", vmds_vm_plugin_create, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(
	    plugin, "GET", "/api/vcenter/vm/{vm}", vmds_vm_plugin_get, VMDS_ROUTE_FLAG_NO_STORE);
	vmds_plugin_add_route(plugin,
			      "DELETE",
			      "/api/vcenter/vm/{vm}",
			      vmds_vm_plugin_delete,
			      VMDS_ROUTE_FLAG_NO_STORE);
	vmds_plugin_add_route(plugin,
			      "PATCH",
			      "/api/vcenter/vm/{vm}",
			      vmds_vm_plugin_update,
			      VMDS_ROUTE_FLAG_NO_STORE | VMDS_ROUTE_FLAG_ADMINISTRATOR);
	vmds_snapshot_routes_add(plugin);
	return TRUE;
}

static void
vmds_vm_plugin_init(VmdsVmPlugin *self)
{
}

static void
vmds_vm_plugin_class_init(VmdsVmPluginClass *klass)
{
	VMDS_PLUGIN_CLASS(klass)->startup = vmds_vm_plugin_startup;
}

/**
 * vmds_vm_plugin_new:
 *
 * Returns: (transfer full): the built-in `vm` plugin
 */
VmdsPlugin *
vmds_vm_plugin_new(void)
{
	return g_object_new(VMDS_TYPE_VM_PLUGIN, "name", "vm", NULL);
}

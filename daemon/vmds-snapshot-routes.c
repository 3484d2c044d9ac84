/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-snapshot-routes.h"
#include "vmds-snapshots.h"

/*
 * A VM's snapshots, `/api/vcenter/vm/{vm}/snapshots`: routes of the
 * built-in `vm` plugin, over the context's snapshot calls.
 */

/*
 * The snapshot of the path: to an administrator, another VM's snapshot is
 * refused naming that VM; to a user, whatever is not a snapshot of this VM
 * is absent alike, so nothing is learnt of VMs it does not see.
 */
static gboolean
vmds_snapshot_routes_check(VmdsRequest *request, VmdsVm *vm, GError **error)
{
	const gchar *id = g_hash_table_lookup(request->params, "snapshot");

	if (request->caller.administrator || vmds_snapshots_lookup(vm, id) != NULL)
		return TRUE;
	g_set_error(
	    error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND, "VM %s has no snapshot '%s'", vm->id, id);
	return FALSE;
}

static void
vmds_snapshot_routes_append(GString *out, VmdsSnapshot *snapshot)
{
	g_autoptr(GDateTime) created =
	    g_date_time_new_from_unix_utc(snapshot->created / G_USEC_PER_SEC);
	g_autofree gchar *when = g_date_time_format(created, "%Y-%m-%dT%H:%M:%S");

	g_string_append(out, "{\"snapshot\":");
	vmds_json_append_string(out, snapshot->id, -1);
	g_string_append(out, ",\"name\":");
	vmds_json_append_string(out, snapshot->name, -1);
	g_string_append(out, ",\"description\":");
	vmds_json_append_string(out, snapshot->description, -1);
	g_string_append_printf(out,
			       ",\"creation_time\":\"%s.%03dZ\",\"size\":%" G_GUINT64_FORMAT "}",
			       when,
			       (gint)(snapshot->created % G_USEC_PER_SEC / 1000),
			       snapshot->size);
}

/* GET /api/vcenter/vm/{vm}/snapshots */
static gboolean
vmds_snapshot_routes_list(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsVm *vm = vmds_context_lookup_vm(vmds_plugin_get_context(plugin), request->vm);

	g_string_append_c(request->response, '[');
	for (guint i = 0; i < vm->snapshots->len; i++) {
		if (i > 0)
			g_string_append_c(request->response, ',');
		vmds_snapshot_routes_append(request->response, g_ptr_array_index(vm->snapshots, i));
	}
	g_string_append_c(request->response, ']');
	return TRUE;
}

/* POST /api/vcenter/vm/{vm}/snapshots {"name", "description"?} */
static gboolean
vmds_snapshot_routes_create(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *const allowed[] = {"name", "description", NULL};
	VmdsContext *context = vmds_plugin_get_context(plugin);
	g_autoptr(JsonObject) obj = vmds_json_parse_object(request->body, request->body_len, error);
	const gchar *name = NULL;
	const gchar *description = NULL;
	VmdsSnapshot *snapshot;

	if (obj == NULL || !vmds_json_object_check_members(obj, allowed, error) ||
	    !vmds_json_object_get_string(obj, "name", TRUE, &name, error) ||
	    !vmds_json_object_get_string(obj, "description", FALSE, &description, error))
		return FALSE;
	snapshot = vmds_context_create_snapshot(context,
						vmds_context_lookup_vm(context, request->vm),
						name,
						description != NULL ? description : "",
						error);
	if (snapshot == NULL)
		return FALSE;
	request->status = 201;
	vmds_json_append_string(request->response, snapshot->id, -1);
	return TRUE;
}

/* GET /api/vcenter/vm/{vm}/snapshots/{snapshot} */
static gboolean
vmds_snapshot_routes_get(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsContext *context = vmds_plugin_get_context(plugin);
	VmdsVm *vm = vmds_context_lookup_vm(context, request->vm);
	VmdsSnapshot *snapshot = NULL;

	if (!vmds_snapshot_routes_check(request, vm, error))
		return FALSE;
	snapshot = vmds_context_get_snapshot(
	    context, vm, g_hash_table_lookup(request->params, "snapshot"), error);
	if (snapshot == NULL)
		return FALSE;
	vmds_snapshot_routes_append(request->response, snapshot);
	return TRUE;
}

/* DELETE /api/vcenter/vm/{vm}/snapshots/{snapshot} */
static gboolean
vmds_snapshot_routes_delete(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsContext *context = vmds_plugin_get_context(plugin);
	VmdsVm *vm = vmds_context_lookup_vm(context, request->vm);

	if (!vmds_snapshot_routes_check(request, vm, error) ||
	    !vmds_context_remove_snapshot(
		context, vm, g_hash_table_lookup(request->params, "snapshot"), error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

/* POST /api/vcenter/vm/{vm}/snapshots/{snapshot}?action=revert */
static gboolean
vmds_snapshot_routes_revert(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsContext *context = vmds_plugin_get_context(plugin);
	const gchar *action =
	    request->query != NULL ? g_hash_table_lookup(request->query, "action") : NULL;

	if (g_strcmp0(action, "revert") != 0) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "invalid action: POST .../snapshots/{snapshot} takes "
				    "action=revert");
		return FALSE;
	}
	if (!vmds_snapshot_routes_check(
		request, vmds_context_lookup_vm(context, request->vm), error) ||
	    !vmds_context_revert_snapshot(context,
					  vmds_context_lookup_vm(context, request->vm),
					  g_hash_table_lookup(request->params, "snapshot"),
					  error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

/**
 * vmds_snapshot_routes_add:
 * @plugin: the built-in `vm` plugin, in its startup()
 *
 * Adds the snapshot routes: listed and read wherever the VM is; taken,
 * reverted to and deleted where it is served.
 */
void
vmds_snapshot_routes_add(VmdsPlugin *plugin)
{
	vmds_plugin_add_route(plugin,
			      "GET",
			      "/api/vcenter/vm/{vm}/snapshots",
			      vmds_snapshot_routes_list,
			      VMDS_ROUTE_FLAG_NO_STORE);
	vmds_plugin_add_route(plugin,
			      "POST",
			      "/api/vcenter/vm/{vm}/snapshots",
			      vmds_snapshot_routes_create,
			      VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin,
			      "GET",
			      "/api/vcenter/vm/{vm}/snapshots/{snapshot}",
			      vmds_snapshot_routes_get,
			      VMDS_ROUTE_FLAG_NO_STORE);
	vmds_plugin_add_route(plugin,
			      "DELETE",
			      "/api/vcenter/vm/{vm}/snapshots/{snapshot}",
			      vmds_snapshot_routes_delete,
			      VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin,
			      "POST",
			      "/api/vcenter/vm/{vm}/snapshots/{snapshot}",
			      vmds_snapshot_routes_revert,
			      VMDS_ROUTE_FLAG_NONE);
}

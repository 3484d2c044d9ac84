/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-guestinfo.h"

/*
 * The guestinfo plugin: VMX's guestinfo variables for guests on any
 * hypervisor.
 *
 * - `info-get guestinfo.NAME` → `1 VALUE`, or `0 No value found`;
 * - `info-set guestinfo.NAME VALUE` → `1 ` (the reply is empty), within
 *   the VM's size limit of what the guest set in all (its own, or
 *   `[guestinfo] guest-size-limit`; 0: the guest may not set any), unless
 *   the VM's settings forbid guest writes: `0 Permission denied`;
 * - REST: `GET /api/vcenter/vm/{vm}/guest-info` (the variables and their
 *   values), `GET|PUT|DELETE .../guest-info/{name}` (a JSON string),
 *   `GET|PATCH /api/vcenter/vm/{vm}/guest-info-settings`.
 *
 * Requests and replies are plain text, not the DataSets JSON envelope.
 * `guestinfo.ovfEnv` is a variable like the others, which the vApp plugin
 * sets whenever the VM's OVF environment changes.
 */

#define VMDS_TYPE_GUESTINFO_PLUGIN (vmds_guestinfo_plugin_get_type())
G_DECLARE_FINAL_TYPE(VmdsGuestinfoPlugin, vmds_guestinfo_plugin, VMDS, GUESTINFO_PLUGIN, VmdsPlugin)

typedef struct {
	guint guest_size_limit; /* [guestinfo] guest-size-limit */
} VmdsGuestinfoConfig;

struct _VmdsGuestinfoPlugin {
	VmdsPlugin parent_instance;
	VmdsGuestinfoConfig config;
};

G_DEFINE_FINAL_TYPE(VmdsGuestinfoPlugin, vmds_guestinfo_plugin, VMDS_TYPE_PLUGIN)

static const VmdsConfigKey vmds_guestinfo_config_keys[] = {
    {"guestinfo",
     "guest-size-limit",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsGuestinfoConfig, guest_size_limit),
     0,
     G_MAXUINT32},
};

static gboolean
vmds_guestinfo_command_get(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	g_autofree gchar *name = NULL;
	g_autofree gchar *value = NULL;

	if (!vmds_guestinfo_parse_name(call->args, call->args_len, &name, error))
		return FALSE;
	value = vmds_guestinfo_get(call->store, name, error);
	if (value == NULL)
		return FALSE;
	g_string_append(call->reply, value);
	return TRUE;
}

static gboolean
vmds_guestinfo_command_set(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	VmdsGuestinfoPlugin *self = VMDS_GUESTINFO_PLUGIN(plugin);
	VmdsGuestinfoSettings settings = {0};
	g_autofree gchar *name = NULL;
	g_autofree gchar *value = NULL;
	guint64 limit;

	if (!vmds_guestinfo_get_settings(call->store, &settings, error))
		return FALSE;
	limit = settings.guest_size_limit >= 0 ? (guint64)settings.guest_size_limit
					       : self->config.guest_size_limit;
	if (!settings.guest_writes || limit == 0) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_ACCESS_DENIED, "Permission denied");
		return FALSE;
	}
	return vmds_guestinfo_parse_set(call->args, call->args_len, &name, &value, error) &&
	       vmds_guestinfo_set(call->store, name, value, TRUE, limit, error);
}

static gboolean
vmds_guestinfo_route_list(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(GPtrArray) names = vmds_guestinfo_list(request->store, error);

	if (names == NULL)
		return FALSE;
	g_string_append_c(request->response, '[');
	for (guint i = 0; i < names->len; i++) {
		g_autofree gchar *value =
		    vmds_guestinfo_get(request->store, g_ptr_array_index(names, i), error);
		if (value == NULL)
			return FALSE;
		g_string_append(request->response, i > 0 ? ",{\"name\":" : "{\"name\":");
		vmds_json_append_string(request->response, g_ptr_array_index(names, i), -1);
		g_string_append(request->response, ",\"value\":");
		vmds_json_append_string(request->response, value, -1);
		g_string_append_c(request->response, '}');
	}
	g_string_append_c(request->response, ']');
	return TRUE;
}

static gboolean
vmds_guestinfo_route_get(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autofree gchar *value =
	    vmds_guestinfo_get(request->store, g_hash_table_lookup(request->params, "name"), error);

	if (value == NULL)
		return FALSE;
	vmds_json_append_string(request->response, value, -1);
	return TRUE;
}

static gboolean
vmds_guestinfo_route_put(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(JsonNode) body = vmds_json_parse(request->body, request->body_len, error);
	const gchar *value;

	if (body == NULL)
		return FALSE;
	value = vmds_json_node_get_string(body, "the body", error);
	if (value == NULL || !vmds_guestinfo_set(request->store,
						 g_hash_table_lookup(request->params, "name"),
						 value,
						 FALSE,
						 0,
						 error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

static gboolean
vmds_guestinfo_route_delete(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	if (!vmds_guestinfo_remove(
		request->store, g_hash_table_lookup(request->params, "name"), error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

static gboolean
vmds_guestinfo_route_get_settings(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsGuestinfoPlugin *self = VMDS_GUESTINFO_PLUGIN(plugin);
	VmdsGuestinfoSettings settings = {0};

	if (!vmds_guestinfo_get_settings(request->store, &settings, error))
		return FALSE;
	g_string_append_printf(request->response,
			       "{\"guest_writes\":%s,\"guest_size_limit\":",
			       settings.guest_writes ? "true" : "false");
	if (settings.guest_size_limit >= 0)
		g_string_append_printf(
		    request->response, "%" G_GINT64_FORMAT, settings.guest_size_limit);
	else
		g_string_append(request->response, "null");
	g_string_append_printf(request->response,
			       ",\"effective_guest_size_limit\":%" G_GUINT64_FORMAT
			       ",\"guest_bytes\":%" G_GUINT64_FORMAT "}",
			       settings.guest_size_limit >= 0 ? (guint64)settings.guest_size_limit
							      : self->config.guest_size_limit,
			       settings.guest_bytes);
	return TRUE;
}

/* {"guest_writes": bool, "guest_size_limit": bytes or null for the
 * daemon's}, either or both */
static gboolean
vmds_guestinfo_route_patch_settings(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	static const gchar *const members[] = {"guest_writes", "guest_size_limit", NULL};
	g_autoptr(JsonObject) body =
	    vmds_json_parse_object(request->body, request->body_len, error);
	VmdsGuestinfoSettings settings = {0};
	JsonNode *limit;

	if (body == NULL || !vmds_json_object_check_members(body, members, error) ||
	    !vmds_guestinfo_get_settings(request->store, &settings, error) ||
	    !vmds_json_object_get_boolean(
		body, "guest_writes", &settings.guest_writes, NULL, error))
		return FALSE;
	limit = json_object_get_member(body, "guest_size_limit");
	if (limit != NULL && JSON_NODE_HOLDS_NULL(limit))
		settings.guest_size_limit = -1;
	else if (!vmds_json_object_get_int(body,
					   "guest_size_limit",
					   0,
					   G_MAXUINT32,
					   &settings.guest_size_limit,
					   NULL,
					   error))
		return FALSE;
	if (!vmds_guestinfo_set_settings(request->store, &settings, error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

static gboolean
vmds_guestinfo_plugin_configure(VmdsPlugin *plugin, GKeyFile *config, GError **error)
{
	VmdsGuestinfoPlugin *self = VMDS_GUESTINFO_PLUGIN(plugin);
	VmdsGuestinfoConfig settings = {.guest_size_limit = VMDS_GUESTINFO_DEFAULT_SIZE_LIMIT};

	if (!vmds_config_table_read(config,
				    vmds_guestinfo_config_keys,
				    G_N_ELEMENTS(vmds_guestinfo_config_keys),
				    &settings,
				    error))
		return FALSE;
	self->config = settings;
	return TRUE;
}

static gboolean
vmds_guestinfo_plugin_startup(VmdsPlugin *plugin, GError **error)
{
	const gchar *one = "/api/vcenter/vm/{vm}/guest-info/{name}";
	const gchar *settings = "/api/vcenter/vm/{vm}/guest-info-settings";

	vmds_plugin_add_schema(plugin, &vmds_guestinfo_schema);
	vmds_plugin_add_command(plugin, "info-get", vmds_guestinfo_command_get, 0);
	vmds_plugin_add_command(plugin, "info-set", vmds_guestinfo_command_set, 0);
	vmds_plugin_add_route(plugin,
			      "GET",
			      "/api/vcenter/vm/{vm}/guest-info",
			      vmds_guestinfo_route_list,
			      VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin, "GET", one, vmds_guestinfo_route_get, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin, "PUT", one, vmds_guestinfo_route_put, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(
	    plugin, "DELETE", one, vmds_guestinfo_route_delete, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(
	    plugin, "GET", settings, vmds_guestinfo_route_get_settings, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(
	    plugin, "PATCH", settings, vmds_guestinfo_route_patch_settings, VMDS_ROUTE_FLAG_NONE);
	return TRUE;
}

static void
vmds_guestinfo_plugin_init(VmdsGuestinfoPlugin *self)
{
	self->config.guest_size_limit = VMDS_GUESTINFO_DEFAULT_SIZE_LIMIT;
}

static void
vmds_guestinfo_plugin_class_init(VmdsGuestinfoPluginClass *klass)
{
	VmdsPluginClass *plugin_class = VMDS_PLUGIN_CLASS(klass);

	plugin_class->configure = vmds_guestinfo_plugin_configure;
	plugin_class->startup = vmds_guestinfo_plugin_startup;
}

VMDS_PLUGIN_DEFINE(vmds_guestinfo_plugin)

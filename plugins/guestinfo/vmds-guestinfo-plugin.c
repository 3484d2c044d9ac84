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
 *   `[guestinfo] guest-size-limit` bytes of what the guest set in all
 *   (0: the guest may not set any);
 * - REST: `GET /api/vcenter/vm/{vm}/guest-info` (the variables and their
 *   values), `GET|PUT|DELETE .../guest-info/{name}` (a JSON string).
 *
 * Requests and replies are plain text, not the DataSets JSON envelope.
 * Not yet: per-VM settings, `guestinfo.ovfEnv` from the vApp environment.
 */

#define VMDS_TYPE_GUESTINFO_PLUGIN (vmds_guestinfo_plugin_get_type())
G_DECLARE_FINAL_TYPE(VmdsGuestinfoPlugin, vmds_guestinfo_plugin, VMDS, GUESTINFO_PLUGIN, VmdsPlugin)

typedef struct {
	guint guest_size_limit; /* [guestinfo] guest-size-limit */
} VmdsGuestinfoSettings;

struct _VmdsGuestinfoPlugin {
	VmdsPlugin parent_instance;
	VmdsGuestinfoSettings settings;
};

G_DEFINE_FINAL_TYPE(VmdsGuestinfoPlugin, vmds_guestinfo_plugin, VMDS_TYPE_PLUGIN)

static const VmdsConfigKey vmds_guestinfo_config_keys[] = {
    {"guestinfo",
     "guest-size-limit",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsGuestinfoSettings, guest_size_limit),
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
	g_autofree gchar *name = NULL;
	g_autofree gchar *value = NULL;

	if (self->settings.guest_size_limit == 0) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_ACCESS_DENIED, "Permission denied");
		return FALSE;
	}
	return vmds_guestinfo_parse_set(call->args, call->args_len, &name, &value, error) &&
	       vmds_guestinfo_set(
		   call->store, name, value, TRUE, self->settings.guest_size_limit, error);
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
vmds_guestinfo_plugin_configure(VmdsPlugin *plugin, GKeyFile *config, GError **error)
{
	VmdsGuestinfoPlugin *self = VMDS_GUESTINFO_PLUGIN(plugin);
	VmdsGuestinfoSettings settings = {.guest_size_limit = VMDS_GUESTINFO_DEFAULT_SIZE_LIMIT};

	if (!vmds_config_table_read(config,
				    vmds_guestinfo_config_keys,
				    G_N_ELEMENTS(vmds_guestinfo_config_keys),
				    &settings,
				    error))
		return FALSE;
	self->settings = settings;
	return TRUE;
}

static gboolean
vmds_guestinfo_plugin_startup(VmdsPlugin *plugin, GError **error)
{
	const gchar *one = "/api/vcenter/vm/{vm}/guest-info/{name}";

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
	return TRUE;
}

static void
vmds_guestinfo_plugin_init(VmdsGuestinfoPlugin *self)
{
	self->settings.guest_size_limit = VMDS_GUESTINFO_DEFAULT_SIZE_LIMIT;
}

static void
vmds_guestinfo_plugin_class_init(VmdsGuestinfoPluginClass *klass)
{
	VmdsPluginClass *plugin_class = VMDS_PLUGIN_CLASS(klass);

	plugin_class->configure = vmds_guestinfo_plugin_configure;
	plugin_class->startup = vmds_guestinfo_plugin_startup;
}

VMDS_PLUGIN_DEFINE(vmds_guestinfo_plugin)

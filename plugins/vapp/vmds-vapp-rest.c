/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vmds-ovf-descriptor.h"
#include "vmds-ovf-iso.h"
#include "vmds-vapp-plugin.h"
#include "vmds-vapp-type.h"
#include "vmds-vapp.h"

/*
 * The vApp REST routes, under /api/vcenter/vm/{vm}/vapp:
 *
 *   GET|PATCH  .../vapp                       enabled, transports, ISO path
 *   POST       .../vapp?action=import         an OVF descriptor's properties
 *   GET|POST   .../vapp/properties            list, create
 *   GET|PATCH|DELETE .../vapp/properties/{key}
 *   GET        .../vapp/environment           the OVF environment (XML)
 *   GET        .../vapp/iso                   its ISO image
 *
 * A property is JSON with snake_case names of vSphere's attributes.
 * Passwords are write-only: their value and default_value read back as "".
 * A property of a type the API cannot assign reads back with type
 * UNSUPPORTED_TYPE and its real type as description.
 */

static const gchar *const vmds_vapp_rest_members[] = {"key",
						      "id",
						      "category",
						      "label",
						      "description",
						      "class_id",
						      "instance_id",
						      "type_reference",
						      "user_configurable",
						      "default_value",
						      "type",
						      "value",
						      NULL};

static VmdsVm *
vmds_vapp_rest_vm(VmdsPlugin *plugin, VmdsRequest *request)
{
	return vmds_context_lookup_vm(vmds_plugin_get_context(plugin), request->vm);
}

/* the change committed; the ISO follows it */
static gboolean
vmds_vapp_rest_sync_iso(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsVm *vm = vmds_vapp_rest_vm(plugin, request);

	if (vm == NULL || vmds_vapp_plugin_sync_iso(vm, error))
		return TRUE;
	g_prefix_error(error, "the change is saved, but its ISO image is not: ");
	return FALSE;
}

static void
vmds_vapp_rest_append_member(GString *out, const gchar *name, const gchar *value)
{
	g_string_append_printf(out, ",\"%s\":", name);
	vmds_json_append_string(out, value != NULL ? value : "", -1);
}

static void
vmds_vapp_rest_append_property(GString *out, const VmdsVappProperty *property)
{
	g_autoptr(VmdsVappType) type = vmds_vapp_type_parse(property->type, NULL);
	VmdsVappKind kind = type != NULL ? vmds_vapp_type_get_kind(type) : VMDS_VAPP_UNSUPPORTED;
	gboolean secret = kind == VMDS_VAPP_PASSWORD;
	gboolean unsupported = kind == VMDS_VAPP_UNSUPPORTED;

	g_string_append_printf(out, "{\"key\":%" G_GINT64_FORMAT, property->key);
	vmds_vapp_rest_append_member(out, "id", property->id);
	vmds_vapp_rest_append_member(out, "category", property->category);
	vmds_vapp_rest_append_member(out, "label", property->label);
	vmds_vapp_rest_append_member(
	    out, "description", unsupported ? property->type : property->description);
	vmds_vapp_rest_append_member(out, "class_id", property->class_id);
	vmds_vapp_rest_append_member(out, "instance_id", property->instance_id);
	vmds_vapp_rest_append_member(out, "type_reference", property->type_reference);
	g_string_append_printf(
	    out, ",\"user_configurable\":%s", property->user_configurable ? "true" : "false");
	vmds_vapp_rest_append_member(out, "default_value", secret ? "" : property->default_value);
	vmds_vapp_rest_append_member(
	    out, "type", unsupported ? VMDS_VAPP_UNSUPPORTED_TYPE : property->type);
	vmds_vapp_rest_append_member(out, "value", secret ? "" : property->value);
	g_string_append_c(out, '}');
}

/* @member of @body, when there, replaces *@field */
static gboolean
vmds_vapp_rest_take_string(JsonObject *body, const gchar *member, gchar **field, GError **error)
{
	const gchar *value = NULL;

	if (!vmds_json_object_get_string(body, member, FALSE, &value, error))
		return FALSE;
	if (value != NULL) {
		g_free(*field);
		*field = g_strdup(value);
	}
	return TRUE;
}

static gboolean
vmds_vapp_kind_is_password(const gchar *type_text)
{
	g_autoptr(VmdsVappType) type =
	    type_text != NULL ? vmds_vapp_type_parse(type_text, NULL) : NULL;

	return type != NULL && vmds_vapp_type_get_kind(type) == VMDS_VAPP_PASSWORD;
}

/* the members of @body onto @property */
static gboolean
vmds_vapp_rest_read_property(JsonObject *body, VmdsVappProperty *property, GError **error)
{
	gboolean was_password = vmds_vapp_kind_is_password(property->type);

	if (!vmds_vapp_rest_take_string(body, "id", &property->id, error) ||
	    !vmds_vapp_rest_take_string(body, "category", &property->category, error) ||
	    !vmds_vapp_rest_take_string(body, "label", &property->label, error) ||
	    !vmds_vapp_rest_take_string(body, "description", &property->description, error) ||
	    !vmds_vapp_rest_take_string(body, "class_id", &property->class_id, error) ||
	    !vmds_vapp_rest_take_string(body, "instance_id", &property->instance_id, error) ||
	    !vmds_vapp_rest_take_string(body, "type_reference", &property->type_reference, error) ||
	    !vmds_json_object_get_boolean(
		body, "user_configurable", &property->user_configurable, NULL, error) ||
	    !vmds_vapp_rest_take_string(body, "default_value", &property->default_value, error) ||
	    !vmds_vapp_rest_take_string(body, "type", &property->type, error) ||
	    !vmds_vapp_rest_take_string(body, "value", &property->value, error))
		return FALSE;
	/* a password that stops being one is not shown: what it held goes,
	 * unless new values came with the new type */
	if (was_password && !vmds_vapp_kind_is_password(property->type)) {
		if (!json_object_has_member(body, "value"))
			g_clear_pointer(&property->value, g_free);
		if (!json_object_has_member(body, "default_value"))
			g_clear_pointer(&property->default_value, g_free);
	}
	return TRUE;
}

/* {key}: a decimal integer from 0 to G_MAXINT32, as the key member is
 * written: one name per property, so no sign and no leading zero (`00`, `+1`) */
static gboolean
vmds_vapp_rest_key(VmdsRequest *request, gint64 *key, GError **error)
{
	const gchar *text = g_hash_table_lookup(request->params, "key");
	guint64 value = 0;

	if (text == NULL || (text[0] == '0' && text[1] != '\0') ||
	    !g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT32, &value, NULL)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "a vApp property key is an integer from 0 to %d, in decimal without "
			    "a sign or leading zeros",
			    G_MAXINT32);
		return FALSE;
	}
	*key = (gint64)value;
	return TRUE;
}

/* a body that is not JSON, sent whole: the first part is all of it */
static gboolean
vmds_vapp_rest_stream_done(gpointer data, GString *out, gboolean *done, GError **error)
{
	*done = TRUE;
	return TRUE;
}

static void
vmds_vapp_rest_reply_bytes(VmdsRequest *request, GBytes *bytes, const gchar *content_type)
{
	gsize size = 0;
	const gchar *data = g_bytes_get_data(bytes, &size);

	g_string_append_len(request->response, data, (gssize)size);
	vmds_request_set_stream(request, vmds_vapp_rest_stream_done, NULL, NULL);
	request->stream.content_type = content_type;
}

/* GET .../vapp */
static gboolean
vmds_vapp_rest_get(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_auto(VmdsVappState) state = {0};
	VmdsVm *vm = vmds_vapp_rest_vm(plugin, request);

	if (!vmds_vapp_get_state(request->store, &state, error))
		return FALSE;
	g_string_append_printf(request->response,
			       "{\"enabled\":%s,\"transports\":[",
			       state.enabled ? "true" : "false");
	if (state.transport_guestinfo)
		g_string_append(request->response, "\"" VMDS_VAPP_TRANSPORT_GUESTINFO "\"");
	if (state.transport_iso)
		g_string_append(request->response,
				state.transport_guestinfo ? ",\"" VMDS_VAPP_TRANSPORT_ISO "\""
							  : "\"" VMDS_VAPP_TRANSPORT_ISO "\"");
	g_string_append_printf(request->response, "],\"property_count\":%u", state.properties);
	if (state.enabled && state.transport_iso && vm != NULL) {
		g_autofree gchar *path = vmds_vapp_plugin_iso_path(vm);
		vmds_vapp_rest_append_member(request->response, "iso", path);
	}
	g_string_append_c(request->response, '}');
	return TRUE;
}

static gboolean
vmds_vapp_rest_read_transports(JsonObject *body, gboolean *guestinfo, gboolean *iso, GError **error)
{
	JsonNode *node = json_object_get_member(body, "transports");
	JsonArray *array;

	if (node == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_ARRAY(node)) {
		g_set_error_literal(
		    error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "member 'transports' must be an array of \"" VMDS_VAPP_TRANSPORT_GUESTINFO
		    "\" and \"" VMDS_VAPP_TRANSPORT_ISO "\"");
		return FALSE;
	}
	array = json_node_get_array(node);
	*guestinfo = *iso = FALSE;
	for (guint i = 0; i < json_array_get_length(array); i++) {
		const gchar *name = vmds_json_node_get_string(
		    json_array_get_element(array, i), "a transport", error);
		if (name == NULL)
			return FALSE;
		if (strcmp(name, VMDS_VAPP_TRANSPORT_GUESTINFO) == 0) {
			*guestinfo = TRUE;
		} else if (strcmp(name, VMDS_VAPP_TRANSPORT_ISO) == 0) {
			*iso = TRUE;
		} else {
			g_autofree gchar *quoted = vmds_json_abbreviate(name);
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "unknown transport '%s': the transports "
				    "are " VMDS_VAPP_TRANSPORT_GUESTINFO
				    " and " VMDS_VAPP_TRANSPORT_ISO,
				    quoted);
			return FALSE;
		}
	}
	return TRUE;
}

/* PATCH .../vapp {"enabled": bool, "transports": [...]}, either or both;
 * enabled false deletes every property */
static gboolean
vmds_vapp_rest_patch(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	static const gchar *const members[] = {"enabled", "transports", NULL};
	g_autoptr(JsonObject) body =
	    vmds_json_parse_object(request->body, request->body_len, error);
	g_auto(VmdsVappState) state = {0};

	if (body == NULL || !vmds_json_object_check_members(body, members, error) ||
	    !vmds_vapp_get_state(request->store, &state, error) ||
	    !vmds_json_object_get_boolean(body, "enabled", &state.enabled, NULL, error) ||
	    !vmds_vapp_rest_read_transports(
		body, &state.transport_guestinfo, &state.transport_iso, error))
		return FALSE;
	if (!state.enabled && json_object_has_member(body, "transports") &&
	    json_array_get_length(json_object_get_array_member(body, "transports")) > 0) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE,
				    "vApp properties are disabled: a transport needs them enabled");
		return FALSE;
	}
	if (!vmds_vapp_configure(request->store,
				 request->vm,
				 state.enabled,
				 state.transport_guestinfo,
				 state.transport_iso,
				 error))
		return FALSE;
	request->status = 204;
	return vmds_vapp_rest_sync_iso(plugin, request, error);
}

/* POST .../vapp?action=import, an OVF descriptor */
static gboolean
vmds_vapp_rest_post(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *action =
	    request->query != NULL ? g_hash_table_lookup(request->query, "action") : NULL;
	g_autoptr(VmdsOvfDescriptor) descriptor = NULL;
	g_autoptr(GArray) keys = NULL;

	if (g_strcmp0(action, "import") != 0) {
		g_set_error_literal(
		    error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "invalid action: POST /api/vcenter/vm/{vm}/vapp takes action=import "
		    "with an OVF descriptor as the body");
		return FALSE;
	}
	descriptor = vmds_ovf_descriptor_parse(request->body, request->body_len, error);
	if (descriptor == NULL)
		return FALSE;
	keys = vmds_vapp_import(request->store, request->vm, descriptor, error);
	if (keys == NULL)
		return FALSE;
	g_string_append_c(request->response, '[');
	for (guint i = 0; i < keys->len; i++)
		g_string_append_printf(request->response,
				       i > 0 ? ",%" G_GINT64_FORMAT : "%" G_GINT64_FORMAT,
				       g_array_index(keys, gint64, i));
	g_string_append_c(request->response, ']');
	return vmds_vapp_rest_sync_iso(plugin, request, error);
}

/* GET .../vapp/properties */
static gboolean
vmds_vapp_rest_list(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(GPtrArray) properties = vmds_vapp_list(request->store, error);

	if (properties == NULL)
		return FALSE;
	g_string_append_c(request->response, '[');
	for (guint i = 0; i < properties->len; i++) {
		if (i > 0)
			g_string_append_c(request->response, ',');
		vmds_vapp_rest_append_property(request->response, g_ptr_array_index(properties, i));
	}
	g_string_append_c(request->response, ']');
	return TRUE;
}

/* POST .../vapp/properties: a property, its key optional → 201 its key */
static gboolean
vmds_vapp_rest_create(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(JsonObject) body =
	    vmds_json_parse_object(request->body, request->body_len, error);
	g_autoptr(VmdsVappProperty) property = vmds_vapp_property_new();

	property->key = -1;
	if (body == NULL || !vmds_json_object_check_members(body, vmds_vapp_rest_members, error) ||
	    !vmds_json_object_get_int(body, "key", 0, G_MAXINT32, &property->key, NULL, error) ||
	    !vmds_vapp_rest_read_property(body, property, error) ||
	    !vmds_vapp_add(request->store, request->vm, property, error))
		return FALSE;
	request->status = 201;
	g_string_append_printf(request->response, "%" G_GINT64_FORMAT, property->key);
	return vmds_vapp_rest_sync_iso(plugin, request, error);
}

/* GET .../vapp/properties/{key} */
static gboolean
vmds_vapp_rest_get_property(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(VmdsVappProperty) property = NULL;
	gint64 key = 0;

	if (!vmds_vapp_rest_key(request, &key, error))
		return FALSE;
	property = vmds_vapp_get(request->store, key, error);
	if (property == NULL)
		return FALSE;
	vmds_vapp_rest_append_property(request->response, property);
	return TRUE;
}

/* PATCH .../vapp/properties/{key}: any members but key */
static gboolean
vmds_vapp_rest_patch_property(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(JsonObject) body =
	    vmds_json_parse_object(request->body, request->body_len, error);
	g_autoptr(VmdsVappProperty) property = NULL;
	gint64 key = 0;

	if (body == NULL || !vmds_vapp_rest_key(request, &key, error) ||
	    !vmds_json_object_check_members(body, vmds_vapp_rest_members + 1, error))
		return FALSE;
	property = vmds_vapp_get(request->store, key, error);
	if (property == NULL || !vmds_vapp_rest_read_property(body, property, error) ||
	    !vmds_vapp_update(request->store, request->vm, property, error))
		return FALSE;
	request->status = 204;
	return vmds_vapp_rest_sync_iso(plugin, request, error);
}

/* DELETE .../vapp/properties/{key} */
static gboolean
vmds_vapp_rest_delete_property(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	gint64 key = 0;

	if (!vmds_vapp_rest_key(request, &key, error) ||
	    !vmds_vapp_remove(request->store, request->vm, key, error))
		return FALSE;
	request->status = 204;
	return vmds_vapp_rest_sync_iso(plugin, request, error);
}

/* the environment, or NOT_FOUND while vApp is disabled */
static GBytes *
vmds_vapp_rest_env(VmdsRequest *request, gboolean iso_only, GError **error)
{
	g_auto(VmdsVappState) state = {0};

	if (!vmds_vapp_get_state(request->store, &state, error))
		return NULL;
	if (state.env == NULL || (iso_only && !state.transport_iso)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_NOT_FOUND,
			    iso_only ? "VM %s has no OVF environment ISO: the iso transport is off"
				     : "VM %s has no OVF environment: vApp properties are disabled",
			    request->vm);
		return NULL;
	}
	if (!iso_only)
		return g_steal_pointer(&state.env);
	return vmds_ovf_iso_build(state.env, state.env_changed, error);
}

/* GET .../vapp/environment */
static gboolean
vmds_vapp_rest_get_env(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(GBytes) env = vmds_vapp_rest_env(request, FALSE, error);

	if (env == NULL)
		return FALSE;
	vmds_vapp_rest_reply_bytes(request, env, "application/xml");
	return TRUE;
}

/* GET .../vapp/iso: what ovf-env.iso holds, made from the store */
static gboolean
vmds_vapp_rest_get_iso(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(GBytes) iso = vmds_vapp_rest_env(request, TRUE, error);

	if (iso == NULL)
		return FALSE;
	vmds_vapp_rest_reply_bytes(request, iso, "application/x-iso9660-image");
	return TRUE;
}

/**
 * vmds_vapp_rest_add_routes:
 * @plugin: the vApp plugin
 *
 * Registers the vApp routes.
 */
void
vmds_vapp_rest_add_routes(VmdsPlugin *plugin)
{
	const gchar *vapp = "/api/vcenter/vm/{vm}/vapp";
	const gchar *all = "/api/vcenter/vm/{vm}/vapp/properties";
	const gchar *one = "/api/vcenter/vm/{vm}/vapp/properties/{key}";

	vmds_plugin_add_route(plugin, "GET", vapp, vmds_vapp_rest_get, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin, "PATCH", vapp, vmds_vapp_rest_patch, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin, "POST", vapp, vmds_vapp_rest_post, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin, "GET", all, vmds_vapp_rest_list, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin, "POST", all, vmds_vapp_rest_create, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(
	    plugin, "GET", one, vmds_vapp_rest_get_property, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(
	    plugin, "PATCH", one, vmds_vapp_rest_patch_property, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(
	    plugin, "DELETE", one, vmds_vapp_rest_delete_property, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin,
			      "GET",
			      "/api/vcenter/vm/{vm}/vapp/environment",
			      vmds_vapp_rest_get_env,
			      VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin,
			      "GET",
			      "/api/vcenter/vm/{vm}/vapp/iso",
			      vmds_vapp_rest_get_iso,
			      VMDS_ROUTE_FLAG_NONE);
}

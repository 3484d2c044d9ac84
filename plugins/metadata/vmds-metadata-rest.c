/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "vmds-metadata-plugin.h"
#include "vmds-metadata-vcenter.h"
#include "vmds-metadata.h"

/*
 * The metadata REST routes, on a VM and on each of its data sets
 * (OBJECT = /api/vcenter/vm/{vm} or /api/vcenter/vm/{vm}/data-sets/{data_set}):
 *
 *   GET    OBJECT/metadata                    {"metadataEntry":[ENTRY...]}
 *   POST   OBJECT/metadata                    {"metadataEntry":[ENTRY...]}: merged,
 *                                             all or nothing → 200 the list
 *   GET|PUT|DELETE OBJECT/metadata/{key}          a GENERAL entry
 *   GET|PUT|DELETE OBJECT/metadata/SYSTEM/{key}   a SYSTEM entry
 *   GET|PUT|DELETE OBJECT/metadata/VCENTER/{key}  a VCENTER entry (VMs only)
 *
 * in vCD's names: ENTRY is {"domain":{"value","visibility"}, "key",
 * "typedValue":{"_type","value"}}, the domain absent for GENERAL (as vCD
 * writes it); one entry's value (GET, PUT's body and reply) is vCD's
 * MetadataValue, {"domain"?, "typedValue"}. A value is a JSON string, or a
 * number for MetadataNumberValue and a boolean for MetadataBooleanValue (vCD's
 * JSON writes them so; both are read); replies write them that way.
 * DATETIME reads back as the UTC instant. Who sees what is the engine's
 * (request->caller as its viewer).
 */

static const gchar *const vmds_metadata_rest_entry_members[] = {
    "domain", "key", "typedValue", NULL};
static const gchar *const vmds_metadata_rest_value_members[] = {"domain", "typedValue", NULL};
static const gchar *const vmds_metadata_rest_domain_members[] = {"value", "visibility", NULL};
static const gchar *const vmds_metadata_rest_typed_members[] = {"_type", "value", NULL};

static void
vmds_metadata_rest_viewer(VmdsRequest *request, VmdsMetadataViewer *viewer)
{
	viewer->user = request->caller.user;
	viewer->administrator = request->caller.administrator;
	viewer->vcenter_metadata = request->caller.vcenter_metadata;
}

/* the VM, or its data set {data_set} once it is known to exist */
static gboolean
vmds_metadata_rest_object(VmdsRequest *request, VmdsMetadataObject *object, GError **error)
{
	const gchar *name = g_hash_table_lookup(request->params, "data_set");
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	gboolean row = FALSE;

	if (name == NULL) {
		object->type = VMDS_METADATA_OBJECT_VM;
		object->name = "";
		return TRUE;
	}
	stmt = vmds_store_prepare(request->store, "SELECT 1 FROM datasets WHERE name = ?1", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
	if (!vmds_store_step(request->store, stmt, &row, error))
		return FALSE;
	if (!row) {
		g_autofree gchar *quoted = vmds_json_abbreviate(name);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_DATASET_NOT_FOUND,
			    "no data set '%s' in VM %s",
			    quoted,
			    request->vm);
		return FALSE;
	}
	object->type = VMDS_METADATA_OBJECT_DATASET;
	object->name = name;
	return TRUE;
}

/* "domain":{...}, for SYSTEM and VCENTER: vCD leaves it out for GENERAL */
static void
vmds_metadata_rest_append_domain(GString *out, const VmdsMetadataEntry *entry)
{
	if (entry->domain == VMDS_METADATA_GENERAL)
		return;
	g_string_append_printf(out,
			       "\"domain\":{\"value\":\"%s\",\"visibility\":\"%s\"},",
			       vmds_metadata_domain_to_string(entry->domain),
			       vmds_metadata_visibility_to_string(entry->visibility));
}

static void
vmds_metadata_rest_append_typed(GString *out, const VmdsMetadataEntry *entry)
{
	g_string_append_printf(out,
			       "\"typedValue\":{\"_type\":\"%s\",\"value\":",
			       vmds_metadata_type_to_api_name(entry->type));
	/* canonical: a decimal int64, or true/false */
	if (entry->type == VMDS_METADATA_NUMBER || entry->type == VMDS_METADATA_BOOLEAN)
		g_string_append(out, entry->value);
	else
		vmds_json_append_string(out, entry->value, -1);
	g_string_append_c(out, '}');
}

/* vCD's MetadataValue: {"domain"?, "typedValue"} */
static void
vmds_metadata_rest_append_value(GString *out, const VmdsMetadataEntry *entry)
{
	g_string_append_c(out, '{');
	vmds_metadata_rest_append_domain(out, entry);
	vmds_metadata_rest_append_typed(out, entry);
	g_string_append_c(out, '}');
}

/* vCD's MetadataEntry: {"domain"?, "key", "typedValue"} */
static void
vmds_metadata_rest_append_entry(GString *out, const VmdsMetadataEntry *entry)
{
	g_string_append_c(out, '{');
	vmds_metadata_rest_append_domain(out, entry);
	g_string_append(out, "\"key\":");
	vmds_json_append_string(out, entry->key, -1);
	g_string_append_c(out, ',');
	vmds_metadata_rest_append_typed(out, entry);
	g_string_append_c(out, '}');
}

/* {"metadataEntry":[...]} of what the caller sees of @object */
static gboolean
vmds_metadata_rest_reply_list(VmdsRequest *request,
			      const VmdsMetadataObject *object,
			      GError **error)
{
	VmdsMetadataViewer viewer = {0};
	g_autoptr(GPtrArray) entries = NULL;

	vmds_metadata_rest_viewer(request, &viewer);
	entries = vmds_metadata_list(request->store, object, &viewer, error);
	if (entries == NULL)
		return FALSE;
	g_string_truncate(request->response, 0);
	g_string_append(request->response, "{\"metadataEntry\":[");
	for (guint i = 0; i < entries->len; i++) {
		if (i > 0)
			g_string_append_c(request->response, ',');
		vmds_metadata_rest_append_entry(request->response, g_ptr_array_index(entries, i));
	}
	g_string_append(request->response, "]}");
	return TRUE;
}

/* domain {"value"?, "visibility"?} of an entry whose domain is @domain
 * (from the path) or, with @from_body, the body's (GENERAL if absent) */
static gboolean
vmds_metadata_rest_read_domain(JsonObject *parent,
			       gboolean from_body,
			       VmdsMetadataDomain *domain,
			       VmdsMetadataVisibility *visibility,
			       GError **error)
{
	JsonNode *node = json_object_get_member(parent, "domain");
	JsonObject *obj = NULL;
	const gchar *value = NULL;
	const gchar *vis = NULL;

	if (from_body)
		*domain = VMDS_METADATA_GENERAL;
	*visibility =
	    *domain == VMDS_METADATA_SYSTEM ? VMDS_METADATA_READONLY : VMDS_METADATA_READWRITE;
	if (node == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "member 'domain' must be an object of value and visibility");
		return FALSE;
	}
	obj = json_node_get_object(node);
	if (!vmds_json_object_check_members(obj, vmds_metadata_rest_domain_members, error))
		return FALSE;
	/* named with their object: an entry has a typedValue.value too */
	if (json_object_has_member(obj, "value")) {
		value = vmds_json_node_get_string(
		    json_object_get_member(obj, "value"), "member 'domain.value'", error);
		if (value == NULL)
			return FALSE;
	}
	if (json_object_has_member(obj, "visibility")) {
		vis = vmds_json_node_get_string(
		    json_object_get_member(obj, "visibility"), "member 'domain.visibility'", error);
		if (vis == NULL)
			return FALSE;
	}
	if (value != NULL) {
		VmdsMetadataDomain named = VMDS_METADATA_GENERAL;
		if (!vmds_metadata_domain_from_string(value, &named)) {
			g_autofree gchar *quoted = vmds_json_abbreviate(value);
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "unknown metadata domain '%s': the domains are GENERAL, "
				    "SYSTEM and VCENTER",
				    quoted);
			return FALSE;
		}
		if (!from_body && named != *domain) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "domain '%s' in the body, but the path names domain %s",
				    value,
				    vmds_metadata_domain_to_string(*domain));
			return FALSE;
		}
		*domain = named;
		*visibility = *domain == VMDS_METADATA_SYSTEM ? VMDS_METADATA_READONLY
							      : VMDS_METADATA_READWRITE;
	}
	if (vis != NULL && !vmds_metadata_visibility_from_string(vis, visibility)) {
		g_autofree gchar *quoted = vmds_json_abbreviate(vis);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "unknown metadata visibility '%s': the visibilities are READWRITE, "
			    "READONLY and PRIVATE",
			    quoted);
		return FALSE;
	}
	return TRUE;
}

/* typedValue {"_type", "value"}: the value's text as the engine reads it */
static gboolean
vmds_metadata_rest_read_typed(JsonObject *parent,
			      VmdsMetadataType *type,
			      gchar **value,
			      GError **error)
{
	JsonNode *node = json_object_get_member(parent, "typedValue");
	JsonObject *obj = NULL;
	JsonNode *value_node = NULL;
	const gchar *name = NULL;

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(
		    error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "member 'typedValue' is required, an object of _type and value");
		return FALSE;
	}
	obj = json_node_get_object(node);
	if (!vmds_json_object_check_members(obj, vmds_metadata_rest_typed_members, error) ||
	    !vmds_json_object_get_string(obj, "_type", TRUE, &name, error))
		return FALSE;
	if (!vmds_metadata_type_from_api_name(name, type)) {
		g_autofree gchar *quoted = vmds_json_abbreviate(name);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "unknown metadata type '%s': the types are MetadataStringValue, "
			    "MetadataNumberValue, MetadataDateTimeValue and MetadataBooleanValue",
			    quoted);
		return FALSE;
	}
	value_node = json_object_get_member(obj, "value");
	if (value_node != NULL && JSON_NODE_HOLDS_VALUE(value_node)) {
		GType held = json_node_get_value_type(value_node);
		if (held == G_TYPE_STRING) {
			*value = g_strdup(json_node_get_string(value_node));
			return TRUE;
		}
		if (held == G_TYPE_INT64 && *type == VMDS_METADATA_NUMBER) {
			*value =
			    g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(value_node));
			return TRUE;
		}
		if (held == G_TYPE_BOOLEAN && *type == VMDS_METADATA_BOOLEAN) {
			*value = g_strdup(json_node_get_boolean(value_node) ? "true" : "false");
			return TRUE;
		}
	}
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "member 'typedValue.value' is required, a string%s",
		    *type == VMDS_METADATA_NUMBER    ? " or an integer"
		    : *type == VMDS_METADATA_BOOLEAN ? " or a boolean"
						     : "");
	return FALSE;
}

/* GET OBJECT/metadata */
static gboolean
vmds_metadata_rest_list(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsMetadataObject object = {0};

	return vmds_metadata_rest_object(request, &object, error) &&
	       vmds_metadata_rest_reply_list(request, &object, error);
}

/* a VCENTER entry on a VM, from a caller who may write that domain: one
 * the provider allows (others are refused by the engine as it always does,
 * learning nothing of what is allowed) */
static gboolean
vmds_metadata_rest_check_vcenter(VmdsPlugin *plugin,
				 const VmdsMetadataObject *object,
				 const VmdsMetadataViewer *viewer,
				 const VmdsMetadataEntry *entry,
				 GError **error)
{
	if (entry->domain != VMDS_METADATA_VCENTER ||
	    g_strcmp0(object->type, VMDS_METADATA_OBJECT_VM) != 0 ||
	    !(viewer->administrator || viewer->vcenter_metadata))
		return TRUE;
	return vmds_metadata_vcenter_check(
	    vmds_metadata_plugin_get_vcenter(VMDS_METADATA_PLUGIN(plugin)), entry, error);
}

/* POST OBJECT/metadata {"metadataEntry":[...]}: merged, all or nothing */
static gboolean
vmds_metadata_rest_merge(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	static const gchar *const members[] = {"metadataEntry", NULL};
	g_autoptr(JsonObject) body =
	    vmds_json_parse_object(request->body, request->body_len, error);
	g_autoptr(GPtrArray) entries =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_metadata_entry_free);
	VmdsMetadataObject object = {0};
	VmdsMetadataViewer viewer = {0};
	JsonArray *array = NULL;
	JsonNode *node = NULL;

	if (body == NULL || !vmds_json_object_check_members(body, members, error))
		return FALSE;
	/* an empty list is a merge that changes nothing, as in the engine */
	node = json_object_get_member(body, "metadataEntry");
	if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "member 'metadataEntry' is required, an array of entries");
		return FALSE;
	}
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonObject *obj = vmds_json_array_get_object(array, i, "a metadata entry", error);
		VmdsMetadataDomain domain = VMDS_METADATA_GENERAL;
		VmdsMetadataVisibility visibility = VMDS_METADATA_READWRITE;
		VmdsMetadataType type = VMDS_METADATA_STRING;
		g_autofree gchar *value = NULL;
		const gchar *key = NULL;

		if (obj == NULL ||
		    !vmds_json_object_check_members(obj, vmds_metadata_rest_entry_members, error) ||
		    !vmds_json_object_get_string(obj, "key", TRUE, &key, error) ||
		    !vmds_metadata_rest_read_domain(obj, TRUE, &domain, &visibility, error) ||
		    !vmds_metadata_rest_read_typed(obj, &type, &value, error)) {
			g_prefix_error(error, "metadataEntry[%u]: ", i);
			return FALSE;
		}
		g_ptr_array_add(entries,
				vmds_metadata_entry_new(domain, visibility, key, type, value));
	}
	vmds_metadata_rest_viewer(request, &viewer);
	if (!vmds_metadata_rest_object(request, &object, error))
		return FALSE;
	for (guint i = 0; i < entries->len; i++) {
		if (!vmds_metadata_rest_check_vcenter(
			plugin, &object, &viewer, g_ptr_array_index(entries, i), error)) {
			g_prefix_error(error, "metadataEntry[%u]: ", i);
			return FALSE;
		}
	}
	if (!vmds_metadata_merge(request->store, &object, &viewer, entries, error))
		return FALSE;
	return vmds_metadata_rest_reply_list(request, &object, error);
}

static const gchar *
vmds_metadata_rest_key(VmdsRequest *request)
{
	return g_hash_table_lookup(request->params, "key");
}

/* GET OBJECT/metadata[/DOMAIN]/{key} */
static gboolean
vmds_metadata_rest_get_in(VmdsRequest *request, VmdsMetadataDomain domain, GError **error)
{
	VmdsMetadataObject object = {0};
	VmdsMetadataViewer viewer = {0};
	g_autoptr(VmdsMetadataEntry) entry = NULL;

	vmds_metadata_rest_viewer(request, &viewer);
	if (!vmds_metadata_rest_object(request, &object, error))
		return FALSE;
	entry = vmds_metadata_get(
	    request->store, &object, &viewer, domain, vmds_metadata_rest_key(request), error);
	if (entry == NULL)
		return FALSE;
	vmds_metadata_rest_append_value(request->response, entry);
	return TRUE;
}

/* PUT OBJECT/metadata[/DOMAIN]/{key} {"domain"?, "typedValue"} → 200 the
 * value as kept */
static gboolean
vmds_metadata_rest_put_in(VmdsPlugin *plugin,
			  VmdsRequest *request,
			  VmdsMetadataDomain domain,
			  GError **error)
{
	g_autoptr(JsonObject) body =
	    vmds_json_parse_object(request->body, request->body_len, error);
	VmdsMetadataVisibility visibility = VMDS_METADATA_READWRITE;
	VmdsMetadataType type = VMDS_METADATA_STRING;
	VmdsMetadataObject object = {0};
	VmdsMetadataViewer viewer = {0};
	g_autoptr(VmdsMetadataEntry) entry = NULL;
	g_autofree gchar *value = NULL;

	if (body == NULL ||
	    !vmds_json_object_check_members(body, vmds_metadata_rest_value_members, error) ||
	    !vmds_metadata_rest_read_domain(body, FALSE, &domain, &visibility, error) ||
	    !vmds_metadata_rest_read_typed(body, &type, &value, error))
		return FALSE;
	vmds_metadata_rest_viewer(request, &viewer);
	entry = vmds_metadata_entry_new(
	    domain, visibility, vmds_metadata_rest_key(request), type, value);
	if (!vmds_metadata_rest_object(request, &object, error) ||
	    !vmds_metadata_rest_check_vcenter(plugin, &object, &viewer, entry, error) ||
	    !vmds_metadata_set(request->store, &object, &viewer, entry, error))
		return FALSE;
	vmds_metadata_rest_append_value(request->response, entry);
	return TRUE;
}

/* DELETE OBJECT/metadata[/DOMAIN]/{key} → 204 */
static gboolean
vmds_metadata_rest_delete_in(VmdsRequest *request, VmdsMetadataDomain domain, GError **error)
{
	VmdsMetadataObject object = {0};
	VmdsMetadataViewer viewer = {0};

	vmds_metadata_rest_viewer(request, &viewer);
	if (!vmds_metadata_rest_object(request, &object, error) ||
	    !vmds_metadata_remove(
		request->store, &object, &viewer, domain, vmds_metadata_rest_key(request), error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

#define VMDS_METADATA_REST_DOMAIN_ROUTES(name, domain)                                             \
	static gboolean vmds_metadata_rest_get_##name(                                             \
	    VmdsPlugin *plugin, VmdsRequest *request, GError **error)                              \
	{                                                                                          \
		return vmds_metadata_rest_get_in(request, domain, error);                          \
	}                                                                                          \
	static gboolean vmds_metadata_rest_put_##name(                                             \
	    VmdsPlugin *plugin, VmdsRequest *request, GError **error)                              \
	{                                                                                          \
		return vmds_metadata_rest_put_in(plugin, request, domain, error);                  \
	}                                                                                          \
	static gboolean vmds_metadata_rest_delete_##name(                                          \
	    VmdsPlugin *plugin, VmdsRequest *request, GError **error)                              \
	{                                                                                          \
		return vmds_metadata_rest_delete_in(request, domain, error);                       \
	}

VMDS_METADATA_REST_DOMAIN_ROUTES(general, VMDS_METADATA_GENERAL)
VMDS_METADATA_REST_DOMAIN_ROUTES(system, VMDS_METADATA_SYSTEM)
VMDS_METADATA_REST_DOMAIN_ROUTES(vcenter, VMDS_METADATA_VCENTER)

/**
 * vmds_metadata_rest_describe_vm:
 * @vm: a VM whose settings `GET /api/vcenter/vm/{vm}` writes
 * @caller: who asked
 * @out: its JSON object so far
 *
 * Appends `,"metadata_vcenter":[ENTRY...]`, the VM's VCENTER entries (what
 * the hypervisor integration reads to place it), when @caller may see that
 * domain: an administrator, or a holder of the right.
 */
void
vmds_metadata_rest_describe_vm(VmdsVm *vm, const VmdsCaller *caller, GString *out)
{
	const VmdsMetadataObject object = {VMDS_METADATA_OBJECT_VM, ""};
	const VmdsMetadataViewer viewer = {caller->user, TRUE, TRUE};
	g_autoptr(GPtrArray) entries = NULL;
	g_autoptr(GError) error = NULL;
	gboolean first = TRUE;

	if (vm->store == NULL || !(caller->administrator || caller->vcenter_metadata))
		return;
	entries = vmds_metadata_list(vm->store, &object, &viewer, &error);
	if (entries == NULL) {
		g_warning("%s: cannot read its VCENTER metadata: %s", vm->id, error->message);
		return;
	}
	g_string_append(out, ",\"metadata_vcenter\":[");
	for (guint i = 0; i < entries->len; i++) {
		const VmdsMetadataEntry *entry = g_ptr_array_index(entries, i);
		if (entry->domain != VMDS_METADATA_VCENTER)
			continue;
		if (!first)
			g_string_append_c(out, ',');
		vmds_metadata_rest_append_entry(out, entry);
		first = FALSE;
	}
	g_string_append_c(out, ']');
}

static void
vmds_metadata_rest_add_object_routes(VmdsPlugin *plugin, const gchar *object)
{
	static const struct {
		const gchar *suffix;
		VmdsRouteFunc get;
		VmdsRouteFunc put;
		VmdsRouteFunc delete;
	} domains[] = {
	    {"/metadata/{key}",
	     vmds_metadata_rest_get_general,
	     vmds_metadata_rest_put_general,
	     vmds_metadata_rest_delete_general},
	    {"/metadata/SYSTEM/{key}",
	     vmds_metadata_rest_get_system,
	     vmds_metadata_rest_put_system,
	     vmds_metadata_rest_delete_system},
	    {"/metadata/VCENTER/{key}",
	     vmds_metadata_rest_get_vcenter,
	     vmds_metadata_rest_put_vcenter,
	     vmds_metadata_rest_delete_vcenter},
	};
	g_autofree gchar *all = g_strconcat(object, "/metadata", NULL);

	vmds_plugin_add_route(plugin, "GET", all, vmds_metadata_rest_list, VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin, "POST", all, vmds_metadata_rest_merge, VMDS_ROUTE_FLAG_NONE);
	for (guint i = 0; i < G_N_ELEMENTS(domains); i++) {
		g_autofree gchar *one = g_strconcat(object, domains[i].suffix, NULL);
		vmds_plugin_add_route(plugin, "GET", one, domains[i].get, VMDS_ROUTE_FLAG_NONE);
		vmds_plugin_add_route(plugin, "PUT", one, domains[i].put, VMDS_ROUTE_FLAG_NONE);
		vmds_plugin_add_route(
		    plugin, "DELETE", one, domains[i].delete, VMDS_ROUTE_FLAG_NONE);
	}
}

/**
 * vmds_metadata_rest_add_routes:
 * @plugin: the metadata plugin
 *
 * Registers the metadata routes of VMs and of data sets.
 */
void
vmds_metadata_rest_add_routes(VmdsPlugin *plugin)
{
	vmds_metadata_rest_add_object_routes(plugin, "/api/vcenter/vm/{vm}");
	vmds_metadata_rest_add_object_routes(plugin, "/api/vcenter/vm/{vm}/data-sets/{data_set}");
}

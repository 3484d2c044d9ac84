/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "vmds-metadata-query.h"

/*
 * GET /api/query?type=vm|dataset&filter=F&fields=metadata:K,...&page=N&pageSize=M
 *
 * vCD's query service over the global metadata index
 * (vmds_metadata_index_query()): F in vCD's filter syntax (its keys and
 * values percent-encoded inside the already decoded query parameter), the
 * fields a comma-separated list of `metadata:KEY` or `metadata@DOMAIN:KEY`
 * (KEY percent-encoded as in a filter), page from 1, pageSize 1 to 128
 * (25 when absent). The reply:
 *
 *   {"resultTotal":N,"pageCount":N,"page":N,"pageSize":N,
 *    "record":[{"vm":ID,"name":NAME?,"type":"vm"|"dataset","dataSet":NAME?,
 *               "metadataEntry":[ENTRY...]}...]}
 *
 * ENTRY as the metadata routes write it; only the requested fields the
 * object has and the caller may see; a STRING over 1,000 characters (not
 * indexed) has the value null. A malformed parameter is 400
 * INVALID_ARGUMENT with the filter's message ("filter: column N: ...").
 */

#define VMDS_METADATA_QUERY_INDEX_KEY "vmds-metadata-index"

/* the parameter @name, a decimal integer from 1 to @max; @fallback when
 * absent */
static gboolean
vmds_metadata_query_read_uint(
    GHashTable *query, const gchar *name, guint fallback, guint max, guint *value, GError **error)
{
	const gchar *text = query != NULL ? g_hash_table_lookup(query, name) : NULL;
	guint64 number = 0;

	if (text == NULL) {
		*value = fallback;
		return TRUE;
	}
	/* a number past @max is named as such, not as no number */
	if (!g_ascii_string_to_unsigned(text, 10, 1, max, &number, NULL)) {
		g_autofree gchar *quoted = vmds_json_abbreviate(text);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s: '%s' is not an integer from 1 to %u",
			    name,
			    quoted,
			    max);
		return FALSE;
	}
	*value = (guint)number;
	return TRUE;
}

/* "metadata:K,metadata@SYSTEM:K2": each K percent-decoded */
static GStrv
vmds_metadata_query_read_fields(const gchar *text, GError **error)
{
	g_auto(GStrv) parts = NULL;
	g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func(g_free);

	if (text == NULL || text[0] == '\0') {
		g_ptr_array_add(fields, NULL);
		return (GStrv)g_ptr_array_free(g_steal_pointer(&fields), FALSE);
	}
	parts = g_strsplit(text, ",", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		const gchar *colon = strchr(parts[i], ':');
		g_autofree gchar *key = NULL;
		g_autofree gchar *quoted = NULL;

		if (colon != NULL)
			key = g_uri_unescape_string(colon + 1, NULL);
		if (colon != NULL && key != NULL) {
			g_ptr_array_add(
			    fields,
			    g_strdup_printf("%.*s:%s", (gint)(colon - parts[i]), parts[i], key));
			continue;
		}
		quoted = vmds_json_abbreviate(parts[i]);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "fields: '%s' is not metadata:KEY or metadata@DOMAIN:KEY",
			    quoted);
		return NULL;
	}
	g_ptr_array_add(fields, NULL);
	return (GStrv)g_ptr_array_free(g_steal_pointer(&fields), FALSE);
}

static void
vmds_metadata_query_append_entry(GString *out, const VmdsMetadataEntry *entry)
{
	g_string_append_c(out, '{');
	if (entry->domain != VMDS_METADATA_GENERAL)
		g_string_append_printf(out,
				       "\"domain\":{\"value\":\"%s\",\"visibility\":\"%s\"},",
				       vmds_metadata_domain_to_string(entry->domain),
				       vmds_metadata_visibility_to_string(entry->visibility));
	g_string_append(out, "\"key\":");
	vmds_json_append_string(out, entry->key, -1);
	g_string_append_printf(out,
			       ",\"typedValue\":{\"_type\":\"%s\",\"value\":",
			       vmds_metadata_type_to_api_name(entry->type));
	if (entry->value == NULL)
		g_string_append(out, "null");
	else if (entry->type == VMDS_METADATA_NUMBER || entry->type == VMDS_METADATA_BOOLEAN)
		g_string_append(out, entry->value);
	else
		vmds_json_append_string(out, entry->value, -1);
	g_string_append(out, "}}");
}

static gboolean
vmds_metadata_query_route(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsMetadataIndex *index =
	    g_object_get_data(G_OBJECT(plugin), VMDS_METADATA_QUERY_INDEX_KEY);
	VmdsContext *context = vmds_plugin_get_context(plugin);
	g_autoptr(VmdsMetadataIndexResult) result = NULL;
	g_auto(GStrv) fields = NULL;
	const gchar *type = NULL;
	const gchar *filter = NULL;
	guint page = 1;
	guint page_size = VMDS_METADATA_INDEX_PAGE_SIZE;

	if (index == NULL) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_UNAVAILABLE, "the metadata index is not open");
		return FALSE;
	}
	if (request->query != NULL) {
		type = g_hash_table_lookup(request->query, "type");
		filter = g_hash_table_lookup(request->query, "filter");
	}
	if (type == NULL) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "type: required, vm or dataset");
		return FALSE;
	}
	if (!vmds_metadata_query_read_uint(request->query, "page", 1, G_MAXUINT, &page, error) ||
	    !vmds_metadata_query_read_uint(request->query,
					   "pageSize",
					   VMDS_METADATA_INDEX_PAGE_SIZE,
					   VMDS_METADATA_INDEX_MAX_PAGE_SIZE,
					   &page_size,
					   error))
		return FALSE;
	fields = vmds_metadata_query_read_fields(
	    request->query != NULL ? g_hash_table_lookup(request->query, "fields") : NULL, error);
	if (fields == NULL)
		return FALSE;
	result = vmds_metadata_index_query(index,
					   type,
					   filter,
					   &request->caller,
					   page,
					   page_size,
					   (const gchar *const *)fields,
					   error);
	if (result == NULL)
		return FALSE;

	g_string_append_printf(request->response,
			       "{\"resultTotal\":%" G_GUINT64_FORMAT
			       ",\"pageCount\":%" G_GUINT64_FORMAT ",\"page\":%u,\"pageSize\":%u,"
			       "\"record\":[",
			       result->total,
			       (result->total + result->page_size - 1) / result->page_size,
			       result->page,
			       result->page_size);
	for (guint i = 0; i < result->rows->len; i++) {
		VmdsMetadataIndexRow *row = g_ptr_array_index(result->rows, i);
		/* borrowed */
		VmdsVm *vm = context != NULL ? vmds_context_lookup_vm(context, row->vm) : NULL;
		gboolean first = TRUE;

		if (i > 0)
			g_string_append_c(request->response, ',');
		g_string_append(request->response, "{\"vm\":");
		vmds_json_append_string(request->response, row->vm, -1);
		if (vm != NULL && vm->name != NULL) {
			g_string_append(request->response, ",\"name\":");
			vmds_json_append_string(request->response, vm->name, -1);
		}
		g_string_append(request->response, ",\"type\":");
		vmds_json_append_string(request->response, row->object_type, -1);
		if (row->object_name[0] != '\0') {
			g_string_append(request->response, ",\"dataSet\":");
			vmds_json_append_string(request->response, row->object_name, -1);
		}
		g_string_append(request->response, ",\"metadataEntry\":[");
		for (guint j = 0; j < row->fields->len; j++) {
			VmdsMetadataEntry *entry = g_ptr_array_index(row->fields, j);
			if (entry == NULL)
				continue;
			if (!first)
				g_string_append_c(request->response, ',');
			first = FALSE;
			vmds_metadata_query_append_entry(request->response, entry);
		}
		g_string_append(request->response, "]}");
	}
	g_string_append(request->response, "]}");
	return TRUE;
}

/**
 * vmds_metadata_query_add_routes:
 * @plugin: the metadata plugin, in its startup
 * @index: (transfer none): the index the route queries; it must outlive
 *   @plugin's routes (the plugin owns it and frees it at shutdown)
 *
 * Registers `GET /api/query` (every caller: non-administrators see the
 * objects of their own VMs).
 */
void
vmds_metadata_query_add_routes(VmdsPlugin *plugin, VmdsMetadataIndex *index)
{
	g_return_if_fail(VMDS_IS_PLUGIN(plugin));
	g_return_if_fail(index != NULL);

	g_object_set_data(G_OBJECT(plugin), VMDS_METADATA_QUERY_INDEX_KEY, index);
	vmds_plugin_add_route(
	    plugin, "GET", "/api/query", vmds_metadata_query_route, VMDS_ROUTE_FLAG_NONE);
}

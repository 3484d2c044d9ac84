/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-datasets-plugin.h"

/*
 * The REST side of DataSets: the `/api/vcenter/vm/{vm}/data-sets` routes.
 * Failures are returned as a GError, which the core turns into an error
 * body; large bodies (a data set's keys, a value) are sent a part at a time.
 */

/* what a REST reply sent a part at a time holds in one part, about */
#define VMDS_DATASETS_STREAM_PART 65536

static const gchar *
vmds_datasets_rest_param(VmdsRequest *request, const gchar *name)
{
	return g_hash_table_lookup(request->params, name);
}

/*
 * The key an entry route names: the path's `{key}`, or on the entries
 * collection the query's `key` (which carries any key, `/`, `.` and `..`
 * segments included, that an HTTP stack would change in a path)
 */
static const gchar *
vmds_datasets_rest_key(VmdsRequest *request, GError **error)
{
	const gchar *key = vmds_datasets_rest_param(request, "key");

	if (key == NULL && request->query != NULL)
		key = g_hash_table_lookup(request->query, "key");
	if (key == NULL) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "no key: name it in the path (.../entries/KEY) or as "
				    ".../entries?key=KEY");
		return NULL;
	}
	if (!g_utf8_validate(key, -1, NULL)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "the key is not valid percent-encoded UTF-8");
		return NULL;
	}
	return key;
}

static JsonObject *
vmds_datasets_rest_parse_body(VmdsRequest *request, const gchar *const *allowed, GError **error)
{
	g_autoptr(JsonObject) obj = vmds_json_parse_object(request->body, request->body_len, error);
	if (obj == NULL || !vmds_json_object_check_members(obj, allowed, error))
		return NULL;
	return g_steal_pointer(&obj);
}

/* the members create and update share; @fields says which were given */
static gboolean
vmds_datasets_rest_parse_attributes(JsonObject *obj,
				    VmdsDataset *dataset,
				    VmdsDatasetField *fields,
				    GError **error)
{
	const gchar *description = NULL;
	const gchar *host = NULL;
	const gchar *guest = NULL;
	gboolean present = FALSE;

	if (!vmds_json_object_get_string(obj, "description", FALSE, &description, error) ||
	    !vmds_json_object_get_string(obj, "host", FALSE, &host, error) ||
	    !vmds_json_object_get_string(obj, "guest", FALSE, &guest, error) ||
	    !vmds_json_object_get_boolean(obj,
					  "omit_from_snapshot_and_clone",
					  &dataset->omit_from_snapshot_and_clone,
					  &present,
					  error))
		return FALSE;
	*fields = 0;
	if (present)
		*fields |= VMDS_DATASET_FIELD_OMIT;
	if (description != NULL) {
		g_free(dataset->description);
		dataset->description = g_strdup(description);
		*fields |= VMDS_DATASET_FIELD_DESCRIPTION;
	}
	if (host != NULL) {
		if (!vmds_access_from_string(host, &dataset->host, error)) {
			g_prefix_error(error, "host: ");
			return FALSE;
		}
		*fields |= VMDS_DATASET_FIELD_HOST;
	}
	if (guest != NULL) {
		if (!vmds_access_from_string(guest, &dataset->guest, error)) {
			g_prefix_error(error, "guest: ");
			return FALSE;
		}
		*fields |= VMDS_DATASET_FIELD_GUEST;
	}
	return TRUE;
}

static gboolean
vmds_datasets_rest_rest_create(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *const allowed[] = {
	    "name", "description", "host", "guest", "omit_from_snapshot_and_clone", NULL};
	g_autoptr(JsonObject) obj = vmds_datasets_rest_parse_body(request, allowed, error);
	g_autoptr(VmdsDataset) dataset = vmds_dataset_new();
	VmdsDatasetField fields = 0;
	const gchar *name = NULL;

	if (obj == NULL || !vmds_json_object_get_string(obj, "name", TRUE, &name, error) ||
	    !vmds_datasets_rest_parse_attributes(obj, dataset, &fields, error))
		return FALSE;
	if ((fields & VMDS_DATASET_FIELD_HOST) == 0 || (fields & VMDS_DATASET_FIELD_GUEST) == 0) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "members 'host' and 'guest' are required");
		return FALSE;
	}
	/* a name with a slash, or a dot segment, could never be named in a path */
	if (strchr(name, '/') != NULL || g_strcmp0(name, ".") == 0 || g_strcmp0(name, "..") == 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "data set name '%s' cannot be named in a path: no '/', '.' or '..'",
			    name);
		return FALSE;
	}
	dataset->name = g_strdup(name);
	/* a transaction of its own, so that the store's ::committed tells
	 * whoever follows it (the metadata query index lists every data set) */
	if (!vmds_store_begin(request->store, error) ||
	    !vmds_store_end(
		request->store, vmds_datasets_create(request->store, dataset, error), error))
		return FALSE;
	request->status = 201;
	vmds_json_append_string(request->response, dataset->name, -1);
	return TRUE;
}

static gboolean
vmds_datasets_rest_rest_list(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(GPtrArray) datasets = vmds_datasets_list(request->store, error);

	if (datasets == NULL)
		return FALSE;
	g_string_append_c(request->response, '[');
	for (guint i = 0; i < datasets->len; i++) {
		VmdsDataset *dataset = g_ptr_array_index(datasets, i);
		if (i > 0)
			g_string_append_c(request->response, ',');
		g_string_append(request->response, "{\"data_set\":");
		vmds_json_append_string(request->response, dataset->name, -1);
		g_string_append(request->response, ",\"name\":");
		vmds_json_append_string(request->response, dataset->name, -1);
		g_string_append(request->response, ",\"description\":");
		vmds_json_append_string(request->response, dataset->description, -1);
		g_string_append_c(request->response, '}');
	}
	g_string_append_c(request->response, ']');
	return TRUE;
}

static gboolean
vmds_datasets_rest_rest_get(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(VmdsDataset) dataset =
	    vmds_datasets_get(request->store, vmds_datasets_rest_param(request, "data_set"), error);

	if (dataset == NULL)
		return FALSE;
	g_string_append_c(request->response, '{');
	vmds_dataset_append_attributes(request->response, dataset);
	g_string_append_c(request->response, '}');
	return TRUE;
}

static gboolean
vmds_datasets_rest_rest_update(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *const allowed[] = {
	    "description", "host", "guest", "omit_from_snapshot_and_clone", NULL};
	g_autoptr(JsonObject) obj = vmds_datasets_rest_parse_body(request, allowed, error);
	g_autoptr(VmdsDataset) values = vmds_dataset_new();
	VmdsDatasetField fields = 0;

	if (obj == NULL || !vmds_datasets_rest_parse_attributes(obj, values, &fields, error))
		return FALSE;
	if (!vmds_datasets_update(request->store,
				  vmds_datasets_rest_param(request, "data_set"),
				  values,
				  fields,
				  error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

static gboolean
vmds_datasets_rest_rest_delete(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *force_str =
	    request->query != NULL ? g_hash_table_lookup(request->query, "force") : NULL;
	gboolean force = FALSE;

	if (force_str != NULL) {
		if (g_strcmp0(force_str, "true") == 0) {
			force = TRUE;
		} else if (g_strcmp0(force_str, "false") != 0) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "force must be true or false, not '%s'",
				    force_str);
			return FALSE;
		}
	}
	if (!vmds_datasets_delete(
		request->store, vmds_datasets_rest_param(request, "data_set"), force, error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

/* GET .../entries, a part at a time: the keys after the last one sent, in
 * byte order, as the store has them when each part is written */
typedef struct {
	VmdsStore *store;
	gchar *dataset;
	gchar *after; /* the last key sent; NULL before the first part */
} VmdsDatasetsKeyStream;

static void
vmds_datasets_key_stream_free(VmdsDatasetsKeyStream *stream)
{
	g_clear_object(&stream->store);
	g_free(stream->dataset);
	g_free(stream->after);
	g_free(stream);
}

static gboolean
vmds_datasets_key_stream_next(gpointer data, GString *out, gboolean *done, GError **error)
{
	VmdsDatasetsKeyStream *stream = data;
	gboolean more = FALSE;
	g_autoptr(GPtrArray) keys = vmds_datasets_list_keys(stream->store,
							    VMDS_SIDE_HOST,
							    stream->dataset,
							    stream->after,
							    VMDS_DATASETS_STREAM_PART,
							    &more,
							    error);

	if (keys == NULL)
		return FALSE;
	if (stream->after == NULL)
		g_string_append_c(out, '[');
	for (guint i = 0; i < keys->len; i++) {
		if (stream->after != NULL || i > 0)
			g_string_append_c(out, ',');
		vmds_json_append_string(out, g_ptr_array_index(keys, i), -1);
	}
	if (keys->len > 0) {
		g_free(stream->after);
		stream->after = g_strdup(g_ptr_array_index(keys, keys->len - 1));
	}
	*done = !more;
	if (*done)
		g_string_append_c(out, ']');
	return TRUE;
}

static gboolean
vmds_datasets_rest_rest_get_entry(VmdsPlugin *plugin, VmdsRequest *request, GError **error);

static gboolean
vmds_datasets_rest_rest_list_entries(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsDatasetsKeyStream *stream;
	gboolean done = FALSE;

	/* .../entries?key=KEY is that entry */
	if (request->query != NULL && g_hash_table_contains(request->query, "key"))
		return vmds_datasets_rest_rest_get_entry(plugin, request, error);
	stream = g_new0(VmdsDatasetsKeyStream, 1);

	stream->store = g_object_ref(request->store);
	stream->dataset = g_strdup(vmds_datasets_rest_param(request, "data_set"));
	/* the first part here: a missing data set or denied access is an error
	 * reply, not a body cut short */
	if (!vmds_datasets_key_stream_next(stream, request->response, &done, error)) {
		vmds_datasets_key_stream_free(stream);
		return FALSE;
	}
	if (done) {
		vmds_datasets_key_stream_free(stream);
		return TRUE;
	}
	vmds_request_set_stream(request,
				vmds_datasets_key_stream_next,
				stream,
				(GDestroyNotify)vmds_datasets_key_stream_free);
	return TRUE;
}

/* GET .../entries/{key}: a value as a JSON string, escaped a part at a time
 * (a 1 MiB value of control characters is 6 MiB of JSON) */
typedef struct {
	VmdsEntry *entry;
	gsize sent; /* bytes of the value escaped so far */
} VmdsDatasetsValueStream;

static void
vmds_datasets_value_stream_free(VmdsDatasetsValueStream *stream)
{
	vmds_entry_free(stream->entry);
	g_free(stream);
}

static gboolean
vmds_datasets_value_stream_next(gpointer data, GString *out, gboolean *done, GError **error)
{
	VmdsDatasetsValueStream *stream = data;
	gsize n = MIN(stream->entry->value_len - stream->sent, VMDS_DATASETS_STREAM_PART / 6);

	if (stream->sent == 0)
		g_string_append_c(out, '"');
	vmds_json_append_escaped(out, stream->entry->value + stream->sent, n);
	stream->sent += n;
	*done = stream->sent == stream->entry->value_len;
	if (*done)
		g_string_append_c(out, '"');
	return TRUE;
}

static gboolean
vmds_datasets_rest_rest_get_entry(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	g_autoptr(GPtrArray) entries = NULL;
	VmdsDatasetsValueStream *stream;
	const gchar *key = vmds_datasets_rest_key(request, error);
	gboolean done = FALSE;

	if (key == NULL)
		return FALSE;
	g_ptr_array_add(keys, (gpointer)key);
	entries = vmds_datasets_get_entries(request->store,
					    VMDS_SIDE_HOST,
					    vmds_datasets_rest_param(request, "data_set"),
					    keys,
					    0,
					    0,
					    NULL,
					    error);
	if (entries == NULL)
		return FALSE;
	stream = g_new0(VmdsDatasetsValueStream, 1);
	stream->entry = g_ptr_array_steal_index(entries, 0);
	vmds_datasets_value_stream_next(stream, request->response, &done, error);
	if (done) {
		vmds_datasets_value_stream_free(stream);
		return TRUE;
	}
	vmds_request_set_stream(request,
				vmds_datasets_value_stream_next,
				stream,
				(GDestroyNotify)vmds_datasets_value_stream_free);
	return TRUE;
}

static gboolean
vmds_datasets_rest_rest_set_entry(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(GPtrArray) entries =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);
	const gchar *key = vmds_datasets_rest_key(request, error);
	g_autoptr(JsonNode) body = NULL;
	const gchar *value;

	/* one error at a time: the key first, then the body */
	if (key == NULL)
		return FALSE;
	body = vmds_json_parse(request->body, request->body_len, error);
	if (body == NULL)
		return FALSE;
	value = vmds_json_node_get_string(body, "the body", error);
	if (value == NULL)
		return FALSE;
	g_ptr_array_add(entries, vmds_entry_new(key, value, strlen(value), FALSE));
	if (!vmds_datasets_set_entries(request->store,
				       vmds_datasets_plugin_get_limits(plugin),
				       VMDS_SIDE_HOST,
				       vmds_datasets_rest_param(request, "data_set"),
				       entries,
				       error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

static gboolean
vmds_datasets_rest_rest_delete_entry(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	const gchar *key = vmds_datasets_rest_key(request, error);

	if (key == NULL)
		return FALSE;
	g_ptr_array_add(keys, (gpointer)key);
	if (!vmds_datasets_delete_entries(request->store,
					  VMDS_SIDE_HOST,
					  vmds_datasets_rest_param(request, "data_set"),
					  keys,
					  error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

#define VMDS_DATASETS_PATH "/api/vcenter/vm/{vm}/data-sets"

static const struct {
	const gchar *method;
	const gchar *pattern;
	VmdsRouteFunc func;
} vmds_datasets_routes[] = {
    {"POST", VMDS_DATASETS_PATH, vmds_datasets_rest_rest_create},
    {"GET", VMDS_DATASETS_PATH, vmds_datasets_rest_rest_list},
    {"GET", VMDS_DATASETS_PATH "/{data_set}", vmds_datasets_rest_rest_get},
    {"PATCH", VMDS_DATASETS_PATH "/{data_set}", vmds_datasets_rest_rest_update},
    {"DELETE", VMDS_DATASETS_PATH "/{data_set}", vmds_datasets_rest_rest_delete},
    {"GET", VMDS_DATASETS_PATH "/{data_set}/entries", vmds_datasets_rest_rest_list_entries},
    {"PUT", VMDS_DATASETS_PATH "/{data_set}/entries", vmds_datasets_rest_rest_set_entry},
    {"DELETE", VMDS_DATASETS_PATH "/{data_set}/entries", vmds_datasets_rest_rest_delete_entry},
    {"GET", VMDS_DATASETS_PATH "/{data_set}/entries/{key*}", vmds_datasets_rest_rest_get_entry},
    {"PUT", VMDS_DATASETS_PATH "/{data_set}/entries/{key*}", vmds_datasets_rest_rest_set_entry},
    {"DELETE",
     VMDS_DATASETS_PATH "/{data_set}/entries/{key*}",
     vmds_datasets_rest_rest_delete_entry},
};

/**
 * vmds_datasets_rest_register:
 * @plugin: the DataSets plugin, starting
 *
 * Registers the `/api/vcenter/vm/{vm}/data-sets` routes.
 */
void
vmds_datasets_rest_register(VmdsPlugin *plugin)
{
	for (guint i = 0; i < G_N_ELEMENTS(vmds_datasets_routes); i++)
		vmds_plugin_add_route(plugin,
				      vmds_datasets_routes[i].method,
				      vmds_datasets_routes[i].pattern,
				      vmds_datasets_routes[i].func,
				      VMDS_ROUTE_FLAG_NONE);
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdarg.h>

#include "vmds.h"

/*
 * The DataSets plugin: the guest `datasets-*` commands and the
 * `/api/vcenter/vm/{vm}/data-sets` routes, two thin adapters over the engine
 * in lib/vmds-datasets.c. Guest replies are the JSON envelope of
 * guest-rpc.md §5; REST failures are returned as a GError for the daemon to
 * turn into an error body.
 */

#define VMDS_TYPE_DATASETS_PLUGIN (vmds_datasets_plugin_get_type())
G_DECLARE_FINAL_TYPE(VmdsDatasetsPlugin, vmds_datasets_plugin, VMDS, DATASETS_PLUGIN, VmdsPlugin)

struct _VmdsDatasetsPlugin {
	VmdsPlugin parent_instance;
};

G_DEFINE_FINAL_TYPE(VmdsDatasetsPlugin, vmds_datasets_plugin, VMDS_TYPE_PLUGIN)

/* room in a page for the envelope and the context around the items */
#define VMDS_DATASETS_PAGE_RESERVE 8192
#define VMDS_DATASETS_PAGE_ITEMS   (VMDS_DATASETS_MAX_PAGE - VMDS_DATASETS_PAGE_RESERVE)

/* what a REST reply sent a part at a time holds in one part, about */
#define VMDS_DATASETS_STREAM_PART 65536

/* separates the parts of a context's request identity; not valid in JSON text */
#define VMDS_DATASETS_SEP "\x1f"

/* the members datasets-query and GET .../data-sets/{data_set} share */
static void
vmds_datasets_plugin_append_attributes(GString *out, const VmdsDataset *dataset)
{
	g_string_append(out, "\"name\":");
	vmds_json_append_string(out, dataset->name, -1);
	g_string_append(out, ",\"description\":");
	vmds_json_append_string(out, dataset->description, -1);
	g_string_append_printf(out,
			       ",\"host\":\"%s\",\"guest\":\"%s\",\"used\":%" G_GINT64_FORMAT
			       ",\"omit_from_snapshot_and_clone\":%s",
			       vmds_access_to_string(dataset->host),
			       vmds_access_to_string(dataset->guest),
			       dataset->used,
			       dataset->omit_from_snapshot_and_clone ? "true" : "false");
}

/* guest side */

/* the members of a guest command's arguments, decoded straight from the text
 * (no json-glib tree: this is the hot path) */
typedef enum {
	VMDS_DATASETS_ARG_DATASET = 1 << 0,
	VMDS_DATASETS_ARG_KEYS = 1 << 1,
	VMDS_DATASETS_ARG_ENTRIES = 1 << 2,
	VMDS_DATASETS_ARG_CONTEXT = 1 << 3,
	/* `context` is accepted and ignored, whatever it holds (datasets-query) */
	VMDS_DATASETS_ARG_IGNORE_CONTEXT = 1 << 4,
} VmdsDatasetsArg;

/* their names: the member of VmdsDatasetsArg 1 << i is at i */
static const gchar *const vmds_datasets_arg_names[] = {
    "dataset", "keys", "entries", "context", NULL};

/* the members of an entry */
enum {
	VMDS_DATASETS_ENTRY_KEY,
	VMDS_DATASETS_ENTRY_VALUE,
	VMDS_DATASETS_ENTRY_APPEND,
	VMDS_DATASETS_ENTRY_LAST,
};
static const gchar *const vmds_datasets_entry_names[] = {
    [VMDS_DATASETS_ENTRY_KEY] = "key",
    [VMDS_DATASETS_ENTRY_VALUE] = "value",
    [VMDS_DATASETS_ENTRY_APPEND] = "append",
    [VMDS_DATASETS_ENTRY_LAST] = NULL,
};

typedef struct {
	gchar *dataset;
	GPtrArray *keys;    /* (element-type utf8) */
	GPtrArray *entries; /* (element-type VmdsEntry) */
	gchar *context;
} VmdsDatasetsArgs;

static void
vmds_datasets_args_clear(VmdsDatasetsArgs *args)
{
	g_free(args->dataset);
	g_clear_pointer(&args->keys, g_ptr_array_unref);
	g_clear_pointer(&args->entries, g_ptr_array_unref);
	g_free(args->context);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VmdsDatasetsArgs, vmds_datasets_args_clear)

/* forgets what @args holds of the member @arg */
static void
vmds_datasets_args_forget(VmdsDatasetsArgs *args, VmdsDatasetsArg arg)
{
	if (arg == VMDS_DATASETS_ARG_DATASET)
		g_clear_pointer(&args->dataset, g_free);
	else if (arg == VMDS_DATASETS_ARG_KEYS)
		g_clear_pointer(&args->keys, g_ptr_array_unref);
	else if (arg == VMDS_DATASETS_ARG_ENTRIES)
		g_clear_pointer(&args->entries, g_ptr_array_unref);
	else if (arg == VMDS_DATASETS_ARG_CONTEXT)
		g_clear_pointer(&args->context, g_free);
}

static gboolean vmds_datasets_plugin_invalid(GError **error, const gchar *format, ...)
    G_GNUC_PRINTF(2, 3);

static gboolean
vmds_datasets_plugin_invalid(GError **error, const gchar *format, ...)
{
	va_list ap;
	g_autofree gchar *message = NULL;

	va_start(ap, format);
	message = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_set_error_literal(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, message);
	return FALSE;
}

/* a member that is not one of @names, or (@idx >= 0) is @names[idx] but not
 * wanted here */
static gboolean
vmds_datasets_plugin_unknown_member(VmdsJsonReader *reader,
				    const gchar *const *names,
				    gint idx,
				    GError **error)
{
	g_autofree gchar *member = idx < 0 ? vmds_json_reader_member(reader) : NULL;
	g_autofree gchar *name = member != NULL ? vmds_json_abbreviate(member) : NULL;

	return vmds_datasets_plugin_invalid(
	    error, "unknown member '%s'", idx < 0 ? name : names[idx]);
}

static gchar *
vmds_datasets_plugin_read_string(VmdsJsonReader *reader,
				 const gchar *member,
				 gsize *len,
				 GError **error)
{
	gchar *value = vmds_json_reader_read_string(reader, len);
	if (value == NULL)
		vmds_datasets_plugin_invalid(error, "member '%s' must be a string", member);
	return value;
}

/* an array member: present and not empty */
static gboolean
vmds_datasets_plugin_enter_array(VmdsJsonReader *reader, const gchar *member, GError **error)
{
	if (vmds_json_reader_peek(reader) != '[')
		return vmds_datasets_plugin_invalid(error, "member '%s' must be an array", member);
	vmds_json_reader_enter(reader);
	if (!vmds_json_reader_next(reader))
		return vmds_datasets_plugin_invalid(error, "member '%s' must not be empty", member);
	return TRUE;
}

static GPtrArray *
vmds_datasets_plugin_read_keys(VmdsJsonReader *reader, GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);

	if (!vmds_datasets_plugin_enter_array(reader, "keys", error))
		return NULL;
	do {
		gchar *key = vmds_json_reader_read_string(reader, NULL);
		if (key == NULL) {
			g_set_error_literal(error,
					    VMDS_ERROR,
					    VMDS_ERROR_INVALID_ARGUMENT,
					    "each key must be a string");
			return NULL;
		}
		g_ptr_array_add(keys, key);
	} while (vmds_json_reader_next(reader));
	return g_steal_pointer(&keys);
}

static VmdsEntry *
vmds_datasets_plugin_read_entry(VmdsJsonReader *reader, GError **error)
{
	g_autofree gchar *key = NULL;
	g_autofree gchar *value = NULL;
	gsize value_len = 0;
	gboolean append = FALSE;

	if (vmds_json_reader_peek(reader) != '{') {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "each entry must be an object");
		return NULL;
	}
	vmds_json_reader_enter(reader);
	while (vmds_json_reader_next(reader)) {
		gint member = vmds_json_reader_member_index(reader, vmds_datasets_entry_names);
		/* a member named twice was refused by the validator; were it
		 * not, the later value would replace the earlier, not leak it */
		if (member == VMDS_DATASETS_ENTRY_KEY) {
			g_free(key);
			key = vmds_datasets_plugin_read_string(reader, "key", NULL, error);
			if (key == NULL)
				return NULL;
		} else if (member == VMDS_DATASETS_ENTRY_VALUE) {
			g_free(value);
			value =
			    vmds_datasets_plugin_read_string(reader, "value", &value_len, error);
			if (value == NULL)
				return NULL;
		} else if (member == VMDS_DATASETS_ENTRY_APPEND) {
			if (!vmds_json_reader_read_boolean(reader, &append)) {
				vmds_datasets_plugin_invalid(
				    error, "member '%s' must be true or false", "append");
				return NULL;
			}
		} else {
			vmds_datasets_plugin_unknown_member(
			    reader, vmds_datasets_entry_names, member, error);
			return NULL;
		}
	}
	if (key == NULL || value == NULL) {
		vmds_datasets_plugin_invalid(
		    error, "missing member '%s'", key == NULL ? "key" : "value");
		return NULL;
	}
	return vmds_entry_new(key, value, value_len, append);
}

static GPtrArray *
vmds_datasets_plugin_read_entries(VmdsJsonReader *reader, GError **error)
{
	g_autoptr(GPtrArray) entries =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);

	if (!vmds_datasets_plugin_enter_array(reader, "entries", error))
		return NULL;
	do {
		VmdsEntry *entry = vmds_datasets_plugin_read_entry(reader, error);
		if (entry == NULL)
			return NULL;
		g_ptr_array_add(entries, entry);
	} while (vmds_json_reader_next(reader));
	return g_steal_pointer(&entries);
}

/*
 * Decodes a guest command's arguments: a JSON object with the members
 * @allowed; `dataset` is always required and checked, `keys` and `entries`
 * are required when allowed.
 */
static gboolean
vmds_datasets_plugin_decode(const VmdsCall *call,
			    VmdsDatasetsArg allowed,
			    VmdsDatasetsArgs *args,
			    GError **error)
{
	VmdsJsonReader reader;

	if (!vmds_json_reader_init(&reader, call->args, call->args_len, error))
		return FALSE;
	if (vmds_json_reader_peek(&reader) != '{') {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "arguments must be a JSON object");
		return FALSE;
	}
	vmds_json_reader_enter(&reader);
	while (vmds_json_reader_next(&reader)) {
		gint member = vmds_json_reader_member_index(&reader, vmds_datasets_arg_names);
		VmdsDatasetsArg arg = member >= 0 ? 1u << member : 0;
		/* as in vmds_datasets_plugin_read_entry(): a later value replaces */
		vmds_datasets_args_forget(args, arg);
		if (arg == VMDS_DATASETS_ARG_DATASET) {
			args->dataset =
			    vmds_datasets_plugin_read_string(&reader, "dataset", NULL, error);
			if (args->dataset == NULL)
				return FALSE;
		} else if (arg == VMDS_DATASETS_ARG_KEYS && (allowed & arg) != 0) {
			args->keys = vmds_datasets_plugin_read_keys(&reader, error);
			if (args->keys == NULL)
				return FALSE;
		} else if (arg == VMDS_DATASETS_ARG_ENTRIES && (allowed & arg) != 0) {
			args->entries = vmds_datasets_plugin_read_entries(&reader, error);
			if (args->entries == NULL)
				return FALSE;
		} else if (arg == VMDS_DATASETS_ARG_CONTEXT && (allowed & arg) != 0) {
			args->context =
			    vmds_datasets_plugin_read_string(&reader, "context", NULL, error);
			if (args->context == NULL)
				return FALSE;
		} else if (arg == VMDS_DATASETS_ARG_CONTEXT &&
			   (allowed & VMDS_DATASETS_ARG_IGNORE_CONTEXT) != 0) {
			vmds_json_reader_skip(&reader);
		} else {
			return vmds_datasets_plugin_unknown_member(
			    &reader, vmds_datasets_arg_names, member, error);
		}
	}
	if (args->dataset == NULL)
		return vmds_datasets_plugin_invalid(error, "missing member '%s'", "dataset");
	if ((allowed & VMDS_DATASETS_ARG_KEYS) != 0 && args->keys == NULL)
		return vmds_datasets_plugin_invalid(error, "missing member '%s'", "keys");
	if ((allowed & VMDS_DATASETS_ARG_ENTRIES) != 0 && args->entries == NULL)
		return vmds_datasets_plugin_invalid(error, "missing member '%s'", "entries");
	return vmds_datasets_check_name(args->dataset, error);
}

static gboolean
vmds_datasets_plugin_list(const VmdsCall *call, GString *reply, GError **error)
{
	g_autoptr(GPtrArray) datasets = NULL;
	g_autofree gchar *args = g_strstrip(g_strndup(call->args, call->args_len));

	if (args[0] != '\0') {
		const gchar *const allowed[] = {NULL};
		g_autoptr(JsonObject) obj = vmds_json_parse_object(args, strlen(args), error);
		if (obj == NULL || !vmds_json_object_check_members(obj, allowed, error))
			return FALSE;
	}
	datasets = vmds_datasets_list(call->store, error);
	if (datasets == NULL)
		return FALSE;
	g_string_append(reply, "{\"result\":true,\"datasets\":[");
	for (guint i = 0; i < datasets->len; i++) {
		VmdsDataset *dataset = g_ptr_array_index(datasets, i);
		if (i > 0)
			g_string_append_c(reply, ',');
		g_string_append(reply, "{\"name\":");
		vmds_json_append_string(reply, dataset->name, -1);
		g_string_append(reply, ",\"description\":");
		vmds_json_append_string(reply, dataset->description, -1);
		g_string_append_c(reply, '}');
	}
	g_string_append(reply, "]}");
	return TRUE;
}

static gboolean
vmds_datasets_plugin_query(const VmdsCall *call, GString *reply, GError **error)
{
	g_auto(VmdsDatasetsArgs) args = {0};
	g_autoptr(VmdsDataset) dataset = NULL;

	if (!vmds_datasets_plugin_decode(call, VMDS_DATASETS_ARG_IGNORE_CONTEXT, &args, error))
		return FALSE;
	dataset = vmds_datasets_get(call->store, args.dataset, error);
	if (dataset == NULL)
		return FALSE;
	g_string_append(reply, "{\"result\":true,");
	vmds_datasets_plugin_append_attributes(reply, dataset);
	g_string_append_c(reply, '}');
	return TRUE;
}

/* the optional `context`: the cursor it carries, or NULL at the start */
static gboolean
vmds_datasets_plugin_get_cursor(const gchar *context,
				const gchar *request,
				gchar **cursor,
				GError **error)
{
	if (context == NULL)
		return TRUE;
	*cursor = vmds_datasets_context_parse(request, context, NULL, error);
	return *cursor != NULL;
}

static void
vmds_datasets_plugin_append_context(GString *reply, const gchar *request, const gchar *cursor)
{
	g_autofree gchar *context = vmds_datasets_context_new(request, cursor, strlen(cursor));
	g_string_append(reply, ",\"context\":");
	vmds_json_append_string(reply, context, -1);
}

static gboolean
vmds_datasets_plugin_list_keys(const VmdsCall *call, GString *reply, GError **error)
{
	g_auto(VmdsDatasetsArgs) args = {0};
	g_autofree gchar *request = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	gboolean more = FALSE;
	const gchar *name;

	if (!vmds_datasets_plugin_decode(call, VMDS_DATASETS_ARG_CONTEXT, &args, error))
		return FALSE;
	name = args.dataset;
	request = g_strjoin(VMDS_DATASETS_SEP, call->command, call->vm, name, NULL);
	if (!vmds_datasets_plugin_get_cursor(args.context, request, &after, error))
		return FALSE;
	keys = vmds_datasets_list_keys(
	    call->store, VMDS_SIDE_GUEST, name, after, VMDS_DATASETS_PAGE_ITEMS, &more, error);
	if (keys == NULL)
		return FALSE;
	g_string_append(reply, "{\"result\":true,\"keys\":[");
	for (guint i = 0; i < keys->len; i++) {
		if (i > 0)
			g_string_append_c(reply, ',');
		vmds_json_append_string(reply, g_ptr_array_index(keys, i), -1);
	}
	g_string_append_c(reply, ']');
	if (more && keys->len > 0)
		vmds_datasets_plugin_append_context(
		    reply, request, g_ptr_array_index(keys, keys->len - 1));
	g_string_append_c(reply, '}');
	return TRUE;
}

/* what a get-entry context is bound to: the data set and the exact keys */
static gchar *
vmds_datasets_plugin_entries_request(const VmdsCall *call, const gchar *name, GPtrArray *keys)
{
	GString *request = g_string_new(call->command);

	g_string_append(request, VMDS_DATASETS_SEP);
	g_string_append(request, call->vm);
	g_string_append(request, VMDS_DATASETS_SEP);
	g_string_append(request, name);
	for (guint i = 0; i < keys->len; i++) {
		g_string_append(request, VMDS_DATASETS_SEP);
		vmds_json_append_string(request, g_ptr_array_index(keys, i), -1);
	}
	return g_string_free(request, FALSE);
}

static gboolean
vmds_datasets_plugin_get_entry(const VmdsCall *call, GString *reply, GError **error)
{
	g_auto(VmdsDatasetsArgs) args = {0};
	g_autoptr(GPtrArray) entries = NULL;
	g_autofree gchar *request = NULL;
	g_autofree gchar *cursor = NULL;
	guint64 first = 0;
	guint next = 0;
	const gchar *name;
	GPtrArray *keys;

	if (!vmds_datasets_plugin_decode(
		call, VMDS_DATASETS_ARG_KEYS | VMDS_DATASETS_ARG_CONTEXT, &args, error))
		return FALSE;
	name = args.dataset;
	keys = args.keys;
	/* built only when paging needs it: most requests fit in one page */
	if (args.context != NULL) {
		request = vmds_datasets_plugin_entries_request(call, name, keys);
		if (!vmds_datasets_plugin_get_cursor(args.context, request, &cursor, error))
			return FALSE;
	}
	if (cursor != NULL &&
	    !g_ascii_string_to_unsigned(cursor, 10, 1, keys->len - 1, &first, NULL)) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "invalid or stale context");
		return FALSE;
	}
	entries = vmds_datasets_get_entries(call->store,
					    VMDS_SIDE_GUEST,
					    name,
					    keys,
					    (guint)first,
					    VMDS_DATASETS_PAGE_ITEMS,
					    &next,
					    error);
	if (entries == NULL)
		return FALSE;
	g_string_append(reply, "{\"result\":true,\"entries\":[");
	for (guint i = 0; i < entries->len; i++) {
		VmdsEntry *entry = g_ptr_array_index(entries, i);
		if (i > 0)
			g_string_append_c(reply, ',');
		g_string_append_c(reply, '{');
		vmds_json_append_string(reply, entry->key, -1);
		g_string_append_c(reply, ':');
		vmds_json_append_string(reply, entry->value, (gssize)entry->value_len);
		g_string_append_c(reply, '}');
	}
	g_string_append_c(reply, ']');
	if (next < keys->len) {
		g_autofree gchar *next_str = g_strdup_printf("%u", next);
		if (request == NULL)
			request = vmds_datasets_plugin_entries_request(call, name, keys);
		vmds_datasets_plugin_append_context(reply, request, next_str);
	}
	g_string_append_c(reply, '}');
	return TRUE;
}

static gboolean
vmds_datasets_plugin_set_entry(const VmdsCall *call, GString *reply, GError **error)
{
	g_auto(VmdsDatasetsArgs) args = {0};

	if (!vmds_datasets_plugin_decode(call, VMDS_DATASETS_ARG_ENTRIES, &args, error))
		return FALSE;
	if (!vmds_datasets_set_entries(
		call->store, VMDS_SIDE_GUEST, args.dataset, args.entries, error))
		return FALSE;
	g_string_append(reply, "{\"result\":true}");
	return TRUE;
}

static gboolean
vmds_datasets_plugin_delete_entry(const VmdsCall *call, GString *reply, GError **error)
{
	g_auto(VmdsDatasetsArgs) args = {0};

	if (!vmds_datasets_plugin_decode(call, VMDS_DATASETS_ARG_KEYS, &args, error))
		return FALSE;
	if (!vmds_datasets_delete_entries(
		call->store, VMDS_SIDE_GUEST, args.dataset, args.keys, error))
		return FALSE;
	g_string_append(reply, "{\"result\":true}");
	return TRUE;
}

/* the command table; the plural names are aliases [vmware: in the docs] */
static const struct {
	const gchar *name;
	gboolean (*func)(const VmdsCall *call, GString *reply, GError **error);
} vmds_datasets_commands[] = {
    {"datasets-list", vmds_datasets_plugin_list},
    {"datasets-query", vmds_datasets_plugin_query},
    {"datasets-list-keys", vmds_datasets_plugin_list_keys},
    {"datasets-get-entry", vmds_datasets_plugin_get_entry},
    {"datasets-get-entries", vmds_datasets_plugin_get_entry},
    {"datasets-set-entry", vmds_datasets_plugin_set_entry},
    {"datasets-set-entries", vmds_datasets_plugin_set_entry},
    {"datasets-delete-entry", vmds_datasets_plugin_delete_entry},
    {"datasets-delete-entries", vmds_datasets_plugin_delete_entry},
};

/* every datasets-* reply is `1 ` and an envelope; failures carry error-id */
static gboolean
vmds_datasets_plugin_command_cb(VmdsPlugin *plugin, const VmdsCall *call, GString *reply)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = FALSE;

	if (!call->privileged) {
		g_set_error(&error,
			    VMDS_ERROR,
			    VMDS_ERROR_ACCESS_DENIED,
			    "user %u may not use data sets: run as root or as a member of the "
			    "configured group",
			    call->uid);
	} else if (memchr(call->args, '\0', call->args_len) != NULL) {
		g_set_error_literal(&error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "arguments may not contain a NUL byte");
	} else {
		for (guint i = 0; i < G_N_ELEMENTS(vmds_datasets_commands); i++) {
			if (g_strcmp0(call->command, vmds_datasets_commands[i].name) == 0) {
				ok = vmds_datasets_commands[i].func(call, reply, &error);
				break;
			}
		}
	}
	if (!ok) {
		if (error == NULL)
			g_set_error(&error,
				    VMDS_ERROR,
				    VMDS_ERROR_INTERNAL,
				    "command %s failed",
				    call->command);
		g_debug("%s on %s failed: %s", call->command, call->vm, error->message);
		g_string_truncate(reply, 0);
		g_string_append(reply, "{\"result\":false,\"error-id\":");
		vmds_json_append_string(reply, vmds_error_to_error_id(error), -1);
		g_string_append(reply, ",\"error-message\":");
		vmds_json_append_string(reply, error->message, -1);
		g_string_append_c(reply, '}');
	}
	return TRUE;
}

/* REST side */

static const gchar *
vmds_datasets_plugin_param(VmdsRequest *request, const gchar *name)
{
	return g_hash_table_lookup(request->params, name);
}

/*
 * The key an entry route names: the path's `{key}`, or on the entries
 * collection the query's `key` (which carries any key, `/`, `.` and `..`
 * segments included, that an HTTP stack would change in a path)
 */
static const gchar *
vmds_datasets_plugin_key(VmdsRequest *request, GError **error)
{
	const gchar *key = vmds_datasets_plugin_param(request, "key");

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
vmds_datasets_plugin_parse_body(VmdsRequest *request, const gchar *const *allowed, GError **error)
{
	g_autoptr(JsonObject) obj = vmds_json_parse_object(request->body, request->body_len, error);
	if (obj == NULL || !vmds_json_object_check_members(obj, allowed, error))
		return NULL;
	return g_steal_pointer(&obj);
}

/* the members create and update share; @fields says which were given */
static gboolean
vmds_datasets_plugin_parse_attributes(JsonObject *obj,
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
vmds_datasets_plugin_rest_create(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *const allowed[] = {
	    "name", "description", "host", "guest", "omit_from_snapshot_and_clone", NULL};
	g_autoptr(JsonObject) obj = vmds_datasets_plugin_parse_body(request, allowed, error);
	g_autoptr(VmdsDataset) dataset = vmds_dataset_new();
	VmdsDatasetField fields = 0;
	const gchar *name = NULL;

	if (obj == NULL || !vmds_json_object_get_string(obj, "name", TRUE, &name, error) ||
	    !vmds_datasets_plugin_parse_attributes(obj, dataset, &fields, error))
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
	if (!vmds_datasets_create(request->store, dataset, error))
		return FALSE;
	request->status = 201;
	vmds_json_append_string(request->response, dataset->name, -1);
	return TRUE;
}

static gboolean
vmds_datasets_plugin_rest_list(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
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
vmds_datasets_plugin_rest_get(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(VmdsDataset) dataset = vmds_datasets_get(
	    request->store, vmds_datasets_plugin_param(request, "data_set"), error);

	if (dataset == NULL)
		return FALSE;
	g_string_append_c(request->response, '{');
	vmds_datasets_plugin_append_attributes(request->response, dataset);
	g_string_append_c(request->response, '}');
	return TRUE;
}

static gboolean
vmds_datasets_plugin_rest_update(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *const allowed[] = {
	    "description", "host", "guest", "omit_from_snapshot_and_clone", NULL};
	g_autoptr(JsonObject) obj = vmds_datasets_plugin_parse_body(request, allowed, error);
	g_autoptr(VmdsDataset) values = vmds_dataset_new();
	VmdsDatasetField fields = 0;

	if (obj == NULL || !vmds_datasets_plugin_parse_attributes(obj, values, &fields, error))
		return FALSE;
	if (!vmds_datasets_update(request->store,
				  vmds_datasets_plugin_param(request, "data_set"),
				  values,
				  fields,
				  error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

static gboolean
vmds_datasets_plugin_rest_delete(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
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
		request->store, vmds_datasets_plugin_param(request, "data_set"), force, error))
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

static gboolean vmds_datasets_plugin_rest_get_entry(VmdsPlugin *plugin,
						    VmdsRequest *request,
						    GError **error);

static gboolean
vmds_datasets_plugin_rest_list_entries(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsDatasetsKeyStream *stream;
	gboolean done = FALSE;

	/* .../entries?key=KEY is that entry */
	if (request->query != NULL && g_hash_table_contains(request->query, "key"))
		return vmds_datasets_plugin_rest_get_entry(plugin, request, error);
	stream = g_new0(VmdsDatasetsKeyStream, 1);

	stream->store = g_object_ref(request->store);
	stream->dataset = g_strdup(vmds_datasets_plugin_param(request, "data_set"));
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
vmds_datasets_plugin_rest_get_entry(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	g_autoptr(GPtrArray) entries = NULL;
	VmdsDatasetsValueStream *stream;
	const gchar *key = vmds_datasets_plugin_key(request, error);
	gboolean done = FALSE;

	if (key == NULL)
		return FALSE;
	g_ptr_array_add(keys, (gpointer)key);
	entries = vmds_datasets_get_entries(request->store,
					    VMDS_SIDE_HOST,
					    vmds_datasets_plugin_param(request, "data_set"),
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
vmds_datasets_plugin_rest_set_entry(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(JsonNode) body = vmds_json_parse(request->body, request->body_len, error);
	g_autoptr(GPtrArray) entries =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);
	const gchar *key = vmds_datasets_plugin_key(request, error);
	const gchar *value;

	if (key == NULL || body == NULL)
		return FALSE;
	value = vmds_json_node_get_string(body, "the body", error);
	if (value == NULL)
		return FALSE;
	g_ptr_array_add(entries, vmds_entry_new(key, value, strlen(value), FALSE));
	if (!vmds_datasets_set_entries(request->store,
				       VMDS_SIDE_HOST,
				       vmds_datasets_plugin_param(request, "data_set"),
				       entries,
				       error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

static gboolean
vmds_datasets_plugin_rest_delete_entry(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	const gchar *key = vmds_datasets_plugin_key(request, error);

	if (key == NULL)
		return FALSE;
	g_ptr_array_add(keys, (gpointer)key);
	if (!vmds_datasets_delete_entries(request->store,
					  VMDS_SIDE_HOST,
					  vmds_datasets_plugin_param(request, "data_set"),
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
    {"POST", VMDS_DATASETS_PATH, vmds_datasets_plugin_rest_create},
    {"GET", VMDS_DATASETS_PATH, vmds_datasets_plugin_rest_list},
    {"GET", VMDS_DATASETS_PATH "/{data_set}", vmds_datasets_plugin_rest_get},
    {"PATCH", VMDS_DATASETS_PATH "/{data_set}", vmds_datasets_plugin_rest_update},
    {"DELETE", VMDS_DATASETS_PATH "/{data_set}", vmds_datasets_plugin_rest_delete},
    {"GET", VMDS_DATASETS_PATH "/{data_set}/entries", vmds_datasets_plugin_rest_list_entries},
    {"PUT", VMDS_DATASETS_PATH "/{data_set}/entries", vmds_datasets_plugin_rest_set_entry},
    {"DELETE", VMDS_DATASETS_PATH "/{data_set}/entries", vmds_datasets_plugin_rest_delete_entry},
    {"GET", VMDS_DATASETS_PATH "/{data_set}/entries/{key*}", vmds_datasets_plugin_rest_get_entry},
    {"PUT", VMDS_DATASETS_PATH "/{data_set}/entries/{key*}", vmds_datasets_plugin_rest_set_entry},
    {"DELETE",
     VMDS_DATASETS_PATH "/{data_set}/entries/{key*}",
     vmds_datasets_plugin_rest_delete_entry},
};

static gboolean
vmds_datasets_plugin_startup(VmdsPlugin *plugin, GError **error)
{
	for (guint i = 0; i < G_N_ELEMENTS(vmds_datasets_commands); i++)
		vmds_plugin_add_command(plugin,
					vmds_datasets_commands[i].name,
					vmds_datasets_plugin_command_cb,
					VMDS_COMMAND_FLAG_NONE);
	for (guint i = 0; i < G_N_ELEMENTS(vmds_datasets_routes); i++)
		vmds_plugin_add_route(plugin,
				      vmds_datasets_routes[i].method,
				      vmds_datasets_routes[i].pattern,
				      vmds_datasets_routes[i].func);
	return TRUE;
}

static void
vmds_datasets_plugin_init(VmdsDatasetsPlugin *self)
{
}

static void
vmds_datasets_plugin_class_init(VmdsDatasetsPluginClass *klass)
{
	VmdsPluginClass *plugin_class = VMDS_PLUGIN_CLASS(klass);
	plugin_class->startup = vmds_datasets_plugin_startup;
}

VMDS_PLUGIN_DEFINE(vmds_datasets_plugin)

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdarg.h>

#include "vmds-datasets-plugin.h"

/*
 * The guest side of DataSets: the `datasets-*` commands, decoding their
 * JSON arguments straight from the text (the hot path) and writing the
 * members of the reply envelope; the core writes the envelope around them.
 */

/* room in a page for the envelope and the context around the items */
#define VMDS_DATASETS_PAGE_RESERVE 8192
#define VMDS_DATASETS_PAGE_ITEMS   (VMDS_DATASETS_MAX_PAGE - VMDS_DATASETS_PAGE_RESERVE)

/* separates the parts of a context's request identity; not valid in JSON text */
#define VMDS_DATASETS_SEP "\x1f"

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

static gboolean vmds_datasets_guest_invalid(GError **error, const gchar *format, ...)
    G_GNUC_PRINTF(2, 3);

static gboolean
vmds_datasets_guest_invalid(GError **error, const gchar *format, ...)
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
vmds_datasets_guest_unknown_member(VmdsJsonReader *reader,
				   const gchar *const *names,
				   gint idx,
				   GError **error)
{
	g_autofree gchar *member = idx < 0 ? vmds_json_reader_member(reader) : NULL;
	g_autofree gchar *name = member != NULL ? vmds_json_abbreviate(member) : NULL;

	return vmds_datasets_guest_invalid(
	    error, "unknown member '%s'", idx < 0 ? name : names[idx]);
}

static gchar *
vmds_datasets_guest_read_string(VmdsJsonReader *reader,
				const gchar *member,
				gsize *len,
				GError **error)
{
	gchar *value = vmds_json_reader_read_string(reader, len);
	if (value == NULL)
		vmds_datasets_guest_invalid(error, "member '%s' must be a string", member);
	return value;
}

/* an array member: present and not empty */
static gboolean
vmds_datasets_guest_enter_array(VmdsJsonReader *reader, const gchar *member, GError **error)
{
	if (vmds_json_reader_peek(reader) != '[')
		return vmds_datasets_guest_invalid(error, "member '%s' must be an array", member);
	vmds_json_reader_enter(reader);
	if (!vmds_json_reader_next(reader))
		return vmds_datasets_guest_invalid(error, "member '%s' must not be empty", member);
	return TRUE;
}

static GPtrArray *
vmds_datasets_guest_read_keys(VmdsJsonReader *reader, GError **error)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);

	if (!vmds_datasets_guest_enter_array(reader, "keys", error))
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
vmds_datasets_guest_read_entry(VmdsJsonReader *reader, GError **error)
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
			key = vmds_datasets_guest_read_string(reader, "key", NULL, error);
			if (key == NULL)
				return NULL;
		} else if (member == VMDS_DATASETS_ENTRY_VALUE) {
			g_free(value);
			value = vmds_datasets_guest_read_string(reader, "value", &value_len, error);
			if (value == NULL)
				return NULL;
		} else if (member == VMDS_DATASETS_ENTRY_APPEND) {
			if (!vmds_json_reader_read_boolean(reader, &append)) {
				vmds_datasets_guest_invalid(
				    error, "member '%s' must be true or false", "append");
				return NULL;
			}
		} else {
			vmds_datasets_guest_unknown_member(
			    reader, vmds_datasets_entry_names, member, error);
			return NULL;
		}
	}
	if (key == NULL || value == NULL) {
		vmds_datasets_guest_invalid(
		    error, "missing member '%s'", key == NULL ? "key" : "value");
		return NULL;
	}
	return vmds_entry_new(key, value, value_len, append);
}

static GPtrArray *
vmds_datasets_guest_read_entries(VmdsJsonReader *reader, GError **error)
{
	g_autoptr(GPtrArray) entries =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);

	if (!vmds_datasets_guest_enter_array(reader, "entries", error))
		return NULL;
	do {
		VmdsEntry *entry = vmds_datasets_guest_read_entry(reader, error);
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
vmds_datasets_guest_decode(const VmdsCall *call,
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
		/* as in vmds_datasets_guest_read_entry(): a later value replaces */
		vmds_datasets_args_forget(args, arg);
		if (arg == VMDS_DATASETS_ARG_DATASET) {
			args->dataset =
			    vmds_datasets_guest_read_string(&reader, "dataset", NULL, error);
			if (args->dataset == NULL)
				return FALSE;
		} else if (arg == VMDS_DATASETS_ARG_KEYS && (allowed & arg) != 0) {
			args->keys = vmds_datasets_guest_read_keys(&reader, error);
			if (args->keys == NULL)
				return FALSE;
		} else if (arg == VMDS_DATASETS_ARG_ENTRIES && (allowed & arg) != 0) {
			args->entries = vmds_datasets_guest_read_entries(&reader, error);
			if (args->entries == NULL)
				return FALSE;
		} else if (arg == VMDS_DATASETS_ARG_CONTEXT && (allowed & arg) != 0) {
			args->context =
			    vmds_datasets_guest_read_string(&reader, "context", NULL, error);
			if (args->context == NULL)
				return FALSE;
		} else if (arg == VMDS_DATASETS_ARG_CONTEXT &&
			   (allowed & VMDS_DATASETS_ARG_IGNORE_CONTEXT) != 0) {
			vmds_json_reader_skip(&reader);
		} else {
			return vmds_datasets_guest_unknown_member(
			    &reader, vmds_datasets_arg_names, member, error);
		}
	}
	if (args->dataset == NULL)
		return vmds_datasets_guest_invalid(error, "missing member '%s'", "dataset");
	if ((allowed & VMDS_DATASETS_ARG_KEYS) != 0 && args->keys == NULL)
		return vmds_datasets_guest_invalid(error, "missing member '%s'", "keys");
	if ((allowed & VMDS_DATASETS_ARG_ENTRIES) != 0 && args->entries == NULL)
		return vmds_datasets_guest_invalid(error, "missing member '%s'", "entries");
	return vmds_datasets_check_name(args->dataset, error);
}

static gboolean
vmds_datasets_guest_list(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	GString *reply = call->reply;
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
	g_string_append(reply, "\"datasets\":[");
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
	g_string_append_c(reply, ']');
	return TRUE;
}

static gboolean
vmds_datasets_guest_query(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	g_auto(VmdsDatasetsArgs) args = {0};
	g_autoptr(VmdsDataset) dataset = NULL;

	if (!vmds_datasets_guest_decode(call, VMDS_DATASETS_ARG_IGNORE_CONTEXT, &args, error))
		return FALSE;
	dataset = vmds_datasets_get(call->store, args.dataset, error);
	if (dataset == NULL)
		return FALSE;
	vmds_dataset_append_attributes(call->reply, dataset);
	return TRUE;
}

/* the optional `context`: the cursor it carries, or NULL at the start */
static gboolean
vmds_datasets_guest_get_cursor(const gchar *context,
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
vmds_datasets_guest_append_context(GString *reply, const gchar *request, const gchar *cursor)
{
	g_autofree gchar *context = vmds_datasets_context_new(request, cursor, strlen(cursor));
	g_string_append(reply, ",\"context\":");
	vmds_json_append_string(reply, context, -1);
}

static gboolean
vmds_datasets_guest_list_keys(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	GString *reply = call->reply;
	g_auto(VmdsDatasetsArgs) args = {0};
	g_autofree gchar *request = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	gboolean more = FALSE;
	const gchar *name;

	if (!vmds_datasets_guest_decode(call, VMDS_DATASETS_ARG_CONTEXT, &args, error))
		return FALSE;
	name = args.dataset;
	request = g_strjoin(VMDS_DATASETS_SEP, call->command, call->vm, name, NULL);
	if (!vmds_datasets_guest_get_cursor(args.context, request, &after, error))
		return FALSE;
	keys = vmds_datasets_list_keys(
	    call->store, VMDS_SIDE_GUEST, name, after, VMDS_DATASETS_PAGE_ITEMS, &more, error);
	if (keys == NULL)
		return FALSE;
	g_string_append(reply, "\"keys\":[");
	for (guint i = 0; i < keys->len; i++) {
		if (i > 0)
			g_string_append_c(reply, ',');
		vmds_json_append_string(reply, g_ptr_array_index(keys, i), -1);
	}
	g_string_append_c(reply, ']');
	if (more && keys->len > 0)
		vmds_datasets_guest_append_context(
		    reply, request, g_ptr_array_index(keys, keys->len - 1));
	return TRUE;
}

/* what a get-entry context is bound to: the data set and the exact keys */
static gchar *
vmds_datasets_guest_entries_request(const VmdsCall *call, const gchar *name, GPtrArray *keys)
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
vmds_datasets_guest_get_entry(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	GString *reply = call->reply;
	g_auto(VmdsDatasetsArgs) args = {0};
	g_autoptr(GPtrArray) entries = NULL;
	g_autofree gchar *request = NULL;
	g_autofree gchar *cursor = NULL;
	guint64 first = 0;
	guint next = 0;
	const gchar *name;
	GPtrArray *keys;

	if (!vmds_datasets_guest_decode(
		call, VMDS_DATASETS_ARG_KEYS | VMDS_DATASETS_ARG_CONTEXT, &args, error))
		return FALSE;
	name = args.dataset;
	keys = args.keys;
	/* built only when paging needs it: most requests fit in one page */
	if (args.context != NULL) {
		request = vmds_datasets_guest_entries_request(call, name, keys);
		if (!vmds_datasets_guest_get_cursor(args.context, request, &cursor, error))
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
	g_string_append(reply, "\"entries\":[");
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
			request = vmds_datasets_guest_entries_request(call, name, keys);
		vmds_datasets_guest_append_context(reply, request, next_str);
	}
	return TRUE;
}

static gboolean
vmds_datasets_guest_set_entry(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	g_auto(VmdsDatasetsArgs) args = {0};

	if (!vmds_datasets_guest_decode(call, VMDS_DATASETS_ARG_ENTRIES, &args, error))
		return FALSE;
	return vmds_datasets_set_entries(call->store,
					 vmds_datasets_plugin_get_limits(plugin),
					 VMDS_SIDE_GUEST,
					 args.dataset,
					 args.entries,
					 error);
}

static gboolean
vmds_datasets_guest_delete_entry(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	g_auto(VmdsDatasetsArgs) args = {0};

	if (!vmds_datasets_guest_decode(call, VMDS_DATASETS_ARG_KEYS, &args, error))
		return FALSE;
	return vmds_datasets_delete_entries(
	    call->store, VMDS_SIDE_GUEST, args.dataset, args.keys, error);
}

/* the command table; the plural names are aliases [vmware: in the docs] */
static const struct {
	const gchar *name;
	VmdsCommandFunc func;
} vmds_datasets_commands[] = {
    {"datasets-list", vmds_datasets_guest_list},
    {"datasets-query", vmds_datasets_guest_query},
    {"datasets-list-keys", vmds_datasets_guest_list_keys},
    {"datasets-get-entry", vmds_datasets_guest_get_entry},
    {"datasets-get-entries", vmds_datasets_guest_get_entry},
    {"datasets-set-entry", vmds_datasets_guest_set_entry},
    {"datasets-set-entries", vmds_datasets_guest_set_entry},
    {"datasets-delete-entry", vmds_datasets_guest_delete_entry},
    {"datasets-delete-entries", vmds_datasets_guest_delete_entry},
};

/**
 * vmds_datasets_guest_register:
 * @plugin: the DataSets plugin, starting
 *
 * Registers the `datasets-*` commands: privileged callers only, every
 * reply `1 ` and a JSON envelope.
 */
void
vmds_datasets_guest_register(VmdsPlugin *plugin)
{
	for (guint i = 0; i < G_N_ELEMENTS(vmds_datasets_commands); i++)
		vmds_plugin_add_command(plugin,
					vmds_datasets_commands[i].name,
					vmds_datasets_commands[i].func,
					VMDS_COMMAND_FLAG_PRIVILEGED | VMDS_COMMAND_FLAG_ENVELOPE);
}

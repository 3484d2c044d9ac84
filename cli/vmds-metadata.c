/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "vmds-cli.h"

/*
 * vmds metadata ...: vCD's object metadata of a VM or of one of its data
 * sets (/api/vcenter/vm/{vm}/metadata, .../data-sets/{data_set}/metadata).
 * OBJECT is a VM id (`vm-1`) or a VM id, '/' and a data set's name
 * (`vm-1/salt-ds`): a VM id is `vm-N` and never holds a '/', so the first
 * '/' always ends it, and a data set's name may hold '/' itself.
 */

/* a value read from standard input at most: the GENERAL domain's bytes */
#define VMDS_CLI_METADATA_MAX_VALUE 131072

static const struct {
	const gchar *name;
	const gchar *api_name;
} vmds_cli_metadata_types[] = {
    {"string", "MetadataStringValue"},
    {"number", "MetadataNumberValue"},
    {"datetime", "MetadataDateTimeValue"},
    {"boolean", "MetadataBooleanValue"},
};

/* OBJECT's metadata path, /metadata included */
static gchar *
vmds_cli_metadata_path(const gchar *object, GError **error)
{
	const gchar *slash = strchr(object, '/');
	g_autofree gchar *vm =
	    g_strndup(object, slash != NULL ? (gsize)(slash - object) : strlen(object));
	g_autofree gchar *vm_path = NULL;
	g_autofree gchar *dataset = NULL;

	if (!vmds_cli_check_name(vm, FALSE, error) ||
	    (slash != NULL && !vmds_cli_check_name(slash + 1, FALSE, error)))
		return NULL;
	vm_path = vmds_cli_vm_path(vm);
	if (slash == NULL)
		return g_strdup_printf("%s/metadata", vm_path);
	dataset = vmds_cli_escape(slash + 1);
	return g_strdup_printf("%s/data-sets/%s/metadata", vm_path, dataset);
}

/* --domain, upper case: GENERAL (the default), SYSTEM or VCENTER */
static const gchar *
vmds_cli_metadata_domain(VmdsCli *self, GError **error)
{
	const gchar *value = self->values[VMDS_CLI_OPTION_DOMAIN];
	const gchar *const domains[] = {"GENERAL", "SYSTEM", "VCENTER"};

	if (value == NULL)
		return domains[0];
	for (guint i = 0; i < G_N_ELEMENTS(domains); i++) {
		if (g_ascii_strcasecmp(value, domains[i]) == 0)
			return domains[i];
	}
	vmds_cli_usage_error(
	    error, "invalid --domain '%s': expected GENERAL, SYSTEM or VCENTER", value);
	return NULL;
}

/* OBJECT's path to KEY in --domain */
static gchar *
vmds_cli_metadata_key_path(VmdsCli *self, const gchar *object, const gchar *key, GError **error)
{
	const gchar *domain = vmds_cli_metadata_domain(self, error);
	g_autofree gchar *path = NULL;
	g_autofree gchar *key_esc = NULL;

	if (domain == NULL)
		return NULL;
	path = vmds_cli_metadata_path(object, error);
	if (path == NULL)
		return NULL;
	key_esc = vmds_cli_escape(key);
	if (g_strcmp0(domain, "GENERAL") == 0)
		return g_strdup_printf("%s/%s", path, key_esc);
	return g_strdup_printf("%s/%s/%s", path, domain, key_esc);
}

/* a typedValue's value as text: strings as they are, numbers and booleans
 * as JSON writes them */
static gchar *
vmds_cli_metadata_value_text(JsonObject *typed)
{
	JsonNode *node = json_object_get_member(typed, "value");
	const gchar *str = node != NULL ? vmds_client_node_get_string(node) : NULL;

	if (node == NULL)
		return NULL;
	return str != NULL ? g_strdup(str) : json_to_string(node, FALSE);
}

/* @obj's member @name, an object; NULL if it is anything else */
static JsonObject *
vmds_cli_metadata_object(JsonObject *obj, const gchar *name)
{
	JsonNode *node = json_object_get_member(obj, name);
	return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

/* the type's CLI name from its API name */
static const gchar *
vmds_cli_metadata_type_name(const gchar *api_name)
{
	for (guint i = 0; i < G_N_ELEMENTS(vmds_cli_metadata_types); i++) {
		if (g_strcmp0(api_name, vmds_cli_metadata_types[i].api_name) == 0)
			return vmds_cli_metadata_types[i].name;
	}
	return NULL;
}

static gboolean
vmds_cli_cmd_metadata_ls(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *const headers[] = {"DOMAIN", "VISIBILITY", "KEY", "TYPE", "VALUE", NULL};
	g_autofree gchar *path = vmds_cli_metadata_path(args[0], error);
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	g_autoptr(JsonNode) reply = NULL;
	JsonNode *list = NULL;

	if (path == NULL || !vmds_cli_call(self, "GET", path, NULL, &reply, error))
		return FALSE;
	if (reply == NULL)
		return TRUE; /* --json: printed */
	if (!JSON_NODE_HOLDS_OBJECT(reply) ||
	    (list = json_object_get_member(json_node_get_object(reply), "metadataEntry")) == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(list))
		return vmds_cli_invalid_reply(error, "no metadataEntry list");
	for (guint i = 0; i < json_array_get_length(json_node_get_array(list)); i++) {
		JsonNode *element = json_array_get_element(json_node_get_array(list), i);
		JsonObject *entry =
		    JSON_NODE_HOLDS_OBJECT(element) ? json_node_get_object(element) : NULL;
		JsonObject *domain =
		    entry != NULL ? vmds_cli_metadata_object(entry, "domain") : NULL;
		JsonObject *typed =
		    entry != NULL ? vmds_cli_metadata_object(entry, "typedValue") : NULL;
		JsonNode *key = entry != NULL ? json_object_get_member(entry, "key") : NULL;
		const gchar *type = NULL;
		gchar **row = NULL;

		if (typed == NULL || key == NULL || vmds_client_node_get_string(key) == NULL)
			return vmds_cli_invalid_reply(error, "a metadata entry is malformed");
		type = vmds_cli_metadata_type_name(
		    vmds_client_node_get_string(json_object_get_member(typed, "_type")));
		if (type == NULL)
			return vmds_cli_invalid_reply(error,
						      "a metadata entry has an unknown type");
		row = g_new0(gchar *, 6);
		row[0] = g_strdup(domain != NULL ? vmds_client_node_get_string(
						       json_object_get_member(domain, "value"))
						 : "GENERAL");
		row[1] = g_strdup(domain != NULL ? vmds_client_node_get_string(
						       json_object_get_member(domain, "visibility"))
						 : "READWRITE");
		row[2] = g_strdup(vmds_client_node_get_string(key));
		row[3] = g_strdup(type);
		row[4] = vmds_cli_metadata_value_text(typed);
		g_ptr_array_add(rows, row);
		if (row[0] == NULL || row[1] == NULL || row[4] == NULL)
			return vmds_cli_invalid_reply(error, "a metadata entry is malformed");
	}
	vmds_cli_print_table(headers, rows);
	return TRUE;
}

static gboolean
vmds_cli_cmd_metadata_get(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_metadata_key_path(self, args[0], args[1], error);
	g_autoptr(JsonNode) reply = NULL;
	JsonObject *typed = NULL;
	g_autofree gchar *text = NULL;

	if (path == NULL || !vmds_cli_call(self, "GET", path, NULL, &reply, error))
		return FALSE;
	if (reply == NULL)
		return TRUE; /* --json: printed */
	if (JSON_NODE_HOLDS_OBJECT(reply))
		typed = vmds_cli_metadata_object(json_node_get_object(reply), "typedValue");
	if (typed != NULL)
		text = vmds_cli_metadata_value_text(typed);
	if (text == NULL)
		return vmds_cli_invalid_reply(error, "no typedValue");
	vmds_cli_print_text(text);
	return TRUE;
}

static gboolean
vmds_cli_cmd_metadata_set(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *type = self->values[VMDS_CLI_OPTION_TYPE];
	const gchar *visibility = self->values[VMDS_CLI_OPTION_VISIBILITY];
	const gchar *api_type = NULL;
	const gchar *domain = vmds_cli_metadata_domain(self, error);
	g_autofree gchar *path = NULL;
	g_autofree gchar *value = NULL;
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonNode) body = NULL;

	if (domain == NULL)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(vmds_cli_metadata_types) && api_type == NULL; i++) {
		if (type == NULL || g_ascii_strcasecmp(type, vmds_cli_metadata_types[i].name) == 0)
			api_type = vmds_cli_metadata_types[i].api_name;
	}
	if (api_type == NULL) {
		return vmds_cli_usage_error(
		    error,
		    "invalid --type '%s': expected string, number, datetime or boolean",
		    type);
	}
	if (visibility != NULL && g_strcmp0(domain, "SYSTEM") != 0) {
		return vmds_cli_usage_error(
		    error, "--visibility is for --domain SYSTEM: READONLY or PRIVATE");
	}
	path = vmds_cli_metadata_key_path(self, args[0], args[1], error);
	if (path == NULL)
		return FALSE;
	value = vmds_cli_get_value(self, args[2], VMDS_CLI_METADATA_MAX_VALUE, error);
	if (value == NULL)
		return FALSE;
	json_builder_begin_object(builder);
	if (visibility != NULL) {
		g_autofree gchar *upper = g_ascii_strup(visibility, -1);
		json_builder_set_member_name(builder, "domain");
		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "visibility");
		json_builder_add_string_value(builder, upper);
		json_builder_end_object(builder);
	}
	json_builder_set_member_name(builder, "typedValue");
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "_type");
	json_builder_add_string_value(builder, api_type);
	json_builder_set_member_name(builder, "value");
	json_builder_add_string_value(builder, value);
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	body = json_builder_get_root(builder);
	return vmds_cli_call(self, "PUT", path, body, NULL, error);
}

static gboolean
vmds_cli_cmd_metadata_rm(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_metadata_key_path(self, args[0], args[1], error);

	return path != NULL && vmds_cli_call(self, "DELETE", path, NULL, NULL, error);
}

#define VMDS_CLI_METADATA_OBJECT_HELP                                                              \
	"OBJECT is a VM (vm-1) or one of its data sets (vm-1/salt-ds). "

const VmdsCliCommand vmds_cli_metadata_commands[] = {
    {"metadata ls",
     "OBJECT",
     "List the metadata of a VM or data set that you may see",
     VMDS_CLI_METADATA_OBJECT_HELP
     "Columns: domain, visibility, key, type (string, number, datetime, boolean), value.",
     0,
     1,
     1,
     0,
     1,
     vmds_cli_cmd_metadata_ls},
    {"metadata get",
     "OBJECT KEY",
     "Print the value of a metadata entry",
     VMDS_CLI_METADATA_OBJECT_HELP "--domain names the entry's domain (default: GENERAL).",
     VMDS_CLI_OPT(DOMAIN),
     2,
     2,
     0,
     2,
     vmds_cli_cmd_metadata_get},
    {"metadata set",
     "OBJECT KEY [VALUE|-]",
     "Add or replace a metadata entry",
     VMDS_CLI_METADATA_OBJECT_HELP
     "The value is VALUE, --file's contents or standard input, of --type (default: string). "
     "SYSTEM entries are written by administrators only, --visibility READONLY (the "
     "default; the owner reads them) or PRIVATE (administrators only); VCENTER entries are "
     "on VMs only, for holders of the vcenter-metadata right.",
     VMDS_CLI_OPT(DOMAIN) | VMDS_CLI_OPT(VISIBILITY) | VMDS_CLI_OPT(TYPE) | VMDS_CLI_OPT(FILE),
     2,
     3,
     0,
     2,
     vmds_cli_cmd_metadata_set},
    {"metadata rm",
     "OBJECT KEY",
     "Remove a metadata entry",
     VMDS_CLI_METADATA_OBJECT_HELP "--domain names the entry's domain (default: GENERAL).",
     VMDS_CLI_OPT(DOMAIN),
     2,
     2,
     0,
     2,
     vmds_cli_cmd_metadata_rm},
    {NULL},
};

/*
 * vmds query TYPE FILTER [--page N] [--page-size N]: GET /api/query, the VMs
 * or data sets whose metadata FILTER selects (vCD's syntax, sent
 * percent-encoded); one line each: VM, name, and the data set for TYPE
 * dataset.
 */
static gboolean
vmds_cli_cmd_query(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *const vm_headers[] = {"VM", "NAME", NULL};
	const gchar *const dataset_headers[] = {"VM", "NAME", "DATASET", NULL};
	gboolean datasets = g_strcmp0(args[0], "dataset") == 0;
	g_autofree gchar *filter = NULL;
	g_autoptr(GString) path = g_string_new("/api/query?type=");
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	g_autoptr(JsonNode) reply = NULL;
	JsonNode *records = NULL;

	if (!datasets && g_strcmp0(args[0], "vm") != 0)
		return vmds_cli_usage_error(error, "invalid type '%s': vm or dataset", args[0]);
	filter = g_uri_escape_string(args[1], NULL, FALSE);
	g_string_append_printf(path, "%s&filter=%s", args[0], filter);
	/* (checked as they were parsed: positive integers) */
	if (self->values[VMDS_CLI_OPTION_PAGE] != NULL)
		g_string_append_printf(path, "&page=%s", self->values[VMDS_CLI_OPTION_PAGE]);
	if (self->values[VMDS_CLI_OPTION_PAGE_SIZE] != NULL)
		g_string_append_printf(
		    path, "&pageSize=%s", self->values[VMDS_CLI_OPTION_PAGE_SIZE]);
	if (!vmds_cli_call(self, "GET", path->str, NULL, &reply, error))
		return FALSE;
	if (reply == NULL)
		return TRUE; /* --json: printed */
	if (!JSON_NODE_HOLDS_OBJECT(reply) ||
	    (records = json_object_get_member(json_node_get_object(reply), "record")) == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(records))
		return vmds_cli_invalid_reply(error, "no record list");
	for (guint i = 0; i < json_array_get_length(json_node_get_array(records)); i++) {
		JsonNode *element = json_array_get_element(json_node_get_array(records), i);
		JsonObject *record =
		    JSON_NODE_HOLDS_OBJECT(element) ? json_node_get_object(element) : NULL;
		const gchar *vm =
		    record != NULL
			? vmds_client_node_get_string(json_object_get_member(record, "vm"))
			: NULL;
		const gchar *name =
		    record != NULL
			? vmds_client_node_get_string(json_object_get_member(record, "name"))
			: NULL;
		const gchar *dataset =
		    record != NULL
			? vmds_client_node_get_string(json_object_get_member(record, "dataSet"))
			: NULL;
		gchar **row = g_new0(gchar *, 4);

		row[0] = g_strdup(vm);
		row[1] = g_strdup(name != NULL ? name : "");
		if (datasets)
			row[2] = g_strdup(dataset != NULL ? dataset : "");
		g_ptr_array_add(rows, row);
		if (vm == NULL)
			return vmds_cli_invalid_reply(error, "a record has no vm");
	}
	vmds_cli_print_table(datasets ? dataset_headers : vm_headers, rows);
	return TRUE;
}

const VmdsCliCommand vmds_cli_query_commands[] = {
    {"query",
     "vm|dataset FILTER",
     "List the VMs or data sets whose metadata FILTER selects",
     "FILTER is vCD's query filter, e.g. "
     "'metadata:env==STRING:prod;metadata:tier=ge=NUMBER:2' (';' AND, ',' OR, "
     "parentheses; operators ==, !=, =gt=, =lt=, =ge=, =le=; types STRING, NUMBER, "
     "DATETIME, BOOLEAN; @SYSTEM or @VCENTER after metadata for those domains). "
     "A user sees only its own VMs and the entries it may read. --json prints "
     "the whole reply (resultTotal, pageCount).",
     VMDS_CLI_OPT(PAGE) | VMDS_CLI_OPT(PAGE_SIZE),
     2,
     2,
     0,
     0,
     vmds_cli_cmd_query},
    {NULL},
};

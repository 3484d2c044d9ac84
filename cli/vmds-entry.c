/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vmds-cli.h"

/* vmds entry ...: the entries of a data set, .../data-sets/{data_set}/entries */

/* the API's limit on an entry value; larger input is refused before reading it all */
#define VMDS_CLI_MAX_VALUE 1048576

/*
 * An entry is named by the query form, .../entries?key=KEY, never by the path
 * form .../entries/KEY: a key may be anything a guest wrote, "/etc/app.conf",
 * "/", "." or "a/../b", and HTTP stacks normalise such paths (a "." or ".."
 * segment goes even when percent-encoded), while a query value is taken as
 * it is. GET .../entries without a key lists the keys.
 */
static gchar *
vmds_cli_entry_path(VmdsCli *self, const gchar *dataset, const gchar *key)
{
	g_autofree gchar *dataset_path = vmds_cli_dataset_path(self, dataset);
	g_autofree gchar *key_esc = vmds_cli_escape(key);
	return g_strdup_printf("%s/entries?key=%s", dataset_path, key_esc);
}

static gboolean
vmds_cli_cmd_entry_ls(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *dataset_path = vmds_cli_dataset_path(self, args[0]);
	g_autofree gchar *path = g_strdup_printf("%s/entries", dataset_path);
	g_autoptr(JsonNode) reply = NULL;
	JsonArray *array = NULL;

	if (!vmds_cli_call(self, "GET", path, NULL, &reply, error))
		return FALSE;
	if (reply == NULL)
		return TRUE; /* --json: printed */
	if (!JSON_NODE_HOLDS_ARRAY(reply))
		return vmds_cli_invalid_reply(error, "the keys are not a list");
	array = json_node_get_array(reply);
	/* check everything before printing anything */
	for (guint i = 0; i < json_array_get_length(array); i++) {
		if (vmds_client_node_get_string(json_array_get_element(array, i)) == NULL)
			return vmds_cli_invalid_reply(error, "a key is not a string");
	}
	for (guint i = 0; i < json_array_get_length(array); i++)
		vmds_cli_print_text(json_array_get_string_element(array, i));
	return TRUE;
}

static gboolean
vmds_cli_cmd_entry_get(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_entry_path(self, args[0], args[1]);
	g_autoptr(JsonNode) reply = NULL;
	const gchar *value = NULL;

	if (!vmds_cli_call(self, "GET", path, NULL, &reply, error))
		return FALSE;
	if (reply == NULL)
		return TRUE; /* --json: printed */
	value = vmds_client_node_get_string(reply);
	if (value == NULL)
		return vmds_cli_invalid_reply(error, "the value is not a string");
	/* the value exactly as stored: it is data, not text for the terminal */
	fwrite(value, 1, strlen(value), stdout);
	fputc('\n', stdout);
	return TRUE;
}

static gboolean
vmds_cli_cmd_entry_set(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_entry_path(self, args[0], args[1]);
	g_autofree gchar *value = vmds_cli_get_value(self, args[2], VMDS_CLI_MAX_VALUE, error);
	g_autoptr(JsonNode) body = NULL;

	if (value == NULL)
		return FALSE;
	body = json_node_alloc();
	json_node_init_string(body, value);
	return vmds_cli_call(self, "PUT", path, body, NULL, error);
}

static gboolean
vmds_cli_cmd_entry_rm(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_entry_path(self, args[0], args[1]);
	return vmds_cli_call(self, "DELETE", path, NULL, NULL, error);
}

const VmdsCliCommand vmds_cli_entry_commands[] = {
    {"entry ls",
     "DATASET",
     "List the keys of a data set, one per line",
     NULL,
     0,
     1,
     1,
     1,
     0,
     vmds_cli_cmd_entry_ls},
    {"entry get",
     "DATASET KEY",
     "Print the value of an entry",
     "The value is written exactly as stored, followed by one newline.",
     0,
     2,
     2,
     1,
     1,
     vmds_cli_cmd_entry_get},
    {"entry set",
     "DATASET KEY [VALUE]",
     "Create or replace an entry",
     "The value is VALUE, or the contents of FILE, or standard input when VALUE\n"
     "is '-' or absent and standard input is not a terminal. It is stored\n"
     "exactly: a trailing newline is kept. Put '--' before a VALUE that starts\n"
     "with '-'.",
     VMDS_CLI_OPT(FILE),
     2,
     3,
     1,
     1,
     vmds_cli_cmd_entry_set},
    {"entry rm", "DATASET KEY", "Delete an entry", NULL, 0, 2, 2, 1, 1, vmds_cli_cmd_entry_rm},
    {NULL},
};

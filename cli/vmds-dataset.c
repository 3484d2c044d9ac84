/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-cli.h"

/* vmds dataset ...: a VM's data sets, /api/vcenter/vm/{vm}/data-sets */

static gboolean
vmds_cli_cmd_dataset_ls(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *const members[] = {"name", "description", NULL};
	const gchar *const headers[] = {"NAME", "DESCRIPTION", NULL};
	g_autofree gchar *path = vmds_cli_datasets_path(self);
	return vmds_cli_list(self, path, members, headers, error);
}

/* the members of a create or update body that come from options */
static void
vmds_cli_add_dataset_members(VmdsCli *self, JsonBuilder *builder, gboolean defaults)
{
	const gchar *description = self->values[VMDS_CLI_OPTION_DESCRIPTION];
	const gchar *host = self->values[VMDS_CLI_OPTION_HOST];
	const gchar *guest = self->values[VMDS_CLI_OPTION_GUEST];
	const gchar *omit = self->values[VMDS_CLI_OPTION_OMIT];

	/* the API requires all three on create: these defaults are documented */
	if (defaults) {
		description = description != NULL ? description : "";
		host = host != NULL ? host : "READ_WRITE";
		guest = guest != NULL ? guest : "READ_ONLY";
	}
	if (description != NULL) {
		json_builder_set_member_name(builder, "description");
		json_builder_add_string_value(builder, description);
	}
	if (host != NULL) {
		json_builder_set_member_name(builder, "host");
		json_builder_add_string_value(builder, host);
	}
	if (guest != NULL) {
		json_builder_set_member_name(builder, "guest");
		json_builder_add_string_value(builder, guest);
	}
	if (omit != NULL) {
		json_builder_set_member_name(builder, "omit_from_snapshot_and_clone");
		json_builder_add_boolean_value(builder, g_strcmp0(omit, "true") == 0);
	}
}

static gboolean
vmds_cli_cmd_dataset_create(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();
	g_autoptr(JsonNode) body = NULL;
	g_autofree gchar *path = vmds_cli_datasets_path(self);

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "name");
	json_builder_add_string_value(builder, args[0]);
	vmds_cli_add_dataset_members(self, builder, TRUE);
	json_builder_end_object(builder);
	body = json_builder_get_root(builder);
	return vmds_cli_create(self, path, body, error);
}

static gboolean
vmds_cli_cmd_dataset_info(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_dataset_path(self, args[0]);
	return vmds_cli_info(self, path, error);
}

static gboolean
vmds_cli_cmd_dataset_update(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();
	g_autoptr(JsonNode) body = NULL;
	g_autofree gchar *path = vmds_cli_dataset_path(self, args[0]);

	if (self->given == 0) {
		return vmds_cli_usage_error(error,
					    "nothing to update: give --description, --host, "
					    "--guest or --" VMDS_CLI_OMIT);
	}
	json_builder_begin_object(builder);
	vmds_cli_add_dataset_members(self, builder, FALSE);
	json_builder_end_object(builder);
	body = json_builder_get_root(builder);
	return vmds_cli_call(self, "PATCH", path, body, NULL, error);
}

static gboolean
vmds_cli_cmd_dataset_rm(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *dataset_path = vmds_cli_dataset_path(self, args[0]);
	g_autofree gchar *path = NULL;

	if (self->values[VMDS_CLI_OPTION_FORCE] != NULL)
		path = g_strdup_printf("%s?force=true", dataset_path);
	else
		path = g_strdup(dataset_path);
	return vmds_cli_call(self, "DELETE", path, NULL, NULL, error);
}

const VmdsCliCommand vmds_cli_dataset_commands[] = {
    {"dataset ls",
     "",
     "List the data sets of the VM",
     NULL,
     0,
     0,
     0,
     0,
     0,
     vmds_cli_cmd_dataset_ls},
    {"dataset create",
     "NAME",
     "Create a data set and print its id",
     "Unless given, host access is READ_WRITE, guest access READ_ONLY and the\n"
     "description empty.",
     VMDS_CLI_OPT(DESCRIPTION) | VMDS_CLI_OPT(HOST) | VMDS_CLI_OPT(GUEST) | VMDS_CLI_OPT(OMIT),
     1,
     1,
     1,
     0,
     vmds_cli_cmd_dataset_create},
    {"dataset info", "NAME", "Show a data set", NULL, 0, 1, 1, 1, 0, vmds_cli_cmd_dataset_info},
    {"dataset update",
     "NAME",
     "Change a data set's description, access or snapshot behaviour",
     "Only the members given change; a data set cannot be renamed.",
     VMDS_CLI_OPT(DESCRIPTION) | VMDS_CLI_OPT(HOST) | VMDS_CLI_OPT(GUEST) | VMDS_CLI_OPT(OMIT),
     1,
     1,
     1,
     0,
     vmds_cli_cmd_dataset_update},
    {"dataset rm",
     "NAME",
     "Delete a data set",
     "A data set that holds entries is deleted only with --force.",
     VMDS_CLI_OPT(FORCE),
     1,
     1,
     1,
     0,
     vmds_cli_cmd_dataset_rm},
    {NULL},
};

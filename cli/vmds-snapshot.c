/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-cli.h"

/*
 * vmds snapshot ...: a VM's snapshots, /api/vcenter/vm/{vm}/snapshots. The
 * VM comes first and is named on the command line, except for ls, where it
 * may be left to --vm like vm info: a command that changes or destroys data
 * names the VM it acts on.
 */

static gboolean
vmds_cli_cmd_snapshot_ls(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *const members[] = {"snapshot", "name", "creation_time", "size", NULL};
	const gchar *const headers[] = {"SNAPSHOT", "NAME", "CREATED", "SIZE", NULL};
	g_autofree gchar *path =
	    vmds_cli_snapshots_path(args[0] != NULL ? args[0] : vmds_cli_get_vm(self));
	return vmds_cli_list(self, path, members, headers, error);
}

static gboolean
vmds_cli_cmd_snapshot_create(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();
	g_autoptr(JsonNode) body = NULL;
	g_autofree gchar *path = vmds_cli_snapshots_path(args[0]);

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "name");
	json_builder_add_string_value(builder, args[1]);
	if (self->values[VMDS_CLI_OPTION_DESCRIPTION] != NULL) {
		json_builder_set_member_name(builder, "description");
		json_builder_add_string_value(builder, self->values[VMDS_CLI_OPTION_DESCRIPTION]);
	}
	json_builder_end_object(builder);
	body = json_builder_get_root(builder);
	return vmds_cli_create(self, path, body, error);
}

static gboolean
vmds_cli_cmd_snapshot_info(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_snapshot_path(args[0], args[1]);
	return vmds_cli_info(self, path, error);
}

static gboolean
vmds_cli_cmd_snapshot_revert(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *snapshot_path = vmds_cli_snapshot_path(args[0], args[1]);
	g_autofree gchar *path = g_strdup_printf("%s?action=revert", snapshot_path);
	return vmds_cli_call(self, "POST", path, NULL, NULL, error);
}

static gboolean
vmds_cli_cmd_snapshot_rm(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_snapshot_path(args[0], args[1]);
	return vmds_cli_call(self, "DELETE", path, NULL, NULL, error);
}

const VmdsCliCommand vmds_cli_snapshot_commands[] = {
    {"snapshot ls",
     "[VM]",
     "List the snapshots of a VM (default: the --vm one)",
     "Oldest first: id, name, creation time (UTC) and size on disk in bytes.",
     0,
     0,
     1,
     1,
     0,
     vmds_cli_cmd_snapshot_ls},
    {"snapshot create",
     "VM NAME",
     "Take a snapshot of a VM's data and print its id",
     "The snapshot holds a copy of each of the VM's data sets with its entries,\n"
     "except those flagged --" VMDS_CLI_OMIT ". NAME is 1 to 255\n"
     "bytes and need not be unique; the id, such as snapshot-1, is. A VM has at\n"
     "most [daemon] max-snapshots snapshots (32 unless configured).",
     VMDS_CLI_OPT(DESCRIPTION),
     2,
     2,
     1,
     0,
     vmds_cli_cmd_snapshot_create},
    {"snapshot info",
     "VM SNAPSHOT",
     "Show a snapshot",
     "SNAPSHOT is an id such as snapshot-1, as snapshot ls prints it.",
     0,
     2,
     2,
     2,
     0,
     vmds_cli_cmd_snapshot_info},
    {"snapshot revert",
     "VM SNAPSHOT",
     "Replace a VM's data with a snapshot's",
     "The VM's data sets, their entries, descriptions and access modes become\n"
     "those of the snapshot, as a whole: data sets created since are gone, and\n"
     "those flagged --" VMDS_CLI_OMIT " are destroyed. The snapshot\n"
     "is kept. Guests stay connected.",
     0,
     2,
     2,
     2,
     0,
     vmds_cli_cmd_snapshot_revert},
    {"snapshot rm",
     "VM SNAPSHOT",
     "Delete a snapshot",
     "The VM's data is not changed.",
     0,
     2,
     2,
     2,
     0,
     vmds_cli_cmd_snapshot_rm},
    {NULL},
};

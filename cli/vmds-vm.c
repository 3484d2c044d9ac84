/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-cli.h"

/* vmds vm ...: the VM inventory, /api/vcenter/vm */

static gboolean
vmds_cli_cmd_vm_ls(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *const members[] = {"vm", "name", NULL};
	const gchar *const headers[] = {"VM", "NAME", NULL};
	return vmds_cli_list(self, "/api/vcenter/vm", members, headers, error);
}

/*
 * The body of a create or (with @source) a clone: the clone's socket owner,
 * group and CID are its own, never the source's, so both take the same
 * options
 */
static JsonNode *
vmds_cli_vm_body(VmdsCli *self, const gchar *source, const gchar *name)
{
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();

	json_builder_begin_object(builder);
	if (source != NULL) {
		json_builder_set_member_name(builder, "source");
		json_builder_add_string_value(builder, source);
	}
	json_builder_set_member_name(builder, "name");
	json_builder_add_string_value(builder, name);
	if (self->values[VMDS_CLI_OPTION_CID] != NULL) {
		json_builder_set_member_name(builder, "cid");
		json_builder_add_int_value(
		    builder, g_ascii_strtoll(self->values[VMDS_CLI_OPTION_CID], NULL, 10));
	}
	if (self->values[VMDS_CLI_OPTION_SOCKET_OWNER] != NULL) {
		json_builder_set_member_name(builder, "socket_owner");
		json_builder_add_string_value(builder, self->values[VMDS_CLI_OPTION_SOCKET_OWNER]);
	}
	if (self->values[VMDS_CLI_OPTION_SOCKET_GROUP] != NULL) {
		json_builder_set_member_name(builder, "socket_group");
		json_builder_add_string_value(builder, self->values[VMDS_CLI_OPTION_SOCKET_GROUP]);
	}
	json_builder_end_object(builder);
	return json_builder_get_root(builder);
}

static gboolean
vmds_cli_cmd_vm_create(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonNode) body = vmds_cli_vm_body(self, NULL, args[0]);
	return vmds_cli_create(self, "/api/vcenter/vm", body, error);
}

static gboolean
vmds_cli_cmd_vm_clone(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonNode) body = vmds_cli_vm_body(self, args[0], args[1]);
	return vmds_cli_create(self, "/api/vcenter/vm?action=clone", body, error);
}

static gboolean
vmds_cli_cmd_vm_info(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path =
	    vmds_cli_vm_path(args[0] != NULL ? args[0] : vmds_cli_get_vm(self));
	return vmds_cli_info(self, path, error);
}

static gboolean
vmds_cli_cmd_vm_rm(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_vm_path(args[0]);
	return vmds_cli_call(self, "DELETE", path, NULL, NULL, error);
}

const VmdsCliCommand vmds_cli_vm_commands[] = {
    {"vm ls", "", "List the VMs", NULL, 0, 0, 0, 0, 0, vmds_cli_cmd_vm_ls},
    {"vm create",
     "NAME",
     "Create a VM and print its id",
     "The daemon creates the VM's store and its backchannel socket. With\n"
     "--socket-owner or --socket-group the socket belongs to that user or group,\n"
     "who may then use it.",
     VMDS_CLI_OPT(CID) | VMDS_CLI_OPT(SOCKET_OWNER) | VMDS_CLI_OPT(SOCKET_GROUP),
     1,
     1,
     1,
     0,
     vmds_cli_cmd_vm_create},
    {"vm clone",
     "SRC NAME",
     "Create a VM from a copy of another's data and print its id",
     "The new VM, named NAME, gets a copy of each of SRC's data sets with its\n"
     "entries, except those flagged --" VMDS_CLI_OMIT ". SRC is\n"
     "a VM id such as vm-1, never taken from --vm. The CID, socket owner and\n"
     "socket group are not copied from SRC: the new VM has those given here, as\n"
     "with vm create.",
     VMDS_CLI_OPT(CID) | VMDS_CLI_OPT(SOCKET_OWNER) | VMDS_CLI_OPT(SOCKET_GROUP),
     2,
     2,
     2,
     0,
     vmds_cli_cmd_vm_clone},
    {"vm info",
     "[VM]",
     "Show a VM (default: the --vm one)",
     NULL,
     0,
     0,
     1,
     1,
     0,
     vmds_cli_cmd_vm_info},
    {"vm rm",
     "VM",
     "Delete a VM with its data sets and backchannel socket",
     NULL,
     0,
     1,
     1,
     1,
     0,
     vmds_cli_cmd_vm_rm},
    {NULL},
};

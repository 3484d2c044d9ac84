/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "vmds-cli.h"

/* vmds user ...: the daemon's users, /api/vmds/users (administrators only) */

static gchar *
vmds_cli_user_path(const gchar *name)
{
	g_autofree gchar *name_esc = vmds_cli_escape(name);
	return g_strdup_printf("/api/vmds/users/%s", name_esc);
}

static gboolean
vmds_cli_cmd_user_ls(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *const members[] = {"user", "role", "vcenter_metadata", NULL};
	const gchar *const headers[] = {"USER", "ROLE", "VCENTER-METADATA", NULL};
	return vmds_cli_list(self, "/api/vmds/users", members, headers, error);
}

static gboolean
vmds_cli_cmd_user_info(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_user_path(args[0]);
	return vmds_cli_info(self, path, error);
}

/* the members --role and --vcenter-metadata set, into @builder */
static void
vmds_cli_user_add_options(VmdsCli *self, JsonBuilder *builder)
{
	if (self->values[VMDS_CLI_OPTION_ROLE] != NULL) {
		json_builder_set_member_name(builder, "role");
		json_builder_add_string_value(builder, self->values[VMDS_CLI_OPTION_ROLE]);
	}
	if (self->values[VMDS_CLI_OPTION_VCENTER_METADATA] != NULL) {
		json_builder_set_member_name(builder, "vcenter_metadata");
		json_builder_add_boolean_value(
		    builder,
		    g_strcmp0(self->values[VMDS_CLI_OPTION_VCENTER_METADATA], "true") == 0);
	}
}

/* a body with @password in it, whose text is wiped once sent */
static gboolean
vmds_cli_user_send(VmdsCli *self,
		   const gchar *method,
		   const gchar *path,
		   JsonBuilder *builder,
		   gboolean created,
		   GError **error)
{
	g_autoptr(JsonNode) body = NULL;
	JsonNode *password;
	gboolean ok;

	json_builder_end_object(builder);
	body = json_builder_get_root(builder);
	ok = created ? vmds_cli_create(self, path, body, error)
		     : vmds_cli_call(self, method, path, body, NULL, error);
	password = json_object_get_member(json_node_get_object(body), "password");
	if (password != NULL)
		memset((gchar *)json_node_get_string(password),
		       0,
		       strlen(json_node_get_string(password)));
	return ok;
}

static gboolean
vmds_cli_cmd_user_add(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autofree gchar *prompt = g_strdup_printf("New password for %s: ", args[0]);
	g_autofree gchar *password = vmds_cli_read_password(prompt, TRUE, error);
	gboolean ok;

	if (password == NULL)
		return FALSE;
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "name");
	json_builder_add_string_value(builder, args[0]);
	json_builder_set_member_name(builder, "password");
	json_builder_add_string_value(builder, password);
	memset(password, 0, strlen(password));
	vmds_cli_user_add_options(self, builder);
	ok = vmds_cli_user_send(self, "POST", "/api/vmds/users", builder, TRUE, error);
	return ok;
}

static gboolean
vmds_cli_cmd_user_passwd(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autofree gchar *path = vmds_cli_user_path(args[0]);
	g_autofree gchar *prompt = g_strdup_printf("New password for %s: ", args[0]);
	g_autofree gchar *password = vmds_cli_read_password(prompt, TRUE, error);

	if (password == NULL)
		return FALSE;
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "password");
	json_builder_add_string_value(builder, password);
	memset(password, 0, strlen(password));
	return vmds_cli_user_send(self, "PATCH", path, builder, FALSE, error);
}

static gboolean
vmds_cli_cmd_user_set(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autofree gchar *path = vmds_cli_user_path(args[0]);

	if (self->values[VMDS_CLI_OPTION_ROLE] == NULL &&
	    self->values[VMDS_CLI_OPTION_VCENTER_METADATA] == NULL)
		return vmds_cli_usage_error(error,
					    "nothing to set: give --role or --vcenter-metadata");
	json_builder_begin_object(builder);
	vmds_cli_user_add_options(self, builder);
	return vmds_cli_user_send(self, "PATCH", path, builder, FALSE, error);
}

static gboolean
vmds_cli_cmd_user_rm(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_user_path(args[0]);
	return vmds_cli_call(self, "DELETE", path, NULL, NULL, error);
}

#define VMDS_CLI_USER_PASSWORD_HELP                                                                \
	"The password is typed twice on the terminal, not shown; when standard input is not a "    \
	"terminal, it is its first line. It is never taken from the command line, which other "    \
	"users of the machine can read. A password is 8 to 1024 bytes."

const VmdsCliCommand vmds_cli_user_commands[] = {
    {"user ls",
     "",
     "List the daemon's users: name, role and the right vcenter-metadata",
     "Administrators only. The configured administrator ([http] username) is listed too.",
     0,
     0,
     0,
     0,
     0,
     vmds_cli_cmd_user_ls},
    {"user info",
     "NAME",
     "Show a user: its role and rights",
     NULL,
     0,
     1,
     1,
     1,
     0,
     vmds_cli_cmd_user_info},
    {"user add",
     "NAME",
     "Add a user of the REST API, with the password read from standard input",
     "A user (--role user, the default) sees and manages only the VMs it owns; an "
     "administrator sees all of them and manages the users. NAME is 1 to 64 characters: "
     "lowercase letters, digits, '_', '.' and '-'. " VMDS_CLI_USER_PASSWORD_HELP,
     VMDS_CLI_OPT(ROLE) | VMDS_CLI_OPT(VCENTER_METADATA),
     1,
     1,
     1,
     0,
     vmds_cli_cmd_user_add},
    {"user passwd",
     "NAME",
     "Change a user's password, read from standard input; its sessions end",
     "The configured administrator's password is the daemon's password file: replace the "
     "file and reload the daemon instead. " VMDS_CLI_USER_PASSWORD_HELP,
     0,
     1,
     1,
     1,
     0,
     vmds_cli_cmd_user_passwd},
    {"user set",
     "NAME",
     "Change a user's role or its right vcenter-metadata",
     NULL,
     VMDS_CLI_OPT(ROLE) | VMDS_CLI_OPT(VCENTER_METADATA),
     1,
     1,
     1,
     0,
     vmds_cli_cmd_user_set},
    {"user rm",
     "NAME",
     "Remove a user; refused while it owns VMs",
     "Delete its VMs, or give them another owner (vm set VM --owner USER), first.",
     0,
     1,
     1,
     1,
     0,
     vmds_cli_cmd_user_rm},
    {NULL},
};

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vmds-cli.h"

/*
 * vmds guestinfo ...: a VM's guestinfo variables, the values a guest reads
 * with `vmtoolsd --cmd 'info-get guestinfo.NAME'`:
 * /api/vcenter/vm/{vm}/guest-info and .../guest-info-settings. The API names
 * a variable by NAME alone; the CLI takes guestinfo.NAME too, as guests
 * write it. The VM is always named on the command line, as for snapshots.
 */

#define VMDS_CLI_GUESTINFO_PREFIX "guestinfo."
/* a bound on what is read from a file or standard input before it is sent;
 * a guest reads at most 64 KiB in one info-get */
#define VMDS_CLI_GUESTINFO_MAX_VALUE (1024 * 1024)

/* NAME of @arg, NAME or guestinfo.NAME (the prefix in any case), or NULL */
static const gchar *
vmds_cli_guestinfo_name(const gchar *arg, GError **error)
{
	const gchar *name = arg;

	if (g_ascii_strncasecmp(
		name, VMDS_CLI_GUESTINFO_PREFIX, strlen(VMDS_CLI_GUESTINFO_PREFIX)) == 0)
		name += strlen(VMDS_CLI_GUESTINFO_PREFIX);
	if (name[0] == '\0') {
		vmds_cli_usage_error(error, "'%s' names no guestinfo variable", arg);
		return NULL;
	}
	/* a path segment: URL parsing would resolve these */
	if (g_strcmp0(name, ".") == 0 || g_strcmp0(name, "..") == 0) {
		vmds_cli_usage_error(
		    error, "'%s' cannot be used as a guestinfo name in a URL", arg);
		return NULL;
	}
	return name;
}

static gchar *
vmds_cli_guestinfo_path(const gchar *vm, const gchar *name)
{
	g_autofree gchar *vm_path = vmds_cli_vm_path(vm);
	g_autofree gchar *name_esc = NULL;

	if (name == NULL)
		return g_strdup_printf("%s/guest-info", vm_path);
	name_esc = vmds_cli_escape(name);
	return g_strdup_printf("%s/guest-info/%s", vm_path, name_esc);
}

static gboolean
vmds_cli_cmd_guestinfo_ls(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *const members[] = {"name", "value", NULL};
	const gchar *const headers[] = {"NAME", "VALUE", NULL};
	g_autofree gchar *path = vmds_cli_guestinfo_path(args[0], NULL);
	return vmds_cli_list(self, path, members, headers, error);
}

static gboolean
vmds_cli_cmd_guestinfo_get(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *name = vmds_cli_guestinfo_name(args[1], error);
	g_autofree gchar *path = NULL;
	g_autoptr(JsonNode) reply = NULL;
	const gchar *value = NULL;

	if (name == NULL)
		return FALSE;
	path = vmds_cli_guestinfo_path(args[0], name);
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
vmds_cli_cmd_guestinfo_set(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *name = vmds_cli_guestinfo_name(args[1], error);
	g_autofree gchar *path = NULL;
	g_autofree gchar *value = NULL;
	g_autoptr(JsonNode) body = NULL;

	if (name == NULL)
		return FALSE;
	value = vmds_cli_get_value(self, args[2], VMDS_CLI_GUESTINFO_MAX_VALUE, error);
	if (value == NULL)
		return FALSE;
	path = vmds_cli_guestinfo_path(args[0], name);
	body = json_node_alloc();
	json_node_init_string(body, value);
	return vmds_cli_call(self, "PUT", path, body, NULL, error);
}

static gboolean
vmds_cli_cmd_guestinfo_rm(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *name = vmds_cli_guestinfo_name(args[1], error);
	g_autofree gchar *path = NULL;

	if (name == NULL)
		return FALSE;
	path = vmds_cli_guestinfo_path(args[0], name);
	return vmds_cli_call(self, "DELETE", path, NULL, NULL, error);
}

/* without options the settings are shown; with them, those given change */
static gboolean
vmds_cli_cmd_guestinfo_settings(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *writes = self->values[VMDS_CLI_OPTION_GUEST_WRITES];
	const gchar *limit = self->values[VMDS_CLI_OPTION_SIZE_LIMIT];
	g_autofree gchar *vm_path = vmds_cli_vm_path(args[0]);
	g_autofree gchar *path = g_strdup_printf("%s/guest-info-settings", vm_path);
	g_autoptr(JsonBuilder) builder = NULL;
	g_autoptr(JsonNode) body = NULL;

	if (writes == NULL && limit == NULL)
		return vmds_cli_info(self, path, error);
	builder = json_builder_new_immutable();
	json_builder_begin_object(builder);
	if (writes != NULL) {
		json_builder_set_member_name(builder, "guest_writes");
		json_builder_add_boolean_value(builder, g_strcmp0(writes, "true") == 0);
	}
	if (limit != NULL) {
		json_builder_set_member_name(builder, "guest_size_limit");
		if (g_strcmp0(limit, "default") == 0)
			json_builder_add_null_value(builder);
		else
			json_builder_add_int_value(builder, g_ascii_strtoll(limit, NULL, 10));
	}
	json_builder_end_object(builder);
	body = json_builder_get_root(builder);
	return vmds_cli_call(self, "PATCH", path, body, NULL, error);
}

const VmdsCliCommand vmds_cli_guestinfo_commands[] = {
    {"guestinfo ls",
     "VM",
     "List a VM's guestinfo variables: names and values",
     "Names are shown without guestinfo., by name. In the table, tabs and\n"
     "newlines in a value show as spaces: use guestinfo get or --json for the\n"
     "exact values.",
     0,
     1,
     1,
     1,
     0,
     vmds_cli_cmd_guestinfo_ls},
    {"guestinfo get",
     "VM NAME",
     "Print the value of a guestinfo variable",
     "NAME is guestinfo.NAME as the guest writes it, or NAME alone; its case\n"
     "does not matter. The value is written exactly as stored, followed by one\n"
     "newline.",
     0,
     2,
     2,
     1,
     0,
     vmds_cli_cmd_guestinfo_get},
    {"guestinfo set",
     "VM NAME [VALUE]",
     "Create or replace a guestinfo variable",
     "NAME is guestinfo.NAME or NAME, UTF-8 without blanks. The value is VALUE,\n"
     "or the contents of FILE, or standard input when VALUE is '-' or absent\n"
     "and standard input is not a terminal. It is stored exactly: a trailing\n"
     "newline is kept. What the host sets counts toward no limit of the\n"
     "guest's. Put '--' before a VALUE that starts with '-'.",
     VMDS_CLI_OPT(FILE),
     2,
     3,
     1,
     0,
     vmds_cli_cmd_guestinfo_set},
    {"guestinfo rm",
     "VM NAME",
     "Delete a guestinfo variable",
     NULL,
     0,
     2,
     2,
     1,
     0,
     vmds_cli_cmd_guestinfo_rm},
    {"guestinfo settings",
     "VM",
     "Show or change whether and how much the guest may set",
     "Without options, shows the VM's settings: guest_writes, guest_size_limit\n"
     "(null: the daemon's [guestinfo] guest-size-limit), the limit in force and\n"
     "the bytes of names and values the guest has set. --guest-writes=off\n"
     "refuses every info-set of the guest; --size-limit bounds the bytes it\n"
     "may have set in all, 'default' going back to the daemon's limit.",
     VMDS_CLI_OPT(GUEST_WRITES) | VMDS_CLI_OPT(SIZE_LIMIT),
     1,
     1,
     1,
     0,
     vmds_cli_cmd_guestinfo_settings},
    {NULL},
};

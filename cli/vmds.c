/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "vmds-cli.h"

/*
 * vmds: the admin CLI over the management REST API, govc-like:
 * `vmds [OPTION...] COMMAND SUBCOMMAND [ARGS...]`. Each noun (vm, snapshot,
 * dataset, entry, guestinfo, vapp, user, metadata: vmds-<noun>.c) has a
 * static table of commands; this file joins the tables and lets them
 * drive dispatch, argument counts, the options each command takes and the
 * help text. A new noun is a new file
 * with its table, listed in vmds_cli_tables[]. Exit status: 0 success, 1
 * failure, 2 usage error.
 */

#define VMDS_CLI_EXIT_FAILURE 1
#define VMDS_CLI_EXIT_USAGE   2

static gboolean vmds_cli_cmd_help(VmdsCli *self, gchar **args, GError **error);

static const VmdsCliCommand vmds_cli_help_commands[] = {
    {"help",
     "[COMMAND [SUBCOMMAND]]",
     "Show help on all commands or one",
     NULL,
     0,
     0,
     2,
     0,
     0,
     vmds_cli_cmd_help},
    {NULL},
};

/* every noun's commands, in the order help lists them */
static const VmdsCliCommand *const vmds_cli_tables[] = {
    vmds_cli_vm_commands,
    vmds_cli_snapshot_commands,
    vmds_cli_dataset_commands,
    vmds_cli_entry_commands,
    vmds_cli_guestinfo_commands,
    vmds_cli_vapp_commands,
    vmds_cli_user_commands,
    vmds_cli_metadata_commands,
    vmds_cli_query_commands,
    vmds_cli_help_commands,
};

/* the command named by the first one or two words; *n_words says how many */
static const VmdsCliCommand *
vmds_cli_lookup(VmdsCli *self, gchar **words, guint *n_words)
{
	for (guint i = 0; i < self->commands->len; i++) {
		const VmdsCliCommand *cmd = g_ptr_array_index(self->commands, i);
		const gchar *name = cmd->name;
		const gchar *space = strchr(name, ' ');
		gsize len = space != NULL ? (gsize)(space - name) : strlen(name);

		if (words[0] == NULL || strncmp(words[0], name, len) != 0 || words[0][len] != '\0')
			continue;
		if (space == NULL) {
			*n_words = 1;
			return cmd;
		}
		if (words[1] != NULL && g_strcmp0(words[1], space + 1) == 0) {
			*n_words = 2;
			return cmd;
		}
	}
	return NULL;
}

/* the subcommands of a group such as "vm", comma-separated, or NULL */
static gchar *
vmds_cli_group_subcommands(VmdsCli *self, const gchar *group)
{
	g_autoptr(GString) out = g_string_new(NULL);
	gsize len = strlen(group);

	for (guint i = 0; i < self->commands->len; i++) {
		const VmdsCliCommand *cmd = g_ptr_array_index(self->commands, i);
		const gchar *name = cmd->name;
		if (strncmp(name, group, len) != 0 || name[len] != ' ')
			continue;
		if (out->len > 0)
			g_string_append(out, ", ");
		g_string_append(out, name + len + 1);
	}
	if (out->len == 0)
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
vmds_cli_append_entries(GString *out, const GOptionEntry *entries, guint64 mask)
{
	g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func(g_free);
	gsize width = 0;
	guint n = 0;

	for (guint i = 0; entries[i].long_name != NULL; i++) {
		const GOptionEntry *entry = &entries[i];
		GString *label = NULL;

		if ((mask & VMDS_CLI_OPT_BIT(i)) == 0)
			continue;
		label = g_string_new("  ");
		if (entry->short_name != '\0')
			g_string_append_printf(label, "-%c, ", entry->short_name);
		g_string_append_printf(label, "--%s", entry->long_name);
		if (entry->arg_description != NULL) {
			gboolean optional = (entry->flags & G_OPTION_FLAG_OPTIONAL_ARG) != 0;
			g_string_append_printf(
			    label, optional ? "[=%s]" : "=%s", entry->arg_description);
		}
		if (label->len <= 28)
			width = MAX(width, label->len);
		g_ptr_array_add(labels, g_string_free(label, FALSE));
	}
	for (guint i = 0; entries[i].long_name != NULL; i++) {
		const gchar *label = NULL;

		if ((mask & VMDS_CLI_OPT_BIT(i)) == 0)
			continue;
		label = g_ptr_array_index(labels, n++);
		if (strlen(label) > width)
			g_string_append_printf(out, "%s\n%*s", label, (gint)width + 2, "");
		else
			g_string_append_printf(out, "%-*s", (gint)width + 2, label);
		g_string_append_printf(out, "%s\n", entries[i].description);
	}
}

static void
vmds_cli_append_commands(VmdsCli *self, GString *out, const gchar *group)
{
	gsize len = group != NULL ? strlen(group) : 0;
	gsize width = 0;

	for (guint i = 0; i < self->commands->len; i++) {
		const VmdsCliCommand *cmd = g_ptr_array_index(self->commands, i);
		width = MAX(width, strlen(cmd->name) + 1 + strlen(cmd->args));
	}
	for (guint i = 0; i < self->commands->len; i++) {
		const VmdsCliCommand *cmd = g_ptr_array_index(self->commands, i);
		g_autofree gchar *usage = g_strdup_printf("%s %s", cmd->name, cmd->args);
		if (group != NULL && (strncmp(cmd->name, group, len) != 0 || cmd->name[len] != ' '))
			continue;
		g_string_append_printf(out, "  %-*s  %s\n", (gint)width, usage, cmd->summary);
	}
}

static void
vmds_cli_print_help(VmdsCli *self, const gchar *group)
{
	g_autoptr(GString) out = g_string_new(NULL);

	if (group != NULL)
		g_string_append_printf(
		    out, "Usage: vmds [OPTION…] %s SUBCOMMAND [ARGS…]\n\n", group);
	else
		g_string_append(out, "Usage: vmds [OPTION…] COMMAND SUBCOMMAND [ARGS…]\n\n");
	g_string_append(
	    out,
	    "Manage the VMs, snapshots, data sets, entries, guestinfo variables and vApp\n"
	    "properties of vmdsd over its REST API.\n\n"
	    "Commands:\n");
	vmds_cli_append_commands(self, out, group);
	g_string_append(out, "\nOptions:\n");
	vmds_cli_append_entries(out, self->global_entries, G_MAXUINT64);
	g_string_append(out,
			"\nRun 'vmds COMMAND SUBCOMMAND --help' for the options of a command,\n"
			"and see vmds(1) for the environment and files.\n");
	fputs(out->str, stdout);
}

static void
vmds_cli_print_command_help(VmdsCli *self, const VmdsCliCommand *cmd)
{
	g_autoptr(GString) out = g_string_new(NULL);

	g_string_append_printf(out, "Usage: vmds [OPTION…] %s %s\n\n", cmd->name, cmd->args);
	g_string_append_printf(out, "%s.\n", cmd->summary);
	if (cmd->description != NULL)
		g_string_append_printf(out, "\n%s\n", cmd->description);
	if (cmd->options != 0) {
		g_string_append(out, "\nOptions:\n");
		vmds_cli_append_entries(out, vmds_cli_command_entries, cmd->options);
	}
	g_string_append(out, "\nGlobal options:\n");
	vmds_cli_append_entries(out, self->global_entries, G_MAXUINT64);
	fputs(out->str, stdout);
}

static gboolean
vmds_cli_cmd_help(VmdsCli *self, gchar **args, GError **error)
{
	const VmdsCliCommand *cmd = NULL;
	g_autofree gchar *subcommands = NULL;
	guint n_words = 0;

	if (args[0] == NULL) {
		vmds_cli_print_help(self, NULL);
		return TRUE;
	}
	cmd = vmds_cli_lookup(self, args, &n_words);
	if (cmd != NULL && args[n_words] == NULL) {
		vmds_cli_print_command_help(self, cmd);
		return TRUE;
	}
	subcommands = vmds_cli_group_subcommands(self, args[0]);
	if (subcommands != NULL && args[1] == NULL) {
		vmds_cli_print_help(self, args[0]);
		return TRUE;
	}
	return vmds_cli_usage_error(error, "no help on '%s': unknown command", args[0]);
}

/*
 * A bare flag whose value is optional (--omit-from-snapshot-and-clone,
 * --not-user-configurable) means true: make that explicit, or GOption would
 * take the next word (a data set's name) as its value.
 */
static void
vmds_cli_expand_flags(gchar **args)
{
	for (guint i = 1; args[i] != NULL; i++) {
		if (g_strcmp0(args[i], "--") == 0)
			break;
		if (!g_str_has_prefix(args[i], "--"))
			continue;
		for (guint j = 0; j < VMDS_CLI_OPTION_LAST; j++) {
			const GOptionEntry *entry = &vmds_cli_command_entries[j];
			if ((entry->flags & G_OPTION_FLAG_OPTIONAL_ARG) == 0 ||
			    g_strcmp0(args[i] + 2, entry->long_name) != 0)
				continue;
			g_free(args[i]);
			args[i] = g_strdup_printf("--%s=true", entry->long_name);
			break;
		}
	}
}

/* the first option among @given that @cmd does not take, or NULL */
static const gchar *
vmds_cli_stray_option(const VmdsCliCommand *cmd, guint64 given)
{
	for (guint i = 0; i < VMDS_CLI_OPTION_LAST; i++) {
		if ((given & VMDS_CLI_OPT_BIT(i)) != 0 && (cmd->options & VMDS_CLI_OPT_BIT(i)) == 0)
			return vmds_cli_command_entries[i].long_name;
	}
	return NULL;
}

static gboolean
vmds_cli_run(VmdsCli *self, gchar **argv, GError **error)
{
	g_autoptr(GOptionContext) context = g_option_context_new(NULL);
	GOptionGroup *group = g_option_group_new("vmds", "", "", self, NULL);
	g_auto(GStrv) args = g_strdupv(argv);
	g_autofree gchar *subcommands = NULL;
	const VmdsCliCommand *cmd = NULL;
	const gchar *stray = NULL;
	gchar **positional = NULL;
	guint n_words = 0;
	guint n_args;

	/* values go into JSON bodies and URLs: refuse what is not UTF-8 up front */
	for (guint i = 1; args[i] != NULL; i++) {
		if (!g_utf8_validate(args[i], -1, NULL))
			return vmds_cli_usage_error(error, "argument %u is not UTF-8 text", i);
	}
	vmds_cli_expand_flags(args);

	g_option_group_add_entries(group, self->global_entries);
	g_option_group_add_entries(group, vmds_cli_command_entries);
	g_option_context_set_main_group(context, group);
	g_option_context_set_help_enabled(context, FALSE);
	if (!g_option_context_parse_strv(context, &args, error))
		return FALSE;

	/* GOption leaves the first "--" in place; it only ends the options */
	for (guint i = 1; args[i] != NULL; i++) {
		if (g_strcmp0(args[i], "--") == 0) {
			g_free(args[i]);
			memmove(&args[i],
				&args[i + 1],
				(g_strv_length(&args[i + 1]) + 1) * sizeof(gchar *));
			break;
		}
	}

	if (self->version) {
		g_print("vmds %s\n", VMDS_VERSION);
		return TRUE;
	}
	if (args[1] == NULL) {
		if (self->help) {
			vmds_cli_print_help(self, NULL);
			return TRUE;
		}
		return vmds_cli_usage_error(error, "no command given");
	}

	cmd = vmds_cli_lookup(self, &args[1], &n_words);
	if (cmd == NULL) {
		subcommands = vmds_cli_group_subcommands(self, args[1]);
		if (subcommands == NULL)
			return vmds_cli_usage_error(error, "unknown command '%s'", args[1]);
		self->command = g_strdup(args[1]);
		if (self->help && args[2] == NULL) {
			vmds_cli_print_help(self, args[1]);
			return TRUE;
		}
		if (args[2] == NULL) {
			return vmds_cli_usage_error(
			    error, "'%s' needs a subcommand: %s", args[1], subcommands);
		}
		return vmds_cli_usage_error(error,
					    "unknown command '%s %s'; '%s' has: %s",
					    args[1],
					    args[2],
					    args[1],
					    subcommands);
	}
	self->command = g_strdup(cmd->name);
	if (self->help) {
		vmds_cli_print_command_help(self, cmd);
		return TRUE;
	}

	stray = vmds_cli_stray_option(cmd, self->given);
	if (stray != NULL)
		return vmds_cli_usage_error(error, "'%s' takes no --%s", cmd->name, stray);
	positional = &args[1 + n_words];
	n_args = g_strv_length(positional);
	if (n_args < cmd->min_args || n_args > cmd->max_args) {
		return vmds_cli_usage_error(error,
					    "%s arguments: vmds %s %s",
					    n_args < cmd->min_args ? "missing" : "too many",
					    cmd->name,
					    cmd->args);
	}
	/* checked before any request is sent */
	for (guint i = 0; i < n_args && i < cmd->names + cmd->keys; i++) {
		if (!vmds_cli_check_name(positional[i], i >= cmd->names, error))
			return FALSE;
	}
	if (cmd->func != vmds_cli_cmd_help &&
	    !vmds_cli_check_name(vmds_cli_get_vm(self), FALSE, error))
		return FALSE;
	return cmd->func(self, positional, error);
}

int
main(int argc, char *argv[])
{
	g_autoptr(VmdsCli) self = vmds_cli_new();
	g_autoptr(GError) error = NULL;
	gint ret = EXIT_SUCCESS;

	for (guint i = 0; i < G_N_ELEMENTS(vmds_cli_tables); i++) {
		for (const VmdsCliCommand *cmd = vmds_cli_tables[i]; cmd->name != NULL; cmd++)
			g_ptr_array_add(self->commands, (gpointer)cmd);
	}

	setlocale(LC_ALL, "");
	g_set_prgname("vmds");

	if (!vmds_cli_run(self, argv, &error)) {
		g_autofree gchar *message = vmds_cli_sanitize(error->message);
		fprintf(stderr, "vmds: %s\n", message);
		if (error->domain == G_OPTION_ERROR) {
			fprintf(stderr,
				"Try 'vmds %s%s--help'.\n",
				self->command != NULL ? self->command : "",
				self->command != NULL ? " " : "");
			ret = VMDS_CLI_EXIT_USAGE;
		} else {
			ret = VMDS_CLI_EXIT_FAILURE;
		}
	}
	/* end the API session before reporting a failed write of the output */
	g_clear_pointer(&self, vmds_cli_free);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (ret == EXIT_SUCCESS)
			fprintf(stderr, "vmds: cannot write the output: %s\n", g_strerror(errno));
		ret = VMDS_CLI_EXIT_FAILURE;
	}
	return ret;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmds-cli.h"
#include "vmds-error.h"

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

static gchar *
vmds_cli_read_value(const gchar *filename, GError **error)
{
	g_autoptr(GString) buf = g_string_new(NULL);
	const gchar *what = filename != NULL ? filename : "standard input";
	gchar chunk[65536];
	int fd = STDIN_FILENO;
	int errsv = 0;

	if (filename != NULL) {
		fd = open(filename, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			errsv = errno;
			g_set_error(error,
				    G_IO_ERROR,
				    g_io_error_from_errno(errsv),
				    "cannot open %s: %s",
				    filename,
				    g_strerror(errsv));
			return NULL;
		}
	}
	while (buf->len <= VMDS_CLI_MAX_VALUE) {
		gssize n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			errsv = errno;
		if (n <= 0)
			break;
		g_string_append_len(buf, chunk, n);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (errsv != 0) {
		g_set_error(error,
			    G_IO_ERROR,
			    g_io_error_from_errno(errsv),
			    "cannot read %s: %s",
			    what,
			    g_strerror(errsv));
		return NULL;
	}
	if (buf->len > VMDS_CLI_MAX_VALUE) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_TOO_LARGE,
			    "the value in %s is larger than %u bytes",
			    what,
			    (guint)VMDS_CLI_MAX_VALUE);
		return NULL;
	}
	if (!g_utf8_validate_len(buf->str, buf->len, NULL)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "the value in %s is not UTF-8 text",
			    what);
		return NULL;
	}
	return g_string_free(g_steal_pointer(&buf), FALSE);
}

static gboolean
vmds_cli_cmd_entry_set(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_entry_path(self, args[0], args[1]);
	const gchar *filename = self->values[VMDS_CLI_OPTION_FILE];
	g_autofree gchar *value = NULL;
	g_autoptr(JsonNode) body = json_node_alloc();

	/* VALUE, --file FILE, or standard input ('-', or no VALUE and not a terminal) */
	if (args[2] != NULL && filename != NULL)
		return vmds_cli_usage_error(error, "give either VALUE or --file, not both");
	if (args[2] == NULL && filename == NULL && isatty(STDIN_FILENO))
		return vmds_cli_usage_error(error,
					    "no value: give VALUE, --file FILE, "
					    "or the value on standard input");
	if (args[2] != NULL && g_strcmp0(args[2], "-") != 0) {
		value = g_strdup(args[2]);
	} else {
		value = vmds_cli_read_value(g_strcmp0(filename, "-") != 0 ? filename : NULL, error);
		if (value == NULL)
			return FALSE;
	}
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

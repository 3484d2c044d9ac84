/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmds-client.h"
#include "vmds-error.h"
#include "vmds-paths.h"

/*
 * vmds: the admin CLI over the management REST API, govc-like:
 * `vmds [OPTION...] COMMAND SUBCOMMAND [ARGS...]`. One static table of
 * commands drives dispatch, argument counts, the options each command takes
 * and the help text. Exit status: 0 success, 1 failure, 2 usage error.
 */

#define VMDS_CLI_EXIT_FAILURE 1
#define VMDS_CLI_EXIT_USAGE   2
/* the API's limit on an entry value; larger input is refused before reading it all */
#define VMDS_CLI_MAX_VALUE 1048576
#define VMDS_CLI_OMIT	   "omit-from-snapshot-and-clone"

/* options only some commands take; bit i of VmdsCliCommand.options is option i */
typedef enum {
	VMDS_CLI_OPTION_CID,
	VMDS_CLI_OPTION_DESCRIPTION,
	VMDS_CLI_OPTION_HOST,
	VMDS_CLI_OPTION_GUEST,
	VMDS_CLI_OPTION_OMIT,
	VMDS_CLI_OPTION_FORCE,
	VMDS_CLI_OPTION_FILE,
	VMDS_CLI_OPTION_SOCKET_OWNER,
	VMDS_CLI_OPTION_SOCKET_GROUP,
	VMDS_CLI_OPTION_LAST
} VmdsCliOption;

#define VMDS_CLI_OPT(name) (1u << VMDS_CLI_OPTION_##name)

typedef struct {
	/* global options */
	gboolean json;
	gboolean insecure;
	gboolean help;
	gboolean version;
	gchar *vm;
	gchar *url;
	gchar *cacert;
	GOptionEntry global_entries[8];
	/* command options, validated and normalised by vmds_cli_option_cb() */
	gchar *values[VMDS_CLI_OPTION_LAST];
	guint given;
	/* the command or group being run, for the usage hint */
	gchar *command;
	VmdsClient *client; /* logged in on first use */
} VmdsCli;

typedef struct {
	const gchar *name; /* one or two words */
	const gchar *args;
	const gchar *summary;
	const gchar *description; /* nullable: the rest of the command's --help */
	guint options;		  /* VMDS_CLI_OPT() bits */
	guint min_args;
	guint max_args;
	gboolean (*func)(VmdsCli *self, gchar **args, GError **error);
} VmdsCliCommand;

static const gchar *const vmds_cli_access_modes[] = {"NONE", "READ_ONLY", "READ_WRITE", NULL};

static gboolean
vmds_cli_option_cb(const gchar *option_name, const gchar *value, gpointer data, GError **error);

static const GOptionEntry vmds_cli_command_entries[] = {
    [VMDS_CLI_OPTION_CID] = {"cid",
			     '\0',
			     G_OPTION_FLAG_NONE,
			     G_OPTION_ARG_CALLBACK,
			     (gpointer)vmds_cli_option_cb,
			     "The vsock CID whose guest is this VM",
			     "N"},
    [VMDS_CLI_OPTION_DESCRIPTION] = {"description",
				     '\0',
				     G_OPTION_FLAG_NONE,
				     G_OPTION_ARG_CALLBACK,
				     (gpointer)vmds_cli_option_cb,
				     "The description (default: empty)",
				     "TEXT"},
    [VMDS_CLI_OPTION_HOST] =
	{"host",
	 '\0',
	 G_OPTION_FLAG_NONE,
	 G_OPTION_ARG_CALLBACK,
	 (gpointer)vmds_cli_option_cb,
	 "Host (REST) access: NONE, READ_ONLY or READ_WRITE (create: READ_WRITE)",
	 "MODE"},
    [VMDS_CLI_OPTION_GUEST] = {"guest",
			       '\0',
			       G_OPTION_FLAG_NONE,
			       G_OPTION_ARG_CALLBACK,
			       (gpointer)vmds_cli_option_cb,
			       "Guest access: NONE, READ_ONLY or READ_WRITE (create: READ_ONLY)",
			       "MODE"},
    [VMDS_CLI_OPTION_OMIT] = {VMDS_CLI_OMIT,
			      '\0',
			      G_OPTION_FLAG_OPTIONAL_ARG,
			      G_OPTION_ARG_CALLBACK,
			      (gpointer)vmds_cli_option_cb,
			      "Leave the data set out of snapshots and clones (alone: true)",
			      "true|false"},
    [VMDS_CLI_OPTION_FORCE] = {"force",
			       '\0',
			       G_OPTION_FLAG_NO_ARG,
			       G_OPTION_ARG_CALLBACK,
			       (gpointer)vmds_cli_option_cb,
			       "Delete the data set even if it holds entries",
			       NULL},
    [VMDS_CLI_OPTION_FILE] = {"file",
			      '\0',
			      G_OPTION_FLAG_NONE,
			      G_OPTION_ARG_CALLBACK,
			      (gpointer)vmds_cli_option_cb,
			      "Read the value from FILE ('-': standard input)",
			      "FILE"},
    [VMDS_CLI_OPTION_SOCKET_OWNER] = {"socket-owner",
				      '\0',
				      G_OPTION_FLAG_NONE,
				      G_OPTION_ARG_CALLBACK,
				      (gpointer)vmds_cli_option_cb,
				      "The user the VM's socket belongs to; that user may use it",
				      "USER"},
    [VMDS_CLI_OPTION_SOCKET_GROUP] =
	{"socket-group",
	 '\0',
	 G_OPTION_FLAG_NONE,
	 G_OPTION_ARG_CALLBACK,
	 (gpointer)vmds_cli_option_cb,
	 "The group the VM's socket belongs to; its members may use it, "
	 "those of [backchannel] group no longer",
	 "GROUP"},
    [VMDS_CLI_OPTION_LAST] = G_OPTION_ENTRY_NULL,
};

static gboolean vmds_cli_usage_error(GError **error, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static gboolean
vmds_cli_usage_error(GError **error, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *message = NULL;

	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, message);
	return FALSE;
}

static gboolean
vmds_cli_option_cb(const gchar *option_name, const gchar *value, gpointer data, GError **error)
{
	VmdsCli *self = data;
	const gchar *name = option_name + 2; /* long options only: "--name" */
	g_autofree gchar *normalised = NULL;
	guint idx;

	for (idx = 0; idx < VMDS_CLI_OPTION_LAST; idx++) {
		if (g_strcmp0(vmds_cli_command_entries[idx].long_name, name) == 0)
			break;
	}
	g_return_val_if_fail(idx < VMDS_CLI_OPTION_LAST, FALSE);

	switch (idx) {
	case VMDS_CLI_OPTION_CID: {
		guint64 cid = 0;
		if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT32, &cid, NULL))
			return vmds_cli_usage_error(error, "invalid --cid '%s': not a CID", value);
		normalised = g_strdup_printf("%" G_GUINT64_FORMAT, cid);
		break;
	}
	case VMDS_CLI_OPTION_HOST:
	case VMDS_CLI_OPTION_GUEST:
		/* read-write, read_write and READ_WRITE all mean READ_WRITE */
		normalised = g_ascii_strup(value, -1);
		g_strdelimit(normalised, "-", '_');
		if (!g_strv_contains(vmds_cli_access_modes, normalised)) {
			return vmds_cli_usage_error(
			    error,
			    "invalid %s '%s': expected NONE, READ_ONLY or READ_WRITE",
			    option_name,
			    value);
		}
		break;
	case VMDS_CLI_OPTION_OMIT:
		if (value == NULL || g_ascii_strcasecmp(value, "true") == 0) {
			normalised = g_strdup("true");
		} else if (g_ascii_strcasecmp(value, "false") == 0) {
			normalised = g_strdup("false");
		} else {
			return vmds_cli_usage_error(
			    error, "invalid %s '%s': expected true or false", option_name, value);
		}
		break;
	case VMDS_CLI_OPTION_FORCE:
		normalised = g_strdup("true");
		break;
	default:
		normalised = g_strdup(value);
		break;
	}
	g_free(self->values[idx]);
	self->values[idx] = g_steal_pointer(&normalised);
	self->given |= 1u << idx;
	return TRUE;
}

static VmdsCli *
vmds_cli_new(void)
{
	VmdsCli *self = g_new0(VmdsCli, 1);
	const GOptionEntry entries[] = {
	    {"json",
	     '\0',
	     G_OPTION_FLAG_NONE,
	     G_OPTION_ARG_NONE,
	     &self->json,
	     "Print the server's JSON reply on one line",
	     NULL},
	    {"vm",
	     '\0',
	     G_OPTION_FLAG_NONE,
	     G_OPTION_ARG_STRING,
	     &self->vm,
	     "The VM of dataset and entry commands (default: $VMDS_VM, else " VMDS_DEFAULT_VM ")",
	     "VM"},
	    {"url",
	     '\0',
	     G_OPTION_FLAG_NONE,
	     G_OPTION_ARG_STRING,
	     &self->url,
	     "The daemon's base URL (default: $VMDS_URL, else the one vmdsd advertises)",
	     "URL"},
	    {"cacert",
	     '\0',
	     G_OPTION_FLAG_NONE,
	     G_OPTION_ARG_FILENAME,
	     &self->cacert,
	     "Trust the CA certificates in FILE (PEM) for https URLs, not the system's",
	     "FILE"},
	    {"insecure",
	     '\0',
	     G_OPTION_FLAG_NONE,
	     G_OPTION_ARG_NONE,
	     &self->insecure,
	     "Accept any TLS certificate (https URLs)",
	     NULL},
	    {"help", 'h', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &self->help, "Show help", NULL},
	    {"version",
	     '\0',
	     G_OPTION_FLAG_NONE,
	     G_OPTION_ARG_NONE,
	     &self->version,
	     "Show the version",
	     NULL},
	    G_OPTION_ENTRY_NULL,
	};
	G_STATIC_ASSERT(sizeof(entries) == sizeof(self->global_entries));

	memcpy(self->global_entries, entries, sizeof(entries));
	return self;
}

static void
vmds_cli_free(VmdsCli *self)
{
	if (self->client != NULL) {
		vmds_client_logout(self->client);
		vmds_client_free(self->client);
	}
	for (guint i = 0; i < VMDS_CLI_OPTION_LAST; i++)
		g_free(self->values[i]);
	g_free(self->vm);
	g_free(self->url);
	g_free(self->cacert);
	g_free(self->command);
	g_free(self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsCli, vmds_cli_free)

/* text from the server must not drive the terminal */
static gchar *
vmds_cli_sanitize(const gchar *text)
{
	g_autofree gchar *valid = g_utf8_make_valid(text, -1);
	GString *out = g_string_sized_new(strlen(valid));

	for (const gchar *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c == '\t' || c == '\n' || c == '\r')
			g_string_append_c(out, ' ');
		else if (g_unichar_iscntrl(c))
			g_string_append_c(out, '?');
		else
			g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

static const gchar *
vmds_cli_get_vm(VmdsCli *self)
{
	const gchar *env = g_getenv("VMDS_VM");

	if (self->vm != NULL)
		return self->vm;
	if (env != NULL && env[0] != '\0')
		return env;
	return VMDS_DEFAULT_VM;
}

/* --url, $VMDS_URL, the daemon's unix socket when this user may use it, the
 * URL the daemon wrote into the run directory, the default */
static gchar *
vmds_cli_get_url(VmdsCli *self)
{
	const gchar *env = g_getenv("VMDS_URL");
	g_autofree gchar *run_dir = NULL;
	g_autofree gchar *socket = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error_local = NULL;

	if (self->url != NULL)
		return g_strdup(self->url);
	if (env != NULL && env[0] != '\0')
		return g_strdup(env);
	run_dir = vmds_paths_run_dir();
	socket = g_build_filename(run_dir, VMDS_API_SOCKET_FILE, NULL);
	if (g_access(socket, R_OK | W_OK) == 0)
		return g_strconcat("unix:", socket, NULL);
	path = g_build_filename(run_dir, VMDS_URL_FILE, NULL);
	if (g_file_get_contents(path, &contents, NULL, &error_local)) {
		contents[strcspn(contents, "\r\n")] = '\0';
		g_strstrip(contents);
		if (contents[0] != '\0')
			return g_steal_pointer(&contents);
		g_debug("%s is empty", path);
	} else {
		g_debug("no URL from the daemon: %s", error_local->message);
	}
	return g_strdup_printf("http://127.0.0.1:%d", VMDS_DEFAULT_HTTP_PORT);
}

static gboolean
vmds_cli_get_credentials(gchar **username, gchar **password, GError **error)
{
	const gchar *env_user = g_getenv("VMDS_USERNAME");
	const gchar *env_password = g_getenv("VMDS_PASSWORD");
	g_autofree gchar *state_dir = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error_local = NULL;

	if (env_user != NULL && env_user[0] != '\0' && env_password != NULL) {
		*username = g_strdup(env_user);
		*password = g_strdup(env_password);
		return TRUE;
	}
	if (env_user != NULL && env_user[0] != '\0' && g_strcmp0(env_user, "admin") != 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_UNAUTHENTICATED,
			    "no credentials: VMDS_USERNAME is '%s' but VMDS_PASSWORD is not set",
			    env_user);
		return FALSE;
	}
	if (env_password != NULL) {
		*username = g_strdup("admin");
		*password = g_strdup(env_password);
		return TRUE;
	}

	/* the daemon's generated password for admin, readable by whoever runs it */
	state_dir = vmds_paths_state_dir();
	path = g_build_filename(state_dir, VMDS_ADMIN_PASSWORD_FILE, NULL);
	if (!g_file_get_contents(path, &contents, NULL, &error_local)) {
		g_set_error(
		    error,
		    VMDS_ERROR,
		    VMDS_ERROR_UNAUTHENTICATED,
		    "no credentials: set VMDS_USERNAME and VMDS_PASSWORD, or VMDS_STATE_DIR "
		    "to the daemon's state directory (%s)",
		    error_local->message);
		return FALSE;
	}
	contents[strcspn(contents, "\r\n")] = '\0';
	if (contents[0] == '\0') {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_UNAUTHENTICATED,
			    "no credentials: %s is empty; set VMDS_USERNAME and VMDS_PASSWORD",
			    path);
		return FALSE;
	}
	*username = g_strdup("admin");
	*password = g_steal_pointer(&contents);
	return TRUE;
}

static VmdsClient *
vmds_cli_get_client(VmdsCli *self, GError **error)
{
	g_autofree gchar *url = NULL;
	g_autofree gchar *username = NULL;
	g_autofree gchar *password = NULL;
	g_autoptr(VmdsClient) client = NULL;

	if (self->client != NULL)
		return self->client;
	url = vmds_cli_get_url(self);
	client = vmds_client_new(url, self->cacert, self->insecure, error);
	if (client == NULL)
		return NULL;
	/* on the unix socket, who the caller is is what counts */
	if (!vmds_client_is_local(client) &&
	    (!vmds_cli_get_credentials(&username, &password, error) ||
	     !vmds_client_login(client, username, password, error)))
		return NULL;
	self->client = g_steal_pointer(&client);
	return self->client;
}

/* one path segment, checked by vmds_cli_check_segment(): '/' becomes %2F */
static gchar *
vmds_cli_escape(const gchar *segment)
{
	return g_uri_escape_string(segment, NULL, FALSE);
}

static gchar *
vmds_cli_vm_path(const gchar *vm)
{
	g_autofree gchar *vm_esc = vmds_cli_escape(vm);
	return g_strdup_printf("/api/vcenter/vm/%s", vm_esc);
}

static gchar *
vmds_cli_datasets_path(VmdsCli *self)
{
	g_autofree gchar *vm_path = vmds_cli_vm_path(vmds_cli_get_vm(self));
	return g_strdup_printf("%s/data-sets", vm_path);
}

static gchar *
vmds_cli_dataset_path(VmdsCli *self, const gchar *dataset)
{
	g_autofree gchar *datasets_path = vmds_cli_datasets_path(self);
	g_autofree gchar *dataset_esc = vmds_cli_escape(dataset);
	return g_strdup_printf("%s/%s", datasets_path, dataset_esc);
}

static gchar *
vmds_cli_entry_path(VmdsCli *self, const gchar *dataset, const gchar *key)
{
	g_autofree gchar *dataset_path = vmds_cli_dataset_path(self, dataset);
	g_autofree gchar *key_esc = vmds_cli_escape(key);
	return g_strdup_printf("%s/entries/%s", dataset_path, key_esc);
}

static gboolean
vmds_cli_call(VmdsCli *self,
	      const gchar *method,
	      const gchar *path,
	      JsonNode *body,
	      JsonNode **reply,
	      GError **error)
{
	VmdsClient *client = vmds_cli_get_client(self, error);
	if (client == NULL)
		return FALSE;
	return vmds_client_call(client, method, path, body, reply, error);
}

static gboolean
vmds_cli_invalid_reply(GError **error, const gchar *what)
{
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "invalid reply from the server: %s",
		    what);
	return FALSE;
}

static const gchar *
vmds_cli_node_get_string(JsonNode *node)
{
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

static void
vmds_cli_print_json(JsonNode *node)
{
	g_autofree gchar *text = json_to_string(node, FALSE);
	fputs(text, stdout);
	fputc('\n', stdout);
}

static void
vmds_cli_print_text(const gchar *text)
{
	g_autofree gchar *safe = vmds_cli_sanitize(text);
	fputs(safe, stdout);
	fputc('\n', stdout);
}

/* a table with aligned columns; nothing at all when there are no rows */
static void
vmds_cli_print_table(const gchar *const *headers, GPtrArray *rows)
{
	guint n_columns = g_strv_length((gchar **)headers);
	g_autofree glong *widths = g_new0(glong, n_columns);
	g_autoptr(GString) line = g_string_new(NULL);

	if (rows->len == 0)
		return;
	g_ptr_array_insert(rows, 0, g_strdupv((gchar **)headers));
	for (guint i = 0; i < rows->len; i++) {
		gchar **row = g_ptr_array_index(rows, i);
		for (guint j = 0; j < n_columns; j++)
			widths[j] = MAX(widths[j], g_utf8_strlen(row[j], -1));
	}
	for (guint i = 0; i < rows->len; i++) {
		gchar **row = g_ptr_array_index(rows, i);
		g_string_truncate(line, 0);
		for (guint j = 0; j < n_columns; j++) {
			g_string_append(line, row[j]);
			if (j + 1 == n_columns)
				break;
			for (glong pad = g_utf8_strlen(row[j], -1); pad < widths[j] + 2; pad++)
				g_string_append_c(line, ' ');
		}
		fputs(line->str, stdout);
		fputc('\n', stdout);
	}
}

/* GET a list of objects and print the string members as a table */
static gboolean
vmds_cli_list(VmdsCli *self,
	      const gchar *path,
	      const gchar *const *members,
	      const gchar *const *headers,
	      GError **error)
{
	g_autoptr(JsonNode) reply = NULL;
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	guint n_columns = g_strv_length((gchar **)members);
	JsonArray *array = NULL;

	if (!vmds_cli_call(self, "GET", path, NULL, &reply, error))
		return FALSE;
	if (self->json) {
		vmds_cli_print_json(reply);
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_ARRAY(reply))
		return vmds_cli_invalid_reply(error, "not a list");
	array = json_node_get_array(reply);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *element = json_array_get_element(array, i);
		gchar **row = g_new0(gchar *, n_columns + 1);
		g_ptr_array_add(rows, row);
		if (!JSON_NODE_HOLDS_OBJECT(element))
			return vmds_cli_invalid_reply(error, "a list element is not an object");
		for (guint j = 0; j < n_columns; j++) {
			JsonObject *obj = json_node_get_object(element);
			const gchar *value =
			    vmds_cli_node_get_string(json_object_get_member(obj, members[j]));
			if (value == NULL) {
				g_set_error(error,
					    VMDS_ERROR,
					    VMDS_ERROR_INVALID_ARGUMENT,
					    "invalid reply from the server: "
					    "a list element has no string '%s'",
					    members[j]);
				return FALSE;
			}
			row[j] = vmds_cli_sanitize(value);
		}
	}
	vmds_cli_print_table(headers, rows);
	return TRUE;
}

/* GET an object and print it as `key: value` lines, in the server's order */
static gboolean
vmds_cli_info(VmdsCli *self, const gchar *path, GError **error)
{
	g_autoptr(JsonNode) reply = NULL;
	g_autoptr(GList) members = NULL;
	JsonObject *obj = NULL;

	if (!vmds_cli_call(self, "GET", path, NULL, &reply, error))
		return FALSE;
	if (self->json) {
		vmds_cli_print_json(reply);
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_OBJECT(reply))
		return vmds_cli_invalid_reply(error, "not an object");
	obj = json_node_get_object(reply);
	members = json_object_get_members(obj);
	for (GList *l = members; l != NULL; l = l->next) {
		const gchar *name = l->data;
		JsonNode *node = json_object_get_member(obj, name);
		const gchar *str = vmds_cli_node_get_string(node);
		g_autofree gchar *text = str != NULL ? g_strdup(str) : json_to_string(node, FALSE);
		g_autofree gchar *line = g_strdup_printf("%s: %s", name, text);
		vmds_cli_print_text(line);
	}
	return TRUE;
}

/* POST a create body and print the id the server returns */
static gboolean
vmds_cli_create(VmdsCli *self, const gchar *path, JsonNode *body, GError **error)
{
	g_autoptr(JsonNode) reply = NULL;
	const gchar *id = NULL;

	if (!vmds_cli_call(self, "POST", path, body, &reply, error))
		return FALSE;
	if (self->json) {
		vmds_cli_print_json(reply);
		return TRUE;
	}
	id = vmds_cli_node_get_string(reply);
	if (id == NULL)
		return vmds_cli_invalid_reply(error, "the id is not a string");
	vmds_cli_print_text(id);
	return TRUE;
}

static gboolean
vmds_cli_cmd_vm_ls(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *const members[] = {"vm", "name", NULL};
	const gchar *const headers[] = {"VM", "NAME", NULL};
	return vmds_cli_list(self, "/api/vcenter/vm", members, headers, error);
}

static gboolean
vmds_cli_cmd_vm_create(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();
	g_autoptr(JsonNode) body = NULL;

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "name");
	json_builder_add_string_value(builder, args[0]);
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
	body = json_builder_get_root(builder);
	return vmds_cli_create(self, "/api/vcenter/vm", body, error);
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

static gboolean
vmds_cli_cmd_entry_ls(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *dataset_path = vmds_cli_dataset_path(self, args[0]);
	g_autofree gchar *path = g_strdup_printf("%s/entries", dataset_path);
	g_autoptr(JsonNode) reply = NULL;
	JsonArray *array = NULL;

	if (!vmds_cli_call(self, "GET", path, NULL, &reply, error))
		return FALSE;
	if (self->json) {
		vmds_cli_print_json(reply);
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_ARRAY(reply))
		return vmds_cli_invalid_reply(error, "the keys are not a list");
	array = json_node_get_array(reply);
	/* check everything before printing anything */
	for (guint i = 0; i < json_array_get_length(array); i++) {
		if (vmds_cli_node_get_string(json_array_get_element(array, i)) == NULL)
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
	if (self->json) {
		vmds_cli_print_json(reply);
		return TRUE;
	}
	value = vmds_cli_node_get_string(reply);
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

static gboolean vmds_cli_cmd_help(VmdsCli *self, gchar **args, GError **error);

static const VmdsCliCommand vmds_cli_commands[] = {
    {"vm ls", "", "List the VMs", NULL, 0, 0, 0, vmds_cli_cmd_vm_ls},
    {"vm create",
     "NAME",
     "Create a VM and print its id",
     "The daemon creates the VM's store and its backchannel socket. With\n"
     "--socket-owner or --socket-group the socket belongs to that user or group,\n"
     "who may then use it.",
     VMDS_CLI_OPT(CID) | VMDS_CLI_OPT(SOCKET_OWNER) | VMDS_CLI_OPT(SOCKET_GROUP),
     1,
     1,
     vmds_cli_cmd_vm_create},
    {"vm info", "[VM]", "Show a VM (default: the --vm one)", NULL, 0, 0, 1, vmds_cli_cmd_vm_info},
    {"vm rm",
     "VM",
     "Delete a VM with its data sets and backchannel socket",
     NULL,
     0,
     1,
     1,
     vmds_cli_cmd_vm_rm},
    {"dataset ls", "", "List the data sets of the VM", NULL, 0, 0, 0, vmds_cli_cmd_dataset_ls},
    {"dataset create",
     "NAME",
     "Create a data set and print its id",
     "Unless given, host access is READ_WRITE, guest access READ_ONLY and the\n"
     "description empty.",
     VMDS_CLI_OPT(DESCRIPTION) | VMDS_CLI_OPT(HOST) | VMDS_CLI_OPT(GUEST) | VMDS_CLI_OPT(OMIT),
     1,
     1,
     vmds_cli_cmd_dataset_create},
    {"dataset info", "NAME", "Show a data set", NULL, 0, 1, 1, vmds_cli_cmd_dataset_info},
    {"dataset update",
     "NAME",
     "Change a data set's description, access or snapshot behaviour",
     "Only the members given change; a data set cannot be renamed.",
     VMDS_CLI_OPT(DESCRIPTION) | VMDS_CLI_OPT(HOST) | VMDS_CLI_OPT(GUEST) | VMDS_CLI_OPT(OMIT),
     1,
     1,
     vmds_cli_cmd_dataset_update},
    {"dataset rm",
     "NAME",
     "Delete a data set",
     "A data set that holds entries is deleted only with --force.",
     VMDS_CLI_OPT(FORCE),
     1,
     1,
     vmds_cli_cmd_dataset_rm},
    {"entry ls",
     "DATASET",
     "List the keys of a data set, one per line",
     NULL,
     0,
     1,
     1,
     vmds_cli_cmd_entry_ls},
    {"entry get",
     "DATASET KEY",
     "Print the value of an entry",
     "The value is written exactly as stored, followed by one newline.",
     0,
     2,
     2,
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
     vmds_cli_cmd_entry_set},
    {"entry rm", "DATASET KEY", "Delete an entry", NULL, 0, 2, 2, vmds_cli_cmd_entry_rm},
    {"help",
     "[COMMAND [SUBCOMMAND]]",
     "Show help on all commands or one",
     NULL,
     0,
     0,
     2,
     vmds_cli_cmd_help},
};

/* the command named by the first one or two words; *n_words says how many */
static const VmdsCliCommand *
vmds_cli_lookup(gchar **words, guint *n_words)
{
	for (guint i = 0; i < G_N_ELEMENTS(vmds_cli_commands); i++) {
		const gchar *name = vmds_cli_commands[i].name;
		const gchar *space = strchr(name, ' ');
		gsize len = space != NULL ? (gsize)(space - name) : strlen(name);

		if (words[0] == NULL || strncmp(words[0], name, len) != 0 || words[0][len] != '\0')
			continue;
		if (space == NULL) {
			*n_words = 1;
			return &vmds_cli_commands[i];
		}
		if (words[1] != NULL && g_strcmp0(words[1], space + 1) == 0) {
			*n_words = 2;
			return &vmds_cli_commands[i];
		}
	}
	return NULL;
}

/* the subcommands of a group such as "vm", comma-separated, or NULL */
static gchar *
vmds_cli_group_subcommands(const gchar *group)
{
	g_autoptr(GString) out = g_string_new(NULL);
	gsize len = strlen(group);

	for (guint i = 0; i < G_N_ELEMENTS(vmds_cli_commands); i++) {
		const gchar *name = vmds_cli_commands[i].name;
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
vmds_cli_append_entries(GString *out, const GOptionEntry *entries, guint mask)
{
	g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func(g_free);
	gsize width = 0;
	guint n = 0;

	for (guint i = 0; entries[i].long_name != NULL; i++) {
		const GOptionEntry *entry = &entries[i];
		GString *label = NULL;

		if ((mask & (1u << i)) == 0)
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

		if ((mask & (1u << i)) == 0)
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
vmds_cli_append_commands(GString *out, const gchar *group)
{
	gsize len = group != NULL ? strlen(group) : 0;
	gsize width = 0;

	for (guint i = 0; i < G_N_ELEMENTS(vmds_cli_commands); i++) {
		const VmdsCliCommand *cmd = &vmds_cli_commands[i];
		width = MAX(width, strlen(cmd->name) + 1 + strlen(cmd->args));
	}
	for (guint i = 0; i < G_N_ELEMENTS(vmds_cli_commands); i++) {
		const VmdsCliCommand *cmd = &vmds_cli_commands[i];
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
	g_string_append(out,
			"Manage the VMs, data sets and entries of vmdsd over its REST API.\n\n"
			"Commands:\n");
	vmds_cli_append_commands(out, group);
	g_string_append(out, "\nOptions:\n");
	vmds_cli_append_entries(out, self->global_entries, G_MAXUINT);
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
	vmds_cli_append_entries(out, self->global_entries, G_MAXUINT);
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
	cmd = vmds_cli_lookup(args, &n_words);
	if (cmd != NULL && args[n_words] == NULL) {
		vmds_cli_print_command_help(self, cmd);
		return TRUE;
	}
	subcommands = vmds_cli_group_subcommands(args[0]);
	if (subcommands != NULL && args[1] == NULL) {
		vmds_cli_print_help(self, args[0]);
		return TRUE;
	}
	return vmds_cli_usage_error(error, "no help on '%s': unknown command", args[0]);
}

/*
 * A bare --omit-from-snapshot-and-clone means true: make that explicit, or
 * GOption would take the next word (the data set's name) as its value.
 */
static void
vmds_cli_expand_flags(gchar **args)
{
	for (guint i = 1; args[i] != NULL; i++) {
		if (g_strcmp0(args[i], "--") == 0)
			break;
		if (g_strcmp0(args[i], "--" VMDS_CLI_OMIT) == 0) {
			g_free(args[i]);
			args[i] = g_strdup("--" VMDS_CLI_OMIT "=true");
		}
	}
}

/*
 * A VM, data set or key travels as one path segment. Empty, "." and ".." are
 * refused: URL parsing drops dot segments even when percent-encoded, so the
 * request would reach another resource.
 */
static gboolean
vmds_cli_check_segment(const gchar *segment, GError **error)
{
	if (segment[0] == '\0')
		return vmds_cli_usage_error(error, "an empty VM, data set or key cannot be used");
	if (g_strcmp0(segment, ".") == 0 || g_strcmp0(segment, "..") == 0) {
		return vmds_cli_usage_error(
		    error, "'%s' cannot be used as a VM, data set or key in a URL", segment);
	}
	return TRUE;
}

/* the first option among @given that @cmd does not take, or NULL */
static const gchar *
vmds_cli_stray_option(const VmdsCliCommand *cmd, guint given)
{
	for (guint i = 0; i < VMDS_CLI_OPTION_LAST; i++) {
		if ((given & (1u << i)) != 0 && (cmd->options & (1u << i)) == 0)
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

	cmd = vmds_cli_lookup(&args[1], &n_words);
	if (cmd == NULL) {
		subcommands = vmds_cli_group_subcommands(args[1]);
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
	/* names and keys are path segments; an entry's VALUE is the third argument */
	if (cmd->func != vmds_cli_cmd_help) {
		for (guint i = 0; i < n_args && i < 2; i++) {
			if (!vmds_cli_check_segment(positional[i], error))
				return FALSE;
		}
		if (!vmds_cli_check_segment(vmds_cli_get_vm(self), error))
			return FALSE;
	}
	return cmd->func(self, positional, error);
}

int
main(int argc, char *argv[])
{
	g_autoptr(VmdsCli) self = vmds_cli_new();
	g_autoptr(GError) error = NULL;
	gint ret = EXIT_SUCCESS;

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

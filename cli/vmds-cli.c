/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "vmds-cli.h"
#include "vmds-error.h"
#include "vmds-paths.h"

/*
 * The invocation every command runs in: its options, the one REST client
 * (found, logged in and reused: one session per invocation), the paths of
 * the API's resources, and the output, for people or (--json) for scripts.
 */

static const gchar *const vmds_cli_access_modes[] = {"NONE", "READ_ONLY", "READ_WRITE", NULL};

static gboolean
vmds_cli_option_cb(const gchar *option_name, const gchar *value, gpointer data, GError **error);

const GOptionEntry vmds_cli_command_entries[] = {
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
    [VMDS_CLI_OPTION_NAME] = {"name",
			      '\0',
			      G_OPTION_FLAG_NONE,
			      G_OPTION_ARG_CALLBACK,
			      (gpointer)vmds_cli_option_cb,
			      "The name of the new VM (default: the exported VM's)",
			      "NAME"},
    [VMDS_CLI_OPTION_GUEST_WRITES] = {"guest-writes",
				      '\0',
				      G_OPTION_FLAG_NONE,
				      G_OPTION_ARG_CALLBACK,
				      (gpointer)vmds_cli_option_cb,
				      "Whether the guest may set guestinfo variables",
				      "on|off"},
    [VMDS_CLI_OPTION_SIZE_LIMIT] =
	{"size-limit",
	 '\0',
	 G_OPTION_FLAG_NONE,
	 G_OPTION_ARG_CALLBACK,
	 (gpointer)vmds_cli_option_cb,
	 "The bytes of guestinfo the guest may set in all ('default': the daemon's limit)",
	 "BYTES|default"},
    [VMDS_CLI_OPTION_TRANSPORT] =
	{"transport",
	 '\0',
	 G_OPTION_FLAG_NONE,
	 G_OPTION_ARG_CALLBACK,
	 (gpointer)vmds_cli_option_cb,
	 "A transport of the OVF environment: guestInfo or iso; repeatable",
	 "NAME"},
    [VMDS_CLI_OPTION_TYPE] = {"type",
			      '\0',
			      G_OPTION_FLAG_NONE,
			      G_OPTION_ARG_CALLBACK,
			      (gpointer)vmds_cli_option_cb,
			      "The property's type, such as string, password(8..64), int(1..10), "
			      "boolean, ip or string[\"a\",\"b\"] (add: string); a metadata "
			      "value's: string, number, datetime or boolean (default: string)",
			      "TYPE"},
    [VMDS_CLI_OPTION_VALUE] = {"value",
			       '\0',
			       G_OPTION_FLAG_NONE,
			       G_OPTION_ARG_CALLBACK,
			       (gpointer)vmds_cli_option_cb,
			       "The property's value (add: empty, the default applies)",
			       "VALUE"},
    [VMDS_CLI_OPTION_DEFAULT] = {"default",
				 '\0',
				 G_OPTION_FLAG_NONE,
				 G_OPTION_ARG_CALLBACK,
				 (gpointer)vmds_cli_option_cb,
				 "The property's default value",
				 "VALUE"},
    [VMDS_CLI_OPTION_LABEL] = {"label",
			       '\0',
			       G_OPTION_FLAG_NONE,
			       G_OPTION_ARG_CALLBACK,
			       (gpointer)vmds_cli_option_cb,
			       "The property's label, what a user is shown",
			       "TEXT"},
    [VMDS_CLI_OPTION_CATEGORY] = {"category",
				  '\0',
				  G_OPTION_FLAG_NONE,
				  G_OPTION_ARG_CALLBACK,
				  (gpointer)vmds_cli_option_cb,
				  "The property's category, a heading for a user",
				  "TEXT"},
    [VMDS_CLI_OPTION_CLASS_ID] = {"class-id",
				  '\0',
				  G_OPTION_FLAG_NONE,
				  G_OPTION_ARG_CALLBACK,
				  (gpointer)vmds_cli_option_cb,
				  "The property's class id: its key in the environment is "
				  "CLASS.ID.INSTANCE",
				  "CLASS"},
    [VMDS_CLI_OPTION_INSTANCE_ID] = {"instance-id",
				     '\0',
				     G_OPTION_FLAG_NONE,
				     G_OPTION_ARG_CALLBACK,
				     (gpointer)vmds_cli_option_cb,
				     "The property's instance id",
				     "INSTANCE"},
    [VMDS_CLI_OPTION_TYPE_REFERENCE] = {"type-reference",
					'\0',
					G_OPTION_FLAG_NONE,
					G_OPTION_ARG_CALLBACK,
					(gpointer)vmds_cli_option_cb,
					"The property's type reference, for a type the API lacks",
					"REF"},
    [VMDS_CLI_OPTION_KEY] = {"key",
			     '\0',
			     G_OPTION_FLAG_NONE,
			     G_OPTION_ARG_CALLBACK,
			     (gpointer)vmds_cli_option_cb,
			     "The property's key (default: the daemon picks a free one)",
			     "N"},
    [VMDS_CLI_OPTION_NOT_USER_CONFIGURABLE] = {"not-user-configurable",
					       '\0',
					       G_OPTION_FLAG_OPTIONAL_ARG,
					       G_OPTION_ARG_CALLBACK,
					       (gpointer)vmds_cli_option_cb,
					       "Mark the property as not for users to change "
					       "(alone: true)",
					       "true|false"},
    [VMDS_CLI_OPTION_OWNER] = {"owner",
			       '\0',
			       G_OPTION_FLAG_NONE,
			       G_OPTION_ARG_CALLBACK,
			       (gpointer)vmds_cli_option_cb,
			       "The user the VM belongs to, who sees and manages it ('': none, "
			       "administrators only)",
			       "USER"},
    [VMDS_CLI_OPTION_ROLE] = {"role",
			      '\0',
			      G_OPTION_FLAG_NONE,
			      G_OPTION_ARG_CALLBACK,
			      (gpointer)vmds_cli_option_cb,
			      "The user's role: administrator or user (add: user)",
			      "ROLE"},
    [VMDS_CLI_OPTION_VCENTER_METADATA] = {"vcenter-metadata",
					  '\0',
					  G_OPTION_FLAG_OPTIONAL_ARG,
					  G_OPTION_ARG_CALLBACK,
					  (gpointer)vmds_cli_option_cb,
					  "The right to the VCENTER metadata domain (alone: true)",
					  "true|false"},
    [VMDS_CLI_OPTION_DOMAIN] = {"domain",
				'\0',
				G_OPTION_FLAG_NONE,
				G_OPTION_ARG_CALLBACK,
				(gpointer)vmds_cli_option_cb,
				"The metadata entry's domain: GENERAL, SYSTEM or VCENTER (default: "
				"GENERAL)",
				"DOMAIN"},
    [VMDS_CLI_OPTION_VISIBILITY] =
	{"visibility",
	 '\0',
	 G_OPTION_FLAG_NONE,
	 G_OPTION_ARG_CALLBACK,
	 (gpointer)vmds_cli_option_cb,
	 "A SYSTEM metadata entry's visibility: READONLY (the default) or "
	 "PRIVATE",
	 "VISIBILITY"},
    [VMDS_CLI_OPTION_PAGE] = {"page",
			      '\0',
			      G_OPTION_FLAG_NONE,
			      G_OPTION_ARG_CALLBACK,
			      (gpointer)vmds_cli_option_cb,
			      "The page of the results to show, from 1 (default: 1)",
			      "N"},
    [VMDS_CLI_OPTION_PAGE_SIZE] = {"page-size",
				   '\0',
				   G_OPTION_FLAG_NONE,
				   G_OPTION_ARG_CALLBACK,
				   (gpointer)vmds_cli_option_cb,
				   "Results per page, 1 to 128 (default: 25)",
				   "N"},
    [VMDS_CLI_OPTION_LAST] = G_OPTION_ENTRY_NULL,
};
/* an option is a bit of a guint64 */
G_STATIC_ASSERT(VMDS_CLI_OPTION_LAST <= 64);

gboolean
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
	case VMDS_CLI_OPTION_NOT_USER_CONFIGURABLE:
	case VMDS_CLI_OPTION_VCENTER_METADATA:
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
	case VMDS_CLI_OPTION_ROLE:
		if (g_strcmp0(value, "administrator") != 0 && g_strcmp0(value, "user") != 0) {
			return vmds_cli_usage_error(
			    error, "invalid --role '%s': expected administrator or user", value);
		}
		normalised = g_strdup(value);
		break;
	case VMDS_CLI_OPTION_GUEST_WRITES:
		if (g_ascii_strcasecmp(value, "on") == 0 ||
		    g_ascii_strcasecmp(value, "true") == 0) {
			normalised = g_strdup("true");
		} else if (g_ascii_strcasecmp(value, "off") == 0 ||
			   g_ascii_strcasecmp(value, "false") == 0) {
			normalised = g_strdup("false");
		} else {
			return vmds_cli_usage_error(
			    error, "invalid %s '%s': expected on or off", option_name, value);
		}
		break;
	case VMDS_CLI_OPTION_SIZE_LIMIT: {
		guint64 bytes = 0;
		if (g_ascii_strcasecmp(value, "default") == 0) {
			normalised = g_strdup("default");
			break;
		}
		if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT32, &bytes, NULL)) {
			return vmds_cli_usage_error(error,
						    "invalid %s '%s': expected 0 to %u bytes or "
						    "'default'",
						    option_name,
						    value,
						    G_MAXUINT32);
		}
		normalised = g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
		break;
	}
	case VMDS_CLI_OPTION_PAGE:
	case VMDS_CLI_OPTION_PAGE_SIZE: {
		guint64 number = 0;
		if (!g_ascii_string_to_unsigned(value, 10, 1, G_MAXUINT32, &number, NULL)) {
			return vmds_cli_usage_error(
			    error, "invalid %s '%s': a positive integer", option_name, value);
		}
		normalised = g_strdup_printf("%" G_GUINT64_FORMAT, number);
		break;
	}
	case VMDS_CLI_OPTION_KEY: {
		guint64 key = 0;
		if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXINT32, &key, NULL)) {
			return vmds_cli_usage_error(
			    error,
			    "invalid %s '%s': a key is an integer from 0 to %d",
			    option_name,
			    value,
			    G_MAXINT32);
		}
		normalised = g_strdup_printf("%" G_GUINT64_FORMAT, key);
		break;
	}
	case VMDS_CLI_OPTION_TRANSPORT:
		/* each one kept: vmds-vapp.c checks them with its positional ones */
		if (self->values[idx] != NULL)
			normalised = g_strconcat(self->values[idx], "\n", value, NULL);
		else
			normalised = g_strdup(value);
		break;
	default:
		normalised = g_strdup(value);
		break;
	}
	g_free(self->values[idx]);
	self->values[idx] = g_steal_pointer(&normalised);
	self->given |= VMDS_CLI_OPT_BIT(idx);
	return TRUE;
}

VmdsCli *
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
	     "The VM of dataset and entry commands, vm info and snapshot ls (default: $VMDS_VM, "
	     "else " VMDS_DEFAULT_VM ")",
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
	    {"user",
	     '\0',
	     G_OPTION_FLAG_NONE,
	     G_OPTION_ARG_STRING,
	     &self->user,
	     "Log in as USER, over the unix socket too (default: $VMDS_USERNAME, else admin); "
	     "the password from $VMDS_PASSWORD_FILE, $VMDS_PASSWORD or a prompt",
	     "USER"},
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
	self->commands = g_ptr_array_new();
	return self;
}

void
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
	g_free(self->user);
	g_free(self->command);
	g_ptr_array_unref(self->commands);
	g_free(self);
}

/* text from the server must not drive the terminal */
gchar *
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

/* what failed on @path, from errno */
void
vmds_cli_file_fail(GError **error, const gchar *what, const gchar *path)
{
	gint errsv = errno;

	g_set_error(error,
		    G_IO_ERROR,
		    g_io_error_from_errno(errsv),
		    "cannot %s %s: %s",
		    what,
		    path,
		    g_strerror(errsv));
}

/* the contents of @filename, or of standard input when it is NULL: UTF-8
 * text of at most @max bytes; more is refused before it is all read */
static gchar *
vmds_cli_read_value(const gchar *filename, gsize max, GError **error)
{
	g_autoptr(GString) buf = g_string_new(NULL);
	const gchar *what = filename != NULL ? filename : "standard input";
	gchar chunk[65536];
	int fd = STDIN_FILENO;
	int errsv = 0;

	if (filename != NULL) {
		fd = open(filename, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			vmds_cli_file_fail(error, "open", filename);
			return NULL;
		}
	}
	while (buf->len <= max) {
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
		errno = errsv;
		vmds_cli_file_fail(error, "read", what);
		return NULL;
	}
	if (buf->len > max) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_TOO_LARGE,
			    "the value in %s is larger than %" G_GSIZE_FORMAT " bytes",
			    what,
			    max);
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

/*
 * The value of a set command: @arg (VALUE), the contents of --file FILE, or
 * standard input when @arg is '-' or absent and standard input is not a
 * terminal; UTF-8 text of at most @max bytes, taken exactly
 */
gchar *
vmds_cli_get_value(VmdsCli *self, const gchar *arg, gsize max, GError **error)
{
	const gchar *filename = self->values[VMDS_CLI_OPTION_FILE];

	if (arg != NULL && filename != NULL) {
		vmds_cli_usage_error(error, "give either VALUE or --file, not both");
		return NULL;
	}
	if (arg == NULL && filename == NULL && isatty(STDIN_FILENO)) {
		vmds_cli_usage_error(error,
				     "no value: give VALUE, --file FILE, "
				     "or the value on standard input");
		return NULL;
	}
	if (arg != NULL && g_strcmp0(arg, "-") != 0)
		return g_strdup(arg);
	return vmds_cli_read_value(g_strcmp0(filename, "-") != 0 ? filename : NULL, max, error);
}

const gchar *
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

/* the lines a password is read from are as long as this, at most */
#define VMDS_CLI_MAX_PASSWORD 4096

/* @text without one line end at its end */
static void
vmds_cli_chomp_line(gchar *text)
{
	gsize len = strlen(text);

	if (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	if (len > 0 && text[len - 1] == '\r')
		text[--len] = '\0';
}

/* one line from @fd, echo off when it is a terminal (with @prompt on it) */
static gchar *
vmds_cli_read_line(gint fd, const gchar *prompt, GError **error)
{
	g_autoptr(GString) line = g_string_new(NULL);
	struct termios saved;
	gboolean tty = isatty(fd) == 1 && tcgetattr(fd, &saved) == 0;
	gchar c;

	if (tty) {
		struct termios quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) < 0)
			tty = FALSE;
	}
	for (;;) {
		gssize n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || c == '\n')
			break;
		if (line->len < VMDS_CLI_MAX_PASSWORD)
			g_string_append_c(line, c);
	}
	if (tty) {
		tcsetattr(fd, TCSAFLUSH, &saved);
		if (write(fd, "\n", 1) < 0)
			g_debug("cannot end the prompt's line");
	}
	vmds_cli_chomp_line(line->str);
	if (line->str[0] == '\0') {
		memset(line->str, 0, line->allocated_len);
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "no password given");
		return NULL;
	}
	return g_string_free(g_steal_pointer(&line), FALSE);
}

/**
 * vmds_cli_read_password:
 * @prompt: what a terminal is shown
 * @confirm: on a terminal, ask twice, and refuse two different answers
 * @error: a #GError or %NULL
 *
 * A new password, never from the command line (which other local users can
 * read): typed on the terminal that is standard input, without echo; else
 * the first line of standard input.
 *
 * Returns: (transfer full): the password, to be wiped after use
 */
gchar *
vmds_cli_read_password(const gchar *prompt, gboolean confirm, GError **error)
{
	g_autofree gchar *first = vmds_cli_read_line(STDIN_FILENO, prompt, error);
	g_autofree gchar *again = NULL;
	gboolean same;

	if (first == NULL || !confirm || isatty(STDIN_FILENO) != 1)
		return g_steal_pointer(&first);
	again = vmds_cli_read_line(STDIN_FILENO, "Again: ", error);
	if (again == NULL) {
		memset(first, 0, strlen(first));
		return NULL;
	}
	same = g_strcmp0(first, again) == 0;
	memset(again, 0, strlen(again));
	if (!same) {
		memset(first, 0, strlen(first));
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "the passwords differ");
		return NULL;
	}
	return g_steal_pointer(&first);
}

/* the first line of $VMDS_PASSWORD_FILE */
static gchar *
vmds_cli_read_password_file(const gchar *path, GError **error)
{
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error_local = NULL;

	if (!g_file_get_contents(path, &contents, NULL, &error_local)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_UNAUTHENTICATED,
			    "no credentials: VMDS_PASSWORD_FILE: %s",
			    error_local->message);
		return NULL;
	}
	contents[strcspn(contents, "\r\n")] = '\0';
	if (contents[0] == '\0') {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_UNAUTHENTICATED,
			    "no credentials: %s is empty",
			    path);
		return NULL;
	}
	return g_steal_pointer(&contents);
}

/* the password of @user, who is not admin: $VMDS_PASSWORD_FILE,
 * $VMDS_PASSWORD or, on a terminal, a prompt (never standard input, which
 * may hold a command's own input) */
static gchar *
vmds_cli_get_password(const gchar *user, GError **error)
{
	const gchar *file = g_getenv("VMDS_PASSWORD_FILE");
	const gchar *env_password = g_getenv("VMDS_PASSWORD");
	g_autofree gchar *prompt = NULL;
	gint fd;
	gchar *password;

	if (file != NULL && file[0] != '\0')
		return vmds_cli_read_password_file(file, error);
	if (env_password != NULL)
		return g_strdup(env_password);
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_UNAUTHENTICATED,
			    "no credentials: no password for '%s' in VMDS_PASSWORD_FILE or "
			    "VMDS_PASSWORD, and no terminal to ask on",
			    user);
		return NULL;
	}
	prompt = g_strdup_printf("Password for %s: ", user);
	password = vmds_cli_read_line(fd, prompt, error);
	close(fd);
	return password;
}

static gboolean
vmds_cli_get_credentials(VmdsCli *self, gchar **username, gchar **password, GError **error)
{
	const gchar *env_user = g_getenv("VMDS_USERNAME");
	const gchar *env_file = g_getenv("VMDS_PASSWORD_FILE");
	const gchar *env_password = g_getenv("VMDS_PASSWORD");
	const gchar *user = self->user;
	g_autofree gchar *state_dir = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error_local = NULL;

	if (user == NULL && env_user != NULL && env_user[0] != '\0')
		user = env_user;
	if (user != NULL && g_strcmp0(user, "admin") != 0) {
		*password = vmds_cli_get_password(user, error);
		if (*password == NULL)
			return FALSE;
		*username = g_strdup(user);
		return TRUE;
	}
	if (env_file != NULL && env_file[0] != '\0') {
		*password = vmds_cli_read_password_file(env_file, error);
		if (*password == NULL)
			return FALSE;
		*username = g_strdup("admin");
		return TRUE;
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
	/* on the unix socket, who the caller is is what counts, unless it asks
	 * to be a user of the daemon */
	if ((!vmds_client_is_local(client) || self->user != NULL) &&
	    (!vmds_cli_get_credentials(self, &username, &password, error) ||
	     !vmds_client_login(client, username, password, error))) {
		if (password != NULL)
			memset(password, 0, strlen(password));
		return NULL;
	}
	if (password != NULL)
		memset(password, 0, strlen(password));
	self->client = g_steal_pointer(&client);
	return self->client;
}

/*
 * A VM id or data set name travels as one path segment, so it is never
 * empty, "." or "..": URL parsing drops dot segments even when
 * percent-encoded, so the request would reach another resource. A key
 * (@key) travels as a query value, where any text but an empty one is fine.
 */
gboolean
vmds_cli_check_name(const gchar *name, gboolean key, GError **error)
{
	if (name[0] == '\0')
		return vmds_cli_usage_error(error, "an empty VM, data set or key cannot be used");
	if (!key && (g_strcmp0(name, ".") == 0 || g_strcmp0(name, "..") == 0)) {
		return vmds_cli_usage_error(
		    error, "'%s' cannot be used as a VM or data set in a URL", name);
	}
	return TRUE;
}

/* @text as one path segment or query value: all but unreserved characters
 * percent-encoded, '/' as %2F */
gchar *
vmds_cli_escape(const gchar *text)
{
	return g_uri_escape_string(text, NULL, FALSE);
}

gchar *
vmds_cli_vm_path(const gchar *vm)
{
	g_autofree gchar *vm_esc = vmds_cli_escape(vm);
	return g_strdup_printf("/api/vcenter/vm/%s", vm_esc);
}

gchar *
vmds_cli_snapshots_path(const gchar *vm)
{
	g_autofree gchar *vm_path = vmds_cli_vm_path(vm);
	return g_strdup_printf("%s/snapshots", vm_path);
}

gchar *
vmds_cli_snapshot_path(const gchar *vm, const gchar *snapshot)
{
	g_autofree gchar *snapshots_path = vmds_cli_snapshots_path(vm);
	g_autofree gchar *snapshot_esc = vmds_cli_escape(snapshot);
	return g_strdup_printf("%s/%s", snapshots_path, snapshot_esc);
}

gchar *
vmds_cli_datasets_path(VmdsCli *self)
{
	g_autofree gchar *vm_path = vmds_cli_vm_path(vmds_cli_get_vm(self));
	return g_strdup_printf("%s/data-sets", vm_path);
}

gchar *
vmds_cli_dataset_path(VmdsCli *self, const gchar *dataset)
{
	g_autofree gchar *datasets_path = vmds_cli_datasets_path(self);
	g_autofree gchar *dataset_esc = vmds_cli_escape(dataset);
	return g_strdup_printf("%s/%s", datasets_path, dataset_esc);
}

static void
vmds_cli_print_json(JsonNode *node)
{
	g_autofree gchar *text = json_to_string(node, FALSE);
	fputs(text, stdout);
	fputc('\n', stdout);
}

/* a reply body that is the command's output: with --json printed here, as
 * the server sent it, and *@reply is NULL; otherwise *@reply for the caller
 * to print */
static void
vmds_cli_take_reply(VmdsCli *self, JsonNode *node, JsonNode **reply)
{
	if (self->json) {
		vmds_cli_print_json(node);
		*reply = NULL;
		return;
	}
	*reply = json_node_ref(node);
}

/*
 * One request, on the client of this invocation. A reply body asked for with
 * @reply is the command's output, taken by vmds_cli_take_reply().
 */
gboolean
vmds_cli_call(VmdsCli *self,
	      const gchar *method,
	      const gchar *path,
	      JsonNode *body,
	      JsonNode **reply,
	      GError **error)
{
	VmdsClient *client = vmds_cli_get_client(self, error);
	g_autoptr(JsonNode) node = NULL;

	if (client == NULL ||
	    !vmds_client_call(client, method, path, body, reply != NULL ? &node : NULL, error))
		return FALSE;
	if (reply != NULL)
		vmds_cli_take_reply(self, node, reply);
	return TRUE;
}

/* a reply body too large for memory, into @out; see vmds_client_download() */
gboolean
vmds_cli_download(VmdsCli *self,
		  const gchar *path,
		  const gchar *content_type,
		  GOutputStream *out,
		  const gchar *out_name,
		  VmdsClientProgressFunc progress,
		  gpointer user_data,
		  GError **error)
{
	VmdsClient *client = vmds_cli_get_client(self, error);

	return client != NULL &&
	       vmds_client_download(
		   client, path, content_type, out, out_name, progress, user_data, error);
}

/* the .part file a download is being written to, removed when a signal
 * ends vmds, as on any other failure */
static gchar *vmds_cli_part_path = NULL;

static void
vmds_cli_part_signal_cb(gint sig)
{
	if (vmds_cli_part_path != NULL)
		unlink(vmds_cli_part_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
vmds_cli_part_catch_signals(gboolean catch)
{
	const gint signals[] = {SIGHUP, SIGINT, SIGTERM};

	for (guint i = 0; i < G_N_ELEMENTS(signals); i++)
		signal(signals[i], catch ? vmds_cli_part_signal_cb : SIG_DFL);
}

/*
 * A reply body into @file (FILE|-), as vmds_cli_download() gets it: to
 * FILE.part, readable by its owner only, which becomes FILE once it is whole
 * and on disk and is removed otherwise, so FILE is never a part of a reply;
 * or with '-' to standard output, which must not be a terminal and then
 * holds what came before a failure
 */
gboolean
vmds_cli_download_file(VmdsCli *self,
		       const gchar *path,
		       const gchar *content_type,
		       const gchar *file,
		       VmdsClientProgressFunc progress,
		       gpointer user_data,
		       GError **error)
{
	g_autoptr(GOutputStream) out = NULL;
	g_autofree gchar *part = NULL;
	gboolean ret;
	gint fd;

	if (g_strcmp0(file, "-") == 0) {
		if (isatty(STDOUT_FILENO) == 1) {
			g_set_error_literal(error,
					    VMDS_ERROR,
					    VMDS_ERROR_INVALID_ARGUMENT,
					    "standard output is a terminal: name a FILE or "
					    "redirect it");
			return FALSE;
		}
		out = g_unix_output_stream_new(STDOUT_FILENO, FALSE);
		return vmds_cli_download(
		    self, path, content_type, out, "standard output", progress, user_data, error);
	}

	part = g_strconcat(file, ".part", NULL);
	fd = g_open(part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		vmds_cli_file_fail(error, "write", part);
		return FALSE;
	}
	vmds_cli_part_path = part;
	vmds_cli_part_catch_signals(TRUE);
	out = g_unix_output_stream_new(fd, FALSE);
	ret = vmds_cli_download(self, path, content_type, out, part, progress, user_data, error);
	if (ret && fsync(fd) != 0) {
		vmds_cli_file_fail(error, "write", part);
		ret = FALSE;
	}
	if (close(fd) != 0 && ret) {
		vmds_cli_file_fail(error, "write", part);
		ret = FALSE;
	}
	if (ret && g_rename(part, file) != 0) {
		g_set_error(error,
			    G_IO_ERROR,
			    g_io_error_from_errno(errno),
			    "cannot rename %s to %s: %s",
			    part,
			    file,
			    g_strerror(errno));
		ret = FALSE;
	}
	if (!ret)
		g_unlink(part);
	vmds_cli_part_catch_signals(FALSE);
	vmds_cli_part_path = NULL;
	return ret;
}

gboolean
vmds_cli_invalid_reply(GError **error, const gchar *what)
{
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "invalid reply from the server: %s",
		    what);
	return FALSE;
}

void
vmds_cli_print_text(const gchar *text)
{
	g_autofree gchar *safe = vmds_cli_sanitize(text);
	fputs(safe, stdout);
	fputc('\n', stdout);
}

/* a table with aligned columns; nothing at all when there are no rows */
void
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

/* a member of a list element as a table cell: a string, sanitised, an
 * integer (a size) in decimal, or a boolean as true or false; NULL for
 * anything else */
static gchar *
vmds_cli_cell(JsonNode *node)
{
	const gchar *str = vmds_client_node_get_string(node);

	if (str != NULL)
		return vmds_cli_sanitize(str);
	if (node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
	    json_node_get_value_type(node) == G_TYPE_INT64)
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
	if (node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
	    json_node_get_value_type(node) == G_TYPE_BOOLEAN)
		return g_strdup(json_node_get_boolean(node) ? "true" : "false");
	return NULL;
}

/* GET a list of objects and print the string and integer members as a table */
gboolean
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
	if (reply == NULL)
		return TRUE; /* --json: printed */
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
			row[j] = vmds_cli_cell(json_object_get_member(obj, members[j]));
			if (row[j] == NULL) {
				g_set_error(error,
					    VMDS_ERROR,
					    VMDS_ERROR_INVALID_ARGUMENT,
					    "invalid reply from the server: "
					    "a list element has no string or integer '%s'",
					    members[j]);
				return FALSE;
			}
		}
	}
	vmds_cli_print_table(headers, rows);
	return TRUE;
}

/* a list of strings as `a, b`; NULL when @node is anything else */
static gchar *
vmds_cli_string_list(JsonNode *node)
{
	g_autoptr(GString) out = g_string_new(NULL);
	JsonArray *array = NULL;

	if (!JSON_NODE_HOLDS_ARRAY(node))
		return NULL;
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		const gchar *str = vmds_client_node_get_string(json_array_get_element(array, i));
		if (str == NULL)
			return NULL;
		if (i > 0)
			g_string_append(out, ", ");
		g_string_append(out, str);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* GET an object and print it as `key: value` lines, in the server's order;
 * a list of strings as `a, b` */
gboolean
vmds_cli_info(VmdsCli *self, const gchar *path, GError **error)
{
	g_autoptr(JsonNode) reply = NULL;
	g_autoptr(GList) members = NULL;
	JsonObject *obj = NULL;

	if (!vmds_cli_call(self, "GET", path, NULL, &reply, error))
		return FALSE;
	if (reply == NULL)
		return TRUE; /* --json: printed */
	if (!JSON_NODE_HOLDS_OBJECT(reply))
		return vmds_cli_invalid_reply(error, "not an object");
	obj = json_node_get_object(reply);
	members = json_object_get_members(obj);
	for (GList *l = members; l != NULL; l = l->next) {
		const gchar *name = l->data;
		JsonNode *node = json_object_get_member(obj, name);
		const gchar *str = vmds_client_node_get_string(node);
		g_autofree gchar *list = vmds_cli_string_list(node);
		g_autofree gchar *text = str != NULL	? g_strdup(str)
					 : list != NULL ? g_steal_pointer(&list)
							: json_to_string(node, FALSE);
		g_autofree gchar *line = g_strdup_printf("%s: %s", name, text);
		vmds_cli_print_text(line);
	}
	return TRUE;
}

/* the id a create replied, unless --json printed the reply */
static gboolean
vmds_cli_print_id(JsonNode *reply, GError **error)
{
	const gchar *id = NULL;

	if (reply == NULL)
		return TRUE; /* --json: printed */
	id = vmds_client_node_get_string(reply);
	if (id == NULL)
		return vmds_cli_invalid_reply(error, "the id is not a string");
	vmds_cli_print_text(id);
	return TRUE;
}

/* POST a create body and print the id the server returns */
gboolean
vmds_cli_create(VmdsCli *self, const gchar *path, JsonNode *body, GError **error)
{
	g_autoptr(JsonNode) reply = NULL;

	if (!vmds_cli_call(self, "POST", path, body, &reply, error))
		return FALSE;
	return vmds_cli_print_id(reply, error);
}

/* one request whose body is not JSON: @body, read as it is sent; a reply
 * body asked for with @reply is the command's output, as with
 * vmds_cli_call() */
gboolean
vmds_cli_upload(VmdsCli *self,
		const gchar *method,
		const gchar *path,
		const gchar *content_type,
		GInputStream *body,
		goffset length,
		VmdsClientProgressFunc progress,
		gpointer user_data,
		JsonNode **reply,
		GError **error)
{
	VmdsClient *client = vmds_cli_get_client(self, error);
	g_autoptr(JsonNode) node = NULL;

	if (client == NULL || !vmds_client_upload(client,
						  method,
						  path,
						  content_type,
						  body,
						  length,
						  progress,
						  user_data,
						  reply != NULL ? &node : NULL,
						  error))
		return FALSE;
	if (reply != NULL)
		vmds_cli_take_reply(self, node, reply);
	return TRUE;
}

/* POST a create body too large for memory, read from @body as it is sent, and
 * print the id the server returns */
gboolean
vmds_cli_create_from_stream(VmdsCli *self,
			    const gchar *path,
			    const gchar *content_type,
			    GInputStream *body,
			    goffset length,
			    VmdsClientProgressFunc progress,
			    gpointer user_data,
			    GError **error)
{
	g_autoptr(JsonNode) reply = NULL;

	if (!vmds_cli_upload(
		self, "POST", path, content_type, body, length, progress, user_data, &reply, error))
		return FALSE;
	return vmds_cli_print_id(reply, error);
}

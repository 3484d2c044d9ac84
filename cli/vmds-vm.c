/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmds-cli.h"
#include "vmds-error.h"
#include "vmds-paths.h"

/* vmds vm ...: the VM inventory, /api/vcenter/vm */

/* how often progress is rewritten on a terminal, in microseconds */
#define VMDS_CLI_VM_PROGRESS_INTERVAL (G_USEC_PER_SEC / 4)
/* what standard input is copied in */
#define VMDS_CLI_VM_PART (256 * 1024)

static gboolean
vmds_cli_cmd_vm_ls(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *const members[] = {"vm", "name", NULL};
	const gchar *const headers[] = {"VM", "NAME", NULL};
	return vmds_cli_list(self, "/api/vcenter/vm", members, headers, error);
}

/* --owner into @builder: a user, or '' for none (null) */
static void
vmds_cli_vm_add_owner(VmdsCli *self, JsonBuilder *builder)
{
	const gchar *owner = self->values[VMDS_CLI_OPTION_OWNER];

	if (owner == NULL)
		return;
	json_builder_set_member_name(builder, "owner");
	if (owner[0] == '\0')
		json_builder_add_null_value(builder);
	else
		json_builder_add_string_value(builder, owner);
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
	vmds_cli_vm_add_owner(self, builder);
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

/* vmds vm set VM --owner USER: PATCH /api/vcenter/vm/{vm} */
static gboolean
vmds_cli_cmd_vm_set(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();
	g_autoptr(JsonNode) body = NULL;
	g_autofree gchar *path = vmds_cli_vm_path(args[0]);

	if (self->values[VMDS_CLI_OPTION_OWNER] == NULL)
		return vmds_cli_usage_error(error, "nothing to set: give --owner");
	json_builder_begin_object(builder);
	vmds_cli_vm_add_owner(self, builder);
	json_builder_end_object(builder);
	body = json_builder_get_root(builder);
	return vmds_cli_call(self, "PATCH", path, body, NULL, error);
}

static gboolean
vmds_cli_cmd_vm_rm(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_vm_path(args[0]);
	return vmds_cli_call(self, "DELETE", path, NULL, NULL, error);
}

/*
 * Progress on standard error while a VM is exported or imported, when that
 * is a terminal (nothing otherwise): `exporting vm-1: 45.2 MiB`, rewritten
 * in place at most every VMDS_CLI_VM_PROGRESS_INTERVAL, ended by a newline.
 */
typedef struct {
	gchar *label;  /* sanitised */
	goffset total; /* or -1: not known */
	goffset done;
	gint64 shown; /* monotonic time of the last line written; 0: none yet */
	gsize width;  /* of the last line written, to blank what is left of it */
	gboolean tty;
	gboolean ended; /* the newline went */
} VmdsCliVmProgress;

static void
vmds_cli_vm_progress_init(VmdsCliVmProgress *self, const gchar *label, goffset total)
{
	memset(self, 0, sizeof *self);
	self->label = vmds_cli_sanitize(label);
	self->total = total;
	self->tty = isatty(STDERR_FILENO) == 1;
}

static void
vmds_cli_vm_progress_write(VmdsCliVmProgress *self)
{
	g_autofree gchar *done = g_format_size_full((guint64)self->done, G_FORMAT_SIZE_IEC_UNITS);
	g_autofree gchar *total =
	    self->total >= 0 ? g_format_size_full((guint64)self->total, G_FORMAT_SIZE_IEC_UNITS)
			     : NULL;
	g_autofree gchar *line = total != NULL
				     ? g_strdup_printf("%s: %s of %s", self->label, done, total)
				     : g_strdup_printf("%s: %s", self->label, done);
	gsize width = strlen(line);

	fprintf(stderr, "\r%s%*s", line, (gint)(self->width > width ? self->width - width : 0), "");
	fflush(stderr);
	self->width = width;
	self->shown = g_get_monotonic_time();
}

static void
vmds_cli_vm_progress_cb(goffset done, gpointer user_data)
{
	VmdsCliVmProgress *self = user_data;

	self->done = done;
	if (!self->tty || self->ended)
		return;
	/* all of a known total: the line ends now, before the command's output */
	if (self->total >= 0 && done >= self->total) {
		vmds_cli_vm_progress_write(self);
		fputc('\n', stderr);
		self->ended = TRUE;
		return;
	}
	if (g_get_monotonic_time() - self->shown >= VMDS_CLI_VM_PROGRESS_INTERVAL)
		vmds_cli_vm_progress_write(self);
}

/* the last line: where it ended when it succeeded, else only the newline
 * the error message needs */
static void
vmds_cli_vm_progress_end(VmdsCliVmProgress *self, gboolean ok)
{
	if (self->tty && !self->ended && ok)
		vmds_cli_vm_progress_write(self);
	if (self->tty && !self->ended && self->shown != 0)
		fputc('\n', stderr);
	g_clear_pointer(&self->label, g_free);
}

/*
 * vmds vm export VM FILE|-: written as vmds_cli_download_file() writes, so
 * FILE is never a part of an export
 */
static gboolean
vmds_cli_cmd_vm_export(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *vm_path = vmds_cli_vm_path(args[0]);
	g_autofree gchar *path = g_strdup_printf("%s?action=export", vm_path);
	g_autofree gchar *label = g_strdup_printf("exporting %s", args[0]);
	VmdsCliVmProgress progress;
	gboolean ret;

	vmds_cli_vm_progress_init(&progress, label, -1);
	ret = vmds_cli_download_file(self,
				     path,
				     VMDS_EXPORT_CONTENT_TYPE,
				     args[1],
				     vmds_cli_vm_progress_cb,
				     &progress,
				     error);
	vmds_cli_vm_progress_end(&progress, ret);
	return ret;
}

/* @fd, which is @name, copied to an unlinked file in $TMPDIR: the request
 * needs its length before it starts */
static gint
vmds_cli_vm_import_spool(gint fd, const gchar *name, goffset *length, GError **error)
{
	g_autofree gchar *tmp_path = NULL;
	g_autofree guint8 *buf = g_malloc(VMDS_CLI_VM_PART);
	g_autofree gchar *label = g_strdup_printf("reading %s", name);
	VmdsCliVmProgress progress;
	goffset done = 0;
	gint tmp;

	tmp = g_file_open_tmp("vmds-import-XXXXXX", &tmp_path, error);
	if (tmp < 0) {
		g_prefix_error(error, "cannot copy %s to a temporary file: ", name);
		return -1;
	}
	g_unlink(tmp_path);
	vmds_cli_vm_progress_init(&progress, label, -1);
	for (;;) {
		gssize n = read(fd, buf, VMDS_CLI_VM_PART);
		gsize written = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vmds_cli_file_fail(error, "read", name);
			break;
		}
		if (n == 0)
			break;
		while (written < (gsize)n) {
			gssize w = write(tmp, buf + written, (gsize)n - written);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				g_set_error(error,
					    G_IO_ERROR,
					    g_io_error_from_errno(errno),
					    "cannot copy %s to %s: %s",
					    name,
					    tmp_path,
					    g_strerror(errno));
				break;
			}
			written += (gsize)w;
		}
		if (written < (gsize)n)
			break;
		done += n;
		vmds_cli_vm_progress_cb(done, &progress);
	}
	vmds_cli_vm_progress_end(&progress, error == NULL || *error == NULL);
	if ((error != NULL && *error != NULL) || lseek(tmp, 0, SEEK_SET) != 0) {
		close(tmp);
		return -1;
	}
	*length = done;
	return tmp;
}

/* the export to send from @file, and its length: a regular file as it is,
 * anything else (standard input, a pipe) copied to a temporary file first */
static GInputStream *
vmds_cli_vm_import_open(const gchar *file, const gchar *name, goffset *length, GError **error)
{
	gboolean stdin_ = g_strcmp0(file, "-") == 0;
	gint fd = stdin_ ? dup(STDIN_FILENO) : g_open(file, O_RDONLY | O_CLOEXEC, 0);
	struct stat st;
	goffset offset;
	gint tmp;

	if (fd < 0 || fstat(fd, &st) != 0) {
		vmds_cli_file_fail(error, "read", name);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_IS_DIRECTORY,
			    "cannot read %s: it is a directory",
			    name);
		return NULL;
	}
	/* standard input may be a file already part read: from where it is */
	offset = S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_CUR) : -1;
	if (offset >= 0) {
		*length = st.st_size > offset ? st.st_size - offset : 0;
		return g_unix_input_stream_new(fd, TRUE);
	}
	/* unbounded: a tmpfs $TMPDIR would need the same memory */
	tmp = vmds_cli_vm_import_spool(fd, name, length, error);
	close(fd);
	if (tmp < 0)
		return NULL;
	return g_unix_input_stream_new(tmp, TRUE);
}

/* vmds vm import FILE|- [--name N] [--cid C] */
static gboolean
vmds_cli_cmd_vm_import(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *file = args[0];
	const gchar *name = g_strcmp0(file, "-") == 0 ? "standard input" : file;
	g_autoptr(GString) path = g_string_new("/api/vcenter/vm?action=import");
	g_autoptr(GInputStream) body = NULL;
	g_autofree gchar *label = g_strdup_printf("importing %s", name);
	VmdsCliVmProgress progress;
	goffset length = 0;
	gboolean ret;

	if (self->values[VMDS_CLI_OPTION_NAME] != NULL) {
		g_autofree gchar *escaped = vmds_cli_escape(self->values[VMDS_CLI_OPTION_NAME]);
		g_string_append_printf(path, "&name=%s", escaped);
	}
	if (self->values[VMDS_CLI_OPTION_CID] != NULL)
		g_string_append_printf(path, "&cid=%s", self->values[VMDS_CLI_OPTION_CID]);
	if (self->values[VMDS_CLI_OPTION_OWNER] != NULL) {
		g_autofree gchar *escaped = vmds_cli_escape(self->values[VMDS_CLI_OPTION_OWNER]);
		g_string_append_printf(path, "&owner=%s", escaped);
	}
	body = vmds_cli_vm_import_open(file, name, &length, error);
	if (body == NULL)
		return FALSE;
	vmds_cli_vm_progress_init(&progress, label, length);
	ret = vmds_cli_create_from_stream(self,
					  path->str,
					  VMDS_EXPORT_CONTENT_TYPE,
					  body,
					  length,
					  vmds_cli_vm_progress_cb,
					  &progress,
					  error);
	vmds_cli_vm_progress_end(&progress, ret);
	return ret;
}

const VmdsCliCommand vmds_cli_vm_commands[] = {
    {"vm ls", "", "List the VMs", NULL, 0, 0, 0, 0, 0, vmds_cli_cmd_vm_ls},
    {"vm create",
     "NAME",
     "Create a VM and print its id",
     "The daemon creates the VM's store and its backchannel socket. With\n"
     "--socket-owner or --socket-group the socket belongs to that user or group,\n"
     "who may then use it. A VM a user of the daemon creates is its own; an\n"
     "administrator gives it an owner with --owner (default: none, the\n"
     "administrators' alone).",
     VMDS_CLI_OPT(CID) | VMDS_CLI_OPT(SOCKET_OWNER) | VMDS_CLI_OPT(SOCKET_GROUP) |
	 VMDS_CLI_OPT(OWNER),
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
     "with vm create. Its owner is the user who clones, or --owner, or SRC's.",
     VMDS_CLI_OPT(CID) | VMDS_CLI_OPT(SOCKET_OWNER) | VMDS_CLI_OPT(SOCKET_GROUP) |
	 VMDS_CLI_OPT(OWNER),
     2,
     2,
     2,
     0,
     vmds_cli_cmd_vm_clone},
    {"vm export",
     "VM FILE|-",
     "Write a VM with all of its data to a file, to import elsewhere",
     "The file holds every data set of the VM with its entries, those flagged\n"
     "--" VMDS_CLI_OMIT " too, and the VM's name and CID; not\n"
     "its socket owner or group. It is written as FILE.part, renamed FILE once\n"
     "whole, and removed if the export fails: FILE is never a part of one. '-'\n"
     "writes it to standard output. On a terminal, standard error shows the\n"
     "bytes received so far.",
     0,
     2,
     2,
     1,
     0,
     vmds_cli_cmd_vm_export},
    {"vm import",
     "FILE|-",
     "Create a VM from a file vm export wrote and print its id",
     "The daemon checks the file whole (format version, length, checksum)\n"
     "before it creates anything. The VM is named and has the CID the file\n"
     "says, unless --name or --cid are given (--cid=0: none); both must be\n"
     "free. '-' reads the file from standard input, copied to $TMPDIR first. On a\n"
     "terminal, standard error shows the bytes sent so far. The VM's owner is the\n"
     "user who imports, or --owner (default: none); owners are not exported.",
     VMDS_CLI_OPT(NAME) | VMDS_CLI_OPT(CID) | VMDS_CLI_OPT(OWNER),
     1,
     1,
     0,
     0,
     vmds_cli_cmd_vm_import},
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
    {"vm set",
     "VM",
     "Give a VM another owner (administrators only)",
     "--owner USER: the user who is to see and manage the VM; --owner '': none,\n"
     "the administrators' alone.",
     VMDS_CLI_OPT(OWNER),
     1,
     1,
     1,
     0,
     vmds_cli_cmd_vm_set},
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

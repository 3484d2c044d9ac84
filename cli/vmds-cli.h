/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-client.h"

G_BEGIN_DECLS

/*
 * What every noun of the vmds CLI shares: the invocation (VmdsCli: global
 * options, command option values, the one REST client), the type of a
 * command table, and the helpers that build paths, call the API and print
 * its replies. Each noun (vmds-vm.c, vmds-snapshot.c, vmds-dataset.c,
 * vmds-entry.c, vmds-guestinfo.c, vmds-vapp.c, vmds-user.c, vmds-metadata.c)
 * exports a table
 * of commands;
 * vmds.c parses the command line and dispatches.
 */

#define VMDS_CLI_OMIT "omit-from-snapshot-and-clone"

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
	VMDS_CLI_OPTION_NAME,
	VMDS_CLI_OPTION_GUEST_WRITES,
	VMDS_CLI_OPTION_SIZE_LIMIT,
	VMDS_CLI_OPTION_TRANSPORT, /* repeatable: the values, joined by '\n' */
	VMDS_CLI_OPTION_TYPE,
	VMDS_CLI_OPTION_VALUE,
	VMDS_CLI_OPTION_DEFAULT,
	VMDS_CLI_OPTION_LABEL,
	VMDS_CLI_OPTION_CATEGORY,
	VMDS_CLI_OPTION_CLASS_ID,
	VMDS_CLI_OPTION_INSTANCE_ID,
	VMDS_CLI_OPTION_TYPE_REFERENCE,
	VMDS_CLI_OPTION_KEY,
	VMDS_CLI_OPTION_NOT_USER_CONFIGURABLE,
	VMDS_CLI_OPTION_OWNER,
	VMDS_CLI_OPTION_ROLE,
	VMDS_CLI_OPTION_VCENTER_METADATA,
	VMDS_CLI_OPTION_DOMAIN,
	VMDS_CLI_OPTION_VISIBILITY,
	VMDS_CLI_OPTION_PAGE,
	VMDS_CLI_OPTION_PAGE_SIZE,
	VMDS_CLI_OPTION_LAST
} VmdsCliOption;

/* the bit of an option in VmdsCliCommand.options and VmdsCli.given */
#define VMDS_CLI_OPT_BIT(i) (G_GUINT64_CONSTANT(1) << (i))
#define VMDS_CLI_OPT(name)  VMDS_CLI_OPT_BIT(VMDS_CLI_OPTION_##name)

typedef struct {
	/* global options */
	gboolean json;
	gboolean insecure;
	gboolean help;
	gboolean version;
	gchar *vm;
	gchar *url;
	gchar *cacert;
	gchar *user;
	GOptionEntry global_entries[9];
	/* command options, validated and normalised as they are parsed */
	gchar *values[VMDS_CLI_OPTION_LAST];
	guint64 given;
	/* (element-type VmdsCliCommand): every noun's commands, in the order
	 * help lists them; filled by vmds.c */
	GPtrArray *commands;
	/* the command or group being run, for the usage hint */
	gchar *command;
	VmdsClient *client; /* logged in on first use */
} VmdsCli;

typedef struct {
	const gchar *name; /* one or two words; NULL ends a table */
	const gchar *args;
	const gchar *summary;
	const gchar *description; /* nullable: the rest of the command's --help */
	guint64 options;	  /* VMDS_CLI_OPT() bits */
	guint min_args;
	guint max_args;
	/* how many leading ARGS are VM ids or data set names, and how many
	 * after those are keys: checked by vmds_cli_check_name() before the
	 * command runs */
	guint names;
	guint keys;
	gboolean (*func)(VmdsCli *self, gchar **args, GError **error);
} VmdsCliCommand;

/* the nouns' tables, each ended by an entry whose name is NULL */
extern const VmdsCliCommand vmds_cli_vm_commands[];
extern const VmdsCliCommand vmds_cli_snapshot_commands[];
extern const VmdsCliCommand vmds_cli_dataset_commands[];
extern const VmdsCliCommand vmds_cli_entry_commands[];
extern const VmdsCliCommand vmds_cli_guestinfo_commands[];
extern const VmdsCliCommand vmds_cli_vapp_commands[];
extern const VmdsCliCommand vmds_cli_user_commands[];
extern const VmdsCliCommand vmds_cli_metadata_commands[];
extern const VmdsCliCommand vmds_cli_query_commands[];

/* the command options, indexed by VmdsCliOption, ended by a NULL entry */
extern const GOptionEntry vmds_cli_command_entries[];

VmdsCli *vmds_cli_new(void);
void vmds_cli_free(VmdsCli *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsCli, vmds_cli_free)

gboolean vmds_cli_usage_error(GError **error, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
gboolean vmds_cli_invalid_reply(GError **error, const gchar *what);
gboolean vmds_cli_check_name(const gchar *name, gboolean key, GError **error);
gchar *vmds_cli_sanitize(const gchar *text);
void vmds_cli_file_fail(GError **error, const gchar *what, const gchar *path);
gchar *vmds_cli_get_value(VmdsCli *self, const gchar *arg, gsize max, GError **error);
gchar *vmds_cli_read_password(const gchar *prompt, gboolean confirm, GError **error);

const gchar *vmds_cli_get_vm(VmdsCli *self);
gchar *vmds_cli_escape(const gchar *text);
gchar *vmds_cli_vm_path(const gchar *vm);
gchar *vmds_cli_snapshots_path(const gchar *vm);
gchar *vmds_cli_snapshot_path(const gchar *vm, const gchar *snapshot);
gchar *vmds_cli_datasets_path(VmdsCli *self);
gchar *vmds_cli_dataset_path(VmdsCli *self, const gchar *dataset);

gboolean vmds_cli_call(VmdsCli *self,
		       const gchar *method,
		       const gchar *path,
		       JsonNode *body,
		       JsonNode **reply,
		       GError **error);
gboolean vmds_cli_list(VmdsCli *self,
		       const gchar *path,
		       const gchar *const *members,
		       const gchar *const *headers,
		       GError **error);
gboolean vmds_cli_info(VmdsCli *self, const gchar *path, GError **error);
gboolean vmds_cli_create(VmdsCli *self, const gchar *path, JsonNode *body, GError **error);
gboolean vmds_cli_upload(VmdsCli *self,
			 const gchar *method,
			 const gchar *path,
			 const gchar *content_type,
			 GInputStream *body,
			 goffset length,
			 VmdsClientProgressFunc progress,
			 gpointer user_data,
			 JsonNode **reply,
			 GError **error);
gboolean vmds_cli_create_from_stream(VmdsCli *self,
				     const gchar *path,
				     const gchar *content_type,
				     GInputStream *body,
				     goffset length,
				     VmdsClientProgressFunc progress,
				     gpointer user_data,
				     GError **error);
gboolean vmds_cli_download(VmdsCli *self,
			   const gchar *path,
			   const gchar *content_type,
			   GOutputStream *out,
			   const gchar *out_name,
			   VmdsClientProgressFunc progress,
			   gpointer user_data,
			   GError **error);
gboolean vmds_cli_download_file(VmdsCli *self,
				const gchar *path,
				const gchar *content_type,
				const gchar *file,
				VmdsClientProgressFunc progress,
				gpointer user_data,
				GError **error);

void vmds_cli_print_text(const gchar *text);
void vmds_cli_print_table(const gchar *const *headers, GPtrArray *rows);

G_END_DECLS

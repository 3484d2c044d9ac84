/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "vmds-cli.h"

/*
 * vmds vapp ...: a VM's vApp options and properties, what the guest reads
 * as its OVF environment: /api/vcenter/vm/{vm}/vapp, .../vapp/properties,
 * .../vapp/environment and .../vapp/iso. A property is named by its integer
 * key. The VM is always named on the command line, as for snapshots.
 */

#define VMDS_CLI_VAPP_GUESTINFO "com.vmware.guestInfo"
#define VMDS_CLI_VAPP_ISO	"iso"
/* the bytes of a value read from standard input at most: 65,535
 * characters of up to 4 bytes each */
#define VMDS_CLI_VAPP_MAX_VALUE (65535 * 4)
#define VMDS_CLI_VAPP_ENV_TYPE	"application/xml"
#define VMDS_CLI_VAPP_ISO_TYPE	"application/x-iso9660-image"
/* what an OVF descriptor is sent as */
#define VMDS_CLI_VAPP_OVF_TYPE "application/xml"

/* the property members set from options, in the API's names */
static const struct {
	VmdsCliOption option;
	const gchar *member;
} vmds_cli_vapp_members[] = {
    {VMDS_CLI_OPTION_CATEGORY, "category"},
    {VMDS_CLI_OPTION_LABEL, "label"},
    {VMDS_CLI_OPTION_DESCRIPTION, "description"},
    {VMDS_CLI_OPTION_CLASS_ID, "class_id"},
    {VMDS_CLI_OPTION_INSTANCE_ID, "instance_id"},
    {VMDS_CLI_OPTION_TYPE_REFERENCE, "type_reference"},
    {VMDS_CLI_OPTION_DEFAULT, "default_value"},
    {VMDS_CLI_OPTION_TYPE, "type"},
    {VMDS_CLI_OPTION_VALUE, "value"},
};

/* the options of vapp set; vapp add takes --key too */
#define VMDS_CLI_VAPP_PROPERTY_OPTIONS                                                             \
	(VMDS_CLI_OPT(TYPE) | VMDS_CLI_OPT(VALUE) | VMDS_CLI_OPT(DEFAULT) | VMDS_CLI_OPT(LABEL) |  \
	 VMDS_CLI_OPT(DESCRIPTION) | VMDS_CLI_OPT(CATEGORY) | VMDS_CLI_OPT(CLASS_ID) |             \
	 VMDS_CLI_OPT(INSTANCE_ID) | VMDS_CLI_OPT(TYPE_REFERENCE) |                                \
	 VMDS_CLI_OPT(NOT_USER_CONFIGURABLE))

static gchar *
vmds_cli_vapp_path(const gchar *vm, const gchar *below)
{
	g_autofree gchar *vm_path = vmds_cli_vm_path(vm);
	return g_strdup_printf("%s/vapp%s", vm_path, below);
}

/* .../vapp/properties/KEY; KEY is checked before any request */
static gchar *
vmds_cli_vapp_property_path(const gchar *vm, const gchar *key, GError **error)
{
	g_autofree gchar *below = NULL;
	guint64 value = 0;

	if (!g_ascii_string_to_unsigned(key, 10, 0, G_MAXINT32, &value, NULL)) {
		vmds_cli_usage_error(
		    error, "invalid KEY '%s': a key is an integer from 0 to %d", key, G_MAXINT32);
		return NULL;
	}
	below = g_strdup_printf("/properties/%" G_GUINT64_FORMAT, value);
	return vmds_cli_vapp_path(vm, below);
}

/* the API's name of a transport: com.vmware.guestInfo or guestInfo, iso;
 * case does not matter */
static const gchar *
vmds_cli_vapp_transport(const gchar *name, GError **error)
{
	if (g_ascii_strcasecmp(name, VMDS_CLI_VAPP_GUESTINFO) == 0 ||
	    g_ascii_strcasecmp(name, "guestInfo") == 0)
		return VMDS_CLI_VAPP_GUESTINFO;
	if (g_ascii_strcasecmp(name, VMDS_CLI_VAPP_ISO) == 0)
		return VMDS_CLI_VAPP_ISO;
	vmds_cli_usage_error(error,
			     "unknown transport '%s': the transports are guestInfo "
			     "(" VMDS_CLI_VAPP_GUESTINFO ") and iso",
			     name);
	return NULL;
}

/* "transports": @names, each once, in the API's order */
static gboolean
vmds_cli_vapp_add_transports(JsonBuilder *builder, gchar **names, GError **error)
{
	gboolean guestinfo = FALSE;
	gboolean iso = FALSE;

	for (guint i = 0; names[i] != NULL; i++) {
		const gchar *transport = vmds_cli_vapp_transport(names[i], error);
		if (transport == NULL)
			return FALSE;
		if (g_strcmp0(transport, VMDS_CLI_VAPP_GUESTINFO) == 0)
			guestinfo = TRUE;
		else
			iso = TRUE;
	}
	json_builder_set_member_name(builder, "transports");
	json_builder_begin_array(builder);
	if (guestinfo)
		json_builder_add_string_value(builder, VMDS_CLI_VAPP_GUESTINFO);
	if (iso)
		json_builder_add_string_value(builder, VMDS_CLI_VAPP_ISO);
	json_builder_end_array(builder);
	return TRUE;
}

/* PATCH .../vapp with @enabled and the transports of @names, each if given */
static gboolean
vmds_cli_vapp_configure(
    VmdsCli *self, const gchar *vm, const gboolean *enabled, gchar **names, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();
	g_autoptr(JsonNode) body = NULL;
	g_autofree gchar *path = vmds_cli_vapp_path(vm, "");

	json_builder_begin_object(builder);
	if (enabled != NULL) {
		json_builder_set_member_name(builder, "enabled");
		json_builder_add_boolean_value(builder, *enabled);
	}
	if (names != NULL && !vmds_cli_vapp_add_transports(builder, names, error))
		return FALSE;
	json_builder_end_object(builder);
	body = json_builder_get_root(builder);
	return vmds_cli_call(self, "PATCH", path, body, NULL, error);
}

static gboolean
vmds_cli_cmd_vapp_info(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_vapp_path(args[0], "");
	return vmds_cli_info(self, path, error);
}

static gboolean
vmds_cli_cmd_vapp_enable(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *transports = self->values[VMDS_CLI_OPTION_TRANSPORT];
	g_auto(GStrv) names = transports != NULL ? g_strsplit(transports, "\n", -1) : NULL;
	const gboolean enabled = TRUE;

	return vmds_cli_vapp_configure(self, args[0], &enabled, names, error);
}

static gboolean
vmds_cli_cmd_vapp_disable(VmdsCli *self, gchar **args, GError **error)
{
	const gboolean enabled = FALSE;
	g_autofree gchar *done = NULL;

	if (!vmds_cli_vapp_configure(self, args[0], &enabled, NULL, error))
		return FALSE;
	/* the reply has no body: --json prints nothing, as for every such call */
	if (self->json)
		return TRUE;
	done = g_strdup_printf("vApp disabled on %s: every vApp property was deleted", args[0]);
	vmds_cli_print_text(done);
	return TRUE;
}

static gboolean
vmds_cli_cmd_vapp_transports(VmdsCli *self, gchar **args, GError **error)
{
	return vmds_cli_vapp_configure(self, args[0], NULL, &args[1], error);
}

static gboolean
vmds_cli_cmd_vapp_ls(VmdsCli *self, gchar **args, GError **error)
{
	const gchar *const members[] = {"key", "id", "type", "value", NULL};
	const gchar *const headers[] = {"KEY", "ID", "TYPE", "VALUE", NULL};
	g_autofree gchar *path = vmds_cli_vapp_path(args[0], "/properties");
	return vmds_cli_list(self, path, members, headers, error);
}

static gboolean
vmds_cli_cmd_vapp_get(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_vapp_property_path(args[0], args[1], error);
	return path != NULL && vmds_cli_info(self, path, error);
}

/* the property members given as options; `--value -` and `--default -`
 * read the value from standard input, exactly (a password is then not on
 * the command line, which other local users can read) */
static gboolean
vmds_cli_vapp_add_members(VmdsCli *self, JsonBuilder *builder, GError **error)
{
	const gchar *not_configurable = self->values[VMDS_CLI_OPTION_NOT_USER_CONFIGURABLE];
	gboolean stdin_taken = FALSE;

	for (guint i = 0; i < G_N_ELEMENTS(vmds_cli_vapp_members); i++) {
		const gchar *value = self->values[vmds_cli_vapp_members[i].option];
		g_autofree gchar *read = NULL;
		if (value == NULL)
			continue;
		if (g_strcmp0(value, "-") == 0 &&
		    (vmds_cli_vapp_members[i].option == VMDS_CLI_OPTION_VALUE ||
		     vmds_cli_vapp_members[i].option == VMDS_CLI_OPTION_DEFAULT)) {
			if (stdin_taken) {
				vmds_cli_usage_error(error,
						     "only one of --value and --default may be "
						     "'-' (standard input)");
				return FALSE;
			}
			stdin_taken = TRUE;
			read = vmds_cli_get_value(self, "-", VMDS_CLI_VAPP_MAX_VALUE, error);
			if (read == NULL)
				return FALSE;
			value = read;
		}
		json_builder_set_member_name(builder, vmds_cli_vapp_members[i].member);
		json_builder_add_string_value(builder, value);
	}
	if (not_configurable != NULL) {
		json_builder_set_member_name(builder, "user_configurable");
		json_builder_add_boolean_value(builder, g_strcmp0(not_configurable, "true") != 0);
	}
	return TRUE;
}

/* an integer of a reply, a key, as text; NULL when it is not one */
static gchar *
vmds_cli_vapp_key_text(JsonNode *node)
{
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_INT64)
		return NULL;
	return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
}

static gboolean
vmds_cli_cmd_vapp_add(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();
	g_autoptr(JsonNode) body = NULL;
	g_autoptr(JsonNode) reply = NULL;
	g_autofree gchar *path = vmds_cli_vapp_path(args[0], "/properties");
	g_autofree gchar *key = NULL;

	json_builder_begin_object(builder);
	if (self->values[VMDS_CLI_OPTION_KEY] != NULL) {
		json_builder_set_member_name(builder, "key");
		json_builder_add_int_value(
		    builder, g_ascii_strtoll(self->values[VMDS_CLI_OPTION_KEY], NULL, 10));
	}
	json_builder_set_member_name(builder, "id");
	json_builder_add_string_value(builder, args[1]);
	if (!vmds_cli_vapp_add_members(self, builder, error))
		return FALSE;
	json_builder_end_object(builder);
	body = json_builder_get_root(builder);
	if (!vmds_cli_call(self, "POST", path, body, &reply, error))
		return FALSE;
	if (reply == NULL)
		return TRUE; /* --json: printed */
	key = vmds_cli_vapp_key_text(reply);
	if (key == NULL)
		return vmds_cli_invalid_reply(error, "the key is not an integer");
	vmds_cli_print_text(key);
	return TRUE;
}

static gboolean
vmds_cli_cmd_vapp_set(VmdsCli *self, gchar **args, GError **error)
{
	g_autoptr(JsonBuilder) builder = NULL;
	g_autoptr(JsonNode) body = NULL;
	g_autofree gchar *path = vmds_cli_vapp_property_path(args[0], args[1], error);

	if (path == NULL)
		return FALSE;
	if ((self->given & VMDS_CLI_VAPP_PROPERTY_OPTIONS) == 0)
		return vmds_cli_usage_error(error,
					    "nothing to change: give --type, --value, --default, "
					    "--label, --description, --category, --class-id, "
					    "--instance-id, --type-reference or "
					    "--not-user-configurable");
	builder = json_builder_new_immutable();
	json_builder_begin_object(builder);
	if (!vmds_cli_vapp_add_members(self, builder, error))
		return FALSE;
	json_builder_end_object(builder);
	body = json_builder_get_root(builder);
	return vmds_cli_call(self, "PATCH", path, body, NULL, error);
}

static gboolean
vmds_cli_cmd_vapp_rm(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_vapp_property_path(args[0], args[1], error);
	return path != NULL && vmds_cli_call(self, "DELETE", path, NULL, NULL, error);
}

/* all of @file ('-': standard input), a descriptor of a few kilobytes */
static GBytes *
vmds_cli_vapp_read_ovf(const gchar *file, GError **error)
{
	gboolean stdin_ = g_strcmp0(file, "-") == 0;
	const gchar *name = stdin_ ? "standard input" : file;
	gint fd = stdin_ ? dup(STDIN_FILENO) : g_open(file, O_RDONLY | O_CLOEXEC, 0);
	g_autoptr(GInputStream) in = NULL;
	g_autoptr(GOutputStream) out = NULL;

	if (fd < 0) {
		vmds_cli_file_fail(error, "read", name);
		return NULL;
	}
	in = g_unix_input_stream_new(fd, TRUE);
	out = g_memory_output_stream_new_resizable();
	if (g_output_stream_splice(out,
				   in,
				   G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
				       G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
				   NULL,
				   error) < 0) {
		g_prefix_error(error, "cannot read %s: ", name);
		return NULL;
	}
	return g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
}

/* vmds vapp import VM FILE|-: prints the keys of the properties created */
static gboolean
vmds_cli_cmd_vapp_import(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_vapp_path(args[0], "?action=import");
	g_autoptr(GBytes) ovf = vmds_cli_vapp_read_ovf(args[1], error);
	g_autoptr(GInputStream) body = NULL;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(JsonNode) reply = NULL;
	JsonArray *array = NULL;

	if (ovf == NULL)
		return FALSE;
	body = g_memory_input_stream_new_from_bytes(ovf);
	if (!vmds_cli_upload(self,
			     "POST",
			     path,
			     VMDS_CLI_VAPP_OVF_TYPE,
			     body,
			     (goffset)g_bytes_get_size(ovf),
			     NULL,
			     NULL,
			     &reply,
			     error))
		return FALSE;
	if (reply == NULL)
		return TRUE; /* --json: printed */
	if (!JSON_NODE_HOLDS_ARRAY(reply))
		return vmds_cli_invalid_reply(error, "the keys are not a list");
	array = json_node_get_array(reply);
	/* check everything before printing anything */
	for (guint i = 0; i < json_array_get_length(array); i++) {
		gchar *key = vmds_cli_vapp_key_text(json_array_get_element(array, i));
		if (key == NULL)
			return vmds_cli_invalid_reply(error, "a key is not an integer");
		g_ptr_array_add(keys, key);
	}
	for (guint i = 0; i < keys->len; i++)
		vmds_cli_print_text(g_ptr_array_index(keys, i));
	return TRUE;
}

/* the OVF environment, as the daemon sends it, to standard output */
static gboolean
vmds_cli_cmd_vapp_env(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_vapp_path(args[0], "/environment");
	g_autoptr(GOutputStream) out = g_unix_output_stream_new(STDOUT_FILENO, FALSE);

	return vmds_cli_download(
	    self, path, VMDS_CLI_VAPP_ENV_TYPE, out, "standard output", NULL, NULL, error);
}

static gboolean
vmds_cli_cmd_vapp_iso(VmdsCli *self, gchar **args, GError **error)
{
	g_autofree gchar *path = vmds_cli_vapp_path(args[0], "/iso");
	return vmds_cli_download_file(
	    self, path, VMDS_CLI_VAPP_ISO_TYPE, args[1], NULL, NULL, error);
}

const VmdsCliCommand vmds_cli_vapp_commands[] = {
    {"vapp info",
     "VM",
     "Show a VM's vApp options",
     "Whether vApp properties are enabled, the transports of the OVF\n"
     "environment (" VMDS_CLI_VAPP_GUESTINFO ": the guestinfo.ovfEnv variable; iso: a\n"
     "CD-ROM image), the number of properties, and while the iso transport is on\n"
     "the path of the ISO image the daemon keeps.",
     0,
     1,
     1,
     1,
     0,
     vmds_cli_cmd_vapp_info},
    {"vapp enable",
     "VM",
     "Enable vApp properties on a VM",
     "With --transport, the OVF environment reaches the guest that way\n"
     "(guestInfo, iso, or both with --transport twice); without, the\n"
     "transports stay as they are.",
     VMDS_CLI_OPT(TRANSPORT),
     1,
     1,
     1,
     0,
     vmds_cli_cmd_vapp_enable},
    {"vapp disable",
     "VM",
     "Disable vApp properties on a VM, deleting every property",
     "IRREVERSIBLE: every vApp property of the VM is deleted with its value,\n"
     "and so are its OVF environment and ISO image. There is no confirmation.\n"
     "`vmds --json vapp ls VM` keeps a copy first (without password values).",
     0,
     1,
     1,
     1,
     0,
     vmds_cli_cmd_vapp_disable},
    {"vapp transports",
     "VM [guestInfo] [iso]",
     "Set the transports of a VM's OVF environment",
     "The list given replaces the VM's: guestInfo (or " VMDS_CLI_VAPP_GUESTINFO ")\n"
     "sets the guestinfo.ovfEnv variable, iso makes a CD-ROM image; none turns\n"
     "both off. vApp must be enabled.",
     0,
     1,
     3,
     1,
     0,
     vmds_cli_cmd_vapp_transports},
    {"vapp ls",
     "VM",
     "List a VM's vApp properties: key, id, type and value",
     "In key order. A password property shows an empty value: the API never\n"
     "returns one.",
     0,
     1,
     1,
     1,
     0,
     vmds_cli_cmd_vapp_ls},
    {"vapp get",
     "VM KEY",
     "Show a vApp property with all of its attributes",
     NULL,
     0,
     2,
     2,
     1,
     0,
     vmds_cli_cmd_vapp_get},
    {"vapp add",
     "VM ID",
     "Add a vApp property and print its key",
     "ID is the property's id, unique in the VM. Unless given, the type is\n"
     "string and the other attributes empty, and the property is\n"
     "user-configurable. The value must match the type. vApp must be enabled.\n"
     "A value given here can be seen by other local users while vmds runs:\n"
     "give a password as --value - and write it to standard input (taken\n"
     "exactly: printf '%s' \"$pw\" | vmds vapp add VM ID --type password --value -).",
     VMDS_CLI_VAPP_PROPERTY_OPTIONS | VMDS_CLI_OPT(KEY),
     2,
     2,
     1,
     0,
     vmds_cli_cmd_vapp_add},
    {"vapp set",
     "VM KEY",
     "Change attributes of a vApp property",
     "Only the attributes given change; the key does not. --value - reads\n"
     "the value from standard input (for a password: not on the command line).",
     VMDS_CLI_VAPP_PROPERTY_OPTIONS,
     2,
     2,
     1,
     0,
     vmds_cli_cmd_vapp_set},
    {"vapp rm", "VM KEY", "Delete a vApp property", NULL, 0, 2, 2, 1, 0, vmds_cli_cmd_vapp_rm},
    {"vapp import",
     "VM FILE|-",
     "Add the properties of an OVF descriptor and print their keys",
     "FILE is an appliance's .ovf descriptor ('-': standard input). Its\n"
     "ProductSection properties are added, vApp is enabled, and the transports\n"
     "become those of its VirtualHardwareSection's ovf:transport.",
     0,
     2,
     2,
     1,
     0,
     vmds_cli_cmd_vapp_import},
    {"vapp env",
     "VM",
     "Print a VM's OVF environment, the XML document the guest reads",
     "Written exactly as the daemon makes it. vApp must be enabled.",
     0,
     1,
     1,
     1,
     0,
     vmds_cli_cmd_vapp_env},
    {"vapp iso",
     "VM FILE|-",
     "Write the ISO image of a VM's OVF environment to a file",
     "The image holds ovf-env.xml. It is written as FILE.part, readable by its\n"
     "owner only, and renamed FILE once whole; '-' writes it to standard\n"
     "output, which must not be a terminal. The iso transport must be on.",
     0,
     2,
     2,
     1,
     0,
     vmds_cli_cmd_vapp_iso},
    {NULL},
};

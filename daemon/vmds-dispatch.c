/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-dispatch.h"

/*
 * The guest commands of all plugins, and the one place that turns what a
 * command returns into the reply a guest reads: `1 ` and the text or `0 `
 * and the error's message for plain commands; for envelope commands `1 `
 * and {"result":true,...} or {"result":false,"error-id":...,
 * "error-message":...}. The hot path: no allocation beyond the reply.
 */

struct _VmdsDispatch {
	GHashTable *commands; /* name → VmdsCommand, borrowed from the plugins */
};

/* what an envelope's success starts with; the command's members follow */
#define VMDS_DISPATCH_ENVELOPE_OK "{\"result\":true,"

VmdsDispatch *
vmds_dispatch_new(void)
{
	VmdsDispatch *self = g_new0(VmdsDispatch, 1);
	self->commands = g_hash_table_new(g_str_hash, g_str_equal);
	return self;
}

void
vmds_dispatch_free(VmdsDispatch *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->commands);
	g_free(self);
}

/**
 * vmds_dispatch_add_commands:
 * @self: a #VmdsDispatch
 * @plugin: a plugin that started
 *
 * Adds the commands @plugin registered; a name taken already stays with
 * the plugin that took it, with a warning.
 */
void
vmds_dispatch_add_commands(VmdsDispatch *self, VmdsPlugin *plugin)
{
	GPtrArray *commands = vmds_plugin_get_commands(plugin);

	for (guint i = 0; i < commands->len; i++) {
		VmdsCommand *command = g_ptr_array_index(commands, i);
		if (g_hash_table_contains(self->commands, command->name)) {
			g_warning("plugin %s: command %s is already registered",
				  vmds_plugin_get_name(plugin),
				  command->name);
			continue;
		}
		g_hash_table_insert(self->commands, command->name, command);
	}
}

guint
vmds_dispatch_get_size(VmdsDispatch *self)
{
	return g_hash_table_size(self->commands);
}

/* writes the reply of a command that failed */
static gboolean
vmds_dispatch_fail(VmdsCommandFlags flags, const GError *error, GString *reply)
{
	g_string_truncate(reply, 0);
	if ((flags & VMDS_COMMAND_FLAG_ENVELOPE) == 0) {
		g_string_append(reply, error->message);
		return FALSE;
	}
	g_string_append(reply, "{\"result\":false,\"error-id\":");
	vmds_json_append_string(reply, vmds_error_to_error_id(error), -1);
	g_string_append(reply, ",\"error-message\":");
	vmds_json_append_string(reply, error->message, -1);
	g_string_append_c(reply, '}');
	return TRUE;
}

/* closes the envelope of a success: its members follow the comma after
 * `"result":true`, or there are none and the comma goes */
static void
vmds_dispatch_close_envelope(GString *reply)
{
	if (reply->len == strlen(VMDS_DISPATCH_ENVELOPE_OK))
		reply->str[reply->len - 1] = '}';
	else
		g_string_append_c(reply, '}');
}

/* the call is refused before its command runs */
static gboolean
vmds_dispatch_refuse(VmdsCommandFlags flags, gint code, const gchar *message, GString *reply)
{
	g_autoptr(GError) error = g_error_new_literal(VMDS_ERROR, code, message);
	return vmds_dispatch_fail(flags, error, reply);
}

/**
 * vmds_dispatch_run:
 * @self: a #VmdsDispatch
 * @vm: the VM the request came from
 * @uid: the caller's user id
 * @privileged: whether the caller is privileged
 * @payload: the request, `name args`, NUL-terminated; left as it was
 * @payload_len: its length
 * @reply: (out caller-allocates): the reply text
 * @later: (out caller-allocates): set when the command deferred its reply
 *
 * Runs one guest request. The command may defer its reply: then
 * @later->deferred is set (the caller owns it, starts it, and on its
 * completion writes the reply with vmds_dispatch_finish()), and @reply
 * means nothing yet.
 *
 * Returns: the reply's status: %TRUE for `1 `, %FALSE for `0 `
 */
gboolean
vmds_dispatch_run(VmdsDispatch *self,
		  VmdsVm *vm,
		  guint32 uid,
		  gboolean privileged,
		  guint8 *payload,
		  gsize payload_len,
		  GString *reply,
		  VmdsDispatchLater *later)
{
	gchar *text = (gchar *)payload;
	gchar *space = memchr(text, ' ', payload_len);
	gsize name_len = space != NULL ? (gsize)(space - text) : payload_len;
	g_autoptr(GError) error = NULL;
	VmdsCommand *command;
	VmdsCall call = {0};

	later->deferred = NULL;
	g_string_truncate(reply, 0);
	if (space != NULL)
		*space = '\0';
	/* a name with a NUL in it is no command's name */
	command = strlen(text) == name_len ? g_hash_table_lookup(self->commands, text) : NULL;
	/* formatting alone would cost more than some requests */
	if (g_log_get_debug_enabled())
		g_debug("%s: uid %u: %s (%" G_GSIZE_FORMAT " bytes)",
			vm->id,
			uid,
			command != NULL ? command->name : "unknown command",
			payload_len);
	/* the payload stays whole: a request may be answered twice (group commit) */
	if (space != NULL)
		*space = ' ';
	if (command == NULL) {
		g_string_append(reply, "Unknown command");
		return FALSE;
	}
	if ((command->flags & VMDS_COMMAND_FLAG_PRIVILEGED) != 0 && !privileged) {
		g_autofree gchar *message = NULL;
		if ((command->flags & VMDS_COMMAND_FLAG_ENVELOPE) == 0) {
			g_string_append(reply, "Permission denied");
			return FALSE;
		}
		message = g_strdup_printf("user %u may not run %s: run it as root, as the VM's "
					  "socket owner or as a member of its socket group",
					  uid,
					  command->name);
		return vmds_dispatch_refuse(
		    command->flags, VMDS_ERROR_ACCESS_DENIED, message, reply);
	}
	call.command = command->name;
	call.vm = vm->id;
	call.store = vm->store;
	call.uid = uid;
	call.privileged = privileged;
	call.args = space != NULL ? space + 1 : "";
	call.args_len = space != NULL ? payload_len - (gsize)(space + 1 - text) : 0;
	call.reply = reply;
	if (memchr(call.args, '\0', call.args_len) != NULL) {
		return vmds_dispatch_refuse(command->flags,
					    VMDS_ERROR_INVALID_ARGUMENT,
					    "arguments may not contain a NUL byte",
					    reply);
	}
	if ((command->flags & VMDS_COMMAND_FLAG_ENVELOPE) != 0)
		g_string_append(reply, VMDS_DISPATCH_ENVELOPE_OK);
	if (!command->func(command->plugin, &call, &error)) {
		if (call.deferred != NULL) {
			vmds_deferred_cancel(call.deferred);
			vmds_deferred_unref(call.deferred);
		}
		if (error == NULL)
			error = g_error_new(
			    VMDS_ERROR, VMDS_ERROR_INTERNAL, "command %s failed", command->name);
		g_debug("%s on %s failed: %s", command->name, vm->id, error->message);
		return vmds_dispatch_fail(command->flags, error, reply);
	}
	if (call.deferred != NULL) {
		later->deferred = call.deferred;
		later->flags = command->flags;
		return TRUE;
	}
	if ((command->flags & VMDS_COMMAND_FLAG_ENVELOPE) != 0)
		vmds_dispatch_close_envelope(reply);
	return TRUE;
}

/**
 * vmds_dispatch_finish:
 * @later: a reply vmds_dispatch_run() deferred
 * @error: (nullable): why it failed, or %NULL when its reply is there
 * @reply: (out caller-allocates): the reply text
 *
 * Returns: the reply's status: %TRUE for `1 `, %FALSE for `0 `
 */
gboolean
vmds_dispatch_finish(const VmdsDispatchLater *later, const GError *error, GString *reply)
{
	GString *written = vmds_deferred_get_reply(later->deferred);

	if (error != NULL)
		return vmds_dispatch_fail(later->flags, error, reply);
	g_string_truncate(reply, 0);
	if ((later->flags & VMDS_COMMAND_FLAG_ENVELOPE) == 0) {
		g_string_append_len(reply, written->str, (gssize)written->len);
		return TRUE;
	}
	g_string_append(reply, VMDS_DISPATCH_ENVELOPE_OK);
	g_string_append_len(reply, written->str, (gssize)written->len);
	vmds_dispatch_close_envelope(reply);
	return TRUE;
}

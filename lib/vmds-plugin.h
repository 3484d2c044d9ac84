/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gmodule.h>

#include "vmds-caller.h"
#include "vmds-context.h"
#include "vmds-deferred.h"
#include "vmds-store.h"

G_BEGIN_DECLS

/* bumped whenever VmdsPluginClass, VmdsCall, VmdsRequest, the functions a
 * plugin calls or the signals it connects to change */
#define VMDS_PLUGIN_API_VERSION 7

#define VMDS_TYPE_PLUGIN (vmds_plugin_get_type())
G_DECLARE_DERIVABLE_TYPE(VmdsPlugin, vmds_plugin, VMDS, PLUGIN, GObject)

/**
 * VmdsPluginClass:
 * @parent_class: the parent class
 * @configure: reads the plugin's group of the configuration file (named
 *   after the plugin) and takes its settings: before startup(), and again
 *   on every reload. A failure names the key and keeps the settings the
 *   plugin had (at start: the daemon does not start)
 * @startup: registers the plugin's commands, routes and store schemas; a
 *   failure keeps the daemon from starting
 * @shutdown: the daemon stops
 *
 * The execution contract, which every plugin keeps:
 *
 * - Everything runs in the daemon's main thread, one call at a time: a
 *   command or a route must not block (no waiting on the network, on a
 *   child, on a lock); to wait for something, defer the reply
 *   (vmds_call_defer(), vmds_request_defer()).
 * - A guest command runs inside a group commit: the requests of one VM read
 *   in the same main loop turn share one transaction, and no reply is sent
 *   before it is durable. Should the group fail to commit, every command of
 *   it is run again, on its own. So a command changes nothing outside its
 *   VM's store before the group commits: no files, no messages to other
 *   processes, no state in memory that a second run would find changed.
 *   What it keeps in memory of what it read from the store must be
 *   forgotten on the store's #VmdsStore::rolled-back.
 * - A command or route that writes the store does so in one transaction
 *   (vmds_store_begin() ... vmds_store_end()): all of it or nothing.
 * - Every request is answered: a command either returns, with its reply
 *   or an error, or defers and later returns; the core answers a deferred
 *   reply whose deadline passed with %VMDS_ERROR_TIMED_OUT.
 * - Input from a guest or a REST client is hostile: every length is
 *   bounded before it is used, every JSON member type-checked (vmds-json.h).
 */
struct _VmdsPluginClass {
	GObjectClass parent_class;
	gboolean (*configure)(VmdsPlugin *self, GKeyFile *config, GError **error);
	gboolean (*startup)(VmdsPlugin *self, GError **error);
	void (*shutdown)(VmdsPlugin *self);
	gpointer padding[8];
};

/**
 * VmdsCall:
 * @command: the command name the guest sent
 * @vm: the id of the VM the request came from (its socket decides)
 * @store: that VM's store
 * @uid: the caller's user id (SO_PEERCRED)
 * @privileged: root, the daemon's user, or in the configured group
 * @args: the bytes after the first space of the request, NUL-terminated;
 *   they hold no other NUL
 * @args_len: their length
 * @reply: where the command writes its reply: for a command with
 *   %VMDS_COMMAND_FLAG_ENVELOPE the members of the envelope after
 *   `"result":true` (`"datasets":[...]`, or nothing), else the reply text
 *
 * One guest RPC as a command handler sees it.
 */
typedef struct {
	const gchar *command;
	const gchar *vm;
	VmdsStore *store;
	guint32 uid;
	gboolean privileged;
	const gchar *args;
	gsize args_len;
	GString *reply;
	/*< private >*/
	VmdsDeferred *deferred;
	gpointer padding[4];
} VmdsCall;

/**
 * VmdsStreamFunc:
 * @data: the stream's state
 * @out: where the next part goes; empty
 * @done: (out): set once the part written is the last
 * @error: a #GError or %NULL
 *
 * Writes the next part of a reply body that is sent a part at a time, once
 * the previous part was sent; so a large body never is in memory whole, and
 * other requests are served between its parts.
 *
 * Returns: %FALSE when it cannot go on; the client then sees the body end
 *   short (the status line was sent already)
 */
typedef gboolean (*VmdsStreamFunc)(gpointer data, GString *out, gboolean *done, GError **error);

/**
 * VmdsStream:
 * @func: (nullable): writes the next part; %NULL for a body sent whole
 * @data: for @func
 * @free: (nullable): frees @data once the reply is done or abandoned
 * @content_type: (nullable): the media type of the streamed body;
 *   %NULL for JSON
 */
typedef struct {
	VmdsStreamFunc func;
	gpointer data;
	GDestroyNotify free;
	const gchar *content_type;
} VmdsStream;

/**
 * VmdsRequest:
 * @method: the HTTP method
 * @params: path parameters (`vm`, `data_set`, `key`), percent-decoded
 * @query: (nullable): query parameters
 * @body: the request body, NUL-terminated
 * @body_len: its length
 * @body_fd: the body in a file, for the one request whose body may be
 *   larger than [http] max-body (`POST /api/vcenter/vm?action=import`),
 *   which the REST server writes to disk as it arrives; @body is then
 *   empty, and the file is closed once the route returns. -1 for every
 *   other request
 * @vm: the VM the path names, when the route has `{vm}`
 * @store: that VM's store
 * @status: (out): the HTTP status of a success; 200 unless set
 * @response: (out): the JSON body of a success; empty for none
 * @stream: (out): for a body that may be large: @response holds its first
 *   part, and @stream writes the others (vmds_request_set_stream())
 * @caller: who makes the call; the router has checked that it may reach
 *   the route (%VMDS_ROUTE_FLAG_ADMINISTRATOR) and the VM of `{vm}`
 *   (vmds_caller_can_see_vm()) before the route runs
 *
 * One REST call as a route handler sees it. Failures are returned as a
 * #GError, which the daemon turns into a vSphere-style error body.
 */
typedef struct {
	const gchar *method;
	GHashTable *params;
	GHashTable *query;
	const gchar *body;
	gsize body_len;
	gint body_fd;
	const gchar *vm;
	VmdsStore *store;
	guint status;
	GString *response;
	VmdsStream stream;
	VmdsCaller caller;
	/*< private >*/
	VmdsDeferred *deferred;
	gpointer padding[2];
} VmdsRequest;

/**
 * VmdsCommandFunc:
 * @plugin: the plugin that registered the command
 * @call: the call; the command writes its reply into @call->reply
 * @error: where a failure goes
 *
 * Returns: %TRUE with the reply written (or deferred), %FALSE with @error
 *   set. The core answers: `1 ` and the reply text, or `0 ` and the error's
 *   message; with %VMDS_COMMAND_FLAG_ENVELOPE always `1 ` and the JSON
 *   envelope, `{"result":true,...}` or `{"result":false,"error-id":...,
 *   "error-message":...}`
 */
typedef gboolean (*VmdsCommandFunc)(VmdsPlugin *plugin, VmdsCall *call, GError **error);
typedef gboolean (*VmdsRouteFunc)(VmdsPlugin *plugin, VmdsRequest *request, GError **error);

typedef enum {
	VMDS_COMMAND_FLAG_NONE = 0,
	/* unprivileged callers are refused: `0 Permission denied`, or in an
	 * envelope access-denied */
	VMDS_COMMAND_FLAG_PRIVILEGED = 1 << 0,
	/* replies and failures are the JSON envelope of the DataSets commands */
	VMDS_COMMAND_FLAG_ENVELOPE = 1 << 1,
} VmdsCommandFlags;

typedef struct {
	gchar *name;
	VmdsCommandFunc func;
	VmdsCommandFlags flags;
	VmdsPlugin *plugin;
} VmdsCommand;

typedef enum {
	VMDS_ROUTE_FLAG_NONE = 0,
	/* served for a VM whose store is not open (another process holds it);
	 * VmdsRequest.store is then %NULL */
	VMDS_ROUTE_FLAG_NO_STORE = 1 << 0,
	/* for administrators only (what acts on the daemon as a whole): anyone
	 * else is refused `403 UNAUTHORIZED` before the route runs, whatever
	 * the path names */
	VMDS_ROUTE_FLAG_ADMINISTRATOR = 1 << 1,
} VmdsRouteFlags;

typedef struct {
	gchar *method;
	gchar *pattern;
	VmdsRouteFunc func;
	VmdsRouteFlags flags;
	VmdsPlugin *plugin;
} VmdsRoute;

void vmds_request_set_stream(VmdsRequest *request,
			     VmdsStreamFunc func,
			     gpointer data,
			     GDestroyNotify free_func);
void vmds_stream_clear(VmdsStream *stream);
VmdsDeferred *vmds_call_defer(VmdsCall *call, guint timeout_ms);
/* the longest a REST reply may be deferred: 10 minutes */
#define VMDS_REQUEST_DEFER_MAX_MS (10 * 60 * 1000)
VmdsDeferred *vmds_request_defer(VmdsRequest *request, guint timeout_ms);

const gchar *vmds_plugin_get_name(VmdsPlugin *self);
VmdsContext *vmds_plugin_get_context(VmdsPlugin *self);
void vmds_plugin_set_context(VmdsPlugin *self, VmdsContext *context);
void vmds_plugin_add_command(VmdsPlugin *self,
			     const gchar *name,
			     VmdsCommandFunc func,
			     VmdsCommandFlags flags);
void vmds_plugin_add_route(VmdsPlugin *self,
			   const gchar *method,
			   const gchar *pattern,
			   VmdsRouteFunc func,
			   VmdsRouteFlags flags);
void vmds_plugin_add_schema(VmdsPlugin *self, const VmdsStoreSchema *schema);
GPtrArray *vmds_plugin_get_commands(VmdsPlugin *self);
GPtrArray *vmds_plugin_get_routes(VmdsPlugin *self);
GPtrArray *vmds_plugin_get_schemas(VmdsPlugin *self);
gboolean vmds_plugin_configure(VmdsPlugin *self, GKeyFile *config, GError **error);
gboolean vmds_plugin_startup(VmdsPlugin *self, GError **error);
void vmds_plugin_shutdown(VmdsPlugin *self);

/**
 * VMDS_PLUGIN_DEFINE:
 * @type_name: the plugin type's function prefix, e.g. `vmds_datasets_plugin`
 *
 * Exports the two symbols the loader looks up, and nothing else (the
 * linker map hides the rest).
 */
#define VMDS_PLUGIN_DEFINE(type_name)                                                              \
	G_MODULE_EXPORT const guint32 vmds_plugin_api_version = VMDS_PLUGIN_API_VERSION;           \
	G_MODULE_EXPORT GType vmds_plugin_module_get_type(void);                                   \
	GType vmds_plugin_module_get_type(void)                                                    \
	{                                                                                          \
		return type_name##_get_type();                                                     \
	}

G_END_DECLS

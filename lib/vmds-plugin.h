/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gmodule.h>

#include "vmds-store.h"

G_BEGIN_DECLS

/* bumped whenever VmdsPluginClass, VmdsCall or VmdsRequest change */
#define VMDS_PLUGIN_API_VERSION 2

#define VMDS_TYPE_PLUGIN (vmds_plugin_get_type())
G_DECLARE_DERIVABLE_TYPE(VmdsPlugin, vmds_plugin, VMDS, PLUGIN, GObject)

struct _VmdsPluginClass {
	GObjectClass parent_class;
	/* register commands and routes; a failure keeps the plugin out */
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
 * @args: the bytes after the first space of the request, NUL-terminated
 * @args_len: their length
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
 */
typedef struct {
	VmdsStreamFunc func;
	gpointer data;
	GDestroyNotify free;
} VmdsStream;

/**
 * VmdsRequest:
 * @method: the HTTP method
 * @params: path parameters (`vm`, `data_set`, `key`), percent-decoded
 * @query: (nullable): query parameters
 * @body: the request body, NUL-terminated
 * @body_len: its length
 * @vm: the VM the path names, when the route has `{vm}`
 * @store: that VM's store
 * @status: (out): the HTTP status of a success; 200 unless set
 * @response: (out): the JSON body of a success; empty for none
 * @stream: (out): for a body that may be large: @response holds its first
 *   part, and @stream writes the others (vmds_request_set_stream())
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
	const gchar *vm;
	VmdsStore *store;
	guint status;
	GString *response;
	VmdsStream stream;
} VmdsRequest;

/* returns TRUE for a `1 ` reply, FALSE for `0 `; the text goes into @reply */
typedef gboolean (*VmdsCommandFunc)(VmdsPlugin *plugin, const VmdsCall *call, GString *reply);
typedef gboolean (*VmdsRouteFunc)(VmdsPlugin *plugin, VmdsRequest *request, GError **error);

typedef enum {
	VMDS_COMMAND_FLAG_NONE = 0,
	/* the daemon answers `0 Permission denied` to unprivileged callers */
	VMDS_COMMAND_FLAG_PRIVILEGED = 1 << 0,
} VmdsCommandFlags;

typedef struct {
	gchar *name;
	VmdsCommandFunc func;
	VmdsCommandFlags flags;
	VmdsPlugin *plugin;
} VmdsCommand;

typedef struct {
	gchar *method;
	gchar *pattern;
	VmdsRouteFunc func;
	VmdsPlugin *plugin;
} VmdsRoute;

void vmds_request_set_stream(VmdsRequest *request,
			     VmdsStreamFunc func,
			     gpointer data,
			     GDestroyNotify free_func);
void vmds_stream_clear(VmdsStream *stream);

const gchar *vmds_plugin_get_name(VmdsPlugin *self);
GKeyFile *vmds_plugin_get_config(VmdsPlugin *self);
void vmds_plugin_set_config(VmdsPlugin *self, GKeyFile *config);
void vmds_plugin_add_command(VmdsPlugin *self,
			     const gchar *name,
			     VmdsCommandFunc func,
			     VmdsCommandFlags flags);
void vmds_plugin_add_route(VmdsPlugin *self,
			   const gchar *method,
			   const gchar *pattern,
			   VmdsRouteFunc func);
GPtrArray *vmds_plugin_get_commands(VmdsPlugin *self);
GPtrArray *vmds_plugin_get_routes(VmdsPlugin *self);
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

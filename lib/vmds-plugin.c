/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-plugin.h"

/*
 * The base class of every plugin. A plugin is one feature across both
 * surfaces: in startup() it registers its guest RPC commands by name, its
 * REST routes by method and path pattern, and the tables it keeps in every
 * VM's store; the daemon dispatches to them. The execution contract is in
 * vmds-plugin.h.
 */

typedef struct {
	gchar *name;
	VmdsContext *context; /* not a reference: the daemon owns its plugins */
	GPtrArray *commands;  /* of VmdsCommand */
	GPtrArray *routes;    /* of VmdsRoute */
	GPtrArray *schemas;   /* of const VmdsStoreSchema, borrowed */
} VmdsPluginPrivate;

G_DEFINE_TYPE_WITH_PRIVATE(VmdsPlugin, vmds_plugin, G_TYPE_OBJECT)

#define GET_PRIVATE(o) (vmds_plugin_get_instance_private(o))

enum { PROP_0, PROP_NAME, PROP_LAST };

static void
vmds_command_free(VmdsCommand *command)
{
	g_free(command->name);
	g_free(command);
}

static void
vmds_route_free(VmdsRoute *route)
{
	g_free(route->method);
	g_free(route->pattern);
	g_free(route);
}

/**
 * vmds_plugin_get_name:
 * @self: a #VmdsPlugin
 *
 * Returns: the plugin's name, e.g. `datasets`; also its config file section
 */
const gchar *
vmds_plugin_get_name(VmdsPlugin *self)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(self);
	g_return_val_if_fail(VMDS_IS_PLUGIN(self), NULL);
	return priv->name;
}

/**
 * vmds_plugin_get_context:
 * @self: a #VmdsPlugin
 *
 * Returns: (transfer none) (nullable): the daemon, as plugins see it; set
 *   before configure()
 */
VmdsContext *
vmds_plugin_get_context(VmdsPlugin *self)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(self);
	g_return_val_if_fail(VMDS_IS_PLUGIN(self), NULL);
	return priv->context;
}

/**
 * vmds_plugin_set_context:
 * @self: a #VmdsPlugin
 * @context: the daemon; it outlives the plugin
 */
void
vmds_plugin_set_context(VmdsPlugin *self, VmdsContext *context)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(self);
	g_return_if_fail(VMDS_IS_PLUGIN(self));
	priv->context = context;
}

/**
 * vmds_plugin_add_command:
 * @self: a #VmdsPlugin
 * @name: the guest RPC command name, e.g. `datasets-list`
 * @func: its handler
 * @flags: #VmdsCommandFlags
 *
 * Registers a guest RPC command; call from startup().
 */
void
vmds_plugin_add_command(VmdsPlugin *self,
			const gchar *name,
			VmdsCommandFunc func,
			VmdsCommandFlags flags)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(self);
	VmdsCommand *command;

	g_return_if_fail(VMDS_IS_PLUGIN(self));
	g_return_if_fail(name != NULL && func != NULL);

	command = g_new0(VmdsCommand, 1);
	command->name = g_strdup(name);
	command->func = func;
	command->flags = flags;
	command->plugin = self;
	g_ptr_array_add(priv->commands, command);
}

/**
 * vmds_plugin_add_route:
 * @self: a #VmdsPlugin
 * @method: the HTTP method, e.g. `GET`
 * @pattern: the path, with `{name}` for a parameter segment, e.g.
 *   `/api/vcenter/vm/{vm}/data-sets/{data_set}`, and a last `{name*}` for
 *   a parameter that takes the rest of the path, slashes and all
 * @func: its handler
 * @flags: #VmdsRouteFlags
 *
 * Registers a REST route; call from startup(). A route with `{vm}` is
 * answered 404 for an unknown VM, and (unless %VMDS_ROUTE_FLAG_NO_STORE)
 * 400 not-allowed-in-current-state for a VM whose store is not open,
 * before @func runs.
 */
void
vmds_plugin_add_route(VmdsPlugin *self,
		      const gchar *method,
		      const gchar *pattern,
		      VmdsRouteFunc func,
		      VmdsRouteFlags flags)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(self);
	VmdsRoute *route;

	g_return_if_fail(VMDS_IS_PLUGIN(self));
	g_return_if_fail(method != NULL && pattern != NULL && func != NULL);

	route = g_new0(VmdsRoute, 1);
	route->method = g_strdup(method);
	route->pattern = g_strdup(pattern);
	route->func = func;
	route->flags = flags;
	route->plugin = self;
	g_ptr_array_add(priv->routes, route);
}

/**
 * vmds_plugin_add_schema:
 * @self: a #VmdsPlugin
 * @schema: (transfer none): the tables the plugin keeps in every VM's
 *   store; static, it must outlive the plugin
 *
 * Registers a store schema; call from startup(). Every store is opened
 * with the schemas of all plugins, and migrated to their newest versions.
 */
void
vmds_plugin_add_schema(VmdsPlugin *self, const VmdsStoreSchema *schema)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(self);

	g_return_if_fail(VMDS_IS_PLUGIN(self));
	g_return_if_fail(schema != NULL && schema->component != NULL);
	g_return_if_fail(schema->steps != NULL || schema->n_steps == 0);

	g_ptr_array_add(priv->schemas, (gpointer)schema);
}

/**
 * vmds_plugin_get_commands:
 * @self: a #VmdsPlugin
 *
 * Returns: (transfer none) (element-type VmdsCommand): the registered commands
 */
GPtrArray *
vmds_plugin_get_commands(VmdsPlugin *self)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(self);
	g_return_val_if_fail(VMDS_IS_PLUGIN(self), NULL);
	return priv->commands;
}

/**
 * vmds_plugin_get_routes:
 * @self: a #VmdsPlugin
 *
 * Returns: (transfer none) (element-type VmdsRoute): the registered routes
 */
GPtrArray *
vmds_plugin_get_routes(VmdsPlugin *self)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(self);
	g_return_val_if_fail(VMDS_IS_PLUGIN(self), NULL);
	return priv->routes;
}

/**
 * vmds_plugin_get_schemas:
 * @self: a #VmdsPlugin
 *
 * Returns: (transfer none) (element-type VmdsStoreSchema): the registered
 *   schemas
 */
GPtrArray *
vmds_plugin_get_schemas(VmdsPlugin *self)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(self);
	g_return_val_if_fail(VMDS_IS_PLUGIN(self), NULL);
	return priv->schemas;
}

/**
 * vmds_plugin_configure:
 * @self: a #VmdsPlugin
 * @config: the configuration file
 * @error: a #GError or %NULL
 *
 * Returns: %TRUE when the plugin took its settings from @config
 */
gboolean
vmds_plugin_configure(VmdsPlugin *self, GKeyFile *config, GError **error)
{
	VmdsPluginClass *klass;

	g_return_val_if_fail(VMDS_IS_PLUGIN(self), FALSE);
	g_return_val_if_fail(config != NULL, FALSE);

	klass = VMDS_PLUGIN_GET_CLASS(self);
	if (klass->configure == NULL) {
		/* a plugin without settings: its group, if there, must be empty */
		g_auto(GStrv) names =
		    g_key_file_get_keys(config, vmds_plugin_get_name(self), NULL, NULL);
		if (names != NULL && names[0] != NULL) {
			g_set_error(error,
				    G_KEY_FILE_ERROR,
				    G_KEY_FILE_ERROR_KEY_NOT_FOUND,
				    "unknown key '%s' in group [%s]: it takes no settings",
				    names[0],
				    vmds_plugin_get_name(self));
			return FALSE;
		}
		return TRUE;
	}
	return klass->configure(self, config, error);
}

/**
 * vmds_plugin_startup:
 * @self: a #VmdsPlugin
 * @error: a #GError or %NULL
 *
 * Returns: %TRUE when the plugin registered what it serves
 */
gboolean
vmds_plugin_startup(VmdsPlugin *self, GError **error)
{
	VmdsPluginClass *klass;

	g_return_val_if_fail(VMDS_IS_PLUGIN(self), FALSE);
	klass = VMDS_PLUGIN_GET_CLASS(self);
	if (klass->startup == NULL)
		return TRUE;
	return klass->startup(self, error);
}

/**
 * vmds_plugin_shutdown:
 * @self: a #VmdsPlugin
 */
void
vmds_plugin_shutdown(VmdsPlugin *self)
{
	VmdsPluginClass *klass;

	g_return_if_fail(VMDS_IS_PLUGIN(self));
	klass = VMDS_PLUGIN_GET_CLASS(self);
	if (klass->shutdown != NULL)
		klass->shutdown(self);
}

static void
vmds_plugin_get_property(GObject *obj, guint prop_id, GValue *value, GParamSpec *pspec)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(VMDS_PLUGIN(obj));
	switch (prop_id) {
	case PROP_NAME:
		g_value_set_string(value, priv->name);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
		break;
	}
}

static void
vmds_plugin_set_property(GObject *obj, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(VMDS_PLUGIN(obj));
	switch (prop_id) {
	case PROP_NAME:
		g_free(priv->name);
		priv->name = g_value_dup_string(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(obj, prop_id, pspec);
		break;
	}
}

static void
vmds_plugin_init(VmdsPlugin *self)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(self);
	priv->commands = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_command_free);
	priv->routes = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_route_free);
	priv->schemas = g_ptr_array_new();
}

static void
vmds_plugin_finalize(GObject *obj)
{
	VmdsPluginPrivate *priv = GET_PRIVATE(VMDS_PLUGIN(obj));
	g_free(priv->name);
	g_ptr_array_unref(priv->commands);
	g_ptr_array_unref(priv->routes);
	g_ptr_array_unref(priv->schemas);
	G_OBJECT_CLASS(vmds_plugin_parent_class)->finalize(obj);
}

static void
vmds_plugin_class_init(VmdsPluginClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->get_property = vmds_plugin_get_property;
	object_class->set_property = vmds_plugin_set_property;
	object_class->finalize = vmds_plugin_finalize;
	g_object_class_install_property(object_class,
					PROP_NAME,
					g_param_spec_string("name",
							    NULL,
							    NULL,
							    NULL,
							    G_PARAM_READWRITE |
								G_PARAM_CONSTRUCT_ONLY |
								G_PARAM_STATIC_STRINGS));
}

/**
 * vmds_request_set_stream:
 * @request: a #VmdsRequest being answered
 * @func: writes each part of the body after the one in @request's response
 * @data: for @func; the request owns it from now on
 * @free_func: (nullable): frees @data
 *
 * Makes the reply a body sent a part at a time: what the route wrote into
 * the response goes first, then each part @func writes, once the one before
 * was sent.
 */
void
vmds_request_set_stream(VmdsRequest *request,
			VmdsStreamFunc func,
			gpointer data,
			GDestroyNotify free_func)
{
	g_return_if_fail(request != NULL);
	g_return_if_fail(func != NULL);

	vmds_stream_clear(&request->stream);
	request->stream.func = func;
	request->stream.data = data;
	request->stream.free = free_func;
}

/**
 * vmds_stream_clear:
 * @stream: a #VmdsStream
 *
 * Frees the stream's data and empties it.
 */
void
vmds_stream_clear(VmdsStream *stream)
{
	if (stream->free != NULL && stream->data != NULL)
		stream->free(stream->data);
	stream->func = NULL;
	stream->data = NULL;
	stream->free = NULL;
}

/**
 * vmds_call_defer:
 * @call: the #VmdsCall being run
 * @timeout_ms: how long the guest may wait, at most; 0 for no deadline
 *   (the guest's own timeout, or its going, still ends the wait)
 *
 * Answers the call later: the command returns %TRUE now, keeps the
 * returned reference, and once it can, writes its reply into
 * vmds_deferred_get_reply() and calls vmds_deferred_return(). Meanwhile the
 * connection, the VM and the daemon go on serving others. At the deadline
 * the guest gets %VMDS_ERROR_TIMED_OUT; when it is no longer wanted, the
 * deferred's cancellable is cancelled and a return does nothing.
 *
 * A call may be run again should its group fail to commit: the deferral of
 * the first run is then cancelled.
 *
 * Returns: (transfer full): the reply to come
 */
VmdsDeferred *
vmds_call_defer(VmdsCall *call, guint timeout_ms)
{
	g_return_val_if_fail(call != NULL, NULL);
	g_return_val_if_fail(call->deferred == NULL, NULL);

	call->deferred = vmds_deferred_new(timeout_ms);
	return vmds_deferred_ref(call->deferred);
}

/**
 * vmds_request_defer:
 * @request: the #VmdsRequest being answered
 * @timeout_ms: how long the client may wait, at most
 *   %VMDS_REQUEST_DEFER_MAX_MS; 0 for that
 *
 * As vmds_call_defer(), for a REST route: the reply's status is set with
 * vmds_deferred_set_status() and its body written into
 * vmds_deferred_get_reply(). The HTTP message waits, paused, meanwhile, and
 * its connection is kept as long: a REST client that goes away while it
 * waits is not noticed before the deadline, so every REST deferral has one.
 *
 * Returns: (transfer full): the reply to come
 */
VmdsDeferred *
vmds_request_defer(VmdsRequest *request, guint timeout_ms)
{
	g_return_val_if_fail(request != NULL, NULL);
	g_return_val_if_fail(request->deferred == NULL, NULL);

	if (timeout_ms == 0 || timeout_ms > VMDS_REQUEST_DEFER_MAX_MS)
		timeout_ms = VMDS_REQUEST_DEFER_MAX_MS;
	request->deferred = vmds_deferred_new(timeout_ms);
	return vmds_deferred_ref(request->deferred);
}

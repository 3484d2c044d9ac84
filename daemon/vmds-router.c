/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-router.h"

/*
 * REST routing, without a transport: a request's method, decoded path, query
 * and body go to the plugin route that matches, and a failure becomes a
 * vSphere-style error body. The HTTP server feeds it; so can a fuzzer.
 */

struct _VmdsRouter {
	VmdsInventory *inventory; /* not owned */
	GPtrArray *routes;	  /* of VmdsRoute, not owned */
};

/**
 * vmds_router_error_body:
 * @out: where the body goes
 * @area: what failed, e.g. `datasets`; the message id is `vmds.<area>.<error>`
 * @error: the failure
 *
 * Writes `{"error_type":...,"messages":[{"id","default_message","args"}]}`.
 *
 * Returns: the HTTP status of @error
 */
guint
vmds_router_error_body(GString *out, const gchar *area, const GError *error)
{
	g_autofree gchar *id = g_strdup_printf("vmds.%s.%s", area, vmds_error_to_error_id(error));

	g_strdelimit(id, "-", '_');
	g_string_truncate(out, 0);
	g_string_append(out, "{\"error_type\":");
	vmds_json_append_string(out, vmds_error_to_error_type(error), -1);
	g_string_append(out, ",\"messages\":[{\"id\":");
	vmds_json_append_string(out, id, -1);
	g_string_append(out, ",\"default_message\":");
	vmds_json_append_string(out, error->message, -1);
	g_string_append(out, ",\"args\":[]}]}");
	return vmds_error_to_http_status(error);
}

static guint
vmds_router_fail(GString *out, const gchar *area, gint code, const gchar *message)
{
	g_autoptr(GError) error = g_error_new_literal(VMDS_ERROR, code, message);
	return vmds_router_error_body(out, area, error);
}

/* the path segments of @path, without empty ones (a trailing slash is fine) */
static GPtrArray *
vmds_router_split_path(const gchar *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	GPtrArray *segments = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] != '\0')
			g_ptr_array_add(segments, g_strdup(parts[i]));
	}
	return segments;
}

/*
 * TRUE when @route's pattern matches @path; its parameters go into @params.
 * libsoup hands over the path percent-decoded, so a `{name}` parameter is
 * one segment, and a final `{name*}` takes the rest of the path as it is:
 * a key sent as `a%2Fb` arrives as `a/b` and is still one key.
 */
static gboolean
vmds_router_match(VmdsRoute *route, const gchar *path, GHashTable *params, GError **error)
{
	g_autoptr(GPtrArray) pattern = vmds_router_split_path(route->pattern);
	const gchar *p = path;

	for (guint i = 0; i < pattern->len; i++) {
		const gchar *seg = g_ptr_array_index(pattern, i);
		gsize seg_len = strlen(seg);
		const gchar *end;
		while (*p == '/')
			p++;
		if (*p == '\0')
			return FALSE;
		if (seg[0] == '{' && seg[seg_len - 2] == '*') {
			g_hash_table_insert(params, g_strndup(seg + 1, seg_len - 3), g_strdup(p));
			p += strlen(p);
			break;
		}
		end = strchr(p, '/');
		if (end == NULL)
			end = p + strlen(p);
		if (seg[0] == '{')
			g_hash_table_insert(params,
					    g_strndup(seg + 1, seg_len - 2),
					    g_strndup(p, (gsize)(end - p)));
		else if ((gsize)(end - p) != seg_len || strncmp(p, seg, seg_len) != 0)
			return FALSE;
		p = end;
	}
	/* one trailing slash is fine: `/data-sets/` is `/data-sets` */
	if (!(p[0] == '\0' || (p[0] == '/' && p[1] == '\0')))
		return FALSE;
	if (!g_utf8_validate(path, -1, NULL)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "the path is not valid percent-encoded UTF-8");
	}
	return TRUE;
}

/**
 * vmds_router_handle:
 * @self: a #VmdsRouter
 * @method: the HTTP method
 * @path: the request path, percent-decoded (as libsoup gives it)
 * @query: (nullable): the raw query string
 * @body: the request body, NUL-terminated
 * @body_len: its length
 * @response: (out caller-allocates): the response body: JSON, or empty
 * @stream: (out caller-allocates): empty, or what writes the rest of the
 *   body after @response (#VmdsRequest.stream); the caller owns it
 *
 * Returns: the HTTP status
 */
guint
vmds_router_handle(VmdsRouter *self,
		   const gchar *method,
		   const gchar *path,
		   const gchar *query,
		   const gchar *body,
		   gsize body_len,
		   GString *response,
		   VmdsStream *stream)
{
	g_autoptr(GHashTable) params =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GHashTable) query_params = NULL;
	g_autoptr(GError) error = NULL;
	VmdsRoute *route = NULL;
	gboolean path_known = FALSE;
	VmdsRequest request = {0};
	const gchar *area;

	g_string_truncate(response, 0);
	*stream = (VmdsStream){0};
	/* every message below may name the path */
	if (!g_utf8_validate(path, -1, NULL)) {
		return vmds_router_fail(response,
					"http",
					VMDS_ERROR_INVALID_ARGUMENT,
					"the path is not valid percent-encoded UTF-8");
	}
	for (guint i = 0; i < self->routes->len && route == NULL; i++) {
		VmdsRoute *candidate = g_ptr_array_index(self->routes, i);
		g_hash_table_remove_all(params);
		if (!vmds_router_match(candidate, path, params, &error))
			continue;
		if (error != NULL)
			return vmds_router_error_body(response, "http", error);
		path_known = TRUE;
		if (g_strcmp0(candidate->method, method) == 0)
			route = candidate;
	}
	if (route == NULL) {
		g_autofree gchar *message = NULL;
		if (path_known) {
			message = g_strdup_printf("%s is not supported on %s", method, path);
			return vmds_router_fail(response, "http", VMDS_ERROR_UNSUPPORTED, message);
		}
		message = g_strdup_printf("no such resource: %s", path);
		return vmds_router_fail(response, "http", VMDS_ERROR_NOT_FOUND, message);
	}
	area = route->plugin != NULL ? vmds_plugin_get_name(route->plugin) : "http";
	if (query != NULL) {
		query_params = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL);
		if (query_params == NULL) {
			return vmds_router_fail(response,
						area,
						VMDS_ERROR_INVALID_ARGUMENT,
						"invalid query: each parameter is NAME=VALUE, "
						"percent-encoded");
		}
	}
	request.vm = g_hash_table_lookup(params, "vm");
	if (request.vm != NULL) {
		VmdsVm *vm = vmds_inventory_lookup(self->inventory, request.vm);
		if (vm == NULL) {
			g_autofree gchar *message = g_strdup_printf("no VM '%s'", request.vm);
			return vmds_router_fail(response, area, VMDS_ERROR_NOT_FOUND, message);
		}
		if (vm->store == NULL) {
			return vmds_router_fail(response,
						area,
						VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE,
						vm->unavailable);
		}
		request.store = vm->store;
	}
	request.method = method;
	request.params = params;
	request.query = query_params;
	request.body = body;
	request.body_len = body_len;
	request.status = 200;
	request.response = response;
	if (!route->func(route->plugin, &request, &error)) {
		vmds_stream_clear(&request.stream);
		if (error == NULL)
			error = g_error_new(VMDS_ERROR, VMDS_ERROR_INTERNAL, "%s failed", method);
		g_info("%s %s: %s", method, path, error->message);
		return vmds_router_error_body(response, area, error);
	}
	*stream = request.stream;
	return request.status;
}

/**
 * vmds_router_add_routes:
 * @self: a #VmdsRouter
 * @routes: (element-type VmdsRoute): routes a plugin registered; borrowed
 */
void
vmds_router_add_routes(VmdsRouter *self, GPtrArray *routes)
{
	g_ptr_array_extend(self->routes, routes, NULL, NULL);
}

/**
 * vmds_router_new:
 * @inventory: the VMs that `{vm}` names
 *
 * Returns: (transfer full): a router with no routes
 */
VmdsRouter *
vmds_router_new(VmdsInventory *inventory)
{
	VmdsRouter *self = g_new0(VmdsRouter, 1);
	self->inventory = inventory;
	self->routes = g_ptr_array_new();
	return self;
}

void
vmds_router_free(VmdsRouter *self)
{
	if (self == NULL)
		return;
	g_ptr_array_unref(self->routes);
	g_free(self);
}

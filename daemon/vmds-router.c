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
 *
 * It is also where who may reach what is enforced, once for every route:
 * a route flagged VMDS_ROUTE_FLAG_ADMINISTRATOR answers anyone else 403,
 * and a VM of `{vm}` the caller may not see (vmds_caller_can_see_vm())
 * answers exactly as a VM that does not exist, before the route runs.
 */

struct _VmdsRouter {
	VmdsContext *context; /* not owned */
	GPtrArray *routes;    /* of VmdsRoute, not owned */
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

/* the path segments of a route pattern */
static GPtrArray *
vmds_router_split_pattern(const gchar *pattern)
{
	g_auto(GStrv) parts = g_strsplit(pattern, "/", -1);
	GPtrArray *segments = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] != '\0')
			g_ptr_array_add(segments, g_strdup(parts[i]));
	}
	return segments;
}

/* @len bytes of a path as sent, percent-decoded; NULL with @error when the
 * escapes are bad, one is %00, or the result is not UTF-8 */
static gchar *
vmds_router_decode(const gchar *raw, gsize len, GError **error)
{
	g_autofree gchar *text = g_strndup(raw, len);
	g_autofree gchar *value = g_uri_unescape_string(text, NULL);

	if (value == NULL || !g_utf8_validate(value, -1, NULL)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "the path is not valid percent-encoded UTF-8");
		return NULL;
	}
	return g_steal_pointer(&value);
}

/*
 * TRUE when @route's pattern matches @path, the path as the client sent it
 * (percent-encoded); its parameters, decoded, go into @params. A `{name}`
 * parameter is one segment, so `%2F` in it is part of the value; a final
 * `{name*}` takes the rest of the path, its slashes included: the key `a/b`
 * may be sent as `a/b` or `a%2Fb`, and `%2Fetc%2Fapp.conf` (or `/etc/app.conf`
 * after the slash that ends `entries/`) is the key `/etc/app.conf`. @error is
 * set when the path matches but a parameter cannot be decoded.
 */
static gboolean
vmds_router_match(VmdsRoute *route, const gchar *path, GHashTable *params, GError **error)
{
	g_autoptr(GPtrArray) pattern = vmds_router_split_pattern(route->pattern);
	const gchar *p = path;

	for (guint i = 0; i < pattern->len; i++) {
		const gchar *seg = g_ptr_array_index(pattern, i);
		gsize seg_len = strlen(seg);
		const gchar *end;
		gchar *value;

		/* one slash between segments: an empty one matches nothing */
		if (*p != '/' || p[1] == '\0' || p[1] == '/')
			return FALSE;
		p++;
		if (seg[0] == '{' && seg[seg_len - 2] == '*') {
			value = vmds_router_decode(p, strlen(p), error);
			if (value == NULL)
				return TRUE;
			g_hash_table_insert(params, g_strndup(seg + 1, seg_len - 3), value);
			p += strlen(p);
			break;
		}
		end = strchr(p, '/');
		if (end == NULL)
			end = p + strlen(p);
		if (seg[0] != '{') {
			if ((gsize)(end - p) != seg_len || strncmp(p, seg, seg_len) != 0)
				return FALSE;
		} else {
			value = vmds_router_decode(p, (gsize)(end - p), error);
			if (value == NULL)
				return TRUE;
			g_hash_table_insert(params, g_strndup(seg + 1, seg_len - 2), value);
		}
		p = end;
	}
	/* one trailing slash is fine: `/data-sets/` is `/data-sets` */
	return p[0] == '\0' || (p[0] == '/' && p[1] == '\0');
}

/* a `.` or `..` segment: a client is to resolve those before it sends a
 * path, and one that did not meant something else than it wrote (the HTTP
 * listener refuses them first, percent-encoded too; this is for every
 * other caller) */
static gboolean
vmds_router_has_dot_segment(const gchar *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);

	for (guint i = 0; parts[i] != NULL; i++) {
		if (g_strcmp0(parts[i], ".") == 0 || g_strcmp0(parts[i], "..") == 0)
			return TRUE;
	}
	return FALSE;
}

/* the query's parameters, decoded; each may be given once (which of two
 * was meant cannot be told: `?force=false&force=true`) */
static GHashTable *
vmds_router_parse_query(const gchar *query, GError **error)
{
	g_autoptr(GHashTable) params =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GError) local = NULL;
	GUriParamsIter iter;
	gchar *name;
	gchar *value;

	g_uri_params_iter_init(&iter, query, -1, "&", G_URI_PARAMS_NONE);
	while (g_uri_params_iter_next(&iter, &name, &value, &local)) {
		if (g_hash_table_contains(params, name)) {
			g_autofree gchar *valid = g_utf8_make_valid(name, -1);
			g_autofree gchar *quoted = vmds_json_abbreviate(valid);
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "invalid query: the parameter '%s' is given twice",
				    quoted);
			g_free(name);
			g_free(value);
			return NULL;
		}
		g_hash_table_insert(params, name, value);
	}
	if (local != NULL) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "invalid query: each parameter is NAME=VALUE, percent-encoded");
		return NULL;
	}
	return g_steal_pointer(&params);
}

/**
 * vmds_router_handle:
 * @self: a #VmdsRouter
 * @method: the HTTP method
 * @path: the request path as the client sent it, percent-encoded
 * @query: (nullable): the raw query string
 * @body: the request body, NUL-terminated
 * @body_len: its length
 * @body_fd: the body in a file (#VmdsRequest.body_fd), or -1
 * @response: (out caller-allocates): the response body: JSON, or empty
 * @stream: (out caller-allocates): empty, or what writes the rest of the
 *   body after @response (#VmdsRequest.stream); the caller owns it
 * @later: (out caller-allocates): set when the route deferred its reply:
 *   the caller owns @later->deferred, starts it, and once it completes
 *   writes the reply with vmds_router_finish()
 *
 * vmds_router_handle_as() for a caller with every right, as a trusted
 * local peer has (a fuzzer, a test).
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
		   gint body_fd,
		   GString *response,
		   VmdsStream *stream,
		   VmdsRouterLater *later)
{
	const VmdsCaller caller = {.user = "root", .administrator = TRUE, .vcenter_metadata = TRUE};

	return vmds_router_handle_as(
	    self, &caller, method, path, query, body, body_len, body_fd, response, stream, later);
}

/**
 * vmds_router_handle_as:
 * @self: a #VmdsRouter
 * @caller: who makes the request: what it may reach is checked here
 * @method: the HTTP method
 * @path: the request path as the client sent it, percent-encoded
 * @query: (nullable): the raw query string
 * @body: the request body, NUL-terminated
 * @body_len: its length
 * @body_fd: the body in a file (#VmdsRequest.body_fd), or -1
 * @response: (out caller-allocates): the response body: JSON, or empty
 * @stream: (out caller-allocates): empty, or what writes the rest of the
 *   body after @response (#VmdsRequest.stream); the caller owns it
 * @later: (out caller-allocates): set when the route deferred its reply:
 *   the caller owns @later->deferred, starts it, and once it completes
 *   writes the reply with vmds_router_finish()
 *
 * Runs the route that matches. Before it runs: a route for administrators
 * only (%VMDS_ROUTE_FLAG_ADMINISTRATOR) answers anyone else
 * `403 UNAUTHORIZED`, whatever VM its path names; a VM of `{vm}` that
 * @caller may not see answers `404 NOT_FOUND` with the very body of a VM
 * that does not exist.
 *
 * Returns: the HTTP status
 */
guint
vmds_router_handle_as(VmdsRouter *self,
		      const VmdsCaller *caller,
		      const gchar *method,
		      const gchar *path,
		      const gchar *query,
		      const gchar *body,
		      gsize body_len,
		      gint body_fd,
		      GString *response,
		      VmdsStream *stream,
		      VmdsRouterLater *later)
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
	later->deferred = NULL;
	/* every message below may name the path */
	if (!g_utf8_validate(path, -1, NULL)) {
		return vmds_router_fail(response,
					"http",
					VMDS_ERROR_INVALID_ARGUMENT,
					"the path is not valid percent-encoded UTF-8");
	}
	if (vmds_router_has_dot_segment(path)) {
		return vmds_router_fail(
		    response, "http", VMDS_ERROR_INVALID_ARGUMENT, VMDS_ROUTER_DOT_SEGMENT_MESSAGE);
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
			/* a method is whatever came before the first blank */
			g_autofree gchar *valid = g_utf8_make_valid(method, -1);
			g_autofree gchar *quoted = vmds_json_abbreviate(valid);
			message = g_strdup_printf("%s is not supported on %s", quoted, path);
			return vmds_router_fail(response, "http", VMDS_ERROR_UNSUPPORTED, message);
		}
		message = g_strdup_printf("no such resource: %s", path);
		return vmds_router_fail(response, "http", VMDS_ERROR_NOT_FOUND, message);
	}
	area = route->plugin != NULL ? vmds_plugin_get_name(route->plugin) : "http";
	if (query != NULL) {
		query_params = vmds_router_parse_query(query, &error);
		if (query_params == NULL)
			return vmds_router_error_body(response, area, error);
	}
	if ((route->flags & VMDS_ROUTE_FLAG_ADMINISTRATOR) != 0 && !caller->administrator) {
		g_autofree gchar *message =
		    g_strdup_printf("only administrators may use %s %s", method, route->pattern);
		return vmds_router_fail(response, area, VMDS_ERROR_ACCESS_DENIED, message);
	}
	request.vm = g_hash_table_lookup(params, "vm");
	if (request.vm != NULL) {
		VmdsVm *vm = vmds_context_lookup_vm(self->context, request.vm);
		/* another user's VM is absent: the same status, the same body */
		if (vm != NULL && !vmds_caller_can_see_vm(caller, vm))
			vm = NULL;
		if (vm == NULL) {
			g_autofree gchar *message = g_strdup_printf("no VM '%s'", request.vm);
			return vmds_router_fail(response, area, VMDS_ERROR_NOT_FOUND, message);
		}
		if (vm->store == NULL && (route->flags & VMDS_ROUTE_FLAG_NO_STORE) == 0) {
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
	request.body_fd = body_fd;
	request.status = 200;
	request.response = response;
	request.caller = *caller;
	if (!route->func(route->plugin, &request, &error)) {
		vmds_stream_clear(&request.stream);
		if (request.deferred != NULL) {
			vmds_deferred_cancel(request.deferred);
			vmds_deferred_unref(request.deferred);
		}
		if (error == NULL)
			error = g_error_new(VMDS_ERROR, VMDS_ERROR_INTERNAL, "%s failed", method);
		g_info("%s %s: %s", method, path, error->message);
		return vmds_router_error_body(response, area, error);
	}
	*stream = request.stream;
	later->deferred = request.deferred;
	later->area = area;
	return request.status;
}

/**
 * vmds_router_finish:
 * @later: a reply vmds_router_handle() deferred
 * @error: (nullable): why it failed, or %NULL when its reply is there
 * @response: (out caller-allocates): the response body
 *
 * Returns: the HTTP status
 */
guint
vmds_router_finish(const VmdsRouterLater *later, const GError *error, GString *response)
{
	GString *written = vmds_deferred_get_reply(later->deferred);

	if (error != NULL)
		return vmds_router_error_body(response, later->area, error);
	g_string_truncate(response, 0);
	g_string_append_len(response, written->str, (gssize)written->len);
	return vmds_deferred_get_status(later->deferred);
}

/**
 * vmds_router_add_routes:
 * @self: a #VmdsRouter
 * @routes: (element-type VmdsRoute): routes a plugin registered; borrowed
 *
 * A route whose method and pattern another plugin registered first is left
 * out, with a warning.
 */
void
vmds_router_add_routes(VmdsRouter *self, GPtrArray *routes)
{
	for (guint i = 0; i < routes->len; i++) {
		VmdsRoute *route = g_ptr_array_index(routes, i);
		gboolean taken = FALSE;
		for (guint j = 0; j < self->routes->len && !taken; j++) {
			VmdsRoute *other = g_ptr_array_index(self->routes, j);
			taken = g_strcmp0(other->method, route->method) == 0 &&
				g_strcmp0(other->pattern, route->pattern) == 0;
		}
		/* the first plugin to register a route keeps it */
		if (taken) {
			g_warning("plugin %s: route %s %s is already registered",
				  route->plugin != NULL ? vmds_plugin_get_name(route->plugin) : "?",
				  route->method,
				  route->pattern);
			continue;
		}
		g_ptr_array_add(self->routes, route);
	}
}

/**
 * vmds_router_get_routes:
 * @self: a #VmdsRouter
 *
 * Returns: (transfer none) (element-type VmdsRoute): the routes requests
 *   are matched against, in that order
 */
GPtrArray *
vmds_router_get_routes(VmdsRouter *self)
{
	return self->routes;
}

/**
 * vmds_router_new:
 * @context: the daemon, whose VMs `{vm}` names
 *
 * Returns: (transfer full): a router with no routes
 */
VmdsRouter *
vmds_router_new(VmdsContext *context)
{
	VmdsRouter *self = g_new0(VmdsRouter, 1);
	self->context = context;
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

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

/* why a path with a `.` or `..` segment is refused (400 INVALID_ARGUMENT):
 * the HTTP listener refuses those it saw as sent, dots percent-encoded or
 * not, before libsoup resolved them; the router those it is handed */
#define VMDS_ROUTER_DOT_SEGMENT_MESSAGE                                                            \
	"a path may not have '.' or '..' segments, not even percent-encoded (%2E): name a key "    \
	"like that with .../entries?key=KEY"

typedef struct _VmdsRouter VmdsRouter;

/**
 * VmdsRouterLater:
 * @deferred: the reply to come; the caller starts it
 * @area: what the route belongs to, for an error body
 */
typedef struct {
	VmdsDeferred *deferred;
	const gchar *area;
} VmdsRouterLater;

VmdsRouter *vmds_router_new(VmdsContext *context);
void vmds_router_free(VmdsRouter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsRouter, vmds_router_free)

void vmds_router_add_routes(VmdsRouter *self, GPtrArray *routes);
GPtrArray *vmds_router_get_routes(VmdsRouter *self);
guint vmds_router_handle_as(VmdsRouter *self,
			    const VmdsCaller *caller,
			    const gchar *method,
			    const gchar *path,
			    const gchar *query,
			    const gchar *body,
			    gsize body_len,
			    gint body_fd,
			    GString *response,
			    VmdsStream *stream,
			    VmdsRouterLater *later);
guint vmds_router_handle(VmdsRouter *self,
			 const gchar *method,
			 const gchar *path,
			 const gchar *query,
			 const gchar *body,
			 gsize body_len,
			 gint body_fd,
			 GString *response,
			 VmdsStream *stream,
			 VmdsRouterLater *later);
guint vmds_router_finish(const VmdsRouterLater *later, const GError *error, GString *response);
guint vmds_router_error_body(GString *out, const gchar *area, const GError *error);

G_END_DECLS

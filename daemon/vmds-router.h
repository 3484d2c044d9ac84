/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-inventory.h"

G_BEGIN_DECLS

typedef struct _VmdsRouter VmdsRouter;

VmdsRouter *vmds_router_new(VmdsInventory *inventory);
void vmds_router_free(VmdsRouter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsRouter, vmds_router_free)

void vmds_router_add_routes(VmdsRouter *self, GPtrArray *routes);
guint vmds_router_handle(VmdsRouter *self,
			 const gchar *method,
			 const gchar *path,
			 const gchar *query,
			 const gchar *body,
			 gsize body_len,
			 GString *response,
			 VmdsStream *stream);
guint vmds_router_error_body(GString *out, const gchar *area, const GError *error);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-config.h"
#include "vmds-router.h"
#include "vmds-users.h"
#include "vmds.h"

G_BEGIN_DECLS

#define VMDS_TYPE_HTTP (vmds_http_get_type())
G_DECLARE_FINAL_TYPE(VmdsHttp, vmds_http, VMDS, HTTP, GObject)

VmdsHttp *vmds_http_new(VmdsContext *context, VmdsUsers *users);
void vmds_http_set_config(VmdsHttp *self, const VmdsConfig *config);
void vmds_http_set_credentials(VmdsHttp *self, const gchar *username, const gchar *password);
void vmds_http_add_routes(VmdsHttp *self, GPtrArray *routes);
VmdsRouter *vmds_http_get_router(VmdsHttp *self);
gboolean vmds_http_listen(VmdsHttp *self, const VmdsConfig *config, GError **error);
const gchar *vmds_http_get_url(VmdsHttp *self);
void vmds_http_close(VmdsHttp *self);

G_END_DECLS

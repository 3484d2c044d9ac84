/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

gboolean vmds_migration_routes_export(VmdsPlugin *plugin, VmdsRequest *request, GError **error);
gboolean vmds_migration_routes_import(VmdsPlugin *plugin, VmdsRequest *request, GError **error);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

/* plugin modules are named libvmds-plugin-<name>.so */
#define VMDS_PLUGIN_PREFIX "libvmds-plugin-"

VmdsPlugin *vmds_plugin_loader_open(const gchar *path, GError **error);
VmdsPlugin *vmds_plugin_loader_open_fd(gint fd, const gchar *path, GError **error);
GPtrArray *vmds_plugin_loader_load_dirs(const gchar *dirs, GError **error);

G_END_DECLS

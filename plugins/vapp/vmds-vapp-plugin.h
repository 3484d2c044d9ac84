/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

#define VMDS_TYPE_VAPP_PLUGIN (vmds_vapp_plugin_get_type())
G_DECLARE_FINAL_TYPE(VmdsVappPlugin, vmds_vapp_plugin, VMDS, VAPP_PLUGIN, VmdsPlugin)

/* the VM's ISO image of its environment, in its directory */
#define VMDS_VAPP_ISO_NAME "ovf-env.iso"

gchar *vmds_vapp_plugin_iso_path(VmdsVm *vm);
gboolean vmds_vapp_plugin_sync_iso(VmdsVm *vm, GError **error);
void vmds_vapp_rest_add_routes(VmdsPlugin *plugin);

G_END_DECLS

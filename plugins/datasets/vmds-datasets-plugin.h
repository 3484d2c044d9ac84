/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-datasets.h"

G_BEGIN_DECLS

#define VMDS_TYPE_DATASETS_PLUGIN (vmds_datasets_plugin_get_type())
G_DECLARE_FINAL_TYPE(VmdsDatasetsPlugin, vmds_datasets_plugin, VMDS, DATASETS_PLUGIN, VmdsPlugin)

const VmdsDatasetsLimits *vmds_datasets_plugin_get_limits(VmdsPlugin *plugin);

/* the two adapters over the engine */
void vmds_datasets_guest_register(VmdsPlugin *plugin);
void vmds_datasets_rest_register(VmdsPlugin *plugin);

G_END_DECLS

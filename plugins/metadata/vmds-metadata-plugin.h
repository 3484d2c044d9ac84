/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

#define VMDS_TYPE_METADATA_PLUGIN (vmds_metadata_plugin_get_type())
G_DECLARE_FINAL_TYPE(VmdsMetadataPlugin, vmds_metadata_plugin, VMDS, METADATA_PLUGIN, VmdsPlugin)

typedef struct _VmdsMetadataVcenter VmdsMetadataVcenter;

const VmdsMetadataVcenter *vmds_metadata_plugin_get_vcenter(VmdsMetadataPlugin *self);

void vmds_metadata_rest_add_routes(VmdsPlugin *plugin);
void vmds_metadata_rest_describe_vm(VmdsVm *vm, const VmdsCaller *caller, GString *out);

G_END_DECLS

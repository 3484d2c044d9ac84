/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-metadata.h"

G_BEGIN_DECLS

typedef struct _VmdsMetadataVcenter VmdsMetadataVcenter;

VmdsMetadataVcenter *vmds_metadata_vcenter_new(GKeyFile *config, GError **error);
void vmds_metadata_vcenter_free(VmdsMetadataVcenter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsMetadataVcenter, vmds_metadata_vcenter_free)

gboolean vmds_metadata_vcenter_is_restricted(const VmdsMetadataVcenter *self);
gboolean vmds_metadata_vcenter_check(const VmdsMetadataVcenter *self,
				     const VmdsMetadataEntry *entry,
				     GError **error);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-metadata-index.h"

G_BEGIN_DECLS

void vmds_metadata_query_add_routes(VmdsPlugin *plugin, VmdsMetadataIndex *index);

G_END_DECLS

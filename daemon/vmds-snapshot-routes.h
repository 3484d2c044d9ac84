/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

void vmds_snapshot_routes_add(VmdsPlugin *plugin);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

/* bytes of a snapshot's description */
#define VMDS_SNAPSHOT_MAX_DESCRIPTION 1024

guint vmds_snapshots_id_number(const gchar *id);
gboolean vmds_snapshots_load(VmdsVm *vm, guint *max_id, GError **error);
VmdsSnapshot *vmds_snapshots_lookup(VmdsVm *vm, const gchar *id);
VmdsSnapshot *vmds_snapshots_create(
    VmdsVm *vm, guint number, const gchar *name, const gchar *description, GError **error);
gboolean vmds_snapshots_remove(VmdsVm *vm, const gchar *id, GError **error);
gboolean
vmds_snapshots_restore(VmdsVm *vm, VmdsSnapshot *snapshot, const gchar *path, GError **error);

G_END_DECLS

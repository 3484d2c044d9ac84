/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

typedef struct _VmdsInventory VmdsInventory;

/* writes a new VM's store at @path (a file that does not exist), durably */
typedef gboolean (*VmdsInventoryFill)(const gchar *path, gpointer data, GError **error);

VmdsInventory *
vmds_inventory_load(const gchar *state_dir, GPtrArray *schemas, gboolean *fresh, GError **error);
void vmds_inventory_free(VmdsInventory *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsInventory, vmds_inventory_free)

GPtrArray *vmds_inventory_list(VmdsInventory *self);
VmdsVm *vmds_inventory_lookup(VmdsInventory *self, const gchar *id);
VmdsVm *vmds_inventory_lookup_cid(VmdsInventory *self, guint32 cid);
VmdsVm *vmds_inventory_create(VmdsInventory *self,
			      const gchar *name,
			      const gchar *owner,
			      guint32 cid,
			      const gchar *socket_owner,
			      const gchar *socket_group,
			      VmdsInventoryFill fill,
			      gpointer fill_data,
			      GError **error);
GPtrArray *vmds_inventory_get_schemas(VmdsInventory *self);
gboolean vmds_inventory_remove(VmdsInventory *self, const gchar *id, GError **error);
gboolean
vmds_inventory_set_owner(VmdsInventory *self, VmdsVm *vm, const gchar *owner, GError **error);
VmdsVm *vmds_inventory_snapshot_owner(VmdsInventory *self, const gchar *id);
VmdsSnapshot *
vmds_inventory_get_snapshot(VmdsInventory *self, VmdsVm *vm, const gchar *id, GError **error);
VmdsSnapshot *vmds_inventory_snapshot(VmdsInventory *self,
				      VmdsVm *vm,
				      const gchar *name,
				      const gchar *description,
				      guint max,
				      GError **error);
gboolean vmds_inventory_revert(VmdsInventory *self, VmdsVm *vm, const gchar *id, GError **error);

G_END_DECLS

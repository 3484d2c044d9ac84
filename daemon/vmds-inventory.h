/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

/**
 * VmdsVm:
 * @id: `vm-N`, also the name of its directory and socket
 * @name: the name an operator gave it
 * @cid: the vsock context id that maps a vsock peer to it, or 0
 * @dir: `<state-dir>/vms/<id>`, self-contained
 * @store: (nullable): its open store (locked while served), or %NULL when
 *   another process holds it
 * @unavailable: (nullable): why the VM is not served, when @store is %NULL
 * @socket_owner: (nullable): the user its socket belongs to
 * @socket_group: (nullable): the group its socket belongs to
 * @socket_uid: the uid of @socket_owner, or (uid_t)-1
 * @socket_gid: the gid of @socket_group, or (gid_t)-1
 *
 * One VM. Reference counted: a connection keeps its VM alive.
 */
typedef struct {
	gchar *id;
	gchar *name;
	guint32 cid;
	gchar *dir;
	VmdsStore *store;
	gchar *unavailable;
	gchar *socket_owner;
	gchar *socket_group;
	uid_t socket_uid;
	gid_t socket_gid;
} VmdsVm;

VmdsVm *vmds_vm_ref(VmdsVm *vm);
void vmds_vm_unref(VmdsVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsVm, vmds_vm_unref)

typedef struct _VmdsInventory VmdsInventory;

VmdsInventory *vmds_inventory_load(const gchar *state_dir, gboolean *fresh, GError **error);
void vmds_inventory_free(VmdsInventory *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsInventory, vmds_inventory_free)

GPtrArray *vmds_inventory_list(VmdsInventory *self);
VmdsVm *vmds_inventory_lookup(VmdsInventory *self, const gchar *id);
VmdsVm *vmds_inventory_lookup_cid(VmdsInventory *self, guint32 cid);
VmdsVm *vmds_inventory_create(VmdsInventory *self,
			      const gchar *name,
			      guint32 cid,
			      const gchar *socket_owner,
			      const gchar *socket_group,
			      GError **error);
gboolean vmds_inventory_remove(VmdsInventory *self, const gchar *id, GError **error);

G_END_DECLS

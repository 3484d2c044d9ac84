/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <sys/types.h>

#include "vmds-store.h"

G_BEGIN_DECLS

/* bytes of a VM's name */
#define VMDS_VM_MAX_NAME 255

/**
 * VmdsSnapshot:
 * @id: `snapshot-N`, unique among every VM's snapshots, never reused
 * @name: the name an operator gave it
 * @description: what the operator said of it; may be empty
 * @created: when it was taken, in microseconds since the Unix epoch
 * @size: the bytes its copy of the store takes on disk
 *
 * One snapshot of a VM's data: a copy of its store, less what the
 * components' copy rules leave out (#VmdsStoreSchema.copy_rules).
 */
typedef struct {
	gchar *id;
	gchar *name;
	gchar *description;
	gint64 created;
	guint64 size;
} VmdsSnapshot;

void vmds_snapshot_free(VmdsSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsSnapshot, vmds_snapshot_free)

/**
 * VmdsVm:
 * @id: `vm-N`, also the name of its directory and socket
 * @name: the name an operator gave it
 * @cid: the vsock context id that maps a vsock peer to it, or 0
 * @dir: `<state-dir>/vms/<id>`, self-contained
 * @store: (nullable): its open store (locked while served), or %NULL when
 *   it cannot be opened (another process holds it)
 * @unavailable: (nullable): why the VM is not served, when @store is %NULL
 * @socket_owner: (nullable): the user its socket belongs to
 * @socket_group: (nullable): the group its socket belongs to
 * @socket_uid: the uid of @socket_owner, or (uid_t)-1
 * @socket_gid: the gid of @socket_group, or (gid_t)-1
 * @snapshots: (element-type VmdsSnapshot): its snapshots, oldest first
 * @owner: (nullable): the user it belongs to, who sees and manages it
 *   besides the administrators; %NULL: the administrators' alone
 *
 * One VM, as the daemon's inventory holds it; read only for plugins.
 * Reference counted: whoever keeps one past the call that gave it takes a
 * reference (a connection keeps its VM alive).
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
	GPtrArray *snapshots;
	gchar *owner;
} VmdsVm;

VmdsVm *vmds_vm_new(const gchar *id);
VmdsVm *vmds_vm_ref(VmdsVm *vm);
void vmds_vm_unref(VmdsVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsVm, vmds_vm_unref)

G_END_DECLS

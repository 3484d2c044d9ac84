/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-vm.h"

static void
vmds_vm_clear(VmdsVm *vm)
{
	g_free(vm->id);
	g_free(vm->name);
	g_free(vm->dir);
	g_free(vm->unavailable);
	g_free(vm->socket_owner);
	g_free(vm->socket_group);
	g_free(vm->owner);
	g_clear_object(&vm->store);
	g_ptr_array_unref(vm->snapshots);
}

/**
 * vmds_snapshot_free:
 * @snapshot: (nullable): a #VmdsSnapshot
 */
void
vmds_snapshot_free(VmdsSnapshot *snapshot)
{
	if (snapshot == NULL)
		return;
	g_free(snapshot->id);
	g_free(snapshot->name);
	g_free(snapshot->description);
	g_free(snapshot);
}

/**
 * vmds_vm_new:
 * @id: the VM's id
 *
 * Returns: (transfer full): a VM with nothing but its id; no socket owner
 *   or group
 */
VmdsVm *
vmds_vm_new(const gchar *id)
{
	VmdsVm *vm = g_rc_box_new0(VmdsVm);

	vm->id = g_strdup(id);
	vm->socket_uid = (uid_t)-1;
	vm->socket_gid = (gid_t)-1;
	vm->snapshots = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_snapshot_free);
	return vm;
}

/**
 * vmds_vm_ref:
 * @vm: a #VmdsVm
 *
 * Returns: (transfer full): @vm
 */
VmdsVm *
vmds_vm_ref(VmdsVm *vm)
{
	return g_rc_box_acquire(vm);
}

/**
 * vmds_vm_unref:
 * @vm: a #VmdsVm
 *
 * Drops a reference; the last closes its store.
 */
void
vmds_vm_unref(VmdsVm *vm)
{
	g_rc_box_release_full(vm, (GDestroyNotify)vmds_vm_clear);
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-caller.h"

/**
 * vmds_caller_can_see_vm:
 * @caller: who makes a request
 * @vm: a VM
 *
 * The one rule of who sees a VM: administrators see every VM, a user only
 * those it owns (#VmdsVm.owner); a VM without an owner is the
 * administrators'. To anyone else the VM is absent: its routes answer as
 * for an unknown id, and lists leave it out.
 *
 * Returns: whether @caller sees and may manage @vm
 */
gboolean
vmds_caller_can_see_vm(const VmdsCaller *caller, const VmdsVm *vm)
{
	g_return_val_if_fail(caller != NULL, FALSE);
	g_return_val_if_fail(vm != NULL, FALSE);

	if (caller->administrator)
		return TRUE;
	return vm->owner != NULL && caller->user != NULL && g_strcmp0(vm->owner, caller->user) == 0;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

#define VMDS_TYPE_VM_PLUGIN (vmds_vm_plugin_get_type())
G_DECLARE_FINAL_TYPE(VmdsVmPlugin, vmds_vm_plugin, VMDS, VM_PLUGIN, VmdsPlugin)

VmdsPlugin *vmds_vm_plugin_new(void);
gboolean vmds_vm_plugin_reply_created(VmdsRequest *request, VmdsVm *vm, GError **error);

G_END_DECLS

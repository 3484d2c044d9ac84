/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-config.h"
#include "vmds-dispatch.h"

G_BEGIN_DECLS

/* the VM of a vsock peer's context id, or NULL */
typedef VmdsVm *(*VmdsBackchannelLookup)(guint32 cid, gpointer user_data);

#define VMDS_TYPE_BACKCHANNEL (vmds_backchannel_get_type())
G_DECLARE_FINAL_TYPE(VmdsBackchannel, vmds_backchannel, VMDS, BACKCHANNEL, GObject)

VmdsBackchannel *
vmds_backchannel_new(VmdsDispatch *dispatch, VmdsBackchannelLookup lookup_cid, gpointer user_data);
void vmds_backchannel_set_config(VmdsBackchannel *self, const VmdsConfig *config);
gboolean
vmds_backchannel_add_vm(VmdsBackchannel *self, VmdsVm *vm, const gchar *path, GError **error);
gboolean vmds_backchannel_listen_vsock(VmdsBackchannel *self, guint32 port, GError **error);
void vmds_backchannel_remove_vm(VmdsBackchannel *self, VmdsVm *vm);
void vmds_backchannel_shutdown(VmdsBackchannel *self);

G_END_DECLS

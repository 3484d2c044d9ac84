/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

typedef struct _VmdsDispatch VmdsDispatch;

/**
 * VmdsDispatchLater:
 * @deferred: the reply to come; the caller starts it
 * @flags: the command's flags, for vmds_dispatch_finish()
 */
typedef struct {
	VmdsDeferred *deferred;
	VmdsCommandFlags flags;
} VmdsDispatchLater;

VmdsDispatch *vmds_dispatch_new(void);
void vmds_dispatch_free(VmdsDispatch *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsDispatch, vmds_dispatch_free)

void vmds_dispatch_add_commands(VmdsDispatch *self, VmdsPlugin *plugin);
guint vmds_dispatch_get_size(VmdsDispatch *self);
gboolean vmds_dispatch_run(VmdsDispatch *self,
			   VmdsVm *vm,
			   guint32 uid,
			   gboolean privileged,
			   guint8 *payload,
			   gsize payload_len,
			   GString *reply,
			   VmdsDispatchLater *later);
gboolean vmds_dispatch_finish(const VmdsDispatchLater *later, const GError *error, GString *reply);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _VmdsDeferred VmdsDeferred;

/* the core's: the reply is ready (@error %NULL) or failed; called once */
typedef void (*VmdsDeferredFunc)(VmdsDeferred *deferred, const GError *error, gpointer user_data);

VmdsDeferred *vmds_deferred_new(guint timeout_ms);
void vmds_deferred_start(VmdsDeferred *self, VmdsDeferredFunc func, gpointer user_data);
VmdsDeferred *vmds_deferred_ref(VmdsDeferred *self);
void vmds_deferred_unref(VmdsDeferred *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsDeferred, vmds_deferred_unref)

GString *vmds_deferred_get_reply(VmdsDeferred *self);
void vmds_deferred_set_status(VmdsDeferred *self, guint status);
guint vmds_deferred_get_status(VmdsDeferred *self);
gint64 vmds_deferred_get_deadline(VmdsDeferred *self);
GCancellable *vmds_deferred_get_cancellable(VmdsDeferred *self);
gboolean vmds_deferred_is_done(VmdsDeferred *self);
void vmds_deferred_return(VmdsDeferred *self, GError *error);
void vmds_deferred_cancel(VmdsDeferred *self);

G_END_DECLS

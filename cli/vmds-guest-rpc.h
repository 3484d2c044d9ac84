/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the connection must be made within this, and the reply arrive within that */
#define VMDS_GUEST_RPC_CONNECT_TIMEOUT_MS 10000
#define VMDS_GUEST_RPC_CALL_TIMEOUT_MS	  60000

gchar *vmds_guest_rpc_channel(void);
GBytes *vmds_guest_rpc_call(const guint8 *request, gsize len, gboolean *success, GError **error);
gboolean vmds_guest_rpc_is_failure_envelope(const gchar *text, gsize len);
int vmds_guest_rpc_send(const gchar *prgname, const guint8 *request, gsize len);

G_END_DECLS

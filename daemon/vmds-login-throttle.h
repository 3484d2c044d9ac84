/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* failed logins a client address may make before it has to wait */
#define VMDS_LOGIN_THROTTLE_CLIENT_FREE_FAILURES 5
/* failed logins an account may see, from any addresses, before every
 * attempt on it has to wait */
#define VMDS_LOGIN_THROTTLE_ACCOUNT_FREE_FAILURES 20

typedef struct _VmdsLoginThrottle VmdsLoginThrottle;

VmdsLoginThrottle *vmds_login_throttle_new(guint max_clients, guint max_accounts);
void vmds_login_throttle_free(VmdsLoginThrottle *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsLoginThrottle, vmds_login_throttle_free)

gboolean vmds_login_throttle_check(VmdsLoginThrottle *self,
				   const gchar *client,
				   const gchar *account,
				   gint64 now,
				   guint *retry_after);
guint vmds_login_throttle_failed(VmdsLoginThrottle *self,
				 const gchar *client,
				 const gchar *account,
				 gint64 now);
void
vmds_login_throttle_succeeded(VmdsLoginThrottle *self, const gchar *client, const gchar *account);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

/* what every variable's name starts with in an RPC, in any case */
#define VMDS_GUESTINFO_PREFIX "guestinfo."
/* the bytes of one guest RPC at most (the backchannel's own limit) */
#define VMDS_GUESTINFO_MAX_RPC (64 * 1024)
/* the bytes a guest may set in all, by default (VMX tools.setInfo.sizeLimit) */
#define VMDS_GUESTINFO_DEFAULT_SIZE_LIMIT (1024 * 1024)

/**
 * VmdsGuestinfoSettings:
 * @guest_writes: whether the guest may `info-set` at all
 * @guest_size_limit: the bytes the guest may have set in all; -1 for the
 *   daemon's `[guestinfo] guest-size-limit`
 * @guest_bytes: the bytes the guest has set (read only)
 *
 * One VM's own guestinfo settings.
 */
typedef struct {
	gboolean guest_writes;
	gint64 guest_size_limit;
	guint64 guest_bytes;
} VmdsGuestinfoSettings;

extern const VmdsStoreSchema vmds_guestinfo_schema;

gboolean vmds_guestinfo_parse_name(const gchar *args, gsize len, gchar **name, GError **error);
gboolean
vmds_guestinfo_parse_set(const gchar *args, gsize len, gchar **name, gchar **value, GError **error);
gchar *vmds_guestinfo_get(VmdsStore *store, const gchar *name, GError **error);
gboolean vmds_guestinfo_set(VmdsStore *store,
			    const gchar *name,
			    const gchar *value,
			    gboolean by_guest,
			    guint64 guest_limit,
			    GError **error);
gboolean vmds_guestinfo_remove(VmdsStore *store, const gchar *name, GError **error);
gboolean vmds_guestinfo_remove_host(VmdsStore *store, const gchar *name, GError **error);
GPtrArray *vmds_guestinfo_list(VmdsStore *store, GError **error);
gboolean
vmds_guestinfo_get_settings(VmdsStore *store, VmdsGuestinfoSettings *settings, GError **error);
gboolean vmds_guestinfo_set_settings(VmdsStore *store,
				     const VmdsGuestinfoSettings *settings,
				     GError **error);

G_END_DECLS

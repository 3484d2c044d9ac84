/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-ovf-descriptor.h"
#include "vmds-vapp-property.h"
#include "vmds.h"

G_BEGIN_DECLS

/* what the API calls the transports (vSphere's names) */
#define VMDS_VAPP_TRANSPORT_GUESTINFO "com.vmware.guestInfo"
#define VMDS_VAPP_TRANSPORT_ISO	      "iso"
/* the guestinfo variable the environment is published as */
#define VMDS_VAPP_ENV_VARIABLE "ovfEnv"
/* the type a property of a type the API cannot assign reads back as */
#define VMDS_VAPP_UNSUPPORTED_TYPE "UNSUPPORTED_TYPE"
/* the characters of a property's attribute at most */
#define VMDS_VAPP_MAX_TEXT 65535
/* the properties of a VM at most */
#define VMDS_VAPP_MAX_PROPERTIES 10000

/**
 * VmdsVappState:
 * @enabled: whether the VM has vApp properties at all
 * @transport_guestinfo: the environment is the guestinfo variable `ovfEnv`
 * @transport_iso: the environment is on an ISO image for a CD-ROM
 * @properties: how many properties the VM has
 * @env: (nullable): the OVF environment; %NULL while disabled
 * @env_changed: when @env last changed, in microseconds since the epoch
 */
typedef struct {
	gboolean enabled;
	gboolean transport_guestinfo;
	gboolean transport_iso;
	guint properties;
	GBytes *env;
	gint64 env_changed;
} VmdsVappState;

void vmds_vapp_state_clear(VmdsVappState *state);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VmdsVappState, vmds_vapp_state_clear)

extern const VmdsStoreSchema vmds_vapp_schema;

gboolean vmds_vapp_get_state(VmdsStore *store, VmdsVappState *state, GError **error);
gboolean vmds_vapp_configure(VmdsStore *store,
			     const gchar *vm_id,
			     gboolean enabled,
			     gboolean transport_guestinfo,
			     gboolean transport_iso,
			     GError **error);
gboolean vmds_vapp_publish(VmdsStore *store, const gchar *vm_id, GError **error);
GPtrArray *vmds_vapp_list(VmdsStore *store, GError **error);
VmdsVappProperty *vmds_vapp_get(VmdsStore *store, gint64 key, GError **error);
gboolean
vmds_vapp_add(VmdsStore *store, const gchar *vm_id, VmdsVappProperty *property, GError **error);
gboolean vmds_vapp_update(VmdsStore *store,
			  const gchar *vm_id,
			  const VmdsVappProperty *property,
			  GError **error);
gboolean vmds_vapp_remove(VmdsStore *store, const gchar *vm_id, gint64 key, GError **error);
GArray *vmds_vapp_import(VmdsStore *store,
			 const gchar *vm_id,
			 VmdsOvfDescriptor *descriptor,
			 GError **error);

G_END_DECLS

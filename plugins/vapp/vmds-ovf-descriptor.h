/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "vmds-vapp-property.h"

G_BEGIN_DECLS

/* the OVF envelope's namespace (DMTF DSP0243) and VMware's extensions */
#define VMDS_OVF_DESCRIPTOR_NS	   "http://schemas.dmtf.org/ovf/envelope/1"
#define VMDS_OVF_DESCRIPTOR_VMW_NS "http://www.vmware.com/schema/ovf"

/* the bytes of a descriptor at most: 16 MiB */
#define VMDS_OVF_DESCRIPTOR_MAX (16 * 1024 * 1024)
/* the properties of a descriptor at most */
#define VMDS_OVF_DESCRIPTOR_MAX_PROPERTIES 10000

/**
 * VmdsOvfDescriptor:
 * @properties: (element-type VmdsVappProperty): the vApp properties, in
 *   document order, each with key 0, an empty value and the descriptor's
 *   value as its default value
 * @transport_guestinfo: the VirtualHardwareSection's ovf:transport lists
 *   `com.vmware.guestInfo`
 * @transport_iso: it lists `iso`
 *
 * What vSphere gives a VM deployed from an OVF descriptor with its
 * defaults: its vApp properties and the OVF environment's transports.
 */
typedef struct {
	GPtrArray *properties;
	gboolean transport_guestinfo;
	gboolean transport_iso;
} VmdsOvfDescriptor;

VmdsOvfDescriptor *vmds_ovf_descriptor_parse(const gchar *data, gsize len, GError **error);
void vmds_ovf_descriptor_free(VmdsOvfDescriptor *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsOvfDescriptor, vmds_ovf_descriptor_free)

G_END_DECLS

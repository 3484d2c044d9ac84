/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the OVF environment's namespace (DMTF DSP0243) and VMware's */
#define VMDS_OVF_ENV_NS	   "http://schemas.dmtf.org/ovf/environment/1"
#define VMDS_OVF_ENV_VE_NS "http://www.vmware.com/schema/ovfenv"

/**
 * VmdsOvfEnvProperty:
 * @key: the property's key in the environment (vmds_ovf_env_key())
 * @value: its value as the guest is to see it: the default value when the
 *   value is empty, booleans as True or False (vmds_vapp_type_env_value())
 */
typedef struct {
	const gchar *key;
	const gchar *value;
} VmdsOvfEnvProperty;

gchar *vmds_ovf_env_key(const gchar *class_id, const gchar *id, const gchar *instance_id);
gboolean vmds_ovf_env_check_text(const gchar *what, const gchar *text, GError **error);
GBytes *vmds_ovf_env_write(const gchar *vm_id,
			   const VmdsOvfEnvProperty *properties,
			   guint n_properties,
			   GError **error);

G_END_DECLS

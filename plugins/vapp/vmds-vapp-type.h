/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the characters of a string or password value at most */
#define VMDS_VAPP_MAX_STRING 65535
/* the characters of an int bound at most, its sign included */
#define VMDS_VAPP_MAX_INT_DIGITS 100

/**
 * VmdsVappKind:
 * @VMDS_VAPP_STRING: `string`, `string(x..)`, `string(..y)`, `string(x..y)`
 * @VMDS_VAPP_CHOICE: `string["a", "b"]`
 * @VMDS_VAPP_INT: `int`, `int(x..y)`
 * @VMDS_VAPP_REAL: `real`, `real(x..y)`
 * @VMDS_VAPP_BOOLEAN: `boolean`
 * @VMDS_VAPP_PASSWORD: `password` and its length forms: write-only
 * @VMDS_VAPP_IP: `ip`: IPv4 dot-decimal or IPv6 colon-hexadecimal
 * @VMDS_VAPP_UNSUPPORTED: `expression`, `ip:network`, `${ip:network}`:
 *   kept as they came (from an OVF descriptor), never assigned
 */
typedef enum {
	VMDS_VAPP_STRING,
	VMDS_VAPP_CHOICE,
	VMDS_VAPP_INT,
	VMDS_VAPP_REAL,
	VMDS_VAPP_BOOLEAN,
	VMDS_VAPP_PASSWORD,
	VMDS_VAPP_IP,
	VMDS_VAPP_UNSUPPORTED,
} VmdsVappKind;

typedef struct _VmdsVappType VmdsVappType;

VmdsVappType *vmds_vapp_type_parse(const gchar *text, GError **error);
void vmds_vapp_type_free(VmdsVappType *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsVappType, vmds_vapp_type_free)

VmdsVappKind vmds_vapp_type_get_kind(const VmdsVappType *self);
const gchar *vmds_vapp_type_get_text(const VmdsVappType *self);
gboolean vmds_vapp_type_check(const VmdsVappType *self, const gchar *value, GError **error);
gchar *
vmds_vapp_type_env_value(const VmdsVappType *self, const gchar *value, const gchar *default_value);

G_END_DECLS

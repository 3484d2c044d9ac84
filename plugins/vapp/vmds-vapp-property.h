/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * VmdsVappProperty:
 * @key: its unique integer key; 0 while it has none (an OVF descriptor
 *   gives none: the VM's store assigns one)
 * @id: its name, unique in the VM, required
 * @category: (nullable): the category it belongs to, shown to users
 * @label: (nullable): its display name
 * @description: (nullable): what it is for
 * @class_id: (nullable): its class name (an OVF ProductSection's class)
 * @instance_id: (nullable): its instance name (a ProductSection's instance)
 * @type_reference: (nullable): extra configuration data of its type
 * @user_configurable: whether users may set it (else a system property)
 * @default_value: (nullable): the value the environment holds while
 *   @value is empty
 * @type: (nullable): its type in the grammar of vmds_vapp_type_parse();
 *   %NULL or empty for `string`
 * @value: (nullable): its value; empty or %NULL: @default_value
 *
 * One vApp property and its schema, the attributes of vSphere's
 * VAppPropertyInfo.
 */
typedef struct {
	gint64 key;
	gchar *id;
	gchar *category;
	gchar *label;
	gchar *description;
	gchar *class_id;
	gchar *instance_id;
	gchar *type_reference;
	gboolean user_configurable;
	gchar *default_value;
	gchar *type;
	gchar *value;
} VmdsVappProperty;

VmdsVappProperty *vmds_vapp_property_new(void);
void vmds_vapp_property_free(VmdsVappProperty *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsVappProperty, vmds_vapp_property_free)

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-vapp-property.h"

/**
 * vmds_vapp_property_new:
 *
 * Returns: (transfer full): a property with no attribute set, user
 *   configurable (vSphere's default)
 */
VmdsVappProperty *
vmds_vapp_property_new(void)
{
	VmdsVappProperty *self = g_new0(VmdsVappProperty, 1);

	self->user_configurable = TRUE;
	return self;
}

void
vmds_vapp_property_free(VmdsVappProperty *self)
{
	if (self == NULL)
		return;
	g_free(self->id);
	g_free(self->category);
	g_free(self->label);
	g_free(self->description);
	g_free(self->class_id);
	g_free(self->instance_id);
	g_free(self->type_reference);
	g_free(self->default_value);
	g_free(self->type);
	g_free(self->value);
	g_free(self);
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-datasets-plugin.h"

/*
 * The DataSets plugin: VMware's DataSets for every VM. The engine
 * (vmds-datasets.c) keeps data sets and entries in each VM's store (its
 * tables: vmds-datasets-schema.c); two thin adapters serve it, the guest
 * `datasets-*` commands (vmds-datasets-guest.c) and the REST routes
 * (vmds-datasets-rest.c). Its group of vmds.conf, [datasets], sets the
 * limits a write may not exceed.
 */

struct _VmdsDatasetsPlugin {
	VmdsPlugin parent_instance;
	VmdsDatasetsLimits limits;
};

G_DEFINE_FINAL_TYPE(VmdsDatasetsPlugin, vmds_datasets_plugin, VMDS_TYPE_PLUGIN)

/* [datasets] in vmds.conf; VMware's limits are the defaults */
static const VmdsConfigKey vmds_datasets_config_keys[] = {
    {"datasets",
     "max-value-bytes",
     VMDS_CONFIG_INT64,
     G_STRUCT_OFFSET(VmdsDatasetsLimits, max_value),
     1,
     VMDS_DATASETS_MAX_VALUE},
    {"datasets",
     "max-vm-bytes",
     VMDS_CONFIG_INT64,
     G_STRUCT_OFFSET(VmdsDatasetsLimits, max_vm_bytes),
     1,
     G_MAXINT64},
    {"datasets",
     "max-vm-entries",
     VMDS_CONFIG_INT64,
     G_STRUCT_OFFSET(VmdsDatasetsLimits, max_vm_entries),
     1,
     G_MAXINT64},
};

/**
 * vmds_datasets_plugin_get_limits:
 * @plugin: the DataSets plugin
 *
 * Returns: the limits of writes, as configured
 */
const VmdsDatasetsLimits *
vmds_datasets_plugin_get_limits(VmdsPlugin *plugin)
{
	return &VMDS_DATASETS_PLUGIN(plugin)->limits;
}

static gboolean
vmds_datasets_plugin_configure(VmdsPlugin *plugin, GKeyFile *config, GError **error)
{
	VmdsDatasetsPlugin *self = VMDS_DATASETS_PLUGIN(plugin);
	VmdsDatasetsLimits limits = vmds_datasets_limits_default;

	if (!vmds_config_table_read(config,
				    vmds_datasets_config_keys,
				    G_N_ELEMENTS(vmds_datasets_config_keys),
				    &limits,
				    error))
		return FALSE;
	self->limits = limits;
	return TRUE;
}

static gboolean
vmds_datasets_plugin_startup(VmdsPlugin *plugin, GError **error)
{
	vmds_plugin_add_schema(plugin, &vmds_datasets_schema);
	vmds_datasets_guest_register(plugin);
	vmds_datasets_rest_register(plugin);
	return TRUE;
}

static void
vmds_datasets_plugin_init(VmdsDatasetsPlugin *self)
{
	self->limits = vmds_datasets_limits_default;
}

static void
vmds_datasets_plugin_class_init(VmdsDatasetsPluginClass *klass)
{
	VmdsPluginClass *plugin_class = VMDS_PLUGIN_CLASS(klass);

	plugin_class->configure = vmds_datasets_plugin_configure;
	plugin_class->startup = vmds_datasets_plugin_startup;
}

VMDS_PLUGIN_DEFINE(vmds_datasets_plugin)

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-datasets.h"
#include "vmds-metadata-plugin.h"
#include "vmds-metadata.h"

/*
 * The metadata plugin: vCD's object metadata on VMs and their data sets,
 * over REST (vmds-metadata-rest.c); the engine (vmds-metadata.c) keeps it
 * in the VM's store.
 *
 * Metadata follows a clone, a snapshot and an export whole, but a data set
 * is its metadata's object: what goes with a data set goes with it. Both
 * rules are kept in the store itself, by a component of this plugin
 * (`metadata-datasets`) over the tables of two others, the data sets'
 * (brought here too, so that they exist whether or not the DataSets plugin
 * is loaded) and the engine's:
 *
 * - a trigger after a data set's row is deleted deletes its metadata and
 *   bumps the metadata generation (the query index compares it), in the
 *   transaction of the deletion, whoever deletes it (the DataSets REST
 *   route, its guest command, a copy's rule): nothing to forget, no signal
 *   to miss, no window where the data set is gone and its metadata not;
 * - a copy rule keeps the VM's entries and those of the data sets the
 *   DataSets rule keeps, so a data set flagged omit_from_snapshot_and_clone
 *   leaves no metadata in a snapshot or a clone, whichever rule runs first.
 */

struct _VmdsMetadataPlugin {
	VmdsPlugin parent_instance;
};

G_DEFINE_FINAL_TYPE(VmdsMetadataPlugin, vmds_metadata_plugin, VMDS_TYPE_PLUGIN)

static const gchar *const vmds_metadata_datasets_schema_steps[] = {
    /* 1: a data set's metadata goes with it */
    "CREATE TRIGGER metadata_datasets_delete AFTER DELETE ON datasets"
    "  WHEN EXISTS (SELECT 1 FROM metadata_entries"
    "    WHERE object_type = 'dataset' AND object_name = OLD.name) BEGIN"
    "  DELETE FROM metadata_entries WHERE object_type = 'dataset' AND object_name = OLD.name;"
    "  UPDATE metadata_generation SET generation = max(generation + 1,"
    "    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));"
    "END;",
};

static const VmdsStoreCopyRule vmds_metadata_datasets_copy_rules[] = {
    {"metadata_entries",
     "object_type = 'vm' OR object_name IN (SELECT name FROM datasets WHERE omit = 0)"},
};

static const VmdsStoreSchema vmds_metadata_datasets_schema = {
    .component = "metadata-datasets",
    .steps = vmds_metadata_datasets_schema_steps,
    .n_steps = G_N_ELEMENTS(vmds_metadata_datasets_schema_steps),
    .copy_rules = vmds_metadata_datasets_copy_rules,
    .n_copy_rules = G_N_ELEMENTS(vmds_metadata_datasets_copy_rules),
};

static gboolean
vmds_metadata_plugin_startup(VmdsPlugin *plugin, GError **error)
{
	/* in this order: the trigger needs both tables */
	vmds_plugin_add_schema(plugin, &vmds_datasets_schema);
	vmds_plugin_add_schema(plugin, &vmds_metadata_schema);
	vmds_plugin_add_schema(plugin, &vmds_metadata_datasets_schema);
	vmds_metadata_rest_add_routes(plugin);
	return TRUE;
}

static void
vmds_metadata_plugin_init(VmdsMetadataPlugin *self)
{
}

static void
vmds_metadata_plugin_class_init(VmdsMetadataPluginClass *klass)
{
	VmdsPluginClass *plugin_class = VMDS_PLUGIN_CLASS(klass);

	plugin_class->startup = vmds_metadata_plugin_startup;
}

VMDS_PLUGIN_DEFINE(vmds_metadata_plugin)

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-datasets.h"
#include "vmds-metadata-index.h"
#include "vmds-metadata-plugin.h"
#include "vmds-metadata-query.h"
#include "vmds-metadata-vcenter.h"
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
 *   another after one is created bumps it too, so the index, which lists
 *   every data set for `type=dataset`, takes the new one after its commit;
 * - a copy rule keeps the VM's entries and those of the data sets the
 *   DataSets rule keeps, so a data set flagged omit_from_snapshot_and_clone
 *   leaves no metadata in a snapshot or a clone, whichever rule runs first.
 */

struct _VmdsMetadataPlugin {
	VmdsPlugin parent_instance;
	VmdsMetadataIndex *index;     /* <state-dir>/metadata-index.db */
	VmdsMetadataVcenter *vcenter; /* [metadata]: what VCENTER entries may be */
};

/* the metadata generation of a store the index last took, kept on the store */
#define VMDS_METADATA_PLUGIN_INDEXED "vmds-metadata-indexed"

G_DEFINE_FINAL_TYPE(VmdsMetadataPlugin, vmds_metadata_plugin, VMDS_TYPE_PLUGIN)

/* in a trigger: the metadata generation moved as vmds-metadata.c moves it,
 * to max(generation + 1, the time in microseconds) */
#define VMDS_METADATA_PLUGIN_BUMP_GENERATION                                                       \
	"  UPDATE metadata_generation SET generation = max(generation + 1,"                        \
	"    CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));"

static const gchar *const vmds_metadata_datasets_schema_steps[] = {
    /* 1: a data set's metadata goes with it */
    "CREATE TRIGGER metadata_datasets_delete AFTER DELETE ON datasets"
    "  WHEN EXISTS (SELECT 1 FROM metadata_entries"
    "    WHERE object_type = 'dataset' AND object_name = OLD.name) BEGIN"
    "  DELETE FROM metadata_entries WHERE object_type = 'dataset' AND object_name = "
    "OLD.name;" VMDS_METADATA_PLUGIN_BUMP_GENERATION "END;",
    /* 2: a data set created or deleted, with metadata or without, moves the
     * generation: the index lists every data set (type=dataset) */
    "DROP TRIGGER metadata_datasets_delete;"
    "CREATE TRIGGER metadata_datasets_delete AFTER DELETE ON datasets BEGIN"
    "  DELETE FROM metadata_entries WHERE object_type = 'dataset' AND object_name = "
    "OLD.name;" VMDS_METADATA_PLUGIN_BUMP_GENERATION "END;"
    "CREATE TRIGGER metadata_datasets_insert AFTER INSERT ON datasets "
    "BEGIN" VMDS_METADATA_PLUGIN_BUMP_GENERATION "END;",
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

/* the index takes the VM's metadata from its store when its generation
 * changed (@refresh: whatever the generation: a data set may be gone, the
 * store may be another, the owner may have changed) */
static void
vmds_metadata_plugin_index_vm(VmdsMetadataPlugin *self, VmdsVm *vm, gboolean refresh)
{
	g_autoptr(GError) error_local = NULL;
	guint64 generation = 0;
	gboolean ok;

	if (vm->store == NULL)
		return;
	ok = vmds_metadata_get_generation(vm->store, &generation, &error_local) &&
	     (refresh ? vmds_metadata_index_refresh_vm(
			    self->index, vm->id, vm->owner, vm->store, &error_local)
		      : vmds_metadata_index_sync_vm(
			    self->index, vm->id, vm->owner, vm->store, &error_local));
	if (ok)
		g_object_set_data_full(G_OBJECT(vm->store),
				       VMDS_METADATA_PLUGIN_INDEXED,
				       g_memdup2(&generation, sizeof(generation)),
				       g_free);
	else
		g_warning("%s: the metadata query index is behind its store until the next "
			  "change or start: %s",
			  vm->id,
			  error_local->message);
}

/* any transaction of the store, whoever wrote it (a metadata route, a
 * data set deleted with its metadata by the trigger): the index follows
 * when the metadata generation moved; one read of it per commit */
static void
vmds_metadata_plugin_committed_cb(VmdsStore *store, gpointer user_data)
{
	VmdsMetadataPlugin *self = VMDS_METADATA_PLUGIN(user_data);
	const gchar *id = g_object_get_data(G_OBJECT(store), "vmds-metadata-vm");
	const guint64 *indexed = g_object_get_data(G_OBJECT(store), VMDS_METADATA_PLUGIN_INDEXED);
	VmdsVm *vm;
	guint64 generation = 0;

	if (id == NULL || !vmds_metadata_get_generation(store, &generation, NULL) ||
	    (indexed != NULL && *indexed == generation))
		return;
	vm = vmds_context_lookup_vm(vmds_plugin_get_context(VMDS_PLUGIN(self)), id);
	if (vm != NULL && vm->store == store)
		vmds_metadata_plugin_index_vm(self, vm, FALSE);
}

/* a VM's store to follow: at start, created, cloned, imported, reverted */
static void
vmds_metadata_plugin_watch(VmdsMetadataPlugin *self, VmdsVm *vm)
{
	if (vm->store == NULL)
		return;
	g_object_set_data_full(G_OBJECT(vm->store), "vmds-metadata-vm", g_strdup(vm->id), g_free);
	g_signal_connect_object(vm->store,
				"committed",
				G_CALLBACK(vmds_metadata_plugin_committed_cb),
				self,
				G_CONNECT_DEFAULT);
	vmds_metadata_plugin_index_vm(self, vm, TRUE);
}

static void
vmds_metadata_plugin_vm_added_cb(VmdsContext *context, VmdsVm *vm, gpointer user_data)
{
	vmds_metadata_plugin_watch(VMDS_METADATA_PLUGIN(user_data), vm);
}

/* the signal carries the previous owner before the user data */
static void
vmds_metadata_plugin_vm_owner_changed_cb(VmdsContext *context,
					 VmdsVm *vm,
					 const gchar *previous,
					 gpointer user_data)
{
	vmds_metadata_plugin_index_vm(VMDS_METADATA_PLUGIN(user_data), vm, TRUE);
}

static void
vmds_metadata_plugin_vm_removed_cb(VmdsContext *context, VmdsVm *vm, gpointer user_data)
{
	VmdsMetadataPlugin *self = VMDS_METADATA_PLUGIN(user_data);
	g_autoptr(GError) error_local = NULL;

	if (!vmds_metadata_index_remove_vm(self->index, vm->id, &error_local))
		g_warning("%s: still in the metadata query index until the next start: %s",
			  vm->id,
			  error_local->message);
}

/**
 * vmds_metadata_plugin_get_vcenter:
 * @self: the plugin
 *
 * Returns: (transfer none): the VCENTER keys and values the provider
 *   allows, as configured now
 */
const VmdsMetadataVcenter *
vmds_metadata_plugin_get_vcenter(VmdsMetadataPlugin *self)
{
	return self->vcenter;
}

/* [metadata], at start and on every reload: taken whole, or not at all */
static gboolean
vmds_metadata_plugin_configure(VmdsPlugin *plugin, GKeyFile *config, GError **error)
{
	VmdsMetadataPlugin *self = VMDS_METADATA_PLUGIN(plugin);
	VmdsMetadataVcenter *vcenter = vmds_metadata_vcenter_new(config, error);

	if (vcenter == NULL)
		return FALSE;
	vmds_metadata_vcenter_free(self->vcenter);
	self->vcenter = vcenter;
	return TRUE;
}

/* GET /api/vcenter/vm/{vm}: its VCENTER entries, which the hypervisor
 * integration reads to place the VM, for whoever may see them */
static void
vmds_metadata_plugin_describe_vm_cb(
    VmdsContext *context, VmdsVm *vm, const VmdsCaller *caller, GString *out, gpointer user_data)
{
	vmds_metadata_rest_describe_vm(vm, caller, out);
}

static gboolean
vmds_metadata_plugin_startup(VmdsPlugin *plugin, GError **error)
{
	VmdsMetadataPlugin *self = VMDS_METADATA_PLUGIN(plugin);
	VmdsContext *context = vmds_plugin_get_context(plugin);
	g_autofree gchar *path =
	    g_build_filename(vmds_context_get_state_dir(context), "metadata-index.db", NULL);

	/* the index is rebuilt from the stores as the VMs load: a damaged or
	 * lost one is only slower to start */
	self->index = vmds_metadata_index_open(path, error);
	if (self->index == NULL)
		return FALSE;
	/* in this order: the trigger needs both tables */
	vmds_plugin_add_schema(plugin, &vmds_datasets_schema);
	vmds_plugin_add_schema(plugin, &vmds_metadata_schema);
	vmds_plugin_add_schema(plugin, &vmds_metadata_datasets_schema);
	vmds_metadata_rest_add_routes(plugin);
	vmds_metadata_query_add_routes(plugin, self->index);
	g_signal_connect_object(context,
				"vm-added",
				G_CALLBACK(vmds_metadata_plugin_vm_added_cb),
				self,
				G_CONNECT_DEFAULT);
	g_signal_connect_object(context,
				"vm-reverted",
				G_CALLBACK(vmds_metadata_plugin_vm_added_cb),
				self,
				G_CONNECT_DEFAULT);
	g_signal_connect_object(context,
				"vm-owner-changed",
				G_CALLBACK(vmds_metadata_plugin_vm_owner_changed_cb),
				self,
				G_CONNECT_DEFAULT);
	g_signal_connect_object(context,
				"vm-removed",
				G_CALLBACK(vmds_metadata_plugin_vm_removed_cb),
				self,
				G_CONNECT_DEFAULT);
	g_signal_connect_object(context,
				"describe-vm",
				G_CALLBACK(vmds_metadata_plugin_describe_vm_cb),
				self,
				G_CONNECT_DEFAULT);
	return TRUE;
}

static void
vmds_metadata_plugin_finalize(GObject *object)
{
	VmdsMetadataPlugin *self = VMDS_METADATA_PLUGIN(object);

	g_clear_pointer(&self->index, vmds_metadata_index_free);
	g_clear_pointer(&self->vcenter, vmds_metadata_vcenter_free);
	G_OBJECT_CLASS(vmds_metadata_plugin_parent_class)->finalize(object);
}

static void
vmds_metadata_plugin_init(VmdsMetadataPlugin *self)
{
}

static void
vmds_metadata_plugin_class_init(VmdsMetadataPluginClass *klass)
{
	VmdsPluginClass *plugin_class = VMDS_PLUGIN_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = vmds_metadata_plugin_finalize;
	plugin_class->configure = vmds_metadata_plugin_configure;
	plugin_class->startup = vmds_metadata_plugin_startup;
}

VMDS_PLUGIN_DEFINE(vmds_metadata_plugin)

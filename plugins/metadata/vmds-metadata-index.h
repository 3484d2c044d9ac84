/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-caller.h"
#include "vmds-metadata.h"

G_BEGIN_DECLS

/*
 * The global metadata query index, `<state-dir>/metadata-index.db`: every
 * VM's and data set's metadata entries in one SQLite database (WAL, mode
 * 0600), so that one query selects objects of all VMs by metadata.
 *
 * Why it agrees with the stores after a crash: each VM's store is the truth,
 * the index only follows it. A metadata write commits in the VM's store
 * first, bumping the store's metadata generation in the same transaction
 * (vmds_metadata_get_generation()); then the index is synced. A sync
 * replaces the VM's objects and entries and records the generation it read
 * in one index transaction, so the index holds, per VM, the entries of one
 * generation together with that generation, or nothing of a newer one. A
 * crash between the two commits leaves the index at an older generation than
 * the store; at start every VM is synced (::vm-added), which finds the
 * generations different and copies the store again. A generation never
 * repeats (it only grows, past a revert too), so equal generations mean equal
 * entries. The same holds for a store changed while the daemon was down (a
 * snapshot restored by hand, an import) and for an index lost or deleted: it
 * is rebuilt by the syncs at start.
 *
 * Calls, in the daemon: vmds_metadata_index_sync_vm() after every metadata
 * write commits, on ::vm-added (so at start), ::vm-reverted and
 * ::vm-owner-changed (then only the owner changes); vmds_metadata_index_remove_vm()
 * on ::vm-removed; vmds_metadata_index_refresh_vm() after a data set is
 * created or deleted (data set objects are listed from the store at each
 * copy; a data set without metadata does not change the generation).
 */

/* the page size of a query when none is given, and at most (vCD's) */
#define VMDS_METADATA_INDEX_PAGE_SIZE	  25
#define VMDS_METADATA_INDEX_MAX_PAGE_SIZE 128
/* the metadata fields a query returns at most (as many as conditions) */
#define VMDS_METADATA_INDEX_MAX_FIELDS 8

typedef struct _VmdsMetadataIndex VmdsMetadataIndex;

/**
 * VmdsMetadataIndexObject:
 * @type: %VMDS_METADATA_OBJECT_VM or %VMDS_METADATA_OBJECT_DATASET
 * @name: "" for the VM, the data set's name
 * @entries: (element-type VmdsMetadataEntry): all its entries, canonical
 *
 * One object of a VM as vmds_metadata_index_replace_vm() takes it.
 */
typedef struct {
	gchar *type;
	gchar *name;
	GPtrArray *entries;
} VmdsMetadataIndexObject;

/**
 * VmdsMetadataIndexRow:
 * @vm: the VM's id
 * @object_type: %VMDS_METADATA_OBJECT_VM or %VMDS_METADATA_OBJECT_DATASET
 * @object_name: "" for the VM, the data set's name
 * @fields: (element-type VmdsMetadataEntry): one per requested field, in
 *   their order, %NULL where the object has no such entry the caller may
 *   see; a STRING over 1,000 characters has the value %NULL (not indexed)
 */
typedef struct {
	gchar *vm;
	gchar *object_type;
	gchar *object_name;
	GPtrArray *fields;
} VmdsMetadataIndexRow;

/**
 * VmdsMetadataIndexResult:
 * @total: the objects the query selects, all pages
 * @page: the page returned
 * @page_size: its size
 * @rows: (element-type VmdsMetadataIndexRow): the page's objects in order
 *   of VM number, then object name
 */
typedef struct {
	guint64 total;
	guint page;
	guint page_size;
	GPtrArray *rows;
} VmdsMetadataIndexResult;

VmdsMetadataIndexObject *vmds_metadata_index_object_new(const gchar *type, const gchar *name);
void vmds_metadata_index_object_free(VmdsMetadataIndexObject *object);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsMetadataIndexObject, vmds_metadata_index_object_free)
void vmds_metadata_index_result_free(VmdsMetadataIndexResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsMetadataIndexResult, vmds_metadata_index_result_free)

VmdsMetadataIndex *vmds_metadata_index_open(const gchar *path, GError **error);
void vmds_metadata_index_free(VmdsMetadataIndex *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsMetadataIndex, vmds_metadata_index_free)

gboolean vmds_metadata_index_sync_vm(VmdsMetadataIndex *self,
				     const gchar *vm_id,
				     const gchar *owner,
				     VmdsStore *store,
				     GError **error);
gboolean vmds_metadata_index_refresh_vm(VmdsMetadataIndex *self,
					const gchar *vm_id,
					const gchar *owner,
					VmdsStore *store,
					GError **error);
gboolean vmds_metadata_index_replace_vm(VmdsMetadataIndex *self,
					const gchar *vm_id,
					const gchar *owner,
					guint64 generation,
					GPtrArray *objects,
					GError **error);
gboolean vmds_metadata_index_remove_vm(VmdsMetadataIndex *self, const gchar *vm_id, GError **error);
gboolean vmds_metadata_index_get_generation(VmdsMetadataIndex *self,
					    const gchar *vm_id,
					    gboolean *known,
					    guint64 *generation,
					    GError **error);
VmdsMetadataIndexResult *vmds_metadata_index_query(VmdsMetadataIndex *self,
						   const gchar *type,
						   const gchar *filter,
						   const VmdsCaller *caller,
						   guint page,
						   guint page_size,
						   const gchar *const *fields,
						   GError **error);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-store.h"

G_BEGIN_DECLS

#define VMDS_DATASETS_MAX_NAME	      255
#define VMDS_DATASETS_MAX_DESCRIPTION 1024
#define VMDS_DATASETS_MAX_KEY	      4096
#define VMDS_DATASETS_MAX_VALUE	      1048576
#define VMDS_DATASETS_MAX_VM_BYTES    ((gint64)104857600)
/* the quota counts key and value bytes only (vSphere's `used`): this bounds
 * what a VM's many tiny entries take on disk besides */
#define VMDS_DATASETS_MAX_VM_ENTRIES ((gint64)25000)
/* a guest reply (the JSON envelope) is cut into pages of at most this */
#define VMDS_DATASETS_MAX_PAGE 1048576

typedef enum {
	VMDS_ACCESS_NONE,
	VMDS_ACCESS_READ_ONLY,
	VMDS_ACCESS_READ_WRITE,
} VmdsAccess;

/* who asks: the guest (RPC, `guest` attribute) or the management layer (REST, `host`) */
typedef enum {
	VMDS_SIDE_GUEST,
	VMDS_SIDE_HOST,
} VmdsSide;

typedef struct {
	gchar *name;
	gchar *description;
	VmdsAccess host;
	VmdsAccess guest;
	gboolean omit_from_snapshot_and_clone;
	gint64 used; /* key bytes + value bytes of its entries; read only */
} VmdsDataset;

/* which members of a VmdsDataset an update changes */
typedef enum {
	VMDS_DATASET_FIELD_DESCRIPTION = 1 << 0,
	VMDS_DATASET_FIELD_HOST = 1 << 1,
	VMDS_DATASET_FIELD_GUEST = 1 << 2,
	VMDS_DATASET_FIELD_OMIT = 1 << 3,
} VmdsDatasetField;

typedef struct {
	gchar *key;
	gchar *value; /* NUL-terminated, value_len bytes of UTF-8 */
	gsize value_len;
	gboolean append;
} VmdsEntry;

VmdsDataset *vmds_dataset_new(void);
void vmds_dataset_free(VmdsDataset *dataset);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsDataset, vmds_dataset_free)

VmdsEntry *vmds_entry_new(const gchar *key, const gchar *value, gsize value_len, gboolean append);
void vmds_entry_free(VmdsEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsEntry, vmds_entry_free)

const gchar *vmds_access_to_string(VmdsAccess access);
gboolean vmds_access_from_string(const gchar *str, VmdsAccess *access, GError **error);

gboolean vmds_datasets_check_name(const gchar *name, GError **error);
gboolean vmds_datasets_check_key(const gchar *key, GError **error);

/* data sets (never governed by access modes; the guest cannot call these but list/get) */
GPtrArray *vmds_datasets_list(VmdsStore *store, GError **error);
VmdsDataset *vmds_datasets_get(VmdsStore *store, const gchar *name, GError **error);
gboolean vmds_datasets_create(VmdsStore *store, const VmdsDataset *dataset, GError **error);
gboolean vmds_datasets_update(VmdsStore *store,
			      const gchar *name,
			      const VmdsDataset *values,
			      VmdsDatasetField fields,
			      GError **error);
gboolean vmds_datasets_delete(VmdsStore *store, const gchar *name, gboolean force, GError **error);
gint64 vmds_datasets_vm_used(VmdsStore *store, GError **error);

/* entries (governed by the side's access mode) */
GPtrArray *vmds_datasets_list_keys(VmdsStore *store,
				   VmdsSide side,
				   const gchar *dataset,
				   const gchar *after,
				   gsize max_bytes,
				   gboolean *more,
				   GError **error);
GPtrArray *vmds_datasets_get_entries(VmdsStore *store,
				     VmdsSide side,
				     const gchar *dataset,
				     GPtrArray *keys,
				     guint first,
				     gsize max_bytes,
				     guint *next,
				     GError **error);
gboolean vmds_datasets_set_entries(
    VmdsStore *store, VmdsSide side, const gchar *dataset, GPtrArray *entries, GError **error);
gboolean vmds_datasets_delete_entries(
    VmdsStore *store, VmdsSide side, const gchar *dataset, GPtrArray *keys, GError **error);

/* paging contexts: opaque, bound to the request they came from */
gchar *vmds_datasets_context_new(const gchar *request, const gchar *cursor, gsize cursor_len);
gchar *vmds_datasets_context_parse(const gchar *request,
				   const gchar *context,
				   gsize *cursor_len,
				   GError **error);

G_END_DECLS

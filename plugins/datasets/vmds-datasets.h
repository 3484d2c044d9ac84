/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

/* VMware's limits [vmware]; the last three are the defaults of
 * VmdsDatasetsLimits, and a value may be no longer than the one here */
#define VMDS_DATASETS_MAX_NAME	      255
#define VMDS_DATASETS_MAX_DESCRIPTION 1024
#define VMDS_DATASETS_MAX_KEY	      4096
#define VMDS_DATASETS_MAX_VALUE	      1048576
#define VMDS_DATASETS_MAX_VM_BYTES    ((gint64)104857600)
/* the quota counts key and value bytes only (vSphere's `used`): this bounds
 * what a VM's many tiny entries take on disk besides (our decision) */
#define VMDS_DATASETS_MAX_VM_ENTRIES ((gint64)25000)
/* a guest reply (the JSON envelope) is cut into pages of at most this */
#define VMDS_DATASETS_MAX_PAGE 1048576

/* an entry's value lives in its row of `entries` while the key and the value
 * together are at most this many bytes, else in rows of `entry_chunks`
 * (schema version 2). Such a row fits in its b-tree page (4 KiB pages hold
 * rows of up to 1,002 bytes of a WITHOUT ROWID table): a longer one gets an
 * overflow page of its own (a 1,000-byte value took 4,684 bytes on disk),
 * and every search that compares a key with it reads all of it */
#define VMDS_DATASETS_INLINE_MAX 960
/* an append extends the value's last chunk while that is shorter than this,
 * else adds a chunk: every chunk but the last holds at least this many
 * bytes, so a value of n bytes has at most n / this + 1 chunks, and an
 * append rewrites at most this many bytes besides its own. A chunk this
 * long still fits in its page (4,061 bytes of a table with integer keys) */
#define VMDS_DATASETS_CHUNK_MERGE 4000

/* the entry values a store's cache keeps: each at most this long, and all of
 * them with their keys at most this much */
#define VMDS_DATASETS_CACHE_MAX_VALUE 1024
#define VMDS_DATASETS_CACHE_MAX_BYTES (256 * 1024)

/**
 * VmdsDatasetsLimits:
 * @max_value: bytes of one value, at most %VMDS_DATASETS_MAX_VALUE
 * @max_vm_bytes: key and value bytes of all entries of a VM
 * @max_vm_entries: entries of a VM
 *
 * What a write may not exceed: `[datasets]` in vmds.conf, with VMware's
 * values as defaults (vmds_datasets_limits_default).
 */
typedef struct {
	gint64 max_value;
	gint64 max_vm_bytes;
	gint64 max_vm_entries;
} VmdsDatasetsLimits;

extern const VmdsDatasetsLimits vmds_datasets_limits_default;

/* the tables of data sets and entries in each VM's store */
extern const VmdsStoreSchema vmds_datasets_schema;

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

VmdsStore *vmds_datasets_open_store(const gchar *path, GError **error);

VmdsDataset *vmds_dataset_new(void);
void vmds_dataset_free(VmdsDataset *dataset);
void vmds_dataset_append_attributes(GString *out, const VmdsDataset *dataset);
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
gboolean vmds_datasets_set_entries(VmdsStore *store,
				   const VmdsDatasetsLimits *limits,
				   VmdsSide side,
				   const gchar *dataset,
				   GPtrArray *entries,
				   GError **error);
gboolean vmds_datasets_delete_entries(
    VmdsStore *store, VmdsSide side, const gchar *dataset, GPtrArray *keys, GError **error);

/* paging contexts: opaque, bound to the request they came from */
gchar *vmds_datasets_context_new(const gchar *request, const gchar *cursor, gsize cursor_len);
gchar *vmds_datasets_context_parse(const gchar *request,
				   const gchar *context,
				   gsize *cursor_len,
				   GError **error);

G_END_DECLS

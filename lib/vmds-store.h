/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define VMDS_TYPE_STORE (vmds_store_get_type())
G_DECLARE_FINAL_TYPE(VmdsStore, vmds_store, VMDS, STORE, GObject)

/* a statement borrowed from the store's cache (vmds_store_prepare()): the store
 * finalizes it; g_autoptr(VmdsStoreStmt) only resets it when it goes out of
 * scope, so a finished read never holds a read transaction open */
typedef sqlite3_stmt VmdsStoreStmt;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsStoreStmt, sqlite3_reset)

/* the newest schema this build writes; older stores are migrated on open */
#define VMDS_STORE_SCHEMA_VERSION 2

/* an entry's value lives in its row of `entries` while the key and the value
 * together are at most this many bytes, else in rows of `entry_chunks`
 * (schema version 2). Such a row fits in its b-tree page (4 KiB pages hold
 * rows of up to 1,002 bytes of a WITHOUT ROWID table): a longer one gets an
 * overflow page of its own (a 1,000-byte value took 4,684 bytes on disk),
 * and every search that compares a key with it reads all of it */
#define VMDS_STORE_INLINE_MAX 960
/* an append extends the value's last chunk while that is shorter than this,
 * else adds a chunk: every chunk but the last holds at least this many
 * bytes, so a value of n bytes has at most n / this + 1 chunks, and an
 * append rewrites at most this many bytes besides its own. A chunk this
 * long still fits in its page (4,061 bytes of a table with integer keys) */
#define VMDS_STORE_CHUNK_MERGE 4000

/* the entry values a store keeps in memory (vmds_store_cache_value()): each
 * at most this long, and all of them with their keys at most this much */
#define VMDS_STORE_CACHE_MAX_VALUE 1024
#define VMDS_STORE_CACHE_MAX_BYTES (256 * 1024)

VmdsStore *vmds_store_open(const gchar *path, GError **error);
const gchar *vmds_store_get_path(VmdsStore *self);
gint vmds_store_get_schema_version(VmdsStore *self);
sqlite3_stmt *vmds_store_prepare(VmdsStore *self, const gchar *sql, GError **error);
GHashTable *vmds_store_get_cache(VmdsStore *self);
const gchar *
vmds_store_lookup_value(VmdsStore *self, gint64 dataset_id, const gchar *key, gsize *value_len);
void vmds_store_cache_value(
    VmdsStore *self, gint64 dataset_id, const gchar *key, const gchar *value, gsize value_len);
void vmds_store_forget_value(VmdsStore *self, gint64 dataset_id, const gchar *key);
void vmds_store_forget_values(VmdsStore *self, gint64 dataset_id);
gboolean vmds_store_step_done(VmdsStore *self, sqlite3_stmt *stmt, GError **error);
gboolean vmds_store_begin(VmdsStore *self, GError **error);
gboolean vmds_store_commit(VmdsStore *self, GError **error);
void vmds_store_rollback(VmdsStore *self);
gboolean vmds_store_end(VmdsStore *self, gboolean ok, GError **error);
gboolean vmds_store_batch_begin(VmdsStore *self, GError **error);
gboolean vmds_store_batch_end(VmdsStore *self, GError **error);
gboolean vmds_store_set_error(VmdsStore *self, gint rc, GError **error);
void vmds_store_close(VmdsStore *self);

G_END_DECLS

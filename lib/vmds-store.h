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

/**
 * VmdsStoreSchemaFlags:
 * @VMDS_STORE_SCHEMA_FLAG_NONE: no flags
 * @VMDS_STORE_SCHEMA_FLAG_LEGACY: stores written before components had
 *   versions of their own (a `PRAGMA user_version` of 1 or 2, no
 *   `components` table) hold this component's tables, at that version
 */
typedef enum {
	VMDS_STORE_SCHEMA_FLAG_NONE = 0,
	VMDS_STORE_SCHEMA_FLAG_LEGACY = 1 << 0,
} VmdsStoreSchemaFlags;

/**
 * VmdsStoreCopyRule:
 * @table: one of the component's tables
 * @keep: an SQL condition on its rows: those for which it holds follow a
 *   copy (a snapshot, a clone); `0` keeps none
 *
 * What of a table a copy of the store leaves out (vmds_store_copy()).
 */
typedef struct {
	const gchar *table;
	const gchar *keep;
} VmdsStoreCopyRule;

/**
 * VmdsStoreSchema:
 * @component: the component's name (a plugin's name), unique in a store
 * @steps: its SQL, one step per version: @steps[N - 1] takes its tables
 *   from version N - 1 to N. Append only: never edit a released step
 * @n_steps: how many; the newest version this build writes
 * @flags: #VmdsStoreSchemaFlags
 * @copy_rules: (nullable): what a copy of the store leaves out of the
 *   component's tables, applied in order in the copy (with foreign keys
 *   and triggers on, so rows that depend on those deleted go with them);
 *   a table without a rule follows whole
 * @n_copy_rules: how many
 *
 * The tables one component keeps in every VM's store. The store tracks each
 * component's version in its `components` table and runs the steps a
 * component lacks, each in a transaction of its own, when it opens.
 */
typedef struct {
	const gchar *component;
	const gchar *const *steps;
	guint n_steps;
	VmdsStoreSchemaFlags flags;
	const VmdsStoreCopyRule *copy_rules;
	guint n_copy_rules;
} VmdsStoreSchema;

/* what a store's PRAGMA user_version is once each component's version is in
 * its `components` table; 1 and 2 were the versions of the one component
 * stores had before (VMDS_STORE_SCHEMA_FLAG_LEGACY) */
#define VMDS_STORE_FORMAT_VERSION 3

VmdsStore *vmds_store_open(const gchar *path, GPtrArray *schemas, GError **error);
const gchar *vmds_store_get_path(VmdsStore *self);
guint vmds_store_get_version(VmdsStore *self, const gchar *component);
sqlite3_stmt *vmds_store_prepare(VmdsStore *self, const gchar *sql, GError **error);
gboolean vmds_store_step(VmdsStore *self, sqlite3_stmt *stmt, gboolean *row, GError **error);
gboolean vmds_store_step_done(VmdsStore *self, sqlite3_stmt *stmt, GError **error);
gboolean vmds_store_begin(VmdsStore *self, GError **error);
gboolean vmds_store_commit(VmdsStore *self, GError **error);
void vmds_store_rollback(VmdsStore *self);
gboolean vmds_store_end(VmdsStore *self, gboolean ok, GError **error);
gboolean vmds_store_batch_begin(VmdsStore *self, GError **error);
gboolean vmds_store_batch_end(VmdsStore *self, GError **error);
gboolean vmds_store_set_error(VmdsStore *self, gint rc, GError **error);
void vmds_store_close(VmdsStore *self);
/**
 * VmdsStoreCopyFlags:
 * @VMDS_STORE_COPY_NONE: a snapshot or a clone: durable, less what the
 *   components' copy rules leave out
 * @VMDS_STORE_COPY_ALL: everything, the rules ignored (an export: a VM
 *   that moves keeps all of its data)
 * @VMDS_STORE_COPY_UNSYNCED: not written to disk (a copy read once, then
 *   removed)
 */
typedef enum {
	VMDS_STORE_COPY_NONE = 0,
	VMDS_STORE_COPY_ALL = 1 << 0,
	VMDS_STORE_COPY_UNSYNCED = 1 << 1,
} VmdsStoreCopyFlags;

gboolean
vmds_store_copy(VmdsStore *self, const gchar *path, VmdsStoreCopyFlags flags, GError **error);
gboolean vmds_store_leave_wal(const gchar *path, GError **error);
gboolean vmds_store_check_file(const gchar *path, GError **error);
gboolean vmds_store_hold(VmdsStore *self, goffset *size, GError **error);
gboolean
vmds_store_read_held(VmdsStore *self, goffset offset, gpointer buf, gsize len, GError **error);
void vmds_store_release(VmdsStore *self);
gboolean vmds_store_check_idle(VmdsStore *self, GError **error);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmds-error.h"
#include "vmds-metadata-filter.h"
#include "vmds-metadata-index.h"

/*
 * The schema is the shared design's (notes: "Global query index"); the
 * filter compiler (vmds-metadata-filter.c) writes its WHERE over it. The
 * index is derived data: user_version tells its schema, and a file of
 * another version is rebuilt from the stores by the syncs at start.
 */

#define VMDS_METADATA_INDEX_VERSION 1
/* the prepared statements kept at most, of queries' and syncs' */
#define VMDS_METADATA_INDEX_MAX_STMTS 256

static const gchar vmds_metadata_index_schema[] =
    "CREATE TABLE IF NOT EXISTS objects ("
    "  object_id INTEGER PRIMARY KEY,"
    "  vm TEXT NOT NULL,"
    "  vm_number INTEGER NOT NULL,"
    "  object_type TEXT NOT NULL,"
    "  object_name TEXT NOT NULL,"
    "  owner TEXT,"
    "  UNIQUE (vm, object_type, object_name)"
    ");"
    "CREATE TABLE IF NOT EXISTS entries ("
    "  object_id INTEGER NOT NULL REFERENCES objects(object_id) ON DELETE CASCADE,"
    "  domain TEXT NOT NULL,"
    "  visibility TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  value TEXT,"
    "  num INTEGER,"
    "  PRIMARY KEY (object_id, domain, key)"
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS entries_value ON entries (key, type, value);"
    "CREATE INDEX IF NOT EXISTS entries_num ON entries (key, type, num);"
    "CREATE INDEX IF NOT EXISTS objects_order ON objects (object_type, vm_number, object_name);"
    "CREATE TABLE IF NOT EXISTS vm_generations ("
    "  vm TEXT PRIMARY KEY,"
    "  generation INTEGER NOT NULL"
    ");";

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

struct _VmdsMetadataIndex {
	sqlite3 *db;
	gchar *path;
	GHashTable *stmts; /* SQL -> sqlite3_stmt, the cache of vmds_metadata_index_prepare() */
};

/* a statement borrowed from the cache: reset, not finalised, when done */
typedef sqlite3_stmt VmdsMetadataIndexStmt;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsMetadataIndexStmt, sqlite3_reset)

static gboolean
vmds_metadata_index_set_error(VmdsMetadataIndex *self, gint rc, GError **error)
{
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_STORAGE,
		    "metadata index %s: %s",
		    self->path,
		    self->db != NULL ? sqlite3_errmsg(self->db) : sqlite3_errstr(rc));
	return FALSE;
}

static gboolean
vmds_metadata_index_exec(VmdsMetadataIndex *self, const gchar *sql, GError **error)
{
	gint rc = sqlite3_exec(self->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return vmds_metadata_index_set_error(self, rc, error);
	return TRUE;
}

static sqlite3_stmt *
vmds_metadata_index_prepare(VmdsMetadataIndex *self, const gchar *sql, GError **error)
{
	sqlite3_stmt *stmt = g_hash_table_lookup(self->stmts, sql);
	gint rc;

	if (stmt != NULL)
		return stmt;
	rc = sqlite3_prepare_v3(self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
	if (rc != SQLITE_OK) {
		vmds_metadata_index_set_error(self, rc, error);
		return NULL;
	}
	g_hash_table_insert(self->stmts, g_strdup(sql), stmt);
	return stmt;
}

/* *row TRUE for a row, FALSE when done */
static gboolean
vmds_metadata_index_step(VmdsMetadataIndex *self, sqlite3_stmt *stmt, gboolean *row, GError **error)
{
	gint rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		if (row != NULL)
			*row = rc == SQLITE_ROW;
		return TRUE;
	}
	return vmds_metadata_index_set_error(self, rc, error);
}

static void
vmds_metadata_index_stmt_free_cb(gpointer data)
{
	sqlite3_finalize(data);
}

/* the database at @path, made 0600 before SQLite writes to it */
static gboolean
vmds_metadata_index_open_db(VmdsMetadataIndex *self, GError **error)
{
	gint fd = g_open(self->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	gint rc;

	if (fd < 0) {
		gint errsv = errno;
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "failed to open metadata index %s: %s",
			    self->path,
			    g_strerror(errsv));
		return FALSE;
	}
	if (fchmod(fd, 0600) != 0) {
		gint errsv = errno;
		close(fd);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "failed to restrict metadata index %s: %s",
			    self->path,
			    g_strerror(errsv));
		return FALSE;
	}
	close(fd);
	rc = sqlite3_open_v2(
	    self->path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return vmds_metadata_index_set_error(self, rc, error);
	sqlite3_busy_timeout(self->db, 5000);
	return TRUE;
}

static gboolean
vmds_metadata_index_setup(VmdsMetadataIndex *self, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint64 version = 0;
	gint rc;

	/* NORMAL: a commit lost to a power cut loses its generation with it,
	 * and the sync at start copies that VM again */
	if (!vmds_metadata_index_exec(self,
				      "PRAGMA journal_mode = WAL;"
				      "PRAGMA synchronous = NORMAL;"
				      "PRAGMA foreign_keys = ON;",
				      error))
		return FALSE;
	rc = sqlite3_prepare_v2(self->db, "PRAGMA user_version", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return vmds_metadata_index_set_error(self, rc, error);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int64(stmt, 0);
	if (version != 0 && version != VMDS_METADATA_INDEX_VERSION) {
		/* derived data of another build: start again from the stores */
		g_info("metadata index %s: version %" G_GINT64_FORMAT ", rebuilding",
		       self->path,
		       version);
		if (!vmds_metadata_index_exec(self,
					      "DROP TABLE IF EXISTS entries;"
					      "DROP TABLE IF EXISTS objects;"
					      "DROP TABLE IF EXISTS vm_generations;",
					      error))
			return FALSE;
	}
	return vmds_metadata_index_exec(self, vmds_metadata_index_schema, error) &&
	       vmds_metadata_index_exec(
		   self,
		   "PRAGMA user_version = " G_STRINGIFY(VMDS_METADATA_INDEX_VERSION) ";",
		   error) &&
	       vmds_metadata_filter_register(self->db, error);
}

/**
 * vmds_metadata_index_open:
 * @path: the index's file, `<state-dir>/metadata-index.db`
 * @error: a #GError or %NULL
 *
 * Opens the index, creating it (mode 0600) with its schema when it does not
 * exist; a file of another schema version is emptied (the syncs at start
 * fill it again).
 *
 * Returns: (transfer full): the index, or %NULL with %VMDS_ERROR_STORAGE
 */
VmdsMetadataIndex *
vmds_metadata_index_open(const gchar *path, GError **error)
{
	g_autoptr(VmdsMetadataIndex) self = g_new0(VmdsMetadataIndex, 1);

	g_return_val_if_fail(path != NULL, NULL);

	self->path = g_strdup(path);
	self->stmts = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, vmds_metadata_index_stmt_free_cb);
	if (!vmds_metadata_index_open_db(self, error) || !vmds_metadata_index_setup(self, error))
		return NULL;
	return g_steal_pointer(&self);
}

/**
 * vmds_metadata_index_free:
 * @self: (nullable): an index
 */
void
vmds_metadata_index_free(VmdsMetadataIndex *self)
{
	if (self == NULL)
		return;
	if (self->stmts != NULL)
		g_hash_table_unref(self->stmts);
	if (self->db != NULL)
		sqlite3_close(self->db);
	g_free(self->path);
	g_free(self);
}

/**
 * vmds_metadata_index_object_new:
 * @type: %VMDS_METADATA_OBJECT_VM or %VMDS_METADATA_OBJECT_DATASET
 * @name: "" for the VM, the data set's name
 *
 * Returns: (transfer full): an object without entries
 */
VmdsMetadataIndexObject *
vmds_metadata_index_object_new(const gchar *type, const gchar *name)
{
	VmdsMetadataIndexObject *object = g_new0(VmdsMetadataIndexObject, 1);

	object->type = g_strdup(type);
	object->name = g_strdup(name);
	object->entries = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_metadata_entry_free);
	return object;
}

/**
 * vmds_metadata_index_object_free:
 * @object: (nullable): an object
 */
void
vmds_metadata_index_object_free(VmdsMetadataIndexObject *object)
{
	if (object == NULL)
		return;
	g_free(object->type);
	g_free(object->name);
	g_ptr_array_unref(object->entries);
	g_free(object);
}

static void
vmds_metadata_index_row_free(VmdsMetadataIndexRow *row)
{
	if (row == NULL)
		return;
	g_free(row->vm);
	g_free(row->object_type);
	g_free(row->object_name);
	g_ptr_array_unref(row->fields);
	g_free(row);
}

/**
 * vmds_metadata_index_result_free:
 * @result: (nullable): a query's result
 */
void
vmds_metadata_index_result_free(VmdsMetadataIndexResult *result)
{
	if (result == NULL)
		return;
	g_ptr_array_unref(result->rows);
	g_free(result);
}

/* `vm-N` sorts by N (the order of queries, with the object name: the
 * objects_order index gives it without a sort); another id (none in the
 * daemon) after them all */
static gint64
vmds_metadata_index_vm_number(const gchar *vm_id)
{
	guint64 number = 0;

	if (g_str_has_prefix(vm_id, "vm-") &&
	    g_ascii_string_to_unsigned(vm_id + 3, 10, 0, G_MAXINT64, &number, NULL))
		return (gint64)number;
	return G_MAXINT64;
}

static gboolean
vmds_metadata_index_begin(VmdsMetadataIndex *self, GError **error)
{
	return vmds_metadata_index_exec(self, "BEGIN IMMEDIATE", error);
}

static gboolean
vmds_metadata_index_end(VmdsMetadataIndex *self, gboolean ok, GError **error)
{
	if (ok)
		return vmds_metadata_index_exec(self, "COMMIT", error);
	sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
	return FALSE;
}

static gboolean
vmds_metadata_index_delete_vm(VmdsMetadataIndex *self, const gchar *vm_id, GError **error)
{
	/* the entries go with their objects (ON DELETE CASCADE) */
	g_autoptr(VmdsMetadataIndexStmt) stmt =
	    vmds_metadata_index_prepare(self, "DELETE FROM objects WHERE vm = ?1", error);

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text(stmt, 1, vm_id, -1, SQLITE_STATIC);
	return vmds_metadata_index_step(self, stmt, NULL, error);
}

static gboolean
vmds_metadata_index_insert_entry(VmdsMetadataIndex *self,
				 gint64 object_id,
				 const VmdsMetadataEntry *entry,
				 GError **error)
{
	g_autoptr(VmdsMetadataIndexStmt) stmt = vmds_metadata_index_prepare(
	    self,
	    "INSERT INTO entries (object_id, domain, visibility, key, type, value, num) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	    error);

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, object_id);
	sqlite3_bind_text(
	    stmt, 2, vmds_metadata_domain_to_string(entry->domain), -1, SQLITE_STATIC);
	sqlite3_bind_text(
	    stmt, 3, vmds_metadata_visibility_to_string(entry->visibility), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, entry->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, vmds_metadata_type_to_string(entry->type), -1, SQLITE_STATIC);
	/* a STRING over 1,000 characters cannot be searched for (vCD): NULL */
	if (entry->type == VMDS_METADATA_STRING &&
	    g_utf8_strlen(entry->value, -1) > VMDS_METADATA_FILTER_MAX_STRING)
		sqlite3_bind_null(stmt, 6);
	else
		sqlite3_bind_text(stmt, 6, entry->value, -1, SQLITE_STATIC);
	if (entry->type == VMDS_METADATA_STRING)
		sqlite3_bind_null(stmt, 7);
	else
		sqlite3_bind_int64(stmt, 7, entry->num);
	return vmds_metadata_index_step(self, stmt, NULL, error);
}

static gboolean
vmds_metadata_index_insert_objects(VmdsMetadataIndex *self,
				   const gchar *vm_id,
				   const gchar *owner,
				   guint64 generation,
				   GPtrArray *objects,
				   GError **error)
{
	gint64 number = vmds_metadata_index_vm_number(vm_id);

	if (!vmds_metadata_index_delete_vm(self, vm_id, error))
		return FALSE;
	for (guint i = 0; i < objects->len; i++) {
		VmdsMetadataIndexObject *object = g_ptr_array_index(objects, i);
		g_autoptr(VmdsMetadataIndexStmt) stmt = vmds_metadata_index_prepare(
		    self,
		    "INSERT INTO objects (vm, vm_number, object_type, object_name, owner) "
		    "VALUES (?1, ?2, ?3, ?4, ?5)",
		    error);
		gint64 object_id;

		if (stmt == NULL)
			return FALSE;
		sqlite3_bind_text(stmt, 1, vm_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, number);
		sqlite3_bind_text(stmt, 3, object->type, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, object->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, owner, -1, SQLITE_STATIC);
		if (!vmds_metadata_index_step(self, stmt, NULL, error))
			return FALSE;
		object_id = sqlite3_last_insert_rowid(self->db);
		for (guint j = 0; j < object->entries->len; j++) {
			if (!vmds_metadata_index_insert_entry(
				self, object_id, g_ptr_array_index(object->entries, j), error))
				return FALSE;
		}
	}
	{
		g_autoptr(VmdsMetadataIndexStmt) stmt = vmds_metadata_index_prepare(
		    self,
		    "INSERT INTO vm_generations (vm, generation) VALUES (?1, ?2) "
		    "ON CONFLICT (vm) DO UPDATE SET generation = excluded.generation",
		    error);
		if (stmt == NULL)
			return FALSE;
		sqlite3_bind_text(stmt, 1, vm_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, (gint64)generation);
		return vmds_metadata_index_step(self, stmt, NULL, error);
	}
}

/**
 * vmds_metadata_index_replace_vm:
 * @self: the index
 * @vm_id: the VM's id, `vm-N`
 * @owner: (nullable): its owner
 * @generation: the store's metadata generation @objects are of
 * @objects: (element-type VmdsMetadataIndexObject): all the VM's objects:
 *   the VM itself and its data sets, with all their entries
 * @error: a #GError or %NULL
 *
 * Replaces what the index holds of the VM with @objects and records
 * @generation, in one transaction. vmds_metadata_index_sync_vm() reads them
 * from the store; the benchmark gives them directly.
 *
 * Returns: %FALSE with %VMDS_ERROR_STORAGE, the index unchanged
 */
gboolean
vmds_metadata_index_replace_vm(VmdsMetadataIndex *self,
			       const gchar *vm_id,
			       const gchar *owner,
			       guint64 generation,
			       GPtrArray *objects,
			       GError **error)
{
	gboolean ok;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(vm_id != NULL, FALSE);
	g_return_val_if_fail(objects != NULL, FALSE);

	if (!vmds_metadata_index_begin(self, error))
		return FALSE;
	ok = vmds_metadata_index_insert_objects(self, vm_id, owner, generation, objects, error);
	return vmds_metadata_index_end(self, ok, ok ? error : NULL);
}

/**
 * vmds_metadata_index_remove_vm:
 * @self: the index
 * @vm_id: a VM's id
 * @error: a #GError or %NULL
 *
 * Forgets the VM, its objects and its generation (::vm-removed).
 *
 * Returns: %FALSE with %VMDS_ERROR_STORAGE
 */
gboolean
vmds_metadata_index_remove_vm(VmdsMetadataIndex *self, const gchar *vm_id, GError **error)
{
	g_autoptr(VmdsMetadataIndexStmt) stmt = NULL;
	gboolean ok;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(vm_id != NULL, FALSE);

	if (!vmds_metadata_index_begin(self, error))
		return FALSE;
	ok = vmds_metadata_index_delete_vm(self, vm_id, error);
	if (ok) {
		stmt = vmds_metadata_index_prepare(
		    self, "DELETE FROM vm_generations WHERE vm = ?1", error);
		ok = stmt != NULL;
	}
	if (ok) {
		sqlite3_bind_text(stmt, 1, vm_id, -1, SQLITE_STATIC);
		ok = vmds_metadata_index_step(self, stmt, NULL, error);
	}
	return vmds_metadata_index_end(self, ok, ok ? error : NULL);
}

/**
 * vmds_metadata_index_get_generation:
 * @self: the index
 * @vm_id: a VM's id
 * @known: (out): whether the index holds the VM
 * @generation: (out): the store generation it holds, 0 when not @known
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_STORAGE
 */
gboolean
vmds_metadata_index_get_generation(VmdsMetadataIndex *self,
				   const gchar *vm_id,
				   gboolean *known,
				   guint64 *generation,
				   GError **error)
{
	g_autoptr(VmdsMetadataIndexStmt) stmt = NULL;
	gboolean row = FALSE;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(vm_id != NULL, FALSE);
	g_return_val_if_fail(known != NULL && generation != NULL, FALSE);

	stmt = vmds_metadata_index_prepare(
	    self, "SELECT generation FROM vm_generations WHERE vm = ?1", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text(stmt, 1, vm_id, -1, SQLITE_STATIC);
	if (!vmds_metadata_index_step(self, stmt, &row, error))
		return FALSE;
	*known = row;
	*generation = row ? (guint64)sqlite3_column_int64(stmt, 0) : 0;
	return TRUE;
}

static gboolean
vmds_metadata_index_set_owner(VmdsMetadataIndex *self,
			      const gchar *vm_id,
			      const gchar *owner,
			      GError **error)
{
	g_autoptr(VmdsMetadataIndexStmt) stmt = vmds_metadata_index_prepare(
	    self, "UPDATE objects SET owner = ?2 WHERE vm = ?1 AND owner IS NOT ?2", error);

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text(stmt, 1, vm_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, owner, -1, SQLITE_STATIC);
	return vmds_metadata_index_step(self, stmt, NULL, error);
}

/* the object of @type and @name in @objects, added when missing */
static VmdsMetadataIndexObject *
vmds_metadata_index_objects_get(GPtrArray *objects,
				GHashTable *by_name,
				const gchar *type,
				const gchar *name)
{
	g_autofree gchar *id = g_strdup_printf("%s/%s", type, name);
	VmdsMetadataIndexObject *object = g_hash_table_lookup(by_name, id);

	if (object == NULL) {
		object = vmds_metadata_index_object_new(type, name);
		g_ptr_array_add(objects, object);
		g_hash_table_insert(by_name, g_steal_pointer(&id), object);
	}
	return object;
}

/* all of the VM's objects and entries, as the store holds them now */
static GPtrArray *
vmds_metadata_index_read_store(VmdsStore *store, GError **error)
{
	g_autoptr(GPtrArray) objects =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_metadata_index_object_free);
	g_autoptr(GHashTable) by_name =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	gboolean row = TRUE;

	vmds_metadata_index_objects_get(objects, by_name, VMDS_METADATA_OBJECT_VM, "");
	if (vmds_store_get_version(store, "datasets") > 0) {
		g_autoptr(VmdsStoreStmt) names =
		    vmds_store_prepare(store, "SELECT name FROM datasets ORDER BY name", error);
		if (names == NULL)
			return NULL;
		while (row) {
			if (!vmds_store_step(store, names, &row, error))
				return NULL;
			if (row)
				vmds_metadata_index_objects_get(
				    objects,
				    by_name,
				    VMDS_METADATA_OBJECT_DATASET,
				    (const gchar *)sqlite3_column_text(names, 0));
		}
	}
	stmt = vmds_store_prepare(store,
				  "SELECT object_type, object_name, domain, visibility, key, type, "
				  "value, num FROM metadata_entries",
				  error);
	if (stmt == NULL)
		return NULL;
	row = TRUE;
	while (row) {
		VmdsMetadataIndexObject *object;
		g_autoptr(VmdsMetadataEntry) entry = g_new0(VmdsMetadataEntry, 1);

		if (!vmds_store_step(store, stmt, &row, error))
			return NULL;
		if (!row)
			break;
		if (sqlite3_column_type(stmt, 0) != SQLITE_TEXT ||
		    sqlite3_column_type(stmt, 1) != SQLITE_TEXT ||
		    sqlite3_column_type(stmt, 4) != SQLITE_TEXT ||
		    sqlite3_column_type(stmt, 6) != SQLITE_TEXT ||
		    !vmds_metadata_domain_from_string((const gchar *)sqlite3_column_text(stmt, 2),
						      &entry->domain) ||
		    !vmds_metadata_visibility_from_string(
			(const gchar *)sqlite3_column_text(stmt, 3), &entry->visibility) ||
		    !vmds_metadata_type_from_string((const gchar *)sqlite3_column_text(stmt, 5),
						    &entry->type)) {
			g_set_error_literal(
			    error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "the store holds a metadata entry this build cannot read");
			return NULL;
		}
		entry->key = g_strdup((const gchar *)sqlite3_column_text(stmt, 4));
		entry->value = g_strdup((const gchar *)sqlite3_column_text(stmt, 6));
		entry->num = sqlite3_column_int64(stmt, 7);
		object =
		    vmds_metadata_index_objects_get(objects,
						    by_name,
						    (const gchar *)sqlite3_column_text(stmt, 0),
						    (const gchar *)sqlite3_column_text(stmt, 1));
		g_ptr_array_add(object->entries, g_steal_pointer(&entry));
	}
	return g_steal_pointer(&objects);
}

static gboolean
vmds_metadata_index_copy_vm(VmdsMetadataIndex *self,
			    const gchar *vm_id,
			    const gchar *owner,
			    VmdsStore *store,
			    gboolean force,
			    GError **error)
{
	g_autoptr(GPtrArray) objects = NULL;
	guint64 store_generation = 0;
	guint64 index_generation = 0;
	gboolean known = FALSE;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(vm_id != NULL, FALSE);
	g_return_val_if_fail(VMDS_IS_STORE(store), FALSE);

	if (!vmds_metadata_get_generation(store, &store_generation, error) ||
	    !vmds_metadata_index_get_generation(self, vm_id, &known, &index_generation, error)) {
		g_prefix_error(error, "failed to index the metadata of %s: ", vm_id);
		return FALSE;
	}
	if (!force && known && index_generation == store_generation) {
		if (!vmds_metadata_index_set_owner(self, vm_id, owner, error)) {
			g_prefix_error(error, "failed to index the owner of %s: ", vm_id);
			return FALSE;
		}
		return TRUE;
	}
	/* the store is not written between the two reads: the daemon's
	 * thread owns it, and this runs there */
	objects = vmds_metadata_index_read_store(store, error);
	if (objects == NULL ||
	    !vmds_metadata_index_replace_vm(self, vm_id, owner, store_generation, objects, error)) {
		g_prefix_error(error, "failed to index the metadata of %s: ", vm_id);
		return FALSE;
	}
	g_debug("indexed the metadata of %s: %u objects, generation %" G_GUINT64_FORMAT,
		vm_id,
		objects->len,
		store_generation);
	return TRUE;
}

/**
 * vmds_metadata_index_sync_vm:
 * @self: the index
 * @vm_id: the VM's id, `vm-N`
 * @owner: (nullable): its owner now
 * @store: its store
 * @error: a #GError or %NULL
 *
 * Brings the index up to the VM's store: when the store's metadata
 * generation differs from the one the index recorded (or the index does not
 * know the VM), replaces the VM's objects and entries with the store's in
 * one transaction that records the generation; otherwise only sets the
 * owner when it changed. Call it after each metadata write commits, and on
 * ::vm-added, ::vm-reverted and ::vm-owner-changed.
 *
 * Returns: %FALSE with %VMDS_ERROR_STORAGE, the index unchanged
 */
gboolean
vmds_metadata_index_sync_vm(VmdsMetadataIndex *self,
			    const gchar *vm_id,
			    const gchar *owner,
			    VmdsStore *store,
			    GError **error)
{
	return vmds_metadata_index_copy_vm(self, vm_id, owner, store, FALSE, error);
}

/**
 * vmds_metadata_index_refresh_vm:
 * @self: the index
 * @vm_id: the VM's id, `vm-N`
 * @owner: (nullable): its owner now
 * @store: its store
 * @error: a #GError or %NULL
 *
 * Copies the VM's objects and entries from the store whatever the
 * generations: a data set was created or deleted (which does not change the
 * metadata generation when it has no metadata), so that `type=dataset`
 * lists it as it is.
 *
 * Returns: %FALSE with %VMDS_ERROR_STORAGE, the index unchanged
 */
gboolean
vmds_metadata_index_refresh_vm(VmdsMetadataIndex *self,
			       const gchar *vm_id,
			       const gchar *owner,
			       VmdsStore *store,
			       GError **error)
{
	return vmds_metadata_index_copy_vm(self, vm_id, owner, store, TRUE, error);
}

typedef struct {
	VmdsMetadataDomain domain;
	const gchar *key;
} VmdsMetadataIndexField;

/* `metadata:K` or `metadata@DOMAIN:K`, K decoded: whether @text is one */
static gboolean
vmds_metadata_index_read_field_name(const gchar *text, VmdsMetadataIndexField *field)
{
	const gchar *rest;

	field->domain = VMDS_METADATA_GENERAL;
	if (!g_str_has_prefix(text, "metadata"))
		return FALSE;
	rest = text + strlen("metadata");
	if (rest[0] == '@') {
		const gchar *colon = strchr(rest, ':');
		g_autofree gchar *domain = NULL;
		if (colon == NULL)
			return FALSE;
		domain = g_strndup(rest + 1, colon - rest - 1);
		if (!vmds_metadata_domain_from_string(domain, &field->domain))
			return FALSE;
		rest = colon;
	}
	if (rest[0] != ':' || !vmds_metadata_check_key(rest + 1, NULL))
		return FALSE;
	field->key = rest + 1;
	return TRUE;
}

static gboolean
vmds_metadata_index_parse_field(const gchar *text, VmdsMetadataIndexField *field, GError **error)
{
	g_autofree gchar *valid = NULL;
	g_autofree gchar *quoted = NULL;

	if (vmds_metadata_index_read_field_name(text, field))
		return TRUE;
	/* its key is decoded: any bytes, any length */
	valid = g_utf8_make_valid(text, -1);
	quoted = vmds_json_abbreviate(valid);
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "fields: '%s' is not metadata:KEY or metadata@DOMAIN:KEY",
		    quoted);
	return FALSE;
}

static gboolean
vmds_metadata_index_may_see(const VmdsCaller *caller,
			    const gchar *object_type,
			    VmdsMetadataDomain domain,
			    VmdsMetadataVisibility visibility)
{
	if (caller->administrator)
		return TRUE;
	switch (domain) {
	case VMDS_METADATA_GENERAL:
		return TRUE;
	case VMDS_METADATA_SYSTEM:
		return visibility == VMDS_METADATA_READONLY;
	case VMDS_METADATA_VCENTER:
		return caller->vcenter_metadata &&
		       g_strcmp0(object_type, VMDS_METADATA_OBJECT_VM) == 0;
	default:
		return FALSE;
	}
}

static gboolean
vmds_metadata_index_read_field(VmdsMetadataIndex *self,
			       gint64 object_id,
			       const gchar *object_type,
			       const VmdsCaller *caller,
			       const VmdsMetadataIndexField *field,
			       VmdsMetadataEntry **entry,
			       GError **error)
{
	g_autoptr(VmdsMetadataIndexStmt) stmt =
	    vmds_metadata_index_prepare(self,
					"SELECT visibility, type, value, num FROM entries "
					"WHERE object_id = ?1 AND domain = ?2 AND key = ?3",
					error);
	VmdsMetadataVisibility visibility;
	VmdsMetadataType type;
	gboolean row = FALSE;

	*entry = NULL;
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, object_id);
	sqlite3_bind_text(
	    stmt, 2, vmds_metadata_domain_to_string(field->domain), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, field->key, -1, SQLITE_STATIC);
	if (!vmds_metadata_index_step(self, stmt, &row, error))
		return FALSE;
	if (!row ||
	    !vmds_metadata_visibility_from_string((const gchar *)sqlite3_column_text(stmt, 0),
						  &visibility) ||
	    !vmds_metadata_type_from_string((const gchar *)sqlite3_column_text(stmt, 1), &type) ||
	    !vmds_metadata_index_may_see(caller, object_type, field->domain, visibility))
		return TRUE;
	*entry = g_new0(VmdsMetadataEntry, 1);
	(*entry)->domain = field->domain;
	(*entry)->visibility = visibility;
	(*entry)->key = g_strdup(field->key);
	(*entry)->type = type;
	(*entry)->value = g_strdup((const gchar *)sqlite3_column_text(stmt, 2));
	(*entry)->num = sqlite3_column_int64(stmt, 3);
	return TRUE;
}

static void
vmds_metadata_index_entry_free_cb(gpointer data)
{
	vmds_metadata_entry_free(data);
}

/* binds the WHERE's parameters from 1: type, [owner], the filter's */
static gboolean
vmds_metadata_index_bind_where(sqlite3_stmt *stmt,
			       const gchar *type,
			       const VmdsCaller *caller,
			       GPtrArray *params,
			       gint *next,
			       GError **error)
{
	gint i = 1;

	sqlite3_bind_text(stmt, i++, type, -1, SQLITE_STATIC);
	if (!caller->administrator)
		sqlite3_bind_text(stmt, i++, caller->user, -1, SQLITE_STATIC);
	if (!vmds_metadata_filter_bind(stmt, i, params, error))
		return FALSE;
	*next = i + (gint)params->len;
	return TRUE;
}

/**
 * vmds_metadata_index_query:
 * @self: the index
 * @type: %VMDS_METADATA_OBJECT_VM or %VMDS_METADATA_OBJECT_DATASET
 * @filter: (nullable): a filter in vCD's syntax (vmds-metadata-filter.c);
 *   %NULL or "" selects every object of @type
 * @caller: who asks: administrators see every VM's objects, anyone else the
 *   objects of the VMs it owns; the filter matches, and the fields show,
 *   only entries the caller may see
 * @page: the page, from 1
 * @page_size: its size, 1 to %VMDS_METADATA_INDEX_MAX_PAGE_SIZE; 0 for
 *   %VMDS_METADATA_INDEX_PAGE_SIZE
 * @fields: (nullable): up to %VMDS_METADATA_INDEX_MAX_FIELDS entries to
 *   return per object, each `metadata:KEY` (GENERAL) or
 *   `metadata@DOMAIN:KEY`, KEY decoded
 * @error: a #GError or %NULL
 *
 * Selects objects by metadata, in a stable order: VM number, then object
 * name. A page past the last is empty.
 *
 * Returns: (transfer full): the result, or %NULL with
 *   %VMDS_ERROR_INVALID_ARGUMENT (a malformed filter: its message says the
 *   column; a bad type, page, page size or field) or %VMDS_ERROR_STORAGE
 */
VmdsMetadataIndexResult *
vmds_metadata_index_query(VmdsMetadataIndex *self,
			  const gchar *type,
			  const gchar *filter,
			  const VmdsCaller *caller,
			  guint page,
			  guint page_size,
			  const gchar *const *fields,
			  GError **error)
{
	g_autoptr(VmdsMetadataIndexResult) result = NULL;
	g_autoptr(VmdsMetadataFilter) parsed = NULL;
	g_autoptr(GPtrArray) params =
	    g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
	g_autoptr(GArray) parsed_fields = g_array_new(FALSE, FALSE, sizeof(VmdsMetadataIndexField));
	g_autoptr(GString) where = g_string_new("o.object_type = ?");
	g_autofree gchar *sql_count = NULL;
	g_autofree gchar *sql_page = NULL;
	g_autoptr(VmdsMetadataIndexStmt) count = NULL;
	g_autoptr(VmdsMetadataIndexStmt) stmt = NULL;
	gboolean row = TRUE;
	gint next = 0;

	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(type != NULL, NULL);
	g_return_val_if_fail(caller != NULL && caller->user != NULL, NULL);

	if (g_strcmp0(type, VMDS_METADATA_OBJECT_VM) != 0 &&
	    g_strcmp0(type, VMDS_METADATA_OBJECT_DATASET) != 0) {
		g_autofree gchar *valid = g_utf8_make_valid(type, -1);
		g_autofree gchar *quoted = vmds_json_abbreviate(valid);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "type: '%s' is not vm or dataset",
			    quoted);
		return NULL;
	}
	if (page == 0) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "page: pages count from 1");
		return NULL;
	}
	if (page_size == 0)
		page_size = VMDS_METADATA_INDEX_PAGE_SIZE;
	if (page_size > VMDS_METADATA_INDEX_MAX_PAGE_SIZE) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "pageSize: %u is over %u",
			    page_size,
			    (guint)VMDS_METADATA_INDEX_MAX_PAGE_SIZE);
		return NULL;
	}
	if (fields != NULL && g_strv_length((gchar **)fields) > VMDS_METADATA_INDEX_MAX_FIELDS) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "fields: more than %u",
			    (guint)VMDS_METADATA_INDEX_MAX_FIELDS);
		return NULL;
	}
	for (guint i = 0; fields != NULL && fields[i] != NULL; i++) {
		VmdsMetadataIndexField field;
		if (!vmds_metadata_index_parse_field(fields[i], &field, error))
			return NULL;
		g_array_append_val(parsed_fields, field);
	}
	if (!caller->administrator)
		g_string_append(where, " AND o.owner = ?");
	if (filter != NULL && filter[0] != '\0') {
		g_autofree gchar *text = NULL;
		parsed = vmds_metadata_filter_parse(filter, error);
		if (parsed == NULL)
			return NULL;
		text = vmds_metadata_filter_to_sql(
		    parsed, caller->administrator, caller->vcenter_metadata, params);
		g_string_append_printf(where, " AND (%s)", text);
	}

	result = g_new0(VmdsMetadataIndexResult, 1);
	result->page = page;
	result->page_size = page_size;
	result->rows = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_metadata_index_row_free);

	/* one pass selects the objects once, counts them (the window) and
	 * sorts them (a page of a few hundred matches is cheaper sorted than
	 * read in order through objects_order while the filter's IN lists are
	 * built a second time); '+' keeps SQLite off objects_order, so that
	 * it starts from the filter's IN lists when there are any */
	sql_page = g_strdup_printf(
	    "SELECT o.object_id, o.vm, o.object_type, o.object_name, count(*) OVER () "
	    "FROM objects AS o WHERE +%s ORDER BY o.vm_number, o.object_name LIMIT ? OFFSET ?",
	    where->str);
	/* the statements of a filter's shape are kept (its values are bound):
	 * a few hundred shapes at most, none borrowed now */
	if (g_hash_table_size(self->stmts) > VMDS_METADATA_INDEX_MAX_STMTS)
		g_hash_table_remove_all(self->stmts);
	stmt = vmds_metadata_index_prepare(self, sql_page, error);
	if (stmt == NULL)
		return NULL;
	if (!vmds_metadata_index_bind_where(stmt, type, caller, params, &next, error))
		return NULL;
	sqlite3_bind_int64(stmt, next, page_size);
	sqlite3_bind_int64(stmt, next + 1, (gint64)(page - 1) * page_size);
	row = TRUE;
	while (row) {
		VmdsMetadataIndexRow *item;
		gint64 object_id;

		if (!vmds_metadata_index_step(self, stmt, &row, error))
			return NULL;
		if (!row)
			break;
		object_id = sqlite3_column_int64(stmt, 0);
		result->total = (guint64)sqlite3_column_int64(stmt, 4);
		item = g_new0(VmdsMetadataIndexRow, 1);
		item->vm = g_strdup((const gchar *)sqlite3_column_text(stmt, 1));
		item->object_type = g_strdup((const gchar *)sqlite3_column_text(stmt, 2));
		item->object_name = g_strdup((const gchar *)sqlite3_column_text(stmt, 3));
		item->fields =
		    g_ptr_array_new_full(parsed_fields->len, vmds_metadata_index_entry_free_cb);
		g_ptr_array_add(result->rows, item);
		for (guint i = 0; i < parsed_fields->len; i++) {
			VmdsMetadataEntry *entry = NULL;
			if (!vmds_metadata_index_read_field(
				self,
				object_id,
				item->object_type,
				caller,
				&g_array_index(parsed_fields, VmdsMetadataIndexField, i),
				&entry,
				error))
				return NULL;
			g_ptr_array_add(item->fields, entry);
		}
	}
	if (result->rows->len > 0 || page == 1)
		return g_steal_pointer(&result);

	/* a page past the last: the total alone */
	sql_count = g_strdup_printf("SELECT count(*) FROM objects AS o WHERE +%s", where->str);
	count = vmds_metadata_index_prepare(self, sql_count, error);
	if (count == NULL)
		return NULL;
	if (!vmds_metadata_index_bind_where(count, type, caller, params, &next, error) ||
	    !vmds_metadata_index_step(self, count, &row, error))
		return NULL;
	result->total = row ? (guint64)sqlite3_column_int64(count, 0) : 0;
	return g_steal_pointer(&result);
}

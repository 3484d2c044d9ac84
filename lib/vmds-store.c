/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "vmds-error.h"
#include "vmds-store.h"

/* how long a statement waits for a lock held by another connection */
#define VMDS_STORE_BUSY_TIMEOUT_MS 5000

/* a group commit: transactions are savepoints in one transaction, which is
 * begun by the first of them, so a group of reads costs nothing */
typedef enum {
	VMDS_STORE_BATCH_NONE,
	VMDS_STORE_BATCH_ARMED,
	VMDS_STORE_BATCH_OPEN,
} VmdsStoreBatch;

struct _VmdsStore {
	GObject parent_instance;
	gchar *path;
	gchar *dir; /* of path */
	sqlite3 *db;
	gint lock_fd;
	GHashTable *versions; /* component name -> its version (GUINT_TO_POINTER) */
	GHashTable *stmts;    /* sql (its address) -> sqlite3_stmt (finalized on removal) */
	GPtrArray *schemas;   /* (nullable): of const VmdsStoreSchema, as opened */
	VmdsStoreBatch batch;
	gboolean held; /* its main file is read as it is (vmds_store_hold()) */
	gint copy_fd;  /* its main file, read only, for copies; closed after db */
};

G_DEFINE_FINAL_TYPE(VmdsStore, vmds_store, G_TYPE_OBJECT)

/* the store's own table: the version of each component's tables */
static const gchar vmds_store_components_sql[] = "CREATE TABLE components ("
						 "  name TEXT PRIMARY KEY,"
						 "  version INTEGER NOT NULL CHECK (version >= 0)"
						 ") WITHOUT ROWID";

enum { SIGNAL_COMMITTED, SIGNAL_ROLLED_BACK, SIGNAL_CLOSED, SIGNAL_LAST };
static guint vmds_store_signals[SIGNAL_LAST] = {0};

static void
vmds_store_stmt_free_cb(gpointer data)
{
	sqlite3_finalize(data);
}

/* SQLite rolled a transaction back, asked to or on its own (SQLITE_FULL,
 * SQLITE_IOERR...): what caches hold may have been read inside it. Called
 * inside SQLite: the handlers of ::rolled-back must not use the store */
static void
vmds_store_rollback_cb(gpointer user_data)
{
	VmdsStore *self = user_data;

	g_signal_emit(self, vmds_store_signals[SIGNAL_ROLLED_BACK], 0);
}

/* whether @msg tells where the store lives: its path, or its directory */
static gboolean
vmds_store_mentions_location(VmdsStore *self, const gchar *msg)
{
	if (self->path != NULL && strstr(msg, self->path) != NULL)
		return TRUE;
	return self->dir != NULL && g_path_is_absolute(self->dir) && self->dir[1] != '\0' &&
	       strstr(msg, self->dir) != NULL;
}

/**
 * vmds_store_set_error:
 * @self: a #VmdsStore
 * @rc: the SQLite result code of the call that failed
 * @error: (nullable): return location for a #GError
 *
 * Converts a SQLite failure into %VMDS_ERROR_STORAGE, with SQLite's message
 * for it. Call it right after the failing call, before any other call on the
 * store. `SQLITE_FULL`, `SQLITE_IOERR` and every other code are storage errors:
 * whatever failed, the transaction did not happen.
 *
 * The message never holds the store's path or directory (should SQLite's
 * name a file, its generic text for @rc replaces it): errors of requests
 * reach the guest. Only vmds_store_open() names the path, for the operator.
 *
 * Returns: %FALSE, always, so that `return vmds_store_set_error(...)` reads well
 */
gboolean
vmds_store_set_error(VmdsStore *self, gint rc, GError **error)
{
	const gchar *msg = sqlite3_errstr(rc);

	g_return_val_if_fail(VMDS_IS_STORE(self), FALSE);

	/* the connection's message is more precise, when it is about this rc */
	if (self->db != NULL && (sqlite3_extended_errcode(self->db) & 0xff) == (rc & 0xff) &&
	    !vmds_store_mentions_location(self, sqlite3_errmsg(self->db)))
		msg = sqlite3_errmsg(self->db);
	g_set_error(error, VMDS_ERROR, VMDS_ERROR_STORAGE, "%s", msg);
	return FALSE;
}

/* the errors of requests never name the store's path: they reach guests */
static gboolean
vmds_store_check_open(VmdsStore *self, GError **error)
{
	if (self->db != NULL)
		return TRUE;
	g_set_error_literal(error, VMDS_ERROR, VMDS_ERROR_STORAGE, "the store is closed");
	return FALSE;
}

static gboolean
vmds_store_exec(VmdsStore *self, const gchar *sql, const gchar *what, GError **error)
{
	gint rc = sqlite3_exec(self->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		vmds_store_set_error(self, rc, error);
		g_prefix_error(error, "failed to %s: ", what);
		return FALSE;
	}
	return TRUE;
}

/* runs one statement of those every transaction needs (BEGIN, COMMIT...):
 * prepared once, where sqlite3_exec() would parse it each time */
static gboolean
vmds_store_run(VmdsStore *self, const gchar *sql, const gchar *what, GError **error)
{
	sqlite3_stmt *stmt = vmds_store_prepare(self, sql, error);

	if (stmt == NULL || !vmds_store_step_done(self, stmt, error)) {
		g_prefix_error(error, "failed to %s: ", what);
		return FALSE;
	}
	return TRUE;
}

/* runs a statement returning one row of one column; NULL for no row */
static gboolean
vmds_store_query_one(VmdsStore *self, const gchar *sql, gchar **text, gint64 *num, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(self, sql, error);
	gint rc;

	if (stmt == NULL)
		return FALSE;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		vmds_store_set_error(self, rc, error);
		g_prefix_error(error, "failed to run '%s': ", sql);
		return FALSE;
	}
	if (text != NULL)
		*text =
		    rc == SQLITE_ROW ? g_strdup((const gchar *)sqlite3_column_text(stmt, 0)) : NULL;
	if (num != NULL)
		*num = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	return TRUE;
}

/* binds @text to @stmt's parameter @idx; FALSE with an error if it fails */
static gboolean
vmds_store_bind_text(
    VmdsStore *self, sqlite3_stmt *stmt, gint idx, const gchar *text, GError **error)
{
	gint rc = sqlite3_bind_text(stmt, idx, text, -1, SQLITE_STATIC);

	if (rc != SQLITE_OK)
		return vmds_store_set_error(self, rc, error);
	return TRUE;
}

/* notes in the `components` table that @component is at @version */
static gboolean
vmds_store_set_version(VmdsStore *self, const gchar *component, guint version, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt =
	    vmds_store_prepare(self,
			       "INSERT INTO components (name, version) VALUES (?1, ?2) "
			       "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
			       error);

	if (stmt == NULL || !vmds_store_bind_text(self, stmt, 1, component, error))
		return FALSE;
	sqlite3_bind_int64(stmt, 2, version);
	if (!vmds_store_step_done(self, stmt, error))
		return FALSE;
	g_hash_table_insert(self->versions, g_strdup(component), GUINT_TO_POINTER(version));
	return TRUE;
}

/* reads the `components` table into self->versions */
static gboolean
vmds_store_read_versions(VmdsStore *self, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt =
	    vmds_store_prepare(self, "SELECT name, version FROM components", error);
	gint rc;

	if (stmt == NULL)
		return FALSE;
	g_hash_table_remove_all(self->versions);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		gint64 version = sqlite3_column_int64(stmt, 1);
		g_hash_table_insert(self->versions,
				    g_strdup((const gchar *)sqlite3_column_text(stmt, 0)),
				    GUINT_TO_POINTER((guint)CLAMP(version, 0, G_MAXUINT)));
	}
	if (rc != SQLITE_DONE) {
		vmds_store_set_error(self, rc, error);
		g_prefix_error(error, "failed to read the versions of %s: ", self->path);
		return FALSE;
	}
	return TRUE;
}

/* @schemas' only component flagged VMDS_STORE_SCHEMA_FLAG_LEGACY, or NULL */
static const VmdsStoreSchema *
vmds_store_find_legacy(GPtrArray *schemas)
{
	for (guint i = 0; schemas != NULL && i < schemas->len; i++) {
		const VmdsStoreSchema *schema = g_ptr_array_index(schemas, i);
		if ((schema->flags & VMDS_STORE_SCHEMA_FLAG_LEGACY) != 0)
			return schema;
	}
	return NULL;
}

/*
 * Makes the store track versions per component: a new store gets its
 * `components` table; one written before (user_version 1 or 2) gets it with
 * the version of the component it held all along, in one transaction.
 */
static gboolean
vmds_store_upgrade_format(VmdsStore *self, gint64 user_version, GPtrArray *schemas, GError **error)
{
	const VmdsStoreSchema *legacy = vmds_store_find_legacy(schemas);
	g_autofree gchar *bump =
	    g_strdup_printf("PRAGMA user_version = %d", VMDS_STORE_FORMAT_VERSION);

	if (user_version > 0 && legacy == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_UNSUPPORTED,
			    "store %s was written by an earlier vmds (version %" G_GINT64_FORMAT
			    "), and no plugin loaded claims its tables: install the plugins it "
			    "was written with",
			    self->path,
			    user_version);
		return FALSE;
	}
	if (!vmds_store_begin(self, error))
		return FALSE;
	if (!vmds_store_exec(self, vmds_store_components_sql, "create the components", error) ||
	    (user_version > 0 &&
	     !vmds_store_set_version(self, legacy->component, (guint)user_version, error)) ||
	    !vmds_store_exec(self, bump, "set the format version", error)) {
		vmds_store_rollback(self);
		g_hash_table_remove_all(self->versions);
		return FALSE;
	}
	return vmds_store_commit(self, error);
}

/* one step of a component's schema and its new version, in one transaction */
static gboolean
vmds_store_migrate_step(VmdsStore *self, const VmdsStoreSchema *schema, guint v, GError **error)
{
	if (!vmds_store_begin(self, error))
		return FALSE;
	if (!vmds_store_exec(self, schema->steps[v - 1], "run the step", error) ||
	    !vmds_store_set_version(self, schema->component, v, error)) {
		vmds_store_rollback(self);
		return FALSE;
	}
	return vmds_store_commit(self, error);
}

/* takes @schema's tables to its newest version; a store that has them newer
 * than this build knows is refused, not touched */
static gboolean
vmds_store_migrate_component(VmdsStore *self, const VmdsStoreSchema *schema, GError **error)
{
	guint version = vmds_store_get_version(self, schema->component);

	if (version > schema->n_steps) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_UNSUPPORTED,
			    "store %s has the tables of %s at version %u, newer than version %u "
			    "that this build supports",
			    self->path,
			    schema->component,
			    version,
			    schema->n_steps);
		return FALSE;
	}
	for (guint v = version + 1; v <= schema->n_steps; v++) {
		if (!vmds_store_migrate_step(self, schema, v, error)) {
			g_prefix_error(
			    error,
			    "failed to migrate the tables of %s in store %s to version %u: ",
			    schema->component,
			    self->path,
			    v);
			return FALSE;
		}
		g_debug("migrated %s of %s to version %u", schema->component, self->path, v);
	}
	return TRUE;
}

static gboolean
vmds_store_migrate(VmdsStore *self, GPtrArray *schemas, GError **error)
{
	gint64 user_version = 0;

	if (!vmds_store_query_one(self, "PRAGMA user_version", NULL, &user_version, error))
		return FALSE;
	if (user_version > VMDS_STORE_FORMAT_VERSION || user_version < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_UNSUPPORTED,
			    "store %s has format version %" G_GINT64_FORMAT
			    ", newer than version %d that this build supports",
			    self->path,
			    user_version,
			    VMDS_STORE_FORMAT_VERSION);
		return FALSE;
	}
	if (user_version < VMDS_STORE_FORMAT_VERSION) {
		if (!vmds_store_upgrade_format(self, user_version, schemas, error))
			return FALSE;
	} else if (!vmds_store_read_versions(self, error)) {
		return FALSE;
	}
	for (guint i = 0; schemas != NULL && i < schemas->len; i++) {
		if (!vmds_store_migrate_component(self, g_ptr_array_index(schemas, i), error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
vmds_store_lock(VmdsStore *self, GError **error)
{
	g_autofree gchar *lock_path = g_strdup_printf("%s.lock", self->path);

	self->lock_fd = g_open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (self->lock_fd < 0) {
		gint errsv = errno;
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "failed to open %s: %s",
			    lock_path,
			    g_strerror(errsv));
		return FALSE;
	}
	if (flock(self->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		gint errsv = errno;
		if (errsv == EWOULDBLOCK) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE,
				    "store %s is in use by another process",
				    self->path);
		} else {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_STORAGE,
				    "failed to lock %s: %s",
				    lock_path,
				    g_strerror(errsv));
		}
		return FALSE;
	}
	return TRUE;
}

/* the store holds entry values: 0600, and SQLite gives its -wal and -shm
 * files the mode of the database */
static gboolean
vmds_store_create_private(VmdsStore *self, GError **error)
{
	gint fd = open(self->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 || fchmod(fd, 0600) < 0) {
		gint errsv = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot create store %s: %s",
			    self->path,
			    g_strerror(errsv));
		return FALSE;
	}
	close(fd);
	return TRUE;
}

static gboolean
vmds_store_open_db(VmdsStore *self, GPtrArray *schemas, GError **error)
{
	g_autofree gchar *journal_mode = NULL;
	gint rc;

	if (!vmds_store_create_private(self, error))
		return FALSE;
	rc = sqlite3_open_v2(self->path,
			     &self->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		vmds_store_set_error(self, rc, error);
		g_prefix_error(error, "failed to open store %s: ", self->path);
		return FALSE;
	}
	sqlite3_busy_timeout(self->db, VMDS_STORE_BUSY_TIMEOUT_MS);
	sqlite3_rollback_hook(self->db, vmds_store_rollback_cb, self);

	/* this process alone uses the store (the lock file says so): holding
	 * SQLite's locks, with the WAL index in memory rather than a shared
	 * file, spares four fcntl() calls a transaction; set before WAL is */
	if (!vmds_store_exec(self, "PRAGMA locking_mode=EXCLUSIVE", "configure the store", error)) {
		g_prefix_error(error, "%s: ", self->path);
		return FALSE;
	}
	/* a commit returns only once the change is on disk: WAL + synchronous=FULL */
	if (!vmds_store_query_one(self, "PRAGMA journal_mode=WAL", &journal_mode, NULL, error)) {
		g_prefix_error(error, "failed to open store %s: ", self->path);
		return FALSE;
	}
	if (g_strcmp0(journal_mode, "wal") != 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "store %s cannot use write-ahead logging (journal mode is %s)",
			    self->path,
			    journal_mode != NULL ? journal_mode : "unknown");
		return FALSE;
	}
	/* SQLite zeroes what a delete frees where that costs no extra write
	 * (FAST); fully (ON, some distributions' default) a request deleting
	 * the whole quota would write 100 MiB of zeros and take seconds */
	if (!vmds_store_exec(self, "PRAGMA synchronous=FULL", "configure the store", error) ||
	    !vmds_store_exec(self, "PRAGMA foreign_keys=ON", "configure the store", error) ||
	    !vmds_store_exec(self, "PRAGMA secure_delete=FAST", "configure the store", error)) {
		g_prefix_error(error, "%s: ", self->path);
		return FALSE;
	}
	return vmds_store_migrate(self, schemas, error);
}

/**
 * vmds_store_open:
 * @path: the store file, e.g. `<state-dir>/vms/vm-1/vm-1.dsd`
 * @schemas: (nullable) (element-type VmdsStoreSchema): the tables the
 *   components keep in it
 * @error: (nullable): return location for a #GError
 *
 * Opens one VM's store, creating it and its directory (mode 0700) if needed,
 * and takes the tables of each of @schemas to their newest version. Tables
 * of components not in @schemas are left as they are. The store holds an
 * exclusive lock on `<path>.lock` until it is closed, so no other process (or
 * other open in this one) serves the same VM at the same time.
 *
 * Fails with %VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE when the store is locked,
 * %VMDS_ERROR_UNSUPPORTED when its format or a component's tables are newer
 * than this build, and %VMDS_ERROR_STORAGE when SQLite or the file system fails.
 *
 * Returns: (transfer full): a #VmdsStore, or %NULL on error
 */
VmdsStore *
vmds_store_open(const gchar *path, GPtrArray *schemas, GError **error)
{
	g_autoptr(VmdsStore) self = NULL;

	g_return_val_if_fail(path != NULL && path[0] != '\0', NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	self = g_object_new(VMDS_TYPE_STORE, NULL);
	self->path = g_strdup(path);
	self->dir = g_path_get_dirname(path);
	if (schemas != NULL)
		self->schemas = g_ptr_array_ref(schemas);

	if (g_mkdir_with_parents(self->dir, 0700) < 0) {
		gint errsv = errno;
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "failed to create directory %s: %s",
			    self->dir,
			    g_strerror(errsv));
		return NULL;
	}
	if (!vmds_store_lock(self, error))
		return NULL;
	if (!vmds_store_open_db(self, schemas, error))
		return NULL;
	return g_steal_pointer(&self);
}

/**
 * vmds_store_get_path:
 * @self: a #VmdsStore
 *
 * Returns: the path the store was opened with
 */
const gchar *
vmds_store_get_path(VmdsStore *self)
{
	g_return_val_if_fail(VMDS_IS_STORE(self), NULL);
	return self->path;
}

/**
 * vmds_store_get_version:
 * @self: a #VmdsStore
 * @component: a component's name
 *
 * Returns: the version of @component's tables in the store: after it was
 *   opened with the component's schema, its newest; 0 for none
 */
guint
vmds_store_get_version(VmdsStore *self, const gchar *component)
{
	g_return_val_if_fail(VMDS_IS_STORE(self), 0);
	g_return_val_if_fail(component != NULL, 0);
	return GPOINTER_TO_UINT(g_hash_table_lookup(self->versions, component));
}

/**
 * vmds_store_prepare:
 * @self: a #VmdsStore
 * @sql: one SQL statement, a string literal
 * @error: (nullable): return location for a #GError
 *
 * Returns the prepared statement for @sql from the store's cache, preparing
 * it on first use. The cache is keyed by the address of @sql, so pass a
 * string literal: any other string works, but is prepared again whenever its
 * address or its text changes. The statement comes back reset and with its
 * bindings cleared. It belongs to the store: do not finalize it; reset it
 * when done (`g_autoptr(VmdsStoreStmt)` does that), and do not prepare the
 * same @sql again while still stepping through its rows, as that resets it.
 *
 * Returns: (transfer none): the statement, or %NULL on error
 */
sqlite3_stmt *
vmds_store_prepare(VmdsStore *self, const gchar *sql, GError **error)
{
	sqlite3_stmt *stmt;
	gint rc;

	g_return_val_if_fail(VMDS_IS_STORE(self), NULL);
	g_return_val_if_fail(sql != NULL, NULL);

	if (!vmds_store_check_open(self, error))
		return NULL;
	/* the text is compared as well: the address of a string that was not a
	 * literal may have been reused for another */
	stmt = g_hash_table_lookup(self->stmts, sql);
	if (stmt != NULL && strcmp(sqlite3_sql(stmt), sql) == 0) {
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
		return stmt;
	}
	rc = sqlite3_prepare_v3(self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
	if (rc != SQLITE_OK) {
		vmds_store_set_error(self, rc, error);
		g_prefix_error(error, "failed to prepare statement: ");
		return NULL;
	}
	if (stmt == NULL) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_INTERNAL, "no SQL statement in '%s'", sql);
		return NULL;
	}
	g_hash_table_insert(self->stmts, (gpointer)sql, stmt);
	return stmt;
}

/**
 * vmds_store_step:
 * @self: a #VmdsStore
 * @stmt: a statement from vmds_store_prepare()
 * @row: (out): whether it produced a row
 * @error: (nullable): return location for a #GError
 *
 * Steps @stmt once.
 *
 * Returns: %TRUE with *@row set, %FALSE with a %VMDS_ERROR_STORAGE error
 */
gboolean
vmds_store_step(VmdsStore *self, sqlite3_stmt *stmt, gboolean *row, GError **error)
{
	gint rc;

	g_return_val_if_fail(VMDS_IS_STORE(self), FALSE);
	g_return_val_if_fail(stmt != NULL, FALSE);

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		*row = rc == SQLITE_ROW;
		return TRUE;
	}
	return vmds_store_set_error(self, rc, error);
}

/**
 * vmds_store_step_done:
 * @self: a #VmdsStore
 * @stmt: a statement from vmds_store_prepare() that returns no rows
 * @error: (nullable): return location for a #GError
 *
 * Runs @stmt to completion and resets it.
 *
 * Returns: %TRUE if it completed, %FALSE with a %VMDS_ERROR_STORAGE error
 * (also if it returned a row)
 */
gboolean
vmds_store_step_done(VmdsStore *self, sqlite3_stmt *stmt, GError **error)
{
	gint rc;

	g_return_val_if_fail(VMDS_IS_STORE(self), FALSE);
	g_return_val_if_fail(stmt != NULL, FALSE);

	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		vmds_store_set_error(self, rc, error);
		sqlite3_reset(stmt);
		return FALSE;
	}
	sqlite3_reset(stmt);
	return TRUE;
}

/* inside a batch the batch's transaction must still be open: SQLite rolls a
 * transaction back by itself on some errors (SQLITE_FULL, IOERR), and a
 * savepoint outside it would commit on its own */
static gboolean
vmds_store_check_batch(VmdsStore *self, GError **error)
{
	if (!sqlite3_get_autocommit(self->db))
		return TRUE;
	g_set_error_literal(
	    error, VMDS_ERROR, VMDS_ERROR_STORAGE, "the group transaction was rolled back");
	return FALSE;
}

/**
 * vmds_store_begin:
 * @self: a #VmdsStore
 * @error: (nullable): return location for a #GError
 *
 * Starts a write transaction (`BEGIN IMMEDIATE`), or within a batch (see
 * vmds_store_batch_begin()) a savepoint. Transactions do not nest otherwise:
 * end it with vmds_store_commit() or vmds_store_rollback().
 *
 * Returns: %TRUE on success
 */
gboolean
vmds_store_begin(VmdsStore *self, GError **error)
{
	g_return_val_if_fail(VMDS_IS_STORE(self), FALSE);

	if (!vmds_store_check_open(self, error))
		return FALSE;
	if (self->batch == VMDS_STORE_BATCH_ARMED) {
		if (!vmds_store_run(self, "BEGIN IMMEDIATE", "begin a transaction", error))
			return FALSE;
		self->batch = VMDS_STORE_BATCH_OPEN;
	}
	if (self->batch == VMDS_STORE_BATCH_OPEN) {
		return vmds_store_check_batch(self, error) &&
		       vmds_store_run(self, "SAVEPOINT vmds_txn", "begin a savepoint", error);
	}
	g_return_val_if_fail(sqlite3_get_autocommit(self->db), FALSE);
	return vmds_store_run(self, "BEGIN IMMEDIATE", "begin a transaction", error);
}

/**
 * vmds_store_commit:
 * @self: a #VmdsStore
 * @error: (nullable): return location for a #GError
 *
 * Commits the transaction started by vmds_store_begin(). It returns once the
 * change is durable (the store runs in WAL mode with `synchronous=FULL`) —
 * or, within a batch, once it is part of the batch, which
 * vmds_store_batch_end() makes durable. On failure the transaction is rolled
 * back: nothing changed.
 *
 * Returns: %TRUE on success
 */
gboolean
vmds_store_commit(VmdsStore *self, GError **error)
{
	g_return_val_if_fail(VMDS_IS_STORE(self), FALSE);
	g_return_val_if_fail(self->db != NULL, FALSE);

	if (self->batch == VMDS_STORE_BATCH_OPEN) {
		if (vmds_store_check_batch(self, error) &&
		    vmds_store_run(self, "RELEASE vmds_txn", "release a savepoint", error))
			return TRUE;
		vmds_store_rollback(self);
		return FALSE;
	}
	if (!vmds_store_run(self, "COMMIT", "commit a transaction", error)) {
		vmds_store_rollback(self);
		return FALSE;
	}
	g_signal_emit(self, vmds_store_signals[SIGNAL_COMMITTED], 0);
	return TRUE;
}

/**
 * vmds_store_end:
 * @self: a #VmdsStore
 * @ok: whether the work of the transaction succeeded
 * @error: (nullable): return location for a #GError; already set when !@ok
 *
 * Ends the transaction vmds_store_begin() started: commits it when @ok,
 * else rolls it back.
 *
 * Returns: %TRUE when the transaction committed
 */
gboolean
vmds_store_end(VmdsStore *self, gboolean ok, GError **error)
{
	if (!ok) {
		vmds_store_rollback(self);
		return FALSE;
	}
	return vmds_store_commit(self, error);
}

/**
 * vmds_store_rollback:
 * @self: a #VmdsStore
 *
 * Rolls back the open transaction (within a batch: its savepoint), if any.
 * Never fails: a failed rollback is logged and SQLite rolls back on its own
 * when the connection closes.
 */
void
vmds_store_rollback(VmdsStore *self)
{
	g_autoptr(GError) error_local = NULL;
	const gchar *sql;

	g_return_if_fail(VMDS_IS_STORE(self));

	if (self->db == NULL || sqlite3_get_autocommit(self->db))
		return;
	sql = self->batch == VMDS_STORE_BATCH_OPEN ? "ROLLBACK TO vmds_txn; RELEASE vmds_txn"
						   : "ROLLBACK";
	if (!vmds_store_exec(self, sql, "roll back a transaction", &error_local))
		g_warning("%s: %s", self->path, error_local->message);
	/* SQLite calls vmds_store_rollback_cb() for a ROLLBACK, not for a
	 * ROLLBACK TO a savepoint */
	if (self->batch == VMDS_STORE_BATCH_OPEN)
		g_signal_emit(self, vmds_store_signals[SIGNAL_ROLLED_BACK], 0);
}

/**
 * vmds_store_batch_begin:
 * @self: a #VmdsStore
 * @error: (nullable): return location for a #GError
 *
 * Opens a group commit: until vmds_store_batch_end(), every transaction is a
 * savepoint inside one transaction (begun by the first of them), so many
 * writes share one fsync. Each still succeeds or fails whole; none is
 * durable before the batch ends.
 *
 * Returns: %TRUE on success
 */
gboolean
vmds_store_batch_begin(VmdsStore *self, GError **error)
{
	g_return_val_if_fail(VMDS_IS_STORE(self), FALSE);
	g_return_val_if_fail(self->batch == VMDS_STORE_BATCH_NONE, FALSE);

	if (!vmds_store_check_open(self, error))
		return FALSE;
	self->batch = VMDS_STORE_BATCH_ARMED;
	return TRUE;
}

/**
 * vmds_store_batch_end:
 * @self: a #VmdsStore
 * @error: (nullable): return location for a #GError
 *
 * Commits the group and returns once it is durable. On failure all of the
 * group is rolled back: the caller must not report any of it as done.
 *
 * Returns: %TRUE on success
 */
gboolean
vmds_store_batch_end(VmdsStore *self, GError **error)
{
	VmdsStoreBatch batch = self->batch;

	g_return_val_if_fail(VMDS_IS_STORE(self), FALSE);
	g_return_val_if_fail(batch != VMDS_STORE_BATCH_NONE, FALSE);

	self->batch = VMDS_STORE_BATCH_NONE;
	if (batch == VMDS_STORE_BATCH_ARMED)
		return TRUE; /* nothing was written */
	if (!vmds_store_check_open(self, error))
		return FALSE;
	if (!vmds_store_check_batch(self, error))
		return FALSE;
	return vmds_store_commit(self, error);
}

/**
 * vmds_store_close:
 * @self: a #VmdsStore
 *
 * Finalizes the cached statements, closes the database and releases the lock.
 * Later calls on the store fail with %VMDS_ERROR_STORAGE. Safe to call twice;
 * disposing the store closes it.
 */
void
vmds_store_close(VmdsStore *self)
{
	g_return_if_fail(VMDS_IS_STORE(self));

	g_hash_table_remove_all(self->stmts);
	self->held = FALSE;
	if (self->db != NULL) {
		gint rc = sqlite3_close(self->db);
		if (rc != SQLITE_OK)
			g_warning("failed to close store %s: %s", self->path, sqlite3_errstr(rc));
		self->db = NULL;
		g_signal_emit(self, vmds_store_signals[SIGNAL_CLOSED], 0);
	}
	/* only now: closing any descriptor of the file drops SQLite's locks */
	if (self->copy_fd >= 0) {
		g_close(self->copy_fd, NULL);
		self->copy_fd = -1;
	}
	if (self->lock_fd >= 0) {
		/* closing the descriptor releases the flock */
		g_close(self->lock_fd, NULL);
		self->lock_fd = -1;
		self->copy_fd = -1;
	}
}

/* a copy failed because of @why */
static void
vmds_store_copy_fail(const gchar *why, GError **error)
{
	g_set_error(error, VMDS_ERROR, VMDS_ERROR_STORAGE, "cannot copy the store: %s", why);
}

/* runs @sql on @db, a connection of the store's copy */
static gboolean
vmds_store_copy_exec(sqlite3 *db, const gchar *sql, GError **error)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return TRUE;
	g_set_error(
	    error, VMDS_ERROR, VMDS_ERROR_STORAGE, "cannot copy the store: %s", sqlite3_errmsg(db));
	return FALSE;
}

/* leaves out of the copy @db what the rules of @schemas (nullable) leave
 * out, and makes it a file of its own (no write-ahead log) */
static gboolean
vmds_store_copy_filter(GPtrArray *schemas, sqlite3 *db, GError **error)
{
	/* what is left out must not linger in the copy's free pages */
	if (!vmds_store_copy_exec(db, "PRAGMA journal_mode=DELETE", error) ||
	    !vmds_store_copy_exec(db, "PRAGMA secure_delete=ON", error) ||
	    !vmds_store_copy_exec(db, "PRAGMA foreign_keys=ON", error) ||
	    !vmds_store_copy_exec(db, "BEGIN", error))
		return FALSE;
	for (guint i = 0; schemas != NULL && i < schemas->len; i++) {
		const VmdsStoreSchema *schema = g_ptr_array_index(schemas, i);
		for (guint j = 0; j < schema->n_copy_rules; j++) {
			const VmdsStoreCopyRule *rule = &schema->copy_rules[j];
			g_autofree gchar *sql = g_strdup_printf(
			    "DELETE FROM \"%s\" WHERE NOT (%s)", rule->table, rule->keep);
			if (!vmds_store_copy_exec(db, sql, error))
				return FALSE;
		}
	}
	return vmds_store_copy_exec(db, "COMMIT", error);
}

/* what @path (a file, or a directory's names) holds, on disk */
static gboolean
vmds_store_copy_sync(const gchar *path, GError **error)
{
	gint fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0 || fsync(fd) < 0) {
		gint errsv = errno;
		if (fd >= 0)
			close(fd);
		vmds_store_copy_fail(g_strerror(errsv), error);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

/* all of @buf to @fd, a file */
static gboolean
vmds_store_write_all(gint fd, const guint8 *buf, gsize len, GError **error)
{
	while (len > 0) {
		gssize n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gint errsv = errno;
			vmds_store_copy_fail(g_strerror(errsv), error);
			return FALSE;
		}
		buf += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* a store whose main file an export reads refuses what would change it */
static gboolean
vmds_store_check_not_held(VmdsStore *self, GError **error)
{
	if (!self->held)
		return TRUE;
	g_set_error_literal(error,
			    VMDS_ERROR,
			    VMDS_ERROR_RESOURCE_IN_USE,
			    "the VM's data is being exported: try again once the export is done");
	return FALSE;
}

/* every committed change moved from the write-ahead log into the main file
 * (a checkpoint), and SQLite's own handle of that file, and its size */
static gboolean
vmds_store_checkpoint(VmdsStore *self, sqlite3_file **file, sqlite3_int64 *size, GError **error)
{
	gint rc;

	if (!vmds_store_check_not_held(self, error))
		return FALSE;
	rc = sqlite3_wal_checkpoint_v2(self->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_file_control(self->db, "main", SQLITE_FCNTL_FILE_POINTER, file);
	if (rc == SQLITE_OK)
		rc = (*file)->pMethods->xFileSize(*file, size);
	if (rc != SQLITE_OK) {
		vmds_store_set_error(self, rc, error);
		g_prefix_error(error, "cannot copy the store: ");
		return FALSE;
	}
	return TRUE;
}

/* the bytes of a copy, read and written a MiB at a time */
#define VMDS_STORE_COPY_CHUNK (1024 * 1024)

/*
 * The store's main file, copied to @path (created): first every committed
 * change is moved from the write-ahead log into it (a checkpoint), then the
 * kernel copies it (copy_file_range(), as cp(1) does) from a descriptor the
 * store keeps open until SQLite has closed: closing a descriptor of the file
 * while SQLite has it open would drop the POSIX locks SQLite holds on it.
 * Where the kernel cannot, the pages are read through SQLite's own handle.
 */
static gboolean
vmds_store_copy_main_file(VmdsStore *self, const gchar *path, GError **error)
{
	g_autofree guint8 *buf = NULL;
	sqlite3_file *file = NULL;
	sqlite3_int64 size = 0;
	loff_t offset = 0;
	gint rc;
	gint fd;

	if (!vmds_store_checkpoint(self, &file, &size, error))
		return FALSE;
	fd = g_open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		gint errsv = errno;
		vmds_store_copy_fail(g_strerror(errsv), error);
		return FALSE;
	}
	if (self->copy_fd < 0)
		self->copy_fd = g_open(self->path, O_RDONLY | O_CLOEXEC, 0);
	while (self->copy_fd >= 0 && offset < size) {
		gssize n =
		    copy_file_range(self->copy_fd, &offset, fd, NULL, (gsize)(size - offset), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
	}
	/* the rest, should the kernel not copy it (another file system) */
	if (offset < size)
		buf = g_malloc(VMDS_STORE_COPY_CHUNK);
	while (offset < size) {
		gint n = (gint)MIN(size - offset, VMDS_STORE_COPY_CHUNK);
		rc = file->pMethods->xRead(file, buf, n, offset);
		if (rc != SQLITE_OK) {
			vmds_store_set_error(self, rc, error);
			g_prefix_error(error, "cannot copy the store: ");
			close(fd);
			return FALSE;
		}
		if (lseek(fd, offset, SEEK_SET) < 0 ||
		    !vmds_store_write_all(fd, buf, (gsize)n, error)) {
			if (error != NULL && *error == NULL)
				vmds_store_copy_fail(g_strerror(errno), error);
			close(fd);
			return FALSE;
		}
		offset += n;
	}
	if (close(fd) < 0) {
		gint errsv = errno;
		vmds_store_copy_fail(g_strerror(errsv), error);
		return FALSE;
	}
	return TRUE;
}

/**
 * vmds_store_copy:
 * @self: an open #VmdsStore, between transactions
 * @path: where the copy goes: a file that does not exist
 * @flags: #VmdsStoreCopyFlags
 * @error: a #GError or %NULL
 *
 * Copies the store to @path as one self-contained file, less what the
 * components' copy rules (#VmdsStoreSchema.copy_rules) leave out: a
 * snapshot or a clone of the VM's data. Taken between transactions, the
 * copy holds every change committed before it and none after, never part
 * of one. The copy is made as `@path.part` (one left by a crash is
 * replaced), written to disk, then renamed: @path is whole or absent, also
 * after a crash.
 *
 * Returns: %TRUE when @path holds the copy; %FALSE with
 *   %VMDS_ERROR_ALREADY_EXISTS when @path exists, or %VMDS_ERROR_STORAGE
 */
gboolean
vmds_store_copy(VmdsStore *self, const gchar *path, VmdsStoreCopyFlags flags, GError **error)
{
	g_autofree gchar *part = NULL;
	g_autofree gchar *dir = NULL;
	sqlite3 *copy = NULL;
	gboolean ok;
	gint rc;

	g_return_val_if_fail(VMDS_IS_STORE(self), FALSE);
	g_return_val_if_fail(path != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	g_return_val_if_fail(self->db != NULL, FALSE);
	g_return_val_if_fail(
	    self->batch == VMDS_STORE_BATCH_NONE && sqlite3_get_autocommit(self->db), FALSE);

	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_ALREADY_EXISTS,
				    "cannot copy the store: the copy exists already");
		return FALSE;
	}
	part = g_strconcat(path, ".part", NULL);
	dir = g_path_get_dirname(path);
	if (g_unlink(part) < 0 && errno != ENOENT) {
		gint errsv = errno;
		vmds_store_copy_fail(g_strerror(errsv), error);
		return FALSE;
	}
	if (!vmds_store_copy_main_file(self, part, error)) {
		g_unlink(part);
		return FALSE;
	}
	rc = sqlite3_open_v2(part, &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		vmds_store_copy_fail(sqlite3_errstr(rc), error);
		ok = FALSE;
	} else {
		ok = vmds_store_copy_filter(
		    (flags & VMDS_STORE_COPY_ALL) ? NULL : self->schemas, copy, error);
	}
	if (sqlite3_close(copy) != SQLITE_OK && ok) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_STORAGE,
				    "cannot copy the store: the copy did not close");
		ok = FALSE;
	}
	ok = ok && ((flags & VMDS_STORE_COPY_UNSYNCED) || vmds_store_copy_sync(part, error));
	if (ok && g_rename(part, path) < 0) {
		gint errsv = errno;
		vmds_store_copy_fail(g_strerror(errsv), error);
		ok = FALSE;
	}
	ok = ok && ((flags & VMDS_STORE_COPY_UNSYNCED) || vmds_store_copy_sync(dir, error));
	if (!ok)
		g_unlink(part);
	return ok;
}

/**
 * vmds_store_hold:
 * @self: an open #VmdsStore, between transactions
 * @size: (out): the bytes of its main file
 * @error: a #GError or %NULL
 *
 * Holds the store's main file as it is now, with every change committed
 * so far in it, so that vmds_store_read_held() reads a consistent copy of
 * the store without writing one (an export): the store goes on taking
 * writes, which wait in the write-ahead log until vmds_store_release().
 * While held, what would rewrite the main file (a copy, another hold) is
 * refused, and so is vmds_store_check_idle().
 *
 * Returns: %FALSE with %VMDS_ERROR_RESOURCE_IN_USE when it is held already
 */
gboolean
vmds_store_hold(VmdsStore *self, goffset *size, GError **error)
{
	sqlite3_file *file = NULL;
	sqlite3_int64 bytes = 0;

	g_return_val_if_fail(VMDS_IS_STORE(self), FALSE);
	g_return_val_if_fail(self->db != NULL, FALSE);
	g_return_val_if_fail(
	    self->batch == VMDS_STORE_BATCH_NONE && sqlite3_get_autocommit(self->db), FALSE);

	if (!vmds_store_checkpoint(self, &file, &bytes, error) ||
	    !vmds_store_exec(self, "PRAGMA wal_autocheckpoint=0", "hold the store", error))
		return FALSE;
	self->held = TRUE;
	*size = bytes;
	return TRUE;
}

/**
 * vmds_store_read_held:
 * @self: a #VmdsStore that vmds_store_hold() holds
 * @offset: where in its main file
 * @buf: where the bytes go
 * @len: how many; @offset + @len is at most the size the hold gave
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_STORAGE when the store was closed
 *   meanwhile or the file cannot be read
 */
gboolean
vmds_store_read_held(VmdsStore *self, goffset offset, gpointer buf, gsize len, GError **error)
{
	sqlite3_file *file = NULL;
	gint rc;

	g_return_val_if_fail(VMDS_IS_STORE(self), FALSE);

	if (self->db == NULL || !self->held) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_STORAGE,
				    "the store was closed while it was read");
		return FALSE;
	}
	rc = sqlite3_file_control(self->db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
	if (rc == SQLITE_OK)
		rc = file->pMethods->xRead(file, buf, (gint)len, offset);
	if (rc != SQLITE_OK) {
		vmds_store_set_error(self, rc, error);
		return FALSE;
	}
	return TRUE;
}

/**
 * vmds_store_release:
 * @self: a #VmdsStore
 *
 * Ends vmds_store_hold(): the write-ahead log is checkpointed again as
 * usual. Safe on a store that is not held, or closed.
 */
void
vmds_store_release(VmdsStore *self)
{
	g_autoptr(GError) error = NULL;

	g_return_if_fail(VMDS_IS_STORE(self));

	if (!self->held)
		return;
	self->held = FALSE;
	if (self->db != NULL &&
	    !vmds_store_exec(self, "PRAGMA wal_autocheckpoint=1000", "release the store", &error))
		g_warning("%s: %s", self->path, error->message);
}

/**
 * vmds_store_check_idle:
 * @self: a #VmdsStore
 * @error: a #GError or %NULL
 *
 * For what would replace or remove the store (a revert, deleting its VM):
 * not while an export reads it.
 *
 * Returns: %FALSE with %VMDS_ERROR_RESOURCE_IN_USE while it is held
 */
gboolean
vmds_store_check_idle(VmdsStore *self, GError **error)
{
	g_return_val_if_fail(VMDS_IS_STORE(self), FALSE);
	return vmds_store_check_not_held(self, error);
}

/**
 * vmds_store_leave_wal:
 * @path: a copy of a store's main file, with no write-ahead log beside it
 *   (what an export holds)
 * @error: a #GError or %NULL
 *
 * Marks the file as a database that keeps a rollback journal, as SQLite
 * does when a database leaves WAL mode (bytes 18 and 19 of its header), so
 * that it opens read only (vmds_store_check_file()); vmds_store_open() puts
 * it back in WAL mode. A file that is not an SQLite database is left alone.
 *
 * Returns: %FALSE with %VMDS_ERROR_STORAGE when it cannot be written
 */
gboolean
vmds_store_leave_wal(const gchar *path, GError **error)
{
	static const guint8 rollback[2] = {1, 1};
	gchar head[16] = {0};
	gint fd = g_open(path, O_RDWR | O_CLOEXEC, 0);
	gboolean ok;

	if (fd < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot open %s: %s",
			    path,
			    g_strerror(errno));
		return FALSE;
	}
	ok = pread(fd, head, sizeof head, 0) != (gssize)sizeof head ||
	     memcmp(head, "SQLite format 3", sizeof head) != 0 ||
	     (pwrite(fd, rollback, sizeof rollback, 18) == (gssize)sizeof rollback &&
	      fsync(fd) == 0);
	if (!ok)
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot write %s: %s",
			    path,
			    g_strerror(errno));
	close(fd);
	return ok;
}

/**
 * vmds_store_check_file:
 * @path: a file that is to become a store (an import)
 * @error: a #GError or %NULL
 *
 * Checks that @path is an SQLite database whose structure is sound
 * (`PRAGMA quick_check`), without changing it. Whether its components are
 * ones this build knows is for vmds_store_open() to say.
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when it is not
 */
gboolean
vmds_store_check_file(const gchar *path, GError **error)
{
	g_autofree gchar *result = NULL;
	sqlite3_stmt *stmt = NULL;
	sqlite3 *db = NULL;
	gint rc;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, NULL);
	if (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		result = g_strdup((const gchar *)sqlite3_column_text(stmt, 0));
	else if (rc == SQLITE_OK)
		rc = sqlite3_errcode(db);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_OK || g_strcmp0(result, "ok") != 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "not a sound vmds store: %s",
			    rc != SQLITE_OK  ? sqlite3_errstr(rc)
			    : result != NULL ? result
					     : "empty");
		sqlite3_close(db);
		return FALSE;
	}
	sqlite3_close(db);
	return TRUE;
}

static void
vmds_store_dispose(GObject *object)
{
	VmdsStore *self = VMDS_STORE(object);

	vmds_store_close(self);
	G_OBJECT_CLASS(vmds_store_parent_class)->dispose(object);
}

static void
vmds_store_finalize(GObject *object)
{
	VmdsStore *self = VMDS_STORE(object);

	g_hash_table_unref(self->stmts);
	g_hash_table_unref(self->versions);
	g_clear_pointer(&self->schemas, g_ptr_array_unref);
	g_free(self->path);
	g_free(self->dir);
	G_OBJECT_CLASS(vmds_store_parent_class)->finalize(object);
}

static void
vmds_store_class_init(VmdsStoreClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = vmds_store_dispose;
	object_class->finalize = vmds_store_finalize;

	/**
	 * VmdsStore::committed:
	 * @self: the store
	 *
	 * A transaction committed and is durable: one begun by
	 * vmds_store_begin() outside a batch, or a whole batch
	 * (vmds_store_batch_end()). Not emitted for the savepoints of a batch.
	 */
	vmds_store_signals[SIGNAL_COMMITTED] = g_signal_new("committed",
							    G_TYPE_FROM_CLASS(klass),
							    G_SIGNAL_RUN_LAST,
							    0,
							    NULL,
							    NULL,
							    NULL,
							    G_TYPE_NONE,
							    0);
	/**
	 * VmdsStore::rolled-back:
	 * @self: the store
	 *
	 * A transaction or a savepoint of a batch rolled back, asked to or by
	 * SQLite on its own (a full disk): whatever was read inside it may
	 * never have been, so caches filled from the store forget it. Handlers
	 * must not use the store: the signal may come from inside SQLite.
	 */
	vmds_store_signals[SIGNAL_ROLLED_BACK] = g_signal_new("rolled-back",
							      G_TYPE_FROM_CLASS(klass),
							      G_SIGNAL_RUN_LAST,
							      0,
							      NULL,
							      NULL,
							      NULL,
							      G_TYPE_NONE,
							      0);
	/**
	 * VmdsStore::closed:
	 * @self: the store
	 *
	 * The store closed (vmds_store_close(), or its last reference went):
	 * nothing may be served from what was read from it.
	 */
	vmds_store_signals[SIGNAL_CLOSED] = g_signal_new("closed",
							 G_TYPE_FROM_CLASS(klass),
							 G_SIGNAL_RUN_LAST,
							 0,
							 NULL,
							 NULL,
							 NULL,
							 G_TYPE_NONE,
							 0);
}

static void
vmds_store_init(VmdsStore *self)
{
	self->lock_fd = -1;
	self->copy_fd = -1;
	self->stmts = g_hash_table_new_full(NULL, NULL, NULL, vmds_store_stmt_free_cb);
	self->versions = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

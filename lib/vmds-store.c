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

/* what a cached value costs beyond its bytes (the table's slot, the
 * allocator's header), roughly: so that many tiny values count too */
#define VMDS_STORE_CACHE_OVERHEAD 64

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
	gint schema_version;
	GHashTable *stmts;  /* sql (its address) -> sqlite3_stmt (finalized on removal) */
	GHashTable *cache;  /* see vmds_store_get_cache() */
	GHashTable *values; /* see vmds_store_lookup_value(); NULL while empty */
	gsize values_cost;  /* what the values cost, VMDS_STORE_CACHE_MAX_BYTES at most */
	VmdsStoreBatch batch;
};

/* an entry value kept in memory, in one allocation that is its own key in
 * the store's table of values */
typedef struct {
	gint64 dataset_id;
	const gchar *key; /* in data, NUL-terminated */
	gsize key_len;
	gsize value_len;
	gchar data[]; /* the key, its NUL, the value */
} VmdsStoreValue;

G_DEFINE_FINAL_TYPE(VmdsStore, vmds_store, G_TYPE_OBJECT)

/*
 * The schema, one step per version: migrations[N - 1] takes a store from
 * user_version N - 1 to N. Steps are append only; never edit a released one.
 *
 * Keys and values are BLOBs so that length() counts bytes and ORDER BY key is
 * byte order (memcmp). datasets.used (key bytes + value bytes of the data
 * set's entries) is kept by triggers, so the VM total is a sum over data sets,
 * not over entries; from version 2 datasets.entry_count too.
 */
static const gchar *const vmds_store_migrations[] = {
    /* 1: the initial schema */
    "CREATE TABLE datasets ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT UNIQUE NOT NULL,"
    "  description TEXT NOT NULL,"
    "  host INTEGER NOT NULL CHECK (host BETWEEN 0 AND 2),"
    "  guest INTEGER NOT NULL CHECK (guest BETWEEN 0 AND 2),"
    "  omit INTEGER NOT NULL CHECK (omit IN (0, 1)),"
    "  used INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE TABLE entries ("
    "  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,"
    "  key BLOB NOT NULL CHECK (typeof(key) = 'blob'),"
    "  value BLOB NOT NULL CHECK (typeof(value) = 'blob'),"
    "  PRIMARY KEY (dataset_id, key)"
    ") WITHOUT ROWID;"
    "CREATE TRIGGER entries_used_insert AFTER INSERT ON entries BEGIN"
    "  UPDATE datasets SET used = used + length(NEW.key) + length(NEW.value)"
    "    WHERE id = NEW.dataset_id;"
    "END;"
    "CREATE TRIGGER entries_used_update AFTER UPDATE ON entries BEGIN"
    "  UPDATE datasets SET used = used - length(OLD.key) - length(OLD.value)"
    "    WHERE id = OLD.dataset_id;"
    "  UPDATE datasets SET used = used + length(NEW.key) + length(NEW.value)"
    "    WHERE id = NEW.dataset_id;"
    "END;"
    "CREATE TRIGGER entries_used_delete AFTER DELETE ON entries BEGIN"
    "  UPDATE datasets SET used = used - length(OLD.key) - length(OLD.value)"
    "    WHERE id = OLD.dataset_id;"
    "END;",

    /* 2: long values in chunks, and a count of entries per data set.
     *
     * An entry's value is entries.value followed by its chunks in id order:
     * the rows of entry_chunks whose owner is entries.chunks (NULL: none);
     * entries.tail is the bytes in chunks. An entry whose key and value
     * are more than 960 bytes together (VMDS_STORE_INLINE_MAX when this
     * step was written) keeps no value inline, for three reasons. SQLite
     * rewrites a whole record when any column of it changes: appending
     * then rewrites the last chunk and the small entries row, not the
     * value. A WITHOUT ROWID table is a b-tree of whole records: a search
     * that compares its key with a record that overflows its page reads all
     * of that record, so big records in `entries` would make every lookup
     * near them slow. And such a record takes an overflow page of its own.
     * Chunks live in a table with integer keys; a chunk's id is above every
     * id before it, so id order is append order, and an entry's first
     * chunk's id is its owner id.
     *
     * The entries triggers count length(value) + tail, so `used` means what
     * it meant in step 1; an update of an entry changes neither its data
     * set nor its key (they are its primary key), so one UPDATE of
     * datasets does, and none when the size is the same. Replacing an
     * entry's chunks or deleting the entry deletes its old chunks. */
    "ALTER TABLE entries ADD COLUMN tail INTEGER NOT NULL DEFAULT 0 CHECK (tail >= 0);"
    "ALTER TABLE entries ADD COLUMN chunks INTEGER;"
    "ALTER TABLE datasets ADD COLUMN entry_count INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE entry_chunks ("
    "  id INTEGER PRIMARY KEY,"
    "  owner INTEGER NOT NULL,"
    "  data BLOB NOT NULL CHECK (typeof(data) = 'blob')"
    ");"
    "CREATE INDEX entry_chunks_owner ON entry_chunks (owner);"
    "DROP TRIGGER entries_used_insert;"
    "DROP TRIGGER entries_used_update;"
    "DROP TRIGGER entries_used_delete;"
    "CREATE TEMP TABLE vmds_moved AS SELECT"
    "  row_number() OVER (ORDER BY dataset_id, key) AS id, dataset_id, key"
    "  FROM entries WHERE length(key) + length(value) > 960;"
    "INSERT INTO entry_chunks (id, owner, data)"
    "  SELECT m.id, m.id, e.value FROM vmds_moved AS m"
    "  JOIN entries AS e ON e.dataset_id = m.dataset_id AND e.key = m.key;"
    "UPDATE entries SET tail = length(value), value = X'', chunks = m.id"
    "  FROM vmds_moved AS m"
    "  WHERE entries.dataset_id = m.dataset_id AND entries.key = m.key;"
    "DROP TABLE vmds_moved;"
    "UPDATE datasets SET entry_count ="
    "  (SELECT count(*) FROM entries WHERE entries.dataset_id = datasets.id);"
    "CREATE TRIGGER entries_used_insert AFTER INSERT ON entries BEGIN"
    "  UPDATE datasets SET used = used + length(NEW.key) + length(NEW.value) + NEW.tail,"
    "    entry_count = entry_count + 1"
    "    WHERE id = NEW.dataset_id;"
    "END;"
    "CREATE TRIGGER entries_used_update AFTER UPDATE ON entries"
    "  WHEN length(NEW.value) + NEW.tail != length(OLD.value) + OLD.tail BEGIN"
    "  UPDATE datasets SET used = used + length(NEW.value) + NEW.tail"
    "    - length(OLD.value) - OLD.tail"
    "    WHERE id = NEW.dataset_id;"
    "END;"
    "CREATE TRIGGER entries_used_delete AFTER DELETE ON entries BEGIN"
    "  UPDATE datasets SET used = used - length(OLD.key) - length(OLD.value) - OLD.tail,"
    "    entry_count = entry_count - 1"
    "    WHERE id = OLD.dataset_id;"
    "END;"
    "CREATE TRIGGER entries_chunks_update AFTER UPDATE OF chunks ON entries"
    "  WHEN OLD.chunks IS NOT NULL AND OLD.chunks IS NOT NEW.chunks BEGIN"
    "  DELETE FROM entry_chunks WHERE owner = OLD.chunks;"
    "END;"
    "CREATE TRIGGER entries_chunks_delete AFTER DELETE ON entries"
    "  WHEN OLD.chunks IS NOT NULL BEGIN"
    "  DELETE FROM entry_chunks WHERE owner = OLD.chunks;"
    "END;",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vmds_store_migrations) == VMDS_STORE_SCHEMA_VERSION);

static void
vmds_store_stmt_free_cb(gpointer data)
{
	sqlite3_finalize(data);
}

static guint
vmds_store_value_hash_cb(gconstpointer data)
{
	const VmdsStoreValue *value = data;

	return g_str_hash(value->key) ^ g_int64_hash(&value->dataset_id);
}

static gboolean
vmds_store_value_equal_cb(gconstpointer a, gconstpointer b)
{
	const VmdsStoreValue *value_a = a;
	const VmdsStoreValue *value_b = b;

	return value_a->dataset_id == value_b->dataset_id &&
	       strcmp(value_a->key, value_b->key) == 0;
}

static gsize
vmds_store_value_cost(gsize key_len, gsize value_len)
{
	return sizeof(VmdsStoreValue) + key_len + 1 + value_len + VMDS_STORE_CACHE_OVERHEAD;
}

/* an empty cache of values costs nothing: the table goes with its values */
static void
vmds_store_forget_all_values(VmdsStore *self)
{
	g_clear_pointer(&self->values, g_hash_table_unref);
	self->values_cost = 0;
}

/* the one place that says everything cached may be void: a transaction or a
 * savepoint rolled back, so what was read inside it did not happen, or the
 * store closed */
static void
vmds_store_forget_all(VmdsStore *self)
{
	g_hash_table_remove_all(self->cache);
	vmds_store_forget_all_values(self);
}

/* SQLite rolled a transaction back, asked to or on its own (SQLITE_FULL,
 * SQLITE_IOERR...): what the caches hold may have been read inside it */
static void
vmds_store_rollback_cb(gpointer user_data)
{
	VmdsStore *self = user_data;

	vmds_store_forget_all(self);
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

/* one step of the schema and its version, in one transaction */
static gboolean
vmds_store_migrate_step(VmdsStore *self, gint64 v, GError **error)
{
	g_autofree gchar *bump = g_strdup_printf("PRAGMA user_version = %" G_GINT64_FORMAT, v);

	if (!vmds_store_begin(self, error))
		return FALSE;
	if (!vmds_store_exec(self, vmds_store_migrations[v - 1], "run the step", error) ||
	    !vmds_store_exec(self, bump, "set the version", error)) {
		vmds_store_rollback(self);
		return FALSE;
	}
	return vmds_store_commit(self, error);
}

static gboolean
vmds_store_migrate(VmdsStore *self, GError **error)
{
	gint64 version = 0;

	if (!vmds_store_query_one(self, "PRAGMA user_version", NULL, &version, error))
		return FALSE;
	if (version > VMDS_STORE_SCHEMA_VERSION || version < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_UNSUPPORTED,
			    "store %s has schema version %" G_GINT64_FORMAT
			    ", newer than version %d that this build supports",
			    self->path,
			    version,
			    VMDS_STORE_SCHEMA_VERSION);
		return FALSE;
	}
	for (gint64 v = version + 1; v <= VMDS_STORE_SCHEMA_VERSION; v++) {
		if (!vmds_store_migrate_step(self, v, error)) {
			g_prefix_error(
			    error,
			    "failed to migrate store %s to schema version %" G_GINT64_FORMAT ": ",
			    self->path,
			    v);
			return FALSE;
		}
		g_debug("migrated %s to schema version %" G_GINT64_FORMAT, self->path, v);
	}
	self->schema_version = VMDS_STORE_SCHEMA_VERSION;
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
vmds_store_open_db(VmdsStore *self, GError **error)
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
	return vmds_store_migrate(self, error);
}

/**
 * vmds_store_open:
 * @path: the store file, e.g. `<state-dir>/vms/vm-1/vm-1.dsd`
 * @error: (nullable): return location for a #GError
 *
 * Opens one VM's store, creating it and its directory (mode 0700) if needed,
 * and migrates its schema to %VMDS_STORE_SCHEMA_VERSION. The store holds an
 * exclusive lock on `<path>.lock` until it is closed, so no other process (or
 * other open in this one) serves the same VM at the same time.
 *
 * Fails with %VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE when the store is locked,
 * %VMDS_ERROR_UNSUPPORTED when its schema is newer than this build, and
 * %VMDS_ERROR_STORAGE when SQLite or the file system fails.
 *
 * Returns: (transfer full): a #VmdsStore, or %NULL on error
 */
VmdsStore *
vmds_store_open(const gchar *path, GError **error)
{
	g_autoptr(VmdsStore) self = NULL;

	g_return_val_if_fail(path != NULL && path[0] != '\0', NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);

	self = g_object_new(VMDS_TYPE_STORE, NULL);
	self->path = g_strdup(path);
	self->dir = g_path_get_dirname(path);

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
	if (!vmds_store_open_db(self, error))
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
 * vmds_store_get_schema_version:
 * @self: a #VmdsStore
 *
 * Returns: the schema version of the open store (after migration, always
 * %VMDS_STORE_SCHEMA_VERSION)
 */
gint
vmds_store_get_schema_version(VmdsStore *self)
{
	g_return_val_if_fail(VMDS_IS_STORE(self), 0);
	return self->schema_version;
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
 * vmds_store_lookup_value:
 * @self: a #VmdsStore
 * @dataset_id: the id of the data set's row
 * @key: the entry's key
 * @value_len: (out): the length of the value in bytes
 *
 * Looks up the value of an entry in the store's cache of small values, which
 * the engine fills with vmds_store_cache_value() as it reads them, so that
 * reading one again does not ask SQLite.
 *
 * The store empties the cache along with the one of vmds_store_get_cache():
 * whenever a transaction or a savepoint rolls back and when it closes.
 * Whoever changes an entry must forget its value (vmds_store_forget_value(),
 * vmds_store_forget_values()) before the change.
 *
 * Returns: (transfer none) (array length=value_len) (nullable): the value,
 * not NUL-terminated, valid until the next call that changes the cache; or
 * %NULL when the cache does not hold it
 */
const gchar *
vmds_store_lookup_value(VmdsStore *self, gint64 dataset_id, const gchar *key, gsize *value_len)
{
	VmdsStoreValue probe = {.dataset_id = dataset_id, .key = key};
	const VmdsStoreValue *value;

	g_return_val_if_fail(VMDS_IS_STORE(self), NULL);
	g_return_val_if_fail(key != NULL, NULL);
	g_return_val_if_fail(value_len != NULL, NULL);

	if (self->values == NULL)
		return NULL;
	value = g_hash_table_lookup(self->values, &probe);
	if (value == NULL)
		return NULL;
	*value_len = value->value_len;
	return value->data + value->key_len + 1;
}

/**
 * vmds_store_cache_value:
 * @self: a #VmdsStore
 * @dataset_id: the id of the data set's row
 * @key: the entry's key
 * @value: (array length=value_len): the value just read from the store
 * @value_len: the length of @value in bytes
 *
 * Keeps a copy of an entry's value, if it is at most
 * %VMDS_STORE_CACHE_MAX_VALUE bytes long. When the values kept would cost
 * more than %VMDS_STORE_CACHE_MAX_BYTES (with their keys and what the table
 * spends on each), the cache forgets all of them first.
 */
void
vmds_store_cache_value(
    VmdsStore *self, gint64 dataset_id, const gchar *key, const gchar *value, gsize value_len)
{
	VmdsStoreValue *cached;
	gsize key_len;
	gsize cost;

	g_return_if_fail(VMDS_IS_STORE(self));
	g_return_if_fail(key != NULL);
	g_return_if_fail(value != NULL || value_len == 0);

	if (value_len > VMDS_STORE_CACHE_MAX_VALUE || self->db == NULL)
		return;
	key_len = strlen(key);
	cost = vmds_store_value_cost(key_len, value_len);
	if (cost > VMDS_STORE_CACHE_MAX_BYTES)
		return;
	vmds_store_forget_value(self, dataset_id, key);
	/* full: start again, simpler than choosing what to evict, and it
	 * costs only when more small values are read than fit */
	if (self->values_cost + cost > VMDS_STORE_CACHE_MAX_BYTES)
		vmds_store_forget_all_values(self);
	if (self->values == NULL) {
		self->values = g_hash_table_new_full(
		    vmds_store_value_hash_cb, vmds_store_value_equal_cb, g_free, NULL);
	}

	cached = g_malloc(sizeof(*cached) + key_len + 1 + value_len);
	cached->dataset_id = dataset_id;
	cached->key = cached->data;
	cached->key_len = key_len;
	cached->value_len = value_len;
	memcpy(cached->data, key, key_len + 1);
	if (value_len > 0)
		memcpy(cached->data + key_len + 1, value, value_len);
	g_hash_table_add(self->values, cached);
	self->values_cost += cost;
}

/**
 * vmds_store_forget_value:
 * @self: a #VmdsStore
 * @dataset_id: the id of the data set's row
 * @key: the entry's key
 *
 * Removes the value of one entry from the cache (see
 * vmds_store_lookup_value()), if it holds it.
 */
void
vmds_store_forget_value(VmdsStore *self, gint64 dataset_id, const gchar *key)
{
	VmdsStoreValue probe = {.dataset_id = dataset_id, .key = key};
	VmdsStoreValue *cached;

	g_return_if_fail(VMDS_IS_STORE(self));
	g_return_if_fail(key != NULL);

	if (self->values == NULL)
		return;
	cached = g_hash_table_lookup(self->values, &probe);
	if (cached == NULL)
		return;
	self->values_cost -= vmds_store_value_cost(cached->key_len, cached->value_len);
	g_hash_table_remove(self->values, cached);
}

/**
 * vmds_store_forget_values:
 * @self: a #VmdsStore
 * @dataset_id: the id of the data set's row
 *
 * Removes the values of all entries of one data set from the cache (see
 * vmds_store_lookup_value()).
 */
void
vmds_store_forget_values(VmdsStore *self, gint64 dataset_id)
{
	GHashTableIter iter;
	gpointer data = NULL;

	g_return_if_fail(VMDS_IS_STORE(self));

	if (self->values == NULL)
		return;
	g_hash_table_iter_init(&iter, self->values);
	while (g_hash_table_iter_next(&iter, &data, NULL)) {
		const VmdsStoreValue *cached = data;

		if (cached->dataset_id != dataset_id)
			continue;
		self->values_cost -= vmds_store_value_cost(cached->key_len, cached->value_len);
		g_hash_table_iter_remove(&iter);
	}
}

/**
 * vmds_store_get_cache:
 * @self: a #VmdsStore
 *
 * A table for the engine to keep what it reads from the store on every
 * request (the attributes of a data set), so as not to ask SQLite each time.
 * Keys and values are freed with g_free().
 *
 * The store empties it whenever a transaction or a savepoint rolls back,
 * whether vmds_store_rollback() or SQLite rolled it back, and when it closes:
 * nothing read inside a transaction that did not happen is served from it.
 * Whoever changes a row must remove what the table holds of it. Entry values
 * have a cache of their own: vmds_store_lookup_value().
 *
 * Returns: (transfer none) (element-type utf8 gpointer): the table
 */
GHashTable *
vmds_store_get_cache(VmdsStore *self)
{
	g_return_val_if_fail(VMDS_IS_STORE(self), NULL);
	return self->cache;
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
	const gchar *sql = self->batch == VMDS_STORE_BATCH_OPEN
			       ? "ROLLBACK TO vmds_txn; RELEASE vmds_txn"
			       : "ROLLBACK";

	g_return_if_fail(VMDS_IS_STORE(self));

	if (self->db == NULL || sqlite3_get_autocommit(self->db))
		return;
	if (!vmds_store_exec(self, sql, "roll back a transaction", &error_local))
		g_warning("%s: %s", self->path, error_local->message);
	/* SQLite calls vmds_store_rollback_cb() for a ROLLBACK, not for a
	 * ROLLBACK TO a savepoint */
	vmds_store_forget_all(self);
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
	vmds_store_forget_all(self);
	if (self->db != NULL) {
		gint rc = sqlite3_close(self->db);
		if (rc != SQLITE_OK)
			g_warning("failed to close store %s: %s", self->path, sqlite3_errstr(rc));
		self->db = NULL;
	}
	if (self->lock_fd >= 0) {
		/* closing the descriptor releases the flock */
		g_close(self->lock_fd, NULL);
		self->lock_fd = -1;
	}
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
	g_hash_table_unref(self->cache);
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
}

static void
vmds_store_init(VmdsStore *self)
{
	self->lock_fd = -1;
	self->stmts = g_hash_table_new_full(NULL, NULL, NULL, vmds_store_stmt_free_cb);
	self->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "vmds-datasets.h"
#include "vmds-error.h"
#include "vmds-json.h"

/* a context holds a cursor (at most a key) and a MAC; longer is not ours */
#define VMDS_DATASETS_MAX_CONTEXT 8192
#define VMDS_DATASETS_SECRET_SIZE 32
#define VMDS_DATASETS_MAC_SIZE	  32

/* the data sets whose attributes the store's cache holds at most; past it,
 * the cache starts again */
#define VMDS_DATASETS_CACHE_MAX 1024

/* what a data set row says about access, and its id for the entries table;
 * kept in the store's cache (vmds_store_get_cache()) under the name */
typedef struct {
	gint64 id;
	VmdsAccess host;
	VmdsAccess guest;
} VmdsDatasetsRef;

/**
 * vmds_dataset_new:
 *
 * Returns: (transfer full): an empty #VmdsDataset: no name, empty
 * description, both access modes %VMDS_ACCESS_NONE
 */
VmdsDataset *
vmds_dataset_new(void)
{
	VmdsDataset *dataset = g_new0(VmdsDataset, 1);

	dataset->description = g_strdup("");
	return dataset;
}

/**
 * vmds_dataset_free:
 * @dataset: (nullable): a #VmdsDataset
 *
 * Frees @dataset and its strings.
 */
void
vmds_dataset_free(VmdsDataset *dataset)
{
	if (dataset == NULL)
		return;
	g_free(dataset->name);
	g_free(dataset->description);
	g_free(dataset);
}

/**
 * vmds_entry_new:
 * @key: the key
 * @value: (array length=value_len): the value bytes (may hold NUL bytes)
 * @value_len: the length of @value in bytes
 * @append: whether a write appends @value rather than replacing
 *
 * Returns: (transfer full): a #VmdsEntry holding copies of @key and @value;
 * its value is NUL-terminated after @value_len bytes
 */
VmdsEntry *
vmds_entry_new(const gchar *key, const gchar *value, gsize value_len, gboolean append)
{
	VmdsEntry *entry;

	g_return_val_if_fail(key != NULL, NULL);
	g_return_val_if_fail(value != NULL || value_len == 0, NULL);

	entry = g_new0(VmdsEntry, 1);
	entry->key = g_strdup(key);
	entry->value = g_malloc(value_len + 1);
	if (value_len > 0)
		memcpy(entry->value, value, value_len);
	entry->value[value_len] = '\0';
	entry->value_len = value_len;
	entry->append = append;
	return entry;
}

/**
 * vmds_entry_free:
 * @entry: (nullable): a #VmdsEntry
 *
 * Frees @entry and its strings.
 */
void
vmds_entry_free(VmdsEntry *entry)
{
	if (entry == NULL)
		return;
	g_free(entry->key);
	g_free(entry->value);
	g_free(entry);
}

static const gchar *const vmds_access_names[] = {
    [VMDS_ACCESS_NONE] = "NONE",
    [VMDS_ACCESS_READ_ONLY] = "READ_ONLY",
    [VMDS_ACCESS_READ_WRITE] = "READ_WRITE",
};

/**
 * vmds_access_to_string:
 * @access: a #VmdsAccess
 *
 * Returns: `NONE`, `READ_ONLY` or `READ_WRITE`; %NULL for a value out of range
 */
const gchar *
vmds_access_to_string(VmdsAccess access)
{
	if ((guint)access >= G_N_ELEMENTS(vmds_access_names))
		return NULL;
	return vmds_access_names[access];
}

/**
 * vmds_access_from_string:
 * @str: `NONE`, `READ_ONLY` or `READ_WRITE` (case sensitive)
 * @access: (out): the access mode
 * @error: (nullable): return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with %VMDS_ERROR_INVALID_ARGUMENT
 */
gboolean
vmds_access_from_string(const gchar *str, VmdsAccess *access, GError **error)
{
	g_return_val_if_fail(access != NULL, FALSE);

	for (guint i = 0; str != NULL && i < G_N_ELEMENTS(vmds_access_names); i++) {
		if (g_strcmp0(str, vmds_access_names[i]) == 0) {
			*access = (VmdsAccess)i;
			return TRUE;
		}
	}
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "invalid access mode '%s', expected NONE, READ_ONLY or READ_WRITE",
		    str != NULL ? str : "(null)");
	return FALSE;
}

/**
 * vmds_datasets_check_name:
 * @name: (nullable): a data set name
 * @error: (nullable): return location for a #GError
 *
 * Checks that @name is non-empty, at most %VMDS_DATASETS_MAX_NAME bytes, and
 * valid UTF-8.
 *
 * Returns: %TRUE if valid, %FALSE with %VMDS_ERROR_INVALID_ARGUMENT
 */
gboolean
vmds_datasets_check_name(const gchar *name, GError **error)
{
	gsize len;

	if (name == NULL || name[0] == '\0') {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "a data set name must not be empty");
		return FALSE;
	}
	len = strlen(name);
	if (len > VMDS_DATASETS_MAX_NAME) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "data set name of %" G_GSIZE_FORMAT " bytes is longer than %d bytes",
			    len,
			    VMDS_DATASETS_MAX_NAME);
		return FALSE;
	}
	if (!g_utf8_validate_len(name, len, NULL)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "data set name is not valid UTF-8");
		return FALSE;
	}
	return TRUE;
}

/**
 * vmds_datasets_check_key:
 * @key: (nullable): an entry key
 * @error: (nullable): return location for a #GError
 *
 * Checks that @key is non-empty and valid UTF-8
 * (%VMDS_ERROR_INVALID_ARGUMENT) and at most %VMDS_DATASETS_MAX_KEY bytes
 * (%VMDS_ERROR_TOO_LARGE).
 *
 * Returns: %TRUE if valid
 */
gboolean
vmds_datasets_check_key(const gchar *key, GError **error)
{
	gsize len;

	if (key == NULL || key[0] == '\0') {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "a key must not be empty");
		return FALSE;
	}
	len = strlen(key);
	if (len > VMDS_DATASETS_MAX_KEY) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_TOO_LARGE,
			    "key of %" G_GSIZE_FORMAT " bytes is longer than %d bytes",
			    len,
			    VMDS_DATASETS_MAX_KEY);
		return FALSE;
	}
	if (!g_utf8_validate_len(key, len, NULL)) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "key is not valid UTF-8");
		return FALSE;
	}
	return TRUE;
}

static gboolean
vmds_datasets_check_description(const gchar *description, GError **error)
{
	gsize len = description != NULL ? strlen(description) : 0;

	if (len > VMDS_DATASETS_MAX_DESCRIPTION) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "description of %" G_GSIZE_FORMAT " bytes is longer than %d bytes",
			    len,
			    VMDS_DATASETS_MAX_DESCRIPTION);
		return FALSE;
	}
	if (len > 0 && !g_utf8_validate_len(description, len, NULL)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "description is not valid UTF-8");
		return FALSE;
	}
	return TRUE;
}

static gboolean
vmds_datasets_check_access_value(VmdsAccess access, const gchar *what, GError **error)
{
	if (vmds_access_to_string(access) == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "invalid %s access mode %d",
			    what,
			    (gint)access);
		return FALSE;
	}
	return TRUE;
}

static gboolean
vmds_datasets_check_keys(GPtrArray *keys, GError **error)
{
	if (keys->len == 0) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "no keys given");
		return FALSE;
	}
	for (guint i = 0; i < keys->len; i++) {
		if (!vmds_datasets_check_key(g_ptr_array_index(keys, i), error))
			return FALSE;
	}
	return TRUE;
}

/* an access mode read back from the store; anything unexpected grants nothing */
static VmdsAccess
vmds_datasets_access_from_column(gint64 value)
{
	if (value == VMDS_ACCESS_READ_ONLY || value == VMDS_ACCESS_READ_WRITE)
		return (VmdsAccess)value;
	return VMDS_ACCESS_NONE;
}

/* steps @stmt once: *row tells whether it produced a row */
static gboolean
vmds_datasets_step(VmdsStore *store, sqlite3_stmt *stmt, gboolean *row, GError **error)
{
	gint rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		*row = rc == SQLITE_ROW;
		return TRUE;
	}
	return vmds_store_set_error(store, rc, error);
}

/* a statement with RETURNING that changes at most one row, run to its end:
 * outside a transaction SQLite commits when it finishes, so a commit that
 * fails is told here, not lost in the reset */
static gboolean
vmds_datasets_step_returning(VmdsStore *store, sqlite3_stmt *stmt, gboolean *row, GError **error)
{
	gint rc;

	if (!vmds_datasets_step(store, stmt, row, error))
		return FALSE;
	if (!*row)
		return TRUE;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		return vmds_store_set_error(store, rc == SQLITE_ROW ? SQLITE_MISUSE : rc, error);
	return TRUE;
}

static gboolean
vmds_datasets_bind_check(VmdsStore *store, gint rc, GError **error)
{
	if (rc != SQLITE_OK)
		return vmds_store_set_error(store, rc, error);
	return TRUE;
}

/* keys and values are BLOBs: length() is bytes, ORDER BY is memcmp */
static gint
vmds_datasets_bind_bytes(sqlite3_stmt *stmt, gint idx, const gchar *data, gsize len)
{
	if (len > G_MAXINT)
		return SQLITE_TOOBIG;
	/* never NULL: a NULL pointer binds SQL NULL, not an empty value */
	return sqlite3_bind_blob(stmt, idx, data != NULL ? data : "", (gint)len, SQLITE_STATIC);
}

static gint
vmds_datasets_bind_key(sqlite3_stmt *stmt, gint idx, const gchar *key)
{
	return vmds_datasets_bind_bytes(stmt, idx, key, strlen(key));
}

/* copies a BLOB column into a NUL-terminated string */
static gchar *
vmds_datasets_column_dup(VmdsStore *store, sqlite3_stmt *stmt, gint col, gsize *len, GError **error)
{
	const void *data = sqlite3_column_blob(stmt, col);
	gint n = sqlite3_column_bytes(stmt, col);
	gchar *ret;

	if (data == NULL && n > 0) {
		vmds_store_set_error(store, SQLITE_NOMEM, error);
		return NULL;
	}
	ret = g_malloc((gsize)n + 1);
	if (n > 0)
		memcpy(ret, data, (gsize)n);
	ret[n] = '\0';
	if (len != NULL)
		*len = (gsize)n;
	return ret;
}

/* every request reads a data set's row: it is cached in the store, and
 * whatever changes a row calls this after it */
static void
vmds_datasets_forget(VmdsStore *store, const gchar *name)
{
	g_hash_table_remove(vmds_store_get_cache(store), name);
}

static gboolean
vmds_datasets_lookup(VmdsStore *store, const gchar *name, VmdsDatasetsRef *ref, GError **error)
{
	GHashTable *cache = vmds_store_get_cache(store);
	const VmdsDatasetsRef *cached = g_hash_table_lookup(cache, name);
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	gboolean row = FALSE;

	if (cached != NULL) {
		*ref = *cached;
		return TRUE;
	}
	stmt = vmds_store_prepare(
	    store, "SELECT id, host, guest FROM datasets WHERE name = ?1", error);
	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(
		store, sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC), error))
		return FALSE;
	if (!vmds_datasets_step(store, stmt, &row, error))
		return FALSE;
	if (!row) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_DATASET_NOT_FOUND, "no data set '%s'", name);
		return FALSE;
	}
	ref->id = sqlite3_column_int64(stmt, 0);
	ref->host = vmds_datasets_access_from_column(sqlite3_column_int64(stmt, 1));
	ref->guest = vmds_datasets_access_from_column(sqlite3_column_int64(stmt, 2));
	if (g_hash_table_size(cache) >= VMDS_DATASETS_CACHE_MAX)
		g_hash_table_remove_all(cache);
	g_hash_table_insert(cache, g_strdup(name), g_memdup2(ref, sizeof(*ref)));
	return TRUE;
}

/* existence first (DATASET_NOT_FOUND), then the side's access mode */
static gboolean
vmds_datasets_lookup_for(VmdsStore *store,
			 VmdsSide side,
			 const gchar *name,
			 gboolean write,
			 VmdsDatasetsRef *ref,
			 GError **error)
{
	VmdsAccess access;

	if (!vmds_datasets_lookup(store, name, ref, error))
		return FALSE;
	access = side == VMDS_SIDE_GUEST ? ref->guest : ref->host;
	if (access == VMDS_ACCESS_READ_WRITE || (access == VMDS_ACCESS_READ_ONLY && !write))
		return TRUE;
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_ACCESS_DENIED,
		    "the %s may not %s data set '%s'",
		    side == VMDS_SIDE_GUEST ? "guest" : "host",
		    write ? "write" : "read",
		    name);
	return FALSE;
}

/* the length of @key's value, or -1 when there is no such key */
static gboolean
vmds_datasets_value_length(
    VmdsStore *store, gint64 id, const gchar *key, gint64 *len, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store, "SELECT length(value) FROM entries WHERE dataset_id = ?1 AND key = ?2", error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, id), error) ||
	    !vmds_datasets_bind_check(store, vmds_datasets_bind_key(stmt, 2, key), error))
		return FALSE;
	if (!vmds_datasets_step(store, stmt, &row, error))
		return FALSE;
	*len = row ? sqlite3_column_int64(stmt, 0) : -1;
	return TRUE;
}

/* @keys[@from..@to) must exist; the first missing one (in request order) is named */
static gboolean
vmds_datasets_keys_exist(VmdsStore *store,
			 gint64 id,
			 const gchar *dataset,
			 GPtrArray *keys,
			 guint from,
			 guint to,
			 GError **error)
{
	for (guint i = from; i < to; i++) {
		const gchar *key = g_ptr_array_index(keys, i);
		gint64 len = -1;

		if (!vmds_datasets_value_length(store, id, key, &len, error))
			return FALSE;
		if (len < 0) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_KEY_NOT_FOUND,
				    "no key '%s' in data set '%s'",
				    key,
				    dataset);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
vmds_datasets_vm_used_internal(VmdsStore *store, gint64 *used, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt =
	    vmds_store_prepare(store, "SELECT coalesce(sum(used), 0) FROM datasets", error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_step(store, stmt, &row, error))
		return FALSE;
	*used = row ? sqlite3_column_int64(stmt, 0) : 0;
	return TRUE;
}

static VmdsDataset *
vmds_datasets_dataset_from_row(sqlite3_stmt *stmt)
{
	g_autoptr(VmdsDataset) dataset = vmds_dataset_new();
	const gchar *description = (const gchar *)sqlite3_column_text(stmt, 1);

	dataset->name = g_strdup((const gchar *)sqlite3_column_text(stmt, 0));
	if (description != NULL) {
		g_free(dataset->description);
		dataset->description = g_strdup(description);
	}
	dataset->host = vmds_datasets_access_from_column(sqlite3_column_int64(stmt, 2));
	dataset->guest = vmds_datasets_access_from_column(sqlite3_column_int64(stmt, 3));
	dataset->omit_from_snapshot_and_clone = sqlite3_column_int64(stmt, 4) != 0;
	dataset->used = sqlite3_column_int64(stmt, 5);
	return g_steal_pointer(&dataset);
}

/**
 * vmds_datasets_list:
 * @store: a #VmdsStore
 * @error: (nullable): return location for a #GError
 *
 * Lists the VM's data sets, sorted by name in byte order.
 *
 * Returns: (transfer container) (element-type VmdsDataset): the data sets
 * (possibly none), or %NULL on error
 */
GPtrArray *
vmds_datasets_list(VmdsStore *store, GError **error)
{
	g_autoptr(GPtrArray) ret = NULL;
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	gboolean row = FALSE;

	g_return_val_if_fail(VMDS_IS_STORE(store), NULL);

	stmt = vmds_store_prepare(store,
				  "SELECT name, description, host, guest, omit, used "
				  "FROM datasets ORDER BY name",
				  error);
	if (stmt == NULL)
		return NULL;
	ret = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_dataset_free);
	for (;;) {
		if (!vmds_datasets_step(store, stmt, &row, error))
			return NULL;
		if (!row)
			break;
		g_ptr_array_add(ret, vmds_datasets_dataset_from_row(stmt));
	}
	return g_steal_pointer(&ret);
}

/**
 * vmds_datasets_get:
 * @store: a #VmdsStore
 * @name: the data set name
 * @error: (nullable): return location for a #GError
 *
 * Returns one data set with its attributes and `used` (key bytes + value
 * bytes of its entries). Not governed by access modes.
 *
 * Returns: (transfer full): the data set, or %NULL with
 * %VMDS_ERROR_DATASET_NOT_FOUND or another error
 */
VmdsDataset *
vmds_datasets_get(VmdsStore *store, const gchar *name, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	gboolean row = FALSE;

	g_return_val_if_fail(VMDS_IS_STORE(store), NULL);

	if (!vmds_datasets_check_name(name, error))
		return NULL;
	stmt = vmds_store_prepare(store,
				  "SELECT name, description, host, guest, omit, used "
				  "FROM datasets WHERE name = ?1",
				  error);
	if (stmt == NULL)
		return NULL;
	if (!vmds_datasets_bind_check(
		store, sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC), error))
		return NULL;
	if (!vmds_datasets_step(store, stmt, &row, error))
		return NULL;
	if (!row) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_DATASET_NOT_FOUND, "no data set '%s'", name);
		return NULL;
	}
	return vmds_datasets_dataset_from_row(stmt);
}

/**
 * vmds_datasets_create:
 * @store: a #VmdsStore
 * @dataset: the new data set; `used` is ignored, a %NULL description is empty
 * @error: (nullable): return location for a #GError
 *
 * Creates an empty data set. Fails with %VMDS_ERROR_INVALID_ARGUMENT for a bad
 * name, description or access mode and %VMDS_ERROR_ALREADY_EXISTS when the
 * name is taken.
 *
 * Returns: %TRUE on success
 */
gboolean
vmds_datasets_create(VmdsStore *store, const VmdsDataset *dataset, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	const gchar *description;
	gboolean row = FALSE;

	g_return_val_if_fail(VMDS_IS_STORE(store), FALSE);
	g_return_val_if_fail(dataset != NULL, FALSE);

	description = dataset->description != NULL ? dataset->description : "";
	if (!vmds_datasets_check_name(dataset->name, error) ||
	    !vmds_datasets_check_description(description, error) ||
	    !vmds_datasets_check_access_value(dataset->host, "host", error) ||
	    !vmds_datasets_check_access_value(dataset->guest, "guest", error))
		return FALSE;

	stmt = vmds_store_prepare(store,
				  "INSERT INTO datasets (name, description, host, guest, omit) "
				  "VALUES (?1, ?2, ?3, ?4, ?5) "
				  "ON CONFLICT (name) DO NOTHING RETURNING id",
				  error);
	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(
		store, sqlite3_bind_text(stmt, 1, dataset->name, -1, SQLITE_STATIC), error) ||
	    !vmds_datasets_bind_check(
		store, sqlite3_bind_text(stmt, 2, description, -1, SQLITE_STATIC), error) ||
	    !vmds_datasets_bind_check(store, sqlite3_bind_int(stmt, 3, dataset->host), error) ||
	    !vmds_datasets_bind_check(store, sqlite3_bind_int(stmt, 4, dataset->guest), error) ||
	    !vmds_datasets_bind_check(
		store,
		sqlite3_bind_int(stmt, 5, dataset->omit_from_snapshot_and_clone ? 1 : 0),
		error))
		return FALSE;
	/* nothing to forget: only a data set that exists is cached */
	if (!vmds_datasets_step_returning(store, stmt, &row, error))
		return FALSE;
	if (!row) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_ALREADY_EXISTS,
			    "data set '%s' already exists",
			    dataset->name);
		return FALSE;
	}
	return TRUE;
}

/**
 * vmds_datasets_update:
 * @store: a #VmdsStore
 * @name: the data set name
 * @values: the new values; only the members named in @fields are read
 * @fields: which members to change
 * @error: (nullable): return location for a #GError
 *
 * Changes some attributes of a data set (never its name).
 *
 * Returns: %TRUE on success, %FALSE with %VMDS_ERROR_DATASET_NOT_FOUND,
 * %VMDS_ERROR_INVALID_ARGUMENT or another error
 */
gboolean
vmds_datasets_update(VmdsStore *store,
		     const gchar *name,
		     const VmdsDataset *values,
		     VmdsDatasetField fields,
		     GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	const gchar *description;
	gboolean row = FALSE;
	gboolean ok;

	g_return_val_if_fail(VMDS_IS_STORE(store), FALSE);
	g_return_val_if_fail(values != NULL, FALSE);

	description = values->description != NULL ? values->description : "";
	if (!vmds_datasets_check_name(name, error))
		return FALSE;
	if ((fields & VMDS_DATASET_FIELD_DESCRIPTION) &&
	    !vmds_datasets_check_description(description, error))
		return FALSE;
	if ((fields & VMDS_DATASET_FIELD_HOST) &&
	    !vmds_datasets_check_access_value(values->host, "host", error))
		return FALSE;
	if ((fields & VMDS_DATASET_FIELD_GUEST) &&
	    !vmds_datasets_check_access_value(values->guest, "guest", error))
		return FALSE;

	/* one statement: it is its own transaction */
	stmt = vmds_store_prepare(store,
				  "UPDATE datasets SET "
				  "description = CASE WHEN ?2 THEN ?3 ELSE description END, "
				  "host = CASE WHEN ?4 THEN ?5 ELSE host END, "
				  "guest = CASE WHEN ?6 THEN ?7 ELSE guest END, "
				  "omit = CASE WHEN ?8 THEN ?9 ELSE omit END "
				  "WHERE name = ?1 RETURNING id",
				  error);
	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(
		store, sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC), error) ||
	    !vmds_datasets_bind_check(
		store,
		sqlite3_bind_int(stmt, 2, (fields & VMDS_DATASET_FIELD_DESCRIPTION) != 0),
		error) ||
	    !vmds_datasets_bind_check(
		store, sqlite3_bind_text(stmt, 3, description, -1, SQLITE_STATIC), error) ||
	    !vmds_datasets_bind_check(
		store, sqlite3_bind_int(stmt, 4, (fields & VMDS_DATASET_FIELD_HOST) != 0), error) ||
	    !vmds_datasets_bind_check(store, sqlite3_bind_int(stmt, 5, values->host), error) ||
	    !vmds_datasets_bind_check(
		store,
		sqlite3_bind_int(stmt, 6, (fields & VMDS_DATASET_FIELD_GUEST) != 0),
		error) ||
	    !vmds_datasets_bind_check(store, sqlite3_bind_int(stmt, 7, values->guest), error) ||
	    !vmds_datasets_bind_check(
		store, sqlite3_bind_int(stmt, 8, (fields & VMDS_DATASET_FIELD_OMIT) != 0), error) ||
	    !vmds_datasets_bind_check(
		store,
		sqlite3_bind_int(stmt, 9, values->omit_from_snapshot_and_clone ? 1 : 0),
		error))
		return FALSE;
	ok = vmds_datasets_step_returning(store, stmt, &row, error);
	vmds_datasets_forget(store, name);
	if (!ok)
		return FALSE;
	if (!row) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_DATASET_NOT_FOUND, "no data set '%s'", name);
		return FALSE;
	}
	return TRUE;
}

static gboolean
vmds_datasets_delete_txn(VmdsStore *store, const gchar *name, gboolean force, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	VmdsDatasetsRef ref = {0};
	gboolean row = FALSE;

	if (!vmds_datasets_lookup(store, name, &ref, error))
		return FALSE;

	stmt =
	    vmds_store_prepare(store, "SELECT 1 FROM entries WHERE dataset_id = ?1 LIMIT 1", error);
	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, ref.id), error) ||
	    !vmds_datasets_step(store, stmt, &row, error))
		return FALSE;
	sqlite3_reset(stmt);
	if (row && !force) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_RESOURCE_IN_USE,
			    "data set '%s' is not empty",
			    name);
		return FALSE;
	}

	/* entries first (the foreign key would cascade, but say it); a data
	 * set created later may get the same id */
	vmds_store_forget_values(store, ref.id);
	stmt = vmds_store_prepare(store, "DELETE FROM entries WHERE dataset_id = ?1", error);
	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, ref.id), error) ||
	    !vmds_store_step_done(store, stmt, error))
		return FALSE;
	stmt = vmds_store_prepare(store, "DELETE FROM datasets WHERE id = ?1", error);
	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, ref.id), error) ||
	    !vmds_store_step_done(store, stmt, error))
		return FALSE;
	return TRUE;
}

/**
 * vmds_datasets_delete:
 * @store: a #VmdsStore
 * @name: the data set name
 * @force: delete its entries too
 * @error: (nullable): return location for a #GError
 *
 * Deletes a data set. A data set with entries is only deleted with @force,
 * else the call fails with %VMDS_ERROR_RESOURCE_IN_USE.
 *
 * Returns: %TRUE on success
 */
gboolean
vmds_datasets_delete(VmdsStore *store, const gchar *name, gboolean force, GError **error)
{
	gboolean ok;

	g_return_val_if_fail(VMDS_IS_STORE(store), FALSE);

	if (!vmds_datasets_check_name(name, error))
		return FALSE;
	if (!vmds_store_begin(store, error))
		return FALSE;
	ok = vmds_store_end(store, vmds_datasets_delete_txn(store, name, force, error), error);
	vmds_datasets_forget(store, name);
	return ok;
}

/**
 * vmds_datasets_vm_used:
 * @store: a #VmdsStore
 * @error: (nullable): return location for a #GError
 *
 * Returns: the VM total: key bytes + value bytes of every entry of every data
 * set, or -1 on error
 */
gint64
vmds_datasets_vm_used(VmdsStore *store, GError **error)
{
	gint64 used = 0;

	g_return_val_if_fail(VMDS_IS_STORE(store), -1);

	if (!vmds_datasets_vm_used_internal(store, &used, error))
		return -1;
	return used;
}

/**
 * vmds_datasets_list_keys:
 * @store: a #VmdsStore
 * @side: who asks; its access mode must allow reading
 * @dataset: the data set name
 * @after: (nullable): list keys strictly after this one (byte order); %NULL
 *   to start at the first key
 * @max_bytes: the page budget: keys are returned while the sum of their JSON
 *   string sizes plus one (a comma) each stays within it, but always at least
 *   one key; 0 for no limit
 * @more: (out) (optional): set to whether keys remain after this page
 * @error: (nullable): return location for a #GError
 *
 * Lists keys in byte order, one page at a time.
 *
 * Returns: (transfer container) (element-type utf8): the keys (possibly
 * none), or %NULL on error
 */
GPtrArray *
vmds_datasets_list_keys(VmdsStore *store,
			VmdsSide side,
			const gchar *dataset,
			const gchar *after,
			gsize max_bytes,
			gboolean *more,
			GError **error)
{
	g_autoptr(GPtrArray) ret = NULL;
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	VmdsDatasetsRef ref = {0};
	gsize total = 0;
	gboolean row = FALSE;
	gint rc;

	g_return_val_if_fail(VMDS_IS_STORE(store), NULL);

	if (more != NULL)
		*more = FALSE;
	if (!vmds_datasets_check_name(dataset, error))
		return NULL;
	if (!vmds_datasets_lookup_for(store, side, dataset, FALSE, &ref, error))
		return NULL;

	stmt = vmds_store_prepare(store,
				  "SELECT key FROM entries WHERE dataset_id = ?1 AND key > ?2 "
				  "ORDER BY key",
				  error);
	if (stmt == NULL)
		return NULL;
	/* every key is non-empty, so the empty BLOB sorts before all of them */
	rc = vmds_datasets_bind_bytes(stmt, 2, after, after != NULL ? strlen(after) : 0);
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, ref.id), error) ||
	    !vmds_datasets_bind_check(store, rc, error))
		return NULL;

	ret = g_ptr_array_new_with_free_func(g_free);
	for (;;) {
		g_autofree gchar *key = NULL;
		gsize key_len = 0;
		gsize size;

		if (!vmds_datasets_step(store, stmt, &row, error))
			return NULL;
		if (!row)
			break;
		key = vmds_datasets_column_dup(store, stmt, 0, &key_len, error);
		if (key == NULL)
			return NULL;
		size = vmds_json_string_size(key, key_len) + 1;
		if (max_bytes > 0 && ret->len > 0 && total + size > max_bytes) {
			if (more != NULL)
				*more = TRUE;
			break;
		}
		total += size;
		g_ptr_array_add(ret, g_steal_pointer(&key));
	}
	return g_steal_pointer(&ret);
}

/* the value of @key, from the store's cache of small values when it holds it,
 * else from SQLite (and then kept in the cache) */
static gchar *
vmds_datasets_read_value(VmdsStore *store,
			 gint64 id,
			 const gchar *dataset,
			 const gchar *key,
			 gsize *value_len,
			 GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	const gchar *cached = vmds_store_lookup_value(store, id, key, value_len);
	gchar *ret;
	gboolean row = FALSE;

	if (cached != NULL) {
		ret = g_malloc(*value_len + 1);
		memcpy(ret, cached, *value_len);
		ret[*value_len] = '\0';
		return ret;
	}
	stmt = vmds_store_prepare(
	    store, "SELECT value FROM entries WHERE dataset_id = ?1 AND key = ?2", error);
	if (stmt == NULL)
		return NULL;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, id), error) ||
	    !vmds_datasets_bind_check(store, vmds_datasets_bind_key(stmt, 2, key), error))
		return NULL;
	if (!vmds_datasets_step(store, stmt, &row, error))
		return NULL;
	if (!row) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_KEY_NOT_FOUND,
			    "no key '%s' in data set '%s'",
			    key,
			    dataset);
		return NULL;
	}
	ret = vmds_datasets_column_dup(store, stmt, 0, value_len, error);
	if (ret == NULL)
		return NULL;
	/* inside a transaction this may be a value that never commits: the
	 * store empties the cache when a transaction rolls back */
	vmds_store_cache_value(store, id, key, ret, *value_len);
	return ret;
}

/**
 * vmds_datasets_get_entries:
 * @store: a #VmdsStore
 * @side: who asks; its access mode must allow reading
 * @dataset: the data set name
 * @keys: (element-type utf8): the requested keys, in request order;
 *   duplicates are allowed and returned as often as asked
 * @first: the index in @keys of the first entry of this page
 * @max_bytes: the page budget: entries are returned while the sum of JSON
 *   string sizes of key and value plus 4 each (`{`, `:`, `}`, `,`) stays
 *   within it, but always at least one; 0 for no limit
 * @next: (out) (optional): the index of the first key not returned;
 *   @keys->len when the request is complete
 * @error: (nullable): return location for a #GError
 *
 * Reads entries. All of @keys must exist, else the call fails with
 * %VMDS_ERROR_KEY_NOT_FOUND naming the first missing key in request order.
 *
 * Returns: (transfer container) (element-type VmdsEntry): the entries, or
 * %NULL on error
 */
GPtrArray *
vmds_datasets_get_entries(VmdsStore *store,
			  VmdsSide side,
			  const gchar *dataset,
			  GPtrArray *keys,
			  guint first,
			  gsize max_bytes,
			  guint *next,
			  GError **error)
{
	g_autoptr(GPtrArray) ret = NULL;
	VmdsDatasetsRef ref = {0};
	gsize total = 0;
	guint i;

	g_return_val_if_fail(VMDS_IS_STORE(store), NULL);
	g_return_val_if_fail(keys != NULL, NULL);

	if (next != NULL)
		*next = keys->len;
	if (!vmds_datasets_check_name(dataset, error) || !vmds_datasets_check_keys(keys, error))
		return NULL;
	if (first >= keys->len) {
		/* only a forged or stale context can say so */
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "invalid or stale context");
		return NULL;
	}
	if (!vmds_datasets_lookup_for(store, side, dataset, FALSE, &ref, error))
		return NULL;
	/* every key must exist, pages before and after this one too; the keys of
	 * this page are checked as their values are read, in request order */
	if (!vmds_datasets_keys_exist(store, ref.id, dataset, keys, 0, first, error))
		return NULL;

	ret = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);
	for (i = first; i < keys->len; i++) {
		const gchar *key = g_ptr_array_index(keys, i);
		g_autofree gchar *value = NULL;
		VmdsEntry *entry;
		gsize value_len = 0;

		value = vmds_datasets_read_value(store, ref.id, dataset, key, &value_len, error);
		if (value == NULL)
			return NULL;
		/* the first entry always fits: its size only counts for the next */
		if (max_bytes > 0 && (ret->len > 0 || i + 1 < keys->len)) {
			gsize size = vmds_json_string_size(key, strlen(key)) +
				     vmds_json_string_size(value, value_len) + 4;
			if (ret->len > 0 && total + size > max_bytes)
				break;
			total += size;
		}
		/* the entry takes the copy made of the value, not a second one */
		entry = g_new0(VmdsEntry, 1);
		entry->key = g_strdup(key);
		entry->value = g_steal_pointer(&value);
		entry->value_len = value_len;
		g_ptr_array_add(ret, entry);
	}
	if (!vmds_datasets_keys_exist(store, ref.id, dataset, keys, i, keys->len, error))
		return NULL;
	if (next != NULL)
		*next = i;
	return g_steal_pointer(&ret);
}

static gboolean
vmds_datasets_set_entries_txn(
    VmdsStore *store, VmdsSide side, const gchar *dataset, GPtrArray *entries, GError **error)
{
	g_autoptr(GHashTable) last_writes = g_hash_table_new(g_str_hash, g_str_equal);
	VmdsDatasetsRef ref = {0};
	gint64 used = 0;

	if (!vmds_datasets_lookup_for(store, side, dataset, TRUE, &ref, error))
		return FALSE;

	/* in order: a later entry for the same key sees the earlier one;
	 * last_writes says which entry wrote a key last */
	for (guint i = 0; i < entries->len; i++) {
		VmdsEntry *entry = g_ptr_array_index(entries, i);
		g_autoptr(VmdsStoreStmt) stmt = NULL;

		/* an upsert, so that the UPDATE trigger keeps `used` right (a
		 * REPLACE would delete without firing the DELETE trigger) */
		if (entry->append) {
			stmt = vmds_store_prepare(
			    store,
			    "INSERT INTO entries (dataset_id, key, value) VALUES (?1, ?2, ?3) "
			    "ON CONFLICT (dataset_id, key) DO UPDATE "
			    "SET value = CAST(value || excluded.value AS BLOB)",
			    error);
		} else {
			stmt = vmds_store_prepare(
			    store,
			    "INSERT INTO entries (dataset_id, key, value) VALUES (?1, ?2, ?3) "
			    "ON CONFLICT (dataset_id, key) DO UPDATE SET value = excluded.value",
			    error);
		}
		if (stmt == NULL)
			return FALSE;
		/* before the write: whether it commits or rolls back, the cache
		 * no longer holds what the key had */
		vmds_store_forget_value(store, ref.id, entry->key);
		if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, ref.id), error) ||
		    !vmds_datasets_bind_check(
			store, vmds_datasets_bind_key(stmt, 2, entry->key), error) ||
		    !vmds_datasets_bind_check(
			store,
			vmds_datasets_bind_bytes(stmt, 3, entry->value, entry->value_len),
			error))
			return FALSE;
		if (!vmds_store_step_done(store, stmt, error))
			return FALSE;
		g_hash_table_insert(last_writes, entry->key, entry);
	}

	/* the limits apply to the final values, each key checked where it first
	 * appears, and to the final total */
	for (guint i = 0; i < entries->len; i++) {
		VmdsEntry *entry = g_ptr_array_index(entries, i);
		gpointer last = NULL;
		const VmdsEntry *last_entry;
		gint64 len = -1;

		if (!g_hash_table_steal_extended(last_writes, entry->key, NULL, &last))
			continue;
		/* a key last replaced holds just that value; an append adds to
		 * what only the store knows */
		last_entry = last;
		if (!last_entry->append)
			len = (gint64)last_entry->value_len;
		else if (!vmds_datasets_value_length(store, ref.id, entry->key, &len, error))
			return FALSE;
		if (len > VMDS_DATASETS_MAX_VALUE) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_TOO_LARGE,
				    "value of key '%s' in data set '%s' would be %" G_GINT64_FORMAT
				    " bytes, longer than %d bytes",
				    entry->key,
				    dataset,
				    len,
				    VMDS_DATASETS_MAX_VALUE);
			return FALSE;
		}
	}
	if (!vmds_datasets_vm_used_internal(store, &used, error))
		return FALSE;
	if (used > VMDS_DATASETS_MAX_VM_BYTES) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_QUOTA_EXCEEDED,
			    "writing data set '%s' would bring the VM to %" G_GINT64_FORMAT
			    " bytes, over its quota of %" G_GINT64_FORMAT " bytes",
			    dataset,
			    used,
			    VMDS_DATASETS_MAX_VM_BYTES);
		return FALSE;
	}
	return TRUE;
}

/**
 * vmds_datasets_set_entries:
 * @store: a #VmdsStore
 * @side: who asks; its access mode must be %VMDS_ACCESS_READ_WRITE
 * @dataset: the data set name
 * @entries: (element-type VmdsEntry): the entries to write, in order; an
 *   entry with `append` appends its value (creating the entry if absent),
 *   else it replaces or creates it
 * @error: (nullable): return location for a #GError
 *
 * Writes entries, all or nothing: every key is checked first, then all
 * entries are applied in one transaction, in order; a final value over
 * %VMDS_DATASETS_MAX_VALUE bytes (%VMDS_ERROR_TOO_LARGE) or a VM total over
 * %VMDS_DATASETS_MAX_VM_BYTES (%VMDS_ERROR_QUOTA_EXCEEDED) rolls all back.
 *
 * Returns: %TRUE on success
 */
gboolean
vmds_datasets_set_entries(
    VmdsStore *store, VmdsSide side, const gchar *dataset, GPtrArray *entries, GError **error)
{
	g_return_val_if_fail(VMDS_IS_STORE(store), FALSE);
	g_return_val_if_fail(entries != NULL, FALSE);

	if (!vmds_datasets_check_name(dataset, error))
		return FALSE;
	if (entries->len == 0) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "no entries given");
		return FALSE;
	}
	for (guint i = 0; i < entries->len; i++) {
		VmdsEntry *entry = g_ptr_array_index(entries, i);
		if (entry == NULL) {
			g_set_error_literal(
			    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "no entry given");
			return FALSE;
		}
		if (!vmds_datasets_check_key(entry->key, error))
			return FALSE;
	}

	if (!vmds_store_begin(store, error))
		return FALSE;
	return vmds_store_end(
	    store, vmds_datasets_set_entries_txn(store, side, dataset, entries, error), error);
}

static gboolean
vmds_datasets_delete_entries_txn(
    VmdsStore *store, VmdsSide side, const gchar *dataset, GPtrArray *keys, GError **error)
{
	VmdsDatasetsRef ref = {0};

	if (!vmds_datasets_lookup_for(store, side, dataset, TRUE, &ref, error))
		return FALSE;
	if (!vmds_datasets_keys_exist(store, ref.id, dataset, keys, 0, keys->len, error))
		return FALSE;
	for (guint i = 0; i < keys->len; i++) {
		g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
		    store, "DELETE FROM entries WHERE dataset_id = ?1 AND key = ?2", error);

		if (stmt == NULL)
			return FALSE;
		vmds_store_forget_value(store, ref.id, keys->pdata[i]);
		if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, ref.id), error) ||
		    !vmds_datasets_bind_check(
			store, vmds_datasets_bind_key(stmt, 2, keys->pdata[i]), error) ||
		    !vmds_store_step_done(store, stmt, error))
			return FALSE;
	}
	return TRUE;
}

/**
 * vmds_datasets_delete_entries:
 * @store: a #VmdsStore
 * @side: who asks; its access mode must be %VMDS_ACCESS_READ_WRITE
 * @dataset: the data set name
 * @keys: (element-type utf8): the keys to delete (non-empty)
 * @error: (nullable): return location for a #GError
 *
 * Deletes entries, all or nothing: if any key is absent the call fails with
 * %VMDS_ERROR_KEY_NOT_FOUND naming the first missing one and nothing is
 * deleted.
 *
 * Returns: %TRUE on success
 */
gboolean
vmds_datasets_delete_entries(
    VmdsStore *store, VmdsSide side, const gchar *dataset, GPtrArray *keys, GError **error)
{
	g_return_val_if_fail(VMDS_IS_STORE(store), FALSE);
	g_return_val_if_fail(keys != NULL, FALSE);

	if (!vmds_datasets_check_name(dataset, error) || !vmds_datasets_check_keys(keys, error))
		return FALSE;
	if (!vmds_store_begin(store, error))
		return FALSE;
	return vmds_store_end(
	    store, vmds_datasets_delete_entries_txn(store, side, dataset, keys, error), error);
}

static gpointer
vmds_datasets_secret_init_cb(gpointer data)
{
	static guint8 secret[VMDS_DATASETS_SECRET_SIZE];
	gssize n = getrandom(secret, sizeof(secret), 0);

	/* getrandom() only fails on ancient kernels; GRand seeds from /dev/urandom */
	if (n != (gssize)sizeof(secret)) {
		for (gsize i = 0; i < sizeof(secret); i++)
			secret[i] = (guint8)g_random_int_range(0, 256);
	}
	return secret;
}

/* the process-wide MAC key: contexts do not survive a restart, by design */
static const guint8 *
vmds_datasets_secret(void)
{
	static GOnce once = G_ONCE_INIT;

	return g_once(&once, vmds_datasets_secret_init_cb, NULL);
}

static void
vmds_datasets_context_mac(const gchar *request, const guint8 *cursor, gsize cursor_len, guint8 *mac)
{
	g_autoptr(GHmac) hmac =
	    g_hmac_new(G_CHECKSUM_SHA256, vmds_datasets_secret(), VMDS_DATASETS_SECRET_SIZE);
	gsize mac_len = VMDS_DATASETS_MAC_SIZE;

	/* the request's NUL separates it from the cursor: no ambiguity */
	g_hmac_update(hmac, (const guchar *)request, (gssize)strlen(request) + 1);
	g_hmac_update(hmac, cursor, (gssize)cursor_len);
	g_hmac_get_digest(hmac, mac, &mac_len);
}

/**
 * vmds_datasets_context_new:
 * @request: what identifies the request the page belongs to (the command,
 *   data set, keys...), built by the caller the same way for every page
 * @cursor: (array length=cursor_len): where the next page starts
 * @cursor_len: the length of @cursor in bytes
 *
 * Makes an opaque paging context: @cursor and a MAC over @request and
 * @cursor, keyed with a secret of this process, in base64.
 *
 * Returns: (transfer full): the context
 */
gchar *
vmds_datasets_context_new(const gchar *request, const gchar *cursor, gsize cursor_len)
{
	g_autofree guint8 *buf = NULL;

	g_return_val_if_fail(request != NULL, NULL);
	g_return_val_if_fail(cursor != NULL || cursor_len == 0, NULL);

	buf = g_malloc(cursor_len + VMDS_DATASETS_MAC_SIZE);
	if (cursor_len > 0)
		memcpy(buf, cursor, cursor_len);
	vmds_datasets_context_mac(request, buf, cursor_len, buf + cursor_len);
	return g_base64_encode(buf, cursor_len + VMDS_DATASETS_MAC_SIZE);
}

/* g_base64_decode() skips what it does not know; we refuse it instead */
static gboolean
vmds_datasets_base64_valid(const gchar *str, gsize len)
{
	gsize pad = 0;

	if (len == 0 || len % 4 != 0)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		gchar c = str[i];
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0)
			return FALSE;
		if (!g_ascii_isalnum(c) && c != '+' && c != '/')
			return FALSE;
	}
	return pad <= 2;
}

/**
 * vmds_datasets_context_parse:
 * @request: the request, built exactly as for vmds_datasets_context_new()
 * @context: the context the client sent back
 * @cursor_len: (out) (optional): the length of the cursor in bytes
 * @error: (nullable): return location for a #GError
 *
 * Checks a paging context against @request and returns its cursor.
 *
 * Returns: (transfer full): the cursor, NUL-terminated, or %NULL with
 * %VMDS_ERROR_INVALID_ARGUMENT `invalid or stale context` when @context was
 * not made by this process for this request
 */
gchar *
vmds_datasets_context_parse(const gchar *request,
			    const gchar *context,
			    gsize *cursor_len,
			    GError **error)
{
	g_autofree guint8 *buf = NULL;
	g_autofree gchar *ret = NULL;
	guint8 mac[VMDS_DATASETS_MAC_SIZE];
	gsize context_len;
	gsize len = 0;
	guint8 diff = 0;

	g_return_val_if_fail(request != NULL, NULL);

	context_len = context != NULL ? strnlen(context, VMDS_DATASETS_MAX_CONTEXT + 1) : 0;
	if (context_len > VMDS_DATASETS_MAX_CONTEXT ||
	    !vmds_datasets_base64_valid(context, context_len)) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "invalid or stale context");
		return NULL;
	}
	buf = g_base64_decode(context, &len);
	if (buf == NULL || len < VMDS_DATASETS_MAC_SIZE) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "invalid or stale context");
		return NULL;
	}
	len -= VMDS_DATASETS_MAC_SIZE;
	vmds_datasets_context_mac(request, buf, len, mac);
	/* constant time: no early exit on the first differing byte */
	for (gsize i = 0; i < VMDS_DATASETS_MAC_SIZE; i++)
		diff |= mac[i] ^ buf[len + i];
	if (diff != 0) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "invalid or stale context");
		return NULL;
	}
	ret = g_malloc(len + 1);
	if (len > 0)
		memcpy(ret, buf, len);
	ret[len] = '\0';
	if (cursor_len != NULL)
		*cursor_len = len;
	return g_steal_pointer(&ret);
}

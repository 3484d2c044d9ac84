/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "vmds-datasets-cache.h"

/* a context holds a cursor (at most a key) and a MAC; longer is not ours */
#define VMDS_DATASETS_MAX_CONTEXT 8192
#define VMDS_DATASETS_SECRET_SIZE 32
#define VMDS_DATASETS_MAC_SIZE	  32

const VmdsDatasetsLimits vmds_datasets_limits_default = {
    .max_value = VMDS_DATASETS_MAX_VALUE,
    .max_vm_bytes = VMDS_DATASETS_MAX_VM_BYTES,
    .max_vm_entries = VMDS_DATASETS_MAX_VM_ENTRIES,
};

/**
 * vmds_datasets_open_store:
 * @path: the store file
 * @error: (nullable): return location for a #GError
 *
 * Opens a store with the DataSets tables alone, as tools, tests and
 * benchmarks that use the engine without a daemon need (see
 * vmds_store_open()).
 *
 * Returns: (transfer full): the store, or %NULL on error
 */
VmdsStore *
vmds_datasets_open_store(const gchar *path, GError **error)
{
	g_autoptr(GPtrArray) schemas = g_ptr_array_new();

	g_ptr_array_add(schemas, (gpointer)&vmds_datasets_schema);
	return vmds_store_open(path, schemas, error);
}

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
 * vmds_dataset_append_attributes:
 * @out: where the JSON goes
 * @dataset: a #VmdsDataset
 *
 * Appends the members of a data set's attributes, as both datasets-query
 * and `GET .../data-sets/{data_set}` show them: `"name":...,` up to
 * `"omit_from_snapshot_and_clone":...`, with no braces.
 */
void
vmds_dataset_append_attributes(GString *out, const VmdsDataset *dataset)
{
	g_string_append(out, "\"name\":");
	vmds_json_append_string(out, dataset->name, -1);
	g_string_append(out, ",\"description\":");
	vmds_json_append_string(out, dataset->description, -1);
	g_string_append_printf(out,
			       ",\"host\":\"%s\",\"guest\":\"%s\",\"used\":%" G_GINT64_FORMAT
			       ",\"omit_from_snapshot_and_clone\":%s",
			       vmds_access_to_string(dataset->host),
			       vmds_access_to_string(dataset->guest),
			       dataset->used,
			       dataset->omit_from_snapshot_and_clone ? "true" : "false");
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

/* a statement with RETURNING that changes at most one row, run to its end:
 * outside a transaction SQLite commits when it finishes, so a commit that
 * fails is told here, not lost in the reset */
static gboolean
vmds_datasets_step_returning(VmdsStore *store, sqlite3_stmt *stmt, gboolean *row, GError **error)
{
	gint rc;

	if (!vmds_store_step(store, stmt, row, error))
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

/* every request reads a data set's row: it is cached, and whatever changes
 * a row calls this after it */
static void
vmds_datasets_forget(VmdsStore *store, const gchar *name)
{
	vmds_datasets_cache_forget_ref(vmds_datasets_cache_get(store), name);
}

static gboolean
vmds_datasets_lookup(VmdsStore *store, const gchar *name, VmdsDatasetsRef *ref, GError **error)
{
	VmdsDatasetsCache *cache = vmds_datasets_cache_get(store);
	const VmdsDatasetsRef *cached = vmds_datasets_cache_lookup_ref(cache, name);
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
	if (!vmds_store_step(store, stmt, &row, error))
		return FALSE;
	if (!row) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_DATASET_NOT_FOUND, "no data set '%s'", name);
		return FALSE;
	}
	ref->id = sqlite3_column_int64(stmt, 0);
	ref->host = vmds_datasets_access_from_column(sqlite3_column_int64(stmt, 1));
	ref->guest = vmds_datasets_access_from_column(sqlite3_column_int64(stmt, 2));
	vmds_datasets_cache_add_ref(cache, name, ref);
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

/* where an entry's value lives: inline_len bytes in its entries row, or
 * (chunks not 0) tail bytes in the chunks of that owner, the row holding
 * none (see schema version 2 in vmds-store.c) */
typedef struct {
	gint64 inline_len;
	gint64 tail;
	gint64 chunks;
} VmdsDatasetsLayout;

/* where @key's value lives; *found tells whether there is such a key (the
 * layout is all zero when there is not) */
static gboolean
vmds_datasets_layout(VmdsStore *store,
		     gint64 id,
		     const gchar *key,
		     gboolean *found,
		     VmdsDatasetsLayout *layout,
		     GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt =
	    vmds_store_prepare(store,
			       "SELECT length(value), tail, chunks FROM entries "
			       "WHERE dataset_id = ?1 AND key = ?2",
			       error);

	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, id), error) ||
	    !vmds_datasets_bind_check(store, vmds_datasets_bind_key(stmt, 2, key), error))
		return FALSE;
	if (!vmds_store_step(store, stmt, found, error))
		return FALSE;
	layout->inline_len = *found ? sqlite3_column_int64(stmt, 0) : 0;
	layout->tail = *found ? sqlite3_column_int64(stmt, 1) : 0;
	layout->chunks = *found ? sqlite3_column_int64(stmt, 2) : 0;
	return TRUE;
}

static gboolean
vmds_datasets_key_not_found(const gchar *key, const gchar *dataset, GError **error)
{
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_KEY_NOT_FOUND,
		    "no key '%s' in data set '%s'",
		    key,
		    dataset);
	return FALSE;
}

/* @keys[@from..@to) must exist; the first missing one (in request order) is
 * named. @checked (nullable) holds the keys known to exist, and gets those
 * found here: each key is looked up once per request */
static gboolean
vmds_datasets_keys_exist(VmdsStore *store,
			 gint64 id,
			 const gchar *dataset,
			 GPtrArray *keys,
			 guint from,
			 guint to,
			 GHashTable *checked,
			 GError **error)
{
	for (guint i = from; i < to; i++) {
		const gchar *key = g_ptr_array_index(keys, i);
		VmdsDatasetsLayout layout = {0};
		gboolean found = FALSE;

		if (checked != NULL && g_hash_table_contains(checked, key))
			continue;
		if (!vmds_datasets_layout(store, id, key, &found, &layout, error))
			return FALSE;
		if (!found)
			return vmds_datasets_key_not_found(key, dataset, error);
		if (checked != NULL)
			g_hash_table_insert(checked, (gpointer)key, NULL);
	}
	return TRUE;
}

/* the VM totals: key + value bytes, and entries */
static gboolean
vmds_datasets_vm_totals(VmdsStore *store, gint64 *used, gint64 *entries, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store,
	    "SELECT coalesce(sum(used), 0), coalesce(sum(entry_count), 0) FROM datasets",
	    error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	if (!vmds_store_step(store, stmt, &row, error))
		return FALSE;
	*used = row ? sqlite3_column_int64(stmt, 0) : 0;
	if (entries != NULL)
		*entries = row ? sqlite3_column_int64(stmt, 1) : 0;
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
		if (!vmds_store_step(store, stmt, &row, error))
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
	if (!vmds_store_step(store, stmt, &row, error))
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
	    !vmds_store_step(store, stmt, &row, error))
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

	/* a data set created later may get the same id */
	vmds_datasets_cache_forget_values(vmds_datasets_cache_get(store), ref.id);
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

	if (!vmds_datasets_vm_totals(store, &used, NULL, error))
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

		if (!vmds_store_step(store, stmt, &row, error))
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

/* a stored value that cannot be: the store was changed by something else */
static gboolean
vmds_datasets_damaged(const gchar *key, const gchar *dataset, GError **error)
{
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_STORAGE,
		    "the value of key '%s' in data set '%s' is damaged",
		    key,
		    dataset);
	return FALSE;
}

/* copies the @len bytes of the chunks of @owner, in order, to @buf */
static gboolean
vmds_datasets_read_chunks(VmdsStore *store,
			  gint64 owner,
			  const gchar *dataset,
			  const gchar *key,
			  gchar *buf,
			  gsize len,
			  GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store, "SELECT data FROM entry_chunks WHERE owner = ?1 ORDER BY id", error);
	gsize done = 0;

	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, owner), error))
		return FALSE;
	for (;;) {
		const void *data;
		gsize n;
		gboolean row = FALSE;

		if (!vmds_store_step(store, stmt, &row, error))
			return FALSE;
		if (!row)
			break;
		data = sqlite3_column_blob(stmt, 0);
		n = (gsize)sqlite3_column_bytes(stmt, 0);
		if (data == NULL && n > 0)
			return vmds_store_set_error(store, SQLITE_NOMEM, error);
		if (n > len - done)
			return vmds_datasets_damaged(key, dataset, error);
		if (n > 0)
			memcpy(buf + done, data, n);
		done += n;
	}
	if (done != len)
		return vmds_datasets_damaged(key, dataset, error);
	return TRUE;
}

/* the value of @key from SQLite: its row, and its chunks when it has any */
static gchar *
vmds_datasets_read_stored(VmdsStore *store,
			  gint64 id,
			  const gchar *dataset,
			  const gchar *key,
			  gsize *value_len,
			  GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	g_autofree gchar *ret = NULL;
	VmdsDatasetsLayout layout = {0};
	gboolean row = FALSE;

	/* one lookup: whether there are chunks comes with the row (asking
	 * only for an empty value would take two for every empty one) */
	stmt = vmds_store_prepare(
	    store, "SELECT value, chunks FROM entries WHERE dataset_id = ?1 AND key = ?2", error);
	if (stmt == NULL)
		return NULL;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, id), error) ||
	    !vmds_datasets_bind_check(store, vmds_datasets_bind_key(stmt, 2, key), error))
		return NULL;
	if (!vmds_store_step(store, stmt, &row, error))
		return NULL;
	if (!row) {
		vmds_datasets_key_not_found(key, dataset, error);
		return NULL;
	}
	if (sqlite3_column_type(stmt, 1) == SQLITE_NULL)
		return vmds_datasets_column_dup(store, stmt, 0, value_len, error);
	sqlite3_reset(stmt);
	if (!vmds_datasets_layout(store, id, key, &row, &layout, error))
		return NULL;
	/* the engine writes nothing inline beside chunks, and no value longer
	 * than the limit */
	if (!row || layout.inline_len != 0 || layout.tail <= 0 ||
	    layout.tail > VMDS_DATASETS_MAX_VALUE) {
		vmds_datasets_damaged(key, dataset, error);
		return NULL;
	}
	*value_len = (gsize)layout.tail;
	ret = g_malloc(*value_len + 1);
	ret[*value_len] = '\0';
	if (!vmds_datasets_read_chunks(store, layout.chunks, dataset, key, ret, *value_len, error))
		return NULL;
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
	VmdsDatasetsCache *cache = vmds_datasets_cache_get(store);
	const gchar *cached = vmds_datasets_cache_lookup_value(cache, id, key, value_len);
	gchar *ret;

	if (cached != NULL) {
		ret = g_malloc(*value_len + 1);
		memcpy(ret, cached, *value_len);
		ret[*value_len] = '\0';
		return ret;
	}
	ret = vmds_datasets_read_stored(store, id, dataset, key, value_len, error);
	if (ret == NULL)
		return NULL;
	/* inside a transaction this may be a value that never commits: the
	 * store empties the cache when a transaction rolls back */
	vmds_datasets_cache_add_value(cache, id, key, ret, *value_len);
	return ret;
}

/* what one get-entries call knows of a key it read for this page: every
 * entry of the key takes a copy of the first one's value */
typedef struct {
	const gchar *value; /* the first entry's */
	gsize value_len;
	gsize size; /* its JSON size in the page, 0 until counted */
} VmdsDatasetsRead;

/* the JSON size of an entry in a page: key, value, `{`, `:`, `}`, `,` */
static gsize
vmds_datasets_entry_size(const gchar *key, const gchar *value, gsize value_len)
{
	return vmds_json_string_size(key, strlen(key)) + vmds_json_string_size(value, value_len) +
	       4;
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
 * A key named several times is looked up once, and its value read once per
 * call: the work of a call grows with the distinct keys and the page, not
 * with the duplicates.
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
	g_autoptr(GHashTable) checked = NULL;
	g_autoptr(GHashTable) reads = NULL;
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
	/* one key cannot be named twice: the tables are for requests of more */
	if (keys->len > 1) {
		checked = g_hash_table_new(g_str_hash, g_str_equal);
		reads = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	}
	/* every key must exist, pages before and after this one too; the keys of
	 * this page are checked as their values are read, in request order */
	if (first > 0 &&
	    !vmds_datasets_keys_exist(store, ref.id, dataset, keys, 0, first, checked, error))
		return NULL;

	ret = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);
	for (i = first; i < keys->len; i++) {
		const gchar *key = g_ptr_array_index(keys, i);
		VmdsDatasetsRead *read = reads != NULL ? g_hash_table_lookup(reads, key) : NULL;
		g_autofree gchar *value = NULL;
		VmdsEntry *entry;
		gsize value_len = 0;
		gsize size = 0;

		if (read != NULL) {
			value_len = read->value_len;
			value = g_malloc(value_len + 1);
			memcpy(value, read->value, value_len + 1);
		} else {
			value = vmds_datasets_read_value(
			    store, ref.id, dataset, key, &value_len, error);
			if (value == NULL)
				return NULL;
		}
		/* the first entry always fits: its size only counts for the next */
		if (max_bytes > 0 && (ret->len > 0 || i + 1 < keys->len)) {
			size = read != NULL && read->size > 0
				   ? read->size
				   : vmds_datasets_entry_size(key, value, value_len);
			if (read != NULL)
				read->size = size;
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
		if (reads != NULL && read == NULL) {
			read = g_new0(VmdsDatasetsRead, 1);
			read->value = entry->value;
			read->value_len = value_len;
			read->size = size;
			g_hash_table_insert(reads, (gpointer)key, read);
			g_hash_table_add(checked, (gpointer)key);
		}
	}
	if (i < keys->len &&
	    !vmds_datasets_keys_exist(store, ref.id, dataset, keys, i, keys->len, checked, error))
		return NULL;
	if (next != NULL)
		*next = i;
	return g_steal_pointer(&ret);
}

/* what one set-entries call writes to one key: its entries folded, in
 * order, into one replace or one append */
typedef struct {
	const gchar *key;
	gboolean append; /* else the value replaces what the store holds */
	const gchar *data;
	gsize len;
	GByteArray *buf; /* holds data once two entries were folded */
} VmdsDatasetsWrite;

static void
vmds_datasets_write_clear(VmdsDatasetsWrite *write)
{
	if (write->buf != NULL)
		g_byte_array_unref(write->buf);
}

/* folds @entry into @write, the key's write so far */
static void
vmds_datasets_write_fold(VmdsDatasetsWrite *write, const VmdsEntry *entry)
{
	if (!entry->append) {
		/* a replace forgets what came before it */
		write->append = FALSE;
		write->data = entry->value;
		write->len = entry->value_len;
		return;
	}
	if (write->buf == NULL)
		write->buf = g_byte_array_new();
	if (write->data != (const gchar *)write->buf->data) {
		g_byte_array_set_size(write->buf, 0);
		g_byte_array_append(write->buf, (const guint8 *)write->data, (guint)write->len);
	}
	g_byte_array_append(write->buf, (const guint8 *)entry->value, (guint)entry->value_len);
	write->data = (const gchar *)write->buf->data;
	write->len = write->buf->len;
}

static gboolean
vmds_datasets_too_large(
    const gchar *key, const gchar *dataset, gint64 len, gsize max, GError **error)
{
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_TOO_LARGE,
		    "value of key '%s' in data set '%s' would be %" G_GINT64_FORMAT
		    " bytes, longer than %" G_GSIZE_FORMAT " bytes",
		    key,
		    dataset,
		    len,
		    max);
	return FALSE;
}

/* runs a statement about one entry: ?1 the data set's id, ?2 the key, ?3
 * the bytes @data */
static gboolean
vmds_datasets_entry_run(VmdsStore *store,
			const gchar *sql,
			gint64 id,
			const gchar *key,
			const gchar *data,
			gsize len,
			GError **error)
{
	sqlite3_stmt *stmt = vmds_store_prepare(store, sql, error);

	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, id), error) ||
	    !vmds_datasets_bind_check(store, vmds_datasets_bind_key(stmt, 2, key), error) ||
	    !vmds_datasets_bind_check(store, vmds_datasets_bind_bytes(stmt, 3, data, len), error))
		return FALSE;
	return vmds_store_step_done(store, stmt, error);
}

/* runs a statement about one entry: ?1 the data set's id, ?2 the key, ?3
 * and ?4 the numbers @a and @b */
static gboolean
vmds_datasets_entry_run_num(VmdsStore *store,
			    const gchar *sql,
			    gint64 id,
			    const gchar *key,
			    gint64 a,
			    gint64 b,
			    GError **error)
{
	sqlite3_stmt *stmt = vmds_store_prepare(store, sql, error);

	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, id), error) ||
	    !vmds_datasets_bind_check(store, vmds_datasets_bind_key(stmt, 2, key), error) ||
	    !vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 3, a), error) ||
	    !vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 4, b), error))
		return FALSE;
	return vmds_store_step_done(store, stmt, error);
}

/* @key's row with nothing inline and @tail bytes in the chunks of @owner:
 * created, or changed (a trigger deletes the chunks it had) */
static gboolean
vmds_datasets_write_chunked(
    VmdsStore *store, gint64 id, const gchar *key, gint64 tail, gint64 owner, GError **error)
{
	return vmds_datasets_entry_run_num(
	    store,
	    "INSERT INTO entries (dataset_id, key, value, tail, chunks) "
	    "VALUES (?1, ?2, X'', ?3, ?4) "
	    "ON CONFLICT (dataset_id, key) DO UPDATE "
	    "SET value = X'', tail = excluded.tail, chunks = excluded.chunks",
	    id,
	    key,
	    tail,
	    owner,
	    error);
}

/* runs a statement about one chunk: ?1 the number @num, ?2 the bytes @data;
 * @rowid (nullable) gets the id of the row it inserted */
static gboolean
vmds_datasets_chunk_run(VmdsStore *store,
			const gchar *sql,
			gint64 num,
			const gchar *data,
			gsize len,
			gint64 *rowid,
			GError **error)
{
	sqlite3_stmt *stmt = vmds_store_prepare(store, sql, error);

	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, num), error) ||
	    !vmds_datasets_bind_check(store, vmds_datasets_bind_bytes(stmt, 2, data, len), error) ||
	    !vmds_store_step_done(store, stmt, error))
		return FALSE;
	if (rowid != NULL)
		*rowid = sqlite3_last_insert_rowid(sqlite3_db_handle(stmt));
	return TRUE;
}

/* a new chunk of @owner holding @data, its id above every other, so that a
 * chunk added to a value comes after the others; with @owner 0, the first
 * chunk of a value, its own id the value's owner id (in @id) */
static gboolean
vmds_datasets_chunk_add(
    VmdsStore *store, gint64 owner, const gchar *data, gsize len, gint64 *id, GError **error)
{
	return vmds_datasets_chunk_run(store,
				       "INSERT INTO entry_chunks (id, owner, data) "
				       "SELECT n, CASE WHEN ?1 = 0 THEN n ELSE ?1 END, ?2 FROM "
				       "(SELECT coalesce(max(id), 0) + 1 AS n FROM entry_chunks)",
				       owner,
				       data,
				       len,
				       id,
				       error);
}

/* @key's row holding @data inline or, past the inline limit, an empty value
 * and one chunk: created, or replacing the row (a trigger deletes the chunks
 * it had) */
static gboolean
vmds_datasets_write_value(
    VmdsStore *store, gint64 id, const gchar *key, const gchar *data, gsize len, GError **error)
{
	gint64 owner = 0;

	/* an upsert, so that the UPDATE trigger keeps `used` right (a REPLACE
	 * would delete without firing the DELETE trigger) */
	if (strlen(key) + len <= VMDS_DATASETS_INLINE_MAX) {
		return vmds_datasets_entry_run(
		    store,
		    "INSERT INTO entries (dataset_id, key, value) VALUES (?1, ?2, ?3) "
		    "ON CONFLICT (dataset_id, key) DO UPDATE "
		    "SET value = excluded.value, tail = 0, chunks = NULL",
		    id,
		    key,
		    data,
		    len,
		    error);
	}
	if (!vmds_datasets_chunk_add(store, 0, data, len, &owner, error))
		return FALSE;
	return vmds_datasets_write_chunked(store, id, key, (gint64)len, owner, error);
}

/* appends @data to the chunks of @owner: to the last chunk while it is
 * short, else as a new one */
static gboolean
vmds_datasets_chunks_append(
    VmdsStore *store, gint64 owner, const gchar *data, gsize len, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store,
	    "SELECT id, length(data) FROM entry_chunks WHERE owner = ?1 ORDER BY id DESC LIMIT 1",
	    error);
	gboolean row = FALSE;
	gint64 last;
	gint64 last_len;

	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, owner), error) ||
	    !vmds_store_step(store, stmt, &row, error))
		return FALSE;
	if (!row)
		return vmds_datasets_chunk_add(store, owner, data, len, NULL, error);
	last = sqlite3_column_int64(stmt, 0);
	last_len = sqlite3_column_int64(stmt, 1);
	sqlite3_reset(stmt);
	if (last_len >= VMDS_DATASETS_CHUNK_MERGE)
		return vmds_datasets_chunk_add(store, owner, data, len, NULL, error);
	return vmds_datasets_chunk_run(store,
				       "UPDATE entry_chunks SET data = CAST(data || ?2 AS BLOB) "
				       "WHERE id = ?1",
				       last,
				       data,
				       len,
				       NULL,
				       error);
}

/* appends @data to @key's value, creating the entry when absent; besides
 * @data it rewrites at most one chunk of VMDS_DATASETS_CHUNK_MERGE bytes or a
 * row of VMDS_DATASETS_INLINE_MAX, never the value */
static gboolean
vmds_datasets_write_append(VmdsStore *store,
			   gint64 id,
			   const gchar *dataset,
			   const gchar *key,
			   const gchar *data,
			   gsize len,
			   gsize max_value,
			   GError **error)
{
	sqlite3_stmt *stmt;
	VmdsDatasetsLayout layout = {0};
	gboolean found = FALSE;
	gint64 final_len;
	gint64 owner = 0;

	if (!vmds_datasets_layout(store, id, key, &found, &layout, error))
		return FALSE;
	final_len = layout.inline_len + layout.tail + (gint64)len;
	if (final_len > (gint64)max_value)
		return vmds_datasets_too_large(key, dataset, final_len, max_value, error);
	if (!found)
		return vmds_datasets_write_value(store, id, key, data, len, error);
	if (len == 0)
		return TRUE;
	if (layout.chunks != 0) {
		return vmds_datasets_chunks_append(store, layout.chunks, data, len, error) &&
		       vmds_datasets_entry_run_num(
			   store,
			   "UPDATE entries SET tail = ?3 "
			   "WHERE dataset_id = ?1 AND key = ?2 AND chunks = ?4",
			   id,
			   key,
			   layout.tail + (gint64)len,
			   layout.chunks,
			   error);
	}
	if ((gint64)strlen(key) + final_len <= VMDS_DATASETS_INLINE_MAX) {
		return vmds_datasets_entry_run(
		    store,
		    "UPDATE entries SET value = CAST(value || ?3 AS BLOB) "
		    "WHERE dataset_id = ?1 AND key = ?2",
		    id,
		    key,
		    data,
		    len,
		    error);
	}

	/* past the inline limit: what the row holds and @data become the
	 * first chunk, and the row keeps nothing inline */
	stmt = vmds_store_prepare(store,
				  "INSERT INTO entry_chunks (id, owner, data) "
				  "SELECT n, n, CAST(value || ?3 AS BLOB) FROM entries, "
				  "(SELECT coalesce(max(id), 0) + 1 AS n FROM entry_chunks) "
				  "WHERE dataset_id = ?1 AND key = ?2",
				  error);
	if (stmt == NULL)
		return FALSE;
	if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, id), error) ||
	    !vmds_datasets_bind_check(store, vmds_datasets_bind_key(stmt, 2, key), error) ||
	    !vmds_datasets_bind_check(store, vmds_datasets_bind_bytes(stmt, 3, data, len), error) ||
	    !vmds_store_step_done(store, stmt, error))
		return FALSE;
	owner = sqlite3_last_insert_rowid(sqlite3_db_handle(stmt));
	return vmds_datasets_write_chunked(store, id, key, final_len, owner, error);
}

/* replaces @key's value with @data, creating the entry when absent */
static gboolean
vmds_datasets_write_replace(VmdsStore *store,
			    gint64 id,
			    const gchar *dataset,
			    const gchar *key,
			    const gchar *data,
			    gsize len,
			    gsize max_value,
			    GError **error)
{
	if (len > max_value)
		return vmds_datasets_too_large(key, dataset, (gint64)len, max_value, error);
	return vmds_datasets_write_value(store, id, key, data, len, error);
}

static gboolean
vmds_datasets_set_entries_txn(VmdsStore *store,
			      VmdsSide side,
			      const gchar *dataset,
			      GPtrArray *entries,
			      const VmdsDatasetsLimits *limits,
			      GError **error)
{
	g_autoptr(GArray) writes = g_array_sized_new(FALSE, FALSE, sizeof(VmdsDatasetsWrite), 1);
	g_autoptr(GHashTable) index = NULL;
	VmdsDatasetsCache *cache = vmds_datasets_cache_get(store);
	VmdsDatasetsRef ref = {0};
	gint64 used = 0;
	gint64 count = 0;

	g_array_set_clear_func(writes, (GDestroyNotify)vmds_datasets_write_clear);
	if (!vmds_datasets_lookup_for(store, side, dataset, TRUE, &ref, error))
		return FALSE;

	/* the entries of a key folded into one write, in order (a later entry
	 * for a key sees the earlier ones): each key is written once, in the
	 * order keys first appear, whatever the request repeats */
	if (entries->len > 1)
		index = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < entries->len; i++) {
		const VmdsEntry *entry = g_ptr_array_index(entries, i);
		gpointer at = NULL;

		if (index != NULL && g_hash_table_lookup_extended(index, entry->key, NULL, &at)) {
			vmds_datasets_write_fold(
			    &g_array_index(writes, VmdsDatasetsWrite, GPOINTER_TO_UINT(at)), entry);
			continue;
		}
		if (index != NULL)
			g_hash_table_insert(index, entry->key, GUINT_TO_POINTER(writes->len));
		g_array_append_val(writes,
				   ((VmdsDatasetsWrite){.key = entry->key,
							.append = entry->append,
							.data = entry->value,
							.len = entry->value_len}));
	}

	/* the limits apply to the final values, the first key to appear named
	 * (checked before each write: nothing too large is written), and to
	 * the final totals */
	for (guint i = 0; i < writes->len; i++) {
		const VmdsDatasetsWrite *write = &g_array_index(writes, VmdsDatasetsWrite, i);

		/* before the write: whether it commits or rolls back, the cache
		 * no longer holds what the key had */
		vmds_datasets_cache_forget_value(cache, ref.id, write->key);
		if (write->append ? !vmds_datasets_write_append(store,
								ref.id,
								dataset,
								write->key,
								write->data,
								write->len,
								(gsize)limits->max_value,
								error)
				  : !vmds_datasets_write_replace(store,
								 ref.id,
								 dataset,
								 write->key,
								 write->data,
								 write->len,
								 (gsize)limits->max_value,
								 error))
			return FALSE;
	}
	if (!vmds_datasets_vm_totals(store, &used, &count, error))
		return FALSE;
	if (used > limits->max_vm_bytes) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_QUOTA_EXCEEDED,
			    "writing data set '%s' would bring the VM to %" G_GINT64_FORMAT
			    " bytes, over its quota of %" G_GINT64_FORMAT " bytes",
			    dataset,
			    used,
			    limits->max_vm_bytes);
		return FALSE;
	}
	if (count > limits->max_vm_entries) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_QUOTA_EXCEEDED,
			    "writing data set '%s' would bring the VM to %" G_GINT64_FORMAT
			    " entries, over its limit of %" G_GINT64_FORMAT " entries",
			    dataset,
			    count,
			    limits->max_vm_entries);
		return FALSE;
	}
	return TRUE;
}

/**
 * vmds_datasets_set_entries:
 * @store: a #VmdsStore
 * @limits: (nullable): the limits to keep; %NULL for VMware's
 * @side: who asks; its access mode must be %VMDS_ACCESS_READ_WRITE
 * @dataset: the data set name
 * @entries: (element-type VmdsEntry): the entries to write, in order; an
 *   entry with `append` appends its value (creating the entry if absent),
 *   else it replaces or creates it
 * @error: (nullable): return location for a #GError
 *
 * Writes entries, all or nothing: every key is checked first, then all
 * entries are applied in one transaction, in order (the entries of one key
 * folded into one write, so a key named often costs what it costs once); a
 * final value longer than the limit (%VMDS_ERROR_TOO_LARGE), or a VM total
 * of bytes or entries over its limit (%VMDS_ERROR_QUOTA_EXCEEDED) rolls all
 * back. An append rewrites neither
 * the value nor more than one chunk of it.
 *
 * Returns: %TRUE on success
 */
gboolean
vmds_datasets_set_entries(VmdsStore *store,
			  const VmdsDatasetsLimits *limits,
			  VmdsSide side,
			  const gchar *dataset,
			  GPtrArray *entries,
			  GError **error)
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
	    store,
	    vmds_datasets_set_entries_txn(store,
					  side,
					  dataset,
					  entries,
					  limits != NULL ? limits : &vmds_datasets_limits_default,
					  error),
	    error);
}

static gboolean
vmds_datasets_delete_entries_txn(
    VmdsStore *store, VmdsSide side, const gchar *dataset, GPtrArray *keys, GError **error)
{
	g_autoptr(GHashTable) done = NULL;
	VmdsDatasetsCache *cache = vmds_datasets_cache_get(store);
	VmdsDatasetsRef ref = {0};

	if (!vmds_datasets_lookup_for(store, side, dataset, TRUE, &ref, error))
		return FALSE;
	/* in request order, each key once: the first that is missing fails
	 * the call, which rolls back the deletes before it */
	if (keys->len > 1)
		done = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < keys->len; i++) {
		const gchar *key = g_ptr_array_index(keys, i);
		sqlite3_stmt *stmt;

		if (done != NULL && !g_hash_table_add(done, (gpointer)key))
			continue;
		stmt = vmds_store_prepare(
		    store, "DELETE FROM entries WHERE dataset_id = ?1 AND key = ?2", error);
		if (stmt == NULL)
			return FALSE;
		vmds_datasets_cache_forget_value(cache, ref.id, key);
		if (!vmds_datasets_bind_check(store, sqlite3_bind_int64(stmt, 1, ref.id), error) ||
		    !vmds_datasets_bind_check(store, vmds_datasets_bind_key(stmt, 2, key), error) ||
		    !vmds_store_step_done(store, stmt, error))
			return FALSE;
		/* rows the statement deleted itself, not its cascade to chunks */
		if (sqlite3_changes(sqlite3_db_handle(stmt)) == 0)
			return vmds_datasets_key_not_found(key, dataset, error);
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
 * deleted. A key named several times is deleted once (its later mentions
 * are not missing).
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

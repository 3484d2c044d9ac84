/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "vmds-guestinfo.h"

/*
 * guestinfo variables, as VMX keeps them: `guestinfo.NAME`, NAME looked up
 * without regard to case (`guestinfo.ovfEnv` and `guestinfo.ovfenv` are one
 * variable), kept with the case it was first written in. The host sets any;
 * the guest sets them with `info-set` within a total (the name and value
 * bytes of every variable it wrote last), 1 MiB unless configured. A value
 * is stored as sent: a single space or `NULL` are values like any other
 * (scripts clear a variable so).
 */

static const gchar *const vmds_guestinfo_schema_steps[] = {
    /* 1: the variables */
    "CREATE TABLE guestinfo_vars ("
    "  name TEXT PRIMARY KEY COLLATE NOCASE,"
    "  value BLOB NOT NULL CHECK (typeof(value) = 'blob'),"
    "  by_guest INTEGER NOT NULL CHECK (by_guest IN (0, 1))"
    ") WITHOUT ROWID;",
    /* 2: the VM's own settings; no row: the daemon's */
    "CREATE TABLE guestinfo_settings ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  guest_writes INTEGER NOT NULL CHECK (guest_writes IN (0, 1)),"
    "  guest_size_limit INTEGER CHECK (guest_size_limit BETWEEN 0 AND 4294967295)"
    ");",
};

const VmdsStoreSchema vmds_guestinfo_schema = {
    .component = "guestinfo",
    .steps = vmds_guestinfo_schema_steps,
    .n_steps = G_N_ELEMENTS(vmds_guestinfo_schema_steps),
};

/* @name, what follows `guestinfo.`: 1 or more bytes of UTF-8, no blank or
 * control character */
static gboolean
vmds_guestinfo_check_name(const gchar *name, GError **error)
{
	if (name[0] != '\0' && g_utf8_validate(name, -1, NULL)) {
		const gchar *p = name;
		while (*p != '\0' && (guchar)*p > ' ' && *p != 0x7f)
			p++;
		if (*p == '\0')
			return TRUE;
	}
	g_set_error_literal(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "a guestinfo name is guestinfo.NAME, NAME of UTF-8 without blanks");
	return FALSE;
}

/**
 * vmds_guestinfo_parse_name:
 * @args: what follows `info-get `: `guestinfo.NAME`
 * @len: its length
 * @name: (out): NAME
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when @args is not a
 *   guestinfo name
 */
gboolean
vmds_guestinfo_parse_name(const gchar *args, gsize len, gchar **name, GError **error)
{
	gsize prefix = strlen(VMDS_GUESTINFO_PREFIX);
	g_autofree gchar *n = NULL;

	if (len <= prefix || g_ascii_strncasecmp(args, VMDS_GUESTINFO_PREFIX, prefix) != 0 ||
	    memchr(args, '\0', len) != NULL)
		return vmds_guestinfo_check_name("", error);
	n = g_strndup(args + prefix, len - prefix);
	if (!vmds_guestinfo_check_name(n, error))
		return FALSE;
	*name = g_steal_pointer(&n);
	return TRUE;
}

/**
 * vmds_guestinfo_parse_set:
 * @args: what follows `info-set `: `guestinfo.NAME VALUE`
 * @len: its length
 * @name: (out): NAME
 * @value: (out): VALUE: all after the first space, maybe empty
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when @args is not that
 */
gboolean
vmds_guestinfo_parse_set(const gchar *args, gsize len, gchar **name, gchar **value, GError **error)
{
	const gchar *space = memchr(args, ' ', len);
	gsize name_len = space != NULL ? (gsize)(space - args) : len;

	if (!vmds_guestinfo_parse_name(args, name_len, name, error))
		return FALSE;
	*value = space != NULL ? g_strndup(space + 1, len - name_len - 1) : g_strdup("");
	return TRUE;
}

/**
 * vmds_guestinfo_get:
 * @store: a VM's store
 * @name: NAME of `guestinfo.NAME`, in any case
 * @error: a #GError or %NULL
 *
 * Returns: (transfer full): its value; %NULL with %VMDS_ERROR_NOT_FOUND
 *   ("No value found", as VMX answers)
 */
gchar *
vmds_guestinfo_get(VmdsStore *store, const gchar *name, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt =
	    vmds_store_prepare(store, "SELECT value FROM guestinfo_vars WHERE name = ?1", error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return NULL;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	if (!vmds_store_step(store, stmt, &row, error))
		return NULL;
	if (!row) {
		g_set_error_literal(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND, "No value found");
		return NULL;
	}
	/* SQLite gives the blob of an empty value as NULL */
	if (sqlite3_column_bytes(stmt, 0) == 0)
		return g_strdup("");
	return g_strndup(sqlite3_column_blob(stmt, 0), (gsize)sqlite3_column_bytes(stmt, 0));
}

/* the bytes the guest has set: the names and values it wrote last, but
 * those of @except */
static gboolean
vmds_guestinfo_guest_bytes(VmdsStore *store, const gchar *except, guint64 *bytes, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store,
	    "SELECT coalesce(sum(length(CAST(name AS BLOB)) + length(value)), 0) "
	    "FROM guestinfo_vars WHERE by_guest = 1 AND name != ?1",
	    error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text(stmt, 1, except, -1, SQLITE_STATIC);
	if (!vmds_store_step(store, stmt, &row, error))
		return FALSE;
	*bytes = (guint64)sqlite3_column_int64(stmt, 0);
	return TRUE;
}

/**
 * vmds_guestinfo_set:
 * @store: a VM's store, in a transaction or not
 * @name: NAME of `guestinfo.NAME` (checked); a variable of that name in
 *   another case keeps its case
 * @value: its value: any bytes but NUL, maybe empty
 * @by_guest: the guest sets it (`info-set`): within @guest_limit
 * @guest_limit: the bytes the guest may have set in all
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_QUOTA_EXCEEDED when the guest's total
 *   would pass @guest_limit, nothing changed
 */
gboolean
vmds_guestinfo_set(VmdsStore *store,
		   const gchar *name,
		   const gchar *value,
		   gboolean by_guest,
		   guint64 guest_limit,
		   GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	gboolean row = FALSE;
	guint64 bytes = 0;

	if (!vmds_guestinfo_check_name(name, error))
		return FALSE;
	if (by_guest) {
		if (!vmds_guestinfo_guest_bytes(store, name, &bytes, error))
			return FALSE;
		if (bytes + strlen(name) + strlen(value) > guest_limit) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_QUOTA_EXCEEDED,
				    "the guest may set %" G_GUINT64_FORMAT
				    " bytes of guestinfo in all",
				    guest_limit);
			return FALSE;
		}
	}
	stmt = vmds_store_prepare(
	    store,
	    "INSERT INTO guestinfo_vars (name, value, by_guest) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (name) DO UPDATE SET value = ?2, by_guest = ?3",
	    error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, value, (gint)strlen(value), SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, by_guest ? 1 : 0);
	return vmds_store_step(store, stmt, &row, error);
}

/**
 * vmds_guestinfo_remove:
 * @store: a VM's store
 * @name: NAME, in any case
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_NOT_FOUND when there is no such variable
 */
gboolean
vmds_guestinfo_remove(VmdsStore *store, const gchar *name, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store, "DELETE FROM guestinfo_vars WHERE name = ?1 RETURNING 1", error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	if (!vmds_store_step(store, stmt, &row, error))
		return FALSE;
	if (!row) {
		g_set_error(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND, "no guestinfo.%s", name);
		return FALSE;
	}
	/* to its end: outside a transaction the commit happens there */
	return vmds_store_step(store, stmt, &row, error);
}

/**
 * vmds_guestinfo_list:
 * @store: a VM's store
 * @error: a #GError or %NULL
 *
 * Returns: (transfer container) (element-type utf8): the names, sorted
 *   without regard to case
 */
GPtrArray *
vmds_guestinfo_list(VmdsStore *store, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt =
	    vmds_store_prepare(store, "SELECT name FROM guestinfo_vars ORDER BY name", error);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	gboolean row = TRUE;

	if (stmt == NULL)
		return NULL;
	while (row) {
		if (!vmds_store_step(store, stmt, &row, error))
			return NULL;
		if (row)
			g_ptr_array_add(names,
					g_strdup((const gchar *)sqlite3_column_text(stmt, 0)));
	}
	return g_steal_pointer(&names);
}

/**
 * vmds_guestinfo_remove_host:
 * @store: a VM's store, in a transaction or not
 * @name: NAME, in any case
 * @error: a #GError or %NULL
 *
 * Removes a variable the host set, and leaves one the guest set last (or
 * none) as it is.
 *
 * Returns: %FALSE on a store failure only
 */
gboolean
vmds_guestinfo_remove_host(VmdsStore *store, const gchar *name, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store, "DELETE FROM guestinfo_vars WHERE name = ?1 AND by_guest = 0", error);

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	return vmds_store_step_done(store, stmt, error);
}

/**
 * vmds_guestinfo_get_settings:
 * @store: a VM's store
 * @settings: (out): the VM's settings: `guest_size_limit` -1 when the VM
 *   has none of its own
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE on a store failure only
 */
gboolean
vmds_guestinfo_get_settings(VmdsStore *store, VmdsGuestinfoSettings *settings, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store, "SELECT guest_writes, guest_size_limit FROM guestinfo_settings", error);
	gboolean row = FALSE;

	if (stmt == NULL || !vmds_store_step(store, stmt, &row, error))
		return FALSE;
	settings->guest_writes = !row || sqlite3_column_int(stmt, 0) != 0;
	settings->guest_size_limit =
	    row && sqlite3_column_type(stmt, 1) != SQLITE_NULL ? sqlite3_column_int64(stmt, 1) : -1;
	return vmds_guestinfo_guest_bytes(store, "", &settings->guest_bytes, error);
}

/**
 * vmds_guestinfo_set_settings:
 * @store: a VM's store
 * @settings: the VM's settings: `guest_size_limit` -1 for the daemon's
 *   (`guest_bytes` is not written)
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE on a store failure only
 */
gboolean
vmds_guestinfo_set_settings(VmdsStore *store, const VmdsGuestinfoSettings *settings, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store,
	    "INSERT OR REPLACE INTO guestinfo_settings (id, guest_writes, guest_size_limit) "
	    "VALUES (1, ?1, ?2)",
	    error);

	g_return_val_if_fail(settings->guest_size_limit <= G_MAXUINT32, FALSE);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int(stmt, 1, settings->guest_writes ? 1 : 0);
	if (settings->guest_size_limit >= 0)
		sqlite3_bind_int64(stmt, 2, settings->guest_size_limit);
	return vmds_store_step_done(store, stmt, error);
}

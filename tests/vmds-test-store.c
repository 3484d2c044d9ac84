/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>

#include "vmds-test-store.h"

/**
 * vmds_test_store_query_text:
 * @store: an open store
 * @sql: a query whose first row's first column is read
 *
 * Returns: (transfer full): that column, as text
 */
gchar *
vmds_test_store_query_text(VmdsStore *store, const gchar *sql)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(store, sql, &error);

	ck_assert_msg(stmt != NULL, "%s: %s", sql, error != NULL ? error->message : "");
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	return g_strdup((const gchar *)sqlite3_column_text(stmt, 0));
}

/**
 * vmds_test_store_query_int:
 * @store: an open store
 * @sql: a query whose first row's first column is read
 *
 * Returns: that column, as a number
 */
gint64
vmds_test_store_query_int(VmdsStore *store, const gchar *sql)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(store, sql, &error);

	ck_assert_msg(stmt != NULL, "%s: %s", sql, error != NULL ? error->message : "");
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	return sqlite3_column_int64(stmt, 0);
}

/**
 * vmds_test_store_exec:
 * @store: an open store
 * @sql: one statement that returns no rows; it must succeed
 */
void
vmds_test_store_exec(VmdsStore *store, const gchar *sql)
{
	g_autoptr(GError) error = NULL;
	sqlite3_stmt *stmt = vmds_store_prepare(store, sql, &error);

	ck_assert_msg(stmt != NULL, "%s: %s", sql, error != NULL ? error->message : "");
	ck_assert_msg(vmds_store_step_done(store, stmt, &error), "%s", error->message);
	ck_assert_ptr_null(error);
}

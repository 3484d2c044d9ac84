/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmds-error.h"
#include "vmds-store.h"
#include "vmds-test.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3, sqlite3_close)

static gchar *test_dir = NULL;
static gchar *test_path = NULL;

static void
test_store_setup(void)
{
	g_autoptr(GError) error = NULL;

	test_dir = g_dir_make_tmp("vmds-test-store-XXXXXX", &error);
	ck_assert_ptr_nonnull(test_dir);
	/* the store creates the directories below the temp dir */
	test_path = g_build_filename(test_dir, "vms", "vm-1", "vm-1.dsd", NULL);
}

static void
test_store_teardown(void)
{
	vmds_test_rm_rf(test_dir);
	g_clear_pointer(&test_dir, g_free);
	g_clear_pointer(&test_path, g_free);
}

/* one row of one column, as text */
static gchar *
test_store_query_text(VmdsStore *store, const gchar *sql)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(store, sql, &error);

	ck_assert_msg(stmt != NULL, "%s: %s", sql, error != NULL ? error->message : "");
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	return g_strdup((const gchar *)sqlite3_column_text(stmt, 0));
}

static gint64
test_store_query_int(VmdsStore *store, const gchar *sql)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(store, sql, &error);

	ck_assert_msg(stmt != NULL, "%s: %s", sql, error != NULL ? error->message : "");
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	return sqlite3_column_int64(stmt, 0);
}

static void
test_store_exec(VmdsStore *store, const gchar *sql)
{
	g_autoptr(GError) error = NULL;
	sqlite3_stmt *stmt = vmds_store_prepare(store, sql, &error);

	ck_assert_msg(stmt != NULL, "%s: %s", sql, error != NULL ? error->message : "");
	ck_assert_msg(vmds_store_step_done(store, stmt, &error), "%s", error->message);
	ck_assert_ptr_null(error);
}

/* a raw SQLite file at @path, as another program or an older build wrote it */
static void
test_store_write_raw(const gchar *path, const gchar *sql)
{
	g_autoptr(sqlite3) db = NULL;
	g_autofree gchar *dir = g_path_get_dirname(path);

	ck_assert_int_eq(g_mkdir_with_parents(dir, 0700), 0);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

START_TEST(test_store_open_create)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
	g_autofree gchar *dir = g_path_get_dirname(test_path);
	g_autofree gchar *lock = g_strdup_printf("%s.lock", test_path);
	GStatBuf st;

	ck_assert_int_eq(store == NULL, error != NULL);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_str_eq(vmds_store_get_path(store), test_path);
	ck_assert_int_eq(vmds_store_get_schema_version(store), VMDS_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(test_store_query_int(store, "PRAGMA user_version"),
			 VMDS_STORE_SCHEMA_VERSION);
	ck_assert(g_file_test(test_path, G_FILE_TEST_IS_REGULAR));
	ck_assert(g_file_test(lock, G_FILE_TEST_IS_REGULAR));
	ck_assert_int_eq(g_stat(dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
}
END_TEST

START_TEST(test_store_durability)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
	g_autofree gchar *journal_mode = NULL;

	ck_assert_msg(store != NULL, "%s", error->message);
	journal_mode = test_store_query_text(store, "PRAGMA journal_mode");
	ck_assert_str_eq(journal_mode, "wal");
	/* 2 = FULL */
	ck_assert_int_eq(test_store_query_int(store, "PRAGMA synchronous"), 2);
	ck_assert_int_eq(test_store_query_int(store, "PRAGMA foreign_keys"), 1);
}
END_TEST

START_TEST(test_store_reopen_keeps_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
	g_autofree gchar *name = NULL;

	ck_assert_msg(store != NULL, "%s", error->message);
	test_store_exec(store,
			"INSERT INTO datasets (name, description, host, guest, omit) "
			"VALUES ('ds1', 'kept', 2, 1, 0)");
	g_clear_object(&store);

	store = vmds_store_open(test_path, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_int_eq(vmds_store_get_schema_version(store), VMDS_STORE_SCHEMA_VERSION);
	name = test_store_query_text(store, "SELECT name || '/' || description FROM datasets");
	ck_assert_str_eq(name, "ds1/kept");
}
END_TEST

START_TEST(test_store_migrate_version_zero)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;

	/* an existing database at user_version 0 is taken through every step */
	test_store_write_raw(test_path, "CREATE TABLE unrelated (x)");
	store = vmds_store_open(test_path, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_int_eq(test_store_query_int(store, "PRAGMA user_version"),
			 VMDS_STORE_SCHEMA_VERSION);
	ck_assert_int_eq(test_store_query_int(store,
					      "SELECT count(*) FROM sqlite_master WHERE type = "
					      "'table' AND name IN ('datasets', 'entries')"),
			 2);
}
END_TEST

START_TEST(test_store_refuse_newer)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	g_autofree gchar *sql =
	    g_strdup_printf("PRAGMA user_version = %d", VMDS_STORE_SCHEMA_VERSION + 1);

	test_store_write_raw(test_path, sql);
	store = vmds_store_open(test_path, &error);
	ck_assert_int_eq(store == NULL, error != NULL);
	ck_assert_ptr_null(store);
	assert_error(error, VMDS_ERROR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(error->message, test_path));
	ck_assert_ptr_nonnull(strstr(error->message, "newer"));
}
END_TEST

START_TEST(test_store_not_a_database)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	g_autofree gchar *dir = g_path_get_dirname(test_path);
	g_autofree gchar *junk = g_strnfill(4096, 'j');

	ck_assert_int_eq(g_mkdir_with_parents(dir, 0700), 0);
	ck_assert(g_file_set_contents(test_path, junk, -1, NULL));
	store = vmds_store_open(test_path, &error);
	ck_assert_int_eq(store == NULL, error != NULL);
	assert_error(error, VMDS_ERROR_STORAGE);
}
END_TEST

START_TEST(test_store_lock_same_process)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
	g_autoptr(VmdsStore) store2 = NULL;
	g_autofree gchar *msg = g_strdup_printf("store %s is in use by another process", test_path);

	ck_assert_msg(store != NULL, "%s", error->message);

	/* flock() is per open file description: a second open here conflicts too */
	store2 = vmds_store_open(test_path, &error);
	ck_assert_int_eq(store2 == NULL, error != NULL);
	assert_error(error, VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE);
	ck_assert_str_eq(error->message, msg);
	g_clear_error(&error);

	/* closing releases the lock */
	vmds_store_close(store);
	store2 = vmds_store_open(test_path, &error);
	ck_assert_msg(store2 != NULL, "%s", error->message);
}
END_TEST

START_TEST(test_store_lock_other_process)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	gint ready[2] = {-1, -1};
	gint done[2] = {-1, -1};
	gint status = 0;
	gchar c = 0;
	pid_t pid;

	/* the child opens the store first: no SQLite connection crosses fork() */
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(done), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		GError *error_child = NULL;
		VmdsStore *store_child = vmds_store_open(test_path, &error_child);

		c = store_child != NULL ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
			c = 'n';
		g_clear_object(&store_child);
		g_clear_error(&error_child);
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');

	store = vmds_store_open(test_path, &error);
	ck_assert_int_eq(write(done[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(store == NULL, error != NULL);
	assert_error(error, VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE);
	g_clear_error(&error);

	/* the child is gone, and its lock with it */
	store = vmds_store_open(test_path, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	for (guint i = 0; i < 2; i++) {
		close(ready[i]);
		close(done[i]);
	}
}
END_TEST

START_TEST(test_store_transactions)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);

	ck_assert_msg(store != NULL, "%s", error->message);

	ck_assert(vmds_store_begin(store, &error));
	test_store_exec(store,
			"INSERT INTO datasets (name, description, host, guest, omit) "
			"VALUES ('gone', '', 0, 0, 0)");
	vmds_store_rollback(store);
	ck_assert_int_eq(test_store_query_int(store, "SELECT count(*) FROM datasets"), 0);

	ck_assert(vmds_store_begin(store, &error));
	test_store_exec(store,
			"INSERT INTO datasets (name, description, host, guest, omit) "
			"VALUES ('kept', '', 0, 0, 0)");
	ck_assert_msg(vmds_store_commit(store, &error), "%s", error->message);
	ck_assert_int_eq(test_store_query_int(store, "SELECT count(*) FROM datasets"), 1);

	/* a rollback outside a transaction is harmless */
	vmds_store_rollback(store);
	ck_assert_int_eq(test_store_query_int(store, "SELECT count(*) FROM datasets"), 1);
}
END_TEST

START_TEST(test_store_batch)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
	g_autoptr(VmdsStore) reopened = NULL;
	g_autofree gchar *names = NULL;

	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert(vmds_store_batch_begin(store, &error));
	/* three transactions in one group: the middle one rolls back alone */
	ck_assert(vmds_store_begin(store, &error));
	test_store_exec(store,
			"INSERT INTO datasets (name, description, host, guest, omit) "
			"VALUES ('one', '', 0, 0, 0)");
	ck_assert(vmds_store_commit(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	test_store_exec(store,
			"INSERT INTO datasets (name, description, host, guest, omit) "
			"VALUES ('two', '', 0, 0, 0)");
	vmds_store_rollback(store);
	ck_assert(vmds_store_begin(store, &error));
	test_store_exec(store,
			"INSERT INTO datasets (name, description, host, guest, omit) "
			"VALUES ('three', '', 0, 0, 0)");
	ck_assert(vmds_store_commit(store, &error));
	ck_assert_msg(vmds_store_batch_end(store, &error), "%s", error->message);

	/* what the group committed is on disk, what rolled back is not */
	vmds_store_close(store);
	reopened = vmds_store_open(test_path, &error);
	names = test_store_query_text(reopened, "SELECT group_concat(name, ',') FROM datasets");
	ck_assert_str_eq(names, "one,three");
}
END_TEST

START_TEST(test_store_batch_lost)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);

	/* SQLite may roll a whole transaction back by itself (disk full): what
	 * follows in the group must fail, not commit on its own */
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	test_store_exec(store,
			"INSERT INTO datasets (name, description, host, guest, omit) "
			"VALUES ('lost', '', 0, 0, 0)");
	test_store_exec(store, "ROLLBACK");
	ck_assert(!vmds_store_commit(store, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_STORAGE));
	g_clear_error(&error);
	ck_assert(!vmds_store_begin(store, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_STORAGE));
	g_clear_error(&error);
	ck_assert(!vmds_store_batch_end(store, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_STORAGE));
	g_clear_error(&error);
	ck_assert_int_eq(test_store_query_int(store, "SELECT count(*) FROM datasets"), 0);
	/* and the store works as before */
	ck_assert(vmds_store_begin(store, &error));
	ck_assert(vmds_store_commit(store, &error));
}
END_TEST

START_TEST(test_store_batch_of_reads)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);

	/* a group that writes nothing opens no transaction */
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert_int_eq(test_store_query_int(store, "SELECT count(*) FROM datasets"), 0);
	ck_assert(vmds_store_batch_end(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	ck_assert(vmds_store_commit(store, &error));
}
END_TEST

START_TEST(test_store_prepare_cache)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
	sqlite3_stmt *stmt;
	sqlite3_stmt *stmt2;

	ck_assert_msg(store != NULL, "%s", error->message);
	stmt = vmds_store_prepare(store, "SELECT ?1", &error);
	ck_assert_ptr_nonnull(stmt);
	ck_assert_int_eq(sqlite3_bind_int(stmt, 1, 42), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(stmt, 0), 42);

	/* the same statement, reset and with its bindings cleared */
	stmt2 = vmds_store_prepare(store, "SELECT ?1", &error);
	ck_assert_ptr_eq(stmt, stmt2);
	ck_assert_int_eq(sqlite3_step(stmt2), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_type(stmt2, 0), SQLITE_NULL);
	sqlite3_reset(stmt2);
}
END_TEST

START_TEST(test_store_prepare_reused_buffer)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
	gchar sql[] = "SELECT 'one'";

	/* the cache is keyed by address: a buffer that now holds other SQL
	 * gets a statement for that SQL */
	ck_assert_msg(store != NULL, "%s", error->message);
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *text = NULL;

		g_strlcpy(sql, "SELECT 'one'", sizeof(sql));
		text = test_store_query_text(store, sql);
		ck_assert_str_eq(text, "one");
		g_clear_pointer(&text, g_free);
		g_strlcpy(sql, "SELECT 'two'", sizeof(sql));
		text = test_store_query_text(store, sql);
		ck_assert_str_eq(text, "two");
	}
}
END_TEST

START_TEST(test_store_cache)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
	GHashTable *cache;

	ck_assert_msg(store != NULL, "%s", error->message);
	cache = vmds_store_get_cache(store);
	g_hash_table_insert(cache, g_strdup("row"), g_strdup("read"));

	/* reads and commits keep it */
	ck_assert_int_eq(test_store_query_int(store, "SELECT count(*) FROM datasets"), 0);
	ck_assert(vmds_store_begin(store, &error));
	test_store_exec(store,
			"INSERT INTO datasets (name, description, host, guest, omit) "
			"VALUES ('kept', '', 0, 0, 0)");
	ck_assert(vmds_store_commit(store, &error));
	ck_assert_uint_eq(g_hash_table_size(cache), 1);

	/* a rollback empties it */
	ck_assert(vmds_store_begin(store, &error));
	vmds_store_rollback(store);
	ck_assert_uint_eq(g_hash_table_size(cache), 0);

	/* so does a savepoint of a group rolling back, and SQLite rolling the
	 * group back on its own; the savepoints released before keep it */
	g_hash_table_insert(cache, g_strdup("row"), g_strdup("read"));
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	vmds_store_rollback(store);
	ck_assert_uint_eq(g_hash_table_size(cache), 0);
	g_hash_table_insert(cache, g_strdup("row"), g_strdup("read"));
	ck_assert(vmds_store_begin(store, &error));
	ck_assert(vmds_store_commit(store, &error));
	ck_assert_uint_eq(g_hash_table_size(cache), 1);
	test_store_exec(store, "ROLLBACK");
	ck_assert_uint_eq(g_hash_table_size(cache), 0);
	ck_assert(!vmds_store_batch_end(store, &error));
	g_clear_error(&error);

	/* and closing the store */
	g_hash_table_insert(cache, g_strdup("row"), g_strdup("read"));
	vmds_store_close(store);
	ck_assert_uint_eq(g_hash_table_size(cache), 0);
}
END_TEST

/* @value (@len bytes) is what the cache holds for @key of data set @id */
static void
test_store_assert_cached(
    VmdsStore *store, gint64 id, const gchar *key, const gchar *value, gsize len)
{
	gsize got_len = G_MAXSIZE;
	const gchar *got = vmds_store_lookup_value(store, id, key, &got_len);

	ck_assert_msg(got != NULL, "'%s' of %" G_GINT64_FORMAT " is not cached", key, id);
	ck_assert_uint_eq(got_len, len);
	if (len > 0)
		ck_assert_mem_eq(got, value, len);
}

static void
test_store_assert_not_cached(VmdsStore *store, gint64 id, const gchar *key)
{
	gsize len = 0;

	ck_assert_ptr_null(vmds_store_lookup_value(store, id, key, &len));
}

START_TEST(test_store_cache_values)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
	g_autofree gchar *at_limit = g_strnfill(VMDS_STORE_CACHE_MAX_VALUE, 'a');
	g_autofree gchar *over_limit = g_strnfill(VMDS_STORE_CACHE_MAX_VALUE + 1, 'o');

	ck_assert_msg(store != NULL, "%s", error->message);
	test_store_assert_not_cached(store, 1, "k");

	/* bytes as given, NUL and empty included; a key is the data set id and
	 * all of the key's bytes */
	vmds_store_cache_value(store, 1, "k", "a\0b", 3);
	vmds_store_cache_value(store, 1, "kk", "", 0);
	vmds_store_cache_value(store, 2, "k", "two", 3);
	test_store_assert_cached(store, 1, "k", "a\0b", 3);
	test_store_assert_cached(store, 1, "kk", "", 0);
	test_store_assert_cached(store, 2, "k", "two", 3);
	test_store_assert_not_cached(store, 3, "k");
	test_store_assert_not_cached(store, 1, "K");

	/* a value read again replaces the one kept */
	vmds_store_cache_value(store, 1, "k", "again", 5);
	test_store_assert_cached(store, 1, "k", "again", 5);

	/* small values only */
	vmds_store_cache_value(store, 1, "at", at_limit, VMDS_STORE_CACHE_MAX_VALUE);
	vmds_store_cache_value(store, 1, "over", over_limit, VMDS_STORE_CACHE_MAX_VALUE + 1);
	test_store_assert_cached(store, 1, "at", at_limit, VMDS_STORE_CACHE_MAX_VALUE);
	test_store_assert_not_cached(store, 1, "over");

	/* forgetting one entry, then all of a data set */
	vmds_store_forget_value(store, 1, "k");
	vmds_store_forget_value(store, 1, "absent");
	test_store_assert_not_cached(store, 1, "k");
	test_store_assert_cached(store, 1, "kk", "", 0);
	test_store_assert_cached(store, 2, "k", "two", 3);
	vmds_store_forget_values(store, 1);
	test_store_assert_not_cached(store, 1, "kk");
	test_store_assert_not_cached(store, 1, "at");
	test_store_assert_cached(store, 2, "k", "two", 3);
}
END_TEST

START_TEST(test_store_cache_values_bound)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
	const guint n = 2 * VMDS_STORE_CACHE_MAX_BYTES / VMDS_STORE_CACHE_MAX_VALUE;
	guint kept = 0;

	/* twice what fits: every value just kept is there, and never more
	 * values than fit */
	ck_assert_msg(store != NULL, "%s", error->message);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *key = g_strdup_printf("key-%u", i);
		g_autofree gchar *value = g_strnfill(VMDS_STORE_CACHE_MAX_VALUE, 'a' + i % 26);

		vmds_store_cache_value(store, 1, key, value, VMDS_STORE_CACHE_MAX_VALUE);
		test_store_assert_cached(store, 1, key, value, VMDS_STORE_CACHE_MAX_VALUE);
	}
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *key = g_strdup_printf("key-%u", i);
		g_autofree gchar *value = g_strnfill(VMDS_STORE_CACHE_MAX_VALUE, 'a' + i % 26);
		gsize len = 0;

		if (vmds_store_lookup_value(store, 1, key, &len) == NULL)
			continue;
		test_store_assert_cached(store, 1, key, value, VMDS_STORE_CACHE_MAX_VALUE);
		kept++;
	}
	ck_assert_uint_gt(kept, 0);
	ck_assert_uint_le(kept * VMDS_STORE_CACHE_MAX_VALUE, VMDS_STORE_CACHE_MAX_BYTES);
	test_store_assert_not_cached(store, 1, "key-0");

	/* and the cache starts again where it left off */
	vmds_store_forget_values(store, 1);
	vmds_store_cache_value(store, 1, "key-0", "v", 1);
	test_store_assert_cached(store, 1, "key-0", "v", 1);
}
END_TEST

START_TEST(test_store_cache_values_void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);

	/* what the cache of values keeps, it keeps through reads and commits */
	ck_assert_msg(store != NULL, "%s", error->message);
	vmds_store_cache_value(store, 1, "k", "v", 1);
	ck_assert_int_eq(test_store_query_int(store, "SELECT count(*) FROM datasets"), 0);
	ck_assert(vmds_store_begin(store, &error));
	test_store_exec(store,
			"INSERT INTO datasets (name, description, host, guest, omit) "
			"VALUES ('kept', '', 0, 0, 0)");
	ck_assert(vmds_store_commit(store, &error));
	test_store_assert_cached(store, 1, "k", "v", 1);

	/* it forgets on a rollback */
	ck_assert(vmds_store_begin(store, &error));
	vmds_store_rollback(store);
	test_store_assert_not_cached(store, 1, "k");

	/* on a savepoint of a group rolling back, and SQLite rolling the group
	 * back on its own; not on a savepoint released */
	vmds_store_cache_value(store, 1, "k", "v", 1);
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	vmds_store_rollback(store);
	test_store_assert_not_cached(store, 1, "k");
	vmds_store_cache_value(store, 1, "k", "v", 1);
	ck_assert(vmds_store_begin(store, &error));
	ck_assert(vmds_store_commit(store, &error));
	test_store_assert_cached(store, 1, "k", "v", 1);
	test_store_exec(store, "ROLLBACK");
	test_store_assert_not_cached(store, 1, "k");
	ck_assert(!vmds_store_batch_end(store, &error));
	g_clear_error(&error);

	/* and on closing: a closed store keeps nothing */
	vmds_store_cache_value(store, 1, "k", "v", 1);
	vmds_store_close(store);
	test_store_assert_not_cached(store, 1, "k");
	vmds_store_cache_value(store, 1, "k", "v", 1);
	test_store_assert_not_cached(store, 1, "k");
}
END_TEST

START_TEST(test_store_sql_errors)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
	sqlite3_stmt *stmt;

	ck_assert_msg(store != NULL, "%s", error->message);

	stmt = vmds_store_prepare(store, "SELEKT 1", &error);
	ck_assert_int_eq(stmt == NULL, error != NULL);
	assert_error(error, VMDS_ERROR_STORAGE);
	ck_assert_ptr_nonnull(strstr(error->message, "syntax error"));
	g_clear_error(&error);

	/* a constraint failure while stepping */
	stmt = vmds_store_prepare(store,
				  "INSERT INTO datasets (name, description, host, guest, omit) "
				  "VALUES ('x', '', 7, 0, 0)",
				  &error);
	ck_assert_ptr_nonnull(stmt);
	ck_assert(!vmds_store_step_done(store, stmt, &error));
	assert_error(error, VMDS_ERROR_STORAGE);
	ck_assert_ptr_nonnull(strstr(error->message, "CHECK constraint failed"));
	g_clear_error(&error);

	/* a closed store refuses politely */
	vmds_store_close(store);
	vmds_store_close(store);
	stmt = vmds_store_prepare(store, "SELECT 1", &error);
	ck_assert_int_eq(stmt == NULL, error != NULL);
	assert_error(error, VMDS_ERROR_STORAGE);
	g_clear_error(&error);
	ck_assert(!vmds_store_begin(store, &error));
	assert_error(error, VMDS_ERROR_STORAGE);
}
END_TEST

static Suite *
test_store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc;

	tc = tcase_create("open");
	tcase_add_checked_fixture(tc, test_store_setup, test_store_teardown);
	tcase_add_test(tc, test_store_open_create);
	tcase_add_test(tc, test_store_durability);
	tcase_add_test(tc, test_store_reopen_keeps_data);
	tcase_add_test(tc, test_store_not_a_database);
	suite_add_tcase(s, tc);

	tc = tcase_create("migrate");
	tcase_add_checked_fixture(tc, test_store_setup, test_store_teardown);
	tcase_add_test(tc, test_store_migrate_version_zero);
	tcase_add_test(tc, test_store_refuse_newer);
	suite_add_tcase(s, tc);

	tc = tcase_create("lock");
	tcase_add_checked_fixture(tc, test_store_setup, test_store_teardown);
	tcase_add_test(tc, test_store_lock_same_process);
	tcase_add_test(tc, test_store_lock_other_process);
	suite_add_tcase(s, tc);

	tc = tcase_create("statements");
	tcase_add_checked_fixture(tc, test_store_setup, test_store_teardown);
	tcase_add_test(tc, test_store_transactions);
	tcase_add_test(tc, test_store_batch);
	tcase_add_test(tc, test_store_batch_lost);
	tcase_add_test(tc, test_store_batch_of_reads);
	tcase_add_test(tc, test_store_prepare_cache);
	tcase_add_test(tc, test_store_prepare_reused_buffer);
	tcase_add_test(tc, test_store_cache);
	tcase_add_test(tc, test_store_cache_values);
	tcase_add_test(tc, test_store_cache_values_bound);
	tcase_add_test(tc, test_store_cache_values_void);
	tcase_add_test(tc, test_store_sql_errors);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_store_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmds-error.h"
#include "vmds-store.h"
#include "vmds-test-store.h"
#include "vmds-test.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3, sqlite3_close)

static gchar *test_dir = NULL;
static gchar *test_path = NULL;
static GPtrArray *test_schemas = NULL;

/* a component's tables, as a plugin registers them */
static const gchar *const test_store_steps[] = {
    "CREATE TABLE items (name TEXT UNIQUE NOT NULL, n INTEGER NOT NULL CHECK (n BETWEEN 0 AND 2))",
    "ALTER TABLE items ADD COLUMN note TEXT NOT NULL DEFAULT ''",
};
static const VmdsStoreSchema test_store_schema = {
    .component = "test",
    .steps = test_store_steps,
    .n_steps = G_N_ELEMENTS(test_store_steps),
};

static void
test_store_setup(void)
{
	g_autoptr(GError) error = NULL;

	test_dir = g_dir_make_tmp("vmds-test-store-XXXXXX", &error);
	ck_assert_ptr_nonnull(test_dir);
	/* the store creates the directories below the temp dir */
	test_path = g_build_filename(test_dir, "vms", "vm-1", "vm-1.dsd", NULL);
	test_schemas = g_ptr_array_new();
	g_ptr_array_add(test_schemas, (gpointer)&test_store_schema);
}

static void
test_store_teardown(void)
{
	vmds_test_rm_rf(test_dir);
	g_clear_pointer(&test_dir, g_free);
	g_clear_pointer(&test_path, g_free);
	g_clear_pointer(&test_schemas, g_ptr_array_unref);
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
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);
	g_autofree gchar *dir = g_path_get_dirname(test_path);
	g_autofree gchar *lock = g_strdup_printf("%s.lock", test_path);
	GStatBuf st;

	ck_assert_int_eq(store == NULL, error != NULL);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_str_eq(vmds_store_get_path(store), test_path);
	/* the format, and each component's tables at their newest */
	ck_assert_int_eq(vmds_test_store_query_int(store, "PRAGMA user_version"),
			 VMDS_STORE_FORMAT_VERSION);
	ck_assert_uint_eq(vmds_store_get_version(store, "test"), 2);
	ck_assert_uint_eq(vmds_store_get_version(store, "other"), 0);
	ck_assert_int_eq(
	    vmds_test_store_query_int(store, "SELECT version FROM components WHERE name = 'test'"),
	    2);
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM items"), 0);
	ck_assert(g_file_test(test_path, G_FILE_TEST_IS_REGULAR));
	ck_assert(g_file_test(lock, G_FILE_TEST_IS_REGULAR));
	ck_assert_int_eq(g_stat(dir, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
}
END_TEST

START_TEST(test_store_durability)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);
	g_autofree gchar *journal_mode = NULL;

	ck_assert_msg(store != NULL, "%s", error->message);
	journal_mode = vmds_test_store_query_text(store, "PRAGMA journal_mode");
	ck_assert_str_eq(journal_mode, "wal");
	/* 2 = FULL */
	ck_assert_int_eq(vmds_test_store_query_int(store, "PRAGMA synchronous"), 2);
	ck_assert_int_eq(vmds_test_store_query_int(store, "PRAGMA foreign_keys"), 1);
	/* 2 = FAST, whatever the SQLite build's default: a delete zeroes what
	 * costs no extra write, so deleting 100 MiB writes no 100 MiB */
	ck_assert_int_eq(vmds_test_store_query_int(store, "PRAGMA secure_delete"), 2);
}
END_TEST

START_TEST(test_store_reopen_keeps_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);
	g_autofree gchar *name = NULL;

	ck_assert_msg(store != NULL, "%s", error->message);
	vmds_test_store_exec(store, "INSERT INTO items (name, n, note) VALUES ('i1', 2, 'kept')");
	g_clear_object(&store);

	store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_uint_eq(vmds_store_get_version(store, "test"), 2);
	name = vmds_test_store_query_text(store, "SELECT name || '/' || note FROM items");
	ck_assert_str_eq(name, "i1/kept");
}
END_TEST

START_TEST(test_store_migrate_version_zero)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;

	/* an existing database at user_version 0 gets the components table and
	 * every step; its own tables are left alone */
	test_store_write_raw(test_path,
			     "CREATE TABLE unrelated (x); INSERT INTO unrelated VALUES (1)");
	store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_int_eq(vmds_test_store_query_int(store, "PRAGMA user_version"),
			 VMDS_STORE_FORMAT_VERSION);
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM unrelated"), 1);
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM items"), 0);
	ck_assert_uint_eq(vmds_store_get_version(store, "test"), 2);
}
END_TEST

/* a component's schema gains a step: only that step runs; a component
 * added later gets its tables; one no longer loaded keeps its tables and
 * its version */
START_TEST(test_store_migrate_components)
{
	static const gchar *const later_steps[] = {"CREATE TABLE later (v TEXT)"};
	static const VmdsStoreSchema later = {
	    .component = "later",
	    .steps = later_steps,
	    .n_steps = G_N_ELEMENTS(later_steps),
	};
	static const VmdsStoreSchema first = {
	    .component = "test",
	    .steps = test_store_steps,
	    .n_steps = 1,
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	g_autoptr(GPtrArray) schemas = g_ptr_array_new();

	g_ptr_array_add(schemas, (gpointer)&first);
	store = vmds_store_open(test_path, schemas, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_uint_eq(vmds_store_get_version(store, "test"), 1);
	vmds_test_store_exec(store, "INSERT INTO items (name, n) VALUES ('one', 1)");
	g_clear_object(&store);

	/* the second step alone runs: the row is still there, with the new column */
	g_ptr_array_index(schemas, 0) = (gpointer)&test_store_schema;
	g_ptr_array_add(schemas, (gpointer)&later);
	store = vmds_store_open(test_path, schemas, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_uint_eq(vmds_store_get_version(store, "test"), 2);
	ck_assert_uint_eq(vmds_store_get_version(store, "later"), 1);
	{
		g_autofree gchar *row =
		    vmds_test_store_query_text(store, "SELECT name || '/' || note FROM items");
		ck_assert_str_eq(row, "one/");
	}
	vmds_test_store_exec(store, "INSERT INTO later (v) VALUES ('kept')");
	g_clear_object(&store);

	/* without "later": its table and version stay */
	store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_uint_eq(vmds_store_get_version(store, "later"), 1);
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM later"), 1);
}
END_TEST

/*
 * A store from before components had versions (PRAGMA user_version 1 or
 * 2, no components table) holds the tables of the one component flagged
 * VMDS_STORE_SCHEMA_FLAG_LEGACY, at that version: its version is noted and
 * only the steps after it run. Without such a component, it is refused and
 * left as it was.
 */
START_TEST(test_store_migrate_legacy)
{
	static const VmdsStoreSchema legacy = {
	    .component = "test",
	    .steps = test_store_steps,
	    .n_steps = G_N_ELEMENTS(test_store_steps),
	    .flags = VMDS_STORE_SCHEMA_FLAG_LEGACY,
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	g_autoptr(GPtrArray) schemas = g_ptr_array_new();
	g_autofree gchar *sql = g_strdup_printf("%s; INSERT INTO items VALUES ('old', 1); "
						"PRAGMA user_version = 1",
						test_store_steps[0]);

	test_store_write_raw(test_path, sql);
	store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_int_eq(store == NULL, error != NULL);
	assert_error(error, VMDS_ERROR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(error->message, "earlier vmds"));
	g_clear_error(&error);

	g_ptr_array_add(schemas, (gpointer)&legacy);
	store = vmds_store_open(test_path, schemas, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_int_eq(vmds_test_store_query_int(store, "PRAGMA user_version"),
			 VMDS_STORE_FORMAT_VERSION);
	ck_assert_uint_eq(vmds_store_get_version(store, "test"), 2);
	{
		g_autofree gchar *row =
		    vmds_test_store_query_text(store, "SELECT name || '/' || note FROM items");
		ck_assert_str_eq(row, "old/");
	}
}
END_TEST

START_TEST(test_store_refuse_newer)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	g_autofree gchar *sql =
	    g_strdup_printf("PRAGMA user_version = %d", VMDS_STORE_FORMAT_VERSION + 1);

	test_store_write_raw(test_path, sql);
	store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_int_eq(store == NULL, error != NULL);
	ck_assert_ptr_null(store);
	assert_error(error, VMDS_ERROR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(error->message, test_path));
	ck_assert_ptr_nonnull(strstr(error->message, "newer"));
}
END_TEST

/* a component whose tables are newer than its schema here: refused, and
 * the store is not touched */
START_TEST(test_store_refuse_newer_component)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	g_autofree gchar *sql = g_strdup_printf(
	    "CREATE TABLE components (name TEXT PRIMARY KEY, version INTEGER NOT NULL) "
	    "WITHOUT ROWID; INSERT INTO components VALUES ('test', 9); "
	    "PRAGMA user_version = %d",
	    VMDS_STORE_FORMAT_VERSION);

	test_store_write_raw(test_path, sql);
	store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_int_eq(store == NULL, error != NULL);
	assert_error(error, VMDS_ERROR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(error->message, "test"));
	ck_assert_ptr_nonnull(strstr(error->message, "newer"));
}
END_TEST

/* what caches filled from the store listen to */
typedef struct {
	guint committed;
	guint rolled_back;
	guint closed;
} TestStoreSignals;

static void
test_store_committed_cb(VmdsStore *store, gpointer user_data)
{
	((TestStoreSignals *)user_data)->committed++;
}

static void
test_store_rolled_back_cb(VmdsStore *store, gpointer user_data)
{
	((TestStoreSignals *)user_data)->rolled_back++;
}

static void
test_store_closed_cb(VmdsStore *store, gpointer user_data)
{
	((TestStoreSignals *)user_data)->closed++;
}

/*
 * ::committed once a transaction or a whole group is durable (not for the
 * savepoints of a group); ::rolled-back for a rollback, a savepoint of a
 * group rolled back, and SQLite rolling a group back on its own;
 * ::closed once.
 */
START_TEST(test_store_signals)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);
	TestStoreSignals seen = {0};

	ck_assert_msg(store != NULL, "%s", error->message);
	g_signal_connect(store, "committed", G_CALLBACK(test_store_committed_cb), &seen);
	g_signal_connect(store, "rolled-back", G_CALLBACK(test_store_rolled_back_cb), &seen);
	g_signal_connect(store, "closed", G_CALLBACK(test_store_closed_cb), &seen);

	ck_assert(vmds_store_begin(store, &error));
	ck_assert(vmds_store_commit(store, &error));
	ck_assert_uint_eq(seen.committed, 1);
	ck_assert(vmds_store_begin(store, &error));
	vmds_store_rollback(store);
	ck_assert_uint_eq(seen.rolled_back, 1);
	ck_assert_uint_eq(seen.committed, 1);

	/* a group: savepoints released commit nothing yet, one rolled back says so */
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store, "INSERT INTO items (name, n) VALUES ('a', 0)");
	ck_assert(vmds_store_commit(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	vmds_store_rollback(store);
	ck_assert_uint_eq(seen.rolled_back, 2);
	ck_assert_uint_eq(seen.committed, 1);
	ck_assert(vmds_store_batch_end(store, &error));
	ck_assert_uint_eq(seen.committed, 2);

	/* SQLite rolling the group back on its own */
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store, "ROLLBACK");
	ck_assert_uint_ge(seen.rolled_back, 3);
	ck_assert(!vmds_store_commit(store, &error));
	g_clear_error(&error);
	ck_assert(!vmds_store_batch_end(store, &error));
	g_clear_error(&error);
	ck_assert_uint_eq(seen.committed, 2);

	vmds_store_close(store);
	vmds_store_close(store);
	ck_assert_uint_eq(seen.closed, 1);
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
	store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_int_eq(store == NULL, error != NULL);
	assert_error(error, VMDS_ERROR_STORAGE);
}
END_TEST

START_TEST(test_store_lock_same_process)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);
	g_autoptr(VmdsStore) store2 = NULL;
	g_autofree gchar *msg = g_strdup_printf("store %s is in use by another process", test_path);

	ck_assert_msg(store != NULL, "%s", error->message);

	/* flock() is per open file description: a second open here conflicts too */
	store2 = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_int_eq(store2 == NULL, error != NULL);
	assert_error(error, VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE);
	ck_assert_str_eq(error->message, msg);
	g_clear_error(&error);

	/* closing releases the lock */
	vmds_store_close(store);
	store2 = vmds_store_open(test_path, test_schemas, &error);
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
		VmdsStore *store_child = vmds_store_open(test_path, test_schemas, &error_child);

		c = store_child != NULL ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
			c = 'n';
		g_clear_object(&store_child);
		g_clear_error(&error_child);
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');

	store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_int_eq(write(done[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(store == NULL, error != NULL);
	assert_error(error, VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE);
	g_clear_error(&error);

	/* the child is gone, and its lock with it */
	store = vmds_store_open(test_path, test_schemas, &error);
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
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);

	ck_assert_msg(store != NULL, "%s", error->message);

	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store, "INSERT INTO items (name, n, note) VALUES ('gone', 0, '')");
	vmds_store_rollback(store);
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM items"), 0);

	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store, "INSERT INTO items (name, n, note) VALUES ('kept', 0, '')");
	ck_assert_msg(vmds_store_commit(store, &error), "%s", error->message);
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM items"), 1);

	/* a rollback outside a transaction is harmless */
	vmds_store_rollback(store);
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM items"), 1);
}
END_TEST

START_TEST(test_store_batch)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);
	g_autoptr(VmdsStore) reopened = NULL;
	g_autofree gchar *names = NULL;

	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert(vmds_store_batch_begin(store, &error));
	/* three transactions in one group: the middle one rolls back alone */
	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store, "INSERT INTO items (name, n, note) VALUES ('one', 0, '')");
	ck_assert(vmds_store_commit(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store, "INSERT INTO items (name, n, note) VALUES ('two', 0, '')");
	vmds_store_rollback(store);
	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store, "INSERT INTO items (name, n, note) VALUES ('three', 0, '')");
	ck_assert(vmds_store_commit(store, &error));
	ck_assert_msg(vmds_store_batch_end(store, &error), "%s", error->message);

	/* what the group committed is on disk, what rolled back is not */
	vmds_store_close(store);
	reopened = vmds_store_open(test_path, test_schemas, &error);
	names = vmds_test_store_query_text(reopened, "SELECT group_concat(name, ',') FROM items");
	ck_assert_str_eq(names, "one,three");
}
END_TEST

START_TEST(test_store_batch_lost)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);

	/* SQLite may roll a whole transaction back by itself (disk full): what
	 * follows in the group must fail, not commit on its own */
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store, "INSERT INTO items (name, n, note) VALUES ('lost', 0, '')");
	vmds_test_store_exec(store, "ROLLBACK");
	ck_assert(!vmds_store_commit(store, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_STORAGE));
	g_clear_error(&error);
	ck_assert(!vmds_store_begin(store, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_STORAGE));
	g_clear_error(&error);
	ck_assert(!vmds_store_batch_end(store, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_STORAGE));
	g_clear_error(&error);
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM items"), 0);
	/* and the store works as before */
	ck_assert(vmds_store_begin(store, &error));
	ck_assert(vmds_store_commit(store, &error));
}
END_TEST

START_TEST(test_store_batch_of_reads)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);

	/* a group that writes nothing opens no transaction */
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM items"), 0);
	ck_assert(vmds_store_batch_end(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	ck_assert(vmds_store_commit(store, &error));
}
END_TEST

START_TEST(test_store_prepare_cache)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);
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
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);
	gchar sql[] = "SELECT 'one'";

	/* the cache is keyed by address: a buffer that now holds other SQL
	 * gets a statement for that SQL */
	ck_assert_msg(store != NULL, "%s", error->message);
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *text = NULL;

		g_strlcpy(sql, "SELECT 'one'", sizeof(sql));
		text = vmds_test_store_query_text(store, sql);
		ck_assert_str_eq(text, "one");
		g_clear_pointer(&text, g_free);
		g_strlcpy(sql, "SELECT 'two'", sizeof(sql));
		text = vmds_test_store_query_text(store, sql);
		ck_assert_str_eq(text, "two");
	}
}
END_TEST

START_TEST(test_store_sql_errors)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);
	sqlite3_stmt *stmt;

	ck_assert_msg(store != NULL, "%s", error->message);

	stmt = vmds_store_prepare(store, "SELEKT 1", &error);
	ck_assert_int_eq(stmt == NULL, error != NULL);
	assert_error(error, VMDS_ERROR_STORAGE);
	ck_assert_ptr_nonnull(strstr(error->message, "syntax error"));
	g_clear_error(&error);

	/* a constraint failure while stepping */
	stmt = vmds_store_prepare(
	    store, "INSERT INTO items (name, n, note) VALUES ('x', 7, '')", &error);
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

/* a storage error of a request: it reaches the guest (error-message), so
 * it names no path of the host, not even the store's directory */
static void
test_store_assert_no_path(GError *error, const gchar *what)
{
	g_autofree gchar *dir = g_path_get_dirname(test_path);

	ck_assert_msg(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_STORAGE),
		      "%s: expected a storage error, got %s",
		      what,
		      error != NULL ? error->message : "none");
	ck_assert_msg(strstr(error->message, test_dir) == NULL,
		      "%s: '%s' shows the path",
		      what,
		      error->message);
	ck_assert_msg(strstr(error->message, dir) == NULL, "%s: '%s'", what, error->message);
	ck_assert_msg(strstr(error->message, "vm-1.dsd") == NULL, "%s: '%s'", what, error->message);
}

START_TEST(test_store_errors_no_path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);
	g_autofree gchar *wal = g_strdup_printf("%s-wal", test_path);
	g_autofree gchar *dir = g_path_get_dirname(test_path);
	g_autofree gchar *attach = NULL;
	struct rlimit saved = {0};
	struct rlimit tight = {0};
	sqlite3_stmt *stmt;
	void (*handler)(int);
	GStatBuf st;
	gboolean ok;

	ck_assert_msg(store != NULL, "%s", error->message);

	/* SQL that fails to prepare, or to step */
	stmt = vmds_store_prepare(store, "SELEKT 1", &error);
	ck_assert_ptr_null(stmt);
	test_store_assert_no_path(error, "prepare");
	g_clear_error(&error);
	stmt = vmds_store_prepare(
	    store, "INSERT INTO items (name, n, note) VALUES ('x', 7, '')", &error);
	ck_assert(!vmds_store_step_done(store, stmt, &error));
	test_store_assert_no_path(error, "step");
	g_clear_error(&error);

	/* SQLite's own message names a file in the store's directory: its
	 * generic text for the code replaces it */
	attach = g_strdup_printf("ATTACH '%s/missing/other.db' AS other", dir);
	stmt = vmds_store_prepare(store, attach, &error);
	ck_assert_msg(stmt != NULL, "%s", error != NULL ? error->message : "");
	ck_assert(!vmds_store_step_done(store, stmt, &error));
	test_store_assert_no_path(error, "attach");
	g_clear_error(&error);

	/* a commit that fails: the WAL may not grow */
	vmds_test_store_exec(store, "INSERT INTO items (name, n, note) VALUES ('a', 0, '')");
	ck_assert_int_eq(g_stat(wal, &st), 0);
	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store, "INSERT INTO items (name, n, note) VALUES ('b', 0, '')");
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
	tight = saved;
	tight.rlim_cur = (rlim_t)st.st_size;
	handler = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &tight), 0);
	ok = vmds_store_commit(store, &error);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, handler);
	ck_assert(!ok);
	test_store_assert_no_path(error, "commit");
	g_clear_error(&error);

	/* a group that SQLite rolled back on its own */
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store, "ROLLBACK");
	ck_assert(!vmds_store_commit(store, &error));
	test_store_assert_no_path(error, "group rolled back");
	g_clear_error(&error);
	ck_assert(!vmds_store_batch_end(store, &error));
	test_store_assert_no_path(error, "group end");
	g_clear_error(&error);

	/* a closed store, whatever is asked of it */
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	vmds_store_close(store);
	ck_assert(!vmds_store_batch_end(store, &error));
	test_store_assert_no_path(error, "closed: batch end");
	ck_assert_str_eq(error->message, "the store is closed");
	g_clear_error(&error);
	ck_assert_ptr_null(vmds_store_prepare(store, "SELECT 1", &error));
	test_store_assert_no_path(error, "closed: prepare");
	g_clear_error(&error);
	ck_assert(!vmds_store_begin(store, &error));
	test_store_assert_no_path(error, "closed: begin");
	g_clear_error(&error);
	ck_assert(!vmds_store_batch_begin(store, &error));
	test_store_assert_no_path(error, "closed: batch begin");
}
END_TEST

/* a component with rules: groups marked `private` stay behind in a copy,
 * with their members (a foreign key); `scratch` never follows */
static const gchar *const test_store_copy_steps[] = {
    "CREATE TABLE groups (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    "  private INTEGER NOT NULL);"
    "CREATE TABLE members (group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL);"
    "CREATE TABLE scratch (x INTEGER);",
};
static const VmdsStoreCopyRule test_store_copy_rules[] = {
    {"groups", "private = 0"},
    {"scratch", "0"},
};
static const VmdsStoreSchema test_store_copy_schema = {
    .component = "copy",
    .steps = test_store_copy_steps,
    .n_steps = G_N_ELEMENTS(test_store_copy_steps),
    .copy_rules = test_store_copy_rules,
    .n_copy_rules = G_N_ELEMENTS(test_store_copy_rules),
};

/* the rows of @sql's first column, joined with commas */
static gchar *
test_store_query_list(VmdsStore *store, const gchar *sql)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(store, sql, &error);
	g_autoptr(GString) out = g_string_new(NULL);

	ck_assert_msg(stmt != NULL, "%s: %s", sql, error != NULL ? error->message : "");
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if (out->len > 0)
			g_string_append_c(out, ',');
		g_string_append(out, (const gchar *)sqlite3_column_text(stmt, 0));
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/*
 * A copy holds what was committed, less what the rules leave out (with the
 * rows that depend on it), is a store of its own that opens at the same
 * versions, and leaves the original as it was.
 */
START_TEST(test_store_copy)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	g_autoptr(VmdsStore) copy = NULL;
	g_autofree gchar *snap_dir = g_build_filename(test_dir, "snap", NULL);
	g_autofree gchar *copy_path = g_build_filename(snap_dir, "1.dsd", NULL);
	g_autofree gchar *part = g_strconcat(copy_path, ".part", NULL);
	g_autofree gchar *groups = NULL;
	g_autofree gchar *members = NULL;
	g_autofree gchar *items = NULL;

	g_ptr_array_add(test_schemas, (gpointer)&test_store_copy_schema);
	store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_msg(store != NULL, "%s", error != NULL ? error->message : "");
	vmds_test_store_exec(store, "INSERT INTO items (name, n) VALUES ('a', 1), ('b', 2)");
	vmds_test_store_exec(store,
			     "INSERT INTO groups (id, name, private) VALUES (1, 'shared', 0), "
			     "(2, 'mine', 1), (3, 'also', 0)");
	vmds_test_store_exec(
	    store, "INSERT INTO members (group_id, name) VALUES (1, 'x'), (2, 'y'), (3, 'z')");
	vmds_test_store_exec(store, "INSERT INTO scratch (x) VALUES (7)");
	ck_assert_int_eq(g_mkdir(snap_dir, 0700), 0);
	/* what a crash left is replaced */
	ck_assert(g_file_set_contents(part, "half a copy", -1, NULL));
	ck_assert_msg(
	    vmds_store_copy(store, copy_path, VMDS_STORE_COPY_NONE, &error), "%s", error->message);
	ck_assert(!g_file_test(part, G_FILE_TEST_EXISTS));

	/* the original is as it was */
	members = test_store_query_list(store, "SELECT name FROM members ORDER BY name");
	ck_assert_str_eq(members, "x,y,z");
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM scratch"), 1);
	g_clear_pointer(&members, g_free);

	copy = vmds_store_open(copy_path, test_schemas, &error);
	ck_assert_msg(copy != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_uint_eq(vmds_store_get_version(copy, "test"), 2);
	ck_assert_uint_eq(vmds_store_get_version(copy, "copy"), 1);
	items = test_store_query_list(copy, "SELECT name FROM items ORDER BY name");
	groups = test_store_query_list(copy, "SELECT name FROM groups ORDER BY id");
	members = test_store_query_list(copy, "SELECT name FROM members ORDER BY name");
	ck_assert_str_eq(items, "a,b");
	ck_assert_str_eq(groups, "shared,also");
	ck_assert_str_eq(members, "x,z");
	ck_assert_int_eq(vmds_test_store_query_int(copy, "SELECT count(*) FROM scratch"), 0);
}
END_TEST

/*
 * An export's copy ignores the rules: everything follows. A copy leaves out
 * what the rules say without a trace in its free pages. A sound store
 * passes vmds_store_check_file(); a damaged one and a file that is not a
 * database do not.
 */
START_TEST(test_store_copy_all_and_check)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	g_autoptr(VmdsStore) copy = NULL;
	g_autofree gchar *all_path = g_build_filename(test_dir, "all.dsd", NULL);
	g_autofree gchar *some_path = g_build_filename(test_dir, "some.dsd", NULL);
	g_autofree gchar *bad_path = g_build_filename(test_dir, "bad.dsd", NULL);
	g_autofree gchar *groups = NULL;
	g_autofree gchar *bytes = NULL;
	gsize len = 0;

	g_ptr_array_add(test_schemas, (gpointer)&test_store_copy_schema);
	store = vmds_store_open(test_path, test_schemas, &error);
	ck_assert_msg(store != NULL, "%s", error != NULL ? error->message : "");
	vmds_test_store_exec(store,
			     "INSERT INTO groups (id, name, private) VALUES (1, 'shared', 0), "
			     "(2, 'secret-group-name', 1)");
	ck_assert_msg(vmds_store_copy(
			  store, all_path, VMDS_STORE_COPY_ALL | VMDS_STORE_COPY_UNSYNCED, &error),
		      "%s",
		      error->message);
	ck_assert_msg(
	    vmds_store_copy(store, some_path, VMDS_STORE_COPY_NONE, &error), "%s", error->message);
	ck_assert_msg(vmds_store_check_file(all_path, &error), "%s", error->message);
	ck_assert_msg(vmds_store_check_file(some_path, &error), "%s", error->message);
	copy = vmds_store_open(all_path, test_schemas, &error);
	ck_assert_msg(copy != NULL, "%s", error != NULL ? error->message : "");
	groups = test_store_query_list(copy, "SELECT name FROM groups ORDER BY id");
	ck_assert_str_eq(groups, "shared,secret-group-name");
	ck_assert(g_file_get_contents(some_path, &bytes, &len, NULL));
	ck_assert_ptr_null(g_strstr_len(bytes, (gssize)len, "secret-group-name"));

	ck_assert(g_file_set_contents(bad_path, "not a database at all, not even close", -1, NULL));
	ck_assert(!vmds_store_check_file(bad_path, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	g_clear_error(&error);
	/* a page of the copy overwritten in the middle */
	ck_assert(len > 8192);
	memset(bytes + 4096, 0x5a, 4096);
	ck_assert(g_file_set_contents(bad_path, bytes, (gssize)len, NULL));
	ck_assert(!vmds_store_check_file(bad_path, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
}
END_TEST

/* a copy never replaces a file, and one that fails leaves nothing */
START_TEST(test_store_copy_refused)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, test_schemas, &error);
	g_autofree gchar *taken = g_build_filename(test_dir, "taken.dsd", NULL);
	g_autofree gchar *nowhere = g_build_filename(test_dir, "none", "1.dsd", NULL);
	g_autofree gchar *part = g_strconcat(nowhere, ".part", NULL);
	g_autofree gchar *contents = NULL;

	ck_assert_ptr_nonnull(store);
	ck_assert(g_file_set_contents(taken, "mine", -1, NULL));
	ck_assert(!vmds_store_copy(store, taken, VMDS_STORE_COPY_NONE, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_ALREADY_EXISTS));
	ck_assert(g_file_get_contents(taken, &contents, NULL, NULL));
	ck_assert_str_eq(contents, "mine");
	g_clear_error(&error);
	/* a directory that is not there */
	ck_assert(!vmds_store_copy(store, nowhere, VMDS_STORE_COPY_NONE, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_STORAGE));
	ck_assert(!g_file_test(part, G_FILE_TEST_EXISTS));
	ck_assert(!g_file_test(nowhere, G_FILE_TEST_EXISTS));
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
	tcase_add_test(tc, test_store_migrate_components);
	tcase_add_test(tc, test_store_migrate_legacy);
	tcase_add_test(tc, test_store_refuse_newer);
	tcase_add_test(tc, test_store_refuse_newer_component);
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
	tcase_add_test(tc, test_store_signals);
	tcase_add_test(tc, test_store_sql_errors);
	tcase_add_test(tc, test_store_errors_no_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("copy");
	tcase_add_checked_fixture(tc, test_store_setup, test_store_teardown);
	tcase_add_test(tc, test_store_copy);
	tcase_add_test(tc, test_store_copy_refused);
	tcase_add_test(tc, test_store_copy_all_and_check);
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

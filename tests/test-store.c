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

#include "vmds-datasets.h"
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
	/* 2 = FAST, whatever the SQLite build's default: a delete zeroes what
	 * costs no extra write, so deleting 100 MiB writes no 100 MiB */
	ck_assert_int_eq(test_store_query_int(store, "PRAGMA secure_delete"), 2);
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

/* what tests/data/store/v1.dsd holds (see make-v1-store.c there): a value
 * given by its bytes, or of @len bytes 'A' + (i * 7 + seed) % 58 in
 * @parts parts of @len bytes, part p with seed + p */
#define TEST_STORE_UNICODE                                                                         \
	"\xc3\xbc"                                                                                 \
	"n"                                                                                        \
	"\xc3\xaf"                                                                                 \
	"c"                                                                                        \
	"\xc3\xb6"                                                                                 \
	"d"                                                                                        \
	"\xc3\xa9"

typedef struct {
	const gchar *dataset;
	const gchar *key; /* NULL: 4,096 bytes of 'L' */
	const gchar *value;
	gsize len;
	guint seed;
	guint parts;
} TestStoreV1Entry;

static const TestStoreV1Entry test_store_v1_entries[] = {
    /* byte order, as list-keys gives them */
    {"plain", "cl\xc3\xa9-\xe2\x82\xac", "valeur \xc3\xbc\xe2\x82\xac", 12},
    {"plain", "k-1024", NULL, 1024, 1, 1},
    {"plain", "k-1025", NULL, 1025, 2, 1},
    {"plain", "k-4096", NULL, 4096, 3, 1},
    {"plain", "k-4097", NULL, 4097, 4, 1},
    {"plain", "k-empty", "", 0},
    {"plain", "k-nul", "a\0b", 3},
    {"plain", "k-small", "hello", 5},
    {TEST_STORE_UNICODE, NULL, "long key", 8},
    {TEST_STORE_UNICODE, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", "\xd0\xb7\xd0\xbd\xd0\xb0\xd1\x87", 8},
    {"big", "k-100k", NULL, 102400, 5, 1},
    {"big", "k-appended", NULL, 20000, 6, 3},
};

static const struct {
	const gchar *name;
	const gchar *description;
	VmdsAccess host;
	VmdsAccess guest;
	gboolean omit;
	guint entries;
} test_store_v1_datasets[] = {
    /* byte order */
    {"big", "large values", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE, TRUE, 2},
    {"empty", "", VMDS_ACCESS_NONE, VMDS_ACCESS_NONE, FALSE, 0},
    {"plain", "a plain data set", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY, FALSE, 8},
    {TEST_STORE_UNICODE,
     "quotes \" and \xc3\xa9",
     VMDS_ACCESS_READ_ONLY,
     VMDS_ACCESS_READ_WRITE,
     TRUE,
     2},
};

static gchar *
test_store_v1_key(const TestStoreV1Entry *e)
{
	return e->key != NULL ? g_strdup(e->key) : g_strnfill(4096, 'L');
}

/* the value of @e, and its length */
static GBytes *
test_store_v1_value(const TestStoreV1Entry *e)
{
	GByteArray *value = g_byte_array_new();

	if (e->value != NULL) {
		g_byte_array_append(value, (const guint8 *)e->value, (guint)e->len);
		return g_byte_array_free_to_bytes(value);
	}
	for (guint p = 0; p < e->parts; p++) {
		for (gsize i = 0; i < e->len; i++) {
			guint8 c = (guint8)('A' + (i * 7 + e->seed + p) % 58);
			g_byte_array_append(value, &c, 1);
		}
	}
	return g_byte_array_free_to_bytes(value);
}

/* copies the fixture to test_path */
static void
test_store_copy_v1(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *src = NULL;
	g_autofree gchar *dir = g_path_get_dirname(test_path);
	g_autofree gchar *data = NULL;
	gsize len = 0;

	ck_assert_ptr_nonnull(g_getenv("VMDS_TEST_DATADIR"));
	src = g_build_filename(g_getenv("VMDS_TEST_DATADIR"), "store", "v1.dsd", NULL);
	ck_assert_msg(g_file_get_contents(src, &data, &len, &error), "%s", error->message);
	ck_assert_int_eq(g_mkdir_with_parents(dir, 0700), 0);
	ck_assert_msg(
	    g_file_set_contents(test_path, data, (gssize)len, &error), "%s", error->message);
}

static gint64
test_store_dataset_int(VmdsStore *store, const gchar *sql, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(store, sql, &error);

	ck_assert_msg(stmt != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_int_eq(sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	return sqlite3_column_int64(stmt, 0);
}

/* @key of @dataset: its bytes inline, its bytes in chunks, its chunks */
static void
test_store_layout(VmdsStore *store,
		  const gchar *dataset,
		  const gchar *key,
		  gint64 *inline_len,
		  gint64 *tail,
		  gint64 *chunks)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) stmt =
	    vmds_store_prepare(store,
			       "SELECT length(e.value), e.tail, "
			       "(SELECT count(*) FROM entry_chunks WHERE owner = e.chunks) "
			       "FROM entries AS e JOIN datasets AS d ON d.id = e.dataset_id "
			       "WHERE d.name = ?1 AND e.key = CAST(?2 AS BLOB)",
			       &error);

	ck_assert_msg(stmt != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_int_eq(sqlite3_bind_text(stmt, 1, dataset, -1, SQLITE_STATIC), SQLITE_OK);
	ck_assert_int_eq(sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	*inline_len = sqlite3_column_int64(stmt, 0);
	*tail = sqlite3_column_int64(stmt, 1);
	*chunks = sqlite3_column_int64(stmt, 2);
}

/* the value of @key in @dataset, read by the host */
static GBytes *
test_store_read(VmdsStore *store, const gchar *dataset, const gchar *key)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) entries = NULL;
	VmdsEntry *entry;

	g_ptr_array_add(keys, g_strdup(key));
	entries =
	    vmds_datasets_get_entries(store, VMDS_SIDE_HOST, dataset, keys, 0, 0, NULL, &error);
	ck_assert_msg(entries != NULL, "%s", error->message);
	ck_assert_uint_eq(entries->len, 1);
	entry = g_ptr_array_index(entries, 0);
	ck_assert_int_eq(entry->value[entry->value_len], '\0');
	return g_bytes_new(entry->value, entry->value_len);
}

static void
test_store_assert_bytes(GBytes *got, GBytes *expected, const gchar *key)
{
	ck_assert_msg(g_bytes_get_size(got) == g_bytes_get_size(expected),
		      "%s: %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
		      key,
		      g_bytes_get_size(got),
		      g_bytes_get_size(expected));
	ck_assert_msg(g_bytes_equal(got, expected), "%s: other bytes", key);
}

/* every attribute, key and value of the fixture, and `used`, after the
 * migration exactly as version 1 wrote them; the values of entries whose
 * key and value are over 960 bytes together (the inline limit when step 2
 * was written) moved to one chunk each */
START_TEST(test_store_migrate_v1)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	g_autoptr(GPtrArray) list = NULL;
	gint64 total = 0;

	test_store_copy_v1();
	store = vmds_store_open(test_path, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_int_eq(vmds_store_get_schema_version(store), 2);
	ck_assert_int_eq(test_store_query_int(store, "PRAGMA user_version"), 2);
	ck_assert_int_eq(
	    test_store_query_int(store, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	{
		g_autofree gchar *ok = test_store_query_text(store, "PRAGMA integrity_check");
		ck_assert_str_eq(ok, "ok");
	}

	list = vmds_datasets_list(store, &error);
	ck_assert_msg(list != NULL, "%s", error->message);
	ck_assert_uint_eq(list->len, G_N_ELEMENTS(test_store_v1_datasets));
	for (guint d = 0; d < list->len; d++) {
		const VmdsDataset *ds = g_ptr_array_index(list, d);
		gint64 used = 0;
		guint n = 0;

		ck_assert_str_eq(ds->name, test_store_v1_datasets[d].name);
		ck_assert_str_eq(ds->description, test_store_v1_datasets[d].description);
		ck_assert_int_eq(ds->host, test_store_v1_datasets[d].host);
		ck_assert_int_eq(ds->guest, test_store_v1_datasets[d].guest);
		ck_assert_int_eq(ds->omit_from_snapshot_and_clone, test_store_v1_datasets[d].omit);
		for (guint i = 0; i < G_N_ELEMENTS(test_store_v1_entries); i++) {
			const TestStoreV1Entry *e = &test_store_v1_entries[i];
			g_autofree gchar *key = test_store_v1_key(e);

			if (g_strcmp0(e->dataset, ds->name) != 0)
				continue;
			used += (gint64)(strlen(key) + e->len * MAX(e->parts, 1));
			n++;
		}
		ck_assert_uint_eq(n, test_store_v1_datasets[d].entries);
		ck_assert_int_eq(ds->used, used);
		ck_assert_int_eq(
		    test_store_dataset_int(
			store, "SELECT entry_count FROM datasets WHERE name = ?1", ds->name),
		    n);
		total += used;
	}
	/* the sums, as version 1 counted them */
	ck_assert_int_eq(total, 10313 + 4120 + 0 + 162416);
	ck_assert_int_eq(vmds_datasets_vm_used(store, &error), total);

	/* every key, in order, and every value byte for byte, in its place */
	for (guint i = 0; i < G_N_ELEMENTS(test_store_v1_entries); i++) {
		const TestStoreV1Entry *e = &test_store_v1_entries[i];
		g_autofree gchar *key = test_store_v1_key(e);
		g_autoptr(GBytes) expected = test_store_v1_value(e);
		g_autoptr(GBytes) got = test_store_read(store, e->dataset, key);
		gsize len = g_bytes_get_size(expected);
		gint64 inline_len = -1;
		gint64 tail = -1;
		gint64 chunks = -1;

		test_store_assert_bytes(got, expected, key);
		test_store_layout(store, e->dataset, key, &inline_len, &tail, &chunks);
		if (strlen(key) + len > 960) {
			ck_assert_int_eq(inline_len, 0);
			ck_assert_int_eq(tail, (gint64)len);
			ck_assert_int_eq(chunks, 1);
		} else {
			ck_assert_int_eq(inline_len, (gint64)len);
			ck_assert_int_eq(tail, 0);
			ck_assert_int_eq(chunks, 0);
		}
	}
	for (guint d = 0; d < G_N_ELEMENTS(test_store_v1_datasets); d++) {
		const gchar *name = test_store_v1_datasets[d].name;
		g_autoptr(GPtrArray) keys = NULL;
		guint k = 0;

		if (test_store_v1_datasets[d].host == VMDS_ACCESS_NONE)
			continue;
		keys = vmds_datasets_list_keys(store, VMDS_SIDE_HOST, name, NULL, 0, NULL, &error);
		ck_assert_msg(keys != NULL, "%s", error->message);
		for (guint i = 0; i < G_N_ELEMENTS(test_store_v1_entries); i++) {
			g_autofree gchar *key = test_store_v1_key(&test_store_v1_entries[i]);

			if (g_strcmp0(test_store_v1_entries[i].dataset, name) != 0)
				continue;
			ck_assert_uint_lt(k, keys->len);
			ck_assert_str_eq(g_ptr_array_index(keys, k), key);
			k++;
		}
		ck_assert_uint_eq(k, keys->len);
	}
	/* k-1024, k-1025, k-4096, k-4097, k-100k, k-appended; "long key" has
	 * a 4,096-byte key */
	ck_assert_int_eq(test_store_query_int(store, "SELECT count(*) FROM entry_chunks"), 7);

	/* the migrated store works as a new one: an append to a moved value,
	 * a delete of one (its chunk goes with it) */
	{
		g_autoptr(GPtrArray) entries =
		    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);
		g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GBytes) got = NULL;
		g_autoptr(GBytes) expected = NULL;
		g_autoptr(GByteArray) more = g_byte_array_new();

		g_ptr_array_add(entries, vmds_entry_new("k-100k", "+tail", 5, TRUE));
		ck_assert_msg(
		    vmds_datasets_set_entries(store, VMDS_SIDE_HOST, "big", entries, &error),
		    "%s",
		    error->message);
		expected = test_store_v1_value(&test_store_v1_entries[10]);
		g_byte_array_append(
		    more, g_bytes_get_data(expected, NULL), (guint)g_bytes_get_size(expected));
		g_byte_array_append(more, (const guint8 *)"+tail", 5);
		g_clear_pointer(&expected, g_bytes_unref);
		expected = g_byte_array_free_to_bytes(g_steal_pointer(&more));
		got = test_store_read(store, "big", "k-100k");
		test_store_assert_bytes(got, expected, "k-100k");

		g_ptr_array_add(keys, g_strdup("k-4097"));
		ck_assert_msg(
		    vmds_datasets_delete_entries(store, VMDS_SIDE_HOST, "plain", keys, &error),
		    "%s",
		    error->message);
		/* one chunk more for the append, one less with k-4097 */
		ck_assert_int_eq(test_store_query_int(store, "SELECT count(*) FROM entry_chunks"),
				 7);
		ck_assert_int_eq(vmds_datasets_vm_used(store, &error), total + 5 - 6 - 4097);
	}
}
END_TEST

/* the 1 MiB case, added to a copy of the fixture with version 1's own
 * triggers (the file is still at version 1 when written) */
START_TEST(test_store_migrate_v1_1mib)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	g_autoptr(GBytes) got = NULL;
	g_autoptr(GBytes) expected = NULL;
	g_autofree gchar *value = g_malloc(VMDS_DATASETS_MAX_VALUE);
	gint64 inline_len = -1;
	gint64 tail = -1;
	gint64 chunks = -1;

	for (gsize i = 0; i < VMDS_DATASETS_MAX_VALUE; i++)
		value[i] = (gchar)('a' + i % 23);
	expected = g_bytes_new(value, VMDS_DATASETS_MAX_VALUE);
	test_store_copy_v1();
	{
		g_autoptr(sqlite3) db = NULL;
		sqlite3_stmt *stmt = NULL;

		ck_assert_int_eq(sqlite3_open(test_path, &db), SQLITE_OK);
		ck_assert_int_eq(
		    sqlite3_prepare_v2(db,
				       "INSERT INTO entries (dataset_id, key, value) "
				       "SELECT id, CAST('k-1mib' AS BLOB), ?1 FROM datasets "
				       "WHERE name = 'big'",
				       -1,
				       &stmt,
				       NULL),
		    SQLITE_OK);
		ck_assert_int_eq(
		    sqlite3_bind_blob(stmt, 1, value, VMDS_DATASETS_MAX_VALUE, SQLITE_STATIC),
		    SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(stmt), SQLITE_DONE);
		sqlite3_finalize(stmt);
	}

	store = vmds_store_open(test_path, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_int_eq(vmds_store_get_schema_version(store), 2);
	got = test_store_read(store, "big", "k-1mib");
	test_store_assert_bytes(got, expected, "k-1mib");
	test_store_layout(store, "big", "k-1mib", &inline_len, &tail, &chunks);
	ck_assert_int_eq(inline_len, 0);
	ck_assert_int_eq(tail, VMDS_DATASETS_MAX_VALUE);
	ck_assert_int_eq(chunks, 1);
	ck_assert_int_eq(
	    test_store_dataset_int(store, "SELECT used FROM datasets WHERE name = ?1", "big"),
	    162416 + 6 + VMDS_DATASETS_MAX_VALUE);
	ck_assert_int_eq(test_store_dataset_int(
			     store, "SELECT entry_count FROM datasets WHERE name = ?1", "big"),
			 3);
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
	g_autoptr(VmdsStore) store = vmds_store_open(test_path, &error);
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
	stmt = vmds_store_prepare(store,
				  "INSERT INTO datasets (name, description, host, guest, omit) "
				  "VALUES ('x', '', 7, 0, 0)",
				  &error);
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
	test_store_exec(store,
			"INSERT INTO datasets (name, description, host, guest, omit) "
			"VALUES ('a', '', 0, 0, 0)");
	ck_assert_int_eq(g_stat(wal, &st), 0);
	ck_assert(vmds_store_begin(store, &error));
	test_store_exec(store,
			"INSERT INTO datasets (name, description, host, guest, omit) "
			"VALUES ('b', '', 0, 0, 0)");
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
	test_store_exec(store, "ROLLBACK");
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
	tcase_add_test(tc, test_store_migrate_v1);
	tcase_add_test(tc, test_store_migrate_v1_1mib);
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
	tcase_add_test(tc, test_store_errors_no_path);
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

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

#include "vmds-datasets-cache.h"
#include "vmds-test-store.h"
#include "vmds-test.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3, sqlite3_close)

static gchar *test_dir = NULL;
static gchar *test_path = NULL;

static void
test_datasets_store_setup(void)
{
	g_autoptr(GError) error = NULL;

	test_dir = g_dir_make_tmp("vmds-test-datasets-store-XXXXXX", &error);
	ck_assert_ptr_nonnull(test_dir);
	/* the store creates the directories below the temp dir */
	test_path = g_build_filename(test_dir, "vms", "vm-1", "vm-1.dsd", NULL);
}

static void
test_datasets_store_teardown(void)
{
	vmds_test_rm_rf(test_dir);
	g_clear_pointer(&test_dir, g_free);
	g_clear_pointer(&test_path, g_free);
}

/* one number from a database opened with SQLite alone */
static gint64
test_datasets_store_raw_int(sqlite3 *db, const gchar *sql)
{
	sqlite3_stmt *stmt = NULL;
	gint64 ret;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	ret = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return ret;
}

/* what tests/data/store/v1.dsd holds (see make-store.c there): a value
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

static const TestStoreV1Entry test_datasets_store_v1_entries[] = {
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
} test_datasets_store_v1_datasets[] = {
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
test_datasets_store_v1_key(const TestStoreV1Entry *e)
{
	return e->key != NULL ? g_strdup(e->key) : g_strnfill(4096, 'L');
}

/* the value of @e, and its length */
static GBytes *
test_datasets_store_v1_value(const TestStoreV1Entry *e)
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

/* copies the fixture @name to test_path */
static void
test_datasets_store_copy(const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *src = NULL;
	g_autofree gchar *dir = g_path_get_dirname(test_path);
	g_autofree gchar *data = NULL;
	gsize len = 0;

	ck_assert_ptr_nonnull(g_getenv("VMDS_TEST_DATADIR"));
	src = g_build_filename(g_getenv("VMDS_TEST_DATADIR"), name, NULL);
	ck_assert_msg(g_file_get_contents(src, &data, &len, &error), "%s", error->message);
	ck_assert_int_eq(g_mkdir_with_parents(dir, 0700), 0);
	ck_assert_msg(
	    g_file_set_contents(test_path, data, (gssize)len, &error), "%s", error->message);
}

static gint64
test_datasets_store_dataset_int(VmdsStore *store, const gchar *sql, const gchar *name)
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
test_datasets_store_layout(VmdsStore *store,
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
test_datasets_store_read(VmdsStore *store, const gchar *dataset, const gchar *key)
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
test_datasets_store_assert_bytes(GBytes *got, GBytes *expected, const gchar *key)
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
/*
 * A fixture upgraded: its format, its data sets with their attributes and
 * totals, every key in order and every value byte for byte; with @moved,
 * the layout version 1's migration makes (each value over the inline
 * limit moved whole into one chunk). Returns the VM's total.
 */
static gint64
test_datasets_store_check_fixture(VmdsStore *store, gboolean moved)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = NULL;
	gint64 total = 0;

	ck_assert_int_eq(vmds_store_get_version(store, "datasets"), 2);
	ck_assert_int_eq(vmds_test_store_query_int(store, "PRAGMA user_version"),
			 VMDS_STORE_FORMAT_VERSION);
	ck_assert_int_eq(
	    vmds_test_store_query_int(store, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	{
		g_autofree gchar *ok = vmds_test_store_query_text(store, "PRAGMA integrity_check");
		ck_assert_str_eq(ok, "ok");
	}

	list = vmds_datasets_list(store, &error);
	ck_assert_msg(list != NULL, "%s", error->message);
	ck_assert_uint_eq(list->len, G_N_ELEMENTS(test_datasets_store_v1_datasets));
	for (guint d = 0; d < list->len; d++) {
		const VmdsDataset *ds = g_ptr_array_index(list, d);
		gint64 used = 0;
		guint n = 0;

		ck_assert_str_eq(ds->name, test_datasets_store_v1_datasets[d].name);
		ck_assert_str_eq(ds->description, test_datasets_store_v1_datasets[d].description);
		ck_assert_int_eq(ds->host, test_datasets_store_v1_datasets[d].host);
		ck_assert_int_eq(ds->guest, test_datasets_store_v1_datasets[d].guest);
		ck_assert_int_eq(ds->omit_from_snapshot_and_clone,
				 test_datasets_store_v1_datasets[d].omit);
		for (guint i = 0; i < G_N_ELEMENTS(test_datasets_store_v1_entries); i++) {
			const TestStoreV1Entry *e = &test_datasets_store_v1_entries[i];
			g_autofree gchar *key = test_datasets_store_v1_key(e);

			if (g_strcmp0(e->dataset, ds->name) != 0)
				continue;
			used += (gint64)(strlen(key) + e->len * MAX(e->parts, 1));
			n++;
		}
		ck_assert_uint_eq(n, test_datasets_store_v1_datasets[d].entries);
		ck_assert_int_eq(ds->used, used);
		ck_assert_int_eq(
		    test_datasets_store_dataset_int(
			store, "SELECT entry_count FROM datasets WHERE name = ?1", ds->name),
		    n);
		total += used;
	}
	/* the sums, as version 1 counted them */
	ck_assert_int_eq(total, 10313 + 4120 + 0 + 162416);
	ck_assert_int_eq(vmds_datasets_vm_used(store, &error), total);

	/* every key, in order, and every value byte for byte, in its place */
	for (guint i = 0; i < G_N_ELEMENTS(test_datasets_store_v1_entries); i++) {
		const TestStoreV1Entry *e = &test_datasets_store_v1_entries[i];
		g_autofree gchar *key = test_datasets_store_v1_key(e);
		g_autoptr(GBytes) expected = test_datasets_store_v1_value(e);
		g_autoptr(GBytes) got = test_datasets_store_read(store, e->dataset, key);
		gsize len = g_bytes_get_size(expected);
		gint64 inline_len = -1;
		gint64 tail = -1;
		gint64 chunks = -1;

		test_datasets_store_assert_bytes(got, expected, key);
		test_datasets_store_layout(store, e->dataset, key, &inline_len, &tail, &chunks);
		if (!moved) {
			ck_assert_int_eq(inline_len + tail, (gint64)len);
		} else if (strlen(key) + len > 960) {
			ck_assert_int_eq(inline_len, 0);
			ck_assert_int_eq(tail, (gint64)len);
			ck_assert_int_eq(chunks, 1);
		} else {
			ck_assert_int_eq(inline_len, (gint64)len);
			ck_assert_int_eq(tail, 0);
			ck_assert_int_eq(chunks, 0);
		}
	}
	for (guint d = 0; d < G_N_ELEMENTS(test_datasets_store_v1_datasets); d++) {
		const gchar *name = test_datasets_store_v1_datasets[d].name;
		g_autoptr(GPtrArray) keys = NULL;
		guint k = 0;

		if (test_datasets_store_v1_datasets[d].host == VMDS_ACCESS_NONE)
			continue;
		keys = vmds_datasets_list_keys(store, VMDS_SIDE_HOST, name, NULL, 0, NULL, &error);
		ck_assert_msg(keys != NULL, "%s", error->message);
		for (guint i = 0; i < G_N_ELEMENTS(test_datasets_store_v1_entries); i++) {
			g_autofree gchar *key =
			    test_datasets_store_v1_key(&test_datasets_store_v1_entries[i]);

			if (g_strcmp0(test_datasets_store_v1_entries[i].dataset, name) != 0)
				continue;
			ck_assert_uint_lt(k, keys->len);
			ck_assert_str_eq(g_ptr_array_index(keys, k), key);
			k++;
		}
		ck_assert_uint_eq(k, keys->len);
	}
	return total;
}

START_TEST(test_datasets_store_migrate_v1)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	gint64 total;

	test_datasets_store_copy("v1.dsd");
	store = vmds_datasets_open_store(test_path, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	total = test_datasets_store_check_fixture(store, TRUE);
	/* k-1024, k-1025, k-4096, k-4097, k-100k, k-appended; "long key" has
	 * a 4,096-byte key */
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM entry_chunks"), 7);

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
		    vmds_datasets_set_entries(store, NULL, VMDS_SIDE_HOST, "big", entries, &error),
		    "%s",
		    error->message);
		expected = test_datasets_store_v1_value(&test_datasets_store_v1_entries[10]);
		g_byte_array_append(
		    more, g_bytes_get_data(expected, NULL), (guint)g_bytes_get_size(expected));
		g_byte_array_append(more, (const guint8 *)"+tail", 5);
		g_clear_pointer(&expected, g_bytes_unref);
		expected = g_byte_array_free_to_bytes(g_steal_pointer(&more));
		got = test_datasets_store_read(store, "big", "k-100k");
		test_datasets_store_assert_bytes(got, expected, "k-100k");

		g_ptr_array_add(keys, g_strdup("k-4097"));
		ck_assert_msg(
		    vmds_datasets_delete_entries(store, VMDS_SIDE_HOST, "plain", keys, &error),
		    "%s",
		    error->message);
		/* one chunk more for the append, one less with k-4097 */
		ck_assert_int_eq(
		    vmds_test_store_query_int(store, "SELECT count(*) FROM entry_chunks"), 7);
		ck_assert_int_eq(vmds_datasets_vm_used(store, &error), total + 5 - 6 - 4097);
	}
}
END_TEST

/*
 * The store format before components had versions of their own: the
 * DataSets tables alone, their version in PRAGMA user_version. Opening it
 * notes that version in `components`, changes none of the data, and the
 * store serves reads and writes as one made today.
 */
START_TEST(test_datasets_store_upgrade_v2)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = NULL;
	g_autoptr(GPtrArray) entries =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);
	g_autoptr(GBytes) got = NULL;
	gint64 total;
	gint64 chunks;

	test_datasets_store_copy("v2.dsd");
	{
		g_autoptr(sqlite3) db = NULL;
		ck_assert_int_eq(sqlite3_open(test_path, &db), SQLITE_OK);
		chunks = test_datasets_store_raw_int(db, "SELECT count(*) FROM entry_chunks");
		ck_assert_int_eq(test_datasets_store_raw_int(db, "PRAGMA user_version"), 2);
	}
	store = vmds_datasets_open_store(test_path, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	total = test_datasets_store_check_fixture(store, FALSE);
	ck_assert_int_eq(vmds_test_store_query_int(
			     store, "SELECT version FROM components WHERE name = 'datasets'"),
			 2);
	/* the upgrade touched no entry */
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM entry_chunks"),
			 chunks);

	g_ptr_array_add(entries, vmds_entry_new("k-small", " world", 6, TRUE));
	ck_assert_msg(
	    vmds_datasets_set_entries(store, NULL, VMDS_SIDE_HOST, "plain", entries, &error),
	    "%s",
	    error->message);
	got = test_datasets_store_read(store, "plain", "k-small");
	ck_assert_uint_eq(g_bytes_get_size(got), 11);
	ck_assert_mem_eq(g_bytes_get_data(got, NULL), "hello world", 11);
	ck_assert_int_eq(vmds_datasets_vm_used(store, &error), total + 6);

	/* and opens again as it is now, with nothing left to do */
	vmds_store_close(store);
	g_clear_object(&store);
	store = vmds_datasets_open_store(test_path, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_int_eq(vmds_datasets_vm_used(store, &error), total + 6);
}
END_TEST

/* the 1 MiB case, added to a copy of the fixture with version 1's own
 * triggers (the file is still at version 1 when written) */
START_TEST(test_datasets_store_migrate_v1_1mib)
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
	test_datasets_store_copy("v1.dsd");
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

	store = vmds_datasets_open_store(test_path, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
	ck_assert_int_eq(vmds_store_get_version(store, "datasets"), 2);
	got = test_datasets_store_read(store, "big", "k-1mib");
	test_datasets_store_assert_bytes(got, expected, "k-1mib");
	test_datasets_store_layout(store, "big", "k-1mib", &inline_len, &tail, &chunks);
	ck_assert_int_eq(inline_len, 0);
	ck_assert_int_eq(tail, VMDS_DATASETS_MAX_VALUE);
	ck_assert_int_eq(chunks, 1);
	ck_assert_int_eq(test_datasets_store_dataset_int(
			     store, "SELECT used FROM datasets WHERE name = ?1", "big"),
			 162416 + 6 + VMDS_DATASETS_MAX_VALUE);
	ck_assert_int_eq(test_datasets_store_dataset_int(
			     store, "SELECT entry_count FROM datasets WHERE name = ?1", "big"),
			 3);
}
END_TEST

/* what the cache keeps of data sets' rows goes with a rollback and a close */
START_TEST(test_datasets_store_cache)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_datasets_open_store(test_path, &error);
	const VmdsDatasetsRef ref = {.id = 7, .host = VMDS_ACCESS_READ_WRITE};
	VmdsDatasetsCache *cache;

	ck_assert_msg(store != NULL, "%s", error->message);
	cache = vmds_datasets_cache_get(store);
	ck_assert_ptr_eq(vmds_datasets_cache_get(store), cache);
	vmds_datasets_cache_add_ref(cache, "row", &ref);

	/* reads and commits keep it */
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM datasets"), 0);
	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store,
			     "INSERT INTO datasets (name, description, host, guest, omit) "
			     "VALUES ('kept', '', 0, 0, 0)");
	ck_assert(vmds_store_commit(store, &error));
	ck_assert_int_eq(vmds_datasets_cache_lookup_ref(cache, "row")->id, 7);

	/* a rollback empties it */
	ck_assert(vmds_store_begin(store, &error));
	vmds_store_rollback(store);
	ck_assert_ptr_null(vmds_datasets_cache_lookup_ref(cache, "row"));

	/* so does a savepoint of a group rolling back, and SQLite rolling the
	 * group back on its own; the savepoints released before keep it */
	vmds_datasets_cache_add_ref(cache, "row", &ref);
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	vmds_store_rollback(store);
	ck_assert_ptr_null(vmds_datasets_cache_lookup_ref(cache, "row"));
	vmds_datasets_cache_add_ref(cache, "row", &ref);
	ck_assert(vmds_store_begin(store, &error));
	ck_assert(vmds_store_commit(store, &error));
	ck_assert_ptr_nonnull(vmds_datasets_cache_lookup_ref(cache, "row"));
	vmds_test_store_exec(store, "ROLLBACK");
	ck_assert_ptr_null(vmds_datasets_cache_lookup_ref(cache, "row"));
	ck_assert(!vmds_store_batch_end(store, &error));
	g_clear_error(&error);

	/* forgetting one row; and closing the store */
	vmds_datasets_cache_add_ref(cache, "row", &ref);
	vmds_datasets_cache_add_ref(cache, "other", &ref);
	vmds_datasets_cache_forget_ref(cache, "row");
	ck_assert_ptr_null(vmds_datasets_cache_lookup_ref(cache, "row"));
	ck_assert_ptr_nonnull(vmds_datasets_cache_lookup_ref(cache, "other"));
	vmds_store_close(store);
	ck_assert_ptr_null(vmds_datasets_cache_lookup_ref(cache, "other"));
}
END_TEST

/* @value (@len bytes) is what the cache holds for @key of data set @id */
static void
test_datasets_store_assert_cached(
    VmdsStore *store, gint64 id, const gchar *key, const gchar *value, gsize len)
{
	gsize got_len = G_MAXSIZE;
	const gchar *got =
	    vmds_datasets_cache_lookup_value(vmds_datasets_cache_get(store), id, key, &got_len);

	ck_assert_msg(got != NULL, "'%s' of %" G_GINT64_FORMAT " is not cached", key, id);
	ck_assert_uint_eq(got_len, len);
	if (len > 0)
		ck_assert_mem_eq(got, value, len);
}

static void
test_datasets_store_assert_not_cached(VmdsStore *store, gint64 id, const gchar *key)
{
	gsize len = 0;

	ck_assert_ptr_null(
	    vmds_datasets_cache_lookup_value(vmds_datasets_cache_get(store), id, key, &len));
}

/* a data set flagged omit_from_snapshot_and_clone stays out of a copy of
 * the store, with its entries and their chunks; the others follow whole */
START_TEST(test_datasets_store_snapshot_copy)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_datasets_open_store(test_path, &error);
	g_autoptr(VmdsStore) copy = NULL;
	g_autofree gchar *copy_path = g_build_filename(test_dir, "copy.dsd", NULL);
	g_autofree gchar *big = g_strnfill(100000, 'b');
	const gchar *names[] = {"kept", "omitted"};

	ck_assert_msg(store != NULL, "%s", error != NULL ? error->message : "");
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(VmdsDataset) dataset = vmds_dataset_new();
		g_autoptr(GPtrArray) entries =
		    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);

		dataset->name = g_strdup(names[i]);
		g_free(dataset->description);
		dataset->description = g_strdup("d");
		dataset->host = VMDS_ACCESS_READ_WRITE;
		dataset->guest = VMDS_ACCESS_READ_WRITE;
		dataset->omit_from_snapshot_and_clone = i == 1;
		ck_assert_msg(vmds_datasets_create(store, dataset, &error), "%s", error->message);
		g_ptr_array_add(entries, vmds_entry_new("small", "s", 1, FALSE));
		g_ptr_array_add(entries, vmds_entry_new("big", big, 100000, FALSE));
		ck_assert_msg(vmds_datasets_set_entries(
				  store, NULL, VMDS_SIDE_HOST, names[i], entries, &error),
			      "%s",
			      error->message);
	}
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM entry_chunks"), 2);
	ck_assert_msg(
	    vmds_store_copy(store, copy_path, VMDS_STORE_COPY_NONE, &error), "%s", error->message);

	copy = vmds_datasets_open_store(copy_path, &error);
	ck_assert_msg(copy != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_int_eq(vmds_test_store_query_int(copy, "SELECT count(*) FROM datasets"), 1);
	ck_assert_int_eq(vmds_test_store_query_int(copy, "SELECT count(*) FROM entries"), 2);
	ck_assert_int_eq(vmds_test_store_query_int(copy, "SELECT count(*) FROM entry_chunks"), 1);
	ck_assert_int_eq(vmds_datasets_vm_used(copy, NULL), 5 + 1 + 3 + 100000);
	ck_assert_int_eq(vmds_datasets_vm_used(store, NULL), 2 * (5 + 1 + 3 + 100000));
	{
		g_autoptr(VmdsDataset) kept = vmds_datasets_get(copy, "kept", &error);
		ck_assert_msg(kept != NULL, "%s", error != NULL ? error->message : "");
		ck_assert_ptr_null(vmds_datasets_get(copy, "omitted", &error));
		ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_DATASET_NOT_FOUND));
	}
}
END_TEST

START_TEST(test_datasets_store_cache_values)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_datasets_open_store(test_path, &error);
	g_autofree gchar *at_limit = g_strnfill(VMDS_DATASETS_CACHE_MAX_VALUE, 'a');
	g_autofree gchar *over_limit = g_strnfill(VMDS_DATASETS_CACHE_MAX_VALUE + 1, 'o');

	ck_assert_msg(store != NULL, "%s", error->message);
	test_datasets_store_assert_not_cached(store, 1, "k");

	/* bytes as given, NUL and empty included; a key is the data set id and
	 * all of the key's bytes */
	vmds_datasets_cache_add_value(vmds_datasets_cache_get(store), 1, "k", "a\0b", 3);
	vmds_datasets_cache_add_value(vmds_datasets_cache_get(store), 1, "kk", "", 0);
	vmds_datasets_cache_add_value(vmds_datasets_cache_get(store), 2, "k", "two", 3);
	test_datasets_store_assert_cached(store, 1, "k", "a\0b", 3);
	test_datasets_store_assert_cached(store, 1, "kk", "", 0);
	test_datasets_store_assert_cached(store, 2, "k", "two", 3);
	test_datasets_store_assert_not_cached(store, 3, "k");
	test_datasets_store_assert_not_cached(store, 1, "K");

	/* a value read again replaces the one kept */
	vmds_datasets_cache_add_value(vmds_datasets_cache_get(store), 1, "k", "again", 5);
	test_datasets_store_assert_cached(store, 1, "k", "again", 5);

	/* small values only */
	vmds_datasets_cache_add_value(
	    vmds_datasets_cache_get(store), 1, "at", at_limit, VMDS_DATASETS_CACHE_MAX_VALUE);
	vmds_datasets_cache_add_value(vmds_datasets_cache_get(store),
				      1,
				      "over",
				      over_limit,
				      VMDS_DATASETS_CACHE_MAX_VALUE + 1);
	test_datasets_store_assert_cached(store, 1, "at", at_limit, VMDS_DATASETS_CACHE_MAX_VALUE);
	test_datasets_store_assert_not_cached(store, 1, "over");

	/* forgetting one entry, then all of a data set */
	vmds_datasets_cache_forget_value(vmds_datasets_cache_get(store), 1, "k");
	vmds_datasets_cache_forget_value(vmds_datasets_cache_get(store), 1, "absent");
	test_datasets_store_assert_not_cached(store, 1, "k");
	test_datasets_store_assert_cached(store, 1, "kk", "", 0);
	test_datasets_store_assert_cached(store, 2, "k", "two", 3);
	vmds_datasets_cache_forget_values(vmds_datasets_cache_get(store), 1);
	test_datasets_store_assert_not_cached(store, 1, "kk");
	test_datasets_store_assert_not_cached(store, 1, "at");
	test_datasets_store_assert_cached(store, 2, "k", "two", 3);
}
END_TEST

START_TEST(test_datasets_store_cache_values_bound)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_datasets_open_store(test_path, &error);
	const guint n = 2 * VMDS_DATASETS_CACHE_MAX_BYTES / VMDS_DATASETS_CACHE_MAX_VALUE;
	guint kept = 0;

	/* twice what fits: every value just kept is there, and never more
	 * values than fit */
	ck_assert_msg(store != NULL, "%s", error->message);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *key = g_strdup_printf("key-%u", i);
		g_autofree gchar *value = g_strnfill(VMDS_DATASETS_CACHE_MAX_VALUE, 'a' + i % 26);

		vmds_datasets_cache_add_value(
		    vmds_datasets_cache_get(store), 1, key, value, VMDS_DATASETS_CACHE_MAX_VALUE);
		test_datasets_store_assert_cached(
		    store, 1, key, value, VMDS_DATASETS_CACHE_MAX_VALUE);
	}
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *key = g_strdup_printf("key-%u", i);
		g_autofree gchar *value = g_strnfill(VMDS_DATASETS_CACHE_MAX_VALUE, 'a' + i % 26);
		gsize len = 0;

		if (vmds_datasets_cache_lookup_value(
			vmds_datasets_cache_get(store), 1, key, &len) == NULL)
			continue;
		test_datasets_store_assert_cached(
		    store, 1, key, value, VMDS_DATASETS_CACHE_MAX_VALUE);
		kept++;
	}
	ck_assert_uint_gt(kept, 0);
	ck_assert_uint_le(kept * VMDS_DATASETS_CACHE_MAX_VALUE, VMDS_DATASETS_CACHE_MAX_BYTES);
	test_datasets_store_assert_not_cached(store, 1, "key-0");

	/* and the cache starts again where it left off */
	vmds_datasets_cache_forget_values(vmds_datasets_cache_get(store), 1);
	vmds_datasets_cache_add_value(vmds_datasets_cache_get(store), 1, "key-0", "v", 1);
	test_datasets_store_assert_cached(store, 1, "key-0", "v", 1);
}
END_TEST

START_TEST(test_datasets_store_cache_values_void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = vmds_datasets_open_store(test_path, &error);

	/* what the cache of values keeps, it keeps through reads and commits */
	ck_assert_msg(store != NULL, "%s", error->message);
	vmds_datasets_cache_add_value(vmds_datasets_cache_get(store), 1, "k", "v", 1);
	ck_assert_int_eq(vmds_test_store_query_int(store, "SELECT count(*) FROM datasets"), 0);
	ck_assert(vmds_store_begin(store, &error));
	vmds_test_store_exec(store,
			     "INSERT INTO datasets (name, description, host, guest, omit) "
			     "VALUES ('kept', '', 0, 0, 0)");
	ck_assert(vmds_store_commit(store, &error));
	test_datasets_store_assert_cached(store, 1, "k", "v", 1);

	/* it forgets on a rollback */
	ck_assert(vmds_store_begin(store, &error));
	vmds_store_rollback(store);
	test_datasets_store_assert_not_cached(store, 1, "k");

	/* on a savepoint of a group rolling back, and SQLite rolling the group
	 * back on its own; not on a savepoint released */
	vmds_datasets_cache_add_value(vmds_datasets_cache_get(store), 1, "k", "v", 1);
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	vmds_store_rollback(store);
	test_datasets_store_assert_not_cached(store, 1, "k");
	vmds_datasets_cache_add_value(vmds_datasets_cache_get(store), 1, "k", "v", 1);
	ck_assert(vmds_store_begin(store, &error));
	ck_assert(vmds_store_commit(store, &error));
	test_datasets_store_assert_cached(store, 1, "k", "v", 1);
	vmds_test_store_exec(store, "ROLLBACK");
	test_datasets_store_assert_not_cached(store, 1, "k");
	ck_assert(!vmds_store_batch_end(store, &error));
	g_clear_error(&error);

	/* and on closing: a closed store keeps nothing */
	vmds_datasets_cache_add_value(vmds_datasets_cache_get(store), 1, "k", "v", 1);
	vmds_store_close(store);
	test_datasets_store_assert_not_cached(store, 1, "k");
	vmds_datasets_cache_add_value(vmds_datasets_cache_get(store), 1, "k", "v", 1);
	test_datasets_store_assert_not_cached(store, 1, "k");
}
END_TEST

static Suite *
test_datasets_store_suite(void)
{
	Suite *s = suite_create("datasets-store");
	TCase *tc;

	tc = tcase_create("fixtures");
	tcase_add_checked_fixture(tc, test_datasets_store_setup, test_datasets_store_teardown);
	tcase_add_test(tc, test_datasets_store_migrate_v1);
	tcase_add_test(tc, test_datasets_store_migrate_v1_1mib);
	tcase_add_test(tc, test_datasets_store_upgrade_v2);
	suite_add_tcase(s, tc);

	tc = tcase_create("cache");
	tcase_add_checked_fixture(tc, test_datasets_store_setup, test_datasets_store_teardown);
	tcase_add_test(tc, test_datasets_store_cache);
	tcase_add_test(tc, test_datasets_store_snapshot_copy);
	tcase_add_test(tc, test_datasets_store_cache_values);
	tcase_add_test(tc, test_datasets_store_cache_values_bound);
	tcase_add_test(tc, test_datasets_store_cache_values_void);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_datasets_store_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

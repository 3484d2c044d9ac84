/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "vmds-datasets-cache.h"
#include "vmds-test.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

/* the contract of every call: a result or an error, never both, never neither */
#define assert_ret_error(ret, error) ck_assert_int_eq((ret) == NULL, (error) != NULL)
#define assert_ok_error(ok, error)   ck_assert_int_eq(!(ok), (error) != NULL)

static gchar *test_dir = NULL;
static VmdsStore *store = NULL;

static void
test_datasets_setup(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;

	test_dir = g_dir_make_tmp("vmds-test-datasets-XXXXXX", &error);
	ck_assert_ptr_nonnull(test_dir);
	path = g_build_filename(test_dir, "vm-1", "vm-1.dsd", NULL);
	store = vmds_datasets_open_store(path, &error);
	ck_assert_msg(store != NULL, "%s", error->message);
}

static void
test_datasets_teardown(void)
{
	g_clear_object(&store);
	vmds_test_rm_rf(test_dir);
	g_clear_pointer(&test_dir, g_free);
}

static void
test_datasets_create(const gchar *name, VmdsAccess host, VmdsAccess guest)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsDataset) dataset = vmds_dataset_new();
	gboolean ok;

	dataset->name = g_strdup(name);
	g_free(dataset->description);
	dataset->description = g_strdup_printf("about %s", name);
	dataset->host = host;
	dataset->guest = guest;
	ok = vmds_datasets_create(store, dataset, &error);
	assert_ok_error(ok, error);
	ck_assert_msg(ok, "%s", error->message);
}

static void
test_datasets_set_access(const gchar *name, VmdsAccess host, VmdsAccess guest)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsDataset) values = vmds_dataset_new();

	values->host = host;
	values->guest = guest;
	ck_assert_msg(
	    vmds_datasets_update(
		store, name, values, VMDS_DATASET_FIELD_HOST | VMDS_DATASET_FIELD_GUEST, &error),
	    "%s",
	    error->message);
}

static GPtrArray *
test_datasets_entries_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);
}

static void
test_datasets_entries_add(
    GPtrArray *entries, const gchar *key, const gchar *value, gsize len, gboolean append)
{
	g_ptr_array_add(entries, vmds_entry_new(key, value, len, append));
}

static GPtrArray *test_datasets_keys_new(const gchar *first, ...) G_GNUC_NULL_TERMINATED;

static GPtrArray *
test_datasets_keys_new(const gchar *first, ...)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
	va_list args;

	va_start(args, first);
	for (const gchar *key = first; key != NULL; key = va_arg(args, const gchar *))
		g_ptr_array_add(keys, g_strdup(key));
	va_end(args);
	return keys;
}

/* sets one entry from the given side */
static gboolean
test_datasets_set1(VmdsSide side,
		   const gchar *dataset,
		   const gchar *key,
		   const gchar *value,
		   gsize len,
		   gboolean append,
		   GError **error)
{
	g_autoptr(GPtrArray) entries = test_datasets_entries_new();
	gboolean ok;

	test_datasets_entries_add(entries, key, value, len, append);
	ok = vmds_datasets_set_entries(store, NULL, side, dataset, entries, error);
	assert_ok_error(ok, *error);
	return ok;
}

static void
test_datasets_set_ok(const gchar *dataset, const gchar *key, const gchar *value)
{
	g_autoptr(GError) error = NULL;

	ck_assert_msg(
	    test_datasets_set1(VMDS_SIDE_HOST, dataset, key, value, strlen(value), FALSE, &error),
	    "%s",
	    error->message);
}

/* the value of @key read by the host, or NULL when there is no such key */
static gchar *
test_datasets_get_value(const gchar *dataset, const gchar *key, gsize *len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = test_datasets_keys_new(key, NULL);
	g_autoptr(GPtrArray) entries = NULL;
	VmdsEntry *entry;
	guint next = 0;

	entries =
	    vmds_datasets_get_entries(store, VMDS_SIDE_HOST, dataset, keys, 0, 0, &next, &error);
	assert_ret_error(entries, error);
	if (entries == NULL) {
		assert_error(error, VMDS_ERROR_KEY_NOT_FOUND);
		return NULL;
	}
	ck_assert_uint_eq(entries->len, 1);
	ck_assert_uint_eq(next, 1);
	entry = g_ptr_array_index(entries, 0);
	ck_assert_str_eq(entry->key, key);
	if (len != NULL)
		*len = entry->value_len;
	return g_strdup(entry->value);
}

static gint64
test_datasets_vm_used(void)
{
	g_autoptr(GError) error = NULL;
	gint64 used = vmds_datasets_vm_used(store, &error);

	ck_assert_msg(used >= 0, "%s", error->message);
	ck_assert_ptr_null(error);
	return used;
}

/* all keys of @dataset, joined by commas, read by the host */
static gchar *
test_datasets_all_keys(const gchar *dataset)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	gboolean more = TRUE;

	keys = vmds_datasets_list_keys(store, VMDS_SIDE_HOST, dataset, NULL, 0, &more, &error);
	assert_ret_error(keys, error);
	ck_assert_msg(keys != NULL, "%s", error->message);
	ck_assert(!more);
	g_ptr_array_add(keys, NULL);
	return g_strjoinv(",", (gchar **)keys->pdata);
}

/* data sets: create, list, get, update, delete */

START_TEST(test_datasets_create_list_get)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(VmdsDataset) dataset = NULL;
	const gchar *expected[] = {"B", "a", "b", "\xc3\xa9"};

	test_datasets_create("b", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY);
	test_datasets_create("\xc3\xa9", VMDS_ACCESS_NONE, VMDS_ACCESS_NONE);
	test_datasets_create("a", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_create("B", VMDS_ACCESS_READ_ONLY, VMDS_ACCESS_NONE);

	/* byte order: upper case before lower case before UTF-8 */
	list = vmds_datasets_list(store, &error);
	assert_ret_error(list, error);
	ck_assert_uint_eq(list->len, G_N_ELEMENTS(expected));
	for (guint i = 0; i < list->len; i++) {
		VmdsDataset *ds = g_ptr_array_index(list, i);
		ck_assert_str_eq(ds->name, expected[i]);
	}

	dataset = vmds_datasets_get(store, "b", &error);
	assert_ret_error(dataset, error);
	ck_assert_str_eq(dataset->name, "b");
	ck_assert_str_eq(dataset->description, "about b");
	ck_assert_int_eq(dataset->host, VMDS_ACCESS_READ_WRITE);
	ck_assert_int_eq(dataset->guest, VMDS_ACCESS_READ_ONLY);
	ck_assert(!dataset->omit_from_snapshot_and_clone);
	ck_assert_int_eq(dataset->used, 0);
}
END_TEST

START_TEST(test_datasets_create_empty_list)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = vmds_datasets_list(store, &error);

	assert_ret_error(list, error);
	ck_assert_uint_eq(list->len, 0);
	ck_assert_int_eq(test_datasets_vm_used(), 0);
}
END_TEST

START_TEST(test_datasets_create_duplicate)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsDataset) dataset = vmds_dataset_new();
	g_autoptr(VmdsDataset) got = NULL;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	dataset->name = g_strdup("ds");
	g_free(dataset->description);
	dataset->description = g_strdup("second");
	ck_assert(!vmds_datasets_create(store, dataset, &error));
	assert_error(error, VMDS_ERROR_ALREADY_EXISTS);
	ck_assert_str_eq(error->message, "data set 'ds' already exists");

	/* the first one is untouched */
	g_clear_error(&error);
	got = vmds_datasets_get(store, "ds", &error);
	assert_ret_error(got, error);
	ck_assert_str_eq(got->description, "about ds");
	ck_assert_int_eq(got->host, VMDS_ACCESS_READ_WRITE);
}
END_TEST

/*
 * A commit that fails fails the call: the WAL may not grow (RLIMIT_FSIZE at
 * its size), so neither a create nor an update can commit, and nothing
 * changed. Outside a transaction SQLite commits as the statement finishes,
 * after the row RETURNING gives.
 */
START_TEST(test_datasets_commit_fails)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) error_update = NULL;
	g_autoptr(VmdsDataset) dataset = vmds_dataset_new();
	g_autoptr(VmdsDataset) values = vmds_dataset_new();
	g_autoptr(VmdsDataset) got = NULL;
	g_autofree gchar *wal = g_build_filename(test_dir, "vm-1", "vm-1.dsd-wal", NULL);
	struct rlimit saved = {0};
	struct rlimit tight = {0};
	GStatBuf st;
	void (*handler)(int);
	gboolean created;
	gboolean updated;

	test_datasets_create("a", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	ck_assert_int_eq(g_stat(wal, &st), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
	tight = saved;
	tight.rlim_cur = (rlim_t)st.st_size;
	dataset->name = g_strdup("b");
	values->host = VMDS_ACCESS_NONE;
	handler = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &tight), 0);
	created = vmds_datasets_create(store, dataset, &error);
	updated = vmds_datasets_update(store, "a", values, VMDS_DATASET_FIELD_HOST, &error_update);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, handler);

	assert_ok_error(created, error);
	ck_assert(!created);
	assert_error(error, VMDS_ERROR_STORAGE);
	assert_ok_error(updated, error_update);
	ck_assert(!updated);
	assert_error(error_update, VMDS_ERROR_STORAGE);
	g_clear_error(&error);
	got = vmds_datasets_get(store, "b", &error);
	ck_assert_ptr_null(got);
	assert_error(error, VMDS_ERROR_DATASET_NOT_FOUND);
	g_clear_error(&error);
	got = vmds_datasets_get(store, "a", &error);
	assert_ret_error(got, error);
	ck_assert_int_eq(got->host, VMDS_ACCESS_READ_WRITE);
}
END_TEST

START_TEST(test_datasets_name_limits)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsDataset) dataset = vmds_dataset_new();
	g_autofree gchar *name255 = g_strnfill(255, 'n');
	g_autofree gchar *name256 = g_strnfill(256, 'n');
	const gchar *bad[] = {"", "\xff", "a\xc3", name256};

	test_datasets_create(name255, VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	ck_assert(vmds_datasets_check_name(name255, &error));
	ck_assert(!vmds_datasets_check_name(NULL, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(VmdsDataset) got = NULL;

		g_free(dataset->name);
		dataset->name = g_strdup(bad[i]);
		ck_assert(!vmds_datasets_create(store, dataset, &error));
		assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);

		got = vmds_datasets_get(store, bad[i], &error);
		assert_ret_error(got, error);
		assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
	}
}
END_TEST

START_TEST(test_datasets_description_limits)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsDataset) dataset = vmds_dataset_new();
	g_autoptr(VmdsDataset) got = NULL;
	g_autofree gchar *d1024 = g_strnfill(1024, 'd');
	g_autofree gchar *d1025 = g_strnfill(1025, 'd');

	dataset->name = g_strdup("ok");
	g_free(dataset->description);
	dataset->description = g_strdup(d1024);
	ck_assert_msg(vmds_datasets_create(store, dataset, &error), "%s", error->message);

	g_free(dataset->name);
	dataset->name = g_strdup("too-long");
	g_free(dataset->description);
	dataset->description = g_strdup(d1025);
	ck_assert(!vmds_datasets_create(store, dataset, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	/* nor can an update exceed it; the old description stays */
	ck_assert(
	    !vmds_datasets_update(store, "ok", dataset, VMDS_DATASET_FIELD_DESCRIPTION, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	got = vmds_datasets_get(store, "ok", &error);
	assert_ret_error(got, error);
	ck_assert_str_eq(got->description, d1024);

	g_clear_pointer(&got, vmds_dataset_free);
	got = vmds_datasets_get(store, "too-long", &error);
	assert_ret_error(got, error);
	assert_error(error, VMDS_ERROR_DATASET_NOT_FOUND);
}
END_TEST

START_TEST(test_datasets_update)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsDataset) values = vmds_dataset_new();
	g_autoptr(VmdsDataset) got = NULL;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY);

	/* only the flagged members change */
	g_free(values->description);
	values->description = g_strdup("ignored");
	values->host = VMDS_ACCESS_NONE;
	values->guest = VMDS_ACCESS_READ_WRITE;
	values->omit_from_snapshot_and_clone = TRUE;
	ck_assert(vmds_datasets_update(
	    store, "ds", values, VMDS_DATASET_FIELD_GUEST | VMDS_DATASET_FIELD_OMIT, &error));
	got = vmds_datasets_get(store, "ds", &error);
	assert_ret_error(got, error);
	ck_assert_str_eq(got->description, "about ds");
	ck_assert_int_eq(got->host, VMDS_ACCESS_READ_WRITE);
	ck_assert_int_eq(got->guest, VMDS_ACCESS_READ_WRITE);
	ck_assert(got->omit_from_snapshot_and_clone);
	g_clear_pointer(&got, vmds_dataset_free);

	ck_assert(vmds_datasets_update(
	    store, "ds", values, VMDS_DATASET_FIELD_DESCRIPTION | VMDS_DATASET_FIELD_HOST, &error));
	got = vmds_datasets_get(store, "ds", &error);
	assert_ret_error(got, error);
	ck_assert_str_eq(got->description, "ignored");
	ck_assert_int_eq(got->host, VMDS_ACCESS_NONE);
	g_clear_pointer(&got, vmds_dataset_free);

	/* nothing flagged: a no-op that still needs the data set */
	ck_assert(vmds_datasets_update(store, "ds", values, 0, &error));
	ck_assert(!vmds_datasets_update(store, "nope", values, VMDS_DATASET_FIELD_HOST, &error));
	assert_error(error, VMDS_ERROR_DATASET_NOT_FOUND);
	ck_assert_str_eq(error->message, "no data set 'nope'");
	g_clear_error(&error);

	/* an access mode out of range */
	values->host = (VmdsAccess)3;
	ck_assert(!vmds_datasets_update(store, "ds", values, VMDS_DATASET_FIELD_HOST, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_datasets_get_missing)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsDataset) got = vmds_datasets_get(store, "x", &error);

	assert_ret_error(got, error);
	assert_error(error, VMDS_ERROR_DATASET_NOT_FOUND);
	ck_assert_str_eq(error->message, "no data set 'x'");
}
END_TEST

START_TEST(test_datasets_delete)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsDataset) got = NULL;
	g_autofree gchar *keys = NULL;
	g_autofree gchar *value = NULL;

	test_datasets_create("empty", VMDS_ACCESS_NONE, VMDS_ACCESS_NONE);
	test_datasets_create("full", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_NONE);
	test_datasets_set_ok("full", "k1", "v1");
	test_datasets_set_ok("full", "k2", "v2");

	/* an empty data set goes without force, whatever its access modes */
	ck_assert(vmds_datasets_delete(store, "empty", FALSE, &error));
	got = vmds_datasets_get(store, "empty", &error);
	assert_ret_error(got, error);
	assert_error(error, VMDS_ERROR_DATASET_NOT_FOUND);
	g_clear_error(&error);

	/* a full one needs force; without it nothing changes */
	ck_assert(!vmds_datasets_delete(store, "full", FALSE, &error));
	assert_error(error, VMDS_ERROR_RESOURCE_IN_USE);
	ck_assert_str_eq(error->message, "data set 'full' is not empty");
	g_clear_error(&error);
	keys = test_datasets_all_keys("full");
	ck_assert_str_eq(keys, "k1,k2");
	ck_assert_int_eq(test_datasets_vm_used(), 8);

	ck_assert(vmds_datasets_delete(store, "full", TRUE, &error));
	ck_assert_ptr_null(error);
	ck_assert_int_eq(test_datasets_vm_used(), 0);

	/* its entries went with it: the same name comes back empty */
	test_datasets_create("full", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_NONE);
	value = test_datasets_get_value("full", "k1", NULL);
	ck_assert_ptr_null(value);

	ck_assert(!vmds_datasets_delete(store, "nope", TRUE, &error));
	assert_error(error, VMDS_ERROR_DATASET_NOT_FOUND);
	g_clear_error(&error);
	ck_assert(!vmds_datasets_delete(store, "", TRUE, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_datasets_used)
{
	g_autoptr(VmdsDataset) got = NULL;
	g_autoptr(GError) error = NULL;

	test_datasets_create("a", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_NONE);
	test_datasets_create("b", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_NONE);
	test_datasets_set_ok("a", "abc", "12345");
	/* bytes, not characters: "é" is 2 bytes, "€" 3 */
	test_datasets_set_ok("b", "\xc3\xa9", "\xe2\x82\xac");
	got = vmds_datasets_get(store, "a", &error);
	ck_assert_int_eq(got->used, 8);
	g_clear_pointer(&got, vmds_dataset_free);
	got = vmds_datasets_get(store, "b", &error);
	ck_assert_int_eq(got->used, 5);
	ck_assert_int_eq(test_datasets_vm_used(), 13);

	/* replacing counts the new value only */
	test_datasets_set_ok("a", "abc", "1");
	ck_assert_int_eq(test_datasets_vm_used(), 9);
}
END_TEST

START_TEST(test_datasets_access_strings)
{
	g_autoptr(GError) error = NULL;
	VmdsAccess access = VMDS_ACCESS_NONE;

	ck_assert_str_eq(vmds_access_to_string(VMDS_ACCESS_NONE), "NONE");
	ck_assert_str_eq(vmds_access_to_string(VMDS_ACCESS_READ_ONLY), "READ_ONLY");
	ck_assert_str_eq(vmds_access_to_string(VMDS_ACCESS_READ_WRITE), "READ_WRITE");
	ck_assert(vmds_access_from_string("READ_ONLY", &access, &error));
	ck_assert_int_eq(access, VMDS_ACCESS_READ_ONLY);
	ck_assert(vmds_access_from_string("READ_WRITE", &access, &error));
	ck_assert_int_eq(access, VMDS_ACCESS_READ_WRITE);
	ck_assert(vmds_access_from_string("NONE", &access, &error));
	ck_assert_int_eq(access, VMDS_ACCESS_NONE);
	ck_assert(!vmds_access_from_string("read_only", &access, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
}
END_TEST

/* access: side x mode x operation, one loop iteration each */

enum { TEST_OP_LIST_KEYS, TEST_OP_GET, TEST_OP_SET, TEST_OP_DELETE, TEST_OP_LAST };

START_TEST(test_datasets_access_matrix)
{
	g_autoptr(GError) error = NULL;
	VmdsSide side = _i / (3 * TEST_OP_LAST) == 0 ? VMDS_SIDE_GUEST : VMDS_SIDE_HOST;
	VmdsAccess mode = (VmdsAccess)((_i / TEST_OP_LAST) % 3);
	/* the other side gets the opposite, so a mix-up shows */
	VmdsAccess other =
	    mode == VMDS_ACCESS_READ_WRITE ? VMDS_ACCESS_NONE : VMDS_ACCESS_READ_WRITE;
	gint op = _i % TEST_OP_LAST;
	gboolean allowed = op == TEST_OP_LIST_KEYS || op == TEST_OP_GET
			       ? mode != VMDS_ACCESS_NONE
			       : mode == VMDS_ACCESS_READ_WRITE;
	gboolean ok = FALSE;
	g_autofree gchar *value = NULL;
	g_autofree gchar *keys_after = NULL;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("ds", "k", "v");
	if (side == VMDS_SIDE_GUEST)
		test_datasets_set_access("ds", other, mode);
	else
		test_datasets_set_access("ds", mode, other);

	if (op == TEST_OP_LIST_KEYS) {
		gboolean more = TRUE;
		g_autoptr(GPtrArray) keys =
		    vmds_datasets_list_keys(store, side, "ds", NULL, 0, &more, &error);
		assert_ret_error(keys, error);
		ok = keys != NULL;
		if (ok) {
			ck_assert_uint_eq(keys->len, 1);
			ck_assert_str_eq(g_ptr_array_index(keys, 0), "k");
		}
	} else if (op == TEST_OP_GET) {
		g_autoptr(GPtrArray) keys = test_datasets_keys_new("k", NULL);
		g_autoptr(GPtrArray) entries = NULL;
		guint next = 0;

		entries = vmds_datasets_get_entries(store, side, "ds", keys, 0, 0, &next, &error);
		assert_ret_error(entries, error);
		ok = entries != NULL;
		if (ok) {
			VmdsEntry *entry = g_ptr_array_index(entries, 0);
			ck_assert_uint_eq(entries->len, 1);
			ck_assert_str_eq(entry->value, "v");
		}
	} else if (op == TEST_OP_SET) {
		ok = test_datasets_set1(side, "ds", "k", "new", 3, FALSE, &error);
	} else {
		g_autoptr(GPtrArray) keys = test_datasets_keys_new("k", NULL);
		ok = vmds_datasets_delete_entries(store, side, "ds", keys, &error);
		assert_ok_error(ok, error);
	}

	ck_assert_msg(ok == allowed,
		      "side %d mode %d op %d: expected %s, got %s",
		      side,
		      mode,
		      op,
		      allowed ? "allowed" : "denied",
		      error != NULL ? error->message : "allowed");
	if (!allowed) {
		assert_error(error, VMDS_ERROR_ACCESS_DENIED);
		ck_assert_ptr_nonnull(strstr(error->message, "'ds'"));
		ck_assert_ptr_nonnull(
		    strstr(error->message, side == VMDS_SIDE_GUEST ? "guest" : "host"));
	}

	/* the data afterwards, as a READ_WRITE host sees it */
	test_datasets_set_access("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	keys_after = test_datasets_all_keys("ds");
	value = test_datasets_get_value("ds", "k", NULL);
	if (allowed && op == TEST_OP_DELETE) {
		ck_assert_str_eq(keys_after, "");
		ck_assert_ptr_null(value);
	} else if (allowed && op == TEST_OP_SET) {
		ck_assert_str_eq(value, "new");
	} else {
		ck_assert_str_eq(keys_after, "k");
		ck_assert_str_eq(value, "v");
	}
}
END_TEST

START_TEST(test_datasets_access_order)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = test_datasets_keys_new("missing", NULL);
	g_autoptr(GPtrArray) entries = NULL;
	g_autoptr(GPtrArray) list = NULL;
	gboolean more = FALSE;
	guint next = 0;

	/* existence comes before access */
	list = vmds_datasets_list_keys(store, VMDS_SIDE_GUEST, "nope", NULL, 0, &more, &error);
	assert_ret_error(list, error);
	assert_error(error, VMDS_ERROR_DATASET_NOT_FOUND);
	ck_assert_str_eq(error->message, "no data set 'nope'");
	g_clear_error(&error);

	/* access comes before the keys: a denied caller learns nothing about them */
	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_NONE);
	entries =
	    vmds_datasets_get_entries(store, VMDS_SIDE_GUEST, "ds", keys, 0, 0, &next, &error);
	assert_ret_error(entries, error);
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
	g_clear_error(&error);
	test_datasets_set_access("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY);
	ck_assert(!vmds_datasets_delete_entries(store, VMDS_SIDE_GUEST, "ds", keys, &error));
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
	g_clear_error(&error);
	entries =
	    vmds_datasets_get_entries(store, VMDS_SIDE_GUEST, "ds", keys, 0, 0, &next, &error);
	assert_ret_error(entries, error);
	assert_error(error, VMDS_ERROR_KEY_NOT_FOUND);
	ck_assert_str_eq(error->message, "no key 'missing' in data set 'ds'");
}
END_TEST

/* limits */

START_TEST(test_datasets_key_limits)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *key4096 = g_strnfill(4096, 'k');
	g_autofree gchar *key4097 = g_strnfill(4097, 'k');
	g_autofree gchar *value = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	guint next = 0;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "ds", key4096, "v", 1, FALSE, &error));
	value = test_datasets_get_value("ds", key4096, NULL);
	ck_assert_str_eq(value, "v");
	ck_assert_int_eq(test_datasets_vm_used(), 4097);

	ck_assert(!test_datasets_set1(VMDS_SIDE_GUEST, "ds", key4097, "v", 1, FALSE, &error));
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	ck_assert_str_eq(error->message, "key of 4097 bytes is longer than 4096 bytes");
	g_clear_error(&error);
	ck_assert(vmds_datasets_check_key(key4096, &error));
	ck_assert(!vmds_datasets_check_key(key4097, &error));
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	g_clear_error(&error);

	/* reads and deletes check keys the same way */
	keys = test_datasets_keys_new(key4097, NULL);
	entries = vmds_datasets_get_entries(store, VMDS_SIDE_HOST, "ds", keys, 0, 0, &next, &error);
	assert_ret_error(entries, error);
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	g_clear_error(&error);
	ck_assert(!vmds_datasets_delete_entries(store, VMDS_SIDE_HOST, "ds", keys, &error));
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	g_clear_error(&error);

	/* empty and invalid UTF-8 keys are bad arguments */
	ck_assert(!test_datasets_set1(VMDS_SIDE_GUEST, "ds", "", "v", 1, FALSE, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	ck_assert(!test_datasets_set1(VMDS_SIDE_GUEST, "ds", "a\xfe", "v", 1, FALSE, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	ck_assert_int_eq(test_datasets_vm_used(), 4097);
}
END_TEST

START_TEST(test_datasets_value_limits)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *big = g_strnfill(VMDS_DATASETS_MAX_VALUE + 1, 'v');
	g_autofree gchar *value = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	gsize len = 0;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);

	/* exactly 1,048,576 bytes fit, one more does not */
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "ds", "max", big, 1048576, FALSE, &error));
	value = test_datasets_get_value("ds", "max", &len);
	ck_assert_uint_eq(len, 1048576);
	g_clear_pointer(&value, g_free);
	ck_assert(!test_datasets_set1(VMDS_SIDE_GUEST, "ds", "over", big, 1048577, FALSE, &error));
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	g_clear_error(&error);
	value = test_datasets_get_value("ds", "over", NULL);
	ck_assert_ptr_null(value);

	/* one byte appended to the full value fails and keeps the old */
	ck_assert(!test_datasets_set1(VMDS_SIDE_GUEST, "ds", "max", "x", 1, TRUE, &error));
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	g_clear_error(&error);
	value = test_datasets_get_value("ds", "max", &len);
	ck_assert_uint_eq(len, 1048576);
	g_clear_pointer(&value, g_free);

	/* built by appends of 64 KiB: 16 fit, one more byte does not */
	for (guint i = 0; i < 16; i++) {
		ck_assert_msg(
		    test_datasets_set1(VMDS_SIDE_GUEST, "ds", "chunks", big, 65536, TRUE, &error),
		    "%s",
		    error->message);
	}
	value = test_datasets_get_value("ds", "chunks", &len);
	ck_assert_uint_eq(len, 1048576);
	g_clear_pointer(&value, g_free);
	ck_assert(!test_datasets_set1(VMDS_SIDE_GUEST, "ds", "chunks", "x", 1, TRUE, &error));
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	g_clear_error(&error);
	value = test_datasets_get_value("ds", "chunks", &len);
	ck_assert_uint_eq(len, 1048576);
	g_clear_pointer(&value, g_free);

	/* within one call: a set to the limit then an append of one byte */
	entries = test_datasets_entries_new();
	test_datasets_entries_add(entries, "one-call", big, 1048576, FALSE);
	test_datasets_entries_add(entries, "one-call", "x", 1, TRUE);
	ck_assert(!vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", entries, &error));
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	g_clear_error(&error);
	value = test_datasets_get_value("ds", "one-call", NULL);
	ck_assert_ptr_null(value);
	g_clear_pointer(&entries, g_ptr_array_unref);

	/* the limit is on the final value: too large on the way is fine */
	entries = test_datasets_entries_new();
	test_datasets_entries_add(entries, "final", big, 1048577, TRUE);
	test_datasets_entries_add(entries, "final", "small", 5, FALSE);
	ck_assert_msg(
	    vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", entries, &error),
	    "%s",
	    error->message);
	value = test_datasets_get_value("ds", "final", NULL);
	ck_assert_str_eq(value, "small");
	g_clear_pointer(&value, g_free);
	g_clear_pointer(&entries, g_ptr_array_unref);

	/* of several keys too large, the error names the first to appear, with
	 * its final size */
	entries = test_datasets_entries_new();
	test_datasets_entries_add(entries, "first", "x", 1, FALSE);
	test_datasets_entries_add(entries, "second", big, 1048577, FALSE);
	test_datasets_entries_add(entries, "first", big, 1048576, TRUE);
	ck_assert(!vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", entries, &error));
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	ck_assert_str_eq(error->message,
			 "value of key 'first' in data set 'ds' would be 1048577 bytes, longer "
			 "than 1048576 bytes");
	ck_assert_ptr_null(test_datasets_get_value("ds", "first", NULL));
	ck_assert_ptr_null(test_datasets_get_value("ds", "second", NULL));
}
END_TEST

START_TEST(test_datasets_quota)
{
	g_autoptr(GError) error = NULL;
	/* key (3 bytes) + value = 1 MiB per entry, 100 entries = the quota */
	g_autofree gchar *value = g_strnfill(1048573, 'q');
	g_autofree gchar *got = NULL;
	g_autoptr(VmdsDataset) ds = NULL;

	test_datasets_create("q1", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_create("q2", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	for (guint call = 0; call < 10; call++) {
		g_autoptr(GPtrArray) entries = test_datasets_entries_new();

		for (guint i = 0; i < 10; i++) {
			g_autofree gchar *key = g_strdup_printf("k%02u", call * 10 + i);
			test_datasets_entries_add(entries, key, value, 1048573, FALSE);
		}
		ck_assert_msg(
		    vmds_datasets_set_entries(
			store, NULL, VMDS_SIDE_GUEST, call < 5 ? "q1" : "q2", entries, &error),
		    "call %u: %s",
		    call,
		    error->message);
	}
	ck_assert_int_eq(test_datasets_vm_used(), 104857600);
	ds = vmds_datasets_get(store, "q1", &error);
	ck_assert_int_eq(ds->used, 50 * 1048576);

	/* one byte more, in either data set, is over */
	ck_assert(!test_datasets_set1(VMDS_SIDE_GUEST, "q1", "z", "", 0, FALSE, &error));
	assert_error(error, VMDS_ERROR_QUOTA_EXCEEDED);
	g_clear_error(&error);
	ck_assert(!test_datasets_set1(VMDS_SIDE_HOST, "q2", "k99", "q", 1, TRUE, &error));
	assert_error(error, VMDS_ERROR_QUOTA_EXCEEDED);
	g_clear_error(&error);
	ck_assert_int_eq(test_datasets_vm_used(), 104857600);
	got = test_datasets_get_value("q1", "z", NULL);
	ck_assert_ptr_null(got);

	/* shrinking one value by a byte makes room for a one-byte key */
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "q1", "k00", value, 1048572, FALSE, &error));
	ck_assert_int_eq(test_datasets_vm_used(), 104857599);
	ck_assert_msg(test_datasets_set1(VMDS_SIDE_GUEST, "q2", "z", "", 0, FALSE, &error),
		      "%s",
		      error->message);
	ck_assert_int_eq(test_datasets_vm_used(), 104857600);
}
END_TEST

/* all or nothing */

START_TEST(test_datasets_atomic_set)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *big = g_strnfill(VMDS_DATASETS_MAX_VALUE + 1, 'b');
	g_autofree gchar *key4097 = g_strnfill(4097, 'k');
	g_autofree gchar *value = NULL;
	g_autoptr(GPtrArray) entries = NULL;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("ds", "old", "before");

	/* the second entry fails validation: the first is not applied */
	entries = test_datasets_entries_new();
	test_datasets_entries_add(entries, "old", "after", 5, FALSE);
	test_datasets_entries_add(entries, "first", "1", 1, FALSE);
	test_datasets_entries_add(entries, key4097, "2", 1, FALSE);
	ck_assert(!vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", entries, &error));
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	g_clear_error(&error);
	g_clear_pointer(&entries, g_ptr_array_unref);

	/* the second entry fails inside the transaction: rolled back */
	entries = test_datasets_entries_new();
	test_datasets_entries_add(entries, "old", "after", 5, FALSE);
	test_datasets_entries_add(entries, "first", "1", 1, FALSE);
	test_datasets_entries_add(entries, "second", big, VMDS_DATASETS_MAX_VALUE + 1, FALSE);
	ck_assert(!vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", entries, &error));
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	g_clear_error(&error);
	g_clear_pointer(&entries, g_ptr_array_unref);

	value = test_datasets_get_value("ds", "old", NULL);
	ck_assert_str_eq(value, "before");
	g_clear_pointer(&value, g_free);
	value = test_datasets_get_value("ds", "first", NULL);
	ck_assert_ptr_null(value);
	ck_assert_int_eq(test_datasets_vm_used(), 9);

	/* no entries at all, or no such data set */
	entries = test_datasets_entries_new();
	ck_assert(!vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", entries, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	test_datasets_entries_add(entries, "k", "v", 1, FALSE);
	ck_assert(
	    !vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "nope", entries, &error));
	assert_error(error, VMDS_ERROR_DATASET_NOT_FOUND);
	ck_assert_str_eq(error->message, "no data set 'nope'");
}
END_TEST

START_TEST(test_datasets_atomic_delete)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autofree gchar *all = NULL;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("ds", "a", "1");
	test_datasets_set_ok("ds", "b", "2");
	test_datasets_set_ok("ds", "c", "3");

	/* one missing key: nothing deleted, the first missing one named (a
	 * key named twice is not missing the second time) */
	keys = test_datasets_keys_new("a", "a", "x", "b", "y", NULL);
	ck_assert(!vmds_datasets_delete_entries(store, VMDS_SIDE_GUEST, "ds", keys, &error));
	assert_error(error, VMDS_ERROR_KEY_NOT_FOUND);
	ck_assert_str_eq(error->message, "no key 'x' in data set 'ds'");
	g_clear_error(&error);
	all = test_datasets_all_keys("ds");
	ck_assert_str_eq(all, "a,b,c");
	g_clear_pointer(&all, g_free);
	g_clear_pointer(&keys, g_ptr_array_unref);

	keys = test_datasets_keys_new("c", "a", "c", "c", NULL);
	ck_assert(vmds_datasets_delete_entries(store, VMDS_SIDE_GUEST, "ds", keys, &error));
	ck_assert_ptr_null(error);
	all = test_datasets_all_keys("ds");
	ck_assert_str_eq(all, "b");
	ck_assert_int_eq(test_datasets_vm_used(), 2);
	g_clear_pointer(&keys, g_ptr_array_unref);

	keys = g_ptr_array_new_with_free_func(g_free);
	ck_assert(!vmds_datasets_delete_entries(store, VMDS_SIDE_GUEST, "ds", keys, &error));
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
}
END_TEST

/* append */

START_TEST(test_datasets_append)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	g_autofree gchar *value = NULL;
	gsize len = 0;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);

	/* append creates an absent entry */
	ck_assert(
	    test_datasets_set1(VMDS_SIDE_GUEST, "ds", "new", "new value 3", 11, TRUE, &error));
	ck_assert(test_datasets_set1(
	    VMDS_SIDE_GUEST, "ds", "new", ". We added more data", 20, TRUE, &error));
	value = test_datasets_get_value("ds", "new", NULL);
	ck_assert_str_eq(value, "new value 3. We added more data");
	g_clear_pointer(&value, g_free);

	/* in order within one call */
	entries = test_datasets_entries_new();
	test_datasets_entries_add(entries, "seq", "a", 1, FALSE);
	test_datasets_entries_add(entries, "seq", "b", 1, TRUE);
	test_datasets_entries_add(entries, "other", "o", 1, FALSE);
	test_datasets_entries_add(entries, "seq", "c", 1, TRUE);
	test_datasets_entries_add(entries, "last", "x", 1, TRUE);
	test_datasets_entries_add(entries, "last", "y", 1, FALSE);
	ck_assert(vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", entries, &error));
	value = test_datasets_get_value("ds", "seq", NULL);
	ck_assert_str_eq(value, "abc");
	g_clear_pointer(&value, g_free);
	value = test_datasets_get_value("ds", "last", NULL);
	ck_assert_str_eq(value, "y");
	g_clear_pointer(&value, g_free);

	/* empty values are values; bytes pass untouched, NUL included */
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "ds", "empty", "", 0, TRUE, &error));
	value = test_datasets_get_value("ds", "empty", &len);
	ck_assert_str_eq(value, "");
	ck_assert_uint_eq(len, 0);
	g_clear_pointer(&value, g_free);
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "ds", "nul", "a\0b", 3, FALSE, &error));
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "ds", "nul", "\0\xc3\xa9", 3, TRUE, &error));
	{
		g_autoptr(GPtrArray) keys = test_datasets_keys_new("nul", NULL);
		g_autoptr(GPtrArray) got = NULL;
		VmdsEntry *entry;
		guint next = 0;

		got = vmds_datasets_get_entries(
		    store, VMDS_SIDE_GUEST, "ds", keys, 0, 0, &next, &error);
		assert_ret_error(got, error);
		entry = g_ptr_array_index(got, 0);
		ck_assert_uint_eq(entry->value_len, 6);
		ck_assert_mem_eq(entry->value, "a\0b\0\xc3\xa9", 7);
	}
	/* key bytes 3 + 3 + 5 + 4 + 5 + 3, values 31 + 3 + 1 + 1 + 0 + 6 */
	ck_assert_int_eq(test_datasets_vm_used(), 23 + 42);
}
END_TEST

/* paging */

START_TEST(test_datasets_list_keys_order)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autofree gchar *all = NULL;
	gboolean more = TRUE;
	const gchar *input[] = {"b", "a", "\xc3\xa9", "B", "aa", "Z", "a b"};

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	all = test_datasets_all_keys("ds");
	ck_assert_str_eq(all, "");
	g_clear_pointer(&all, g_free);
	for (guint i = 0; i < G_N_ELEMENTS(input); i++)
		test_datasets_set_ok("ds", input[i], "v");
	all = test_datasets_all_keys("ds");
	ck_assert_str_eq(all, "B,Z,a,a b,aa,b,\xc3\xa9");

	/* strictly after, whether or not @after exists */
	keys = vmds_datasets_list_keys(store, VMDS_SIDE_GUEST, "ds", "a", 0, &more, &error);
	assert_ret_error(keys, error);
	ck_assert_uint_eq(keys->len, 4);
	ck_assert_str_eq(g_ptr_array_index(keys, 0), "a b");
	ck_assert(!more);
	g_clear_pointer(&keys, g_ptr_array_unref);
	keys = vmds_datasets_list_keys(store, VMDS_SIDE_GUEST, "ds", "a0", 0, &more, &error);
	assert_ret_error(keys, error);
	ck_assert_uint_eq(keys->len, 3);
	ck_assert_str_eq(g_ptr_array_index(keys, 0), "aa");
	g_clear_pointer(&keys, g_ptr_array_unref);
	keys = vmds_datasets_list_keys(store, VMDS_SIDE_GUEST, "ds", "\xc3\xa9", 0, &more, &error);
	assert_ret_error(keys, error);
	ck_assert_uint_eq(keys->len, 0);
	ck_assert(!more);
}
END_TEST

/* pages through 50 keys "key-000".."key-049": each costs 9 + 1 = 10 bytes */
static void
test_datasets_list_keys_pages(gsize max_bytes, guint per_page)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *after = NULL;
	guint seen = 0;
	guint pages = 0;
	gboolean more = TRUE;

	while (more) {
		g_autoptr(GPtrArray) keys = NULL;

		keys = vmds_datasets_list_keys(
		    store, VMDS_SIDE_GUEST, "ds", after, max_bytes, &more, &error);
		assert_ret_error(keys, error);
		ck_assert_uint_ge(keys->len, 1);
		ck_assert_uint_eq(keys->len, MIN(per_page, 50 - seen));
		for (guint i = 0; i < keys->len; i++) {
			g_autofree gchar *expected = g_strdup_printf("key-%03u", seen++);
			ck_assert_str_eq(g_ptr_array_index(keys, i), expected);
		}
		ck_assert_int_eq(more, seen < 50);
		g_free(after);
		after = g_strdup(g_ptr_array_index(keys, keys->len - 1));
		pages++;
		ck_assert_uint_le(pages, 50);
	}
	ck_assert_uint_eq(seen, 50);
	ck_assert_uint_eq(pages, (50 + per_page - 1) / per_page);
}

START_TEST(test_datasets_list_keys_paging)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = test_datasets_entries_new();
	g_autoptr(GPtrArray) keys = NULL;
	gboolean more = FALSE;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY);
	for (guint i = 0; i < 50; i++) {
		g_autofree gchar *key = g_strdup_printf("key-%03u", 49 - i);
		test_datasets_entries_add(entries, key, "v", 1, FALSE);
	}
	ck_assert(vmds_datasets_set_entries(store, NULL, VMDS_SIDE_HOST, "ds", entries, &error));

	test_datasets_list_keys_pages(30, 3); /* exactly 3 x 10 bytes */
	test_datasets_list_keys_pages(29, 2);
	test_datasets_list_keys_pages(5, 1); /* too small for any: still one */
	test_datasets_list_keys_pages(1000, 50);
	test_datasets_list_keys_pages(0, 50); /* no limit */

	/* sizes are JSON sizes: `"a\"b"` is 6 bytes, + 1 */
	test_datasets_create("esc", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY);
	test_datasets_set_ok("esc", "a\"b", "v");
	test_datasets_set_ok("esc", "a\"c", "v");
	keys = vmds_datasets_list_keys(store, VMDS_SIDE_GUEST, "esc", NULL, 14, &more, &error);
	assert_ret_error(keys, error);
	ck_assert_uint_eq(keys->len, 2);
	ck_assert(!more);
	g_clear_pointer(&keys, g_ptr_array_unref);
	keys = vmds_datasets_list_keys(store, VMDS_SIDE_GUEST, "esc", NULL, 13, &more, &error);
	assert_ret_error(keys, error);
	ck_assert_uint_eq(keys->len, 1);
	ck_assert(more);
}
END_TEST

START_TEST(test_datasets_get_entries_paging)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) esc = NULL;
	g_autoptr(GPtrArray) got = NULL;
	const guint budgets[] = {60, 59, 1, 0, 200};
	const guint per_page[] = {3, 2, 1, 11, 10};
	guint next = 0;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY);
	for (guint i = 0; i < 10; i++) {
		g_autofree gchar *key = g_strdup_printf("k%u", i);
		g_autofree gchar *value = g_strdup_printf("%u123456789", i);
		test_datasets_set_ok("ds", key, value);
	}
	/* request order, with a duplicate: k9 k8 ... k0 k5 */
	for (guint i = 0; i < 10; i++)
		g_ptr_array_add(keys, g_strdup_printf("k%u", 9 - i));
	g_ptr_array_add(keys, g_strdup("k5"));

	/* each entry costs 4 (key) + 12 (value) + 4 = 20 bytes */
	for (guint b = 0; b < G_N_ELEMENTS(budgets); b++) {
		guint first = 0;
		guint pages = 0;

		while (first < keys->len) {
			g_autoptr(GPtrArray) entries = vmds_datasets_get_entries(
			    store, VMDS_SIDE_GUEST, "ds", keys, first, budgets[b], &next, &error);
			assert_ret_error(entries, error);
			ck_assert_uint_ge(entries->len, 1);
			ck_assert_uint_eq(entries->len, MIN(per_page[b], keys->len - first));
			for (guint i = 0; i < entries->len; i++) {
				VmdsEntry *entry = g_ptr_array_index(entries, i);
				const gchar *key = g_ptr_array_index(keys, first + i);
				g_autofree gchar *expected = g_strdup_printf("%c123456789", key[1]);
				ck_assert_str_eq(entry->key, key);
				ck_assert_str_eq(entry->value, expected);
			}
			ck_assert_uint_eq(next, first + entries->len);
			first = next;
			ck_assert_uint_le(++pages, keys->len);
		}
		ck_assert_uint_eq(first, keys->len);
		ck_assert_uint_eq(pages, (keys->len + per_page[b] - 1) / per_page[b]);
	}

	/* a missing key fails the whole call, whatever page is asked */
	g_ptr_array_add(keys, g_strdup("zz"));
	g_ptr_array_add(keys, g_strdup("yy"));
	got = vmds_datasets_get_entries(store, VMDS_SIDE_GUEST, "ds", keys, 0, 60, &next, &error);
	assert_ret_error(got, error);
	assert_error(error, VMDS_ERROR_KEY_NOT_FOUND);
	ck_assert_str_eq(error->message, "no key 'zz' in data set 'ds'");
	g_clear_error(&error);

	/* a first index past the end is a bad context, not a crash */
	got = vmds_datasets_get_entries(store, VMDS_SIDE_GUEST, "ds", keys, 99, 0, &next, &error);
	assert_ret_error(got, error);
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	/* JSON sizes: `"q\""` 5 + `"a\nb"` 6 + 4 = 15 each */
	test_datasets_set_ok("ds", "q\"", "a\nb");
	test_datasets_set_ok("ds", "r\"", "a\nb");
	esc = test_datasets_keys_new("q\"", "r\"", NULL);
	got = vmds_datasets_get_entries(store, VMDS_SIDE_GUEST, "ds", esc, 0, 30, &next, &error);
	assert_ret_error(got, error);
	ck_assert_uint_eq(got->len, 2);
	ck_assert_uint_eq(next, 2);
	g_clear_pointer(&got, g_ptr_array_unref);
	got = vmds_datasets_get_entries(store, VMDS_SIDE_GUEST, "ds", esc, 0, 29, &next, &error);
	assert_ret_error(got, error);
	ck_assert_uint_eq(got->len, 1);
	ck_assert_uint_eq(next, 1);
	g_clear_pointer(&got, g_ptr_array_unref);

	/* no keys at all */
	g_ptr_array_set_size(esc, 0);
	got = vmds_datasets_get_entries(store, VMDS_SIDE_GUEST, "ds", esc, 0, 0, &next, &error);
	assert_ret_error(got, error);
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
}
END_TEST

/* contexts */

START_TEST(test_datasets_context_round_trip)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ctx = vmds_datasets_context_new("list-keys\nds", "key-003", 7);
	g_autofree gchar *ctx_bin = vmds_datasets_context_new("r", "a\0b", 3);
	g_autofree gchar *ctx_empty = vmds_datasets_context_new("r", "", 0);
	g_autofree gchar *cursor = NULL;
	gsize len = 0;

	ck_assert_ptr_nonnull(ctx);
	cursor = vmds_datasets_context_parse("list-keys\nds", ctx, &len, &error);
	assert_ret_error(cursor, error);
	ck_assert_str_eq(cursor, "key-003");
	ck_assert_uint_eq(len, 7);
	g_clear_pointer(&cursor, g_free);

	cursor = vmds_datasets_context_parse("r", ctx_bin, &len, &error);
	assert_ret_error(cursor, error);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(cursor, "a\0b", 4);
	g_clear_pointer(&cursor, g_free);

	cursor = vmds_datasets_context_parse("r", ctx_empty, &len, &error);
	assert_ret_error(cursor, error);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(cursor, "");
}
END_TEST

START_TEST(test_datasets_context_other_request)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ctx = vmds_datasets_context_new("list-keys\nds1", "key-003", 7);
	g_autofree gchar *cursor = NULL;

	/* even a prefix or extension of the request does not match */
	const gchar *others[] = {"list-keys\nds2", "list-keys\nds", "list-keys\nds1 ", ""};

	for (guint i = 0; i < G_N_ELEMENTS(others); i++) {
		cursor = vmds_datasets_context_parse(others[i], ctx, NULL, &error);
		assert_ret_error(cursor, error);
		assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
		ck_assert_str_eq(error->message, "invalid or stale context");
		g_clear_error(&error);
	}
}
END_TEST

START_TEST(test_datasets_context_tampered)
{
	g_autoptr(GError) error = NULL;
	/* 7 + 32 bytes: 52 base64 characters, every bit significant */
	g_autofree gchar *ctx = vmds_datasets_context_new("req", "key-003", 7);
	g_autofree gchar *huge = g_strnfill(100000, 'A');
	g_autofree gchar *truncated = g_strndup(ctx, strlen(ctx) - 4);
	const gchar *garbage[] = {"", "!!!!", "abc", "AAAA", "AAAA====", "A=AA", huge, truncated};

	ck_assert_uint_eq(strlen(ctx), 52);
	for (gsize i = 0; i < strlen(ctx); i++) {
		g_autofree gchar *bad = g_strdup(ctx);
		g_autofree gchar *cursor = NULL;

		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		cursor = vmds_datasets_context_parse("req", bad, NULL, &error);
		assert_ret_error(cursor, error);
		assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
	}
	for (guint i = 0; i < G_N_ELEMENTS(garbage); i++) {
		g_autofree gchar *cursor =
		    vmds_datasets_context_parse("req", garbage[i], NULL, &error);
		assert_ret_error(cursor, error);
		assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
	}
}
END_TEST

/* the error the guest gets reading @key of @dataset, or NULL for the entry */
static GError *
test_datasets_guest_get(const gchar *dataset, const gchar *key)
{
	GError *error = NULL;
	g_autoptr(GPtrArray) keys = test_datasets_keys_new(key, NULL);
	g_autoptr(GPtrArray) entries =
	    vmds_datasets_get_entries(store, VMDS_SIDE_GUEST, dataset, keys, 0, 0, NULL, &error);

	assert_ret_error(entries, error);
	return error;
}

/* the data set's attributes are cached in the store: each test reads them
 * (filling the cache), changes them, and reads again */

START_TEST(test_datasets_cache_update)
{
	g_autoptr(GError) error = NULL;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY);
	test_datasets_set_ok("ds", "k", "v");
	error = test_datasets_guest_get("ds", "k");
	ck_assert_ptr_null(error);
	ck_assert(!test_datasets_set1(VMDS_SIDE_GUEST, "ds", "k", "w", 1, FALSE, &error));
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
	g_clear_error(&error);

	test_datasets_set_access("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_NONE);
	error = test_datasets_guest_get("ds", "k");
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
	g_clear_error(&error);

	test_datasets_set_access("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	ck_assert_msg(test_datasets_set1(VMDS_SIDE_GUEST, "ds", "k", "w", 1, FALSE, &error),
		      "%s",
		      error->message);
	error = test_datasets_guest_get("ds", "k");
	ck_assert_ptr_null(error);
}
END_TEST

START_TEST(test_datasets_cache_recreate)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *value = NULL;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("ds", "k", "old");
	error = test_datasets_guest_get("ds", "k");
	ck_assert_ptr_null(error);

	/* the same name again: other access modes and another id */
	ck_assert_msg(vmds_datasets_delete(store, "ds", TRUE, &error), "%s", error->message);
	error = test_datasets_guest_get("ds", "k");
	assert_error(error, VMDS_ERROR_DATASET_NOT_FOUND);
	g_clear_error(&error);
	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_NONE);
	error = test_datasets_guest_get("ds", "k");
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
	g_clear_error(&error);
	ck_assert_ptr_null(test_datasets_get_value("ds", "k", NULL));
	test_datasets_set_ok("ds", "k", "new");
	value = test_datasets_get_value("ds", "k", NULL);
	ck_assert_str_eq(value, "new");
}
END_TEST

START_TEST(test_datasets_cache_rollback)
{
	g_autoptr(GError) error = NULL;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_NONE);
	test_datasets_set_ok("ds", "k", "v");

	/* a change read inside a transaction that rolls back */
	ck_assert(vmds_store_begin(store, &error));
	test_datasets_set_access("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY);
	error = test_datasets_guest_get("ds", "k");
	ck_assert_ptr_null(error);
	vmds_store_rollback(store);
	error = test_datasets_guest_get("ds", "k");
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
	g_clear_error(&error);

	/* a data set created inside one */
	ck_assert(vmds_store_begin(store, &error));
	test_datasets_create("new", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	error = test_datasets_guest_get("new", "k");
	assert_error(error, VMDS_ERROR_KEY_NOT_FOUND);
	g_clear_error(&error);
	vmds_store_rollback(store);
	error = test_datasets_guest_get("new", "k");
	assert_error(error, VMDS_ERROR_DATASET_NOT_FOUND);
	g_clear_error(&error);

	/* a data set deleted inside one (in a group, where its own transaction
	 * is a savepoint inside ours) */
	ck_assert(vmds_store_begin(store, &error));
	test_datasets_set_access("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY);
	ck_assert(vmds_store_commit(store, &error));
	error = test_datasets_guest_get("ds", "k");
	ck_assert_ptr_null(error);
	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	ck_assert_msg(vmds_datasets_delete(store, "ds", TRUE, &error), "%s", error->message);
	error = test_datasets_guest_get("ds", "k");
	assert_error(error, VMDS_ERROR_DATASET_NOT_FOUND);
	g_clear_error(&error);
	vmds_store_rollback(store);
	ck_assert(vmds_store_batch_end(store, &error));
	error = test_datasets_guest_get("ds", "k");
	ck_assert_ptr_null(error);
}
END_TEST

START_TEST(test_datasets_cache_batch)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) rollback = NULL;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_NONE);
	test_datasets_set_ok("ds", "k", "v");
	ck_assert(vmds_store_batch_begin(store, &error));

	/* a savepoint of the group rolls back alone */
	ck_assert(vmds_store_begin(store, &error));
	test_datasets_set_access("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY);
	error = test_datasets_guest_get("ds", "k");
	ck_assert_ptr_null(error);
	vmds_store_rollback(store);
	error = test_datasets_guest_get("ds", "k");
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
	g_clear_error(&error);

	/* one that was released, then the group rolled back by SQLite (as on a
	 * full disk) */
	ck_assert(vmds_store_begin(store, &error));
	test_datasets_set_access("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_ONLY);
	ck_assert(vmds_store_commit(store, &error));
	error = test_datasets_guest_get("ds", "k");
	ck_assert_ptr_null(error);
	rollback = vmds_store_prepare(store, "ROLLBACK", &error);
	ck_assert_ptr_nonnull(rollback);
	ck_assert_msg(vmds_store_step_done(store, rollback, &error), "%s", error->message);
	error = test_datasets_guest_get("ds", "k");
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
	g_clear_error(&error);
	ck_assert(!vmds_store_batch_end(store, &error));
	assert_error(error, VMDS_ERROR_STORAGE);
	g_clear_error(&error);
	error = test_datasets_guest_get("ds", "k");
	assert_error(error, VMDS_ERROR_ACCESS_DENIED);
}
END_TEST

/* small entry values are cached in the store too: each test reads a value
 * (and checks that it is cached, so that the test means something), changes
 * it, and reads again */

/* the id of @dataset's row, which the cache of values is keyed by */
static gint64
test_datasets_id(const gchar *dataset)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) stmt =
	    vmds_store_prepare(store, "SELECT id FROM datasets WHERE name = ?1", &error);

	ck_assert_msg(stmt != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_int_eq(sqlite3_bind_text(stmt, 1, dataset, -1, SQLITE_STATIC), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	return sqlite3_column_int64(stmt, 0);
}

static gboolean
test_datasets_is_cached(const gchar *dataset, const gchar *key)
{
	gsize len = 0;

	return vmds_datasets_cache_lookup_value(
		   vmds_datasets_cache_get(store), test_datasets_id(dataset), key, &len) != NULL;
}

/* the value of @key read by the host, bytes and length, or NULL when there
 * is no such key */
static GBytes *
test_datasets_get_bytes(const gchar *dataset, const gchar *key)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = test_datasets_keys_new(key, NULL);
	g_autoptr(GPtrArray) entries = NULL;
	VmdsEntry *entry;

	entries =
	    vmds_datasets_get_entries(store, VMDS_SIDE_HOST, dataset, keys, 0, 0, NULL, &error);
	assert_ret_error(entries, error);
	if (entries == NULL) {
		assert_error(error, VMDS_ERROR_KEY_NOT_FOUND);
		return NULL;
	}
	ck_assert_uint_eq(entries->len, 1);
	entry = g_ptr_array_index(entries, 0);
	ck_assert_str_eq(entry->key, key);
	ck_assert_int_eq(entry->value[entry->value_len], '\0');
	return g_bytes_new(entry->value, entry->value_len);
}

/* reads @key twice, the second time from the cache when it keeps the value:
 * both give exactly @value */
static void
test_datasets_assert_value(const gchar *dataset, const gchar *key, const gchar *value, gsize len)
{
	for (guint i = 0; i < 2; i++) {
		g_autoptr(GBytes) got = test_datasets_get_bytes(dataset, key);

		ck_assert_msg(got != NULL, "no key '%s' in data set '%s'", key, dataset);
		ck_assert_uint_eq(g_bytes_get_size(got), len);
		if (len > 0)
			ck_assert_mem_eq(g_bytes_get_data(got, NULL), value, len);
	}
}

static void
test_datasets_assert_missing(const gchar *dataset, const gchar *key)
{
	for (guint i = 0; i < 2; i++) {
		g_autoptr(GBytes) got = test_datasets_get_bytes(dataset, key);

		ck_assert_ptr_null(got);
	}
}

START_TEST(test_datasets_cache_values_overwrite)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = test_datasets_entries_new();

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("ds", "k", "old");
	test_datasets_assert_value("ds", "k", "old", 3);
	ck_assert(test_datasets_is_cached("ds", "k"));
	test_datasets_set_ok("ds", "k", "new");
	test_datasets_assert_value("ds", "k", "new", 3);

	/* by the guest, twice in one call */
	test_datasets_entries_add(entries, "k", "x", 1, FALSE);
	test_datasets_entries_add(entries, "k", "yz", 2, FALSE);
	ck_assert_msg(
	    vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", entries, &error),
	    "%s",
	    error->message);
	test_datasets_assert_value("ds", "k", "yz", 2);
}
END_TEST

START_TEST(test_datasets_cache_values_append)
{
	g_autoptr(GError) error = NULL;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("ds", "k", "ab");
	test_datasets_assert_value("ds", "k", "ab", 2);
	ck_assert(test_datasets_is_cached("ds", "k"));
	ck_assert_msg(test_datasets_set1(VMDS_SIDE_GUEST, "ds", "k", "c\0d", 3, TRUE, &error),
		      "%s",
		      error->message);
	test_datasets_assert_value("ds", "k", "abc\0d", 5);
}
END_TEST

START_TEST(test_datasets_cache_values_delete_key)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = test_datasets_keys_new("k", NULL);

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("ds", "k", "v");
	test_datasets_set_ok("ds", "kk", "w");
	test_datasets_assert_value("ds", "k", "v", 1);
	test_datasets_assert_value("ds", "kk", "w", 1);
	ck_assert(test_datasets_is_cached("ds", "k"));
	ck_assert_msg(vmds_datasets_delete_entries(store, VMDS_SIDE_GUEST, "ds", keys, &error),
		      "%s",
		      error->message);
	test_datasets_assert_missing("ds", "k");
	test_datasets_assert_value("ds", "kk", "w", 1);
}
END_TEST

START_TEST(test_datasets_cache_values_delete_dataset)
{
	g_autoptr(GError) error = NULL;
	gint64 id;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("ds", "k", "old");
	test_datasets_assert_value("ds", "k", "old", 3);
	ck_assert(test_datasets_is_cached("ds", "k"));
	id = test_datasets_id("ds");

	/* SQLite gives the new data set the id of the one deleted */
	ck_assert_msg(vmds_datasets_delete(store, "ds", TRUE, &error), "%s", error->message);
	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	ck_assert_int_eq(test_datasets_id("ds"), id);
	test_datasets_assert_missing("ds", "k");
	test_datasets_set_ok("ds", "k", "new");
	test_datasets_assert_value("ds", "k", "new", 3);
}
END_TEST

/* the same key in two data sets, keys that are prefixes of others, empty
 * values and values with NUL bytes, several keys in one call */
START_TEST(test_datasets_cache_values_bytes)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = test_datasets_keys_new("k", "kk", "k", "e", NULL);

	test_datasets_create("a", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_create("b", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("a", "k", "in a");
	test_datasets_set_ok("b", "k", "in b");
	ck_assert(test_datasets_set1(VMDS_SIDE_HOST, "a", "kk", "\0x\0", 3, FALSE, &error));
	ck_assert(test_datasets_set1(VMDS_SIDE_HOST, "a", "e", "", 0, FALSE, &error));
	test_datasets_assert_value("a", "k", "in a", 4);
	test_datasets_assert_value("b", "k", "in b", 4);
	test_datasets_assert_value("a", "kk", "\0x\0", 3);
	test_datasets_assert_value("a", "e", "", 0);
	test_datasets_assert_missing("b", "kk");
	ck_assert(test_datasets_is_cached("a", "e"));

	/* one call reading cached values, a key twice */
	for (guint i = 0; i < 2; i++) {
		g_autoptr(GPtrArray) entries = NULL;
		const gchar *values[] = {"in a", "\0x\0", "in a", ""};
		const gsize lens[] = {4, 3, 4, 0};
		guint next = 0;

		entries = vmds_datasets_get_entries(
		    store, VMDS_SIDE_GUEST, "a", keys, 0, 0, &next, &error);
		assert_ret_error(entries, error);
		ck_assert_uint_eq(entries->len, keys->len);
		ck_assert_uint_eq(next, keys->len);
		for (guint j = 0; j < entries->len; j++) {
			VmdsEntry *entry = g_ptr_array_index(entries, j);

			ck_assert_str_eq(entry->key, g_ptr_array_index(keys, j));
			ck_assert_uint_eq(entry->value_len, lens[j]);
			ck_assert_mem_eq(entry->value, values[j], lens[j] + 1);
		}
	}
}
END_TEST

/* a value at the limit is cached, one byte longer is not; both read right */
START_TEST(test_datasets_cache_values_limit)
{
	const gsize lens[] = {VMDS_DATASETS_CACHE_MAX_VALUE, VMDS_DATASETS_CACHE_MAX_VALUE + 1};

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	for (guint i = 0; i < G_N_ELEMENTS(lens); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *old = g_strnfill(lens[i], 'o');
		g_autofree gchar *new = g_strnfill(lens[i], 'n');

		ck_assert(
		    test_datasets_set1(VMDS_SIDE_HOST, "ds", "k", old, lens[i], FALSE, &error));
		test_datasets_assert_value("ds", "k", old, lens[i]);
		ck_assert_int_eq(test_datasets_is_cached("ds", "k"), i == 0);
		ck_assert(
		    test_datasets_set1(VMDS_SIDE_HOST, "ds", "k", new, lens[i], FALSE, &error));
		test_datasets_assert_value("ds", "k", new, lens[i]);
	}
}
END_TEST

/* more small values than the cache keeps: read, overwritten, read again */
START_TEST(test_datasets_cache_values_full)
{
	const guint n = 3 * VMDS_DATASETS_CACHE_MAX_BYTES / 1000;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	for (guint round = 0; round < 2; round++) {
		for (guint i = 0; i < n; i++) {
			g_autofree gchar *key = g_strdup_printf("k%u", i);
			g_autofree gchar *value = g_strdup_printf("%u:%u:%0990u", round, i, i);

			test_datasets_set_ok("ds", key, value);
		}
		for (guint pass = 0; pass < 2; pass++) {
			for (guint i = 0; i < n; i++) {
				guint j = pass == 0 ? i : n - 1 - i;
				g_autofree gchar *key = g_strdup_printf("k%u", j);
				g_autofree gchar *value =
				    g_strdup_printf("%u:%u:%0990u", round, j, j);

				test_datasets_assert_value("ds", key, value, strlen(value));
			}
		}
	}
}
END_TEST

/* a value read in a group after a write that rolls back: with its savepoint,
 * or with the whole group as SQLite does on a full disk */
START_TEST(test_datasets_cache_values_rollback)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) rollback = NULL;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("ds", "k", "old");
	test_datasets_assert_value("ds", "k", "old", 3);

	ck_assert(vmds_store_batch_begin(store, &error));
	ck_assert(vmds_store_begin(store, &error));
	test_datasets_set_ok("ds", "k", "new");
	test_datasets_assert_value("ds", "k", "new", 3);
	ck_assert(test_datasets_is_cached("ds", "k"));
	vmds_store_rollback(store);
	test_datasets_assert_value("ds", "k", "old", 3);
	ck_assert_msg(vmds_store_batch_end(store, &error), "%s", error->message);
	test_datasets_assert_value("ds", "k", "old", 3);

	ck_assert(vmds_store_batch_begin(store, &error));
	test_datasets_set_ok("ds", "k", "new");
	test_datasets_assert_value("ds", "k", "new", 3);
	ck_assert(test_datasets_is_cached("ds", "k"));
	rollback = vmds_store_prepare(store, "ROLLBACK", &error);
	ck_assert_ptr_nonnull(rollback);
	ck_assert_msg(vmds_store_step_done(store, rollback, &error), "%s", error->message);
	test_datasets_assert_value("ds", "k", "old", 3);
	ck_assert(!vmds_store_batch_end(store, &error));
	assert_error(error, VMDS_ERROR_STORAGE);
	test_datasets_assert_value("ds", "k", "old", 3);
}
END_TEST

/* a value read in a group whose commit fails: the WAL may not grow */
START_TEST(test_datasets_cache_values_commit_fails)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *wal = g_build_filename(test_dir, "vm-1", "vm-1.dsd-wal", NULL);
	struct rlimit saved = {0};
	struct rlimit tight = {0};
	GStatBuf st;
	void (*handler)(int);
	gboolean committed;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("ds", "k", "old");
	test_datasets_assert_value("ds", "k", "old", 3);

	ck_assert(vmds_store_batch_begin(store, &error));
	test_datasets_set_ok("ds", "k", "new");
	test_datasets_assert_value("ds", "k", "new", 3);
	ck_assert(test_datasets_is_cached("ds", "k"));
	ck_assert_int_eq(g_stat(wal, &st), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
	tight = saved;
	tight.rlim_cur = (rlim_t)st.st_size;
	handler = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &tight), 0);
	committed = vmds_store_batch_end(store, &error);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, handler);

	assert_ok_error(committed, error);
	ck_assert(!committed);
	assert_error(error, VMDS_ERROR_STORAGE);
	test_datasets_assert_value("ds", "k", "old", 3);
}
END_TEST

/* chunks, bounds, duplicates, the entry limit (issue 8, points 5 and 15) */

static sqlite3 *
test_datasets_db(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(store, "SELECT 1", &error);

	ck_assert_msg(stmt != NULL, "%s", error != NULL ? error->message : "");
	return sqlite3_db_handle(stmt);
}

/* deterministic measures of work: the pages SQLite wrote (to the WAL, at
 * commit or when its cache spills) and the pages it fetched (from its cache
 * or the file) since the last call */
static gint
test_datasets_pages_written(void)
{
	gint cur = 0;
	gint hi = 0;

	ck_assert_int_eq(
	    sqlite3_db_status(test_datasets_db(), SQLITE_DBSTATUS_CACHE_WRITE, &cur, &hi, 1),
	    SQLITE_OK);
	return cur;
}

static gint
test_datasets_pages_fetched(void)
{
	gint hit = 0;
	gint miss = 0;
	gint hi = 0;

	ck_assert_int_eq(
	    sqlite3_db_status(test_datasets_db(), SQLITE_DBSTATUS_CACHE_HIT, &hit, &hi, 1),
	    SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_db_status(test_datasets_db(), SQLITE_DBSTATUS_CACHE_MISS, &miss, &hi, 1),
	    SQLITE_OK);
	return hit + miss;
}

/* @key of @dataset in the store: bytes inline, bytes in chunks, and the
 * chunks' lengths in order, joined by commas ("" when none) */
static void
test_datasets_layout(
    const gchar *dataset, const gchar *key, gint64 *inline_len, gint64 *tail, gchar **chunks)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store,
	    "SELECT length(e.value), e.tail, "
	    "(SELECT coalesce(group_concat(length(data), ','), '') FROM "
	    "(SELECT data FROM entry_chunks WHERE owner = e.chunks ORDER BY id)) "
	    "FROM entries AS e JOIN datasets AS d ON d.id = e.dataset_id "
	    "WHERE d.name = ?1 AND e.key = CAST(?2 AS BLOB)",
	    &error);

	ck_assert_msg(stmt != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_int_eq(sqlite3_bind_text(stmt, 1, dataset, -1, SQLITE_STATIC), SQLITE_OK);
	ck_assert_int_eq(sqlite3_bind_text(stmt, 2, key, -1, SQLITE_STATIC), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	*inline_len = sqlite3_column_int64(stmt, 0);
	*tail = sqlite3_column_int64(stmt, 1);
	*chunks = g_strdup((const gchar *)sqlite3_column_text(stmt, 2));
}

static gint64
test_datasets_count(const gchar *sql)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(store, sql, &error);

	ck_assert_msg(stmt != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	return sqlite3_column_int64(stmt, 0);
}

/* @len bytes of a pattern that differs with @seed */
static gchar *
test_datasets_pattern(gsize len, guint seed)
{
	gchar *value = g_malloc(len + 1);

	for (gsize i = 0; i < len; i++)
		value[i] = (gchar)('a' + (i * 3 + seed) % 26);
	value[len] = '\0';
	return value;
}

/* appends @len bytes of pattern @seed to @key (the host, one call), and
 * to @model, what the value must then be */
static void
test_datasets_append_model(const gchar *key, gsize len, guint seed, GByteArray *model)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *part = test_datasets_pattern(len, seed);

	ck_assert_msg(test_datasets_set1(VMDS_SIDE_HOST, "ds", key, part, len, TRUE, &error),
		      "%s",
		      error->message);
	g_byte_array_append(model, (const guint8 *)part, (guint)len);
}

static void
test_datasets_assert_layout(
    const gchar *key, gint64 inline_len, gint64 tail, const gchar *chunks, GByteArray *model)
{
	g_autofree gchar *got_chunks = NULL;
	gint64 got_inline = -1;
	gint64 got_tail = -1;

	test_datasets_layout("ds", key, &got_inline, &got_tail, &got_chunks);
	ck_assert_int_eq(got_inline, inline_len);
	ck_assert_int_eq(got_tail, tail);
	ck_assert_str_eq(got_chunks, chunks);
	test_datasets_assert_value("ds", key, (const gchar *)model->data, model->len);
}

/* a value stays in its row while key and value are within the inline
 * limit; past it, its bytes go to a chunk; appends extend the last chunk while it is shorter than
 * the merge size, then start another; a replace starts over; `used` counts key and value bytes
 * wherever they are */
START_TEST(test_datasets_chunks_layout)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) model = g_byte_array_new();
	/* the longest value key "k" keeps inline */
	const gsize at = VMDS_DATASETS_INLINE_MAX - 1;
	g_autofree gchar *inline_max = test_datasets_pattern(at, 1);
	g_autofree gchar *over = NULL;
	g_autofree gchar *expect = NULL;
	const gsize merge = VMDS_DATASETS_CHUNK_MERGE;
	const gsize first = at + 1;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);

	/* at the limit, inline; one byte more moves it to one chunk */
	test_datasets_append_model("k", at - 10, 1, model);
	test_datasets_assert_layout("k", at - 10, 0, "", model);
	test_datasets_append_model("k", 10, 2, model);
	test_datasets_assert_layout("k", at, 0, "", model);
	ck_assert_int_eq(test_datasets_vm_used(), 1 + at);
	test_datasets_append_model("k", 1, 3, model);
	expect = g_strdup_printf("%" G_GSIZE_FORMAT, first);
	test_datasets_assert_layout("k", 0, first, expect, model);
	ck_assert_int_eq(test_datasets_vm_used(), 1 + first);

	/* the chunk grows to the merge size, then a new one starts */
	test_datasets_append_model("k", merge - first - 1, 4, model);
	g_free(expect);
	expect = g_strdup_printf("%" G_GSIZE_FORMAT, merge - 1);
	test_datasets_assert_layout("k", 0, merge - 1, expect, model);
	test_datasets_append_model("k", 1, 5, model);
	g_free(expect);
	expect = g_strdup_printf("%" G_GSIZE_FORMAT, merge);
	test_datasets_assert_layout("k", 0, merge, expect, model);
	test_datasets_append_model("k", 1, 6, model);
	g_free(expect);
	expect = g_strdup_printf("%" G_GSIZE_FORMAT ",1", merge);
	test_datasets_assert_layout("k", 0, merge + 1, expect, model);
	/* a short last chunk takes a long append whole */
	test_datasets_append_model("k", 3 * merge, 7, model);
	g_free(expect);
	expect = g_strdup_printf("%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT, merge, 3 * merge + 1);
	test_datasets_assert_layout("k", 0, 4 * merge + 1, expect, model);
	test_datasets_append_model("k", 2, 8, model);
	g_free(expect);
	expect = g_strdup_printf("%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT ",2", merge, 3 * merge + 1);
	test_datasets_assert_layout("k", 0, 4 * merge + 3, expect, model);
	ck_assert_int_eq(test_datasets_vm_used(), 1 + 4 * merge + 3);
	ck_assert_int_eq(test_datasets_count("SELECT count(*) FROM entry_chunks"), 3);

	/* a replace: inline again, its chunks gone; or one chunk */
	test_datasets_set_ok("ds", "k", "short");
	g_byte_array_set_size(model, 0);
	g_byte_array_append(model, (const guint8 *)"short", 5);
	test_datasets_assert_layout("k", 5, 0, "", model);
	ck_assert_int_eq(test_datasets_count("SELECT count(*) FROM entry_chunks"), 0);
	ck_assert_int_eq(test_datasets_vm_used(), 6);
	over = test_datasets_pattern(first, 9);
	ck_assert(test_datasets_set1(VMDS_SIDE_HOST, "ds", "k", over, first, FALSE, &error));
	g_byte_array_set_size(model, 0);
	g_byte_array_append(model, (const guint8 *)over, (guint)first);
	g_free(expect);
	expect = g_strdup_printf("%" G_GSIZE_FORMAT, first);
	test_datasets_assert_layout("k", 0, first, expect, model);
	ck_assert(test_datasets_set1(VMDS_SIDE_HOST, "ds", "k", over, first, FALSE, &error));
	test_datasets_assert_layout("k", 0, first, expect, model);
	ck_assert_int_eq(test_datasets_count("SELECT count(*) FROM entry_chunks"), 1);
	ck_assert(test_datasets_set1(VMDS_SIDE_HOST, "ds", "k", inline_max, at, FALSE, &error));
	ck_assert_int_eq(test_datasets_count("SELECT count(*) FROM entry_chunks"), 0);
	ck_assert_int_eq(test_datasets_vm_used(), 1 + at);
	/* the same length under a longer key is too long for the row */
	ck_assert(test_datasets_set1(VMDS_SIDE_HOST, "ds", "kk", inline_max, at, FALSE, &error));
	g_byte_array_set_size(model, 0);
	g_byte_array_append(model, (const guint8 *)inline_max, (guint)at);
	g_free(expect);
	expect = g_strdup_printf("%" G_GSIZE_FORMAT, at);
	test_datasets_assert_layout("kk", 0, at, expect, model);
	ck_assert_int_eq(test_datasets_vm_used(), 1 + at + 2 + at);

	/* an append creating the entry past the limit; a delete takes its
	 * chunks, a forced delete of the data set all of them */
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "ds", "new", over, first, TRUE, &error));
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "ds", "gone", over, first, TRUE, &error));
	ck_assert_int_eq(test_datasets_count("SELECT count(*) FROM entry_chunks"), 3);
	{
		g_autoptr(GPtrArray) keys = test_datasets_keys_new("gone", NULL);
		ck_assert(vmds_datasets_delete_entries(store, VMDS_SIDE_GUEST, "ds", keys, &error));
	}
	ck_assert_int_eq(test_datasets_count("SELECT count(*) FROM entry_chunks"), 2);
	test_datasets_assert_value("ds", "new", over, first);
	ck_assert_int_eq(test_datasets_vm_used(), 1 + at + 2 + at + 3 + first);
	ck_assert(vmds_datasets_delete(store, "ds", TRUE, &error));
	ck_assert_int_eq(test_datasets_count("SELECT count(*) FROM entry_chunks"), 0);
	ck_assert_int_eq(test_datasets_count("SELECT count(*) FROM entries"), 0);
	ck_assert_int_eq(test_datasets_vm_used(), 0);
}
END_TEST

/* a write that fails leaves the chunks as they were */
START_TEST(test_datasets_chunks_rollback)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = test_datasets_entries_new();
	g_autofree gchar *value = test_datasets_pattern(3 * VMDS_DATASETS_CHUNK_MERGE, 1);
	g_autofree gchar *big = g_strnfill(VMDS_DATASETS_MAX_VALUE, 'b');
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	gint64 inline_len = 0;
	gint64 tail = 0;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	ck_assert(test_datasets_set1(
	    VMDS_SIDE_HOST, "ds", "k", value, 3 * VMDS_DATASETS_CHUNK_MERGE, FALSE, &error));
	ck_assert(test_datasets_set1(VMDS_SIDE_HOST, "ds", "k", "+", 1, TRUE, &error));
	test_datasets_layout("ds", "k", &inline_len, &tail, &before);

	/* appends to it, a replace of it, then one too large: all rolled back */
	test_datasets_entries_add(entries, "k", "xyz", 3, TRUE);
	test_datasets_entries_add(entries, "other", value, 2000, TRUE);
	test_datasets_entries_add(entries, "k", value, 5000, TRUE);
	test_datasets_entries_add(entries, "too-big", big, VMDS_DATASETS_MAX_VALUE, FALSE);
	test_datasets_entries_add(entries, "too-big", "!", 1, TRUE);
	ck_assert(!vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", entries, &error));
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	ck_assert_str_eq(error->message,
			 "value of key 'too-big' in data set 'ds' would be 1048577 bytes, longer "
			 "than 1048576 bytes");
	test_datasets_layout("ds", "k", &inline_len, &tail, &after);
	ck_assert_str_eq(after, before);
	ck_assert_int_eq(tail, 3 * VMDS_DATASETS_CHUNK_MERGE + 1);
	ck_assert_int_eq(test_datasets_count("SELECT count(*) FROM entry_chunks"), 2);
	ck_assert_ptr_null(test_datasets_get_value("ds", "other", NULL));
	ck_assert_int_eq(test_datasets_vm_used(), 1 + 3 * VMDS_DATASETS_CHUNK_MERGE + 1);
}
END_TEST

/* a chunked value whose row and chunks disagree (the store changed by
 * something else) reads as a storage error, never past a buffer */
START_TEST(test_datasets_chunks_damaged)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *value = test_datasets_pattern(3 * VMDS_DATASETS_CHUNK_MERGE, 2);
	const gchar *damage[] = {
	    "UPDATE entries SET tail = tail + 5",
	    "UPDATE entries SET tail = tail - 5",
	    "UPDATE entries SET tail = 2000000",
	    "UPDATE entries SET tail = 0",
	    "UPDATE entries SET value = X'00'",
	    "DELETE FROM entry_chunks WHERE id = (SELECT max(id) FROM entry_chunks)",
	};

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	for (guint i = 0; i < G_N_ELEMENTS(damage); i++) {
		g_autoptr(GPtrArray) keys = test_datasets_keys_new("k", NULL);
		g_autoptr(GPtrArray) got = NULL;
		g_autoptr(VmdsStoreStmt) stmt = NULL;

		ck_assert(test_datasets_set1(VMDS_SIDE_HOST,
					     "ds",
					     "k",
					     value,
					     2 * VMDS_DATASETS_CHUNK_MERGE,
					     FALSE,
					     &error));
		ck_assert(test_datasets_set1(
		    VMDS_SIDE_HOST, "ds", "k", value, VMDS_DATASETS_CHUNK_MERGE, TRUE, &error));
		stmt = vmds_store_prepare(store, damage[i], &error);
		ck_assert_msg(stmt != NULL, "%s", error != NULL ? error->message : "");
		ck_assert(vmds_store_step_done(store, stmt, &error));
		got = vmds_datasets_get_entries(
		    store, VMDS_SIDE_HOST, "ds", keys, 0, 0, NULL, &error);
		assert_ret_error(got, error);
		assert_error(error, VMDS_ERROR_STORAGE);
		ck_assert_str_eq(error->message,
				 "the value of key 'k' in data set 'ds' is damaged");
		g_clear_error(&error);
	}
}
END_TEST

/* a model of set-entries: entries applied one by one, in order */
static void
test_datasets_model_apply(GHashTable *model, const VmdsEntry *entry)
{
	GByteArray *value = g_hash_table_lookup(model, entry->key);

	if (value == NULL) {
		value = g_byte_array_new();
		g_hash_table_insert(model, g_strdup(entry->key), value);
	}
	if (!entry->append)
		g_byte_array_set_size(value, 0);
	g_byte_array_append(value, (const guint8 *)entry->value, (guint)entry->value_len);
}

/* calls of many entries on a few keys, appends and replaces of sizes
 * around the inline limit and the merge size, give the values and `used`
 * the entries applied one at a time give */
START_TEST(test_datasets_set_fold)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) model = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_byte_array_unref);
	g_autoptr(GRand) rand = g_rand_new_with_seed(8);
	const gchar *keys[] = {"a", "b", "c\xc3\xa9"};
	const gsize sizes[] = {0,
			       1,
			       7,
			       VMDS_DATASETS_INLINE_MAX - 1,
			       VMDS_DATASETS_INLINE_MAX,
			       VMDS_DATASETS_INLINE_MAX + 1,
			       VMDS_DATASETS_CHUNK_MERGE - 1,
			       VMDS_DATASETS_CHUNK_MERGE,
			       9000};
	GHashTableIter iter;
	gpointer k = NULL;
	gpointer v = NULL;
	gint64 used = 0;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	ck_assert(vmds_store_batch_begin(store, &error));
	for (guint call = 0; call < 60; call++) {
		g_autoptr(GPtrArray) entries = test_datasets_entries_new();
		guint n = g_rand_int_range(rand, 1, 12);

		for (guint i = 0; i < n; i++) {
			gsize len = sizes[g_rand_int_range(rand, 0, G_N_ELEMENTS(sizes))];
			g_autofree gchar *value = test_datasets_pattern(len, call * 16 + i);

			test_datasets_entries_add(
			    entries,
			    keys[g_rand_int_range(rand, 0, G_N_ELEMENTS(keys))],
			    value,
			    len,
			    g_rand_int_range(rand, 0, 4) != 0);
		}
		ck_assert_msg(
		    vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", entries, &error),
		    "call %u: %s",
		    call,
		    error->message);
		for (guint i = 0; i < entries->len; i++)
			test_datasets_model_apply(model, g_ptr_array_index(entries, i));
	}
	ck_assert(vmds_store_batch_end(store, &error));

	g_hash_table_iter_init(&iter, model);
	while (g_hash_table_iter_next(&iter, &k, &v)) {
		GByteArray *value = v;

		test_datasets_assert_value("ds", k, (const gchar *)value->data, value->len);
		used += (gint64)(strlen(k) + value->len);
	}
	ck_assert_int_eq(test_datasets_vm_used(), used);
}
END_TEST

/* an append costs a chunk, not the value: a byte appended to a 1 MiB value
 * writes a few pages (version 1 rewrote all ~256 of the value, and freed
 * as many), whether the value is one chunk, ends in a short one, or was
 * built from 16 appends */
START_TEST(test_datasets_append_bound)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *big = g_strnfill(VMDS_DATASETS_MAX_VALUE, 'b');
	g_autoptr(GByteArray) model = g_byte_array_new();
	gint written;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	ck_assert(test_datasets_set1(
	    VMDS_SIDE_HOST, "ds", "one", big, VMDS_DATASETS_MAX_VALUE - 16, FALSE, &error));
	ck_assert(test_datasets_set1(VMDS_SIDE_HOST, "ds", "built", "", 0, FALSE, &error));
	for (guint i = 0; i < 16; i++)
		test_datasets_append_model("built", 65536 - 1, i, model);
	for (guint i = 0; i < 8; i++) {
		test_datasets_pages_written();
		ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "ds", "one", "x", 1, TRUE, &error));
		written = test_datasets_pages_written();
		ck_assert_msg(written <= 6, "append %u to one chunk wrote %d pages", i, written);
		test_datasets_append_model("built", 1, 100 + i, model);
		written = test_datasets_pages_written();
		ck_assert_msg(written <= 6, "append %u to 16 chunks wrote %d pages", i, written);
	}
	test_datasets_assert_value("ds", "built", (const gchar *)model->data, model->len);
	{
		g_autofree gchar *expect = g_strnfill(VMDS_DATASETS_MAX_VALUE - 8, 'b');
		memset(expect + VMDS_DATASETS_MAX_VALUE - 16, 'x', 8);
		test_datasets_assert_value("ds", "one", expect, VMDS_DATASETS_MAX_VALUE - 8);
	}

	/* one call appending a byte to each of 10 values of 1 MiB: a few
	 * pages each */
	{
		g_autoptr(GPtrArray) entries = test_datasets_entries_new();

		for (guint i = 0; i < 10; i++) {
			g_autofree gchar *key = g_strdup_printf("v%u", i);
			ck_assert(test_datasets_set1(VMDS_SIDE_HOST,
						     "ds",
						     key,
						     big,
						     VMDS_DATASETS_MAX_VALUE - 1,
						     FALSE,
						     &error));
			test_datasets_entries_add(entries, key, "y", 1, TRUE);
		}
		test_datasets_pages_written();
		ck_assert(
		    vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", entries, &error));
		written = test_datasets_pages_written();
		ck_assert_msg(written <= 10 * 4, "10 appends wrote %d pages", written);
	}
}
END_TEST

/* the entries of one request for one key cost what one costs: 1,769 empty
 * appends to a 1 MiB value (what fits in a 64 KiB request) write nothing;
 * 1,769 one-byte appends write a few pages and fetch few, like one */
START_TEST(test_datasets_append_many_bound)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) empty = test_datasets_entries_new();
	g_autoptr(GPtrArray) bytes = test_datasets_entries_new();
	g_autofree gchar *big = g_strnfill(VMDS_DATASETS_MAX_VALUE - 4096, 'b');
	g_autofree gchar *expect = NULL;
	gint written;
	gint fetched_one;
	gint fetched;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	ck_assert(test_datasets_set1(
	    VMDS_SIDE_HOST, "ds", "k", big, VMDS_DATASETS_MAX_VALUE - 4096, FALSE, &error));
	for (guint i = 0; i < 1769; i++) {
		test_datasets_entries_add(empty, "k", "", 0, TRUE);
		test_datasets_entries_add(bytes, "k", "z", 1, TRUE);
	}
	test_datasets_pages_written();
	ck_assert(vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", empty, &error));
	written = test_datasets_pages_written();
	ck_assert_int_eq(written, 0);

	/* an empty append still creates an absent entry */
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "ds", "absent", "", 0, TRUE, &error));
	test_datasets_assert_value("ds", "absent", "", 0);

	test_datasets_pages_fetched();
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "ds", "k", "z", 1, TRUE, &error));
	fetched_one = test_datasets_pages_fetched();
	test_datasets_pages_written();
	ck_assert(vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "ds", bytes, &error));
	written = test_datasets_pages_written();
	fetched = test_datasets_pages_fetched();
	ck_assert_msg(written <= 6, "1,769 appends wrote %d pages", written);
	ck_assert_msg(fetched <= 2 * fetched_one,
		      "1,769 appends fetched %d pages, one %d",
		      fetched,
		      fetched_one);
	expect = g_strnfill(VMDS_DATASETS_MAX_VALUE - 4096 + 1 + 1769, 'z');
	memset(expect, 'b', VMDS_DATASETS_MAX_VALUE - 4096);
	test_datasets_assert_value("ds", "k", expect, VMDS_DATASETS_MAX_VALUE - 4096 + 1 + 1769);
}
END_TEST

/* get-entry naming one 1 MiB key 16,369 times (what fits in 64 KiB) looks
 * it up and reads it once a page: as many pages fetched as naming it twice;
 * every occurrence still has its entry, one a page, in order */
START_TEST(test_datasets_get_dup_bound)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) two = test_datasets_keys_new("big", "big", NULL);
	g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *big = test_datasets_pattern(VMDS_DATASETS_MAX_VALUE, 3);
	const gsize page = VMDS_DATASETS_MAX_PAGE - 8192;
	const guint firsts[] = {0, 1, 8000, 16368};
	gint fetched_two;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	ck_assert(test_datasets_set1(
	    VMDS_SIDE_HOST, "ds", "big", big, VMDS_DATASETS_MAX_VALUE, FALSE, &error));
	test_datasets_set_ok("ds", "small", "s");
	for (guint i = 0; i < 16369; i++)
		g_ptr_array_add(many, g_strdup("big"));

	for (guint f = 0; f < G_N_ELEMENTS(firsts); f++) {
		g_autoptr(GPtrArray) got = NULL;
		VmdsEntry *entry;
		guint next = 0;
		gint fetched;

		test_datasets_pages_fetched();
		got = vmds_datasets_get_entries(
		    store, VMDS_SIDE_GUEST, "ds", two, MIN(firsts[f], 1), page, &next, &error);
		assert_ret_error(got, error);
		fetched_two = test_datasets_pages_fetched();
		g_clear_pointer(&got, g_ptr_array_unref);

		got = vmds_datasets_get_entries(
		    store, VMDS_SIDE_GUEST, "ds", many, firsts[f], page, &next, &error);
		fetched = test_datasets_pages_fetched();
		assert_ret_error(got, error);
		ck_assert_uint_eq(got->len, 1);
		ck_assert_uint_eq(next, firsts[f] + 1);
		entry = g_ptr_array_index(got, 0);
		ck_assert_str_eq(entry->key, "big");
		ck_assert_uint_eq(entry->value_len, VMDS_DATASETS_MAX_VALUE);
		ck_assert_mem_eq(entry->value, big, VMDS_DATASETS_MAX_VALUE + 1);
		ck_assert_msg(fetched <= fetched_two + 4,
			      "16,369 keys from %u fetched %d pages, 2 keys %d",
			      firsts[f],
			      fetched,
			      fetched_two);
	}

	/* small values: all duplicates in one page, each its own copy */
	{
		g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GPtrArray) got = NULL;
		guint next = 0;

		for (guint i = 0; i < 3000; i++)
			g_ptr_array_add(keys, g_strdup(i % 3 == 1 ? "big" : "small"));
		g_ptr_array_remove_index(keys, 1);
		got = vmds_datasets_get_entries(
		    store, VMDS_SIDE_GUEST, "ds", keys, 0, page, &next, &error);
		assert_ret_error(got, error);
		/* three "small", then "big" does not fit the page */
		ck_assert_str_eq(g_ptr_array_index(keys, 3), "big");
		ck_assert_uint_eq(got->len, 3);
		ck_assert_uint_eq(next, 3);
		for (guint i = 0; i < got->len; i++) {
			VmdsEntry *entry = g_ptr_array_index(got, i);
			ck_assert_str_eq(entry->value, "s");
			if (i > 0)
				ck_assert_ptr_ne(entry->value,
						 ((VmdsEntry *)g_ptr_array_index(got, 0))->value);
		}
	}

	/* a missing key after the duplicates is still named */
	g_ptr_array_add(many, g_strdup("nope"));
	ck_assert_ptr_null(
	    vmds_datasets_get_entries(store, VMDS_SIDE_GUEST, "ds", many, 5, page, NULL, &error));
	assert_error(error, VMDS_ERROR_KEY_NOT_FOUND);
	ck_assert_str_eq(error->message, "no key 'nope' in data set 'ds'");
}
END_TEST

/* delete-entry of a 1 MiB key named 16,369 times (what fits in 64 KiB)
 * deletes it once, at the cost of naming it once (test_datasets_atomic_delete
 * has duplicates among other keys) */
START_TEST(test_datasets_delete_dup_bound)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = test_datasets_keys_new("big", NULL);
	g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *big = g_strnfill(VMDS_DATASETS_MAX_VALUE, 'b');
	gint fetched_one;
	gint fetched;

	test_datasets_create("ds", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_set_ok("ds", "c", "3");
	/* a 1 MiB key named 16,369 times costs what naming it once does */
	ck_assert(test_datasets_set1(
	    VMDS_SIDE_HOST, "ds", "big", big, VMDS_DATASETS_MAX_VALUE, FALSE, &error));
	test_datasets_pages_fetched();
	ck_assert(vmds_datasets_delete_entries(store, VMDS_SIDE_GUEST, "ds", keys, &error));
	fetched_one = test_datasets_pages_fetched();
	ck_assert(test_datasets_set1(
	    VMDS_SIDE_HOST, "ds", "big", big, VMDS_DATASETS_MAX_VALUE, FALSE, &error));
	for (guint i = 0; i < 16369; i++)
		g_ptr_array_add(many, g_strdup("big"));
	test_datasets_pages_fetched();
	ck_assert_msg(vmds_datasets_delete_entries(store, VMDS_SIDE_GUEST, "ds", many, &error),
		      "%s",
		      error->message);
	fetched = test_datasets_pages_fetched();
	ck_assert_msg(fetched <= fetched_one + 4,
		      "16,369 deletes fetched %d pages, one %d",
		      fetched,
		      fetched_one);
	ck_assert_ptr_null(test_datasets_get_value("ds", "big", NULL));
	ck_assert_int_eq(test_datasets_vm_used(), 2);
	ck_assert_int_eq(test_datasets_count("SELECT count(*) FROM entry_chunks"), 0);
}
END_TEST

/* writes @n new entries "<prefix>00000".. to @dataset, 5,000 a call */
static void
test_datasets_fill(const gchar *dataset, const gchar *prefix, guint n)
{
	for (guint done = 0; done < n;) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) entries = test_datasets_entries_new();

		for (guint i = 0; i < 5000 && done < n; i++, done++) {
			g_autofree gchar *key = g_strdup_printf("%s%05u", prefix, done);
			test_datasets_entries_add(entries, key, "v", 1, FALSE);
		}
		ck_assert_msg(vmds_datasets_set_entries(
				  store, NULL, VMDS_SIDE_HOST, dataset, entries, &error),
			      "%s",
			      error->message);
	}
}

/* a VM holds at most VMDS_DATASETS_MAX_VM_ENTRIES entries, counted over its
 * data sets: one more is quota-exceeded naming the limit, and changes
 * nothing; replacing, appending and deleting at the limit work */
START_TEST(test_datasets_entry_limit)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = test_datasets_entries_new();
	g_autoptr(GPtrArray) keys = NULL;
	g_autofree gchar *msg = NULL;
	const guint max = (guint)VMDS_DATASETS_MAX_VM_ENTRIES;
	gint64 used;

	ck_assert_int_eq(VMDS_DATASETS_MAX_VM_ENTRIES, 25000);
	test_datasets_create("a", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_create("b", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE);
	test_datasets_fill("a", "k", max - 2);
	test_datasets_fill("b", "k", 1);

	/* the N-th entry, in the other data set: fits */
	ck_assert_msg(test_datasets_set1(VMDS_SIDE_GUEST, "b", "n", "", 0, FALSE, &error),
		      "%s",
		      error->message);
	ck_assert_int_eq(test_datasets_count("SELECT sum(entry_count) FROM datasets"), max);
	used = test_datasets_vm_used();

	/* N + 1, from either side, in either data set, by set or append */
	msg = g_strdup_printf("writing data set 'a' would bring the VM to %u entries, over its "
			      "limit of %u entries",
			      max + 1,
			      max);
	ck_assert(!test_datasets_set1(VMDS_SIDE_GUEST, "a", "one-more", "", 0, FALSE, &error));
	assert_error(error, VMDS_ERROR_QUOTA_EXCEEDED);
	ck_assert_str_eq(error->message, msg);
	g_clear_error(&error);
	ck_assert(!test_datasets_set1(VMDS_SIDE_HOST, "b", "one-more", "x", 1, TRUE, &error));
	assert_error(error, VMDS_ERROR_QUOTA_EXCEEDED);
	g_clear_error(&error);
	/* all or nothing: a replace in the same call is not applied */
	test_datasets_entries_add(entries, "k00000", "changed", 7, FALSE);
	test_datasets_entries_add(entries, "one-more", "", 0, FALSE);
	ck_assert(!vmds_datasets_set_entries(store, NULL, VMDS_SIDE_GUEST, "a", entries, &error));
	assert_error(error, VMDS_ERROR_QUOTA_EXCEEDED);
	g_clear_error(&error);
	ck_assert_ptr_null(test_datasets_get_value("a", "one-more", NULL));
	ck_assert_ptr_null(test_datasets_get_value("b", "one-more", NULL));
	{
		g_autofree gchar *value = test_datasets_get_value("a", "k00000", NULL);
		ck_assert_str_eq(value, "v");
	}
	ck_assert_int_eq(test_datasets_count("SELECT sum(entry_count) FROM datasets"), max);
	ck_assert_int_eq(test_datasets_vm_used(), used);

	/* at the limit: existing entries change */
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "a", "k00001", "w", 1, FALSE, &error));
	ck_assert(test_datasets_set1(VMDS_SIDE_GUEST, "a", "k00001", "x", 1, TRUE, &error));

	/* a delete makes room for one; a forced delete of a data set for all
	 * it held */
	keys = test_datasets_keys_new("k00002", NULL);
	ck_assert(vmds_datasets_delete_entries(store, VMDS_SIDE_GUEST, "a", keys, &error));
	ck_assert_msg(test_datasets_set1(VMDS_SIDE_GUEST, "b", "one-more", "", 0, FALSE, &error),
		      "%s",
		      error->message);
	ck_assert(!test_datasets_set1(VMDS_SIDE_GUEST, "b", "two-more", "", 0, FALSE, &error));
	assert_error(error, VMDS_ERROR_QUOTA_EXCEEDED);
	g_clear_error(&error);
	ck_assert(vmds_datasets_delete(store, "b", TRUE, &error));
	ck_assert_int_eq(test_datasets_count("SELECT sum(entry_count) FROM datasets"), max - 3);
	test_datasets_fill("a", "z", 3);
	ck_assert_int_eq(test_datasets_count("SELECT sum(entry_count) FROM datasets"), max);
}
END_TEST

static Suite *
test_datasets_suite(void)
{
	Suite *s = suite_create("datasets");
	TCase *tc;

	tc = tcase_create("datasets");
	tcase_add_checked_fixture(tc, test_datasets_setup, test_datasets_teardown);
	tcase_add_test(tc, test_datasets_create_list_get);
	tcase_add_test(tc, test_datasets_create_empty_list);
	tcase_add_test(tc, test_datasets_create_duplicate);
	tcase_add_test(tc, test_datasets_commit_fails);
	tcase_add_test(tc, test_datasets_name_limits);
	tcase_add_test(tc, test_datasets_description_limits);
	tcase_add_test(tc, test_datasets_update);
	tcase_add_test(tc, test_datasets_get_missing);
	tcase_add_test(tc, test_datasets_delete);
	tcase_add_test(tc, test_datasets_used);
	tcase_add_test(tc, test_datasets_access_strings);
	suite_add_tcase(s, tc);

	tc = tcase_create("access");
	tcase_add_checked_fixture(tc, test_datasets_setup, test_datasets_teardown);
	tcase_add_loop_test(tc, test_datasets_access_matrix, 0, 2 * 3 * TEST_OP_LAST);
	tcase_add_test(tc, test_datasets_access_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("cache");
	/* hundreds of commits, each an fsync: seconds on a busy disk */
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, test_datasets_setup, test_datasets_teardown);
	tcase_add_test(tc, test_datasets_cache_update);
	tcase_add_test(tc, test_datasets_cache_recreate);
	tcase_add_test(tc, test_datasets_cache_rollback);
	tcase_add_test(tc, test_datasets_cache_batch);
	tcase_add_test(tc, test_datasets_cache_values_overwrite);
	tcase_add_test(tc, test_datasets_cache_values_append);
	tcase_add_test(tc, test_datasets_cache_values_delete_key);
	tcase_add_test(tc, test_datasets_cache_values_delete_dataset);
	tcase_add_test(tc, test_datasets_cache_values_bytes);
	tcase_add_test(tc, test_datasets_cache_values_limit);
	tcase_add_test(tc, test_datasets_cache_values_full);
	tcase_add_test(tc, test_datasets_cache_values_rollback);
	tcase_add_test(tc, test_datasets_cache_values_commit_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, test_datasets_setup, test_datasets_teardown);
	tcase_add_test(tc, test_datasets_key_limits);
	tcase_add_test(tc, test_datasets_value_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("quota");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, test_datasets_setup, test_datasets_teardown);
	tcase_add_test(tc, test_datasets_quota);
	suite_add_tcase(s, tc);

	tc = tcase_create("atomic");
	tcase_add_checked_fixture(tc, test_datasets_setup, test_datasets_teardown);
	tcase_add_test(tc, test_datasets_atomic_set);
	tcase_add_test(tc, test_datasets_atomic_delete);
	suite_add_tcase(s, tc);

	tc = tcase_create("append");
	tcase_add_checked_fixture(tc, test_datasets_setup, test_datasets_teardown);
	tcase_add_test(tc, test_datasets_append);
	suite_add_tcase(s, tc);

	tc = tcase_create("chunks");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, test_datasets_setup, test_datasets_teardown);
	tcase_add_test(tc, test_datasets_chunks_layout);
	tcase_add_test(tc, test_datasets_chunks_rollback);
	tcase_add_test(tc, test_datasets_chunks_damaged);
	tcase_add_test(tc, test_datasets_set_fold);
	tcase_add_test(tc, test_datasets_append_bound);
	tcase_add_test(tc, test_datasets_append_many_bound);
	suite_add_tcase(s, tc);

	tc = tcase_create("duplicates");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, test_datasets_setup, test_datasets_teardown);
	tcase_add_test(tc, test_datasets_get_dup_bound);
	tcase_add_test(tc, test_datasets_delete_dup_bound);
	suite_add_tcase(s, tc);

	tc = tcase_create("entry-limit");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, test_datasets_setup, test_datasets_teardown);
	tcase_add_test(tc, test_datasets_entry_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("paging");
	tcase_add_checked_fixture(tc, test_datasets_setup, test_datasets_teardown);
	tcase_add_test(tc, test_datasets_list_keys_order);
	tcase_add_test(tc, test_datasets_list_keys_paging);
	tcase_add_test(tc, test_datasets_get_entries_paging);
	suite_add_tcase(s, tc);

	tc = tcase_create("contexts");
	tcase_add_test(tc, test_datasets_context_round_trip);
	tcase_add_test(tc, test_datasets_context_other_request);
	tcase_add_test(tc, test_datasets_context_tampered);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_datasets_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

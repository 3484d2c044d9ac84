/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmds-datasets.h"
#include "vmds-metadata-index.h"
#include "vmds-test-store.h"
#include "vmds-test.h"

/*
 * The global metadata query index over real VM stores in a temp dir (issue
 * 12, "Queries"; the shared design's index): syncs by generation, queries
 * with conditions, visibility per viewer, owners, stable pages, removal, and
 * a store changed behind the index's back (a crash between the store's commit
 * and the index's, or while the daemon was down) reconciled by the sync at
 * start. The expected rows are written from the fixtures below.
 */

static gchar *test_dir = NULL;
static GPtrArray *test_schemas = NULL;
static VmdsStore *test_vm1 = NULL;
static VmdsStore *test_vm2 = NULL;
static VmdsMetadataIndex *test_index = NULL;

static const VmdsMetadataObject vm = {VMDS_METADATA_OBJECT_VM, ""};
static const VmdsMetadataObject ds_a = {VMDS_METADATA_OBJECT_DATASET, "a"};
static const VmdsMetadataViewer root = {"root", TRUE, FALSE};

static const VmdsCaller admin = {"root", TRUE, TRUE};
static const VmdsCaller alice = {"alice", FALSE, FALSE};
static const VmdsCaller alice_vc = {"alice", FALSE, TRUE};
static const VmdsCaller bob = {"bob", FALSE, FALSE};

static gchar *
index_path(void)
{
	return g_build_filename(test_dir, "metadata-index.db", NULL);
}

static VmdsMetadataIndex *
open_index(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = index_path();
	VmdsMetadataIndex *index = vmds_metadata_index_open(path, &error);

	ck_assert_msg(index != NULL, "%s", error != NULL ? error->message : "");
	return index;
}

static VmdsStore *
open_store(const gchar *id)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(test_dir, id, "store.dsd", NULL);
	VmdsStore *store = vmds_store_open(path, test_schemas, &error);

	ck_assert_msg(store != NULL, "%s", error != NULL ? error->message : "");
	return store;
}

static void
set(VmdsStore *store,
    const VmdsMetadataObject *object,
    VmdsMetadataDomain domain,
    VmdsMetadataVisibility visibility,
    const gchar *key,
    VmdsMetadataType type,
    const gchar *value)
{
	g_autoptr(VmdsMetadataEntry) entry =
	    vmds_metadata_entry_new(domain, visibility, key, type, value);
	g_autoptr(GError) error = NULL;

	ck_assert_msg(vmds_metadata_set(store, object, &root, entry, &error),
		      "%s",
		      error != NULL ? error->message : "");
}

static void
sync_vm(const gchar *id, const gchar *owner, VmdsStore *store)
{
	g_autoptr(GError) error = NULL;

	ck_assert_msg(vmds_metadata_index_sync_vm(test_index, id, owner, store, &error),
		      "%s",
		      error != NULL ? error->message : "");
}

/*
 * vm-1 (alice): GENERAL env=prod tier=3, SYSTEM READONLY cost=5, SYSTEM
 * PRIVATE secret=s3, VCENTER host=esx-1; its data set a: env=prod; its data
 * set empty: nothing. vm-2 (bob): GENERAL env=prod tier=5.
 */
static void
setup(void)
{
	g_autoptr(GError) error = NULL;
	VmdsDataset dataset = {.name = (gchar *)"empty", .description = (gchar *)""};

	test_dir = g_dir_make_tmp("vmds-test-metadata-index-XXXXXX", NULL);
	ck_assert_ptr_nonnull(test_dir);
	test_schemas = g_ptr_array_new();
	g_ptr_array_add(test_schemas, (gpointer)&vmds_datasets_schema);
	g_ptr_array_add(test_schemas, (gpointer)&vmds_metadata_schema);
	test_vm1 = open_store("vm-1");
	test_vm2 = open_store("vm-2");
	ck_assert_msg(vmds_datasets_create(test_vm1, &dataset, &error), "%s", error->message);
	dataset.name = (gchar *)"a";
	ck_assert_msg(vmds_datasets_create(test_vm1, &dataset, &error), "%s", error->message);
	set(test_vm1,
	    &vm,
	    VMDS_METADATA_GENERAL,
	    VMDS_METADATA_READWRITE,
	    "env",
	    VMDS_METADATA_STRING,
	    "prod");
	set(test_vm1,
	    &vm,
	    VMDS_METADATA_GENERAL,
	    VMDS_METADATA_READWRITE,
	    "tier",
	    VMDS_METADATA_NUMBER,
	    "3");
	set(test_vm1,
	    &vm,
	    VMDS_METADATA_SYSTEM,
	    VMDS_METADATA_READONLY,
	    "cost",
	    VMDS_METADATA_NUMBER,
	    "5");
	set(test_vm1,
	    &vm,
	    VMDS_METADATA_SYSTEM,
	    VMDS_METADATA_PRIVATE,
	    "secret",
	    VMDS_METADATA_STRING,
	    "s3");
	set(test_vm1,
	    &vm,
	    VMDS_METADATA_VCENTER,
	    VMDS_METADATA_READWRITE,
	    "host",
	    VMDS_METADATA_STRING,
	    "esx-1");
	set(test_vm1,
	    &ds_a,
	    VMDS_METADATA_GENERAL,
	    VMDS_METADATA_READWRITE,
	    "env",
	    VMDS_METADATA_STRING,
	    "prod");
	set(test_vm2,
	    &vm,
	    VMDS_METADATA_GENERAL,
	    VMDS_METADATA_READWRITE,
	    "env",
	    VMDS_METADATA_STRING,
	    "prod");
	set(test_vm2,
	    &vm,
	    VMDS_METADATA_GENERAL,
	    VMDS_METADATA_READWRITE,
	    "tier",
	    VMDS_METADATA_NUMBER,
	    "5");
	test_index = open_index();
	sync_vm("vm-1", "alice", test_vm1);
	sync_vm("vm-2", "bob", test_vm2);
}

static void
teardown(void)
{
	g_clear_pointer(&test_index, vmds_metadata_index_free);
	g_clear_object(&test_vm1);
	g_clear_object(&test_vm2);
	vmds_test_rm_rf(test_dir);
	g_clear_pointer(&test_dir, g_free);
	g_clear_pointer(&test_schemas, g_ptr_array_unref);
}

static VmdsMetadataIndexResult *
query_full(const gchar *type,
	   const gchar *filter,
	   const VmdsCaller *caller,
	   guint page,
	   guint page_size,
	   const gchar *const *fields)
{
	g_autoptr(GError) error = NULL;
	VmdsMetadataIndexResult *result = vmds_metadata_index_query(
	    test_index, type, filter, caller, page, page_size, fields, &error);

	ck_assert((result == NULL) == (error != NULL));
	ck_assert_msg(result != NULL, "%s", error->message);
	return result;
}

/* the rows of page 1 as "vm-1,vm-1/a,..." */
static gchar *
query(const gchar *type, const gchar *filter, const VmdsCaller *caller)
{
	g_autoptr(VmdsMetadataIndexResult) result = query_full(type, filter, caller, 1, 128, NULL);
	g_autoptr(GString) text = g_string_new(NULL);

	ck_assert_uint_eq(result->total, result->rows->len);
	for (guint i = 0; i < result->rows->len; i++) {
		VmdsMetadataIndexRow *row = g_ptr_array_index(result->rows, i);
		if (text->len > 0)
			g_string_append_c(text, ',');
		g_string_append(text, row->vm);
		if (row->object_name[0] != '\0')
			g_string_append_printf(text, "/%s", row->object_name);
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

#define assert_query(type, filter, caller, expected)                                               \
	do {                                                                                       \
		g_autofree gchar *got_ = query(type, filter, caller);                              \
		ck_assert_str_eq(got_, expected);                                                  \
	} while (0)

static void
assert_generations_equal(const gchar *id, VmdsStore *store)
{
	g_autoptr(GError) error = NULL;
	guint64 indexed = 0;
	guint64 stored = 1;
	gboolean known = FALSE;

	ck_assert(vmds_metadata_get_generation(store, &stored, &error));
	ck_assert(vmds_metadata_index_get_generation(test_index, id, &known, &indexed, &error));
	ck_assert(known);
	ck_assert_uint_eq(indexed, stored);
}

START_TEST(test_metadata_index_sync)
{
	g_autofree gchar *path = index_path();
	GStatBuf st;

	assert_query("vm", NULL, &admin, "vm-1,vm-2");
	assert_query("vm", "", &admin, "vm-1,vm-2");
	/* the data sets listed from the store, with metadata or without */
	assert_query("dataset", NULL, &admin, "vm-1/a,vm-1/empty");
	assert_query("dataset", "metadata:env==STRING:prod", &admin, "vm-1/a");
	assert_generations_equal("vm-1", test_vm1);
	assert_generations_equal("vm-2", test_vm2);
	ck_assert_int_eq(g_stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(test_metadata_index_resync_on_generation)
{
	g_autofree gchar *path = index_path();
	sqlite3 *db = NULL;

	/* empty the index's entries behind its back: a sync at the same
	 * generation does not copy the store again */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM entries", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	sync_vm("vm-1", "alice", test_vm1);
	sync_vm("vm-2", "bob", test_vm2);
	assert_query("vm", "metadata:env==STRING:prod", &admin, "");
	/* a write bumps vm-2's generation: vm-2 alone is copied */
	set(test_vm2,
	    &vm,
	    VMDS_METADATA_GENERAL,
	    VMDS_METADATA_READWRITE,
	    "tier",
	    VMDS_METADATA_NUMBER,
	    "6");
	sync_vm("vm-1", "alice", test_vm1);
	sync_vm("vm-2", "bob", test_vm2);
	assert_query("vm", "metadata:env==STRING:prod", &admin, "vm-2");
	assert_query("vm", "metadata:tier==NUMBER:6", &admin, "vm-2");
	assert_generations_equal("vm-2", test_vm2);
}
END_TEST

START_TEST(test_metadata_index_two_conditions)
{
	assert_query("vm", "metadata:env==STRING:prod;metadata:tier=ge=NUMBER:4", &admin, "vm-2");
	assert_query("vm", "metadata:env==STRING:prod;metadata:tier=lt=NUMBER:4", &admin, "vm-1");
	assert_query("vm", "metadata:tier==NUMBER:3,metadata:tier==NUMBER:5", &admin, "vm-1,vm-2");
	assert_query("vm", "metadata:env==STRING:prod;metadata:tier=gt=NUMBER:5", &admin, "");
}
END_TEST

START_TEST(test_metadata_index_visibility)
{
	const gchar *fields[] = {"metadata@SYSTEM:secret",
				 "metadata@SYSTEM:cost",
				 "metadata@VCENTER:host",
				 "metadata:env",
				 "metadata:absent",
				 NULL};
	struct {
		const VmdsCaller *caller;
		const gchar *secret;
		const gchar *host;
	} viewers[] = {
	    {&admin, "s3", "esx-1"},
	    {&alice, NULL, NULL},
	    {&alice_vc, NULL, "esx-1"},
	};

	/* PRIVATE: administrators only; READONLY: the owner too; VCENTER:
	 * holders of the right */
	assert_query("vm", "metadata@SYSTEM:secret==STRING:s3", &admin, "vm-1");
	assert_query("vm", "metadata@SYSTEM:secret==STRING:s3", &alice, "");
	assert_query("vm", "metadata@SYSTEM:secret!=STRING:x", &alice, "");
	assert_query("vm", "metadata@SYSTEM:cost==NUMBER:5", &alice, "vm-1");
	assert_query("vm", "metadata@VCENTER:host==STRING:esx-1", &alice, "");
	assert_query("vm", "metadata@VCENTER:host==STRING:esx-1", &alice_vc, "vm-1");
	for (guint i = 0; i < G_N_ELEMENTS(viewers); i++) {
		g_autoptr(VmdsMetadataIndexResult) result =
		    query_full("vm", NULL, viewers[i].caller, 1, 25, fields);
		VmdsMetadataIndexRow *row = g_ptr_array_index(result->rows, 0);
		VmdsMetadataEntry *e;

		ck_assert_str_eq(row->vm, "vm-1");
		ck_assert_uint_eq(row->fields->len, 5);
		e = g_ptr_array_index(row->fields, 0);
		if (viewers[i].secret == NULL)
			ck_assert_ptr_null(e);
		else
			ck_assert_str_eq(e->value, viewers[i].secret);
		e = g_ptr_array_index(row->fields, 1);
		ck_assert_ptr_nonnull(e);
		ck_assert_str_eq(e->value, "5");
		ck_assert_int_eq(e->type, VMDS_METADATA_NUMBER);
		ck_assert_int_eq(e->visibility, VMDS_METADATA_READONLY);
		e = g_ptr_array_index(row->fields, 2);
		if (viewers[i].host == NULL)
			ck_assert_ptr_null(e);
		else
			ck_assert_str_eq(e->value, viewers[i].host);
		e = g_ptr_array_index(row->fields, 3);
		ck_assert_str_eq(e->value, "prod");
		ck_assert_ptr_null(g_ptr_array_index(row->fields, 4));
	}
}
END_TEST

START_TEST(test_metadata_index_owners)
{
	const VmdsCaller carol = {"carol", FALSE, FALSE};

	assert_query("vm", NULL, &alice, "vm-1");
	assert_query("vm", NULL, &bob, "vm-2");
	assert_query("vm", NULL, &carol, "");
	assert_query("dataset", NULL, &bob, "");
	assert_query("vm", "metadata:env==STRING:prod", &bob, "vm-2");
	/* ::vm-owner-changed: the generation is the same, the owner follows */
	sync_vm("vm-1", "bob", test_vm1);
	assert_query("vm", NULL, &alice, "");
	assert_query("vm", NULL, &bob, "vm-1,vm-2");
	assert_query("dataset", NULL, &bob, "vm-1/a,vm-1/empty");
	/* no owner: the administrators' alone */
	sync_vm("vm-1", NULL, test_vm1);
	assert_query("vm", NULL, &bob, "vm-2");
	assert_query("vm", NULL, &admin, "vm-1,vm-2");
}
END_TEST

START_TEST(test_metadata_index_paging)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GError) error = NULL;
	guint n = 0;

	/* vm-3 to vm-32, given directly: vm-10 sorts after vm-9 (VM number) */
	for (guint i = 3; i <= 32; i++) {
		g_autoptr(GPtrArray) objects =
		    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_metadata_index_object_free);
		VmdsMetadataIndexObject *object =
		    vmds_metadata_index_object_new(VMDS_METADATA_OBJECT_VM, "");
		g_autofree gchar *id = g_strdup_printf("vm-%u", i);
		g_autofree gchar *value = g_strdup_printf("%u", i);

		g_ptr_array_add(object->entries,
				vmds_metadata_entry_new(VMDS_METADATA_GENERAL,
							VMDS_METADATA_READWRITE,
							"n",
							VMDS_METADATA_NUMBER,
							value));
		((VmdsMetadataEntry *)g_ptr_array_index(object->entries, 0))->num = i;
		g_ptr_array_add(objects, object);
		ck_assert_msg(
		    vmds_metadata_index_replace_vm(test_index, id, "carol", 1, objects, &error),
		    "%s",
		    error != NULL ? error->message : "");
	}
	for (guint page = 1; page <= 6; page++) {
		const VmdsCaller carol = {"carol", FALSE, FALSE};
		g_autoptr(VmdsMetadataIndexResult) result =
		    query_full("vm", "metadata:n=ge=NUMBER:3", &carol, page, 7, NULL);

		ck_assert_uint_eq(result->total, 30);
		ck_assert_uint_eq(result->page, page);
		ck_assert_uint_eq(result->rows->len, page < 5 ? 7 : page == 5 ? 2 : 0);
		for (guint i = 0; i < result->rows->len; i++) {
			VmdsMetadataIndexRow *row = g_ptr_array_index(result->rows, i);
			g_autofree gchar *expected = g_strdup_printf("vm-%u", 3 + n++);
			ck_assert_str_eq(row->vm, expected);
			ck_assert(g_hash_table_add(seen, g_strdup(row->vm)));
		}
	}
	ck_assert_uint_eq(n, 30);
	/* the default page size */
	{
		g_autoptr(VmdsMetadataIndexResult) result =
		    query_full("vm", NULL, &admin, 1, 0, NULL);
		ck_assert_uint_eq(result->page_size, 25);
		ck_assert_uint_eq(result->rows->len, 25);
		ck_assert_uint_eq(result->total, 32);
	}
}
END_TEST

START_TEST(test_metadata_index_remove)
{
	g_autoptr(GError) error = NULL;
	guint64 generation = 1;
	gboolean known = TRUE;

	ck_assert(vmds_metadata_index_remove_vm(test_index, "vm-1", &error));
	assert_query("vm", NULL, &admin, "vm-2");
	assert_query("dataset", NULL, &admin, "");
	assert_query("vm", "metadata:env==STRING:prod", &admin, "vm-2");
	ck_assert(
	    vmds_metadata_index_get_generation(test_index, "vm-1", &known, &generation, &error));
	ck_assert(!known);
	ck_assert_uint_eq(generation, 0);
	/* removing an unknown VM is no error */
	ck_assert(vmds_metadata_index_remove_vm(test_index, "vm-9", &error));
}
END_TEST

START_TEST(test_metadata_index_refresh)
{
	g_autoptr(GError) error = NULL;
	VmdsDataset dataset = {.name = (gchar *)"new", .description = (gchar *)""};

	/* a data set without metadata: the generation stays, a sync copies
	 * nothing, a refresh lists it; its deletion the same */
	ck_assert_msg(vmds_datasets_create(test_vm1, &dataset, &error), "%s", error->message);
	sync_vm("vm-1", "alice", test_vm1);
	assert_query("dataset", NULL, &admin, "vm-1/a,vm-1/empty");
	ck_assert(vmds_metadata_index_refresh_vm(test_index, "vm-1", "alice", test_vm1, &error));
	assert_query("dataset", NULL, &admin, "vm-1/a,vm-1/empty,vm-1/new");
	ck_assert(vmds_datasets_delete(test_vm1, "empty", TRUE, &error));
	ck_assert(vmds_metadata_index_refresh_vm(test_index, "vm-1", "alice", test_vm1, &error));
	assert_query("dataset", NULL, &admin, "vm-1/a,vm-1/new");
	assert_query("vm", "metadata:env==STRING:prod;metadata:tier==NUMBER:3", &admin, "vm-1");
	assert_generations_equal("vm-1", test_vm1);
}
END_TEST

/* the store changes while the daemon is down (or the daemon dies between the
 * store's commit and the index's): the index, not told, is reconciled by the
 * sync at start */
START_TEST(test_metadata_index_reconcile)
{
	g_autoptr(GError) error = NULL;

	g_clear_pointer(&test_index, vmds_metadata_index_free);
	set(test_vm1,
	    &vm,
	    VMDS_METADATA_GENERAL,
	    VMDS_METADATA_READWRITE,
	    "tier",
	    VMDS_METADATA_NUMBER,
	    "7");
	ck_assert(
	    vmds_metadata_remove(test_vm1, &ds_a, &root, VMDS_METADATA_GENERAL, "env", &error));
	test_index = open_index();
	/* before the sync: what it knew */
	assert_query("vm", "metadata:tier==NUMBER:3", &admin, "vm-1");
	assert_query("dataset", "metadata:env==STRING:prod", &admin, "vm-1/a");
	sync_vm("vm-1", "alice", test_vm1);
	sync_vm("vm-2", "bob", test_vm2);
	assert_query("vm", "metadata:tier==NUMBER:3", &admin, "");
	assert_query("vm", "metadata:tier==NUMBER:7", &admin, "vm-1");
	assert_query("dataset", "metadata:env==STRING:prod", &admin, "");
	assert_query("dataset", NULL, &admin, "vm-1/a,vm-1/empty");
	assert_generations_equal("vm-1", test_vm1);

	/* an index lost altogether is rebuilt by the syncs */
	g_clear_pointer(&test_index, vmds_metadata_index_free);
	{
		g_autofree gchar *path = index_path();
		g_autofree gchar *wal = g_strdup_printf("%s-wal", path);
		g_autofree gchar *shm = g_strdup_printf("%s-shm", path);
		g_unlink(path);
		g_unlink(wal);
		g_unlink(shm);
	}
	test_index = open_index();
	assert_query("vm", NULL, &admin, "");
	sync_vm("vm-1", "alice", test_vm1);
	sync_vm("vm-2", "bob", test_vm2);
	assert_query(
	    "vm", "metadata:env==STRING:prod;metadata:tier=ge=NUMBER:5", &admin, "vm-1,vm-2");
}
END_TEST

/* a child writes metadata and syncs the index in a loop, as the daemon does
 * (the store commits, then the index), and is killed with SIGKILL at a
 * random point; after each kill the index, synced as at start, agrees with
 * the store: every entry of the store is found by a query, with its value */
static void
crash_child(gint fd)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsStore) store = open_store("vm-1");
	g_autoptr(VmdsMetadataIndex) index = open_index();

	for (guint i = 0;; i++) {
		g_autofree gchar *key = g_strdup_printf("k%u", g_random_int_range(0, 40));
		g_autofree gchar *value = g_strdup_printf("%u", i);
		g_autoptr(VmdsMetadataEntry) entry =
		    vmds_metadata_entry_new(VMDS_METADATA_GENERAL,
					    VMDS_METADATA_READWRITE,
					    key,
					    VMDS_METADATA_NUMBER,
					    value);

		if (g_random_boolean() &&
		    !vmds_metadata_remove(store, &vm, &root, VMDS_METADATA_GENERAL, key, &error))
			g_clear_error(&error);
		else if (!vmds_metadata_set(store, &vm, &root, entry, &error) ||
			 !vmds_metadata_index_sync_vm(index, "vm-1", "alice", store, &error))
			_exit(2);
		if (write(fd, "x", 1) != 1)
			_exit(3);
	}
}

START_TEST(test_metadata_index_crash)
{
	g_clear_pointer(&test_index, vmds_metadata_index_free);
	g_clear_object(&test_vm1);
	for (guint cycle = 0; cycle < 8; cycle++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) entries = NULL;
		guint writes = (guint)g_random_int_range(1, 30);
		gint fds[2];
		gint status = 0;
		pid_t pid;
		gchar byte;

		ck_assert_int_eq(pipe(fds), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(fds[0]);
			crash_child(fds[1]);
		}
		close(fds[1]);
		for (guint i = 0; i < writes; i++)
			ck_assert_int_eq(read(fds[0], &byte, 1), 1);
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status));
		close(fds[0]);

		/* the start: the stores are the truth */
		test_vm1 = open_store("vm-1");
		test_index = open_index();
		sync_vm("vm-1", "alice", test_vm1);
		assert_generations_equal("vm-1", test_vm1);
		entries = vmds_metadata_list(test_vm1, &vm, &root, &error);
		ck_assert_ptr_nonnull(entries);
		for (guint i = 0; i < entries->len; i++) {
			VmdsMetadataEntry *entry = g_ptr_array_index(entries, i);
			g_autofree gchar *filter =
			    g_strdup_printf("metadata@%s:%s==%s:%s",
					    vmds_metadata_domain_to_string(entry->domain),
					    entry->key,
					    vmds_metadata_type_to_string(entry->type),
					    entry->value);
			g_autofree gchar *other =
			    g_strdup_printf("metadata@%s:%s!=%s:%s",
					    vmds_metadata_domain_to_string(entry->domain),
					    entry->key,
					    vmds_metadata_type_to_string(entry->type),
					    entry->value);
			/* vm-2 shares env=prod: vm-1 is what counts */
			g_autofree gchar *got = query("vm", filter, &admin);
			g_autofree gchar *got_other = query("vm", other, &admin);
			g_auto(GStrv) rows = g_strsplit(got, ",", -1);
			g_auto(GStrv) rows_other = g_strsplit(got_other, ",", -1);
			ck_assert_msg(
			    g_strv_contains((const gchar *const *)rows, "vm-1"), "%s", filter);
			ck_assert_msg(!g_strv_contains((const gchar *const *)rows_other, "vm-1"),
				      "%s",
				      other);
		}
		/* and no key the store does not hold */
		for (guint k = 0; k < 40; k++) {
			g_autofree gchar *key = g_strdup_printf("k%u", k);
			g_autofree gchar *filter =
			    g_strdup_printf("metadata:%s=ge=NUMBER:-9223372036854775808", key);
			gboolean held = FALSE;
			for (guint i = 0; i < entries->len; i++)
				held |= g_str_equal(
				    ((VmdsMetadataEntry *)g_ptr_array_index(entries, i))->key, key);
			assert_query("vm", filter, &admin, held ? "vm-1" : "");
		}
		g_clear_pointer(&test_index, vmds_metadata_index_free);
		g_clear_object(&test_vm1);
	}
}
END_TEST

static const struct {
	const gchar *type;
	const gchar *filter;
	guint page;
	guint page_size;
	const gchar *field;
	const gchar *message;
} bad_queries[] = {
    {"vm", "metadata:env==STRING", 1, 25, NULL, "filter: column "},
    {"vm", "metadata:env=gt=STRING:x", 1, 25, NULL, "filter: column "},
    {"vApp", NULL, 1, 25, NULL, "type: "},
    {"vm", NULL, 0, 25, NULL, "page: "},
    {"vm", NULL, 1, 129, NULL, "pageSize: "},
    {"vm", NULL, 1, 25, "env", "fields: "},
    {"vm", NULL, 1, 25, "metadata@NOPE:env", "fields: "},
    {"vm", NULL, 1, 25, "metadata:a;b", "fields: "},
};

START_TEST(test_metadata_index_errors)
{
	g_autoptr(GError) error = NULL;
	const gchar *fields[] = {bad_queries[_i].field, NULL};
	g_autoptr(VmdsMetadataIndexResult) result =
	    vmds_metadata_index_query(test_index,
				      bad_queries[_i].type,
				      bad_queries[_i].filter,
				      &admin,
				      bad_queries[_i].page,
				      bad_queries[_i].page_size,
				      bad_queries[_i].field != NULL ? fields : NULL,
				      &error);

	ck_assert_ptr_null(result);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	ck_assert_msg(
	    g_str_has_prefix(error->message, bad_queries[_i].message), "%s", error->message);
}
END_TEST

START_TEST(test_metadata_index_max_page_size)
{
	g_autoptr(VmdsMetadataIndexResult) result = query_full("vm", NULL, &admin, 1, 128, NULL);

	ck_assert_uint_eq(result->page_size, 128);
	/* a page past the last is empty, the total kept */
	{
		g_autoptr(VmdsMetadataIndexResult) past =
		    query_full("vm", NULL, &admin, 3, 1, NULL);
		ck_assert_uint_eq(past->total, 2);
		ck_assert_uint_eq(past->rows->len, 0);
	}
}
END_TEST

static Suite *
metadata_index_suite(void)
{
	Suite *s = suite_create("metadata-index");
	TCase *tc = tcase_create("sync");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_metadata_index_sync);
	tcase_add_test(tc, test_metadata_index_resync_on_generation);
	tcase_add_test(tc, test_metadata_index_reconcile);
	tcase_add_test(tc, test_metadata_index_remove);
	tcase_add_test(tc, test_metadata_index_refresh);
	suite_add_tcase(s, tc);

	tc = tcase_create("crash");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_metadata_index_crash);
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_metadata_index_two_conditions);
	tcase_add_test(tc, test_metadata_index_visibility);
	tcase_add_test(tc, test_metadata_index_owners);
	tcase_add_test(tc, test_metadata_index_paging);
	tcase_add_test(tc, test_metadata_index_max_page_size);
	tcase_add_loop_test(tc, test_metadata_index_errors, 0, G_N_ELEMENTS(bad_queries));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *runner = srunner_create(metadata_index_suite());
	gint failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "vmds-metadata-query.h"
#include "vmds-test.h"

/*
 * GET /api/query (vmds-metadata-query.c), the route called directly on an
 * index of two VMs given through vmds_metadata_index_replace_vm(): vm-1
 * (alice) env=prod tier=3 and SYSTEM PRIVATE secret=s3, vm-2 (bob) env=prod
 * tier=5. The replies are written by hand from the route's comment.
 */

static gchar *test_dir = NULL;
static VmdsMetadataIndex *test_index = NULL;
static VmdsPlugin *test_plugin = NULL;

static void
add_vm(const gchar *id, const gchar *owner, const gchar *tier, gint64 num, gboolean secret)
{
	g_autoptr(GPtrArray) objects =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_metadata_index_object_free);
	VmdsMetadataIndexObject *object =
	    vmds_metadata_index_object_new(VMDS_METADATA_OBJECT_VM, "");
	g_autoptr(GError) error = NULL;
	VmdsMetadataEntry *entry;

	g_ptr_array_add(object->entries,
			vmds_metadata_entry_new(VMDS_METADATA_GENERAL,
						VMDS_METADATA_READWRITE,
						"env",
						VMDS_METADATA_STRING,
						"prod"));
	entry = vmds_metadata_entry_new(
	    VMDS_METADATA_GENERAL, VMDS_METADATA_READWRITE, "tier", VMDS_METADATA_NUMBER, tier);
	entry->num = num;
	g_ptr_array_add(object->entries, entry);
	if (secret)
		g_ptr_array_add(object->entries,
				vmds_metadata_entry_new(VMDS_METADATA_SYSTEM,
							VMDS_METADATA_PRIVATE,
							"secret",
							VMDS_METADATA_STRING,
							"s3"));
	g_ptr_array_add(objects, object);
	ck_assert_msg(vmds_metadata_index_replace_vm(test_index, id, owner, 1, objects, &error),
		      "%s",
		      error != NULL ? error->message : "");
}

static void
setup(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;

	test_dir = g_dir_make_tmp("vmds-test-metadata-query-XXXXXX", NULL);
	ck_assert_ptr_nonnull(test_dir);
	path = g_build_filename(test_dir, "metadata-index.db", NULL);
	test_index = vmds_metadata_index_open(path, &error);
	ck_assert_msg(test_index != NULL, "%s", error != NULL ? error->message : "");
	add_vm("vm-1", "alice", "3", 3, TRUE);
	add_vm("vm-2", "bob", "5", 5, FALSE);
	test_plugin = g_object_new(VMDS_TYPE_PLUGIN, "name", "metadata", NULL);
	vmds_metadata_query_add_routes(test_plugin, test_index);
}

static void
teardown(void)
{
	g_clear_object(&test_plugin);
	g_clear_pointer(&test_index, vmds_metadata_index_free);
	vmds_test_rm_rf(test_dir);
	g_clear_pointer(&test_dir, g_free);
}

/* the route's reply to @query ("k=v&k=v", values as decoded), or its error */
static gchar *
call(const VmdsCaller *caller, const gchar *const *query, GError **error)
{
	GPtrArray *routes = vmds_plugin_get_routes(test_plugin);
	VmdsRoute *route = NULL;
	g_autoptr(GHashTable) params = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) table = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GString) response = g_string_new(NULL);
	VmdsRequest request = {0};

	for (guint i = 0; i < routes->len; i++) {
		VmdsRoute *r = g_ptr_array_index(routes, i);
		if (g_str_equal(r->pattern, "/api/query") && g_str_equal(r->method, "GET"))
			route = r;
	}
	ck_assert_ptr_nonnull(route);
	ck_assert_int_eq(route->flags, VMDS_ROUTE_FLAG_NONE);
	for (guint i = 0; query[i] != NULL; i += 2)
		g_hash_table_insert(table, (gpointer)query[i], (gpointer)query[i + 1]);
	request.method = "GET";
	request.params = params;
	request.query = table;
	request.body = "";
	request.body_fd = -1;
	request.response = response;
	request.caller = *caller;
	if (!route->func(test_plugin, &request, error))
		return NULL;
	return g_strdup(response->str);
}

static const VmdsCaller admin = {"root", TRUE, FALSE};
static const VmdsCaller alice = {"alice", FALSE, FALSE};

START_TEST(test_metadata_query_reply)
{
	const gchar *query[] = {"type",
				"vm",
				"filter",
				"metadata:env==STRING:prod;metadata:tier=ge=NUMBER:3",
				"fields",
				"metadata:tier,metadata@SYSTEM:secret,metadata:n%6Fne",
				NULL};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *admin_reply = call(&admin, query, &error);
	g_autofree gchar *alice_reply = NULL;

	ck_assert_msg(admin_reply != NULL, "%s", error->message);
	ck_assert_str_eq(
	    admin_reply,
	    "{\"resultTotal\":2,\"pageCount\":1,\"page\":1,\"pageSize\":25,\"record\":["
	    "{\"vm\":\"vm-1\",\"type\":\"vm\",\"metadataEntry\":["
	    "{\"key\":\"tier\",\"typedValue\":{\"_type\":\"MetadataNumberValue\",\"value\":3}},"
	    "{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":\"PRIVATE\"},\"key\":\"secret\","
	    "\"typedValue\":{\"_type\":\"MetadataStringValue\",\"value\":\"s3\"}}]},"
	    "{\"vm\":\"vm-2\",\"type\":\"vm\",\"metadataEntry\":["
	    "{\"key\":\"tier\",\"typedValue\":{\"_type\":\"MetadataNumberValue\",\"value\":5}}]}"
	    "]}");
	/* alice: her VM, and not the PRIVATE entry */
	alice_reply = call(&alice, query, &error);
	ck_assert_msg(alice_reply != NULL, "%s", error->message);
	ck_assert_str_eq(
	    alice_reply,
	    "{\"resultTotal\":1,\"pageCount\":1,\"page\":1,\"pageSize\":25,\"record\":["
	    "{\"vm\":\"vm-1\",\"type\":\"vm\",\"metadataEntry\":["
	    "{\"key\":\"tier\",\"typedValue\":{\"_type\":\"MetadataNumberValue\",\"value\":3}}]}"
	    "]}");
}
END_TEST

START_TEST(test_metadata_query_pages)
{
	const gchar *query[] = {"type", "vm", "page", "2", "pageSize", "1", NULL};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *reply = call(&admin, query, &error);

	ck_assert_msg(reply != NULL, "%s", error->message);
	ck_assert_str_eq(reply,
			 "{\"resultTotal\":2,\"pageCount\":2,\"page\":2,\"pageSize\":1,\"record\":["
			 "{\"vm\":\"vm-2\",\"type\":\"vm\",\"metadataEntry\":[]}]}");
}
END_TEST

static const struct {
	const gchar *query[7];
	const gchar *message;
} bad[] = {
    {{"filter", "metadata:env==STRING:prod", NULL}, "type: required"},
    {{"type", "vm", "filter", "metadata:env=gt=STRING:x", NULL}, "filter: column "},
    {{"type", "vm", "page", "0", NULL}, "page: '0'"},
    {{"type", "vm", "pageSize", "x", NULL}, "pageSize: 'x'"},
    {{"type", "vm", "pageSize", "129", NULL}, "pageSize: '129' is not an integer from 1 to 128"},
    {{"type", "vm", "pageSize", "4294967296", NULL}, "pageSize: '4294967296' is not an integer"},
    {{"type", "vm", "page", "4294967296", NULL}, "page: '4294967296' is not an integer"},
    {{"type", "vm", "fields", "env", NULL}, "fields: 'env'"},
    {{"type", "folder", NULL}, "type: 'folder'"},
};

START_TEST(test_metadata_query_errors)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *reply = call(&admin, bad[_i].query, &error);

	ck_assert_ptr_null(reply);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	ck_assert_msg(g_str_has_prefix(error->message, bad[_i].message), "%s", error->message);
}
END_TEST

static Suite *
metadata_query_suite(void)
{
	Suite *s = suite_create("metadata-query");
	TCase *tc = tcase_create("route");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_metadata_query_reply);
	tcase_add_test(tc, test_metadata_query_pages);
	tcase_add_loop_test(tc, test_metadata_query_errors, 0, G_N_ELEMENTS(bad));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *runner = srunner_create(metadata_query_suite());
	gint failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

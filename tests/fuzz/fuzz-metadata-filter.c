/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "vmds-metadata-filter.h"

/*
 * The metadata query filter, vmds_metadata_filter_parse(), on any text (a
 * query's `filter` parameter), and the SQL it compiles to. Oracles: NULL
 * exactly when an error is set, and then VMDS_ERROR_INVALID_ARGUMENT saying
 * "filter: column N: " with N within the text (or that it is too long); a
 * filter has 1 to 8 conditions; for each viewer its SQL holds one '?' per
 * parameter and no literal, prepares against the index's schema, binds and
 * runs over a few fixtures; and what an owner selects, an owner with the
 * VCENTER right selects too, and an administrator too (a viewer who sees
 * more entries never selects fewer objects: the filter negates no condition).
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

static sqlite3 *vmds_fuzz_index = NULL;

/* the design note's index, and entries with the keys of the seeds */
static const gchar vmds_fuzz_index_sql[] =
    "CREATE TABLE objects(object_id INTEGER PRIMARY KEY, vm TEXT, vm_number INTEGER,"
    " object_type TEXT, object_name TEXT, owner TEXT, UNIQUE(vm, object_type, object_name));"
    "CREATE TABLE entries(object_id INTEGER REFERENCES objects(object_id) ON DELETE CASCADE,"
    " domain TEXT, visibility TEXT, key TEXT, type TEXT, value TEXT, num INTEGER,"
    " PRIMARY KEY (object_id, domain, key));"
    "CREATE INDEX entries_value ON entries(key, type, value);"
    "CREATE INDEX entries_num ON entries(key, type, num);"
    "CREATE TABLE vm_generations(vm TEXT PRIMARY KEY, generation INTEGER);"
    "INSERT INTO objects VALUES (1, 'vm-1', 1, 'vm', '', 'alice');"
    "INSERT INTO objects VALUES (2, 'vm-2', 2, 'vm', '', 'alice');"
    "INSERT INTO objects VALUES (3, 'vm-2', 2, 'dataset', 'rw', 'alice');"
    "INSERT INTO entries VALUES (1, 'GENERAL', 'READWRITE', 'a', 'STRING', 'x', NULL);"
    "INSERT INTO entries VALUES (1, 'GENERAL', 'READWRITE', 'env', 'STRING', 'prod', NULL);"
    "INSERT INTO entries VALUES (1, 'GENERAL', 'READWRITE', 'tier', 'NUMBER', '2', 2);"
    "INSERT INTO entries VALUES (1, 'SYSTEM', 'PRIVATE', 'a', 'NUMBER', '1', 1);"
    "INSERT INTO entries VALUES (1, 'VCENTER', 'READWRITE', 'a', 'STRING', 'x', NULL);"
    "INSERT INTO entries VALUES (2, 'GENERAL', 'READWRITE', 'env', 'STRING', 'Prod', NULL);"
    "INSERT INTO entries VALUES (2, 'GENERAL', 'READWRITE', 'a', 'BOOLEAN', 'true', 1);"
    "INSERT INTO entries VALUES (2, 'GENERAL', 'READWRITE', 'long', 'STRING', NULL, NULL);"
    "INSERT INTO entries VALUES (2, 'SYSTEM', 'READONLY', 'a', 'DATETIME',"
    " '2012-06-18T17:00:00Z', 1340038800000000);"
    "INSERT INTO entries VALUES (2, 'SYSTEM', 'PRIVATE', 'tier', 'NUMBER', '9', 9);"
    "INSERT INTO entries VALUES (3, 'GENERAL', 'READWRITE', 'a', 'STRING', 'X*', NULL);"
    "INSERT INTO entries VALUES (3, 'VCENTER', 'READWRITE', 'env', 'NUMBER', '-1', -1);";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;
	gchar *msg = NULL;

	vmds_fuzz_init_logging();
	if (sqlite3_open(":memory:", &vmds_fuzz_index) != SQLITE_OK ||
	    sqlite3_exec(vmds_fuzz_index, vmds_fuzz_index_sql, NULL, NULL, &msg) != SQLITE_OK)
		vmds_fuzz_fail(G_STRLOC, "index", "%s", msg != NULL ? msg : "no memory");
	if (!vmds_metadata_filter_register(vmds_fuzz_index, &error))
		vmds_fuzz_fail(G_STRLOC, "register", "%s", error->message);
	return 0;
}

/* the objects @filter selects for a viewer, as a bit set */
static guint
vmds_fuzz_select(const VmdsMetadataFilter *filter, gboolean administrator, gboolean vcenter)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) params =
	    g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autofree gchar *where =
	    vmds_metadata_filter_to_sql(filter, administrator, vcenter, params);
	g_autofree gchar *sql = NULL;
	guint marks = 0;
	guint selected = 0;
	gint rc;

	for (const gchar *p = where; *p != '\0'; p++)
		marks += *p == '?';
	VMDS_FUZZ_CHECK(
	    marks == params->len, "%u '?' for %u params: %s", marks, params->len, where);
	VMDS_FUZZ_CHECK(strpbrk(where, "'\"") == NULL, "a literal in %s", where);
	sql = g_strdup_printf("SELECT o.object_id FROM objects AS o WHERE %s", where);
	rc = sqlite3_prepare_v2(vmds_fuzz_index, sql, -1, &stmt, NULL);
	VMDS_FUZZ_CHECK(rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(vmds_fuzz_index));
	VMDS_FUZZ_CHECK(sqlite3_bind_parameter_count(stmt) == (gint)params->len,
			"%d parameters, %u values",
			sqlite3_bind_parameter_count(stmt),
			params->len);
	VMDS_FUZZ_CHECK(vmds_metadata_filter_bind(stmt, 1, params, &error), "%s", error->message);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		selected |= 1u << sqlite3_column_int(stmt, 0);
	VMDS_FUZZ_CHECK(rc == SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(vmds_fuzz_index));
	return selected;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsMetadataFilter) filter = vmds_metadata_filter_parse(text, &error);
	guint owner, vcenter, administrator;

	VMDS_FUZZ_CHECK((filter == NULL) == (error != NULL), "filter %p, error %p", filter, error);
	if (filter == NULL) {
		guint64 column = 0;
		const gchar *end = NULL;
		VMDS_FUZZ_CHECK(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT),
				"error %s %d: %s",
				g_quark_to_string(error->domain),
				error->code,
				error->message);
		VMDS_FUZZ_CHECK(g_utf8_validate(error->message, -1, NULL), "message not UTF-8");
		if (g_str_equal(error->message, "filter: longer than 8192 bytes")) {
			VMDS_FUZZ_CHECK(strlen(text) > VMDS_METADATA_FILTER_MAX_LENGTH,
					"%zu bytes refused",
					strlen(text));
			return 0;
		}
		VMDS_FUZZ_CHECK(
		    g_str_has_prefix(error->message, "filter: column "), "%s", error->message);
		column = g_ascii_strtoull(
		    error->message + strlen("filter: column "), (gchar **)&end, 10);
		VMDS_FUZZ_CHECK(column >= 1 && g_str_has_prefix(end, ": "), "%s", error->message);
		/* the column of a character of the text, or of its end */
		g_utf8_validate(text, -1, &end);
		VMDS_FUZZ_CHECK(
		    column <= (guint64)g_utf8_strlen(text, end - text) + 1, "%s", error->message);
		return 0;
	}
	VMDS_FUZZ_CHECK(strlen(text) <= VMDS_METADATA_FILTER_MAX_LENGTH &&
			    g_utf8_validate(text, -1, NULL),
			"a text of %zu bytes parsed",
			strlen(text));
	VMDS_FUZZ_CHECK(vmds_metadata_filter_get_n_conditions(filter) >= 1 &&
			    vmds_metadata_filter_get_n_conditions(filter) <=
				VMDS_METADATA_FILTER_MAX_CONDITIONS,
			"%u conditions",
			vmds_metadata_filter_get_n_conditions(filter));
	owner = vmds_fuzz_select(filter, FALSE, FALSE);
	vcenter = vmds_fuzz_select(filter, FALSE, TRUE);
	administrator = vmds_fuzz_select(filter, TRUE, FALSE);
	VMDS_FUZZ_CHECK((owner & ~vcenter) == 0 && (vcenter & ~administrator) == 0,
			"selected %x by the owner, %x with VCENTER, %x by an administrator",
			owner,
			vcenter,
			administrator);
	VMDS_FUZZ_CHECK(vmds_fuzz_select(filter, TRUE, TRUE) == administrator,
			"an administrator's right to VCENTER changed the selection");
	return 0;
}

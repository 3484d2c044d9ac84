/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "vmds-metadata-index.h"

/*
 * vmds-metadata-query DIR [VMS ENTRIES REPS]: the global metadata index at
 * scale, in-process (no daemon, no REST). DIR/metadata-index.db gets VMS VMs
 * (10,000) of ENTRIES entries each (20), given directly to the index
 * (vmds_metadata_index_replace_vm(), the function sync uses): `env` a STRING
 * of 5 values, `tier` a NUMBER 0-9, the rest STRING, NUMBER, DATETIME and
 * BOOLEAN values, one owner in 100. The floor, DIR/floor.db, holds the same
 * entries in ONE table (vm, key, type, value, num) with the index's two
 * indexes. Timed, interleaved, REPS times each, medians:
 *
 * - Q1 a query with two metadata conditions through
 *   vmds_metadata_index_query() (`metadata:env==STRING:prod;
 *   metadata:tier=ge=NUMBER:8`, an administrator, page 1 of 25: the total
 *   and the page), and the same selection run directly on the floor table:
 *   the count and the first 25 VMs of the two conditions, as an INTERSECT
 *   and as a self-join (the floor: the faster; its indexes cover vm);
 * - Q2 the same as a user owning 100 of the VMs (its ratio to Q1's floor,
 *   which selects for all owners: the floor table has no owners);
 * - Q3 the same query returning the two fields;
 * - W  metadata writes: one entry of a VM's real store changed
 *   (vmds_metadata_set(), its durable commit) and the index synced
 *   (vmds_metadata_index_sync_vm()), against the store write alone.
 *
 * Prints one JSON object; times in milliseconds.
 */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3, sqlite3_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

#define BENCH_FILTER "metadata:env==STRING:prod;metadata:tier=ge=NUMBER:8"

static const gchar *const bench_envs[] = {"prod", "dev", "test", "stage", "qa"};

static gint
bench_compare_cb(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;
	return x < y ? -1 : x > y;
}

static gdouble
bench_median(GArray *times)
{
	g_array_sort(times, bench_compare_cb);
	return g_array_index(times, gdouble, times->len / 2);
}

static gdouble
bench_now_ms(void)
{
	return (gdouble)g_get_monotonic_time() / 1000.0;
}

/* entry @j of VM @i */
static VmdsMetadataEntry *
bench_entry(guint i, guint j)
{
	g_autofree gchar *key = NULL;
	g_autofree gchar *value = NULL;
	VmdsMetadataType type;
	VmdsMetadataEntry *entry;
	gint64 num = 0;

	if (j == 0) {
		entry =
		    vmds_metadata_entry_new(VMDS_METADATA_GENERAL,
					    VMDS_METADATA_READWRITE,
					    "env",
					    VMDS_METADATA_STRING,
					    bench_envs[(i * 7 + i / 5) % G_N_ELEMENTS(bench_envs)]);
		return entry;
	}
	if (j == 1) {
		num = (i * 3 + i / 10) % 10;
		value = g_strdup_printf("%" G_GINT64_FORMAT, num);
		entry = vmds_metadata_entry_new(VMDS_METADATA_GENERAL,
						VMDS_METADATA_READWRITE,
						"tier",
						VMDS_METADATA_NUMBER,
						value);
		entry->num = num;
		return entry;
	}
	key = g_strdup_printf("com.example.key-%02u", j);
	switch (j % 4) {
	case 0:
		type = VMDS_METADATA_STRING;
		value = g_strdup_printf("value %u of vm %u", j, i % 997);
		break;
	case 1:
		type = VMDS_METADATA_NUMBER;
		num = (gint64)((i * 31 + j) % 1000);
		value = g_strdup_printf("%" G_GINT64_FORMAT, num);
		break;
	case 2:
		type = VMDS_METADATA_DATETIME;
		num = ((gint64)1340038800 + (gint64)i * 60) * G_USEC_PER_SEC;
		value = g_strdup("2012-06-18T17:00:00Z");
		break;
	default:
		type = VMDS_METADATA_BOOLEAN;
		num = (i + j) % 2;
		value = g_strdup(num ? "true" : "false");
		break;
	}
	entry = vmds_metadata_entry_new(j == 19 ? VMDS_METADATA_SYSTEM : VMDS_METADATA_GENERAL,
					j == 19 ? VMDS_METADATA_READONLY : VMDS_METADATA_READWRITE,
					key,
					type,
					value);
	entry->num = num;
	return entry;
}

static gboolean
bench_fill(VmdsMetadataIndex *index, sqlite3 *floor, guint vms, guint n, GError **error)
{
	g_autoptr(sqlite3_stmt) insert = NULL;

	if (sqlite3_exec(
		floor,
		"PRAGMA journal_mode = WAL;"
		"CREATE TABLE t (vm INTEGER, key TEXT, type TEXT, value TEXT, num INTEGER);"
		"CREATE INDEX t_value ON t (key, type, value, vm);"
		"CREATE INDEX t_num ON t (key, type, num, vm);"
		"BEGIN",
		NULL,
		NULL,
		NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		floor, "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)", -1, &insert, NULL) !=
		SQLITE_OK) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_STORAGE, "floor: %s", sqlite3_errmsg(floor));
		return FALSE;
	}
	for (guint i = 1; i <= vms; i++) {
		g_autoptr(GPtrArray) objects =
		    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_metadata_index_object_free);
		VmdsMetadataIndexObject *object =
		    vmds_metadata_index_object_new(VMDS_METADATA_OBJECT_VM, "");
		g_autofree gchar *id = g_strdup_printf("vm-%u", i);
		g_autofree gchar *owner = g_strdup_printf("user-%u", i % 100);

		g_ptr_array_add(objects, object);
		for (guint j = 0; j < n; j++) {
			VmdsMetadataEntry *entry = bench_entry(i, j);
			g_ptr_array_add(object->entries, entry);
			sqlite3_bind_int64(insert, 1, i);
			sqlite3_bind_text(insert, 2, entry->key, -1, SQLITE_STATIC);
			sqlite3_bind_text(insert,
					  3,
					  vmds_metadata_type_to_string(entry->type),
					  -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(insert, 4, entry->value, -1, SQLITE_STATIC);
			if (entry->type == VMDS_METADATA_STRING)
				sqlite3_bind_null(insert, 5);
			else
				sqlite3_bind_int64(insert, 5, entry->num);
			if (sqlite3_step(insert) != SQLITE_DONE) {
				g_set_error(error,
					    VMDS_ERROR,
					    VMDS_ERROR_STORAGE,
					    "floor: %s",
					    sqlite3_errmsg(floor));
				return FALSE;
			}
			sqlite3_reset(insert);
		}
		if (!vmds_metadata_index_replace_vm(index, id, owner, 1, objects, error))
			return FALSE;
	}
	if (sqlite3_exec(floor, "COMMIT; ANALYZE", NULL, NULL, NULL) != SQLITE_OK) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_STORAGE, "floor: %s", sqlite3_errmsg(floor));
		return FALSE;
	}
	return TRUE;
}

/* the floor: the count and the first page of the same selection */
static guint64
bench_floor_query(sqlite3_stmt *count, sqlite3_stmt *page, guint *rows)
{
	guint64 total = 0;

	if (sqlite3_step(count) == SQLITE_ROW)
		total = (guint64)sqlite3_column_int64(count, 0);
	sqlite3_reset(count);
	*rows = 0;
	while (sqlite3_step(page) == SQLITE_ROW)
		(*rows)++;
	sqlite3_reset(page);
	return total;
}

#define BENCH_FLOOR_SELECTION                                                                      \
	"SELECT vm FROM t WHERE key = 'env' AND type = 'STRING' AND value = 'prod' "               \
	"INTERSECT "                                                                               \
	"SELECT vm FROM t WHERE key = 'tier' AND type = 'NUMBER' AND num >= 8"
#define BENCH_FLOOR_JOIN                                                                           \
	"SELECT a.vm FROM t AS a JOIN t AS b ON a.vm = b.vm "                                      \
	"WHERE a.key = 'env' AND a.type = 'STRING' AND a.value = 'prod' "                          \
	"AND b.key = 'tier' AND b.type = 'NUMBER' AND b.num >= 8"

static gboolean
bench_run(const gchar *dir, guint vms, guint n, guint reps, GError **error)
{
	g_autofree gchar *index_path = g_build_filename(dir, "metadata-index.db", NULL);
	g_autofree gchar *floor_path = g_build_filename(dir, "floor.db", NULL);
	g_autofree gchar *store_path = g_build_filename(dir, "vm-1", "store.dsd", NULL);
	g_autoptr(VmdsMetadataIndex) index = NULL;
	g_autoptr(sqlite3) floor = NULL;
	g_autoptr(sqlite3_stmt) floor_count = NULL;
	g_autoptr(sqlite3_stmt) floor_page = NULL;
	g_autoptr(sqlite3_stmt) join_count = NULL;
	g_autoptr(sqlite3_stmt) join_page = NULL;
	g_autoptr(GArray) t_join = g_array_new(FALSE, FALSE, sizeof(gdouble));
	guint64 join_total = 0;
	gdouble join_ms;
	g_autoptr(GPtrArray) schemas = g_ptr_array_new();
	g_autoptr(VmdsStore) store = NULL;
	g_autoptr(GArray) t_index = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) t_floor = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) t_user = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) t_fields = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) t_write = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) t_write_sync = g_array_new(FALSE, FALSE, sizeof(gdouble));
	const VmdsCaller admin = {"root", TRUE, TRUE};
	const VmdsCaller user = {"user-16", FALSE, FALSE};
	const VmdsMetadataViewer viewer = {"root", TRUE, FALSE};
	const VmdsMetadataObject vm = {VMDS_METADATA_OBJECT_VM, ""};
	const gchar *const fields[] = {"metadata:env", "metadata:tier", NULL};
	guint64 total = 0;
	guint64 floor_total = 0;
	guint64 user_total = 0;
	gdouble fill_ms;
	gdouble index_ms;
	gdouble floor_ms;
	gdouble user_ms;
	gdouble write_ms;
	gdouble write_sync_ms;
	guint rows = 0;

	index = vmds_metadata_index_open(index_path, error);
	if (index == NULL)
		return FALSE;
	if (sqlite3_open(floor_path, &floor) != SQLITE_OK) {
		g_set_error(error, VMDS_ERROR, VMDS_ERROR_STORAGE, "cannot open %s", floor_path);
		return FALSE;
	}
	fill_ms = bench_now_ms();
	if (!bench_fill(index, floor, vms, n, error))
		return FALSE;
	fill_ms = bench_now_ms() - fill_ms;
	if (sqlite3_prepare_v2(floor,
			       "SELECT count(*) FROM (" BENCH_FLOOR_SELECTION ")",
			       -1,
			       &floor_count,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		floor, BENCH_FLOOR_SELECTION " ORDER BY vm LIMIT 25", -1, &floor_page, NULL) !=
		SQLITE_OK ||
	    sqlite3_prepare_v2(
		floor, "SELECT count(*) FROM (" BENCH_FLOOR_JOIN ")", -1, &join_count, NULL) !=
		SQLITE_OK ||
	    sqlite3_prepare_v2(
		floor, BENCH_FLOOR_JOIN " ORDER BY a.vm LIMIT 25", -1, &join_page, NULL) !=
		SQLITE_OK) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_STORAGE, "floor: %s", sqlite3_errmsg(floor));
		return FALSE;
	}

	for (guint r = 0; r < reps; r++) {
		g_autoptr(VmdsMetadataIndexResult) a = NULL;
		g_autoptr(VmdsMetadataIndexResult) b = NULL;
		g_autoptr(VmdsMetadataIndexResult) c = NULL;
		gdouble t;

		t = bench_now_ms();
		a = vmds_metadata_index_query(
		    index, "vm", BENCH_FILTER, &admin, 1, 25, NULL, error);
		if (a == NULL)
			return FALSE;
		t = bench_now_ms() - t;
		g_array_append_val(t_index, t);
		total = a->total;

		t = bench_now_ms();
		floor_total = bench_floor_query(floor_count, floor_page, &rows);
		t = bench_now_ms() - t;
		g_array_append_val(t_floor, t);

		t = bench_now_ms();
		join_total = bench_floor_query(join_count, join_page, &rows);
		t = bench_now_ms() - t;
		g_array_append_val(t_join, t);

		t = bench_now_ms();
		b = vmds_metadata_index_query(index, "vm", BENCH_FILTER, &user, 1, 25, NULL, error);
		if (b == NULL)
			return FALSE;
		t = bench_now_ms() - t;
		g_array_append_val(t_user, t);
		user_total = b->total;

		t = bench_now_ms();
		c = vmds_metadata_index_query(
		    index, "vm", BENCH_FILTER, &admin, 1, 25, (const gchar *const *)fields, error);
		if (c == NULL)
			return FALSE;
		t = bench_now_ms() - t;
		g_array_append_val(t_fields, t);
	}
	if (total != floor_total || total != join_total) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INTERNAL,
			    "the index selects %" G_GUINT64_FORMAT
			    " VMs, the floor %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT,
			    total,
			    floor_total,
			    join_total);
		return FALSE;
	}

	/* W: vm-1 in a real store, its 20 entries, then one changed per write */
	g_ptr_array_add(schemas, (gpointer)&vmds_metadata_schema);
	store = vmds_store_open(store_path, schemas, error);
	if (store == NULL)
		return FALSE;
	for (guint j = 0; j < n; j++) {
		g_autoptr(VmdsMetadataEntry) entry = bench_entry(1, j);
		if (!vmds_metadata_set(store, &vm, &viewer, entry, error))
			return FALSE;
	}
	if (!vmds_metadata_index_sync_vm(index, "vm-1", "user-1", store, error))
		return FALSE;
	for (guint r = 0; r < reps * 2; r++) {
		g_autofree gchar *value = g_strdup_printf("%u", r);
		g_autoptr(VmdsMetadataEntry) entry =
		    vmds_metadata_entry_new(VMDS_METADATA_GENERAL,
					    VMDS_METADATA_READWRITE,
					    "com.example.key-05",
					    VMDS_METADATA_NUMBER,
					    value);
		gdouble t = bench_now_ms();
		gdouble t_sync;

		if (!vmds_metadata_set(store, &vm, &viewer, entry, error))
			return FALSE;
		t_sync = bench_now_ms();
		t = t_sync - t;
		if (r % 2 == 0) {
			g_array_append_val(t_write, t);
			continue;
		}
		/* every other write is followed by its sync */
		if (!vmds_metadata_index_sync_vm(index, "vm-1", "user-1", store, error))
			return FALSE;
		t += bench_now_ms() - t_sync;
		g_array_append_val(t_write_sync, t);
	}

	index_ms = bench_median(t_index);
	/* the floor is the faster of the two forms */
	floor_ms = bench_median(t_floor);
	join_ms = bench_median(t_join);
	floor_ms = MIN(floor_ms, join_ms);
	user_ms = bench_median(t_user);
	write_ms = bench_median(t_write);
	write_sync_ms = bench_median(t_write_sync);
	g_print("{\"vms\": %u, \"entries\": %u, \"reps\": %u, \"fill_ms\": %.1f,\n"
		" \"selected\": %" G_GUINT64_FORMAT ", \"user_selected\": %" G_GUINT64_FORMAT
		", \"floor_rows\": %u,\n"
		" \"q1_index_ms\": %.3f, \"q1_floor_ms\": %.3f, \"q1_floor_intersect_ms\": %.3f,"
		" \"q1_floor_join_ms\": %.3f, \"q1_ratio\": %.2f,\n"
		" \"q2_user_ms\": %.3f, \"q2_ratio\": %.2f,\n"
		" \"q3_fields_ms\": %.3f, \"q3_ratio\": %.2f,\n"
		" \"w_store_ms\": %.3f, \"w_store_sync_ms\": %.3f, \"w_sync_ms\": %.3f,"
		" \"w_ops_per_s\": %.0f}\n",
		vms,
		n,
		reps,
		fill_ms,
		total,
		user_total,
		rows,
		index_ms,
		floor_ms,
		bench_median(t_floor),
		join_ms,
		index_ms / floor_ms,
		user_ms,
		user_ms / floor_ms,
		bench_median(t_fields),
		bench_median(t_fields) / floor_ms,
		write_ms,
		write_sync_ms,
		write_sync_ms - write_ms,
		1000.0 / write_sync_ms);
	return TRUE;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	guint vms = 10000;
	guint n = 20;
	guint reps = 21;

	if (argc != 2 && argc != 5) {
		g_printerr("usage: %s DIR [VMS ENTRIES REPS]\n", argv[0]);
		return EXIT_FAILURE;
	}
	if (argc == 5) {
		vms = (guint)g_ascii_strtoull(argv[2], NULL, 10);
		n = (guint)g_ascii_strtoull(argv[3], NULL, 10);
		reps = (guint)g_ascii_strtoull(argv[4], NULL, 10);
	}
	if (vms == 0 || n < 2 || n > 20 || reps == 0) {
		g_printerr("%s: VMS and REPS from 1, ENTRIES 2 to 20\n", argv[0]);
		return EXIT_FAILURE;
	}
	if (!bench_run(argv[1], vms, n, reps, &error)) {
		g_printerr("%s: %s\n", argv[0], error->message);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

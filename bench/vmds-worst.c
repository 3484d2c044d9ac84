/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * vmds-worst [--reps N] [--entries N] [--only NAME,...] [--json]: the worst
 * guest requests the DataSets limits allow, run on the engine in-process
 * (lib/vmds-datasets.c on a store in a temp dir under $TMPDIR or /tmp), each
 * --reps times (default 5). For each it prints the median wall time of the
 * request and the SQLite pages the request wrote (SQLITE_DBSTATUS_CACHE_WRITE,
 * deterministic), and checks the outcome. A request's size is counted as
 * the guest sends it (`datasets-set-entry {"dataset":"ds","entries":[...]}`)
 * against the 65,536-byte request limit.
 *
 * It uses the public API only, so the same source builds against an older
 * libvmds for a before/after comparison (bench/worst --against REV).
 */

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmds-datasets.h"
#include "vmds-error.h"

#define WORST_MAX_REQUEST 65536
#define WORST_MIB	  1048576

/* the page budget of the plugin's get-entry (VMDS_DATASETS_PAGE_ITEMS) */
#define WORST_PAGE (VMDS_DATASETS_MAX_PAGE - 8192)

#ifdef VMDS_DATASETS_MAX_VM_ENTRIES
#define WORST_ENTRIES VMDS_DATASETS_MAX_VM_ENTRIES
#else
#define WORST_ENTRIES 25000
#endif

typedef struct {
	gchar *dir;
	VmdsStore *store;
	sqlite3 *db;
	guint entries;	    /* --entries: the tiny entries of the forced delete */
	GPtrArray *request; /* the request's entries (set) or keys (get, delete) */
	guint first;	    /* get: the index the page starts at */
} Worst;

typedef struct {
	const gchar *name;
	const gchar *what;
	void (*setup)(Worst *w);		   /* before each repetition, not timed */
	gboolean (*run)(Worst *w, GError **error); /* the request */
	gint expect;				   /* 0 success, else the VMDS_ERROR code */
	gboolean reads;				   /* run changes nothing: set up once */
} WorstScenario;

static void
worst_die(const gchar *what, GError *error)
{
	g_printerr("vmds-worst: %s: %s\n", what, error != NULL ? error->message : "failed");
	exit(1);
}

static void
worst_open(Worst *w)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(VmdsDataset) ds = vmds_dataset_new();
	sqlite3_stmt *stmt;

	g_clear_pointer(&w->request, g_ptr_array_unref);
	g_clear_object(&w->store);
	if (w->dir != NULL) {
		g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", w->dir);
		if (system(cmd) != 0)
			worst_die("rm", NULL);
		g_free(w->dir);
	}
	w->dir = g_dir_make_tmp("vmds-worst-XXXXXX", &error);
	if (w->dir == NULL)
		worst_die("temp dir", error);
	path = g_build_filename(w->dir, "vm-1", "vm-1.dsd", NULL);
	w->store = vmds_datasets_open_store(path, &error);
	if (w->store == NULL)
		worst_die("open", error);
	stmt = vmds_store_prepare(w->store, "SELECT 1", &error);
	if (stmt == NULL)
		worst_die("prepare", error);
	w->db = sqlite3_db_handle(stmt);
	ds->name = g_strdup("ds");
	ds->host = VMDS_ACCESS_READ_WRITE;
	ds->guest = VMDS_ACCESS_READ_WRITE;
	if (!vmds_datasets_create(w->store, ds, &error))
		worst_die("create", error);
}

static GPtrArray *
worst_entries_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);
}

static void
worst_set(Worst *w, GPtrArray *entries)
{
	g_autoptr(GError) error = NULL;

	if (!vmds_datasets_set_entries(w->store, NULL, VMDS_SIDE_HOST, "ds", entries, &error))
		worst_die("set", error);
}

/* sets @key to @len bytes of 'v', as the host does (one PUT) */
static void
worst_put(Worst *w, const gchar *key, gsize len)
{
	g_autoptr(GPtrArray) entries = worst_entries_new();
	g_autofree gchar *value = g_strnfill(len, 'v');

	g_ptr_array_add(entries, vmds_entry_new(key, value, len, FALSE));
	worst_set(w, entries);
}

/* as many entries as fit in one request (its text as the guest sends it:
 * keys and values of the benchmark need no escapes): appends of @value to
 * the keys of @keys, round robin */
static GPtrArray *
worst_appends(const gchar *const *keys, guint n_keys, const gchar *value)
{
	GPtrArray *entries = worst_entries_new();
	gsize len = strlen("datasets-set-entry {\"dataset\":\"ds\",\"entries\":[]}");

	for (guint i = 0;; i++) {
		const gchar *key = keys[i % n_keys];
		g_autofree gchar *text = g_strdup_printf(
		    "{\"key\":\"%s\",\"value\":\"%s\",\"append\":true}", key, value);

		len += strlen(text) + (i > 0 ? 1 : 0);
		if (len > WORST_MAX_REQUEST)
			break;
		g_ptr_array_add(entries, vmds_entry_new(key, value, strlen(value), TRUE));
	}
	return entries;
}

/* one key named as often as fits */
static GPtrArray *
worst_dup_keys(const gchar *command, const gchar *key)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
	gsize len = strlen(command) + strlen(" {\"dataset\":\"ds\",\"keys\":[]}");

	for (guint i = 0;; i++) {
		len += strlen(key) + 2 + (i > 0 ? 1 : 0);
		if (len > WORST_MAX_REQUEST)
			break;
		g_ptr_array_add(keys, g_strdup(key));
	}
	return keys;
}

static const gchar *const worst_big[] = {"k"};

/* 100 keys of 3 bytes */
static const gchar *const *
worst_hundred(void)
{
	static gchar *keys[101] = {NULL};

	if (keys[0] == NULL) {
		for (guint i = 0; i < 100; i++)
			keys[i] = g_strdup_printf("v%02u", i);
	}
	return (const gchar *const *)keys;
}

/* --- scenarios: setup (not timed) opens a fresh store, fills it and builds
 * the request; run sends it ------------------------------------------------ */

static void
worst_request(Worst *w, GPtrArray *request, guint first)
{
	g_clear_pointer(&w->request, g_ptr_array_unref);
	w->request = request;
	w->first = first;
}

/* 100 values of @len bytes, written 10 a request */
static void
worst_fill_hundred(Worst *w, gsize len)
{
	const gchar *const *keys = worst_hundred();
	g_autofree gchar *value = g_strnfill(len, 'v');

	worst_open(w);
	for (guint r = 0; r < 10; r++) {
		g_autoptr(GPtrArray) entries = worst_entries_new();
		for (guint i = 0; i < 10; i++)
			g_ptr_array_add(entries,
					vmds_entry_new(keys[r * 10 + i], value, len, FALSE));
		worst_set(w, entries);
	}
}

static void
worst_setup_append_empty(Worst *w)
{
	worst_open(w);
	worst_put(w, "k", WORST_MIB);
	worst_request(w, worst_appends(worst_big, 1, ""), 0);
}

static void
worst_setup_append_byte(Worst *w)
{
	worst_open(w);
	worst_put(w, "k", WORST_MIB - 4096);
	worst_request(w, worst_appends(worst_big, 1, "x"), 0);
}

static void
worst_setup_append_hundred(Worst *w)
{
	/* 100 x (3 + 1,040,000) bytes: room for a request of appends */
	worst_fill_hundred(w, 1040000);
	worst_request(w, worst_appends(worst_hundred(), 100, "x"), 0);
}

static void
worst_setup_append_hundred_full(Worst *w)
{
	/* 100 x (3 + 1,048,559) = 104,856,200 bytes: a request of about 1,600
	 * one-byte appends (at most 17 a key, so no value grows past 1 MiB)
	 * ends over the quota, after all of its work */
	worst_fill_hundred(w, 1048559);
	worst_request(w, worst_appends(worst_hundred(), 100, "x"), 0);
}

static gboolean
worst_run_set(Worst *w, GError **error)
{
	return vmds_datasets_set_entries(w->store, NULL, VMDS_SIDE_GUEST, "ds", w->request, error);
}

static void
worst_setup_get_dup(Worst *w)
{
	worst_open(w);
	worst_put(w, "k", WORST_MIB);
	worst_request(w, worst_dup_keys("datasets-get-entry", "k"), 0);
}

static void
worst_setup_get_dup_last(Worst *w)
{
	worst_setup_get_dup(w);
	w->first = w->request->len - 1;
}

static void
worst_setup_get_1mib(Worst *w)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);

	worst_open(w);
	worst_put(w, "k", WORST_MIB);
	g_ptr_array_add(keys, g_strdup("k"));
	worst_request(w, keys, 0);
}

static gboolean
worst_run_get(Worst *w, GError **error)
{
	g_autoptr(GPtrArray) entries = NULL;
	guint next = 0;

	entries = vmds_datasets_get_entries(
	    w->store, VMDS_SIDE_GUEST, "ds", w->request, w->first, WORST_PAGE, &next, error);
	return entries != NULL;
}

static void
worst_setup_delete_dup(Worst *w)
{
	worst_open(w);
	worst_put(w, "k", WORST_MIB);
	worst_request(w, worst_dup_keys("datasets-delete-entry", "k"), 0);
}

static void
worst_setup_delete_hundred(Worst *w)
{
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);

	worst_fill_hundred(w, 1040000);
	for (guint i = 0; i < 100; i++)
		g_ptr_array_add(keys, g_strdup(worst_hundred()[i]));
	worst_request(w, keys, 0);
}

static gboolean
worst_run_delete(Worst *w, GError **error)
{
	return vmds_datasets_delete_entries(w->store, VMDS_SIDE_GUEST, "ds", w->request, error);
}

static void
worst_setup_put_1mib(Worst *w)
{
	GPtrArray *entries = worst_entries_new();
	g_autofree gchar *value = g_strnfill(WORST_MIB, 'p');

	worst_open(w);
	g_ptr_array_add(entries, vmds_entry_new("k", value, WORST_MIB, FALSE));
	worst_request(w, entries, 0);
}

static gboolean
worst_run_put(Worst *w, GError **error)
{
	return vmds_datasets_set_entries(w->store, NULL, VMDS_SIDE_HOST, "ds", w->request, error);
}

/* the tiny entries of the forced delete: keys of 1 to 5 hex digits, empty
 * values, 5,000 a request */
static void
worst_fill_tiny(Worst *w)
{
	for (guint done = 0; done < w->entries;) {
		g_autoptr(GPtrArray) entries = worst_entries_new();
		for (guint i = 0; i < 5000 && done < w->entries; i++, done++) {
			g_autofree gchar *key = g_strdup_printf("%x", done);
			g_ptr_array_add(entries, vmds_entry_new(key, "", 0, FALSE));
		}
		worst_set(w, entries);
	}
}

/* a data set where lookups compare with records that overflow their page:
 * 15,000 keys of 4,096 bytes (61 MB of the quota), each right after one of
 * the short keys 0, 1, ... (hex) that fill a request (9,980 of them) */
static void
worst_setup_long_keys(Worst *w, gboolean set)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	gsize len = strlen("datasets-get-entry {\"dataset\":\"ds\",\"keys\":[]}");
	guint n_short;

	worst_open(w);
	for (guint i = 0;; i++) {
		g_autofree gchar *key = g_strdup_printf("%x", i);
		len += strlen(key) + 2 + (i > 0 ? 1 : 0);
		if (len > WORST_MAX_REQUEST)
			break;
		g_ptr_array_add(keys, g_steal_pointer(&key));
	}
	n_short = keys->len;
	for (guint done = 0; done < 15000;) {
		g_autoptr(GPtrArray) entries = worst_entries_new();
		for (guint i = 0; i < 1000; i++, done++) {
			g_autofree gchar *key = g_strdup_printf("%x~", done % n_short);
			g_autofree gchar *padded =
			    g_strdup_printf("%s%0*u", key, (gint)(4096 - strlen(key)), done);
			g_ptr_array_add(entries, vmds_entry_new(padded, "", 0, FALSE));
		}
		worst_set(w, entries);
	}
	if (set) {
		GPtrArray *entries = worst_entries_new();
		gsize size = strlen("datasets-set-entry {\"dataset\":\"ds\",\"entries\":[]}");
		for (guint i = 0; i < n_short; i++) {
			const gchar *key = g_ptr_array_index(keys, i);
			size +=
			    strlen(key) + strlen("{\"key\":\"\",\"value\":\"\"}") + (i > 0 ? 1 : 0);
			if (size > WORST_MAX_REQUEST)
				break;
			g_ptr_array_add(entries, vmds_entry_new(key, "", 0, FALSE));
		}
		worst_request(w, entries, 0);
		return;
	}
	{
		g_autoptr(GPtrArray) entries = worst_entries_new();
		for (guint i = 0; i < n_short; i++)
			g_ptr_array_add(entries, vmds_entry_new(keys->pdata[i], "", 0, FALSE));
		worst_set(w, entries);
	}
	worst_request(w, g_steal_pointer(&keys), 0);
}

static void
worst_setup_long_keys_get(Worst *w)
{
	worst_setup_long_keys(w, FALSE);
}

static void
worst_setup_long_keys_set(Worst *w)
{
	worst_setup_long_keys(w, TRUE);
}

static void
worst_setup_tiny(Worst *w)
{
	worst_open(w);
	worst_fill_tiny(w);
}

static gboolean
worst_run_force_delete(Worst *w, GError **error)
{
	return vmds_datasets_delete(w->store, "ds", TRUE, error);
}

static const WorstScenario worst_scenarios[] = {
    {"append-empty",
     "set-entry: empty appends to a 1 MiB value, as many as fit in 64 KiB",
     worst_setup_append_empty,
     worst_run_set,
     0,
     FALSE},
    {"append-byte",
     "set-entry: 1-byte appends to a 1 MiB - 4 KiB value, as many as fit",
     worst_setup_append_byte,
     worst_run_set,
     0,
     FALSE},
    {"append-100",
     "set-entry: 1-byte appends round robin to 100 values of 1,040,000 bytes",
     worst_setup_append_hundred,
     worst_run_set,
     0,
     FALSE},
    {"append-100-quota",
     "the same on 100 values of 1,048,559 bytes: over the quota at the end, rolled back",
     worst_setup_append_hundred_full,
     worst_run_set,
     VMDS_ERROR_QUOTA_EXCEEDED,
     FALSE},
    {"get-dup",
     "get-entry: one 1 MiB key named as often as fits, first page",
     worst_setup_get_dup,
     worst_run_get,
     0,
     TRUE},
    {"get-dup-last",
     "the same, last page (the context's index at the end)",
     worst_setup_get_dup_last,
     worst_run_get,
     0,
     TRUE},
    {"delete-dup",
     "delete-entry: one 1 MiB key named as often as fits",
     worst_setup_delete_dup,
     worst_run_delete,
     0,
     FALSE},
    {"delete-100",
     "delete-entry: 100 values of 1,040,000 bytes (the whole quota) in one request",
     worst_setup_delete_hundred,
     worst_run_delete,
     0,
     FALSE},
    {"force-delete",
     "REST DELETE ...?force=true of a data set holding --entries tiny entries",
     worst_setup_tiny,
     worst_run_force_delete,
     0,
     FALSE},
    {"get-long-keys",
     "get-entry: as many distinct short keys as fit, amid 15,000 keys of 4 KiB",
     worst_setup_long_keys_get,
     worst_run_get,
     0,
     TRUE},
    {"set-long-keys",
     "set-entry: as many new short keys as fit, amid 15,000 keys of 4 KiB",
     worst_setup_long_keys_set,
     worst_run_set,
     0,
     FALSE},
    {"put-1mib",
     "REST PUT of a 1 MiB value (new key)",
     worst_setup_put_1mib,
     worst_run_put,
     0,
     FALSE},
    {"get-1mib", "get-entry of one 1 MiB value", worst_setup_get_1mib, worst_run_get, 0, TRUE},
};

static gint
worst_cmp_cb(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a;
	gdouble y = *(const gdouble *)b;
	return x < y ? -1 : x > y;
}

/* the bytes the store file grows by for @n entries with keys of @key_len
 * bytes (at least their hex number) and empty values, 5,000 a request,
 * after a checkpoint */
static void
worst_footprint(Worst *w, const gchar *what, guint n, gint key_len, gboolean json)
{
	g_autofree gchar *path = NULL;
	g_autoptr(GError) error = NULL;
	gint64 used;
	gint64 base;
	GStatBuf st;

	worst_open(w);
	path = g_build_filename(w->dir, "vm-1", "vm-1.dsd", NULL);
	sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	base = g_stat(path, &st) == 0 ? (gint64)st.st_size : 0;
	for (guint done = 0; done < n;) {
		g_autoptr(GPtrArray) entries = worst_entries_new();
		for (guint i = 0; i < 5000 && done < n; i++, done++) {
			g_autofree gchar *key = g_strdup_printf("%0*x", key_len, done);
			g_ptr_array_add(entries, vmds_entry_new(key, "", 0, FALSE));
		}
		worst_set(w, entries);
	}
	used = vmds_datasets_vm_used(w->store, &error);
	if (used < 0)
		worst_die("used", error);
	sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (g_stat(path, &st) != 0)
		worst_die("stat", NULL);
	if (json) {
		g_print("{\"scenario\":\"%s\",\"entries\":%u,\"used\":%" G_GINT64_FORMAT
			",\"bytes\":%" G_GINT64_FORMAT "}\n",
			what,
			n,
			used,
			(gint64)st.st_size - base);
	} else {
		g_print("%-17s %u entries, used %" G_GINT64_FORMAT
			" bytes, file grew by %" G_GINT64_FORMAT " bytes: %.1f bytes an entry\n",
			what,
			n,
			used,
			(gint64)st.st_size - base,
			(gdouble)((gint64)st.st_size - base) / n);
	}
}

int
main(int argc, char **argv)
{
	Worst w = {.entries = WORST_ENTRIES};
	guint reps = 5;
	gboolean json = FALSE;
	g_auto(GStrv) only = NULL;

	for (gint i = 1; i < argc; i++) {
		if (g_strcmp0(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = (guint)g_ascii_strtoull(argv[++i], NULL, 10);
		else if (g_strcmp0(argv[i], "--entries") == 0 && i + 1 < argc)
			w.entries = (guint)g_ascii_strtoull(argv[++i], NULL, 10);
		else if (g_strcmp0(argv[i], "--only") == 0 && i + 1 < argc)
			only = g_strsplit(argv[++i], ",", -1);
		else if (g_strcmp0(argv[i], "--json") == 0)
			json = TRUE;
		else {
			g_printerr("usage: vmds-worst [--reps N] [--entries N] [--only NAME,...] "
				   "[--json]\n");
			return 2;
		}
	}
	if (reps == 0 || w.entries == 0) {
		g_printerr("vmds-worst: --reps and --entries must be positive\n");
		return 2;
	}

	for (guint s = 0; s < G_N_ELEMENTS(worst_scenarios); s++) {
		const WorstScenario *sc = &worst_scenarios[s];
		g_autofree gdouble *ms = g_new0(gdouble, reps);
		gint pages = 0;

		if (only != NULL && !g_strv_contains((const gchar *const *)only, sc->name))
			continue;
		for (guint r = 0; r < reps; r++) {
			g_autoptr(GError) error = NULL;
			gint cur = 0;
			gint hi = 0;
			gint64 t0;
			gboolean ok;

			if (r == 0 || !sc->reads)
				sc->setup(&w);
			sqlite3_db_status(w.db, SQLITE_DBSTATUS_CACHE_WRITE, &cur, &hi, 1);
			t0 = g_get_monotonic_time();
			ok = sc->run(&w, &error);
			ms[r] = (gdouble)(g_get_monotonic_time() - t0) / 1000.0;
			sqlite3_db_status(w.db, SQLITE_DBSTATUS_CACHE_WRITE, &cur, &hi, 1);
			pages = cur;
			if (sc->expect == 0 && !ok)
				worst_die(sc->name, error);
			if (sc->expect != 0 && !g_error_matches(error, VMDS_ERROR, sc->expect))
				worst_die(sc->name, error);
		}
		qsort(ms, reps, sizeof(gdouble), worst_cmp_cb);
		if (json) {
			g_print("{\"scenario\":\"%s\",\"median_ms\":%.3f,\"min_ms\":%.3f,"
				"\"max_ms\":%.3f,\"pages_written\":%d,\"items\":%u}\n",
				sc->name,
				ms[reps / 2],
				ms[0],
				ms[reps - 1],
				pages,
				w.request != NULL ? w.request->len : 0);
		} else {
			g_print("%-17s %9.2f ms (%.2f-%.2f) %6d pages %6u items  %s\n",
				sc->name,
				ms[reps / 2],
				ms[0],
				ms[reps - 1],
				pages,
				w.request != NULL ? w.request->len : 0,
				sc->what);
		}
	}
	if (only == NULL || g_strv_contains((const gchar *const *)only, "footprint")) {
		/* tiny entries (keys of 1 to 5 hex digits), and the most an
		 * entry costs: a key too long for its row's page */
		worst_footprint(&w, "footprint-tiny", w.entries, 1, json);
		worst_footprint(&w, "footprint-1k-key", 5000, 1000, json);
	}

	g_clear_pointer(&w.request, g_ptr_array_unref);
	g_clear_object(&w.store);
	if (w.dir != NULL) {
		g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", w.dir);
		if (system(cmd) != 0)
			return 1;
		g_free(w.dir);
	}
	return 0;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "vmds-plugin-loader.h"

/*
 * What the fuzz targets share: quiet logging where criticals still abort,
 * a temp directory on tmpfs when there is one (the store syncs every commit),
 * plugins loaded in-process as the daemon loads them, and a store put back
 * into a known state after every input that changed it, so an input's
 * outcome never depends on the inputs before it and a saved crash replays
 * alone.
 */

void
vmds_fuzz_fail(const gchar *where, const gchar *cond, const gchar *format, ...)
{
	va_list args;

	fprintf(stderr, "%s: oracle failed: %s\n  ", where, cond);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	abort();
}

/*
 * While a bug the fuzzers found is open, a campaign may step around it to find
 * others: VMDS_FUZZ_SKIP=id,id names the known bugs whose inputs are skipped.
 * Never set in the test suite, so the reproducers in the corpora fail until
 * the bugs are fixed.
 */
gboolean
vmds_fuzz_skip_known(const gchar *bug)
{
	const gchar *skip = g_getenv("VMDS_FUZZ_SKIP");
	g_auto(GStrv) ids = NULL;

	if (skip == NULL)
		return FALSE;
	ids = g_strsplit(skip, ",", -1);
	return g_strv_contains((const gchar *const *)ids, bug);
}

/* TRUE when @data holds a backslash escape JSON does not have, that
 * json-glib's scanner decodes anyway: \\NNN (octal, to a raw byte), \\u with
 * fewer than four hex digits (it eats the bytes after), or a UTF-16
 * surrogate, \\uD800 to \\uDFFF. A conservative scan: any such byte pair. */
gboolean
vmds_fuzz_has_bad_escape(const guint8 *data, gsize len)
{
	for (gsize i = 0; i + 1 < len; i++) {
		if (data[i] != '\\')
			continue;
		if (data[i + 1] >= '0' && data[i + 1] <= '7')
			return TRUE;
		if (data[i + 1] != 'u')
			continue;
		if (i + 5 >= len)
			return TRUE;
		for (gsize j = i + 2; j < i + 6; j++) {
			if (!g_ascii_isxdigit(data[j]))
				return TRUE;
		}
		if (g_ascii_tolower(data[i + 2]) == 'd' && g_ascii_xdigit_value(data[i + 3]) >= 8)
			return TRUE;
	}
	return FALSE;
}

/* debug, info and messages are dropped (formatting them costs executions); a critical is
 * a bug: G_DEBUG=fatal-criticals, whatever the environment says */
static GLogWriterOutput
vmds_fuzz_log_writer_cb(GLogLevelFlags log_level,
			const GLogField *fields,
			gsize n_fields,
			gpointer user_data)
{
	if ((log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE)) != 0 &&
	    g_getenv("VMDS_FUZZ_VERBOSE") == NULL)
		return G_LOG_WRITER_HANDLED;
	g_log_writer_standard_streams(log_level, fields, n_fields, user_data);
	if ((log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0)
		abort();
	return G_LOG_WRITER_HANDLED;
}

void
vmds_fuzz_init_logging(void)
{
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	g_log_set_writer_func(vmds_fuzz_log_writer_cb, NULL, NULL);
}

/* /dev/shm when writable: fsync on tmpfs costs nothing */
gchar *
vmds_fuzz_make_tmpdir(void)
{
	g_autofree gchar *template = NULL;
	gchar *dir;

	if (g_getenv("VMDS_FUZZ_TMPDIR") != NULL)
		template = g_build_filename(g_getenv("VMDS_FUZZ_TMPDIR"), "fz-vmds-XXXXXX", NULL);
	else if (g_access("/dev/shm", W_OK) == 0)
		template = g_strdup("/dev/shm/fz-vmds-XXXXXX");
	else
		template = g_build_filename(g_get_tmp_dir(), "fz-vmds-XXXXXX", NULL);
	dir = g_mkdtemp(template);
	if (dir == NULL)
		g_error("cannot create %s: %s", template, g_strerror(errno));
	return g_steal_pointer(&template);
}

/*
 * The plugin module at @path, as the daemon starts one: opened by its loader,
 * given @context (nullable: a plugin that needs no daemon), configured from
 * @config (nullable: no settings) and started.
 */
VmdsPlugin *
vmds_fuzz_load_plugin(const gchar *path, VmdsContext *context, GKeyFile *config)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsPlugin) plugin = vmds_plugin_loader_open(path, &error);
	g_autoptr(GKeyFile) empty = g_key_file_new();

	if (plugin == NULL)
		g_error("cannot load %s: %s", path, error->message);
	if (context != NULL)
		vmds_plugin_set_context(plugin, context);
	if (!vmds_plugin_configure(plugin, config != NULL ? config : empty, &error))
		g_error("cannot configure %s: %s", path, error->message);
	if (!vmds_plugin_startup(plugin, &error))
		g_error("cannot start %s: %s", path, error->message);
	return g_steal_pointer(&plugin);
}

/* rows changed so far on @store's connection; unchanged means nothing to reset */
gint64
vmds_fuzz_store_changes(VmdsStore *store)
{
	g_autoptr(GError) error = NULL;
	sqlite3_stmt *stmt = vmds_store_prepare(store, "SELECT 1", &error);

	if (stmt == NULL)
		g_error("cannot prepare: %s", error->message);
	return sqlite3_total_changes64(sqlite3_db_handle(stmt));
}

static const struct {
	const gchar *name;
	VmdsAccess host;
	VmdsAccess guest;
	gboolean omit;
} vmds_fuzz_datasets[] = {
    {"rw", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE, FALSE},
    {"ro", VMDS_ACCESS_READ_ONLY, VMDS_ACCESS_READ_ONLY, TRUE},
    {"none", VMDS_ACCESS_NONE, VMDS_ACCESS_NONE, FALSE},
    {"com.example.mixed", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_NONE, FALSE},
    {"empty", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE, FALSE},
};

/* every fixture data set but `empty` holds these */
static const gchar *const vmds_fuzz_entries[][2] = {
    {"k1", "v1"},
    {"k2", "a longer value \xc3\xa9 with \"quotes\" and \\"},
    {"a/b", "slash"},
    {"AppID", "minion-42"},
};

/*
 * Deletes every data set and creates the fixtures: rw, ro, none,
 * com.example.mixed (each holding the entries above) and the empty `empty`.
 */
void
vmds_fuzz_store_reset(VmdsStore *store)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) datasets = vmds_datasets_list(store, &error);

	if (datasets == NULL)
		g_error("cannot list data sets: %s", error->message);
	for (guint i = 0; i < datasets->len; i++) {
		VmdsDataset *dataset = g_ptr_array_index(datasets, i);
		if (!vmds_datasets_delete(store, dataset->name, TRUE, &error))
			g_error("cannot delete %s: %s", dataset->name, error->message);
	}
	for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_datasets); i++) {
		g_autoptr(VmdsDataset) dataset = vmds_dataset_new();
		g_autoptr(GPtrArray) entries =
		    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);
		dataset->name = g_strdup(vmds_fuzz_datasets[i].name);
		g_free(dataset->description);
		dataset->description = g_strdup_printf("fixture %s", dataset->name);
		dataset->host = VMDS_ACCESS_READ_WRITE;
		dataset->guest = vmds_fuzz_datasets[i].guest;
		dataset->omit_from_snapshot_and_clone = vmds_fuzz_datasets[i].omit;
		if (!vmds_datasets_create(store, dataset, &error))
			g_error("cannot create %s: %s", dataset->name, error->message);
		if (g_strcmp0(dataset->name, "empty") == 0)
			continue;
		for (guint j = 0; j < G_N_ELEMENTS(vmds_fuzz_entries); j++)
			g_ptr_array_add(entries,
					vmds_entry_new(vmds_fuzz_entries[j][0],
						       vmds_fuzz_entries[j][1],
						       strlen(vmds_fuzz_entries[j][1]),
						       FALSE));
		if (!vmds_datasets_set_entries(
			store, NULL, VMDS_SIDE_HOST, dataset->name, entries, &error))
			g_error("cannot fill %s: %s", dataset->name, error->message);
		dataset->host = vmds_fuzz_datasets[i].host;
		if (!vmds_datasets_update(
			store, dataset->name, dataset, VMDS_DATASET_FIELD_HOST, &error))
			g_error("cannot update %s: %s", dataset->name, error->message);
	}
}

/*
 * The store holds only what the engine promises: names, descriptions, keys
 * and values of valid UTF-8 (a value is NUL-free, value_len bytes). Data
 * sets the host may not read are skipped.
 */
void
vmds_fuzz_store_check(VmdsStore *store)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) datasets = vmds_datasets_list(store, &error);

	VMDS_FUZZ_CHECK(datasets != NULL, "cannot list data sets: %s", error->message);
	for (guint i = 0; i < datasets->len; i++) {
		VmdsDataset *dataset = g_ptr_array_index(datasets, i);
		g_autoptr(GPtrArray) keys = NULL;
		g_autoptr(GPtrArray) entries = NULL;
		g_autoptr(GError) error_local = NULL;
		VMDS_FUZZ_CHECK(g_utf8_validate(dataset->name, -1, NULL) &&
				    g_utf8_validate(dataset->description, -1, NULL),
				"data set name or description is not UTF-8");
		keys = vmds_datasets_list_keys(
		    store, VMDS_SIDE_HOST, dataset->name, NULL, 0, NULL, &error_local);
		if (keys == NULL) {
			VMDS_FUZZ_CHECK(
			    g_error_matches(error_local, VMDS_ERROR, VMDS_ERROR_ACCESS_DENIED),
			    "cannot list keys of %s: %s",
			    dataset->name,
			    error_local->message);
			continue;
		}
		for (guint j = 0; j < keys->len; j++)
			VMDS_FUZZ_CHECK(g_utf8_validate(g_ptr_array_index(keys, j), -1, NULL),
					"a stored key of %s is not UTF-8",
					dataset->name);
		if (keys->len == 0)
			continue;
		entries = vmds_datasets_get_entries(
		    store, VMDS_SIDE_HOST, dataset->name, keys, 0, 0, NULL, &error_local);
		VMDS_FUZZ_CHECK(entries != NULL && entries->len == keys->len,
				"cannot read the entries of %s: %s",
				dataset->name,
				error_local != NULL ? error_local->message : "too few");
		for (guint j = 0; j < entries->len; j++) {
			VmdsEntry *entry = g_ptr_array_index(entries, j);
			VMDS_FUZZ_CHECK(g_utf8_validate_len(entry->value, entry->value_len, NULL) &&
					    entry->value[entry->value_len] == '\0',
					"stored value of key %s in %s is not UTF-8",
					entry->key,
					dataset->name);
		}
	}
}

/* TRUE when @text is exactly one JSON value (json-glib's reader, strict) */
gboolean
vmds_fuzz_json_valid(const gchar *text, gsize len, JsonNode **root)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonNode *node;

	if (memchr(text, '\0', len) != NULL)
		return FALSE;
	if (!json_parser_load_from_data(parser, text, (gssize)len, NULL))
		return FALSE;
	node = json_parser_get_root(parser);
	if (node == NULL)
		return FALSE;
	if (root != NULL)
		*root = json_node_ref(node);
	return TRUE;
}

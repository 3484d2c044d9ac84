/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds.h"

/*
 * A second plugin, built for the tests only: proof that the plugin API
 * serves more than DataSets. It keeps notes (key, value) in a table of its
 * own in every VM's store, and offers:
 *
 * - guest commands that answer in plain text, as guestinfo's do:
 *   `test-note-set KEY VALUE` (privileged) → `1 `;
 *   `test-note-get KEY` → `1 VALUE`, or `0 No value found`;
 *   `test-note-wait KEY` → `1 VALUE` once the note exists: a deferred reply,
 *   answered once a write of the note is durable, or `0 ` and why at
 *   `[test] wait-ms`;
 * - REST routes: `GET /api/vmds-test/vm/{vm}/notes/{key}` (`?wait=MS` waits
 *   for the note, deferred) and `PUT` of a JSON string.
 *
 * Waiters are woken from the store's ::committed, never before: a write in a
 * group that fails to commit is run again, and a reply must not tell of a
 * note that is not there. What was written is read again then, so a write
 * that rolled back wakes nobody; the list is not emptied on ::rolled-back,
 * which does not say which savepoint of a group it was about.
 */

#define VMDS_TYPE_TEST_PLUGIN (vmds_test_plugin_get_type())
G_DECLARE_FINAL_TYPE(VmdsTestPlugin, vmds_test_plugin, VMDS, TEST_PLUGIN, VmdsPlugin)

typedef struct {
	guint wait_ms; /* [test] wait-ms */
} VmdsTestSettings;

struct _VmdsTestPlugin {
	VmdsPlugin parent_instance;
	VmdsTestSettings settings;
};

G_DEFINE_FINAL_TYPE(VmdsTestPlugin, vmds_test_plugin, VMDS_TYPE_PLUGIN)

/* the longest a REST client may ask to wait */
#define VMDS_TEST_MAX_WAIT_MS 60000

static const gchar *const vmds_test_schema_steps[] = {
    "CREATE TABLE test_notes (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
};

static const VmdsStoreSchema vmds_test_schema = {
    .component = "test",
    .steps = vmds_test_schema_steps,
    .n_steps = G_N_ELEMENTS(vmds_test_schema_steps),
};

static const VmdsConfigKey vmds_test_config_keys[] = {
    {"test", "wait-ms", VMDS_CONFIG_UINT, G_STRUCT_OFFSET(VmdsTestSettings, wait_ms), 1, 600000},
};

/* a reply waiting for a note, and how to write it */
typedef struct {
	VmdsDeferred *deferred;
	gboolean json; /* REST: the value as a JSON string */
} VmdsTestWaiter;

/* what the plugin keeps of one store: who waits for which note, and the
 * notes written since the last commit (some of them maybe rolled back) */
typedef struct {
	GHashTable *waiters; /* key → GPtrArray of VmdsTestWaiter */
	GHashTable *written; /* keys */
} VmdsTestNotes;

static void
vmds_test_waiter_free(VmdsTestWaiter *waiter)
{
	vmds_deferred_unref(waiter->deferred);
	g_free(waiter);
}

static void
vmds_test_notes_free(VmdsTestNotes *notes)
{
	g_hash_table_unref(notes->waiters);
	g_hash_table_unref(notes->written);
	g_free(notes);
}

static gboolean
vmds_test_note_read(VmdsStore *store, const gchar *key, gchar **value, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt =
	    vmds_store_prepare(store, "SELECT value FROM test_notes WHERE key = ?1", error);
	gint rc;

	*value = NULL;
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*value = g_strdup((const gchar *)sqlite3_column_text(stmt, 0));
	else if (rc != SQLITE_DONE)
		return vmds_store_set_error(store, rc, error);
	return TRUE;
}

static void
vmds_test_waiter_answer(VmdsTestWaiter *waiter, const gchar *value)
{
	GString *reply = vmds_deferred_get_reply(waiter->deferred);

	if (waiter->json)
		vmds_json_append_string(reply, value, -1);
	else
		g_string_append(reply, value);
	vmds_deferred_return(vmds_deferred_ref(waiter->deferred), NULL);
}

/* the notes written are durable: whoever waits for one gets it */
static void
vmds_test_notes_committed_cb(VmdsStore *store, gpointer user_data)
{
	VmdsTestNotes *notes = user_data;
	g_autoptr(GHashTable) written = g_steal_pointer(&notes->written);
	GHashTableIter iter;
	gpointer key;

	notes->written = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_iter_init(&iter, written);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		g_autoptr(GPtrArray) waiters = NULL;
		g_autofree gchar *waited = NULL;
		g_autofree gchar *value = NULL;
		g_autoptr(GError) error = NULL;

		if (!g_hash_table_steal_extended(
			notes->waiters, key, (gpointer *)&waited, (gpointer *)&waiters))
			continue;
		if (!vmds_test_note_read(store, key, &value, &error) || value == NULL) {
			g_hash_table_insert(
			    notes->waiters, g_steal_pointer(&waited), g_steal_pointer(&waiters));
			continue;
		}
		for (guint i = 0; i < waiters->len; i++)
			vmds_test_waiter_answer(g_ptr_array_index(waiters, i), value);
	}
}

static VmdsTestNotes *
vmds_test_notes_get(VmdsStore *store)
{
	VmdsTestNotes *notes = g_object_get_data(G_OBJECT(store), "vmds-test-notes");

	if (notes != NULL)
		return notes;
	notes = g_new0(VmdsTestNotes, 1);
	notes->waiters = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
	notes->written = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_object_set_data_full(
	    G_OBJECT(store), "vmds-test-notes", notes, (GDestroyNotify)vmds_test_notes_free);
	g_signal_connect(store, "committed", G_CALLBACK(vmds_test_notes_committed_cb), notes);
	return notes;
}

/* writes a note in a transaction of its own; its waiters hear of it once
 * it is durable */
static gboolean
vmds_test_note_write(VmdsStore *store, const gchar *key, const gchar *value, GError **error)
{
	sqlite3_stmt *stmt;
	gboolean ok;

	if (!vmds_store_begin(store, error))
		return FALSE;
	stmt = vmds_store_prepare(store,
				  "INSERT INTO test_notes (key, value) VALUES (?1, ?2) "
				  "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
				  error);
	ok = stmt != NULL;
	if (ok) {
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
		ok = vmds_store_step_done(store, stmt, error);
	}
	if (ok)
		g_hash_table_add(vmds_test_notes_get(store)->written, g_strdup(key));
	return vmds_store_end(store, ok, error);
}

/* waits for @key: its reply comes from vmds_test_notes_committed_cb() */
static void
vmds_test_note_wait(VmdsStore *store, const gchar *key, VmdsDeferred *deferred, gboolean json)
{
	VmdsTestNotes *notes = vmds_test_notes_get(store);
	GPtrArray *waiters = g_hash_table_lookup(notes->waiters, key);
	VmdsTestWaiter *waiter = g_new0(VmdsTestWaiter, 1);

	if (waiters == NULL) {
		waiters = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_test_waiter_free);
		g_hash_table_insert(notes->waiters, g_strdup(key), waiters);
	}
	/* those that timed out or whose client went are dropped here */
	for (guint i = waiters->len; i > 0; i--) {
		VmdsTestWaiter *old = g_ptr_array_index(waiters, i - 1);
		if (vmds_deferred_is_done(old->deferred))
			g_ptr_array_remove_index_fast(waiters, i - 1);
	}
	waiter->deferred = deferred;
	waiter->json = json;
	g_ptr_array_add(waiters, waiter);
}

/* guest side: `KEY` or `KEY VALUE` */
static gboolean
vmds_test_split(VmdsCall *call, gchar **key, gchar **value, GError **error)
{
	const gchar *space = strchr(call->args, ' ');

	if (call->args[0] == '\0' || space == call->args || (value == NULL && space != NULL) ||
	    (value != NULL && space == NULL)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "usage: %s KEY%s",
			    call->command,
			    value != NULL ? " VALUE" : "");
		return FALSE;
	}
	if (!g_utf8_validate(call->args, (gssize)call->args_len, NULL)) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "arguments are not UTF-8");
		return FALSE;
	}
	*key = space != NULL ? g_strndup(call->args, (gsize)(space - call->args))
			     : g_strdup(call->args);
	if (value != NULL)
		*value = g_strdup(space + 1);
	return TRUE;
}

static gboolean
vmds_test_command_set(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	g_autofree gchar *key = NULL;
	g_autofree gchar *value = NULL;

	return vmds_test_split(call, &key, &value, error) &&
	       vmds_test_note_write(call->store, key, value, error);
}

static gboolean
vmds_test_command_get(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	g_autofree gchar *key = NULL;
	g_autofree gchar *value = NULL;

	if (!vmds_test_split(call, &key, NULL, error) ||
	    !vmds_test_note_read(call->store, key, &value, error))
		return FALSE;
	if (value == NULL) {
		g_set_error_literal(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND, "No value found");
		return FALSE;
	}
	g_string_append(call->reply, value);
	return TRUE;
}

static gboolean
vmds_test_command_wait(VmdsPlugin *plugin, VmdsCall *call, GError **error)
{
	VmdsTestPlugin *self = VMDS_TEST_PLUGIN(plugin);
	g_autofree gchar *key = NULL;
	g_autofree gchar *value = NULL;

	if (!vmds_test_split(call, &key, NULL, error) ||
	    !vmds_test_note_read(call->store, key, &value, error))
		return FALSE;
	if (value != NULL) {
		g_string_append(call->reply, value);
		return TRUE;
	}
	vmds_test_note_wait(call->store, key, vmds_call_defer(call, self->settings.wait_ms), FALSE);
	return TRUE;
}

/* REST side */

static gboolean
vmds_test_route_get(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *key = g_hash_table_lookup(request->params, "key");
	const gchar *wait =
	    request->query != NULL ? g_hash_table_lookup(request->query, "wait") : NULL;
	g_autofree gchar *value = NULL;
	guint64 wait_ms = 0;

	if (wait != NULL &&
	    !g_ascii_string_to_unsigned(wait, 10, 1, VMDS_TEST_MAX_WAIT_MS, &wait_ms, NULL)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "wait must be a number of milliseconds from 1 to %u",
			    VMDS_TEST_MAX_WAIT_MS);
		return FALSE;
	}
	if (!vmds_test_note_read(request->store, key, &value, error))
		return FALSE;
	if (value != NULL) {
		vmds_json_append_string(request->response, value, -1);
		return TRUE;
	}
	if (wait_ms == 0) {
		g_set_error(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND, "no note '%s'", key);
		return FALSE;
	}
	vmds_test_note_wait(request->store, key, vmds_request_defer(request, (guint)wait_ms), TRUE);
	return TRUE;
}

static gboolean
vmds_test_route_put(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *key = g_hash_table_lookup(request->params, "key");
	g_autoptr(JsonNode) body = vmds_json_parse(request->body, request->body_len, error);
	const gchar *value;

	if (body == NULL)
		return FALSE;
	value = vmds_json_node_get_string(body, "the body", error);
	if (value == NULL || !vmds_test_note_write(request->store, key, value, error))
		return FALSE;
	request->status = 204;
	return TRUE;
}

static gboolean
vmds_test_plugin_configure(VmdsPlugin *plugin, GKeyFile *config, GError **error)
{
	VmdsTestPlugin *self = VMDS_TEST_PLUGIN(plugin);
	VmdsTestSettings settings = {.wait_ms = 10000};

	if (!vmds_config_table_read(config,
				    vmds_test_config_keys,
				    G_N_ELEMENTS(vmds_test_config_keys),
				    &settings,
				    error))
		return FALSE;
	self->settings = settings;
	return TRUE;
}

static gboolean
vmds_test_plugin_startup(VmdsPlugin *plugin, GError **error)
{
	vmds_plugin_add_schema(plugin, &vmds_test_schema);
	vmds_plugin_add_command(
	    plugin, "test-note-set", vmds_test_command_set, VMDS_COMMAND_FLAG_PRIVILEGED);
	vmds_plugin_add_command(plugin, "test-note-get", vmds_test_command_get, 0);
	vmds_plugin_add_command(plugin, "test-note-wait", vmds_test_command_wait, 0);
	vmds_plugin_add_route(plugin,
			      "GET",
			      "/api/vmds-test/vm/{vm}/notes/{key}",
			      vmds_test_route_get,
			      VMDS_ROUTE_FLAG_NONE);
	vmds_plugin_add_route(plugin,
			      "PUT",
			      "/api/vmds-test/vm/{vm}/notes/{key}",
			      vmds_test_route_put,
			      VMDS_ROUTE_FLAG_NONE);
	return TRUE;
}

static void
vmds_test_plugin_init(VmdsTestPlugin *self)
{
	self->settings.wait_ms = 10000;
}

static void
vmds_test_plugin_class_init(VmdsTestPluginClass *klass)
{
	VmdsPluginClass *plugin_class = VMDS_PLUGIN_CLASS(klass);

	plugin_class->configure = vmds_test_plugin_configure;
	plugin_class->startup = vmds_test_plugin_startup;
}

VMDS_PLUGIN_DEFINE(vmds_test_plugin)

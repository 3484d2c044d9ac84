/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "vmds-guestinfo.h"
#include "vmds-ovf-env.h"
#include "vmds-vapp-type.h"
#include "vmds-vapp.h"

/*
 * A VM's vApp properties, kept in its store (component `vapp`), and the OVF
 * environment made of them:
 *
 * - vApp is enabled or not; disabling deletes every property, for good;
 * - the transports `com.vmware.guestInfo` and `iso` are on or off each;
 * - every change of the properties or transports regenerates the
 *   environment in the same transaction (vmds_vapp_publish()); while the
 *   guestInfo transport is on, it is also the host-set guestinfo variable
 *   `ovfEnv`, written again whenever the environment changes (a guest's
 *   `info-set guestinfo.ovfEnv` stays until then, as on vSphere).
 *
 * Every value and default value matches the property's type (vmds-vapp-
 * type.h). Types the API cannot assign (expression, ip:NETWORK, ${...})
 * come only from an OVF descriptor; such a property keeps its value.
 */

static const gchar *const vmds_vapp_schema_steps[] = {
    /* 1: the settings (one row, none while never enabled) and properties */
    "CREATE TABLE vapp_settings ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),"
    "  transport_guestinfo INTEGER NOT NULL CHECK (transport_guestinfo IN (0, 1)),"
    "  transport_iso INTEGER NOT NULL CHECK (transport_iso IN (0, 1)),"
    "  env BLOB,"
    "  env_changed INTEGER NOT NULL"
    ");"
    "CREATE TABLE vapp_properties ("
    "  key INTEGER PRIMARY KEY CHECK (key BETWEEN 0 AND 2147483647),"
    "  id TEXT NOT NULL UNIQUE CHECK (id != ''),"
    "  category TEXT NOT NULL,"
    "  label TEXT NOT NULL,"
    "  description TEXT NOT NULL,"
    "  class_id TEXT NOT NULL,"
    "  instance_id TEXT NOT NULL,"
    "  type_reference TEXT NOT NULL,"
    "  user_configurable INTEGER NOT NULL CHECK (user_configurable IN (0, 1)),"
    "  default_value TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  value TEXT NOT NULL"
    ");",
};

const VmdsStoreSchema vmds_vapp_schema = {
    .component = "vapp",
    .steps = vmds_vapp_schema_steps,
    .n_steps = G_N_ELEMENTS(vmds_vapp_schema_steps),
};

#define VMDS_VAPP_COLUMNS                                                                          \
	"key, id, category, label, description, class_id, instance_id, type_reference, "           \
	"user_configurable, default_value, type, value"

void
vmds_vapp_state_clear(VmdsVappState *state)
{
	g_clear_pointer(&state->env, g_bytes_unref);
}

static const gchar *
vmds_vapp_str(const gchar *text)
{
	return text != NULL ? text : "";
}

/**
 * vmds_vapp_get_state:
 * @store: a VM's store
 * @state: (out caller-allocates): the VM's vApp settings and environment;
 *   clear it with vmds_vapp_state_clear()
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE on a store failure only
 */
gboolean
vmds_vapp_get_state(VmdsStore *store, VmdsVappState *state, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store,
	    "SELECT enabled, transport_guestinfo, transport_iso, env, env_changed, "
	    "(SELECT count(*) FROM vapp_properties) FROM vapp_settings",
	    error);
	gboolean row = FALSE;

	memset(state, 0, sizeof(*state));
	if (stmt == NULL || !vmds_store_step(store, stmt, &row, error))
		return FALSE;
	if (!row)
		return TRUE;
	state->enabled = sqlite3_column_int(stmt, 0) != 0;
	state->transport_guestinfo = sqlite3_column_int(stmt, 1) != 0;
	state->transport_iso = sqlite3_column_int(stmt, 2) != 0;
	if (sqlite3_column_type(stmt, 3) != SQLITE_NULL)
		state->env =
		    g_bytes_new(sqlite3_column_blob(stmt, 3), (gsize)sqlite3_column_bytes(stmt, 3));
	state->env_changed = sqlite3_column_int64(stmt, 4);
	state->properties = (guint)sqlite3_column_int(stmt, 5);
	return TRUE;
}

static gchar *
vmds_vapp_column(sqlite3_stmt *stmt, gint column)
{
	return g_strdup((const gchar *)sqlite3_column_text(stmt, column));
}

static VmdsVappProperty *
vmds_vapp_property_from_row(sqlite3_stmt *stmt)
{
	VmdsVappProperty *property = vmds_vapp_property_new();

	property->key = sqlite3_column_int64(stmt, 0);
	property->id = vmds_vapp_column(stmt, 1);
	property->category = vmds_vapp_column(stmt, 2);
	property->label = vmds_vapp_column(stmt, 3);
	property->description = vmds_vapp_column(stmt, 4);
	property->class_id = vmds_vapp_column(stmt, 5);
	property->instance_id = vmds_vapp_column(stmt, 6);
	property->type_reference = vmds_vapp_column(stmt, 7);
	property->user_configurable = sqlite3_column_int(stmt, 8) != 0;
	property->default_value = vmds_vapp_column(stmt, 9);
	property->type = vmds_vapp_column(stmt, 10);
	property->value = vmds_vapp_column(stmt, 11);
	return property;
}

/**
 * vmds_vapp_list:
 * @store: a VM's store
 * @error: a #GError or %NULL
 *
 * Returns: (transfer container) (element-type VmdsVappProperty): the
 *   properties in key order, passwords included
 */
GPtrArray *
vmds_vapp_list(VmdsStore *store, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store, "SELECT " VMDS_VAPP_COLUMNS " FROM vapp_properties ORDER BY key", error);
	g_autoptr(GPtrArray) properties =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_vapp_property_free);
	gboolean row = TRUE;

	if (stmt == NULL)
		return NULL;
	while (row) {
		if (!vmds_store_step(store, stmt, &row, error))
			return NULL;
		if (row)
			g_ptr_array_add(properties, vmds_vapp_property_from_row(stmt));
	}
	return g_steal_pointer(&properties);
}

static void
vmds_vapp_no_property(gint64 key, GError **error)
{
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_NOT_FOUND,
		    "no vApp property with key %" G_GINT64_FORMAT,
		    key);
}

/**
 * vmds_vapp_get:
 * @store: a VM's store
 * @key: a property's key
 * @error: a #GError or %NULL
 *
 * Returns: (transfer full): the property, its password included; %NULL
 *   with %VMDS_ERROR_NOT_FOUND when there is none
 */
VmdsVappProperty *
vmds_vapp_get(VmdsStore *store, gint64 key, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store, "SELECT " VMDS_VAPP_COLUMNS " FROM vapp_properties WHERE key = ?1", error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return NULL;
	sqlite3_bind_int64(stmt, 1, key);
	if (!vmds_store_step(store, stmt, &row, error))
		return NULL;
	if (!row) {
		vmds_vapp_no_property(key, error);
		return NULL;
	}
	return vmds_vapp_property_from_row(stmt);
}

/* @text, an attribute of the property @name (its id as messages quote it):
 * UTF-8, at most VMDS_VAPP_MAX_TEXT characters, and when @env says so, what
 * XML can carry */
static gboolean
vmds_vapp_check_text(
    const gchar *name, const gchar *attribute, const gchar *text, gboolean env, GError **error)
{
	g_autofree gchar *what = g_strdup_printf("the %s of vApp property '%s'", attribute, name);

	if (text == NULL)
		return TRUE;
	if (env || !g_utf8_validate(text, -1, NULL)) {
		if (!vmds_ovf_env_check_text(what, text, error))
			return FALSE;
	}
	if (g_utf8_strlen(text, -1) > VMDS_VAPP_MAX_TEXT) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s is longer than %u characters",
			    what,
			    VMDS_VAPP_MAX_TEXT);
		return FALSE;
	}
	return TRUE;
}

/* @text, a value or default value of @type */
static gboolean
vmds_vapp_check_value(const gchar *name,
		      const gchar *attribute,
		      const VmdsVappType *type,
		      const gchar *text,
		      GError **error)
{
	if (text == NULL || vmds_vapp_type_get_kind(type) == VMDS_VAPP_UNSUPPORTED ||
	    vmds_vapp_type_check(type, text, error))
		return TRUE;
	g_prefix_error(error, "the %s of vApp property '%s': ", attribute, name);
	return FALSE;
}

/* @id as a message quotes it: an id of up to 65,535 characters is not
 * echoed whole (vmds_json_abbreviate()) */
static gchar *
vmds_vapp_quote(const gchar *id)
{
	g_autofree gchar *valid = g_utf8_make_valid(id, -1);

	return vmds_json_abbreviate(valid);
}

static VmdsVappType *
vmds_vapp_parse_type(const VmdsVappProperty *property, GError **error)
{
	VmdsVappType *type = vmds_vapp_type_parse(
	    property->type != NULL && property->type[0] != '\0' ? property->type : "string", error);

	if (type == NULL) {
		g_autofree gchar *name = vmds_vapp_quote(property->id);
		g_prefix_error(error, "vApp property '%s': ", name);
	}
	return type;
}

/* @property in whole; @unsupported: whether its type may be one the API
 * cannot assign (it came so from an OVF descriptor, or keeps it) */
static gboolean
vmds_vapp_check_property(const VmdsVappProperty *property, gboolean unsupported, GError **error)
{
	g_autoptr(VmdsVappType) type = NULL;
	g_autofree gchar *name = NULL;
	const gchar *id = property->id;

	if (id == NULL || id[0] == '\0') {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "a vApp property needs an id");
		return FALSE;
	}
	name = vmds_vapp_quote(id);
	if (!vmds_vapp_check_text(name, "id", id, TRUE, error) ||
	    !vmds_vapp_check_text(name, "classId", property->class_id, TRUE, error) ||
	    !vmds_vapp_check_text(name, "instanceId", property->instance_id, TRUE, error) ||
	    !vmds_vapp_check_text(name, "category", property->category, FALSE, error) ||
	    !vmds_vapp_check_text(name, "label", property->label, FALSE, error) ||
	    !vmds_vapp_check_text(name, "description", property->description, FALSE, error) ||
	    !vmds_vapp_check_text(name, "typeReference", property->type_reference, FALSE, error) ||
	    !vmds_vapp_check_text(name, "type", property->type, FALSE, error) ||
	    !vmds_vapp_check_text(name, "value", property->value, TRUE, error) ||
	    !vmds_vapp_check_text(name, "default value", property->default_value, TRUE, error))
		return FALSE;
	type = vmds_vapp_parse_type(property, error);
	if (type == NULL)
		return FALSE;
	if (vmds_vapp_type_get_kind(type) == VMDS_VAPP_UNSUPPORTED && !unsupported) {
		g_autofree gchar *type_name = vmds_vapp_quote(vmds_vapp_type_get_text(type));
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "vApp property '%s': type '%s' depends on vSphere network profiles and "
			    "cannot be assigned through the API",
			    name,
			    type_name);
		return FALSE;
	}
	return vmds_vapp_check_value(name, "value", type, property->value, error) &&
	       vmds_vapp_check_value(name, "default value", type, property->default_value, error);
}

/* the environment of the VM's properties */
static GBytes *
vmds_vapp_write_env(VmdsStore *store, const gchar *vm_id, GError **error)
{
	g_autoptr(GPtrArray) properties = vmds_vapp_list(store, error);
	g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
	g_autofree VmdsOvfEnvProperty *env = NULL;

	if (properties == NULL)
		return NULL;
	env = g_new0(VmdsOvfEnvProperty, properties->len + 1);
	for (guint i = 0; i < properties->len; i++) {
		VmdsVappProperty *property = g_ptr_array_index(properties, i);
		g_autoptr(VmdsVappType) type = vmds_vapp_parse_type(property, error);
		gchar *key;
		gchar *value;

		if (type == NULL)
			return NULL;
		key = vmds_ovf_env_key(property->class_id, property->id, property->instance_id);
		value = vmds_vapp_type_env_value(type, property->value, property->default_value);
		g_ptr_array_add(strings, key);
		g_ptr_array_add(strings, value);
		env[i].key = key;
		env[i].value = value;
	}
	return vmds_ovf_env_write(vm_id, env, properties->len, error);
}

/* whether the environment is the guestinfo variable */
static gboolean
vmds_vapp_state_publishes(const VmdsVappState *state)
{
	return state->enabled && state->transport_guestinfo;
}

/* makes the environment and the `ovfEnv` variable what the properties and
 * transports say; @before: the settings before the transaction changed
 * them, %NULL when it did not. The variable is written when the
 * environment changed or the guestInfo transport just came on, and removed
 * (unless the guest set it last) when the transport just went off: a
 * variable the host set by hand on a VM without vApp stays */
static gboolean
vmds_vapp_publish_txn(VmdsStore *store,
		      const gchar *vm_id,
		      const VmdsVappState *before,
		      GError **error)
{
	g_auto(VmdsVappState) state = {0};
	g_autoptr(GBytes) env = NULL;
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	gboolean was_on;
	gboolean changed;

	if (!vmds_vapp_get_state(store, &state, error))
		return FALSE;
	was_on = vmds_vapp_state_publishes(before != NULL ? before : &state);
	if (state.enabled) {
		env = vmds_vapp_write_env(store, vm_id, error);
		if (env == NULL)
			return FALSE;
	}
	changed =
	    env == NULL ? state.env != NULL : state.env == NULL || !g_bytes_equal(env, state.env);
	if (changed) {
		gsize size = 0;
		const gchar *data = env != NULL ? g_bytes_get_data(env, &size) : NULL;

		stmt = vmds_store_prepare(
		    store, "UPDATE vapp_settings SET env = ?1, env_changed = ?2", error);
		if (stmt == NULL)
			return FALSE;
		if (data != NULL)
			sqlite3_bind_blob(stmt, 1, data, (gint)size, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 2, g_get_real_time());
		if (!vmds_store_step_done(store, stmt, error))
			return FALSE;
	}
	if (!vmds_vapp_state_publishes(&state))
		return !was_on || vmds_guestinfo_remove_host(store, VMDS_VAPP_ENV_VARIABLE, error);
	if (changed || !was_on) {
		g_autofree gchar *text =
		    g_strndup(g_bytes_get_data(env, NULL), g_bytes_get_size(env));
		return vmds_guestinfo_set(store, VMDS_VAPP_ENV_VARIABLE, text, FALSE, 0, error);
	}
	return TRUE;
}

/* a transaction of @ok's work, and the environment made again */
static gboolean
vmds_vapp_end(
    VmdsStore *store, const gchar *vm_id, gboolean ok, const VmdsVappState *before, GError **error)
{
	return vmds_store_end(
	    store, ok && vmds_vapp_publish_txn(store, vm_id, before, error), error);
}

/**
 * vmds_vapp_publish:
 * @store: a VM's store
 * @vm_id: its id, which the environment names
 * @error: a #GError or %NULL
 *
 * Makes the environment anew when what it says changed without the
 * properties changing: the VM's id (a clone, an import) or a snapshot was
 * reverted to. Writes nothing when it is up to date.
 *
 * Returns: %FALSE on a store failure
 */
gboolean
vmds_vapp_publish(VmdsStore *store, const gchar *vm_id, GError **error)
{
	if (!vmds_store_begin(store, error))
		return FALSE;
	return vmds_vapp_end(store, vm_id, TRUE, NULL, error);
}

static gboolean
vmds_vapp_check_enabled(VmdsStore *store, const gchar *vm_id, GError **error)
{
	g_auto(VmdsVappState) state = {0};

	if (!vmds_vapp_get_state(store, &state, error))
		return FALSE;
	if (!state.enabled) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE,
			    "vApp properties are disabled on VM %s: enable them first",
			    vm_id);
		return FALSE;
	}
	return TRUE;
}

static gboolean
vmds_vapp_configure_txn(VmdsStore *store,
			gboolean enabled,
			gboolean transport_guestinfo,
			gboolean transport_iso,
			GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = NULL;

	if (!enabled) {
		stmt = vmds_store_prepare(store, "DELETE FROM vapp_properties", error);
		if (stmt == NULL || !vmds_store_step_done(store, stmt, error))
			return FALSE;
		transport_guestinfo = transport_iso = FALSE;
	}
	stmt = vmds_store_prepare(
	    store,
	    "INSERT INTO vapp_settings (id, enabled, transport_guestinfo, transport_iso, "
	    "env_changed) VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET "
	    "enabled = ?1, transport_guestinfo = ?2, transport_iso = ?3",
	    error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int(stmt, 1, enabled ? 1 : 0);
	sqlite3_bind_int(stmt, 2, transport_guestinfo ? 1 : 0);
	sqlite3_bind_int(stmt, 3, transport_iso ? 1 : 0);
	sqlite3_bind_int64(stmt, 4, g_get_real_time());
	return vmds_store_step_done(store, stmt, error);
}

/**
 * vmds_vapp_configure:
 * @store: a VM's store
 * @vm_id: its id
 * @enabled: whether the VM has vApp properties; %FALSE deletes every one,
 *   for good
 * @transport_guestinfo: the environment is the guestinfo variable
 *   `ovfEnv` (ignored when !@enabled)
 * @transport_iso: the environment is on an ISO image (ignored when
 *   !@enabled)
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE on a store failure, nothing changed
 */
gboolean
vmds_vapp_configure(VmdsStore *store,
		    const gchar *vm_id,
		    gboolean enabled,
		    gboolean transport_guestinfo,
		    gboolean transport_iso,
		    GError **error)
{
	g_auto(VmdsVappState) state = {0};
	gboolean ok;

	if (!vmds_store_begin(store, error))
		return FALSE;
	ok = vmds_vapp_get_state(store, &state, error) &&
	     vmds_vapp_configure_txn(store, enabled, transport_guestinfo, transport_iso, error);
	return vmds_vapp_end(store, vm_id, ok, &state, error);
}

/* the property of id @id but @key, if any, for the message */
static gboolean
vmds_vapp_check_unique(VmdsStore *store, const VmdsVappProperty *property, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store, "SELECT key FROM vapp_properties WHERE id = ?1 AND key != ?2", error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_text(stmt, 1, property->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, property->key);
	if (!vmds_store_step(store, stmt, &row, error))
		return FALSE;
	if (row) {
		g_autofree gchar *name = vmds_vapp_quote(property->id);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_ALREADY_EXISTS,
			    "vApp property '%s' exists already (key %" G_GINT64_FORMAT ")",
			    name,
			    (gint64)sqlite3_column_int64(stmt, 0));
		return FALSE;
	}
	return TRUE;
}

/* @property->key of -1: the next free one */
static gboolean
vmds_vapp_insert(VmdsStore *store, VmdsVappProperty *property, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store,
	    "SELECT coalesce(max(key) + 1, 0), count(*), "
	    "(SELECT 1 FROM vapp_properties WHERE key = ?1) FROM vapp_properties",
	    error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, property->key);
	if (!vmds_store_step(store, stmt, &row, error))
		return FALSE;
	if (sqlite3_column_int(stmt, 2) != 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_ALREADY_EXISTS,
			    "a vApp property with key %" G_GINT64_FORMAT " exists already",
			    property->key);
		return FALSE;
	}
	if (property->key < 0)
		property->key = sqlite3_column_int64(stmt, 0);
	if (sqlite3_column_int64(stmt, 1) >= VMDS_VAPP_MAX_PROPERTIES ||
	    property->key > G_MAXINT32) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_QUOTA_EXCEEDED,
			    "a VM has %u vApp properties at most, keys up to %d",
			    VMDS_VAPP_MAX_PROPERTIES,
			    G_MAXINT32);
		return FALSE;
	}
	sqlite3_reset(stmt);
	if (!vmds_vapp_check_unique(store, property, error))
		return FALSE;
	stmt = vmds_store_prepare(store,
				  "INSERT INTO vapp_properties (" VMDS_VAPP_COLUMNS ") VALUES "
				  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
				  error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, property->key);
	sqlite3_bind_text(stmt, 2, property->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, vmds_vapp_str(property->category), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, vmds_vapp_str(property->label), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, vmds_vapp_str(property->description), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, vmds_vapp_str(property->class_id), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, vmds_vapp_str(property->instance_id), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 8, vmds_vapp_str(property->type_reference), -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 9, property->user_configurable ? 1 : 0);
	sqlite3_bind_text(stmt, 10, vmds_vapp_str(property->default_value), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt,
			  11,
			  property->type != NULL && property->type[0] != '\0' ? property->type
									      : "string",
			  -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(stmt, 12, vmds_vapp_str(property->value), -1, SQLITE_STATIC);
	return vmds_store_step_done(store, stmt, error);
}

/**
 * vmds_vapp_add:
 * @store: a VM's store
 * @vm_id: its id
 * @property: (inout): the property; its key -1 for the next free one, set
 *   on return
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when the property is
 *   not valid, %VMDS_ERROR_ALREADY_EXISTS when its key or id is taken,
 *   %VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE when vApp is disabled;
 *   nothing changed
 */
gboolean
vmds_vapp_add(VmdsStore *store, const gchar *vm_id, VmdsVappProperty *property, GError **error)
{
	if (!vmds_vapp_check_property(property, FALSE, error) || !vmds_store_begin(store, error))
		return FALSE;
	return vmds_vapp_end(store,
			     vm_id,
			     vmds_vapp_check_enabled(store, vm_id, error) &&
				 vmds_vapp_insert(store, property, error),
			     NULL,
			     error);
}

static gboolean
vmds_vapp_update_txn(VmdsStore *store, const VmdsVappProperty *property, GError **error)
{
	g_autoptr(VmdsVappProperty) old = vmds_vapp_get(store, property->key, error);
	g_autoptr(VmdsStoreStmt) stmt = NULL;

	/* a type the API cannot assign may stay, with the value it has */
	if (old == NULL ||
	    !vmds_vapp_check_property(property,
				      g_strcmp0(old->type, property->type) == 0 &&
					  g_strcmp0(old->value, vmds_vapp_str(property->value)) ==
					      0,
				      error) ||
	    !vmds_vapp_check_unique(store, property, error))
		return FALSE;
	stmt = vmds_store_prepare(store, "DELETE FROM vapp_properties WHERE key = ?1", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, property->key);
	return vmds_store_step_done(store, stmt, error) &&
	       vmds_vapp_insert(store, (VmdsVappProperty *)property, error);
}

/**
 * vmds_vapp_update:
 * @store: a VM's store
 * @vm_id: its id
 * @property: the property in whole, with the key of the one it replaces
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE as vmds_vapp_add() does, or with %VMDS_ERROR_NOT_FOUND;
 *   nothing changed
 */
gboolean
vmds_vapp_update(VmdsStore *store,
		 const gchar *vm_id,
		 const VmdsVappProperty *property,
		 GError **error)
{
	if (!vmds_store_begin(store, error))
		return FALSE;
	return vmds_vapp_end(store,
			     vm_id,
			     vmds_vapp_check_enabled(store, vm_id, error) &&
				 vmds_vapp_update_txn(store, property, error),
			     NULL,
			     error);
}

static gboolean
vmds_vapp_remove_txn(VmdsStore *store, gint64 key, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store, "DELETE FROM vapp_properties WHERE key = ?1 RETURNING 1", error);
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, key);
	if (!vmds_store_step(store, stmt, &row, error))
		return FALSE;
	if (!row) {
		vmds_vapp_no_property(key, error);
		return FALSE;
	}
	return vmds_store_step(store, stmt, &row, error);
}

/**
 * vmds_vapp_remove:
 * @store: a VM's store
 * @vm_id: its id
 * @key: the property's key
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_NOT_FOUND when there is no such
 *   property
 */
gboolean
vmds_vapp_remove(VmdsStore *store, const gchar *vm_id, gint64 key, GError **error)
{
	if (!vmds_store_begin(store, error))
		return FALSE;
	return vmds_vapp_end(store, vm_id, vmds_vapp_remove_txn(store, key, error), NULL, error);
}

static gboolean
vmds_vapp_import_txn(VmdsStore *store, VmdsOvfDescriptor *descriptor, GArray *keys, GError **error)
{
	if (!vmds_vapp_configure_txn(
		store, TRUE, descriptor->transport_guestinfo, descriptor->transport_iso, error))
		return FALSE;
	for (guint i = 0; i < descriptor->properties->len; i++) {
		VmdsVappProperty *property = g_ptr_array_index(descriptor->properties, i);
		property->key = -1;
		if (!vmds_vapp_check_property(property, TRUE, error) ||
		    !vmds_vapp_insert(store, property, error))
			return FALSE;
		g_array_append_val(keys, property->key);
	}
	return TRUE;
}

/**
 * vmds_vapp_import:
 * @store: a VM's store
 * @vm_id: its id
 * @descriptor: what an OVF descriptor says (vmds_ovf_descriptor_parse());
 *   its properties are given keys
 * @error: a #GError or %NULL
 *
 * Enables vApp on the VM, takes the descriptor's transports and adds its
 * properties, as vSphere does when it deploys an appliance; all or nothing.
 *
 * Returns: (transfer full) (element-type gint64): the keys of the
 *   properties added, in the descriptor's order; %NULL as vmds_vapp_add()
 *   fails, nothing changed
 */
GArray *
vmds_vapp_import(VmdsStore *store,
		 const gchar *vm_id,
		 VmdsOvfDescriptor *descriptor,
		 GError **error)
{
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_auto(VmdsVappState) state = {0};
	gboolean ok;

	if (!vmds_store_begin(store, error))
		return NULL;
	ok = vmds_vapp_get_state(store, &state, error) &&
	     vmds_vapp_import_txn(store, descriptor, keys, error);
	if (!vmds_vapp_end(store, vm_id, ok, &state, error))
		return NULL;
	return g_steal_pointer(&keys);
}

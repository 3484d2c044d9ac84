/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "vmds-metadata.h"

/*
 * VMware Cloud Director's object metadata (issue 12), kept in each VM's
 * store (component `metadata`): typed name=value pairs on the VM itself
 * (object "vm", name "") and on its data sets (object "dataset", the data
 * set's name), in three domains:
 *
 *   domain   visibility            administrator   owner       owner with
 *                                                              vcenter-metadata
 *   GENERAL  READWRITE             read, write     read, write read, write
 *   SYSTEM   READONLY              read, write     read        read
 *   SYSTEM   PRIVATE               read, write     -           -
 *   VCENTER  READWRITE (VMs only)  read, write     -           read, write
 *
 * "-" is hidden: never listed, and get, set and remove answer NOT_FOUND with
 * the message an absent key gets, so a caller cannot tell a hidden entry
 * from none. A visible entry the caller may not write (an owner and a
 * READONLY entry) answers ACCESS_DENIED. The owner is whoever reaches the
 * object: that is decided before the engine (VmdsMetadataViewer).
 *
 * Values: vmds-metadata-value.c. Keys: 1 to 256 UTF-8 characters (code
 * points), no ';', no '.' or '..' path segment.
 *
 * Limits per object, checked on the state a write leaves, inside its
 * transaction: GENERAL 1,024 entries and 131,072 bytes; SYSTEM and VCENTER
 * together 128 entries and 16,384 bytes. Bytes are those of the UTF-8 key
 * and canonical value of each entry.
 *
 * A POST merges: each entry replaces the one of its object, domain and key,
 * or is added; the batch is all or nothing in one transaction.
 *
 * Decisions where the design left a choice:
 * - the bytes of a value are its canonical text (vmds_metadata_parse_value()),
 *   not the text as sent: "+0007" weighs as "7", a DATETIME as its UTC form,
 *   so an entry weighs the same however it was written;
 * - besides the segments the design names, a key "." or ".." is refused: it
 *   is a whole dot segment, which URL paths resolve away;
 * - an entry that is not READWRITE in GENERAL or VCENTER, or READWRITE in
 *   SYSTEM, or VCENTER on a data set, is INVALID_ARGUMENT; input is checked
 *   before access, since a malformed request tells nothing of the entries;
 * - get or remove in VCENTER on a data set answer NOT_FOUND (nothing can be
 *   there); remove of an absent key answers NOT_FOUND;
 * - a caller who may not write a domain and reaches no visible entry of
 *   that key (an owner creating or removing a SYSTEM entry, a PRIVATE one
 *   included; an owner without the right in VCENTER) gets NOT_FOUND,
 *   "no SYSTEM metadata entry 'k' on the VM that you may write": the design
 *   says PRIVATE entries answer as absent ones do, so absent ones answer so
 *   too;
 * - in a batch, entries are applied in order: of two with the same domain
 *   and key, the last wins; an empty batch changes nothing;
 * - quota messages never give totals: the SYSTEM total counts PRIVATE
 *   entries, which a holder of the VCENTER right writing VCENTER must not
 *   learn of (the limit itself is shared, per the design);
 * - the generation (vmds_metadata_get_generation()) is 0 in a new store and
 *   becomes max(generation + 1, the time in microseconds) in the transaction
 *   of every change: it only grows, and a store reverted to a snapshot and
 *   changed again never repeats a generation it had before the revert, so
 *   the query index compares it for equality; an empty batch, a failed write
 *   and a remove_object() that removed nothing leave it;
 * - the engine does not check that a data set exists (its caller resolved
 *   the object) and has no copy rule: metadata follows clones and snapshots
 *   whole; vmds_metadata_remove_object() drops a deleted data set's.
 *
 * For the query index, each entry keeps domain, visibility, type, canonical
 * value and `num` (NUMBER the value, DATETIME microseconds since the epoch,
 * BOOLEAN 1 or 0, STRING NULL) in metadata_entries.
 */

static const gchar *const vmds_metadata_schema_steps[] = {
    /* 1: the entries and the generation */
    "CREATE TABLE metadata_entries ("
    "  object_type TEXT NOT NULL CHECK (object_type IN ('vm', 'dataset')),"
    "  object_name TEXT NOT NULL CHECK ((object_type = 'vm') = (object_name = '')),"
    "  domain TEXT NOT NULL CHECK (domain IN ('GENERAL', 'SYSTEM', 'VCENTER')),"
    "  visibility TEXT NOT NULL CHECK (visibility IN ('READWRITE', 'READONLY', 'PRIVATE')),"
    "  key TEXT NOT NULL CHECK (key != ''),"
    "  type TEXT NOT NULL CHECK (type IN ('STRING', 'NUMBER', 'DATETIME', 'BOOLEAN')),"
    "  value TEXT NOT NULL,"
    "  num INTEGER CHECK (typeof(num) = CASE type WHEN 'STRING' THEN 'null' ELSE 'integer' END),"
    "  CHECK ((domain = 'SYSTEM') = (visibility != 'READWRITE')),"
    "  CHECK (domain != 'VCENTER' OR object_type = 'vm'),"
    "  UNIQUE (object_type, object_name, domain, key)"
    ");"
    "CREATE TABLE metadata_generation ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  generation INTEGER NOT NULL CHECK (generation >= 0)"
    ");"
    "INSERT INTO metadata_generation (id, generation) VALUES (1, 0);",
};

const VmdsStoreSchema vmds_metadata_schema = {
    .component = "metadata",
    .steps = vmds_metadata_schema_steps,
    .n_steps = G_N_ELEMENTS(vmds_metadata_schema_steps),
};

static const gchar *const vmds_metadata_domain_names[] = {
    [VMDS_METADATA_GENERAL] = "GENERAL",
    [VMDS_METADATA_SYSTEM] = "SYSTEM",
    [VMDS_METADATA_VCENTER] = "VCENTER",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vmds_metadata_domain_names) == VMDS_METADATA_DOMAIN_LAST);

static const gchar *const vmds_metadata_visibility_names[] = {
    [VMDS_METADATA_READWRITE] = "READWRITE",
    [VMDS_METADATA_READONLY] = "READONLY",
    [VMDS_METADATA_PRIVATE] = "PRIVATE",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vmds_metadata_visibility_names) == VMDS_METADATA_VISIBILITY_LAST);

#define VMDS_METADATA_COLUMNS "domain, visibility, key, type, value, num"

/**
 * vmds_metadata_entry_new:
 * @domain: its domain
 * @visibility: its visibility
 * @key: its key
 * @type: its value's type
 * @value: its value as sent
 *
 * Returns: (transfer full): a new entry, @num 0 until it is written
 */
VmdsMetadataEntry *
vmds_metadata_entry_new(VmdsMetadataDomain domain,
			VmdsMetadataVisibility visibility,
			const gchar *key,
			VmdsMetadataType type,
			const gchar *value)
{
	VmdsMetadataEntry *entry = g_new0(VmdsMetadataEntry, 1);

	entry->domain = domain;
	entry->visibility = visibility;
	entry->key = g_strdup(key);
	entry->type = type;
	entry->value = g_strdup(value);
	return entry;
}

void
vmds_metadata_entry_free(VmdsMetadataEntry *entry)
{
	if (entry == NULL)
		return;
	g_free(entry->key);
	g_free(entry->value);
	g_free(entry);
}

/**
 * vmds_metadata_domain_to_string:
 * @domain: a #VmdsMetadataDomain
 *
 * Returns: `GENERAL`, `SYSTEM` or `VCENTER`; %NULL for no domain
 */
const gchar *
vmds_metadata_domain_to_string(VmdsMetadataDomain domain)
{
	if ((guint)domain >= VMDS_METADATA_DOMAIN_LAST)
		return NULL;
	return vmds_metadata_domain_names[domain];
}

/**
 * vmds_metadata_domain_from_string:
 * @text: `GENERAL`, `SYSTEM` or `VCENTER`, in capitals
 * @domain: (out): the domain
 *
 * Returns: %FALSE when @text names no domain
 */
gboolean
vmds_metadata_domain_from_string(const gchar *text, VmdsMetadataDomain *domain)
{
	for (guint i = 0; text != NULL && i < VMDS_METADATA_DOMAIN_LAST; i++) {
		if (g_str_equal(text, vmds_metadata_domain_names[i])) {
			*domain = (VmdsMetadataDomain)i;
			return TRUE;
		}
	}
	return FALSE;
}

/**
 * vmds_metadata_visibility_to_string:
 * @visibility: a #VmdsMetadataVisibility
 *
 * Returns: `READWRITE`, `READONLY` or `PRIVATE`; %NULL for no visibility
 */
const gchar *
vmds_metadata_visibility_to_string(VmdsMetadataVisibility visibility)
{
	if ((guint)visibility >= VMDS_METADATA_VISIBILITY_LAST)
		return NULL;
	return vmds_metadata_visibility_names[visibility];
}

/**
 * vmds_metadata_visibility_from_string:
 * @text: `READWRITE`, `READONLY` or `PRIVATE`, in capitals
 * @visibility: (out): the visibility
 *
 * Returns: %FALSE when @text names no visibility
 */
gboolean
vmds_metadata_visibility_from_string(const gchar *text, VmdsMetadataVisibility *visibility)
{
	for (guint i = 0; text != NULL && i < VMDS_METADATA_VISIBILITY_LAST; i++) {
		if (g_str_equal(text, vmds_metadata_visibility_names[i])) {
			*visibility = (VmdsMetadataVisibility)i;
			return TRUE;
		}
	}
	return FALSE;
}

static gboolean
vmds_metadata_key_fail(GError **error, const gchar *why)
{
	g_set_error_literal(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, why);
	return FALSE;
}

/**
 * vmds_metadata_check_key:
 * @key: a metadata key
 * @error: a #GError or %NULL
 *
 * A key is 1 to 256 characters of UTF-8, without ';', and no path segment
 * of it is '.' or '..': it contains no '/./' or '/../', does not start with
 * './' or '../', does not end with '/.' or '/..', and is not '.' or '..'.
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when @key is not one;
 *   the message does not repeat it
 */
gboolean
vmds_metadata_check_key(const gchar *key, GError **error)
{
	g_return_val_if_fail(key != NULL, FALSE);

	if (!g_utf8_validate(key, -1, NULL))
		return vmds_metadata_key_fail(error, "a metadata key is UTF-8");
	if (key[0] == '\0')
		return vmds_metadata_key_fail(error, "a metadata key is not empty");
	if (g_utf8_strlen(key, -1) > VMDS_METADATA_MAX_KEY_CHARS)
		return vmds_metadata_key_fail(error, "a metadata key has at most 256 characters");
	if (strchr(key, ';') != NULL)
		return vmds_metadata_key_fail(error, "a metadata key has no ';'");
	if (strstr(key, "/./") != NULL || strstr(key, "/../") != NULL ||
	    g_str_has_prefix(key, "./") || g_str_has_prefix(key, "../") ||
	    g_str_has_suffix(key, "/.") || g_str_has_suffix(key, "/..") || g_str_equal(key, ".") ||
	    g_str_equal(key, ".."))
		return vmds_metadata_key_fail(
		    error,
		    "a metadata key has no '.' or '..' segment: no '/./' or '/../', not starting "
		    "with './' or '../', not ending with '/.' or '/..'");
	return TRUE;
}

static gboolean
vmds_metadata_object_is_vm(const VmdsMetadataObject *object)
{
	return g_str_equal(object->type, VMDS_METADATA_OBJECT_VM);
}

static gboolean
vmds_metadata_check_object(const VmdsMetadataObject *object, GError **error)
{
	if (object->type != NULL && object->name != NULL) {
		if (vmds_metadata_object_is_vm(object) && object->name[0] == '\0')
			return TRUE;
		if (g_str_equal(object->type, VMDS_METADATA_OBJECT_DATASET) &&
		    object->name[0] != '\0' && g_utf8_validate(object->name, -1, NULL))
			return TRUE;
	}
	g_set_error_literal(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "metadata is on the VM (object vm, no name) or on one of its data sets "
			    "(object dataset and its name)");
	return FALSE;
}

/* the object, for messages */
static gchar *
vmds_metadata_object_describe(const VmdsMetadataObject *object)
{
	if (vmds_metadata_object_is_vm(object))
		return g_strdup("the VM");
	return g_strdup_printf("data set '%s'", object->name);
}

static gboolean
vmds_metadata_check_domain(VmdsMetadataDomain domain, GError **error)
{
	if ((guint)domain < VMDS_METADATA_DOMAIN_LAST)
		return TRUE;
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "unknown metadata domain %d",
		    (gint)domain);
	return FALSE;
}

/* whether @viewer sees the entries of @domain and @visibility */
static gboolean
vmds_metadata_may_see(const VmdsMetadataViewer *viewer,
		      VmdsMetadataDomain domain,
		      VmdsMetadataVisibility visibility)
{
	if (viewer->administrator)
		return TRUE;
	switch (domain) {
	case VMDS_METADATA_GENERAL:
		return TRUE;
	case VMDS_METADATA_SYSTEM:
		return visibility == VMDS_METADATA_READONLY;
	case VMDS_METADATA_VCENTER:
		return viewer->vcenter_metadata;
	default:
		return FALSE;
	}
}

/* whether @viewer writes the entries of @domain */
static gboolean
vmds_metadata_may_write(const VmdsMetadataViewer *viewer, VmdsMetadataDomain domain)
{
	if (viewer->administrator)
		return TRUE;
	switch (domain) {
	case VMDS_METADATA_GENERAL:
		return TRUE;
	case VMDS_METADATA_VCENTER:
		return viewer->vcenter_metadata;
	default:
		return FALSE;
	}
}

/* the one answer for an entry that is absent and for one the caller may not
 * see: they must not differ */
static gboolean
vmds_metadata_not_found(const VmdsMetadataObject *object,
			VmdsMetadataDomain domain,
			const gchar *key,
			const gchar *suffix,
			GError **error)
{
	g_autofree gchar *what = vmds_metadata_object_describe(object);

	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_NOT_FOUND,
		    "no %s metadata entry '%s' on %s%s",
		    vmds_metadata_domain_to_string(domain),
		    key,
		    what,
		    suffix);
	return FALSE;
}

static gboolean
vmds_metadata_step(VmdsStore *store, sqlite3_stmt *stmt, gboolean *row, GError **error)
{
	gint rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		*row = rc == SQLITE_ROW;
		return TRUE;
	}
	return vmds_store_set_error(store, rc, error);
}

static void
vmds_metadata_bind_object(sqlite3_stmt *stmt, const VmdsMetadataObject *object)
{
	sqlite3_bind_text(stmt, 1, object->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, object->name, -1, SQLITE_STATIC);
}

/* a row of VMDS_METADATA_COLUMNS; a store whose CHECKs were bypassed (a
 * crafted import) fails here rather than showing what it cannot name */
static VmdsMetadataEntry *
vmds_metadata_entry_from_row(sqlite3_stmt *stmt, GError **error)
{
	g_autoptr(VmdsMetadataEntry) entry = g_new0(VmdsMetadataEntry, 1);

	if (!vmds_metadata_domain_from_string((const gchar *)sqlite3_column_text(stmt, 0),
					      &entry->domain) ||
	    !vmds_metadata_visibility_from_string((const gchar *)sqlite3_column_text(stmt, 1),
						  &entry->visibility) ||
	    !vmds_metadata_type_from_string((const gchar *)sqlite3_column_text(stmt, 3),
					    &entry->type) ||
	    sqlite3_column_type(stmt, 2) != SQLITE_TEXT ||
	    sqlite3_column_type(stmt, 4) != SQLITE_TEXT) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_STORAGE,
				    "the store holds a metadata entry this build cannot read");
		return NULL;
	}
	entry->key = g_strdup((const gchar *)sqlite3_column_text(stmt, 2));
	entry->value = g_strdup((const gchar *)sqlite3_column_text(stmt, 4));
	entry->num = sqlite3_column_int64(stmt, 5);
	return g_steal_pointer(&entry);
}

/* the entry of @object, @domain and @key, whoever may see it: *@entry NULL
 * when there is none */
static gboolean
vmds_metadata_find(VmdsStore *store,
		   const VmdsMetadataObject *object,
		   VmdsMetadataDomain domain,
		   const gchar *key,
		   VmdsMetadataEntry **entry,
		   GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt =
	    vmds_store_prepare(store,
			       "SELECT " VMDS_METADATA_COLUMNS " FROM metadata_entries "
			       "WHERE object_type = ?1 AND object_name = ?2 AND domain = ?3 "
			       "AND key = ?4",
			       error);
	gboolean row = FALSE;

	*entry = NULL;
	if (stmt == NULL)
		return FALSE;
	vmds_metadata_bind_object(stmt, object);
	sqlite3_bind_text(stmt, 3, vmds_metadata_domain_to_string(domain), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, key, -1, SQLITE_STATIC);
	if (!vmds_metadata_step(store, stmt, &row, error))
		return FALSE;
	if (!row)
		return TRUE;
	*entry = vmds_metadata_entry_from_row(stmt, error);
	return *entry != NULL;
}

/**
 * vmds_metadata_list:
 * @store: a VM's store
 * @object: the VM or one of its data sets
 * @viewer: who asks
 * @error: a #GError or %NULL
 *
 * Returns: (transfer container) (element-type VmdsMetadataEntry): the
 *   entries of @object that @viewer may see, GENERAL first, then SYSTEM,
 *   then VCENTER, each in the byte order of the keys; %NULL with
 *   %VMDS_ERROR_INVALID_ARGUMENT for no such kind of object
 */
GPtrArray *
vmds_metadata_list(VmdsStore *store,
		   const VmdsMetadataObject *object,
		   const VmdsMetadataViewer *viewer,
		   GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	g_autoptr(GPtrArray) entries = NULL;
	gboolean row = TRUE;

	g_return_val_if_fail(VMDS_IS_STORE(store), NULL);
	g_return_val_if_fail(object != NULL, NULL);
	g_return_val_if_fail(viewer != NULL, NULL);

	if (!vmds_metadata_check_object(object, error))
		return NULL;
	/* the domains' names sort as the domains do */
	stmt = vmds_store_prepare(store,
				  "SELECT " VMDS_METADATA_COLUMNS " FROM metadata_entries "
				  "WHERE object_type = ?1 AND object_name = ?2 "
				  "ORDER BY domain, key COLLATE BINARY",
				  error);
	if (stmt == NULL)
		return NULL;
	vmds_metadata_bind_object(stmt, object);
	entries = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_metadata_entry_free);
	while (row) {
		g_autoptr(VmdsMetadataEntry) entry = NULL;

		if (!vmds_metadata_step(store, stmt, &row, error))
			return NULL;
		if (!row)
			break;
		entry = vmds_metadata_entry_from_row(stmt, error);
		if (entry == NULL)
			return NULL;
		if (vmds_metadata_may_see(viewer, entry->domain, entry->visibility))
			g_ptr_array_add(entries, g_steal_pointer(&entry));
	}
	return g_steal_pointer(&entries);
}

/**
 * vmds_metadata_get:
 * @store: a VM's store
 * @object: the VM or one of its data sets
 * @viewer: who asks
 * @domain: the entry's domain
 * @key: its key
 * @error: a #GError or %NULL
 *
 * Returns: (transfer full): the entry; %NULL with %VMDS_ERROR_NOT_FOUND
 *   when there is none or @viewer may not see it (the same message),
 *   %VMDS_ERROR_INVALID_ARGUMENT for a malformed key or object
 */
VmdsMetadataEntry *
vmds_metadata_get(VmdsStore *store,
		  const VmdsMetadataObject *object,
		  const VmdsMetadataViewer *viewer,
		  VmdsMetadataDomain domain,
		  const gchar *key,
		  GError **error)
{
	g_autoptr(VmdsMetadataEntry) entry = NULL;

	g_return_val_if_fail(VMDS_IS_STORE(store), NULL);
	g_return_val_if_fail(object != NULL, NULL);
	g_return_val_if_fail(viewer != NULL, NULL);
	g_return_val_if_fail(key != NULL, NULL);

	if (!vmds_metadata_check_object(object, error) ||
	    !vmds_metadata_check_domain(domain, error) || !vmds_metadata_check_key(key, error))
		return NULL;
	if (!vmds_metadata_find(store, object, domain, key, &entry, error))
		return NULL;
	if (entry == NULL || !vmds_metadata_may_see(viewer, entry->domain, entry->visibility)) {
		vmds_metadata_not_found(object, domain, key, "", error);
		return NULL;
	}
	return g_steal_pointer(&entry);
}

/* @entry in whole, before any access: its value made canonical in place */
static gboolean
vmds_metadata_check_entry(const VmdsMetadataObject *object,
			  VmdsMetadataEntry *entry,
			  GError **error)
{
	g_autofree gchar *canonical = NULL;
	const gchar *domain;
	gint64 num = 0;

	if (entry->key == NULL) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "a metadata entry needs a key");
		return FALSE;
	}
	if (!vmds_metadata_check_key(entry->key, error))
		return FALSE;
	domain = vmds_metadata_domain_to_string(entry->domain);
	if (domain == NULL || vmds_metadata_visibility_to_string(entry->visibility) == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "metadata entry '%s': unknown domain or visibility",
			    entry->key);
		return FALSE;
	}
	if (entry->domain == VMDS_METADATA_SYSTEM && entry->visibility == VMDS_METADATA_READWRITE) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "metadata entry '%s': a SYSTEM entry is READONLY or PRIVATE, never "
			    "READWRITE",
			    entry->key);
		return FALSE;
	}
	if (entry->domain != VMDS_METADATA_SYSTEM && entry->visibility != VMDS_METADATA_READWRITE) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "metadata entry '%s': a %s entry is READWRITE; READONLY and PRIVATE "
			    "are for SYSTEM entries",
			    entry->key,
			    domain);
		return FALSE;
	}
	if (entry->domain == VMDS_METADATA_VCENTER && !vmds_metadata_object_is_vm(object)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "metadata entry '%s': the VCENTER domain is on VMs only, not on data "
			    "sets",
			    entry->key);
		return FALSE;
	}
	if (entry->value == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "metadata entry '%s' has no value",
			    entry->key);
		return FALSE;
	}
	if (!vmds_metadata_parse_value(entry->type, entry->value, &canonical, &num, error)) {
		g_prefix_error(error, "metadata entry '%s': ", entry->key);
		return FALSE;
	}
	g_free(entry->value);
	entry->value = g_steal_pointer(&canonical);
	entry->num = num;
	return TRUE;
}

/* whether @viewer may write @key of @domain, which is @existing (%NULL
 * when absent); @must_exist: a remove. What it may not see answers as what
 * is absent */
static gboolean
vmds_metadata_check_write(const VmdsMetadataViewer *viewer,
			  const VmdsMetadataObject *object,
			  VmdsMetadataDomain domain,
			  const gchar *key,
			  const VmdsMetadataEntry *existing,
			  gboolean must_exist,
			  GError **error)
{
	g_autofree gchar *what = NULL;

	if (vmds_metadata_may_write(viewer, domain)) {
		if (existing == NULL && must_exist)
			return vmds_metadata_not_found(object, domain, key, "", error);
		return TRUE;
	}
	if (existing == NULL || !vmds_metadata_may_see(viewer, domain, existing->visibility))
		return vmds_metadata_not_found(object, domain, key, " that you may write", error);
	what = vmds_metadata_object_describe(object);
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_ACCESS_DENIED,
		    "%s metadata entry '%s' on %s is read-only: only administrators write the %s "
		    "domain",
		    vmds_metadata_domain_to_string(domain),
		    key,
		    what,
		    vmds_metadata_domain_to_string(domain));
	return FALSE;
}

/* in the transaction of each change */
static gboolean
vmds_metadata_bump_generation(VmdsStore *store, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store,
	    "INSERT INTO metadata_generation (id, generation) VALUES (1, ?1) "
	    "ON CONFLICT (id) DO UPDATE SET generation = max(generation + 1, ?1)",
	    error);

	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, g_get_real_time());
	return vmds_store_step_done(store, stmt, error);
}

/* the limits of @object's GENERAL domain, or of SYSTEM and VCENTER, on the
 * state the transaction leaves */
static gboolean
vmds_metadata_check_limits(VmdsStore *store,
			   const VmdsMetadataObject *object,
			   gboolean general,
			   GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store,
	    "SELECT count(*), "
	    "coalesce(sum(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))), 0) "
	    "FROM metadata_entries WHERE object_type = ?1 AND object_name = ?2 "
	    "AND (domain = 'GENERAL') = ?3",
	    error);
	g_autofree gchar *what = NULL;
	gint64 max_entries =
	    general ? VMDS_METADATA_GENERAL_MAX_ENTRIES : VMDS_METADATA_SYSTEM_MAX_ENTRIES;
	gint64 max_bytes =
	    general ? VMDS_METADATA_GENERAL_MAX_BYTES : VMDS_METADATA_SYSTEM_MAX_BYTES;
	const gchar *domains = general ? "GENERAL" : "SYSTEM and VCENTER";
	gboolean row = FALSE;

	if (stmt == NULL)
		return FALSE;
	vmds_metadata_bind_object(stmt, object);
	sqlite3_bind_int(stmt, 3, general ? 1 : 0);
	if (!vmds_metadata_step(store, stmt, &row, error))
		return FALSE;
	what = vmds_metadata_object_describe(object);
	if (sqlite3_column_int64(stmt, 0) > max_entries) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_QUOTA_EXCEEDED,
			    "the %s metadata of %s is limited to %" G_GINT64_FORMAT " entries",
			    domains,
			    what,
			    max_entries);
		return FALSE;
	}
	if (sqlite3_column_int64(stmt, 1) > max_bytes) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_QUOTA_EXCEEDED,
			    "the %s metadata of %s is limited to %" G_GINT64_FORMAT
			    " bytes of keys and values",
			    domains,
			    what,
			    max_bytes);
		return FALSE;
	}
	return TRUE;
}

/* @entry, checked, added or replacing the one of its domain and key */
static gboolean
vmds_metadata_write(VmdsStore *store,
		    const VmdsMetadataObject *object,
		    const VmdsMetadataViewer *viewer,
		    const VmdsMetadataEntry *entry,
		    GError **error)
{
	g_autoptr(VmdsMetadataEntry) existing = NULL;
	g_autoptr(VmdsStoreStmt) stmt = NULL;

	if (!vmds_metadata_find(store, object, entry->domain, entry->key, &existing, error) ||
	    !vmds_metadata_check_write(
		viewer, object, entry->domain, entry->key, existing, FALSE, error))
		return FALSE;
	stmt = vmds_store_prepare(
	    store,
	    "INSERT INTO metadata_entries (object_type, object_name, " VMDS_METADATA_COLUMNS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	    "ON CONFLICT (object_type, object_name, domain, key) DO UPDATE SET "
	    "visibility = excluded.visibility, type = excluded.type, value = excluded.value, "
	    "num = excluded.num",
	    error);
	if (stmt == NULL)
		return FALSE;
	vmds_metadata_bind_object(stmt, object);
	sqlite3_bind_text(
	    stmt, 3, vmds_metadata_domain_to_string(entry->domain), -1, SQLITE_STATIC);
	sqlite3_bind_text(
	    stmt, 4, vmds_metadata_visibility_to_string(entry->visibility), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, entry->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, vmds_metadata_type_to_string(entry->type), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, entry->value, -1, SQLITE_STATIC);
	if (entry->type != VMDS_METADATA_STRING)
		sqlite3_bind_int64(stmt, 8, entry->num);
	return vmds_store_step_done(store, stmt, error);
}

static gboolean
vmds_metadata_merge_txn(VmdsStore *store,
			const VmdsMetadataObject *object,
			const VmdsMetadataViewer *viewer,
			GPtrArray *entries,
			GError **error)
{
	gboolean general = FALSE;
	gboolean system = FALSE;

	for (guint i = 0; i < entries->len; i++) {
		const VmdsMetadataEntry *entry = g_ptr_array_index(entries, i);

		if (!vmds_metadata_write(store, object, viewer, entry, error))
			return FALSE;
		if (entry->domain == VMDS_METADATA_GENERAL)
			general = TRUE;
		else
			system = TRUE;
	}
	return (!general || vmds_metadata_check_limits(store, object, TRUE, error)) &&
	       (!system || vmds_metadata_check_limits(store, object, FALSE, error)) &&
	       vmds_metadata_bump_generation(store, error);
}

/**
 * vmds_metadata_merge:
 * @store: a VM's store
 * @object: the VM or one of its data sets
 * @viewer: who writes
 * @entries: (element-type VmdsMetadataEntry): the entries, each replacing
 *   the one of its domain and key or added, in order; their values are made
 *   canonical in place
 * @error: a #GError or %NULL
 *
 * vCD's POST of a Metadata element: all or nothing, in one transaction
 * that bumps the generation; the limits hold for the state it leaves.
 *
 * Returns: %FALSE, nothing changed, with %VMDS_ERROR_INVALID_ARGUMENT for
 *   a malformed entry, %VMDS_ERROR_NOT_FOUND or %VMDS_ERROR_ACCESS_DENIED
 *   for one @viewer may not write (see the table at the top of this file),
 *   %VMDS_ERROR_QUOTA_EXCEEDED past a limit
 */
gboolean
vmds_metadata_merge(VmdsStore *store,
		    const VmdsMetadataObject *object,
		    const VmdsMetadataViewer *viewer,
		    GPtrArray *entries,
		    GError **error)
{
	g_return_val_if_fail(VMDS_IS_STORE(store), FALSE);
	g_return_val_if_fail(object != NULL, FALSE);
	g_return_val_if_fail(viewer != NULL, FALSE);
	g_return_val_if_fail(entries != NULL, FALSE);

	if (!vmds_metadata_check_object(object, error))
		return FALSE;
	for (guint i = 0; i < entries->len; i++) {
		if (!vmds_metadata_check_entry(object, g_ptr_array_index(entries, i), error))
			return FALSE;
	}
	if (entries->len == 0)
		return TRUE;
	if (!vmds_store_begin(store, error))
		return FALSE;
	return vmds_store_end(
	    store, vmds_metadata_merge_txn(store, object, viewer, entries, error), error);
}

/**
 * vmds_metadata_set:
 * @store: a VM's store
 * @object: the VM or one of its data sets
 * @viewer: who writes
 * @entry: (inout): the entry, added or replacing the one of its domain and
 *   key; its value is made canonical and its @num set
 * @error: a #GError or %NULL
 *
 * vCD's PUT of one MetadataValue.
 *
 * Returns: %FALSE as vmds_metadata_merge() does, nothing changed
 */
gboolean
vmds_metadata_set(VmdsStore *store,
		  const VmdsMetadataObject *object,
		  const VmdsMetadataViewer *viewer,
		  VmdsMetadataEntry *entry,
		  GError **error)
{
	g_autoptr(GPtrArray) entries = g_ptr_array_new();

	g_return_val_if_fail(entry != NULL, FALSE);

	g_ptr_array_add(entries, entry);
	return vmds_metadata_merge(store, object, viewer, entries, error);
}

static gboolean
vmds_metadata_remove_txn(VmdsStore *store,
			 const VmdsMetadataObject *object,
			 const VmdsMetadataViewer *viewer,
			 VmdsMetadataDomain domain,
			 const gchar *key,
			 GError **error)
{
	g_autoptr(VmdsMetadataEntry) existing = NULL;
	g_autoptr(VmdsStoreStmt) stmt = NULL;

	if (!vmds_metadata_find(store, object, domain, key, &existing, error) ||
	    !vmds_metadata_check_write(viewer, object, domain, key, existing, TRUE, error))
		return FALSE;
	stmt = vmds_store_prepare(store,
				  "DELETE FROM metadata_entries WHERE object_type = ?1 AND "
				  "object_name = ?2 AND domain = ?3 AND key = ?4",
				  error);
	if (stmt == NULL)
		return FALSE;
	vmds_metadata_bind_object(stmt, object);
	sqlite3_bind_text(stmt, 3, vmds_metadata_domain_to_string(domain), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, key, -1, SQLITE_STATIC);
	return vmds_store_step_done(store, stmt, error) &&
	       vmds_metadata_bump_generation(store, error);
}

/**
 * vmds_metadata_remove:
 * @store: a VM's store
 * @object: the VM or one of its data sets
 * @viewer: who removes
 * @domain: the entry's domain
 * @key: its key
 * @error: a #GError or %NULL
 *
 * vCD's DELETE of one entry, in a transaction that bumps the generation.
 *
 * Returns: %FALSE, nothing changed, with %VMDS_ERROR_NOT_FOUND when there
 *   is no such entry or @viewer may not see it, %VMDS_ERROR_ACCESS_DENIED
 *   when it sees it but may not write it, %VMDS_ERROR_INVALID_ARGUMENT for
 *   a malformed key or object
 */
gboolean
vmds_metadata_remove(VmdsStore *store,
		     const VmdsMetadataObject *object,
		     const VmdsMetadataViewer *viewer,
		     VmdsMetadataDomain domain,
		     const gchar *key,
		     GError **error)
{
	g_return_val_if_fail(VMDS_IS_STORE(store), FALSE);
	g_return_val_if_fail(object != NULL, FALSE);
	g_return_val_if_fail(viewer != NULL, FALSE);
	g_return_val_if_fail(key != NULL, FALSE);

	if (!vmds_metadata_check_object(object, error) ||
	    !vmds_metadata_check_domain(domain, error) || !vmds_metadata_check_key(key, error))
		return FALSE;
	if (!vmds_store_begin(store, error))
		return FALSE;
	return vmds_store_end(
	    store, vmds_metadata_remove_txn(store, object, viewer, domain, key, error), error);
}

static gboolean
vmds_metadata_remove_object_txn(VmdsStore *store, const VmdsMetadataObject *object, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = vmds_store_prepare(
	    store,
	    "DELETE FROM metadata_entries WHERE object_type = ?1 AND object_name = ?2",
	    error);

	if (stmt == NULL)
		return FALSE;
	vmds_metadata_bind_object(stmt, object);
	if (!vmds_store_step_done(store, stmt, error))
		return FALSE;
	return sqlite3_changes(sqlite3_db_handle(stmt)) == 0 ||
	       vmds_metadata_bump_generation(store, error);
}

/**
 * vmds_metadata_remove_object:
 * @store: a VM's store
 * @object: the VM or one of its data sets
 * @error: a #GError or %NULL
 *
 * Removes every entry of @object, whatever its domain: a data set was
 * deleted. Bumps the generation when it removed any.
 *
 * Returns: %FALSE on a store failure, or with %VMDS_ERROR_INVALID_ARGUMENT
 *   for a malformed object
 */
gboolean
vmds_metadata_remove_object(VmdsStore *store, const VmdsMetadataObject *object, GError **error)
{
	g_return_val_if_fail(VMDS_IS_STORE(store), FALSE);
	g_return_val_if_fail(object != NULL, FALSE);

	if (!vmds_metadata_check_object(object, error) || !vmds_store_begin(store, error))
		return FALSE;
	return vmds_store_end(store, vmds_metadata_remove_object_txn(store, object, error), error);
}

/**
 * vmds_metadata_get_generation:
 * @store: a VM's store
 * @generation: (out): the generation of its metadata: 0 until the first
 *   change, then larger with each (see the top of this file); compare it
 *   for equality
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE on a store failure
 */
gboolean
vmds_metadata_get_generation(VmdsStore *store, guint64 *generation, GError **error)
{
	g_autoptr(VmdsStoreStmt) stmt = NULL;
	gboolean row = FALSE;

	g_return_val_if_fail(VMDS_IS_STORE(store), FALSE);
	g_return_val_if_fail(generation != NULL, FALSE);

	stmt = vmds_store_prepare(
	    store, "SELECT generation FROM metadata_generation WHERE id = 1", error);
	if (stmt == NULL || !vmds_metadata_step(store, stmt, &row, error))
		return FALSE;
	*generation = row ? (guint64)sqlite3_column_int64(stmt, 0) : 0;
	return TRUE;
}

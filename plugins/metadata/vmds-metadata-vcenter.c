/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-metadata-value.h"
#include "vmds-metadata-vcenter.h"

/*
 * What the provider allows in the VCENTER domain. vCD: "Your service
 * provider establishes the set of legal values for metadata in this
 * domain"; the hypervisor integration reads these entries to place the VM.
 * From vmds.conf:
 *
 *   [metadata]
 *   vcenter-keys=placement;tier          the keys a VCENTER entry may have
 *   vcenter-values-placement=rack-1;rack-2   the values one of them may take
 *
 * Without vcenter-keys every key and value is allowed (nothing set up yet:
 * a VM's VCENTER entries are whatever its administrators and right holders
 * write). A listed key without its vcenter-values-KEY takes any value of
 * any type. A value is compared as the canonical text the API returns
 * (a NUMBER `007` is `7`, a DATETIME is UTC: `2026-01-01T00:00:00Z`).
 */

#define VMDS_METADATA_VCENTER_GROUP	    "metadata"
#define VMDS_METADATA_VCENTER_KEYS	    "vcenter-keys"
#define VMDS_METADATA_VCENTER_VALUES_PREFIX "vcenter-values-"

struct _VmdsMetadataVcenter {
	/* key → GStrv of its values, or NULL for any; NULL: no key listed */
	GHashTable *keys;
	gchar *listed; /* the keys, "a, b", for messages */
};

static gboolean
vmds_metadata_vcenter_fail(GError **error, const gchar *key, const gchar *why)
{
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "[" VMDS_METADATA_VCENTER_GROUP "] %s: %s",
		    key,
		    why);
	return FALSE;
}

/* vcenter-keys: each a key the engine takes, once */
static gboolean
vmds_metadata_vcenter_read_keys(VmdsMetadataVcenter *self, GKeyFile *config, GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_string_list(
	    config, VMDS_METADATA_VCENTER_GROUP, VMDS_METADATA_VCENTER_KEYS, NULL, NULL);

	if (keys == NULL || keys[0] == NULL)
		return vmds_metadata_vcenter_fail(
		    error, VMDS_METADATA_VCENTER_KEYS, "lists no key (leave it out to allow any)");
	self->keys =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
	for (guint i = 0; keys[i] != NULL; i++) {
		g_autoptr(GError) why = NULL;
		g_autofree gchar *message = NULL;

		if (!vmds_metadata_check_key(keys[i], &why)) {
			message = g_strdup_printf("'%s': %s", keys[i], why->message);
			return vmds_metadata_vcenter_fail(
			    error, VMDS_METADATA_VCENTER_KEYS, message);
		}
		/* it must be able to name its values' key, vcenter-values-KEY */
		if (strpbrk(keys[i], "=[]\n") != NULL || g_ascii_isspace(keys[i][0]) ||
		    g_ascii_isspace(keys[i][strlen(keys[i]) - 1])) {
			message = g_strdup_printf(
			    "'%s' cannot be part of a key of the configuration file", keys[i]);
			return vmds_metadata_vcenter_fail(
			    error, VMDS_METADATA_VCENTER_KEYS, message);
		}
		if (g_hash_table_contains(self->keys, keys[i])) {
			message = g_strdup_printf("'%s' twice", keys[i]);
			return vmds_metadata_vcenter_fail(
			    error, VMDS_METADATA_VCENTER_KEYS, message);
		}
		g_hash_table_insert(self->keys, g_strdup(keys[i]), NULL);
	}
	self->listed = g_strjoinv(", ", keys);
	return TRUE;
}

/* vcenter-values-KEY: KEY listed, and at least one value */
static gboolean
vmds_metadata_vcenter_read_values(VmdsMetadataVcenter *self,
				  GKeyFile *config,
				  const gchar *name,
				  GError **error)
{
	const gchar *key = name + strlen(VMDS_METADATA_VCENTER_VALUES_PREFIX);
	g_auto(GStrv) values = NULL;

	if (self->keys == NULL || !g_hash_table_contains(self->keys, key))
		return vmds_metadata_vcenter_fail(
		    error, name, "names a key that " VMDS_METADATA_VCENTER_KEYS " does not list");
	values = g_key_file_get_string_list(config, VMDS_METADATA_VCENTER_GROUP, name, NULL, NULL);
	if (values == NULL || values[0] == NULL)
		return vmds_metadata_vcenter_fail(
		    error, name, "lists no value (leave it out to allow any)");
	g_hash_table_replace(self->keys, g_strdup(key), g_steal_pointer(&values));
	return TRUE;
}

/**
 * vmds_metadata_vcenter_new:
 * @config: the daemon's configuration
 * @error: a #GError or %NULL
 *
 * Reads the group `[metadata]`: the VCENTER keys and values the provider
 * allows. Every key of the group is checked.
 *
 * Returns: (transfer full): the rules, or %NULL with
 *   %VMDS_ERROR_INVALID_ARGUMENT naming the key that is wrong
 */
VmdsMetadataVcenter *
vmds_metadata_vcenter_new(GKeyFile *config, GError **error)
{
	g_autoptr(VmdsMetadataVcenter) self = g_new0(VmdsMetadataVcenter, 1);
	g_auto(GStrv) names = NULL;

	if (config == NULL || !g_key_file_has_group(config, VMDS_METADATA_VCENTER_GROUP))
		return g_steal_pointer(&self);
	if (g_key_file_has_key(
		config, VMDS_METADATA_VCENTER_GROUP, VMDS_METADATA_VCENTER_KEYS, NULL) &&
	    !vmds_metadata_vcenter_read_keys(self, config, error))
		return NULL;
	names = g_key_file_get_keys(config, VMDS_METADATA_VCENTER_GROUP, NULL, NULL);
	for (guint i = 0; names != NULL && names[i] != NULL; i++) {
		if (g_str_equal(names[i], VMDS_METADATA_VCENTER_KEYS))
			continue;
		if (!g_str_has_prefix(names[i], VMDS_METADATA_VCENTER_VALUES_PREFIX)) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "unknown key '%s' in group [" VMDS_METADATA_VCENTER_GROUP "]",
				    names[i]);
			return NULL;
		}
		if (!vmds_metadata_vcenter_read_values(self, config, names[i], error))
			return NULL;
	}
	return g_steal_pointer(&self);
}

void
vmds_metadata_vcenter_free(VmdsMetadataVcenter *self)
{
	if (self == NULL)
		return;
	g_clear_pointer(&self->keys, g_hash_table_unref);
	g_free(self->listed);
	g_free(self);
}

/**
 * vmds_metadata_vcenter_is_restricted:
 * @self: the rules
 *
 * Returns: whether the provider lists the VCENTER keys
 */
gboolean
vmds_metadata_vcenter_is_restricted(const VmdsMetadataVcenter *self)
{
	return self != NULL && self->keys != NULL;
}

/**
 * vmds_metadata_vcenter_check:
 * @self: the rules
 * @entry: a VCENTER entry about to be written on a VM, by a caller who
 *   may write that domain
 * @error: a #GError or %NULL
 *
 * A value that is not one of its type passes: the engine refuses it, and
 * says why.
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when the provider does
 *   not allow its key, or its value for that key
 */
gboolean
vmds_metadata_vcenter_check(const VmdsMetadataVcenter *self,
			    const VmdsMetadataEntry *entry,
			    GError **error)
{
	const gchar *const *values = NULL;
	g_autofree gchar *canonical = NULL;
	g_autofree gchar *key = NULL;
	g_autofree gchar *value = NULL;
	g_autofree gchar *allowed = NULL;

	g_return_val_if_fail(entry != NULL && entry->domain == VMDS_METADATA_VCENTER, FALSE);

	if (!vmds_metadata_vcenter_is_restricted(self))
		return TRUE;
	key = vmds_json_abbreviate(entry->key);
	if (!g_hash_table_lookup_extended(self->keys, entry->key, NULL, (gpointer *)&values)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "VCENTER key '%s' is not one the provider allows: %s",
			    key,
			    self->listed);
		return FALSE;
	}
	if (values == NULL ||
	    !vmds_metadata_parse_value(entry->type, entry->value, &canonical, NULL, NULL) ||
	    g_strv_contains(values, canonical))
		return TRUE;
	value = vmds_json_abbreviate(entry->value);
	allowed = g_strjoinv(", ", (gchar **)values);
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "'%s' is not a value the provider allows for VCENTER key '%s': %s",
		    value,
		    key,
		    allowed);
	return FALSE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-config-table.h"

/*
 * Settings read from vmds.conf through a table of keys, the daemon's and
 * each plugin's alike: every key of a group the table names is checked, so
 * an unknown key or a value of the wrong type is an error naming it, and a
 * typo never passes silently. What a key does not set keeps its default.
 */

/**
 * vmds_config_table_has_group:
 * @keys: a table of keys
 * @n_keys: its length
 * @group: a group of the configuration file
 *
 * Returns: whether @keys names keys of @group
 */
gboolean
vmds_config_table_has_group(const VmdsConfigKey *keys, guint n_keys, const gchar *group)
{
	for (guint i = 0; i < n_keys; i++) {
		if (g_strcmp0(keys[i].group, group) == 0)
			return TRUE;
	}
	return FALSE;
}

static const VmdsConfigKey *
vmds_config_table_find(const VmdsConfigKey *keys,
		       guint n_keys,
		       const gchar *group,
		       const gchar *key)
{
	for (guint i = 0; i < n_keys; i++) {
		if (g_strcmp0(keys[i].group, group) == 0 && g_strcmp0(keys[i].key, key) == 0)
			return &keys[i];
	}
	return NULL;
}

static gboolean
vmds_config_table_read_key(GKeyFile *keyfile,
			   const VmdsConfigKey *spec,
			   gpointer settings,
			   GError **error)
{
	gpointer field = G_STRUCT_MEMBER_P(settings, spec->offset);
	g_autoptr(GError) error_local = NULL;
	/* GKeyFile may return a string and an error (a bad escape): the error wins */
	g_autofree gchar *value =
	    g_key_file_get_string(keyfile, spec->group, spec->key, &error_local);
	guint64 number = 0;

	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	switch (spec->type) {
	case VMDS_CONFIG_STRV: {
		g_auto(GStrv) items = g_strsplit(value, ";", -1);
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		for (guint i = 0; items[i] != NULL; i++) {
			g_strstrip(items[i]);
			if (items[i][0] != '\0')
				g_ptr_array_add(names, g_strdup(items[i]));
		}
		g_ptr_array_add(names, NULL);
		g_strfreev(*(gchar ***)field);
		*(gchar ***)field = (gchar **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
		return TRUE;
	}
	case VMDS_CONFIG_STRING:
		g_free(*(gchar **)field);
		*(gchar **)field = g_steal_pointer(&value);
		return TRUE;
	case VMDS_CONFIG_MODE:
		if (!g_ascii_string_to_unsigned(value, 8, 0, 0777, &number, NULL)) {
			g_set_error(error,
				    G_KEY_FILE_ERROR,
				    G_KEY_FILE_ERROR_INVALID_VALUE,
				    "[%s] %s must be an octal file mode such as 0660, not '%s'",
				    spec->group,
				    spec->key,
				    value);
			return FALSE;
		}
		*(guint *)field = (guint)number;
		return TRUE;
	case VMDS_CONFIG_UINT:
	case VMDS_CONFIG_INT64:
		if (!g_ascii_string_to_unsigned(value, 10, spec->min, spec->max, &number, NULL)) {
			g_set_error(error,
				    G_KEY_FILE_ERROR,
				    G_KEY_FILE_ERROR_INVALID_VALUE,
				    "[%s] %s must be a whole number from %" G_GUINT64_FORMAT
				    " to %" G_GUINT64_FORMAT ", not '%s'",
				    spec->group,
				    spec->key,
				    spec->min,
				    spec->max,
				    value);
			return FALSE;
		}
		if (spec->type == VMDS_CONFIG_UINT)
			*(guint *)field = (guint)number;
		else
			*(gint64 *)field = (gint64)number;
		return TRUE;
	default:
		g_assert_not_reached();
	}
}

/**
 * vmds_config_table_read:
 * @keyfile: the configuration file
 * @keys: the keys of the groups the settings take, each with where it goes
 * @n_keys: how many
 * @settings: the settings, holding their defaults
 * @error: a #GError or %NULL
 *
 * Reads every key of the groups @keys names into @settings. A key of such a
 * group that @keys does not name, or a value that is not what its key
 * holds, is an error (%G_KEY_FILE_ERROR) naming the group and the key;
 * @settings may hold some of the values read by then.
 *
 * Returns: %TRUE when every key was read
 */
gboolean
vmds_config_table_read(
    GKeyFile *keyfile, const VmdsConfigKey *keys, guint n_keys, gpointer settings, GError **error)
{
	g_auto(GStrv) groups = g_key_file_get_groups(keyfile, NULL);

	for (guint i = 0; groups[i] != NULL; i++) {
		g_auto(GStrv) names = NULL;
		if (!vmds_config_table_has_group(keys, n_keys, groups[i]))
			continue;
		names = g_key_file_get_keys(keyfile, groups[i], NULL, error);
		if (names == NULL)
			return FALSE;
		for (guint j = 0; names[j] != NULL; j++) {
			const VmdsConfigKey *spec =
			    vmds_config_table_find(keys, n_keys, groups[i], names[j]);
			if (spec == NULL) {
				g_set_error(error,
					    G_KEY_FILE_ERROR,
					    G_KEY_FILE_ERROR_KEY_NOT_FOUND,
					    "unknown key '%s' in group [%s]",
					    names[j],
					    groups[i]);
				return FALSE;
			}
			if (!vmds_config_table_read_key(keyfile, spec, settings, error))
				return FALSE;
		}
	}
	return TRUE;
}

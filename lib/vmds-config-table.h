/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	VMDS_CONFIG_STRING, /* gchar *, freed and replaced */
	VMDS_CONFIG_UINT,   /* guint, from min to max */
	VMDS_CONFIG_INT64,  /* gint64, from min to max */
	VMDS_CONFIG_MODE,   /* guint, an octal file mode */
	VMDS_CONFIG_STRV,   /* gchar **, NAME;NAME;... with empty items dropped */
} VmdsConfigType;

/**
 * VmdsConfigKey:
 * @group: the group of the configuration file, e.g. `http`
 * @key: the key in it, e.g. `max-body`
 * @type: what it holds
 * @offset: where its value goes in the settings, G_STRUCT_OFFSET()
 * @min: the least number it may be
 * @max: the greatest number it may be
 *
 * One key of a table of settings, read by vmds_config_table_read().
 */
typedef struct {
	const gchar *group;
	const gchar *key;
	VmdsConfigType type;
	gsize offset;
	guint64 min;
	guint64 max;
} VmdsConfigKey;

gboolean vmds_config_table_has_group(const VmdsConfigKey *keys, guint n_keys, const gchar *group);
gboolean vmds_config_table_read(
    GKeyFile *keyfile, const VmdsConfigKey *keys, guint n_keys, gpointer settings, GError **error);

G_END_DECLS

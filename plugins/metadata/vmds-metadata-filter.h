/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* the bytes of a filter's text at most */
#define VMDS_METADATA_FILTER_MAX_LENGTH 8192
/* the metadata conditions of a filter at most (vCD: "up to 8 metadata fields") */
#define VMDS_METADATA_FILTER_MAX_CONDITIONS 8
/* parentheses nest at most this deep */
#define VMDS_METADATA_FILTER_MAX_DEPTH 16
/* the characters of a STRING value a query may search for at most (vCD) */
#define VMDS_METADATA_FILTER_MAX_STRING 1000
/* the SQL function vmds_metadata_filter_register() adds: a wildcard match */
#define VMDS_METADATA_FILTER_MATCH_FUNCTION "vmds_metadata_match"

typedef struct _VmdsMetadataFilter VmdsMetadataFilter;

VmdsMetadataFilter *vmds_metadata_filter_parse(const gchar *text, GError **error);
void vmds_metadata_filter_free(VmdsMetadataFilter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsMetadataFilter, vmds_metadata_filter_free)

guint vmds_metadata_filter_get_n_conditions(const VmdsMetadataFilter *self);
gchar *vmds_metadata_filter_to_sql(const VmdsMetadataFilter *self,
				   gboolean administrator,
				   gboolean vcenter_metadata,
				   GPtrArray *params);
gboolean
vmds_metadata_filter_bind(sqlite3_stmt *stmt, gint first, GPtrArray *params, GError **error);
gboolean vmds_metadata_filter_register(sqlite3 *db, GError **error);
gboolean vmds_metadata_filter_match(const gchar *value, const gchar *pattern);

G_END_DECLS

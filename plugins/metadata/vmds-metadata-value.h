/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * VmdsMetadataType:
 * @VMDS_METADATA_STRING: `MetadataStringValue`: UTF-8
 * @VMDS_METADATA_NUMBER: `MetadataNumberValue`: a signed 64-bit integer
 * @VMDS_METADATA_DATETIME: `MetadataDateTimeValue`: an xsd:dateTime, kept
 *   as the UTC instant
 * @VMDS_METADATA_BOOLEAN: `MetadataBooleanValue`: `1`, `0`, `true`, `false`
 *
 * The type of a metadata value (vCD's TypedValue).
 */
typedef enum {
	VMDS_METADATA_STRING,
	VMDS_METADATA_NUMBER,
	VMDS_METADATA_DATETIME,
	VMDS_METADATA_BOOLEAN,
} VmdsMetadataType;

#define VMDS_METADATA_TYPE_LAST (VMDS_METADATA_BOOLEAN + 1)

const gchar *vmds_metadata_type_to_string(VmdsMetadataType type);
gboolean vmds_metadata_type_from_string(const gchar *text, VmdsMetadataType *type);
const gchar *vmds_metadata_type_to_api_name(VmdsMetadataType type);
gboolean vmds_metadata_type_from_api_name(const gchar *text, VmdsMetadataType *type);
gboolean vmds_metadata_parse_value(
    VmdsMetadataType type, const gchar *text, gchar **canonical, gint64 *num, GError **error);
gchar *vmds_metadata_format_datetime(gint64 usec);

G_END_DECLS

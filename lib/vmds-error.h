/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VMDS_ERROR vmds_error_quark()

/**
 * VmdsError:
 *
 * The one error domain of vmds. Append only: each value maps, in one table,
 * to the guest `error-id` string and to the REST `error_type` and HTTP status.
 */
typedef enum {
	VMDS_ERROR_INVALID_ARGUMENT,
	VMDS_ERROR_NOT_FOUND,
	VMDS_ERROR_DATASET_NOT_FOUND,
	VMDS_ERROR_KEY_NOT_FOUND,
	VMDS_ERROR_ACCESS_DENIED,
	VMDS_ERROR_TOO_LARGE,
	VMDS_ERROR_QUOTA_EXCEEDED,
	VMDS_ERROR_STORAGE,
	VMDS_ERROR_ALREADY_EXISTS,
	VMDS_ERROR_RESOURCE_IN_USE,
	VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE,
	VMDS_ERROR_UNSUPPORTED,
	VMDS_ERROR_UNAUTHENTICATED,
	VMDS_ERROR_INTERNAL,
	VMDS_ERROR_UNAVAILABLE,
	VMDS_ERROR_TIMED_OUT,
	VMDS_ERROR_LAST
} VmdsError;

GQuark vmds_error_quark(void);
const gchar *vmds_error_to_error_id(const GError *error);
const gchar *vmds_error_to_error_type(const GError *error);
guint vmds_error_to_http_status(const GError *error);
void vmds_error_convert(GError **error);

G_END_DECLS

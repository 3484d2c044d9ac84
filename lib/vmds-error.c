/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-error.h"

/* the first argument is stringified: it is the quark's name */
/* clang-format off */
G_DEFINE_QUARK(vmds-error-quark, vmds_error)
/* clang-format on */

/* the table and the enum cannot drift apart */
static const struct {
	const gchar *error_id;	 /* guest envelope */
	const gchar *error_type; /* REST body */
	guint http_status;
} vmds_error_map[] = {
    [VMDS_ERROR_INVALID_ARGUMENT] = {"invalid-argument", "INVALID_ARGUMENT", 400},
    [VMDS_ERROR_NOT_FOUND] = {"not-found", "NOT_FOUND", 404},
    [VMDS_ERROR_DATASET_NOT_FOUND] = {"dataset-not-found", "NOT_FOUND", 404},
    [VMDS_ERROR_KEY_NOT_FOUND] = {"key-not-found", "NOT_FOUND", 404},
    [VMDS_ERROR_ACCESS_DENIED] = {"access-denied", "UNAUTHORIZED", 403},
    [VMDS_ERROR_TOO_LARGE] = {"too-large", "INVALID_ARGUMENT", 400},
    [VMDS_ERROR_QUOTA_EXCEEDED] = {"quota-exceeded", "UNABLE_TO_ALLOCATE_RESOURCE", 400},
    [VMDS_ERROR_STORAGE] = {"storage-error", "ERROR", 500},
    [VMDS_ERROR_ALREADY_EXISTS] = {"already-exists", "ALREADY_EXISTS", 400},
    [VMDS_ERROR_RESOURCE_IN_USE] = {"resource-in-use", "RESOURCE_IN_USE", 400},
    [VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE] = {"not-allowed-in-current-state",
						 "NOT_ALLOWED_IN_CURRENT_STATE",
						 400},
    [VMDS_ERROR_UNSUPPORTED] = {"unsupported", "UNSUPPORTED", 400},
    [VMDS_ERROR_UNAUTHENTICATED] = {"unauthenticated", "UNAUTHENTICATED", 401},
    [VMDS_ERROR_INTERNAL] = {"internal-error", "ERROR", 500},
    [VMDS_ERROR_UNAVAILABLE] = {"unavailable", "SERVICE_UNAVAILABLE", 503},
    [VMDS_ERROR_TIMED_OUT] = {"timed-out", "TIMED_OUT", 504},
};
G_STATIC_ASSERT(G_N_ELEMENTS(vmds_error_map) == VMDS_ERROR_LAST);

static guint
vmds_error_index(const GError *error)
{
	if (error == NULL || error->domain != VMDS_ERROR || error->code < 0 ||
	    error->code >= VMDS_ERROR_LAST)
		return VMDS_ERROR_INTERNAL;
	return (guint)error->code;
}

/**
 * vmds_error_to_error_id:
 * @error: a #GError, usually in the %VMDS_ERROR domain
 *
 * Returns: the guest envelope `error-id`, e.g. `key-not-found`; errors of
 * other domains are `internal-error`
 */
const gchar *
vmds_error_to_error_id(const GError *error)
{
	return vmds_error_map[vmds_error_index(error)].error_id;
}

/**
 * vmds_error_to_error_type:
 * @error: a #GError
 *
 * Returns: the REST `error_type`, e.g. `NOT_FOUND`
 */
const gchar *
vmds_error_to_error_type(const GError *error)
{
	return vmds_error_map[vmds_error_index(error)].error_type;
}

/**
 * vmds_error_to_http_status:
 * @error: a #GError
 *
 * Returns: the HTTP status of the REST error body, e.g. 404
 */
guint
vmds_error_to_http_status(const GError *error)
{
	return vmds_error_map[vmds_error_index(error)].http_status;
}

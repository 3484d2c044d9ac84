/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "vmds-error.h"

/*
 * Foreign errors (GIO, GLib file and key file) become VMDS_ERROR where they
 * leave a component. Apart from vmds-error.c so that the thin guest client,
 * which needs the domain but converts nothing, does not link GIO.
 */

/* each foreign error and what it becomes; the first that matches wins, and
 * a domain with code -1 matches all of its codes */
static const struct {
	GQuark (*domain)(void); /* a quark is no constant: its function is */
	gint code;
	VmdsError vmds_code;
} vmds_error_conversions[] = {
    {g_key_file_error_quark, -1, VMDS_ERROR_INVALID_ARGUMENT},
    {g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, VMDS_ERROR_INVALID_ARGUMENT},
    {g_io_error_quark, G_IO_ERROR_INVALID_DATA, VMDS_ERROR_INVALID_ARGUMENT},
    {g_io_error_quark, G_IO_ERROR_MESSAGE_TOO_LARGE, VMDS_ERROR_INVALID_ARGUMENT},
    {g_io_error_quark, G_IO_ERROR_NOT_FOUND, VMDS_ERROR_NOT_FOUND},
    {g_file_error_quark, G_FILE_ERROR_NOENT, VMDS_ERROR_NOT_FOUND},
    {g_io_error_quark, G_IO_ERROR_PERMISSION_DENIED, VMDS_ERROR_ACCESS_DENIED},
    {g_file_error_quark, G_FILE_ERROR_ACCES, VMDS_ERROR_ACCESS_DENIED},
    {g_file_error_quark, G_FILE_ERROR_PERM, VMDS_ERROR_ACCESS_DENIED},
    {g_io_error_quark, G_IO_ERROR_NO_SPACE, VMDS_ERROR_STORAGE},
    {g_file_error_quark, G_FILE_ERROR_NOSPC, VMDS_ERROR_STORAGE},
    {g_file_error_quark, G_FILE_ERROR_IO, VMDS_ERROR_STORAGE},
    {g_io_error_quark, G_IO_ERROR_EXISTS, VMDS_ERROR_ALREADY_EXISTS},
    {g_file_error_quark, G_FILE_ERROR_EXIST, VMDS_ERROR_ALREADY_EXISTS},
    {g_io_error_quark, G_IO_ERROR_NOT_SUPPORTED, VMDS_ERROR_UNSUPPORTED},
    {g_io_error_quark, G_IO_ERROR_TIMED_OUT, VMDS_ERROR_TIMED_OUT},
};

/**
 * vmds_error_convert:
 * @error: (inout): a #GError or %NULL
 *
 * Converts a foreign error (GIO, GLib file, key file) into %VMDS_ERROR in
 * place, keeping its message. Errors already in %VMDS_ERROR are kept; those
 * the table does not name become %VMDS_ERROR_INTERNAL.
 */
void
vmds_error_convert(GError **error)
{
	gint code = VMDS_ERROR_INTERNAL;

	if (error == NULL || *error == NULL || (*error)->domain == VMDS_ERROR)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(vmds_error_conversions); i++) {
		if ((*error)->domain == vmds_error_conversions[i].domain() &&
		    (vmds_error_conversions[i].code < 0 ||
		     (*error)->code == vmds_error_conversions[i].code)) {
			code = (gint)vmds_error_conversions[i].vmds_code;
			break;
		}
	}
	(*error)->domain = VMDS_ERROR;
	(*error)->code = code;
}

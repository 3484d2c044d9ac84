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

/**
 * vmds_error_convert:
 * @error: (inout): a #GError or %NULL
 *
 * Converts a foreign error (GIO, GLib file, key file) into %VMDS_ERROR in
 * place, keeping its message. Errors already in %VMDS_ERROR are kept.
 */
void
vmds_error_convert(GError **error)
{
	gint code = VMDS_ERROR_INTERNAL;

	if (error == NULL || *error == NULL || (*error)->domain == VMDS_ERROR)
		return;
	if ((*error)->domain == G_KEY_FILE_ERROR ||
	    g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) ||
	    g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA) ||
	    g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE)) {
		code = VMDS_ERROR_INVALID_ARGUMENT;
	} else if (g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
		   g_error_matches(*error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		code = VMDS_ERROR_NOT_FOUND;
	} else if (g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED) ||
		   g_error_matches(*error, G_FILE_ERROR, G_FILE_ERROR_ACCES) ||
		   g_error_matches(*error, G_FILE_ERROR, G_FILE_ERROR_PERM)) {
		code = VMDS_ERROR_ACCESS_DENIED;
	} else if (g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_NO_SPACE) ||
		   g_error_matches(*error, G_FILE_ERROR, G_FILE_ERROR_NOSPC) ||
		   g_error_matches(*error, G_FILE_ERROR, G_FILE_ERROR_IO)) {
		code = VMDS_ERROR_STORAGE;
	} else if (g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_EXISTS) ||
		   g_error_matches(*error, G_FILE_ERROR, G_FILE_ERROR_EXIST)) {
		code = VMDS_ERROR_ALREADY_EXISTS;
	} else if (g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED)) {
		code = VMDS_ERROR_UNSUPPORTED;
	}
	(*error)->domain = VMDS_ERROR;
	(*error)->code = code;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds.h"

G_BEGIN_DECLS

typedef struct _VmdsExport VmdsExport;

VmdsExport *vmds_export_new(VmdsVm *vm, GString *out, GError **error);
gboolean vmds_export_write_part(gpointer data, GString *out, gboolean *done, GError **error);
void vmds_export_free(VmdsExport *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsExport, vmds_export_free)

/**
 * VmdsExportInfo:
 * @name: the VM's name when it was exported
 * @cid: its vsock context id, or 0
 * @store_offset: where in the file its store starts
 * @store_size: the store's bytes
 *
 * What an export file says of the VM it holds, once checked whole.
 */
typedef struct {
	gchar *name;
	guint32 cid;
	goffset store_offset;
	goffset store_size;
} VmdsExportInfo;

gboolean vmds_export_read(gint fd, VmdsExportInfo *info, GError **error);
void vmds_export_info_clear(VmdsExportInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VmdsExportInfo, vmds_export_info_clear)

G_END_DECLS

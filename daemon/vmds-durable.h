/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vmds_durable_sync(const gchar *path, GError **error);
gboolean vmds_durable_copy(const gchar *from, const gchar *to, GError **error);
gboolean
vmds_durable_copy_range(gint in, goffset offset, goffset size, const gchar *to, GError **error);
void vmds_durable_remove_leftover(const gchar *dir, const gchar *name);
gboolean vmds_durable_rename(const gchar *from, const gchar *to, GError **error);

G_END_DECLS

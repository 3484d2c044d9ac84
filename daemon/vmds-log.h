/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gchar *vmds_log_escape(const gchar *text);
GLogWriterOutput vmds_log_writer_cb(GLogLevelFlags log_level,
				    const GLogField *fields,
				    gsize n_fields,
				    gpointer user_data);

G_END_DECLS

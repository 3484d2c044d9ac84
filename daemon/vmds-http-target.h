/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GIOStream *vmds_http_target_stream_new(GIOStream *base);
gboolean vmds_http_target_stream_has_dot_segment(GIOStream *stream);

G_END_DECLS

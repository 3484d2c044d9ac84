/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

gboolean vmds_peer_in_group(gint fd, gid_t gid, gid_t group);

G_END_DECLS

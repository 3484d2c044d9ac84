/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/**
 * VmdsSafePathFlags:
 * @VMDS_SAFE_PATH_FLAG_NONE: a file others may read but not write
 * @VMDS_SAFE_PATH_FLAG_PRIVATE: a secret: no permission bits for group or others
 * @VMDS_SAFE_PATH_FLAG_NOFOLLOW: a last component that is a symlink is refused
 *
 * What else a file must be, besides owned by root or the daemon's user, and
 * reached through directories only they can change.
 */
typedef enum {
	VMDS_SAFE_PATH_FLAG_NONE = 0,
	VMDS_SAFE_PATH_FLAG_PRIVATE = 1 << 0,
	VMDS_SAFE_PATH_FLAG_NOFOLLOW = 1 << 1,
} VmdsSafePathFlags;

gboolean vmds_safe_path_check_dir(const gchar *path, GError **error);
gint vmds_safe_path_open(const gchar *path, VmdsSafePathFlags flags, GError **error);
gchar *vmds_safe_path_read(const gchar *path, VmdsSafePathFlags flags, gsize *len, GError **error);
gboolean
vmds_safe_path_set_socket(const gchar *path, guint mode, uid_t uid, gid_t gid, GError **error);
gint
vmds_safe_path_listen_socket(const gchar *path, guint mode, uid_t uid, gid_t gid, GError **error);

G_END_DECLS

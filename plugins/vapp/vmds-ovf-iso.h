/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the volume label cloud-init and other guests look for */
#define VMDS_OVF_ISO_VOLUME_ID "OVF ENV"
/* the env's file name at the image's root */
#define VMDS_OVF_ISO_ENV_NAME "ovf-env.xml"

GBytes *vmds_ovf_iso_build(GBytes *env, gint64 mtime, GError **error);
gboolean vmds_ovf_iso_sync(const gchar *path, GBytes *iso, gboolean *changed, GError **error);
GBytes *vmds_ovf_iso_read_env(const gchar *path, gsize max_size, GError **error);

G_END_DECLS

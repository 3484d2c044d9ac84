/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VmdsSessions VmdsSessions;

VmdsSessions *vmds_sessions_new(guint timeout, guint max_sessions);
void vmds_sessions_free(VmdsSessions *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsSessions, vmds_sessions_free)

void vmds_sessions_set_limits(VmdsSessions *self, guint timeout, guint max_sessions);
gchar *vmds_sessions_create(VmdsSessions *self, const gchar *user, guint64 stamp);
gboolean vmds_sessions_check(VmdsSessions *self, const gchar *id);
const gchar *vmds_sessions_lookup(VmdsSessions *self, const gchar *id, guint64 *stamp);
gboolean vmds_sessions_remove(VmdsSessions *self, const gchar *id);
const gchar *
vmds_sessions_describe(VmdsSessions *self, const gchar *id, gint64 *created, gint64 *used);
guint vmds_sessions_remove_all(VmdsSessions *self);
guint vmds_sessions_get_count(VmdsSessions *self);

gboolean vmds_secret_equal(const gchar *a, const gchar *b);
gchar *vmds_secret_new(gsize bytes);

G_END_DECLS

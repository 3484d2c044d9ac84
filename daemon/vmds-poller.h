/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VmdsPoller VmdsPoller;

/* called with the epoll events (EPOLLIN, EPOLLOUT, EPOLLHUP, ...) of a watch */
typedef void (*VmdsPollerFunc)(guint32 events, gpointer user_data);
/* called once the ready watches of a loop turn have been served, and when
 * the wake-up time passed (@woken) */
typedef void (*VmdsPollerDoneFunc)(gboolean woken, gpointer user_data);

/* a file descriptor's registration; embedded in its owner */
typedef struct {
	gint fd; /* -1 when not registered */
	guint32 events;
	VmdsPollerFunc func;
	gpointer user_data;
} VmdsPollerWatch;

VmdsPoller *vmds_poller_new(VmdsPollerDoneFunc done_func, gpointer user_data, GError **error);
void vmds_poller_free(VmdsPoller *self);
gboolean vmds_poller_add(VmdsPoller *self,
			 VmdsPollerWatch *watch,
			 gint fd,
			 guint32 events,
			 VmdsPollerFunc func,
			 gpointer user_data,
			 GError **error);
void vmds_poller_modify(VmdsPoller *self, VmdsPollerWatch *watch, guint32 events);
void vmds_poller_remove(VmdsPoller *self, VmdsPollerWatch *watch);
void vmds_poller_wake_at(VmdsPoller *self, gint64 when);
gint64 vmds_poller_get_time(VmdsPoller *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsPoller, vmds_poller_free)

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-poller.h"
#include "vmds.h"

G_BEGIN_DECLS

/* limits every connection obeys; the backchannel owns them and may change
 * them on reload */
typedef struct {
	guint request_timeout; /* seconds from a request's length to its last byte */
	guint idle_timeout;    /* seconds a connection may wait between requests */
	guint max_request;     /* bytes of one request payload */
} VmdsConnectionLimits;

typedef struct _VmdsConnection VmdsConnection;

/* a whole request was read: answer it with vmds_connection_reply() */
typedef void (*VmdsConnectionRequestFunc)(VmdsConnection *conn, gpointer user_data);
/* the connection closed; free it with vmds_connection_free() */
typedef void (*VmdsConnectionClosedFunc)(VmdsConnection *conn, gpointer user_data);

VmdsConnection *vmds_connection_new(gint fd,
				    VmdsPoller *poller,
				    VmdsVm *vm,
				    guint32 uid,
				    gboolean privileged,
				    const VmdsConnectionLimits *limits,
				    VmdsConnectionRequestFunc request_func,
				    VmdsConnectionClosedFunc closed_func,
				    gpointer user_data);
void vmds_connection_free(VmdsConnection *self);
gboolean vmds_connection_start(VmdsConnection *self, GError **error);
gint64 vmds_connection_check_deadline(VmdsConnection *self, gint64 now);
void vmds_connection_close(VmdsConnection *self);
void vmds_connection_shutdown(VmdsConnection *self);
GString *vmds_connection_get_reply(VmdsConnection *self);
void vmds_connection_reply(VmdsConnection *self, gboolean ok);
void vmds_connection_wait(VmdsConnection *self);

VmdsVm *vmds_connection_get_vm(VmdsConnection *self);
guint32 vmds_connection_get_uid(VmdsConnection *self);
gboolean vmds_connection_get_privileged(VmdsConnection *self);
guint8 *vmds_connection_get_payload(VmdsConnection *self, gsize *len);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <sys/types.h>

G_BEGIN_DECLS

/**
 * VmdsHttpLimits:
 * @max_connections: REST connections over TCP open at once
 * @max_per_client: of those, from one client address (an IPv6 /64)
 * @request_timeout: seconds for a connection's request headers to arrive,
 *   for its body once the headers have, and for each part of the reply to be
 *   taken
 * @max_discard: bytes a refused request may still send, and are dropped
 *   (see vmds_http_listener_refuse())
 * @fd_reserve: descriptors at the top of the range (RLIMIT_NOFILE) that a
 *   REST connection never takes: the guests' reserve (at most half the range)
 */
typedef struct {
	guint max_connections;
	guint max_per_client;
	guint request_timeout;
	gsize max_discard;
	guint fd_reserve;
} VmdsHttpLimits;

/**
 * VmdsHttpPeer:
 * @client: who it is, for limits and logs: an IP address (IPv6: its /64), or
 *   `uid N` on the unix socket
 * @local: it came over the unix socket
 * @trusted: its credentials (root, the daemon's user or the admin group, on
 *   the unix socket) stand in for a session
 * @uid: its user id, on the unix socket
 */
typedef struct {
	gchar *client;
	gboolean local;
	gboolean trusted;
	uid_t uid;
} VmdsHttpPeer;

#define VMDS_TYPE_HTTP_LISTENER (vmds_http_listener_get_type())
G_DECLARE_FINAL_TYPE(VmdsHttpListener, vmds_http_listener, VMDS, HTTP_LISTENER, GObject)

VmdsHttpListener *vmds_http_listener_new(SoupServer *server);
void vmds_http_listener_set_limits(VmdsHttpListener *self, const VmdsHttpLimits *limits);
gboolean vmds_http_listener_add_inet(VmdsHttpListener *self,
				     GInetSocketAddress *address,
				     GTlsCertificate *certificate,
				     guint16 *port,
				     GError **error);
gboolean vmds_http_listener_add_unix(VmdsHttpListener *self,
				     const gchar *path,
				     gid_t trusted_gid,
				     GError **error);
const VmdsHttpPeer *vmds_http_listener_get_peer(VmdsHttpListener *self, SoupServerMessage *msg);
gboolean vmds_http_listener_has_dot_segment(VmdsHttpListener *self, SoupServerMessage *msg);
void vmds_http_listener_abort(VmdsHttpListener *self, SoupServerMessage *msg);
void vmds_http_listener_refuse(VmdsHttpListener *self,
			       SoupServerMessage *msg,
			       const gchar *response,
			       gsize len);
guint vmds_http_listener_get_count(VmdsHttpListener *self);
void vmds_http_listener_close(VmdsHttpListener *self);

void vmds_http_listener_wait(VmdsHttpListener *self, SoupServerMessage *msg, gint64 deadline);
void vmds_http_listener_extend(VmdsHttpListener *self, SoupServerMessage *msg);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmds-http-listener.h"
#include "vmds-http-target.h"
#include "vmds-peer.h"
#include "vmds-router.h"
#include "vmds-safe-path.h"

/*
 * Who may hold a REST connection, and for how long. The daemon accepts REST
 * connections itself and hands each to libsoup (soup_server_accept_iostream),
 * so that nothing done on the REST port can stop guests from being served:
 *
 * - connections over TCP are capped in total and per client address (an IPv6
 *   client by its /64); one beyond a cap gets `503` and is closed;
 * - a REST connection never takes a descriptor from the top of the range,
 *   which is the guests' reserve (VmdsHttpLimits.fd_reserve);
 * - a connection carries one request (no keep-alive: see
 *   vmds_http_listener_request_started_cb()); its headers must arrive within the request
 *   timeout of the connection, its body within that of the headers, and each
 *   part of the reply must be taken within it too;
 * - a reply the daemon defers gets until its deadline (vmds_http_listener_wait())
 *   and the client's leaving meanwhile ends it at once (::client-left).
 *
 * The unix socket in the run directory serves the same API to local peers
 * whose credentials (SO_PEERCRED: root, the daemon's user, the admin group)
 * stand in for a session, so an operator on the host cannot be locked out
 * from the network side. It has no per-client cap: only trusted peers are
 * let in.
 *
 * Deadlines are checked once a second; the phase of a connection comes from
 * libsoup's signals: request-started (as it is accepted), got-headers,
 * request-read, the reply's progress, and disconnected.
 */

#define VMDS_HTTP_LISTENER_ACCEPTS_PER_TURN 4
/* a refusal of each kind is logged at most this often, with a count */
#define VMDS_HTTP_LISTENER_WARN_INTERVAL (10 * G_USEC_PER_SEC)

typedef enum {
	VMDS_HTTP_PHASE_REQUEST, /* its request is on its way */
	VMDS_HTTP_PHASE_REPLY,	 /* the request is read; the reply is being sent */
	VMDS_HTTP_PHASE_LINGER,	 /* refused before its body: what comes is discarded */
	VMDS_HTTP_PHASE_CLOSING, /* shut down; libsoup will say when it is gone */
} VmdsHttpPhase;

typedef enum {
	VMDS_HTTP_REFUSE_TOTAL,
	VMDS_HTTP_REFUSE_CLIENT,
	VMDS_HTTP_REFUSE_RESERVE,
	VMDS_HTTP_REFUSE_UNTRUSTED,
	VMDS_HTTP_REFUSE_ACCEPT,
	VMDS_HTTP_REFUSE_LAST,
} VmdsHttpRefusal;

typedef struct {
	gint64 last;
	guint suppressed;
} VmdsHttpWarning;

/* a listening socket */
typedef struct {
	VmdsHttpListener *listener;
	GSocket *socket;
	GSource *source;	      /* (nullable): while accepting */
	GTlsCertificate *certificate; /* (nullable): HTTPS */
	gchar *path;		      /* (nullable): the unix socket, removed on close */
	gid_t trusted_gid;	      /* unix: the admin group, or (gid_t)-1 */
} VmdsHttpSocket;

/* an accepted connection */
typedef struct {
	VmdsHttpListener *listener;
	VmdsHttpPeer peer;
	GSocket *socket;
	GIOStream *stream;	/* what libsoup reads: the connection, or TLS over it, through a
				 * VmdsHttpTargetStream */
	GSocketAddress *remote; /* carries this record for libsoup's messages */
	SoupServerMessage *msg; /* (nullable): the current message, a weak pointer */
	VmdsHttpPhase phase;
	gint64 deadline;   /* monotonic µs */
	GIOStream *stolen; /* (nullable): lingering, taken from libsoup */
	GSource *discard;  /* (nullable): lingering: reads what still comes */
	GSource *waiting;  /* (nullable): a deferred reply awaited: the client leaving */
	gsize discarded;   /* bytes */
} VmdsHttpConn;

struct _VmdsHttpListener {
	GObject parent_instance;
	SoupServer *server;
	VmdsHttpLimits limits;
	GPtrArray *sockets;  /* of VmdsHttpSocket */
	GHashTable *conns;   /* the VmdsHttpConns */
	GHashTable *clients; /* client → how many TCP connections it holds */
	guint n_inet;
	GSource *sweep;	 /* (nullable): while there are connections */
	GSource *resume; /* (nullable): accepting again after running out of descriptors */
	VmdsHttpWarning warnings[VMDS_HTTP_REFUSE_LAST];
};

G_DEFINE_FINAL_TYPE(VmdsHttpListener, vmds_http_listener, G_TYPE_OBJECT)

enum { SIGNAL_CLIENT_LEFT, SIGNAL_LAST };
static guint vmds_http_listener_signals[SIGNAL_LAST];

/* the VmdsHttpConn a message's remote address belongs to */
static GQuark
vmds_http_conn_quark(void)
{
	return g_quark_from_static_string("vmds-http-conn");
}

/* @source attached to the context of the thread that runs the listener (it
 * may have its own), taking the reference */
static GSource *
vmds_http_listener_attach(GSource *source, GSourceFunc func, gpointer data)
{
	g_source_set_callback(source, func, data, NULL);
	g_source_attach(source, g_main_context_get_thread_default());
	return source;
}

static void
vmds_http_listener_detach(GSource **source)
{
	if (*source == NULL)
		return;
	g_source_destroy(*source);
	g_clear_pointer(source, g_source_unref);
}

static gint64
vmds_http_listener_seconds(guint seconds)
{
	return (gint64)seconds * G_USEC_PER_SEC;
}

/* a warning that a flood cannot turn into a flood of lines */
static void G_GNUC_PRINTF(3, 4)
    vmds_http_listener_warn(VmdsHttpListener *self, VmdsHttpRefusal kind, const gchar *format, ...)
{
	VmdsHttpWarning *w = &self->warnings[kind];
	gint64 now = g_get_monotonic_time();
	g_autofree gchar *message = NULL;
	va_list args;

	if (w->last != 0 && now - w->last < VMDS_HTTP_LISTENER_WARN_INTERVAL) {
		w->suppressed++;
		return;
	}
	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);
	if (w->suppressed > 0)
		g_warning("%s (and %u more like it)", message, w->suppressed);
	else
		g_warning("%s", message);
	w->last = now;
	w->suppressed = 0;
}

/* an error (`503` for the caps) with a vSphere error body, into a connection's fresh socket buffer,
 * then closed; a TLS connection is only closed */
static void
vmds_http_listener_turn_away(gint fd, gboolean tls, gint code, const gchar *why)
{
	g_autoptr(GError) error = g_error_new_literal(VMDS_ERROR, code, why);
	g_autoptr(GString) body = g_string_new(NULL);
	g_autofree gchar *head = NULL;

	if (!tls) {
		guint status = vmds_router_error_body(body, "http", error);
		head = g_strdup_printf("HTTP/1.1 %u %s\r\n"
				       "Content-Type: application/json\r\n"
				       "Content-Length: %" G_GSIZE_FORMAT "\r\n"
				       "Retry-After: 1\r\n"
				       "Connection: close\r\n\r\n",
				       status,
				       soup_status_get_phrase(status),
				       body->len);
		g_string_prepend(body, head);
		(void)!send(fd, body->str, body->len, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	close(fd);
}

static void vmds_http_listener_arm_sweep(VmdsHttpListener *self);

static void
vmds_http_conn_set_deadline(VmdsHttpConn *conn, VmdsHttpPhase phase, guint seconds)
{
	if (conn->phase == VMDS_HTTP_PHASE_CLOSING)
		return;
	conn->phase = phase;
	conn->deadline = g_get_monotonic_time() + vmds_http_listener_seconds(seconds);
}

static void
vmds_http_conn_forget_msg(VmdsHttpConn *conn)
{
	vmds_http_listener_detach(&conn->waiting);
	if (conn->msg == NULL)
		return;
	g_signal_handlers_disconnect_by_data(conn->msg, conn);
	g_object_remove_weak_pointer(G_OBJECT(conn->msg), (gpointer *)&conn->msg);
	conn->msg = NULL;
}

static void
vmds_http_conn_free(VmdsHttpConn *conn)
{
	vmds_http_listener_detach(&conn->discard);
	if (conn->stolen != NULL)
		g_io_stream_close(conn->stolen, NULL, NULL);
	g_clear_object(&conn->stolen);
	vmds_http_conn_forget_msg(conn);
	g_object_set_qdata(G_OBJECT(conn->remote), vmds_http_conn_quark(), NULL);
	g_clear_object(&conn->remote);
	g_clear_object(&conn->stream);
	g_clear_object(&conn->socket);
	g_free(conn->peer.client);
	g_free(conn);
}

/* libsoup let the connection go: its slot is free again */
static void
vmds_http_conn_forget(VmdsHttpConn *conn)
{
	VmdsHttpListener *self = conn->listener;

	if (!conn->peer.local) {
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(self->clients, conn->peer.client));
		if (n > 1)
			g_hash_table_insert(
			    self->clients, g_strdup(conn->peer.client), GUINT_TO_POINTER(n - 1));
		else
			g_hash_table_remove(self->clients, conn->peer.client);
		self->n_inet--;
	}
	g_hash_table_remove(self->conns, conn);
	vmds_http_conn_free(conn);
}

/* ends the connection: libsoup sees it end and lets it go */
static void
vmds_http_conn_close(VmdsHttpConn *conn, const gchar *why)
{
	if (conn->phase == VMDS_HTTP_PHASE_CLOSING)
		return;
	g_info("closing the REST connection of %s: %s", conn->peer.client, why);
	conn->phase = VMDS_HTTP_PHASE_CLOSING;
	g_socket_shutdown(conn->socket, TRUE, TRUE, NULL);
}

/* libsoup closes a connection's stream once it let it go: should a
 * connection go without its message saying so, it is found this way */
static void
vmds_http_listener_reap(VmdsHttpListener *self)
{
	GHashTableIter iter;
	VmdsHttpConn *conn;

	g_hash_table_iter_init(&iter, self->conns);
	while (g_hash_table_iter_next(&iter, (gpointer *)&conn, NULL)) {
		if (!g_socket_is_closed(conn->socket))
			continue;
		g_hash_table_iter_steal(&iter);
		vmds_http_conn_forget(conn);
	}
}

static gboolean
vmds_http_listener_sweep_cb(gpointer user_data)
{
	VmdsHttpListener *self = VMDS_HTTP_LISTENER(user_data);
	gint64 now = g_get_monotonic_time();
	GHashTableIter iter;
	VmdsHttpConn *conn;

	vmds_http_listener_reap(self);
	g_hash_table_iter_init(&iter, self->conns);
	while (g_hash_table_iter_next(&iter, (gpointer *)&conn, NULL)) {
		if (conn->phase == VMDS_HTTP_PHASE_CLOSING || now < conn->deadline)
			continue;
		if (conn->phase == VMDS_HTTP_PHASE_LINGER) {
			g_hash_table_iter_steal(&iter);
			vmds_http_conn_forget(conn);
			continue;
		}
		vmds_http_conn_close(conn,
				     conn->phase == VMDS_HTTP_PHASE_REQUEST
					 ? "the request did not arrive in time"
					 : "the reply was not taken in time");
	}
	if (g_hash_table_size(self->conns) > 0)
		return G_SOURCE_CONTINUE;
	g_clear_pointer(&self->sweep, g_source_unref);
	return G_SOURCE_REMOVE;
}

static void
vmds_http_listener_arm_sweep(VmdsHttpListener *self)
{
	if (self->sweep == NULL)
		self->sweep = vmds_http_listener_attach(
		    g_timeout_source_new_seconds(1), vmds_http_listener_sweep_cb, self);
}

static VmdsHttpConn *
vmds_http_listener_lookup(SoupServerMessage *msg)
{
	GSocketAddress *remote = soup_server_message_get_remote_address(msg);

	if (remote == NULL)
		return NULL;
	return g_object_get_qdata(G_OBJECT(remote), vmds_http_conn_quark());
}

static void
vmds_http_conn_got_headers_cb(SoupServerMessage *msg, gpointer user_data)
{
	VmdsHttpConn *conn = user_data;

	vmds_http_conn_set_deadline(
	    conn, VMDS_HTTP_PHASE_REQUEST, conn->listener->limits.request_timeout);
}

/* the reply goes out: each part of it must be taken in time */
static void
vmds_http_conn_progress_cb(SoupServerMessage *msg, gpointer user_data)
{
	VmdsHttpConn *conn = user_data;

	vmds_http_listener_detach(&conn->waiting);
	vmds_http_conn_set_deadline(
	    conn, VMDS_HTTP_PHASE_REPLY, conn->listener->limits.request_timeout);
}

static void
vmds_http_conn_wrote_body_data_cb(SoupServerMessage *msg, guint chunk_size, gpointer user_data)
{
	vmds_http_conn_progress_cb(msg, user_data);
}

static void
vmds_http_conn_disconnected_cb(SoupServerMessage *msg, gpointer user_data)
{
	VmdsHttpConn *conn = user_data;

	if (conn->msg == msg && conn->phase != VMDS_HTTP_PHASE_LINGER)
		vmds_http_conn_forget(conn);
}

/*
 * libsoup waits for the connection's request, as it accepts it. The reply
 * will close the connection: libsoup 3.2 never lets go of a connection kept
 * alive that its client closes before sending another request (it reads the
 * end, but nothing disconnects it), so a client could make the daemon hold
 * one per request; and one request a connection needs no idle timeout.
 */
static void
vmds_http_listener_request_started_cb(SoupServer *server,
				      SoupServerMessage *msg,
				      gpointer user_data)
{
	VmdsHttpConn *conn = vmds_http_listener_lookup(msg);

	if (conn == NULL)
		return;
	vmds_http_conn_forget_msg(conn);
	soup_message_headers_replace(
	    soup_server_message_get_response_headers(msg), "Connection", "close");
	conn->msg = msg;
	g_object_add_weak_pointer(G_OBJECT(msg), (gpointer *)&conn->msg);
	g_signal_connect(msg, "got-headers", G_CALLBACK(vmds_http_conn_got_headers_cb), conn);
	g_signal_connect(msg, "wrote-headers", G_CALLBACK(vmds_http_conn_progress_cb), conn);
	g_signal_connect(
	    msg, "wrote-body-data", G_CALLBACK(vmds_http_conn_wrote_body_data_cb), conn);
	g_signal_connect(msg, "disconnected", G_CALLBACK(vmds_http_conn_disconnected_cb), conn);
}

/* the request is read: the reply starts */
static void
vmds_http_listener_request_read_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	VmdsHttpConn *conn = vmds_http_listener_lookup(msg);

	if (conn != NULL)
		vmds_http_conn_progress_cb(msg, conn);
}

/* a deferred reply is awaited: the end of the connection's input is the
 * client gone (a request is all a connection sends), and its message is
 * ended at once rather than at the deferral's deadline. Bytes that come
 * instead cannot be told from a client still there: the deadline stays */
static gboolean
vmds_http_conn_waiting_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	VmdsHttpConn *conn = user_data;
	guint8 byte;
	gssize n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	g_clear_pointer(&conn->waiting, g_source_unref);
	if (n <= 0 && conn->msg != NULL) {
		g_autoptr(SoupServerMessage) msg = g_object_ref(conn->msg);
		vmds_http_conn_close(conn, "the client left before its deferred reply");
		g_signal_emit(
		    conn->listener, vmds_http_listener_signals[SIGNAL_CLIENT_LEFT], 0, msg);
	}
	return G_SOURCE_REMOVE;
}

/**
 * vmds_http_listener_wait:
 * @self: a #VmdsHttpListener
 * @msg: a request read, whose reply comes later
 * @deadline: when the reply is due at the latest, in monotonic µs; 0 for
 *   no deadline
 *
 * A reply the daemon defers is not the client's slowness: its connection
 * gets until @deadline, and the request timeout after it.
 */
void
vmds_http_listener_wait(VmdsHttpListener *self, SoupServerMessage *msg, gint64 deadline)
{
	VmdsHttpConn *conn = vmds_http_listener_lookup(msg);

	if (conn == NULL || conn->phase != VMDS_HTTP_PHASE_REPLY)
		return;
	conn->deadline = deadline == 0
			     ? G_MAXINT64
			     : deadline + vmds_http_listener_seconds(self->limits.request_timeout);
	if (conn->waiting == NULL) {
		conn->waiting = vmds_http_listener_attach(
		    g_unix_fd_source_new(g_socket_get_fd(conn->socket), G_IO_IN),
		    G_SOURCE_FUNC(vmds_http_conn_waiting_cb),
		    conn);
	}
}

/**
 * vmds_http_listener_extend:
 * @self: a #VmdsHttpListener
 * @msg: a request whose body is being read
 *
 * A large body (an import) that keeps arriving is not a stalled client: its
 * connection gets the request timeout again from now.
 */
void
vmds_http_listener_extend(VmdsHttpListener *self, SoupServerMessage *msg)
{
	VmdsHttpConn *conn = vmds_http_listener_lookup(msg);

	if (conn == NULL || conn->phase != VMDS_HTTP_PHASE_REQUEST)
		return;
	conn->deadline =
	    g_get_monotonic_time() + vmds_http_listener_seconds(self->limits.request_timeout);
}

/* the first 12 bytes of an IPv4 address mapped into IPv6 */
static const guint8 vmds_http_listener_v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* who a TCP client is, for the per-client cap: its address, an IPv6 one by
 * its /64 (one host holds a /64), an IPv4-mapped one as IPv4 */
static gchar *
vmds_http_listener_client_key(GSocketAddress *address)
{
	GInetAddress *inet;
	const guint8 *bytes;
	guint8 prefix[16] = {0};
	g_autoptr(GInetAddress) masked = NULL;
	g_autofree gchar *text = NULL;

	if (!G_IS_INET_SOCKET_ADDRESS(address))
		return g_strdup("unknown");
	inet = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(address));
	if (g_inet_address_get_family(inet) == G_SOCKET_FAMILY_IPV4)
		return g_inet_address_to_string(inet);
	bytes = g_inet_address_to_bytes(inet);
	if (memcmp(bytes, vmds_http_listener_v4_mapped, sizeof(vmds_http_listener_v4_mapped)) == 0)
		return g_strdup_printf("%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
	memcpy(prefix, bytes, 8);
	masked = g_inet_address_new_from_bytes(prefix, G_SOCKET_FAMILY_IPV6);
	text = g_inet_address_to_string(masked);
	return g_strdup_printf("%s/64", text);
}

/* root, the daemon's own user, or a member of @trusted_gid: who may use the
 * unix socket without a session */
static gboolean
vmds_http_listener_is_trusted(gint fd, uid_t uid, gid_t gid, gid_t trusted_gid)
{
	return uid == 0 || uid == geteuid() || vmds_peer_in_group(fd, gid, trusted_gid);
}

/* who is at the other end of @fd, or FALSE when it may not stay */
static gboolean
vmds_http_listener_identify(VmdsHttpSocket *ls, gint fd, VmdsHttpPeer *peer)
{
	VmdsHttpListener *self = ls->listener;
	struct ucred cred = {0};
	socklen_t len = sizeof(cred);

	if (ls->path != NULL) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    !vmds_http_listener_is_trusted(fd, cred.uid, cred.gid, ls->trusted_gid)) {
			vmds_http_listener_warn(
			    self,
			    VMDS_HTTP_REFUSE_UNTRUSTED,
			    "refused a REST connection on %s from uid %u: only "
			    "root, the daemon's user and the admin group may use it",
			    ls->path,
			    (guint)cred.uid);
			return FALSE;
		}
		peer->local = TRUE;
		peer->trusted = TRUE;
		peer->uid = cred.uid;
		peer->client = g_strdup_printf("uid %u", (guint)cred.uid);
		return TRUE;
	}
	{
		g_autoptr(GSocketAddress) remote = NULL;
		struct sockaddr_storage addr;
		socklen_t addr_len = sizeof(addr);

		if (getpeername(fd, (struct sockaddr *)&addr, &addr_len) == 0)
			remote = g_socket_address_new_from_native(&addr, addr_len);
		peer->client =
		    remote != NULL ? vmds_http_listener_client_key(remote) : g_strdup("unknown");
	}
	return TRUE;
}

/* TRUE when a TCP connection from @client fits the caps and the reserve */
static gboolean
vmds_http_listener_admit(VmdsHttpListener *self, gint fd, const gchar *client)
{
	guint held;
	struct rlimit lim = {0};

	/* a cap reached may count connections gone since the last sweep */
	if (self->n_inet >= self->limits.max_connections ||
	    GPOINTER_TO_UINT(g_hash_table_lookup(self->clients, client)) >=
		self->limits.max_per_client)
		vmds_http_listener_reap(self);
	held = GPOINTER_TO_UINT(g_hash_table_lookup(self->clients, client));

	/* descriptors are handed out lowest first: one at or above the ceiling
	 * means the ones below are taken; the reserve is at most half of all */
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)fd >= lim.rlim_cur - MIN((rlim_t)self->limits.fd_reserve, lim.rlim_cur / 2)) {
		vmds_http_listener_warn(self,
					VMDS_HTTP_REFUSE_RESERVE,
					"refused a REST connection from %s: the descriptors left "
					"are the guests' reserve",
					client);
		return FALSE;
	}
	if (self->n_inet >= self->limits.max_connections) {
		vmds_http_listener_warn(self,
					VMDS_HTTP_REFUSE_TOTAL,
					"refused a REST connection from %s: %u connections is the "
					"limit ([http] max-connections)",
					client,
					self->limits.max_connections);
		return FALSE;
	}
	if (held >= self->limits.max_per_client) {
		vmds_http_listener_warn(self,
					VMDS_HTTP_REFUSE_CLIENT,
					"refused a REST connection from %s: it holds %u, the limit "
					"per client ([http] max-connections-per-client)",
					client,
					held);
		return FALSE;
	}
	return TRUE;
}

/* hands an admitted connection to libsoup; takes @fd and @peer's members */
static void
vmds_http_listener_serve(VmdsHttpSocket *ls, gint fd, VmdsHttpPeer *peer)
{
	VmdsHttpListener *self = ls->listener;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(GIOStream) base = NULL;
	VmdsHttpConn *conn = g_new0(VmdsHttpConn, 1);

	conn->listener = self;
	conn->peer = *peer;
	conn->socket = g_socket_new_from_fd(fd, &error);
	if (conn->socket == NULL) {
		g_warning(
		    "cannot serve a REST connection from %s: %s", peer->client, error->message);
		close(fd);
		vmds_http_conn_free(conn);
		return;
	}
	if (!peer->local)
		g_socket_set_option(conn->socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
	base = G_IO_STREAM(g_socket_connection_factory_create_connection(conn->socket));
	if (ls->certificate != NULL) {
		GIOStream *tls = g_tls_server_connection_new(base, ls->certificate, &error);
		if (tls == NULL) {
			g_warning("cannot serve a REST connection from %s over TLS: %s",
				  peer->client,
				  error->message);
			vmds_http_conn_free(conn);
			return;
		}
		g_object_set(tls, "require-close-notify", FALSE, NULL);
		g_object_unref(base);
		base = tls;
	}
	/* libsoup reads the request through it (the request-target, above) */
	conn->stream = vmds_http_target_stream_new(base);
	if (peer->local) {
		/* libsoup takes every connection for an IP one: a request
		 * without Host (HTTP/1.0) gets its URI from the local address,
		 * cast to an inet one. A unix peer is known by its credentials
		 * (@peer), not by an address: libsoup is given the loopback */
		local = g_inet_socket_address_new_from_string("127.0.0.1", 0);
		conn->remote = g_inet_socket_address_new_from_string("127.0.0.1", 0);
	} else {
		local = g_socket_get_local_address(conn->socket, NULL);
		conn->remote = g_socket_get_remote_address(conn->socket, NULL);
	}
	if (local == NULL || conn->remote == NULL) {
		g_debug("a REST connection from %s went before it was served", peer->client);
		vmds_http_conn_free(conn);
		return;
	}
	g_object_set_qdata(G_OBJECT(conn->remote), vmds_http_conn_quark(), conn);
	conn->phase = VMDS_HTTP_PHASE_REQUEST;
	conn->deadline =
	    g_get_monotonic_time() + vmds_http_listener_seconds(self->limits.request_timeout);
	g_hash_table_add(self->conns, conn);
	if (!peer->local) {
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(self->clients, peer->client));
		g_hash_table_insert(self->clients, g_strdup(peer->client), GUINT_TO_POINTER(n + 1));
		self->n_inet++;
	}
	vmds_http_listener_arm_sweep(self);
	g_debug("REST connection from %s", peer->client);
	/* libsoup starts waiting for the first request at once
	 * (vmds_http_listener_request_started_cb) */
	soup_server_accept_iostream(self->server, conn->stream, local, conn->remote, NULL);
}

static gboolean
vmds_http_listener_accept_cb(GSocket *socket, GIOCondition condition, gpointer data);

static void
vmds_http_socket_watch(VmdsHttpSocket *ls)
{
	if (ls->source != NULL)
		return;
	ls->source = vmds_http_listener_attach(g_socket_create_source(ls->socket, G_IO_IN, NULL),
					       G_SOURCE_FUNC(vmds_http_listener_accept_cb),
					       ls);
}

static void
vmds_http_socket_unwatch(VmdsHttpSocket *ls)
{
	vmds_http_listener_detach(&ls->source);
}

static gboolean
vmds_http_listener_resume_cb(gpointer user_data)
{
	VmdsHttpListener *self = VMDS_HTTP_LISTENER(user_data);

	g_clear_pointer(&self->resume, g_source_unref);
	for (guint i = 0; i < self->sockets->len; i++)
		vmds_http_socket_watch(g_ptr_array_index(self->sockets, i));
	return G_SOURCE_REMOVE;
}

/* takes what the listen queue holds, a bounded number a turn */
static gboolean
vmds_http_listener_accept_cb(GSocket *socket, GIOCondition condition, gpointer data)
{
	VmdsHttpSocket *ls = data;
	VmdsHttpListener *self = ls->listener;

	for (guint i = 0; i < VMDS_HTTP_LISTENER_ACCEPTS_PER_TURN; i++) {
		VmdsHttpPeer peer = {0};
		gint fd = accept4(g_socket_get_fd(socket), NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0 &&
		    (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
			/* the queue would wake the loop at once: wait a second */
			vmds_http_listener_warn(self,
						VMDS_HTTP_REFUSE_ACCEPT,
						"cannot accept REST connections for now: %s",
						g_strerror(errno));
			for (guint j = 0; j < self->sockets->len; j++)
				vmds_http_socket_unwatch(g_ptr_array_index(self->sockets, j));
			if (self->resume == NULL)
				self->resume =
				    vmds_http_listener_attach(g_timeout_source_new_seconds(1),
							      vmds_http_listener_resume_cb,
							      self);
			return G_SOURCE_CONTINUE;
		}
		if (fd < 0)
			return G_SOURCE_CONTINUE;
		if (!vmds_http_listener_identify(ls, fd, &peer)) {
			vmds_http_listener_turn_away(
			    fd,
			    FALSE,
			    VMDS_ERROR_ACCESS_DENIED,
			    "this socket is for root, the daemon's user and "
			    "the admin group");
			continue;
		}
		if (!peer.local && !vmds_http_listener_admit(self, fd, peer.client)) {
			vmds_http_listener_turn_away(fd,
						     ls->certificate != NULL,
						     VMDS_ERROR_UNAVAILABLE,
						     "too many REST connections: try again later");
			g_free(peer.client);
			continue;
		}
		vmds_http_listener_serve(ls, fd, &peer);
	}
	return G_SOURCE_CONTINUE;
}

static void
vmds_http_socket_free(VmdsHttpSocket *ls)
{
	vmds_http_socket_unwatch(ls);
	if (ls->socket != NULL)
		g_socket_close(ls->socket, NULL);
	if (ls->path != NULL)
		g_unlink(ls->path);
	g_clear_object(&ls->socket);
	g_clear_object(&ls->certificate);
	g_free(ls->path);
	g_free(ls);
}

static VmdsHttpSocket *
vmds_http_listener_add_socket(VmdsHttpListener *self, GSocket *socket)
{
	VmdsHttpSocket *ls = g_new0(VmdsHttpSocket, 1);

	ls->listener = self;
	ls->socket = g_object_ref(socket);
	ls->trusted_gid = (gid_t)-1;
	g_ptr_array_add(self->sockets, ls);
	if (self->resume == NULL)
		vmds_http_socket_watch(ls);
	return ls;
}

/**
 * vmds_http_listener_add_inet:
 * @self: a #VmdsHttpListener
 * @address: where to listen; port 0 picks a free one
 * @certificate: (nullable): serve HTTPS with it
 * @port: (out) (optional): the port it listens on
 * @error: a #GError or %NULL
 *
 * Returns: %TRUE when listening
 */
gboolean
vmds_http_listener_add_inet(VmdsHttpListener *self,
			    GInetSocketAddress *address,
			    GTlsCertificate *certificate,
			    guint16 *port,
			    GError **error)
{
	g_autoptr(GSocket) socket =
	    g_socket_new(g_socket_address_get_family(G_SOCKET_ADDRESS(address)),
			 G_SOCKET_TYPE_STREAM,
			 G_SOCKET_PROTOCOL_TCP,
			 error);
	g_autoptr(GSocketAddress) bound = NULL;
	VmdsHttpSocket *ls;

	if (socket == NULL)
		return FALSE;
	if (g_socket_address_get_family(G_SOCKET_ADDRESS(address)) == G_SOCKET_FAMILY_IPV6)
		g_socket_set_option(socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
	g_socket_set_listen_backlog(socket, 128);
	if (!g_socket_bind(socket, G_SOCKET_ADDRESS(address), TRUE, error) ||
	    !g_socket_listen(socket, error))
		return FALSE;
	bound = g_socket_get_local_address(socket, error);
	if (bound == NULL)
		return FALSE;
	ls = vmds_http_listener_add_socket(self, socket);
	if (certificate != NULL)
		ls->certificate = g_object_ref(certificate);
	if (port != NULL)
		*port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	return TRUE;
}

/**
 * vmds_http_listener_add_unix:
 * @self: a #VmdsHttpListener
 * @path: the socket's path, in a directory only the daemon can write
 * @trusted_gid: the admin group, or (gid_t)-1 for none
 * @error: a #GError or %NULL
 *
 * Serves the API on a unix socket to trusted peers: root, the daemon's own
 * user and members of @trusted_gid. The socket is mode 0600, or 0660 owned
 * by @trusted_gid; a stale socket at @path is replaced.
 *
 * Returns: %TRUE when listening
 */
gboolean
vmds_http_listener_add_unix(VmdsHttpListener *self,
			    const gchar *path,
			    gid_t trusted_gid,
			    GError **error)
{
	g_autoptr(GSocket) listening = NULL;
	VmdsHttpSocket *ls;
	GStatBuf st;
	gint fd;

	/* what a daemon that was killed left behind; anything else stays */
	if (g_lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			g_set_error(error,
				    G_IO_ERROR,
				    G_IO_ERROR_EXISTS,
				    "%s exists and is not a socket",
				    path);
			return FALSE;
		}
		g_unlink(path);
	}
	/* the mode and group are set without following a link put there */
	fd = vmds_safe_path_listen_socket(
	    path, trusted_gid != (gid_t)-1 ? 0660 : 0600, (uid_t)-1, trusted_gid, error);
	if (fd < 0)
		return FALSE;
	listening = g_socket_new_from_fd(fd, error);
	if (listening == NULL) {
		close(fd);
		return FALSE;
	}
	ls = vmds_http_listener_add_socket(self, listening);
	ls->path = g_strdup(path);
	ls->trusted_gid = trusted_gid;
	return TRUE;
}

/**
 * vmds_http_listener_set_limits:
 * @self: a #VmdsHttpListener
 * @limits: the caps and timeouts; they apply to new connections and deadlines
 */
void
vmds_http_listener_set_limits(VmdsHttpListener *self, const VmdsHttpLimits *limits)
{
	self->limits = *limits;
}

/**
 * vmds_http_listener_get_peer:
 * @self: a #VmdsHttpListener
 * @msg: a message on one of its connections
 *
 * Returns: (transfer none) (nullable): who sent @msg
 */
const VmdsHttpPeer *
vmds_http_listener_get_peer(VmdsHttpListener *self, SoupServerMessage *msg)
{
	VmdsHttpConn *conn = vmds_http_listener_lookup(msg);

	return conn != NULL ? &conn->peer : NULL;
}

/**
 * vmds_http_listener_has_dot_segment:
 * @self: a #VmdsHttpListener
 * @msg: a message on one of its connections, its headers read
 *
 * Whether the path of @msg's request-target, as its client sent it, has a
 * `.` or `..` segment, each dot sent as it is or as `%2E` (in either case).
 * The message's URI cannot say: GLib decoded such dots and resolved the
 * segments, so the path it holds names another resource.
 *
 * Returns: %TRUE when it has one (or the target was not seen whole)
 */
gboolean
vmds_http_listener_has_dot_segment(VmdsHttpListener *self, SoupServerMessage *msg)
{
	VmdsHttpConn *conn = vmds_http_listener_lookup(msg);

	if (conn == NULL)
		return FALSE;
	return vmds_http_target_stream_has_dot_segment(conn->stream);
}

/**
 * vmds_http_listener_abort:
 * @self: a #VmdsHttpListener
 * @msg: a message whose reply cannot be finished
 *
 * Ends @msg's connection, so the client sees the reply cut short rather than
 * complete.
 */
void
vmds_http_listener_abort(VmdsHttpListener *self, SoupServerMessage *msg)
{
	VmdsHttpConn *conn = vmds_http_listener_lookup(msg);

	if (conn != NULL)
		vmds_http_conn_close(conn, "its reply failed");
}

/* a lingering connection: what the client still sends is read and dropped,
 * up to the body cap; its end, or the cap, ends the connection */
static gboolean
vmds_http_conn_discard_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	VmdsHttpConn *conn = user_data;
	VmdsHttpListener *self = conn->listener;
	static guint8 sink[65536];

	for (;;) {
		gssize n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return G_SOURCE_CONTINUE;
		if (n > 0 && (conn->discarded += (gsize)n) <= self->limits.max_discard)
			continue;
		/* the end, an error, or more than a body may be */
		g_clear_pointer(&conn->discard, g_source_unref);
		vmds_http_conn_forget(conn);
		return G_SOURCE_REMOVE;
	}
}

/**
 * vmds_http_listener_refuse:
 * @self: a #VmdsHttpListener
 * @msg: a message whose body has not been read
 * @response: a whole HTTP response, which closes the connection
 * @len: its length
 *
 * Answers @msg without reading its body, then lingers: the client may still
 * be sending it, and a connection closed with unread data would reset, so
 * the client could lose the response. What still comes is read and dropped
 * (never kept), for at most the request timeout and the body cap; the
 * connection counts against the caps meanwhile.
 */
void
vmds_http_listener_refuse(VmdsHttpListener *self,
			  SoupServerMessage *msg,
			  const gchar *response,
			  gsize len)
{
	VmdsHttpConn *conn = vmds_http_listener_lookup(msg);
	GOutputStream *out;

	if (conn == NULL)
		return;
	conn->phase = VMDS_HTTP_PHASE_LINGER;
	conn->deadline =
	    g_get_monotonic_time() + vmds_http_listener_seconds(self->limits.request_timeout);
	vmds_http_conn_forget_msg(conn);
	conn->stolen = soup_server_message_steal_connection(msg);
	if (conn->stolen == NULL) {
		vmds_http_conn_forget(conn);
		return;
	}
	out = g_io_stream_get_output_stream(conn->stolen);
	/* small: it fits the fresh socket buffer */
	g_pollable_output_stream_write_nonblocking(
	    G_POLLABLE_OUTPUT_STREAM(out), response, len, NULL, NULL);
	g_socket_shutdown(conn->socket, FALSE, TRUE, NULL);
	conn->discard =
	    vmds_http_listener_attach(g_unix_fd_source_new(g_socket_get_fd(conn->socket), G_IO_IN),
				      G_SOURCE_FUNC(vmds_http_conn_discard_cb),
				      conn);
}

/**
 * vmds_http_listener_get_count:
 * @self: a #VmdsHttpListener
 *
 * Returns: how many REST connections are open
 */
guint
vmds_http_listener_get_count(VmdsHttpListener *self)
{
	return g_hash_table_size(self->conns);
}

/**
 * vmds_http_listener_close:
 * @self: a #VmdsHttpListener
 *
 * Stops listening, removes the unix socket, and ends every connection.
 */
void
vmds_http_listener_close(VmdsHttpListener *self)
{
	GHashTableIter iter;
	VmdsHttpConn *conn;

	g_ptr_array_set_size(self->sockets, 0);
	vmds_http_listener_detach(&self->resume);
	g_hash_table_iter_init(&iter, self->conns);
	while (g_hash_table_iter_next(&iter, (gpointer *)&conn, NULL))
		vmds_http_conn_close(conn, "the daemon stops");
}

/**
 * vmds_http_listener_new:
 * @server: the server to hand connections to
 *
 * Returns: (transfer full): a listener with no socket yet
 */
VmdsHttpListener *
vmds_http_listener_new(SoupServer *server)
{
	VmdsHttpListener *self = g_object_new(VMDS_TYPE_HTTP_LISTENER, NULL);

	self->server = g_object_ref(server);
	g_signal_connect_object(
	    server, "request-started", G_CALLBACK(vmds_http_listener_request_started_cb), self, 0);
	g_signal_connect_object(
	    server, "request-read", G_CALLBACK(vmds_http_listener_request_read_cb), self, 0);

	return self;
}

static void
vmds_http_listener_init(VmdsHttpListener *self)
{
	self->sockets = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_http_socket_free);
	self->conns = g_hash_table_new(NULL, NULL);
	self->clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static void
vmds_http_listener_dispose(GObject *obj)
{
	VmdsHttpListener *self = VMDS_HTTP_LISTENER(obj);

	g_ptr_array_set_size(self->sockets, 0);
	vmds_http_listener_detach(&self->sweep);
	vmds_http_listener_detach(&self->resume);
	G_OBJECT_CLASS(vmds_http_listener_parent_class)->dispose(obj);
}

static void
vmds_http_listener_finalize(GObject *obj)
{
	VmdsHttpListener *self = VMDS_HTTP_LISTENER(obj);
	GHashTableIter iter;
	VmdsHttpConn *conn;

	/* libsoup has let every connection go by now (the server is disconnected
	 * first); what is left is forgotten without it */
	g_hash_table_iter_init(&iter, self->conns);
	while (g_hash_table_iter_next(&iter, (gpointer *)&conn, NULL))
		vmds_http_conn_free(conn);
	g_hash_table_unref(self->conns);
	g_hash_table_unref(self->clients);
	g_ptr_array_unref(self->sockets);
	g_clear_object(&self->server);
	G_OBJECT_CLASS(vmds_http_listener_parent_class)->finalize(obj);
}

static void
vmds_http_listener_class_init(VmdsHttpListenerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = vmds_http_listener_dispose;
	object_class->finalize = vmds_http_listener_finalize;

	/**
	 * VmdsHttpListener::client-left:
	 * @self: a #VmdsHttpListener
	 * @msg: a message whose reply was deferred (vmds_http_listener_wait())
	 *
	 * The client of @msg left before its reply: its connection is closed.
	 * The owner of @msg stops working on it, and unpauses it so that
	 * libsoup lets it go.
	 */
	vmds_http_listener_signals[SIGNAL_CLIENT_LEFT] = g_signal_new("client-left",
								      G_TYPE_FROM_CLASS(klass),
								      G_SIGNAL_RUN_LAST,
								      0,
								      NULL,
								      NULL,
								      NULL,
								      G_TYPE_NONE,
								      1,
								      SOUP_TYPE_SERVER_MESSAGE);
}

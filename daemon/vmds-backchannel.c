/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmds-backchannel.h"

/*
 * The guest side of the daemon: one listening unix socket per VM (the socket
 * decides the VM, so a guest can never name another), and the connections on
 * them. A connection reads one packet at a time: the announced length is
 * checked before anything is allocated, the request must arrive within the
 * request timeout, an idle connection is closed after the idle timeout, and
 * the number of connections is capped.
 */

struct _VmdsBackchannel {
	GObject parent_instance;
	VmdsBackchannelDispatch dispatch;
	gpointer dispatch_data;
	GHashTable *listeners; /* VmdsVm* → GSocketService */
	GHashTable *paths;     /* VmdsVm* → socket path */
	GHashTable *conns;     /* the open VmdsConnections */
	GSocketService *vsock; /* (nullable): the vsock listener, when configured */
	gboolean stopping;
	VmdsBackchannelLookup lookup_cid;
	GQueue pending; /* VmdsConnections with a request read and not yet answered */
	guint batch_id; /* the idle source that answers them */
	/* settings, updated on reload */
	guint socket_mode;
	gid_t gid;
	guint max_connections;
	guint request_timeout;
	guint idle_timeout;
	guint max_request;
};

G_DEFINE_FINAL_TYPE(VmdsBackchannel, vmds_backchannel, G_TYPE_OBJECT)

typedef struct {
	VmdsBackchannel *self; /* not a reference: the backchannel outlives the main loop */
	VmdsVm *vm;
	GSocketConnection *conn;
	GCancellable *cancellable;
	guint timeout_id;
	guint32 uid;
	gboolean privileged;
	guint8 header[VMDS_PACKET_HEADER_SIZE];
	guint8 *body;
	gsize body_len;
	GByteArray *out;
	gboolean close_after_write;
	gboolean writing; /* a reply is on its way: let it finish */
	/* the request being answered, within body */
	guint8 *payload;
	gsize payload_len;
	gboolean fast_close;
	gboolean ok;
	GString *reply;
} VmdsConnection;

static void vmds_connection_read_header(VmdsConnection *conn);

static void
vmds_connection_free(VmdsConnection *conn)
{
	if (conn->timeout_id != 0)
		g_source_remove(conn->timeout_id);
	g_io_stream_close(G_IO_STREAM(conn->conn), NULL, NULL);
	g_object_unref(conn->conn);
	g_object_unref(conn->cancellable);
	vmds_vm_unref(conn->vm);
	g_free(conn->body);
	g_byte_array_unref(conn->out);
	g_string_free(conn->reply, TRUE);
	g_hash_table_remove(conn->self->conns, conn);
	g_free(conn);
}

static gboolean
vmds_connection_timeout_cb(gpointer user_data)
{
	VmdsConnection *conn = user_data;
	g_debug("closing a connection to %s: timed out", conn->vm->id);
	conn->timeout_id = 0;
	g_cancellable_cancel(conn->cancellable);
	return G_SOURCE_REMOVE;
}

static void
vmds_connection_set_timeout(VmdsConnection *conn, guint seconds)
{
	if (conn->timeout_id != 0)
		g_source_remove(conn->timeout_id);
	conn->timeout_id = g_timeout_add_seconds(seconds, vmds_connection_timeout_cb, conn);
}

static void
vmds_connection_write_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	VmdsConnection *conn = user_data;
	g_autoptr(GError) error = NULL;

	conn->writing = FALSE;
	if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), res, NULL, &error)) {
		g_debug("cannot reply to %s: %s", conn->vm->id, error->message);
		vmds_connection_free(conn);
		return;
	}
	if (conn->close_after_write || conn->self->stopping) {
		vmds_connection_free(conn);
		return;
	}
	vmds_connection_read_header(conn);
}

/* sends `1 text` or `0 text`; then closes, or waits for the next request */
static void
vmds_connection_reply(
    VmdsConnection *conn, gboolean ok, const gchar *text, gsize len, gboolean close)
{
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn->conn));
	g_autoptr(GString) payload = g_string_sized_new(len + 2);

	g_string_append(payload, ok ? "1 " : "0 ");
	g_string_append_len(payload, text, (gssize)len);
	g_byte_array_set_size(conn->out, 0);
	vmds_packet_encode(
	    conn->out, VMDS_PACKET_TYPE_DATA, (const guint8 *)payload->str, payload->len, FALSE);
	conn->close_after_write = close;
	conn->writing = TRUE;
	vmds_connection_set_timeout(conn, conn->self->request_timeout);
	g_output_stream_write_all_async(out,
					conn->out->data,
					conn->out->len,
					G_PRIORITY_DEFAULT,
					conn->cancellable,
					vmds_connection_write_cb,
					conn);
}

static void
vmds_connection_fail(VmdsConnection *conn, const gchar *text)
{
	vmds_connection_reply(conn, FALSE, text, strlen(text), TRUE);
}

static void
vmds_connection_dispatch(VmdsConnection *conn)
{
	g_string_truncate(conn->reply, 0);
	conn->ok = conn->self->dispatch(conn->vm,
					conn->uid,
					conn->privileged,
					conn->payload,
					conn->payload_len,
					conn->reply,
					conn->self->dispatch_data);
}

/*
 * Group commit: the requests of one VM that arrived while the main loop was
 * busy are answered together, their transactions savepoints in one, so they
 * share one fsync; each still succeeds or fails whole, and no reply is sent
 * before the group is durable. Should the group fail to commit, each request
 * is answered again on its own, so every reply tells the truth.
 */
static void
vmds_backchannel_answer(VmdsBackchannel *self, VmdsVm *vm, GPtrArray *conns)
{
	g_autoptr(GError) error = NULL;
	gboolean batch = conns->len > 1 && vmds_store_batch_begin(vm->store, &error);

	for (guint i = 0; i < conns->len; i++)
		vmds_connection_dispatch(g_ptr_array_index(conns, i));
	if (batch && !vmds_store_batch_end(vm->store, &error)) {
		g_warning("%s: a group of %u requests failed to commit, answering each on its "
			  "own: %s",
			  vm->id,
			  conns->len,
			  error->message);
		for (guint i = 0; i < conns->len; i++)
			vmds_connection_dispatch(g_ptr_array_index(conns, i));
	}
	for (guint i = 0; i < conns->len; i++) {
		VmdsConnection *conn = g_ptr_array_index(conns, i);
		vmds_connection_reply(
		    conn, conn->ok, conn->reply->str, conn->reply->len, conn->fast_close);
	}
}

static gboolean
vmds_backchannel_batch_cb(gpointer user_data)
{
	VmdsBackchannel *self = VMDS_BACKCHANNEL(user_data);
	g_autoptr(GHashTable) groups =
	    g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)g_ptr_array_unref);
	g_autoptr(GPtrArray) order = g_ptr_array_new();
	VmdsConnection *conn;

	self->batch_id = 0;
	while ((conn = g_queue_pop_head(&self->pending)) != NULL) {
		GPtrArray *group = g_hash_table_lookup(groups, conn->vm);
		if (group == NULL) {
			group = g_ptr_array_new();
			g_hash_table_insert(groups, conn->vm, group);
			g_ptr_array_add(order, conn->vm);
		}
		g_ptr_array_add(group, conn);
	}
	for (guint i = 0; i < order->len; i++) {
		VmdsVm *vm = g_ptr_array_index(order, i);
		vmds_backchannel_answer(self, vm, g_hash_table_lookup(groups, vm));
	}
	return G_SOURCE_REMOVE;
}

/* answered when the main loop has read what else is ready */
static void
vmds_backchannel_queue(VmdsBackchannel *self, VmdsConnection *conn)
{
	if (conn->timeout_id != 0) {
		g_source_remove(conn->timeout_id);
		conn->timeout_id = 0;
	}
	g_queue_push_tail(&self->pending, conn);
	if (self->batch_id == 0)
		self->batch_id =
		    g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, vmds_backchannel_batch_cb, self, NULL);
}

static void
vmds_connection_handle(VmdsConnection *conn)
{
	VmdsPacket packet;
	g_autoptr(GError) error = NULL;

	if (!vmds_packet_decode(conn->body, conn->body_len, &packet, &error)) {
		g_info("%s: %s", conn->vm->id, error->message);
		vmds_connection_fail(conn, "Malformed request");
		return;
	}
	if (packet.type == VMDS_PACKET_TYPE_PING) {
		vmds_connection_read_header(conn);
		return;
	}
	/* one trailing NUL is tolerated: some senders include it */
	if (packet.payload_len > 0 && packet.payload[packet.payload_len - 1] == '\0')
		packet.payload_len--;
	if (packet.payload_len > conn->self->max_request) {
		g_info("%s: refused a request of %" G_GSIZE_FORMAT " bytes",
		       conn->vm->id,
		       packet.payload_len);
		vmds_connection_fail(conn, "Message too large");
		return;
	}
	/* the packet is decoded: its bytes after the payload may be overwritten,
	 * and the body has one spare byte, so the payload can be NUL-terminated;
	 * a DATA packet without PAYLOAD is the empty command */
	conn->payload =
	    packet.payload != NULL ? conn->body + (packet.payload - conn->body) : conn->body;
	conn->payload[packet.payload_len] = '\0';
	conn->payload_len = packet.payload_len;
	conn->fast_close = packet.fast_close;
	vmds_backchannel_queue(conn->self, conn);
}

static void
vmds_connection_body_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	VmdsConnection *conn = user_data;
	gsize n = 0;
	g_autoptr(GError) error = NULL;

	if (!g_input_stream_read_all_finish(G_INPUT_STREAM(source), res, &n, &error) ||
	    n != conn->body_len) {
		g_debug("%s: incomplete request: %s",
			conn->vm->id,
			error != NULL ? error->message : "connection closed");
		vmds_connection_free(conn);
		return;
	}
	vmds_connection_handle(conn);
}

static void
vmds_connection_header_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	VmdsConnection *conn = user_data;
	gsize n = 0;
	guint32 len;
	g_autoptr(GError) error = NULL;

	if (!g_input_stream_read_all_finish(G_INPUT_STREAM(source), res, &n, &error) ||
	    n != sizeof(conn->header)) {
		vmds_connection_free(conn);
		return;
	}
	len = vmds_packet_read_length(conn->header);
	/* bounded before anything is allocated: the rest is never read */
	if (len > conn->self->max_request + VMDS_PACKET_OVERHEAD) {
		g_info("%s: refused a packet announcing %u bytes", conn->vm->id, len);
		vmds_connection_fail(conn, "Message too large");
		return;
	}
	g_free(conn->body);
	conn->body = g_malloc(len + 1);
	conn->body_len = len;
	vmds_connection_set_timeout(conn, conn->self->request_timeout);
	g_input_stream_read_all_async(g_io_stream_get_input_stream(G_IO_STREAM(conn->conn)),
				      conn->body,
				      len,
				      G_PRIORITY_DEFAULT,
				      conn->cancellable,
				      vmds_connection_body_cb,
				      conn);
}

static void
vmds_connection_read_header(VmdsConnection *conn)
{
	vmds_connection_set_timeout(conn, conn->self->idle_timeout);
	g_input_stream_read_all_async(g_io_stream_get_input_stream(G_IO_STREAM(conn->conn)),
				      conn->header,
				      sizeof(conn->header),
				      G_PRIORITY_DEFAULT,
				      conn->cancellable,
				      vmds_connection_header_cb,
				      conn);
}

/* root, the daemon's own user, or a member (primary or supplementary) of the
 * configured group */
static gboolean
vmds_backchannel_is_privileged(VmdsBackchannel *self, gint fd, uid_t uid, gid_t gid)
{
	g_autofree gid_t *groups = NULL;
	socklen_t len = 64 * sizeof(gid_t);

	if (uid == 0 || uid == geteuid())
		return TRUE;
	if (self->gid == (gid_t)-1)
		return FALSE;
	if (gid == self->gid)
		return TRUE;
	groups = g_new(gid_t, len / sizeof(gid_t));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		/* ERANGE says how many there are; the kernel caps them at 65536 */
		if (errno != ERANGE || len > 65536 * sizeof(gid_t))
			return FALSE;
		groups = g_renew(gid_t, groups, len / sizeof(gid_t));
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
			return FALSE;
	}
	for (guint i = 0; i < len / sizeof(gid_t); i++) {
		if (groups[i] == self->gid)
			return TRUE;
	}
	return FALSE;
}

static void
vmds_backchannel_accept(VmdsBackchannel *self,
			GSocketConnection *connection,
			VmdsVm *vm,
			guint32 uid,
			gboolean privileged)
{
	VmdsConnection *conn = g_new0(VmdsConnection, 1);

	conn->self = self;
	conn->vm = vmds_vm_ref(vm);
	conn->conn = g_object_ref(connection);
	conn->cancellable = g_cancellable_new();
	conn->out = g_byte_array_new();
	conn->reply = g_string_sized_new(256);
	conn->uid = uid;
	conn->privileged = privileged;
	g_hash_table_add(self->conns, conn);
	vmds_connection_read_header(conn);
}

/* a guest on a VM's unix socket: the socket names the VM, SO_PEERCRED the caller */
static gboolean
vmds_backchannel_incoming_cb(GSocketService *service,
			     GSocketConnection *connection,
			     GObject *source_object,
			     gpointer user_data)
{
	VmdsBackchannel *self = VMDS_BACKCHANNEL(user_data);
	VmdsVm *vm = g_object_get_data(G_OBJECT(service), "vmds-vm");
	gint fd = g_socket_get_fd(g_socket_connection_get_socket(connection));
	struct ucred cred = {0};
	socklen_t len = sizeof(cred);
	gboolean privileged;

	if (g_hash_table_size(self->conns) >= self->max_connections) {
		g_warning("refused a connection to %s: %u connections is the limit",
			  vm->id,
			  self->max_connections);
		return TRUE;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		g_warning("refused a connection to %s: no peer credentials: %s",
			  vm->id,
			  g_strerror(errno));
		return TRUE;
	}
	privileged = vmds_backchannel_is_privileged(self, fd, cred.uid, cred.gid);
	g_debug("%s: connection from uid %u (%s)",
		vm->id,
		cred.uid,
		privileged ? "privileged" : "unprivileged");
	vmds_backchannel_accept(self, connection, vm, cred.uid, privileged);
	return TRUE;
}

/*
 * A guest over vsock: its CID names the VM (an unknown CID is refused), and
 * [vmware] a source port below 1024 proves root in the guest; any other
 * peer is an ordinary user.
 */
static gboolean
vmds_backchannel_vsock_incoming_cb(GSocketService *service,
				   GSocketConnection *connection,
				   GObject *source_object,
				   gpointer user_data)
{
	VmdsBackchannel *self = VMDS_BACKCHANNEL(user_data);
	gint fd = g_socket_get_fd(g_socket_connection_get_socket(connection));
	struct sockaddr_vm peer = {0};
	socklen_t len = sizeof(peer);
	VmdsVm *vm;

	if (g_hash_table_size(self->conns) >= self->max_connections) {
		g_warning("refused a vsock connection: %u connections is the limit",
			  self->max_connections);
		return TRUE;
	}
	if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0 || peer.svm_family != AF_VSOCK) {
		g_warning("refused a vsock connection: no peer address: %s", g_strerror(errno));
		return TRUE;
	}
	vm = self->lookup_cid(peer.svm_cid, self->dispatch_data);
	if (vm == NULL) {
		g_warning("refused a vsock connection from cid %u: no VM has that cid",
			  peer.svm_cid);
		return TRUE;
	}
	g_debug("%s: vsock connection from cid %u port %u", vm->id, peer.svm_cid, peer.svm_port);
	vmds_backchannel_accept(self, connection, vm, G_MAXUINT32, peer.svm_port < 1024);
	return TRUE;
}

/**
 * vmds_backchannel_listen_vsock:
 * @self: a #VmdsBackchannel
 * @port: the vsock port, e.g. 976
 * @error: a #GError or %NULL
 *
 * Listens on AF_VSOCK @port for every CID; a peer is served as the VM whose
 * cid it has. Only ever called when configured: it accepts, never connects.
 */
gboolean
vmds_backchannel_listen_vsock(VmdsBackchannel *self, guint32 port, GError **error)
{
	struct sockaddr_vm addr = {
	    .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
	g_autoptr(GSocket) listener = NULL;
	gint fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 128) < 0) {
		gint errsv = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error,
			    G_IO_ERROR,
			    g_io_error_from_errno(errsv),
			    "cannot listen on vsock port %u: %s",
			    port,
			    g_strerror(errsv));
		return FALSE;
	}
	listener = g_socket_new_from_fd(fd, error);
	if (listener == NULL) {
		close(fd);
		return FALSE;
	}
	g_clear_object(&self->vsock);
	self->vsock = g_socket_service_new();
	if (!g_socket_listener_add_socket(G_SOCKET_LISTENER(self->vsock), listener, NULL, error))
		return FALSE;
	g_signal_connect(
	    self->vsock, "incoming", G_CALLBACK(vmds_backchannel_vsock_incoming_cb), self);
	g_socket_service_start(self->vsock);
	return TRUE;
}

/* a unix socket at @path, mode and group as configured, listening */
static GSocket *
vmds_backchannel_listen(VmdsBackchannel *self, const gchar *path, GError **error)
{
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GSocketAddress) address = g_unix_socket_address_new(path);

	socket = g_socket_new(
	    G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
	if (socket == NULL)
		return NULL;
	/* a socket left by a daemon that was killed; the store lock proves it gone */
	if (g_unlink(path) < 0 && errno != ENOENT) {
		g_set_error(error,
			    G_IO_ERROR,
			    g_io_error_from_errno(errno),
			    "cannot remove stale socket %s: %s",
			    path,
			    g_strerror(errno));
		return NULL;
	}
	if (!g_socket_bind(socket, address, FALSE, error))
		return NULL;
	if (g_chmod(path, (gint)self->socket_mode) < 0 ||
	    (self->gid != (gid_t)-1 && chown(path, (uid_t)-1, self->gid) < 0)) {
		g_set_error(error,
			    G_IO_ERROR,
			    g_io_error_from_errno(errno),
			    "cannot set the mode or group of %s: %s",
			    path,
			    g_strerror(errno));
		g_unlink(path);
		return NULL;
	}
	g_socket_set_listen_backlog(socket, 128);
	if (!g_socket_listen(socket, error)) {
		g_unlink(path);
		return NULL;
	}
	return g_steal_pointer(&socket);
}

/**
 * vmds_backchannel_add_vm:
 * @self: a #VmdsBackchannel
 * @vm: a VM
 * @path: where its socket goes
 * @error: a #GError or %NULL
 *
 * Starts serving @vm's guest on @path.
 */
gboolean
vmds_backchannel_add_vm(VmdsBackchannel *self, VmdsVm *vm, const gchar *path, GError **error)
{
	g_autoptr(GSocketService) service = g_socket_service_new();
	g_autoptr(GSocket) socket = vmds_backchannel_listen(self, path, error);

	if (socket == NULL) {
		g_prefix_error(error, "cannot listen on %s: ", path);
		return FALSE;
	}
	if (!g_socket_listener_add_socket(G_SOCKET_LISTENER(service), socket, NULL, error)) {
		g_unlink(path);
		return FALSE;
	}
	g_object_set_data_full(
	    G_OBJECT(service), "vmds-vm", vmds_vm_ref(vm), (GDestroyNotify)vmds_vm_unref);
	g_signal_connect(service, "incoming", G_CALLBACK(vmds_backchannel_incoming_cb), self);
	g_socket_service_start(service);
	g_hash_table_insert(self->paths, vm, g_strdup(path));
	g_hash_table_insert(self->listeners, vm, g_steal_pointer(&service));
	return TRUE;
}

/**
 * vmds_backchannel_remove_vm:
 * @self: a #VmdsBackchannel
 * @vm: a VM
 *
 * Stops listening for @vm and removes its socket. Open connections finish.
 */
void
vmds_backchannel_remove_vm(VmdsBackchannel *self, VmdsVm *vm)
{
	GSocketService *service = g_hash_table_lookup(self->listeners, vm);
	const gchar *path = g_hash_table_lookup(self->paths, vm);

	if (service == NULL)
		return;
	g_socket_service_stop(service);
	g_socket_listener_close(G_SOCKET_LISTENER(service));
	if (path != NULL)
		g_unlink(path);
	g_hash_table_remove(self->paths, vm);
	g_hash_table_remove(self->listeners, vm);
}

/**
 * vmds_backchannel_get_connections:
 * @self: a #VmdsBackchannel
 *
 * Returns: how many guest connections are open
 */
guint
vmds_backchannel_get_connections(VmdsBackchannel *self)
{
	return g_hash_table_size(self->conns);
}

/**
 * vmds_backchannel_shutdown:
 * @self: a #VmdsBackchannel
 *
 * Stops listening, removes every socket, and closes every connection; a
 * reply being sent is sent first (its change is already durable).
 */
void
vmds_backchannel_shutdown(VmdsBackchannel *self)
{
	GHashTableIter iter;
	gpointer vm;
	gpointer conn;

	g_hash_table_iter_init(&iter, self->listeners);
	while (g_hash_table_iter_next(&iter, &vm, NULL)) {
		GSocketService *service = g_hash_table_lookup(self->listeners, vm);
		const gchar *path = g_hash_table_lookup(self->paths, vm);
		g_socket_service_stop(service);
		g_socket_listener_close(G_SOCKET_LISTENER(service));
		if (path != NULL)
			g_unlink(path);
	}
	g_hash_table_remove_all(self->listeners);
	g_hash_table_remove_all(self->paths);
	if (self->vsock != NULL) {
		g_socket_service_stop(self->vsock);
		g_socket_listener_close(G_SOCKET_LISTENER(self->vsock));
		g_clear_object(&self->vsock);
	}
	self->stopping = TRUE;
	/* requests read but not answered yet are answered now */
	if (self->batch_id != 0) {
		g_source_remove(self->batch_id);
		vmds_backchannel_batch_cb(self);
	}
	g_hash_table_iter_init(&iter, self->conns);
	while (g_hash_table_iter_next(&iter, &conn, NULL)) {
		if (!((VmdsConnection *)conn)->writing)
			g_cancellable_cancel(((VmdsConnection *)conn)->cancellable);
	}
	/* each cancelled read and each finished write frees its connection */
	while (g_hash_table_size(self->conns) > 0)
		g_main_context_iteration(NULL, TRUE);
}

/**
 * vmds_backchannel_set_config:
 * @self: a #VmdsBackchannel
 * @config: the settings; applied to new sockets and connections
 */
void
vmds_backchannel_set_config(VmdsBackchannel *self, const VmdsConfig *config)
{
	self->socket_mode = config->socket_mode;
	self->gid = config->gid;
	self->max_connections = config->max_connections;
	self->request_timeout = config->request_timeout;
	self->idle_timeout = config->idle_timeout;
	self->max_request = config->max_request;
}

/**
 * vmds_backchannel_new:
 * @dispatch: answers each request
 * @lookup_cid: finds the VM of a vsock peer
 * @user_data: for @dispatch and @lookup_cid
 *
 * Returns: (transfer full): a backchannel serving no VM yet
 */
VmdsBackchannel *
vmds_backchannel_new(VmdsBackchannelDispatch dispatch,
		     VmdsBackchannelLookup lookup_cid,
		     gpointer user_data)
{
	VmdsBackchannel *self = g_object_new(VMDS_TYPE_BACKCHANNEL, NULL);
	self->dispatch = dispatch;
	self->lookup_cid = lookup_cid;
	self->dispatch_data = user_data;
	return self;
}

static void
vmds_backchannel_init(VmdsBackchannel *self)
{
	self->listeners = g_hash_table_new_full(NULL, NULL, NULL, g_object_unref);
	self->paths = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	self->conns = g_hash_table_new(NULL, NULL);
	self->gid = (gid_t)-1;
	self->socket_mode = 0660;
	self->max_connections = 1024;
	self->request_timeout = 5;
	self->idle_timeout = 60;
	self->max_request = VMDS_PACKET_MAX_REQUEST;
}

static void
vmds_backchannel_finalize(GObject *obj)
{
	VmdsBackchannel *self = VMDS_BACKCHANNEL(obj);

	vmds_backchannel_shutdown(self);
	g_hash_table_unref(self->listeners);
	g_hash_table_unref(self->paths);
	g_hash_table_unref(self->conns);
	G_OBJECT_CLASS(vmds_backchannel_parent_class)->finalize(obj);
}

static void
vmds_backchannel_class_init(VmdsBackchannelClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = vmds_backchannel_finalize;
}

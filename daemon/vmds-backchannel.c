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
#include "vmds-connection.h"

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
	VmdsBackchannelLookup lookup_cid;
	GQueue pending; /* VmdsConnections with a request read and not yet answered */
	guint batch_id; /* the idle source that answers them */
	/* settings, updated on reload */
	guint socket_mode;
	gid_t gid;
	guint max_connections;
	VmdsConnectionLimits limits;
};

G_DEFINE_FINAL_TYPE(VmdsBackchannel, vmds_backchannel, G_TYPE_OBJECT)

/* a request of @conn, as its VM's group answers it */
typedef struct {
	VmdsConnection *conn;
	gboolean ok;
	GString *reply;
} VmdsBackchannelRequest;

static void
vmds_backchannel_request_free(VmdsBackchannelRequest *request)
{
	g_string_free(request->reply, TRUE);
	g_free(request);
}

static void
vmds_backchannel_dispatch(VmdsBackchannel *self, VmdsBackchannelRequest *request)
{
	gsize len = 0;
	guint8 *payload = vmds_connection_get_payload(request->conn, &len);

	g_string_truncate(request->reply, 0);
	request->ok = self->dispatch(vmds_connection_get_vm(request->conn),
				     vmds_connection_get_uid(request->conn),
				     vmds_connection_get_privileged(request->conn),
				     payload,
				     len,
				     request->reply,
				     self->dispatch_data);
}

/*
 * Group commit: the requests of one VM that arrived while the main loop was
 * busy are answered together, their transactions savepoints in one, so they
 * share one fsync; each still succeeds or fails whole, and no reply is sent
 * before the group is durable. Should the group fail to commit, each request
 * is answered again on its own, so every reply tells the truth.
 */
static void
vmds_backchannel_answer(VmdsBackchannel *self, VmdsVm *vm, GPtrArray *requests)
{
	g_autoptr(GError) error = NULL;
	gboolean batch = requests->len > 1 && vmds_store_batch_begin(vm->store, &error);

	for (guint i = 0; i < requests->len; i++)
		vmds_backchannel_dispatch(self, g_ptr_array_index(requests, i));
	if (batch && !vmds_store_batch_end(vm->store, &error)) {
		g_warning("%s: a group of %u requests failed to commit, answering each on its "
			  "own: %s",
			  vm->id,
			  requests->len,
			  error->message);
		for (guint i = 0; i < requests->len; i++)
			vmds_backchannel_dispatch(self, g_ptr_array_index(requests, i));
	}
	for (guint i = 0; i < requests->len; i++) {
		VmdsBackchannelRequest *request = g_ptr_array_index(requests, i);
		vmds_connection_reply(
		    request->conn, request->ok, request->reply->str, request->reply->len);
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
		VmdsVm *vm = vmds_connection_get_vm(conn);
		GPtrArray *group = g_hash_table_lookup(groups, vm);
		VmdsBackchannelRequest *request = g_new0(VmdsBackchannelRequest, 1);
		if (group == NULL) {
			group = g_ptr_array_new_with_free_func(
			    (GDestroyNotify)vmds_backchannel_request_free);
			g_hash_table_insert(groups, vm, group);
			g_ptr_array_add(order, vm);
		}
		request->conn = conn;
		request->reply = g_string_sized_new(256);
		g_ptr_array_add(group, request);
	}
	for (guint i = 0; i < order->len; i++) {
		VmdsVm *vm = g_ptr_array_index(order, i);
		vmds_backchannel_answer(self, vm, g_hash_table_lookup(groups, vm));
	}
	return G_SOURCE_REMOVE;
}

/* answered when the main loop has read what else is ready */
static void
vmds_backchannel_request_cb(VmdsConnection *conn, gpointer user_data)
{
	VmdsBackchannel *self = VMDS_BACKCHANNEL(user_data);

	g_queue_push_tail(&self->pending, conn);
	if (self->batch_id == 0)
		self->batch_id =
		    g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, vmds_backchannel_batch_cb, self, NULL);
}

static gboolean
vmds_backchannel_free_cb(gpointer user_data)
{
	vmds_connection_free(user_data);
	return G_SOURCE_REMOVE;
}

/* freed once the callback that closed it has returned */
static void
vmds_backchannel_closed_cb(VmdsConnection *conn, gpointer user_data)
{
	VmdsBackchannel *self = VMDS_BACKCHANNEL(user_data);

	g_hash_table_remove(self->conns, conn);
	g_queue_remove(&self->pending, conn);
	g_idle_add(vmds_backchannel_free_cb, conn);
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
	VmdsConnection *conn = vmds_connection_new(connection,
						   vm,
						   uid,
						   privileged,
						   &self->limits,
						   vmds_backchannel_request_cb,
						   vmds_backchannel_closed_cb,
						   self);
	g_hash_table_add(self->conns, conn);
	vmds_connection_start(conn);
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
	g_autoptr(GPtrArray) conns = NULL;

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
	/* requests read but not answered yet are answered now */
	if (self->batch_id != 0) {
		g_source_remove(self->batch_id);
		vmds_backchannel_batch_cb(self);
	}
	conns = g_ptr_array_new();
	g_hash_table_iter_init(&iter, self->conns);
	while (g_hash_table_iter_next(&iter, &conn, NULL))
		g_ptr_array_add(conns, conn);
	for (guint i = 0; i < conns->len; i++)
		vmds_connection_shutdown(g_ptr_array_index(conns, i));
	/* replies on their way are sent, then their connections close too */
	while (g_hash_table_size(self->conns) > 0)
		g_main_context_iteration(NULL, TRUE);
	while (g_main_context_pending(NULL))
		g_main_context_iteration(NULL, FALSE);
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
	self->limits.request_timeout = config->request_timeout;
	self->limits.idle_timeout = config->idle_timeout;
	self->limits.max_request = config->max_request;
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
	self->limits.request_timeout = 5;
	self->limits.idle_timeout = 60;
	self->limits.max_request = VMDS_PACKET_MAX_REQUEST;
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

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <linux/vm_sockets.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmds-backchannel.h"
#include "vmds-connection.h"
#include "vmds-peer.h"
#include "vmds-safe-path.h"

/*
 * The guest side of the daemon: one listening unix socket per VM (the socket
 * decides the VM, so a guest can never name another), the vsock socket when
 * configured, and the connections on them, all in one epoll set
 * (VmdsPoller). A connection reads one packet at a time: the announced
 * length is checked before anything is allocated, the request must arrive
 * within the request timeout, an idle connection is closed after the idle
 * timeout, and the number of connections is capped. The requests read in
 * one main loop turn are answered together at its end (group commit).
 */

/* the smallest automatic share of the connection cap a VM gets, however many
 * VMs there are (the cap itself still holds over all of them) */
#define VMDS_BACKCHANNEL_MIN_SHARE 8

typedef struct _VmdsBackchannelListener VmdsBackchannelListener;

struct _VmdsBackchannel {
	GObject parent_instance;
	VmdsDispatch *dispatch; /* not owned */
	gpointer lookup_data;
	VmdsBackchannelLookup lookup_cid;
	VmdsPoller *poller;		/* (nullable): made with the first socket */
	GHashTable *listeners;		/* VmdsVm* → VmdsBackchannelListener */
	VmdsBackchannelListener *vsock; /* (nullable): when configured */
	gboolean accept_paused;		/* out of file descriptors */
	GHashTable *conns;		/* the open VmdsConnections */
	GHashTable *vm_conns;		/* VmdsVm* → how many of conns are its */
	GPtrArray *pending;		/* VmdsConnections with a request read, not yet answered */
	GArray *group;			/* VmdsBackchannelRequest: what is answered together */
	GPtrArray *closed;		/* VmdsConnections closed this turn, freed at its end */
	GHashTable *waits; /* VmdsConnection → VmdsBackchannelWait: a deferred reply */
	/* settings, updated on reload */
	guint socket_mode;
	gid_t gid;
	guint max_connections;
	guint max_connections_per_vm; /* 0: an equal share of max_connections */
	VmdsConnectionLimits limits;
};

G_DEFINE_FINAL_TYPE(VmdsBackchannel, vmds_backchannel, G_TYPE_OBJECT)

/* a listening socket: a VM's unix socket, or the vsock one (no VM) */
struct _VmdsBackchannelListener {
	VmdsBackchannel *backchannel;
	VmdsVm *vm; /* (nullable) */
	gint fd;
	gchar *path; /* (nullable): removed when the listener goes */
	VmdsPollerWatch watch;
};

/* a request of @conn, as its VM's group answers it */
typedef struct {
	VmdsConnection *conn;
	gboolean ok;
	VmdsDispatchLater later; /* a reply the command deferred */
} VmdsBackchannelRequest;

/* a connection whose command deferred its reply */
typedef struct {
	VmdsBackchannel *backchannel;
	VmdsConnection *conn;
	VmdsDispatchLater later;
} VmdsBackchannelWait;

static void
vmds_backchannel_wait_free(VmdsBackchannelWait *wait)
{
	vmds_deferred_cancel(wait->later.deferred);
	vmds_deferred_unref(wait->later.deferred);
	g_free(wait);
}

/* the deferred reply came, or its deadline passed: sent as any other */
static void
vmds_backchannel_wait_done_cb(VmdsDeferred *deferred, const GError *error, gpointer user_data)
{
	VmdsBackchannelWait *wait = user_data;
	VmdsConnection *conn = wait->conn;
	gboolean ok = vmds_dispatch_finish(&wait->later, error, vmds_connection_get_reply(conn));

	/* frees @wait: the deferred is done, its cancel does nothing */
	g_hash_table_remove(wait->backchannel->waits, conn);
	vmds_connection_reply(conn, ok);
}

static void
vmds_backchannel_dispatch(VmdsBackchannel *self, VmdsBackchannelRequest *request)
{
	gsize len = 0;
	guint8 *payload = vmds_connection_get_payload(request->conn, &len);

	/* run again after its group failed: the first run's wait is void */
	if (request->later.deferred != NULL) {
		vmds_deferred_cancel(request->later.deferred);
		g_clear_pointer(&request->later.deferred, vmds_deferred_unref);
	}
	request->ok = vmds_dispatch_run(self->dispatch,
					vmds_connection_get_vm(request->conn),
					vmds_connection_get_uid(request->conn),
					vmds_connection_get_privileged(request->conn),
					payload,
					len,
					vmds_connection_get_reply(request->conn),
					&request->later);
}

/* sends a request's reply, or waits for it once the command deferred it */
static void
vmds_backchannel_reply(VmdsBackchannel *self, VmdsBackchannelRequest *request)
{
	VmdsBackchannelWait *wait;

	if (request->later.deferred == NULL) {
		vmds_connection_reply(request->conn, request->ok);
		return;
	}
	wait = g_new0(VmdsBackchannelWait, 1);
	wait->backchannel = self;
	wait->conn = request->conn;
	wait->later = request->later;
	request->later.deferred = NULL;
	g_hash_table_insert(self->waits, wait->conn, wait);
	vmds_connection_wait(wait->conn);
	vmds_deferred_start(wait->later.deferred, vmds_backchannel_wait_done_cb, wait);
}

/*
 * Group commit: the requests of one VM that were read in the same main loop
 * turn are answered together, their transactions savepoints in one, so they
 * share one fsync; each still succeeds or fails whole, and no reply is sent
 * before the group is durable. Should the group fail to commit, each request
 * is answered again on its own, so every reply tells the truth.
 */
static void
vmds_backchannel_answer(VmdsBackchannel *self, VmdsVm *vm, GArray *requests)
{
	g_autoptr(GError) error = NULL;
	gboolean batch = requests->len > 1 && vmds_store_batch_begin(vm->store, &error);

	for (guint i = 0; i < requests->len; i++)
		vmds_backchannel_dispatch(self,
					  &g_array_index(requests, VmdsBackchannelRequest, i));
	if (batch && !vmds_store_batch_end(vm->store, &error)) {
		g_warning("%s: a group of %u requests failed to commit, answering each on its "
			  "own: %s",
			  vm->id,
			  requests->len,
			  error->message);
		for (guint i = 0; i < requests->len; i++)
			vmds_backchannel_dispatch(
			    self, &g_array_index(requests, VmdsBackchannelRequest, i));
	}
	for (guint i = 0; i < requests->len; i++)
		vmds_backchannel_reply(self, &g_array_index(requests, VmdsBackchannelRequest, i));
}

/* every request read so far, a VM's at a time; a reply may let a connection
 * read a request it already has, which joins the next round */
static void
vmds_backchannel_answer_pending(VmdsBackchannel *self)
{
	while (self->pending->len > 0) {
		VmdsVm *vm = vmds_connection_get_vm(g_ptr_array_index(self->pending, 0));
		guint kept = 0;

		g_array_set_size(self->group, 0);
		for (guint i = 0; i < self->pending->len; i++) {
			VmdsConnection *conn = g_ptr_array_index(self->pending, i);
			if (vmds_connection_get_vm(conn) == vm) {
				VmdsBackchannelRequest request = {.conn = conn};
				g_array_append_val(self->group, request);
			} else {
				g_ptr_array_index(self->pending, kept++) = conn;
			}
		}
		g_ptr_array_set_size(self->pending, kept);
		vmds_backchannel_answer(self, vm, self->group);
	}
}

static void
vmds_backchannel_set_accepting(VmdsBackchannel *self, gboolean accepting)
{
	GHashTableIter iter;
	VmdsBackchannelListener *listener;

	self->accept_paused = !accepting;
	g_hash_table_iter_init(&iter, self->listeners);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&listener))
		vmds_poller_modify(self->poller, &listener->watch, accepting ? EPOLLIN : 0);
	if (self->vsock != NULL)
		vmds_poller_modify(self->poller, &self->vsock->watch, accepting ? EPOLLIN : 0);
}

/* closes what timed out, and says when to look again */
static void
vmds_backchannel_sweep(VmdsBackchannel *self)
{
	gint64 now = vmds_poller_get_time(self->poller);
	gint64 next = 0;
	GHashTableIter iter;
	gpointer conn;
	g_autoptr(GPtrArray) conns = g_ptr_array_new();

	if (self->accept_paused)
		vmds_backchannel_set_accepting(self, TRUE);
	/* closing removes from conns */
	g_hash_table_iter_init(&iter, self->conns);
	while (g_hash_table_iter_next(&iter, &conn, NULL))
		g_ptr_array_add(conns, conn);
	for (guint i = 0; i < conns->len; i++) {
		gint64 deadline = vmds_connection_check_deadline(g_ptr_array_index(conns, i), now);
		if (deadline != 0 && (next == 0 || deadline < next))
			next = deadline;
	}
	if (next != 0)
		vmds_poller_wake_at(self->poller, next);
}

/* the end of a main loop turn that read requests, or of a timeout */
static void
vmds_backchannel_done_cb(gboolean woken, gpointer user_data)
{
	VmdsBackchannel *self = VMDS_BACKCHANNEL(user_data);

	vmds_backchannel_answer_pending(self);
	if (woken)
		vmds_backchannel_sweep(self);
	g_ptr_array_set_size(self->closed, 0);
}

/* answered at the end of the loop turn, with what else was read in it */
static void
vmds_backchannel_request_cb(VmdsConnection *conn, gpointer user_data)
{
	VmdsBackchannel *self = VMDS_BACKCHANNEL(user_data);

	g_ptr_array_add(self->pending, conn);
}

/* freed once the turn that closed it ends */
static void
vmds_backchannel_closed_cb(VmdsConnection *conn, gpointer user_data)
{
	VmdsBackchannel *self = VMDS_BACKCHANNEL(user_data);
	VmdsVm *vm = vmds_connection_get_vm(conn);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(self->vm_conns, vm));

	if (n > 1)
		g_hash_table_insert(self->vm_conns, vm, GUINT_TO_POINTER(n - 1));
	else
		g_hash_table_remove(self->vm_conns, vm);
	g_hash_table_remove(self->conns, conn);
	g_hash_table_remove(self->waits, conn);
	g_ptr_array_remove(self->pending, conn);
	g_ptr_array_add(self->closed, conn);
	if (self->accept_paused)
		vmds_backchannel_set_accepting(self, TRUE);
}

/* the group of @vm's socket: its own, else the configured one, else none */
static gid_t
vmds_backchannel_get_group(VmdsBackchannel *self, VmdsVm *vm)
{
	return vm->socket_gid != (gid_t)-1 ? vm->socket_gid : self->gid;
}

/*
 * On @vm's socket: root, the daemon's own user, the VM's socket owner, or a
 * member (primary or supplementary) of the VM's socket group, or of the
 * configured group when the VM has no group of its own
 */
static gboolean
vmds_backchannel_is_privileged(VmdsBackchannel *self, VmdsVm *vm, gint fd, uid_t uid, gid_t gid)
{
	if (uid == 0 || uid == geteuid())
		return TRUE;
	if (vm->socket_uid != (uid_t)-1 && uid == vm->socket_uid)
		return TRUE;
	return vmds_peer_in_group(fd, gid, vmds_backchannel_get_group(self, vm));
}

/* how many connections one VM may hold: its share of the cap, so that one
 * guest cannot take every slot from the others */
static guint
vmds_backchannel_vm_share(VmdsBackchannel *self)
{
	guint vms = MAX(g_hash_table_size(self->listeners), 1);

	if (self->max_connections_per_vm != 0)
		return self->max_connections_per_vm;
	/* at least a few, but never more than half the cap (with two VMs or
	 * more): however many VMs, none can take every slot */
	return MAX(self->max_connections / vms,
		   MIN(VMDS_BACKCHANNEL_MIN_SHARE, MAX(self->max_connections / 2, 1)));
}

static void
vmds_backchannel_serve(VmdsBackchannel *self, gint fd, VmdsVm *vm, guint32 uid, gboolean privileged)
{
	g_autoptr(GError) error = NULL;
	guint held = GPOINTER_TO_UINT(g_hash_table_lookup(self->vm_conns, vm));
	guint share = vmds_backchannel_vm_share(self);
	VmdsConnection *conn;

	if (held >= share) {
		g_warning("refused a connection to %s: it holds %u connections, its share of %u",
			  vm->id,
			  held,
			  share);
		close(fd);
		return;
	}
	conn = vmds_connection_new(fd,
				   self->poller,
				   vm,
				   uid,
				   privileged,
				   &self->limits,
				   vmds_backchannel_request_cb,
				   vmds_backchannel_closed_cb,
				   self);

	if (!vmds_connection_start(conn, &error)) {
		g_warning("refused a connection to %s: %s", vm->id, error->message);
		vmds_connection_free(conn);
		return;
	}
	g_hash_table_add(self->conns, conn);
	g_hash_table_insert(self->vm_conns, vm, GUINT_TO_POINTER(held + 1));
}

/* a guest on a VM's unix socket: the socket names the VM, SO_PEERCRED the caller */
static void
vmds_backchannel_incoming(VmdsBackchannel *self, VmdsVm *vm, gint fd)
{
	struct ucred cred = {0};
	socklen_t len = sizeof(cred);
	gboolean privileged;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		g_warning("refused a connection to %s: no peer credentials: %s",
			  vm->id,
			  g_strerror(errno));
		close(fd);
		return;
	}
	privileged = vmds_backchannel_is_privileged(self, vm, fd, cred.uid, cred.gid);
	g_debug("%s: connection from uid %u (%s)",
		vm->id,
		cred.uid,
		privileged ? "privileged" : "unprivileged");
	vmds_backchannel_serve(self, fd, vm, cred.uid, privileged);
}

/*
 * A guest over vsock: its CID names the VM (an unknown CID is refused), and
 * [vmware] a source port below 1024 proves root in the guest; any other
 * peer is an ordinary user.
 */
static void
vmds_backchannel_vsock_incoming(VmdsBackchannel *self, gint fd)
{
	struct sockaddr_vm peer = {0};
	socklen_t len = sizeof(peer);
	VmdsVm *vm;

	if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0 || peer.svm_family != AF_VSOCK) {
		g_warning("refused a vsock connection: no peer address: %s", g_strerror(errno));
		close(fd);
		return;
	}
	vm = self->lookup_cid(peer.svm_cid, self->lookup_data);
	if (vm == NULL) {
		g_warning("refused a vsock connection from cid %u: no VM has that cid",
			  peer.svm_cid);
		close(fd);
		return;
	}
	g_debug("%s: vsock connection from cid %u port %u", vm->id, peer.svm_cid, peer.svm_port);
	vmds_backchannel_serve(self, fd, vm, G_MAXUINT32, peer.svm_port < 1024);
}

/* takes what the listen queue holds, a bounded number a turn */
static void
vmds_backchannel_accept_cb(guint32 events, gpointer user_data)
{
	VmdsBackchannelListener *listener = user_data;
	VmdsBackchannel *self = listener->backchannel;

	for (guint i = 0; i < 64; i++) {
		gint fd = accept4(listener->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0 &&
		    (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
			/* level-triggered: the queue would wake the loop at once */
			g_warning("cannot accept guest connections for now: %s", g_strerror(errno));
			vmds_backchannel_set_accepting(self, FALSE);
			vmds_poller_wake_at(self->poller,
					    vmds_poller_get_time(self->poller) + G_USEC_PER_SEC);
			return;
		}
		if (fd < 0) {
			if (errno != EAGAIN)
				g_warning("cannot accept a guest connection: %s",
					  g_strerror(errno));
			return;
		}
		if (g_hash_table_size(self->conns) >= self->max_connections) {
			if (listener->vm != NULL)
				g_warning("refused a connection to %s: %u connections is the limit",
					  listener->vm->id,
					  self->max_connections);
			else
				g_warning("refused a vsock connection: %u connections is the limit",
					  self->max_connections);
			close(fd);
		} else if (listener->vm != NULL) {
			vmds_backchannel_incoming(self, listener->vm, fd);
		} else {
			vmds_backchannel_vsock_incoming(self, fd);
		}
	}
}

static void
vmds_backchannel_listener_free(VmdsBackchannelListener *listener)
{
	vmds_poller_remove(listener->backchannel->poller, &listener->watch);
	close(listener->fd);
	if (listener->path != NULL)
		g_unlink(listener->path);
	if (listener->vm != NULL)
		vmds_vm_unref(listener->vm);
	g_free(listener->path);
	g_free(listener);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsBackchannelListener, vmds_backchannel_listener_free)

static gboolean G_GNUC_PRINTF(3, 4)
    vmds_backchannel_set_error(GError **error, gint errsv, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *message = NULL;

	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(
	    error, G_IO_ERROR, g_io_error_from_errno(errsv), "%s: %s", message, g_strerror(errsv));
	return FALSE;
}

/* watches a listening socket; takes @fd */
static VmdsBackchannelListener *
vmds_backchannel_listener_new(
    VmdsBackchannel *self, gint fd, VmdsVm *vm, const gchar *path, GError **error)
{
	g_autoptr(VmdsBackchannelListener) listener = g_new0(VmdsBackchannelListener, 1);

	listener->backchannel = self;
	listener->fd = fd;
	listener->vm = vm != NULL ? vmds_vm_ref(vm) : NULL;
	listener->path = g_strdup(path);
	listener->watch.fd = -1;
	if (self->poller == NULL) {
		self->poller = vmds_poller_new(vmds_backchannel_done_cb, self, error);
		if (self->poller == NULL)
			return NULL;
	}
	if (!vmds_poller_add(self->poller,
			     &listener->watch,
			     fd,
			     self->accept_paused ? 0 : EPOLLIN,
			     vmds_backchannel_accept_cb,
			     listener,
			     error))
		return NULL;
	return g_steal_pointer(&listener);
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
	gint fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 128) < 0) {
		gint errsv = errno;
		if (fd >= 0)
			close(fd);
		return vmds_backchannel_set_error(
		    error, errsv, "cannot listen on vsock port %u", port);
	}
	g_clear_pointer(&self->vsock, vmds_backchannel_listener_free);
	self->vsock = vmds_backchannel_listener_new(self, fd, NULL, NULL, error);
	return self->vsock != NULL;
}

/*
 * a unix socket at @path, listening, with the configured mode, owned by @vm's
 * socket owner and group (else the configured group); set without following
 * a link, so a symlink put in its place changes nothing
 */
static gint
vmds_backchannel_listen(VmdsBackchannel *self, VmdsVm *vm, const gchar *path, GError **error)
{
	/* a socket left by a daemon that was killed; the run dir lock proves it gone */
	if (g_unlink(path) < 0 && errno != ENOENT) {
		vmds_backchannel_set_error(error, errno, "cannot remove stale socket %s", path);
		return -1;
	}
	return vmds_safe_path_listen_socket(
	    path, self->socket_mode, vm->socket_uid, vmds_backchannel_get_group(self, vm), error);
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
	VmdsBackchannelListener *listener;
	gint fd = vmds_backchannel_listen(self, vm, path, error);

	if (fd < 0)
		return FALSE;
	listener = vmds_backchannel_listener_new(self, fd, vm, path, error);
	if (listener == NULL)
		return FALSE;
	g_hash_table_replace(self->listeners, vm, listener);
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
	g_hash_table_remove(self->listeners, vm);
}

/* the daemon stops: every deferred reply is answered unavailable */
static void
vmds_backchannel_end_waits(VmdsBackchannel *self)
{
	g_autoptr(GError) error =
	    g_error_new_literal(VMDS_ERROR, VMDS_ERROR_UNAVAILABLE, "the daemon is stopping");
	g_autoptr(GPtrArray) waits = g_ptr_array_new();
	GHashTableIter iter;
	gpointer wait_ptr;

	g_hash_table_iter_init(&iter, self->waits);
	while (g_hash_table_iter_next(&iter, NULL, &wait_ptr))
		g_ptr_array_add(waits, wait_ptr);
	for (guint i = 0; i < waits->len; i++) {
		VmdsBackchannelWait *wait = g_ptr_array_index(waits, i);
		VmdsDeferred *deferred = vmds_deferred_ref(wait->later.deferred);
		/* answered as by a deadline: through the deferred, once */
		vmds_deferred_cancel(deferred);
		vmds_backchannel_wait_done_cb(deferred, error, wait);
		vmds_deferred_unref(deferred);
	}
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
	gpointer conn;
	g_autoptr(GPtrArray) conns = g_ptr_array_new();

	g_hash_table_remove_all(self->listeners);
	g_clear_pointer(&self->vsock, vmds_backchannel_listener_free);
	/* requests read but not answered yet are answered now; those waiting
	 * for a deferred reply are told why there is none */
	vmds_backchannel_answer_pending(self);
	vmds_backchannel_end_waits(self);
	g_hash_table_iter_init(&iter, self->conns);
	while (g_hash_table_iter_next(&iter, &conn, NULL))
		g_ptr_array_add(conns, conn);
	for (guint i = 0; i < conns->len; i++)
		vmds_connection_shutdown(g_ptr_array_index(conns, i));
	/* replies on their way are sent, then their connections close too */
	while (g_hash_table_size(self->conns) > 0)
		g_main_context_iteration(NULL, TRUE);
	g_ptr_array_set_size(self->closed, 0);
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
	self->max_connections_per_vm = config->max_connections_per_vm;
	self->limits.request_timeout = config->request_timeout;
	self->limits.idle_timeout = config->idle_timeout;
	self->limits.max_request = config->max_request;
}

/**
 * vmds_backchannel_new:
 * @dispatch: the commands that answer requests; it outlives the backchannel
 * @lookup_cid: finds the VM of a vsock peer
 * @user_data: for @lookup_cid
 *
 * Returns: (transfer full): a backchannel serving no VM yet
 */
VmdsBackchannel *
vmds_backchannel_new(VmdsDispatch *dispatch, VmdsBackchannelLookup lookup_cid, gpointer user_data)
{
	VmdsBackchannel *self = g_object_new(VMDS_TYPE_BACKCHANNEL, NULL);
	self->dispatch = dispatch;
	self->lookup_cid = lookup_cid;
	self->lookup_data = user_data;
	return self;
}

static void
vmds_backchannel_init(VmdsBackchannel *self)
{
	self->listeners =
	    g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)vmds_backchannel_listener_free);
	self->conns = g_hash_table_new(NULL, NULL);
	self->vm_conns = g_hash_table_new(NULL, NULL);
	self->pending = g_ptr_array_new();
	self->group = g_array_new(FALSE, FALSE, sizeof(VmdsBackchannelRequest));
	self->closed = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_connection_free);
	self->waits =
	    g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)vmds_backchannel_wait_free);
	self->gid = (gid_t)-1;
	self->socket_mode = VMDS_CONFIG_DEFAULT_SOCKET_MODE;
	self->max_connections = VMDS_CONFIG_DEFAULT_MAX_CONNECTIONS;
	self->limits.request_timeout = VMDS_CONFIG_DEFAULT_REQUEST_TIMEOUT;
	self->limits.idle_timeout = VMDS_CONFIG_DEFAULT_IDLE_TIMEOUT;
	self->limits.max_request = VMDS_PACKET_MAX_REQUEST;
}

static void
vmds_backchannel_finalize(GObject *obj)
{
	VmdsBackchannel *self = VMDS_BACKCHANNEL(obj);

	vmds_backchannel_shutdown(self);
	g_hash_table_unref(self->listeners);
	g_hash_table_unref(self->conns);
	g_hash_table_unref(self->vm_conns);
	g_ptr_array_unref(self->pending);
	g_array_unref(self->group);
	g_ptr_array_unref(self->closed);
	g_hash_table_unref(self->waits);
	vmds_poller_free(self->poller);
	G_OBJECT_CLASS(vmds_backchannel_parent_class)->finalize(obj);
}

static void
vmds_backchannel_class_init(VmdsBackchannelClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = vmds_backchannel_finalize;
}

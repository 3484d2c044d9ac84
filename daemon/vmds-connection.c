/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmds-connection.h"

/*
 * One guest connection: reads one packet at a time straight from the
 * non-blocking socket (no per-request allocations beyond the body), hands a
 * whole request to its owner, sends the reply, and goes on or closes.
 *
 * The announced length is checked before anything is allocated, the rest of
 * a refused packet is never read, a request must arrive whole within the
 * request timeout, and an idle connection is closed after the idle timeout.
 */

typedef enum {
	VMDS_CONNECTION_HEADER, /* reading the length */
	VMDS_CONNECTION_BODY,	/* reading the packet */
	VMDS_CONNECTION_BUSY,	/* a request is being answered */
	VMDS_CONNECTION_WRITING,
	VMDS_CONNECTION_CLOSED,
} VmdsConnectionState;

struct _VmdsConnection {
	GSocketConnection *connection; /* keeps the socket open */
	gint fd;
	GSource *source; /* watches fd for what the state needs */
	gpointer tag;
	guint timeout_id;
	VmdsConnectionState state;
	VmdsVm *vm;
	guint32 uid;
	gboolean privileged;
	const VmdsConnectionLimits *limits;
	VmdsConnectionRequestFunc request_func;
	VmdsConnectionClosedFunc closed_func;
	gpointer user_data;
	guint8 header[VMDS_PACKET_HEADER_SIZE];
	guint8 *body; /* one spare byte, for the payload's NUL */
	gsize body_len;
	gsize got;
	guint8 *payload; /* within body */
	gsize payload_len;
	gboolean fast_close;
	gboolean close_after_write;
	GByteArray *out;
	gsize sent;
};

static gboolean
vmds_connection_io_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	return callback(user_data);
}

static GSourceFuncs vmds_connection_source_funcs = {
    .dispatch = vmds_connection_io_dispatch,
};

/* the fd is watched only while the connection waits for it: a peer that
 * hangs up while its request is answered must not make the loop spin */
static void
vmds_connection_watch(VmdsConnection *self, GIOCondition events)
{
	if (events == 0) {
		if (self->tag != NULL)
			g_source_remove_unix_fd(self->source, self->tag);
		self->tag = NULL;
	} else if (self->tag == NULL) {
		self->tag = g_source_add_unix_fd(self->source, self->fd, events);
	} else {
		g_source_modify_unix_fd(self->source, self->tag, events);
	}
}

static gboolean
vmds_connection_timeout_cb(gpointer user_data)
{
	VmdsConnection *self = user_data;

	self->timeout_id = 0;
	g_debug("%s: closing a connection: timed out", self->vm->id);
	vmds_connection_close(self);
	return G_SOURCE_REMOVE;
}

static void
vmds_connection_set_timeout(VmdsConnection *self, guint seconds)
{
	if (self->timeout_id != 0)
		g_source_remove(self->timeout_id);
	self->timeout_id =
	    seconds > 0 ? g_timeout_add_seconds(seconds, vmds_connection_timeout_cb, self) : 0;
}

/**
 * vmds_connection_close:
 * @self: a #VmdsConnection
 *
 * Closes the socket; the owner's closed function is called, once.
 */
void
vmds_connection_close(VmdsConnection *self)
{
	if (self->state == VMDS_CONNECTION_CLOSED)
		return;
	self->state = VMDS_CONNECTION_CLOSED;
	vmds_connection_set_timeout(self, 0);
	g_source_destroy(self->source);
	g_io_stream_close(G_IO_STREAM(self->connection), NULL, NULL);
	self->closed_func(self, self->user_data);
}

/**
 * vmds_connection_shutdown:
 * @self: a #VmdsConnection
 *
 * Closes the connection, but a reply on its way is sent first (its change
 * is durable already).
 */
void
vmds_connection_shutdown(VmdsConnection *self)
{
	if (self->state == VMDS_CONNECTION_WRITING)
		self->close_after_write = TRUE;
	else
		vmds_connection_close(self);
}

static void
vmds_connection_read_next(VmdsConnection *self)
{
	self->state = VMDS_CONNECTION_HEADER;
	self->got = 0;
	vmds_connection_set_timeout(self, self->limits->idle_timeout);
	vmds_connection_watch(self, G_IO_IN);
}

/* sends what is left of the reply; TRUE when all of it went */
static gboolean
vmds_connection_send(VmdsConnection *self)
{
	while (self->sent < self->out->len) {
		gssize n = send(self->fd,
				self->out->data + self->sent,
				self->out->len - self->sent,
				MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			self->sent += (gsize)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			return FALSE;
		} else {
			g_debug("%s: cannot reply: %s", self->vm->id, g_strerror(errno));
			vmds_connection_close(self);
			return FALSE;
		}
	}
	return TRUE;
}

static void
vmds_connection_sent(VmdsConnection *self)
{
	if (self->close_after_write)
		vmds_connection_close(self);
	else
		vmds_connection_read_next(self);
}

static void
vmds_connection_write(
    VmdsConnection *self, gboolean ok, const gchar *text, gsize len, gboolean close)
{
	g_autoptr(GString) payload = g_string_sized_new(len + 2);

	g_string_append(payload, ok ? "1 " : "0 ");
	g_string_append_len(payload, text, (gssize)len);
	g_byte_array_set_size(self->out, 0);
	vmds_packet_encode(
	    self->out, VMDS_PACKET_TYPE_DATA, (const guint8 *)payload->str, payload->len, FALSE);
	self->sent = 0;
	self->close_after_write = close;
	self->state = VMDS_CONNECTION_WRITING;
	if (vmds_connection_send(self)) {
		vmds_connection_sent(self);
	} else if (self->state == VMDS_CONNECTION_WRITING) {
		/* the peer reads slowly: finish when it can take more */
		vmds_connection_set_timeout(self, self->limits->request_timeout);
		vmds_connection_watch(self, G_IO_OUT);
	}
}

static void
vmds_connection_fail(VmdsConnection *self, const gchar *text)
{
	vmds_connection_write(self, FALSE, text, strlen(text), TRUE);
}

/* the whole packet is in body */
static void
vmds_connection_handle(VmdsConnection *self)
{
	VmdsPacket packet;
	g_autoptr(GError) error = NULL;

	vmds_connection_watch(self, 0);
	if (!vmds_packet_decode(self->body, self->body_len, &packet, &error)) {
		g_info("%s: %s", self->vm->id, error->message);
		vmds_connection_fail(self, "Malformed request");
		return;
	}
	if (packet.type == VMDS_PACKET_TYPE_PING) {
		vmds_connection_read_next(self);
		return;
	}
	/* one trailing NUL is tolerated: some senders include it */
	if (packet.payload_len > 0 && packet.payload[packet.payload_len - 1] == '\0')
		packet.payload_len--;
	if (packet.payload_len > self->limits->max_request) {
		g_info("%s: refused a request of %" G_GSIZE_FORMAT " bytes",
		       self->vm->id,
		       packet.payload_len);
		vmds_connection_fail(self, "Message too large");
		return;
	}
	/* the packet is decoded: its bytes after the payload may be overwritten,
	 * and the body has one spare byte, so the payload can be NUL-terminated;
	 * a DATA packet without PAYLOAD is the empty command */
	self->payload =
	    packet.payload != NULL ? self->body + (packet.payload - self->body) : self->body;
	self->payload[packet.payload_len] = '\0';
	self->payload_len = packet.payload_len;
	self->fast_close = packet.fast_close;
	self->state = VMDS_CONNECTION_BUSY;
	vmds_connection_set_timeout(self, 0);
	self->request_func(self, self->user_data);
}

/* what was read so far: header, then body */
static gboolean
vmds_connection_received(VmdsConnection *self)
{
	guint32 len;

	if (self->state == VMDS_CONNECTION_BODY) {
		if (self->got < self->body_len)
			return TRUE;
		vmds_connection_handle(self);
		return FALSE;
	}
	if (self->got < sizeof(self->header))
		return TRUE;
	len = vmds_packet_read_length(self->header);
	/* bounded before anything is allocated: the rest is never read */
	if (len > self->limits->max_request + VMDS_PACKET_OVERHEAD) {
		g_info("%s: refused a packet announcing %u bytes", self->vm->id, len);
		vmds_connection_watch(self, 0);
		vmds_connection_fail(self, "Message too large");
		return FALSE;
	}
	g_free(self->body);
	self->body = g_malloc(len + 1);
	self->body_len = len;
	self->got = 0;
	self->state = VMDS_CONNECTION_BODY;
	return vmds_connection_received(self);
}

static gboolean
vmds_connection_read(VmdsConnection *self)
{
	for (;;) {
		guint8 *buf = self->state == VMDS_CONNECTION_HEADER ? self->header : self->body;
		gsize want = (self->state == VMDS_CONNECTION_HEADER ? sizeof(self->header)
								    : self->body_len) -
			     self->got;
		gssize n = want > 0 ? recv(self->fd, buf + self->got, want, MSG_DONTWAIT) : 0;
		if (want > 0 && n == 0) {
			vmds_connection_close(self);
			return FALSE;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return TRUE;
			g_debug("%s: cannot read: %s", self->vm->id, g_strerror(errno));
			vmds_connection_close(self);
			return FALSE;
		}
		/* a request must arrive whole within the request timeout of its
		 * first byte: a peer dribbling the length prefix gets no longer */
		if (self->state == VMDS_CONNECTION_HEADER && self->got == 0 && n > 0)
			vmds_connection_set_timeout(self, self->limits->request_timeout);
		self->got += (gsize)n;
		if (!vmds_connection_received(self))
			return FALSE;
	}
}

static gboolean
vmds_connection_io_cb(gpointer user_data)
{
	VmdsConnection *self = user_data;
	GIOCondition revents =
	    self->tag != NULL ? g_source_query_unix_fd(self->source, self->tag) : 0;

	if (self->state == VMDS_CONNECTION_WRITING &&
	    (revents & (G_IO_OUT | G_IO_ERR | G_IO_HUP))) {
		if (vmds_connection_send(self))
			vmds_connection_sent(self);
	} else if ((self->state == VMDS_CONNECTION_HEADER || self->state == VMDS_CONNECTION_BODY) &&
		   (revents & (G_IO_IN | G_IO_ERR | G_IO_HUP))) {
		vmds_connection_read(self);
	}
	return G_SOURCE_CONTINUE;
}

/**
 * vmds_connection_reply:
 * @self: a #VmdsConnection with a request being answered
 * @ok: `1 ` or `0 `
 * @text: the reply text
 * @len: its length
 *
 * Sends the reply; then waits for the next request, or closes when the
 * request asked for FAST_CLOSE.
 */
void
vmds_connection_reply(VmdsConnection *self, gboolean ok, const gchar *text, gsize len)
{
	g_return_if_fail(self->state == VMDS_CONNECTION_BUSY);
	vmds_connection_write(self, ok, text, len, self->fast_close);
}

/**
 * vmds_connection_start:
 * @self: a #VmdsConnection
 *
 * Starts reading requests.
 */
void
vmds_connection_start(VmdsConnection *self)
{
	vmds_connection_read_next(self);
}

VmdsVm *
vmds_connection_get_vm(VmdsConnection *self)
{
	return self->vm;
}

guint32
vmds_connection_get_uid(VmdsConnection *self)
{
	return self->uid;
}

gboolean
vmds_connection_get_privileged(VmdsConnection *self)
{
	return self->privileged;
}

/**
 * vmds_connection_get_payload:
 * @self: a #VmdsConnection with a request being answered
 * @len: (out): the payload's length
 *
 * Returns: (transfer none): the request payload, NUL-terminated
 */
guint8 *
vmds_connection_get_payload(VmdsConnection *self, gsize *len)
{
	*len = self->payload_len;
	return self->payload;
}

/**
 * vmds_connection_new:
 * @connection: an accepted connection
 * @vm: the VM the peer is
 * @uid: the peer's user id
 * @privileged: whether the peer may use privileged commands
 * @limits: timeouts and sizes; must outlive the connection
 * @request_func: called with each whole request
 * @closed_func: called once the connection closed
 * @user_data: for the functions
 *
 * Returns: (transfer full): the connection; call vmds_connection_start()
 */
VmdsConnection *
vmds_connection_new(GSocketConnection *connection,
		    VmdsVm *vm,
		    guint32 uid,
		    gboolean privileged,
		    const VmdsConnectionLimits *limits,
		    VmdsConnectionRequestFunc request_func,
		    VmdsConnectionClosedFunc closed_func,
		    gpointer user_data)
{
	VmdsConnection *self = g_new0(VmdsConnection, 1);
	GSocket *socket = g_socket_connection_get_socket(connection);

	self->connection = g_object_ref(connection);
	self->fd = g_socket_get_fd(socket);
	self->vm = vmds_vm_ref(vm);
	self->uid = uid;
	self->privileged = privileged;
	self->limits = limits;
	self->request_func = request_func;
	self->closed_func = closed_func;
	self->user_data = user_data;
	self->out = g_byte_array_new();
	self->source = g_source_new(&vmds_connection_source_funcs, sizeof(GSource));
	g_source_set_callback(self->source, vmds_connection_io_cb, self, NULL);
	g_source_attach(self->source, NULL);
	return self;
}

/**
 * vmds_connection_free:
 * @self: a closed #VmdsConnection
 */
void
vmds_connection_free(VmdsConnection *self)
{
	if (self == NULL)
		return;
	vmds_connection_set_timeout(self, 0);
	g_source_destroy(self->source);
	g_source_unref(self->source);
	g_object_unref(self->connection);
	vmds_vm_unref(self->vm);
	g_free(self->body);
	g_byte_array_unref(self->out);
	g_free(self);
}

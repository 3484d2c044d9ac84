/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmds-connection.h"

/*
 * One guest connection: reads a whole request packet from the non-blocking
 * socket (usually with one recv: the length and the packet together), hands
 * it to its owner, sends the reply, and goes on or closes.
 *
 * The announced length is checked before anything is allocated for the
 * packet, a request must arrive whole within the request timeout of its first
 * byte, and an idle connection is closed after the idle timeout. Timeouts are
 * deadlines the owner checks (vmds_connection_check_deadline()), not a timer
 * per connection.
 *
 * A request announced over the limit is refused, but only once the peer sent
 * all of it (or shut down its sending side): its bytes are read and thrown
 * away meanwhile, into a buffer on the stack. A client still blocked in
 * send() would otherwise get EPIPE instead of the reply (open-vm-tools'
 * vmtoolsd dies of SIGPIPE then). The request timeout still bounds it: a
 * peer that stops sending is closed without a reply, as any request cut
 * short.
 */

/* what a connection holds between requests; a larger request gets a buffer
 * of its own size, given back once it is answered */
#define VMDS_CONNECTION_BUFFER_SIZE 2048
/* the reply buffer a connection keeps between requests; one that grew past
 * this for a large reply is given back once the reply is sent */
#define VMDS_CONNECTION_REPLY_SIZE 4096
/* what a refused request's bytes are read into and dropped, and how many of
 * them one turn of the loop reads from one connection */
#define VMDS_CONNECTION_DRAIN_CHUNK 16384
#define VMDS_CONNECTION_DRAIN_TURN  (16 * VMDS_CONNECTION_DRAIN_CHUNK)

typedef enum {
	VMDS_CONNECTION_READING,  /* waiting for (the rest of) a request */
	VMDS_CONNECTION_DRAINING, /* reading a refused request to its end */
	VMDS_CONNECTION_BUSY,	  /* a request is being answered */
	VMDS_CONNECTION_WRITING,  /* the reply did not fit the socket at once */
	VMDS_CONNECTION_CLOSED,
} VmdsConnectionState;

struct _VmdsConnection {
	gint fd;
	VmdsPoller *poller;
	VmdsPollerWatch watch;
	gint64 deadline; /* monotonic µs; 0 for none */
	VmdsConnectionState state;
	VmdsVm *vm;
	guint32 uid;
	gboolean privileged;
	const VmdsConnectionLimits *limits;
	VmdsConnectionRequestFunc request_func;
	VmdsConnectionClosedFunc closed_func;
	gpointer user_data;
	/* what was read: in[0, in_len); room for in_size, plus one byte */
	guint8 *in;
	gsize in_size;
	gsize in_len;
	gsize packet_len;   /* length prefix and packet of the request being answered */
	guint64 drain_left; /* bytes of a refused request still to read */
	guint8 saved_byte;  /* in[packet_len], where the payload's NUL went */
	guint8 *payload;    /* within in */
	gsize payload_len;
	gboolean fast_close;
	gboolean close_after_write;
	GString *reply; /* the reply text, as the owner writes it; then the packet */
	gsize sent;
};

static void
vmds_connection_set_deadline(VmdsConnection *self, guint seconds)
{
	if (seconds == 0) {
		self->deadline = 0;
		return;
	}
	self->deadline = vmds_poller_get_time(self->poller) + (gint64)seconds * G_USEC_PER_SEC;
	vmds_poller_wake_at(self->poller, self->deadline);
}

/**
 * vmds_connection_check_deadline:
 * @self: a #VmdsConnection
 * @now: the monotonic time
 *
 * Closes the connection if its request or idle timeout has passed.
 *
 * Returns: its next deadline (0 for none, or when it closed)
 */
gint64
vmds_connection_check_deadline(VmdsConnection *self, gint64 now)
{
	if (self->deadline != 0 && now >= self->deadline) {
		g_debug("%s: closing a connection: timed out", self->vm->id);
		vmds_connection_close(self);
	}
	return self->deadline;
}

/**
 * vmds_connection_close:
 * @self: a #VmdsConnection
 *
 * Closes the socket; the owner's closed function is called, once. The
 * connection is freed by its owner, after the call that closed it returns.
 */
void
vmds_connection_close(VmdsConnection *self)
{
	if (self->state == VMDS_CONNECTION_CLOSED)
		return;
	self->state = VMDS_CONNECTION_CLOSED;
	self->deadline = 0;
	vmds_poller_remove(self->poller, &self->watch);
	close(self->fd);
	self->fd = -1;
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

static void vmds_connection_parse(VmdsConnection *self);

/* the request was answered: what was read after it is the next one's */
static void
vmds_connection_read_next(VmdsConnection *self)
{
	self->state = VMDS_CONNECTION_READING;
	if (self->packet_len < self->in_len) {
		self->in[self->packet_len] = self->saved_byte;
		memmove(self->in, self->in + self->packet_len, self->in_len - self->packet_len);
	}
	self->in_len -= self->packet_len;
	self->packet_len = 0;
	if (self->in_size > VMDS_CONNECTION_BUFFER_SIZE &&
	    self->in_len <= VMDS_CONNECTION_BUFFER_SIZE) {
		self->in = g_realloc(self->in, VMDS_CONNECTION_BUFFER_SIZE + 1);
		self->in_size = VMDS_CONNECTION_BUFFER_SIZE;
	}
	/* an idle connection holds no more than a small reply's buffer */
	if (self->reply->allocated_len > VMDS_CONNECTION_REPLY_SIZE) {
		g_string_free(self->reply, TRUE);
		self->reply = g_string_sized_new(VMDS_CONNECTION_REPLY_SIZE / 2);
	}
	vmds_poller_modify(self->poller, &self->watch, EPOLLIN);
	if (self->in_len == 0) {
		vmds_connection_set_deadline(self, self->limits->idle_timeout);
		return;
	}
	/* a request sent before this one's reply came */
	vmds_connection_set_deadline(self, self->limits->request_timeout);
	vmds_connection_parse(self);
}

/* sends what is left of the reply; TRUE when all of it went */
static gboolean
vmds_connection_send(VmdsConnection *self)
{
	while (self->sent < self->reply->len) {
		gssize n = send(self->fd,
				self->reply->str + self->sent,
				self->reply->len - self->sent,
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
vmds_connection_write(VmdsConnection *self, gboolean ok, gboolean close)
{
	/* the packet is made in the reply's own buffer: the header and the
	 * status go in front of the text, which is not copied */
	guint8 head[VMDS_PACKET_DATA_HEADER_SIZE + 2];

	vmds_packet_write_data_header(head, self->reply->len + 2);
	memcpy(head + VMDS_PACKET_DATA_HEADER_SIZE, ok ? "1 " : "0 ", 2);
	g_string_prepend_len(self->reply, (const gchar *)head, sizeof(head));
	self->sent = 0;
	self->close_after_write = close;
	self->state = VMDS_CONNECTION_WRITING;
	if (vmds_connection_send(self)) {
		vmds_connection_sent(self);
	} else if (self->state == VMDS_CONNECTION_WRITING) {
		/* the peer reads slowly: finish when it can take more */
		vmds_connection_set_deadline(self, self->limits->request_timeout);
		vmds_poller_modify(self->poller, &self->watch, EPOLLOUT);
	}
}

static void
vmds_connection_fail(VmdsConnection *self, const gchar *text)
{
	g_string_assign(self->reply, text);
	vmds_connection_write(self, FALSE, TRUE);
}

/* the whole packet is in[VMDS_PACKET_HEADER_SIZE, packet_len) */
static void
vmds_connection_handle(VmdsConnection *self)
{
	guint8 *body = self->in + VMDS_PACKET_HEADER_SIZE;
	VmdsPacket packet;
	g_autoptr(GError) error = NULL;

	self->state = VMDS_CONNECTION_BUSY;
	self->deadline = 0;
	self->saved_byte = self->in[self->packet_len];
	if (!vmds_packet_decode(
		body, self->packet_len - VMDS_PACKET_HEADER_SIZE, &packet, &error)) {
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
	 * and so may the byte after it (saved), so the payload can be
	 * NUL-terminated; a DATA packet without PAYLOAD is the empty command */
	self->payload = packet.payload != NULL ? body + (packet.payload - body) : body;
	self->payload[packet.payload_len] = '\0';
	self->payload_len = packet.payload_len;
	self->fast_close = packet.fast_close;
	self->request_func(self, self->user_data);
}

/* a whole request read: handle it; else make room for the rest */
static void
vmds_connection_parse(VmdsConnection *self)
{
	guint32 len;

	if (self->in_len < VMDS_PACKET_HEADER_SIZE)
		return;
	len = vmds_packet_read_length(self->in);
	/* bounded before anything is allocated: the rest is read and dropped */
	if (len > self->limits->max_request + VMDS_PACKET_OVERHEAD) {
		g_info("%s: refused a packet announcing %u bytes", self->vm->id, len);
		/* all of in[] is the packet's: the announced length is larger */
		self->drain_left = VMDS_PACKET_HEADER_SIZE + (guint64)len - self->in_len;
		self->in_len = 0;
		self->state = VMDS_CONNECTION_DRAINING;
		return;
	}
	self->packet_len = VMDS_PACKET_HEADER_SIZE + (gsize)len;
	if (self->in_len >= self->packet_len) {
		vmds_connection_handle(self);
	} else if (self->in_size < self->packet_len) {
		self->in = g_realloc(self->in, self->packet_len + 1);
		self->in_size = self->packet_len;
	}
}

/* recv() without waiting: the bytes read, 0 at the peer's end, or -1 when
 * there is nothing now or the connection failed (it is closed then) */
static gssize
vmds_connection_recv(VmdsConnection *self, guint8 *buf, gsize len)
{
	for (;;) {
		gssize n = recv(self->fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			g_debug("%s: cannot read: %s", self->vm->id, g_strerror(errno));
			vmds_connection_close(self);
		}
		return -1;
	}
}

static void
vmds_connection_read(VmdsConnection *self)
{
	while (self->state == VMDS_CONNECTION_READING) {
		/* no more than the request announced, once its length is known */
		gsize room =
		    (self->packet_len > 0 ? self->packet_len : self->in_size) - self->in_len;
		gboolean first = self->in_len == 0;
		gssize n = vmds_connection_recv(self, self->in + self->in_len, room);

		if (n == 0)
			vmds_connection_close(self);
		if (n <= 0)
			return;
		self->in_len += (gsize)n;
		vmds_connection_parse(self);
		/* a request must arrive whole within the request timeout of its
		 * first byte: a peer dribbling the length prefix gets no longer,
		 * nor does one sending a refused request; what was read may have
		 * been whole packets (a PING) already answered, leaving the
		 * connection idle again */
		if (first && ((self->state == VMDS_CONNECTION_READING && self->in_len > 0) ||
			      self->state == VMDS_CONNECTION_DRAINING))
			vmds_connection_set_deadline(self, self->limits->request_timeout);
		/* a short read emptied the socket: wait for more */
		if ((gsize)n < room)
			return;
	}
}

/* reads and drops what is left of a refused request, a bounded amount a
 * turn; once it is all read, or the peer is done sending, the refusal */
static void
vmds_connection_drain(VmdsConnection *self)
{
	guint8 scratch[VMDS_CONNECTION_DRAIN_CHUNK];
	gsize turn = 0;

	while (self->drain_left > 0) {
		gssize n;
		/* the rest on a later turn: the loop serves others meanwhile */
		if (turn >= VMDS_CONNECTION_DRAIN_TURN)
			return;
		n = vmds_connection_recv(
		    self, scratch, (gsize)MIN(self->drain_left, sizeof(scratch)));
		if (n == 0)
			break;
		if (n < 0)
			return;
		self->drain_left -= (guint64)n;
		turn += (gsize)n;
	}
	g_debug("%s: refused request read to its %s",
		self->vm->id,
		self->drain_left > 0 ? "peer's end" : "end");
	self->state = VMDS_CONNECTION_BUSY;
	vmds_connection_fail(self, "Message too large");
}

static void
vmds_connection_ready_cb(guint32 events, gpointer user_data)
{
	VmdsConnection *self = user_data;

	if (self->state == VMDS_CONNECTION_WRITING &&
	    (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) {
		if (vmds_connection_send(self))
			vmds_connection_sent(self);
	} else if (self->state == VMDS_CONNECTION_READING &&
		   (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
		vmds_connection_read(self);
	} else if (self->state == VMDS_CONNECTION_BUSY && (events & (EPOLLERR | EPOLLHUP)) != 0) {
		/* the peer went while its reply was deferred */
		g_debug("%s: the peer went before its reply", self->vm->id);
		vmds_connection_close(self);
	} else if (self->state == VMDS_CONNECTION_DRAINING &&
		   (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
		vmds_connection_drain(self);
	}
}

/**
 * vmds_connection_wait:
 * @self: a #VmdsConnection with a request being answered
 *
 * The reply comes later (vmds_connection_reply()): until then nothing more
 * is read, but the peer going closes the connection.
 */
void
vmds_connection_wait(VmdsConnection *self)
{
	g_return_if_fail(self->state == VMDS_CONNECTION_BUSY);
	vmds_poller_modify(self->poller, &self->watch, 0);
}

/**
 * vmds_connection_get_reply:
 * @self: a #VmdsConnection with a request being answered
 *
 * Returns: (transfer none): where the owner writes the reply text
 */
GString *
vmds_connection_get_reply(VmdsConnection *self)
{
	return self->reply;
}

/**
 * vmds_connection_reply:
 * @self: a #VmdsConnection with a request being answered
 * @ok: `1 ` or `0 `
 *
 * Sends the reply text with its status; then waits for the next request,
 * or closes when the request asked for FAST_CLOSE.
 */
void
vmds_connection_reply(VmdsConnection *self, gboolean ok)
{
	g_return_if_fail(self->state == VMDS_CONNECTION_BUSY);
	vmds_connection_write(self, ok, self->fast_close);
}

/**
 * vmds_connection_start:
 * @self: a #VmdsConnection
 * @error: a #GError or %NULL
 *
 * Starts reading requests.
 */
gboolean
vmds_connection_start(VmdsConnection *self, GError **error)
{
	self->state = VMDS_CONNECTION_READING;
	if (!vmds_poller_add(self->poller,
			     &self->watch,
			     self->fd,
			     EPOLLIN,
			     vmds_connection_ready_cb,
			     self,
			     error))
		return FALSE;
	vmds_connection_set_deadline(self, self->limits->idle_timeout);
	return TRUE;
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
 * @fd: an accepted, non-blocking socket; the connection owns it
 * @poller: watches @fd
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
vmds_connection_new(gint fd,
		    VmdsPoller *poller,
		    VmdsVm *vm,
		    guint32 uid,
		    gboolean privileged,
		    const VmdsConnectionLimits *limits,
		    VmdsConnectionRequestFunc request_func,
		    VmdsConnectionClosedFunc closed_func,
		    gpointer user_data)
{
	VmdsConnection *self = g_new0(VmdsConnection, 1);

	self->fd = fd;
	self->poller = poller;
	self->watch.fd = -1;
	self->vm = vmds_vm_ref(vm);
	self->uid = uid;
	self->privileged = privileged;
	self->limits = limits;
	self->request_func = request_func;
	self->closed_func = closed_func;
	self->user_data = user_data;
	self->in = g_malloc(VMDS_CONNECTION_BUFFER_SIZE + 1);
	self->in_size = VMDS_CONNECTION_BUFFER_SIZE;
	self->reply = g_string_sized_new(256);
	return self;
}

/**
 * vmds_connection_free:
 * @self: a #VmdsConnection
 */
void
vmds_connection_free(VmdsConnection *self)
{
	if (self == NULL)
		return;
	vmds_poller_remove(self->poller, &self->watch);
	if (self->fd >= 0)
		close(self->fd);
	vmds_vm_unref(self->vm);
	g_free(self->in);
	g_string_free(self->reply, TRUE);
	g_free(self);
}

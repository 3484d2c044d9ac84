/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmds-channel.h"
#include "vmds-error.h"
#include "vmds-packet.h"

/*
 * The client side of the guest channel: plain blocking sockets with poll()
 * timeouts, so the thin vmtoolsd needs nothing but libc and GLib.
 */

static gboolean
vmds_channel_parse_u32(const gchar *text, guint32 *value)
{
	guint64 v = 0;
	if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32, &v, NULL))
		return FALSE;
	*value = (guint32)v;
	return TRUE;
}

/**
 * vmds_channel_address_parse:
 * @text: `unix:PATH` or `vsock:CID:PORT`
 * @error: a #GError or %NULL
 *
 * Returns: (transfer full): the address, or %NULL with
 * %VMDS_ERROR_INVALID_ARGUMENT saying what form is expected
 */
VmdsChannelAddress *
vmds_channel_address_parse(const gchar *text, GError **error)
{
	g_autoptr(VmdsChannelAddress) address = g_new0(VmdsChannelAddress, 1);

	g_return_val_if_fail(text != NULL, NULL);

	if (g_str_has_prefix(text, "unix:")) {
		const gchar *path = text + strlen("unix:");
		if (path[0] == '\0' ||
		    strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "invalid channel address '%s': the socket path must be 1 to "
				    "107 bytes",
				    text);
			return NULL;
		}
		address->kind = VMDS_CHANNEL_UNIX;
		address->path = g_strdup(path);
		return g_steal_pointer(&address);
	}
	if (g_str_has_prefix(text, "vsock:")) {
		g_auto(GStrv) parts = g_strsplit(text + strlen("vsock:"), ":", -1);
		if (g_strv_length(parts) == 2 && vmds_channel_parse_u32(parts[0], &address->cid) &&
		    vmds_channel_parse_u32(parts[1], &address->port)) {
			address->kind = VMDS_CHANNEL_VSOCK;
			return g_steal_pointer(&address);
		}
	}
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "invalid channel address '%s': expected unix:PATH or vsock:CID:PORT",
		    text);
	return NULL;
}

/**
 * vmds_channel_address_to_string:
 * @address: a #VmdsChannelAddress
 *
 * Returns: (transfer full): @address in the form it is parsed from
 */
gchar *
vmds_channel_address_to_string(const VmdsChannelAddress *address)
{
	if (address->kind == VMDS_CHANNEL_UNIX)
		return g_strdup_printf("unix:%s", address->path);
	return g_strdup_printf("vsock:%u:%u", address->cid, address->port);
}

/**
 * vmds_channel_address_free:
 * @address: (nullable): a #VmdsChannelAddress
 */
void
vmds_channel_address_free(VmdsChannelAddress *address)
{
	if (address == NULL)
		return;
	g_free(address->path);
	g_free(address);
}

static gboolean
vmds_channel_set_errno(GError **error, gint errsv, const gchar *what)
{
	g_set_error(
	    error, G_FILE_ERROR, g_file_error_from_errno(errsv), "%s: %s", what, g_strerror(errsv));
	return FALSE;
}

/* wait until @fd is ready for @events, within what is left of @deadline */
static gboolean
vmds_channel_wait(gint fd, gshort events, gint64 deadline, GError **error)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = events};
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		gint rc;
		if (left <= 0)
			return vmds_channel_set_errno(error, ETIMEDOUT, "no answer");
		rc = poll(&pfd, 1, (gint)MIN(left, G_MAXINT));
		if (rc > 0)
			return TRUE;
		if (rc < 0 && errno != EINTR)
			return vmds_channel_set_errno(error, errno, "poll failed");
	}
}

/**
 * vmds_channel_connect:
 * @address: where to connect
 * @timeout_ms: how long the connection may take
 * @error: a #GError or %NULL
 *
 * Returns: a connected socket, or -1 with a %G_FILE_ERROR (from errno) saying why
 */
gint
vmds_channel_connect(const VmdsChannelAddress *address, guint timeout_ms, GError **error)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct sockaddr_vm svm = {.svm_family = AF_VSOCK};
	const struct sockaddr *sa;
	socklen_t salen;
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	gint fd;
	gint errsv = 0;
	socklen_t errlen = sizeof(errsv);

	g_return_val_if_fail(address != NULL, -1);

	if (address->kind == VMDS_CHANNEL_UNIX) {
		g_strlcpy(sun.sun_path, address->path, sizeof(sun.sun_path));
		sa = (const struct sockaddr *)&sun;
		salen = sizeof(sun);
	} else {
		svm.svm_cid = address->cid;
		svm.svm_port = address->port;
		sa = (const struct sockaddr *)&svm;
		salen = sizeof(svm);
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		vmds_channel_set_errno(error, errno, "cannot create socket");
		return -1;
	}
	if (connect(fd, sa, salen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EAGAIN) {
		vmds_channel_set_errno(error, errno, "cannot connect");
		close(fd);
		return -1;
	}
	if (!vmds_channel_wait(fd, POLLOUT, deadline, error) ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &errsv, &errlen) < 0 || errsv != 0) {
		if (error != NULL && *error == NULL)
			vmds_channel_set_errno(error, errsv != 0 ? errsv : errno, "cannot connect");
		else if (error != NULL)
			g_prefix_error(error, "cannot connect: ");
		close(fd);
		return -1;
	}
	return fd;
}

/* sends all of @buf; a peer that stopped reading (EPIPE, ECONNRESET) sets
 * @peer_gone, for the reply it may have sent before it closed */
static gboolean
vmds_channel_write_all(
    gint fd, const guint8 *buf, gsize len, gint64 deadline, gboolean *peer_gone, GError **error)
{
	while (len > 0) {
		gssize n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (gsize)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (!vmds_channel_wait(fd, POLLOUT, deadline, error))
				return FALSE;
		} else {
			*peer_gone = n < 0 && (errno == EPIPE || errno == ECONNRESET);
			return vmds_channel_set_errno(error, errno, "cannot send request");
		}
	}
	return TRUE;
}

static gboolean
vmds_channel_read_all(gint fd, guint8 *buf, gsize len, gint64 deadline, GError **error)
{
	while (len > 0) {
		gssize n = recv(fd, buf, len, 0);
		if (n > 0) {
			buf += n;
			len -= (gsize)n;
		} else if (n == 0) {
			g_set_error_literal(error,
					    G_FILE_ERROR,
					    G_FILE_ERROR_PIPE,
					    "connection closed before the reply was complete");
			return FALSE;
		} else if (errno == EAGAIN || errno == EINTR) {
			if (!vmds_channel_wait(fd, POLLIN, deadline, error))
				return FALSE;
		} else {
			return vmds_channel_set_errno(error, errno, "cannot read reply");
		}
	}
	return TRUE;
}

/* the next DATA packet's payload; PING packets are skipped */
static GBytes *
vmds_channel_read_reply(gint fd, gint64 deadline, GError **error)
{
	for (;;) {
		guint8 header[VMDS_PACKET_HEADER_SIZE];
		guint32 len;
		g_autofree guint8 *body = NULL;
		VmdsPacket packet;
		if (!vmds_channel_read_all(fd, header, sizeof(header), deadline, error))
			return NULL;
		len = vmds_packet_read_length(header);
		if (len > VMDS_CHANNEL_MAX_REPLY + VMDS_PACKET_OVERHEAD) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_TOO_LARGE,
				    "reply of %u bytes is larger than %u bytes",
				    len,
				    (guint)VMDS_CHANNEL_MAX_REPLY);
			return NULL;
		}
		body = g_malloc(MAX(len, 1));
		if (!vmds_channel_read_all(fd, body, len, deadline, error))
			return NULL;
		if (!vmds_packet_decode(body, len, &packet, error)) {
			g_prefix_error(error, "invalid reply: ");
			return NULL;
		}
		if (packet.type == VMDS_PACKET_TYPE_DATA)
			return g_bytes_new(packet.payload, packet.payload_len);
	}
}

/**
 * vmds_channel_call:
 * @fd: a connected socket from vmds_channel_connect()
 * @request: the request payload: `name` or `name args`
 * @request_len: its length
 * @fast_close: whether to ask the server to close after replying
 * @timeout_ms: how long the round trip may take
 * @error: a #GError or %NULL
 *
 * Sends one DATA request and reads its reply; PING packets are skipped. A
 * server that refuses a request before reading all of it (one over its size
 * limit) may reply and close while the request is still being sent: the
 * send then fails with EPIPE or ECONNRESET, and the reply it left is read
 * and returned all the same.
 *
 * Returns: (transfer full): the reply payload (`1 ...` or `0 ...`), or %NULL
 */
GBytes *
vmds_channel_call(gint fd,
		  const guint8 *request,
		  gsize request_len,
		  gboolean fast_close,
		  guint timeout_ms,
		  GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	g_autoptr(GByteArray) out = g_byte_array_sized_new(request_len + 64);
	g_autoptr(GError) error_send = NULL;
	gboolean peer_gone = FALSE;
	GBytes *reply;

	vmds_packet_encode(out, VMDS_PACKET_TYPE_DATA, request, request_len, fast_close);
	if (vmds_channel_write_all(fd, out->data, out->len, deadline, &peer_gone, &error_send))
		return vmds_channel_read_reply(fd, deadline, error);
	if (!peer_gone) {
		g_propagate_error(error, g_steal_pointer(&error_send));
		return NULL;
	}
	/* the server closed while we were sending: a reply it sent first is
	 * still ours to read; without one, the send's failure says why */
	reply = vmds_channel_read_reply(fd, deadline, NULL);
	if (reply == NULL)
		g_propagate_error(error, g_steal_pointer(&error_send));
	return reply;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-http-target.h"

/*
 * The request-target as the client sent it. libsoup builds a message's URI
 * with g_uri_parse(), which decodes `%2E` (an unreserved character) and then
 * resolves `.` and `..` segments, and keeps nothing of the line as sent: so
 * `DELETE .../entries/%2E%2E` would reach the router as a DELETE of the data
 * set itself. Each connection's input therefore goes through a
 * VmdsHttpTargetInput, which passes every byte on unchanged and notes on the
 * way whether the path of the first request line (the only one a connection
 * carries) has a segment of one or two dots, each sent as it is or as `%2E`
 * in either case: vmds_http_target_stream_has_dot_segment() says so, and the
 * request is refused.
 *
 * Nothing is buffered. The line is split as soup_headers_parse_request()
 * splits it: the target is what follows the first run of spaces and tabs, up
 * to the next (empty lines before the request line, which it skips, only
 * make the method look longer here); the path ends at the target's `?` or
 * `#` (a query is no path: keys `.` and `..` go there). It sits above TLS,
 * which the listener does itself, so it sees the request as libsoup does.
 */

typedef enum {
	VMDS_HTTP_TARGET_METHOD, /* the method */
	VMDS_HTTP_TARGET_GAP,	 /* the blanks after it */
	VMDS_HTTP_TARGET_PATH,	 /* the target, up to its query */
	VMDS_HTTP_TARGET_DONE,	 /* the target's path has ended */
} VmdsHttpTargetState;

#define VMDS_TYPE_HTTP_TARGET_INPUT (vmds_http_target_input_get_type())
G_DECLARE_FINAL_TYPE(
    VmdsHttpTargetInput, vmds_http_target_input, VMDS, HTTP_TARGET_INPUT, GInputStream)

struct _VmdsHttpTargetInput {
	GInputStream parent_instance;
	GInputStream *base;
	VmdsHttpTargetState state;
	gboolean dot_segment; /* the path has one */
	/* the path segment going by */
	guint dots;	/* its dots so far, sent as they are or as %2E; at most 3 */
	gboolean other; /* it holds anything else */
	guint escape;	/* 1: after a `%`, 2: after `%2` */
};

static void vmds_http_target_input_pollable_init(GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(VmdsHttpTargetInput,
			      vmds_http_target_input,
			      G_TYPE_INPUT_STREAM,
			      G_IMPLEMENT_INTERFACE(G_TYPE_POLLABLE_INPUT_STREAM,
						    vmds_http_target_input_pollable_init))

static void
vmds_http_target_input_end_segment(VmdsHttpTargetInput *self)
{
	if (!self->other && self->escape == 0 && (self->dots == 1 || self->dots == 2))
		self->dot_segment = TRUE;
	self->dots = 0;
	self->other = FALSE;
	self->escape = 0;
}

/* a byte of the target, up to the end of its path */
static void
vmds_http_target_input_scan_path(VmdsHttpTargetInput *self, guchar c)
{
	if (c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t') {
		vmds_http_target_input_end_segment(self);
		if (c != '/')
			self->state = VMDS_HTTP_TARGET_DONE;
	} else if (self->escape == 1) {
		self->escape = c == '2' ? 2 : 0;
		self->other = self->other || c != '2';
	} else if (self->escape == 2) {
		self->escape = 0;
		if (c == 'e' || c == 'E')
			self->dots = MIN(self->dots + 1, 3);
		else
			self->other = TRUE;
	} else if (c == '%') {
		self->escape = 1;
	} else if (c == '.') {
		self->dots = MIN(self->dots + 1, 3);
	} else {
		self->other = TRUE;
	}
}

/* @len bytes read (or an error, below 0), on their way to libsoup */
static void
vmds_http_target_input_scan(VmdsHttpTargetInput *self, const guchar *buf, gssize len)
{
	for (gssize i = 0; i < len && self->state != VMDS_HTTP_TARGET_DONE; i++) {
		gboolean blank = buf[i] == ' ' || buf[i] == '\t';

		switch (self->state) {
		case VMDS_HTTP_TARGET_METHOD:
			if (blank)
				self->state = VMDS_HTTP_TARGET_GAP;
			break;
		case VMDS_HTTP_TARGET_GAP:
			if (blank)
				break;
			self->state = VMDS_HTTP_TARGET_PATH;
			vmds_http_target_input_scan_path(self, buf[i]);
			break;
		case VMDS_HTTP_TARGET_PATH:
			vmds_http_target_input_scan_path(self, buf[i]);
			break;
		case VMDS_HTTP_TARGET_DONE:
			break;
		}
	}
}

static gssize
vmds_http_target_input_read(
    GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
	VmdsHttpTargetInput *self = VMDS_HTTP_TARGET_INPUT(stream);
	gssize n = g_input_stream_read(self->base, buffer, count, cancellable, error);

	vmds_http_target_input_scan(self, buffer, n);
	return n;
}

static gboolean
vmds_http_target_input_close(GInputStream *stream, GCancellable *cancellable, GError **error)
{
	return g_input_stream_close(VMDS_HTTP_TARGET_INPUT(stream)->base, cancellable, error);
}

static gboolean
vmds_http_target_input_can_poll(GPollableInputStream *stream)
{
	GInputStream *base = VMDS_HTTP_TARGET_INPUT(stream)->base;

	return G_IS_POLLABLE_INPUT_STREAM(base) &&
	       g_pollable_input_stream_can_poll(G_POLLABLE_INPUT_STREAM(base));
}

static gboolean
vmds_http_target_input_is_readable(GPollableInputStream *stream)
{
	return g_pollable_input_stream_is_readable(
	    G_POLLABLE_INPUT_STREAM(VMDS_HTTP_TARGET_INPUT(stream)->base));
}

static GSource *
vmds_http_target_input_create_source(GPollableInputStream *stream, GCancellable *cancellable)
{
	g_autoptr(GSource) base = g_pollable_input_stream_create_source(
	    G_POLLABLE_INPUT_STREAM(VMDS_HTTP_TARGET_INPUT(stream)->base), NULL);

	return g_pollable_source_new_full(stream, base, cancellable);
}

static gssize
vmds_http_target_input_read_nonblocking(GPollableInputStream *stream,
					void *buffer,
					gsize count,
					GError **error)
{
	VmdsHttpTargetInput *self = VMDS_HTTP_TARGET_INPUT(stream);
	gssize n = g_pollable_input_stream_read_nonblocking(
	    G_POLLABLE_INPUT_STREAM(self->base), buffer, count, NULL, error);

	vmds_http_target_input_scan(self, buffer, n);
	return n;
}

static void
vmds_http_target_input_pollable_init(GPollableInputStreamInterface *iface)
{
	iface->can_poll = vmds_http_target_input_can_poll;
	iface->is_readable = vmds_http_target_input_is_readable;
	iface->create_source = vmds_http_target_input_create_source;
	iface->read_nonblocking = vmds_http_target_input_read_nonblocking;
}

static void
vmds_http_target_input_finalize(GObject *obj)
{
	g_object_unref(VMDS_HTTP_TARGET_INPUT(obj)->base);
	G_OBJECT_CLASS(vmds_http_target_input_parent_class)->finalize(obj);
}

static void
vmds_http_target_input_init(VmdsHttpTargetInput *self)
{
}

static void
vmds_http_target_input_class_init(VmdsHttpTargetInputClass *klass)
{
	GInputStreamClass *input_class = G_INPUT_STREAM_CLASS(klass);

	/* skip is GInputStream's own, which reads: every byte is looked at */
	input_class->read_fn = vmds_http_target_input_read;
	input_class->close_fn = vmds_http_target_input_close;
	G_OBJECT_CLASS(klass)->finalize = vmds_http_target_input_finalize;
}

/* TRUE when the target's path has a dot segment, or was not seen whole */
static gboolean
vmds_http_target_input_has_dot_segment(VmdsHttpTargetInput *self)
{
	return self->dot_segment || self->state != VMDS_HTTP_TARGET_DONE;
}

/* what libsoup reads and writes: a connection (or TLS over it) whose input
 * goes through a VmdsHttpTargetInput; closing it closes the connection */
#define VMDS_TYPE_HTTP_TARGET_STREAM (vmds_http_target_stream_get_type())
G_DECLARE_FINAL_TYPE(
    VmdsHttpTargetStream, vmds_http_target_stream, VMDS, HTTP_TARGET_STREAM, GIOStream)

struct _VmdsHttpTargetStream {
	GIOStream parent_instance;
	GIOStream *base;
	VmdsHttpTargetInput *input;
};

G_DEFINE_FINAL_TYPE(VmdsHttpTargetStream, vmds_http_target_stream, G_TYPE_IO_STREAM)

static GInputStream *
vmds_http_target_stream_get_input_stream(GIOStream *stream)
{
	return G_INPUT_STREAM(VMDS_HTTP_TARGET_STREAM(stream)->input);
}

static GOutputStream *
vmds_http_target_stream_get_output_stream(GIOStream *stream)
{
	return g_io_stream_get_output_stream(VMDS_HTTP_TARGET_STREAM(stream)->base);
}

static gboolean
vmds_http_target_stream_close(GIOStream *stream, GCancellable *cancellable, GError **error)
{
	return g_io_stream_close(VMDS_HTTP_TARGET_STREAM(stream)->base, cancellable, error);
}

/* the base goes last: GIOStream's dispose closes the stream */
static void
vmds_http_target_stream_finalize(GObject *obj)
{
	VmdsHttpTargetStream *self = VMDS_HTTP_TARGET_STREAM(obj);

	g_object_unref(self->input);
	g_object_unref(self->base);
	G_OBJECT_CLASS(vmds_http_target_stream_parent_class)->finalize(obj);
}

static void
vmds_http_target_stream_init(VmdsHttpTargetStream *self)
{
}

static void
vmds_http_target_stream_class_init(VmdsHttpTargetStreamClass *klass)
{
	GIOStreamClass *stream_class = G_IO_STREAM_CLASS(klass);

	stream_class->get_input_stream = vmds_http_target_stream_get_input_stream;
	stream_class->get_output_stream = vmds_http_target_stream_get_output_stream;
	stream_class->close_fn = vmds_http_target_stream_close;
	G_OBJECT_CLASS(klass)->finalize = vmds_http_target_stream_finalize;
}

/**
 * vmds_http_target_stream_new:
 * @base: a connection, or TLS over one
 *
 * Returns: (transfer full): @base, its input seen through a
 *   VmdsHttpTargetInput; closing it closes @base
 */
GIOStream *
vmds_http_target_stream_new(GIOStream *base)
{
	VmdsHttpTargetStream *self = g_object_new(VMDS_TYPE_HTTP_TARGET_STREAM, NULL);

	self->base = g_object_ref(base);
	self->input = g_object_new(VMDS_TYPE_HTTP_TARGET_INPUT, NULL);
	self->input->base = g_object_ref(g_io_stream_get_input_stream(base));
	return G_IO_STREAM(self);
}

/**
 * vmds_http_target_stream_has_dot_segment:
 * @stream: a stream from vmds_http_target_stream_new()
 *
 * Whether the path of the request-target that came through @stream has a
 * `.` or `..` segment, each dot as it is or as `%2E` (in either case).
 *
 * Returns: %TRUE when it has one, or when the target was not seen whole
 */
gboolean
vmds_http_target_stream_has_dot_segment(GIOStream *stream)
{
	return vmds_http_target_input_has_dot_segment(VMDS_HTTP_TARGET_STREAM(stream)->input);
}

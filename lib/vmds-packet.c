/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "vmds-error.h"
#include "vmds-packet.h"

/*
 * The DataMap framing of guest RPC packets (guest-rpc.md §2): a big-endian
 * length, then entries of {type, field id, value}. Decoding reads only
 * within the buffer it is given and allocates nothing.
 */

enum {
	VMDS_PACKET_ENTRY_INT64 = 1,
	VMDS_PACKET_ENTRY_STRING = 2,
};

enum {
	VMDS_PACKET_FIELD_TYPE = 1,
	VMDS_PACKET_FIELD_PAYLOAD = 2,
	VMDS_PACKET_FIELD_FAST_CLOSE = 3,
};

static guint32
vmds_packet_get_u32(const guint8 *buf)
{
	return ((guint32)buf[0] << 24) | ((guint32)buf[1] << 16) | ((guint32)buf[2] << 8) |
	       (guint32)buf[3];
}

static guint8 *
vmds_packet_put_u32(guint8 *p, guint32 value)
{
	p[0] = value >> 24;
	p[1] = value >> 16;
	p[2] = value >> 8;
	p[3] = value;
	return p + 4;
}

/**
 * vmds_packet_read_length:
 * @header: the first %VMDS_PACKET_HEADER_SIZE bytes of a packet
 *
 * Returns: the length of the packet body that follows the header
 */
guint32
vmds_packet_read_length(const guint8 *header)
{
	return vmds_packet_get_u32(header);
}

static gboolean
vmds_packet_malformed(GError **error, const gchar *what)
{
	g_set_error(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "malformed packet: %s", what);
	return FALSE;
}

/**
 * vmds_packet_decode:
 * @body: the packet body, after its length header
 * @len: the body length
 * @packet: (out caller-allocates): the decoded packet, pointing into @body
 * @error: a #GError or %NULL
 *
 * Decodes a DataMap. A duplicate field id, an unknown entry type, an entry
 * running past @len, a STRING length ≤ 0 (0 is allowed for PAYLOAD only) or a
 * missing TYPE make the packet malformed; unknown field ids of a known type
 * are skipped.
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when malformed
 */
gboolean
vmds_packet_decode(const guint8 *body, gsize len, VmdsPacket *packet, GError **error)
{
	gsize pos = 0;
	guint seen = 0;

	g_return_val_if_fail(body != NULL || len == 0, FALSE);
	g_return_val_if_fail(packet != NULL, FALSE);

	memset(packet, 0, sizeof(*packet));
	while (pos < len) {
		guint32 entry_type;
		guint32 field;
		if (len - pos < 8)
			return vmds_packet_malformed(error, "truncated entry header");
		entry_type = vmds_packet_get_u32(body + pos);
		field = vmds_packet_get_u32(body + pos + 4);
		pos += 8;
		if (field >= 1 && field <= 3) {
			if (seen & (1u << field))
				return vmds_packet_malformed(error, "duplicate field");
			seen |= 1u << field;
		}
		if (entry_type == VMDS_PACKET_ENTRY_INT64) {
			guint64 value;
			if (len - pos < 8)
				return vmds_packet_malformed(error, "truncated integer");
			/* two big-endian words, low word first */
			value = (guint64)vmds_packet_get_u32(body + pos) |
				((guint64)vmds_packet_get_u32(body + pos + 4) << 32);
			pos += 8;
			if (field == VMDS_PACKET_FIELD_TYPE) {
				if (value != VMDS_PACKET_TYPE_DATA &&
				    value != VMDS_PACKET_TYPE_PING)
					return vmds_packet_malformed(error, "unknown packet type");
				packet->type = (VmdsPacketType)value;
			} else if (field == VMDS_PACKET_FIELD_FAST_CLOSE) {
				packet->fast_close = value != 0;
			} else if (field == VMDS_PACKET_FIELD_PAYLOAD) {
				return vmds_packet_malformed(error, "payload must be a string");
			}
		} else if (entry_type == VMDS_PACKET_ENTRY_STRING) {
			guint32 n;
			if (len - pos < 4)
				return vmds_packet_malformed(error, "truncated string length");
			n = vmds_packet_get_u32(body + pos);
			pos += 4;
			/* open-vm-tools' decoder refuses every empty STRING, but its
			 * encoder sends an empty PAYLOAD for `vmtoolsd --cmd ''`:
			 * that one is the empty command, any other is malformed */
			if ((n == 0 && field != VMDS_PACKET_FIELD_PAYLOAD) || n > G_MAXINT32)
				return vmds_packet_malformed(error,
							     "string length must be positive");
			if (len - pos < n)
				return vmds_packet_malformed(error, "string runs past the packet");
			if (field == VMDS_PACKET_FIELD_PAYLOAD) {
				packet->payload = body + pos;
				packet->payload_len = n;
			} else if (field == VMDS_PACKET_FIELD_TYPE ||
				   field == VMDS_PACKET_FIELD_FAST_CLOSE) {
				return vmds_packet_malformed(error,
							     "integer field sent as a string");
			}
			pos += n;
		} else {
			return vmds_packet_malformed(error, "unknown entry type");
		}
	}
	if ((seen & (1u << VMDS_PACKET_FIELD_TYPE)) == 0)
		return vmds_packet_malformed(error, "no packet type");
	return TRUE;
}

static guint8 *
vmds_packet_put_int64(guint8 *p, guint32 field, guint64 value)
{
	p = vmds_packet_put_u32(p, VMDS_PACKET_ENTRY_INT64);
	p = vmds_packet_put_u32(p, field);
	/* two big-endian words, low word first */
	p = vmds_packet_put_u32(p, (guint32)(value & 0xffffffff));
	return vmds_packet_put_u32(p, (guint32)(value >> 32));
}

/* a DATA packet always carries its PAYLOAD, empty or not (what open-vm-tools
 * sends for `--cmd ''`); a PING only when it has bytes */
static gboolean
vmds_packet_has_payload(VmdsPacketType type, gsize payload_len)
{
	return type == VMDS_PACKET_TYPE_DATA || payload_len > 0;
}

/* the length prefix, the TYPE entry and the PAYLOAD entry's own header (when
 * there is one): what comes before the payload's bytes */
static guint8 *
vmds_packet_put_start(guint8 *p, gsize body, VmdsPacketType type, gsize payload_len)
{
	p = vmds_packet_put_u32(p, (guint32)body);
	p = vmds_packet_put_int64(p, VMDS_PACKET_FIELD_TYPE, type);
	if (vmds_packet_has_payload(type, payload_len)) {
		p = vmds_packet_put_u32(p, VMDS_PACKET_ENTRY_STRING);
		p = vmds_packet_put_u32(p, VMDS_PACKET_FIELD_PAYLOAD);
		p = vmds_packet_put_u32(p, (guint32)payload_len);
	}
	return p;
}

/**
 * vmds_packet_encode:
 * @out: the buffer to append the packet to
 * @type: DATA or PING
 * @payload: (nullable): the payload bytes
 * @payload_len: their length
 * @fast_close: whether to ask the server to close after replying
 *
 * Appends one whole packet, length header included, to @out. A DATA packet
 * always has a PAYLOAD entry, of length 0 for an empty payload, as
 * open-vm-tools sends it; a PING has one only when @payload_len is not 0.
 */
void
vmds_packet_encode(GByteArray *out,
		   VmdsPacketType type,
		   const guint8 *payload,
		   gsize payload_len,
		   gboolean fast_close)
{
	/* the type, the payload's entry and the fast-close entry */
	gsize body = 16 + (vmds_packet_has_payload(type, payload_len) ? 12 + payload_len : 0) +
		     (fast_close ? 16 : 0);
	guint8 *p;

	g_return_if_fail(payload_len <= G_MAXINT32);

	g_byte_array_set_size(out, out->len + (guint)(VMDS_PACKET_HEADER_SIZE + body));
	p = out->data + out->len - VMDS_PACKET_HEADER_SIZE - body;
	p = vmds_packet_put_start(p, body, type, payload_len);
	if (payload_len > 0) {
		memcpy(p, payload, payload_len);
		p += payload_len;
	}
	if (fast_close)
		vmds_packet_put_int64(p, VMDS_PACKET_FIELD_FAST_CLOSE, 1);
}

/**
 * vmds_packet_write_data_header:
 * @header: (out caller-allocates): %VMDS_PACKET_DATA_HEADER_SIZE bytes
 * @payload_len: the length of the payload, 1 to %G_MAXINT32
 *
 * Writes what precedes the payload in a DATA packet that has a payload and
 * no FAST_CLOSE (a reply): with the payload right after @header, the bytes
 * are the packet vmds_packet_encode() makes, without a copy of the payload.
 */
void
vmds_packet_write_data_header(guint8 *header, gsize payload_len)
{
	g_return_if_fail(payload_len > 0 && payload_len <= G_MAXINT32);

	vmds_packet_put_start(header, 16 + 12 + payload_len, VMDS_PACKET_TYPE_DATA, payload_len);
}

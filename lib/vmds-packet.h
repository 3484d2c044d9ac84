/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the 4-byte big-endian length that precedes every packet */
#define VMDS_PACKET_HEADER_SIZE 4
/* the largest request payload a guest may send [vmware GUESTMSG_MAX_IN_SIZE] */
#define VMDS_PACKET_MAX_REQUEST 65536
/* room around the payload for the TYPE and FAST_CLOSE entries, and a few
 * ignored ones, when bounding an announced length */
#define VMDS_PACKET_OVERHEAD 256
/* the length, TYPE and PAYLOAD header of a DATA packet, before its payload */
#define VMDS_PACKET_DATA_HEADER_SIZE 32

typedef enum {
	VMDS_PACKET_TYPE_DATA = 1,
	VMDS_PACKET_TYPE_PING = 2,
} VmdsPacketType;

/**
 * VmdsPacket:
 * @type: DATA or PING
 * @payload: (nullable): points into the decoded buffer; not NUL-terminated
 * @payload_len: its length in bytes
 * @fast_close: whether the server closes after replying
 *
 * One decoded DataMap packet.
 */
typedef struct {
	VmdsPacketType type;
	const guint8 *payload;
	gsize payload_len;
	gboolean fast_close;
} VmdsPacket;

guint32 vmds_packet_read_length(const guint8 *header);
gboolean vmds_packet_decode(const guint8 *body, gsize len, VmdsPacket *packet, GError **error);
void vmds_packet_encode(GByteArray *out,
			VmdsPacketType type,
			const guint8 *payload,
			gsize payload_len,
			gboolean fast_close);
void vmds_packet_write_data_header(guint8 *header, gsize payload_len);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "fuzz-common.h"

/*
 * The DataMap decoder (guest-rpc.md §2) on hostile bytes: the input is a whole
 * packet, 4-byte length header included, as a peer sends it. Oracles: the
 * header reads big-endian; decode fails with an error or succeeds with a
 * payload inside the buffer; a decoded packet encodes and decodes back to the
 * same packet; a packet cut short never decodes.
 */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	vmds_fuzz_init_logging();
	return 0;
}

static void
vmds_fuzz_packet_check(const guint8 *body, gsize len)
{
	g_autoptr(GError) error = NULL;
	VmdsPacket packet;
	gboolean ok = vmds_packet_decode(body, len, &packet, &error);

	VMDS_FUZZ_CHECK(ok == (error == NULL), "decode returned %d with error %p", ok, error);
	if (!ok) {
		VMDS_FUZZ_CHECK(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT),
				"unexpected error %s",
				error->message);
		return;
	}
	VMDS_FUZZ_CHECK(packet.type == VMDS_PACKET_TYPE_DATA ||
			    packet.type == VMDS_PACKET_TYPE_PING,
			"type %d",
			packet.type);
	/* no PAYLOAD, or one of any length, 0 included (the empty command) */
	VMDS_FUZZ_CHECK(packet.payload != NULL || packet.payload_len == 0,
			"payload %p of %" G_GSIZE_FORMAT " bytes",
			packet.payload,
			packet.payload_len);
	if (packet.payload != NULL)
		VMDS_FUZZ_CHECK(packet.payload >= body && packet.payload_len <= len &&
				    packet.payload + packet.payload_len <= body + len,
				"payload outside the buffer");
	/* the shortest valid body is one TYPE entry: 16 bytes */
	VMDS_FUZZ_CHECK(len >= 16, "decoded %" G_GSIZE_FORMAT " bytes", len);

	/* round trip */
	{
		g_autoptr(GByteArray) out = g_byte_array_new();
		VmdsPacket again;
		vmds_packet_encode(
		    out, packet.type, packet.payload, packet.payload_len, packet.fast_close);
		VMDS_FUZZ_CHECK(out->len >= VMDS_PACKET_HEADER_SIZE, "short encoding");
		VMDS_FUZZ_CHECK(vmds_packet_read_length(out->data) ==
				    out->len - VMDS_PACKET_HEADER_SIZE,
				"encoded length header %u for %u bytes",
				vmds_packet_read_length(out->data),
				out->len);
		VMDS_FUZZ_CHECK(vmds_packet_decode(out->data + VMDS_PACKET_HEADER_SIZE,
						   out->len - VMDS_PACKET_HEADER_SIZE,
						   &again,
						   &error),
				"re-encoded packet does not decode: %s",
				error->message);
		VMDS_FUZZ_CHECK(
		    again.type == packet.type && again.fast_close == packet.fast_close &&
			again.payload_len == packet.payload_len &&
			(packet.payload_len == 0 ||
			 memcmp(again.payload, packet.payload, packet.payload_len) == 0),
		    "round trip changed the packet");
		/* a cut inside the last entry is malformed */
		VMDS_FUZZ_CHECK(!vmds_packet_decode(out->data + VMDS_PACKET_HEADER_SIZE,
						    out->len - VMDS_PACKET_HEADER_SIZE - 1,
						    &again,
						    NULL),
				"a packet cut by one byte still decodes");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	guint32 announced;
	g_autofree guint8 *body = NULL;

	if (size < VMDS_PACKET_HEADER_SIZE) {
		/* the decoder's own view: any bytes at all, even none */
		vmds_fuzz_packet_check(data, size);
		return 0;
	}
	announced = vmds_packet_read_length(data);
	VMDS_FUZZ_CHECK(announced == (((guint32)data[0] << 24) | ((guint32)data[1] << 16) |
				      ((guint32)data[2] << 8) | data[3]),
			"length header %u is not big-endian",
			announced);
	/* the server reads exactly the announced body: a copy of that size, so a
	 * read past it is caught; a body the input does not hold is never read */
	if (announced > size - VMDS_PACKET_HEADER_SIZE)
		announced = (guint32)(size - VMDS_PACKET_HEADER_SIZE);
	body = g_memdup2(data + VMDS_PACKET_HEADER_SIZE, announced);
	vmds_fuzz_packet_check(body, announced);
	return 0;
}

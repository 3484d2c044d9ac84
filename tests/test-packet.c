/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>

#include "vmds-test.h"
#include "vmds.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

/* guest-rpc.md §2: `info-get guestinfo.x` with FAST_CLOSE, 68 bytes */
static const gchar *vector_request =
    "00000040 00000001 00000001 00000001 00000000 00000002 00000002 "
    "00000014 696e666f 2d676574 20677565 7374696e 666f2e78 00000001 "
    "00000003 00000001 00000000";
/* guest-rpc.md §2: reply payload `1 hello`, 39 bytes */
static const gchar *vector_reply = "00000023 00000001 00000001 00000001 00000000 00000002 00000002 "
				   "00000007 31206865 6c6c6f";

static GByteArray *
test_packet_from_hex(const gchar *hex)
{
	GByteArray *out = g_byte_array_new();
	for (const gchar *p = hex; *p != '\0';) {
		guint8 byte;
		if (*p == ' ') {
			p++;
			continue;
		}
		byte = (guint8)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
		g_byte_array_append(out, &byte, 1);
		p += 2;
	}
	return out;
}

START_TEST(test_packet_vector_request)
{
	g_autoptr(GByteArray) expected = test_packet_from_hex(vector_request);
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	VmdsPacket packet;

	ck_assert_uint_eq(expected->len, 68);
	vmds_packet_encode(
	    out, VMDS_PACKET_TYPE_DATA, (const guint8 *)"info-get guestinfo.x", 20, TRUE);
	ck_assert_uint_eq(out->len, expected->len);
	ck_assert_mem_eq(out->data, expected->data, expected->len);

	ck_assert_uint_eq(vmds_packet_read_length(expected->data), 64);
	ck_assert(vmds_packet_decode(expected->data + 4, 64, &packet, &error));
	ck_assert_ptr_null(error);
	ck_assert_int_eq(packet.type, VMDS_PACKET_TYPE_DATA);
	ck_assert(packet.fast_close);
	ck_assert_uint_eq(packet.payload_len, 20);
	ck_assert_mem_eq(packet.payload, "info-get guestinfo.x", 20);
}
END_TEST

START_TEST(test_packet_vector_reply)
{
	g_autoptr(GByteArray) expected = test_packet_from_hex(vector_reply);
	g_autoptr(GByteArray) out = g_byte_array_new();
	VmdsPacket packet;

	ck_assert_uint_eq(expected->len, 39);
	vmds_packet_encode(out, VMDS_PACKET_TYPE_DATA, (const guint8 *)"1 hello", 7, FALSE);
	ck_assert_uint_eq(out->len, expected->len);
	ck_assert_mem_eq(out->data, expected->data, expected->len);
	ck_assert(vmds_packet_decode(expected->data + 4, expected->len - 4, &packet, NULL));
	ck_assert(!packet.fast_close);
	ck_assert_uint_eq(packet.payload_len, 7);
	ck_assert_mem_eq(packet.payload, "1 hello", 7);
}
END_TEST

static void
test_packet_assert_malformed(const gchar *hex)
{
	g_autoptr(GByteArray) body = test_packet_from_hex(hex);
	g_autoptr(GError) error = NULL;
	VmdsPacket packet;

	ck_assert_msg(!vmds_packet_decode(body->data, body->len, &packet, &error),
		      "decoded a malformed packet: %s",
		      hex);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
}

START_TEST(test_packet_malformed)
{
	/* truncated entry header */
	test_packet_assert_malformed("00000001 000000");
	/* truncated INT64 */
	test_packet_assert_malformed("00000001 00000001 00000001");
	/* duplicate TYPE */
	test_packet_assert_malformed("00000001 00000001 00000001 00000000 "
				     "00000001 00000001 00000001 00000000");
	/* unknown entry type 3 */
	test_packet_assert_malformed("00000001 00000001 00000001 00000000 "
				     "00000003 00000002 00000000");
	/* STRING length 0, but in PAYLOAD (test_packet_empty_payload) */
	test_packet_assert_malformed("00000001 00000001 00000001 00000000 "
				     "00000002 00000009 00000000");
	test_packet_assert_malformed("00000001 00000001 00000001 00000000 "
				     "00000002 00000001 00000000");
	/* STRING length negative */
	test_packet_assert_malformed("00000001 00000001 00000001 00000000 "
				     "00000002 00000002 ffffffff 41");
	/* STRING running past the packet */
	test_packet_assert_malformed("00000001 00000001 00000001 00000000 "
				     "00000002 00000002 00000005 4142");
	/* no TYPE */
	test_packet_assert_malformed("00000002 00000002 00000001 41");
	/* unknown packet type */
	test_packet_assert_malformed("00000001 00000001 00000009 00000000");
	/* empty */
	test_packet_assert_malformed("");
}
END_TEST

/* guest-rpc.md §2: `vmtoolsd --cmd ''` sends a PAYLOAD of length 0 (as
 * open-vm-tools does), and a zero-length PAYLOAD decodes as the empty request */
START_TEST(test_packet_empty_payload)
{
	g_autoptr(GByteArray) expected =
	    test_packet_from_hex("0000002c 00000001 00000001 00000001 00000000 "
				 "00000002 00000002 00000000 00000001 00000003 00000001 00000000");
	g_autoptr(GByteArray) last = test_packet_from_hex("00000001 00000001 00000001 00000000 "
							  "00000002 00000002 00000000");
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	VmdsPacket packet;

	vmds_packet_encode(out, VMDS_PACKET_TYPE_DATA, NULL, 0, TRUE);
	ck_assert_uint_eq(out->len, expected->len);
	ck_assert_mem_eq(out->data, expected->data, expected->len);

	ck_assert(vmds_packet_decode(expected->data + 4, expected->len - 4, &packet, &error));
	ck_assert_ptr_null(error);
	ck_assert_int_eq(packet.type, VMDS_PACKET_TYPE_DATA);
	ck_assert(packet.fast_close);
	ck_assert_ptr_nonnull(packet.payload);
	ck_assert_uint_eq(packet.payload_len, 0);

	/* the empty PAYLOAD last, with nothing after it */
	ck_assert(vmds_packet_decode(last->data, last->len, &packet, &error));
	ck_assert_uint_eq(packet.payload_len, 0);
	ck_assert_ptr_eq(packet.payload, last->data + last->len);
}
END_TEST

START_TEST(test_packet_unknown_field_ignored)
{
	/* TYPE=PING, then an INT64 and a STRING with field id 9 */
	g_autoptr(GByteArray) body = test_packet_from_hex("00000001 00000001 00000002 00000000 "
							  "00000001 00000009 00000005 00000000 "
							  "00000002 00000009 00000002 4142");
	VmdsPacket packet;

	ck_assert(vmds_packet_decode(body->data, body->len, &packet, NULL));
	ck_assert_int_eq(packet.type, VMDS_PACKET_TYPE_PING);
	ck_assert_ptr_null(packet.payload);
}
END_TEST

/*
 * guest-rpc.md §2: an INT64 is two big-endian 32-bit words, low word first.
 * TYPE shows the order: only 1 (DATA) and 2 (PING) are types, so a value
 * in the wrong word is malformed, and a decoder with the words swapped
 * reads every row below differently.
 */
START_TEST(test_packet_int64_word_order)
{
	const struct {
		const gchar *what;
		const gchar *type; /* TYPE's two words */
		gint expected;	   /* the decoded type; 0: malformed */
	} cases[] = {
	    {"PING in the low word", "00000002 00000000", VMDS_PACKET_TYPE_PING},
	    {"DATA in the low word", "00000001 00000000", VMDS_PACKET_TYPE_DATA},
	    {"2 in the high word only (2^33)", "00000000 00000002", 0},
	    {"1 in the high word only (2^32)", "00000000 00000001", 0},
	    {"2 in both words (2^33 + 2)", "00000002 00000002", 0},
	    {"1 in both words (2^32 + 1)", "00000001 00000001", 0},
	    {"PING low, 1 high (2^32 + 2)", "00000002 00000001", 0},
	    {"zero", "00000000 00000000", 0},
	};
	/* FAST_CLOSE: any value but 0 asks for the close, in either word */
	const struct {
		const gchar *value;
		gboolean expected;
	} fast_close[] = {
	    {"00000001 00000000", TRUE},
	    {"00000000 00000001", TRUE},
	    {"00000001 00000001", TRUE},
	    {"00000000 00000000", FALSE},
	};
	g_autoptr(GByteArray) expected =
	    test_packet_from_hex("00000020 "
				 "00000001 00000001 00000002 00000000 "
				 "00000001 00000003 00000001 00000000");
	g_autoptr(GByteArray) out = g_byte_array_new();

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *hex = g_strdup_printf("00000001 00000001 %s", cases[i].type);
		g_autoptr(GByteArray) body = test_packet_from_hex(hex);
		g_autoptr(GError) error = NULL;
		VmdsPacket packet;
		gboolean ok = vmds_packet_decode(body->data, body->len, &packet, &error);

		if (cases[i].expected == 0) {
			ck_assert_msg(
			    !ok, "%s: decoded as type %d", cases[i].what, (gint)packet.type);
			assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
			continue;
		}
		ck_assert_msg(ok, "%s: %s", cases[i].what, error != NULL ? error->message : "");
		ck_assert_msg((gint)packet.type == cases[i].expected,
			      "%s: type %d, expected %d",
			      cases[i].what,
			      (gint)packet.type,
			      cases[i].expected);
		ck_assert(!packet.fast_close);
	}
	for (guint i = 0; i < G_N_ELEMENTS(fast_close); i++) {
		g_autofree gchar *hex =
		    g_strdup_printf("00000001 00000001 00000002 00000000 00000001 00000003 %s",
				    fast_close[i].value);
		g_autoptr(GByteArray) body = test_packet_from_hex(hex);
		VmdsPacket packet;

		ck_assert(vmds_packet_decode(body->data, body->len, &packet, NULL));
		ck_assert_int_eq(packet.type, VMDS_PACKET_TYPE_PING);
		ck_assert_msg(packet.fast_close == fast_close[i].expected,
			      "FAST_CLOSE %s decoded as %d",
			      fast_close[i].value,
			      packet.fast_close);
	}

	/* and the encoder writes PING (and FAST_CLOSE = 1) low word first */
	vmds_packet_encode(out, VMDS_PACKET_TYPE_PING, NULL, 0, TRUE);
	ck_assert_uint_eq(out->len, expected->len);
	ck_assert_mem_eq(out->data, expected->data, expected->len);
}
END_TEST

static Suite *
test_packet_suite(void)
{
	Suite *s = suite_create("packet");
	TCase *tc = tcase_create("vectors");
	tcase_add_test(tc, test_packet_vector_request);
	tcase_add_test(tc, test_packet_vector_reply);
	suite_add_tcase(s, tc);
	tc = tcase_create("decode");
	tcase_add_test(tc, test_packet_malformed);
	tcase_add_test(tc, test_packet_empty_payload);
	tcase_add_test(tc, test_packet_unknown_field_ignored);
	tcase_add_test(tc, test_packet_int64_word_order);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_packet_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

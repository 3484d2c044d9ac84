/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <gio/gio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmds.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

START_TEST(test_channel_address)
{
	g_autoptr(VmdsChannelAddress) unix_addr =
	    vmds_channel_address_parse("unix:/run/x.sock", NULL);
	g_autoptr(VmdsChannelAddress) vsock_addr = vmds_channel_address_parse("vsock:2:976", NULL);
	g_autofree gchar *text = NULL;
	const gchar *bad[] = {
	    "",
	    "unix:",
	    "tcp:1.2.3.4:5",
	    "vsock:2",
	    "vsock:x:976",
	    "vsock:2:976:1",
	    "vsock:-1:976",
	    "vsock:4294967296:1",
	};

	ck_assert_int_eq(unix_addr->kind, VMDS_CHANNEL_UNIX);
	ck_assert_str_eq(unix_addr->path, "/run/x.sock");
	ck_assert_int_eq(vsock_addr->kind, VMDS_CHANNEL_VSOCK);
	ck_assert_uint_eq(vsock_addr->cid, 2);
	ck_assert_uint_eq(vsock_addr->port, 976);
	text = vmds_channel_address_to_string(vsock_addr);
	ck_assert_str_eq(text, "vsock:2:976");
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VmdsChannelAddress) addr = vmds_channel_address_parse(bad[i], &error);
		ck_assert_msg(addr == NULL, "accepted '%s'", bad[i]);
		ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	}
}
END_TEST

START_TEST(test_channel_connect_missing)
{
	g_autoptr(VmdsChannelAddress) addr =
	    vmds_channel_address_parse("unix:/nonexistent/vmds-test.sock", NULL);
	g_autoptr(GError) error = NULL;

	ck_assert_int_eq(vmds_channel_connect(addr, 1000, &error), -1);
	ck_assert(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
}
END_TEST

/* the peer of a socketpair answers one request, after a PING */
static gpointer
test_channel_peer_thread(gpointer data)
{
	gint fd = GPOINTER_TO_INT(data);
	guint8 header[4];
	guint8 body[256];
	guint32 len;
	VmdsPacket packet;
	g_autoptr(GByteArray) out = g_byte_array_new();

	g_assert(recv(fd, header, 4, MSG_WAITALL) == 4);
	len = vmds_packet_read_length(header);
	g_assert(len <= sizeof(body));
	g_assert(recv(fd, body, len, MSG_WAITALL) == (gssize)len);
	g_assert(vmds_packet_decode(body, len, &packet, NULL));
	g_assert(packet.fast_close);
	vmds_packet_encode(out, VMDS_PACKET_TYPE_PING, NULL, 0, FALSE);
	vmds_packet_encode(out, VMDS_PACKET_TYPE_DATA, (const guint8 *)"1 pong", 6, FALSE);
	g_assert(send(fd, out->data, out->len, 0) == (gssize)out->len);
	close(fd);
	return NULL;
}

START_TEST(test_channel_call)
{
	gint fds[2];
	g_autoptr(GThread) thread = NULL;
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	const gchar *data;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	thread = g_thread_new("peer", test_channel_peer_thread, GINT_TO_POINTER(fds[1]));
	reply = vmds_channel_call(fds[0], (const guint8 *)"ping", 4, TRUE, 5000, &error);
	ck_assert_ptr_null(error);
	data = g_bytes_get_data(reply, &len);
	ck_assert_uint_eq(len, 6);
	ck_assert_mem_eq(data, "1 pong", 6);
	g_thread_join(g_steal_pointer(&thread));
	close(fds[0]);
}
END_TEST

START_TEST(test_channel_call_closed)
{
	gint fds[2];
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(GError) error = NULL;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	shutdown(fds[1], SHUT_WR);
	reply = vmds_channel_call(fds[0], (const guint8 *)"x", 1, TRUE, 5000, &error);
	ck_assert_ptr_null(reply);
	ck_assert(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_PIPE));
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* a server that refuses a request from its length alone: it reads the
 * header, replies (when given a reply) and closes, the rest unread */
static gpointer
test_channel_refusing_peer_thread(gpointer data)
{
	gint *fds = data;
	guint8 header[4];
	g_autoptr(GByteArray) out = g_byte_array_new();

	g_assert(recv(fds[1], header, 4, MSG_WAITALL) == 4);
	if (fds[2]) {
		vmds_packet_encode(
		    out, VMDS_PACKET_TYPE_DATA, (const guint8 *)"0 Message too large", 19, FALSE);
		g_assert(send(fds[1], out->data, out->len, 0) == (gssize)out->len);
	}
	close(fds[1]);
	return NULL;
}

/* sends a request of 1 MiB, far more than a socket buffer holds, to a server
 * that replies (or not) after its header and closes */
static GBytes *
test_channel_call_refused(gboolean with_reply, GError **error)
{
	gint fds[3] = {-1, -1, with_reply};
	g_autoptr(GThread) thread = NULL;
	g_autofree guint8 *request = g_malloc0(1024 * 1024);
	GBytes *reply;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	thread = g_thread_new("peer", test_channel_refusing_peer_thread, fds);
	reply = vmds_channel_call(fds[0], request, 1024 * 1024, TRUE, 10000, error);
	g_thread_join(g_steal_pointer(&thread));
	close(fds[0]);
	return reply;
}

/* guest-rpc.md §2: a client whose send fails with EPIPE still reads the reply */
START_TEST(test_channel_call_reply_after_epipe)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) reply = test_channel_call_refused(TRUE, &error);
	gsize len = 0;
	const gchar *data;

	ck_assert_msg(reply != NULL, "no reply: %s", error != NULL ? error->message : "");
	ck_assert_ptr_null(error);
	data = g_bytes_get_data(reply, &len);
	ck_assert_uint_eq(len, 19);
	ck_assert_mem_eq(data, "0 Message too large", 19);
}
END_TEST

/* and without a reply, the send's own failure is the error */
START_TEST(test_channel_call_epipe_no_reply)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) reply = test_channel_call_refused(FALSE, &error);

	ck_assert_ptr_null(reply);
	ck_assert_msg(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_PIPE),
		      "%s",
		      error != NULL ? error->message : "no error");
	ck_assert_msg(
	    g_str_has_prefix(error->message, "cannot send request: "), "%s", error->message);
}
END_TEST

START_TEST(test_channel_call_timeout)
{
	gint fds[2];
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(GError) error = NULL;

	/* the peer never answers: the call gives up after its timeout */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	reply = vmds_channel_call(fds[0], (const guint8 *)"x", 1, TRUE, 50, &error);
	ck_assert_ptr_null(reply);
	ck_assert(g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_FAILED));
	close(fds[0]);
	close(fds[1]);
}
END_TEST

static Suite *
test_channel_suite(void)
{
	Suite *s = suite_create("channel");
	TCase *tc = tcase_create("address");
	tcase_add_test(tc, test_channel_address);
	suite_add_tcase(s, tc);
	tc = tcase_create("call");
	tcase_add_test(tc, test_channel_connect_missing);
	tcase_add_test(tc, test_channel_call);
	tcase_add_test(tc, test_channel_call_closed);
	tcase_add_test(tc, test_channel_call_reply_after_epipe);
	tcase_add_test(tc, test_channel_call_epipe_no_reply);
	tcase_add_test(tc, test_channel_call_timeout);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_channel_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

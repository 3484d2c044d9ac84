/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmds-e2e.h"
#include "vmds-packet.h"

/*
 * What real clients need from the guest channel (guest-rpc.md §2), found by
 * running open-vm-tools' vmtoolsd against vmdsd:
 *
 * - a request announced over the limit is read to its end (and dropped)
 *   before the refusal, so a client still blocked in send() gets the reply
 *   rather than EPIPE; a peer that stops sending is closed by the request
 *   timeout without one; the daemon's memory does not grow with what it
 *   drops;
 * - `vmtoolsd --cmd ''` sends a zero-length PAYLOAD, answered as an unknown
 *   command;
 * - a request is never applied without its reply, on SIGTERM too, since
 *   open-vm-tools sends a request again when its connection ends without one.
 */

#define REFUSED "0 Message too large"
#define ONE_MIB (1024 * 1024)
#define SET_ENTRY                                                                                  \
	"datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"%s\",\"value\":\"v\"}]}"
#define SET_OK	   "1 {\"result\":true}"
#define LIST_EMPTY "{\"result\":true,\"keys\":[]}"
#define LIST_KEYS  "datasets-list-keys {\"dataset\":\"rw\"}"
#define NOT_YET_MS 200

static VmdsE2e *e2e = NULL;

static void
setup_with(const gchar *config)
{
	e2e = vmds_e2e_new(config);
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
}

/* a request timeout long enough for any machine to send 64 MiB in */
static void
setup(void)
{
	setup_with("[backchannel]\nrequest-timeout=120\n");
}

/* a request timeout short enough to wait for, the idle timeout out of its way */
static void
setup_stall(void)
{
	setup_with("[backchannel]\nrequest-timeout=2\nidle-timeout=600\n");
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

/* the header of a DATA packet whose payload is @payload_len bytes */
static void
send_data_header(gint fd, gsize payload_len)
{
	guint8 header[VMDS_PACKET_DATA_HEADER_SIZE];

	vmds_packet_write_data_header(header, payload_len);
	vmds_e2e_send(fd, header, sizeof(header));
}

/* @len bytes of payload */
static void
send_filler(gint fd, gsize len)
{
	g_autofree guint8 *chunk = g_malloc(ONE_MIB);

	memset(chunk, 'x', ONE_MIB);
	while (len > 0) {
		gsize n = MIN(len, (gsize)ONE_MIB);
		vmds_e2e_send(fd, chunk, n);
		len -= n;
	}
}

/* TRUE when nothing (no byte, no close) arrives on @fd for a while: a
 * check that something has not happened yet, which can only pass wrongly on
 * a slow machine, never fail wrongly */
static gboolean
nothing_arrives(gint fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	gint rc;

	do {
		rc = poll(&pfd, 1, NOT_YET_MS);
	} while (rc < 0 && errno == EINTR);
	return rc == 0;
}

static void
assert_serves(void)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, LIST_KEYS);
	vmds_e2e_assert_ok(run, LIST_EMPTY);
}

/* guest-rpc.md §2: a request announced over the limit is read to its last
 * byte, then refused, and the connection closed */
START_TEST(test_compat_drain_whole)
{
	g_autofree gchar *before = vmds_e2e_dump(e2e, NULL);
	g_autofree gchar *after = NULL;
	g_autofree gchar *reply = NULL;
	gint fd = vmds_e2e_connect(e2e, NULL);
	guint8 last = 'x';

	/* 10 MiB announced, all but the last byte sent: no reply yet */
	send_data_header(fd, 10 * ONE_MIB);
	send_filler(fd, 10 * ONE_MIB - 1);
	ck_assert_msg(nothing_arrives(fd), "a reply (or a close) before the last byte");
	vmds_e2e_send(fd, &last, 1);
	reply = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(reply, REFUSED);
	ck_assert(vmds_e2e_wait_closed(e2e, fd));
	close(fd);

	after = vmds_e2e_dump(e2e, NULL);
	ck_assert_str_eq(before, after);
	assert_serves();
}
END_TEST

/* a peer that shuts down its sending side is done: the refusal comes then,
 * however much of the announced length it sent */
START_TEST(test_compat_drain_peer_eof)
{
	const gsize sent[] = {0, 1, ONE_MIB};

	for (guint i = 0; i < G_N_ELEMENTS(sent); i++) {
		g_autofree gchar *reply = NULL;
		gint fd = vmds_e2e_connect(e2e, NULL);

		send_data_header(fd, 10 * ONE_MIB);
		send_filler(fd, sent[i]);
		ck_assert_msg(nothing_arrives(fd), "%zu bytes: a reply before the end", sent[i]);
		ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
		reply = vmds_e2e_read_reply(fd, NULL);
		ck_assert_msg(g_strcmp0(reply, REFUSED) == 0, "%zu bytes: [%s]", sent[i], reply);
		ck_assert(vmds_e2e_wait_closed(e2e, fd));
		close(fd);
	}
	assert_serves();
}
END_TEST

/* one that stops sending is closed by the request timeout, without a reply */
START_TEST(test_compat_drain_stalled)
{
	gint fd = vmds_e2e_connect(e2e, NULL);
	gint took;

	send_data_header(fd, 10 * ONE_MIB);
	send_filler(fd, 256 * 1024);
	/* 2 s of request timeout; the wait fails the test on any reply byte */
	took = vmds_e2e_wait_eof(fd, 2000 + vmds_e2e_close_timeout_ms());
	ck_assert_msg(took >= 0, "not closed after the request timeout");
	close(fd);
	assert_serves();
}
END_TEST

/* a line of /proc/PID/status, in KiB */
static gsize
daemon_status_kib(const gchar *field)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/status", (gint)vmds_e2e_get_pid(e2e));
	g_autofree gchar *status = NULL;
	g_autofree gchar *name = g_strdup_printf("\n%s:", field);
	const gchar *line;

	ck_assert(g_file_get_contents(path, &status, NULL, NULL));
	line = strstr(status, name);
	ck_assert_msg(line != NULL, "no %s in %s", field, path);
	return (gsize)g_ascii_strtoull(line + strlen(name), NULL, 10);
}

/* what is drained is not kept: 64 MiB of a request announcing 2 GiB leave the
 * daemon's memory, its peak included, within a few MiB of what it was */
START_TEST(test_compat_drain_memory)
{
	gsize rss0 = daemon_status_kib("VmRSS");
	gsize hwm0 = daemon_status_kib("VmHWM");
	gsize rss1;
	gsize hwm1;
	g_autofree gchar *reply = NULL;
	gint fd = vmds_e2e_connect(e2e, NULL);

	send_data_header(fd, G_MAXINT32);
	send_filler(fd, 64 * ONE_MIB);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	reply = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(reply, REFUSED);
	close(fd);
	rss1 = daemon_status_kib("VmRSS");
	hwm1 = daemon_status_kib("VmHWM");
	g_printerr("e2e-compat: 64 MiB drained: RSS %zu -> %zu KiB, peak %zu -> %zu KiB\n",
		   rss0,
		   rss1,
		   hwm0,
		   hwm1);
	ck_assert_msg(rss1 < rss0 + 8 * 1024, "RSS grew from %zu to %zu KiB", rss0, rss1);
	ck_assert_msg(
	    hwm1 < MAX(hwm0, rss0 + 8 * 1024), "peak RSS grew from %zu to %zu KiB", hwm0, hwm1);
	assert_serves();
}
END_TEST

/* our vmtoolsd with a request over the limit prints the refusal: 100 KiB on
 * the command line, 1 and 16 MiB from a file (more than a socket buffer holds,
 * so the client is still sending when the daemon knows its answer) */
START_TEST(test_compat_vmtoolsd_too_large)
{
	const gsize sizes[] = {100 * 1024, ONE_MIB, 16 * ONE_MIB};
	g_autofree gchar *before = vmds_e2e_dump(e2e, NULL);
	g_autofree gchar *after = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autofree gchar *value = g_strnfill(sizes[i], 'v');
		g_autofree gchar *cmd = g_strdup_printf(SET_ENTRY, value);
		g_autoptr(VmdsE2eRun) run = NULL;

		if (sizes[i] < 128 * 1024) {
			run = vmds_e2e_vmtoolsd(e2e, cmd);
		} else {
			g_autofree gchar *path =
			    vmds_e2e_write_file(e2e, "big.cmd", cmd, strlen(cmd));
			const gchar *const args[] = {"--cmdfile", path, NULL};
			run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
		}
		ck_assert_msg(run->status == 1 && g_strcmp0(run->out, "") == 0 &&
				  g_strcmp0(run->err, "Message too large\n") == 0,
			      "%zu bytes: exit %d, stdout [%s], stderr [%.300s]",
			      sizes[i],
			      run->status,
			      run->out,
			      run->err);
	}
	after = vmds_e2e_dump(e2e, NULL);
	ck_assert_str_eq(before, after);
}
END_TEST

/* guest-rpc.md §2: a zero-length PAYLOAD is the empty command, `0 Unknown
 * command`, and the connection goes on */
START_TEST(test_compat_empty_command)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, "");
	g_autoptr(VmdsE2eRun) file_run = NULL;
	g_autofree gchar *blank = vmds_e2e_write_file(e2e, "blank.cmd", " \n\t\n", 4);
	const gchar *const args[] = {"--cmdfile", blank, NULL};
	g_autofree gchar *reply = NULL;
	g_autofree gchar *next = NULL;
	gint fd;

	vmds_e2e_assert_run(run, 1, "", "Unknown command\n");
	/* a file of white space is the empty command too */
	file_run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
	vmds_e2e_assert_run(file_run, 1, "", "Unknown command\n");

	fd = vmds_e2e_connect(e2e, NULL);
	vmds_e2e_send_request(fd, "", 0, FALSE);
	reply = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(reply, "0 Unknown command");
	vmds_e2e_send_request(fd, LIST_KEYS, strlen(LIST_KEYS), TRUE);
	next = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(next, "1 " LIST_EMPTY);
	close(fd);
}
END_TEST

/*
 * guest-rpc.md §2, "every request that is applied is answered": SIGTERM
 * while requests are in flight. The daemon is stopped (SIGSTOP) while
 *
 * - one connection has pipelined hundreds of writes without reading a reply,
 *   so the daemon is writing a reply it cannot finish;
 * - connections it accepted send one write each;
 * - new connections, still in the listen queue, send one write each;
 *
 * then it gets SIGTERM and SIGCONT. For every write, after the daemon
 * exited: its reply came and it is stored, or neither. Several rounds.
 */
#define PIPELINED 2000
#define ACCEPTED  8
#define QUEUED	  8

typedef struct {
	gint fd;
	gchar *prefix;	/* of its keys */
	guint sent;	/* requests sent whole */
	guint replies;	/* `1 {"result":true}` read back */
	GByteArray *in; /* what was read, not yet a whole packet */
} Peer;

static void
peer_free(Peer *peer)
{
	if (peer->fd >= 0)
		close(peer->fd);
	g_free(peer->prefix);
	g_byte_array_unref(peer->in);
	g_free(peer);
}

static Peer *
peer_new(gint fd, const gchar *prefix)
{
	Peer *peer = g_new0(Peer, 1);
	peer->fd = fd;
	peer->prefix = g_strdup(prefix);
	peer->in = g_byte_array_new();
	return peer;
}

static gchar *
peer_key(Peer *peer, guint i)
{
	return g_strdup_printf("%s-%04u", peer->prefix, i);
}

/* @count writes, as many as the socket takes now (non-blocking) */
static void
peer_send(Peer *peer, guint count)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GArray) ends = g_array_new(FALSE, FALSE, sizeof(guint));
	gsize done = 0;

	for (guint i = 0; i < count; i++) {
		g_autofree gchar *key = peer_key(peer, i);
		g_autofree gchar *cmd = g_strdup_printf(SET_ENTRY, key);
		vmds_packet_encode(
		    out, VMDS_PACKET_TYPE_DATA, (const guint8 *)cmd, strlen(cmd), FALSE);
		g_array_append_val(ends, out->len);
	}
	while (done < out->len) {
		gssize n =
		    send(peer->fd, out->data + done, out->len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (gsize)n;
	}
	/* only whole packets count as sent: a part of one is a request cut short */
	peer->sent = 0;
	while (peer->sent < ends->len && g_array_index(ends, guint, peer->sent) <= done)
		peer->sent++;
}

/* reads replies until the daemon closed the connection */
static void
peer_read_to_eof(Peer *peer)
{
	gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

	for (;;) {
		struct pollfd pfd = {.fd = peer->fd, .events = POLLIN};
		guint8 buf[65536];
		gssize n;

		ck_assert_msg(g_get_monotonic_time() < deadline, "%s: never closed", peer->prefix);
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		n = recv(peer->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			break;
		ck_assert_msg(n > 0, "%s: %s", peer->prefix, g_strerror(errno));
		g_byte_array_append(peer->in, buf, (guint)n);
		/* whole reply packets */
		while (peer->in->len >= VMDS_PACKET_HEADER_SIZE) {
			gsize len =
			    VMDS_PACKET_HEADER_SIZE + vmds_packet_read_length(peer->in->data);
			VmdsPacket packet;
			if (peer->in->len < len)
				break;
			ck_assert(vmds_packet_decode(peer->in->data + VMDS_PACKET_HEADER_SIZE,
						     len - VMDS_PACKET_HEADER_SIZE,
						     &packet,
						     NULL));
			ck_assert_msg(packet.payload_len == strlen(SET_OK) &&
					  memcmp(packet.payload, SET_OK, packet.payload_len) == 0,
				      "%s: reply %u: [%.*s]",
				      peer->prefix,
				      peer->replies,
				      (gint)packet.payload_len,
				      packet.payload);
			peer->replies++;
			g_byte_array_remove_range(peer->in, 0, (guint)len);
		}
	}
	ck_assert_msg(peer->in->len == 0,
		      "%s: the connection ended inside a reply (%u bytes of it)",
		      peer->prefix,
		      peer->in->len);
}

/* how many bytes wait to be read on @fd */
static gint
pending_bytes(gint fd)
{
	gint n = 0;
	ck_assert_int_eq(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

/* polls until the replies waiting on @fd stop growing (the daemon cannot
 * send more until they are read), bounded; whether it came to that or not,
 * the round's checks hold */
static void
wait_stalled(gint fd)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	gint last = -1;
	guint same = 0;

	while (same < 10 && g_get_monotonic_time() < deadline) {
		gint now = pending_bytes(fd);
		same = now == last && now >= 4096 ? same + 1 : 0;
		last = now;
		g_usleep(20000);
	}
}

/* polls until vm-1's socket is gone: the daemon is stopping */
static void
wait_socket_gone(void)
{
	g_autofree gchar *path = vmds_e2e_socket_path(e2e, NULL);
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

	while (g_file_test(path, G_FILE_TEST_EXISTS)) {
		ck_assert_msg(g_get_monotonic_time() < deadline, "the daemon did not stop");
		g_usleep(10000);
	}
}

/* "k1,k2,..." of data set rw as the keys' JSON array says them */
static GHashTable *
stored_keys(void)
{
	g_autofree gchar *keys = vmds_e2e_keys(e2e, "rw");
	g_autoptr(JsonNode) node = json_from_string(keys, NULL);
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	JsonArray *array;

	ck_assert(node != NULL && JSON_NODE_HOLDS_ARRAY(node));
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++)
		g_hash_table_add(set, g_strdup(json_array_get_string_element(array, i)));
	return set;
}

START_TEST(test_compat_sigterm_in_flight)
{
	for (guint round = 0; round < 4; round++) {
		g_autoptr(GPtrArray) peers =
		    g_ptr_array_new_with_free_func((GDestroyNotify)peer_free);
		g_autoptr(GHashTable) stored = NULL;
		GPid pid = vmds_e2e_get_pid(e2e);
		gint stalled_at;
		Peer *pipelined;
		guint replied = 0;

		/* the pipelined writes: wait until the daemon answered a few */
		g_autofree gchar *pipeline_prefix = g_strdup_printf("r%u-p", round);

		pipelined = peer_new(vmds_e2e_connect(e2e, NULL), pipeline_prefix);
		g_ptr_array_add(peers, pipelined);
		for (guint i = 0; i < ACCEPTED; i++) {
			g_autofree gchar *prefix = g_strdup_printf("r%u-a%u", round, i);
			g_ptr_array_add(peers, peer_new(vmds_e2e_connect(e2e, NULL), prefix));
		}
		/* an accepted connection is one the daemon answers: each says so */
		for (guint i = 1; i <= ACCEPTED; i++) {
			Peer *peer = g_ptr_array_index(peers, i);
			g_autofree gchar *reply = NULL;
			vmds_e2e_send_request(peer->fd, "", 0, FALSE);
			reply = vmds_e2e_read_reply(peer->fd, NULL);
			ck_assert_str_eq(reply, "0 Unknown command");
		}
		peer_send(pipelined, PIPELINED);
		wait_stalled(pipelined->fd);
		stalled_at = pending_bytes(pipelined->fd);

		ck_assert_int_eq(kill(pid, SIGSTOP), 0);
		for (guint i = 1; i <= ACCEPTED; i++)
			peer_send(g_ptr_array_index(peers, i), 1);
		for (guint i = 0; i < QUEUED; i++) {
			g_autofree gchar *prefix = g_strdup_printf("r%u-q%u", round, i);
			Peer *peer = peer_new(vmds_e2e_connect(e2e, NULL), prefix);
			g_ptr_array_add(peers, peer);
			peer_send(peer, 1);
		}
		ck_assert_int_eq(kill(pid, SIGTERM), 0);
		ck_assert_int_eq(kill(pid, SIGCONT), 0);
		/* nothing is read before the daemon is stopping (its socket is
		 * gone): the reply it could not finish waits for the reader */
		wait_socket_gone();
		for (guint i = 0; i < peers->len; i++)
			peer_read_to_eof(g_ptr_array_index(peers, i));
		vmds_e2e_wait_exit(e2e);

		vmds_e2e_start(e2e);
		stored = stored_keys();
		for (guint i = 0; i < peers->len; i++) {
			Peer *peer = g_ptr_array_index(peers, i);
			ck_assert_msg(peer->replies <= peer->sent,
				      "%s: %u replies to %u requests",
				      peer->prefix,
				      peer->replies,
				      peer->sent);
			for (guint k = 0; k < peer->sent; k++) {
				g_autofree gchar *key = peer_key(peer, k);
				gboolean is_stored = g_hash_table_contains(stored, key);
				ck_assert_msg(is_stored == (k < peer->replies),
					      "round %u: %s is %s, and its reply %s",
					      round,
					      key,
					      is_stored ? "stored" : "not stored",
					      k < peer->replies ? "came" : "did not come");
			}
			replied += peer->replies;
		}
		g_printerr("e2e-compat: SIGTERM round %u: %u of %u pipelined writes answered "
			   "(%d bytes of replies waited when stopped), %u replies in all\n",
			   round,
			   pipelined->replies,
			   pipelined->sent,
			   stalled_at,
			   replied);
	}
}
END_TEST

static Suite *
compat_suite(void)
{
	Suite *s = suite_create("e2e-compat");
	TCase *tc = tcase_create("drain");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_compat_drain_whole);
	tcase_add_test(tc, test_compat_drain_peer_eof);
	tcase_add_test(tc, test_compat_drain_memory);
	tcase_add_test(tc, test_compat_vmtoolsd_too_large);
	suite_add_tcase(s, tc);

	tc = tcase_create("stall");
	tcase_add_checked_fixture(tc, setup_stall, teardown);
	tcase_add_test(tc, test_compat_drain_stalled);
	suite_add_tcase(s, tc);

	tc = tcase_create("requests");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_compat_empty_command);
	tcase_add_test(tc, test_compat_sigterm_in_flight);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(compat_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

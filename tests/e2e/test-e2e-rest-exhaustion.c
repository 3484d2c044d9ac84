/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmds-e2e.h"
#include "vmds-packet.h"

/*
 * The REST side of issue 8 ("Hardening"), against the real vmdsd: no byte of
 * a body is read before the request is authenticated (point 1); REST
 * connections are capped in total and per client, time out idle, slow in
 * their headers, their body or in taking a reply, and never take the guests'
 * descriptors (point 2); logins are throttled per account, while the unix
 * socket keeps the operator in (point 3); a password change ends sessions
 * (12), sessions are capped (13); peers cannot forge log lines (18); Host and
 * Content-Length are checked, there is no Server header (19); a large reply
 * is streamed (7). And guests keep their latency while all of that goes on.
 */

#define GET_K	    "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"k\"]}"
#define GET_K_REPLY "1 {\"result\":true,\"entries\":[{\"k\":\"v\"}]}"
#define NEED_SESSION                                                                               \
	"this call needs a session: POST /api/session with the user name and password, then "      \
	"send its id in the vmware-api-session-id header"

static VmdsE2e *e2e = NULL;

static void
setup(void)
{
	struct rlimit lim = {0};

	/* the attack tests hold hundreds of connections */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &lim), 0);
	if (lim.rlim_cur < 4096) {
		lim.rlim_cur = MIN((rlim_t)4096, lim.rlim_max);
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	}
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

static gboolean
under_tool(void)
{
	const gchar *wrapper = g_getenv("VMDS_TEST_DAEMON_WRAPPER");
	return wrapper != NULL && wrapper[0] != '\0';
}

/*
 * How long the daemon may take to do what it owes at once (take in a
 * connection, refuse one with its reply, notice one closed): 5 s, ten times
 * that under a tool such as valgrind, which runs the daemon and this test
 * many times slower and one thread at a time. A safety net for a loaded
 * machine, not a latency: each wait ends as soon as its condition holds,
 * and a daemon that never does it fails the test all the same, only later.
 */
static gint64
owed_us(void)
{
	return (under_tool() ? 10 : 1) * 5 * G_USEC_PER_SEC;
}

/* data set rw holding k=v, in the daemon just started */
static void
seed(void)
{
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_put(e2e, "rw", "k", "v");
}

/* a daemon with @config and data set rw holding k=v */
static void
start(const gchar *config)
{
	e2e = vmds_e2e_new(config);
	seed();
}

/* the same, default config, for a test that measures the daemon's memory
 * (vmds_e2e_new_measured(): no AddressSanitizer quarantine) */
static void
start_measured(void)
{
	e2e = vmds_e2e_new_measured(NULL);
	seed();
}

/* one vmtoolsd-like round trip (fresh connection, FAST_CLOSE); its time in µs */
static gint64
round_trip(void)
{
	gint64 start_time = g_get_monotonic_time();
	gint fd = vmds_e2e_connect(e2e, NULL);
	g_autofree gchar *reply = NULL;

	vmds_e2e_send_request(fd, GET_K, strlen(GET_K), TRUE);
	reply = vmds_e2e_read_reply(fd, NULL);
	close(fd);
	ck_assert_msg(g_strcmp0(reply, GET_K_REPLY) == 0, "reply [%s]", reply);
	return g_get_monotonic_time() - start_time;
}

/* @head (a request without its body) on a new connection from @source;
 * the reply, which must come within 5 s although no body byte was sent */
static VmdsE2eRawReply *
send_head(const gchar *source, const gchar *head, gint *fd_out)
{
	gint fd = vmds_e2e_http_connect(e2e, source);
	VmdsE2eRawReply *reply;

	vmds_e2e_send(fd, (const guint8 *)head, strlen(head));
	reply = vmds_e2e_http_read(fd, 5000);
	ck_assert_msg(reply != NULL, "no reply before the body to: %s", head);
	if (fd_out != NULL)
		*fd_out = fd;
	else
		close(fd);
	return reply;
}

static void
assert_raw_error(const VmdsE2eRawReply *reply, guint status, const gchar *type, const gchar *msg)
{
	g_autofree gchar *got_type = vmds_e2e_raw_error_type(reply);
	g_autofree gchar *got_msg = vmds_e2e_raw_error_message(reply);

	ck_assert_msg(reply->status == status,
		      "HTTP %u, expected %u: %s",
		      reply->status,
		      status,
		      reply->body);
	ck_assert_str_eq(got_type, type);
	ck_assert_str_eq(got_msg, msg);
}

/* `vmds ARGS` as an operator on this host runs it: no URL given, so it
 * takes the daemon's unix socket */
static VmdsE2eRun *
vmds_local(const gchar *args)
{
	g_auto(GStrv) words = g_strsplit(args, " ", -1);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const gchar *const env[] = {"VMDS_URL", NULL};

	g_ptr_array_add(argv, (gpointer)g_getenv("VMDS_CLI"));
	for (guint i = 0; words[i] != NULL; i++)
		g_ptr_array_add(argv, words[i]);
	g_ptr_array_add(argv, NULL);
	return vmds_e2e_run(e2e, (const gchar *const *)argv->pdata, env, NULL, 0);
}

static gchar *
basic_auth(void)
{
	return vmds_e2e_basic_auth("admin", vmds_e2e_get_password(e2e), -1);
}

/*
 * Point 1 (and 23): no byte of a body is read before the request is
 * authenticated. Each request below announces a body and sends none: the
 * daemon answers at once instead of waiting for it.
 */
START_TEST(test_rest_no_body_before_auth)
{
	g_autofree gchar *auth = NULL;
	g_autofree gchar *head = NULL;
	g_autoptr(VmdsE2eRawReply) reply = NULL;
	gsize before;
	gsize after;

	start_measured();
	auth = basic_auth();

	/* a body under the cap, no session: 401 before it */
	reply = send_head(NULL,
			  "PUT /api/vcenter/vm/vm-1/data-sets/rw/entries/k HTTP/1.1\r\n"
			  "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
			  "Content-Length: 1048576\r\n\r\n",
			  NULL);
	assert_raw_error(reply, 401, "UNAUTHENTICATED", NEED_SESSION);
	g_clear_pointer(&reply, vmds_e2e_raw_reply_free);
	/* a forged session is no session */
	reply = send_head(NULL,
			  "POST /api/vcenter/vm HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			  "vmware-api-session-id: 0123456789abcdef0123456789abcdef\r\n"
			  "Content-Length: 100\r\n\r\n",
			  NULL);
	assert_raw_error(reply, 401, "UNAUTHENTICATED", NEED_SESSION);
	g_clear_pointer(&reply, vmds_e2e_raw_reply_free);

	/* a login takes its credentials from the header: a body of any size
	 * is refused before it is read, even with the right password */
	head = g_strdup_printf("POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			       "Authorization: %s\r\nContent-Length: 6000000\r\n\r\n",
			       auth);
	reply = send_head(NULL, head, NULL);
	assert_raw_error(reply,
			 400,
			 "INVALID_ARGUMENT",
			 "a login takes its credentials from the Authorization header: its body "
			 "must be empty");
	g_clear_pointer(&reply, vmds_e2e_raw_reply_free);
	g_clear_pointer(&head, g_free);
	/* a tiny one, which some clients send, is fine */
	head = g_strdup_printf("POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			       "Authorization: %s\r\nContent-Length: 2\r\n\r\n{}",
			       auth);
	reply = vmds_e2e_http_raw(e2e, NULL, head, strlen(head));
	ck_assert_uint_eq(reply->status, 201);

	/* 100 clients announce the largest body and start sending it: the
	 * daemon holds none of it (the review measured 616 MiB) */
	before = vmds_e2e_daemon_rss_kib(e2e);
	{
		g_autofree gchar *chunk = g_strnfill(65536, 'x');
		gint fds[100];
		for (guint i = 0; i < G_N_ELEMENTS(fds); i++) {
			g_autofree gchar *source = g_strdup_printf("127.0.1.%u", i + 1);
			fds[i] = vmds_e2e_http_connect(e2e, source);
			vmds_e2e_send(
			    fds[i],
			    (const guint8 *)"POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
					    "Content-Length: 6356992\r\n\r\n",
			    strlen("POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				   "Content-Length: 6356992\r\n\r\n"));
			(void)!send(fds[i], chunk, 65536, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		for (guint i = 0; i < G_N_ELEMENTS(fds); i++) {
			g_autoptr(VmdsE2eRawReply) r = vmds_e2e_http_read(fds[i], 5000);
			ck_assert_msg(r != NULL, "client %u got no reply before its body", i);
			ck_assert_uint_eq(r->status, 400);
			close(fds[i]);
		}
	}
	after = vmds_e2e_daemon_rss_kib(e2e);
	g_printerr("e2e-rest-exhaustion: RSS %" G_GSIZE_FORMAT " KiB before and %" G_GSIZE_FORMAT
		   " KiB after 100 clients announced 6 MiB bodies\n",
		   before,
		   after);
	ck_assert_uint_lt(after, before + 16 * 1024);
}
END_TEST

static guint16
rest_port(void)
{
	return (guint16)atoi(strrchr(vmds_e2e_get_url(e2e), ':') + 1);
}

/* the first @n words of @line, which is cut in place; FALSE when it has fewer */
static gboolean
split_words(gchar *line, gchar **words, guint n)
{
	gchar *p = line;

	for (guint i = 0; i < n; i++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return FALSE;
		words[i] = p;
		while (*p != ' ' && *p != '\0')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	return TRUE;
}

/*
 * The REST connections the daemon has accepted: its descriptors that are TCP
 * sockets whose local port is the REST port (/proc/net/tcp), not ones still
 * waiting in the listen queue.
 *
 * The table lists every TCP socket of the host: thousands in TIME_WAIT after
 * the attack tests and the other suites. Each line is cut into words in
 * place: copying each word out took seconds a call under valgrind.
 */
static guint
rest_accepted(void)
{
	g_autofree gchar *fd_dir = g_strdup_printf("/proc/%d/fd", (gint)vmds_e2e_get_pid(e2e));
	g_autofree gchar *table = NULL;
	g_autofree gchar *port = g_strdup_printf(":%04X", rest_port());
	g_autoptr(GHashTable) inodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GDir) dir = NULL;
	const gchar *name;
	gchar *next;
	guint n = 0;

	ck_assert(g_file_get_contents("/proc/net/tcp", &table, NULL, NULL));
	/* past the header line */
	next = strchr(table, '\n');
	while (next != NULL) {
		gchar *line = next + 1;
		/* sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode */
		gchar *words[10];

		next = strchr(line, '\n');
		if (next != NULL)
			*next = '\0';
		if (split_words(line, words, G_N_ELEMENTS(words)) &&
		    g_str_has_suffix(words[1], port) && g_strcmp0(words[3], "0A") != 0)
			g_hash_table_add(inodes, g_strdup_printf("socket:[%s]", words[9]));
	}
	dir = g_dir_open(fd_dir, 0, NULL);
	ck_assert_msg(dir != NULL, "cannot read %s", fd_dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(fd_dir, name, NULL);
		g_autofree gchar *target = g_file_read_link(path, NULL);
		if (target != NULL && g_hash_table_contains(inodes, target))
			n++;
	}
	return n;
}

/* a connection from @source holding a slot: the start of a request's
 * headers sent, and the daemon has accepted @want REST connections in all
 * (it refuses one over a cap at once, with a reply) */
static gint
hold_slot(const gchar *source, guint want)
{
	static const gchar head[] = "GET /api/vcenter/vm HTTP/1.1\r\n";
	gint fd = vmds_e2e_http_connect(e2e, source);
	gint64 deadline = g_get_monotonic_time() + owed_us();

	vmds_e2e_send(fd, (const guint8 *)head, strlen(head));
	while (rest_accepted() < want) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ck_assert_msg(poll(&pfd, 1, 10) == 0, "a connection from %s was refused", source);
		ck_assert_msg(g_get_monotonic_time() < deadline,
			      "a connection from %s was not accepted",
			      source);
	}
	return fd;
}

/* a connection from @source is refused: 503 SERVICE_UNAVAILABLE, then closed */
static void
assert_refused(const gchar *source)
{
	gint fd = vmds_e2e_http_connect(e2e, source);
	g_autoptr(VmdsE2eRawReply) reply = vmds_e2e_http_read(fd, (gint)(owed_us() / 1000));

	ck_assert_msg(reply != NULL, "a connection from %s got no reply", source);
	assert_raw_error(
	    reply, 503, "SERVICE_UNAVAILABLE", "too many REST connections: try again later");
	ck_assert_msg(vmds_e2e_wait_eof(fd, (gint)(owed_us() / 1000)) >= 0,
		      "a refused connection stayed open");
	close(fd);
}

/*
 * Point 2: REST connections are capped in total and per client address;
 * one over a cap gets 503 and is closed, while guests, the unix socket and
 * other clients are served; a freed slot is taken again. The request
 * timeout is long: no slot held here is freed by it, however slowly the
 * test runs.
 */
START_TEST(test_rest_caps)
{
	g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(gint));
	gint64 deadline;
	gint fd;

	start("[http]\nmax-connections=8\nmax-connections-per-client=3\nrequest-timeout=600\n");
	for (guint i = 0; i < 3; i++) {
		fd = hold_slot("127.0.0.2", fds->len + 1);
		g_array_append_val(fds, fd);
	}
	assert_refused("127.0.0.2");
	for (guint i = 0; i < 5; i++) {
		g_autofree gchar *source = g_strdup_printf("127.0.0.%u", 3 + i / 3);
		fd = hold_slot(source, fds->len + 1);
		g_array_append_val(fds, fd);
	}
	assert_refused("127.0.0.9");
	/* guests, and the operator on the unix socket, are served */
	round_trip();
	{
		g_autoptr(VmdsE2eRun) run = vmds_local("vm ls");
		ck_assert_msg(run->status == 0, "vmds vm ls: %s", run->err);
	}
	/* one goes: the daemon notices, and a new client gets its slot */
	close(g_array_index(fds, gint, 0));
	deadline = g_get_monotonic_time() + owed_us();
	while (rest_accepted() > 7) {
		ck_assert_msg(g_get_monotonic_time() < deadline,
			      "a closed connection kept its slot");
		g_usleep(10000);
	}
	g_array_index(fds, gint, 0) = hold_slot("127.0.0.10", 8);
	assert_refused("127.0.0.11");
	for (guint i = 0; i < fds->len; i++)
		close(g_array_index(fds, gint, i));
}
END_TEST

/*
 * Point 2: timeouts. A new connection that sends nothing, and headers that
 * dribble in, are closed after the request timeout (1 s here); a body that
 * stops is closed the same way; a connection carries one request, so none
 * is left idle after its reply; a client that does not take its reply is
 * dropped.
 */
START_TEST(test_rest_timeouts)
{
	static const gchar get_vms[] = "GET /api/vcenter/vm HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	g_autofree gchar *big = g_strnfill(1048576, '\x01');
	g_autofree gchar *head = NULL;
	g_autoptr(VmdsE2eRawReply) reply = NULL;
	gint64 first;
	gint fd;
	gint ms;

	/* the 6 MiB value for the last part is written before the timeout is
	 * made short (under valgrind its body takes longer than a second) */
	start("");
	vmds_e2e_put(e2e, "rw", "big", big);
	vmds_e2e_reload(e2e, "[http]\nrequest-timeout=1\n");

	/* silent */
	fd = vmds_e2e_http_connect(e2e, NULL);
	ms = vmds_e2e_wait_eof(fd, 1000 + 3000);
	ck_assert_msg(ms >= 0, "a silent connection outlived the 1 s request timeout by 3 s");
	close(fd);

	/* slow headers: a byte every 200 ms */
	fd = vmds_e2e_http_connect(e2e, NULL);
	first = g_get_monotonic_time();
	for (gsize i = 0; i < strlen(get_vms); i++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, 200) == 1)
			break;
		if (send(fd, get_vms + i, 1, MSG_NOSIGNAL) < 0)
			break;
	}
	ck_assert_msg(vmds_e2e_wait_eof(fd, 4000) >= 0, "dribbled headers held a connection");
	ck_assert_int_lt((g_get_monotonic_time() - first) / 1000, 1000 + 3000);
	close(fd);

	/* after its reply, a connection is closed at once */
	fd = vmds_e2e_http_connect(e2e, NULL);
	vmds_e2e_send(fd, (const guint8 *)get_vms, strlen(get_vms));
	reply = vmds_e2e_http_read(fd, 5000);
	ck_assert(reply != NULL && reply->status == 401);
	{
		g_autofree gchar *connection = vmds_e2e_raw_reply_header(reply, "Connection");
		ck_assert_str_eq(connection, "close");
	}
	g_clear_pointer(&reply, vmds_e2e_raw_reply_free);
	ck_assert_msg(vmds_e2e_wait_eof(fd, 900) >= 0, "a connection stayed open after its reply");
	close(fd);

	/* a body that stops: closed, nothing stored */
	fd = vmds_e2e_http_connect(e2e, NULL);
	head = g_strdup_printf("PUT /api/vcenter/vm/vm-1/data-sets/rw/entries/slow HTTP/1.1\r\n"
			       "Host: 127.0.0.1\r\nvmware-api-session-id: %s\r\n"
			       "Content-Length: 100\r\n\r\n\"0123456",
			       vmds_e2e_get_session(e2e));
	vmds_e2e_send(fd, (const guint8 *)head, strlen(head));
	g_clear_pointer(&head, g_free);
	ck_assert_msg(vmds_e2e_wait_eof(fd, 1000 + 3000) >= 0, "a stalled body held a connection");
	close(fd);
	{
		g_autofree gchar *keys = vmds_e2e_keys(e2e, "rw");
		ck_assert_str_eq(keys, "[\"big\",\"k\"]");
	}

	/* a reply not taken: a 6 MiB body to a client that reads nothing (and
	 * takes little into its socket buffer) is dropped once it stalls */
	{
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(rest_port())};
		gint small = 4096;
		gint64 deadline;

		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
		inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
		ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
		head =
		    g_strdup_printf("GET /api/vcenter/vm/vm-1/data-sets/rw/entries/big HTTP/1.1\r\n"
				    "Host: 127.0.0.1\r\nvmware-api-session-id: %s\r\n\r\n",
				    vmds_e2e_get_session(e2e));
		vmds_e2e_send(fd, (const guint8 *)head, strlen(head));
		first = g_get_monotonic_time();
		/* its 1 s request timeout, then the daemon's sweep: within what
		 * it owes at once */
		deadline = first + owed_us();
		while (rest_accepted() > 0) {
			ck_assert_msg(g_get_monotonic_time() < deadline,
				      "a client that takes no reply held its connection");
			g_usleep(20000);
		}
		g_printerr("e2e-rest-exhaustion: a client that took no reply was dropped after "
			   "%" G_GINT64_FORMAT " ms\n",
			   (g_get_monotonic_time() - first) / 1000);
		close(fd);
	}
	round_trip();
}
END_TEST

/* the soft and hard RLIMIT_NOFILE of @pid */
static void
read_fd_limits(GPid pid, guint64 *soft, guint64 *hard)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/limits", (gint)pid);
	g_autofree gchar *text = NULL;
	const gchar *line;

	ck_assert(g_file_get_contents(path, &text, NULL, NULL));
	line = strstr(text, "Max open files");
	ck_assert(line != NULL);
	line += strlen("Max open files");
	*soft = g_ascii_strtoull(line, (gchar **)&line, 10);
	*hard = g_ascii_strtoull(line, NULL, 10);
}

/* the lowest descriptor number free in @pid */
static guint
lowest_free_fd(GPid pid)
{
	g_autofree gchar *dir_path = g_strdup_printf("/proc/%d/fd", (gint)pid);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	g_autoptr(GHashTable) used = g_hash_table_new(NULL, NULL);
	const gchar *name;
	guint n = 0;

	ck_assert(dir != NULL);
	while ((name = g_dir_read_name(dir)) != NULL)
		g_hash_table_add(used, GUINT_TO_POINTER(atoi(name) + 1));
	while (g_hash_table_contains(used, GUINT_TO_POINTER(n + 1)))
		n++;
	return n;
}

/*
 * Point 2: the daemon raises its soft descriptor limit to the hard one, and
 * REST never takes the guests' reserve: with the daemon's limit 120 above
 * what it uses, a flood of REST connections gets some and is refused the
 * rest, and all 32 guests (its [backchannel] max-connections) still connect
 * and are served. The request timeout is long, so that no connection it
 * closes passes for a refused one.
 *
 * The limit is lowered under the running daemon (prlimit --pid). Valgrind
 * hides that from the daemon (it shows it the limit it started with, less
 * descriptors of its own), and the daemon would take in REST connections
 * up to the real limit and leave the rest in the listen queue: under a
 * tool, the daemon starts again with the limit instead.
 */
START_TEST(test_rest_fd_reserve)
{
	g_autoptr(GArray) rest = g_array_new(FALSE, FALSE, sizeof(gint));
	gint guests[32];
	guint64 soft = 0;
	guint64 hard = 0;
	guint refused = 0;
	GPid pid;
	guint base;
	g_autofree gchar *prlimit = g_find_program_in_path("prlimit");

	if (prlimit == NULL) {
		g_printerr("SKIP: test_rest_fd_reserve needs prlimit(1)\n");
		return;
	}
	start("[backchannel]\nmax-connections=32\n[http]\nmax-connections-per-client=100000\n"
	      "max-connections=100000\nrequest-timeout=600\n");
	pid = vmds_e2e_get_pid(e2e);
	read_fd_limits(pid, &soft, &hard);
	ck_assert_msg(soft == hard,
		      "the daemon's soft limit %" G_GUINT64_FORMAT
		      " is not its hard limit %" G_GUINT64_FORMAT,
		      soft,
		      hard);
	base = lowest_free_fd(pid);
	if (under_tool()) {
		vmds_e2e_set_fd_limit(e2e, base + 120);
		vmds_e2e_restart(e2e);
	} else {
		g_autofree gchar *cmd = g_strdup_printf(
		    "prlimit --pid %d --nofile=%u:%" G_GUINT64_FORMAT, (gint)pid, base + 120, hard);
		g_autoptr(VmdsE2eRun) run = vmds_e2e_shell(e2e, cmd);
		ck_assert_msg(run->status == 0, "prlimit: %s", run->err);
	}
	/* 200 REST clients start a request: each either holds a slot or is
	 * refused at once */
	for (guint i = 0; i < 200; i++) {
		gint fd = vmds_e2e_http_connect(e2e, NULL);
		static const gchar head[] = "GET /api/vcenter/vm HTTP/1.1\r\n";
		vmds_e2e_send(fd, (const guint8 *)head, strlen(head));
		g_array_append_val(rest, fd);
	}
	/* until it adds up: each accepted, or refused with its reply */
	for (gint64 deadline = g_get_monotonic_time() + 2 * owed_us();
	     rest_accepted() + refused < 200;
	     g_usleep(10000)) {
		ck_assert_msg(g_get_monotonic_time() < deadline,
			      "%u accepted and %u refused of 200",
			      rest_accepted(),
			      refused);
		for (guint i = 0; i < rest->len; i++) {
			gint fd = g_array_index(rest, gint, i);
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			g_autoptr(VmdsE2eRawReply) reply = NULL;
			guint8 byte;
			if (poll(&pfd, 1, 0) != 1)
				continue;
			/* refused: 503, or closed at once when even that could not
			 * be made (under valgrind, which keeps descriptors of its own) */
			if (recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0) {
				reply = vmds_e2e_http_read(fd, 5000);
				ck_assert(reply != NULL && reply->status == 503);
			}
			refused++;
			close(fd);
			g_array_remove_index_fast(rest, i--);
		}
	}
	g_printerr("e2e-rest-exhaustion: with 120 descriptors to spare, REST held %u connections "
		   "and was refused %u\n",
		   rest->len,
		   refused);
	ck_assert_uint_gt(refused, 0);
	ck_assert_uint_gt(rest->len, 0);
	for (guint i = 0; i < G_N_ELEMENTS(guests); i++) {
		g_autofree gchar *text = NULL;
		guests[i] = vmds_e2e_connect(e2e, NULL);
		vmds_e2e_send_request(guests[i], GET_K, strlen(GET_K), FALSE);
		text = vmds_e2e_read_reply(guests[i], NULL);
		ck_assert_msg(text != NULL, "guest %u of 32 was not served", i + 1);
		ck_assert_str_eq(text, GET_K_REPLY);
	}
	for (guint i = 0; i < G_N_ELEMENTS(guests); i++)
		close(guests[i]);
	for (guint i = 0; i < rest->len; i++)
		close(g_array_index(rest, gint, i));
}
END_TEST

/*
 * The acceptance of points 1 and 2: guest latency while the REST port is
 * under attack. A thread keeps 400 connections open (over the cap of 256),
 * dribbles headers on them, makes them again once closed, and announces
 * large bodies without a session; meanwhile guests make round trips, and
 * every one is answered, right. Their latency, quiet and under the attack,
 * is printed; its figures are in bench/README.md ("Guests while REST is
 * attacked"): a test asserts no timing on a machine shared with other jobs.
 */
typedef struct {
	guint16 port;
	gint ready; /* its connections are made */
	gint stop;
	guint opened;
	guint reopened;
	guint bodies;
} Attack;

static gint
attack_connect(Attack *a, guint n)
{
	struct sockaddr_in local = {.sin_family = AF_INET};
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(a->port)};
	gint fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	g_autofree gchar *source = g_strdup_printf("127.0.%u.%u", 10 + n / 250, 1 + n % 250);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, source, &local.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* a slowloris over hundreds of connections: each gets a byte of a header
 * that never ends about every 400 ms, and is made again once the daemon
 * closed it; beside it, 100 connections a second announce a 6 MiB body
 * without a session */
static gpointer
attack_thread(gpointer data)
{
	Attack *a = data;
	static const gchar slow[] = "GET /api/vcenter/vm HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: ";
	static const gchar body[] =
	    "POST /api/vcenter/vm HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 6000000\r\n\r\n";
	gint held[400];
	guint sent[400] = {0};
	guint n = 0;
	guint turn = 0;

	for (guint i = 0; i < G_N_ELEMENTS(held); i++)
		held[i] = attack_connect(a, n++);
	a->opened = G_N_ELEMENTS(held);
	g_atomic_int_set(&a->ready, 1);
	while (!g_atomic_int_get(&a->stop)) {
		for (guint i = 0; i < 20; i++) {
			guint c = (turn * 20 + i) % G_N_ELEMENTS(held);
			const gchar *byte = slow + sent[c] % (sizeof(slow) - 1);
			if (held[c] < 0 ||
			    send(held[c], byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				if (held[c] >= 0)
					close(held[c]);
				held[c] = attack_connect(a, n++);
				sent[c] = 0;
				a->reopened++;
				continue;
			}
			sent[c]++;
		}
		for (guint i = 0; i < 2; i++) {
			gint fd = attack_connect(a, n++);
			if (fd < 0)
				continue;
			(void)!send(fd, body, sizeof(body) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			a->bodies++;
		}
		turn++;
		g_usleep(20000);
	}
	for (guint i = 0; i < G_N_ELEMENTS(held); i++) {
		if (held[i] >= 0)
			close(held[i]);
	}
	return NULL;
}

START_TEST(test_rest_attack_guest_latency)
{
	g_autoptr(GArray) quiet = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GArray) loud = g_array_new(FALSE, FALSE, sizeof(gint64));
	Attack attack = {0};
	GThread *thread;
	gint64 p99_quiet = 0;
	gint64 p99_loud = 0;
	const gchar *colon;

	start("[http]\nrequest-timeout=2\n");
	colon = strrchr(vmds_e2e_get_url(e2e), ':');
	attack.port = (guint16)atoi(colon + 1);
	for (guint i = 0; i < 1000; i++) {
		gint64 t = round_trip();
		g_array_append_val(quiet, t);
	}
	thread = g_thread_new("attack", attack_thread, &attack);
	/* the attack in full swing: its connections made and taken in (those
	 * over the cap refused), their headers dribbling; then a second's worth
	 * of round trips, through the connections the request timeout ends and
	 * the attacker makes again */
	while (!g_atomic_int_get(&attack.ready))
		round_trip();
	for (gint64 until = g_get_monotonic_time() + G_USEC_PER_SEC;
	     g_get_monotonic_time() < until;)
		round_trip();
	for (guint i = 0; i < 1000; i++) {
		gint64 t = round_trip();
		g_array_append_val(loud, t);
	}
	g_atomic_int_set(&attack.stop, 1);
	g_thread_join(thread);
	vmds_e2e_report_latency("e2e-rest-exhaustion", "guest, quiet", quiet, &p99_quiet);
	vmds_e2e_report_latency("e2e-rest-exhaustion",
				"guest, REST under a slowloris of 400 connections",
				loud,
				&p99_loud);
	g_printerr("e2e-rest-exhaustion: attack: %u connections held, %u made again once "
		   "closed, %u bodies announced\n",
		   attack.opened,
		   attack.reopened,
		   attack.bodies);
	/* every guest request was answered, right, while the attack held its
	 * connections (round_trip() checks each reply); how fast is a figure,
	 * printed above and kept in bench/README.md, not a bound a test checks
	 * on a machine shared with other jobs */
	ck_assert_uint_gt(attack.opened, 0);
	ck_assert_uint_eq(loud->len, quiet->len);
	/* and REST serves a client again once the attack stopped: as soon as
	 * the daemon has seen the attacker's connections go (bounded polling;
	 * until then a request over the cap is refused with 503, as it must) */
	for (gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;;) {
		g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm", NULL);
		if (reply->status == 200)
			break;
		ck_assert_msg(reply->status == 503 && g_get_monotonic_time() < deadline,
			      "HTTP %u %s",
			      reply->status,
			      reply->body);
		g_usleep(10000);
	}
}
END_TEST

/*
 * Point 3: brute force spread over addresses is slowed per account: after
 * 20 failures from 20 addresses, a login from a 21st, even with the right
 * password, must wait; the operator on the unix socket is not locked out.
 */
START_TEST(test_rest_login_throttle_account)
{
	g_autofree gchar *wrong = vmds_e2e_basic_auth("admin", "wrong", -1);
	g_autofree gchar *right = NULL;
	g_autofree gchar *head = NULL;
	g_autoptr(VmdsE2eRawReply) reply = NULL;
	g_autofree gchar *retry = NULL;

	start("");
	right = basic_auth();
	for (guint i = 0; i < 20; i++) {
		g_autofree gchar *source = g_strdup_printf("127.0.2.%u", i + 1);
		g_autofree gchar *request =
		    g_strdup_printf("POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				    "Authorization: %s\r\nContent-Length: 0\r\n\r\n",
				    wrong);
		g_autoptr(VmdsE2eRawReply) r =
		    vmds_e2e_http_raw(e2e, source, request, strlen(request));
		assert_raw_error(r, 401, "UNAUTHENTICATED", "wrong user name or password");
	}
	head = g_strdup_printf("POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			       "Authorization: %s\r\nContent-Length: 0\r\n\r\n",
			       right);
	reply = vmds_e2e_http_raw(e2e, "127.0.2.200", head, strlen(head));
	assert_raw_error(
	    reply, 401, "UNAUTHENTICATED", "too many failed logins: try again in 1 seconds");
	retry = vmds_e2e_raw_reply_header(reply, "Retry-After");
	ck_assert_str_eq(retry, "1");
	{
		g_autoptr(VmdsE2eRun) run = vmds_local("dataset ls");
		ck_assert_msg(run->status == 0, "vmds over the unix socket: %s", run->err);
		ck_assert(strstr(run->out, "rw") != NULL);
	}
}
END_TEST

/*
 * Point 3: the unix socket lets in root, the daemon's user and the admin
 * group only: nobody cannot use it, not even to connect.
 */
START_TEST(test_rest_unix_socket_trust)
{
	g_autofree gchar *setpriv = g_find_program_in_path("setpriv");
	g_autofree gchar *sock = NULL;
	GStatBuf st;

	start("");
	sock = g_build_filename(vmds_e2e_get_run_dir(e2e), "api.sock", NULL);
	ck_assert_int_eq(g_lstat(sock, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	if (!vmds_e2e_is_root() || setpriv == NULL) {
		g_printerr(
		    "SKIP: the rest of test_rest_unix_socket_trust needs root and setpriv\n");
		return;
	}
	{
		g_autofree gchar *cmd = g_strdup_printf(
		    "%s --reuid=65534 --regid=65534 --clear-groups %s --url unix:%s vm ls",
		    setpriv,
		    g_getenv("VMDS_CLI"),
		    sock);
		g_autoptr(VmdsE2eRun) run = vmds_e2e_shell(e2e, cmd);
		ck_assert_int_eq(run->status, 1);
		ck_assert_msg(strstr(run->err, "Permission denied") != NULL, "%s", run->err);
	}
}
END_TEST

/* Point 12: a new password, applied with SIGHUP, ends every session */
START_TEST(test_rest_password_change)
{
	g_autofree gchar *config = NULL;
	g_autofree gchar *file = NULL;
	const gchar *session;
	g_autofree gchar *old = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;

	e2e = vmds_e2e_new(NULL);
	file = g_build_filename(vmds_e2e_get_tmp(e2e), "password", NULL);
	ck_assert(g_file_set_contents_full(file, "first-secret\n", -1, 0, 0600, NULL));
	config = g_strdup_printf("[http]\npassword-file=%s\n", file);
	vmds_e2e_reload(e2e, config);
	old = vmds_e2e_basic_auth("admin", "first-secret", -1);
	{
		const gchar *const headers[] = {"Authorization", old, NULL};
		g_autoptr(VmdsE2eReply) login =
		    vmds_e2e_http(e2e, "POST", "/api/session", headers, NULL, 0);
		g_autoptr(JsonNode) node = json_from_string(login->body, NULL);
		ck_assert_uint_eq(login->status, 201);
		session = json_node_get_string(node);
		{
			const gchar *const with[] = {"vmware-api-session-id", session, NULL};
			g_autoptr(VmdsE2eReply) ok =
			    vmds_e2e_http(e2e, "GET", "/api/vcenter/vm", with, NULL, 0);
			ck_assert_uint_eq(ok->status, 200);
			ck_assert(
			    g_file_set_contents_full(file, "second-secret\n", -1, 0, 0600, NULL));
			vmds_e2e_reload(e2e, config);
			reply = vmds_e2e_http(e2e, "GET", "/api/vcenter/vm", with, NULL, 0);
		}
	}
	vmds_e2e_assert_error(reply, 401, "UNAUTHENTICATED");
	{
		g_autofree gchar *auth = vmds_e2e_basic_auth("admin", "second-secret", -1);
		const gchar *const headers[] = {"Authorization", auth, NULL};
		g_autoptr(VmdsE2eReply) login =
		    vmds_e2e_http(e2e, "POST", "/api/session", headers, NULL, 0);
		ck_assert_uint_eq(login->status, 201);
	}
}
END_TEST

/* Point 13: sessions are capped; the one unused the longest makes room */
START_TEST(test_rest_session_cap)
{
	g_autofree gchar *auth = NULL;
	gchar *ids[3];

	start("[http]\nmax-sessions=2\n");
	auth = basic_auth();
	for (guint i = 0; i < 3; i++) {
		const gchar *const headers[] = {"Authorization", auth, NULL};
		g_autoptr(VmdsE2eReply) login =
		    vmds_e2e_http(e2e, "POST", "/api/session", headers, NULL, 0);
		g_autoptr(JsonNode) node = json_from_string(login->body, NULL);
		ck_assert_uint_eq(login->status, 201);
		ids[i] = g_strdup(json_node_get_string(node));
	}
	for (guint i = 0; i < 3; i++) {
		const gchar *const with[] = {"vmware-api-session-id", ids[i], NULL};
		g_autoptr(VmdsE2eReply) reply =
		    vmds_e2e_http(e2e, "GET", "/api/vcenter/vm", with, NULL, 0);
		ck_assert_uint_eq(reply->status, i == 0 ? 401 : 200);
		g_free(ids[i]);
	}
}
END_TEST

/* Point 18: what a peer sends cannot forge a line of the daemon's log */
START_TEST(test_rest_log_forging)
{
	const gchar *const args[] = {"-v", NULL};
	g_autoptr(VmdsE2eReply) reply = NULL;
	g_autofree gchar *log = NULL;
	g_auto(GStrv) lines = NULL;
	guint found = 0;

	e2e = vmds_e2e_new_args(NULL, NULL, args);
	/* a name decoded from the path, quoted in a logged error */
	reply = vmds_e2e_rest(
	    e2e,
	    "GET",
	    "/api/vcenter/vm/vm-1/data-sets/x%0Avmdsd-forged%3A%20admin%20logged%20in",
	    NULL);
	ck_assert_uint_eq(reply->status, 404);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/x%0D%1B%5B2Kvmdsd-forged", NULL);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	{
		g_autofree gchar *auth = vmds_e2e_basic_auth("admin\nvmdsd-forged", "x", -1);
		const gchar *const headers[] = {"Authorization", auth, NULL};
		reply = vmds_e2e_http(e2e, "POST", "/api/session", headers, NULL, 0);
		ck_assert_uint_eq(reply->status, 401);
	}
	log = vmds_e2e_read_log(e2e);
	lines = g_strsplit(log, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		ck_assert_msg(
		    !g_str_has_prefix(lines[i], "vmdsd-forged"), "a forged line: %s", lines[i]);
		ck_assert_msg(strchr(lines[i], '\r') == NULL && strchr(lines[i], '\x1b') == NULL,
			      "a control character in the log: %s",
			      lines[i]);
		if (strstr(lines[i], "\\nvmdsd-forged") != NULL)
			found++;
	}
	ck_assert_uint_ge(found, 1);
}
END_TEST

/* Point 19: Host names this server, one Content-Length, no Server header */
START_TEST(test_rest_host_and_headers)
{
	static const struct {
		const gchar *host;
		guint status;
	} rows[] = {
	    {"127.0.0.1", 401},
	    {"127.0.0.1:8976", 401},
	    {"localhost", 401},
	    {"LOCALHOST:1", 401},
	    {"[::1]:8976", 401},
	    {"api.example", 401}, /* [http] server-names */
	    {"evil.example", 400},
	    {"evil.example:8976", 400},
	    {"127.0.0.1.evil.example", 400},
	    {"localhost.evil.example", 400},
	};
	g_autoptr(VmdsE2eRawReply) reply = NULL;
	g_autofree gchar *server = NULL;

	start("[http]\nserver-names=api.example; other.example\n");
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree gchar *request = g_strdup_printf(
		    "GET /api/vcenter/vm HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
		    rows[i].host);
		g_autoptr(VmdsE2eRawReply) r =
		    vmds_e2e_http_raw(e2e, NULL, request, strlen(request));
		ck_assert_msg(r->status == rows[i].status,
			      "Host: %s: HTTP %u, expected %u",
			      rows[i].host,
			      r->status,
			      rows[i].status);
		if (rows[i].status == 400) {
			g_autofree gchar *message = vmds_e2e_raw_error_message(r);
			ck_assert(g_str_has_prefix(
			    message, "this server does not answer to the host name in"));
		}
	}
	reply = vmds_e2e_http_raw(e2e,
				  NULL,
				  "POST /api/vcenter/vm HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				  "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
				  strlen("POST /api/vcenter/vm HTTP/1.1\r\nHost: 127.0.0.1\r\n"
					 "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"));
	assert_raw_error(reply, 400, "INVALID_ARGUMENT", "more than one Content-Length header");
	g_clear_pointer(&reply, vmds_e2e_raw_reply_free);
	reply =
	    vmds_e2e_http_raw(e2e,
			      NULL,
			      "GET /api/vcenter/vm HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
			      strlen("GET /api/vcenter/vm HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
	server = vmds_e2e_raw_reply_header(reply, "Server");
	ck_assert_msg(server == NULL, "Server: %s", server);
}
END_TEST

/*
 * Point 7: GET .../entries of a large data set is streamed: its ~24 MiB
 * (1,000 keys of 4,096 control characters, each escaped six-fold) never
 * is in the daemon's memory whole, and guests are served while it goes out
 * to a client that reads it slowly.
 */
START_TEST(test_rest_stream_entries)
{
	g_autoptr(GString) want = g_string_new("[");
	g_autoptr(GString) body = g_string_new(NULL);
	g_autofree gchar *head = NULL;
	gint guest = -1;
	gsize base;
	gsize peak = 0;
	gint fd;
	gboolean chunked = FALSE;

	start_measured();
	guest = vmds_e2e_connect(e2e, NULL);
	for (guint i = 0; i < 500; i++) {
		g_autoptr(GString) cmd =
		    g_string_new("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[");
		g_autofree gchar *text = NULL;
		for (guint j = 0; j < 2; j++) {
			g_autofree gchar *key = g_strnfill(4096, '\x01');
			g_autofree gchar *digits = g_strdup_printf("%08u", i * 2 + j);
			g_autofree gchar *json = NULL;
			memcpy(key, digits, 8);
			json = vmds_e2e_json_string(key, -1);
			g_string_append_printf(
			    cmd, "%s{\"key\":%s,\"value\":\"\"}", j > 0 ? "," : "", json);
		}
		g_string_append(cmd, "]}");
		vmds_e2e_send_request(guest, cmd->str, cmd->len, FALSE);
		text = vmds_e2e_read_reply(guest, NULL);
		ck_assert_str_eq(text, "1 {\"result\":true}");
	}
	for (guint i = 0; i < 1000; i++) {
		g_autofree gchar *key = g_strnfill(4096, '\x01');
		g_autofree gchar *digits = g_strdup_printf("%08u", i);
		g_autofree gchar *json = NULL;
		memcpy(key, digits, 8);
		json = vmds_e2e_json_string(key, -1);
		g_string_append_printf(want, "%s,", json);
	}
	g_string_append(want, "\"k\"]");
	base = vmds_e2e_daemon_rss_kib(e2e);

	fd = vmds_e2e_http_connect(e2e, NULL);
	head = g_strdup_printf("GET /api/vcenter/vm/vm-1/data-sets/rw/entries HTTP/1.1\r\n"
			       "Host: 127.0.0.1\r\nvmware-api-session-id: %s\r\n"
			       "Connection: close\r\n\r\n",
			       vmds_e2e_get_session(e2e));
	vmds_e2e_send(fd, (const guint8 *)head, strlen(head));
	for (guint reads = 0;; reads++) {
		guint8 buf[262144];
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		gssize n;
		ck_assert_msg(poll(&pfd, 1, 10000) == 1, "the reply stalled");
		n = recv(fd, buf, sizeof(buf), 0);
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		g_string_append_len(body, (const gchar *)buf, n);
		/* slowly: a guest round trip between reads, and the memory */
		if (reads % 8 == 0) {
			g_autofree gchar *text = NULL;
			vmds_e2e_send_request(guest, GET_K, strlen(GET_K), FALSE);
			text = vmds_e2e_read_reply(guest, NULL);
			ck_assert_str_eq(text, GET_K_REPLY);
			peak = MAX(peak, vmds_e2e_daemon_rss_kib(e2e));
		}
	}
	close(fd);
	close(guest);
	chunked = strstr(body->str, "\r\nTransfer-Encoding: chunked\r\n") != NULL;
	ck_assert_msg(chunked, "not chunked: %.200s", body->str);
	/* de-chunk */
	{
		const gchar *p = strstr(body->str, "\r\n\r\n") + 4;
		g_autoptr(GString) json = g_string_new(NULL);
		for (;;) {
			gchar *end = NULL;
			guint64 size = g_ascii_strtoull(p, &end, 16);
			ck_assert(end != p && g_str_has_prefix(end, "\r\n"));
			p = end + 2;
			if (size == 0)
				break;
			g_string_append_len(json, p, (gssize)size);
			p += size + 2;
		}
		ck_assert_uint_eq(json->len, want->len);
		ck_assert(memcmp(json->str, want->str, want->len) == 0);
	}
	g_printerr("e2e-rest-exhaustion: RSS %" G_GSIZE_FORMAT " KiB, at most %" G_GSIZE_FORMAT
		   " KiB while a %" G_GSIZE_FORMAT " KiB list went out\n",
		   base,
		   peak,
		   want->len / 1024);
	ck_assert_uint_lt(peak, base + 8 * 1024);
}
END_TEST

static Suite *
test_rest_exhaustion_suite(void)
{
	Suite *s = suite_create("rest-exhaustion");
	TCase *tc = tcase_create("rest-exhaustion");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_rest_no_body_before_auth);
	tcase_add_test(tc, test_rest_caps);
	tcase_add_test(tc, test_rest_timeouts);
	tcase_add_test(tc, test_rest_fd_reserve);
	tcase_add_test(tc, test_rest_attack_guest_latency);
	tcase_add_test(tc, test_rest_login_throttle_account);
	tcase_add_test(tc, test_rest_unix_socket_trust);
	tcase_add_test(tc, test_rest_password_change);
	tcase_add_test(tc, test_rest_session_cap);
	tcase_add_test(tc, test_rest_log_forging);
	tcase_add_test(tc, test_rest_host_and_headers);
	tcase_add_test(tc, test_rest_stream_entries);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_rest_exhaustion_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

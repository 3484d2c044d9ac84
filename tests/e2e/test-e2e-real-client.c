/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmds-e2e.h"
#include "vmds-packet.h"

/*
 * The real client: Debian's open-vm-tools `vmtoolsd --cmd` (12.2, from the
 * package fetch-open-vm-tools unpacks) against vmdsd, beside ours, for every
 * datasets command, their failures, the empty command, an unknown command
 * and requests over 64 KiB. Each row runs with the real binary on one daemon
 * and with ours on another set up alike, and compares stdout, stderr, the
 * exit status and the bytes on the wire (a recording proxy in this process
 * sits between each client and its daemon).
 *
 * The real binary refuses to run outside VMware and talks vsock: it runs
 * under vmds-ovt-shim.so (LD_PRELOAD), which answers its VM check, turns its
 * AF_VSOCK socket into a unix one connected to the proxy, and installs a
 * seccomp filter that traps any AF_VSOCK socket() reaching the kernel; every
 * real run must show the filter checked, the redirected connect to CID 0
 * port 976, no trap and no backdoor call.
 *
 * The differences guest-rpc.md §3 decides on purpose are listed in
 * `Difference` below, each with its reason; a row names the one it shows,
 * and anything else that differs fails.
 */

typedef enum {
	SAME,
	/* a DataSets failure envelope (`1 {"result":false,...}`): open-vm-tools
	 * exits 0 on any `1 ` reply; ours exits 1, so `vmtoolsd --cmd ... && ...`
	 * stops on a failed call, and the JSON still goes to stdout for jq */
	DIFF_FAILURE_EXIT,
	/* LC_ALL=C, a reply with non-ASCII text: open-vm-tools converts it to the
	 * locale's charset, each character it cannot show becoming '?'; ours
	 * passes the reply's bytes through in any locale */
	DIFF_C_LOCALE_REPLY,
	/* LC_ALL=C, a command with non-ASCII text: open-vm-tools refuses its own
	 * argument ("Invalid byte sequence in conversion input") and sends
	 * nothing; ours sends the bytes as given */
	DIFF_C_LOCALE_ARGUMENT,
	/* a connection that ends without a reply: open-vm-tools sends the request
	 * again once on a new connection (lib/rpcChannel/rpcChannel.c,
	 * RpcChannel_Send(): "retry once"), so the request may be applied twice;
	 * ours sends it once and reports the failure, exit 1 */
	DIFF_RESEND,
} Difference;

typedef struct {
	const gchar *name;
	const gchar *cmd;  /* --cmd TEXT */
	const gchar *file; /* else --cmdfile with these bytes */
	gsize file_len;
	/* else a set-entry made at run time: a key of key_len bytes, or "big"
	 * with a value of value_len bytes */
	gsize key_len;
	gsize value_len;
	const gchar *lc_all;
	/* ours, from guest-rpc.md: exit status, and stdout or stderr exactly,
	 * or (a failure envelope) the start of stdout */
	gint status;
	const gchar *out;
	const gchar *err;
	Difference difference;
} Row;

#define RW	      "{\"dataset\":\"rw\""
#define FAILED(id)    "{\"result\":false,\"error-id\":\"" id "\",\"error-message\":\""
#define F(s)	      NULL, s, sizeof(s) - 1, 0, 0
#define CMD(s)	      s, NULL, 0, 0, 0
#define KEY(n)	      NULL, NULL, 0, n, 0
#define VALUE(n)      NULL, NULL, 0, 0, n
#define UTF8	      NULL
#define C_LOCALE      "C"
#define OK(json)      0, json "\n", ""
#define FAILURE(id)   1, FAILED(id), ""
#define REFUSED(text) 1, "", text "\n"
#define LIST_BOTH                                                                                  \
	"{\"result\":true,\"datasets\":[{\"name\":\"ro\",\"description\":\"test\"},{\"name\":"     \
	"\"rw\",\"description\":\"test\"}]}"
#define ONE_MIB (1024 * 1024)

static const Row rows[] = {
    {"list", CMD("datasets-list"), UTF8, OK(LIST_BOTH)},
    {"list {}", CMD("datasets-list {}"), UTF8, OK(LIST_BOTH)},
    {"query",
     CMD("datasets-query " RW "}"),
     UTF8,
     OK("{\"result\":true,\"name\":\"rw\",\"description\":\"test\",\"host\":\"READ_WRITE\","
	"\"guest\":\"READ_WRITE\",\"used\":2,\"omit_from_snapshot_and_clone\":false}")},
    {"query: no such data set",
     CMD("datasets-query {\"dataset\":\"nope\"}"),
     UTF8,
     FAILURE("dataset-not-found"),
     DIFF_FAILURE_EXIT},
    {"list-keys",
     CMD("datasets-list-keys " RW "}"),
     UTF8,
     OK("{\"result\":true,\"keys\":[\"a\"]}")},
    {"set-entry",
     CMD("datasets-set-entry " RW ",\"entries\":[{\"key\":\"k\",\"value\":\"v1\"}]}"),
     UTF8,
     OK("{\"result\":true}")},
    {"set-entry, append",
     CMD("datasets-set-entry " RW
	 ",\"entries\":[{\"key\":\"k\",\"value\":\"+2\",\"append\":true}]}"),
     UTF8,
     OK("{\"result\":true}")},
    {"get-entry",
     CMD("datasets-get-entry " RW ",\"keys\":[\"k\",\"a\"]}"),
     UTF8,
     OK("{\"result\":true,\"entries\":[{\"k\":\"v1+2\"},{\"a\":\"1\"}]}")},
    {"set-entries (alias), non-ASCII",
     CMD("datasets-set-entries " RW ",\"entries\":[{\"key\":\"u\",\"value\":\"é✓\"}]}"),
     UTF8,
     OK("{\"result\":true}")},
    {"get-entries (alias), non-ASCII",
     CMD("datasets-get-entries " RW ",\"keys\":[\"u\"]}"),
     UTF8,
     OK("{\"result\":true,\"entries\":[{\"u\":\"é✓\"}]}")},
    {"get-entry, LC_ALL=C, non-ASCII reply",
     CMD("datasets-get-entry " RW ",\"keys\":[\"u\"]}"),
     C_LOCALE,
     OK("{\"result\":true,\"entries\":[{\"u\":\"é✓\"}]}"),
     DIFF_C_LOCALE_REPLY},
    {"get-entry, LC_ALL=C, non-ASCII argument",
     CMD("datasets-get-entry " RW ",\"keys\":[\"ü\"]}"),
     C_LOCALE,
     FAILURE("key-not-found"),
     DIFF_C_LOCALE_ARGUMENT},
    {"get-entry: no such key",
     CMD("datasets-get-entry " RW ",\"keys\":[\"nope\"]}"),
     UTF8,
     FAILURE("key-not-found"),
     DIFF_FAILURE_EXIT},
    {"delete-entry",
     CMD("datasets-delete-entry " RW ",\"keys\":[\"k\"]}"),
     UTF8,
     OK("{\"result\":true}")},
    {"delete-entries (alias): no such key",
     CMD("datasets-delete-entries " RW ",\"keys\":[\"k\"]}"),
     UTF8,
     FAILURE("key-not-found"),
     DIFF_FAILURE_EXIT},
    {"set-entry: READ_ONLY data set",
     CMD("datasets-set-entry {\"dataset\":\"ro\",\"entries\":[{\"key\":\"k\",\"value\":\"v\"}]}"),
     UTF8,
     FAILURE("access-denied"),
     DIFF_FAILURE_EXIT},
    {"list-keys: not JSON",
     CMD("datasets-list-keys {dataset:rw}"),
     UTF8,
     FAILURE("invalid-argument"),
     DIFF_FAILURE_EXIT},
    {"set-entry: a key over 4,096 bytes", KEY(4097), UTF8, FAILURE("too-large"), DIFF_FAILURE_EXIT},
    {"cmdfile: white space and a NUL after the command",
     F("datasets-list-keys " RW "} \t\n\0junk\n"),
     UTF8,
     OK("{\"result\":true,\"keys\":[\"a\",\"u\"]}")},
    {"unknown command", CMD("no-such-command with args"), UTF8, REFUSED("Unknown command")},
    {"the empty command", CMD(""), UTF8, REFUSED("Unknown command")},
    {"a request of 100 KiB", VALUE(100 * 1024), UTF8, REFUSED("Message too large")},
    {"a request of 1 MiB (cmdfile)", VALUE(ONE_MIB), UTF8, REFUSED("Message too large")},
};

/* the row's command (the file's bytes for a --cmdfile row) */
static gchar *
row_text(const Row *row, gsize *len)
{
	g_autofree gchar *key = NULL;
	g_autofree gchar *value = NULL;
	gchar *text;

	if (row->cmd != NULL) {
		*len = strlen(row->cmd);
		return g_strdup(row->cmd);
	}
	if (row->file != NULL) {
		*len = row->file_len;
		return g_memdup2(row->file, row->file_len);
	}
	key = row->key_len > 0 ? g_strnfill(row->key_len, 'k') : g_strdup("big");
	value = row->value_len > 0 ? g_strnfill(row->value_len, 'v') : g_strdup("v");
	text = g_strdup_printf("datasets-set-entry " RW
			       ",\"entries\":[{\"key\":\"%s\",\"value\":\"%s\"}]}",
			       key,
			       value);
	*len = strlen(text);
	return text;
}

/* a command longer than the kernel takes as one argument goes in a file */
static gboolean
row_uses_file(const Row *row, gsize len)
{
	return row->file != NULL || len > 120 * 1024;
}

/*
 * The recording proxy: a unix socket in the fixture's directory; each
 * connection to it is relayed to the daemon's socket, in turn, and what went
 * each way is kept. In drop mode it reads one request and closes without a
 * reply, once.
 */
typedef struct {
	GByteArray *request; /* client to daemon */
	GByteArray *reply;   /* daemon to client */
} ProxyConn;

typedef struct {
	gchar *path;
	gchar *upstream;
	gint listen_fd;
	gint wake[2];
	GThread *thread;
	GMutex lock;
	GCond cond;
	GPtrArray *conns; /* ProxyConn, finished */
	gboolean active;
	gboolean drop_next;
} Proxy;

static void
proxy_conn_free(ProxyConn *conn)
{
	g_byte_array_unref(conn->request);
	g_byte_array_unref(conn->reply);
	g_free(conn);
}

static gboolean
proxy_send_all(gint fd, const guint8 *data, gsize len)
{
	while (len > 0) {
		gssize n = send(fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* one packet's worth of the client's bytes, then the close */
static void
proxy_drop(gint fd, ProxyConn *conn)
{
	while (conn->request->len < VMDS_PACKET_HEADER_SIZE ||
	       conn->request->len <
		   VMDS_PACKET_HEADER_SIZE + vmds_packet_read_length(conn->request->data)) {
		guint8 buf[65536];
		gssize n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		g_byte_array_append(conn->request, buf, (guint)n);
	}
}

/* relays until both sides are done; a daemon that closed while the client
 * still sends closes the client's connection once its reply is passed on */
static void
proxy_relay(gint fd, gint up, ProxyConn *conn)
{
	gboolean from_client = TRUE;
	gboolean from_daemon = TRUE;

	while (from_client || from_daemon) {
		struct pollfd pfd[2] = {{.fd = fd, .events = from_client ? POLLIN : 0},
					{.fd = up, .events = from_daemon ? POLLIN : 0}};
		guint8 buf[65536];
		gssize n;

		if (poll(pfd, 2, 60000) <= 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (from_client && pfd[0].revents != 0) {
			n = recv(fd, buf, sizeof(buf), 0);
			if (n > 0) {
				g_byte_array_append(conn->request, buf, (guint)n);
				if (!proxy_send_all(up, buf, (gsize)n))
					from_client = FALSE;
			} else if (n == 0 || errno != EINTR) {
				from_client = FALSE;
				shutdown(up, SHUT_WR);
			}
		}
		if (from_daemon && pfd[1].revents != 0) {
			n = recv(up, buf, sizeof(buf), 0);
			if (n > 0) {
				g_byte_array_append(conn->reply, buf, (guint)n);
				proxy_send_all(fd, buf, (gsize)n);
			} else if (n == 0 || errno != EINTR) {
				from_daemon = FALSE;
				shutdown(fd, SHUT_WR);
			}
		}
	}
}

static gint
proxy_unix_socket(const gchar *path, gboolean listening)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	gint fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_assert(fd >= 0 && strlen(path) < sizeof(sun.sun_path));
	g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if (listening) {
		g_assert(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
		g_assert(listen(fd, 16) == 0);
	} else if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static gpointer
proxy_thread_cb(gpointer data)
{
	Proxy *self = data;

	for (;;) {
		struct pollfd pfd[2] = {{.fd = self->listen_fd, .events = POLLIN},
					{.fd = self->wake[0], .events = POLLIN}};
		ProxyConn *conn;
		gboolean drop;
		gint fd;

		if (poll(pfd, 2, -1) < 0 || pfd[1].revents != 0)
			break;
		g_mutex_lock(&self->lock);
		self->active = TRUE;
		drop = self->drop_next;
		self->drop_next = FALSE;
		g_mutex_unlock(&self->lock);
		fd = accept4(self->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		conn = g_new0(ProxyConn, 1);
		conn->request = g_byte_array_new();
		conn->reply = g_byte_array_new();
		if (fd >= 0 && drop) {
			proxy_drop(fd, conn);
		} else if (fd >= 0) {
			gint up = proxy_unix_socket(self->upstream, FALSE);
			if (up >= 0) {
				proxy_relay(fd, up, conn);
				close(up);
			}
		}
		if (fd >= 0)
			close(fd);
		g_mutex_lock(&self->lock);
		g_ptr_array_add(self->conns, conn);
		self->active = FALSE;
		g_cond_broadcast(&self->cond);
		g_mutex_unlock(&self->lock);
	}
	return NULL;
}

static Proxy *
proxy_new(VmdsE2e *e2e)
{
	Proxy *self = g_new0(Proxy, 1);

	self->path = g_build_filename(vmds_e2e_get_tmp(e2e), "proxy.sock", NULL);
	self->upstream = vmds_e2e_socket_path(e2e, NULL);
	self->listen_fd = proxy_unix_socket(self->path, TRUE);
	ck_assert_int_eq(pipe2(self->wake, O_CLOEXEC), 0);
	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	self->conns = g_ptr_array_new_with_free_func((GDestroyNotify)proxy_conn_free);
	self->thread = g_thread_new("proxy", proxy_thread_cb, self);
	return self;
}

static void
proxy_free(Proxy *self)
{
	ck_assert_int_eq(write(self->wake[1], "x", 1), 1);
	g_thread_join(self->thread);
	close(self->listen_fd);
	close(self->wake[0]);
	close(self->wake[1]);
	g_ptr_array_unref(self->conns);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	g_free(self->path);
	g_free(self->upstream);
	g_free(self);
}

/* whether a connection waits to be accepted */
static gboolean
proxy_has_queued(Proxy *self)
{
	struct pollfd pfd = {.fd = self->listen_fd, .events = POLLIN};
	return poll(&pfd, 1, 0) == 1;
}

/* the connections since @from, once the proxy is idle (its client exited);
 * bounded */
static GPtrArray *
proxy_take(Proxy *self, guint from)
{
	gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	GPtrArray *conns = g_ptr_array_new();

	g_mutex_lock(&self->lock);
	while (self->active || proxy_has_queued(self)) {
		gint64 step = MIN(deadline, g_get_monotonic_time() + 50 * G_TIME_SPAN_MILLISECOND);
		ck_assert_msg(g_get_monotonic_time() < deadline, "the proxy never went idle");
		g_cond_wait_until(&self->cond, &self->lock, step);
	}
	for (guint i = from; i < self->conns->len; i++)
		g_ptr_array_add(conns, g_ptr_array_index(self->conns, i));
	g_mutex_unlock(&self->lock);
	return conns;
}

static guint
proxy_count(Proxy *self)
{
	guint n;

	g_mutex_lock(&self->lock);
	n = self->conns->len;
	g_mutex_unlock(&self->lock);
	return n;
}

/* one client's run of a row: what it printed, and what went on the wire */
typedef struct {
	VmdsE2eRun *run;
	GPtrArray *conns; /* ProxyConn, owned by the proxy */
	gchar *shim_log;
} ClientRun;

static void
client_run_free(ClientRun *cr)
{
	vmds_e2e_run_free(cr->run);
	g_ptr_array_unref(cr->conns);
	g_free(cr->shim_log);
	g_free(cr);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ClientRun, client_run_free)

typedef struct {
	VmdsE2e *e2e;
	Proxy *proxy;
	gboolean real;
} Side;

static Side real_side;
static Side our_side;
static gchar *ovt_root = NULL;
static gchar *ovt_version = NULL;

/* the client of @side with OPTION VALUE (--cmd or --cmdfile), in @lc_all */
static ClientRun *
side_run_option(Side *side, const gchar *option, const gchar *value, const gchar *lc_all)
{
	ClientRun *cr = g_new0(ClientRun, 1);
	g_autofree gchar *log = g_build_filename(vmds_e2e_get_tmp(side->e2e), "shim.log", NULL);
	g_autofree gchar *real_bin = g_build_filename(ovt_root, "usr", "bin", "vmtoolsd", NULL);
	g_autofree gchar *real_libs =
	    g_build_filename(ovt_root, "usr", "lib", "x86_64-linux-gnu", NULL);
	g_autofree gchar *env_preload =
	    g_strdup_printf("LD_PRELOAD=%s", vmds_e2e_getenv("VMDS_OVT_SHIM"));
	g_autofree gchar *env_libs = g_strdup_printf("LD_LIBRARY_PATH=%s", real_libs);
	g_autofree gchar *env_socket = g_strdup_printf("VMDS_OVT_SOCKET=%s", side->proxy->path);
	g_autofree gchar *env_log = g_strdup_printf("VMDS_OVT_LOG=%s", log);
	g_autofree gchar *env_channel =
	    g_strdup_printf("VMTOOLSD_CHANNEL=unix:%s", side->proxy->path);
	g_autofree gchar *env_locale =
	    g_strdup_printf("LC_ALL=%s", lc_all != NULL ? lc_all : "C.UTF-8");
	const gchar *argv[] = {
	    side->real ? real_bin : vmds_e2e_getenv("VMTOOLSD"), option, value, NULL};
	const gchar *real_env[] = {env_preload, env_libs, env_socket, env_log, env_locale, NULL};
	const gchar *our_env[] = {env_channel, env_locale, NULL};
	guint from = proxy_count(side->proxy);

	g_unlink(log);
	cr->run = vmds_e2e_run(side->e2e, argv, side->real ? real_env : our_env, NULL, 0);
	cr->conns = proxy_take(side->proxy, from);
	if (side->real && !g_file_get_contents(log, &cr->shim_log, NULL, NULL))
		cr->shim_log = g_strdup("");
	return cr;
}

static ClientRun *
side_run(Side *side, const Row *row)
{
	gsize len = 0;
	g_autofree gchar *text = row_text(row, &len);
	g_autofree gchar *file = NULL;

	if (!row_uses_file(row, len))
		return side_run_option(side, "--cmd", text, row->lc_all);
	file = vmds_e2e_write_file(side->e2e, "cmd.txt", text, len);
	return side_run_option(side, "--cmdfile", file, row->lc_all);
}

/* how many lines of @log are @line */
static guint
log_count(const gchar *log, const gchar *line)
{
	g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
	guint n = 0;

	for (guint i = 0; lines[i] != NULL; i++)
		n += g_strcmp0(lines[i], line) == 0;
	return n;
}

/* the real binary ran under the shim, and no AF_VSOCK socket reached the
 * kernel: the filter checked itself, nothing trapped, no backdoor call */
static void
assert_no_vsock(const Row *row, const ClientRun *real, gboolean connects)
{
	ck_assert_msg(log_count(real->shim_log, "filter-checked") == 1,
		      "%s: the shim's filter was not checked:\n%s",
		      row->name,
		      real->shim_log);
	ck_assert_msg(log_count(real->shim_log, "vsock-kernel-attempt") == 0,
		      "%s: an AF_VSOCK socket reached the kernel:\n%s",
		      row->name,
		      real->shim_log);
	ck_assert_msg(log_count(real->shim_log, "backdoor") == 0,
		      "%s: the real vmtoolsd fell back to the backdoor:\n%s",
		      row->name,
		      real->shim_log);
	ck_assert_msg(log_count(real->shim_log, "vmcheck") >= 1,
		      "%s: the VM check was not answered by the shim:\n%s",
		      row->name,
		      real->shim_log);
	/* [vmware] guest to host requests go to CID 0 (the hypervisor), port 976 */
	if (connects)
		ck_assert_msg(log_count(real->shim_log, "vsock-connect 0 976") >= 1,
			      "%s: no redirected vsock connect:\n%s",
			      row->name,
			      real->shim_log);
}

/* what our vmtoolsd prints, from guest-rpc.md §3 */
static void
assert_ours(const Row *row, const VmdsE2eRun *run)
{
	gboolean prefix = g_str_has_prefix(row->out, "{\"result\":false,");

	ck_assert_msg(run->status == row->status,
		      "%s: ours exited %d, expected %d; stdout [%.300s] stderr [%.300s]",
		      row->name,
		      run->status,
		      row->status,
		      run->out,
		      run->err);
	ck_assert_msg(prefix ? g_str_has_prefix(run->out, row->out) &&
				   g_str_has_suffix(run->out, "\"}\n")
			     : g_strcmp0(run->out, row->out) == 0,
		      "%s: ours printed [%.300s], expected %s[%s]",
		      row->name,
		      run->out,
		      prefix ? "a line starting " : "",
		      row->out);
	ck_assert_msg(g_strcmp0(run->err, row->err) == 0,
		      "%s: ours printed [%.300s] on stderr, expected [%s]",
		      row->name,
		      run->err,
		      row->err);
}

static gboolean
bytes_equal(const GByteArray *a, const GByteArray *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void
put_u32(GByteArray *out, guint32 value)
{
	guint32 be = GUINT32_TO_BE(value);
	g_byte_array_append(out, (const guint8 *)&be, 4);
}

/* the one request, framed by hand as guest-rpc.md §2 says open-vm-tools sends
 * it: TYPE = DATA, PAYLOAD = the text as sent (of length 0 for the empty
 * command), FAST_CLOSE = 1; INT64 values low word first */
static void
assert_wire(const Row *row, const ClientRun *cr, const gchar *who, const gchar *text, gsize len)
{
	const guint32 type[] = {1, 1, 1, 0};
	const guint32 fast_close[] = {1, 3, 1, 0};
	g_autoptr(GByteArray) expected = g_byte_array_new();
	ProxyConn *conn;

	put_u32(expected, (guint32)(16 + 12 + len + 16));
	for (guint i = 0; i < G_N_ELEMENTS(type); i++)
		put_u32(expected, type[i]);
	put_u32(expected, 2);
	put_u32(expected, 2);
	put_u32(expected, (guint32)len);
	g_byte_array_append(expected, (const guint8 *)text, (guint)len);
	for (guint i = 0; i < G_N_ELEMENTS(fast_close); i++)
		put_u32(expected, fast_close[i]);

	ck_assert_msg(
	    cr->conns->len == 1, "%s: %s made %u connections", row->name, who, cr->conns->len);
	conn = g_ptr_array_index(cr->conns, 0);
	ck_assert_msg(bytes_equal(conn->request, expected),
		      "%s: %s sent %u bytes, not the %u of the request",
		      row->name,
		      who,
		      conn->request->len,
		      expected->len);
}

/* the same request and the same reply bytes */
static void
assert_same_wire(const Row *row, const ClientRun *real, const ClientRun *ours)
{
	ProxyConn *r = g_ptr_array_index(real->conns, 0);
	ProxyConn *o = g_ptr_array_index(ours->conns, 0);

	ck_assert_msg(bytes_equal(r->request, o->request),
		      "%s: the requests differ (%u and %u bytes)",
		      row->name,
		      r->request->len,
		      o->request->len);
	ck_assert_msg(bytes_equal(r->reply, o->reply),
		      "%s: the replies differ (%u and %u bytes)",
		      row->name,
		      r->reply->len,
		      o->reply->len);
}

/* @text with each non-ASCII character as '?', as g_print() shows it in the C locale */
static gchar *
question_marks(const gchar *text)
{
	GString *out = g_string_new(NULL);

	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p))
		g_string_append_c(out, (guchar)*p < 0x80 ? *p : '?');
	return g_string_free(out, FALSE);
}

/* the text a --cmdfile sends: up to the first NUL, without trailing white space */
static gchar *
file_command(const gchar *data, gsize len, gsize *out_len)
{
	const gchar *nul = memchr(data, '\0', len);

	if (nul != NULL)
		len = (gsize)(nul - data);
	while (len > 0 && g_ascii_isspace(data[len - 1]))
		len--;
	*out_len = len;
	return g_strndup(data, len);
}

static void
run_row(const Row *row)
{
	g_autoptr(ClientRun) real = side_run(&real_side, row);
	g_autoptr(ClientRun) ours = side_run(&our_side, row);
	gsize len = 0;
	g_autofree gchar *text = row_text(row, &len);
	gsize sent_len = len;
	g_autofree gchar *sent =
	    row_uses_file(row, len) ? file_command(text, len, &sent_len) : g_strndup(text, len);

	assert_ours(row, ours->run);
	assert_wire(row, ours, "ours", sent, sent_len);
	if (row->difference == DIFF_C_LOCALE_ARGUMENT) {
		assert_no_vsock(row, real, FALSE);
		ck_assert_msg(real->conns->len == 0 && real->run->status == 1 &&
				  real->run->out[0] == '\0' &&
				  g_str_has_prefix(real->run->err, "Command line parsing failed: "),
			      "%s: open-vm-tools: %u connections, exit %d, [%s] [%s]",
			      row->name,
			      real->conns->len,
			      real->run->status,
			      real->run->out,
			      real->run->err);
		return;
	}
	assert_no_vsock(row, real, TRUE);
	assert_wire(row, real, "open-vm-tools", sent, sent_len);
	assert_same_wire(row, real, ours);
	ck_assert_msg(g_strcmp0(real->run->err, ours->run->err) == 0,
		      "%s: stderr [%.300s] from open-vm-tools, [%.300s] from ours",
		      row->name,
		      real->run->err,
		      ours->run->err);
	if (row->difference == DIFF_C_LOCALE_REPLY) {
		g_autofree gchar *shown = question_marks(ours->run->out);
		ck_assert_msg(
		    g_strcmp0(ours->run->out, shown) != 0, "%s: no non-ASCII reply", row->name);
		ck_assert_msg(g_strcmp0(real->run->out, shown) == 0,
			      "%s: open-vm-tools printed [%s], expected [%s]",
			      row->name,
			      real->run->out,
			      shown);
	} else {
		ck_assert_msg(g_strcmp0(real->run->out, ours->run->out) == 0,
			      "%s: stdout [%.300s] from open-vm-tools, [%.300s] from ours",
			      row->name,
			      real->run->out,
			      ours->run->out);
	}
	if (row->difference == DIFF_FAILURE_EXIT)
		ck_assert_msg(real->run->status == 0 && ours->run->status == 1,
			      "%s: exit %d from open-vm-tools, %d from ours, expected 0 and 1",
			      row->name,
			      real->run->status,
			      ours->run->status);
	else
		ck_assert_msg(real->run->status == ours->run->status,
			      "%s: exit %d from open-vm-tools, %d from ours",
			      row->name,
			      real->run->status,
			      ours->run->status);
}

static void
side_setup(Side *side, gboolean real)
{
	side->real = real;
	side->e2e = vmds_e2e_new(NULL);
	vmds_e2e_create_dataset(side->e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_create_dataset(side->e2e, NULL, "ro", "READ_WRITE", "READ_ONLY");
	vmds_e2e_put(side->e2e, "rw", "a", "1");
	side->proxy = proxy_new(side->e2e);
}

static void
side_teardown(Side *side)
{
	g_clear_pointer(&side->proxy, proxy_free);
	g_clear_pointer(&side->e2e, vmds_e2e_free);
}

static void
setup(void)
{
	side_setup(&real_side, TRUE);
	side_setup(&our_side, FALSE);
}

static void
teardown(void)
{
	side_teardown(&real_side);
	side_teardown(&our_side);
}

/* every row, in order, on both daemons: their states stay alike */
START_TEST(test_real_client_rows)
{
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++)
		run_row(&rows[i]);
	g_printerr("e2e-real-client: %zu rows passed with open-vm-tools %s\n",
		   G_N_ELEMENTS(rows),
		   ovt_version);
}
END_TEST

/* a connection that ends without a reply: open-vm-tools sends the request
 * again on a new connection; ours does not (DIFF_RESEND) */
START_TEST(test_real_client_resend)
{
	const Row row = {
	    "set-entry, the first connection dropped",
	    CMD("datasets-set-entry " RW ",\"entries\":[{\"key\":\"r\",\"value\":\"x\"}]}"),
	    UTF8,
	    OK("{\"result\":true}"),
	    DIFF_RESEND};
	g_autoptr(ClientRun) real = NULL;
	g_autoptr(ClientRun) ours = NULL;
	g_autofree gchar *real_keys = NULL;
	g_autofree gchar *our_keys = NULL;
	ProxyConn *first;
	ProxyConn *second;

	real_side.proxy->drop_next = TRUE;
	our_side.proxy->drop_next = TRUE;
	real = side_run(&real_side, &row);
	ours = side_run(&our_side, &row);

	assert_no_vsock(&row, real, TRUE);
	ck_assert_msg(real->conns->len == 2, "open-vm-tools made %u connections", real->conns->len);
	first = g_ptr_array_index(real->conns, 0);
	second = g_ptr_array_index(real->conns, 1);
	ck_assert(bytes_equal(first->request, second->request));
	ck_assert_uint_eq(first->reply->len, 0);
	vmds_e2e_assert_ok(real->run, "{\"result\":true}");

	ck_assert_msg(ours->conns->len == 1, "ours made %u connections", ours->conns->len);
	ck_assert_msg(ours->run->status == 1 && ours->run->out[0] == '\0' &&
			  g_str_has_prefix(ours->run->err, "vmtoolsd: no reply from vmdsd at ") &&
			  g_str_has_suffix(ours->run->err,
					   ": connection closed before the reply was complete\n"),
		      "ours: exit %d [%s] [%s]",
		      ours->run->status,
		      ours->run->out,
		      ours->run->err);
	real_keys = vmds_e2e_keys(real_side.e2e, "rw");
	our_keys = vmds_e2e_keys(our_side.e2e, "rw");
	ck_assert_str_eq(real_keys, "[\"a\",\"r\"]");
	ck_assert_str_eq(our_keys, "[\"a\"]");
}
END_TEST

/* guest-rpc.md §3: an unreadable --cmdfile, the same message from both, and
 * nothing sent */
START_TEST(test_real_client_unreadable_file)
{
	const Row row = {"cmdfile: no such file", CMD(""), UTF8, REFUSED("")};
	g_autoptr(ClientRun) real = side_run_option(&real_side, "--cmdfile", "missing.cmd", NULL);
	g_autoptr(ClientRun) ours = side_run_option(&our_side, "--cmdfile", "missing.cmd", NULL);

	assert_no_vsock(&row, real, FALSE);
	vmds_e2e_assert_run(ours->run, 1, "", "Unable to read command from file missing.cmd.\n");
	vmds_e2e_assert_run(real->run, 1, "", "Unable to read command from file missing.cmd.\n");
	ck_assert_uint_eq(real->conns->len, 0);
	ck_assert_uint_eq(ours->conns->len, 0);
}
END_TEST

/* "ok VERSION" from fetch-open-vm-tools, else why it is not there */
static gchar *
ovt_unavailable(void)
{
	const gchar *stamp = g_getenv("VMDS_OVT_STAMP");
	g_autofree gchar *text = NULL;
	g_autofree gchar *dir = NULL;

	if (stamp == NULL || !g_file_get_contents(stamp, &text, NULL, NULL))
		return g_strdup("no stamp from fetch-open-vm-tools (run through meson test)");
	g_strstrip(text);
	if (!g_str_has_prefix(text, "ok "))
		return g_steal_pointer(&text);
	dir = g_path_get_dirname(stamp);
	ovt_root = g_build_filename(dir, "open-vm-tools", "root", NULL);
	ovt_version = g_strdup(text + strlen("ok "));
	return NULL;
}

int
main(void)
{
	g_autofree gchar *unavailable = ovt_unavailable();
	g_autoptr(SRunner) runner = NULL;
	Suite *s;
	TCase *tc;

	if (unavailable != NULL) {
		g_print("SKIP: Debian's open-vm-tools cannot be had here: %s\n", unavailable);
		return 77;
	}
	s = suite_create("e2e-real-client");
	tc = tcase_create("open-vm-tools");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_real_client_rows);
	tcase_add_test(tc, test_real_client_resend);
	tcase_add_test(tc, test_real_client_unreadable_file);
	suite_add_tcase(s, tc);
	runner = srunner_create(s);
	srunner_run_all(runner, CK_ENV);
	g_free(ovt_root);
	g_free(ovt_version);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

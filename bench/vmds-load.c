/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vmds-packet.h"

/*
 * vmds-load: one load generator for vmdsd (DataMap guest protocol) and
 * redis-server (RESP), so both are driven by the same code: one thread per
 * connection, blocking I/O, one request in flight per connection (closed
 * loop), over a unix socket. It reports ops/s and latency percentiles.
 *
 * Ops: get (read one key), set (write one key, durable on vmds), oneshot
 * (connect, one get, close; FAST_CLOSE on vmds), append (write one value of
 * --value-size in --chunks requests: a plain set, then appends).
 *
 * By default each connection sends its next request as soon as the reply
 * to the last one is in, until --requests are done. Two options change
 * that, for measuring latency beside other work (bench/lifecycle):
 * --duration stops starting requests after that many seconds (paced: the
 * requests due in that time are all sent), and
 * --interval-us paces each connection to one request every N µs, on a
 * fixed schedule; a request that falls due while the last reply is still
 * awaited is sent at once and its latency counted from when it was due, not
 * from when it was sent, so a server that stalls is charged for every
 * request a guest would have sent meanwhile (no coordinated omission).
 */

typedef enum {
	VMDS_LOAD_TARGET_VMDS,
	VMDS_LOAD_TARGET_REDIS,
} VmdsLoadTarget;

typedef enum {
	VMDS_LOAD_OP_GET,
	VMDS_LOAD_OP_SET,
	VMDS_LOAD_OP_ONESHOT,
	VMDS_LOAD_OP_APPEND,
} VmdsLoadOp;

static const gchar *vmds_load_op_names[] = {
    [VMDS_LOAD_OP_GET] = "get",
    [VMDS_LOAD_OP_SET] = "set",
    [VMDS_LOAD_OP_ONESHOT] = "oneshot",
    [VMDS_LOAD_OP_APPEND] = "append",
};

typedef struct {
	VmdsLoadTarget target;
	VmdsLoadOp op;
	const gchar *socket_path;
	const gchar *dataset;
	const gchar *key_prefix;
	guint connections;
	guint requests;
	guint keys;
	guint value_size;
	guint chunks;
	gboolean json;
	gchar *value; /* value_size bytes of [a-z], NUL-terminated */
	gint next;    /* the next request index, shared by the threads */
	gint errors;
	guint64 *latency_ns; /* one per request, by index */
	guint64 round_trips;
	guint64 interval_ns; /* 0: back to back, else one request per connection every N ns */
	guint64 deadline_ns; /* 0: none, else start no request after this time */
} VmdsLoad;

typedef struct {
	VmdsLoad *load;
	int fd;
	GByteArray *in; /* bytes read and not yet consumed */
	GByteArray *out;
	guint64 round_trips;
	gchar *error; /* why the thread stopped early */
} VmdsLoadConn;

static guint64
vmds_load_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (guint64)ts.tv_sec * 1000000000u + (guint64)ts.tv_nsec;
}

static int
vmds_load_connect(const gchar *path, gchar **error)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		*error = g_strdup_printf("socket path too long: %s", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error = g_strdup_printf("socket: %s", g_strerror(errno));
		return -1;
	}
	/* a full backlog makes connect() fail with EAGAIN on unix sockets: retry */
	for (guint i = 0;; i++) {
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			return fd;
		if (errno != EAGAIN || i > 1000) {
			*error = g_strdup_printf("connect %s: %s", path, g_strerror(errno));
			close(fd);
			return -1;
		}
		g_usleep(100);
	}
}

static gboolean
vmds_load_write_all(int fd, const guint8 *buf, gsize len, gchar **error)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error = g_strdup_printf("write: %s", g_strerror(errno));
			return FALSE;
		}
		buf += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* reads at least one more byte into conn->in */
static gboolean
vmds_load_read_more(VmdsLoadConn *conn, gchar **error)
{
	guint8 buf[65536];
	ssize_t n;

	do
		n = read(conn->fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		*error = g_strdup_printf("read: %s", g_strerror(errno));
		return FALSE;
	}
	if (n == 0) {
		*error = g_strdup("connection closed by the server");
		return FALSE;
	}
	g_byte_array_append(conn->in, buf, (guint)n);
	return TRUE;
}

static gboolean
vmds_load_read_exact(VmdsLoadConn *conn, gsize len, gchar **error)
{
	while (conn->in->len < len) {
		if (!vmds_load_read_more(conn, error))
			return FALSE;
	}
	return TRUE;
}

/* the key of request @index */
static gchar *
vmds_load_key(VmdsLoad *self, guint index)
{
	return g_strdup_printf("%s%u", self->key_prefix, index % self->keys);
}

static void
vmds_load_encode_vmds(VmdsLoadConn *conn, const GString *text, gboolean fast_close)
{
	g_byte_array_set_size(conn->out, 0);
	vmds_packet_encode(
	    conn->out, VMDS_PACKET_TYPE_DATA, (const guint8 *)text->str, text->len, fast_close);
}

static void
vmds_load_resp_arg(GString *s, const gchar *arg, gsize len)
{
	g_string_append_printf(s, "$%" G_GSIZE_FORMAT "\r\n", len);
	g_string_append_len(s, arg, (gssize)len);
	g_string_append(s, "\r\n");
}

/*
 * The bytes a write sends: [offset, offset + len) of the value, its first
 * eight (at offset 0) replaced by @stamp in hex, so that every write
 * changes what is stored: a write of the bytes a key already holds may cost
 * a store nothing (SQLite then writes no page and syncs nothing), which
 * would flatter it.
 */
static void
vmds_load_value_part(VmdsLoad *self, GString *s, gsize offset, gsize len, guint stamp)
{
	if (offset > 0 || len < 8) {
		g_string_append_len(s, self->value + offset, (gssize)len);
		return;
	}
	g_string_append_printf(s, "%08x", stamp);
	g_string_append_len(s, self->value + 8, (gssize)(len - 8));
}

/* one request: the GET of @key, or the write of bytes [offset, offset + len) of the value */
static void
vmds_load_encode(VmdsLoadConn *conn,
		 const gchar *key,
		 gboolean write,
		 gboolean append,
		 gsize offset,
		 gsize len,
		 gboolean fast_close)
{
	VmdsLoad *self = conn->load;
	g_autoptr(GString) s = g_string_sized_new(len + 128);

	if (self->target == VMDS_LOAD_TARGET_VMDS) {
		if (!write) {
			g_string_printf(s,
					"datasets-get-entry {\"dataset\":\"%s\",\"keys\":[\"%s\"]}",
					self->dataset,
					key);
		} else {
			g_string_printf(s,
					"datasets-set-entry {\"dataset\":\"%s\",\"entries\":"
					"[{\"key\":\"%s\",\"value\":\"",
					self->dataset,
					key);
			vmds_load_value_part(self, s, offset, len, (guint)conn->round_trips);
			g_string_append(s, append ? "\",\"append\":true}]}" : "\"}]}");
		}
		vmds_load_encode_vmds(conn, s, fast_close);
		return;
	}
	if (!write) {
		g_string_append(s, "*2\r\n");
		vmds_load_resp_arg(s, "GET", 3);
	} else {
		g_string_append(s, "*3\r\n");
		if (append)
			vmds_load_resp_arg(s, "APPEND", 6);
		else
			vmds_load_resp_arg(s, "SET", 3);
	}
	vmds_load_resp_arg(s, key, strlen(key));
	if (write) {
		g_string_append_printf(s, "$%" G_GSIZE_FORMAT "\r\n", len);
		vmds_load_value_part(self, s, offset, len, (guint)conn->round_trips);
		g_string_append(s, "\r\n");
	}
	g_byte_array_set_size(conn->out, 0);
	g_byte_array_append(conn->out, (const guint8 *)s->str, (guint)s->len);
}

/* reads one vmds reply and checks it is a success; @min_len: the least payload size */
static gboolean
vmds_load_reply_vmds(VmdsLoadConn *conn, gsize min_len, gchar **error)
{
	g_autoptr(GError) error_local = NULL;
	VmdsPacket packet = {0};
	guint32 len;
	static const gchar ok[] = "1 {\"result\":true";

	if (!vmds_load_read_exact(conn, VMDS_PACKET_HEADER_SIZE, error))
		return FALSE;
	len = vmds_packet_read_length(conn->in->data);
	if (!vmds_load_read_exact(conn, VMDS_PACKET_HEADER_SIZE + len, error))
		return FALSE;
	if (!vmds_packet_decode(
		conn->in->data + VMDS_PACKET_HEADER_SIZE, len, &packet, &error_local)) {
		*error = g_strdup_printf("bad reply: %s", error_local->message);
		return FALSE;
	}
	if (packet.payload_len < sizeof(ok) - 1 ||
	    memcmp(packet.payload, ok, sizeof(ok) - 1) != 0 || packet.payload_len < min_len) {
		*error = g_strdup_printf("failed reply: %.*s",
					 (int)MIN(packet.payload_len, 200),
					 (const gchar *)packet.payload);
		return FALSE;
	}
	g_byte_array_remove_range(conn->in, 0, VMDS_PACKET_HEADER_SIZE + len);
	return TRUE;
}

/* reads one RESP reply: a status, an integer, or a bulk string of at least @min_len bytes */
static gboolean
vmds_load_reply_redis(VmdsLoadConn *conn, gsize min_len, gchar **error)
{
	const guint8 *eol;
	gsize line;

	for (;;) {
		eol = memmem(conn->in->data, conn->in->len, "\r\n", 2);
		if (eol != NULL)
			break;
		if (!vmds_load_read_more(conn, error))
			return FALSE;
	}
	line = (gsize)(eol - conn->in->data) + 2;
	switch (conn->in->data[0]) {
	case '+':
	case ':':
		g_byte_array_remove_range(conn->in, 0, (guint)line);
		return TRUE;
	case '$': {
		gint64 n = g_ascii_strtoll((const gchar *)conn->in->data + 1, NULL, 10);
		if (n < 0 || (gsize)n < min_len) {
			*error =
			    g_strdup_printf("short or missing value (%" G_GINT64_FORMAT ")", n);
			return FALSE;
		}
		if (!vmds_load_read_exact(conn, line + (gsize)n + 2, error))
			return FALSE;
		g_byte_array_remove_range(conn->in, 0, (guint)(line + (gsize)n + 2));
		return TRUE;
	}
	default:
		*error = g_strdup_printf(
		    "failed reply: %.*s", (int)MIN(line, 200), (const gchar *)conn->in->data);
		return FALSE;
	}
}

static gboolean
vmds_load_call(VmdsLoadConn *conn, gsize min_len, gchar **error)
{
	conn->round_trips++;
	if (!vmds_load_write_all(conn->fd, conn->out->data, conn->out->len, error))
		return FALSE;
	if (conn->load->target == VMDS_LOAD_TARGET_VMDS)
		return vmds_load_reply_vmds(conn, min_len, error);
	return vmds_load_reply_redis(conn, min_len, error);
}

/* one measured operation */
static gboolean
vmds_load_op(VmdsLoadConn *conn, guint index, gchar **error)
{
	VmdsLoad *self = conn->load;
	g_autofree gchar *key = vmds_load_key(self, index);

	switch (self->op) {
	case VMDS_LOAD_OP_GET:
		vmds_load_encode(conn, key, FALSE, FALSE, 0, 0, FALSE);
		return vmds_load_call(conn, self->value_size, error);
	case VMDS_LOAD_OP_SET:
		vmds_load_encode(conn, key, TRUE, FALSE, 0, self->value_size, FALSE);
		return vmds_load_call(conn, 0, error);
	case VMDS_LOAD_OP_ONESHOT: {
		gboolean ok;
		conn->fd = vmds_load_connect(self->socket_path, error);
		if (conn->fd < 0)
			return FALSE;
		g_byte_array_set_size(conn->in, 0);
		vmds_load_encode(conn, key, FALSE, FALSE, 0, 0, TRUE);
		ok = vmds_load_call(conn, self->value_size, error);
		close(conn->fd);
		conn->fd = -1;
		return ok;
	}
	case VMDS_LOAD_OP_APPEND: {
		gsize chunk = (self->value_size + self->chunks - 1) / self->chunks;
		for (gsize offset = 0; offset < self->value_size; offset += chunk) {
			gsize len = MIN(chunk, self->value_size - offset);
			vmds_load_encode(conn, key, TRUE, offset > 0, offset, len, FALSE);
			if (!vmds_load_call(conn, 0, error))
				return FALSE;
		}
		return TRUE;
	}
	default:
		g_assert_not_reached();
	}
}

/* sleeps until @when, a CLOCK_MONOTONIC time in ns */
static void
vmds_load_sleep_until(guint64 when)
{
	struct timespec ts = {
	    .tv_sec = (time_t)(when / 1000000000u),
	    .tv_nsec = (long)(when % 1000000000u),
	};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static gpointer
vmds_load_thread_cb(gpointer data)
{
	VmdsLoadConn *conn = data;
	VmdsLoad *self = conn->load;
	guint64 scheduled = vmds_load_now_ns();

	for (;;) {
		gint index;
		guint64 start;
		/* paced, every request due before the deadline is sent, late or not */
		if (self->deadline_ns > 0 &&
		    (self->interval_ns > 0 ? scheduled : vmds_load_now_ns()) >= self->deadline_ns)
			break;
		index = g_atomic_int_add(&self->next, 1);
		if (index < 0 || (guint)index >= self->requests)
			break;
		start = vmds_load_now_ns();
		if (self->interval_ns > 0) {
			/*
			 * early: wait, and count from the send (how late
			 * this process woke is not the server's doing); late
			 * (the last reply came after this request was due):
			 * count from when it was due, the wait is the server's
			 */
			if (scheduled > start) {
				vmds_load_sleep_until(scheduled);
				start = vmds_load_now_ns();
			} else {
				start = scheduled;
			}
			scheduled += self->interval_ns;
		}
		if (!vmds_load_op(conn, (guint)index, &conn->error)) {
			g_atomic_int_inc(&self->errors);
			break;
		}
		self->latency_ns[index] = vmds_load_now_ns() - start;
	}
	return NULL;
}

static gint
vmds_load_cmp_u64(gconstpointer a, gconstpointer b)
{
	guint64 x = *(const guint64 *)a;
	guint64 y = *(const guint64 *)b;
	return x < y ? -1 : x > y ? 1 : 0;
}

static gdouble
vmds_load_percentile_us(const guint64 *sorted, guint n, gdouble p)
{
	guint i;
	if (n == 0)
		return 0;
	i = (guint)(p * (n - 1) + 0.5);
	return (gdouble)sorted[MIN(i, n - 1)] / 1000.0;
}

static gboolean
vmds_load_parse_enum(const gchar *s, const gchar *const *names, guint n, guint *out)
{
	for (guint i = 0; i < n; i++) {
		if (g_strcmp0(s, names[i]) == 0) {
			*out = i;
			return TRUE;
		}
	}
	return FALSE;
}

int
main(int argc, char **argv)
{
	VmdsLoad self = {
	    .dataset = "bench",
	    .key_prefix = "k",
	    .connections = 8,
	    .requests = 10000,
	    .keys = 1000,
	    .value_size = 100,
	    .chunks = 17,
	};
	g_autofree gchar *target = NULL;
	g_autofree gchar *op = NULL;
	g_autofree gchar *socket_path = NULL;
	g_autofree gchar *dataset = NULL;
	g_autofree gchar *key_prefix = NULL;
	gint connections = 8, requests = 10000, keys = 1000, value_size = 100, chunks = 17;
	gint interval_us = 0;
	gdouble duration = 0;
	const GOptionEntry entries[] = {
	    {"target", 0, 0, G_OPTION_ARG_STRING, &target, "vmds or redis", "TARGET"},
	    {"socket", 0, 0, G_OPTION_ARG_FILENAME, &socket_path, "unix socket", "PATH"},
	    {"connections", 0, 0, G_OPTION_ARG_INT, &connections, "connections (8)", "N"},
	    {"requests", 0, 0, G_OPTION_ARG_INT, &requests, "operations in all (10000)", "N"},
	    {"op", 0, 0, G_OPTION_ARG_STRING, &op, "get, set, oneshot or append", "OP"},
	    {"value-size", 0, 0, G_OPTION_ARG_INT, &value_size, "value bytes (100)", "N"},
	    {"keys", 0, 0, G_OPTION_ARG_INT, &keys, "distinct keys (1000)", "N"},
	    {"chunks", 0, 0, G_OPTION_ARG_INT, &chunks, "requests per append op (17)", "N"},
	    {"dataset", 0, 0, G_OPTION_ARG_STRING, &dataset, "vmds data set (bench)", "NAME"},
	    {"key-prefix", 0, 0, G_OPTION_ARG_STRING, &key_prefix, "key prefix (k)", "S"},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &self.json, "print one JSON object", NULL},
	    {"duration",
	     0,
	     0,
	     G_OPTION_ARG_DOUBLE,
	     &duration,
	     "start no request after SECONDS (0: none)",
	     "SECONDS"},
	    {"interval-us",
	     0,
	     0,
	     G_OPTION_ARG_INT,
	     &interval_us,
	     "one request per connection every N us, latency from its scheduled time (0: "
	     "back to back)",
	     "N"},
	    {NULL},
	};
	g_autoptr(GOptionContext) context = g_option_context_new("- drive vmdsd or redis-server");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) threads = g_ptr_array_new();
	g_autofree VmdsLoadConn *conns = NULL;
	g_autofree guint64 *sorted = NULL;
	g_autofree gchar *paced = NULL;
	guint target_id = 0, op_id = 0, done = 0;
	guint64 start, elapsed;
	gdouble seconds, ops;

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("vmds-load: %s\n", error->message);
		return 2;
	}
	{
		static const gchar *const targets[] = {"vmds", "redis"};
		if (!vmds_load_parse_enum(target, targets, G_N_ELEMENTS(targets), &target_id) ||
		    !vmds_load_parse_enum(
			op, vmds_load_op_names, G_N_ELEMENTS(vmds_load_op_names), &op_id) ||
		    socket_path == NULL || connections < 1 || requests < 1 || keys < 1 ||
		    value_size < 1 || chunks < 1 || interval_us < 0 || duration < 0) {
			g_printerr("vmds-load: need --target vmds|redis, --socket PATH, "
				   "--op get|set|oneshot|append and positive counts\n");
			return 2;
		}
	}
	self.target = target_id;
	self.op = op_id;
	self.socket_path = socket_path;
	if (dataset != NULL)
		self.dataset = dataset;
	if (key_prefix != NULL)
		self.key_prefix = key_prefix;
	self.connections = (guint)connections;
	self.requests = (guint)requests;
	self.keys = (guint)keys;
	self.value_size = (guint)value_size;
	self.chunks = (guint)chunks;
	self.interval_ns = (guint64)interval_us * 1000u;
	self.value = g_malloc((gsize)self.value_size + 1);
	for (guint i = 0; i < self.value_size; i++)
		self.value[i] = (gchar)('a' + i % 26);
	self.value[self.value_size] = '\0';
	self.latency_ns = g_new0(guint64, self.requests);

	/* persistent connections are opened before the clock starts */
	conns = g_new0(VmdsLoadConn, self.connections);
	for (guint i = 0; i < self.connections; i++) {
		g_autofree gchar *msg = NULL;
		conns[i].load = &self;
		conns[i].fd = -1;
		conns[i].in = g_byte_array_new();
		conns[i].out = g_byte_array_new();
		if (self.op == VMDS_LOAD_OP_ONESHOT)
			continue;
		conns[i].fd = vmds_load_connect(self.socket_path, &msg);
		if (conns[i].fd < 0) {
			g_printerr("vmds-load: %s\n", msg);
			return 1;
		}
	}
	start = vmds_load_now_ns();
	if (duration > 0)
		self.deadline_ns = start + (guint64)(duration * 1e9);
	for (guint i = 0; i < self.connections; i++)
		g_ptr_array_add(threads, g_thread_new("vmds-load", vmds_load_thread_cb, &conns[i]));
	for (guint i = 0; i < threads->len; i++)
		g_thread_join(g_ptr_array_index(threads, i));
	elapsed = vmds_load_now_ns() - start;

	for (guint i = 0; i < self.connections; i++) {
		if (conns[i].error != NULL)
			g_printerr("vmds-load: connection %u: %s\n", i, conns[i].error);
		if (conns[i].fd >= 0)
			close(conns[i].fd);
		self.round_trips += conns[i].round_trips;
		g_free(conns[i].error);
		g_byte_array_unref(conns[i].in);
		g_byte_array_unref(conns[i].out);
	}
	sorted = g_new(guint64, self.requests);
	for (guint i = 0; i < self.requests; i++) {
		if (self.latency_ns[i] > 0)
			sorted[done++] = self.latency_ns[i];
	}
	qsort(sorted, done, sizeof(guint64), vmds_load_cmp_u64);
	if (self.interval_ns > 0)
		paced = g_strdup_printf(",\"interval_us\":%d", interval_us);
	else
		paced = g_strdup("");
	seconds = (gdouble)elapsed / 1e9;
	ops = done / seconds;

	if (self.json) {
		g_print("{\"target\":\"%s\",\"op\":\"%s\",\"connections\":%u,\"requests\":%u,"
			"\"value_size\":%u,\"chunks\":%u,\"done\":%u,\"errors\":%d,"
			"\"round_trips\":%" G_GUINT64_FORMAT ",\"seconds\":%.6f,"
			"\"ops_per_sec\":%.1f,\"mib_per_sec\":%.3f,\"p50_us\":%.1f,"
			"\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f%s}\n",
			target,
			op,
			self.connections,
			self.requests,
			self.value_size,
			self.op == VMDS_LOAD_OP_APPEND ? self.chunks : 1,
			done,
			self.errors,
			self.round_trips,
			seconds,
			ops,
			ops * self.value_size / 1048576.0,
			vmds_load_percentile_us(sorted, done, 0.50),
			vmds_load_percentile_us(sorted, done, 0.99),
			vmds_load_percentile_us(sorted, done, 0.999),
			vmds_load_percentile_us(sorted, done, 1.0),
			paced);
	} else {
		g_print("%s %s: %u ops in %.3f s, %.0f ops/s, %.2f MiB/s, p50 %.1f us, p99 %.1f "
			"us, %d errors\n",
			target,
			op,
			done,
			seconds,
			ops,
			ops * self.value_size / 1048576.0,
			vmds_load_percentile_us(sorted, done, 0.50),
			vmds_load_percentile_us(sorted, done, 0.99),
			self.errors);
	}
	g_free(self.value);
	g_free(self.latency_ns);
	return self.errors > 0 ? 1 : 0;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmds-e2e.h"
#include "vmds-packet.h"

/*
 * Crash consistency (architecture.md, "The store"; guest-rpc.md §5, all or
 * nothing): four guests on their own connections each keep one request in
 * flight, a random mix of single sets, two-entry sets carrying one token in
 * both entries, appends to the guest's own log entry and deletes of keys it
 * set before, so the daemon group-commits them together. vmdsd is killed
 * with SIGKILL at a random moment (after a random number of acknowledged
 * writes, or a random time into the cycle), the store is checked with
 * `PRAGMA integrity_check`, the daemon restarts and every guest's keys must
 * be exactly what its acknowledged writes made them, or that plus its one
 * unacknowledged write applied whole. Then the next cycle.
 *
 * VMDS_CRASH_CYCLES sets the number of cycles (default 20), VMDS_TEST_SEED
 * replays a run (the seed is printed first).
 */

#define CLIENTS	       4
#define SINGLE_KEYS    6
#define PAIRS	       3
#define DEFAULT_CYCLES 20
#define MAX_PADDING    8000
#define STALL_MS       30000
#define ACK	       "1 {\"result\":true}"

typedef enum {
	CRASH_OP_SET,
	CRASH_OP_PAIR,
	CRASH_OP_APPEND,
	CRASH_OP_DELETE,
	CRASH_OP_DELETE_PAIR,
	CRASH_OP_LAST,
} CrashOpKind;

static const gchar *crash_op_names[] = {"set", "pair", "append", "delete", "delete-pair"};
G_STATIC_ASSERT(G_N_ELEMENTS(crash_op_names) == CRASH_OP_LAST);

typedef struct {
	guint id;
	gint fd;
	/* what the store must hold of this guest's keys: key -> value */
	GHashTable *model;
	/* the request in flight, if busy */
	gboolean busy;
	CrashOpKind kind;
	gchar *keys[2];
	gchar *values[2];
	GByteArray *out;
	gsize sent;
	GByteArray *in;
	guint seq;
} CrashClient;

typedef struct {
	guint cycles;
	guint acked[CRASH_OP_LAST];
	guint in_flight;	/* requests without a reply when the daemon died */
	guint applied;		/* of those, found applied after the restart */
	guint acked_after_kill; /* replies that were already in a socket at the kill */
} CrashStats;

static VmdsE2e *e2e = NULL;
static guint32 crash_seed = 0;

static void
setup(void)
{
	e2e = vmds_e2e_new(NULL);
	vmds_e2e_create_dataset(e2e, NULL, "crash", "READ_WRITE", "READ_WRITE");
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

static void
crash_client_clear(CrashClient *c)
{
	c->busy = FALSE;
	g_clear_pointer(&c->keys[0], g_free);
	g_clear_pointer(&c->keys[1], g_free);
	g_clear_pointer(&c->values[0], g_free);
	g_clear_pointer(&c->values[1], g_free);
	g_byte_array_set_size(c->out, 0);
	c->sent = 0;
}

/* the change the request in flight makes, applied to @model */
static void
crash_apply(const CrashClient *c, GHashTable *model)
{
	switch (c->kind) {
	case CRASH_OP_PAIR:
		g_hash_table_insert(model, g_strdup(c->keys[1]), g_strdup(c->values[1]));
		/* fall through */
	case CRASH_OP_SET:
		g_hash_table_insert(model, g_strdup(c->keys[0]), g_strdup(c->values[0]));
		break;
	case CRASH_OP_APPEND: {
		const gchar *old = g_hash_table_lookup(model, c->keys[0]);
		g_hash_table_insert(model,
				    g_strdup(c->keys[0]),
				    g_strconcat(old != NULL ? old : "", c->values[0], NULL));
		break;
	}
	case CRASH_OP_DELETE_PAIR:
		g_hash_table_remove(model, c->keys[1]);
		/* fall through */
	case CRASH_OP_DELETE:
		g_hash_table_remove(model, c->keys[0]);
		break;
	case CRASH_OP_LAST:
	default:
		g_assert_not_reached();
	}
}

/* the first differences between what the store holds and what it must hold */
static gchar *
crash_model_diff(GHashTable *actual, GHashTable *expected)
{
	g_autoptr(GString) out = g_string_new(NULL);
	GHashTableIter iter;
	gpointer key;
	gpointer value;

	g_hash_table_iter_init(&iter, expected);
	while (g_hash_table_iter_next(&iter, &key, &value) && out->len < 1500) {
		const gchar *got = g_hash_table_lookup(actual, key);
		if (g_strcmp0(got, value) != 0)
			g_string_append_printf(out,
					       " [%s: has %.60s, must have %.60s]",
					       (const gchar *)key,
					       got != NULL ? got : "(absent)",
					       (const gchar *)value);
	}
	g_hash_table_iter_init(&iter, actual);
	while (g_hash_table_iter_next(&iter, &key, &value) && out->len < 1500) {
		if (!g_hash_table_contains(expected, key))
			g_string_append_printf(out,
					       " [%s: has %.60s, must be absent]",
					       (const gchar *)key,
					       (const gchar *)value);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* a present key of this guest, starting with @prefix, or NULL */
static const gchar *
crash_pick_present(CrashClient *c, GRand *rand, const gchar *prefix)
{
	g_autoptr(GPtrArray) present = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, c->model);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (g_str_has_prefix(key, prefix))
			g_ptr_array_add(present, key);
	}
	if (present->len == 0)
		return NULL;
	/* hash order is not stable across runs: sort, so a seed replays */
	g_ptr_array_sort(present, (GCompareFunc)g_strcmp0);
	return g_ptr_array_index(present, g_rand_int_range(rand, 0, (gint32)present->len));
}

/* a value carrying @token; sometimes long enough to span several pages */
static gchar *
crash_value(GRand *rand, const gchar *token)
{
	g_autofree gchar *padding = NULL;

	if (g_rand_int_range(rand, 0, 10) != 0)
		return g_strdup(token);
	padding = g_strnfill((gsize)g_rand_int_range(rand, 1000, MAX_PADDING), 'p');
	return g_strdup_printf("%s-%s", token, padding);
}

/* the next request of a guest: chosen, encoded, not sent yet */
static void
crash_client_next(CrashClient *c, GRand *rand, guint cycle)
{
	g_autofree gchar *token = g_strdup_printf("c%u.%u.%u", c->id, cycle, c->seq++);
	g_autofree gchar *cmd = NULL;
	guint r = (guint)g_rand_int_range(rand, 0, 100);
	const gchar *present = NULL;

	c->kind = r < 30   ? CRASH_OP_SET
		  : r < 55 ? CRASH_OP_PAIR
		  : r < 80 ? CRASH_OP_APPEND
		  : r < 90 ? CRASH_OP_DELETE
			   : CRASH_OP_DELETE_PAIR;
	if (c->kind == CRASH_OP_DELETE) {
		g_autofree gchar *prefix = g_strdup_printf("c%u-s", c->id);
		present = crash_pick_present(c, rand, prefix);
		if (present == NULL)
			c->kind = CRASH_OP_SET;
	} else if (c->kind == CRASH_OP_DELETE_PAIR) {
		g_autofree gchar *prefix = g_strdup_printf("c%u-a", c->id);
		present = crash_pick_present(c, rand, prefix);
		if (present == NULL)
			c->kind = CRASH_OP_PAIR;
	}

	switch (c->kind) {
	case CRASH_OP_SET:
		c->keys[0] =
		    g_strdup_printf("c%u-s%d", c->id, g_rand_int_range(rand, 0, SINGLE_KEYS));
		c->values[0] = crash_value(rand, token);
		cmd = g_strdup_printf("datasets-set-entry {\"dataset\":\"crash\",\"entries\":"
				      "[{\"key\":\"%s\",\"value\":\"%s\"}]}",
				      c->keys[0],
				      c->values[0]);
		break;
	case CRASH_OP_PAIR: {
		gint pair = g_rand_int_range(rand, 0, PAIRS);
		c->keys[0] = g_strdup_printf("c%u-a%d", c->id, pair);
		c->keys[1] = g_strdup_printf("c%u-b%d", c->id, pair);
		c->values[0] = crash_value(rand, token);
		c->values[1] = crash_value(rand, token);
		cmd = g_strdup_printf(
		    "datasets-set-entry {\"dataset\":\"crash\",\"entries\":"
		    "[{\"key\":\"%s\",\"value\":\"%s\"},{\"key\":\"%s\",\"value\":\"%s\"}]}",
		    c->keys[0],
		    c->values[0],
		    c->keys[1],
		    c->values[1]);
		break;
	}
	case CRASH_OP_APPEND:
		c->keys[0] = g_strdup_printf("c%u-log", c->id);
		c->values[0] = g_strdup_printf("%s;", token);
		cmd = g_strdup_printf("datasets-set-entry {\"dataset\":\"crash\",\"entries\":"
				      "[{\"key\":\"%s\",\"value\":\"%s\",\"append\":true}]}",
				      c->keys[0],
				      c->values[0]);
		break;
	case CRASH_OP_DELETE:
		c->keys[0] = g_strdup(present);
		cmd = g_strdup_printf(
		    "datasets-delete-entry {\"dataset\":\"crash\",\"keys\":[\"%s\"]}", c->keys[0]);
		break;
	case CRASH_OP_DELETE_PAIR:
		/* c<id>-a<j> and its partner c<id>-b<j>, in one request */
		c->keys[0] = g_strdup(present);
		c->keys[1] = g_strdup(present);
		c->keys[1][strlen(present) - strlen(strrchr(present, '-')) + 1] = 'b';
		cmd = g_strdup_printf(
		    "datasets-delete-entry {\"dataset\":\"crash\",\"keys\":[\"%s\",\"%s\"]}",
		    c->keys[0],
		    c->keys[1]);
		break;
	case CRASH_OP_LAST:
	default:
		g_assert_not_reached();
	}
	ck_assert_uint_le(strlen(cmd), 65536);
	vmds_packet_encode(c->out, VMDS_PACKET_TYPE_DATA, (const guint8 *)cmd, strlen(cmd), FALSE);
	c->sent = 0;
	c->busy = TRUE;
}

/* sends what the socket takes of the request in flight */
static void
crash_client_send(CrashClient *c)
{
	while (c->sent < c->out->len) {
		gssize n = send(c->fd,
				c->out->data + c->sent,
				c->out->len - c->sent,
				MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		ck_assert_msg(
		    n > 0, "seed %u: guest %u: send: %s", crash_seed, c->id, g_strerror(errno));
		c->sent += (gsize)n;
	}
}

/*
 * The reply payload when a whole reply packet has arrived (removed from
 * the input), else NULL.
 */
static gchar *
crash_client_take_reply(CrashClient *c)
{
	g_autoptr(GError) error = NULL;
	VmdsPacket packet;
	guint32 len;
	gchar *ret;

	if (c->in->len < VMDS_PACKET_HEADER_SIZE)
		return NULL;
	len = vmds_packet_read_length(c->in->data);
	if (c->in->len < VMDS_PACKET_HEADER_SIZE + len)
		return NULL;
	ck_assert_msg(
	    vmds_packet_decode(c->in->data + VMDS_PACKET_HEADER_SIZE, len, &packet, &error),
	    "seed %u: guest %u: bad reply: %s",
	    crash_seed,
	    c->id,
	    error->message);
	ret = g_strndup((const gchar *)packet.payload, packet.payload_len);
	g_byte_array_remove_range(c->in, 0, VMDS_PACKET_HEADER_SIZE + len);
	return ret;
}

/* reads what is there; FALSE at EOF */
static gboolean
crash_client_recv(CrashClient *c)
{
	for (;;) {
		guint8 buf[65536];
		gssize n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return TRUE;
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return FALSE;
		ck_assert_msg(n > 0, "seed %u: recv: %s", crash_seed, g_strerror(errno));
		g_byte_array_append(c->in, buf, (guint)n);
	}
}

/* an acknowledged request: the model takes its change */
static void
crash_client_acked(CrashClient *c, const gchar *reply, guint cycle, CrashStats *stats)
{
	ck_assert_msg(g_strcmp0(reply, ACK) == 0,
		      "seed %u cycle %u: guest %u: %s answered [%.200s]",
		      crash_seed,
		      cycle,
		      c->id,
		      crash_op_names[c->kind],
		      reply);
	crash_apply(c, c->model);
	stats->acked[c->kind]++;
	crash_client_clear(c);
}

/* after the kill: replies already in a socket were acknowledgements too */
static void
crash_client_drain(CrashClient *c, guint cycle, CrashStats *stats)
{
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	while (c->busy) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		g_autofree gchar *reply = NULL;
		gboolean open;

		ck_assert_msg(g_get_monotonic_time() < deadline,
			      "seed %u: guest %u: no EOF after the daemon died",
			      crash_seed,
			      c->id);
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		open = crash_client_recv(c);
		reply = crash_client_take_reply(c);
		if (reply != NULL) {
			crash_client_acked(c, reply, cycle, stats);
			stats->acked_after_kill++;
		} else if (!open) {
			break;
		}
	}
}

/* every entry of the data set: key -> value, through the guest protocol */
static GHashTable *
crash_read_store(guint cycle)
{
	GHashTable *ret = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const gchar *list = "datasets-list-keys {\"dataset\":\"crash\"}";
	g_autoptr(GString) get =
	    g_string_new("datasets-get-entry {\"dataset\":\"crash\",\"keys\":[");
	g_autofree gchar *reply = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(JsonNode) entries_node = NULL;
	JsonObject *obj;
	JsonArray *keys;
	JsonArray *entries;
	gint fd = vmds_e2e_connect(e2e, NULL);

	vmds_e2e_send_request(fd, list, strlen(list), FALSE);
	reply = vmds_e2e_read_reply(fd, NULL);
	ck_assert_msg(reply != NULL && g_str_has_prefix(reply, "1 {\"result\":true,\"keys\":["),
		      "seed %u cycle %u: list-keys after the restart: [%.300s]",
		      crash_seed,
		      cycle,
		      reply);
	node = json_from_string(reply + 2, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_OBJECT(node));
	obj = json_node_get_object(node);
	ck_assert_msg(!json_object_has_member(obj, "context"), "list-keys paged");
	keys = json_object_get_array_member(obj, "keys");
	if (json_array_get_length(keys) == 0) {
		close(fd);
		return ret;
	}
	for (guint i = 0; i < json_array_get_length(keys); i++)
		g_string_append_printf(
		    get, "%s\"%s\"", i > 0 ? "," : "", json_array_get_string_element(keys, i));
	g_string_append(get, "]}");
	vmds_e2e_send_request(fd, get->str, get->len, TRUE);
	g_clear_pointer(&reply, g_free);
	reply = vmds_e2e_read_reply(fd, NULL);
	close(fd);
	ck_assert_msg(reply != NULL && g_str_has_prefix(reply, "1 {\"result\":true,\"entries\":["),
		      "seed %u cycle %u: get-entry after the restart: [%.300s]",
		      crash_seed,
		      cycle,
		      reply);
	entries_node = json_from_string(reply + 2, NULL);
	ck_assert(entries_node != NULL && JSON_NODE_HOLDS_OBJECT(entries_node));
	ck_assert_msg(!json_object_has_member(json_node_get_object(entries_node), "context"),
		      "get-entry paged");
	entries = json_object_get_array_member(json_node_get_object(entries_node), "entries");
	ck_assert_uint_eq(json_array_get_length(entries), json_array_get_length(keys));
	for (guint i = 0; i < json_array_get_length(entries); i++) {
		JsonObject *entry = json_array_get_object_element(entries, i);
		g_autoptr(GList) members = json_object_get_members(entry);
		const gchar *key = members->data;
		g_hash_table_insert(
		    ret, g_strdup(key), g_strdup(json_object_get_string_member(entry, key)));
	}
	return ret;
}

/* the part of @store that belongs to guest @id */
static GHashTable *
crash_client_part(GHashTable *store, guint id)
{
	GHashTable *ret = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree gchar *prefix = g_strdup_printf("c%u-", id);
	GHashTableIter iter;
	gpointer key;
	gpointer value;

	g_hash_table_iter_init(&iter, store);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (g_str_has_prefix(key, prefix))
			g_hash_table_insert(ret, g_strdup(key), g_strdup(value));
	}
	return ret;
}

/* the token a value carries: up to its padding */
static gchar *
crash_token(const gchar *value)
{
	const gchar *dash = strchr(value, '-');
	return dash != NULL ? g_strndup(value, (gsize)(dash - value)) : g_strdup(value);
}

/* after a restart: each guest's keys hold its acknowledged writes, and at most its last one more */
static void
crash_verify(CrashClient *clients, guint cycle, CrashStats *stats)
{
	g_autoptr(GHashTable) store = crash_read_store(cycle);
	guint owned = 0;

	for (guint i = 0; i < CLIENTS; i++) {
		CrashClient *c = &clients[i];
		g_autoptr(GHashTable) actual = crash_client_part(store, c->id);
		g_autoptr(GHashTable) with_last = NULL;
		g_autofree gchar *diff = NULL;

		owned += g_hash_table_size(actual);
		/* no two-entry write is half applied: both keys of a pair carry one token */
		for (guint j = 0; j < PAIRS; j++) {
			g_autofree gchar *ka = g_strdup_printf("c%u-a%u", c->id, j);
			g_autofree gchar *kb = g_strdup_printf("c%u-b%u", c->id, j);
			const gchar *va = g_hash_table_lookup(actual, ka);
			const gchar *vb = g_hash_table_lookup(actual, kb);
			g_autofree gchar *ta = va != NULL ? crash_token(va) : NULL;
			g_autofree gchar *tb = vb != NULL ? crash_token(vb) : NULL;
			ck_assert_msg(
			    g_strcmp0(ta, tb) == 0,
			    "seed %u cycle %u: half-applied two-entry write: %s=%s, %s=%s",
			    crash_seed,
			    cycle,
			    ka,
			    ta != NULL ? ta : "(absent)",
			    kb,
			    tb != NULL ? tb : "(absent)");
		}
		if (vmds_e2e_strings_equal(actual, c->model)) {
			if (c->busy)
				stats->in_flight++;
			crash_client_clear(c);
			continue;
		}
		if (c->busy) {
			/* the write in flight at the kill may have been applied, whole */
			with_last = vmds_e2e_strings_copy(c->model);
			crash_apply(c, with_last);
			if (vmds_e2e_strings_equal(actual, with_last)) {
				g_hash_table_unref(c->model);
				c->model = g_steal_pointer(&with_last);
				stats->in_flight++;
				stats->applied++;
				crash_client_clear(c);
				continue;
			}
		}
		diff = crash_model_diff(actual, c->model);
		ck_abort_msg("seed %u cycle %u: guest %u lost acknowledged writes (in flight: %s "
			     "%s):%s",
			     crash_seed,
			     cycle,
			     c->id,
			     c->busy ? crash_op_names[c->kind] : "nothing",
			     c->busy ? c->keys[0] : "",
			     diff);
	}
	ck_assert_msg(owned == g_hash_table_size(store),
		      "seed %u cycle %u: the store holds keys no guest wrote",
		      crash_seed,
		      cycle);
}

/* one cycle: write until the kill, check the store, restart, verify */
static void
crash_cycle(CrashClient *clients, GRand *rand, guint cycle, CrashStats *stats)
{
	gboolean by_time = g_rand_boolean(rand);
	guint kill_after_acks = (guint)g_rand_int_range(rand, 1, 80);
	gint64 start = g_get_monotonic_time();
	gint64 kill_at = start + g_rand_int_range(rand, 1000, 250000);
	guint acks = 0;
	gboolean killed = FALSE;
	gint64 progress = start;
	g_autofree gchar *integrity = NULL;

	for (guint i = 0; i < CLIENTS; i++) {
		clients[i].fd = vmds_e2e_connect(e2e, NULL);
		ck_assert_int_eq(fcntl(clients[i].fd, F_SETFL, O_NONBLOCK), 0);
		g_byte_array_set_size(clients[i].in, 0);
	}
	while (!killed) {
		struct pollfd pfds[CLIENTS];
		gint64 now = g_get_monotonic_time();
		gint timeout = 1000;

		if (by_time && now >= kill_at)
			break;
		if (by_time)
			timeout = (gint)MAX((kill_at - now) / 1000, 1);
		ck_assert_msg(now - progress < STALL_MS * 1000,
			      "seed %u cycle %u: no reply for %d ms",
			      crash_seed,
			      cycle,
			      STALL_MS);
		for (guint i = 0; i < CLIENTS; i++) {
			CrashClient *c = &clients[i];
			if (!c->busy)
				crash_client_next(c, rand, cycle);
			crash_client_send(c);
			pfds[i].fd = c->fd;
			pfds[i].events = POLLIN | (c->sent < c->out->len ? POLLOUT : 0);
			pfds[i].revents = 0;
		}
		if (poll(pfds, CLIENTS, timeout) <= 0)
			continue;
		for (guint i = 0; i < CLIENTS && !killed; i++) {
			CrashClient *c = &clients[i];
			g_autofree gchar *reply = NULL;

			if ((pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
				continue;
			if (!crash_client_recv(c)) {
				g_autofree gchar *log = vmds_e2e_read_log(e2e);
				ck_abort_msg("seed %u cycle %u: the daemon closed guest %u's "
					     "connection; log:\n%.2000s",
					     crash_seed,
					     cycle,
					     c->id,
					     log);
			}
			reply = crash_client_take_reply(c);
			if (reply == NULL)
				continue;
			crash_client_acked(c, reply, cycle, stats);
			progress = g_get_monotonic_time();
			if (!by_time && ++acks >= kill_after_acks)
				killed = TRUE;
		}
	}

	/* kill -9 while the others' requests are somewhere between send and reply */
	vmds_e2e_kill(e2e);
	for (guint i = 0; i < CLIENTS; i++) {
		crash_client_drain(&clients[i], cycle, stats);
		close(clients[i].fd);
		clients[i].fd = -1;
	}
	integrity = vmds_e2e_integrity_check(e2e, NULL);
	ck_assert_msg(g_strcmp0(integrity, "ok") == 0,
		      "seed %u cycle %u: integrity_check: %s",
		      crash_seed,
		      cycle,
		      integrity);
	vmds_e2e_start(e2e);
	crash_verify(clients, cycle, stats);
	stats->cycles++;
}

START_TEST(test_crash_kill9_cycles)
{
	guint cycles = 0;
	g_autoptr(GRand) rand = NULL;
	CrashClient clients[CLIENTS] = {0};
	CrashStats stats = {0};
	gint64 start = g_get_monotonic_time();
	guint acked = 0;
	g_autofree gchar *integrity = NULL;

	ck_assert_msg(vmds_e2e_env_uint("VMDS_CRASH_CYCLES", DEFAULT_CYCLES, &cycles),
		      "$VMDS_CRASH_CYCLES is not a number");
	ck_assert_msg(vmds_e2e_env_uint("VMDS_TEST_SEED", g_random_int(), &crash_seed),
		      "$VMDS_TEST_SEED is not a number");
	g_printerr("e2e-crash: seed %u (VMDS_TEST_SEED=%u replays), %u cycles\n",
		   crash_seed,
		   crash_seed,
		   cycles);
	rand = g_rand_new_with_seed(crash_seed);
	for (guint i = 0; i < CLIENTS; i++) {
		clients[i].id = i;
		clients[i].fd = -1;
		clients[i].model = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		clients[i].out = g_byte_array_new();
		clients[i].in = g_byte_array_new();
	}

	for (guint cycle = 0; cycle < cycles; cycle++)
		crash_cycle(clients, rand, cycle, &stats);

	/* and a clean stop leaves a sound store with the same content */
	vmds_e2e_stop(e2e);
	integrity = vmds_e2e_integrity_check(e2e, NULL);
	ck_assert_str_eq(integrity, "ok");
	vmds_e2e_start(e2e);
	crash_verify(clients, cycles, &stats);

	for (guint k = 0; k < CRASH_OP_LAST; k++)
		acked += stats.acked[k];
	g_printerr("e2e-crash: seed %u: %u kill -9 cycles in %.1f s; %u acknowledged writes "
		   "(%u set, %u pair, %u append, %u delete, %u delete-pair), all present; "
		   "%u in flight at a kill, %u of them applied whole, %u acknowledged in the "
		   "socket after the kill; integrity_check ok %u times\n",
		   crash_seed,
		   stats.cycles,
		   (g_get_monotonic_time() - start) / 1e6,
		   acked,
		   stats.acked[CRASH_OP_SET],
		   stats.acked[CRASH_OP_PAIR],
		   stats.acked[CRASH_OP_APPEND],
		   stats.acked[CRASH_OP_DELETE],
		   stats.acked[CRASH_OP_DELETE_PAIR],
		   stats.in_flight,
		   stats.applied,
		   stats.acked_after_kill,
		   stats.cycles + 1);
	ck_assert_uint_eq(stats.cycles, cycles);
	ck_assert_uint_gt(acked, cycles);
	for (guint i = 0; i < CLIENTS; i++) {
		crash_client_clear(&clients[i]);
		g_hash_table_unref(clients[i].model);
		g_byte_array_unref(clients[i].out);
		g_byte_array_unref(clients[i].in);
	}
}
END_TEST

static Suite *
crash_suite(void)
{
	Suite *s = suite_create("e2e-crash");
	TCase *tc = tcase_create("kill9");
	guint cycles = DEFAULT_CYCLES;

	/* (checked again in the test, where a failure can be reported) */
	vmds_e2e_env_uint("VMDS_CRASH_CYCLES", DEFAULT_CYCLES, &cycles);
	tcase_add_checked_fixture(tc, setup, teardown);
	/* a cycle takes well under a second; the bound only catches a hang */
	tcase_set_timeout(tc, 120 + 5 * cycles);
	tcase_add_test(tc, test_crash_kill9_cycles);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(crash_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

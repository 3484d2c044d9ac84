/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmds-e2e.h"

/*
 * The limits of guest-rpc.md and management-api.md at their exact
 * boundaries: key 4,096 bytes, value 1,048,576 bytes, request payload 65,536
 * bytes, the 100 MiB VM quota, and paging of replies over 1 MiB.
 */

#define DS	      "/api/vcenter/vm/vm-1/data-sets"
#define MAX_KEY	      4096
#define MAX_VALUE     1048576
#define MAX_REQUEST   65536
#define MAX_VM	      104857600
#define MAX_PAGE      1048576
#define SET_PREFIX    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"k\",\"value\":\""
#define SET_SUFFIX    "\"}]}"
#define APPEND_SUFFIX "\",\"append\":true}]}"

static VmdsE2e *e2e = NULL;

static void
setup(void)
{
	e2e = vmds_e2e_new(NULL);
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

static void
guest_ok(const gchar *cmd, const gchar *json)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
	vmds_e2e_assert_ok(run, json);
}

/* what `datasets-query` says of a data set: its `used` among the rest */
static gchar *
query(const gchar *dataset)
{
	g_autofree gchar *cmd = g_strdup_printf("datasets-query {\"dataset\":\"%s\"}", dataset);
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
	ck_assert_int_eq(run->status, 0);
	return g_strdup(run->out);
}

START_TEST(test_limits_key)
{
	g_autofree gchar *key = g_strnfill(MAX_KEY + 1, 'k');
	g_autofree gchar *ok = NULL;
	g_autofree gchar *over = NULL;
	g_autofree gchar *get = NULL;
	g_autofree gchar *expect = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;

	over =
	    g_strdup_printf("datasets-set-entry "
			    "{\"dataset\":\"rw\",\"entries\":[{\"key\":\"%s\",\"value\":\"v\"}]}",
			    key);
	key[MAX_KEY] = '\0';
	ok = g_strdup_printf("datasets-set-entry "
			     "{\"dataset\":\"rw\",\"entries\":[{\"key\":\"%s\",\"value\":\"v\"}]}",
			     key);
	get = g_strdup_printf("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"%s\"]}", key);
	expect = g_strdup_printf("{\"result\":true,\"entries\":[{\"%s\":\"v\"}]}", key);

	guest_ok(ok, "{\"result\":true}");
	guest_ok(get, expect);
	before = vmds_e2e_dump(e2e, NULL);
	run = vmds_e2e_vmtoolsd(e2e, over);
	vmds_e2e_assert_failure(run, "too-large");
	after = vmds_e2e_dump(e2e, NULL);
	ck_assert_str_eq(before, after);
}
END_TEST

/* appends that build a 1,048,576-byte value; one more byte is too-large */
START_TEST(test_limits_value)
{
	const gsize chunk_len = 64000;
	g_autofree gchar *chunk = g_strnfill(chunk_len, 'a');
	g_autofree gchar *cmd = g_strdup_printf(SET_PREFIX "%s" APPEND_SUFFIX, chunk);
	g_autofree gchar *rest_len = g_strnfill(MAX_VALUE - 16 * chunk_len, 'b');
	g_autofree gchar *last = g_strdup_printf(SET_PREFIX "%s" APPEND_SUFFIX, rest_len);
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *used = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;

	ck_assert_uint_le(strlen(cmd), MAX_REQUEST);
	for (guint i = 0; i < 16; i++)
		guest_ok(cmd, "{\"result\":true}");
	guest_ok(last, "{\"result\":true}");
	used = g_strdup_printf("{\"result\":true,\"name\":\"rw\",\"description\":\"test\",\"host\":"
			       "\"READ_WRITE\",\"guest\":\"READ_WRITE\",\"used\":%d,"
			       "\"omit_from_snapshot_and_clone\":false}\n",
			       1 + MAX_VALUE);
	before = query("rw");
	ck_assert_str_eq(before, used);

	/* one byte more, by append or in one call with a replace: too-large, value unchanged */
	run = vmds_e2e_vmtoolsd(e2e, SET_PREFIX "x" APPEND_SUFFIX);
	vmds_e2e_assert_failure(run, "too-large");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(
	    e2e,
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"k2\","
	    "\"value\":\"small\"},{\"key\":\"k\",\"value\":\"x\",\"append\":true}]}");
	vmds_e2e_assert_failure(run, "too-large");
	after = query("rw");
	ck_assert_str_eq(before, after);
	reply = vmds_e2e_rest(e2e, "GET", DS "/rw/entries/k", NULL);
	ck_assert_uint_eq(reply->status, 200);
	ck_assert_uint_eq(reply->body_len, MAX_VALUE + 2);
	ck_assert(reply->body[1] == 'a' && reply->body[MAX_VALUE] == 'b');
	ck_assert(strchr(reply->body, 'x') == NULL);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", DS "/rw/entries", NULL);
	vmds_e2e_assert_reply(reply, 200, "[\"k\"]");

	/* the same limit over REST: 1,048,576 is fine, one more is INVALID_ARGUMENT */
	{
		g_autofree gchar *value = g_strnfill(MAX_VALUE + 1, 'r');
		g_autofree gchar *body_over = g_strdup_printf("\"%s\"", value);
		g_autofree gchar *body_ok = NULL;
		g_autofree gchar *dump_before = NULL;
		g_autofree gchar *dump_after = NULL;

		value[MAX_VALUE] = '\0';
		body_ok = g_strdup_printf("\"%s\"", value);
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_rest(e2e, "PUT", DS "/rw/entries/r", body_ok);
		vmds_e2e_assert_reply(reply, 204, "");
		dump_before = query("rw");
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_rest(e2e, "PUT", DS "/rw/entries/r", body_over);
		vmds_e2e_assert_error(reply, 400, "INVALID_ARGUMENT");
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_rest(e2e, "PUT", DS "/rw/entries/r2", body_over);
		vmds_e2e_assert_error(reply, 400, "INVALID_ARGUMENT");
		dump_after = query("rw");
		ck_assert_str_eq(dump_before, dump_after);
		g_clear_pointer(&reply, vmds_e2e_reply_free);
		reply = vmds_e2e_rest(e2e, "GET", DS "/rw/entries", NULL);
		vmds_e2e_assert_reply(reply, 200, "[\"k\",\"r\"]");
	}
}
END_TEST

/* a request payload of exactly 65,536 bytes is served; 65,537 is refused */
START_TEST(test_limits_request)
{
	gsize overhead = strlen(SET_PREFIX SET_SUFFIX);
	g_autofree gchar *value = g_strnfill(MAX_REQUEST - overhead + 1, 'v');
	g_autofree gchar *over = g_strdup_printf(SET_PREFIX "%s" SET_SUFFIX, value);
	g_autofree gchar *ok = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;
	g_autofree gchar *reply = NULL;
	gint fd;

	ck_assert_uint_eq(strlen(over), MAX_REQUEST + 1);
	value[MAX_REQUEST - overhead] = '\0';
	ok = g_strdup_printf(SET_PREFIX "%s" SET_SUFFIX, value);
	ck_assert_uint_eq(strlen(ok), MAX_REQUEST);
	guest_ok(ok, "{\"result\":true}");

	before = vmds_e2e_dump(e2e, NULL);
	run = vmds_e2e_vmtoolsd(e2e, over);
	vmds_e2e_assert_run(run, 1, "", "Message too large\n");
	after = vmds_e2e_dump(e2e, NULL);
	ck_assert_str_eq(before, after);

	/* 65,536 bytes and the one tolerated trailing NUL */
	fd = vmds_e2e_connect(e2e, NULL);
	vmds_e2e_send_request(fd, ok, MAX_REQUEST + 1, FALSE);
	reply = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(reply, "1 {\"result\":true}");
	/* a length prefix announcing 4 GiB: refused once the peer is done sending
	 * (it shuts down its side), and the connection closed */
	vmds_e2e_send(fd, (const guint8 *)"\xff\xff\xff\xff", 4);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	g_clear_pointer(&reply, g_free);
	reply = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(reply, "0 Message too large");
	ck_assert(vmds_e2e_wait_closed(e2e, fd));
	close(fd);
	/* and on a fresh connection too */
	fd = vmds_e2e_connect(e2e, NULL);
	vmds_e2e_send(fd, (const guint8 *)"\xff\xff\xff\xff\x00\x00\x00\x01", 8);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	g_clear_pointer(&reply, g_free);
	reply = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(reply, "0 Message too large");
	ck_assert(vmds_e2e_wait_closed(e2e, fd));
	close(fd);
	guest_ok("datasets-list-keys {\"dataset\":\"rw\"}", "{\"result\":true,\"keys\":[\"k\"]}");
}
END_TEST

/* the state of data set "q" without its 100 MiB of values */
static gchar *
quota_state(void)
{
	g_autofree gchar *info = query("q");
	g_autofree gchar *keys = vmds_e2e_keys(e2e, "q");
	g_autoptr(VmdsE2eReply) last = vmds_e2e_rest(e2e, "GET", DS "/q/entries/last", NULL);
	g_autofree gchar *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, last->body, -1);
	return g_strdup_printf("%s%s\n%u %s", info, keys, last->status, digest);
}

/* 104,857,600 bytes of keys and values fit; one byte more is refused everywhere */
START_TEST(test_limits_quota)
{
	/* 99 entries of 4 + 1,048,576 bytes, and "last" (4 bytes) filling the rest exactly */
	const gsize last_len = MAX_VM - 99 * (4 + MAX_VALUE) - 4;
	g_autofree gchar *value = g_strnfill(MAX_VALUE, 'q');
	g_autofree gchar *body = g_strdup_printf("\"%s\"", value);
	g_autofree gchar *last_body = NULL;
	g_autofree gchar *full = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;

	vmds_e2e_create_dataset(e2e, NULL, "q", "READ_WRITE", "READ_WRITE");
	for (guint i = 0; i < 99; i++) {
		g_autofree gchar *path = g_strdup_printf(DS "/q/entries/k%03u", i);
		g_autoptr(VmdsE2eReply) put = vmds_e2e_rest(e2e, "PUT", path, body);
		vmds_e2e_assert_reply(put, 204, "");
	}
	value[last_len] = '\0';
	last_body = g_strdup_printf("\"%s\"", value);
	reply = vmds_e2e_rest(e2e, "PUT", DS "/q/entries/last", last_body);
	vmds_e2e_assert_reply(reply, 204, "");
	full = g_strdup_printf("{\"result\":true,\"name\":\"q\",\"description\":\"test\",\"host\":"
			       "\"READ_WRITE\",\"guest\":\"READ_WRITE\",\"used\":%d,"
			       "\"omit_from_snapshot_and_clone\":false}\n",
			       MAX_VM);
	before = quota_state();
	ck_assert_msg(g_str_has_prefix(before, full), "%s", before);

	/* one byte more: a 1-byte key with an empty value, from the guest or the host */
	run = vmds_e2e_vmtoolsd(e2e,
				"datasets-set-entry {\"dataset\":\"q\",\"entries\":[{\"key\":\"x\","
				"\"value\":\"\"}]}");
	vmds_e2e_assert_failure(run, "quota-exceeded");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run =
	    vmds_e2e_vmtoolsd(e2e,
			      "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"x\","
			      "\"value\":\"\"}]}");
	vmds_e2e_assert_failure(run, "quota-exceeded");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(
	    e2e,
	    "datasets-set-entry {\"dataset\":\"q\",\"entries\":[{\"key\":\"last\","
	    "\"value\":\"+\",\"append\":true}]}");
	vmds_e2e_assert_failure(run, "quota-exceeded");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "PUT", DS "/q/entries/y", "\"\"");
	vmds_e2e_assert_error(reply, 400, "UNABLE_TO_ALLOCATE_RESOURCE");
	after = quota_state();
	ck_assert_str_eq(before, after);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", DS "/rw/entries", NULL);
	vmds_e2e_assert_reply(reply, 200, "[]");

	/* a write that keeps the total is fine: replace "last" with as many other bytes */
	memset(last_body + 1, 'z', last_len);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "PUT", DS "/q/entries/last", last_body);
	vmds_e2e_assert_reply(reply, 204, "");
	/* and one that frees room first, in the same call, too */
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(
	    e2e,
	    "datasets-set-entry {\"dataset\":\"q\",\"entries\":[{\"key\":\"k000\","
	    "\"value\":\"\"},{\"key\":\"x\",\"value\":\"fits now\"}]}");
	vmds_e2e_assert_ok(run, "{\"result\":true}");
}
END_TEST

/* a key of @len bytes sorting as number @i */
static gchar *
paging_key(guint i, gsize len)
{
	g_autofree gchar *fill = g_strnfill(len - 5, 'p');
	return g_strdup_printf("%04u-%s", i, fill);
}

/* the context member of a reply, or NULL */
static gchar *
reply_context(JsonObject *obj)
{
	if (!json_object_has_member(obj, "context"))
		return NULL;
	return g_strdup(json_object_get_string_member(obj, "context"));
}

START_TEST(test_limits_paging_keys)
{
	const guint n_keys = 1000;
	const gsize key_len = 4000;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree gchar *context = NULL;
	g_autofree gchar *first_context = NULL;
	g_autofree gchar *prev = NULL;
	guint pages = 0;
	gint fd;

	/* 4 MB of keys, written over one connection, 15 keys a request */
	vmds_e2e_create_dataset(e2e, NULL, "big", "READ_WRITE", "READ_WRITE");
	fd = vmds_e2e_connect(e2e, NULL);
	for (guint i = 0; i < n_keys; i += 15) {
		g_autoptr(GString) cmd =
		    g_string_new("datasets-set-entry {\"dataset\":\"big\",\"entries\":[");
		g_autofree gchar *reply = NULL;
		for (guint j = i; j < MIN(i + 15, n_keys); j++) {
			g_autofree gchar *key = paging_key(j, key_len);
			g_string_append_printf(
			    cmd, "%s{\"key\":\"%s\",\"value\":\"v\"}", j > i ? "," : "", key);
		}
		g_string_append(cmd, "]}");
		ck_assert_uint_le(cmd->len, MAX_REQUEST);
		vmds_e2e_send_request(fd, cmd->str, cmd->len, FALSE);
		reply = vmds_e2e_read_reply(fd, NULL);
		ck_assert_str_eq(reply, "1 {\"result\":true}");
	}
	close(fd);

	/* page through: every key once, in order, each reply within 1 MiB */
	do {
		g_autofree gchar *cmd =
		    context != NULL
			? g_strdup_printf(
			      "datasets-list-keys {\"dataset\":\"big\",\"context\":\"%s\"}",
			      context)
			: g_strdup("datasets-list-keys {\"dataset\":\"big\"}");
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
		g_autoptr(JsonNode) node = NULL;
		JsonObject *obj;
		JsonArray *keys;

		ck_assert_int_eq(run->status, 0);
		ck_assert_str_eq(run->err, "");
		ck_assert_msg(
		    run->out_len - 1 <= MAX_PAGE, "a page of %zu bytes", run->out_len - 1);
		node = json_from_string(run->out, NULL);
		ck_assert(node != NULL && JSON_NODE_HOLDS_OBJECT(node));
		obj = json_node_get_object(node);
		ck_assert(json_object_get_boolean_member(obj, "result"));
		keys = json_object_get_array_member(obj, "keys");
		ck_assert_uint_ge(json_array_get_length(keys), 1);
		for (guint i = 0; i < json_array_get_length(keys); i++) {
			const gchar *key = json_array_get_string_element(keys, i);
			ck_assert_msg(g_hash_table_add(seen, g_strdup(key)), "a key twice");
			ck_assert(prev == NULL || strcmp(prev, key) < 0);
			g_free(prev);
			prev = g_strdup(key);
		}
		g_free(context);
		context = reply_context(obj);
		if (first_context == NULL && context != NULL)
			first_context = g_strdup(context);
		pages++;
	} while (context != NULL);
	ck_assert_uint_eq(g_hash_table_size(seen), n_keys);
	for (guint i = 0; i < n_keys; i++) {
		g_autofree gchar *key = paging_key(i, key_len);
		ck_assert(g_hash_table_contains(seen, key));
	}
	ck_assert_uint_ge(pages, 4);

	/* contexts are bound to their request, and cannot be forged */
	ck_assert(first_context != NULL);
	vmds_e2e_create_dataset(e2e, NULL, "other", "READ_WRITE", "READ_WRITE");
	vmds_e2e_put(e2e, "other", "a", "b");
	{
		g_autofree gchar *tampered = g_strdup(first_context);
		g_autofree gchar *cmd = NULL;
		g_autoptr(VmdsE2eRun) run = NULL;
		/* one character of the base64 changed */
		tampered[strlen(tampered) / 2] = tampered[strlen(tampered) / 2] == 'A' ? 'B' : 'A';
		cmd = g_strdup_printf("datasets-list-keys {\"dataset\":\"big\",\"context\":\"%s\"}",
				      tampered);
		run = vmds_e2e_vmtoolsd(e2e, cmd);
		vmds_e2e_assert_failure(run, "invalid-argument");
		g_clear_pointer(&run, vmds_e2e_run_free);
		g_free(cmd);
		cmd = g_strdup_printf(
		    "datasets-list-keys {\"dataset\":\"other\",\"context\":\"%s\"}", first_context);
		run = vmds_e2e_vmtoolsd(e2e, cmd);
		vmds_e2e_assert_failure(run, "invalid-argument");
		g_clear_pointer(&run, vmds_e2e_run_free);
		g_free(cmd);
		cmd = g_strdup_printf("datasets-get-entry {\"dataset\":\"big\",\"keys\":[\"a\"],"
				      "\"context\":\"%s\"}",
				      first_context);
		run = vmds_e2e_vmtoolsd(e2e, cmd);
		vmds_e2e_assert_failure(run, "invalid-argument");
		g_clear_pointer(&run, vmds_e2e_run_free);
		/* the genuine one still works */
		g_free(cmd);
		cmd = g_strdup_printf("datasets-list-keys {\"dataset\":\"big\",\"context\":\"%s\"}",
				      first_context);
		run = vmds_e2e_vmtoolsd(e2e, cmd);
		ck_assert_int_eq(run->status, 0);
	}
}
END_TEST

START_TEST(test_limits_paging_entries)
{
	const guint n = 8;
	const gsize len = 300 * 1024;
	g_autoptr(GString) keys = g_string_new(NULL);
	g_autofree gchar *context = NULL;
	g_autofree gchar *first_context = NULL;
	guint got = 0;
	guint pages = 0;

	vmds_e2e_create_dataset(e2e, NULL, "vals", "READ_WRITE", "READ_ONLY");
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *key = g_strdup_printf("v%u", i);
		g_autofree gchar *value = g_strnfill(len, (gchar)('a' + i));
		vmds_e2e_put(e2e, "vals", key, value);
	}
	/* request order, not key order; one key twice */
	g_string_append(keys, "\"v7\",\"v0\",\"v1\",\"v2\",\"v3\",\"v4\",\"v5\",\"v6\",\"v0\"");
	do {
		g_autofree gchar *ctx = context != NULL
					    ? g_strdup_printf(",\"context\":\"%s\"", context)
					    : g_strdup("");
		g_autofree gchar *cmd = g_strdup_printf(
		    "datasets-get-entry {\"dataset\":\"vals\",\"keys\":[%s]%s}", keys->str, ctx);
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
		g_autoptr(JsonNode) node = NULL;
		JsonObject *obj;
		JsonArray *entries;
		const guint order[] = {7, 0, 1, 2, 3, 4, 5, 6, 0};

		ck_assert_int_eq(run->status, 0);
		ck_assert_msg(
		    run->out_len - 1 <= MAX_PAGE, "a page of %zu bytes", run->out_len - 1);
		node = json_from_string(run->out, NULL);
		ck_assert(node != NULL);
		obj = json_node_get_object(node);
		entries = json_object_get_array_member(obj, "entries");
		ck_assert_uint_ge(json_array_get_length(entries), 1);
		for (guint i = 0; i < json_array_get_length(entries); i++) {
			JsonObject *entry = json_array_get_object_element(entries, i);
			g_autofree gchar *key = g_strdup_printf("v%u", order[got]);
			g_autofree gchar *value = g_strnfill(len, (gchar)('a' + order[got]));
			ck_assert_uint_eq(json_object_get_size(entry), 1);
			ck_assert_str_eq(json_object_get_string_member(entry, key), value);
			got++;
		}
		g_free(context);
		context = reply_context(obj);
		if (first_context == NULL && context != NULL)
			first_context = g_strdup(context);
		pages++;
	} while (context != NULL);
	ck_assert_uint_eq(got, 9);
	ck_assert_uint_ge(pages, 3);

	/* a context is bound to the exact list of keys */
	{
		g_autofree gchar *cmd = g_strdup_printf(
		    "datasets-get-entry "
		    "{\"dataset\":\"vals\",\"keys\":[\"v7\",\"v0\"],\"context\":\"%s\"}",
		    first_context);
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
		vmds_e2e_assert_failure(run, "invalid-argument");
		g_clear_pointer(&run, vmds_e2e_run_free);
		g_free(cmd);
		cmd = g_strdup_printf(
		    "datasets-list-keys {\"dataset\":\"vals\",\"context\":\"%s\"}", first_context);
		run = vmds_e2e_vmtoolsd(e2e, cmd);
		vmds_e2e_assert_failure(run, "invalid-argument");
	}
	/* one value of 1 MiB is a page on its own, even over 1 MiB with its envelope */
	{
		g_autofree gchar *big = g_strnfill(MAX_VALUE, 'B');
		g_autoptr(VmdsE2eRun) run = NULL;
		vmds_e2e_put(e2e, "vals", "big", big);
		run = vmds_e2e_vmtoolsd(
		    e2e, "datasets-get-entry {\"dataset\":\"vals\",\"keys\":[\"big\"]}");
		ck_assert_int_eq(run->status, 0);
		ck_assert_uint_eq(run->out_len,
				  strlen("{\"result\":true,\"entries\":[{\"big\":\"\"}]}\n") +
				      MAX_VALUE);
	}
}
END_TEST

static void
setup_timeouts(void)
{
	/* the idle timeout far longer than the waits: a close is the request timeout's */
	e2e = vmds_e2e_new("[backchannel]\nrequest-timeout=1\nidle-timeout=600\n");
}

/*
 * A slow or silent peer cannot hold a slot: a request that does not arrive
 * whole is closed by the request timeout, and an idle connection by the
 * idle timeout. Each wait allows its timeout and the time a close may take
 * to be seen, and the other timeout is far longer, so a close proves the
 * one the part is about.
 */
START_TEST(test_limits_timeouts)
{
	gint bound = 1000 + vmds_e2e_close_timeout_ms();
	gint partial = vmds_e2e_connect(e2e, NULL);
	gint idle = -1;

	/* a header announcing 100 bytes, and 6 of them */
	vmds_e2e_send(partial, (const guint8 *)"\x00\x00\x00\x64\x00\x00\x00\x01\x00\x00", 10);
	ck_assert_msg(vmds_e2e_wait_eof(partial, bound) >= 0,
		      "a partial request outlived a 1 s request timeout by %d ms",
		      bound - 1000);
	close(partial);
	vmds_e2e_reload(e2e, "[backchannel]\nrequest-timeout=600\nidle-timeout=1\n");
	idle = vmds_e2e_connect(e2e, NULL);
	ck_assert_msg(vmds_e2e_wait_eof(idle, bound) >= 0,
		      "an idle connection outlived a 1 s idle timeout by %d ms",
		      bound - 1000);
	close(idle);
	guest_ok("datasets-list", "{\"result\":true,\"datasets\":[]}");
}
END_TEST

static void
setup_slots(void)
{
	/* the default idle timeout (60 s) outlasts the safety net: a close is the cap's */
	e2e = vmds_e2e_new("[backchannel]\nmax-connections=2\n");
}

/* the number of connections is capped; closed ones free their slots */
START_TEST(test_limits_slots)
{
	gint first = vmds_e2e_connect(e2e, NULL);
	gint second = vmds_e2e_connect(e2e, NULL);
	gint extra = -1;
	g_autoptr(VmdsE2eRun) run = NULL;

	/* a round trip on each proves the daemon holds both */
	vmds_e2e_send_request(first, "nope", 4, FALSE);
	vmds_e2e_send_request(second, "nope", 4, FALSE);
	{
		g_autofree gchar *r1 = vmds_e2e_read_reply(first, NULL);
		g_autofree gchar *r2 = vmds_e2e_read_reply(second, NULL);
		ck_assert_str_eq(r1, "0 Unknown command");
		ck_assert_str_eq(r2, "0 Unknown command");
	}
	extra = vmds_e2e_connect(e2e, NULL);
	ck_assert(vmds_e2e_wait_closed(e2e, extra));
	close(extra);
	close(first);
	close(second);
	/* served again once the daemon has seen the closes: ask until it answers */
	for (guint i = 0; i < 600; i++) {
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd(e2e, "datasets-list");
		if (run->status == 0)
			break;
	}
	vmds_e2e_assert_ok(run, "{\"result\":true,\"datasets\":[]}");
}
END_TEST

/* SIGHUP applies a new request limit at once; a bad file keeps the old one */
START_TEST(test_limits_reload)
{
	/* 300 bytes of request: under the default 65,536, over a limit of 100 */
	g_autofree gchar *key = g_strnfill(250, 'k');
	g_autofree gchar *cmd =
	    g_strdup_printf("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"%s\"]}", key);
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);

	vmds_e2e_assert_failure(run, "key-not-found");
	vmds_e2e_reload(e2e, "[backchannel]\nmax-request=100\n");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, cmd);
	vmds_e2e_assert_run(run, 1, "", "Message too large\n");

	/* a typo is refused and the running settings stay */
	vmds_e2e_reload(e2e, "[backchannel]\nmax-requests=100000\n");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, cmd);
	vmds_e2e_assert_run(run, 1, "", "Message too large\n");

	vmds_e2e_reload(e2e, "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, cmd);
	vmds_e2e_assert_failure(run, "key-not-found");
}
END_TEST

static Suite *
limits_suite(void)
{
	Suite *s = suite_create("e2e-limits");
	TCase *tc = tcase_create("boundaries");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_limits_key);
	tcase_add_test(tc, test_limits_value);
	tcase_add_test(tc, test_limits_request);
	tcase_add_test(tc, test_limits_quota);
	suite_add_tcase(s, tc);

	tc = tcase_create("paging");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_limits_paging_keys);
	tcase_add_test(tc, test_limits_paging_entries);
	suite_add_tcase(s, tc);

	tc = tcase_create("timeouts");
	tcase_add_checked_fixture(tc, setup_timeouts, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_limits_timeouts);
	suite_add_tcase(s, tc);

	tc = tcase_create("reload");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_limits_reload);
	suite_add_tcase(s, tc);

	tc = tcase_create("slots");
	tcase_add_checked_fixture(tc, setup_slots, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_limits_slots);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(limits_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

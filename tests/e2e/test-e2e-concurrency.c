/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <unistd.h>

#include "vmds-e2e.h"

/*
 * Many guests at once. The daemon answers the requests of one VM that arrive
 * together as one group commit (savepoints in one transaction, one fsync);
 * whether or not a group forms, every request must still succeed or fail
 * whole (guest-rpc.md §5, all or nothing), reads must see what was there,
 * and every acknowledged write must survive kill -9.
 */

#define DS "/api/vcenter/vm/vm-1/data-sets/rw"

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
put_value(const gchar *key, const gchar *value)
{
	g_autofree gchar *path = g_strdup_printf(DS "/entries/%s", key);
	g_autofree gchar *body = vmds_e2e_json_string(value, -1);
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "PUT", path, body);
	vmds_e2e_assert_reply(reply, 204, "");
}

START_TEST(test_concurrency_mixed_group)
{
	g_autofree gchar *big = g_strnfill(1000000, 'b');
	g_autofree gchar *chunk = g_strnfill(60000, 'c');
	g_autofree gchar *overflow = g_strdup_printf(
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"x1\",\"value\":\"a\"},"
	    "{\"key\":\"big\",\"value\":\"%s\",\"append\":true}]}",
	    chunk);
	/* sent together, before any reply is read */
	const gchar *requests[] = {
	    "datasets-set-entry "
	    "{\"dataset\":\"rw\",\"entries\":[{\"key\":\"x0\",\"value\":\"a\"}]}",
	    overflow,
	    "datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[\"y0\",\"missing\"]}",
	    "datasets-set-entry "
	    "{\"dataset\":\"rw\",\"entries\":[{\"key\":\"x3\",\"value\":\"a\"}]}",
	    "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"y0\"]}",
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"log\",\"value\":\"5;\","
	    "\"append\":true}]}",
	};
	/* what each must answer, from the spec */
	const gchar *expected[] = {
	    "1 {\"result\":true}",
	    "1 {\"result\":false,\"error-id\":\"too-large\"",
	    "1 {\"result\":false,\"error-id\":\"key-not-found\"",
	    "1 {\"result\":true}",
	    "1 {\"result\":true,\"entries\":[{\"y0\":\"keep\"}]}",
	    "1 {\"result\":true}",
	};
	gint fds[G_N_ELEMENTS(requests)];
	g_autoptr(VmdsE2eReply) reply = NULL;

	put_value("y0", "keep");
	put_value("big", big);
	put_value("log", "0;");
	for (guint i = 0; i < G_N_ELEMENTS(requests); i++)
		fds[i] = vmds_e2e_connect(e2e, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(requests); i++)
		vmds_e2e_send_request(fds[i], requests[i], strlen(requests[i]), FALSE);
	for (guint i = 0; i < G_N_ELEMENTS(requests); i++) {
		g_autofree gchar *text = vmds_e2e_read_reply(fds[i], NULL);
		ck_assert_msg(text != NULL && g_str_has_prefix(text, expected[i]),
			      "request %u: [%s]",
			      i,
			      text);
		close(fds[i]);
	}

	/* the failed ones changed nothing, not even their first entries */
	reply = vmds_e2e_rest(e2e, "GET", DS "/entries", NULL);
	vmds_e2e_assert_reply(reply, 200, "[\"big\",\"log\",\"x0\",\"x3\",\"y0\"]");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", DS "/entries/log", NULL);
	vmds_e2e_assert_reply(reply, 200, "\"0;5;\"");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", DS "/entries/big", NULL);
	ck_assert_uint_eq(reply->status, 200);
	ck_assert_uint_eq(reply->body_len, 1000000 + 2);
}
END_TEST

static gint
compare_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* eight writers, each with one request in flight at a time, interleaved */
START_TEST(test_concurrency_writers_survive_kill9)
{
	enum { WRITERS = 8, ROUNDS = 40 };
	gint fds[WRITERS];
	g_autoptr(GString) expected = g_string_new("[");
	g_autoptr(VmdsE2eReply) reply = NULL;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);

	for (guint w = 0; w < WRITERS; w++)
		fds[w] = vmds_e2e_connect(e2e, NULL);
	for (guint r = 0; r < ROUNDS; r++) {
		for (guint w = 0; w < WRITERS; w++) {
			g_autofree gchar *cmd = g_strdup_printf(
			    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":"
			    "\"w%u-%02u\",\"value\":\"v\"}]}",
			    w,
			    r);
			vmds_e2e_send_request(fds[w], cmd, strlen(cmd), FALSE);
		}
		for (guint w = 0; w < WRITERS; w++) {
			g_autofree gchar *text = vmds_e2e_read_reply(fds[w], NULL);
			ck_assert_msg(g_strcmp0(text, "1 {\"result\":true}") == 0,
				      "writer %u round %u: [%s]",
				      w,
				      r,
				      text);
			g_ptr_array_add(keys, g_strdup_printf("w%u-%02u", w, r));
		}
	}
	for (guint w = 0; w < WRITERS; w++)
		close(fds[w]);

	/* every acknowledged write is on disk */
	vmds_e2e_kill(e2e);
	vmds_e2e_start(e2e);
	g_ptr_array_sort(keys, compare_cb);
	for (guint i = 0; i < keys->len; i++)
		g_string_append_printf(expected,
				       "%s\"%s\"",
				       i > 0 ? "," : "",
				       (const gchar *)g_ptr_array_index(keys, i));
	g_string_append_c(expected, ']');
	reply = vmds_e2e_rest(e2e, "GET", DS "/entries", NULL);
	ck_assert_uint_eq(reply->status, 200);
	/* (compared without ck_assert_str_eq: its message would be too long for Check) */
	ck_assert_msg(g_strcmp0(reply->body, expected->str) == 0,
		      "%u keys expected, got %.200s",
		      keys->len,
		      reply->body);
}
END_TEST

static Suite *
concurrency_suite(void)
{
	Suite *s = suite_create("e2e-concurrency");
	TCase *tc = tcase_create("group-commit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_concurrency_mixed_group);
	tcase_add_test(tc, test_concurrency_writers_survive_kill9);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(concurrency_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

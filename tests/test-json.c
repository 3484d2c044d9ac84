/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>

#include "vmds.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

static void
test_json_assert_refused(const gchar *text, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) obj = vmds_json_parse_object(text, len, &error);

	ck_assert_msg(obj == NULL, "accepted: %s", text);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
}

START_TEST(test_json_parse_refuses)
{
	g_autoptr(GString) deep = g_string_new(NULL);
	const gchar *const not_utf8[] = {
	    "{\"abcdefghijk\":\"\xc0\xaf\"}",
	    "{\"abc\":\"\xed\xa0\x80xxxxxxxxxxxx\"}",
	    "{\"abcdefgh\":\"\xe2\x82\"}",
	};

	test_json_assert_refused("", 0);
	test_json_assert_refused("[]", 2);
	test_json_assert_refused("\"x\"", 3);
	test_json_assert_refused("{\"a\":", 5);
	test_json_assert_refused("{\"a\":\"\xff\"}", 9);
	/* not UTF-8 after whole 8-byte words of ASCII, inside one, and in the tail */
	for (guint i = 0; i < G_N_ELEMENTS(not_utf8); i++) {
		g_autoptr(GError) error = NULL;
		ck_assert(!vmds_json_validate(not_utf8[i], strlen(not_utf8[i]), &error));
		ck_assert_str_eq(error->message, "arguments are not valid UTF-8");
		test_json_assert_refused(not_utf8[i], strlen(not_utf8[i]));
	}
	test_json_assert_refused("{\"a\":\"x\\u0000y\"}", 16);
	for (guint i = 0; i < VMDS_JSON_MAX_DEPTH + 1; i++)
		g_string_append(deep, "[");
	g_string_prepend(deep, "{\"a\":");
	test_json_assert_refused(deep->str, deep->len);
}
END_TEST

START_TEST(test_json_parse_object)
{
	const gchar *text = "{\"dataset\":\"ds\",\"keys\":[\"a\",\"b\"],\"append\":true,\"n\":1}";
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) obj = vmds_json_parse_object(text, strlen(text), &error);
	g_autoptr(GPtrArray) keys = NULL;
	const gchar *str = NULL;
	gboolean flag = FALSE;
	gboolean present = FALSE;
	JsonArray *array;

	ck_assert_ptr_nonnull(obj);
	ck_assert(vmds_json_object_get_string(obj, "dataset", TRUE, &str, &error));
	ck_assert_str_eq(str, "ds");
	ck_assert(vmds_json_object_get_string(obj, "absent", FALSE, &str, &error));
	ck_assert_ptr_null(str);
	ck_assert(vmds_json_object_get_boolean(obj, "append", &flag, &present, &error));
	ck_assert(flag && present);
	array = vmds_json_object_get_array(obj, "keys", &error);
	ck_assert_ptr_nonnull(array);
	keys = vmds_json_array_get_strings(array, "each key", &error);
	ck_assert_uint_eq(keys->len, 2);
	ck_assert_str_eq(g_ptr_array_index(keys, 1), "b");

	/* wrong types are errors, never criticals */
	ck_assert(!vmds_json_object_get_string(obj, "n", TRUE, &str, &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	g_clear_error(&error);
	ck_assert(!vmds_json_object_get_string(obj, "absent", TRUE, &str, &error));
	g_clear_error(&error);
	ck_assert(!vmds_json_object_get_boolean(obj, "dataset", &flag, NULL, &error));
	g_clear_error(&error);
	ck_assert_ptr_null(vmds_json_object_get_array(obj, "dataset", &error));
	g_clear_error(&error);
	ck_assert_ptr_null(vmds_json_array_get_object(array, 0, "each entry", &error));
	g_clear_error(&error);
}
END_TEST

START_TEST(test_json_members)
{
	const gchar *const allowed[] = {"dataset", NULL};
	const gchar *text = "{\"dataset\":\"ds\",\"datset\":1}";
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) obj = vmds_json_parse_object(text, strlen(text), &error);

	ck_assert(!vmds_json_object_check_members(obj, allowed, &error));
	ck_assert_str_eq(error->message, "unknown member 'datset'");
}
END_TEST

START_TEST(test_json_empty_array)
{
	const gchar *text = "{\"keys\":[]}";
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) obj = vmds_json_parse_object(text, strlen(text), &error);

	ck_assert_ptr_null(vmds_json_object_get_array(obj, "keys", &error));
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
}
END_TEST

START_TEST(test_json_append_string)
{
	/* guest-rpc.md §6: compact, `"` `\` and controls escaped, other UTF-8 as is */
	const gchar *input = "a\"b\\c\n\t\x01\x1f h\xc3\xa9 \xe2\x9c\x93";
	const gchar *expected = "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f h\xc3\xa9 \xe2\x9c\x93\"";
	g_autoptr(GString) out = g_string_new(NULL);

	vmds_json_append_string(out, input, -1);
	ck_assert_str_eq(out->str, expected);
	ck_assert_uint_eq(vmds_json_string_size(input, strlen(input)), strlen(expected));
	g_string_truncate(out, 0);
	vmds_json_append_string(out, "", 0);
	ck_assert_str_eq(out->str, "\"\"");
}
END_TEST

/* what guest-rpc.md §6 says one byte becomes inside a JSON string */
static void
test_json_expected_byte(GString *out, guchar c)
{
	const gchar *const short_escapes[] = {
	    ['\b'] = "\\b", ['\t'] = "\\t", ['\n'] = "\\n", ['\f'] = "\\f", ['\r'] = "\\r"};

	if (c == '"')
		g_string_append(out, "\\\"");
	else if (c == '\\')
		g_string_append(out, "\\\\");
	else if (c < G_N_ELEMENTS(short_escapes) && short_escapes[c] != NULL)
		g_string_append(out, short_escapes[c]);
	else if (c < 0x20)
		g_string_append_printf(out, "\\u%04x", c);
	else
		g_string_append_c(out, (gchar)c);
}

static void
test_json_assert_string(const gchar *input, gsize len)
{
	g_autoptr(GString) expected = g_string_new("prefix\"");
	g_autoptr(GString) out = g_string_new("prefix");

	for (gsize i = 0; i < len; i++)
		test_json_expected_byte(expected, (guchar)input[i]);
	g_string_append_c(expected, '"');
	vmds_json_append_string(out, input, (gssize)len);
	ck_assert_uint_eq(out->len, expected->len);
	ck_assert_mem_eq(out->str, expected->str, expected->len);
	ck_assert_int_eq(out->str[out->len], '\0');
	ck_assert_uint_eq(vmds_json_string_size(input, len), expected->len - strlen("prefix"));
}

START_TEST(test_json_append_string_every_byte)
{
	gchar input[256];

	/* each control character, the quote and the backslash, alone */
	for (guint c = 0; c < 0x20; c++) {
		gchar one = (gchar)c;
		test_json_assert_string(&one, 1);
	}
	test_json_assert_string("\"", 1);
	test_json_assert_string("\\", 1);
	test_json_assert_string("\x1f\x1f\x1f", 3);
	/* all 256 bytes in a row (not UTF-8, but nothing here may care) */
	for (guint c = 0; c < sizeof(input); c++)
		input[c] = (gchar)c;
	test_json_assert_string(input, sizeof(input));
	test_json_assert_string(input + 0x20, sizeof(input) - 0x20);
}
END_TEST

START_TEST(test_json_append_string_runs)
{
	/* bytes that differ from a special one only in the high bit, and DEL:
	 * all pass through (U+00A2, U+00DC, U+071C, U+00DF, U+2028) */
	const gchar *lookalikes = "\xc2\xa2\xc3\x9c\xdc\x9c\xc3\x9f\xe2\x80\xa8\x7f ~";
	const gchar specials[] = {'"', '\\', '\n', '\x01', '\x1f', '\0', '\x7f', 'A'};
	g_autoptr(GString) out = g_string_new(NULL);

	test_json_assert_string(lookalikes, strlen(lookalikes));
	vmds_json_append_string(out, lookalikes, -1);
	ck_assert_str_eq(out->str, "\"\xc2\xa2\xc3\x9c\xdc\x9c\xc3\x9f\xe2\x80\xa8\x7f ~\"");

	/* one special byte at every place in and around the eight-byte words */
	for (guint s = 0; s < G_N_ELEMENTS(specials); s++) {
		for (gsize len = 1; len <= 40; len++) {
			for (gsize at = 0; at < len; at++) {
				g_autofree gchar *input = g_strnfill(len, 'x');
				input[at] = specials[s];
				test_json_assert_string(input, len);
			}
		}
	}

	/* long runs, with escapes between them */
	for (gsize len = 0; len < 3000; len += 997) {
		g_autoptr(GString) input = g_string_new(NULL);
		for (guint i = 0; i < 3; i++) {
			g_autofree gchar *run = g_strnfill(len, 'v');
			g_string_append(input, run);
			g_string_append(input, "\"\\\t\x02");
		}
		test_json_assert_string(input->str, input->len);
	}
	test_json_assert_string("", 0);
}
END_TEST

START_TEST(test_json_reader)
{
	const gchar *text = "{ \"s\" : \"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\\/\" ,"
			    "\"skip\":[1,{\"x\":[true,null,\"]\"]},-2.5e3],"
			    "\"b\":false, \"n\":0, \"e\":[] }";
	g_autoptr(GError) error = NULL;
	g_autofree gchar *name = NULL;
	g_autofree gchar *value = NULL;
	gboolean flag = TRUE;
	gsize len = 0;
	VmdsJsonReader reader;

	ck_assert(vmds_json_reader_init(&reader, text, strlen(text), &error));
	ck_assert_int_eq(vmds_json_reader_peek(&reader), '{');
	vmds_json_reader_enter(&reader);

	ck_assert(vmds_json_reader_next(&reader));
	name = vmds_json_reader_member(&reader);
	ck_assert_str_eq(name, "s");
	value = vmds_json_reader_read_string(&reader, &len);
	/* escapes decoded; a surrogate pair is one character (U+1F600) */
	ck_assert_str_eq(value, "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80/");
	ck_assert_uint_eq(len, strlen(value));

	ck_assert(vmds_json_reader_next(&reader));
	g_clear_pointer(&name, g_free);
	name = vmds_json_reader_member(&reader);
	ck_assert_str_eq(name, "skip");
	/* not a string or a boolean: nothing is read */
	ck_assert_ptr_null(vmds_json_reader_read_string(&reader, NULL));
	ck_assert(!vmds_json_reader_read_boolean(&reader, &flag));
	ck_assert_int_eq(vmds_json_reader_peek(&reader), '[');
	vmds_json_reader_skip(&reader);

	ck_assert(vmds_json_reader_next(&reader));
	g_clear_pointer(&name, g_free);
	name = vmds_json_reader_member(&reader);
	ck_assert_str_eq(name, "b");
	ck_assert(vmds_json_reader_read_boolean(&reader, &flag));
	ck_assert(!flag);

	ck_assert(vmds_json_reader_next(&reader));
	g_clear_pointer(&name, g_free);
	name = vmds_json_reader_member(&reader);
	ck_assert_int_eq(vmds_json_reader_peek(&reader), '0');
	vmds_json_reader_skip(&reader);

	ck_assert(vmds_json_reader_next(&reader));
	g_clear_pointer(&name, g_free);
	name = vmds_json_reader_member(&reader);
	ck_assert_str_eq(name, "e");
	vmds_json_reader_enter(&reader);
	ck_assert(!vmds_json_reader_next(&reader));

	ck_assert(!vmds_json_reader_next(&reader));
}
END_TEST

START_TEST(test_json_reader_member_index)
{
	const gchar *const names[] = {"dataset", "keys", "k\"q", NULL};
	const gchar *text = "{\"keys\" : 1, \"d\\u0061taset\":2, \"data\":3, \"datasets\":4,"
			    "\"k\\\"q\":5, \"skip\":\"\\\"]}\\\\\", \"\":6}";
	g_autoptr(GError) error = NULL;
	VmdsJsonReader reader;

	ck_assert_msg(
	    vmds_json_reader_init(&reader, text, strlen(text), &error), "%s", error->message);
	vmds_json_reader_enter(&reader);

	/* a known name: the reader is then before the value */
	ck_assert(vmds_json_reader_next(&reader));
	ck_assert_int_eq(vmds_json_reader_member_index(&reader, names), 1);
	ck_assert_int_eq(vmds_json_reader_peek(&reader), '0');
	vmds_json_reader_skip(&reader);

	/* escapes are decoded before comparing */
	ck_assert(vmds_json_reader_next(&reader));
	ck_assert_int_eq(vmds_json_reader_member_index(&reader, names), 0);
	vmds_json_reader_skip(&reader);

	/* a prefix, or a longer name, is another name: the reader stays */
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *name = NULL;

		ck_assert(vmds_json_reader_next(&reader));
		ck_assert_int_eq(vmds_json_reader_member_index(&reader, names), -1);
		name = vmds_json_reader_member(&reader);
		ck_assert_str_eq(name, i == 0 ? "data" : "datasets");
		vmds_json_reader_skip(&reader);
	}

	ck_assert(vmds_json_reader_next(&reader));
	ck_assert_int_eq(vmds_json_reader_member_index(&reader, names), 2);
	vmds_json_reader_skip(&reader);

	/* a string with an escaped quote, a bracket and a backslash is skipped whole */
	ck_assert(vmds_json_reader_next(&reader));
	ck_assert_int_eq(vmds_json_reader_member_index(&reader, names), -1);
	g_free(vmds_json_reader_member(&reader));
	vmds_json_reader_skip(&reader);

	ck_assert(vmds_json_reader_next(&reader));
	ck_assert_int_eq(vmds_json_reader_member_index(&reader, names), -1);
	g_free(vmds_json_reader_member(&reader));
	ck_assert_int_eq(vmds_json_reader_peek(&reader), '0');
	vmds_json_reader_skip(&reader);
	ck_assert(!vmds_json_reader_next(&reader));
}
END_TEST

START_TEST(test_json_reader_strings)
{
	const gchar *text = "[\"\", \"plain text\", \"a\\\\\", \"\\\"\", \"\\u00e9x\\n\"]";
	const gchar *expected[] = {"", "plain text", "a\\", "\"", "\xc3\xa9x\n"};
	g_autoptr(GError) error = NULL;
	VmdsJsonReader reader;

	ck_assert_msg(
	    vmds_json_reader_init(&reader, text, strlen(text), &error), "%s", error->message);
	vmds_json_reader_enter(&reader);
	for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
		g_autofree gchar *value = NULL;
		gsize len = 0;

		ck_assert(vmds_json_reader_next(&reader));
		value = vmds_json_reader_read_string(&reader, &len);
		ck_assert_str_eq(value, expected[i]);
		ck_assert_uint_eq(len, strlen(expected[i]));
	}
	ck_assert(!vmds_json_reader_next(&reader));
}
END_TEST

START_TEST(test_json_reader_refuses)
{
	const gchar *bad[] = {"{\"a\":1}{}", "{'a':1}", "{\"a\":1,\"a\":2}", "[\"\\ud800\"]", "{"};
	VmdsJsonReader reader;

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		ck_assert_msg(!vmds_json_reader_init(&reader, bad[i], strlen(bad[i]), &error),
			      "accepted %s",
			      bad[i]);
		ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	}
}
END_TEST

static Suite *
test_json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_json_parse_refuses);
	tcase_add_test(tc, test_json_parse_object);
	tcase_add_test(tc, test_json_members);
	tcase_add_test(tc, test_json_empty_array);
	suite_add_tcase(s, tc);
	tc = tcase_create("reader");
	tcase_add_test(tc, test_json_reader);
	tcase_add_test(tc, test_json_reader_refuses);
	tcase_add_test(tc, test_json_reader_member_index);
	tcase_add_test(tc, test_json_reader_strings);
	suite_add_tcase(s, tc);
	tc = tcase_create("write");
	tcase_add_test(tc, test_json_append_string);
	tcase_add_test(tc, test_json_append_string_every_byte);
	tcase_add_test(tc, test_json_append_string_runs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_json_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>

#include "vmds-test.h"
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

/*
 * Every public function that validates untrusted JSON, as one signature:
 * each must accept and refuse exactly the same texts.
 */
typedef gboolean (*TestJsonEntry)(const gchar *text, gsize len, GError **error);

static gboolean
test_json_entry_validate(const gchar *text, gsize len, GError **error)
{
	return vmds_json_validate(text, len, error);
}

static gboolean
test_json_entry_parse(const gchar *text, gsize len, GError **error)
{
	g_autoptr(JsonNode) node = vmds_json_parse(text, len, error);
	return node != NULL;
}

static gboolean
test_json_entry_parse_object(const gchar *text, gsize len, GError **error)
{
	g_autoptr(JsonObject) obj = vmds_json_parse_object(text, len, error);
	return obj != NULL;
}

static gboolean
test_json_entry_reader_init(const gchar *text, gsize len, GError **error)
{
	VmdsJsonReader reader;
	return vmds_json_reader_init(&reader, text, len, error);
}

static const struct {
	const gchar *name;
	TestJsonEntry func;
} test_json_entries[] = {
    {"vmds_json_validate", test_json_entry_validate},
    {"vmds_json_parse", test_json_entry_parse},
    {"vmds_json_parse_object", test_json_entry_parse_object},
    {"vmds_json_reader_init", test_json_entry_reader_init},
};

/* @text (an object) is refused by every entry point, with a message naming @problem */
static void
test_json_assert_refused_by_all(const gchar *text, const gchar *problem)
{
	for (guint i = 0; i < G_N_ELEMENTS(test_json_entries); i++) {
		g_autoptr(GError) error = NULL;
		gboolean ok = test_json_entries[i].func(text, strlen(text), &error);

		ck_assert_msg(!ok, "%s accepted %.200s", test_json_entries[i].name, text);
		assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
		ck_assert_msg(strstr(error->message, problem) != NULL,
			      "%s: [%s] does not say \"%s\" for %.200s",
			      test_json_entries[i].name,
			      error->message,
			      problem,
			      text);
	}
}

/* @text (an object) is accepted by every entry point */
static void
test_json_assert_accepted_by_all(const gchar *text)
{
	for (guint i = 0; i < G_N_ELEMENTS(test_json_entries); i++) {
		g_autoptr(GError) error = NULL;
		gboolean ok = test_json_entries[i].func(text, strlen(text), &error);

		ck_assert_msg(ok,
			      "%s refused %.200s: %s",
			      test_json_entries[i].name,
			      text,
			      error != NULL ? error->message : "no error set");
		ck_assert_ptr_null(error);
	}
}

/* the string member "k" of @text as json-glib's tree and the reader decode it */
static void
test_json_assert_decoded(const gchar *text, const gchar *expected)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) obj = vmds_json_parse_object(text, strlen(text), &error);
	g_autofree gchar *name = NULL;
	g_autofree gchar *value = NULL;
	const gchar *str = NULL;
	VmdsJsonReader reader;

	ck_assert_ptr_nonnull(obj);
	ck_assert(vmds_json_object_get_string(obj, "k", TRUE, &str, &error));
	ck_assert_str_eq(str, expected);
	ck_assert(vmds_json_reader_init(&reader, text, strlen(text), &error));
	vmds_json_reader_enter(&reader);
	ck_assert(vmds_json_reader_next(&reader));
	name = vmds_json_reader_member(&reader);
	ck_assert_str_eq(name, "k");
	value = vmds_json_reader_read_string(&reader, NULL);
	ck_assert_str_eq(value, expected);
}

/*
 * RFC 8259 §7: a character beyond the BMP is escaped as a UTF-16 surrogate
 * pair, a high surrogate (D800-DBFF) then a low one (DC00-DFFF); anything
 * else holding a surrogate is not a character and must be refused (stored,
 * it would be CESU bytes, not UTF-8).
 */
START_TEST(test_json_surrogates)
{
	const struct {
		const gchar *escaped; /* inside a JSON string */
		const gchar *utf8;    /* what it decodes to; NULL: refused */
	} cases[] = {
	    /* a high surrogate, then an escape that is not a low surrogate */
	    {"\\ud800\\u0041", NULL},
	    {"\\ud800\\u00e9", NULL},
	    {"\\udbff\\ue000", NULL}, /* just above the low range */
	    {"\\ud800\\ud800", NULL}, /* two highs */
	    {"\\ud800\\udbff", NULL}, /* just below the low range */
	    {"\\ud800\\n", NULL},
	    {"\\ud800\\\\", NULL},
	    {"\\ud800\\\"", NULL},
	    {"\\ud800\\u", NULL},
	    {"\\ud800\\udc0", NULL},
	    {"\\ud800\\uzzzz", NULL},
	    /* a high surrogate, then a raw character */
	    {"\\ud800x", NULL},
	    {"\\ud800 ", NULL},
	    {"\\ud800\xc3\xa9", NULL},
	    {"\\ud800udc00", NULL},  /* the pair without its backslash */
	    {"\\ud800/udc00", NULL}, /* a raw character in place of the backslash */
	    /* a high surrogate at the end of the string */
	    {"\\ud800", NULL},
	    {"x\\udbff", NULL},
	    /* a lone low surrogate, or a pair the wrong way round */
	    {"\\udc00", NULL},
	    {"\\udfff", NULL},
	    {"a\\udc00b", NULL},
	    {"\\udc00\\ud800", NULL},
	    /* pairs: U+10000, U+10FFFF, U+1F600 (hex in either case) */
	    {"\\ud800\\udc00", "\xf0\x90\x80\x80"},
	    {"\\udbff\\udfff", "\xf4\x8f\xbf\xbf"},
	    {"\\uD83D\\uDE00", "\xf0\x9f\x98\x80"},
	    {"a\\ud83d\\ude00b\\ud83d\\ude00",
	     "a\xf0\x9f\x98\x80"
	     "b\xf0\x9f\x98\x80"},
	    /* the characters around the surrogates */
	    {"\\ud7ff", "\xed\x9f\xbf"},
	    {"\\ue000", "\xee\x80\x80"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		/* the escape in a value, in a member name, and in an array */
		g_autofree gchar *value = g_strdup_printf("{\"k\":\"%s\"}", cases[i].escaped);
		g_autofree gchar *member = g_strdup_printf("{\"%s\":1}", cases[i].escaped);
		g_autofree gchar *element =
		    g_strdup_printf("{\"a\":[\"x\",\"%s\"]}", cases[i].escaped);

		if (cases[i].utf8 == NULL) {
			test_json_assert_refused_by_all(value, "a lone surrogate");
			test_json_assert_refused_by_all(member, "a lone surrogate");
			test_json_assert_refused_by_all(element, "a lone surrogate");
			continue;
		}
		test_json_assert_accepted_by_all(value);
		test_json_assert_accepted_by_all(member);
		test_json_assert_accepted_by_all(element);
		test_json_assert_decoded(value, cases[i].utf8);
	}
}
END_TEST

/*
 * An object of @n members "m0" ... named by their index, values 0 ... ; when
 * @dup < @n, member @dup gets the name of member @orig (and a value of its own).
 */
static gchar *
test_json_object(guint n, guint orig, guint dup)
{
	g_autoptr(GString) out = g_string_new("{");

	for (guint i = 0; i < n; i++)
		g_string_append_printf(
		    out, "%s\"m%u\":%u", i > 0 ? "," : "", i == dup ? orig : i, i);
	g_string_append_c(out, '}');
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/*
 * A duplicate member is refused wherever it is: objects of up to 16 members
 * are checked one way and larger ones another (VMDS_JSON_LINEAR_MEMBERS),
 * so each size around the switch, the first and the last member, and
 * objects inside objects.
 */
START_TEST(test_json_duplicate_members)
{
	const guint sizes[] = {2, 15, 16, 17, 18, 33, 1000};

	for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
		guint n = sizes[s];
		const struct {
			guint orig;
			guint dup;
		} pairs[] = {
		    {0, 1},	    /* the first two */
		    {0, n - 1},	    /* the first and the last */
		    {n - 2, n - 1}, /* the last two */
		    {n / 2, n - 1}, /* the middle and the last */
		    {0, n / 2},	    /* the first and the middle */
		};
		g_autofree gchar *unique = test_json_object(n, 0, G_MAXUINT);

		test_json_assert_accepted_by_all(unique);
		for (guint p = 0; p < G_N_ELEMENTS(pairs); p++) {
			g_autofree gchar *text = NULL;
			g_autofree gchar *nested = NULL;
			g_autofree gchar *in_array = NULL;

			if (pairs[p].orig >= pairs[p].dup)
				continue;
			text = test_json_object(n, pairs[p].orig, pairs[p].dup);
			test_json_assert_refused_by_all(text, "a duplicate member");
			/* the same object as a member's value, after and before other members */
			nested = g_strdup_printf("{\"a\":1,\"m0\":%s,\"z\":%s}", unique, text);
			test_json_assert_refused_by_all(nested, "a duplicate member");
			g_free(nested);
			nested = g_strdup_printf("{\"m0\":%s,\"z\":%s}", text, unique);
			test_json_assert_refused_by_all(nested, "a duplicate member");
			in_array = g_strdup_printf("{\"a\":[%s,%s]}", unique, text);
			test_json_assert_refused_by_all(in_array, "a duplicate member");
		}
	}
}
END_TEST

/*
 * A name is a duplicate by what it decodes to, not by how it is written
 * (the hostile-guest catalogue found "d\u0061taset" passing for a second
 * "dataset"): each escape, in a small object and in a large one, first and
 * last; different names stay different however they are escaped.
 */
START_TEST(test_json_duplicate_members_escaped)
{
	static const struct {
		const gchar *text;
		gboolean refused;
	} rows[] = {
	    {"{\"dataset\":1,\"d\\u0061taset\":2}", TRUE},
	    {"{\"d\\u0061taset\":1,\"dataset\":2}", TRUE},
	    {"{\"d\\u0061taset\":1,\"\\u0064ataset\":2}", TRUE},
	    {"{\"a/b\":1,\"a\\/b\":2}", TRUE},
	    {"{\"a\\\"b\":1,\"a\\u0022b\":2}", TRUE},
	    {"{\"\\t\":1,\"\\u0009\":2}", TRUE},
	    {"{\"\xf0\x9f\x98\x80\":1,\"\\ud83d\\ude00\":2}", TRUE},
	    {"{\"\xc3\xa9\":1,\"\\u00e9\":2}", TRUE},
	    {"{\"\xc3\xa9\":1,\"\\u00e8\":2}", FALSE},
	    {"{\"dataset\":1,\"d\\u0062taset\":2}", FALSE},
	    {"{\"a\\\\b\":1,\"a\\/b\":2}", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		if (rows[i].refused)
			test_json_assert_refused_by_all(rows[i].text, "a duplicate member");
		else
			test_json_assert_accepted_by_all(rows[i].text);
	}
	/* the same past the switch to a table, the escaped one first or last */
	for (guint n = 15; n <= 40; n += 25) {
		g_autoptr(GString) text = g_string_new("{\"d\\u0061taset\":0");
		g_autoptr(GString) last = g_string_new("{\"dataset\":0");

		for (guint j = 1; j < n; j++) {
			g_string_append_printf(text, ",\"m%u\":%u", j, j);
			g_string_append_printf(last, ",\"m%u\":%u", j, j);
		}
		g_string_append(text, ",\"dataset\":1}");
		g_string_append(last, ",\"\\u0064ataset\":1}");
		test_json_assert_refused_by_all(text->str, "a duplicate member");
		test_json_assert_refused_by_all(last->str, "a duplicate member");
	}
}
END_TEST

/* an integer past 64 bits is refused: json-glib 1.6 would read it wrapped
 * or saturated (a metadata NUMBER of 2^63 was kept as -2^63); the bounds
 * themselves, and numbers with a fraction or an exponent, are read */
START_TEST(test_json_integer_range)
{
	const gchar *const refused[] = {
	    "{\"a\":9223372036854775808}",
	    "{\"a\":-9223372036854775809}",
	    "{\"a\":18446744073709551617}",
	    "{\"a\":[99999999999999999999]}",
	    "{\"a\":[1,-123456789012345678901234567890]}",
	};
	const gchar *const accepted[] = {
	    "{\"a\":[9223372036854775807,-9223372036854775808]}",
	    "{\"a\":0,\"b\":-0,\"c\":1000000000000000000}",
	    "{\"a\":[9223372036854775808.0,1e30,-18446744073709551617E0]}",
	};

	for (guint i = 0; i < G_N_ELEMENTS(refused); i++)
		test_json_assert_refused_by_all(refused[i], "an integer beyond 64 bits");
	for (guint i = 0; i < G_N_ELEMENTS(accepted); i++)
		test_json_assert_accepted_by_all(accepted[i]);
}
END_TEST

/* a text that ends where more must come says so, not what the next
 * character would have had to be */
START_TEST(test_json_ends_early)
{
	const gchar *const texts[] = {
	    "{",
	    "{ ",
	    "{\"a\"",
	    "{\"a\":",
	    "{\"a\":1",
	    "{\"a\":1,",
	    "[",
	    "[1",
	    "[1,",
	    "\"abc",
	    "{\"a\":[{\"b\":\"c\"",
	    "",
	};

	for (guint i = 0; i < G_N_ELEMENTS(texts); i++)
		test_json_assert_refused_by_all(texts[i], "an unexpected end");
}
END_TEST

/* an error message quotes at most 64 bytes of what a peer sent, whole
 * characters only, and says it cut (a 60,000-byte member name came back whole) */
START_TEST(test_json_abbreviate)
{
	g_autofree gchar *long_name = g_strnfill(60000, 'n');
	g_autofree gchar *n64 = g_strnfill(64, 'n');
	g_autofree gchar *a63 = g_strnfill(63, 'a');
	g_autofree gchar *want = g_strdup_printf("%s…", n64);
	g_autofree gchar *got = vmds_json_abbreviate(long_name);
	g_autofree gchar *exact = g_strnfill(64, 'x');
	g_autofree gchar *got_exact = vmds_json_abbreviate(exact);
	/* 63 ASCII bytes, then a 2-byte é that would end at byte 65 */
	g_autofree gchar *straddle = g_strdup_printf("%sé tail", a63);
	g_autofree gchar *got_straddle = vmds_json_abbreviate(straddle);
	g_autofree gchar *want_straddle = g_strdup_printf("%s…", a63);
	g_autofree gchar *object = g_strdup_printf("{\"%s\":1}", long_name);
	g_autoptr(JsonObject) obj = vmds_json_parse_object(object, strlen(object), NULL);
	const gchar *const allowed[] = {"dataset", NULL};
	g_autoptr(GError) error = NULL;

	ck_assert_str_eq(got, want);
	ck_assert_str_eq(got_exact, exact);
	ck_assert_str_eq(got_straddle, want_straddle);
	ck_assert(!vmds_json_object_check_members(obj, allowed, &error));
	ck_assert_uint_lt(strlen(error->message), 100);
	ck_assert(g_str_has_prefix(error->message, "unknown member 'nnnn"));
}
END_TEST

/* names are per object: the same names in sibling, nested and outer objects are fine */
START_TEST(test_json_duplicate_members_scoped)
{
	g_autofree gchar *big = test_json_object(40, 0, G_MAXUINT);
	g_autofree gchar *small = test_json_object(3, 0, G_MAXUINT);
	g_autoptr(GString) outer = g_string_new("{");
	g_autofree gchar *siblings =
	    g_strdup_printf("{\"a\":[%s,%s,%s,%s]}", big, big, small, small);
	g_autofree gchar *late = NULL;

	/* 20 members, each named like a member of the object it holds */
	for (guint i = 0; i < 20; i++)
		g_string_append_printf(
		    outer, "%s\"m%u\":%s", i > 0 ? "," : "", i, i % 2 ? big : small);
	g_string_append_c(outer, '}');
	test_json_assert_accepted_by_all(outer->str);
	test_json_assert_accepted_by_all(siblings);
	/* names that share a prefix or differ in length only are different names */
	test_json_assert_accepted_by_all("{\"m\":1,\"m1\":2,\"m10\":3,\"\":4,\"m1 \":5}");

	/* a member repeated after an object that held the same names: still refused */
	g_string_truncate(outer, outer->len - 1);
	g_string_append(outer, ",\"m0\":0}");
	test_json_assert_refused_by_all(outer->str, "a duplicate member");
	late = g_strdup_printf("{\"x\":%s,\"y\":%s,\"x\":1}", small, big);
	test_json_assert_refused_by_all(late, "a duplicate member");
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
	tc = tcase_create("strict");
	tcase_add_test(tc, test_json_surrogates);
	tcase_add_test(tc, test_json_duplicate_members);
	tcase_add_test(tc, test_json_duplicate_members_scoped);
	tcase_add_test(tc, test_json_duplicate_members_escaped);
	tcase_add_test(tc, test_json_ends_early);
	tcase_add_test(tc, test_json_integer_range);
	tcase_add_test(tc, test_json_abbreviate);
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

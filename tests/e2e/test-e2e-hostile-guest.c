/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmds-e2e.h"
#include "vmds-packet.h"

/*
 * A hostile guest: a catalogue of malformed requests on the backchannel
 * (guest-rpc.md §2 framing, §5 commands and error ids). Each row is sent on
 * a fresh connection of a daemon that has served the rows before it, and
 * must get exactly its reply (or none, and a closed connection), change
 * nothing a host can see, and leave the daemon serving: the next request on
 * the same connection when it stays open, and always one on a new one.
 *
 * A row whose `bug` is set showed a product bug; it states what the spec
 * expects. A fixed one runs like any other (VMDS_E2E_KNOWN_BUGS=0 leaves
 * such rows out); one still open, OPEN_BUG(...), runs only with
 * VMDS_E2E_KNOWN_BUGS=1, so the suite passes until it is fixed.
 */
#define OPEN_BUG(text) "open: " text

/* replies */
#define MALFORMED     "0 Malformed request"
#define TOO_LARGE     "0 Message too large"
#define UNKNOWN	      "0 Unknown command"
#define ENVELOPE(id)  "1 {\"result\":false,\"error-id\":\"" id "\""
#define INVALID	      ENVELOPE("invalid-argument")
#define DS_NOT_FOUND  ENVELOPE("dataset-not-found")
#define KEY_TOO_LARGE ENVELOPE("too-large")
#define CLOSED	      NULL /* no reply: the server just closes */

/*
 * error-messages (the message column): exact, or a pattern where `*`
 * stands for what only restates the implementation (a byte offset)
 */
#define NUL_ARGS      "arguments may not contain a NUL byte"
#define NOT_UTF8      "arguments are not valid UTF-8"
#define NOT_OBJECT    "arguments must be a JSON object"
#define JSON(problem) "invalid JSON at byte *: " problem
#define EMPTY_NAME    "a data set name must not be empty"
#define EMPTY_KEY     "a key must not be empty"
#define STALE	      "invalid or stale context"
#define NAME_256      "data set name of 256 bytes is longer than 255 bytes"
#define KEY_4097      "key of 4097 bytes is longer than 4096 bytes"

/* wire notation (see wire_parse): L is the length of what follows */
#define TYPE_DATA    "00000001 00000001 00000001 00000000 "
#define TYPE_PING    "00000001 00000001 00000002 00000000 "
#define FAST_CLOSE   "00000001 00000003 00000001 00000000 "
#define PAYLOAD_LIST "00000002 00000002 0000000d 'datasets-list' "

/* a payload with its exact length (it may hold NUL bytes) */
#define T(s) NULL, s, sizeof(s) - 1
/* raw bytes in wire notation */
#define W(w) w, NULL, 0

typedef struct {
	const gchar *name;
	const gchar *wire; /* raw bytes, or NULL */
	const gchar *text; /* else: the payload of one DATA packet */
	gsize text_len;
	const gchar *expect;  /* exact, or an error envelope's start; NULL: closed */
	const gchar *message; /* the envelope's error-message (g_pattern_match_simple) */
	const gchar *bug;
} GuestCase;

typedef struct {
	gchar *name;
	GBytes *wire;
	GBytes *text; /* may hold @PLACEHOLDERS@, replaced before sending */
	gchar *expect;
	gchar *message;
	gboolean closes;
	gchar *bug;
} GuestRow;

static VmdsE2e *e2e = NULL;

/* what datasets-list answers while the rows run */
static const gchar *good_list = NULL;
/* whether vm-2 exists and is part of the state */
static gboolean with_vm2 = FALSE;

static void
guest_row_free(GuestRow *row)
{
	g_free(row->name);
	g_clear_pointer(&row->wire, g_bytes_unref);
	g_clear_pointer(&row->text, g_bytes_unref);
	g_free(row->expect);
	g_free(row->message);
	g_free(row->bug);
	g_free(row);
}

/* guest-rpc.md §2: a malformed or too large packet is answered, then the
 * connection closed; a request cut short gets no answer, only the close */
static gboolean
guest_row_closes(const gchar *expect)
{
	return expect == NULL || g_strcmp0(expect, MALFORMED) == 0 ||
	       g_strcmp0(expect, TOO_LARGE) == 0;
}

static guint
hex_value(gchar c)
{
	return (guint)g_ascii_xdigit_value(c);
}

/*
 * Wire notation: tokens separated by spaces; 8 hex digits are a big-endian
 * u32, 2 hex digits a byte, 'text' its bytes, and L the big-endian length
 * of everything after it (at most one L).
 */
static GBytes *
wire_parse(const gchar *wire)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	gint len_at = -1;
	const gchar *p = wire;

	while (*p != '\0') {
		gsize n;
		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '\'') {
			const gchar *end = strchr(p + 1, '\'');
			g_assert(end != NULL); /* the tables are ours: no Check outside a test */
			g_byte_array_append(out, (const guint8 *)p + 1, (guint)(end - p - 1));
			p = end + 1;
			continue;
		}
		if (*p == 'L') {
			const guint8 zero[4] = {0};
			g_assert(len_at < 0);
			len_at = (gint)out->len;
			g_byte_array_append(out, zero, 4);
			p++;
			continue;
		}
		n = strspn(p, "0123456789abcdefABCDEF");
		g_assert(n == 2 || n == 8);
		for (gsize i = 0; i < n; i += 2) {
			guint8 b = (guint8)(hex_value(p[i]) << 4 | hex_value(p[i + 1]));
			g_byte_array_append(out, &b, 1);
		}
		p += n;
	}
	if (len_at >= 0) {
		guint32 len = out->len - (guint)len_at - 4;
		out->data[len_at] = len >> 24;
		out->data[len_at + 1] = (len >> 16) & 0xff;
		out->data[len_at + 2] = (len >> 8) & 0xff;
		out->data[len_at + 3] = len & 0xff;
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

static void
rows_add_cases(GPtrArray *rows, const GuestCase *cases, guint n)
{
	for (guint i = 0; i < n; i++) {
		GuestRow *row = g_new0(GuestRow, 1);
		row->name = g_strdup(cases[i].name);
		if (cases[i].wire != NULL)
			row->wire = wire_parse(cases[i].wire);
		else
			row->text = g_bytes_new(cases[i].text, cases[i].text_len);
		row->expect = g_strdup(cases[i].expect);
		row->message = g_strdup(cases[i].message);
		row->closes = guest_row_closes(cases[i].expect);
		row->bug = g_strdup(cases[i].bug);
		g_ptr_array_add(rows, row);
	}
}

/* a row built at run time; takes @text */
static void
rows_add_text(
    GPtrArray *rows, const gchar *name, gchar *text, const gchar *expect, const gchar *message)
{
	GuestRow *row = g_new0(GuestRow, 1);
	row->name = g_strdup(name);
	row->text = g_bytes_new_take(text, strlen(text));
	row->expect = g_strdup(expect);
	row->message = g_strdup(message);
	row->closes = guest_row_closes(expect);
	g_ptr_array_add(rows, row);
}

static void
rows_add_wire(GPtrArray *rows, const gchar *name, GByteArray *wire, const gchar *expect)
{
	GuestRow *row = g_new0(GuestRow, 1);
	row->name = g_strdup(name);
	row->wire = g_bytes_new(wire->data, wire->len);
	row->expect = g_strdup(expect);
	row->closes = guest_row_closes(expect);
	g_ptr_array_add(rows, row);
}

/* §2: framing, each answered `0 Malformed request` or `0 Message too large`
 * and closed, or (a request cut short by EOF) just closed. A request
 * announced over the limit is refused once the peer sent it all or shut down
 * its sending side: these rows send a part of it and then EOF (run_row). */
static const GuestCase framing_cases[] = {
    {"header: 1 byte, then EOF", W("00"), CLOSED},
    {"header: 2 bytes, then EOF", W("00 00"), CLOSED},
    {"header: 3 bytes, then EOF", W("00 00 00"), CLOSED},
    {"body: 20 of 40 announced bytes, then EOF", W("00000028 " TYPE_DATA "00000002"), CLOSED},
    {"announced 65,793 bytes (max + overhead + 1), header only", W("00010101"), TOO_LARGE},
    {"announced 65,793 bytes, 16 of them sent", W("00010101 " TYPE_DATA), TOO_LARGE},
    {"announced 2^31 bytes", W("80000000"), TOO_LARGE},
    {"announced 2^31 - 1 bytes", W("7fffffff"), TOO_LARGE},
    {"announced 2^32 - 1 bytes", W("ffffffff"), TOO_LARGE},
    {"announced 16 MiB", W("01000000"), TOO_LARGE},
    {"empty packet (length 0)", W("L"), MALFORMED},
    {"no TYPE entry", W("L " PAYLOAD_LIST), MALFORMED},
    /* open-vm-tools sends the empty command so: not malformed (since issue 9) */
    {"PAYLOAD of length 0 (the empty command)",
     W("L " TYPE_DATA "00000002 00000002 00000000"),
     UNKNOWN},
    {"STRING length 0x80000000 (negative as int32)",
     W("L " TYPE_DATA "00000002 00000002 80000000 'datasets-list'"),
     MALFORMED},
    {"STRING length 0xFFFFFFFF (-1 as int32)",
     W("L " TYPE_DATA "00000002 00000002 ffffffff 'datasets-list'"),
     MALFORMED},
    {"STRING length 0x7FFFFFFF, past the packet",
     W("L " TYPE_DATA "00000002 00000002 7fffffff 'datasets-list'"),
     MALFORMED},
    {"STRING length one past the packet",
     W("L " TYPE_DATA "00000002 00000002 0000000e 'datasets-list'"),
     MALFORMED},
    {"STRING length 0 in an unknown field",
     W("L " TYPE_DATA "00000002 00000063 00000000 " PAYLOAD_LIST),
     MALFORMED},
    {"STRING length 0x80000000 in an unknown field",
     W("L " TYPE_DATA "00000002 00000063 80000000 " PAYLOAD_LIST),
     MALFORMED},
    {"duplicate TYPE (DATA, DATA)", W("L " TYPE_DATA TYPE_DATA PAYLOAD_LIST), MALFORMED},
    {"duplicate TYPE (DATA, PING)", W("L " TYPE_DATA TYPE_PING PAYLOAD_LIST), MALFORMED},
    {"duplicate PAYLOAD", W("L " TYPE_DATA PAYLOAD_LIST PAYLOAD_LIST), MALFORMED},
    {"duplicate FAST_CLOSE (1, 1)",
     W("L " TYPE_DATA PAYLOAD_LIST FAST_CLOSE FAST_CLOSE),
     MALFORMED},
    {"duplicate FAST_CLOSE (1, 0)",
     W("L " TYPE_DATA PAYLOAD_LIST FAST_CLOSE "00000001 00000003 00000000 00000000"),
     MALFORMED},
    {"entry type 0", W("L " TYPE_DATA "00000000 00000002 0000000d 'datasets-list'"), MALFORMED},
    {"entry type 3", W("L " TYPE_DATA "00000003 00000002 0000000d 'datasets-list'"), MALFORMED},
    {"entry type 0xFFFFFFFF",
     W("L " TYPE_DATA "ffffffff 00000002 0000000d 'datasets-list'"),
     MALFORMED},
    {"entry type 0x80000002 (STRING with the sign bit)",
     W("L " TYPE_DATA "80000002 00000002 0000000d 'datasets-list'"),
     MALFORMED},
    {"entry type 3 in an unknown field",
     W("L " TYPE_DATA "00000003 00000063 00000000 00000000 " PAYLOAD_LIST),
     MALFORMED},
    {"PAYLOAD as INT64", W("L " TYPE_DATA "00000001 00000002 00000001 00000000"), MALFORMED},
    {"TYPE as STRING", W("L 00000002 00000001 00000004 00000001 " PAYLOAD_LIST), MALFORMED},
    {"FAST_CLOSE as STRING",
     W("L " TYPE_DATA PAYLOAD_LIST "00000002 00000003 00000001 '1'"),
     MALFORMED},
    {"TYPE 0", W("L 00000001 00000001 00000000 00000000 " PAYLOAD_LIST), MALFORMED},
    {"TYPE 3", W("L 00000001 00000001 00000003 00000000 " PAYLOAD_LIST), MALFORMED},
    {"TYPE 2^32 (high word 1)",
     W("L 00000001 00000001 00000000 00000001 " PAYLOAD_LIST),
     MALFORMED},
    {"TYPE 2^32 + 1 (DATA in the low word, high word 1)",
     W("L 00000001 00000001 00000001 00000001 " PAYLOAD_LIST),
     MALFORMED},
    {"TYPE 2^64 - 1", W("L 00000001 00000001 ffffffff ffffffff " PAYLOAD_LIST), MALFORMED},
    {"FAST_CLOSE value cut short",
     W("L " TYPE_DATA PAYLOAD_LIST "00000001 00000003 00000001"),
     MALFORMED},
    {"entry header cut short (5 bytes)", W("L " TYPE_DATA PAYLOAD_LIST "00000002 00"), MALFORMED},
    {"STRING length cut short (2 bytes)", W("L " TYPE_DATA "00000002 00000002 00 00"), MALFORMED},
    {"trailing garbage: 1 byte", W("L " TYPE_DATA PAYLOAD_LIST "ff"), MALFORMED},
    {"trailing garbage: 7 bytes", W("L " TYPE_DATA PAYLOAD_LIST "01 02 03 04 05 06 07"), MALFORMED},
    {"trailing garbage: a zero word", W("L " TYPE_DATA PAYLOAD_LIST "00000000"), MALFORMED},
    {"trailing garbage: 8 bytes of text", W("L " TYPE_DATA PAYLOAD_LIST "'garbage!'"), MALFORMED},
    {"PING followed by an unknown entry type",
     W("L " TYPE_PING "00000003 00000002 00000000"),
     MALFORMED},
    /* the PING is ignored (no reply), the empty command after it answered */
    {"PING with a PAYLOAD of length 0, then the empty command",
     W("0000001c " TYPE_PING "00000002 00000002 00000000 "
       "0000001c " TYPE_DATA "00000002 00000002 00000000"),
     UNKNOWN},
};

static GPtrArray *
rows_framing(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)guest_row_free);
	g_autofree gchar *payload = g_strnfill(65537, ' ');
	g_autoptr(GByteArray) packet = g_byte_array_new();

	rows_add_cases(rows, framing_cases, G_N_ELEMENTS(framing_cases));
	/* a payload over 65,536 bytes in a packet whose length is within the cap */
	memcpy(payload, "datasets-list", 13);
	vmds_packet_encode(packet, VMDS_PACKET_TYPE_DATA, (const guint8 *)payload, 65537, FALSE);
	rows_add_wire(rows, "payload of 65,537 bytes under the packet cap", packet, TOO_LARGE);
	/* the tolerated trailing NUL does not stretch the limit */
	g_byte_array_set_size(packet, 0);
	payload = g_realloc(payload, 65538);
	payload[65537] = '\0';
	vmds_packet_encode(packet, VMDS_PACKET_TYPE_DATA, (const guint8 *)payload, 65538, FALSE);
	rows_add_wire(rows, "payload of 65,537 bytes and a trailing NUL", packet, TOO_LARGE);
	return rows;
}

/* command names, NUL bytes, datasets-list's args, UTF-8, JSON syntax */
static const GuestCase command_cases[] = {
    {"NUL inside the name", T("datasets\0list"), UNKNOWN},
    {"NUL ending the name, args after", T("datasets-list\0 {}"), UNKNOWN},
    {"NUL first", T("\0datasets-list"), UNKNOWN},
    {"a single NUL (dropped: the empty name)", T("\0"), UNKNOWN},
    {"name and two trailing NULs", T("datasets-list\0\0"), UNKNOWN},
    {"empty name, args only", T(" {}"), UNKNOWN},
    {"a space only", T(" "), UNKNOWN},
    {"name in capitals", T("DATASETS-LIST"), UNKNOWN},
    {"tab instead of the space", T("datasets-list\t{}"), UNKNOWN},
    {"newline after the name", T("datasets-list\n"), UNKNOWN},
    {"a prefix of a name", T("datasets-lis"), UNKNOWN},
    {"a name with a suffix", T("datasets-list-keysx {\"dataset\":\"rw\"}"), UNKNOWN},
    {"invalid UTF-8 in the name", T("datasets-\xff\xfe {}"), UNKNOWN},
    {"overlong '-' in the name", T("datasets\xc0\xadlist"), UNKNOWN},
    /* NUL bytes in the args */
    {"get-entry args and two trailing NULs",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\"]}\0\0"),
     INVALID,
     NUL_ARGS},
    {"query: NUL inside the args", T("datasets-query {\"dataset\":\"rw\"}\0{}"), INVALID, NUL_ARGS},
    {"list-keys: raw NUL in a string",
     T("datasets-list-keys {\"dataset\":\"r\0w\"}"),
     INVALID,
     NUL_ARGS},
    {"list-keys: raw NUL between tokens",
     T("datasets-list-keys {\"dataset\":\0\"rw\"}"),
     INVALID,
     NUL_ARGS},
    {"set-entry: \\u0000 in a value",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":"
       "\"x\\u0000y\"}]}"),
     INVALID,
     JSON("a NUL character")},
    {"get-entry: \\u0000 in a key",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\\u0000b\"]}"),
     INVALID,
     JSON("a NUL character")},
    {"query: \\u0000 in the data set name",
     T("datasets-query {\"dataset\":\"rw\\u0000\"}"),
     INVALID,
     JSON("a NUL character")},
    {"query: \\u0000 in a member name",
     T("datasets-query {\"dataset\\u0000x\":\"rw\",\"dataset\":\"rw\"}"),
     INVALID,
     JSON("a NUL character")},
    {"list {} and two trailing NULs",
     T("datasets-list {}\0\0"),
     INVALID,
     NUL_ARGS,
     "datasets-list reads its args only up to the first NUL"},
    {"list: space, NUL, text",
     T("datasets-list \0x"),
     INVALID,
     NUL_ARGS,
     "datasets-list reads its args only up to the first NUL"},
    {"list: {}, NUL, junk",
     T("datasets-list {}\0junk"),
     INVALID,
     NUL_ARGS,
     "datasets-list reads its args only up to the first NUL"},
    /* datasets-list takes nothing, white space or {} */
    {"list: []", T("datasets-list []"), INVALID, NOT_OBJECT},
    {"list: white space around []", T("datasets-list \t\n[]\n"), INVALID, NOT_OBJECT},
    {"list: null", T("datasets-list null"), INVALID, NOT_OBJECT},
    {"list: \"\"", T("datasets-list \"\""), INVALID, NOT_OBJECT},
    {"list: 0", T("datasets-list 0"), INVALID, NOT_OBJECT},
    {"list: {} {}",
     T("datasets-list {} {}"),
     INVALID,
     JSON("more after the value"),
     "vmds_json_parse accepts a second JSON value after the object"},
    {"list: a member with an empty name",
     T("datasets-list {\"\":1}"),
     INVALID,
     "unknown member ''"},
    {"list: a context member",
     T("datasets-list {\"context\":\"x\"}"),
     INVALID,
     "unknown member 'context'"},
    {"list: a lone {",
     T("datasets-list {"),
     INVALID,
     JSON("an unexpected end"),
     ("the text ends after the {, and the message says \"a member name that is not a "
      "string\"")},
    /* invalid UTF-8 */
    {"overlong '/' in a data set name",
     T("datasets-query {\"dataset\":\"\xc0\xaf\"}"),
     INVALID,
     NOT_UTF8},
    {"overlong NUL (3 bytes) in a key",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"\xe0\x80\x80\"]}"),
     INVALID,
     NOT_UTF8},
    {"a surrogate (raw bytes) in a key",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"\xed\xa0\x80\","
       "\"value\":\"v\"}]}"),
     INVALID,
     NOT_UTF8},
    {"a lone continuation byte in a value",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":"
       "\"\x80\"}]}"),
     INVALID,
     NOT_UTF8},
    {"0xFF in a member name",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\"],\"\xff\":1}"),
     INVALID,
     NOT_UTF8},
    {"a sequence cut short at the end of a value",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":"
       "\"\xe2\x82\"}]}"),
     INVALID,
     NOT_UTF8},
    {"a code point over U+10FFFF",
     T("datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[\"\xf4\x90\x80\x80\"]}"),
     INVALID,
     NOT_UTF8},
    {"a 5-byte sequence",
     T("datasets-query {\"dataset\":\"\xf8\x88\x80\x80\x80\"}"),
     INVALID,
     NOT_UTF8},
    {"invalid UTF-8 after the object",
     T("datasets-list-keys {\"dataset\":\"rw\"}\xff"),
     INVALID,
     NOT_UTF8},
    {"an escaped lone high surrogate, the name",
     T("datasets-query {\"dataset\":\"\\ud800\"}"),
     INVALID,
     JSON("a lone surrogate")},
    {"an escaped lone high surrogate, then more",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"\\ud800\","
       "\"value\":\"v\"}]}"),
     INVALID,
     JSON("a lone surrogate"),
     "the error-message is not UTF-8: json-glib's parse error echoes the surrogate as the bytes "
     "ED A0 80 and vmds_json_parse copies it into the reply"},
    {"an escaped lone low surrogate",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"\\udc00x\","
       "\"value\":\"v\"}]}"),
     INVALID,
     JSON("a lone surrogate")},
    /* JSON syntax */
    {"unterminated object",
     T("datasets-query {\"dataset\":\"rw\""),
     INVALID,
     JSON("an unexpected end"),
     ("the text ends inside the object, and the message says \"a missing comma\"")},
    {"trailing comma in an object",
     T("datasets-query {\"dataset\":\"rw\",}"),
     INVALID,
     JSON("a member name that is not a string")},
    {"trailing comma in an array",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\",]}"),
     INVALID,
     JSON("an unexpected character")},
    {"a bare member name",
     T("datasets-query {dataset:\"rw\"}"),
     INVALID,
     JSON("a member name that is not a string")},
    {"a word after the object",
     T("datasets-query {\"dataset\":\"rw\"} x"),
     INVALID,
     JSON("more after the value")},
    {"a // comment after the object",
     T("datasets-query {\"dataset\":\"rw\"} // c"),
     INVALID,
     JSON("more after the value")},
    {"a second object after the first",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\"]}{}"),
     INVALID,
     JSON("more after the value"),
     "vmds_json_parse accepts a second JSON value after the object"},
    {"single-quoted strings",
     T("datasets-get-entry {'dataset':'rw','keys':['a']}"),
     INVALID,
     JSON("a member name that is not a string"),
     "vmds_json_parse accepts single-quoted strings"},
    {"a /* */ comment",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\"]} /* c */"),
     INVALID,
     JSON("more after the value"),
     "vmds_json_parse accepts C comments"},
    {"a \\x escape",
     T("datasets-query {\"dataset\":\"\\x72w\"}"),
     INVALID,
     JSON("an invalid escape"),
     "vmds_json_parse accepts the invalid escape \\x (the backslash is dropped)"},
    {"member 'dataset' twice",
     T("datasets-get-entry {\"dataset\":\"nope\",\"dataset\":\"rw\",\"keys\":[\"a\"]}"),
     INVALID,
     JSON("a duplicate member"),
     "a duplicate member is not refused: the last one wins"},
    {"member 'key' twice in an entry",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"key\":\"zz\","
       "\"value\":\"v\"}]}"),
     INVALID,
     JSON("a duplicate member"),
     "a duplicate member is not refused: the last one wins (and is written)"},
    {"member 'dataset' twice, once spelt with an escape",
     T("datasets-query {\"dataset\":\"rw\",\"d\\u0061taset\":\"nope\"}"),
     INVALID,
     "*duplicate member*",
     ("the validator compares member names as written, so the second 'dataset' is "
      "read: the last one wins, and the guest decoder leaks the first one's value "
      "(valgrind: definitely lost, each request)")},
};

/* @depth nested arrays around "a" as the keys of a get-entry: the object is one more level */
static gchar *
nested_keys(guint depth)
{
	g_autoptr(GString) out = g_string_new("datasets-get-entry {\"dataset\":\"rw\",\"keys\":");
	for (guint i = 0; i < depth; i++)
		g_string_append_c(out, '[');
	g_string_append(out, "\"a\"");
	for (guint i = 0; i < depth; i++)
		g_string_append_c(out, ']');
	g_string_append_c(out, '}');
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static GPtrArray *
rows_commands(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)guest_row_free);
	g_autofree gchar *long_name = g_strnfill(60000, 'd');

	rows_add_cases(rows, command_cases, G_N_ELEMENTS(command_cases));
	rows_add_text(rows, "a name of 60,000 bytes", g_steal_pointer(&long_name), UNKNOWN, NULL);
	/* nesting: 33 levels (one over the limit), 1,000, and 30,000 unbalanced */
	rows_add_text(rows,
		      "JSON nested 33 deep",
		      nested_keys(32),
		      INVALID,
		      JSON("nesting deeper than 32 levels"));
	rows_add_text(rows,
		      "JSON nested 1,000 deep",
		      nested_keys(999),
		      INVALID,
		      JSON("nesting deeper than 32 levels"));
	{
		g_autofree gchar *open = g_strnfill(30000, '[');
		rows_add_text(rows,
			      "30,000 unbalanced [",
			      g_strdup_printf("datasets-query %s", open),
			      INVALID,
			      JSON("nesting deeper than 32 levels"));
	}
	/* huge, within 64 KiB */
	{
		g_autoptr(GString) s = g_string_new("datasets-query {\"dataset\":\"rw\"");
		for (guint i = 0; i < 5000; i++)
			g_string_append_printf(s, ",\"m%u\":%u", i, i);
		g_string_append_c(s, '}');
		rows_add_text(rows,
			      "5,000 extraneous members",
			      g_string_free(g_steal_pointer(&s), FALSE),
			      INVALID,
			      "unknown member 'm0'");
	}
	{
		g_autoptr(GString) s =
		    g_string_new("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[");
		for (guint i = 0; i < 10000; i++)
			g_string_append(s, "\"a\",");
		g_string_append(s, "\"\"]}");
		rows_add_text(rows,
			      "10,001 keys, the last empty",
			      g_string_free(g_steal_pointer(&s), FALSE),
			      INVALID,
			      EMPTY_KEY);
	}
	{
		/* all or nothing: none of the valid entries before it is written */
		g_autoptr(GString) s =
		    g_string_new("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[");
		for (guint i = 0; i < 1500; i++)
			g_string_append_printf(s, "{\"key\":\"h%u\",\"value\":\"v\"},", i);
		g_string_append(s, "{\"key\":\"\",\"value\":\"v\"}]}");
		rows_add_text(rows,
			      "1,501 entries, the last with an empty key",
			      g_string_free(g_steal_pointer(&s), FALSE),
			      INVALID,
			      EMPTY_KEY);
	}
	{
		g_autofree gchar *name = g_strnfill(60000, 'n');
		g_autofree gchar *quoted = g_strnfill(64, 'n');
		/* a message quotes at most 64 bytes of a name (it echoed all 60,000) */
		g_autofree gchar *long_member = g_strdup_printf("unknown member '%s…'", quoted);
		rows_add_text(rows,
			      "a data set name of 60,000 bytes",
			      g_strdup_printf("datasets-query {\"dataset\":\"%s\"}", name),
			      INVALID,
			      "data set name of 60000 bytes is longer than 255 bytes");
		rows_add_text(rows,
			      "a member name of 60,000 bytes",
			      g_strdup_printf("datasets-query {\"dataset\":\"rw\",\"%s\":1}", name),
			      INVALID,
			      long_member);
	}
	{
		g_autofree gchar *spaces = g_strnfill(60000, ' ');
		rows_add_text(rows,
			      "60,000 bytes of white space, then []",
			      g_strdup_printf("datasets-list %s[]", spaces),
			      INVALID,
			      NOT_OBJECT);
	}
	return rows;
}

/* each command's members: types, extraneous members, names, keys */
static const GuestCase member_cases[] = {
    /* datasets-query */
    {"query: a string, not an object", T("datasets-query \"rw\""), INVALID, NOT_OBJECT},
    {"query: an array", T("datasets-query [\"rw\"]"), INVALID, NOT_OBJECT},
    {"query: a number", T("datasets-query 7"), INVALID, NOT_OBJECT},
    {"query: true", T("datasets-query true"), INVALID, NOT_OBJECT},
    {"query: null", T("datasets-query null"), INVALID, NOT_OBJECT},
    {"query: no args", T("datasets-query"), INVALID, JSON("an unexpected end")},
    {"query: no args, a space", T("datasets-query "), INVALID, JSON("an unexpected end")},
    {"query: dataset a number",
     T("datasets-query {\"dataset\":7}"),
     INVALID,
     "member 'dataset' must be a string"},
    {"query: dataset an array",
     T("datasets-query {\"dataset\":[\"rw\"]}"),
     INVALID,
     "member 'dataset' must be a string"},
    {"query: dataset null",
     T("datasets-query {\"dataset\":null}"),
     INVALID,
     "member 'dataset' must be a string"},
    {"query: dataset an object",
     T("datasets-query {\"dataset\":{\"name\":\"rw\"}}"),
     INVALID,
     "member 'dataset' must be a string"},
    {"query: dataset true",
     T("datasets-query {\"dataset\":true}"),
     INVALID,
     "member 'dataset' must be a string"},
    {"query: extraneous keys",
     T("datasets-query {\"dataset\":\"rw\",\"keys\":[\"a\"]}"),
     INVALID,
     "unknown member 'keys'"},
    {"query: extraneous vm",
     T("datasets-query {\"dataset\":\"rw\",\"vm\":\"vm-2\"}"),
     INVALID,
     "unknown member 'vm'"},
    {"query: empty name", T("datasets-query {\"dataset\":\"\"}"), INVALID, EMPTY_NAME},
    /* datasets-list-keys */
    {"list-keys: an array", T("datasets-list-keys [\"rw\"]"), INVALID, NOT_OBJECT},
    {"list-keys: dataset a number",
     T("datasets-list-keys {\"dataset\":1}"),
     INVALID,
     "member 'dataset' must be a string"},
    {"list-keys: dataset an array",
     T("datasets-list-keys {\"dataset\":[]}"),
     INVALID,
     "member 'dataset' must be a string"},
    {"list-keys: extraneous keys",
     T("datasets-list-keys {\"dataset\":\"rw\",\"keys\":[\"a\"]}"),
     INVALID,
     "unknown member 'keys'"},
    {"list-keys: empty name", T("datasets-list-keys {\"dataset\":\"\"}"), INVALID, EMPTY_NAME},
    {"list-keys: context an array",
     T("datasets-list-keys {\"dataset\":\"rw\",\"context\":[]}"),
     INVALID,
     "member 'context' must be a string"},
    {"list-keys: context null",
     T("datasets-list-keys {\"dataset\":\"rw\",\"context\":null}"),
     INVALID,
     "member 'context' must be a string"},
    {"list-keys: context an object",
     T("datasets-list-keys {\"dataset\":\"rw\",\"context\":{}}"),
     INVALID,
     "member 'context' must be a string"},
    {"list-keys: context true",
     T("datasets-list-keys {\"dataset\":\"rw\",\"context\":true}"),
     INVALID,
     "member 'context' must be a string"},
    /* datasets-get-entry / datasets-get-entries */
    {"get: keys an object",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":{\"0\":\"a\"}}"),
     INVALID,
     "member 'keys' must be an array"},
    {"get: keys null",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":null}"),
     INVALID,
     "member 'keys' must be an array"},
    {"get: keys a number",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":1}"),
     INVALID,
     "member 'keys' must be an array"},
    {"get-entries: keys a string",
     T("datasets-get-entries {\"dataset\":\"rw\",\"keys\":\"a\"}"),
     INVALID,
     "member 'keys' must be an array"},
    {"get: a null key",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[null]}"),
     INVALID,
     "each key must be a string"},
    {"get: an array key",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[[\"a\"]]}"),
     INVALID,
     "each key must be a string"},
    {"get: an object key",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[{\"a\":1}]}"),
     INVALID,
     "each key must be a string"},
    {"get: a boolean key",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[true]}"),
     INVALID,
     "each key must be a string"},
    {"get: a valid key, then an empty one",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\",\"\"]}"),
     INVALID,
     EMPTY_KEY},
    {"get-entries: an empty key",
     T("datasets-get-entries {\"dataset\":\"rw\",\"keys\":[\"\"]}"),
     INVALID,
     EMPTY_KEY},
    {"get-entries: keys []",
     T("datasets-get-entries {\"dataset\":\"rw\",\"keys\":[]}"),
     INVALID,
     "member 'keys' must not be empty"},
    {"get: dataset null",
     T("datasets-get-entry {\"dataset\":null,\"keys\":[\"a\"]}"),
     INVALID,
     "member 'dataset' must be a string"},
    {"get: empty name",
     T("datasets-get-entry {\"dataset\":\"\",\"keys\":[\"a\"]}"),
     INVALID,
     EMPTY_NAME},
    {"get: extraneous entries",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\"],\"entries\":[]}"),
     INVALID,
     "unknown member 'entries'"},
    {"get: extraneous append",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\"],\"append\":true}"),
     INVALID,
     "unknown member 'append'"},
    /* datasets-set-entry / datasets-set-entries */
    {"set: an array",
     T("datasets-set-entry [{\"key\":\"a\",\"value\":\"v\"}]"),
     INVALID,
     NOT_OBJECT},
    {"set: entries a string",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":\"a\"}"),
     INVALID,
     "member 'entries' must be an array"},
    {"set: entries null",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":null}"),
     INVALID,
     "member 'entries' must be an array"},
    {"set: a number entry",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[1]}"),
     INVALID,
     "each entry must be an object"},
    {"set: a string entry",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[\"a\"]}"),
     INVALID,
     "each entry must be an object"},
    {"set: a null entry",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[null]}"),
     INVALID,
     "each entry must be an object"},
    {"set: an array entry",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[[]]}"),
     INVALID,
     "each entry must be an object"},
    {"set: an empty entry",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{}]}"),
     INVALID,
     "missing member 'key'"},
    {"set: key a number",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":7,\"value\":\"v\"}]}"),
     INVALID,
     "member 'key' must be a string"},
    {"set: key null",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":null,\"value\":\"v\"}]}"),
     INVALID,
     "member 'key' must be a string"},
    {"set: key an array",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":[\"a\"],\"value\":\"v\"}]}"),
     INVALID,
     "member 'key' must be a string"},
    {"set: value null",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":null}]}"),
     INVALID,
     "member 'value' must be a string"},
    {"set: value an array",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":[\"v\"]}]}"),
     INVALID,
     "member 'value' must be a string"},
    {"set: value an object",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":{\"v\":1}}]}"),
     INVALID,
     "member 'value' must be a string"},
    {"set: value true",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":true}]}"),
     INVALID,
     "member 'value' must be a string"},
    {"set: value 1e999",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":1e999}]}"),
     INVALID,
     "member 'value' must be a string"},
    {"set: append \"true\"",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":\"v\","
       "\"append\":\"true\"}]}"),
     INVALID,
     "member 'append' must be true or false"},
    {"set: append 1",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":\"v\","
       "\"append\":1}]}"),
     INVALID,
     "member 'append' must be true or false"},
    {"set: append null",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":\"v\","
       "\"append\":null}]}"),
     INVALID,
     "member 'append' must be true or false"},
    {"set: extraneous keys",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":\"v\"}],"
       "\"keys\":[\"a\"]}"),
     INVALID,
     "unknown member 'keys'"},
    {"set: extraneous context",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":\"v\"}],"
       "\"context\":\"x\"}"),
     INVALID,
     "unknown member 'context'"},
    {"set-entries: an empty key",
     T("datasets-set-entries {\"dataset\":\"rw\",\"entries\":[{\"key\":\"\",\"value\":\"v\"}]}"),
     INVALID,
     EMPTY_KEY},
    {"set-entries: entries []",
     T("datasets-set-entries {\"dataset\":\"rw\",\"entries\":[]}"),
     INVALID,
     "member 'entries' must not be empty"},
    {"set: empty name",
     T("datasets-set-entry {\"dataset\":\"\",\"entries\":[{\"key\":\"a\",\"value\":\"v\"}]}"),
     INVALID,
     EMPTY_NAME},
    {"set: a valid entry, then a number (all or nothing)",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"new\",\"value\":\"v\"},"
       "2]}"),
     INVALID,
     "each entry must be an object"},
    {"set: an append, then an entry without a value (all or nothing)",
     T("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":\"+\","
       "\"append\":true},{\"key\":\"b\"}]}"),
     INVALID,
     "missing member 'value'"},
    /* datasets-delete-entry / datasets-delete-entries */
    {"delete: a number key",
     T("datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[1]}"),
     INVALID,
     "each key must be a string"},
    {"delete: keys a string",
     T("datasets-delete-entry {\"dataset\":\"rw\",\"keys\":\"a\"}"),
     INVALID,
     "member 'keys' must be an array"},
    {"delete: an empty key",
     T("datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[\"\"]}"),
     INVALID,
     EMPTY_KEY},
    {"delete: keys null",
     T("datasets-delete-entry {\"dataset\":\"rw\",\"keys\":null}"),
     INVALID,
     "member 'keys' must be an array"},
    {"delete: extraneous context",
     T("datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[\"a\"],\"context\":\"x\"}"),
     INVALID,
     "unknown member 'context'"},
    {"delete: dataset a number",
     T("datasets-delete-entry {\"dataset\":7,\"keys\":[\"a\"]}"),
     INVALID,
     "member 'dataset' must be a string"},
    {"delete: empty name",
     T("datasets-delete-entry {\"dataset\":\"\",\"keys\":[\"a\"]}"),
     INVALID,
     EMPTY_NAME},
    {"delete-entries: keys []",
     T("datasets-delete-entries {\"dataset\":\"rw\",\"keys\":[]}"),
     INVALID,
     "member 'keys' must not be empty"},
    {"delete-entries: a valid key, then null (all or nothing)",
     T("datasets-delete-entries {\"dataset\":\"rw\",\"keys\":[\"a\",null]}"),
     INVALID,
     "each key must be a string"},
    {"delete: a non-object", T("datasets-delete-entry \"a\""), INVALID, NOT_OBJECT},
};

static GPtrArray *
rows_members(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)guest_row_free);
	g_autofree gchar *name256 = g_strnfill(256, 'n');
	g_autofree gchar *key4097 = g_strnfill(4097, 'k');

	rows_add_cases(rows, member_cases, G_N_ELEMENTS(member_cases));
	rows_add_text(rows,
		      "query: a 256-byte name",
		      g_strdup_printf("datasets-query {\"dataset\":\"%s\"}", name256),
		      INVALID,
		      NAME_256);
	rows_add_text(rows,
		      "list-keys: a 256-byte name",
		      g_strdup_printf("datasets-list-keys {\"dataset\":\"%s\"}", name256),
		      INVALID,
		      NAME_256);
	rows_add_text(
	    rows,
	    "get: a 256-byte name",
	    g_strdup_printf("datasets-get-entry {\"dataset\":\"%s\",\"keys\":[\"a\"]}", name256),
	    INVALID,
	    NAME_256);
	rows_add_text(
	    rows,
	    "set: a 256-byte name",
	    g_strdup_printf("datasets-set-entry {\"dataset\":\"%s\",\"entries\":[{\"key\":"
			    "\"a\",\"value\":\"v\"}]}",
			    name256),
	    INVALID,
	    NAME_256);
	rows_add_text(
	    rows,
	    "delete: a 256-byte name",
	    g_strdup_printf("datasets-delete-entry {\"dataset\":\"%s\",\"keys\":[\"a\"]}", name256),
	    INVALID,
	    NAME_256);
	rows_add_text(
	    rows,
	    "get-entries: a 4,097-byte key",
	    g_strdup_printf("datasets-get-entries {\"dataset\":\"rw\",\"keys\":[\"%s\"]}", key4097),
	    KEY_TOO_LARGE,
	    KEY_4097);
	rows_add_text(
	    rows,
	    "set-entries: a 4,097-byte key",
	    g_strdup_printf("datasets-set-entries {\"dataset\":\"rw\",\"entries\":[{\"key\":"
			    "\"%s\",\"value\":\"v\"}]}",
			    key4097),
	    KEY_TOO_LARGE,
	    KEY_4097);
	rows_add_text(
	    rows,
	    "delete: a 4,097-byte key",
	    g_strdup_printf("datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[\"a\",\"%s\"]}",
			    key4097),
	    KEY_TOO_LARGE,
	    KEY_4097);
	return rows;
}

/* paging contexts (@NAME@ are filled in at run time) and other VMs' names */
static const GuestCase context_cases[] = {
    {"list-keys: a tampered context",
     T("datasets-list-keys {\"dataset\":\"pages\",\"context\":\"@TAMPERED@\"}"),
     INVALID,
     STALE},
    {"list-keys: a truncated context",
     T("datasets-list-keys {\"dataset\":\"pages\",\"context\":\"@TRUNCATED@\"}"),
     INVALID,
     STALE},
    {"list-keys: a context with bytes added",
     T("datasets-list-keys {\"dataset\":\"pages\",\"context\":\"@EXTENDED@\"}"),
     INVALID,
     STALE},
    {"list-keys: a context from before a restart",
     T("datasets-list-keys {\"dataset\":\"pages\",\"context\":\"@STALE@\"}"),
     INVALID,
     STALE},
    {"list-keys: another data set's context",
     T("datasets-list-keys {\"dataset\":\"rw\",\"context\":\"@LIST@\"}"),
     INVALID,
     STALE},
    {"list-keys: a get-entry context",
     T("datasets-list-keys {\"dataset\":\"pages\",\"context\":\"@GET@\"}"),
     INVALID,
     STALE},
    {"get: a list-keys context",
     T("datasets-get-entry {\"dataset\":\"pages\",\"keys\":[\"big1\",\"big2\"],\"context\":"
       "\"@LIST@\"}"),
     INVALID,
     STALE},
    {"get: the context of other keys",
     T("datasets-get-entry {\"dataset\":\"pages\",\"keys\":[\"big1\",\"big1\"],\"context\":"
       "\"@GET@\"}"),
     INVALID,
     STALE},
    {"get: the keys in another order",
     T("datasets-get-entry {\"dataset\":\"pages\",\"keys\":[\"big2\",\"big1\"],\"context\":"
       "\"@GET@\"}"),
     INVALID,
     STALE},
    {"get: the context of another data set",
     T("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"big1\",\"big2\"],\"context\":"
       "\"@GET@\"}"),
     INVALID,
     STALE},
    {"get: a forged cursor (base64 of \"1\")",
     T("datasets-get-entry {\"dataset\":\"pages\",\"keys\":[\"big1\",\"big2\"],\"context\":"
       "\"MQ==\"}"),
     INVALID,
     STALE},
    {"list-keys: garbage context",
     T("datasets-list-keys {\"dataset\":\"pages\",\"context\":\"!!!\"}"),
     INVALID,
     STALE},
    {"list-keys: empty context",
     T("datasets-list-keys {\"dataset\":\"pages\",\"context\":\"\"}"),
     INVALID,
     STALE},
    {"list-keys: base64 of nothing",
     T("datasets-list-keys {\"dataset\":\"pages\",\"context\":\"====\"}"),
     INVALID,
     STALE},
    {"list-keys: a non-ASCII context",
     T("datasets-list-keys {\"dataset\":\"pages\",\"context\":\"é\"}"),
     INVALID,
     STALE},
    {"get: context a number",
     T("datasets-get-entry {\"dataset\":\"pages\",\"keys\":[\"big1\",\"big2\"],\"context\":7}"),
     INVALID,
     "member 'context' must be a string"},
    {"get: context an array",
     T("datasets-get-entry {\"dataset\":\"pages\",\"keys\":[\"big1\",\"big2\"],\"context\":"
       "[\"@GET@\"]}"),
     INVALID,
     "member 'context' must be a string"},
    {"get: context null",
     T("datasets-get-entry {\"dataset\":\"pages\",\"keys\":[\"big1\",\"big2\"],\"context\":"
       "null}"),
     INVALID,
     "member 'context' must be a string"},
    {"get: context an object",
     T("datasets-get-entry {\"dataset\":\"pages\",\"keys\":[\"big1\",\"big2\"],\"context\":"
       "{\"context\":\"@GET@\"}}"),
     INVALID,
     "member 'context' must be a string"},
    /* a guest can never name another VM's data set */
    {"query: vm-2's data set",
     T("datasets-query {\"dataset\":\"only-on-2\"}"),
     DS_NOT_FOUND,
     "no data set 'only-on-2'"},
    {"list-keys: vm-2's data set",
     T("datasets-list-keys {\"dataset\":\"only-on-2\"}"),
     DS_NOT_FOUND,
     "no data set 'only-on-2'"},
    {"get: vm-2's data set",
     T("datasets-get-entry {\"dataset\":\"only-on-2\",\"keys\":[\"s\"]}"),
     DS_NOT_FOUND,
     "no data set 'only-on-2'"},
    {"set: vm-2's data set",
     T("datasets-set-entry {\"dataset\":\"only-on-2\",\"entries\":[{\"key\":\"s\",\"value\":"
       "\"x\"}]}"),
     DS_NOT_FOUND,
     "no data set 'only-on-2'"},
    {"delete: vm-2's data set",
     T("datasets-delete-entry {\"dataset\":\"only-on-2\",\"keys\":[\"s\"]}"),
     DS_NOT_FOUND,
     "no data set 'only-on-2'"},
    {"query: vm-2/only-on-2",
     T("datasets-query {\"dataset\":\"vm-2/only-on-2\"}"),
     DS_NOT_FOUND,
     "no data set 'vm-2/only-on-2'"},
    {"get: ../vm-2/only-on-2",
     T("datasets-get-entry {\"dataset\":\"../vm-2/only-on-2\",\"keys\":[\"s\"]}"),
     DS_NOT_FOUND,
     "no data set '../vm-2/only-on-2'"},
    {"set: ../../vm-2/only-on-2",
     T("datasets-set-entry {\"dataset\":\"../../vm-2/only-on-2\",\"entries\":[{\"key\":\"s\","
       "\"value\":\"x\"}]}"),
     DS_NOT_FOUND,
     "no data set '../../vm-2/only-on-2'"},
    {"delete: vm-2:only-on-2",
     T("datasets-delete-entry {\"dataset\":\"vm-2:only-on-2\",\"keys\":[\"s\"]}"),
     DS_NOT_FOUND,
     "no data set 'vm-2:only-on-2'"},
    {"list-keys: /only-on-2",
     T("datasets-list-keys {\"dataset\":\"/only-on-2\"}"),
     DS_NOT_FOUND,
     "no data set '/only-on-2'"},
    {"query: only-on-2 with a trailing space",
     T("datasets-query {\"dataset\":\"only-on-2 \"}"),
     DS_NOT_FOUND,
     "no data set 'only-on-2 '"},
};

static GPtrArray *
rows_contexts(void)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)guest_row_free);
	g_autofree gchar *huge = g_strnfill(60000, 'A');

	rows_add_cases(rows, context_cases, G_N_ELEMENTS(context_cases));
	rows_add_text(
	    rows,
	    "list-keys: a context of 60,000 bytes",
	    g_strdup_printf("datasets-list-keys {\"dataset\":\"pages\",\"context\":\"%s\"}", huge),
	    INVALID,
	    STALE);
	rows_add_text(
	    rows,
	    "get: a context of 60,000 bytes",
	    g_strdup_printf("datasets-get-entry {\"dataset\":\"pages\",\"keys\":[\"big1\","
			    "\"big2\"],\"context\":\"%s\"}",
			    huge),
	    INVALID,
	    STALE);
	return rows;
}

static const struct {
	const gchar *name;
	GPtrArray *(*build)(void);
} groups[] = {
    {"framing", rows_framing},
    {"commands", rows_commands},
    {"members", rows_members},
    {"contexts and other VMs", rows_contexts},
};

/* running rows */

static gboolean
bug_is_open(const gchar *bug)
{
	return bug != NULL && g_str_has_prefix(bug, "open: ");
}

/* whether a row that showed @bug runs (see the top of the file) */
static gboolean
bug_row_runs(const gchar *bug)
{
	const gchar *known = g_getenv("VMDS_E2E_KNOWN_BUGS");

	if (bug == NULL)
		return TRUE;
	if (bug_is_open(bug))
		return g_strcmp0(known, "1") == 0;
	return g_strcmp0(known, "0") != 0;
}

static gchar *
state_text(void)
{
	g_autofree gchar *vm1 = vmds_e2e_dump(e2e, NULL);
	g_autofree gchar *vm2 = with_vm2 ? vmds_e2e_dump_vm(e2e, "vm-2") : g_strdup("");
	return g_strconcat(vm1, vm2, NULL);
}

/* whether @expect is the start of a failure envelope (and the row has a message) */
static gboolean
expects_envelope(const gchar *expect)
{
	return g_str_has_prefix(expect, "1 {");
}

/* @reply is exactly @expect, or the error envelope @expect starts with the
 * error-message the row's message column matches */
static void
assert_reply(const GuestRow *row, const gchar *reply, gsize len)
{
	ck_assert_msg(reply != NULL,
		      "%s: the connection closed without a reply, expected [%s]",
		      row->name,
		      row->expect);
	ck_assert_msg(strlen(reply) == len, "%s: a NUL in the reply", row->name);
	if (expects_envelope(row->expect)) {
		g_autofree gchar *prefix = g_strconcat(row->expect, ",\"error-message\":\"", NULL);
		g_autoptr(JsonNode) node = json_from_string(reply + 2, NULL);
		const gchar *message;
		ck_assert_msg(g_str_has_prefix(reply, prefix) && g_str_has_suffix(reply, "\"}"),
			      "%s: [%.300s], expected %s",
			      row->name,
			      reply,
			      row->expect);
		ck_assert_msg(node != NULL && JSON_NODE_HOLDS_OBJECT(node) &&
				  json_object_get_size(json_node_get_object(node)) == 3,
			      "%s: not one envelope: [%.300s]",
			      row->name,
			      reply);
		message =
		    json_object_get_string_member(json_node_get_object(node), "error-message");
		ck_assert_msg(g_pattern_match_simple(row->message, message),
			      "%s: error-message [%.300s], expected [%.300s]",
			      row->name,
			      message,
			      row->message);
		return;
	}
	ck_assert_msg(g_strcmp0(reply, row->expect) == 0,
		      "%s: [%.300s], expected [%s]",
		      row->name,
		      reply,
		      row->expect);
}

/* the payload of @row with @subst's placeholders filled in */
static GBytes *
row_payload(const GuestRow *row, GHashTable *subst)
{
	gsize len = 0;
	const gchar *data = g_bytes_get_data(row->text, &len);
	g_autoptr(GString) out = NULL;
	GHashTableIter iter;
	gpointer key;
	gpointer value;

	if (subst == NULL || memchr(data, '@', len) == NULL)
		return g_bytes_ref(row->text);
	out = g_string_new_len(data, (gssize)len);
	g_hash_table_iter_init(&iter, subst);
	while (g_hash_table_iter_next(&iter, &key, &value))
		g_string_replace(out, key, value, 0);
	ck_assert_msg(strchr(out->str, '@') == NULL, "%s: a placeholder is left", row->name);
	return g_string_free_to_bytes(g_steal_pointer(&out));
}

static void
run_row(const GuestRow *row, GHashTable *subst)
{
	g_autofree gchar *before = state_text();
	g_autofree gchar *after = NULL;
	g_autofree gchar *reply = NULL;
	g_autofree gchar *next = NULL;
	g_autofree gchar *good = g_strdup_printf("1 %s", good_list);
	gsize len = 0;
	gint fd = vmds_e2e_connect(e2e, NULL);

	if (row->wire != NULL) {
		gsize n = 0;
		const guint8 *data = g_bytes_get_data(row->wire, &n);
		vmds_e2e_send(fd, data, n);
		/* a request cut short: the peer is done sending; so is one that
		 * announced too much, which the daemon reads to its end first */
		if (row->expect == NULL || g_strcmp0(row->expect, TOO_LARGE) == 0)
			ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	} else {
		g_autoptr(GBytes) payload = row_payload(row, subst);
		gsize n = 0;
		const gchar *data = g_bytes_get_data(payload, &n);
		vmds_e2e_send_request(fd, data, n, FALSE);
	}
	if (row->expect == NULL) {
		/* closed on the peer's EOF, without a reply; the fixture's request
		 * timeout is far longer than the wait, so it cannot be the closer */
		ck_assert_msg(vmds_e2e_wait_closed(e2e, fd), "%s: not closed", row->name);
	} else {
		reply = vmds_e2e_read_reply(fd, &len);
		assert_reply(row, reply, len);
		if (row->closes) {
			ck_assert_msg(vmds_e2e_wait_closed(e2e, fd), "%s: not closed", row->name);
		} else {
			/* the connection goes on */
			vmds_e2e_send_request(fd, "datasets-list", 13, FALSE);
			next = vmds_e2e_read_reply(fd, NULL);
			ck_assert_msg(g_strcmp0(next, good) == 0,
				      "%s: the next request on the connection got [%.300s]",
				      row->name,
				      next);
		}
	}
	close(fd);

	after = state_text();
	ck_assert_msg(g_strcmp0(before, after) == 0,
		      "%s changed the state:\n%s\n--- after ---\n%s",
		      row->name,
		      before,
		      after);
	/* the daemon still serves a new connection */
	fd = vmds_e2e_connect(e2e, NULL);
	vmds_e2e_send_request(fd, "datasets-list", 13, TRUE);
	g_clear_pointer(&next, g_free);
	next = vmds_e2e_read_reply(fd, NULL);
	ck_assert_msg(
	    g_strcmp0(next, good) == 0, "%s: the next request got [%.300s]", row->name, next);
	close(fd);
}

static void
run_group(guint group, GHashTable *subst)
{
	g_autoptr(GPtrArray) rows = groups[group].build();
	const gchar *filter = g_getenv("VMDS_E2E_ROWS");
	guint ran = 0;
	guint skipped = 0;

	for (guint i = 0; i < rows->len; i++) {
		GuestRow *row = g_ptr_array_index(rows, i);
		/* VMDS_E2E_ROWS=TEXT runs only the rows whose name holds TEXT */
		if (filter != NULL && strstr(row->name, filter) == NULL)
			continue;
		if (!bug_row_runs(row->bug)) {
			skipped++;
			continue;
		}
		run_row(row, subst);
		ran++;
	}
	g_print("hostile-guest %s: %u rows passed, %u known product bugs skipped\n",
		groups[group].name,
		ran,
		skipped);
}

static const gchar list_three[] =
    "{\"result\":true,\"datasets\":[{\"name\":\"none\",\"description\":\"test\"},{\"name\":"
    "\"ro\",\"description\":\"test\"},{\"name\":\"rw\",\"description\":\"test\"}]}";

static void
setup(void)
{
	/* the request timeout (5 s by default) far longer than a close may take
	 * (vmds_e2e_wait_closed): a request cut short must be closed on its EOF */
	e2e = vmds_e2e_new("[backchannel]\nrequest-timeout=600\n");
	with_vm2 = FALSE;
	good_list = list_three;
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

/* vm-1: rw (guest READ_WRITE), ro (READ_ONLY), none (NONE), each with entries */
static void
populate(void)
{
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_create_dataset(e2e, NULL, "ro", "READ_WRITE", "READ_ONLY");
	vmds_e2e_create_dataset(e2e, NULL, "none", "READ_WRITE", "NONE");
	vmds_e2e_put(e2e, "rw", "a", "alpha");
	vmds_e2e_put(e2e, "rw", "b", "beta");
	vmds_e2e_put(e2e, "ro", "k", "v");
	vmds_e2e_put(e2e, "none", "s", "secret");
}

START_TEST(test_hostile_guest_framing)
{
	populate();
	run_group(0, NULL);
}
END_TEST

START_TEST(test_hostile_guest_commands)
{
	populate();
	run_group(1, NULL);
}
END_TEST

START_TEST(test_hostile_guest_members)
{
	populate();
	run_group(2, NULL);
}
END_TEST

/* one request on its own connection; the reply payload */
static gchar *
guest_call(const gchar *text)
{
	gint fd = vmds_e2e_connect(e2e, NULL);
	gchar *reply;

	vmds_e2e_send_request(fd, text, strlen(text), TRUE);
	reply = vmds_e2e_read_reply(fd, NULL);
	close(fd);
	ck_assert_msg(reply != NULL, "%.100s: no reply", text);
	return reply;
}

/* the context member of a successful reply */
static gchar *
reply_context(const gchar *reply)
{
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj;

	ck_assert_msg(g_str_has_prefix(reply, "1 {\"result\":true,"), "[%.300s]", reply);
	node = json_from_string(reply + 2, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_OBJECT(node));
	obj = json_node_get_object(node);
	ck_assert_msg(json_object_has_member(obj, "context"), "no context in [%.300s]", reply);
	return g_strdup(json_object_get_string_member(obj, "context"));
}

/*
 * "pages" (host NONE, so the state dumps stay small; guest READ_WRITE):
 * 270 keys of 4,096 bytes, over one page of list-keys, and two values of
 * 600,000 bytes, over one page of get-entry.
 */
static void
populate_pages(void)
{
	gint fd;
	guint replies = 0;
	g_autofree gchar *chunk = g_strnfill(60000, 'v');
	g_autofree gchar *filler = g_strnfill(4092, 'x');

	vmds_e2e_create_dataset(e2e, NULL, "pages", "NONE", "READ_WRITE");
	fd = vmds_e2e_connect(e2e, NULL);
	for (guint i = 0; i < 270; i += 15) {
		g_autoptr(GString) s =
		    g_string_new("datasets-set-entry {\"dataset\":\"pages\",\"entries\":[");
		for (guint j = i; j < i + 15; j++)
			g_string_append_printf(s,
					       "%s{\"key\":\"%04u%s\",\"value\":\"\"}",
					       j > i ? "," : "",
					       j,
					       filler);
		g_string_append(s, "]}");
		vmds_e2e_send_request(fd, s->str, s->len, FALSE);
		replies++;
	}
	for (guint i = 0; i < 20; i++) {
		g_autofree gchar *s = g_strdup_printf(
		    "datasets-set-entry {\"dataset\":\"pages\",\"entries\":[{\"key\":\"big%u\","
		    "\"value\":\"%s\",\"append\":true}]}",
		    1 + i % 2,
		    chunk);
		vmds_e2e_send_request(fd, s, strlen(s), FALSE);
		replies++;
	}
	for (guint i = 0; i < replies; i++) {
		g_autofree gchar *reply = vmds_e2e_read_reply(fd, NULL);
		ck_assert_str_eq(reply, "1 {\"result\":true}");
	}
	close(fd);
}

START_TEST(test_hostile_guest_contexts)
{
	g_autoptr(GHashTable) subst = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	g_autofree gchar *stale = NULL;
	g_autofree gchar *list = NULL;
	g_autofree gchar *get = NULL;
	g_autofree gchar *reply = NULL;
	gchar *tampered;
	gsize len;

	populate();
	populate_pages();
	reply = guest_call("datasets-list-keys {\"dataset\":\"pages\"}");
	stale = reply_context(reply);
	/* contexts do not survive a restart */
	vmds_e2e_restart(e2e);
	g_clear_pointer(&reply, g_free);
	reply = guest_call("datasets-list-keys {\"dataset\":\"pages\"}");
	list = reply_context(reply);
	ck_assert_str_ne(list, stale);
	g_clear_pointer(&reply, g_free);
	reply =
	    guest_call("datasets-get-entry {\"dataset\":\"pages\",\"keys\":[\"big1\",\"big2\"]}");
	get = reply_context(reply);
	/* the contexts are good: their next pages come, and are the last */
	{
		g_autofree gchar *cmd = g_strdup_printf(
		    "datasets-list-keys {\"dataset\":\"pages\",\"context\":\"%s\"}", list);
		g_autofree gchar *page = guest_call(cmd);
		ck_assert_msg(g_str_has_prefix(page, "1 {\"result\":true,\"keys\":[\"") &&
				  strstr(page, "\"context\"") == NULL,
			      "[%.300s]",
			      page);
	}
	{
		g_autofree gchar *cmd =
		    g_strdup_printf("datasets-get-entry {\"dataset\":\"pages\",\"keys\":[\"big1\","
				    "\"big2\"],\"context\":\"%s\"}",
				    get);
		g_autofree gchar *page = guest_call(cmd);
		ck_assert_msg(
		    g_str_has_prefix(page, "1 {\"result\":true,\"entries\":[{\"big2\":") &&
			strstr(page, "\"context\"") == NULL,
		    "[%.100s]",
		    page);
	}

	/* vm-2 has a data set of the same shape */
	{
		g_autoptr(VmdsE2eReply) created =
		    vmds_e2e_rest(e2e, "POST", "/api/vcenter/vm", "{\"name\":\"other\"}");
		vmds_e2e_assert_reply(created, 201, "\"vm-2\"");
	}
	vmds_e2e_create_dataset(e2e, "vm-2", "only-on-2", "READ_WRITE", "READ_WRITE");
	{
		g_autoptr(VmdsE2eReply) put = vmds_e2e_rest(
		    e2e, "PUT", "/api/vcenter/vm/vm-2/data-sets/only-on-2/entries/s", "\"secret\"");
		vmds_e2e_assert_reply(put, 204, "");
	}
	with_vm2 = TRUE;
	good_list = "{\"result\":true,\"datasets\":[{\"name\":\"none\",\"description\":\"test\"},"
		    "{\"name\":\"pages\",\"description\":\"test\"},{\"name\":\"ro\","
		    "\"description\":\"test\"},{\"name\":\"rw\",\"description\":\"test\"}]}";

	g_hash_table_insert(subst, "@LIST@", g_strdup(list));
	g_hash_table_insert(subst, "@GET@", g_strdup(get));
	g_hash_table_insert(subst, "@STALE@", g_strdup(stale));
	tampered = g_strdup(list);
	len = strlen(tampered);
	tampered[len / 2] = tampered[len / 2] == 'A' ? 'B' : 'A';
	g_hash_table_insert(subst, "@TAMPERED@", tampered);
	g_hash_table_insert(subst, "@TRUNCATED@", g_strndup(list, len - 4));
	g_hash_table_insert(subst, "@EXTENDED@", g_strconcat(list, "AAAA", NULL));
	run_group(3, subst);
}
END_TEST

static Suite *
hostile_guest_suite(void)
{
	Suite *s = suite_create("e2e-hostile-guest");
	TCase *tc = tcase_create("catalogue");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_hostile_guest_framing);
	tcase_add_test(tc, test_hostile_guest_commands);
	tcase_add_test(tc, test_hostile_guest_members);
	tcase_add_test(tc, test_hostile_guest_contexts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(hostile_guest_suite());
	guint total = 0;
	guint bugs = 0;
	guint open = 0;

	/* the catalogue's size, counted without a daemon */
	for (guint g = 0; g < G_N_ELEMENTS(groups); g++) {
		g_autoptr(GPtrArray) rows = groups[g].build();
		guint group_bugs = 0;
		guint group_open = 0;
		for (guint i = 0; i < rows->len; i++) {
			GuestRow *row = g_ptr_array_index(rows, i);
			group_bugs += row->bug != NULL;
			group_open += bug_is_open(row->bug);
			/* a failure envelope is checked with its message, and only it has one */
			if ((row->expect != NULL && expects_envelope(row->expect)) !=
			    (row->message != NULL)) {
				g_printerr("row %s: the message column must be set exactly "
					   "when an envelope is expected\n",
					   row->name);
				return EXIT_FAILURE;
			}
		}
		g_print(
		    "hostile-guest catalogue: %-24s %3u rows (%u known product bugs, %u open)\n",
		    groups[g].name,
		    rows->len,
		    group_bugs,
		    group_open);
		total += rows->len;
		bugs += group_bugs;
		open += group_open;
	}
	g_print("hostile-guest catalogue: %u rows, %u run by default, %u known product bugs, "
		"%u of them open (run those with VMDS_E2E_KNOWN_BUGS=1)\n",
		total,
		total - open,
		bugs,
		open);
	if (total - open < 100) {
		g_printerr("the catalogue must hold at least 100 rows run by default\n");
		return EXIT_FAILURE;
	}
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

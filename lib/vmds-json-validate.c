/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "vmds-error.h"
#include "vmds-json.h"

/*
 * Strict JSON (RFC 8259) before json-glib sees a byte: json-glib 1.6 is
 * lenient (single quotes, comments, a second value after the first, lone
 * surrogates) and lets a duplicate member silently win. This reads the text
 * once, allocates nothing for small objects, recurses at most
 * VMDS_JSON_MAX_DEPTH deep, and says where and what was wrong without
 * quoting the input (it may be an entry value).
 */

/* members an object may have before they are tracked in a hash table */
#define VMDS_JSON_LINEAR_MEMBERS 16

typedef struct {
	const gchar *text;
	gsize len;
	gsize pos;
	const gchar *problem;
} VmdsJsonValidator;

static gboolean vmds_json_validate_value(VmdsJsonValidator *v, guint depth);

static gboolean
vmds_json_fail(VmdsJsonValidator *v, const gchar *problem)
{
	if (v->problem == NULL)
		v->problem = problem;
	return FALSE;
}

static void
vmds_json_skip_ws(VmdsJsonValidator *v)
{
	while (v->pos < v->len) {
		gchar c = v->text[v->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		v->pos++;
	}
}

static gboolean
vmds_json_literal(VmdsJsonValidator *v, const gchar *word)
{
	gsize n = strlen(word);

	if (v->len - v->pos < n || memcmp(v->text + v->pos, word, n) != 0)
		return vmds_json_fail(v, "a bare word");
	v->pos += n;
	return TRUE;
}

static gint
vmds_json_hex4(VmdsJsonValidator *v)
{
	gint value = 0;

	if (v->len - v->pos < 4)
		return -1;
	for (guint i = 0; i < 4; i++) {
		gint d = g_ascii_xdigit_value(v->text[v->pos + i]);
		if (d < 0)
			return -1;
		value = value * 16 + d;
	}
	v->pos += 4;
	return value;
}

/* a string; the input was checked to be valid UTF-8 */
static gboolean
vmds_json_validate_string(VmdsJsonValidator *v)
{
	v->pos++; /* the opening quote */
	while (v->pos < v->len) {
		guchar c = (guchar)v->text[v->pos++];
		gint unit;
		if (c == '"')
			return TRUE;
		if (c < 0x20)
			return vmds_json_fail(v, "a control character in a string");
		if (c != '\\')
			continue;
		if (v->pos >= v->len)
			break;
		c = (guchar)v->text[v->pos++];
		if (strchr("\"\\/bfnrt", c) != NULL && c != '\0')
			continue;
		if (c != 'u')
			return vmds_json_fail(v, "an invalid escape");
		unit = vmds_json_hex4(v);
		if (unit < 0)
			return vmds_json_fail(v, "an invalid \\u escape");
		if (unit == 0)
			return vmds_json_fail(v, "a NUL character");
		if (unit >= 0xDC00 && unit <= 0xDFFF)
			return vmds_json_fail(v, "a lone surrogate");
		if (unit >= 0xD800 && unit <= 0xDBFF) {
			if (v->len - v->pos < 2 || v->text[v->pos] != '\\' ||
			    v->text[v->pos + 1] != 'u')
				return vmds_json_fail(v, "a lone surrogate");
			v->pos += 2;
			unit = vmds_json_hex4(v);
			if (unit < 0xDC00 || unit > 0xDFFF)
				return vmds_json_fail(v, "a lone surrogate");
		}
	}
	return vmds_json_fail(v, "an unexpected end");
}

static gboolean
vmds_json_digits(VmdsJsonValidator *v)
{
	gsize start = v->pos;
	while (v->pos < v->len && g_ascii_isdigit(v->text[v->pos]))
		v->pos++;
	return v->pos > start;
}

/* whether the @n digits at @digits (no leading zero), negative or not, are
 * past the range of gint64 */
static gboolean
vmds_json_integer_overflows(const gchar *digits, gsize n, gboolean negative)
{
	const gchar *max = negative ? "9223372036854775808" : "9223372036854775807";

	if (n != strlen(max))
		return n > strlen(max);
	return memcmp(digits, max, n) > 0;
}

static gboolean
vmds_json_validate_number(VmdsJsonValidator *v)
{
	gboolean negative = v->text[v->pos] == '-';
	gsize start;

	if (negative)
		v->pos++;
	start = v->pos;
	if (v->pos < v->len && v->text[v->pos] == '0')
		v->pos++;
	else if (!vmds_json_digits(v))
		return vmds_json_fail(v, "an invalid number");
	/* json-glib 1.6 reads an integer past 64 bits wrapped or saturated
	 * (2^63 as -2^63, -2^63 - 1 as 2^63 - 1, 2^64 and more as -1) and
	 * says nothing: refused here; RFC 8259 section 6 lets a reader limit
	 * the range of numbers */
	if ((v->pos == v->len ||
	     (v->text[v->pos] != '.' && v->text[v->pos] != 'e' && v->text[v->pos] != 'E')) &&
	    vmds_json_integer_overflows(v->text + start, v->pos - start, negative))
		return vmds_json_fail(v, "an integer beyond 64 bits");
	if (v->pos < v->len && v->text[v->pos] == '.') {
		v->pos++;
		if (!vmds_json_digits(v))
			return vmds_json_fail(v, "an invalid number");
	}
	if (v->pos < v->len && (v->text[v->pos] == 'e' || v->text[v->pos] == 'E')) {
		v->pos++;
		if (v->pos < v->len && (v->text[v->pos] == '+' || v->text[v->pos] == '-'))
			v->pos++;
		if (!vmds_json_digits(v))
			return vmds_json_fail(v, "an invalid number");
	}
	return TRUE;
}

/*
 * Member names, to refuse a duplicate. Names as written while they have no
 * escape (most do) and there are few; once one has an escape, or there are
 * many, every name as it decodes, in a table: "d\u0061taset" is "dataset".
 */
typedef struct {
	gsize starts[VMDS_JSON_LINEAR_MEMBERS];
	gsize lens[VMDS_JSON_LINEAR_MEMBERS];
	guint n;
	GHashTable *more; /* (nullable): all names, decoded */
} VmdsJsonMembers;

/* the name of the string at @start (its quote), its escapes decoded */
static gchar *
vmds_json_members_decode(VmdsJsonValidator *v, gsize start)
{
	VmdsJsonReader reader = {.text = v->text, .len = v->len, .pos = start};

	return vmds_json_reader_read_string(&reader, NULL);
}

/* @start and @len: the name's string, quotes included */
static gboolean
vmds_json_members_add(VmdsJsonValidator *v, VmdsJsonMembers *m, gsize start, gsize len)
{
	gboolean escaped = memchr(v->text + start, '\\', len) != NULL;

	if (m->more == NULL && !escaped && m->n < VMDS_JSON_LINEAR_MEMBERS) {
		for (guint i = 0; i < m->n; i++) {
			if (m->lens[i] == len &&
			    memcmp(v->text + m->starts[i], v->text + start, len) == 0)
				return vmds_json_fail(v, "a duplicate member");
		}
		m->starts[m->n] = start;
		m->lens[m->n] = len;
		m->n++;
		return TRUE;
	}
	if (m->more == NULL) {
		m->more = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		for (guint i = 0; i < m->n; i++)
			g_hash_table_add(m->more, vmds_json_members_decode(v, m->starts[i]));
	}
	if (!g_hash_table_add(m->more, vmds_json_members_decode(v, start)))
		return vmds_json_fail(v, "a duplicate member");
	return TRUE;
}

/* at the end of the text where more must come: that, rather than what
 * would have been wrong with the next character */
static gboolean
vmds_json_at_end(VmdsJsonValidator *v)
{
	if (v->pos < v->len)
		return FALSE;
	vmds_json_fail(v, "an unexpected end");
	return TRUE;
}

static gboolean
vmds_json_validate_object(VmdsJsonValidator *v, guint depth)
{
	VmdsJsonMembers members = {0};
	gboolean ok = FALSE;

	v->pos++; /* { */
	vmds_json_skip_ws(v);
	if (v->pos < v->len && v->text[v->pos] == '}') {
		v->pos++;
		return TRUE;
	}
	for (;;) {
		gsize start;
		vmds_json_skip_ws(v);
		if (vmds_json_at_end(v))
			break;
		if (v->text[v->pos] != '"') {
			vmds_json_fail(v, "a member name that is not a string");
			break;
		}
		start = v->pos;
		if (!vmds_json_validate_string(v) ||
		    !vmds_json_members_add(v, &members, start, v->pos - start))
			break;
		vmds_json_skip_ws(v);
		if (vmds_json_at_end(v))
			break;
		if (v->text[v->pos] != ':') {
			vmds_json_fail(v, "a missing colon");
			break;
		}
		v->pos++;
		if (!vmds_json_validate_value(v, depth))
			break;
		vmds_json_skip_ws(v);
		if (v->pos < v->len && v->text[v->pos] == ',') {
			v->pos++;
			continue;
		}
		if (v->pos < v->len && v->text[v->pos] == '}') {
			v->pos++;
			ok = TRUE;
		} else if (!vmds_json_at_end(v)) {
			vmds_json_fail(v, "a missing comma");
		}
		break;
	}
	g_clear_pointer(&members.more, g_hash_table_unref);
	return ok;
}

static gboolean
vmds_json_validate_array(VmdsJsonValidator *v, guint depth)
{
	v->pos++; /* [ */
	vmds_json_skip_ws(v);
	if (v->pos < v->len && v->text[v->pos] == ']') {
		v->pos++;
		return TRUE;
	}
	for (;;) {
		if (!vmds_json_validate_value(v, depth))
			return FALSE;
		vmds_json_skip_ws(v);
		if (v->pos < v->len && v->text[v->pos] == ',') {
			v->pos++;
			continue;
		}
		if (v->pos < v->len && v->text[v->pos] == ']') {
			v->pos++;
			return TRUE;
		}
		if (vmds_json_at_end(v))
			return FALSE;
		return vmds_json_fail(v, "a missing comma");
	}
}

static gboolean
vmds_json_validate_value(VmdsJsonValidator *v, guint depth)
{
	gchar c;

	vmds_json_skip_ws(v);
	if (vmds_json_at_end(v))
		return FALSE;
	c = v->text[v->pos];
	if (c == '{' || c == '[') {
		if (depth >= VMDS_JSON_MAX_DEPTH)
			return vmds_json_fail(v, "nesting deeper than 32 levels");
		return c == '{' ? vmds_json_validate_object(v, depth + 1)
				: vmds_json_validate_array(v, depth + 1);
	}
	if (c == '"')
		return vmds_json_validate_string(v);
	if (c == '-' || g_ascii_isdigit(c))
		return vmds_json_validate_number(v);
	if (c == 't')
		return vmds_json_literal(v, "true");
	if (c == 'f')
		return vmds_json_literal(v, "false");
	if (c == 'n')
		return vmds_json_literal(v, "null");
	return vmds_json_fail(v, "an unexpected character");
}

/* ASCII is UTF-8: most arguments are, and eight bytes at a time say so
 * faster than a UTF-8 decoder */
static gboolean
vmds_json_validate_is_ascii(const gchar *text, gsize len)
{
	gsize i = 0;

	for (; i + 8 <= len; i += 8) {
		guint64 word;
		memcpy(&word, text + i, sizeof(word));
		if ((word & G_GUINT64_CONSTANT(0x8080808080808080)) != 0)
			return FALSE;
	}
	for (; i < len; i++) {
		if ((guchar)text[i] >= 0x80)
			return FALSE;
	}
	return TRUE;
}

/**
 * vmds_json_validate:
 * @text: untrusted text, not necessarily NUL-terminated
 * @len: its length in bytes
 * @error: a #GError or %NULL
 *
 * Checks that @text is valid UTF-8 and exactly one strict JSON value, nested at most
 * %VMDS_JSON_MAX_DEPTH deep, with no NUL in a string, no lone surrogate,
 * no object with a duplicate member and no integer (a number without a
 * fraction or exponent) past the range of gint64.
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT saying at which byte,
 * and what kind of problem, without quoting the text
 */
gboolean
vmds_json_validate(const gchar *text, gsize len, GError **error)
{
	VmdsJsonValidator v = {.text = text, .len = len};

	if (!vmds_json_validate_is_ascii(text, len) && !g_utf8_validate_len(text, len, NULL)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "arguments are not valid UTF-8");
		return FALSE;
	}
	if (vmds_json_validate_value(&v, 0)) {
		vmds_json_skip_ws(&v);
		if (v.pos == v.len)
			return TRUE;
		vmds_json_fail(&v, "more after the value");
	}
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "invalid JSON at byte %" G_GSIZE_FORMAT ": %s",
		    MIN(v.pos, v.len),
		    v.problem);
	return FALSE;
}

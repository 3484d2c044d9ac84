/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "vmds-error.h"
#include "vmds-json.h"

/*
 * A streaming reader over JSON that vmds_json_validate() accepted: no tree,
 * no allocation but the strings it hands out, for the guest commands on the
 * hot path (a json-glib tree costs about sixty allocations a request). The
 * text is known to be strict JSON, so the reader needs no error paths of its
 * own; what it reports is the shape of the data, for the caller to judge.
 */

/**
 * vmds_json_reader_init:
 * @self: (out caller-allocates): a reader
 * @text: untrusted text, not necessarily NUL-terminated
 * @len: its length in bytes
 * @error: a #GError or %NULL
 *
 * Checks @text (valid UTF-8, strict JSON, see vmds_json_validate()) and
 * places the reader before its value.
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when @text is not JSON
 */
gboolean
vmds_json_reader_init(VmdsJsonReader *self, const gchar *text, gsize len, GError **error)
{
	if (!vmds_json_validate(text, len, error))
		return FALSE;
	self->text = text;
	self->len = len;
	self->pos = 0;
	return TRUE;
}

static void
vmds_json_reader_skip_ws(VmdsJsonReader *self)
{
	while (self->pos < self->len) {
		gchar c = self->text[self->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		self->pos++;
	}
}

/**
 * vmds_json_reader_peek:
 * @self: a reader
 *
 * Returns: what the next value is: `{`, `[`, `"`, `t`, `f`, `n`, or `0` for
 * a number
 */
gchar
vmds_json_reader_peek(VmdsJsonReader *self)
{
	gchar c;

	vmds_json_reader_skip_ws(self);
	if (self->pos >= self->len)
		return '\0';
	c = self->text[self->pos];
	return c == '-' || g_ascii_isdigit(c) ? '0' : c;
}

/**
 * vmds_json_reader_enter:
 * @self: a reader before an object or an array
 *
 * Steps into it; then vmds_json_reader_next() says whether an element
 * (or, in an object, a member: read its name with vmds_json_reader_member())
 * follows.
 */
void
vmds_json_reader_enter(VmdsJsonReader *self)
{
	vmds_json_reader_skip_ws(self);
	self->pos++;
	self->first = TRUE;
}

/**
 * vmds_json_reader_next:
 * @self: a reader inside an object or array
 *
 * Returns: %TRUE when another element or member follows; %FALSE at the
 * end, which it steps over
 */
gboolean
vmds_json_reader_next(VmdsJsonReader *self)
{
	vmds_json_reader_skip_ws(self);
	if (self->pos >= self->len)
		return FALSE;
	if (self->text[self->pos] == '}' || self->text[self->pos] == ']') {
		self->pos++;
		self->first = FALSE;
		return FALSE;
	}
	if (!self->first)
		self->pos++; /* the comma */
	self->first = FALSE;
	return TRUE;
}

/* the UTF-8 of a \u escape at pos (after the `\u`), a surrogate pair whole */
static void
vmds_json_reader_unicode(VmdsJsonReader *self, GString *out)
{
	gunichar c = 0;

	for (guint i = 0; i < 4; i++)
		c = c * 16 + (gunichar)g_ascii_xdigit_value(self->text[self->pos++]);
	if (c >= 0xD800 && c <= 0xDBFF) {
		gunichar low = 0;
		self->pos += 2; /* \u, checked by the validator */
		for (guint i = 0; i < 4; i++)
			low = low * 16 + (gunichar)g_ascii_xdigit_value(self->text[self->pos++]);
		c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
	}
	g_string_append_unichar(out, c);
}

/* the string whose opening quote is at pos: the position of its closing
 * quote, and whether there are escapes in between (the text is valid JSON,
 * so the quote is there and a backslash is always followed by a character) */
static gsize
vmds_json_reader_string_end(VmdsJsonReader *self, gboolean *escaped)
{
	const gchar *start = self->text + self->pos + 1;
	const gchar *quote = memchr(start, '"', self->len - self->pos - 1);
	const gchar *p = memchr(start, '\\', (gsize)(quote - start));

	*escaped = p != NULL;
	if (p == NULL)
		return (gsize)(quote - self->text);
	/* the first quote may be an escaped one: walk from the first escape */
	while (*p != '"')
		p += *p == '\\' ? 2 : 1;
	return (gsize)(p - self->text);
}

/**
 * vmds_json_reader_read_string:
 * @self: a reader before a value
 * @len: (out) (optional): the string's length in bytes
 *
 * Returns: (transfer full) (nullable): the string, unescaped, when the next
 * value is one (the reader steps over it); else %NULL and the reader stays
 */
gchar *
vmds_json_reader_read_string(VmdsJsonReader *self, gsize *len)
{
	GString *out;
	gboolean escaped = FALSE;
	gsize end;
	gsize run;

	if (vmds_json_reader_peek(self) != '"')
		return NULL;
	end = vmds_json_reader_string_end(self, &escaped);
	if (!escaped) {
		/* most strings: a copy of the text */
		gsize n = end - self->pos - 1;
		gchar *ret = g_malloc(n + 1);

		memcpy(ret, self->text + self->pos + 1, n);
		ret[n] = '\0';
		self->pos = end + 1;
		if (len != NULL)
			*len = n;
		return ret;
	}
	out = g_string_sized_new(end - self->pos);
	run = ++self->pos;
	for (;;) {
		gchar c = self->text[self->pos];
		if (c == '"')
			break;
		if (c != '\\') {
			self->pos++;
			continue;
		}
		g_string_append_len(out, self->text + run, (gssize)(self->pos - run));
		self->pos++;
		c = self->text[self->pos++];
		switch (c) {
		case 'b':
			g_string_append_c(out, '\b');
			break;
		case 'f':
			g_string_append_c(out, '\f');
			break;
		case 'n':
			g_string_append_c(out, '\n');
			break;
		case 'r':
			g_string_append_c(out, '\r');
			break;
		case 't':
			g_string_append_c(out, '\t');
			break;
		case 'u':
			vmds_json_reader_unicode(self, out);
			break;
		default: /* " \ / */
			g_string_append_c(out, c);
			break;
		}
		run = self->pos;
	}
	g_string_append_len(out, self->text + run, (gssize)(self->pos - run));
	self->pos++; /* the closing quote */
	if (len != NULL)
		*len = out->len;
	return g_string_free(out, FALSE);
}

/**
 * vmds_json_reader_member:
 * @self: a reader inside an object, after vmds_json_reader_next()
 *
 * Returns: (transfer full): the member's name; the reader is then before
 * its value
 */
gchar *
vmds_json_reader_member(VmdsJsonReader *self)
{
	gchar *name = vmds_json_reader_read_string(self, NULL);

	vmds_json_reader_skip_ws(self);
	self->pos++; /* the colon */
	return name;
}

/**
 * vmds_json_reader_member_index:
 * @self: a reader inside an object, after vmds_json_reader_next()
 * @names: (array zero-terminated=1): the member names the caller knows
 *
 * Finds the member's name in @names without copying it.
 *
 * Returns: the index of the name in @names, the reader then before the
 * member's value; or -1 when @names does not hold it, the reader then where
 * it was (vmds_json_reader_member() reads the name)
 */
gint
vmds_json_reader_member_index(VmdsJsonReader *self, const gchar *const *names)
{
	g_autofree gchar *name = NULL;
	const gchar *text;
	gboolean escaped = FALSE;
	gsize start;
	gsize end;
	gsize len;

	vmds_json_reader_skip_ws(self);
	start = self->pos;
	end = vmds_json_reader_string_end(self, &escaped);
	text = self->text + start + 1;
	len = end - start - 1;
	if (escaped) {
		name = vmds_json_reader_read_string(self, &len);
		self->pos = start;
		text = name;
	}
	for (gint i = 0; names[i] != NULL; i++) {
		if (strlen(names[i]) == len && memcmp(names[i], text, len) == 0) {
			self->pos = end + 1;
			vmds_json_reader_skip_ws(self);
			self->pos++; /* the colon */
			return i;
		}
	}
	return -1;
}

/**
 * vmds_json_reader_read_boolean:
 * @self: a reader before a value
 * @value: (out): the boolean
 *
 * Returns: %TRUE when the next value is `true` or `false` (the reader steps
 * over it); else the reader stays
 */
gboolean
vmds_json_reader_read_boolean(VmdsJsonReader *self, gboolean *value)
{
	gchar c = vmds_json_reader_peek(self);

	if (c != 't' && c != 'f')
		return FALSE;
	*value = c == 't';
	self->pos += c == 't' ? 4 : 5;
	return TRUE;
}

/**
 * vmds_json_reader_skip:
 * @self: a reader before a value
 *
 * Steps over the next value, whatever it is.
 */
void
vmds_json_reader_skip(VmdsJsonReader *self)
{
	guint depth = 0;

	vmds_json_reader_skip_ws(self);
	do {
		gchar c = self->text[self->pos];
		if (c == '"') {
			gboolean escaped = FALSE;
			self->pos = vmds_json_reader_string_end(self, &escaped) + 1;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		self->pos++;
		/* a scalar outside a container ends at the next delimiter */
		if (depth == 0 && c != '}' && c != ']') {
			while (self->pos < self->len &&
			       strchr(",]} \t\n\r", self->text[self->pos]) == NULL)
				self->pos++;
		}
	} while (depth > 0 && self->pos < self->len);
}

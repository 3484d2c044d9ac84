/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "vmds-error.h"
#include "vmds-json.h"

/*
 * Everything a peer sends is hostile: these accessors check the type of each
 * member and return a VMDS_ERROR_INVALID_ARGUMENT naming it, where json-glib's
 * convenience getters would raise a critical (a crash under fatal-criticals).
 */

/* one parser per thread, kept: making one is a good part of a small parse */
static JsonParser *
vmds_json_parser(void)
{
	static GPrivate parser_key = G_PRIVATE_INIT(g_object_unref);
	JsonParser *parser = g_private_get(&parser_key);

	if (parser == NULL) {
		parser = json_parser_new_immutable();
		g_private_set(&parser_key, parser);
	}
	return parser;
}

JsonNode *
vmds_json_parse(const gchar *text, gsize len, GError **error)
{
	JsonParser *parser;
	JsonNode *root;

	g_return_val_if_fail(text != NULL || len == 0, NULL);

	if (!vmds_json_validate(text, len, error))
		return NULL;
	parser = vmds_json_parser();
	if (!json_parser_load_from_data(parser, text, (gssize)len, NULL)) {
		/* strict JSON that json-glib cannot read; its message would quote
		 * the input, which may be an entry value */
		g_set_error_literal(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "invalid JSON");
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL) {
		g_set_error_literal(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "empty JSON");
		return NULL;
	}
	return json_node_ref(root);
}

/**
 * vmds_json_parse_object:
 * @text: untrusted JSON text
 * @len: its length in bytes
 * @error: a #GError or %NULL
 *
 * Returns: (transfer full): the JSON object @text holds, or %NULL with
 * %VMDS_ERROR_INVALID_ARGUMENT when it is not valid JSON or not an object
 */
JsonObject *
vmds_json_parse_object(const gchar *text, gsize len, GError **error)
{
	g_autoptr(JsonNode) root = vmds_json_parse(text, len, error);

	if (root == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "arguments must be a JSON object");
		return NULL;
	}
	return json_object_ref(json_node_get_object(root));
}

/**
 * vmds_json_object_check_members:
 * @obj: a #JsonObject
 * @allowed: (array zero-terminated=1): the member names the call knows
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT naming the first member
 * of @obj that is not in @allowed: a typo never passes silently
 */
gboolean
vmds_json_object_check_members(JsonObject *obj, const gchar *const *allowed, GError **error)
{
	JsonObjectIter iter;
	const gchar *member;

	g_return_val_if_fail(obj != NULL, FALSE);

	json_object_iter_init(&iter, obj);
	while (json_object_iter_next(&iter, &member, NULL)) {
		if (!g_strv_contains(allowed, member)) {
			g_autofree gchar *name = vmds_json_abbreviate(member);
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "unknown member '%s'",
				    name);
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * vmds_json_node_get_string:
 * @node: a #JsonNode
 * @what: what @node is, for the error message
 * @error: a #GError or %NULL
 *
 * Returns: (transfer none): the string @node holds, or %NULL with
 * %VMDS_ERROR_INVALID_ARGUMENT when it holds anything else
 */
const gchar *
vmds_json_node_get_string(JsonNode *node, const gchar *what, GError **error)
{
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "%s must be a string", what);
		return NULL;
	}
	return json_node_get_string(node);
}

/**
 * vmds_json_object_get_string:
 * @obj: a #JsonObject
 * @member: the member name
 * @required: whether its absence is an error
 * @value: (out) (transfer none): the string, or %NULL when absent
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when the member is not a
 * string, or is absent and @required
 */
gboolean
vmds_json_object_get_string(
    JsonObject *obj, const gchar *member, gboolean required, const gchar **value, GError **error)
{
	JsonNode *node;
	g_autofree gchar *what = NULL;

	g_return_val_if_fail(obj != NULL, FALSE);
	g_return_val_if_fail(value != NULL, FALSE);

	*value = NULL;
	node = json_object_get_member(obj, member);
	if (node == NULL) {
		if (!required)
			return TRUE;
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "missing member '%s'", member);
		return FALSE;
	}
	what = g_strdup_printf("member '%s'", member);
	*value = vmds_json_node_get_string(node, what, error);
	return *value != NULL;
}

/**
 * vmds_json_object_get_boolean:
 * @obj: a #JsonObject
 * @member: the member name
 * @value: (out): the boolean; left untouched when absent
 * @present: (out) (optional): whether the member was there
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when the member is
 * present and not a boolean
 */
gboolean
vmds_json_object_get_boolean(
    JsonObject *obj, const gchar *member, gboolean *value, gboolean *present, GError **error)
{
	JsonNode *node;

	g_return_val_if_fail(obj != NULL, FALSE);
	g_return_val_if_fail(value != NULL, FALSE);

	node = json_object_get_member(obj, member);
	if (present != NULL)
		*present = node != NULL;
	if (node == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "member '%s' must be true or false",
			    member);
		return FALSE;
	}
	*value = json_node_get_boolean(node);
	return TRUE;
}

/**
 * vmds_json_object_get_int:
 * @obj: a #JsonObject
 * @member: the member name
 * @min: the least value allowed
 * @max: the greatest value allowed
 * @value: (out): the integer; left untouched when absent
 * @present: (out) (optional): whether the member was there
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when the member is
 * present and not an integer from @min to @max
 */
gboolean
vmds_json_object_get_int(JsonObject *obj,
			 const gchar *member,
			 gint64 min,
			 gint64 max,
			 gint64 *value,
			 gboolean *present,
			 GError **error)
{
	JsonNode *node;

	g_return_val_if_fail(obj != NULL, FALSE);
	g_return_val_if_fail(value != NULL, FALSE);

	node = json_object_get_member(obj, member);
	if (present != NULL)
		*present = node != NULL;
	if (node == NULL)
		return TRUE;
	/* an integer past the range of gint64 never gets here (json-glib
	 * would wrap it around: vmds_json_validate() refuses it); one with a
	 * fraction or an exponent is a double */
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64 ||
	    json_node_get_int(node) < min || json_node_get_int(node) > max) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "member '%s' must be an integer from %" G_GINT64_FORMAT
			    " to %" G_GINT64_FORMAT,
			    member,
			    min,
			    max);
		return FALSE;
	}
	*value = json_node_get_int(node);
	return TRUE;
}

/**
 * vmds_json_object_get_array:
 * @obj: a #JsonObject
 * @member: the member name
 * @error: a #GError or %NULL
 *
 * Returns: (transfer none): the required, non-empty array @member, or %NULL
 * with %VMDS_ERROR_INVALID_ARGUMENT
 */
JsonArray *
vmds_json_object_get_array(JsonObject *obj, const gchar *member, GError **error)
{
	JsonNode *node;

	g_return_val_if_fail(obj != NULL, NULL);

	node = json_object_get_member(obj, member);
	if (node == NULL) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "missing member '%s'", member);
		return NULL;
	}
	if (!JSON_NODE_HOLDS_ARRAY(node)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "member '%s' must be an array",
			    member);
		return NULL;
	}
	if (json_array_get_length(json_node_get_array(node)) == 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "member '%s' must not be empty",
			    member);
		return NULL;
	}
	return json_node_get_array(node);
}

/**
 * vmds_json_array_get_strings:
 * @array: a #JsonArray
 * @what: what the elements are, for the error message
 * @error: a #GError or %NULL
 *
 * Returns: (transfer container) (element-type utf8): the strings of @array
 * (borrowed from it), or %NULL with %VMDS_ERROR_INVALID_ARGUMENT when an
 * element is not a string
 */
GPtrArray *
vmds_json_array_get_strings(JsonArray *array, const gchar *what, GError **error)
{
	guint len = json_array_get_length(array);
	g_autoptr(GPtrArray) strings = g_ptr_array_sized_new(len);

	for (guint i = 0; i < len; i++) {
		const gchar *str =
		    vmds_json_node_get_string(json_array_get_element(array, i), what, error);
		if (str == NULL)
			return NULL;
		g_ptr_array_add(strings, (gpointer)str);
	}
	return g_steal_pointer(&strings);
}

/**
 * vmds_json_array_get_object:
 * @array: a #JsonArray
 * @idx: the element
 * @what: what the elements are, for the error message
 * @error: a #GError or %NULL
 *
 * Returns: (transfer none): element @idx when it is an object, or %NULL with
 * %VMDS_ERROR_INVALID_ARGUMENT
 */
JsonObject *
vmds_json_array_get_object(JsonArray *array, guint idx, const gchar *what, GError **error)
{
	JsonNode *node = json_array_get_element(array, idx);

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "%s must be an object", what);
		return NULL;
	}
	return json_node_get_object(node);
}

static const gchar *
vmds_json_short_escape(guchar c)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	default:
		return NULL;
	}
}

/* whether @c goes into a JSON string as it is */
static inline gboolean
vmds_json_is_plain(guchar c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

/*
 * The length of the run at the start of @str that needs no escaping, looked
 * at eight bytes a word while it lasts. Of a word w, with b(n) the byte n in
 * every lane, (w - b(0x20)) & ~w & b(0x80) is non-zero exactly when a byte
 * is below 0x20, and so is (w ^ b(c)) - b(1) masked alike when a byte is c
 * (the classic "has a zero byte" test); a word that fails is scanned byte by
 * byte for where the run ends.
 */
static gsize
vmds_json_plain_run(const gchar *str, gsize len)
{
	const guint64 ones = G_GUINT64_CONSTANT(0x0101010101010101);
	const guint64 highs = G_GUINT64_CONSTANT(0x8080808080808080);
	gsize i = 0;

	for (; i + sizeof(guint64) <= len; i += sizeof(guint64)) {
		guint64 w;
		guint64 hits;

		memcpy(&w, str + i, sizeof(w));
		hits =
		    (w - ones * 0x20) | ((w ^ (ones * '"')) - ones) | ((w ^ (ones * '\\')) - ones);
		if ((hits & ~w & highs) != 0)
			break;
	}
	while (i < len && vmds_json_is_plain((guchar)str[i]))
		i++;
	return i;
}

/**
 * vmds_json_abbreviate:
 * @text: UTF-8 a peer sent, e.g. a member name
 *
 * Cuts @text for an error message that quotes it: at most
 * %VMDS_JSON_QUOTE_MAX bytes, at a character boundary, and `…` after it
 * when something was cut, so a message never echoes megabytes back.
 *
 * Returns: (transfer full): the text to quote
 */
gchar *
vmds_json_abbreviate(const gchar *text)
{
	const gchar *end = text;

	g_return_val_if_fail(text != NULL, NULL);

	if (strlen(text) <= VMDS_JSON_QUOTE_MAX)
		return g_strdup(text);
	while (*end != '\0') {
		const gchar *next = g_utf8_next_char(end);
		if ((gsize)(next - text) > VMDS_JSON_QUOTE_MAX)
			break;
		end = next;
	}
	return g_strdup_printf("%.*s…", (gint)(end - text), text);
}

/* @str escaped for a JSON string, between quotes when @quoted; the room for
 * the text as it is is made once and written in place, and each escape makes
 * room for itself */
static inline void
vmds_json_append_text(GString *out, const gchar *str, gsize n, gboolean quoted)
{
	gsize pos = out->len;
	gsize i = 0;

	g_string_set_size(out, pos + n + (quoted ? 2 : 0));
	if (quoted)
		out->str[pos++] = '"';
	for (;;) {
		gsize run = vmds_json_plain_run(str + i, n - i);
		guchar c;
		const gchar *esc;

		memcpy(out->str + pos, str + i, run);
		pos += run;
		i += run;
		if (i == n)
			break;
		c = (guchar)str[i++];
		esc = vmds_json_short_escape(c);
		g_string_set_size(out, out->len + (esc != NULL ? 1 : 5));
		if (esc != NULL) {
			out->str[pos++] = esc[0];
			out->str[pos++] = esc[1];
		} else {
			memcpy(out->str + pos, "\\u00", 4);
			out->str[pos + 4] = "0123456789abcdef"[c >> 4];
			out->str[pos + 5] = "0123456789abcdef"[c & 0xf];
			pos += 6;
		}
	}
	/* the room made was exactly what was written */
	if (quoted)
		out->str[pos] = '"';
}

/**
 * vmds_json_append_string:
 * @out: a #GString
 * @str: UTF-8 text
 * @len: its length in bytes, or -1 when NUL-terminated
 *
 * Appends @str as a compact JSON string literal: `"` `\` and control
 * characters escaped, all other UTF-8 passed through unescaped.
 */
void
vmds_json_append_string(GString *out, const gchar *str, gssize len)
{
	vmds_json_append_text(out, str, len < 0 ? strlen(str) : (gsize)len, TRUE);
}

/**
 * vmds_json_append_escaped:
 * @out: a #GString
 * @str: (array length=len): part of UTF-8 text
 * @len: its length in bytes
 *
 * Appends @str escaped as in vmds_json_append_string(), without the quotes.
 * Only single bytes are escaped, so a text may be cut anywhere, even inside a
 * character, and its parts appended one after the other.
 */
void
vmds_json_append_escaped(GString *out, const gchar *str, gsize len)
{
	vmds_json_append_text(out, str, len, FALSE);
}

/**
 * vmds_json_string_size:
 * @str: UTF-8 text
 * @len: its length in bytes
 *
 * Returns: the size in bytes of what vmds_json_append_string() writes for
 * @str, quotes included
 */
gsize
vmds_json_string_size(const gchar *str, gsize len)
{
	gsize size = len + 2;

	for (gsize i = vmds_json_plain_run(str, len); i < len;
	     i += 1 + vmds_json_plain_run(str + i + 1, len - i - 1))
		size += vmds_json_short_escape((guchar)str[i]) != NULL ? 1 : 5;
	return size;
}

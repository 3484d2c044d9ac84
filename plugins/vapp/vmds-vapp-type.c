/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <arpa/inet.h>
#include <math.h>
#include <string.h>

#include "vmds-error.h"
#include "vmds-json.h"
#include "vmds-vapp-type.h"

/*
 * The type of a vApp property and what its values may be (vSphere 6.5's
 * property schema; the OVF `ovf:type` plus its qualifiers):
 *
 *   string | string(x..) | string(..y) | string(x..y)   length in characters,
 *                                                        at most 65,535
 *   string["a", "b\"c", "d\\e"]                          one of the choices
 *   int | int(x..y)                                      an integer; int is
 *                                                        int32; bounds of up
 *                                                        to 100 characters,
 *                                                        compared exactly
 *   real | real(x..y)                                    a CIM real:
 *       [+|-] *digit "." 1*digit [(e|E) [+|-] 1*digit]   an IEEE double
 *   boolean                                              True or False
 *   password and its length forms                        as string
 *   ip                                                   IPv4 dot-decimal or
 *                                                        IPv6 colon-hex
 *   expression, ip:NETWORK, ${...}                       kept, never assigned
 *
 * The empty value is valid for every type: it means "use defaultValue".
 */

struct _VmdsVappType {
	VmdsVappKind kind;
	gchar *text;
	/* string, password: length in characters */
	guint min_len;
	guint max_len;
	/* choice */
	GPtrArray *choices;
	/* int: decimal strings, normalised (no '+', no leading zeros, no "-0") */
	gchar *min_int;
	gchar *max_int;
	/* real */
	gboolean bounded;
	gdouble min_real;
	gdouble max_real;
};

/* a type as a message quotes it: a peer's text, not echoed whole
 * (vmds_json_abbreviate()) */
static gchar *
vmds_vapp_type_quote(const gchar *text)
{
	g_autofree gchar *valid = g_utf8_make_valid(text, -1);

	return vmds_json_abbreviate(valid);
}

static gboolean
vmds_vapp_type_fail(GError **error, const gchar *text, const gchar *why)
{
	g_autofree gchar *quoted = vmds_vapp_type_quote(text);

	g_set_error(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "type '%s': %s", quoted, why);
	return FALSE;
}

void
vmds_vapp_type_free(VmdsVappType *self)
{
	if (self == NULL)
		return;
	g_free(self->text);
	g_clear_pointer(&self->choices, g_ptr_array_unref);
	g_free(self->min_int);
	g_free(self->max_int);
	g_free(self);
}

/* @text (a sign and digits, already checked) with no '+', no leading zeros
 * and no "-0" */
static gchar *
vmds_vapp_int_normalise(const gchar *text)
{
	gboolean negative = text[0] == '-';
	const gchar *digits = text + (text[0] == '-' || text[0] == '+');

	while (digits[0] == '0' && digits[1] != '\0')
		digits++;
	if (g_str_equal(digits, "0"))
		negative = FALSE;
	return g_strconcat(negative ? "-" : "", digits, NULL);
}

/* an optional sign and 1 or more decimal digits, nothing else */
static gboolean
vmds_vapp_int_valid(const gchar *text, gsize len)
{
	gsize i = text[0] == '-' || text[0] == '+';

	if (i >= len)
		return FALSE;
	for (; i < len; i++) {
		if (!g_ascii_isdigit(text[i]))
			return FALSE;
	}
	return TRUE;
}

/* <0, 0, >0 as @a is less than, equal to or more than @b (normalised) */
static gint
vmds_vapp_int_compare(const gchar *a, const gchar *b)
{
	gboolean neg_a = a[0] == '-';
	gboolean neg_b = b[0] == '-';
	gsize len_a, len_b;
	gint cmp;

	if (neg_a != neg_b)
		return neg_a ? -1 : 1;
	a += neg_a;
	b += neg_b;
	len_a = strlen(a);
	len_b = strlen(b);
	cmp = len_a != len_b ? (len_a < len_b ? -1 : 1) : strcmp(a, b);
	if (cmp != 0)
		cmp = cmp < 0 ? -1 : 1;
	return neg_a ? -cmp : cmp;
}

/* a CIM real: [+|-] *digit "." 1*digit [(e|E) [+|-] 1*digit], finite */
static gboolean
vmds_vapp_real_parse(const gchar *text, gsize len, gdouble *value)
{
	g_autofree gchar *copy = g_strndup(text, len);
	const gchar *p = copy;
	gchar *end = NULL;

	if (*p == '+' || *p == '-')
		p++;
	while (g_ascii_isdigit(*p))
		p++;
	if (*p++ != '.' || !g_ascii_isdigit(*p))
		return FALSE;
	while (g_ascii_isdigit(*p))
		p++;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!g_ascii_isdigit(*p))
			return FALSE;
		while (g_ascii_isdigit(*p))
			p++;
	}
	if (*p != '\0' || strlen(copy) != len)
		return FALSE;
	*value = g_ascii_strtod(copy, &end);
	return end == p && isfinite(*value);
}

/* @bounds, "x..y" (either side may be left out when @open): a length range
 * of 0 to 65,535 characters */
static gboolean
vmds_vapp_type_parse_lengths(VmdsVappType *self, const gchar *bounds, GError **error)
{
	const gchar *dots = strstr(bounds, "..");
	g_autofree gchar *low = NULL;
	g_autofree gchar *high = NULL;
	guint64 n;

	if (dots == NULL)
		return vmds_vapp_type_fail(error, self->text, "a range is written (x..y)");
	low = g_strndup(bounds, (gsize)(dots - bounds));
	high = g_strdup(dots + 2);
	if (low[0] == '\0' && high[0] == '\0')
		return vmds_vapp_type_fail(error, self->text, "a range needs at least one bound");
	self->min_len = 0;
	self->max_len = VMDS_VAPP_MAX_STRING;
	if (low[0] != '\0') {
		if (!g_ascii_string_to_unsigned(low, 10, 0, VMDS_VAPP_MAX_STRING, &n, NULL))
			return vmds_vapp_type_fail(
			    error, self->text, "a length is a whole number from 0 to 65535");
		self->min_len = (guint)n;
	}
	if (high[0] != '\0') {
		if (!g_ascii_string_to_unsigned(high, 10, 0, VMDS_VAPP_MAX_STRING, &n, NULL))
			return vmds_vapp_type_fail(
			    error, self->text, "a length is a whole number from 0 to 65535");
		self->max_len = (guint)n;
	}
	if (self->min_len > self->max_len)
		return vmds_vapp_type_fail(error, self->text, "the least is more than the most");
	return TRUE;
}

/* @bounds, "x..y", both given: an int range, each bound at most 100
 * characters with its sign */
static gboolean
vmds_vapp_type_parse_ints(VmdsVappType *self, const gchar *bounds, GError **error)
{
	const gchar *dots = strstr(bounds, "..");
	gsize low_len;

	if (dots == NULL)
		return vmds_vapp_type_fail(error, self->text, "a range is written (x..y)");
	low_len = (gsize)(dots - bounds);
	if (!vmds_vapp_int_valid(bounds, low_len) ||
	    !vmds_vapp_int_valid(dots + 2, strlen(dots + 2)))
		return vmds_vapp_type_fail(error, self->text, "both bounds are whole numbers");
	if (low_len > VMDS_VAPP_MAX_INT_DIGITS || strlen(dots + 2) > VMDS_VAPP_MAX_INT_DIGITS)
		return vmds_vapp_type_fail(
		    error, self->text, "a bound is at most 100 characters, its sign included");
	{
		g_autofree gchar *low = g_strndup(bounds, low_len);
		self->min_int = vmds_vapp_int_normalise(low);
		self->max_int = vmds_vapp_int_normalise(dots + 2);
	}
	if (vmds_vapp_int_compare(self->min_int, self->max_int) > 0)
		return vmds_vapp_type_fail(error, self->text, "the least is more than the most");
	return TRUE;
}

/* @bounds, "x..y", both given: a real range of CIM reals */
static gboolean
vmds_vapp_type_parse_reals(VmdsVappType *self, const gchar *bounds, GError **error)
{
	const gchar *dots = strstr(bounds, "..");

	/* "1..2.5" would split at the first "..": a CIM real has one dot */
	if (dots == NULL ||
	    !vmds_vapp_real_parse(bounds, (gsize)(dots - bounds), &self->min_real) ||
	    !vmds_vapp_real_parse(dots + 2, strlen(dots + 2), &self->max_real))
		return vmds_vapp_type_fail(
		    error, self->text, "both bounds are reals such as -1.5 or 2.0e3");
	if (self->min_real > self->max_real)
		return vmds_vapp_type_fail(error, self->text, "the least is more than the most");
	self->bounded = TRUE;
	return TRUE;
}

/* @list, what is between `string[` and `]`: quoted choices, separated by
 * commas; `\"` is a quote and `\\` a backslash in a choice */
static gboolean
vmds_vapp_type_parse_choices(VmdsVappType *self, const gchar *list, GError **error)
{
	const gchar *p = list;

	self->choices = g_ptr_array_new_with_free_func(g_free);
	for (;;) {
		g_autoptr(GString) choice = g_string_new(NULL);
		while (*p == ' ')
			p++;
		if (*p++ != '"')
			return vmds_vapp_type_fail(error, self->text, "each choice is in quotes");
		while (*p != '"') {
			if (*p == '\0')
				return vmds_vapp_type_fail(
				    error, self->text, "a choice does not end");
			if (*p == '\\') {
				p++;
				if (*p != '"' && *p != '\\')
					return vmds_vapp_type_fail(error,
								   self->text,
								   "in a choice, a backslash is "
								   "written \\\\ and a quote \\\"");
			}
			g_string_append_c(choice, *p++);
		}
		p++;
		g_ptr_array_add(self->choices, g_string_free(g_steal_pointer(&choice), FALSE));
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return TRUE;
		if (*p++ != ',')
			return vmds_vapp_type_fail(
			    error, self->text, "choices are separated by commas");
	}
}

/* the bounds of @text after @name, between @open and @close; NULL when
 * @text is not of that form */
static gchar *
vmds_vapp_type_args(const gchar *text, const gchar *name, gchar open, gchar close)
{
	gsize name_len = strlen(name);
	gsize len = strlen(text);

	if (!g_str_has_prefix(text, name) || len < name_len + 2 || text[name_len] != open ||
	    text[len - 1] != close)
		return NULL;
	return g_strndup(text + name_len + 1, len - name_len - 2);
}

/**
 * vmds_vapp_type_parse:
 * @text: a property's type, from a peer
 * @error: a #GError or %NULL
 *
 * Returns: (transfer full): the type; %NULL with
 *   %VMDS_ERROR_INVALID_ARGUMENT that says what is wrong with it
 */
VmdsVappType *
vmds_vapp_type_parse(const gchar *text, GError **error)
{
	g_autoptr(VmdsVappType) self = g_new0(VmdsVappType, 1);
	g_autofree gchar *args = NULL;
	gboolean ok = TRUE;

	g_return_val_if_fail(text != NULL, NULL);

	self->text = g_strdup(text);
	self->max_len = VMDS_VAPP_MAX_STRING;
	if (g_str_equal(text, "string") || g_str_equal(text, "password")) {
		self->kind = text[0] == 's' ? VMDS_VAPP_STRING : VMDS_VAPP_PASSWORD;
	} else if ((args = vmds_vapp_type_args(text, "string", '(', ')')) != NULL ||
		   (args = vmds_vapp_type_args(text, "password", '(', ')')) != NULL) {
		self->kind = text[0] == 's' ? VMDS_VAPP_STRING : VMDS_VAPP_PASSWORD;
		ok = vmds_vapp_type_parse_lengths(self, args, error);
	} else if ((args = vmds_vapp_type_args(text, "string", '[', ']')) != NULL) {
		self->kind = VMDS_VAPP_CHOICE;
		ok = vmds_vapp_type_parse_choices(self, args, error);
	} else if (g_str_equal(text, "int")) {
		self->kind = VMDS_VAPP_INT;
		self->min_int = g_strdup("-2147483648");
		self->max_int = g_strdup("2147483647");
	} else if ((args = vmds_vapp_type_args(text, "int", '(', ')')) != NULL) {
		self->kind = VMDS_VAPP_INT;
		ok = vmds_vapp_type_parse_ints(self, args, error);
	} else if (g_str_equal(text, "real")) {
		self->kind = VMDS_VAPP_REAL;
	} else if ((args = vmds_vapp_type_args(text, "real", '(', ')')) != NULL) {
		self->kind = VMDS_VAPP_REAL;
		ok = vmds_vapp_type_parse_reals(self, args, error);
	} else if (g_str_equal(text, "boolean")) {
		self->kind = VMDS_VAPP_BOOLEAN;
	} else if (g_str_equal(text, "ip")) {
		self->kind = VMDS_VAPP_IP;
	} else if (g_str_equal(text, "expression") ||
		   (g_str_has_prefix(text, "ip:") && text[3] != '\0') ||
		   (g_str_has_prefix(text, "${") && g_str_has_suffix(text, "}") &&
		    strlen(text) > 3)) {
		self->kind = VMDS_VAPP_UNSUPPORTED;
	} else {
		ok = vmds_vapp_type_fail(
		    error,
		    text,
		    "not a type: string, string(x..y), string[\"a\", \"b\"], int, "
		    "int(x..y), real, real(x..y), boolean, password, "
		    "password(x..y) or ip");
	}
	return ok ? g_steal_pointer(&self) : NULL;
}

VmdsVappKind
vmds_vapp_type_get_kind(const VmdsVappType *self)
{
	return self->kind;
}

const gchar *
vmds_vapp_type_get_text(const VmdsVappType *self)
{
	return self->text;
}

static gboolean
vmds_vapp_value_fail(GError **error, const VmdsVappType *self, const gchar *why)
{
	g_autofree gchar *quoted = vmds_vapp_type_quote(self->text);

	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "the value does not fit type '%s': %s",
		    quoted,
		    why);
	return FALSE;
}

/**
 * vmds_vapp_type_check:
 * @self: a type
 * @value: a value (or default value) from a peer: any text
 * @error: a #GError or %NULL
 *
 * Returns: %TRUE when @value is one of @self's, or empty ("use the default
 *   value"); else %FALSE with %VMDS_ERROR_INVALID_ARGUMENT that says why
 *   (never quoting a value: it may be a password)
 */
gboolean
vmds_vapp_type_check(const VmdsVappType *self, const gchar *value, GError **error)
{
	gsize len = strlen(value);
	guint8 addr[16];
	gdouble real;

	if (len == 0)
		return TRUE;
	if (!g_utf8_validate(value, (gssize)len, NULL))
		return vmds_vapp_value_fail(error, self, "it is not UTF-8");
	switch (self->kind) {
	case VMDS_VAPP_STRING:
	case VMDS_VAPP_PASSWORD: {
		glong chars = g_utf8_strlen(value, -1);
		if (chars < (glong)self->min_len || chars > (glong)self->max_len)
			return vmds_vapp_value_fail(error, self, "its length is out of range");
		return TRUE;
	}
	case VMDS_VAPP_CHOICE:
		for (guint i = 0; i < self->choices->len; i++) {
			if (g_str_equal(g_ptr_array_index(self->choices, i), value))
				return TRUE;
		}
		return vmds_vapp_value_fail(error, self, "it is none of the choices");
	case VMDS_VAPP_INT: {
		g_autofree gchar *n = NULL;
		if (!vmds_vapp_int_valid(value, len) || len > VMDS_VAPP_MAX_INT_DIGITS + 1)
			return vmds_vapp_value_fail(error, self, "it is not a whole number");
		n = vmds_vapp_int_normalise(value);
		if (vmds_vapp_int_compare(n, self->min_int) < 0 ||
		    vmds_vapp_int_compare(n, self->max_int) > 0)
			return vmds_vapp_value_fail(error, self, "it is out of range");
		return TRUE;
	}
	case VMDS_VAPP_REAL:
		if (!vmds_vapp_real_parse(value, len, &real))
			return vmds_vapp_value_fail(
			    error, self, "it is not a real such as -1.5 or 2.0e3");
		if (self->bounded && (real < self->min_real || real > self->max_real))
			return vmds_vapp_value_fail(error, self, "it is out of range");
		return TRUE;
	case VMDS_VAPP_BOOLEAN:
		if (g_ascii_strcasecmp(value, "true") == 0 ||
		    g_ascii_strcasecmp(value, "false") == 0)
			return TRUE;
		return vmds_vapp_value_fail(error, self, "it is True or False");
	case VMDS_VAPP_IP:
		if (inet_pton(AF_INET, value, addr) == 1 || inet_pton(AF_INET6, value, addr) == 1)
			return TRUE;
		return vmds_vapp_value_fail(error, self, "it is not an IPv4 or IPv6 address");
	case VMDS_VAPP_UNSUPPORTED:
	default:
		return vmds_vapp_value_fail(
		    error,
		    self,
		    "this type depends on vSphere network profiles: no value can be set");
	}
}

/**
 * vmds_vapp_type_env_value:
 * @self: a property's type
 * @value: its value, checked (vmds_vapp_type_check())
 * @default_value: (nullable): its default value, checked
 *
 * Returns: (transfer full): what the OVF environment says of the property:
 *   the default value when the value is empty, a boolean as `True` or
 *   `False`
 */
gchar *
vmds_vapp_type_env_value(const VmdsVappType *self, const gchar *value, const gchar *default_value)
{
	const gchar *v = value[0] != '\0' ? value : default_value != NULL ? default_value : "";

	if (self->kind == VMDS_VAPP_BOOLEAN && v[0] != '\0')
		return g_strdup(g_ascii_strcasecmp(v, "true") == 0 ? "True" : "False");
	return g_strdup(v);
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <string.h>

#include "vmds-error.h"
#include "vmds-ovf-descriptor.h"
#include "vmds-ovf-env.h"
#include "vmds-vapp-type.h"

/*
 * An OVF descriptor (the .ovf an appliance vendor ships) read as vSphere
 * deploys it with its defaults: the vApp properties of its ProductSections
 * and the OVF environment's transports.
 *
 * What is read, in the OVF envelope namespace (every element and attribute
 * matched by namespace URI, never by prefix; everything else is skipped):
 *
 *   Envelope
 *     DeploymentOptionSection/Configuration   the default configuration: the
 *                                             one with ovf:default="true",
 *                                             else the first (DSP0243)
 *     VirtualSystem                           exactly one
 *       ProductSection ovf:class ovf:instance classId, instanceId
 *         Category                            the category of the properties
 *                                             after it in its section
 *         Property                            a vApp property, below
 *           Label, Description                label, description
 *           Value ovf:value ovf:configuration the default in a configuration
 *       VirtualHardwareSection ovf:transport  com.vmware.guestInfo, iso
 *
 * A VirtualSystemCollection (a multi-VM vApp) is refused: its ProductSection
 * belongs to the vApp, not to a VM, and which of its VirtualSystems this VM
 * is, the descriptor does not say. A ProductSection directly in the Envelope
 * is refused too (DSP0243 has it in a VirtualSystem or a collection).
 *
 * A Property: ovf:key (required) is the id; ovf:value the defaultValue (the
 * value stays empty, as vSphere has it after a deployment); ovf:userConfigurable
 * is false unless said (DSP8023's default, unlike vSphere's API); its type:
 *
 *   ovf:type  ovf:qualifiers, ovf:password      vApp type
 *   string                                      string
 *   string    MinLen(x) / MaxLen(y) / both      string(x..) / string(..y) /
 *                                               string(x..y); a MaxLen past
 *                                               65535 is 65535 (a vApp
 *                                               string's most)
 *   string    ValueMap{"a","b"}                 string["a", "b"], \ and "
 *                                               escaped as the grammar has
 *   string    ovf:password="true" (+ lengths)   password, password(x..y)...
 *   string    vmw:qualifiers="Ip"               ip
 *   string    vmw:qualifiers="Ip('NET')"        ip:NET (kept, never assigned)
 *   boolean                                     boolean
 *   uint8 sint8 uint16 sint16 uint32 uint64     int(min..max) of the CIM type
 *     sint64                                    (exact bounds, as text)
 *   sint32                                      int
 *   the ints  MinValue(x) / MaxValue(y)         int(x..max) / int(min..y), in
 *                                               the CIM type's range
 *   the ints  ValueMap{"1","2"}                 string["1", "2"], each value
 *                                               a whole number in range
 *   real32 real64                               real
 *   expression (VMware's, not CIM)             expression; ovf:value is the
 *                                               expression (kept, never
 *                                               assigned)
 *
 * Qualifiers that do not apply to the type (MinLen on an int, MinValue on a
 * real) and unknown ones are ignored, as vSphere's OvfPropertyQualifierIgnored
 * has it; a qualifier given twice or malformed is refused
 * (OvfPropertyQualifierDuplicate, OvfPropertyQualifier), as are other types
 * (OvfPropertyType; CIM's datetime, char16...), other vmw:qualifiers
 * (Netmask('NET') and the like: vSphere computes those from network
 * protocol profiles), ovf:password on a type other than string, and a
 * password with a ValueMap (the grammar has no password choices). The type
 * always parses with vmds_vapp_type_parse(); the default value fits it
 * (vmds_vapp_type_check(), but for the kept kinds, whose default is an
 * expression), else the descriptor is refused (OvfPropertyValue). Ids,
 * classes and instances hold no white space, and the key each property has
 * in the OVF environment ([classId.]id[.instanceId]) is unique: vCenter
 * leaves duplicates out with a warning; we refuse them.
 *
 * Untrusted input (uploaded over REST): at most 16 MiB, UTF-8 (whatever the
 * XML declaration says), no DOCTYPE at all (so no entities and nothing
 * loaded: the parser is stopped when it sees one), libxml2's default depth
 * limit (256; no XML_PARSE_HUGE), at most 10,000 properties and 65,535
 * characters in each text taken. No tree is built: libxml2's SAX2 callbacks
 * read the document in one pass, so memory stays near the input's size.
 * libxml2's errors never reach stderr: the first one is the GError.
 *
 * Sources: DMTF DSP0243 (OVF 1.1, 2.1): §9.5 ProductSection (Category,
 * Property, ovf:class/ovf:instance and the environment key
 * [class.]key[.instance]), the DeploymentOptionSection (the first
 * Configuration is the default unless one says ovf:default), the
 * VirtualHardwareSection's ovf:transport; DSP8023 1.0.0, the envelope schema
 * (Category and Property in one choice, ovf:key and ovf:type required,
 * ovf:userConfigurable default false, ovf:value default ""); DMTF DSP0004
 * (the CIM types' ranges; MinLen, MaxLen, MinValue, MaxValue, ValueMap and
 * MOF string escapes); the vSphere API's VAppPropertyInfo (the type grammar;
 * id, classId and instanceId "any string except white space";
 * defaultValue holds the expression of type expression) and its
 * OvfPropertyQualifier{,Duplicate,Ignored}, OvfPropertyType and
 * OvfPropertyValue faults; vCenter's com.vmware.vcenter.ovf.property
 * (duplicate fully qualified names); govmomi's ovf/envelope.go (ovf:password,
 * Value, ProductSection.Key()); published appliance descriptors: EMC
 * CoprHD's (vmw:qualifiers="Ip", a ValueMap of time zones, MinLen(0),
 * MaxLen(65535)), Cisco CSR1000v's as COT's tests keep them (ovf:password
 * with MaxLen, ovf:transport="iso"), Ubuntu's cloud images (cloud-init's
 * keys); vmw:qualifiers="Ip('Network 1')" as Broadcom's own OVF deployment
 * tests name it. DSP8023 1.0.0 calls ovf:transport comma-separated, DSP0243
 * and every descriptor seen space-separated: both are read.
 */

/* the kinds of element the reader knows, by where they are */
typedef enum {
	VMDS_OVF_NODE_OTHER,
	VMDS_OVF_NODE_ENVELOPE,
	VMDS_OVF_NODE_DEPLOYMENT_OPTIONS,
	VMDS_OVF_NODE_VIRTUAL_SYSTEM,
	VMDS_OVF_NODE_PRODUCT,
	VMDS_OVF_NODE_CATEGORY,
	VMDS_OVF_NODE_PROPERTY,
	VMDS_OVF_NODE_LABEL,
	VMDS_OVF_NODE_DESCRIPTION,
} VmdsOvfNode;

/* the deepest element the reader knows is a Property's Label: depth 4 */
#define VMDS_OVF_STACK 8

/* a Property as read: the vApp property and what its default may become */
typedef struct {
	VmdsVappProperty *property;
	VmdsVappType *type;
	gint line;
	/* pairs: the configurations (space-separated) of a Value, its value */
	GPtrArray *values;
} VmdsOvfItem;

typedef struct {
	xmlParserCtxtPtr ctxt;
	GError *error;
	guint depth;
	VmdsOvfNode stack[VMDS_OVF_STACK];
	gboolean seen_system;
	gchar *default_configuration;
	gboolean default_marked;
	/* the ProductSection being read */
	gchar *class_id;
	gchar *instance_id;
	gchar *category;
	/* the text of the Category, Label or Description being read */
	GString *text;
	gsize text_chars;
	GPtrArray *items;
	/* environment key -> the line of its property */
	GHashTable *env_keys;
	gboolean guestinfo;
	gboolean iso;
} VmdsOvfReader;

static void
vmds_ovf_item_free(VmdsOvfItem *item)
{
	vmds_vapp_property_free(item->property);
	g_clear_pointer(&item->type, vmds_vapp_type_free);
	g_ptr_array_unref(item->values);
	g_free(item);
}

static void
vmds_ovf_reader_free(VmdsOvfReader *self)
{
	g_clear_error(&self->error);
	g_free(self->default_configuration);
	g_free(self->class_id);
	g_free(self->instance_id);
	g_free(self->category);
	if (self->text != NULL)
		g_string_free(self->text, TRUE);
	g_ptr_array_unref(self->items);
	g_hash_table_unref(self->env_keys);
	g_free(self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsOvfReader, vmds_ovf_reader_free)

void
vmds_ovf_descriptor_free(VmdsOvfDescriptor *self)
{
	if (self == NULL)
		return;
	g_ptr_array_unref(self->properties);
	g_free(self);
}

/* the first error wins and stops the parser; every message names its line */
static void vmds_ovf_reader_fail(VmdsOvfReader *self, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
vmds_ovf_reader_fail(VmdsOvfReader *self, const gchar *format, ...)
{
	g_autofree gchar *msg = NULL;
	va_list args;

	if (self->error != NULL)
		return;
	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(&self->error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "line %d: %s",
		    xmlSAX2GetLineNumber(self->ctxt),
		    msg);
	xmlStopParser(self->ctxt);
}

/* libxml2's own errors, with or without a parser context: never stderr */
static void
vmds_ovf_reader_error_cb(void *user_data, xmlErrorPtr err)
{
	VmdsOvfReader *self = user_data;
	g_autofree gchar *msg = NULL;

	if (err == NULL || err->level < XML_ERR_ERROR || self->error != NULL)
		return;
	msg = g_strdup(err->message != NULL ? err->message : "not well-formed XML");
	g_strchomp(msg);
	/* a hint for libxml2's callers, not for whoever sent the document */
	if (g_str_has_suffix(msg, " use XML_PARSE_HUGE option"))
		msg[strlen(msg) - strlen(" use XML_PARSE_HUGE option")] = '\0';
	g_set_error(
	    &self->error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "line %d: %s", err->line, msg);
}

/* a DOCTYPE, seen before its internal subset is read: stop right there */
static void
vmds_ovf_reader_dtd_cb(void *user_data,
		       const xmlChar *name,
		       const xmlChar *external_id,
		       const xmlChar *system_id)
{
	VmdsOvfReader *self = user_data;

	if (self->error == NULL)
		g_set_error_literal(&self->error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "the OVF descriptor declares a DTD: refused");
	xmlStopParser(self->ctxt);
}

/* characters in UTF-8 @text of @len bytes (complete or not) */
static gsize
vmds_ovf_utf8_chars(const gchar *text, gsize len)
{
	gsize n = 0;

	for (gsize i = 0; i < len; i++) {
		if (((guchar)text[i] & 0xc0) != 0x80)
			n++;
	}
	return n;
}

/* the value of attribute {@ns}@name in startElementNs's @attributes */
static gchar *
vmds_ovf_attr(const xmlChar **attributes, int n_attributes, const gchar *ns, const gchar *name)
{
	for (int i = 0; i < n_attributes; i++) {
		const xmlChar **attr = attributes + 5 * i;
		if (g_strcmp0((const gchar *)attr[2], ns) == 0 &&
		    g_str_equal((const gchar *)attr[0], name))
			return g_strndup((const gchar *)attr[3], (gsize)(attr[4] - attr[3]));
	}
	return NULL;
}

/* an xs:boolean: true, false, 1 or 0, white space around */
static gboolean
vmds_ovf_parse_boolean(const gchar *text, gboolean *value)
{
	g_autofree gchar *copy = g_strstrip(g_strdup(text));

	if (g_str_equal(copy, "true") || g_str_equal(copy, "1"))
		*value = TRUE;
	else if (g_str_equal(copy, "false") || g_str_equal(copy, "0"))
		*value = FALSE;
	else
		return FALSE;
	return TRUE;
}

static gboolean
vmds_ovf_has_space(const gchar *text)
{
	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		if (g_unichar_isspace(g_utf8_get_char(p)))
			return TRUE;
	}
	return FALSE;
}

/*
 * CIM integers: a sign and a magnitude, so that sint64's least and uint64's
 * most compare exactly.
 */
typedef struct {
	gboolean negative;
	guint64 magnitude;
} VmdsOvfInt;

static gboolean
vmds_ovf_int_parse(const gchar *text, VmdsOvfInt *value)
{
	const gchar *digits = text + (text[0] == '-' || text[0] == '+');

	if (digits[0] == '\0' || strspn(digits, "0123456789") != strlen(digits))
		return FALSE;
	if (!g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT64, &value->magnitude, NULL))
		return FALSE;
	value->negative = text[0] == '-' && value->magnitude != 0;
	return TRUE;
}

static gint
vmds_ovf_int_compare(const VmdsOvfInt *a, const VmdsOvfInt *b)
{
	gint cmp;

	if (a->negative != b->negative)
		return a->negative ? -1 : 1;
	cmp = a->magnitude < b->magnitude ? -1 : a->magnitude > b->magnitude ? 1 : 0;
	return a->negative ? -cmp : cmp;
}

static gchar *
vmds_ovf_int_to_string(const VmdsOvfInt *value)
{
	return g_strdup_printf(
	    "%s%" G_GUINT64_FORMAT, value->negative ? "-" : "", value->magnitude);
}

/* the CIM integer types and their ranges (DSP0004) */
static const struct {
	const gchar *name;
	const gchar *min;
	const gchar *max;
} vmds_ovf_int_types[] = {
    {"uint8", "0", "255"},
    {"sint8", "-128", "127"},
    {"uint16", "0", "65535"},
    {"sint16", "-32768", "32767"},
    {"uint32", "0", "4294967295"},
    {"sint32", "-2147483648", "2147483647"},
    {"uint64", "0", "18446744073709551615"},
    {"sint64", "-9223372036854775808", "9223372036854775807"},
};

/* ovf:qualifiers, the ones vSphere maps; unset: -1 or NULL */
typedef struct {
	gint64 min_len;
	gint64 max_len;
	gchar *min_value;
	gchar *max_value;
	GPtrArray *value_map;
} VmdsOvfQualifiers;

static void
vmds_ovf_qualifiers_clear(VmdsOvfQualifiers *self)
{
	g_clear_pointer(&self->min_value, g_free);
	g_clear_pointer(&self->max_value, g_free);
	g_clear_pointer(&self->value_map, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VmdsOvfQualifiers, vmds_ovf_qualifiers_clear)

static gboolean
vmds_ovf_qualifiers_fail(GError **error, const gchar *why)
{
	g_set_error(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "ovf:qualifiers: %s", why);
	return FALSE;
}

static const gchar *
vmds_ovf_skip_space(const gchar *p)
{
	while (g_ascii_isspace(*p))
		p++;
	return p;
}

/* a ValueMap's {"a", "b"}: CIM string literals (DSP0004), at @p after the
 * brace; @p is left after the closing brace */
static gboolean
vmds_ovf_parse_value_map(const gchar **pp, GPtrArray *values, GError **error)
{
	const gchar *p = vmds_ovf_skip_space(*pp);

	if (*p == '}') {
		*pp = p + 1;
		return TRUE;
	}
	for (;;) {
		g_autoptr(GString) value = g_string_new(NULL);
		if (*p++ != '"')
			return vmds_ovf_qualifiers_fail(error, "each ValueMap value is in quotes");
		while (*p != '"') {
			if (*p == '\0')
				return vmds_ovf_qualifiers_fail(error,
								"a ValueMap value does not end");
			if (*p == '\\') {
				const gchar *escapes = "\"\"''\\\\b\bt\tn\nf\fr\r";
				const gchar *e;
				p++;
				for (e = escapes; *e != '\0' && *e != *p; e += 2)
					;
				if (*p == '\0' || *e == '\0')
					return vmds_ovf_qualifiers_fail(
					    error,
					    "in a ValueMap value, a backslash escapes one of \" ' "
					    "\\ "
					    "b t n f r");
				g_string_append_c(value, e[1]);
				p++;
				continue;
			}
			g_string_append_c(value, *p++);
		}
		p = vmds_ovf_skip_space(p + 1);
		g_ptr_array_add(values, g_string_free(g_steal_pointer(&value), FALSE));
		if (*p == '}') {
			*pp = p + 1;
			return TRUE;
		}
		if (*p++ != ',')
			return vmds_ovf_qualifiers_fail(error,
							"ValueMap values are separated by commas");
		p = vmds_ovf_skip_space(p);
	}
}

/* a length: digits */
static gboolean
vmds_ovf_parse_length(const gchar *name, const gchar *arg, gint64 *length, GError **error)
{
	guint64 n;

	if (arg == NULL || strspn(arg, "0123456789") != strlen(arg) ||
	    !g_ascii_string_to_unsigned(arg, 10, 0, G_MAXINT64, &n, NULL)) {
		g_autofree gchar *why =
		    g_strdup_printf("%s takes a whole number: %s(8)", name, name);
		return vmds_ovf_qualifiers_fail(error, why);
	}
	*length = (gint64)n;
	return TRUE;
}

/*
 * ovf:qualifiers: a comma-separated list of Name, Name(arg) or
 * Name{"a", "b"}. MinLen, MaxLen, MinValue, MaxValue and ValueMap are kept;
 * others are ignored; one given twice is refused.
 */
static gboolean
vmds_ovf_parse_qualifiers(const gchar *text, VmdsOvfQualifiers *self, GError **error)
{
	const gchar *p = vmds_ovf_skip_space(text);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	self->min_len = -1;
	self->max_len = -1;
	if (*p == '\0')
		return TRUE;
	for (;;) {
		g_autofree gchar *name = NULL;
		g_autofree gchar *lower = NULL;
		g_autofree gchar *arg = NULL;
		g_autoptr(GPtrArray) list = NULL;
		const gchar *start = p;

		while (g_ascii_isalnum(*p) || *p == '_')
			p++;
		if (p == start)
			return vmds_ovf_qualifiers_fail(
			    error, "a qualifier is a name, Name(x) or Name{\"a\", \"b\"}");
		name = g_strndup(start, (gsize)(p - start));
		p = vmds_ovf_skip_space(p);
		if (*p == '(') {
			const gchar *close = strchr(p, ')');
			if (close == NULL)
				return vmds_ovf_qualifiers_fail(error, "a ( does not close");
			arg = g_strstrip(g_strndup(p + 1, (gsize)(close - p - 1)));
			p = close + 1;
		} else if (*p == '{') {
			p++;
			list = g_ptr_array_new_with_free_func(g_free);
			if (!vmds_ovf_parse_value_map(&p, list, error))
				return FALSE;
		}
		lower = g_ascii_strdown(name, -1);
		if (!g_hash_table_add(seen, g_strdup(lower))) {
			g_autofree gchar *why = g_strdup_printf("%s is given twice", name);
			return vmds_ovf_qualifiers_fail(error, why);
		}
		if (g_str_equal(lower, "minlen")) {
			if (!vmds_ovf_parse_length("MinLen", arg, &self->min_len, error))
				return FALSE;
		} else if (g_str_equal(lower, "maxlen")) {
			if (!vmds_ovf_parse_length("MaxLen", arg, &self->max_len, error))
				return FALSE;
		} else if (g_str_equal(lower, "minvalue") || g_str_equal(lower, "maxvalue")) {
			VmdsOvfInt n;
			if (arg == NULL || !vmds_ovf_int_parse(arg, &n)) {
				g_autofree gchar *why =
				    g_strdup_printf("%s takes a whole number: %s(8)", name, name);
				return vmds_ovf_qualifiers_fail(error, why);
			}
			if (lower[1] == 'i')
				self->min_value = g_steal_pointer(&arg);
			else
				self->max_value = g_steal_pointer(&arg);
		} else if (g_str_equal(lower, "valuemap")) {
			if (list == NULL)
				return vmds_ovf_qualifiers_fail(
				    error, "ValueMap takes a list: ValueMap{\"a\", \"b\"}");
			if (list->len == 0)
				return vmds_ovf_qualifiers_fail(error, "the ValueMap is empty");
			self->value_map = g_steal_pointer(&list);
		} else {
			g_debug("qualifier %s is ignored", name);
		}
		p = vmds_ovf_skip_space(p);
		if (*p == '\0')
			return TRUE;
		if (*p++ != ',')
			return vmds_ovf_qualifiers_fail(error,
							"qualifiers are separated by commas");
		p = vmds_ovf_skip_space(p);
	}
}

/* string["a", "b"], each quote and backslash escaped */
static gchar *
vmds_ovf_choice_type(GPtrArray *values)
{
	GString *type = g_string_new("string[");

	for (guint i = 0; i < values->len; i++) {
		const gchar *v = g_ptr_array_index(values, i);
		if (i > 0)
			g_string_append(type, ", ");
		g_string_append_c(type, '"');
		for (; *v != '\0'; v++) {
			if (*v == '"' || *v == '\\')
				g_string_append_c(type, '\\');
			g_string_append_c(type, *v);
		}
		g_string_append_c(type, '"');
	}
	g_string_append_c(type, ']');
	return g_string_free(type, FALSE);
}

/* NAME, NAME(x..), NAME(..y), NAME(x..y) of MinLen and MaxLen */
static gchar *
vmds_ovf_length_type(const gchar *name, const VmdsOvfQualifiers *q, GError **error)
{
	gint64 max_len = q->max_len;

	if (q->min_len < 0 && max_len < 0)
		return g_strdup(name);
	if (q->min_len > VMDS_VAPP_MAX_STRING) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "MinLen(%" G_GINT64_FORMAT ") is more than a vApp %s's %d characters",
			    q->min_len,
			    name,
			    VMDS_VAPP_MAX_STRING);
		return NULL;
	}
	/* a vApp string is at most 65535 characters whatever MaxLen says */
	if (max_len > VMDS_VAPP_MAX_STRING)
		max_len = VMDS_VAPP_MAX_STRING;
	if (q->min_len < 0)
		return g_strdup_printf("%s(..%" G_GINT64_FORMAT ")", name, max_len);
	if (max_len < 0)
		return g_strdup_printf("%s(%" G_GINT64_FORMAT "..)", name, q->min_len);
	return g_strdup_printf(
	    "%s(%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")", name, q->min_len, max_len);
}

/* @bound (MinValue or MaxValue) inside [@min, @max], else an error */
static gboolean
vmds_ovf_int_bound(const gchar *qualifier,
		   const gchar *text,
		   guint i,
		   const VmdsOvfInt *min,
		   const VmdsOvfInt *max,
		   VmdsOvfInt *bound,
		   GError **error)
{
	vmds_ovf_int_parse(text, bound);
	if (vmds_ovf_int_compare(bound, min) < 0 || vmds_ovf_int_compare(bound, max) > 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s(%s) is outside %s's %s..%s",
			    qualifier,
			    text,
			    vmds_ovf_int_types[i].name,
			    vmds_ovf_int_types[i].min,
			    vmds_ovf_int_types[i].max);
		return FALSE;
	}
	return TRUE;
}

/* a CIM integer type (index @i) with its qualifiers */
static gchar *
vmds_ovf_int_type(guint i, const VmdsOvfQualifiers *q, GError **error)
{
	VmdsOvfInt type_min, type_max, min, max;
	g_autofree gchar *low = NULL;
	g_autofree gchar *high = NULL;

	vmds_ovf_int_parse(vmds_ovf_int_types[i].min, &type_min);
	vmds_ovf_int_parse(vmds_ovf_int_types[i].max, &type_max);
	min = type_min;
	max = type_max;
	if (q->min_value != NULL &&
	    !vmds_ovf_int_bound("MinValue", q->min_value, i, &type_min, &type_max, &min, error))
		return NULL;
	if (q->max_value != NULL &&
	    !vmds_ovf_int_bound("MaxValue", q->max_value, i, &type_min, &type_max, &max, error))
		return NULL;
	if (vmds_ovf_int_compare(&min, &max) > 0) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "MinValue is more than MaxValue");
		return NULL;
	}
	if (q->min_len >= 0 || q->max_len >= 0)
		g_debug("MinLen and MaxLen of %s are ignored", vmds_ovf_int_types[i].name);
	low = vmds_ovf_int_to_string(&min);
	high = vmds_ovf_int_to_string(&max);
	if (q->value_map != NULL) {
		for (guint j = 0; j < q->value_map->len; j++) {
			const gchar *v = g_ptr_array_index(q->value_map, j);
			VmdsOvfInt n;
			if (!vmds_ovf_int_parse(v, &n) || vmds_ovf_int_compare(&n, &min) < 0 ||
			    vmds_ovf_int_compare(&n, &max) > 0) {
				g_set_error(error,
					    VMDS_ERROR,
					    VMDS_ERROR_INVALID_ARGUMENT,
					    "ValueMap value %u is not a whole number from %s to %s",
					    j + 1,
					    low,
					    high);
				return NULL;
			}
		}
		return vmds_ovf_choice_type(q->value_map);
	}
	if (g_str_equal(vmds_ovf_int_types[i].name, "sint32") &&
	    vmds_ovf_int_compare(&min, &type_min) == 0 &&
	    vmds_ovf_int_compare(&max, &type_max) == 0)
		return g_strdup("int");
	return g_strdup_printf("int(%s..%s)", low, high);
}

/* vmw:qualifiers: Ip, Ip('NETWORK') */
static gchar *
vmds_ovf_vmw_type(const gchar *vmw_qualifiers, GError **error)
{
	g_autofree gchar *text = g_strstrip(g_strdup(vmw_qualifiers));
	gsize len = strlen(text);

	if (g_ascii_strcasecmp(text, "Ip") == 0)
		return g_strdup("ip");
	if (len > 4 && g_ascii_strncasecmp(text, "Ip(", 3) == 0 && text[len - 1] == ')') {
		g_autofree gchar *network = g_strstrip(g_strndup(text + 3, len - 4));
		gsize n = strlen(network);
		if (n >= 2 && (network[0] == '\'' || network[0] == '"') &&
		    network[n - 1] == network[0]) {
			memmove(network, network + 1, n - 2);
			network[n - 2] = '\0';
		}
		if (network[0] != '\0')
			return g_strdup_printf("ip:%s", network);
	}
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "vmw:qualifiers '%s' is not supported: Ip and Ip('network') are",
		    text);
	return NULL;
}

/* the vApp type of an OVF Property (the table at the top) */
static gchar *
vmds_ovf_vapp_type(const gchar *ovf_type,
		   const gchar *qualifiers,
		   const gchar *vmw_qualifiers,
		   gboolean password,
		   GError **error)
{
	g_auto(VmdsOvfQualifiers) q = {0};

	if (!vmds_ovf_parse_qualifiers(qualifiers != NULL ? qualifiers : "", &q, error))
		return NULL;
	if (g_str_equal(ovf_type, "string")) {
		if (q.min_value != NULL || q.max_value != NULL)
			g_debug("MinValue and MaxValue of a string are ignored");
		if (vmw_qualifiers != NULL) {
			if (password) {
				g_set_error_literal(error,
						    VMDS_ERROR,
						    VMDS_ERROR_INVALID_ARGUMENT,
						    "an IP address (vmw:qualifiers) cannot be a "
						    "password (ovf:password)");
				return NULL;
			}
			return vmds_ovf_vmw_type(vmw_qualifiers, error);
		}
		if (password) {
			if (q.value_map != NULL) {
				g_set_error_literal(
				    error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "a password (ovf:password) cannot have a ValueMap: "
				    "vSphere's password type has no choices");
				return NULL;
			}
			return vmds_ovf_length_type("password", &q, error);
		}
		if (q.value_map != NULL)
			return vmds_ovf_choice_type(q.value_map);
		return vmds_ovf_length_type("string", &q, error);
	}
	if (vmw_qualifiers != NULL || password) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s applies to ovf:type string, not %s",
			    vmw_qualifiers != NULL ? "vmw:qualifiers" : "ovf:password",
			    ovf_type);
		return NULL;
	}
	for (guint i = 0; i < G_N_ELEMENTS(vmds_ovf_int_types); i++) {
		if (g_str_equal(ovf_type, vmds_ovf_int_types[i].name))
			return vmds_ovf_int_type(i, &q, error);
	}
	if (g_str_equal(ovf_type, "boolean"))
		return g_strdup("boolean");
	if (g_str_equal(ovf_type, "real32") || g_str_equal(ovf_type, "real64"))
		return g_strdup("real");
	if (g_str_equal(ovf_type, "expression"))
		return g_strdup("expression");
	g_set_error(
	    error,
	    VMDS_ERROR,
	    VMDS_ERROR_INVALID_ARGUMENT,
	    "ovf:type '%s' is not supported: string, boolean, uint8, sint8, uint16, sint16, "
	    "uint32, sint32, uint64, sint64, real32, real64 or expression are",
	    ovf_type);
	return NULL;
}

/* an attribute taken as text (@what and @name say which), at most 65535
 * characters */
static gboolean
vmds_ovf_reader_check_length(VmdsOvfReader *self,
			     const gchar *what,
			     const gchar *name,
			     const gchar *text)
{
	if (text == NULL || vmds_ovf_utf8_chars(text, strlen(text)) <= VMDS_VAPP_MAX_STRING)
		return TRUE;
	vmds_ovf_reader_fail(
	    self, "%s%s is longer than %d characters", what, name, VMDS_VAPP_MAX_STRING);
	return FALSE;
}

static VmdsOvfItem *
vmds_ovf_reader_current(VmdsOvfReader *self)
{
	return g_ptr_array_index(self->items, self->items->len - 1);
}

static void
vmds_ovf_reader_start_product(VmdsOvfReader *self, const xmlChar **attributes, int n_attributes)
{
	g_autofree gchar *class_id =
	    vmds_ovf_attr(attributes, n_attributes, VMDS_OVF_DESCRIPTOR_NS, "class");
	g_autofree gchar *instance_id =
	    vmds_ovf_attr(attributes, n_attributes, VMDS_OVF_DESCRIPTOR_NS, "instance");

	if (!vmds_ovf_reader_check_length(self, "a ProductSection's ", "ovf:class", class_id) ||
	    !vmds_ovf_reader_check_length(self, "a ProductSection's ", "ovf:instance", instance_id))
		return;
	if ((class_id != NULL && vmds_ovf_has_space(class_id)) ||
	    (instance_id != NULL && vmds_ovf_has_space(instance_id))) {
		vmds_ovf_reader_fail(
		    self, "a ProductSection's ovf:class or ovf:instance holds white space");
		return;
	}
	/* DSP8023: both default to "" */
	g_free(self->class_id);
	self->class_id =
	    class_id != NULL && class_id[0] != '\0' ? g_steal_pointer(&class_id) : NULL;
	g_free(self->instance_id);
	self->instance_id =
	    instance_id != NULL && instance_id[0] != '\0' ? g_steal_pointer(&instance_id) : NULL;
	g_clear_pointer(&self->category, g_free);
}

static void
vmds_ovf_reader_transports(VmdsOvfReader *self, const xmlChar **attributes, int n_attributes)
{
	g_autofree gchar *transport =
	    vmds_ovf_attr(attributes, n_attributes, VMDS_OVF_DESCRIPTOR_NS, "transport");
	g_auto(GStrv) tokens = NULL;

	if (transport == NULL)
		return;
	tokens = g_strsplit_set(transport, " \t\r\n,", -1);
	for (guint i = 0; tokens[i] != NULL; i++) {
		if (g_str_equal(tokens[i], "com.vmware.guestInfo"))
			self->guestinfo = TRUE;
		else if (g_str_equal(tokens[i], "iso"))
			self->iso = TRUE;
		else if (tokens[i][0] != '\0')
			g_debug("transport %s is ignored", tokens[i]);
	}
}

static void
vmds_ovf_reader_configuration(VmdsOvfReader *self, const xmlChar **attributes, int n_attributes)
{
	g_autofree gchar *id =
	    vmds_ovf_attr(attributes, n_attributes, VMDS_OVF_DESCRIPTOR_NS, "id");
	g_autofree gchar *is_default =
	    vmds_ovf_attr(attributes, n_attributes, VMDS_OVF_DESCRIPTOR_NS, "default");
	gboolean marked = FALSE;

	if (id == NULL) {
		vmds_ovf_reader_fail(self, "a Configuration has no ovf:id");
		return;
	}
	if (is_default != NULL && !vmds_ovf_parse_boolean(is_default, &marked)) {
		vmds_ovf_reader_fail(self, "configuration '%s': ovf:default is not a boolean", id);
		return;
	}
	/* the one marked default, else the first */
	if ((marked && !self->default_marked) || self->default_configuration == NULL) {
		g_free(self->default_configuration);
		self->default_configuration = g_steal_pointer(&id);
		self->default_marked = marked;
	}
}

static void
vmds_ovf_reader_start_property(VmdsOvfReader *self, const xmlChar **attributes, int n_attributes)
{
	const gchar *ns = VMDS_OVF_DESCRIPTOR_NS;
	g_autofree gchar *key = vmds_ovf_attr(attributes, n_attributes, ns, "key");
	g_autofree gchar *ovf_type = vmds_ovf_attr(attributes, n_attributes, ns, "type");
	g_autofree gchar *qualifiers = vmds_ovf_attr(attributes, n_attributes, ns, "qualifiers");
	g_autofree gchar *vmw_qualifiers =
	    vmds_ovf_attr(attributes, n_attributes, VMDS_OVF_DESCRIPTOR_VMW_NS, "qualifiers");
	g_autofree gchar *password_text = vmds_ovf_attr(attributes, n_attributes, ns, "password");
	g_autofree gchar *configurable_text =
	    vmds_ovf_attr(attributes, n_attributes, ns, "userConfigurable");
	g_autofree gchar *value = vmds_ovf_attr(attributes, n_attributes, ns, "value");
	g_autofree gchar *type = NULL;
	g_autofree gchar *env_key = NULL;
	g_autofree gchar *what = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean password = FALSE;
	gboolean configurable = FALSE;
	gpointer line_seen;
	VmdsOvfItem *item;

	if (self->items->len >= VMDS_OVF_DESCRIPTOR_MAX_PROPERTIES) {
		vmds_ovf_reader_fail(self,
				     "the OVF descriptor has more than %d properties",
				     VMDS_OVF_DESCRIPTOR_MAX_PROPERTIES);
		return;
	}
	if (key == NULL || key[0] == '\0') {
		vmds_ovf_reader_fail(self, "a Property has no ovf:key");
		return;
	}
	if (!vmds_ovf_reader_check_length(self, "a Property's ", "ovf:key", key))
		return;
	if (vmds_ovf_has_space(key)) {
		vmds_ovf_reader_fail(self, "property '%s': its ovf:key holds white space", key);
		return;
	}
	if (ovf_type == NULL) {
		vmds_ovf_reader_fail(self, "property '%s' has no ovf:type", key);
		return;
	}
	what = g_strdup_printf("property '%s': its ", key);
	if (!vmds_ovf_reader_check_length(self, what, "ovf:type", ovf_type) ||
	    !vmds_ovf_reader_check_length(self, what, "ovf:qualifiers", qualifiers) ||
	    !vmds_ovf_reader_check_length(self, what, "vmw:qualifiers", vmw_qualifiers) ||
	    !vmds_ovf_reader_check_length(self, what, "ovf:value", value))
		return;
	if (password_text != NULL && !vmds_ovf_parse_boolean(password_text, &password)) {
		vmds_ovf_reader_fail(self, "property '%s': ovf:password is not a boolean", key);
		return;
	}
	if (configurable_text != NULL &&
	    !vmds_ovf_parse_boolean(configurable_text, &configurable)) {
		vmds_ovf_reader_fail(
		    self, "property '%s': ovf:userConfigurable is not a boolean", key);
		return;
	}
	type = vmds_ovf_vapp_type(ovf_type, qualifiers, vmw_qualifiers, password, &error_local);
	item = g_new0(VmdsOvfItem, 1);
	item->property = vmds_vapp_property_new();
	item->values = g_ptr_array_new_with_free_func(g_free);
	item->line = xmlSAX2GetLineNumber(self->ctxt);
	g_ptr_array_add(self->items, item);
	if (type != NULL)
		item->type = vmds_vapp_type_parse(type, &error_local);
	if (item->type == NULL) {
		vmds_ovf_reader_fail(self, "property '%s': %s", key, error_local->message);
		return;
	}
	env_key = vmds_ovf_env_key(self->class_id, key, self->instance_id);
	if (g_hash_table_lookup_extended(self->env_keys, env_key, NULL, &line_seen)) {
		vmds_ovf_reader_fail(self,
				     "property '%s' is defined twice: line %d has the same key in "
				     "the OVF environment, '%s'",
				     key,
				     GPOINTER_TO_INT(line_seen),
				     env_key);
		return;
	}
	g_hash_table_insert(self->env_keys, g_steal_pointer(&env_key), GINT_TO_POINTER(item->line));
	item->property->id = g_steal_pointer(&key);
	item->property->class_id = g_strdup(self->class_id);
	item->property->instance_id = g_strdup(self->instance_id);
	item->property->category = g_strdup(self->category);
	item->property->user_configurable = configurable;
	item->property->type = g_steal_pointer(&type);
	/* DSP8023: ovf:value defaults to "" */
	item->property->default_value = value != NULL ? g_steal_pointer(&value) : g_strdup("");
	item->property->value = g_strdup("");
}

/* a Property's Value: its default in the configurations it names */
static void
vmds_ovf_reader_value(VmdsOvfReader *self, const xmlChar **attributes, int n_attributes)
{
	VmdsOvfItem *item = vmds_ovf_reader_current(self);
	g_autofree gchar *value =
	    vmds_ovf_attr(attributes, n_attributes, VMDS_OVF_DESCRIPTOR_NS, "value");
	g_autofree gchar *configuration =
	    vmds_ovf_attr(attributes, n_attributes, VMDS_OVF_DESCRIPTOR_NS, "configuration");

	if (value == NULL) {
		vmds_ovf_reader_fail(
		    self, "property '%s': a Value has no ovf:value", item->property->id);
		return;
	}
	if (!vmds_ovf_reader_check_length(self, "a Value's ", "ovf:value", value))
		return;
	if (configuration == NULL)
		return;
	g_ptr_array_add(item->values, g_steal_pointer(&configuration));
	g_ptr_array_add(item->values, g_steal_pointer(&value));
}

static void
vmds_ovf_reader_start_text(VmdsOvfReader *self)
{
	if (self->text != NULL)
		g_string_truncate(self->text, 0);
	else
		self->text = g_string_new(NULL);
	self->text_chars = 0;
}

/* the text read, stripped; NULL when empty */
static gchar *
vmds_ovf_reader_end_text(VmdsOvfReader *self)
{
	gchar *text = g_strstrip(g_strdup(self->text->str));

	if (text[0] == '\0')
		g_clear_pointer(&text, g_free);
	return text;
}

static VmdsOvfNode
vmds_ovf_reader_node(VmdsOvfReader *self, guint depth)
{
	return depth < VMDS_OVF_STACK ? self->stack[depth] : VMDS_OVF_NODE_OTHER;
}

static void
vmds_ovf_reader_start_element_cb(void *user_data,
				 const xmlChar *localname,
				 const xmlChar *prefix,
				 const xmlChar *uri,
				 int n_namespaces,
				 const xmlChar **namespaces,
				 int n_attributes,
				 int n_defaulted,
				 const xmlChar **attributes)
{
	VmdsOvfReader *self = user_data;
	const gchar *name = (const gchar *)localname;
	gboolean ovf = g_strcmp0((const gchar *)uri, VMDS_OVF_DESCRIPTOR_NS) == 0;
	VmdsOvfNode parent =
	    self->depth > 0 ? vmds_ovf_reader_node(self, self->depth - 1) : VMDS_OVF_NODE_OTHER;
	VmdsOvfNode node = VMDS_OVF_NODE_OTHER;

	if (self->error != NULL)
		return;
	if (self->depth == 0) {
		if (!ovf || !g_str_equal(name, "Envelope")) {
			vmds_ovf_reader_fail(self,
					     "the root element is {%s}%s, not an OVF Envelope (%s)",
					     uri != NULL ? (const gchar *)uri : "",
					     name,
					     VMDS_OVF_DESCRIPTOR_NS);
			return;
		}
		node = VMDS_OVF_NODE_ENVELOPE;
	} else if (ovf && parent == VMDS_OVF_NODE_ENVELOPE) {
		if (g_str_equal(name, "VirtualSystem")) {
			if (self->seen_system) {
				vmds_ovf_reader_fail(self,
						     "the Envelope holds a second VirtualSystem");
				return;
			}
			self->seen_system = TRUE;
			node = VMDS_OVF_NODE_VIRTUAL_SYSTEM;
		} else if (g_str_equal(name, "VirtualSystemCollection")) {
			vmds_ovf_reader_fail(self,
					     "a VirtualSystemCollection (a vApp of several VMs) is "
					     "not supported: one VirtualSystem is");
			return;
		} else if (g_str_equal(name, "ProductSection")) {
			vmds_ovf_reader_fail(self,
					     "a ProductSection directly in the Envelope is not "
					     "supported: it belongs in the VirtualSystem");
			return;
		} else if (g_str_equal(name, "DeploymentOptionSection")) {
			node = VMDS_OVF_NODE_DEPLOYMENT_OPTIONS;
		}
	} else if (ovf && parent == VMDS_OVF_NODE_DEPLOYMENT_OPTIONS) {
		if (g_str_equal(name, "Configuration"))
			vmds_ovf_reader_configuration(self, attributes, n_attributes);
	} else if (ovf && parent == VMDS_OVF_NODE_VIRTUAL_SYSTEM) {
		if (g_str_equal(name, "ProductSection")) {
			vmds_ovf_reader_start_product(self, attributes, n_attributes);
			node = VMDS_OVF_NODE_PRODUCT;
		} else if (g_str_equal(name, "VirtualHardwareSection")) {
			vmds_ovf_reader_transports(self, attributes, n_attributes);
		}
	} else if (ovf && parent == VMDS_OVF_NODE_PRODUCT) {
		if (g_str_equal(name, "Category")) {
			vmds_ovf_reader_start_text(self);
			node = VMDS_OVF_NODE_CATEGORY;
		} else if (g_str_equal(name, "Property")) {
			vmds_ovf_reader_start_property(self, attributes, n_attributes);
			node = VMDS_OVF_NODE_PROPERTY;
		}
	} else if (ovf && parent == VMDS_OVF_NODE_PROPERTY) {
		if (g_str_equal(name, "Label")) {
			vmds_ovf_reader_start_text(self);
			node = VMDS_OVF_NODE_LABEL;
		} else if (g_str_equal(name, "Description")) {
			vmds_ovf_reader_start_text(self);
			node = VMDS_OVF_NODE_DESCRIPTION;
		} else if (g_str_equal(name, "Value")) {
			vmds_ovf_reader_value(self, attributes, n_attributes);
		}
	}
	if (self->depth < VMDS_OVF_STACK)
		self->stack[self->depth] = node;
	self->depth++;
}

static void
vmds_ovf_reader_end_element_cb(void *user_data,
			       const xmlChar *localname,
			       const xmlChar *prefix,
			       const xmlChar *uri)
{
	VmdsOvfReader *self = user_data;
	VmdsOvfNode node;
	gchar **field = NULL;

	if (self->error != NULL || self->depth == 0)
		return;
	self->depth--;
	node = vmds_ovf_reader_node(self, self->depth);
	if (node == VMDS_OVF_NODE_CATEGORY) {
		g_free(self->category);
		self->category = vmds_ovf_reader_end_text(self);
	} else if (node == VMDS_OVF_NODE_LABEL) {
		field = &vmds_ovf_reader_current(self)->property->label;
	} else if (node == VMDS_OVF_NODE_DESCRIPTION) {
		field = &vmds_ovf_reader_current(self)->property->description;
	} else if (node == VMDS_OVF_NODE_PRODUCT) {
		g_clear_pointer(&self->class_id, g_free);
		g_clear_pointer(&self->instance_id, g_free);
		g_clear_pointer(&self->category, g_free);
	}
	/* the first Label, the first Description */
	if (field != NULL && *field == NULL)
		*field = vmds_ovf_reader_end_text(self);
}

static void
vmds_ovf_reader_characters_cb(void *user_data, const xmlChar *ch, int len)
{
	VmdsOvfReader *self = user_data;
	VmdsOvfNode node;

	if (self->error != NULL || self->depth == 0 || len <= 0)
		return;
	node = vmds_ovf_reader_node(self, self->depth - 1);
	if (node != VMDS_OVF_NODE_CATEGORY && node != VMDS_OVF_NODE_LABEL &&
	    node != VMDS_OVF_NODE_DESCRIPTION)
		return;
	self->text_chars += vmds_ovf_utf8_chars((const gchar *)ch, (gsize)len);
	if (self->text_chars > VMDS_VAPP_MAX_STRING) {
		vmds_ovf_reader_fail(self,
				     "a %s is longer than %d characters",
				     node == VMDS_OVF_NODE_CATEGORY ? "Category"
				     : node == VMDS_OVF_NODE_LABEL  ? "Label"
								    : "Description",
				     VMDS_VAPP_MAX_STRING);
		return;
	}
	g_string_append_len(self->text, (const gchar *)ch, len);
}

/* TRUE when space-separated @list holds @word */
static gboolean
vmds_ovf_list_has(const gchar *list, const gchar *word)
{
	g_auto(GStrv) words = g_strsplit_set(list, " \t\r\n", -1);

	return g_strv_contains((const gchar *const *)words, word);
}

/* after the document: the default configuration's values, each default
 * value against its type */
static gboolean
vmds_ovf_reader_finish(VmdsOvfReader *self, GError **error)
{
	if (!self->seen_system) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "the OVF descriptor has no VirtualSystem");
		return FALSE;
	}
	for (guint i = 0; i < self->items->len; i++) {
		VmdsOvfItem *item = g_ptr_array_index(self->items, i);
		VmdsVappProperty *property = item->property;
		g_autoptr(GError) error_local = NULL;

		for (guint j = 0; self->default_configuration != NULL && j < item->values->len;
		     j += 2) {
			if (vmds_ovf_list_has(g_ptr_array_index(item->values, j),
					      self->default_configuration)) {
				g_free(property->default_value);
				property->default_value =
				    g_strdup(g_ptr_array_index(item->values, j + 1));
				break;
			}
		}
		/* expression, ip:NET: the default is an expression, not a value */
		if (vmds_vapp_type_get_kind(item->type) == VMDS_VAPP_UNSUPPORTED)
			continue;
		if (!vmds_vapp_type_check(item->type, property->default_value, &error_local)) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "line %d: property '%s', default value: %s",
				    item->line,
				    property->id,
				    error_local->message);
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * vmds_ovf_descriptor_parse:
 * @data: (array length=len): an OVF descriptor, from a peer: any bytes
 * @len: its length in bytes
 * @error: a #GError or %NULL
 *
 * Reads the vApp properties and transports of the descriptor's
 * VirtualSystem, as vSphere deploys it with its defaults (the table at the
 * top of this file).
 *
 * Returns: (transfer full): the properties and transports; %NULL with
 *   %VMDS_ERROR_INVALID_ARGUMENT saying what is wrong, with its line
 */
VmdsOvfDescriptor *
vmds_ovf_descriptor_parse(const gchar *data, gsize len, GError **error)
{
	g_autoptr(VmdsOvfReader) self = NULL;
	VmdsOvfDescriptor *descriptor;
	xmlParserCtxtPtr ctxt;
	xmlStructuredErrorFunc old_handler;
	void *old_context;
	const gchar *end = NULL;
	gboolean well_formed;

	g_return_val_if_fail(data != NULL || len == 0, NULL);

	if (len > VMDS_OVF_DESCRIPTOR_MAX) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "the OVF descriptor is %" G_GSIZE_FORMAT
			    " bytes, more than %d: refused",
			    len,
			    VMDS_OVF_DESCRIPTOR_MAX);
		return NULL;
	}
	if (len == 0) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "the OVF descriptor is empty");
		return NULL;
	}
	/* whatever its XML declaration says (XML_PARSE_IGNORE_ENC) */
	if (!g_utf8_validate_len(data, len, &end)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "the OVF descriptor is not UTF-8 (byte %" G_GSIZE_FORMAT "): refused",
			    (gsize)(end - data));
		return NULL;
	}

	self = g_new0(VmdsOvfReader, 1);
	self->items = g_ptr_array_new_with_free_func((GDestroyNotify)vmds_ovf_item_free);
	self->env_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	xmlInitParser();
	ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
	if (ctxt == NULL) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INTERNAL,
				    "the OVF descriptor could not be read: no parser");
		return NULL;
	}
	/* no XML_PARSE_NOENT, XML_PARSE_DTDLOAD or XML_PARSE_HUGE, ever */
	xmlCtxtUseOptions(
	    ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);
	/* SAX2 only: nothing but these callbacks, so no tree and no entities */
	memset(ctxt->sax, 0, sizeof(xmlSAXHandler));
	ctxt->sax->initialized = XML_SAX2_MAGIC;
	ctxt->sax->startElementNs = vmds_ovf_reader_start_element_cb;
	ctxt->sax->endElementNs = vmds_ovf_reader_end_element_cb;
	ctxt->sax->characters = vmds_ovf_reader_characters_cb;
	ctxt->sax->cdataBlock = vmds_ovf_reader_characters_cb;
	ctxt->sax->ignorableWhitespace = vmds_ovf_reader_characters_cb;
	ctxt->sax->internalSubset = vmds_ovf_reader_dtd_cb;
	ctxt->sax->serror = vmds_ovf_reader_error_cb;
	ctxt->userData = self;
	self->ctxt = ctxt;

	/* errors libxml2 raises without the parser context: here too, for the
	 * parse only (the handler is per thread) */
	old_handler = xmlStructuredError;
	old_context = xmlStructuredErrorContext;
	xmlSetStructuredErrorFunc(self, vmds_ovf_reader_error_cb);
	xmlParseDocument(ctxt);
	xmlSetStructuredErrorFunc(old_context, old_handler);

	well_formed = ctxt->wellFormed && ctxt->nsWellFormed;
	if (self->error == NULL && !well_formed)
		g_set_error(&self->error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "line %d: not well-formed XML",
			    ctxt->lastError.line);
	self->ctxt = NULL;
	xmlFreeParserCtxt(ctxt);
	if (self->error != NULL) {
		g_propagate_error(error, g_steal_pointer(&self->error));
		return NULL;
	}
	if (!vmds_ovf_reader_finish(self, error))
		return NULL;

	descriptor = g_new0(VmdsOvfDescriptor, 1);
	descriptor->properties =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_vapp_property_free);
	for (guint i = 0; i < self->items->len; i++) {
		VmdsOvfItem *item = g_ptr_array_index(self->items, i);
		g_ptr_array_add(descriptor->properties, g_steal_pointer(&item->property));
	}
	descriptor->transport_guestinfo = self->guestinfo;
	descriptor->transport_iso = self->iso;
	return descriptor;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "vmds-error.h"
#include "vmds-ovf-env-reader.h"

/*
 * The OVF environment as a guest reads it (DMTF DSP0243, its schema
 * DSP8027 ovf-environment.xsd), checked before a property is believed:
 *
 *  - at most VMDS_OVF_ENV_READER_MAX_SIZE bytes, starting with an XML
 *    declaration (`<?xml`, after a UTF-8 byte order mark if any), which
 *    cloud-init requires;
 *  - well-formed and namespace-well-formed XML, read by libxml2 without a
 *    network, with no document type declaration at all (so no entity can be
 *    declared, let alone expanded: the parser stops at `<!DOCTYPE`);
 *  - the root element Environment in the environment namespace; of its
 *    children in that namespace, PlatformSection, at most one
 *    PropertySection (cloud-init reads only the first, so a second would be
 *    read differently) and Entity elements (with their required oe:id) are
 *    allowed, elements of other namespaces are extensions and skipped, and
 *    elements in no namespace are refused;
 *  - in PropertySection, Property elements, each with an oe:key (not empty)
 *    and an oe:value, both attributes looked up by namespace, never by
 *    prefix; a key given twice is refused.
 *
 * Properties of an Entity (another VM of a vApp) are not the guest's own:
 * they are checked for their oe:id only, and not read.
 */

struct _VmdsOvfEnvReader {
	GArray *properties; /* of VmdsOvfEnvProperty, strings in @strings */
	GStringChunk *strings;
	GHashTable *index; /* key → value, both in @strings */
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

static void
vmds_ovf_env_reader_xml_free(xmlChar *text)
{
	xmlFree(text);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlChar, vmds_ovf_env_reader_xml_free)

/* what the parser reported, through its context's _private */
typedef struct {
	gboolean dtd;
	gchar *message; /* the first error */
	gint line;
} VmdsOvfEnvReaderParse;

/* a DOCTYPE: stop here, before its internal subset is even read */
static void
vmds_ovf_env_reader_internal_subset_cb(void *ctx,
				       const xmlChar *name,
				       const xmlChar *external_id,
				       const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	VmdsOvfEnvReaderParse *parse = ctxt->_private;

	parse->dtd = TRUE;
	xmlStopParser(ctxt);
}

/* libxml2 2.12 made the error const */
#if LIBXML_VERSION >= 21200
typedef const xmlError *VmdsOvfEnvReaderXmlError;
#else
typedef xmlError *VmdsOvfEnvReaderXmlError;
#endif

/* keeps the first error, prints nothing */
static void
vmds_ovf_env_reader_error_cb(void *ctx, VmdsOvfEnvReaderXmlError error)
{
	xmlParserCtxtPtr ctxt = ctx;
	VmdsOvfEnvReaderParse *parse = ctxt->_private;

	if (error == NULL || error->level < XML_ERR_ERROR || parse->message != NULL)
		return;
	parse->message = g_strchomp(g_strdup(error->message != NULL ? error->message : "error"));
	parse->line = error->line;
}

static gboolean
vmds_ovf_env_reader_is(xmlNodePtr node, const gchar *name)
{
	return node->ns != NULL && g_strcmp0((const gchar *)node->ns->href, VMDS_OVF_ENV_NS) == 0 &&
	       g_strcmp0((const gchar *)node->name, name) == 0;
}

/*
 * an element of the environment's namespace that is not @allowed: refused;
 * one in no namespace: refused (a missing xmlns); another namespace's:
 * an extension, skipped
 */
static gboolean
vmds_ovf_env_reader_check_child(xmlNodePtr node,
				const gchar *parent,
				const gchar *const *allowed,
				GError **error)
{
	if (node->ns == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "element %s at line %ld is in no namespace, not in %s",
			    (const gchar *)node->name,
			    xmlGetLineNo(node),
			    VMDS_OVF_ENV_NS);
		return FALSE;
	}
	if (g_strcmp0((const gchar *)node->ns->href, VMDS_OVF_ENV_NS) != 0)
		return TRUE;
	if (g_strv_contains(allowed, (const gchar *)node->name))
		return TRUE;
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "unexpected element %s in %s at line %ld",
		    (const gchar *)node->name,
		    parent,
		    xmlGetLineNo(node));
	return FALSE;
}

/* the attribute @name of the environment's namespace, or an error saying
 * where an attribute of that name is instead */
static xmlChar *
vmds_ovf_env_reader_get_attr(xmlNodePtr node, const gchar *name, GError **error)
{
	xmlChar *value = xmlGetNsProp(node, BAD_CAST name, BAD_CAST VMDS_OVF_ENV_NS);
	g_autofree gchar *hint = NULL;

	if (value != NULL)
		return value;
	for (xmlAttrPtr attr = node->properties; attr != NULL; attr = attr->next) {
		if (g_strcmp0((const gchar *)attr->name, name) != 0)
			continue;
		hint = attr->ns == NULL ? g_strdup_printf(" (its %s is in no namespace)", name)
					: g_strdup_printf(" (its %s is in namespace %s)",
							  name,
							  (const gchar *)attr->ns->href);
		break;
	}
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "element %s at line %ld has no attribute %s in namespace %s%s",
		    (const gchar *)node->name,
		    xmlGetLineNo(node),
		    name,
		    VMDS_OVF_ENV_NS,
		    hint != NULL ? hint : "");
	return NULL;
}

static gboolean
vmds_ovf_env_reader_add_property(VmdsOvfEnvReader *self,
				 xmlNodePtr node,
				 GHashTable *lines,
				 GError **error)
{
	g_autoptr(xmlChar) key = vmds_ovf_env_reader_get_attr(node, "key", error);
	g_autoptr(xmlChar) value = NULL;
	VmdsOvfEnvProperty prop;
	gpointer first_line;

	if (key == NULL)
		return FALSE;
	if (key[0] == '\0') {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "element Property at line %ld has an empty key",
			    xmlGetLineNo(node));
		return FALSE;
	}
	value = vmds_ovf_env_reader_get_attr(node, "value", error);
	if (value == NULL) {
		g_prefix_error(error, "property '%s': ", (const gchar *)key);
		return FALSE;
	}
	first_line = g_hash_table_lookup(lines, key);
	if (first_line != NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "property '%s' is given twice, at lines %ld and %ld",
			    (const gchar *)key,
			    (long)GPOINTER_TO_SIZE(first_line),
			    xmlGetLineNo(node));
		return FALSE;
	}
	prop.key = g_string_chunk_insert(self->strings, (const gchar *)key);
	prop.value = g_string_chunk_insert(self->strings, (const gchar *)value);
	g_array_append_val(self->properties, prop);
	g_hash_table_insert(self->index, (gpointer)prop.key, (gpointer)prop.value);
	g_hash_table_insert(lines, (gpointer)prop.key, GSIZE_TO_POINTER(xmlGetLineNo(node)));
	return TRUE;
}

static gboolean
vmds_ovf_env_reader_read_section(VmdsOvfEnvReader *self, xmlNodePtr section, GError **error)
{
	const gchar *const allowed[] = {"Property", NULL};
	g_autoptr(GHashTable) lines = g_hash_table_new(g_str_hash, g_str_equal);

	for (xmlNodePtr node = section->children; node != NULL; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (!vmds_ovf_env_reader_check_child(node, "PropertySection", allowed, error))
			return FALSE;
		if (!vmds_ovf_env_reader_is(node, "Property"))
			continue;
		if (!vmds_ovf_env_reader_add_property(self, node, lines, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
vmds_ovf_env_reader_read_root(VmdsOvfEnvReader *self, xmlNodePtr root, GError **error)
{
	const gchar *const allowed[] = {"PlatformSection", "PropertySection", "Entity", NULL};
	xmlNodePtr section = NULL;

	if (g_strcmp0((const gchar *)root->name, "Environment") != 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "the root element is %s, not Environment",
			    (const gchar *)root->name);
		return FALSE;
	}
	if (root->ns == NULL || g_strcmp0((const gchar *)root->ns->href, VMDS_OVF_ENV_NS) != 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "the root element Environment is in %s%s, not in %s",
			    root->ns == NULL ? "no namespace" : "namespace ",
			    root->ns == NULL ? "" : (const gchar *)root->ns->href,
			    VMDS_OVF_ENV_NS);
		return FALSE;
	}
	for (xmlNodePtr node = root->children; node != NULL; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (!vmds_ovf_env_reader_check_child(node, "Environment", allowed, error))
			return FALSE;
		if (vmds_ovf_env_reader_is(node, "Entity")) {
			g_autoptr(xmlChar) id = vmds_ovf_env_reader_get_attr(node, "id", error);
			if (id == NULL)
				return FALSE;
		} else if (vmds_ovf_env_reader_is(node, "PropertySection")) {
			if (section != NULL) {
				g_set_error(error,
					    VMDS_ERROR,
					    VMDS_ERROR_INVALID_ARGUMENT,
					    "a second PropertySection at line %ld (the first is "
					    "at line %ld)",
					    xmlGetLineNo(node),
					    xmlGetLineNo(section));
				return FALSE;
			}
			section = node;
			if (!vmds_ovf_env_reader_read_section(self, node, error))
				return FALSE;
		}
	}
	return TRUE;
}

/* [cloud-init] the document starts with an XML declaration */
static gboolean
vmds_ovf_env_reader_has_declaration(const gchar *data, gsize len)
{
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	return len > 5 && memcmp(data, "<?xml", 5) == 0 &&
	       (data[5] == ' ' || data[5] == '\t' || data[5] == '\r' || data[5] == '\n');
}

static xmlDocPtr
vmds_ovf_env_reader_parse(const gchar *data, gsize len, GError **error)
{
	g_autoptr(xmlParserCtxt) ctxt = NULL;
	VmdsOvfEnvReaderParse parse = {FALSE, NULL, 0};
	g_autofree gchar *message = NULL;
	xmlDocPtr doc;
	gboolean well_formed;
	gboolean ns_well_formed;

	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL || ctxt->sax == NULL) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INTERNAL, "cannot make an XML parser");
		return NULL;
	}
	ctxt->_private = &parse;
	ctxt->sax->internalSubset = vmds_ovf_env_reader_internal_subset_cb;
	ctxt->sax->serror = vmds_ovf_env_reader_error_cb;
	/* no network, no entity substitution, no DTD loaded or validated */
	doc = xmlCtxtReadMemory(ctxt,
				data,
				(int)len,
				"ovf-env.xml",
				NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				    XML_PARSE_BIG_LINES);
	well_formed = ctxt->wellFormed;
	ns_well_formed = ctxt->nsWellFormed;
	message = g_steal_pointer(&parse.message);
	if (parse.dtd) {
		if (doc != NULL)
			xmlFreeDoc(doc);
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "it has a document type declaration (<!DOCTYPE), which an OVF "
				    "environment may not have");
		return NULL;
	}
	if (doc == NULL || !well_formed || !ns_well_formed) {
		if (doc != NULL)
			xmlFreeDoc(doc);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "it is not %swell-formed XML: line %d: %s",
			    well_formed && doc != NULL ? "namespace-" : "",
			    parse.line,
			    message != NULL ? message : "parse error");
		return NULL;
	}
	return doc;
}

/**
 * vmds_ovf_env_reader_new:
 * @doc: an OVF environment document
 * @error: a #GError or %NULL
 *
 * Parses and checks @doc (see the top of this file for what is checked).
 *
 * Returns: (transfer full): a reader holding the Environment's own
 *   properties; %NULL with %VMDS_ERROR_TOO_LARGE for a document over
 *   %VMDS_OVF_ENV_READER_MAX_SIZE bytes, %VMDS_ERROR_INVALID_ARGUMENT for any
 *   other flaw, the message saying which
 */
VmdsOvfEnvReader *
vmds_ovf_env_reader_new(GBytes *doc, GError **error)
{
	g_autoptr(VmdsOvfEnvReader) self = NULL;
	g_autoptr(xmlDoc) xml = NULL;
	gsize len = 0;
	const gchar *data;
	xmlNodePtr root;

	g_return_val_if_fail(doc != NULL, NULL);

	data = g_bytes_get_data(doc, &len);
	if (len > VMDS_OVF_ENV_READER_MAX_SIZE) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_TOO_LARGE,
			    "the OVF environment is over %u bytes",
			    (guint)VMDS_OVF_ENV_READER_MAX_SIZE);
		return NULL;
	}
	if (len == 0) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "the OVF environment is empty");
		return NULL;
	}
	if (!vmds_ovf_env_reader_has_declaration(data, len)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "the OVF environment does not start with an XML declaration "
				    "(<?xml version=\"1.0\" ...?>)");
		return NULL;
	}
	xml = vmds_ovf_env_reader_parse(data, len, error);
	if (xml == NULL) {
		g_prefix_error(error, "the OVF environment is broken: ");
		return NULL;
	}
	self = g_new0(VmdsOvfEnvReader, 1);
	self->properties = g_array_new(FALSE, FALSE, sizeof(VmdsOvfEnvProperty));
	self->strings = g_string_chunk_new(1024);
	self->index = g_hash_table_new(g_str_hash, g_str_equal);
	root = xmlDocGetRootElement(xml);
	if (root == NULL || !vmds_ovf_env_reader_read_root(self, root, error)) {
		if (root == NULL)
			g_set_error_literal(error,
					    VMDS_ERROR,
					    VMDS_ERROR_INVALID_ARGUMENT,
					    "it has no root element");
		g_prefix_error(error, "the OVF environment is broken: ");
		return NULL;
	}
	return g_steal_pointer(&self);
}

/**
 * vmds_ovf_env_reader_get_properties:
 * @self: a reader
 * @n_properties: (out): how many
 *
 * Returns: (array length=n_properties) (transfer none): the properties, in
 *   the document's order, owned by @self
 */
const VmdsOvfEnvProperty *
vmds_ovf_env_reader_get_properties(VmdsOvfEnvReader *self, guint *n_properties)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(n_properties != NULL, NULL);

	*n_properties = self->properties->len;
	return (const VmdsOvfEnvProperty *)(gpointer)self->properties->data;
}

/**
 * vmds_ovf_env_reader_lookup:
 * @self: a reader
 * @key: a property's key, compared byte for byte
 *
 * Returns: (nullable) (transfer none): its value, or %NULL when the
 *   environment has no property @key
 */
const gchar *
vmds_ovf_env_reader_lookup(VmdsOvfEnvReader *self, const gchar *key)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(key != NULL, NULL);

	return g_hash_table_lookup(self->index, key);
}

void
vmds_ovf_env_reader_free(VmdsOvfEnvReader *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->index);
	g_string_chunk_free(self->strings);
	g_array_unref(self->properties);
	g_free(self);
}

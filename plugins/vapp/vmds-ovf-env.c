/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <libxml/xmlwriter.h>

#include "vmds-error.h"
#include "vmds-ovf-env.h"

/*
 * The OVF environment document a guest reads (DMTF DSP0243), shaped as
 * vCenter writes it, so that what reads vCenter's (cloud-init's OVF
 * datasource, appliances' first-boot scripts) reads ours:
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <Environment xmlns="http://schemas.dmtf.org/ovf/environment/1"
 *        xmlns:oe="http://schemas.dmtf.org/ovf/environment/1"
 *        xmlns:ve="http://www.vmware.com/schema/ovfenv"
 *        oe:id="" ve:vCenterId="vm-3">
 *     <PlatformSection>
 *       <Kind>vmds</Kind> <Version>...</Version> <Vendor>vmds</Vendor>
 *       <Locale>en</Locale>
 *     </PlatformSection>
 *     <PropertySection>
 *       <Property oe:key="KEY" oe:value="VALUE"/> ...
 *     </PropertySection>
 *   </Environment>
 *
 * written by libxml2's writer (every value escaped by it, never pasted in).
 */

/**
 * vmds_ovf_env_key:
 * @class_id: (nullable): the property's classId
 * @id: its id
 * @instance_id: (nullable): its instanceId
 *
 * Returns: (transfer full): its key in the environment,
 *   `classId.id.instanceId` with the empty parts left out
 */
gchar *
vmds_ovf_env_key(const gchar *class_id, const gchar *id, const gchar *instance_id)
{
	GString *key = g_string_new(NULL);

	if (class_id != NULL && class_id[0] != '\0')
		g_string_append_printf(key, "%s.", class_id);
	g_string_append(key, id);
	if (instance_id != NULL && instance_id[0] != '\0')
		g_string_append_printf(key, ".%s", instance_id);
	return g_string_free(key, FALSE);
}

/**
 * vmds_ovf_env_check_text:
 * @what: what @text is, for the message ("the value of property 'x'")
 * @text: text bound for the environment
 * @error: a #GError or %NULL
 *
 * XML 1.0 cannot carry every character: not the C0 controls but tab,
 * newline and carriage return, nor U+FFFE and U+FFFF.
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when @text holds one,
 *   or is not UTF-8
 */
gboolean
vmds_ovf_env_check_text(const gchar *what, const gchar *text, GError **error)
{
	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "%s is not UTF-8", what);
		return FALSE;
	}
	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xfffe ||
		    c == 0xffff) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "%s holds U+%04X, which an OVF environment (XML 1.0) cannot "
				    "carry",
				    what,
				    c);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
vmds_ovf_env_element(xmlTextWriterPtr writer, const gchar *name, const gchar *text)
{
	return xmlTextWriterWriteElement(writer, BAD_CAST name, BAD_CAST text) >= 0;
}

/**
 * vmds_ovf_env_write:
 * @vm_id: the VM's id, as `ve:vCenterId`
 * @properties: (array length=n_properties): the properties, in order
 * @n_properties: how many
 * @error: a #GError or %NULL
 *
 * Returns: (transfer full): the environment document, UTF-8; %NULL with
 *   %VMDS_ERROR_INVALID_ARGUMENT when a key or value cannot be carried
 *   (vmds_ovf_env_check_text())
 */
GBytes *
vmds_ovf_env_write(const gchar *vm_id,
		   const VmdsOvfEnvProperty *properties,
		   guint n_properties,
		   GError **error)
{
	xmlBufferPtr buf;
	xmlTextWriterPtr writer;
	gboolean ok;
	GBytes *doc = NULL;

	for (guint i = 0; i < n_properties; i++) {
		g_autofree gchar *what = g_strdup_printf("the value of property %u", i);
		if (!vmds_ovf_env_check_text("a property key", properties[i].key, error) ||
		    !vmds_ovf_env_check_text(what, properties[i].value, error))
			return NULL;
	}
	buf = xmlBufferCreate();
	writer = xmlNewTextWriterMemory(buf, 0);
	ok = buf != NULL && writer != NULL && xmlTextWriterSetIndent(writer, 1) >= 0 &&
	     xmlTextWriterSetIndentString(writer, BAD_CAST "  ") >= 0 &&
	     xmlTextWriterStartDocument(writer, "1.0", "UTF-8", NULL) >= 0 &&
	     xmlTextWriterStartElementNS(
		 writer, NULL, BAD_CAST "Environment", BAD_CAST VMDS_OVF_ENV_NS) >= 0 &&
	     xmlTextWriterWriteAttribute(writer, BAD_CAST "xmlns:oe", BAD_CAST VMDS_OVF_ENV_NS) >=
		 0 &&
	     xmlTextWriterWriteAttribute(
		 writer, BAD_CAST "xmlns:ve", BAD_CAST VMDS_OVF_ENV_VE_NS) >= 0 &&
	     xmlTextWriterWriteAttribute(writer, BAD_CAST "oe:id", BAD_CAST "") >= 0 &&
	     xmlTextWriterWriteAttribute(writer, BAD_CAST "ve:vCenterId", BAD_CAST vm_id) >= 0 &&
	     xmlTextWriterStartElement(writer, BAD_CAST "PlatformSection") >= 0 &&
	     vmds_ovf_env_element(writer, "Kind", "vmds") &&
	     vmds_ovf_env_element(writer, "Version", VMDS_VERSION) &&
	     vmds_ovf_env_element(writer, "Vendor", "vmds") &&
	     vmds_ovf_env_element(writer, "Locale", "en") && xmlTextWriterEndElement(writer) >= 0 &&
	     xmlTextWriterStartElement(writer, BAD_CAST "PropertySection") >= 0;
	for (guint i = 0; ok && i < n_properties; i++) {
		ok = xmlTextWriterStartElement(writer, BAD_CAST "Property") >= 0 &&
		     xmlTextWriterWriteAttribute(
			 writer, BAD_CAST "oe:key", BAD_CAST properties[i].key) >= 0 &&
		     xmlTextWriterWriteAttribute(
			 writer, BAD_CAST "oe:value", BAD_CAST properties[i].value) >= 0 &&
		     xmlTextWriterEndElement(writer) >= 0;
	}
	ok = ok && xmlTextWriterEndDocument(writer) >= 0;
	if (writer != NULL)
		xmlFreeTextWriter(writer);
	if (ok)
		doc = g_bytes_new(xmlBufferContent(buf), (gsize)xmlBufferLength(buf));
	else
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INTERNAL,
				    "the OVF environment could not be written");
	if (buf != NULL)
		xmlBufferFree(buf);
	return doc;
}

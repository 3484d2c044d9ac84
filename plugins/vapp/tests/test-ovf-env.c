/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdlib.h>

#include "vmds-error.h"
#include "vmds-ovf-env.h"
#include "vmds-vapp-type.h"

/*
 * The OVF environment: what a namespace-aware parser (libxml2, as
 * cloud-init's minidom-based reader looks up oe:key and oe:value) finds in
 * it is exactly what was written, whatever the text holds.
 */

static xmlDocPtr
parse(GBytes *doc)
{
	gsize len;
	const gchar *data = g_bytes_get_data(doc, &len);
	xmlDocPtr xml = xmlReadMemory(data, (int)len, "ovf-env.xml", NULL, XML_PARSE_NONET);

	ck_assert_msg(xml != NULL, "not XML: %.*s", (int)len, data);
	return xml;
}

/* the text of the nodes @xpath selects, joined with '|' */
static gchar *
select_text(xmlDocPtr xml, const gchar *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(xml);
	xmlXPathObjectPtr result;
	GString *out = g_string_new(NULL);

	xmlXPathRegisterNs(ctx, BAD_CAST "e", BAD_CAST VMDS_OVF_ENV_NS);
	xmlXPathRegisterNs(ctx, BAD_CAST "ve", BAD_CAST VMDS_OVF_ENV_VE_NS);
	result = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	ck_assert_msg(result != NULL, "%s", xpath);
	for (int i = 0; result->nodesetval != NULL && i < result->nodesetval->nodeNr; i++) {
		xmlChar *text = xmlNodeGetContent(result->nodesetval->nodeTab[i]);
		if (i > 0)
			g_string_append_c(out, '|');
		g_string_append(out, (const gchar *)text);
		xmlFree(text);
	}
	xmlXPathFreeObject(result);
	xmlXPathFreeContext(ctx);
	return g_string_free(out, FALSE);
}

START_TEST(test_ovf_env_shape)
{
	const VmdsOvfEnvProperty props[] = {
	    {"hostname", "web01"},
	    {"vami.ip0.VM_1", "192.0.2.10"},
	    {"user-data", "I2Nsb3VkLWNvbmZpZwo="},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) doc = vmds_ovf_env_write("vm-3", props, G_N_ELEMENTS(props), &error);
	const gchar *data;
	xmlDocPtr xml;

	ck_assert_msg(doc != NULL, "%s", error->message);
	data = g_bytes_get_data(doc, NULL);
	/* what cloud-init requires first */
	ck_assert(g_str_has_prefix(data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	xml = parse(doc);
	{
		g_autofree gchar *keys =
		    select_text(xml, "/e:Environment/e:PropertySection/e:Property/@e:key");
		g_autofree gchar *values =
		    select_text(xml, "/e:Environment/e:PropertySection/e:Property/@e:value");
		g_autofree gchar *vc = select_text(xml, "/e:Environment/@ve:vCenterId");
		g_autofree gchar *id = select_text(xml, "/e:Environment/@e:id");
		g_autofree gchar *kind =
		    select_text(xml, "/e:Environment/e:PlatformSection/e:Kind");
		g_autofree gchar *locale =
		    select_text(xml, "/e:Environment/e:PlatformSection/e:Locale");
		ck_assert_str_eq(keys, "hostname|vami.ip0.VM_1|user-data");
		ck_assert_str_eq(values, "web01|192.0.2.10|I2Nsb3VkLWNvbmZpZwo=");
		ck_assert_str_eq(vc, "vm-3");
		ck_assert_str_eq(id, "");
		ck_assert_str_eq(kind, "vmds");
		ck_assert_str_eq(locale, "en");
	}
	xmlFreeDoc(xml);
}
END_TEST

/* every value comes back as written, escaped by the writer */
START_TEST(test_ovf_env_escaping)
{
	const gchar *values[] = {
	    "a & b",
	    "<script>\"quoted\" 'single'</script>",
	    "line one\nline two\r\n\ttabbed",
	    "]]> &amp; &#x41; not entities",
	    "é€😀 unicode",
	    "  leading and trailing  ",
	    "",
	};
	for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
		VmdsOvfEnvProperty prop = {"k", values[i]};
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) doc = vmds_ovf_env_write("vm-1", &prop, 1, &error);
		xmlDocPtr xml;
		g_autofree gchar *got = NULL;

		ck_assert_msg(doc != NULL, "%s", error->message);
		xml = parse(doc);
		got = select_text(xml, "/e:Environment/e:PropertySection/e:Property/@e:value");
		ck_assert_str_eq(got, values[i]);
		xmlFreeDoc(xml);
	}
}
END_TEST

/* what XML 1.0 cannot carry is refused, naming the property, never the value */
START_TEST(test_ovf_env_refused)
{
	const gchar *values[] = {"nul\x01here", "bell\x07", "\x1b[31m", "\xef\xbf\xbe", "\xff\xfe"};
	for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
		VmdsOvfEnvProperty prop = {"k", values[i]};
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) doc = vmds_ovf_env_write("vm-1", &prop, 1, &error);
		ck_assert_msg(doc == NULL, "value %u accepted", i);
		ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
		ck_assert_msg(strstr(error->message, "property 0") != NULL, "%s", error->message);
	}
}
END_TEST

START_TEST(test_ovf_env_key_and_value)
{
	g_autofree gchar *k1 = vmds_ovf_env_key(NULL, "hostname", NULL);
	g_autofree gchar *k2 = vmds_ovf_env_key("vami", "ip0", "VM_1");
	g_autofree gchar *k3 = vmds_ovf_env_key("", "dns", "");
	g_autofree gchar *k4 = vmds_ovf_env_key("org", "name", NULL);
	g_autoptr(VmdsVappType) boolean = vmds_vapp_type_parse("boolean", NULL);
	g_autoptr(VmdsVappType) string = vmds_vapp_type_parse("string", NULL);
	g_autofree gchar *v1 = vmds_vapp_type_env_value(boolean, "true", NULL);
	g_autofree gchar *v2 = vmds_vapp_type_env_value(boolean, "", "FALSE");
	g_autofree gchar *v3 = vmds_vapp_type_env_value(string, "", "fallback");
	g_autofree gchar *v4 = vmds_vapp_type_env_value(string, "set", "fallback");
	g_autofree gchar *v5 = vmds_vapp_type_env_value(string, "", NULL);

	ck_assert_str_eq(k1, "hostname");
	ck_assert_str_eq(k2, "vami.ip0.VM_1");
	ck_assert_str_eq(k3, "dns");
	ck_assert_str_eq(k4, "org.name");
	ck_assert_str_eq(v1, "True");
	ck_assert_str_eq(v2, "False");
	ck_assert_str_eq(v3, "fallback");
	ck_assert_str_eq(v4, "set");
	ck_assert_str_eq(v5, "");
}
END_TEST

static Suite *
ovf_env_suite(void)
{
	Suite *s = suite_create("ovf-env");
	TCase *tc = tcase_create("env");

	tcase_add_test(tc, test_ovf_env_shape);
	tcase_add_test(tc, test_ovf_env_escaping);
	tcase_add_test(tc, test_ovf_env_refused);
	tcase_add_test(tc, test_ovf_env_key_and_value);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *runner = srunner_create(ovf_env_suite());
	gint failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

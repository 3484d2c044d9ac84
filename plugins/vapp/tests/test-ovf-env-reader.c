/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmds-error.h"
#include "vmds-ovf-env-reader.h"
#include "vmds-ovf-env.h"
#include "vmds-test.h"

/*
 * The OVF environment reader: what vmds_ovf_env_write() writes reads back
 * as written; a hand-written environment of vCenter's shape reads as its
 * properties say; each broken document (tests/data/ovfenv/) is refused with
 * its own message.
 */

#define ENV_NS "http://schemas.dmtf.org/ovf/environment/1"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

static GBytes *
fixture(const gchar *name)
{
	g_autofree gchar *path =
	    g_build_filename(g_getenv("VMDS_TEST_DATADIR"), "ovfenv", name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;
	gsize len = 0;

	ck_assert_msg(g_getenv("VMDS_TEST_DATADIR") != NULL, "run through meson test");
	ck_assert_msg(g_file_get_contents(path, &data, &len, &error), "%s", error->message);
	return g_bytes_new_take(data, len);
}

static VmdsOvfEnvReader *
read_ok(GBytes *doc)
{
	g_autoptr(GError) error = NULL;
	VmdsOvfEnvReader *reader = vmds_ovf_env_reader_new(doc, &error);

	ck_assert_msg(reader != NULL, "refused: %s", error != NULL ? error->message : "no error");
	ck_assert(error == NULL);
	return reader;
}

static void
assert_properties(VmdsOvfEnvReader *reader, const VmdsOvfEnvProperty *expected, guint n_expected)
{
	guint n = 0;
	const VmdsOvfEnvProperty *props = vmds_ovf_env_reader_get_properties(reader, &n);

	ck_assert_uint_eq(n, n_expected);
	for (guint i = 0; i < n; i++) {
		ck_assert_str_eq(props[i].key, expected[i].key);
		ck_assert_str_eq(props[i].value, expected[i].value);
	}
}

/* what the writer writes, the reader reads, in the same order */
START_TEST(test_ovf_env_reader_round_trip)
{
	const VmdsOvfEnvProperty props[] = {
	    {"hostname", "web01"},
	    {"vami.ip0.VM_1", "192.0.2.10"},
	    {"amp", "a & b"},
	    {"markup", "<script>\"quoted\" 'single'</script>"},
	    {"lines", "line one\nline two\r\n\ttabbed"},
	    {"not-entities", "]]> &amp; &#x41; not entities"},
	    {"unicode", "é€😀 unicode"},
	    {"blanks", "  leading and trailing  "},
	    {"empty", ""},
	    {"key with spaces & <markup>", "value"},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) doc = vmds_ovf_env_write("vm-3", props, G_N_ELEMENTS(props), &error);
	g_autoptr(VmdsOvfEnvReader) reader = NULL;

	ck_assert_msg(doc != NULL, "%s", error->message);
	reader = read_ok(doc);
	assert_properties(reader, props, G_N_ELEMENTS(props));
	ck_assert_str_eq(vmds_ovf_env_reader_lookup(reader, "lines"),
			 "line one\nline two\r\n\ttabbed");
	ck_assert_str_eq(vmds_ovf_env_reader_lookup(reader, "empty"), "");
	ck_assert_ptr_null(vmds_ovf_env_reader_lookup(reader, "HOSTNAME"));
	ck_assert_ptr_null(vmds_ovf_env_reader_lookup(reader, "nope"));
}
END_TEST

/* no properties written: none read */
START_TEST(test_ovf_env_reader_round_trip_empty)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) doc = vmds_ovf_env_write("vm-1", NULL, 0, &error);
	g_autoptr(VmdsOvfEnvReader) reader = NULL;

	ck_assert_msg(doc != NULL, "%s", error->message);
	reader = read_ok(doc);
	assert_properties(reader, NULL, 0);
}
END_TEST

/*
 * vCenter's shape, with another prefix for the namespace, VMware's
 * extensions (skipped) and a vApp sibling's Entity (not the guest's own
 * properties); character references decoded
 */
START_TEST(test_ovf_env_reader_vcenter_shape)
{
	const VmdsOvfEnvProperty expected[] = {
	    {"hostname", "web-01"},
	    {"vami.ip0.VM_1", "192.0.2.10"},
	    {"motd", "line one\nline two & <three>"},
	    {"empty", ""},
	    {"unicode", "é€😀"},
	};
	g_autoptr(GBytes) doc = fixture("good.xml");
	g_autoptr(VmdsOvfEnvReader) reader = read_ok(doc);

	assert_properties(reader, expected, G_N_ELEMENTS(expected));
	ck_assert_str_eq(vmds_ovf_env_reader_lookup(reader, "hostname"), "web-01");
}
END_TEST

/* a UTF-8 byte order mark before the declaration; a PropertySection-less
 * environment, which the schema allows */
START_TEST(test_ovf_env_reader_accepted)
{
	const VmdsOvfEnvProperty expected[] = {{"hostname", "bom-01"}};
	g_autoptr(GBytes) bom = fixture("bom.xml");
	g_autoptr(GBytes) none = fixture("no-properties.xml");
	g_autoptr(VmdsOvfEnvReader) reader = read_ok(bom);
	g_autoptr(VmdsOvfEnvReader) empty = read_ok(none);

	assert_properties(reader, expected, G_N_ELEMENTS(expected));
	assert_properties(empty, NULL, 0);
}
END_TEST

static const struct {
	const gchar *file;
	const gchar *message; /* the whole message, or its start when @prefix */
	gboolean prefix;
} broken[] = {
    {"no-declaration.xml",
     "the OVF environment does not start with an XML declaration (<?xml version=\"1.0\" ...?>)",
     FALSE},
    {"not-xml.xml", "the OVF environment is broken: it is not well-formed XML: line 2: ", TRUE},
    {"truncated.xml", "the OVF environment is broken: it is not well-formed XML: line 5: ", TRUE},
    {"undeclared-entity.xml",
     "the OVF environment is broken: it is not well-formed XML: line 4: ",
     TRUE},
    {"undeclared-prefix.xml",
     "the OVF environment is broken: it is not namespace-well-formed XML: line 4: ",
     TRUE},
    {"dtd-entities.xml",
     "the OVF environment is broken: it has a document type declaration (<!DOCTYPE), which an "
     "OVF environment may not have",
     FALSE},
    {"external-entity.xml",
     "the OVF environment is broken: it has a document type declaration (<!DOCTYPE), which an "
     "OVF environment may not have",
     FALSE},
    {"wrong-root.xml",
     "the OVF environment is broken: the root element is Envelope, not Environment",
     FALSE},
    {"wrong-namespace.xml",
     "the OVF environment is broken: the root element Environment is in namespace "
     "http://schemas.dmtf.org/ovf/environment/2, not in " ENV_NS,
     FALSE},
    {"no-namespace.xml",
     "the OVF environment is broken: the root element Environment is in no namespace, not "
     "in " ENV_NS,
     FALSE},
    {"section-no-namespace.xml",
     "the OVF environment is broken: element PropertySection at line 3 is in no namespace, "
     "not in " ENV_NS,
     FALSE},
    {"wrong-attr-namespace.xml",
     "the OVF environment is broken: element Property at line 4 has no attribute key in "
     "namespace " ENV_NS " (its key is in namespace http://example.com/not-ovf)",
     FALSE},
    {"unprefixed-attrs.xml",
     "the OVF environment is broken: element Property at line 4 has no attribute key in "
     "namespace " ENV_NS " (its key is in no namespace)",
     FALSE},
    {"missing-key.xml",
     "the OVF environment is broken: element Property at line 5 has no attribute key in "
     "namespace " ENV_NS,
     FALSE},
    {"missing-value.xml",
     "the OVF environment is broken: property 'hostname': element Property at line 4 has no "
     "attribute value in namespace " ENV_NS,
     FALSE},
    {"empty-key.xml",
     "the OVF environment is broken: element Property at line 4 has an empty key",
     FALSE},
    {"duplicate-key.xml",
     "the OVF environment is broken: property 'hostname' is given twice, at lines 4 and 6",
     FALSE},
    {"two-sections.xml",
     "the OVF environment is broken: a second PropertySection at line 6 (the first is at line "
     "3)",
     FALSE},
    {"unexpected-element.xml",
     "the OVF environment is broken: unexpected element Propery in PropertySection at line 5",
     FALSE},
    {"entity-without-id.xml",
     "the OVF environment is broken: element Entity at line 6 has no attribute id in "
     "namespace " ENV_NS,
     FALSE},
};

START_TEST(test_ovf_env_reader_broken)
{
	g_autoptr(GBytes) doc = fixture(broken[_i].file);
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsOvfEnvReader) reader = vmds_ovf_env_reader_new(doc, &error);

	ck_assert_msg(reader == NULL, "%s accepted", broken[_i].file);
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	if (broken[_i].prefix)
		ck_assert_msg(g_str_has_prefix(error->message, broken[_i].message) &&
				  strlen(error->message) > strlen(broken[_i].message),
			      "%s: %s",
			      broken[_i].file,
			      error->message);
	else
		ck_assert_str_eq(error->message, broken[_i].message);
}
END_TEST

/* empty, and one byte over the limit; the limit itself is taken */
START_TEST(test_ovf_env_reader_size)
{
	const gchar *head =
	    "<?xml version=\"1.0\"?>\n<Environment xmlns=\"" ENV_NS "\" xmlns:oe=\"" ENV_NS
	    "\"><PropertySection>"
	    "<Property oe:key=\"k\" oe:value=\"v\"/></PropertySection></Environment>\n";
	g_autoptr(GString) text = g_string_new(head);
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
	g_autoptr(GBytes) at_limit = NULL;
	g_autoptr(GBytes) over = NULL;
	g_autoptr(VmdsOvfEnvReader) reader = NULL;
	g_autoptr(GError) error = NULL;

	reader = vmds_ovf_env_reader_new(empty, &error);
	ck_assert_ptr_null(reader);
	assert_error(error, VMDS_ERROR_INVALID_ARGUMENT);
	ck_assert_str_eq(error->message, "the OVF environment is empty");
	g_clear_error(&error);

	/* padded with comments of 1 MiB at most (libxml2 refuses larger ones) */
	while (text->len < VMDS_OVF_ENV_READER_MAX_SIZE) {
		gsize room = VMDS_OVF_ENV_READER_MAX_SIZE - text->len;
		gsize n = MIN(room, 1024 * 1024);
		if (n < 8) {
			g_string_append_len(text, "\n\n\n\n\n\n\n", (gssize)n);
			break;
		}
		g_string_append(text, "<!--");
		for (gsize i = 0; i < n - 7; i++)
			g_string_append_c(text, 'x');
		g_string_append(text, "-->");
	}
	ck_assert_uint_eq(text->len, VMDS_OVF_ENV_READER_MAX_SIZE);
	at_limit = g_bytes_new(text->str, text->len);
	reader = read_ok(at_limit);
	ck_assert_str_eq(vmds_ovf_env_reader_lookup(reader, "k"), "v");
	g_clear_pointer(&reader, vmds_ovf_env_reader_free);

	g_string_append_c(text, '\n');
	over = g_bytes_new(text->str, text->len);
	reader = vmds_ovf_env_reader_new(over, &error);
	ck_assert_ptr_null(reader);
	assert_error(error, VMDS_ERROR_TOO_LARGE);
	ck_assert_str_eq(error->message, "the OVF environment is over 16777216 bytes");
}
END_TEST

static Suite *
ovf_env_reader_suite(void)
{
	Suite *s = suite_create("ovf-env-reader");
	TCase *tc = tcase_create("reader");

	tcase_add_test(tc, test_ovf_env_reader_round_trip);
	tcase_add_test(tc, test_ovf_env_reader_round_trip_empty);
	tcase_add_test(tc, test_ovf_env_reader_vcenter_shape);
	tcase_add_test(tc, test_ovf_env_reader_accepted);
	tcase_add_loop_test(tc, test_ovf_env_reader_broken, 0, G_N_ELEMENTS(broken));
	tcase_add_test(tc, test_ovf_env_reader_size);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(ovf_env_reader_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

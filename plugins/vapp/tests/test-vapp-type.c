/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "vmds-error.h"
#include "vmds-vapp-type.h"

/*
 * The vApp property type grammar (vSphere 6.5's schema): every type form,
 * and values at and past each bound, table-driven.
 */

typedef struct {
	const gchar *type;
	const gchar *value;
	gboolean valid;
} TypeCase;

/* types that do not parse */
static const gchar *const bad_types[] = {
    "",
    "String",
    "string ",
    "string(..)",
    "string(5)",
    "string(a..3)",
    "string(-1..3)",
    "string(3..2)",
    "string(0..65536)",
    "string(65536..)",
    "string[]",
    "string[a]",
    "string[\"a\" \"b\"]",
    "string[\"a\",]",
    "string[\"a\\x\"]",
    "string[\"unterminated]",
    "int(1..)",
    "int(..1)",
    "int(1.5..2)",
    "int(3..2)",
    "int(+..2)",
    "real(1..2)",
    "real(1.0..)",
    "real(2.0..1.0)",
    "real(1.0e999..2.0e999)",
    "bool",
    "ip:",
    "${}",
    "password[\"a\"]",
};

/* a bound of 100 characters, 101, and a value past them */
#define D99                                                                                        \
	"9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999" \
	"99999999999"
#define D100 "1" D99

static const TypeCase cases[] = {
    /* string: length in characters, at most 65,535 */
    {"string", "anything at all", TRUE},
    {"string", "", TRUE},
    {"string(2..)", "ab", TRUE},
    {"string(2..)", "a", FALSE},
    {"string(..3)", "abc", TRUE},
    {"string(..3)", "abcd", FALSE},
    {"string(2..3)", "é€", TRUE},
    {"string(2..3)", "é€ü😀", FALSE},
    {"string(0..0)", "", TRUE},
    {"string(0..0)", "x", FALSE},
    {"string(65535..)", "x", FALSE},
    /* choices, with their escapes */
    {"string[\"small\", \"large\"]", "large", TRUE},
    {"string[\"small\", \"large\"]", "Large", FALSE},
    {"string[\"small\", \"large\"]", "small, large", FALSE},
    {"string[\"start\\\"middle\\\"end\"]", "start\"middle\"end", TRUE},
    {"string[\"start'middle'end\"]", "start'middle'end", TRUE},
    {"string[\"start\\\\end\"]", "start\\end", TRUE},
    {"string[\"start\\\\end\"]", "start\\\\end", FALSE},
    {"string[\"a,b\",\"c\"]", "a,b", TRUE},
    {"string[\"\"]", "", TRUE},
    /* int: int32, or exact bounds of up to 100 characters */
    {"int", "2147483647", TRUE},
    {"int", "2147483648", FALSE},
    {"int", "-2147483648", TRUE},
    {"int", "-2147483649", FALSE},
    {"int", "+12", TRUE},
    {"int", "007", TRUE},
    {"int", "1.0", FALSE},
    {"int", "1e3", FALSE},
    {"int", " 1", FALSE},
    {"int", "-", FALSE},
    {"int(0..255)", "0", TRUE},
    {"int(0..255)", "255", TRUE},
    {"int(0..255)", "256", FALSE},
    {"int(0..255)", "-1", FALSE},
    {"int(0..255)", "-0", TRUE},
    {"int(-" D99 ".." D99 ")", D99, TRUE},
    {"int(-" D99 ".." D99 ")", "-" D99, TRUE},
    {"int(-" D99 ".." D99 ")", D100, FALSE},
    {"int(0.." D100 ")", D100, TRUE},
    {"int(0.." D100 ")", "1" D100, FALSE},
    {"int(18446744073709551615..18446744073709551616)", "18446744073709551616", TRUE},
    {"int(18446744073709551615..18446744073709551616)", "18446744073709551617", FALSE},
    /* real: the CIM grammar, an IEEE double */
    {"real", "1.5", TRUE},
    {"real", "-.5", TRUE},
    {"real", "+0.0e-3", TRUE},
    {"real", "2.0E10", TRUE},
    {"real", "1", FALSE},
    {"real", "1.", FALSE},
    {"real", "1.5e", FALSE},
    {"real", "1.0e999", FALSE},
    {"real", "NaN", FALSE},
    {"real", "inf", FALSE},
    {"real", "0x1.0p3", FALSE},
    {"real(-1.5..1.5)", "1.5", TRUE},
    {"real(-1.5..1.5)", "-1.5", TRUE},
    {"real(-1.5..1.5)", "1.50001", FALSE},
    {"real(-1.5..1.5)", "-1.6", FALSE},
    /* boolean */
    {"boolean", "True", TRUE},
    {"boolean", "false", TRUE},
    {"boolean", "yes", FALSE},
    {"boolean", "1", FALSE},
    /* password: as string, write-only elsewhere */
    {"password", "s3cret", TRUE},
    {"password(8..)", "short", FALSE},
    {"password(8..)", "long enough", TRUE},
    {"password(..4)", "12345", FALSE},
    /* ip */
    {"ip", "192.168.0.1", TRUE},
    {"ip", "255.255.255.255", TRUE},
    {"ip", "256.1.1.1", FALSE},
    {"ip", "1.2.3", FALSE},
    {"ip", "2001:db8::1", TRUE},
    {"ip", "::ffff:192.0.2.1", TRUE},
    {"ip", "::", TRUE},
    {"ip", "fe80::1%eth0", FALSE},
    {"ip", "2001:db8:::1", FALSE},
    {"ip", "example.com", FALSE},
    /* unsupported: kept, never assigned (but the empty value) */
    {"expression", "${ip:VM Network}", FALSE},
    {"ip:VM Network", "192.168.0.1", FALSE},
    {"${ip:VM Network}", "192.168.0.1", FALSE},
    {"expression", "", TRUE},
};

START_TEST(test_vapp_type_bad)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsVappType) type = vmds_vapp_type_parse(bad_types[_i], &error);

	ck_assert_msg(type == NULL, "type '%s' parsed", bad_types[_i]);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	ck_assert_msg(g_str_has_prefix(error->message, "type '"), "%s", error->message);
}
END_TEST

START_TEST(test_vapp_type_values)
{
	const TypeCase *c = &cases[_i];
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsVappType) type = vmds_vapp_type_parse(c->type, &error);
	gboolean ok;

	ck_assert_msg(type != NULL, "type '%s': %s", c->type, error->message);
	ok = vmds_vapp_type_check(type, c->value, &error);
	ck_assert_msg(ok == c->valid,
		      "type '%s', value '%s': %s",
		      c->type,
		      c->value,
		      ok ? "accepted" : error->message);
	if (!ok) {
		ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
		/* a refusal never quotes the value: it may be a password */
		ck_assert_msg(c->value[0] == '\0' || strlen(c->value) < 3 ||
				  strstr(error->message, c->value) == NULL ||
				  strstr(c->type, c->value) != NULL,
			      "%s",
			      error->message);
	}
}
END_TEST

START_TEST(test_vapp_type_kinds)
{
	const struct {
		const gchar *type;
		VmdsVappKind kind;
	} kinds[] = {
	    {"string", VMDS_VAPP_STRING},
	    {"string(1..2)", VMDS_VAPP_STRING},
	    {"string[\"a\"]", VMDS_VAPP_CHOICE},
	    {"int(1..2)", VMDS_VAPP_INT},
	    {"real", VMDS_VAPP_REAL},
	    {"boolean", VMDS_VAPP_BOOLEAN},
	    {"password(..9)", VMDS_VAPP_PASSWORD},
	    {"ip", VMDS_VAPP_IP},
	    {"expression", VMDS_VAPP_UNSUPPORTED},
	    {"ip:Net", VMDS_VAPP_UNSUPPORTED},
	    {"${ip:Net}", VMDS_VAPP_UNSUPPORTED},
	};

	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		g_autoptr(VmdsVappType) type = vmds_vapp_type_parse(kinds[i].type, NULL);
		ck_assert_msg(type != NULL, "%s", kinds[i].type);
		ck_assert_int_eq(vmds_vapp_type_get_kind(type), kinds[i].kind);
		ck_assert_str_eq(vmds_vapp_type_get_text(type), kinds[i].type);
	}
}
END_TEST

static Suite *
vapp_type_suite(void)
{
	Suite *s = suite_create("vapp-type");
	TCase *tc = tcase_create("grammar");

	tcase_add_loop_test(tc, test_vapp_type_bad, 0, G_N_ELEMENTS(bad_types));
	tcase_add_loop_test(tc, test_vapp_type_values, 0, G_N_ELEMENTS(cases));
	tcase_add_test(tc, test_vapp_type_kinds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *runner = srunner_create(vapp_type_suite());
	gint failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>

#include "vmds-log.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

/* issue 8, point 18: what a peer sent cannot forge a log line */
START_TEST(test_log_escape)
{
	static const struct {
		const gchar *in;
		const gchar *out; /* NULL: nothing to escape */
	} rows[] = {
	    {"GET /api/vcenter/vm → 200", NULL},
	    {"datä ✓ set", NULL},
	    {"", NULL},
	    {"a\nforged: line", "a\\nforged: line"},
	    {"a\r\nb", "a\\x0d\\nb"},
	    {"tab\there", "tab\\there"},
	    {"bell\a del\x7f esc\x1b[31m", "bell\\x07 del\\x7f esc\\x1b[31m"},
	    {"back\\slash", "back\\\\slash"},
	    /* not UTF-8: each byte on its own */
	    {"bad \xff\xfe end", "bad \\xff\\xfe end"},
	    {"cut \xe2\x9c", "cut \\xe2\\x9c"},
	    {"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
	    {"é\n", "é\\n"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree gchar *out = vmds_log_escape(rows[i].in);
		ck_assert_msg(g_strcmp0(out, rows[i].out) == 0,
			      "row %u: [%s], expected [%s]",
			      i,
			      out != NULL ? out : "(null)",
			      rows[i].out != NULL ? rows[i].out : "(null)");
		if (out != NULL)
			ck_assert(g_utf8_validate(out, -1, NULL));
	}
}
END_TEST

static Suite *
test_log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	tcase_add_test(tc, test_log_escape);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_log_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

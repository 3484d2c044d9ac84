/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "vmds-e2e.h"

/*
 * guestinfo through the real vmtoolsd and REST (issue 11): `info-get` and
 * `info-set` in plain text, names in any case, values as sent, the guest's
 * size limit, and the host's side over REST.
 */

static VmdsE2e *e2e = NULL;

static void
setup(void)
{
	e2e = vmds_e2e_new("[guestinfo]\nguest-size-limit=64\n");
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

static void
guest_run(const gchar *cmd, gint status, const gchar *out, const gchar *err)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
	vmds_e2e_assert_run(run, status, out, err);
}

START_TEST(test_guestinfo_guest)
{
	g_autoptr(VmdsE2eReply) reply = NULL;

	guest_run("info-get guestinfo.ovfEnv", 1, "", "No value found\n");
	guest_run("info-set guestinfo.ovfEnv <Environment/>", 0, "\n", "");
	guest_run("info-get guestinfo.ovfenv", 0, "<Environment/>\n", "");
	guest_run("info-get GUESTINFO.OVFENV", 0, "<Environment/>\n", "");
	/* a single space clears a value, as scripts do: it is kept as sent */
	guest_run("info-set guestinfo.ovfEnv  ", 0, "\n", "");
	guest_run("info-get guestinfo.ovfEnv", 0, " \n", "");
	/* over the guest's 64 bytes in all: refused, nothing changed */
	guest_run("info-set guestinfo.big "
		  "0123456789012345678901234567890123456789012345678901234567890123",
		  1,
		  "",
		  "the guest may set 64 bytes of guestinfo in all\n");
	guest_run("info-get guestinfo.big", 1, "", "No value found\n");

	/* the host's side */
	reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-1/guest-info", NULL);
	vmds_e2e_assert_reply(reply, 200, "[{\"name\":\"ovfEnv\",\"value\":\" \"}]");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "PUT", "/api/vcenter/vm/vm-1/guest-info/hostname", "\"web-01\"");
	vmds_e2e_assert_reply(reply, 204, "");
	guest_run("info-get guestinfo.hostname", 0, "web-01\n", "");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "DELETE", "/api/vcenter/vm/vm-1/guest-info/HOSTNAME", NULL);
	vmds_e2e_assert_reply(reply, 204, "");
	guest_run("info-get guestinfo.hostname", 1, "", "No value found\n");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-1/guest-info/hostname", NULL);
	vmds_e2e_assert_error(reply, 404, "NOT_FOUND");
	/* not a guestinfo name */
	guest_run("info-get other.x",
		  1,
		  "",
		  "a guestinfo name is guestinfo.NAME, NAME of UTF-8 "
		  "without blanks\n");
}
END_TEST

static Suite *
guestinfo_suite(void)
{
	Suite *s = suite_create("e2e-guestinfo");
	TCase *tc = tcase_create("guestinfo");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_guestinfo_guest);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(guestinfo_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <check.h>

#include "vmds-config.h"
#include "vmds.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SRunner, srunner_free)

static VmdsConfig *
test_config_load(const gchar *text, GError **error)
{
	return vmds_config_load_data(text, strlen(text), error);
}

START_TEST(test_config_defaults)
{
	g_autoptr(VmdsConfig) config = vmds_config_load(NULL, FALSE, NULL);

	/* vmds.conf(5) and guest-rpc.md: 65,536-byte requests, 0660 sockets, loopback REST */
	ck_assert_uint_eq(config->max_request, 65536);
	ck_assert_uint_eq(config->socket_mode, 0660);
	ck_assert_str_eq(config->http_listen, "127.0.0.1:8976");
	ck_assert_str_eq(config->username, "admin");
	ck_assert_ptr_null(config->password_file);
	ck_assert_uint_eq(config->vsock_port, 0);
	ck_assert(config->gid == (gid_t)-1);
}
END_TEST

START_TEST(test_config_missing_file)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsConfig) optional = vmds_config_load("/nonexistent/vmds.conf", FALSE, &error);
	g_autoptr(VmdsConfig) required = NULL;

	ck_assert_ptr_nonnull(optional);
	required = vmds_config_load("/nonexistent/vmds.conf", TRUE, &error);
	ck_assert_ptr_null(required);
	ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND));
}
END_TEST

START_TEST(test_config_values)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsConfig) config = test_config_load("[daemon]\n"
							"state-dir=/srv/vmds\n"
							"[backchannel]\n"
							"socket-mode=0666\n"
							"group=root\n"
							"max-request=1024\n"
							"idle-timeout=7\n"
							"[http]\n"
							"listen=\n"
							"[datasets]\n"
							"anything=goes\n",
							&error);

	ck_assert_msg(config != NULL, "%s", error != NULL ? error->message : "");
	ck_assert_str_eq(config->state_dir, "/srv/vmds");
	ck_assert_uint_eq(config->socket_mode, 0666);
	ck_assert_uint_eq(config->gid, 0);
	ck_assert_uint_eq(config->max_request, 1024);
	ck_assert_uint_eq(config->idle_timeout, 7);
	ck_assert_str_eq(config->http_listen, "");
}
END_TEST

START_TEST(test_config_refuses)
{
	const gchar *bad[] = {
	    "[backchannel]\nmax-conections=5\n",
	    "[backchannel]\nmax-connections=0\n",
	    "[backchannel]\nmax-connections=ten\n",
	    "[backchannel]\nsocket-mode=0999\n",
	    "[backchannel]\ngroup=no-such-group-vmds\n",
	    "[http]\ntls-certificate=/etc/cert.pem\n",
	    "[http]\nsession-timeout=-1\n",
	    "not a key file\n",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(VmdsConfig) config = test_config_load(bad[i], &error);
		ck_assert_msg(config == NULL, "accepted: %s", bad[i]);
		ck_assert(g_error_matches(error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT));
	}
}
END_TEST

static Suite *
test_config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");
	tcase_add_test(tc, test_config_defaults);
	tcase_add_test(tc, test_config_missing_file);
	tcase_add_test(tc, test_config_values);
	tcase_add_test(tc, test_config_refuses);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(test_config_suite());
	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmds-e2e.h"

/*
 * vApp properties over REST and the OVF environment in the guest (issue
 * 11): the real vmtoolsd reads guestinfo.ovfEnv, a standard ISO 9660
 * reader reads the ISO image; passwords are write-only, disabling deletes,
 * the environment follows snapshots, clones and restarts; per-VM guestinfo
 * settings.
 */

static VmdsE2e *e2e = NULL;

static void
setup(void)
{
	e2e = vmds_e2e_new(NULL);
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

static void
rest_ok(const gchar *method, const gchar *path, const gchar *body, guint status, const gchar *exp)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, method, path, body);

	if (exp != NULL) {
		vmds_e2e_assert_reply(reply, status, exp);
	} else {
		ck_assert_msg(reply->status == status,
			      "%s %s: HTTP %u: %s",
			      method,
			      path,
			      reply->status,
			      reply->body);
	}
}

static void
rest_fails(
    const gchar *method, const gchar *path, const gchar *body, guint status, const gchar *type)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, method, path, body);

	vmds_e2e_assert_error(reply, status, type);
}

static gchar *
rest_body(const gchar *path)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "GET", path, NULL);

	ck_assert_msg(
	    reply->status == 200, "GET %s: HTTP %u: %s", path, reply->status, reply->body);
	return g_strndup(reply->body, reply->body_len);
}

/* the guest's guestinfo.ovfEnv through the real vmtoolsd, less its "\n";
 * NULL when it has none */
static gchar *
guest_env(const gchar *vm)
{
	g_autofree gchar *channel = vmds_e2e_channel(e2e, vm);
	g_autofree gchar *setting = g_strconcat("VMTOOLSD_CHANNEL=", channel, NULL);
	const gchar *args[] = {"--cmd", "info-get guestinfo.ovfEnv", NULL};
	const gchar *env[] = {setting, NULL};
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd_argv(e2e, args, env);

	if (run->status != 0) {
		ck_assert_str_eq(run->err, "No value found\n");
		return NULL;
	}
	ck_assert(run->out_len > 0 && run->out[run->out_len - 1] == '\n');
	return g_strndup(run->out, run->out_len - 1);
}

static void
guest_run(const gchar *cmd, gint status, const gchar *out, const gchar *err)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);

	vmds_e2e_assert_run(run, status, out, err);
}

static void
assert_has(const gchar *text, const gchar *key, const gchar *value)
{
	g_autofree gchar *attrs = g_strdup_printf("oe:key=\"%s\" oe:value=\"%s\"", key, value);

	ck_assert_msg(text != NULL && strstr(text, attrs) != NULL, "no %s in\n%s", attrs, text);
}

/* ovf-env.xml of an ISO 9660 image, as a standard tool (bsdtar) reads it */
static gchar *
iso_env(const gchar *iso_path)
{
	g_autofree gchar *script = g_strdup_printf("bsdtar -xOf '%s' ovf-env.xml", iso_path);
	g_autoptr(VmdsE2eRun) run = vmds_e2e_shell(e2e, script);

	ck_assert_msg(run->status == 0, "bsdtar: %s", run->err);
	return g_strndup(run->out, run->out_len);
}

static gchar *
iso_path(const gchar *vm)
{
	return g_build_filename(vmds_e2e_get_state_dir(e2e), "vms", vm, "ovf-env.iso", NULL);
}

#define VAPP  "/api/vcenter/vm/vm-1/vapp"
#define PROPS "/api/vcenter/vm/vm-1/vapp/properties"

static void
enable_with_properties(void)
{
	rest_ok("PATCH",
		VAPP,
		"{\"enabled\":true,\"transports\":[\"com.vmware.guestInfo\",\"iso\"]}",
		204,
		"");
	rest_ok("POST",
		PROPS,
		"{\"id\":\"hostname\",\"type\":\"string(1..63)\",\"value\":\"web-1\"}",
		201,
		"0");
	rest_ok("POST",
		PROPS,
		"{\"id\":\"root-password\",\"type\":\"password(8..)\",\"value\":\"s3cr3t-pa55\","
		"\"label\":\"Root password\"}",
		201,
		"1");
	rest_ok("POST",
		PROPS,
		"{\"key\":7,\"id\":\"ssh\",\"type\":\"boolean\",\"value\":\"true\","
		"\"class_id\":\"vm\",\"instance_id\":\"0\"}",
		201,
		"7");
	rest_ok("POST",
		PROPS,
		"{\"id\":\"port\",\"type\":\"int(1..65535)\",\"default_value\":\"8443\","
		"\"user_configurable\":false}",
		201,
		"8");
	/* a vApp property is not a guestinfo variable */
	rest_ok("POST", PROPS, "{\"id\":\"guestinfo.dns\",\"value\":\"10.0.0.53\"}", 201, "9");
}

START_TEST(test_vapp_environment)
{
	g_autofree gchar *info = NULL;
	g_autofree gchar *env = NULL;
	g_autofree gchar *in_guest = NULL;
	g_autofree gchar *secret = NULL;
	g_autofree gchar *iso = iso_path("vm-1");
	g_autofree gchar *on_iso = NULL;

	rest_ok(
	    "GET", VAPP, NULL, 200, "{\"enabled\":false,\"transports\":[],\"property_count\":0}");
	rest_fails("POST", PROPS, "{\"id\":\"a\"}", 400, "NOT_ALLOWED_IN_CURRENT_STATE");
	rest_fails("GET", "/api/vcenter/vm/vm-1/vapp/environment", NULL, 404, "NOT_FOUND");
	in_guest = guest_env("vm-1");
	ck_assert_ptr_null(in_guest);

	enable_with_properties();
	info = rest_body(VAPP);
	{
		g_autofree gchar *exp = g_strdup_printf(
		    "{\"enabled\":true,\"transports\":[\"com.vmware.guestInfo\",\"iso\"],"
		    "\"property_count\":5,\"iso\":\"%s\"}",
		    iso);
		ck_assert_str_eq(info, exp);
	}

	/* the VM's settings say where its ISO image is */
	{
		g_autofree gchar *vm = rest_body("/api/vcenter/vm/vm-1");
		g_autofree gchar *member = g_strdup_printf(",\"vapp_iso\":\"%s\"}", iso);
		ck_assert_msg(g_str_has_suffix(vm, member), "%s", vm);
	}

	/* the guest reads the environment the host serves */
	env = rest_body("/api/vcenter/vm/vm-1/vapp/environment");
	ck_assert(g_str_has_prefix(env, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	in_guest = guest_env("vm-1");
	ck_assert_str_eq(in_guest, env);
	assert_has(env, "hostname", "web-1");
	assert_has(env, "root-password", "s3cr3t-pa55");
	assert_has(env, "vm.ssh.0", "True");
	assert_has(env, "port", "8443");
	assert_has(env, "guestinfo.dns", "10.0.0.53");
	/* and so do vmware-rpctool, and vmds-ovfenv, which checks the document
	 * (namespace-aware, DSP8027's structure) before it lists properties */
	{
		const gchar *rpctool[] = {
		    vmds_e2e_getenv("VMWARE_RPCTOOL"), "info-get guestinfo.ovfEnv", NULL};
		const gchar *ovfenv[] = {vmds_e2e_getenv("VMDS_OVFENV"), "--json", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_run(e2e, rpctool, NULL, NULL, 0);
		g_autoptr(VmdsE2eRun) props = vmds_e2e_run(e2e, ovfenv, NULL, NULL, 0);
		g_autofree gchar *line = g_strconcat(env, "\n", NULL);
		vmds_e2e_assert_run(run, 0, line, "");
		vmds_e2e_assert_run(props,
				    0,
				    "{\"hostname\":\"web-1\",\"root-password\":\"s3cr3t-pa55\","
				    "\"vm.ssh.0\":\"True\",\"port\":\"8443\","
				    "\"guestinfo.dns\":\"10.0.0.53\"}\n",
				    "");
	}
	guest_run("info-get guestinfo.dns", 1, "", "No value found\n");
	guest_run("info-get guestinfo.hostname", 1, "", "No value found\n");

	/* passwords are write-only */
	secret = rest_body(PROPS "/1");
	ck_assert_str_eq(
	    secret,
	    "{\"key\":1,\"id\":\"root-password\",\"category\":\"\",\"label\":"
	    "\"Root password\",\"description\":\"\",\"class_id\":\"\",\"instance_id\":"
	    "\"\",\"type_reference\":\"\",\"user_configurable\":true,\"default_value\":"
	    "\"\",\"type\":\"password(8..)\",\"value\":\"\"}");
	g_clear_pointer(&secret, g_free);
	secret = rest_body(PROPS);
	ck_assert(strstr(secret, "s3cr3t") == NULL);

	/* the ISO holds the same environment, for a standard reader */
	on_iso = iso_env(iso);
	ck_assert_str_eq(on_iso, env);
	{
		g_autoptr(VmdsE2eReply) reply =
		    vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-1/vapp/iso", NULL);
		g_autofree gchar *file = NULL;
		gsize len = 0;
		ck_assert_uint_eq(reply->status, 200);
		ck_assert(g_file_get_contents(iso, &file, &len, NULL));
		ck_assert_uint_eq(reply->body_len, len);
		ck_assert(memcmp(reply->body, file, len) == 0);
	}
}
END_TEST

START_TEST(test_vapp_changes)
{
	g_autofree gchar *env = NULL;
	g_autofree gchar *in_guest = NULL;
	g_autofree gchar *iso = iso_path("vm-1");

	enable_with_properties();

	/* updates are checked against the type; nothing changes on a refusal */
	rest_ok("PATCH", PROPS "/0", "{\"value\":\"web-2\"}", 204, "");
	rest_fails("PATCH", PROPS "/8", "{\"value\":\"65536\"}", 400, "INVALID_ARGUMENT");
	rest_fails("PATCH", PROPS "/7", "{\"value\":\"yes\"}", 400, "INVALID_ARGUMENT");
	rest_fails("PATCH", PROPS "/0", "{\"key\":3}", 400, "INVALID_ARGUMENT");
	rest_fails("PATCH", PROPS "/0", "{\"id\":\"ssh\"}", 400, "ALREADY_EXISTS");
	rest_fails("PATCH", PROPS "/0", "{\"type\":\"expression\"}", 400, "INVALID_ARGUMENT");
	rest_fails("PATCH", PROPS "/0", "{\"colour\":\"red\"}", 400, "INVALID_ARGUMENT");
	rest_fails("PATCH", PROPS "/0", "{\"value\":5}", 400, "INVALID_ARGUMENT");
	rest_fails("PATCH", PROPS "/42", "{\"value\":\"x\"}", 404, "NOT_FOUND");
	rest_fails("GET", PROPS "/x1", NULL, 400, "INVALID_ARGUMENT");
	rest_fails("GET", PROPS "/2147483648", NULL, 400, "INVALID_ARGUMENT");
	rest_fails("POST", PROPS, "{\"id\":\"hostname\"}", 400, "ALREADY_EXISTS");
	rest_fails("POST", PROPS, "{\"key\":0,\"id\":\"other\"}", 400, "ALREADY_EXISTS");
	rest_fails("POST", PROPS, "{\"key\":-1,\"id\":\"other\"}", 400, "INVALID_ARGUMENT");
	rest_fails("POST",
		   PROPS,
		   "{\"id\":\"c\",\"type\":\"string[\\\"a\\\", \\\"b\\\"]\","
		   "\"default_value\":\"c\"}",
		   400,
		   "INVALID_ARGUMENT");
	rest_fails(
	    "POST", PROPS, "{\"id\":\"n\",\"type\":\"ip:VM Network\"}", 400, "INVALID_ARGUMENT");
	rest_fails("PATCH", VAPP, "{\"transports\":[\"floppy\"]}", 400, "INVALID_ARGUMENT");
	rest_fails("POST", VAPP, "{}", 400, "INVALID_ARGUMENT");
	env = rest_body("/api/vcenter/vm/vm-1/vapp/environment");
	assert_has(env, "hostname", "web-2");
	assert_has(env, "port", "8443");

	/* a password that stops being one does not show what it held */
	rest_ok("PATCH", PROPS "/1", "{\"type\":\"string\"}", 204, "");
	g_clear_pointer(&env, g_free);
	env = rest_body(PROPS "/1");
	ck_assert(strstr(env, "s3cr3t") == NULL);

	/* the guest's info-set stays until the environment next changes */
	guest_run("info-set guestinfo.ovfEnv NULL", 0, "\n", "");
	rest_ok("PATCH", PROPS "/0", "{\"label\":\"Host name\"}", 204, "");
	in_guest = guest_env("vm-1");
	ck_assert_str_eq(in_guest, "NULL");
	g_clear_pointer(&in_guest, g_free);
	rest_ok("PATCH", PROPS "/0", "{\"value\":\"web-3\"}", 204, "");
	in_guest = guest_env("vm-1");
	assert_has(in_guest, "hostname", "web-3");
	g_clear_pointer(&in_guest, g_free);

	/* transports: guestInfo off removes the variable, iso off the image */
	rest_ok("PATCH", VAPP, "{\"transports\":[\"iso\"]}", 204, "");
	in_guest = guest_env("vm-1");
	ck_assert_ptr_null(in_guest);
	ck_assert(g_file_test(iso, G_FILE_TEST_EXISTS));
	rest_ok("PATCH", VAPP, "{\"transports\":[\"com.vmware.guestInfo\"]}", 204, "");
	ck_assert(!g_file_test(iso, G_FILE_TEST_EXISTS));
	{
		g_autofree gchar *vm = rest_body("/api/vcenter/vm/vm-1");
		ck_assert_msg(strstr(vm, "vapp_iso") == NULL, "%s", vm);
	}
	rest_fails("GET", "/api/vcenter/vm/vm-1/vapp/iso", NULL, 404, "NOT_FOUND");
	in_guest = guest_env("vm-1");
	assert_has(in_guest, "hostname", "web-3");
	g_clear_pointer(&in_guest, g_free);

	/* delete one; disable deletes all, for good */
	rest_ok("DELETE", PROPS "/0", NULL, 204, "");
	rest_fails("DELETE", PROPS "/0", NULL, 404, "NOT_FOUND");
	rest_ok("PATCH", VAPP, "{\"enabled\":false}", 204, "");
	rest_ok(
	    "GET", VAPP, NULL, 200, "{\"enabled\":false,\"transports\":[],\"property_count\":0}");
	in_guest = guest_env("vm-1");
	ck_assert_ptr_null(in_guest);
	rest_fails(
	    "PATCH", VAPP, "{\"transports\":[\"iso\"]}", 400, "NOT_ALLOWED_IN_CURRENT_STATE");
	rest_ok("PATCH", VAPP, "{\"enabled\":true}", 204, "");
	rest_ok("GET", PROPS, NULL, 200, "[]");
}
END_TEST

START_TEST(test_vapp_lifecycle)
{
	g_autofree gchar *iso = iso_path("vm-1");
	g_autofree gchar *snapshot = NULL;
	g_autofree gchar *on_iso = NULL;
	g_autofree gchar *env = NULL;
	g_autofree gchar *clone = NULL;
	g_autofree gchar *clone_iso = NULL;
	g_autofree gchar *clone_env = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;

	enable_with_properties();

	/* a revert brings back the environment, the guest's and the ISO's */
	reply = vmds_e2e_rest(e2e, "POST", "/api/vcenter/vm/vm-1/snapshots", "{\"name\":\"s\"}");
	ck_assert_uint_eq(reply->status, 201);
	snapshot = g_strndup(reply->body + 1, reply->body_len - 2);
	rest_ok("PATCH", PROPS "/0", "{\"value\":\"changed\"}", 204, "");
	{
		g_autofree gchar *path =
		    g_strdup_printf("/api/vcenter/vm/vm-1/snapshots/%s?action=revert", snapshot);
		rest_ok("POST", path, NULL, 204, "");
	}
	env = guest_env("vm-1");
	assert_has(env, "hostname", "web-1");
	on_iso = iso_env(iso);
	ck_assert_str_eq(on_iso, env);

	/* a clone's environment names the clone, on its own ISO */
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e,
			      "POST",
			      "/api/vcenter/vm?action=clone",
			      "{\"source\":\"vm-1\",\"name\":\"web-b\"}");
	ck_assert_uint_eq(reply->status, 201);
	clone = g_strndup(reply->body + 1, reply->body_len - 2);
	clone_iso = iso_path(clone);
	clone_env = guest_env(clone);
	{
		g_autofree gchar *names = g_strdup_printf("ve:vCenterId=\"%s\"", clone);
		g_autofree gchar *clone_on_iso = iso_env(clone_iso);
		ck_assert_msg(strstr(clone_env, names) != NULL, "%s", clone_env);
		ck_assert_str_eq(clone_on_iso, clone_env);
	}
	assert_has(clone_env, "hostname", "web-1");

	/* an ISO lost while the daemon was down is made again at start */
	vmds_e2e_stop(e2e);
	ck_assert(g_unlink(iso) == 0);
	vmds_e2e_start(e2e);
	g_clear_pointer(&on_iso, g_free);
	on_iso = iso_env(iso);
	ck_assert_str_eq(on_iso, env);
}
END_TEST

START_TEST(test_guestinfo_settings)
{
	const gchar *settings = "/api/vcenter/vm/vm-1/guest-info-settings";

	rest_ok("GET",
		settings,
		NULL,
		200,
		"{\"guest_writes\":true,\"guest_size_limit\":null,"
		"\"effective_guest_size_limit\":1048576,\"guest_bytes\":0}");
	guest_run("info-set guestinfo.a 12345", 0, "\n", "");
	rest_ok("PATCH", settings, "{\"guest_writes\":false}", 204, "");
	guest_run("info-set guestinfo.a 1", 1, "", "Permission denied\n");
	guest_run("info-get guestinfo.a", 0, "12345\n", "");
	rest_ok("PATCH", settings, "{\"guest_writes\":true,\"guest_size_limit\":8}", 204, "");
	rest_ok("GET",
		settings,
		NULL,
		200,
		"{\"guest_writes\":true,\"guest_size_limit\":8,"
		"\"effective_guest_size_limit\":8,\"guest_bytes\":6}");
	/* "a" + "1234567" = 8 bytes: at the limit; one more is over it */
	guest_run("info-set guestinfo.a 1234567", 0, "\n", "");
	guest_run("info-set guestinfo.a 12345678",
		  1,
		  "",
		  "the guest may set 8 bytes of guestinfo in all\n");
	rest_ok("PATCH", settings, "{\"guest_size_limit\":null}", 204, "");
	guest_run("info-set guestinfo.a 12345678", 0, "\n", "");
	rest_fails("PATCH", settings, "{\"guest_size_limit\":-1}", 400, "INVALID_ARGUMENT");
	rest_fails("PATCH", settings, "{\"guest_size_limit\":4294967296}", 400, "INVALID_ARGUMENT");
	rest_fails("PATCH", settings, "{\"guest_writes\":\"no\"}", 400, "INVALID_ARGUMENT");
	rest_fails("PATCH", settings, "{\"writes\":true}", 400, "INVALID_ARGUMENT");
	rest_fails("PATCH", settings, "[]", 400, "INVALID_ARGUMENT");
}
END_TEST

static Suite *
vapp_suite(void)
{
	Suite *s = suite_create("e2e-vapp");
	TCase *tc = tcase_create("vapp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_vapp_environment);
	tcase_add_test(tc, test_vapp_changes);
	tcase_add_test(tc, test_vapp_lifecycle);
	tcase_add_test(tc, test_guestinfo_settings);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(vapp_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmds-e2e.h"
#include "vmds-json.h"

/*
 * cloud-init as a real client (issue 11): Debian's cloud-init (22.4 on
 * Debian 12; fetch-cloud-init unpacks the package, nothing is installed)
 * runs its OVF datasource, DataSourceOVF.get_data(), through
 * cloud-init-ovf.py in a guest that reaches vmdsd through our
 * vmware-rpctool (the com.vmware.guestInfo transport) or holds the daemon's
 * own ovf-env.iso as its CD-ROM (the iso transport), and must get the
 * instance-id, host name, user-data, public keys and password set over
 * REST. What the driver puts in place of the operating system (PATH, blkid,
 * mount, DMI) is listed at its top.
 */

static VmdsE2e *e2e = NULL;
static gchar *ci_site = NULL;	 /* the unpacked package's dist-packages */
static gchar *ci_version = NULL; /* its Debian version */

#define VAPP  "/api/vcenter/vm/vm-1/vapp"
#define PROPS "/api/vcenter/vm/vm-1/vapp/properties"

/* the values the host sets, as cloud-init must read them */
#define INSTANCE_ID "vmds-ci-0001"
#define HOSTNAME    "ci-web-1"
#define PUBLIC_KEY                                                                                 \
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKY1OxzcYcPThKWcvOuiCUVI96mmE84KVEnjdxM0u2Ug "        \
	"vmds-e2e@cloud-init"
#define PASSWORD "pa55-w0rd-ci"
#define USER_DATA                                                                                  \
	"#cloud-config\n"                                                                          \
	"# vmds-e2e-marker: cloud-init read this user-data from vmds\n"                            \
	"write_files:\n"                                                                           \
	"  - path: /etc/vmds-e2e-marker\n"                                                         \
	"    content: \"vmds\"\n"

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
rest_ok(const gchar *method, const gchar *path, const gchar *body, guint status)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, method, path, body);

	ck_assert_msg(reply->status == status,
		      "%s %s: HTTP %u, expected %u: %s",
		      method,
		      path,
		      reply->status,
		      status,
		      reply->body);
}

static gchar *
rest_body(const gchar *path)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "GET", path, NULL);

	ck_assert_msg(
	    reply->status == 200, "GET %s: HTTP %u: %s", path, reply->status, reply->body);
	return g_strndup(reply->body, reply->body_len);
}

static void
add_property(const gchar *id, const gchar *type, const gchar *value)
{
	g_autofree gchar *id_json = vmds_e2e_json_string(id, -1);
	g_autofree gchar *value_json = vmds_e2e_json_string(value, -1);
	g_autofree gchar *body =
	    g_strdup_printf("{\"id\":%s,\"type\":\"%s\",\"value\":%s}", id_json, type, value_json);

	rest_ok("POST", PROPS, body, 201);
}

/* vApp on with both transports, and the properties cloud-init reads */
static void
set_properties(void)
{
	g_autofree gchar *user_data = g_base64_encode((const guchar *)USER_DATA, strlen(USER_DATA));

	rest_ok("PATCH",
		VAPP,
		"{\"enabled\":true,\"transports\":[\"com.vmware.guestInfo\",\"iso\"]}",
		204);
	add_property("instance-id", "string", INSTANCE_ID);
	/* cloud-init takes "hostname" for "local-hostname" */
	add_property("hostname", "string(1..63)", HOSTNAME);
	add_property("user-data", "string", user_data);
	add_property("public-keys", "string", PUBLIC_KEY);
	add_property("password", "password(8..)", PASSWORD);
	/* not one cloud-init reads: it must not show up in what it got */
	add_property("motd", "string", "hello");
}

/* the ISO image the daemon keeps, <state-dir>/vms/vm-1/ovf-env.iso, as
 * GET .../vapp names it */
static gchar *
iso_path(void)
{
	g_autofree gchar *info = rest_body(VAPP);
	g_autofree gchar *in_state_dir =
	    g_build_filename(vmds_e2e_get_state_dir(e2e), "vms", "vm-1", "ovf-env.iso", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) obj = vmds_json_parse_object(info, strlen(info), &error);
	const gchar *iso = NULL;

	ck_assert_msg(obj != NULL, "%s: %s", info, error != NULL ? error->message : "");
	ck_assert_msg(vmds_json_object_get_string(obj, "iso", TRUE, &iso, &error),
		      "%s: %s",
		      info,
		      error->message);
	ck_assert_str_eq(iso, in_state_dir);
	return g_strdup(iso);
}

/* what cloud-init got in the guest MODE (cloud-init-ovf.py) */
typedef struct {
	JsonObject *obj;
	VmdsE2eRun *run;
} CloudInit;

static void
cloud_init_free(CloudInit *self)
{
	g_clear_pointer(&self->obj, json_object_unref);
	g_clear_pointer(&self->run, vmds_e2e_run_free);
	g_free(self);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CloudInit, cloud_init_free)

static const gchar *
ci_string(CloudInit *self, JsonObject *obj, const gchar *member)
{
	const gchar *value = NULL;
	g_autoptr(GError) error = NULL;

	ck_assert_msg(vmds_json_object_get_string(obj, member, TRUE, &value, &error),
		      "%s\n%s",
		      error->message,
		      self->run->out);
	return value;
}

static CloudInit *
cloud_init_run(const gchar *mode, const gchar *iso)
{
	g_autofree gchar *work = g_build_filename(vmds_e2e_get_tmp(e2e), "cloud-init", NULL);
	g_autofree gchar *pythonpath = g_strconcat("PYTHONPATH=", ci_site, NULL);
	g_autofree gchar *iso_env = g_strconcat("VMDS_OVF_ISO=", iso != NULL ? iso : "", NULL);
	const gchar *argv[] = {vmds_e2e_getenv("VMDS_CLOUD_INIT_PYTHON"),
			       vmds_e2e_getenv("VMDS_CLOUD_INIT_DRIVER"),
			       mode,
			       work,
			       NULL};
	const gchar *env[] = {pythonpath, iso_env, "PYTHONDONTWRITEBYTECODE=1", NULL};
	g_autoptr(CloudInit) self = g_new0(CloudInit, 1);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *where = NULL;

	self->run = vmds_e2e_run(e2e, argv, env, NULL, 0);
	ck_assert_msg(self->run->status == 0,
		      "cloud-init-ovf.py %s: exit status %d\n%s",
		      mode,
		      self->run->status,
		      self->run->err);
	self->obj = vmds_json_parse_object(self->run->out, self->run->out_len, &error);
	ck_assert_msg(self->obj != NULL,
		      "cloud-init-ovf.py %s: %s\n%s",
		      mode,
		      error != NULL ? error->message : "",
		      self->run->out);
	/* the unpacked package ran, not one the machine may have installed */
	where = g_build_filename(ci_site, "cloudinit", NULL);
	ck_assert_str_eq(ci_string(self, self->obj, "cloudinit_path"), where);
	ck_assert_msg(g_str_has_prefix(ci_version, ci_string(self, self->obj, "cloud_init")),
		      "%s ran, the package is %s",
		      ci_string(self, self->obj, "cloud_init"),
		      ci_version);
	return g_steal_pointer(&self);
}

static gboolean
ci_found(CloudInit *self)
{
	gboolean found = FALSE;
	gboolean present = FALSE;
	g_autoptr(GError) error = NULL;

	ck_assert_msg(vmds_json_object_get_boolean(self->obj, "found", &found, &present, &error) &&
			  present,
		      "no \"found\": %s",
		      self->run->out);
	return found;
}

static JsonObject *
ci_object(CloudInit *self, JsonObject *obj, const gchar *member)
{
	JsonNode *node = json_object_get_member(obj, member);

	ck_assert_msg(node != NULL && JSON_NODE_HOLDS_OBJECT(node),
		      "\"%s\" is not an object: %s",
		      member,
		      self->run->out);
	return json_node_get_object(node);
}

/* an array of strings, perhaps empty, joined with "|" */
static gchar *
ci_strings(CloudInit *self, JsonObject *obj, const gchar *member)
{
	JsonNode *node = json_object_get_member(obj, member);
	g_autoptr(GString) out = g_string_new(NULL);
	JsonArray *array = NULL;

	ck_assert_msg(node != NULL && JSON_NODE_HOLDS_ARRAY(node),
		      "\"%s\" is not an array: %s",
		      member,
		      self->run->out);
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		g_autoptr(GError) error = NULL;
		const gchar *s =
		    vmds_json_node_get_string(json_array_get_element(array, i), member, &error);
		ck_assert_msg(s != NULL, "%s\n%s", error->message, self->run->out);
		g_string_append_printf(out, "%s%s", i > 0 ? "|" : "", s);
	}
	return g_strdup(out->str);
}

/* an object's member names, sorted, joined with "," */
static gchar *
ci_members(JsonObject *obj)
{
	g_autoptr(GList) names = g_list_sort(json_object_get_members(obj), (GCompareFunc)strcmp);
	g_autoptr(GString) out = g_string_new(NULL);

	for (GList *l = names; l != NULL; l = l->next)
		g_string_append_printf(out, "%s%s", out->len > 0 ? "," : "", (gchar *)l->data);
	return g_strdup(out->str);
}

/* cloud-init found the environment through TRANSPORT and read the values
 * set over REST from it, no more; HOSTNAME is the property's value,
 * SHORT_NAME its first label (cloud-init's host name, the rest its domain) */
static void
assert_read(CloudInit *ci,
	    const gchar *transport,
	    const gchar *env,
	    const gchar *instance_id,
	    const gchar *hostname,
	    const gchar *short_name)
{
	g_autofree gchar *subplatform = g_strdup_printf("ovf (%s)", transport);
	JsonObject *md = NULL;
	JsonObject *cfg = NULL;
	JsonObject *data = NULL;
	g_autofree gchar *md_names = NULL;
	g_autofree gchar *cfg_names = NULL;
	g_autofree gchar *keys = NULL;
	g_autofree gchar *parts = NULL;
	g_autofree gchar *data_keys = NULL;

	ck_assert_msg(ci_found(ci), "cloud-init found no OVF environment\n%s", ci->run->err);
	ck_assert_str_eq(ci_string(ci, ci->obj, "seed"), transport);
	ck_assert_str_eq(ci_string(ci, ci->obj, "subplatform"), subplatform);
	ck_assert_str_eq(ci_string(ci, ci->obj, "environment"), env);

	/* meta-data: the three properties it reads as such, nothing else */
	md = ci_object(ci, ci->obj, "metadata");
	md_names = ci_members(md);
	ck_assert_str_eq(md_names, "instance-id,local-hostname,public-keys");
	ck_assert_str_eq(ci_string(ci, md, "instance-id"), instance_id);
	ck_assert_str_eq(ci_string(ci, md, "local-hostname"), hostname);
	ck_assert_str_eq(ci_string(ci, md, "public-keys"), PUBLIC_KEY);
	ck_assert_str_eq(ci_string(ci, ci->obj, "instance_id"), instance_id);
	ck_assert_str_eq(ci_string(ci, ci->obj, "fqdn"), hostname);
	ck_assert_str_eq(ci_string(ci, ci->obj, "hostname"), short_name);
	keys = ci_strings(ci, ci->obj, "public_keys");
	ck_assert_str_eq(keys, PUBLIC_KEY);

	/* user-data: base64 decoded, taken for cloud-config */
	ck_assert_str_eq(ci_string(ci, ci->obj, "userdata"), USER_DATA);
	parts = ci_strings(ci, ci->obj, "userdata_parts");
	ck_assert_str_eq(parts, "text/cloud-config");

	/* the password goes to its config, not its meta-data */
	cfg = ci_object(ci, ci->obj, "config");
	cfg_names = ci_members(cfg);
	ck_assert_str_eq(cfg_names, "password");
	ck_assert_str_eq(ci_string(ci, cfg, "password"), PASSWORD);

	/* the instance-data.json cloud-init wrote */
	data = ci_object(ci, ci->obj, "instance_data");
	ck_assert_str_eq(ci_string(ci, data, "instance_id"), instance_id);
	ck_assert_str_eq(ci_string(ci, data, "local_hostname"), short_name);
	ck_assert_str_eq(ci_string(ci, data, "subplatform"), subplatform);
	data_keys = ci_strings(ci, data, "public_ssh_keys");
	ck_assert_str_eq(data_keys, PUBLIC_KEY);

	/* DataSourceOVF warns when vmware-rpctool exits other than 0 or 1 */
	ck_assert_msg(strstr(ci->run->err, "[WARNING]") == NULL, "%s", ci->run->err);
}

/* the guestinfo transport: vmware-rpctool "info-get guestinfo.ovfEnv" */
static void
assert_read_guestinfo(const gchar *instance_id, const gchar *hostname, const gchar *short_name)
{
	g_autofree gchar *env = rest_body(VAPP "/environment");
	/* vmware-rpctool prints the reply and a newline; cloud-init keeps both */
	g_autofree gchar *printed = g_strconcat(env, "\n", NULL);
	g_autoptr(CloudInit) ci = cloud_init_run("guestinfo", NULL);
	g_autofree gchar *calls = NULL;

	assert_read(ci, "com.vmware.guestInfo", printed, instance_id, hostname, short_name);
	/* found before any CD-ROM was looked for */
	calls = ci_strings(ci, ci->obj, "os_calls");
	ck_assert_str_eq(calls, "");
}

/* the ISO transport: the daemon's ovf-env.iso in the guest's CD-ROM drive */
static void
assert_read_iso(const gchar *instance_id, const gchar *hostname, const gchar *short_name)
{
	g_autofree gchar *env = rest_body(VAPP "/environment");
	g_autofree gchar *iso = iso_path();
	g_autoptr(CloudInit) ci = cloud_init_run("iso", iso);
	g_autofree gchar *calls = NULL;
	g_auto(GStrv) call = NULL;
	g_autofree gchar *dev = NULL;
	g_autofree gchar *mount = NULL;
	g_autofree gchar *umount = NULL;
	const gchar *mount_point = NULL;

	assert_read(ci, "iso", env, instance_id, hostname, short_name);

	/* cloud-init looked for ISO 9660 devices with blkid, mounted the one it
	 * found read-only as iso9660, and unmounted it */
	calls = ci_strings(ci, ci->obj, "os_calls");
	call = g_strsplit(calls, "|", -1);
	ck_assert_msg(g_strv_length(call) == 3, "%s", calls);
	ck_assert_str_eq(call[0], "blkid -tTYPE=iso9660 -odevice");
	dev = g_build_filename(vmds_e2e_get_tmp(e2e), "cloud-init", "iso", "dev", "sr0", NULL);
	mount = g_strdup_printf("mount -o ro -t iso9660 %s ", dev);
	ck_assert_msg(g_str_has_prefix(call[1], mount), "%s", call[1]);
	mount_point = call[1] + strlen(mount);
	umount = g_strdup_printf("umount %s", mount_point);
	ck_assert_str_eq(call[2], umount);
}

START_TEST(test_cloud_init_guestinfo)
{
	set_properties();
	assert_read_guestinfo(INSTANCE_ID, HOSTNAME, HOSTNAME);
}
END_TEST

START_TEST(test_cloud_init_iso)
{
	set_properties();
	assert_read_iso(INSTANCE_ID, HOSTNAME, HOSTNAME);
}
END_TEST

/* cloud-init 23.4 and later fall back to `vmtoolsd --cmd` when there is no
 * vmware-rpctool (upstream 3a031a75e, "vmware: Fall back to vmtoolsd if
 * vmware-rpctool errs (#4444)"); 22.4's transport_vmware_guestinfo() runs
 * vmware-rpctool only, so a guest with vmtoolsd alone and no CD-ROM gives
 * it nothing */
static gboolean
ci_has_vmtoolsd_fallback(void)
{
	guint major = 0;
	guint minor = 0;

	ck_assert_msg(sscanf(ci_version, "%u.%u", &major, &minor) == 2, "%s", ci_version);
	return major > 23 || (major == 23 && minor >= 4);
}

START_TEST(test_cloud_init_vmtoolsd_only)
{
	g_autoptr(CloudInit) ci = NULL;
	g_autofree gchar *calls = NULL;

	set_properties();
	ci = cloud_init_run("vmtoolsd", NULL);
	if (ci_has_vmtoolsd_fallback()) {
		g_autofree gchar *env = rest_body(VAPP "/environment");
		g_autofree gchar *printed = g_strconcat(env, "\n", NULL);
		assert_read(ci, "com.vmware.guestInfo", printed, INSTANCE_ID, HOSTNAME, HOSTNAME);
		calls = ci_strings(ci, ci->obj, "os_calls");
		ck_assert_str_eq(calls, "");
	} else {
		/* it went on to look for a CD-ROM, and found none */
		ck_assert_msg(!ci_found(ci), "%s", ci->run->out);
		calls = ci_strings(ci, ci->obj, "os_calls");
		ck_assert_str_eq(calls, "blkid -tTYPE=iso9660 -odevice");
		g_print("cloud-init %s has no vmtoolsd fallback: nothing found, as expected\n",
			ci_version);
	}
}
END_TEST

/* what the host changes, cloud-init reads on its next run, through either
 * transport; with vApp off, vmware-rpctool's "No value found" (exit 1) is
 * "not there" to cloud-init, not a failure */
START_TEST(test_cloud_init_changes)
{
	g_autoptr(CloudInit) ci = NULL;
	g_autofree gchar *calls = NULL;

	set_properties();
	assert_read_guestinfo(INSTANCE_ID, HOSTNAME, HOSTNAME);
	/* a new instance, and the property under cloud-init's own name */
	rest_ok("PATCH", PROPS "/0", "{\"value\":\"vmds-ci-0002\"}", 204);
	rest_ok(
	    "PATCH",
	    PROPS "/1",
	    "{\"id\":\"local-hostname\",\"type\":\"string\",\"value\":\"ci-web-2.example.org\"}",
	    204);
	assert_read_guestinfo("vmds-ci-0002", "ci-web-2.example.org", "ci-web-2");
	assert_read_iso("vmds-ci-0002", "ci-web-2.example.org", "ci-web-2");

	rest_ok("PATCH", VAPP, "{\"enabled\":false}", 204);
	ci = cloud_init_run("guestinfo", NULL);
	ck_assert_msg(!ci_found(ci), "%s", ci->run->out);
	/* so it went on to look for a CD-ROM */
	calls = ci_strings(ci, ci->obj, "os_calls");
	ck_assert_str_eq(calls, "blkid -tTYPE=iso9660 -odevice");
	ck_assert_msg(strstr(ci->run->err, "[WARNING]") == NULL, "%s", ci->run->err);
}
END_TEST

/* "ok VERSION" from fetch-cloud-init, else why it is not there */
static gchar *
ci_unavailable(void)
{
	const gchar *stamp = g_getenv("VMDS_CLOUD_INIT_STAMP");
	g_autofree gchar *text = NULL;
	g_autofree gchar *dir = NULL;

	if (stamp == NULL || !g_file_get_contents(stamp, &text, NULL, NULL))
		return g_strdup("no stamp from fetch-cloud-init (run through meson test)");
	g_strstrip(text);
	if (!g_str_has_prefix(text, "ok "))
		return g_steal_pointer(&text);
	dir = g_path_get_dirname(stamp);
	ci_site = g_build_filename(
	    dir, "cloud-init", "root", "usr", "lib", "python3", "dist-packages", NULL);
	ci_version = g_strdup(text + strlen("ok "));
	return NULL;
}

int
main(void)
{
	g_autofree gchar *unavailable = ci_unavailable();
	g_autoptr(SRunner) runner = NULL;
	Suite *s;
	TCase *tc;

	if (unavailable != NULL) {
		g_print("SKIP: Debian's cloud-init cannot be had here: %s\n", unavailable);
		return 77;
	}
	g_print("cloud-init %s\n", ci_version);
	s = suite_create("e2e-cloud-init");
	tc = tcase_create("ovf");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cloud_init_guestinfo);
	tcase_add_test(tc, test_cloud_init_iso);
	tcase_add_test(tc, test_cloud_init_vmtoolsd_only);
	tcase_add_test(tc, test_cloud_init_changes);
	suite_add_tcase(s, tc);
	runner = srunner_create(s);
	srunner_run_all(runner, CK_ENV);
	g_free(ci_site);
	g_free(ci_version);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

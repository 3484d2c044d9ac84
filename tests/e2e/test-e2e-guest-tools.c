/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vmds-e2e.h"
#include "vmds-ovf-env.h"
#include "vmds-ovf-iso.h"

/*
 * The guest's other tools against a real daemon with the guestinfo plugin:
 * vmware-rpctool (open-vm-tools' arguments, vmtoolsd --cmd's output and
 * exit status, the same bytes as vmtoolsd for the same request) and
 * vmds-ovfenv (the OVF environment the host PUT as guestinfo.ovfEnv, or
 * given as a file or an ISO image: all properties, --key, --json, and a
 * broken environment refused).
 */

#define ENV_NS "http://schemas.dmtf.org/ovf/environment/1"

/* [vmware] open-vm-tools' rpctool/rpctool.c, word for word */
#define RPCTOOL_USAGE                                                                              \
	"rpctool syntax:\n"                                                                        \
	"\n"                                                                                       \
	"  -h | --help\tprint usage.\n"                                                            \
	"  rpctool <text>\tsend <text> as an RPC command.\n"

static VmdsE2e *e2e = NULL;

static void
setup(void)
{
	e2e = vmds_e2e_new("[guestinfo]\nguest-size-limit=4096\n");
}

static void
teardown(void)
{
	g_clear_pointer(&e2e, vmds_e2e_free);
}

/* `vmware-rpctool ARGS...` (@args NULL-terminated, maybe empty) */
static VmdsE2eRun *
rpctool(const gchar *const *args, const gchar *const *env)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	g_ptr_array_add(argv, (gpointer)vmds_e2e_getenv("VMWARE_RPCTOOL"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	return vmds_e2e_run(e2e, (const gchar *const *)argv->pdata, env, NULL, 0);
}

static void
rpctool_run(const gchar *text, gint status, const gchar *out, const gchar *err)
{
	const gchar *const args[] = {text, NULL};
	g_autoptr(VmdsE2eRun) run = rpctool(args, NULL);
	vmds_e2e_assert_run(run, status, out, err);
}

/* `vmds-ovfenv ARGS...` */
static VmdsE2eRun *
ovfenv(const gchar *const *args, const gchar *const *env)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	g_ptr_array_add(argv, (gpointer)vmds_e2e_getenv("VMDS_OVFENV"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	return vmds_e2e_run(e2e, (const gchar *const *)argv->pdata, env, NULL, 0);
}

/* the host sets guestinfo.NAME over REST */
static void
put_guestinfo(const gchar *name, const gchar *value)
{
	g_autofree gchar *path = g_strdup_printf("/api/vcenter/vm/vm-1/guest-info/%s", name);
	g_autofree gchar *body = vmds_e2e_json_string(value, -1);
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "PUT", path, body);

	vmds_e2e_assert_reply(reply, 204, "");
}

START_TEST(test_guest_tools_rpctool)
{
	g_autofree gchar *missing = g_build_filename(vmds_e2e_get_tmp(e2e), "none.sock", NULL);
	g_autofree gchar *missing_env = g_strdup_printf("VMTOOLSD_CHANNEL=unix:%s", missing);
	g_autofree gchar *missing_err =
	    g_strdup_printf("vmware-rpctool: cannot reach vmdsd at unix:%s: ", missing);
	const gchar *const no_args[] = {NULL};
	const gchar *const help[] = {"--help", NULL};
	const gchar *const h[] = {"-h", NULL};
	const gchar *const h_prefix[] = {"-hx", "info-get guestinfo.x", NULL};
	const gchar *const extra[] = {"info-get guestinfo.x", "info-get guestinfo.y", "z", NULL};
	const gchar *const get_x[] = {"info-get guestinfo.x", NULL};
	const gchar *const unreachable[] = {missing_env, NULL};
	g_autoptr(VmdsE2eRun) run = NULL;

	put_guestinfo("x", "hello world");
	rpctool_run("info-get guestinfo.x", 0, "hello world\n", "");
	rpctool_run("info-get guestinfo.missing", 1, "", "No value found\n");
	/* a guest write, then read back */
	rpctool_run("info-set guestinfo.y from the guest", 0, "\n", "");
	rpctool_run("info-get guestinfo.y", 0, "from the guest\n", "");
	/* the empty command, and options open-vm-tools does not have: commands */
	rpctool_run("", 1, "", "Unknown command\n");
	rpctool_run("--version", 1, "", "Unknown command\n");

	/* no argument: the usage on stderr, exit 1 */
	run = rpctool(no_args, NULL);
	vmds_e2e_assert_run(run, 1, "", RPCTOOL_USAGE);
	g_clear_pointer(&run, vmds_e2e_run_free);
	/* asked for: the usage on stderr too, exit 0; -h and --help are prefixes */
	run = rpctool(help, NULL);
	vmds_e2e_assert_run(run, 0, "", RPCTOOL_USAGE);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = rpctool(h, NULL);
	vmds_e2e_assert_run(run, 0, "", RPCTOOL_USAGE);
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = rpctool(h_prefix, NULL);
	vmds_e2e_assert_run(run, 0, "", RPCTOOL_USAGE);
	g_clear_pointer(&run, vmds_e2e_run_free);
	/* only the first argument is sent */
	run = rpctool(extra, NULL);
	vmds_e2e_assert_run(run, 0, "hello world\n", "");
	g_clear_pointer(&run, vmds_e2e_run_free);

	/* no daemon there: one line naming the address, exit 1 */
	run = rpctool(get_x, unreachable);
	ck_assert_int_eq(run->status, 1);
	ck_assert_str_eq(run->out, "");
	ck_assert_msg(g_str_has_prefix(run->err, missing_err) && g_str_has_suffix(run->err, "\n") &&
			  strchr(run->err, '\n') == run->err + run->err_len - 1,
		      "%s",
		      run->err);
}
END_TEST

/* vmware-rpctool "TEXT" and vmtoolsd --cmd "TEXT": the same bytes and status */
START_TEST(test_guest_tools_same_as_vmtoolsd)
{
	const gchar *requests[] = {
	    "info-get guestinfo.x",
	    "info-get guestinfo.multi",
	    "info-get guestinfo.missing",
	    "info-get not-guestinfo",
	    "info-set guestinfo.z 1",
	    "",
	    "no-such-command",
	    "datasets-list",
	    "datasets-get-entry {\"dataset\":\"nope\",\"keys\":[\"k\"]}",
	    "datasets-get-entry not json",
	};

	put_guestinfo("x", "hello world");
	put_guestinfo("multi", "line one\nline two\ttabbed é€ \"quoted\"");
	for (guint i = 0; i < G_N_ELEMENTS(requests); i++) {
		const gchar *const args[] = {requests[i], NULL};
		g_autoptr(VmdsE2eRun) tool = rpctool(args, NULL);
		g_autoptr(VmdsE2eRun) cmd = vmds_e2e_vmtoolsd(e2e, requests[i]);

		ck_assert_msg(tool->status == cmd->status && tool->out_len == cmd->out_len &&
				  memcmp(tool->out, cmd->out, cmd->out_len) == 0 &&
				  tool->err_len == cmd->err_len &&
				  memcmp(tool->err, cmd->err, cmd->err_len) == 0,
			      "'%s': vmware-rpctool %d [%s] [%s], vmtoolsd %d [%s] [%s]",
			      requests[i],
			      tool->status,
			      tool->out,
			      tool->err,
			      cmd->status,
			      cmd->out,
			      cmd->err);
	}
	/* and the exit status of a DataSets failure envelope is vmtoolsd's: 1 */
	{
		const gchar *const args[] = {requests[8], NULL};
		g_autoptr(VmdsE2eRun) tool = rpctool(args, NULL);
		ck_assert_int_eq(tool->status, 1);
		ck_assert_msg(
		    g_str_has_prefix(tool->out,
				     "{\"result\":false,\"error-id\":\"dataset-not-found\""),
		    "%s",
		    tool->out);
	}
}
END_TEST

/* the environment of these tests, as the vApp plugin will write it */
static const VmdsOvfEnvProperty env_props[] = {
    {"hostname", "web-01"},
    {"vami.ip0.VM_1", "192.0.2.10"},
    {"motd", "line one\nline two"},
    {"quote", "say \"hi\" & <bye>"},
    {"empty", ""},
};

/* what vmds-ovfenv prints for it, in the document's order */
#define ENV_LINES                                                                                  \
	"hostname=web-01\n"                                                                        \
	"vami.ip0.VM_1=192.0.2.10\n"                                                               \
	"motd=line one\n"                                                                          \
	"line two\n"                                                                               \
	"quote=say \"hi\" & <bye>\n"                                                               \
	"empty=\n"

static GBytes *
env_doc(void)
{
	g_autoptr(GError) error = NULL;
	GBytes *doc = vmds_ovf_env_write("vm-1", env_props, G_N_ELEMENTS(env_props), &error);

	ck_assert_msg(doc != NULL, "%s", error != NULL ? error->message : "");
	return doc;
}

static void
ovfenv_run(const gchar *const *args, gint status, const gchar *out, const gchar *err)
{
	g_autoptr(VmdsE2eRun) run = ovfenv(args, NULL);
	vmds_e2e_assert_run(run, status, out, err);
}

/* --json: one object, members in the document's order, and a newline */
static void
assert_env_json(const gchar *out)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GList) members = NULL;
	JsonNode *root;
	JsonObject *obj;
	guint i = 0;

	ck_assert_msg(g_str_has_suffix(out, "}\n"), "%s", out);
	ck_assert_msg(json_parser_load_from_data(parser, out, -1, &error), "%s", error->message);
	root = json_parser_get_root(parser);
	ck_assert(JSON_NODE_HOLDS_OBJECT(root));
	obj = json_node_get_object(root);
	ck_assert_uint_eq(json_object_get_size(obj), G_N_ELEMENTS(env_props));
	members = json_object_get_members(obj);
	for (GList *l = members; l != NULL; l = l->next, i++) {
		JsonNode *value = json_object_get_member(obj, l->data);
		ck_assert_str_eq(l->data, env_props[i].key);
		ck_assert(JSON_NODE_HOLDS_VALUE(value) &&
			  json_node_get_value_type(value) == G_TYPE_STRING);
		ck_assert_str_eq(json_node_get_string(value), env_props[i].value);
	}
}

START_TEST(test_guest_tools_ovfenv_guestinfo)
{
	g_autoptr(GBytes) doc = env_doc();
	g_autofree gchar *text = g_strndup(g_bytes_get_data(doc, NULL), g_bytes_get_size(doc));
	g_autofree gchar *raw = g_strdup_printf("%s\n", text);
	const gchar *const all[] = {NULL};
	const gchar *const json[] = {"--json", NULL};
	const gchar *const key[] = {"--key", "hostname", NULL};
	const gchar *const key_short[] = {"-k", "vami.ip0.VM_1", NULL};
	const gchar *const key_lines[] = {"--key", "motd", NULL};
	const gchar *const key_empty[] = {"--key", "empty", NULL};
	const gchar *const key_json[] = {"--key", "motd", "--json", NULL};
	const gchar *const key_missing[] = {"--key", "nope", NULL};
	const gchar *const key_case[] = {"--key", "HOSTNAME", NULL};
	const gchar *const get_env[] = {"info-get guestinfo.ovfEnv", NULL};
	g_autoptr(VmdsE2eRun) run = NULL;

	/* none set yet */
	ovfenv_run(
	    all, 1, "", "vmds-ovfenv: no guestinfo.ovfEnv: the daemon answered 'No value found'\n");

	put_guestinfo("ovfEnv", text);
	/* what cloud-init reads first: the document and a newline */
	run = rpctool(get_env, NULL);
	vmds_e2e_assert_run(run, 0, raw, "");
	g_clear_pointer(&run, vmds_e2e_run_free);

	ovfenv_run(all, 0, ENV_LINES, "");
	ovfenv_run(key, 0, "web-01\n", "");
	ovfenv_run(key_short, 0, "192.0.2.10\n", "");
	ovfenv_run(key_lines, 0, "line one\nline two\n", "");
	ovfenv_run(key_empty, 0, "\n", "");
	ovfenv_run(key_json, 0, "\"line one\\nline two\"\n", "");
	ovfenv_run(key_missing,
		   2,
		   "",
		   "vmds-ovfenv: guestinfo.ovfEnv: no property 'nope' in the OVF environment\n");
	/* keys are compared byte for byte */
	ovfenv_run(
	    key_case,
	    2,
	    "",
	    "vmds-ovfenv: guestinfo.ovfEnv: no property 'HOSTNAME' in the OVF environment\n");
	run = ovfenv(json, NULL);
	ck_assert_msg(run->status == 0 && run->err_len == 0, "%d %s", run->status, run->err);
	assert_env_json(run->out);
	g_clear_pointer(&run, vmds_e2e_run_free);

	/* broken environments: nothing on stdout, why on stderr, exit 1 */
	put_guestinfo("ovfEnv",
		      "<?xml version=\"1.0\"?>\n<Environment xmlns=\"http://example.com/wrong\"/>");
	ovfenv_run(all,
		   1,
		   "",
		   "vmds-ovfenv: guestinfo.ovfEnv: the OVF environment is broken: the root "
		   "element Environment is in namespace http://example.com/wrong, not in " ENV_NS
		   "\n");
	run = ovfenv(key, NULL);
	ck_assert_int_eq(run->status, 1);
	ck_assert_str_eq(run->out, "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	put_guestinfo("ovfEnv", "hostname=web-01");
	ovfenv_run(all,
		   1,
		   "",
		   "vmds-ovfenv: guestinfo.ovfEnv: the OVF environment does not start with an XML "
		   "declaration (<?xml version=\"1.0\" ...?>)\n");
	put_guestinfo(
	    "ovfEnv",
	    "<?xml version=\"1.0\"?>\n<Environment xmlns=\"" ENV_NS "\" xmlns:oe=\"" ENV_NS
	    "\">\n<PropertySection>\n<Property oe:key=\"a\" oe:value=\"1\"/>\n"
	    "<Property oe:key=\"a\" oe:value=\"2\"/>\n</PropertySection>\n</Environment>\n");
	ovfenv_run(all,
		   1,
		   "",
		   "vmds-ovfenv: guestinfo.ovfEnv: the OVF environment is broken: property 'a' is "
		   "given twice, at lines 4 and 5\n");
}
END_TEST

START_TEST(test_guest_tools_ovfenv_file)
{
	g_autoptr(GBytes) doc = env_doc();
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) iso =
	    vmds_ovf_iso_build(doc, G_GINT64_CONSTANT(1700000000) * G_USEC_PER_SEC, &error);
	g_autofree gchar *xml_path = NULL;
	g_autofree gchar *iso_path = NULL;
	g_autofree gchar *bad_path = NULL;
	g_autofree gchar *junk_path = NULL;
	g_autofree gchar *bad_err = NULL;
	g_autofree gchar *missing = g_build_filename(vmds_e2e_get_tmp(e2e), "none.sock", NULL);
	g_autofree gchar *missing_env = g_strdup_printf("VMTOOLSD_CHANNEL=unix:%s", missing);
	const gchar *const unreachable[] = {missing_env, NULL};
	const gchar truncated[] = "<?xml version=\"1.0\"?>\n<Environment xmlns=\"" ENV_NS "\">\n"
				  "<PropertySection>\n<Prop";
	guint8 junk[4096] = {0};
	g_autoptr(VmdsE2eRun) run = NULL;

	ck_assert_msg(iso != NULL, "%s", error != NULL ? error->message : "");
	xml_path = vmds_e2e_write_file(
	    e2e, "ovf-env.xml", g_bytes_get_data(doc, NULL), g_bytes_get_size(doc));
	iso_path = vmds_e2e_write_file(
	    e2e, "ovf-env.iso", g_bytes_get_data(iso, NULL), g_bytes_get_size(iso));
	bad_path = vmds_e2e_write_file(e2e, "broken.xml", truncated, sizeof(truncated) - 1);
	junk_path = vmds_e2e_write_file(e2e, "junk.bin", (const gchar *)junk, sizeof(junk));

	{
		/* a file needs no daemon */
		const gchar *const args[] = {"--file", xml_path, NULL};
		run = ovfenv(args, unreachable);
		vmds_e2e_assert_run(run, 0, ENV_LINES, "");
		g_clear_pointer(&run, vmds_e2e_run_free);
	}
	{
		const gchar *const args[] = {"--file", iso_path, NULL};
		ovfenv_run(args, 0, ENV_LINES, "");
	}
	{
		const gchar *const args[] = {"-f", iso_path, "--key", "hostname", NULL};
		ovfenv_run(args, 0, "web-01\n", "");
	}
	{
		const gchar *const args[] = {"--file", iso_path, "--json", NULL};
		run = ovfenv(args, NULL);
		ck_assert_msg(
		    run->status == 0 && run->err_len == 0, "%d %s", run->status, run->err);
		assert_env_json(run->out);
		g_clear_pointer(&run, vmds_e2e_run_free);
	}
	{
		const gchar *const args[] = {"--file", bad_path, NULL};
		bad_err = g_strdup_printf("vmds-ovfenv: %s: the OVF environment is broken: it is "
					  "not well-formed XML: line 4: ",
					  bad_path);
		run = ovfenv(args, NULL);
		ck_assert_int_eq(run->status, 1);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(g_str_has_prefix(run->err, bad_err), "%s", run->err);
		g_clear_pointer(&run, vmds_e2e_run_free);
	}
	{
		/* neither XML nor an ISO image */
		const gchar *const args[] = {"--file", junk_path, NULL};
		run = ovfenv(args, NULL);
		ck_assert_int_eq(run->status, 1);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(g_str_has_prefix(run->err, "vmds-ovfenv: ") &&
				  strstr(run->err, junk_path) != NULL,
			      "%s",
			      run->err);
		g_clear_pointer(&run, vmds_e2e_run_free);
	}
	{
		/* a wrong option */
		const gchar *const args[] = {"--no-such-option", NULL};
		run = ovfenv(args, NULL);
		ck_assert_int_eq(run->status, 1);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(g_str_has_prefix(run->err, "vmds-ovfenv: "), "%s", run->err);
	}
}
END_TEST

static Suite *
guest_tools_suite(void)
{
	Suite *s = suite_create("e2e-guest-tools");
	TCase *tc = tcase_create("guest-tools");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_guest_tools_rpctool);
	tcase_add_test(tc, test_guest_tools_same_as_vmtoolsd);
	tcase_add_test(tc, test_guest_tools_ovfenv_guestinfo);
	tcase_add_test(tc, test_guest_tools_ovfenv_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(guest_tools_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vmds-e2e.h"

/*
 * The guest configuration nouns of the vmds CLI against a real daemon with
 * the guestinfo and vApp plugins (issue 11, docs: notes/vapp-api.md, the
 * plugins' READMEs): every command of `vmds guestinfo` and `vmds vapp`, the
 * guest's side read back with the real vmtoolsd, the ISO image read back
 * with bsdtar, the daemon's errors as one line with exit 1, usage errors
 * with exit 2.
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

/* vmds ARGS succeeds with exactly @out on stdout */
static void
cli_ok(const gchar *const *args, const gchar *out)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
	vmds_e2e_assert_run(run, 0, out, "");
}

/* vmds ARGS succeeds; what it wrote on stdout */
static gchar *
cli_out(const gchar *const *args, gsize *len)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);

	ck_assert_msg(run->status == 0, "exit %d: [%s]", run->status, run->err);
	ck_assert_str_eq(run->err, "");
	if (len != NULL)
		*len = run->out_len;
	return g_steal_pointer(&run->out);
}

/* vmds ARGS fails with exit 1: nothing on stdout, stderr exactly @err */
static void
cli_fails(const gchar *const *args, const gchar *err)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
	vmds_e2e_assert_run(run, 1, "", err);
}

/* vmds ARGS is a usage error: exit 2, nothing on stdout, the message
 * naming @what, then the hint to --help */
static void
cli_usage(const gchar *const *args, const gchar *what)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);

	ck_assert_msg(run->status == 2, "exit %d: [%s]", run->status, run->err);
	ck_assert_str_eq(run->out, "");
	ck_assert_msg(g_str_has_prefix(run->err, "vmds: ") && strstr(run->err, what) != NULL &&
			  strstr(run->err, "\nTry 'vmds ") != NULL,
		      "[%s] does not say %s",
		      run->err,
		      what);
}

/* the guest's `vmtoolsd --cmd CMD` */
static void
guest_run(const gchar *cmd, gint status, const gchar *out, const gchar *err)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
	vmds_e2e_assert_run(run, status, out, err);
}

START_TEST(test_cli_guestinfo)
{
	const gchar file_value[] = "<Environment/>\n";
	g_autofree gchar *file =
	    vmds_e2e_write_file(e2e, "value.xml", file_value, strlen(file_value));

	/* a VM without variables: an empty list prints nothing at all */
	{
		const gchar *const args[] = {"guestinfo", "ls", "vm-1", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"--json", "guestinfo", "ls", "vm-1", NULL};
		cli_ok(args, "[]\n");
	}
	/* VALUE, guestinfo.NAME in any case, --file, '-' and standard input */
	{
		const gchar *const args[] = {
		    "guestinfo", "set", "vm-1", "GuestInfo.hostname", "web-01", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {
		    "guestinfo", "set", "vm-1", "cfg", "--file", file, NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"guestinfo", "set", "vm-1", "motd", "-", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds_input(e2e, args, "hello\nworld\n", 12);
		vmds_e2e_assert_run(run, 0, "", "");
	}
	{
		/* what a path gives meaning to travels percent-encoded */
		const gchar *const args[] = {"guestinfo", "set", "vm-1", "a/b%?#&ü", "-x", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		ck_assert_int_eq(run->status, 2); /* "-x" is an option */
	}
	{
		const gchar *const args[] = {
		    "guestinfo", "set", "vm-1", "a/b%?#&ü", "--", "-x", NULL};
		cli_ok(args, "");
	}
	/* the guest reads what the CLI wrote, by guestinfo.NAME in any case */
	guest_run("info-get guestinfo.hostname", 0, "web-01\n", "");
	guest_run("info-get guestinfo.CFG", 0, "<Environment/>\n\n", "");
	guest_run("info-get guestinfo.motd", 0, "hello\nworld\n\n", "");
	guest_run("info-get guestinfo.a/b%?#&ü", 0, "-x\n", "");
	/* and the CLI what the guest wrote */
	guest_run("info-set guestinfo.fromGuest up", 0, "\n", "");
	{
		/* by name, without guestinfo.; a newline in the table is a space */
		const gchar *const args[] = {"guestinfo", "ls", "vm-1", NULL};
		cli_ok(args,
		       "NAME       VALUE\n"
		       "a/b%?#&ü   -x\n"
		       "cfg        <Environment/> \n"
		       "fromGuest  up\n"
		       "hostname   web-01\n"
		       "motd       hello world \n");
	}
	{
		const gchar *const args[] = {"--json", "guestinfo", "ls", "vm-1", NULL};
		cli_ok(args,
		       "[{\"name\":\"a/b%?#&ü\",\"value\":\"-x\"},"
		       "{\"name\":\"cfg\",\"value\":\"<Environment/>\\n\"},"
		       "{\"name\":\"fromGuest\",\"value\":\"up\"},"
		       "{\"name\":\"hostname\",\"value\":\"web-01\"},"
		       "{\"name\":\"motd\",\"value\":\"hello\\nworld\\n\"}]\n");
	}
	/* get: the value exactly, then one newline */
	{
		const gchar *const args[] = {
		    "guestinfo", "get", "vm-1", "GUESTINFO.FROMGUEST", NULL};
		cli_ok(args, "up\n");
	}
	{
		const gchar *const args[] = {"guestinfo", "get", "vm-1", "motd", NULL};
		cli_ok(args, "hello\nworld\n\n");
	}
	{
		const gchar *const args[] = {"--json", "guestinfo", "get", "vm-1", "motd", NULL};
		cli_ok(args, "\"hello\\nworld\\n\"\n");
	}
	{
		const gchar *const args[] = {"guestinfo", "get", "vm-1", "a/b%?#&ü", NULL};
		cli_ok(args, "-x\n");
	}
	/* rm, then it is gone for both sides */
	{
		const gchar *const args[] = {"guestinfo", "rm", "vm-1", "guestinfo.hostname", NULL};
		cli_ok(args, "");
	}
	guest_run("info-get guestinfo.hostname", 1, "", "No value found\n");
	{
		const gchar *const args[] = {"guestinfo", "get", "vm-1", "hostname", NULL};
		cli_fails(args, "vmds: No value found (NOT_FOUND)\n");
	}
	{
		const gchar *const args[] = {"guestinfo", "rm", "vm-1", "hostname", NULL};
		cli_fails(args, "vmds: no guestinfo.hostname (NOT_FOUND)\n");
	}
	{
		const gchar *const args[] = {"guestinfo", "ls", "vm-9", NULL};
		cli_fails(args, "vmds: no VM 'vm-9' (NOT_FOUND)\n");
	}
	/* the daemon refuses a name with blanks */
	{
		const gchar *const args[] = {"guestinfo", "set", "vm-1", "two words", "v", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		ck_assert_int_eq(run->status, 1);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(g_str_has_prefix(run->err, "vmds: ") &&
				  g_str_has_suffix(run->err, " (INVALID_ARGUMENT)\n"),
			      "[%s]",
			      run->err);
	}
	/* usage errors, before any request */
	{
		const gchar *const args[] = {"guestinfo", "get", "vm-1", "guestinfo.", NULL};
		cli_usage(args, "'guestinfo.' names no guestinfo variable");
	}
	{
		const gchar *const args[] = {"guestinfo", "get", "vm-1", "guestinfo...", NULL};
		cli_usage(args, "cannot be used as a guestinfo name");
	}
	{
		const gchar *const args[] = {"guestinfo", "get", "vm-1", NULL};
		cli_usage(args, "missing arguments: vmds guestinfo get VM NAME");
	}
	{
		const gchar *const args[] = {
		    "guestinfo", "set", "vm-1", "x", "v", "--file", file, NULL};
		cli_usage(args, "give either VALUE or --file, not both");
	}
	{
		const gchar *const args[] = {"guestinfo", "rm", "vm-1", "x", "--force", NULL};
		cli_usage(args, "'guestinfo rm' takes no --force");
	}
	{
		const gchar *const args[] = {"guestinfo", "ls", "..", NULL};
		cli_usage(args, "'..' cannot be used");
	}
	/* nothing changed by the failures */
	{
		const gchar *const args[] = {"guestinfo", "get", "vm-1", "cfg", NULL};
		cli_ok(args, "<Environment/>\n\n");
	}
}
END_TEST

START_TEST(test_cli_guestinfo_settings)
{
	/* the defaults: guest writes on, the daemon's limit of 1 MiB */
	{
		const gchar *const args[] = {"guestinfo", "settings", "vm-1", NULL};
		cli_ok(args,
		       "guest_writes: true\nguest_size_limit: null\n"
		       "effective_guest_size_limit: 1048576\nguest_bytes: 0\n");
	}
	/* the guest's bytes are its names' and values'; the host's count not */
	guest_run("info-set guestinfo.ab cde", 0, "\n", "");
	{
		const gchar *const args[] = {
		    "guestinfo", "set", "vm-1", "host", "not counted", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"--json", "guestinfo", "settings", "vm-1", NULL};
		cli_ok(args,
		       "{\"guest_writes\":true,\"guest_size_limit\":null,"
		       "\"effective_guest_size_limit\":1048576,\"guest_bytes\":5}\n");
	}
	{
		const gchar *const args[] = {"guestinfo",
					     "settings",
					     "vm-1",
					     "--guest-writes=off",
					     "--size-limit",
					     "10",
					     NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"--json", "guestinfo", "settings", "vm-1", NULL};
		cli_ok(args,
		       "{\"guest_writes\":false,\"guest_size_limit\":10,"
		       "\"effective_guest_size_limit\":10,\"guest_bytes\":5}\n");
	}
	guest_run("info-set guestinfo.x y", 1, "", "Permission denied\n");
	/* writes back on, within the VM's own limit of 10 */
	{
		const gchar *const args[] = {
		    "guestinfo", "settings", "vm-1", "--guest-writes", "on", NULL};
		cli_ok(args, "");
	}
	guest_run("info-set guestinfo.x 0123456789",
		  1,
		  "",
		  "the guest may set 10 bytes of guestinfo in all\n");
	guest_run("info-set guestinfo.x y", 0, "\n", "");
	/* back to the daemon's limit; the guest's bytes stay */
	{
		const gchar *const args[] = {
		    "guestinfo", "settings", "vm-1", "--size-limit=default", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"guestinfo", "settings", "vm-1", NULL};
		cli_ok(args,
		       "guest_writes: true\nguest_size_limit: null\n"
		       "effective_guest_size_limit: 1048576\nguest_bytes: 7\n");
	}
	/* usage errors */
	{
		const gchar *const args[] = {
		    "guestinfo", "settings", "vm-1", "--guest-writes=maybe", NULL};
		cli_usage(args, "invalid --guest-writes 'maybe': expected on or off");
	}
	{
		const gchar *const args[] = {
		    "guestinfo", "settings", "vm-1", "--size-limit=-1", NULL};
		cli_usage(args, "invalid --size-limit '-1'");
	}
	{
		const gchar *const args[] = {
		    "guestinfo", "settings", "vm-1", "--size-limit=4294967296", NULL};
		cli_usage(args, "invalid --size-limit '4294967296'");
	}
	{
		const gchar *const args[] = {"guestinfo", "settings", "vm-9", NULL};
		cli_fails(args, "vmds: no VM 'vm-9' (NOT_FOUND)\n");
	}
}
END_TEST

/* the ISO image the daemon keeps for vm-1 */
static gchar *
cli_iso_path(void)
{
	return g_build_filename(vmds_e2e_get_state_dir(e2e), "vms", "vm-1", "ovf-env.iso", NULL);
}

/* `bsdtar -xOf FILE ovf-env.xml`: what a standard ISO 9660 reader finds */
static gchar *
cli_iso_env(const gchar *file, gsize *len)
{
	g_autofree gchar *bsdtar = g_find_program_in_path("bsdtar");
	const gchar *const argv[] = {bsdtar, "-xOf", file, "ovf-env.xml", NULL};
	g_autoptr(VmdsE2eRun) run = NULL;

	ck_assert_msg(bsdtar != NULL, "bsdtar(1) is needed (libarchive-tools)");
	run = vmds_e2e_run(e2e, argv, NULL, NULL, 0);
	ck_assert_msg(run->status == 0, "bsdtar: %d: %s", run->status, run->err);
	*len = run->out_len;
	return g_steal_pointer(&run->out);
}

START_TEST(test_cli_vapp)
{
	g_autofree gchar *iso_path = cli_iso_path();
	g_autofree gchar *info_enabled = g_strdup_printf("enabled: true\n"
							 "transports: com.vmware.guestInfo, iso\n"
							 "property_count: 3\n"
							 "iso: %s\n",
							 iso_path);
	g_autofree gchar *file = g_build_filename(vmds_e2e_get_tmp(e2e), "env.iso", NULL);
	g_autofree gchar *part = g_strconcat(file, ".part", NULL);
	g_autofree gchar *file2 = g_build_filename(vmds_e2e_get_tmp(e2e), "off.iso", NULL);
	g_autofree gchar *part2 = g_strconcat(file2, ".part", NULL);
	g_autofree gchar *env = NULL;
	g_autofree gchar *iso_env = NULL;
	g_autofree gchar *iso = NULL;
	g_autofree gchar *piped = NULL;
	g_autofree gchar *ovf_env = NULL;
	gsize env_len = 0;
	gsize iso_env_len = 0;
	gsize iso_len = 0;
	gsize piped_len = 0;
	struct stat st;

	/* disabled: no properties, no environment, no transports */
	{
		const gchar *const args[] = {"vapp", "info", "vm-1", NULL};
		cli_ok(args, "enabled: false\ntransports: \nproperty_count: 0\n");
	}
	{
		const gchar *const args[] = {"vapp", "add", "vm-1", "hostname", NULL};
		cli_fails(args,
			  "vmds: vApp properties are disabled on VM vm-1: enable them first "
			  "(NOT_ALLOWED_IN_CURRENT_STATE)\n");
	}
	{
		const gchar *const args[] = {"vapp", "env", "vm-1", NULL};
		cli_fails(args,
			  "vmds: VM vm-1 has no OVF environment: vApp properties are disabled "
			  "(NOT_FOUND)\n");
	}
	{
		const gchar *const args[] = {"vapp", "transports", "vm-1", "iso", NULL};
		cli_fails(args,
			  "vmds: vApp properties are disabled: a transport needs them enabled "
			  "(NOT_ALLOWED_IN_CURRENT_STATE)\n");
	}

	/* enable with both transports, the short and the long name */
	{
		const gchar *const args[] = {"vapp",
					     "enable",
					     "vm-1",
					     "--transport",
					     "guestInfo",
					     "--transport=iso",
					     "--transport=com.vmware.guestInfo",
					     NULL};
		cli_ok(args, "");
	}
	/* a property with every attribute but the type and key */
	{
		const gchar *const args[] = {"vapp",
					     "add",
					     "vm-1",
					     "hostname",
					     "--value",
					     "web-01",
					     "--default=localhost",
					     "--label",
					     "Hostname",
					     "--description",
					     "The host name",
					     "--category",
					     "Network",
					     "--type-reference",
					     "ref",
					     "--key",
					     "5",
					     NULL};
		cli_ok(args, "5\n");
	}
	/* a password: written from standard input (not on the command line),
	 * exactly, never read back */
	{
		const gchar *const args[] = {"vapp",
					     "add",
					     "vm-1",
					     "root_password",
					     "--type",
					     "password(8..64)",
					     "--value",
					     "-",
					     "--key",
					     "6",
					     NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds_input(e2e, args, "s3cret-pw", 9);
		vmds_e2e_assert_run(run, 0, "6\n", "");
	}
	{
		const gchar *const args[] = {
		    "vapp", "add", "vm-1", "x", "--value", "-", "--default", "-", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds_input(e2e, args, "a", 1);
		ck_assert_int_eq(run->status, 2);
	}
	{
		const gchar *const args[] = {"vapp",
					     "add",
					     "vm-1",
					     "port",
					     "--type",
					     "int(1..65535)",
					     "--value",
					     "8080",
					     "--class-id",
					     "vami",
					     "--instance-id",
					     "app",
					     "--not-user-configurable",
					     "--key",
					     "7",
					     NULL};
		cli_ok(args, "7\n");
	}
	{
		const gchar *const args[] = {"vapp", "info", "vm-1", NULL};
		cli_ok(args, info_enabled);
	}
	ck_assert(g_file_test(iso_path, G_FILE_TEST_IS_REGULAR));
	{
		const gchar *const args[] = {"vapp", "ls", "vm-1", NULL};
		cli_ok(args,
		       "KEY  ID             TYPE             VALUE\n"
		       "5    hostname       string           web-01\n"
		       "6    root_password  password(8..64)  \n"
		       "7    port           int(1..65535)    8080\n");
	}
	{
		const gchar *const args[] = {"vapp", "get", "vm-1", "5", NULL};
		cli_ok(args,
		       "key: 5\nid: hostname\ncategory: Network\nlabel: Hostname\n"
		       "description: The host name\nclass_id: \ninstance_id: \n"
		       "type_reference: ref\nuser_configurable: true\n"
		       "default_value: localhost\ntype: string\nvalue: web-01\n");
	}
	{
		const gchar *const args[] = {"--json", "vapp", "get", "vm-1", "6", NULL};
		cli_ok(args,
		       "{\"key\":6,\"id\":\"root_password\",\"category\":\"\",\"label\":\"\","
		       "\"description\":\"\",\"class_id\":\"\",\"instance_id\":\"\","
		       "\"type_reference\":\"\",\"user_configurable\":true,"
		       "\"default_value\":\"\",\"type\":\"password(8..64)\",\"value\":\"\"}\n");
	}
	/* set: only the members given change */
	{
		const gchar *const args[] = {"vapp",
					     "set",
					     "vm-1",
					     "7",
					     "--value=8443",
					     "--not-user-configurable=false",
					     NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"--json", "vapp", "get", "vm-1", "7", NULL};
		cli_ok(args,
		       "{\"key\":7,\"id\":\"port\",\"category\":\"\",\"label\":\"\","
		       "\"description\":\"\",\"class_id\":\"vami\",\"instance_id\":\"app\","
		       "\"type_reference\":\"\",\"user_configurable\":true,"
		       "\"default_value\":\"\",\"type\":\"int(1..65535)\",\"value\":\"8443\"}\n");
	}
	{
		const gchar *const args[] = {"vapp", "set", "vm-1", "7", "--value", "eighty", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		ck_assert_int_eq(run->status, 1);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(g_str_has_prefix(run->err, "vmds: ") &&
				  g_str_has_suffix(run->err, " (INVALID_ARGUMENT)\n") &&
				  strchr(run->err, '\n') == run->err + run->err_len - 1,
			      "[%s]",
			      run->err);
	}
	{
		const gchar *const args[] = {"vapp", "add", "vm-1", "other", "--key", "5", NULL};
		cli_fails(args,
			  "vmds: a vApp property with key 5 exists already (ALREADY_EXISTS)\n");
	}
	{
		const gchar *const args[] = {"vapp", "get", "vm-1", "8", NULL};
		cli_fails(args, "vmds: no vApp property with key 8 (NOT_FOUND)\n");
	}

	/* the environment: the values the guest gets, passwords too */
	env = cli_out((const gchar *const[]){"vapp", "env", "vm-1", NULL}, &env_len);
	ck_assert_msg(g_str_has_prefix(env, "<?xml "), "[%s]", env);
	ck_assert_msg(strstr(env, "<Property oe:key=\"hostname\" oe:value=\"web-01\"/>") != NULL,
		      "[%s]",
		      env);
	ck_assert_msg(strstr(env, "<Property oe:key=\"root_password\" oe:value=\"s3cret-pw\"/>") !=
			  NULL,
		      "[%s]",
		      env);
	ck_assert_msg(strstr(env, "<Property oe:key=\"vami.port.app\" oe:value=\"8443\"/>") != NULL,
		      "[%s]",
		      env);
	/* the guestInfo transport: guestinfo.ovfEnv is that document */
	ovf_env = g_strdup_printf("%s\n", env);
	{
		const gchar *const args[] = {"guestinfo", "get", "vm-1", "guestinfo.ovfEnv", NULL};
		cli_ok(args, ovf_env);
	}
	/* the iso transport: the image holds the same bytes as ovf-env.xml */
	{
		const gchar *const args[] = {"vapp", "iso", "vm-1", file, NULL};
		cli_ok(args, "");
	}
	ck_assert_int_eq(g_stat(file, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert(!g_file_test(part, G_FILE_TEST_EXISTS));
	iso_env = cli_iso_env(file, &iso_env_len);
	ck_assert_uint_eq(iso_env_len, env_len);
	ck_assert(memcmp(iso_env, env, env_len) == 0);
	/* '-': the same image on standard output */
	ck_assert(g_file_get_contents(file, &iso, &iso_len, NULL));
	piped = cli_out((const gchar *const[]){"vapp", "iso", "vm-1", "-", NULL}, &piped_len);
	ck_assert_uint_eq(piped_len, iso_len);
	ck_assert(memcmp(piped, iso, iso_len) == 0);

	/* transports: the list given replaces the VM's */
	{
		const gchar *const args[] = {
		    "vapp", "transports", "vm-1", "com.vmware.guestInfo", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"vapp", "info", "vm-1", NULL};
		cli_ok(args,
		       "enabled: true\ntransports: com.vmware.guestInfo\nproperty_count: 3\n");
	}
	{
		const gchar *const args[] = {"vapp", "iso", "vm-1", file2, NULL};
		cli_fails(args,
			  "vmds: VM vm-1 has no OVF environment ISO: the iso transport is off "
			  "(NOT_FOUND)\n");
	}
	ck_assert(!g_file_test(file2, G_FILE_TEST_EXISTS));
	ck_assert(!g_file_test(part2, G_FILE_TEST_EXISTS));
	{
		const gchar *const args[] = {"vapp", "transports", "vm-1", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"--json", "vapp", "info", "vm-1", NULL};
		cli_ok(args, "{\"enabled\":true,\"transports\":[],\"property_count\":3}\n");
	}
	{
		const gchar *const args[] = {
		    "vapp", "transports", "vm-1", "iso", "GUESTINFO", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"vapp", "info", "vm-1", NULL};
		cli_ok(args, info_enabled);
	}

	/* rm */
	{
		const gchar *const args[] = {"vapp", "rm", "vm-1", "5", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"vapp", "rm", "vm-1", "5", NULL};
		cli_fails(args, "vmds: no vApp property with key 5 (NOT_FOUND)\n");
	}
	{
		const gchar *const args[] = {"--json", "vapp", "ls", "vm-1", NULL};
		g_autofree gchar *out = cli_out(args, NULL);
		ck_assert_msg(g_str_has_prefix(out, "[{\"key\":6,") &&
				  strstr(out, "\"key\":5") == NULL,
			      "[%s]",
			      out);
	}

	/* usage errors, before any request */
	{
		const gchar *const args[] = {"vapp", "get", "vm-1", "abc", NULL};
		cli_usage(args, "invalid KEY 'abc'");
	}
	{
		const gchar *const args[] = {"vapp", "rm", "vm-1", "2147483648", NULL};
		cli_usage(args, "invalid KEY '2147483648'");
	}
	{
		const gchar *const args[] = {"vapp", "set", "vm-1", "7", NULL};
		cli_usage(args, "nothing to change");
	}
	{
		const gchar *const args[] = {"vapp", "set", "vm-1", "7", "--key", "3", NULL};
		cli_usage(args, "'vapp set' takes no --key");
	}
	{
		const gchar *const args[] = {"vapp", "add", "vm-1", "x", "--key", "-1", NULL};
		cli_usage(args, "invalid --key '-1'");
	}
	{
		const gchar *const args[] = {"vapp", "transports", "vm-1", "cdrom", NULL};
		cli_usage(args, "unknown transport 'cdrom'");
	}
	{
		const gchar *const args[] = {
		    "vapp", "enable", "vm-1", "--transport", "floppy", NULL};
		cli_usage(args, "unknown transport 'floppy'");
	}
	{
		const gchar *const args[] = {"vapp", "disable", NULL};
		cli_usage(args, "missing arguments: vmds vapp disable VM");
	}
	{
		const gchar *const args[] = {"vapp", "iso", "vm-1", NULL};
		cli_usage(args, "missing arguments");
	}

	/* disable: every property goes, with the environment and the image */
	{
		const gchar *const args[] = {"vapp", "disable", "--help", NULL};
		g_autofree gchar *out = cli_out(args, NULL);
		ck_assert_msg(strstr(out, "IRREVERSIBLE") != NULL, "[%s]", out);
	}
	{
		const gchar *const args[] = {"vapp", "disable", "vm-1", NULL};
		cli_ok(args, "vApp disabled on vm-1: every vApp property was deleted\n");
	}
	{
		const gchar *const args[] = {"vapp", "ls", "vm-1", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"--json", "vapp", "ls", "vm-1", NULL};
		cli_ok(args, "[]\n");
	}
	{
		const gchar *const args[] = {"vapp", "env", "vm-1", NULL};
		cli_fails(args,
			  "vmds: VM vm-1 has no OVF environment: vApp properties are disabled "
			  "(NOT_FOUND)\n");
	}
	ck_assert(!g_file_test(iso_path, G_FILE_TEST_EXISTS));
	/* enabling again brings nothing back */
	{
		const gchar *const args[] = {"vapp", "enable", "vm-1", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"vapp", "ls", "vm-1", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"--json", "vapp", "disable", "vm-1", NULL};
		cli_ok(args, "");
	}
}
END_TEST

START_TEST(test_cli_vapp_import)
{
	g_autofree gchar *ovf = g_build_filename(
	    vmds_e2e_getenv("VMDS_TEST_DATADIR"), "ovf-cli", "web-appliance.ovf", NULL);
	g_autofree gchar *iso_path = cli_iso_path();
	g_autofree gchar *info = g_strdup_printf("enabled: true\n"
						 "transports: com.vmware.guestInfo, iso\n"
						 "property_count: 2\n"
						 "iso: %s\n",
						 iso_path);
	g_autofree gchar *ovf_text = NULL;
	g_autofree gchar *keys = NULL;
	g_autofree gchar *want_ls = NULL;
	g_autofree gchar *env = NULL;
	g_auto(GStrv) key = NULL;
	gsize ovf_len = 0;

	ck_assert(g_file_get_contents(ovf, &ovf_text, &ovf_len, NULL));
	/* one key per property, in the descriptor's order */
	keys = cli_out((const gchar *const[]){"vapp", "import", "vm-1", ovf, NULL}, NULL);
	key = g_strsplit(keys, "\n", -1);
	ck_assert_msg(g_strv_length(key) == 3 && key[2][0] == '\0', "[%s]", keys);
	ck_assert_str_ne(key[0], key[1]);
	/* import enables vApp and takes the descriptor's transports */
	{
		const gchar *const args[] = {"vapp", "info", "vm-1", NULL};
		cli_ok(args, info);
	}
	/* ovf:value is the default: the value stays empty; a password reads empty */
	want_ls = g_strdup_printf("KEY  ID              TYPE      VALUE\n"
				  "%-3s  hostname        string    \n"
				  "%-3s  admin_password  password  \n",
				  key[0],
				  key[1]);
	{
		const gchar *const args[] = {"vapp", "ls", "vm-1", NULL};
		cli_ok(args, want_ls);
	}
	{
		const gchar *const args[] = {"--json", "vapp", "get", "vm-1", key[0], NULL};
		g_autofree gchar *want = g_strdup_printf(
		    "{\"key\":%s,\"id\":\"hostname\",\"category\":\"\",\"label\":\"Hostname\","
		    "\"description\":\"The host name of the appliance\",\"class_id\":\"\","
		    "\"instance_id\":\"\",\"type_reference\":\"\",\"user_configurable\":true,"
		    "\"default_value\":\"web-appliance\",\"type\":\"string\",\"value\":\"\"}\n",
		    key[0]);
		cli_ok(args, want);
	}
	env = cli_out((const gchar *const[]){"vapp", "env", "vm-1", NULL}, NULL);
	ck_assert_msg(strstr(env, "<Property oe:key=\"hostname\" oe:value=\"web-appliance\"/>") !=
			  NULL,
		      "[%s]",
		      env);
	/* the same descriptor again: its ids are taken, nothing is added */
	{
		const gchar *const args[] = {"vapp", "import", "vm-1", ovf, NULL};
		g_autofree gchar *want = g_strdup_printf(
		    "vmds: vApp property 'hostname' exists already (key %s) (ALREADY_EXISTS)\n",
		    key[0]);
		cli_fails(args, want);
	}
	/* from standard input, into another VM */
	{
		const gchar *const args[] = {"vm", "create", "web-02", NULL};
		cli_ok(args, "vm-2\n");
	}
	{
		const gchar *const args[] = {"--json", "vapp", "import", "vm-2", "-", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds_input(e2e, args, ovf_text, ovf_len);
		g_autofree gchar *want = g_strdup_printf("[%s,%s]\n", key[0], key[1]);
		vmds_e2e_assert_run(run, 0, want, "");
	}
	{
		const gchar *const args[] = {"vapp", "ls", "vm-2", NULL};
		cli_ok(args, want_ls);
	}
	/* what is not a descriptor, or not there */
	{
		const gchar *const args[] = {"vapp", "import", "vm-2", "-", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds_input(e2e, args, "not xml", 7);
		ck_assert_int_eq(run->status, 1);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(g_str_has_prefix(run->err, "vmds: ") &&
				  g_str_has_suffix(run->err, " (INVALID_ARGUMENT)\n"),
			      "[%s]",
			      run->err);
	}
	{
		const gchar *const args[] = {"vapp", "import", "vm-2", "/nonexistent/a.ovf", NULL};
		cli_fails(args,
			  "vmds: cannot read /nonexistent/a.ovf: No such file or directory\n");
	}
	{
		const gchar *const args[] = {"vapp", "import", "vm-9", ovf, NULL};
		cli_fails(args, "vmds: no VM 'vm-9' (NOT_FOUND)\n");
	}
	{
		const gchar *const args[] = {"vapp", "ls", "vm-2", NULL};
		cli_ok(args, want_ls);
	}
}
END_TEST

static Suite *
cli_guestcfg_suite(void)
{
	Suite *s = suite_create("e2e-cli-guestcfg");
	TCase *tc = tcase_create("guestcfg");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cli_guestinfo);
	tcase_add_test(tc, test_cli_guestinfo_settings);
	tcase_add_test(tc, test_cli_vapp);
	tcase_add_test(tc, test_cli_vapp_import);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(cli_guestcfg_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

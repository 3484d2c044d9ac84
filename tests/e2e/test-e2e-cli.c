/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "vmds-e2e.h"

/*
 * The vmds admin CLI against a real daemon: every verb, --json (the REST
 * body, compact), values from an argument, a file and standard input, and a
 * REST error shown as one line on stderr with a non-zero exit.
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

/* vmds ARGS fails: non-zero, nothing on stdout, one line on stderr naming @what */
static void
cli_fails(const gchar *const *args, const gchar *what)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);

	ck_assert_msg(run->status != 0, "exit 0: [%s]", run->out);
	ck_assert_str_eq(run->out, "");
	ck_assert_msg(g_str_has_prefix(run->err, "vmds: ") &&
			  strchr(run->err, '\n') == run->err + run->err_len - 1,
		      "stderr is not one 'vmds: ' line: [%s]",
		      run->err);
	ck_assert_msg(strstr(run->err, what) != NULL, "[%s] does not say %s", run->err, what);
}

START_TEST(test_cli_vm)
{
	g_autofree gchar *sock2 = vmds_e2e_socket_path(e2e, "vm-2");
	g_autofree gchar *info_json =
	    g_strdup_printf("{\"vm\":\"vm-2\",\"name\":\"web-01\",\"cid\":7,\"backchannel\":\"%s\","
			    "\"snapshot_count\":0,\"snapshots_size\":0}\n",
			    sock2);
	g_autofree gchar *info_text =
	    g_strdup_printf("vm: vm-2\nname: web-01\ncid: 7\nbackchannel: %s\nsnapshot_count: 0\n"
			    "snapshots_size: 0\n",
			    sock2);

	{
		const gchar *const args[] = {"vm", "ls", NULL};
		cli_ok(args, "VM    NAME\nvm-1  vm-1\n");
	}
	{
		const gchar *const args[] = {"--json", "vm", "ls", NULL};
		cli_ok(args, "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"}]\n");
	}
	{
		const gchar *const args[] = {"vm", "create", "web-01", "--cid", "7", NULL};
		cli_ok(args, "vm-2\n");
	}
	{
		const gchar *const args[] = {"vm", "create", "web-02", NULL};
		cli_ok(args, "vm-3\n");
	}
	{
		const gchar *const args[] = {"--json", "vm", "info", "vm-2", NULL};
		cli_ok(args, info_json);
	}
	{
		const gchar *const args[] = {"vm", "info", "vm-2", NULL};
		cli_ok(args, info_text);
	}
	ck_assert(g_file_test(sock2, G_FILE_TEST_EXISTS));
	{
		const gchar *const args[] = {"vm", "ls", NULL};
		cli_ok(args, "VM    NAME\nvm-1  vm-1\nvm-2  web-01\nvm-3  web-02\n");
	}
	{
		const gchar *const args[] = {"vm", "create", "web-03", "--cid", "7", NULL};
		cli_fails(args, "ALREADY_EXISTS");
	}
	{
		const gchar *const args[] = {"vm", "rm", "vm-2", NULL};
		cli_ok(args, "");
	}
	ck_assert(!g_file_test(sock2, G_FILE_TEST_EXISTS));
	{
		const gchar *const args[] = {"vm", "info", "vm-2", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	{
		const gchar *const args[] = {"vm", "rm", "vm-2", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	{
		const gchar *const args[] = {"vm", "ls", NULL};
		cli_ok(args, "VM    NAME\nvm-1  vm-1\nvm-3  web-02\n");
	}
}
END_TEST

START_TEST(test_cli_dataset)
{
	{
		const gchar *const args[] = {"dataset", "ls", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"dataset",
					     "create",
					     "com.example.app",
					     "--description",
					     "App config",
					     "--host",
					     "READ_WRITE",
					     "--guest",
					     "READ_WRITE",
					     NULL};
		cli_ok(args, "com.example.app\n");
	}
	{
		/* the documented defaults: host READ_WRITE, guest READ_ONLY, no description */
		const gchar *const args[] = {"dataset", "create", "plain", NULL};
		cli_ok(args, "plain\n");
	}
	{
		const gchar *const args[] = {"dataset", "ls", NULL};
		cli_ok(args,
		       "NAME             DESCRIPTION\ncom.example.app  App config\nplain           "
		       " \n");
	}
	{
		const gchar *const args[] = {"--json", "dataset", "ls", NULL};
		cli_ok(args,
		       "[{\"data_set\":\"com.example.app\",\"name\":\"com.example.app\","
		       "\"description\":\"App config\"},{\"data_set\":\"plain\",\"name\":\"plain\","
		       "\"description\":\"\"}]\n");
	}
	{
		const gchar *const args[] = {"dataset", "info", "plain", NULL};
		cli_ok(args,
		       "name: plain\ndescription: \nhost: READ_WRITE\nguest: READ_ONLY\nused: 0\n"
		       "omit_from_snapshot_and_clone: false\n");
	}
	{
		const gchar *const args[] = {"dataset",
					     "update",
					     "plain",
					     "--guest",
					     "NONE",
					     "--description",
					     "changed",
					     "--omit-from-snapshot-and-clone",
					     NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"--json", "dataset", "info", "plain", NULL};
		cli_ok(args,
		       "{\"name\":\"plain\",\"description\":\"changed\",\"host\":\"READ_WRITE\","
		       "\"guest\":\"NONE\",\"used\":0,\"omit_from_snapshot_and_clone\":true}\n");
	}
	{
		const gchar *const args[] = {"dataset", "create", "plain", NULL};
		cli_fails(args, "ALREADY_EXISTS");
	}
	{
		const gchar *const args[] = {"dataset", "info", "nope", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	/* a non-empty data set goes only with --force */
	vmds_e2e_put(e2e, "plain", "k", "v");
	{
		const gchar *const args[] = {"dataset", "rm", "plain", NULL};
		cli_fails(args, "RESOURCE_IN_USE");
	}
	{
		const gchar *const args[] = {"dataset", "rm", "plain", "--force", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"dataset", "rm", "com.example.app", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"--json", "dataset", "ls", NULL};
		cli_ok(args, "[]\n");
	}
}
END_TEST

START_TEST(test_cli_entry)
{
	const gchar file_value[] = "from a file\nwith a trailing newline\n";
	g_autofree gchar *file =
	    vmds_e2e_write_file(e2e, "value.txt", file_value, strlen(file_value));
	g_autoptr(VmdsE2eRun) run = NULL;

	vmds_e2e_create_dataset(e2e, NULL, "ds", "READ_WRITE", "READ_ONLY");
	{
		const gchar *const args[] = {"entry", "set", "ds", "arg", "héllo ✓", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"entry", "set", "ds", "file", "--file", file, NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"entry", "set", "ds", "stdin", NULL};
		run = vmds_e2e_vmds_input(e2e, args, "piped\n", 6);
		vmds_e2e_assert_run(run, 0, "", "");
	}
	{
		const gchar *const args[] = {"entry", "set", "ds", "dash", "-", NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmds_input(e2e, args, "dashed", 6);
		vmds_e2e_assert_run(run, 0, "", "");
	}
	{
		/* '/' in a key travels as %2F, in the query */
		const gchar *const args[] = {
		    "entry", "set", "ds", "a/b", "--", "-leading dash", NULL};
		cli_ok(args, "");
	}
	/* the guest reads what the CLI wrote, byte for byte */
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e,
				"datasets-get-entry {\"dataset\":\"ds\",\"keys\":[\"arg\",\"file\","
				"\"stdin\",\"dash\",\"a/b\"]}");
	vmds_e2e_assert_ok(
	    run,
	    "{\"result\":true,\"entries\":[{\"arg\":\"héllo ✓\"},{\"file\":\"from a "
	    "file\\nwith a trailing newline\\n\"},{\"stdin\":\"piped\\n\"},{\"dash\":"
	    "\"dashed\"},{\"a/b\":\"-leading dash\"}]}");
	{
		const gchar *const args[] = {"entry", "ls", "ds", NULL};
		cli_ok(args, "a/b\narg\ndash\nfile\nstdin\n");
	}
	{
		const gchar *const args[] = {"--json", "entry", "ls", "ds", NULL};
		cli_ok(args, "[\"a/b\",\"arg\",\"dash\",\"file\",\"stdin\"]\n");
	}
	{
		const gchar *const args[] = {"entry", "get", "ds", "file", NULL};
		cli_ok(args, "from a file\nwith a trailing newline\n\n");
	}
	{
		const gchar *const args[] = {"entry", "get", "ds", "arg", NULL};
		cli_ok(args, "héllo ✓\n");
	}
	{
		const gchar *const args[] = {"--json", "entry", "get", "ds", "stdin", NULL};
		cli_ok(args, "\"piped\\n\"\n");
	}
	{
		const gchar *const args[] = {"entry", "rm", "ds", "a/b", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"entry", "get", "ds", "a/b", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	{
		const gchar *const args[] = {"entry", "rm", "ds", "a/b", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	{
		const gchar *const args[] = {"entry", "ls", "nope", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	/* host access is enforced: a READ_ONLY host cannot write through the CLI */
	{
		g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(
		    e2e, "PATCH", "/api/vcenter/vm/vm-1/data-sets/ds", "{\"host\":\"READ_ONLY\"}");
		const gchar *const args[] = {"entry", "set", "ds", "arg", "x", NULL};
		vmds_e2e_assert_reply(reply, 204, "");
		cli_fails(args, "UNAUTHORIZED");
	}
	{
		const gchar *const args[] = {"entry", "get", "ds", "arg", NULL};
		cli_ok(args, "héllo ✓\n");
	}
}
END_TEST

/* vmds ARGS is a usage error: exit 2, nothing on stdout, stderr names @what */
static void
cli_usage(const gchar *const *args, const gchar *what)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);

	ck_assert_msg(run->status == 2, "exit %d: [%s]", run->status, run->err);
	ck_assert_str_eq(run->out, "");
	ck_assert_msg(g_str_has_prefix(run->err, "vmds: ") && strstr(run->err, what) != NULL,
		      "[%s] does not say %s",
		      run->err,
		      what);
}

/* the keys of @keys from @first on, as the REST body lists them */
static gchar *
cli_keys_json(const gchar *const *keys, guint first)
{
	g_autoptr(GString) out = g_string_new("[");

	for (guint i = first; keys[i] != NULL; i++) {
		g_autofree gchar *key_json = vmds_e2e_json_string(keys[i], -1);
		if (i > first)
			g_string_append_c(out, ',');
		g_string_append(out, key_json);
	}
	g_string_append_c(out, ']');
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/*
 * Issue 9, §2: entry get, set and rm name any key a guest can create, through
 * .../entries?key=KEY: a leading '/', '/' alone, '.', '..', a '..' segment
 * inside, '%2F' as it is written, non-ASCII and what a query gives meaning
 * to. Each key is written by one side and read by the other, so a key that
 * reached the daemon changed shows. VM ids and data set names are still path
 * segments: '.' and '..' are refused there, and an empty key anywhere.
 */
START_TEST(test_cli_entry_any_key)
{
	/* in byte order, as the daemon lists keys */
	static const gchar *const keys[] = {
	    "%2F", ".", "..", "/", "/etc/app.conf", "a/../b", "ü/ñ ?#&=+", NULL};

	vmds_e2e_create_dataset(e2e, NULL, "ds", "READ_WRITE", "READ_WRITE");
	for (guint i = 0; keys[i] != NULL; i++) {
		g_autofree gchar *key_json = vmds_e2e_json_string(keys[i], -1);
		g_autofree gchar *guest_set = g_strdup_printf(
		    "datasets-set-entry "
		    "{\"dataset\":\"ds\",\"entries\":[{\"key\":%s,\"value\":\"g%u\"}]}",
		    key_json,
		    i);
		g_autofree gchar *guest_get = g_strdup_printf(
		    "datasets-get-entry {\"dataset\":\"ds\",\"keys\":[%s]}", key_json);
		g_autofree gchar *guest_value = g_strdup_printf("g%u\n", i);
		g_autofree gchar *host_value = g_strdup_printf("h%u", i);
		g_autofree gchar *host_json = g_strdup_printf("\"h%u\"\n", i);
		g_autofree gchar *guest_sees =
		    g_strdup_printf("{\"result\":true,\"entries\":[{%s:\"h%u\"}]}", key_json, i);
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, guest_set);

		vmds_e2e_assert_ok(run, "{\"result\":true}");
		/* the guest's key, read by the CLI */
		{
			const gchar *const args[] = {"entry", "get", "ds", keys[i], NULL};
			cli_ok(args, guest_value);
		}
		/* written by the CLI, read by the guest */
		{
			const gchar *const args[] = {
			    "entry", "set", "ds", keys[i], host_value, NULL};
			cli_ok(args, "");
		}
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd(e2e, guest_get);
		vmds_e2e_assert_ok(run, guest_sees);
		{
			const gchar *const args[] = {"--json", "entry", "get", "ds", keys[i], NULL};
			cli_ok(args, host_json);
		}
	}
	{
		g_autofree gchar *listed = cli_keys_json(keys, 0);
		g_autofree gchar *want = g_strdup_printf("%s\n", listed);
		const gchar *const args[] = {"--json", "entry", "ls", "ds", NULL};
		cli_ok(args, want);
	}
	/* each rm deletes its key and no other */
	for (guint i = 0; keys[i] != NULL; i++) {
		g_autofree gchar *left = cli_keys_json(keys, i + 1);
		g_autofree gchar *listed = NULL;
		{
			const gchar *const args[] = {"entry", "rm", "ds", keys[i], NULL};
			cli_ok(args, "");
		}
		{
			const gchar *const args[] = {"entry", "get", "ds", keys[i], NULL};
			cli_fails(args, "NOT_FOUND");
		}
		listed = vmds_e2e_keys(e2e, "ds");
		ck_assert_str_eq(listed, left);
	}
	{
		const gchar *const args[] = {"entry", "rm", "ds", "..", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	/* what is still refused before any request */
	{
		const gchar *const args[] = {"entry", "set", "ds", "", "v", NULL};
		cli_usage(args, "empty");
	}
	{
		const gchar *const args[] = {"entry", "get", "..", "k", NULL};
		cli_usage(args, "'..' cannot be used");
	}
	{
		const gchar *const args[] = {"dataset", "info", ".", NULL};
		cli_usage(args, "'.' cannot be used");
	}
	{
		const gchar *const args[] = {"--vm", "..", "entry", "get", "ds", "k", NULL};
		cli_usage(args, "'..' cannot be used");
	}
}
END_TEST

START_TEST(test_cli_errors)
{
	g_autoptr(VmdsE2eRun) run = NULL;

	/* wrong credentials: one line, non-zero */
	{
		const gchar *const argv[] = {g_getenv("VMDS_CLI"), "vm", "ls", NULL};
		const gchar *const env[] = {"VMDS_PASSWORD=wrong", NULL};
		run = vmds_e2e_run(e2e, argv, env, NULL, 0);
		ck_assert_int_ne(run->status, 0);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(g_str_has_prefix(run->err, "vmds: ") &&
				  strchr(run->err, '\n') == run->err + run->err_len - 1,
			      "[%s]",
			      run->err);
		ck_assert_msg(strstr(run->err, "UNAUTHENTICATED") != NULL, "[%s]", run->err);
		ck_assert_msg(strstr(run->err, "wrong") == NULL ||
				  strstr(run->err, "wrong user") != NULL,
			      "the password is echoed: [%s]",
			      run->err);
	}
	/* no daemon at the URL */
	{
		const gchar *const argv[] = {g_getenv("VMDS_CLI"), "vm", "ls", NULL};
		const gchar *const env[] = {"VMDS_URL=http://127.0.0.1:1", NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_run(e2e, argv, env, NULL, 0);
		ck_assert_int_ne(run->status, 0);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(g_str_has_prefix(run->err, "vmds: "), "[%s]", run->err);
	}
	/* REST errors, each one line */
	{
		const gchar *const args[] = {"dataset", "create", "x", "--host", "ALL", NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmds(e2e, args);
		ck_assert_int_ne(run->status, 0);
		ck_assert_str_eq(run->out, "");
	}
	{
		const gchar *const args[] = {"--vm", "vm-9", "dataset", "ls", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	/* usage errors: non-zero, nothing on stdout */
	{
		const gchar *const args[] = {"bogus", NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmds(e2e, args);
		ck_assert_int_ne(run->status, 0);
		ck_assert_str_eq(run->out, "");
		ck_assert_str_ne(run->err, "");
	}
	{
		const gchar *const args[] = {"entry", "get", "ds", NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmds(e2e, args);
		ck_assert_int_ne(run->status, 0);
		ck_assert_str_eq(run->out, "");
	}
	/* nothing was created by any of it */
	{
		const gchar *const args[] = {"--json", "dataset", "ls", NULL};
		cli_ok(args, "[]\n");
	}
}
END_TEST

static Suite *
cli_suite(void)
{
	Suite *s = suite_create("e2e-cli");
	TCase *tc = tcase_create("vmds");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cli_vm);
	tcase_add_test(tc, test_cli_dataset);
	tcase_add_test(tc, test_cli_entry);
	tcase_add_test(tc, test_cli_entry_any_key);
	tcase_add_test(tc, test_cli_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(cli_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

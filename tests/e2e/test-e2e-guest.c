/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <linux/vm_sockets.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmds-e2e.h"

/*
 * The guest surface end to end: vmtoolsd's output bytes and exit status
 * (guest-rpc.md §3), every DataSets command and error-id (§5), the seed's
 * walk-through (§6) and the wire protocol on a raw connection (§2). Expected
 * outputs are written from the spec.
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

/* vmtoolsd --cmd and an exact success reply */
static void
guest_ok(const gchar *cmd, const gchar *json)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
	vmds_e2e_assert_ok(run, json);
}

/* vmtoolsd --cmd fails with @error_id, and vm-1's data sets are unchanged */
static void
guest_fails(const gchar *cmd, const gchar *error_id)
{
	g_autofree gchar *before = vmds_e2e_dump(e2e, NULL);
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
	g_autofree gchar *after = NULL;

	vmds_e2e_assert_failure(run, error_id);
	after = vmds_e2e_dump(e2e, NULL);
	ck_assert_str_eq(before, after);
}

START_TEST(test_guest_walkthrough)
{
	g_autoptr(VmdsE2eReply) reply = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;

	/* the management layer creates dataset-1: host READ_WRITE, guest READ_ONLY */
	reply = vmds_e2e_rest(
	    e2e,
	    "POST",
	    "/api/vcenter/vm/vm-1/data-sets",
	    "{\"name\": \"dataset-1\", \"description\": \"Sample dataset for demo.\", "
	    "\"host\": \"READ_WRITE\", \"guest\": \"READ_ONLY\"}");
	vmds_e2e_assert_reply(reply, 201, "\"dataset-1\"");
	guest_ok("datasets-list",
		 "{\"result\":true,\"datasets\":[{\"name\":\"dataset-1\",\"description\":"
		 "\"Sample dataset for demo.\"}]}");
	vmds_e2e_put(e2e, "dataset-1", "key-1", "value for key-1");

	/* the guest reads what the host wrote */
	guest_ok("datasets-query {\"dataset\": \"dataset-1\"}",
		 "{\"result\":true,\"name\":\"dataset-1\",\"description\":\"Sample dataset for "
		 "demo.\",\"host\":\"READ_WRITE\",\"guest\":\"READ_ONLY\",\"used\":20,"
		 "\"omit_from_snapshot_and_clone\":false}");
	guest_ok("datasets-list-keys {\"dataset\": \"dataset-1\"}",
		 "{\"result\":true,\"keys\":[\"key-1\"]}");
	guest_ok("datasets-get-entry {\"keys\": [\"key-1\"], \"dataset\": \"dataset-1\"}",
		 "{\"result\":true,\"entries\":[{\"key-1\":\"value for key-1\"}]}");
	/* and may not write it */
	guest_fails("datasets-set-entry {\"dataset\":\"dataset-1\",\"entries\":[{\"key\":\"key-1\","
		    "\"value\":\"x\"}]}",
		    "access-denied");

	/* dataset-2: the guest writes, the host reads */
	vmds_e2e_create_dataset(e2e, NULL, "dataset-2", "READ_WRITE", "READ_WRITE");
	guest_ok("datasets-set-entry { \"dataset\" : \"dataset-2\", \"entries\": [{\"key\": "
		 "\"entry-1\", \"value\": \"new value 1\" }, {\"key\": \"entry-2\", \"value\": "
		 "\"new value 2\"}, {\"key\": \"new-entry-3\", \"value\": \"new value 3\"} ] }",
		 "{\"result\":true}");
	guest_ok("datasets-set-entry { \"dataset\" : \"dataset-2\", \"entries\": [{\"key\": "
		 "\"new-entry-3\", \"value\": \". We added more data\", \"append\": true } ] }",
		 "{\"result\":true}");
	guest_ok("datasets-get-entry {\"keys\": [\"entry-1\",\"entry-2\",\"new-entry-3\"], "
		 "\"dataset\": \"dataset-2\"}",
		 "{\"result\":true,\"entries\":[{\"entry-1\":\"new value 1\"},{\"entry-2\":\"new "
		 "value 2\"},{\"new-entry-3\":\"new value 3. We added more data\"}]}");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-1/data-sets/dataset-2/entries", NULL);
	vmds_e2e_assert_reply(reply, 200, "[\"entry-1\",\"entry-2\",\"new-entry-3\"]");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(
	    e2e, "GET", "/api/vcenter/vm/vm-1/data-sets/dataset-2/entries/new-entry-3", NULL);
	vmds_e2e_assert_reply(reply, 200, "\"new value 3. We added more data\"");

	/* the spec's worked example, byte for byte */
	run = vmds_e2e_vmtoolsd(
	    e2e, "datasets-get-entry {\"keys\":[\"nope\"],\"dataset\":\"dataset-2\"}");
	vmds_e2e_assert_run(
	    run,
	    1,
	    "{\"result\":false,\"error-id\":\"key-not-found\",\"error-message\":\"no "
	    "key 'nope' in data set 'dataset-2'\"}\n",
	    "");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "no-such-command");
	vmds_e2e_assert_run(run, 1, "", "Unknown command\n");

	/* the guest deletes an entry; the host sees it gone */
	guest_ok("datasets-delete-entry {\"keys\": [\"entry-1\"], \"dataset\": \"dataset-2\"}",
		 "{\"result\":true}");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-1/data-sets/dataset-2/entries", NULL);
	vmds_e2e_assert_reply(reply, 200, "[\"entry-2\",\"new-entry-3\"]");

	/* a non-empty data set is deleted only with force */
	before = vmds_e2e_dump(e2e, NULL);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "DELETE", "/api/vcenter/vm/vm-1/data-sets/dataset-2", NULL);
	vmds_e2e_assert_error(reply, 400, "RESOURCE_IN_USE");
	after = vmds_e2e_dump(e2e, NULL);
	ck_assert_str_eq(before, after);
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(
	    e2e, "DELETE", "/api/vcenter/vm/vm-1/data-sets/dataset-2?force=true", NULL);
	vmds_e2e_assert_reply(reply, 204, "");
	guest_ok("datasets-list",
		 "{\"result\":true,\"datasets\":[{\"name\":\"dataset-1\",\"description\":"
		 "\"Sample dataset for demo.\"}]}");
	guest_fails("datasets-list-keys {\"dataset\":\"dataset-2\"}", "dataset-not-found");

	/* emptied, dataset-1 goes without force */
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(
	    e2e, "DELETE", "/api/vcenter/vm/vm-1/data-sets/dataset-1/entries/key-1", NULL);
	vmds_e2e_assert_reply(reply, 204, "");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(e2e, "DELETE", "/api/vcenter/vm/vm-1/data-sets/dataset-1", NULL);
	vmds_e2e_assert_reply(reply, 204, "");
	guest_ok("datasets-list", "{\"result\":true,\"datasets\":[]}");
}
END_TEST

START_TEST(test_guest_cmdfile)
{
	const gchar json[] = "datasets-get-entry {\"keys\": [\"AppID\"], \"dataset\": \"salt-ds\"}";
	/* everything from the first NUL is dropped, then trailing white space */
	const gchar with_nul[] = "datasets-list\n\0 garbage {\"x\":";
	const gchar trailing[] = "datasets-list \t\r\n\n\f ";
	g_autofree gchar *json_file = NULL;
	g_autofree gchar *nul_file = NULL;
	g_autofree gchar *ws_file = NULL;
	g_autofree gchar *missing = g_build_filename(vmds_e2e_get_tmp(e2e), "missing.json", NULL);
	g_autofree gchar *missing_err =
	    g_strdup_printf("Unable to read command from file %s.\n", missing);
	g_autofree gchar *dir_err = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;

	vmds_e2e_create_dataset(e2e, NULL, "salt-ds", "READ_WRITE", "READ_ONLY");
	vmds_e2e_put(e2e, "salt-ds", "AppID", "minion-7");
	json_file = vmds_e2e_write_file(e2e, "mycmd.json", json, strlen(json));
	{
		const gchar *const args[] = {"--cmdfile", json_file, NULL};
		run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
		vmds_e2e_assert_ok(run, "{\"result\":true,\"entries\":[{\"AppID\":\"minion-7\"}]}");
	}
	nul_file = vmds_e2e_write_file(e2e, "nul.cmd", with_nul, sizeof(with_nul) - 1);
	{
		const gchar *const args[] = {"--cmdfile", nul_file, NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
		vmds_e2e_assert_ok(run,
				   "{\"result\":true,\"datasets\":[{\"name\":\"salt-ds\","
				   "\"description\":\"test\"}]}");
	}
	ws_file = vmds_e2e_write_file(e2e, "ws.cmd", trailing, strlen(trailing));
	{
		const gchar *const args[] = {"--cmdfile", ws_file, NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
		vmds_e2e_assert_ok(run,
				   "{\"result\":true,\"datasets\":[{\"name\":\"salt-ds\","
				   "\"description\":\"test\"}]}");
	}
	/* --cmdfile=FILE works like --cmdfile FILE */
	{
		g_autofree gchar *arg = g_strdup_printf("--cmdfile=%s", json_file);
		const gchar *const args[] = {arg, NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
		vmds_e2e_assert_ok(run, "{\"result\":true,\"entries\":[{\"AppID\":\"minion-7\"}]}");
	}
	/* unreadable: absent, or a directory */
	{
		const gchar *const args[] = {"--cmdfile", missing, NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
		vmds_e2e_assert_run(run, 1, "", missing_err);
	}
	{
		const gchar *const args[] = {"--cmdfile", vmds_e2e_get_tmp(e2e), NULL};
		dir_err = g_strdup_printf("Unable to read command from file %s.\n",
					  vmds_e2e_get_tmp(e2e));
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
		vmds_e2e_assert_run(run, 1, "", dir_err);
	}
}
END_TEST

START_TEST(test_guest_jq_pipeline)
{
	g_autoptr(VmdsE2eRun) run = NULL;

	vmds_e2e_create_dataset(e2e, NULL, "salt-ds", "READ_WRITE", "READ_ONLY");
	vmds_e2e_put(e2e, "salt-ds", "AppID", "salt-minion-42 ✓");
	run = vmds_e2e_shell(e2e,
			     "\"$VMTOOLSD\" --cmd 'datasets-get-entry {\"keys\": [\"AppID\"], "
			     "\"dataset\":\"salt-ds\"}' | jq -r '.entries[].AppID'");
	vmds_e2e_assert_run(run, 0, "salt-minion-42 ✓\n", "");
	/* a failure envelope still reaches jq on stdout */
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_shell(e2e,
			     "\"$VMTOOLSD\" --cmd 'datasets-get-entry {\"keys\": [\"nope\"], "
			     "\"dataset\":\"salt-ds\"}' | jq -r '.\"error-id\"'");
	vmds_e2e_assert_run(run, 0, "key-not-found\n", "");
}
END_TEST

START_TEST(test_guest_error_ids)
{
	const gchar *const invalid[] = {
	    "datasets-get-entry not json",
	    "datasets-get-entry [\"salt-ds\"]",
	    "datasets-get-entry",
	    "datasets-get-entry {\"keys\":[\"AppID\"]}",
	    "datasets-get-entry {\"dataset\":\"salt-ds\"}",
	    "datasets-get-entry {\"dataset\":\"salt-ds\",\"keys\":\"AppID\"}",
	    "datasets-get-entry {\"dataset\":\"salt-ds\",\"keys\":[1]}",
	    "datasets-get-entry {\"dataset\":\"salt-ds\",\"keys\":[]}",
	    "datasets-get-entry {\"dataset\":\"salt-ds\",\"keys\":[\"\"]}",
	    "datasets-get-entry {\"dataset\":\"\",\"keys\":[\"AppID\"]}",
	    "datasets-get-entry {\"dataset\":7,\"keys\":[\"AppID\"]}",
	    "datasets-get-entry {\"dataset\":\"salt-ds\",\"keys\":[\"AppID\"],\"extra\":1}",
	    "datasets-get-entry {\"dataset\":\"salt-ds\",\"keys\":[\"AppID\"],\"context\":\"x\"}",
	    "datasets-get-entry {\"dataset\":\"salt-ds\",\"keys\":[\"\xff\xfe\"]}",
	    "datasets-query {}",
	    "datasets-query {\"dataset\":\"salt-\xc3\"}",
	    "datasets-list [1]",
	    "datasets-list {\"dataset\":\"salt-ds\"}",
	    "datasets-list-keys {\"dataset\":\"rw\",\"context\":7}",
	    "datasets-set-entry {\"dataset\":\"rw\"}",
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[]}",
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":{\"key\":\"a\",\"value\":\"b\"}}",
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\"}]}",
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"value\":\"b\"}]}",
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":1}]}",
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":\"b\","
	    "\"append\":\"yes\"}]}",
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":\"b\","
	    "\"ttl\":1}]}",
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"\",\"value\":\"b\"}]}",
	    /* all or nothing: the valid first entry is not applied */
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"new\",\"value\":\"b\"},"
	    "{\"key\":\"\",\"value\":\"b\"}]}",
	    "datasets-set-entry "
	    "{\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":\"\xff\"}]}",
	    "datasets-delete-entry {\"dataset\":\"rw\"}",
	    "datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[]}",
	    "datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[\"a\"],\"force\":true}",
	    NULL,
	};
	const gchar *const not_found[] = {
	    "datasets-query {\"dataset\":\"nope\"}",
	    "datasets-list-keys {\"dataset\":\"nope\"}",
	    "datasets-get-entry {\"dataset\":\"nope\",\"keys\":[\"a\"]}",
	    "datasets-set-entry "
	    "{\"dataset\":\"nope\",\"entries\":[{\"key\":\"a\",\"value\":\"b\"}]}",
	    "datasets-delete-entry {\"dataset\":\"nope\",\"keys\":[\"a\"]}",
	    /* names are case-sensitive */
	    "datasets-query {\"dataset\":\"SALT-DS\"}",
	    NULL,
	};
	const gchar *const key_not_found[] = {
	    "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"nope\"]}",
	    "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\",\"nope\"]}",
	    "datasets-get-entries {\"dataset\":\"rw\",\"keys\":[\"nope\",\"a\"]}",
	    "datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[\"nope\"]}",
	    /* all or nothing: "a" stays */
	    "datasets-delete-entry {\"dataset\":\"rw\",\"keys\":[\"a\",\"nope\"]}",
	    "datasets-delete-entries {\"dataset\":\"rw\",\"keys\":[\"a\",\"a2\",\"nope\"]}",
	    NULL,
	};
	const gchar *const denied[] = {
	    "datasets-set-entry {\"dataset\":\"salt-ds\",\"entries\":[{\"key\":\"AppID\","
	    "\"value\":\"b\"}]}",
	    "datasets-set-entry {\"dataset\":\"salt-ds\",\"entries\":[{\"key\":\"AppID\","
	    "\"value\":\"b\",\"append\":true}]}",
	    "datasets-delete-entry {\"dataset\":\"salt-ds\",\"keys\":[\"AppID\"]}",
	    "datasets-list-keys {\"dataset\":\"none\"}",
	    "datasets-get-entry {\"dataset\":\"none\",\"keys\":[\"secret\"]}",
	    NULL,
	};
	g_autofree gchar *long_key = g_strnfill(4097, 'k');
	g_autofree gchar *too_large =
	    g_strdup_printf("datasets-set-entry "
			    "{\"dataset\":\"rw\",\"entries\":[{\"key\":\"%s\",\"value\":\"v\"}]}",
			    long_key);
	g_autofree gchar *too_large_get =
	    g_strdup_printf("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"%s\"]}", long_key);

	vmds_e2e_create_dataset(e2e, NULL, "salt-ds", "READ_WRITE", "READ_ONLY");
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_create_dataset(e2e, NULL, "none", "READ_WRITE", "NONE");
	vmds_e2e_put(e2e, "salt-ds", "AppID", "1");
	vmds_e2e_put(e2e, "rw", "a", "alpha");
	vmds_e2e_put(e2e, "rw", "a2", "alpha2");
	vmds_e2e_put(e2e, "none", "secret", "s");

	for (guint i = 0; invalid[i] != NULL; i++)
		guest_fails(invalid[i], "invalid-argument");
	for (guint i = 0; not_found[i] != NULL; i++)
		guest_fails(not_found[i], "dataset-not-found");
	for (guint i = 0; key_not_found[i] != NULL; i++)
		guest_fails(key_not_found[i], "key-not-found");
	for (guint i = 0; denied[i] != NULL; i++)
		guest_fails(denied[i], "access-denied");
	guest_fails(too_large, "too-large");
	guest_fails(too_large_get, "too-large");
}
END_TEST

/*
 * storage-error for real: a file size limit on the running daemon makes
 * SQLite's writes fail with EFBIG (the daemon ignores SIGXFSZ), as a full disk
 * would. The failed write changes nothing, and writes work again once the
 * limit is lifted.
 */
START_TEST(test_guest_storage_error)
{
	g_autofree gchar *chunk = g_strnfill(60000, 'x');
	g_autofree gchar *cmd = g_strdup_printf(
	    "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"big\",\"value\":\"%s\","
	    "\"append\":true}]}",
	    chunk);
	struct rlimit small = {256 * 1024, RLIM_INFINITY};
	struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
	gboolean failed = FALSE;

	if (!vmds_e2e_is_root()) {
		/* prlimit() on another process needs its uid or CAP_SYS_RESOURCE */
		g_printerr("SKIP: test_guest_storage_error needs root\n");
		return;
	}
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_put(e2e, "rw", "a", "alpha");
	ck_assert_int_eq(prlimit(vmds_e2e_get_pid(e2e), RLIMIT_FSIZE, &small, NULL), 0);
	for (guint i = 0; i < 40 && !failed; i++) {
		g_autofree gchar *before = vmds_e2e_dump(e2e, NULL);
		g_autofree gchar *after = NULL;
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmtoolsd(e2e, cmd);
		if (run->status == 0) {
			vmds_e2e_assert_ok(run, "{\"result\":true}");
			continue;
		}
		vmds_e2e_assert_failure(run, "storage-error");
		after = vmds_e2e_dump(e2e, NULL);
		ck_assert_str_eq(before, after);
		failed = TRUE;
	}
	ck_assert_msg(failed, "2.4 MB written under a 256 KiB file size limit");
	ck_assert_int_eq(prlimit(vmds_e2e_get_pid(e2e), RLIMIT_FSIZE, &unlimited, NULL), 0);
	guest_ok("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"a\",\"value\":"
		 "\"again\"}]}",
		 "{\"result\":true}");
	guest_ok("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"a\"]}",
		 "{\"result\":true,\"entries\":[{\"a\":\"again\"}]}");
}
END_TEST

START_TEST(test_guest_commands)
{
	vmds_e2e_create_dataset(e2e, NULL, "b-ds", "READ_WRITE", "READ_WRITE");
	vmds_e2e_create_dataset(e2e, NULL, "B-ds", "NONE", "NONE");
	vmds_e2e_create_dataset(e2e, NULL, "a-ds", "READ_ONLY", "READ_ONLY");

	/* datasets-list: empty, white space or {}; sorted by byte order; NONE still shows */
	guest_ok("datasets-list",
		 "{\"result\":true,\"datasets\":[{\"name\":\"B-ds\",\"description\":\"test\"},"
		 "{\"name\":\"a-ds\",\"description\":\"test\"},{\"name\":\"b-ds\","
		 "\"description\":\"test\"}]}");
	guest_ok("datasets-list  \t ",
		 "{\"result\":true,\"datasets\":[{\"name\":\"B-ds\",\"description\":\"test\"},"
		 "{\"name\":\"a-ds\",\"description\":\"test\"},{\"name\":\"b-ds\","
		 "\"description\":\"test\"}]}");
	guest_ok("datasets-list {}",
		 "{\"result\":true,\"datasets\":[{\"name\":\"B-ds\",\"description\":\"test\"},"
		 "{\"name\":\"a-ds\",\"description\":\"test\"},{\"name\":\"b-ds\","
		 "\"description\":\"test\"}]}");
	/* query shows a NONE data set; a context is accepted and ignored */
	guest_ok("datasets-query {\"dataset\":\"B-ds\"}",
		 "{\"result\":true,\"name\":\"B-ds\",\"description\":\"test\",\"host\":\"NONE\","
		 "\"guest\":\"NONE\",\"used\":0,\"omit_from_snapshot_and_clone\":false}");
	guest_ok(
	    "datasets-query {\"dataset\":\"a-ds\",\"context\":\"whatever\"}",
	    "{\"result\":true,\"name\":\"a-ds\",\"description\":\"test\",\"host\":\"READ_ONLY\","
	    "\"guest\":\"READ_ONLY\",\"used\":0,\"omit_from_snapshot_and_clone\":false}");
	guest_ok("datasets-list-keys {\"dataset\":\"b-ds\"}", "{\"result\":true,\"keys\":[]}");

	/* entries of one call apply in order; append creates; a later entry sees the earlier */
	guest_ok(
	    "datasets-set-entry {\"dataset\":\"b-ds\",\"entries\":[{\"key\":\"k\",\"value\":"
	    "\"1\"},{\"key\":\"k\",\"value\":\"2\",\"append\":true},{\"key\":\"n\",\"value\":"
	    "\"x\",\"append\":true},{\"key\":\"r\",\"value\":\"old\"},{\"key\":\"r\",\"value\":"
	    "\"new\",\"append\":false}]}",
	    "{\"result\":true}");
	guest_ok("datasets-get-entry {\"dataset\":\"b-ds\",\"keys\":[\"r\",\"k\",\"n\",\"k\"]}",
		 "{\"result\":true,\"entries\":[{\"r\":\"new\"},{\"k\":\"12\"},{\"n\":\"x\"},"
		 "{\"k\":\"12\"}]}");
	/* an empty value is a value */
	guest_ok("datasets-set-entry {\"dataset\":\"b-ds\",\"entries\":[{\"key\":\"e\",\"value\":"
		 "\"\"}]}",
		 "{\"result\":true}");
	guest_ok("datasets-get-entry {\"dataset\":\"b-ds\",\"keys\":[\"e\"]}",
		 "{\"result\":true,\"entries\":[{\"e\":\"\"}]}");
	/* keys sorted by byte order */
	guest_ok("datasets-set-entries {\"dataset\":\"b-ds\",\"entries\":[{\"key\":\"K\",\"value\":"
		 "\"v\"},{\"key\":\"é\",\"value\":\"v\"},{\"key\":\"_\",\"value\":\"v\"}]}",
		 "{\"result\":true}");
	guest_ok("datasets-list-keys {\"dataset\":\"b-ds\"}",
		 "{\"result\":true,\"keys\":[\"K\",\"_\",\"e\",\"k\",\"n\",\"r\",\"é\"]}");
	guest_ok(
	    "datasets-query {\"dataset\":\"b-ds\"}",
	    "{\"result\":true,\"name\":\"b-ds\",\"description\":\"test\",\"host\":\"READ_WRITE\","
	    "\"guest\":\"READ_WRITE\",\"used\":17,\"omit_from_snapshot_and_clone\":false}");
	/* the plural aliases behave like the singular commands */
	guest_ok("datasets-get-entries {\"dataset\":\"b-ds\",\"keys\":[\"K\"]}",
		 "{\"result\":true,\"entries\":[{\"K\":\"v\"}]}");
	guest_ok("datasets-delete-entries {\"dataset\":\"b-ds\",\"keys\":[\"K\",\"é\"]}",
		 "{\"result\":true}");
	guest_ok("datasets-delete-entry {\"dataset\":\"b-ds\",\"keys\":[\"_\"]}",
		 "{\"result\":true}");
	guest_ok("datasets-list-keys {\"dataset\":\"b-ds\"}",
		 "{\"result\":true,\"keys\":[\"e\",\"k\",\"n\",\"r\"]}");
	/* the name is the text up to the first space: no space, no args */
	guest_fails("datasets-list-keys", "invalid-argument");
}
END_TEST

START_TEST(test_guest_output_bytes)
{
	const gchar value[] = "héllo wörld ✓ 日本";
	const gchar *const c_locale[] = {"LC_ALL=C", "LANG=C", NULL};
	g_autofree gchar *set = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;

	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");

	/* non-ASCII UTF-8 round-trips byte for byte under LC_ALL=C */
	set =
	    g_strdup_printf("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"ключ\","
			    "\"value\":\"%s\"}]}",
			    value);
	{
		const gchar *const args[] = {"--cmd", set, NULL};
		run = vmds_e2e_vmtoolsd_argv(e2e, args, c_locale);
		vmds_e2e_assert_ok(run, "{\"result\":true}");
	}
	{
		const gchar *const args[] = {
		    "--cmd", "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"ключ\"]}", NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd_argv(e2e, args, c_locale);
		vmds_e2e_assert_ok(
		    run, "{\"result\":true,\"entries\":[{\"ключ\":\"héllo wörld ✓ 日本\"}]}");
	}
	reply = vmds_e2e_rest(
	    e2e, "GET", "/api/vcenter/vm/vm-1/data-sets/rw/entries/%D0%BA%D0%BB%D1%8E%D1%87", NULL);
	ck_assert_uint_eq(reply->status, 200);
	{
		g_autoptr(JsonNode) node = json_from_string(reply->body, NULL);
		ck_assert(node != NULL && JSON_NODE_HOLDS_VALUE(node));
		ck_assert_str_eq(json_node_get_string(node), value);
	}

	/* JSON output is compact; " \ and control characters are escaped, nothing else */
	vmds_e2e_put(e2e,
		     "rw",
		     "esc",
		     "q\"b\\s/n\nt\tc\x01u\x1f"
		     "d\x7f✓");
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"esc\"]}");
	ck_assert_int_eq(run->status, 0);
	ck_assert_str_eq(run->err, "");
	ck_assert_msg(
	    g_str_has_prefix(run->out, "{\"result\":true,\"entries\":[{\"esc\":\"q\\\"b\\\\s/n"),
	    "[%s]",
	    run->out);
	ck_assert_msg(g_str_has_suffix(run->out, "✓\"}]}\n"), "[%s]", run->out);
	for (gsize i = 0; i + 1 < run->out_len; i++)
		ck_assert_msg((guchar)run->out[i] >= 0x20, "raw control byte at %zu", i);
	{
		g_autoptr(JsonNode) node = json_from_string(run->out, NULL);
		JsonObject *entry;
		ck_assert(node != NULL);
		entry = json_array_get_object_element(
		    json_object_get_array_member(json_node_get_object(node), "entries"), 0);
		ck_assert_str_eq(json_object_get_string_member(entry, "esc"),
				 "q\"b\\s/n\nt\tc\x01u\x1f"
				 "d\x7f✓");
	}

	/* 0 TEXT: stderr and exit 1 */
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "no-such-command with args");
	vmds_e2e_assert_run(run, 1, "", "Unknown command\n");
	/* an empty command names no command: it goes as a PAYLOAD of length 0, as
	 * open-vm-tools sends it, and that is a request (guest-rpc.md §2) */
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "");
	vmds_e2e_assert_run(run, 1, "", "Unknown command\n");
	guest_ok("datasets-list",
		 "{\"result\":true,\"datasets\":[{\"name\":\"rw\",\"description\":\"test\"}]}");
}
END_TEST

START_TEST(test_guest_cli_errors)
{
	g_autofree gchar *socket = vmds_e2e_socket_path(e2e, NULL);
	g_autoptr(VmdsE2eRun) run = NULL;

	/* bad options: a usage message on stderr, exit 1 */
	{
		const gchar *const args[] = {"--cmd", NULL};
		run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
		ck_assert_int_eq(run->status, 1);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(strstr(run->err, "Usage:") != NULL, "[%s]", run->err);
	}
	{
		const gchar *const args[] = {"--cmd", "datasets-list", "--bogus", NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
		ck_assert_int_eq(run->status, 1);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(strstr(run->err, "Usage:") != NULL, "[%s]", run->err);
	}
	{
		const gchar *const args[] = {
		    "--cmd", "datasets-list", "--cmd", "datasets-list", NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd_argv(e2e, args, NULL);
		ck_assert_int_eq(run->status, 1);
		ck_assert_str_eq(run->out, "");
		ck_assert_msg(strstr(run->err, "Usage:") != NULL, "[%s]", run->err);
	}

	/* no daemon: one stderr line naming the address, exit 1 */
	vmds_e2e_stop(e2e);
	ck_assert(!g_file_test(socket, G_FILE_TEST_EXISTS));
	g_clear_pointer(&run, vmds_e2e_run_free);
	run = vmds_e2e_vmtoolsd(e2e, "datasets-list");
	ck_assert_int_eq(run->status, 1);
	ck_assert_str_eq(run->out, "");
	ck_assert_msg(strstr(run->err, socket) != NULL, "[%s] names not %s", run->err, socket);
	ck_assert_msg(run->err_len > 0 && strchr(run->err, '\n') == run->err + run->err_len - 1,
		      "not one line: [%s]",
		      run->err);
	/* a channel from the config file, when the environment names none */
	{
		g_autofree gchar *conf_text = g_strdup_printf(
		    "[channel]\naddress=unix:%s/other.sock\n", vmds_e2e_get_tmp(e2e));
		g_autofree gchar *conf =
		    vmds_e2e_write_file(e2e, "vmtoolsd.conf", conf_text, strlen(conf_text));
		g_autofree gchar *conf_env = g_strdup_printf("VMTOOLSD_CONFIG=%s", conf);
		g_autofree gchar *expect = g_strdup_printf("%s/other.sock", vmds_e2e_get_tmp(e2e));
		const gchar *const env[] = {"VMTOOLSD_CHANNEL", conf_env, NULL};
		const gchar *const args[] = {"--cmd", "datasets-list", NULL};
		g_clear_pointer(&run, vmds_e2e_run_free);
		run = vmds_e2e_vmtoolsd_argv(e2e, args, env);
		ck_assert_int_eq(run->status, 1);
		ck_assert_msg(strstr(run->err, expect) != NULL, "[%s]", run->err);
	}
}
END_TEST

/* raw protocol (§2) */

static void
put_u32(GByteArray *out, guint32 v)
{
	guint8 b[4] = {v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};
	g_byte_array_append(out, b, 4);
}

/* a packet from hand-written entries: @words are u32s, @text a STRING value after them */
static GByteArray *
raw_packet(const guint32 *words, guint n_words, const gchar *text, gsize text_len)
{
	GByteArray *out = g_byte_array_new();
	put_u32(out, (guint32)(n_words * 4 + text_len));
	for (guint i = 0; i < n_words; i++)
		put_u32(out, words[i]);
	if (text_len > 0)
		g_byte_array_append(out, (const guint8 *)text, (guint)text_len);
	return out;
}

START_TEST(test_guest_raw_sequence)
{
	/* the spec's request vector, sent as bytes */
	const guint8 vector[] = {
	    0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
	    0x00, 0x00, 0x00, 0x14, 0x69, 0x6e, 0x66, 0x6f, 0x2d, 0x67, 0x65, 0x74, 0x20, 0x67,
	    0x75, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x66, 0x6f, 0x2e, 0x78, 0x00, 0x00, 0x00, 0x01,
	    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
	const guint32 ping[] = {1, 1, 2, 0};
	/* TYPE=DATA, an unknown INT64 field 99 (ignored), PAYLOAD */
	const guint32 unknown_field[] = {1, 1, 1, 0, 1, 99, 5, 6, 2, 2, 13};
	/* sizeof: the NUL goes too */
	const gchar with_nul[] = "datasets-list-keys {\"dataset\":\"rw\"}";
	gint fd = vmds_e2e_connect(e2e, NULL);
	g_autoptr(GByteArray) ping_packet = raw_packet(ping, G_N_ELEMENTS(ping), NULL, 0);
	g_autoptr(GByteArray) unknown =
	    raw_packet(unknown_field, G_N_ELEMENTS(unknown_field), "datasets-list", 13);
	g_autofree gchar *r1 = NULL;
	g_autofree gchar *r2 = NULL;
	g_autofree gchar *r3 = NULL;
	g_autofree gchar *r4 = NULL;
	g_autofree gchar *r5 = NULL;
	g_autofree gchar *r6 = NULL;

	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");

	/* many requests on one connection, PINGs in between, one reply each, in order */
	vmds_e2e_send(fd, ping_packet->data, ping_packet->len);
	vmds_e2e_send_request(fd,
			      "datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":\"k\","
			      "\"value\":\"1\"}]}",
			      strlen("datasets-set-entry {\"dataset\":\"rw\",\"entries\":[{\"key\":"
				     "\"k\",\"value\":\"1\"}]}"),
			      FALSE);
	vmds_e2e_send(fd, ping_packet->data, ping_packet->len);
	vmds_e2e_send_request(fd, "nope", 4, FALSE);
	vmds_e2e_send_request(fd,
			      "datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"k\"]}",
			      strlen("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"k\"]}"),
			      FALSE);
	/* one trailing NUL in the payload is tolerated */
	vmds_e2e_send_request(fd, with_nul, sizeof(with_nul), FALSE);
	vmds_e2e_send(fd, unknown->data, unknown->len);
	r1 = vmds_e2e_read_reply(fd, NULL);
	r2 = vmds_e2e_read_reply(fd, NULL);
	r3 = vmds_e2e_read_reply(fd, NULL);
	r4 = vmds_e2e_read_reply(fd, NULL);
	r5 = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(r1, "1 {\"result\":true}");
	ck_assert_str_eq(r2, "0 Unknown command");
	ck_assert_str_eq(r3, "1 {\"result\":true,\"entries\":[{\"k\":\"1\"}]}");
	ck_assert_str_eq(r4, "1 {\"result\":true,\"keys\":[\"k\"]}");
	ck_assert_str_eq(
	    r5, "1 {\"result\":true,\"datasets\":[{\"name\":\"rw\",\"description\":\"test\"}]}");
	/* the vector has FAST_CLOSE: a reply, then the server closes */
	vmds_e2e_send(fd, vector, sizeof(vector));
	r6 = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(r6, "0 Unknown command");
	ck_assert(vmds_e2e_wait_closed(e2e, fd));
	close(fd);
}
END_TEST

/* each malformed packet: `0 Malformed request`, then the server closes */
START_TEST(test_guest_raw_malformed)
{
	const struct {
		const gchar *what;
		guint32 words[12];
		guint n_words;
		const gchar *text;
	} cases[] = {
	    {"duplicate TYPE", {1, 1, 1, 0, 1, 1, 1, 0, 2, 2, 4}, 11, "nope"},
	    {"duplicate PAYLOAD", {1, 1, 1, 0, 2, 2, 4, 0x6e6f7065, 2, 2, 4}, 11, "nope"},
	    {"unknown entry type", {1, 1, 1, 0, 3, 2, 4}, 7, "nope"},
	    {"STRING length 0 in an unknown field", {1, 1, 1, 0, 2, 9, 0}, 7, ""},
	    {"STRING runs past the packet", {1, 1, 1, 0, 2, 2, 9}, 7, "nope"},
	    /* INT64 words are low first: TYPE sent high word first is type 2^32 */
	    {"INT64 words swapped", {1, 1, 0, 1, 2, 2, 4}, 7, "nope"},
	    {"truncated entry", {1, 1, 1}, 3, ""},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gint fd = vmds_e2e_connect(e2e, NULL);
		g_autoptr(GByteArray) packet = raw_packet(
		    cases[i].words, cases[i].n_words, cases[i].text, strlen(cases[i].text));
		g_autofree gchar *reply = NULL;

		vmds_e2e_send(fd, packet->data, packet->len);
		reply = vmds_e2e_read_reply(fd, NULL);
		ck_assert_msg(
		    g_strcmp0(reply, "0 Malformed request") == 0, "%s: [%s]", cases[i].what, reply);
		ck_assert_msg(vmds_e2e_wait_closed(e2e, fd), "%s: not closed", cases[i].what);
		close(fd);
	}
	/* a DATA packet without PAYLOAD gets an answer (which one the spec leaves open) */
	{
		const guint32 words[] = {1, 1, 1, 0, 1, 3, 1, 0};
		gint fd = vmds_e2e_connect(e2e, NULL);
		g_autoptr(GByteArray) packet = raw_packet(words, G_N_ELEMENTS(words), "", 0);
		g_autofree gchar *reply = NULL;

		vmds_e2e_send(fd, packet->data, packet->len);
		reply = vmds_e2e_read_reply(fd, NULL);
		ck_assert_msg(g_strcmp0(reply, "0 Unknown command") == 0 ||
				  g_strcmp0(reply, "0 Malformed request") == 0,
			      "DATA without PAYLOAD: [%s] (NULL: the daemon closed or died)",
			      reply);
		close(fd);
	}
	/* the daemon still serves */
	guest_ok("datasets-list", "{\"result\":true,\"datasets\":[]}");
}
END_TEST

/* binds a vsock socket to @port on every CID (never connects); the errno, 0 on success */
static gint
vsock_bind_errno(guint32 port)
{
	struct sockaddr_vm addr = {
	    .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = port};
	gint fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	gint ret = 0;

	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		ret = errno;
	close(fd);
	return ret;
}

/*
 * [vsock] port: the daemon listens on that port (binding it again fails with
 * EADDRINUSE) beside the unix sockets, which still serve, and the port is
 * free again once the daemon stopped. Nothing here connects over vsock.
 */
START_TEST(test_guest_vsock_listener)
{
	guint32 port = 0;
	g_autofree gchar *config = NULL;

	for (guint i = 0; i < 20 && port == 0; i++) {
		guint32 candidate = (guint32)g_random_int_range(20000, 60000);
		gint err = vsock_bind_errno(candidate);
		if (err == 0)
			port = candidate;
		else if (err != EADDRINUSE) {
			g_printerr("SKIP: test_guest_vsock_listener: no local vsock: %s\n",
				   g_strerror(err));
			return;
		}
	}
	ck_assert_uint_ne(port, 0);
	config = g_strdup_printf("[vsock]\nport=%u\n", port);
	g_clear_pointer(&e2e, vmds_e2e_free);
	e2e = vmds_e2e_new(config);
	ck_assert_int_eq(vsock_bind_errno(port), EADDRINUSE);
	vmds_e2e_create_dataset(e2e, NULL, "rw", "READ_WRITE", "READ_WRITE");
	vmds_e2e_put(e2e, "rw", "k", "v");
	guest_ok("datasets-get-entry {\"dataset\":\"rw\",\"keys\":[\"k\"]}",
		 "{\"result\":true,\"entries\":[{\"k\":\"v\"}]}");
	vmds_e2e_stop(e2e);
	ck_assert_int_eq(vsock_bind_errno(port), 0);
}
END_TEST

static Suite *
guest_suite(void)
{
	Suite *s = suite_create("e2e-guest");
	TCase *tc = tcase_create("vmtoolsd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_guest_walkthrough);
	tcase_add_test(tc, test_guest_cmdfile);
	tcase_add_test(tc, test_guest_jq_pipeline);
	tcase_add_test(tc, test_guest_commands);
	tcase_add_test(tc, test_guest_output_bytes);
	tcase_add_test(tc, test_guest_cli_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_guest_error_ids);
	tcase_add_test(tc, test_guest_storage_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("protocol");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_guest_raw_sequence);
	tcase_add_test(tc, test_guest_raw_malformed);
	tcase_add_test(tc, test_guest_vsock_listener);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(guest_suite());
	gint failed;

	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "vmds-e2e.h"

/*
 * The VM lifecycle commands of the vmds admin CLI against a real daemon:
 * snapshot create, ls, info, revert and rm, and vm clone. The data is made
 * with the CLI's own dataset and entry commands; what a snapshot, a revert
 * and a clone keep and leave out is what the REST API specifies for
 * omit_from_snapshot_and_clone.
 */

static VmdsE2e *e2e = NULL;

static void
setup(void)
{
	e2e = vmds_e2e_new(NULL);
}

static void
setup_two_snapshots(void)
{
	e2e = vmds_e2e_new("[daemon]\nmax-snapshots=2\n");
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

/* vmds ARGS succeeds with one line on stdout; returns it without the newline */
static gchar *
cli_line(const gchar *const *args)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);

	ck_assert_msg(run->status == 0, "exit %d: [%s] [%s]", run->status, run->out, run->err);
	ck_assert_str_eq(run->err, "");
	ck_assert_msg(run->out_len > 0 && strchr(run->out, '\n') == run->out + run->out_len - 1,
		      "not one line: [%s]",
		      run->out);
	return g_strndup(run->out, run->out_len - 1);
}

/* vmds ARGS fails with exit 1, nothing on stdout, one line on stderr naming @what */
static void
cli_fails(const gchar *const *args, const gchar *what)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);

	ck_assert_msg(run->status == 1, "exit %d: [%s] [%s]", run->status, run->out, run->err);
	ck_assert_str_eq(run->out, "");
	ck_assert_msg(g_str_has_prefix(run->err, "vmds: ") &&
			  strchr(run->err, '\n') == run->err + run->err_len - 1,
		      "stderr is not one 'vmds: ' line: [%s]",
		      run->err);
	ck_assert_msg(strstr(run->err, what) != NULL, "[%s] does not say %s", run->err, what);
}

/* vmds ARGS is a usage error (exit 2) naming @what, refused before any request */
static void
cli_usage(const gchar *const *args, const gchar *what)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);

	ck_assert_msg(run->status == 2, "exit %d: [%s] [%s]", run->status, run->out, run->err);
	ck_assert_str_eq(run->out, "");
	ck_assert_msg(strstr(run->err, what) != NULL, "[%s] does not say %s", run->err, what);
}

/* the JSON one line of output holds */
static JsonNode *
parse_json(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	ck_assert_msg(json_parser_load_from_data(parser, text, -1, &error),
		      "not JSON: %s: [%s]",
		      error != NULL ? error->message : "",
		      text);
	return json_node_copy(json_parser_get_root(parser));
}

static const gchar *
object_string(JsonObject *obj, const gchar *member)
{
	JsonNode *node = json_object_get_member(obj, member);

	ck_assert_msg(node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
			  json_node_get_value_type(node) == G_TYPE_STRING,
		      "no string '%s'",
		      member);
	return json_node_get_string(node);
}

static gint64
object_int(JsonObject *obj, const gchar *member)
{
	JsonNode *node = json_object_get_member(obj, member);

	ck_assert_msg(node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
			  json_node_get_value_type(node) == G_TYPE_INT64,
		      "no integer '%s'",
		      member);
	return json_node_get_int(node);
}

/* ISO 8601 UTC with milliseconds: 2026-12-02T05:10:00.123Z */
static void
assert_timestamp(const gchar *text)
{
	ck_assert_msg(g_regex_match_simple("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
					   "\\.[0-9]{3}Z$",
					   text,
					   0,
					   0),
		      "not an ISO 8601 UTC time with milliseconds: %s",
		      text);
}

/* the one snapshot @vm has, checked against the API's description of a snapshot */
static JsonObject *
only_snapshot(JsonNode *list)
{
	JsonArray *array = NULL;
	JsonNode *element = NULL;

	ck_assert(JSON_NODE_HOLDS_ARRAY(list));
	array = json_node_get_array(list);
	ck_assert_int_eq(json_array_get_length(array), 1);
	element = json_array_get_element(array, 0);
	ck_assert(JSON_NODE_HOLDS_OBJECT(element));
	return json_node_get_object(element);
}

/* the data the tests snapshot and clone: one data set that goes along, one
 * flagged to be left out */
static void
make_data(void)
{
	{
		const gchar *const args[] = {
		    "dataset", "create", "com.example.app", "--description", "App config", NULL};
		cli_ok(args, "com.example.app\n");
	}
	{
		const gchar *const args[] = {
		    "entry", "set", "com.example.app", "port", "8080", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {
		    "dataset", "create", "scratch", "--omit-from-snapshot-and-clone", NULL};
		cli_ok(args, "scratch\n");
	}
	{
		const gchar *const args[] = {"entry", "set", "scratch", "tmp", "x", NULL};
		cli_ok(args, "");
	}
}

START_TEST(test_cli_snapshot)
{
	g_autofree gchar *id = NULL;
	g_autofree gchar *list_json = NULL;
	g_autofree gchar *info_json = NULL;
	g_autofree gchar *table = NULL;
	g_autofree gchar *info_text = NULL;
	g_autofree gchar *vm_json = NULL;
	g_autofree gchar *other_vm = NULL;
	g_autofree gchar *reply = NULL;
	g_autoptr(JsonNode) list = NULL;
	g_autoptr(JsonNode) vm = NULL;
	const gchar *created = NULL;
	JsonObject *snapshot = NULL;
	gint64 size;
	gint fd;

	make_data();
	/* no snapshots yet: an empty table is no output at all */
	{
		const gchar *const args[] = {"snapshot", "ls", "vm-1", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"--json", "snapshot", "ls", NULL};
		cli_ok(args, "[]\n");
	}
	{
		const gchar *const args[] = {"snapshot",
					     "create",
					     "vm-1",
					     "before-upgrade",
					     "--description",
					     "pre 2.0",
					     NULL};
		id = cli_line(args);
	}
	ck_assert_msg(g_regex_match_simple("^snapshot-[0-9]+$", id, 0, 0), "id %s", id);

	/* --json ls: the API's list, one element */
	{
		const gchar *const args[] = {"--json", "snapshot", "ls", "vm-1", NULL};
		list_json = cli_line(args);
	}
	list = parse_json(list_json);
	snapshot = only_snapshot(list);
	ck_assert_str_eq(object_string(snapshot, "snapshot"), id);
	ck_assert_str_eq(object_string(snapshot, "name"), "before-upgrade");
	ck_assert_str_eq(object_string(snapshot, "description"), "pre 2.0");
	created = object_string(snapshot, "creation_time");
	assert_timestamp(created);
	size = object_int(snapshot, "size");
	ck_assert_int_gt(size, 0);

	/* ls: SNAPSHOT NAME CREATED SIZE, columns two spaces apart */
	table = g_strdup_printf("%-*s  NAME            %-*s  SIZE\n"
				"%s  before-upgrade  %s  %" G_GINT64_FORMAT "\n",
				(gint)MAX(strlen(id), strlen("SNAPSHOT")),
				"SNAPSHOT",
				(gint)strlen(created),
				"CREATED",
				id,
				created,
				size);
	{
		const gchar *const args[] = {"snapshot", "ls", "vm-1", NULL};
		cli_ok(args, table);
	}
	/* the VM defaults to --vm, $VMDS_VM, else vm-1 */
	{
		const gchar *const args[] = {"snapshot", "ls", NULL};
		cli_ok(args, table);
	}
	{
		const gchar *const args[] = {"--vm", "vm-1", "snapshot", "ls", NULL};
		cli_ok(args, table);
	}

	/* info: the same object as in the list */
	info_json = g_strdup_printf("%.*s\n", (gint)strlen(list_json) - 2, list_json + 1);
	{
		const gchar *const args[] = {"--json", "snapshot", "info", "vm-1", id, NULL};
		cli_ok(args, info_json);
	}
	info_text = g_strdup_printf("snapshot: %s\nname: before-upgrade\ndescription: pre 2.0\n"
				    "creation_time: %s\nsize: %" G_GINT64_FORMAT "\n",
				    id,
				    created,
				    size);
	{
		const gchar *const args[] = {"snapshot", "info", "vm-1", id, NULL};
		cli_ok(args, info_text);
	}

	/* the VM counts its snapshots and their disk use */
	{
		const gchar *const args[] = {"--json", "vm", "info", "vm-1", NULL};
		vm_json = cli_line(args);
	}
	vm = parse_json(vm_json);
	ck_assert(JSON_NODE_HOLDS_OBJECT(vm));
	ck_assert_int_eq(object_int(json_node_get_object(vm), "snapshot_count"), 1);
	ck_assert_int_eq(object_int(json_node_get_object(vm), "snapshots_size"), size);

	/* a guest connected through the revert */
	fd = vmds_e2e_connect(e2e, NULL);

	/* change everything a revert must undo */
	{
		const gchar *const args[] = {
		    "entry", "set", "com.example.app", "port", "9090", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"entry", "set", "com.example.app", "new", "1", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"dataset",
					     "update",
					     "com.example.app",
					     "--description",
					     "changed",
					     "--guest",
					     "NONE",
					     NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"dataset", "create", "later", NULL};
		cli_ok(args, "later\n");
	}
	{
		const gchar *const args[] = {"entry", "set", "scratch", "tmp", "y", NULL};
		cli_ok(args, "");
	}

	{
		const gchar *const args[] = {"snapshot", "revert", "vm-1", id, NULL};
		cli_ok(args, "");
	}
	/* the data set as it was; "later" gone; the flagged "scratch" destroyed */
	{
		const gchar *const args[] = {"entry", "get", "com.example.app", "port", NULL};
		cli_ok(args, "8080\n");
	}
	{
		const gchar *const args[] = {"entry", "ls", "com.example.app", NULL};
		cli_ok(args, "port\n");
	}
	{
		const gchar *const args[] = {"dataset", "ls", NULL};
		cli_ok(args, "NAME             DESCRIPTION\ncom.example.app  App config\n");
	}
	{
		const gchar *const args[] = {"dataset", "info", "com.example.app", NULL};
		cli_ok(args,
		       "name: com.example.app\ndescription: App config\nhost: READ_WRITE\n"
		       "guest: READ_ONLY\nused: 8\nomit_from_snapshot_and_clone: false\n");
	}
	{
		const gchar *const args[] = {"dataset", "info", "scratch", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	/* the guest's connection is still open and sees the reverted data */
	vmds_e2e_send_request(
	    fd,
	    "datasets-get-entry {\"dataset\":\"com.example.app\",\"keys\":[\"port\"]}",
	    strlen("datasets-get-entry {\"dataset\":\"com.example.app\","
		   "\"keys\":[\"port\"]}"),
	    FALSE);
	reply = vmds_e2e_read_reply(fd, NULL);
	ck_assert_str_eq(reply, "1 {\"result\":true,\"entries\":[{\"port\":\"8080\"}]}");
	close(fd);
	/* the snapshot is kept */
	{
		const gchar *const args[] = {"snapshot", "info", "vm-1", id, NULL};
		cli_ok(args, info_text);
	}

	/* a snapshot belongs to its VM */
	{
		const gchar *const args[] = {"vm", "create", "other", NULL};
		other_vm = cli_line(args);
	}
	{
		g_autofree gchar *what =
		    g_strdup_printf("is a snapshot of VM vm-1, not of %s", other_vm);
		const gchar *const args[] = {"snapshot", "revert", other_vm, id, NULL};
		cli_fails(args, what);
	}
	{
		const gchar *const args[] = {"snapshot", "revert", other_vm, id, NULL};
		cli_fails(args, "INVALID_ARGUMENT");
	}
	{
		const gchar *const args[] = {"--vm", other_vm, "snapshot", "ls", NULL};
		cli_ok(args, "");
	}

	/* errors from the daemon: one line, exit 1 */
	{
		const gchar *const args[] = {"snapshot", "info", "vm-1", "snapshot-999999", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	{
		const gchar *const args[] = {"snapshot", "revert", "vm-1", "snapshot-999999", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	{
		const gchar *const args[] = {"snapshot", "ls", "vm-9", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	{
		const gchar *const args[] = {"snapshot", "create", "vm-1", "", NULL};
		cli_fails(args, "INVALID_ARGUMENT");
	}
	{
		g_autofree gchar *long_name = g_strnfill(256, 'n');
		const gchar *const args[] = {"snapshot", "create", "vm-1", long_name, NULL};
		cli_fails(args, "INVALID_ARGUMENT");
	}
	{
		g_autofree gchar *long_text = g_strnfill(1025, 'd');
		const gchar *const args[] = {
		    "snapshot", "create", "vm-1", "x", "--description", long_text, NULL};
		cli_fails(args, "INVALID_ARGUMENT");
	}
	/* usage errors, before any request */
	{
		const gchar *const args[] = {"snapshot", "info", "vm-1", "..", NULL};
		cli_usage(args, "'..' cannot be used");
	}
	{
		const gchar *const args[] = {"snapshot", "ls", ".", NULL};
		cli_usage(args, "'.' cannot be used");
	}
	{
		const gchar *const args[] = {"snapshot", "create", "vm-1", NULL};
		cli_usage(args, "missing arguments");
	}
	{
		const gchar *const args[] = {"snapshot", "rm", "vm-1", id, "--force", NULL};
		cli_usage(args, "takes no --force");
	}
	/* a snapshot id is a path segment: percent-encoded, so it names no other route */
	{
		const gchar *const args[] = {"snapshot", "info", "vm-1", "x?action=revert", NULL};
		cli_fails(args, "NOT_FOUND");
	}

	{
		const gchar *const args[] = {"snapshot", "rm", "vm-1", id, NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"snapshot", "ls", "vm-1", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"snapshot", "info", "vm-1", id, NULL};
		cli_fails(args, "NOT_FOUND");
	}
	{
		const gchar *const args[] = {"snapshot", "rm", "vm-1", id, NULL};
		cli_fails(args, "NOT_FOUND");
	}
	/* deleting the snapshot left the VM's data alone */
	{
		const gchar *const args[] = {"entry", "get", "com.example.app", "port", NULL};
		cli_ok(args, "8080\n");
	}
}
END_TEST

/* ids are never reused, and a VM has at most [daemon] max-snapshots */
START_TEST(test_cli_snapshot_limit)
{
	g_autofree gchar *id1 = NULL;
	g_autofree gchar *id2 = NULL;
	g_autofree gchar *id3 = NULL;

	{
		const gchar *const args[] = {"snapshot", "create", "vm-1", "one", NULL};
		id1 = cli_line(args);
	}
	{
		/* a name need not be unique */
		const gchar *const args[] = {"snapshot", "create", "vm-1", "one", NULL};
		id2 = cli_line(args);
	}
	ck_assert_str_ne(id1, id2);
	{
		const gchar *const args[] = {"snapshot", "create", "vm-1", "three", NULL};
		cli_fails(args, "UNABLE_TO_ALLOCATE_RESOURCE");
	}
	{
		const gchar *const args[] = {"snapshot", "rm", "vm-1", id1, NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"snapshot", "create", "vm-1", "three", NULL};
		id3 = cli_line(args);
	}
	ck_assert_str_ne(id3, id1);
	ck_assert_str_ne(id3, id2);
	{
		/* oldest first */
		g_autofree gchar *expected = g_strdup_printf("%s\n%s\n", id2, id3);
		const gchar *const args[] = {"snapshot", "ls", "vm-1", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		g_auto(GStrv) lines = NULL;
		g_autoptr(GString) firsts = g_string_new(NULL);

		ck_assert_int_eq(run->status, 0);
		lines = g_strsplit(run->out, "\n", -1);
		ck_assert_int_eq(g_strv_length(lines), 4); /* header, two rows, "" */
		for (guint i = 1; i < 3; i++) {
			g_auto(GStrv) cells = g_strsplit(lines[i], " ", 2);
			g_string_append_printf(firsts, "%s\n", cells[0]);
		}
		ck_assert_str_eq(firsts->str, expected);
	}
	/* a VM's snapshots go with it */
	{
		const gchar *const args[] = {"vm", "create", "doomed", NULL};
		g_autofree gchar *vm = cli_line(args);
		const gchar *const snap_args[] = {"snapshot", "create", vm, "s", NULL};
		g_autofree gchar *snap = cli_line(snap_args);
		const gchar *const rm_args[] = {"vm", "rm", vm, NULL};
		const gchar *const info_args[] = {"snapshot", "info", vm, snap, NULL};
		cli_ok(rm_args, "");
		cli_fails(info_args, "NOT_FOUND");
	}
}
END_TEST

START_TEST(test_cli_clone)
{
	g_autofree gchar *clone = NULL;
	g_autofree gchar *vm_json = NULL;
	g_autoptr(JsonNode) vm = NULL;
	JsonObject *obj = NULL;

	make_data();
	{
		const gchar *const args[] = {"vm", "clone", "vm-1", "web-2", "--cid", "9", NULL};
		clone = cli_line(args);
	}
	ck_assert_msg(g_regex_match_simple("^vm-[0-9]+$", clone, 0, 0), "id %s", clone);
	ck_assert_str_ne(clone, "vm-1");

	/* the clone: its own id, name and CID; no socket owner or group of its own */
	{
		const gchar *const args[] = {"--json", "vm", "info", clone, NULL};
		vm_json = cli_line(args);
	}
	vm = parse_json(vm_json);
	ck_assert(JSON_NODE_HOLDS_OBJECT(vm));
	obj = json_node_get_object(vm);
	ck_assert_str_eq(object_string(obj, "vm"), clone);
	ck_assert_str_eq(object_string(obj, "name"), "web-2");
	ck_assert_int_eq(object_int(obj, "cid"), 9);
	ck_assert(!json_object_has_member(obj, "socket_owner"));
	ck_assert(!json_object_has_member(obj, "socket_group"));
	{
		g_autofree gchar *ls =
		    g_strdup_printf("VM    NAME\nvm-1  vm-1\n%s  web-2\n", clone);
		const gchar *const args[] = {"vm", "ls", NULL};
		cli_ok(args, ls);
	}

	/* the data set and its entry came along; the flagged one did not */
	{
		const gchar *const args[] = {"--vm", clone, "dataset", "ls", NULL};
		cli_ok(args, "NAME             DESCRIPTION\ncom.example.app  App config\n");
	}
	{
		const gchar *const args[] = {
		    "--vm", clone, "entry", "get", "com.example.app", "port", NULL};
		cli_ok(args, "8080\n");
	}
	{
		const gchar *const args[] = {"--vm", clone, "dataset", "info", "scratch", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	/* the source keeps both */
	{
		const gchar *const args[] = {"entry", "get", "scratch", "tmp", NULL};
		cli_ok(args, "x\n");
	}

	/* a copy: a change to one is not seen by the other */
	{
		const gchar *const args[] = {
		    "--vm", clone, "entry", "set", "com.example.app", "port", "1", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"entry", "get", "com.example.app", "port", NULL};
		cli_ok(args, "8080\n");
	}

	/* errors */
	{
		const gchar *const args[] = {"vm", "clone", "vm-99", "web-3", NULL};
		cli_fails(args, "NOT_FOUND");
	}
	{
		/* a VM of that name exists */
		const gchar *const args[] = {"vm", "clone", "vm-1", "web-2", NULL};
		cli_fails(args, "ALREADY_EXISTS");
	}
	{
		/* the CID is taken */
		const gchar *const args[] = {"vm", "clone", "vm-1", "web-3", "--cid", "9", NULL};
		cli_fails(args, "ALREADY_EXISTS");
	}
	{
		const gchar *const args[] = {"vm", "clone", "vm-1", NULL};
		cli_usage(args, "missing arguments");
	}
	{
		const gchar *const args[] = {"vm", "clone", "..", "web-3", NULL};
		cli_usage(args, "'..' cannot be used");
	}
	{
		const gchar *const args[] = {
		    "vm", "clone", "vm-1", "web-3", "--description", "d", NULL};
		cli_usage(args, "takes no --description");
	}
	/* nothing was created by the failures */
	{
		g_autofree gchar *ls =
		    g_strdup_printf("VM    NAME\nvm-1  vm-1\n%s  web-2\n", clone);
		const gchar *const args[] = {"vm", "ls", NULL};
		cli_ok(args, ls);
	}
}
END_TEST

/* every new command explains itself */
START_TEST(test_cli_lifecycle_help)
{
	const gchar *const commands[][2] = {
	    {"vm", "clone"},
	    {"snapshot", "ls"},
	    {"snapshot", "create"},
	    {"snapshot", "info"},
	    {"snapshot", "revert"},
	    {"snapshot", "rm"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
		const gchar *const args[] = {commands[i][0], commands[i][1], "--help", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		g_autofree gchar *usage =
		    g_strdup_printf("Usage: vmds [OPTION…] %s %s ", commands[i][0], commands[i][1]);

		vmds_e2e_assert_run(run, 0, run->out, "");
		ck_assert_msg(g_str_has_prefix(run->out, usage), "[%s]", run->out);
	}
	{
		const gchar *const args[] = {"snapshot", "create", "--help", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		ck_assert_msg(strstr(run->out, "--description=TEXT") != NULL, "[%s]", run->out);
	}
	{
		const gchar *const args[] = {"vm", "clone", "--help", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		ck_assert_msg(strstr(run->out, "--cid=N") != NULL &&
				  strstr(run->out, "--socket-owner=USER") != NULL &&
				  strstr(run->out, "--socket-group=GROUP") != NULL,
			      "[%s]",
			      run->out);
	}
	{
		const gchar *const args[] = {"help", "snapshot", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		vmds_e2e_assert_run(run, 0, run->out, "");
		ck_assert_msg(
		    strstr(run->out, "snapshot revert VM SNAPSHOT") != NULL, "[%s]", run->out);
		ck_assert_msg(strstr(run->out, "dataset ls") == NULL, "[%s]", run->out);
	}
}
END_TEST

static Suite *
cli_lifecycle_suite(void)
{
	Suite *s = suite_create("e2e-cli-lifecycle");
	TCase *tc = tcase_create("lifecycle");
	TCase *tc_limit = tcase_create("limit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cli_snapshot);
	tcase_add_test(tc, test_cli_clone);
	tcase_add_test(tc, test_cli_lifecycle_help);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tc_limit, setup_two_snapshots, teardown);
	tcase_set_timeout(tc_limit, 120);
	tcase_add_test(tc_limit, test_cli_snapshot_limit);
	suite_add_tcase(s, tc_limit);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(cli_lifecycle_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

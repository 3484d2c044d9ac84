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
 * snapshot create, ls, info, revert and rm, vm clone, and vm export and
 * import, to the same daemon and to a second one. The data is made
 * with the CLI's own dataset and entry commands; what a snapshot, a revert
 * and a clone keep and leave out is what the REST API specifies for
 * omit_from_snapshot_and_clone; an export keeps everything.
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

/* vmds ARGS, against @fixture's daemon, succeeds with exactly @out on stdout */
static void
cli_ok_on(VmdsE2e *fixture, const gchar *const *args, const gchar *out)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(fixture, args);
	vmds_e2e_assert_run(run, 0, out, "");
}

static void
cli_ok(const gchar *const *args, const gchar *out)
{
	cli_ok_on(e2e, args, out);
}

/* the output of a run that printed one line; returns it without the newline */
static gchar *
run_line(const VmdsE2eRun *run)
{
	ck_assert_msg(run->status == 0, "exit %d: [%s] [%s]", run->status, run->out, run->err);
	ck_assert_str_eq(run->err, "");
	ck_assert_msg(run->out_len > 0 && strchr(run->out, '\n') == run->out + run->out_len - 1,
		      "not one line: [%s]",
		      run->out);
	return g_strndup(run->out, run->out_len - 1);
}

/* vmds ARGS, against @fixture's daemon, succeeds with one line on stdout;
 * returns it without the newline */
static gchar *
cli_line_on(VmdsE2e *fixture, const gchar *const *args)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(fixture, args);
	return run_line(run);
}

static gchar *
cli_line(const gchar *const *args)
{
	return cli_line_on(e2e, args);
}

/* a run that failed with exit 1, nothing on stdout, one line on stderr naming @what */
static void
assert_run_fails(const VmdsE2eRun *run, const gchar *what)
{
	ck_assert_msg(run->status == 1, "exit %d: [%s] [%s]", run->status, run->out, run->err);
	ck_assert_str_eq(run->out, "");
	ck_assert_msg(g_str_has_prefix(run->err, "vmds: ") &&
			  strchr(run->err, '\n') == run->err + run->err_len - 1,
		      "stderr is not one 'vmds: ' line: [%s]",
		      run->err);
	ck_assert_msg(strstr(run->err, what) != NULL, "[%s] does not say %s", run->err, what);
}

/* vmds ARGS, against @fixture's daemon, fails naming @what */
static void
cli_fails_on(VmdsE2e *fixture, const gchar *const *args, const gchar *what)
{
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(fixture, args);
	assert_run_fails(run, what);
}

static void
cli_fails(const gchar *const *args, const gchar *what)
{
	cli_fails_on(e2e, args, what);
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

/* ISO 8601 UTC to the second: 2026-12-02T05:10:00Z */
static void
assert_timestamp_seconds(const gchar *text)
{
	ck_assert_msg(g_regex_match_simple(
			  "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", text, 0, 0),
		      "not an ISO 8601 UTC time: %s",
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

/* the data the tests snapshot, clone and export, in @vm: one data set that
 * goes along, one flagged to be left out of snapshots and clones */
static void
make_data(const gchar *vm)
{
	{
		const gchar *const args[] = {"--vm",
					     vm,
					     "dataset",
					     "create",
					     "com.example.app",
					     "--description",
					     "App config",
					     NULL};
		cli_ok(args, "com.example.app\n");
	}
	{
		const gchar *const args[] = {
		    "--vm", vm, "entry", "set", "com.example.app", "port", "8080", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {"--vm",
					     vm,
					     "dataset",
					     "create",
					     "scratch",
					     "--omit-from-snapshot-and-clone",
					     NULL};
		cli_ok(args, "scratch\n");
	}
	{
		const gchar *const args[] = {
		    "--vm", vm, "entry", "set", "scratch", "tmp", "x", NULL};
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

	make_data("vm-1");
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

	make_data("vm-1");
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

/* the VM vm-2 "web", CID 7, with make_data()'s data sets */
static gchar *
make_web(void)
{
	const gchar *const args[] = {"vm", "create", "web", "--cid", "7", NULL};
	gchar *web = cli_line(args);

	make_data(web);
	return web;
}

/*
 * @data is a whole export of the VM @vm named @name with CID @cid, as the
 * REST API describes the file: `VMDS-EXPORT 1`, a JSON header line, the
 * store_size bytes of the store, `CRC32 xxxxxxxx`. Returns where the store
 * begins.
 */
static gsize
assert_export(const gchar *data, gsize len, const gchar *vm, const gchar *name, gint64 cid)
{
	const gchar *header = NULL;
	const gchar *header_end = NULL;
	g_autofree gchar *line = NULL;
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj = NULL;
	gsize store_offset;
	gint64 store_size;

	ck_assert_msg(len > 14 && memcmp(data, "VMDS-EXPORT 1\n", 14) == 0, "no format line");
	header = data + 14;
	header_end = memchr(header, '\n', len - 14);
	ck_assert_msg(header_end != NULL, "no header line");
	line = g_strndup(header, (gsize)(header_end - header));
	node = parse_json(line);
	ck_assert(JSON_NODE_HOLDS_OBJECT(node));
	obj = json_node_get_object(node);
	ck_assert_str_eq(object_string(obj, "vm"), vm);
	ck_assert_str_eq(object_string(obj, "name"), name);
	ck_assert_int_eq(object_int(obj, "cid"), cid);
	assert_timestamp_seconds(object_string(obj, "exported"));
	store_size = object_int(obj, "store_size");
	store_offset = (gsize)(header_end + 1 - data);
	/* the store, then the trailer, and nothing after */
	ck_assert_uint_eq(len, store_offset + (gsize)store_size + strlen("CRC32 xxxxxxxx\n"));
	ck_assert_msg(memcmp(data + store_offset, "SQLite format 3", 16) == 0, "not a store");
	ck_assert_msg(g_regex_match_simple(
			  "^CRC32 [0-9a-f]{8}\n$", data + len - strlen("CRC32 xxxxxxxx\n"), 0, 0),
		      "no CRC32 trailer");
	return store_offset;
}

/* an imported VM: @name, @cid (0: none), both data sets with their entries,
 * the flag kept */
static void
assert_imported(VmdsE2e *fixture, const gchar *vm, const gchar *name, gint64 cid)
{
	g_autofree gchar *vm_json = NULL;
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj = NULL;

	{
		const gchar *const args[] = {"--json", "vm", "info", vm, NULL};
		vm_json = cli_line_on(fixture, args);
	}
	node = parse_json(vm_json);
	ck_assert(JSON_NODE_HOLDS_OBJECT(node));
	obj = json_node_get_object(node);
	ck_assert_str_eq(object_string(obj, "vm"), vm);
	ck_assert_str_eq(object_string(obj, "name"), name);
	if (cid != 0)
		ck_assert_int_eq(object_int(obj, "cid"), cid);
	else
		ck_assert(!json_object_has_member(obj, "cid"));
	/* socket owner and group are the host's, not carried */
	ck_assert(!json_object_has_member(obj, "socket_owner"));
	ck_assert(!json_object_has_member(obj, "socket_group"));
	{
		const gchar *const args[] = {"--vm", vm, "dataset", "ls", NULL};
		cli_ok_on(fixture,
			  args,
			  "NAME             DESCRIPTION\ncom.example.app  App config\n"
			  "scratch          \n");
	}
	{
		const gchar *const args[] = {
		    "--vm", vm, "entry", "get", "com.example.app", "port", NULL};
		cli_ok_on(fixture, args, "8080\n");
	}
	{
		const gchar *const args[] = {"--vm", vm, "entry", "get", "scratch", "tmp", NULL};
		cli_ok_on(fixture, args, "x\n");
	}
	{
		const gchar *const args[] = {"--vm", vm, "dataset", "info", "scratch", NULL};
		cli_ok_on(fixture,
			  args,
			  "name: scratch\ndescription: \nhost: READ_WRITE\nguest: READ_ONLY\n"
			  "used: 4\nomit_from_snapshot_and_clone: true\n");
	}
}

/* vm ls on @fixture */
static gchar *
vm_ls(VmdsE2e *fixture)
{
	const gchar *const args[] = {"vm", "ls", NULL};
	g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(fixture, args);

	ck_assert_int_eq(run->status, 0);
	return g_strdup(run->out);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* the names in @dir, sorted, one a line */
static gchar *
dir_list(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	ck_assert(d != NULL);
	while ((name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_ptr_array_sort(names, compare_names);
	g_ptr_array_add(names, NULL);
	return g_strjoinv("\n", (gchar **)names->pdata);
}

START_TEST(test_cli_export_import)
{
	g_autoptr(VmdsE2e) other = vmds_e2e_new(NULL);
	g_autofree gchar *web = make_web();
	g_autofree gchar *file = g_build_filename(vmds_e2e_get_tmp(e2e), "web.vmds", NULL);
	g_autofree gchar *part = g_strconcat(file, ".part", NULL);
	g_autofree gchar *data = NULL;
	g_autofree gchar *copy = NULL;
	g_autofree gchar *moved = NULL;
	g_autofree gchar *from_stdin = NULL;
	g_autofree gchar *piped = NULL;
	gsize len = 0;

	/* to a file: nothing on stdout or (not a terminal) stderr, no .part left */
	{
		const gchar *const args[] = {"vm", "export", web, file, NULL};
		cli_ok(args, "");
	}
	ck_assert(g_file_get_contents(file, &data, &len, NULL));
	ck_assert(!g_file_test(part, G_FILE_TEST_EXISTS));
	assert_export(data, len, web, "web", 7);

	/* on the same daemon, under another name and CID: everything arrives,
	 * the flagged data set too */
	{
		const gchar *const args[] = {
		    "vm", "import", file, "--name", "web-copy", "--cid", "8", NULL};
		copy = cli_line(args);
	}
	ck_assert_msg(g_regex_match_simple("^vm-[0-9]+$", copy, 0, 0), "id %s", copy);
	ck_assert_str_ne(copy, web);
	assert_imported(e2e, copy, "web-copy", 8);
	/* a copy: the source is untouched by a change to it */
	{
		const gchar *const args[] = {
		    "--vm", copy, "entry", "set", "com.example.app", "port", "1", NULL};
		cli_ok(args, "");
	}
	{
		const gchar *const args[] = {
		    "--vm", web, "entry", "get", "com.example.app", "port", NULL};
		cli_ok(args, "8080\n");
	}

	/* on a second daemon with its own state dir: the name and CID the file says */
	{
		const gchar *const args[] = {"vm", "import", file, NULL};
		moved = cli_line_on(other, args);
	}
	assert_imported(other, moved, "web", 7);

	/* '-': standard output, then standard input */
	{
		const gchar *const args[] = {"vm", "export", web, "-", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		const gchar *const import_args[] = {
		    "vm", "import", "-", "--name", "from-stdin", "--cid", "0", NULL};
		g_autoptr(VmdsE2eRun) import = NULL;

		ck_assert_msg(run->status == 0, "exit %d: [%s]", run->status, run->err);
		ck_assert_str_eq(run->err, "");
		assert_export(run->out, run->out_len, web, "web", 7);
		import = vmds_e2e_vmds_input(other, import_args, run->out, run->out_len);
		from_stdin = run_line(import);
	}
	assert_imported(other, from_stdin, "from-stdin", 0);

	/* a migration in one pipe: export on one host, import on the other */
	{
		g_autofree gchar *script = g_strdup_printf(
		    "\"$VMDS_CLI\" vm export '%s' - | VMDS_URL='%s' VMDS_STATE_DIR='%s' "
		    "VMDS_RUN_DIR='%s' \"$VMDS_CLI\" vm import - --name piped --cid 9",
		    web,
		    vmds_e2e_get_url(other),
		    vmds_e2e_get_state_dir(other),
		    vmds_e2e_get_run_dir(other));
		g_autoptr(VmdsE2eRun) run = vmds_e2e_shell(e2e, script);
		piped = run_line(run);
	}
	assert_imported(other, piped, "piped", 9);
}
END_TEST

/* a file that is not a whole export, a name or CID that exists, a file that
 * cannot be written: exit 1, one line naming the problem, nothing created
 * and no file left */
START_TEST(test_cli_export_import_errors)
{
	g_autoptr(VmdsE2e) other = vmds_e2e_new(NULL);
	g_autofree gchar *web = make_web();
	const gchar *tmp = vmds_e2e_get_tmp(e2e);
	g_autofree gchar *file = g_build_filename(tmp, "web.vmds", NULL);
	g_autofree gchar *data = NULL;
	g_autofree gchar *damaged = NULL;
	g_autofree gchar *damaged_path = NULL;
	g_autofree gchar *truncated_path = NULL;
	g_autofree gchar *ls = NULL;
	g_autofree gchar *ls_other = NULL;
	g_autofree gchar *files = NULL;
	gsize len = 0;
	gsize store_offset;

	{
		const gchar *const args[] = {"vm", "export", web, file, NULL};
		cli_ok(args, "");
	}
	ck_assert(g_file_get_contents(file, &data, &len, NULL));
	store_offset = assert_export(data, len, web, "web", 7);
	ls = vm_ls(e2e);
	ls_other = vm_ls(other);

	/* cut short */
	truncated_path = vmds_e2e_write_file(e2e, "truncated.vmds", data, len / 2);
	{
		const gchar *const args[] = {"vm", "import", truncated_path, NULL};
		cli_fails_on(other, args, "truncated");
	}
	{
		const gchar *const args[] = {"vm", "import", truncated_path, NULL};
		cli_fails_on(other, args, "INVALID_ARGUMENT");
	}
	{
		const gchar *const args[] = {"vm", "import", "-", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds_input(other, args, data, len - 1);
		assert_run_fails(run, "truncated");
	}
	/* one byte of the store changed */
	damaged = g_memdup2(data, len);
	damaged[store_offset + (len - store_offset) / 2] ^= 0x01;
	damaged_path = vmds_e2e_write_file(e2e, "damaged.vmds", damaged, len);
	{
		const gchar *const args[] = {"vm", "import", damaged_path, NULL};
		cli_fails_on(other, args, "damaged");
	}
	{
		const gchar *const args[] = {"vm", "import", damaged_path, "--name", "d", NULL};
		cli_fails(args, "INVALID_ARGUMENT");
	}
	/* a name or CID that exists */
	{
		const gchar *const args[] = {"vm", "import", file, NULL};
		cli_fails(args, "ALREADY_EXISTS");
	}
	{
		const gchar *const args[] = {"vm", "import", file, "--name", "vm-1", NULL};
		cli_fails_on(other, args, "ALREADY_EXISTS");
	}
	{
		const gchar *const args[] = {"vm", "import", file, "--name", "web-2", NULL};
		cli_fails(args, "ALREADY_EXISTS"); /* CID 7 */
	}
	/* no such file */
	{
		g_autofree gchar *missing = g_build_filename(tmp, "missing.vmds", NULL);
		const gchar *const args[] = {"vm", "import", missing, NULL};
		cli_fails_on(other, args, "missing.vmds");
	}
	/* nothing was created by any of them */
	{
		g_autofree gchar *now = vm_ls(e2e);
		g_autofree gchar *now_other = vm_ls(other);
		ck_assert_str_eq(now, ls);
		ck_assert_str_eq(now_other, ls_other);
	}

	/* exports that fail leave no file: a directory that does not exist, a
	 * VM that does not, and an existing FILE is kept as it was */
	files = dir_list(tmp);
	{
		g_autofree gchar *path = g_build_filename(tmp, "no-such-dir", "web.vmds", NULL);
		const gchar *const args[] = {"vm", "export", web, path, NULL};
		cli_fails(args, "no-such-dir");
	}
	{
		g_autofree gchar *path = g_build_filename(tmp, "vm-99.vmds", NULL);
		const gchar *const args[] = {"vm", "export", "vm-99", path, NULL};
		cli_fails(args, "NOT_FOUND");
	}
	{
		const gchar *const args[] = {"vm", "export", "vm-99", file, NULL};
		g_autofree gchar *after = NULL;
		gsize after_len = 0;
		cli_fails(args, "NOT_FOUND");
		ck_assert(g_file_get_contents(file, &after, &after_len, NULL));
		ck_assert(after_len == len && memcmp(after, data, len) == 0);
	}
	{
		g_autofree gchar *now = dir_list(tmp);
		ck_assert_str_eq(now, files);
	}
	{
		const gchar *const args[] = {"vm", "export", "vm-99", "-", NULL};
		cli_fails(args, "NOT_FOUND");
	}

	/* usage errors, before any request */
	{
		const gchar *const args[] = {"vm", "export", web, NULL};
		cli_usage(args, "missing arguments");
	}
	{
		const gchar *const args[] = {"vm", "import", NULL};
		cli_usage(args, "missing arguments");
	}
	{
		const gchar *const args[] = {"vm", "export", web, file, "--name", "x", NULL};
		cli_usage(args, "takes no --name");
	}
	{
		const gchar *const args[] = {"vm", "import", file, "--description", "x", NULL};
		cli_usage(args, "takes no --description");
	}
	{
		const gchar *const args[] = {"vm", "export", "..", file, NULL};
		cli_usage(args, "'..' cannot be used");
	}
}
END_TEST

/* every new command explains itself */
START_TEST(test_cli_lifecycle_help)
{
	const gchar *const commands[][2] = {
	    {"vm", "clone"},
	    {"vm", "export"},
	    {"vm", "import"},
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
		const gchar *const args[] = {"vm", "import", "--help", NULL};
		g_autoptr(VmdsE2eRun) run = vmds_e2e_vmds(e2e, args);
		ck_assert_msg(strstr(run->out, "--cid=N") != NULL &&
				  strstr(run->out, "--name=NAME") != NULL &&
				  strstr(run->out, "--socket-owner") == NULL,
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
	tcase_add_test(tc, test_cli_export_import);
	tcase_add_test(tc, test_cli_export_import_errors);
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

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "vmds-e2e.h"

/*
 * The VM lifecycle over REST and the guest channel (docs/rest-api.md, "VM
 * lifecycle"): a data set with omit_from_snapshot_and_clone unset follows
 * a snapshot and a clone and returns on revert; a flagged one is left out
 * of both and destroyed on revert; a revert replaces the VM's data as a
 * whole (data sets made since are gone, descriptions and access modes come
 * back) while guest connections stay open; a snapshot holds every write
 * acknowledged before it and none of one acknowledged after, never half of
 * a multi-entry write; ids, limits and errors as specified.
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

static void
rest_ok(
    const gchar *method, const gchar *path, const gchar *body, guint status, const gchar *expected)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, method, path, body);
	vmds_e2e_assert_reply(reply, status, expected);
}

static void
rest_fails(const gchar *method,
	   const gchar *path,
	   const gchar *body,
	   guint status,
	   const gchar *error_type)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, method, path, body);
	vmds_e2e_assert_error(reply, status, error_type);
}

/* `vmtoolsd --cmd CMD` in VM @vm */
static VmdsE2eRun *
guest(const gchar *vm, const gchar *cmd)
{
	g_autofree gchar *channel = vmds_e2e_channel(e2e, vm);
	g_autofree gchar *channel_env = g_strdup_printf("VMTOOLSD_CHANNEL=%s", channel);
	const gchar *const args[] = {"--cmd", cmd, NULL};
	const gchar *const env[] = {channel_env, NULL};
	return vmds_e2e_vmtoolsd_argv(e2e, args, env);
}

static void
guest_ok(const gchar *vm, const gchar *cmd, const gchar *json)
{
	g_autoptr(VmdsE2eRun) run = guest(vm, cmd);
	vmds_e2e_assert_ok(run, json);
}

/* the guest of @vm sets @key of data set @ds to @value */
static void
guest_set(const gchar *vm, const gchar *ds, const gchar *key, const gchar *value)
{
	g_autofree gchar *cmd =
	    g_strdup_printf("datasets-set-entry "
			    "{\"dataset\":\"%s\",\"entries\":[{\"key\":\"%s\",\"value\":\"%s\"}]}",
			    ds,
			    key,
			    value);
	guest_ok(vm, cmd, "{\"result\":true}");
}

/* the guest of @vm reads @key of data set @ds: it is @value */
static void
guest_get(const gchar *vm, const gchar *ds, const gchar *key, const gchar *value)
{
	g_autofree gchar *cmd =
	    g_strdup_printf("datasets-get-entry {\"dataset\":\"%s\",\"keys\":[\"%s\"]}", ds, key);
	g_autofree gchar *json =
	    g_strdup_printf("{\"result\":true,\"entries\":[{\"%s\":\"%s\"}]}", key, value);
	guest_ok(vm, cmd, json);
}

/* vm-1's data sets: `keep`, `flagged` (omit_from_snapshot_and_clone), each
 * with entries the guest wrote; returns the dump of vm-1 as it was before
 * `flagged` was made, which is what a snapshot, a clone and a revert hold */
static gchar *
make_data(void)
{
	gchar *before_flagged;

	vmds_e2e_create_dataset(e2e, NULL, "keep", "READ_WRITE", "READ_WRITE");
	guest_set("vm-1", "keep", "a", "1");
	guest_set("vm-1", "keep", "b", "1");
	before_flagged = vmds_e2e_dump_vm(e2e, "vm-1");
	rest_ok("POST",
		"/api/vcenter/vm/vm-1/data-sets",
		"{\"name\":\"flagged\",\"description\":\"the VM's own\",\"host\":\"READ_WRITE\","
		"\"guest\":\"READ_WRITE\",\"omit_from_snapshot_and_clone\":true}",
		201,
		"\"flagged\"");
	guest_set("vm-1", "flagged", "x", "secret");
	return before_flagged;
}

/* a dump of @vm as if it were of @as (the dump starts with the VM's id) */
static gchar *
dump_as(const gchar *vm, const gchar *as)
{
	g_autofree gchar *dump = vmds_e2e_dump_vm(e2e, vm);

	ck_assert(g_str_has_prefix(dump, vm));
	return g_strconcat(as, dump + strlen(vm), NULL);
}

/* a guest request on an open connection, and its reply */
static gchar *
guest_on(gint fd, const gchar *cmd)
{
	gsize len;
	vmds_e2e_send_request(fd, cmd, strlen(cmd), FALSE);
	return vmds_e2e_read_reply(fd, &len);
}

START_TEST(test_lifecycle_snapshot_revert)
{
	g_autofree gchar *before_flagged = make_data();
	g_autofree gchar *after_revert = NULL;
	g_autofree gchar *reply = NULL;
	g_autoptr(VmdsE2eReply) list = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;
	g_autoptr(GRegex) shape = NULL;
	gint fd;

	rest_ok("POST",
		"/api/vcenter/vm/vm-1/snapshots",
		"{\"name\":\"before upgrade\",\"description\":\"v1 config\"}",
		201,
		"\"snapshot-1\"");
	list = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-1/snapshots", NULL);
	ck_assert_uint_eq(list->status, 200);
	shape = g_regex_new("^\\[\\{\"snapshot\":\"snapshot-1\",\"name\":\"before upgrade\","
			    "\"description\":\"v1 config\",\"creation_time\":\"20[0-9]{2}-[0-9]{2}-"
			    "[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z\",\"size\":[1-9][0-9]*"
			    "\\}\\]$",
			    0,
			    0,
			    NULL);
	ck_assert_msg(g_regex_match(shape, list->body, 0, NULL), "%s", list->body);

	/* everything changes: entries, attributes, a new data set, the flagged one */
	guest_set("vm-1", "keep", "a", "2");
	guest_ok("vm-1",
		 "datasets-delete-entry {\"dataset\":\"keep\",\"keys\":[\"b\"]}",
		 "{\"result\":true}");
	rest_ok("PATCH",
		"/api/vcenter/vm/vm-1/data-sets/keep",
		"{\"description\":\"changed\",\"guest\":\"READ_ONLY\"}",
		204,
		"");
	vmds_e2e_create_dataset(e2e, NULL, "later", "READ_WRITE", "READ_WRITE");
	guest_set("vm-1", "flagged", "x", "newer");

	/* a guest connected across the revert */
	fd = vmds_e2e_connect(e2e, "vm-1");
	reply = guest_on(fd, "datasets-get-entry {\"dataset\":\"keep\",\"keys\":[\"a\"]}");
	ck_assert_str_eq(reply, "1 {\"result\":true,\"entries\":[{\"a\":\"2\"}]}");
	g_clear_pointer(&reply, g_free);

	rest_ok("POST", "/api/vcenter/vm/vm-1/snapshots/snapshot-1?action=revert", NULL, 204, "");

	/* the same connection sees the VM after the revert */
	reply = guest_on(fd, "datasets-get-entry {\"dataset\":\"keep\",\"keys\":[\"a\"]}");
	ck_assert_str_eq(reply, "1 {\"result\":true,\"entries\":[{\"a\":\"1\"}]}");
	close(fd);

	/* the data as it was, without the flagged data set; attributes back */
	after_revert = vmds_e2e_dump_vm(e2e, "vm-1");
	ck_assert_str_eq(after_revert, before_flagged);
	guest_get("vm-1", "keep", "b", "1");
	run = guest("vm-1", "datasets-get-entry {\"dataset\":\"flagged\",\"keys\":[\"x\"]}");
	vmds_e2e_assert_failure(run, "dataset-not-found");
	rest_fails("GET", "/api/vcenter/vm/vm-1/data-sets/flagged", NULL, 404, "NOT_FOUND");
	rest_fails("GET", "/api/vcenter/vm/vm-1/data-sets/later", NULL, 404, "NOT_FOUND");

	/* the snapshot stays, and may be reverted to again */
	guest_set("vm-1", "keep", "a", "3");
	rest_ok("POST", "/api/vcenter/vm/vm-1/snapshots/snapshot-1?action=revert", NULL, 204, "");
	guest_get("vm-1", "keep", "a", "1");
}
END_TEST

START_TEST(test_lifecycle_clone)
{
	g_autofree gchar *before_flagged = make_data();
	g_autofree gchar *clone = NULL;
	g_autofree gchar *source_after = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;
	const gchar *vms =
	    "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"},{\"vm\":\"vm-2\",\"name\":\"web-2\"}]";

	rest_ok("POST",
		"/api/vcenter/vm?action=clone",
		"{\"source\":\"vm-1\",\"name\":\"web-2\",\"cid\":9}",
		201,
		"\"vm-2\"");
	rest_ok("GET", "/api/vcenter/vm", NULL, 200, vms);

	/* the clone: the source's data less the flagged data set */
	clone = dump_as("vm-2", "vm-1");
	ck_assert_str_eq(clone, before_flagged);
	guest_get("vm-2", "keep", "a", "1");
	run = guest("vm-2", "datasets-get-entry {\"dataset\":\"flagged\",\"keys\":[\"x\"]}");
	vmds_e2e_assert_failure(run, "dataset-not-found");

	/* each its own from now on */
	guest_set("vm-2", "keep", "a", "clone's");
	guest_get("vm-1", "keep", "a", "1");
	guest_get("vm-1", "flagged", "x", "secret");

	/* refused, nothing made */
	source_after = vmds_e2e_dump_vm(e2e, "vm-1");
	rest_fails("POST",
		   "/api/vcenter/vm?action=clone",
		   "{\"source\":\"vm-1\",\"name\":\"web-2\"}",
		   400,
		   "ALREADY_EXISTS");
	rest_fails("POST",
		   "/api/vcenter/vm?action=clone",
		   "{\"source\":\"vm-1\",\"name\":\"web-3\",\"cid\":9}",
		   400,
		   "ALREADY_EXISTS");
	rest_fails("POST",
		   "/api/vcenter/vm?action=clone",
		   "{\"source\":\"vm-7\",\"name\":\"web-3\"}",
		   404,
		   "NOT_FOUND");
	rest_fails("POST",
		   "/api/vcenter/vm?action=clone",
		   "{\"name\":\"web-3\"}",
		   400,
		   "INVALID_ARGUMENT");
	rest_fails("POST",
		   "/api/vcenter/vm?action=clone",
		   "{\"source\":\"vm-1\",\"name\":\"web-3\",\"colour\":\"red\"}",
		   400,
		   "INVALID_ARGUMENT");
	rest_fails(
	    "POST", "/api/vcenter/vm?action=copy", "{\"name\":\"web-3\"}", 400, "INVALID_ARGUMENT");
	rest_fails("POST", "/api/vcenter/vm", "{\"name\":\"web-2\"}", 400, "ALREADY_EXISTS");
	rest_ok("GET", "/api/vcenter/vm", NULL, 200, vms);
	{
		g_autofree gchar *now = vmds_e2e_dump_vm(e2e, "vm-1");
		ck_assert_str_eq(now, source_after);
	}
}
END_TEST

START_TEST(test_lifecycle_snapshot_errors)
{
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *long_name = g_strnfill(256, 'n');
	g_autofree gchar *long_body = g_strdup_printf("{\"name\":\"%s\"}", long_name);
	g_autofree gchar *long_description = g_strnfill(1025, 'd');
	g_autofree gchar *long_description_body =
	    g_strdup_printf("{\"name\":\"n\",\"description\":\"%s\"}", long_description);
	const gchar *bad_bodies[] = {
	    "{}",
	    "{\"name\":\"\"}",
	    long_body,
	    long_description_body,
	    "{\"name\":7}",
	    "{\"name\":\"n\",\"description\":false}",
	    "{\"name\":\"n\",\"memory\":true}",
	    "[\"n\"]",
	};

	vmds_e2e_create_dataset(e2e, NULL, "keep", "READ_WRITE", "READ_WRITE");
	vmds_e2e_put(e2e, "keep", "a", "1");
	rest_ok("POST", "/api/vcenter/vm", "{\"name\":\"other\"}", 201, "\"vm-2\"");
	rest_ok("POST",
		"/api/vcenter/vm/vm-2/snapshots",
		"{\"name\":\"theirs\"}",
		201,
		"\"snapshot-1\"");
	rest_ok(
	    "POST", "/api/vcenter/vm/vm-1/snapshots", "{\"name\":\"mine\"}", 201, "\"snapshot-2\"");
	vmds_e2e_put(e2e, "keep", "a", "2");
	before = vmds_e2e_dump_vm(e2e, "vm-1");

	/* another VM's snapshot, one that does not exist, no action */
	rest_fails("POST",
		   "/api/vcenter/vm/vm-1/snapshots/snapshot-1?action=revert",
		   NULL,
		   400,
		   "INVALID_ARGUMENT");
	rest_fails(
	    "GET", "/api/vcenter/vm/vm-1/snapshots/snapshot-1", NULL, 400, "INVALID_ARGUMENT");
	rest_fails(
	    "DELETE", "/api/vcenter/vm/vm-1/snapshots/snapshot-1", NULL, 400, "INVALID_ARGUMENT");
	rest_fails("POST",
		   "/api/vcenter/vm/vm-1/snapshots/snapshot-9?action=revert",
		   NULL,
		   404,
		   "NOT_FOUND");
	rest_fails("GET", "/api/vcenter/vm/vm-1/snapshots/snapshot-9", NULL, 404, "NOT_FOUND");
	rest_fails("DELETE", "/api/vcenter/vm/vm-1/snapshots/snapshot-9", NULL, 404, "NOT_FOUND");
	rest_fails(
	    "POST", "/api/vcenter/vm/vm-1/snapshots/snapshot-2", NULL, 400, "INVALID_ARGUMENT");
	rest_fails("POST",
		   "/api/vcenter/vm/vm-1/snapshots/snapshot-2?action=restore",
		   NULL,
		   400,
		   "INVALID_ARGUMENT");
	rest_fails("GET", "/api/vcenter/vm/vm-9/snapshots", NULL, 404, "NOT_FOUND");
	rest_fails("POST", "/api/vcenter/vm/vm-9/snapshots", "{\"name\":\"n\"}", 404, "NOT_FOUND");
	for (guint i = 0; i < G_N_ELEMENTS(bad_bodies); i++)
		rest_fails("POST",
			   "/api/vcenter/vm/vm-1/snapshots",
			   bad_bodies[i],
			   400,
			   "INVALID_ARGUMENT");

	after = vmds_e2e_dump_vm(e2e, "vm-1");
	ck_assert_str_eq(after, before);
	{
		g_autoptr(VmdsE2eReply) list =
		    vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-1/snapshots", NULL);
		ck_assert_uint_eq(list->status, 200);
		ck_assert_msg(strstr(list->body, "\"snapshot-2\"") != NULL &&
				  strstr(list->body, "\"snapshot-3\"") == NULL &&
				  strstr(list->body, "\"snapshot-1\"") == NULL,
			      "%s",
			      list->body);
	}
	/* the name bounds hold at 255 bytes and 1,024 */
	{
		g_autofree gchar *name = g_strnfill(255, 'n');
		g_autofree gchar *description = g_strnfill(1024, 'd');
		g_autofree gchar *body =
		    g_strdup_printf("{\"name\":\"%s\",\"description\":\"%s\"}", name, description);
		rest_ok("POST", "/api/vcenter/vm/vm-1/snapshots", body, 201, "\"snapshot-3\"");
	}
}
END_TEST

START_TEST(test_lifecycle_snapshot_limit)
{
	rest_ok(
	    "POST", "/api/vcenter/vm/vm-1/snapshots", "{\"name\":\"one\"}", 201, "\"snapshot-1\"");
	rest_ok(
	    "POST", "/api/vcenter/vm/vm-1/snapshots", "{\"name\":\"two\"}", 201, "\"snapshot-2\"");
	rest_fails("POST",
		   "/api/vcenter/vm/vm-1/snapshots",
		   "{\"name\":\"three\"}",
		   400,
		   "UNABLE_TO_ALLOCATE_RESOURCE");
	/* another VM has its own allowance */
	rest_ok("POST", "/api/vcenter/vm", "{\"name\":\"other\"}", 201, "\"vm-2\"");
	rest_ok(
	    "POST", "/api/vcenter/vm/vm-2/snapshots", "{\"name\":\"one\"}", 201, "\"snapshot-3\"");
	/* room again once one is deleted; ids are never used twice */
	rest_ok("DELETE", "/api/vcenter/vm/vm-1/snapshots/snapshot-2", NULL, 204, "");
	rest_ok("POST",
		"/api/vcenter/vm/vm-1/snapshots",
		"{\"name\":\"three\"}",
		201,
		"\"snapshot-4\"");
}
END_TEST

/* the sum of the sizes the snapshot list reports, and how many there are */
static guint64
snapshots_size(const gchar *vm, guint *count)
{
	g_autofree gchar *path = g_strdup_printf("/api/vcenter/vm/%s/snapshots", vm);
	g_autoptr(VmdsE2eReply) list = vmds_e2e_rest(e2e, "GET", path, NULL);
	g_autoptr(JsonNode) node = NULL;
	JsonArray *array;
	guint64 size = 0;

	ck_assert_uint_eq(list->status, 200);
	node = json_from_string(list->body, NULL);
	ck_assert(node != NULL && JSON_NODE_HOLDS_ARRAY(node));
	array = json_node_get_array(node);
	*count = json_array_get_length(array);
	for (guint i = 0; i < *count; i++)
		size += (guint64)json_object_get_int_member(json_array_get_object_element(array, i),
							    "size");
	return size;
}

START_TEST(test_lifecycle_restart_and_delete)
{
	g_autofree gchar *snapshots_dir = NULL;
	g_autofree gchar *info = NULL;
	g_autofree gchar *sock2 = vmds_e2e_socket_path(e2e, "vm-2");
	g_autoptr(VmdsE2eReply) list = NULL;
	g_autoptr(VmdsE2eReply) list_after = NULL;
	guint count = 0;
	guint64 size;

	rest_ok("POST", "/api/vcenter/vm", "{\"name\":\"web\"}", 201, "\"vm-2\"");
	vmds_e2e_create_dataset(e2e, "vm-2", "keep", "READ_WRITE", "READ_WRITE");
	guest_set("vm-2", "keep", "a", "1");
	rest_ok(
	    "POST", "/api/vcenter/vm/vm-2/snapshots", "{\"name\":\"s1\"}", 201, "\"snapshot-1\"");
	guest_set("vm-2", "keep", "a", "2");
	rest_ok(
	    "POST", "/api/vcenter/vm/vm-2/snapshots", "{\"name\":\"s2\"}", 201, "\"snapshot-2\"");
	guest_set("vm-2", "keep", "a", "3");
	list = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-2/snapshots", NULL);

	/* the VM reports what its snapshots take */
	size = snapshots_size("vm-2", &count);
	ck_assert_uint_eq(count, 2);
	info = g_strdup_printf("{\"vm\":\"vm-2\",\"name\":\"web\",\"backchannel\":\"%s\","
			       "\"snapshot_count\":2,\"snapshots_size\":%" G_GUINT64_FORMAT "}",
			       sock2,
			       size);
	rest_ok("GET", "/api/vcenter/vm/vm-2", NULL, 200, info);

	/* a restart keeps them, and they revert as before */
	vmds_e2e_restart(e2e);
	list_after = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-2/snapshots", NULL);
	vmds_e2e_assert_reply(list_after, 200, list->body);
	rest_ok("POST", "/api/vcenter/vm/vm-2/snapshots/snapshot-1?action=revert", NULL, 204, "");
	guest_get("vm-2", "keep", "a", "1");

	/* an id deleted is not given again, also after a restart */
	rest_ok("DELETE", "/api/vcenter/vm/vm-2/snapshots/snapshot-2", NULL, 204, "");
	vmds_e2e_restart(e2e);
	rest_ok(
	    "POST", "/api/vcenter/vm/vm-2/snapshots", "{\"name\":\"s3\"}", 201, "\"snapshot-3\"");

	/* deleting the VM deletes its snapshots */
	snapshots_dir = g_build_filename(vmds_e2e_get_state_dir(e2e), "vms", "vm-2", NULL);
	ck_assert(g_file_test(snapshots_dir, G_FILE_TEST_IS_DIR));
	rest_ok("DELETE", "/api/vcenter/vm/vm-2", NULL, 204, "");
	ck_assert(!g_file_test(snapshots_dir, G_FILE_TEST_EXISTS));
	rest_fails("GET", "/api/vcenter/vm/vm-2/snapshots/snapshot-1", NULL, 404, "NOT_FOUND");
	vmds_e2e_restart(e2e);
	rest_ok("GET", "/api/vcenter/vm", NULL, 200, "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"}]");
}
END_TEST

/*
 * Consistency: a guest writes the pair a = b = i, one request each, as fast
 * as it can, while snapshots are taken. Each snapshot holds a == b (never
 * half of a multi-entry write), every write acknowledged before it was
 * asked for, and at most the one write in flight when its reply came.
 */
typedef struct {
	VmdsE2e *e2e;
	gint fd;
	gint acked; /* atomic */
	gint stop;  /* atomic */
} PairWriter;

static gpointer
pair_writer_thread(gpointer data)
{
	PairWriter *writer = data;

	for (gint i = 1; !g_atomic_int_get(&writer->stop); i++) {
		g_autofree gchar *cmd = g_strdup_printf(
		    "datasets-set-entry {\"dataset\":\"pair\",\"entries\":[{\"key\":\"a\","
		    "\"value\":\"%d\"},{\"key\":\"b\",\"value\":\"%d\"}]}",
		    i,
		    i);
		g_autofree gchar *reply = NULL;
		gsize len;
		vmds_e2e_send_request(writer->fd, cmd, strlen(cmd), FALSE);
		reply = vmds_e2e_read_reply(writer->fd, &len);
		if (g_strcmp0(reply, "1 {\"result\":true}") != 0)
			return g_strdup_printf("write %d: %s", i, reply);
		g_atomic_int_set(&writer->acked, i);
	}
	return NULL;
}

static gint
entry_number(const gchar *key)
{
	g_autofree gchar *path =
	    g_strdup_printf("/api/vcenter/vm/vm-1/data-sets/pair/entries/%s", key);
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "GET", path, NULL);

	ck_assert_msg(reply->status == 200, "GET %s: %u %s", path, reply->status, reply->body);
	return (gint)g_ascii_strtoll(reply->body + 1, NULL, 10);
}

#define CONSISTENCY_SNAPSHOTS 6

START_TEST(test_lifecycle_snapshot_consistent)
{
	PairWriter writer = {.e2e = e2e};
	gint before[CONSISTENCY_SNAPSHOTS];
	gint after[CONSISTENCY_SNAPSHOTS];
	g_autofree gchar *failure = NULL;
	GThread *thread;

	vmds_e2e_create_dataset(e2e, NULL, "pair", "READ_WRITE", "READ_WRITE");
	vmds_e2e_put(e2e, "pair", "a", "0");
	vmds_e2e_put(e2e, "pair", "b", "0");
	writer.fd = vmds_e2e_connect(e2e, "vm-1");
	thread = g_thread_new("pair-writer", pair_writer_thread, &writer);
	for (guint i = 0; i < CONSISTENCY_SNAPSHOTS; i++) {
		g_autofree gchar *id = g_strdup_printf("\"snapshot-%u\"", i + 1);
		/* a few writes between two snapshots */
		while (g_atomic_int_get(&writer.acked) < (gint)(i + 1) * 5)
			g_thread_yield();
		before[i] = g_atomic_int_get(&writer.acked);
		rest_ok("POST", "/api/vcenter/vm/vm-1/snapshots", "{\"name\":\"s\"}", 201, id);
		after[i] = g_atomic_int_get(&writer.acked);
	}
	g_atomic_int_set(&writer.stop, 1);
	failure = g_thread_join(thread);
	ck_assert_msg(failure == NULL, "%s", failure);
	close(writer.fd);

	for (guint i = 0; i < CONSISTENCY_SNAPSHOTS; i++) {
		g_autofree gchar *path = g_strdup_printf(
		    "/api/vcenter/vm/vm-1/snapshots/snapshot-%u?action=revert", i + 1);
		gint a, b;
		rest_ok("POST", path, NULL, 204, "");
		a = entry_number("a");
		b = entry_number("b");
		ck_assert_msg(a == b, "snapshot %u holds half a write: a=%d b=%d", i + 1, a, b);
		ck_assert_msg(a >= before[i] && a <= after[i] + 1,
			      "snapshot %u holds write %d; acknowledged %d before it, %d after",
			      i + 1,
			      a,
			      before[i],
			      after[i]);
	}
}
END_TEST

static Suite *
lifecycle_suite(void)
{
	Suite *s = suite_create("e2e-lifecycle");
	TCase *tc = tcase_create("lifecycle");
	TCase *tc_limit = tcase_create("limit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_lifecycle_snapshot_revert);
	tcase_add_test(tc, test_lifecycle_clone);
	tcase_add_test(tc, test_lifecycle_snapshot_errors);
	tcase_add_test(tc, test_lifecycle_restart_and_delete);
	tcase_add_test(tc, test_lifecycle_snapshot_consistent);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tc_limit, setup_two_snapshots, teardown);
	tcase_set_timeout(tc_limit, 120);
	tcase_add_test(tc_limit, test_lifecycle_snapshot_limit);
	suite_add_tcase(s, tc_limit);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(lifecycle_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

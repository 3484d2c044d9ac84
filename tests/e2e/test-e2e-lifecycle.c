/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

/* vm-1 exported over REST: the file's bytes */
static GBytes *
export_vm(VmdsE2e *from, const gchar *vm)
{
	g_autofree gchar *path = g_strdup_printf("/api/vcenter/vm/%s?action=export", vm);
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(from, "GET", path, NULL);

	ck_assert_msg(reply->status == 200, "export: %u %s", reply->status, reply->body);
	ck_assert(g_str_has_prefix(reply->body, "VMDS-EXPORT 1\n{\"vm\":"));
	return g_bytes_new(reply->body, reply->body_len);
}

static VmdsE2eReply *
import_vm(VmdsE2e *into, const gchar *query, const guint8 *data, gsize len)
{
	g_autofree gchar *path = g_strdup_printf("/api/vcenter/vm?action=import%s", query);
	return vmds_e2e_rest_len(into, "POST", path, (const gchar *)data, len);
}

static void
import_fails(VmdsE2e *into,
	     const gchar *query,
	     const guint8 *data,
	     gsize len,
	     const gchar *error_type,
	     const gchar *says)
{
	g_autoptr(VmdsE2eReply) reply = import_vm(into, query, data, len);

	vmds_e2e_assert_error(reply, 400, error_type);
	ck_assert_msg(strstr(reply->body, says) != NULL, "%s does not say %s", reply->body, says);
}

START_TEST(test_lifecycle_export_import)
{
	g_autoptr(VmdsE2e) second = vmds_e2e_new(NULL);
	g_autofree gchar *source = NULL;
	g_autofree gchar *moved = NULL;
	g_autoptr(GBytes) export = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	g_autoptr(VmdsE2eRun) run = NULL;
	g_autoptr(GByteArray) bad = NULL;
	g_autofree gchar *channel = NULL;
	g_autofree gchar *channel_env = NULL;
	const guint8 *data;
	gsize len;

	g_free(make_data());
	source = vmds_e2e_dump_vm(e2e, "vm-1");
	export = export_vm(e2e, "vm-1");
	data = g_bytes_get_data(export, &len);
	ck_assert(len > 15 && data[len - 1] == '\n' && memcmp(data + len - 15, "CRC32 ", 6) == 0);

	/* refused whole, nothing created, no id spent: the second daemon's own
	 * VM is named vm-1 too */
	import_fails(second, "", data, len, "ALREADY_EXISTS", "'vm-1' exists already");
	import_fails(second, "&name=moved", data, len / 2, "INVALID_ARGUMENT", "truncated");
	import_fails(second, "&name=moved", data, len - 1, "INVALID_ARGUMENT", "truncated");
	bad = g_byte_array_new();
	g_byte_array_append(bad, data, (guint)len);
	bad->data[len / 2] ^= 0x20;
	import_fails(second, "&name=moved", bad->data, bad->len, "INVALID_ARGUMENT", "checksum");
	bad->data[len / 2] ^= 0x20;
	g_byte_array_append(bad, (const guint8 *)"more", 4);
	import_fails(
	    second, "&name=moved", bad->data, bad->len, "INVALID_ARGUMENT", "after its end");
	g_byte_array_set_size(bad, (guint)len);
	bad->data[12] = '2';
	import_fails(second, "&name=moved", bad->data, bad->len, "INVALID_ARGUMENT", "version 2");
	import_fails(second,
		     "&name=moved",
		     (const guint8 *)"hello",
		     5,
		     "INVALID_ARGUMENT",
		     "not a whole vmds export");
	import_fails(
	    second, "&name=moved", (const guint8 *)"", 0, "INVALID_ARGUMENT", "VMDS-EXPORT");
	import_fails(second, "&name=moved&cid=2", data, len, "INVALID_ARGUMENT", "cid");
	{
		g_autoptr(VmdsE2eReply) list =
		    vmds_e2e_rest(second, "GET", "/api/vcenter/vm", NULL);
		vmds_e2e_assert_reply(list, 200, "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"}]");
	}

	/* on the second daemon: everything, the flagged data set too */
	reply = import_vm(second, "&name=moved&cid=7", data, len);
	vmds_e2e_assert_reply(reply, 201, "\"vm-2\"");
	moved = vmds_e2e_dump_vm(second, "vm-2");
	ck_assert(g_str_has_prefix(moved, "vm-2"));
	ck_assert_str_eq(moved + 4, source + 4);
	channel = vmds_e2e_channel(second, "vm-2");
	channel_env = g_strdup_printf("VMTOOLSD_CHANNEL=%s", channel);
	{
		const gchar *const args[] = {
		    "--cmd", "datasets-get-entry {\"dataset\":\"flagged\",\"keys\":[\"x\"]}", NULL};
		const gchar *const env[] = {channel_env, NULL};
		run = vmds_e2e_vmtoolsd_argv(second, args, env);
		vmds_e2e_assert_ok(run, "{\"result\":true,\"entries\":[{\"x\":\"secret\"}]}");
	}
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply = vmds_e2e_rest(second, "GET", "/api/vcenter/vm/vm-2", NULL);
	ck_assert_msg(
	    strstr(reply->body, "\"name\":\"moved\",\"cid\":7,") != NULL, "%s", reply->body);
	import_fails(second, "&name=again&cid=7", data, len, "ALREADY_EXISTS", "cid 7");

	/* it survives a restart of the daemon it moved to */
	vmds_e2e_restart(second);
	g_free(moved);
	moved = vmds_e2e_dump_vm(second, "vm-2");
	ck_assert_str_eq(moved + 4, source + 4);

	/* export's own errors */
	rest_fails("GET", "/api/vcenter/vm/vm-9?action=export", NULL, 404, "NOT_FOUND");
	rest_fails("GET", "/api/vcenter/vm/vm-1?action=dump", NULL, 400, "INVALID_ARGUMENT");
}
END_TEST

/* bytes from @fd into @data until @data holds @until, or the end when
 * @until is NULL */
static void
recv_until(gint fd, GByteArray *data, const gchar *until)
{
	while (until == NULL || data->len == 0 ||
	       g_strstr_len((const gchar *)data->data, data->len, until) == NULL) {
		guint8 buf[65536];
		gssize n = recv(fd, buf, sizeof buf, 0);
		ck_assert_msg(n >= 0, "recv: %s", g_strerror(errno));
		if (n == 0) {
			ck_assert_msg(until == NULL, "the connection ended before %s", until);
			return;
		}
		g_byte_array_append(data, buf, (guint)n);
	}
}

/* the body of a chunked reply in @data (headers included) */
static GBytes *
dechunk(GByteArray *data)
{
	const gchar *p = g_strstr_len((const gchar *)data->data, data->len, "\r\n\r\n");
	const gchar *end = (const gchar *)data->data + data->len;
	GByteArray *body = g_byte_array_new();

	ck_assert(p != NULL);
	for (p += 4; p < end;) {
		gchar *next = NULL;
		guint64 size = g_ascii_strtoull(p, &next, 16);
		ck_assert(next != NULL && next + 2 <= end && next[0] == '\r' && next[1] == '\n');
		p = next + 2;
		if (size == 0)
			break;
		ck_assert((guint64)(end - p) >= size + 2);
		g_byte_array_append(body, (const guint8 *)p, (guint)size);
		p += size + 2;
	}
	return g_byte_array_free_to_bytes(body);
}

/*
 * An export reads the store as it was when it began, without a copy, while
 * guests go on writing; meanwhile what would rewrite or remove the store
 * (a snapshot, a clone, a revert, another export, deleting the VM) is
 * refused, and allowed again once the export is done.
 */
START_TEST(test_lifecycle_export_holds)
{
	g_autofree gchar *value = g_strnfill(100 * 1024, 'v');
	g_autoptr(VmdsE2e) second = vmds_e2e_new(NULL);
	g_autoptr(GByteArray) data = g_byte_array_new();
	g_autoptr(GBytes) body = NULL;
	g_autoptr(VmdsE2eReply) reply = NULL;
	const gchar *request =
	    "GET /api/vcenter/vm/vm-1?action=export HTTP/1.1\r\nHost: localhost\r\n\r\n";
	gint fd;

	vmds_e2e_create_dataset(e2e, NULL, "big", "READ_WRITE", "READ_WRITE");
	for (gint i = 0; i < 40; i++) {
		g_autofree gchar *key = g_strdup_printf("v%d", i);
		vmds_e2e_put(e2e, "big", key, value);
	}
	vmds_e2e_create_dataset(e2e, NULL, "keep", "READ_WRITE", "READ_WRITE");
	guest_set("vm-1", "keep", "gen", "before");
	rest_ok(
	    "POST", "/api/vcenter/vm/vm-1/snapshots", "{\"name\":\"s\"}", 201, "\"snapshot-1\"");

	/* an export under way: its client reads the headers, then stops */
	fd = vmds_e2e_http_connect_unix(e2e);
	vmds_e2e_send(fd, (const guint8 *)request, strlen(request));
	recv_until(fd, data, "\r\n\r\n");
	ck_assert_msg(
	    g_str_has_prefix((const gchar *)data->data, "HTTP/1.1 200"), "%.*s", 40, data->data);

	guest_set("vm-1", "keep", "gen", "during");
	guest_get("vm-1", "keep", "gen", "during");
	rest_fails(
	    "POST", "/api/vcenter/vm/vm-1/snapshots", "{\"name\":\"t\"}", 400, "RESOURCE_IN_USE");
	rest_fails("POST",
		   "/api/vcenter/vm?action=clone",
		   "{\"source\":\"vm-1\",\"name\":\"c\"}",
		   400,
		   "RESOURCE_IN_USE");
	rest_fails("POST",
		   "/api/vcenter/vm/vm-1/snapshots/snapshot-1?action=revert",
		   NULL,
		   400,
		   "RESOURCE_IN_USE");
	rest_fails("GET", "/api/vcenter/vm/vm-1?action=export", NULL, 400, "RESOURCE_IN_USE");
	rest_fails("DELETE", "/api/vcenter/vm/vm-1", NULL, 400, "RESOURCE_IN_USE");
	rest_ok("GET", "/api/vcenter/vm", NULL, 200, "[{\"vm\":\"vm-1\",\"name\":\"vm-1\"}]");

	/* the rest of it: the VM as it was when the export began */
	recv_until(fd, data, NULL);
	close(fd);
	body = dechunk(data);
	reply =
	    import_vm(second, "&name=moved", g_bytes_get_data(body, NULL), g_bytes_get_size(body));
	vmds_e2e_assert_reply(reply, 201, "\"vm-2\"");
	g_clear_pointer(&reply, vmds_e2e_reply_free);
	reply =
	    vmds_e2e_rest(second, "GET", "/api/vcenter/vm/vm-2/data-sets/keep/entries/gen", NULL);
	vmds_e2e_assert_reply(reply, 200, "\"before\"");

	/* done: allowed again, and the write made meanwhile is in the store */
	rest_ok(
	    "POST", "/api/vcenter/vm/vm-1/snapshots", "{\"name\":\"t\"}", 201, "\"snapshot-2\"");
	guest_get("vm-1", "keep", "gen", "during");
	rest_ok("POST", "/api/vcenter/vm/vm-1/snapshots/snapshot-1?action=revert", NULL, 204, "");
	guest_get("vm-1", "keep", "gen", "before");
}
END_TEST

/*
 * Kill cycles: the daemon is killed with SIGKILL at a random moment of a
 * snapshot, a revert, a clone, a snapshot's or a VM's deletion or an
 * import; after the restart every VM's store opens and passes
 * `PRAGMA integrity_check`, and the operation is done whole or not at all.
 * VMDS_LIFECYCLE_CYCLES sets the number of cycles (default 12),
 * VMDS_TEST_SEED replays a run.
 */

#define KILL_DEFAULT_CYCLES 12
#define KILL_BIG_VALUES	    24
#define KILL_BIG_SIZE	    (100 * 1024)

typedef enum {
	KILL_SNAPSHOT,
	KILL_REVERT,
	KILL_CLONE,
	KILL_DELETE_SNAPSHOT,
	KILL_DELETE_VM,
	KILL_IMPORT,
	KILL_LAST,
} KillOp;

/* the id of the VM named @name, or NULL */
static gchar *
vm_named(const gchar *name)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm", NULL);
	g_autoptr(JsonNode) node = json_from_string(reply->body, NULL);
	JsonArray *array;

	ck_assert(node != NULL && JSON_NODE_HOLDS_ARRAY(node));
	array = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonObject *obj = json_array_get_object_element(array, i);
		if (g_strcmp0(json_object_get_string_member(obj, "name"), name) == 0)
			return g_strdup(json_object_get_string_member(obj, "vm"));
	}
	return NULL;
}

/* every VM: served, its store sound; @vm's data whole, its marker returned */
static gchar *
kill_check_vm(const gchar *vm)
{
	g_autofree gchar *info_path = g_strdup_printf("/api/vcenter/vm/%s", vm);
	g_autofree gchar *keys_path =
	    g_strdup_printf("/api/vcenter/vm/%s/data-sets/big/entries", vm);
	g_autofree gchar *value_path = g_strdup_printf(
	    "/api/vcenter/vm/%s/data-sets/big/entries/v%d", vm, KILL_BIG_VALUES - 1);
	g_autofree gchar *gen_path =
	    g_strdup_printf("/api/vcenter/vm/%s/data-sets/keep/entries/gen", vm);
	g_autofree gchar *integrity = vmds_e2e_integrity_check(e2e, vm);
	g_autoptr(VmdsE2eReply) info = vmds_e2e_rest(e2e, "GET", info_path, NULL);
	g_autoptr(VmdsE2eReply) keys = vmds_e2e_rest(e2e, "GET", keys_path, NULL);
	g_autoptr(VmdsE2eReply) value = vmds_e2e_rest(e2e, "GET", value_path, NULL);
	g_autoptr(VmdsE2eReply) gen = vmds_e2e_rest(e2e, "GET", gen_path, NULL);
	g_autoptr(JsonNode) node = json_from_string(keys->body, NULL);

	ck_assert_msg(g_strcmp0(integrity, "ok") == 0, "%s: %s", vm, integrity);
	ck_assert_msg(info->status == 200 && strstr(info->body, "unavailable") == NULL,
		      "%s: %s",
		      vm,
		      info->body);
	ck_assert_msg(keys->status == 200 && node != NULL && JSON_NODE_HOLDS_ARRAY(node) &&
			  json_array_get_length(json_node_get_array(node)) == KILL_BIG_VALUES,
		      "%s: %s",
		      vm,
		      keys->body);
	ck_assert_msg(value->status == 200 && value->body_len == KILL_BIG_SIZE + 2,
		      "%s: a value of %zu bytes",
		      vm,
		      value->body_len);
	ck_assert_msg(gen->status == 200, "%s: %s", vm, gen->body);
	return g_strndup(gen->body + 1, gen->body_len - 2);
}

/* what a crash may leave is gone after the restart; every VM whole */
static void
kill_check_all(void)
{
	g_autofree gchar *vms_dir = g_build_filename(vmds_e2e_get_state_dir(e2e), "vms", NULL);
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm", NULL);
	g_autoptr(JsonNode) node = json_from_string(reply->body, NULL);
	g_autoptr(GDir) dir = g_dir_open(vms_dir, 0, NULL);
	JsonArray *array = json_node_get_array(node);
	const gchar *name;

	while ((name = g_dir_read_name(dir)) != NULL)
		ck_assert_msg(name[0] != '.', "%s/%s left after the restart", vms_dir, name);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		const gchar *vm =
		    json_object_get_string_member(json_array_get_object_element(array, i), "vm");
		g_free(kill_check_vm(vm));
	}
}

/* @method @path with @body on a raw connection, not waiting for the reply */
static gint
kill_send(const gchar *method, const gchar *path, const guint8 *body, gsize len)
{
	g_autofree gchar *head = g_strdup_printf(
	    "%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: %zu\r\n\r\n", method, path, len);
	gint fd = vmds_e2e_http_connect_unix(e2e);

	vmds_e2e_send(fd, (const guint8 *)head, strlen(head));
	if (len > 0)
		vmds_e2e_send(fd, body, len);
	return fd;
}

/* the snapshots of vm-1 */
static GPtrArray *
snapshot_ids(void)
{
	g_autoptr(VmdsE2eReply) reply =
	    vmds_e2e_rest(e2e, "GET", "/api/vcenter/vm/vm-1/snapshots", NULL);
	g_autoptr(JsonNode) node = json_from_string(reply->body, NULL);
	JsonArray *array = json_node_get_array(node);
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < json_array_get_length(array); i++)
		g_ptr_array_add(ids,
				g_strdup(json_object_get_string_member(
				    json_array_get_object_element(array, i), "snapshot")));
	return ids;
}

START_TEST(test_lifecycle_kill_cycles)
{
	g_autofree gchar *value = g_strnfill(KILL_BIG_SIZE, 'v');
	g_autoptr(GHashTable) markers =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GBytes) export = NULL;
	g_autoptr(GRand) rand = NULL;
	const gchar *cycles_env = g_getenv("VMDS_LIFECYCLE_CYCLES");
	const gchar *seed_env = g_getenv("VMDS_TEST_SEED");
	guint cycles = cycles_env != NULL ? (guint)g_ascii_strtoull(cycles_env, NULL, 10)
					  : KILL_DEFAULT_CYCLES;
	guint32 seed =
	    seed_env != NULL ? (guint32)g_ascii_strtoull(seed_env, NULL, 10) : g_random_int();
	gint64 took;
	guint done[KILL_LAST] = {0};
	guint whole[KILL_LAST] = {0};

	g_printerr("kill cycles: VMDS_TEST_SEED=%u\n", seed);
	rand = g_rand_new_with_seed(seed);
	vmds_e2e_create_dataset(e2e, NULL, "big", "READ_WRITE", "READ_WRITE");
	vmds_e2e_create_dataset(e2e, NULL, "keep", "READ_WRITE", "READ_WRITE");
	for (gint i = 0; i < KILL_BIG_VALUES; i++) {
		g_autofree gchar *key = g_strdup_printf("v%d", i);
		vmds_e2e_put(e2e, "big", key, value);
	}
	vmds_e2e_put(e2e, "keep", "gen", "0");
	/* how long a copy of the store takes here: the window to kill in */
	took = g_get_monotonic_time();
	rest_ok(
	    "POST", "/api/vcenter/vm/vm-1/snapshots", "{\"name\":\"base\"}", 201, "\"snapshot-1\"");
	took = MAX(g_get_monotonic_time() - took, 2000);
	g_hash_table_insert(markers, g_strdup("snapshot-1"), g_strdup("0"));
	export = export_vm(e2e, "vm-1");

	for (guint cycle = 1; cycle <= cycles; cycle++) {
		KillOp op = (KillOp)g_rand_int_range(rand, 0, KILL_LAST);
		g_autofree gchar *gen = g_strdup_printf("%u", cycle);
		g_autofree gchar *name = g_strdup_printf("k%u", cycle);
		g_autoptr(GPtrArray) before = snapshot_ids();
		g_autoptr(GPtrArray) after = NULL;
		g_autofree gchar *target = NULL;
		g_autofree gchar *path = NULL;
		g_autofree gchar *body = NULL;
		g_autofree gchar *found = NULL;
		g_autofree gchar *marker = NULL;
		gsize len = 0;
		gint fd;

		vmds_e2e_put(e2e, "keep", "gen", gen);
		switch (op) {
		case KILL_SNAPSHOT:
			path = g_strdup("/api/vcenter/vm/vm-1/snapshots");
			body = g_strdup_printf("{\"name\":\"%s\"}", name);
			break;
		case KILL_REVERT:
		case KILL_DELETE_SNAPSHOT:
			target = g_strdup(g_ptr_array_index(
			    before, g_rand_int_range(rand, 0, (gint32)before->len)));
			if (op == KILL_DELETE_SNAPSHOT && before->len == 1) {
				/* keep one to revert to */
				op = KILL_SNAPSHOT;
				path = g_strdup("/api/vcenter/vm/vm-1/snapshots");
				body = g_strdup_printf("{\"name\":\"%s\"}", name);
				break;
			}
			path = g_strdup_printf(
			    op == KILL_REVERT ? "/api/vcenter/vm/vm-1/snapshots/%s?action=revert"
					      : "/api/vcenter/vm/vm-1/snapshots/%s",
			    target);
			break;
		case KILL_CLONE:
			path = g_strdup("/api/vcenter/vm?action=clone");
			body = g_strdup_printf("{\"source\":\"vm-1\",\"name\":\"%s\"}", name);
			break;
		case KILL_DELETE_VM:
			/* a clone made for it, whole */
			body = g_strdup_printf("{\"source\":\"vm-1\",\"name\":\"%s\"}", name);
			{
				g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(
				    e2e, "POST", "/api/vcenter/vm?action=clone", body);
				ck_assert_uint_eq(reply->status, 201);
				target = g_strndup(reply->body + 1, reply->body_len - 2);
			}
			g_clear_pointer(&body, g_free);
			path = g_strdup_printf("/api/vcenter/vm/%s", target);
			break;
		case KILL_IMPORT:
		case KILL_LAST:
			path = g_strdup_printf("/api/vcenter/vm?action=import&name=%s", name);
			break;
		}
		len = body != NULL	  ? strlen(body)
		      : op == KILL_IMPORT ? g_bytes_get_size(export)
					  : 0;
		fd = kill_send(op == KILL_DELETE_SNAPSHOT || op == KILL_DELETE_VM ? "DELETE"
										  : "POST",
			       path,
			       body != NULL	   ? (const guint8 *)body
			       : op == KILL_IMPORT ? g_bytes_get_data(export, NULL)
						   : NULL,
			       len);
		g_usleep((gulong)g_rand_int_range(rand, 0, (gint32)(took * 2)));
		vmds_e2e_kill(e2e);
		close(fd);
		vmds_e2e_start(e2e);
		kill_check_all();

		/* whole or not at all */
		done[op]++;
		after = snapshot_ids();
		marker = kill_check_vm("vm-1");
		switch (op) {
		case KILL_SNAPSHOT:
			if (after->len > before->len) {
				const gchar *id = g_ptr_array_index(after, after->len - 1);
				g_hash_table_insert(markers, g_strdup(id), g_strdup(gen));
				whole[op]++;
			}
			ck_assert_str_eq(marker, gen);
			break;
		case KILL_REVERT:
			if (g_strcmp0(marker, gen) != 0) {
				ck_assert_str_eq(marker, g_hash_table_lookup(markers, target));
				whole[op]++;
			}
			ck_assert_uint_eq(after->len, before->len);
			break;
		case KILL_DELETE_SNAPSHOT:
			if (after->len < before->len) {
				g_hash_table_remove(markers, target);
				whole[op]++;
			}
			ck_assert_str_eq(marker, gen);
			break;
		case KILL_CLONE:
		case KILL_IMPORT:
			found = vm_named(name);
			if (found != NULL) {
				g_autofree gchar *copied = kill_check_vm(found);
				/* a clone is of now; the import of the first export */
				ck_assert_str_eq(copied, op == KILL_CLONE ? gen : "0");
				whole[op]++;
			}
			ck_assert_str_eq(marker, gen);
			break;
		case KILL_DELETE_VM:
			found = vm_named(name);
			if (found == NULL)
				whole[op]++;
			ck_assert_str_eq(marker, gen);
			break;
		case KILL_LAST:
			break;
		}
		/* a snapshot left by the cycle reverts to what it held */
		if (op == KILL_REVERT && after->len > 0) {
			const gchar *id = g_ptr_array_index(after, 0);
			g_autofree gchar *revert =
			    g_strdup_printf("/api/vcenter/vm/vm-1/snapshots/%s?action=revert", id);
			g_autofree gchar *now = NULL;
			rest_ok("POST", revert, NULL, 204, "");
			now = kill_check_vm("vm-1");
			ck_assert_str_eq(now, g_hash_table_lookup(markers, id));
		}
	}
	g_printerr("kill cycles: %u; done whole / killed: snapshot %u/%u, revert %u/%u, clone "
		   "%u/%u, delete snapshot %u/%u, delete VM %u/%u, import %u/%u\n",
		   cycles,
		   whole[KILL_SNAPSHOT],
		   done[KILL_SNAPSHOT],
		   whole[KILL_REVERT],
		   done[KILL_REVERT],
		   whole[KILL_CLONE],
		   done[KILL_CLONE],
		   whole[KILL_DELETE_SNAPSHOT],
		   done[KILL_DELETE_SNAPSHOT],
		   whole[KILL_DELETE_VM],
		   done[KILL_DELETE_VM],
		   whole[KILL_IMPORT],
		   done[KILL_IMPORT]);
}
END_TEST

static Suite *
lifecycle_suite(void)
{
	Suite *s = suite_create("e2e-lifecycle");
	TCase *tc = tcase_create("lifecycle");
	TCase *tc_limit = tcase_create("limit");
	TCase *tc_kill = tcase_create("kill");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_lifecycle_snapshot_revert);
	tcase_add_test(tc, test_lifecycle_clone);
	tcase_add_test(tc, test_lifecycle_snapshot_errors);
	tcase_add_test(tc, test_lifecycle_restart_and_delete);
	tcase_add_test(tc, test_lifecycle_snapshot_consistent);
	tcase_add_test(tc, test_lifecycle_export_import);
	tcase_add_test(tc, test_lifecycle_export_holds);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tc_kill, setup, teardown);
	tcase_set_timeout(tc_kill, 240);
	tcase_add_test(tc_kill, test_lifecycle_kill_cycles);
	suite_add_tcase(s, tc_kill);

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

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmds-e2e.h"

/*
 * Crash consistency of object metadata and its query index (issue 12; the
 * metadata plugin's README, "The index"): four REST clients on the daemon's
 * unix socket (trusted: administrators), each on a VM of its own with a
 * data set `ds`, keep one request in flight: PUTs of GENERAL and SYSTEM
 * entries of every type on the VM and of GENERAL entries on the data set,
 * DELETEs of entries they made, POSTs merging two or three entries that
 * carry one token, and the data set deleted (its metadata with it) and made
 * again. vmdsd is killed with SIGKILL at a random moment (after a random
 * number of acknowledged writes, or a random time into the cycle), every
 * store is checked with `PRAGMA integrity_check`, the daemon restarts, and:
 *
 * - each VM's metadata and its data set's (GET, the store's truth) is
 *   exactly what its client's acknowledged writes made it, or that plus its
 *   one unacknowledged write applied whole;
 * - the queries, which read the index, never disagree with it: an
 *   unfiltered `type=vm` and `type=dataset` query with every key as a field
 *   returns every object with exactly its entries, and for every entry a
 *   filter `KEY==TYPE:VALUE` selects exactly the objects holding that value
 *   (and `=ge=` for numbers, every object holding a number not below it).
 *
 * VMDS_METADATA_CRASH_CYCLES sets the number of cycles (default 12),
 * VMDS_TEST_SEED replays a run (the seed is printed first).
 */

#define CLIENTS	       4
#define GENERAL_KEYS   4
#define SYSTEM_KEYS    2
#define DATASET_KEYS   2
#define DEFAULT_CYCLES 12
#define STALL_MS       30000

typedef enum {
	MCRASH_OP_PUT,
	MCRASH_OP_PUT_SYSTEM,
	MCRASH_OP_PUT_DATASET,
	MCRASH_OP_DELETE,
	MCRASH_OP_MERGE,
	MCRASH_OP_DROP_DATASET,
	MCRASH_OP_CREATE_DATASET,
	MCRASH_OP_LAST,
} McrashOpKind;

static const gchar *mcrash_op_names[] = {
    "put", "put-system", "put-dataset", "delete", "merge", "drop-dataset", "create-dataset"};
G_STATIC_ASSERT(G_N_ELEMENTS(mcrash_op_names) == MCRASH_OP_LAST);

static const gchar *mcrash_types[] = {"String", "Number", "Boolean", "DateTime"};

typedef struct {
	guint id;
	gchar *vm; /* vm-N */
	gint fd;
	/*
	 * what the stores must hold of this client's objects:
	 * "OBJECT|DOMAIN|KEY" -> "VISIBILITY\tTYPE\tVALUE" (VALUE canonical),
	 * OBJECT `vm-N` or `vm-N/ds`, and "vm-N/ds|exists" -> "" while the
	 * data set exists
	 */
	GHashTable *model;
	/* the request in flight, if busy, and the model should it apply */
	gboolean busy;
	McrashOpKind kind;
	GHashTable *after;
	guint expect_status;
	GByteArray *out;
	gsize sent;
	GByteArray *in;
	guint seq;
} McrashClient;

typedef struct {
	guint cycles;
	guint acked[MCRASH_OP_LAST];
	guint in_flight;     /* requests without a reply when the daemon died */
	guint applied;	     /* of those, found applied after the restart */
	guint queries;	     /* queries compared with the stores */
	guint stale_indexes; /* restarts on an index put back a cycle */
} McrashStats;

static VmdsE2e *e2e = NULL;
static guint32 mcrash_seed = 0;
static guint mcrash_cycle_now = 0; /* for failure messages */

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

/* @model as sorted lines, for a failure message */
static gchar *
mcrash_model_text(GHashTable *model)
{
	g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(model), (GCompareFunc)strcmp);
	GString *text = g_string_new(NULL);

	for (GList *l = keys; l != NULL; l = l->next)
		g_string_append_printf(text,
				       "  %s = %s\n",
				       (const gchar *)l->data,
				       (const gchar *)g_hash_table_lookup(model, l->data));
	return g_string_free(text, FALSE);
}

/* a value of @type and its JSON in a typedValue (@json); canonical */
static gchar *
mcrash_value(GRand *rand, const gchar *type, const gchar *token, gchar **json)
{
	static const gchar *const words[] = {
	    "prod", "Prod", "a b;c,d(e)f", "\xc3\xbcn\xc3\xaf", "x%y", "1,2", "=ge="};
	gchar *value;

	if (g_str_equal(type, "String")) {
		value = g_strdup_printf(
		    "%s-%s", words[g_rand_int_range(rand, 0, G_N_ELEMENTS(words))], token);
		*json = vmds_e2e_json_string(value, -1);
	} else if (g_str_equal(type, "Number")) {
		/* a few values, so that filters select several objects */
		gint64 n = (gint64)g_rand_int_range(rand, -3, 4) * G_GINT64_CONSTANT(1099511627776);
		value = g_strdup_printf("%" G_GINT64_FORMAT, n);
		*json = g_strdup(value);
	} else if (g_str_equal(type, "Boolean")) {
		value = g_strdup(g_rand_boolean(rand) ? "true" : "false");
		*json = g_strdup(value);
	} else {
		g_autoptr(GDateTime) t =
		    g_date_time_new_from_unix_utc(g_rand_int_range(rand, 0, 4) * 86400 * 3000);
		value = g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
		*json = vmds_e2e_json_string(value, -1);
	}
	return value;
}

/* a typedValue of a random type: sets *model_value ("VISIBILITY\tTYPE\tVALUE") */
static gchar *
mcrash_typed_value(GRand *rand, const gchar *visibility, const gchar *token, gchar **model_value)
{
	const gchar *type = mcrash_types[g_rand_int_range(rand, 0, G_N_ELEMENTS(mcrash_types))];
	g_autofree gchar *json = NULL;
	g_autofree gchar *value = mcrash_value(rand, type, token, &json);

	*model_value = g_strdup_printf("%s\t%s\t%s", visibility, type, value);
	return g_strdup_printf("{\"_type\":\"Metadata%sValue\",\"value\":%s}", type, json);
}

/* a present entry of the client's (not the "exists" mark), or NULL */
static const gchar *
mcrash_pick_entry(McrashClient *c, GRand *rand)
{
	g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(c->model), (GCompareFunc)strcmp);
	g_autoptr(GPtrArray) entries = g_ptr_array_new();

	for (GList *l = keys; l != NULL; l = l->next)
		if (!g_str_has_suffix(l->data, "|exists"))
			g_ptr_array_add(entries, l->data);
	if (entries->len == 0)
		return NULL;
	return g_ptr_array_index(entries, g_rand_int_range(rand, 0, (gint32)entries->len));
}

static void
mcrash_client_request(McrashClient *c, const gchar *method, const gchar *path, const gchar *body)
{
	g_autofree gchar *head =
	    g_strdup_printf("%s %s HTTP/1.1\r\nHost: localhost\r\n"
			    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			    method,
			    path,
			    body != NULL ? strlen(body) : 0);
	/* the daemon serves one request per connection */
	c->fd = vmds_e2e_http_connect_unix(e2e);
	ck_assert_int_eq(fcntl(c->fd, F_SETFL, O_NONBLOCK), 0);
	g_byte_array_set_size(c->in, 0);
	g_byte_array_set_size(c->out, 0);
	c->sent = 0;
	g_byte_array_append(c->out, (const guint8 *)head, (guint)strlen(head));
	if (body != NULL)
		g_byte_array_append(c->out, (const guint8 *)body, (guint)strlen(body));
}

/* the next request: chosen, written to c->out, its outcome in c->after */
static void
mcrash_client_next(McrashClient *c, GRand *rand)
{
	g_autofree gchar *token = g_strdup_printf("c%us%u", c->id, ++c->seq);
	g_autofree gchar *exists = g_strdup_printf("%s/ds|exists", c->vm);
	gboolean has_ds = g_hash_table_contains(c->model, exists);
	const gchar *victim = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *body = NULL;
	gchar *model_value = NULL;

	c->busy = TRUE;
	g_clear_pointer(&c->after, g_hash_table_unref);
	c->after = vmds_e2e_strings_copy(c->model);
	c->kind = (McrashOpKind)g_rand_int_range(rand, 0, MCRASH_OP_CREATE_DATASET);
	if (c->kind == MCRASH_OP_DROP_DATASET && g_rand_int_range(rand, 0, 3) != 0)
		c->kind = MCRASH_OP_PUT; /* now and then */
	if (!has_ds && (c->kind == MCRASH_OP_PUT_DATASET || c->kind == MCRASH_OP_DROP_DATASET))
		c->kind = MCRASH_OP_CREATE_DATASET;
	if (c->kind == MCRASH_OP_DELETE) {
		victim = mcrash_pick_entry(c, rand);
		if (victim == NULL)
			c->kind = MCRASH_OP_PUT;
	}

	switch (c->kind) {
	case MCRASH_OP_PUT:
	case MCRASH_OP_PUT_SYSTEM:
	case MCRASH_OP_PUT_DATASET: {
		gboolean system = c->kind == MCRASH_OP_PUT_SYSTEM;
		gboolean dataset = c->kind == MCRASH_OP_PUT_DATASET;
		const gchar *visibility =
		    system ? (g_rand_boolean(rand) ? "PRIVATE" : "READONLY") : "READWRITE";
		guint key = (guint)g_rand_int_range(rand,
						    0,
						    system    ? SYSTEM_KEYS
						    : dataset ? DATASET_KEYS
							      : GENERAL_KEYS);
		g_autofree gchar *typed = mcrash_typed_value(rand, visibility, token, &model_value);

		path = g_strdup_printf("/api/vcenter/vm/%s%s/metadata/%s%c%u",
				       c->vm,
				       dataset ? "/data-sets/ds" : "",
				       system ? "SYSTEM/" : "",
				       system	 ? 's'
				       : dataset ? 'd'
						 : 'g',
				       key);
		body = system ? g_strdup_printf("{\"domain\":{\"value\":\"SYSTEM\",\"visibility\":"
						"\"%s\"},\"typedValue\":%s}",
						visibility,
						typed)
			      : g_strdup_printf("{\"typedValue\":%s}", typed);
		g_hash_table_insert(c->after,
				    g_strdup_printf("%s%s|%s|%c%u",
						    c->vm,
						    dataset ? "/ds" : "",
						    system ? "SYSTEM" : "GENERAL",
						    system    ? 's'
						    : dataset ? 'd'
							      : 'g',
						    key),
				    model_value);
		mcrash_client_request(c, "PUT", path, body);
		c->expect_status = 200;
		break;
	}
	case MCRASH_OP_DELETE: {
		g_auto(GStrv) parts = g_strsplit(victim, "|", 3);
		gboolean dataset = g_str_has_suffix(parts[0], "/ds");
		gboolean system = g_str_equal(parts[1], "SYSTEM");

		path = g_strdup_printf("/api/vcenter/vm/%s%s/metadata/%s%s",
				       c->vm,
				       dataset ? "/data-sets/ds" : "",
				       system ? "SYSTEM/" : "",
				       parts[2]);
		g_hash_table_remove(c->after, victim);
		mcrash_client_request(c, "DELETE", path, NULL);
		c->expect_status = 204;
		break;
	}
	case MCRASH_OP_MERGE: {
		/* two or three entries of the VM, distinct, one token in all */
		GString *entries = g_string_new(NULL);
		guint n = (guint)g_rand_int_range(rand, 2, 4);
		guint first = (guint)g_rand_int_range(rand, 0, GENERAL_KEYS + SYSTEM_KEYS);

		for (guint i = 0; i < n; i++) {
			guint k = (first + i) % (GENERAL_KEYS + SYSTEM_KEYS);
			gboolean system = k >= GENERAL_KEYS;
			guint key = system ? k - GENERAL_KEYS : k;
			const gchar *visibility = system ? "READONLY" : "READWRITE";
			g_autofree gchar *typed =
			    mcrash_typed_value(rand, visibility, token, &model_value);

			g_string_append_printf(entries,
					       "%s{%s\"key\":\"%c%u\",\"typedValue\":%s}",
					       i > 0 ? "," : "",
					       system ? "\"domain\":{\"value\":\"SYSTEM\","
							"\"visibility\":\"READONLY\"},"
						      : "",
					       system ? 's' : 'g',
					       key,
					       typed);
			g_hash_table_insert(c->after,
					    g_strdup_printf("%s|%s|%c%u",
							    c->vm,
							    system ? "SYSTEM" : "GENERAL",
							    system ? 's' : 'g',
							    key),
					    model_value);
		}
		path = g_strdup_printf("/api/vcenter/vm/%s/metadata", c->vm);
		body = g_strdup_printf("{\"metadataEntry\":[%s]}", entries->str);
		g_string_free(entries, TRUE);
		mcrash_client_request(c, "POST", path, body);
		c->expect_status = 200;
		break;
	}
	case MCRASH_OP_DROP_DATASET: {
		/* the data set and its metadata with it */
		g_autofree gchar *prefix = g_strdup_printf("%s/ds|", c->vm);
		GHashTableIter iter;
		gpointer key;

		g_hash_table_iter_init(&iter, c->after);
		while (g_hash_table_iter_next(&iter, &key, NULL))
			if (g_str_has_prefix(key, prefix))
				g_hash_table_iter_remove(&iter);
		path = g_strdup_printf("/api/vcenter/vm/%s/data-sets/ds", c->vm);
		mcrash_client_request(c, "DELETE", path, NULL);
		c->expect_status = 204;
		break;
	}
	case MCRASH_OP_CREATE_DATASET:
		g_hash_table_insert(c->after, g_strdup(exists), g_strdup(""));
		path = g_strdup_printf("/api/vcenter/vm/%s/data-sets", c->vm);
		mcrash_client_request(
		    c,
		    "POST",
		    path,
		    "{\"name\":\"ds\",\"description\":\"\",\"host\":\"READ_WRITE\","
		    "\"guest\":\"READ_WRITE\"}");
		c->expect_status = 201;
		break;
	case MCRASH_OP_LAST:
		g_assert_not_reached();
	}
}

static void
mcrash_client_send(McrashClient *c)
{
	while (c->sent < c->out->len) {
		gssize n = send(c->fd, c->out->data + c->sent, c->out->len - c->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN, or the daemon died: poll tells */
		c->sent += (gsize)n;
	}
}

/* the status of the whole reply at the head of c->in, taken off it; 0 when
 * not all there yet */
static guint
mcrash_client_take_reply(McrashClient *c)
{
	const gchar *data = (const gchar *)c->in->data;
	const gchar *end = c->in->len > 0 ? g_strstr_len(data, c->in->len, "\r\n\r\n") : NULL;
	g_autofree gchar *head = NULL;
	g_autofree gchar *lower = NULL;
	const gchar *length;
	guint64 body_len = 0;
	gsize total;
	guint status;

	if (!c->busy || end == NULL)
		return 0;
	head = g_strndup(data, (gsize)(end - data));
	lower = g_ascii_strdown(head, -1);
	ck_assert_msg(g_str_has_prefix(head, "HTTP/1.1 "), "not an HTTP reply: %s", head);
	status = (guint)g_ascii_strtoull(head + 9, NULL, 10);
	length = strstr(lower, "\r\ncontent-length:");
	if (length != NULL)
		body_len = g_ascii_strtoull(length + strlen("\r\ncontent-length:"), NULL, 10);
	else
		ck_assert_msg(status == 204, "a reply without Content-Length: %s", head);
	total = (gsize)(end - data) + 4 + body_len;
	if (c->in->len < total)
		return 0;
	ck_assert_msg(status == c->expect_status,
		      "seed %u: %s of client %u: HTTP %u, expected %u: %.*s",
		      mcrash_seed,
		      mcrash_op_names[c->kind],
		      c->id,
		      status,
		      c->expect_status,
		      (gint)body_len,
		      end + 4);
	g_byte_array_remove_range(c->in, 0, (guint)total);
	return status;
}

/* reads what there is; FALSE at EOF */
static gboolean
mcrash_client_recv(McrashClient *c)
{
	guint8 buf[16384];

	for (;;) {
		gssize n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return TRUE;
		if (n <= 0)
			return FALSE;
		g_byte_array_append(c->in, buf, (guint)n);
	}
}

static void
mcrash_client_close(McrashClient *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void
mcrash_client_acked(McrashClient *c, McrashStats *stats)
{
	g_hash_table_unref(c->model);
	c->model = g_steal_pointer(&c->after);
	c->busy = FALSE;
	stats->acked[c->kind]++;
}

/* a JSON value of a typedValue as text: a string, an integer, a boolean */
static gchar *
mcrash_json_value(JsonNode *node)
{
	ck_assert(JSON_NODE_HOLDS_VALUE(node));
	switch (json_node_get_value_type(node)) {
	case G_TYPE_STRING:
		return g_strdup(json_node_get_string(node));
	case G_TYPE_INT64:
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
	case G_TYPE_BOOLEAN:
		return g_strdup(json_node_get_boolean(node) ? "true" : "false");
	default:
		ck_abort_msg("a typedValue of type %s",
			     g_type_name(json_node_get_value_type(node)));
		return NULL;
	}
}

/* the entries of a metadataEntry array into @model under @object */
static void
mcrash_read_entries(JsonArray *entries, const gchar *object, GHashTable *model)
{
	for (guint i = 0; i < json_array_get_length(entries); i++) {
		JsonObject *entry = json_array_get_object_element(entries, i);
		JsonObject *typed = json_object_get_object_member(entry, "typedValue");
		const gchar *domain = "GENERAL";
		const gchar *visibility = "READWRITE";
		const gchar *type = json_object_get_string_member(typed, "_type");
		g_autofree gchar *value = mcrash_json_value(json_object_get_member(typed, "value"));
		g_autofree gchar *short_type = NULL;

		if (json_object_has_member(entry, "domain")) {
			JsonObject *d = json_object_get_object_member(entry, "domain");
			domain = json_object_get_string_member(d, "value");
			visibility = json_object_get_string_member(d, "visibility");
		}
		ck_assert(g_str_has_prefix(type, "Metadata") && g_str_has_suffix(type, "Value"));
		short_type = g_strndup(type + strlen("Metadata"),
				       strlen(type) - strlen("Metadata") - strlen("Value"));
		g_hash_table_insert(
		    model,
		    g_strdup_printf(
			"%s|%s|%s", object, domain, json_object_get_string_member(entry, "key")),
		    g_strdup_printf("%s\t%s\t%s", visibility, short_type, value));
	}
}

/* GET @path as an administrator: the parsed body of a 200, NULL on @absent */
static JsonNode *
mcrash_get(const gchar *path, guint absent)
{
	g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "GET", path, NULL);
	JsonNode *node;

	if (absent != 0 && reply->status == absent)
		return NULL;
	ck_assert_msg(reply->status == 200, "GET %s: HTTP %u %s", path, reply->status, reply->body);
	node = json_from_string(reply->body, NULL);
	ck_assert_msg(
	    node != NULL && JSON_NODE_HOLDS_OBJECT(node), "GET %s: %s", path, reply->body);
	return node;
}

/* what the stores hold of @c's objects, through the metadata routes */
static GHashTable *
mcrash_read_client(McrashClient *c)
{
	GHashTable *actual = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree gchar *vm_path = g_strdup_printf("/api/vcenter/vm/%s/metadata", c->vm);
	g_autofree gchar *ds_path =
	    g_strdup_printf("/api/vcenter/vm/%s/data-sets/ds/metadata", c->vm);
	g_autofree gchar *ds_object = g_strdup_printf("%s/ds", c->vm);
	g_autoptr(JsonNode) vm_node = mcrash_get(vm_path, 0);
	g_autoptr(JsonNode) ds_node = mcrash_get(ds_path, 404);

	mcrash_read_entries(
	    json_object_get_array_member(json_node_get_object(vm_node), "metadataEntry"),
	    c->vm,
	    actual);
	if (ds_node != NULL) {
		g_hash_table_insert(actual, g_strdup_printf("%s|exists", ds_object), g_strdup(""));
		mcrash_read_entries(
		    json_object_get_array_member(json_node_get_object(ds_node), "metadataEntry"),
		    ds_object,
		    actual);
	}
	return actual;
}

/* a query's records: "OBJECT|DOMAIN|KEY" entries of their fields, and the
 * objects themselves as "OBJECT|exists" (of data sets) or "OBJECT|vm" */
static GHashTable *
mcrash_query(const gchar *type, const gchar *filter, const gchar *fields, McrashStats *stats)
{
	g_autofree gchar *filter_param =
	    filter != NULL ? g_uri_escape_string(filter, NULL, FALSE) : NULL;
	g_autofree gchar *path = g_strdup_printf("/api/query?type=%s&pageSize=128%s%s%s%s",
						 type,
						 filter_param != NULL ? "&filter=" : "",
						 filter_param != NULL ? filter_param : "",
						 fields != NULL ? "&fields=" : "",
						 fields != NULL ? fields : "");
	g_autoptr(JsonNode) node = mcrash_get(path, 0);
	JsonObject *result = json_node_get_object(node);
	JsonArray *records = json_object_get_array_member(result, "record");
	GHashTable *found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	ck_assert_int_eq(json_object_get_int_member(result, "resultTotal"),
			 json_array_get_length(records));
	for (guint i = 0; i < json_array_get_length(records); i++) {
		JsonObject *record = json_array_get_object_element(records, i);
		const gchar *vm = json_object_get_string_member(record, "vm");
		g_autofree gchar *object =
		    json_object_has_member(record, "dataSet")
			? g_strdup_printf(
			      "%s/%s", vm, json_object_get_string_member(record, "dataSet"))
			: g_strdup(vm);

		g_hash_table_insert(
		    found,
		    g_strdup_printf("%s|%s", object, g_str_equal(type, "vm") ? "vm" : "exists"),
		    g_strdup(""));
		mcrash_read_entries(
		    json_object_get_array_member(record, "metadataEntry"), object, found);
	}
	stats->queries++;
	return found;
}

/* @filter selects exactly the objects in @expected ("OBJECT|vm" or
 * "OBJECT|exists" marks) */
static void
mcrash_check_selection(const gchar *type,
		       const gchar *filter,
		       GHashTable *expected,
		       McrashStats *stats)
{
	g_autoptr(GHashTable) found = mcrash_query(type, filter, NULL, stats);

	if (!vmds_e2e_strings_equal(found, expected)) {
		g_autofree gchar *f = mcrash_model_text(found);
		g_autofree gchar *e = mcrash_model_text(expected);
		ck_abort_msg("seed %u cycle %u: query %s %s selected\n%sexpected\n%s",
			     mcrash_seed,
			     mcrash_cycle_now,
			     type,
			     filter,
			     f,
			     e);
	}
}

/* the filter `KEY @op TYPE:VALUE` of the entry @key = @value selects
 * exactly the objects (VMs or data sets, as the entry's) whose entry of
 * that domain and key has that type and a value equal to it (==) or not
 * below it (=ge=, numbers) */
static void
mcrash_check_entry(
    GHashTable *truth, const gchar *key, const gchar *value, const gchar *op, McrashStats *stats)
{
	g_auto(GStrv) where = g_strsplit(key, "|", 3);
	g_auto(GStrv) what = g_strsplit(value, "\t", 3);
	gboolean dataset = strchr(where[0], '/') != NULL;
	gboolean ordering = g_str_equal(op, "=ge=");
	/* `;`, `,`, `(`, `)`, `%`, a space and `*` of a value percent-encoded */
	g_autofree gchar *encoded = g_uri_escape_string(what[2], NULL, FALSE);
	g_autofree gchar *type = g_ascii_strup(what[1], -1);
	g_autofree gchar *filter = g_strdup_printf("metadata%s:%s%s%s:%s",
						   g_str_equal(where[1], "SYSTEM") ? "@SYSTEM" : "",
						   where[2],
						   op,
						   type,
						   encoded);
	g_autoptr(GHashTable) expected =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTableIter iter;
	gpointer other_key;
	gpointer other_value;

	g_hash_table_iter_init(&iter, truth);
	while (g_hash_table_iter_next(&iter, &other_key, &other_value)) {
		g_auto(GStrv) o_where = g_strsplit(other_key, "|", 3);
		g_auto(GStrv) o_what = NULL;

		if (g_strcmp0(o_where[1], where[1]) != 0 || g_strcmp0(o_where[2], where[2]) != 0 ||
		    (strchr(o_where[0], '/') != NULL) != dataset)
			continue;
		o_what = g_strsplit(other_value, "\t", 3);
		if (g_strcmp0(o_what[1], what[1]) != 0)
			continue;
		if (ordering
			? g_ascii_strtoll(o_what[2], NULL, 10) >= g_ascii_strtoll(what[2], NULL, 10)
			: g_str_equal(o_what[2], what[2]))
			g_hash_table_insert(
			    expected,
			    g_strdup_printf("%s|%s", o_where[0], dataset ? "exists" : "vm"),
			    g_strdup(""));
	}
	mcrash_check_selection(dataset ? "dataset" : "vm", filter, expected, stats);
}

/* the queries, which read the index, agree with @truth (every client's
 * objects as the stores hold them) */
static void
mcrash_check_queries(McrashClient *clients, GHashTable *truth, McrashStats *stats)
{
	GString *fields = g_string_new(NULL);
	g_autoptr(GHashTable) vms = NULL;
	g_autoptr(GHashTable) datasets = NULL;
	g_autoptr(GHashTable) expected_vms =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GHashTable) expected_datasets =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTableIter iter;
	gpointer key;
	gpointer value;

	/* every object with every entry: the VMs (vm-1 of the fixture too) */
	for (guint k = 0; k < GENERAL_KEYS; k++)
		g_string_append_printf(fields, "%smetadata:g%u", k > 0 ? "," : "", k);
	for (guint k = 0; k < SYSTEM_KEYS; k++)
		g_string_append_printf(fields, ",metadata@SYSTEM:s%u", k);
	vms = mcrash_query("vm", NULL, fields->str, stats);
	g_string_truncate(fields, 0);
	for (guint k = 0; k < DATASET_KEYS; k++)
		g_string_append_printf(fields, "%smetadata:d%u", k > 0 ? "," : "", k);
	datasets = mcrash_query("dataset", NULL, fields->str, stats);
	g_string_free(fields, TRUE);

	g_hash_table_insert(expected_vms, g_strdup("vm-1|vm"), g_strdup(""));
	for (guint i = 0; i < CLIENTS; i++)
		g_hash_table_insert(
		    expected_vms, g_strdup_printf("%s|vm", clients[i].vm), g_strdup(""));
	g_hash_table_iter_init(&iter, truth);
	while (g_hash_table_iter_next(&iter, &key, &value))
		g_hash_table_insert(strstr(key, "/ds|") != NULL ? expected_datasets : expected_vms,
				    g_strdup(key),
				    g_strdup(value));
	if (!vmds_e2e_strings_equal(vms, expected_vms) ||
	    !vmds_e2e_strings_equal(datasets, expected_datasets)) {
		g_autofree gchar *v = mcrash_model_text(vms);
		g_autofree gchar *d = mcrash_model_text(datasets);
		g_autofree gchar *t = mcrash_model_text(truth);
		ck_abort_msg("seed %u cycle %u: the queries list\n%s%sthe stores hold\n%s",
			     mcrash_seed,
			     mcrash_cycle_now,
			     v,
			     d,
			     t);
	}

	/* each entry's value selects exactly the objects holding it */
	g_hash_table_iter_init(&iter, truth);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (g_str_has_suffix(key, "|exists"))
			continue;
		mcrash_check_entry(truth, key, value, "==", stats);
		if (strstr(value, "\tNumber\t") != NULL)
			mcrash_check_entry(truth, key, value, "=ge=", stats);
	}
}

/* after the kill: a whole reply already in the socket was acknowledged */
static void
mcrash_client_drain(McrashClient *c, McrashStats *stats)
{
	if (c->fd < 0)
		return;
	ck_assert_int_eq(fcntl(c->fd, F_SETFL, 0), 0);
	while (mcrash_client_recv(c))
		;
	if (mcrash_client_take_reply(c) != 0)
		mcrash_client_acked(c, stats);
	mcrash_client_close(c);
}

/* every client's objects are what its acknowledged writes made them, or
 * that plus its one request in flight applied whole; then the queries
 * agree with them all */
static void
mcrash_verify(McrashClient *clients, guint cycle, McrashStats *stats)
{
	g_autoptr(GHashTable) truth =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (guint i = 0; i < CLIENTS; i++) {
		McrashClient *c = &clients[i];
		g_autoptr(GHashTable) actual = mcrash_read_client(c);
		GHashTableIter iter;
		gpointer key;
		gpointer value;

		if (c->busy)
			stats->in_flight++;
		if (c->busy && vmds_e2e_strings_equal(actual, c->after)) {
			stats->applied++;
			mcrash_client_acked(c, stats);
			stats->acked[c->kind]--; /* applied, never acknowledged */
		} else if (!vmds_e2e_strings_equal(actual, c->model)) {
			g_autofree gchar *a = mcrash_model_text(actual);
			g_autofree gchar *m = mcrash_model_text(c->model);
			g_autofree gchar *f = c->busy ? mcrash_model_text(c->after) : g_strdup("-");
			ck_abort_msg(
			    "seed %u cycle %u: %s holds\n%sacknowledged\n%sin flight (%s)\n%s",
			    mcrash_seed,
			    cycle,
			    c->vm,
			    a,
			    m,
			    c->busy ? mcrash_op_names[c->kind] : "none",
			    f);
		}
		c->busy = FALSE;
		g_clear_pointer(&c->after, g_hash_table_unref);
		g_hash_table_iter_init(&iter, actual);
		while (g_hash_table_iter_next(&iter, &key, &value))
			g_hash_table_insert(truth, g_strdup(key), g_strdup(value));
	}
	mcrash_check_queries(clients, truth, stats);
}

/* the index's file (@suffix "") or write-ahead log ("-wal") copied to or
 * from the copy named @copy in the test's temp dir; a file that is not
 * there is not there in the copy either */
static void
mcrash_index_file(const gchar *suffix, const gchar *copy, gboolean restore)
{
	g_autofree gchar *live = g_strconcat(
	    vmds_e2e_get_state_dir(e2e), G_DIR_SEPARATOR_S "metadata-index.db", suffix, NULL);
	g_autofree gchar *kept =
	    g_strconcat(vmds_e2e_get_tmp(e2e), G_DIR_SEPARATOR_S, copy, suffix, NULL);
	const gchar *from = restore ? kept : live;
	const gchar *to = restore ? live : kept;
	g_autofree gchar *data = NULL;
	gsize len = 0;
	g_autoptr(GError) error = NULL;

	if (!g_file_get_contents(from, &data, &len, &error)) {
		ck_assert_msg(
		    g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT), "%s", error->message);
		ck_assert_msg(
		    unlink(to) == 0 || errno == ENOENT, "unlink %s: %s", to, g_strerror(errno));
		return;
	}
	ck_assert_msg(g_file_set_contents(to, data, (gssize)len, &error), "%s", error->message);
}

/*
 * After a kill the query index is kept as the kill left it; every third
 * cycle the one kept at the kill before is put back instead: an index that
 * missed every commit since, for every VM at once — what a crash between a
 * store's commit and the index's leaves behind, and more. The daemon must
 * make it right before it is ready.
 */
static gboolean
mcrash_index_after_kill(guint cycle)
{
	static const gchar *const suffixes[] = {"", "-wal"};
	gboolean stale = cycle % 3 == 2;
	g_autofree gchar *shm =
	    g_build_filename(vmds_e2e_get_state_dir(e2e), "metadata-index.db-shm", NULL);

	for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		mcrash_index_file(suffixes[i], "index-now", FALSE);
		if (stale)
			mcrash_index_file(suffixes[i], "index-previous", TRUE);
	}
	if (stale)
		ck_assert_msg(unlink(shm) == 0 || errno == ENOENT, "unlink: %s", g_strerror(errno));
	for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree gchar *now = g_strconcat(
		    vmds_e2e_get_tmp(e2e), G_DIR_SEPARATOR_S "index-now", suffixes[i], NULL);
		g_autofree gchar *previous = g_strconcat(
		    vmds_e2e_get_tmp(e2e), G_DIR_SEPARATOR_S "index-previous", suffixes[i], NULL);
		ck_assert_msg(
		    rename(now, previous) == 0 || errno == ENOENT, "rename: %s", g_strerror(errno));
	}
	return stale;
}

static void
mcrash_cycle(McrashClient *clients, GRand *rand, guint cycle, McrashStats *stats)
{
	gboolean by_time = g_rand_boolean(rand);
	guint kill_after_acks = (guint)g_rand_int_range(rand, 1, 60);
	gint64 start = g_get_monotonic_time();
	gint64 kill_at = start + g_rand_int_range(rand, 1000, 300000);
	gint64 progress = start;
	guint acks = 0;

	for (;;) {
		struct pollfd pfds[CLIENTS];
		gint64 now = g_get_monotonic_time();
		gint timeout = 1000;

		if ((by_time && now >= kill_at) || (!by_time && acks >= kill_after_acks))
			break;
		if (by_time)
			timeout = (gint)MAX((kill_at - now) / 1000, 1);
		ck_assert_msg(now - progress < STALL_MS * 1000,
			      "seed %u cycle %u: no reply for %d ms",
			      mcrash_seed,
			      cycle,
			      STALL_MS);
		for (guint i = 0; i < CLIENTS; i++) {
			McrashClient *c = &clients[i];
			if (!c->busy)
				mcrash_client_next(c, rand);
			mcrash_client_send(c);
			pfds[i].fd = c->fd;
			pfds[i].events = POLLIN | (c->sent < c->out->len ? POLLOUT : 0);
			pfds[i].revents = 0;
		}
		if (poll(pfds, CLIENTS, timeout) <= 0)
			continue;
		for (guint i = 0; i < CLIENTS; i++) {
			McrashClient *c = &clients[i];
			gboolean open;

			if ((pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
				continue;
			open = mcrash_client_recv(c);
			if (mcrash_client_take_reply(c) != 0) {
				mcrash_client_acked(c, stats);
				mcrash_client_close(c);
				progress = g_get_monotonic_time();
				acks++;
			} else if (!open) {
				g_autofree gchar *log = vmds_e2e_read_log(e2e);
				ck_abort_msg("seed %u cycle %u: the daemon closed client %u's "
					     "connection before its reply; log:\n%.2000s",
					     mcrash_seed,
					     cycle,
					     c->id,
					     log);
			}
		}
	}

	/* kill -9 while requests are somewhere between send and reply */
	vmds_e2e_kill(e2e);
	for (guint i = 0; i < CLIENTS; i++) {
		g_autofree gchar *integrity = NULL;

		mcrash_client_drain(&clients[i], stats);
		integrity = vmds_e2e_integrity_check(e2e, clients[i].vm);
		ck_assert_msg(g_strcmp0(integrity, "ok") == 0,
			      "seed %u cycle %u: %s: integrity_check: %s",
			      mcrash_seed,
			      cycle,
			      clients[i].vm,
			      integrity);
	}
	if (mcrash_index_after_kill(cycle))
		stats->stale_indexes++;
	vmds_e2e_start(e2e);
	mcrash_verify(clients, cycle, stats);
	stats->cycles++;
}

START_TEST(test_metadata_crash_kill9_cycles)
{
	guint cycles = 0;
	g_autoptr(GRand) rand = NULL;
	McrashClient clients[CLIENTS] = {0};
	McrashStats stats = {0};
	gint64 start = g_get_monotonic_time();
	guint acked = 0;

	ck_assert_msg(vmds_e2e_env_uint("VMDS_METADATA_CRASH_CYCLES", DEFAULT_CYCLES, &cycles),
		      "$VMDS_METADATA_CRASH_CYCLES is not a number");
	ck_assert_msg(vmds_e2e_env_uint("VMDS_TEST_SEED", g_random_int(), &mcrash_seed),
		      "$VMDS_TEST_SEED is not a number");
	g_printerr("e2e-metadata-crash: seed %u (VMDS_TEST_SEED=%u replays), %u cycles\n",
		   mcrash_seed,
		   mcrash_seed,
		   cycles);
	rand = g_rand_new_with_seed(mcrash_seed);
	for (guint i = 0; i < CLIENTS; i++) {
		McrashClient *c = &clients[i];
		g_autofree gchar *body = g_strdup_printf("{\"name\":\"crash-%u\"}", i);
		g_autoptr(VmdsE2eReply) reply = vmds_e2e_rest(e2e, "POST", "/api/vcenter/vm", body);
		g_autoptr(JsonNode) id = json_from_string(reply->body, NULL);

		ck_assert_msg(reply->status == 201, "HTTP %u %s", reply->status, reply->body);
		c->id = i;
		c->vm = g_strdup(json_node_get_string(id));
		c->fd = -1;
		c->model = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		c->out = g_byte_array_new();
		c->in = g_byte_array_new();
		vmds_e2e_create_dataset(e2e, c->vm, "ds", "READ_WRITE", "READ_WRITE");
		g_hash_table_insert(c->model, g_strdup_printf("%s/ds|exists", c->vm), g_strdup(""));
	}

	for (guint cycle = 0; cycle < cycles; cycle++)
		mcrash_cycle(clients, rand, cycle, &stats);

	/* and after a clean stop, with the index file lost, the same answers */
	vmds_e2e_stop(e2e);
	{
		g_autofree gchar *index =
		    g_build_filename(vmds_e2e_get_state_dir(e2e), "metadata-index.db", NULL);
		ck_assert_int_eq(unlink(index), 0);
	}
	vmds_e2e_start(e2e);
	mcrash_verify(clients, cycles, &stats);

	for (guint k = 0; k < MCRASH_OP_LAST; k++)
		acked += stats.acked[k];
	g_printerr("e2e-metadata-crash: seed %u: %u kill -9 cycles in %.1f s; %u acknowledged "
		   "writes (%u put, %u put-system, %u put-dataset, %u delete, %u merge, "
		   "%u drop-dataset, %u create-dataset), all present; %u in flight at a kill, "
		   "%u of them applied whole; %u queries agreed with the stores; %u restarts on "
		   "an index a cycle behind\n",
		   mcrash_seed,
		   stats.cycles,
		   (g_get_monotonic_time() - start) / 1e6,
		   acked,
		   stats.acked[MCRASH_OP_PUT],
		   stats.acked[MCRASH_OP_PUT_SYSTEM],
		   stats.acked[MCRASH_OP_PUT_DATASET],
		   stats.acked[MCRASH_OP_DELETE],
		   stats.acked[MCRASH_OP_MERGE],
		   stats.acked[MCRASH_OP_DROP_DATASET],
		   stats.acked[MCRASH_OP_CREATE_DATASET],
		   stats.in_flight,
		   stats.applied,
		   stats.queries,
		   stats.stale_indexes);
	ck_assert_uint_eq(stats.cycles, cycles);
	ck_assert_uint_gt(acked, cycles);
	for (guint i = 0; i < CLIENTS; i++) {
		McrashClient *c = &clients[i];
		g_free(c->vm);
		g_clear_pointer(&c->after, g_hash_table_unref);
		g_hash_table_unref(c->model);
		g_byte_array_unref(c->out);
		g_byte_array_unref(c->in);
	}
}
END_TEST

static Suite *
mcrash_suite(void)
{
	Suite *s = suite_create("e2e-metadata-crash");
	TCase *tc = tcase_create("kill9");
	guint cycles = DEFAULT_CYCLES;

	/* (checked again in the test, where a failure can be reported) */
	vmds_e2e_env_uint("VMDS_METADATA_CRASH_CYCLES", DEFAULT_CYCLES, &cycles);
	tcase_add_checked_fixture(tc, setup, teardown);
	/* a cycle takes about a second; the bound only catches a hang */
	tcase_set_timeout(tc, 120 + 10 * cycles);
	tcase_add_test(tc, test_metadata_crash_kill9_cycles);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_autoptr(SRunner) runner = srunner_create(mcrash_suite());

	srunner_run_all(runner, CK_ENV);
	return srunner_ntests_failed(runner) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

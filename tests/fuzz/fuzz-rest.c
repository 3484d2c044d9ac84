/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "fuzz-common.h"
#include "vmds-daemon.h"
#include "vmds-guestinfo.h"
#include "vmds-metadata-filter.h"
#include "vmds-metadata-index.h"
#include "vmds-metadata.h"
#include "vmds-ovf-env-reader.h"
#include "vmds-ovf-iso.h"
#include "vmds-router.h"
#include "vmds-users.h"
#include "vmds-vapp-plugin.h"
#include "vmds-vm-plugin.h"

/*
 * REST request handling behind libsoup: the input is
 *
 *   [@CALLER \n] METHOD \n REQUEST-TARGET \n BODY
 *
 * (the body is everything after the second newline and may hold anything).
 * An optional first line names who sends it: @admin (the administrator,
 * root), @owner (alice, who owns vm-1), @owner-vcenter (alice with the
 * vcenter_metadata right), @stranger (bob, who owns nothing) or
 * @stranger-vcenter; without it, the administrator, so every input written
 * before callers could be chosen means what it meant. The request-target is
 * split at its first `?` into the raw path and the raw query; the path is
 * percent-decoded as libsoup does before routing (g_uri_unescape_string();
 * where that fails libsoup answers 400 itself, so the input is skipped).
 * Then vmds_router_handle_as() runs as that caller with the built-in VM
 * routes and those of the DataSets, guestinfo, vApp and metadata plugins,
 * in the daemon's order, over a real VmdsDaemon set up in a temp dir with
 * REST off (its inventory, its users alice and bob, backchannels and the
 * metadata query index <state-dir>/metadata-index.db; no TCP, no vsock).
 * Sessions (/api/session) and the users' routes live in vmds-http.c and
 * are not reached.
 *
 * Oracles (management-api.md, rest-api.md, plugins/metadata/README.md):
 * the status is one the spec lists and never 500 (the store cannot fail
 * here); 204 has an empty body; a body of another type than JSON comes only
 * from the three routes that have one, with a 200: an export, the OVF
 * environment (application/xml, which the guest's reader accepts) and its
 * ISO image (which holds an environment, and is byte for byte the VM's
 * ovf-env.iso); any other body is one JSON value in valid UTF-8; a failure
 * is {"error_type","messages":[{"id","default_message","args"}]} whose
 * error_type belongs to the status; a 201 body is a JSON string, or the key
 * (an integer) of a vApp property. A 200 of metadata is vCD's: a list
 * {"metadataEntry":[...]} by domain then key, a value {"domain"?,
 * "typedValue"}, each entry's domain absent (GENERAL) or SYSTEM READONLY|
 * PRIVATE or VCENTER READWRITE, its key valid, its typedValue of a known
 * _type holding a JSON integer, boolean, string or canonical UTC datetime;
 * a 200 of GET /api/query is {"resultTotal","pageCount","page","pageSize",
 * "record"} whose counts agree, each record of a VM that exists and that
 * the caller sees, its fields such entries (a STRING may be null). No user
 * (a caller that is not an administrator) gets a PRIVATE entry, nor a
 * VCENTER one without the right, and no body a user gets holds the PRIVATE
 * fixture's key or value, unless the input itself holds them (decoded from
 * %XX and \uXXXX); a user's export, which would hold them (the whole
 * store), is refused.
 *
 * After an input that changed vm-1's store, what it stored reads back
 * under the same oracles: its data sets (valid UTF-8), its guestinfo
 * variables and settings, its vApp settings and properties, and when those
 * changed its environment and ISO image (a 404 of the image: no ovf-env.iso
 * left behind); its metadata and that of each data set, as the
 * administrator, and as its owner without and with the right (the same less
 * what they may not see). And the query index agrees with the stores:
 * type=vm finds vm-1 alone, with fields (the fixtures' keys and the first
 * keys vm-1 holds) that are what a GET of its metadata says; a filter
 * KEY==TYPE:VALUE on an entry (those the input wrote first) selects its
 * object and != does not; type=dataset finds exactly the store's data sets,
 * each with the fields its GET says. After an input that changed vm-1's
 * store or owner or made VMs, a query of every VM finds vm-1 alone for the
 * administrator, and for alice and bob exactly when they own it.
 *
 * After each input the state goes back to the start: VM vm-1 alone (the
 * daemon is rebuilt when vm-1 was deleted), alice's, its snapshots deleted,
 * holding the fixtures of fuzz-common.c, guestinfo variables of the host
 * and of the guest with the default settings, vApp disabled (which deletes
 * every property) and then enabled by the import of a descriptor with a
 * property of each type family and both transports, and the metadata of
 * vmds_fuzz_metadata_fixtures (an entry of each type and domain on vm-1,
 * three on its data set rw, a SYSTEM PRIVATE one on both), which the index
 * follows. Only the numbers of the next VM and snapshot ids carry over.
 */

/* the plugins the daemon loads, in its order: its plugin-dir lists their
 * directories so */
static const gchar *const vmds_fuzz_plugin_paths[] = {
    VMDS_FUZZ_DATASETS_PLUGIN,
    VMDS_FUZZ_GUESTINFO_PLUGIN,
    VMDS_FUZZ_VAPP_PLUGIN,
    VMDS_FUZZ_METADATA_PLUGIN,
};

static VmdsDaemon *vmds_fuzz_daemon;
static GPtrArray *vmds_fuzz_plugins; /* the built-in VM plugin, then those above */
static VmdsRouter *vmds_fuzz_router;
static gchar *vmds_fuzz_tmp;
static gint64 vmds_fuzz_changes;
static gchar *vmds_fuzz_guestcfg_fixture; /* vmds_fuzz_guestcfg_text() of the fixtures */

static const struct {
	guint status;
	const gchar *error_types[7];
} vmds_fuzz_statuses[] = {
    {400,
     {"INVALID_ARGUMENT",
      "ALREADY_EXISTS",
      "RESOURCE_IN_USE",
      "UNABLE_TO_ALLOCATE_RESOURCE",
      "NOT_ALLOWED_IN_CURRENT_STATE",
      "UNSUPPORTED"}},
    {401, {"UNAUTHENTICATED"}},
    {403, {"UNAUTHORIZED"}},
    {404, {"NOT_FOUND"}},
};

#define VMDS_FUZZ_VM1 "/api/vcenter/vm/vm-1"

/* vm-1's owner, and a user owning nothing (both users of the daemon) */
#define VMDS_FUZZ_OWNER	   "alice"
#define VMDS_FUZZ_STRANGER "bob"

/* vm-1's vApp fixture: enabled, both transports, a property of each type
 * family (string, password, int, choice, boolean, ip, real) and one of a
 * type the API cannot assign; keys 0 to 7 */
static const gchar vmds_fuzz_vapp_fixture[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\" "
    "xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" "
    "xmlns:vmw=\"http://www.vmware.com/schema/ovf\">\n"
    "<References/>\n"
    "<VirtualSystem ovf:id=\"vm\"><Info>A virtual machine</Info>\n"
    "<ProductSection><Info>Properties</Info>\n"
    "<Property ovf:key=\"hostname\" ovf:type=\"string\" "
    "ovf:qualifiers=\"MinLen(1),MaxLen(63)\" ovf:value=\"web-1\"/>\n"
    "<Property ovf:key=\"root_password\" ovf:type=\"string\" ovf:password=\"true\" "
    "ovf:value=\"s3cret\"/>\n"
    "<Property ovf:key=\"port\" ovf:type=\"uint16\" "
    "ovf:qualifiers=\"MinValue(1),MaxValue(65535)\" ovf:value=\"8080\"/>\n"
    "<Property ovf:key=\"mode\" ovf:type=\"string\" "
    "ovf:qualifiers=\"ValueMap{&quot;a&quot;,&quot;b&quot;}\" ovf:value=\"a\"/>\n"
    "</ProductSection>\n"
    "<ProductSection ovf:class=\"vm\" ovf:instance=\"0\"><Info>More</Info>\n"
    "<Property ovf:key=\"ssh\" ovf:type=\"boolean\" ovf:value=\"true\"/>\n"
    "<Property ovf:key=\"ip\" ovf:type=\"string\" vmw:qualifiers=\"Ip\" "
    "ovf:value=\"192.0.2.1\"/>\n"
    "<Property ovf:key=\"ratio\" ovf:type=\"real64\" ovf:value=\"1.5\"/>\n"
    "<Property ovf:key=\"route\" ovf:type=\"expression\" "
    "ovf:value=\"${gateway:VM Network}\"/>\n"
    "</ProductSection>\n"
    "<VirtualHardwareSection ovf:transport=\"com.vmware.guestInfo iso\">"
    "<Info>Virtual hardware requirements</Info></VirtualHardwareSection>\n"
    "</VirtualSystem>\n"
    "</Envelope>\n";

static VmdsVm *
vmds_fuzz_vm1(void)
{
	return vmds_context_lookup_vm(VMDS_CONTEXT(vmds_fuzz_daemon), "vm-1");
}

static VmdsStore *
vmds_fuzz_vm1_store(void)
{
	VmdsVm *vm = vmds_fuzz_vm1();
	return vm != NULL ? vm->store : NULL;
}

/* the VM that @path (as sent) names when it is /api/vcenter/vm/{vm}/vapp/@leaf
 * (one trailing slash or not, as the router matches it), else NULL;
 * @routed: set when @path is that route, VM or not */
static VmdsVm *
vmds_fuzz_vapp_route(const gchar *path, const gchar *leaf, gboolean *routed)
{
	const gchar *prefix = "/api/vcenter/vm/";
	g_autofree gchar *tail = g_strconcat("/vapp/", leaf, NULL);
	g_autofree gchar *id = NULL;
	const gchar *slash;
	const gchar *rest;

	*routed = FALSE;
	if (!g_str_has_prefix(path, prefix))
		return NULL;
	slash = strchr(path + strlen(prefix), '/');
	if (slash == NULL || slash == path + strlen(prefix) || !g_str_has_prefix(slash, tail))
		return NULL;
	rest = slash + strlen(tail);
	if (rest[0] != '\0' && g_strcmp0(rest, "/") != 0)
		return NULL;
	*routed = TRUE;
	id = g_uri_unescape_segment(path + strlen(prefix), slash, NULL);
	return id != NULL ? vmds_context_lookup_vm(VMDS_CONTEXT(vmds_fuzz_daemon), id) : NULL;
}

static void
vmds_fuzz_check_env(GBytes *env, const gchar *what)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VmdsOvfEnvReader) reader = vmds_ovf_env_reader_new(env, &error);

	VMDS_FUZZ_CHECK(
	    reader != NULL, "%s is no OVF environment a guest reads: %s", what, error->message);
}

/* an ISO image served for @vm: it holds an environment, and is what the
 * VM's ovf-env.iso holds */
static void
vmds_fuzz_check_iso(VmdsVm *vm, const gchar *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *served = g_build_filename(vmds_fuzz_tmp, "served.iso", NULL);
	g_autofree gchar *kept = NULL;
	g_autofree gchar *kept_data = NULL;
	g_autoptr(GBytes) env = NULL;
	gsize kept_len = 0;

	if (!g_file_set_contents(served, data, (gssize)len, &error))
		g_error("%s", error->message);
	env = vmds_ovf_iso_read_env(served, VMDS_OVF_ENV_READER_MAX_SIZE, &error);
	VMDS_FUZZ_CHECK(
	    env != NULL, "the ISO image served holds no environment: %s", error->message);
	vmds_fuzz_check_env(env, "the ISO image's ovf-env.xml");
	if (vm == NULL)
		return;
	kept = g_build_filename(vm->dir, VMDS_VAPP_ISO_NAME, NULL);
	VMDS_FUZZ_CHECK(g_file_get_contents(kept, &kept_data, &kept_len, NULL) && kept_len == len &&
			    memcmp(kept_data, data, len) == 0,
			"%s: the ISO image served is not what %s holds",
			vm->id,
			kept);
}

/* no image is served for @vm: none is kept either */
static void
vmds_fuzz_check_no_iso(VmdsVm *vm)
{
	g_autofree gchar *kept = g_build_filename(vm->dir, VMDS_VAPP_ISO_NAME, NULL);

	VMDS_FUZZ_CHECK(!g_file_test(kept, G_FILE_TEST_EXISTS),
			"%s: no ISO image is served, but %s is there",
			vm->id,
			kept);
}

/* the users the callers name, in the state dir before the daemon opens it:
 * a VM's owner is a user of the daemon */
static void
vmds_fuzz_add_users(const gchar *state_dir)
{
	static gchar *hash = NULL; /* Argon2id costs: once */
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(state_dir, VMDS_USERS_FILE, NULL);
	g_autoptr(VmdsUsers) users = NULL;

	if (g_mkdir_with_parents(state_dir, 0700) != 0)
		g_error("cannot create %s", state_dir);
	if (hash == NULL)
		hash = vmds_user_hash_password("fuzz-password-1", &error);
	if (hash == NULL)
		g_error("cannot hash a password: %s", error->message);
	users = vmds_users_open(path, &error);
	if (users == NULL ||
	    !vmds_users_add(users, VMDS_FUZZ_OWNER, VMDS_USER_ROLE_USER, FALSE, hash, &error) ||
	    !vmds_users_add(users, VMDS_FUZZ_STRANGER, VMDS_USER_ROLE_USER, FALSE, hash, &error))
		g_error("cannot add the users: %s", error->message);
}

static void
vmds_fuzz_rest_start(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GKeyFile) keyfile = g_key_file_new();
	g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *config = NULL;
	g_autofree gchar *plugin_dir = NULL;
	g_autofree gchar *state_dir = NULL;
	g_autofree gchar *run_dir = NULL;
	VmdsDaemonOptions options = {0};
	VmdsPlugin *vm_plugin;

	vmds_fuzz_tmp = vmds_fuzz_make_tmpdir();
	for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_plugin_paths); i++)
		g_ptr_array_add(dirs, g_path_get_dirname(vmds_fuzz_plugin_paths[i]));
	g_ptr_array_add(dirs, NULL);
	plugin_dir = g_strjoinv(":", (gchar **)dirs->pdata);
	/* REST off: the router is driven directly */
	config = g_strdup_printf("[daemon]\nplugin-dir=%s\n[http]\nlisten=\n", plugin_dir);
	config_path = g_build_filename(vmds_fuzz_tmp, "vmds.conf", NULL);
	state_dir = g_build_filename(vmds_fuzz_tmp, "state", NULL);
	run_dir = g_build_filename(vmds_fuzz_tmp, "run", NULL);
	if (!g_file_set_contents(config_path, config, -1, &error) ||
	    !g_key_file_load_from_data(keyfile, config, -1, G_KEY_FILE_NONE, &error))
		g_error("%s", error->message);
	vmds_fuzz_add_users(state_dir);
	options.config_path = config_path;
	options.state_dir = state_dir;
	options.run_dir = run_dir;
	vmds_fuzz_daemon = vmds_daemon_new(&options);
	if (!vmds_daemon_setup(vmds_fuzz_daemon, &error))
		g_error("cannot set up the daemon: %s", error->message);
	/* the daemon's order: the built-in routes, then each plugin's */
	vmds_fuzz_plugins = g_ptr_array_new_with_free_func(g_object_unref);
	vm_plugin = vmds_vm_plugin_new();
	vmds_plugin_set_context(vm_plugin, VMDS_CONTEXT(vmds_fuzz_daemon));
	if (!vmds_plugin_startup(vm_plugin, &error))
		g_error("cannot start the vm plugin: %s", error->message);
	g_ptr_array_add(vmds_fuzz_plugins, vm_plugin);
	for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_plugin_paths); i++)
		g_ptr_array_add(vmds_fuzz_plugins,
				vmds_fuzz_load_plugin(vmds_fuzz_plugin_paths[i],
						      VMDS_CONTEXT(vmds_fuzz_daemon),
						      keyfile));
	vmds_fuzz_router = vmds_router_new(VMDS_CONTEXT(vmds_fuzz_daemon));
	for (guint i = 0; i < vmds_fuzz_plugins->len; i++)
		vmds_router_add_routes(
		    vmds_fuzz_router,
		    vmds_plugin_get_routes(g_ptr_array_index(vmds_fuzz_plugins, i)));
	if (vmds_fuzz_vm1_store() == NULL)
		g_error("the daemon did not create vm-1");
}

static void
vmds_fuzz_rest_stop(void)
{
	g_clear_pointer(&vmds_fuzz_router, vmds_router_free);
	if (vmds_fuzz_plugins != NULL) {
		for (guint i = 0; i < vmds_fuzz_plugins->len; i++)
			vmds_plugin_shutdown(g_ptr_array_index(vmds_fuzz_plugins, i));
	}
	g_clear_pointer(&vmds_fuzz_plugins, g_ptr_array_unref);
	g_clear_object(&vmds_fuzz_daemon);
	g_clear_pointer(&vmds_fuzz_guestcfg_fixture, g_free);
	if (vmds_fuzz_tmp != NULL)
		vmds_test_rm_rf(vmds_fuzz_tmp);
	g_clear_pointer(&vmds_fuzz_tmp, g_free);
}

static void
vmds_fuzz_check_error_body(guint status, JsonNode *root, const gchar *body)
{
	JsonObject *obj;
	JsonNode *type;
	JsonArray *messages;
	JsonObject *message;
	gboolean known = FALSE;

	VMDS_FUZZ_CHECK(JSON_NODE_HOLDS_OBJECT(root), "%u: error body is not an object", status);
	obj = json_node_get_object(root);
	type = json_object_get_member(obj, "error_type");
	VMDS_FUZZ_CHECK(type != NULL && JSON_NODE_HOLDS_VALUE(type) &&
			    json_node_get_value_type(type) == G_TYPE_STRING,
			"%u: no error_type: %.400s",
			status,
			body);
	for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_statuses); i++) {
		if (vmds_fuzz_statuses[i].status != status)
			continue;
		for (guint j = 0; vmds_fuzz_statuses[i].error_types[j] != NULL; j++)
			known |= g_strcmp0(json_node_get_string(type),
					   vmds_fuzz_statuses[i].error_types[j]) == 0;
	}
	VMDS_FUZZ_CHECK(known, "%u with error_type %s", status, json_node_get_string(type));
	VMDS_FUZZ_CHECK(json_object_has_member(obj, "messages") &&
			    JSON_NODE_HOLDS_ARRAY(json_object_get_member(obj, "messages")),
			"%u: no messages array",
			status);
	messages = json_object_get_array_member(obj, "messages");
	VMDS_FUZZ_CHECK(json_array_get_length(messages) == 1 &&
			    JSON_NODE_HOLDS_OBJECT(json_array_get_element(messages, 0)),
			"%u: messages is not one object",
			status);
	message = json_array_get_object_element(messages, 0);
	VMDS_FUZZ_CHECK(
	    json_object_has_member(message, "id") &&
		json_object_has_member(message, "default_message") &&
		json_object_has_member(message, "args") &&
		JSON_NODE_HOLDS_VALUE(json_object_get_member(message, "id")) &&
		g_str_has_prefix(json_object_get_string_member_with_default(message, "id", ""),
				 "vmds.") &&
		JSON_NODE_HOLDS_VALUE(json_object_get_member(message, "default_message")) &&
		JSON_NODE_HOLDS_ARRAY(json_object_get_member(message, "args")),
	    "%u: message is not {id,default_message,args}: %.400s",
	    status,
	    body);
}

/* who sends an input: its optional first line `@NAME`; without one, the
 * administrator, as every input was sent before callers could be chosen.
 * vm-1 belongs to VMDS_FUZZ_OWNER; VMDS_FUZZ_STRANGER owns nothing */

static const struct {
	const gchar *name;
	VmdsCaller caller;
} vmds_fuzz_callers[] = {
    {"@admin", {.user = "root", .administrator = TRUE, .vcenter_metadata = TRUE}},
    {"@owner", {.user = VMDS_FUZZ_OWNER}},
    {"@owner-vcenter", {.user = VMDS_FUZZ_OWNER, .vcenter_metadata = TRUE}},
    {"@stranger", {.user = VMDS_FUZZ_STRANGER}},
    {"@stranger-vcenter", {.user = VMDS_FUZZ_STRANGER, .vcenter_metadata = TRUE}},
};

#define VMDS_FUZZ_ADMIN	      (&vmds_fuzz_callers[0].caller)
#define VMDS_FUZZ_AS_OWNER    (&vmds_fuzz_callers[1].caller)
#define VMDS_FUZZ_AS_OWNER_VC (&vmds_fuzz_callers[2].caller)
#define VMDS_FUZZ_AS_STRANGER (&vmds_fuzz_callers[3].caller)

/* the SYSTEM PRIVATE fixture of vm-1 and of its data set rw: no body a user
 * gets holds its key or value, unless the input holds them itself */
#define VMDS_FUZZ_PRIVATE_KEY	"fzPrivateKey"
#define VMDS_FUZZ_PRIVATE_VALUE "fzPrivateValue"

/* the PRIVATE fixture's key and value, and whether the input holds each
 * (vmds_fuzz_holds()) */
static const gchar *const vmds_fuzz_secrets[] = {VMDS_FUZZ_PRIVATE_KEY, VMDS_FUZZ_PRIVATE_VALUE};
static gboolean vmds_fuzz_input_secrets[G_N_ELEMENTS(vmds_fuzz_secrets)];

/* vm-1's metadata at the start (@dataset NULL), and its data set rw's: an
 * entry of each type and domain, canonical values */
static const struct {
	const gchar *dataset;
	VmdsMetadataDomain domain;
	VmdsMetadataVisibility visibility;
	const gchar *key;
	VmdsMetadataType type;
	const gchar *value;
} vmds_fuzz_metadata_fixtures[] = {
    {NULL, VMDS_METADATA_GENERAL, VMDS_METADATA_READWRITE, "a/b", VMDS_METADATA_STRING, "Slash *"},
    {NULL,
     VMDS_METADATA_GENERAL,
     VMDS_METADATA_READWRITE,
     "born",
     VMDS_METADATA_DATETIME,
     "2012-06-18T17:00:00Z"},
    {NULL, VMDS_METADATA_GENERAL, VMDS_METADATA_READWRITE, "env", VMDS_METADATA_STRING, "prod"},
    {NULL, VMDS_METADATA_GENERAL, VMDS_METADATA_READWRITE, "on", VMDS_METADATA_BOOLEAN, "true"},
    {NULL, VMDS_METADATA_GENERAL, VMDS_METADATA_READWRITE, "tier", VMDS_METADATA_NUMBER, "3"},
    {NULL, VMDS_METADATA_SYSTEM, VMDS_METADATA_READONLY, "cost", VMDS_METADATA_NUMBER, "4711"},
    {NULL,
     VMDS_METADATA_SYSTEM,
     VMDS_METADATA_PRIVATE,
     VMDS_FUZZ_PRIVATE_KEY,
     VMDS_METADATA_STRING,
     VMDS_FUZZ_PRIVATE_VALUE},
    {NULL,
     VMDS_METADATA_VCENTER,
     VMDS_METADATA_READWRITE,
     "moref",
     VMDS_METADATA_STRING,
     "vm-1001"},
    {"rw", VMDS_METADATA_GENERAL, VMDS_METADATA_READWRITE, "env", VMDS_METADATA_STRING, "dev"},
    {"rw", VMDS_METADATA_SYSTEM, VMDS_METADATA_READONLY, "cost", VMDS_METADATA_NUMBER, "12"},
    {"rw",
     VMDS_METADATA_SYSTEM,
     VMDS_METADATA_PRIVATE,
     VMDS_FUZZ_PRIVATE_KEY,
     VMDS_METADATA_STRING,
     VMDS_FUZZ_PRIVATE_VALUE},
};

/* a metadata entry as a reply wrote it, checked */
typedef struct {
	VmdsMetadataDomain domain;
	VmdsMetadataVisibility visibility;
	gchar *key;
	VmdsMetadataType type;
	gchar *value; /* NULL: a query's null */
	gchar *text;  /* domain, visibility, type, key and value: what compares */
} VmdsFuzzEntry;

static void
vmds_fuzz_entry_free(VmdsFuzzEntry *entry)
{
	g_free(entry->key);
	g_free(entry->value);
	g_free(entry->text);
	g_free(entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsFuzzEntry, vmds_fuzz_entry_free)

static VmdsFuzzEntry *
vmds_fuzz_entry_new(VmdsMetadataDomain domain,
		    VmdsMetadataVisibility visibility,
		    const gchar *key,
		    VmdsMetadataType type,
		    const gchar *value)
{
	VmdsFuzzEntry *entry = g_new0(VmdsFuzzEntry, 1);

	entry->domain = domain;
	entry->visibility = visibility;
	entry->key = g_strdup(key);
	entry->type = type;
	entry->value = g_strdup(value);
	entry->text = g_strdup_printf("%s %s %s '%s'='%s'",
				      vmds_metadata_domain_to_string(domain),
				      vmds_metadata_visibility_to_string(visibility),
				      vmds_metadata_type_to_string(type),
				      key,
				      value != NULL ? value : "(null)");
	return entry;
}

/* an exact string member */
static const gchar *
vmds_fuzz_json_string(JsonObject *obj, const gchar *name)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

/* an integer member, or -1 */
static gint64
vmds_fuzz_json_int(JsonObject *obj, const gchar *name)
{
	JsonNode *node = json_object_get_member(obj, name);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_INT64)
		return -1;
	return json_node_get_int(node);
}

/*
 * A metadata entry of a reply to @caller (@with_key: vCD's MetadataEntry,
 * else a MetadataValue) as the plugin's README writes it: `domain` absent
 * for GENERAL, else SYSTEM READONLY|PRIVATE or VCENTER READWRITE; a valid
 * key; a typedValue whose value is of its _type (a JSON integer, a boolean,
 * a string, a canonical UTC datetime; @null_ok: a STRING may be null, as a
 * query's field over 1,000 characters is). A user never gets a PRIVATE
 * entry, nor a VCENTER one without the right.
 */
static VmdsFuzzEntry *
vmds_fuzz_metadata_entry(JsonNode *node,
			 gboolean with_key,
			 gboolean null_ok,
			 const VmdsCaller *caller,
			 const gchar *body)
{
	static const gchar *const entry_members[] = {"domain", "key", "typedValue", NULL};
	static const gchar *const value_members[] = {"domain", "typedValue", NULL};
	static const gchar *const domain_members[] = {"value", "visibility", NULL};
	static const gchar *const typed_members[] = {"_type", "value", NULL};
	VmdsMetadataDomain domain = VMDS_METADATA_GENERAL;
	VmdsMetadataVisibility visibility = VMDS_METADATA_READWRITE;
	VmdsMetadataType type = VMDS_METADATA_STRING;
	g_autofree gchar *value = NULL;
	const gchar *key = "";
	JsonObject *obj;
	JsonObject *typed;
	JsonNode *member;

	VMDS_FUZZ_CHECK(JSON_NODE_HOLDS_OBJECT(node) &&
			    vmds_json_object_check_members(json_node_get_object(node),
							   with_key ? entry_members : value_members,
							   NULL) &&
			    json_object_has_member(json_node_get_object(node), "typedValue"),
			"a metadata entry that is not {domain?,%stypedValue}: %.400s",
			with_key ? "key," : "",
			body);
	obj = json_node_get_object(node);
	member = json_object_get_member(obj, "domain");
	if (member != NULL) {
		JsonObject *d =
		    JSON_NODE_HOLDS_OBJECT(member) ? json_node_get_object(member) : NULL;
		VMDS_FUZZ_CHECK(
		    d != NULL && vmds_json_object_check_members(d, domain_members, NULL) &&
			vmds_metadata_domain_from_string(vmds_fuzz_json_string(d, "value"),
							 &domain) &&
			vmds_metadata_visibility_from_string(vmds_fuzz_json_string(d, "visibility"),
							     &visibility) &&
			domain != VMDS_METADATA_GENERAL,
		    "a metadata entry's domain is not SYSTEM or VCENTER with a visibility: %.400s",
		    body);
	}
	VMDS_FUZZ_CHECK((domain == VMDS_METADATA_SYSTEM) == (visibility != VMDS_METADATA_READWRITE),
			"a %s entry that is %s: %.400s",
			vmds_metadata_domain_to_string(domain),
			vmds_metadata_visibility_to_string(visibility),
			body);
	if (with_key) {
		key = vmds_fuzz_json_string(obj, "key");
		VMDS_FUZZ_CHECK(key != NULL && vmds_metadata_check_key(key, NULL),
				"a metadata entry without a valid key: %.400s",
				body);
	}
	member = json_object_get_member(obj, "typedValue");
	typed = JSON_NODE_HOLDS_OBJECT(member) ? json_node_get_object(member) : NULL;
	VMDS_FUZZ_CHECK(
	    typed != NULL && vmds_json_object_check_members(typed, typed_members, NULL) &&
		vmds_metadata_type_from_api_name(vmds_fuzz_json_string(typed, "_type"), &type) &&
		json_object_has_member(typed, "value"),
	    "a typedValue that is not {_type,value} of a known type: %.400s",
	    body);
	member = json_object_get_member(typed, "value");
	if (type == VMDS_METADATA_NUMBER && JSON_NODE_HOLDS_VALUE(member) &&
	    json_node_get_value_type(member) == G_TYPE_INT64) {
		value = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(member));
	} else if (type == VMDS_METADATA_BOOLEAN && JSON_NODE_HOLDS_VALUE(member) &&
		   json_node_get_value_type(member) == G_TYPE_BOOLEAN) {
		value = g_strdup(json_node_get_boolean(member) ? "true" : "false");
	} else if (type == VMDS_METADATA_STRING && null_ok && JSON_NODE_HOLDS_NULL(member)) {
		value = NULL;
	} else {
		g_autofree gchar *canonical = NULL;
		gint64 num = 0;
		VMDS_FUZZ_CHECK((type == VMDS_METADATA_STRING || type == VMDS_METADATA_DATETIME) &&
				    JSON_NODE_HOLDS_VALUE(member) &&
				    json_node_get_value_type(member) == G_TYPE_STRING,
				"a %s value written as another JSON type: %.400s",
				vmds_metadata_type_to_api_name(type),
				body);
		value = g_strdup(json_node_get_string(member));
		VMDS_FUZZ_CHECK(vmds_metadata_parse_value(type, value, &canonical, &num, NULL) &&
				    g_strcmp0(canonical, value) == 0,
				"a %s value that is not canonical: %.400s",
				vmds_metadata_type_to_api_name(type),
				body);
	}
	if (!caller->administrator) {
		VMDS_FUZZ_CHECK(visibility != VMDS_METADATA_PRIVATE,
				"user %s got a PRIVATE entry: %.400s",
				caller->user,
				body);
		VMDS_FUZZ_CHECK(domain != VMDS_METADATA_VCENTER || caller->vcenter_metadata,
				"user %s without the right got a VCENTER entry: %.400s",
				caller->user,
				body);
	}
	return vmds_fuzz_entry_new(domain, visibility, key, type, value);
}

/* {"metadataEntry":[ENTRY...]}: the entries, GENERAL, SYSTEM, VCENTER, each
 * in the byte order of its keys */
static GPtrArray *
vmds_fuzz_metadata_list(JsonNode *root, const VmdsCaller *caller, const gchar *body)
{
	g_autoptr(GPtrArray) entries =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_fuzz_entry_free);
	JsonObject *obj = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	JsonNode *member = obj != NULL ? json_object_get_member(obj, "metadataEntry") : NULL;
	JsonArray *array;

	VMDS_FUZZ_CHECK(member != NULL && JSON_NODE_HOLDS_ARRAY(member) &&
			    json_object_get_size(obj) == 1,
			"a metadata list that is not {\"metadataEntry\":[...]}: %.400s",
			body);
	array = json_node_get_array(member);
	for (guint i = 0; i < json_array_get_length(array); i++) {
		VmdsFuzzEntry *entry = vmds_fuzz_metadata_entry(
		    json_array_get_element(array, i), TRUE, FALSE, caller, body);
		if (i > 0) {
			VmdsFuzzEntry *before = g_ptr_array_index(entries, i - 1);
			VMDS_FUZZ_CHECK(before->domain < entry->domain ||
					    (before->domain == entry->domain &&
					     strcmp(before->key, entry->key) < 0),
					"metadata listed out of order ('%s' then '%s'): %.400s",
					before->key,
					entry->key,
					body);
		}
		g_ptr_array_add(entries, entry);
	}
	return g_steal_pointer(&entries);
}

/*
 * A 200 of GET /api/query to @caller: {"resultTotal","pageCount","page",
 * "pageSize","record":[...]}, pageCount the pages of resultTotal, at most
 * pageSize records, each of a VM that exists and that @caller sees, of
 * type vm (no dataSet) or dataset (its dataSet), with its fields' entries.
 * Calls @func on each record (nullable).
 */
typedef void (*VmdsFuzzRecordFunc)(const gchar *vm,
				   const gchar *dataset,
				   GPtrArray *entries,
				   gpointer user_data);

static void
vmds_fuzz_check_query_reply(JsonNode *root,
			    const VmdsCaller *caller,
			    const gchar *body,
			    VmdsFuzzRecordFunc func,
			    gpointer user_data)
{
	static const gchar *const members[] = {
	    "resultTotal", "pageCount", "page", "pageSize", "record", NULL};
	static const gchar *const record_members[] = {
	    "vm", "name", "type", "dataSet", "metadataEntry", NULL};
	JsonObject *obj = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	JsonNode *member = obj != NULL ? json_object_get_member(obj, "record") : NULL;
	gint64 total;
	gint64 page_size;
	JsonArray *records;

	VMDS_FUZZ_CHECK(obj != NULL && vmds_json_object_check_members(obj, members, NULL) &&
			    json_object_get_size(obj) == 5 && member != NULL &&
			    JSON_NODE_HOLDS_ARRAY(member),
			"a query reply that is not {resultTotal,pageCount,page,pageSize,record}: "
			"%.400s",
			body);
	total = vmds_fuzz_json_int(obj, "resultTotal");
	page_size = vmds_fuzz_json_int(obj, "pageSize");
	records = json_node_get_array(member);
	VMDS_FUZZ_CHECK(
	    total >= 0 && page_size >= 1 && page_size <= VMDS_METADATA_INDEX_MAX_PAGE_SIZE &&
		vmds_fuzz_json_int(obj, "page") >= 1 &&
		vmds_fuzz_json_int(obj, "pageCount") == (total + page_size - 1) / page_size &&
		json_array_get_length(records) <= (guint)MIN(page_size, total),
	    "a query reply whose counts disagree: %.400s",
	    body);
	for (guint i = 0; i < json_array_get_length(records); i++) {
		JsonNode *node = json_array_get_element(records, i);
		JsonObject *record =
		    JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
		g_autoptr(GPtrArray) entries =
		    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_fuzz_entry_free);
		const gchar *vm_id;
		const gchar *type;
		const gchar *dataset;
		VmdsVm *vm;
		JsonArray *array;

		VMDS_FUZZ_CHECK(
		    record != NULL && vmds_json_object_check_members(record, record_members, NULL),
		    "a query record that is not {vm,name?,type,dataSet?,metadataEntry}: "
		    "%.400s",
		    body);
		vm_id = vmds_fuzz_json_string(record, "vm");
		type = vmds_fuzz_json_string(record, "type");
		dataset = vmds_fuzz_json_string(record, "dataSet");
		member = json_object_get_member(record, "metadataEntry");
		VMDS_FUZZ_CHECK(vm_id != NULL && type != NULL && member != NULL &&
				    JSON_NODE_HOLDS_ARRAY(member) &&
				    ((g_strcmp0(type, "vm") == 0 && dataset == NULL &&
				      !json_object_has_member(record, "dataSet")) ||
				     (g_strcmp0(type, "dataset") == 0 && dataset != NULL)),
				"a query record that is not of a VM or a data set: %.400s",
				body);
		vm = vmds_context_lookup_vm(VMDS_CONTEXT(vmds_fuzz_daemon), vm_id);
		VMDS_FUZZ_CHECK(vm != NULL, "a query found %s, which does not exist", vm_id);
		VMDS_FUZZ_CHECK(vmds_caller_can_see_vm(caller, vm),
				"a query showed %s to %s, who may not see it",
				vm_id,
				caller->user);
		array = json_node_get_array(member);
		for (guint j = 0; j < json_array_get_length(array); j++)
			g_ptr_array_add(
			    entries,
			    vmds_fuzz_metadata_entry(
				json_array_get_element(array, j), TRUE, TRUE, caller, body));
		if (func != NULL)
			func(vm_id, dataset, entries, user_data);
	}
}

/* a 200 JSON object of a metadata route or of a query, under its oracle */
static void
vmds_fuzz_check_metadata_reply(JsonNode *root, const VmdsCaller *caller, const gchar *body)
{
	JsonObject *obj = json_node_get_object(root);

	if (json_object_has_member(obj, "metadataEntry"))
		g_ptr_array_unref(vmds_fuzz_metadata_list(root, caller, body));
	else if (json_object_has_member(obj, "typedValue"))
		vmds_fuzz_entry_free(vmds_fuzz_metadata_entry(root, FALSE, FALSE, caller, body));
	else if (json_object_has_member(obj, "resultTotal"))
		vmds_fuzz_check_query_reply(root, caller, body, NULL, NULL);
}

/* whether @data, its %XX and \uXXXX escapes decoded up to three times (a
 * filter's keys and values are encoded inside an encoded parameter), holds
 * @needle: an input that does may have written it where its caller reads it */
static gboolean
vmds_fuzz_holds(const gchar *data, gsize len, const gchar *needle)
{
	g_autoptr(GString) text = g_string_new_len(data, (gssize)len);

	for (guint pass = 0; pass < 4; pass++) {
		g_autoptr(GString) decoded = g_string_sized_new(text->len);
		/* memmem: a body may hold NULs (an export) */
		if (memmem(text->str, text->len, needle, strlen(needle)) != NULL)
			return TRUE;
		for (gsize i = 0; i < text->len; i++) {
			const gchar *p = text->str + i;
			if (p[0] == '%' && i + 2 < text->len && g_ascii_isxdigit(p[1]) &&
			    g_ascii_isxdigit(p[2])) {
				g_string_append_c(decoded,
						  (gchar)(g_ascii_xdigit_value(p[1]) * 16 +
							  g_ascii_xdigit_value(p[2])));
				i += 2;
			} else if (p[0] == '\\' && i + 5 < text->len && p[1] == 'u' &&
				   g_ascii_isxdigit(p[2]) && g_ascii_isxdigit(p[3]) &&
				   g_ascii_isxdigit(p[4]) && g_ascii_isxdigit(p[5])) {
				gunichar c = 0;
				for (guint j = 2; j < 6; j++)
					c = c * 16 + (gunichar)g_ascii_xdigit_value(p[j]);
				g_string_append_unichar(decoded, c);
				i += 5;
			} else if (p[0] == '\\' && i + 1 < text->len) {
				g_string_append_c(decoded, p[1]);
				i++;
			} else {
				g_string_append_c(decoded, p[0]);
			}
		}
		g_string_truncate(text, 0);
		g_string_append_len(text, decoded->str, (gssize)decoded->len);
	}
	return FALSE;
}

/*
 * @method @path?@query with @body through the router, and its reply through
 * every oracle; @path is as sent (percent-encoded). Returns the status; the
 * body is appended to @out (nullable).
 */
static guint
vmds_fuzz_rest_call(const VmdsCaller *caller,
		    const gchar *method,
		    const gchar *path,
		    const gchar *query,
		    const gchar *body,
		    gsize body_len,
		    GString *out)
{
	g_autoptr(GString) response = g_string_new(NULL);
	g_autoptr(JsonNode) root = NULL;
	VmdsStream stream = {0};
	VmdsRouterLater later = {0};
	gboolean done = FALSE;
	gboolean env_route = FALSE;
	gboolean iso_route = FALSE;
	gboolean properties_route = FALSE;
	const gchar *content_type;
	VmdsVm *iso_vm;
	guint status;

	status = vmds_router_handle_as(vmds_fuzz_router,
				       caller,
				       method,
				       path,
				       query,
				       body,
				       body_len,
				       -1,
				       response,
				       &stream,
				       &later);
	VMDS_FUZZ_CHECK(later.deferred == NULL, "%s %s: no route defers its reply", method, path);
	/* a body sent a part at a time is checked whole */
	while (stream.func != NULL && !done) {
		g_autoptr(GString) part = g_string_new(NULL);
		g_autoptr(GError) error = NULL;
		gboolean ok = stream.func(stream.data, part, &done, &error);
		VMDS_FUZZ_CHECK(ok,
				"%s %s: the body failed after its start: %s",
				method,
				path,
				error != NULL ? error->message : "no error set");
		g_string_append_len(response, part->str, part->len);
	}
	/* a body that is not JSON says so */
	content_type = stream.content_type;
	vmds_stream_clear(&stream);
	vmds_fuzz_vapp_route(path, "environment", &env_route);
	iso_vm = vmds_fuzz_vapp_route(path, "iso", &iso_route);
	vmds_fuzz_vapp_route(path, "properties", &properties_route);
	if (g_getenv("VMDS_FUZZ_VERBOSE") != NULL)
		g_printerr("%s %s: %u %.300s\n", method, path, status, response->str);

	VMDS_FUZZ_CHECK(status == 200 || status == 201 || status == 204 || status == 400 ||
			    status == 401 || status == 403 || status == 404,
			"%s %s: status %u: %.400s",
			method,
			path,
			status,
			response->str);
	if (status == 204) {
		VMDS_FUZZ_CHECK(response->len == 0, "204 with a body: %.400s", response->str);
	} else if (content_type != NULL) {
		/* exactly three routes answer something else than JSON */
		g_autoptr(GBytes) bytes = g_bytes_new(response->str, response->len);
		VMDS_FUZZ_CHECK(status == 200, "%u: a body of type %s", status, content_type);
		if (g_strcmp0(content_type, "application/xml") == 0) {
			VMDS_FUZZ_CHECK(
			    env_route, "%s %s: a body of type %s", method, path, content_type);
			vmds_fuzz_check_env(bytes, "GET .../vapp/environment");
		} else if (g_strcmp0(content_type, "application/x-iso9660-image") == 0) {
			VMDS_FUZZ_CHECK(
			    iso_route, "%s %s: a body of type %s", method, path, content_type);
			vmds_fuzz_check_iso(iso_vm, response->str, response->len);
		} else {
			VMDS_FUZZ_CHECK(g_strcmp0(content_type, VMDS_EXPORT_CONTENT_TYPE) == 0 &&
					    !env_route && !iso_route,
					"%s %s: a body of type %s",
					method,
					path,
					content_type);
		}
	} else if (status >= 400 && !g_utf8_validate(response->str, (gssize)response->len, NULL) &&
		   vmds_fuzz_skip_known("utf8-echo")) {
		/* known: an error message echoes invalid UTF-8 */
	} else {
		VMDS_FUZZ_CHECK(g_utf8_validate(response->str, (gssize)response->len, NULL),
				"%u: body is not UTF-8",
				status);
		VMDS_FUZZ_CHECK(vmds_fuzz_json_valid(response->str, response->len, &root),
				"%s %s: %u: body is not JSON: %.400s",
				method,
				path,
				status,
				response->str);
		VMDS_FUZZ_CHECK(status != 200 || (!env_route && !iso_route) ||
				    g_strcmp0(method, "GET") != 0,
				"%s %s: 200 with JSON",
				method,
				path);
		if (status >= 400) {
			vmds_fuzz_check_error_body(status, root, response->str);
		} else if (status == 201 && properties_route) {
			/* a vApp property's key */
			VMDS_FUZZ_CHECK(
			    JSON_NODE_HOLDS_VALUE(root) &&
				json_node_get_value_type(root) == G_TYPE_INT64 &&
				json_node_get_int(root) >= 0 &&
				json_node_get_int(root) <= G_MAXINT32,
			    "201 of a vApp property with a body that is not a key: %.400s",
			    response->str);
		} else if (status == 201) {
			VMDS_FUZZ_CHECK(JSON_NODE_HOLDS_VALUE(root) &&
					    json_node_get_value_type(root) == G_TYPE_STRING,
					"201 with a body that is not a JSON string: %.400s",
					response->str);
		} else if (status == 200 && JSON_NODE_HOLDS_OBJECT(root)) {
			vmds_fuzz_check_metadata_reply(root, caller, response->str);
		}
	}
	if (!caller->administrator) {
		for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_secrets); i++)
			VMDS_FUZZ_CHECK(vmds_fuzz_input_secrets[i] ||
					    !vmds_fuzz_holds(
						response->str, response->len, vmds_fuzz_secrets[i]),
					"%s %s: user %s got the PRIVATE fixture entry's %s: %.400s",
					method,
					path,
					caller->user,
					vmds_fuzz_secrets[i],
					response->str);
	}
	if (status == 404 && iso_vm != NULL)
		vmds_fuzz_check_no_iso(iso_vm);
	if (out != NULL)
		g_string_append_len(out, response->str, (gssize)response->len);
	return status;
}

/* a request of the reset, which must do what it says */
static void
vmds_fuzz_rest_expect(
    const gchar *method, const gchar *path, const gchar *query, const gchar *body, guint status)
{
	guint got =
	    vmds_fuzz_rest_call(VMDS_FUZZ_ADMIN, method, path, query, body, strlen(body), NULL);

	if (got != status)
		g_error("%s %s: %u, expected %u", method, path, got, status);
}

/* GET @path?@query as @caller: a 200 of JSON, its root; its body in @body */
static JsonNode *
vmds_fuzz_get_json(const VmdsCaller *caller, const gchar *path, const gchar *query, GString *body)
{
	JsonNode *root = NULL;
	guint status;

	g_string_truncate(body, 0);
	status = vmds_fuzz_rest_call(caller, "GET", path, query, "", 0, body);
	VMDS_FUZZ_CHECK(status == 200 && vmds_fuzz_json_valid(body->str, body->len, &root),
			"GET %s%s%s as %s after the input: %u: %.400s",
			path,
			query != NULL ? "?" : "",
			query != NULL ? query : "",
			caller->user,
			status,
			body->str);
	return root;
}

/* the metadata of vm-1 (@dataset NULL) or of its data set @dataset, as
 * @caller reads it */
static GPtrArray *
vmds_fuzz_metadata_read(const VmdsCaller *caller, const gchar *dataset)
{
	g_autoptr(GString) body = g_string_new(NULL);
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *path = NULL;

	if (dataset != NULL) {
		g_autofree gchar *segment = g_uri_escape_string(dataset, NULL, FALSE);
		path = g_strconcat(VMDS_FUZZ_VM1 "/data-sets/", segment, "/metadata", NULL);
	} else {
		path = g_strdup(VMDS_FUZZ_VM1 "/metadata");
	}
	root = vmds_fuzz_get_json(caller, path, NULL, body);
	return vmds_fuzz_metadata_list(root, caller, body->str);
}

/* @listed (an administrator's read) less what @caller may not see is what
 * @caller reads */
static void
vmds_fuzz_check_user_view(GPtrArray *listed, const gchar *dataset, const VmdsCaller *caller)
{
	g_autoptr(GPtrArray) seen = vmds_fuzz_metadata_read(caller, dataset);
	guint j = 0;

	for (guint i = 0; i < listed->len; i++) {
		VmdsFuzzEntry *entry = g_ptr_array_index(listed, i);
		if (entry->visibility == VMDS_METADATA_PRIVATE ||
		    (entry->domain == VMDS_METADATA_VCENTER && !caller->vcenter_metadata))
			continue;
		VMDS_FUZZ_CHECK(
		    j < seen->len && g_strcmp0(((VmdsFuzzEntry *)g_ptr_array_index(seen, j))->text,
					       entry->text) == 0,
		    "%s of %s: user %s reads %s where the administrator reads %s",
		    dataset != NULL ? dataset : "vm-1",
		    VMDS_FUZZ_OWNER,
		    caller->user,
		    j < seen->len ? ((VmdsFuzzEntry *)g_ptr_array_index(seen, j))->text : "nothing",
		    entry->text);
		j++;
	}
	VMDS_FUZZ_CHECK(j == seen->len,
			"%s: user %s reads more entries than the administrator",
			dataset != NULL ? dataset : "vm-1",
			caller->user);
}

static void
vmds_fuzz_collect_record_cb(const gchar *vm,
			    const gchar *dataset,
			    GPtrArray *entries,
			    gpointer user_data)
{
	GHashTable *records = user_data;
	gchar *id = dataset != NULL ? g_strconcat(vm, "/", dataset, NULL) : g_strdup(vm);

	VMDS_FUZZ_CHECK(!g_hash_table_contains(records, id), "a query lists %s twice", id);
	g_hash_table_insert(records, id, g_ptr_array_ref(entries));
}

/* every record of GET /api/query?type=@type&filter=@filter&fields=@fields
 * as @caller, all pages: its id ("vm-N", or "vm-N/DATA-SET") → its fields'
 * entries */
static GHashTable *
vmds_fuzz_query(const VmdsCaller *caller,
		const gchar *type,
		const gchar *filter,
		const gchar *fields)
{
	g_autoptr(GHashTable) records = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
	gint64 total = -1;

	for (guint page = 1;; page++) {
		g_autoptr(GString) query = g_string_new(NULL);
		g_autoptr(GString) body = g_string_new(NULL);
		g_autoptr(JsonNode) root = NULL;
		JsonObject *obj;

		g_string_append_printf(query,
				       "type=%s&pageSize=%u&page=%u",
				       type,
				       (guint)VMDS_METADATA_INDEX_MAX_PAGE_SIZE,
				       page);
		if (filter != NULL) {
			g_autofree gchar *escaped = g_uri_escape_string(filter, NULL, FALSE);
			g_string_append_printf(query, "&filter=%s", escaped);
		}
		if (fields != NULL) {
			g_autofree gchar *escaped = g_uri_escape_string(fields, NULL, FALSE);
			g_string_append_printf(query, "&fields=%s", escaped);
		}
		root = vmds_fuzz_get_json(caller, "/api/query", query->str, body);
		vmds_fuzz_check_query_reply(
		    root, caller, body->str, vmds_fuzz_collect_record_cb, records);
		obj = json_node_get_object(root);
		VMDS_FUZZ_CHECK(total < 0 || total == vmds_fuzz_json_int(obj, "resultTotal"),
				"a query's total changed between its pages: %.400s",
				body->str);
		total = vmds_fuzz_json_int(obj, "resultTotal");
		if (page >= vmds_fuzz_json_int(obj, "pageCount"))
			break;
	}
	VMDS_FUZZ_CHECK(g_hash_table_size(records) == (guint)total,
			"a query of %u records says resultTotal %" G_GINT64_FORMAT,
			g_hash_table_size(records),
			total);
	return g_steal_pointer(&records);
}

/* `metadata:KEY` or `metadata@DOMAIN:KEY`, KEY percent-encoded */
static gchar *
vmds_fuzz_field(VmdsMetadataDomain domain, const gchar *key)
{
	g_autofree gchar *escaped = g_uri_escape_string(key, NULL, FALSE);

	if (domain == VMDS_METADATA_GENERAL)
		return g_strconcat("metadata:", escaped, NULL);
	return g_strdup_printf("metadata@%s:%s", vmds_metadata_domain_to_string(domain), escaped);
}

static VmdsFuzzEntry *
vmds_fuzz_entry_find(GPtrArray *entries, VmdsMetadataDomain domain, const gchar *key)
{
	for (guint i = 0; entries != NULL && i < entries->len; i++) {
		VmdsFuzzEntry *entry = g_ptr_array_index(entries, i);
		if (entry->domain == domain && g_strcmp0(entry->key, key) == 0)
			return entry;
	}
	return NULL;
}

/* the fields a query is asked for of an object: the fixtures' keys of its
 * kind and the first keys it holds, at most 16; each `domain key` */
static GPtrArray *
vmds_fuzz_fields_of(GPtrArray *listed, gboolean dataset)
{
	g_autoptr(GPtrArray) fields =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_fuzz_entry_free);

	for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_metadata_fixtures); i++) {
		if ((vmds_fuzz_metadata_fixtures[i].dataset != NULL) != dataset)
			continue;
		g_ptr_array_add(fields,
				vmds_fuzz_entry_new(vmds_fuzz_metadata_fixtures[i].domain,
						    vmds_fuzz_metadata_fixtures[i].visibility,
						    vmds_fuzz_metadata_fixtures[i].key,
						    vmds_fuzz_metadata_fixtures[i].type,
						    NULL));
	}
	for (guint i = 0; listed != NULL && i < listed->len && fields->len < 16; i++) {
		VmdsFuzzEntry *entry = g_ptr_array_index(listed, i);
		if (vmds_fuzz_entry_find(fields, entry->domain, entry->key) == NULL)
			g_ptr_array_add(
			    fields,
			    vmds_fuzz_entry_new(
				entry->domain, entry->visibility, entry->key, entry->type, NULL));
	}
	return g_steal_pointer(&fields);
}

/* a query's records of @type with @fields (8 at a time), merged */
static GHashTable *
vmds_fuzz_query_fields(const gchar *type, GPtrArray *fields)
{
	g_autoptr(GHashTable) all = NULL;

	for (guint start = 0; start < MAX(fields->len, 1);
	     start += VMDS_METADATA_INDEX_MAX_FIELDS) {
		g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GHashTable) records = NULL;
		g_autofree gchar *joined = NULL;
		GHashTableIter iter;
		gpointer id;
		gpointer entries;

		for (guint i = start; i < fields->len && i < start + VMDS_METADATA_INDEX_MAX_FIELDS;
		     i++) {
			VmdsFuzzEntry *field = g_ptr_array_index(fields, i);
			g_ptr_array_add(names, vmds_fuzz_field(field->domain, field->key));
		}
		g_ptr_array_add(names, NULL);
		joined = g_strjoinv(",", (gchar **)names->pdata);
		records = vmds_fuzz_query(VMDS_FUZZ_ADMIN, type, NULL, joined);
		if (all == NULL) {
			all = g_steal_pointer(&records);
			continue;
		}
		VMDS_FUZZ_CHECK(g_hash_table_size(all) == g_hash_table_size(records),
				"two queries of all %s records found %u and %u",
				type,
				g_hash_table_size(all),
				g_hash_table_size(records));
		g_hash_table_iter_init(&iter, records);
		while (g_hash_table_iter_next(&iter, &id, &entries)) {
			GPtrArray *merged = g_hash_table_lookup(all, id);
			VMDS_FUZZ_CHECK(merged != NULL,
					"%s is in one query of all, not in another",
					(const gchar *)id);
			for (guint i = 0; i < ((GPtrArray *)entries)->len; i++) {
				VmdsFuzzEntry *entry = g_ptr_array_index((GPtrArray *)entries, i);
				g_ptr_array_add(merged,
						vmds_fuzz_entry_new(entry->domain,
								    entry->visibility,
								    entry->key,
								    entry->type,
								    entry->value));
			}
		}
	}
	return g_steal_pointer(&all);
}

/* what the index shows of @id's @fields is what a GET of its metadata
 * (@listed, an administrator's) says; a STRING over 1,000 characters is
 * shown null */
static void
vmds_fuzz_compare_fields(const gchar *id, GPtrArray *listed, GPtrArray *shown, GPtrArray *fields)
{
	for (guint i = 0; i < fields->len; i++) {
		VmdsFuzzEntry *field = g_ptr_array_index(fields, i);
		VmdsFuzzEntry *want = vmds_fuzz_entry_find(listed, field->domain, field->key);
		VmdsFuzzEntry *got = vmds_fuzz_entry_find(shown, field->domain, field->key);
		g_autoptr(VmdsFuzzEntry) indexed = NULL;

		if (want != NULL)
			indexed = vmds_fuzz_entry_new(want->domain,
						      want->visibility,
						      want->key,
						      want->type,
						      want->type == VMDS_METADATA_STRING &&
							      g_utf8_strlen(want->value, -1) >
								  VMDS_METADATA_FILTER_MAX_STRING
							  ? NULL
							  : want->value);
		VMDS_FUZZ_CHECK(g_strcmp0(indexed != NULL ? indexed->text : NULL,
					  got != NULL ? got->text : NULL) == 0,
				"%s: a query shows %s where its metadata holds %s",
				id,
				got != NULL ? got->text : "nothing",
				indexed != NULL ? indexed->text : "nothing");
	}
}

/* every byte but letters and digits as %XX: a filter's key or value */
static gchar *
vmds_fuzz_filter_escape(const gchar *text)
{
	GString *out = g_string_new(NULL);

	for (const guchar *p = (const guchar *)text; *p != '\0'; p++) {
		if (g_ascii_isalnum(*p))
			g_string_append_c(out, (gchar)*p);
		else
			g_string_append_printf(out, "%%%02X", *p);
	}
	return g_string_free(out, FALSE);
}

/* a filter on @entry of object @id (`KEY==TYPE:VALUE`) selects it, and
 * `!=` does not; a STRING that is empty or over 1,000 characters cannot
 * be searched */
static void
vmds_fuzz_check_filter(const gchar *type, const gchar *id, VmdsFuzzEntry *entry)
{
	g_autofree gchar *key = NULL;
	g_autofree gchar *value = NULL;
	const gchar *ops[] = {"==", "!="};

	if (entry->value == NULL ||
	    (entry->type == VMDS_METADATA_STRING &&
	     (entry->value[0] == '\0' ||
	      g_utf8_strlen(entry->value, -1) > VMDS_METADATA_FILTER_MAX_STRING)))
		return;
	key = vmds_fuzz_filter_escape(entry->key);
	value = vmds_fuzz_filter_escape(entry->value);
	for (guint i = 0; i < G_N_ELEMENTS(ops); i++) {
		g_autofree gchar *filter =
		    g_strdup_printf("metadata%s%s:%s%s%s:%s",
				    entry->domain != VMDS_METADATA_GENERAL ? "@" : "",
				    entry->domain != VMDS_METADATA_GENERAL
					? vmds_metadata_domain_to_string(entry->domain)
					: "",
				    key,
				    ops[i],
				    vmds_metadata_type_to_string(entry->type),
				    value);
		g_autoptr(GHashTable) records =
		    vmds_fuzz_query(VMDS_FUZZ_ADMIN, type, filter, NULL);
		VMDS_FUZZ_CHECK(g_hash_table_contains(records, id) == (i == 0),
				"filter %.300s %s %s, which holds %s",
				filter,
				i == 0 ? "does not select" : "selects",
				id,
				entry->text);
	}
}

/* whether @entry is one of the fixtures (of a data set: @dataset) */
static gboolean
vmds_fuzz_entry_is_fixture(VmdsFuzzEntry *entry, gboolean dataset)
{
	for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_metadata_fixtures); i++) {
		g_autoptr(VmdsFuzzEntry) fixture = NULL;
		if ((vmds_fuzz_metadata_fixtures[i].dataset != NULL) != dataset)
			continue;
		fixture = vmds_fuzz_entry_new(vmds_fuzz_metadata_fixtures[i].domain,
					      vmds_fuzz_metadata_fixtures[i].visibility,
					      vmds_fuzz_metadata_fixtures[i].key,
					      vmds_fuzz_metadata_fixtures[i].type,
					      vmds_fuzz_metadata_fixtures[i].value);
		if (g_strcmp0(fixture->text, entry->text) == 0)
			return TRUE;
	}
	return FALSE;
}

/* filters on up to @max of @listed, those the input wrote first */
static void
vmds_fuzz_check_filters(const gchar *type, const gchar *id, GPtrArray *listed, guint max)
{
	guint done = 0;

	for (guint pass = 0; pass < 2; pass++) {
		for (guint i = 0; i < listed->len && done < max; i++) {
			VmdsFuzzEntry *entry = g_ptr_array_index(listed, i);
			if (vmds_fuzz_entry_is_fixture(entry, g_strcmp0(type, "dataset") == 0) !=
			    (pass == 1))
				continue;
			vmds_fuzz_check_filter(type, id, entry);
			done++;
		}
	}
}

/*
 * After an input that changed vm-1's store, its metadata and the query
 * index, read as the administrator: every list reads back valid; its owner
 * reads the same less what it may not see (with the right and without);
 * GET /api/query?type=vm finds vm-1 alone, and its fields (the fixtures'
 * keys and the first it holds) are what the GET says; a filter KEY==VALUE
 * on an entry selects it and != does not; type=dataset finds exactly the
 * data sets of the store, each with the fields its GET says.
 */
static void
vmds_fuzz_metadata_check(VmdsStore *store)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) listed = vmds_fuzz_metadata_read(VMDS_FUZZ_ADMIN, NULL);
	g_autoptr(GPtrArray) datasets = vmds_datasets_list(store, &error);
	g_autoptr(GPtrArray) vm_fields = vmds_fuzz_fields_of(listed, FALSE);
	g_autoptr(GPtrArray) ds_fields = NULL;
	g_autoptr(GHashTable) records = NULL;
	g_autoptr(GPtrArray) ds_listed =
	    g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	guint filters = 0;

	VMDS_FUZZ_CHECK(datasets != NULL, "cannot list data sets: %s", error->message);
	vmds_fuzz_check_user_view(listed, NULL, VMDS_FUZZ_AS_OWNER);
	vmds_fuzz_check_user_view(listed, NULL, VMDS_FUZZ_AS_OWNER_VC);
	records = vmds_fuzz_query_fields("vm", vm_fields);
	VMDS_FUZZ_CHECK(g_hash_table_size(records) == 1 && g_hash_table_contains(records, "vm-1"),
			"a query of every VM finds %u, not vm-1 alone",
			g_hash_table_size(records));
	vmds_fuzz_compare_fields("vm-1", listed, g_hash_table_lookup(records, "vm-1"), vm_fields);
	vmds_fuzz_check_filters("vm", "vm-1", listed, 6);

	/* the data sets: their metadata, and each of them in the index */
	for (guint i = 0; i < datasets->len; i++) {
		VmdsDataset *dataset = g_ptr_array_index(datasets, i);
		g_ptr_array_add(ds_listed, vmds_fuzz_metadata_read(VMDS_FUZZ_ADMIN, dataset->name));
	}
	ds_fields =
	    vmds_fuzz_fields_of(datasets->len > 0 ? g_ptr_array_index(ds_listed, 0) : NULL, TRUE);
	g_clear_pointer(&records, g_hash_table_unref);
	records = vmds_fuzz_query_fields("dataset", ds_fields);
	VMDS_FUZZ_CHECK(g_hash_table_size(records) == datasets->len,
			"a query of every data set finds %u, the store holds %u",
			g_hash_table_size(records),
			datasets->len);
	for (guint i = 0; i < datasets->len; i++) {
		VmdsDataset *dataset = g_ptr_array_index(datasets, i);
		GPtrArray *entries = g_ptr_array_index(ds_listed, i);
		g_autofree gchar *id = g_strconcat("vm-1/", dataset->name, NULL);
		GPtrArray *shown = g_hash_table_lookup(records, id);

		VMDS_FUZZ_CHECK(shown != NULL, "a query of every data set does not find %s", id);
		vmds_fuzz_compare_fields(id, entries, shown, ds_fields);
		if (entries->len > 0 && filters < 4) {
			vmds_fuzz_check_user_view(entries, dataset->name, VMDS_FUZZ_AS_OWNER);
			vmds_fuzz_check_filters("dataset", id, entries, 2);
			filters += 2;
		}
	}
}

/* the index holds vm-1 alone, for the administrator, and for its owner
 * only (vmds_caller_can_see_vm()) */
static void
vmds_fuzz_check_query_owner(void)
{
	VmdsVm *vm1 = vmds_fuzz_vm1();
	const VmdsCaller *users[] = {VMDS_FUZZ_AS_OWNER, VMDS_FUZZ_AS_STRANGER};
	g_autoptr(GHashTable) records = vmds_fuzz_query(VMDS_FUZZ_ADMIN, "vm", NULL, NULL);

	VMDS_FUZZ_CHECK(g_hash_table_size(records) == 1 && g_hash_table_contains(records, "vm-1"),
			"a query of every VM finds %u, not vm-1 alone",
			g_hash_table_size(records));
	for (guint i = 0; i < G_N_ELEMENTS(users); i++) {
		g_autoptr(GHashTable) theirs = vmds_fuzz_query(users[i], "vm", NULL, NULL);
		VMDS_FUZZ_CHECK(g_hash_table_size(theirs) ==
				    (vmds_caller_can_see_vm(users[i], vm1) ? 1u : 0u),
				"%s's query finds %u VMs; vm-1 is %s's",
				users[i]->user,
				g_hash_table_size(theirs),
				vm1->owner != NULL ? vm1->owner : "nobody");
	}
}

/* vm-1's metadata fixtures (its data sets' went with them:
 * vmds_fuzz_store_reset()) and its owner */
static void
vmds_fuzz_metadata_reset(VmdsVm *vm1)
{
	const VmdsMetadataViewer admin = {
	    .user = "root", .administrator = TRUE, .vcenter_metadata = TRUE};
	const VmdsMetadataObject vm = {VMDS_METADATA_OBJECT_VM, ""};
	const VmdsMetadataObject rw = {VMDS_METADATA_OBJECT_DATASET, "rw"};
	g_autoptr(GPtrArray) on_vm =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_metadata_entry_free);
	g_autoptr(GPtrArray) on_rw =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_metadata_entry_free);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_metadata_fixtures); i++)
		g_ptr_array_add(vmds_fuzz_metadata_fixtures[i].dataset != NULL ? on_rw : on_vm,
				vmds_metadata_entry_new(vmds_fuzz_metadata_fixtures[i].domain,
							vmds_fuzz_metadata_fixtures[i].visibility,
							vmds_fuzz_metadata_fixtures[i].key,
							vmds_fuzz_metadata_fixtures[i].type,
							vmds_fuzz_metadata_fixtures[i].value));
	if (!vmds_metadata_remove_object(vm1->store, &vm, &error) ||
	    !vmds_metadata_merge(vm1->store, &vm, &admin, on_vm, &error) ||
	    !vmds_metadata_merge(vm1->store, &rw, &admin, on_rw, &error))
		g_error("cannot reset the metadata fixtures: %s", error->message);
}

static void
vmds_fuzz_owner_reset(VmdsVm *vm1)
{
	g_autoptr(GError) error = NULL;

	if (g_strcmp0(vm1->owner, VMDS_FUZZ_OWNER) != 0 &&
	    !vmds_context_set_vm_owner(
		VMDS_CONTEXT(vmds_fuzz_daemon), vm1, VMDS_FUZZ_OWNER, &error))
		g_error("cannot give vm-1 back to %s: %s", VMDS_FUZZ_OWNER, error->message);
}

/* vm-1's guestinfo variables and settings, vApp settings and properties,
 * read under the oracles: what tells its guestinfo and vApp state (the
 * environment is the variable ovfEnv while the fixture's transports are on) */
static gchar *
vmds_fuzz_guestcfg_text(void)
{
	static const gchar *const reads[] = {
	    VMDS_FUZZ_VM1 "/guest-info",
	    VMDS_FUZZ_VM1 "/guest-info-settings",
	    VMDS_FUZZ_VM1 "/vapp",
	    VMDS_FUZZ_VM1 "/vapp/properties",
	};
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(reads); i++) {
		guint status =
		    vmds_fuzz_rest_call(VMDS_FUZZ_ADMIN, "GET", reads[i], NULL, "", 0, text);
		VMDS_FUZZ_CHECK(status == 200, "GET %s after the input: %u", reads[i], status);
		g_string_append_c(text, '\n');
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/* the environment and its ISO image read under the oracles */
static void
vmds_fuzz_guestcfg_read_env(void)
{
	static const gchar *const reads[] = {
	    VMDS_FUZZ_VM1 "/vapp/environment",
	    VMDS_FUZZ_VM1 "/vapp/iso",
	};

	for (guint i = 0; i < G_N_ELEMENTS(reads); i++) {
		guint status =
		    vmds_fuzz_rest_call(VMDS_FUZZ_ADMIN, "GET", reads[i], NULL, "", 0, NULL);
		VMDS_FUZZ_CHECK(
		    status == 200 || status == 404, "GET %s after the input: %u", reads[i], status);
	}
}

/*
 * vm-1's guestinfo and vApp fixtures: every variable deleted and the
 * default settings; vApp disabled through its route (every property, the
 * environment, its variable and ISO image go) and enabled by the import of
 * vmds_fuzz_vapp_fixture; then a variable of the host and one of the guest
 */
static void
vmds_fuzz_guestcfg_reset(VmdsStore *store)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) names = vmds_guestinfo_list(store, &error);
	VmdsGuestinfoSettings settings = {.guest_writes = TRUE, .guest_size_limit = -1};

	if (names == NULL)
		g_error("cannot list the guestinfo variables: %s", error->message);
	for (guint i = 0; i < names->len; i++) {
		if (!vmds_guestinfo_remove(store, g_ptr_array_index(names, i), &error))
			g_error("cannot remove a guestinfo variable: %s", error->message);
	}
	if (!vmds_guestinfo_set_settings(store, &settings, &error))
		g_error("cannot reset the guestinfo settings: %s", error->message);
	vmds_fuzz_rest_expect("PATCH", VMDS_FUZZ_VM1 "/vapp", NULL, "{\"enabled\":false}", 204);
	vmds_fuzz_rest_expect(
	    "POST", VMDS_FUZZ_VM1 "/vapp", "action=import", vmds_fuzz_vapp_fixture, 200);
	if (!vmds_guestinfo_set(store, "hostname", "web-01", FALSE, 0, &error) ||
	    !vmds_guestinfo_set(store,
				"guest.note",
				"set by the guest",
				TRUE,
				VMDS_GUESTINFO_DEFAULT_SIZE_LIMIT,
				&error))
		g_error("cannot set the guestinfo fixtures: %s", error->message);
}

/*
 * vm-1 as at the start; @check: what the input stored is checked first. The
 * guestinfo and vApp fixtures are made again only when an input changed
 * them (their text differs), as making the environment's ISO image costs.
 */
static void
vmds_fuzz_rest_reset(gboolean check)
{
	VmdsStore *store = vmds_fuzz_vm1_store();
	g_autofree gchar *text = NULL;

	if (check) {
		vmds_fuzz_store_check(store);
		vmds_fuzz_metadata_check(store);
		text = vmds_fuzz_guestcfg_text();
	}
	if (!check || g_strcmp0(text, vmds_fuzz_guestcfg_fixture) != 0) {
		if (check)
			vmds_fuzz_guestcfg_read_env();
		vmds_fuzz_guestcfg_reset(store);
		g_free(vmds_fuzz_guestcfg_fixture);
		vmds_fuzz_guestcfg_fixture = vmds_fuzz_guestcfg_text();
	}
	vmds_fuzz_store_reset(store);
	vmds_fuzz_metadata_reset(vmds_fuzz_vm1());
	vmds_fuzz_owner_reset(vmds_fuzz_vm1());
	vmds_fuzz_changes = vmds_fuzz_store_changes(store);
}

static void
vmds_fuzz_cleanup_cb(void)
{
	vmds_fuzz_rest_stop();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	vmds_fuzz_init_logging();
	/* the daemon takes its plugins from the config file's plugin-dir */
	g_unsetenv("VMDS_PLUGINDIR");
	g_unsetenv("VMDS_STATE_DIR");
	g_unsetenv("VMDS_RUN_DIR");
	g_unsetenv("NOTIFY_SOCKET");
	vmds_fuzz_rest_start();
	vmds_fuzz_rest_reset(FALSE);
	/* the index took the fixtures */
	vmds_fuzz_metadata_check(vmds_fuzz_vm1_store());
	vmds_fuzz_check_query_owner();
	atexit(vmds_fuzz_cleanup_cb);
	return 0;
}

/* back to vm-1 alone, holding the fixtures */
static void
vmds_fuzz_rest_restore(void)
{
	VmdsContext *context = VMDS_CONTEXT(vmds_fuzz_daemon);
	g_autoptr(GPtrArray) vms = vmds_context_list_vms(context);
	VmdsVm *vm1 = vmds_fuzz_vm1();
	gboolean removed = FALSE;
	gboolean changed;

	if (vm1 == NULL) {
		vmds_fuzz_rest_stop();
		vmds_fuzz_rest_start();
		vmds_fuzz_rest_reset(FALSE);
		return;
	}
	for (guint i = 0; i < vms->len; i++) {
		VmdsVm *vm = g_ptr_array_index(vms, i);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *id = g_strdup(vm->id);
		if (g_strcmp0(id, "vm-1") == 0)
			continue;
		if (!vmds_context_remove_vm(context, id, &error))
			g_error("cannot remove %s: %s", id, error->message);
		removed = TRUE;
	}
	/* snapshots an input took; a revert to one gave vm-1 a new store */
	while (vm1->snapshots->len > 0) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *id =
		    g_strdup(((VmdsSnapshot *)g_ptr_array_index(vm1->snapshots, 0))->id);
		if (!vmds_context_remove_snapshot(context, vm1, id, &error))
			g_error("cannot remove %s: %s", id, error->message);
	}
	/* vm-1 may have another owner (PATCH), or the index other VMs */
	changed = vmds_fuzz_store_changes(vmds_fuzz_vm1_store()) != vmds_fuzz_changes;
	if (changed || removed || g_strcmp0(vm1->owner, VMDS_FUZZ_OWNER) != 0) {
		vmds_fuzz_check_query_owner();
		vmds_fuzz_owner_reset(vm1);
	}
	if (changed)
		vmds_fuzz_rest_reset(TRUE);
}

/* the caller an input's first line `@NAME` names; the line is then skipped */
static const VmdsCaller *
vmds_fuzz_read_caller(const gchar **text, gsize *size)
{
	const gchar *nl = *size > 0 && (*text)[0] == '@' ? memchr(*text, '\n', *size) : NULL;

	for (guint i = 0; nl != NULL && i < G_N_ELEMENTS(vmds_fuzz_callers); i++) {
		if (strlen(vmds_fuzz_callers[i].name) == (gsize)(nl - *text) &&
		    memcmp(vmds_fuzz_callers[i].name, *text, (gsize)(nl - *text)) == 0) {
			*size -= (gsize)(nl + 1 - *text);
			*text = nl + 1;
			return &vmds_fuzz_callers[i].caller;
		}
	}
	return VMDS_FUZZ_ADMIN;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const gchar *text = (const gchar *)data;
	const VmdsCaller *caller = vmds_fuzz_read_caller(&text, &size);
	const gchar *nl1 = memchr(text, '\n', size);
	const gchar *nl2;
	const gchar *question;
	g_autofree gchar *method = NULL;
	g_autofree gchar *raw_path = NULL;
	g_autofree gchar *query = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *body = NULL;
	gsize body_len;

	if (nl1 == NULL || nl1 == text)
		return 0;
	if (vmds_fuzz_skip_known("json-escape") &&
	    vmds_fuzz_has_bad_escape((const guint8 *)text, size))
		return 0;
	nl2 = memchr(nl1 + 1, '\n', size - (gsize)(nl1 + 1 - text));
	if (nl2 == NULL)
		nl2 = text + size;
	method = g_strndup(text, (gsize)(nl1 - text));
	if (strlen(method) != (gsize)(nl1 - text) || memchr(nl1 + 1, '\0', nl2 - nl1 - 1) != NULL)
		return 0; /* not on an HTTP request line */
	question = memchr(nl1 + 1, '?', nl2 - nl1 - 1);
	raw_path = g_strndup(nl1 + 1, (gsize)((question != NULL ? question : nl2) - nl1 - 1));
	if (question != NULL)
		query = g_strndup(question + 1, (gsize)(nl2 - question - 1));
	if (raw_path[0] != '/')
		return 0; /* libsoup answers 400 */
	/* the daemon's server keeps paths as sent (raw-paths): the router
	 * decodes each segment itself */
	path = g_strdup(raw_path);
	if (query != NULL && vmds_fuzz_skip_known("query-500")) {
		g_autoptr(GHashTable) params =
		    g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL);
		if (params == NULL)
			return 0;
	}
	body_len = nl2 < text + size ? size - (gsize)(nl2 + 1 - text) : 0;
	body = g_malloc(body_len + 1);
	if (body_len > 0)
		memcpy(body, nl2 + 1, body_len);
	body[body_len] = '\0';

	for (guint i = 0; i < G_N_ELEMENTS(vmds_fuzz_secrets); i++)
		vmds_fuzz_input_secrets[i] = vmds_fuzz_holds(text, size, vmds_fuzz_secrets[i]);
	vmds_fuzz_rest_call(caller, method, path, query, body, body_len, NULL);
	vmds_fuzz_rest_restore();
	memset(vmds_fuzz_input_secrets, 0, sizeof(vmds_fuzz_input_secrets));
	return 0;
}

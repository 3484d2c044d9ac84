/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-users-plugin.h"

/*
 * The daemon's own routes, `/api/vmds/...`, for administrators only (the
 * router refuses anyone else 403 before they run): the users
 * (`/api/vmds/users`), and the routes this daemon serves with its plugins
 * (`/api/vmds/routes`). vSphere manages its users in its single sign-on
 * service, outside the Automation API, so these follow its conventions
 * under a path of ours: a create spec with `name` answered `201 "id"`, a
 * list of summaries named after the resource (`user`), PATCH with the
 * members to change, DELETE.
 *
 * A password is hashed (Argon2id, 40 ms and 19 MiB) in a worker thread,
 * never in the main one: a create or a password change defers its reply
 * until the hash is made, then writes the user.
 */

/* how long a reply may wait for its password's hash */
#define VMDS_USERS_PLUGIN_HASH_TIMEOUT_MS 60000

struct _VmdsUsersPlugin {
	VmdsPlugin parent_instance;
	VmdsUsers *users;   /* the daemon's */
	VmdsRouter *router; /* the REST server's */
};

G_DEFINE_FINAL_TYPE(VmdsUsersPlugin, vmds_users_plugin, VMDS_TYPE_PLUGIN)

static void
vmds_users_plugin_append_user(GString *out, const gchar *id_member, const VmdsUser *user)
{
	g_string_append_printf(out, "{\"%s\":", id_member);
	vmds_json_append_string(out, user->name, -1);
	g_string_append_printf(out,
			       ",\"role\":\"%s\",\"vcenter_metadata\":%s,\"built_in\":%s}",
			       vmds_user_role_to_string(user->role),
			       user->vcenter_metadata ? "true" : "false",
			       user->built_in ? "true" : "false");
}

/* GET /api/vmds/users */
static gboolean
vmds_users_plugin_list(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsUsersPlugin *self = VMDS_USERS_PLUGIN(plugin);
	g_autoptr(GPtrArray) users = vmds_users_list(self->users);

	g_string_append_c(request->response, '[');
	for (guint i = 0; i < users->len; i++) {
		if (i > 0)
			g_string_append_c(request->response, ',');
		vmds_users_plugin_append_user(
		    request->response, "user", g_ptr_array_index(users, i));
	}
	g_string_append_c(request->response, ']');
	return TRUE;
}

/* the user of the path: a name no user can have is no user */
static VmdsUser *
vmds_users_plugin_lookup(VmdsUsersPlugin *self, VmdsRequest *request, GError **error)
{
	const gchar *name = g_hash_table_lookup(request->params, "user");
	VmdsUser *user = vmds_users_lookup(self->users, name);

	if (user == NULL) {
		g_autofree gchar *quoted = vmds_json_abbreviate(name);
		g_set_error(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND, "no user '%s'", quoted);
	}
	return user;
}

/* GET /api/vmds/users/{user} */
static gboolean
vmds_users_plugin_get(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	g_autoptr(VmdsUser) user =
	    vmds_users_plugin_lookup(VMDS_USERS_PLUGIN(plugin), request, error);

	if (user == NULL)
		return FALSE;
	vmds_users_plugin_append_user(request->response, "name", user);
	return TRUE;
}

/* what a POST or a PATCH asks for, checked, on its way through the hashing
 * thread */
typedef struct {
	VmdsUsersPlugin *plugin; /* a reference */
	VmdsDeferred *deferred;	 /* (nullable): until the reply went */
	gchar *name;
	gboolean create;
	VmdsUserRole role;
	gboolean set_role;
	gboolean vcenter_metadata;
	gboolean set_vcenter_metadata;
	gchar *password; /* (nullable): wiped once hashed */
	gchar *hash;	 /* (nullable): made of it */
} VmdsUsersPluginChange;

static void
vmds_users_plugin_change_free(VmdsUsersPluginChange *change)
{
	vmds_user_wipe(change->password);
	g_free(change->password);
	g_free(change->hash);
	g_free(change->name);
	if (change->deferred != NULL)
		vmds_deferred_unref(change->deferred);
	g_object_unref(change->plugin);
	g_free(change);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsUsersPluginChange, vmds_users_plugin_change_free)

/* the change, written */
static gboolean
vmds_users_plugin_apply(VmdsUsersPluginChange *change, GError **error)
{
	VmdsUsers *users = change->plugin->users;

	if (change->create)
		return vmds_users_add(users,
				      change->name,
				      change->role,
				      change->vcenter_metadata,
				      change->hash,
				      error);
	if (!vmds_users_update(users,
			       change->name,
			       change->set_role ? &change->role : NULL,
			       change->set_vcenter_metadata ? &change->vcenter_metadata : NULL,
			       change->hash,
			       error))
		return FALSE;
	if (change->hash != NULL)
		g_message("the password of user %s changed: its sessions ended", change->name);
	return TRUE;
}

/* the reply to a change: created (201 and the name) or done (204) */
static void
vmds_users_plugin_reply(VmdsUsersPluginChange *change, guint *status, GString *response)
{
	if (change->create) {
		g_message("user %s added, role %s%s",
			  change->name,
			  vmds_user_role_to_string(change->role),
			  change->vcenter_metadata ? ", right vcenter-metadata" : "");
		*status = 201;
		vmds_json_append_string(response, change->name, -1);
		return;
	}
	*status = 204;
}

/* worker thread: the hash of the password, which is then wiped */
static void
vmds_users_plugin_hash_cb(GTask *task,
			  gpointer source_object,
			  gpointer task_data,
			  GCancellable *cancellable)
{
	VmdsUsersPluginChange *change = task_data;
	GError *error = NULL;

	change->hash = vmds_user_hash_password(change->password, &error);
	vmds_user_wipe(change->password);
	g_clear_pointer(&change->password, g_free);
	if (change->hash == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_boolean(task, TRUE);
}

/* main thread: the hash is made; the change is written and answered,
 * unless the reply is no longer wanted (its client went, or it timed out) */
static void
vmds_users_plugin_hashed_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	VmdsUsersPluginChange *change = g_task_get_task_data(G_TASK(result));
	GError *error = NULL;
	guint status = 0;

	if (vmds_deferred_is_done(change->deferred)) {
		g_info("user %s not changed: its request was abandoned", change->name);
		return;
	}
	if (g_task_propagate_boolean(G_TASK(result), &error) &&
	    vmds_users_plugin_apply(change, &error)) {
		vmds_users_plugin_reply(change, &status, vmds_deferred_get_reply(change->deferred));
		vmds_deferred_set_status(change->deferred, status);
	}
	vmds_deferred_return(g_steal_pointer(&change->deferred), error);
}

/*
 * Carries out @change: at once without a new password; else once its hash
 * is made in a worker thread, the reply deferred meanwhile. The password's
 * copy in the JSON body is wiped.
 */
static gboolean
vmds_users_plugin_run(VmdsUsersPluginChange *change_in,
		      VmdsRequest *request,
		      JsonObject *obj,
		      GError **error)
{
	g_autoptr(VmdsUsersPluginChange) change = change_in;
	g_autoptr(GTask) task = NULL;
	JsonNode *node = json_object_get_member(obj, "password");

	if (node != NULL) {
		change->password = g_strdup(json_node_get_string(node));
		/* the parsed body's copy: json-glib's, heap */
		vmds_user_wipe((gchar *)json_node_get_string(node));
	}
	if (change->password == NULL) {
		if (!vmds_users_plugin_apply(change, error))
			return FALSE;
		vmds_users_plugin_reply(change, &request->status, request->response);
		return TRUE;
	}
	change->deferred = vmds_request_defer(request, VMDS_USERS_PLUGIN_HASH_TIMEOUT_MS);
	task = g_task_new(change->plugin, NULL, vmds_users_plugin_hashed_cb, NULL);
	g_task_set_task_data(
	    task, g_steal_pointer(&change), (GDestroyNotify)vmds_users_plugin_change_free);
	g_task_run_in_thread(task, vmds_users_plugin_hash_cb);
	return TRUE;
}

/* the members a POST and a PATCH share, type-checked into @change */
static gboolean
vmds_users_plugin_parse(JsonObject *obj, VmdsUsersPluginChange *change, GError **error)
{
	const gchar *role = NULL;
	const gchar *password = NULL;

	if (!vmds_json_object_get_string(obj, "role", FALSE, &role, error) ||
	    !vmds_json_object_get_string(obj, "password", FALSE, &password, error) ||
	    !vmds_json_object_get_boolean(obj,
					  "vcenter_metadata",
					  &change->vcenter_metadata,
					  &change->set_vcenter_metadata,
					  error))
		return FALSE;
	if (role != NULL) {
		if (!vmds_user_role_from_string(role, &change->role, error))
			return FALSE;
		change->set_role = TRUE;
	}
	return password == NULL || vmds_user_check_password(password, error);
}

static VmdsUsersPluginChange *
vmds_users_plugin_change_new(VmdsUsersPlugin *self, const gchar *name, gboolean create)
{
	VmdsUsersPluginChange *change = g_new0(VmdsUsersPluginChange, 1);

	change->plugin = g_object_ref(self);
	change->name = g_strdup(name);
	change->create = create;
	change->role = VMDS_USER_ROLE_USER;
	return change;
}

/* POST /api/vmds/users {"name", "password", "role"?, "vcenter_metadata"?} */
static gboolean
vmds_users_plugin_create(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *const allowed[] = {"name", "password", "role", "vcenter_metadata", NULL};
	VmdsUsersPlugin *self = VMDS_USERS_PLUGIN(plugin);
	g_autoptr(JsonObject) obj = vmds_json_parse_object(request->body, request->body_len, error);
	g_autoptr(VmdsUsersPluginChange) change = NULL;
	g_autoptr(VmdsUser) existing = NULL;
	const gchar *name = NULL;

	if (obj == NULL || !vmds_json_object_check_members(obj, allowed, error) ||
	    !vmds_json_object_get_string(obj, "name", TRUE, &name, error) ||
	    !vmds_user_check_name(name, error))
		return FALSE;
	change = vmds_users_plugin_change_new(self, name, TRUE);
	if (!vmds_users_plugin_parse(obj, change, error))
		return FALSE;
	if (!json_object_has_member(obj, "password")) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "missing member 'password'");
		return FALSE;
	}
	/* refused before the hash is made; checked again once it is */
	existing = vmds_users_lookup(self->users, name);
	if (existing != NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_ALREADY_EXISTS,
			    existing->built_in ? "'%s' is the configured administrator's name"
					       : "a user named '%s' exists already",
			    name);
		return FALSE;
	}
	return vmds_users_plugin_run(g_steal_pointer(&change), request, obj, error);
}

/* PATCH /api/vmds/users/{user} {"password"?, "role"?, "vcenter_metadata"?} */
static gboolean
vmds_users_plugin_update(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	const gchar *const allowed[] = {"password", "role", "vcenter_metadata", NULL};
	VmdsUsersPlugin *self = VMDS_USERS_PLUGIN(plugin);
	g_autoptr(JsonObject) obj = vmds_json_parse_object(request->body, request->body_len, error);
	g_autoptr(VmdsUsersPluginChange) change = NULL;
	g_autoptr(VmdsUser) user = NULL;

	if (obj == NULL || !vmds_json_object_check_members(obj, allowed, error))
		return FALSE;
	user = vmds_users_plugin_lookup(self, request, error);
	if (user == NULL)
		return FALSE;
	change = vmds_users_plugin_change_new(self, user->name, FALSE);
	if (!vmds_users_plugin_parse(obj, change, error))
		return FALSE;
	/* refused before the hash is made */
	if (user->built_in)
		return vmds_users_update(self->users, user->name, NULL, NULL, NULL, error);
	return vmds_users_plugin_run(g_steal_pointer(&change), request, obj, error);
}

/* DELETE /api/vmds/users/{user}: refused while it owns VMs, so a VM never
 * has an owner that is no user (and a user made later with the name never
 * finds VMs it did not make) */
static gboolean
vmds_users_plugin_delete(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	VmdsUsersPlugin *self = VMDS_USERS_PLUGIN(plugin);
	g_autoptr(VmdsUser) user = vmds_users_plugin_lookup(self, request, error);
	g_autoptr(GPtrArray) vms = NULL;
	g_autoptr(GString) owned = g_string_new(NULL);

	if (user == NULL)
		return FALSE;
	vms = vmds_context_list_vms(vmds_plugin_get_context(plugin));
	for (guint i = 0; i < vms->len; i++) {
		VmdsVm *vm = g_ptr_array_index(vms, i);
		if (g_strcmp0(vm->owner, user->name) != 0)
			continue;
		g_string_append_printf(owned, "%s%s", owned->len > 0 ? ", " : "", vm->id);
	}
	if (owned->len > 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_RESOURCE_IN_USE,
			    "user '%s' owns VMs (%s): delete them or give them another owner "
			    "first",
			    user->name,
			    owned->str);
		return FALSE;
	}
	if (!vmds_users_remove(self->users, user->name, error))
		return FALSE;
	g_message("user %s removed: its sessions ended", user->name);
	request->status = 204;
	return TRUE;
}

/* GET /api/vmds/routes: what the daemon serves, in the order requests are
 * matched; a route with `{vm}` answers a user only for its own VMs */
static gboolean
vmds_users_plugin_routes(VmdsPlugin *plugin, VmdsRequest *request, GError **error)
{
	GPtrArray *routes = vmds_router_get_routes(VMDS_USERS_PLUGIN(plugin)->router);

	g_string_append_c(request->response, '[');
	for (guint i = 0; i < routes->len; i++) {
		VmdsRoute *route = g_ptr_array_index(routes, i);
		if (i > 0)
			g_string_append_c(request->response, ',');
		g_string_append(request->response, "{\"method\":");
		vmds_json_append_string(request->response, route->method, -1);
		g_string_append(request->response, ",\"path\":");
		vmds_json_append_string(request->response, route->pattern, -1);
		g_string_append(request->response, ",\"plugin\":");
		vmds_json_append_string(request->response,
					route->plugin != NULL ? vmds_plugin_get_name(route->plugin)
							      : "",
					-1);
		g_string_append_printf(
		    request->response,
		    ",\"administrators_only\":%s}",
		    (route->flags & VMDS_ROUTE_FLAG_ADMINISTRATOR) != 0 ? "true" : "false");
	}
	g_string_append_c(request->response, ']');
	return TRUE;
}

static gboolean
vmds_users_plugin_startup(VmdsPlugin *plugin, GError **error)
{
	const gchar *users = "/api/vmds/users";
	const gchar *user = "/api/vmds/users/{user}";

	vmds_plugin_add_route(
	    plugin, "GET", users, vmds_users_plugin_list, VMDS_ROUTE_FLAG_ADMINISTRATOR);
	vmds_plugin_add_route(
	    plugin, "POST", users, vmds_users_plugin_create, VMDS_ROUTE_FLAG_ADMINISTRATOR);
	vmds_plugin_add_route(
	    plugin, "GET", user, vmds_users_plugin_get, VMDS_ROUTE_FLAG_ADMINISTRATOR);
	vmds_plugin_add_route(
	    plugin, "PATCH", user, vmds_users_plugin_update, VMDS_ROUTE_FLAG_ADMINISTRATOR);
	vmds_plugin_add_route(
	    plugin, "DELETE", user, vmds_users_plugin_delete, VMDS_ROUTE_FLAG_ADMINISTRATOR);
	vmds_plugin_add_route(plugin,
			      "GET",
			      "/api/vmds/routes",
			      vmds_users_plugin_routes,
			      VMDS_ROUTE_FLAG_ADMINISTRATOR);
	return TRUE;
}

static void
vmds_users_plugin_init(VmdsUsersPlugin *self)
{
}

static void
vmds_users_plugin_class_init(VmdsUsersPluginClass *klass)
{
	VMDS_PLUGIN_CLASS(klass)->startup = vmds_users_plugin_startup;
}

/**
 * vmds_users_plugin_new:
 * @users: the daemon's users; borrowed, it must outlive the plugin
 * @router: the REST server's router, whose routes `/api/vmds/routes` lists
 *
 * Returns: (transfer full): the built-in `users` plugin
 */
VmdsPlugin *
vmds_users_plugin_new(VmdsUsers *users, VmdsRouter *router)
{
	VmdsUsersPlugin *self = g_object_new(VMDS_TYPE_USERS_PLUGIN, "name", "users", NULL);

	self->users = users;
	self->router = router;
	return VMDS_PLUGIN(self);
}

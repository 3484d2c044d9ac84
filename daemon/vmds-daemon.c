/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmds-backchannel.h"
#include "vmds-daemon.h"
#include "vmds-dispatch.h"
#include "vmds-durable.h"
#include "vmds-http.h"
#include "vmds-plugin-loader.h"
#include "vmds-safe-path.h"
#include "vmds-sessions.h"
#include "vmds-snapshots.h"
#include "vmds-users-plugin.h"
#include "vmds-users.h"
#include "vmds-vm-plugin.h"

/*
 * The daemon: owns the configuration, the VM inventory, the users, the
 * guest backchannels, the REST server and the plugins. It is the
 * VmdsContext the plugins see: the VM inventory, the configuration, the
 * directories. Every VM it is asked to give an owner (create, clone,
 * import, a new owner) is checked here against the users.
 */

/* in the run dir: held locked while a daemon serves it */
#define VMDS_LOCK_FILE "vmdsd.lock"

struct _VmdsDaemon {
	VmdsContext parent_instance;
	VmdsDaemonOptions options;
	VmdsConfig *config;
	VmdsInventory *inventory;
	VmdsUsers *users;
	VmdsBackchannel *backchannel;
	VmdsHttp *http;
	GPtrArray *plugins;	/* of VmdsPlugin */
	VmdsDispatch *dispatch; /* the plugins' guest commands */
	GMainLoop *loop;
	gchar *url_file;
	gint lock_fd; /* <run-dir>/vmdsd.lock, locked while the daemon runs */
};

G_DEFINE_FINAL_TYPE(VmdsDaemon, vmds_daemon, VMDS_TYPE_CONTEXT)

static VmdsVm *
vmds_daemon_lookup_cid_cb(guint32 cid, gpointer user_data)
{
	VmdsDaemon *self = VMDS_DAEMON(user_data);
	VmdsVm *vm = vmds_inventory_lookup_cid(self->inventory, cid);
	return vm != NULL && vm->store != NULL ? vm : NULL;
}

static GPtrArray *
vmds_daemon_list_vms(VmdsContext *context)
{
	return vmds_inventory_list(VMDS_DAEMON(context)->inventory);
}

static VmdsVm *
vmds_daemon_lookup_vm(VmdsContext *context, const gchar *id)
{
	return vmds_inventory_lookup(VMDS_DAEMON(context)->inventory, id);
}

static gchar *
vmds_daemon_get_backchannel(VmdsContext *context, VmdsVm *vm)
{
	return vmds_paths_socket(VMDS_DAEMON(context)->config->run_dir, vm->id);
}

/* @owner: a user of the daemon that may own VMs (not the configured
 * administrator, who sees them all), or %NULL */
static gboolean
vmds_daemon_check_owner(VmdsDaemon *self, const gchar *owner, GError **error)
{
	g_autoptr(VmdsUser) user = NULL;
	g_autofree gchar *quoted = NULL;

	if (owner == NULL)
		return TRUE;
	user = vmds_users_lookup(self->users, owner);
	if (user != NULL && !user->built_in)
		return TRUE;
	quoted = vmds_json_abbreviate(owner);
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    user == NULL ? "owner: no user named '%s'"
				 : "owner: '%s' is the configured administrator, who sees every "
				   "VM: give no owner",
		    quoted);
	return FALSE;
}

/*
 * Creates a VM with its store (written by @fill: a clone's, an import's;
 * else empty) and starts serving its backchannel. When that fails, nothing
 * of the VM is left but its id, which is never reused.
 */
static VmdsVm *
vmds_daemon_add_vm(VmdsDaemon *self,
		   const gchar *how,
		   const gchar *name,
		   const gchar *owner,
		   guint32 cid,
		   const gchar *socket_owner,
		   const gchar *socket_group,
		   VmdsInventoryFill fill,
		   gpointer fill_data,
		   GError **error)
{
	VmdsVm *vm = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(GError) error_local = NULL;

	if (!vmds_daemon_check_owner(self, owner, error))
		return NULL;
	vm = vmds_inventory_create(
	    self->inventory, name, owner, cid, socket_owner, socket_group, fill, fill_data, error);
	if (vm == NULL)
		return NULL;
	path = vmds_context_get_backchannel(VMDS_CONTEXT(self), vm);
	if (!vmds_backchannel_add_vm(self->backchannel, vm, path, error)) {
		g_autofree gchar *id = g_strdup(vm->id);
		if (!vmds_inventory_remove(self->inventory, id, &error_local))
			g_warning("cannot undo creating %s: %s", id, error_local->message);
		vmds_error_convert(error);
		return NULL;
	}
	g_message("%s VM %s (%s), backchannel %s%s%s",
		  how,
		  vm->id,
		  vm->name,
		  path,
		  owner != NULL ? ", owner " : "",
		  owner != NULL ? owner : "");
	vmds_context_vm_added(VMDS_CONTEXT(self), vm);
	return vm;
}

static VmdsVm *
vmds_daemon_create_vm(VmdsContext *context,
		      const gchar *name,
		      const gchar *owner,
		      guint32 cid,
		      const gchar *socket_owner,
		      const gchar *socket_group,
		      GError **error)
{
	return vmds_daemon_add_vm(VMDS_DAEMON(context),
				  "created",
				  name,
				  owner,
				  cid,
				  socket_owner,
				  socket_group,
				  NULL,
				  NULL,
				  error);
}

/* a clone's store: the source's, less what the copy rules leave out */
static gboolean
vmds_daemon_fill_clone(const gchar *path, gpointer data, GError **error)
{
	VmdsVm *source = data;
	return vmds_store_copy(source->store, path, VMDS_STORE_COPY_NONE, error);
}

static VmdsVm *
vmds_daemon_clone_vm(VmdsContext *context,
		     VmdsVm *source,
		     const gchar *name,
		     const gchar *owner,
		     guint32 cid,
		     const gchar *socket_owner,
		     const gchar *socket_group,
		     GError **error)
{
	g_autofree gchar *how = NULL;

	if (source->store == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE,
			    "VM %s is not served here: clone it on the daemon that serves it",
			    source->id);
		return NULL;
	}
	/* an export under way: refused before an id is spent */
	if (!vmds_store_check_idle(source->store, error))
		return NULL;
	how = g_strdup_printf("cloned %s as", source->id);
	return vmds_daemon_add_vm(VMDS_DAEMON(context),
				  how,
				  name,
				  owner,
				  cid,
				  socket_owner,
				  socket_group,
				  vmds_daemon_fill_clone,
				  source,
				  error);
}

typedef struct {
	VmdsDaemon *daemon;
	gint fd;
	goffset offset;
	goffset size;
} VmdsDaemonImport;

/* an import's store: its bytes of the export file, if they are a sound
 * store of components this build serves */
static gboolean
vmds_daemon_fill_import(const gchar *path, gpointer data, GError **error)
{
	VmdsDaemonImport *import = data;
	g_autoptr(VmdsStore) store = NULL;
	g_autoptr(GError) error_local = NULL;

	if (!vmds_durable_copy_range(import->fd, import->offset, import->size, path, error) ||
	    !vmds_store_leave_wal(path, error) || !vmds_store_check_file(path, error))
		return FALSE;
	store = vmds_store_open(
	    path, vmds_inventory_get_schemas(import->daemon->inventory), &error_local);
	if (store == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "the exported store cannot be served here: %s",
			    error_local->message);
		return FALSE;
	}
	vmds_store_close(store);
	return TRUE;
}

static VmdsVm *
vmds_daemon_import_vm(VmdsContext *context,
		      const gchar *name,
		      const gchar *owner,
		      guint32 cid,
		      gint fd,
		      goffset offset,
		      goffset size,
		      GError **error)
{
	VmdsDaemonImport import = {VMDS_DAEMON(context), fd, offset, size};

	return vmds_daemon_add_vm(VMDS_DAEMON(context),
				  "imported",
				  name,
				  owner,
				  cid,
				  NULL,
				  NULL,
				  vmds_daemon_fill_import,
				  &import,
				  error);
}

static gboolean
vmds_daemon_set_vm_owner(VmdsContext *context, VmdsVm *vm, const gchar *owner, GError **error)
{
	VmdsDaemon *self = VMDS_DAEMON(context);

	if (!vmds_daemon_check_owner(self, owner, error) ||
	    !vmds_inventory_set_owner(self->inventory, vm, owner, error))
		return FALSE;
	g_message("%s: owner %s", vm->id, owner != NULL ? owner : "none (the administrators)");
	return TRUE;
}

static VmdsSnapshot *
vmds_daemon_get_snapshot(VmdsContext *context, VmdsVm *vm, const gchar *id, GError **error)
{
	return vmds_inventory_get_snapshot(VMDS_DAEMON(context)->inventory, vm, id, error);
}

/* a lifecycle operation needs the VM's store open here */
static gboolean
vmds_daemon_check_served(VmdsVm *vm, GError **error)
{
	if (vm->store != NULL)
		return TRUE;
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE,
		    "VM %s is not served here (%s)",
		    vm->id,
		    vm->unavailable != NULL ? vm->unavailable : "no store");
	return FALSE;
}

static VmdsSnapshot *
vmds_daemon_create_snapshot(
    VmdsContext *context, VmdsVm *vm, const gchar *name, const gchar *description, GError **error)
{
	VmdsDaemon *self = VMDS_DAEMON(context);
	VmdsSnapshot *snapshot;

	if (!vmds_daemon_check_served(vm, error))
		return NULL;
	snapshot = vmds_inventory_snapshot(
	    self->inventory, vm, name, description, self->config->max_snapshots, error);
	if (snapshot != NULL)
		g_message("%s: took %s (%" G_GUINT64_FORMAT " bytes)",
			  vm->id,
			  snapshot->id,
			  snapshot->size);
	return snapshot;
}

static gboolean
vmds_daemon_remove_snapshot(VmdsContext *context, VmdsVm *vm, const gchar *id, GError **error)
{
	VmdsDaemon *self = VMDS_DAEMON(context);

	if (vmds_inventory_get_snapshot(self->inventory, vm, id, error) == NULL ||
	    !vmds_snapshots_remove(vm, id, error))
		return FALSE;
	g_message("%s: deleted %s", vm->id, id);
	return TRUE;
}

static gboolean
vmds_daemon_revert_snapshot(VmdsContext *context, VmdsVm *vm, const gchar *id, GError **error)
{
	VmdsDaemon *self = VMDS_DAEMON(context);

	if (!vmds_daemon_check_served(vm, error) ||
	    !vmds_inventory_revert(self->inventory, vm, id, error))
		return FALSE;
	g_message("%s: reverted to %s", vm->id, id);
	return TRUE;
}

/* stops serving the VM and removes it, its store and its socket */
static gboolean
vmds_daemon_remove_vm(VmdsContext *context, const gchar *id, GError **error)
{
	VmdsDaemon *self = VMDS_DAEMON(context);
	VmdsVm *vm = vmds_inventory_lookup(self->inventory, id);

	/* not while an export reads its store */
	if (vm != NULL && vm->store != NULL && !vmds_store_check_idle(vm->store, error))
		return FALSE;
	if (vm != NULL) {
		vmds_context_vm_removed(context, vm);
		vmds_backchannel_remove_vm(self->backchannel, vm);
	}
	if (!vmds_inventory_remove(self->inventory, id, error))
		return FALSE;
	g_message("removed VM %s", id);
	return TRUE;
}

/* command line over the environment over the config file over the defaults */
static void
vmds_daemon_resolve_dirs(VmdsDaemon *self, VmdsConfig *config)
{
	if (self->options.state_dir != NULL || g_getenv("VMDS_STATE_DIR") != NULL ||
	    config->state_dir == NULL) {
		g_free(config->state_dir);
		config->state_dir = self->options.state_dir != NULL
					? g_strdup(self->options.state_dir)
					: vmds_paths_state_dir();
	}
	if (self->options.run_dir != NULL || g_getenv("VMDS_RUN_DIR") != NULL ||
	    config->run_dir == NULL) {
		g_free(config->run_dir);
		config->run_dir = self->options.run_dir != NULL ? g_strdup(self->options.run_dir)
								: vmds_paths_run_dir();
	}
	if (g_getenv("VMDS_PLUGINDIR") != NULL || config->plugin_dir == NULL) {
		g_free(config->plugin_dir);
		config->plugin_dir =
		    g_strdup(g_getenv("VMDS_PLUGINDIR") != NULL ? g_getenv("VMDS_PLUGINDIR")
								: VMDS_PLUGINDIR);
	}
	if (self->options.http_listen != NULL) {
		g_free(config->http_listen);
		config->http_listen = g_strdup(self->options.http_listen);
	}
	if (config->http_socket == NULL)
		config->http_socket = g_build_filename(config->run_dir, VMDS_API_SOCKET_FILE, NULL);
}

/*
 * The soft descriptor limit is often 1,024 while the hard one is far higher:
 * every guest connection, REST connection and VM store takes descriptors,
 * so the daemon takes all it may have.
 */
static void
vmds_daemon_raise_fd_limit(void)
{
	struct rlimit lim = {0};
	rlim_t was;

	if (getrlimit(RLIMIT_NOFILE, &lim) < 0 || lim.rlim_cur >= lim.rlim_max)
		return;
	was = lim.rlim_cur;
	lim.rlim_cur = lim.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &lim) < 0) {
		g_warning("cannot raise the descriptor limit from %lu to %lu: %s",
			  (gulong)was,
			  (gulong)lim.rlim_max,
			  g_strerror(errno));
		return;
	}
	g_info("descriptor limit raised from %lu to %lu", (gulong)was, (gulong)lim.rlim_max);
}

static VmdsConfig *
vmds_daemon_load_config(VmdsDaemon *self, GError **error)
{
	g_autofree gchar *path = self->options.config_path != NULL
				     ? g_strdup(self->options.config_path)
				     : vmds_paths_config_file();
	g_autoptr(VmdsConfig) config =
	    vmds_config_load(path, self->options.config_path != NULL, error);

	if (config == NULL)
		return NULL;
	vmds_daemon_resolve_dirs(self, config);
	return g_steal_pointer(&config);
}

/*
 * The configured password file, or one generated in the state dir. Either
 * must be owned by root or the daemon's user, open to no one else (0600),
 * and in directories no one else can change.
 */
static gchar *
vmds_daemon_load_password(VmdsDaemon *self, GError **error)
{
	g_autofree gchar *path =
	    self->config->password_file != NULL
		? g_strdup(self->config->password_file)
		: g_build_filename(self->config->state_dir, VMDS_ADMIN_PASSWORD_FILE, NULL);
	g_autofree gchar *data = NULL;

	if (self->config->password_file == NULL && !g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_autofree gchar *secret = vmds_secret_new(18);
		g_autofree gchar *line = g_strdup_printf("%s\n", secret);
		if (!g_file_set_contents_full(path,
					      line,
					      -1,
					      G_FILE_SET_CONTENTS_CONSISTENT |
						  G_FILE_SET_CONTENTS_DURABLE,
					      0600,
					      error))
			return NULL;
		memset(line, 0, strlen(line));
		g_message(
		    "generated the REST password of user %s in %s", self->config->username, path);
	}
	data = vmds_safe_path_read(path, VMDS_SAFE_PATH_FLAG_PRIVATE, NULL, error);
	if (data == NULL) {
		g_prefix_error(error, "cannot use the REST password: ");
		return NULL;
	}
	g_strchomp(data);
	if (data[0] == '\0') {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "the REST password file %s is empty",
			    path);
		return NULL;
	}
	return g_steal_pointer(&data);
}

/*
 * Hands @keyfile to every plugin; should one refuse it, those before it get
 * @previous back (at start there is none: the daemon does not start)
 */
static gboolean
vmds_daemon_configure_plugins(VmdsDaemon *self,
			      GKeyFile *keyfile,
			      GKeyFile *previous,
			      GError **error)
{
	for (guint i = 0; i < self->plugins->len; i++) {
		VmdsPlugin *plugin = g_ptr_array_index(self->plugins, i);
		if (vmds_plugin_configure(plugin, keyfile, error))
			continue;
		g_prefix_error(error, "plugin %s: ", vmds_plugin_get_name(plugin));
		for (guint j = 0; j < i && previous != NULL; j++) {
			g_autoptr(GError) error_local = NULL;
			plugin = g_ptr_array_index(self->plugins, j);
			if (!vmds_plugin_configure(plugin, previous, &error_local))
				g_warning("plugin %s: %s",
					  vmds_plugin_get_name(plugin),
					  error_local->message);
		}
		return FALSE;
	}
	vmds_context_set_config(VMDS_CONTEXT(self), keyfile);
	return TRUE;
}

/* a group of the file that neither the daemon nor a plugin reads is a typo
 * or a plugin not installed: said once, not refused */
static void
vmds_daemon_check_groups(VmdsDaemon *self)
{
	g_auto(GStrv) groups = g_key_file_get_groups(self->config->keyfile, NULL);

	for (guint i = 0; groups[i] != NULL; i++) {
		gboolean known = vmds_config_has_group(groups[i]);
		for (guint j = 0; j < self->plugins->len && !known; j++)
			known = g_strcmp0(vmds_plugin_get_name(g_ptr_array_index(self->plugins, j)),
					  groups[i]) == 0;
		if (!known)
			g_warning("%s: no plugin loaded reads the group [%s]: ignored",
				  self->config->path != NULL ? self->config->path : "the config",
				  groups[i]);
	}
}

/* the settings of self->config, everywhere; @previous is what the plugins
 * had, if anything */
static gboolean
vmds_daemon_apply_config(VmdsDaemon *self, GKeyFile *previous, GError **error)
{
	g_autofree gchar *password = vmds_daemon_load_password(self, error);

	if (password == NULL ||
	    !vmds_daemon_configure_plugins(self, self->config->keyfile, previous, error))
		return FALSE;
	vmds_daemon_check_groups(self);
	vmds_backchannel_set_config(self->backchannel, self->config);
	vmds_http_set_config(self->http, self->config);
	vmds_users_set_admin(self->users, self->config->username);
	vmds_http_set_credentials(self->http, self->config->username, password);
	memset(password, 0, strlen(password));
	return TRUE;
}

/* @plugin's schemas, but those another plugin brought already: plugins
 * that share tables (vApp writes the guestinfo variable ovfEnv) declare
 * the same component, of the same steps */
static gboolean
vmds_daemon_take_schemas(GPtrArray *schemas, VmdsPlugin *plugin, GError **error)
{
	GPtrArray *theirs = vmds_plugin_get_schemas(plugin);

	for (guint i = 0; i < theirs->len; i++) {
		const VmdsStoreSchema *schema = g_ptr_array_index(theirs, i);
		const VmdsStoreSchema *known = NULL;
		for (guint j = 0; j < schemas->len && known == NULL; j++) {
			const VmdsStoreSchema *other = g_ptr_array_index(schemas, j);
			if (g_strcmp0(other->component, schema->component) == 0)
				known = other;
		}
		if (known == NULL) {
			g_ptr_array_add(schemas, (gpointer)schema);
			continue;
		}
		if (known->n_steps != schema->n_steps) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_UNSUPPORTED,
				    "plugin %s brings version %u of the store component %s, "
				    "another plugin version %u: build them from one source tree",
				    vmds_plugin_get_name(plugin),
				    schema->n_steps,
				    schema->component,
				    known->n_steps);
			return FALSE;
		}
	}
	return TRUE;
}

/* the built-in VM routes first, then every plugin found: each configured,
 * started, and its commands, routes and schemas taken */
static gboolean
vmds_daemon_start_plugins(VmdsDaemon *self, GPtrArray *schemas, GError **error)
{
	g_autoptr(GPtrArray) loaded = vmds_plugin_loader_load_dirs(self->config->plugin_dir, error);

	if (loaded == NULL)
		return FALSE;
	g_ptr_array_add(self->plugins, vmds_vm_plugin_new());
	g_ptr_array_add(self->plugins,
			vmds_users_plugin_new(self->users, vmds_http_get_router(self->http)));
	for (guint i = 0; i < loaded->len; i++) {
		VmdsPlugin *plugin = g_ptr_array_index(loaded, i);
		const gchar *name = vmds_plugin_get_name(plugin);
		/* its config group would be the daemon's, or a built-in one's */
		if (vmds_config_has_group(name) || g_strcmp0(name, "vm") == 0 ||
		    g_strcmp0(name, "users") == 0) {
			g_warning("not loading the plugin %s: the name is the daemon's", name);
			continue;
		}
		g_ptr_array_add(self->plugins, g_object_ref(plugin));
	}
	for (guint i = 0; i < self->plugins->len; i++)
		vmds_plugin_set_context(g_ptr_array_index(self->plugins, i), VMDS_CONTEXT(self));
	if (!vmds_daemon_apply_config(self, NULL, error))
		return FALSE;
	for (guint i = 0; i < self->plugins->len; i++) {
		VmdsPlugin *plugin = g_ptr_array_index(self->plugins, i);
		if (!vmds_plugin_startup(plugin, error)) {
			g_prefix_error(
			    error, "plugin %s failed to start: ", vmds_plugin_get_name(plugin));
			return FALSE;
		}
		vmds_dispatch_add_commands(self->dispatch, plugin);
		vmds_http_add_routes(self->http, vmds_plugin_get_routes(plugin));
		if (!vmds_daemon_take_schemas(schemas, plugin, error))
			return FALSE;
		g_info("plugin %s: %u commands, %u routes, %u store schemas",
		       vmds_plugin_get_name(plugin),
		       vmds_plugin_get_commands(plugin)->len,
		       vmds_plugin_get_routes(plugin)->len,
		       vmds_plugin_get_schemas(plugin)->len);
	}
	if (self->plugins->len == 2)
		g_warning("no plugins in %s: guests will get 'Unknown command' for every request",
			  self->config->plugin_dir);
	return TRUE;
}

/*
 * @path, made with its parents if missing (a mode no one else can write),
 * and refused if anyone but root or the daemon's user can change it
 */
static gboolean
vmds_daemon_make_dir(const gchar *path, const gchar *what, GError **error)
{
	if (g_mkdir_with_parents(path, 0755) < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot create the %s %s: %s",
			    what,
			    path,
			    g_strerror(errno));
		return FALSE;
	}
	if (!vmds_safe_path_check_dir(path, error)) {
		g_prefix_error(error, "refusing the %s: ", what);
		return FALSE;
	}
	return TRUE;
}

/*
 * One daemon per run dir: an exclusive flock(2) on <run-dir>/vmdsd.lock,
 * held until the process exits, which holds the daemon's pid. Taken before
 * anything else in the run dir is touched, so a second daemon never
 * replaces the sockets of the first.
 */
static gboolean
vmds_daemon_lock_run_dir(VmdsDaemon *self, GError **error)
{
	const gchar *run_dir = self->config->run_dir;
	g_autofree gchar *path = g_build_filename(run_dir, VMDS_LOCK_FILE, NULL);
	g_autofree gchar *pid = g_strdup_printf("%d\n", (gint)getpid());
	gint fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		gint errsv = fd < 0 ? errno : EINVAL;
		if (fd >= 0)
			close(fd);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot open the lock file %s: %s",
			    path,
			    fd < 0 ? g_strerror(errsv) : "not a regular file");
		return FALSE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		gint errsv = errno;
		gchar buf[32] = {0};
		gint64 other = 0;
		if (errsv != EWOULDBLOCK) {
			close(fd);
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_STORAGE,
				    "cannot lock %s: %s",
				    path,
				    g_strerror(errsv));
			return FALSE;
		}
		if (pread(fd, buf, sizeof(buf) - 1, 0) > 0)
			other = g_ascii_strtoll(buf, NULL, 10);
		close(fd);
		if (other > 0)
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_RESOURCE_IN_USE,
				    "another vmdsd (pid %" G_GINT64_FORMAT ") serves %s",
				    other,
				    run_dir);
		else
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_RESOURCE_IN_USE,
				    "another vmdsd serves %s",
				    run_dir);
		return FALSE;
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
		g_warning("cannot write the pid into %s: %s", path, g_strerror(errno));
	self->lock_fd = fd;
	return TRUE;
}

/* systemd's readiness protocol: one datagram to $NOTIFY_SOCKET */
static void
vmds_daemon_notify(const gchar *state)
{
	const gchar *path = g_getenv("NOTIFY_SOCKET");
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GSocketAddress) address = NULL;
	g_autoptr(GError) error = NULL;

	if (path == NULL || path[0] == '\0')
		return;
	if (path[0] == '@')
		address = g_unix_socket_address_new_with_type(
		    path + 1, -1, G_UNIX_SOCKET_ADDRESS_ABSTRACT);
	else
		address = g_unix_socket_address_new(path);
	socket = g_socket_new(
	    G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
	if (socket == NULL ||
	    g_socket_send_to(socket, address, state, strlen(state), NULL, &error) < 0)
		g_warning("cannot notify the service manager: %s", error->message);
}

/**
 * vmds_daemon_setup:
 * @self: a #VmdsDaemon
 * @error: a #GError or %NULL
 *
 * Loads the configuration, plugins and VMs, and starts listening. On first
 * start with an empty state directory it creates VM `vm-1`, so the embedded
 * default works with no setup.
 */
gboolean
vmds_daemon_setup(VmdsDaemon *self, GError **error)
{
	gboolean fresh = FALSE;
	g_autoptr(GPtrArray) vms = NULL;
	g_autoptr(GPtrArray) schemas = g_ptr_array_new();
	g_autofree gchar *users_path = NULL;

	vmds_daemon_raise_fd_limit();
	self->config = vmds_daemon_load_config(self, error);
	if (self->config == NULL)
		return FALSE;
	if (!vmds_daemon_make_dir(self->config->state_dir, "state directory", error) ||
	    !vmds_daemon_make_dir(self->config->run_dir, "run directory", error) ||
	    !vmds_daemon_lock_run_dir(self, error))
		return FALSE;
	vmds_context_set_dirs(VMDS_CONTEXT(self), self->config->state_dir, self->config->run_dir);
	users_path = g_build_filename(self->config->state_dir, VMDS_USERS_FILE, NULL);
	self->users = vmds_users_open(users_path, error);
	if (self->users == NULL)
		return FALSE;
	self->backchannel = vmds_backchannel_new(self->dispatch, vmds_daemon_lookup_cid_cb, self);
	self->http = vmds_http_new(VMDS_CONTEXT(self), self->users);
	if (!vmds_daemon_start_plugins(self, schemas, error))
		return FALSE;
	/* the stores are opened with every plugin's tables */
	self->inventory = vmds_inventory_load(self->config->state_dir, schemas, &fresh, error);
	if (self->inventory == NULL)
		return FALSE;
	if (fresh &&
	    vmds_inventory_create(
		self->inventory, VMDS_DEFAULT_VM, NULL, 0, NULL, NULL, NULL, NULL, error) == NULL)
		return FALSE;
	vms = vmds_inventory_list(self->inventory);
	for (guint i = 0; i < vms->len; i++) {
		VmdsVm *vm = g_ptr_array_index(vms, i);
		g_autofree gchar *path = vmds_context_get_backchannel(VMDS_CONTEXT(self), vm);
		g_autoptr(GError) error_local = NULL;
		vmds_context_vm_added(VMDS_CONTEXT(self), vm);
		if (vm->store == NULL)
			continue;
		if (!vmds_backchannel_add_vm(self->backchannel, vm, path, &error_local))
			g_warning("not serving VM %s: %s", vm->id, error_local->message);
	}
	if (self->config->vsock_port != 0 &&
	    !vmds_backchannel_listen_vsock(self->backchannel, self->config->vsock_port, error))
		return FALSE;
	if (!vmds_http_listen(self->http, self->config, error))
		return FALSE;
	if (vmds_http_get_url(self->http) != NULL) {
		g_autofree gchar *line = g_strdup_printf("%s\n", vmds_http_get_url(self->http));
		self->url_file = g_build_filename(self->config->run_dir, VMDS_URL_FILE, NULL);
		if (!g_file_set_contents_full(
			self->url_file, line, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
			return FALSE;
	}
	g_message("vmdsd %s ready: %u VMs, sockets in %s, REST %s",
		  VMDS_VERSION,
		  vms->len,
		  self->config->run_dir,
		  vmds_http_get_url(self->http) != NULL ? vmds_http_get_url(self->http) : "off");
	return TRUE;
}

/**
 * vmds_daemon_reload:
 * @self: a #VmdsDaemon
 * @error: a #GError or %NULL
 *
 * Reads the config file again and applies limits, timeouts, the group and
 * credentials; a bad file leaves the running settings as they were.
 * Directories and the listen address take a restart.
 */
gboolean
vmds_daemon_reload(VmdsDaemon *self, GError **error)
{
	g_autoptr(VmdsConfig) config = vmds_daemon_load_config(self, error);
	VmdsConfig *old;

	if (config == NULL)
		return FALSE;
	if (g_strcmp0(config->state_dir, self->config->state_dir) != 0 ||
	    g_strcmp0(config->run_dir, self->config->run_dir) != 0 ||
	    g_strcmp0(config->http_listen, self->config->http_listen) != 0 ||
	    g_strcmp0(config->http_socket, self->config->http_socket) != 0 ||
	    config->admin_gid != self->config->admin_gid)
		g_warning("directories, [http] listen, socket and admin-group change only on "
			  "restart");
	g_free(config->state_dir);
	config->state_dir = g_strdup(self->config->state_dir);
	g_free(config->run_dir);
	config->run_dir = g_strdup(self->config->run_dir);
	old = self->config;
	self->config = g_steal_pointer(&config);
	if (!vmds_daemon_apply_config(self, old->keyfile, error)) {
		vmds_config_free(self->config);
		self->config = old;
		return FALSE;
	}
	vmds_config_free(old);
	return TRUE;
}

static gboolean
vmds_daemon_sigterm_cb(gpointer user_data)
{
	VmdsDaemon *self = VMDS_DAEMON(user_data);
	g_message("stopping on signal");
	vmds_daemon_stop(self);
	return G_SOURCE_CONTINUE;
}

static gboolean
vmds_daemon_sighup_cb(gpointer user_data)
{
	VmdsDaemon *self = VMDS_DAEMON(user_data);
	g_autoptr(GError) error = NULL;

	vmds_daemon_notify("RELOADING=1");
	if (!vmds_daemon_reload(self, &error))
		g_warning("configuration not reloaded: %s", error->message);
	else
		g_message("configuration reloaded");
	vmds_daemon_notify("READY=1");
	return G_SOURCE_CONTINUE;
}

/**
 * vmds_daemon_run:
 * @self: a #VmdsDaemon
 *
 * Serves until SIGTERM, SIGINT or vmds_daemon_stop(), then removes the
 * sockets and closes the stores.
 */
void
vmds_daemon_run(VmdsDaemon *self)
{
	guint sources[] = {
	    g_unix_signal_add(SIGTERM, vmds_daemon_sigterm_cb, self),
	    g_unix_signal_add(SIGINT, vmds_daemon_sigterm_cb, self),
	    g_unix_signal_add(SIGHUP, vmds_daemon_sighup_cb, self),
	};

	vmds_daemon_notify("READY=1");
	g_main_loop_run(self->loop);
	vmds_daemon_notify("STOPPING=1");
	for (guint i = 0; i < G_N_ELEMENTS(sources); i++)
		g_source_remove(sources[i]);
	vmds_http_close(self->http);
	vmds_backchannel_shutdown(self->backchannel);
	if (self->url_file != NULL)
		g_unlink(self->url_file);
	g_message("stopped");
}

void
vmds_daemon_stop(VmdsDaemon *self)
{
	g_main_loop_quit(self->loop);
}

VmdsDaemon *
vmds_daemon_new(const VmdsDaemonOptions *options)
{
	VmdsDaemon *self = g_object_new(VMDS_TYPE_DAEMON, NULL);
	self->options.config_path = g_strdup(options->config_path);
	self->options.state_dir = g_strdup(options->state_dir);
	self->options.run_dir = g_strdup(options->run_dir);
	self->options.http_listen = g_strdup(options->http_listen);
	return self;
}

static void
vmds_daemon_init(VmdsDaemon *self)
{
	self->loop = g_main_loop_new(NULL, FALSE);
	self->lock_fd = -1;
	self->plugins = g_ptr_array_new_with_free_func(g_object_unref);
	self->dispatch = vmds_dispatch_new();
}

static void
vmds_daemon_finalize(GObject *obj)
{
	VmdsDaemon *self = VMDS_DAEMON(obj);

	g_clear_object(&self->backchannel);
	g_clear_object(&self->http);
	for (guint i = 0; i < self->plugins->len; i++)
		vmds_plugin_shutdown(g_ptr_array_index(self->plugins, i));
	g_ptr_array_unref(self->plugins);
	vmds_dispatch_free(self->dispatch);
	g_clear_pointer(&self->inventory, vmds_inventory_free);
	g_clear_pointer(&self->users, vmds_users_free);
	g_clear_pointer(&self->config, vmds_config_free);
	g_main_loop_unref(self->loop);
	g_free(self->url_file);
	if (self->lock_fd >= 0)
		close(self->lock_fd);
	g_free(self->options.config_path);
	g_free(self->options.state_dir);
	g_free(self->options.run_dir);
	g_free(self->options.http_listen);
	G_OBJECT_CLASS(vmds_daemon_parent_class)->finalize(obj);
}

static void
vmds_daemon_class_init(VmdsDaemonClass *klass)
{
	VmdsContextClass *context_class = VMDS_CONTEXT_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = vmds_daemon_finalize;
	context_class->list_vms = vmds_daemon_list_vms;
	context_class->lookup_vm = vmds_daemon_lookup_vm;
	context_class->create_vm = vmds_daemon_create_vm;
	context_class->remove_vm = vmds_daemon_remove_vm;
	context_class->get_backchannel = vmds_daemon_get_backchannel;
	context_class->clone_vm = vmds_daemon_clone_vm;
	context_class->import_vm = vmds_daemon_import_vm;
	context_class->set_vm_owner = vmds_daemon_set_vm_owner;
	context_class->get_snapshot = vmds_daemon_get_snapshot;
	context_class->create_snapshot = vmds_daemon_create_snapshot;
	context_class->remove_snapshot = vmds_daemon_remove_snapshot;
	context_class->revert_snapshot = vmds_daemon_revert_snapshot;
}

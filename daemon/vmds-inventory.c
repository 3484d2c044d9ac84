/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "vmds-durable.h"
#include "vmds-inventory.h"
#include "vmds-snapshots.h"

/*
 * The VMs this daemon serves. Each lives in its own directory
 * `<state-dir>/vms/<id>/` holding `vm.ini` (name, owner, cid, socket owner
 * and group) and `<id>.dsd` (its store), so moving the directory moves the VM.
 * An id is never used twice: `<state-dir>/vms/next-id` holds the next one
 * and is written, durably, before a VM's directory is made.
 */

#define VMDS_VM_INI	   "vm.ini"
#define VMDS_NEXT_ID	   "next-id"
#define VMDS_NEXT_SNAPSHOT "next-snapshot-id"
/* `.new-vm-N`: a VM being made, renamed to `vm-N` once whole;
 * `.removed-vm-N`: a VM being removed */
#define VMDS_STAGING_PREFIX ".new-"
#define VMDS_REMOVED_PREFIX ".removed-"

struct _VmdsInventory {
	GPtrArray *schemas; /* (element-type VmdsStoreSchema): of every store */
	gchar *vms_dir;
	gchar *next_id_path;
	gchar *next_snapshot_path;
	GHashTable *vms; /* id → VmdsVm */
	guint next_id;
	guint next_snapshot;
};

/* `vm-N` → N, or 0 when @id is not of that form */
static guint
vmds_inventory_id_number(const gchar *id)
{
	return vmds_paths_id_number(id, "vm-");
}

static gchar *
vmds_inventory_store_path(const gchar *dir, const gchar *id)
{
	g_autofree gchar *file = g_strdup_printf("%s.dsd", id);
	return g_build_filename(dir, file, NULL);
}

/* the uid of user @owner and the gid of group @group, each when not %NULL */
static gboolean
vmds_inventory_resolve_owner(
    const gchar *owner, const gchar *group, uid_t *uid, gid_t *gid, GError **error)
{
	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (owner != NULL) {
		struct passwd *pw = getpwnam(owner);
		if (pw == NULL) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "socket_owner: no user named '%s'",
				    owner);
			return FALSE;
		}
		*uid = pw->pw_uid;
	}
	if (group != NULL) {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "socket_group: no group named '%s'",
				    group);
			return FALSE;
		}
		*gid = gr->gr_gid;
	}
	return TRUE;
}

/* an optional string of vm.ini; GKeyFile may return a string and an error
 * (a bad escape): the error wins */
static gboolean
vmds_inventory_get_string(GKeyFile *kf, const gchar *key, gchar **value, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	if (!g_key_file_has_key(kf, "vm", key, NULL))
		return TRUE;
	*value = g_key_file_get_string(kf, "vm", key, &error_local);
	if (error_local != NULL) {
		g_clear_pointer(value, g_free);
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return TRUE;
}

/* @path and everything under it; links are removed, never followed */
static gboolean
vmds_inventory_rm_tree(const gchar *path, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, error);
	const gchar *name;

	if (dir == NULL)
		return FALSE;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *file = g_build_filename(path, name, NULL);
		GStatBuf st;
		if (g_lstat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (!vmds_inventory_rm_tree(file, error))
				return FALSE;
		} else if (g_unlink(file) < 0 && errno != ENOENT) {
			g_set_error(error,
				    VMDS_ERROR,
				    VMDS_ERROR_STORAGE,
				    "cannot remove %s: %s",
				    file,
				    g_strerror(errno));
			return FALSE;
		}
	}
	if (g_rmdir(path) < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot remove %s: %s",
			    path,
			    g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

/* what a crash left of a VM being made or removed */
static void
vmds_inventory_rm_leftover(const gchar *path)
{
	g_autoptr(GError) error_local = NULL;

	if (!vmds_inventory_rm_tree(path, &error_local))
		g_warning("cannot remove %s, left by an interrupted creation or removal: %s",
			  path,
			  error_local->message);
}

/* the copies of exports a crash left in a VM's directory */
static void
vmds_inventory_rm_exports(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_prefix(name, ".export-"))
			vmds_durable_remove_leftover(path, name);
	}
}

static VmdsVm *
vmds_inventory_open_vm(VmdsInventory *self, const gchar *id, GError **error)
{
	g_autoptr(VmdsVm) vm = vmds_vm_new(id);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *ini = NULL;
	g_autofree gchar *store_path = NULL;
	g_autofree gchar *part = NULL;
	g_autofree gchar *old = NULL;
	g_autoptr(GError) error_local = NULL;
	guint max_snapshot = 0;
	guint64 cid = 0;

	vm->dir = g_build_filename(self->vms_dir, id, NULL);
	ini = g_build_filename(vm->dir, VMDS_VM_INI, NULL);
	if (!g_key_file_load_from_file(kf, ini, G_KEY_FILE_NONE, error))
		return NULL;
	/* GKeyFile may return a string and an error (a bad escape): the error wins */
	vm->name = g_key_file_get_string(kf, "vm", "name", &error_local);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	if (g_key_file_has_key(kf, "vm", "cid", NULL)) {
		g_autofree gchar *str = g_key_file_get_string(kf, "vm", "cid", &error_local);
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		if (!g_ascii_string_to_unsigned(str, 10, 3, G_MAXUINT32 - 1, &cid, error))
			return NULL;
	}
	vm->cid = (guint32)cid;
	/* a socket without its owner or group would let in whom it should not */
	if (!vmds_inventory_get_string(kf, "owner", &vm->owner, error) ||
	    !vmds_inventory_get_string(kf, "socket-owner", &vm->socket_owner, error) ||
	    !vmds_inventory_get_string(kf, "socket-group", &vm->socket_group, error) ||
	    !vmds_inventory_resolve_owner(
		vm->socket_owner, vm->socket_group, &vm->socket_uid, &vm->socket_gid, error)) {
		g_prefix_error(error, "%s: ", ini);
		return NULL;
	}
	if (!vmds_snapshots_load(vm, &max_snapshot, error))
		return NULL;
	self->next_snapshot = MAX(self->next_snapshot, max_snapshot + 1);
	store_path = vmds_inventory_store_path(vm->dir, id);
	/* a copy a revert did not get to rename, or the store it replaced */
	part = g_strconcat(store_path, ".part", NULL);
	if (g_unlink(part) == 0)
		g_message("%s: removed %s, left by an interrupted revert", id, part);
	old = g_strconcat(store_path, ".old", NULL);
	if (g_unlink(old) == 0)
		g_message("%s: removed %s, left by a revert", id, old);
	vmds_inventory_rm_exports(vm->dir);
	vm->store = vmds_store_open(store_path, self->schemas, &error_local);
	if (vm->store == NULL) {
		/* another host serves it (shared storage): listed, but not served */
		if (!g_error_matches(
			error_local, VMDS_ERROR, VMDS_ERROR_NOT_ALLOWED_IN_CURRENT_STATE)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		g_warning("not serving VM %s: %s", id, error_local->message);
		vm->unavailable = g_strdup(error_local->message);
	}
	return g_steal_pointer(&vm);
}

/* a counter of ids (`vm-N`, `snapshot-N`) as saved; one never saved keeps
 * its value */
static gboolean
vmds_inventory_load_counter(const gchar *path, const gchar *prefix, guint *next, GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(GError) error_local = NULL;
	guint64 n = 0;

	if (!g_file_get_contents(path, &data, NULL, &error_local)) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&error_local));
		vmds_error_convert(error);
		return FALSE;
	}
	if (!g_ascii_string_to_unsigned(g_strstrip(data), 10, 1, G_MAXUINT32 - 1, &n, NULL)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "%s does not hold a number from 1 to 4294967294: write the number "
			    "of the next %s into it, one more than the highest %s-N ever created",
			    path,
			    prefix,
			    prefix);
		return FALSE;
	}
	*next = (guint)n;
	return TRUE;
}

/* @next to the counter @path, durably: the file, and its name in the directory */
static gboolean
vmds_inventory_save_counter(VmdsInventory *self, const gchar *path, guint next, GError **error)
{
	g_autofree gchar *data = g_strdup_printf("%u\n", next);

	if (!g_file_set_contents_full(path,
				      data,
				      -1,
				      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
				      0600,
				      error)) {
		vmds_error_convert(error);
		return FALSE;
	}
	return vmds_durable_sync(self->vms_dir, error);
}

/**
 * vmds_inventory_load:
 * @state_dir: the daemon's state directory
 * @schemas: (element-type VmdsStoreSchema): the tables every store holds
 * @fresh: (out): whether the state directory held no inventory yet
 * @error: a #GError or %NULL
 *
 * Opens every VM under `<state_dir>/vms`. A VM whose store another process
 * holds is listed but not served (VmdsVm.unavailable says why); one that
 * cannot be read at all (a broken vm.ini) is left out with a warning, so one
 * bad VM never keeps the others from being served.
 *
 * Returns: (transfer full): the inventory, or %NULL when the directory
 * cannot be created or read
 */
VmdsInventory *
vmds_inventory_load(const gchar *state_dir, GPtrArray *schemas, gboolean *fresh, GError **error)
{
	g_autoptr(VmdsInventory) self = g_new0(VmdsInventory, 1);
	g_autoptr(GDir) dir = NULL;
	const gchar *name;

	self->schemas = g_ptr_array_ref(schemas);
	self->vms_dir = g_build_filename(state_dir, "vms", NULL);
	self->next_id_path = g_build_filename(self->vms_dir, VMDS_NEXT_ID, NULL);
	self->next_snapshot_path = g_build_filename(self->vms_dir, VMDS_NEXT_SNAPSHOT, NULL);
	self->vms =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)vmds_vm_unref);
	self->next_id = 1;
	self->next_snapshot = 1;
	*fresh = !g_file_test(self->vms_dir, G_FILE_TEST_IS_DIR);
	if (g_mkdir_with_parents(self->vms_dir, 0700) < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot create %s: %s",
			    self->vms_dir,
			    g_strerror(errno));
		return NULL;
	}
	if (!vmds_inventory_load_counter(self->next_id_path, "vm", &self->next_id, error) ||
	    !vmds_inventory_load_counter(
		self->next_snapshot_path, "snapshot", &self->next_snapshot, error))
		return NULL;
	dir = g_dir_open(self->vms_dir, 0, error);
	if (dir == NULL) {
		vmds_error_convert(error);
		return NULL;
	}
	/* an install from before next-id, or a VM directory moved in: past them all */
	while ((name = g_dir_read_name(dir)) != NULL) {
		guint n = vmds_inventory_id_number(name);
		g_autoptr(GError) error_local = NULL;
		VmdsVm *vm;
		if (g_str_has_prefix(name, VMDS_STAGING_PREFIX) ||
		    g_str_has_prefix(name, VMDS_REMOVED_PREFIX)) {
			g_autofree gchar *path = g_build_filename(self->vms_dir, name, NULL);
			vmds_inventory_rm_leftover(path);
			continue;
		}
		if (n == 0)
			continue;
		self->next_id = MAX(self->next_id, n + 1);
		vm = vmds_inventory_open_vm(self, name, &error_local);
		if (vm == NULL) {
			g_warning("not serving VM %s: %s", name, error_local->message);
			continue;
		}
		g_hash_table_insert(self->vms, vm->id, vm);
	}
	return g_steal_pointer(&self);
}

void
vmds_inventory_free(VmdsInventory *self)
{
	if (self == NULL)
		return;
	g_free(self->vms_dir);
	g_free(self->next_id_path);
	g_free(self->next_snapshot_path);
	g_clear_pointer(&self->vms, g_hash_table_unref);
	g_clear_pointer(&self->schemas, g_ptr_array_unref);
	g_free(self);
}

static gint
vmds_inventory_compare_cb(gconstpointer a, gconstpointer b)
{
	const VmdsVm *vm_a = *(VmdsVm *const *)a;
	const VmdsVm *vm_b = *(VmdsVm *const *)b;
	guint na = vmds_inventory_id_number(vm_a->id);
	guint nb = vmds_inventory_id_number(vm_b->id);
	return na < nb ? -1 : na > nb ? 1 : 0;
}

/**
 * vmds_inventory_list:
 * @self: a #VmdsInventory
 *
 * Returns: (transfer container) (element-type VmdsVm): the VMs in id order
 */
GPtrArray *
vmds_inventory_list(VmdsInventory *self)
{
	GPtrArray *vms = g_ptr_array_sized_new(g_hash_table_size(self->vms));
	GHashTableIter iter;
	gpointer vm;

	g_hash_table_iter_init(&iter, self->vms);
	while (g_hash_table_iter_next(&iter, NULL, &vm))
		g_ptr_array_add(vms, vm);
	g_ptr_array_sort(vms, vmds_inventory_compare_cb);
	return vms;
}

/**
 * vmds_inventory_lookup:
 * @self: a #VmdsInventory
 * @id: a VM id, from a peer: any text
 *
 * Returns: (transfer none) (nullable): the VM
 */
VmdsVm *
vmds_inventory_lookup(VmdsInventory *self, const gchar *id)
{
	return g_hash_table_lookup(self->vms, id);
}

/**
 * vmds_inventory_get_schemas:
 * @self: a #VmdsInventory
 *
 * Returns: (transfer none) (element-type VmdsStoreSchema): the tables every
 *   store holds
 */
GPtrArray *
vmds_inventory_get_schemas(VmdsInventory *self)
{
	return self->schemas;
}

/**
 * vmds_inventory_lookup_cid:
 * @self: a #VmdsInventory
 * @cid: a vsock context id
 *
 * Returns: (transfer none) (nullable): the VM mapped to @cid
 */
VmdsVm *
vmds_inventory_lookup_cid(VmdsInventory *self, guint32 cid)
{
	GHashTableIter iter;
	VmdsVm *vm;

	if (cid == 0)
		return NULL;
	g_hash_table_iter_init(&iter, self->vms);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&vm)) {
		if (vm->cid == cid)
			return vm;
	}
	return NULL;
}

/* a VM's vm.ini in @dir, durably: written whole under another name and
 * renamed over the old one, so a crash leaves the old or the new */
static gboolean
vmds_inventory_write_ini(const gchar *dir,
			 const gchar *name,
			 const gchar *owner,
			 guint32 cid,
			 const gchar *socket_owner,
			 const gchar *socket_group,
			 GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *ini = g_build_filename(dir, VMDS_VM_INI, NULL);
	g_autofree gchar *data = NULL;

	g_key_file_set_string(kf, "vm", "name", name);
	if (owner != NULL)
		g_key_file_set_string(kf, "vm", "owner", owner);
	if (cid != 0)
		g_key_file_set_uint64(kf, "vm", "cid", cid);
	if (socket_owner != NULL)
		g_key_file_set_string(kf, "vm", "socket-owner", socket_owner);
	if (socket_group != NULL)
		g_key_file_set_string(kf, "vm", "socket-group", socket_group);
	data = g_key_file_to_data(kf, NULL, NULL);
	if (!g_file_set_contents_full(ini,
				      data,
				      -1,
				      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
				      0600,
				      error)) {
		vmds_error_convert(error);
		return FALSE;
	}
	return TRUE;
}

/* @vm's store, opened again after it was closed; a VM whose store does not
 * open is listed but not served, and says why */
static gboolean
vmds_inventory_reopen(VmdsInventory *self, VmdsVm *vm, GError **error)
{
	g_autofree gchar *store_path = vmds_inventory_store_path(vm->dir, vm->id);
	g_autoptr(GError) error_local = NULL;

	g_clear_object(&vm->store);
	vm->store = vmds_store_open(store_path, self->schemas, &error_local);
	if (vm->store == NULL) {
		g_warning("not serving VM %s: %s", vm->id, error_local->message);
		g_free(vm->unavailable);
		vm->unavailable = g_strdup(error_local->message);
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return TRUE;
}

/* the VM named @name */
static VmdsVm *
vmds_inventory_lookup_name(VmdsInventory *self, const gchar *name)
{
	GHashTableIter iter;
	VmdsVm *vm;

	g_hash_table_iter_init(&iter, self->vms);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&vm)) {
		if (g_strcmp0(vm->name, name) == 0)
			return vm;
	}
	return NULL;
}

/* a name of a VM or a snapshot (@what): 1 to 255 bytes of UTF-8 */
static gboolean
vmds_inventory_check_name(const gchar *name, const gchar *what, GError **error)
{
	if (name[0] != '\0' && strlen(name) <= VMDS_VM_MAX_NAME && g_utf8_validate(name, -1, NULL))
		return TRUE;
	g_set_error(error,
		    VMDS_ERROR,
		    VMDS_ERROR_INVALID_ARGUMENT,
		    "a %s name must be 1 to 255 bytes of UTF-8",
		    what);
	return FALSE;
}

/* what a VM's name and cid must be: @cid 0 for none */
static gboolean
vmds_inventory_check_new(VmdsInventory *self, const gchar *name, guint32 cid, GError **error)
{
	if (!vmds_inventory_check_name(name, "VM", error))
		return FALSE;
	if (vmds_inventory_lookup_name(self, name) != NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_ALREADY_EXISTS,
			    "a VM named '%s' exists already (%s): choose another name",
			    name,
			    vmds_inventory_lookup_name(self, name)->id);
		return FALSE;
	}
	if (cid != 0 && cid < 3) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "cid %u is reserved: a guest's cid is 3 or more",
			    cid);
		return FALSE;
	}
	if (vmds_inventory_lookup_cid(self, cid) != NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_ALREADY_EXISTS,
			    "cid %u already belongs to VM %s",
			    cid,
			    vmds_inventory_lookup_cid(self, cid)->id);
		return FALSE;
	}
	return TRUE;
}

/* the directory of VM @id, made whole in @stage: its vm.ini and, when
 * @fill is given, the store it writes */
static gboolean
vmds_inventory_fill(const gchar *stage,
		    const gchar *id,
		    const gchar *name,
		    const gchar *owner,
		    guint32 cid,
		    const gchar *socket_owner,
		    const gchar *socket_group,
		    VmdsInventoryFill fill,
		    gpointer fill_data,
		    GError **error)
{
	if (!vmds_inventory_write_ini(stage, name, owner, cid, socket_owner, socket_group, error))
		return FALSE;
	if (fill != NULL) {
		g_autofree gchar *store_path = vmds_inventory_store_path(stage, id);
		if (!fill(store_path, fill_data, error))
			return FALSE;
	}
	return vmds_durable_sync(stage, error);
}

/**
 * vmds_inventory_create:
 * @self: a #VmdsInventory
 * @name: the VM's name: 1 to 255 bytes of UTF-8, no other VM's
 * @owner: (nullable): the user it belongs to (checked by the caller)
 * @cid: its vsock context id (3 or more), or 0 for none
 * @socket_owner: (nullable): the user its socket is to belong to
 * @socket_group: (nullable): the group its socket is to belong to
 * @fill: (nullable): writes the new VM's store (a clone's copy, an
 *   import's), which is then opened; %NULL for an empty store
 * @fill_data: for @fill
 * @error: a #GError or %NULL
 *
 * Creates the VM's directory, vm.ini and store, durably, under an id never
 * used before. The directory is made as `.new-<id>` and renamed once whole,
 * so a crash leaves the VM whole or absent; a failure removes it again.
 *
 * Returns: (transfer none): the new VM
 */
VmdsVm *
vmds_inventory_create(VmdsInventory *self,
		      const gchar *name,
		      const gchar *owner,
		      guint32 cid,
		      const gchar *socket_owner,
		      const gchar *socket_group,
		      VmdsInventoryFill fill,
		      gpointer fill_data,
		      GError **error)
{
	g_autofree gchar *id = NULL;
	g_autofree gchar *dir = NULL;
	g_autofree gchar *stage = NULL;
	uid_t uid;
	gid_t gid;
	VmdsVm *vm;

	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(name != NULL, NULL);

	if (!vmds_inventory_check_new(self, name, cid, error) ||
	    !vmds_inventory_resolve_owner(socket_owner, socket_group, &uid, &gid, error))
		return NULL;
	if (self->next_id >= G_MAXUINT32 - 1) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_QUOTA_EXCEEDED, "no VM ids are left");
		return NULL;
	}
	/* burnt from here on, even if what follows fails */
	if (!vmds_inventory_save_counter(self, self->next_id_path, self->next_id + 1, error))
		return NULL;
	id = g_strdup_printf("vm-%u", self->next_id);
	self->next_id++;
	dir = g_build_filename(self->vms_dir, id, NULL);
	stage = g_strdup_printf("%s/" VMDS_STAGING_PREFIX "%s", self->vms_dir, id);
	if (g_mkdir(stage, 0700) < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot create %s: %s",
			    stage,
			    g_strerror(errno));
		return NULL;
	}
	if (!vmds_inventory_fill(
		stage, id, name, owner, cid, socket_owner, socket_group, fill, fill_data, error) ||
	    !vmds_durable_rename(stage, dir, error)) {
		vmds_inventory_rm_leftover(stage);
		return NULL;
	}
	vm = vmds_inventory_open_vm(self, id, error);
	if (vm == NULL) {
		vmds_inventory_rm_leftover(dir);
		return NULL;
	}
	g_hash_table_insert(self->vms, vm->id, vm);
	return vm;
}

/**
 * vmds_inventory_set_owner:
 * @self: a #VmdsInventory
 * @vm: a VM
 * @owner: (nullable): the user it is to belong to (checked by the caller),
 *   or %NULL for none
 * @error: a #GError or %NULL
 *
 * Rewrites the VM's vm.ini with its new owner, durably, then sets
 * @vm->owner; on failure nothing changed.
 *
 * Returns: %TRUE once the new owner is on disk
 */
gboolean
vmds_inventory_set_owner(VmdsInventory *self, VmdsVm *vm, const gchar *owner, GError **error)
{
	if (!vmds_inventory_write_ini(
		vm->dir, vm->name, owner, vm->cid, vm->socket_owner, vm->socket_group, error) ||
	    !vmds_durable_sync(vm->dir, error))
		return FALSE;
	g_free(vm->owner);
	vm->owner = g_strdup(owner);
	return TRUE;
}

/**
 * vmds_inventory_remove:
 * @self: a #VmdsInventory
 * @id: a VM id
 * @error: a #GError or %NULL
 *
 * Closes the VM's store and removes its directory, snapshots included: it
 * is renamed `.removed-<id>` first, so a crash leaves the VM whole or gone.
 *
 * Returns: %FALSE with %VMDS_ERROR_NOT_FOUND for an unknown VM
 */
gboolean
vmds_inventory_remove(VmdsInventory *self, const gchar *id, GError **error)
{
	VmdsVm *vm = vmds_inventory_lookup(self, id);
	g_autofree gchar *removed = NULL;

	if (vm == NULL) {
		g_set_error(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND, "no VM '%s'", id);
		return FALSE;
	}
	removed = g_strdup_printf("%s/" VMDS_REMOVED_PREFIX "%s", self->vms_dir, vm->id);
	if (vm->store != NULL)
		vmds_store_close(vm->store);
	if (!vmds_durable_rename(vm->dir, removed, error)) {
		g_autoptr(GError) error_local = NULL;
		if (vm->store != NULL && !vmds_inventory_reopen(self, vm, &error_local))
			g_warning("%s: %s", vm->id, error_local->message);
		return FALSE;
	}
	g_hash_table_remove(self->vms, id);
	vmds_inventory_rm_leftover(removed);
	return TRUE;
}

/**
 * vmds_inventory_snapshot_owner:
 * @self: a #VmdsInventory
 * @id: a snapshot id, from a peer: any text
 *
 * Returns: (transfer none) (nullable): the VM that has snapshot @id
 */
VmdsVm *
vmds_inventory_snapshot_owner(VmdsInventory *self, const gchar *id)
{
	GHashTableIter iter;
	VmdsVm *vm;

	g_hash_table_iter_init(&iter, self->vms);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&vm)) {
		if (vmds_snapshots_lookup(vm, id) != NULL)
			return vm;
	}
	return NULL;
}

/**
 * vmds_inventory_get_snapshot:
 * @self: a #VmdsInventory
 * @vm: a VM
 * @id: a snapshot id, from a peer: any text
 * @error: a #GError or %NULL
 *
 * Returns: (transfer none): @vm's snapshot @id; %NULL with
 *   %VMDS_ERROR_NOT_FOUND when no VM has it, %VMDS_ERROR_INVALID_ARGUMENT
 *   when another VM does
 */
VmdsSnapshot *
vmds_inventory_get_snapshot(VmdsInventory *self, VmdsVm *vm, const gchar *id, GError **error)
{
	VmdsSnapshot *snapshot = vmds_snapshots_lookup(vm, id);
	VmdsVm *owner;

	if (snapshot != NULL)
		return snapshot;
	owner = vmds_inventory_snapshot_owner(self, id);
	if (owner != NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s is a snapshot of VM %s, not of %s",
			    id,
			    owner->id,
			    vm->id);
		return NULL;
	}
	g_set_error(
	    error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND, "VM %s has no snapshot '%s'", vm->id, id);
	return NULL;
}

/**
 * vmds_inventory_snapshot:
 * @self: a #VmdsInventory
 * @vm: a served VM, between transactions
 * @name: the snapshot's name: 1 to 255 bytes of UTF-8
 * @description: its description: at most 1,024 bytes of UTF-8
 * @max: how many snapshots the VM may have
 * @error: a #GError or %NULL
 *
 * Returns: (transfer none): the new snapshot
 */
VmdsSnapshot *
vmds_inventory_snapshot(VmdsInventory *self,
			VmdsVm *vm,
			const gchar *name,
			const gchar *description,
			guint max,
			GError **error)
{
	g_return_val_if_fail(vm->store != NULL, NULL);

	if (!vmds_inventory_check_name(name, "snapshot", error))
		return NULL;
	if (strlen(description) > VMDS_SNAPSHOT_MAX_DESCRIPTION ||
	    !g_utf8_validate(description, -1, NULL)) {
		g_set_error_literal(error,
				    VMDS_ERROR,
				    VMDS_ERROR_INVALID_ARGUMENT,
				    "a snapshot description must be at most 1024 bytes of UTF-8");
		return NULL;
	}
	if (vm->snapshots->len >= max) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_QUOTA_EXCEEDED,
			    "VM %s has %u snapshots, as many as [daemon] max-snapshots allows: "
			    "delete one first",
			    vm->id,
			    vm->snapshots->len);
		return NULL;
	}
	/* an export under way: refused before an id is spent */
	if (!vmds_store_check_idle(vm->store, error))
		return NULL;
	if (self->next_snapshot >= G_MAXUINT32 - 1) {
		g_set_error_literal(
		    error, VMDS_ERROR, VMDS_ERROR_QUOTA_EXCEEDED, "no snapshot ids are left");
		return NULL;
	}
	if (!vmds_inventory_save_counter(
		self, self->next_snapshot_path, self->next_snapshot + 1, error))
		return NULL;
	return vmds_snapshots_create(vm, self->next_snapshot++, name, description, error);
}

/* removes the file @data names (freed), away from the main loop */
static gpointer
vmds_inventory_unlink_thread(gpointer data)
{
	g_autofree gchar *path = data;

	if (g_unlink(path) < 0)
		g_warning("cannot remove %s: %s", path, g_strerror(errno));
	return NULL;
}

/**
 * vmds_inventory_revert:
 * @self: a #VmdsInventory
 * @vm: a served VM, between transactions
 * @id: one of its snapshots
 * @error: a #GError or %NULL
 *
 * Replaces the VM's store with a copy of the snapshot's, as a whole: what
 * the snapshot left out (data sets flagged omit_from_snapshot_and_clone)
 * is gone too. The store is closed (#VmdsStore::closed: whoever kept
 * something of it lets go) and a new one opened in @vm->store; the copy is
 * on disk before it is renamed over the live file, so a crash leaves the
 * data before or after the revert.
 *
 * Returns: %FALSE when nothing changed, or, with @vm->unavailable set,
 *   when the reverted store did not open
 */
gboolean
vmds_inventory_revert(VmdsInventory *self, VmdsVm *vm, const gchar *id, GError **error)
{
	VmdsSnapshot *snapshot = vmds_inventory_get_snapshot(self, vm, id, error);
	g_autofree gchar *store_path = vmds_inventory_store_path(vm->dir, vm->id);
	g_autofree gchar *part = g_strconcat(store_path, ".part", NULL);
	g_autofree gchar *wal = g_strconcat(store_path, "-wal", NULL);
	g_autofree gchar *old = g_strconcat(store_path, ".old", NULL);
	gboolean kept;

	g_return_val_if_fail(vm->store != NULL, FALSE);

	if (snapshot == NULL || !vmds_store_check_idle(vm->store, error))
		return FALSE;
	g_unlink(part);
	if (!vmds_snapshots_restore(vm, snapshot, part, error))
		return FALSE;
	/* a clean close folds the write-ahead log into the file and removes
	 * it; one left would be replayed onto the snapshot's copy */
	vmds_store_close(vm->store);
	if (g_file_test(wal, G_FILE_TEST_EXISTS)) {
		g_unlink(part);
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot revert VM %s: its store did not close cleanly",
			    vm->id);
		vmds_inventory_reopen(self, vm, NULL);
		return FALSE;
	}
	/* the old file keeps a name, so the rename does not free its blocks
	 * (a tenth of a second for 100 MiB on ext4) while guests wait */
	g_unlink(old);
	kept = link(store_path, old) == 0;
	if (!vmds_durable_rename(part, store_path, error)) {
		g_autoptr(GError) error_local = NULL;
		g_unlink(part);
		g_unlink(old);
		if (!vmds_inventory_reopen(self, vm, &error_local))
			g_warning("%s: %s", vm->id, error_local->message);
		return FALSE;
	}
	if (kept)
		g_thread_unref(g_thread_new(
		    "vmds-unlink", vmds_inventory_unlink_thread, g_steal_pointer(&old)));
	return vmds_inventory_reopen(self, vm, error);
}

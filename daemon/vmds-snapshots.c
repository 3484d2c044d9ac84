/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "vmds-durable.h"
#include "vmds-snapshots.h"

/*
 * A VM's snapshots, on disk: `<vm-dir>/snapshots/snapshot-N.ini` (name,
 * description, creation time) and `snapshot-N.dsd` (the copy of the store).
 * The .ini is written first and removed last, and the .dsd appears whole by
 * a rename (vmds_store_copy()): a snapshot exists when its .dsd does, so a
 * crash at any moment leaves it whole or absent. What a crash leaves behind
 * (a .part, an .ini without its .dsd) is removed at the next load.
 */

#define VMDS_SNAPSHOTS_DIR "snapshots"
#define VMDS_SNAPSHOTS_INI "snapshot"

/**
 * vmds_snapshots_id_number:
 * @id: a snapshot id
 *
 * Returns: N of `snapshot-N`, or 0 when @id is not of that form
 */
guint
vmds_snapshots_id_number(const gchar *id)
{
	return vmds_paths_id_number(id, "snapshot-");
}

static gchar *
vmds_snapshots_file(VmdsVm *vm, const gchar *id, const gchar *suffix)
{
	g_autofree gchar *file = g_strconcat(id, suffix, NULL);
	return g_build_filename(vm->dir, VMDS_SNAPSHOTS_DIR, file, NULL);
}

static gint
vmds_snapshots_compare_cb(gconstpointer a, gconstpointer b)
{
	guint na = vmds_snapshots_id_number((*(VmdsSnapshot *const *)a)->id);
	guint nb = vmds_snapshots_id_number((*(VmdsSnapshot *const *)b)->id);
	return na < nb ? -1 : na > nb;
}

/* the snapshot @id of @vm as its .ini and .dsd describe it */
static VmdsSnapshot *
vmds_snapshots_read(VmdsVm *vm, const gchar *id, GError **error)
{
	g_autofree gchar *ini = vmds_snapshots_file(vm, id, ".ini");
	g_autofree gchar *dsd = vmds_snapshots_file(vm, id, ".dsd");
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(VmdsSnapshot) snapshot = g_new0(VmdsSnapshot, 1);
	GStatBuf st;

	if (!g_key_file_load_from_file(kf, ini, G_KEY_FILE_NONE, error))
		return NULL;
	snapshot->id = g_strdup(id);
	snapshot->name = g_key_file_get_string(kf, VMDS_SNAPSHOTS_INI, "name", error);
	if (snapshot->name == NULL)
		return NULL;
	snapshot->description = g_key_file_get_string(kf, VMDS_SNAPSHOTS_INI, "description", error);
	if (snapshot->description == NULL)
		return NULL;
	snapshot->created = g_key_file_get_int64(kf, VMDS_SNAPSHOTS_INI, "created", error);
	if (snapshot->created == 0 && error != NULL && *error != NULL)
		return NULL;
	if (g_stat(dsd, &st) < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot read %s: %s",
			    dsd,
			    g_strerror(errno));
		return NULL;
	}
	snapshot->size = (guint64)st.st_size;
	return g_steal_pointer(&snapshot);
}

/**
 * vmds_snapshots_load:
 * @vm: a VM whose @dir is set and whose snapshots are not loaded yet
 * @max_id: (inout): raised to the highest snapshot number found
 * @error: a #GError or %NULL
 *
 * Reads the VM's snapshots into @vm->snapshots and removes what an
 * interrupted snapshot or removal left.
 *
 * Returns: %FALSE when a snapshot cannot be read
 */
gboolean
vmds_snapshots_load(VmdsVm *vm, guint *max_id, GError **error)
{
	g_autofree gchar *path = g_build_filename(vm->dir, VMDS_SNAPSHOTS_DIR, NULL);
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GDir) dir = g_dir_open(path, 0, &error_local);
	const gchar *name;

	if (dir == NULL) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&error_local));
		vmds_error_convert(error);
		return FALSE;
	}
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *id = NULL;
		g_autofree gchar *dsd = NULL;
		VmdsSnapshot *snapshot;

		if (g_str_has_suffix(name, ".part")) {
			vmds_durable_remove_leftover(path, name);
			continue;
		}
		if (!g_str_has_suffix(name, ".ini"))
			continue;
		id = g_strndup(name, strlen(name) - 4);
		if (vmds_snapshots_id_number(id) == 0)
			continue;
		dsd = vmds_snapshots_file(vm, id, ".dsd");
		if (!g_file_test(dsd, G_FILE_TEST_EXISTS)) {
			vmds_durable_remove_leftover(path, name);
			continue;
		}
		snapshot = vmds_snapshots_read(vm, id, error);
		if (snapshot == NULL) {
			g_prefix_error(error, "snapshot %s of VM %s: ", id, vm->id);
			vmds_error_convert(error);
			return FALSE;
		}
		*max_id = MAX(*max_id, vmds_snapshots_id_number(id));
		g_ptr_array_add(vm->snapshots, snapshot);
	}
	g_ptr_array_sort(vm->snapshots, vmds_snapshots_compare_cb);
	return TRUE;
}

/**
 * vmds_snapshots_lookup:
 * @vm: a VM
 * @id: a snapshot id
 *
 * Returns: (transfer none) (nullable): the VM's snapshot @id
 */
VmdsSnapshot *
vmds_snapshots_lookup(VmdsVm *vm, const gchar *id)
{
	for (guint i = 0; i < vm->snapshots->len; i++) {
		VmdsSnapshot *snapshot = g_ptr_array_index(vm->snapshots, i);
		if (g_str_equal(snapshot->id, id))
			return snapshot;
	}
	return NULL;
}

/**
 * vmds_snapshots_create:
 * @vm: a served VM, between transactions
 * @number: the new snapshot's N, never used before
 * @name: its name (checked by the caller)
 * @description: its description (checked by the caller)
 * @error: a #GError or %NULL
 *
 * Takes a snapshot of the VM's store: every change committed before it,
 * none after, less what the copy rules leave out.
 *
 * Returns: (transfer none): the snapshot, added to @vm->snapshots
 */
VmdsSnapshot *
vmds_snapshots_create(
    VmdsVm *vm, guint number, const gchar *name, const gchar *description, GError **error)
{
	g_autofree gchar *id = g_strdup_printf("snapshot-%u", number);
	g_autofree gchar *dir = g_build_filename(vm->dir, VMDS_SNAPSHOTS_DIR, NULL);
	g_autofree gchar *ini = vmds_snapshots_file(vm, id, ".ini");
	g_autofree gchar *dsd = vmds_snapshots_file(vm, id, ".dsd");
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree gchar *data = NULL;
	VmdsSnapshot *snapshot;

	if (g_mkdir(dir, 0700) < 0 && errno != EEXIST) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot create %s: %s",
			    dir,
			    g_strerror(errno));
		return NULL;
	}
	g_key_file_set_string(kf, VMDS_SNAPSHOTS_INI, "name", name);
	g_key_file_set_string(kf, VMDS_SNAPSHOTS_INI, "description", description);
	g_key_file_set_int64(kf, VMDS_SNAPSHOTS_INI, "created", g_get_real_time());
	data = g_key_file_to_data(kf, NULL, NULL);
	if (!g_file_set_contents_full(ini,
				      data,
				      -1,
				      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
				      0600,
				      error)) {
		vmds_error_convert(error);
		return NULL;
	}
	if (!vmds_store_copy(vm->store, dsd, VMDS_STORE_COPY_NONE, error)) {
		g_unlink(ini);
		return NULL;
	}
	snapshot = vmds_snapshots_read(vm, id, error);
	if (snapshot == NULL) {
		vmds_error_convert(error);
		return NULL;
	}
	g_ptr_array_add(vm->snapshots, snapshot);
	return snapshot;
}

/**
 * vmds_snapshots_remove:
 * @vm: a VM
 * @id: one of its snapshots
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE with %VMDS_ERROR_NOT_FOUND when @vm has no snapshot @id
 */
gboolean
vmds_snapshots_remove(VmdsVm *vm, const gchar *id, GError **error)
{
	VmdsSnapshot *snapshot = vmds_snapshots_lookup(vm, id);
	g_autofree gchar *dir = g_build_filename(vm->dir, VMDS_SNAPSHOTS_DIR, NULL);
	g_autofree gchar *ini = NULL;
	g_autofree gchar *dsd = NULL;

	if (snapshot == NULL) {
		g_set_error(error, VMDS_ERROR, VMDS_ERROR_NOT_FOUND, "no snapshot '%s'", id);
		return FALSE;
	}
	ini = vmds_snapshots_file(vm, snapshot->id, ".ini");
	dsd = vmds_snapshots_file(vm, snapshot->id, ".dsd");
	/* gone once its copy is; the .ini left by a crash goes at the next load */
	if (g_unlink(dsd) < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_STORAGE,
			    "cannot remove %s: %s",
			    dsd,
			    g_strerror(errno));
		return FALSE;
	}
	g_ptr_array_remove(vm->snapshots, snapshot);
	if (!vmds_durable_sync(dir, error))
		return FALSE;
	if (g_unlink(ini) < 0)
		g_warning("cannot remove %s: %s", ini, g_strerror(errno));
	return TRUE;
}

/**
 * vmds_snapshots_restore:
 * @vm: a VM
 * @snapshot: one of its snapshots
 * @path: where the copy of its store goes: a file that does not exist
 * @error: a #GError or %NULL
 *
 * Copies the snapshot's store to @path, durably: the VM's store once it is
 * renamed over the live one.
 *
 * Returns: %TRUE once the copy is on disk
 */
gboolean
vmds_snapshots_restore(VmdsVm *vm, VmdsSnapshot *snapshot, const gchar *path, GError **error)
{
	g_autofree gchar *dsd = vmds_snapshots_file(vm, snapshot->id, ".dsd");
	return vmds_durable_copy(dsd, path, error);
}

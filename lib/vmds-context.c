/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds-context.h"
#include "vmds-error.h"

/*
 * The daemon as every plugin sees it: the VM inventory (with ::vm-added,
 * ::vm-removed and ::vm-owner-changed), the configuration and the directories. An abstract class
 * the daemon implements, so a plugin (and the built-in VM routes) depends
 * on lib/ alone.
 */

typedef struct {
	gchar *state_dir;
	gchar *run_dir;
	GKeyFile *config;
} VmdsContextPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(VmdsContext, vmds_context, G_TYPE_OBJECT)

#define GET_PRIVATE(o) (vmds_context_get_instance_private(o))

enum {
	SIGNAL_VM_ADDED,
	SIGNAL_VM_REMOVED,
	SIGNAL_VM_REVERTED,
	SIGNAL_DESCRIBE_VM,
	SIGNAL_VM_OWNER_CHANGED,
	SIGNAL_LAST
};
static guint vmds_context_signals[SIGNAL_LAST] = {0};

/**
 * vmds_context_list_vms:
 * @self: a #VmdsContext
 *
 * Returns: (transfer container) (element-type VmdsVm): the VMs, in id order
 */
GPtrArray *
vmds_context_list_vms(VmdsContext *self)
{
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), NULL);
	return VMDS_CONTEXT_GET_CLASS(self)->list_vms(self);
}

/**
 * vmds_context_lookup_vm:
 * @self: a #VmdsContext
 * @id: a VM id, from a peer: any text
 *
 * Returns: (transfer none) (nullable): the VM
 */
VmdsVm *
vmds_context_lookup_vm(VmdsContext *self, const gchar *id)
{
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), NULL);
	g_return_val_if_fail(id != NULL, NULL);
	return VMDS_CONTEXT_GET_CLASS(self)->lookup_vm(self, id);
}

/**
 * vmds_context_create_vm:
 * @self: a #VmdsContext
 * @name: the VM's name
 * @owner: (nullable): the user it is to belong to, a user of the daemon;
 *   %NULL for none (the administrators' alone)
 * @cid: its vsock context id, or 0
 * @socket_owner: (nullable): the user its socket is to belong to
 * @socket_group: (nullable): the group its socket is to belong to
 * @error: a #GError or %NULL
 *
 * Creates a VM with its store and starts serving its backchannel; then
 * ::vm-added is emitted.
 *
 * Returns: (transfer none): the VM, or %NULL
 */
VmdsVm *
vmds_context_create_vm(VmdsContext *self,
		       const gchar *name,
		       const gchar *owner,
		       guint32 cid,
		       const gchar *socket_owner,
		       const gchar *socket_group,
		       GError **error)
{
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), NULL);
	g_return_val_if_fail(name != NULL, NULL);
	return VMDS_CONTEXT_GET_CLASS(self)->create_vm(
	    self, name, owner, cid, socket_owner, socket_group, error);
}

/**
 * vmds_context_clone_vm:
 * @self: a #VmdsContext
 * @source: a served VM
 * @name: the new VM's name
 * @owner: (nullable): the user it is to belong to, or %NULL for none
 * @cid: its vsock context id, or 0
 * @socket_owner: (nullable): the user its socket is to belong to
 * @socket_group: (nullable): the group its socket is to belong to
 * @error: a #GError or %NULL
 *
 * Creates a VM like vmds_context_create_vm() whose store is a copy of
 * @source's, less what the components' copy rules leave out (data sets
 * flagged omit_from_snapshot_and_clone).
 *
 * Returns: (transfer none): the VM, or %NULL
 */
VmdsVm *
vmds_context_clone_vm(VmdsContext *self,
		      VmdsVm *source,
		      const gchar *name,
		      const gchar *owner,
		      guint32 cid,
		      const gchar *socket_owner,
		      const gchar *socket_group,
		      GError **error)
{
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), NULL);
	g_return_val_if_fail(source != NULL && name != NULL, NULL);
	return VMDS_CONTEXT_GET_CLASS(self)->clone_vm(
	    self, source, name, owner, cid, socket_owner, socket_group, error);
}

/**
 * vmds_context_get_snapshot:
 * @self: a #VmdsContext
 * @vm: a VM
 * @id: a snapshot id, from a peer: any text
 * @error: a #GError or %NULL
 *
 * Returns: (transfer none): @vm's snapshot @id; %NULL with
 *   %VMDS_ERROR_NOT_FOUND when no VM has it, or %VMDS_ERROR_INVALID_ARGUMENT
 *   when it is another VM's
 */
VmdsSnapshot *
vmds_context_get_snapshot(VmdsContext *self, VmdsVm *vm, const gchar *id, GError **error)
{
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), NULL);
	g_return_val_if_fail(vm != NULL && id != NULL, NULL);
	return VMDS_CONTEXT_GET_CLASS(self)->get_snapshot(self, vm, id, error);
}

/**
 * vmds_context_create_snapshot:
 * @self: a #VmdsContext
 * @vm: a served VM
 * @name: the snapshot's name: 1 to 255 bytes of UTF-8
 * @description: its description: at most 1,024 bytes
 * @error: a #GError or %NULL
 *
 * Takes a snapshot of the VM's data: every change acknowledged before,
 * none after, less what the components' copy rules leave out.
 *
 * Returns: (transfer none): the snapshot, or %NULL
 */
VmdsSnapshot *
vmds_context_create_snapshot(
    VmdsContext *self, VmdsVm *vm, const gchar *name, const gchar *description, GError **error)
{
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), NULL);
	g_return_val_if_fail(vm != NULL && name != NULL && description != NULL, NULL);
	return VMDS_CONTEXT_GET_CLASS(self)->create_snapshot(self, vm, name, description, error);
}

/**
 * vmds_context_remove_snapshot:
 * @self: a #VmdsContext
 * @vm: a VM
 * @id: one of its snapshots
 * @error: a #GError or %NULL
 *
 * Returns: %FALSE when nothing was removed
 */
gboolean
vmds_context_remove_snapshot(VmdsContext *self, VmdsVm *vm, const gchar *id, GError **error)
{
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), FALSE);
	g_return_val_if_fail(vm != NULL && id != NULL, FALSE);
	return VMDS_CONTEXT_GET_CLASS(self)->remove_snapshot(self, vm, id, error);
}

/**
 * vmds_context_revert_snapshot:
 * @self: a #VmdsContext
 * @vm: a served VM
 * @id: one of its snapshots
 * @error: a #GError or %NULL
 *
 * Replaces the VM's data as a whole with the snapshot's. The VM's store is
 * closed (#VmdsStore::closed) and a new one opened in its place; guest
 * connections stay open and see the new data from their next request.
 *
 * Returns: %FALSE when the revert failed
 */
gboolean
vmds_context_revert_snapshot(VmdsContext *self, VmdsVm *vm, const gchar *id, GError **error)
{
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), FALSE);
	g_return_val_if_fail(vm != NULL && id != NULL, FALSE);
	if (!VMDS_CONTEXT_GET_CLASS(self)->revert_snapshot(self, vm, id, error))
		return FALSE;
	g_signal_emit(self, vmds_context_signals[SIGNAL_VM_REVERTED], 0, vm);
	return TRUE;
}

/**
 * vmds_context_import_vm:
 * @self: a #VmdsContext
 * @name: the new VM's name
 * @owner: (nullable): the user it is to belong to, or %NULL for none
 * @cid: its vsock context id, or 0
 * @fd: a file holding a store (an export, checked by the caller)
 * @offset: where in @fd the store starts
 * @size: its bytes
 * @error: a #GError or %NULL
 *
 * Creates a VM like vmds_context_create_vm() whose store is a copy of
 * those bytes, once they are found to be a sound store this daemon serves;
 * else nothing is created.
 *
 * Returns: (transfer none): the VM, or %NULL
 */
VmdsVm *
vmds_context_import_vm(VmdsContext *self,
		       const gchar *name,
		       const gchar *owner,
		       guint32 cid,
		       gint fd,
		       goffset offset,
		       goffset size,
		       GError **error)
{
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), NULL);
	g_return_val_if_fail(name != NULL && fd >= 0, NULL);
	return VMDS_CONTEXT_GET_CLASS(self)->import_vm(
	    self, name, owner, cid, fd, offset, size, error);
}

/**
 * vmds_context_set_vm_owner:
 * @self: a #VmdsContext
 * @vm: a VM
 * @owner: (nullable): the user it is to belong to, a user of the daemon;
 *   %NULL for none (the administrators' alone)
 * @error: a #GError or %NULL
 *
 * Gives @vm another owner, durably (#VmdsVm.owner); then
 * ::vm-owner-changed is emitted. Who may see the VM changes with its next
 * request.
 *
 * Returns: %FALSE with %VMDS_ERROR_INVALID_ARGUMENT when @owner is no user
 *   of the daemon, or a storage error; the owner is then unchanged
 */
gboolean
vmds_context_set_vm_owner(VmdsContext *self, VmdsVm *vm, const gchar *owner, GError **error)
{
	g_autofree gchar *previous = NULL;

	g_return_val_if_fail(VMDS_IS_CONTEXT(self), FALSE);
	g_return_val_if_fail(vm != NULL, FALSE);
	previous = g_strdup(vm->owner);
	if (!VMDS_CONTEXT_GET_CLASS(self)->set_vm_owner(self, vm, owner, error))
		return FALSE;
	if (g_strcmp0(previous, vm->owner) != 0)
		g_signal_emit(self, vmds_context_signals[SIGNAL_VM_OWNER_CHANGED], 0, vm, previous);
	return TRUE;
}

/**
 * vmds_context_remove_vm:
 * @self: a #VmdsContext
 * @id: a VM id
 * @error: a #GError or %NULL
 *
 * Emits ::vm-removed, then stops serving the VM and removes it with its
 * store and socket.
 *
 * Returns: %FALSE with %VMDS_ERROR_NOT_FOUND for an unknown VM
 */
gboolean
vmds_context_remove_vm(VmdsContext *self, const gchar *id, GError **error)
{
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), FALSE);
	g_return_val_if_fail(id != NULL, FALSE);
	return VMDS_CONTEXT_GET_CLASS(self)->remove_vm(self, id, error);
}

/**
 * vmds_context_get_backchannel:
 * @self: a #VmdsContext
 * @vm: a VM
 *
 * Returns: (transfer full): the path of the VM's unix socket
 */
gchar *
vmds_context_get_backchannel(VmdsContext *self, VmdsVm *vm)
{
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), NULL);
	g_return_val_if_fail(vm != NULL, NULL);
	return VMDS_CONTEXT_GET_CLASS(self)->get_backchannel(self, vm);
}

/**
 * vmds_context_get_state_dir:
 * @self: a #VmdsContext
 *
 * Returns: where the daemon keeps its VMs (`vms/<id>/`) and what else lasts
 */
const gchar *
vmds_context_get_state_dir(VmdsContext *self)
{
	VmdsContextPrivate *priv = GET_PRIVATE(self);
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), NULL);
	return priv->state_dir;
}

/**
 * vmds_context_get_run_dir:
 * @self: a #VmdsContext
 *
 * Returns: where the daemon keeps its sockets and what lasts until reboot
 */
const gchar *
vmds_context_get_run_dir(VmdsContext *self)
{
	VmdsContextPrivate *priv = GET_PRIVATE(self);
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), NULL);
	return priv->run_dir;
}

/**
 * vmds_context_get_config:
 * @self: a #VmdsContext
 *
 * Returns: (transfer none): the configuration file as last (re)loaded; each
 *   plugin reads its own group, named after it
 */
GKeyFile *
vmds_context_get_config(VmdsContext *self)
{
	VmdsContextPrivate *priv = GET_PRIVATE(self);
	g_return_val_if_fail(VMDS_IS_CONTEXT(self), NULL);
	return priv->config;
}

/**
 * vmds_context_set_dirs:
 * @self: a #VmdsContext
 * @state_dir: the state directory
 * @run_dir: the run directory
 */
void
vmds_context_set_dirs(VmdsContext *self, const gchar *state_dir, const gchar *run_dir)
{
	VmdsContextPrivate *priv = GET_PRIVATE(self);
	g_return_if_fail(VMDS_IS_CONTEXT(self));
	g_free(priv->state_dir);
	priv->state_dir = g_strdup(state_dir);
	g_free(priv->run_dir);
	priv->run_dir = g_strdup(run_dir);
}

/**
 * vmds_context_set_config:
 * @self: a #VmdsContext
 * @config: the configuration file
 */
void
vmds_context_set_config(VmdsContext *self, GKeyFile *config)
{
	VmdsContextPrivate *priv = GET_PRIVATE(self);
	g_return_if_fail(VMDS_IS_CONTEXT(self));
	g_return_if_fail(config != NULL);
	g_key_file_ref(config);
	g_clear_pointer(&priv->config, g_key_file_unref);
	priv->config = config;
}

/**
 * vmds_context_vm_added:
 * @self: a #VmdsContext
 * @vm: a VM now served, or loaded at start
 *
 * Emits ::vm-added.
 */
void
vmds_context_vm_added(VmdsContext *self, VmdsVm *vm)
{
	g_return_if_fail(VMDS_IS_CONTEXT(self));
	g_signal_emit(self, vmds_context_signals[SIGNAL_VM_ADDED], 0, vm);
}

/**
 * vmds_context_vm_removed:
 * @self: a #VmdsContext
 * @vm: a VM about to be removed; its store still open
 *
 * Emits ::vm-removed.
 */
void
vmds_context_vm_removed(VmdsContext *self, VmdsVm *vm)
{
	g_return_if_fail(VMDS_IS_CONTEXT(self));
	g_signal_emit(self, vmds_context_signals[SIGNAL_VM_REMOVED], 0, vm);
}

/**
 * vmds_context_describe_vm:
 * @self: a #VmdsContext
 * @vm: a VM whose settings are being written as a JSON object
 * @caller: who asked for them
 * @out: the object so far, without its closing brace
 *
 * Emits ::describe-vm: each plugin appends its members.
 */
void
vmds_context_describe_vm(VmdsContext *self, VmdsVm *vm, const VmdsCaller *caller, GString *out)
{
	g_return_if_fail(VMDS_IS_CONTEXT(self));
	g_return_if_fail(caller != NULL);
	g_signal_emit(self, vmds_context_signals[SIGNAL_DESCRIBE_VM], 0, vm, caller, out);
}

static void
vmds_context_finalize(GObject *obj)
{
	VmdsContextPrivate *priv = GET_PRIVATE(VMDS_CONTEXT(obj));

	g_free(priv->state_dir);
	g_free(priv->run_dir);
	g_clear_pointer(&priv->config, g_key_file_unref);
	G_OBJECT_CLASS(vmds_context_parent_class)->finalize(obj);
}

static void
vmds_context_init(VmdsContext *self)
{
}

static void
vmds_context_class_init(VmdsContextClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = vmds_context_finalize;

	/**
	 * VmdsContext::vm-added:
	 * @self: the context
	 * @vm: (type gpointer): the #VmdsVm, borrowed
	 *
	 * A VM joined the inventory: one loaded when the daemon starts (after
	 * every plugin started), or one just created. Its store is %NULL when
	 * the daemon does not serve it (#VmdsVm.unavailable says why).
	 */
	vmds_context_signals[SIGNAL_VM_ADDED] = g_signal_new("vm-added",
							     G_TYPE_FROM_CLASS(klass),
							     G_SIGNAL_RUN_LAST,
							     0,
							     NULL,
							     NULL,
							     NULL,
							     G_TYPE_NONE,
							     1,
							     G_TYPE_POINTER);
	/**
	 * VmdsContext::vm-removed:
	 * @self: the context
	 * @vm: (type gpointer): the #VmdsVm, borrowed
	 *
	 * A VM is about to be removed: what a plugin keeps of it goes now.
	 */
	vmds_context_signals[SIGNAL_VM_REMOVED] = g_signal_new("vm-removed",
							       G_TYPE_FROM_CLASS(klass),
							       G_SIGNAL_RUN_LAST,
							       0,
							       NULL,
							       NULL,
							       NULL,
							       G_TYPE_NONE,
							       1,
							       G_TYPE_POINTER);
	/**
	 * VmdsContext::vm-reverted:
	 * @self: the context
	 * @vm: (type gpointer): the #VmdsVm, borrowed
	 *
	 * A VM's data was returned to a snapshot: #VmdsVm.store is another
	 * store now, and what a plugin made of the old one (files, caches)
	 * is to be made again.
	 */
	vmds_context_signals[SIGNAL_VM_REVERTED] = g_signal_new("vm-reverted",
								G_TYPE_FROM_CLASS(klass),
								G_SIGNAL_RUN_LAST,
								0,
								NULL,
								NULL,
								NULL,
								G_TYPE_NONE,
								1,
								G_TYPE_POINTER);
	/**
	 * VmdsContext::describe-vm:
	 * @self: the context
	 * @vm: (type gpointer): the #VmdsVm, borrowed
	 * @caller: (type gpointer): the #VmdsCaller who asked, borrowed
	 * @out: (type gpointer): the #GString of its JSON object so far
	 *
	 * `GET /api/vcenter/vm/{vm}` writes the VM's settings: a plugin adds
	 * what it keeps of the VM as members, each `,"name":value`, named
	 * after the plugin (`vapp_iso`), and only what @caller may see. It
	 * must not fail or block.
	 */
	vmds_context_signals[SIGNAL_DESCRIBE_VM] = g_signal_new("describe-vm",
								G_TYPE_FROM_CLASS(klass),
								G_SIGNAL_RUN_LAST,
								0,
								NULL,
								NULL,
								NULL,
								G_TYPE_NONE,
								3,
								G_TYPE_POINTER,
								G_TYPE_POINTER,
								G_TYPE_POINTER);
	/**
	 * VmdsContext::vm-owner-changed:
	 * @self: the context
	 * @vm: (type gpointer): the #VmdsVm, borrowed; #VmdsVm.owner is the new
	 *   owner
	 * @previous: (type gpointer) (nullable): the owner it had, borrowed
	 *
	 * A VM was given another owner (`PATCH /api/vcenter/vm/{vm}`): what a
	 * plugin keeps of who may see the VM (an index) is to follow.
	 */
	vmds_context_signals[SIGNAL_VM_OWNER_CHANGED] = g_signal_new("vm-owner-changed",
								     G_TYPE_FROM_CLASS(klass),
								     G_SIGNAL_RUN_LAST,
								     0,
								     NULL,
								     NULL,
								     NULL,
								     G_TYPE_NONE,
								     2,
								     G_TYPE_POINTER,
								     G_TYPE_POINTER);
}

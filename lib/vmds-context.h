/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-caller.h"
#include "vmds-vm.h"

G_BEGIN_DECLS

#define VMDS_TYPE_CONTEXT (vmds_context_get_type())
G_DECLARE_DERIVABLE_TYPE(VmdsContext, vmds_context, VMDS, CONTEXT, GObject)

/**
 * VmdsContextClass:
 * @parent_class: the parent class
 * @list_vms: the VMs, in id order
 * @lookup_vm: the VM with an id, or %NULL
 * @create_vm: creates a VM, its store and its backchannel
 * @remove_vm: stops serving a VM and removes it and its store
 * @get_backchannel: the path of a VM's unix socket
 * @clone_vm: creates a VM whose store is a copy of another's
 * @get_snapshot: one of a VM's snapshots
 * @create_snapshot: takes a snapshot of a VM's data
 * @remove_snapshot: deletes one of a VM's snapshots
 * @revert_snapshot: returns a VM's data to a snapshot
 * @import_vm: creates a VM whose store is part of a file (an export)
 * @set_vm_owner: gives a VM another owner, or none
 *
 * What a plugin sees of the daemon. The daemon implements the virtual
 * functions; plugins call the vmds_context_*() functions.
 */
struct _VmdsContextClass {
	GObjectClass parent_class;
	GPtrArray *(*list_vms)(VmdsContext *self);
	VmdsVm *(*lookup_vm)(VmdsContext *self, const gchar *id);
	VmdsVm *(*create_vm)(VmdsContext *self,
			     const gchar *name,
			     const gchar *owner,
			     guint32 cid,
			     const gchar *socket_owner,
			     const gchar *socket_group,
			     GError **error);
	gboolean (*remove_vm)(VmdsContext *self, const gchar *id, GError **error);
	gchar *(*get_backchannel)(VmdsContext *self, VmdsVm *vm);
	VmdsVm *(*clone_vm)(VmdsContext *self,
			    VmdsVm *source,
			    const gchar *name,
			    const gchar *owner,
			    guint32 cid,
			    const gchar *socket_owner,
			    const gchar *socket_group,
			    GError **error);
	VmdsSnapshot *(*get_snapshot)(VmdsContext *self,
				      VmdsVm *vm,
				      const gchar *id,
				      GError **error);
	VmdsSnapshot *(*create_snapshot)(VmdsContext *self,
					 VmdsVm *vm,
					 const gchar *name,
					 const gchar *description,
					 GError **error);
	gboolean (*remove_snapshot)(VmdsContext *self, VmdsVm *vm, const gchar *id, GError **error);
	gboolean (*revert_snapshot)(VmdsContext *self, VmdsVm *vm, const gchar *id, GError **error);
	VmdsVm *(*import_vm)(VmdsContext *self,
			     const gchar *name,
			     const gchar *owner,
			     guint32 cid,
			     gint fd,
			     goffset offset,
			     goffset size,
			     GError **error);
	gboolean (*set_vm_owner)(VmdsContext *self, VmdsVm *vm, const gchar *owner, GError **error);
	gpointer padding[1];
};

GPtrArray *vmds_context_list_vms(VmdsContext *self);
VmdsVm *vmds_context_lookup_vm(VmdsContext *self, const gchar *id);
VmdsVm *vmds_context_create_vm(VmdsContext *self,
			       const gchar *name,
			       const gchar *owner,
			       guint32 cid,
			       const gchar *socket_owner,
			       const gchar *socket_group,
			       GError **error);
gboolean vmds_context_remove_vm(VmdsContext *self, const gchar *id, GError **error);
gchar *vmds_context_get_backchannel(VmdsContext *self, VmdsVm *vm);
VmdsVm *vmds_context_clone_vm(VmdsContext *self,
			      VmdsVm *source,
			      const gchar *name,
			      const gchar *owner,
			      guint32 cid,
			      const gchar *socket_owner,
			      const gchar *socket_group,
			      GError **error);
VmdsSnapshot *
vmds_context_get_snapshot(VmdsContext *self, VmdsVm *vm, const gchar *id, GError **error);
VmdsSnapshot *vmds_context_create_snapshot(
    VmdsContext *self, VmdsVm *vm, const gchar *name, const gchar *description, GError **error);
gboolean
vmds_context_remove_snapshot(VmdsContext *self, VmdsVm *vm, const gchar *id, GError **error);
gboolean
vmds_context_revert_snapshot(VmdsContext *self, VmdsVm *vm, const gchar *id, GError **error);
VmdsVm *vmds_context_import_vm(VmdsContext *self,
			       const gchar *name,
			       const gchar *owner,
			       guint32 cid,
			       gint fd,
			       goffset offset,
			       goffset size,
			       GError **error);
gboolean
vmds_context_set_vm_owner(VmdsContext *self, VmdsVm *vm, const gchar *owner, GError **error);
const gchar *vmds_context_get_state_dir(VmdsContext *self);
const gchar *vmds_context_get_run_dir(VmdsContext *self);
GKeyFile *vmds_context_get_config(VmdsContext *self);

/* for the daemon, which implements the context */
void vmds_context_set_dirs(VmdsContext *self, const gchar *state_dir, const gchar *run_dir);
void vmds_context_set_config(VmdsContext *self, GKeyFile *config);
void vmds_context_vm_added(VmdsContext *self, VmdsVm *vm);
void vmds_context_vm_removed(VmdsContext *self, VmdsVm *vm);
void
vmds_context_describe_vm(VmdsContext *self, VmdsVm *vm, const VmdsCaller *caller, GString *out);

G_END_DECLS

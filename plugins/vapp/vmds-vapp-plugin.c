/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "vmds-guestinfo.h"
#include "vmds-ovf-iso.h"
#include "vmds-vapp-plugin.h"
#include "vmds-vapp.h"

/*
 * The vApp plugin: a VM's vApp properties (REST, vmds-vapp-rest.c) and the
 * OVF environment the guest reads them in: the guestinfo variable `ovfEnv`
 * (in the VM's store, served by the guestinfo plugin's `info-get`), and
 * `ovf-env.iso` in the VM's directory for a hypervisor to attach as a
 * CD-ROM. The store is the truth; the ISO is made from it after each change
 * commits, and again whenever the store may say something else than the
 * file: when the VM is loaded, cloned, imported or reverted to a snapshot.
 * Its bytes depend only on the environment and when that changed, so a
 * file already right is left alone.
 */

struct _VmdsVappPlugin {
	VmdsPlugin parent_instance;
};

G_DEFINE_FINAL_TYPE(VmdsVappPlugin, vmds_vapp_plugin, VMDS_TYPE_PLUGIN)

/**
 * vmds_vapp_plugin_iso_path:
 * @vm: a VM
 *
 * Returns: (transfer full): where its environment's ISO image is kept
 */
gchar *
vmds_vapp_plugin_iso_path(VmdsVm *vm)
{
	return g_build_filename(vm->dir, VMDS_VAPP_ISO_NAME, NULL);
}

/**
 * vmds_vapp_plugin_sync_iso:
 * @vm: a served VM
 * @error: a #GError or %NULL
 *
 * Makes the VM's ISO image hold its environment while the iso transport is
 * on, and removes it while it is off.
 *
 * Returns: %FALSE when the store cannot be read or the file written
 */
gboolean
vmds_vapp_plugin_sync_iso(VmdsVm *vm, GError **error)
{
	g_auto(VmdsVappState) state = {0};
	g_autofree gchar *path = vmds_vapp_plugin_iso_path(vm);
	g_autoptr(GBytes) iso = NULL;
	gboolean changed = FALSE;

	if (!vmds_vapp_get_state(vm->store, &state, error))
		return FALSE;
	if (!state.enabled || !state.transport_iso || state.env == NULL) {
		if (g_unlink(path) != 0 && errno != ENOENT) {
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
	iso = vmds_ovf_iso_build(state.env, state.env_changed, error);
	if (iso == NULL || !vmds_ovf_iso_sync(path, iso, &changed, error))
		return FALSE;
	if (changed)
		g_info("%s: wrote %s", vm->id, path);
	return TRUE;
}

/* the environment and its ISO as the VM's store says, now */
static void
vmds_vapp_plugin_refresh(VmdsVm *vm)
{
	g_autoptr(GError) error_local = NULL;

	if (vm->store == NULL)
		return;
	if (!vmds_vapp_publish(vm->store, vm->id, &error_local) ||
	    !vmds_vapp_plugin_sync_iso(vm, &error_local))
		g_warning(
		    "%s: the OVF environment is not up to date: %s", vm->id, error_local->message);
}

static void
vmds_vapp_plugin_vm_changed_cb(VmdsContext *context, VmdsVm *vm, gpointer user_data)
{
	vmds_vapp_plugin_refresh(vm);
}

/* GET /api/vcenter/vm/{vm}: "vapp_iso", the ISO image's path, while the
 * iso transport is on */
static void
vmds_vapp_plugin_describe_vm_cb(
    VmdsContext *context, VmdsVm *vm, const VmdsCaller *caller, GString *out, gpointer data)
{
	g_auto(VmdsVappState) state = {0};
	g_autofree gchar *path = NULL;

	if (vm->store == NULL || !vmds_vapp_get_state(vm->store, &state, NULL) || !state.enabled ||
	    !state.transport_iso)
		return;
	path = vmds_vapp_plugin_iso_path(vm);
	g_string_append(out, ",\"vapp_iso\":");
	vmds_json_append_string(out, path, -1);
}

static gboolean
vmds_vapp_plugin_startup(VmdsPlugin *plugin, GError **error)
{
	VmdsContext *context = vmds_plugin_get_context(plugin);

	/* the environment is also a guestinfo variable: the guestinfo
	 * component's tables are needed even when its plugin is not loaded */
	vmds_plugin_add_schema(plugin, &vmds_guestinfo_schema);
	vmds_plugin_add_schema(plugin, &vmds_vapp_schema);
	vmds_vapp_rest_add_routes(plugin);
	g_signal_connect_object(context,
				"vm-added",
				G_CALLBACK(vmds_vapp_plugin_vm_changed_cb),
				plugin,
				G_CONNECT_DEFAULT);
	g_signal_connect_object(context,
				"vm-reverted",
				G_CALLBACK(vmds_vapp_plugin_vm_changed_cb),
				plugin,
				G_CONNECT_DEFAULT);
	g_signal_connect_object(context,
				"describe-vm",
				G_CALLBACK(vmds_vapp_plugin_describe_vm_cb),
				plugin,
				G_CONNECT_DEFAULT);
	return TRUE;
}

static void
vmds_vapp_plugin_init(VmdsVappPlugin *self)
{
}

static void
vmds_vapp_plugin_class_init(VmdsVappPluginClass *klass)
{
	VmdsPluginClass *plugin_class = VMDS_PLUGIN_CLASS(klass);

	plugin_class->startup = vmds_vapp_plugin_startup;
}

VMDS_PLUGIN_DEFINE(vmds_vapp_plugin)

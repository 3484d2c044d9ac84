/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmds-plugin-loader.h"

/*
 * Loads plugin modules the way NetworkManager does: only files owned by root
 * (or by the daemon's own user) and not writable by group or others, opened
 * with local binding, checked for the API version they were built against,
 * and kept resident because they register GTypes.
 */

typedef GType (*VmdsPluginGetTypeFunc)(void);

static gint
vmds_plugin_loader_compare_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

static gboolean
vmds_plugin_loader_check_file(const gchar *path, GError **error)
{
	GStatBuf st;

	if (g_stat(path, &st) < 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_NOT_FOUND,
			    "cannot stat %s: %s",
			    path,
			    g_strerror(errno));
		return FALSE;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(
		    error, VMDS_ERROR, VMDS_ERROR_INVALID_ARGUMENT, "%s is not a file", path);
		return FALSE;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_ACCESS_DENIED,
			    "%s is owned by uid %u, not by root or the daemon's user",
			    path,
			    (guint)st.st_uid);
		return FALSE;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_ACCESS_DENIED,
			    "%s is writable by group or others (mode %04o)",
			    path,
			    (guint)(st.st_mode & 07777));
		return FALSE;
	}
	return TRUE;
}

/**
 * vmds_plugin_loader_open:
 * @path: a plugin module, `.../libvmds-plugin-<name>.so`
 * @error: a #GError or %NULL
 *
 * Returns: (transfer full): the plugin, not started yet
 */
VmdsPlugin *
vmds_plugin_loader_open(const gchar *path, GError **error)
{
	g_autofree gchar *basename = g_path_get_basename(path);
	g_autofree gchar *name = NULL;
	const guint32 *api_version = NULL;
	VmdsPluginGetTypeFunc get_type = NULL;
	GModule *module;
	GType type;

	if (!g_str_has_prefix(basename, VMDS_PLUGIN_PREFIX) || !g_str_has_suffix(basename, ".so") ||
	    strlen(basename) <= strlen(VMDS_PLUGIN_PREFIX ".so")) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s is not named " VMDS_PLUGIN_PREFIX "NAME.so",
			    path);
		return NULL;
	}
	name = g_strndup(basename + strlen(VMDS_PLUGIN_PREFIX),
			 strlen(basename) - strlen(VMDS_PLUGIN_PREFIX ".so"));
	if (!vmds_plugin_loader_check_file(path, error))
		return NULL;
	module = g_module_open(path, G_MODULE_BIND_LOCAL);
	if (module == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "cannot load %s: %s",
			    path,
			    g_module_error());
		return NULL;
	}
	if (!g_module_symbol(module, "vmds_plugin_api_version", (gpointer *)&api_version) ||
	    !g_module_symbol(module, "vmds_plugin_module_get_type", (gpointer *)&get_type) ||
	    api_version == NULL || get_type == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s is not a vmds plugin: %s",
			    path,
			    g_module_error());
		g_module_close(module);
		return NULL;
	}
	if (*api_version != VMDS_PLUGIN_API_VERSION) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_UNSUPPORTED,
			    "%s was built for plugin API %u, this daemon has API %u",
			    path,
			    *api_version,
			    (guint)VMDS_PLUGIN_API_VERSION);
		g_module_close(module);
		return NULL;
	}
	/* its GTypes stay registered: the module may never be unloaded */
	g_module_make_resident(module);
	type = get_type();
	if (!g_type_is_a(type, VMDS_TYPE_PLUGIN)) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s: type %s is not a VmdsPlugin",
			    path,
			    g_type_name(type));
		return NULL;
	}
	return g_object_new(type, "name", name, NULL);
}

/* the plugin of @plugins that has the name @path's file name gives */
static VmdsPlugin *
vmds_plugin_loader_find(GPtrArray *plugins, const gchar *path)
{
	g_autofree gchar *basename = g_path_get_basename(path);

	for (guint i = 0; i < plugins->len; i++) {
		VmdsPlugin *plugin = g_ptr_array_index(plugins, i);
		g_autofree gchar *file =
		    g_strdup_printf(VMDS_PLUGIN_PREFIX "%s.so", vmds_plugin_get_name(plugin));
		if (g_strcmp0(file, basename) == 0)
			return plugin;
	}
	return NULL;
}

/**
 * vmds_plugin_loader_load_dirs:
 * @dirs: directories separated by `:`
 *
 * Opens every `libvmds-plugin-*.so` in @dirs, in name order; one that fails
 * is left out with a warning that says why. The first plugin of a name wins.
 *
 * Returns: (transfer container) (element-type VmdsPlugin): the plugins
 */
GPtrArray *
vmds_plugin_loader_load_dirs(const gchar *dirs)
{
	g_autoptr(GPtrArray) plugins = g_ptr_array_new_with_free_func(g_object_unref);
	g_auto(GStrv) paths = g_strsplit(dirs, ":", -1);

	for (guint i = 0; paths[i] != NULL; i++) {
		g_autoptr(GDir) dir = NULL;
		g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GError) error = NULL;
		const gchar *name;

		if (paths[i][0] == '\0')
			continue;
		dir = g_dir_open(paths[i], 0, &error);
		if (dir == NULL) {
			g_warning("cannot read plugin directory: %s", error->message);
			continue;
		}
		while ((name = g_dir_read_name(dir)) != NULL) {
			if (g_str_has_prefix(name, VMDS_PLUGIN_PREFIX) &&
			    g_str_has_suffix(name, ".so"))
				g_ptr_array_add(files, g_build_filename(paths[i], name, NULL));
		}
		g_ptr_array_sort(files, vmds_plugin_loader_compare_cb);
		for (guint j = 0; j < files->len; j++) {
			const gchar *file = g_ptr_array_index(files, j);
			g_autoptr(GError) error_local = NULL;
			VmdsPlugin *plugin;
			/* two copies of one plugin would register its types twice */
			if (vmds_plugin_loader_find(plugins, file) != NULL) {
				g_info("a plugin of that name is loaded already; ignoring %s",
				       file);
				continue;
			}
			plugin = vmds_plugin_loader_open(file, &error_local);
			if (plugin == NULL) {
				g_warning("plugin not loaded: %s", error_local->message);
				continue;
			}
			g_ptr_array_add(plugins, plugin);
		}
	}
	return g_steal_pointer(&plugins);
}

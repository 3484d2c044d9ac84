/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <unistd.h>

#include "vmds-plugin-loader.h"
#include "vmds-safe-path.h"

/*
 * Loads plugin modules the way NetworkManager does: only from directories
 * that no one but root and the daemon's user can change, only files owned by
 * them and not writable by group or others, opened with local binding,
 * checked for the API version they were built against, and kept resident
 * because they register GTypes. The file checked is the file loaded: it is
 * opened once (a symlink is refused), checked through that descriptor, and
 * loaded through it as /proc/self/fd/N.
 */

typedef GType (*VmdsPluginGetTypeFunc)(void);

static gint
vmds_plugin_loader_compare_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/**
 * vmds_plugin_loader_open_fd:
 * @fd: a descriptor of the plugin module, checked; taken
 * @path: where it was found, `.../libvmds-plugin-<name>.so`: its name
 * @error: a #GError or %NULL
 *
 * Loads the module @fd holds, whatever @path names by now: through
 * /proc/self/fd. GModule and the dynamic loader both know a module by its
 * file name, so a later plugin opened on a reused descriptor number would
 * get this one (and a module that fails the checks below may stay mapped
 * after g_module_close()): once a module was opened, @fd stays open for the
 * life of the process, as the module does.
 *
 * Returns: (transfer full): the plugin, not started yet
 */
VmdsPlugin *
vmds_plugin_loader_open_fd(gint fd, const gchar *path, GError **error)
{
	g_autofree gchar *basename = g_path_get_basename(path);
	g_autofree gchar *name = NULL;
	g_autofree gchar *fd_path = g_strdup_printf("/proc/self/fd/%d", fd);
	const guint32 *api_version = NULL;
	VmdsPluginGetTypeFunc get_type = NULL;
	GModule *module;
	GType type;

	g_return_val_if_fail(fd >= 0, NULL);
	g_return_val_if_fail(path != NULL, NULL);

	if (!g_str_has_prefix(basename, VMDS_PLUGIN_PREFIX) || !g_str_has_suffix(basename, ".so") ||
	    strlen(basename) <= strlen(VMDS_PLUGIN_PREFIX ".so")) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "%s is not named " VMDS_PLUGIN_PREFIX "NAME.so",
			    path);
		close(fd);
		return NULL;
	}
	name = g_strndup(basename + strlen(VMDS_PLUGIN_PREFIX),
			 strlen(basename) - strlen(VMDS_PLUGIN_PREFIX ".so"));
	module = g_module_open(fd_path, G_MODULE_BIND_LOCAL);
	if (module == NULL) {
		g_set_error(error,
			    VMDS_ERROR,
			    VMDS_ERROR_INVALID_ARGUMENT,
			    "cannot load %s: %s",
			    path,
			    g_module_error());
		close(fd);
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

/**
 * vmds_plugin_loader_open:
 * @path: a plugin module, `.../libvmds-plugin-<name>.so`
 * @error: a #GError or %NULL
 *
 * Loads @path if its directory passes vmds_safe_path_check_dir() and the
 * file itself (not a symlink) is owned by root or the daemon's user and
 * not writable by group or others; what was checked is what is loaded.
 *
 * Returns: (transfer full): the plugin, not started yet
 */
VmdsPlugin *
vmds_plugin_loader_open(const gchar *path, GError **error)
{
	g_autofree gchar *dirname = NULL;
	gint fd;

	g_return_val_if_fail(path != NULL, NULL);

	/* a plugin directory no one else can write (not even sticky), then the file */
	dirname = g_path_get_dirname(path);
	if (!vmds_safe_path_check_dir(dirname, error))
		return NULL;
	fd = vmds_safe_path_open(path, VMDS_SAFE_PATH_FLAG_NOFOLLOW, error);
	if (fd < 0)
		return NULL;
	return vmds_plugin_loader_open_fd(fd, path, error);
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
 * @error: a #GError or %NULL
 *
 * Opens every `libvmds-plugin-*.so` in @dirs, in name order; one that fails
 * is left out with a warning that says why, as is a directory that does not
 * exist. The first plugin of a name wins.
 *
 * Returns: (transfer container) (element-type VmdsPlugin): the plugins, or
 * %NULL with %VMDS_ERROR_ACCESS_DENIED when someone other than root or the
 * daemon's user can change one of @dirs
 */
GPtrArray *
vmds_plugin_loader_load_dirs(const gchar *dirs, GError **error)
{
	g_autoptr(GPtrArray) plugins = g_ptr_array_new_with_free_func(g_object_unref);
	g_auto(GStrv) paths = g_strsplit(dirs, ":", -1);

	for (guint i = 0; paths[i] != NULL; i++) {
		g_autoptr(GDir) dir = NULL;
		g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GError) error_local = NULL;
		const gchar *name;

		if (paths[i][0] == '\0')
			continue;
		if (!vmds_safe_path_check_dir(paths[i], &error_local)) {
			if (!g_error_matches(error_local, VMDS_ERROR, VMDS_ERROR_NOT_FOUND)) {
				g_propagate_prefixed_error(error,
							   g_steal_pointer(&error_local),
							   "refusing the plugin directory: ");
				return NULL;
			}
			g_warning("cannot read plugin directory: %s", error_local->message);
			continue;
		}
		dir = g_dir_open(paths[i], 0, &error_local);
		if (dir == NULL) {
			g_warning("cannot read plugin directory: %s", error_local->message);
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
			g_autoptr(GError) error_plugin = NULL;
			VmdsPlugin *plugin;
			/* two copies of one plugin would register its types twice */
			if (vmds_plugin_loader_find(plugins, file) != NULL) {
				g_info("a plugin of that name is loaded already; ignoring %s",
				       file);
				continue;
			}
			plugin = vmds_plugin_loader_open(file, &error_plugin);
			if (plugin == NULL) {
				g_warning("plugin not loaded: %s", error_plugin->message);
				continue;
			}
			g_ptr_array_add(plugins, plugin);
		}
	}
	return g_steal_pointer(&plugins);
}

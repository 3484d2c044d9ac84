/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "vmds-paths.h"

/*
 * Defaults work with no configuration: root gets the system directories, an
 * ordinary user the XDG ones. VMDS_STATE_DIR, VMDS_RUN_DIR and VMDS_CONFIG
 * override them for the daemon and its clients alike.
 */

static gchar *
vmds_paths_from_env(const gchar *name)
{
	const gchar *value = g_getenv(name);
	return value != NULL && value[0] != '\0' ? g_strdup(value) : NULL;
}

/**
 * vmds_paths_state_dir:
 *
 * Returns: the directory holding the VMs' stores: `$VMDS_STATE_DIR`, else
 * `/var/lib/vmds` for root, else `$XDG_STATE_HOME/vmds`
 */
gchar *
vmds_paths_state_dir(void)
{
	gchar *dir = vmds_paths_from_env("VMDS_STATE_DIR");
	if (dir != NULL)
		return dir;
	if (geteuid() == 0)
		return g_strdup(VMDS_SYSTEM_STATE_DIR);
	return g_build_filename(g_get_user_state_dir(), "vmds", NULL);
}

/**
 * vmds_paths_run_dir:
 *
 * Returns: the directory of the VMs' backchannel sockets: `$VMDS_RUN_DIR`,
 * else `/run/vmds` for root, else `$XDG_RUNTIME_DIR/vmds`
 */
gchar *
vmds_paths_run_dir(void)
{
	gchar *dir = vmds_paths_from_env("VMDS_RUN_DIR");
	if (dir != NULL)
		return dir;
	if (geteuid() == 0)
		return g_strdup(VMDS_SYSTEM_RUN_DIR);
	return g_build_filename(g_get_user_runtime_dir(), "vmds", NULL);
}

/**
 * vmds_paths_config_file:
 *
 * Returns: the daemon's config file: `$VMDS_CONFIG`, else
 * `/etc/vmds/vmds.conf` for root, else `$XDG_CONFIG_HOME/vmds/vmds.conf`
 */
gchar *
vmds_paths_config_file(void)
{
	gchar *path = vmds_paths_from_env("VMDS_CONFIG");
	if (path != NULL)
		return path;
	if (geteuid() == 0)
		return g_build_filename(VMDS_SYSCONFDIR, "vmds.conf", NULL);
	return g_build_filename(g_get_user_config_dir(), "vmds", "vmds.conf", NULL);
}

/**
 * vmds_paths_socket:
 * @run_dir: the run directory
 * @vm: a VM id
 *
 * Returns: the path of @vm's backchannel socket
 */
gchar *
vmds_paths_socket(const gchar *run_dir, const gchar *vm)
{
	g_autofree gchar *name = g_strdup_printf("%s.sock", vm);
	return g_build_filename(run_dir, name, NULL);
}

/**
 * vmds_paths_id_number:
 * @id: an id from a peer: any text
 * @prefix: what the ids of its kind start with, `vm-` or `snapshot-`
 *
 * Returns: N of @prefix N (1 to 4294967294, no sign, no leading space), or
 *   0 when @id is not of that form
 */
guint
vmds_paths_id_number(const gchar *id, const gchar *prefix)
{
	guint64 n = 0;

	if (!g_str_has_prefix(id, prefix) ||
	    !g_ascii_string_to_unsigned(id + strlen(prefix), 10, 1, G_MAXUINT32 - 1, &n, NULL))
		return 0;
	return (guint)n;
}

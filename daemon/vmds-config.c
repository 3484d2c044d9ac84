/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <grp.h>

#include "vmds-config-table.h"
#include "vmds-config.h"
#include "vmds-safe-path.h"
#include "vmds.h"

/*
 * vmds.conf is a GKeyFile. Every key of the daemon's own groups is checked:
 * an unknown key or a value of the wrong type is an error naming it, so a typo
 * never passes silently. Groups the daemon does not know belong to plugins.
 */

static const VmdsConfigKey vmds_config_keys[] = {
    {"daemon", "state-dir", VMDS_CONFIG_STRING, G_STRUCT_OFFSET(VmdsConfig, state_dir)},
    {"daemon", "run-dir", VMDS_CONFIG_STRING, G_STRUCT_OFFSET(VmdsConfig, run_dir)},
    {"daemon", "plugin-dir", VMDS_CONFIG_STRING, G_STRUCT_OFFSET(VmdsConfig, plugin_dir)},
    {"daemon",
     "max-snapshots",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, max_snapshots),
     0,
     1024},
    {"backchannel", "socket-mode", VMDS_CONFIG_MODE, G_STRUCT_OFFSET(VmdsConfig, socket_mode)},
    {"backchannel", "group", VMDS_CONFIG_STRING, G_STRUCT_OFFSET(VmdsConfig, group)},
    {"backchannel",
     "max-connections",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, max_connections),
     1,
     100000},
    {"backchannel",
     "max-connections-per-vm",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, max_connections_per_vm),
     0,
     100000},
    {"backchannel",
     "request-timeout",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, request_timeout),
     1,
     3600},
    {"backchannel",
     "idle-timeout",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, idle_timeout),
     1,
     86400},
    {"backchannel",
     "max-request",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, max_request),
     64,
     16 * 1024 * 1024},
    {"http", "listen", VMDS_CONFIG_STRING, G_STRUCT_OFFSET(VmdsConfig, http_listen)},
    {"http", "tls-certificate", VMDS_CONFIG_STRING, G_STRUCT_OFFSET(VmdsConfig, tls_certificate)},
    {"http", "tls-key", VMDS_CONFIG_STRING, G_STRUCT_OFFSET(VmdsConfig, tls_key)},
    {"http", "username", VMDS_CONFIG_STRING, G_STRUCT_OFFSET(VmdsConfig, username)},
    {"http", "password-file", VMDS_CONFIG_STRING, G_STRUCT_OFFSET(VmdsConfig, password_file)},
    {"http",
     "session-timeout",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, session_timeout),
     1,
     7 * 86400},
    {"http",
     "max-body",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, max_body),
     1024,
     256 * 1024 * 1024},
    {"http",
     "max-import",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, max_import),
     1048576,
     G_MAXUINT32},
    {"http",
     "max-sessions",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, max_sessions),
     1,
     1000000},
    {"http", "socket", VMDS_CONFIG_STRING, G_STRUCT_OFFSET(VmdsConfig, http_socket)},
    {"http", "admin-group", VMDS_CONFIG_STRING, G_STRUCT_OFFSET(VmdsConfig, admin_group)},
    {"http", "server-names", VMDS_CONFIG_STRV, G_STRUCT_OFFSET(VmdsConfig, server_names)},
    {"http",
     "max-connections",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, http_max_connections),
     1,
     100000},
    {"http",
     "max-connections-per-client",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, http_max_connections_client),
     1,
     100000},
    {"http",
     "request-timeout",
     VMDS_CONFIG_UINT,
     G_STRUCT_OFFSET(VmdsConfig, http_request_timeout),
     1,
     3600},
    {"vsock", "port", VMDS_CONFIG_UINT, G_STRUCT_OFFSET(VmdsConfig, vsock_port), 1, G_MAXUINT32},
};

/**
 * vmds_config_has_group:
 * @group: a group of vmds.conf
 *
 * Returns: whether the daemon itself reads @group; the others are plugins'
 */
gboolean
vmds_config_has_group(const gchar *group)
{
	return vmds_config_table_has_group(vmds_config_keys, G_N_ELEMENTS(vmds_config_keys), group);
}

/**
 * vmds_config_new:
 *
 * Returns: (transfer full): the built-in defaults
 */
VmdsConfig *
vmds_config_new(void)
{
	VmdsConfig *self = g_new0(VmdsConfig, 1);
	self->keyfile = g_key_file_new();
	self->socket_mode = VMDS_CONFIG_DEFAULT_SOCKET_MODE;
	self->gid = (gid_t)-1;
	self->max_connections = VMDS_CONFIG_DEFAULT_MAX_CONNECTIONS;
	self->request_timeout = VMDS_CONFIG_DEFAULT_REQUEST_TIMEOUT;
	self->idle_timeout = VMDS_CONFIG_DEFAULT_IDLE_TIMEOUT;
	self->max_request = VMDS_PACKET_MAX_REQUEST;
	self->http_listen = g_strdup_printf("127.0.0.1:%u", (guint)VMDS_DEFAULT_HTTP_PORT);
	self->username = g_strdup(VMDS_CONFIG_DEFAULT_USERNAME);
	self->session_timeout = VMDS_CONFIG_DEFAULT_SESSION_TIMEOUT;
	self->max_sessions = VMDS_CONFIG_DEFAULT_MAX_SESSIONS;
	self->max_snapshots = VMDS_CONFIG_DEFAULT_MAX_SNAPSHOTS;
	self->max_import = VMDS_CONFIG_DEFAULT_MAX_IMPORT;
	self->admin_gid = (gid_t)-1;
	self->http_max_connections = VMDS_CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS;
	self->http_max_connections_client = VMDS_CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS_CLIENT;
	self->http_request_timeout = VMDS_CONFIG_DEFAULT_HTTP_REQUEST_TIMEOUT;
	self->max_body = VMDS_CONFIG_DEFAULT_MAX_BODY;
	return self;
}

/* the gid of the group @name that the key @what gave, or (gid_t)-1 for none */
static gboolean
vmds_config_resolve_group(const gchar *what, const gchar *name, gid_t *gid, GError **error)
{
	struct group *gr;

	*gid = (gid_t)-1;
	if (name == NULL || name[0] == '\0')
		return TRUE;
	gr = getgrnam(name);
	if (gr == NULL) {
		g_set_error(error,
			    G_KEY_FILE_ERROR,
			    G_KEY_FILE_ERROR_INVALID_VALUE,
			    "%s: no group named '%s'",
			    what,
			    name);
		return FALSE;
	}
	*gid = gr->gr_gid;
	return TRUE;
}

static gboolean
vmds_config_parse(VmdsConfig *self, GError **error)
{
	if (!vmds_config_table_read(
		self->keyfile, vmds_config_keys, G_N_ELEMENTS(vmds_config_keys), self, error))
		return FALSE;
	if (!vmds_config_resolve_group("[backchannel] group", self->group, &self->gid, error) ||
	    !vmds_config_resolve_group(
		"[http] admin-group", self->admin_group, &self->admin_gid, error))
		return FALSE;
	if ((self->tls_certificate == NULL) != (self->tls_key == NULL)) {
		g_set_error_literal(error,
				    G_KEY_FILE_ERROR,
				    G_KEY_FILE_ERROR_INVALID_VALUE,
				    "[http] tls-certificate and tls-key go together");
		return FALSE;
	}
	return TRUE;
}

/**
 * vmds_config_load_data:
 * @data: the text of a vmds.conf
 * @len: its length
 * @error: a #GError or %NULL
 *
 * Returns: (transfer full): the settings, or %NULL with %VMDS_ERROR_INVALID_ARGUMENT
 */
VmdsConfig *
vmds_config_load_data(const gchar *data, gsize len, GError **error)
{
	g_autoptr(VmdsConfig) self = vmds_config_new();

	if (!g_key_file_load_from_data(self->keyfile, data, len, G_KEY_FILE_NONE, error) ||
	    !vmds_config_parse(self, error)) {
		vmds_error_convert(error);
		return NULL;
	}
	return g_steal_pointer(&self);
}

/**
 * vmds_config_load:
 * @path: (nullable): a vmds.conf
 * @required: whether a missing file is an error (it is when named with -c)
 * @error: a #GError or %NULL
 *
 * The file must be one that only root and the daemon's user can change:
 * owned by one of them, not writable by group or others, in directories
 * that pass vmds_safe_path_check_dir()'s rule on the way.
 *
 * Returns: (transfer full): the settings: the defaults where @path is %NULL
 * or absent and not @required
 */
VmdsConfig *
vmds_config_load(const gchar *path, gboolean required, GError **error)
{
	g_autoptr(VmdsConfig) self = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;
	g_autoptr(GError) error_local = NULL;

	if (path == NULL)
		return vmds_config_new();
	data = vmds_safe_path_read(path, VMDS_SAFE_PATH_FLAG_NONE, &len, &error_local);
	if (data == NULL) {
		if (!required && g_error_matches(error_local, VMDS_ERROR, VMDS_ERROR_NOT_FOUND))
			return vmds_config_new();
		if (g_error_matches(error_local, VMDS_ERROR, VMDS_ERROR_ACCESS_DENIED))
			g_prefix_error(&error_local, "refusing the config file: ");
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	self = vmds_config_load_data(data, len, error);
	if (self == NULL) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	self->path = g_strdup(path);
	return g_steal_pointer(&self);
}

/**
 * vmds_config_free:
 * @config: (nullable): a #VmdsConfig
 */
void
vmds_config_free(VmdsConfig *config)
{
	if (config == NULL)
		return;
	g_key_file_unref(config->keyfile);
	g_free(config->path);
	g_free(config->state_dir);
	g_free(config->run_dir);
	g_free(config->plugin_dir);
	g_free(config->group);
	g_free(config->http_listen);
	g_free(config->tls_certificate);
	g_free(config->tls_key);
	g_free(config->username);
	g_free(config->password_file);
	g_free(config->http_socket);
	g_free(config->admin_group);
	g_strfreev(config->server_names);
	g_free(config);
}

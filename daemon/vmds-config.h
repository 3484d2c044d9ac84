/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* the defaults of what vmds.conf(5) may set: each stated here alone */
#define VMDS_CONFIG_DEFAULT_SOCKET_MODE			0660
#define VMDS_CONFIG_DEFAULT_MAX_CONNECTIONS		1024
#define VMDS_CONFIG_DEFAULT_REQUEST_TIMEOUT		5
#define VMDS_CONFIG_DEFAULT_IDLE_TIMEOUT		60
#define VMDS_CONFIG_DEFAULT_USERNAME			"admin"
#define VMDS_CONFIG_DEFAULT_SESSION_TIMEOUT		1800
#define VMDS_CONFIG_DEFAULT_MAX_SESSIONS		4096
#define VMDS_CONFIG_DEFAULT_MAX_SNAPSHOTS		32
#define VMDS_CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS	256
#define VMDS_CONFIG_DEFAULT_HTTP_MAX_CONNECTIONS_CLIENT 32
#define VMDS_CONFIG_DEFAULT_HTTP_REQUEST_TIMEOUT	10
/* a value of 1 MiB (the longest a store holds) as a JSON string, escaped at
 * worst six-fold, and 64 KiB of room */
#define VMDS_CONFIG_DEFAULT_MAX_BODY (6 * 1048576 + 64 * 1024)
/* an exported VM: a store of 100 MiB of data with room for its keys,
 * indexes and free pages */
#define VMDS_CONFIG_DEFAULT_MAX_IMPORT (512u * 1048576)

/**
 * VmdsConfig:
 *
 * The daemon's settings: vmds.conf(5) with the built-in defaults under it.
 * Command-line options and the VMDS_* environment override the file.
 */
typedef struct {
	GKeyFile *keyfile; /* the whole file, for plugins' own sections */
	gchar *path;	   /* (nullable): the file it came from */
	/* [daemon] */
	gchar *state_dir;
	gchar *run_dir;
	gchar *plugin_dir;
	guint max_snapshots; /* per VM */
	/* [backchannel] */
	guint socket_mode;
	gchar *group;
	gid_t gid; /* of group, or (gid_t)-1 */
	guint max_connections;
	guint max_connections_per_vm; /* 0: an equal share of max_connections */
	guint request_timeout;	      /* seconds from a request's first byte to its last */
	guint idle_timeout;	      /* seconds a connection may wait between requests */
	guint max_request;	      /* bytes of one request payload */
	/* [http] */
	gchar *http_listen; /* HOST:PORT, or "" for no REST server */
	gchar *tls_certificate;
	gchar *tls_key;
	gchar *username;
	gchar *password_file;
	guint session_timeout; /* seconds a session may stay idle */
	guint max_sessions;
	guint max_body;	    /* bytes of one request body */
	guint max_import;   /* bytes of an import's body, written to disk as it comes */
	gchar *http_socket; /* (nullable): the unix socket; NULL: the default, "": none */
	gchar *admin_group;
	gid_t admin_gid;		   /* of admin_group, or (gid_t)-1 */
	gchar **server_names;		   /* (nullable): host names REST answers to */
	guint http_max_connections;	   /* over TCP */
	guint http_max_connections_client; /* over TCP, from one client */
	guint http_request_timeout;	   /* seconds for a request, or a part of a reply */
	/* [vsock] */
	guint vsock_port; /* 0: no vsock listener */
} VmdsConfig;

VmdsConfig *vmds_config_new(void);
gboolean vmds_config_has_group(const gchar *group);
VmdsConfig *vmds_config_load(const gchar *path, gboolean required, GError **error);
VmdsConfig *vmds_config_load_data(const gchar *data, gsize len, GError **error);
void vmds_config_free(VmdsConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsConfig, vmds_config_free)

G_END_DECLS

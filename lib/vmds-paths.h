/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the REST port when neither --http nor the config file names one */
#define VMDS_DEFAULT_HTTP_PORT 8976
/* the VM that the embedded default creates and that clients talk to */
#define VMDS_DEFAULT_VM "vm-1"
/* file names inside the state and run directories */
#define VMDS_ADMIN_PASSWORD_FILE "admin-password"
#define VMDS_URL_FILE		 "vmdsd.url"
/* the REST API for trusted local users, in the run directory */
#define VMDS_API_SOCKET_FILE "api.sock"
/* the media type of an exported VM, which the daemon sends and the CLI
 * sends back */
#define VMDS_EXPORT_CONTENT_TYPE "application/vnd.vmds.export"

gchar *vmds_paths_state_dir(void);
gchar *vmds_paths_run_dir(void);
gchar *vmds_paths_config_file(void);
gchar *vmds_paths_socket(const gchar *run_dir, const gchar *vm);
guint vmds_paths_id_number(const gchar *id, const gchar *prefix);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-config.h"
#include "vmds-inventory.h"

G_BEGIN_DECLS

#define VMDS_TYPE_DAEMON (vmds_daemon_get_type())
G_DECLARE_FINAL_TYPE(VmdsDaemon, vmds_daemon, VMDS, DAEMON, VmdsContext)

/**
 * VmdsDaemonOptions:
 *
 * What the command line says; each set member overrides the config file.
 */
typedef struct {
	gchar *config_path;
	gchar *state_dir;
	gchar *run_dir;
	gchar *http_listen;
} VmdsDaemonOptions;

VmdsDaemon *vmds_daemon_new(const VmdsDaemonOptions *options);
gboolean vmds_daemon_setup(VmdsDaemon *self, GError **error);
void vmds_daemon_run(VmdsDaemon *self);
void vmds_daemon_stop(VmdsDaemon *self);
gboolean vmds_daemon_reload(VmdsDaemon *self, GError **error);

G_END_DECLS

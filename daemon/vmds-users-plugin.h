/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-router.h"
#include "vmds-users.h"
#include "vmds.h"

G_BEGIN_DECLS

#define VMDS_TYPE_USERS_PLUGIN (vmds_users_plugin_get_type())
G_DECLARE_FINAL_TYPE(VmdsUsersPlugin, vmds_users_plugin, VMDS, USERS_PLUGIN, VmdsPlugin)

VmdsPlugin *vmds_users_plugin_new(VmdsUsers *users, VmdsRouter *router);

G_END_DECLS

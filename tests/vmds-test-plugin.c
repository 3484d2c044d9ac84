/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "vmds.h"

/*
 * A second plugin for the loader's tests, so that two plugins can be
 * loaded into one process: it registers a type of its own and nothing else.
 */

#define VMDS_TYPE_TEST_PLUGIN (vmds_test_plugin_get_type())
G_DECLARE_FINAL_TYPE(VmdsTestPlugin, vmds_test_plugin, VMDS, TEST_PLUGIN, VmdsPlugin)

struct _VmdsTestPlugin {
	VmdsPlugin parent_instance;
};

G_DEFINE_FINAL_TYPE(VmdsTestPlugin, vmds_test_plugin, VMDS_TYPE_PLUGIN)

static void
vmds_test_plugin_init(VmdsTestPlugin *self)
{
}

static void
vmds_test_plugin_class_init(VmdsTestPluginClass *klass)
{
}

VMDS_PLUGIN_DEFINE(vmds_test_plugin)

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "vmds-ovf-env.h"

G_BEGIN_DECLS

/* the largest OVF environment a reader takes */
#define VMDS_OVF_ENV_READER_MAX_SIZE (16 * 1024 * 1024)

typedef struct _VmdsOvfEnvReader VmdsOvfEnvReader;

VmdsOvfEnvReader *vmds_ovf_env_reader_new(GBytes *doc, GError **error);
const VmdsOvfEnvProperty *vmds_ovf_env_reader_get_properties(VmdsOvfEnvReader *self,
							     guint *n_properties);
const gchar *vmds_ovf_env_reader_lookup(VmdsOvfEnvReader *self, const gchar *key);
void vmds_ovf_env_reader_free(VmdsOvfEnvReader *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VmdsOvfEnvReader, vmds_ovf_env_reader_free)

G_END_DECLS

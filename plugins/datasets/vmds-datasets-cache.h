/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-datasets.h"

G_BEGIN_DECLS

/* the data sets whose attributes it holds at most; past it, it starts again */
#define VMDS_DATASETS_CACHE_MAX_DATASETS 1024

/* what a data set row says about access, and its id for the entries table */
typedef struct {
	gint64 id;
	VmdsAccess host;
	VmdsAccess guest;
} VmdsDatasetsRef;

typedef struct _VmdsDatasetsCache VmdsDatasetsCache;

VmdsDatasetsCache *vmds_datasets_cache_get(VmdsStore *store);
const VmdsDatasetsRef *vmds_datasets_cache_lookup_ref(VmdsDatasetsCache *self, const gchar *name);
void
vmds_datasets_cache_add_ref(VmdsDatasetsCache *self, const gchar *name, const VmdsDatasetsRef *ref);
void vmds_datasets_cache_forget_ref(VmdsDatasetsCache *self, const gchar *name);
const gchar *vmds_datasets_cache_lookup_value(VmdsDatasetsCache *self,
					      gint64 dataset_id,
					      const gchar *key,
					      gsize *value_len);
void vmds_datasets_cache_add_value(VmdsDatasetsCache *self,
				   gint64 dataset_id,
				   const gchar *key,
				   const gchar *value,
				   gsize value_len);
void vmds_datasets_cache_forget_value(VmdsDatasetsCache *self, gint64 dataset_id, const gchar *key);
void vmds_datasets_cache_forget_values(VmdsDatasetsCache *self, gint64 dataset_id);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vmds-store.h"

G_BEGIN_DECLS

/* Check tests of a store's tables: each fails the test when @sql fails */
gchar *vmds_test_store_query_text(VmdsStore *store, const gchar *sql);
gint64 vmds_test_store_query_int(VmdsStore *store, const gchar *sql);
void vmds_test_store_exec(VmdsStore *store, const gchar *sql);

G_END_DECLS

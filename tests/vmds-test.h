/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* for Check tests: @error is a VMDS_ERROR with @code */
#define assert_error(error, code)                                                                  \
	ck_assert_msg(g_error_matches(error, VMDS_ERROR, code),                                    \
		      "expected error %d, got %s",                                                 \
		      (gint)(code),                                                                \
		      (error) != NULL ? (error)->message : "no error")

void vmds_test_rm_rf(const gchar *path);

G_END_DECLS

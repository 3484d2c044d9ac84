/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <ftw.h>
#include <stdio.h>

#include "vmds-test.h"

/* what every kind of test shares: unit, e2e and fuzz */

/* goes on past what cannot be removed, to remove the rest */
static int
vmds_test_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

/**
 * vmds_test_rm_rf:
 * @path: a test's temp directory
 *
 * Removes @path and everything below it; symlinks are not followed.
 */
void
vmds_test_rm_rf(const gchar *path)
{
	nftw(path, vmds_test_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

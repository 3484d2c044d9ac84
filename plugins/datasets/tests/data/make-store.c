/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/*
 * make-store VERSION OUT.dsd: writes the store vVERSION.dsd here, through
 * the DataSets engine of a libvmds whose stores had the DataSets tables
 * alone, at VERSION in PRAGMA user_version: 1 (commit 38e5d95, the last at
 * version 1) or 2 (commit b4e7c6d, the last such). Both hold the same.
 * Not built by meson: see README.md here. test-datasets-store.c knows the
 * same contents and checks them after the upgrade; change both together
 * (or better, never: each file is a record of what that format was).
 *
 * A value of length n and seed s is the bytes 'A' + (i * 7 + s) % 58.
 */

#include <stdlib.h>
#include <string.h>

#include "vmds-datasets.h"

/* ünïcödé */
#define NAME_U                                                                                     \
	"\xc3\xbc"                                                                                 \
	"n"                                                                                        \
	"\xc3\xaf"                                                                                 \
	"c"                                                                                        \
	"\xc3\xb6"                                                                                 \
	"d"                                                                                        \
	"\xc3\xa9"

static gchar *
make_value(gsize len, guint seed)
{
	gchar *value = g_malloc(len + 1);

	for (gsize i = 0; i < len; i++)
		value[i] = (gchar)('A' + (i * 7 + seed) % 58);
	value[len] = '\0';
	return value;
}

static void
check(gboolean ok, GError *error)
{
	if (!ok) {
		g_printerr("make-store: %s\n", error != NULL ? error->message : "failed");
		exit(1);
	}
}

static void
dataset(VmdsStore *store,
	const gchar *name,
	const gchar *description,
	VmdsAccess host,
	VmdsAccess guest,
	gboolean omit)
{
	g_autoptr(VmdsDataset) ds = vmds_dataset_new();
	GError *error = NULL;
	gboolean ok;

	ds->name = g_strdup(name);
	g_free(ds->description);
	ds->description = g_strdup(description);
	ds->host = host;
	ds->guest = guest;
	ds->omit_from_snapshot_and_clone = omit;
	ok = vmds_datasets_create(store, ds, &error);
	check(ok, error);
}

/* one call writing one entry, from the side that may (ünïcödé: the guest) */
static void
set(VmdsStore *store,
    const gchar *ds,
    const gchar *key,
    const gchar *value,
    gsize len,
    gboolean append)
{
	g_autoptr(GPtrArray) entries =
	    g_ptr_array_new_with_free_func((GDestroyNotify)vmds_entry_free);
	VmdsSide side = strcmp(ds, NAME_U) == 0 ? VMDS_SIDE_GUEST : VMDS_SIDE_HOST;
	GError *error = NULL;
	gboolean ok;

	g_ptr_array_add(entries, vmds_entry_new(key, value, len, append));
	ok = vmds_datasets_set_entries(store, side, ds, entries, &error);
	check(ok, error);
}

static void
set_pattern(VmdsStore *store, const gchar *ds, const gchar *key, gsize len, guint seed)
{
	g_autofree gchar *value = make_value(len, seed);

	set(store, ds, key, value, len, FALSE);
}

int
main(int argc, char **argv)
{
	g_autoptr(VmdsStore) store = NULL;
	g_autofree gchar *long_key = g_strnfill(4096, 'L');
	GError *error = NULL;
	guint version;

	if (argc != 3 || (strcmp(argv[1], "1") != 0 && strcmp(argv[1], "2") != 0)) {
		g_printerr("usage: make-store 1|2 OUT.dsd\n");
		return 2;
	}
	version = (guint)atoi(argv[1]);
	store = vmds_store_open(argv[2], &error);
	if (store == NULL)
		check(FALSE, error);
	if (vmds_store_get_schema_version(store) != version) {
		g_printerr("make-store: link it with a libvmds at schema version %u\n", version);
		return 1;
	}

	dataset(store,
		"plain",
		"a plain data set",
		VMDS_ACCESS_READ_WRITE,
		VMDS_ACCESS_READ_ONLY,
		FALSE);
	dataset(store,
		NAME_U,
		"quotes \" and \xc3\xa9",
		VMDS_ACCESS_READ_ONLY,
		VMDS_ACCESS_READ_WRITE,
		TRUE);
	dataset(store, "empty", "", VMDS_ACCESS_NONE, VMDS_ACCESS_NONE, FALSE);
	dataset(store, "big", "large values", VMDS_ACCESS_READ_WRITE, VMDS_ACCESS_READ_WRITE, TRUE);

	set(store, "plain", "k-empty", "", 0, FALSE);
	set(store, "plain", "k-small", "hello", 5, FALSE);
	set(store, "plain", "k-nul", "a\0b", 3, FALSE);
	set_pattern(store, "plain", "k-1024", 1024, 1);
	set_pattern(store, "plain", "k-1025", 1025, 2);
	set_pattern(store, "plain", "k-4096", 4096, 3);
	set_pattern(store, "plain", "k-4097", 4097, 4);
	set(store, "plain", "cl\xc3\xa9-\xe2\x82\xac", "valeur \xc3\xbc\xe2\x82\xac", 12, FALSE);

	set(store,
	    NAME_U,
	    "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87",
	    "\xd0\xb7\xd0\xbd\xd0\xb0\xd1\x87",
	    8,
	    FALSE);
	set(store, NAME_U, long_key, "long key", 8, FALSE);

	set_pattern(store, "big", "k-100k", 102400, 5);
	/* built by three appends, as a guest sends a value larger than a request */
	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *part = make_value(20000, 6 + i);
		set(store, "big", "k-appended", part, 20000, TRUE);
	}
	vmds_store_close(store);
	return 0;
}

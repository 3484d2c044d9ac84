/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fuzz-common.h"

/*
 * main() for the fuzz targets without libFuzzer: feeds every file named on the
 * command line, or found in a directory named there, to
 * LLVMFuzzerTestOneInput(), in name order. So the corpora run as ordinary
 * tests under gcc, valgrind and the sanitizers, and a crash file found by a
 * fuzzer replays with `fuzz-replay-TARGET crash-...`. libFuzzer's `-flag`
 * arguments are ignored.
 */

static gint
vmds_fuzz_replay_compare_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

static gboolean
vmds_fuzz_replay_collect(const gchar *path, GPtrArray *files, GError **error)
{
	g_autoptr(GDir) dir = NULL;
	const gchar *name;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_ptr_array_add(files, g_strdup(path));
		return TRUE;
	}
	dir = g_dir_open(path, 0, error);
	if (dir == NULL)
		return FALSE;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *file = g_build_filename(path, name, NULL);
		if (name[0] == '.' || !g_file_test(file, G_FILE_TEST_IS_REGULAR))
			continue;
		g_ptr_array_add(files, g_steal_pointer(&file));
	}
	return TRUE;
}

int
main(int argc, char **argv)
{
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	gint64 start;

	LLVMFuzzerInitialize(&argc, &argv);
	for (gint i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;
		if (argv[i][0] == '-')
			continue;
		if (!vmds_fuzz_replay_collect(argv[i], files, &error)) {
			fprintf(stderr, "%s\n", error->message);
			return 1;
		}
	}
	if (files->len == 0) {
		fprintf(stderr, "usage: %s FILE-OR-DIR...\n", argv[0]);
		return 1;
	}
	g_ptr_array_sort(files, vmds_fuzz_replay_compare_cb);
	start = g_get_monotonic_time();
	for (guint i = 0; i < files->len; i++) {
		const gchar *file = g_ptr_array_index(files, i);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *data = NULL;
		gsize len = 0;
		if (!g_file_get_contents(file, &data, &len, &error)) {
			fprintf(stderr, "%s\n", error->message);
			return 1;
		}
		if (g_getenv("VMDS_FUZZ_VERBOSE") != NULL)
			fprintf(stderr, "%s (%" G_GSIZE_FORMAT " bytes)\n", file, len);
		/* a copy of exactly len bytes, so ASan sees a read past the end */
		{
			g_autofree guint8 *copy = g_malloc(MAX(len, 1));
			memcpy(copy, data, len);
			LLVMFuzzerTestOneInput(copy, len);
		}
	}
	printf("%u inputs replayed in %.2f s\n",
	       files->len,
	       (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
	return 0;
}

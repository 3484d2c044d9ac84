/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vmds-datasets.h"
#include "vmds-dispatch.h"
#include "vmds-test.h"

G_BEGIN_DECLS

/* the libFuzzer entry points; fuzz-replay.c provides main() for the corpora */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a failed oracle: print why and abort, so libFuzzer saves the input */
#define VMDS_FUZZ_CHECK(cond, ...)                                                                 \
	G_STMT_START                                                                               \
	{                                                                                          \
		if (G_UNLIKELY(!(cond)))                                                           \
			vmds_fuzz_fail(G_STRLOC, #cond, __VA_ARGS__);                              \
	}                                                                                          \
	G_STMT_END

G_NORETURN void vmds_fuzz_fail(const gchar *where, const gchar *cond, const gchar *format, ...)
    G_GNUC_PRINTF(3, 4);

void vmds_fuzz_init_logging(void);
gboolean vmds_fuzz_skip_known(const gchar *bug);
gboolean vmds_fuzz_has_bad_escape(const guint8 *data, gsize len);
gchar *vmds_fuzz_make_tmpdir(void);
VmdsPlugin *vmds_fuzz_load_plugin(const gchar *path, VmdsContext *context, GKeyFile *config);
gint64 vmds_fuzz_store_changes(VmdsStore *store);
void vmds_fuzz_store_reset(VmdsStore *store);
void vmds_fuzz_store_check(VmdsStore *store);
gboolean vmds_fuzz_json_valid(const gchar *text, gsize len, JsonNode **root);

G_END_DECLS

/*
 * Copyright (C) 2026 The vmds authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* the most of a peer's text an error message quotes (vmds_json_abbreviate()) */
#define VMDS_JSON_QUOTE_MAX 64

/* deeper input is refused before json-glib sees it (its parser recurses) */
#define VMDS_JSON_MAX_DEPTH 32

gboolean vmds_json_validate(const gchar *text, gsize len, GError **error);
JsonNode *vmds_json_parse(const gchar *text, gsize len, GError **error);
JsonObject *vmds_json_parse_object(const gchar *text, gsize len, GError **error);
gboolean
vmds_json_object_check_members(JsonObject *obj, const gchar *const *allowed, GError **error);
gboolean vmds_json_object_get_string(
    JsonObject *obj, const gchar *member, gboolean required, const gchar **value, GError **error);
gboolean vmds_json_object_get_boolean(
    JsonObject *obj, const gchar *member, gboolean *value, gboolean *present, GError **error);
gboolean vmds_json_object_get_int(JsonObject *obj,
				  const gchar *member,
				  gint64 min,
				  gint64 max,
				  gint64 *value,
				  gboolean *present,
				  GError **error);
JsonArray *vmds_json_object_get_array(JsonObject *obj, const gchar *member, GError **error);
GPtrArray *vmds_json_array_get_strings(JsonArray *array, const gchar *what, GError **error);
JsonObject *
vmds_json_array_get_object(JsonArray *array, guint idx, const gchar *what, GError **error);
const gchar *vmds_json_node_get_string(JsonNode *node, const gchar *what, GError **error);

/* a streaming reader over text that vmds_json_validate() accepted */
typedef struct {
	const gchar *text;
	gsize len;
	gsize pos;
	gboolean first;
} VmdsJsonReader;

gboolean vmds_json_reader_init(VmdsJsonReader *self, const gchar *text, gsize len, GError **error);
gchar vmds_json_reader_peek(VmdsJsonReader *self);
void vmds_json_reader_enter(VmdsJsonReader *self);
gboolean vmds_json_reader_next(VmdsJsonReader *self);
gchar *vmds_json_reader_member(VmdsJsonReader *self);
gint vmds_json_reader_member_index(VmdsJsonReader *self, const gchar *const *names);
gchar *vmds_json_reader_read_string(VmdsJsonReader *self, gsize *len);
gboolean vmds_json_reader_read_boolean(VmdsJsonReader *self, gboolean *value);
void vmds_json_reader_skip(VmdsJsonReader *self);

gchar *vmds_json_abbreviate(const gchar *text);
void vmds_json_append_string(GString *out, const gchar *str, gssize len);
void vmds_json_append_escaped(GString *out, const gchar *str, gsize len);
gsize vmds_json_string_size(const gchar *str, gsize len);

G_END_DECLS
